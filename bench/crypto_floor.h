/* crypto_floor.h -- the cheapest JWS signature check there is, for the benchmark's floors.
 *
 * Shared by bench/verify-cost.c (the floor without httpd) and bench/mod_bench_floor.c (the
 * floor inside httpd), so the two measure the same code. Header-only because the two are built
 * apart: verify-cost links the JOSE core, the floor module is a bare httpd module.
 *
 * Everything that can be prepared once is: an HMAC context keyed once; for RS256 and ES256 an
 * EVP_PKEY_verify context initialised once, used on the SHA-256 of the signing input (what
 * `openssl speed` times); for EdDSA the one-shot EVP_DigestVerify. The prepared contexts are
 * shared by threads, so each check works on a copy, as any threaded server must.
 * Not a verifier: no header, no kid, no claims. */
#ifndef BENCH_CRYPTO_FLOOR_H
#define BENCH_CRYPTO_FLOOR_H

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

typedef enum { FLOOR_NONE, FLOOR_HS256, FLOOR_RS256, FLOOR_ES256, FLOOR_EDDSA } floor_alg_t;

typedef struct {
    floor_alg_t alg;
    EVP_MAC_CTX *mac;       /* HS256 */
    EVP_PKEY_CTX *pctx;     /* RS256, ES256: EVP_PKEY_verify_init done */
    EVP_PKEY *pkey;         /* EdDSA (one reference held) */
} crypto_floor_t;

static void crypto_floor_free(crypto_floor_t *f)
{
    EVP_MAC_CTX_free(f->mac);
    EVP_PKEY_CTX_free(f->pctx);
    EVP_PKEY_free(f->pkey);
    memset(f, 0, sizeof(*f));
}

/* HS256 takes secret, the others pkey (borrowed: the floor takes its own reference).
 * Returns 1, or 0 with f left empty. */
static int crypto_floor_init(crypto_floor_t *f, floor_alg_t alg, EVP_PKEY *pkey,
                             const unsigned char *secret, size_t secret_len)
{
    memset(f, 0, sizeof(*f));
    f->alg = alg;
    if (alg == FLOOR_HS256) {
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_end()
        };
        f->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
        EVP_MAC_free(mac);
        if (f->mac == NULL || EVP_MAC_init(f->mac, secret, secret_len, params) != 1)
            goto fail;
        return 1;
    }
    if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1)
        goto fail;
    f->pkey = pkey;
    if (alg == FLOOR_EDDSA)
        return 1;
    f->pctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (f->pctx == NULL || EVP_PKEY_verify_init(f->pctx) != 1
        || EVP_PKEY_CTX_set_signature_md(f->pctx, EVP_sha256()) != 1
        || (alg == FLOOR_RS256 && EVP_PKEY_CTX_set_rsa_padding(f->pctx, RSA_PKCS1_PADDING) != 1))
        goto fail;
    return 1;
fail:
    crypto_floor_free(f);
    return 0;
}

/* A JWS ECDSA signature is r||s; EVP_PKEY_verify wants DER: SEQUENCE { INTEGER r, INTEGER s },
 * each in its shortest big-endian form, 0x00 in front when the top bit is set. Encoded on the
 * stack, as the module does, so the floor is not charged allocations the module does not make.
 * An all-zero half encodes as a one-byte 0; OpenSSL then refuses the signature. */
static size_t crypto_floor_p256_int(unsigned char *out, const unsigned char *v)
{
    size_t skip = 0, n, pad;
    while (skip < 31 && v[skip] == 0)
        skip++;
    n = 32 - skip;
    pad = (v[skip] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (unsigned char)(n + pad);
    out[2] = 0x00;
    memcpy(out + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

/* raw: 64 bytes r||s; returns the length written to der (at most 72) */
static size_t crypto_floor_es256_der(const unsigned char *raw, unsigned char *der)
{
    size_t n = crypto_floor_p256_int(der + 2, raw);
    n += crypto_floor_p256_int(der + 2 + n, raw + 32);
    der[0] = 0x30;
    der[1] = (unsigned char)n;                  /* at most 2 * 35 = 70: short form */
    return 2 + n;
}

/* 1 when sig is the signature of in[0..inlen) under the floor's key. */
static int crypto_floor_verify(const crypto_floor_t *f, const unsigned char *in, size_t inlen,
                               const unsigned char *sig, size_t sig_len)
{
    unsigned char md[EVP_MAX_MD_SIZE], der[80];
    unsigned int mdlen = 0;
    size_t outl = 0;
    int ok;

    if (f->alg == FLOOR_HS256) {
        EVP_MAC_CTX *m = EVP_MAC_CTX_dup(f->mac);
        ok = m != NULL && EVP_MAC_update(m, in, inlen) == 1
             && EVP_MAC_final(m, md, &outl, sizeof(md)) == 1
             && outl == sig_len && CRYPTO_memcmp(md, sig, outl) == 0;
        EVP_MAC_CTX_free(m);
        return ok;
    }
    if (f->alg == FLOOR_EDDSA) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = m != NULL && EVP_DigestVerifyInit_ex(m, NULL, NULL, NULL, NULL, f->pkey, NULL) == 1
             && EVP_DigestVerify(m, sig, sig_len, in, inlen) == 1;
        EVP_MD_CTX_free(m);
        return ok;
    }
    if (f->pctx == NULL || EVP_Digest(in, inlen, md, &mdlen, EVP_sha256(), NULL) != 1)
        return 0;
    if (f->alg == FLOOR_ES256) {
        if (sig_len != 64)
            return 0;
        sig_len = crypto_floor_es256_der(sig, der);
        sig = der;
    }
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_dup(f->pctx);
    ok = p != NULL && EVP_PKEY_verify(p, sig, sig_len, md, mdlen) == 1;
    EVP_PKEY_CTX_free(p);
    return ok;
}

#endif
