/* jwt_wipe.c -- wipe a buffer now, or when its pool goes (jwt_wipe.h says why). The one
 * copy of this for the core, the glue and the admin page. */
#include <openssl/crypto.h>
#include "jwt_wipe.h"

typedef struct {
    void *buf;
    size_t len;
} wipe_t;

void jwt_wipe(void *buf, size_t len)
{
    if (buf != NULL && len > 0)
        OPENSSL_cleanse(buf, len);
}

static apr_status_t wipe_cleanup(void *data)
{
    const wipe_t *w = data;
    jwt_wipe(w->buf, w->len);
    return APR_SUCCESS;
}

void jwt_wipe_at_end(apr_pool_t *p, void *buf, size_t len)
{
    if (p == NULL || buf == NULL || len == 0)
        return;
    wipe_t *w = apr_palloc(p, sizeof(*w));
    w->buf = buf;
    w->len = len;
    /* registered after buf was allocated, so it runs before buf's memory is given back */
    apr_pool_cleanup_register(p, w, wipe_cleanup, apr_pool_cleanup_null);
}

void *jwt_wipe_alloc(apr_pool_t *p, size_t len)
{
    void *buf = apr_pcalloc(p, len ? len : 1);
    jwt_wipe_at_end(p, buf, len);
    return buf;
}
