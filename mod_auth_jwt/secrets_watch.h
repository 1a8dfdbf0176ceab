/* secrets_watch.h -- AuthJWTSecretsFile: the admin-managed HMAC secrets, reloaded when the
 * file changes, without a restart and without a stat storm.
 *
 * One watch per path per process (shared by every section that names the path). The keys
 * live in a refcounted snapshot in its own pool; a request pins the snapshot it verified
 * with until its pool is cleared, so a reload never frees a key that is in use. The file
 * is stat()ed at most once per second per process, under the watch's mutex, so requests
 * that arrive during a check wait for its verdict (microseconds; a reload, only on change,
 * takes a few milliseconds). A file that turns broken keeps the last good keys.
 */
#ifndef JWT_SECRETS_WATCH_H
#define JWT_SECRETS_WATCH_H

#include "httpd.h"
#include "http_config.h"
#include "jwt_key.h"
#include "jwt_jwe_key.h"
#include "key_source.h"

typedef struct jwt_secrets_watch jwt_secrets_watch_t;

typedef struct {
    jwt_keyring_t *ring;          /* verification keys (active + verify) */
    const jwt_key_t *active;      /* the active secret as a signing key, or NULL */
    const char *version;          /* hex SHA-256 of the file ("" when missing) */
    jwt_jwe_keyring_t *jwe_ring;  /* its encryption keys (dir / AES key wrap), never NULL */
} jwt_secrets_view_t;

/* Config time: the watch for path (resolved already), created and loaded on first use.
 * Returns NULL or an error string naming the file and the reason. */
const char *jwt_secrets_watch_get(cmd_parms *cmd, const char *path, jwt_secrets_watch_t **out);

/* Request time: the current keys, pinned until r->pool is cleared. Checks the file when
 * the last check is a second old or more. Never NULL. */
const jwt_secrets_view_t *jwt_secrets_watch_acquire(jwt_secrets_watch_t *w, request_rec *r);

const char *jwt_secrets_watch_path(const jwt_secrets_watch_t *w);

/* Config time (the keys as loaded then): NULL when the file has a key to sign with or does
 * not exist yet, else the reason ("... mark one \"active\""). */
const char *jwt_secrets_watch_signing_problem(const jwt_secrets_watch_t *w);

/* Config time: the signing key as loaded then, or NULL. */
const jwt_key_t *jwt_secrets_watch_signing_key(const jwt_secrets_watch_t *w);

/* Config time only (configtest checks, config_check.c): the keys as loaded by the setter,
 * unpinned; NULL if none. Never call it while requests are served. */
const jwt_secrets_view_t *jwt_secrets_watch_loaded(const jwt_secrets_watch_t *w);

/* Seconds between stat() calls of one process. */
#define JWT_SECRETS_CHECK_INTERVAL apr_time_from_sec(1)

/* The secrets file as a key source (key_source.h; registered in signature.c). */
extern const jwt_key_source_t jwt_source_secrets;

#endif
