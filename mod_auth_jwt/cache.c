/* cache.c -- the verified-token cache (see cache.h for the contract).
 *
 * Why per process and not socache shared between children: a shared cache needs a global
 * (cross-process) mutex and a copy in and out of shared memory on every request, which
 * costs more than it saves next to an HMAC check and serialises the children on one lock.
 * With mpm_event there are few children (2 or 3 by default here), each serving many
 * threads, so a per-process table sees almost every repeat of a token after at most one
 * miss per child; the price is at most (children - 1) extra signature checks per distinct
 * token, paid once. Invalidation is then purely local and immediate: an entry is checked
 * against the current key versions of its location on every hit.
 *
 * Layout: nsets sets of WAYS slots each (nsets = ceil(size / WAYS)), one calloc()ed array
 * made in child_init, so memory is fixed by AuthJWTCacheSize and pages are only touched as
 * slots fill. A slot holds the lookup key, the key-versions digest, the expiry, the alg,
 * kid and typ, and the decoded payload text (at most JWT_CACHE_MAX_PAYLOAD bytes).
 * Replacement inside a set: an empty or expired slot, else CLOCK (a referenced bit per
 * slot, a hand per set). STRIPES mutexes guard the sets (set % STRIPES).
 */
#include "mod_auth_jwt.h"
#include "cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "http_log.h"

#define WAYS 4
#define STRIPES 64

typedef struct {
    unsigned char key[32];
    unsigned char versions[32];
    apr_int64_t expires;               /* seconds; entry useless from then on */
    unsigned char used;
    unsigned char ref;                 /* CLOCK: hit since the hand last passed */
    unsigned char alg;
    unsigned char has_kid, has_typ;
    uint16_t payload_len;
    char kid[JWT_CACHE_MAX_KID + 1];
    char typ[JWT_CACHE_MAX_TYP + 1];
    char payload[JWT_CACHE_MAX_PAYLOAD];
} slot_t;

/* Process-wide: set in child_init before any request thread exists, then only the slots
 * change, each under its stripe's mutex. */
static struct {
    slot_t *slots;
    unsigned char *hands;              /* CLOCK hand per set */
    apr_uint64_t nsets;
#if APR_HAS_THREADS
    apr_thread_mutex_t *locks[STRIPES];
#endif
    EVP_MD *sha256;
    unsigned generation;               /* bumped per configuration load */
} cache_g;

/* ------------------------------------------------------------------ directive */

const char *jwt_cmd_cache_size(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_server_conf_t *sc = ap_get_module_config(cmd->server->module_config, &auth_jwt_module);
    const char *msg = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end = NULL;
    apr_int64_t v;

    (void)mconfig;
    if (msg)
        return msg;
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (!apr_isdigit(*arg) || errno || !end || *end != '\0' || v < 0 || v > JWT_CACHE_MAX_SIZE)
        return apr_psprintf(cmd->pool, "AuthJWTCacheSize: '%s' is not a number of entries "
                            "in [0, %d]", arg, JWT_CACHE_MAX_SIZE);
    sc->cache_size = (int)v;
    sc->cache_size_set = 1;
    return NULL;
}

/* ------------------------------------------------------------------ hashing */

static apr_status_t free_md_ctx(void *data)
{
    EVP_MD_CTX_free(data);
    return APR_SUCCESS;
}

/* The connection's digest context: one EVP_MD_CTX per connection, reused by each of its
 * requests (one at a time: HTTP/2 streams run on their own secondary connections). */
static EVP_MD_CTX *conn_md_ctx(request_rec *r)
{
    conn_rec *c = r->connection;
    EVP_MD_CTX *ctx = ap_get_module_config(c->conn_config, &auth_jwt_module);

    if (ctx)
        return ctx;
    if (!(ctx = EVP_MD_CTX_new()))
        return NULL;
    apr_pool_cleanup_register(c->pool, ctx, free_md_ctx, apr_pool_cleanup_null);
    ap_set_module_config(c->conn_config, &auth_jwt_module, ctx);
    return ctx;
}

EVP_MD_CTX *jwt_cache_hash_begin(request_rec *r)
{
    EVP_MD_CTX *ctx;

    if (!cache_g.slots || !cache_g.sha256 || !(ctx = conn_md_ctx(r)))
        return NULL;
    if (EVP_DigestInit_ex2(ctx, cache_g.sha256, NULL) != 1)
        return NULL;
    /* entries of an older configuration never match (pointers in the identity may be
     * reused by a new configuration in a single-process server) */
    EVP_DigestUpdate(ctx, &cache_g.generation, sizeof(cache_g.generation));
    return ctx;
}

void jwt_cache_hash_add(EVP_MD_CTX *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h, data, len);
}

void jwt_cache_hash_str(EVP_MD_CTX *h, const char *s)
{
    if (s)
        EVP_DigestUpdate(h, s, strlen(s) + 1);
    else
        EVP_DigestUpdate(h, "\1", 1);
}

int jwt_cache_hash_end(EVP_MD_CTX *h, unsigned char out[32])
{
    unsigned int n = 32;
    return EVP_DigestFinal_ex(h, out, &n) == 1 && n == 32;
}

/* ------------------------------------------------------------------ table */

int jwt_cache_enabled(void)
{
    return cache_g.slots != NULL;
}

static apr_uint64_t set_of(const unsigned char key[32])
{
    apr_uint64_t v;
    memcpy(&v, key, sizeof(v));        /* SHA-256 output: any 8 bytes are uniform */
    return v % cache_g.nsets;
}

static void lock_set(apr_uint64_t set)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(cache_g.locks[set % STRIPES]);
#else
    (void)set;
#endif
}

static void unlock_set(apr_uint64_t set)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(cache_g.locks[set % STRIPES]);
#else
    (void)set;
#endif
}

static slot_t *find_locked(apr_uint64_t set, const unsigned char key[32])
{
    slot_t *s = &cache_g.slots[set * WAYS];
    int i;
    for (i = 0; i < WAYS; i++) {
        if (s[i].used && memcmp(s[i].key, key, 32) == 0)
            return &s[i];
    }
    return NULL;
}

int jwt_cache_get(request_rec *r, const unsigned char key[32], apr_int64_t now,
                  jwt_cache_hit_t *hit)
{
    apr_uint64_t set;
    slot_t *s;
    int found = 0;

    if (!cache_g.slots)
        return 0;
    set = set_of(key);
    lock_set(set);
    s = find_locked(set, key);
    if (s && now >= s->expires) {
        s->used = 0;                   /* never outlives the token's exp (+ leeway) */
    }
    else if (s) {
        s->ref = 1;
        hit->payload_json = apr_pstrmemdup(r->pool, s->payload, s->payload_len);
        hit->payload_len = s->payload_len;
        hit->alg = (jwt_alg_t)s->alg;
        hit->kid = s->has_kid ? apr_pstrdup(r->pool, s->kid) : NULL;
        hit->typ = s->has_typ ? apr_pstrdup(r->pool, s->typ) : NULL;
        memcpy(hit->versions, s->versions, 32);
        found = 1;
    }
    unlock_set(set);
    return found;
}

/* Mutex held: the slot to (over)write for key. */
static slot_t *victim_locked(apr_uint64_t set, const unsigned char key[32], apr_int64_t now)
{
    slot_t *s = &cache_g.slots[set * WAYS], *same = find_locked(set, key);
    unsigned char *hand = &cache_g.hands[set];
    int i;

    if (same)
        return same;
    for (i = 0; i < WAYS; i++) {
        if (!s[i].used || now >= s[i].expires)
            return &s[i];
    }
    for (;;) {                         /* CLOCK: at most two turns */
        slot_t *c = &s[*hand % WAYS];
        *hand = (unsigned char)((*hand + 1) % WAYS);
        if (!c->ref)
            return c;
        c->ref = 0;
    }
}

static int fits(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

void jwt_cache_put(request_rec *r, const unsigned char key[32], const jwt_token_t *t,
                   const unsigned char versions[32], apr_int64_t expires)
{
    size_t plen = t->payload_json ? strlen(t->payload_json) : 0;
    apr_int64_t now = (apr_int64_t)apr_time_sec(r->request_time);
    apr_uint64_t set;
    slot_t *s;

    if (!cache_g.slots || !t->payload_json || plen > JWT_CACHE_MAX_PAYLOAD
        || !fits(t->kid, JWT_CACHE_MAX_KID) || !fits(t->typ, JWT_CACHE_MAX_TYP))
        return;                        /* bounded slots: big tokens are verified each time */
    if (expires == 0)
        expires = INT64_MAX;
    if (now >= expires)
        return;
    set = set_of(key);
    lock_set(set);
    s = victim_locked(set, key, now);
    memcpy(s->key, key, 32);
    memcpy(s->versions, versions, 32);
    s->expires = expires;
    s->alg = (unsigned char)t->alg;
    s->has_kid = t->kid != NULL;
    s->has_typ = t->typ != NULL;
    if (t->kid)
        memcpy(s->kid, t->kid, strlen(t->kid) + 1);
    if (t->typ)
        memcpy(s->typ, t->typ, strlen(t->typ) + 1);
    memcpy(s->payload, t->payload_json, plen);
    s->payload_len = (uint16_t)plen;
    s->ref = 0;                        /* earns its place on the first hit */
    s->used = 1;
    unlock_set(set);
}

void jwt_cache_drop(const unsigned char key[32])
{
    apr_uint64_t set;
    slot_t *s;

    if (!cache_g.slots)
        return;
    set = set_of(key);
    lock_set(set);
    if ((s = find_locked(set, key)))
        s->used = 0;
    unlock_set(set);
}

/* ------------------------------------------------------------------ hooks */

static apr_status_t cache_free(void *data)
{
    (void)data;
    free(cache_g.slots);
    free(cache_g.hands);
    EVP_MD_free(cache_g.sha256);
    cache_g.slots = NULL;
    cache_g.hands = NULL;
    cache_g.sha256 = NULL;
    return APR_SUCCESS;
}

static int cache_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    (void)pconf; (void)plog; (void)ptemp; (void)s;
    cache_g.generation++;
    return OK;
}

static void cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    const jwt_server_conf_t *sc = ap_get_module_config(s->module_config, &auth_jwt_module);
    int size = sc->cache_size_set ? sc->cache_size : JWT_CACHE_DEFAULT_SIZE;
    int i;

    cache_free(NULL);
    if (size <= 0)
        return;
    cache_g.nsets = ((apr_uint64_t)size + WAYS - 1) / WAYS;
    cache_g.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    /* calloc: zero pages from the kernel, resident only once a slot is written */
    cache_g.slots = calloc((size_t)(cache_g.nsets * WAYS), sizeof(slot_t));
    cache_g.hands = calloc((size_t)cache_g.nsets, 1);
#if APR_HAS_THREADS
    for (i = 0; i < STRIPES && cache_g.slots; i++) {
        if (apr_thread_mutex_create(&cache_g.locks[i], APR_THREAD_MUTEX_DEFAULT, pchild)
            != APR_SUCCESS)
            break;
    }
#else
    i = STRIPES;
#endif
    if (!cache_g.slots || !cache_g.hands || !cache_g.sha256 || i < STRIPES) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, JWT_LOGNO(0701)
                     "AuthJWTCacheSize %d: cannot set up the token cache; tokens are "
                     "verified every time", size);
        cache_free(NULL);
        return;
    }
    apr_pool_cleanup_register(pchild, NULL, cache_free, apr_pool_cleanup_null);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, JWT_LOGNO(0702)
                 "token cache: %" APR_UINT64_T_FMT " slots of %lu bytes (%" APR_UINT64_T_FMT
                 " KiB at most)", cache_g.nsets * WAYS, (unsigned long)sizeof(slot_t),
                 cache_g.nsets * WAYS * sizeof(slot_t) / 1024);
}

void jwt_cache_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(cache_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(cache_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
