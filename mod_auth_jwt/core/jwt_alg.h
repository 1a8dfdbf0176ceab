/* jwt_alg.h -- the JWS algorithms we implement, and sets of them as bitmasks. */
#ifndef JWT_ALG_H
#define JWT_ALG_H

#include <apr_pools.h>
#include "jwt_err.h"

typedef enum {
    JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512,
    JWT_ALG_RS256, JWT_ALG_RS384, JWT_ALG_RS512,
    JWT_ALG_PS256, JWT_ALG_PS384, JWT_ALG_PS512,
    JWT_ALG_ES256, JWT_ALG_ES384, JWT_ALG_ES512,
    JWT_ALG_EDDSA,                   /* "EdDSA": Ed25519 or Ed448, decided by the key */
    JWT_ALG_ED25519,                 /* RFC 9864 fully-specified names */
    JWT_ALG_ED448,
    JWT_ALG__COUNT
} jwt_alg_t;

typedef unsigned int jwt_algset_t;   /* bit (1u << jwt_alg_t) */

#define JWT_ALGSET(a) (1u << (unsigned)(a))
#define JWT_ALGSET_ALL ((1u << JWT_ALG__COUNT) - 1u)
#define JWT_ALGSET_HMAC (JWT_ALGSET(JWT_ALG_HS256) | JWT_ALGSET(JWT_ALG_HS384) | JWT_ALGSET(JWT_ALG_HS512))

/* Exact, case-sensitive name lookup. "none" (any case) -> JWT_ERR_ALG_NONE;
 * other unknown names -> JWT_ERR_ALG_UNSUPPORTED. */
jwt_code_t jwt_alg_from_name(const char *name, jwt_alg_t *out, jwt_err_t *err);
const char *jwt_alg_name(jwt_alg_t alg);

/* Digest output length in bytes for HS/RS/PS/ES (HMAC minimum key length, PSS salt);
 * 0 for EdDSA. */
size_t jwt_alg_hash_len(jwt_alg_t alg);

/* The HS algorithms a secret of len bytes may be used with: each whose hash output fits in
 * it (RFC 7518 3.2); 0 for a secret shorter than 32 bytes. */
jwt_algset_t jwt_algset_hmac_for_len(size_t len);

/* Parse a space- or comma-separated list ("RS256 ES256 EdDSA") into a set.
 * Refuses "none" and unknown names with a message naming the word. */
jwt_code_t jwt_algset_parse(const char *list, jwt_algset_t *out, jwt_err_t *err);

/* "RS256 ES256" (pool string) */
const char *jwt_algset_format(apr_pool_t *p, jwt_algset_t set);

#endif
