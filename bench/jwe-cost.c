/* jwe-cost.c -- what the JOSE core adds on top of the bare cryptography of a nested JWE
 * (issue 24), as bench/verify-cost.c does for signatures.
 *
 *   bench/jwe-cost STATE_DIR [SECONDS_PER_ROW] [THREADS]
 *
 * STATE_DIR is bench/run.sh's state folder: jwe-rsa.pem / jwe-ec.pem and the tokens that
 * bench/mint-jwe.js made with jose (RS256 under RSA-OAEP-256 + A256GCM, ES256 under
 * ECDH-ES + A256GCM). Over the distinct tokens in a loop, in THREADS threads:
 *   core:  what the module does on a cache miss -- jwt_jwe_decrypt with the location's
 *          decryption keyring, then jwt_token_parse, jwt_token_verify and jwt_claims_validate
 *          of the inner JWS, in a pool cleared per token;
 *   floor: the cryptography alone, the cheapest way there is: RSA-OAEP-256 EVP_PKEY_decrypt
 *          of the encrypted key on a copy of a context set up once, or for ECDH-ES the
 *          ephemeral point imported (EVP_PKEY_fromdata, no further check), EVP_PKEY_derive on
 *          a copy of a context set up once and the one-block Concat KDF (one SHA-256); then
 *          AES-256-GCM decryption with its tag check, and the inner signature check of
 *          bench/crypto_floor.h. Segments are base64url-decoded beforehand, outside the timing.
 * It prints CPU µs per token of both and the difference. Not a test: run by hand
 * (bench/run.sh runs it), figures go in bench/RESULTS.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "jwt_b64.h"
#include "jwt_claims.h"
#include "jwt_jwe.h"
#include "jwt_jws.h"
#include "jwt_key.h"

#include "cost_timing.h"
#include "crypto_floor.h"

#define MAX_TOKENS 20000

typedef struct {
    const unsigned char *ek, *iv, *ct, *tag, *x, *y;
    size_t ek_len, ct_len, x_len;
    const char *aad;             /* the protected header segment, as sent */
    size_t aad_len;
    const char *inner;           /* the inner JWS (decrypted once at load) */
    size_t input_len;            /* its signing input */
    unsigned char *sig;
    size_t sig_len;
} pre_t;

typedef struct {
    const char *name, *keyfile, *deckid, *sigfile, *sigkid;
    int ecdh;
    jwt_alg_t sig_alg;
    jwt_jwe_keyring_t *ring;      /* core */
    jwt_keyring_t *sigring;
    EVP_PKEY *priv;               /* floor */
    char **tokens;
    pre_t *pre;
    int ntokens;
} row_t;

static int core_once(void *arg, apr_pool_t *p, int i)
{
    row_t *row = arg;
    const char *tok = row->tokens[i];
    jwt_jwe_t *jwe = NULL;
    jwt_token_t *t = NULL;
    const jwt_key_t *used = NULL;
    jwt_claims_policy_t pol;
    jwt_err_t err;

    jwt_err_clear(&err);
    if (jwt_jwe_decrypt(p, tok, strlen(tok), row->ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL,
                        NULL, &jwe, &err) != JWT_OK || !jwt_jwe_is_nested(jwe))
        return 0;
    if (jwt_token_parse(p, (const char *)jwe->plaintext, jwe->plaintext_len, NULL, &t, &err) != JWT_OK
        || jwt_token_verify(t, row->sigring, JWT_ALGSET(row->sig_alg), &used, &err) != JWT_OK)
        return 0;
    jwt_claims_policy_init(p, &pol);
    pol.issuers = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.issuers, const char *) = "https://bench.example/";
    pol.audiences = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.audiences, const char *) = "bench";
    return jwt_claims_validate(t, &pol, &err) == JWT_OK;
}

/* ---- the floor ---- */

typedef struct {
    EVP_PKEY_CTX *ctx;            /* RSA: decrypt_init + OAEP SHA-256; EC: derive_init */
    crypto_floor_t sig;
} floor_t;

static int floor_init(row_t *row, floor_t *f)
{
    const jwt_key_t *k = APR_ARRAY_IDX(row->sigring->keys, 0, const jwt_key_t *);
    memset(f, 0, sizeof(*f));
    if (!crypto_floor_init(&f->sig, row->sig_alg == JWT_ALG_RS256 ? FLOOR_RS256 : FLOOR_ES256,
                           k->pkey, NULL, 0))
        return 0;
    f->ctx = EVP_PKEY_CTX_new(row->priv, NULL);
    if (!f->ctx)
        return 0;
    if (row->ecdh)
        return EVP_PKEY_derive_init(f->ctx) == 1;
    return EVP_PKEY_decrypt_init(f->ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(f->ctx, RSA_PKCS1_OAEP_PADDING) == 1
        && EVP_PKEY_CTX_set_rsa_oaep_md(f->ctx, EVP_sha256()) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md(f->ctx, EVP_sha256()) == 1;
}

static void floor_free(floor_t *f)
{
    EVP_PKEY_CTX_free(f->ctx);
    crypto_floor_free(&f->sig);
}

static int gcm_open(const unsigned char *cek, const pre_t *t, unsigned char *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok;
    ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, cek, t->iv) == 1
         && EVP_DecryptUpdate(c, NULL, &n, (const unsigned char *)t->aad, (int)t->aad_len) == 1
         && EVP_DecryptUpdate(c, out, &n, t->ct, (int)t->ct_len) == 1
         && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)t->tag) == 1
         && EVP_DecryptFinal_ex(c, out + n, &n) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* ECDH-ES with A256GCM: Z from the ephemeral point, CEK = SHA-256(1 || Z || OtherInfo). */
static int ecdh_cek(const floor_t *f, const pre_t *t, unsigned char *cek)
{
    static const unsigned char other[] = { 0, 0, 0, 7, 'A', '2', '5', '6', 'G', 'C', 'M',
                                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    unsigned char pt[1 + 2 * 66], z[66], buf[4 + 66 + sizeof(other)];
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *fc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *d = NULL;
    size_t zl = sizeof(z);
    int ok;

    pt[0] = 4;
    memcpy(pt + 1, t->x, t->x_len);
    memcpy(pt + 1 + t->x_len, t->y, t->x_len);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * t->x_len),
        OSSL_PARAM_construct_end()
    };
    ok = fc && EVP_PKEY_fromdata_init(fc) == 1
         && EVP_PKEY_fromdata(fc, &peer, EVP_PKEY_PUBLIC_KEY, params) == 1
         && (d = EVP_PKEY_CTX_dup(f->ctx)) != NULL
         && EVP_PKEY_derive_set_peer_ex(d, peer, 0) == 1
         && EVP_PKEY_derive(d, z, &zl) == 1;
    if (ok) {
        memcpy(buf, "\0\0\0\1", 4);
        memcpy(buf + 4, z, zl);
        memcpy(buf + 4 + zl, other, sizeof(other));
        ok = SHA256(buf, 4 + zl + sizeof(other), cek) != NULL;
    }
    OPENSSL_cleanse(z, sizeof(z));
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(peer);
    EVP_PKEY_CTX_free(fc);
    return ok;
}

/* A thread's floor, and the buffer it decrypts the inner token into. */
typedef struct {
    floor_t f;
    unsigned char scratch[16384];
} floor_state_t;

static int floor_once(void *arg, void *floor, int i)
{
    row_t *row = arg;
    const floor_t *f = &((floor_state_t *)floor)->f;
    unsigned char *scratch = ((floor_state_t *)floor)->scratch;
    const pre_t *t = &row->pre[i];
    unsigned char cek[512];
    size_t cl = sizeof(cek);
    int ok;

    if (row->ecdh)
        ok = ecdh_cek(f, t, cek);
    else {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_dup(f->ctx);
        ok = c && EVP_PKEY_decrypt(c, cek, &cl, t->ek, t->ek_len) == 1 && cl == 32;
        EVP_PKEY_CTX_free(c);
    }
    ok = ok && gcm_open(cek, t, scratch)
         && crypto_floor_verify(&f->sig, (const unsigned char *)t->inner, t->input_len,
                                t->sig, t->sig_len);
    OPENSSL_cleanse(cek, 32);
    return ok;
}

static void *floor_start(void *row)
{
    floor_state_t *st = malloc(sizeof(*st));
    if (st && !floor_init(row, &st->f)) {
        floor_free(&st->f);
        free(st);
        return NULL;
    }
    return st;
}

static void floor_stop(void *floor)
{
    floor_free(&((floor_state_t *)floor)->f);
    free(floor);
}

static const cost_loop_t loop = { core_once, floor_start, floor_once, floor_stop, 16 };

static double measure(row_t *row, int core, double seconds, int threads, int *failures)
{
    return cost_measure(&loop, row, row->ntokens, core, seconds, threads, failures);
}

static const unsigned char *seg(apr_pool_t *p, const char *s, size_t n, size_t *len)
{
    unsigned char *out = NULL;
    jwt_err_t err;
    if (jwt_b64url_decode(p, s, n, &out, len, &err) != JWT_OK)
        return NULL;
    return out;
}

/* Decode one token's segments (and decrypt it once with the core for its inner JWS). */
static int prepare(apr_pool_t *p, row_t *row, const char *tok, pre_t *t)
{
    const char *d[4], *c = tok;
    size_t ivl = 0, tagl = 0, yl = 0, inl;
    jwt_jwe_t *jwe = NULL;
    jwt_err_t err;
    json_object *epk, *v;

    for (int i = 0; i < 4; i++) {
        if (!(d[i] = strchr(c, '.')))
            return 0;
        c = d[i] + 1;
    }
    t->aad = tok;
    t->aad_len = (size_t)(d[0] - tok);
    t->ek = seg(p, d[0] + 1, (size_t)(d[1] - d[0] - 1), &t->ek_len);
    t->iv = seg(p, d[1] + 1, (size_t)(d[2] - d[1] - 1), &ivl);
    t->ct = seg(p, d[2] + 1, (size_t)(d[3] - d[2] - 1), &t->ct_len);
    t->tag = seg(p, d[3] + 1, strlen(d[3] + 1), &tagl);
    if (!t->iv || ivl != 12 || !t->ct || !t->tag || tagl != 16 || t->ct_len > 16000)
        return 0;
    if (jwt_jwe_decrypt(p, tok, strlen(tok), row->ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL,
                        NULL, &jwe, &err) != JWT_OK)
        return 0;
    if (row->ecdh) {
        if (!json_object_object_get_ex(jwe->header, "epk", &epk)
            || !json_object_object_get_ex(epk, "x", &v))
            return 0;
        t->x = seg(p, json_object_get_string(v), (size_t)json_object_get_string_len(v), &t->x_len);
        if (!json_object_object_get_ex(epk, "y", &v))
            return 0;
        t->y = seg(p, json_object_get_string(v), (size_t)json_object_get_string_len(v), &yl);
        if (!t->x || !t->y || t->x_len != 32 || yl != 32)
            return 0;
    }
    t->inner = (const char *)jwe->plaintext;
    c = strrchr(t->inner, '.');
    if (!c)
        return 0;
    t->input_len = (size_t)(c - t->inner);
    inl = strlen(c + 1);
    return jwt_b64url_decode(p, c + 1, inl, &t->sig, &t->sig_len, &err) == JWT_OK;
}

static int load_row(apr_pool_t *p, const char *dir, row_t *row)
{
    jwt_err_t err;
    const char *path = apr_pstrcat(p, dir, "/", row->keyfile, NULL);
    char *line = apr_palloc(p, 65536);
    FILE *fp;
    BIO *bio;

    jwt_err_clear(&err);
    row->ring = jwt_jwe_keyring_make(p);
    row->sigring = jwt_keyring_make(p);
    if (jwt_jwe_keys_from_file(row->ring, path, row->deckid, 0, NULL, &err) != JWT_OK
        || jwt_keys_from_file(row->sigring, apr_pstrcat(p, dir, "/", row->sigfile, NULL),
                              row->sigkid, NULL, &err) != JWT_OK) {
        fprintf(stderr, "jwe-cost: %s\n", err.message);
        return 0;
    }
    if (!(bio = BIO_new_file(path, "r")) || !(row->priv = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
        BIO_free(bio);
        fprintf(stderr, "jwe-cost: cannot read %s\n", path);
        return 0;
    }
    BIO_free(bio);
    path = apr_pstrcat(p, dir, "/tokens-", row->name, ".txt", NULL);
    if (!(fp = fopen(path, "r"))) {
        fprintf(stderr, "jwe-cost: cannot read %s (run bench/run.sh once)\n", path);
        return 0;
    }
    row->tokens = apr_pcalloc(p, MAX_TOKENS * sizeof(char *));
    row->pre = apr_pcalloc(p, MAX_TOKENS * sizeof(pre_t));
    while (row->ntokens < MAX_TOKENS && fgets(line, 65536, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        int i = row->ntokens++;
        row->tokens[i] = apr_pstrdup(p, line);
        if (!prepare(p, row, row->tokens[i], &row->pre[i])) {
            fprintf(stderr, "jwe-cost: %s line %d is not a JWE this key opens\n", path, i + 1);
            fclose(fp);
            return 0;
        }
    }
    fclose(fp);
    return row->ntokens > 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    double seconds;
    int threads;
    int bad = 0;
    row_t rows[] = {
        { "JWE-RS", "jwe-rsa.pem", "bench-jwe-rs", "rs256.pub.pem", "bench-rs", 0, JWT_ALG_RS256, 0 },
        { "JWE-ES", "jwe-ec.pem", "bench-jwe-es", "es256.pub.pem", "bench-es", 1, JWT_ALG_ES256, 0 },
    };

    if (!cost_args(argc, argv, &seconds, &threads))
        return 2;
    apr_initialize();
    apr_pool_create(&p, NULL);
    printf("jwe-cost: %d thread(s), %.1f s per row, CPU µs per token\n\n", threads, seconds);
    printf("| row | core: decrypt + parse + verify + claims | bare OpenSSL floor | core − floor | core / floor |\n");
    printf("|---|---:|---:|---:|---:|\n");
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        int failures = 0;
        if (!load_row(p, argv[1], &rows[r]))
            return 2;
        double core = measure(&rows[r], 1, seconds, threads, &failures);
        double fl = measure(&rows[r], 0, seconds, threads, &failures);
        printf("| %s (%s) | %.2f | %.2f | %+.2f | %.2f |\n", rows[r].name,
               rows[r].ecdh ? "ECDH-ES + A256GCM, ES256 inside" : "RSA-OAEP-256 + A256GCM, RS256 inside",
               core, fl, core - fl, fl > 0 ? core / fl : 0);
        fflush(stdout);
        EVP_PKEY_free(rows[r].priv);
        if (failures) {
            cost_report_failures("jwe-cost", rows[r].name, failures);
            bad = 1;
        }
    }
    apr_pool_destroy(p);
    apr_terminate();
    return bad;
}
