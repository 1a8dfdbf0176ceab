/* mod_bench_floor.c -- the benchmark's crypto floor inside httpd (bench/run.sh, issue 7).
 *
 *   LoadModule bench_floor_module .../bench/.libs/mod_bench_floor.so
 *   <Location /floor-es/>
 *     AuthType floor
 *     BenchFloorKey ES256 /path/es256.pub.pem     (HS256: a file holding the raw secret)
 *     Require valid-user
 *   </Location>
 *
 * `openssl speed` times a verification in a hot loop; inside httpd, between requests, the
 * same verification runs with its tables and code pushed out of the caches by the rest of the
 * request, and costs more. This module is the least any bearer-token verifier can do per
 * request, measured under the same load as mod_auth_jwt: take the Authorization header, split
 * off the signature at the last dot, base64url-decode it, and check it over the signing input
 * with contexts prepared at start-up. No JSON, no claims, no kid, no cache, no environment.
 * Its server CPU per request over /open/ is the in-httpd crypto floor, and mod_auth_jwt's
 * figure minus this one is what the module itself costs on a cache miss.
 *
 * A bench tool, not a product: it accepts any token whose signature verifies, and it is never
 * installed (built with the rest so it never rots, like bench/verify-cost).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "apr_strings.h"
#include "ap_config.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

module AP_MODULE_DECLARE_DATA bench_floor_module;

typedef enum { FLOOR_NONE, FLOOR_HS256, FLOOR_RS256, FLOOR_ES256, FLOOR_EDDSA } floor_alg_t;

typedef struct {
    floor_alg_t alg;
    EVP_MAC_CTX *mac;       /* HS256: keyed once, duplicated per request */
    EVP_PKEY_CTX *pctx;     /* RS256, ES256: EVP_PKEY_verify_init done once */
    EVP_PKEY *pkey;         /* EdDSA: one-shot EVP_DigestVerify per request */
} floor_conf_t;

static void *floor_create_dir(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(floor_conf_t));
}

static apr_status_t floor_free(void *data)
{
    floor_conf_t *c = data;
    EVP_MAC_CTX_free(c->mac);
    EVP_PKEY_CTX_free(c->pctx);
    EVP_PKEY_free(c->pkey);
    return APR_SUCCESS;
}

static const char *load_secret(cmd_parms *cmd, floor_conf_t *c, const char *path)
{
    char *buf;
    apr_size_t len;
    apr_file_t *f;
    apr_finfo_t fi;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()
    };
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size < 32
        || fi.size > 1024)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: not a readable 32..1024-byte secret",
                            path);
    len = (apr_size_t)fi.size;
    buf = apr_palloc(cmd->temp_pool, len);
    if (apr_file_read_full(f, buf, len, NULL) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: read failed", path);
    apr_file_close(f);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    c->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (c->mac == NULL || EVP_MAC_init(c->mac, (unsigned char *)buf, len, params) != 1)
        return "BenchFloorKey: HMAC set-up failed";
    return NULL;
}

static const char *load_public(cmd_parms *cmd, floor_conf_t *c, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return apr_psprintf(cmd->pool, "BenchFloorKey: cannot open %s", path);
    c->pkey = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
    fclose(fp);
    if (c->pkey == NULL)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: not a PEM public key", path);
    if (c->alg == FLOOR_EDDSA)
        return EVP_PKEY_is_a(c->pkey, "ED25519") ? NULL : "BenchFloorKey: EdDSA needs Ed25519";
    if (!EVP_PKEY_is_a(c->pkey, c->alg == FLOOR_RS256 ? "RSA" : "EC"))
        return "BenchFloorKey: key type does not match the algorithm";
    c->pctx = EVP_PKEY_CTX_new(c->pkey, NULL);
    if (c->pctx == NULL || EVP_PKEY_verify_init(c->pctx) != 1
        || EVP_PKEY_CTX_set_signature_md(c->pctx, EVP_sha256()) != 1
        || (c->alg == FLOOR_RS256 && EVP_PKEY_CTX_set_rsa_padding(c->pctx, RSA_PKCS1_PADDING) != 1))
        return "BenchFloorKey: verify set-up failed";
    return NULL;
}

static const char *set_floor_key(cmd_parms *cmd, void *dconf, const char *alg, const char *file)
{
    floor_conf_t *c = dconf;
    const char *path = ap_server_root_relative(cmd->pool, file);
    if (c->alg != FLOOR_NONE)
        return "BenchFloorKey: one key per location";
    if (strcmp(alg, "HS256") == 0) c->alg = FLOOR_HS256;
    else if (strcmp(alg, "RS256") == 0) c->alg = FLOOR_RS256;
    else if (strcmp(alg, "ES256") == 0) c->alg = FLOOR_ES256;
    else if (strcmp(alg, "EdDSA") == 0) c->alg = FLOOR_EDDSA;
    else return "BenchFloorKey: algorithm must be HS256, RS256, ES256 or EdDSA";
    if (path == NULL)
        return "BenchFloorKey: bad path";
    apr_pool_cleanup_register(cmd->pool, c, floor_free, apr_pool_cleanup_null);
    return c->alg == FLOOR_HS256 ? load_secret(cmd, c, path) : load_public(cmd, c, path);
}

static const command_rec floor_cmds[] = {
    AP_INIT_TAKE2("BenchFloorKey", set_floor_key, NULL, OR_AUTHCFG,
                  "algorithm (HS256, RS256, ES256, EdDSA) and key file (PEM public key, or the "
                  "raw HS256 secret): the only key this location's floor check uses"),
    { NULL }
};

/* Strict base64url without padding; returns the decoded length or -1. */
static long b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    unsigned int acc = 0, bits = 0;
    size_t o = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v;
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
        else if (ch == '-') v = 62;
        else if (ch == '_') v = 63;
        else return -1;
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

/* A JWS ECDSA signature is r||s; EVP_PKEY_verify wants DER. */
static int es256_der(const unsigned char *raw, unsigned char *der, size_t *der_len)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *sv = BN_bin2bn(raw + 32, 32, NULL);
    unsigned char *out = der;
    int n;
    if (s == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(s, r, sv) != 1) {
        ECDSA_SIG_free(s);
        BN_free(r);
        BN_free(sv);
        return 0;
    }
    n = i2d_ECDSA_SIG(s, &out);
    ECDSA_SIG_free(s);
    if (n <= 0)
        return 0;
    *der_len = (size_t)n;
    return 1;
}

static int floor_verify(const floor_conf_t *c, const unsigned char *in, size_t inlen,
                        const unsigned char *sig, size_t sig_len)
{
    unsigned char md[EVP_MAX_MD_SIZE], der[80];
    unsigned int mdlen = 0;
    size_t outl = 0, der_len = 0;
    int ok;

    if (c->alg == FLOOR_HS256) {
        EVP_MAC_CTX *m = EVP_MAC_CTX_dup(c->mac);
        ok = m != NULL && EVP_MAC_update(m, in, inlen) == 1
             && EVP_MAC_final(m, md, &outl, sizeof(md)) == 1
             && outl == sig_len && CRYPTO_memcmp(md, sig, outl) == 0;
        EVP_MAC_CTX_free(m);
        return ok;
    }
    if (c->alg == FLOOR_EDDSA) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = m != NULL && EVP_DigestVerifyInit_ex(m, NULL, NULL, NULL, NULL, c->pkey, NULL) == 1
             && EVP_DigestVerify(m, sig, sig_len, in, inlen) == 1;
        EVP_MD_CTX_free(m);
        return ok;
    }
    if (EVP_Digest(in, inlen, md, &mdlen, EVP_sha256(), NULL) != 1)
        return 0;
    if (c->alg == FLOOR_ES256) {
        if (sig_len != 64 || !es256_der(sig, der, &der_len))
            return 0;
        sig = der;
        sig_len = der_len;
    }
    /* the prepared context is shared by every thread: each request verifies on its own copy */
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_dup(c->pctx);
    ok = p != NULL && EVP_PKEY_verify(p, sig, sig_len, md, mdlen) == 1;
    EVP_PKEY_CTX_free(p);
    return ok;
}

static int floor_check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const floor_conf_t *c = ap_get_module_config(r->per_dir_config, &bench_floor_module);
    unsigned char sig[600];
    if (type == NULL || strcasecmp(type, "floor") != 0)
        return DECLINED;
    const char *h = apr_table_get(r->headers_in, "Authorization");
    if (c->alg == FLOOR_NONE || h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return HTTP_UNAUTHORIZED;
    const char *tok = h + 7, *dot = strrchr(tok, '.');
    if (dot == NULL)
        return HTTP_UNAUTHORIZED;
    long n = b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof(sig));
    if (n <= 0 || !floor_verify(c, (const unsigned char *)tok, (size_t)(dot - tok), sig, (size_t)n)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "bench-floor: signature refused");
        return HTTP_UNAUTHORIZED;
    }
    r->user = "floor";
    r->ap_auth_type = "floor";
    return OK;
}

static void floor_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_authn(floor_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
}

AP_DECLARE_MODULE(bench_floor) = {
    STANDARD20_MODULE_STUFF,
    floor_create_dir, NULL, NULL, NULL, floor_cmds, floor_register_hooks
};
