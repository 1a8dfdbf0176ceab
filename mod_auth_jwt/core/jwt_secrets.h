/* jwt_secrets.h -- the shared-secrets file that the admin page manages and the module reads.
 *
 * Format: any RFC 7517 JWK Set of "oct" keys. Every member but "k" and "kty" is optional:
 *   {"keys":[{"kty":"oct","kid":"k1","k":"<b64url>"}]}                       (a plain JWKS)
 *   {"keys":[{"kty":"oct","kid":"k1","alg":"HS256","k":"<b64url>","use":"sig",
 *             "status":"active","created":1764331200}]}                    (as the admin writes it)
 * alg: one of HS256/HS384/HS512 binds the key to it; absent, the key is bound to every HS
 *   algorithm its length allows (32 bytes: HS256; 48: HS256 HS384; 64: all three).
 * status: "active" (signs and verifies; at most one), "verify" (verifies only), "retired"
 *   (kept for the record, verifies nothing). Absent means "verify", except that the only
 *   key of a file with no "active" key is the one that signs.
 * key_ops: when present, a key without "verify" verifies nothing, one without "sign" never
 *   signs (and cannot be "active").
 * created: NumericDate, for display; optional.
 * Any other member (key or set level) is kept verbatim through every rewrite.
 * Encryption keys: an "oct" entry with "use":"enc", or an "alg" naming a JWE key
 *   management or content algorithm (A128KW, dir, A256GCM...), is not an HMAC secret: it
 *   never signs or verifies, edits do not see it, rewrites keep it as it was, and it
 *   decrypts dir / AES key wrap JWEs (jwt_secrets_add_to_jwe_keyring, jwt_secrets_enc.c).
 *
 * Writes are atomic and serialised: an exclusive lock on PATH.lock (never a symlink),
 * re-read, version check, write PATH.tmp.XXXXXX in the same folder with the old file's
 * owner, group and mode, fsync, rename over PATH, fsync the folder. A crash at any point
 * leaves the old file whole; a failed write removes its temp file.
 */
#ifndef JWT_SECRETS_H
#define JWT_SECRETS_H

#include <stdint.h>
#include <sys/types.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "jwt_err.h"
#include "jwt_key.h"
#include "jwt_jwe_key.h"

typedef enum { JWT_SECRET_ACTIVE, JWT_SECRET_VERIFY, JWT_SECRET_RETIRED } jwt_secret_status_t;

typedef struct {
    const char *kid;               /* NULL when the file gives none */
    jwt_alg_t alg;                 /* the file's "alg"; meaningful only when has_alg */
    int has_alg;
    jwt_algset_t algs;             /* what it signs/verifies: {alg}, or all HS its length allows */
    jwt_secret_status_t status;    /* effective status (see above for the defaults) */
    int has_status;                /* 0: "status" absent in the file */
    int64_t created;               /* meaningful only when has_created */
    int has_created;
    int can_verify, can_sign;      /* from "key_ops" (both 1 when absent) */
    const unsigned char *k;
    size_t k_len;
    const char *extra;             /* other members, serialised: ",\"x\":1,..." or "" */
} jwt_secret_t;

typedef struct {
    apr_array_header_t *secrets;   /* jwt_secret_t */
    const char *version;           /* hex SHA-256 of the file's bytes; "" for a missing file */
    const char *extra;             /* set-level members other than "keys", as in jwt_secret_t */
    apr_array_header_t *enc_keys;  /* const char *: encryption keys ("use":"enc" or a JWE
                                      "alg"), their JSON verbatim; NULL when none. Never
                                      HMAC secrets; kept by every rewrite (jwt_secrets_enc.c) */
} jwt_secrets_t;

/* Read and validate the file. A missing file is an empty set (version ""), other errors
 * fail. Every key is checked as jwt_key_from_secret would (length minimum). */
jwt_code_t jwt_secrets_load(apr_pool_t *p, const char *path, jwt_secrets_t **out,
                            jwt_err_t *err);

/* Keys for verification (active + verify; retired and key_ops without "verify" excluded),
 * source "secrets:PATH". */
jwt_code_t jwt_secrets_add_to_keyring(const jwt_secrets_t *s, const char *path,
                                      jwt_keyring_t *ring, jwt_err_t *err);

/* The encryption keys (enc_keys) as decryption keys for dir / AES key wrap, source
 * "secrets:PATH". *count (may be NULL) gets how many. */
jwt_code_t jwt_secrets_add_to_jwe_keyring(const jwt_secrets_t *s, const char *path,
                                          jwt_jwe_keyring_t *ring, int *count, jwt_err_t *err);

/* The key that signs: the "active" one, else the only key of the file when it has no
 * "status" (and key_ops permits "sign"). JWT_ERR_NO_KEY, with a message that says to mark
 * one "active", when there is none. */
jwt_code_t jwt_secrets_active_key(apr_pool_t *p, const jwt_secrets_t *s, const char *path,
                                  jwt_key_t **out, jwt_err_t *err);

/* Change the file under the lock. fn edits the freshly-read set in place and returns
 * JWT_OK to write, anything else to abort (the file is untouched). When expected_version
 * is non-NULL and differs from the file's current version -> JWT_ERR_CONFLICT, nothing
 * written. mode: file mode when the file is created (e.g. 0640); a rewritten file keeps
 * its own owner, group and mode (JWT_ERR_IO, nothing written, when the owner cannot be
 * kept). Keys the file gave no "status" / "created" get them on this first write
 * ("created" = now); their "alg" stays absent. *new_version (may be NULL). */
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

/* "kid X" or "key #N" (no kid), for messages. */
const char *jwt_secret_label(apr_pool_t *p, const jwt_secrets_t *s, const jwt_secret_t *sec);

/* Short SHA-256 fingerprint of a secret for display (first 16 hex chars). */
const char *jwt_secret_fingerprint(apr_pool_t *p, const jwt_secret_t *sec);

#endif
