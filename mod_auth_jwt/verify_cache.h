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

#endif
