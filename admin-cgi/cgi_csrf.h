/* cgi_csrf.h -- cross-site request forgery defences for the admin page's POST forms:
 * a token bound to the user (HMAC-SHA256 over REMOTE_USER with a per-installation key),
 * compared in constant time, plus a same-origin check of Origin (or Referer). */
#ifndef CGI_CSRF_H
#define CGI_CSRF_H

#include <stddef.h>
#include <apr_pools.h>

#define CSRF_KEY_LEN 32

/* Read the installation key from path, creating it (0600, 32 random bytes, atomically:
 * temp file + link, so two first requests cannot end with different keys) when missing.
 * Returns 1, or 0 with *why set. */
int csrf_key_load(apr_pool_t *p, const char *path, unsigned char key[CSRF_KEY_LEN],
                  const char **why);

/* base64url(HMAC-SHA256(key, "jwt-admin-csrf-v1" NUL user)) */
const char *csrf_token(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user);

/* 1 when given is the user's token (constant-time comparison), else 0. */
int csrf_token_valid(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                     const char *given);

/* This site's origin: JWT_ADMIN_ORIGIN when set (behind a proxy that changes Host or
 * scheme), else scheme://HTTP_HOST. NULL when there is no Host to build it from. */
const char *csrf_expected_origin(apr_pool_t *p, const char *configured, const char *host,
                                 int https);

/* NULL when the request is same-origin, else the reason. Origin must equal expected;
 * without Origin, Referer must start with expected + "/"; with neither the request is
 * refused (browsers send Origin on every form POST). */
const char *csrf_origin_problem(const char *origin, const char *referer, const char *expected);

#endif
