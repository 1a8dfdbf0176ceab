/* authz.c -- Require jwt-claim, jwt-claim-array and jwt-scope.
 *
 * Arguments are parsed (and regexes compiled) once, in parse_require_line, at config time.
 * The checks read the claims authn left in r->request_config; they never parse a token.
 * Like mod_authz_user, a check without a user answers AUTHZ_DENIED_NO_USER so that
 * mod_authz_core runs authentication first.
 */
#include "mod_auth_jwt.h"

#include <string.h>
#include <apr_strings.h>
#include "http_request.h"
#include "mod_auth.h"

typedef struct {
    const char *name;          /* claim name or dotted path */
    const char *value;         /* NAME=VALUE: exact text; NULL for a regex rule */
    ap_regex_t *re;            /* NAME~REGEX */
    const char *source;        /* the argument as written, for logs */
} claim_rule_t;

typedef struct {
    apr_array_header_t *rules; /* claim_rule_t */
    const char *scopes_text;   /* jwt-scope: the scopes joined by spaces */
} rule_set_t;

/* ---------------------------------------------------------------- parsing */

static const char *parse_claim_arg(cmd_parms *cmd, const char *provider, const char *arg,
                                   claim_rule_t *out)
{
    size_t cut = strcspn(arg, "=~");

    if (arg[cut] == '\0' || cut == 0)
        return apr_psprintf(cmd->pool, "Require %s: '%s' is not NAME=VALUE or NAME~REGEX",
                            provider, arg);
    out->name = apr_pstrndup(cmd->pool, arg, cut);
    out->source = arg;
    if (arg[cut] == '=') {
        out->value = arg + cut + 1;
        return NULL;
    }
    out->value = NULL;
    out->re = ap_pregcomp(cmd->pool, arg + cut + 1, AP_REG_NOSUB);
    if (!out->re)
        return apr_psprintf(cmd->pool, "Require %s: bad regular expression '%s' for claim %s",
                            provider, arg + cut + 1, out->name);
    return NULL;
}

static const char *parse_claim_rules(cmd_parms *cmd, const char *provider,
                                     const char *require_line, const void **parsed)
{
    rule_set_t *set = apr_pcalloc(cmd->pool, sizeof(*set));
    const char *line = require_line, *msg;
    char *word;

    set->rules = apr_array_make(cmd->pool, 2, sizeof(claim_rule_t));
    while (*(word = ap_getword_conf(cmd->pool, &line))) {
        claim_rule_t *rule = apr_array_push(set->rules);
        memset(rule, 0, sizeof(*rule));
        if ((msg = parse_claim_arg(cmd, provider, word, rule)))
            return msg;
    }
    if (set->rules->nelts == 0)
        return apr_psprintf(cmd->pool, "Require %s needs at least one NAME=VALUE or "
                            "NAME~REGEX argument", provider);
    *parsed = set;
    return NULL;
}

static const char *parse_jwt_claim(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_claim_rules(cmd, "jwt-claim", line, parsed);
}

static const char *parse_jwt_claim_array(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_claim_rules(cmd, "jwt-claim-array", line, parsed);
}

static const char *parse_jwt_scope(cmd_parms *cmd, const char *require_line,
                                   const void **parsed)
{
    rule_set_t *set = apr_pcalloc(cmd->pool, sizeof(*set));
    const char *line = require_line;
    char *word;

    set->rules = apr_array_make(cmd->pool, 2, sizeof(claim_rule_t));
    set->scopes_text = "";
    while (*(word = ap_getword_conf(cmd->pool, &line))) {
        claim_rule_t *rule = apr_array_push(set->rules);
        memset(rule, 0, sizeof(*rule));
        if (strpbrk(word, " \t\"\\"))
            return apr_psprintf(cmd->pool, "Require jwt-scope: '%s' is not a scope token",
                                word);
        rule->value = rule->source = word;
        set->scopes_text = *set->scopes_text
            ? apr_pstrcat(cmd->pool, set->scopes_text, " ", word, NULL) : word;
    }
    if (set->rules->nelts == 0)
        return "Require jwt-scope needs at least one SCOPE argument";
    *parsed = set;
    return NULL;
}

/* ---------------------------------------------------------------- matching */

/* A scalar claim (string, number, boolean) compared by its text; null and objects never
 * match. */
static int scalar_matches(apr_pool_t *p, json_object *v, const claim_rule_t *rule)
{
    const char *text;
    json_type t = json_object_get_type(v);

    if (t != json_type_string && t != json_type_int && t != json_type_double &&
        t != json_type_boolean)
        return 0;
    text = jwt_claim_text(p, v);
    if (!text)
        return 0;
    if (rule->re)
        return ap_regexec(rule->re, text, 0, NULL, 0) == 0;
    return strcmp(text, rule->value) == 0;
}

static int array_contains(apr_pool_t *p, json_object *arr, const claim_rule_t *rule)
{
    size_t i, n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        if (scalar_matches(p, json_object_array_get_idx(arr, i), rule))
            return 1;
    }
    return 0;
}

/* jwt-claim: the claim equals (or, for an array, contains) the value. */
static int claim_matches(apr_pool_t *p, json_object *claims, const claim_rule_t *rule)
{
    json_object *v = jwt_claim_path(claims, rule->name);
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_array))
        return array_contains(p, v, rule);
    return scalar_matches(p, v, rule);
}

/* jwt-claim-array: the claim must be an array holding the value. */
static int claim_array_matches(apr_pool_t *p, json_object *claims, const claim_rule_t *rule)
{
    json_object *v = jwt_claim_path(claims, rule->name);
    return v && json_object_is_type(v, json_type_array) && array_contains(p, v, rule);
}

/* A scope claim: a space-separated string (RFC 8693 "scope", Entra ID "scp") or an array
 * of strings ("scp" in several IdPs). */
static int scope_claim_has(apr_pool_t *p, json_object *v, const char *scope)
{
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        char *copy = apr_pstrdup(p, json_object_get_string(v)), *last = NULL, *w;
        for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
            if (!strcmp(w, scope))
                return 1;
        }
        return 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        size_t i, n = json_object_array_length(v);
        for (i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (json_object_is_type(e, json_type_string) &&
                !strcmp(json_object_get_string(e), scope))
                return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- checks */

typedef int (*rule_match_fn)(apr_pool_t *p, json_object *claims, const claim_rule_t *rule);

static authz_status check_rules(request_rec *r, const void *parsed, const char *provider,
                                rule_match_fn match)
{
    const rule_set_t *set = parsed;
    const jwt_request_state_t *st;
    int i;

    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    st = jwt_request_state(r);
    if (!st)
        return AUTHZ_DENIED_NO_USER;    /* authenticated, but not by a token of ours */
    if (!set)
        return AUTHZ_GENERAL_ERROR;
    for (i = 0; i < set->rules->nelts; i++) {
        const claim_rule_t *rule = &APR_ARRAY_IDX(set->rules, i, claim_rule_t);
        if (match(r->pool, st->claims, rule)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0301)
                          "Require %s granted to '%s' by %s", provider,
                          r->user, rule->source);
            return AUTHZ_GRANTED;
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0302)
                  "Require %s denied '%s' at %s: no rule matched", provider,
                  r->user, r->uri);
    return AUTHZ_DENIED;
}

static authz_status check_jwt_claim(request_rec *r, const char *line, const void *parsed)
{
    return check_rules(r, parsed, "jwt-claim", claim_matches);
}

static authz_status check_jwt_claim_array(request_rec *r, const char *line, const void *parsed)
{
    return check_rules(r, parsed, "jwt-claim-array", claim_array_matches);
}

static authz_status check_jwt_scope(request_rec *r, const char *line, const void *parsed)
{
    const rule_set_t *set = parsed;
    jwt_request_state_t *st;
    json_object *scope, *scp;
    int i;

    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    st = jwt_request_state(r);
    if (!st)
        return AUTHZ_DENIED_NO_USER;
    if (!set)
        return AUTHZ_GENERAL_ERROR;
    scope = jwt_claim_path(st->claims, "scope");
    scp = jwt_claim_path(st->claims, "scp");
    for (i = 0; i < set->rules->nelts; i++) {
        const char *want = APR_ARRAY_IDX(set->rules, i, claim_rule_t).value;
        if (scope_claim_has(r->pool, scope, want) || scope_claim_has(r->pool, scp, want)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0303)
                          "Require jwt-scope granted to '%s' by scope %s",
                          r->user, want);
            return AUTHZ_GRANTED;
        }
    }
    /* remembered for the 403 / 401 challenge: error="insufficient_scope", scope="..." */
    st->scope_missed = set->scopes_text;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0304)
                  "Require jwt-scope denied '%s' at %s: none of [%s] granted",
                  r->user, r->uri, set->scopes_text);
    return AUTHZ_DENIED;
}

static const authz_provider jwt_claim_provider = {
    &check_jwt_claim, &parse_jwt_claim
};
static const authz_provider jwt_claim_array_provider = {
    &check_jwt_claim_array, &parse_jwt_claim_array
};
static const authz_provider jwt_scope_provider = {
    &check_jwt_scope, &parse_jwt_scope
};

void jwt_register_authz_providers(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "jwt-claim", AUTHZ_PROVIDER_VERSION,
                              &jwt_claim_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "jwt-claim-array",
                              AUTHZ_PROVIDER_VERSION, &jwt_claim_array_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "jwt-scope", AUTHZ_PROVIDER_VERSION,
                              &jwt_scope_provider, AP_AUTH_INTERNAL_PER_CONF);
}
