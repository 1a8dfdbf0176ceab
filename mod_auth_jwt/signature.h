/* signature.h -- the verifier: walks the location's key sources (key_source.h) in their
 * registered order without knowing their kinds. */
#ifndef JWT_SIGNATURE_H
#define JWT_SIGNATURE_H

#include "key_source.h"

/* Any key source configured at this location? */
int jwt_key_sources_configured(const jwt_dir_conf_t *conf);

/* Verify t's signature with the location's sources: the first that verifies wins; else
 * the most telling failure (a key that refused the signature beats "no key for this
 * alg", which beats "unknown kid"); JWT_ERR_FETCH (503 with Retry-After, set here) when
 * the remote keys the token needs are unavailable. */
jwt_code_t jwt_verify_signature(request_rec *r, const jwt_dir_conf_t *conf,
                                const jwt_token_t *t, const jwt_key_t **used, jwt_err_t *err);

/* Each source's identity, in order (NULL for one not configured): the number of items,
 * or -1 when there are more kinds than max (then the token is not cached). */
int jwt_key_sources_identity(const jwt_dir_conf_t *conf, const void **out, int max);

/* Is any source with versions configured here? (If not, the keys change only with a
 * restart.) */
int jwt_key_sources_versioned(const jwt_dir_conf_t *conf);

/* The versions of the keys that could verify a token of issuer iss here now, each
 * source's items preceded by a count item (data NULL, len = how many follow); returns the number of items written, 0 when no
 * configured source has versions (nothing can change them), -1 for no usable answer. */
int jwt_key_sources_versions(request_rec *r, const jwt_dir_conf_t *conf, const char *iss,
                             jwt_key_version_t *out, int max);

#endif
