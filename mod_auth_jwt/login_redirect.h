/* login_redirect.h -- AuthJWTLoginURL: browsers without a token go to the login page.
 *
 *   <Location /admin>
 *     AuthType jwt
 *     AuthJWTLoginURL /login.html
 *
 * A GET or HEAD without a token whose Accept prefers text/html (error_body.h) is answered
 * 303 See Other to the login URL with ?return=<this request's path and query>, percent-
 * encoded. The return path is built from the request's own path (always a relative,
 * same-origin path starting with one '/'), never from anything absolute in the request, so
 * the redirect cannot be turned into an open redirect; the login page must check it again
 * before it sends the user back (demo/htdocs/login.js). API clients keep their 401.
 */
#ifndef JWT_LOGIN_REDIRECT_H
#define JWT_LOGIN_REDIRECT_H

#include "httpd.h"
#include "http_config.h"

struct jwt_dir_conf;

const char *jwt_cmd_login_url(cmd_parms *cmd, void *mconfig, const char *arg);

#define JWT_LOGIN_REDIRECT_CMDS \
    AP_INIT_TAKE1("AuthJWTLoginURL", jwt_cmd_login_url, NULL, RSRC_CONF | OR_AUTHCFG, \
        "URL of the login page: a browser without a token is sent there (303) with " \
        "?return=PATH; a path such as /login.html or an https:// URL")

/* HTTP_SEE_OTHER with Location set, when the request should go to the login page; else
 * DECLINED. Called for a request that carries no token. */
int jwt_login_redirect(request_rec *r, const struct jwt_dir_conf *conf);

/* The login URL with ?return=<this request>, or NULL without AuthJWTLoginURL. */
const char *jwt_login_location(request_rec *r, const struct jwt_dir_conf *conf);

/* Is s a same-origin relative path safe to send a browser back to: one leading '/', not
 * "//" or "/\", no control characters, spaces or backslashes? */
int jwt_is_local_path(const char *s);

#endif
