/* revocation_store.h -- what has been revoked, in the shared store (revocation_store.c).
 *
 * Two kinds of entry, keyed by claims, never by the token's bytes (an ECDSA signature is
 * malleable: one token has several byte forms, and a denylist of bytes misses the others):
 *   iss + jti -> revoked; it expires when the token would (its exp + leeway);
 *   iss + sub -> a cut-off T: every token of that subject issued at or before T is revoked
 *               (log out everywhere); it expires at T + the longest lifetime a token of it
 *               can still have.
 * Ids are jwt_shared_store_id("jwt-revocation", {kind, iss, value}): hashed, so a hostile
 * jti or iss can neither collide with another entry nor reach the provider's protocol.
 * Nothing here knows about requests: the stage (revocation.c) and the ways in (revoke.c)
 * call it with the server and a pool.
 */
#ifndef JWT_REVOCATION_STORE_H
#define JWT_REVOCATION_STORE_H

#include "httpd.h"

typedef enum {
    JWT_REV_CLEAR = 0,     /* not revoked */
    JWT_REV_REVOKED,       /* its jti is revoked, or it was issued at or before a cut-off */
    JWT_REV_UNDATED,       /* its subject has a cut-off and it has neither iat nor nbf */
    JWT_REV_ERROR          /* the store could not be asked: *why says what failed */
} jwt_rev_verdict_t;

/* issued: iat, else nbf, else -1. jti or sub may be NULL (that kind is not looked up);
 * iss NULL counts as "". *lost is set when the store had lost its entries (a restart or an
 * eviction: revocations made before may be gone), for the caller to log. */
jwt_rev_verdict_t jwt_revocation_lookup(server_rec *s, apr_pool_t *p, const char *iss,
                                        const char *jti, const char *sub,
                                        apr_int64_t issued, const char **why, int *lost);

/* Revoke iss+jti until expires (seconds since the epoch). Written, then read back: an
 * error when the store did not keep it. */
apr_status_t jwt_revocation_revoke_jti(server_rec *s, apr_pool_t *p, const char *iss,
                                       const char *jti, apr_int64_t expires);

/* Revoke every token of iss+sub issued at or before cutoff, until cutoff + lifetime (the
 * longest a token can live, leeway included). A later cut-off already there is kept.
 * Written, then read back. */
apr_status_t jwt_revocation_cut_subject(server_rec *s, apr_pool_t *p, const char *iss,
                                        const char *sub, apr_int64_t cutoff,
                                        apr_int64_t lifetime);

#endif
