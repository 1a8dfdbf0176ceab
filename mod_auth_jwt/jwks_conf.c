/* jwks_conf.c -- remote JWKS directives and their merge. See jwks_conf.h. */
#include <string.h>
#include <stdlib.h>
#include <errno.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"

#include "jwt_fetch.h"
#include "jwks_conf.h"

#define JWKS_DEFAULT_REFRESH 3600
#define JWKS_DEFAULT_REFETCH 60
#define JWKS_DEFAULT_TIMEOUT 5
#define JWKS_DEFAULT_MAX_STALE 86400
/* The least a refresh or refetch interval may be when given in milliseconds ("NNms"):
 * meant for tests that need many fetches in little time; each one is a request to the key
 * server, so production sets seconds. */
#define JWKS_MIN_INTERVAL_MS 10

static apr_array_header_t *all_sources;
static apr_size_t store_size;         /* AuthJWTJWKSStoreSize; 0 = sized by the sources */

#define JWKS_STORE_SIZE_MIN (64 * 1024)
#define JWKS_STORE_SIZE_MAX (1024 * 1024 * 1024)

void jwks_conf_reset(apr_pool_t *pconf)
{
    all_sources = apr_array_make(pconf, 4, sizeof(jwks_source_t *));
    store_size = 0;
}

apr_size_t jwks_store_size_set(void)
{
    return store_size;
}

const char *jwks_cmd_store_size(cmd_parms *cmd, void *dirconf, const char *arg)
{
    const char *msg = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    apr_int64_t v;

    (void)dirconf;
    if (msg != NULL)
        return msg;
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno == 0 && end != arg && (*end == 'K' || *end == 'k') && end[1] == '\0')
        v *= 1024, end++;
    else if (errno == 0 && end != arg && (*end == 'M' || *end == 'm') && end[1] == '\0')
        v *= 1024 * 1024, end++;
    if (errno != 0 || end == arg || *end != '\0' || v < JWKS_STORE_SIZE_MIN || v > JWKS_STORE_SIZE_MAX)
        return apr_psprintf(cmd->pool, "AuthJWTJWKSStoreSize: '%s' is not a size in bytes "
                            "(or NK, NM) in [64K, 1024M]", arg);
    store_size = (apr_size_t)v;
    return NULL;
}

const apr_array_header_t *jwks_all_sources(void)
{
    return all_sources;
}

static jwks_dir_conf_t *dir_conf_make(apr_pool_t *p)
{
    jwks_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    c->refresh_ms = c->refetch_ms = -1;
    c->timeout = c->max_stale = -1;
    return c;
}

static jwks_dir_conf_t *dir_conf_slot(cmd_parms *cmd, void *dirconf)
{
    jwks_dir_conf_t **slot = (jwks_dir_conf_t **)((char *)dirconf + (size_t)cmd->info);
    if (*slot == NULL)
        *slot = dir_conf_make(cmd->pool);
    return *slot;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The record of an identical source already configured (same URL or discovery issuer,
 * same issuer binding, same allow-http), or NULL. */
static jwks_source_t *find_source(const jwks_source_t *src)
{
    for (int i = 0; all_sources != NULL && i < all_sources->nelts; i++) {
        jwks_source_t *o = APR_ARRAY_IDX(all_sources, i, jwks_source_t *);
        if (strcmp(o->key, src->key) == 0 && same_str(o->issuer, src->issuer)
            && o->allow_http == src->allow_http)
            return o;
    }
    return NULL;
}

static const char *add_source(cmd_parms *cmd, void *dirconf, jwks_source_t *src)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    if (all_sources == NULL)           /* pre_config made it; a safety net, keeps the size */
        all_sources = apr_array_make(cmd->pool, 4, sizeof(jwks_source_t *));
    /* The same URL in N sections is one source: one record, one keyring and one fetch
     * thread per child, whichever section's request asks (not N of each). */
    jwks_source_t *same = find_source(src);
    if (same == NULL) {
        apr_status_t rv = apr_thread_mutex_create(&src->mutex, APR_THREAD_MUTEX_DEFAULT,
                                                  cmd->pool);
        if (rv != APR_SUCCESS)
            return apr_psprintf(cmd->pool, "%s: cannot create a mutex", cmd->directive->directive);
        src->max_age = -1;
        APR_ARRAY_PUSH(all_sources, jwks_source_t *) = src;
    }
    else
        src = same;
    if (c->sources == NULL)
        c->sources = apr_array_make(cmd->pool, 2, sizeof(jwks_source_t *));
    for (int i = 0; i < c->sources->nelts; i++)
        if (APR_ARRAY_IDX(c->sources, i, jwks_source_t *) == src)
            return NULL;              /* twice in one section: once is enough */
    APR_ARRAY_PUSH(c->sources, jwks_source_t *) = src;
    return NULL;
}

/* Options after the first argument: issuer=ISS (only when allowed) and allow-http. */
static const char *parse_source_options(cmd_parms *cmd, int argc, char *const argv[],
                                        int issuer_allowed, jwks_source_t *src)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (issuer_allowed && strncmp(argv[i], "issuer=", 7) == 0) {
            if (src->issuer)
                return apr_psprintf(cmd->pool, "%s: issuer= given twice",
                                    cmd->directive->directive);
            if (argv[i][7] == '\0')
                return apr_psprintf(cmd->pool, "%s: issuer= needs a value",
                                    cmd->directive->directive);
            src->issuer = apr_pstrdup(cmd->pool, argv[i] + 7);
        }
        else if (strcmp(argv[i], "allow-http") == 0) {
            src->allow_http = 1;
        }
        else {
            return apr_psprintf(cmd->pool, "%s: unknown option '%s' (expected %sallow-http)",
                                cmd->directive->directive, argv[i],
                                issuer_allowed ? "issuer=ISS or " : "");
        }
    }
    return NULL;
}

const char *jwks_cmd_url(cmd_parms *cmd, void *dirconf, int argc, char *const argv[])
{
    jwks_source_t *src;
    jwt_err_t err;
    const char *msg;

    if (argc < 1)
        return "AuthJWTJWKSURL: needs a URL";
    src = apr_pcalloc(cmd->pool, sizeof(*src));
    if ((msg = parse_source_options(cmd, argc, argv, 1, src)) != NULL)
        return msg;
    if (jwt_fetch_check_url(argv[0], src->allow_http, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTJWKSURL: %s", err.message);
    src->url = apr_pstrdup(cmd->pool, argv[0]);
    src->key = apr_pstrcat(cmd->pool, "u:", src->url, NULL);
    src->label = src->url;
    return add_source(cmd, dirconf, src);
}

const char *jwks_cmd_discovery(cmd_parms *cmd, void *dirconf, int argc, char *const argv[])
{
    jwks_source_t *src;
    jwt_err_t err;
    const char *oidc, *rfc8414, *msg;

    if (argc < 1)
        return "AuthJWTIssuerDiscovery: needs the issuer URL";
    src = apr_pcalloc(cmd->pool, sizeof(*src));
    if ((msg = parse_source_options(cmd, argc, argv, 0, src)) != NULL)
        return msg;
    if (jwt_discovery_urls(cmd->pool, argv[0], &oidc, &rfc8414, &err) != JWT_OK
        || jwt_fetch_check_url(oidc, src->allow_http, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTIssuerDiscovery: %s", err.message);
    src->discovery = apr_pstrdup(cmd->pool, argv[0]);
    src->issuer = src->discovery;     /* discovered keys verify only this issuer's tokens */
    src->key = apr_pstrcat(cmd->pool, "d:", src->discovery, NULL);
    src->label = apr_pstrcat(cmd->pool, "discovery of ", src->discovery, NULL);
    return add_source(cmd, dirconf, src);
}

static const char *parse_seconds(cmd_parms *cmd, const char *arg, long min, long max,
                                 int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds in [%ld, %ld]",
                            cmd->directive->directive, arg, min, max);
    *out = (int)v;
    return NULL;
}

/* SECONDS, or NNms (at least JWKS_MIN_INTERVAL_MS) for the two intervals. */
static const char *parse_interval(cmd_parms *cmd, const char *arg, long min, long max,
                                  apr_int64_t *out_ms)
{
    size_t n = strlen(arg);
    char *end;
    long v;

    if (n > 2 && strcmp(arg + n - 2, "ms") == 0) {
        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno == 0 && end == arg + n - 2 && v >= JWKS_MIN_INTERVAL_MS && v <= max * 1000L) {
            *out_ms = v;
            return NULL;
        }
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of milliseconds in [%d, %ld]",
                            cmd->directive->directive, arg, JWKS_MIN_INTERVAL_MS, max * 1000L);
    }
    {
        int secs;
        const char *msg = parse_seconds(cmd, arg, min, max, &secs);
        if (msg)
            return msg;
        *out_ms = (apr_int64_t)secs * 1000;
    }
    return NULL;
}

const char *jwks_cmd_seconds(cmd_parms *cmd, void *dirconf, const char *arg)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    const char *name = cmd->directive->directive;

    if (strcasecmp(name, "AuthJWTJWKSRefresh") == 0)
        return parse_interval(cmd, arg, 1, 30L * 86400, &c->refresh_ms);
    if (strcasecmp(name, "AuthJWTJWKSRefetchInterval") == 0)
        return parse_interval(cmd, arg, 1, 86400, &c->refetch_ms);
    if (strcasecmp(name, "AuthJWTJWKSTimeout") == 0)
        return parse_seconds(cmd, arg, 1, 120, &c->timeout);
    if (strcasecmp(name, "AuthJWTJWKSMaxStale") == 0)
        return parse_seconds(cmd, arg, 0, 365L * 86400, &c->max_stale);
    return apr_psprintf(cmd->pool, "%s: not a JWKS timing directive", name);
}

const char *jwks_cmd_ca_file(cmd_parms *cmd, void *dirconf, const char *arg)
{
    jwks_dir_conf_t *c = dir_conf_slot(cmd, dirconf);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "AuthJWTJWKSCAFile: '%s' is not a readable file", arg);
    c->ca_file = path;
    return NULL;
}

jwks_dir_conf_t *jwks_dir_merge(apr_pool_t *p, const jwks_dir_conf_t *base,
                                const jwks_dir_conf_t *add)
{
    jwks_dir_conf_t *c;

    if (base == NULL && add == NULL)
        return NULL;
    if (base == NULL || add == NULL)
        return (jwks_dir_conf_t *)(base ? base : add);   /* configs are read-only after startup */
    c = dir_conf_make(p);
    /* a nested section that names its own JWKS sources replaces the outer list */
    c->sources = add->sources ? add->sources : base->sources;
    c->refresh_ms = add->refresh_ms >= 0 ? add->refresh_ms : base->refresh_ms;
    c->refetch_ms = add->refetch_ms >= 0 ? add->refetch_ms : base->refetch_ms;
    c->timeout = add->timeout >= 0 ? add->timeout : base->timeout;
    c->max_stale = add->max_stale >= 0 ? add->max_stale : base->max_stale;
    c->ca_file = add->ca_file ? add->ca_file : base->ca_file;
    return c;
}

const void *jwks_identity(const jwks_dir_conf_t *c)
{
    return jwks_configured(c) ? (const void *)c->sources : NULL;
}

int jwks_has_unbound_source(const jwks_dir_conf_t *c)
{
    int i;
    for (i = 0; jwks_configured(c) && i < c->sources->nelts; i++) {
        if (APR_ARRAY_IDX(c->sources, i, const jwks_source_t *)->issuer == NULL)
            return 1;
    }
    return 0;
}

int jwks_configured(const jwks_dir_conf_t *c)
{
    return c != NULL && c->sources != NULL && c->sources->nelts > 0;
}

void jwks_settings_of(const jwks_dir_conf_t *c, jwks_settings_t *s)
{
    s->refresh = apr_time_from_msec(c->refresh_ms >= 0 ? c->refresh_ms
                                                       : JWKS_DEFAULT_REFRESH * 1000L);
    s->refetch = apr_time_from_msec(c->refetch_ms >= 0 ? c->refetch_ms
                                                       : JWKS_DEFAULT_REFETCH * 1000L);
    s->timeout = apr_time_from_sec(c->timeout >= 0 ? c->timeout : JWKS_DEFAULT_TIMEOUT);
    s->max_stale = apr_time_from_sec(c->max_stale >= 0 ? c->max_stale : JWKS_DEFAULT_MAX_STALE);
    s->ca_file = c->ca_file;
}


#define JWKS_MAXAGE_MIN 60
#define JWKS_MAXAGE_MAX 86400

static apr_interval_time_t period_of(int32_t max_age, const jwks_settings_t *st)
{
    if (max_age < 0)
        return st->refresh;
    if (max_age < JWKS_MAXAGE_MIN)
        return apr_time_from_sec(JWKS_MAXAGE_MIN);
    if (max_age > JWKS_MAXAGE_MAX)
        return apr_time_from_sec(JWKS_MAXAGE_MAX);
    return apr_time_from_sec(max_age);
}

int jwks_is_stale(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                  apr_time_t now)
{
    return fetched_at == 0 || now >= fetched_at + period_of(max_age, st);
}

int jwks_is_usable(apr_time_t fetched_at, int32_t max_age, const jwks_settings_t *st,
                   apr_time_t now)
{
    return fetched_at != 0 && now < fetched_at + period_of(max_age, st) + st->max_stale;
}
