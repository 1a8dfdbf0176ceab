/* jwt_secrets_write.c -- rewriting the shared-secrets file: serialise, then replace it
 * atomically under a lock (see jwt_secrets.h for the sequence and its guarantees).
 *
 * The writer regenerates the file from the parsed set: the members it gives a meaning to
 * in a fixed order, then every other member exactly as it was read (jwt_secret_t.extra),
 * so a file written by another tool keeps all of its members. The new file gets the old
 * one's owner, group and mode: the admin page must never make the file unreadable to
 * httpd (a root:www-data 0640 file rewritten as cgi-user:cgi-user would be).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include "jwt_b64.h"
#include "jwt_secrets.h"
#include "jwt_secrets_int.h"

/* ---------- serialising ---------- */

static const char *json_string(apr_pool_t *p, const char *s)
{
    json_object *j = json_object_new_string(s);
    if (j == NULL)
        return NULL;
    const char *out = apr_pstrdup(p, json_object_to_json_string_ext(j,
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return out;
}

/* One key as the admin writes it. A key the file gave no "status" gets its effective one
 * (the default signer is written "active", so it keeps signing when keys are added) and
 * one without "created" gets now; a missing "alg" stays missing, because adding one would
 * narrow what the key verifies. */
static jwt_code_t serialise_key(apr_pool_t *p, const jwt_secret_t *sec, int64_t now,
                                const char **out, jwt_err_t *err)
{
    const char *kid = "";
    if (sec->kid != NULL) {
        const char *kid_json = json_string(p, sec->kid);
        if (kid_json == NULL)
            return JWT_ERR(err, JWT_ERR_IO, "out of memory serialising the secrets file");
        kid = apr_pstrcat(p, "\"kid\":", kid_json, ",", NULL);
    }
    const char *alg = sec->has_alg ? apr_pstrcat(p, "\"alg\":\"", jwt_alg_name(sec->alg), "\",",
                                                 NULL) : "";
    char *k64 = jwt_b64url_encode(p, sec->k, sec->k_len);
    jwt_wipe_at_end(p, k64, strlen(k64));
    char *line = apr_psprintf(p, "{\"kty\":\"oct\",%s%s\"k\":\"%s\",\"use\":\"sig\",\"status\":"
                              "\"%s\",\"created\":%" APR_INT64_T_FMT "%s}", kid, alg, k64,
                              jwt_secret_status_name(sec->status),
                              (apr_int64_t)(sec->has_created ? sec->created : now),
                              sec->extra ? sec->extra : "");
    jwt_wipe_at_end(p, line, strlen(line));
    *out = line;
    return JWT_OK;
}

/* Deterministic, one key per line, so diffs of the file stay readable. */
static jwt_code_t serialise(apr_pool_t *p, const jwt_secrets_t *s, const char **out,
                            size_t *outlen, jwt_err_t *err)
{
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    apr_array_header_t *parts = apr_array_make(p, s->secrets->nelts * 2 + 3, sizeof(char *));
    int64_t now = (int64_t)time(NULL);
    if (now < 0 || now >= SECRETS_MAX_CREATED)
        now = 0;
    *(const char **)apr_array_push(parts) = "{\"keys\":[";
    for (int i = 0; i < s->secrets->nelts; i++) {
        const char *key = NULL;
        jwt_code_t rc = serialise_key(p, &all[i], now, &key, err);
        if (rc != JWT_OK)
            return rc;
        *(const char **)apr_array_push(parts) = i ? ",\n  " : "\n  ";
        *(const char **)apr_array_push(parts) = key;
    }
    /* encryption keys: the admin's edits never touch them, written back as read */
    for (int i = 0; s->enc_keys && i < s->enc_keys->nelts; i++) {
        *(const char **)apr_array_push(parts) = (i || s->secrets->nelts) ? ",\n  " : "\n  ";
        *(const char **)apr_array_push(parts) = APR_ARRAY_IDX(s->enc_keys, i, const char *);
    }
    *(const char **)apr_array_push(parts) = (s->secrets->nelts || (s->enc_keys && s->enc_keys->nelts))
        ? "\n]" : "]";
    *(const char **)apr_array_push(parts) = apr_pstrcat(p, s->extra ? s->extra : "", "}\n", NULL);
    char *text = apr_array_pstrcat(p, parts, '\0');
    jwt_wipe_at_end(p, text, strlen(text));
    *out = text;
    *outlen = strlen(text);
    return JWT_OK;
}

/* ---------- replacing ---------- */

static jwt_code_t write_all(int fd, const char *buf, size_t len, const char *tmp, jwt_err_t *err)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: write failed: %s", tmp,
                           n < 0 ? strerror(errno) : "no progress");
        buf += n;
        len -= (size_t)n;
    }
    return JWT_OK;
}

/* Test hook, read only by the writer: JWT_SECRETS_TEST_PAUSE_MS=N sleeps N ms after half
 * of the temp file is written, so a test can SIGKILL a writer mid-write and prove that the
 * old file survives. Capped at 10 s; ignored when malformed. */
static void test_pause(void)
{
    const char *v = getenv("JWT_SECRETS_TEST_PAUSE_MS");
    if (v == NULL || *v == '\0')
        return;
    char *end = NULL;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || ms <= 0 || ms > 10000)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *dir_of(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return ".";
    if (slash == path)
        return "/";
    return apr_pstrmemdup(p, path, (apr_size_t)(slash - path));
}

/* The directory entry is what rename changed: sync it so the new name survives a crash. */
static jwt_code_t fsync_dir(apr_pool_t *p, const char *path, jwt_err_t *err)
{
    const char *dir = dir_of(p, path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets folder %s: cannot open: %s", dir, strerror(errno));
    int rc = fsync(dfd);
    int saved = errno;
    close(dfd);
    if (rc != 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets folder %s: fsync failed: %s", dir,
                       strerror(saved));
    return JWT_OK;
}

/* Write text to a new temp file beside path and rename it over path. */
static jwt_code_t replace_file(apr_pool_t *p, const char *path, const char *text, size_t len,
                               mode_t mode, jwt_err_t *err)
{
    /* The file being replaced decides owner, group and mode; mode applies to a new file.
     * Bits for others are never carried over: a secrets file that was left world-readable
     * becomes owner/group-only on its first rewrite (and the rotated key is not exposed). */
    struct stat old;
    int have_old = stat(path, &old) == 0;
    mode_t want = have_old ? (old.st_mode & 0770) : mode;
    char *tmp = apr_pstrcat(p, path, ".tmp.XXXXXX", NULL);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: cannot create temp file: %s", path,
                       strerror(errno));
    jwt_code_t rc = JWT_OK;
    /* Owner first: a chown by a non-root process may clear mode bits, the chmod after it
     * sets them. Only attempted when it would change something, so a writer that owns
     * the file needs no privilege. */
    if (have_old && (old.st_uid != geteuid() || old.st_gid != getegid()) &&
        fchown(fd, old.st_uid, old.st_gid) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets file %s: cannot keep its owner %lu:%lu (this "
                     "process is %lu:%lu): %s; nothing written", path, (unsigned long)old.st_uid,
                     (unsigned long)old.st_gid, (unsigned long)geteuid(),
                     (unsigned long)getegid(), strerror(errno));
    if (rc == JWT_OK && fchmod(fd, want) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: chmod failed: %s", tmp, strerror(errno));
    if (rc == JWT_OK)
        rc = write_all(fd, text, len / 2, tmp, err);
    if (rc == JWT_OK) {
        test_pause();
        rc = write_all(fd, text + len / 2, len - len / 2, tmp, err);
    }
    if (rc == JWT_OK && fsync(fd) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: fsync failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == JWT_OK)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: close failed: %s", tmp, strerror(errno));
    if (rc == JWT_OK && rename(tmp, path) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets file %s: rename failed: %s", path, strerror(errno));
    if (rc != JWT_OK) {
        unlink(tmp);   /* a failed writer leaves nothing behind */
        return rc;
    }
    return fsync_dir(p, path, err);
}

/* Exclusive lock on PATH.lock (a separate file, because the data file itself is replaced
 * by rename and a lock on the old inode would not serialise the next writer). */
static jwt_code_t lock_exclusive(const char *lockpath, int *fd_out, jwt_err_t *err)
{
    /* O_NOFOLLOW: whoever can write the folder must not point the lock (opened O_CREAT,
     * possibly as root) at another file. */
    int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == ELOOP)
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s is a symbolic link: refused", lockpath);
    if (fd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s: cannot open: %s", lockpath,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s: not a regular file: refused", lockpath);
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        int saved = errno;
        close(fd);
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s: flock failed: %s", lockpath,
                       strerror(saved));
    }
    *fd_out = fd;
    return JWT_OK;
}

/* Everything that happens while the lock is held. */
static jwt_code_t update_locked(apr_pool_t *p, const char *path, const char *expected_version,
                                mode_t mode, jwt_secrets_edit_fn fn, void *baton,
                                const char **new_version, jwt_err_t *err)
{
    jwt_secrets_t *s = NULL;
    jwt_code_t rc = jwt_secrets_load(p, path, &s, err);
    if (rc != JWT_OK)
        return rc;
    if (expected_version != NULL && strcmp(expected_version, s->version) != 0)
        return JWT_ERR(err, JWT_ERR_CONFLICT, "secrets file %s changed since it was read "
                       "(reload and try again)", path);
    rc = fn(p, s, baton, err);
    if (rc != JWT_OK)
        return rc;
    const char *text = NULL;
    size_t len = 0;
    if ((rc = serialise(p, s, &text, &len, err)) != JWT_OK)
        return rc;
    /* Re-parse what we are about to write: an edit can never produce a file the module
     * would refuse (two active keys, a duplicate kid, a short secret). */
    jwt_secrets_t *check = NULL;
    if ((rc = jwt_secrets_from_bytes(p, text, len, 0, path, &check, err)) != JWT_OK)
        return rc;
    if ((rc = replace_file(p, path, text, len, mode, err)) != JWT_OK)
        return rc;
    if (new_version)
        *new_version = check->version;
    return JWT_OK;
}

jwt_code_t jwt_secrets_update(apr_pool_t *p, const char *path, const char *expected_version,
                              mode_t mode, jwt_secrets_edit_fn fn, void *baton,
                              const char **new_version, jwt_err_t *err)
{
    if (p == NULL || path == NULL || *path == '\0' || fn == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_update: missing argument");
    /* Secrets are never for "other": 0600 or 0640 (group = the httpd user) are the norm. */
    if ((mode & ~(mode_t)0770) != 0)
        return JWT_ERR(err, JWT_ERR_ARG, "secrets file %s: mode %o refused (bits for others or "
                       "special bits set)", path, (unsigned)mode);
    int lockfd = -1;
    jwt_code_t rc = lock_exclusive(apr_pstrcat(p, path, ".lock", NULL), &lockfd, err);
    if (rc != JWT_OK)
        return rc;
    rc = update_locked(p, path, expected_version, mode, fn, baton, new_version, err);
    close(lockfd);   /* releases the flock */
    return rc;
}
