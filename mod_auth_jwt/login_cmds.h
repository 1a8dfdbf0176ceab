/* login_cmds.h -- the login feature's directives and merge (login_cmds.c). Above
 * dir_conf.h: the setters write the section's jwt_dir_conf_t. */
#ifndef JWT_LOGIN_CMDS_H
#define JWT_LOGIN_CMDS_H

#include "dir_conf.h"

void jwt_login_conf_merge(jwt_login_conf_t *out, const jwt_login_conf_t *base,
                          const jwt_login_conf_t *add);

/* The setters. */
const char *jwt_cmd_login_provider(cmd_parms *cmd, void *mconfig, const char *name);
const char *jwt_cmd_signing_key(cmd_parms *cmd, void *mconfig, const char *arg,
                                const char *opt);
const char *jwt_cmd_signing_alg(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_token_lifetime(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_group_file(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_delivery_argv(cmd_parms *cmd, void *mconfig, int argc, char *const argv[]);
/* The same with its words (compat_authnz.c): mode, then name and opt or NULL. */
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
    AP_INIT_TAKE_ARGV("AuthJWTDelivery", jwt_cmd_delivery_argv, NULL, RSRC_CONF | ACCESS_CONF, \
        "jwt-login-handler: json (default) or cookie NAME [prefix=off] [encrypt]; the cookie " \
        "is __Host-NAME unless prefix=off; encrypt wraps the token in a JWE for this " \
        "location's AuthJWTDecryptionKey")

#endif
