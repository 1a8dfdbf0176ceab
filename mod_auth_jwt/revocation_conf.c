/* revocation_conf.c -- the revocation directives and their merge (revocation_conf.h). */
#include "revocation_conf.h"
#include "dir_conf.h"
#include "shared_store.h"
#include "store_canary.h"

#include <string.h>
#include <apr_strings.h>
#include "http_log.h"

static jwt_revocation_conf_t *part(cmd_parms *cmd, void *mconfig)
{
    jwt_dir_conf_t *conf = mconfig;

    if (!conf->revocation)
        conf->revocation = apr_pcalloc(cmd->pool, sizeof(*conf->revocation));
    return conf->revocation;
}

#define REV_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

jwt_revocation_conf_t *jwt_revocation_merge(apr_pool_t *p, jwt_revocation_conf_t *base,
                                            jwt_revocation_conf_t *add)
{
    jwt_revocation_conf_t *c;

    if (!base)
        return add;
    if (!add)
        return base;
    c = apr_pcalloc(p, sizeof(*c));
    REV_MERGE(on);
    REV_MERGE(allow_on_error);
    REV_MERGE(interval);
    return c;
}

/* AuthJWTRevocationOperators: main-server only, like AuthJWTRevocationCache, so no
 * .htaccess or <Location> can widen who revokes by name. Reset when the configuration is
 * read again (the array lives in that configuration's pool). */
static apr_array_header_t *operators_g;
/* AuthJWTRevocationHorizon: one value for every entry and every location, so an entry
 * made by any handler outlasts every token any revocation location accepts. 0: default. */
static apr_int64_t horizon_g;

static int operators_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf; (void)plog; (void)ptemp;
    operators_g = NULL;
    horizon_g = 0;
    return OK;
}

apr_int64_t jwt_revocation_horizon(void)
{
    return horizon_g > 0 ? horizon_g : JWT_REVOCATION_DEFAULT_HORIZON;
}

const char *jwt_cmd_revocation_operators(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)mconfig;
    if (err)
        return err;
    if (!*arg)
        return apr_psprintf(cmd->pool, "%s: an empty user name", cmd->cmd->name);
    if (!operators_g)
        operators_g = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(operators_g, const char *) = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

int jwt_revocation_is_operator(const char *user)
{
    int i;

    if (!user || !*user || !operators_g)
        return 0;
    for (i = 0; i < operators_g->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(operators_g, i, const char *), user))
            return 1;
    }
    return 0;
}

void jwt_revocation_conf_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(operators_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}

int jwt_revocation_on(const jwt_revocation_conf_t *rc)
{
    return rc && rc->on;
}

const char *jwt_cmd_revocation_cache(cmd_parms *cmd, void *mconfig, const char *arg)
{
    (void)mconfig;
    return jwt_shared_store_configure(cmd, arg);
}

const char *jwt_cmd_revocation(cmd_parms *cmd, void *mconfig, int on)
{
    jwt_revocation_conf_t *rc = part(cmd, mconfig);

    rc->on = on;
    rc->on_set = 1;
    return NULL;
}

const char *jwt_cmd_revocation_on_error(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_revocation_conf_t *rc = part(cmd, mconfig);

    if (!ap_cstr_casecmp(arg, "deny"))
        rc->allow_on_error = 0;
    else if (!ap_cstr_casecmp(arg, "allow"))
        rc->allow_on_error = 1;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is neither deny nor allow", cmd->cmd->name,
                            arg);
    rc->allow_on_error_set = 1;
    return NULL;
}

const char *jwt_cmd_revocation_interval(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_revocation_conf_t *rc = part(cmd, mconfig);
    const char *err = jwt_parse_seconds(cmd, arg, 0, JWT_REVOCATION_MAX_INTERVAL,
                                        &rc->interval);
    if (!err)
        rc->interval_set = 1;
    return err;
}

const char *jwt_cmd_revocation_horizon(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)mconfig;
    if (err)
        return err;
    return jwt_parse_seconds(cmd, arg, 1, 366 * 86400, &horizon_g);
}

/* ---------------------------------------------------------------- configtest */

/* Does this section (its own lines, not nested ones) say name with a first argument? */
static const ap_directive_t *find_line(const ap_directive_t *sec, const char *name)
{
    const ap_directive_t *d;

    for (d = sec->first_child; d; d = d->next) {
        if (!ap_cstr_casecmp(d->directive, name))
            return d;
    }
    return NULL;
}

static int has_word(apr_pool_t *p, const char *args, const char *word)
{
    const char *rest = args;
    char *w;

    while (*(w = ap_getword_conf(p, &rest))) {
        if (!strcmp(w, word))
            return 1;
    }
    return 0;
}

/* Does any AuthJWTRequireClaims line of the section name jti? */
static int claims_name_jti(apr_pool_t *p, const ap_directive_t *sec)
{
    const ap_directive_t *d;

    for (d = sec->first_child; d; d = d->next) {
        if (!ap_cstr_casecmp(d->directive, "AuthJWTRequireClaims") && has_word(p, d->args, "jti"))
            return 1;
    }
    return 0;
}

/* AuthJWTRevocation On can only work with a store: without AuthJWTRevocationCache it is
 * an error (every request would get 503). A section that turns it on and lists its
 * AuthJWTRequireClaims without jti accepts tokens that no jti revocation can reach: a
 * warning. Sections are checked by their own lines (an enclosing section's claims list is
 * not merged in). */
static void check_tree(apr_pool_t *p, server_rec *s, const ap_directive_t *tree, int *errors)
{
    const ap_directive_t *sec, *on, *req, *life;

    for (sec = tree; sec; sec = sec->next) {
        if (!sec->first_child)
            continue;
        check_tree(p, s, sec->first_child, errors);
        on = find_line(sec, "AuthJWTRevocation");
        if (!on || ap_cstr_casecmp(on->args, "on"))
            continue;
        if (!jwt_shared_store_given()) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1104)
                         "AuthJWTRevocation On (line %d of %s) needs AuthJWTRevocationCache "
                         "in the main server config", on->line_num, on->filename);
            (*errors)++;
        }
        /* tokens living longer than the horizon are refused there anyway: a larger
         * AuthJWTMaxLifetime says the author expects tokens that every request refuses */
        life = find_line(sec, "AuthJWTMaxLifetime");
        if (life) {
            char *end = NULL;
            apr_int64_t v = apr_strtoi64(life->args, &end, 10);
            if (end && end != life->args && v > jwt_revocation_horizon()) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1152)
                             "AuthJWTMaxLifetime %s (line %d of %s) exceeds "
                             "AuthJWTRevocationHorizon %" APR_INT64_T_FMT " in a section with "
                             "AuthJWTRevocation On: revocations would expire before the "
                             "tokens they revoke; raise the horizon or lower the lifetime",
                             life->args, life->line_num, life->filename,
                             jwt_revocation_horizon());
                (*errors)++;
            }
        }
        req = find_line(sec, "AuthJWTRequireClaims");
        if (req && !claims_name_jti(p, sec))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1105)
                         "AuthJWTRequireClaims (line %d of %s) lacks jti in a section with "
                         "AuthJWTRevocation On: tokens without jti can only be revoked by "
                         "subject", req->line_num, req->filename);
    }
}

int jwt_revocation_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                server_rec *s)
{
    int errors = 0;

    (void)pconf; (void)plog;
    check_tree(ptemp, s, ap_conftree, &errors);
    /* a "lost at T" marker is needed until no token issued before T can be accepted */
    jwt_store_canary_keep_losses(jwt_revocation_horizon());
    if (!strncmp(jwt_shared_store_describe(), "memcache:", 9)
        && jwt_revocation_horizon() > JWT_REVOCATION_MEMCACHE_MAX_HORIZON) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1153)
                     "AuthJWTRevocationHorizon %" APR_INT64_T_FMT " with AuthJWTRevocationCache "
                     "%s: memcached reads an expiry over 30 days as a unix time (an entry "
                     "already expired); keep the horizon at or below %d seconds, or use redis",
                     jwt_revocation_horizon(), jwt_shared_store_describe(),
                     JWT_REVOCATION_MEMCACHE_MAX_HORIZON);
        errors++;
    }
    return errors ? HTTP_INTERNAL_SERVER_ERROR : OK;
}
