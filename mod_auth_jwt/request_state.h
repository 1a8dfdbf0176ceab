/* request_state.h -- the one struct the request's stages meet at: what authentication
 * leaves in r->request_config for authorization and the export (never parsed twice).
 * Filled by authn.c, read by authz.c and env.c. */
#ifndef JWT_REQUEST_STATE_H
#define JWT_REQUEST_STATE_H

#include "httpd.h"
#include "jwt_jws.h"
#include "jwt_key.h"

/* What authn leaves for authz in r->request_config (never parsed twice). */
typedef struct {
    const jwt_token_t *token;
    json_object *claims;             /* token->payload, owned by r->pool */
    const jwt_key_t *key;            /* the key that verified */
    const char *scope_missed;        /* set by jwt-scope on a miss: scopes it wanted */
    int has_cnf;                     /* claims has a cnf member (from verify_cache) */
} jwt_request_state_t;

/* This request's state (authn.c), or NULL before authentication stored one. */
jwt_request_state_t *jwt_request_state(const request_rec *r);

#endif
