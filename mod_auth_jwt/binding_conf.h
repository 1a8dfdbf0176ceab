/* binding_conf.h -- issue 28's per-directory part: AuthJWTOptional (and, as they land, the
 * sender-constraint directives). One pointer member of jwt_dir_conf_t, NULL when a section
 * sets none of them; its merge, setters and command-table entries are here
 * (binding_conf.c). Above dir_conf.h, as compat_authnz.h. */
#ifndef JWT_BINDING_CONF_H
#define JWT_BINDING_CONF_H

#include "dir_conf.h"

typedef struct jwt_binding_conf {
    const char *anon_user;           /* AuthJWTOptional NAME: the user of a tokenless request */
    int anon_user_set;
} jwt_binding_conf_t;

jwt_binding_conf_t *jwt_binding_merge(apr_pool_t *p, const jwt_binding_conf_t *base,
                                      const jwt_binding_conf_t *add);

/* The user a request without any token is authenticated as (AuthJWTOptional), or NULL
 * when a token is required. */
const char *jwt_optional_user(const jwt_dir_conf_t *conf);

const char *jwt_cmd_optional(cmd_parms *cmd, void *mconfig, const char *name);

/* OR_AUTHCFG like AuthJWTUserClaim: it names a user, it trusts no key. */
#define JWT_BINDING_CMDS \
    AP_INIT_TAKE1("AuthJWTOptional", jwt_cmd_optional, NULL, RSRC_CONF | OR_AUTHCFG, \
        "NAME: a request without a token is let through as user NAME (no claims); a bad " \
        "token is still refused")

#endif
