/* jwks.c -- remote JWKS as a key source: this process's keyrings built from the shared
 * store, key choice across a location's sources, the unknown-kid refetch, and the hooks.
 * See jwks.h; the parts: jwks_conf.c (directives), jwks_store.c (shared store),
 * jwks_refresh.c (fetching).
 *
 * Who fetches, and when:
 *  - no usable keys (never fetched, past max-stale, or the store lost the document): the
 *    request takes the fetch lease and queues the fetch on that source's fetch thread,
 *    for every source the token could belong to at once, and waits at most
 *    AuthJWTJWKSTimeout -- but only until a key verifies it: a hung key server holds up
 *    only tokens that need its keys. A lease held by another child is waited for (polling
 *    the shared entry) within the same deadline. Still nothing -> 503 + Retry-After.
 *  - usable but stale keys: the request that notices takes the lease (never blocking) and
 *    queues the fetch; every request keeps using the cached keys.
 *  - a kid no cached key has: at most one fetch per AuthJWTJWKSRefetchInterval per URL,
 *    server-wide; the candidate sources are refetched side by side.
 *  - the store lost a document this process holds: it stores its copy again (and logs it).
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "apr_strings.h"

#include "jwt_fetch.h"
#include "jwt_key.h"
#include "jwks.h"
#include "jwks_conf.h"
#include "jwks_store.h"
#include "jwks_refresh.h"

/* APLOG_USE_MODULE: from jwt_module.h, through jwks.h -> key_source.h */

#define JWKS_LOCAL_CHECK apr_time_from_sec(1)      /* look at the shared entry at most 1/s */
#define JWKS_PRESENCE_CHECK apr_time_from_sec(5)   /* and check the document is whole 1/5s */
#define JWKS_POLL apr_time_from_msec(50)           /* waiting on another child's lease */

static int jwks_curl_ready;

/* ------------------------------------------------------------------ keyrings */

static void ring_unref_locked(jwks_ring_t *kr)
{
    if (--kr->refs == 0)
        apr_pool_destroy(kr->pool);
}

typedef struct {
    jwks_source_t *src;
    jwks_ring_t *kr;
} ring_hold_t;

static apr_status_t ring_hold_cleanup(void *data)
{
    ring_hold_t *h = data;
    int last;
    apr_thread_mutex_lock(h->src->mutex);
    last = (--h->kr->refs == 0);
    apr_thread_mutex_unlock(h->src->mutex);
    if (last)
        apr_pool_destroy(h->kr->pool);
    return APR_SUCCESS;
}

/* The store lost the document this process holds (lock held): store this copy again. */
static void restore_locked(jwks_source_t *src, apr_pool_t *p, jwks_meta_t *m)
{
    const jwks_ring_t *kr = src->ring;
    apr_status_t rv = jwks_body_put(src, p, kr->doc, kr->doc_len, m);

    if (rv == APR_SUCCESS)
        rv = jwks_meta_put(src, p, m);
    ap_log_error(APLOG_MARK, rv == APR_SUCCESS ? APLOG_NOTICE : APLOG_WARNING, 0,
                 jwks_store_server(), "jwks_store_restored: %s: the shared store had lost "
                 "the document (%lu bytes); %s", src->label, (unsigned long)kr->doc_len,
                 rv == APR_SUCCESS ? "stored this process's copy again"
                                   : "storing this process's copy again failed");
}

/* Bring this process's view of src up to date with the shared entry (at most once per
 * JWKS_LOCAL_CHECK unless force), rebuilding the keyring only when the document changed.
 * Call with src->mutex held; takes the store lock itself, never does network I/O. */
static void source_sync(jwks_source_t *src, apr_pool_t *p, apr_time_t now, int force)
{
    jwks_meta_t m;
    char *doc = NULL;
    int found, have_doc = 0, same, lost = 0;
    jwks_ring_t *kr;
    jwt_err_t err;

    if (!force && src->checked_at != 0 && now - src->checked_at < JWKS_LOCAL_CHECK)
        return;
    src->checked_at = now;
    jwks_store_lock();
    found = jwks_meta_get(src, p, &m);
    same = src->ring && memcmp(m.sha256, src->sha256, 32) == 0;
    if (found && m.fetched_at != 0 && !same) {
        have_doc = jwks_body_get(src, p, &m, &doc);
        lost = !have_doc;
    }
    else if (found && m.fetched_at != 0 && (force || now - src->present_at >= JWKS_PRESENCE_CHECK)) {
        src->present_at = now;
        if (!jwks_body_present(src, p, &m))
            restore_locked(src, p, &m);
    }
    else if (!found && src->ring) {
        /* the whole entry was evicted: put back what this process knows of it (its
         * timestamps restart the lease and failure bookkeeping, which is harmless) */
        m.fetched_at = src->fetched_at;
        m.max_age = src->max_age;
        restore_locked(src, p, &m);
        found = m.fetched_at != 0;
        same = 1;
    }
    jwks_store_unlock();
    src->missing = lost;
    if (!found || m.fetched_at == 0)
        return;
    if (have_doc) {
        if (jwks_ring_build(src, doc, (size_t)m.body_len, &kr, NULL, &err) != JWT_OK) {
            /* the fetcher validated it; only a core change could make this fail */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, jwks_store_server(),
                         "jwks_rebuild: %s: shared document does not parse: %s",
                         src->label, err.message);
            return;
        }
        if (src->ring)
            ring_unref_locked(src->ring);   /* the source's own reference */
        src->ring = kr;
        memcpy(src->sha256, m.sha256, 32);
        src->present_at = now;
    }
    else if (!same) {
        return;                       /* document lost and not held here: refetch it */
    }
    src->fetched_at = m.fetched_at;
    src->max_age = m.max_age;
}

/* ------------------------------------------------------------------ candidates */

typedef enum { C_SKIP, C_HAVE, C_TICKET, C_LEASE, C_GONE } cand_state_t;

/* One source as one request sees it. */
typedef struct {
    jwks_source_t *src;
    cand_state_t state;
    jwks_ring_t *kr;                  /* C_HAVE: held for the life of r */
    apr_uint64_t ticket;              /* C_TICKET */
    apr_time_t retry_at;              /* C_GONE: a hint for Retry-After */
    int tried;                        /* kr verified this token already */
} cand_t;

static void hold(request_rec *r, cand_t *c)
{
    jwks_source_t *src = c->src;
    apr_thread_mutex_lock(src->mutex);
    if (src->ring) {
        ring_hold_t *h = apr_palloc(r->pool, sizeof(*h));
        h->src = src;
        h->kr = src->ring;
        h->kr->refs++;
        apr_pool_cleanup_register(r->pool, h, ring_hold_cleanup, apr_pool_cleanup_null);
        c->kr = h->kr;
        c->state = C_HAVE;
        c->tried = 0;
    }
    else {
        c->state = C_GONE;
    }
    apr_thread_mutex_unlock(src->mutex);
}

/* A fresh look after a fetch or a lease ended: C_HAVE when usable keys arrived. */
static void resync(request_rec *r, cand_t *c, const jwks_settings_t *st)
{
    apr_time_t now = apr_time_now();
    int usable;

    apr_thread_mutex_lock(c->src->mutex);
    source_sync(c->src, r->pool, now, 1);
    usable = c->src->ring && jwks_is_usable(c->src->fetched_at, c->src->max_age, st, now);
    apr_thread_mutex_unlock(c->src->mutex);
    if (usable) {
        hold(r, c);
    }
    else {
        c->state = C_GONE;
        c->retry_at = now + st->refetch;
    }
}

/* Start a fetch the request needs (why: first keys, a lost document, an unknown kid). */
static void start_fetch(request_rec *r, cand_t *c, const jwks_settings_t *st,
                        jwks_fetch_reason_t why)
{
    apr_time_t retry_at = 0;

    switch (jwks_lease_take(c->src, r->pool, st, why, &retry_at)) {
    case LEASE_TAKEN:
        c->ticket = jwks_fetch_queue(c->src, st);
        if (c->ticket) {
            c->state = C_TICKET;
            return;
        }
        jwks_fetch_and_publish(c->src, st);     /* no fetch thread: inline */
        resync(r, c, st);
        return;
    case LEASE_BUSY:
        c->state = C_LEASE;
        c->retry_at = retry_at;
        return;
    default:
        if (why == WHY_UNKNOWN_KID) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "jwks_kid_refetch_limited: %s: "
                          "refetch rate-limited", c->src->label);
            return;                     /* keeps its keys (C_HAVE), already tried */
        }
        resync(r, c, st);              /* NOT_DUE: another child's fetch may have landed */
        if (c->state == C_GONE && retry_at > apr_time_now())
            c->retry_at = retry_at;
        return;
    }
}

/* This process's view of one source for r: C_HAVE (keys pinned for r) or, when none are
 * usable, a fetch started (unless !may_fetch: C_GONE). Schedules stale refreshes. */
static void prepare(request_rec *r, cand_t *c, const jwks_settings_t *st, int may_fetch)
{
    jwks_source_t *src = c->src;
    apr_time_t now = apr_time_now(), retry_at = 0;
    int usable, stale, missing;

    apr_thread_mutex_lock(src->mutex);
    source_sync(src, r->pool, now, 0);
    usable = src->ring && jwks_is_usable(src->fetched_at, src->max_age, st, now);
    stale = jwks_is_stale(src->fetched_at, src->max_age, st, now);
    missing = src->missing;
    apr_thread_mutex_unlock(src->mutex);

    if (usable) {
        if (stale && jwks_lease_take(src, r->pool, st, WHY_SCHEDULED, &retry_at) == LEASE_TAKEN)
            jwks_schedule_refresh(r, src, st);
        hold(r, c);
        return;
    }
    c->retry_at = now + st->refetch;
    if (!may_fetch) {
        c->state = C_GONE;
        return;
    }
    start_fetch(r, c, st, missing ? WHY_MISSING : WHY_INITIAL);
}

static const char *token_issuer(const jwt_token_t *t)
{
    json_object *v;
    if (t->payload && json_object_object_get_ex(t->payload, "iss", &v)
        && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* The location's sources this token could belong to: keys bound to another issuer can
 * never verify it (RFC 8725 3.8). */
static cand_t *candidates(request_rec *r, const jwks_dir_conf_t *c, const char *iss, int *n)
{
    cand_t *cands = apr_pcalloc(r->pool, sizeof(cand_t) * (apr_size_t)c->sources->nelts);
    int i;

    for (i = 0; i < c->sources->nelts; i++) {
        jwks_source_t *src = APR_ARRAY_IDX(c->sources, i, jwks_source_t *);
        cands[i].src = src;
        cands[i].state = (src->issuer && (iss == NULL || strcmp(iss, src->issuer) != 0))
                         ? C_SKIP : C_GONE;
    }
    *n = c->sources->nelts;
    return cands;
}

/* ------------------------------------------------------------------ verification */

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
    const jwt_token_t *t;
    jwt_algset_t allowed;
    const jwt_key_t **used;
    jwt_code_t code;
    jwt_err_t err;
} verdict_t;

/* Try every C_HAVE source not tried yet; 1 when one verified. */
static int try_all(cand_t *cands, int n, verdict_t *v)
{
    int i;
    for (i = 0; i < n; i++) {
        jwt_err_t e;
        jwt_code_t code;

        if (cands[i].state != C_HAVE || cands[i].tried)
            continue;
        cands[i].tried = 1;
        jwt_err_clear(&e);
        code = jwt_token_verify(v->t, cands[i].kr->ring, v->allowed, v->used, &e);
        if (code == JWT_OK)
            return 1;
        if (v->code == JWT_OK || failure_rank(code) > failure_rank(v->code)) {
            v->code = code;
            v->err = e;
        }
    }
    return 0;
}

/* Wait for the started fetches, trying each source as its keys arrive, until one
 * verifies or the deadline passes. */
static int wait_and_try(request_rec *r, cand_t *cands, int n, const jwks_settings_t *st,
                        apr_time_t deadline, verdict_t *v)
{
    int i;

    for (;;) {
        int waiting = 0;
        apr_time_t now = apr_time_now();

        for (i = 0; i < n; i++) {
            cand_t *c = &cands[i];
            if (c->state == C_TICKET && jwks_fetch_done(c->src, c->ticket))
                resync(r, c, st);
            else if (c->state == C_LEASE && (c->retry_at <= now || !jwks_lease_busy(c->src, r->pool)))
                resync(r, c, st);
            if (c->state == C_TICKET || c->state == C_LEASE)
                waiting++;
        }
        if (try_all(cands, n, v))
            return 1;
        if (waiting == 0 || now >= deadline)
            break;
        jwks_fetch_wait_any(now + JWKS_POLL < deadline ? now + JWKS_POLL : deadline);
    }
    for (i = 0; i < n; i++) {           /* still running: they finish without us */
        if (cands[i].state == C_TICKET || cands[i].state == C_LEASE) {
            cands[i].state = C_GONE;
            cands[i].retry_at = apr_time_now() + st->refetch;
        }
    }
    return 0;
}

static int any_unavailable(const cand_t *cands, int n, apr_time_t *retry_at)
{
    int i, any = 0;
    for (i = 0; i < n; i++) {
        if (cands[i].state != C_GONE || cands[i].kr != NULL)
            continue;
        if (!any || cands[i].retry_at < *retry_at)
            *retry_at = cands[i].retry_at;
        any = 1;
    }
    return any;
}

jwt_code_t jwks_verify(request_rec *r, const jwks_dir_conf_t *c, const jwt_token_t *t,
                       jwt_algset_t allowed, const jwt_key_t **used, int *retry_after,
                       jwt_err_t *err)
{
    jwks_settings_t st;
    verdict_t v;
    cand_t *cands;
    apr_time_t deadline, retry_at = 0;
    int i, n;

    *retry_after = 0;
    if (!jwks_configured(c))
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no JWKS configured for this location");
    if (!jwks_store_ready())
        return JWT_ERR(err, JWT_ERR_FETCH, "the JWKS cache was not initialised");
    jwks_settings_of(c, &st);
    memset(&v, 0, sizeof(v));
    v.t = t;
    v.allowed = allowed;
    v.used = used;
    v.code = JWT_OK;
    deadline = apr_time_now() + st.timeout;
    cands = candidates(r, c, token_issuer(t), &n);

    /* every source first (the fetches they need start side by side) */
    for (i = 0; i < n; i++) {
        if (cands[i].state != C_SKIP)
            prepare(r, &cands[i], &st, 1);
    }
    if (try_all(cands, n, &v))
        return JWT_OK;
    /* a kid no cached key has: refetch the sources it could belong to, within the
     * server-wide rate limit -- now, not after the fetches above: a source whose key
     * server hangs must not hold up another's refetch */
    if (t->kid && failure_rank(v.code) <= failure_rank(JWT_ERR_UNKNOWN_KID)) {
        for (i = 0; i < n; i++) {
            cand_t *cd = &cands[i];
            if (cd->state != C_HAVE || jwt_keyring_find_kid(cd->kr->ring, t->kid) != NULL)
                continue;
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "jwks_kid_refetch: %s: kid '%.80s' "
                          "unknown; refetching", cd->src->label, t->kid);
            start_fetch(r, cd, &st, WHY_UNKNOWN_KID);
        }
    }
    if (wait_and_try(r, cands, n, &st, deadline, &v))
        return JWT_OK;

    if (any_unavailable(cands, n, &retry_at)) {
        apr_time_t wait = retry_at - apr_time_now();
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
    cand_t *cands;
    int i, n, out = 0;

    if (!jwks_configured(c))
        return 0;
    if (!jwks_store_ready())
        return -1;
    jwks_settings_of(c, &st);
    cands = candidates(r, c, iss, &n);
    for (i = 0; i < n; i++) {
        if (cands[i].state == C_SKIP)
            continue;
        /* as for a verification: pins the ring for r and schedules a stale refresh, so
         * tokens served from the cache still keep the keys refreshed; but never fetches
         * (no usable keys: the caller verifies, and that fetches once) */
        prepare(r, &cands[i], &st, 0);
        if (cands[i].state != C_HAVE || out >= max)
            return -1;
        digests[out++] = cands[i].kr->sha256;
    }
    return out;
}

/* ------------------------------------------------------------------ hooks */

static int jwks_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    jwt_err_t err;

    jwks_conf_reset(pconf);
    if (!jwks_store_pre_config(pconf))
        return 500;
    /* once per process, before any thread: curl_global_init is not thread-safe */
    if (!jwks_curl_ready) {
        if (jwt_fetch_global_init(&err) != JWT_OK) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, "jwks_init: %s", err.message);
            return 500;
        }
        jwks_curl_ready = 1;
    }
    return OK;
}

static int nsources(void)
{
    const apr_array_header_t *all = jwks_all_sources();
    return all ? all->nelts : 0;
}

static int jwks_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    if (nsources() == 0)
        return OK;
    return jwks_store_check_config(s) ? OK : 500;
}

static int jwks_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                            server_rec *s)
{
    /* the first of httpd's two config passes only checks; create nothing there */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG || nsources() == 0)
        return OK;
    return jwks_store_post_config(pconf, ptemp, s, nsources()) ? OK : 500;
}

static void jwks_child_init(apr_pool_t *p, server_rec *s)
{
    if (!jwks_store_ready())
        return;
    jwks_store_child_init(p, s);
    jwks_refresh_child_init(p, s);
}

void jwks_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(jwks_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(jwks_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(jwks_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(jwks_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* ---------------------------------------------------------------- as a key source */

static int jwks_src_configured(const jwt_dir_conf_t *conf)
{
    return jwks_configured(conf->jwks);
}

static const void *jwks_src_identity(const jwt_dir_conf_t *conf)
{
    return jwks_identity(conf->jwks);
}

static jwt_code_t jwks_src_verify(request_rec *r, const jwt_dir_conf_t *conf,
                                  const jwt_token_t *t, const jwt_key_t **used,
                                  int *retry_after, jwt_err_t *err)
{
    return jwks_verify(r, conf->jwks, t, conf->algs, used, retry_after, err);
}

/* One SHA-256 per source of the token's issuer: the document its keyring was built from. */
static int jwks_src_versions(request_rec *r, const jwt_dir_conf_t *conf, const char *iss,
                             jwt_key_version_t *out, int max)
{
    const unsigned char *docs[16];
    int n = jwks_key_versions(r, conf->jwks, iss, docs, max < 16 ? max : 16), i;
    for (i = 0; i < n; i++) {
        out[i].data = docs[i];
        out[i].len = 32;
    }
    return n;
}

const jwt_key_source_t jwt_source_jwks = {
    "remote JWKS", 1, jwks_src_configured, jwks_src_identity, jwks_src_verify,
    jwks_src_versions
};
