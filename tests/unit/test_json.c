/* Unit tests: JSON with limits (jwt_json.c). */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_json.h"

/* Validate a NUL-terminated literal (object_only as given). */
static jwt_code_t v(const char *s, int object_only)
{
    jwt_err_t e;
    return jwt_json_validate(s, strlen(s), NULL, object_only, &e);
}

/* Validate + parse as an object. */
static jwt_code_t po(const char *s, json_object **out)
{
    jwt_err_t e;
    json_object *tmp = NULL;
    return jwt_json_parse_object(tp, s, strlen(s), NULL, out ? out : &tmp, &e);
}

START_TEST(test_valid_documents)
{
    static const char *ok[] = {
        "{}", " {} ", "\t\r\n{\n}\r\n", "{\"a\":1}", "{\"\":0}",
        "{\"a\":[1,2.5,-3,0,-0,1e3,1E+2,1.5e-7,0.0e0,-0.1],\"b\":{\"c\":null},\"d\":true,\"e\":false}",
        "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20AC \\ud83d\\ude00\"}",
        "{\"raw\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\"}",
        "{\"del\":\"\x7f\"}", "{\"a\":[]}", "{\"a\":[[],{}]}", "{ \"a\" : 1 , \"b\" : 2 }",
        "{\"big\":99999999999999999999999999}", "{\"x\":1e400}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        jwt_err_t e;
        jwt_code_t rc = jwt_json_validate(ok[i], strlen(ok[i]), NULL, 1, &e);
        ck_assert_msg(rc == JWT_OK, "#%zu %s: %s", i, ok[i], e.message);
        ck_assert_code(po(ok[i], NULL), JWT_OK);
    }
}
END_TEST

START_TEST(test_any_value_when_not_object_only)
{
    static const char *ok[] = { "1", "-0", "\"x\"", "[]", "[1,[2]]", "true", "false", "null",
                                " 3.25 ", "\"\"" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ck_assert_code(v(ok[i], 0), JWT_OK);
        ck_assert_code(v(ok[i], 1), JWT_ERR_JSON);
    }
}
END_TEST

START_TEST(test_grammar_refusals)
{
    static const char *bad[] = {
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{'a':1}",
        "{\"a\":'x'}", "{\"a\":1,}", "{,}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}",
        "{\"a\":1 \"b\":2}", "{/*c*/}", "{}//c", "{\"a\":1}#", "{\"a\":NaN}",
        "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":01}", "{\"a\":-01}", "{\"a\":00}",
        "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":+1}", "{\"a\":-}",
        "{\"a\":0x10}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":nulll}", "{\"a\":tru}",
        "{}x", "{}{}", "{} 1", "{}\f", "\f{}", "\xef\xbb\xbf{}", "{\"a\":\"x}",
        "{\"a\":\"\\x41\"}", "{\"a\":\"\\U0041\"}", "{\"a\":\"\\u41\"}", "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\\"}", "{\"a\":\"\\'\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"nl\nx\"}",
        "{\"a\":\"\x01\"}", "{\"a\":\"\x1f\"}", "{\"a\":\"\\u0000\"}", "{\"\\u0000\":1}",
        "{\"a\":1,\"b\"}", "{\"a\":[}", "{\"a\":]}", "{\"a\":\"\\",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        jwt_err_t e;
        jwt_code_t rc = jwt_json_validate(bad[i], strlen(bad[i]), NULL, 1, &e);
        ck_assert_msg(rc == JWT_ERR_JSON, "#%zu %s: got %s (%s)", i, bad[i],
                      jwt_code_name(rc), e.message);
        ck_assert_code(po(bad[i], NULL), JWT_ERR_JSON);
    }
}
END_TEST

START_TEST(test_raw_nul_refused)
{
    jwt_err_t e;
    ck_assert_code(jwt_json_validate("{\"a\":\"x\0y\"}", 11, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_code(jwt_json_validate("{}\0", 3, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_code(jwt_json_validate("{\0}", 3, NULL, 1, &e), JWT_ERR_JSON);
}
END_TEST

START_TEST(test_error_messages_have_offsets)
{
    jwt_err_t e;
    ck_assert_code(jwt_json_validate("{\"a\":01}", 8, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_str_eq(e.message, "JSON: leading zero in number at offset 6 (byte 0x31)");
    ck_assert_code(jwt_json_validate("{} x", 4, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_str_eq(e.message, "JSON: trailing data after the JSON value at offset 3 (byte 0x78)");
    ck_assert_code(jwt_json_validate("[1]", 3, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_str_eq(e.message, "JSON: not an object");
    ck_assert_code(jwt_json_validate("", 0, NULL, 1, &e), JWT_ERR_JSON);
    ck_assert_str_eq(e.message, "JSON: empty input");
    /* what may follow a member or an element: ',' or the container's own closing byte */
    static const struct { const char *text, *message; } separators[] = {
        { "{\"a\":1 \"b\":2}", "JSON: ',' or '}' expected at offset 7 (byte 0x22)" },
        { "{\"a\":1]", "JSON: ',' or '}' expected at offset 6 (byte 0x5d)" },
        { "{\"a\":1", "JSON: ',' or '}' expected at offset 6 (end of input)" },
        { "{\"a\":[1 2]}", "JSON: ',' or ']' expected at offset 8 (byte 0x32)" },
        { "{\"a\":[1}", "JSON: ',' or ']' expected at offset 7 (byte 0x7d)" },
        { "{\"a\":[[1] ", "JSON: ',' or ']' expected at offset 10 (end of input)" },
    };
    for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
        const char *t = separators[i].text;
        ck_assert_code(jwt_json_validate(t, strlen(t), NULL, 1, &e), JWT_ERR_JSON);
        ck_assert_str_eq(e.message, separators[i].message);
    }
    ck_assert_code(jwt_json_validate("{\"a\":[1 , 2 ] , \"b\" : { } }", 27, NULL, 1, &e), JWT_OK);
}
END_TEST

START_TEST(test_utf8_refusals)
{
    static const char *bad[] = {
        "{\"a\":\"\xc0\x80\"}",           /* overlong NUL */
        "{\"a\":\"\xc1\xbf\"}",           /* overlong 2-byte */
        "{\"a\":\"\xe0\x80\xaf\"}",       /* overlong 3-byte '/' */
        "{\"a\":\"\xe0\x9f\xbf\"}",       /* overlong 3-byte */
        "{\"a\":\"\xf0\x8f\xbf\xbf\"}",   /* overlong 4-byte */
        "{\"a\":\"\xed\xa0\x80\"}",       /* UTF-16 surrogate D800 encoded */
        "{\"a\":\"\xed\xbf\xbf\"}",       /* DFFF */
        "{\"a\":\"\xf4\x90\x80\x80\"}",   /* > U+10FFFF */
        "{\"a\":\"\xf5\x80\x80\x80\"}",
        "{\"a\":\"\xff\"}", "{\"a\":\"\xfe\"}",
        "{\"a\":\"\x80\"}",               /* lone continuation */
        "{\"a\":\"\xe2\x82\"}",           /* truncated */
        "{\"a\":\"\xe2\x82x\"}",
        "{\"a\":\"\xc3\"}",
        "{\"\xc3\x28\":1}",               /* in a member name */
        "{\"a\":\"\\ud800\"}",            /* lone high surrogate */
        "{\"a\":\"\\udc00\"}",            /* lone low surrogate */
        "{\"a\":\"\\udfff\\ud800\"}",     /* reversed pair */
        "{\"a\":\"\\ud800\\u0041\"}",     /* high + non-low */
        "{\"a\":\"\\ud800\\ud800\"}",
        "{\"a\":\"\\ud800x\"}",
        "{\"\\uDBFF\":1}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        jwt_err_t e;
        jwt_code_t rc = jwt_json_validate(bad[i], strlen(bad[i]), NULL, 1, &e);
        ck_assert_msg(rc == JWT_ERR_UTF8, "#%zu: got %s (%s)", i, jwt_code_name(rc), e.message);
        ck_assert_code(po(bad[i], NULL), JWT_ERR_UTF8);
    }
    /* Non-ASCII outside a string is a grammar error, not a UTF-8 one. */
    ck_assert_code(v("{\"a\":\xc3\xa9}", 1), JWT_ERR_JSON);
    /* Largest valid code point through an escape. */
    ck_assert_code(v("{\"a\":\"\\udbff\\udfff\"}", 1), JWT_OK);
}
END_TEST

static char *nested(const char *open, const char *close, int levels)
{
    size_t ol = strlen(open), cl = strlen(close);
    char *s = apr_palloc(tp, (ol + cl) * (size_t)levels + 1);
    size_t o = 0;
    for (int i = 0; i < levels; i++) {
        memcpy(s + o, open, ol);
        o += ol;
    }
    for (int i = 0; i < levels; i++) {
        memcpy(s + o, close, cl);
        o += cl;
    }
    s[o] = '\0';
    return s;
}

START_TEST(test_depth_default)
{
    /* Top-level object is depth 1; the default cap is 16. */
    /* 16 objects: the innermost is {} */
    char *s16 = apr_palloc(tp, 200);
    size_t o = 0;
    for (int i = 0; i < 15; i++) o += (size_t)snprintf(s16 + o, 200 - o, "{\"a\":");
    o += (size_t)snprintf(s16 + o, 200 - o, "{}");
    for (int i = 0; i < 15; i++) o += (size_t)snprintf(s16 + o, 200 - o, "}");
    ck_assert_code(v(s16, 1), JWT_OK);
    json_object *obj = NULL;
    ck_assert_code(po(s16, &obj), JWT_OK);
    ck_assert_ptr_nonnull(obj);

    char *s17 = apr_pstrcat(tp, "{\"x\":", s16, "}", NULL);
    jwt_err_t e;
    ck_assert_code(jwt_json_validate(s17, strlen(s17), NULL, 1, &e), JWT_ERR_JSON_DEPTH);
    ck_assert_msg(strstr(e.message, "deeper than 16") != NULL, "%s", e.message);
    ck_assert_code(po(s17, NULL), JWT_ERR_JSON_DEPTH);

    /* Arrays count as levels too. */
    char *arr16 = apr_pstrcat(tp, "{\"a\":", nested("[", "]", 15), "}", NULL);
    ck_assert_code(v(arr16, 1), JWT_OK);
    char *arr17 = apr_pstrcat(tp, "{\"a\":", nested("[", "]", 16), "}", NULL);
    ck_assert_code(v(arr17, 1), JWT_ERR_JSON_DEPTH);
    /* A very deep input is refused without deep recursion. */
    jwt_json_limits_t big = { 1024 * 1024, 0 };
    char *deep = nested("[", "]", 100000);
    ck_assert_code(jwt_json_validate(deep, strlen(deep), &big, 0, &e), JWT_ERR_JSON_DEPTH);
    big.max_depth = 1000000;    /* clamped internally, so still no stack overflow */
    ck_assert_code(jwt_json_validate(deep, strlen(deep), &big, 0, &e), JWT_ERR_JSON_DEPTH);
}
END_TEST

START_TEST(test_depth_custom)
{
    jwt_json_limits_t lim = { 0, 2 };
    jwt_err_t e;
    const char *d2 = "{\"a\":{\"b\":1}}", *d3 = "{\"a\":{\"b\":[]}}";
    json_object *o = NULL;
    ck_assert_code(jwt_json_validate(d2, strlen(d2), &lim, 1, &e), JWT_OK);
    ck_assert_code(jwt_json_validate(d3, strlen(d3), &lim, 1, &e), JWT_ERR_JSON_DEPTH);
    ck_assert_code(jwt_json_parse_object(tp, d2, strlen(d2), &lim, &o, &e), JWT_OK);
    ck_assert_code(jwt_json_parse_object(tp, d3, strlen(d3), &lim, &o, &e), JWT_ERR_JSON_DEPTH);
    lim.max_depth = 1;
    ck_assert_code(jwt_json_validate("{\"a\":[]}", 8, &lim, 1, &e), JWT_ERR_JSON_DEPTH);
    ck_assert_code(jwt_json_validate("{\"a\":1}", 7, &lim, 1, &e), JWT_OK);
    /* A generous caller limit still works at depth 40 (json-c gets a matching depth). */
    lim.max_depth = 40;
    char *s = apr_pstrcat(tp, "{\"a\":", nested("[", "]", 39), "}", NULL);
    ck_assert_code(jwt_json_parse_object(tp, s, strlen(s), &lim, &o, &e), JWT_OK);
}
END_TEST

START_TEST(test_size_cap)
{
    jwt_json_limits_t lim = { 10, 0 };
    jwt_err_t e;
    ck_assert_code(jwt_json_validate("{\"a\":1234}", 10, &lim, 1, &e), JWT_OK);
    ck_assert_code(jwt_json_validate("{\"a\":12345}", 11, &lim, 1, &e), JWT_ERR_TOO_LARGE);
    ck_assert_str_eq(e.message, "JSON: 11 bytes, over the limit of 10");
    /* Default 64 KiB: a string member filling exactly the limit passes, one more byte fails. */
    size_t n = JWT_JSON_DEFAULT_MAX_BYTES;
    char *big = apr_palloc(tp, n + 2);
    memcpy(big, "{\"a\":\"", 6);
    memset(big + 6, 'x', n - 8);
    memcpy(big + n - 2, "\"}", 2);
    big[n] = '\0';
    ck_assert_code(jwt_json_validate(big, n, NULL, 1, &e), JWT_OK);
    json_object *o = NULL;
    ck_assert_code(jwt_json_parse_object(tp, big, n, NULL, &o, &e), JWT_OK);
    ck_assert_int_eq(json_object_get_string_len(json_object_object_get(o, "a")), (int)(n - 8));
    big[n - 2] = 'x';
    memcpy(big + n - 1, "\"}", 3);
    ck_assert_code(jwt_json_validate(big, n + 1, NULL, 1, &e), JWT_ERR_TOO_LARGE);
    ck_assert_code(jwt_json_parse_object(tp, big, n + 1, NULL, &o, &e), JWT_ERR_TOO_LARGE);
}
END_TEST

START_TEST(test_duplicates)
{
    static const char *dup[] = {
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"\\u0061\":1,\"a\":2}",
        "{\"/\":1,\"\\/\":2}", "{\"\xc3\xa9\":1,\"\\u00e9\":2}", "{\"\xc3\xa9\":1,\"\\u00E9\":2}",
        "{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", "{\"\":1,\"\":2}",
        "{\"x\":{\"b\":1,\"b\":2}}", "{\"a\":1,\"b\":{\"c\":1},\"a\":3}",
        "{\"arr\":[{\"k\":1,\"k\":1}]}", "{\"a\":{},\"b\":2,\"c\":3,\"b\":4}",
        "{\"\\n\":1,\"\\u000a\":2}", "{\"a\":1,\"b\":2,\"a\":1}",
    };
    for (size_t i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        jwt_err_t e;
        jwt_code_t rc = jwt_json_validate(dup[i], strlen(dup[i]), NULL, 1, &e);
        ck_assert_msg(rc == JWT_ERR_JSON_DUPLICATE, "#%zu %s: got %s (%s)", i, dup[i],
                      jwt_code_name(rc), e.message);
        ck_assert_code(po(dup[i], NULL), JWT_ERR_JSON_DUPLICATE);
    }
    jwt_err_t e;
    ck_assert_code(jwt_json_validate(dup[1], strlen(dup[1]), NULL, 1, &e), JWT_ERR_JSON_DUPLICATE);
    ck_assert_str_eq(e.message, "JSON: duplicate member name \"a\" in the object at offset 0");
}
END_TEST

START_TEST(test_not_duplicates)
{
    static const char *ok[] = {
        "{\"a\":{\"a\":{\"a\":1}}}", "{\"a\":1,\"b\":{\"a\":1}}", "{\"x\":[{\"a\":1},{\"a\":1}]}",
        "{\"a\":1,\"ab\":2,\"A\":3,\"a \":4,\"\":5}", "{\"e\\u0301\":1,\"\xc3\xa9\":2}",
        "{\"b\":{\"a\":1},\"a\":{\"b\":2}}", "{\"a\":{\"x\":1},\"b\":{\"x\":2},\"x\":3}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        jwt_err_t e;
        jwt_code_t rc = jwt_json_validate(ok[i], strlen(ok[i]), NULL, 1, &e);
        ck_assert_msg(rc == JWT_OK, "#%zu %s: %s", i, ok[i], e.message);
    }
}
END_TEST

/* Builds {"m0":0,"m1":0,...}; when dup_at >= 0 the last member repeats that name. */
static char *many_members(int n, int dup_at, size_t *len)
{
    size_t cap = (size_t)n * 16 + 32, o = 0;
    char *s = apr_palloc(tp, cap);
    s[o++] = '{';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s\"m%d\":%d", i ? "," : "", i, i);
    if (dup_at >= 0)
        o += (size_t)snprintf(s + o, cap - o, ",\"m%d\":0", dup_at);
    s[o++] = '}';
    s[o] = '\0';
    *len = o;
    return s;
}

START_TEST(test_many_members_fast)
{
    size_t len;
    jwt_err_t e;
    jwt_json_limits_t lim = { 1024 * 1024, 0 };
    char *s = many_members(50000, -1, &len);
    ck_assert_code(jwt_json_validate(s, len, &lim, 1, &e), JWT_OK);
    json_object *o = NULL;
    ck_assert_code(jwt_json_parse_object(tp, s, len, &lim, &o, &e), JWT_OK);
    ck_assert_int_eq(json_object_object_length(o), 50000);
    s = many_members(50000, 123, &len);
    ck_assert_code(jwt_json_validate(s, len, &lim, 1, &e), JWT_ERR_JSON_DUPLICATE);
    ck_assert_msg(strstr(e.message, "\"m123\"") != NULL, "%s", e.message);
}
END_TEST

/* Small objects are checked pair by pair and larger ones by sorting: every size around the
 * switch, with the repeat first, last and in the middle, and without one. */
START_TEST(test_duplicates_every_small_size)
{
    for (int n = 1; n <= 40; n++) {
        size_t len;
        jwt_err_t e;
        char *s = many_members(n, -1, &len);
        ck_assert_msg(jwt_json_validate(s, len, NULL, 1, &e) == JWT_OK, "%d members: %s", n,
                      e.message);
        int at[3] = { 0, n / 2, n - 1 };
        for (int k = 0; k < 3; k++) {
            s = many_members(n, at[k], &len);
            ck_assert_msg(jwt_json_validate(s, len, NULL, 1, &e) == JWT_ERR_JSON_DUPLICATE,
                          "%d members, m%d repeated: not refused", n, at[k]);
            char want[16];
            snprintf(want, sizeof(want), "\"m%d\"", at[k]);
            ck_assert_msg(strstr(e.message, want) != NULL, "%s", e.message);
        }
    }
}
END_TEST

START_TEST(test_parse_object_values_and_ownership)
{
    json_object *o = NULL, *x = NULL;
    jwt_err_t e;
    const char *s = "{\"sub\":\"alice\",\"n\":42,\"d\":1.5,\"arr\":[\"x\",\"y\"],"
                    "\"u\":\"\\u00e9\\ud83d\\ude00\"}";
    ck_assert_code(jwt_json_parse_object(tp, s, strlen(s), NULL, &o, &e), JWT_OK);
    ck_assert(json_object_object_get_ex(o, "sub", &x));
    ck_assert_str_eq(json_object_get_string(x), "alice");
    ck_assert(json_object_object_get_ex(o, "n", &x));
    ck_assert(json_object_is_type(x, json_type_int));
    ck_assert_int_eq(json_object_get_int64(x), 42);
    ck_assert(json_object_object_get_ex(o, "d", &x));
    ck_assert(json_object_is_type(x, json_type_double));
    ck_assert(json_object_object_get_ex(o, "arr", &x));
    ck_assert_int_eq(json_object_array_length(x), 2);
    ck_assert(json_object_object_get_ex(o, "u", &x));
    ck_assert_str_eq(json_object_get_string(x), "\xc3\xa9\xf0\x9f\x98\x80");
    /* Not NUL-terminated input: only len bytes are read. */
    char buf[16];
    memcpy(buf, "{\"a\":1}XXXXXXXXX", 16);
    ck_assert_code(jwt_json_parse_object(tp, buf, 7, NULL, &o, &e), JWT_OK);
    ck_assert_code(jwt_json_parse_object(tp, buf, 8, NULL, &o, &e), JWT_ERR_JSON);
    /* Trailing whitespace is fine. */
    ck_assert_code(po("{\"a\":1} \n\t\r ", &o), JWT_OK);
    ck_assert_code(jwt_json_parse_object(NULL, "{}", 2, NULL, &o, &e), JWT_ERR_ARG);
    /* The objects are released by the pool (LeakSanitizer checks this under ASan). */
}
END_TEST

START_TEST(test_pool_own_and_to_string)
{
    apr_pool_t *sub;
    apr_pool_create(&sub, tp);
    json_object *o = jwt_json_pool_own(sub, json_object_new_object());
    json_object_object_add(o, "url", json_object_new_string("https://idp.example/"));
    json_object_object_add(o, "n", json_object_new_int64(7));
    ck_assert_str_eq(jwt_json_to_string(tp, o), "{\"url\":\"https://idp.example/\",\"n\":7}");
    ck_assert_ptr_null(jwt_json_pool_own(sub, NULL));
    apr_pool_destroy(sub);
}
END_TEST

START_TEST(test_null_buffer)
{
    jwt_err_t e;
    ck_assert_code(jwt_json_validate(NULL, 3, NULL, 1, &e), JWT_ERR_ARG);
    ck_assert_code(jwt_json_validate(NULL, 0, NULL, 1, &e), JWT_ERR_JSON);
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_valid_documents);
    tcase_add_test(tc, test_any_value_when_not_object_only);
    tcase_add_test(tc, test_grammar_refusals);
    tcase_add_test(tc, test_raw_nul_refused);
    tcase_add_test(tc, test_error_messages_have_offsets);
    tcase_add_test(tc, test_utf8_refusals);
    tcase_add_test(tc, test_depth_default);
    tcase_add_test(tc, test_depth_custom);
    tcase_add_test(tc, test_size_cap);
    tcase_add_test(tc, test_duplicates);
    tcase_add_test(tc, test_not_duplicates);
    tcase_add_test(tc, test_many_members_fast);
    tcase_add_test(tc, test_duplicates_every_small_size);
    tcase_add_test(tc, test_parse_object_values_and_ownership);
    tcase_add_test(tc, test_pool_own_and_to_string);
    tcase_add_test(tc, test_null_buffer);
    suite_add_tcase(s, tc);
    return s;
}
