/* quote.h -- quoted-string bodies (quote.c), below every unit that writes a header. */
#ifndef JWT_QUOTE_H
#define JWT_QUOTE_H

#include <apr_pools.h>

/* RFC 9110 quoted-string body: backslash-escape '"' and '\', drop control characters. */
const char *jwt_quote(apr_pool_t *p, const char *s);

#endif
