/* token_find.h -- the first stage: find the bearer token in the places AuthJWTTokenFrom
 * names (header, cookie, query), refusing two different ones (RFC 6750 3.1). */
#ifndef JWT_TOKEN_FIND_H
#define JWT_TOKEN_FIND_H

#include "dir_conf.h"

typedef enum { TOKEN_NONE, TOKEN_FOUND, TOKEN_CONFLICT, TOKEN_BAD_REQUEST } token_find_t;

typedef struct {
    const char *token;       /* the token found so far (lives as long as the request) */
    size_t len;              /* its length */
    const char *where;       /* its source, for the log */
    const char *why;         /* conflict / bad request reason, for the log */
    int dpop_scheme;         /* found as "Authorization: DPoP" (AuthJWTBinding dpop) */
} token_hunt_t;

/* Look in every configured source; the first found is the token, any different one
 * found elsewhere is a conflict. */
token_find_t jwt_find_token(request_rec *r, const jwt_dir_conf_t *conf, token_hunt_t *h);

#endif
