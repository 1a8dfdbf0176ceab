/* Unit tests: strict base64url (jwt_b64.c) and the error helpers (jwt_err.c). */
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_b64.h"

static jwt_code_t dec(const char *s, unsigned char **out, size_t *outlen, jwt_err_t *e)
{
    return jwt_b64url_decode(tp, s, strlen(s), out, outlen, e);
}

/* RFC 4648 section 10 vectors (base64url differs only in 62/63). */
START_TEST(test_rfc4648_vectors)
{
    static const struct { const char *plain, *enc; } v[] = {
        { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned char *out = NULL;
        size_t n = 99;
        jwt_err_t e;
        ck_assert_str_eq(jwt_b64url_encode(tp, (const unsigned char *)v[i].plain,
                                           strlen(v[i].plain)), v[i].enc);
        ck_assert_code(dec(v[i].enc, &out, &n, &e), JWT_OK);
        ck_assert_uint_eq(n, strlen(v[i].plain));
        ck_assert_mem_eq(out, v[i].plain, n);
        ck_assert_int_eq(out[n], '\0');
    }
}
END_TEST

START_TEST(test_url_alphabet)
{
    const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_str_eq(jwt_b64url_encode(tp, bytes, 3), "-_-_");
    ck_assert_code(dec("-_-_", &out, &n, &e), JWT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(out, bytes, 3);
}
END_TEST

/* RFC 7515 A.1 header bytes -> encoded header. */
START_TEST(test_rfc7515_header)
{
    const char *hdr = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
    ck_assert_str_eq(jwt_b64url_encode(tp, (const unsigned char *)hdr, strlen(hdr)),
                     "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
}
END_TEST

START_TEST(test_roundtrip_all_lengths)
{
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        char *enc = jwt_b64url_encode(tp, buf, len);
        unsigned char *out;
        size_t n;
        jwt_err_t e;
        ck_assert_uint_ne(strlen(enc) % 4, 1);
        ck_assert_ptr_null(strchr(enc, '='));
        ck_assert_code(dec(enc, &out, &n, &e), JWT_OK);
        ck_assert_uint_eq(n, len);
        if (len > 0)
            ck_assert_mem_eq(out, buf, len);
    }
}
END_TEST

/* Cross-check against OpenSSL's standard base64 (translated alphabet, padding removed). */
START_TEST(test_matches_openssl)
{
    unsigned char buf[64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(255 - i * 7);
    for (size_t len = 1; len <= sizeof(buf); len++) {
        unsigned char std[128];
        int m = EVP_EncodeBlock(std, buf, (int)len);
        while (m > 0 && std[m - 1] == '=')
            m--;
        for (int k = 0; k < m; k++) {
            if (std[k] == '+') std[k] = '-';
            else if (std[k] == '/') std[k] = '_';
        }
        std[m] = '\0';
        ck_assert_str_eq(jwt_b64url_encode(tp, buf, len), (char *)std);
    }
}
END_TEST

START_TEST(test_refuse_padding)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_code(dec("Zg==", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_int_eq(e.code, JWT_ERR_BASE64);
    ck_assert_code(dec("Zm8=", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("Zm9v====", &out, &n, &e), JWT_ERR_BASE64);
}
END_TEST

START_TEST(test_refuse_std_alphabet)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_code(dec("+/+/", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("ab+c", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("ab/c", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_msg(strstr(e.message, "0x2f") != NULL, "message: %s", e.message);
    ck_assert_msg(strstr(e.message, "offset 2") != NULL, "message: %s", e.message);
}
END_TEST

START_TEST(test_refuse_whitespace_and_controls)
{
    static const char *bad[] = { "Zm9v Yg", " Zm9v", "Zm9v\n", "Zm9v\r\nYmFy", "Zm\t9v",
                                 "Zm.v", "Zm9v.", "Zm9\x80", "\xff\xff\xff\xff" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *out;
        size_t n;
        jwt_err_t e;
        ck_assert_code(dec(bad[i], &out, &n, &e), JWT_ERR_BASE64);
    }
}
END_TEST

START_TEST(test_refuse_embedded_nul)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_code(jwt_b64url_decode(tp, "Zm\0v", 4, &out, &n, &e), JWT_ERR_BASE64);
}
END_TEST

START_TEST(test_refuse_len_mod4_1)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_code(dec("A", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("Zm9vY", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("Zm9vYmFyZ", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_msg(strstr(e.message, "length 9") != NULL, "message: %s", e.message);
}
END_TEST

START_TEST(test_refuse_nonzero_trailing_bits)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    /* "Zg" is canonical for "f"; "Zh".."Zv" decode to "f" with non-zero unused bits. */
    ck_assert_code(dec("Zg", &out, &n, &e), JWT_OK);
    ck_assert_code(dec("Zh", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("Zv", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_msg(strstr(e.message, "trailing bits") != NULL, "message: %s", e.message);
    /* 3-char group: 2 unused bits. "Zm8" canonical, "Zm9" / "Zm-" not. */
    ck_assert_code(dec("Zm8", &out, &n, &e), JWT_OK);
    ck_assert_code(dec("Zm9", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("Zm-", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("AB", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("AAB", &out, &n, &e), JWT_ERR_BASE64);
    ck_assert_code(dec("AAA", &out, &n, &e), JWT_OK);
}
END_TEST

START_TEST(test_every_single_bad_byte)
{
    /* Every byte value except the 64 alphabet characters is refused in every position. */
    int accepted = 0;
    for (int c = 0; c < 256; c++) {
        char s[5] = "AAAA";
        unsigned char *out;
        size_t n;
        jwt_err_t e;
        s[1] = (char)c;
        if (jwt_b64url_decode(tp, s, 4, &out, &n, &e) == JWT_OK)
            accepted++;
        else
            ck_assert_int_eq(e.code, JWT_ERR_BASE64);
    }
    ck_assert_int_eq(accepted, 64);
}
END_TEST

START_TEST(test_null_args)
{
    unsigned char *out;
    size_t n;
    jwt_err_t e;
    ck_assert_code(jwt_b64url_decode(tp, NULL, 4, &out, &n, &e), JWT_ERR_ARG);
    ck_assert_code(jwt_b64url_decode(tp, "Zg", 2, NULL, &n, &e), JWT_ERR_ARG);
    ck_assert_code(jwt_b64url_decode(tp, NULL, 0, &out, &n, &e), JWT_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---- jwt_err.c ---- */

START_TEST(test_err_set_and_clear)
{
    jwt_err_t e;
    int line = __LINE__ + 1;
    jwt_code_t rc = JWT_ERR(&e, JWT_ERR_EXPIRED, "token expired at %s", "x");
    ck_assert_code(rc, JWT_ERR_EXPIRED);
    ck_assert_int_eq(e.code, JWT_ERR_EXPIRED);
    ck_assert_int_eq(e.line, line);
    ck_assert_ptr_nonnull(strstr(e.file, "test_b64.c"));
    ck_assert_str_eq(e.message, "token expired at x");
    jwt_err_clear(&e);
    ck_assert_int_eq(e.code, JWT_OK);
    ck_assert_str_eq(e.message, "");
    /* NULL err is allowed and still returns the code. */
    ck_assert_code(JWT_ERR(NULL, JWT_ERR_SIGNATURE, "x"), JWT_ERR_SIGNATURE);
}
END_TEST

START_TEST(test_err_truncates)
{
    jwt_err_t e;
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    JWT_ERR(&e, JWT_ERR_ARG, "%s", big);
    ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
}
END_TEST

START_TEST(test_code_names_unique_and_safe)
{
    for (int i = 0; i < JWT_ERR__COUNT; i++) {
        const char *n = jwt_code_name((jwt_code_t)i);
        const char *d = jwt_code_description((jwt_code_t)i);
        ck_assert_str_ne(n, "unknown");
        ck_assert_uint_gt(strlen(d), 0);
        ck_assert_ptr_null(strpbrk(d, "\"\\\r\n"));
        for (const char *c = n; *c; c++)
            ck_assert_msg((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_',
                          "name %s not snake_case", n);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(n, jwt_code_name((jwt_code_t)j));
    }
    ck_assert_str_eq(jwt_code_name(JWT_ERR_EXPIRED), "expired");
    ck_assert_str_eq(jwt_code_name(JWT_ERR_UNKNOWN_KID), "unknown_kid");
    ck_assert_str_eq(jwt_code_name(JWT_ERR_ALG_NONE), "alg_none");
    ck_assert_str_eq(jwt_code_description(JWT_ERR_EXPIRED), "token expired");
    ck_assert_str_eq(jwt_code_name(JWT_ERR__COUNT), "unknown");
    ck_assert_str_eq(jwt_code_name((jwt_code_t)-1), "unknown");
}
END_TEST

START_TEST(test_err_openssl_append)
{
    jwt_err_t e;
    JWT_ERR(&e, JWT_ERR_CRYPTO, "decode failed");
    /* Provoke a real OpenSSL error: unknown digest name. */
    ck_assert_ptr_null(EVP_MD_fetch(NULL, "NO-SUCH-DIGEST", NULL));
    ck_assert_uint_ne(ERR_peek_error(), 0);
    jwt_err_append_openssl(&e);
    ck_assert_uint_eq(ERR_peek_error(), 0);
    ck_assert_msg(strncmp(e.message, "decode failed; error:", 21) == 0, "message: %s", e.message);
    /* Empty queue: message unchanged. */
    JWT_ERR(&e, JWT_ERR_CRYPTO, "same");
    jwt_err_append_openssl(&e);
    ck_assert_str_eq(e.message, "same");
    ck_assert_ptr_null(EVP_MD_fetch(NULL, "NO-SUCH-DIGEST", NULL));
    jwt_err_clear_openssl();
    ck_assert_uint_eq(ERR_peek_error(), 0);
    jwt_err_append_openssl(NULL);
}
END_TEST

Suite *suite_b64(void)
{
    Suite *s = suite_create("b64");
    TCase *tc = tcase_create("b64");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_rfc4648_vectors);
    tcase_add_test(tc, test_url_alphabet);
    tcase_add_test(tc, test_rfc7515_header);
    tcase_add_test(tc, test_roundtrip_all_lengths);
    tcase_add_test(tc, test_matches_openssl);
    tcase_add_test(tc, test_refuse_padding);
    tcase_add_test(tc, test_refuse_std_alphabet);
    tcase_add_test(tc, test_refuse_whitespace_and_controls);
    tcase_add_test(tc, test_refuse_embedded_nul);
    tcase_add_test(tc, test_refuse_len_mod4_1);
    tcase_add_test(tc, test_refuse_nonzero_trailing_bits);
    tcase_add_test(tc, test_every_single_bad_byte);
    tcase_add_test(tc, test_null_args);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("err");
    tcase_add_checked_fixture(te, tu_setup, tu_teardown);
    tcase_add_test(te, test_err_set_and_clear);
    tcase_add_test(te, test_err_truncates);
    tcase_add_test(te, test_code_names_unique_and_safe);
    tcase_add_test(te, test_err_openssl_append);
    suite_add_tcase(s, te);
    return s;
}
