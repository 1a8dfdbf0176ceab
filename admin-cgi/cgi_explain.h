/* cgi_explain.h -- the inspector's "at a URL path" mode (issue 21): the module's own
 * verdict, asked of jwt-explain-handler over HTTP and rendered on the page.
 *
 * Why HTTP: the verdict depends on state that lives only in httpd (the location's merged
 * configuration, its compiled Require rules, the JWKS cache in shared memory, the secrets
 * file as the children last loaded it), so the page asks the server rather than guessing.
 * The CGI posts to JWT_ADMIN_EXPLAIN_URL (a location with SetHandler jwt-explain-handler
 * behind the same authentication as the admin page): a full URL, or a path of this server
 * ("/jwt-admin/explain", then the scheme and Host the browser used, the connection pinned
 * to SERVER_ADDR:port) with the operator's own credentials (the request's Cookie and, with CGIPassAuth On,
 * Authorization header): the explain handler admits exactly who the page admits. No proxy,
 * no redirects, a 5 s timeout, a 64 KB answer at most; the URL comes from the server's
 * configuration, never from the request. */
#ifndef CGI_EXPLAIN_H
#define CGI_EXPLAIN_H

#include <json-c/json.h>
#include "admin.h"

/* POST an application/x-www-form-urlencoded body to one of the module's handlers at url
 * (a full URL, or a path of this server as above) with the operator's credentials; no
 * proxy, no redirects, 5 s, 64 KB. The parsed JSON answer whatever its *status, or NULL
 * with *why (also the revocations page, cgi_revoke.c). */
json_object *admin_post_form(admin_ctx_t *c, const char *url, const char *body, long *status,
                             const char **why);

/* POST path + token to the explain handler. Returns the parsed answer (owned by c->p), or
 * NULL with *why saying what went wrong. */
json_object *explain_fetch(admin_ctx_t *c, const char *url, const char *path,
                           const char *token, const char **why);

/* The verdict section for path (or the reason there is none). */
void explain_render(admin_ctx_t *c, const char *path, const char *token);

#endif
