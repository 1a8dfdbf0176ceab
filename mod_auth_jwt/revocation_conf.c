/* revocation_conf.c -- the revocation directives and their merge (revocation_conf.h). */
#include "revocation_conf.h"
#include "dir_conf.h"
#include "shared_store.h"

#include <apr_strings.h>

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
    REV_MERGE(horizon);
    return c;
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
    jwt_revocation_conf_t *rc = part(cmd, mconfig);
    const char *err = jwt_parse_seconds(cmd, arg, 1, 366 * 86400, &rc->horizon);
    if (!err)
        rc->horizon_set = 1;
    return err;
}
