/* jwt_claims.h -- claim validation (RFC 7519 section 4.1, RFC 8725) and claim lookup.
 *
 * Each check is its own function so the admin page can run them all and show every
 * reason; jwt_claims_validate runs them in a fixed order and stops at the first failure.
 * exp/nbf/iat must be JSON numbers within [0, 2^53) (checked before conversion).
 */
#ifndef JWT_CLAIMS_H
#define JWT_CLAIMS_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "jwt_err.h"
#include "jwt_jws.h"

typedef struct {
    int64_t now;                    /* seconds since the epoch (injectable clock) */
    int64_t leeway;                 /* seconds, applied to exp, nbf and iat */
    apr_array_header_t *issuers;    /* const char *; NULL/empty = iss not checked */
    apr_array_header_t *audiences;  /* const char *; NULL/empty = aud not checked */
    apr_array_header_t *required;   /* const char * claim names that must be present */
    const char *typ;                /* expected typ header, NULL = not checked */
    int64_t max_lifetime;           /* seconds; 0 = no limit */
} jwt_claims_policy_t;

/* Fill pol with defaults: now = time(NULL), leeway 60, required = {"exp"}. */
void jwt_claims_policy_init(apr_pool_t *p, jwt_claims_policy_t *pol);

jwt_code_t jwt_check_exp(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_nbf(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_iat(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_iss(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_aud(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_typ(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_required(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);
jwt_code_t jwt_check_lifetime(const jwt_token_t *t, const jwt_claims_policy_t *pol, jwt_err_t *err);

/* All of the above in order: typ, required, exp, nbf, iat, lifetime, iss, aud. */
jwt_code_t jwt_claims_validate(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                               jwt_err_t *err);

/* The span [*from, *until) of request times (seconds) in which the time checks (exp, nbf,
 * iat, and a lifetime measured from now) pass; pol->now is ignored. For a token whose other
 * checks pass, jwt_claims_validate passes exactly when from <= now < until: the token cache
 * keeps the span with a verified token and tests each hit's time against it. Unbounded
 * sides are INT64_MIN / INT64_MAX. Errors: what validate reports for a malformed exp, nbf
 * or iat, or for a lifetime that is too long whatever the time. */
jwt_code_t jwt_claims_window(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                             int64_t *from, int64_t *until, jwt_err_t *err);

/* jwt_claims_validate, with the same verdict and error, that also gives the token's
 * window (as jwt_claims_window; an empty one, from > until, when it fails): the token
 * cache's way to validate a token it is about to keep, reading the dates once. */
jwt_code_t jwt_claims_validate_window(const jwt_token_t *t, const jwt_claims_policy_t *pol,
                                      int64_t *from, int64_t *until, jwt_err_t *err);

/* Read a NumericDate claim. Returns JWT_OK (and *out), JWT_ERR_CLAIM_MISSING, or
 * JWT_ERR_CLAIM_TYPE (not a number, negative, >= 2^53, NaN). */
jwt_code_t jwt_claim_numeric_date(json_object *payload, const char *name, int64_t *out,
                                  jwt_err_t *err);

/* Look up a claim by dotted path: "realm_access.roles". A literal member whose name
 * contains a dot is NOT matched by the path (no ambiguity). Returns NULL when absent.
 * The object is borrowed from payload. */
json_object *jwt_claim_path(json_object *payload, const char *path);

/* Format seconds-since-epoch as "2026-11-28T10:00:00Z" into a pool string. */
const char *jwt_time_iso(apr_pool_t *p, int64_t t);

#endif
