/* cgi_html.h -- building the HTML answer. Every byte that came from outside (a token, a
 * form, the secrets file, the environment) goes through html_escape / page_text; markup
 * written by the program itself goes through page_markup. Nothing else writes HTML. */
#ifndef CGI_HTML_H
#define CGI_HTML_H

#include <stddef.h>
#include <stdio.h>
#include <apr_pools.h>
#include <apr_tables.h>

/* Escape s[0..len) for HTML text and attribute values: & < > " ' become entities; TAB, LF
 * and CR are kept; other control characters and bytes that are not valid UTF-8 are shown
 * as the visible text "\xNN", so nothing invisible or malformed reaches the browser. */
char *html_escape_len(apr_pool_t *p, const char *s, size_t len);
char *html_escape(apr_pool_t *p, const char *s);   /* NULL -> "" */

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *parts;   /* const char * */
} page_t;

page_t *page_make(apr_pool_t *p);
/* Program-written markup only (string literals and values the program formatted itself). */
void page_markup(page_t *pg, const char *html);
void page_markupf(page_t *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text from outside: escaped. */
void page_text(page_t *pg, const char *s);
void page_text_len(page_t *pg, const char *s, size_t len);
const char *page_flatten(page_t *pg, size_t *len);

/* The answer: status, extra headers, body. The security headers are always sent. */
typedef struct {
    int status;
    apr_table_t *headers;
    page_t *body;
} response_t;

response_t *response_make(apr_pool_t *p);
const char *http_reason(int status);
/* Write the CGI answer (Status line, headers, blank line, body). */
void response_write(response_t *r, FILE *out);

#endif
