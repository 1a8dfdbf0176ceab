/* env.h -- the export stage (env.c): JWT_CLAIM_* variables, AuthJWTForwardClaim headers
 * and the fixups hook that strips client copies of forwarded headers. */
#ifndef JWT_ENV_H
#define JWT_ENV_H

#include "dir_conf.h"

/* env.c */
void jwt_export_claims_env(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims);
void jwt_strip_forwarded_headers(request_rec *r, const jwt_dir_conf_t *conf);
void jwt_forward_claims(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims);
/* fixups hook: no client copy of a forwarded header (any spelling) survives any request. */
int jwt_forward_fixups(request_rec *r);
/* A claim value as text: strings as is, numbers/booleans as JSON text, arrays and objects
 * as compact JSON; NULL for null or a string holding a NUL byte. */
const char *jwt_claim_text(apr_pool_t *p, json_object *v);

#endif
