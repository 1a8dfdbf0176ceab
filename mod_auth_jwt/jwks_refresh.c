/* jwks_refresh.c -- leases, fetches, publishing, and the per-source fetch threads. See
 * jwks_refresh.h.
 *
 *  - a failed fetch: retried no sooner than AuthJWTJWKSRefetchInterval; logged at error
 *    level once per failure streak (the streak counter is shared), then at debug level.
 *  - libcurl runs on the fetch threads only: run inline, every fetch warmed up the stack
 *    and malloc arena of whichever worker thread got it, and a child's memory crept up
 *    until every one of its threads had fetched once.
 */
#include <string.h>
#include <signal.h>
#include <pthread.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "apr_thread_cond.h"
#include "apr_thread_proc.h"

#include "jwt_fetch.h"
#include "jwt_keyset.h"
#include "jwks_store.h"
#include "jwks_refresh.h"
#include "metrics.h"

APLOG_USE_MODULE(auth_jwt);

#define JWKS_LEASE_MARGIN apr_time_from_sec(5)
#define JWKS_MAX_BODY JWT_FETCH_DEFAULT_MAX_BYTES

/* ------------------------------------------------------------------ keyrings */

jwt_code_t jwks_ring_build(const jwks_source_t *src, const char *doc, size_t len,
                           jwks_ring_t **out, apr_array_header_t **skips, jwt_err_t *err)
{
    apr_pool_t *pool;
    jwks_ring_t *kr;
    jwt_code_t code;
    int i;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_ARG, "out of memory");
    kr = apr_pcalloc(pool, sizeof(*kr));
    kr->pool = pool;
    kr->ring = jwt_keyring_make(pool);
    code = jwt_keys_from_remote_jwks(kr->ring, doc, len, JWKS_MAX_BODY, src->label, skips,
                                     NULL, err);
    if (code != JWT_OK) {
        apr_pool_destroy(pool);
        return code;
    }
    if (src->issuer) {
        const char *iss = apr_pstrdup(pool, src->issuer);
        for (i = 0; i < kr->ring->keys->nelts; i++)
            APR_ARRAY_IDX(kr->ring->keys, i, jwt_key_t *)->issuer = iss;
    }
    kr->doc = apr_pstrmemdup(pool, doc, len);
    kr->doc_len = len;
    jwks_sha256(doc, len, kr->sha256);
    kr->refs = 1;
    jwt_metrics_jwks_keys(src, jwt_keyring_count(kr->ring));
    *out = kr;
    return JWT_OK;
}

/* ------------------------------------------------------------------ leases */

jwks_lease_t jwks_lease_take(jwks_source_t *src, apr_pool_t *p, const jwks_settings_t *st,
                             jwks_fetch_reason_t why, apr_time_t *retry_at)
{
    jwks_meta_t m;
    apr_time_t now;
    jwks_lease_t out = LEASE_TAKEN;

    jwks_store_lock();
    now = apr_time_now();
    jwks_meta_get(src, p, &m);
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
    else if (why == WHY_SCHEDULED && !jwks_is_stale(m.fetched_at, m.max_age, st, now)) {
        out = LEASE_NOT_DUE;          /* another child refreshed it meanwhile */
        *retry_at = 0;
    }
    else if (why == WHY_INITIAL && jwks_is_usable(m.fetched_at, m.max_age, st, now)) {
        out = LEASE_NOT_DUE;          /* another child's fetch landed since we looked */
        *retry_at = 0;
    }
    else if (why == WHY_MISSING && jwks_body_present(src, p, &m)) {
        out = LEASE_NOT_DUE;          /* another child stored it again since we looked */
        *retry_at = 0;
    }
    if (out == LEASE_TAKEN) {
        /* a lease outlives the fetch timeout, so a child that dies mid-fetch only delays
         * the next fetch */
        m.lease_until = now + st->timeout + JWKS_LEASE_MARGIN;
        m.attempt_at = now;
        if (why == WHY_UNKNOWN_KID)
            m.kid_refetch_at = now;
        if (jwks_meta_put(src, p, &m) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, jwks_store_server(),
                         "jwks_cache: %s: cannot store the fetch lease in the shared cache",
                         src->label);
    }
    jwks_store_unlock();
    return out;
}

int jwks_lease_busy(const jwks_source_t *src, apr_pool_t *p)
{
    jwks_meta_t m;
    int busy;

    jwks_store_lock();
    jwks_meta_get(src, p, &m);
    busy = m.lease_until > apr_time_now();
    jwks_store_unlock();
    return busy;
}

/* ------------------------------------------------------------------ fetching */

/* One GET that must answer 200, within what is left of the whole fetch's deadline (a
 * discovery document and the JWKS share one AuthJWTJWKSTimeout). public_only: the URL
 * came from a remote document, so curl may connect to public addresses only. */
static jwt_code_t fetch_one(apr_pool_t *p, const char *url, int allow_http, int public_only,
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
    o.public_only = public_only;
    code = jwt_fetch_url(p, url, &o, res, err);
    if (code == JWT_OK && (*res)->status != 200)
        code = JWT_ERR(err, JWT_ERR_FETCH, "%s: HTTP status %ld", url, (*res)->status);
    return code;
}

/* OpenID Connect discovery first; when that location answers with an HTTP error, the
 * RFC 8414 location. *issuer_internal: the issuer is on an internal address, by its URL or
 * by the address its document came from (an intranet IdP named by a host name). */
static jwt_code_t discover(apr_pool_t *p, const jwks_source_t *src, const jwks_settings_t *st,
                           apr_time_t deadline, const char **jwks_uri, int *issuer_internal,
                           jwt_err_t *err)
{
    const char *urls[2];
    jwt_fetch_result_t *res = NULL;
    jwt_code_t code;
    int i;

    code = jwt_discovery_urls(p, src->discovery, &urls[0], &urls[1], err);
    for (i = 0; code == JWT_OK && i < 2; i++) {
        code = fetch_one(p, urls[i], src->allow_http, 0, st, deadline, &res, err);
        if (code == JWT_OK) {
            *issuer_internal = jwt_fetch_url_is_internal(src->discovery) || res->peer_internal;
            return jwt_discovery_jwks_uri_at(p, res->body, res->len, src->discovery,
                                             *issuer_internal, src->allow_http, jwks_uri, err);
        }
        if (i == 0 && res != NULL)
            code = JWT_OK;            /* an HTTP answer, not a transport failure: try 8414 */
    }
    return code;
}

/* Fetch and validate the document (it must hold at least one usable key). *skipped gets
 * one log-ready line per member the remote policy skipped (pool p). */
static jwt_code_t fetch_document(apr_pool_t *p, const jwks_source_t *src,
                                 const jwks_settings_t *st, jwt_fetch_result_t **res,
                                 apr_array_header_t *skipped, jwt_err_t *err)
{
    const char *url = src->url;
    apr_time_t deadline = apr_time_now() + st->timeout;
    apr_array_header_t *skips = NULL;
    jwks_ring_t *kr;
    jwt_code_t code = JWT_OK;
    int i;

    *res = NULL;
    int issuer_internal = 0;
    if (src->discovery)
        code = discover(p, src, st, deadline, &url, &issuer_internal, err);
    /* A discovered jwks_uri is the remote document's word: unless the issuer itself is on an
     * internal address, it may not lead curl to one, whatever its host name resolves to
     * (the literal check is jwt_discovery_jwks_uri_at's). A configured URL is the operator's. */
    int public_only = src->discovery != NULL && !issuer_internal;
    if (code == JWT_OK)
        code = fetch_one(p, url, src->allow_http, public_only, st, deadline, res, err);
    if (code != JWT_OK)
        return code;
    code = jwks_ring_build(src, (*res)->body, (*res)->len, &kr, &skips, err);
    if (code != JWT_OK)
        return code;
    for (i = 0; skips && i < skips->nelts; i++) {
        const jwt_key_skip_t *s = &APR_ARRAY_IDX(skips, i, jwt_key_skip_t);
        APR_ARRAY_PUSH(skipped, const char *) =
            apr_psprintf(p, "key #%d (kid %s): %s", s->index, s->kid, s->reason);
    }
    apr_pool_destroy(kr->pool);       /* validation only; children build their own */
    return JWT_OK;
}

/* The fetch's result for the metrics: what failed, from what the fetch got back. A
 * transport failure that used up the whole AuthJWTJWKSTimeout is a timeout. */
static jwt_fetch_outcome_t fetch_outcome(jwt_code_t code, const jwt_fetch_result_t *res,
                                         int is_new, apr_time_t t0, const jwks_settings_t *st)
{
    if (code == JWT_OK)
        return is_new ? JWT_FETCH_OK : JWT_FETCH_NOT_MODIFIED;
    if (res && res->status != 200)
        return JWT_FETCH_HTTP_ERROR;
    if (res)
        return JWT_FETCH_PARSE_ERROR;      /* 200, but no usable JWKS (or not stored) */
    if (apr_time_now() - t0 >= st->timeout - apr_time_from_msec(50))
        return JWT_FETCH_TIMEOUT;
    return JWT_FETCH_NETWORK_ERROR;
}

static void log_fetch_outcome(const jwks_source_t *src, jwt_code_t code, const jwt_err_t *err,
                              uint32_t fail_count, apr_time_t fail_since, int usable)
{
    server_rec *s = jwks_store_server();
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

/* Store a good document (lock held). *is_new: its digest was not the stored one;
 * *restored: same digest, but the store had lost it and it was stored again. */
static jwt_code_t publish_body(jwks_source_t *src, apr_pool_t *p, const jwt_fetch_result_t *res,
                               jwks_meta_t *m, int *is_new, int *restored, jwt_err_t *err)
{
    unsigned char digest[32];

    jwks_sha256(res->body, res->len, digest);
    *is_new = m->fetched_at == 0 || memcmp(digest, m->sha256, 32) != 0 || m->body_len != res->len;
    *restored = 0;
    if (!*is_new && jwks_body_present(src, p, m))
        return JWT_OK;
    if (!*is_new)
        *restored = 1;
    /* the document the entry names now, kept while the new one is stored: the new one's
     * chunks do not overwrite it, but storing them may evict it from shmcb's ring */
    char *old = NULL;
    size_t old_len = (size_t)m->body_len;
    if (*is_new && m->fetched_at != 0 && !jwks_body_get(src, p, m, &old))
        old = NULL;
    if (jwks_body_put(src, p, res->body, res->len, m) != APR_SUCCESS) {
        /* a document the children cannot read is no better than a failed fetch: count it
         * as one, so it is logged and retried like one. m still names the old document;
         * when storing the new one pushed it out, it goes back in, so new children keep
         * the last good keys (as after any failed fetch) instead of a 503 */
        if (old != NULL && !jwks_body_present(src, p, m))
            (void)jwks_body_put(src, p, old, old_len, m);
        return JWT_ERR(err, JWT_ERR_FETCH, "the shared JWKS store did not keep the document "
                       "(%lu bytes; it does not read back whole); the last good one stays",
                       (unsigned long)res->len);
    }
    return JWT_OK;
}

void jwks_fetch_and_publish(jwks_source_t *src, const jwks_settings_t *st)
{
    apr_pool_t *p;
    apr_array_header_t *skipped;
    jwt_fetch_result_t *res = NULL;
    jwt_err_t err;
    jwt_code_t code;
    jwks_meta_t m;
    uint32_t fails;
    apr_time_t since, t0;
    int usable, is_new = 0, restored = 0, i;
    server_rec *s = jwks_store_server();

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return;
    skipped = apr_array_make(p, 2, sizeof(const char *));
    jwt_err_clear(&err);
    t0 = apr_time_now();
    code = fetch_document(p, src, st, &res, skipped, &err);
    jwks_store_lock();
    jwks_meta_get(src, p, &m);
    m.lease_until = 0;
    if (code == JWT_OK)
        code = publish_body(src, p, res, &m, &is_new, &restored, &err);
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
    usable = jwks_is_usable(m.fetched_at, m.max_age, st, apr_time_now());
    jwks_meta_put(src, p, &m);
    jwks_store_unlock();
    /* once per document version: only the fetch that brought a new digest says it */
    for (i = 0; code == JWT_OK && is_new && i < skipped->nelts; i++)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "jwks_key_skipped: %s: %s",
                     src->label, APR_ARRAY_IDX(skipped, i, const char *));
    if (restored)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "jwks_store_restored: %s: the shared store had lost the document "
                     "(%lu bytes); stored it again", src->label, (unsigned long)res->len);
    log_fetch_outcome(src, code, &err, fails, since, usable);
    jwt_metrics_jwks_fetch(src, fetch_outcome(code, res, is_new, t0, st));
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ fetch threads */

/* One per source per child. All share one mutex and one "done" condition, so a request
 * waiting for several sources wakes on whichever finishes first. */
struct jwks_worker {
    jwks_source_t *src;
    apr_thread_cond_t *wake;
    int pending;
    jwks_settings_t st;
    apr_uint64_t queued, done;        /* tickets given / finished (per source) */
#if APR_HAS_THREADS
    apr_thread_t *thread;
#endif
};

static struct {
    apr_thread_mutex_t *mutex;        /* guards every worker's fields above */
    apr_thread_cond_t *done;
    apr_array_header_t *workers;      /* jwks_worker_t * */
    int stopping;
} fetchers;

apr_uint64_t jwks_fetch_queue(jwks_source_t *src, const jwks_settings_t *st)
{
    jwks_worker_t *w = src->worker;
    apr_uint64_t ticket = 0;

    if (w == NULL || fetchers.mutex == NULL)
        return 0;
    apr_thread_mutex_lock(fetchers.mutex);
    if (!fetchers.stopping) {
        if (!w->pending) {            /* a queued fetch not yet started serves both */
            w->pending = 1;
            w->queued++;
        }
        w->st = *st;
        ticket = w->queued;
        apr_thread_cond_signal(w->wake);
    }
    apr_thread_mutex_unlock(fetchers.mutex);
    return ticket;
}

int jwks_fetch_done(const jwks_source_t *src, apr_uint64_t ticket)
{
    int done;
    if (src->worker == NULL || fetchers.mutex == NULL)
        return 1;
    apr_thread_mutex_lock(fetchers.mutex);
    done = src->worker->done >= ticket || fetchers.stopping;
    apr_thread_mutex_unlock(fetchers.mutex);
    return done;
}

void jwks_fetch_wait_any(apr_time_t until)
{
    apr_interval_time_t left = until - apr_time_now();
    if (left <= 0)
        return;
    if (fetchers.mutex == NULL) {
        apr_sleep(left);
        return;
    }
    apr_thread_mutex_lock(fetchers.mutex);
    if (!fetchers.stopping)
        apr_thread_cond_timedwait(fetchers.done, fetchers.mutex, left);
    apr_thread_mutex_unlock(fetchers.mutex);
}

static apr_status_t refresh_after_response(void *data)
{
    jwks_source_t **job = data;
    jwks_fetch_and_publish(job[0], (const jwks_settings_t *)job[1]);
    return APR_SUCCESS;
}

void jwks_schedule_refresh(request_rec *r, jwks_source_t *src, const jwks_settings_t *st)
{
    void **job;

    if (jwks_fetch_queue(src, st))
        return;
    job = apr_palloc(r->pool, 2 * sizeof(void *));
    job[0] = src;
    job[1] = apr_pmemdup(r->pool, st, sizeof(*st));
    apr_pool_cleanup_register(r->pool, job, refresh_after_response, apr_pool_cleanup_null);
}

#if APR_HAS_THREADS
static void *APR_THREAD_FUNC worker_main(apr_thread_t *thd, void *data)
{
    jwks_worker_t *w = data;

    apr_thread_mutex_lock(fetchers.mutex);
    while (!fetchers.stopping) {
        jwks_settings_t st;
        apr_uint64_t ticket;
        if (!w->pending) {
            apr_thread_cond_wait(w->wake, fetchers.mutex);
            continue;
        }
        w->pending = 0;
        st = w->st;
        ticket = w->queued;
        apr_thread_mutex_unlock(fetchers.mutex);
        jwks_fetch_and_publish(w->src, &st);
        apr_thread_mutex_lock(fetchers.mutex);
        w->done = ticket;
        apr_thread_cond_broadcast(fetchers.done);
    }
    apr_thread_mutex_unlock(fetchers.mutex);
    /* plain return, no apr_thread_exit: the thread's pool then goes with the child pool */
    return NULL;
}

/* A pre-cleanup of the child pool: fetches in progress finish first (each bounded by its
 * AuthJWTJWKSTimeout, and they run side by side); queued ones are dropped, their leases
 * simply expire. */
static apr_status_t workers_stop(void *data)
{
    int i;
    apr_status_t rv;

    apr_thread_mutex_lock(fetchers.mutex);
    fetchers.stopping = 1;
    for (i = 0; i < fetchers.workers->nelts; i++)
        apr_thread_cond_signal(APR_ARRAY_IDX(fetchers.workers, i, jwks_worker_t *)->wake);
    apr_thread_cond_broadcast(fetchers.done);
    apr_thread_mutex_unlock(fetchers.mutex);
    for (i = 0; i < fetchers.workers->nelts; i++) {
        jwks_worker_t *w = APR_ARRAY_IDX(fetchers.workers, i, jwks_worker_t *);
        apr_thread_join(&rv, w->thread);
        w->src->worker = NULL;
    }
    return APR_SUCCESS;
}

void jwks_refresh_child_init(apr_pool_t *pchild, server_rec *s)
{
    const apr_array_header_t *all = jwks_all_sources();
    sigset_t every, old;
    int i;

    if (all == NULL || all->nelts == 0)
        return;
    if (apr_thread_mutex_create(&fetchers.mutex, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
        || apr_thread_cond_create(&fetchers.done, pchild) != APR_SUCCESS) {
        fetchers.mutex = NULL;
        return;
    }
    fetchers.workers = apr_array_make(pchild, all->nelts, sizeof(jwks_worker_t *));
    fetchers.stopping = 0;
    /* every signal blocked, so the MPM's signal handling (sigwait in worker/event,
     * handlers in prefork) never runs on a fetch thread */
    sigfillset(&every);
    pthread_sigmask(SIG_BLOCK, &every, &old);
    for (i = 0; i < all->nelts; i++) {
        jwks_source_t *src = APR_ARRAY_IDX(all, i, jwks_source_t *);
        jwks_worker_t *w = apr_pcalloc(pchild, sizeof(*w));
        apr_status_t rv;

        w->src = src;
        if (apr_thread_cond_create(&w->wake, pchild) != APR_SUCCESS)
            continue;
        rv = apr_thread_create(&w->thread, NULL, worker_main, w, pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "jwks_init: %s: no fetch thread; "
                         "its fetches run on the request's thread", src->label);
            continue;
        }
        src->worker = w;
        APR_ARRAY_PUSH(fetchers.workers, jwks_worker_t *) = w;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    apr_pool_pre_cleanup_register(pchild, NULL, workers_stop);
}
#else
void jwks_refresh_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)pchild;
    (void)s;
}
#endif
