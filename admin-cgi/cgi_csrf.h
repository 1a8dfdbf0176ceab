/* cgi_csrf.h -- cross-site request forgery defences for the admin page's POST forms:
 * a token bound to the user and the session's token, that expires (HMAC-SHA256 with a
 * per-installation key), compared in constant time, plus a same-origin check of Origin (or
 * Referer). */
#ifndef CGI_CSRF_H
#define CGI_CSRF_H

#include <stddef.h>
#include <stdint.h>
#include <apr_pools.h>

#define CSRF_KEY_LEN 32

/* Read the installation key from path, creating it (0600, 32 random bytes, atomically:
 * temp file + link, so two first requests cannot end with different keys) when missing.
 * Returns 1, or 0 with *why set. */
int csrf_key_load(apr_pool_t *p, const char *path, unsigned char key[CSRF_KEY_LEN],
                  const char **why);

#define CSRF_LIFETIME_DEFAULT (4 * 3600)   /* seconds; JWT_ADMIN_CSRF_LIFETIME */
#define CSRF_LIFETIME_MAX (24 * 3600)

/* The session a CSRF token is bound to: SHA-256 over the given claim values of the token the
 * request was authenticated with (the module's JWT_CLAIM_JTI, _IAT, _EXP, _ISS), so a new
 * login makes every earlier CSRF token invalid. "" when none is set (AuthJWTClaimsEnv Off):
 * then the token is bound to the user and its expiry only. */
const char *csrf_session(apr_pool_t *p, const char *const claims[], size_t n);

/* "ISSUED.base64url(HMAC-SHA256(key, "jwt-admin-csrf-v2" NUL user NUL session NUL ISSUED))",
 * ISSUED the decimal time the page was made. */
const char *csrf_token(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                       const char *session, int64_t now);

/* CSRF_VALID when given was made for this user and session (constant-time comparison) no
 * longer than lifetime seconds ago; CSRF_EXPIRED when it was, but too long ago (or more than
 * a minute ahead); CSRF_INVALID otherwise. */
#define CSRF_VALID 1
#define CSRF_INVALID 0
#define CSRF_EXPIRED (-1)
int csrf_token_valid(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                     const char *session, const char *given, int64_t now, int64_t lifetime);

/* This site's origin: JWT_ADMIN_ORIGIN when set (behind a proxy that changes Host or
 * scheme), else scheme://HTTP_HOST. NULL when there is no Host to build it from. */
const char *csrf_expected_origin(apr_pool_t *p, const char *configured, const char *host,
                                 int https);

/* NULL when the request is same-origin, else the reason. Origin must equal expected;
 * without Origin, Referer must start with expected + "/"; with neither the request is
 * refused (browsers send Origin on every form POST). */
const char *csrf_origin_problem(const char *origin, const char *referer, const char *expected);

#endif
