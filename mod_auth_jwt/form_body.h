/* form_body.h -- reading a POST body of at most N bytes, and an
 * application/x-www-form-urlencoded one into a table (the jwt-explain-handler, the
 * jwt-revoke-handler and the login handler's read of its body).
 *
 * The body is read in the request's pool and wiped when that pool goes: the callers' bodies
 * hold tokens or passwords.
 */
#ifndef JWT_FORM_BODY_H
#define JWT_FORM_BODY_H

#include "httpd.h"
#include <apr_tables.h>

/* Reads the body (dechunked), at most max bytes, NUL-terminated in *out (*outlen bytes
 * before the NUL, which may hold NULs of its own). Returns OK; HTTP_REQUEST_ENTITY_TOO_LARGE
 * for a Content-Length over max before reading anything, and as soon as more than max
 * bytes came of a chunked body (the rest is not read, so the connection is marked to
 * close); HTTP_BAD_REQUEST when reading failed; or ap_setup_client_block's status. */
int jwt_form_read_body(request_rec *r, apr_size_t max, char **out, apr_size_t *outlen);

/* Reads a form body of at most max bytes into form, one value per name: a body with a NUL
 * byte, a bad %-escape or a name given twice is HTTP_BAD_REQUEST (no ambiguity); a pair
 * without '=' is skipped. Other answers as jwt_form_read_body. */
int jwt_form_read(request_rec *r, apr_size_t max, apr_table_t *form);

#endif
