/* cgi_explain.c -- ask jwt-explain-handler for the module's verdict at a path and render
 * it (see cgi_explain.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include "jwt_json.h"
#include "cgi_explain.h"

#define EXPLAIN_MAX_ANSWER 65536
#define EXPLAIN_TIMEOUT_MS 5000L

typedef struct {
    char *buf;
    size_t len, cap;
    int over;
} answer_t;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    answer_t *a = arg;
    size_t bytes = size * n;
    if (a->len + bytes > a->cap) {
        a->over = 1;
        return 0;                      /* curl stops with CURLE_WRITE_ERROR */
    }
    memcpy(a->buf + a->len, data, bytes);
    a->len += bytes;
    return bytes;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

/* One header line "Name: value" for curl, or NULL when the value could split a line. */
static const char *header_line(apr_pool_t *p, const char *name, const char *value)
{
    if (!value || strpbrk(value, "\r\n"))
        return NULL;
    return apr_pstrcat(p, name, ": ", value, NULL);
}

/* JWT_ADMIN_EXPLAIN_URL may be a path of this server ("/jwt-admin/explain"): then the URL
 * is the one the operator's browser used (scheme and Host), and the connection is pinned to
 * the address and port this request arrived on (SERVER_ADDR, SERVER_PORT, CURLOPT_RESOLVE), so
 * it cannot leave the server or reach another port whatever the Host header says, while TLS
 * still checks the name. */
static const char *own_url(admin_ctx_t *c, const char *path, struct curl_slist **resolve)
{
    const char *https = env("HTTPS"), *scheme = env("REQUEST_SCHEME");
    int tls = (https && !strcasecmp(https, "on")) || (scheme && !strcasecmp(scheme, "https"));
    const char *host = env("HTTP_HOST"), *addr = env("SERVER_ADDR"), *port = env("SERVER_PORT");
    const char *name, *colon, *pin;
    struct curl_slist *n;

    if (!host || !addr || !port || strpbrk(host, "/?#@ \t\r\n"))
        return NULL;
    if (host[0] == '[') {                      /* [v6]:port */
        const char *end = strchr(host, ']');
        if (!end)
            return NULL;
        name = apr_pstrmemdup(c->p, host, (size_t)(end - host + 1));
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(host, ':');
        name = colon ? apr_pstrmemdup(c->p, host, (size_t)(colon - host)) : host;
    }
    /* the port is the one this request arrived on (SERVER_PORT), never Host's: a Host of
     * "name:6379" must not aim the operator's cookie at another service of this machine */
    (void)colon;
    if (!*port || strspn(port, "0123456789") != strlen(port))
        return NULL;
    pin = apr_pstrcat(c->p, name[0] == '[' ? apr_pstrmemdup(c->p, name + 1, strlen(name) - 2) : name,
                      ":", port, ":", strchr(addr, ':') ? apr_pstrcat(c->p, "[", addr, "]", NULL) : addr,
                      NULL);
    if (!(n = curl_slist_append(*resolve, pin)))
        return NULL;
    *resolve = n;
    return apr_pstrcat(c->p, tls ? "https://" : "http://", name, ":", port, path, NULL);
}

json_object *admin_post_form(admin_ctx_t *c, const char *url, const char *body, long *status,
                             const char **why)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL, *n, *resolve = NULL;
    answer_t a = { apr_palloc(c->p, EXPLAIN_MAX_ANSWER + 1), 0, EXPLAIN_MAX_ANSWER, 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    const char *line;
    CURLcode rc = CURLE_OK;
    json_object *out = NULL;
    jwt_err_t err;

    *why = NULL;
    *status = 0;
    if (!h) {
        *why = "curl_easy_init failed";
        return NULL;
    }
    if (url[0] == '/' && !(url = own_url(c, url, &resolve))) {
        curl_easy_cleanup(h);
        *why = "the handler's URL is a path, but HTTP_HOST, SERVER_ADDR or SERVER_PORT "
               "is missing or malformed";
        return NULL;
    }
    /* the operator's own credentials: the handler admits whom this page admits */
    if ((line = header_line(c->p, "Cookie", env("HTTP_COOKIE")))
        && (n = curl_slist_append(hdrs, line)))
        hdrs = n;
    if ((line = header_line(c->p, "Authorization", env("HTTP_AUTHORIZATION")))
        && (n = curl_slist_append(hdrs, line)))
        hdrs = n;
#define SETOPT(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
    SETOPT(CURLOPT_URL, url);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_PROXY, "");         /* never a proxy from the environment (httpoxy) */
    SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_TIMEOUT_MS, EXPLAIN_TIMEOUT_MS);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_POSTFIELDS, body);
    SETOPT(CURLOPT_HTTPHEADER, hdrs);
    if (resolve)
        SETOPT(CURLOPT_RESOLVE, resolve);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &a);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
#undef SETOPT
    if (rc != CURLE_OK)
        *why = apr_psprintf(c->p, "curl setup failed: %s", curl_easy_strerror(rc));
    else if ((rc = curl_easy_perform(h)) != CURLE_OK)
        *why = a.over ? "the answer is larger than 64 KB"
                      : apr_psprintf(c->p, "%s: %s%s%s", url, curl_easy_strerror(rc),
                                     errbuf[0] ? ": " : "", errbuf);
    else
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(resolve);
    if (*why)
        return NULL;
    a.buf[a.len] = '\0';
    jwt_err_clear(&err);
    if (jwt_json_parse_object(c->p, a.buf, a.len, NULL, &out, &err) != JWT_OK) {
        *why = apr_psprintf(c->p, "%s answered %ld, not with a JSON object: %s", url, *status,
                            err.message);
        return NULL;
    }
    return out;
}

json_object *explain_fetch(admin_ctx_t *c, const char *url, const char *path,
                           const char *token, const char **why)
{
    CURL *h = curl_easy_init();
    char *body = NULL, *epath = NULL, *etok = NULL;
    json_object *out;
    long status = 0;

    *why = NULL;
    if (!h) {
        *why = "curl_easy_init failed";
        return NULL;
    }
    epath = curl_easy_escape(h, path, 0);
    etok = curl_easy_escape(h, token, 0);
    if (epath && etok)
        body = apr_pstrcat(c->p, "path=", epath, "&token=", etok, NULL);
    if (etok)
        OPENSSL_cleanse(etok, strlen(etok));
    curl_free(epath);
    curl_free(etok);
    curl_easy_cleanup(h);
    if (!body) {
        *why = "cannot encode the request";
        return NULL;
    }
    out = admin_post_form(c, url, body, &status, why);
    OPENSSL_cleanse(body, strlen(body));
    if (out && status != 200) {
        *why = apr_psprintf(c->p, "%s answered %ld", url, status);
        return NULL;
    }
    return out;
}

static const char *member(json_object *o, const char *name)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void render_rows(admin_ctx_t *c, json_object *list, const char *key, const char *attr)
{
    page_t *b = c->resp->body;
    size_t i, n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *name = member(e, key), *result = member(e, "result"), *detail = member(e, "detail");
        /* the class is one of ours, whatever the answer says */
        const char *cls = !result ? "skip" : !strcmp(result, "pass") || !strcmp(result, "granted")
            ? (!strcmp(result, "pass") ? "pass" : "granted")
            : !strcmp(result, "fail") ? "fail" : !strcmp(result, "denied") ? "denied" : "skip";
        page_markupf(b, "<tr class=\"%s\" %s=\"", cls, attr);
        page_text(b, name ? name : "");
        page_markup(b, "\"><td><code>");
        page_text(b, name ? name : "");
        page_markupf(b, "</code></td><td class=\"state\">%s</td><td>", cls);
        page_text(b, detail ? detail : "");
        page_markup(b, "</td></tr>\n");
    }
}

void explain_render(admin_ctx_t *c, const char *path, const char *token)
{
    page_t *b = c->resp->body;
    const char *url = env("JWT_ADMIN_EXPLAIN_URL"), *why = NULL, *verdict, *www;
    json_object *ans, *v = NULL;
    int status = 0;

    page_markup(b, "<section><h3>The module's verdict at <code>");
    page_text(b, path);
    page_markup(b, "</code></h3>");
    if (!url) {
        page_markup(b, "<p class=\"verdict fail\" id=\"module-verdict\" data-verdict=\"unavailable\">"
                       "No verdict: set JWT_ADMIN_EXPLAIN_URL to a location of this server with "
                       "SetHandler jwt-explain-handler (see README).</p></section>\n");
        return;
    }
    if (!(ans = explain_fetch(c, url, path, token, &why))) {
        page_markup(b, "<p class=\"verdict fail\" id=\"module-verdict\" data-verdict=\"unavailable\">"
                       "No verdict: ");
        page_text(b, why);
        page_markup(b, "</p></section>\n");
        return;
    }
    if (json_object_object_get_ex(ans, "status", &v) && json_object_is_type(v, json_type_int))
        status = json_object_get_int(v);
    verdict = member(ans, "verdict");
    verdict = verdict && !strcmp(verdict, "granted") ? "granted" : "refused";
    page_markupf(b, "<p class=\"verdict %s\" id=\"module-verdict\" data-verdict=\"%s\" "
                    "data-status=\"%d\">httpd answers %d: the request is %s",
                 !strcmp(verdict, "granted") ? "pass" : "fail", verdict, status, status, verdict);
    if (member(ans, "user")) {
        page_markup(b, " (user ");
        page_text(b, member(ans, "user"));
        page_markup(b, ")");
    }
    page_markup(b, ".</p><p class=\"legend\">Location: AuthType ");
    page_text(b, member(ans, "auth_type") ? member(ans, "auth_type") : "(none)");
    page_markup(b, ", token sent in ");
    page_text(b, member(ans, "token_from") ? member(ans, "token_from") : "?");
    if ((www = member(ans, "www_authenticate"))) {
        page_markup(b, "; WWW-Authenticate: <code>");
        page_text(b, www);
        page_markup(b, "</code>");
    }
    page_markup(b, "</p><table class=\"checks\" id=\"module-stages\"><tr><th>stage</th>"
                   "<th>result</th><th>detail</th></tr>\n");
    json_object_object_get_ex(ans, "stages", &v);
    render_rows(c, v, "stage", "data-stage");
    page_markup(b, "</table><table class=\"rules\" id=\"module-rules\">\n");
    v = NULL;
    json_object_object_get_ex(ans, "rules", &v);
    render_rows(c, v, "rule", "data-rule");
    page_markup(b, "</table></section>\n");
}
