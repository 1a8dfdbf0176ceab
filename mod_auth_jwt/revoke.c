/* revoke.c -- jwt-revoke-handler (RFC 7009) and the logout's revocation (see revoke.h). */
#include "revoke.h"
#include "revocation.h"
#include "revocation_conf.h"
#include "revocation_store.h"
#include "revocation_audit.h"
#include "shared_store.h"
#include "token_find.h"
#include "verify_cache.h"
#include "signature.h"
#include "login_answer.h"
#include "login_guard.h"
#include "form_body.h"
#include "jwt_json.h"
#include "binding_conf.h"

#include <string.h>
#include <errno.h>
#include <apr_strings.h>
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"

#define REVOKE_HANDLER "jwt-revoke-handler"
#define REVOKE_MAX_BODY 16384

/* ---------------------------------------------------------------- audit and expiry */

static void audit(request_rec *r, const char *who, const char *iss, const char *what,
                  const char *value, apr_int64_t until)
{
    jwt_revocation_audit(r, who, iss, strncmp(what, "jti", 3) ? "sub" : "jti", value, until);
}

/* How long every entry lasts: the server-wide horizon (+ this location's leeway). Each
 * revocation location refuses tokens whose exp + leeway lies beyond now + horizon or more
 * than the horizon after their iat/nbf (revocation.c), so a token issued before the entry
 * was made stops being accepted before the entry goes. */
static apr_int64_t cut_lifetime(const jwt_dir_conf_t *conf)
{
    return jwt_revocation_horizon() + conf->leeway;
}

/* Revoke a verified token: its jti until exp + leeway, else its subject up to its iat. */
static apr_status_t revoke_token(request_rec *r, const jwt_dir_conf_t *conf,
                                 json_object *claims, const char *who, const char **what)
{
    jwt_rev_claims_t c;
    apr_int64_t now = apr_time_sec(apr_time_now()), until;
    apr_status_t rv;

    jwt_revocation_claims(claims, &c);
    if (c.jti) {
        /* not exp + this leeway: another location may accept it with a larger leeway */
        until = now + cut_lifetime(conf);
        if (c.exp >= 0 && c.exp + conf->leeway > until)
            until = c.exp + conf->leeway;
        rv = jwt_revocation_revoke_jti(r->server, r->pool, c.iss, c.jti, until);
        if (rv == APR_SUCCESS)
            audit(r, who, c.iss, "jti", c.jti, until);
        *what = "jti";
        return rv;
    }
    if (c.sub && c.issued >= 0) {
        rv = jwt_revocation_cut_subject(r->server, r->pool, c.iss, c.sub, c.issued,
                                        cut_lifetime(conf));
        if (rv == APR_SUCCESS)
            audit(r, who, c.iss, "sub (issued at or before its iat)", c.sub,
                  c.issued + cut_lifetime(conf));
        *what = "subject";
        return rv;
    }
    *what = NULL;                        /* nothing to key a revocation on */
    return APR_SUCCESS;
}

/* Verify a compact token with the location's keys and rules: its claims, or NULL. */
static json_object *verified_claims(request_rec *r, const jwt_dir_conf_t *conf,
                                    const char *token, size_t len, const char **why)
{
    jwt_token_t *t = NULL;
    const jwt_key_t *key = NULL;
    jwt_err_t err;

    if (!jwt_key_sources_configured(conf)) {
        *why = "the location has no keys to verify tokens with";
        return NULL;
    }
    jwt_err_clear(&err);
    if (jwt_location_verify(r, conf, token, len, &t, &key, &err) != JWT_OK) {
        *why = apr_pstrdup(r->pool, err.message);
        return NULL;
    }
    return t->payload;
}

/* ---------------------------------------------------------------- logout */

void jwt_revoke_presented(request_rec *r, const jwt_dir_conf_t *conf)
{
    token_hunt_t hunt = { NULL, 0, NULL, NULL };
    json_object *claims;
    const char *why = NULL, *what = NULL;
    apr_status_t rv;
    char msg[120];

    if (!jwt_revocation_on(conf->revocation))
        return;
    if (jwt_find_token(r, conf, &hunt) != TOKEN_FOUND)
        return;                          /* no token, or two: nothing to revoke */
    if (!(claims = verified_claims(r, conf, hunt.token, hunt.len, &why))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1121)
                      "logout: the presented token is not revoked: %s", why);
        return;
    }
    rv = revoke_token(r, conf, claims, "logout", &what);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, JWT_LOGNO(1122)
                      "logout: the presented token could not be revoked (%s): %s",
                      jwt_shared_store_describe(), apr_strerror(rv, msg, sizeof(msg)));
}

/* ---------------------------------------------------------------- the handler */

static int unavailable(request_rec *r, apr_status_t rv)
{
    char msg[120];

    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, JWT_LOGNO(1123)
                  "%s: revocation not stored (%s): %s", REVOKE_HANDLER,
                  jwt_shared_store_describe(), apr_strerror(rv, msg, sizeof(msg)));
    apr_table_setn(r->err_headers_out, "Retry-After", JWT_REVOCATION_RETRY_AFTER);
    return jwt_login_send_error(r, HTTP_SERVICE_UNAVAILABLE, "temporarily_unavailable",
                                "the revocation store is unavailable; nothing was revoked");
}

static int answer(request_rec *r, const char *what)
{
    json_object *body = jwt_json_pool_own(r->pool, json_object_new_object());

    json_object_object_add(body, "revoked", what ? json_object_new_string(what) : NULL);
    return jwt_login_send_json(r, HTTP_OK, body);
}

/* An operator is a user this location authenticated (any AuthType, its Require rules
 * passed) whom AuthJWTRevocationOperators names: not merely any r->user, which under
 * AuthType jwt is every token holder and, with AuthJWTOptional, the anonymous user of a
 * tokenless request. The anonymous name is never an operator, even if listed. */
static const char *operator_name(const request_rec *r, const jwt_dir_conf_t *conf)
{
    const char *anon = jwt_optional_user(conf);

    if (!r->user || !*r->user || (anon && !strcmp(anon, r->user)))
        return NULL;
    return jwt_revocation_is_operator(r->user) ? r->user : NULL;
}

static int nonempty_plain(const char *s)
{
    const char *c;

    if (!s || !*s || strlen(s) > 1024)
        return 0;
    for (c = s; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return 0;
    }
    return 1;
}

static int operator_revoke(request_rec *r, const jwt_dir_conf_t *conf, apr_table_t *form,
                           const char *who)
{
    const char *iss = apr_table_get(form, "iss"), *jti = apr_table_get(form, "jti");
    const char *sub = apr_table_get(form, "sub"), *before = apr_table_get(form, "before");
    apr_int64_t now = apr_time_sec(apr_time_now()), cut = now, until;
    apr_status_t rv;
    char *end = NULL;

    /* Entries are keyed by (iss, jti) and (iss, sub), and the stage looks them up with the
     * token's iss: without iss the entry would be stored under "" and match no token that
     * has one -- a 200 that revokes nothing. */
    if (!iss || !*iss)
        return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                    "iss is required with jti or sub (the issuer whose "
                                    "token is revoked)");
    if (!nonempty_plain(iss))
        return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "bad iss");
    if ((jti && sub) || (!jti && !sub))
        return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                    "give token, jti or sub (one of them)");
    if (jti) {
        if (!nonempty_plain(jti))
            return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "bad jti");
        /* the token's exp is unknown: keep it as long as any token can live */
        until = now + cut_lifetime(conf);
        if ((rv = jwt_revocation_revoke_jti(r->server, r->pool, iss, jti, until)))
            return unavailable(r, rv);
        audit(r, who, iss, "jti", jti, until);
        return answer(r, "jti");
    }
    if (!nonempty_plain(sub))
        return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "bad sub");
    if (before) {
        errno = 0;
        cut = apr_strtoi64(before, &end, 10);
        if (errno || !end || *end || end == before || cut < 0 || cut > now + 86400)
            return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                        "before must be seconds since the epoch");
    }
    if ((rv = jwt_revocation_cut_subject(r->server, r->pool, iss, sub, cut,
                                         cut_lifetime(conf))))
        return unavailable(r, rv);
    audit(r, who, iss, "sub (issued at or before the cut-off)", sub, cut + cut_lifetime(conf));
    return answer(r, "subject");
}

int jwt_revoke_handler(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    const char *type, *token, *who, *why = NULL, *what = NULL, *op;
    apr_table_t *form;
    json_object *claims;
    apr_status_t rv;
    int rc;

    if (!r->handler || strcmp(r->handler, REVOKE_HANDLER))
        return DECLINED;
    if (r->method_number != M_POST)
        return jwt_login_method_not_allowed(r, "POST");
    conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    type = apr_table_get(r->headers_in, "Content-Type");
    if (!type || ap_cstr_casecmpn(type, "application/x-www-form-urlencoded", 33)
        || (type[33] && type[33] != ';' && type[33] != ' '))
        return jwt_login_send_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "invalid_request",
                                    "send application/x-www-form-urlencoded");
    /* A form POST needs no CORS preflight, and operators log in with Basic auth in
     * browsers, which send those credentials to any page's form: without this check
     * another site could revoke in an operator's name (CSRF). Same rule as form logins. */
    if (!jwt_login_same_origin(r, &why)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, JWT_LOGNO(1151)
                      "%s: cross-origin form refused (%s); nothing was revoked",
                      REVOKE_HANDLER, why);
        return jwt_login_send_error(r, HTTP_FORBIDDEN, "access_denied",
                                    "cross-origin request refused");
    }
    form = apr_table_make(r->pool, 4);
    if ((rc = jwt_form_read(r, REVOKE_MAX_BODY, form)) != OK)
        return jwt_login_send_error(r, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? rc
                                    : HTTP_BAD_REQUEST, "invalid_request",
                                    "malformed or oversized form");
    if (!jwt_shared_store_configured())
        return unavailable(r, APR_ENOTIMPL);
    who = op = operator_name(r, conf);
    token = apr_table_get(form, "token");
    if (!token) {
        if (!who)
            return jwt_login_send_error(r, HTTP_FORBIDDEN, "access_denied",
                                        "revoking by jti or sub needs an operator login "
                                        "(a user named by AuthJWTRevocationOperators)");
        return operator_revoke(r, conf, form, apr_pstrcat(r->pool, "operator ",
                               ap_escape_logitem(r->pool, who), NULL));
    }
    if (!*token)
        return jwt_login_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "empty token");
    if (!(claims = verified_claims(r, conf, token, strlen(token), &why))) {
        /* RFC 7009 2.2: an invalid token is not an error; nothing to revoke */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1124)
                      "%s: token not revoked: %s", REVOKE_HANDLER, why);
        return answer(r, NULL);
    }
    if (op)
        who = apr_pstrcat(r->pool, "operator ", ap_escape_logitem(r->pool, op), NULL);
    else {
        json_object *v;
        who = json_object_object_get_ex(claims, "sub", &v) && json_object_is_type(v,
                  json_type_string) ? apr_pstrcat(r->pool, "token holder ",
                  ap_escape_logitem(r->pool, json_object_get_string(v)), NULL)
                  : "token holder";
    }
    if ((rv = revoke_token(r, conf, claims, who, &what)) != APR_SUCCESS)
        return unavailable(r, rv);
    return answer(r, what);
}
