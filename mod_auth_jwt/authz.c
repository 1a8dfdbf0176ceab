/* authz.c -- Require jwt-claim, jwt-claim-array and jwt-scope.
 *
 * Arguments are parsed (and regexes compiled) once, in parse_require_line, at config time,
 * by core/jwt_rules.c: the rule code the admin page's inspector runs too.
 * The checks read the claims authn left in r->request_config; they never parse a token.
 * Like mod_authz_user, a check without a user answers AUTHZ_DENIED_NO_USER so that
 * mod_authz_core runs authentication first.
 */
#include "dir_conf.h"
#include "authz.h"
#include "request_state.h"
#include "explain.h"
#include "jwt_rules.h"

#include <string.h>
#include <apr_strings.h>
#include "http_request.h"
#include "mod_auth.h"

/* ---------------------------------------------------------------- parsing */

/* The rules are compiled once here, by the same code the admin page's inspector runs
 * (core/jwt_rules.c): one meaning of NAME=VALUE, NAME~REGEX and scopes everywhere. */
static const char *parse_rules(cmd_parms *cmd, jwt_rule_kind_t kind, const char *line,
                               const void **parsed)
{
    jwt_rule_set_t *set = NULL;
    const char *msg = jwt_rules_compile(cmd->pool, kind, line, &set);
    if (msg)
        return msg;
    *parsed = set;
    return NULL;
}

static const char *parse_jwt_claim(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_rules(cmd, JWT_RULE_CLAIM, line, parsed);
}

static const char *parse_jwt_claim_array(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_rules(cmd, JWT_RULE_CLAIM_ARRAY, line, parsed);
}

static const char *parse_jwt_scope(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_rules(cmd, JWT_RULE_SCOPE, line, parsed);
}

/* ---------------------------------------------------------------- checks */

static authz_status check_rules(request_rec *r, const char *line, const void *parsed)
{
    const jwt_rule_set_t *set = parsed;
    jwt_request_state_t *st;
    const char *provider, *why = NULL;
    int granted;

    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    st = jwt_request_state(r);
    if (!st)
        return AUTHZ_DENIED_NO_USER;    /* authenticated, but not by a token of ours */
    if (!set)
        return AUTHZ_GENERAL_ERROR;
    provider = jwt_rule_provider(jwt_rules_kind(set));
    granted = jwt_rules_match(r->pool, set, st->claims, &why);
    jwt_explain_rule(r, provider, line, granted, why);
    if (granted) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0301)
                      "Require %s granted to '%s': %s", provider, r->user, why);
        return AUTHZ_GRANTED;
    }
    if (jwt_rules_kind(set) == JWT_RULE_SCOPE) {
        /* remembered for the 403 / 401 challenge: error="insufficient_scope", scope="..." */
        st->scope_missed = jwt_rules_scopes(set);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0304)
                      "Require jwt-scope denied '%s' at %s: none of [%s] granted",
                      r->user, r->uri, jwt_rules_scopes(set));
    }
    else
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0302)
                      "Require %s denied '%s' at %s: no rule matched", provider,
                      r->user, r->uri);
    return AUTHZ_DENIED;
}

static const authz_provider jwt_claim_provider = {
    &check_rules, &parse_jwt_claim
};
static const authz_provider jwt_claim_array_provider = {
    &check_rules, &parse_jwt_claim_array
};
static const authz_provider jwt_scope_provider = {
    &check_rules, &parse_jwt_scope
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
