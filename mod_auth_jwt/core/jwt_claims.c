/* jwt_claims.c -- claim validation (RFC 7519 section 4.1, RFC 8725) and claim lookup.
 *
 * Claim values come from the token: they are attacker-controlled until the whole policy
 * has passed. Values shown in log messages (iss, aud) are therefore cut short and made
 * printable; times are shown as ISO 8601 UTC so operators can compare them at a glance.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <apr_strings.h>
#include "jwt_claims.h"

/* 2^53: the largest range in which every integer is exact as a JSON number in most
 * implementations (RFC 7493 section 2.2). NumericDates beyond it are refused. */
#define NUMERIC_DATE_LIMIT 9007199254740992.0
#define NUMERIC_DATE_LIMIT_INT ((int64_t)1 << 53)

/* Longest claim value we echo into a log message. */
#define SHOWN_MAX 64

void jwt_claims_policy_init(apr_pool_t *p, jwt_claims_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->now = (int64_t)time(NULL);
    pol->leeway = 60;
    pol->required = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(pol->required, const char *) = "exp";
}

/* ---- helpers ---- */

/* a + b without signed overflow (saturates). */
static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int64_t leeway_of(const jwt_claims_policy_t *pol)
{
    return pol->leeway > 0 ? pol->leeway : 0;
}

/* A printable, bounded copy of an untrusted string for a log message. */
static void shown(char *buf, size_t buflen, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < buflen && i < SHOWN_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    if (len > SHOWN_MAX && o + 4 < buflen) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
}

static const char *type_name(json_object *v)
{
    return v == NULL ? "null" : json_type_to_name(json_object_get_type(v));
}

static jwt_code_t payload_ok(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                             jwt_err_t *err)
{
    if (t == NULL || pol == NULL || t->payload == NULL ||
        !json_object_is_type(t->payload, json_type_object))
        return JWT_ERR(err, JWT_ERR_ARG, "claims check without a parsed payload or policy");
    return JWT_OK;
}

/* Exact byte comparison of a JSON string with a C string (no prefix match, no
 * normalisation; lengths compared too, so an embedded NUL cannot truncate). */
static int json_string_equals(json_object *v, const char *want)
{
    size_t len = (size_t)json_object_get_string_len(v);
    return len == strlen(want) && memcmp(json_object_get_string(v), want, len) == 0;
}

/* "a, b, c" into buf, truncated with "..." when it does not fit (log text only). */
static void join_list(char *buf, size_t buflen, const apr_array_header_t *a)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < a->nelts && o < buflen; i++) {
        int n = snprintf(buf + o, buflen - o, "%s%s", i ? ", " : "",
                         APR_ARRAY_IDX(a, i, const char *));
        if (n < 0 || (size_t)n >= buflen - o) {
            if (buflen >= 4)
                memcpy(buf + buflen - 4, "...", 4);
            return;
        }
        o += (size_t)n;
    }
}

static int list_empty(const apr_array_header_t *a)
{
    return a == NULL || a->nelts == 0;
}

/* ---- NumericDate ---- */

static jwt_code_t numeric_from_int(json_object *v, const char *name, int64_t *out,
                                   jwt_err_t *err)
{
    /* json-c saturates integers that overflow int64 (to INT64_MAX / INT64_MIN), and
     * both saturated values fail the range check below, so overflow is never accepted. */
    int64_t i = json_object_get_int64(v);
    if (i < 0 || i >= NUMERIC_DATE_LIMIT_INT)
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE,
                       "claim \"%s\" is out of range for a NumericDate (must be in [0, 2^53))",
                       name);
    *out = i;
    return JWT_OK;
}

static jwt_code_t numeric_from_double(json_object *v, const char *name, int64_t *out,
                                      jwt_err_t *err)
{
    double d = json_object_get_double(v);
    /* Range-check the double itself before converting: converting NaN, inf or a value
     * beyond int64 is undefined behaviour in C. */
    if (isnan(d) || isinf(d) || !(d >= 0.0) || !(d < NUMERIC_DATE_LIMIT))
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE,
                       "claim \"%s\" is out of range for a NumericDate (must be in [0, 2^53))",
                       name);
    *out = (int64_t)d;          /* truncates toward zero: 1.9 -> 1 */
    return JWT_OK;
}

/* The NumericDate value v of claim name (present in the payload). */
static jwt_code_t numeric_date_value(json_object *v, const char *name, int64_t *out,
                                     jwt_err_t *err)
{
    if (json_object_is_type(v, json_type_int))
        return numeric_from_int(v, name, out, err);
    if (json_object_is_type(v, json_type_double))
        return numeric_from_double(v, name, out, err);
    return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "claim \"%s\" must be a number, not %s", name,
                   type_name(v));
}

jwt_code_t jwt_claim_numeric_date(json_object *payload, const char *name, int64_t *out,
                                  jwt_err_t *err)
{
    json_object *v = NULL;
    if (payload == NULL || name == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "NumericDate lookup: missing argument");
    if (!json_object_object_get_ex(payload, name, &v))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "claim \"%s\" is missing", name);
    return numeric_date_value(v, name, out, err);
}

/* An optional NumericDate: *present = 0 when absent (not an error here). One lookup: this
 * runs for exp, nbf and iat on every request, cache hits included. */
static jwt_code_t optional_date(const jwt_token_t *t, const char *name, int64_t *out,
                                int *present, jwt_err_t *err)
{
    json_object *v = NULL;
    jwt_code_t rc;

    *present = 0;
    if (!json_object_object_get_ex(t->payload, name, &v))
        return JWT_OK;
    rc = numeric_date_value(v, name, out, err);
    *present = (rc == JWT_OK);
    return rc;
}

/* ---- time checks ---- */

/* "2026-11-28T10:00:00Z" into buf; "@<seconds>" when the value is beyond what the C
 * library can represent. */
static void format_time(char *buf, size_t buflen, int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(buf, buflen, "@%" APR_INT64_T_FMT, (apr_int64_t)t);
}

const char *jwt_time_iso(apr_pool_t *p, int64_t t)
{
    char buf[64];
    format_time(buf, sizeof(buf), t);
    return apr_pstrdup(p, buf);
}

static jwt_code_t time_error(jwt_err_t *err, jwt_code_t code, const char *what,
                             int64_t claim, const jwt_claims_policy_t *pol, int line)
{
    char at[64], now[64];
    format_time(at, sizeof(at), claim);
    format_time(now, sizeof(now), pol->now);
    return jwt_err_set(err, code, __FILE__, line, "%s %s, now %s, leeway %" APR_INT64_T_FMT "s",
                       what, at, now, (apr_int64_t)leeway_of(pol));
}

jwt_code_t jwt_check_exp(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    int64_t exp;
    int present;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || (rc = optional_date(t, "exp", &exp, &present, err)) != JWT_OK)
        return rc;
    /* RFC 7519 4.1.4: the current time must be before exp (plus leeway). */
    if (present && pol->now >= sat_add(exp, leeway_of(pol)))
        return time_error(err, JWT_ERR_EXPIRED, "token expired at", exp, pol, __LINE__);
    return JWT_OK;
}

jwt_code_t jwt_check_nbf(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    int64_t nbf;
    int present;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || (rc = optional_date(t, "nbf", &nbf, &present, err)) != JWT_OK)
        return rc;
    /* RFC 7519 4.1.5: the current time must be at or after nbf (minus leeway). */
    if (present && sat_add(pol->now, leeway_of(pol)) < nbf)
        return time_error(err, JWT_ERR_NOT_YET_VALID, "token not valid before", nbf, pol,
                          __LINE__);
    return JWT_OK;
}

jwt_code_t jwt_check_iat(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    int64_t iat;
    int present;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || (rc = optional_date(t, "iat", &iat, &present, err)) != JWT_OK)
        return rc;
    /* A token issued in the future (beyond clock skew) is a forged or broken clock. */
    if (present && sat_add(pol->now, leeway_of(pol)) < iat)
        return time_error(err, JWT_ERR_IAT_FUTURE, "token issued in the future at", iat, pol,
                          __LINE__);
    return JWT_OK;
}

jwt_code_t jwt_check_lifetime(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                              jwt_err_t *err)
{
    int64_t exp, iat;
    int has_exp, has_iat;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || pol->max_lifetime <= 0)
        return rc;
    if ((rc = optional_date(t, "exp", &exp, &has_exp, err)) != JWT_OK ||
        (rc = optional_date(t, "iat", &iat, &has_iat, err)) != JWT_OK)
        return rc;
    if (!has_exp)
        return JWT_ERR(err, JWT_ERR_LIFETIME,
                       "token has no exp, so its lifetime exceeds the maximum of %"
                       APR_INT64_T_FMT "s", (apr_int64_t)pol->max_lifetime);
    /* Both operands are in [0, 2^53) (or now, from the clock), so no overflow. */
    int64_t from = has_iat ? iat : pol->now;
    int64_t lifetime = exp - from;
    if (lifetime > pol->max_lifetime)
        return JWT_ERR(err, JWT_ERR_LIFETIME,
                       "token lifetime %" APR_INT64_T_FMT "s (exp - %s) exceeds the maximum "
                       "of %" APR_INT64_T_FMT "s", (apr_int64_t)lifetime,
                       has_iat ? "iat" : "now", (apr_int64_t)pol->max_lifetime);
    return JWT_OK;
}

/* The request times at which the time checks above pass, as [*from, *until): exp gives
 * until = exp + leeway; nbf and iat give from = value - leeway; a maximum lifetime measured
 * from now (no iat) gives from = exp - max_lifetime. pol->now is not used. For a token
 * whose other checks pass, jwt_claims_validate passes at exactly the nows in the span (the
 * unit tests hold the two to that, over a grid of claims, policies and nows). A type error
 * in exp, nbf or iat, or a lifetime that fails at any time, is returned as validate would.
 * The bounds cannot overflow: claims are in [0, 2^53) and leeway/max_lifetime >= 0. */
jwt_code_t jwt_claims_window(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                             int64_t *from, int64_t *until, jwt_err_t *err)
{
    int64_t exp = 0, nbf = 0, iat = 0, leeway;
    int has_exp, has_nbf, has_iat;
    jwt_code_t rc = payload_ok(t, pol, err);

    if (rc != JWT_OK || (rc = optional_date(t, "exp", &exp, &has_exp, err)) != JWT_OK
        || (rc = optional_date(t, "nbf", &nbf, &has_nbf, err)) != JWT_OK
        || (rc = optional_date(t, "iat", &iat, &has_iat, err)) != JWT_OK)
        return rc;
    leeway = leeway_of(pol);
    *from = INT64_MIN;
    *until = has_exp ? sat_add(exp, leeway) : INT64_MAX;
    if (has_nbf)
        *from = nbf - leeway;
    if (has_iat && iat - leeway > *from)
        *from = iat - leeway;
    if (pol->max_lifetime > 0) {
        if (!has_exp || has_iat)       /* the lifetime does not depend on the time */
            return jwt_check_lifetime(t, pol, err);
        if (exp - pol->max_lifetime > *from)
            *from = exp - pol->max_lifetime;
    }
    return JWT_OK;
}

/* ---- iss, aud, typ, required ---- */

static int in_list(json_object *v, const apr_array_header_t *list)
{
    for (int i = 0; i < list->nelts; i++)
        if (json_string_equals(v, APR_ARRAY_IDX(list, i, const char *)))
            return 1;
    return 0;
}

jwt_code_t jwt_check_iss(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    json_object *iss = NULL;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || list_empty(pol->issuers))
        return rc;
    if (!json_object_object_get_ex(t->payload, "iss", &iss))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "claim \"iss\" is missing (issuers are "
                       "configured, so it is required)");
    if (!json_object_is_type(iss, json_type_string))
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "claim \"iss\" must be a string, not %s",
                       type_name(iss));
    if (in_list(iss, pol->issuers))
        return JWT_OK;

    char buf[SHOWN_MAX + 8], want[160];
    shown(buf, sizeof(buf), json_object_get_string(iss), (size_t)json_object_get_string_len(iss));
    join_list(want, sizeof(want), pol->issuers);
    return JWT_ERR(err, JWT_ERR_ISSUER, "issuer \"%s\" is not accepted (expected %s)", buf,
                   want);
}

/* aud as an array: every element must be a string (a mixed array is malformed, not a
 * partial match); any-of against the configured audiences. */
static jwt_code_t check_aud_array(json_object *aud, const apr_array_header_t *want,
                                  jwt_err_t *err)
{
    size_t n = json_object_array_length(aud);
    int matched = 0;
    if (n == 0)
        return JWT_ERR(err, JWT_ERR_AUDIENCE, "claim \"aud\" is an empty array");
    for (size_t i = 0; i < n; i++) {
        json_object *el = json_object_array_get_idx(aud, i);
        if (!json_object_is_type(el, json_type_string))
            return JWT_ERR(err, JWT_ERR_CLAIM_TYPE,
                           "claim \"aud\" element %zu must be a string, not %s", i,
                           type_name(el));
        if (!matched && in_list(el, want))
            matched = 1;
    }
    if (!matched)
        return JWT_ERR(err, JWT_ERR_AUDIENCE, "none of the %zu audiences in the token is "
                       "accepted", n);
    return JWT_OK;
}

jwt_code_t jwt_check_aud(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    json_object *aud = NULL;
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || list_empty(pol->audiences))
        return rc;
    if (!json_object_object_get_ex(t->payload, "aud", &aud))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "claim \"aud\" is missing (audiences are "
                       "configured, so it is required)");
    if (json_object_is_type(aud, json_type_array))
        return check_aud_array(aud, pol->audiences, err);
    if (!json_object_is_type(aud, json_type_string))
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE,
                       "claim \"aud\" must be a string or an array of strings, not %s",
                       type_name(aud));
    if (in_list(aud, pol->audiences))
        return JWT_OK;
    char buf[SHOWN_MAX + 8];
    shown(buf, sizeof(buf), json_object_get_string(aud), (size_t)json_object_get_string_len(aud));
    return JWT_ERR(err, JWT_ERR_AUDIENCE, "audience \"%s\" is not accepted", buf);
}

/* RFC 7515 4.1.9: a typ without '/' means "application/" + typ. Compare the short forms,
 * case-insensitively (media types are case-insensitive). */
static const char *typ_short_form(const char *typ)
{
    static const char prefix[] = "application/";
    size_t pl = sizeof(prefix) - 1;
    if (strncasecmp(typ, prefix, pl) == 0 && strchr(typ + pl, '/') == NULL)
        return typ + pl;
    return typ;
}

jwt_code_t jwt_check_typ(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err)
{
    if (t == NULL || pol == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "typ check without a token or policy");
    if (pol->typ == NULL)
        return JWT_OK;
    if (t->typ == NULL)
        return JWT_ERR(err, JWT_ERR_TYPE, "token has no typ header, expected \"%s\"", pol->typ);
    if (strcasecmp(typ_short_form(t->typ), typ_short_form(pol->typ)) == 0)
        return JWT_OK;
    char buf[SHOWN_MAX + 8];
    shown(buf, sizeof(buf), t->typ, strlen(t->typ));
    return JWT_ERR(err, JWT_ERR_TYPE, "token typ \"%s\" is not the expected \"%s\"", buf,
                   pol->typ);
}

jwt_code_t jwt_check_required(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                              jwt_err_t *err)
{
    jwt_code_t rc = payload_ok(t, pol, err);
    if (rc != JWT_OK || pol->required == NULL)
        return rc;
    /* Names are top-level member names, matched exactly (a name may contain dots, as
     * namespaced claims like "https://example.com/roles" do). */
    for (int i = 0; i < pol->required->nelts; i++) {
        const char *name = APR_ARRAY_IDX(pol->required, i, const char *);
        if (!json_object_object_get_ex(t->payload, name, NULL))
            return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "required claim \"%s\" is missing",
                           name);
    }
    return JWT_OK;
}

jwt_code_t jwt_claims_validate(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                               jwt_err_t *err)
{
    typedef jwt_code_t (*check_fn)(const jwt_token_t *, const jwt_claims_policy_t *,
                                   jwt_err_t *);
    static const check_fn checks[] = {
        jwt_check_typ, jwt_check_required, jwt_check_exp, jwt_check_nbf, jwt_check_iat,
        jwt_check_lifetime, jwt_check_iss, jwt_check_aud,
    };
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        jwt_code_t rc = checks[i](t, pol, err);
        if (rc != JWT_OK)
            return rc;
    }
    return JWT_OK;
}

/* One read of exp, nbf and iat serves both the time checks and the window: when the
 * request's time is inside the window, the time checks pass (jwt_claims_window's contract)
 * and only the others run, in validate's order, so the first failure reported is the same.
 * Anything else goes through validate itself, for its exact error. */
jwt_code_t jwt_claims_validate_window(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                                      int64_t *from, int64_t *until, jwt_err_t *err)
{
    typedef jwt_code_t (*check_fn)(const jwt_token_t *, const jwt_claims_policy_t *,
                                   jwt_err_t *);
    static const check_fn untimed[] = {
        jwt_check_typ, jwt_check_required, jwt_check_iss, jwt_check_aud,
    };
    jwt_code_t rc = jwt_claims_window(t, pol, from, until, NULL);

    if (rc != JWT_OK || pol->now < *from || pol->now >= *until) {
        *from = INT64_MAX;             /* nothing to keep ... */
        *until = INT64_MIN;
        return jwt_claims_validate(t, pol, err);   /* ... as this fails, by the contract */
    }
    for (size_t i = 0; i < sizeof(untimed) / sizeof(untimed[0]); i++) {
        if ((rc = untimed[i](t, pol, err)) != JWT_OK) {
            *from = INT64_MAX;
            *until = INT64_MIN;
            return rc;
        }
    }
    return JWT_OK;
}

/* ---- claim lookup ---- */

/* Member segment[0..len) of obj, or NULL. Member names cannot contain NUL (the parser
 * refuses \u0000), so a NUL-terminated copy of the segment looks up exactly. */
static json_object *member_span(json_object *obj, const char *seg, size_t len)
{
    json_object *v = NULL;
    char small[128];
    if (!json_object_is_type(obj, json_type_object))
        return NULL;
    if (len < sizeof(small)) {
        memcpy(small, seg, len);
        small[len] = '\0';
        return json_object_object_get_ex(obj, small, &v) ? v : NULL;
    }
    /* Long names: compare in place rather than copying to the heap. */
    json_object_object_foreach(obj, key, val) {
        if (strlen(key) == len && memcmp(key, seg, len) == 0)
            return val;
    }
    return NULL;
}

json_object *jwt_claim_path(json_object *payload, const char *path)
{
    if (payload == NULL || path == NULL || *path == '\0')
        return NULL;
    json_object *cur = payload;
    const char *seg = path;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
        if (len == 0)
            return NULL;            /* "a..b", ".a", "a." never match */
        cur = member_span(cur, seg, len);
        if (cur == NULL || dot == NULL)
            return cur;
        seg = dot + 1;
    }
}
