/* jwt_jwe_int.h -- between the JWE units (not for the glue): content encryption and key
 * management primitives. Every function frees every OpenSSL object it makes on every path
 * and cleanses key material it wrote to the pool. */
#ifndef JWT_JWE_INT_H
#define JWT_JWE_INT_H

#include <stddef.h>
#include <apr_pools.h>
#include "jwt_err.h"
#include "jwt_jwe_key.h"

#define JWT_JWE_GCM_IV_LEN 12
#define JWT_JWE_GCM_TAG_LEN 16
#define JWT_JWE_CBC_IV_LEN 16

/* IV and tag lengths the content algorithm demands (exact). */
size_t jwt_jwe_enc_iv_len(jwt_jwe_enc_t enc);
size_t jwt_jwe_enc_tag_len(jwt_jwe_enc_t enc);

/* Content decryption (jwt_jwe_content.c). cek has exactly jwt_jwe_enc_cek_len(enc) bytes;
 * iv and tag have their exact lengths (checked by the caller, asserted here). CBC-HS: the
 * MAC is checked (CRYPTO_memcmp) before any decryption. *pt is pool memory, NUL-terminated.
 * Errors: DECRYPT (tag / padding), LENGTH, CRYPTO. */
jwt_code_t jwt_jwe_content_decrypt(apr_pool_t *p, jwt_jwe_enc_t enc, const unsigned char *cek,
                                   const unsigned char *aad, size_t aad_len,
                                   const unsigned char *iv, size_t iv_len,
                                   const unsigned char *ct, size_t ct_len,
                                   const unsigned char *tag, size_t tag_len,
                                   unsigned char **pt, size_t *pt_len, jwt_err_t *err);

/* Content encryption with a fresh random IV: *iv, *ct, *tag are pool memory. */
jwt_code_t jwt_jwe_content_encrypt(apr_pool_t *p, jwt_jwe_enc_t enc, const unsigned char *cek,
                                   const unsigned char *aad, size_t aad_len,
                                   const unsigned char *pt, size_t pt_len,
                                   unsigned char **iv, unsigned char **ct, size_t *ct_len,
                                   unsigned char **tag, jwt_err_t *err);

/* AES-GCM one shot with a 12-byte IV and 16-byte tag, either direction (content and
 * A*GCMKW). For decryption `tag` is the expected tag; a mismatch is DECRYPT. */
jwt_code_t jwt_jwe_gcm(const char *cipher_name, int encrypt, const unsigned char *key,
                       const unsigned char *iv, const unsigned char *aad, size_t aad_len,
                       const unsigned char *in, size_t in_len, unsigned char *out,
                       unsigned char *tag, jwt_err_t *err);

/* Key management (jwt_jwe_keymgmt.c). */

/* The inputs of one recipient: what the header and the encrypted-key segment carry. */
typedef struct {
    jwt_jwe_alg_t alg;
    jwt_jwe_enc_t enc;
    const unsigned char *ek;      /* encrypted key segment (empty for dir / ECDH-ES) */
    size_t ek_len;
    const jwt_jwe_key_t *epk;     /* ECDH-ES*: the sender's ephemeral public key */
    const unsigned char *apu, *apv;
    size_t apu_len, apv_len;
    const unsigned char *kw_iv, *kw_tag;  /* A*GCMKW: header "iv" (12) and "tag" (16) */
} jwt_jwe_recipient_t;

/* Recover the CEK (exactly cek_len(enc) bytes, pool memory, cleansed with the pool).
 * Structural problems visible to anyone (encrypted key of the wrong length, epk curve not
 * the key's) -> LENGTH / KEY_INVALID. A failed unwrap -> DECRYPT for A*KW / GCMKW; for
 * RSA-OAEP a failed unwrap or a wrong-length CEK yields a random CEK and *substituted = 1,
 * so the caller fails at the tag (no distinguishable OAEP oracle). */
jwt_code_t jwt_jwe_unwrap_cek(apr_pool_t *p, const jwt_jwe_key_t *key,
                              const jwt_jwe_recipient_t *r, unsigned char **cek,
                              int *substituted, jwt_err_t *err);

/* The sending side: a fresh CEK (or the dir key / ECDH-ES derived key) and what goes into
 * the header and the encrypted-key segment. epk_out / kw_iv / kw_tag are set as alg needs. */
typedef struct {
    unsigned char *cek;
    unsigned char *ek;
    size_t ek_len;
    jwt_jwe_key_t *epk;           /* ECDH-ES*: our ephemeral key (public half to the header) */
    unsigned char *kw_iv, *kw_tag;
} jwt_jwe_wrapped_t;

jwt_code_t jwt_jwe_wrap_cek(apr_pool_t *p, const jwt_jwe_key_t *key, jwt_jwe_alg_t alg,
                            jwt_jwe_enc_t enc, jwt_jwe_wrapped_t *w, jwt_err_t *err);

/* Decryption keys (jwt_jwe_key.c): classify and check an EVP_PKEY (RSA >= 2048, EC
 * P-256/384/521 with its point checked, X25519, X448; private keys pairwise-checked) and
 * wrap it as a key bound to its algorithms. Takes ownership of pkey (freed with p, or now
 * on error). */
jwt_code_t jwt_jwe_key_from_pkey(apr_pool_t *p, EVP_PKEY *pkey, int has_private,
                                 const char *source, jwt_jwe_key_t **out, jwt_err_t *err);

#endif
