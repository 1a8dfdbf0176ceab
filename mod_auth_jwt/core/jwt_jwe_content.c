/* jwt_jwe_content.c -- JWE content encryption: AES-GCM (RFC 7518 5.3) and
 * AES-CBC + HMAC-SHA2 (RFC 7518 5.2), through OpenSSL EVP.
 *
 * GCM: 96-bit IV and full 128-bit tag only. OpenSSL would happily verify a truncated tag
 * given a shorter length (cjose CVE-2023-37464 forgot to insist), so the length is checked
 * here as well as by the parser. CBC-HS: CEK = MAC_KEY || ENC_KEY; the tag is the first half
 * of HMAC(MAC_KEY, AAD || IV || C || AL), compared with CRYPTO_memcmp before a single block
 * is decrypted, so padding errors are only reachable with a valid MAC (no padding oracle).
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include "jwt_jwe_int.h"

static const struct {
    const char *cipher;     /* OpenSSL name */
    const char *digest;     /* CBC-HS only */
    int gcm;
} content[JWT_JWE_ENC__COUNT] = {
    [JWT_JWE_A128GCM] = { "AES-128-GCM", NULL, 1 },
    [JWT_JWE_A192GCM] = { "AES-192-GCM", NULL, 1 },
    [JWT_JWE_A256GCM] = { "AES-256-GCM", NULL, 1 },
    [JWT_JWE_A128CBC_HS256] = { "AES-128-CBC", "SHA256", 0 },
    [JWT_JWE_A192CBC_HS384] = { "AES-192-CBC", "SHA384", 0 },
    [JWT_JWE_A256CBC_HS512] = { "AES-256-CBC", "SHA512", 0 },
};

size_t jwt_jwe_enc_iv_len(jwt_jwe_enc_t enc)
{
    return content[enc].gcm ? JWT_JWE_GCM_IV_LEN : JWT_JWE_CBC_IV_LEN;
}

size_t jwt_jwe_enc_tag_len(jwt_jwe_enc_t enc)
{
    /* GCM: 16; CBC-HS: half the HMAC output = half the CEK */
    return content[enc].gcm ? JWT_JWE_GCM_TAG_LEN : jwt_jwe_enc_cek_len(enc) / 2;
}

static jwt_code_t crypto_fail(jwt_err_t *err, const char *what)
{
    jwt_code_t rc = JWT_ERR(err, JWT_ERR_CRYPTO, "%s failed: ", what);
    jwt_err_append_openssl(err);
    return rc;
}

jwt_code_t jwt_jwe_gcm(const char *cipher_name, int encrypt, const unsigned char *key,
                       const unsigned char *iv, const unsigned char *aad, size_t aad_len,
                       const unsigned char *in, size_t in_len, unsigned char *out,
                       unsigned char *tag, jwt_err_t *err)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    jwt_code_t rc = JWT_OK;
    int n = 0;
    size_t ivl = JWT_JWE_GCM_IV_LEN;
    OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
    params[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivl);

    if (c == NULL || ctx == NULL
        || EVP_CipherInit_ex2(ctx, c, NULL, NULL, encrypt, params) != 1
        || EVP_CipherInit_ex2(ctx, NULL, key, iv, encrypt, NULL) != 1
        || (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        || (in_len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1)) {
        rc = crypto_fail(err, "AES-GCM setup");
        goto done;
    }
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, JWT_JWE_GCM_TAG_LEN, tag) != 1) {
        rc = crypto_fail(err, "AES-GCM set tag");
        goto done;
    }
    if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
        jwt_err_clear_openssl();
        rc = encrypt ? JWT_ERR(err, JWT_ERR_CRYPTO, "AES-GCM encryption failed")
                     : JWT_ERR(err, JWT_ERR_DECRYPT, "AES-GCM authentication tag does not verify");
        goto done;
    }
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, JWT_JWE_GCM_TAG_LEN, tag) != 1)
        rc = crypto_fail(err, "AES-GCM get tag");
done:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return rc;
}

/* The CBC-HS tag: first tag_len bytes of HMAC(mac_key, AAD || IV || C || AL). */
static jwt_code_t cbc_hs_tag(jwt_jwe_enc_t enc, const unsigned char *mac_key, size_t key_len,
                             const unsigned char *aad, size_t aad_len, const unsigned char *iv,
                             const unsigned char *ct, size_t ct_len, unsigned char *tag,
                             jwt_err_t *err)
{
    unsigned char al[8], full[EVP_MAX_MD_SIZE];
    uint64_t bits = (uint64_t)aad_len * 8u;
    size_t out_len = 0;
    for (int i = 7; i >= 0; i--, bits >>= 8)
        al[i] = (unsigned char)(bits & 0xff);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)content[enc].digest, 0),
        OSSL_PARAM_END
    };
    jwt_code_t rc = JWT_OK;
    if (ctx == NULL || EVP_MAC_init(ctx, mac_key, key_len, params) != 1
        || EVP_MAC_update(ctx, aad, aad_len) != 1
        || EVP_MAC_update(ctx, iv, JWT_JWE_CBC_IV_LEN) != 1
        || EVP_MAC_update(ctx, ct, ct_len) != 1
        || EVP_MAC_update(ctx, al, sizeof(al)) != 1
        || EVP_MAC_final(ctx, full, &out_len, sizeof(full)) != 1 || out_len != 2 * key_len)
        rc = crypto_fail(err, "HMAC");
    else
        memcpy(tag, full, key_len);
    OPENSSL_cleanse(full, sizeof(full));
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return rc;
}

static jwt_code_t cbc(const char *name, int encrypt, const unsigned char *key,
                      const unsigned char *iv, const unsigned char *in, size_t in_len,
                      unsigned char *out, size_t *out_len, jwt_err_t *err)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    jwt_code_t rc = JWT_OK;
    if (c == NULL || ctx == NULL || EVP_CipherInit_ex2(ctx, c, key, iv, encrypt, NULL) != 1
        || EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1) {
        rc = crypto_fail(err, "AES-CBC");
    } else if (EVP_CipherFinal_ex(ctx, out + n, &m) != 1) {
        jwt_err_clear_openssl();
        /* Only reachable behind a valid MAC: the sender holds the key. */
        rc = JWT_ERR(err, encrypt ? JWT_ERR_CRYPTO : JWT_ERR_DECRYPT, "AES-CBC padding is invalid");
    } else {
        *out_len = (size_t)n + (size_t)m;
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return rc;
}

jwt_code_t jwt_jwe_content_decrypt(apr_pool_t *p, jwt_jwe_enc_t enc, const unsigned char *cek,
                                   const unsigned char *aad, size_t aad_len,
                                   const unsigned char *iv, size_t iv_len,
                                   const unsigned char *ct, size_t ct_len,
                                   const unsigned char *tag, size_t tag_len,
                                   unsigned char **pt, size_t *pt_len, jwt_err_t *err)
{
    if ((int)enc < 0 || enc >= JWT_JWE_ENC__COUNT || cek == NULL || pt == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "content decrypt: bad argument");
    if (iv_len != jwt_jwe_enc_iv_len(enc) || tag_len != jwt_jwe_enc_tag_len(enc))
        return JWT_ERR(err, JWT_ERR_LENGTH, "%s needs a %zu-byte IV and a %zu-byte tag",
                       jwt_jwe_enc_name(enc), jwt_jwe_enc_iv_len(enc), jwt_jwe_enc_tag_len(enc));
    if (ct_len > (size_t)0x7fffffff - 32)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "ciphertext too large");
    unsigned char *out = apr_palloc(p, ct_len + 32 + 1);
    jwt_code_t rc;
    if (content[enc].gcm) {
        rc = jwt_jwe_gcm(content[enc].cipher, 0, cek, iv, aad, aad_len, ct, ct_len, out,
                         (unsigned char *)tag, err);
        *pt_len = ct_len;
    } else {
        size_t half = jwt_jwe_enc_cek_len(enc) / 2;
        unsigned char want[32];
        if (ct_len == 0 || ct_len % 16 != 0)
            return JWT_ERR(err, JWT_ERR_LENGTH, "%s ciphertext is not a whole number of blocks",
                           jwt_jwe_enc_name(enc));
        if ((rc = cbc_hs_tag(enc, cek, half, aad, aad_len, iv, ct, ct_len, want, err)) != JWT_OK)
            return rc;
        if (CRYPTO_memcmp(want, tag, half) != 0)
            return JWT_ERR(err, JWT_ERR_DECRYPT, "%s authentication tag does not verify",
                           jwt_jwe_enc_name(enc));
        rc = cbc(content[enc].cipher, 0, cek + half, iv, ct, ct_len, out, pt_len, err);
    }
    if (rc != JWT_OK) {
        OPENSSL_cleanse(out, ct_len + 32);
        return rc;
    }
    out[*pt_len] = '\0';
    *pt = out;
    return JWT_OK;
}

jwt_code_t jwt_jwe_content_encrypt(apr_pool_t *p, jwt_jwe_enc_t enc, const unsigned char *cek,
                                   const unsigned char *aad, size_t aad_len,
                                   const unsigned char *pt, size_t pt_len,
                                   unsigned char **iv, unsigned char **ct, size_t *ct_len,
                                   unsigned char **tag, jwt_err_t *err)
{
    if ((int)enc < 0 || enc >= JWT_JWE_ENC__COUNT || cek == NULL || pt_len > 0x3fffffff)
        return JWT_ERR(err, JWT_ERR_ARG, "content encrypt: bad argument");
    size_t ivl = jwt_jwe_enc_iv_len(enc), tl = jwt_jwe_enc_tag_len(enc);
    *iv = apr_palloc(p, ivl);
    *tag = apr_palloc(p, tl);
    *ct = apr_palloc(p, pt_len + 16);
    if (RAND_bytes(*iv, (int)ivl) != 1)
        return crypto_fail(err, "RAND_bytes");
    if (content[enc].gcm) {
        *ct_len = pt_len;
        return jwt_jwe_gcm(content[enc].cipher, 1, cek, *iv, aad, aad_len, pt, pt_len, *ct,
                           *tag, err);
    }
    size_t half = jwt_jwe_enc_cek_len(enc) / 2;
    jwt_code_t rc = cbc(content[enc].cipher, 1, cek + half, *iv, pt, pt_len, *ct, ct_len, err);
    if (rc == JWT_OK)
        rc = cbc_hs_tag(enc, cek, half, aad, aad_len, *iv, *ct, *ct_len, *tag, err);
    return rc;
}
