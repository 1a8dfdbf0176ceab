/* jwt_wipe.h -- wiping secrets out of memory: now, or when the pool that holds them goes.
 *
 * Passwords, HMAC secrets, key files and content keys pass through pool memory. APR gives
 * freed pool memory back to the allocator as it is, so a secret would linger there and
 * could turn up in the next request's buffers or a core dump. Everything that holds one
 * wipes it through these two calls (OPENSSL_cleanse: a store the compiler may not drop).
 */
#ifndef JWT_WIPE_H
#define JWT_WIPE_H

#include <stddef.h>
#include <apr_pools.h>

/* Overwrite buf[0..len) now. NULL or len 0: nothing to do. */
void jwt_wipe(void *buf, size_t len);

/* Overwrite buf[0..len) when p is cleared or destroyed (every exit path of a request, a
 * config reload). buf must live at least as long as p (it is p's memory, as a rule). */
void jwt_wipe_at_end(apr_pool_t *p, void *buf, size_t len);

/* len bytes of zeroed memory from p, wiped when p goes: for key material made in place. */
void *jwt_wipe_alloc(apr_pool_t *p, size_t len);

#endif
