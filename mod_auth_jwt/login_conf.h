/* login_conf.h -- the login feature's per-directory part (one member of jwt_dir_conf_t;
 * its merge and directives are login_cmds.h). Below dir_conf.h: httpd and core headers
 * only. */
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
    int encrypt;                          /* AuthJWTDelivery cookie NAME encrypt (JWE) */
    int delivery_set;
} jwt_login_conf_t;

#define JWT_LOGIN_DEFAULT_LIFETIME 900
#define JWT_LOGIN_MAX_BODY 8192

#endif
