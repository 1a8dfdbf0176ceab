/* cgi_form.h -- bounded parsing of application/x-www-form-urlencoded data (query strings and
 * POST bodies). Strict on purpose: a malformed form is answered 400 with a message instead
 * of being guessed at, so what the page acts on is exactly what the browser sent. */
#ifndef CGI_FORM_H
#define CGI_FORM_H

#include <stddef.h>
#include <stdio.h>
#include <apr_pools.h>
#include <apr_tables.h>

#define FORM_MAX_BODY     (64 * 1024)   /* whole body or query string */
#define FORM_MAX_FIELDS   32
#define FORM_MAX_NAME     32
#define FORM_MAX_VALUE    (16 * 1024)   /* a token or a claims document fits easily */

typedef struct {
    int status;           /* 0 = ok, else the HTTP status to answer (400, 411, 413, 415) */
    char message[200];    /* for the operator; never echoes field values */
} form_error_t;

/* Decode one percent-encoded component: '+' is a space, '%' must be followed by two hex
 * digits, %00 and other control characters (except TAB, CR, LF) are refused, and the result
 * must be valid UTF-8. Returns NULL and fills fe on error. */
char *form_decode(apr_pool_t *p, const char *in, size_t len, const char *what, form_error_t *fe);

/* Parse "a=1&b=2" into a table of decoded name -> value. Names are limited to [a-z0-9_],
 * a name may appear only once, empty pairs ("a=1&&b=2") are refused. */
apr_table_t *form_parse(apr_pool_t *p, const char *data, size_t len, form_error_t *fe);

/* Read a POST body as CGI delivers it: CONTENT_LENGTH (strict decimal, capped), the content
 * type application/x-www-form-urlencoded (charset parameter allowed), exactly that many
 * bytes from in. Returns the parsed form, or NULL with fe->status set. */
apr_table_t *form_read_post(apr_pool_t *p, const char *content_type, const char *content_length,
                            FILE *in, form_error_t *fe);

/* A field that must be present; NULL and fe filled (400) when it is not. */
const char *form_require(apr_table_t *form, const char *name, form_error_t *fe);

#endif
