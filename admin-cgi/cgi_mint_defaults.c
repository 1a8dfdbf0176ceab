/* cgi_mint_defaults.c -- the Test token page's defaults (see cgi_mint_defaults.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include "cgi_mint_defaults.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

const char *mint_default_kid(const jwt_secrets_t *s)
{
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    const char *verify = NULL;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (all[i].status == JWT_SECRET_ACTIVE)
            return all[i].kid;
        if (all[i].status == JWT_SECRET_VERIFY && verify == NULL)
            verify = all[i].kid;
    }
    return verify;
}

/* The first word of a space-separated list, or NULL. */
static const char *first_word(apr_pool_t *p, const char *list)
{
    if (list == NULL)
        return NULL;
    list += strspn(list, " \t");
    size_t n = strcspn(list, " \t");
    return n ? apr_pstrmemdup(p, list, n) : NULL;
}

const char *mint_default_claims(admin_ctx_t *c)
{
    json_object *o = json_object_new_object();
    const char *iss = first_word(c->p, c->issuers), *aud = first_word(c->p, c->audiences);
    if (o == NULL)
        return "{}";
    json_object_object_add(o, "sub", json_object_new_string(
        c->unauthenticated || c->user == NULL ? "test-user" : c->user));
    if (iss)
        json_object_object_add(o, "iss", json_object_new_string(iss));
    if (aud)
        json_object_object_add(o, "aud", json_object_new_string(aud));
    const char *text = apr_pstrdup(c->p, json_object_to_json_string_ext(o,
        JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

/* Host[:port] as a client may send it: letters, digits, '.', '-', ':' and IPv6 brackets. */
static int is_host(const char *h)
{
    return h && *h && strlen(h) < 256
        && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
           == strlen(h);
}

static int is_path(const char *s)
{
    if (s == NULL || s[0] != '/' || s[1] == '/' || s[1] == '\\')
        return 0;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '\'')
            return 0;
    }
    return 1;
}

const char *mint_try_url(admin_ctx_t *c)
{
    const char *url = env("JWT_ADMIN_TRY_URL");
    if (url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) {
        /* after the scheme: a host, then an optional path (never read past the string) */
        const char *rest = url + (url[4] == 's' ? 8 : 7), *slash = strchr(rest, '/');
        if (*rest && *rest != '/' && is_path(slash ? slash : "/")
            && strcspn(url, " \t\"'\\") == strlen(url))
            return url;
    }
    const char *https = env("HTTPS");
    int tls = https && (!strcmp(https, "on") || !strcmp(https, "1"));
    const char *host = env("HTTP_HOST");
    if (!is_host(host)) {
        const char *name = env("SERVER_NAME"), *port = env("SERVER_PORT");
        host = is_host(name) ? name : "localhost";
        if (port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5
            && strcmp(port, tls ? "443" : "80") != 0)
            host = apr_pstrcat(c->p, host, ":", port, NULL);
    }
    const char *path = env("JWT_ADMIN_TRY_PATH");
    return apr_pstrcat(c->p, tls ? "https://" : "http://", host, is_path(path) ? path : "/", NULL);
}
