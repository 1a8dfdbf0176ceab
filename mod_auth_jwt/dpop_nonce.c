/* dpop_nonce.c -- DPoP server nonces (dpop_nonce.h). The key is 32 random bytes made in
 * the parent at post_config, so every child knows it and nothing is stored per nonce; a
 * restart makes a new key, and clients holding an old nonce are asked for a fresh one
 * (use_dpop_nonce), as RFC 9449 8 expects of a server that rotates nonces. Servers of a
 * fleet each have their own key. */
#include "dpop_nonce.h"
#include "jwt_dpop.h"

#include <openssl/rand.h>

static unsigned char nonce_key[32];
static int nonce_key_ready;

static apr_int64_t period_of(const request_rec *r, apr_int64_t lifetime)
{
    return (apr_int64_t)apr_time_sec(r->request_time) / (lifetime > 0 ? lifetime : 1);
}

const char *jwt_dpop_nonce_now(request_rec *r, apr_int64_t lifetime)
{
    if (!nonce_key_ready)
        return NULL;
    return jwt_dpop_nonce(r->pool, nonce_key, sizeof(nonce_key), period_of(r, lifetime));
}

int jwt_dpop_nonce_valid(request_rec *r, apr_int64_t lifetime, const char *nonce)
{
    return nonce_key_ready
           && jwt_dpop_nonce_ok(r->pool, nonce_key, sizeof(nonce_key), period_of(r, lifetime),
                                nonce);
}

static int nonce_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (RAND_bytes(nonce_key, sizeof(nonce_key)) != 1) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JWT_LOGNO(1330)
                     "cannot make the DPoP nonce key (RAND_bytes failed)");
        nonce_key_ready = 0;
        return 500;
    }
    nonce_key_ready = 1;
    return OK;
}

void jwt_dpop_nonce_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(nonce_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
