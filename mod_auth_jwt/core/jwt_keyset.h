/* jwt_keyset.h -- the policy for a key set that came from a URL (a JWKS endpoint or a
 * discovered jwks_uri), as opposed to a local key file.
 *
 * A local file is the operator's: any bad key in it is a configuration error
 * (jwt_keys_from_file, strict). A remote set is someone else's and changes under us: one
 * unusable member must not take the issuer's other keys down, so each one is skipped and
 * reported (its kid and why), and only a set with no usable key at all fails. Whatever
 * the set says, these are never taken from a URL:
 *   - kty "oct": a JWKS URL is public, so a secret in it lets anyone mint HS tokens;
 *   - members with private parts (d, p, q, dp, dq, qi, oth, k);
 *   - a second key with a kid already taken (the first one stays);
 *   - RSA under 2048 bits, an alg that does not fit the key, unknown kty/crv/alg, keys whose
 *     use/key_ops are not for verification, malformed members.
 */
#ifndef JWT_KEYSET_H
#define JWT_KEYSET_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "jwt_err.h"
#include "jwt_key.h"

/* One member of a remote set that was not taken. */
typedef struct {
    int index;                  /* position in "keys" */
    const char *kid;            /* printable, at most 80 bytes; "(none)" without one */
    const char *reason;
} jwt_key_skip_t;

/* Parse a remote JWKS document (at most max_bytes; 0 = 1 MiB) into ring. *skips (may be
 * NULL) receives an array of jwt_key_skip_t in ring's pool, one per member not taken.
 * *count (may be NULL) is how many keys were added. A document that is not a JWKS, or one
 * without a single usable key, is an error (JWT_ERR_KEY_INVALID / JWT_ERR_JSON*), and
 * leaves the ring without any of its keys. */
jwt_code_t jwt_keys_from_remote_jwks(jwt_keyring_t *ring, const char *buf, size_t len,
                                     size_t max_bytes, const char *source,
                                     apr_array_header_t **skips, int *count, jwt_err_t *err);

#endif
