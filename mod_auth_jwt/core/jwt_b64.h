/* jwt_b64.h -- strict base64url (RFC 7515 section 2, RFC 4648 section 5).
 * Refuses: characters outside [A-Za-z0-9_-], '=' padding, whitespace, length % 4 == 1,
 * and non-zero unused trailing bits (so every byte string has exactly one encoding). */
#ifndef JWT_B64_H
#define JWT_B64_H

#include <stddef.h>
#include <apr_pools.h>
#include "jwt_err.h"

/* Decode in[0..inlen). *out is pool memory, NUL-terminated (not counted in *outlen). */
jwt_code_t jwt_b64url_decode(apr_pool_t *p, const char *in, size_t inlen,
                             unsigned char **out, size_t *outlen, jwt_err_t *err);

/* Encode without padding; returns a NUL-terminated pool string. */
char *jwt_b64url_encode(apr_pool_t *p, const unsigned char *in, size_t len);

#endif
