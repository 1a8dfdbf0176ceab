/* jwt_fetch.c -- fetch one configured URL with libcurl: the transfer, hand-checked redirects,
 * the address check at connect time, Cache-Control. See jwt_fetch.h; the URL and address
 * rules are jwt_fetch_rules.c's, discovery documents jwt_discovery.c's. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "jwt_fetch.h"
#include "jwt_fetch_rules.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#define JWT_FETCH_USER_AGENT "mod_auth_jwt/" PACKAGE_VERSION
/* Room for every Cache-Control value of one response; longer -> treated as absent. */
#define JWT_CACHE_CONTROL_MAX 512

jwt_code_t jwt_fetch_global_init(jwt_err_t *err)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return JWT_ERR(err, JWT_ERR_FETCH, "curl_global_init failed: %s", curl_easy_strerror(rc));
    return JWT_OK;
}


/* ---------------------------------------------------------------- Cache-Control */

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Parse DIGITS or "DIGITS" at s up to end; -1 when anything else is there. */
static long parse_delta_seconds(const char *s, const char *end)
{
    long v = 0;
    int digits = 0;

    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (s < end && *s == '"') {
        if (end - s < 2 || end[-1] != '"')
            return -1;
        s++;
        end--;
    }
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        digits++;
        if (v > (LONG_MAX - 9) / 10 || v >= INT_MAX)
            v = INT_MAX;    /* RFC 9111 1.2.2: overflow means "a very large value" */
        else
            v = v * 10 + (*s - '0');
    }
    if (digits == 0)
        return -1;
    return v > INT_MAX ? INT_MAX : v;
}

long jwt_fetch_parse_max_age(const char *cc)
{
    long max_age = -1;
    int seen = 0, no_store = 0;
    const char *s = cc;

    if (cc == NULL)
        return -1;
    while (*s) {
        const char *end = strchr(s, ',');
        const char *eq;
        size_t namelen;

        if (end == NULL)
            end = s + strlen(s);
        s = skip_ows(s);
        eq = memchr(s, '=', (size_t)(end - s));
        namelen = (size_t)((eq ? eq : end) - s);
        while (namelen > 0 && (s[namelen - 1] == ' ' || s[namelen - 1] == '\t'))
            namelen--;
        if (namelen == 7 && strncasecmp(s, "max-age", 7) == 0) {
            if (seen++ || eq == NULL)
                return -1;              /* repeated or valueless: do not guess */
            max_age = parse_delta_seconds(skip_ows(eq + 1), end);
            if (max_age < 0)
                return -1;
        }
        else if ((namelen == 8 && strncasecmp(s, "no-store", 8) == 0)
                 || (namelen == 8 && strncasecmp(s, "no-cache", 8) == 0)) {
            no_store = 1;
        }
        s = *end ? end + 1 : end;
    }
    return no_store ? 0 : max_age;
}

/* ---------------------------------------------------------------- the transfer */

typedef struct {
    char *buf;                  /* malloc'd; freed by fetch_state_free */
    size_t len, cap, max;
    int over;                   /* set when the body passed max: the transfer was aborted */
    char cc[JWT_CACHE_CONTROL_MAX];
    size_t cc_len;
    int cc_overflow;
    int public_only;            /* opts->public_only */
    char refused[INET6_ADDRSTRLEN]; /* the internal address a connection was refused to */
    int peer_internal;          /* the address that answered (CURLINFO_PRIMARY_IP) */
} fetch_state_t;

static void fetch_state_free(fetch_state_t *st)
{
    free(st->buf);
    st->buf = NULL;
    st->len = st->cap = 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    fetch_state_t *st = userdata;
    size_t n = size * nmemb;

    if (n > st->max - st->len) {       /* st->len <= st->max always holds */
        st->over = 1;
        return 0;                      /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (st->len + n + 1 > st->cap) {
        size_t cap = st->cap ? st->cap : 16384;
        char *nb;
        while (cap < st->len + n + 1)
            cap *= 2;
        if (cap > st->max + 1)
            cap = st->max + 1;
        nb = realloc(st->buf, cap);
        if (nb == NULL)
            return 0;
        st->buf = nb;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, data, n);
    st->len += n;
    return n;
}

/* Keep the Cache-Control values of the last response only (a new status line resets). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    fetch_state_t *st = userdata;
    size_t n = size * nmemb;
    static const char name[] = "cache-control:";
    const size_t nl = sizeof(name) - 1;

    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        st->cc_len = 0;
        st->cc_overflow = 0;
        st->cc[0] = '\0';
    }
    else if (n > nl && strncasecmp(data, name, nl) == 0) {
        const char *v = data + nl;
        size_t vl = n - nl;
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        /* one value per header line; lines are joined with "," as RFC 9110 5.3 allows */
        if (st->cc_len + vl + 2 > sizeof(st->cc)) {
            st->cc_overflow = 1;
        }
        else {
            if (st->cc_len > 0)
                st->cc[st->cc_len++] = ',';
            memcpy(st->cc + st->cc_len, v, vl);
            st->cc_len += vl;
            st->cc[st->cc_len] = '\0';
        }
    }
    return n;
}

/* curl asks for a socket for every address it is about to connect to (each A/AAAA record,
 * every retry and redirect), after its own DNS lookup: the one place where the address is
 * the address used. A name that a literal check passed may resolve to 127.0.0.1 or
 * 169.254.169.254 (or be made to, by DNS rebinding between a check and the connect). */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose,
                                    struct curl_sockaddr *a)
{
    fetch_state_t *st = userdata;
    if (st->public_only && purpose == CURLSOCKTYPE_IPCXN) {
        const void *addr = NULL;
        if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in))
            addr = &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr;
        else if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6))
            addr = &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr;
        if (addr == NULL || jwt_fetch_addr_is_internal(a->family, addr)) {
            if (addr == NULL || inet_ntop(a->family, addr, st->refused, sizeof(st->refused)) == NULL)
                snprintf(st->refused, sizeof(st->refused), "family %d", a->family);
            return CURL_SOCKET_BAD;     /* curl tries the next address, or fails to connect */
        }
    }
    return socket(a->family, a->socktype, a->protocol);
}

static jwt_code_t setup_handle(CURL *h, const char *url, const jwt_url_parts_t *u,
                               const jwt_fetch_opts_t *o, long remaining_ms,
                               fetch_state_t *st, char *errbuf, jwt_err_t *err)
{
    const char *protocols = strcmp(u->scheme, "http") == 0 ? "http,https" : "https";
    long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : remaining_ms;
    CURLcode rc = CURLE_OK;

    if (connect_ms > remaining_ms)
        connect_ms = remaining_ms;
#define SETOPT(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
    SETOPT(CURLOPT_URL, url);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(CURLOPT_PROTOCOLS_STR, protocols);
    SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
    SETOPT(CURLOPT_PROTOCOLS, strcmp(protocols, "https") == 0 ? (long)CURLPROTO_HTTPS
                                              : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);     /* redirects are checked and followed by hand */
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, remaining_ms);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        SETOPT(CURLOPT_CAINFO, o->ca_file);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    SETOPT(CURLOPT_USERAGENT, JWT_FETCH_USER_AGENT);
    SETOPT(CURLOPT_HTTPGET, 1L);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, st);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, st);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SETOPT(CURLOPT_OPENSOCKETDATA, st);
#undef SETOPT
    if (rc != CURLE_OK)
        return JWT_ERR(err, JWT_ERR_FETCH, "curl setup failed for %s: %s", url,
                       curl_easy_strerror(rc));
    return JWT_OK;
}

static int is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* One GET without following redirects. *location gets a pool copy of a redirect target. */
static jwt_code_t fetch_once(apr_pool_t *p, const char *url, const jwt_url_parts_t *u,
                             const jwt_fetch_opts_t *o, long remaining_ms,
                             fetch_state_t *st, long *status, const char **location,
                             jwt_err_t *err)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *h = curl_easy_init();
    CURLcode rc;
    jwt_code_t code;

    *location = NULL;
    errbuf[0] = '\0';
    if (h == NULL)
        return JWT_ERR(err, JWT_ERR_FETCH, "curl_easy_init failed");
    code = setup_handle(h, url, u, o, remaining_ms, st, errbuf, err);
    if (code != JWT_OK) {
        curl_easy_cleanup(h);
        return code;
    }
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        if (st->refused[0] != '\0' && rc == CURLE_COULDNT_CONNECT)
            code = JWT_ERR(err, JWT_ERR_FETCH, "%s: refused to connect to %s, an internal "
                           "address (loopback, link-local or private), for a URL that came "
                           "from a remote document", url, st->refused);
        else if (st->over || rc == CURLE_FILESIZE_EXCEEDED)
            code = JWT_ERR(err, JWT_ERR_FETCH, "%s: response larger than %lu bytes", url,
                           (unsigned long)o->max_bytes);
        else
            code = JWT_ERR(err, JWT_ERR_FETCH, "%s: %s%s%s", url, curl_easy_strerror(rc),
                           errbuf[0] ? ": " : "", errbuf);
        curl_easy_cleanup(h);
        return code;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    {
        char *ip = NULL;
        struct in_addr v4;
        struct in6_addr v6;
        st->peer_internal = 0;          /* unknown: no exemption is granted on a guess */
        if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != NULL) {
            if (inet_pton(AF_INET, ip, &v4) == 1)
                st->peer_internal = jwt_fetch_addr_is_internal(AF_INET, &v4);
            else if (inet_pton(AF_INET6, ip, &v6) == 1)
                st->peer_internal = jwt_fetch_addr_is_internal(AF_INET6, &v6);
        }
    }
    if (is_redirect(*status)) {
        char *target = NULL;
        if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &target) == CURLE_OK && target)
            *location = apr_pstrdup(p, target);   /* target is owned by the handle */
    }
    curl_easy_cleanup(h);
    return JWT_OK;
}

/* A redirect may only stay on the same host and port, and never downgrade https to http:
 * another port of the same host is another service (RFC 6454 origin). */
static jwt_code_t check_redirect(const jwt_url_parts_t *from, const char *target,
                                 int allow_http, jwt_url_parts_t *to, jwt_err_t *err)
{
    jwt_code_t code = jwt_url_parts_get(target, to, err);
    if (code != JWT_OK)
        return JWT_ERR(err, JWT_ERR_FETCH, "redirect to an unusable URL refused");
    if (strcasecmp(from->host, to->host) != 0)
        code = JWT_ERR(err, JWT_ERR_FETCH, "redirect from host %s to another host (%s) refused",
                       from->host, to->host);
    else if (strcmp(from->port, to->port) != 0)
        code = JWT_ERR(err, JWT_ERR_FETCH, "redirect from port %s to another port (%s) of %s "
                       "refused", from->port, to->port, to->host);
    else if (strcmp(from->scheme, "https") == 0 && strcmp(to->scheme, "https") != 0)
        code = JWT_ERR(err, JWT_ERR_FETCH, "redirect from https to %s refused", to->scheme);
    else if (jwt_url_check_parts(to, target, allow_http, err) != JWT_OK)
        code = JWT_ERR_FETCH;
    if (code != JWT_OK)
        jwt_url_parts_free(to);
    return code;
}

static void fill_result(apr_pool_t *p, const fetch_state_t *st, long status, const char *url,
                        jwt_fetch_result_t *res)
{
    res->status = status;
    res->len = st->len;
    res->body = apr_palloc(p, st->len + 1);
    if (st->len)
        memcpy(res->body, st->buf, st->len);
    res->body[st->len] = '\0';
    res->max_age = st->cc_overflow ? -1 : jwt_fetch_parse_max_age(st->cc_len ? st->cc : NULL);
    res->url = apr_pstrdup(p, url);
    res->peer_internal = st->peer_internal;
}

jwt_code_t jwt_fetch_url(apr_pool_t *p, const char *url, const jwt_fetch_opts_t *opts,
                         jwt_fetch_result_t **out, jwt_err_t *err)
{
    jwt_fetch_opts_t o = { 0 };
    jwt_url_parts_t u;
    apr_time_t deadline;
    jwt_code_t code;
    int hops;

    if (opts)
        o = *opts;
    if (o.timeout_ms <= 0)
        o.timeout_ms = JWT_FETCH_DEFAULT_TIMEOUT_MS;
    if (o.max_bytes == 0)
        o.max_bytes = JWT_FETCH_DEFAULT_MAX_BYTES;
    if (url == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_fetch_url: no URL or no result pointer");
    code = jwt_url_parts_get(url, &u, err);
    if (code != JWT_OK)
        return code;
    code = jwt_url_check_parts(&u, url, o.allow_http, err);
    if (code != JWT_OK) {
        jwt_url_parts_free(&u);
        return code;
    }
    deadline = apr_time_now() + apr_time_from_msec(o.timeout_ms);
    for (hops = 0;; hops++) {
        fetch_state_t st = { 0 };
        long status = 0, remaining_ms;
        const char *location = NULL;
        jwt_url_parts_t next;

        st.max = o.max_bytes;
        st.public_only = o.public_only;
        remaining_ms = (long)apr_time_as_msec(deadline - apr_time_now());
        if (remaining_ms <= 0) {
            code = JWT_ERR(err, JWT_ERR_FETCH, "%s: timed out after %ld ms", url, o.timeout_ms);
            break;
        }
        code = fetch_once(p, url, &u, &o, remaining_ms, &st, &status, &location, err);
        if (code == JWT_OK && location == NULL) {
            jwt_fetch_result_t *res = apr_pcalloc(p, sizeof(*res));
            fill_result(p, &st, status, url, res);
            *out = res;
        }
        fetch_state_free(&st);
        if (code != JWT_OK || location == NULL)
            break;
        if (hops >= JWT_FETCH_MAX_REDIRECTS) {
            code = JWT_ERR(err, JWT_ERR_FETCH, "%s: more than %d redirects", url,
                           JWT_FETCH_MAX_REDIRECTS);
            break;
        }
        code = check_redirect(&u, location, o.allow_http, &next, err);
        if (code != JWT_OK)
            break;
        jwt_url_parts_free(&u);
        u = next;
        url = location;
    }
    jwt_url_parts_free(&u);
    return code;
}
