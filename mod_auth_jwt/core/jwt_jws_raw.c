/* jwt_jws_raw.c -- the JWS signature primitives: jwt_verify_raw and jwt_sign_raw for
 * HMAC, RSA PKCS#1 v1.5, RSA-PSS, ECDSA and EdDSA (RFC 7518 3, RFC 8037), with the
 * per-key ready contexts that spare OpenSSL's provider lookups. jwt_jws.c parses tokens
 * and walks keyrings over these.
 *
 * Exact signature lengths, ECDSA r and s range-checked before OpenSSL sees them, PSS with
 * salt = hash length and MGF1 with the same hash, HMAC compared in constant time; a key
 * signs or verifies only with an algorithm it is bound to.
 */
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include "jwt_jws.h"
#include "jwt_jws_int.h"

/* ------------------------------------------------------------------------------------ */
/* algorithms                                                                           */

typedef enum { FAM_HMAC, FAM_RSA, FAM_PSS, FAM_ECDSA, FAM_EDDSA, FAM_NONE } alg_family_t;

static alg_family_t alg_family(jwt_alg_t alg)
{
    switch (alg) {
    case JWT_ALG_HS256: case JWT_ALG_HS384: case JWT_ALG_HS512: return FAM_HMAC;
    case JWT_ALG_RS256: case JWT_ALG_RS384: case JWT_ALG_RS512: return FAM_RSA;
    case JWT_ALG_PS256: case JWT_ALG_PS384: case JWT_ALG_PS512: return FAM_PSS;
    case JWT_ALG_ES256: case JWT_ALG_ES384: case JWT_ALG_ES512: return FAM_ECDSA;
    case JWT_ALG_EDDSA: case JWT_ALG_ED25519: case JWT_ALG_ED448: return FAM_EDDSA;
    default: return FAM_NONE;
    }
}

static const EVP_MD *alg_md(jwt_alg_t alg)
{
    switch (jwt_alg_hash_len(alg)) {
    case 32: return EVP_sha256();
    case 48: return EVP_sha384();
    case 64: return EVP_sha512();
    default: return NULL;
    }
}

/* Group orders n (big-endian, field length): ECDSA needs r, s in [1, n-1] (SEC1 4.1.4). */
static const unsigned char order_p256[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
    0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const unsigned char order_p384[48] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
    0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};
static const unsigned char order_p521[66] = {
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x51, 0x86,
    0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f,
    0xb7, 0x1e, 0x91, 0x38, 0x64, 0x09,
};

typedef struct {
    jwt_alg_t alg;
    const char *crv;
    size_t field_len;
    const unsigned char *order;
} ecdsa_params_t;

static const ecdsa_params_t ecdsa_table[] = {
    { JWT_ALG_ES256, "P-256", 32, order_p256 },
    { JWT_ALG_ES384, "P-384", 48, order_p384 },
    { JWT_ALG_ES512, "P-521", 66, order_p521 },
};

static const ecdsa_params_t *ecdsa_params(jwt_alg_t alg)
{
    for (size_t i = 0; i < sizeof(ecdsa_table) / sizeof(ecdsa_table[0]); i++)
        if (ecdsa_table[i].alg == alg)
            return &ecdsa_table[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* primitives: verify                                                                   */

static jwt_code_t crypto_failure(jwt_err_t *err, const char *what)
{
    JWT_ERR(err, JWT_ERR_CRYPTO, "%s failed: ", what);
    jwt_err_append_openssl(err);
    return JWT_ERR_CRYPTO;
}

static jwt_code_t bad_signature(jwt_err_t *err, jwt_alg_t alg, const jwt_key_t *key,
                                const char *why)
{
    char lbl[80];
    jwt_err_clear_openssl();      /* an expected failure: leave no stale errors behind */
    return JWT_ERR(err, JWT_ERR_SIGNATURE, "signature does not verify with key %s (%s)%s%s",
                   jwsi_key_label(lbl, sizeof(lbl), key), jwt_alg_name(alg), why ? ": " : "",
                   why ? why : "");
}

/* ------------------------------------------------------------------------------------ */
/* ready contexts                                                                       */

/* OpenSSL 3 looks an algorithm up in its provider store (under a lock every thread shares)
 * each time HMAC() or EVP_DigestVerifyInit() runs. So each key keeps, per algorithm, a
 * context set up once (key->ready[alg]); a verification works on a copy of it, which
 * costs a few allocations and no lookup. The ready context itself is never used, only
 * copied (the copy functions take it const), so threads may share it. It is made on first
 * use: two threads racing both make one, one wins the compare-and-swap, the other frees
 * its own. jwt_key.c frees them with the key (jwt_jws_ready_free).
 *
 * For HMAC the ready context is the pair of digest states RFC 2104 2 starts from: the
 * hash after (K ^ ipad) and after (K ^ opad), each one block, absorbed once per key. A
 * tag then costs two copies of a digest context. An EVP_MAC_CTX, copied per token, cost
 * about 4,400 instructions more (EVP_MAC_CTX_dup and _free copy and wipe three digest
 * contexts, the key and the wrapper; callgrind, bench/instructions.js). The construction is
 * checked against Wycheproof's HMAC vectors and RFC 4231 (long keys) in the unit tests. */

typedef struct {
    EVP_MD_CTX *inner;                 /* H state after (K ^ ipad) */
    EVP_MD_CTX *outer;                 /* H state after (K ^ opad) */
} hmac_ready_t;

static void hmac_ready_free(hmac_ready_t *hr)
{
    if (hr == NULL)
        return;
    EVP_MD_CTX_free(hr->inner);        /* frees and wipes the provider's state */
    EVP_MD_CTX_free(hr->outer);
    OPENSSL_free(hr);
}

void jwt_jws_ready_free(jwt_alg_t alg, void *ready)
{
    if (alg_family(alg) == FAM_HMAC)
        hmac_ready_free(ready);
    else
        EVP_MD_CTX_free(ready);
}

#define HMAC_BLOCK_MAX 128             /* SHA-384 and SHA-512 blocks; SHA-256's is 64 */

static hmac_ready_t *make_hmac_ready(jwt_alg_t alg, const jwt_key_t *key, jwt_err_t *err)
{
    const EVP_MD *md = alg_md(alg);
    int block = md ? EVP_MD_get_block_size(md) : 0;
    unsigned char k0[HMAC_BLOCK_MAX], pad[HMAC_BLOCK_MAX];
    unsigned int k0_len = 0;
    hmac_ready_t *hr = OPENSSL_zalloc(sizeof(*hr));
    int ok = hr != NULL && block > 0 && block <= HMAC_BLOCK_MAX
             && (hr->inner = EVP_MD_CTX_new()) != NULL && (hr->outer = EVP_MD_CTX_new()) != NULL;

    memset(k0, 0, sizeof(k0));
    /* RFC 2104 2: a key longer than the block is replaced by its hash; then zero-padded */
    if (ok && key->secret_len > (size_t)block)
        ok = EVP_Digest(key->secret, key->secret_len, k0, &k0_len, md, NULL) == 1;
    else if (ok)
        memcpy(k0, key->secret, key->secret_len);
    for (int i = 0; ok && i < block; i++)
        pad[i] = k0[i] ^ 0x36;
    ok = ok && EVP_DigestInit_ex2(hr->inner, md, NULL) == 1
         && EVP_DigestUpdate(hr->inner, pad, (size_t)block) == 1;
    for (int i = 0; ok && i < block; i++)
        pad[i] = k0[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex2(hr->outer, md, NULL) == 1
         && EVP_DigestUpdate(hr->outer, pad, (size_t)block) == 1;
    OPENSSL_cleanse(k0, sizeof(k0));
    OPENSSL_cleanse(pad, sizeof(pad));
    if (!ok) {
        hmac_ready_free(hr);
        crypto_failure(err, "HMAC set-up");
        return NULL;
    }
    return hr;
}

static jwt_code_t digest_ctx_init(EVP_MD_CTX *mctx, int signing, jwt_alg_t alg,
                                  const jwt_key_t *key, jwt_err_t *err);

static void *make_ready(jwt_alg_t alg, const jwt_key_t *key, jwt_err_t *err)
{
    if (alg_family(alg) == FAM_HMAC)
        return make_hmac_ready(alg, key, err);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        crypto_failure(err, "verification context");
        return NULL;
    }
    if (digest_ctx_init(mctx, 0, alg, key, err) != JWT_OK) {
        EVP_MD_CTX_free(mctx);
        return NULL;
    }
    return mctx;
}

static void *ready_ctx(jwt_alg_t alg, const jwt_key_t *key, jwt_err_t *err)
{
    /* the cache is the one field a shared, otherwise read-only key may have written */
    void **slot = &((jwt_key_t *)key)->ready[alg];
    void *ctx = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *none = NULL;
    if (ctx != NULL)
        return ctx;
    if ((ctx = make_ready(alg, key, err)) == NULL)
        return NULL;
    if (!__atomic_compare_exchange_n(slot, &none, ctx, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        jwt_jws_ready_free(alg, ctx);  /* another thread was first: use its context */
        ctx = none;
    }
    return ctx;
}

static jwt_code_t hmac_compute(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                               size_t len, unsigned char *mac, size_t *maclen, jwt_err_t *err)
{
    if (key->kty != JWT_KTY_OCT || key->secret == NULL || key->secret_len > INT32_MAX)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s needs a secret (oct) key", jwt_alg_name(alg));
    const hmac_ready_t *ready = ready_ctx(alg, key, err);
    if (ready == NULL)
        return JWT_ERR_CRYPTO;       /* err filled by make_ready */
    unsigned char inner[EVP_MAX_MD_SIZE];
    unsigned int inner_len = 0, out_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* H((K ^ opad) || H((K ^ ipad) || data)), each half from its ready state */
    int ok = ctx != NULL && EVP_MD_CTX_copy_ex(ctx, ready->inner) == 1
             && EVP_DigestUpdate(ctx, data, len) == 1
             && EVP_DigestFinal_ex(ctx, inner, &inner_len) == 1
             && EVP_MD_CTX_copy_ex(ctx, ready->outer) == 1
             && EVP_DigestUpdate(ctx, inner, inner_len) == 1
             && EVP_DigestFinal_ex(ctx, mac, &out_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(inner, sizeof(inner));
    *maclen = out_len;
    return ok ? JWT_OK : crypto_failure(err, "HMAC");
}

static jwt_code_t verify_hmac(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                              size_t len, const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    jwt_code_t rc = hmac_compute(alg, key, data, len, mac, &maclen, err);
    if (rc != JWT_OK)
        return rc;
    /* Full-length tags only (RFC 7518 3.2); the comparison does not leak where it differs. */
    int ok = sig_len == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok ? JWT_OK : bad_signature(err, alg, key, sig_len != maclen ? "wrong length" : NULL);
}

/* EVP_DigestVerify / EVP_DigestSign set-up shared by RSA, PSS, ECDSA and EdDSA. */
static jwt_code_t digest_ctx_init(EVP_MD_CTX *mctx, int signing, jwt_alg_t alg,
                                  const jwt_key_t *key, jwt_err_t *err)
{
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md = alg_md(alg);      /* NULL for EdDSA: it hashes internally */
    int ok = signing ? EVP_DigestSignInit(mctx, &pctx, md, NULL, key->pkey)
                     : EVP_DigestVerifyInit(mctx, &pctx, md, NULL, key->pkey);
    if (ok != 1)
        return crypto_failure(err, signing ? "signature set-up" : "verification set-up");
    if (alg_family(alg) == FAM_PSS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)jwt_alg_hash_len(alg)) != 1
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
            return crypto_failure(err, "RSA-PSS set-up");
    } else if (alg_family(alg) == FAM_RSA) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
            return crypto_failure(err, "RSA set-up");
    }
    return JWT_OK;
}

static jwt_code_t digest_verify(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                                size_t len, const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    const EVP_MD_CTX *ready = ready_ctx(alg, key, err);
    if (ready == NULL)
        return JWT_ERR_CRYPTO;       /* err filled by make_ready */
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (mctx == NULL || EVP_MD_CTX_copy_ex(mctx, ready) != 1) {
        EVP_MD_CTX_free(mctx);
        return crypto_failure(err, "verification context");
    }
    /* This copy is used once: without FINALISE, OpenSSL 3 would finish the verification
     * on yet another copy of the context, to keep this one usable for more data. */
    EVP_MD_CTX_set_flags(mctx, EVP_MD_CTX_FLAG_FINALISE);
    /* one-shot: EdDSA has no streaming mode */
    jwt_code_t rc = JWT_OK;
    if (EVP_DigestVerify(mctx, sig, sig_len, data, len) != 1)
        rc = bad_signature(err, alg, key, NULL);
    EVP_MD_CTX_free(mctx);
    return rc;
}

static int key_is(const jwt_key_t *key, jwt_pkey_type_t type)
{
    return key->pkey != NULL && key->pkey_type == type;
}

static jwt_code_t verify_rsa(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                             size_t len, const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    if (key->kty != JWT_KTY_RSA || !key_is(key, JWT_PKEY_RSA))
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s needs an RSA key", jwt_alg_name(alg));
    /* RFC 8017 8.2.2 / 8.1.2: the signature is exactly k bytes. */
    if (sig_len != (size_t)EVP_PKEY_get_size(key->pkey))
        return bad_signature(err, alg, key, "wrong length");
    return digest_verify(alg, key, data, len, sig, sig_len, err);
}

static int all_zero(const unsigned char *b, size_t n)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/* r or s (big-endian, field length) in [1, n-1]? A zero r and s is the "psychic
 * signature" of CVE-2022-21449; r or s >= n has no place in a valid signature. */
static int scalar_in_range(const unsigned char *v, const ecdsa_params_t *ep)
{
    return !all_zero(v, ep->field_len) && memcmp(v, ep->order, ep->field_len) < 0;
}

/* Raw R||S -> DER ECDSA-Sig-Value (RFC 3279 2.2.3: SEQUENCE { INTEGER r, INTEGER s }),
 * the form OpenSSL verifies. Encoded here into the caller's buffer rather than through
 * ECDSA_SIG and two BIGNUMs: six allocations per token less. r and s are already known to
 * lie in [1, n-1], so neither is zero; DER wants the shortest big-endian form, with a 0x00
 * in front when the top bit is set (else the INTEGER would read as negative). */
#define ECDSA_DER_MAX (3 + 2 * (2 + 1 + 66))    /* P-521: sequence header + two integers */

static size_t der_integer(unsigned char *out, const unsigned char *v, size_t fl)
{
    size_t skip = 0, n, pad;
    while (skip < fl - 1 && v[skip] == 0)
        skip++;
    n = fl - skip;
    pad = (v[skip] & 0x80) ? 1 : 0;
    out[0] = 0x02;                              /* INTEGER; n + pad <= 67: short length */
    out[1] = (unsigned char)(n + pad);
    out[2] = 0x00;
    memcpy(out + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

static size_t ecdsa_raw_to_der(const unsigned char *sig, size_t fl,
                               unsigned char der[ECDSA_DER_MAX])
{
    unsigned char body[2 * (2 + 1 + 66)];
    size_t n = der_integer(body, sig, fl);
    n += der_integer(body + n, sig + fl, fl);
    size_t h = 0;
    der[h++] = 0x30;                            /* SEQUENCE */
    if (n >= 0x80)
        der[h++] = 0x81;                        /* long form: only P-521 gets here */
    der[h++] = (unsigned char)n;
    memcpy(der + h, body, n);
    return h + n;
}

static jwt_code_t check_ec_key(jwt_alg_t alg, const jwt_key_t *key, const ecdsa_params_t *ep,
                               jwt_err_t *err)
{
    if (ep == NULL || key->kty != JWT_KTY_EC || !key_is(key, JWT_PKEY_EC) || key->crv == NULL
        || strcmp(key->crv, ep->crv) != 0)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s needs an EC %s key", jwt_alg_name(alg),
                       ep ? ep->crv : "?");
    return JWT_OK;
}

static jwt_code_t verify_ecdsa(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                               size_t len, const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    const ecdsa_params_t *ep = ecdsa_params(alg);
    jwt_code_t rc = check_ec_key(alg, key, ep, err);
    if (rc != JWT_OK)
        return rc;
    /* RFC 7518 3.4: exactly 2 * field bytes, R||S. DER signatures are not JWS. */
    if (sig_len != 2 * ep->field_len)
        return bad_signature(err, alg, key, "not a raw R||S signature of the right length");
    if (!scalar_in_range(sig, ep) || !scalar_in_range(sig + ep->field_len, ep))
        return bad_signature(err, alg, key, "r or s outside [1, n-1]");
    unsigned char der[ECDSA_DER_MAX];
    size_t der_len = ecdsa_raw_to_der(sig, ep->field_len, der);
    return digest_verify(alg, key, data, len, der, der_len, err);
}

/* The alg's curve must be the key's: EdDSA takes either, Ed25519/Ed448 only their own. */
static jwt_code_t check_okp_key(jwt_alg_t alg, const jwt_key_t *key, size_t *sig_len,
                                jwt_err_t *err)
{
    int ed25519 = key_is(key, JWT_PKEY_ED25519), ed448 = key_is(key, JWT_PKEY_ED448);
    if (key->kty != JWT_KTY_OKP || (!ed25519 && !ed448)
        || (alg == JWT_ALG_ED25519 && !ed25519) || (alg == JWT_ALG_ED448 && !ed448))
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s needs an %s key", jwt_alg_name(alg),
                       alg == JWT_ALG_ED448 ? "Ed448" : alg == JWT_ALG_ED25519 ? "Ed25519"
                                                                             : "Ed25519 or Ed448");
    *sig_len = ed25519 ? 64 : 114;
    return JWT_OK;
}

static jwt_code_t verify_eddsa(jwt_alg_t alg, const jwt_key_t *key, const unsigned char *data,
                               size_t len, const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    size_t want;
    jwt_code_t rc = check_okp_key(alg, key, &want, err);
    if (rc != JWT_OK)
        return rc;
    if (sig_len != want)
        return bad_signature(err, alg, key, "wrong length");
    return digest_verify(alg, key, data, len, sig, sig_len, err);
}

/* alg must be one the key is bound to, and the key must permit the operation. */
static jwt_code_t check_binding(jwt_alg_t alg, const jwt_key_t *key, int signing, jwt_err_t *err)
{
    char lbl[80];
    if ((int)alg < 0 || alg >= JWT_ALG__COUNT || alg_family(alg) == FAM_NONE)
        return JWT_ERR(err, JWT_ERR_ARG, "unknown algorithm");
    if ((key->algs & JWT_ALGSET(alg)) == 0)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "key %s is not bound to %s",
                       jwsi_key_label(lbl, sizeof(lbl), key), jwt_alg_name(alg));
    if (signing ? !key->can_sign : !key->can_verify)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "key %s may not %s", jwsi_key_label(lbl, sizeof(lbl), key),
                       signing ? "sign (no private part, or key_ops)" : "verify (key_ops)");
    return JWT_OK;
}

jwt_code_t jwt_verify_raw(jwt_alg_t alg, const jwt_key_t *key,
                          const unsigned char *data, size_t len,
                          const unsigned char *sig, size_t sig_len, jwt_err_t *err)
{
    if (key == NULL || (data == NULL && len > 0) || (sig == NULL && sig_len > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "verify: missing argument");
    static const unsigned char empty[1] = { 0 };
    if (data == NULL) data = empty;
    if (sig == NULL) sig = empty;
    jwt_code_t rc = check_binding(alg, key, 0, err);
    if (rc != JWT_OK)
        return rc;
    switch (alg_family(alg)) {
    case FAM_HMAC:  return verify_hmac(alg, key, data, len, sig, sig_len, err);
    case FAM_RSA:
    case FAM_PSS:   return verify_rsa(alg, key, data, len, sig, sig_len, err);
    case FAM_ECDSA: return verify_ecdsa(alg, key, data, len, sig, sig_len, err);
    case FAM_EDDSA: return verify_eddsa(alg, key, data, len, sig, sig_len, err);
    default:        return JWT_ERR(err, JWT_ERR_ARG, "unknown algorithm");
    }
}

/* ------------------------------------------------------------------------------------ */
/* sign                                                                                 */

static jwt_code_t digest_sign(apr_pool_t *p, jwt_alg_t alg, const jwt_key_t *key,
                              const unsigned char *data, size_t len, unsigned char **sig,
                              size_t *sig_len, jwt_err_t *err)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (mctx == NULL)
        return crypto_failure(err, "signature context");
    size_t n = 0;
    unsigned char *buf = NULL;
    jwt_code_t rc = digest_ctx_init(mctx, 1, alg, key, err);
    /* One-shot: EdDSA has no streaming mode, and it suits the others as well. */
    if (rc == JWT_OK && EVP_DigestSign(mctx, NULL, &n, data, len) != 1)
        rc = crypto_failure(err, "signature size");
    if (rc == JWT_OK) {
        buf = apr_palloc(p, n ? n : 1);
        if (EVP_DigestSign(mctx, buf, &n, data, len) != 1)
            rc = crypto_failure(err, "signing");
    }
    EVP_MD_CTX_free(mctx);
    if (rc == JWT_OK) {
        *sig = buf;
        *sig_len = n;
    }
    return rc;
}

/* DER ECDSA-Sig-Value -> raw R||S, each left-padded to the field length. */
static jwt_code_t ecdsa_der_to_raw(apr_pool_t *p, const unsigned char *der, size_t der_len,
                                   size_t fl, unsigned char **out, size_t *out_len, jwt_err_t *err)
{
    const unsigned char *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)der_len);
    if (es == NULL)
        return crypto_failure(err, "ECDSA signature decoding");
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(es, &r, &s);
    unsigned char *raw = apr_palloc(p, 2 * fl);
    int ok = BN_bn2binpad(r, raw, (int)fl) == (int)fl && BN_bn2binpad(s, raw + fl, (int)fl) == (int)fl;
    ECDSA_SIG_free(es);
    if (!ok)
        return crypto_failure(err, "ECDSA signature conversion");
    *out = raw;
    *out_len = 2 * fl;
    return JWT_OK;
}

jwt_code_t jwt_sign_raw(apr_pool_t *p, jwt_alg_t alg, const jwt_key_t *key,
                        const unsigned char *data, size_t len,
                        unsigned char **sig, size_t *sig_len, jwt_err_t *err)
{
    if (p == NULL || key == NULL || sig == NULL || sig_len == NULL || (data == NULL && len > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "sign: missing argument");
    static const unsigned char empty[1] = { 0 };
    if (data == NULL) data = empty;
    jwt_code_t rc = check_binding(alg, key, 1, err);
    if (rc != JWT_OK)
        return rc;
    size_t want;
    switch (alg_family(alg)) {
    case FAM_HMAC: {
        unsigned char mac[EVP_MAX_MD_SIZE];
        size_t maclen = 0;
        if ((rc = hmac_compute(alg, key, data, len, mac, &maclen, err)) != JWT_OK)
            return rc;
        *sig = apr_pmemdup(p, mac, maclen);
        *sig_len = maclen;
        OPENSSL_cleanse(mac, sizeof(mac));
        return JWT_OK;
    }
    case FAM_RSA:
    case FAM_PSS:
        if (key->kty != JWT_KTY_RSA || !key_is(key, JWT_PKEY_RSA))
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "%s needs an RSA key", jwt_alg_name(alg));
        return digest_sign(p, alg, key, data, len, sig, sig_len, err);
    case FAM_ECDSA: {
        const ecdsa_params_t *ep = ecdsa_params(alg);
        unsigned char *der;
        size_t der_len;
        if ((rc = check_ec_key(alg, key, ep, err)) != JWT_OK
            || (rc = digest_sign(p, alg, key, data, len, &der, &der_len, err)) != JWT_OK)
            return rc;
        return ecdsa_der_to_raw(p, der, der_len, ep->field_len, sig, sig_len, err);
    }
    case FAM_EDDSA:
        if ((rc = check_okp_key(alg, key, &want, err)) != JWT_OK)
            return rc;
        return digest_sign(p, alg, key, data, len, sig, sig_len, err);
    default:
        return JWT_ERR(err, JWT_ERR_ARG, "unknown algorithm");
    }
}
