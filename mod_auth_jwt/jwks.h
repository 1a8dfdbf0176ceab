/* jwks.h -- remote JWKS for mod_auth_jwt: directives, the server-wide shared cache and the
 * per-process keyrings built from it.
 *
 * How the module hooks this in (the smallest possible contact surface):
 *   - its per-directory config struct holds   jwks_dir_conf_t *jwks;   (NULL = none set);
 *   - its command table lists   JWT_JWKS_CMDS(its_conf_type, jwks)
 *     (the setters find the field through the offset, and create it on first use);
 *   - its merge does   new->jwks = jwks_dir_merge(p, base->jwks, add->jwks);
 *   - its register_hooks calls   jwks_register_hooks(p);
 *   - its key selection calls jwks_verify() when jwks_configured(conf->jwks) and the
 *     static keys did not verify the token.
 *
 * Sharing (jwks_store.h, jwks_refresh.h): the fetched document of each URL lives in one mod_socache_shmcb instance shared
 * by every child, with its timestamps (fetched, last attempt, last unknown-kid refetch,
 * fetch lease, failure streak). A global mutex guards every access to it (shmcb is not
 * safe without one); it is never held during network I/O. A child that wants to fetch
 * takes a time-limited "lease" in the shared entry, so one fetch per URL runs server-wide
 * and a crashed fetcher cannot block the others past the lease.
 */
#ifndef MOD_AUTH_JWT_JWKS_H
#define MOD_AUTH_JWT_JWKS_H

#include "httpd.h"
#include "http_config.h"
#include "jwt_err.h"
#include "jwt_alg.h"
#include "jwt_jws.h"
#include "jwks_conf.h"   /* the configuration this key source reads (below it) */
#include "key_source.h"

/* Verify t with the location's remote keys, fetching when needed (the first fetch, a
 * token naming an unknown kid within the rate limit). Never waits on a scheduled refresh
 * while usable keys are cached: that fetch runs after this request's response.
 *   JWT_OK                 verified; *used is the key
 *   JWT_ERR_FETCH          no usable keys (none ever fetched, or past max-stale) for an
 *                          issuer this token could belong to: answer 503 with
 *                          Retry-After: *retry_after seconds (a server-side fault)
 *   other codes            the token's fault (UNKNOWN_KID, NO_KEY, SIGNATURE, ...) */
jwt_code_t jwks_verify(request_rec *r, const jwks_dir_conf_t *c, const jwt_token_t *t,
                       jwt_algset_t allowed, const jwt_key_t **used, int *retry_after,
                       jwt_err_t *err);

/* The token cache's view of the remote keys a token with issuer iss (may be NULL) would
 * be verified with: one SHA-256 per source (the document its keyring was built from),
 * pinned for the life of r. Schedules a stale refresh as jwks_verify does, but never
 * fetches itself (so never waits). Returns how many digests it wrote (0 when no JWKS is configured),
 * or -1 when a source has no usable keys or there are more than max sources. */
int jwks_key_versions(request_rec *r, const jwks_dir_conf_t *c, const char *iss,
                      const unsigned char **digests, int max);

/* The remote JWKS as a key source (key_source.h; registered in signature.c). */
extern const jwt_key_source_t jwt_source_jwks;

/* pre_config (mutex type, curl_global_init), check_config (socache provider present),
 * post_config (shared cache, global mutex), child_init (mutex re-attach, refresher
 * thread). */
void jwks_register_hooks(apr_pool_t *p);

#endif
