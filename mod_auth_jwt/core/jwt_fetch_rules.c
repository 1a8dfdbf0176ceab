/* jwt_fetch_rules.c -- the fetcher's URL and address rules (jwt_fetch_rules.h): what a URL
 * is made of as curl reads it, the scheme rule, and which hosts and addresses are loopback,
 * link-local or otherwise internal. No transfer happens here. */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include "jwt_fetch_rules.h"

/* An address literal: host without IPv6 brackets (curl keeps them) parsed into *v4
 * (AF_INET) or *v6 (AF_INET6); 0 for a name or anything else. */
typedef struct {
    int family;
    struct in_addr v4;
    struct in6_addr v6;
} host_addr_t;

static int host_addr(const char *host, host_addr_t *a)
{
    char buf[64];
    size_t n;

    if (host == NULL || *host == '\0')
        return 0;
    n = strlen(host);
    if (host[0] == '[' && n >= 2 && host[n - 1] == ']') {
        if (n - 2 >= sizeof(buf))
            return 0;
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    if (inet_pton(AF_INET, host, &a->v4) == 1)
        a->family = AF_INET;
    else if (inet_pton(AF_INET6, host, &a->v6) == 1)
        a->family = AF_INET6;
    else
        return 0;
    return 1;
}

int jwt_fetch_host_is_loopback(const char *host)
{
    host_addr_t a;

    if (host != NULL && strcasecmp(host, "localhost") == 0)
        return 1;
    if (!host_addr(host, &a))
        return 0;
    if (a.family == AF_INET)
        return (ntohl(a.v4.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&a.v6);
}

int jwt_fetch_host_is_link_local(const char *host)
{
    host_addr_t a;

    if (!host_addr(host, &a))
        return 0;
    if (a.family == AF_INET) {
        uint32_t v = ntohl(a.v4.s_addr);
        /* 169.254.0.0/16 (cloud metadata lives there), and 0.0.0.0/8, which Linux
         * connects to this host */
        return (v >> 16) == 0xa9fe || (v >> 24) == 0;
    }
    if (IN6_IS_ADDR_LINKLOCAL(&a.v6) || IN6_IS_ADDR_UNSPECIFIED(&a.v6))
        return 1;
    if (IN6_IS_ADDR_V4MAPPED(&a.v6)) {
        const unsigned char *b = a.v6.s6_addr + 12;
        return (b[0] == 169 && b[1] == 254) || b[0] == 0 || b[0] == 127;
    }
    return 0;
}

void jwt_url_parts_free(jwt_url_parts_t *u)
{
    curl_free(u->scheme);
    curl_free(u->host);
    curl_free(u->port);
    u->scheme = u->host = u->port = NULL;
}

/* Split url with curl's own parser, so the host we check is the host curl connects to. */
jwt_code_t jwt_url_parts_get(const char *url, jwt_url_parts_t *out, jwt_err_t *err)
{
    CURLU *u = curl_url();
    char *user = NULL;
    jwt_code_t code = JWT_OK;

    out->scheme = out->host = out->port = NULL;
    if (u == NULL)
        return JWT_ERR(err, JWT_ERR_FETCH, "out of memory parsing a URL");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_SCHEME, &out->scheme, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_HOST, &out->host, 0) != CURLUE_OK
        || out->host[0] == '\0'
        || curl_url_get(u, CURLUPART_PORT, &out->port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        code = JWT_ERR(err, JWT_ERR_ARG, "not an absolute URL with a host: %s", url);
    }
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        /* credentials in a URL end up in logs; refuse them */
        code = JWT_ERR(err, JWT_ERR_ARG, "URL must not contain user information");
    }
    curl_free(user);
    curl_url_cleanup(u);
    if (code != JWT_OK)
        jwt_url_parts_free(out);
    return code;
}

jwt_code_t jwt_url_check_parts(const jwt_url_parts_t *u, const char *url, int allow_http,
                              jwt_err_t *err)
{
    if (strcmp(u->scheme, "https") == 0)
        return JWT_OK;
    if (strcmp(u->scheme, "http") == 0) {
        if (allow_http || jwt_fetch_host_is_loopback(u->host))
            return JWT_OK;
        return JWT_ERR(err, JWT_ERR_ARG,
                       "plain http is only allowed to a loopback host (or with allow-http): %s",
                       url);
    }
    return JWT_ERR(err, JWT_ERR_ARG, "URL scheme must be https: %s", url);
}

jwt_code_t jwt_fetch_check_url(const char *url, int allow_http, jwt_err_t *err)
{
    jwt_url_parts_t u;
    jwt_code_t code;

    if (url == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "no URL");
    code = jwt_url_parts_get(url, &u, err);
    if (code != JWT_OK)
        return code;
    code = jwt_url_check_parts(&u, url, allow_http, err);
    jwt_url_parts_free(&u);
    return code;
}


static int v4_internal(uint32_t a)
{
    return (a >> 24) == 127 || (a >> 24) == 0 || (a >> 24) == 10      /* loopback, this host, 10/8 */
        || (a >> 16) == 0xa9fe || (a >> 16) == 0xc0a8                  /* 169.254/16, 192.168/16 */
        || (a >> 20) == 0xac1                                          /* 172.16/12 */
        || (a & 0xffc00000u) == 0x64400000u;                           /* 100.64/10 (RFC 6598) */
}

int jwt_fetch_addr_is_internal(int family, const void *addr)
{
    if (addr == NULL)
        return 1;
    if (family == AF_INET) {
        struct in_addr v4;
        memcpy(&v4, addr, sizeof(v4));
        return v4_internal(ntohl(v4.s_addr));
    }
    if (family == AF_INET6) {
        struct in6_addr v6;
        memcpy(&v6, addr, sizeof(v6));
        const unsigned char *b = v6.s6_addr;
        static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
        if (IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6)
            || IN6_IS_ADDR_LINKLOCAL(&v6) || IN6_IS_ADDR_SITELOCAL(&v6)
            || (b[0] & 0xfe) == 0xfc)                                  /* ULA fc00::/7 */
            return 1;
        if (IN6_IS_ADDR_V4MAPPED(&v6) || memcmp(b, nat64, sizeof(nat64)) == 0) {
            uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
            return v4_internal(a);
        }
        return 0;
    }
    return 1;       /* an address family we cannot judge is not trusted to be public */
}

int jwt_fetch_host_is_internal(const char *host)
{
    host_addr_t a;

    if (host != NULL && strcasecmp(host, "localhost") == 0)
        return 1;
    if (!host_addr(host, &a))
        return 0;
    return a.family == AF_INET ? jwt_fetch_addr_is_internal(AF_INET, &a.v4)
                               : jwt_fetch_addr_is_internal(AF_INET6, &a.v6);
}

int jwt_fetch_url_is_internal(const char *url)
{
    jwt_url_parts_t u;
    jwt_err_t err;
    if (url == NULL || jwt_url_parts_get(url, &u, &err) != JWT_OK)
        return 0;
    int internal = jwt_fetch_host_is_internal(u.host);
    jwt_url_parts_free(&u);
    return internal;
}
