/* accept.h -- Accept header negotiation (accept.c). */
#ifndef JWT_ACCEPT_H
#define JWT_ACCEPT_H

#include "httpd.h"

/* Does the Accept header prefer text/html (or XHTML) over JSON? Listed explicitly with a
 * q above that of application/json (or of * / * when JSON is not listed): a browser's
 * navigation. curl's "* / *", a missing header and ties are not. */
int jwt_prefers_html(const request_rec *r);

#endif
