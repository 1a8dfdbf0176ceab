/* expr.c -- the verified claims in httpd expressions:
 *
 *   jwt_claim('path')        the claim as text (env.c's jwt_claim_text: strings as they are,
 *                            numbers and booleans as JSON text, arrays and objects as compact
 *                            JSON); empty when the claim is absent, null, or no token was
 *                            verified for this request
 *   jwt_claim_list('path')   a list for -in: an array's elements (each as above), or a string
 *                            split at spaces (an RFC 8693 "scope"); empty otherwise
 *
 * They read the claims authn.c left in the request state, never a token: what an expression
 * sees is what was verified. A subrequest or internal redirect sees the claims of the
 * request it came from only when it authenticates the same way (the same section of ours,
 * the same AuthType: httpd then does not authenticate it again); in any other section,
 * an open one, another AuthType, AuthJWTOptional's anonymous user, it sees only what its
 * own authentication verified. An unknown claim is
 * empty, never an error: an expression must not fail a request because a token lacks a
 * claim. The argument is a constant string in every real use, but ap_expr also passes
 * computed ones at request time; both work, since nothing is compiled from it.
 *
 * And `Require jwt-expr EXPR`: mod_authz_core's `Require expr` decides before
 * authentication (a false expression is a 403 with no token read) unless the expression
 * names %{REMOTE_USER}, and then a false one is a 401, never a 403. jwt-expr asks for the
 * user first, as every Require of ours does, and a false expression is then an ordinary
 * denial (403 with AuthzSendForbiddenOnFailure On). It is parsed once, at config time.
 */
#include "expr.h"
#include "request_state.h"
#include "env.h"
#include "jwt_claims.h"
#include "explain.h"
#include "binding_conf.h"

#include "mod_auth.h"

#include <string.h>
#include <apr_strings.h>
#include "ap_expr.h"
#include "http_request.h"
#include "http_core.h"

/* Does q authenticate as p does? The same section of ours (the merged jwt_dir_conf_t is
 * one pointer for one merge result, as httpd reuses its walk caches) under the same
 * AuthType. httpd itself skips authentication for a subrequest or redirect whose whole
 * per-dir config is its parent's; that cannot be asked while <If> is being walked (the
 * config is still being built), hence the auth-relevant part. */
static int same_auth(request_rec *q, request_rec *p)
{
    const char *tq, *tp;

    if (ap_get_module_config(q->per_dir_config, &auth_jwt_module)
        != ap_get_module_config(p->per_dir_config, &auth_jwt_module))
        return 0;
    tq = ap_auth_type(q);
    tp = ap_auth_type(p);
    return tq && tp && !strcasecmp(tq, tp);
}

/* The request q inherits its authentication from: its internal redirect's origin
 * (r->prev) or its subrequest's parent (r->main), in httpd's order, when that one
 * authenticated the same way; else NULL. */
static request_rec *inherits_from(request_rec *q)
{
    if (q->prev && same_auth(q, q->prev))
        return q->prev;
    if (q->main && same_auth(q, q->main))
        return q->main;
    return NULL;
}

/* The claims this request may use: its own state, or that of the request it inherited
 * authentication from. A request in another section (AuthJWTOptional's anonymous user, an
 * open location, another AuthType) uses only its own: NULL when none was verified. */
static json_object *request_claims(request_rec *r)
{
    request_rec *q;

    for (q = r; q; q = inherits_from(q)) {
        const jwt_request_state_t *st = jwt_request_state(q);
        if (st && st->claims)
            return st->claims;
        if (apr_table_get(q->notes, JWT_ANON_NOTE))
            return NULL;               /* let in without a token: no claims at all */
    }
    return NULL;
}

static json_object *lookup(ap_expr_eval_ctx_t *ctx, const char *path)
{
    json_object *claims;

    /* ctx->r is NULL for an expression evaluated for a connection only (SSLRequire-style) */
    if (!ctx->r || !path || !*path || !(claims = request_claims(ctx->r)))
        return NULL;
    return jwt_claim_path(claims, path);
}

static const char *claim_func(ap_expr_eval_ctx_t *ctx, const void *data, const char *arg)
{
    json_object *v = lookup(ctx, arg);
    (void)data;
    return v ? jwt_claim_text(ctx->p, v) : NULL;     /* NULL is the empty string */
}

/* Space-separated words of s (RFC 6749 3.3 scope-token list), empty words skipped. */
static void push_words(apr_pool_t *p, apr_array_header_t *out, const char *s)
{
    while (*s) {
        const char *end;
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        end = strchr(s, ' ');
        if (!end)
            end = s + strlen(s);
        APR_ARRAY_PUSH(out, const char *) = apr_pstrmemdup(p, s, (apr_size_t)(end - s));
        s = end;
    }
}

static apr_array_header_t *claim_list_func(ap_expr_eval_ctx_t *ctx, const void *data,
                                           const char *arg)
{
    json_object *v = lookup(ctx, arg);
    apr_array_header_t *out;
    const char *s;
    size_t i, n;

    (void)data;
    if (!v)
        return NULL;                   /* NULL is the empty list */
    if (json_object_is_type(v, json_type_array)) {
        n = json_object_array_length(v);
        out = apr_array_make(ctx->p, (int)(n ? n : 1), sizeof(const char *));
        for (i = 0; i < n; i++) {
            /* a null element, or a string with a NUL byte, is no element at all */
            if ((s = jwt_claim_text(ctx->p, json_object_array_get_idx(v, i))))
                APR_ARRAY_PUSH(out, const char *) = s;
        }
        return out;
    }
    if (json_object_is_type(v, json_type_string) && (s = jwt_claim_text(ctx->p, v))) {
        out = apr_array_make(ctx->p, 4, sizeof(const char *));
        push_words(ctx->p, out, s);
        return out;
    }
    return NULL;
}

static int jwt_expr_lookup(ap_expr_lookup_parms *parms)
{
    if (parms->type == AP_EXPR_FUNC_STRING && strcasecmp(parms->name, "jwt_claim") == 0) {
        *parms->func = (const void *)claim_func;
        *parms->data = NULL;
        return OK;
    }
    if (parms->type == AP_EXPR_FUNC_LIST && strcasecmp(parms->name, "jwt_claim_list") == 0) {
        *parms->func = (const void *)claim_list_func;
        *parms->data = NULL;
        return OK;
    }
    return DECLINED;
}

/* ---------------------------------------------------------------- Require jwt-expr */

static const char *jwt_expr_parse(cmd_parms *cmd, const char *line, const void **parsed)
{
    const char *err = NULL;
    apr_size_t len = strlen(line);
    ap_expr_info_t *expr;

    /* as mod_authz_core's Require expr: surrounding quotes are not part of it */
    if (len >= 2 && line[0] == '"' && line[len - 1] == '"')
        line = apr_pstrmemdup(cmd->temp_pool, line + 1, len - 2);
    if (!*line)
        return "Require jwt-expr: an expression is required";
    expr = ap_expr_parse_cmd(cmd, line, 0, &err, NULL);
    if (err)
        return apr_pstrcat(cmd->temp_pool, "Require jwt-expr: cannot parse '", line, "': ",
                           err, NULL);
    *parsed = expr;
    return NULL;
}

static authz_status jwt_expr_check(request_rec *r, const char *line, const void *parsed)
{
    const char *err = NULL;
    int rc;

    if (!r->user || !request_claims(r))
        return AUTHZ_DENIED_NO_USER;   /* authenticate first (or not a token of ours) */
    rc = ap_expr_exec(r, parsed, &err);
    if (rc < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(1302)
                      "Require jwt-expr %s: cannot evaluate: %s", line, err);
        return AUTHZ_GENERAL_ERROR;
    }
    jwt_explain_rule(r, "jwt-expr", line, rc, rc ? "the expression is true"
                                                  : "the expression is false");
    ap_log_rerror(APLOG_MARK, rc ? APLOG_DEBUG : APLOG_INFO, 0, r, JWT_LOGNO(1303)
                  "Require jwt-expr %s '%s' at %s", rc ? "granted to" : "denied",
                  r->user, r->uri);
    return rc ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static const authz_provider jwt_expr_provider = { &jwt_expr_check, &jwt_expr_parse };

void jwt_expr_register(apr_pool_t *p)
{
    ap_hook_expr_lookup(jwt_expr_lookup, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "jwt-expr", AUTHZ_PROVIDER_VERSION,
                              &jwt_expr_provider, AP_AUTH_INTERNAL_PER_CONF);
}
