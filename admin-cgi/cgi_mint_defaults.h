/* cgi_mint_defaults.h -- what the Test token page offers before the user types anything
 * (issue 23): the active secret preselected, claims that the protected location accepts
 * (the configured iss and aud, a sub), and a curl line with a real URL of this server. */
#ifndef CGI_MINT_DEFAULTS_H
#define CGI_MINT_DEFAULTS_H

#include "jwt_secrets.h"
#include "admin.h"

/* kid of the active secret (the one the module's login would sign with), else of the first
 * verify-only one, else NULL. */
const char *mint_default_kid(const jwt_secrets_t *s);

/* {"sub": USER, "iss": first JWT_ADMIN_ISSUER, "aud": first JWT_ADMIN_AUDIENCE} as JSON. */
const char *mint_default_claims(admin_ctx_t *c);

/* Where to try a token: JWT_ADMIN_TRY_URL when it is an http(s) URL, else this server's
 * origin (HTTPS, HTTP_HOST or SERVER_NAME and SERVER_PORT, checked) plus JWT_ADMIN_TRY_PATH
 * (a path starting with one '/', default "/"). Never NULL. */
const char *mint_try_url(admin_ctx_t *c);

#endif
