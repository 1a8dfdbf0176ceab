/* jwks_store.c -- the shared JWKS document store (socache shmcb + a global mutex). See
 * jwks_store.h for the layout and its sizing. */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"
#include "apr_strings.h"
#include "apr_global_mutex.h"

#include <openssl/evp.h>

#include "jwt_fetch.h"
#include "jwks_store.h"
#include "socache_store.h"

APLOG_USE_MODULE(auth_jwt);

#define JWKS_MUTEX_TYPE "auth-jwt-jwks"
#define JWKS_SOCACHE_NS "auth_jwt_jwks"
#define JWKS_CHUNK 4096
#define JWKS_MAX_BODY JWT_FETCH_DEFAULT_MAX_BYTES
#define JWKS_STORE_PER_SOURCE (4 * (apr_size_t)JWKS_MAX_BODY)
#define JWKS_STORE_MAX (64 * 1024 * 1024)
#define JWKS_ID_LEN 32

/* Process-wide handles: set in the parent at post_config (child_init re-attaches the
 * mutex), read-only on the request path. */
static jwt_socache_store_t store;

void jwks_sha256(const char *buf, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);       /* never matches a real digest: forces a rebuild */
}

/* SHA-256(tag gen index key): the hash's first byte picks the sub-cache. The meta entry
 * has gen 0 and index 0; chunks carry their body's generation, so a new body never
 * overwrites the chunks of the one the meta entry names. */
static void id_of(const jwks_source_t *src, char tag, uint64_t gen, int index,
                  unsigned char id[JWKS_ID_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = JWKS_ID_LEN;
    unsigned char idx[12];

    for (int b = 0; b < 8; b++)
        idx[b] = (unsigned char)(gen >> (56 - 8 * b));
    idx[8] = (unsigned char)(index >> 24);
    idx[9] = (unsigned char)(index >> 16);
    idx[10] = (unsigned char)(index >> 8);
    idx[11] = (unsigned char)index;
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(ctx, &tag, 1) != 1 || EVP_DigestUpdate(ctx, idx, sizeof(idx)) != 1
        || EVP_DigestUpdate(ctx, src->key, strlen(src->key)) != 1
        || EVP_DigestFinal_ex(ctx, id, &n) != 1) {
        /* no digest: still a distinct, stable id (the sub-cache spread is lost, not data) */
        memset(id, 0, JWKS_ID_LEN);
        id[0] = (unsigned char)tag;
        memcpy(id + 1, idx, sizeof(idx));
        {
            size_t kl = strlen(src->key), room = JWKS_ID_LEN - 1 - sizeof(idx);
            memcpy(id + 1 + sizeof(idx), src->key, kl < room ? kl : room);
        }
    }
    EVP_MD_CTX_free(ctx);
}

/* Entries never expire by time: freshness is decided from the timestamps inside. */
static apr_time_t no_expiry(void)
{
    return apr_time_now() + apr_time_from_sec(10L * 365 * 86400);
}

void jwks_store_lock(void)
{
    apr_global_mutex_lock(store.mutex);
}

void jwks_store_unlock(void)
{
    apr_global_mutex_unlock(store.mutex);
}

int jwks_store_ready(void)
{
    return store.mutex != NULL && store.cache != NULL;
}

server_rec *jwks_store_server(void)
{
    return store.server;
}

int jwks_meta_get(const jwks_source_t *src, apr_pool_t *p, jwks_meta_t *m)
{
    unsigned char id[JWKS_ID_LEN];
    unsigned int len = sizeof(*m);

    id_of(src, 'm', 0, 0, id);
    if (store.provider->retrieve(store.cache, store.server, id, JWKS_ID_LEN,
                                 (unsigned char *)m, &len, p) != APR_SUCCESS
        || len != sizeof(*m) || m->magic != JWKS_META_MAGIC) {
        memset(m, 0, sizeof(*m));
        m->magic = JWKS_META_MAGIC;
        m->max_age = -1;
        return 0;
    }
    return 1;
}

apr_status_t jwks_meta_put(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m)
{
    unsigned char id[JWKS_ID_LEN];

    id_of(src, 'm', 0, 0, id);
    return store.provider->store(store.cache, store.server, id, JWKS_ID_LEN, no_expiry(),
                                 (unsigned char *)m, sizeof(*m), p);
}

static unsigned int chunk_len(uint64_t total, uint32_t i)
{
    uint64_t off = (uint64_t)i * JWKS_CHUNK;
    return (unsigned int)(total - off < JWKS_CHUNK ? total - off : JWKS_CHUNK);
}

apr_status_t jwks_body_put(const jwks_source_t *src, apr_pool_t *p, const char *body,
                           size_t len, jwks_meta_t *m)
{
    uint32_t i, n = (uint32_t)((len + JWKS_CHUNK - 1) / JWKS_CHUNK);
    apr_time_t expiry = no_expiry();
    apr_status_t rv = APR_SUCCESS;
    jwks_meta_t next = *m;
    char *back;

    if (len == 0 || len > JWKS_MAX_BODY)
        return APR_EINVAL;
    next.gen = m->gen + 1;
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        unsigned char id[JWKS_ID_LEN];
        id_of(src, 'c', next.gen, (int)i, id);
        rv = store.provider->store(store.cache, store.server, id, JWKS_ID_LEN, expiry,
                                   (unsigned char *)body + (size_t)i * JWKS_CHUNK,
                                   chunk_len(len, i), p);
    }
    next.nchunks = n;
    next.body_len = len;
    jwks_sha256(body, len, next.sha256);
    if (rv != APR_SUCCESS)
        return rv;
    /* shmcb makes room by evicting the oldest entries of a sub-cache, possibly a chunk
     * stored a moment ago: only what reads back whole counts as stored */
    if (!jwks_body_get(src, p, &next, &back))
        return APR_ENOSPC;
    *m = next;
    return APR_SUCCESS;
}

static int chunk_get(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m,
                     uint32_t i, char *dst)
{
    unsigned char id[JWKS_ID_LEN];
    unsigned int want = chunk_len(m->body_len, i), got = want;

    id_of(src, 'c', m->gen, (int)i, id);
    return store.provider->retrieve(store.cache, store.server, id, JWKS_ID_LEN,
                                    (unsigned char *)dst, &got, p) == APR_SUCCESS
           && got == want;
}

static int layout_ok(const jwks_meta_t *m)
{
    return m->body_len > 0 && m->body_len <= JWKS_MAX_BODY
           && m->nchunks == (m->body_len + JWKS_CHUNK - 1) / JWKS_CHUNK;
}

int jwks_body_get(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m, char **out)
{
    unsigned char digest[32];
    char *buf;
    uint32_t i;

    if (!layout_ok(m))
        return 0;
    buf = apr_palloc(p, (apr_size_t)m->body_len + 1);
    for (i = 0; i < m->nchunks; i++) {
        if (!chunk_get(src, p, m, i, buf + (size_t)i * JWKS_CHUNK))
            return 0;
    }
    buf[m->body_len] = '\0';
    jwks_sha256(buf, (size_t)m->body_len, digest);
    if (memcmp(digest, m->sha256, 32) != 0)
        return 0;
    *out = buf;
    return 1;
}

int jwks_body_present(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m)
{
    char buf[JWKS_CHUNK];
    uint32_t i;

    if (!layout_ok(m))
        return 0;
    for (i = 0; i < m->nchunks; i++) {
        if (!chunk_get(src, p, m, i, buf))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ hooks' parts */

int jwks_store_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, JWKS_MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS;
}

int jwks_store_check_config(server_rec *s)
{
    store.provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                        AP_SOCACHE_PROVIDER_VERSION);
    if (store.provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "jwks_init: AuthJWTJWKSURL / AuthJWTIssuerDiscovery need mod_socache_shmcb "
                     "to share fetched keys between children: load it "
                     "(a2enmod socache_shmcb, or LoadModule socache_shmcb_module ...)");
        return 0;
    }
    return 1;
}

int jwks_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s, int nsources)
{
    /* ids are 32-byte hashes; most items are whole chunks */
    struct ap_socache_hints hints = { JWKS_ID_LEN, JWKS_CHUNK, 600 };
    const char *arg, *msg;
    apr_size_t size;
    apr_status_t rv;

    store.server = s;
    rv = ap_global_mutex_create(&store.mutex, NULL, JWKS_MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS)
        return 0;              /* ap_global_mutex_create logged why */
    size = (apr_size_t)nsources * JWKS_STORE_PER_SOURCE;
    if (jwks_store_size_set() > 0)
        size = jwks_store_size_set();     /* AuthJWTJWKSStoreSize: the operator's word */
    else if (size > JWKS_STORE_MAX) {
        size = JWKS_STORE_MAX;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "jwks_init: %d JWKS sources; the shared store is capped at %d MiB, so it "
                     "no longer holds 4 x a full-size (%d KiB) document per source: a store "
                     "that does not read back is retried as a failed fetch",
                     nsources, JWKS_STORE_MAX >> 20, JWKS_MAX_BODY >> 10);
    }
    arg = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                       ap_runtime_dir_relative(ptemp, JWKS_SOCACHE_NS ".shmcb"), size);
    msg = store.provider->create(&store.cache, arg, ptemp, pconf);
    if (msg) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "jwks_init: socache shmcb: %s", msg);
        return 0;
    }
    rv = store.provider->init(store.cache, JWKS_SOCACHE_NS, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "jwks_init: cannot create the shared JWKS store (%s)", arg);
        return 0;
    }
    jwt_socache_store_destroy_with(&store, pconf);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "jwks_init: shared JWKS store of %"
                 APR_SIZE_T_FMT " bytes for %d sources", size, nsources);
    return 1;
}

void jwks_store_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = jwt_socache_store_child_init(&store, p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "jwks_init: cannot re-attach the JWKS mutex");
}
