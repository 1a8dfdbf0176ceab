/* shared_store.h -- the one socache instance the module shares between its children and,
 * with a networked provider, between the servers of a fleet (shared_store.c).
 *
 *   AuthJWTRevocationCache shmcb                        one server (anonymous shared memory)
 *   AuthJWTRevocationCache redis:10.0.0.5:6379          a fleet: mod_socache_redis
 *   AuthJWTRevocationCache memcache:c1:11211            a fleet: mod_socache_memcache
 *
 * One server address only (refused at config time otherwise): the clients skip a dead
 * server and ask the next, whose NOTFOUND would read as "not revoked".
 *
 * DPoP replay marks never share the revocation instance (a client could flood it with
 * fresh jtis and push revocations out): with shmcb, dpop_replay.c keeps its own segment;
 * with redis / memcache a second client instance (same address, its own "dpop" id
 * namespace) holds them -- the server itself must then not evict (redis
 * maxmemory-policy noeviction, memcached -M or enough memory).
 *
 * Made like mod_ssl's SSLSessionCache: ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, NAME,
 * AP_SOCACHE_PROVIDER_VERSION) and create() when the directive is read, init() in
 * post_config (with a global mutex when the provider says AP_SOCACHE_FLAG_NOTMPSAFE), the
 * mutex reopened in child_init, destroy() when the configuration pool goes.
 *
 * Generic on purpose: it knows nothing of requests, tokens or revocation, so any feature
 * that must share a small fact between children or servers (revocation.c today, a DPoP
 * replay cache later) stores it here under its own namespace. Ids are SHA-256 digests of
 * the namespace and the caller's parts, each part length-prefixed (no two different part
 * lists give the same input): whatever bytes a token carries, the provider sees 32 hash
 * bytes (shmcb picks its sub-cache by the first id byte; mod_socache_memcache and
 * mod_socache_redis write ids as hex, so keys never hold spaces or control characters and
 * stay far below memcached's 250 bytes).
 *
 * A networked provider's client (apr_memcache, apr_redis) answers APR_NOTFOUND, not an
 * error, while every server is marked dead: a miss alone cannot tell "not there" from "the
 * store is gone". jwt_shared_store_alive (store_canary.h) reads a canary entry to tell them
 * apart, and marks a store that lost its entries.
 */
#ifndef JWT_SHARED_STORE_H
#define JWT_SHARED_STORE_H

#include "httpd.h"
#include "http_config.h"

#define JWT_SHARED_STORE_ID_LEN 32
#define JWT_SHARED_STORE_MAX_VALUE 512

/* Parse "PROVIDER[:ARGS]" and create the instance; NULL or an error naming the provider
 * (a provider whose module is not loaded says which LoadModule is missing). */
const char *jwt_shared_store_configure(cmd_parms *cmd, const char *spec);

/* Was AuthJWTRevocationCache given (and is the instance made)? */
int jwt_shared_store_configured(void);
/* Was AuthJWTRevocationCache given (while the configuration is checked, before init)? */
int jwt_shared_store_given(void);
/* "redis:127.0.0.1:6379", for messages; "(none)" when not configured. */
const char *jwt_shared_store_describe(void);

/* id = SHA-256(ns, parts...), each length-prefixed. 0 on success. */
int jwt_shared_store_id(const char *ns, const char *const *parts, int nparts,
                        unsigned char id[JWT_SHARED_STORE_ID_LEN]);

/* Store len (<= JWT_SHARED_STORE_MAX_VALUE) bytes under id until expiry (absolute). */
apr_status_t jwt_shared_store_put(server_rec *s, const unsigned char *id, apr_time_t expiry,
                                  const unsigned char *data, unsigned int len, apr_pool_t *p);

/* Read id into data (*len: its size in, the value's length out). APR_SUCCESS, APR_NOTFOUND
 * (absent or expired -- or a dead networked store, see above) or another error. */
apr_status_t jwt_shared_store_get(server_rec *s, const unsigned char *id, unsigned char *data,
                                  unsigned int *len, apr_pool_t *p);

/* The DPoP replay instance (networked providers only; APR_ENOTIMPL otherwise). */
apr_status_t jwt_shared_store_dpop_put(server_rec *s, const unsigned char *id,
                                       apr_time_t expiry, const unsigned char *data,
                                       unsigned int len, apr_pool_t *p);
apr_status_t jwt_shared_store_dpop_get(server_rec *s, const unsigned char *id,
                                       unsigned char *data, unsigned int *len, apr_pool_t *p);
/* Is the store redis / memcache (so it has a DPoP instance), not shmcb? Valid once the
 * directive is read. */
int jwt_shared_store_networked(void);

apr_status_t jwt_shared_store_remove(server_rec *s, const unsigned char *id, apr_pool_t *p);

/* Is the store answering and keeping what it is given? jwt_shared_store_alive and the
 * "lost at T" marker: store_canary.h. For it: */
/* Did a call of this process fail within the last `seconds` seconds? */
int jwt_shared_store_failed_within(apr_uint32_t seconds);
/* Count a failure found in an answer (a value not ours, a write not kept): returns rv. */
apr_status_t jwt_shared_store_note_failure(apr_status_t rv);

void jwt_shared_store_register_hooks(apr_pool_t *p);

#endif
