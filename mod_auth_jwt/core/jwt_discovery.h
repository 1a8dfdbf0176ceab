/* jwt_discovery.h -- an issuer's metadata document (OpenID Connect Discovery 1.0, RFC 8414):
 * its two locations, and the jwks_uri it names, checked against the fetcher's rules. */
#ifndef JWT_DISCOVERY_H
#define JWT_DISCOVERY_H

#include <stddef.h>
#include <apr_pools.h>
#include "jwt_err.h"

/* The two discovery locations for an issuer: OpenID Connect Discovery
 * (ISSUER/.well-known/openid-configuration) and RFC 8414
 * (https://host/.well-known/oauth-authorization-server/path). Pool strings. */
jwt_code_t jwt_discovery_urls(apr_pool_t *p, const char *issuer, const char **oidc_url,
                              const char **rfc8414_url, jwt_err_t *err);

/* Parse a discovery document: its "issuer" must equal issuer exactly (OpenID Discovery
 * 4.3, RFC 8414 3.3) and "jwks_uri" must pass jwt_fetch_check_url(allow_http), and may
 * be on a loopback, link-local or private address (jwt_fetch_host_is_internal) only when
 * the issuer is on one too. A jwks_uri whose host is a name is checked where it connects:
 * fetch it with public_only unless jwt_fetch_url_is_internal(issuer).
 * *jwks_uri is a pool string. Errors: JWT_ERR_JSON*, JWT_ERR_ISSUER, JWT_ERR_ARG. */
jwt_code_t jwt_discovery_jwks_uri(apr_pool_t *p, const char *doc, size_t len,
                                  const char *issuer, int allow_http,
                                  const char **jwks_uri, jwt_err_t *err);

/* The same, with the issuer's place given: issuer_internal 1 when the issuer is on an
 * internal address (its URL names one, or its discovery document was fetched from one:
 * jwt_fetch_result_t.peer_internal), so an intranet IdP named by a host name may point
 * at keys in its own network. */
jwt_code_t jwt_discovery_jwks_uri_at(apr_pool_t *p, const char *doc, size_t len,
                                     const char *issuer, int issuer_internal, int allow_http,
                                     const char **jwks_uri, jwt_err_t *err);

#endif
