/* login_conf.h -- the login feature's per-directory part (one member of jwt_dir_conf_t)
 * its merge and its directives (setters in login.c). Below dir_conf.h: httpd and core headers only. */
#ifndef JWT_LOGIN_CONF_H
#define JWT_LOGIN_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"
#include "jwt_alg.h"
#include "jwt_key.h"

typedef struct jwt_secrets_watch jwt_secrets_watch_t;

typedef enum { JWT_DELIVER_JSON = 0, JWT_DELIVER_COOKIE = 1 } jwt_delivery_t;

typedef struct {
    const char *provider_name;            /* AuthJWTProvider */
    const authn_provider *provider;
    int provider_set;
    const jwt_key_t *signing_key;         /* AuthJWTSigningKey FILE */
    jwt_secrets_watch_t *signing_secrets; /* AuthJWTSigningKey secrets=PATH */
    int signing_set;
    jwt_alg_t signing_alg;                /* AuthJWTSigningAlgorithm */
    int signing_alg_set;
    apr_int64_t lifetime;                 /* AuthJWTTokenLifetime */
    int lifetime_set;
    const char *group_file;               /* AuthJWTGroupFile */
    int group_file_set;
    jwt_delivery_t delivery;              /* AuthJWTDelivery */
    const char *cookie_name;
    int delivery_set;
} jwt_login_conf_t;

#define JWT_LOGIN_DEFAULT_LIFETIME 900
#define JWT_LOGIN_MAX_BODY 8192

void jwt_login_conf_merge(jwt_login_conf_t *out, const jwt_login_conf_t *base,
                          const jwt_login_conf_t *add);

/* The setters (login.c). */
const char *jwt_cmd_login_provider(cmd_parms *cmd, void *mconfig, const char *name);
const char *jwt_cmd_signing_key(cmd_parms *cmd, void *mconfig, const char *arg,
                                const char *opt);
const char *jwt_cmd_signing_alg(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_token_lifetime(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_group_file(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_delivery(cmd_parms *cmd, void *mconfig, const char *mode,
                             const char *name, const char *opt);

/* Directives of the login feature, spliced into the module's command table. Signing
 * keys are refused in .htaccess like every key directive. */
#define JWT_LOGIN_CMDS \
    AP_INIT_TAKE1("AuthJWTProvider", jwt_cmd_login_provider, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: the authn provider that checks passwords (file, dbm, ldap, ...)"), \
    AP_INIT_TAKE12("AuthJWTSigningKey", jwt_cmd_signing_key, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: PEM private key FILE [kid=ID], or secrets=PATH (active HMAC secret)"), \
    AP_INIT_TAKE1("AuthJWTSigningAlgorithm", jwt_cmd_signing_alg, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: the JWS alg of issued tokens (default: from the key)"), \
    AP_INIT_TAKE1("AuthJWTTokenLifetime", jwt_cmd_token_lifetime, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: seconds an issued token is valid (default 900)"), \
    AP_INIT_TAKE1("AuthJWTGroupFile", jwt_cmd_group_file, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: Apache group file; the user's groups become the groups claim"), \
    AP_INIT_TAKE123("AuthJWTDelivery", jwt_cmd_delivery, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: json (default) or cookie NAME [prefix=off]; the cookie is " \
        "__Host-NAME unless prefix=off")

#endif
