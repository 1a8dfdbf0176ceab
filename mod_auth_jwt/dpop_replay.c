/* dpop_replay.c -- the DPoP replay store (dpop_replay.h): socache shmcb + a global mutex,
 * made at post_config only when some section says AuthJWTBinding dpop.
 *
 * The id is SHA-256(jkt "\n" jti): shmcb picks its sub-cache by the id's first byte, so ids
 * must look random, and one key's jti cannot collide with another's. The value stored is
 * one marker byte, compared when read back (shmcb compares the whole id itself). The
 * lookup and the store happen under one lock, so two children given the same proof at the
 * same moment cannot both see it as new.
 *
 * The proofs never go into the revocation instance: a client choosing fresh jtis at will
 * would push revocations out of it. With AuthJWTRevocationCache redis / memcache (a fleet)
 * they also go to the store's second, DPoP-only instance (shared_store.h), under the
 * namespace "dpop", so a replay is refused by every server of the fleet; the local
 * segment is still asked first (when mod_socache_shmcb is loaded), so on one server the
 * check stays atomic. On the fleet store the look-up and the store are two calls (the
 * socache API has no add-if-absent): two servers given one proof within the same few
 * milliseconds could both take it. A miss there is trusted only when the store shows it
 * is alive (its canary).
 */
#include "dpop_replay.h"
#include "binding_conf.h"
#include "shared_store.h"
#include "store_canary.h"
#include "socache_store.h"

#include <string.h>
#include "ap_provider.h"
#include "http_core.h"
#include "ap_socache.h"
#include "util_mutex.h"
#include "apr_strings.h"
#include "apr_global_mutex.h"
#include <openssl/evp.h>

#define DPOP_MUTEX_TYPE "auth-jwt-dpop"
#define DPOP_SOCACHE_NS "auth_jwt_dpop"
#define DPOP_ID_LEN 32
/* shmcb keeps about 100 bytes per entry and, when full, forgets the oldest ones even
 * before they expire: the store must hold every proof of a window. 16 MiB is about
 * 160,000 proofs, 2,600 a second for the default 60-second window. */
#define DPOP_STORE_SIZE (16 * 1024 * 1024)
#define DPOP_MARK 0xd9                  /* the one byte stored: shmcb compares the id itself */

static jwt_socache_store_t store;

static void replay_id(const char *jkt, const char *jti, unsigned char id[DPOP_ID_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = DPOP_ID_LEN;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)
             && EVP_DigestUpdate(md, jkt, strlen(jkt)) && EVP_DigestUpdate(md, "\n", 1)
             && EVP_DigestUpdate(md, jti, strlen(jti)) && EVP_DigestFinal_ex(md, id, &n);
    EVP_MD_CTX_free(md);
    if (!ok)
        memset(id, 0, DPOP_ID_LEN);    /* the caller checks: an all-zero id is refused */
}

/* The fleet's store (AuthJWTRevocationCache). */
static jwt_dpop_use_t shared_first_use(request_rec *r, const char *jkt, const char *jti,
                                       apr_time_t expiry)
{
    const char *parts[2] = { jkt, jti };
    unsigned char id[JWT_SHARED_STORE_ID_LEN], back[4], mark = DPOP_MARK;
    unsigned int len = sizeof(back);
    apr_status_t rv;
    int lost = 0;

    if (jwt_shared_store_id("dpop", parts, 2, id) != 0)
        return JWT_DPOP_STORE_DOWN;
    rv = jwt_shared_store_dpop_get(r->server, id, back, &len, r->pool);
    if (rv == APR_SUCCESS && len == 1 && back[0] == DPOP_MARK)
        return JWT_DPOP_REPLAYED;
    if ((rv != APR_SUCCESS && rv != APR_NOTFOUND)
        || jwt_shared_store_alive(r->server, r->pool, &lost) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, JWT_LOGNO(1326)
                      "DPoP replay: the shared store %s does not answer",
                      jwt_shared_store_describe());
        return JWT_DPOP_STORE_DOWN;
    }
    if ((rv = jwt_shared_store_dpop_put(r->server, id, expiry, &mark, 1, r->pool))
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, JWT_LOGNO(1327)
                      "DPoP replay: cannot remember a proof's jti in %s",
                      jwt_shared_store_describe());
        return JWT_DPOP_STORE_DOWN;
    }
    return JWT_DPOP_FIRST_USE;
}

jwt_dpop_use_t jwt_dpop_replay_first_use(request_rec *r, const char *jkt, const char *jti,
                                         apr_time_t expiry)
{
    static const unsigned char zero[DPOP_ID_LEN];
    unsigned char id[DPOP_ID_LEN], back[4], mark = DPOP_MARK;
    unsigned int len = sizeof(back);
    apr_status_t rv;
    jwt_dpop_use_t use;

    if (!store.cache || !store.mutex) {
        /* no local segment: only allowed with a fleet store (replay_check_config) */
        return jwt_shared_store_networked() ? shared_first_use(r, jkt, jti, expiry)
                                            : JWT_DPOP_STORE_DOWN;
    }
    replay_id(jkt, jti, id);
    if (!memcmp(id, zero, sizeof(id)))
        return JWT_DPOP_STORE_DOWN;
    if ((rv = apr_global_mutex_lock(store.mutex)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, JWT_LOGNO(1320)
                      "DPoP replay store: cannot take its lock");
        return JWT_DPOP_STORE_DOWN;
    }
    rv = store.provider->retrieve(store.cache, r->server, id, sizeof(id), back, &len, r->pool);
    if (rv == APR_SUCCESS && len == 1 && back[0] == DPOP_MARK)
        use = JWT_DPOP_REPLAYED;
    else if ((rv = store.provider->store(store.cache, r->server, id, sizeof(id), expiry, &mark,
                                         1, r->pool)) == APR_SUCCESS)
        use = JWT_DPOP_FIRST_USE;
    else {
        /* full of unexpired proofs: refusing is the safe answer, and shmcb makes room by
         * expiring the oldest on the next store */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, JWT_LOGNO(1321)
                      "DPoP replay store: cannot remember a proof's jti");
        use = JWT_DPOP_STORE_DOWN;
    }
    apr_global_mutex_unlock(store.mutex);
    if (use == JWT_DPOP_FIRST_USE && jwt_shared_store_networked())
        use = shared_first_use(r, jkt, jti, expiry);   /* another server may have seen it */
    return use;
}

/* ---------------------------------------------------------------- hooks */

static int replay_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    jwt_binding_pre_config();
    return ap_mutex_register(pconf, DPOP_MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : 500;
}

static int replay_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                               server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (!jwt_binding_dpop_sections())
        return OK;
    store.provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                        AP_SOCACHE_PROVIDER_VERSION);
    /* a fleet store's DPoP instance suffices; the local segment in front is a bonus */
    if (!store.provider && !jwt_shared_store_networked()) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1322)
                     "AuthJWTBinding dpop needs mod_socache_shmcb to refuse replayed proofs "
                     "across children: load it (a2enmod socache_shmcb, or LoadModule "
                     "socache_shmcb_module ...)");
        return 500;
    }
    return OK;
}

static int replay_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                              server_rec *s)
{
    struct ap_socache_hints hints = { DPOP_ID_LEN, 1, 60 };
    const char *arg, *msg;
    apr_status_t rv;

    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || !jwt_binding_dpop_sections() || !store.provider)
        return OK;
    store.server = s;
    rv = ap_global_mutex_create(&store.mutex, NULL, DPOP_MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS)
        return 500;                    /* ap_global_mutex_create logged why */
    arg = apr_psprintf(ptemp, "%s(%d)", ap_runtime_dir_relative(ptemp, DPOP_SOCACHE_NS ".shmcb"),
                       DPOP_STORE_SIZE);
    if ((msg = store.provider->create(&store.cache, arg, ptemp, pconf))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1323)
                     "DPoP replay store: socache shmcb: %s", msg);
        return 500;
    }
    if ((rv = store.provider->init(store.cache, DPOP_SOCACHE_NS, &hints, s, pconf))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1324)
                     "DPoP replay store: cannot create it (%s)", arg);
        return 500;
    }
    jwt_socache_store_destroy_with(&store, pconf);
    return OK;
}

static void replay_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = jwt_socache_store_child_init(&store, p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1325)
                     "DPoP replay store: cannot re-attach its lock");
}

void jwt_dpop_replay_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(replay_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(replay_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(replay_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(replay_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
