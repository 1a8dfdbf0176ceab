/* key_bindings.c -- see key_bindings.h. Walks every <Directory>/<Location> section of every
 * server, merged over its server's defaults as a request would see it. */
#include "dir_conf.h"
#include "jwks_conf.h"
#include "key_bindings.h"

#include <apr_strings.h>
#include "http_core.h"

static const char *unbound_sources(apr_pool_t *p, const jwt_dir_conf_t *c)
{
    const char *out = NULL;
    if (c->keyring && c->keyfile_unbound)
        out = "AuthJWTKeyFile (without issuer=)";
    if (c->secrets)
        out = out ? apr_pstrcat(p, out, ", AuthJWTSecretsFile", NULL) : "AuthJWTSecretsFile";
    if (jwks_has_unbound_source(c->jwks))
        out = out ? apr_pstrcat(p, out, ", AuthJWTJWKSURL (without issuer=)", NULL)
                  : "AuthJWTJWKSURL (without issuer=)";
    return out;
}

static void check_section(apr_pool_t *ptemp, server_rec *s, const jwt_dir_conf_t *base,
                          ap_conf_vector_t *sec)
{
    const core_dir_config *core = ap_get_core_module_config(sec);
    const jwt_dir_conf_t *own = ap_get_module_config(sec, &auth_jwt_module);
    const jwt_dir_conf_t *c;
    const char *which;

    if (own == NULL)
        return;
    c = base ? jwt_merge_dir_conf(ptemp, (void *)base, (void *)own) : own;
    if (c->issuers == NULL || c->issuers->nelts < 2)
        return;
    which = unbound_sources(ptemp, c);
    if (which == NULL)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(0131)
                 "%s accepts %d issuers (AuthJWTIssuer) but %s is bound to none of them: "
                 "its keys verify tokens of any of them (RFC 8725 3.8); bind each key to its "
                 "issuer with issuer=ISS", core && core->d ? core->d : "a section",
                 c->issuers->nelts, which);
}

static void check_list(apr_pool_t *ptemp, server_rec *s, const jwt_dir_conf_t *base,
                       const apr_array_header_t *list)
{
    int i;
    for (i = 0; list && i < list->nelts; i++)
        check_section(ptemp, s, base, ((ap_conf_vector_t **)list->elts)[i]);
}

static int bindings_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                 server_rec *s)
{
    server_rec *v;

    for (v = s; v; v = v->next) {
        core_server_config *core = ap_get_core_module_config(v->module_config);
        const jwt_dir_conf_t *base = ap_get_module_config(v->lookup_defaults, &auth_jwt_module);
        check_section(ptemp, v, NULL, v->lookup_defaults);
        check_list(ptemp, v, base, core->sec_dir);
        check_list(ptemp, v, base, core->sec_url);
    }
    return OK;
}

void jwt_key_bindings_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(bindings_check_config, NULL, NULL, APR_HOOK_MIDDLE);
}
