/* revocation_audit.c -- the revocation audit file (see revocation_audit.h). */
#include "revocation_audit.h"
#include "jwt_module.h"

#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_portable.h>
#include "http_core.h"
#include "unixd.h"

static struct {
    const char *path;                 /* AuthJWTRevocationAuditLog, resolved */
    apr_file_t *file;                 /* opened in post_config, inherited by the children */
} audit_g;

const char *jwt_cmd_revocation_audit_log(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)mconfig;
    if (err)
        return err;
    if (!(audit_g.path = ap_server_root_relative(cmd->pool, arg)))
        return apr_psprintf(cmd->pool, "%s: invalid file path '%s'", cmd->cmd->name, arg);
    return NULL;
}

/* ap_escape_logitem keeps spaces: a value with one would look like two fields */
static const char *field(apr_pool_t *p, const char *v)
{
    const char *e = ap_escape_logitem(p, v && *v ? v : "-");
    char *out, *o;
    size_t n = 0;
    const char *c;

    for (c = e; *c; c++)
        n += *c == ' ' ? 4 : 1;
    out = o = apr_palloc(p, n + 1);
    for (c = e; *c; c++) {
        if (*c == ' ') {
            memcpy(o, "\\x20", 4);
            o += 4;
        }
        else
            *o++ = *c;
    }
    *o = '\0';
    return out;
}

void jwt_revocation_audit(request_rec *r, const char *who, const char *iss, const char *kind,
                          const char *value, apr_int64_t until)
{
    char stamp[APR_RFC822_DATE_LEN + 8];
    apr_time_exp_t t;
    apr_size_t len = 0;
    const char *line;
    apr_status_t rv;

    /* the error log always gets it; the file when configured */
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, JWT_LOGNO(1120)
                  "revocation: by %s from %s: iss '%s' %s '%s' revoked until %"
                  APR_INT64_T_FMT, who, r->useragent_ip ? r->useragent_ip : "-",
                  ap_escape_logitem(r->pool, iss ? iss : ""), kind,
                  ap_escape_logitem(r->pool, value), until);
    if (!audit_g.file)
        return;
    apr_time_exp_gmt(&t, apr_time_now());
    apr_strftime(stamp, &len, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &t);
    line = apr_psprintf(r->pool, "%s revoke by=%s from=%s iss=%s %s=%s until=%" APR_INT64_T_FMT
                        "\n", stamp, field(r->pool, who), field(r->pool, r->useragent_ip),
                        field(r->pool, iss), !strcmp(kind, "jti") ? "jti" : "sub",
                        field(r->pool, value), until);
    len = strlen(line);
    /* one write of the whole line on an O_APPEND file: lines of several children do not mix */
    rv = apr_file_write_full(audit_g.file, line, len, NULL);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, JWT_LOGNO(1125)
                      "AuthJWTRevocationAuditLog %s: cannot write", audit_g.path);
}

static int audit_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf; (void)plog; (void)ptemp;
    audit_g.path = NULL;
    audit_g.file = NULL;
    return OK;
}

static int audit_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    apr_status_t rv;
    apr_os_file_t fd;

    (void)plog; (void)ptemp;
    if (!audit_g.path)
        return OK;
    rv = apr_file_open(&audit_g.file, audit_g.path,
                       APR_FOPEN_WRITE | APR_FOPEN_APPEND | APR_FOPEN_CREATE,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JWT_LOGNO(1126)
                     "AuthJWTRevocationAuditLog %s: cannot open it for appending",
                     audit_g.path);
        audit_g.file = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* readable by httpd's Group: the admin CGI lists the recent revocations */
    if (geteuid() == 0 && apr_os_file_get(&fd, audit_g.file) == APR_SUCCESS
        && fchown(fd, (uid_t)-1, ap_unixd_config.group_id) != 0)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JWT_LOGNO(1127)
                     "AuthJWTRevocationAuditLog %s: cannot give it to httpd's Group",
                     audit_g.path);
    return OK;
}

void jwt_revocation_audit_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(audit_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(audit_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
