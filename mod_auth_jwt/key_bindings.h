/* key_bindings.h -- the configtest warning for key sources not bound to an issuer.
 *
 * A location that accepts several issuers (AuthJWTIssuer given twice or more) and has a key
 * source bound to none of them (AuthJWTKeyFile without issuer=, the secrets file,
 * AuthJWTJWKSURL without issuer=) lets a key of one issuer verify tokens that claim
 * another (RFC 8725 3.8). That may be intended (one key shared by two issuer names), so it
 * is a warning at startup and in `apachectl configtest`, not an error.
 */
#ifndef MOD_AUTH_JWT_KEY_BINDINGS_H
#define MOD_AUTH_JWT_KEY_BINDINGS_H

#include "httpd.h"

void jwt_key_bindings_register_hooks(apr_pool_t *p);

#endif
