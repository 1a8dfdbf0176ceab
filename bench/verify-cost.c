/* verify-cost.c -- what the JOSE core adds on top of the signature check itself.
 *
 *   bench/verify-cost STATE_DIR [SECONDS_PER_ROW] [THREADS]
 *
 * STATE_DIR is bench/run.sh's state folder (keys and the tokens minted by bench/mint.js with
 * jose). For each algorithm, over the distinct tokens in a loop, in THREADS threads at once:
 *   core:   what the module does on a cache miss -- jwt_token_parse, jwt_token_verify against
 *           the location's keyring, jwt_claims_validate (iss, aud, exp, nbf, iat), all in a
 *           pool cleared per token;
 *   crypto: the signature check alone, done the cheapest way there is (bench/crypto_floor.h,
 *           shared with the in-httpd floor bench/mod_bench_floor.c): the digest of the
 *           signing input and EVP_PKEY_verify on a copy of a context initialised once (what
 *           `openssl speed` times), or for HS256 HMAC on a copy of a context keyed once. The
 *           raw signature bytes are decoded beforehand, outside the timing.
 * It prints the CPU µs per token of both and the difference: the parsing, JSON, claims and
 * bookkeeping cost that the wrk figures of bench/run.sh carry on top of the crypto, measured
 * without httpd or wrk noise. THREADS > 1 shows lock contention inside OpenSSL or the core.
 * Not a test: run by hand, figures go in bench/RESULTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jwt_alg.h"
#include "jwt_b64.h"
#include "jwt_claims.h"
#include "jwt_jws.h"
#include "jwt_key.h"

#include "cost_timing.h"
#include "crypto_floor.h"

#define MAX_TOKENS 20000

typedef struct {
    const char *name;           /* HS256, ... */
    const char *keyfile;        /* in STATE_DIR */
    const char *kid;            /* kid=... as the bench's httpd.conf gives it, or NULL */
    jwt_alg_t alg;
    jwt_keyring_t *ring;
    char **tokens;
    int ntokens;
    unsigned char **sigs;       /* decoded signatures, for the crypto row */
    size_t *sig_lens;
    size_t *input_lens;
} row_t;

static int core_once(void *arg, apr_pool_t *p, int i)
{
    row_t *row = arg;
    const char *tok = row->tokens[i];
    jwt_token_t *t = NULL;
    const jwt_key_t *used = NULL;
    jwt_claims_policy_t pol;
    jwt_err_t err;

    jwt_err_clear(&err);
    if (jwt_token_parse(p, tok, strlen(tok), NULL, &t, &err) != JWT_OK)
        return 0;
    if (jwt_token_verify(t, row->ring, JWT_ALGSET(row->alg), &used, &err) != JWT_OK)
        return 0;
    jwt_claims_policy_init(p, &pol);
    pol.issuers = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.issuers, const char *) = "https://bench.example/";
    pol.audiences = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.audiences, const char *) = "bench";
    return jwt_claims_validate(t, &pol, &err) == JWT_OK;
}

/* The crypto floor (bench/crypto_floor.h, the same code the in-httpd floor runs), made per
 * thread from the row's key. */
static int floor_init(row_t *row, crypto_floor_t *f)
{
    const jwt_key_t *k = APR_ARRAY_IDX(row->ring->keys, 0, const jwt_key_t *);
    floor_alg_t alg = row->alg == JWT_ALG_HS256 ? FLOOR_HS256
                      : row->alg == JWT_ALG_RS256 ? FLOOR_RS256
                      : row->alg == JWT_ALG_ES256 ? FLOOR_ES256 : FLOOR_EDDSA;
    return crypto_floor_init(f, alg, k->pkey, k->secret, k->secret_len);
}

static int floor_once(void *arg, void *floor, int i)
{
    row_t *row = arg;
    return crypto_floor_verify(floor, (const unsigned char *)row->tokens[i], row->input_lens[i],
                               row->sigs[i], row->sig_lens[i]);
}

static void *floor_start(void *row)
{
    crypto_floor_t *f = malloc(sizeof(*f));
    if (f && !floor_init(row, f)) {
        free(f);
        return NULL;
    }
    return f;
}

static void floor_stop(void *floor)
{
    crypto_floor_free(floor);
    free(floor);
}

static const cost_loop_t loop = { core_once, floor_start, floor_once, floor_stop, 64 };

static double measure(row_t *row, int core, double seconds, int threads, int *failures)
{
    return cost_measure(&loop, row, row->ntokens, core, seconds, threads, failures);
}

static int load_row(apr_pool_t *p, const char *dir, row_t *row)
{
    jwt_err_t err;
    const char *path = apr_pstrcat(p, dir, "/", row->keyfile, NULL);
    char line[16384];
    FILE *fp;

    jwt_err_clear(&err);
    row->ring = jwt_keyring_make(p);
    if (jwt_keys_from_file(row->ring, path, row->kid, NULL, &err) != JWT_OK) {
        fprintf(stderr, "verify-cost: %s: %s\n", path, err.message);
        return 0;
    }
    path = apr_pstrcat(p, dir, "/tokens-", row->name, ".txt", NULL);
    if (!(fp = fopen(path, "r"))) {
        fprintf(stderr, "verify-cost: cannot read %s (run bench/run.sh once)\n", path);
        return 0;
    }
    row->tokens = apr_pcalloc(p, MAX_TOKENS * sizeof(char *));
    row->sigs = apr_pcalloc(p, MAX_TOKENS * sizeof(unsigned char *));
    row->sig_lens = apr_pcalloc(p, MAX_TOKENS * sizeof(size_t));
    row->input_lens = apr_pcalloc(p, MAX_TOKENS * sizeof(size_t));
    while (row->ntokens < MAX_TOKENS && fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *dot = strrchr(line, '.');
        if (!dot)
            continue;
        int i = row->ntokens++;
        row->tokens[i] = apr_pstrdup(p, line);
        row->input_lens[i] = (size_t)(dot - line);
        if (jwt_b64url_decode(p, dot + 1, strlen(dot + 1), &row->sigs[i], &row->sig_lens[i],
                              &err) != JWT_OK) {
            fprintf(stderr, "verify-cost: bad signature in %s line %d\n", path, i + 1);
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
        { "HS256", "hs256.jwk", NULL, JWT_ALG_HS256, 0 },
        { "RS256", "rs256.pub.pem", "bench-rs", JWT_ALG_RS256, 0 },
        { "ES256", "es256.pub.pem", "bench-es", JWT_ALG_ES256, 0 },
        { "EdDSA", "ed25519.pub.pem", "bench-ed", JWT_ALG_EDDSA, 0 },
    };

    if (!cost_args(argc, argv, &seconds, &threads))
        return 2;
    apr_initialize();
    apr_pool_create(&p, NULL);
    printf("verify-cost: %d thread(s), %.1f s per row, CPU µs per token\n\n", threads, seconds);
    printf("| alg | core: parse + verify + claims | crypto alone | core − crypto |\n");
    printf("|---|---:|---:|---:|\n");
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        int failures = 0;
        if (!load_row(p, argv[1], &rows[r]))
            return 2;
        double core = measure(&rows[r], 1, seconds, threads, &failures);
        double crypto = measure(&rows[r], 0, seconds, threads, &failures);
        printf("| %s | %.2f | %.2f | %+.2f |\n", rows[r].name, core, crypto, core - crypto);
        fflush(stdout);
        if (failures) {
            cost_report_failures("verify-cost", rows[r].name, failures);
            bad = 1;
        }
    }
    apr_pool_destroy(p);
    apr_terminate();
    return bad;
}
