/* JWE core: RFC 7516 Appendix A and RFC 7520 section 5 examples decrypt to their published
 * plaintexts (or are refused where we refuse the algorithm), every alg x enc pair round
 * trips through our encrypter and decrypter, and decryption-key import. */
#include <string.h>
#include <json-c/json.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jwe.h"
#include "jwt_json.h"

/* RFC 7516 A.1: RSA-OAEP + A256GCM, with the A.1.3 key. */
static const char a1_token[] =
    "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ."
    "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
    "ipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDb"
    "Sv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaV"
    "mqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je8"
    "1860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi"
    "6UklfCpIMfIjf7iGdXKHzg."
    "48V1_ALb6US04U3b."
    "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji"
    "SdiwkIr3ajwQzaBtQD_A."
    "XFBoMYUZodetZdvTiFvSkQ";
static const char a1_key[] =
    "{\"kty\":\"RSA\","
    "\"n\":\"oahUIoWw0K0usKNuOR6H4wkf4oBUXHTxRvgb48E-BVvxkeDNjbC4he8rUWcJoZmds2h7M70imEVhRU5djINXtqllXI4D"
    "FqcI1DgjT9LewND8MW2Krf3Spsk_ZkoFnilakGygTwpZ3uesH-PFABNIUYpOiN15dsQRkgr0vEhxN92i2asbOenSZeyaxziK72Uw"
    "xrrKoExv6kc5twXTq4h-QChLOln0_mtUZwfsRaMStPs6mS6XrgxnxbWhojf663tuEQueGC-FCMfra36C9knDFGzKsNa7LZK2djYg"
    "yD3JR_MB_4NUJW_TqOQtwHYbxevoJArm-L5StowjzGy-_bq6Gw\","
    "\"e\":\"AQAB\","
    "\"d\":\"kLdtIj6GbDks_ApCSTYQtelcNttlKiOyPzMrXHeI-yk1F7-kpDxY4-WY5NWV5KntaEeXS1j82E375xxhWMHXyvjYecPT"
    "9fpwR_M9gV8n9Hrh2anTpTD93Dt62ypW3yDsJzBnTnrYu1iwWRgBKrEYY46qAZIrA2xAwnm2X7uGR1hghkqDp0Vqj3kbSCz1XyfC"
    "s6_LehBwtxHIyh8Ripy40p24moOAbgxVw3rxT_vlt3UVe4WO3JkJOzlpUf-KTVI2Ptgm-dARxTEtE-id-4OJr0h-K-VFs3VSndVT"
    "IznSxfyrj8ILL6MG_Uv8YAu7VILSB3lOW085-4qE3DzgrTjgyQ\","
    "\"p\":\"1r52Xk46c-LsfB5P442p7atdPUrxQSy4mti_tZI3Mgf2EuFVbUoDBvaRQ-SWxkbkmoEzL7JXroSBjSrK3YIQgYdMgyAEPT"
    "PjXv_hI2_1eTSPVZfzL0lffNn03IXqWF5MDFuoUYE0hzb2vhrlN_rKrbfDIwUbTrjjgieRbwC6Cl0\","
    "\"q\":\"wLb35x7hmQWZsWJmB_vle87ihgZ19S8lBEROLIsZG4ayZVe9Hi9gDVCOBmUDdaDYVTSNx_8Fyw1YYa9XGrGnDew00J28cR"
    "UoeBB_jKI1oma0Orv1T9aXIWxKwd4gvxFImOWr3QRL9KEBRzk2RatUBnmDZJTIAfwTs0g68UZHvtc\","
    "\"dp\":\"ZK-YwE7diUh0qR1tR7w8WHtolDx3MZ_OTowiFvgfeQ3SiresXjm9gZ5KLhMXvo-uz-KUJWDxS5pFQ_M0evdo1dKiRTjV"
    "w_x4NyqyXPM5nULPkcpU827rnpZzAJKpdhWAgqrXGKAECQH0Xt4taznjnd_zVpAmZZq60WPMBMfKcuE\","
    "\"dq\":\"Dq0gfgJ1DdFGXiLvQEZnuKEN0UUmsJBxkjydc3j4ZYdBiMRAy86x0vHCjywcMlYYg4yoC4YZa9hNVcsjqA3FeiL19rk8"
    "g6Qn29Tt0cj8qqyFpz9vNDBUfCAiJVeESOjJDZPYHdHY8v1b-o-Z2X5tvLx-TCekf7oxyeKDUqKWjis\","
    "\"qi\":\"VIMpMYbPf47dT1w_zDUXfPimsSegnMOA1zTaX7aGk_8urY6R8-ZW1FxU7AlWAyLWybqq6t16VFd7hQd0y6flUK4SlOyd"
    "B61gwanOsXGOAOv82cHq0E3eL4HrtZkUuKvnPrMnsUUFlfUdybVzxyjz9JF_XyaY14ardLSjf4L_FNY\"}";

/* RFC 7516 A.3: A128KW + A128CBC-HS256. */
static const char a3_token[] =
    "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0."
    "6KB707dM9YTIgHtLvtgWQ8mKwboJW3of9locizkDTHzBC2IlrT1oOQ."
    "AxY8DCtDaGlsbGljb3RoZQ."
    "KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY."
    "U0m_YmjN04DJvceFICbCVQ";
static const char a3_key[] = "{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";

static jwt_jwe_keyring_t *ring_from(const char *text)
{
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(tp);
    jwt_err_t e;
    jwt_code_t rc = jwt_jwe_keys_from_buffer(ring, text, strlen(text), "test", NULL, 0, NULL, &e);
    ck_assert_msg(rc == JWT_OK, "key import: %s: %s", jwt_code_name(rc), e.message);
    return ring;
}

static jwt_code_t dec(const char *tok, const jwt_jwe_keyring_t *ring, jwt_jwe_t **out,
                      jwt_err_t *e)
{
    return jwt_jwe_decrypt(tp, tok, strlen(tok), ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL,
                           NULL, out, e);
}

START_TEST(rfc7516_a1_rsa_oaep_a256gcm)
{
    jwt_jwe_t *j;
    jwt_err_t e;
    jwt_code_t rc = dec(a1_token, ring_from(a1_key), &j, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", jwt_code_name(rc), e.message);
    ck_assert_str_eq((const char *)j->plaintext,
                     "The true sign of intelligence is not knowledge but imagination.");
    ck_assert_int_eq(j->alg, JWT_JWE_RSA_OAEP);
    ck_assert_int_eq(j->enc, JWT_JWE_A256GCM);
    ck_assert_int_eq(j->symmetric, 0);
    /* one bit of the tag flipped */
    char *bad = apr_pstrdup(tp, a1_token);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'k' ? 'l' : 'k';
    ck_assert_code(dec(bad, ring_from(a1_key), &j, &e), JWT_ERR_DECRYPT);
}
END_TEST

START_TEST(rfc7516_a2_rsa1_5_refused)
{
    /* A.2's header: RSA1_5 is refused before any key is touched (Bleichenbacher). */
    const char *tok = "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.AA.AxY8DCtDaGlsbGljb3RoZQ.AA.AA";
    jwt_jwe_t *j;
    jwt_err_t e;
    ck_assert_code(dec(tok, ring_from(a1_key), &j, &e), JWT_ERR_ALG_REFUSED);
}
END_TEST

START_TEST(rfc7516_a3_a128kw_cbc_hs256)
{
    jwt_jwe_t *j;
    jwt_err_t e;
    jwt_code_t rc = dec(a3_token, ring_from(a3_key), &j, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", jwt_code_name(rc), e.message);
    ck_assert_str_eq((const char *)j->plaintext, "Live long and prosper.");
    ck_assert_int_eq(j->symmetric, 1);
    /* the wrong 16-byte key: the AES key wrap integrity check fails */
    ck_assert_code(dec(a3_token, ring_from("{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"),
                       &j, &e), JWT_ERR_DECRYPT);
}
END_TEST

/* RFC 7520 section 5 (ietf-jose/cookbook JSON): index i of the table below. */
static const struct {
    const char *file;
    jwt_code_t want;
} rfc7520[] = {
    { "5_1", JWT_ERR_ALG_REFUSED },  /* RSA1_5 */
    { "5_2", JWT_OK },               /* RSA-OAEP + A256GCM */
    { "5_3", JWT_ERR_ALG_REFUSED },  /* PBES2-HS512+A256KW */
    { "5_4", JWT_OK },               /* ECDH-ES+A128KW + A128GCM, P-384 */
    { "5_5", JWT_OK },               /* ECDH-ES + A128CBC-HS256, P-256 */
    { "5_6", JWT_OK },               /* dir + A128GCM */
    { "5_7", JWT_OK },               /* A256GCMKW + A128CBC-HS256 */
    { "5_8", JWT_OK },               /* A128KW + A128GCM */
    { "5_9", JWT_ERR_ZIP },          /* A128KW + A128GCM, zip DEF */
    { "x25519_ecdh-es", JWT_OK },    /* ECDH-ES X25519 + A128GCM (cookbook curve25519/) */
};

START_TEST(rfc7520_examples)
{
    size_t len;
    const char *path = tu_path(apr_psprintf(tp, "fixtures/jwe/rfc7520/%s.json", rfc7520[_i].file));
    char *text = tu_slurp(path, &len);
    json_object *doc, *input, *key, *output, *compact, *pt;
    jwt_err_t e;
    jwt_json_limits_t lim = { 1 << 20, 16 };
    ck_assert_code(jwt_json_parse_object(tp, text, len, &lim, &doc, &e), JWT_OK);
    ck_assert(json_object_object_get_ex(doc, "input", &input));
    ck_assert(json_object_object_get_ex(doc, "output", &output));
    ck_assert(json_object_object_get_ex(output, "compact", &compact));
    ck_assert(json_object_object_get_ex(input, "plaintext", &pt));
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(tp);
    if (json_object_object_get_ex(input, "key", &key)) {
        const char *kt = jwt_json_to_string(tp, key);
        jwt_code_t rc = jwt_jwe_keys_from_buffer(ring, kt, strlen(kt), path, NULL, 0, NULL, &e);
        ck_assert_msg(rc == JWT_OK, "%s key: %s: %s", rfc7520[_i].file, jwt_code_name(rc), e.message);
    }
    jwt_jwe_t *j = NULL;
    jwt_code_t rc = dec(json_object_get_string(compact), ring, &j, &e);
    ck_assert_msg(rc == rfc7520[_i].want, "%s: got %s (%s), want %s", rfc7520[_i].file,
                  jwt_code_name(rc), e.message, jwt_code_name(rfc7520[_i].want));
    if (rc == JWT_OK) {
        ck_assert_uint_eq(j->plaintext_len, strlen(json_object_get_string(pt)));
        ck_assert_str_eq((const char *)j->plaintext, json_object_get_string(pt));
    }
}
END_TEST

/* ---- round trips through our own encrypter: every alg x enc ----------------------- */

static jwt_jwe_key_t *file_key(const char *rel, int allow_public)
{
    jwt_jwe_keyring_t *r = jwt_jwe_keyring_make(tp);
    jwt_err_t e;
    jwt_code_t rc = jwt_jwe_keys_from_file(r, tu_path(rel), NULL, allow_public, NULL, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s: %s", rel, jwt_code_name(rc), e.message);
    return APR_ARRAY_IDX(r->keys, 0, jwt_jwe_key_t *);
}

static jwt_jwe_key_t *secret_key(size_t len)
{
    unsigned char buf[64];
    jwt_jwe_key_t *k;
    jwt_err_t e;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(i * 7 + len);
    ck_assert_code(jwt_jwe_key_from_secret(tp, buf, len, NULL, "test", &k, &e), JWT_OK);
    return k;
}

static void roundtrip(jwt_jwe_key_t *key, jwt_jwe_alg_t alg, jwt_jwe_enc_t enc)
{
    const char *msg = "{\"sub\":\"alice\",\"n\":42}";
    char *tok;
    jwt_err_t e;
    jwt_code_t rc = jwt_jwe_encrypt(tp, (const unsigned char *)msg, strlen(msg), key, alg, enc,
                                    "JWT", &tok, &e);
    ck_assert_msg(rc == JWT_OK, "%s/%s encrypt: %s: %s", jwt_jwe_alg_name(alg),
                  jwt_jwe_enc_name(enc), jwt_code_name(rc), e.message);
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(tp);
    ck_assert_code(jwt_jwe_keyring_add(ring, key, &e), JWT_OK);
    jwt_jwe_t *j;
    rc = jwt_jwe_decrypt(tp, tok, strlen(tok), ring, JWT_JWE_SET(alg), JWT_JWE_SET(enc), NULL, &j, &e);
    ck_assert_msg(rc == JWT_OK, "%s/%s decrypt: %s: %s", jwt_jwe_alg_name(alg),
                  jwt_jwe_enc_name(enc), jwt_code_name(rc), e.message);
    ck_assert_str_eq((const char *)j->plaintext, msg);
    ck_assert(jwt_jwe_is_nested(j));
    ck_assert_int_eq(j->symmetric, jwt_jwe_alg_is_symmetric(alg));
}

START_TEST(roundtrip_all_pairs)
{
    jwt_jwe_key_t *rsa = file_key("fixtures/keys/rsa2048.pem", 0);
    jwt_jwe_key_t *ecs[] = { file_key("fixtures/keys/ec256.pem", 0), file_key("fixtures/keys/ec384.pem", 0),
                             file_key("fixtures/keys/ec521.pem", 0), file_key("fixtures/jwe/x25519.pem", 0),
                             file_key("fixtures/jwe/x448.pem", 0) };
    for (int enc = 0; enc < JWT_JWE_ENC__COUNT; enc++) {
        size_t cl = jwt_jwe_enc_cek_len((jwt_jwe_enc_t)enc);
        roundtrip(rsa, JWT_JWE_RSA_OAEP, (jwt_jwe_enc_t)enc);
        roundtrip(rsa, JWT_JWE_RSA_OAEP_256, (jwt_jwe_enc_t)enc);
        for (size_t c = 0; c < sizeof(ecs) / sizeof(ecs[0]); c++)
            for (int a = JWT_JWE_ECDH_ES; a <= JWT_JWE_ECDH_ES_A256KW; a++)
                roundtrip(ecs[c], (jwt_jwe_alg_t)a, (jwt_jwe_enc_t)enc);
        for (int i = 0; i < 3; i++) {
            roundtrip(secret_key(16 + 8 * (size_t)i), (jwt_jwe_alg_t)(JWT_JWE_A128KW + i), (jwt_jwe_enc_t)enc);
            roundtrip(secret_key(16 + 8 * (size_t)i), (jwt_jwe_alg_t)(JWT_JWE_A128GCMKW + i), (jwt_jwe_enc_t)enc);
        }
        roundtrip(secret_key(cl), JWT_JWE_DIR, (jwt_jwe_enc_t)enc);
    }
}
END_TEST

START_TEST(key_import_rules)
{
    jwt_jwe_keyring_t *r = jwt_jwe_keyring_make(tp);
    jwt_err_t e;
    const char *sig = "{\"kty\":\"oct\",\"use\":\"sig\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";
    const char *short_k = "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAA\"}";          /* 15 bytes */
    const char *odd_k = "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";    /* 20 bytes */
    const char *wrong_alg = "{\"kty\":\"oct\",\"alg\":\"A256KW\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";
    const char *jws_alg = "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";
    ck_assert_code(jwt_jwe_keys_from_buffer(r, sig, strlen(sig), "t", NULL, 0, NULL, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(jwt_jwe_keys_from_buffer(r, short_k, strlen(short_k), "t", NULL, 0, NULL, &e), JWT_ERR_KEY_WEAK);
    ck_assert_code(jwt_jwe_keys_from_buffer(r, odd_k, strlen(odd_k), "t", NULL, 0, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(jwt_jwe_keys_from_buffer(r, wrong_alg, strlen(wrong_alg), "t", NULL, 0, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(jwt_jwe_keys_from_buffer(r, jws_alg, strlen(jws_alg), "t", NULL, 0, NULL, &e), JWT_ERR_KEY_UNSUPPORTED);
    /* a public key cannot go into a decryption keyring, but may be a recipient */
    ck_assert_code(jwt_jwe_keys_from_file(r, tu_path("fixtures/keys/rsa2048.pub.pem"), NULL, 0, NULL, &e),
                   JWT_ERR_KEY_INVALID);
    ck_assert_code(jwt_jwe_keys_from_file(r, tu_path("fixtures/keys/rsa2048.pub.pem"), NULL, 1, NULL, &e),
                   JWT_OK);
    ck_assert_code(jwt_jwe_keys_from_file(r, tu_path("fixtures/keys/ed25519.pem"), NULL, 0, NULL, &e),
                   JWT_ERR_KEY_UNSUPPORTED);
    ck_assert_int_eq(jwt_jwe_keyring_count(r), 1);
    /* a JWKS: signature members skipped, kids unique */
    const char *set = "{\"keys\":[{\"kty\":\"oct\",\"use\":\"sig\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"},"
                      "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}]}";
    int n = 0;
    ck_assert_code(jwt_jwe_keys_from_buffer(r, set, strlen(set), "t", NULL, 0, &n, &e), JWT_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_code(jwt_jwe_keys_from_buffer(r, set, strlen(set), "t", NULL, 0, &n, &e), JWT_ERR_KEY_DUPLICATE_KID);
}
END_TEST

START_TEST(algset_names)
{
    jwt_jwe_algset_t a;
    jwt_jwe_encset_t s;
    jwt_err_t e;
    ck_assert_code(jwt_jwe_algset_parse("RSA-OAEP-256, ECDH-ES+A256KW dir", &a, &e), JWT_OK);
    ck_assert_str_eq(jwt_jwe_algset_format(tp, a), "RSA-OAEP-256 ECDH-ES+A256KW dir");
    ck_assert_code(jwt_jwe_algset_parse("RSA1_5", &a, &e), JWT_ERR_ALG_REFUSED);
    ck_assert_code(jwt_jwe_algset_parse("PBES2-HS256+A128KW", &a, &e), JWT_ERR_ALG_REFUSED);
    ck_assert_code(jwt_jwe_algset_parse("RS256", &a, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_code(jwt_jwe_algset_parse("NONE", &a, &e), JWT_ERR_ALG_NONE);
    ck_assert_code(jwt_jwe_encset_parse("A256GCM A128CBC-HS256", &s, &e), JWT_OK);
    ck_assert_str_eq(jwt_jwe_encset_format(tp, s), "A256GCM A128CBC-HS256");
    ck_assert_code(jwt_jwe_encset_parse("A128CBC", &s, &e), JWT_ERR_ENC_UNSUPPORTED);
}
END_TEST

Suite *suite_jwe(void)
{
    Suite *s = suite_create("jwe");
    TCase *tc = tcase_create("jwe");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rfc7516_a1_rsa_oaep_a256gcm);
    tcase_add_test(tc, rfc7516_a2_rsa1_5_refused);
    tcase_add_test(tc, rfc7516_a3_a128kw_cbc_hs256);
    tcase_add_loop_test(tc, rfc7520_examples, 0, (int)(sizeof(rfc7520) / sizeof(rfc7520[0])));
    tcase_add_test(tc, roundtrip_all_pairs);
    tcase_add_test(tc, key_import_rules);
    tcase_add_test(tc, algset_names);
    suite_add_tcase(s, tc);
    return s;
}
