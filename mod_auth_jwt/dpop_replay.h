/* dpop_replay.h -- the DPoP proof replay store (dpop_replay.c): each proof's jti is
 * accepted once within its window, server-wide, in an httpd socache (shmcb, shared by
 * every child, as mod_ssl keeps its sessions); with AuthJWTRevocationCache redis /
 * memcache also in that store's DPoP-only instance (shared_store.h), across a fleet. Never
 * in the revocation instance itself: fresh proof jtis would push revocations out. */
#ifndef JWT_DPOP_REPLAY_H
#define JWT_DPOP_REPLAY_H

#include "jwt_module.h"

typedef enum {
    JWT_DPOP_FIRST_USE,      /* not seen before: remembered until expiry */
    JWT_DPOP_REPLAYED,       /* seen before, still within its window */
    JWT_DPOP_STORE_DOWN      /* no store (not configured or failing): refuse, never accept */
} jwt_dpop_use_t;

/* Record the proof (key thumbprint jkt, its jti) until expiry, atomically across children. */
jwt_dpop_use_t jwt_dpop_replay_first_use(request_rec *r, const char *jkt, const char *jti,
                                         apr_time_t expiry);

/* pre_config, check_config, post_config and child_init hooks. */
void jwt_dpop_replay_register_hooks(apr_pool_t *p);

#endif
