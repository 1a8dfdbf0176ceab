/* metrics.c -- the shared counters: the config-time tables of locations and JWKS
 * sources, the anonymous shared-memory segment made for them in post_config, and the
 * recording calls (relaxed C11 atomic adds on 64-bit counters: no lock, no system call).
 *
 * Each section read with the configuration gets a slot named by its path (sections of
 * the same path share one, so every label is unique); a request's merged configuration
 * carries the slot of the nearest section that sets one of our directives, so counting
 * is an index, never a lookup. The segment is made in the parent, so every child maps
 * the same pages; it lives in pconf and is made again for the next configuration.
 */
#include "jwt_module.h"
#include "metrics.h"
#include "metrics_conf.h"
#include "jwks_conf.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include "http_main.h"
#include "http_core.h"
#include "ap_mpm.h"

/* ---------------------------------------------------------------- names */

static const char *const reasons[JWT_OUT__COUNT] = {
    "none", "anonymous", "no_token", "bad_request", "malformed", "algorithm", "bad_signature",
    "unknown_kid", "expired", "not_yet_valid", "issuer", "audience", "type", "lifetime",
    "claims", "revoked", "binding", "claim_rule", "scope", "other", "keys_unavailable", "no_keys",
    "revocation_unavailable"
};

const char *jwt_outcome_reason(jwt_outcome_t o)
{
    return (unsigned)o < JWT_OUT__COUNT ? reasons[o] : "other";
}

const char *jwt_outcome_class(jwt_outcome_t o)
{
    if (o == JWT_OUT_ALLOWED || o == JWT_OUT_ANONYMOUS)
        return "allowed";
    return o >= JWT_OUT_KEYS_UNAVAILABLE ? "unavailable" : "refused";
}

jwt_outcome_t jwt_outcome_of_code(jwt_code_t code)
{
    switch (code) {
    case JWT_OK:
        return JWT_OUT_ALLOWED;
    case JWT_ERR_MALFORMED: case JWT_ERR_TOO_LARGE: case JWT_ERR_BASE64: case JWT_ERR_JSON:
    case JWT_ERR_JSON_DEPTH: case JWT_ERR_JSON_DUPLICATE: case JWT_ERR_UTF8:
    case JWT_ERR_HEADER: case JWT_ERR_CRIT:
        return JWT_OUT_MALFORMED;
    case JWT_ERR_ALG_NONE: case JWT_ERR_ALG_UNSUPPORTED: case JWT_ERR_ALG_NOT_ALLOWED:
    case JWT_ERR_ALG_REFUSED:
        return JWT_OUT_ALGORITHM;
    case JWT_ERR_UNKNOWN_KID: case JWT_ERR_NO_KEY:
        return JWT_OUT_UNKNOWN_KID;
    case JWT_ERR_SIGNATURE:
        return JWT_OUT_BAD_SIGNATURE;
    case JWT_ERR_CLAIM_TYPE: case JWT_ERR_CLAIM_MISSING: case JWT_ERR_IAT_FUTURE:
        return JWT_OUT_CLAIMS;
    case JWT_ERR_EXPIRED:
        return JWT_OUT_EXPIRED;
    case JWT_ERR_NOT_YET_VALID:
        return JWT_OUT_NOT_YET_VALID;
    case JWT_ERR_LIFETIME:
        return JWT_OUT_LIFETIME;
    case JWT_ERR_ISSUER:
        return JWT_OUT_ISSUER;
    case JWT_ERR_AUDIENCE:
        return JWT_OUT_AUDIENCE;
    case JWT_ERR_TYPE:
        return JWT_OUT_TYPE;
    case JWT_ERR_FETCH:
        return JWT_OUT_KEYS_UNAVAILABLE;
    default:
        return JWT_OUT_OTHER;
    }
}

static const char *const fetch_names[JWT_FETCH__COUNT] = {
    "ok", "not_modified", "timeout", "http_error", "parse_error", "network_error"
};

const char *jwt_fetch_outcome_name(jwt_fetch_outcome_t f)
{
    return (unsigned)f < JWT_FETCH__COUNT ? fetch_names[f] : "network_error";
}

/* ---------------------------------------------------------------- the segment */

/* Bucket upper bounds: a cache hit takes microseconds, an RSA or EC verification tens
 * of them, a wait for a JWKS fetch up to AuthJWTJWKSTimeout. */
static const apr_interval_time_t bucket_us[JWT_METRICS_BUCKETS] = {
    25, 50, 100, 250, 500, 1000, 5000, 25000, 100000, 1000000
};
/* the same bounds in seconds as Prometheus' own clients print them (APR's %g drops the
 * leading zero: ".001") */
static const char *const bucket_le[JWT_METRICS_BUCKETS] = {
    "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.005", "0.025", "0.1", "1"
};

typedef struct {
    _Atomic uint64_t fetches[JWT_FETCH__COUNT];
    _Atomic int64_t last_success, last_attempt;
    _Atomic int last_result;       /* jwt_fetch_outcome_t, -1 never */
    _Atomic int keys;              /* -1: no document yet */
} src_counters_t;

typedef struct {
    int64_t started;
    _Atomic uint64_t global[JWT_G__COUNT];
    _Atomic uint64_t buckets[JWT_METRICS_BUCKETS + 1];
    _Atomic uint64_t verify_sum_us;
} seg_head_t;

typedef _Atomic uint64_t loc_counters_t[JWT_OUT__COUNT];

static struct {
    /* config time (pconf): made by pre_config, filled while the configuration is read */
    apr_array_header_t *loc_labels;      /* const char *, slot -> label; slot 0 the server */
    apr_hash_t *loc_by_label;            /* label -> slot + 1 (intptr_t) */
    apr_array_header_t *src_labels;      /* const char * */
    apr_hash_t *src_by_addr;             /* jwks_source_t * -> slot + 1 */
    int sealed;                          /* post_config done: no new slots */
    /* the segment */
    apr_shm_t *shm;
    seg_head_t *head;
    loc_counters_t *locs;
    src_counters_t *srcs;
    int nlocs, nsrcs;
} m;

/* The note is the reason's name (a static string, so the lookup back is a pointer
 * comparison); r->notes survives internal redirects and mod_dir's fast redirect. */
#define OUTCOME_NOTE "auth_jwt-outcome"

void jwt_metrics_note(request_rec *r, jwt_outcome_t o)
{
    if (m.head)                        /* no segment (configtest): no table entry either */
        apr_table_setn(r->notes, OUTCOME_NOTE, jwt_outcome_reason(o));
}

int jwt_metrics_noted(const request_rec *r)
{
    const char *v = apr_table_get(r->notes, OUTCOME_NOTE);
    int i;

    if (!v)
        return -1;
    for (i = 0; i < JWT_OUT__COUNT; i++) {
        if (v == reasons[i])
            return i;
    }
    for (i = 0; i < JWT_OUT__COUNT; i++) {
        if (!strcmp(v, reasons[i]))
            return i;
    }
    return -1;
}

static apr_status_t forget_segment(void *data)
{
    (void)data;
    m.shm = NULL;
    m.head = NULL;
    m.locs = NULL;
    m.srcs = NULL;
    m.nlocs = m.nsrcs = 0;
    return APR_SUCCESS;
}

static void tables_make(apr_pool_t *p)
{
    m.loc_labels = apr_array_make(p, 16, sizeof(const char *));
    m.loc_by_label = apr_hash_make(p);
    APR_ARRAY_PUSH(m.loc_labels, const char *) = "(server)";
    m.src_labels = NULL;
    m.src_by_addr = NULL;
    m.sealed = 0;
}

void jwt_metrics_pre_config(apr_pool_t *pconf)
{
    tables_make(pconf);
}

static int slot_for(apr_pool_t *p, const char *label)
{
    intptr_t v;
    int state = ap_state_query(AP_SQ_MAIN_STATE);

    if (!label)
        return 0;
    /* only sections of the configuration being read: .htaccess files are read at request
     * time, in a child, and inherit the slot of the section around them */
    if (m.sealed || (state != AP_SQ_MS_CREATE_PRE_CONFIG && state != AP_SQ_MS_CREATE_CONFIG))
        return -1;
    if (!m.loc_labels)
        tables_make(p);
    if ((v = (intptr_t)apr_hash_get(m.loc_by_label, label, APR_HASH_KEY_STRING)) > 0)
        return (int)v - 1;
    label = apr_pstrdup(m.loc_labels->pool, label);
    APR_ARRAY_PUSH(m.loc_labels, const char *) = label;
    apr_hash_set(m.loc_by_label, label, APR_HASH_KEY_STRING, (void *)(intptr_t)m.loc_labels->nelts);
    return m.loc_labels->nelts - 1;
}

/* The JWKS sources of this configuration, one slot per distinct label (two sections
 * naming one URL share its counters, as they share its document). */
static void sources_make(apr_pool_t *p)
{
    const apr_array_header_t *all = jwks_all_sources();
    apr_hash_t *by_label = apr_hash_make(p);
    int i;

    m.src_labels = apr_array_make(p, 4, sizeof(const char *));
    m.src_by_addr = apr_hash_make(p);
    for (i = 0; all && i < all->nelts; i++) {
        const jwks_source_t *src = APR_ARRAY_IDX(all, i, const jwks_source_t *);
        const char *label = src->label ? src->label : src->key;
        intptr_t v = (intptr_t)apr_hash_get(by_label, label, APR_HASH_KEY_STRING);

        if (!v) {
            APR_ARRAY_PUSH(m.src_labels, const char *) = label;
            v = m.src_labels->nelts;
            apr_hash_set(by_label, label, APR_HASH_KEY_STRING, (void *)v);
        }
        apr_hash_set(m.src_by_addr, apr_pmemdup(p, &src, sizeof(src)), sizeof(src), (void *)v);
    }
}

apr_status_t jwt_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_size_t head_sz, locs_sz, srcs_sz;
    apr_status_t rv;
    char *base;
    int i;

    if (!m.loc_labels)
        tables_make(pconf);
    sources_make(pconf);
    m.sealed = 1;
    /* each part rounded to 64 bytes: counters of different parts never share a line */
    head_sz = APR_ALIGN(sizeof(seg_head_t), 64);
    locs_sz = APR_ALIGN(sizeof(loc_counters_t) * (apr_size_t)m.loc_labels->nelts, 64);
    srcs_sz = APR_ALIGN(sizeof(src_counters_t) * (apr_size_t)(m.src_labels->nelts + 1), 64);
    rv = apr_shm_create(&m.shm, head_sz + locs_sz + srcs_sz, NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1201)
                     "cannot make the shared memory segment for the metrics (%lu bytes)",
                     (unsigned long)(head_sz + locs_sz + srcs_sz));
        m.shm = NULL;
        return rv;
    }
    base = apr_shm_baseaddr_get(m.shm);
    memset(base, 0, head_sz + locs_sz + srcs_sz);
    m.head = (seg_head_t *)base;
    m.locs = (loc_counters_t *)(base + head_sz);
    m.srcs = (src_counters_t *)(base + head_sz + locs_sz);
    m.nlocs = m.loc_labels->nelts;
    m.nsrcs = m.src_labels->nelts;
    m.head->started = (int64_t)apr_time_now();
    for (i = 0; i < m.nsrcs; i++) {
        atomic_store(&m.srcs[i].last_result, -1);
        atomic_store(&m.srcs[i].keys, -1);
    }
    apr_pool_cleanup_register(pconf, NULL, forget_segment, apr_pool_cleanup_null);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, JWT_LOGNO(1202)
                 "metrics: %d location(s), %d JWKS source(s), %lu bytes shared",
                 m.nlocs, m.nsrcs, (unsigned long)(head_sz + locs_sz + srcs_sz));
    return APR_SUCCESS;
}

int jwt_metrics_ready(void)
{
    return m.head != NULL;
}

/* ---------------------------------------------------------------- per-dir part */

void jwt_metrics_dir_init(apr_pool_t *p, jwt_metrics_dir_t *md, const char *dir)
{
    md->slot = slot_for(p, dir);
    md->off = 0;
    md->off_set = 0;
}

void jwt_metrics_dir_merge(jwt_metrics_dir_t *out, const jwt_metrics_dir_t *base,
                           const jwt_metrics_dir_t *add)
{
    out->slot = add->slot >= 0 ? add->slot : base->slot;
    out->off = add->off_set ? add->off : base->off;
    out->off_set = add->off_set || base->off_set;
}

const char *jwt_cmd_metrics(cmd_parms *cmd, void *dirconf, int on)
{
    jwt_metrics_dir_t *md = (jwt_metrics_dir_t *)((char *)dirconf + (intptr_t)cmd->info);

    md->off = !on;
    md->off_set = 1;
    return NULL;
}

/* ---------------------------------------------------------------- recording */

#define ADD(counter) atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)

void jwt_metrics_count(int slot, jwt_outcome_t o)
{
    if (m.head && slot >= 0 && slot < m.nlocs && (unsigned)o < JWT_OUT__COUNT)
        ADD(m.locs[slot][o]);
}

static void global_add(jwt_metrics_global_t g)
{
    if (m.head)
        ADD(m.head->global[g]);
}

void jwt_metrics_cache_lookup(const jwt_metrics_dir_t *md, int hit)
{
    if (!md->off)
        global_add(hit ? JWT_G_CACHE_HIT : JWT_G_CACHE_MISS);
}

void jwt_metrics_secrets_reload(int ok)
{
    global_add(ok ? JWT_G_SECRETS_OK : JWT_G_SECRETS_FAILED);
}

void jwt_metrics_login(int ok)
{
    global_add(ok ? JWT_G_LOGIN_OK : JWT_G_LOGIN_FAILED);
}

void jwt_metrics_verify_time(apr_interval_time_t us)
{
    int b = 0;

    if (!m.head)
        return;
    if (us < 0)
        us = 0;
    /* non-cumulative buckets here; the exposition adds them up */
    while (b < JWT_METRICS_BUCKETS && us > bucket_us[b])
        b++;
    ADD(m.head->buckets[b]);
    atomic_fetch_add_explicit(&m.head->verify_sum_us, (uint64_t)us, memory_order_relaxed);
}

static src_counters_t *source_of(const void *source)
{
    intptr_t v;

    if (!m.head || !m.src_by_addr)
        return NULL;
    v = (intptr_t)apr_hash_get(m.src_by_addr, &source, sizeof(source));
    return v > 0 && v <= m.nsrcs ? &m.srcs[v - 1] : NULL;
}

void jwt_metrics_jwks_fetch(const void *source, jwt_fetch_outcome_t result)
{
    src_counters_t *c = source_of(source);
    int64_t now = (int64_t)apr_time_now();

    if (!c || (unsigned)result >= JWT_FETCH__COUNT)
        return;
    ADD(c->fetches[result]);
    atomic_store_explicit(&c->last_attempt, now, memory_order_relaxed);
    atomic_store_explicit(&c->last_result, (int)result, memory_order_relaxed);
    if (result == JWT_FETCH_OK || result == JWT_FETCH_NOT_MODIFIED)
        atomic_store_explicit(&c->last_success, now, memory_order_relaxed);
}

void jwt_metrics_jwks_keys(const void *source, int n)
{
    src_counters_t *c = source_of(source);

    if (c)
        atomic_store_explicit(&c->keys, n, memory_order_relaxed);
}

/* ---------------------------------------------------------------- reading */

int jwt_metrics_locations(void)
{
    return m.nlocs;
}

const char *jwt_metrics_location_label(int slot)
{
    return slot >= 0 && slot < m.nlocs ? APR_ARRAY_IDX(m.loc_labels, slot, const char *) : "";
}

apr_uint64_t jwt_metrics_location_value(int slot, jwt_outcome_t o)
{
    if (!m.head || slot < 0 || slot >= m.nlocs || (unsigned)o >= JWT_OUT__COUNT)
        return 0;
    return atomic_load_explicit(&m.locs[slot][o], memory_order_relaxed);
}

int jwt_metrics_sources(void)
{
    return m.nsrcs;
}

const char *jwt_metrics_source_label(int i)
{
    return i >= 0 && i < m.nsrcs ? APR_ARRAY_IDX(m.src_labels, i, const char *) : "";
}

apr_uint64_t jwt_metrics_source_fetches(int i, jwt_fetch_outcome_t f)
{
    if (!m.head || i < 0 || i >= m.nsrcs || (unsigned)f >= JWT_FETCH__COUNT)
        return 0;
    return atomic_load_explicit(&m.srcs[i].fetches[f], memory_order_relaxed);
}

apr_time_t jwt_metrics_source_last_success(int i)
{
    return m.head && i >= 0 && i < m.nsrcs ? (apr_time_t)atomic_load(&m.srcs[i].last_success) : 0;
}

apr_time_t jwt_metrics_source_last_attempt(int i)
{
    return m.head && i >= 0 && i < m.nsrcs ? (apr_time_t)atomic_load(&m.srcs[i].last_attempt) : 0;
}

int jwt_metrics_source_last_result(int i)
{
    return m.head && i >= 0 && i < m.nsrcs ? atomic_load(&m.srcs[i].last_result) : -1;
}

int jwt_metrics_source_keys(int i)
{
    return m.head && i >= 0 && i < m.nsrcs ? atomic_load(&m.srcs[i].keys) : -1;
}

apr_uint64_t jwt_metrics_global(jwt_metrics_global_t g)
{
    return m.head && (unsigned)g < JWT_G__COUNT ? atomic_load(&m.head->global[g]) : 0;
}

const char *jwt_metrics_bucket_le(int b)
{
    return b >= 0 && b < JWT_METRICS_BUCKETS ? bucket_le[b] : "+Inf";
}

apr_uint64_t jwt_metrics_bucket(int b)
{
    return m.head && b >= 0 && b <= JWT_METRICS_BUCKETS ? atomic_load(&m.head->buckets[b]) : 0;
}

apr_uint64_t jwt_metrics_verify_sum_us(void)
{
    return m.head ? atomic_load(&m.head->verify_sum_us) : 0;
}

apr_time_t jwt_metrics_started(void)
{
    return m.head ? (apr_time_t)m.head->started : 0;
}
