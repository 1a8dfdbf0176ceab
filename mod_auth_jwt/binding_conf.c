/* binding_conf.c -- issue 28's directives and merge (binding_conf.h). */
#include "binding_conf.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_network_io.h>
#include <apr_uri.h>
#include "http_core.h"

#define BINDING_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

jwt_binding_conf_t *jwt_binding_merge(apr_pool_t *p, const jwt_binding_conf_t *base,
                                      const jwt_binding_conf_t *add)
{
    jwt_binding_conf_t *c;

    if (!base)
        return (jwt_binding_conf_t *)add;
    if (!add)
        return (jwt_binding_conf_t *)base;
    c = apr_pcalloc(p, sizeof(*c));
    BINDING_MERGE(anon_user);
    BINDING_MERGE(modes);
    c->optional = add->modes_set ? add->optional : base->optional;
    BINDING_MERGE(cert_header);
    BINDING_MERGE(trusted);
    BINDING_MERGE(dpop_window);
    BINDING_MERGE(dpop_nonce);
    BINDING_MERGE(dpop_url);
    return c;
}

/* The section's part, made by its first directive of this feature. */
static jwt_binding_conf_t *binding_of(cmd_parms *cmd, jwt_dir_conf_t *c)
{
    if (!c->binding)
        c->binding = apr_pcalloc(cmd->pool, sizeof(*c->binding));
    return c->binding;
}

/* Counted while the configuration is read, reset before each reading. */
static int dpop_sections;

void jwt_binding_pre_config(void)
{
    dpop_sections = 0;
}

int jwt_binding_dpop_sections(void)
{
    return dpop_sections;
}

int jwt_binding_dpop(const jwt_dir_conf_t *conf)
{
    return conf->binding && (conf->binding->modes & JWT_BIND_DPOP);
}

const char *jwt_optional_user(const jwt_dir_conf_t *conf)
{
    return conf->binding ? conf->binding->anon_user : NULL;
}

/* The name becomes REMOTE_USER, so it goes into logs and CGI environments: printable
 * ASCII without spaces or quotes, as a user claim may not carry control characters. */
const char *jwt_cmd_optional(cmd_parms *cmd, void *mconfig, const char *name)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    const char *s;

    if (!*name)
        return "AuthJWTOptional: the anonymous user name must not be empty";
    for (s = name; *s; s++) {
        if (!apr_isgraph(*s) || *s == '"' || *s == '\\')
            return apr_psprintf(cmd->pool, "AuthJWTOptional: '%s' is not a usable user name "
                                "(printable ASCII without spaces, quotes or backslashes)",
                                name);
    }
    b->anon_user = name;
    b->anon_user_set = 1;
    return NULL;
}

const char *jwt_cmd_binding(cmd_parms *cmd, void *mconfig, const char *mode, const char *opt)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);

    if (!strcasecmp(mode, "none") && !opt)
        b->modes = 0;
    else if (!strcasecmp(mode, "mtls"))
        b->modes = JWT_BIND_MTLS;
    else if (!strcasecmp(mode, "dpop")) {
        /* its replay store is made at startup, for the sections read then; the directive
         * is not allowed in .htaccess (binding_conf.h) */
        b->modes = JWT_BIND_DPOP;
        dpop_sections++;
    }
    else
        return apr_psprintf(cmd->pool, "AuthJWTBinding: unknown binding '%s' (expected mtls "
                            "[optional], dpop [optional], or none)", mode);
    if (opt && strcasecmp(opt, "optional"))
        return apr_psprintf(cmd->pool, "AuthJWTBinding %s: unknown option '%s' (expected "
                            "optional)", mode, opt);
    b->optional = opt != NULL;
    b->modes_set = 1;
    return NULL;
}

const char *jwt_cmd_cert_header(cmd_parms *cmd, void *mconfig, const char *name)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);

    if (!jwt_is_http_token(name))
        return apr_psprintf(cmd->pool, "AuthJWTClientCertHeader: '%s' is not a header name",
                            name);
    b->cert_header = name;
    b->cert_header_set = 1;
    return NULL;
}

/* ADDRESS or ADDRESS/BITS, IPv4 or IPv6, parsed by APR as mod_authz_host's Require ip. */
const char *jwt_cmd_trusted_proxies(cmd_parms *cmd, void *mconfig, const char *addr)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    char *ip = apr_pstrdup(cmd->temp_pool, addr), *bits = strchr(ip, '/');
    apr_ipsubnet_t *sub;
    apr_status_t rv;
    char msg[120];

    if (bits)
        *bits++ = '\0';
    rv = apr_ipsubnet_create(&sub, ip, bits, cmd->pool);
    if (rv != APR_SUCCESS) {
        apr_strerror(rv, msg, sizeof(msg));
        return apr_psprintf(cmd->pool, "AuthJWTClientCertTrustedProxies: '%s' is not an "
                            "address or ADDRESS/BITS (%s)", addr, msg);
    }
    /* the directive's arguments replace what an enclosing section trusted */
    if (!b->trusted_set || !b->trusted)
        b->trusted = apr_array_make(cmd->pool, 2, sizeof(apr_ipsubnet_t *));
    APR_ARRAY_PUSH(b->trusted, apr_ipsubnet_t *) = sub;
    b->trusted_set = 1;
    return NULL;
}

const char *jwt_cmd_dpop_window(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    const char *msg = jwt_parse_seconds(cmd, arg, 1, 3600, &b->dpop_window);
    if (msg)
        return msg;
    b->dpop_window_set = 1;
    return NULL;
}

const char *jwt_cmd_dpop_nonce(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    const char *msg;

    if (!strcasecmp(arg, "off"))
        b->dpop_nonce = 0;
    else if ((msg = jwt_parse_seconds(cmd, arg, 10, 86400, &b->dpop_nonce)))
        return msg;
    b->dpop_nonce_set = 1;
    return NULL;
}

/* The origin only (scheme, host, port): the path of htu is always the request's own. A
 * default port is dropped, as RFC 9449 4.3's normalisation does on the proof's side. */
const char *jwt_cmd_dpop_url(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_binding_conf_t *b = binding_of(cmd, mconfig);
    apr_uri_t u;
    int https;

    if (apr_uri_parse(cmd->temp_pool, arg, &u) != APR_SUCCESS || !u.scheme || !u.hostname
        || !*u.hostname || u.user || u.password || u.query || u.fragment
        || (u.path && *u.path && strcmp(u.path, "/"))
        || (strcasecmp(u.scheme, "https") && strcasecmp(u.scheme, "http")))
        return apr_psprintf(cmd->pool, "AuthJWTDPoPURL: '%s' is not http[s]://HOST[:PORT] "
                            "(an origin, no path, query or user)", arg);
    https = !strcasecmp(u.scheme, "https");
    if (u.port_str && !u.port)
        return apr_psprintf(cmd->pool, "AuthJWTDPoPURL: '%s' has a bad port", arg);
    /* apr_uri_parse drops an IPv6 literal's brackets; a URL needs them back */
    b->dpop_url = apr_psprintf(cmd->pool, "%s://%s%s%s%s%s", https ? "https" : "http",
                               strchr(u.hostname, ':') ? "[" : "", u.hostname,
                               strchr(u.hostname, ':') ? "]" : "",
                               u.port && u.port != (https ? 443 : 80) ? ":" : "",
                               u.port && u.port != (https ? 443 : 80)
                                   ? apr_psprintf(cmd->pool, "%u", (unsigned)u.port) : "");
    b->dpop_url_set = 1;
    return NULL;
}
