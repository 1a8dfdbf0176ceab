/* revocation_conf.h -- the revocation directives (revocation_conf.c); one pointer member
 * of jwt_dir_conf_t, NULL when a section sets none of them. Below dir_conf.h.
 *
 *   AuthJWTRevocationCache PROVIDER[:ARGS]     main server: the socache (shared_store.h)
 *   AuthJWTRevocation On|Off                   per location, default Off
 *   AuthJWTRevocationOnError deny|allow        default deny: 503 + Retry-After
 *   AuthJWTRevocationCheckInterval SECONDS     default 0: ask the store on every request
 *   AuthJWTRevocationHorizon SECONDS           main server: how long every entry is kept
 *                                              (default 86400); revocation locations refuse
 *                                              tokens that could live longer
 *   AuthJWTRevocationOperators USER...         main server: who may revoke by jti= / sub=
 */
#ifndef JWT_REVOCATION_CONF_H
#define JWT_REVOCATION_CONF_H

#include "httpd.h"
#include "http_config.h"

#define JWT_REVOCATION_DEFAULT_HORIZON 86400
#define JWT_REVOCATION_MAX_INTERVAL 3600

typedef struct jwt_revocation_conf {
    int on;                      /* AuthJWTRevocation */
    int on_set;
    int allow_on_error;          /* AuthJWTRevocationOnError allow */
    int allow_on_error_set;
    apr_int64_t interval;        /* AuthJWTRevocationCheckInterval */
    int interval_set;
} jwt_revocation_conf_t;

/* The merged part: NULL when neither sets anything, else a new one (or one of the two). */
jwt_revocation_conf_t *jwt_revocation_merge(apr_pool_t *p, jwt_revocation_conf_t *base,
                                            jwt_revocation_conf_t *add);

/* AuthJWTRevocationHorizon (main server), seconds; the default when not given. */
apr_int64_t jwt_revocation_horizon(void);

/* memcached reads an expiry over 30 days as a unix time: the horizon (plus an hour for
 * leeway) must stay below it with memcache. */
#define JWT_REVOCATION_MEMCACHE_MAX_HORIZON (30 * 86400 - 3600)

/* Is user named by AuthJWTRevocationOperators (main server; none named: nobody)? */
int jwt_revocation_is_operator(const char *user);
/* Its pre_config hook (forgets the list before the configuration is read again). */
void jwt_revocation_conf_register_hooks(apr_pool_t *p);

/* Is revocation on for this part (NULL: off)? */
int jwt_revocation_on(const jwt_revocation_conf_t *rc);

/* check_config: AuthJWTRevocation On without AuthJWTRevocationCache is an error;
 * with AuthJWTRequireClaims lacking jti in the same section, a warning. */
int jwt_revocation_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                server_rec *s);

const char *jwt_cmd_revocation_cache(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_revocation(cmd_parms *cmd, void *mconfig, int on);
const char *jwt_cmd_revocation_on_error(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_revocation_interval(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_revocation_horizon(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_revocation_operators(cmd_parms *cmd, void *mconfig, const char *arg);

#define JWT_REVOCATION_CMDS \
    AP_INIT_TAKE1("AuthJWTRevocationCache", jwt_cmd_revocation_cache, NULL, RSRC_CONF, \
        "PROVIDER[:ARGS]: the socache that holds revocations, e.g. shmcb, " \
        "redis:HOST:PORT, memcache:HOST:PORT (one server); main server config only"), \
    AP_INIT_FLAG("AuthJWTRevocation", jwt_cmd_revocation, NULL, RSRC_CONF | ACCESS_CONF, \
        "On: refuse revoked tokens (jti denylist, subject cut-offs) (default Off)"), \
    AP_INIT_TAKE1("AuthJWTRevocationOnError", jwt_cmd_revocation_on_error, NULL, \
        RSRC_CONF | ACCESS_CONF, "deny (503 with Retry-After, default) or allow (accept, " \
        "logged) when the revocation store cannot be asked"), \
    AP_INIT_TAKE1("AuthJWTRevocationCheckInterval", jwt_cmd_revocation_interval, NULL, \
        RSRC_CONF | ACCESS_CONF, "seconds a child may reuse a 'not revoked' answer " \
        "(default 0: ask on every request); the propagation bound"), \
    AP_INIT_TAKE1("AuthJWTRevocationHorizon", jwt_cmd_revocation_horizon, NULL, \
        RSRC_CONF, "seconds every revocation entry is kept (default 86400); locations with " \
        "AuthJWTRevocation On refuse tokens that could live longer; main server only"), \
    AP_INIT_ITERATE("AuthJWTRevocationOperators", jwt_cmd_revocation_operators, NULL, \
        RSRC_CONF, "USER...: the authenticated users (r->user) jwt-revoke-handler lets " \
        "revoke by jti= or sub=; main server config only (default: nobody)")

#endif
