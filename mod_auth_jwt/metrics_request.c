/* metrics_request.c -- the one place a request's outcome is counted: log_transaction.
 *
 * Authentication notes why it refused (authn.c, jwt_metrics_note); a fixups hook notes
 * "allowed" when a request our authn verified got past authorization ("allowed",
 * "anonymous" for AuthJWTOptional's user without a token). A request that authn verified
 * but that reached no fixups was refused by a Require rule: jwt-scope's miss (the request
 * state's scope_missed) or another claim rule; an anonymous one, refused for want of a
 * token (no_token). Counting at the end,
 * not in authn, is what lets one request count once even when authz refuses it after
 * authn passed it.
 */
#include "metrics_request.h"
#include "metrics.h"
#include "dir_conf.h"
#include "request_state.h"
#include "binding_conf.h"                /* JWT_ANON_NOTE */

#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"

/* AuthJWTOptional let this request in without a token (authn.c's note). */
static int anonymous(const request_rec *r)
{
    return apr_table_get(r->notes, JWT_ANON_NOTE) != NULL;
}

/* Authorization passed (fixups only run then): an authenticated request is allowed, and
 * so is AuthJWTOptional's anonymous user, under its own reason. */
static int metrics_fixups(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    jwt_outcome_t o;

    if (!jwt_metrics_ready())
        return DECLINED;
    if (jwt_request_state(r))
        o = JWT_OUT_ALLOWED;
    else if (anonymous(r))
        o = JWT_OUT_ANONYMOUS;
    else
        return DECLINED;
    if ((conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module)) && !conf->metrics.off)
        jwt_metrics_note(r, o);
    return DECLINED;
}

static int metrics_log_transaction(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    const jwt_request_state_t *st;
    int o;

    /* our authn sets ap_auth_type before its first stage: a request without one never met
     * it (the common case of an open location costs this one test) */
    if (!jwt_metrics_ready() || !r->ap_auth_type)
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    if (!conf || conf->metrics.off)
        return DECLINED;
    if ((o = jwt_metrics_noted(r)) < 0) {
        if ((st = jwt_request_state(r)))
            o = st->scope_missed ? JWT_OUT_SCOPE : JWT_OUT_CLAIM_RULE;
        else if (anonymous(r))
            o = JWT_OUT_NO_TOKEN;      /* a rule wanted more than the anonymous user */
        else
            return DECLINED;           /* not a request our authn saw */
    }
    jwt_metrics_count(conf->metrics.slot, (jwt_outcome_t)o);
    return DECLINED;
}

static int metrics_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    jwt_metrics_pre_config(pconf);
    return OK;
}

static int metrics_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                               server_rec *s)
{
    /* a module without its counters still authenticates: the failure is logged (CRIT)
     * and every recording call is then a no-op */
    (void)jwt_metrics_post_config(pconf, s);
    return OK;
}

void jwt_metrics_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(metrics_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(metrics_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(metrics_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(metrics_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
}
