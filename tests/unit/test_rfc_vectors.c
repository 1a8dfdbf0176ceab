/* Unit tests: the worked examples of RFC 7515 (Appendix A.1-A.4), RFC 8037 (A.4, Ed25519)
 * and RFC 7520 (section 4.1-4.4), verified through the core exactly as published, and
 * re-signed where the algorithm is deterministic (HS256, RS256, Ed25519).
 * The data lives in tests/fixtures/rfc/ (see its README). The RFC payloads have exp in
 * 2011 or are plain text: only signatures are checked here, never claims. */
#include <string.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jws.h"
#include "jwt_b64.h"

#define R(name) "fixtures/rfc/" name

static jwt_keyring_t *ring_from(const char *rel)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    jwt_code_t rc = jwt_keys_from_file(ring, tu_path(rel), NULL, NULL, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", rel, e.message);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    return ring;
}

static jwt_key_t *first_key(jwt_keyring_t *ring)
{
    return APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
}

static char *read_jws(const char *rel)
{
    size_t len;
    char *s = tu_slurp(tu_path(rel), &len);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return s;
}

/* payload_any: some RFC payloads are plain text, not a JWT claim set. */
static jwt_token_t *parse_jws(const char *compact, int payload_any)
{
    jwt_parse_opts_t o = { 0 };
    o.payload_any = payload_any;
    jwt_token_t *t = NULL;
    jwt_err_t e;
    jwt_code_t rc = jwt_token_parse(tp, compact, strlen(compact), &o, &t, &e);
    ck_assert_msg(rc == JWT_OK, "parse: %s", e.message);
    return t;
}

/* Verify as published; then show the check has teeth: one changed signature byte fails. */
static jwt_token_t *verify_published(const char *jws_rel, jwt_keyring_t *ring, jwt_alg_t alg,
                                     int payload_any)
{
    char *compact = read_jws(jws_rel);
    jwt_token_t *t = parse_jws(compact, payload_any);
    const jwt_key_t *used = NULL;
    jwt_err_t e;
    ck_assert_int_eq(t->alg, alg);
    jwt_code_t rc = jwt_token_verify(t, ring, JWT_ALGSET_ALL, &used, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", jws_rel, e.message);
    ck_assert_ptr_eq(used, first_key(ring));

    unsigned char *bad = apr_pmemdup(tp, t->sig, t->sig_len);
    bad[t->sig_len / 2] ^= 0x01;
    ck_assert_code(jwt_verify_raw(alg, first_key(ring), (const unsigned char *)t->compact,
                                  t->signing_input_len, bad, t->sig_len, &e), JWT_ERR_SIGNATURE);
    return t;
}

/* Deterministic algorithms: our signature over the same input equals the published one. */
static void assert_resigns_exactly(const jwt_token_t *t, const jwt_key_t *key)
{
    unsigned char *sig;
    size_t sig_len;
    jwt_err_t e;
    ck_assert_code(jwt_sign_raw(tp, t->alg, key, (const unsigned char *)t->compact, t->signing_input_len,
                                &sig, &sig_len, &e), JWT_OK);
    ck_assert_str_eq(jwt_b64url_encode(tp, sig, sig_len), strrchr(t->compact, '.') + 1);
}

/* Randomised algorithms: our own signature over the same input verifies with the key. */
static void assert_signs_and_verifies(const jwt_token_t *t, const jwt_key_t *key)
{
    unsigned char *sig;
    size_t sig_len;
    jwt_err_t e;
    ck_assert_code(jwt_sign_raw(tp, t->alg, key, (const unsigned char *)t->compact, t->signing_input_len,
                                &sig, &sig_len, &e), JWT_OK);
    ck_assert_uint_eq(sig_len, t->sig_len);
    ck_assert_code(jwt_verify_raw(t->alg, key, (const unsigned char *)t->compact, t->signing_input_len,
                                  sig, sig_len, &e), JWT_OK);
}

START_TEST(test_rfc7515_a1_hs256)
{
    jwt_keyring_t *ring = ring_from(R("rfc7515-a1.jwk.json"));
    jwt_key_t *k = first_key(ring);
    ck_assert_uint_eq(k->secret_len, 64);
    ck_assert_uint_eq(k->algs, JWT_ALGSET_HMAC);
    jwt_token_t *t = verify_published(R("rfc7515-a1.jws"), ring, JWT_ALG_HS256, 0);
    /* the header and the JWT payload, with their CRLF line breaks, as in the RFC */
    ck_assert_str_eq(t->header_json, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
    ck_assert_str_eq(t->payload_json,
                     "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
    ck_assert_str_eq(t->typ, "JWT");
    assert_resigns_exactly(t, k);
    ck_assert_str_eq(strrchr(t->compact, '.') + 1, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}
END_TEST

START_TEST(test_rfc7515_a2_rs256)
{
    jwt_keyring_t *ring = ring_from(R("rfc7515-a2.jwk.json"));
    ck_assert_int_eq(first_key(ring)->bits, 2048);
    ck_assert_int_eq(first_key(ring)->can_sign, 1);
    jwt_token_t *t = verify_published(R("rfc7515-a2.jws"), ring, JWT_ALG_RS256, 0);
    assert_resigns_exactly(t, first_key(ring));      /* PKCS#1 v1.5 is deterministic */
}
END_TEST

START_TEST(test_rfc7515_a3_es256)
{
    jwt_keyring_t *ring = ring_from(R("rfc7515-a3.jwk.json"));
    jwt_token_t *t = verify_published(R("rfc7515-a3.jws"), ring, JWT_ALG_ES256, 0);
    ck_assert_uint_eq(t->sig_len, 64);
    assert_signs_and_verifies(t, first_key(ring));
}
END_TEST

START_TEST(test_rfc7515_a4_es512)
{
    jwt_keyring_t *ring = ring_from(R("rfc7515-a4.jwk.json"));
    jwt_token_t *t = verify_published(R("rfc7515-a4.jws"), ring, JWT_ALG_ES512, 1);
    ck_assert_str_eq(t->payload_json, "Payload");
    ck_assert_uint_eq(t->sig_len, 132);
    assert_signs_and_verifies(t, first_key(ring));
    /* as a JWT (payload must be a JSON object) the same JWS is refused */
    const char *c = t->compact;
    jwt_token_t *t2;
    jwt_err_t e;
    ck_assert_code(jwt_token_parse(tp, c, strlen(c), NULL, &t2, &e), JWT_ERR_JSON);
}
END_TEST

START_TEST(test_rfc8037_a4_ed25519)
{
    jwt_keyring_t *ring = ring_from(R("rfc8037-a1.jwk.json"));
    jwt_key_t *k = first_key(ring);
    ck_assert_str_eq(k->crv, "Ed25519");
    jwt_token_t *t = verify_published(R("rfc8037-a4.jws"), ring, JWT_ALG_EDDSA, 1);
    ck_assert_str_eq(t->payload_json, "Example of Ed25519 signing");
    assert_resigns_exactly(t, k);                     /* Ed25519 is deterministic */
}
END_TEST

START_TEST(test_rfc7520_4_1_rs256)
{
    jwt_keyring_t *ring = ring_from(R("rfc7520-rsa.jwk.json"));
    jwt_token_t *t = verify_published(R("rfc7520-4.1.jws"), ring, JWT_ALG_RS256, 1);
    ck_assert_str_eq(t->kid, "bilbo.baggins@hobbiton.example");
    ck_assert_str_eq(t->payload_json,
                     "It\xe2\x80\x99s a dangerous business, Frodo, going out your door. You step onto the "
                     "road, and if you don't keep your feet, there\xe2\x80\x99s no knowing where you might be "
                     "swept off to.");
    assert_resigns_exactly(t, first_key(ring));
}
END_TEST

START_TEST(test_rfc7520_4_2_ps384)
{
    jwt_keyring_t *ring = ring_from(R("rfc7520-rsa.jwk.json"));
    jwt_token_t *t = verify_published(R("rfc7520-4.2.jws"), ring, JWT_ALG_PS384, 1);
    assert_signs_and_verifies(t, first_key(ring));
}
END_TEST

START_TEST(test_rfc7520_4_3_es512)
{
    jwt_keyring_t *ring = ring_from(R("rfc7520-ec521.jwk.json"));
    jwt_token_t *t = verify_published(R("rfc7520-4.3.jws"), ring, JWT_ALG_ES512, 1);
    assert_signs_and_verifies(t, first_key(ring));
}
END_TEST

START_TEST(test_rfc7520_4_4_hs256)
{
    jwt_keyring_t *ring = ring_from(R("rfc7520-hmac.jwk.json"));
    ck_assert_uint_eq(first_key(ring)->algs, JWT_ALGSET(JWT_ALG_HS256));
    jwt_token_t *t = verify_published(R("rfc7520-4.4.jws"), ring, JWT_ALG_HS256, 1);
    assert_resigns_exactly(t, first_key(ring));
}
END_TEST

/* The same keys through the whole token path with the wrong alg allowed: refused. */
START_TEST(test_rfc_alg_allow_list)
{
    jwt_keyring_t *ring = ring_from(R("rfc7515-a2.jwk.json"));
    jwt_token_t *t = parse_jws(read_jws(R("rfc7515-a2.jws")), 0);
    jwt_err_t e;
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET(JWT_ALG_PS256), NULL, &e), JWT_ERR_ALG_NOT_ALLOWED);
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET(JWT_ALG_RS256), NULL, &e), JWT_OK);
}
END_TEST

Suite *suite_rfc_vectors(void)
{
    Suite *s = suite_create("rfc_vectors");
    TCase *tc = tcase_create("rfc_vectors");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_rfc7515_a1_hs256);
    tcase_add_test(tc, test_rfc7515_a2_rs256);
    tcase_add_test(tc, test_rfc7515_a3_es256);
    tcase_add_test(tc, test_rfc7515_a4_es512);
    tcase_add_test(tc, test_rfc8037_a4_ed25519);
    tcase_add_test(tc, test_rfc7520_4_1_rs256);
    tcase_add_test(tc, test_rfc7520_4_2_ps384);
    tcase_add_test(tc, test_rfc7520_4_3_es512);
    tcase_add_test(tc, test_rfc7520_4_4_hs256);
    tcase_add_test(tc, test_rfc_alg_allow_list);
    suite_add_tcase(s, tc);
    return s;
}
