/* jwks.c -- remote JWKS: directives, the server-wide shared document cache (socache
 * shmcb + a global mutex), per-process parsed keyrings, stale-while-revalidate refresh,
 * the unknown-kid refetch rate limit and fail-closed after max-stale. See jwks.h.
 *
 * Who fetches, and when:
 *  - no usable keys (never fetched, or past max-stale): the request takes the fetch lease
 *    and fetches synchronously (bounded by AuthJWTJWKSTimeout); requests that find the lease
 *    taken wait for it, at most the same timeout; still nothing -> 503 + Retry-After.
 *  - usable but stale keys: the request that notices takes the lease (never blocking) and
 *    queues the fetch for this process's refresher thread (started in child_init), so no
 *    request waits, not even the next one on the same keep-alive connection. Without that
 *    thread the fetch runs as a cleanup of the noticing request's pool, which httpd runs
 *    after the response has been written. Every request keeps using the cached keys.
 *  - a kid no cached key has: at most one fetch per AuthJWTJWKSRefetchInterval per URL,
 *    server-wide (the timestamp is in the shared entry); the winning request fetches and
 *    retries, the others get "unknown kid" at once.
 *  - a failed fetch: retried no sooner than AuthJWTJWKSRefetchInterval; logged at error
 *    level once per failure streak (the streak counter is shared), then at debug level.
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <pthread.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "http_request.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "apr_global_mutex.h"
#include "apr_thread_cond.h"
#include "apr_thread_proc.h"

#include <openssl/evp.h>

#include "jwt_fetch.h"
#include "jwt_key.h"
#include "jwks.h"

APLOG_USE_MODULE(auth_jwt);

#define JWKS_MUTEX_TYPE "auth-jwt-jwks"
#define JWKS_SOCACHE_NS "auth_jwt_jwks"
#define JWKS_CHUNK 4096                   /* shmcb items must fit a subcache: split bodies */
#define JWKS_MAX_BODY JWT_FETCH_DEFAULT_MAX_BYTES
#define JWKS_LOCAL_CHECK apr_time_from_sec(1)   /* look at the shared entry at most 1/s */
#define JWKS_LEASE_MARGIN apr_time_from_sec(5)
#define JWKS_META_MAGIC 0x4a574b53u       /* "JWKS" */
#define JWKS_MAXAGE_MIN 60
#define JWKS_MAXAGE_MAX 86400

#define JWKS_DEFAULT_REFRESH 3600
#define JWKS_DEFAULT_REFETCH 60
#define JWKS_DEFAULT_TIMEOUT 5
#define JWKS_DEFAULT_MAX_STALE 86400

/* ------------------------------------------------------------------ types */

/* A parsed keyring, shared by the requests of one process; freed with its own pool when
 * the last request using it is done and a newer one has replaced it. */
typedef struct {
    apr_pool_t *pool;                 /* unmanaged: freed from whichever thread is last */
    jwt_keyring_t *ring;
    int refs;                         /* guarded by the source's mutex */
    unsigned char sha256[32];         /* of the document it was built from (token cache) */
} jwks_ring_t;

/* The shared entry's header, stored under "m:" + key; the body under "c<i>:" + key. */
typedef struct {
    uint32_t magic;
    uint32_t nchunks;
    apr_time_t fetched_at;            /* last successful fetch; 0 = never */
    apr_time_t attempt_at;            /* last fetch started (any outcome) */
    apr_time_t kid_refetch_at;        /* last fetch caused by an unknown kid */
    apr_time_t lease_until;           /* a fetch is running until then */
    apr_time_t fail_since;            /* first failure of the current streak; 0 = none */
    uint32_t fail_count;
    int32_t max_age;                  /* server's Cache-Control max-age, -1 = none */
    uint64_t version;                 /* bumped on every successful fetch (for logs) */
    uint64_t body_len;
    unsigned char sha256[32];
} jwks_meta_t;

/* One AuthJWTJWKSURL / AuthJWTIssuerDiscovery line. Made at config time (pconf); the
 * fields after `mutex` are this process's view and are guarded by it. */
typedef struct {
    const char *url;                  /* JWKS URL; NULL for discovery */
    const char *discovery;            /* issuer URL to discover jwks_uri from */
    const char *issuer;               /* keys verify only tokens with this iss; NULL = any */
    int allow_http;
    const char *key;                  /* shared-cache key: "u:" URL or "d:" issuer */
    const char *label;                /* for logs */
    apr_thread_mutex_t *mutex;
    jwks_ring_t *ring;                /* NULL until a document arrived in this process */
    unsigned char sha256[32];         /* of the document ring was built from */
    apr_time_t fetched_at;            /* copied from the shared entry */
    int32_t max_age;
    apr_time_t checked_at;            /* last look at the shared entry */
} jwks_source_t;

struct jwks_dir_conf {
    apr_array_header_t *sources;      /* jwks_source_t *; NULL = not set here */
    int refresh, refetch, timeout, max_stale;   /* seconds; -1 = not set here */
    const char *ca_file;
};

/* The settings a fetch or a freshness decision needs, copied out of the dir config. */
typedef struct {
    apr_interval_time_t refresh, refetch, timeout, max_stale;
    const char *ca_file;
} jwks_settings_t;

/* Process-wide handles: set in the parent at post_config (child_init re-attaches the
 * mutex), read-only on the request path. */
static struct {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *cache;
    apr_global_mutex_t *mutex;
    server_rec *server;
    int nsources;                     /* counted while reading the config */
    int curl_ready;
} jwks_g;

/* ------------------------------------------------------------------ directives */

static jwks_dir_conf_t *dir_conf_make(apr_pool_t *p)
{
    jwks_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    c->refresh = c->refetch = c->timeout = c->max_stale = -1;
    return c;
}

static jwks_dir_conf_t *dir_conf_slot(cmd_parms *cmd, void *dirconf)
{
    jwks_dir_conf_t **slot = (jwks_dir_conf_t **)((char *)dirconf + (size_t)cmd->info);
    if (*slot == NULL)
        *slot = dir_conf_make(cmd->pool);
    return *slot;
}

static const char *add_source(cmd_parms *cmd, void *dirconf, jwks_source_t *src)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    apr_status_t rv = apr_thread_mutex_create(&src->mutex, APR_THREAD_MUTEX_DEFAULT, cmd->pool);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot create a mutex", cmd->directive->directive);
    src->max_age = -1;
    if (c->sources == NULL)
        c->sources = apr_array_make(cmd->pool, 2, sizeof(jwks_source_t *));
    APR_ARRAY_PUSH(c->sources, jwks_source_t *) = src;
    jwks_g.nsources++;
    return NULL;
}

/* Options after the first argument: issuer=ISS (only when allowed) and allow-http. */
static const char *parse_source_options(cmd_parms *cmd, int argc, char *const argv[],
                                        int issuer_allowed, jwks_source_t *src)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (issuer_allowed && strncmp(argv[i], "issuer=", 7) == 0) {
            if (src->issuer)
                return apr_psprintf(cmd->pool, "%s: issuer= given twice",
                                    cmd->directive->directive);
            if (argv[i][7] == '\0')
                return apr_psprintf(cmd->pool, "%s: issuer= needs a value",
                                    cmd->directive->directive);
            src->issuer = apr_pstrdup(cmd->pool, argv[i] + 7);
        }
        else if (strcmp(argv[i], "allow-http") == 0) {
            src->allow_http = 1;
        }
        else {
            return apr_psprintf(cmd->pool, "%s: unknown option '%s' (expected %sallow-http)",
                                cmd->directive->directive, argv[i],
                                issuer_allowed ? "issuer=ISS or " : "");
        }
    }
    return NULL;
}

const char *jwks_cmd_url(cmd_parms *cmd, void *dirconf, int argc, char *const argv[])
{
    jwks_source_t *src;
    jwt_err_t err;
    const char *msg;

    if (argc < 1)
        return "AuthJWTJWKSURL: needs a URL";
    src = apr_pcalloc(cmd->pool, sizeof(*src));
    if ((msg = parse_source_options(cmd, argc, argv, 1, src)) != NULL)
        return msg;
    if (jwt_fetch_check_url(argv[0], src->allow_http, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTJWKSURL: %s", err.message);
    src->url = apr_pstrdup(cmd->pool, argv[0]);
    src->key = apr_pstrcat(cmd->pool, "u:", src->url, NULL);
    src->label = src->url;
    return add_source(cmd, dirconf, src);
}

const char *jwks_cmd_discovery(cmd_parms *cmd, void *dirconf, int argc, char *const argv[])
{
    jwks_source_t *src;
    jwt_err_t err;
    const char *oidc, *rfc8414, *msg;

    if (argc < 1)
        return "AuthJWTIssuerDiscovery: needs the issuer URL";
    src = apr_pcalloc(cmd->pool, sizeof(*src));
    if ((msg = parse_source_options(cmd, argc, argv, 0, src)) != NULL)
        return msg;
    if (jwt_discovery_urls(cmd->pool, argv[0], &oidc, &rfc8414, &err) != JWT_OK
        || jwt_fetch_check_url(oidc, src->allow_http, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTIssuerDiscovery: %s", err.message);
    src->discovery = apr_pstrdup(cmd->pool, argv[0]);
    src->issuer = src->discovery;     /* discovered keys verify only this issuer's tokens */
    src->key = apr_pstrcat(cmd->pool, "d:", src->discovery, NULL);
    src->label = apr_pstrcat(cmd->pool, "discovery of ", src->discovery, NULL);
    return add_source(cmd, dirconf, src);
}

static const char *parse_seconds(cmd_parms *cmd, const char *arg, long min, long max,
                                 int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds in [%ld, %ld]",
                            cmd->directive->directive, arg, min, max);
    *out = (int)v;
    return NULL;
}

const char *jwks_cmd_seconds(cmd_parms *cmd, void *dirconf, const char *arg)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    const char *name = cmd->directive->directive;

    if (strcasecmp(name, "AuthJWTJWKSRefresh") == 0)
        return parse_seconds(cmd, arg, 1, 30L * 86400, &c->refresh);
    if (strcasecmp(name, "AuthJWTJWKSRefetchInterval") == 0)
        return parse_seconds(cmd, arg, 1, 86400, &c->refetch);
    if (strcasecmp(name, "AuthJWTJWKSTimeout") == 0)
        return parse_seconds(cmd, arg, 1, 120, &c->timeout);
    if (strcasecmp(name, "AuthJWTJWKSMaxStale") == 0)
        return parse_seconds(cmd, arg, 0, 365L * 86400, &c->max_stale);
    return apr_psprintf(cmd->pool, "%s: not a JWKS timing directive", name);
}

const char *jwks_cmd_ca_file(cmd_parms *cmd, void *dirconf, const char *arg)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "AuthJWTJWKSCAFile: '%s' is not a readable file", arg);
    c->ca_file = path;
    return NULL;
}

jwks_dir_conf_t *jwks_dir_merge(apr_pool_t *p, const jwks_dir_conf_t *base,
                                const jwks_dir_conf_t *add)
{
    jwks_dir_conf_t *c;

    if (base == NULL && add == NULL)
        return NULL;
    if (base == NULL || add == NULL)
        return (jwks_dir_conf_t *)(base ? base : add);   /* configs are read-only after startup */
    c = dir_conf_make(p);
    /* a nested section that names its own JWKS sources replaces the outer list */
    c->sources = add->sources ? add->sources : base->sources;
    c->refresh = add->refresh >= 0 ? add->refresh : base->refresh;
    c->refetch = add->refetch >= 0 ? add->refetch : base->refetch;
    c->timeout = add->timeout >= 0 ? add->timeout : base->timeout;
    c->max_stale = add->max_stale >= 0 ? add->max_stale : base->max_stale;
    c->ca_file = add->ca_file ? add->ca_file : base->ca_file;
    return c;
}

const void *jwks_identity(const jwks_dir_conf_t *c)
{
    return jwks_configured(c) ? (const void *)c->sources : NULL;
}

int jwks_configured(const jwks_dir_conf_t *c)
{
    return c != NULL && c->sources != NULL && c->sources->nelts > 0;
}

static void settings_of(const jwks_dir_conf_t *c, jwks_settings_t *s)
{
    s->refresh = apr_time_from_sec(c->refresh >= 0 ? c->refresh : JWKS_DEFAULT_REFRESH);
    s->refetch = apr_time_from_sec(c->refetch >= 0 ? c->refetch : JWKS_DEFAULT_REFETCH);
    s->timeout = apr_time_from_sec(c->timeout >= 0 ? c->timeout : JWKS_DEFAULT_TIMEOUT);
    s->max_stale = apr_time_from_sec(c->max_stale >= 0 ? c->max_stale : JWKS_DEFAULT_MAX_STALE);
    s->ca_file = c->ca_file;
}

/* ------------------------------------------------------------------ shared cache */

static void cache_lock(void)
{
    apr_global_mutex_lock(jwks_g.mutex);
}

static void cache_unlock(void)
{
    apr_global_mutex_unlock(jwks_g.mutex);
}

static const unsigned char *id_of(apr_pool_t *p, const char *prefix, const char *key,
                                  unsigned int *len)
{
    const char *id = apr_pstrcat(p, prefix, key, NULL);
    *len = (unsigned int)strlen(id);
    return (const unsigned char *)id;
}

/* Call with the cache lock held. Returns 1 and fills *m when the entry exists. */
static int meta_get(const jwks_source_t *src, apr_pool_t *p, jwks_meta_t *m)
{
    unsigned int idlen, len = sizeof(*m);
    const unsigned char *id = id_of(p, "m:", src->key, &idlen);

    if (jwks_g.provider->retrieve(jwks_g.cache, jwks_g.server, id, idlen,
                                  (unsigned char *)m, &len, p) != APR_SUCCESS
        || len != sizeof(*m) || m->magic != JWKS_META_MAGIC) {
        memset(m, 0, sizeof(*m));
        m->magic = JWKS_META_MAGIC;
        m->max_age = -1;
        return 0;
    }
    return 1;
}

/* Call with the cache lock held. */
static apr_status_t meta_put(const jwks_source_t *src, apr_pool_t *p, jwks_meta_t *m)
{
    unsigned int idlen;
    const unsigned char *id = id_of(p, "m:", src->key, &idlen);
    /* entries never expire by time: freshness is decided from the timestamps inside */
    apr_time_t expiry = apr_time_now() + apr_time_from_sec(10L * 365 * 86400);

    return jwks_g.provider->store(jwks_g.cache, jwks_g.server, id, idlen, expiry,
                                  (unsigned char *)m, sizeof(*m), p);
}

static void sha256(const char *buf, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);       /* never matches a real digest: forces a rebuild */
}

/* Call with the cache lock held: store body in JWKS_CHUNK pieces, fill m's body fields. */
static apr_status_t body_put(const jwks_source_t *src, apr_pool_t *p, const char *body,
                             size_t len, jwks_meta_t *m)
{
    apr_time_t expiry = apr_time_now() + apr_time_from_sec(10L * 365 * 86400);
    uint32_t i, n = (uint32_t)((len + JWKS_CHUNK - 1) / JWKS_CHUNK);
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        unsigned int idlen;
        const unsigned char *id = id_of(p, apr_psprintf(p, "c%u:", i), src->key, &idlen);
        size_t off = (size_t)i * JWKS_CHUNK;
        size_t piece = len - off < JWKS_CHUNK ? len - off : JWKS_CHUNK;
        rv = jwks_g.provider->store(jwks_g.cache, jwks_g.server, id, idlen, expiry,
                                    (unsigned char *)body + off, (unsigned int)piece, p);
    }
    m->nchunks = n;
    m->body_len = len;
    sha256(body, len, m->sha256);
    return rv;
}

/* Call with the cache lock held. The body is checked against the digest in m, so a chunk
 * lost to cache eviction shows as "no document" rather than as a corrupt one. */
static int body_get(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m,
                    char **out)
{
    char *buf;
    uint32_t i;
    unsigned char digest[32];

    if (m->body_len == 0 || m->body_len > JWKS_MAX_BODY)
        return 0;
    buf = apr_palloc(p, (apr_size_t)m->body_len + 1);
    for (i = 0; i < m->nchunks; i++) {
        unsigned int idlen;
        const unsigned char *id = id_of(p, apr_psprintf(p, "c%u:", i), src->key, &idlen);
        size_t off = (size_t)i * JWKS_CHUNK;
        unsigned int want = (unsigned int)(m->body_len - off < JWKS_CHUNK ? m->body_len - off
                                                                         : JWKS_CHUNK);
        unsigned int got = want;
        if (off >= m->body_len
            || jwks_g.provider->retrieve(jwks_g.cache, jwks_g.server, id, idlen,
                                         (unsigned char *)buf + off, &got, p) != APR_SUCCESS
            || got != want)
            return 0;
    }
    buf[m->body_len] = '\0';
    sha256(buf, (size_t)m->body_len, digest);
    if (memcmp(digest, m->sha256, 32) != 0)
        return 0;
    *out = buf;
    return 1;
}

/* ------------------------------------------------------------------ freshness */

static apr_interval_time_t period_of(int32_t max_age, const jwks_settings_t *st)
{
    if (max_age < 0)
        return st->refresh;
    if (max_age < JWKS_MAXAGE_MIN)
        return apr_time_from_sec(JWKS_MAXAGE_MIN);
    if (max_age > JWKS_MAXAGE_MAX)
        return apr_time_from_sec(JWKS_MAXAGE_MAX);
    return apr_time_from_sec(max_age);
}

static int is_stale(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                    apr_time_t now)
{
    return fetched_at == 0 || now >= fetched_at + period_of(max_age, st);
}

/* Keys serve until the end of their refresh period plus max-stale; after that the
 * location fails closed. */
static int is_usable(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                     apr_time_t now)
{
    return fetched_at != 0 && now < fetched_at + period_of(max_age, st) + st->max_stale;
}

/* ------------------------------------------------------------------ keyrings */

static void ring_release(jwks_source_t *src, jwks_ring_t *kr)
{
    int last;
    apr_thread_mutex_lock(src->mutex);
    last = (--kr->refs == 0);
    apr_thread_mutex_unlock(src->mutex);
    if (last)
        apr_pool_destroy(kr->pool);
}

typedef struct {
    jwks_source_t *src;
    jwks_ring_t *kr;
} ring_hold_t;

static apr_status_t ring_hold_cleanup(void *data)
{
    ring_hold_t *h = data;
    ring_release(h->src, h->kr);
    return APR_SUCCESS;
}

/* Parse a JWKS document into a fresh keyring bound to src's issuer. */
static jwt_code_t ring_build(const jwks_source_t *src, const char *doc, size_t len,
                             const char *origin, jwks_ring_t **out, jwt_err_t *err)
{
    apr_pool_t *pool;
    jwks_ring_t *kr;
    jwt_code_t code;
    int count = 0, i;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_ARG, "out of memory");
    kr = apr_pcalloc(pool, sizeof(*kr));
    kr->pool = pool;
    kr->ring = jwt_keyring_make(pool);
    code = jwt_keys_from_buffer(kr->ring, doc, len, origin, NULL, &count, err);
    if (code == JWT_OK && jwt_keyring_count(kr->ring) == 0)
        code = JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: the JWKS holds no usable key", origin);
    if (code != JWT_OK) {
        apr_pool_destroy(pool);
        return code;
    }
    if (src->issuer) {
        const char *iss = apr_pstrdup(pool, src->issuer);
        for (i = 0; i < kr->ring->keys->nelts; i++)
            APR_ARRAY_IDX(kr->ring->keys, i, jwt_key_t *)->issuer = iss;
    }
    kr->refs = 1;
    *out = kr;
    return JWT_OK;
}

/* Bring this process's view of src up to date with the shared entry (at most once per
 * JWKS_LOCAL_CHECK unless force), rebuilding the keyring only when the document changed.
 * Call with src->mutex held; takes the cache lock itself, never does network I/O. */
static void source_sync(jwks_source_t *src, apr_pool_t *p, apr_time_t now, int force)
{
    jwks_meta_t m;
    char *doc = NULL;
    int found, have_doc = 0;
    jwks_ring_t *kr;
    jwt_err_t err;

    if (!force && src->checked_at != 0 && now - src->checked_at < JWKS_LOCAL_CHECK)
        return;
    src->checked_at = now;
    cache_lock();
    found = meta_get(src, p, &m);
    if (found && m.fetched_at != 0 && (src->ring == NULL || memcmp(m.sha256, src->sha256, 32) != 0))
        have_doc = body_get(src, p, &m, &doc);
    cache_unlock();
    if (!found || m.fetched_at == 0)
        return;
    if (have_doc) {
        if (ring_build(src, doc, (size_t)m.body_len, src->label, &kr, &err) != JWT_OK) {
            /* the fetcher validated it; only a core change could make this fail */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, jwks_g.server,
                         "jwks_rebuild: %s: shared document does not parse: %s",
                         src->label, err.message);
            return;
        }
        if (src->ring)
            src->ring->refs--;        /* the source's own reference; holders keep theirs */
        if (src->ring && src->ring->refs == 0)
            apr_pool_destroy(src->ring->pool);
        src->ring = kr;
        memcpy(src->sha256, m.sha256, 32);
        memcpy(kr->sha256, m.sha256, 32);
    }
    else if (src->ring == NULL || memcmp(m.sha256, src->sha256, 32) != 0) {
        return;                       /* body lost from the cache: keep what we have */
    }
    src->fetched_at = m.fetched_at;
    src->max_age = m.max_age;
}

/* ------------------------------------------------------------------ fetching */

typedef enum { LEASE_TAKEN, LEASE_BUSY, LEASE_NOT_DUE } lease_t;

typedef enum { WHY_INITIAL, WHY_SCHEDULED, WHY_UNKNOWN_KID } fetch_reason_t;

/* Decide under the cache lock whether this caller may fetch now, and if so take the
 * lease. A lease outlives the fetch timeout, so a child that dies mid-fetch only delays
 * the next fetch. */
static lease_t lease_take(jwks_source_t *src, apr_pool_t *p, const jwks_settings_t *st,
                          fetch_reason_t why, apr_time_t *retry_at)
{
    jwks_meta_t m;
    apr_time_t now;
    lease_t out = LEASE_TAKEN;

    cache_lock();
    now = apr_time_now();
    meta_get(src, p, &m);
    if (m.lease_until > now) {
        out = LEASE_BUSY;
        *retry_at = m.lease_until;
    }
    else if (why == WHY_UNKNOWN_KID && m.kid_refetch_at != 0
             && now < m.kid_refetch_at + st->refetch) {
        out = LEASE_NOT_DUE;
        *retry_at = m.kid_refetch_at + st->refetch;
    }
    else if (why != WHY_UNKNOWN_KID && m.fail_since != 0 && now < m.attempt_at + st->refetch) {
        out = LEASE_NOT_DUE;          /* the last attempt failed: back off */
        *retry_at = m.attempt_at + st->refetch;
    }
    else if (why == WHY_SCHEDULED && !is_stale(m.fetched_at, m.max_age, st, now)) {
        out = LEASE_NOT_DUE;          /* another child refreshed it meanwhile */
        *retry_at = 0;
    }
    else if (why == WHY_INITIAL && is_usable(m.fetched_at, m.max_age, st, now)) {
        out = LEASE_NOT_DUE;          /* another child's fetch landed since we looked */
        *retry_at = 0;
    }
    if (out == LEASE_TAKEN) {
        m.lease_until = now + st->timeout + JWKS_LEASE_MARGIN;
        m.attempt_at = now;
        if (why == WHY_UNKNOWN_KID)
            m.kid_refetch_at = now;
        if (meta_put(src, p, &m) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, jwks_g.server,
                         "jwks_cache: %s: cannot store the fetch lease in the shared cache",
                         src->label);
    }
    cache_unlock();
    return out;
}

/* One GET that must answer 200, within what is left of the whole fetch's deadline (a
 * discovery document and the JWKS share one AuthJWTJWKSTimeout). */
static jwt_code_t fetch_one(apr_pool_t *p, const char *url, int allow_http,
                            const jwks_settings_t *st, apr_time_t deadline,
                            jwt_fetch_result_t **res, jwt_err_t *err)
{
    jwt_fetch_opts_t o = { 0 };
    jwt_code_t code;
    apr_interval_time_t left = deadline - apr_time_now();

    *res = NULL;
    if (left < apr_time_from_msec(1))
        return JWT_ERR(err, JWT_ERR_FETCH, "%s: no time left of AuthJWTJWKSTimeout", url);
    o.timeout_ms = (long)apr_time_as_msec(left);
    o.ca_file = st->ca_file;
    o.allow_http = allow_http;
    code = jwt_fetch_url(p, url, &o, res, err);
    if (code == JWT_OK && (*res)->status != 200)
        code = JWT_ERR(err, JWT_ERR_FETCH, "%s: HTTP status %ld", url, (*res)->status);
    return code;
}

/* OpenID Connect discovery first; when that location answers with an HTTP error, the
 * RFC 8414 location. */
static jwt_code_t discover(apr_pool_t *p, const jwks_source_t *src, const jwks_settings_t *st,
                           apr_time_t deadline, const char **jwks_uri, jwt_err_t *err)
{
    const char *urls[2];
    jwt_fetch_result_t *res = NULL;
    jwt_code_t code;
    int i;

    code = jwt_discovery_urls(p, src->discovery, &urls[0], &urls[1], err);
    for (i = 0; code == JWT_OK && i < 2; i++) {
        code = fetch_one(p, urls[i], src->allow_http, st, deadline, &res, err);
        if (code == JWT_OK)
            return jwt_discovery_jwks_uri(p, res->body, res->len, src->discovery,
                                          src->allow_http, jwks_uri, err);
        if (i == 0 && res != NULL)
            code = JWT_OK;            /* an HTTP answer, not a transport failure: try 8414 */
    }
    return code;
}

/* Fetch and validate the document (it must parse into at least one key). */
static jwt_code_t fetch_document(apr_pool_t *p, const jwks_source_t *src,
                                 const jwks_settings_t *st, jwt_fetch_result_t **res,
                                 jwt_err_t *err)
{
    const char *url = src->url;
    apr_time_t deadline = apr_time_now() + st->timeout;
    jwks_ring_t *kr;
    jwt_code_t code = JWT_OK;

    *res = NULL;
    if (src->discovery)
        code = discover(p, src, st, deadline, &url, err);
    if (code == JWT_OK)
        code = fetch_one(p, url, src->allow_http, st, deadline, res, err);
    if (code == JWT_OK) {
        code = ring_build(src, (*res)->body, (*res)->len, src->label, &kr, err);
        if (code == JWT_OK)
            apr_pool_destroy(kr->pool);   /* validation only; children build their own */
    }
    return code;
}

static void log_fetch_outcome(const jwks_source_t *src, jwt_code_t code, const jwt_err_t *err,
                              uint32_t fail_count, apr_time_t fail_since, int usable)
{
    server_rec *s = jwks_g.server;
    if (code == JWT_OK) {
        if (fail_count > 0)
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "jwks_recovered: %s: fetch succeeded again after %u failed attempts",
                         src->label, fail_count);
        else
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "jwks_fetched: %s", src->label);
        return;
    }
    if (fail_count == 1)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "jwks_fetch_failed: %s: %s; %s (logged once per failure streak)",
                     src->label, err->message,
                     usable ? "the last good keys keep serving until AuthJWTJWKSMaxStale"
                            : "no usable keys: requests needing them get 503");
    else
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     "jwks_fetch_failed: %s: %s (attempt %u of a streak since %" APR_TIME_T_FMT ")",
                     src->label, err->message, fail_count, apr_time_sec(fail_since));
}

/* Run one fetch (the caller holds the lease) and publish the outcome in the shared entry. */
static void fetch_and_publish(jwks_source_t *src, const jwks_settings_t *st)
{
    apr_pool_t *p;
    jwt_fetch_result_t *res = NULL;
    jwt_err_t err;
    jwt_code_t code;
    jwks_meta_t m;
    uint32_t fails;
    apr_time_t since;
    int usable;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return;
    jwt_err_clear(&err);
    code = fetch_document(p, src, st, &res, &err);
    cache_lock();
    meta_get(src, p, &m);
    m.lease_until = 0;
    if (code == JWT_OK) {
        unsigned char digest[32];
        sha256(res->body, res->len, digest);
        if ((m.fetched_at == 0 || memcmp(digest, m.sha256, 32) != 0 || m.body_len != res->len)
            && body_put(src, p, res->body, res->len, &m) != APR_SUCCESS) {
            /* a document the children cannot read is no better than a failed fetch:
             * count it as one, so it is logged and retried like one */
            memset(m.sha256, 0, sizeof(m.sha256));
            code = JWT_ERR(&err, JWT_ERR_FETCH, "the shared cache refused the document "
                           "(%lu bytes)", (unsigned long)res->len);
        }
    }
    if (code == JWT_OK) {
        m.version++;
        m.fetched_at = apr_time_now();
        m.max_age = (int32_t)(res->max_age > INT32_MAX ? INT32_MAX : res->max_age);
        fails = m.fail_count;
        m.fail_count = 0;
        m.fail_since = 0;
    }
    else {
        if (m.fail_since == 0)
            m.fail_since = apr_time_now();
        fails = ++m.fail_count;
    }
    since = m.fail_since;
    usable = is_usable(m.fetched_at, m.max_age, st, apr_time_now());
    meta_put(src, p, &m);
    cache_unlock();
    log_fetch_outcome(src, code, &err, fails, since, usable);
    apr_pool_destroy(p);
}

/* A scheduled refresh. It runs on this process's refresher thread, so neither the request
 * that noticed the staleness nor the next request on its keep-alive connection waits. When
 * the thread is not there (APR without threads, or it could not start) or its queue is
 * full, it runs as a cleanup of the noticing request's pool instead, which httpd runs only
 * after that response was written. */
typedef struct {
    jwks_source_t *src;
    jwks_settings_t st;
} refresh_job_t;

#define JWKS_QUEUE_MAX 32

typedef struct {
    apr_thread_mutex_t *mutex;        /* guards everything below */
    apr_thread_cond_t *wake;
    apr_thread_cond_t *done;          /* signalled after each job: done_seq moved */
    refresh_job_t jobs[JWKS_QUEUE_MAX];
    int njobs;
    int stopping;
    apr_uint64_t queued_seq, done_seq;  /* jobs queued and finished so far (FIFO) */
#if APR_HAS_THREADS
    apr_thread_t *thread;
#endif
} refresher_t;

/* Set once per child in child_init; the queue inside is guarded by its mutex. */
static refresher_t *jwks_refresher;

static apr_status_t refresh_after_response(void *data)
{
    refresh_job_t *job = data;
    fetch_and_publish(job->src, &job->st);
    return APR_SUCCESS;
}

#if APR_HAS_THREADS
static void *APR_THREAD_FUNC refresher_main(apr_thread_t *thd, void *data)
{
    refresher_t *rf = data;

    apr_thread_mutex_lock(rf->mutex);
    while (!rf->stopping) {
        refresh_job_t job;
        if (rf->njobs == 0) {
            apr_thread_cond_wait(rf->wake, rf->mutex);
            continue;
        }
        job = rf->jobs[0];
        memmove(&rf->jobs[0], &rf->jobs[1], (size_t)(rf->njobs - 1) * sizeof(job));
        rf->njobs--;
        apr_thread_mutex_unlock(rf->mutex);
        fetch_and_publish(job.src, &job.st);
        apr_thread_mutex_lock(rf->mutex);
        rf->done_seq++;
        apr_thread_cond_broadcast(rf->done);
    }
    apr_thread_mutex_unlock(rf->mutex);
    /* plain return, no apr_thread_exit: the thread's pool then goes with the child pool
     * (or in apr_thread_join, depending on the APR version), never from this thread */
    return NULL;
}

/* A pre-cleanup of the child pool: runs before the thread's own (sub)pool goes. A fetch in
 * progress finishes first (bounded by AuthJWTJWKSTimeout); queued ones are dropped, their
 * leases simply expire. */
static apr_status_t refresher_stop(void *data)
{
    refresher_t *rf = data;
    apr_status_t rv;

    apr_thread_mutex_lock(rf->mutex);
    rf->stopping = 1;
    apr_thread_cond_signal(rf->wake);
    apr_thread_cond_broadcast(rf->done);
    apr_thread_mutex_unlock(rf->mutex);
    apr_thread_join(&rv, rf->thread);
    jwks_refresher = NULL;
    return APR_SUCCESS;
}

/* Start the refresher with every signal blocked, so the MPM's signal handling (sigwait in
 * worker/event, handlers in prefork) never runs on this thread. */
static void refresher_start(apr_pool_t *pchild, server_rec *s)
{
    refresher_t *rf = apr_pcalloc(pchild, sizeof(*rf));
    sigset_t all, old;
    apr_status_t rv;

    if (apr_thread_mutex_create(&rf->mutex, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
        || apr_thread_cond_create(&rf->wake, pchild) != APR_SUCCESS
        || apr_thread_cond_create(&rf->done, pchild) != APR_SUCCESS)
        return;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rv = apr_thread_create(&rf->thread, NULL, refresher_main, rf, pchild);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "jwks_init: no refresher thread; "
                     "scheduled refreshes run after the response that noticed them");
        return;
    }
    apr_pool_pre_cleanup_register(pchild, rf, refresher_stop);
    jwks_refresher = rf;
}
#endif

/* Mutex held: queue a fetch for the refresher. Returns its ticket (compare with done_seq),
 * 0 when the refresher is stopping or its queue is full. */
static apr_uint64_t enqueue_locked(refresher_t *rf, jwks_source_t *src, const jwks_settings_t *st)
{
    if (rf->stopping || rf->njobs >= JWKS_QUEUE_MAX)
        return 0;
    rf->jobs[rf->njobs].src = src;
    rf->jobs[rf->njobs].st = *st;
    rf->njobs++;
    apr_thread_cond_signal(rf->wake);
    return ++rf->queued_seq;
}

/* Hand a scheduled refresh (lease already taken) to the refresher, or to r's cleanup. */
static void schedule_refresh(request_rec *r, jwks_source_t *src, const jwks_settings_t *st)
{
    refresher_t *rf = jwks_refresher;
    refresh_job_t *job;

    if (rf) {
        apr_uint64_t ticket;
        apr_thread_mutex_lock(rf->mutex);
        ticket = enqueue_locked(rf, src, st);
        apr_thread_mutex_unlock(rf->mutex);
        if (ticket)
            return;
    }
    job = apr_palloc(r->pool, sizeof(*job));
    job->src = src;
    job->st = *st;
    apr_pool_cleanup_register(r->pool, job, refresh_after_response, apr_pool_cleanup_null);
}

/* A fetch a request needs before it can answer (the first keys, an unknown kid; the lease
 * already taken): run it on the refresher thread and wait for it, at most the fetch
 * timeout. libcurl then runs on that one thread only. Run inline, every fetch warmed up
 * the stack and malloc arena of whichever worker thread got it, and a child's memory crept
 * up until every one of its threads had fetched once (soak: +6 % RSS over 4 minutes with a
 * failing key server and 48 threads per child; flat with 4 threads). Inline when there is
 * no refresher or its queue is full. */
static void fetch_now(jwks_source_t *src, const jwks_settings_t *st)
{
    refresher_t *rf = jwks_refresher;

    if (rf) {
        apr_time_t deadline = apr_time_now() + st->timeout;
        apr_uint64_t ticket;

        apr_thread_mutex_lock(rf->mutex);
        ticket = enqueue_locked(rf, src, st);
        while (ticket && rf->done_seq < ticket && !rf->stopping) {
            apr_time_t left = deadline - apr_time_now();
            if (left <= 0)
                break;                /* the fetch goes on; the request answers without it */
            apr_thread_cond_timedwait(rf->done, rf->mutex, left);
        }
        apr_thread_mutex_unlock(rf->mutex);
        if (ticket)
            return;
    }
    fetch_and_publish(src, st);
}

/* Wait (polling the shared entry) until another child's fetch lease ends or deadline. */
static void wait_for_lease(const jwks_source_t *src, apr_pool_t *p, apr_time_t deadline)
{
    jwks_meta_t m;
    while (apr_time_now() < deadline) {
        apr_sleep(apr_time_from_msec(50));
        cache_lock();
        meta_get(src, p, &m);
        cache_unlock();
        if (m.lease_until <= apr_time_now())
            return;
    }
}

/* ------------------------------------------------------------------ request path */

/* This process's keyring for src, held for the life of r (NULL when none is usable).
 * Makes sure keys exist (synchronous first fetch, unless !may_fetch) and schedules stale
 * refreshes. */
static jwks_ring_t *source_ring_ex(request_rec *r, jwks_source_t *src,
                                   const jwks_settings_t *st, apr_time_t *retry_at,
                                   int may_fetch)
{
    apr_time_t now = apr_time_now();
    jwks_ring_t *kr = NULL;
    int usable, stale;
    lease_t lease;

    apr_thread_mutex_lock(src->mutex);
    source_sync(src, r->pool, now, 0);
    usable = src->ring && is_usable(src->fetched_at, src->max_age, st, now);
    stale = is_stale(src->fetched_at, src->max_age, st, now);
    apr_thread_mutex_unlock(src->mutex);

    if (!usable && !may_fetch)
        return NULL;
    if (!usable) {
        apr_time_t deadline = now + st->timeout;
        lease = lease_take(src, r->pool, st, WHY_INITIAL, retry_at);
        if (lease == LEASE_TAKEN)
            fetch_now(src, st);
        else if (lease == LEASE_BUSY)
            wait_for_lease(src, r->pool, deadline < *retry_at ? deadline : *retry_at);
        apr_thread_mutex_lock(src->mutex);
        source_sync(src, r->pool, apr_time_now(), 1);
        usable = src->ring && is_usable(src->fetched_at, src->max_age, st, apr_time_now());
        apr_thread_mutex_unlock(src->mutex);
        if (!usable) {
            if (lease == LEASE_TAKEN || *retry_at <= apr_time_now())
                *retry_at = apr_time_now() + st->refetch;
            return NULL;
        }
    }
    else if (stale && lease_take(src, r->pool, st, WHY_SCHEDULED, retry_at) == LEASE_TAKEN) {
        schedule_refresh(r, src, st);
    }

    apr_thread_mutex_lock(src->mutex);
    if (src->ring) {
        ring_hold_t *h = apr_palloc(r->pool, sizeof(*h));
        kr = src->ring;
        kr->refs++;
        h->src = src;
        h->kr = kr;
        apr_pool_cleanup_register(r->pool, h, ring_hold_cleanup, apr_pool_cleanup_null);
    }
    apr_thread_mutex_unlock(src->mutex);
    return kr;
}

static jwks_ring_t *source_ring(request_rec *r, jwks_source_t *src, const jwks_settings_t *st,
                                apr_time_t *retry_at)
{
    return source_ring_ex(r, src, st, retry_at, 1);
}

static const char *token_issuer(const jwt_token_t *t)
{
    json_object *v;
    if (t->payload && json_object_object_get_ex(t->payload, "iss", &v)
        && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Rank of a failure: the most telling one wins when several sources refuse a token. */
static int failure_rank(jwt_code_t c)
{
    switch (c) {
    case JWT_ERR_SIGNATURE: return 5;
    case JWT_ERR_KEY_USAGE: return 4;
    case JWT_ERR_ALG_NOT_ALLOWED: return 3;
    case JWT_ERR_NO_KEY: return 2;
    case JWT_ERR_UNKNOWN_KID: return 1;
    default: return 0;
    }
}

typedef struct {
    jwt_code_t code;
    jwt_err_t err;
    int unavailable;                  /* a source that could hold the key has none usable */
    apr_time_t retry_at;
} verdict_t;

static int verify_with(const jwt_token_t *t, const jwks_ring_t *kr, jwt_algset_t allowed,
                       const jwt_key_t **used, verdict_t *v)
{
    jwt_err_t e;
    jwt_code_t c;

    jwt_err_clear(&e);
    c = jwt_token_verify(t, kr->ring, allowed, used, &e);
    if (c == JWT_OK)
        return 1;
    if (v->code == JWT_OK || failure_rank(c) > failure_rank(v->code)) {
        v->code = c;
        v->err = e;
    }
    return 0;
}

static void note_unavailable(verdict_t *v, apr_time_t retry_at)
{
    if (!v->unavailable || retry_at < v->retry_at)
        v->retry_at = retry_at;
    v->unavailable = 1;
}

/* A token whose kid no cached key has: refetch the sources it could belong to, within the
 * server-wide rate limit, and try again. */
static int refetch_for_kid(request_rec *r, apr_array_header_t *candidates,
                           const jwks_settings_t *st, const jwt_token_t *t,
                           jwt_algset_t allowed, const jwt_key_t **used, verdict_t *v)
{
    int i;
    for (i = 0; i < candidates->nelts; i++) {
        jwks_source_t *src = APR_ARRAY_IDX(candidates, i, jwks_source_t *);
        apr_time_t retry_at = 0;
        jwks_ring_t *kr;

        if (lease_take(src, r->pool, st, WHY_UNKNOWN_KID, &retry_at) != LEASE_TAKEN) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "jwks_kid_refetch_limited: %s: kid '%.80s' unknown; refetch "
                          "rate-limited", src->label, t->kid);
            continue;
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "jwks_kid_refetch: %s: kid '%.80s' unknown; refetching", src->label, t->kid);
        fetch_now(src, st);
        apr_thread_mutex_lock(src->mutex);
        src->checked_at = 0;          /* look at the new shared document now */
        apr_thread_mutex_unlock(src->mutex);
        kr = source_ring(r, src, st, &retry_at);
        if (kr && verify_with(t, kr, allowed, used, v))
            return 1;
    }
    return 0;
}

jwt_code_t jwks_verify(request_rec *r, const jwks_dir_conf_t *c, const jwt_token_t *t,
                       jwt_algset_t allowed, const jwt_key_t **used, int *retry_after,
                       jwt_err_t *err)
{
    jwks_settings_t st;
    verdict_t v;
    const char *iss = token_issuer(t);
    apr_array_header_t *kid_candidates;
    int i;

    *retry_after = 0;
    if (!jwks_configured(c))
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no JWKS configured for this location");
    if (jwks_g.mutex == NULL)
        return JWT_ERR(err, JWT_ERR_FETCH, "the JWKS cache was not initialised");
    settings_of(c, &st);
    memset(&v, 0, sizeof(v));
    v.code = JWT_OK;
    kid_candidates = apr_array_make(r->pool, c->sources->nelts, sizeof(jwks_source_t *));

    for (i = 0; i < c->sources->nelts; i++) {
        jwks_source_t *src = APR_ARRAY_IDX(c->sources, i, jwks_source_t *);
        apr_time_t retry_at = 0;
        jwks_ring_t *kr;

        /* keys bound to another issuer can never verify this token (RFC 8725 3.8) */
        if (src->issuer && (iss == NULL || strcmp(iss, src->issuer) != 0))
            continue;
        kr = source_ring(r, src, &st, &retry_at);
        if (kr == NULL) {
            note_unavailable(&v, retry_at);
            continue;
        }
        if (verify_with(t, kr, allowed, used, &v))
            return JWT_OK;
        if (t->kid && jwt_keyring_find_kid(kr->ring, t->kid) == NULL)
            APR_ARRAY_PUSH(kid_candidates, jwks_source_t *) = src;
    }
    if (t->kid && kid_candidates->nelts > 0 && failure_rank(v.code) <= failure_rank(JWT_ERR_UNKNOWN_KID)
        && refetch_for_kid(r, kid_candidates, &st, t, allowed, used, &v))
        return JWT_OK;

    if (v.unavailable) {
        apr_time_t wait = v.retry_at - apr_time_now();
        *retry_after = (int)apr_time_sec(wait + apr_time_from_sec(1) - 1);
        if (*retry_after < 1)
            *retry_after = 1;
        return JWT_ERR(err, JWT_ERR_FETCH,
                       "no usable JWKS keys for this token's issuer (key server unreachable "
                       "or keys past AuthJWTJWKSMaxStale): server-side fault, not the token's");
    }
    if (v.code == JWT_OK)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no JWKS source is bound to this token's issuer");
    if (err)
        *err = v.err;
    return v.code;
}

int jwks_key_versions(request_rec *r, const jwks_dir_conf_t *c, const char *iss,
                      const unsigned char **digests, int max)
{
    jwks_settings_t st;
    int i, n = 0;

    if (!jwks_configured(c))
        return 0;
    if (jwks_g.mutex == NULL)
        return -1;
    settings_of(c, &st);
    for (i = 0; i < c->sources->nelts; i++) {
        jwks_source_t *src = APR_ARRAY_IDX(c->sources, i, jwks_source_t *);
        apr_time_t retry_at = 0;
        jwks_ring_t *kr;

        /* the same sources jwks_verify would use for this token, nothing more */
        if (src->issuer && (iss == NULL || strcmp(iss, src->issuer) != 0))
            continue;
        /* as for a verification: pins the ring for r and schedules a stale refresh, so
         * tokens served from the cache still keep the keys refreshed; but never fetches
         * (no usable keys: the caller verifies, and that fetches once) */
        kr = source_ring_ex(r, src, &st, &retry_at, 0);
        if (kr == NULL || n >= max)
            return -1;
        digests[n++] = kr->sha256;
    }
    return n;
}

/* ------------------------------------------------------------------ hooks */

static int jwks_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    jwt_err_t err;
    apr_status_t rv = ap_mutex_register(pconf, JWKS_MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);

    jwks_g.nsources = 0;
    if (rv != APR_SUCCESS)
        return 500;
    /* once per process, before any thread: curl_global_init is not thread-safe */
    if (!jwks_g.curl_ready) {
        if (jwt_fetch_global_init(&err) != JWT_OK) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, "jwks_init: %s", err.message);
            return 500;
        }
        jwks_g.curl_ready = 1;
    }
    return OK;
}

static int jwks_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    if (jwks_g.nsources == 0)
        return OK;
    jwks_g.provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                         AP_SOCACHE_PROVIDER_VERSION);
    if (jwks_g.provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "jwks_init: AuthJWTJWKSURL / AuthJWTIssuerDiscovery need mod_socache_shmcb "
                     "to share fetched keys between children: load it "
                     "(a2enmod socache_shmcb, or LoadModule socache_shmcb_module ...)");
        return 500;
    }
    return OK;
}

static apr_status_t cache_destroy(void *data)
{
    if (jwks_g.cache && jwks_g.provider)
        jwks_g.provider->destroy(jwks_g.cache, jwks_g.server);
    jwks_g.cache = NULL;
    jwks_g.mutex = NULL;
    return APR_SUCCESS;
}

static int jwks_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                            server_rec *s)
{
    struct ap_socache_hints hints = { 256, JWKS_CHUNK, 600 };
    const char *arg, *msg;
    apr_size_t size;
    apr_status_t rv;

    /* the first of httpd's two config passes only checks; create nothing there */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG || jwks_g.nsources == 0)
        return OK;
    jwks_g.server = s;
    rv = ap_global_mutex_create(&jwks_g.mutex, NULL, JWKS_MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS)
        return 500;            /* ap_global_mutex_create logged why */
    /* 4 x the body cap per source, so shmcb's subcaches hold every chunk of a full-size
     * document without evicting a sibling (capped at 64 MiB). */
    size = (apr_size_t)jwks_g.nsources * 4 * JWKS_MAX_BODY;
    if (size > 64 * 1024 * 1024)
        size = 64 * 1024 * 1024;
    arg = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                       ap_runtime_dir_relative(ptemp, JWKS_SOCACHE_NS ".shmcb"), size);
    msg = jwks_g.provider->create(&jwks_g.cache, arg, ptemp, pconf);
    if (msg) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "jwks_init: socache shmcb: %s", msg);
        return 500;
    }
    rv = jwks_g.provider->init(jwks_g.cache, JWKS_SOCACHE_NS, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "jwks_init: cannot create the shared JWKS cache (%s)", arg);
        return 500;
    }
    apr_pool_cleanup_register(pconf, NULL, cache_destroy, apr_pool_cleanup_null);
    return OK;
}

static void jwks_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;
    if (jwks_g.mutex == NULL)
        return;
    rv = apr_global_mutex_child_init(&jwks_g.mutex, apr_global_mutex_lockfile(jwks_g.mutex), p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "jwks_init: cannot re-attach the JWKS mutex");
#if APR_HAS_THREADS
    refresher_start(p, s);
#endif
}

void jwks_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(jwks_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(jwks_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(jwks_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(jwks_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
