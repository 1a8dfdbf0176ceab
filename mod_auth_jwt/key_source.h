/* key_source.h -- what a key source is to the verifier (signature.c) and to the token
 * cache (verify_cache.c): the one interface static key files (source_files.c), the
 * secrets file (secrets_watch.c) and remote JWKS (jwks.c) implement.
 *
 * A kind is a const jwt_key_source_t defined in its own unit and named once in
 * signature.c's table (the registration line); nothing else knows the kinds. What a
 * source acquires for a request (a keyring view, a pinned JWKS keyring) is released by
 * the request pool's cleanups, so there is no release call to forget.
 */
#ifndef JWT_KEY_SOURCE_H
#define JWT_KEY_SOURCE_H

#include "dir_conf.h"

/* One version item: bytes that change whenever the keys behind them change. */
typedef struct {
    const void *data;
    size_t len;
} jwt_key_version_t;

typedef struct jwt_key_source {
    const char *name;                 /* for logs and explanations */
    /* Tried after every source that does not fetch, and only when those could not decide
     * (no source knew the token's kid and refused the signature, or the token has no
     * kid): a source that may go to the network never runs for a token a local key
     * already refused. Ties in the failure rank go to it. */
    int fetches;
    /* Is this source configured at the location? */
    int (*configured)(const jwt_dir_conf_t *conf);
    /* A config-time object standing for this source at the location (its part of the
     * cache key of a section made at request time); NULL when not configured. */
    const void *(*identity)(const jwt_dir_conf_t *conf);
    /* Verify t with this source's keys for this request (acquiring them, pinned for r).
     * JWT_OK with *used, or the token's fault, or JWT_ERR_FETCH with *retry_after when
     * the source has no usable keys (a server-side fault: 503). */
    jwt_code_t (*verify)(request_rec *r, const jwt_dir_conf_t *conf, const jwt_token_t *t,
                         const jwt_key_t **used, int *retry_after, jwt_err_t *err);
    /* The version of the keys that would verify a token of issuer iss (may be NULL) here
     * now: writes up to max items, returns how many, or -1 when there is no usable
     * answer (then the token is not cached). NULL: the keys change only with a restart. */
    int (*versions)(request_rec *r, const jwt_dir_conf_t *conf, const char *iss,
                    jwt_key_version_t *out, int max);
} jwt_key_source_t;

/* Verify t with one keyring (for sources that hold their keys as a keyring). */
jwt_code_t jwt_key_source_verify_ring(const jwt_keyring_t *ring, const jwt_dir_conf_t *conf,
                                      const jwt_token_t *t, const jwt_key_t **used,
                                      jwt_err_t *err);

#endif
