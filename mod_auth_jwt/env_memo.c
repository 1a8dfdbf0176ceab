/* env_memo.c -- the per-connection pack of exported variables (env_memo.h). */
#include "conn_state.h"
#include "env_memo.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

typedef struct {
    json_object *payload;              /* the last payload exported; one reference held */
    void *pack;                        /* made from it (pack_len 0: none) */
    size_t pack_len, pack_cap;         /* the buffer grows to the connection's tokens */
} env_memo_t;

static apr_status_t env_memo_free(void *data)
{
    env_memo_t *m = data;
    json_object_put(m->payload);
    free(m->pack);
    free(m);
    return APR_SUCCESS;
}

/* The connection's memo (made on its first export), or NULL for HTTP/2 streams. */
static env_memo_t *memo_of(request_rec *r, int make)
{
    conn_rec *c = r->connection;
    jwt_conn_parts_t *parts;
    env_memo_t *m;

    if (c->master)
        return NULL;
    parts = make ? jwt_conn_parts(c) : jwt_conn_parts_get(c);
    if (parts == NULL)
        return NULL;
    if ((m = parts->env) == NULL && make && (m = calloc(1, sizeof(*m))) != NULL) {
        apr_pool_cleanup_register(c->pool, m, env_memo_free, apr_pool_cleanup_null);
        parts->env = m;
    }
    return m;
}

void *jwt_env_memo_get(request_rec *r, json_object *payload, int *repeat)
{
    env_memo_t *m = memo_of(r, 1);

    *repeat = 0;
    if (m == NULL || payload == NULL)
        return NULL;
    if (m->payload != payload) {       /* another token: remember it, nothing to reuse */
        json_object_put(m->payload);
        m->payload = json_object_get(payload);
        m->pack_len = 0;
        return NULL;
    }
    *repeat = 1;
    if (m->pack_len == 0)
        return NULL;
    /* a copy: the request's table must not point at memory the next request may replace */
    return apr_pmemdup(r->pool, m->pack, m->pack_len);
}

void jwt_env_memo_keep(request_rec *r, json_object *payload, const void *data, size_t len)
{
    env_memo_t *m = memo_of(r, 0);

    if (m == NULL || m->payload != payload || len == 0 || len > JWT_ENV_MEMO_MAX)
        return;
    if (len > m->pack_cap) {
        void *grown = realloc(m->pack, len);
        if (grown == NULL)
            return;
        m->pack = grown;
        m->pack_cap = len;
    }
    memcpy(m->pack, data, len);
    m->pack_len = len;
}
