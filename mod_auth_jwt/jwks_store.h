/* jwks_store.h -- the server-wide store of fetched JWKS documents: one mod_socache_shmcb
 * instance shared by every child, guarded by one global mutex (shmcb is not safe without
 * one; it is never held during network I/O).
 *
 * Layout. shmcb splits its memory into sub-caches and picks one by the FIRST BYTE of an
 * entry's id, so every id here is a SHA-256 (binary, 32 bytes): the meta entry of a source
 * is SHA-256("m" key), chunk i of its body generation g is SHA-256("c" g i key). Entries so
 * spread over all sub-caches instead of all chunks competing for one. A body is split in
 * JWKS_CHUNK pieces (an item must fit a sub-cache) and read back after it is stored: a
 * store that "succeeded" but does not read back whole is a failure. Each stored body is a
 * new generation: its chunks never overwrite those of the document the meta entry still
 * names, so a store that fails leaves the old document readable (write new, then switch
 * the meta entry).
 *
 * Size: 4 x the fetch body cap (JWT_FETCH_DEFAULT_MAX_BYTES, 1 MiB) per configured source,
 * at most 64 MiB; so every source's largest accepted document fits with room for shmcb's
 * uneven spread. shmcb is a ring per sub-cache, so another source's churn can still evict
 * an entry; whoever finds a document gone stores it again (jwks.c, jwks_refresh.c).
 */
#ifndef MOD_AUTH_JWT_JWKS_STORE_H
#define MOD_AUTH_JWT_JWKS_STORE_H

#include <stdint.h>
#include "httpd.h"
#include "jwks_conf.h"

#define JWKS_META_MAGIC 0x4a574b55u       /* "JWKU": layout 3 (hashed ids, body generations) */

/* The shared entry's header. */
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
    uint64_t gen;                     /* body generation: part of every chunk's id */
    unsigned char sha256[32];
} jwks_meta_t;

/* Hooks' parts: provider lookup (check_config; 0 = shmcb missing), create (post_config),
 * re-attach (child_init). */
int jwks_store_pre_config(apr_pool_t *pconf);
int jwks_store_check_config(server_rec *s);
int jwks_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s, int nsources);
void jwks_store_child_init(apr_pool_t *p, server_rec *s);
int jwks_store_ready(void);
server_rec *jwks_store_server(void);

void jwks_store_lock(void);
void jwks_store_unlock(void);

/* The calls below need the lock held. */
/* 1 and *m filled when the entry exists; else 0 and *m a fresh, empty header. */
int jwks_meta_get(const jwks_source_t *src, apr_pool_t *p, jwks_meta_t *m);
apr_status_t jwks_meta_put(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m);
/* Store body as a new generation and read it back: APR_SUCCESS only when it reads back
 * whole, and then m's body fields name it (m is ready to be put). On failure m is left as
 * it was: the document it names was not overwritten (other chunk ids). */
apr_status_t jwks_body_put(const jwks_source_t *src, apr_pool_t *p, const char *body,
                           size_t len, jwks_meta_t *m);
/* The document m describes, checked against its digest: 1 and *out (pool memory), or 0 when
 * any chunk is missing or the bytes do not match. */
int jwks_body_get(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m, char **out);
/* Is every chunk of m's document there with its length? (no digest: the cheap check) */
int jwks_body_present(const jwks_source_t *src, apr_pool_t *p, const jwks_meta_t *m);

void jwks_sha256(const char *buf, size_t len, unsigned char out[32]);

#endif
