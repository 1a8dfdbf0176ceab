/* mod_auth_jwt.c -- the module record: command table, hooks, registration.
 *
 *   LoadModule auth_jwt_module modules/mod_auth_jwt.so
 *
 * The top of the glue: it includes every unit's header and nothing includes it. The units
 * and the rule for where new code goes are in docs/ARCHITECTURE.md. Directives of a feature
 * that lives in its own file are contributed as a macro of AP_INIT_* entries from its
 * directives header (JWT_LOGIN_CMDS from login_cmds.h), so adding a feature adds one line to
 * this table.
 */
/* <stddef.h> before any APR header: APR_OFFSETOF (used by the command-table macros) then
 * expands to offsetof instead of a null-pointer subtraction that clang refuses. */
#include <stddef.h>
#define JWT_MODULE_RECORD
#include "dir_conf.h"
#include "login_cmds.h"
#include "authn.h"
#include "authz.h"
#include "env.h"
#include "login.h"
#include "logout.h"
#include "jwks_publish.h"
#include "jwks.h"
#include "compat_authnz.h"
#include "cache.h"
#include "explain.h"
#include "config_check.h"
#include "error_body.h"
#include "login_redirect.h"
#include "expr.h"
#include "binding_conf.h"
#include "dpop_replay.h"
#include "dpop_nonce.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "key_bindings.h"
#include "revocation_conf.h"
#include "revocation.h"
#include "revoke.h"
#include "revocation_audit.h"
#include "shared_store.h"
#include "store_canary.h"
#include "metrics_request.h"
#include "metrics_export.h"
#include "expiry_watch.h"
#include "jwe_conf.h"

/* Key directives are RSRC_CONF | ACCESS_CONF only: never in .htaccess (a user who can
 * write .htaccess must not be able to choose which keys the server trusts). */
static const command_rec jwt_cmds[] = {
    AP_INIT_TAKE_ARGV("AuthJWTKeyFile", jwt_cmd_key_file, NULL, RSRC_CONF | ACCESS_CONF,
        "FILE [kid=ID] [issuer=ISS]: PEM public key, certificate, JWK or JWKS that verifies "
        "tokens (of issuer ISS only, when given); repeatable"),
    AP_INIT_TAKE1("AuthJWTSecretsFile", jwt_cmd_secrets_file, NULL, RSRC_CONF | ACCESS_CONF,
        "JWKS of HMAC secrets managed by the admin page; re-read when it changes"),
    AP_INIT_RAW_ARGS("AuthJWTAlgorithms", jwt_cmd_algorithms, NULL, RSRC_CONF | OR_AUTHCFG,
        "allowed JWS algorithms, e.g. RS256 ES256 EdDSA (default: all supported)"),
    AP_INIT_TAKE1("AuthJWTIssuer", jwt_cmd_issuer, NULL, RSRC_CONF | OR_AUTHCFG,
        "accepted iss value; repeatable (any of); when set, iss is required"),
    AP_INIT_TAKE1("AuthJWTAudience", jwt_cmd_audience, NULL, RSRC_CONF | OR_AUTHCFG,
        "accepted aud value; repeatable (any of); when set, aud is required"),
    AP_INIT_TAKE1("AuthJWTLeeway", jwt_cmd_leeway, NULL, RSRC_CONF | OR_AUTHCFG,
        "seconds of clock skew allowed for exp, nbf and iat (default 60)"),
    AP_INIT_ITERATE("AuthJWTRequireClaims", jwt_cmd_require_claims, NULL,
        RSRC_CONF | OR_AUTHCFG, "claims that must be present (default: exp)"),
    AP_INIT_TAKE1("AuthJWTUserClaim", jwt_cmd_user_claim, NULL, RSRC_CONF | OR_AUTHCFG,
        "claim (or dotted path) that becomes REMOTE_USER (default: sub)"),
    AP_INIT_TAKE1("AuthJWTType", jwt_cmd_type, NULL, RSRC_CONF | OR_AUTHCFG,
        "required typ header, e.g. at+jwt (RFC 8725 explicit typing)"),
    AP_INIT_TAKE1("AuthJWTMaxLifetime", jwt_cmd_max_lifetime, NULL, RSRC_CONF | OR_AUTHCFG,
        "longest accepted token lifetime in seconds (default 0: no limit)"),
    AP_INIT_ITERATE("AuthJWTTokenFrom", jwt_cmd_token_from, NULL, RSRC_CONF | OR_AUTHCFG,
        "where tokens are looked for: header, cookie=NAME, query=NAME (default: header)"),
    AP_INIT_FLAG("AuthJWTClaimsEnv", jwt_cmd_claims_env, NULL, RSRC_CONF | OR_AUTHCFG,
        "export claims as JWT_CLAIM_* environment variables (default On)"),
    AP_INIT_TAKE2("AuthJWTForwardClaim", jwt_cmd_forward_claim, NULL, RSRC_CONF | OR_AUTHCFG,
        "CLAIM HEADER: set a request header from a claim (client copies are removed)"),
    JWT_LOGIN_CMDS,
    JWT_LOGIN_REDIRECT_CMDS,
    JWT_JWKS_CMDS(jwt_dir_conf_t, jwks),
    JWT_CACHE_CMDS,
    JWT_COMPAT_AUTHNZ_CMDS,
    JWT_REVOCATION_CMDS,
    JWT_REVOCATION_AUDIT_CMDS,
    JWT_BINDING_CMDS,
    JWT_METRICS_CMDS(jwt_dir_conf_t, metrics),
    JWT_EXPIRY_CMDS,
    JWT_JWE_CMDS(jwt_dir_conf_t, jwe),
    { NULL }
};

static void jwt_register_hooks(apr_pool_t *p)
{
    /* as mod_auth_basic: run only on internal requests whose config differs */
    ap_hook_check_authn(jwt_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(jwt_note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(jwt_insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(jwt_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(jwt_forward_fixups, NULL, NULL, APR_HOOK_FIRST);
    /* and again after mod_dir (APR_HOOK_LAST): its fast redirect to a DirectoryIndex hands
     * this request the index's configuration but not the headers the index's subrequest
     * stripped, so a section that forwards claims would see the client's copies */
    ap_hook_fixups(jwt_forward_fixups, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_fixups(jwt_compat_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_post_config(jwt_login_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(jwt_config_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jwt_login_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jwt_logout_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jwt_jwks_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jwt_explain_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jwt_revoke_handler, NULL, NULL, APR_HOOK_MIDDLE);
    jwt_expr_register(p);
    jwt_dpop_replay_register_hooks(p);
    jwt_dpop_nonce_register_hooks(p);
    jwt_error_body_register(p);
    jwt_register_authz_providers(p);
    jwks_register_hooks(p);
    jwt_key_bindings_register_hooks(p);
    jwt_cache_register_hooks(p);
    jwt_shared_store_register_hooks(p);
    jwt_store_canary_register_hooks(p);
    jwt_revocation_register_hooks(p);
    jwt_revocation_audit_register_hooks(p);
    jwt_metrics_register_hooks(p);
    jwt_metrics_export_register_hooks(p);
    jwt_expiry_register_hooks(p);
}

AP_DECLARE_MODULE(auth_jwt) = {
    STANDARD20_MODULE_STUFF,
    jwt_create_dir_conf,
    jwt_merge_dir_conf,
    jwt_create_server_conf,
    jwt_merge_server_conf,
    jwt_cmds,
    jwt_register_hooks
};
