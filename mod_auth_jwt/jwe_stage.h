/* jwe_stage.h -- the pipeline's stage 2 (authn.c): encrypted tokens (JWE, RFC 7516).
 *
 * A token of five segments is a compact JWE. Where the location accepts JWE
 * (AuthJWTEncryption, jwe_conf.h) the stage hands verify_cache.c an opening layer: on a
 * cache miss the token is decrypted with the location's decryption keys; a nested JWT
 * (cty "JWT", RFC 7519 5.2) becomes the inner JWS that is verified like any token, and a
 * payload of bare claims is accepted only when a shared secret decrypted it (dir, AES key
 * wrap: the sender holds the secret), never under RSA-OAEP / ECDH-ES (anyone holding the
 * public key could have made it). The cache is keyed by the whole JWE, so a hit skips the
 * decryption too.
 *
 * Every JWE failure is the same answer to the client (401 invalid_token, "token could not
 * be decrypted": no padding, MAC or key oracle) and its precise reason goes to the error
 * log (AH-JWT-10xx). A location without any JWE directive skips the stage (the JWS parser
 * refuses five segments), so a plain JWS there costs nothing more; one with JWE
 * directives counts the token's dots.
 */
#ifndef JWT_JWE_STAGE_H
#define JWT_JWE_STAGE_H

#include "dir_conf.h"
#include "token_find.h"
#include "verify_cache.h"

/* OK: *u is NULL (a plain JWS, go on) or the opening layer for the verify stage. Else
 * HTTP_UNAUTHORIZED, with *refusal the error_description for the challenge (the reason
 * is logged). */
int jwt_jwe_stage(request_rec *r, const jwt_dir_conf_t *conf, const token_hunt_t *hunt,
                  jwt_unwrap_t **u, const char **refusal);

/* 1 when a compact token has exactly five segments (four dots). */
int jwt_jwe_is_compact_jwe(const char *token, size_t len);

#endif
