/* jwt_expiry.h -- what in a configured key file or secrets file will need renewing:
 * the notAfter of each X.509 certificate (PEM CERTIFICATE blocks; the first, leaf, entry
 * of each x5c of a JWK or JWK Set) and the created time of each secret that still
 * verifies. Read at config time and once a day by the module (expiry_watch.c); never
 * on the request path.
 */
#ifndef JWT_EXPIRY_H
#define JWT_EXPIRY_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "jwt_err.h"

typedef struct {
    const char *what;      /* "certificate CN=...", "secret kid \"k1\"" (pool string) */
    int64_t when;          /* certificates: notAfter; secrets: created (Unix seconds) */
} jwt_expiry_item_t;

/* Append one item per certificate found in the file at path (a key file: PEM, JWK or
 * JWK Set; a file without certificates appends nothing). Errors: JWT_ERR_IO, and a
 * certificate or x5c entry that does not parse (JWT_ERR_KEY_INVALID). */
jwt_code_t jwt_expiry_certificates(apr_pool_t *p, const char *path, apr_array_header_t *items,
                                   jwt_err_t *err);

/* Append one item per secret of the secrets file that has a created time and still
 * verifies (status active or verify). */
jwt_code_t jwt_expiry_secrets(apr_pool_t *p, const char *path, apr_array_header_t *items,
                              jwt_err_t *err);

#endif
