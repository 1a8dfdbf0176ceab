/* shared_store.c -- the module's socache instance (see shared_store.h): made when
 * AuthJWTRevocationCache is read, initialised in post_config, its mutex reopened in each
 * child, destroyed with the configuration pool. One instance per configuration: the
 * directive is main-server only, like mod_ssl's SSLSessionCache.
 */
#include "shared_store.h"
#include "jwt_module.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <openssl/evp.h>
#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"
#include "http_core.h"

#define MUTEX_TYPE "auth_jwt-shared-store"

static struct {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    /* DPoP proofs' marks, for a networked provider: a second client instance with the same
     * arguments. A client may send fresh proof jtis at will; in the revocation instance
     * they would push revocations out (shmcb drops its oldest entries when full). With
     * shmcb, dpop_replay.c keeps its own segment instead and this stays NULL. */
    ap_socache_instance_t *dpop;
    const char *spec;                   /* as written, for messages */
    const char *name;                   /* the provider's name */
    apr_global_mutex_t *mutex;          /* only for AP_SOCACHE_FLAG_NOTMPSAFE providers */
    int ready;                          /* init() succeeded in this configuration */
    volatile apr_uint32_t failed_at;    /* this child's last failed store call, seconds */
} store_g;

static apr_uint32_t now_sec(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

static apr_status_t noted(apr_status_t rv, int notfound_is_failure)
{
    if (rv != APR_SUCCESS && (notfound_is_failure || rv != APR_NOTFOUND))
        apr_atomic_set32(&store_g.failed_at, now_sec());
    return rv;
}

apr_status_t jwt_shared_store_note_failure(apr_status_t rv)
{
    return noted(rv, 1);
}

/* The canary (store_canary.c) confirms every miss for a while after a failed call: longer
 * than the 5 s after which apr_redis / apr_memcache try a dead server again (until then they
 * answer NOTFOUND without trying), and renewed by each failed confirmation. */
int jwt_shared_store_failed_within(apr_uint32_t seconds)
{
    return now_sec() - apr_atomic_read32(&store_g.failed_at) <= seconds;
}

/* ---------------------------------------------------------------- configuration */

const char *jwt_shared_store_configure(cmd_parms *cmd, const char *spec)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY), *sep, *args = NULL;
    char *name;

    if (err)
        return err;
    if (store_g.provider)
        return apr_psprintf(cmd->pool, "%s: given twice (already %s)", cmd->cmd->name,
                            store_g.spec);
    sep = ap_strchr_c(spec, ':');
    name = sep ? apr_pstrmemdup(cmd->pool, spec, (apr_size_t)(sep - spec))
               : apr_pstrdup(cmd->pool, spec);
    if (sep)
        args = sep + 1;
    if (!*name)
        return apr_psprintf(cmd->pool, "%s: no provider name in '%s'", cmd->cmd->name, spec);
    /* apr_memcache / apr_redis skip a dead server and ask the next, which answers NOTFOUND
     * for an entry it never held: "not revoked". One canary cannot vouch for every server
     * (which server holds a key is the client's hash, out of our reach), so a revoked token
     * would be accepted while the server holding its entry is down. */
    if (args && (!strcmp(name, "memcache") || !strcmp(name, "redis")) && ap_strchr_c(args, ','))
        return apr_psprintf(cmd->pool, "%s %s: more than one %s server; give one store "
                            "address (e.g. a replicated Redis or a memcached proxy behind one "
                            "address): with several, a dead server's revocations would read "
                            "as absent from another", cmd->cmd->name, spec, name);
    store_g.provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                          AP_SOCACHE_PROVIDER_VERSION);
    if (!store_g.provider)
        return apr_psprintf(cmd->pool, "%s: no socache provider '%s' (is "
                            "mod_socache_%s loaded? LoadModule socache_%s_module ...)",
                            cmd->cmd->name, name, name, name);
    err = store_g.provider->create(&store_g.instance, args, cmd->temp_pool, cmd->pool);
    if (err) {
        store_g.provider = NULL;
        return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, spec, err);
    }
    if (strcmp(name, "shmcb")) {
        err = store_g.provider->create(&store_g.dpop, args, cmd->temp_pool, cmd->pool);
        if (err) {
            store_g.provider = NULL;
            return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, spec, err);
        }
    }
    store_g.spec = apr_pstrdup(cmd->pool, spec);
    store_g.name = name;
    return NULL;
}

int jwt_shared_store_networked(void)
{
    return store_g.provider != NULL && store_g.dpop != NULL;
}

int jwt_shared_store_configured(void)
{
    return store_g.provider != NULL && store_g.ready;
}

int jwt_shared_store_given(void)
{
    return store_g.provider != NULL;
}

const char *jwt_shared_store_describe(void)
{
    return store_g.spec ? store_g.spec : "(none)";
}

/* ---------------------------------------------------------------- ids and access */

int jwt_shared_store_id(const char *ns, const char *const *parts, int nparts,
                        unsigned char id[JWT_SHARED_STORE_ID_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    int i, ok;

    if (!md)
        return -1;
    ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (i = -1; ok && i < nparts; i++) {
        const char *s = i < 0 ? ns : parts[i];
        size_t n = s ? strlen(s) : 0;
        unsigned char lenbuf[9];
        int b;
        /* a length prefix (and a flag for NULL): ("ab","c") and ("a","bc") differ */
        lenbuf[0] = s ? 1 : 0;
        for (b = 0; b < 8; b++)
            lenbuf[1 + b] = (unsigned char)((apr_uint64_t)n >> (56 - 8 * b));
        ok = EVP_DigestUpdate(md, lenbuf, sizeof(lenbuf)) && (!n || EVP_DigestUpdate(md, s, n));
    }
    ok = ok && EVP_DigestFinal_ex(md, id, &outlen) && outlen == JWT_SHARED_STORE_ID_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static apr_status_t lock(void)
{
    return store_g.mutex ? apr_global_mutex_lock(store_g.mutex) : APR_SUCCESS;
}

static void unlock(void)
{
    if (store_g.mutex)
        apr_global_mutex_unlock(store_g.mutex);
}

static apr_status_t put_in(ap_socache_instance_t *inst, server_rec *s, const unsigned char *id,
                           apr_time_t expiry, const unsigned char *data, unsigned int len,
                           apr_pool_t *p)
{
    apr_status_t rv;

    if (!jwt_shared_store_configured() || !inst)
        return APR_ENOTIMPL;
    if (len > JWT_SHARED_STORE_MAX_VALUE)
        return APR_EINVAL;
    /* memcached would read a relative expiry over 30 days as a unix time (long past: the
     * entry gone at once); configtest refuses such horizons, this keeps it an error */
    if (!strcmp(store_g.name, "memcache") && expiry - apr_time_now() > apr_time_from_sec(30 * 86400))
        return APR_EINVAL;
    if ((rv = lock()) != APR_SUCCESS)
        return rv;
    rv = store_g.provider->store(inst, s, id, JWT_SHARED_STORE_ID_LEN, expiry,
                                 (unsigned char *)data, len, p);
    unlock();
    return noted(rv, 1);          /* a client with no live server answers NOTFOUND */
}

static apr_status_t get_in(ap_socache_instance_t *inst, server_rec *s, const unsigned char *id,
                           unsigned char *data, unsigned int *len, apr_pool_t *p)
{
    apr_status_t rv;

    if (!jwt_shared_store_configured() || !inst)
        return APR_ENOTIMPL;
    if ((rv = lock()) != APR_SUCCESS)
        return rv;
    rv = store_g.provider->retrieve(inst, s, id, JWT_SHARED_STORE_ID_LEN, data, len, p);
    unlock();
    return noted(rv, 0);
}

apr_status_t jwt_shared_store_put(server_rec *s, const unsigned char *id, apr_time_t expiry,
                                  const unsigned char *data, unsigned int len, apr_pool_t *p)
{
    return put_in(store_g.instance, s, id, expiry, data, len, p);
}

apr_status_t jwt_shared_store_get(server_rec *s, const unsigned char *id, unsigned char *data,
                                  unsigned int *len, apr_pool_t *p)
{
    return get_in(store_g.instance, s, id, data, len, p);
}

apr_status_t jwt_shared_store_dpop_put(server_rec *s, const unsigned char *id,
                                       apr_time_t expiry, const unsigned char *data,
                                       unsigned int len, apr_pool_t *p)
{
    return put_in(store_g.dpop, s, id, expiry, data, len, p);
}

apr_status_t jwt_shared_store_dpop_get(server_rec *s, const unsigned char *id,
                                       unsigned char *data, unsigned int *len, apr_pool_t *p)
{
    return get_in(store_g.dpop, s, id, data, len, p);
}

apr_status_t jwt_shared_store_remove(server_rec *s, const unsigned char *id, apr_pool_t *p)
{
    apr_status_t rv;

    if (!jwt_shared_store_configured())
        return APR_ENOTIMPL;
    if ((rv = lock()) != APR_SUCCESS)
        return rv;
    rv = store_g.provider->remove(store_g.instance, s, id, JWT_SHARED_STORE_ID_LEN, p);
    unlock();
    return noted(rv, 0);
}

/* ---------------------------------------------------------------- hooks */

static apr_status_t store_destroy(void *data)
{
    server_rec *s = data;

    if (store_g.provider && store_g.instance && store_g.ready)
        store_g.provider->destroy(store_g.instance, s);
    if (store_g.provider && store_g.dpop && store_g.ready)
        store_g.provider->destroy(store_g.dpop, s);
    store_g.ready = 0;
    return APR_SUCCESS;
}

static int store_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    /* the configuration is read again on a restart: a new instance from the directive */
    memset((void *)&store_g, 0, sizeof(store_g));
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
               ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    struct ap_socache_hints hints = { JWT_SHARED_STORE_ID_LEN, 64, 86400 };
    apr_status_t rv;

    (void)plog; (void)ptemp;
    if (!store_g.provider)
        return OK;
    if (store_g.provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&store_g.mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1101)
                         "AuthJWTRevocationCache %s: cannot create its mutex", store_g.spec);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    rv = store_g.provider->init(store_g.instance, "mod_auth_jwt", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1102)
                     "AuthJWTRevocationCache %s: cannot initialise the cache", store_g.spec);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (store_g.dpop
        && (rv = store_g.provider->init(store_g.dpop, "mod_auth_jwt_dpop", &hints, s, pconf))
           != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1150)
                     "AuthJWTRevocationCache %s: cannot initialise the DPoP replay instance",
                     store_g.spec);
        store_g.provider->destroy(store_g.instance, s);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    store_g.ready = 1;
    apr_pool_cleanup_register(pconf, s, store_destroy, apr_pool_cleanup_null);
    /* shmcb lives in this configuration's shared memory: a restart makes it anew, empty,
     * and the canary cannot notice (the children write it into the new one). Generations
     * 0 and 1 are the two passes of the first start. */
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, JWT_LOGNO(1107)
                 "AuthJWTRevocationCache %s ready (configuration generation %d)", store_g.spec,
                 ap_state_query(AP_SQ_CONFIG_GEN));
    if (!strcmp(store_g.name, "shmcb") && ap_state_query(AP_SQ_CONFIG_GEN) > 1)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1106)
                     "AuthJWTRevocationCache shmcb: made anew, empty, by this restart; "
                     "revocations made before it are gone (use redis or memcache to keep "
                     "them across restarts)");
    return OK;
}

static void store_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!jwt_shared_store_configured())
        return;
    if (store_g.mutex) {
        rv = apr_global_mutex_child_init(&store_g.mutex,
                                         apr_global_mutex_lockfile(store_g.mutex), pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1103)
                         "AuthJWTRevocationCache %s: cannot reopen its mutex in this child; "
                         "the store is treated as unavailable", store_g.spec);
            store_g.ready = 0;
            return;
        }
    }
    apr_atomic_set32(&store_g.failed_at, 0);
    /* store_canary.c's child_init runs next and takes a first look at the store */
}

void jwt_shared_store_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(store_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(store_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
