/* explain.h -- jwt-explain-handler (issue 21): the module's own verdict for a URL path of
 * this server, stage by stage, for the admin page's inspector.
 *
 *   <Location /jwt-admin/explain>           # inside (or protected like) the admin location
 *     SetHandler jwt-explain-handler
 *   </Location>
 *   POST path=/api/orders/&token=eyJ...[&method=GET]   (application/x-www-form-urlencoded;
 *        path may also come in the query string, the token never does)
 *   -> 200 application/json {"path", "method", "auth_type", "status", "verdict",
 *        "www_authenticate", "user", "stages": [{"stage", "result", "detail"}...],
 *        "rules": [{"rule", "result", "detail"}...]}
 *
 * The path is looked up as a subrequest (ap_sub_req_method_uri: no handler runs, so no
 * backend is called) carrying only the given token, in the first source that location reads
 * it from. That location's real pipeline runs: its key files, secrets file and the JWKS
 * cache as they are now (a token naming an unknown kid may cause the same rate-limited
 * refetch a real request would), its claim checks and its Require rules, as httpd itself
 * evaluates them. The token cache is not consulted, so every stage runs. The answer names
 * keys by kid, type and source and never holds key material or the token. The handler
 * refuses to run for an unauthenticated request: it must sit behind the admin page's
 * authentication. */
#ifndef JWT_EXPLAIN_H
#define JWT_EXPLAIN_H

#include "httpd.h"
#include "jwt_err.h"
#include "jwt_jws.h"
#include "jwt_key.h"

typedef struct jwt_explain jwt_explain_t;

/* The explanation this request adds to, when it is an explain handler's subrequest. */
jwt_explain_t *jwt_explaining(const request_rec *r);

/* Record what authn decided (no-ops outside an explain subrequest). */
void jwt_explain_stage(request_rec *r, const char *stage, const char *result,
                       const char *detail);
/* The verify path failed with err: the stages before the failing one passed. */
void jwt_explain_refused(request_rec *r, const jwt_err_t *err);
/* The verify path passed: parse, signature (with the key) and claims. */
void jwt_explain_verified(request_rec *r, const jwt_token_t *t, const jwt_key_t *key);
/* A Require jwt-* line as authz evaluated it. */
void jwt_explain_rule(request_rec *r, const char *provider, const char *line, int granted,
                      const char *why);

int jwt_explain_handler(request_rec *r);

#endif
