/* verify_cache.h -- verify a token through the location's cache (verify_cache.c). */
#ifndef JWT_VERIFY_CACHE_H
#define JWT_VERIFY_CACHE_H

#include "dir_conf.h"

/* The single verification path for a location: the token cache first; then parse,
 * verify the signature with the location's key sources, validate the claims, and
 * remember the verified token. *used is NULL for a cache hit. */
jwt_code_t jwt_location_verify(request_rec *r, const jwt_dir_conf_t *conf,
                               const char *compact, size_t len, jwt_token_t **token,
                               const jwt_key_t **used, jwt_err_t *err);

/* A layer under the cache that opens the token first (the JWE stage, jwe_stage.c): the
 * cache is keyed by the whole outer token, so a hit skips the opening too. On a miss,
 * open() gives either the inner JWS to verify (*inner, *inner_len) or, for claims that a
 * shared secret already authenticated, a token to validate without a signature check
 * (*opened, with *inner NULL). A failure is its answer (err set, logged by open). */
typedef struct jwt_unwrap jwt_unwrap_t;
struct jwt_unwrap {
    jwt_code_t (*open)(request_rec *r, jwt_unwrap_t *u, const char **inner, size_t *inner_len,
                       jwt_token_t **opened, jwt_err_t *err);
    void *baton;
    /* the layer's rules, by value, for a section made at request time (cache_key) */
    const void *identity;
    unsigned int rules[3];
};

/* jwt_location_verify through an unwrapping layer (u may be NULL: the same as
 * jwt_location_verify). On success *has_cnf (when not NULL) says whether the verified
 * claims have a cnf member: noted in the cache entry at the put, so a hit gives it without
 * a json-c lookup (binding.c asks it of every token). */
jwt_code_t jwt_location_verify_unwrap(request_rec *r, const jwt_dir_conf_t *conf,
                                      const char *compact, size_t len, jwt_unwrap_t *u,
                                      jwt_token_t **token, const jwt_key_t **used,
                                      int *has_cnf, jwt_err_t *err);

#endif
