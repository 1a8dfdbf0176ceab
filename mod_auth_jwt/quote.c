/* quote.c -- RFC 9110 quoted-string bodies for header values (WWW-Authenticate). */
#include "quote.h"

#include <apr_strings.h>
#include <apr_lib.h>

const char *jwt_quote(apr_pool_t *p, const char *s)
{
    size_t n = 0, i;
    const char *c;
    char *out;

    for (c = s; *c; c++)
        n += (*c == '"' || *c == '\\') ? 2 : 1;
    out = apr_palloc(p, n + 1);
    for (i = 0, c = s; *c; c++) {
        if (apr_iscntrl(*c))
            continue;                  /* never let a value break the header line */
        if (*c == '"' || *c == '\\')
            out[i++] = '\\';
        out[i++] = *c;
    }
    out[i] = '\0';
    return out;
}
