/* store_canary.h -- is the shared store (shared_store.h) alive, and did it lose its entries?
 * (store_canary.c)
 *
 * A networked provider's client answers NOTFOUND for a dead server, and a store restarted
 * without persistence (or FLUSHALL, or an eviction) answers NOTFOUND for everything it held:
 * a miss alone proves nothing. A canary entry tells them apart:
 *   canary there                    -> the misses came from a store that keeps its entries
 *   canary gone, a write not kept   -> the store is down (an error: 503, or OnError allow)
 *   canary gone, a write kept       -> the store lost its entries ("lost at T", T = now)
 *
 * The canary's value carries its birth: when a server first wrote it into an empty store.
 * What a server saw last (the birth of the canary it found alive, and the newest "lost at
 * T") is shared by its children; with redis / memcache it is kept across graceful restarts
 * (retained shared memory), so a new child or a new configuration generation still knows
 * the store it had seen. A server that finds the canary gone, or one of another birth, after
 * it saw one alive knows the store lost its entries since.
 *
 * "Lost at T": a marker entry in the same store, value T, expiring at T + the marker
 * lifetime (AuthJWTRevocationHorizon: no token issued before T and accepted by a revocation
 * location can still be valid after it). Written (and read back) before the canary is
 * rewritten, so a marker that cannot be written fails closed (an error) and no server
 * sees a fresh canary without it. Of two markers the later T wins: a writer reads first and
 * keeps a later one, and reads back after writing (a racing earlier T is written again).
 * Every server reads the marker with each canary read, so the fleet agrees within a second.
 *
 * Limit: a server that never saw the canary alive (started while the store was empty)
 * cannot tell "emptied" from "new": it writes a canary and no marker (AH-JWT-1115), or a
 * brand-new deployment would refuse every earlier token. If another server of the fleet had
 * seen the old canary, it finds the new birth and writes the marker; if none had (the whole
 * fleet and the store restarted together), revocations made before are gone.
 *
 * shmcb: a new configuration generation makes a new, empty segment: each generation starts
 * as "never saw it" (per process, not retained), so a restart stays AH-JWT-1106 only; an
 * eviction of the canary while a child runs is a loss like any other.
 */
#ifndef JWT_STORE_CANARY_H
#define JWT_STORE_CANARY_H

#include "httpd.h"

/* Is the store answering and holding what was written to it? APR_SUCCESS, else the error.
 * *lost is set when this call found that the store lost its entries (and marked it). Call
 * it after misses, before trusting them. The canary (and the marker) are read at most once
 * a second per process, and on every call for 10 s after any failed call of this process
 * (a client marks a server dead only after a failed call: see shared_store.c). */
apr_status_t jwt_shared_store_alive(server_rec *s, apr_pool_t *p, int *lost);

/* The newest "lost at T" this server knows (seconds), 0 when none: tokens issued before it
 * may have lost their revocations. It stays until T + the marker lifetime has passed (the
 * caller compares); a later marker replaces it. No store call. */
apr_int64_t jwt_shared_store_lost_at(void);

/* How long a "lost at T" marker lasts (seconds after T): AuthJWTRevocationHorizon, given
 * by the revocation configuration check (default 86400). */
void jwt_store_canary_keep_losses(apr_int64_t seconds);

/* post_config (the ids; the shared memory) and child_init (a first look at the canary),
 * both after shared_store.c's (the store initialised, its mutex reopened in the child). */
void jwt_store_canary_register_hooks(apr_pool_t *p);

#endif
