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
 * with contexts prepared at start-up (bench/crypto_floor.h, the same code as verify-cost's
 * "crypto alone"). No JSON, no claims, no kid, no cache, no environment.
 * Its server CPU per request over /open/ is the in-httpd crypto floor, and mod_auth_jwt's
 * figure minus this one is what the module itself costs on a cache miss.
 *
 * `BenchFloorTrustAny On` instead of a key makes a location the authentication floor: the
 * same header taken and split at its last dot, then accepted unchecked. What is left is what
 * httpd's own authentication and authorization cost for any protected location (the
 * check_authn and Require valid-user hooks, the per-directory auth configuration): the same-
 * token rows' floor, as the signature check alone is the -distinct rows'.
 *
 * A bench tool, not a product: it accepts any token whose signature verifies (any token at all
 * with BenchFloorTrustAny), and it is never installed (built with the rest so it never rots,
 * like bench/verify-cost).
 */
#include <string.h>

#include <openssl/pem.h>

#include "apr_strings.h"
#include "ap_config.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

#include "crypto_floor.h"

module AP_MODULE_DECLARE_DATA bench_floor_module;

typedef struct {
    crypto_floor_t crypto;            /* alg FLOOR_NONE: no key */
    int trust_any;                    /* BenchFloorTrustAny On: no check at all */
} floor_dir_t;

static void *floor_create_dir(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(floor_dir_t));
}

static apr_status_t floor_free(void *data)
{
    crypto_floor_free(data);
    return APR_SUCCESS;
}

static const char *read_secret(cmd_parms *cmd, const char *path, unsigned char **buf,
                               apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size < 32
        || fi.size > 1024)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: not a readable 32..1024-byte secret",
                            path);
    *len = (apr_size_t)fi.size;
    *buf = apr_palloc(cmd->temp_pool, *len);
    if (apr_file_read_full(f, *buf, *len, NULL) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: read failed", path);
    apr_file_close(f);
    return NULL;
}

static const char *read_public(cmd_parms *cmd, const char *path, floor_alg_t alg,
                               EVP_PKEY **pkey)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return apr_psprintf(cmd->pool, "BenchFloorKey: cannot open %s", path);
    *pkey = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
    fclose(fp);
    if (*pkey == NULL)
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: not a PEM public key", path);
    if (!EVP_PKEY_is_a(*pkey, alg == FLOOR_RS256 ? "RSA" : alg == FLOOR_ES256 ? "EC" : "ED25519")) {
        EVP_PKEY_free(*pkey);
        return apr_psprintf(cmd->pool, "BenchFloorKey: %s: wrong key type for the algorithm",
                            path);
    }
    return NULL;
}

static const char *set_floor_key(cmd_parms *cmd, void *dconf, const char *name, const char *file)
{
    crypto_floor_t *c = &((floor_dir_t *)dconf)->crypto;
    const char *path = ap_server_root_relative(cmd->pool, file), *msg;
    floor_alg_t alg;
    unsigned char *secret = NULL;
    apr_size_t secret_len = 0;
    EVP_PKEY *pkey = NULL;
    int ok;

    if (c->alg != FLOOR_NONE || ((floor_dir_t *)dconf)->trust_any)
        return "BenchFloorKey: one key per location, and none with BenchFloorTrustAny";
    if (strcmp(name, "HS256") == 0) alg = FLOOR_HS256;
    else if (strcmp(name, "RS256") == 0) alg = FLOOR_RS256;
    else if (strcmp(name, "ES256") == 0) alg = FLOOR_ES256;
    else if (strcmp(name, "EdDSA") == 0) alg = FLOOR_EDDSA;
    else return "BenchFloorKey: algorithm must be HS256, RS256, ES256 or EdDSA";
    if (path == NULL)
        return "BenchFloorKey: bad path";
    msg = alg == FLOOR_HS256 ? read_secret(cmd, path, &secret, &secret_len)
                             : read_public(cmd, path, alg, &pkey);
    if (msg)
        return msg;
    ok = crypto_floor_init(c, alg, pkey, secret, secret_len);
    EVP_PKEY_free(pkey);                  /* the floor holds its own reference */
    if (!ok)
        return "BenchFloorKey: OpenSSL set-up failed";
    apr_pool_cleanup_register(cmd->pool, c, floor_free, apr_pool_cleanup_null);
    return NULL;
}

static const char *set_trust_any(cmd_parms *cmd, void *dconf, int on)
{
    floor_dir_t *d = dconf;
    (void)cmd;
    if (on && d->crypto.alg != FLOOR_NONE)
        return "BenchFloorTrustAny: this location has a BenchFloorKey";
    d->trust_any = on;
    return NULL;
}

static const command_rec floor_cmds[] = {
    AP_INIT_TAKE2("BenchFloorKey", set_floor_key, NULL, OR_AUTHCFG,
                  "algorithm (HS256, RS256, ES256, EdDSA) and key file (PEM public key, or the "
                  "raw HS256 secret): the only key this location's floor check uses"),
    AP_INIT_FLAG("BenchFloorTrustAny", set_trust_any, NULL, OR_AUTHCFG,
                 "On: accept any bearer token unchecked (the authentication floor; bench only)"),
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

static int floor_check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const floor_dir_t *d = ap_get_module_config(r->per_dir_config, &bench_floor_module);
    const crypto_floor_t *c = &d->crypto;
    unsigned char sig[600];
    if (type == NULL || strcasecmp(type, "floor") != 0)
        return DECLINED;
    const char *h = apr_table_get(r->headers_in, "Authorization");
    if ((c->alg == FLOOR_NONE && !d->trust_any) || h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return HTTP_UNAUTHORIZED;
    const char *tok = h + 7, *dot = strrchr(tok, '.');
    if (dot == NULL)
        return HTTP_UNAUTHORIZED;
    if (!d->trust_any) {
        long n = b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof(sig));
        if (n <= 0 || !crypto_floor_verify(c, (const unsigned char *)tok, (size_t)(dot - tok), sig,
                                           (size_t)n)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "bench-floor: signature refused");
            return HTTP_UNAUTHORIZED;
        }
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
