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
#include "dir_conf.h"
#include "conn_state.h"
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
    apr_int64_t valid_from;            /* seconds; the time checks pass from then ... */
    apr_int64_t expires;               /* ... until then, when the entry becomes useless */
    unsigned char used;
    unsigned char ref;                 /* CLOCK: hit since the hand last passed */
    unsigned char alg;
    unsigned char has_kid, has_typ, has_cnf;
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

/* Per connection: the digests' context, and the memo: the last token verified on this
 * connection. A client that keeps a connection open usually sends the same token on every
 * request; that repeat is then served without the table's lock and without parsing the
 * payload again (the parsed object is kept, and json-c objects are only ever read on the
 * request path). Requests of an HTTP/1 connection run one after the other, so the memo
 * needs no lock; HTTP/2 secondary connections (c->master set) do not use it, as their
 * streams' pools may be cleaned up on the primary connection's thread. The memo is a
 * table slot in fixed memory: replacing it allocates nothing.
 *
 * The memo also keeps the lookup key's whole input (token and location identity). A
 * request whose input is byte for byte the memo's has the memo's key without running
 * SHA-256 (the largest cost of a repeat): equal bytes, a stricter test than equal digests.
 * Inputs are gathered in a buffer owned by the connection, grown to what its tokens need
 * and at most HASH_KEEP bytes; a longer input streams into the digest and is only ever
 * compared by digest. */
#define HASH_KEEP 4096

struct jwt_hash_s {
    EVP_MD_CTX *md;                    /* the connection's context, shared by both hashes */
    int ok;                            /* 0 once a digest call failed */
    int streaming;                     /* the digest has input already: buf is not all of it */
    size_t n, cap;                     /* bytes gathered in buf, and its size */
    unsigned char *buf;                /* malloc()ed, owned by the connection */
};

typedef struct {
    EVP_MD_CTX *md;
    jwt_hash_t key;                    /* the lookup key (kept whole for the memo) */
    jwt_hash_t versions;               /* the key-versions digest */
    unsigned char key_digest[32];      /* what key's gathered input digests to, when ... */
    int key_digest_valid;              /* ... the last jwt_cache_key_end produced it */
    slot_t memo;                       /* memo.used == 0: empty */
    unsigned char *memo_in;            /* the memo key's input (memo_in_len 0: not kept) */
    size_t memo_in_len, memo_in_cap;
    json_object *memo_obj;             /* the parsed payload; one reference held here */
    jwt_header_memo_t *header_memo;    /* the last token header checked on the connection */
} jwt_conn_t;

static void memo_clear(jwt_conn_t *cs)
{
    cs->memo.used = 0;
    cs->memo_in_len = 0;
    if (cs->memo_obj) {
        json_object_put(cs->memo_obj);
        cs->memo_obj = NULL;
    }
}

static apr_status_t free_conn_state(void *data)
{
    jwt_conn_t *cs = data;
    memo_clear(cs);
    jwt_header_memo_free(cs->header_memo);
    EVP_MD_CTX_free(cs->md);
    free(cs->key.buf);
    free(cs->versions.buf);
    free(cs->memo_in);
    free(cs);
    return APR_SUCCESS;
}

/* Made on the connection's first authenticated request; freed (with the memo's object)
 * by a cleanup of the connection pool. Its place is the cache's part of the connection's
 * state (conn_state.h). */
static jwt_conn_t *jwt_conn(request_rec *r)
{
    conn_rec *c = r->connection;
    jwt_conn_parts_t *parts = jwt_conn_parts(c);
    jwt_conn_t *cs;

    if (!parts)
        return NULL;
    if ((cs = parts->cache))
        return cs;
    if (!(cs = calloc(1, sizeof(*cs))))
        return NULL;
    if (!(cs->md = EVP_MD_CTX_new())) {
        free(cs);
        return NULL;
    }
    cs->key.md = cs->versions.md = cs->md;
    apr_pool_cleanup_register(c->pool, cs, free_conn_state, apr_pool_cleanup_null);
    parts->cache = cs;
    return cs;
}

/* The connection's state when its memo may be used (see above), else NULL. */
static jwt_conn_t *memo_of(request_rec *r)
{
    jwt_conn_parts_t *parts;
    if (r->connection->master || !(parts = jwt_conn_parts_get(r->connection)))
        return NULL;
    return parts->cache;
}

/* Tokens on one connection usually share their header (one issuer, one key), also when
 * they are all different (a gateway relaying many users' tokens): the header's JSON is
 * then decoded, parsed and checked once per connection (jwt_jws_memo.c). Same rule as
 * the memo: HTTP/1 connections only. */
jwt_header_memo_t *jwt_cache_header_memo(request_rec *r)
{
    jwt_conn_t *cs;

    if (r->connection->master || !(cs = jwt_conn(r)))
        return NULL;
    if (!cs->header_memo)
        cs->header_memo = jwt_header_memo_new();
    return cs->header_memo;
}

/* Hand what is gathered to the digest (started on first use) and empty the buffer. */
static void hash_flush(jwt_hash_t *h)
{
    if (!h->streaming) {
        h->streaming = 1;
        if (EVP_DigestInit_ex2(h->md, cache_g.sha256, NULL) != 1)
            h->ok = 0;
    }
    if (h->ok && h->n && EVP_DigestUpdate(h->md, h->buf, h->n) != 1)
        h->ok = 0;
    h->n = 0;
}

static jwt_hash_t *hash_begin(request_rec *r, int lookup_key)
{
    jwt_conn_t *cs;
    jwt_hash_t *h;

    if (!cache_g.slots || !cache_g.sha256 || !(cs = jwt_conn(r)))
        return NULL;
    h = lookup_key ? &cs->key : &cs->versions;
    if (lookup_key)
        cs->key_digest_valid = 0;
    h->n = 0;
    h->ok = 1;
    h->streaming = 0;
    /* entries of an older configuration never match (pointers in the identity may be
     * reused by a new configuration in a single-process server) */
    jwt_cache_hash_add(h, &cache_g.generation, sizeof(cache_g.generation));
    return h;
}

jwt_hash_t *jwt_cache_key_begin(request_rec *r)
{
    return hash_begin(r, 1);
}

jwt_hash_t *jwt_cache_hash_begin(request_rec *r)
{
    return hash_begin(r, 0);
}

void jwt_cache_hash_add(jwt_hash_t *h, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (len > h->cap - h->n) {
        size_t want = h->n + len, cap = h->cap ? h->cap : 512;
        unsigned char *grown;

        while (cap < want && cap < HASH_KEEP)
            cap *= 2;
        if (want > cap || !(grown = realloc(h->buf, cap))) {
            hash_flush(h);             /* too long to keep, or no memory: stream it */
            if (len > h->cap) {
                if (h->ok && EVP_DigestUpdate(h->md, data, len) != 1)
                    h->ok = 0;
                return;
            }
        }
        else {
            h->buf = grown;
            h->cap = cap;
        }
    }
    memcpy(h->buf + h->n, data, len);
    h->n += len;
}

void jwt_cache_hash_str(jwt_hash_t *h, const char *s)
{
    if (s)
        jwt_cache_hash_add(h, s, strlen(s) + 1);
    else
        jwt_cache_hash_add(h, "\1", 1);
}

int jwt_cache_hash_end(jwt_hash_t *h, unsigned char out[32])
{
    unsigned int n = 32;

    hash_flush(h);
    return h->ok && EVP_DigestFinal_ex(h->md, out, &n) == 1 && n == 32;
}

int jwt_cache_key_end(request_rec *r, jwt_hash_t *h, unsigned char out[32])
{
    jwt_conn_t *cs = jwt_conn(r);       /* made by jwt_cache_key_begin */
    int whole = !h->streaming;          /* buf holds all of the input */
    size_t n = h->n;

    if (whole && cs->memo.used && cs->memo_in_len != 0 && cs->memo_in_len == n
        && memcmp(cs->memo_in, h->buf, n) == 0)
        memcpy(out, cs->memo.key, 32); /* the memo's own input: its key, no digest */
    else if (!jwt_cache_hash_end(h, out))
        return 0;
    h->n = whole ? n : 0;              /* the digest's flush emptied it; the bytes stay */
    memcpy(cs->key_digest, out, 32);
    cs->key_digest_valid = whole;
    return 1;
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

/* The hit from a slot (the shared table's, under its lock, or the memo). */
static void hit_from_slot(request_rec *r, const slot_t *s, jwt_cache_hit_t *hit)
{
    /* payload, kid and typ copied into one allocation of r->pool (the slot may be reused
     * before the request's pool goes): one apr_palloc instead of three on every hit */
    size_t klen = s->has_kid ? strlen(s->kid) + 1 : 0, tlen = s->has_typ ? strlen(s->typ) + 1 : 0;
    char *o = apr_palloc(r->pool, (apr_size_t)s->payload_len + 1 + klen + tlen);

    memcpy(o, s->payload, s->payload_len);
    o[s->payload_len] = '\0';
    hit->payload_json = o;
    o += s->payload_len + 1;
    hit->kid = s->has_kid ? memcpy(o, s->kid, klen) : NULL;
    o += klen;
    hit->typ = s->has_typ ? memcpy(o, s->typ, tlen) : NULL;
    hit->has_cnf = s->has_cnf;
    hit->payload_len = s->payload_len;
    hit->payload_obj = NULL;
    hit->alg = (jwt_alg_t)s->alg;
    hit->valid_from = s->valid_from;
    hit->expires = s->expires;
    memcpy(hit->versions, s->versions, 32);
}

int jwt_cache_get(request_rec *r, const unsigned char key[32], apr_int64_t now,
                  jwt_cache_hit_t *hit)
{
    jwt_conn_t *cs = memo_of(r);
    apr_uint64_t set;
    slot_t *s;
    int found = 0;

    if (!cache_g.slots)
        return 0;
    if (cs && cs->memo.used && memcmp(cs->memo.key, key, 32) == 0) {
        if (now < cs->memo.expires && cs->memo_obj) {
            hit_from_slot(r, &cs->memo, hit);
            /* the request holds its own reference: a later request of this connection
             * may replace the memo while this one's claims are still in use */
            hit->payload_obj = jwt_json_pool_own(r->pool, json_object_get(cs->memo_obj));
            return 1;
        }
        memo_clear(cs);
    }
    set = set_of(key);
    lock_set(set);
    s = find_locked(set, key);
    if (s && now >= s->expires) {
        s->used = 0;                   /* never outlives the token's exp (+ leeway) */
    }
    else if (s) {
        s->ref = 1;
        hit_from_slot(r, s, hit);
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

/* Does t fit a slot? Bounded slots: bigger tokens are verified each time. */
static int slot_fits(const jwt_token_t *t)
{
    return t->payload_json && strlen(t->payload_json) <= JWT_CACHE_MAX_PAYLOAD
        && fits(t->kid, JWT_CACHE_MAX_KID) && fits(t->typ, JWT_CACHE_MAX_TYP);
}

static void fill_slot(slot_t *s, const unsigned char key[32], const jwt_token_t *t,
                      const unsigned char versions[32], apr_int64_t valid_from,
                      apr_int64_t expires, int has_cnf)
{
    size_t plen = strlen(t->payload_json);
    memcpy(s->key, key, 32);
    memcpy(s->versions, versions, 32);
    s->valid_from = valid_from;
    s->expires = expires;
    s->alg = (unsigned char)t->alg;
    s->has_kid = t->kid != NULL;
    s->has_typ = t->typ != NULL;
    s->has_cnf = has_cnf != 0;
    if (t->kid)
        memcpy(s->kid, t->kid, strlen(t->kid) + 1);
    if (t->typ)
        memcpy(s->typ, t->typ, strlen(t->typ) + 1);
    memcpy(s->payload, t->payload_json, plen);
    s->payload_len = (uint16_t)plen;
    s->ref = 0;                        /* earns its place on the first hit */
    s->used = 1;
}

void jwt_cache_memo(request_rec *r, const unsigned char key[32], const jwt_token_t *t,
                    const unsigned char versions[32], apr_int64_t valid_from,
                    apr_int64_t expires, int has_cnf)
{
    jwt_conn_t *cs = memo_of(r);

    if (!cs || !cache_g.slots || !t->payload)
        return;
    /* served from the memo: nothing new. Asked before slot_fits, whose three strlen calls
     * every memo hit (the same token again on the connection) would otherwise pay */
    if (cs->memo.used && cs->memo_obj == t->payload && memcmp(cs->memo.key, key, 32) == 0)
        return;
    if (!slot_fits(t))
        return;
    memo_clear(cs);
    fill_slot(&cs->memo, key, t, versions, valid_from, expires, has_cnf);
    cs->memo_obj = json_object_get(t->payload);
    if (cs->key_digest_valid && memcmp(cs->key_digest, key, 32) == 0) {
        /* this request's key input is the memo's: take the buffer (the key hash gets
         * the memo's old one to gather into next time) */
        unsigned char *buf = cs->memo_in;
        size_t cap = cs->memo_in_cap;
        cs->memo_in = cs->key.buf;
        cs->memo_in_cap = cs->key.cap;
        cs->memo_in_len = cs->key.n;
        cs->key.buf = buf;
        cs->key.cap = cap;
        cs->key.n = 0;
        cs->key_digest_valid = 0;
    }
}

void jwt_cache_put(request_rec *r, const unsigned char key[32], const jwt_token_t *t,
                   const unsigned char versions[32], apr_int64_t valid_from,
                   apr_int64_t expires, int has_cnf)
{
    apr_int64_t now = (apr_int64_t)apr_time_sec(r->request_time);
    apr_uint64_t set;

    if (!cache_g.slots || !slot_fits(t) || now >= expires)
        return;
    set = set_of(key);
    lock_set(set);
    fill_slot(victim_locked(set, key, now), key, t, versions, valid_from, expires, has_cnf);
    unlock_set(set);
    jwt_cache_memo(r, key, t, versions, valid_from, expires, has_cnf);
}

void jwt_cache_drop(request_rec *r, const unsigned char key[32])
{
    jwt_conn_t *cs = memo_of(r);
    apr_uint64_t set;
    slot_t *s;

    if (!cache_g.slots)
        return;
    if (cs && cs->memo.used && memcmp(cs->memo.key, key, 32) == 0)
        memo_clear(cs);
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
