/* cgi_html.c -- HTML escaping and the buffered CGI answer. */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "cgi_html.h"
#include "jwt_json.h"

static const char *entity_for(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

char *html_escape_len(apr_pool_t *p, const char *s, size_t len)
{
    /* worst case: every byte becomes "\xNN" (4) or "&quot;" (6) */
    char *out = apr_palloc(p, len * 6 + 1);
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        const char *ent = entity_for(c);
        if (ent) {
            size_t n = strlen(ent);
            memcpy(out + o, ent, n);
            o += n;
            i++;
        } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            o += (size_t)snprintf(out + o, 5, "\\x%02X", c);
            i++;
        } else {
            size_t n = jwt_utf8_char_len(u + i, len - i);
            if (n == 0) {
                o += (size_t)snprintf(out + o, 5, "\\x%02X", c);
                i++;
            } else {
                memcpy(out + o, u + i, n);
                o += n;
                i += n;
            }
        }
    }
    out[o] = '\0';
    return out;
}

char *html_escape(apr_pool_t *p, const char *s)
{
    return s ? html_escape_len(p, s, strlen(s)) : apr_pstrdup(p, "");
}

page_t *page_make(apr_pool_t *p)
{
    page_t *pg = apr_palloc(p, sizeof(*pg));
    pg->pool = p;
    pg->parts = apr_array_make(p, 64, sizeof(const char *));
    return pg;
}

void page_markup(page_t *pg, const char *html)
{
    *(const char **)apr_array_push(pg->parts) = html;
}

void page_markupf(page_t *pg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    page_markup(pg, apr_pvsprintf(pg->pool, fmt, ap));
    va_end(ap);
}

void page_text(page_t *pg, const char *s)
{
    page_markup(pg, html_escape(pg->pool, s));
}

void page_text_len(page_t *pg, const char *s, size_t len)
{
    page_markup(pg, html_escape_len(pg->pool, s, len));
}

const char *page_flatten(page_t *pg, size_t *len)
{
    const char *all = apr_array_pstrcat(pg->pool, pg->parts, '\0');
    if (len) *len = strlen(all);
    return all;
}

response_t *response_make(apr_pool_t *p)
{
    response_t *r = apr_palloc(p, sizeof(*r));
    r->status = 200;
    r->headers = apr_table_make(p, 4);
    r->body = page_make(p);
    return r;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    default: return "Error";
    }
}

static int write_header(void *out, const char *key, const char *value)
{
    fprintf((FILE *)out, "%s: %s\r\n", key, value);
    return 1;
}

void response_write(response_t *r, FILE *out)
{
    size_t len = 0;
    const char *body = page_flatten(r->body, &len);
    fprintf(out, "Status: %d %s\r\n", r->status, http_reason(r->status));
    fputs("Content-Type: text/html; charset=utf-8\r\n", out);
    /* No inline script or style anywhere: the page's own files only. */
    fputs("Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
          "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'\r\n", out);
    fputs("X-Frame-Options: DENY\r\n", out);
    fputs("X-Content-Type-Options: nosniff\r\n", out);
    fputs("Cache-Control: no-store\r\n", out);
    fputs("Referrer-Policy: same-origin\r\n", out);
    apr_table_do(write_header, out, r->headers, NULL);
    fprintf(out, "Content-Length: %zu\r\n\r\n", len);
    fwrite(body, 1, len, out);
    fflush(out);
}
