/* jwt_jwe.h -- JWE compact serialization (RFC 7516): decrypt and encrypt.
 *
 * Compact form only: five segments, strict base64url, a protected header that is a strict
 * JSON object (jwt_json.h). There is no unprotected header in the compact form, so the
 * "same parameter in protected and unprotected header" ambiguity cannot arise.
 *
 * Key management ("alg"): RSA-OAEP, RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW/A192KW/A256KW,
 * A128KW/A192KW/A256KW, A128GCMKW/A192GCMKW/A256GCMKW, dir. RSA1_5 (Bleichenbacher) and
 * PBES2-* (password-derived, p2c a work-factor knob in the attacker's hands) are refused
 * always (JWT_ERR_ALG_REFUSED). Content ("enc"): A128GCM/A192GCM/A256GCM,
 * A128CBC-HS256/A192CBC-HS384/A256CBC-HS512. All cryptography is OpenSSL 3 EVP; this code
 * only does the JOSE framing (segments, AAD, Concat KDF OtherInfo, CBC-HS key split).
 *
 * Strictness: exact IV, tag, encrypted-key and CEK lengths; the ECDH-ES "epk" must be a
 * public key of the recipient key's own curve and pass OpenSSL's point check; "zip"
 * refused (no inflate in this round); "crit" refused as for JWS (we understand no
 * extension); "kid" only selects among the configured keys; "jku"/"jwk"/"x5u"/"x5c" never
 * find a key. A failed RSA-OAEP unwrap or a CEK of the wrong length continues with a random
 * CEK (RFC 7516 11.5) so it fails at the tag like any other forgery: one code, DECRYPT.
 */
#ifndef JWT_JWE_H
#define JWT_JWE_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "jwt_err.h"
#include "jwt_json.h"
#include "jwt_jwe_key.h"

#define JWT_JWE_DEFAULT_MAX_LEN 16384   /* a nested RS256 JWT under RSA-OAEP fits easily */

typedef struct {
    size_t max_len;            /* 0 = JWT_JWE_DEFAULT_MAX_LEN, applied before any work */
    jwt_json_limits_t json;    /* for the protected header */
} jwt_jwe_opts_t;

/* What the glue needs to decide after a successful decrypt. Pool memory. */
typedef struct {
    unsigned char *plaintext;  /* NUL-terminated (not counted in plaintext_len) */
    size_t plaintext_len;
    json_object *header;       /* protected header, owned by the pool */
    const char *header_json;
    jwt_jwe_alg_t alg;
    jwt_jwe_enc_t enc;
    const char *kid;           /* NULL when absent */
    const char *cty;           /* "JWT" for a nested token (compared case-insensitively
                                  by jwt_jwe_is_nested) */
    const char *typ;
    const jwt_jwe_key_t *key;  /* the key that decrypted */
    int symmetric;             /* 1: dir / A*KW / A*GCMKW (a shared secret vouches for the
                                  sender); 0: RSA-OAEP / ECDH-ES (anyone with the public key
                                  could have made it: only a nested, signed JWT means anything) */
} jwt_jwe_t;

/* Decrypt a compact JWE with a key from ring. allowed_algs / allowed_encs: the location's
 * allow-lists. Key selection: with a kid, only keys of that kid (none -> UNKNOWN_KID);
 * without, every key that may do alg (and, for dir, whose length fits enc).
 * Errors: TOO_LARGE, MALFORMED (segments), BASE64, JSON*, HEADER (missing/ill-typed
 * members, a JWS header, p2s/p2c, epk where it does not belong), CRIT, ALG_NONE,
 * ALG_UNSUPPORTED, ALG_REFUSED, ENC_UNSUPPORTED, ALG_NOT_ALLOWED, ENC_NOT_ALLOWED, ZIP,
 * LENGTH (IV, tag, encrypted key), UNKNOWN_KID, NO_KEY, KEY_INVALID (epk), DECRYPT,
 * CRYPTO. opts may be NULL. */
jwt_code_t jwt_jwe_decrypt(apr_pool_t *p, const char *compact, size_t len,
                           const jwt_jwe_keyring_t *ring, jwt_jwe_algset_t allowed_algs,
                           jwt_jwe_encset_t allowed_encs, const jwt_jwe_opts_t *opts,
                           jwt_jwe_t **out, jwt_err_t *err);

/* 1 when cty says the plaintext is a JWT (RFC 7519 5.2: "JWT", case-insensitive). */
int jwt_jwe_is_nested(const jwt_jwe_t *jwe);

/* Encrypt plaintext for recipient key (public half suffices; oct for dir / A*KW / A*GCMKW).
 * cty may be NULL. Header: alg, enc, kid (when the key has one), cty, and epk / iv+tag as
 * alg needs. *out is a pool string. Errors: ARG, KEY_USAGE (key cannot do alg / wrong
 * length for enc), CRYPTO. */
jwt_code_t jwt_jwe_encrypt(apr_pool_t *p, const unsigned char *plaintext, size_t len,
                           const jwt_jwe_key_t *key, jwt_jwe_alg_t alg, jwt_jwe_enc_t enc,
                           const char *cty, char **out, jwt_err_t *err);

#endif
