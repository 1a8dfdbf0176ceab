/* jwt_dpop.h -- DPoP proofs (RFC 9449 section 4.3): parse and verify one proof JWT
 * against the request it came with and the access token it presents. No httpd headers:
 * the glue (dpop.c) gathers the request's method, URL and token, and keeps the replay
 * store; everything that decides whether a proof is good is here. */
#ifndef JWT_DPOP_H
#define JWT_DPOP_H

#include <stddef.h>
#include <stdint.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "jwt_err.h"
#include "jwt_alg.h"

#define JWT_DPOP_MAX_PROOF 4096   /* a proof with an RSA-4096 jwk is about 1.5 KB */
#define JWT_DPOP_MAX_JTI 128

/* A memo of the last proof key one connection presented. A client signs every proof with
 * the same key, so every proof it sends has the same protected header byte for byte
 * (typ, alg, jwk): importing and checking the jwk (the EC public check alone is a scalar
 * multiplication) and its thumbprint were more than half of a proof's cost. The key and
 * thumbprint are a function of the encoded header alone, so the memo keyed on exactly
 * those bytes hands them out again; the signature, the claims and the jkt comparison are
 * checked on every proof as before. Not thread-safe: one per connection. */
typedef struct jwt_dpop_memo_s jwt_dpop_memo_t;

/* Made in parent and freed with it (the key it holds lives in a subpool, replaced when
 * another key comes). NULL without memory. */
jwt_dpop_memo_t *jwt_dpop_memo_make(apr_pool_t *parent);

typedef struct {
    const char *method;           /* the request's method, compared exactly (RFC 9110 9.1) */
    const char *url;              /* the request's absolute URL; query ignored */
    const char *access_token;     /* the DPoP-bound token presented with the proof */
    size_t token_len;
    const char *jkt;              /* the token's cnf.jkt */
    jwt_algset_t algs;            /* allowed proof algorithms: symmetric ones never count */
    int64_t now;                  /* seconds */
    int64_t max_age;              /* iat no older than now - max_age - leeway */
    int64_t leeway;               /* ... and no newer than now + leeway */
    jwt_dpop_memo_t *memo;        /* optional: the connection's proof-key memo */
} jwt_dpop_req_t;

typedef struct {
    const char *jti;              /* for the replay check */
    int64_t iat;
    const char *jkt;              /* RFC 7638 thumbprint of the proof's jwk */
    const char *nonce;            /* its nonce claim (RFC 9449 8), NULL when absent */
} jwt_dpop_proof_t;

/* A server nonce (RFC 9449 8) that needs no state: base64url of the first 16 bytes of
 * HMAC-SHA256(key, "dpop-nonce" || period number), in pool memory; NULL on failure. */
const char *jwt_dpop_nonce(apr_pool_t *p, const unsigned char *key, size_t keylen,
                           int64_t period);

/* Is nonce the one of period or of the period before (constant time)? */
int jwt_dpop_nonce_ok(apr_pool_t *p, const unsigned char *key, size_t keylen, int64_t period,
                      const char *nonce);

/* JWT_OK with *out filled, or why the proof is refused (the message names the check). */
jwt_code_t jwt_dpop_verify(apr_pool_t *p, const char *proof, size_t len,
                           const jwt_dpop_req_t *req, jwt_dpop_proof_t *out, jwt_err_t *err);

/* An http(s) URL as RFC 9449 4.3 compares htu: scheme and host lower case, the scheme's
 * default port removed, an empty path "/", percent-encodings upper case and unreserved
 * ones decoded (RFC 3986 6.2.2), query and fragment dropped. NULL when url is not an
 * absolute http or https URL with a host. */
const char *jwt_dpop_htu(apr_pool_t *p, const char *url);

/* The asymmetric algorithms of set: what a proof may use, and what algs="..." lists. */
jwt_algset_t jwt_dpop_algs(jwt_algset_t set);

/* The token's cnf.jkt, or NULL when absent or not a non-empty string. */
const char *jwt_dpop_token_jkt(json_object *claims);

#endif
