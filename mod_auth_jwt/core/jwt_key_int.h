/* jwt_key_int.h -- what jwt_key.c, jwt_key_jwk.c and jwt_key_pem.c share; not part of
 * the core's interface (jwt_key.h is). */
#ifndef JWT_KEY_INT_H
#define JWT_KEY_INT_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <json-c/json.h>
#include "jwt_key.h"

#define KEY_FILE_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_DEPTH 8
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384     /* verification cost grows with n: refuse absurd moduli */
#define HMAC_MIN_BYTES 32      /* HS256's hash output (RFC 7518 3.2) */
#define PEM_LABEL_MAX 64

typedef struct {
    const char *crv;          /* JWK name */
    const char *group;        /* OpenSSL group name */
    const char *nist;         /* alternative name OpenSSL may report */
    size_t field_len;         /* bytes of x, y and d */
    jwt_alg_t alg;
} ec_curve_t;

typedef struct {
    const char *crv;
    const char *ossl_name;    /* EVP_PKEY type name */
    size_t key_len;           /* bytes of x and d */
    jwt_alg_t alg;            /* RFC 9864 fully-specified name */
} okp_curve_t;

jwt_code_t jwtk_check_rsa_public(const BIGNUM *n, const BIGNUM *e, jwt_err_t *err);
jwt_code_t jwtk_check_with_ctx(EVP_PKEY *pkey, int pairwise, const char *what, jwt_err_t *err);
const ec_curve_t *jwtk_ec_curve_by_crv(const char *crv);
const ec_curve_t *jwtk_ec_curve_by_group(const char *group);
jwt_key_t *jwtk_key_new(apr_pool_t *p, jwt_kty_t kty, const char *source);
void jwtk_key_own_pkey(apr_pool_t *p, jwt_key_t *key, EVP_PKEY *pkey);
void jwtk_key_release(apr_pool_t *p, jwt_key_t *key);
const char *jwtk_kty_name(jwt_kty_t kty);
jwt_algset_t jwtk_okp_algs(const okp_curve_t *c);
const okp_curve_t *jwtk_okp_curve_by_crv(const char *crv);
const char *jwtk_printable(apr_pool_t *p, const char *s, size_t len);
jwt_algset_t jwtk_rsa_algs(void);
jwt_code_t jwtk_json_to_keys(apr_pool_t *keypool, apr_pool_t *tmp, const char *buf, size_t len, const char *source, const char *kid_override, apr_array_header_t *keys, int *skipped, jwt_err_t *err);

#endif
