/* Unit tests: the worked examples of RFC 7515 (Appendix A.1-A.4), RFC 8037 (A.4, Ed25519)
 * and RFC 7520 (section 4.1-4.4), verified through the core exactly as published, and
 * re-signed where the algorithm is deterministic (HS256, RS256, Ed25519); and RFC 4231's
 * HMAC cases with keys longer than the hash block.
 * The data lives in tests/fixtures/rfc/ (see its README). The RFC payloads have exp in
 * 2011 or are plain text: only signatures are checked here, never claims. */
#include <stdio.h>
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

/* RFC 4231 4.7 and 4.8 (test cases 6 and 7): a 131-byte key, longer than every hash's
 * block, is hashed first (RFC 2104 2). Keys of exactly one block and one byte more check
 * the boundary; those tags were computed with Python's hmac module, another implementation
 * than OpenSSL's. Each tag is produced by jwt_sign_raw, verified by jwt_verify_raw, and
 * refused with one bit flipped. */
typedef struct {
    jwt_alg_t alg;
    size_t key_len;                    /* 131: 0xaa repeated (RFC 4231); else i*7+3 */
    const char *data, *tag_hex;
} hmac_vector_t;

static const char rfc4231_6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
static const char rfc4231_7[] = "This is a test using a larger than block-size key and a larger "
                                "than block-size data. The key needs to be hashed before being "
                                "used by the HMAC algorithm.";

static const hmac_vector_t hmac_vectors[] = {
    { JWT_ALG_HS256, 131, rfc4231_6,
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
    { JWT_ALG_HS256, 131, rfc4231_7,
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
    { JWT_ALG_HS384, 131, rfc4231_6,
      "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
      "0c2ef6ab4030fe8296248df163f44952" },
    { JWT_ALG_HS384, 131, rfc4231_7,
      "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
      "a678cc31e799176d3860e6110c46523e" },
    { JWT_ALG_HS512, 131, rfc4231_6,
      "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
      "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
    { JWT_ALG_HS512, 131, rfc4231_7,
      "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
      "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
    { JWT_ALG_HS256, 64, "block boundary",
      "c96815486d45f0a945bee66b325e1065836cd41c0530331c47a7f05d26af3785" },
    { JWT_ALG_HS256, 65, "block boundary",
      "2f45d6bdd6c9db6eb09375b7c4d0bb84ef8cd5e1b20a5045c831f73c977031a3" },
    { JWT_ALG_HS384, 128, "block boundary",
      "5a121d9c624cc114793404e2b347e6e802c7a67d3dca7d829f6b42c5f532690a"
      "531843da25df49b548ac9f642c062736" },
    { JWT_ALG_HS384, 129, "block boundary",
      "9c56eafa1a97832aad0be21e7341a20ed22c88713f069bb44c7c69e884a096e6"
      "8576982117be196ce48ffeb30c334e8c" },
    { JWT_ALG_HS512, 128, "block boundary",
      "c9b895f34f7d51622e848dd6e21d08c1353ca87714734ca963d7d3de32abef5d"
      "bf326eed76e671b20ff91b3706954d27a789d9f279957cc193cc4d76f1149fa3" },
    { JWT_ALG_HS512, 129, "block boundary",
      "1be4024278478da6b96cfe9b6ca911e3f60fc9ccbf688e66073cc1d9e003a383"
      "2fd9785bb63bc5ea0e03c0dc9ac5e7eee2e5bbeb931e94ab72429b123ebe7e41" },
};

START_TEST(test_rfc4231_long_keys)
{
    const hmac_vector_t *v = &hmac_vectors[_i];
    unsigned char k[131], want[64], *sig = NULL;
    size_t sig_len = 0, want_len = strlen(v->tag_hex) / 2;
    for (size_t i = 0; i < v->key_len; i++)
        k[i] = v->key_len == 131 ? 0xaa : (unsigned char)((i * 7 + 3) & 0xff);
    for (size_t i = 0; i < want_len; i++) {
        unsigned int byte;
        ck_assert_int_eq(sscanf(v->tag_hex + 2 * i, "%2x", &byte), 1);
        want[i] = (unsigned char)byte;
    }
    jwt_key_t *key = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_key_from_secret(tp, k, v->key_len, NULL, "rfc4231", &key, &e), JWT_OK);
    const unsigned char *data = (const unsigned char *)v->data;
    size_t len = strlen(v->data);
    ck_assert_code(jwt_sign_raw(tp, v->alg, key, data, len, &sig, &sig_len, &e), JWT_OK);
    ck_assert_uint_eq(sig_len, want_len);
    ck_assert_msg(memcmp(sig, want, want_len) == 0, "vector %d: tag differs", _i);
    /* twice: the second tag comes from the ready pad states the first one made */
    ck_assert_code(jwt_verify_raw(v->alg, key, data, len, want, want_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(v->alg, key, data, len, want, want_len, &e), JWT_OK);
    want[want_len - 1] ^= 1;
    ck_assert_code(jwt_verify_raw(v->alg, key, data, len, want, want_len, &e), JWT_ERR_SIGNATURE);
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
    tcase_add_loop_test(tc, test_rfc4231_long_keys, 0,
                        (int)(sizeof(hmac_vectors) / sizeof(hmac_vectors[0])));
    suite_add_tcase(s, tc);
    return s;
}
