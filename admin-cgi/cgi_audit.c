/* cgi_audit.c -- one line per change: when, who, what, which kid, result. Never a secret
 * (callers pass only the action name and a kid). The file is opened before the change is
 * made, so a change that could not be logged is never made. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "jwt_claims.h"
#include "admin.h"

struct audit {
    int fd;   /* -1: no audit log configured */
};

static apr_status_t audit_close(void *data)
{
    audit_t *a = data;
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
    return APR_SUCCESS;
}

audit_t *audit_open(admin_ctx_t *c, const char **why)
{
    audit_t *a = apr_pcalloc(c->p, sizeof(*a));
    a->fd = -1;
    if (c->audit_log == NULL || *c->audit_log == '\0')
        return a;
    a->fd = open(c->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (a->fd < 0) {
        *why = apr_psprintf(c->p, "cannot open the audit log %s: %s", c->audit_log,
                            strerror(errno));
        return NULL;
    }
    apr_pool_cleanup_register(c->p, a, audit_close, apr_pool_cleanup_null);
    return a;
}

/* User names and kids are written percent-encoded outside a safe set, so a name with a
 * space or newline can neither forge a field nor a line. */
static const char *log_safe(apr_pool_t *p, const char *s)
{
    if (s == NULL || *s == '\0') return "-";
    size_t n = strlen(s);
    char *out = apr_palloc(p, n * 3 + 1), *o = out;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '.' || *c == '_' || *c == '-' || *c == '@')
            *o++ = (char)*c;
        else
            o += snprintf(o, 4, "%%%02X", *c);
    }
    *o = '\0';
    return out;
}

void audit_write(audit_t *a, admin_ctx_t *c, const char *action, const char *kid,
                 const char *result)
{
    if (a == NULL || a->fd < 0) return;
    const char *line = apr_psprintf(c->p, "%s user=%s action=%s kid=%s result=%s\n",
                                    jwt_time_iso(c->p, c->now), log_safe(c->p, c->user),
                                    log_safe(c->p, action), log_safe(c->p, kid),
                                    log_safe(c->p, result));
    /* one write() of the whole line: O_APPEND keeps concurrent lines whole */
    ssize_t n = write(a->fd, line, strlen(line));
    (void)n;
}
