/* jwt_fetch.h -- fetch one configured URL with libcurl (JWKS, discovery documents).
 *
 * The only URLs ever fetched are the ones an operator configured (never one named in a
 * token). Transport rules: https only, except plain http to a loopback host (127.0.0.0/8,
 * ::1, localhost) or when the caller passes allow_http; peer and host verification always
 * on; redirects followed by hand, at most JWT_FETCH_MAX_REDIRECTS, and only to the same
 * host and port; connect and whole-fetch timeouts share one deadline across redirects; the body is
 * capped (the transfer is aborted as soon as the cap is passed); no signals (NOSIGNAL).
 * Every curl object is freed before return, on every path.
 *
 * curl_global_init must have been called once by the program (the module does it in the
 * parent at startup; jwt_fetch_global_init is a convenience for tools and tests).
 */
#ifndef JWT_FETCH_H
#define JWT_FETCH_H

#include <stddef.h>
#include <apr_pools.h>
#include "jwt_err.h"
#include "jwt_fetch_rules.h"   /* the URL and address rules */
#include "jwt_discovery.h"     /* issuer metadata, over this fetcher */

#define JWT_FETCH_DEFAULT_MAX_BYTES (1024 * 1024)
#define JWT_FETCH_DEFAULT_TIMEOUT_MS 5000
#define JWT_FETCH_MAX_REDIRECTS 3

typedef struct {
    long timeout_ms;          /* whole fetch incl. redirects; 0 = JWT_FETCH_DEFAULT_TIMEOUT_MS */
    long connect_timeout_ms;  /* 0 = the whole-fetch timeout */
    size_t max_bytes;         /* body cap; 0 = JWT_FETCH_DEFAULT_MAX_BYTES */
    const char *ca_file;      /* PEM CA bundle; NULL = the system store */
    int allow_http;           /* permit http:// to non-loopback hosts (operator opt-in) */
    int public_only;          /* connect only to public addresses: every address curl is
                               * about to connect to (after DNS, on every redirect and
                               * retry) is refused when jwt_fetch_addr_is_internal; for a
                               * URL that came from a remote document (discovery) */
} jwt_fetch_opts_t;

typedef struct {
    long status;              /* HTTP status of the final response */
    char *body;               /* pool memory, NUL-terminated (not counted in len) */
    size_t len;
    long max_age;             /* Cache-Control max-age in seconds; -1 when absent or invalid */
    const char *url;          /* the URL that answered (after same-host redirects) */
    int peer_internal;        /* the address that answered is internal
                               * (jwt_fetch_addr_is_internal; 0 when unknown) */
} jwt_fetch_result_t;

/* curl_global_init(CURL_GLOBAL_DEFAULT); call once, before any thread exists. */
jwt_code_t jwt_fetch_global_init(jwt_err_t *err);

/* GET url. Returns JWT_OK for any completed HTTP exchange (check res->status);
 * JWT_ERR_ARG for a URL refused by the transport rules; JWT_ERR_FETCH for transport
 * failures (connect, TLS, timeout, body over the cap, bad redirect). opts may be NULL. */
jwt_code_t jwt_fetch_url(apr_pool_t *p, const char *url, const jwt_fetch_opts_t *opts,
                         jwt_fetch_result_t **out, jwt_err_t *err);

/* The max-age of a Cache-Control header value, parsed strictly: a directive
 * max-age=DIGITS (or "DIGITS"), at most once; absent, malformed or repeated -> -1.
 * "no-store"/"no-cache" -> 0. Values over 2^31-1 are capped. The caller clamps. */
long jwt_fetch_parse_max_age(const char *cache_control);

#endif
