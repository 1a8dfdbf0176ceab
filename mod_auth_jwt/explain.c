/* explain.c -- jwt-explain-handler: run a location's real pipeline for a token and say what
 * each stage decided (see explain.h). The stages are recorded by authn.c and authz.c through
 * the jwt_explain_* calls, which do nothing unless the request is this handler's
 * subrequest: the handler's pool carries the explanation as pool user data, found from the
 * subrequest through r->main. */
#include "dir_conf.h"
#include "explain.h"
#include "login_guard.h"
#include "form_body.h"
#include "jwt_json.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"

#define EXPLAIN_HANDLER "jwt-explain-handler"
#define EXPLAIN_KEY "auth_jwt-explain"
#define EXPLAIN_MAX_BODY 16384
#define EXPLAIN_MAX_PATH 2048

struct jwt_explain {
    json_object *stages;     /* [{"stage", "result", "detail"}] in pipeline order */
    json_object *rules;      /* [{"rule", "result", "detail"}] in evaluation order */
    int recording;           /* 0 during the probe lookup (its 401 is not the answer) */
};

/* ---------------------------------------------------------------- recording */

jwt_explain_t *jwt_explaining(const request_rec *r)
{
    void *ex = NULL;
    if (!r->main)                      /* every ordinary request leaves here */
        return NULL;
    if (apr_pool_userdata_get(&ex, EXPLAIN_KEY, r->main->pool) != APR_SUCCESS || !ex)
        return NULL;
    return ((jwt_explain_t *)ex)->recording ? ex : NULL;
}

static void add_entry(json_object *list, const char *key, const char *name,
                      const char *result, const char *detail)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, key, json_object_new_string(name));
    json_object_object_add(o, "result", json_object_new_string(result));
    json_object_object_add(o, "detail", json_object_new_string(detail ? detail : ""));
    json_object_array_add(list, o);
}

void jwt_explain_stage(request_rec *r, const char *stage, const char *result,
                       const char *detail)
{
    jwt_explain_t *ex = jwt_explaining(r);
    if (ex)
        add_entry(ex->stages, "stage", stage, result, detail);
}

/* Which stage of the verify path a failure belongs to (jwt_err.h's order). */
static const char *stage_of(jwt_code_t code)
{
    if (code >= JWT_ERR_MALFORMED && code <= JWT_ERR_ALG_UNSUPPORTED)
        return "parse";
    if (code >= JWT_ERR_ALG_NOT_ALLOWED && code <= JWT_ERR_SIGNATURE)
        return "signature";
    if (code >= JWT_ERR_CLAIM_TYPE && code <= JWT_ERR_TYPE)
        return "claims";
    if (code == JWT_ERR_FETCH)
        return "keys";
    return "verify";
}

void jwt_explain_refused(request_rec *r, const jwt_err_t *err)
{
    static const char *const order[] = { "parse", "signature", "claims" };
    const char *failed = stage_of(err->code);
    jwt_explain_t *ex = jwt_explaining(r);
    size_t i;

    if (!ex)
        return;
    if (err->code == JWT_ERR_DECRYPT)  /* the decrypt stage (jwe_stage.c) told its reason */
        return;
    for (i = 0; i < sizeof(order) / sizeof(order[0]) && strcmp(order[i], failed); i++)
        add_entry(ex->stages, "stage", order[i], "pass", "");
    add_entry(ex->stages, "stage", failed, "fail",
              apr_psprintf(r->pool, "%s: %s", jwt_code_name(err->code), err->message));
}

void jwt_explain_verified(request_rec *r, const jwt_token_t *t, const jwt_key_t *key)
{
    jwt_explain_t *ex = jwt_explaining(r);
    if (!ex)
        return;
    add_entry(ex->stages, "stage", "parse", "pass", apr_psprintf(r->pool, "%s token%s%s",
              jwt_alg_name(t->alg), t->kid ? ", kid " : "", t->kid ? t->kid : ""));
    add_entry(ex->stages, "stage", "signature", "pass", key
              ? apr_psprintf(r->pool, "verified with %s", jwt_key_describe(r->pool, key))
              : "verified");
    add_entry(ex->stages, "stage", "claims", "pass", "every claim check passed");
}

void jwt_explain_rule(request_rec *r, const char *provider, const char *line, int granted,
                      const char *why)
{
    jwt_explain_t *ex = jwt_explaining(r);
    if (ex)
        add_entry(ex->rules, "rule", apr_pstrcat(r->pool, provider, " ", line, NULL),
                  granted ? "granted" : "denied", why);
}

/* ---------------------------------------------------------------- the request */

static int send_json(request_rec *r, int status, json_object *body)
{
    const char *text = jwt_json_to_string(r->pool, body);
    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

static int send_error(request_rec *r, int status, const char *description)
{
    json_object *o = jwt_json_pool_own(r->pool, json_object_new_object());
    json_object_object_add(o, "error", json_object_new_string("invalid_request"));
    json_object_object_add(o, "error_description", json_object_new_string(description));
    return send_json(r, status, o);
}

static const char *query_param(request_rec *r, const char *name)
{
    char *copy, *last = NULL, *pair;
    if (!r->args)
        return NULL;
    copy = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(copy, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ap_unescape_urlencoded(pair) == OK && !strcmp(pair, name)
            && ap_unescape_urlencoded(eq + 1) == OK)
            return eq + 1;
    }
    return NULL;
}

static int path_ok(const char *path)
{
    const char *c;
    if (!path || path[0] != '/' || strlen(path) > EXPLAIN_MAX_PATH)
        return 0;
    for (c = path; *c; c++) {
        if (apr_iscntrl(*c) || *c == ' ' || *c == '#')
            return 0;
    }
    return 1;
}

static int method_ok(const char *m)
{
    size_t n = strlen(m);
    return n > 0 && n <= 16 && strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

/* "Bearer " and blanks around a pasted token are not part of it. */
static const char *clean_token(apr_pool_t *p, const char *t)
{
    size_t n;
    while (apr_isspace(*t))
        t++;
    if (!ap_cstr_casecmpn(t, "Bearer ", 7))
        t += 7;
    while (apr_isspace(*t))
        t++;
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        n--;
    return apr_pstrmemdup(p, t, n);
}

/* Look the path up as a subrequest whose only headers are Host and what is given. */
static request_rec *lookup(request_rec *r, const char *method, const char *uri,
                           apr_table_t *headers)
{
    apr_table_t *saved = r->headers_in;
    const char *host = apr_table_get(saved, "Host");
    request_rec *sub;

    if (host)
        apr_table_setn(headers, "Host", host);
    r->headers_in = headers;           /* the subrequest copies them when it is made */
    sub = ap_sub_req_method_uri(method, uri, r, NULL);
    r->headers_in = saved;
    return sub;
}

/* Where the location looks first: the token goes there and nowhere else. */
static const char *place_token(request_rec *r, const jwt_dir_conf_t *conf, const char *path,
                               const char *token, apr_table_t *headers, const char **where)
{
    const jwt_token_source_t *s = conf && conf->sources && conf->sources->nelts
        ? &APR_ARRAY_IDX(conf->sources, 0, jwt_token_source_t) : NULL;

    if (s && s->kind == JWT_SRC_COOKIE) {
        const char *name = jwt_token_cookie_name(r, s->name);
        apr_table_setn(headers, "Cookie", apr_pstrcat(r->pool, name, "=", token, NULL));
        *where = apr_pstrcat(r->pool, "cookie ", name, NULL);
        return path;
    }
    if (s && s->kind == JWT_SRC_QUERY) {
        *where = apr_pstrcat(r->pool, "query parameter ", s->name, NULL);
        return apr_pstrcat(r->pool, path, strchr(path, '?') ? "&" : "?",
                           ap_escape_urlencoded(r->pool, s->name), "=",
                           ap_escape_urlencoded(r->pool, token), NULL);
    }
    apr_table_setn(headers, "Authorization", apr_pstrcat(r->pool, "Bearer ", token, NULL));
    *where = "the Authorization header";
    return path;
}

int jwt_explain_handler(request_rec *r)
{
    apr_table_t *form;
    const char *path, *token, *method, *uri, *where = NULL, *type, *challenge;
    const jwt_dir_conf_t *target;
    jwt_explain_t *ex;
    request_rec *probe, *sub;
    json_object *out;
    int rc;

    if (!r->handler || strcmp(r->handler, EXPLAIN_HANDLER))
        return DECLINED;
    if (!r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0622)
                      "%s at %s refused: it must sit behind authentication (the admin "
                      "page's)", EXPLAIN_HANDLER, r->uri);
        return send_error(r, HTTP_FORBIDDEN, "this handler must sit behind authentication");
    }
    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        return send_error(r, HTTP_METHOD_NOT_ALLOWED, "use POST");
    }
    type = apr_table_get(r->headers_in, "Content-Type");
    if (!type || ap_cstr_casecmpn(type, "application/x-www-form-urlencoded", 33)
        || (type[33] && type[33] != ';' && type[33] != ' '))
        return send_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                          "send application/x-www-form-urlencoded");
    form = apr_table_make(r->pool, 4);
    if ((rc = jwt_form_read(r, EXPLAIN_MAX_BODY, form)) != OK)
        return send_error(r, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? rc : HTTP_BAD_REQUEST,
                          "malformed or oversized form");
    path = apr_table_get(form, "path");
    if (!path)
        path = query_param(r, "path");
    token = apr_table_get(form, "token");
    method = apr_table_get(form, "method");
    if (!method || !*method)
        method = "GET";
    if (!path_ok(path))
        return send_error(r, HTTP_BAD_REQUEST, "path must be a URL path of this server "
                          "(starting with /, no blanks or fragment)");
    if (!token || !*(token = clean_token(r->pool, token)))
        return send_error(r, HTTP_BAD_REQUEST, "token is required");
    if (!method_ok(method))
        return send_error(r, HTTP_BAD_REQUEST, "method must be an HTTP method name");

    /* first without a token (nothing recorded): which source does that location read? */
    ex = apr_pcalloc(r->pool, sizeof(*ex));
    ex->stages = jwt_json_pool_own(r->pool, json_object_new_array());
    ex->rules = jwt_json_pool_own(r->pool, json_object_new_array());
    apr_pool_userdata_setn(ex, EXPLAIN_KEY, NULL, r->pool);
    probe = lookup(r, method, path, apr_table_make(r->pool, 2));
    target = ap_get_module_config(probe->per_dir_config, &auth_jwt_module);
    {
        apr_table_t *headers = apr_table_make(r->pool, 3);
        uri = place_token(r, target, path, token, headers, &where);
        ap_destroy_sub_req(probe);
        ex->recording = 1;
        sub = lookup(r, method, uri, headers);
        ex->recording = 0;
    }

    out = jwt_json_pool_own(r->pool, json_object_new_object());
    json_object_object_add(out, "path", json_object_new_string(path));
    json_object_object_add(out, "method", json_object_new_string(method));
    type = ap_auth_type(sub);
    json_object_object_add(out, "auth_type", type ? json_object_new_string(type) : NULL);
    json_object_object_add(out, "token_from", json_object_new_string(where));
    json_object_object_add(out, "status", json_object_new_int(sub->status));
    json_object_object_add(out, "verdict", json_object_new_string(
                               ap_is_HTTP_SUCCESS(sub->status) ? "granted" : "refused"));
    challenge = apr_table_get(sub->err_headers_out, "WWW-Authenticate");
    json_object_object_add(out, "www_authenticate",
                           challenge ? json_object_new_string(challenge) : NULL);
    json_object_object_add(out, "user", ap_is_HTTP_SUCCESS(sub->status) && sub->user
                           ? json_object_new_string(sub->user) : NULL);
    json_object_object_add(out, "stages", json_object_get(ex->stages));
    json_object_object_add(out, "rules", json_object_get(ex->rules));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0623)
                  "explained %s %s for '%s': %d", method, ap_escape_logitem(r->pool, path),
                  r->user, sub->status);
    ap_destroy_sub_req(sub);
    return send_json(r, HTTP_OK, out);
}
