/* env.c -- hand the verified identity to what runs after us: JWT_CLAIM_* environment
 * variables (CGI, SSI, logs) and AuthJWTForwardClaim request headers (proxied backends).
 */
#include "env.h"
#include "request_state.h"
#include "env_memo.h"

#include <stdint.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>
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

/* Is any JWT_CLAIM_ variable set already? Usually not: then settling the token's own
 * clashes is all there is to do, without apr_table_get (slow here: its checksum covers the
 * first four characters, the same "JWT_" for every name). */
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

/* The JWT_CLAIM_* variables of one token: made from its claims (names sanitised, clashes
 * between its own claims settled), then added to a request's environment. */
typedef struct {
    const char *claim, *var, *value;   /* value NULL: the variable name is taken */
    size_t len;                        /* of the claim's name: the variable's is 10 more */
} var_draft_t;

#define OWN_NAMES 32                   /* clashes looked for by a scan up to here, then a hash */

/* Has an earlier claim the same variable name? Both upper case already. */
static int name_taken(const var_draft_t *d, int n, apr_hash_t *names, const var_draft_t *v)
{
    int i;
    if (names)
        return apr_hash_get(names, v->var + 10, (apr_ssize_t)v->len) != NULL;
    for (i = 0; i < n; i++) {
        if (d[i].value && d[i].len == v->len && memcmp(d[i].var + 10, v->var + 10, v->len) == 0)
            return 1;
    }
    return 0;
}

/* Top-level claims only, in token order; null and unprintable values are skipped. When two
 * claim names sanitise to the same variable, the first one in the token wins. Returns the
 * number of drafts in *out. */
static int drafts_make(apr_pool_t *p, json_object *claims, var_draft_t **out)
{
    int max = json_object_object_length(claims), n = 0, i;
    var_draft_t *d = apr_palloc(p, sizeof(*d) * (size_t)(max > 0 ? max : 1));
    apr_hash_t *names = NULL;

    json_object_object_foreach(claims, name, member) {
        var_draft_t *v = &d[n];
        if (!(v->value = jwt_claim_text(p, member)) || !*name)
            continue;
        v->claim = name;
        v->len = strlen(name);
        v->var = env_name(p, name, v->len);
        if (n == OWN_NAMES) {          /* many claims: a hash of the names so far */
            names = apr_hash_make(p);
            for (i = 0; i < n; i++) {
                if (d[i].value)
                    apr_hash_set(names, d[i].var + 10, (apr_ssize_t)d[i].len, "");
            }
        }
        if (name_taken(d, n, names, v))
            v->value = NULL;
        else if (names)
            apr_hash_set(names, v->var + 10, (apr_ssize_t)v->len, "");
        n++;
    }
    *out = d;
    return n;
}

/* A variable set before authentication is never replaced; a name taken by an earlier
 * claim is logged at debug. */
static void add_var(request_rec *r, int preset, const char *claim, const char *var,
                    const char *value)
{
    if (!value || (preset && apr_table_get(r->subprocess_env, var))) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0401)
                      "claim '%s' not exported: %s is already set", claim, var);
        return;
    }
    apr_table_addn(r->subprocess_env, var, value);   /* absent: no need to replace */
}

/* The drafts in one block of offsets and text, which the connection keeps
 * (env_memo.c): a repeat of the token on the connection copies it with one memcpy instead of
 * formatting every claim again. Its claims are the memo's own parsed object (never
 * changed on the request path), so its variables are these. */
typedef struct {
    uint32_t claim, var, value;        /* offsets from the pack's start; value 0: taken */
} packed_var_t;

typedef struct {
    uint32_t size;                     /* bytes of the whole pack */
    uint32_t count;
    packed_var_t var[];
} env_pack_t;

static env_pack_t *pack_make(apr_pool_t *p, const var_draft_t *d, int n)
{
    size_t size = sizeof(env_pack_t) + sizeof(packed_var_t) * (size_t)n;
    env_pack_t *pk;
    char *o;
    int i;

    for (i = 0; i < n; i++)            /* tokens are at most 8,000 bytes: no overflow */
        size += d[i].len + 1 + 10 + d[i].len + 1 + (d[i].value ? strlen(d[i].value) + 1 : 0);
    pk = apr_palloc(p, size);
    pk->size = (uint32_t)size;
    pk->count = (uint32_t)n;
    o = (char *)&pk->var[n];
#define PUT(field, str, len) \
    (pk->var[i].field = (uint32_t)(o - (char *)pk), memcpy(o, (str), (len)), o[len] = '\0', \
     o += (len) + 1)
    for (i = 0; i < n; i++) {
        PUT(claim, d[i].claim, d[i].len);
        PUT(var, d[i].var, 10 + d[i].len);
        if (d[i].value)
            PUT(value, d[i].value, strlen(d[i].value));
        else
            pk->var[i].value = 0;
    }
#undef PUT
    return pk;
}

void jwt_export_claims_env(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims)
{
    const env_pack_t *pk;
    var_draft_t *d;
    int preset, repeat, n, i;

    if (!claims || !json_object_is_type(claims, json_type_object))
        return;
    /* Is any JWT_CLAIM_ variable set already (SetEnvIf, another module)? Rarely: then each
     * name is looked up in the table. */
    preset = claim_vars_preset(r->subprocess_env);
    /* the memo's pack, copied into r->pool: the request's table must not point at memory
     * that the connection's next request may replace */
    if ((pk = jwt_env_memo_get(r, claims, &repeat))) {
        const char *base = (const char *)pk;
        for (i = 0; i < (int)pk->count; i++) {
            /* the usual case straight to the table: add_var's call and checks for each
             * claim of every repeat were a tenth of the hit path */
            if (!preset && pk->var[i].value)
                apr_table_addn(r->subprocess_env, base + pk->var[i].var, base + pk->var[i].value);
            else
                add_var(r, preset, base + pk->var[i].claim, base + pk->var[i].var,
                        pk->var[i].value ? base + pk->var[i].value : NULL);
        }
        return;
    }
    n = drafts_make(r->pool, claims, &d);
    for (i = 0; i < n; i++) {
        if (!preset && d[i].value)     /* as above: the usual case straight to the table */
            apr_table_addn(r->subprocess_env, d[i].var, d[i].value);
        else
            add_var(r, preset, d[i].claim, d[i].var, d[i].value);
    }
    if (repeat && n > 0) {             /* a token seen once (a miss) keeps nothing */
        pk = pack_make(r->pool, d, n);
        jwt_env_memo_keep(r, claims, pk, pk->size);
    }
}

/* Does a client header name equal a forwarded one once case and '_' / '-' are folded?
 * Backends that fold them (CGI-style HTTP_X_JWT_EMAIL variables in WSGI, Rack, PHP-FPM
 * behind some proxies) read X_JWT_Email, x-jwt-email and X-JWT_EMAIL as one name, so a
 * client must not be able to send any of them. */
static int same_folded_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x == '_')
            x = '-';
        if (y == '_')
            y = '-';
        if (apr_tolower(x) != apr_tolower(y))
            return 0;
    }
    return *a == *b;
}

static int is_forwarded_name(const apr_array_header_t *forwards, const char *name)
{
    int i;
    for (i = 0; i < forwards->nelts; i++) {
        if (same_folded_name(name, APR_ARRAY_IDX(forwards, i, jwt_forward_t).header))
            return 1;
    }
    return 0;
}

/* apr_table_do callback data: the names to remove, collected first (the table must not
 * change while it is walked). */
typedef struct {
    const apr_array_header_t *forwards;
    apr_array_header_t *doomed;      /* const char *: header names as the client spelt them */
} strip_walk_t;

static int collect_forwarded(void *data, const char *key, const char *value)
{
    strip_walk_t *w = data;
    (void)value;
    if (key && is_forwarded_name(w->forwards, key))
        APR_ARRAY_PUSH(w->doomed, const char *) = key;
    return 1;
}

/* Remove every header that folds to one of these forwarded names. */
static void strip_names(request_rec *r, const apr_array_header_t *forwards)
{
    strip_walk_t w;
    int i;

    if (!forwards || forwards->nelts == 0)
        return;
    w.forwards = forwards;
    w.doomed = NULL;
    {
        /* the common case, no such header, costs no allocation */
        const apr_array_header_t *arr = apr_table_elts(r->headers_in);
        const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
        for (i = 0; i < arr->nelts; i++) {
            if (e[i].key && is_forwarded_name(forwards, e[i].key))
                break;
        }
        if (i == arr->nelts)
            return;
    }
    w.doomed = apr_array_make(r->pool, 4, sizeof(const char *));
    apr_table_do(collect_forwarded, &w, r->headers_in, NULL);
    for (i = 0; i < w.doomed->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(w.doomed, i, const char *));
}

void jwt_strip_forwarded_headers(request_rec *r, const jwt_dir_conf_t *conf)
{
    if (conf)
        strip_names(r, conf->forwards);
}

/* The request whose authentication this one inherited: httpd skips authn for a subrequest
 * or internal redirect whose configuration is the same as its parent's. */
static const jwt_request_state_t *inherited_state(const request_rec *r)
{
    const request_rec *q;
    for (q = r; q; q = q->main ? q->main : q->prev) {
        const jwt_request_state_t *st = jwt_request_state(q);
        if (st)
            return q->per_dir_config == r->per_dir_config ? st : NULL;
        if (q != r && q->per_dir_config != r->per_dir_config)
            return NULL;
    }
    return NULL;
}

/* fixups: runs for every request that reaches a handler, main or sub, internal redirect
 * (error documents) or not, after authentication or without it (OPTIONS let through,
 * Require all granted in an inner section). header_parser runs for main requests only, and
 * authn only where a token is required, so this is where a client's copy of a forwarded
 * header is certain to be gone. A request our authn verified has stripped and forwarded
 * already; one that inherited its parent's verdict gets the parent's claims again; any
 * other loses every spelling of its section's forwarded names. (A main request's headers
 * were stripped by header_parser already; an internal redirect shares its table, and a
 * subrequest copies it.) */
int jwt_forward_fixups(request_rec *r)
{
    const jwt_dir_conf_t *conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    const jwt_request_state_t *st;

    if (!conf || !conf->forwards || jwt_request_state(r))
        return DECLINED;               /* nothing to forward, or jwt_check_authn did it */
    if (r->user && (st = inherited_state(r)))
        jwt_forward_claims(r, conf, st->claims);
    else
        strip_names(r, conf->forwards);
    return DECLINED;
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
    strip_names(r, conf->forwards);
    for (i = 0; i < conf->forwards->nelts; i++) {
        const jwt_forward_t *f = &APR_ARRAY_IDX(conf->forwards, i, jwt_forward_t);
        const char *value = jwt_claim_text(r->pool, jwt_claim_path(claims, f->claim));

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
