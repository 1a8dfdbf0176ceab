/* cgi_audit.c -- one line per change: when, who, what, which kid, result; for a minted token
 * also its sub, aud and exp. Never a secret nor a token (callers pass only the action name
 * and a kid; a minted token is read for its claims, not written). The file is opened before the change is
 * made, so a change that could not be logged is never made. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "jwt_b64.h"
#include "jwt_claims.h"
#include "jwt_json.h"
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
    /* O_NOFOLLOW: a symlink planted where the log goes must not make this CGI append to
     * (or create) another file */
    a->fd = open(c->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
                 0640);
    if (a->fd < 0 && errno == ELOOP) {
        *why = apr_psprintf(c->p, "the audit log %s is a symbolic link: refused", c->audit_log);
        return NULL;
    }
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

/* A claim of a minted token for its audit line: a string, a number, or an array of
 * strings joined by ','; "-" when absent. */
static const char *claim_field(apr_pool_t *p, json_object *payload, const char *name)
{
    json_object *v = payload ? jwt_claim_path(payload, name) : NULL;
    if (v == NULL)
        return NULL;
    if (json_object_is_type(v, json_type_array)) {
        const char *out = NULL;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!json_object_is_type(e, json_type_string))
                continue;
            out = out ? apr_pstrcat(p, out, ",", json_object_get_string(e), NULL)
                      : json_object_get_string(e);
        }
        return out;
    }
    if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

void audit_write_mint(audit_t *a, admin_ctx_t *c, const char *kid, const char *token)
{
    json_object *payload = NULL;
    const char *dot1 = token ? strchr(token, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    int64_t exp = 0;

    if (a == NULL || a->fd < 0) return;
    /* the token is never written: its payload is read for sub, aud and exp */
    if (dot2 && jwt_b64url_decode(c->p, dot1 + 1, (size_t)(dot2 - dot1 - 1), &raw, &rawlen,
                                  NULL) == JWT_OK)
        jwt_json_parse_object(c->p, (const char *)raw, rawlen, NULL, &payload, NULL);
    const char *exp_text = payload && jwt_claim_numeric_date(payload, "exp", &exp, NULL) == JWT_OK
        ? jwt_time_iso(c->p, exp) : NULL;
    const char *line = apr_psprintf(c->p, "%s user=%s action=mint kid=%s sub=%s aud=%s exp=%s "
                                    "result=%s\n", jwt_time_iso(c->p, c->now),
                                    log_safe(c->p, c->user), log_safe(c->p, kid),
                                    log_safe(c->p, claim_field(c->p, payload, "sub")),
                                    log_safe(c->p, claim_field(c->p, payload, "aud")),
                                    exp_text ? exp_text : "-", token ? "ok" : "refused");
    ssize_t n = write(a->fd, line, strlen(line));
    (void)n;
}
