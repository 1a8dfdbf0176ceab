/* libFuzzer target: the token parser, then signature verification against a small fixed
 * keyring (one HS256 secret, kid "hs"; one EC P-256 public key, kid "ec"), then the claim
 * checks and claim-path lookup. The keys match tests/fuzz/make-corpus.js, so the seed
 * tokens signed there reach the post-verification code.
 * Invariants: a verified token used a key bound to its alg, and an HS* token can only
 * ever be verified by the oct key (never by the EC key's bytes); and a parse through a
 * header memo (kept across inputs, as the module keeps one per connection) gives the
 * same verdict and the same header as a plain parse, memo hit or not. */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_jws.h"
#include "jwt_claims.h"

/* Two buffers: the importer refuses a JWKS that mixes secrets with public keys. */
static const char fuzz_hs_jwk[] =
    "{\"kty\":\"oct\",\"kid\":\"hs\",\"alg\":\"HS256\","
    "\"k\":\"ZnV6ei1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZmdoaWo\"}";
static const char fuzz_ec_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"use\":\"sig\","
    "\"x\":\"AYbgVbnntlYyNMvWKAF_kxnbUzjXp_bhSmpoYMVcMZg\","
    "\"y\":\"hRcH7KdiL-ypJZ653_whpiviEjlGIKd1H3xjuIK3SHI\"}";

static apr_pool_t *ring_pool;
static jwt_keyring_t *ring;
static jwt_header_memo_t *header_memo;

static void add_or_die(const char *jwk, size_t len)
{
    jwt_err_t e;
    int count = 0;
    if (jwt_keys_from_buffer(ring, jwk, len, "fuzz", NULL, &count, &e) != JWT_OK ||
        count != 1) {
        fprintf(stderr, "fuzz_token: cannot build the keyring: %s\n", e.message);
        abort();
    }
}

static void destroy_ring(void)
{
    jwt_header_memo_free(header_memo);
    apr_pool_destroy(ring_pool);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_apr_init();
    apr_pool_create(&ring_pool, NULL);
    atexit(destroy_ring);
    ring = jwt_keyring_make(ring_pool);
    header_memo = jwt_header_memo_new();
    if (header_memo == NULL)
        abort();
    add_or_die(fuzz_hs_jwk, sizeof(fuzz_hs_jwk) - 1);
    add_or_die(fuzz_ec_jwk, sizeof(fuzz_ec_jwk) - 1);
    return 0;
}

static int same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Twice through the memo: the first may hit or miss (the memo holds whatever header came
 * before), the second hits whenever the header was short enough to be remembered. */
static void check_memo_agrees(apr_pool_t *p, const uint8_t *data, size_t size,
                              jwt_code_t plain_rc, const jwt_token_t *plain)
{
    jwt_parse_opts_t o = { 0 };
    o.header_memo = header_memo;
    for (int i = 0; i < 2; i++) {
        jwt_token_t *t = NULL;
        jwt_err_t e;
        jwt_code_t rc = jwt_token_parse(p, (const char *)data, size, &o, &t, &e);
        FUZZ_ASSERT(rc == plain_rc);
        if (rc != JWT_OK)
            continue;
        FUZZ_ASSERT(t->alg == plain->alg && same_text(t->alg_name, plain->alg_name));
        FUZZ_ASSERT(same_text(t->kid, plain->kid) && same_text(t->typ, plain->typ));
        FUZZ_ASSERT(json_object_equal(t->header, plain->header));
        FUZZ_ASSERT(same_text(t->header_json, plain->header_json));
        FUZZ_ASSERT(json_object_equal(t->payload, plain->payload));
    }
}

static void check_claims(const jwt_token_t *t, apr_pool_t *p)
{
    jwt_claims_policy_t pol;
    jwt_err_t e;
    jwt_claims_policy_init(p, &pol);
    pol.now = 1795860312;
    pol.issuers = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.issuers, const char *) = "https://idp.example/";
    pol.audiences = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol.audiences, const char *) = "orders-api";
    pol.typ = "at+jwt";
    pol.max_lifetime = 7200;
    (void)jwt_claims_validate(t, &pol, &e);
    /* Each check on its own, as the admin page runs them. */
    (void)jwt_check_exp(t, &pol, &e);
    (void)jwt_check_nbf(t, &pol, &e);
    (void)jwt_check_iat(t, &pol, &e);
    (void)jwt_check_lifetime(t, &pol, &e);
    (void)jwt_check_iss(t, &pol, &e);
    (void)jwt_check_aud(t, &pol, &e);
    (void)jwt_claim_path(t->payload, "realm_access.roles");
    (void)jwt_claim_path(t->payload, "a.b.c");
    (void)jwt_claim_path(t->payload, "sub");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_token_t *t = NULL;
    jwt_err_t e;

    apr_pool_create(&p, NULL);
    jwt_code_t parsed = jwt_token_parse(p, (const char *)data, size, NULL, &t, &e);
    check_memo_agrees(p, data, size, parsed, t);
    if (parsed == JWT_OK) {
        FUZZ_ASSERT(t != NULL && t->header != NULL && t->payload != NULL);
        FUZZ_ASSERT(t->alg >= 0 && t->alg < JWT_ALG__COUNT);
        const jwt_key_t *used = NULL;
        jwt_code_t rc = jwt_token_verify(t, ring, JWT_ALGSET_ALL, &used, &e);
        if (rc == JWT_OK) {
            FUZZ_ASSERT(used != NULL && (used->algs & JWT_ALGSET(t->alg)) != 0);
            if (JWT_ALGSET(t->alg) & JWT_ALGSET_HMAC)
                FUZZ_ASSERT(used->kty == JWT_KTY_OCT);
        }
        /* With HMAC excluded, nothing verifies through the oct key. */
        used = NULL;
        if (jwt_token_verify(t, ring, JWT_ALGSET_ALL & ~JWT_ALGSET_HMAC, &used, &e) == JWT_OK)
            FUZZ_ASSERT(used != NULL && used->kty != JWT_KTY_OCT);
        check_claims(t, p);
    }
    jwt_err_clear_openssl();
    apr_pool_destroy(p);
    return 0;
}
