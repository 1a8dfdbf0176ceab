/* jwt_jws_int.h -- what jwt_jws.c and jwt_jws_raw.c share; not part of the core's
 * interface (jwt_jws.h is). */
#ifndef JWT_JWS_INT_H
#define JWT_JWS_INT_H

#include <stddef.h>
#include <apr_pools.h>
#include "jwt_key.h"
#include "jwt_jws.h"

/* Copy an untrusted string (kid, names) into buf for a log line: printable ASCII, at
 * most 48 characters, "..." when cut. Returns buf. */
const char *jwsi_safe_text(char *buf, size_t size, const char *s);

/* "kid=rs" or "without kid", for messages (no pool on the request path's error text). */
const char *jwsi_key_label(char *buf, size_t size, const jwt_key_t *key);

/* The header memo (jwt_jws_memo.c). answer: when memo holds the header encoded exactly as
 * b64[0..b64_len) checked under lim, fills t's header, header_json, alg, alg_name, kid and
 * typ (pool copies) and returns 1; else 0. keep: remembers t's checked header (t filled by
 * the checks, header_json json_len bytes), replacing what memo held. */
int jwsi_memo_answer(apr_pool_t *p, const jwt_header_memo_t *memo, const char *b64,
                     size_t b64_len, const jwt_json_limits_t *lim, jwt_token_t *t);
void jwsi_memo_keep(jwt_header_memo_t *memo, const char *b64, size_t b64_len,
                    const jwt_json_limits_t *lim, const jwt_token_t *t, size_t json_len);

/* Frees a verification context jwt_jws_raw.c made for key->ready[alg] (jwt_key.c calls
 * it when the key's pool goes). */
void jwt_jws_ready_free(jwt_alg_t alg, void *ready);

#endif
