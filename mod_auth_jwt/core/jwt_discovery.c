/* jwt_discovery.c -- OpenID Connect Discovery and RFC 8414 metadata: where an issuer's
 * document lives, and the jwks_uri it names, checked (jwt_discovery.h). The fetching is
 * jwt_fetch.c's. */
#include <string.h>
#include <apr_strings.h>
#include "jwt_discovery.h"
#include "jwt_fetch.h"
#include "jwt_fetch_rules.h"
#include "jwt_json.h"

jwt_code_t jwt_discovery_urls(apr_pool_t *p, const char *issuer, const char **oidc_url,
                              const char **rfc8414_url, jwt_err_t *err)
{
    const char *rest, *path;
    size_t n;

    if (issuer == NULL || (strncmp(issuer, "https://", 8) != 0 && strncmp(issuer, "http://", 7) != 0))
        return JWT_ERR(err, JWT_ERR_ARG, "issuer must be an http(s) URL: %s",
                       issuer ? issuer : "(null)");
    if (strchr(issuer, '?') || strchr(issuer, '#'))
        return JWT_ERR(err, JWT_ERR_ARG, "issuer URL must not have a query or fragment: %s",
                       issuer);
    n = strlen(issuer);
    while (n > 0 && issuer[n - 1] == '/')
        n--;
    /* OpenID Connect Discovery 1.0 section 4: append to the issuer (without its trailing /) */
    *oidc_url = apr_pstrcat(p, apr_pstrndup(p, issuer, n), "/.well-known/openid-configuration",
                            NULL);
    /* RFC 8414 section 3: insert the well-known segment between host and path */
    rest = strstr(issuer, "://") + 3;
    path = strchr(rest, '/');
    if (path == NULL || (size_t)(path - issuer) >= n)
        *rfc8414_url = apr_pstrcat(p, apr_pstrndup(p, issuer, n),
                                   "/.well-known/oauth-authorization-server", NULL);
    else
        *rfc8414_url = apr_pstrcat(p, apr_pstrndup(p, issuer, (size_t)(path - issuer)),
                                   "/.well-known/oauth-authorization-server",
                                   apr_pstrndup(p, path, n - (size_t)(path - issuer)), NULL);
    return JWT_OK;
}

/* A remote-controlled string made safe for a log line: control bytes become '?', and
 * it is cut at 200 bytes. */
static const char *log_safe(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s), i;
    char *out;

    if (n > 200)
        n = 200;
    out = apr_pstrndup(p, s, n);
    for (i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    }
    return out;
}

static int has_control(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    }
    return 0;
}

/* Loopback, link-local, private: anything jwt_fetch_addr_is_internal counts, written as
 * an address literal (or "localhost"). A name is judged where curl connects: the fetch of
 * a discovered jwks_uri runs with public_only (jwks_refresh.c). */
static int host_is_local(const char *host)
{
    return jwt_fetch_host_is_internal(host);
}

/* A discovery document must not point the server at its own loopback or link-local
 * services (an SSRF into e.g. 169.254.169.254), nor into the private network, unless the
 * issuer itself lives there. */
static jwt_code_t check_local_target(const char *issuer, int issuer_internal, const char *uri,
                                     jwt_err_t *err)
{
    jwt_url_parts_t ju;

    if (jwt_url_parts_get(uri, &ju, err) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_ARG, "jwks_uri of %.200s is not a usable URL", issuer);
    jwt_code_t code = JWT_OK;
    if (host_is_local(ju.host) && !issuer_internal)
        code = JWT_ERR(err, JWT_ERR_ARG, "jwks_uri of %.200s is on a loopback or link-local "
                       "address or a private one (%s) but the issuer is not: refused", issuer,
                       ju.host);
    jwt_url_parts_free(&ju);
    return code;
}

jwt_code_t jwt_discovery_jwks_uri(apr_pool_t *p, const char *doc, size_t len,
                                  const char *issuer, int allow_http,
                                  const char **jwks_uri, jwt_err_t *err)
{
    return jwt_discovery_jwks_uri_at(p, doc, len, issuer,
                                     issuer != NULL && jwt_fetch_url_is_internal(issuer),
                                     allow_http, jwks_uri, err);
}

jwt_code_t jwt_discovery_jwks_uri_at(apr_pool_t *p, const char *doc, size_t len,
                                     const char *issuer, int issuer_internal, int allow_http,
                                     const char **jwks_uri, jwt_err_t *err)
{
    jwt_json_limits_t lim = { JWT_FETCH_DEFAULT_MAX_BYTES, 0 };
    json_object *root = NULL, *v;
    const char *doc_issuer, *uri;
    jwt_code_t code;

    if (issuer == NULL || jwks_uri == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_discovery_jwks_uri: no issuer");
    code = jwt_json_parse_object(p, doc, len, &lim, &root, err);
    if (code != JWT_OK)
        return code;
    if (!json_object_object_get_ex(root, "issuer", &v) || !json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_ISSUER, "discovery document has no issuer string");
    doc_issuer = json_object_get_string(v);
    if (strcmp(doc_issuer, issuer) != 0)
        return JWT_ERR(err, JWT_ERR_ISSUER,
                       "discovery document names issuer \"%s\", expected \"%.200s\"",
                       log_safe(p, doc_issuer), issuer);
    if (!json_object_object_get_ex(root, "jwks_uri", &v) || !json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_ARG, "discovery document of %s has no jwks_uri string",
                       issuer);
    uri = json_object_get_string(v);
    if (strlen(uri) != (size_t)json_object_get_string_len(v) || has_control(uri))
        return JWT_ERR(err, JWT_ERR_ARG, "jwks_uri of %s holds control characters", issuer);
    code = jwt_fetch_check_url(uri, allow_http, err);
    if (code != JWT_OK)
        return code;
    code = check_local_target(issuer, issuer_internal, uri, err);
    if (code != JWT_OK)
        return code;
    *jwks_uri = apr_pstrdup(p, uri);
    return JWT_OK;
}
