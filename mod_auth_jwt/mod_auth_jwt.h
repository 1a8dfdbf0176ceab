/* mod_auth_jwt.h -- declarations shared by the httpd glue files.
 *
 * The glue is split by job: config.c (per-dir/server config, setters that validate),
 * authn.c (AuthType jwt: token extraction, the one verify path, RFC 6750 answers),
 * authz.c (Require jwt-claim / jwt-claim-array / jwt-scope), env.c (JWT_CLAIM_* and
 * AuthJWTForwardClaim), secrets_watch.c (AuthJWTSecretsFile reloads), cache.c (the
 * verified-token cache, AuthJWTCacheSize), login.c
 * (jwt-login-handler, jwt-logout-handler, jwt-jwks-handler), login_guard.c (login CSRF,
 * the __Host- cookie name, wiping), explain.c (jwt-explain-handler), key_bindings.c (the
 * configtest warning for key sources bound to no issuer), jwks*.c (remote JWKS: jwks.h is
 * their only interface; jwks_conf.c directives, jwks_store.c the shared store, jwks_refresh.c
 * fetching, jwks.c the key source), config_check.c (configtest refuses locations that can
 * never work), error_body.c (JSON error bodies), login_redirect.c (AuthJWTLoginURL). The
 * Require rules
 * themselves are core/jwt_rules.c, shared with the admin CGI. mod_auth_jwt.c holds the
 * module record, the command table and the hook registration.
 *
 * Adding a feature with its own directives (e.g. remote JWKS, issue 4):
 *   1. declare its per-dir part as a struct in its own header and add ONE member of that
 *      type to jwt_dir_conf_t below, plus one merge call in jwt_merge_dir_conf;
 *   2. define its directives as a macro of AP_INIT_* entries in that header (like
 *      JWT_LOGIN_CMDS in login.h) and add the macro to the table in mod_auth_jwt.c;
 *   3. give jwt_location_keyrings() in authn.c one more keyring source.
 */
#ifndef MOD_AUTH_JWT_H
#define MOD_AUTH_JWT_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_regex.h"

#include <apr_tables.h>
#include <apr_hash.h>

#include "jwt_err.h"
#include "jwt_alg.h"
#include "jwt_key.h"
#include "jwt_jws.h"
#include "jwt_claims.h"
#include "login.h"
#include "jwks.h"
#include "compat_authnz.h"

/* AP_DECLARE_MODULE in mod_auth_jwt.c does APLOG_USE_MODULE itself. */
extern module AP_MODULE_DECLARE_DATA auth_jwt_module;
#ifndef JWT_MODULE_RECORD
APLOG_USE_MODULE(auth_jwt);
#endif

/* Stable per-call-site log tags, APLOGNO style: JWT_LOGNO(0201) -> "AH-JWT-0201: ".
 * Ranges: 01xx config, 02xx authn, 03xx authz, 04xx env/forward, 05xx secrets file,
 * 06xx login/logout/jwks, 07xx token cache, 09xx mod_authnz_jwt compat. Never reuse a number for a different message. */
#define JWT_LOGNO(n) "AH-JWT-" #n ": "

#define JWT_AUTH_TYPE "jwt"

/* Token sources, AuthJWTTokenFrom. */
typedef enum { JWT_SRC_HEADER, JWT_SRC_COOKIE, JWT_SRC_QUERY } jwt_src_kind_t;

typedef struct {
    jwt_src_kind_t kind;
    const char *name;          /* cookie or query parameter name; NULL for header */
} jwt_token_source_t;

/* AuthJWTForwardClaim CLAIM HEADER */
typedef struct {
    const char *claim;         /* dotted path */
    const char *header;
} jwt_forward_t;

typedef struct jwt_secrets_watch jwt_secrets_watch_t;   /* secrets_watch.h */

/* Per-directory configuration. Every setting has a *_set flag so a nested section
 * inherits what it does not set and overrides what it does (mod_auth_basic style). A new
 * field is merged in jwt_merge_dir_conf and checked in its sets_nothing (config.c). */
typedef struct jwt_dir_conf {
    jwt_keyring_t *keyring;          /* AuthJWTKeyFile, built while the section is read */
    int keyring_set;
    int keyfile_unbound;             /* a key file without issuer= (the configtest warning) */
    jwt_secrets_watch_t *secrets;    /* AuthJWTSecretsFile */
    int secrets_set;
    jwt_algset_t algs;               /* AuthJWTAlgorithms */
    int algs_set;
    apr_array_header_t *issuers;     /* const char *, AuthJWTIssuer */
    int issuers_set;
    apr_array_header_t *audiences;   /* const char *, AuthJWTAudience */
    int audiences_set;
    apr_int64_t leeway;              /* AuthJWTLeeway */
    int leeway_set;
    apr_array_header_t *required;    /* const char *, AuthJWTRequireClaims */
    int required_set;
    const char *user_claim;          /* AuthJWTUserClaim */
    int user_claim_set;
    const char *typ;                 /* AuthJWTType */
    int typ_set;
    apr_int64_t max_lifetime;        /* AuthJWTMaxLifetime, 0 = no limit */
    int max_lifetime_set;
    apr_array_header_t *sources;     /* jwt_token_source_t, AuthJWTTokenFrom */
    int sources_set;
    int claims_env;                  /* AuthJWTClaimsEnv */
    int claims_env_set;
    apr_array_header_t *forwards;    /* jwt_forward_t, AuthJWTForwardClaim (accumulates) */
    jwt_login_conf_t login;          /* login.h: issue 5 directives */
    jwks_dir_conf_t *jwks;           /* jwks.h: AuthJWTJWKSURL & co (issue 4), NULL = none */
    jwt_compat_conf_t *compat;       /* compat_authnz.h: mod_authnz_jwt's directives, NULL = none */
    const char *login_url;           /* AuthJWTLoginURL (login_redirect.h), NULL = none */
    int login_url_set;
    apr_uint64_t identity;           /* not a setting: nonzero for a section made while the
                                        configuration was read, unique among them; 0 for
                                        one made at request time (.htaccess, a merge of two
                                        sections that both set something). See config.c. */
} jwt_dir_conf_t;

/* Per-server configuration: what the JWKS and logout handlers publish server-wide. */
typedef struct {
    apr_array_header_t *signing_keys;   /* const jwt_key_t *, asymmetric signing keys */
    apr_array_header_t *cookie_names;   /* const char *, AuthJWTDelivery cookie NAMEs */
    const char *dummy_hash;             /* post_config: checked for unknown login users */
    int cache_size;                     /* AuthJWTCacheSize (main server only), cache.h */
    int cache_size_set;
} jwt_server_conf_t;

/* What authn leaves for authz in r->request_config (never parsed twice). */
typedef struct {
    const jwt_token_t *token;
    json_object *claims;             /* token->payload, owned by r->pool */
    const jwt_key_t *key;            /* the key that verified */
    const char *scope_missed;        /* set by jwt-scope on a miss: scopes it wanted */
} jwt_request_state_t;

/* config.c */
void *jwt_create_dir_conf(apr_pool_t *p, char *dir);
void *jwt_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *jwt_create_server_conf(apr_pool_t *p, server_rec *s);
void *jwt_merge_server_conf(apr_pool_t *p, void *base, void *add);
const char *jwt_cmd_key_file(cmd_parms *cmd, void *mconfig, int argc, char *const argv[]);
const char *jwt_cmd_secrets_file(cmd_parms *cmd, void *mconfig, const char *path);
const char *jwt_cmd_algorithms(cmd_parms *cmd, void *mconfig, const char *args);
const char *jwt_cmd_issuer(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_audience(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_leeway(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_require_claims(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_user_claim(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_type(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_max_lifetime(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_token_from(cmd_parms *cmd, void *mconfig, const char *arg);
const char *jwt_cmd_claims_env(cmd_parms *cmd, void *mconfig, int on);
const char *jwt_cmd_forward_claim(cmd_parms *cmd, void *mconfig, const char *claim,
                                  const char *header);
/* Parse a non-negative number of seconds in [min, max]; NULL or an error string. */
const char *jwt_parse_seconds(cmd_parms *cmd, const char *arg, apr_int64_t min,
                              apr_int64_t max, apr_int64_t *out);
/* Resolve a path against ServerRoot; error string when it cannot. */
const char *jwt_resolve_path(cmd_parms *cmd, const char *arg, const char **out);
int jwt_is_http_token(const char *s);   /* RFC 9110 token (header names, cookie names) */
/* "<Directive> PATH: reason" for a file that failed to load (no repeated path). */
const char *jwt_config_error(cmd_parms *cmd, const char *path, const char *message);

/* authn.c */
int jwt_check_authn(request_rec *r);
int jwt_note_auth_failure(request_rec *r, const char *auth_type);
void jwt_insert_error_filter(request_rec *r);
int jwt_header_parser(request_rec *r);
jwt_request_state_t *jwt_request_state(const request_rec *r);
/* The one verification path (see authn.c). */
jwt_code_t jwt_location_verify(request_rec *r, const jwt_dir_conf_t *conf,
                               const char *compact, size_t len, jwt_token_t **token,
                               const jwt_key_t **used, jwt_err_t *err);
/* WWW-Authenticate: Bearer realm="...", plus error/error_description/scope when given. */
void jwt_set_challenge(request_rec *r, const char *error, const char *description,
                       const char *scope);
/* RFC 9110 quoted-string body: backslash-escape '"' and '\', drop control characters. */
const char *jwt_quote(apr_pool_t *p, const char *s);

/* authz.c */
void jwt_register_authz_providers(apr_pool_t *p);

/* env.c */
void jwt_export_claims_env(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims);
void jwt_strip_forwarded_headers(request_rec *r, const jwt_dir_conf_t *conf);
void jwt_forward_claims(request_rec *r, const jwt_dir_conf_t *conf, json_object *claims);
/* fixups hook: no client copy of a forwarded header (any spelling) survives any request. */
int jwt_forward_fixups(request_rec *r);
/* A claim value as text: strings as is, numbers/booleans as JSON text, arrays and objects
 * as compact JSON; NULL for null or a string holding a NUL byte. */
const char *jwt_claim_text(apr_pool_t *p, json_object *v);

#endif
