/* binding_conf.c -- issue 28's directives and merge (binding_conf.h). */
#include "binding_conf.h"

#include <apr_strings.h>
#include <apr_lib.h>

#define BINDING_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

jwt_binding_conf_t *jwt_binding_merge(apr_pool_t *p, const jwt_binding_conf_t *base,
                                      const jwt_binding_conf_t *add)
{
    jwt_binding_conf_t *c;

    if (!base)
        return (jwt_binding_conf_t *)add;
    if (!add)
        return (jwt_binding_conf_t *)base;
    c = apr_pcalloc(p, sizeof(*c));
    BINDING_MERGE(anon_user);
    return c;
}

/* The section's part, made by its first directive of this feature. */
static jwt_binding_conf_t *binding_of(cmd_parms *cmd, jwt_dir_conf_t *c)
{
    if (!c->binding)
        c->binding = apr_pcalloc(cmd->pool, sizeof(*c->binding));
    return c->binding;
}

const char *jwt_optional_user(const jwt_dir_conf_t *conf)
{
    return conf->binding ? conf->binding->anon_user : NULL;
}

/* The name becomes REMOTE_USER, so it goes into logs and CGI environments: printable
 * ASCII without spaces or quotes, as a user claim may not carry control characters. */
const char *jwt_cmd_optional(cmd_parms *cmd, void *mconfig, const char *name)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    const char *s;

    if (!*name)
        return "AuthJWTOptional: the anonymous user name must not be empty";
    for (s = name; *s; s++) {
        if (!apr_isgraph(*s) || *s == '"' || *s == '\\')
            return apr_psprintf(cmd->pool, "AuthJWTOptional: '%s' is not a usable user name "
                                "(printable ASCII without spaces, quotes or backslashes)",
                                name);
    }
    b->anon_user = name;
    b->anon_user_set = 1;
    return NULL;
}
