/* store_canary.c -- the shared store's canary and its "lost at T" marker (see
 * store_canary.h). Knows nothing of tokens: revocation.c compares a token's iat with
 * jwt_shared_store_lost_at().
 */
#include "store_canary.h"
#include "shared_store.h"
#include "jwt_module.h"

#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include "http_config.h"
#include "http_log.h"

/* v2: the value carries the birth. A new id too, so a v1 server of a fleet being upgraded
 * keeps its own canary and reads no value it does not know. */
#define CANARY_ID_PART "mod_auth_jwt v2"
#define CANARY_PREFIX "mod_auth_jwt shared store canary v2 born "
#define LOST_PREFIX "mod_auth_jwt shared store lost its entries at "
/* Long: a canary that expires reads as a loss (a fleet idle for so long refuses tokens
 * issued before, harmlessly: they ended long ago); memcached takes at most 30 days. */
#define CANARY_LIFETIME (29 * 86400)
#define CANARY_REFRESH 3600             /* seconds: each child rewrites it this often */
/* Every miss is confirmed for this long after a failed call (see shared_store.c). */
#define SUSPECT_WINDOW 10
#define MARK_TRIES 3                    /* rounds of a marker race before failing closed */
#define RETAINED_KEY "mod_auth_jwt store_canary"
#define SPEC_MAX 256

/* What a server saw of its store; in shared memory for its children. */
typedef struct {
    volatile apr_uint32_t born;     /* birth of the canary last found alive; 0: never */
    volatile apr_uint32_t lost_at;  /* the newest "lost at T" known; 0: none */
} seen_t;

/* Parent memory kept across restarts (ap_retained_data): the segment, and the store it
 * describes (another store address starts from "never saw it"). */
typedef struct {
    apr_shm_t *shm;
    char spec[SPEC_MAX];
} retained_t;

static seen_t process_seen;             /* shmcb: per process, per generation */
static apr_int64_t keep_g = 86400;      /* the marker's lifetime (the horizon) */

static struct {
    seen_t *seen;
    volatile apr_uint32_t canary_at;    /* this child's last canary write, seconds */
    volatile apr_uint32_t checked_at;   /* its last canary read that found it, seconds */
    volatile apr_uint32_t complained_at;
    unsigned char canary[JWT_SHARED_STORE_ID_LEN];
    unsigned char marker[JWT_SHARED_STORE_ID_LEN];
} canary_g = { &process_seen, 0, 0, 0, { 0 }, { 0 } };

static apr_uint32_t now_sec(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

void jwt_store_canary_keep_losses(apr_int64_t seconds)
{
    keep_g = seconds > 0 ? seconds : 86400;
}

apr_int64_t jwt_shared_store_lost_at(void)
{
    return apr_atomic_read32(&canary_g.seen->lost_at);
}

/* Raise the known "lost at" to t (never lower it); 1 if this call raised it. */
static int raise_lost(apr_uint32_t t)
{
    apr_uint32_t old;

    while ((old = apr_atomic_read32(&canary_g.seen->lost_at)) < t)
        if (apr_atomic_cas32(&canary_g.seen->lost_at, t, old) == old)
            return 1;
    return 0;
}

/* At most one complaint a second per process: a broken store must not flood the log. */
static int may_complain(void)
{
    apr_uint32_t now = now_sec(), prev = apr_atomic_read32(&canary_g.complained_at);

    return prev != now && apr_atomic_cas32(&canary_g.complained_at, now, prev) == prev;
}

/* "PREFIX<seconds>" -> 1 and *t, else 0 (not one of ours). */
static int parse_time(const unsigned char *buf, unsigned int len, const char *prefix,
                      apr_uint32_t *t)
{
    char text[128], *end = NULL;
    size_t plen = strlen(prefix);
    apr_int64_t v;

    if (len <= plen || len >= sizeof(text) || memcmp(buf, prefix, plen))
        return 0;
    memcpy(text, buf, len);
    text[len] = '\0';
    if (text[plen] < '0' || text[plen] > '9')
        return 0;
    errno = 0;
    v = apr_strtoi64(text + plen, &end, 10);
    if (errno || !end || *end || v <= 0 || v > 0xffffffffLL)
        return 0;
    *t = (apr_uint32_t)v;
    return 1;
}

static apr_status_t write_canary(server_rec *s, apr_pool_t *p, apr_uint32_t born)
{
    apr_uint32_t now = now_sec();
    const char *v = apr_psprintf(p, CANARY_PREFIX "%u", born);
    apr_status_t rv = jwt_shared_store_put(s, canary_g.canary,
                                           apr_time_from_sec((apr_time_t)now + CANARY_LIFETIME),
                                           (const unsigned char *)v, (unsigned int)strlen(v), p);
    if (rv == APR_SUCCESS)
        apr_atomic_set32(&canary_g.canary_at, now);
    return rv;
}

/* The marker's T into *t (0: none). An error when the store fails or holds a value that
 * is not one of ours there (fail closed: its T cannot be known). */
static apr_status_t read_marker(server_rec *s, apr_pool_t *p, apr_uint32_t *t)
{
    unsigned char buf[128];
    unsigned int len = sizeof(buf);
    apr_status_t rv = jwt_shared_store_get(s, canary_g.marker, buf, &len, p);

    *t = 0;
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv != APR_SUCCESS)
        return rv;
    if (!parse_time(buf, len, LOST_PREFIX, t)) {
        if (may_complain())
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, JWT_LOGNO(1117)
                         "the shared store %s holds a loss marker that is not one of ours: "
                         "requests that need the store fail until it is removed",
                         jwt_shared_store_describe());
        return jwt_shared_store_note_failure(APR_EGENERAL);
    }
    return APR_SUCCESS;
}

/* Mark "lost at t" (kept until t + the horizon): the later of this and one already there
 * stays; written, then read back. APR_SUCCESS once the store holds t or later. */
static apr_status_t mark_lost(server_rec *s, apr_pool_t *p, apr_uint32_t t)
{
    apr_time_t expiry = apr_time_from_sec((apr_time_t)t + keep_g);
    const char *v = apr_psprintf(p, LOST_PREFIX "%u", t);
    apr_uint32_t have;
    apr_status_t rv;
    int i;

    if (expiry <= apr_time_now())
        return APR_SUCCESS;           /* no token issued before t can still be accepted */
    for (i = 0; i < MARK_TRIES; i++) {
        if ((rv = read_marker(s, p, &have)) != APR_SUCCESS)
            return rv;
        if (have >= t) {
            raise_lost(have);
            return APR_SUCCESS;
        }
        rv = jwt_shared_store_put(s, canary_g.marker, expiry, (const unsigned char *)v,
                                  (unsigned int)strlen(v), p);
        if (rv != APR_SUCCESS)
            return rv;                /* the store is down: the caller's error */
        if ((rv = read_marker(s, p, &have)) != APR_SUCCESS)
            return rv;
        if (have == t) {
            raise_lost(t);
            return APR_SUCCESS;
        }
        if (!have)
            break;                    /* written and not kept */
        /* another server wrote its T in between: a later one is kept, an earlier one
         * written over */
    }
    if (may_complain())
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, JWT_LOGNO(1116)
                     "the shared store %s does not keep the marker that it lost its entries "
                     "at %u: requests that need the store fail (503) until it does",
                     jwt_shared_store_describe(), t);
    return jwt_shared_store_note_failure(APR_EGENERAL);
}

static void log_lost(server_rec *s, apr_uint32_t t, const char *how)
{
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, JWT_LOGNO(1112)
                 "the revocation store %s had lost its entries (restarted empty, flushed, or "
                 "full and evicting; %s): revocations made before may be gone, so tokens "
                 "issued before %u (or without iat) are refused until %" APR_INT64_T_FMT
                 " (AuthJWTRevocationHorizon after it)", jwt_shared_store_describe(), how, t,
                 (apr_int64_t)t + keep_g);
}

/* The canary is there, born at `born`. */
static apr_status_t found_alive(server_rec *s, apr_pool_t *p, apr_uint32_t born,
                                apr_uint32_t now, int *lost)
{
    apr_uint32_t seen = apr_atomic_read32(&canary_g.seen->born), t;
    apr_status_t rv;

    if (seen && seen != born) {
        /* made anew since this server saw it (by a server that found it gone); the later
         * birth is the latest loss known: every server that noticed marks that one */
        apr_uint32_t newest = seen > born ? seen : born;
        t = newest + 1;                 /* see found_gone */
        if ((rv = mark_lost(s, p, t)) != APR_SUCCESS)
            return rv;
        if ((apr_int64_t)t + keep_g > now) {
            *lost = 1;
            log_lost(s, t, "its canary was written anew since this server saw it");
        }
        if (born < newest)
            (void)write_canary(s, p, newest);
        born = newest;
    }
    else {
        if ((rv = read_marker(s, p, &t)) != APR_SUCCESS)
            return rv;
        if (t && (apr_int64_t)t + keep_g > now && raise_lost(t))
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, JWT_LOGNO(1118)
                         "the shared store %s is marked as having lost its entries at %u (by "
                         "another server or child): tokens issued before it (or without iat) "
                         "are refused until %" APR_INT64_T_FMT, jwt_shared_store_describe(), t,
                         (apr_int64_t)t + keep_g);
    }
    apr_atomic_set32(&canary_g.seen->born, born);
    apr_atomic_set32(&canary_g.checked_at, now);
    if (now - apr_atomic_read32(&canary_g.canary_at) > CANARY_REFRESH)
        (void)write_canary(s, p, born);
    return APR_SUCCESS;
}

/* The canary is gone: an emptied store, an eviction, or a client that marked every server
 * dead and answers NOTFOUND; a write read back tells the last one apart. */
static apr_status_t found_gone(server_rec *s, apr_pool_t *p, apr_uint32_t now, int *lost)
{
    apr_uint32_t seen = apr_atomic_read32(&canary_g.seen->born), born;
    unsigned char buf[128];
    unsigned int len = sizeof(buf);
    apr_status_t rv;

    /* The marker before the canary: no server may find a new canary without it. T is the
     * next second: the loss came before now, maybe within this second, and a token issued
     * then has this second as its iat; tokens issued from the next one on were issued
     * after the loss, so every revocation of them is in the store. */
    if (seen && (rv = mark_lost(s, p, now + 1)) != APR_SUCCESS)
        return rv;
    if ((rv = write_canary(s, p, now)) != APR_SUCCESS)
        return rv;
    rv = jwt_shared_store_get(s, canary_g.canary, buf, &len, p);   /* read back */
    if (rv != APR_SUCCESS)
        return jwt_shared_store_note_failure(rv == APR_NOTFOUND ? APR_EGENERAL : rv);
    if (!parse_time(buf, len, CANARY_PREFIX, &born))
        return jwt_shared_store_note_failure(APR_EGENERAL);
    if (seen) {
        *lost = 1;
        log_lost(s, now + 1, "its canary was gone");
        apr_atomic_set32(&canary_g.seen->born, now);
    }
    else {
        /* never saw one: "new" (see store_canary.h). Not remembered as seen until a later
         * read finds it, so two servers starting together on an empty store, each writing
         * its own birth, do not take each other's for a loss. */
        /* shmcb: every start makes a new one (AH-JWT-1106 says so once): no notice */
        ap_log_error(APLOG_MARK, jwt_shared_store_networked() ? APLOG_NOTICE : APLOG_DEBUG, 0,
                     s, JWT_LOGNO(1115)
                     "the shared store %s has no canary and this server never saw one: taken "
                     "as a new, empty store (if it was emptied instead, revocations made "
                     "before are gone; another server that saw it before will mark the loss)",
                     jwt_shared_store_describe());
    }
    apr_atomic_set32(&canary_g.checked_at, now);
    return APR_SUCCESS;
}

apr_status_t jwt_shared_store_alive(server_rec *s, apr_pool_t *p, int *lost)
{
    unsigned char buf[128];
    unsigned int len = sizeof(buf);
    apr_uint32_t now = now_sec(), born;
    apr_status_t rv;

    *lost = 0;
    /* The canary costs a round trip (two with the marker): read it at most once a second,
     * unless a call of this process failed lately. A client only marks a server dead after
     * a call failed, and that failure was noted, so misses in between come from a live
     * server; within the second, an emptied store (a restart without a failed call, a
     * FLUSHALL, an eviction) may go unnoticed. */
    if (!jwt_shared_store_failed_within(SUSPECT_WINDOW)
        && apr_atomic_read32(&canary_g.checked_at) == now)
        return APR_SUCCESS;
    rv = jwt_shared_store_get(s, canary_g.canary, buf, &len, p);
    if (rv == APR_SUCCESS) {
        if (!parse_time(buf, len, CANARY_PREFIX, &born))
            return jwt_shared_store_note_failure(APR_EGENERAL);   /* not our store */
        return found_alive(s, p, born, now, lost);
    }
    if (rv != APR_NOTFOUND)
        return rv;
    return found_gone(s, p, now, lost);
}

/* ---------------------------------------------------------------- hooks */

/* The segment for this store: made once by the parent, kept across restarts. */
static seen_t *retained_seen(server_rec *s)
{
    retained_t *r = ap_retained_data_get(RETAINED_KEY);
    const char *spec = jwt_shared_store_describe();

    if (!r) {
        r = ap_retained_data_create(RETAINED_KEY, sizeof(*r));
        memset(r, 0, sizeof(*r));
    }
    if (!r->shm && apr_shm_create(&r->shm, sizeof(seen_t), NULL, s->process->pool)
                   != APR_SUCCESS) {
        r->shm = NULL;
        return NULL;
    }
    if (strncmp(r->spec, spec, sizeof(r->spec) - 1)) {   /* as far as it was kept */
        /* another store: what was seen of the last one says nothing of it */
        memset(apr_shm_baseaddr_get(r->shm), 0, sizeof(seen_t));
        apr_cpystrn(r->spec, spec, sizeof(r->spec));
    }
    return apr_shm_baseaddr_get(r->shm);
}

static int canary_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                              server_rec *s)
{
    const char *part = CANARY_ID_PART;

    (void)pconf; (void)plog; (void)ptemp;
    apr_atomic_set32(&canary_g.canary_at, 0);
    apr_atomic_set32(&canary_g.checked_at, 0);
    memset(&process_seen, 0, sizeof(process_seen));
    canary_g.seen = &process_seen;
    if (!jwt_shared_store_configured())
        return OK;
    /* shmcb is made anew by each generation: "never saw it", per process (a graceful
     * restart's old children still use the old segment); redis / memcache: the server's */
    if (jwt_shared_store_id("canary", &part, 1, canary_g.canary) != 0
        || jwt_shared_store_id("canary-lost", &part, 1, canary_g.marker) != 0
        || (jwt_shared_store_networked() && !(canary_g.seen = retained_seen(s)))) {
        canary_g.seen = &process_seen;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1108)
                     "AuthJWTRevocationCache %s: cannot make the canary's ids (SHA-256) or "
                     "the shared memory that remembers what this server saw of the store",
                     jwt_shared_store_describe());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void canary_child_init(apr_pool_t *pchild, server_rec *s)
{
    int lost = 0;

    if (!jwt_shared_store_configured())
        return;
    apr_atomic_set32(&canary_g.canary_at, 0);
    apr_atomic_set32(&canary_g.checked_at, 0);
    /* a first look (a store that is down now is found out per request); never a blind
     * write, which would hide a loss from the servers that saw the old canary */
    (void)jwt_shared_store_alive(s, pchild, &lost);
}

void jwt_store_canary_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* after shared_store.c's hooks (APR_HOOK_MIDDLE): the store is ready in post_config,
     * its mutex reopened in child_init */
    ap_hook_post_config(canary_post_config, NULL, NULL, APR_HOOK_MIDDLE + 1);
    ap_hook_child_init(canary_child_init, NULL, NULL, APR_HOOK_MIDDLE + 1);
}
