/* jwt_secrets.h -- the shared-secrets file that the admin page manages and the module reads.
 *
 * Format: a JWKS of oct keys with two extra members per key:
 *   {"keys":[{"kty":"oct","kid":"k1","alg":"HS256","k":"<b64url>","use":"sig",
 *             "status":"active","created":1764331200}]}
 * status: "active" (signs and verifies; at most one), "verify" (verifies only),
 * "retired" (kept for the record, verifies nothing).
 *
 * Writes are atomic and serialised: an exclusive lock on PATH.lock, re-read, version check,
 * write PATH.tmp.XXXXXX in the same folder, fsync, rename over PATH, fsync the folder.
 * A crash at any point leaves the old file whole.
 */
#ifndef JWT_SECRETS_H
#define JWT_SECRETS_H

#include <stdint.h>
#include <sys/types.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "jwt_err.h"
#include "jwt_key.h"

typedef enum { JWT_SECRET_ACTIVE, JWT_SECRET_VERIFY, JWT_SECRET_RETIRED } jwt_secret_status_t;

typedef struct {
    const char *kid;
    jwt_alg_t alg;
    jwt_secret_status_t status;
    int64_t created;
    const unsigned char *k;
    size_t k_len;
} jwt_secret_t;

typedef struct {
    apr_array_header_t *secrets;   /* jwt_secret_t */
    const char *version;           /* hex SHA-256 of the file's bytes; "" for a missing file */
} jwt_secrets_t;

/* Read and validate the file. A missing file is an empty set (version ""), other errors
 * fail. Every key is checked as jwt_key_from_secret would (length minimum). */
jwt_code_t jwt_secrets_load(apr_pool_t *p, const char *path, jwt_secrets_t **out,
                            jwt_err_t *err);

/* Keys for verification (active + verify; retired excluded), source "secrets:PATH". */
jwt_code_t jwt_secrets_add_to_keyring(const jwt_secrets_t *s, const char *path,
                                      jwt_keyring_t *ring, jwt_err_t *err);

/* The active secret as a signing key, or JWT_ERR_NO_KEY. */
jwt_code_t jwt_secrets_active_key(apr_pool_t *p, const jwt_secrets_t *s, const char *path,
                                  jwt_key_t **out, jwt_err_t *err);

/* Change the file under the lock. fn edits the freshly-read set in place and returns
 * JWT_OK to write, anything else to abort (the file is untouched). When expected_version
 * is non-NULL and differs from the file's current version -> JWT_ERR_CONFLICT, nothing
 * written. mode: file mode for the new file (e.g. 0640). *new_version (may be NULL). */
typedef jwt_code_t (*jwt_secrets_edit_fn)(apr_pool_t *p, jwt_secrets_t *s, void *baton,
                                          jwt_err_t *err);
jwt_code_t jwt_secrets_update(apr_pool_t *p, const char *path, const char *expected_version,
                              mode_t mode, jwt_secrets_edit_fn fn, void *baton,
                              const char **new_version, jwt_err_t *err);

/* Helpers for edit functions. */
jwt_code_t jwt_secrets_generate(apr_pool_t *p, jwt_secrets_t *s, const char *kid,
                                jwt_alg_t alg, jwt_secret_status_t status, int64_t now,
                                const jwt_secret_t **created, jwt_err_t *err);
jwt_secret_t *jwt_secrets_find(jwt_secrets_t *s, const char *kid);
const char *jwt_secret_status_name(jwt_secret_status_t st);

/* Short SHA-256 fingerprint of a secret for display (first 16 hex chars). */
const char *jwt_secret_fingerprint(apr_pool_t *p, const jwt_secret_t *sec);

#endif
