/* core/jwt_rules.c: the shared table of rule cases (tests/fixtures/rules/cases.json, the
 * one tests/integration/rules-agree.test.js runs against httpd and the inspector), word
 * splitting like ap_getword_conf, and what is refused when a rule is compiled. */
#include <string.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include "jwt_json.h"
#include "jwt_rules.h"
#include "test_suites.h"
#include "test_util.h"

static const char *str_member(json_object *o, const char *name)
{
    json_object *v = NULL;
    ck_assert(json_object_object_get_ex(o, name, &v));
    return json_object_get_string(v);
}

START_TEST(fixture_cases)
{
    size_t len = 0;
    char *text = tu_slurp(tu_path("fixtures/rules/cases.json"), &len);
    json_object *doc = NULL, *cases = NULL;
    ck_assert_int_eq(jwt_json_parse_object(tp, text, len, NULL, &doc, NULL), JWT_OK);
    ck_assert(json_object_object_get_ex(doc, "cases", &cases));
    size_t n = json_object_array_length(cases);
    ck_assert_uint_ge(n, 20);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cases, i), *claims = NULL;
        const char *line = str_member(c, "require"), *rest = line, *why = NULL;
        char *provider = jwt_rules_word(tp, &rest);
        jwt_rule_kind_t kind;
        jwt_rule_set_t *set = NULL;
        ck_assert_msg(jwt_rule_kind(provider, &kind), "%s: provider", line);
        const char *msg = jwt_rules_compile(tp, kind, rest, &set);
        ck_assert_msg(msg == NULL, "%s: %s", line, msg);
        ck_assert(json_object_object_get_ex(c, "claims", &claims));
        const char *got = jwt_rules_match(tp, set, claims, &why) ? "granted" : "denied";
        ck_assert_msg(!strcmp(got, str_member(c, "expect")), "%s (%s): %s, %s",
                      str_member(c, "name"), line, got, why);
    }
}
END_TEST

START_TEST(words_like_httpd)
{
    const char *line = "  a \"b c\" 'd\\'e' \"f\\\"g\" h\\\\i \"\" j\\k  ";
    ck_assert_str_eq(jwt_rules_word(tp, &line), "a");
    ck_assert_str_eq(jwt_rules_word(tp, &line), "b c");
    ck_assert_str_eq(jwt_rules_word(tp, &line), "d'e");
    ck_assert_str_eq(jwt_rules_word(tp, &line), "f\"g");
    ck_assert_str_eq(jwt_rules_word(tp, &line), "h\\i");
    ck_assert_str_eq(jwt_rules_word(tp, &line), "");      /* "" is an empty word... */
    ck_assert_str_eq(jwt_rules_word(tp, &line), "j\\k");  /* ...and the line goes on */
    ck_assert_str_eq(jwt_rules_word(tp, &line), "");
    ck_assert_str_eq(line, "");
}
END_TEST

static const char *compile_error(const char *provider, const char *args)
{
    jwt_rule_kind_t kind;
    jwt_rule_set_t *set = NULL;
    ck_assert(jwt_rule_kind(provider, &kind));
    return jwt_rules_compile(tp, kind, args, &set);
}

START_TEST(refusals)
{
    ck_assert_str_eq(compile_error("jwt-claim", ""),
                     "Require jwt-claim needs at least one NAME=VALUE or NAME~REGEX argument");
    ck_assert_str_eq(compile_error("jwt-scope", " "), "Require jwt-scope needs at least one SCOPE argument");
    ck_assert_str_eq(compile_error("jwt-claim", "role"), "Require jwt-claim: 'role' is not NAME=VALUE or NAME~REGEX");
    ck_assert_str_eq(compile_error("jwt-claim-array", "=x"), "Require jwt-claim-array: '=x' is not NAME=VALUE or NAME~REGEX");
    ck_assert_str_eq(compile_error("jwt-scope", "\"a b\""), "Require jwt-scope: 'a b' is not a scope token");
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "\"e~([a-z\""),
                                 "Require jwt-claim: bad regular expression '([a-z' for claim e ("));
    /* Perl-only syntax would silently mean something else in POSIX: refused */
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "id~^\\d+$"), "\\d is not POSIX"));
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "id~^[\\w.]+$"), "inside [...]"));
    ck_assert_ptr_nonnull(compile_error("jwt-claim", "id~(?i)admin"));
    /* what would take unbounded memory or time: refused with a reason */
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "x~a+++"), "quantifier right after"));
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "x~a{2}{3}"), "quantifier right after"));
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "x~a{256}"), "bound over 255"));
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "x~((a{100}){100}){2}"), "too large"));
    ck_assert_ptr_null(compile_error("jwt-claim", "x~(a{100}){100}"));
    ck_assert_ptr_nonnull(strstr(compile_error("jwt-claim", "x~(a)\\1"), "back-references"));
    ck_assert_ptr_nonnull(compile_error("jwt-claim", apr_psprintf(tp, "x~%0*d", 1025, 0)));
    /* what POSIX means the same way is accepted */
    ck_assert_ptr_null(compile_error("jwt-claim", "e~^[a-z]+@example\\.com$"));
    ck_assert_ptr_null(compile_error("jwt-claim", "e~^[[:alpha:]]+\\s?$"));
    ck_assert_ptr_null(compile_error("jwt-claim", "e~^[]a-]$"));
    ck_assert_ptr_null(compile_error("jwt-claim", "a=b~c"));   /* '=' first: an exact value */
}
END_TEST

START_TEST(why_and_scopes)
{
    const char *js = "{\"role\":\"notadmin\",\"n\":9223372036854775807}";
    json_object *claims = NULL;
    jwt_rule_set_t *set = NULL;
    const char *why = NULL;
    ck_assert_int_eq(jwt_json_parse_object(tp, js, strlen(js), NULL, &claims, NULL), JWT_OK);
    json_object_object_add(claims, "s", json_object_new_string_len("a\0b", 3));
    ck_assert_ptr_null(jwt_rules_compile(tp, JWT_RULE_CLAIM, "role~admin", &set));
    ck_assert_int_eq(jwt_rules_match(tp, set, claims, &why), 1);
    ck_assert_str_eq(why, "role~admin matches");
    ck_assert_ptr_null(jwt_rules_compile(tp, JWT_RULE_CLAIM, "n=9223372036854775807", &set));
    ck_assert_int_eq(jwt_rules_match(tp, set, claims, &why), 1);
    /* a string holding NUL never matches (it would be cut short) */
    ck_assert_ptr_null(jwt_rules_compile(tp, JWT_RULE_CLAIM, "s~^a", &set));
    ck_assert_int_eq(jwt_rules_match(tp, set, claims, &why), 0);
    ck_assert_ptr_null(jwt_rules_compile(tp, JWT_RULE_SCOPE, "read  write", &set));
    ck_assert_str_eq(jwt_rules_scopes(set), "read write");
    ck_assert_int_eq(jwt_rules_match(tp, set, claims, &why), 0);
    ck_assert_str_eq(why, "none of the scopes [read write] is present");
}
END_TEST

Suite *suite_rules(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, fixture_cases);
    tcase_add_test(tc, words_like_httpd);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, why_and_scopes);
    suite_add_tcase(s, tc);
    return s;
}
