/* config_check.c -- configtest refuses locations that can never work (see config_check.h).
 *
 * The setters see one directive at a time; whether a location can work depends on what
 * every section that applies to it sets together (AuthType comes from mod_authn_core, the
 * keys may come from an enclosing section). So this runs at check_config, after the whole
 * configuration is read: for each <Location>, <LocationMatch>, <Directory>,
 * <DirectoryMatch>, <Files>, <FilesMatch> and <If> (<ElseIf>, <Else>) section of each server it
 * merges the sections that would apply to that path the way httpd does at request time
 * (the server defaults, then every earlier section of the same kind whose path is a prefix
 * of this one, then the section itself) and asks mod_authn_core for the merged AuthType.
 * A <Location> may also get keys from a <Directory> section (and the reverse), which only
 * the request's file mapping decides: when the other kind of section holds keys, a
 * keyless location is a warning, not an error. Regex and wildcard sections are checked on
 * their own. <Files> and <If> sections are nested in another section's (or the server's)
 * configuration; each is checked merged onto what encloses it. Nothing here runs per
 * request.
 */
#include "dir_conf.h"
#include "secrets_watch.h"
#include "signature.h"
#include "jwks_conf.h"
#include "config_check.h"

#include <errno.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_optional.h>
#include "http_core.h"
#include "util_cfgtree.h"
#include "unixd.h"

#define MAX_GROUPS 256

/* The kind of section checked: the first two are the is_url values of the lists. */
enum { SEC_DIR = 0, SEC_URL = 1, SEC_FILES = 2, SEC_IF = 3 };

typedef struct {
    apr_pool_t *p;
    server_rec *s;                  /* the main server: messages go there */
    apr_hash_t *seen;               /* conf vectors already checked (vhosts share them) */
    /* mod_authn_core's AuthType reader: core only fetches it at post_config, after this
     * hook, so ap_auth_type() would still answer NULL here */
    APR_OPTIONAL_FN_TYPE(authn_ap_auth_type) *auth_type;
    int errors;
} check_ctx_t;

/* ---------------------------------------------------------------- where a section is */

/* "<Location /api/>" -> "/api/" (quotes, the closing '>' and trailing slashes removed). */
static const char *section_arg(apr_pool_t *p, const char *args)
{
    char *copy = apr_pstrdup(p, args ? args : ""), *end, *a;
    const char *rest;
    size_t n;

    end = strrchr(copy, '>');
    if (end)
        *end = '\0';
    rest = copy;
    a = ap_getword_conf(p, &rest);
    if (!strcmp(a, "~"))               /* <Location ~ "regex">: the regex is the path */
        a = ap_getword_conf(p, &rest);
    n = strlen(a);
    while (n > 1 && a[n - 1] == '/')
        a[--n] = '\0';
    return a;
}

static const char *trim_slashes(apr_pool_t *p, const char *d)
{
    char *a = apr_pstrdup(p, d ? d : "");
    size_t n = strlen(a);
    while (n > 1 && a[n - 1] == '/')
        a[--n] = '\0';
    return a;
}

static int has_jwt_authtype(apr_pool_t *p, const ap_directive_t *sec)
{
    const ap_directive_t *d;
    for (d = sec->first_child; d; d = d->next) {
        const char *args = d->args;
        if (!ap_cstr_casecmp(d->directive, "AuthType") && args
            && !ap_cstr_casecmp(ap_getword_conf(p, &args), JWT_AUTH_TYPE))
            return 1;
    }
    return 0;
}

/* The section directive for a core section path, preferring one that says AuthType jwt
 * itself; NULL when none matches (the message then names the path only). */
static int section_kind(const char *name)
{
    if (!ap_cstr_casecmp(name, "<Location") || !ap_cstr_casecmp(name, "<LocationMatch"))
        return SEC_URL;
    if (!ap_cstr_casecmp(name, "<Directory") || !ap_cstr_casecmp(name, "<DirectoryMatch"))
        return SEC_DIR;
    if (!ap_cstr_casecmp(name, "<Files") || !ap_cstr_casecmp(name, "<FilesMatch"))
        return SEC_FILES;
    return -1;
}

static const ap_directive_t *find_section(apr_pool_t *p, const ap_directive_t *d, int is_url,
                                          const char *want, const ap_directive_t *best)
{
    for (; d; d = d->next) {
        if (section_kind(d->directive) == is_url && !strcmp(section_arg(p, d->args), want)) {
            if (!best || (!has_jwt_authtype(p, best) && has_jwt_authtype(p, d)))
                best = d;
        }
        if (d->first_child)
            best = find_section(p, d->first_child, is_url, want, best);
    }
    return best;
}

static const char *where_is(check_ctx_t *c, const core_dir_config *cd, int is_url)
{
    static const char *const names[][2] = {
        [SEC_DIR] = { "Directory", "DirectoryMatch" }, [SEC_URL] = { "Location", "LocationMatch" },
        [SEC_FILES] = { "Files", "FilesMatch" },
    };
    if (is_url == SEC_IF) {
        /* an <If>'s core config keeps the enclosing path; its expression knows its line */
        const ap_expr_info_t *e = cd->condition;
        if (e && e->filename)
            return apr_psprintf(c->p, "<If> section (line %u of %s)", e->line_number, e->filename);
        return apr_psprintf(c->p, "<Else> section under %s", cd->d ? cd->d : "the server");
    }
    const char *kind = names[is_url][0];
    const char *path = is_url == SEC_FILES ? (cd->d ? cd->d : "") : trim_slashes(c->p, cd->d);
    const ap_directive_t *sec = find_section(c->p, ap_conftree, is_url, path, NULL);

    if (cd->r)
        kind = names[is_url][1];
    if (!sec)
        return apr_psprintf(c->p, "<%s %s>", kind, cd->d);
    return apr_psprintf(c->p, "<%s %s> (line %d of %s)", kind, cd->d, sec->line_num,
                        sec->filename);
}

/* ---------------------------------------------------------------- the checks */

static int section_applies(const core_dir_config *outer, const core_dir_config *inner)
{
    size_t n;
    if (!outer->d || !inner->d || outer->r || inner->r || outer->d_is_fnmatch)
        return 0;
    n = strlen(outer->d);
    if (n == 0 || strncmp(outer->d, inner->d, n) != 0)
        return 0;
    /* httpd's prefix rule: /api covers /api, /api/ and /api/x, not /apiary */
    return outer->d[n - 1] == '/' || inner->d[n] == '/' || inner->d[n] == '\0';
}

static int usable_keys(const jwt_keyring_t *ring, jwt_algset_t algs)
{
    int i, n = 0;
    if (!ring)
        return 0;
    for (i = 0; i < ring->keys->nelts; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        if (k->can_verify && (k->algs & algs))
            n++;
    }
    return n;
}

/* "kid a (ES256), kid b (RS256 RS384 ...)" for the message, at most four keys. */
static const char *describe_keys(apr_pool_t *p, const jwt_keyring_t *ring, const char *out)
{
    int i;
    if (!ring)
        return out;
    for (i = 0; i < ring->keys->nelts && i < 4; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        out = apr_psprintf(p, "%s%s%s%s (%s)", out, *out ? ", " : "", k->kid ? "kid " : "a key",
                           k->kid ? k->kid : "", jwt_algset_format(p, k->algs));
    }
    return out;
}

static int has_key_source(const jwt_dir_conf_t *conf)
{
    return conf && jwt_key_sources_configured(conf);
}

/* check_section's verdict on a keyless section is only a warning when keys may reach its
 * requests another way: a section of the other kind, or a nested one (<Location /a/k> with
 * the keys under a <Location /a> that sets the rules) */
static void check_section(check_ctx_t *c, server_rec *sv, ap_conf_vector_t *merged,
                          const core_dir_config *cd, int is_url, int other_kind_has_keys,
                          const char *nested_keys)
{
    request_rec fake;
    const char *type, *where, *keys;
    const jwt_dir_conf_t *conf;
    const jwt_secrets_view_t *sv_keys = NULL;
    int n;

    /* mod_authn_core's AuthType reads only the request's per-dir configuration */
    memset(&fake, 0, sizeof(fake));
    fake.pool = c->p;
    fake.server = sv;
    fake.per_dir_config = merged;
    type = c->auth_type(&fake);
    if (!type || ap_cstr_casecmp(type, JWT_AUTH_TYPE))
        return;
    conf = ap_get_module_config(merged, &auth_jwt_module);
    where = where_is(c, cd, is_url);
    if (!has_key_source(conf)) {
        int warn = other_kind_has_keys || nested_keys;
        ap_log_error(APLOG_MARK, warn ? APLOG_WARNING : APLOG_CRIT, 0, c->s,
                     JWT_LOGNO(0151) "%s: AuthType jwt without a key source%s: every request "
                     "%s would be answered 500. Fix: add AuthJWTKeyFile, "
                     "AuthJWTSecretsFile, AuthJWTJWKSURL or AuthJWTIssuerDiscovery to the "
                     "section (or to one that encloses it)", where,
                     other_kind_has_keys && !nested_keys ? " in its own kind of section (a "
                     "<Directory> or <Location> of the other kind may supply keys)" : "",
                     nested_keys ? apr_pstrcat(c->p, "outside ", nested_keys, NULL) : "there");
        if (!warn)
            c->errors++;
        return;
    }
    if (jwks_configured(conf->jwks))
        return;                        /* remote keys are known only once fetched */
    if (conf->secrets)
        sv_keys = jwt_secrets_watch_loaded(conf->secrets);
    n = usable_keys(conf->keyring, conf->algs) + (sv_keys ? usable_keys(sv_keys->ring, conf->algs) : 0);
    if (n > 0)
        return;
    keys = describe_keys(c->p, conf->keyring, "");
    if (sv_keys)
        keys = describe_keys(c->p, sv_keys->ring, keys);
    if (conf->secrets && (conf->algs & JWT_ALGSET_HMAC)) {
        /* an HMAC secret added to the secrets file later (the admin page) fixes it */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, c->s, JWT_LOGNO(0152)
                     "%s: no key yet verifies AuthJWTAlgorithms %s (keys: %s): every token "
                     "is refused with 401 until an HMAC secret is added to %s",
                     where, jwt_algset_format(c->p, conf->algs), *keys ? keys : "none",
                     jwt_secrets_watch_path(conf->secrets));
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, c->s, JWT_LOGNO(0153)
                 "%s: no key of this location can verify any algorithm of AuthJWTAlgorithms "
                 "%s (keys: %s): every token would be refused with 401. Fix: allow the keys' "
                 "algorithms in AuthJWTAlgorithms, or add a key for an allowed one",
                 where, jwt_algset_format(c->p, conf->algs), *keys ? keys : "none");
    c->errors++;
}

static int list_has_keys(const apr_array_header_t *secs)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    int i;
    for (i = 0; i < secs->nelts; i++) {
        if (has_key_source(ap_get_module_config(v[i], &auth_jwt_module)))
            return 1;
    }
    return 0;
}

/* The path of a section nested under secs[i] that holds key sources itself, or NULL. */
static const char *nested_with_keys(apr_pool_t *p, const apr_array_header_t *secs, int i)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    const core_dir_config *outer = ap_get_core_module_config(v[i]);
    int j;
    for (j = 0; j < secs->nelts; j++) {
        const core_dir_config *inner = ap_get_core_module_config(v[j]);
        if (j != i && section_applies(outer, inner)
            && has_key_source(ap_get_module_config(v[j], &auth_jwt_module)))
            return apr_psprintf(p, "the nested section for %s", inner->d);
    }
    return NULL;
}

/* The <Files>/<FilesMatch> and <If> sections nested in the section whose core config is
 * cd, each merged onto `merged` (what applies around it) and checked, then what they nest.
 * Keys may reach their requests from sections of other kinds, so a keyless one is an error
 * only when no section of the server has keys (any_keys 0). */
static void check_nested(check_ctx_t *c, server_rec *sv, ap_conf_vector_t *merged,
                         const core_dir_config *cd, int any_keys)
{
    const apr_array_header_t *lists[2] = { cd ? cd->sec_file : NULL, cd ? cd->sec_if : NULL };
    for (int l = 0; l < 2; l++) {
        const apr_array_header_t *secs = lists[l];
        for (int i = 0; secs && i < secs->nelts; i++) {
            ap_conf_vector_t *v = APR_ARRAY_IDX(secs, i, ap_conf_vector_t *);
            const core_dir_config *inner = ap_get_core_module_config(v);
            ap_conf_vector_t *m;
            if (apr_hash_get(c->seen, &v, sizeof(v)))
                continue;
            apr_hash_set(c->seen, apr_pmemdup(c->p, &v, sizeof(v)), sizeof(v), "");
            m = ap_merge_per_dir_configs(c->p, merged, v);
            check_section(c, sv, m, inner, l == 0 ? SEC_FILES : SEC_IF, any_keys, NULL);
            check_nested(c, sv, m, inner, any_keys);
        }
    }
}

static void check_list(check_ctx_t *c, server_rec *sv, const apr_array_header_t *secs,
                       int is_url, int other_kind_has_keys)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    int i, j;

    for (i = 0; i < secs->nelts; i++) {
        const core_dir_config *cd = ap_get_core_module_config(v[i]);
        ap_conf_vector_t *merged = sv->lookup_defaults;

        if (apr_hash_get(c->seen, &v[i], sizeof(v[i])))
            continue;
        apr_hash_set(c->seen, apr_pmemdup(c->p, &v[i], sizeof(v[i])), sizeof(v[i]), "");
        for (j = 0; j <= i; j++) {
            if (j == i || section_applies(ap_get_core_module_config(v[j]), cd))
                merged = ap_merge_per_dir_configs(c->p, merged, v[j]);
        }
        check_section(c, sv, merged, cd, is_url, other_kind_has_keys,
                      nested_with_keys(c->p, secs, i));
        check_nested(c, sv, merged, cd, other_kind_has_keys || list_has_keys(secs));
    }
}

/* ---------------------------------------------------------------- httpd's User */

int jwt_user_can_reach(apr_pool_t *p, const char *path, int want_x, uid_t uid, gid_t gid,
                       const gid_t *groups, int ngroups, const char **why)
{
    char *copy = apr_pstrdup(p, path), *slash;
    struct stat st;
    int i, last = 0;

    for (slash = copy; !last; ) {
        unsigned bits, need;
        int in_group = 0;
        slash = strchr(slash + 1, '/');
        if (slash)
            *slash = '\0';
        else
            last = 1;
        if (stat(*copy ? copy : "/", &st) != 0) {
            *why = apr_psprintf(p, "%s: %s", copy, strerror(errno));
            return 0;
        }
        if (st.st_gid == gid)
            in_group = 1;
        for (i = 0; i < ngroups && !in_group; i++)
            in_group = groups[i] == st.st_gid;
        bits = st.st_uid == uid ? (st.st_mode >> 6) & 7u
             : in_group ? (st.st_mode >> 3) & 7u : st.st_mode & 7u;
        need = !last ? 1u : want_x ? 1u : 4u;
        if ((bits & need) == 0) {
            *why = apr_psprintf(p, "%s %s is owned by uid %ld gid %ld, mode %04o",
                                last ? "the file" : "the folder", *copy ? copy : "/",
                                (long)st.st_uid, (long)st.st_gid,
                                (unsigned)(st.st_mode & 07777));
            return 0;
        }
        if (slash)
            *slash = '/';
    }
    return 1;
}

/* Every AuthJWTSecretsFile must stay readable by httpd's User: the children re-read it
 * when it changes. As root only (otherwise the children run as the user who read it). */
static void check_secrets_readable(check_ctx_t *c, const ap_directive_t *d,
                                   const char *user, uid_t uid, gid_t gid,
                                   const gid_t *groups, int ngroups)
{
    for (; d; d = d->next) {
        if (!ap_cstr_casecmp(d->directive, "AuthJWTSecretsFile") && d->args) {
            const char *args = d->args, *word = ap_getword_conf(c->p, &args), *path, *why;
            struct stat st;
            int exists;
            path = ap_server_root_relative(c->p, word);
            exists = path && stat(path, &st) == 0;
            if (path && !jwt_user_can_reach(c->p, exists ? path : ap_make_dirstr_parent(c->p, path),
                                            !exists, uid, gid, groups, ngroups, &why)) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, c->s, JWT_LOGNO(0154)
                             "AuthJWTSecretsFile %s (line %d of %s): httpd's User %s cannot "
                             "%s it (%s). The children re-read this file when it changes and "
                             "would keep serving the old keys. Fix: chgrp %s %s; chmod 0640 %s "
                             "(and let %s search every folder above it)",
                             path, d->line_num, d->filename, user,
                             exists ? "read" : "see the folder of", why, user, path, path, user);
                c->errors++;
            }
        }
        if (d->first_child)
            check_secrets_readable(c, d->first_child, user, uid, gid, groups, ngroups);
    }
}

static void check_user_access(check_ctx_t *c)
{
    gid_t groups[MAX_GROUPS];
    int ngroups = MAX_GROUPS;
    struct passwd pw, *found = NULL;
    char buf[4096];
    const char *user;

    if (geteuid() != 0 || ap_unixd_config.user_id == 0)
        return;
    user = ap_unixd_config.user_name;
    if (getpwuid_r(ap_unixd_config.user_id, &pw, buf, sizeof(buf), &found) == 0 && found)
        user = found->pw_name;
    if (!user || getgrouplist(user, ap_unixd_config.group_id, groups, &ngroups) < 0)
        ngroups = 0;
    check_secrets_readable(c, ap_conftree, apr_pstrdup(c->p, user ? user : "?"),
                           ap_unixd_config.user_id, ap_unixd_config.group_id, groups, ngroups);
}

/* ---------------------------------------------------------------- the hook */

int jwt_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    check_ctx_t c;
    server_rec *sv;

    (void)pconf;
    (void)plog;
    c.p = ptemp;
    c.s = s;
    c.seen = apr_hash_make(ptemp);
    c.errors = 0;
    c.auth_type = APR_RETRIEVE_OPTIONAL_FN(authn_ap_auth_type);
    for (sv = s; sv && c.auth_type; sv = sv->next) {
        core_server_config *csc = ap_get_core_module_config(sv->module_config);
        int url_keys = list_has_keys(csc->sec_url), dir_keys = list_has_keys(csc->sec_dir);
        check_list(&c, sv, csc->sec_url, SEC_URL, dir_keys);
        check_list(&c, sv, csc->sec_dir, SEC_DIR, url_keys);
        /* <Files> and <If> at server level hang off the server's own per-dir defaults */
        check_nested(&c, sv, sv->lookup_defaults, ap_get_core_module_config(sv->lookup_defaults),
                     url_keys || dir_keys);
    }
    check_user_access(&c);
    if (c.errors) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(0155)
                     "mod_auth_jwt: configuration refused: %d problem%s above would refuse "
                     "every request of a location", c.errors, c.errors == 1 ? "" : "s");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
