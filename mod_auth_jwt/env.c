/* env.c -- hand the verified identity to what runs after us: JWT_CLAIM_* environment
 * variables (CGI, SSI, logs) and AuthJWTForwardClaim request headers (proxied backends).
 */
#include "mod_auth_jwt.h"

#include <stdint.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

/* Decimal text of an int64, as json-c prints it, without json-c's printbuf and the copy
 * out of it (every token has exp and iat, and this runs for each on every request). */
static const char *int64_text(apr_pool_t *p, int64_t v)
{
    char buf[24], *end = buf + sizeof(buf), *c = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--c = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--c = '-';
    return apr_pstrmemdup(p, c, (apr_size_t)(end - c));
}

const char *jwt_claim_text(apr_pool_t *p, json_object *v)
{
    const char *s;
    int64_t n;

    if (!v)
        return NULL;
    switch (json_object_get_type(v)) {
    case json_type_null:
        return NULL;
    case json_type_string:
        s = json_object_get_string(v);
        /* a JSON "\u0000" would silently cut the C string: refuse rather than truncate */
        if (strlen(s) != (size_t)json_object_get_string_len(v))
            return NULL;
        return s;
    case json_type_boolean:
        return json_object_get_boolean(v) ? "true" : "false";
    case json_type_int:
        /* INT64_MAX may stand for a larger unsigned value: json-c prints that one */
        n = json_object_get_int64(v);
        if (n != INT64_MAX)
            return int64_text(p, n);
        return jwt_json_to_string(p, v);
    default:
        /* other numbers as their JSON text; arrays and objects as compact JSON */
        return jwt_json_to_string(p, v);
    }
}

/* JWT_CLAIM_<NAME>: upper case, anything outside [A-Za-z0-9_] becomes '_'. ASCII by
 * arithmetic rather than ctype calls: every claim of every request goes through here. */
static char env_char(unsigned char c)
{
    if ((unsigned)(c - '0') < 10u)
        return (char)c;
    if ((unsigned)((c | 0x20) - 'a') < 26u)
        return (char)(c & ~0x20);
    return '_';
}

/* n: strlen(claim) */
static char *env_name(apr_pool_t *p, const char *claim, size_t n)
{
    size_t i;
    char *out = apr_palloc(p, sizeof("JWT_CLAIM_") + n);
    memcpy(out, "JWT_CLAIM_", 10);
    for (i = 0; i < n; i++)
        out[10 + i] = env_char((unsigned char)claim[i]);
    out[10 + n] = '\0';
    return out;
}

/* Is any JWT_CLAIM_ variable set already (SetEnvIf, another module)? Rarely: then each
 * name is looked up in the table. Usually not: then a clash can only be between two of
 * this token's own claims, found among the names exported so far. (apr_table_get is slow
 * here: its checksum covers the first four characters, the same "JWT_" for every name.) */
static int claim_vars_preset(const apr_table_t *env)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && ap_cstr_casecmpn(e[i].key, "JWT_CLAIM_", 10) == 0)
            return 1;
    }
    return 0;
}

#define OWN_NAMES 32

/* Top-level claims only. When two claim names sanitise to the same variable, the first
 * one in the token wins (deterministic; later ones are logged at debug), and a variable
 * set before authentication is never replaced. */
void jwt_export_claims_env(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims)
{
    const char *own[OWN_NAMES];        /* names exported so far, while none was preset */
    size_t own_len[OWN_NAMES];
    int nown = 0, lookup;

    if (!claims || !json_object_is_type(claims, json_type_object))
        return;
    lookup = claim_vars_preset(r->subprocess_env);
    /* the object's own entry list (in token order), walked inline: four json-c calls per
     * claim less than its iterator API */
    json_object_object_foreach(claims, name, member) {
        const char *value = jwt_claim_text(r->pool, member);
        size_t len;
        int taken = 0, i;
        char *var;

        if (!value || !*name)
            continue;
        len = strlen(name);            /* the variable's is 10 more */
        var = env_name(r->pool, name, len);
        if (lookup)
            taken = apr_table_get(r->subprocess_env, var) != NULL;
        for (i = 0; !lookup && i < nown && !taken; i++)   /* both upper case already */
            taken = own_len[i] == len && memcmp(own[i] + 10, var + 10, len) == 0;
        if (taken) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0401)
                          "claim '%s' not exported: %s is already set",
                          name, var);
            continue;
        }
        apr_table_addn(r->subprocess_env, var, value);   /* absent: no need to replace */
        if (!lookup && nown < OWN_NAMES) {
            own[nown] = var;
            own_len[nown++] = len;
        }
        else
            lookup = 1;                /* more names than the list holds: ask the table */
    }
}

void jwt_strip_forwarded_headers(request_rec *r, const jwt_dir_conf_t *conf)
{
    int i;
    if (!conf->forwards)
        return;
    for (i = 0; i < conf->forwards->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(conf->forwards, i, jwt_forward_t).header);
}

/* A header value must not carry control characters (no header splitting). */
static int is_safe_header_value(const char *s)
{
    for (; *s; s++) {
        if (apr_iscntrl(*s) && *s != '\t')
            return 0;
    }
    return 1;
}

void jwt_forward_claims(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims)
{
    int i;

    if (!conf->forwards)
        return;
    for (i = 0; i < conf->forwards->nelts; i++) {
        const jwt_forward_t *f = &APR_ARRAY_IDX(conf->forwards, i, jwt_forward_t);
        const char *value = jwt_claim_text(r->pool, jwt_claim_path(claims, f->claim));

        apr_table_unset(r->headers_in, f->header);
        if (!value)
            continue;                 /* absent claim: the header stays absent */
        if (!is_safe_header_value(value)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0402)
                          "claim '%s' not forwarded in %s: it contains control characters",
                          f->claim, f->header);
            continue;
        }
        apr_table_setn(r->headers_in, f->header, value);
    }
}
