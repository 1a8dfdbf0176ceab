/* jwt_fetch_rules.h -- which URLs and which addresses the fetcher may use (jwt_fetch.h has
 * the whole transport contract): URL parts as curl reads them, the scheme rule, and the
 * classification of hosts and connected addresses as loopback, link-local or internal.
 */
#ifndef JWT_FETCH_RULES_H
#define JWT_FETCH_RULES_H

#include <stddef.h>
#include "jwt_err.h"

/* The parts of a URL as curl's own parser reads them, so the host checked is the host curl
 * connects to. Members are curl-allocated: free with jwt_url_parts_free. */
typedef struct {
    char *scheme;   /* lower case, from curl */
    char *host;
    char *port;     /* with the scheme's default filled in */
} jwt_url_parts_t;

/* An absolute URL with a host and no user information; JWT_ERR_ARG otherwise (all members
 * NULL then). */
jwt_code_t jwt_url_parts_get(const char *url, jwt_url_parts_t *out, jwt_err_t *err);
void jwt_url_parts_free(jwt_url_parts_t *u);

/* The scheme rule: https; http to a loopback host, or with allow_http. */
jwt_code_t jwt_url_check_parts(const jwt_url_parts_t *u, const char *url, int allow_http,
                               jwt_err_t *err);

/* Is url acceptable under the transport rules (absolute http(s) URL with a host, no
 * userinfo; https, or http to loopback, or http with allow_http)? JWT_OK or JWT_ERR_ARG. */
jwt_code_t jwt_fetch_check_url(const char *url, int allow_http, jwt_err_t *err);

/* Host is 127.0.0.0/8, ::1 (bracketed or not) or "localhost" (any case). */
int jwt_fetch_host_is_loopback(const char *host);

/* Host is link-local or otherwise this machine's by address: 169.254.0.0/16, 0.0.0.0/8,
 * fe80::/10, ::, and IPv4-mapped forms of those and of 127/8. */
int jwt_fetch_host_is_link_local(const char *host);

/* Host is "localhost" or an address literal that jwt_fetch_addr_is_internal counts. */
int jwt_fetch_host_is_internal(const char *host);

/* The host of url is internal (jwt_fetch_host_is_internal); 0 for an unusable URL. */
int jwt_fetch_url_is_internal(const char *url);

/* An address (AF_INET: struct in_addr, AF_INET6: struct in6_addr) that is not on the
 * public internet: loopback (127/8, ::1), this host (0/8, ::), link-local (169.254/16,
 * fe80::/10), private (10/8, 172.16/12, 192.168/16, RFC 6598 shared 100.64/10, ULA
 * fc00::/7, site-local fec0::/10), and those same IPv4 ranges in IPv4-mapped (::ffff:0:0/96)
 * and NAT64 (64:ff9b::/96) form. Any other family counts as internal. */
int jwt_fetch_addr_is_internal(int family, const void *addr);

#endif
