/* cgi_layout.c -- the page frame (head, navigation, footer), error pages, form helpers. */
#include <apr_strings.h>
#include "admin.h"

static void nav_link(admin_ctx_t *c, const char *page, const char *label, const char *current)
{
    page_t *b = c->resp->body;
    page_markup(b, "<a href=\"");
    page_text(b, c->script);
    page_markupf(b, "?page=%s\"%s>%s</a>", page,
                 apr_strnatcmp(page, current) == 0 ? " class=\"current\" aria-current=\"page\"" : "",
                 label);
}

void layout_begin(admin_ctx_t *c, const char *title, const char *current)
{
    page_t *b = c->resp->body;
    page_markup(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>");
    page_text(b, title);
    page_markup(b, " - JWT admin</title><link rel=\"icon\" type=\"image/svg+xml\" href=\"");
    page_text(b, c->assets);
    page_markup(b, "/favicon.svg\"><link rel=\"stylesheet\" href=\"");
    page_text(b, c->assets);
    page_markup(b, "/admin.css\"><script src=\"");
    page_text(b, c->assets);
    page_markup(b, "/admin.js\" defer></script></head>\n<body>\n<header><h1>JWT admin</h1><nav>");
    nav_link(c, "inspect", "Inspect", current);
    nav_link(c, "secrets", "Secrets", current);
    nav_link(c, "mint", "Test token", current);
    nav_link(c, "revocations", "Revocations", current);
    page_markup(b, "</nav><p class=\"user\">Signed in as <strong>");
    page_text(b, c->user);
    page_markup(b, "</strong></p></header>\n");
    if (c->unauthenticated)
        page_markup(b, "<p class=\"banner warn\">Running without authentication "
                       "(JWT_ADMIN_ALLOW_UNAUTHENTICATED=1): for local testing only.</p>\n");
    page_markup(b, "<main>\n<h2>");
    page_text(b, title);
    page_markup(b, "</h2>\n");
}

void layout_end(admin_ctx_t *c)
{
    page_markup(c->resp->body, "</main>\n<footer>mod_auth_jwt admin &middot; tokens pasted here "
                               "are never stored or logged</footer>\n</body></html>\n");
}

void layout_error(admin_ctx_t *c, int status, const char *title, const char *message)
{
    c->resp->status = status;
    c->resp->body = page_make(c->p);
    layout_begin(c, title, "");
    page_markupf(c->resp->body, "<p class=\"error\" id=\"error\" data-status=\"%d\">", status);
    page_text(c->resp->body, message);
    page_markup(c->resp->body, "</p>\n");
    layout_end(c);
}

void layout_form_open(admin_ctx_t *c, const char *page, const char *cls)
{
    page_t *b = c->resp->body;
    page_markupf(b, "<form method=\"post\" class=\"%s\" action=\"", cls ? cls : "");
    page_text(b, c->script);
    page_markupf(b, "?page=%s\">", page);
    layout_hidden(c, "csrf", c->csrf);
}

void layout_hidden(admin_ctx_t *c, const char *name, const char *value)
{
    page_t *b = c->resp->body;
    page_markup(b, "<input type=\"hidden\" name=\"");
    page_text(b, name);
    page_markup(b, "\" value=\"");
    page_text(b, value);
    page_markup(b, "\">");
}

/* Rounded to the largest sensible unit: operators want "expired 3 h ago", not seconds. */
static const char *duration_words(apr_pool_t *p, int64_t secs)
{
    /* apr_psprintf knows APR_INT64_T_FMT, not %lld */
    if (secs < 60) return apr_psprintf(p, "%" APR_INT64_T_FMT " s", (apr_int64_t)secs);
    if (secs < 3600) return apr_psprintf(p, "%" APR_INT64_T_FMT " min", (apr_int64_t)(secs / 60));
    if (secs < 86400 * 2) return apr_psprintf(p, "%" APR_INT64_T_FMT " h", (apr_int64_t)(secs / 3600));
    return apr_psprintf(p, "%" APR_INT64_T_FMT " days", (apr_int64_t)(secs / 86400));
}

const char *relative_time(apr_pool_t *p, int64_t t, int64_t now)
{
    if (t == now) return "now";
    if (t > now) return apr_pstrcat(p, "in ", duration_words(p, t - now), NULL);
    return apr_pstrcat(p, duration_words(p, now - t), " ago", NULL);
}
