/* jwks_conf.h -- remote JWKS: the configuration (directives, merge) and the per-source
 * record every other jwks_*.c file works on.
 *
 * Units: jwks_conf.c (this: AuthJWTJWKSURL & co), jwks_store.c (the shared document store
 * in socache shmcb), jwks_refresh.c (fetching: leases, one fetch thread per source,
 * publishing), jwks.c (the key source the verifier uses: keyrings per process, key
 * choice, the unknown-kid refetch). The rest of the module sees this header for the
 * directives and the merge, and jwks.h for the key source; jwks.c sits above the three
 * others, and this unit below every one of them (tests/tools/layers.py checks it).
 */
#ifndef MOD_AUTH_JWT_JWKS_CONF_H
#define MOD_AUTH_JWT_JWKS_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "apr_thread_mutex.h"
#include "jwt_key.h"

typedef struct jwks_dir_conf jwks_dir_conf_t;

/* Directive setters; cmd->info is the offset of the jwks_dir_conf_t * field in the
 * module's per-directory struct. */
const char *jwks_cmd_url(cmd_parms *cmd, void *dirconf, int argc, char *const argv[]);
const char *jwks_cmd_discovery(cmd_parms *cmd, void *dirconf, int argc, char *const argv[]);
const char *jwks_cmd_seconds(cmd_parms *cmd, void *dirconf, const char *arg);
const char *jwks_cmd_ca_file(cmd_parms *cmd, void *dirconf, const char *arg);
const char *jwks_cmd_store_size(cmd_parms *cmd, void *dirconf, const char *arg);

/* AuthJWTJWKSStoreSize in bytes, or 0: the store is sized by the number of sources. */
apr_size_t jwks_store_size_set(void);

/* Which setting a jwks_cmd_seconds directive sets (kept in the directive's name). */
#define JWT_JWKS_CMDS(conf_type, field) \
    AP_INIT_TAKE_ARGV("AuthJWTJWKSURL", jwks_cmd_url, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "URL [issuer=ISS] [allow-http]: a JWKS to fetch, cache and refresh; repeatable"), \
    AP_INIT_TAKE_ARGV("AuthJWTIssuerDiscovery", jwks_cmd_discovery, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "ISSUER_URL [allow-http]: find jwks_uri in the issuer's discovery document; " \
        "keys are bound to that issuer"), \
    AP_INIT_TAKE1("AuthJWTJWKSRefresh", jwks_cmd_seconds, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "SECONDS between scheduled JWKS refreshes (default 3600; max-age wins within [60, 86400])"), \
    AP_INIT_TAKE1("AuthJWTJWKSRefetchInterval", jwks_cmd_seconds, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "SECONDS: least time between fetches caused by unknown kids, and between retries " \
        "after a failed fetch (default 60)"), \
    AP_INIT_TAKE1("AuthJWTJWKSTimeout", jwks_cmd_seconds, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "SECONDS for a whole JWKS fetch (default 5)"), \
    AP_INIT_TAKE1("AuthJWTJWKSMaxStale", jwks_cmd_seconds, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "SECONDS the last good keys keep serving while every fetch fails (default 86400)"), \
    AP_INIT_TAKE1("AuthJWTJWKSCAFile", jwks_cmd_ca_file, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "PATH of a PEM CA bundle for JWKS fetches (default: the system store)"), \
    AP_INIT_TAKE1("AuthJWTJWKSStoreSize", jwks_cmd_store_size, NULL, RSRC_CONF, \
        "BYTES (or NK, NM) of the shared JWKS store, server-wide (default: 4M per source, " \
        "at most 64M)")

/* base and add may be NULL. */
jwks_dir_conf_t *jwks_dir_merge(apr_pool_t *p, const jwks_dir_conf_t *base,
                                const jwks_dir_conf_t *add);

/* Is any AuthJWTJWKSURL in effect without issuer=? (c may be NULL) */
int jwks_has_unbound_source(const jwks_dir_conf_t *c);

/* Any AuthJWTJWKSURL / AuthJWTIssuerDiscovery in effect? (c may be NULL) */
int jwks_configured(const jwks_dir_conf_t *c);

/* The location's list of sources (made at config time, shared by every merged copy of
 * the section), or NULL: part of the token cache's location identity. */
const void *jwks_identity(const jwks_dir_conf_t *c);


/* A parsed keyring, shared by the requests of one process; freed with its own pool when
 * the last request using it is done and a newer one has replaced it. It keeps the
 * document it was built from, so this process can store it again when the shared store
 * lost it (jwks.c). */
typedef struct {
    apr_pool_t *pool;                 /* unmanaged: freed from whichever thread is last */
    jwt_keyring_t *ring;
    int refs;                         /* guarded by the source's mutex */
    unsigned char sha256[32];         /* of the document it was built from (token cache) */
    const char *doc;
    size_t doc_len;
} jwks_ring_t;

typedef struct jwks_worker jwks_worker_t;    /* jwks_refresh.c */

/* One AuthJWTJWKSURL / AuthJWTIssuerDiscovery line. Made at config time (pconf); the
 * fields after `mutex` are this process's view and are guarded by it. */
typedef struct {
    const char *url;                  /* JWKS URL; NULL for discovery */
    const char *discovery;            /* issuer URL to discover jwks_uri from */
    const char *issuer;               /* keys verify only tokens with this iss; NULL = any */
    int allow_http;
    const char *key;                  /* store key: "u:" URL or "d:" issuer */
    const char *label;                /* for logs */
    jwks_worker_t *worker;            /* this child's fetch thread for it, or NULL */
    apr_thread_mutex_t *mutex;
    jwks_ring_t *ring;                /* NULL until a document arrived in this process */
    unsigned char sha256[32];         /* of the document ring was built from */
    apr_time_t fetched_at;            /* copied from the shared entry */
    int32_t max_age;
    apr_time_t checked_at;            /* last look at the shared entry */
    apr_time_t present_at;            /* last check that the whole document is stored */
    int missing;                      /* the store lost a document this process lacks */
} jwks_source_t;

struct jwks_dir_conf {
    apr_array_header_t *sources;      /* jwks_source_t *; NULL = not set here */
    apr_int64_t refresh_ms, refetch_ms;   /* -1 = not set here */
    int timeout, max_stale;           /* seconds; -1 = not set here */
    const char *ca_file;
};

/* The settings a fetch or a freshness decision needs, copied out of the dir config. */
typedef struct {
    apr_interval_time_t refresh, refetch, timeout, max_stale;
    const char *ca_file;
} jwks_settings_t;

void jwks_settings_of(const jwks_dir_conf_t *c, jwks_settings_t *s);

/* Freshness: stale after the refresh period (the server's max-age within [60, 86400]
 * wins over AuthJWTJWKSRefresh); usable until that period plus max-stale, after which
 * the location fails closed. */
int jwks_is_stale(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                  apr_time_t now);
int jwks_is_usable(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                   apr_time_t now);

/* Every source of the configuration being read (pconf array of jwks_source_t *): the
 * store is sized for them and each gets a fetch thread per child. */
const apr_array_header_t *jwks_all_sources(void);
void jwks_conf_reset(apr_pool_t *pconf);

#endif
