/* revocation.h -- stage 4 of the pipeline (authn.c): refuse a verified token that has been
 * revoked (revocation.c). Runs on every request of a location with AuthJWTRevocation On,
 * whether the token came from the token cache or was verified now, after the signature and
 * the claims: only a genuine token's claims are looked up.
 *
 *   revoked (iss+jti, or issued at or before its iss+sub cut-off)  -> 401 invalid_token,
 *       error_description="token revoked"
 *   a cut-off exists and the token has neither iat nor nbf         -> the same 401
 *   no exp, or exp + leeway beyond now + AuthJWTRevocationHorizon, or exp + leeway more
 *   than the horizon after iat/nbf: it could outlive its revocation  -> 401 invalid_token,
 *       error_description=JWT_REVOCATION_BEYOND_HORIZON
 *   the store lost its entries at T (store_canary.h) and the token has no iat or an iat
 *   before T, until T + AuthJWTRevocationHorizon               -> 401 invalid_token,
 *       error_description=JWT_REVOCATION_STATE_LOST
 *   the store cannot be asked: AuthJWTRevocationOnError deny       -> 503 + Retry-After
 *                              AuthJWTRevocationOnError allow      -> accepted
 *   (either logged once per streak of failures, and once when it answers again)
 *
 * AuthJWTRevocationCheckInterval N > 0: a child reuses a "not revoked" answer for the same
 * iss, jti, sub and issue time for N seconds (a per-process table); N is then the bound on
 * how long a revocation takes to reach every server.
 */
#ifndef JWT_REVOCATION_H
#define JWT_REVOCATION_H

#include "dir_conf.h"
#include "request_state.h"

#define JWT_REVOCATION_RETRY_AFTER "5"

/* OK, or the answer: HTTP_UNAUTHORIZED (the caller, authn.c, writes the invalid_token
 * challenge with JWT_REVOCATION_DESCRIPTION) or HTTP_SERVICE_UNAVAILABLE (Retry-After set). */
#define JWT_REVOCATION_DESCRIPTION "token revoked"
#define JWT_REVOCATION_BEYOND_HORIZON "token lives longer than revocations are kept"
#define JWT_REVOCATION_STATE_LOST \
    "revocation state was lost after this token was issued; get a new token"
/* The error_description of this request's 401 from the stage. */
const char *jwt_revocation_description(const request_rec *r);
int jwt_revocation_stage(request_rec *r, const jwt_dir_conf_t *conf,
                         const jwt_request_state_t *st);

/* The claims revocation keys on, as strings (NULL when absent or not a string), and the
 * issue time (iat, else nbf, else -1). Shared with the ways in (revoke.c). */
typedef struct {
    const char *iss, *jti, *sub;
    apr_int64_t issued;
    apr_int64_t iat;                  /* -1 without iat */
    apr_int64_t exp;                  /* -1 without exp */
} jwt_rev_claims_t;
void jwt_revocation_claims(json_object *claims, jwt_rev_claims_t *out);

void jwt_revocation_register_hooks(apr_pool_t *p);

#endif
