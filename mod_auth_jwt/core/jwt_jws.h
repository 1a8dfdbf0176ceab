/* jwt_jws.h -- JWS compact serialization: parse, verify, sign.
 *
 * Parsing is strict and cheap-first: the length cap is applied before any work; exactly
 * three non-empty-header segments; strict base64url; header and payload are JSON objects
 * with limits. Header rules: alg required and known ("none" never), crit may only name
 * parameters we understand (we understand none, so any crit fails), b64:false fails,
 * kid/typ/cty must be strings. jwk/jku/x5u/x5c are never used to find a key (RFC 8725
 * 3.10): they are ignored for key selection and reported by the admin page.
 *
 * The verifier is chosen from the key, never from the header alone: a key verifies only
 * with an alg in (key->algs & allowed), so an HS256 token can never be checked with an
 * RSA public key's bytes as an HMAC secret.
 */
#ifndef JWT_JWS_H
#define JWT_JWS_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "jwt_err.h"
#include "jwt_alg.h"
#include "jwt_key.h"
#include "jwt_json.h"

#define JWT_DEFAULT_MAX_TOKEN_LEN 8000

/* A memo of the last protected header that passed every header check (jwt_jws_memo.c):
 * tokens from one issuer and key share it byte for byte, so a parse that finds the same
 * encoded header under the same JSON limits takes the checked result instead of decoding,
 * parsing and checking it again. Not thread-safe: each memo belongs to one connection or
 * thread at a time. */
typedef struct jwt_header_memo_s jwt_header_memo_t;
jwt_header_memo_t *jwt_header_memo_new(void);           /* NULL when out of memory */
void jwt_header_memo_free(jwt_header_memo_t *memo);     /* NULL is a no-op; tokens parsed
                                                           with it stay valid */

typedef struct {
    size_t max_token_len;       /* 0 = JWT_DEFAULT_MAX_TOKEN_LEN */
    jwt_json_limits_t json;     /* for header and payload */
    int payload_any;            /* 1: the payload need not be JSON (generic JWS, test
                                   vectors); t->payload is then NULL. 0 (default): a JWT,
                                   the payload must be a JSON object. */
    jwt_header_memo_t *header_memo; /* optional: remembers the last header that passed its
                                   checks (below); for a caller that sees many tokens
                                   with one header on one connection or thread */
} jwt_parse_opts_t;

typedef struct {
    const char *compact;        /* pool copy of the token */
    size_t signing_input_len;   /* bytes of "header.payload" at compact[0..] */
    unsigned char *sig;         /* decoded signature */
    size_t sig_len;
    json_object *header;        /* owned by the pool */
    json_object *payload;       /* owned by the pool */
    const char *header_json;    /* decoded header text (NUL-terminated) */
    const char *payload_json;   /* decoded payload text */
    jwt_alg_t alg;
    const char *alg_name;       /* as written in the header */
    const char *kid;            /* NULL if absent */
    const char *typ;            /* NULL if absent */
} jwt_token_t;

/* Parse (does not verify). opts may be NULL for defaults. */
jwt_code_t jwt_token_parse(apr_pool_t *p, const char *compact, size_t len,
                           const jwt_parse_opts_t *opts, jwt_token_t **out, jwt_err_t *err);

/* Verify t's signature with a key from ring. allowed: the location's allow-list.
 * Key selection: with a kid, only keys of that kid (none -> JWT_ERR_UNKNOWN_KID);
 * without, each key whose algs include t->alg. A key bound to an issuer is only used
 * when the payload's iss equals it exactly. *used (may be NULL) gets the key that
 * verified. Errors: ALG_NOT_ALLOWED, UNKNOWN_KID, NO_KEY, SIGNATURE. */
jwt_code_t jwt_token_verify(const jwt_token_t *t, const jwt_keyring_t *ring,
                            jwt_algset_t allowed, const jwt_key_t **used, jwt_err_t *err);

/* Primitive: verify sig over data with key and alg (alg must be in key->algs).
 * ECDSA signatures are raw R||S of exact length with r, s in [1, n-1]; EdDSA with
 * the key's curve; PSS with MGF1(same hash) and salt = hash length. HMAC compared in
 * constant time, full-length tags only. Errors: SIGNATURE (does not verify, wrong
 * length, r/s out of range), KEY_USAGE (alg not bound to the key, key may not verify, or
 * key type does not fit the alg), CRYPTO (OpenSSL failed internally). */
jwt_code_t jwt_verify_raw(jwt_alg_t alg, const jwt_key_t *key,
                          const unsigned char *data, size_t len,
                          const unsigned char *sig, size_t sig_len, jwt_err_t *err);

/* Primitive: sign. *sig is pool memory. ECDSA output is raw R||S. KEY_USAGE when the
 * key has no private part (or key_ops forbid "sign") or is not bound to alg. */
jwt_code_t jwt_sign_raw(apr_pool_t *p, jwt_alg_t alg, const jwt_key_t *key,
                        const unsigned char *data, size_t len,
                        unsigned char **sig, size_t *sig_len, jwt_err_t *err);

/* Sign a compact JWS. Header = {"alg", "kid" (when key has one), "typ" (when typ
 * non-NULL)}. payload is serialised as is. *out is a pool string. */
jwt_code_t jwt_sign_compact(apr_pool_t *p, jwt_alg_t alg, const jwt_key_t *key,
                            const char *typ, json_object *payload, char **out,
                            jwt_err_t *err);

#endif
