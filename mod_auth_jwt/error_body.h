/* error_body.h -- answers an API client can read (issue 23).
 *
 * For AuthType jwt locations, the bodies of 400, 401, 403 and 503 answers are JSON:
 *   {"error":"invalid_token","error_description":"token expired"}
 * with Content-Type: application/json, the same error and description as the RFC 6750
 * WWW-Authenticate header (which is unchanged). Not when the client prefers HTML (its
 * Accept header lists text/html above JSON: a browser) or the operator set an ErrorDocument
 * for the status: then httpd's own page, or the operator's, is sent as before.
 */
#ifndef JWT_ERROR_BODY_H
#define JWT_ERROR_BODY_H

#include "httpd.h"

/* Keep the error and description of this answer for its body (jwt_set_challenge calls it;
 * NULLs mean "no error code": a request without a token). */
void jwt_error_note(request_rec *r, const char *error, const char *description);

/* From the insert_error_filter hook: a JSON body for this error answer when it applies. */
void jwt_error_body_insert(request_rec *r);

/* The login handler's 401: Bearer realm = its AuthName, or else the server's name. */
void jwt_login_challenge(request_rec *r);

void jwt_error_body_register(apr_pool_t *p);

#endif
