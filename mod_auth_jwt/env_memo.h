/* env_memo.h -- env.c's per-connection reuse of the JWT_CLAIM_* variables.
 *
 * A client on a keep-alive connection usually sends one token again and again, and the
 * verified-token cache's memo (cache.c) then hands back the same parsed payload object
 * each time. The variables made from a payload depend on that payload alone, so env.c
 * packs them once and copies the pack on the payload's next requests. This unit keeps
 * the pack per connection, keyed by the payload object it was made from (it holds a
 * reference, so no other object can take that address). A payload seen once keeps
 * nothing. HTTP/1 connections only (HTTP/2 streams may run on other threads).
 */
#ifndef MOD_AUTH_JWT_ENV_MEMO_H
#define MOD_AUTH_JWT_ENV_MEMO_H

#include "httpd.h"
#include <json-c/json.h>

#define JWT_ENV_MEMO_MAX 16384          /* bytes of a kept pack; bigger ones are not kept */

/* The pack kept for payload, copied into r->pool, or NULL. *repeat: payload is the object
 * this connection's previous request exported (worth keeping a pack for). */
void *jwt_env_memo_get(request_rec *r, json_object *payload, int *repeat);

/* Keep a copy of data (at most JWT_ENV_MEMO_MAX bytes) as payload's pack. */
void jwt_env_memo_keep(request_rec *r, json_object *payload, const void *data, size_t len);

#endif
