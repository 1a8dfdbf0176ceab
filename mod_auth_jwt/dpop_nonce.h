/* dpop_nonce.h -- DPoP server nonces (RFC 9449 8, AuthJWTDPoPNonce): stateless, an HMAC
 * of the current period under a key made at startup and shared by every child
 * (dpop_nonce.c; the arithmetic is core/jwt_dpop.c's). */
#ifndef JWT_DPOP_NONCE_H
#define JWT_DPOP_NONCE_H

#include "jwt_module.h"

/* The nonce of the current period of `lifetime` seconds (what DPoP-Nonce announces). */
const char *jwt_dpop_nonce_now(request_rec *r, apr_int64_t lifetime);
/* Is nonce this period's or the previous one's? */
int jwt_dpop_nonce_valid(request_rec *r, apr_int64_t lifetime, const char *nonce);

void jwt_dpop_nonce_register_hooks(apr_pool_t *p);

#endif
