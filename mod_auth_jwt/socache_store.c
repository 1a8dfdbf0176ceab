/* socache_store.c -- a socache store's end and its mutex in a child (socache_store.h). */
#include "socache_store.h"

static apr_status_t store_destroy(void *data)
{
    jwt_socache_store_t *st = data;

    if (st->cache && st->provider)
        st->provider->destroy(st->cache, st->server);
    st->cache = NULL;
    st->mutex = NULL;
    return APR_SUCCESS;
}

void jwt_socache_store_destroy_with(jwt_socache_store_t *st, apr_pool_t *pconf)
{
    apr_pool_cleanup_register(pconf, st, store_destroy, apr_pool_cleanup_null);
}

apr_status_t jwt_socache_store_child_init(jwt_socache_store_t *st, apr_pool_t *p)
{
    if (!st->mutex)
        return APR_SUCCESS;
    return apr_global_mutex_child_init(&st->mutex, apr_global_mutex_lockfile(st->mutex), p);
}
