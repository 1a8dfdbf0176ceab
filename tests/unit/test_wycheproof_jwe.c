/* Wycheproof json_web_encryption_test.json through jwt_jwe_decrypt, each group's "private"
 * JWK imported as a decryption key. "valid" must decrypt to "pt", "invalid" must be refused.
 * Where we deliberately disagree, the case is skipped-by-policy (never counted as passed)
 * and must still be refused, with the code the policy names:
 *
 *   reason                                   cases  code
 *   RSA1_5 refused always (Bleichenbacher)   valid  key import KEY_UNSUPPORTED / ALG_REFUSED
 *   zip refused (no bounded inflate yet)     valid  ZIP
 *
 * Prints "wycheproof json_web_encryption_test.json: N valid ok, N invalid refused, N skipped
 * (...)" to stderr and $WYCHEPROOF_REPORT; "SKIP wycheproof: folder absent" when the vectors
 * are not beside the checkout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jwe.h"
#include "jwt_json.h"

static const char *str_of(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
        ? json_object_get_string(v) : NULL;
}

static unsigned char *unhex(const char *s, size_t *len)
{
    size_t n = s ? strlen(s) / 2 : 0;
    unsigned char *b = apr_pcalloc(tp, n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned int v;
        ck_assert(sscanf(s + 2 * i, "%2x", &v) == 1);
        b[i] = (unsigned char)v;
    }
    *len = n;
    return b;
}

static void report(const char *line)
{
    fprintf(stderr, "%s\n", line);
    const char *rep = getenv("WYCHEPROOF_REPORT");
    FILE *f = rep && *rep ? fopen(rep, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
}

START_TEST(wycheproof_jwe)
{
    const char *dir = tu_testvectors_dir();
    if (dir == NULL) {
        report("SKIP wycheproof: folder absent (json_web_encryption_test.json)");
        return;
    }
    json_object *doc = json_object_from_file(apr_pstrcat(tp, dir, "/wycheproof/json_web_encryption_test.json", NULL));
    ck_assert_ptr_nonnull(doc);
    jwt_json_pool_own(tp, doc);
    json_object *groups;
    ck_assert(json_object_object_get_ex(doc, "testGroups", &groups));
    int valid_ok = 0, invalid_refused = 0, skip_rsa15 = 0, skip_zip = 0, mismatches = 0, total = 0;
    char detail[1500] = "";

    for (size_t g = 0; g < json_object_array_length(groups); g++) {
        json_object *grp = json_object_array_get_idx(groups, g), *priv, *tests;
        ck_assert(json_object_object_get_ex(grp, "private", &priv));
        ck_assert(json_object_object_get_ex(grp, "tests", &tests));
        jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(tp);
        const char *kt = jwt_json_to_string(tp, priv);
        jwt_err_t ke;
        jwt_code_t krc = jwt_jwe_keys_from_buffer(ring, kt, strlen(kt), "wycheproof", NULL, 0, NULL, &ke);
        const char *kalg = str_of(priv, "alg");
        int rsa15 = kalg && strcmp(kalg, "RSA1_5") == 0;
        /* Only an RSA1_5 key may fail to import: that is the policy, not a bug. */
        ck_assert_msg(krc == JWT_OK || (rsa15 && krc == JWT_ERR_KEY_UNSUPPORTED),
                      "group %zu key: %s: %s", g, jwt_code_name(krc), ke.message);
        for (size_t i = 0; i < json_object_array_length(tests); i++) {
            json_object *t = json_object_array_get_idx(tests, i), *jv, *flags;
            int tc = json_object_get_int(json_object_object_get(t, "tcId"));
            const char *result = str_of(t, "result");
            ck_assert(json_object_object_get_ex(t, "jwe", &jv));
            /* JSON serialization given as an object: pass its text, it must be refused */
            const char *tok = json_object_is_type(jv, json_type_string) ? json_object_get_string(jv)
                                                                        : jwt_json_to_string(tp, jv);
            int zip = 0;
            if (json_object_object_get_ex(t, "flags", &flags))
                for (size_t f = 0; f < json_object_array_length(flags); f++)
                    zip |= strcmp(json_object_get_string(json_object_array_get_idx(flags, f)),
                                  "CompressedPlaintext") == 0;
            jwt_jwe_t *j = NULL;
            jwt_err_t e;
            jwt_err_clear(&e);
            jwt_code_t rc = jwt_jwe_decrypt(tp, tok, strlen(tok), ring, JWT_JWE_ALGSET_ALL,
                                            JWT_JWE_ENCSET_ALL, NULL, &j, &e);
            if (rc == JWT_OK && strcmp(result, "valid") == 0) {
                size_t pl;
                unsigned char *pt = unhex(str_of(t, "pt"), &pl);
                if (pl != j->plaintext_len || memcmp(pt, j->plaintext, pl) != 0)
                    rc = JWT_ERR_ARG;   /* decrypted, to the wrong bytes */
            }
            total++;
            int bad;
            if (rsa15 && strcmp(result, "valid") == 0) {
                bad = rc == JWT_OK;           /* policy: must stay refused */
                skip_rsa15 += !bad;
            } else if (zip && strcmp(result, "valid") == 0) {
                bad = rc != JWT_ERR_ZIP;
                skip_zip += !bad;
            } else if (strcmp(result, "valid") == 0) {
                bad = rc != JWT_OK;
                valid_ok += !bad;
            } else {
                bad = rc == JWT_OK;
                invalid_refused += !bad;
            }
            if (bad) {
                mismatches++;
                size_t u = strlen(detail);
                if (u + 200 < sizeof(detail))
                    snprintf(detail + u, sizeof(detail) - u, "[tc %d %s: want %s, got %s: %.80s] ",
                             tc, str_of(t, "comment"), result, jwt_code_name(rc), e.message);
            }
        }
    }
    char line[512];
    snprintf(line, sizeof(line), "wycheproof json_web_encryption_test.json: %d valid ok, %d invalid "
             "refused, %d skipped (%d RSA1_5 refused always; %d zip refused)%s", valid_ok,
             invalid_refused, skip_rsa15 + skip_zip, skip_rsa15, skip_zip,
             mismatches ? ", MISMATCHES" : "");
    report(line);
    ck_assert_msg(mismatches == 0, "%d mismatches of %d: %s", mismatches, total, detail);
    ck_assert_int_eq(valid_ok + invalid_refused + skip_rsa15 + skip_zip, total);
}
END_TEST

Suite *suite_wycheproof_jwe(void)
{
    Suite *s = suite_create("wycheproof_jwe");
    TCase *tc = tcase_create("wycheproof_jwe");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, wycheproof_jwe);
    suite_add_tcase(s, tc);
    return s;
}
