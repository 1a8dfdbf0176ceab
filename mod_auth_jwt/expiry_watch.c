/* expiry_watch.c -- the configured files whose keys will need renewing, and the warnings
 * about them (expiry_watch.h). The files are noted by their setters while the
 * configuration is read (a registry in pconf's userdata, so every configuration starts
 * with its own); check_config reads them for configtest and each start, and the parent's
 * monitor hook once a day, outside any request. The parent runs as root and reads the
 * files the setters read at startup: nothing here reads anything as www-data.
 */
#include "expiry_watch.h"
#include "jwt_module.h"
#include "jwt_expiry.h"

#include <errno.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "http_log.h"
#include "mpm_common.h"

#define REGISTRY_KEY "auth_jwt-expiry-registry"
#define DAY apr_time_from_sec(86400)

typedef struct {
    apr_array_header_t *key_files;      /* const char *, each once */
    apr_array_header_t *secrets_files;
    apr_hash_t *seen;
    apr_int64_t rotation_days;          /* AuthJWTSecretsRotationAge; 0: off */
} registry_t;

static registry_t *registry(apr_pool_t *pconf)
{
    void *data = NULL;
    registry_t *reg;

    apr_pool_userdata_get(&data, REGISTRY_KEY, pconf);
    if ((reg = data) == NULL) {
        reg = apr_pcalloc(pconf, sizeof(*reg));
        reg->key_files = apr_array_make(pconf, 4, sizeof(const char *));
        reg->secrets_files = apr_array_make(pconf, 2, sizeof(const char *));
        reg->seen = apr_hash_make(pconf);
        apr_pool_userdata_set(reg, REGISTRY_KEY, apr_pool_cleanup_null, pconf);
    }
    return reg;
}

static void note(cmd_parms *cmd, const char *path, int secrets)
{
    registry_t *reg = registry(cmd->pool);
    const char *key = apr_pstrcat(cmd->temp_pool, secrets ? "s:" : "k:", path, NULL);

    if (apr_hash_get(reg->seen, key, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(reg->seen, apr_pstrdup(cmd->pool, key), APR_HASH_KEY_STRING, "");
    APR_ARRAY_PUSH(secrets ? reg->secrets_files : reg->key_files, const char *) =
        apr_pstrdup(cmd->pool, path);
}

void jwt_expiry_note_key_file(cmd_parms *cmd, const char *path)
{
    note(cmd, path, 0);
}

void jwt_expiry_note_secrets_file(cmd_parms *cmd, const char *path)
{
    note(cmd, path, 1);
}

const char *jwt_cmd_secrets_rotation_age(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end = NULL;
    apr_int64_t v;

    if (err)
        return err;
    errno = 0;
    if (!apr_isdigit(*arg) || (v = apr_strtoi64(arg, &end, 10), errno) || *end || v > 3650)
        return apr_psprintf(cmd->pool, "AuthJWTSecretsRotationAge: '%s' is not a number of "
                            "days in [0, 3650]", arg);
    registry(cmd->pool)->rotation_days = v;
    return NULL;
}

/* ---------------------------------------------------------------- the checks */

static const char *day_of(apr_pool_t *p, int64_t t)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;

    apr_time_exp_gmt(&tm, apr_time_from_sec(t));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
    return apr_pstrdup(p, buf);
}

/* Log one warning per certificate expiring within JWT_EXPIRY_WARN_DAYS (or expired) and
 * per secret older than the rotation age. Returns how many. */
static int check_all(apr_pool_t *ptemp, server_rec *s, const registry_t *reg)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    int f, i, warned = 0;

    for (f = 0; f < reg->key_files->nelts; f++) {
        const char *path = APR_ARRAY_IDX(reg->key_files, f, const char *);
        apr_array_header_t *items = apr_array_make(ptemp, 2, sizeof(jwt_expiry_item_t));
        jwt_err_t err;

        jwt_err_clear(&err);
        if (jwt_expiry_certificates(ptemp, path, items, &err) != JWT_OK) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1213)
                         "AuthJWTKeyFile %s: cannot check its certificates' expiry: %s",
                         path, err.message);
            continue;
        }
        for (i = 0; i < items->nelts; i++) {
            const jwt_expiry_item_t *it = &APR_ARRAY_IDX(items, i, jwt_expiry_item_t);
            apr_int64_t left = it->when - now;
            if (left > (apr_int64_t)JWT_EXPIRY_WARN_DAYS * 86400)
                continue;
            warned++;
            if (left <= 0)
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1211)
                             "AuthJWTKeyFile %s: %s expired on %s (its key still verifies: "
                             "JWS does not check certificate dates); replace it",
                             path, it->what, day_of(ptemp, it->when));
            else
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1210)
                             "AuthJWTKeyFile %s: %s expires on %s (in %" APR_INT64_T_FMT
                             " days); renew it", path, it->what, day_of(ptemp, it->when),
                             left / 86400);
        }
    }
    for (f = 0; reg->rotation_days > 0 && f < reg->secrets_files->nelts; f++) {
        const char *path = APR_ARRAY_IDX(reg->secrets_files, f, const char *);
        apr_array_header_t *items = apr_array_make(ptemp, 2, sizeof(jwt_expiry_item_t));
        jwt_err_t err;

        jwt_err_clear(&err);
        if (jwt_expiry_secrets(ptemp, path, items, &err) != JWT_OK) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1213)
                         "AuthJWTSecretsFile %s: cannot check its secrets' age: %s",
                         path, err.message);
            continue;
        }
        for (i = 0; i < items->nelts; i++) {
            const jwt_expiry_item_t *it = &APR_ARRAY_IDX(items, i, jwt_expiry_item_t);
            apr_int64_t age = (now - it->when) / 86400;
            if (age <= reg->rotation_days)
                continue;
            warned++;
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1212)
                         "AuthJWTSecretsFile %s: %s was created %" APR_INT64_T_FMT " days ago "
                         "(on %s), over AuthJWTSecretsRotationAge %" APR_INT64_T_FMT
                         "; rotate it", path, it->what, age, day_of(ptemp, it->when),
                         reg->rotation_days);
        }
    }
    return warned;
}

/* The parent's view for the monitor hook: this configuration's registry (pconf). */
static struct {
    const registry_t *reg;
    server_rec *s;
    apr_time_t next;                    /* next daily check; 0: soon after a (re)start */
} daily;

static apr_status_t forget_registry(void *data)
{
    (void)data;
    daily.reg = NULL;
    daily.next = 0;
    return APR_SUCCESS;
}

static int expiry_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                               server_rec *s)
{
    /* configtest and each start: on stderr, before the error log is open */
    check_all(ptemp, s, registry(pconf));
    return OK;
}

static int expiry_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                              server_rec *s)
{
    daily.reg = registry(pconf);
    daily.s = s;
    daily.next = 0;
    apr_pool_cleanup_register(pconf, NULL, forget_registry, apr_pool_cleanup_null);
    return OK;
}

/* The parent, about once a second (MPM monitor): the daily check, into the error log. */
static int expiry_monitor(apr_pool_t *p, server_rec *s)
{
    apr_time_t now = apr_time_now();
    apr_pool_t *tmp;

    if (!daily.reg || now < daily.next)
        return DECLINED;
    daily.next = now + DAY;
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return DECLINED;
    if (check_all(tmp, daily.s ? daily.s : s, daily.reg) == 0)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, daily.s ? daily.s : s, JWT_LOGNO(1214)
                     "expiry check: no configured certificate expires within %d days, no "
                     "secret is over its rotation age; next check in 24 h",
                     JWT_EXPIRY_WARN_DAYS);
    apr_pool_destroy(tmp);
    return DECLINED;
}

void jwt_expiry_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(expiry_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(expiry_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(expiry_monitor, NULL, NULL, APR_HOOK_MIDDLE);
}
