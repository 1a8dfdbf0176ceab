/* Unit tests: claim validation and lookup (jwt_claims.c). Tokens are built by hand from
 * JSON (no signature involved), so these tests do not depend on jwt_jws.c. */
#include <math.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_claims.h"

#define T_EXP  1795860000   /* 2026-11-28T10:00:00Z */
#define T_NOW  1795860312   /* 2026-11-28T10:05:12Z */

static jwt_token_t *tok(const char *payload_json, const char *typ)
{
    jwt_token_t *t = apr_pcalloc(tp, sizeof(*t));
    jwt_err_t e;
    ck_assert_msg(jwt_json_parse_object(tp, payload_json, strlen(payload_json), NULL,
                                        &t->payload, &e) == JWT_OK, "%s", e.message);
    t->header = NULL;
    t->payload_json = payload_json;
    t->typ = typ;
    t->alg = JWT_ALG_HS256;
    return t;
}

static jwt_claims_policy_t *pol_at(int64_t now, int64_t leeway)
{
    jwt_claims_policy_t *p = apr_pcalloc(tp, sizeof(*p));
    jwt_claims_policy_init(tp, p);
    p->now = now;
    p->leeway = leeway;
    return p;
}

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(tp, 2, sizeof(const char *));
    if (a) APR_ARRAY_PUSH(arr, const char *) = a;
    if (b) APR_ARRAY_PUSH(arr, const char *) = b;
    return arr;
}

static jwt_code_t nd(const char *payload_json, int64_t *out)
{
    jwt_err_t e;
    return jwt_claim_numeric_date(tok(payload_json, NULL)->payload, "exp", out, &e);
}

/* ---- NumericDate ---- */

START_TEST(test_numeric_date_accepts)
{
    int64_t v = -1;
    ck_assert_code(nd("{\"exp\":1795860000}", &v), JWT_OK);
    ck_assert_int_eq(v, 1795860000);
    ck_assert_code(nd("{\"exp\":1795860000.9}", &v), JWT_OK);
    ck_assert_int_eq(v, 1795860000);           /* truncated toward zero */
    ck_assert_code(nd("{\"exp\":1e3}", &v), JWT_OK);
    ck_assert_int_eq(v, 1000);
    ck_assert_code(nd("{\"exp\":0}", &v), JWT_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_code(nd("{\"exp\":-0}", &v), JWT_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_code(nd("{\"exp\":-0.0}", &v), JWT_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_code(nd("{\"exp\":1e-400}", &v), JWT_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_code(nd("{\"exp\":9007199254740991}", &v), JWT_OK);
    ck_assert_int_eq(v, 9007199254740991LL);
    ck_assert_code(nd("{\"exp\":9007199254740991.0}", &v), JWT_OK);
    ck_assert_int_eq(v, 9007199254740991LL);
}
END_TEST

START_TEST(test_numeric_date_refuses)
{
    static const char *bad[] = {
        "{\"exp\":9007199254740992}", "{\"exp\":9007199254740992.0}", "{\"exp\":1e16}",
        "{\"exp\":-1}", "{\"exp\":-0.5}", "{\"exp\":-1795860000}",
        "{\"exp\":1e400}", "{\"exp\":-1e400}",
        "{\"exp\":99999999999999999999}", "{\"exp\":-99999999999999999999}",
        "{\"exp\":18446744073709551615}", "{\"exp\":9223372036854775807}",
        "{\"exp\":9223372036854775808}", "{\"exp\":-9223372036854775808}",
        "{\"exp\":\"1795860000\"}", "{\"exp\":true}", "{\"exp\":false}", "{\"exp\":null}",
        "{\"exp\":[1795860000]}", "{\"exp\":{}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 42;
        jwt_err_t e;
        jwt_code_t rc = jwt_claim_numeric_date(tok(bad[i], NULL)->payload, "exp", &v, &e);
        ck_assert_msg(rc == JWT_ERR_CLAIM_TYPE, "#%zu %s: got %s", i, bad[i], jwt_code_name(rc));
        ck_assert_int_eq(v, 42);
    }
    int64_t v;
    ck_assert_code(nd("{\"nbf\":1}", &v), JWT_ERR_CLAIM_MISSING);
    jwt_err_t e;
    ck_assert_code(nd("{\"exp\":\"soon\"}", &v), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_claim_numeric_date(tok("{\"exp\":\"x\"}", NULL)->payload, "exp", &v, &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_str_eq(e.message, "claim \"exp\" must be a number, not string");
    ck_assert_code(jwt_claim_numeric_date(NULL, "exp", &v, &e), JWT_ERR_ARG);
}
END_TEST

/* NaN and infinities cannot come from the strict parser; objects made by code can hold them. */
START_TEST(test_numeric_date_nan_inf)
{
    int64_t v;
    jwt_err_t e;
    json_object *o = jwt_json_pool_own(tp, json_object_new_object());
    json_object_object_add(o, "exp", json_object_new_double(NAN));
    json_object_object_add(o, "nbf", json_object_new_double(INFINITY));
    json_object_object_add(o, "iat", json_object_new_double(-INFINITY));
    ck_assert_code(jwt_claim_numeric_date(o, "exp", &v, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_claim_numeric_date(o, "nbf", &v, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_claim_numeric_date(o, "iat", &v, &e), JWT_ERR_CLAIM_TYPE);
}
END_TEST

/* ---- exp / nbf / iat ---- */

START_TEST(test_exp)
{
    jwt_err_t e;
    jwt_token_t *t = tok("{\"exp\":1795860000}", NULL);
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP - 1, 0), &e), JWT_OK);
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP, 0), &e), JWT_ERR_EXPIRED);
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP + 59, 60), &e), JWT_OK);
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP + 60, 60), &e), JWT_ERR_EXPIRED);
    ck_assert_code(jwt_check_exp(t, pol_at(T_NOW, 60), &e), JWT_ERR_EXPIRED);
    ck_assert_str_eq(e.message, "token expired at 2026-11-28T10:00:00Z, now "
                                "2026-11-28T10:05:12Z, leeway 60s");
    ck_assert_int_eq(e.code, JWT_ERR_EXPIRED);
    /* A negative leeway counts as none. */
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP, -100), &e), JWT_ERR_EXPIRED);
    ck_assert_code(jwt_check_exp(t, pol_at(T_EXP - 1, -100), &e), JWT_OK);
    /* Absent exp is not this check's business (required claims are). */
    ck_assert_code(jwt_check_exp(tok("{}", NULL), pol_at(T_NOW, 0), &e), JWT_OK);
    ck_assert_code(jwt_check_exp(tok("{\"exp\":\"1795860000\"}", NULL), pol_at(T_NOW, 0), &e),
                   JWT_ERR_CLAIM_TYPE);
    /* Huge leeway and huge exp do not overflow. */
    jwt_token_t *far = tok("{\"exp\":9007199254740991}", NULL);
    ck_assert_code(jwt_check_exp(far, pol_at(T_NOW, INT64_MAX), &e), JWT_OK);
    ck_assert_code(jwt_check_exp(t, pol_at(INT64_MAX, INT64_MAX), &e), JWT_ERR_EXPIRED);
}
END_TEST

START_TEST(test_nbf)
{
    jwt_err_t e;
    jwt_token_t *t = tok("{\"nbf\":1795860312}", NULL);
    ck_assert_code(jwt_check_nbf(t, pol_at(T_NOW, 0), &e), JWT_OK);
    ck_assert_code(jwt_check_nbf(t, pol_at(T_NOW - 1, 0), &e), JWT_ERR_NOT_YET_VALID);
    ck_assert_code(jwt_check_nbf(t, pol_at(T_NOW - 60, 60), &e), JWT_OK);
    ck_assert_code(jwt_check_nbf(t, pol_at(T_NOW - 61, 60), &e), JWT_ERR_NOT_YET_VALID);
    ck_assert_str_eq(e.message, "token not valid before 2026-11-28T10:05:12Z, now "
                                "2026-11-28T10:04:11Z, leeway 60s");
    ck_assert_code(jwt_check_nbf(tok("{\"nbf\":[]}", NULL), pol_at(T_NOW, 0), &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_nbf(tok("{}", NULL), pol_at(T_NOW, 0), &e), JWT_OK);
}
END_TEST

START_TEST(test_iat)
{
    jwt_err_t e;
    jwt_token_t *t = tok("{\"iat\":1795860312}", NULL);
    ck_assert_code(jwt_check_iat(t, pol_at(T_NOW, 0), &e), JWT_OK);
    ck_assert_code(jwt_check_iat(t, pol_at(T_NOW + 1000, 0), &e), JWT_OK);
    ck_assert_code(jwt_check_iat(t, pol_at(T_NOW - 1, 0), &e), JWT_ERR_IAT_FUTURE);
    ck_assert_code(jwt_check_iat(t, pol_at(T_NOW - 30, 30), &e), JWT_OK);
    ck_assert_code(jwt_check_iat(t, pol_at(T_NOW - 31, 30), &e), JWT_ERR_IAT_FUTURE);
    ck_assert_str_eq(e.message, "token issued in the future at 2026-11-28T10:05:12Z, now "
                                "2026-11-28T10:04:41Z, leeway 30s");
    ck_assert_code(jwt_check_iat(tok("{\"iat\":-5}", NULL), pol_at(T_NOW, 0), &e),
                   JWT_ERR_CLAIM_TYPE);
}
END_TEST

START_TEST(test_lifetime)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 60);
    p->max_lifetime = 3600;
    ck_assert_code(jwt_check_lifetime(tok("{\"iat\":1000,\"exp\":4600}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_lifetime(tok("{\"iat\":1000,\"exp\":4601}", NULL), p, &e),
                   JWT_ERR_LIFETIME);
    ck_assert_str_eq(e.message, "token lifetime 3601s (exp - iat) exceeds the maximum of 3600s");
    /* Without iat: exp - now. */
    ck_assert_code(jwt_check_lifetime(tok("{\"exp\":1795863912}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_lifetime(tok("{\"exp\":1795863913}", NULL), p, &e),
                   JWT_ERR_LIFETIME);
    ck_assert_str_eq(e.message, "token lifetime 3601s (exp - now) exceeds the maximum of 3600s");
    /* No exp: unbounded lifetime. */
    ck_assert_code(jwt_check_lifetime(tok("{\"iat\":1000}", NULL), p, &e), JWT_ERR_LIFETIME);
    ck_assert_code(jwt_check_lifetime(tok("{\"iat\":\"x\",\"exp\":4600}", NULL), p, &e),
                   JWT_ERR_CLAIM_TYPE);
    /* No limit configured. */
    p->max_lifetime = 0;
    ck_assert_code(jwt_check_lifetime(tok("{\"iat\":0,\"exp\":9007199254740991}", NULL), p, &e),
                   JWT_OK);
    ck_assert_code(jwt_check_lifetime(tok("{}", NULL), p, &e), JWT_OK);
}
END_TEST

/* jwt_claims_window against jwt_claims_validate itself: over a grid of exp / nbf / iat
 * (absent, integer, fractional, malformed), leeways and maximum lifetimes, at every second
 * of a span around them, validate passes exactly inside the window; where the window is
 * refused, validate passes at no time. The token cache trusts this on every hit. */
START_TEST(test_window_matches_validate)
{
    static const char *const exps[] = { NULL, "1000", "1000.9", "\"x\"" };
    static const char *const nbfs[] = { NULL, "900", "1100", "1000" };
    static const char *const iats[] = { NULL, "950", "1200", "-5" };
    static const int64_t leeways[] = { 0, 30, -10 };
    static const int64_t lifetimes[] = { 0, 60, 150 };
    int windows = 0, refused = 0, inside = 0;

    for (size_t a = 0; a < 4; a++)
    for (size_t b = 0; b < 4; b++)
    for (size_t c = 0; c < 4; c++)
    for (size_t l = 0; l < 3; l++)
    for (size_t m = 0; m < 3; m++) {
        const char *json = apr_pstrcat(tp, "{\"sub\":\"u\"",
            exps[a] ? ",\"exp\":" : "", exps[a] ? exps[a] : "",
            nbfs[b] ? ",\"nbf\":" : "", nbfs[b] ? nbfs[b] : "",
            iats[c] ? ",\"iat\":" : "", iats[c] ? iats[c] : "", "}", NULL);
        jwt_token_t *t = tok(json, NULL);
        jwt_claims_policy_t *p = pol_at(0, leeways[l]);
        int64_t from = 0, until = 0;
        jwt_err_t e;
        jwt_code_t wrc;

        p->required = NULL;            /* only the time checks decide */
        p->max_lifetime = lifetimes[m];
        wrc = jwt_claims_window(t, p, &from, &until, &e);
        if (wrc == JWT_OK)
            windows++;
        else
            refused++;
        for (int64_t now = 600; now <= 1400; now++) {
            int in = wrc == JWT_OK && from <= now && now < until;
            p->now = now;
            ck_assert_msg((jwt_claims_validate(t, p, &e) == JWT_OK) == in,
                          "%s, leeway %d, max lifetime %d, now %d: window [%lld, %lld) %s, "
                          "validate %s", json, (int)leeways[l], (int)lifetimes[m], (int)now,
                          (long long)from, (long long)until, jwt_code_name(wrc),
                          jwt_code_name(e.code));
            inside += in;
        }
    }
    /* the grid holds both kinds, and windows that open and close inside the span */
    ck_assert_int_gt(windows, 100);
    ck_assert_int_gt(refused, 100);
    ck_assert_int_gt(inside, 10000);
}
END_TEST

/* jwt_claims_validate_window against jwt_claims_validate: the same verdict and the same
 * first error, over claims that fail the untimed checks (typ, required, iss, aud) as well as
 * the timed ones, and the window of jwt_claims_window whenever it passes. */
START_TEST(test_validate_window_matches_validate)
{
    static const char *const payloads[] = {
        "{\"exp\":1000}", "{\"exp\":1000,\"nbf\":900,\"iss\":\"https://a\"}",
        "{\"exp\":1000,\"iat\":950,\"aud\":[\"x\",\"api\"],\"iss\":\"https://b\"}",
        "{\"exp\":\"soon\",\"iss\":\"https://a\"}", "{\"nbf\":1100,\"aud\":7}",
        "{\"exp\":1000,\"iat\":800,\"role\":\"r\",\"aud\":\"api\",\"iss\":\"https://a\"}",
        "{\"iss\":\"https://a\",\"aud\":\"api\"}",
    };
    static const char *const typs[] = { NULL, "at+jwt" };
    int passed = 0, untimed_failures = 0;

    for (size_t a = 0; a < sizeof(payloads) / sizeof(payloads[0]); a++)
    for (size_t b = 0; b < 2; b++)             /* the token's typ */
    for (int rules = 0; rules < 16; rules++) { /* typ, required role, issuers, audiences */
        jwt_token_t *t = tok(payloads[a], typs[b]);
        jwt_claims_policy_t *p = pol_at(0, 10);
        p->typ = rules & 1 ? "at+jwt" : NULL;
        p->required = rules & 2 ? list("role", NULL) : NULL;
        p->issuers = rules & 4 ? list("https://a", NULL) : NULL;
        p->audiences = rules & 8 ? list("api", NULL) : NULL;
        p->max_lifetime = a == 5 ? 150 : 0;
        for (int64_t now = 700; now <= 1200; now += 7) {
            jwt_err_t e1, e2, we;
            int64_t from = 0, until = 0, wfrom = 0, wuntil = 0;
            jwt_code_t want, got;

            p->now = now;
            jwt_err_clear(&e1);
            jwt_err_clear(&e2);
            want = jwt_claims_validate(t, p, &e1);
            got = jwt_claims_validate_window(t, p, &from, &until, &e2);
            ck_assert_msg(got == want && e2.code == e1.code && strcmp(e2.message, e1.message) == 0,
                          "%s, rules %d, now %d: %s (%s) vs validate's %s (%s)", payloads[a],
                          rules, (int)now, jwt_code_name(got), e2.message, jwt_code_name(want),
                          e1.message);
            if (want == JWT_OK) {
                ck_assert_code(jwt_claims_window(t, p, &wfrom, &wuntil, &we), JWT_OK);
                ck_assert(from == wfrom && until == wuntil);
                passed++;
            }
            else {
                ck_assert(from > until);
                untimed_failures += want == JWT_ERR_TYPE || want == JWT_ERR_ISSUER
                    || want == JWT_ERR_AUDIENCE || want == JWT_ERR_CLAIM_MISSING;
            }
        }
    }
    ck_assert_int_gt(passed, 100);
    ck_assert_int_gt(untimed_failures, 100);
}
END_TEST

START_TEST(test_window_bounds)
{
    jwt_err_t e;
    int64_t from = 0, until = 0;
    jwt_claims_policy_t *p = pol_at(0, 60);

    ck_assert_code(jwt_claims_window(tok("{\"sub\":\"u\"}", NULL), p, &from, &until, &e),
                   JWT_OK);
    ck_assert(from == INT64_MIN && until == INT64_MAX);
    ck_assert_code(jwt_claims_window(tok("{\"exp\":9007199254740991,\"nbf\":0}", NULL), p,
                                     &from, &until, &e), JWT_OK);
    ck_assert(from == -60 && until == 9007199254740991 + 60);
    p->leeway = INT64_MAX;             /* saturates instead of overflowing */
    ck_assert_code(jwt_claims_window(tok("{\"exp\":5,\"iat\":7}", NULL), p, &from, &until, &e),
                   JWT_OK);
    ck_assert(until == INT64_MAX && from == 7 - INT64_MAX);
    p->leeway = 0;
    p->max_lifetime = 10;
    ck_assert_code(jwt_claims_window(tok("{\"exp\":100,\"iat\":80}", NULL), p, &from, &until,
                                     &e), JWT_ERR_LIFETIME);
    ck_assert_code(jwt_claims_window(tok("{\"nbf\":\"soon\"}", NULL), p, &from, &until, &e),
                   JWT_ERR_CLAIM_TYPE);
}
END_TEST

/* ---- iss ---- */

START_TEST(test_iss)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    /* Not configured: not checked at all. */
    ck_assert_code(jwt_check_iss(tok("{\"iss\":5}", NULL), p, &e), JWT_OK);
    p->issuers = list("https://idp.example/", "https://other.example/");
    ck_assert_code(jwt_check_iss(tok("{\"iss\":\"https://idp.example/\"}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":\"https://other.example/\"}", NULL), p, &e),
                   JWT_OK);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":\"https:\\/\\/idp.example\\/\"}", NULL), p, &e),
                   JWT_OK);
    static const char *bad[] = {
        "{\"iss\":\"https://idp.example\"}", "{\"iss\":\"https://idp.example/x\"}",
        "{\"iss\":\"HTTPS://IDP.EXAMPLE/\"}", "{\"iss\":\" https://idp.example/\"}",
        "{\"iss\":\"https://idp.example//\"}", "{\"iss\":\"\"}", "{\"iss\":\"https://idp.example/ \"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_code(jwt_check_iss(tok(bad[i], NULL), p, &e), JWT_ERR_ISSUER);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":\"https://evil.example/\"}", NULL), p, &e),
                   JWT_ERR_ISSUER);
    ck_assert_str_eq(e.message, "issuer \"https://evil.example/\" is not accepted (expected "
                                "https://idp.example/, https://other.example/)");
    ck_assert_code(jwt_check_iss(tok("{}", NULL), p, &e), JWT_ERR_CLAIM_MISSING);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":1}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":null}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":[\"https://idp.example/\"]}", NULL), p, &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":{\"a\":1}}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
}
END_TEST

START_TEST(test_iss_message_sanitised)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    p->issuers = list("a", NULL);
    ck_assert_code(jwt_check_iss(tok("{\"iss\":\"x\\\"y\\n\\u00e9z\"}", NULL), p, &e),
                   JWT_ERR_ISSUER);
    ck_assert_str_eq(e.message, "issuer \"x?y???z\" is not accepted (expected a)");
    char big[400];
    memset(big, 'q', sizeof(big));
    memcpy(big, "{\"iss\":\"", 8);
    memcpy(big + sizeof(big) - 3, "\"}", 3);
    ck_assert_code(jwt_check_iss(tok(big, NULL), p, &e), JWT_ERR_ISSUER);
    ck_assert_uint_lt(strlen(e.message), 120);
    ck_assert_ptr_nonnull(strstr(e.message, "qqq...\""));
}
END_TEST

/* ---- aud ---- */

START_TEST(test_aud)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":7}", NULL), p, &e), JWT_OK); /* not configured */
    p->audiences = list("orders-api", "billing");
    ck_assert_code(jwt_check_aud(tok("{\"aud\":\"orders-api\"}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":\"billing\"}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[\"x\",\"billing\"]}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[\"orders-api\"]}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":\"orders\"}", NULL), p, &e), JWT_ERR_AUDIENCE);
    ck_assert_str_eq(e.message, "audience \"orders\" is not accepted");
    ck_assert_code(jwt_check_aud(tok("{\"aud\":\"orders-api2\"}", NULL), p, &e), JWT_ERR_AUDIENCE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":\"Orders-API\"}", NULL), p, &e), JWT_ERR_AUDIENCE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[\"a\",\"b\"]}", NULL), p, &e), JWT_ERR_AUDIENCE);
    ck_assert_str_eq(e.message, "none of the 2 audiences in the token is accepted");
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[]}", NULL), p, &e), JWT_ERR_AUDIENCE);
    ck_assert_str_eq(e.message, "claim \"aud\" is an empty array");
    /* A non-string element makes the claim malformed even when another element matches. */
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[\"orders-api\",1]}", NULL), p, &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_str_eq(e.message, "claim \"aud\" element 1 must be a string, not int");
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[null]}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":[[\"orders-api\"]]}", NULL), p, &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":1}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":{\"orders-api\":1}}", NULL), p, &e),
                   JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_aud(tok("{\"aud\":true}", NULL), p, &e), JWT_ERR_CLAIM_TYPE);
    ck_assert_code(jwt_check_aud(tok("{}", NULL), p, &e), JWT_ERR_CLAIM_MISSING);
}
END_TEST

/* ---- typ ---- */

START_TEST(test_typ)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    ck_assert_code(jwt_check_typ(tok("{}", NULL), p, &e), JWT_OK);     /* not configured */
    ck_assert_code(jwt_check_typ(tok("{}", "anything"), p, &e), JWT_OK);
    p->typ = "at+jwt";
    static const char *ok[] = { "at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt",
                                "APPLICATION/AT+JWT", "Application/at+JWT" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        ck_assert_msg(jwt_check_typ(tok("{}", ok[i]), p, &e) == JWT_OK, "%s", ok[i]);
    static const char *bad[] = { "JWT", "at+jwt ", " at+jwt", "text/at+jwt", "application/",
                                 "xapplication/at+jwt", "application/application/at+jwt",
                                 "at", "", "application:at+jwt", "at+jw" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(jwt_check_typ(tok("{}", bad[i]), p, &e) == JWT_ERR_TYPE, "%s", bad[i]);
    ck_assert_code(jwt_check_typ(tok("{}", "JWT"), p, &e), JWT_ERR_TYPE);
    ck_assert_str_eq(e.message, "token typ \"JWT\" is not the expected \"at+jwt\"");
    ck_assert_code(jwt_check_typ(tok("{}", NULL), p, &e), JWT_ERR_TYPE);
    ck_assert_str_eq(e.message, "token has no typ header, expected \"at+jwt\"");
    /* The prefix may be on the expected side instead. */
    p->typ = "application/at+jwt";
    ck_assert_code(jwt_check_typ(tok("{}", "at+jwt"), p, &e), JWT_OK);
    ck_assert_code(jwt_check_typ(tok("{}", "Application/At+Jwt"), p, &e), JWT_OK);
    ck_assert_code(jwt_check_typ(tok("{}", "jwt"), p, &e), JWT_ERR_TYPE);
    /* A full media type of another top-level type is not shortened. */
    p->typ = "text/plain";
    ck_assert_code(jwt_check_typ(tok("{}", "TEXT/PLAIN"), p, &e), JWT_OK);
    ck_assert_code(jwt_check_typ(tok("{}", "plain"), p, &e), JWT_ERR_TYPE);
}
END_TEST

/* ---- required ---- */

START_TEST(test_required)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    ck_assert_int_eq(p->required->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(p->required, 0, const char *), "exp");
    ck_assert_code(jwt_check_required(tok("{\"exp\":1}", NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_required(tok("{\"sub\":\"a\"}", NULL), p, &e), JWT_ERR_CLAIM_MISSING);
    ck_assert_str_eq(e.message, "required claim \"exp\" is missing");
    /* A null value is present; its type is checked by the claim's own check. */
    ck_assert_code(jwt_check_required(tok("{\"exp\":null}", NULL), p, &e), JWT_OK);
    p->required = list("sub", "https://example.com/roles");
    ck_assert_code(jwt_check_required(tok("{\"sub\":\"a\",\"https://example.com/roles\":[]}",
                                          NULL), p, &e), JWT_OK);
    ck_assert_code(jwt_check_required(tok("{\"sub\":\"a\"}", NULL), p, &e),
                   JWT_ERR_CLAIM_MISSING);
    ck_assert_str_eq(e.message, "required claim \"https://example.com/roles\" is missing");
    ck_assert_code(jwt_check_required(tok("{\"Sub\":\"a\"}", NULL), p, &e), JWT_ERR_CLAIM_MISSING);
    p->required = NULL;
    ck_assert_code(jwt_check_required(tok("{}", NULL), p, &e), JWT_OK);
    p->required = list(NULL, NULL);
    ck_assert_code(jwt_check_required(tok("{}", NULL), p, &e), JWT_OK);
}
END_TEST

/* ---- the whole policy ---- */

START_TEST(test_validate_all_pass)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 60);
    p->issuers = list("https://idp.example/", NULL);
    p->audiences = list("orders-api", NULL);
    p->typ = "at+jwt";
    p->max_lifetime = 3600;
    jwt_token_t *t = tok("{\"iss\":\"https://idp.example/\",\"aud\":[\"orders-api\"],"
                         "\"sub\":\"alice\",\"iat\":1795860000,\"nbf\":1795860000,"
                         "\"exp\":1795863000}", "at+jwt");
    ck_assert_code(jwt_claims_validate(t, p, &e), JWT_OK);
}
END_TEST

START_TEST(test_validate_order)
{
    jwt_err_t e;
    jwt_claims_policy_t *p = pol_at(T_NOW, 0);
    p->issuers = list("good", NULL);
    p->audiences = list("api", NULL);
    p->typ = "at+jwt";
    p->max_lifetime = 10;
    /* Fails everything: typ comes first. */
    const char *all_bad = "{\"iss\":\"bad\",\"aud\":\"x\",\"iat\":1795870000,\"nbf\":1795870000,"
                          "\"exp\":1}";
    ck_assert_code(jwt_claims_validate(tok(all_bad, "JWT"), p, &e), JWT_ERR_TYPE);
    ck_assert_int_eq(e.code, JWT_ERR_TYPE);
    /* Then required (no exp). */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"bad\"}", "at+jwt"), p, &e),
                   JWT_ERR_CLAIM_MISSING);
    /* Then exp. */
    ck_assert_code(jwt_claims_validate(tok(all_bad, "at+jwt"), p, &e), JWT_ERR_EXPIRED);
    /* Then nbf. */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"bad\",\"aud\":\"x\",\"iat\":1795870000,"
                                           "\"nbf\":1795870000,\"exp\":1795870005}", "at+jwt"),
                                       p, &e), JWT_ERR_NOT_YET_VALID);
    /* Then iat. */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"bad\",\"aud\":\"x\",\"iat\":1795870000,"
                                           "\"exp\":1795870005}", "at+jwt"), p, &e),
                   JWT_ERR_IAT_FUTURE);
    /* Then lifetime. */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"bad\",\"aud\":\"x\",\"iat\":1795860000,"
                                           "\"exp\":1795870005}", "at+jwt"), p, &e),
                   JWT_ERR_LIFETIME);
    /* Then iss. */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"bad\",\"aud\":\"x\",\"iat\":1795860312,"
                                           "\"exp\":1795860320}", "at+jwt"), p, &e),
                   JWT_ERR_ISSUER);
    /* Then aud. */
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"good\",\"aud\":\"x\",\"iat\":1795860312,"
                                           "\"exp\":1795860320}", "at+jwt"), p, &e),
                   JWT_ERR_AUDIENCE);
    ck_assert_code(jwt_claims_validate(tok("{\"iss\":\"good\",\"aud\":\"api\",\"iat\":1795860312,"
                                           "\"exp\":1795860320}", "at+jwt"), p, &e), JWT_OK);
}
END_TEST

START_TEST(test_policy_init)
{
    jwt_claims_policy_t p;
    time_t before = time(NULL);
    jwt_claims_policy_init(tp, &p);
    time_t after = time(NULL);
    ck_assert(p.now >= (int64_t)before && p.now <= (int64_t)after);
    ck_assert_int_eq(p.leeway, 60);
    ck_assert_ptr_null(p.issuers);
    ck_assert_ptr_null(p.audiences);
    ck_assert_ptr_null(p.typ);
    ck_assert_int_eq(p.max_lifetime, 0);
    ck_assert_int_eq(p.required->nelts, 1);
    jwt_err_t e;
    ck_assert_code(jwt_claims_validate(tok("{\"sub\":\"x\"}", NULL), &p, &e),
                   JWT_ERR_CLAIM_MISSING);
    ck_assert_code(jwt_check_exp(NULL, &p, &e), JWT_ERR_ARG);
}
END_TEST

/* ---- lookup ---- */

START_TEST(test_claim_path)
{
    json_object *pl = tok("{\"realm_access\":{\"roles\":[\"admin\",\"ops\"]},"
                          "\"a\":{\"b\":{\"c\":\"deep\"}},\"a.b\":\"literal\",\"s\":\"str\","
                          "\"n\":null,\"x.y\":1,\"e\":{\"\":5}}", NULL)->payload;
    json_object *v = jwt_claim_path(pl, "realm_access.roles");
    ck_assert_ptr_nonnull(v);
    ck_assert(json_object_is_type(v, json_type_array));
    ck_assert_int_eq(json_object_array_length(v), 2);
    v = jwt_claim_path(pl, "a.b.c");
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(json_object_get_string(v), "deep");
    /* "a.b" walks a -> b (the object), never the literal "a.b" member. */
    v = jwt_claim_path(pl, "a.b");
    ck_assert(json_object_is_type(v, json_type_object));
    ck_assert_ptr_null(jwt_claim_path(pl, "x.y"));
    ck_assert_str_eq(json_object_get_string(jwt_claim_path(pl, "s")), "str");
    static const char *none[] = { "", ".", "..", ".s", "s.", "a..b", "a.b.", ".a.b", "a.b.c.d",
                                  "s.x", "missing", "realm_access.roles.0", "n", "e.", "A" };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        ck_assert_msg(jwt_claim_path(pl, none[i]) == NULL, "path \"%s\" matched", none[i]);
    ck_assert_ptr_null(jwt_claim_path(NULL, "a"));
    ck_assert_ptr_null(jwt_claim_path(pl, NULL));
}
END_TEST

START_TEST(test_claim_path_long_names)
{
    char name[300], json[400], path[700];
    memset(name, 'k', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(json, sizeof(json), "{\"%s\":{\"in\":1}}", name);
    json_object *pl = tok(json, NULL)->payload;
    snprintf(path, sizeof(path), "%s.in", name);
    json_object *v = jwt_claim_path(pl, path);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(json_object_get_int(v), 1);
    path[sizeof(name) - 2] = '\0';       /* one 'k' shorter: no match */
    ck_assert_ptr_null(jwt_claim_path(pl, path));
    ck_assert_ptr_null(jwt_claim_path(pl, name + 1));
    ck_assert_ptr_nonnull(jwt_claim_path(pl, name));
}
END_TEST

START_TEST(test_time_iso)
{
    ck_assert_str_eq(jwt_time_iso(tp, 0), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(jwt_time_iso(tp, T_EXP), "2026-11-28T10:00:00Z");
    ck_assert_str_eq(jwt_time_iso(tp, T_NOW), "2026-11-28T10:05:12Z");
    ck_assert_str_eq(jwt_time_iso(tp, 951782400), "2000-02-29T00:00:00Z");
    ck_assert_str_eq(jwt_time_iso(tp, 253402300799LL), "9999-12-31T23:59:59Z");
    const char *far = jwt_time_iso(tp, INT64_MAX);
    ck_assert_str_eq(far, "@9223372036854775807");
}
END_TEST

Suite *suite_claims(void)
{
    Suite *s = suite_create("claims");
    TCase *tc = tcase_create("claims");
    /* check's default 4 s is a hang guard, not a budget: the window grid below runs ~460k
     * validations, which under ASan on a loaded 2-core machine once took longer */
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_numeric_date_accepts);
    tcase_add_test(tc, test_numeric_date_refuses);
    tcase_add_test(tc, test_numeric_date_nan_inf);
    tcase_add_test(tc, test_exp);
    tcase_add_test(tc, test_nbf);
    tcase_add_test(tc, test_iat);
    tcase_add_test(tc, test_lifetime);
    tcase_add_test(tc, test_window_matches_validate);
    tcase_add_test(tc, test_window_bounds);
    tcase_add_test(tc, test_validate_window_matches_validate);
    tcase_add_test(tc, test_iss);
    tcase_add_test(tc, test_iss_message_sanitised);
    tcase_add_test(tc, test_aud);
    tcase_add_test(tc, test_typ);
    tcase_add_test(tc, test_required);
    tcase_add_test(tc, test_validate_all_pass);
    tcase_add_test(tc, test_validate_order);
    tcase_add_test(tc, test_policy_init);
    tcase_add_test(tc, test_claim_path);
    tcase_add_test(tc, test_claim_path_long_names);
    tcase_add_test(tc, test_time_iso);
    suite_add_tcase(s, tc);
    return s;
}
