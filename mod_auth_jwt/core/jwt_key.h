/* jwt_key.h -- keys and keyrings.
 *
 * A key is an OpenSSL EVP_PKEY (RSA, EC, Ed25519, Ed448) or an HMAC secret, bound at
 * import time to the algorithms its type permits (and narrowed to its own JWK "alg"
 * when present). Keys are built once (config time, JWKS fetch, secrets-file reload),
 * never per request. EVP_PKEYs are freed by a cleanup on the pool they were made in.
 *
 * Minimums: RSA >= 2048 bits; HMAC secret >= the hash output of every alg it is bound to
 * (a 32..47-byte secret is bound to HS256 only, etc.). EC points must be on the curve.
 */
#ifndef JWT_KEY_H
#define JWT_KEY_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include "jwt_err.h"
#include "jwt_alg.h"

typedef enum { JWT_KTY_OCT, JWT_KTY_RSA, JWT_KTY_EC, JWT_KTY_OKP } jwt_kty_t;

/* What OpenSSL says pkey is, asked once when the key is made: EVP_PKEY_is_a() looks the
 * name up in a table under a lock all threads share, too slow to repeat per token. */
typedef enum {
    JWT_PKEY_NONE, JWT_PKEY_RSA, JWT_PKEY_EC, JWT_PKEY_ED25519, JWT_PKEY_ED448, JWT_PKEY_OTHER
} jwt_pkey_type_t;

typedef struct jwt_key {
    const char *kid;            /* NULL when the key has none */
    jwt_kty_t kty;
    jwt_algset_t algs;          /* algorithms this key may verify / sign */
    int can_sign;               /* private part (or secret) present */
    int can_verify;             /* use / key_ops permit verification */
    EVP_PKEY *pkey;             /* asymmetric keys; NULL for oct */
    jwt_pkey_type_t pkey_type;  /* set with pkey (JWT_PKEY_NONE while pkey is NULL) */
    const unsigned char *secret;/* oct keys */
    size_t secret_len;
    int bits;                   /* RSA modulus / EC field / secret bits, for display */
    const char *crv;            /* "P-256", "Ed25519", ... or NULL */
    const char *source;         /* where it came from, for logs and the admin page:
                                   "/etc/jwt/idp.pem", "secrets:/etc/jwt/secrets.jwks", URL */
    const char *issuer;         /* when set, this key only verifies tokens whose iss is
                                   exactly this (RFC 8725 3.8); NULL = any */
    void *ready[JWT_ALG__COUNT];/* jwt_jws.c's verification context per algorithm, made on
                                   first use and copied per token (for HS* the RFC 2104 pad states,
                                   else an EVP_MD_CTX); set atomically, freed with the key */
} jwt_key_t;

typedef struct jwt_keyring {
    apr_pool_t *pool;
    apr_array_header_t *keys;   /* jwt_key_t * */
} jwt_keyring_t;

/* --- import --- */

/* One JWK object. Unknown kty/crv -> JWT_ERR_KEY_UNSUPPORTED (a JWKS loader skips those). */
jwt_code_t jwt_key_from_jwk(apr_pool_t *p, json_object *jwk, const char *source,
                            jwt_key_t **out, jwt_err_t *err);

/* An HMAC secret given as raw bytes. */
jwt_code_t jwt_key_from_secret(apr_pool_t *p, const unsigned char *secret, size_t len,
                               const char *kid, const char *source, jwt_key_t **out,
                               jwt_err_t *err);

/* Load every key in buf, detected by content: PEM public key (SPKI or PKCS#1 RSA),
 * PEM certificate, PEM private key (PKCS#8 / traditional; public half usable too),
 * JWK object, or JWKS ({"keys": [...]}). kid_override (may be NULL) names a single
 * PEM key / JWK; for a JWKS it is an error. Keys are appended to ring (duplicate kids
 * refused). *count (may be NULL) receives how many were added.
 * All or nothing: on any error the ring is unchanged. PEM: several blocks give several
 * keys; only the first CERTIFICATE counts (the rest is its chain); "EC PARAMETERS" is
 * ignored; encrypted private keys are refused (KEY_INVALID). Anything that is neither PEM
 * nor starts with '{' -> KEY_INVALID "not a PEM key, certificate, JWK or JWKS".
 * JSON parse errors keep their JWT_ERR_JSON* code. */
jwt_code_t jwt_keys_from_buffer(jwt_keyring_t *ring, const char *buf, size_t len,
                                const char *source, const char *kid_override,
                                int *count, jwt_err_t *err);

/* Same, also reporting how many JWKS members were skipped (*skipped, may be NULL): unknown
 * kty/crv/alg, or use/key_ops not for signatures. Other bad members fail the whole set, as
 * does a set with no usable key or one mixing oct secrets with public keys. */
jwt_code_t jwt_keys_from_buffer_ex(jwt_keyring_t *ring, const char *buf, size_t len,
                                   const char *source, const char *kid_override,
                                   int *count, int *skipped, jwt_err_t *err);

/* Same, reading a file (size-capped, 1 MiB). source = path. */
jwt_code_t jwt_keys_from_file(jwt_keyring_t *ring, const char *path,
                              const char *kid_override, int *count, jwt_err_t *err);

/* The public half as a JWK object (never private parts; oct keys -> JWT_ERR_ARG).
 * Object owned by p. */
jwt_code_t jwt_key_public_jwk(apr_pool_t *p, const jwt_key_t *key, json_object **out,
                              jwt_err_t *err);

/* --- keyrings --- */

jwt_keyring_t *jwt_keyring_make(apr_pool_t *p);
/* Append; refuses a kid already present (JWT_ERR_KEY_DUPLICATE_KID). */
jwt_code_t jwt_keyring_add(jwt_keyring_t *ring, jwt_key_t *key, jwt_err_t *err);
/* First key with this kid, or NULL. */
const jwt_key_t *jwt_keyring_find_kid(const jwt_keyring_t *ring, const char *kid);
int jwt_keyring_count(const jwt_keyring_t *ring);

/* RFC 7638 thumbprint (base64url SHA-256 of the required public members) of an asymmetric
 * key; NULL (and err filled) for an HMAC secret or on failure. */
const char *jwt_key_thumbprint(apr_pool_t *p, const jwt_key_t *key, jwt_err_t *err);

/* Give every asymmetric key from index `from` on that has no kid its thumbprint as kid
 * (unless another key already holds that kid). The module and the admin page both do this,
 * so they find the same key for the same token. */
void jwt_keyring_name_by_thumbprint(jwt_keyring_t *ring, int from);

/* A short description for logs: "kid=rs (RSA 2048, RS256 RS384 ...) from /etc/x.pem" */
const char *jwt_key_describe(apr_pool_t *p, const jwt_key_t *key);

#endif
