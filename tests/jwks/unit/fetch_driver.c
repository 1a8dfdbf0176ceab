/* fetch_driver URL [timeout_ms] [max_bytes] [ca_file|-] [allow_http 0|1] [public_only 0|1]
 * Runs jwt_fetch_url once and prints, on stdout:
 *   ok status=N len=N max_age=N url=URL sha256=HEX
 * or
 *   err code=NAME message=...
 * Used by tests/jwks/fetch-core.test.js (built by tests/groups/jwks.sh, with ASan and
 * LeakSanitizer when clang can, so every curl/pool path is checked for leaks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <openssl/evp.h>
#include "jwt_fetch.h"

static long arg_long(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) {
        fprintf(stderr, "bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    jwt_fetch_opts_t o = { 0 };
    jwt_fetch_result_t *res = NULL;
    jwt_err_t err;
    jwt_code_t code;
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [timeout_ms] [max_bytes] [ca_file|-] [allow_http] [public_only]\n", argv[0]);
        return 2;
    }
    if (argc > 2)
        o.timeout_ms = arg_long(argv[2], "timeout_ms");
    if (argc > 3)
        o.max_bytes = (size_t)arg_long(argv[3], "max_bytes");
    if (argc > 4 && strcmp(argv[4], "-") != 0)
        o.ca_file = argv[4];
    if (argc > 5)
        o.allow_http = (int)arg_long(argv[5], "allow_http");
    if (argc > 6)
        o.public_only = (int)arg_long(argv[6], "public_only");
    apr_initialize();
    apr_pool_create(&p, NULL);
    if (jwt_fetch_global_init(&err) != JWT_OK) {
        printf("err code=%s message=%s\n", jwt_code_name(err.code), err.message);
        return 1;
    }
    code = jwt_fetch_url(p, argv[1], &o, &res, &err);
    if (code == JWT_OK) {
        unsigned char md[32];
        unsigned int n = 32, i;
        EVP_Digest(res->body, res->len, md, &n, EVP_sha256(), NULL);
        printf("ok status=%ld len=%lu max_age=%ld peer_internal=%d url=%s sha256=", res->status,
               (unsigned long)res->len, res->max_age, res->peer_internal, res->url);
        for (i = 0; i < n; i++)
            printf("%02x", md[i]);
        printf("\n");
    }
    else {
        printf("err code=%s message=%s\n", jwt_code_name(code), err.message);
        rc = 1;
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
