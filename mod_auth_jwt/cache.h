/* cache.h -- the verified-token cache (issue 7): AuthJWTCacheSize.
 *
 * What it saves: the signature check, the header parse and the claim checks whose verdict
 * cannot change, of a token this process has already verified at the same location. What
 * it never skips: the time checks (exp, nbf, iat, a lifetime measured from now), made on
 * every hit against the request's own clock. An entry keeps the span of times in which
 * they pass (jwt_claims_window), so a hit compares two numbers; the other checks (iss,
 * aud, typ, required claims, claim types) depend only on the token's bytes and the
 * location's rules, and both are in the lookup key.
 *
 * Per process, not shared between children (decision, see cache.c): a fixed table of
 * AuthJWTCacheSize slots, calloc()ed once in child_init, 4-way set associative with a
 * CLOCK hand per set, guarded by striped mutexes. The request path makes no syscall and
 * allocates from r->pool, apart from the connection's state (made on its first request,
 * freed with it). In front of the table, per connection, a memo of the last token
 * verified on that connection with its parsed payload and its lookup key's input: the
 * usual repeat (one client, one token, one keep-alive connection) skips the table's lock,
 * the payload parse and, its key input being byte for byte the memo's, the key's SHA-256;
 * and, since it hands back the same parsed payload object, env_memo.c can reuse the
 * JWT_CLAIM_* variables made from it (that reuse is env's own, not the cache's). The memo
 * is keyed, checked and dropped exactly like a table entry.
 *
 * Lookup key: SHA-256 over the whole token and the location's identity and the
 * configuration generation. The identity is the section's number when the section was
 * made while the configuration was read (config.c), else what decides validity, by value
 * (static keyring, secrets watch, JWKS sources, algorithms, issuers, audiences, required
 * claims, typ, leeway, max lifetime, user claim): authn.c cache_key. Each entry also
 * carries the digest of the key VERSIONS it was verified with (secrets file content, JWKS
 * documents); a hit whose stored versions differ from the current ones is dropped and the
 * token verified again.
 */
#ifndef MOD_AUTH_JWT_CACHE_H
#define MOD_AUTH_JWT_CACHE_H

#include "httpd.h"
#include "http_config.h"
#include "jwt_jws.h"
#include <openssl/evp.h>

#define JWT_CACHE_DEFAULT_SIZE 10000
#define JWT_CACHE_MAX_SIZE 10000000
#define JWT_CACHE_MAX_PAYLOAD 1024      /* decoded payload bytes; bigger tokens not cached */
#define JWT_CACHE_MAX_KID 64
#define JWT_CACHE_MAX_TYP 32

const char *jwt_cmd_cache_size(cmd_parms *cmd, void *mconfig, const char *arg);

#define JWT_CACHE_CMDS \
    AP_INIT_TAKE1("AuthJWTCacheSize", jwt_cmd_cache_size, NULL, RSRC_CONF, \
        "entries of the per-process verified-token cache (default 10000, 0 disables); " \
        "main server config only")

/* What a hit gives back: enough to rebuild a jwt_token_t without the signature check.
 * Strings are r->pool copies. */
typedef struct {
    const char *payload_json;
    size_t payload_len;
    json_object *payload_obj;        /* the parsed payload when the hit came from this
                                        connection's memo (a reference owned by r->pool);
                                        NULL from the shared table: parse payload_json */
    apr_int64_t valid_from;          /* the token's time checks pass from this second ... */
    apr_int64_t expires;             /* ... until this one (exp + leeway, INT64_MAX without
                                        exp), when the entry ends: jwt_claims_window */
    jwt_alg_t alg;
    const char *kid;                 /* NULL when the token had none */
    const char *typ;                 /* NULL when the token had none */
    int has_cnf;                     /* the payload has a cnf member (noted at the put, so
                                        a hit asks json-c nothing for binding.c) */
    unsigned char versions[32];      /* key versions it was verified with */
} jwt_cache_hit_t;

int jwt_cache_enabled(void);

/* The connection's memo of the last token header parsed (jwt_json.h), or NULL: HTTP/2
 * streams, out of memory. */
jwt_header_memo_t *jwt_cache_header_memo(request_rec *r);

/* SHA-256 over several inputs, for the lookup key and the key-versions digest: begin
 * (NULL when the cache is off or the digest is unavailable), add any number of times,
 * end. Uses one digest context per connection (made on its first request) and buffers
 * the connection owns (grown to its tokens' size, so a few times per connection at most,
 * and freed with it). Inputs are gathered and handed to the digest together (a key is a
 * dozen small fields around the token, and each digest update has a fixed cost). The two
 * hashes share the context: one is ended before the other begins.
 *
 * The lookup key: jwt_cache_key_begin ... jwt_cache_key_end. Its input is kept whole, so
 * that when it is byte for byte the input of this connection's memo, the memo's key is
 * the answer without running the digest (a repeated token skips SHA-256). */
typedef struct jwt_hash_s jwt_hash_t;
jwt_hash_t *jwt_cache_key_begin(request_rec *r);
int jwt_cache_key_end(request_rec *r, jwt_hash_t *h, unsigned char out[32]);
jwt_hash_t *jwt_cache_hash_begin(request_rec *r);
void jwt_cache_hash_add(jwt_hash_t *h, const void *data, size_t len);
/* A string with its terminating NUL (so "ab","c" and "a","bc" differ); NULL as "\1". */
void jwt_cache_hash_str(jwt_hash_t *h, const char *s);
int jwt_cache_hash_end(jwt_hash_t *h, unsigned char out[32]);

/* 1 and *hit on a live entry (not past its expiry at now). */
int jwt_cache_get(request_rec *r, const unsigned char key[32], apr_int64_t now,
                  jwt_cache_hit_t *hit);

/* Remember a verified token. [valid_from, expires): the seconds since the epoch in which
 * its time checks pass (jwt_claims_window); the entry ends at expires. Silently skips what
 * does not fit. */
void jwt_cache_put(request_rec *r, const unsigned char key[32], const jwt_token_t *t,
                   const unsigned char versions[32], apr_int64_t valid_from,
                   apr_int64_t expires, int has_cnf);

/* Remember t as this connection's last verified token (the memo: see cache.c), after a
 * hit from the shared table was validated. jwt_cache_put does it for fresh tokens. */
void jwt_cache_memo(request_rec *r, const unsigned char key[32], const jwt_token_t *t,
                    const unsigned char versions[32], apr_int64_t valid_from,
                    apr_int64_t expires, int has_cnf);

/* Drop the entry for key, if any (its keys changed), from the table and the memo. */
void jwt_cache_drop(request_rec *r, const unsigned char key[32]);

void jwt_cache_register_hooks(apr_pool_t *p);

#endif
