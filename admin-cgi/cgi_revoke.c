/* cgi_revoke.c -- the revocations page (issue 25): revoke a pasted token, a jti or every
 * token of a subject, and the last 100 revocations from the module's audit file.
 *
 * The CGI cannot reach httpd's socache, so it asks the module: a POST to
 * JWT_ADMIN_REVOKE_URL (a location with SetHandler jwt-revoke-handler behind the same
 * authentication as this page; a path of this server or a full URL, as
 * JWT_ADMIN_EXPLAIN_URL) with the operator's own credentials (admin_post_form). The list is
 * read from JWT_ADMIN_REVOCATION_LOG, the module's AuthJWTRevocationAuditLog file: the
 * module writes a line there for every revocation, from this page, the RFC 7009 endpoint or
 * a logout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include "admin.h"
#include "cgi_explain.h"

#define LIST_MAX 100
#define LOG_TAIL (256 * 1024)     /* bytes read from the end of the audit file */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static const char *field(admin_ctx_t *c, const char *name)
{
    const char *v = apr_table_get(c->form, name);
    return v && *v ? v : NULL;
}

/* name=value&... with curl's escaping; NULL values are left out */
static char *encode(admin_ctx_t *c, const char *const *pairs, int n)
{
    CURL *h = curl_easy_init();
    char *out = apr_pstrdup(c->p, "");
    int i;

    if (!h)
        return NULL;
    for (i = 0; i + 1 < n; i += 2) {
        char *e;
        if (!pairs[i + 1])
            continue;
        if (!(e = curl_easy_escape(h, pairs[i + 1], 0))) {
            curl_easy_cleanup(h);
            return NULL;
        }
        out = apr_pstrcat(c->p, out, *out ? "&" : "", pairs[i], "=", e, NULL);
        OPENSSL_cleanse(e, strlen(e));
        curl_free(e);
    }
    curl_easy_cleanup(h);
    return out;
}

/* POST the chosen revocation; the notice to show (c->resp->status set on failure). */
static const char *do_revoke(admin_ctx_t *c)
{
    const char *url = env("JWT_ADMIN_REVOKE_URL"), *what = field(c, "do"), *why = NULL;
    const char *pairs[6] = { NULL };
    json_object *ans, *v = NULL;
    char *body;
    long status = 0;

    if (!url) {
        c->resp->status = 500;
        return "Set JWT_ADMIN_REVOKE_URL to a location of this server with SetHandler "
               "jwt-revoke-handler (see README). Nothing was revoked.";
    }
    if (what && !strcmp(what, "token") && field(c, "token")) {
        pairs[0] = "token"; pairs[1] = field(c, "token");
    }
    else if (what && (!strcmp(what, "jti") || !strcmp(what, "sub"))
             && (!field(c, "iss") || !*field(c, "iss"))) {
        /* the handler keys entries by issuer: without one it would revoke nothing */
        c->resp->status = 400;
        return "Give the issuer (iss) of the tokens to revoke. Nothing was revoked.";
    }
    else if (what && !strcmp(what, "jti") && field(c, "jti")) {
        pairs[0] = "jti"; pairs[1] = field(c, "jti"); pairs[2] = "iss"; pairs[3] = field(c, "iss");
    }
    else if (what && !strcmp(what, "sub") && field(c, "sub")) {
        pairs[0] = "sub"; pairs[1] = field(c, "sub"); pairs[2] = "iss"; pairs[3] = field(c, "iss");
    }
    else {
        c->resp->status = 400;
        return "Give a token, a jti or a subject. Nothing was revoked.";
    }
    if (!(body = encode(c, pairs, 6))) {
        c->resp->status = 500;
        return "Cannot encode the request. Nothing was revoked.";
    }
    ans = admin_post_form(c, url, body, &status, &why);
    OPENSSL_cleanse(body, strlen(body));
    if (!ans) {
        c->resp->status = 502;
        return apr_pstrcat(c->p, "The revocation handler could not be asked: ", why,
                           ". Nothing was revoked.", NULL);
    }
    if (status != 200) {
        const char *d = json_object_object_get_ex(ans, "error_description", &v)
                        && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                        : "no description";
        c->resp->status = status == 403 ? 403 : 502;
        return apr_psprintf(c->p, "The revocation handler answered %ld: %s. Nothing was "
                            "revoked.", status, d);
    }
    if (!json_object_object_get_ex(ans, "revoked", &v) || !json_object_is_type(v, json_type_string))
        return "The token is not valid here (bad signature, expired, another issuer): "
               "nothing to revoke.";
    return !strcmp(json_object_get_string(v), "jti") ? "Revoked: the token's jti."
         : "Revoked: every token of the subject issued up to now.";
}

/* The last LIST_MAX lines of the audit file, newest first, as a table. The lines are the
 * module's (already escaped for the log); they are escaped again for HTML here. */
static void render_list(admin_ctx_t *c)
{
    page_t *b = c->resp->body;
    const char *path = env("JWT_ADMIN_REVOCATION_LOG");
    char *buf, *line, *lines[LIST_MAX];
    FILE *f;
    long size, from;
    size_t got;
    int n = 0, i;

    page_markup(b, "<section><h3>Recent revocations</h3>");
    if (!path) {
        page_markup(b, "<p class=\"legend\">Set JWT_ADMIN_REVOCATION_LOG to the module's "
                       "AuthJWTRevocationAuditLog file to list them here.</p></section>\n");
        return;
    }
    if (!(f = fopen(path, "re"))) {
        page_markup(b, "<p class=\"legend\" id=\"revocations-none\">No revocation yet (");
        page_text(b, path);
        page_markup(b, " cannot be read).</p></section>\n");
        return;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    from = size > LOG_TAIL ? size - LOG_TAIL : 0;
    fseek(f, from, SEEK_SET);
    buf = apr_palloc(c->p, LOG_TAIL + 1);
    got = fread(buf, 1, LOG_TAIL, f);
    fclose(f);
    buf[got] = '\0';
    /* newest last in the file: walk back from the end */
    while (got > 0 && n < LIST_MAX) {
        while (got > 0 && buf[got - 1] == '\n')
            buf[--got] = '\0';
        for (line = buf + got; line > buf && line[-1] != '\n'; line--)
            ;
        if (line == buf && from > 0)
            break;                     /* a partial first line of the tail */
        if (strstr(line, " revoke "))
            lines[n++] = line;
        if (line == buf)
            break;
        got = (size_t)(line - buf) - 1;
        buf[got] = '\0';
    }
    page_markupf(b, "<table class=\"revocations\" id=\"revocations\" data-count=\"%d\">"
                    "<tr><th>when, who, what</th></tr>\n", n);
    for (i = 0; i < n; i++) {
        page_markup(b, "<tr><td><code>");
        page_text(b, lines[i]);
        page_markup(b, "</code></td></tr>\n");
    }
    page_markup(b, "</table></section>\n");
}

/* The form that revokes by one claim (jti, or sub: every token of the subject) of an
 * issuer. title, claim and button are constant markup. */
static void by_claim_form(admin_ctx_t *c, const char *title, const char *claim,
                          const char *button)
{
    page_t *b = c->resp->body;

    page_markupf(b, "<section><h3>%s</h3>", title);
    layout_form_open(c, "revocations", "revoke");
    layout_hidden(c, "do", claim);
    page_markupf(b, "<div class=\"row\"><label for=\"revoke-%s\">%s</label><input id=\"revoke-%s\" "
                    "name=\"%s\"><label for=\"revoke-%s-iss\">iss</label><input "
                    "id=\"revoke-%s-iss\" name=\"iss\" required></div><button type=\"submit\" "
                    "id=\"revoke-%s-submit\">%s</button></form></section>\n",
                 claim, claim, claim, claim, claim, claim, claim, button);
}

void page_revocations(admin_ctx_t *c)
{
    page_t *b;
    const char *notice = NULL;

    if (c->is_post)
        notice = do_revoke(c);
    layout_begin(c, "Revocations", "revocations");
    b = c->resp->body;
    if (notice) {
        page_markupf(b, "<p class=\"notice %s\" id=\"notice\">", c->resp->status == 200 ? "ok" : "error");
        page_text(b, notice);
        page_markup(b, "</p>\n");
    }
    page_markup(b, "<section><h3>Revoke a token</h3>");
    layout_form_open(c, "revocations", "revoke");
    layout_hidden(c, "do", "token");
    page_markup(b, "<label for=\"revoke-token\">Token (its jti is revoked until it expires)</label>"
                   "<textarea id=\"revoke-token\" name=\"token\" rows=\"4\" spellcheck=\"false\">"
                   "</textarea><button type=\"submit\" id=\"revoke-token-submit\">Revoke token"
                   "</button></form></section>\n");
    by_claim_form(c, "Revoke by jti", "jti", "Revoke jti");
    by_claim_form(c, "Log a subject out everywhere", "sub",
                  "Revoke every token of this subject issued up to now");
    render_list(c);
    layout_end(c);
}
