/* login_redirect.c -- AuthJWTLoginURL (see login_redirect.h). */
#include "dir_conf.h"
#include "login_redirect.h"
#include "accept.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_protocol.h"

int jwt_is_local_path(const char *s)
{
    const char *c;

    if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\')
        return 0;
    for (c = s; *c; c++) {
        if (apr_iscntrl(*c) || *c == ' ' || *c == '\\' || (unsigned char)*c >= 0x80)
            return 0;
    }
    return 1;
}

/* http(s)://host[...]: an absolute URL the operator chose (a login on another host). */
static int is_absolute_http_url(const char *s)
{
    const char *rest = NULL, *c;

    if (!ap_cstr_casecmpn(s, "https://", 8))
        rest = s + 8;
    else if (!ap_cstr_casecmpn(s, "http://", 7))
        rest = s + 7;
    if (!rest || !*rest || *rest == '/')
        return 0;
    for (c = s; *c; c++) {
        if (apr_iscntrl(*c) || *c == ' ' || *c == '\\')
            return 0;
    }
    return 1;
}

const char *jwt_cmd_login_url(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;

    if (strchr(arg, '#') || (!jwt_is_local_path(arg) && !is_absolute_http_url(arg)))
        return apr_psprintf(cmd->pool, "AuthJWTLoginURL: '%s' is not a path starting with "
                            "one '/' (such as /login.html) or an http(s):// URL without a "
                            "#fragment", arg);
    c->login_url = arg;
    c->login_url_set = 1;
    return NULL;
}

/* This request's path and query, as the client sent them when that is a local path; else
 * rebuilt from the decoded path (an absolute-form request line, "GET http://x/a"). */
static const char *return_path(request_rec *r)
{
    const char *raw = r->unparsed_uri;
    const char *path;

    if (raw && jwt_is_local_path(raw) && !strchr(raw, '#'))
        return raw;
    path = ap_escape_uri(r->pool, r->uri ? r->uri : "/");
    if (r->args && *r->args)
        path = apr_pstrcat(r->pool, path, "?", r->args, NULL);
    return jwt_is_local_path(path) ? path : "/";
}

const char *jwt_login_location(request_rec *r, const jwt_dir_conf_t *conf)
{
    const char *url = conf->login_url;
    if (!url)
        return NULL;
    return apr_pstrcat(r->pool, url, strchr(url, '?') ? "&" : "?", "return=",
                       ap_escape_urlencoded(r->pool, return_path(r)), NULL);
}

int jwt_login_redirect(request_rec *r, const jwt_dir_conf_t *conf)
{
    const char *url = conf->login_url, *location;

    if (!url || r->main)               /* subrequests (jwt-explain-handler) never redirect */
        return DECLINED;
    /* the answer differs by Accept: caches must keep the two apart */
    apr_table_mergen(r->err_headers_out, "Vary", "Accept");
    if (r->method_number != M_GET || !jwt_prefers_html(r))     /* M_GET covers HEAD */
        return DECLINED;
    location = jwt_login_location(r, conf);
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0251)
                  "no token, and the client prefers HTML: 303 to the login page %s", url);
    return HTTP_SEE_OTHER;
}
