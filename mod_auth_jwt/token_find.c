/* token_find.c -- the first stage of the pipeline (authn.c): where the token is. */
#include "token_find.h"
#include "login_guard.h"
#include "compat_authnz.h"
#include "binding_conf.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_core.h"
#include "http_protocol.h"

/* ---------------------------------------------------------------- token sources */

/* Record a candidate. Two candidates that differ are refused (RFC 6750 3.1: a request
 * must not use more than one method to carry a token). */
static token_find_t offer(apr_pool_t *p, token_hunt_t *h, const char *tok, size_t len,
                          const char *where)
{
    if (!h->token) {
        h->token = tok;
        h->len = len;
        h->where = where;
        return TOKEN_FOUND;
    }
    if (h->len != len || memcmp(h->token, tok, len) != 0) {
        h->why = apr_psprintf(p, "different tokens in %s and %s", h->where, where);
        return TOKEN_CONFLICT;
    }
    return TOKEN_FOUND;
}

/* scheme: n ASCII letters, in lower case. c | 0x20 equals a lower-case letter only for
 * that letter in either case (and never for NUL, so the loop stops at the value's end): the
 * same answer as ap_cstr_casecmpn, without its call and table walk on every request. */
static int starts_with_scheme(const char *s, const char *scheme, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] | 0x20) != (unsigned char)scheme[i])
            return 0;
    }
    return s[n] == ' ' || s[n] == '\t' || s[n] == '\0';
}

/* Length of the token scheme s starts with: "Bearer", and "DPoP" where AuthJWTBinding dpop
 * asks for it (RFC 9449 7.1); 0 for any other scheme. */
static size_t token_scheme(const char *s, int dpop)
{
    if (starts_with_scheme(s, "bearer", 6))
        return 6;
    if (dpop && starts_with_scheme(s, "dpop", 4))
        return 4;
    return 0;
}

/* httpd folds repeated request headers into one value joined by ", ", so a second
 * "Bearer ..." after a comma means the client sent several Authorization headers. */
static int has_folded_bearer(const char *v, int dpop)
{
    const char *c;
    for (c = strchr(v, ','); c; c = strchr(c + 1, ',')) {
        const char *w = c + 1;
        while (*w == ' ' || *w == '\t')
            w++;
        if (token_scheme(w, dpop))
            return 1;
    }
    return 0;
}

static token_find_t from_header(request_rec *r, const jwt_dir_conf_t *conf, token_hunt_t *h)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *value = NULL, *tok;
    size_t len;
    int i, count = 0, has_comma, dpop = jwt_binding_dpop(conf);
    size_t scheme;

    for (i = 0; i < arr->nelts; i++) {
        /* the first letter first: most headers (Host, Accept, ...) are passed over
         * without an ap_cstr_casecmp call each */
        if (e[i].key && (e[i].key[0] | 0x20) == 'a'
            && !ap_cstr_casecmp(e[i].key, "Authorization")) {
            count++;
            value = e[i].val;
        }
    }
    if (count == 0)
        return TOKEN_NONE;
    has_comma = strchr(value, ',') != NULL;
    if (count > 1 || (has_comma && has_folded_bearer(value, dpop))) {
        h->why = "more than one Authorization header";
        return TOKEN_CONFLICT;
    }
    while (*value == ' ' || *value == '\t')
        value++;
    if (!(scheme = token_scheme(value, dpop)))
        return TOKEN_NONE;             /* another scheme: not ours, no bearer token */
    h->dpop_scheme = scheme == 4;
    tok = value + scheme;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    if (has_comma) {                   /* nothing before the token can hold the comma */
        h->why = "more than one Authorization header";
        return TOKEN_CONFLICT;
    }
    len = strlen(tok);
    while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
        len--;
    if (tok[len] != '\0')             /* trailing blanks: the token alone, in a copy */
        tok = apr_pstrmemdup(r->pool, tok, len);
    /* An empty "Bearer" still counts as a (malformed) token: the verifier says why. */
    return offer(r->pool, h, tok, len, "the Authorization header");
}

typedef struct {
    request_rec *r;
    const char *name;
    token_hunt_t *h;
    token_find_t result;
} cookie_scan_t;

static void scan_cookie_line(cookie_scan_t *cs, const char *line)
{
    char *copy = apr_pstrdup(cs->r->pool, line), *last = NULL, *pair;
    size_t nlen = strlen(cs->name);

    for (pair = apr_strtok(copy, ";,", &last); pair; pair = apr_strtok(NULL, ";,", &last)) {
        char *v;
        size_t vlen;
        while (*pair == ' ' || *pair == '\t')
            pair++;
        if (strncmp(pair, cs->name, nlen) != 0 || pair[nlen] != '=')
            continue;
        v = pair + nlen + 1;
        vlen = strlen(v);
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            v[--vlen] = '\0';
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {   /* RFC 6265 quoted value */
            v[vlen - 1] = '\0';
            v++;
            vlen -= 2;
        }
        if (offer(cs->r->pool, cs->h, v, vlen,
                  apr_pstrcat(cs->r->pool, "cookie ", cs->name, NULL)) == TOKEN_CONFLICT) {
            cs->result = TOKEN_CONFLICT;
            return;
        }
        cs->result = TOKEN_FOUND;
    }
}

static token_find_t from_cookie(request_rec *r, const char *name, token_hunt_t *h)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    cookie_scan_t cs = { r, jwt_token_cookie_name(r, name), h, TOKEN_NONE };
    int i;

    for (i = 0; i < arr->nelts && cs.result != TOKEN_CONFLICT; i++) {
        if (e[i].key && !ap_cstr_casecmp(e[i].key, "Cookie"))
            scan_cookie_line(&cs, e[i].val);
    }
    return cs.result;
}

static token_find_t from_query(request_rec *r, const char *name, token_hunt_t *h)
{
    char *copy, *last = NULL, *pair;
    token_find_t result = TOKEN_NONE;
    const char *where;

    if (!r->args || !*r->args)
        return TOKEN_NONE;
    where = apr_pstrcat(r->pool, "query parameter ", name, NULL);
    copy = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(copy, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ap_unescape_urlencoded(pair) != OK || strcmp(pair, name) != 0)
            continue;
        if (ap_unescape_urlencoded(eq + 1) != OK) {
            h->why = apr_psprintf(r->pool, "bad percent-encoding in %s", where);
            return TOKEN_BAD_REQUEST;
        }
        if (offer(r->pool, h, eq + 1, strlen(eq + 1), where) == TOKEN_CONFLICT)
            return TOKEN_CONFLICT;
        result = TOKEN_FOUND;
    }
    return result;
}

token_find_t jwt_find_token(request_rec *r, const jwt_dir_conf_t *conf, token_hunt_t *h)
{
    token_find_t overall = TOKEN_NONE;
    int i;

    for (i = 0; i < conf->sources->nelts; i++) {
        const jwt_token_source_t *s = &APR_ARRAY_IDX(conf->sources, i, jwt_token_source_t);
        token_find_t got;
        switch (s->kind) {
        case JWT_SRC_HEADER: got = from_header(r, conf, h); break;
        case JWT_SRC_COOKIE: got = from_cookie(r, s->name, h); break;
        default:             got = from_query(r, s->name, h); break;
        }
        if (got == TOKEN_CONFLICT || got == TOKEN_BAD_REQUEST)
            return got;
        if (got == TOKEN_FOUND)
            overall = TOKEN_FOUND;
    }
    return overall;
}
