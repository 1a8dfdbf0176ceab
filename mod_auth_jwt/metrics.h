/* metrics.h -- counters shared by every child: one anonymous shared-memory segment made
 * in post_config (before the children fork), updated with relaxed C11 atomic adds, never
 * a lock on the request path.
 *
 * The segment is made again at every (graceful) restart, with the location and JWKS
 * source tables of the new configuration: counters start again from 0 (Prometheus'
 * rate() and increase() take a counter reset in their stride). Before post_config (the
 * configtest, the first config pass) every call here is a no-op.
 *
 * Recording calls are one line at the place the event happens: the stages note why they
 * refused (jwt_metrics_refuse), and metrics_request.c counts each request once, when it
 * is logged. metrics_export.c reads the segment for jwt-metrics-handler and mod_status.
 */
#ifndef JWT_METRICS_H
#define JWT_METRICS_H

#include "httpd.h"
#include "jwt_err.h"
#include "metrics_conf.h"

/* A request's outcome at a location: allowed, refused for a reason, or unavailable.
 * The order is the exposition's; names are label values (a contract once released). */
typedef enum {
    JWT_OUT_ALLOWED = 0,
    JWT_OUT_ANONYMOUS,         /* allowed without a token: AuthJWTOptional's user */
    JWT_OUT_NO_TOKEN,          /* refused: */
    JWT_OUT_BAD_REQUEST,       /* two tokens, a malformed Authorization */
    JWT_OUT_MALFORMED,
    JWT_OUT_ALGORITHM,         /* none, unsupported or not allowed here */
    JWT_OUT_BAD_SIGNATURE,
    JWT_OUT_UNKNOWN_KID,       /* no key for its kid / alg / issuer */
    JWT_OUT_EXPIRED,
    JWT_OUT_NOT_YET_VALID,
    JWT_OUT_ISSUER,
    JWT_OUT_AUDIENCE,
    JWT_OUT_TYPE,
    JWT_OUT_LIFETIME,
    JWT_OUT_CLAIMS,            /* a required or user claim missing or of a wrong type */
    JWT_OUT_REVOKED,
    JWT_OUT_BINDING,           /* a sender-constrained token without its proof (issue 28) */
    JWT_OUT_CLAIM_RULE,        /* Require jwt-claim / jwt-claim-array (authz) */
    JWT_OUT_SCOPE,             /* Require jwt-scope (authz) */
    JWT_OUT_OTHER,
    JWT_OUT_KEYS_UNAVAILABLE,  /* unavailable: remote keys could not be had (503) */
    JWT_OUT_NO_KEYS,           /* the location has no key source (500) */
    JWT_OUT_REVOCATION_UNAVAILABLE,   /* the revocation store could not be asked (503) */
    JWT_OUT__COUNT
} jwt_outcome_t;

const char *jwt_outcome_reason(jwt_outcome_t o);   /* "no_token", ... ("none" if allowed) */
const char *jwt_outcome_class(jwt_outcome_t o);    /* "allowed" | "refused" | "unavailable" */
jwt_outcome_t jwt_outcome_of_code(jwt_code_t code);

/* A stage answers this request with this outcome (one call where it answers: the
 * refusals in authn.c, "allowed" once authorization passed); the request is counted once,
 * when it is logged (metrics_request.c). A later note replaces an earlier one. */
void jwt_metrics_note(request_rec *r, jwt_outcome_t o);
/* The noted outcome, or -1 when no stage of ours noted one. */
int jwt_metrics_noted(const request_rec *r);

/* The token cache was asked at a location (verify_cache.c); not counted under
 * AuthJWTMetrics Off, like the location's requests and verification times. */
void jwt_metrics_cache_lookup(const jwt_metrics_dir_t *md, int hit);
/* One location verification took `us` microseconds (the histogram). */
void jwt_metrics_verify_time(apr_interval_time_t us);

/* JWKS fetch results, by the source record's address (a jwks_source_t *). */
typedef enum {
    JWT_FETCH_OK = 0, JWT_FETCH_NOT_MODIFIED, JWT_FETCH_TIMEOUT, JWT_FETCH_HTTP_ERROR,
    JWT_FETCH_PARSE_ERROR, JWT_FETCH_NETWORK_ERROR, JWT_FETCH__COUNT
} jwt_fetch_outcome_t;
const char *jwt_fetch_outcome_name(jwt_fetch_outcome_t f);
void jwt_metrics_jwks_fetch(const void *source, jwt_fetch_outcome_t result);
/* The source's document holds n usable keys. */
void jwt_metrics_jwks_keys(const void *source, int n);

/* An AuthJWTSecretsFile change was read: ok, or kept the last good keys. */
void jwt_metrics_secrets_reload(int ok);
/* jwt-login-handler checked credentials: granted or not. */
void jwt_metrics_login(int ok);

#endif

/* ---- for metrics_request.c and metrics_export.c: the segment, read and counted */

#define JWT_METRICS_BUCKETS 10       /* upper bounds in jwt_metrics_bucket_le(), then +Inf */

int jwt_metrics_ready(void);         /* the segment exists (after post_config) */
/* post_config: make the segment for this configuration's tables (pconf owns it). */
apr_status_t jwt_metrics_post_config(apr_pool_t *pconf, server_rec *s);
/* pre_config: a new configuration is read; its sections get new slots. */
void jwt_metrics_pre_config(apr_pool_t *pconf);

/* Count one request at a location slot. */
void jwt_metrics_count(int slot, jwt_outcome_t o);

int jwt_metrics_locations(void);
const char *jwt_metrics_location_label(int slot);
apr_uint64_t jwt_metrics_location_value(int slot, jwt_outcome_t o);

int jwt_metrics_sources(void);
const char *jwt_metrics_source_label(int i);
apr_uint64_t jwt_metrics_source_fetches(int i, jwt_fetch_outcome_t f);
apr_time_t jwt_metrics_source_last_success(int i);   /* 0: never */
apr_time_t jwt_metrics_source_last_attempt(int i);   /* 0: never */
int jwt_metrics_source_last_result(int i);           /* jwt_fetch_outcome_t, -1: never */
int jwt_metrics_source_keys(int i);                  /* -1: no document yet */

typedef enum {
    JWT_G_CACHE_HIT, JWT_G_CACHE_MISS, JWT_G_SECRETS_OK, JWT_G_SECRETS_FAILED,
    JWT_G_LOGIN_OK, JWT_G_LOGIN_FAILED, JWT_G__COUNT
} jwt_metrics_global_t;
apr_uint64_t jwt_metrics_global(jwt_metrics_global_t g);

const char *jwt_metrics_bucket_le(int b);             /* b's upper bound in seconds, as text */
apr_uint64_t jwt_metrics_bucket(int b);               /* b <= JWT_METRICS_BUCKETS (+Inf) */
apr_uint64_t jwt_metrics_verify_sum_us(void);
apr_time_t jwt_metrics_started(void);                 /* when the segment was made */
