/* Unit tests: algorithm names and sets (jwt_alg.c). */
#include <string.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_alg.h"

START_TEST(test_every_name_roundtrips)
{
    static const char *names[] = { "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                   "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                                   "EdDSA", "Ed25519", "Ed448" };
    ck_assert_int_eq((int)(sizeof(names) / sizeof(names[0])), JWT_ALG__COUNT);
    for (int i = 0; i < JWT_ALG__COUNT; i++) {
        jwt_alg_t a = JWT_ALG__COUNT;
        jwt_err_t e;
        ck_assert_code(jwt_alg_from_name(names[i], &a, &e), JWT_OK);
        ck_assert_int_eq(a, i);
        ck_assert_str_eq(jwt_alg_name(a), names[i]);
    }
    ck_assert_str_eq(jwt_alg_name(JWT_ALG__COUNT), "unknown");
}
END_TEST

START_TEST(test_names_case_sensitive)
{
    static const char *bad[] = { "hs256", "Hs256", "RS256 ", " RS256", "eddsa", "EDDSA",
                                 "ed25519", "ED448", "ES256K", "RS1", "HS", "", "RSA-OAEP",
                                 "PS256\n", "HS256\t" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        jwt_alg_t a;
        jwt_err_t e;
        ck_assert_code(jwt_alg_from_name(bad[i], &a, &e), JWT_ERR_ALG_UNSUPPORTED);
    }
}
END_TEST

START_TEST(test_none_any_case)
{
    static const char *nones[] = { "none", "None", "NONE", "nOnE", "noNe" };
    for (size_t i = 0; i < sizeof(nones) / sizeof(nones[0]); i++) {
        jwt_alg_t a;
        jwt_err_t e;
        ck_assert_code(jwt_alg_from_name(nones[i], &a, &e), JWT_ERR_ALG_NONE);
        ck_assert_int_eq(e.code, JWT_ERR_ALG_NONE);
    }
    jwt_alg_t a;
    jwt_err_t e;
    ck_assert_code(jwt_alg_from_name("none ", &a, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_code(jwt_alg_from_name("nonee", &a, &e), JWT_ERR_ALG_UNSUPPORTED);
}
END_TEST

START_TEST(test_unknown_name_message_sanitised)
{
    jwt_alg_t a;
    jwt_err_t e;
    ck_assert_code(jwt_alg_from_name("X\"Y\n\\Z", &a, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_str_eq(e.message, "unsupported algorithm \"X?Y??Z\"");
    char longname[200];
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ck_assert_code(jwt_alg_from_name(longname, &a, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_uint_lt(strlen(e.message), 80);
    ck_assert_code(jwt_alg_from_name(NULL, &a, &e), JWT_ERR_ARG);
}
END_TEST

START_TEST(test_hash_len)
{
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_HS256), 32);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_HS384), 48);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_HS512), 64);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_RS384), 48);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_PS512), 64);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_ES256), 32);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_ES512), 64);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_EDDSA), 0);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_ED25519), 0);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG_ED448), 0);
    ck_assert_uint_eq(jwt_alg_hash_len(JWT_ALG__COUNT), 0);
}
END_TEST

/* RFC 7518 3.2: an HS alg needs a key at least as long as its hash output (shared by the
 * key files' secrets, jwt_key.c, and the secrets file's alg-less entries, jwt_secrets.c). */
START_TEST(test_algset_hmac_for_len)
{
    const jwt_algset_t hs256 = JWT_ALGSET(JWT_ALG_HS256), hs384 = JWT_ALGSET(JWT_ALG_HS384),
                       hs512 = JWT_ALGSET(JWT_ALG_HS512);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(0), 0);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(31), 0);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(32), hs256);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(47), hs256);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(48), hs256 | hs384);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(63), hs256 | hs384);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(64), JWT_ALGSET_HMAC);
    ck_assert_uint_eq(jwt_algset_hmac_for_len(4096), JWT_ALGSET_HMAC);
    ck_assert_uint_eq(hs512 & jwt_algset_hmac_for_len(63), 0);
}
END_TEST

START_TEST(test_algset_parse_and_format)
{
    jwt_algset_t s = 0;
    jwt_err_t e;
    ck_assert_code(jwt_algset_parse("RS256 ES256 EdDSA", &s, &e), JWT_OK);
    ck_assert_uint_eq(s, JWT_ALGSET(JWT_ALG_RS256) | JWT_ALGSET(JWT_ALG_ES256) |
                         JWT_ALGSET(JWT_ALG_EDDSA));
    ck_assert_str_eq(jwt_algset_format(tp, s), "RS256 ES256 EdDSA");

    ck_assert_code(jwt_algset_parse(" HS512,HS256 , , HS384  ", &s, &e), JWT_OK);
    ck_assert_uint_eq(s, JWT_ALGSET_HMAC);
    ck_assert_str_eq(jwt_algset_format(tp, s), "HS256 HS384 HS512");

    ck_assert_code(jwt_algset_parse("ES256 ES256", &s, &e), JWT_OK);
    ck_assert_uint_eq(s, JWT_ALGSET(JWT_ALG_ES256));

    ck_assert_str_eq(jwt_algset_format(tp, 0), "");
    ck_assert_str_eq(jwt_algset_format(tp, JWT_ALGSET_ALL),
                     "HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 "
                     "ES256 ES384 ES512 EdDSA Ed25519 Ed448");
    /* Every format parses back to the same set. */
    for (jwt_algset_t t = 1; t <= JWT_ALGSET_ALL; t = t * 3 + 1) {
        jwt_algset_t back = 0;
        jwt_algset_t want = t & JWT_ALGSET_ALL;
        if (want == 0)
            continue;
        ck_assert_code(jwt_algset_parse(jwt_algset_format(tp, want), &back, &e), JWT_OK);
        ck_assert_uint_eq(back, want);
    }
}
END_TEST

START_TEST(test_algset_refusals)
{
    jwt_algset_t s = 12345;
    jwt_err_t e;
    ck_assert_code(jwt_algset_parse("RS256 none", &s, &e), JWT_ERR_ALG_NONE);
    ck_assert_uint_eq(s, 12345);
    ck_assert_code(jwt_algset_parse("NONE", &s, &e), JWT_ERR_ALG_NONE);
    ck_assert_code(jwt_algset_parse("RS256 rs384", &s, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_msg(strstr(e.message, "\"rs384\"") != NULL, "message: %s", e.message);
    ck_assert_code(jwt_algset_parse("ES256,ES256K", &s, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_msg(strstr(e.message, "\"ES256K\"") != NULL, "message: %s", e.message);
    ck_assert_code(jwt_algset_parse("", &s, &e), JWT_ERR_ARG);
    ck_assert_code(jwt_algset_parse(" , ", &s, &e), JWT_ERR_ARG);
    ck_assert_code(jwt_algset_parse(NULL, &s, &e), JWT_ERR_ARG);
    ck_assert_uint_eq(s, 12345);
}
END_TEST

Suite *suite_alg(void)
{
    Suite *s = suite_create("alg");
    TCase *tc = tcase_create("alg");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_every_name_roundtrips);
    tcase_add_test(tc, test_names_case_sensitive);
    tcase_add_test(tc, test_none_any_case);
    tcase_add_test(tc, test_unknown_name_message_sanitised);
    tcase_add_test(tc, test_hash_len);
    tcase_add_test(tc, test_algset_hmac_for_len);
    tcase_add_test(tc, test_algset_parse_and_format);
    tcase_add_test(tc, test_algset_refusals);
    suite_add_tcase(s, tc);
    return s;
}
