/* binding_conf.h -- issue 28's per-directory part: AuthJWTOptional (and, as they land, the
 * sender-constraint directives). One pointer member of jwt_dir_conf_t, NULL when a section
 * sets none of them; its merge, setters and command-table entries are here
 * (binding_conf.c). Above dir_conf.h, as compat_authnz.h. */
#ifndef JWT_BINDING_CONF_H
#define JWT_BINDING_CONF_H

#include "dir_conf.h"

/* AuthJWTBinding: what a token is bound to (RFC 8705 certificate, RFC 9449 DPoP key) */
#define JWT_BIND_MTLS 1u
#define JWT_BIND_DPOP 2u

typedef struct jwt_binding_conf {
    const char *anon_user;           /* AuthJWTOptional NAME: the user of a tokenless request */
    int anon_user_set;
    unsigned modes;                  /* AuthJWTBinding: JWT_BIND_* bits, 0 = none */
    int optional;                    /* ... optional: a token without cnf is a bearer token */
    int modes_set;
    const char *cert_header;         /* AuthJWTClientCertHeader NAME (RFC 9440 Client-Cert) */
    int cert_header_set;
    apr_array_header_t *trusted;     /* apr_ipsubnet_t *, AuthJWTClientCertTrustedProxies */
    int trusted_set;
    apr_int64_t dpop_window;         /* AuthJWTDPoPWindow: seconds a proof's iat stays good */
    int dpop_window_set;
    apr_int64_t dpop_nonce;          /* AuthJWTDPoPNonce: a nonce's lifetime, 0 = no nonces */
    int dpop_nonce_set;
    const char *dpop_url;            /* AuthJWTDPoPURL: scheme://host[:port], no slash */
    int dpop_url_set;
} jwt_binding_conf_t;

#define JWT_DPOP_DEFAULT_WINDOW 60
#define JWT_DPOP_FUTURE_LEEWAY 5     /* seconds a proof's iat may be ahead of our clock */

/* Does the section ask for DPoP-bound tokens (AuthJWTBinding dpop)? */
int jwt_binding_dpop(const jwt_dir_conf_t *conf);
/* How many sections say AuthJWTBinding dpop (the replay store is made when any does). */
int jwt_binding_dpop_sections(void);
void jwt_binding_pre_config(void);

jwt_binding_conf_t *jwt_binding_merge(apr_pool_t *p, const jwt_binding_conf_t *base,
                                      const jwt_binding_conf_t *add);

/* The user a request without any token is authenticated as (AuthJWTOptional), or NULL
 * when a token is required. */
const char *jwt_optional_user(const jwt_dir_conf_t *conf);
/* In r->notes of a request let in as AuthJWTOptional's user: it has no claims of its own,
 * and must not borrow those of the request it is a subrequest or redirect of (expr.c). */
#define JWT_ANON_NOTE "auth_jwt_anonymous"

const char *jwt_cmd_optional(cmd_parms *cmd, void *mconfig, const char *name);
const char *jwt_cmd_binding(cmd_parms *cmd, void *mconfig, const char *mode, const char *opt);
const char *jwt_cmd_cert_header(cmd_parms *cmd, void *mconfig, const char *name);
const char *jwt_cmd_trusted_proxies(cmd_parms *cmd, void *mconfig, const char *addr);
const char *jwt_cmd_dpop_window(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_dpop_nonce(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_dpop_url(cmd_parms *cmd, void *mconfig, const char *arg);

/* Every one of these is a server's decision, never .htaccess's (RSRC_CONF | ACCESS_CONF):
 * an .htaccess could otherwise weaken the section it sits in (AuthJWTBinding none or
 * ... optional, AuthJWTDPoPNonce off, a longer AuthJWTDPoPWindow, AuthJWTOptional letting
 * tokenless requests in), as it could say which addresses speak for a client's
 * certificate. httpd refuses them there ("not allowed here", naming the file). */
#define JWT_BINDING_CMDS \
    AP_INIT_TAKE1("AuthJWTOptional", jwt_cmd_optional, NULL, RSRC_CONF | ACCESS_CONF, \
        "NAME: a request without a token is let through as user NAME (no claims); a bad " \
        "token is still refused"), \
    AP_INIT_TAKE12("AuthJWTBinding", jwt_cmd_binding, NULL, RSRC_CONF | ACCESS_CONF, \
        "mtls [optional] | dpop [optional] | none: tokens must be bound to the TLS client " \
        "certificate (RFC 8705 cnf x5t#S256) or to a DPoP key (RFC 9449 cnf jkt); optional " \
        "lets a token without cnf through as a bearer token; none (explicitly) accepts a " \
        "token with cnf as a bearer token, refused where no AuthJWTBinding is set"), \
    AP_INIT_TAKE1("AuthJWTDPoPWindow", jwt_cmd_dpop_window, NULL, RSRC_CONF | ACCESS_CONF, \
        "seconds a DPoP proof is accepted after its iat, and its jti remembered (default 60)"), \
    AP_INIT_TAKE1("AuthJWTDPoPNonce", jwt_cmd_dpop_nonce, NULL, RSRC_CONF | ACCESS_CONF, \
        "SECONDS | off: DPoP proofs must carry a server nonce (DPoP-Nonce) of this lifetime " \
        "(RFC 9449 8; default off)"), \
    AP_INIT_TAKE1("AuthJWTDPoPURL", jwt_cmd_dpop_url, NULL, RSRC_CONF | ACCESS_CONF, \
        "http[s]://HOST[:PORT]: the public origin DPoP proofs' htu must name (behind a " \
        "TLS-terminating proxy); default: this vhost's URL, its host a ServerName/ServerAlias"), \
    AP_INIT_TAKE1("AuthJWTClientCertHeader", jwt_cmd_cert_header, NULL, \
        RSRC_CONF | ACCESS_CONF, "NAME: request header holding the client certificate as " \
        "RFC 9440 Client-Cert (:base64 DER:), trusted only from AuthJWTClientCertTrustedProxies"), \
    AP_INIT_ITERATE("AuthJWTClientCertTrustedProxies", jwt_cmd_trusted_proxies, NULL, \
        RSRC_CONF | ACCESS_CONF, "ADDRESS[/BITS] ...: peers whose AuthJWTClientCertHeader " \
        "is believed (a TLS-terminating proxy)")

#endif
