/* jwt_jwe_keymgmt.c -- JWE key management (RFC 7518 section 4): recover or make the CEK.
 *
 * RSA-OAEP (SHA-1) / RSA-OAEP-256 through EVP_PKEY_decrypt; AES key wrap (RFC 3394) through
 * the "AES-*-WRAP" ciphers; AES-GCM key wrap; ECDH-ES through EVP_PKEY_derive (EC, X25519,
 * X448; the peer is validated by OpenSSL and must be on the recipient key's own curve) and
 * the Concat KDF through EVP_KDF "SSKDF" (NIST SP 800-56A single-step KDF with SHA-256 is
 * exactly RFC 7518 4.6.2's Concat KDF); only its OtherInfo framing is written here.
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/crypto.h>
#include "jwt_jwe_int.h"
#include "jwt_wipe.h"

/* Per alg: the AES key-wrap / GCM cipher and its key length (0 = none). */
static const struct {
    const char *wrap;      /* OpenSSL cipher for the CEK wrap, NULL for RSA / dir / ECDH-ES */
    size_t kek_len;
} kinfo[JWT_JWE_ALG__COUNT] = {
    [JWT_JWE_RSA_OAEP] = { NULL, 0 }, [JWT_JWE_RSA_OAEP_256] = { NULL, 0 },
    [JWT_JWE_ECDH_ES] = { NULL, 0 },
    [JWT_JWE_ECDH_ES_A128KW] = { "AES-128-WRAP", 16 },
    [JWT_JWE_ECDH_ES_A192KW] = { "AES-192-WRAP", 24 },
    [JWT_JWE_ECDH_ES_A256KW] = { "AES-256-WRAP", 32 },
    [JWT_JWE_A128KW] = { "AES-128-WRAP", 16 }, [JWT_JWE_A192KW] = { "AES-192-WRAP", 24 },
    [JWT_JWE_A256KW] = { "AES-256-WRAP", 32 },
    [JWT_JWE_A128GCMKW] = { "AES-128-GCM", 16 }, [JWT_JWE_A192GCMKW] = { "AES-192-GCM", 24 },
    [JWT_JWE_A256GCMKW] = { "AES-256-GCM", 32 },
    [JWT_JWE_DIR] = { NULL, 0 },
};

static int is_gcmkw(jwt_jwe_alg_t a) { return a >= JWT_JWE_A128GCMKW && a <= JWT_JWE_A256GCMKW; }
static int is_ecdh(jwt_jwe_alg_t a) { return a >= JWT_JWE_ECDH_ES && a <= JWT_JWE_ECDH_ES_A256KW; }
static int is_rsa(jwt_jwe_alg_t a) { return a == JWT_JWE_RSA_OAEP || a == JWT_JWE_RSA_OAEP_256; }

/* Pool memory for key material, wiped when the pool goes. */
static unsigned char *secret_alloc(apr_pool_t *p, size_t len)
{
    return jwt_wipe_alloc(p, len);
}

static jwt_code_t crypto_fail(jwt_err_t *err, const char *what)
{
    jwt_code_t rc = JWT_ERR(err, JWT_ERR_CRYPTO, "%s failed: ", what);
    jwt_err_append_openssl(err);
    return rc;
}

/* RFC 3394 through OpenSSL. Unwrap integrity failure -> DECRYPT. */
static jwt_code_t aes_kw(const char *name, int encrypt, const unsigned char *kek,
                         const unsigned char *in, size_t in_len, unsigned char *out,
                         jwt_err_t *err)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    jwt_code_t rc = JWT_OK;
    if (c == NULL || ctx == NULL) {
        rc = crypto_fail(err, name);
        goto done;
    }
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx, c, kek, NULL, encrypt, NULL) != 1) {
        rc = crypto_fail(err, name);
        goto done;
    }
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 || n <= 0
        || EVP_CipherFinal_ex(ctx, out + n, &m) != 1
        || (size_t)(n + m) != (encrypt ? in_len + 8 : in_len - 8)) {
        jwt_err_clear_openssl();
        rc = encrypt ? JWT_ERR(err, JWT_ERR_CRYPTO, "AES key wrap failed")
                     : JWT_ERR(err, JWT_ERR_DECRYPT, "AES key unwrap failed (integrity check)");
    }
done:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return rc;
}

static void put32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24); b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8); b[3] = (unsigned char)v;
}

/* ECDH-ES (RFC 7518 4.6): Z = ECDH(priv, peer); key = ConcatKDF(Z, OtherInfo). */
static jwt_code_t ecdh_derive(apr_pool_t *p, EVP_PKEY *priv, EVP_PKEY *peer, const char *algid,
                              const unsigned char *apu, size_t apu_len,
                              const unsigned char *apv, size_t apv_len,
                              unsigned char *out, size_t out_len, jwt_err_t *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *kctx = NULL;
    unsigned char *z = NULL;
    size_t zlen = 0, id_len = strlen(algid);
    jwt_code_t rc = JWT_OK;

    /* validate=1: OpenSSL checks the peer key (point on the curve, right group). */
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1
        || EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1
        || EVP_PKEY_derive(ctx, NULL, &zlen) != 1 || zlen == 0 || zlen > 133) {
        jwt_err_clear_openssl();
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "ECDH with the header's \"epk\" failed "
                     "(not a valid public key of the recipient's curve)");
        goto done;
    }
    z = secret_alloc(p, zlen);
    if (EVP_PKEY_derive(ctx, z, &zlen) != 1) {
        jwt_err_clear_openssl();
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "ECDH derivation with \"epk\" failed");
        goto done;
    }
    /* X25519/X448 with a small-order point give an all-zero secret (RFC 7748 6.1). */
    unsigned char acc = 0;
    for (size_t i = 0; i < zlen; i++)
        acc |= z[i];
    if (acc == 0) {
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "ECDH with \"epk\" gives an all-zero secret");
        goto done;
    }
    /* OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, each datum
     * length-prefixed (32-bit big-endian); SuppPubInfo = keydatalen in bits. */
    size_t info_len = 4 + id_len + 4 + apu_len + 4 + apv_len + 4, o = 0;
    unsigned char *info = apr_palloc(p, info_len);
    put32(info + o, (uint32_t)id_len); memcpy(info + o + 4, algid, id_len); o += 4 + id_len;
    put32(info + o, (uint32_t)apu_len); if (apu_len) memcpy(info + o + 4, apu, apu_len); o += 4 + apu_len;
    put32(info + o, (uint32_t)apv_len); if (apv_len) memcpy(info + o + 4, apv, apv_len); o += 4 + apv_len;
    put32(info + o, (uint32_t)(out_len * 8));
    OSSL_PARAM params[4] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, zlen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len),
        OSSL_PARAM_END
    };
    if ((kdf = EVP_KDF_fetch(NULL, "SSKDF", NULL)) == NULL
        || (kctx = EVP_KDF_CTX_new(kdf)) == NULL
        || EVP_KDF_derive(kctx, out, out_len, params) != 1)
        rc = crypto_fail(err, "Concat KDF (SSKDF)");
done:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

static jwt_code_t rsa_oaep(const jwt_jwe_key_t *key, jwt_jwe_alg_t alg, int encrypt,
                           const unsigned char *in, size_t in_len, unsigned char *out,
                           size_t *out_len, jwt_err_t *err)
{
    const char *md = alg == JWT_JWE_RSA_OAEP ? "SHA1" : "SHA256";
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    jwt_code_t rc = JWT_OK;
    int ok = ctx != NULL && (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1
        && EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) == 1;
    if (!ok) {
        rc = crypto_fail(err, "RSA-OAEP setup");
    } else if ((encrypt ? EVP_PKEY_encrypt(ctx, out, out_len, in, in_len)
                        : EVP_PKEY_decrypt(ctx, out, out_len, in, in_len)) != 1) {
        jwt_err_clear_openssl();
        rc = JWT_ERR(err, encrypt ? JWT_ERR_CRYPTO : JWT_ERR_DECRYPT, "RSA-OAEP %s failed",
                     encrypt ? "encryption" : "decryption");
    }
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

/* ECDH with the key's own curve only: an epk of another type or curve never reaches
 * OpenSSL (where a mismatched group would be an invalid-curve attack's way in). */
static int same_curve(const jwt_jwe_key_t *a, const jwt_jwe_key_t *b)
{
    return a->type == b->type && a->crv != NULL && b->crv != NULL && strcmp(a->crv, b->crv) == 0;
}

jwt_code_t jwt_jwe_unwrap_cek(apr_pool_t *p, const jwt_jwe_key_t *key,
                              const jwt_jwe_recipient_t *r, unsigned char **cek,
                              int *substituted, jwt_err_t *err)
{
    jwt_jwe_alg_t alg = r->alg;
    size_t cek_len = jwt_jwe_enc_cek_len(r->enc);
    const char *an = jwt_jwe_alg_name(alg);
    unsigned char *out = secret_alloc(p, cek_len + 512);
    jwt_code_t rc;
    *substituted = 0;

    if ((key->algs & JWT_JWE_SET(alg)) == 0 || !key->has_private)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "key cannot decrypt %s", an);
    if ((alg == JWT_JWE_DIR || alg == JWT_JWE_ECDH_ES) && r->ek_len != 0)
        return JWT_ERR(err, JWT_ERR_LENGTH, "%s needs an empty encrypted key, got %zu bytes",
                       an, r->ek_len);
    if (alg == JWT_JWE_DIR) {
        if (key->secret_len != cek_len)
            return JWT_ERR(err, JWT_ERR_LENGTH, "dir: key is %zu bytes, %s needs %zu",
                           key->secret_len, jwt_jwe_enc_name(r->enc), cek_len);
        memcpy(out, key->secret, cek_len);
    } else if (is_rsa(alg)) {
        size_t n = (size_t)EVP_PKEY_get_size(key->pkey), got = cek_len + 512;
        if (r->ek_len != n)
            return JWT_ERR(err, JWT_ERR_LENGTH, "%s encrypted key is %zu bytes, the key's "
                           "modulus %zu", an, r->ek_len, n);
        if (n > 512)
            return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "RSA key over 4096 bits");
        jwt_err_t e;
        rc = rsa_oaep(key, alg, 0, r->ek, r->ek_len, out, &got, &e);
        if (rc == JWT_ERR_CRYPTO) {
            if (err)
                *err = e;
            return rc;
        }
        /* RFC 7516 11.5: carry on with a random CEK so that a bad OAEP block and a bad
         * tag look the same from outside. */
        if (rc != JWT_OK || got != cek_len) {
            *substituted = 1;
            if (RAND_bytes(out, (int)cek_len) != 1)
                return crypto_fail(err, "RAND_bytes");
        }
    } else if (is_gcmkw(alg)) {
        if (key->secret_len != kinfo[alg].kek_len)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s: key is %zu bytes", an, key->secret_len);
        if (r->ek_len != cek_len)
            return JWT_ERR(err, JWT_ERR_LENGTH, "%s encrypted key is %zu bytes, %s needs %zu",
                           an, r->ek_len, jwt_jwe_enc_name(r->enc), cek_len);
        if ((rc = jwt_jwe_gcm(kinfo[alg].wrap, 0, key->secret, r->kw_iv, NULL, 0, r->ek,
                              r->ek_len, out, (unsigned char *)r->kw_tag, err)) != JWT_OK)
            return rc;
    } else {
        /* A*KW and ECDH-ES(+A*KW) */
        const unsigned char *kek = key->secret;
        size_t want_ek = kinfo[alg].wrap ? cek_len + 8 : 0;
        if (kinfo[alg].wrap && r->ek_len != want_ek)
            return JWT_ERR(err, JWT_ERR_LENGTH, "%s encrypted key is %zu bytes, %s needs %zu",
                           an, r->ek_len, jwt_jwe_enc_name(r->enc), want_ek);
        if (is_ecdh(alg)) {
            unsigned char *derived = secret_alloc(p, 64);
            size_t dl = kinfo[alg].wrap ? kinfo[alg].kek_len : cek_len;
            if (r->epk == NULL)
                return JWT_ERR(err, JWT_ERR_HEADER, "%s needs header \"epk\"", an);
            if (!same_curve(key, r->epk))
                return JWT_ERR(err, JWT_ERR_KEY_INVALID, "header \"epk\" is on %s, the key on %s",
                               r->epk->crv ? r->epk->crv : "?", key->crv ? key->crv : "?");
            if ((rc = ecdh_derive(p, key->pkey, r->epk->pkey,
                                  kinfo[alg].wrap ? an : jwt_jwe_enc_name(r->enc),
                                  r->apu, r->apu_len, r->apv, r->apv_len, derived, dl,
                                  err)) != JWT_OK)
                return rc;
            if (!kinfo[alg].wrap) {
                *cek = derived;
                return JWT_OK;
            }
            kek = derived;
        } else if (key->secret_len != kinfo[alg].kek_len) {
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s: key is %zu bytes", an, key->secret_len);
        }
        if ((rc = aes_kw(kinfo[alg].wrap, 0, kek, r->ek, r->ek_len, out, err)) != JWT_OK)
            return rc;
    }
    *cek = out;
    return JWT_OK;
}

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* A fresh key pair on the recipient's curve, owned by p. */
static jwt_code_t ephemeral(apr_pool_t *p, const jwt_jwe_key_t *recipient, jwt_jwe_key_t **out,
                            jwt_err_t *err)
{
    EVP_PKEY *pk;
    if (recipient->type == JWT_JWEK_EC) {
        const char *group = strcmp(recipient->crv, "P-256") == 0 ? "prime256v1"
                          : strcmp(recipient->crv, "P-384") == 0 ? "secp384r1" : "secp521r1";
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    } else {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, recipient->type == JWT_JWEK_X25519 ? "X25519" : "X448");
    }
    if (pk == NULL)
        return crypto_fail(err, "ephemeral key generation");
    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);
    jwt_jwe_key_t *k = apr_pcalloc(p, sizeof(*k));
    k->type = recipient->type;
    k->crv = recipient->crv;
    k->pkey = pk;
    k->bits = recipient->bits;
    k->has_private = 1;
    k->algs = JWT_JWE_ALGSET_ECDH;
    k->source = "ephemeral";
    *out = k;
    return JWT_OK;
}

jwt_code_t jwt_jwe_wrap_cek(apr_pool_t *p, const jwt_jwe_key_t *key, jwt_jwe_alg_t alg,
                            jwt_jwe_enc_t enc, jwt_jwe_wrapped_t *w, jwt_err_t *err)
{
    size_t cek_len = jwt_jwe_enc_cek_len(enc);
    const char *an = jwt_jwe_alg_name(alg);
    jwt_code_t rc;
    memset(w, 0, sizeof(*w));
    if (key == NULL || (key->algs & JWT_JWE_SET(alg)) == 0)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "the recipient key cannot do %s", an);
    if (alg == JWT_JWE_DIR) {
        if (key->secret_len != cek_len)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "dir: key is %zu bytes, %s needs %zu",
                           key->secret_len, jwt_jwe_enc_name(enc), cek_len);
        w->cek = secret_alloc(p, cek_len);
        memcpy(w->cek, key->secret, cek_len);
        w->ek = apr_pcalloc(p, 1);
        return JWT_OK;
    }
    if (alg == JWT_JWE_ECDH_ES) {
        w->cek = secret_alloc(p, cek_len);
    } else {
        w->cek = secret_alloc(p, cek_len);
        if (RAND_bytes(w->cek, (int)cek_len) != 1)
            return crypto_fail(err, "RAND_bytes");
    }
    if (is_rsa(alg)) {
        w->ek_len = (size_t)EVP_PKEY_get_size(key->pkey);
        w->ek = apr_palloc(p, w->ek_len);
        return rsa_oaep(key, alg, 1, w->cek, cek_len, w->ek, &w->ek_len, err);
    }
    if (is_gcmkw(alg)) {
        if (key->secret_len != kinfo[alg].kek_len)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s: key is %zu bytes", an, key->secret_len);
        w->kw_iv = apr_palloc(p, JWT_JWE_GCM_IV_LEN);
        w->kw_tag = apr_palloc(p, JWT_JWE_GCM_TAG_LEN);
        w->ek = apr_palloc(p, cek_len);
        w->ek_len = cek_len;
        if (RAND_bytes(w->kw_iv, JWT_JWE_GCM_IV_LEN) != 1)
            return crypto_fail(err, "RAND_bytes");
        return jwt_jwe_gcm(kinfo[alg].wrap, 1, key->secret, w->kw_iv, NULL, 0, w->cek, cek_len,
                           w->ek, w->kw_tag, err);
    }
    const unsigned char *kek = key->secret;
    if (is_ecdh(alg)) {
        unsigned char *derived = secret_alloc(p, 64);
        size_t dl = kinfo[alg].wrap ? kinfo[alg].kek_len : cek_len;
        if ((rc = ephemeral(p, key, &w->epk, err)) != JWT_OK
            || (rc = ecdh_derive(p, w->epk->pkey, key->pkey,
                                 kinfo[alg].wrap ? an : jwt_jwe_enc_name(enc),
                                 NULL, 0, NULL, 0, derived, dl, err)) != JWT_OK)
            return rc;
        if (!kinfo[alg].wrap) {
            memcpy(w->cek, derived, cek_len);
            w->ek = apr_pcalloc(p, 1);
            return JWT_OK;
        }
        kek = derived;
    } else if (key->secret_len != kinfo[alg].kek_len) {
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s: key is %zu bytes", an, key->secret_len);
    }
    w->ek_len = cek_len + 8;
    w->ek = apr_palloc(p, w->ek_len);
    return aes_kw(kinfo[alg].wrap, 1, kek, w->cek, cek_len, w->ek, err);
}
