/* conn_state.h -- what the module keeps per connection, one part per unit that needs it.
 *
 * httpd gives a module one slot in c->conn_config. Each unit with connection state (the
 * verified-token cache's memo and digest contexts, cache.c; the exported variables' reuse,
 * env_memo.c; the last DPoP proof key, binding.c) keeps its own struct behind its own member here and registers its own
 * cleanup on c->pool, so no unit stores another's data. A new part is one member.
 */
#ifndef MOD_AUTH_JWT_CONN_STATE_H
#define MOD_AUTH_JWT_CONN_STATE_H

#include "jwt_module.h"

typedef struct {
    void *cache;                      /* cache.c's jwt_conn_t */
    void *env;                        /* env_memo.c's env_memo_t */
    void *dpop;                       /* binding.c's jwt_dpop_memo_t (core/jwt_dpop.h) */
} jwt_conn_parts_t;

jwt_conn_parts_t *jwt_conn_parts_make(conn_rec *c);

/* The parts when they exist already, else NULL (no allocation). Inline: the request path
 * asks several times per request. */
static inline jwt_conn_parts_t *jwt_conn_parts_get(const conn_rec *c)
{
    return ap_get_module_config(c->conn_config, &auth_jwt_module);
}

/* The connection's parts (zeroed, from c->pool, on the first call); NULL without memory. */
static inline jwt_conn_parts_t *jwt_conn_parts(conn_rec *c)
{
    jwt_conn_parts_t *parts = jwt_conn_parts_get(c);
    return parts ? parts : jwt_conn_parts_make(c);
}

#endif
