/* login_guard.c -- login CSRF, the __Host- cookie name and buffer wiping (issue 21).
 *
 * A form-encoded POST needs no CORS preflight, so any site can make a victim's browser send
 * one to jwt-login-handler; with AuthJWTDelivery cookie the answer's Set-Cookie then logs
 * the victim into the attacker's account (login CSRF). Browsers say where such a request
 * comes from: Origin on every cross-origin POST (and on same-origin ones in current
 * browsers), Sec-Fetch-Site where Origin is missing. A request with neither is not from a
 * browser's form, so not a CSRF vector. */
#include "dir_conf.h"
#include "login_guard.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_core.h"
#include "http_protocol.h"

/* Origin = scheme "://" host [ ":" port ] (RFC 6454 7), nothing after. */
static int origin_is_own(request_rec *r, const char *origin)
{
    const char *scheme = ap_http_scheme(r), *host = r->hostname, *h, *end, *colon;
    size_t slen = strlen(scheme), hlen;
    apr_port_t own_port = ap_get_server_port(r), port;

    if (!host || ap_cstr_casecmpn(origin, scheme, slen) || strncmp(origin + slen, "://", 3))
        return 0;
    h = origin + slen + 3;
    if (*h == '[') {                   /* IPv6 literal: r->hostname has no brackets */
        if (!(end = strchr(h, ']')))
            return 0;
        h++;
        hlen = (size_t)(end - h);
        colon = end[1] == ':' ? end + 1 : (end[1] ? NULL : end + 1);
        if (!colon)
            return 0;
    }
    else {
        colon = h + strcspn(h, ":");
        hlen = (size_t)(colon - h);
    }
    if (hlen == 0 || hlen != strlen(host) || ap_cstr_casecmpn(h, host, hlen))
        return 0;
    if (*colon == '\0')
        port = ap_default_port(r);
    else {
        char *stop = NULL;
        apr_int64_t n;
        if (!apr_isdigit(colon[1]))
            return 0;
        n = apr_strtoi64(colon + 1, &stop, 10);
        if (!stop || *stop || n <= 0 || n > 65535)
            return 0;
        port = (apr_port_t)n;
    }
    return port == own_port;
}

int jwt_login_same_origin(request_rec *r, const char **why)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    if (origin) {
        if (origin_is_own(r, origin))
            return 1;
        *why = apr_psprintf(r->pool, "Origin %s is not this server's",
                            ap_escape_logitem(r->pool, origin));
        return 0;
    }
    if (site) {
        if (!ap_cstr_casecmp(site, "same-origin") || !ap_cstr_casecmp(site, "none"))
            return 1;
        *why = apr_psprintf(r->pool, "Sec-Fetch-Site is %s", ap_escape_logitem(r->pool, site));
        return 0;
    }
    return 1;
}

const char *jwt_login_cookie_name(apr_pool_t *p, const char *name, int keep_name)
{
    if (keep_name || !strncmp(name, JWT_HOST_PREFIX, sizeof(JWT_HOST_PREFIX) - 1))
        return name;
    return apr_pstrcat(p, JWT_HOST_PREFIX, name, NULL);
}

const char *jwt_token_cookie_name(const request_rec *r, const char *name)
{
    const jwt_server_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                       &auth_jwt_module);
    const size_t n = sizeof(JWT_HOST_PREFIX) - 1;
    int i;

    /* a few names at most (one per AuthJWTDelivery cookie), read-only after startup */
    for (i = 0; sc && i < sc->cookie_names->nelts; i++) {
        const char *c = APR_ARRAY_IDX(sc->cookie_names, i, const char *);
        if (!strncmp(c, JWT_HOST_PREFIX, n) && !strcmp(c + n, name))
            return c;
    }
    return name;
}
