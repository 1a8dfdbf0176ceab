/* revoke.h -- the ways in to revocation (revoke.c): jwt-revoke-handler, an RFC 7009 token
 * revocation endpoint, and the revocation of the presented token at logout.
 *
 *   <Location /auth/revoke>                  # a token holder revokes its own token
 *     SetHandler jwt-revoke-handler
 *     AuthJWTKeyFile ... AuthJWTIssuer ...   # the keys and rules of the APIs' tokens
 *   </Location>
 *   <Location /admin/revoke>                 # operators: any jti or subject
 *     SetHandler jwt-revoke-handler
 *     AuthType Basic ... Require valid-user  # any Apache authn provider
 *     AuthJWTKeyFile ...
 *   </Location>
 *
 * POST application/x-www-form-urlencoded:
 *   token=JWT[&token_type_hint=access_token]  (RFC 7009 2.1) the token is verified with the
 *       location's keys and rules; its iss+jti is revoked until its exp + leeway (a token
 *       without jti: its subject is cut off at its iat). 200 whether or not the token was
 *       valid or known (RFC 7009 2.2); an invalid token revokes nothing.
 *   jti=JTI&iss=ISS, or sub=SUB&iss=ISS[&before=T]  operators only: a user this location
 *       authenticated (any AuthType: Basic with an authn provider, or jwt with a Require
 *       that only operators pass, as the admin page's); 403 otherwise.
 * The store unavailable, or not keeping what was written (read back after the write): 503
 * with Retry-After and nothing claimed. Every revocation is logged (AH-JWT-1120: who,
 * iss, jti or sub, when; never the token).
 */
#ifndef JWT_REVOKE_H
#define JWT_REVOKE_H

#include "dir_conf.h"

int jwt_revoke_handler(request_rec *r);

/* jwt-logout-handler: when conf has AuthJWTRevocation On, find the request's token the
 * way the location reads it, verify it, revoke its jti. Logged; never an error answer
 * (logging out still clears the cookie). */
void jwt_revoke_presented(request_rec *r, const jwt_dir_conf_t *conf);

#endif
