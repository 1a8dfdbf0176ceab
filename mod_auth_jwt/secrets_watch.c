/* secrets_watch.c -- AuthJWTSecretsFile reloads (see secrets_watch.h for the contract).
 *
 * Thread safety: one mutex per watch guards everything in it: `current`, the refcounts,
 * `next_check` and the last_* file identity. The once-a-second stat() (and a reload when
 * the file changed) run under it. Snapshots live in unmanaged pools (safe to create from
 * any thread) and are destroyed, outside the mutex, when their last reference goes: the
 * watch holds one for `current`, each request one for the snapshot it uses.
 */
#include "dir_conf.h"
#include "secrets_watch.h"
#include "jwt_secrets.h"
#include "metrics.h"
#include "expiry_watch.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_thread_mutex.h>

typedef struct snapshot {
    jwt_secrets_view_t view;
    const char *no_signer;           /* why an existing file has no key to sign with, or NULL */
    apr_pool_t *pool;                /* owns the view, the keys and this struct */
    unsigned refs;
} snapshot_t;

struct jwt_secrets_watch {
    const char *path;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    snapshot_t *current;
    apr_time_t next_check;
    /* identity of the file at the last check */
    int last_exists;
    apr_time_t last_mtime, last_ctime;
    apr_off_t last_size;
    apr_ino_t last_inode;
};

typedef struct {
    jwt_secrets_watch_t *watch;
    snapshot_t *snap;
} pin_t;

#define WATCH_REGISTRY_KEY "mod_auth_jwt:secrets_watches"

static void watch_lock(jwt_secrets_watch_t *w)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(w->mutex);
#endif
}

static void watch_unlock(jwt_secrets_watch_t *w)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(w->mutex);
#endif
}

/* Drop one reference (mutex held). Returns the snapshot when it must be destroyed, which
 * the caller does after unlocking. */
static snapshot_t *unref_locked(snapshot_t *s)
{
    if (s && --s->refs == 0)
        return s;
    return NULL;
}

static void destroy_snapshot(snapshot_t *s)
{
    if (s)
        apr_pool_destroy(s->pool);
}

static jwt_code_t build_snapshot(const char *path, snapshot_t **out, jwt_err_t *err)
{
    apr_pool_t *p;
    jwt_secrets_t *secrets = NULL;
    jwt_key_t *active = NULL;
    snapshot_t *s;
    jwt_err_t why;
    jwt_code_t rc;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_IO, "out of memory");
    s = apr_pcalloc(p, sizeof(*s));
    s->pool = p;
    s->refs = 1;
    s->view.ring = jwt_keyring_make(p);
    s->view.jwe_ring = jwt_jwe_keyring_make(p);
    rc = jwt_secrets_load(p, path, &secrets, err);
    if (rc == JWT_OK)
        rc = jwt_secrets_add_to_keyring(secrets, path, s->view.ring, err);
    if (rc == JWT_OK)                  /* "use":"enc" entries: the JWE stage's shared secrets */
        rc = jwt_secrets_add_to_jwe_keyring(secrets, path, s->view.jwe_ring, NULL, err);
    if (rc != JWT_OK) {
        apr_pool_destroy(p);
        return rc;
    }
    /* no signing key is normal for a verify-only location; a login location refuses it at
     * config time (jwt_secrets_watch_signing_problem) */
    jwt_err_clear(&why);
    if (jwt_secrets_active_key(p, secrets, path, &active, &why) == JWT_OK)
        s->view.active = active;
    else if (secrets->version && *secrets->version)
        s->no_signer = apr_pstrdup(p, why.message);
    s->view.version = secrets->version ? secrets->version : "";
    *out = s;
    return JWT_OK;
}

/* Record the file's identity; returns 1 when it differs from the last one seen. */
static int file_changed(jwt_secrets_watch_t *w, apr_pool_t *p)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, w->path, APR_FINFO_MTIME | APR_FINFO_CTIME |
                               APR_FINFO_SIZE | APR_FINFO_INODE, p);
    int exists = (rv == APR_SUCCESS || rv == APR_INCOMPLETE);
    int changed;

    if (!exists)
        memset(&fi, 0, sizeof(fi));
    changed = exists != w->last_exists || fi.mtime != w->last_mtime ||
              fi.ctime != w->last_ctime || fi.size != w->last_size || fi.inode != w->last_inode;
    w->last_exists = exists;
    w->last_mtime = fi.mtime;
    w->last_ctime = fi.ctime;
    w->last_size = fi.size;
    w->last_inode = fi.inode;
    return changed;
}

/* Mutex held. Returns a new snapshot, or NULL to keep the current
 * one (unchanged file, same content, or a broken file: the last good keys stay). */
static snapshot_t *check_file(jwt_secrets_watch_t *w, request_rec *r)
{
    snapshot_t *fresh = NULL;
    jwt_err_t err;

    if (!file_changed(w, r->pool))
        return NULL;
    jwt_err_clear(&err);
    jwt_metrics_secrets_reload(build_snapshot(w->path, &fresh, &err) == JWT_OK);
    if (!fresh) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0502)
                      "AuthJWTSecretsFile %s changed but cannot be loaded; keeping the last "
                      "good keys: %s", w->path, err.message);
        return NULL;
    }
    if (!strcmp(fresh->view.version, w->current->view.version)) {
        destroy_snapshot(fresh);
        return NULL;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0501)
                  "AuthJWTSecretsFile %s reloaded: %d verification key(s), %s active key",
                  w->path, jwt_keyring_count(fresh->view.ring),
                  fresh->view.active ? "an" : "no");
    return fresh;
}

static apr_status_t release_pin(void *data)
{
    pin_t *pin = data;
    snapshot_t *dead;

    watch_lock(pin->watch);
    dead = unref_locked(pin->snap);
    watch_unlock(pin->watch);
    destroy_snapshot(dead);
    return APR_SUCCESS;
}

const jwt_secrets_view_t *jwt_secrets_watch_acquire(jwt_secrets_watch_t *w, request_rec *r)
{
    apr_time_t now = r->request_time;
    pin_t *pin = apr_palloc(r->pool, sizeof(*pin));
    snapshot_t *snap, *fresh, *dead = NULL;

    watch_lock(w);
    /* The check runs under the mutex: a stat once a second (a reload only when the file
     * changed), and the requests that arrive meanwhile wait for its verdict instead of
     * racing ahead with keys that may just have been replaced. */
    if (now >= w->next_check) {
        w->next_check = now + JWT_SECRETS_CHECK_INTERVAL;
        fresh = check_file(w, r);
        if (fresh) {
            dead = unref_locked(w->current);    /* the watch's reference to the old one */
            w->current = fresh;                 /* takes fresh's initial reference */
        }
    }
    snap = w->current;
    snap->refs++;
    watch_unlock(w);
    destroy_snapshot(dead);

    pin->watch = w;
    pin->snap = snap;
    apr_pool_cleanup_register(r->pool, pin, release_pin, apr_pool_cleanup_null);
    return &snap->view;
}

static apr_status_t watch_cleanup(void *data)
{
    jwt_secrets_watch_t *w = data;
    snapshot_t *dead;

    watch_lock(w);
    dead = unref_locked(w->current);
    w->current = NULL;
    watch_unlock(w);
    destroy_snapshot(dead);
    return APR_SUCCESS;
}

static const char *create_watch(cmd_parms *cmd, const char *path, jwt_secrets_watch_t **out)
{
    jwt_secrets_watch_t *w = apr_pcalloc(cmd->pool, sizeof(*w));
    jwt_err_t err;

    w->path = path;
    /* identity first, content second: a change in between is seen at the next check */
    (void)file_changed(w, cmd->temp_pool);
    jwt_err_clear(&err);
    if (build_snapshot(path, &w->current, &err) != JWT_OK)
        return jwt_config_error(cmd, path, err.message);
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&w->mutex, APR_THREAD_MUTEX_DEFAULT, cmd->pool) != APR_SUCCESS) {
        destroy_snapshot(w->current);
        return "AuthJWTSecretsFile: cannot create a mutex";
    }
#endif
    /* the mutex is a pool resource of cmd->pool too: register after it so this cleanup
     * (run in reverse order) still finds the mutex alive */
    apr_pool_cleanup_register(cmd->pool, w, watch_cleanup, apr_pool_cleanup_null);
    if (!w->last_exists)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, cmd->server, JWT_LOGNO(0503)
                     "AuthJWTSecretsFile %s does not exist yet: no secrets until it is "
                     "created", path);
    *out = w;
    return NULL;
}

const char *jwt_secrets_watch_get(cmd_parms *cmd, const char *path, jwt_secrets_watch_t **out)
{
    apr_hash_t *registry = NULL;
    void *data = NULL;
    jwt_secrets_watch_t *w;
    const char *msg;

    /* one watch per path for the whole configuration: shared by every section */
    apr_pool_userdata_get(&data, WATCH_REGISTRY_KEY, cmd->pool);
    registry = data;
    if (!registry) {
        registry = apr_hash_make(cmd->pool);
        apr_pool_userdata_set(registry, WATCH_REGISTRY_KEY, apr_pool_cleanup_null, cmd->pool);
    }
    w = apr_hash_get(registry, path, APR_HASH_KEY_STRING);
    if (!w) {
        if ((msg = create_watch(cmd, path, &w)))
            return msg;
        apr_hash_set(registry, apr_pstrdup(cmd->pool, path), APR_HASH_KEY_STRING, w);
        jwt_expiry_note_secrets_file(cmd, path);   /* AuthJWTSecretsRotationAge */
    }
    *out = w;
    return NULL;
}

const char *jwt_secrets_watch_signing_problem(const jwt_secrets_watch_t *w)
{
    return w->current ? w->current->no_signer : NULL;
}

const jwt_key_t *jwt_secrets_watch_signing_key(const jwt_secrets_watch_t *w)
{
    return w->current ? w->current->view.active : NULL;
}

const char *jwt_secrets_watch_path(const jwt_secrets_watch_t *w)
{
    return w->path;
}

/* Config time only (one thread, before any request): the keys loaded by the setter. */
const jwt_secrets_view_t *jwt_secrets_watch_loaded(const jwt_secrets_watch_t *w)
{
    return w->current ? &w->current->view : NULL;
}

/* ---------------------------------------------------------------- as a key source */

static int secrets_configured(const jwt_dir_conf_t *conf)
{
    return conf->secrets != NULL;
}

static const void *secrets_identity(const jwt_dir_conf_t *conf)
{
    return conf->secrets;
}

static jwt_code_t secrets_verify(request_rec *r, const jwt_dir_conf_t *conf,
                                 const jwt_token_t *t, const jwt_key_t **used,
                                 int *retry_after, jwt_err_t *err)
{
    return jwt_key_source_verify_ring(jwt_secrets_watch_acquire(conf->secrets, r)->ring,
                                      conf, t, used, err);
}

/* The file's content hash, NUL included (an empty version is a missing file). */
static int secrets_versions(request_rec *r, const jwt_dir_conf_t *conf, const char *iss,
                            jwt_key_version_t *out, int max)
{
    const char *v = jwt_secrets_watch_acquire(conf->secrets, r)->version;
    if (max < 1)
        return -1;
    out[0].data = v;
    out[0].len = strlen(v) + 1;
    return 1;
}

const jwt_key_source_t jwt_source_secrets = {
    "AuthJWTSecretsFile", 0, secrets_configured, secrets_identity, secrets_verify,
    secrets_versions
};
