/* jwt_jws_int.h -- what jwt_jws.c and jwt_jws_raw.c share; not part of the core's
 * interface (jwt_jws.h is). */
#ifndef JWT_JWS_INT_H
#define JWT_JWS_INT_H

#include <stddef.h>
#include "jwt_key.h"

/* Copy an untrusted string (kid, names) into buf for a log line: printable ASCII, at
 * most 48 characters, "..." when cut. Returns buf. */
const char *jwsi_safe_text(char *buf, size_t size, const char *s);

/* "kid=rs" or "without kid", for messages (no pool on the request path's error text). */
const char *jwsi_key_label(char *buf, size_t size, const jwt_key_t *key);

/* Frees a verification context jwt_jws_raw.c made for key->ready[alg] (jwt_key.c calls
 * it when the key's pool goes). */
void jwt_jws_ready_free(jwt_alg_t alg, void *ready);

#endif
