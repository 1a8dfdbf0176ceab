/* jwks_refresh.h -- fetching remote JWKS documents and publishing them in the shared store.
 *
 * Who fetches: a child that wants a fetch takes a time-limited "lease" in the source's
 * shared entry, so one fetch per source runs server-wide and a crashed fetcher cannot
 * block the others past the lease. The fetch itself runs on the child's fetch thread for
 * THAT source (one per configured source, started in child_init): fetches of different
 * sources never queue behind each other, so a hung key server delays only its own keys.
 * Without threads (or when one could not start) a fetch runs inline, or, for a scheduled
 * refresh, as a cleanup of the noticing request's pool (after its response).
 *
 * Publishing: a fetched document must hold at least one usable key (jwt_keyset.h's remote
 * policy); its skipped members are logged once per document version (when its digest is
 * new to the store). It is stored when its digest is new OR the store no longer holds it
 * whole (then logged as stored again), and only a store that reads back counts.
 */
#ifndef MOD_AUTH_JWT_JWKS_REFRESH_H
#define MOD_AUTH_JWT_JWKS_REFRESH_H

#include "httpd.h"
#include "jwks_conf.h"

typedef enum { LEASE_TAKEN, LEASE_BUSY, LEASE_NOT_DUE } jwks_lease_t;

typedef enum {
    WHY_INITIAL,          /* no usable keys here */
    WHY_MISSING,          /* the entry says fresh, but the store lost its document */
    WHY_SCHEDULED,        /* stale keys: refresh in the background */
    WHY_UNKNOWN_KID       /* a token names a kid no cached key has (rate limited) */
} jwks_fetch_reason_t;

/* Decide under the store lock whether this caller may fetch now, and if so take the lease.
 * *retry_at: when it may be worth trying again (BUSY, NOT_DUE), 0 = no hint. */
jwks_lease_t jwks_lease_take(jwks_source_t *src, apr_pool_t *p, const jwks_settings_t *st,
                             jwks_fetch_reason_t why, apr_time_t *retry_at);

/* Is the lease of src held (by any child) right now? */
int jwks_lease_busy(const jwks_source_t *src, apr_pool_t *p);

/* Run one fetch now on the calling thread (lease held) and publish the outcome. */
void jwks_fetch_and_publish(jwks_source_t *src, const jwks_settings_t *st);

/* Queue a fetch (lease held) on src's fetch thread. Returns a ticket for
 * jwks_fetch_done, or 0 when there is no thread (the caller runs it itself). */
apr_uint64_t jwks_fetch_queue(jwks_source_t *src, const jwks_settings_t *st);
int jwks_fetch_done(const jwks_source_t *src, apr_uint64_t ticket);
/* Sleep until some fetch of this child finishes, or until `until` (at most). */
void jwks_fetch_wait_any(apr_time_t until);

/* A scheduled refresh (lease held): on the fetch thread, else after r's response. */
void jwks_schedule_refresh(request_rec *r, jwks_source_t *src, const jwks_settings_t *st);

/* child_init: one fetch thread per configured source, with every signal blocked. */
void jwks_refresh_child_init(apr_pool_t *pchild, server_rec *s);

/* Build a keyring from a document with the remote policy, bound to src's issuer.
 * *skips (may be NULL): what was skipped (jwt_key_skip_t). */
jwt_code_t jwks_ring_build(const jwks_source_t *src, const char *doc, size_t len,
                           jwks_ring_t **out, apr_array_header_t **skips, jwt_err_t *err);

#endif
