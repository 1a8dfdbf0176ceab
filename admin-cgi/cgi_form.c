/* cgi_form.c -- bounded, strict application/x-www-form-urlencoded parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "cgi_form.h"
#include "jwt_json.h"

static void *form_fail(form_error_t *fe, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *form_fail(form_error_t *fe, int status, const char *fmt, ...)
{
    va_list ap;
    fe->status = status;
    va_start(ap, fmt);
    vsnprintf(fe->message, sizeof(fe->message), fmt, ap);
    va_end(ap);
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int utf8_valid(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = jwt_utf8_char_len(s + i, len - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

char *form_decode(apr_pool_t *p, const char *in, size_t len, const char *what, form_error_t *fe)
{
    char *out = apr_palloc(p, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3 || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0)
                return form_fail(fe, 400, "bad percent-encoding in %s", what);
            c = (unsigned char)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
            i += 2;
        } else if (c < 0x21 || c == 0x7f) {
            /* raw spaces and controls never appear in a correctly encoded form */
            return form_fail(fe, 400, "unencoded control or space character in %s", what);
        }
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return form_fail(fe, 400, "control character in %s", what);
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (!utf8_valid((const unsigned char *)out, o))
        return form_fail(fe, 400, "invalid UTF-8 in %s", what);
    return out;
}

static int name_valid(const char *name)
{
    if (*name == '\0') return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    }
    return 1;
}

/* One "name=value" pair at data[0..len). */
static int parse_pair(apr_pool_t *p, apr_table_t *form, const char *data, size_t len,
                      form_error_t *fe)
{
    const char *eq = memchr(data, '=', len);
    size_t nlen = eq ? (size_t)(eq - data) : len;
    if (nlen == 0) {
        form_fail(fe, 400, "form field without a name");
        return 0;
    }
    if (nlen > FORM_MAX_NAME) {
        form_fail(fe, 400, "form field name longer than %d bytes", FORM_MAX_NAME);
        return 0;
    }
    char *name = form_decode(p, data, nlen, "a field name", fe);
    if (name == NULL) return 0;
    if (!name_valid(name)) {
        form_fail(fe, 400, "form field name must be [a-z0-9_]");
        return 0;
    }
    size_t vlen = eq ? len - nlen - 1 : 0;
    /* encoded text is at most 3 bytes per decoded byte: refuse early, before decoding */
    if (vlen > (size_t)FORM_MAX_VALUE * 3) {
        form_fail(fe, 413, "form field %s: value over %d bytes", name, FORM_MAX_VALUE);
        return 0;
    }
    char *value = eq ? form_decode(p, eq + 1, vlen, apr_psprintf(p, "field %s", name), fe)
                     : apr_pstrdup(p, "");
    if (value == NULL) return 0;
    if (strlen(value) > FORM_MAX_VALUE) {
        form_fail(fe, 413, "form field %s: value over %d bytes", name, FORM_MAX_VALUE);
        return 0;
    }
    if (apr_table_get(form, name) != NULL) {
        /* two values for one name: which one would we act on? refuse instead of guessing */
        form_fail(fe, 400, "form field %s given more than once", name);
        return 0;
    }
    apr_table_setn(form, name, value);
    return 1;
}

apr_table_t *form_parse(apr_pool_t *p, const char *data, size_t len, form_error_t *fe)
{
    memset(fe, 0, sizeof(*fe));
    if (len > FORM_MAX_BODY)
        return form_fail(fe, 413, "form data over %d bytes", FORM_MAX_BODY);
    apr_table_t *form = apr_table_make(p, 8);
    if (len == 0)
        return form;
    size_t start = 0;
    int fields = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && data[i] != '&')
            continue;
        if (i == start)
            return form_fail(fe, 400, "empty field in form data");
        if (++fields > FORM_MAX_FIELDS)
            return form_fail(fe, 400, "more than %d form fields", FORM_MAX_FIELDS);
        if (!parse_pair(p, form, data + start, i - start, fe))
            return NULL;
        start = i + 1;
    }
    return form;
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static int parse_length(const char *s, size_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 18)
        return 0;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0)
        return 0;
    *out = (size_t)v;
    return 1;
}

static int content_type_is_form(const char *ct)
{
    static const char want[] = "application/x-www-form-urlencoded";
    size_t n = sizeof(want) - 1;
    if (ct == NULL || strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';';
}

apr_table_t *form_read_post(apr_pool_t *p, const char *content_type, const char *content_length,
                            FILE *in, form_error_t *fe)
{
    memset(fe, 0, sizeof(*fe));
    size_t len = 0;
    if (content_length == NULL || *content_length == '\0')
        return form_fail(fe, 411, "POST without Content-Length");
    if (!parse_length(content_length, &len))
        return form_fail(fe, 400, "malformed Content-Length");
    if (len > FORM_MAX_BODY)
        return form_fail(fe, 413, "request body over %d bytes", FORM_MAX_BODY);
    if (!content_type_is_form(content_type))
        return form_fail(fe, 415, "request body must be application/x-www-form-urlencoded");
    char *buf = apr_palloc(p, len + 1);
    size_t got = 0;
    while (got < len) {
        size_t n = fread(buf + got, 1, len - got, in);
        if (n == 0)
            return form_fail(fe, 400, "request body shorter than Content-Length");
        got += n;
    }
    buf[len] = '\0';
    return form_parse(p, buf, len, fe);
}

const char *form_require(apr_table_t *form, const char *name, form_error_t *fe)
{
    const char *v = apr_table_get(form, name);
    if (v == NULL)
        return form_fail(fe, 400, "form field %s missing", name);
    return v;
}
