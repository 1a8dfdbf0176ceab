/* dir_conf.h -- the per-directory and per-server configuration (config.c: create,
 * merge, the setters that validate) and the helpers every setter shares.
 *
 * Each feature with directives of its own keeps its part in its own header, below this
 * one: login_conf.h (embedded), jwks_conf.h and compat_authnz.h (pointers, declared here
 * by their tag only), secrets_watch.h (pointer). A new feature adds one member here and
 * one merge call in jwt_merge_dir_conf (config.c).
 */
#ifndef JWT_DIR_CONF_H
#define JWT_DIR_CONF_H

#include "jwt_module.h"
#include "ap_regex.h"

#include <apr_tables.h>
#include <apr_hash.h>

#include "jwt_err.h"
#include "jwt_alg.h"
#include "jwt_key.h"
#include "jwt_jws.h"
#include "jwt_claims.h"
#include "login_conf.h"
#include "metrics_conf.h"

typedef struct jwks_dir_conf jwks_dir_conf_t;        /* jwks_conf.h */
struct jwt_compat_conf;                               /* compat_authnz.h */
struct jwt_revocation_conf;                           /* revocation_conf.h */
struct jwt_binding_conf;                              /* binding_conf.h */
struct jwt_jwe_conf;                                  /* jwe_conf.h */

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
    jwt_login_conf_t login;          /* login_conf.h: issue 5 directives */
    jwks_dir_conf_t *jwks;           /* jwks_conf.h: AuthJWTJWKSURL & co (issue 4), NULL = none */
    struct jwt_compat_conf *compat;  /* compat_authnz.h: mod_authnz_jwt's directives, NULL = none */
    const char *login_url;           /* AuthJWTLoginURL (login_redirect.h), NULL = none */
    struct jwt_revocation_conf *revocation;  /* revocation_conf.h, NULL = none */
    int login_url_set;
    struct jwt_binding_conf *binding; /* binding_conf.h: AuthJWTOptional & co, NULL = none */
    jwt_metrics_dir_t metrics;       /* metrics_conf.h: location slot, AuthJWTMetrics */
    struct jwt_jwe_conf *jwe;        /* jwe_conf.h: AuthJWTDecryptionKey & co, NULL = none */
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

#endif
