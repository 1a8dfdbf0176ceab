/* socache_store.h -- the handles of a process-wide socache store behind a global mutex
 * (the JWKS document store, jwks_store.c, and the DPoP replay store, dpop_replay.c), and
 * the two steps of its life both take alike: destroyed with the configuration pool, its
 * mutex re-attached in each child. Each caller makes the mutex and the instance itself, at
 * post_config, logging its own messages. */
#ifndef JWT_SOCACHE_STORE_H
#define JWT_SOCACHE_STORE_H

#include "httpd.h"
#include "ap_socache.h"
#include "apr_global_mutex.h"

/* Set in the parent at post_config, read-only on the request path. */
typedef struct {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *cache;
    apr_global_mutex_t *mutex;
    server_rec *server;
} jwt_socache_store_t;

/* When pconf goes: the instance destroyed, cache and mutex NULL (a restart makes them
 * again). Call once the instance is made. */
void jwt_socache_store_destroy_with(jwt_socache_store_t *st, apr_pool_t *pconf);

/* From child_init: the mutex re-attached in this child; APR_SUCCESS too when the store
 * was not made (no mutex: nothing to do). */
apr_status_t jwt_socache_store_child_init(jwt_socache_store_t *st, apr_pool_t *p);

#endif
