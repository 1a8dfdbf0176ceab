/* jwt_jwe_key.h -- JWE algorithm names and sets, and decryption keys / keyrings.
 *
 * Decryption keys live in their own keyring, apart from the signature keys of jwt_key.h:
 * a key is for one job (RFC 8725 3.9), so a JWK with "use":"sig" is never a decryption key
 * and a decryption key never verifies a signature. A key is bound at import to the key
 * management algorithms its type permits (narrowed to its JWK "alg" when present):
 *   RSA >= 2048 bits     RSA-OAEP, RSA-OAEP-256
 *   EC P-256/384/521,
 *   X25519, X448         ECDH-ES, ECDH-ES+A128KW/A192KW/A256KW
 *   oct 16/24/32 bytes   A128KW/A192KW/A256KW and A128GCMKW/... of that size, and dir
 *   oct 48/64 bytes      dir (A192CBC-HS384 / A256CBC-HS512)
 * Other oct lengths are refused (KEY_WEAK below 16 bytes, KEY_INVALID otherwise).
 * EVP_PKEYs are freed by a cleanup on the pool the key was made in.
 */
#ifndef JWT_JWE_KEY_H
#define JWT_JWE_KEY_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include "jwt_err.h"
#include "jwt_key.h"

typedef enum {
    JWT_JWE_RSA_OAEP, JWT_JWE_RSA_OAEP_256,
    JWT_JWE_ECDH_ES, JWT_JWE_ECDH_ES_A128KW, JWT_JWE_ECDH_ES_A192KW, JWT_JWE_ECDH_ES_A256KW,
    JWT_JWE_A128KW, JWT_JWE_A192KW, JWT_JWE_A256KW,
    JWT_JWE_A128GCMKW, JWT_JWE_A192GCMKW, JWT_JWE_A256GCMKW,
    JWT_JWE_DIR,
    JWT_JWE_ALG__COUNT
} jwt_jwe_alg_t;

typedef enum {
    JWT_JWE_A128GCM, JWT_JWE_A192GCM, JWT_JWE_A256GCM,
    JWT_JWE_A128CBC_HS256, JWT_JWE_A192CBC_HS384, JWT_JWE_A256CBC_HS512,
    JWT_JWE_ENC__COUNT
} jwt_jwe_enc_t;

typedef unsigned int jwt_jwe_algset_t;   /* bit (1u << jwt_jwe_alg_t) */
typedef unsigned int jwt_jwe_encset_t;   /* bit (1u << jwt_jwe_enc_t) */

#define JWT_JWE_SET(a) (1u << (unsigned)(a))
#define JWT_JWE_ALGSET_ALL ((1u << JWT_JWE_ALG__COUNT) - 1u)
#define JWT_JWE_ENCSET_ALL ((1u << JWT_JWE_ENC__COUNT) - 1u)
#define JWT_JWE_ALGSET_RSA (JWT_JWE_SET(JWT_JWE_RSA_OAEP) | JWT_JWE_SET(JWT_JWE_RSA_OAEP_256))
#define JWT_JWE_ALGSET_ECDH (JWT_JWE_SET(JWT_JWE_ECDH_ES) | JWT_JWE_SET(JWT_JWE_ECDH_ES_A128KW) \
                             | JWT_JWE_SET(JWT_JWE_ECDH_ES_A192KW) | JWT_JWE_SET(JWT_JWE_ECDH_ES_A256KW))

/* Exact, case-sensitive names. RSA1_5 and PBES2-* -> ALG_REFUSED; "none" (any case) ->
 * ALG_NONE; a JWS alg name or anything else -> ALG_UNSUPPORTED. */
jwt_code_t jwt_jwe_alg_from_name(const char *name, jwt_jwe_alg_t *out, jwt_err_t *err);
const char *jwt_jwe_alg_name(jwt_jwe_alg_t alg);
/* Unknown -> ENC_UNSUPPORTED. */
jwt_code_t jwt_jwe_enc_from_name(const char *name, jwt_jwe_enc_t *out, jwt_err_t *err);
const char *jwt_jwe_enc_name(jwt_jwe_enc_t enc);
/* CEK length in bytes for enc (16..64). */
size_t jwt_jwe_enc_cek_len(jwt_jwe_enc_t enc);
/* 1 when alg uses a shared secret (dir, A*KW, A*GCMKW). */
int jwt_jwe_alg_is_symmetric(jwt_jwe_alg_t alg);

/* Space- or comma-separated lists, as jwt_algset_parse. Refused words are named. */
jwt_code_t jwt_jwe_algset_parse(const char *list, jwt_jwe_algset_t *out, jwt_err_t *err);
jwt_code_t jwt_jwe_encset_parse(const char *list, jwt_jwe_encset_t *out, jwt_err_t *err);
const char *jwt_jwe_algset_format(apr_pool_t *p, jwt_jwe_algset_t set);
const char *jwt_jwe_encset_format(apr_pool_t *p, jwt_jwe_encset_t set);

/* --- keys --- */

typedef enum { JWT_JWEK_OCT, JWT_JWEK_RSA, JWT_JWEK_EC, JWT_JWEK_X25519, JWT_JWEK_X448 } jwt_jwek_type_t;

typedef struct {
    const char *kid;            /* NULL when none */
    jwt_jwek_type_t type;
    jwt_jwe_algset_t algs;      /* key management algorithms this key may do */
    int has_private;            /* 0: encrypt only (a recipient's public key) */
    EVP_PKEY *pkey;             /* NULL for oct */
    const char *crv;            /* "P-256", "X25519", ... or NULL */
    const unsigned char *secret;/* oct */
    size_t secret_len;
    int bits;
    const char *source;         /* file path or "secrets:..." for logs */
} jwt_jwe_key_t;

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *keys;   /* jwt_jwe_key_t * */
} jwt_jwe_keyring_t;

jwt_jwe_keyring_t *jwt_jwe_keyring_make(apr_pool_t *p);
/* Refuses a kid already present (KEY_DUPLICATE_KID). */
jwt_code_t jwt_jwe_keyring_add(jwt_jwe_keyring_t *ring, jwt_jwe_key_t *key, jwt_err_t *err);
int jwt_jwe_keyring_count(const jwt_jwe_keyring_t *ring);

/* One JWK (public or private). "use" must be absent or "enc"; "key_ops", when present,
 * must grant one of decrypt/unwrapKey/encrypt/wrapKey; "alg", when present, must be a key
 * management algorithm fitting the key, and narrows the key to it. Unknown kty/crv or a
 * non-JWE alg -> KEY_UNSUPPORTED; "use":"sig" -> KEY_USAGE. */
jwt_code_t jwt_jwe_key_from_jwk(apr_pool_t *p, json_object *jwk, const char *source,
                                jwt_jwe_key_t **out, jwt_err_t *err);

/* A shared secret (from the secrets file): bound by its length as above. */
jwt_code_t jwt_jwe_key_from_secret(apr_pool_t *p, const unsigned char *secret, size_t len,
                                   const char *kid, const char *source,
                                   jwt_jwe_key_t **out, jwt_err_t *err);

/* A public key for an ephemeral ECDH-ES "epk": kty EC or OKP, no "d", point checked.
 * Used by the decrypter; exposed for tests. */
jwt_code_t jwt_jwe_epk_from_jwk(apr_pool_t *p, json_object *jwk, jwt_jwe_key_t **out,
                                jwt_err_t *err);

/* Keys in buf, by content: a PEM private key (one; "EC PARAMETERS" ignored) or, when
 * allow_public, a PEM public key; a JWK; a JWKS (members with "use":"sig", unknown
 * kty/crv/alg are skipped; none usable -> NO_KEY). kid_override names a single PEM key or
 * JWK (error for a JWKS). All or nothing. Without allow_public a key with no private part
 * is refused (KEY_USAGE): a decryption keyring only holds keys that can decrypt. */
jwt_code_t jwt_jwe_keys_from_buffer(jwt_jwe_keyring_t *ring, const char *buf, size_t len,
                                    const char *source, const char *kid_override,
                                    int allow_public, int *count, jwt_err_t *err);
/* Same, from a file (1 MiB cap). */
jwt_code_t jwt_jwe_keys_from_file(jwt_jwe_keyring_t *ring, const char *path,
                                  const char *kid_override, int allow_public, int *count,
                                  jwt_err_t *err);

/* The public half as a JWK (oct -> ARG), for publishing an encryption key. */
jwt_code_t jwt_jwe_key_public_jwk(apr_pool_t *p, const jwt_jwe_key_t *key, json_object **out,
                                  jwt_err_t *err);

/* "kid=enc1 (RSA 2048, RSA-OAEP RSA-OAEP-256) from /etc/x.pem" */
const char *jwt_jwe_key_describe(apr_pool_t *p, const jwt_jwe_key_t *key);

#endif
