/* Unit tests: DPoP proof verification (jwt_dpop.c, RFC 9449 4.3) and htu normalisation.
 * Proofs are signed here with fixture keys through jwt_sign_raw; the integration tests
 * (tests/integration/dpop.test.js) use proofs made by npm dpop and jose. */
#include <string.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_dpop.h"
#include "jwt_jws.h"
#include "jwt_key.h"
#include "jwt_b64.h"

#define NOW 1795860000
#define TOKEN "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"
#define URL "https://api.example/orders"

static jwt_key_t *key_from(const char *rel)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_msg(jwt_keys_from_file(ring, tu_path(rel), NULL, NULL, &e) == JWT_OK, "%s", e.message);
    return APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
}

static const char *pub_jwk(const jwt_key_t *k)
{
    json_object *o;
    jwt_err_t e;
    ck_assert_int_eq(jwt_key_public_jwk(tp, k, &o, &e), JWT_OK);
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

static const char *ath_of(const char *token)
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
    return jwt_b64url_encode(tp, md, n);
}

static const char *b64(const char *s)
{
    return jwt_b64url_encode(tp, (const unsigned char *)s, strlen(s));
}

static const char *sign(jwt_alg_t alg, const jwt_key_t *k, const char *header, const char *payload)
{
    const char *input = apr_pstrcat(tp, b64(header), ".", b64(payload), NULL);
    unsigned char *sig;
    size_t n;
    jwt_err_t e;
    ck_assert_msg(jwt_sign_raw(tp, alg, k, (const unsigned char *)input, strlen(input), &sig, &n, &e)
                  == JWT_OK, "%s", e.message);
    return apr_pstrcat(tp, input, ".", jwt_b64url_encode(tp, sig, n), NULL);
}

static jwt_dpop_req_t req_for(const jwt_key_t *k)
{
    jwt_dpop_req_t r;
    jwt_err_t e;
    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.url = URL;
    r.access_token = TOKEN;
    r.token_len = strlen(TOKEN);
    r.jkt = jwt_key_thumbprint(tp, k, &e);
    r.algs = JWT_ALGSET_ALL;
    r.now = NOW;
    r.max_age = 60;
    r.leeway = 5;
    return r;
}

static const char *payload(const char *htm, const char *htu, apr_int64_t iat, const char *ath)
{
    return apr_psprintf(tp, "{\"jti\":\"j-1\",\"htm\":\"%s\",\"htu\":\"%s\",\"iat\":%" APR_INT64_T_FMT ",\"ath\":\"%s\"}",
                        htm, htu, iat, ath);
}

/* valid_proof and hostile_proofs run twice: without a memo (_i 0) and with one memo that
 * every check of the test goes through (_i 1), as the proofs of one connection do: every
 * verdict and message must be the same. */
static jwt_dpop_memo_t *memo_in_use;

static void use_memo(int on)
{
    memo_in_use = on ? jwt_dpop_memo_make(tp) : NULL;
    if (on)
        ck_assert_ptr_nonnull(memo_in_use);
}

static jwt_code_t check(const char *proof, const jwt_dpop_req_t *r, const char *want_msg)
{
    jwt_dpop_proof_t out;
    jwt_dpop_req_t with = *r;
    jwt_err_t e;
    jwt_code_t rc;
    jwt_err_clear(&e);
    with.memo = memo_in_use;
    rc = jwt_dpop_verify(tp, proof, strlen(proof), &with, &out, &e);
    if (want_msg)
        ck_assert_msg(strstr(e.message, want_msg) != NULL, "message '%s' lacks '%s'", e.message, want_msg);
    return rc;
}

START_TEST(valid_proof)
{
    use_memo(_i);
    jwt_key_t *k = key_from("fixtures/keys/ec256.pem");
    jwt_dpop_req_t r = req_for(k);
    const char *hdr = apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", pub_jwk(k), "}", NULL);
    const char *proof = sign(JWT_ALG_ES256, k, hdr, payload("GET", URL, NOW, ath_of(TOKEN)));
    jwt_dpop_proof_t out;
    jwt_err_t e;
    r.memo = memo_in_use;
    ck_assert_msg(jwt_dpop_verify(tp, proof, strlen(proof), &r, &out, &e) == JWT_OK, "%s", e.message);
    ck_assert_str_eq(out.jti, "j-1");
    ck_assert_int_eq(out.iat, NOW);
    ck_assert_str_eq(out.jkt, r.jkt);
    /* the URL compares normalised, query and fragment ignored */
    proof = sign(JWT_ALG_ES256, k, hdr, payload("GET", "HTTPS://API.example:443/orders?x=1#f", NOW - 60, ath_of(TOKEN)));
    ck_assert_int_eq(check(proof, &r, NULL), JWT_OK);
    /* EdDSA and RSA keys too */
    k = key_from("fixtures/keys/ed25519.pem");
    r = req_for(k);
    proof = sign(JWT_ALG_EDDSA, k, apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"jwk\":", pub_jwk(k), "}", NULL),
                 payload("GET", URL, NOW, ath_of(TOKEN)));
    ck_assert_int_eq(check(proof, &r, NULL), JWT_OK);
    k = key_from("fixtures/keys/rsa2048.pem");
    r = req_for(k);
    proof = sign(JWT_ALG_PS256, k, apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"PS256\",\"jwk\":", pub_jwk(k), "}", NULL),
                 payload("GET", URL, NOW, ath_of(TOKEN)));
    ck_assert_int_eq(check(proof, &r, NULL), JWT_OK);
}
END_TEST

START_TEST(hostile_proofs)
{
    use_memo(_i);
    jwt_key_t *k = key_from("fixtures/keys/ec256.pem"), *other = key_from("fixtures/keys/ec384.pem");
    jwt_key_t *hs;
    jwt_dpop_req_t r = req_for(k);
    const char *jwk = pub_jwk(k), *good = payload("GET", URL, NOW, ath_of(TOKEN));
    const char *hdr = apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", jwk, "}", NULL);
    const char *priv;
    json_object *o;
    jwt_err_t e;

    /* typ */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, apr_pstrcat(tp, "{\"alg\":\"ES256\",\"jwk\":", jwk, "}", NULL), good), &r, "typ"), JWT_ERR_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, apr_pstrcat(tp, "{\"typ\":\"JWT\",\"alg\":\"ES256\",\"jwk\":", jwk, "}", NULL), good), &r, "typ"), JWT_ERR_TYPE);
    /* symmetric alg, even with the allow-list allowing HS256 for tokens */
    ck_assert_int_eq(jwt_key_from_secret(tp, (const unsigned char *)"0123456789abcdef0123456789abcdef", 32, NULL, "t", &hs, &e), JWT_OK);
    ck_assert_int_eq(check(sign(JWT_ALG_HS256, hs, "{\"typ\":\"dpop+jwt\",\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}}", good), &r, "asymmetric"), JWT_ERR_ALG_NOT_ALLOWED);
    /* alg not in the allow-list */
    r.algs = JWT_ALGSET(JWT_ALG_EDDSA);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, good), &r, "ES256"), JWT_ERR_ALG_NOT_ALLOWED);
    r.algs = JWT_ALGSET_ALL;
    /* no jwk; a private jwk (each private member) */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}", good), &r, "jwk"), JWT_ERR_HEADER);
    o = json_tokener_parse(jwk);
    json_object_object_add(o, "d", json_object_new_string("AAAA"));
    priv = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", priv, "}", NULL), good), &r, "private member \"d\""), JWT_ERR_HEADER);
    json_object_put(o);
    /* signed by another key than the jwk's */
    ck_assert_int_eq(check(sign(JWT_ALG_ES384, other, apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES384\",\"jwk\":", jwk, "}", NULL), good), &r, NULL) == JWT_OK, 0);
    /* htm, htu */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("POST", URL, NOW, ath_of(TOKEN))), &r, "htm"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("get", URL, NOW, ath_of(TOKEN))), &r, "htm"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", "https://api.example/orders/1", NOW, ath_of(TOKEN))), &r, "htu"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", "http://api.example/orders", NOW, ath_of(TOKEN))), &r, "htu"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", "https://api.example:8443/orders", NOW, ath_of(TOKEN))), &r, "htu"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", "https://evil.example/orders", NOW, ath_of(TOKEN))), &r, "htu"), JWT_ERR_CLAIM_TYPE);
    /* iat: stale, future; within the window and leeway passes */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", URL, NOW - 66, ath_of(TOKEN))), &r, "older"), JWT_ERR_EXPIRED);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", URL, NOW + 6, ath_of(TOKEN))), &r, "future"), JWT_ERR_IAT_FUTURE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", URL, NOW + 5, ath_of(TOKEN))), &r, NULL), JWT_OK);
    /* ath of another token, no ath */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, payload("GET", URL, NOW, ath_of(TOKEN "x"))), &r, "ath"), JWT_ERR_CLAIM_TYPE);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, apr_psprintf(tp, "{\"jti\":\"a\",\"htm\":\"GET\",\"htu\":\"%s\",\"iat\":%d}", URL, NOW)), &r, "ath"), JWT_ERR_CLAIM_MISSING);
    /* no jti; iat a string */
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, apr_psprintf(tp, "{\"htm\":\"GET\",\"htu\":\"%s\",\"iat\":%d,\"ath\":\"%s\"}", URL, NOW, ath_of(TOKEN))), &r, "jti"), JWT_ERR_CLAIM_MISSING);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, apr_psprintf(tp, "{\"jti\":\"a\",\"htm\":\"GET\",\"htu\":\"%s\",\"iat\":\"%d\",\"ath\":\"%s\"}", URL, NOW, ath_of(TOKEN))), &r, "iat"), JWT_ERR_CLAIM_MISSING);
    /* the token is bound to another key */
    r.jkt = jwt_key_thumbprint(tp, other, &e);
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, good), &r, "cnf.jkt"), JWT_ERR_SIGNATURE);
    r.jkt = NULL;
    ck_assert_int_eq(check(sign(JWT_ALG_ES256, k, hdr, good), &r, "cnf.jkt"), JWT_ERR_SIGNATURE);
    /* not a JWS; alg none */
    r = req_for(k);
    ck_assert_int_eq(check("not.a.proof", &r, NULL) == JWT_OK, 0);
    ck_assert_int_eq(check(apr_pstrcat(tp, b64("{\"typ\":\"dpop+jwt\",\"alg\":\"none\"}"), ".", b64(good), ".", NULL), &r, NULL) == JWT_OK, 0);
}
END_TEST

START_TEST(htu_normalised)
{
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://Server.Example.COM/a/b?x#y"), "https://server.example.com/a/b");
    ck_assert_str_eq(jwt_dpop_htu(tp, "HTTP://h:80"), "http://h/");
    ck_assert_str_eq(jwt_dpop_htu(tp, "http://h:8080/"), "http://h:8080/");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://h:0443/p"), "https://h/p");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://h:80/p"), "https://h:80/p");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://h/%7e%61%2f%2F"), "https://h/~a%2F%2F");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://[::1]:8443/x"), "https://[::1]:8443/x");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://[::1]/x"), "https://[::1]/x");
    ck_assert_str_eq(jwt_dpop_htu(tp, "https://h?q"), "https://h/");
    ck_assert_ptr_null(jwt_dpop_htu(tp, "ftp://h/"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, "https:///p"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, "https://u@h/p"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, "https://h:x/p"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, "https://h:123456/p"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, "/relative"));
    ck_assert_ptr_null(jwt_dpop_htu(tp, NULL));
}
END_TEST

/* One connection, two clients' keys taking turns (a gateway relaying several clients): each
 * proof is checked with its own jwk, never with the one the memo held before; a proof
 * whose header names key A but is signed by key B is refused even right after a good
 * proof of A; a token bound to A refuses B's good proof. */
START_TEST(memo_alternating_keys)
{
    jwt_key_t *a = key_from("fixtures/keys/ec256.pem"), *b = key_from("fixtures/keys/ed25519.pem");
    jwt_dpop_req_t ra = req_for(a), rb = req_for(b);
    const char *ha = apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", pub_jwk(a), "}", NULL);
    const char *hb = apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"jwk\":", pub_jwk(b), "}", NULL);
    const char *good = payload("GET", URL, NOW, ath_of(TOKEN));
    const char *pa = sign(JWT_ALG_ES256, a, ha, good), *pb = sign(JWT_ALG_EDDSA, b, hb, good);
    /* a's header, b's signature (the header says ES256: b cannot make that; so sign a
     * header naming a's jwk with alg EdDSA by b: the jwk does not allow EdDSA) */
    const char *forged = sign(JWT_ALG_EDDSA, b, apr_pstrcat(tp, "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"jwk\":", pub_jwk(a), "}", NULL), good);
    /* a's exact header with a signature by another P-256 key */
    jwt_key_t *a2 = key_from("fixtures/keys/ec256-b.pem");
    const char *spoof = sign(JWT_ALG_ES256, a2, ha, good);

    use_memo(1);
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(check(pa, &ra, NULL), JWT_OK);
        ck_assert_int_eq(check(spoof, &ra, "signature"), JWT_ERR_SIGNATURE);
        ck_assert_int_eq(check(pa, &ra, NULL), JWT_OK);
        ck_assert_int_eq(check(pb, &rb, NULL), JWT_OK);
        ck_assert_int_eq(check(pb, &ra, "cnf.jkt"), JWT_ERR_SIGNATURE);
        ck_assert_int_eq(check(pa, &rb, "cnf.jkt"), JWT_ERR_SIGNATURE);
        ck_assert_int_eq(check(forged, &ra, "cannot verify"), JWT_ERR_KEY_USAGE);
        ck_assert_int_eq(check(forged, &ra, "cannot verify"), JWT_ERR_KEY_USAGE);
    }
}
END_TEST

START_TEST(nonces)
{
    static const unsigned char key[32] = { 1, 2, 3 }, other[32] = { 9 };
    const char *n = jwt_dpop_nonce(tp, key, sizeof(key), 1000);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(strlen(n), 22);                  /* 16 bytes, base64url */
    ck_assert_str_ne(n, jwt_dpop_nonce(tp, key, sizeof(key), 1001));
    ck_assert_str_ne(n, jwt_dpop_nonce(tp, other, sizeof(other), 1000));
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1000, n), 1);
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1001, n), 1);   /* the previous one */
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1002, n), 0);   /* older */
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 999, n), 0);    /* from the future */
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, other, sizeof(other), 1000, n), 0);
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1000, NULL), 0);
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1000, ""), 0);
    ck_assert_int_eq(jwt_dpop_nonce_ok(tp, key, sizeof(key), 1000, apr_pstrndup(tp, n, 21)), 0);
}
END_TEST

Suite *suite_dpop(void)
{
    Suite *s = suite_create("dpop");
    TCase *tc = tcase_create("proof");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_loop_test(tc, valid_proof, 0, 2);
    tcase_add_loop_test(tc, hostile_proofs, 0, 2);
    tcase_add_test(tc, memo_alternating_keys);
    tcase_add_test(tc, htu_normalised);
    tcase_add_test(tc, nonces);
    suite_add_tcase(s, tc);
    return s;
}
