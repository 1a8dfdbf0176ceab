/* login_guard.h -- what keeps the login cookie from being forged or planted (issue 21):
 * the same-origin check of form logins, the __Host- cookie name, and wiping the request
 * body and password once they have been used. */
#ifndef JWT_LOGIN_GUARD_H
#define JWT_LOGIN_GUARD_H

#include "httpd.h"

#define JWT_HOST_PREFIX "__Host-"

/* Is this request from the server's own origin? Origin decides when present (it must be
 * scheme://host[:port] equal to this request's); without it Sec-Fetch-Site must be
 * "same-origin" or "none"; with neither (not a browser) it is. On a refusal *why says
 * what came, for the log. */
int jwt_login_same_origin(request_rec *r, const char **why);

/* The cookie name a login delivers: NAME with the __Host- prefix (the cookie is Secure,
 * Path=/ and has no Domain), unless NAME has it already or keep_name is set. */
const char *jwt_login_cookie_name(apr_pool_t *p, const char *name, int keep_name);

/* The cookie a location's AuthJWTTokenFrom cookie=NAME reads: __Host-NAME when a login
 * handler of this server delivers the token under that name, else NAME itself. */
const char *jwt_token_cookie_name(const request_rec *r, const char *name);

/* jwt_wipe (now) and jwt_wipe_at_end (when the request's pool goes), which login.c and
 * explain.c use on passwords and form bodies, are the core's (jwt_wipe.h). */
#include "jwt_wipe.h"

#endif
