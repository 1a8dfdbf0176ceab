/* compat_authnz.h -- drop-in for mod_authnz_jwt's configuration (issue 27).
 *
 * Its directives are accepted as aliases of ours, with its meaning and its defaults, in
 * the contexts it allows (server config and directory sections: set at server level they
 * are inherited by every section, as its get_config_value fell back to the server's).
 * Its AuthType values jwt-bearer (header), jwt-cookie (its cookie, AuthToken by default)
 * and jwt-both (both, the header winning) are ours too. Its login answer {"token": ...}
 * and form field names (user, password) work for a client written against it.
 *
 * A section that uses any of its directives gets its defaults for what the section does
 * not set itself: REMOTE_USER from the "user" claim, no leeway, 1800 s tokens from the
 * login handler. Where its behaviour was unsafe ours wins, and configtest says so once per
 * directive and configuration read, with the fix (JWT_LOGNO 09xx).
 *
 * dir_conf.h names its struct by tag only; it depends on httpd and core headers only.
 */
#ifndef JWT_COMPAT_AUTHNZ_H
#define JWT_COMPAT_AUTHNZ_H

#include "httpd.h"
#include "http_config.h"
#include <json.h>

struct jwt_dir_conf;

/* Per-dir part: one member of jwt_dir_conf_t (NULL: the section uses none of them). */
typedef struct jwt_compat_conf {
    const char *form_user;      /* AuthJWTFormUsername (default "user") */
    int form_user_set;
    const char *form_password;  /* AuthJWTFormPassword (default "password") */
    int form_password_set;
    const char *user_attr;      /* AuthJWTAttributeUsername: claim the login issues (default "user") */
    int user_attr_set;
    const char *token_name;     /* AuthJWTTokenName: member of the JSON login answer (default "token") */
    int token_name_set;
    const char *cookie_name;    /* AuthJWTCookieName (default "AuthToken") */
    int cookie_name_set;
    int remove_cookie;          /* AuthJWTRemoveCookie (default 1) */
    int remove_cookie_set;
    apr_int64_t nbf_delay;      /* AuthJWTNbfDelay: issued tokens' nbf is iat + this (default 0) */
    int nbf_delay_set;
} jwt_compat_conf_t;

#define JWT_COMPAT_DEFAULT_COOKIE "AuthToken"

jwt_compat_conf_t *jwt_compat_merge(apr_pool_t *p, const jwt_compat_conf_t *base,
                                    const jwt_compat_conf_t *add);

/* AuthType: is this one of ours (jwt, jwt-bearer, jwt-cookie, jwt-both)? */
int jwt_compat_is_auth_type(const char *type);
/* The configuration authn reads for AuthType TYPE: NULL when TYPE is none of ours (one
 * look at the type per request: jwt_check_authn declines); conf itself for "jwt"; for
 * mod_authnz_jwt's types a copy whose token sources are the header, its cookie, or (for
 * jwt-both) the header when the request has an Authorization header, else the cookie. */
const struct jwt_dir_conf *jwt_compat_authn_conf(request_rec *r,
                                                 const struct jwt_dir_conf *conf,
                                                 const char *type);

/* jwt-login-handler: the form / JSON field names of the user name and password. */
const char *jwt_compat_form_user(request_rec *r);
const char *jwt_compat_form_password(request_rec *r);
/* jwt-login-handler: the user claim mod_authnz_jwt's clients read, in issued tokens. */
void jwt_compat_add_claims(request_rec *r, const struct jwt_dir_conf *conf,
                           json_object *payload, const char *user);
/* jwt-login-handler: the nbf of a token issued at now (AuthJWTNbfDelay; now without it). */
apr_int64_t jwt_compat_nbf(const struct jwt_dir_conf *conf, apr_int64_t now);
/* jwt-login-handler: its {"token": ...} member in the JSON answer. */
void jwt_compat_login_body(request_rec *r, const struct jwt_dir_conf *conf,
                           json_object *body, const char *token);

/* fixups: AuthJWTRemoveCookie, the token cookie is not passed on to the backend. */
int jwt_compat_fixups(request_rec *r);

const char *jwt_compat_cmd(cmd_parms *cmd, void *mconfig, const char *arg);

/* Server config and <Directory>/<Location> sections, as its documentation lists ("server
 * config, directory"); not .htaccess, where its OR_AUTHCFG let a user who can write one
 * choose the keys and secrets the server trusts (ours never allows that). */
#define JWT_COMPAT_CMD(name, help) \
    AP_INIT_TAKE1(name, jwt_compat_cmd, (void *)name, RSRC_CONF | ACCESS_CONF, \
                  "mod_authnz_jwt alias: " help)

/* mod_authnz_jwt's directives (AuthJWTLeeway and AuthJWTProvider are ours already). */
#define JWT_COMPAT_AUTHNZ_CMDS \
    JWT_COMPAT_CMD("AuthJWTSignatureAlgorithm", "the one accepted (and issued) JWS alg " \
                   "(AuthJWTAlgorithms + AuthJWTSigningAlgorithm)"), \
    JWT_COMPAT_CMD("AuthJWTSignatureSharedSecret", "base64 HMAC secret that verifies and " \
                   "signs tokens; at least as long as the hash (32 bytes for HS256)"), \
    JWT_COMPAT_CMD("AuthJWTSignaturePublicKeyFile", "PEM public key (AuthJWTKeyFile)"), \
    JWT_COMPAT_CMD("AuthJWTSignaturePrivateKeyFile", "PEM private key (AuthJWTSigningKey)"), \
    JWT_COMPAT_CMD("AuthJWTIss", "issuer (AuthJWTIssuer; tokens without iss are refused)"), \
    JWT_COMPAT_CMD("AuthJWTAud", "audience (AuthJWTAudience; tokens without aud are refused)"), \
    JWT_COMPAT_CMD("AuthJWTExpDelay", "lifetime of issued tokens (AuthJWTTokenLifetime), " \
                   "default 1800"), \
    JWT_COMPAT_CMD("AuthJWTNbfDelay", "nbf delay of issued tokens: only 0 (the default)"), \
    JWT_COMPAT_CMD("AuthJWTFormUsername", "login form field of the user name (default user)"), \
    JWT_COMPAT_CMD("AuthJWTFormPassword", "login form field of the password (default password)"), \
    JWT_COMPAT_CMD("AuthJWTAttributeUsername", "claim holding the user name (AuthJWTUserClaim), " \
                   "default user"), \
    JWT_COMPAT_CMD("AuthJWTDeliveryType", "Json (default) or Cookie (AuthJWTDelivery)"), \
    JWT_COMPAT_CMD("AuthJWTTokenName", "member of the JSON login answer (default token)"), \
    JWT_COMPAT_CMD("AuthJWTCookieName", "token cookie of jwt-cookie / jwt-both and Cookie " \
                   "delivery (default AuthToken)"), \
    JWT_COMPAT_CMD("AuthJWTCookieAttr", "ignored: the cookie is always HttpOnly; Secure; " \
                   "SameSite=Strict; Path=/"), \
    JWT_COMPAT_CMD("AuthJWTRemoveCookie", "1 (default): the token cookie is not passed to " \
                   "the backend; 0: it is")

#endif
