/* authn.c -- AuthType jwt: the pipeline (jwt_check_authn, read it top to bottom), its
 * identity stage, and the RFC 6750 answers. The other stages have their own units:
 * token_find.c, verify_cache.c (over signature.c and the key sources), env.c.
 *
 * Hooked like mod_auth_basic: check_authn with AP_AUTH_INTERNAL_PER_CONF, declining unless
 * the AuthType is "jwt" (case-insensitive), plus a note_auth_failure hook that writes the
 * Bearer challenge when mod_authz_core turns a denied user into a 401.
 */
#include "authn.h"
#include "quote.h"
#include "request_state.h"
#include "token_find.h"
#include "signature.h"
#include "verify_cache.h"
#include "revocation.h"
#include "jwe_stage.h"
#include "env.h"
#include "compat_authnz.h"
#include "explain.h"
#include "error_body.h"
#include "login_redirect.h"
#include "binding_conf.h"
#include "binding.h"
#include "metrics.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"

/* ---------------------------------------------------------------- challenge */

void jwt_set_challenge(request_rec *r, const char *error, const char *description,
                       const char *scope)
{
    const char *realm = ap_auth_name(r);
    const jwt_dir_conf_t *conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    const char *parts[5];
    int n = 0, i;
    /* RFC 9449 7.1: where tokens must be DPoP-bound, the challenge is DPoP's, with the
     * algorithms a proof may use */
    int dpop = conf && jwt_binding_dpop(conf);
    char *value = dpop ? "DPoP" : "Bearer";

    /* AuthName is optional for Bearer (RFC 6750 3: realm MAY be included). httpd's core
     * already escaped its quotes (ap_escape_quotes in the AuthName setter). */
    if (realm)
        parts[n++] = apr_pstrcat(r->pool, "realm=\"", realm, "\"", NULL);
    if (error)
        parts[n++] = apr_pstrcat(r->pool, "error=\"", error, "\"", NULL);
    if (description)
        parts[n++] = apr_pstrcat(r->pool, "error_description=\"",
                                 jwt_quote(r->pool, description), "\"", NULL);
    if (scope)
        parts[n++] = apr_pstrcat(r->pool, "scope=\"", jwt_quote(r->pool, scope), "\"", NULL);
    if (dpop)
        parts[n++] = apr_pstrcat(r->pool, "algs=\"", jwt_binding_dpop_algs(r->pool, conf), "\"",
                                 NULL);
    for (i = 0; i < n; i++)
        value = apr_pstrcat(r->pool, value, i ? ", " : " ", parts[i], NULL);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", value);
    jwt_error_note(r, error, description);   /* the same words in a JSON body */
}

/* ---------------------------------------------------------------- the hooks */

jwt_request_state_t *jwt_request_state(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &auth_jwt_module);
}

/* The user claim must be a non-empty string without control characters (it reaches
 * logs and CGI environments). */
static const char *user_from_claims(json_object *claims, const char *path)
{
    json_object *v = jwt_claim_path(claims, path);
    const char *s, *c;

    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    s = json_object_get_string(v);
    if (!s || !*s || strlen(s) != (size_t)json_object_get_string_len(v))
        return NULL;
    for (c = s; *c; c++) {
        if (apr_iscntrl(*c))
            return NULL;
    }
    return s;
}

static int refuse_no_token(request_rec *r, const jwt_dir_conf_t *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0201)
                  "no bearer token in the request to %s", r->uri);
    jwt_explain_stage(r, "token", "fail", "no bearer token in the request");
    jwt_metrics_note(r, JWT_OUT_NO_TOKEN);
    if (jwt_login_redirect(r, conf) == HTTP_SEE_OTHER)
        return HTTP_SEE_OTHER;         /* a browser: to the login page (AuthJWTLoginURL) */
    jwt_set_challenge(r, NULL, NULL, NULL);
    return HTTP_UNAUTHORIZED;
}

static int refuse_bad_request(request_rec *r, const token_hunt_t *h)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0202)
                  "request refused: %s", h->why);
    jwt_explain_stage(r, "token", "fail", h->why);
    jwt_metrics_note(r, JWT_OUT_BAD_REQUEST);
    jwt_set_challenge(r, "invalid_request", "more than one token, or a malformed request",
                      NULL);
    return HTTP_BAD_REQUEST;
}

static int refuse_invalid_token(request_rec *r, const jwt_err_t *err, const char *where)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0204)
                  "token from %s refused (%s): %s", where, jwt_code_name(err->code),
                  err->message);
    jwt_metrics_note(r, jwt_outcome_of_code(err->code));
    jwt_set_challenge(r, "invalid_token", jwt_code_description(err->code), NULL);
    return HTTP_UNAUTHORIZED;
}

/* ---------------------------------------------------------------- the stages */

/* AuthJWTOptional NAME, no token at all: the request is NAME's, as mod_authn_anon's are.
 * No request state is stored, so no claim reaches JWT_CLAIM_*, a forwarded header or
 * jwt_claim(); the forwarded names were stripped already (jwt_check_authn, and the fixups
 * strip again). Require jwt-claim then answers "no user of ours": a 401 with the challenge,
 * so a client that has a token knows to send it. */
static int let_anonymous_in(request_rec *r, const char *user)
{
    r->user = (char *)user;
    apr_table_setn(r->notes, JWT_ANON_NOTE, "1");   /* no claims, not even a parent's */
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(1301)
                  "no token in the request to %s: anonymous user '%s' (AuthJWTOptional)",
                  r->uri, user);
    jwt_explain_stage(r, "token", "pass", "no token: anonymous user (AuthJWTOptional)");
    return DONE;
}

/* 1. find the token. OK, or the answer (401 without a token, 400 for two); DONE for the
 * anonymous user of AuthJWTOptional. */
static int stage_find(request_rec *r, const jwt_dir_conf_t *conf, token_hunt_t *hunt)
{
    const char *anon;

    switch (jwt_find_token(r, conf, hunt)) {
    case TOKEN_NONE:
        if ((anon = jwt_optional_user(conf)))
            return let_anonymous_in(r, anon);
        return refuse_no_token(r, conf);
    case TOKEN_CONFLICT:
    case TOKEN_BAD_REQUEST:
        return refuse_bad_request(r, hunt);
    default:
        jwt_explain_stage(r, "token", "pass", hunt->where);
        return OK;
    }
}

/* 2. decrypt: a compact JWE where the location takes one (jwe_stage.c). A location
 * without JWE directives skips it (the JWS parser refuses five segments). OK with *u the
 * opening layer for a JWE, or NULL. */
static int stage_decrypt(request_rec *r, const jwt_dir_conf_t *conf, const token_hunt_t *hunt,
                         jwt_unwrap_t **u)
{
    const char *refusal = NULL;

    *u = NULL;
    if (!conf->jwe || jwt_jwe_stage(r, conf, hunt, u, &refusal) == OK)
        return OK;
    jwt_set_challenge(r, "invalid_token", refusal, NULL);
    return HTTP_UNAUTHORIZED;
}

/* 3. verify through the location's cache: signature with the location's key sources,
 * then the claims (a hit makes only the time checks again). With u, the token is opened
 * (decrypted) under the cache first. */
static int stage_verify(request_rec *r, const jwt_dir_conf_t *conf, const token_hunt_t *hunt,
                        jwt_unwrap_t *u, jwt_request_state_t *st)
{
    jwt_token_t *t = NULL;
    jwt_err_t err;

    if (!jwt_key_sources_configured(conf)) {
        jwt_explain_stage(r, "keys", "fail", "no AuthJWTKeyFile, AuthJWTSecretsFile or JWKS");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0203)
                      "AuthType jwt at %s has no keys: set AuthJWTKeyFile, "
                      "AuthJWTSecretsFile, AuthJWTJWKSURL or AuthJWTIssuerDiscovery", r->uri);
        jwt_metrics_note(r, JWT_OUT_NO_KEYS);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    jwt_err_clear(&err);
    if (jwt_location_verify_unwrap(r, conf, hunt->token, hunt->len, u, &t, &st->key,
                                   &st->has_cnf, &err)
        != JWT_OK) {
        jwt_explain_refused(r, &err);
        if (err.code == JWT_ERR_FETCH) {      /* remote keys unavailable: not the token's fault */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0207)
                          "503 for %s: %s", r->uri, err.message);
            jwt_metrics_note(r, JWT_OUT_KEYS_UNAVAILABLE);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        return refuse_invalid_token(r, &err, hunt->where);
    }
    st->token = t;
    st->claims = t->payload;
    return OK;
}

/* 3b. the sender constraint (binding.c): AuthJWTBinding. */
static int stage_binding(request_rec *r, const jwt_dir_conf_t *conf,
                         const token_hunt_t *hunt, const jwt_request_state_t *st)
{
    jwt_binding_refusal_t no = { NULL, NULL };
    int rc = jwt_stage_binding(r, conf, st, hunt, &no);

    if (rc == HTTP_UNAUTHORIZED || rc == HTTP_BAD_REQUEST)
        jwt_set_challenge(r, no.error, no.description, NULL);
    if (rc != OK)
        jwt_metrics_note(r, JWT_OUT_BINDING);
    return rc;
}

/* 4. revocation (revocation.c): a revoked token gets the invalid_token challenge. */
static int stage_revocation(request_rec *r, const jwt_dir_conf_t *conf,
                            const jwt_request_state_t *st)
{
    int rc = jwt_revocation_stage(r, conf, st);

    if (rc == HTTP_UNAUTHORIZED) {
        jwt_metrics_note(r, JWT_OUT_REVOKED);
        jwt_set_challenge(r, "invalid_token", jwt_revocation_description(r), NULL);
    }
    else if (rc == HTTP_SERVICE_UNAVAILABLE)
        jwt_metrics_note(r, JWT_OUT_REVOCATION_UNAVAILABLE);
    return rc;
}

/* 5. set the identity: r->user from AuthJWTUserClaim. */
static int stage_identity(request_rec *r, const jwt_dir_conf_t *conf,
                          const token_hunt_t *hunt, const jwt_request_state_t *st)
{
    const char *user = user_from_claims(st->claims, conf->user_claim);
    jwt_err_t err;

    if (!user) {
        jwt_err_clear(&err);
        JWT_ERR(&err, JWT_ERR_CLAIM_MISSING, "user claim '%s' is missing, empty or not a "
                "plain string", conf->user_claim);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0205)
                      "token from %s refused: %s", hunt->where, err.message);
        jwt_explain_stage(r, "user", "fail", err.message);
        jwt_metrics_note(r, JWT_OUT_CLAIMS);
        jwt_set_challenge(r, "invalid_token", jwt_code_description(err.code), NULL);
        return HTTP_UNAUTHORIZED;
    }
    r->user = (char *)user;
    if (jwt_explaining(r)) {           /* the detail costs a pstrcat: only when explaining */
        jwt_explain_verified(r, st->token, st->key);
        jwt_explain_stage(r, "user", "pass", apr_pstrcat(r->pool, conf->user_claim, " = ",
                                                         user, NULL));
    }
    return OK;
}

/* 6. export: the state for authz, JWT_CLAIM_* and AuthJWTForwardClaim (env.c). */
static void stage_export(request_rec *r, const jwt_dir_conf_t *conf,
                         const token_hunt_t *hunt, jwt_request_state_t *st)
{
    ap_set_module_config(r->request_config, &auth_jwt_module, st);
    if (conf->claims_env)
        jwt_export_claims_env(r, conf, st->claims);
    jwt_forward_claims(r, conf, st->claims);
    if (APLOGrdebug(r))                /* describing the key costs four apr_psprintf */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0206)
                      "user '%s' authenticated by a %s token from %s, key %s",
                      r->user, jwt_alg_name(st->token->alg), hunt->where,
                      st->key ? jwt_key_describe(r->pool, st->key)
                              : "(from the token cache)");
}

/* ---------------------------------------------------------------- the pipeline */

/* AuthType jwt, top to bottom. Each stage either passes (OK) or is the answer. The
 * request state (request_state.h) is what the stages fill, and what authz.c reads. */
int jwt_check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const jwt_dir_conf_t *conf;
    token_hunt_t hunt = { NULL, 0, NULL, NULL, 0 };
    jwt_request_state_t st = { NULL, NULL, NULL, NULL, 0 };
    jwt_unwrap_t *unwrap;
    int rc;

    conf = jwt_compat_authn_conf(r, ap_get_module_config(r->per_dir_config, &auth_jwt_module),
                                 type);
    if (!conf)                         /* not one of our AuthTypes */
        return DECLINED;
    r->ap_auth_type = (char *)type;
    jwt_strip_forwarded_headers(r, conf);   /* also done in header_parser; cheap, certain */

    if ((rc = stage_find(r, conf, &hunt)) != OK)              /* 1. find the token */
        return rc == DONE ? OK : rc;   /* DONE: AuthJWTOptional's anonymous user */
    if ((rc = stage_decrypt(r, conf, &hunt, &unwrap)) != OK)  /* 2. decrypt (JWE) */
        return rc;
    if ((rc = stage_verify(r, conf, &hunt, unwrap, &st)) != OK)   /* 3. verify through cache */
        return rc;
    if ((rc = stage_binding(r, conf, &hunt, &st)) != OK)      /* 3b. sender constraint */
        return rc;
    if ((rc = stage_revocation(r, conf, &st)) != OK)          /* 4. revocation */
        return rc;
    if ((rc = stage_identity(r, conf, &hunt, &st)) != OK)     /* 5. set the identity */
        return rc;
    stage_export(r, conf, &hunt, apr_pmemdup(r->pool, &st, sizeof(st)));   /* 6. export */
    return OK;
}

/* mod_authz_core calls this when it answers 401 to an authenticated user (a Require rule
 * failed and AuthzSendForbiddenOnFailure is Off). */
int jwt_note_auth_failure(request_rec *r, const char *auth_type)
{
    const jwt_request_state_t *st;

    if (!jwt_compat_is_auth_type(auth_type))
        return DECLINED;
    st = jwt_request_state(r);
    if (st && st->scope_missed)
        jwt_set_challenge(r, "insufficient_scope", "the token lacks a required scope",
                          st->scope_missed);
    else
        jwt_set_challenge(r, NULL, NULL, NULL);
    return OK;
}

/* A 403 caused by a jwt-scope miss carries error="insufficient_scope" (RFC 6750 3.1).
 * Done when the error response is built, not in the provider, because under <RequireAny>
 * another rule may still grant the request. */
void jwt_insert_error_filter(request_rec *r)
{
    const jwt_request_state_t *st;

    if (r->status == HTTP_FORBIDDEN && (st = jwt_request_state(r)) && st->scope_missed)
        jwt_set_challenge(r, "insufficient_scope", "the token lacks a required scope",
                          st->scope_missed);
    jwt_error_body_insert(r);          /* JSON for API clients (error_body.c) */
}

/* Early in every request (after the per-dir config is known, before authn): remove client
 * copies of forwarded-claim headers, whether or not authentication runs or succeeds. */
int jwt_header_parser(request_rec *r)
{
    const jwt_dir_conf_t *conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    if (conf)
        jwt_strip_forwarded_headers(r, conf);
    return DECLINED;
}
