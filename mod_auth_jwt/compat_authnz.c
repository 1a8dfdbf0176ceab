/* compat_authnz.c -- mod_authnz_jwt's directives, AuthType values and login shape as
 * aliases of ours (see compat_authnz.h). Each alias is translated to our own setting at
 * config time, through our own setters where one exists, so it is validated exactly as
 * the native directive is; nothing here runs per request except choosing token sources
 * for jwt-bearer / jwt-cookie / jwt-both and the login answer's extra member.
 */
#include <stddef.h>
#include "dir_conf.h"
#include "login_cmds.h"
#include "compat_authnz.h"

#include "http_core.h"
#include "http_log.h"
#include "util_cookies.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>

/* ---------------------------------------------------------------- notices */

/* "configtest says so once per directive": httpd reads its configuration twice at start
 * (and once per restart) into a fresh pconf each time, so remembering what was said in
 * pconf's userdata gives once per directive and per read. */
static void notice_once(cmd_parms *cmd, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void notice_once(cmd_parms *cmd, const char *key, const char *fmt, ...)
{
    apr_hash_t *said = NULL;
    va_list ap;
    const char *msg;

    apr_pool_userdata_get((void **)&said, "auth_jwt_compat_notices", cmd->pool);
    if (!said) {
        said = apr_hash_make(cmd->pool);
        apr_pool_userdata_set(said, "auth_jwt_compat_notices", NULL, cmd->pool);
    }
    if (apr_hash_get(said, key, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(said, key, APR_HASH_KEY_STRING, "");
    va_start(ap, fmt);
    msg = apr_pvsprintf(cmd->temp_pool, fmt, ap);
    va_end(ap);
    /* no server_rec: a virtual host has no log level yet while its section is read, and
     * its notice would be dropped; NULL logs to stderr at the default level */
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL, JWT_LOGNO(0901) "%s:%d: %s",
                 cmd->directive ? cmd->directive->filename : "?",
                 cmd->directive ? cmd->directive->line_num : 0, msg);
}

/* ---------------------------------------------------------------- per-dir part */

#define COMPAT_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

jwt_compat_conf_t *jwt_compat_merge(apr_pool_t *p, const jwt_compat_conf_t *base,
                                    const jwt_compat_conf_t *add)
{
    jwt_compat_conf_t *c;

    if (!base)
        return (jwt_compat_conf_t *)add;
    if (!add)
        return (jwt_compat_conf_t *)base;
    c = apr_pcalloc(p, sizeof(*c));
    COMPAT_MERGE(form_user);
    COMPAT_MERGE(form_password);
    COMPAT_MERGE(user_attr);
    COMPAT_MERGE(token_name);
    COMPAT_MERGE(cookie_name);
    COMPAT_MERGE(remove_cookie);
    COMPAT_MERGE(nbf_delay);
    return c;
}

/* The first of its directives in a section: the section gets mod_authnz_jwt's defaults
 * for what it has not set (REMOTE_USER from "user", leeway 0, 1800 s login tokens), as a
 * configuration written for it expects. A section whose server already uses them inherits
 * those defaults instead (and may have changed them: AuthJWTLeeway 10 at server level). */
static jwt_compat_conf_t *compat_of(cmd_parms *cmd, jwt_dir_conf_t *c)
{
    const jwt_dir_conf_t *srv;

    if (c->compat)
        return c->compat;
    c->compat = apr_pcalloc(cmd->pool, sizeof(*c->compat));
    c->compat->remove_cookie = 1;
    srv = cmd->path ? ap_get_module_config(cmd->server->lookup_defaults, &auth_jwt_module)
                    : NULL;
    if (srv && srv->compat)
        return c->compat;
    if (!c->user_claim_set) {
        c->user_claim = "user";
        c->user_claim_set = 1;
    }
    if (!c->leeway_set) {
        c->leeway = 0;
        c->leeway_set = 1;
    }
    if (!c->login.lifetime_set) {
        c->login.lifetime = 1800;
        c->login.lifetime_set = 1;
    }
    if (!cmd->path)
        /* mod_authnz_jwt's server-level directives served every AuthType jwt section, and
         * ours cannot tell its sections from native ones: say what every section inherits */
        notice_once(cmd, "server-defaults", "%s at server (or virtual host) level: every "
                    "AuthType jwt section of this server now takes REMOTE_USER from the \"user\" claim (not "
                    "\"sub\"), with AuthJWTLeeway 0 and 1800 s login tokens, unless it sets "
                    "its own; fix: put mod_authnz_jwt's directives inside the sections written "
                    "for it, or set AuthJWTUserClaim in the others", cmd->cmd->name);
    notice_once(cmd, "exp", "mod_authnz_jwt configuration: tokens without exp are refused "
                "here (mod_authnz_jwt accepted them, valid forever), and so are tokens "
                "without the user claim (it made the user \"anonymous\"); fix: issue tokens "
                "with exp and the user claim, or list what is required in "
                "AuthJWTRequireClaims");
    return c->compat;
}

/* Strict base64 (RFC 4648 4, padding optional): apr_base64_decode skips what it does not
 * know, so "secret!" would silently become a different key. */
static const char *decode_secret(cmd_parms *cmd, const char *b64, unsigned char **out,
                                 size_t *len)
{
    size_t n = strlen(b64), i, pad = 0;
    char *buf;

    for (i = 0; i < n; i++) {
        char ch = b64[i];
        if (ch == '=') {
            pad++;
            continue;
        }
        if (pad || !(apr_isalnum(ch) || ch == '+' || ch == '/'))
            return "AuthJWTSignatureSharedSecret: not base64 (A-Z a-z 0-9 + / and = "
                   "padding only), as mod_authnz_jwt documents it";
    }
    if (pad > 2 || (n % 4 == 1))
        return "AuthJWTSignatureSharedSecret: not base64 (bad length or padding)";
    buf = apr_palloc(cmd->pool, apr_base64_decode_len(b64) + 1);
    *len = (size_t)apr_base64_decode(buf, b64);
    *out = (unsigned char *)buf;
    return NULL;
}

static const char *set_shared_secret(cmd_parms *cmd, jwt_dir_conf_t *c, const char *arg)
{
    unsigned char *secret = NULL;
    size_t len = 0;
    jwt_key_t *key = NULL;
    jwt_err_t err;
    const char *msg;

    if ((msg = decode_secret(cmd, arg, &secret, &len)))
        return msg;
    jwt_err_clear(&err);
    if (jwt_key_from_secret(cmd->pool, secret, len, NULL, "AuthJWTSignatureSharedSecret",
                            &key, &err) != JWT_OK) {
        memset(secret, 0, len);
        return apr_psprintf(cmd->pool, "AuthJWTSignatureSharedSecret: %s (mod_authnz_jwt "
                            "accepted any length; a short secret can be brute-forced from "
                            "one token); fix: a random secret of at least 32 bytes for "
                            "HS256, 48 for HS384, 64 for HS512, e.g. `openssl rand -base64 "
                            "32`", err.message);
    }
    memset(secret, 0, len);        /* the key holds its own copy */
    /* AuthJWTSignatureAlgorithm came first: a secret too short for its hash would only
     * fail at the first request (AuthJWTSigningAlgorithm checks the other order) */
    if (c->login.signing_alg_set && !(key->algs & JWT_ALGSET(c->login.signing_alg)))
        /* APR's formatter has no %zu: APR_SIZE_T_FMT */
        return apr_psprintf(cmd->pool, "AuthJWTSignatureSharedSecret: a secret of %"
                            APR_SIZE_T_FMT " bytes is shorter than the %" APR_SIZE_T_FMT
                            " bytes %s requires; fix: `openssl rand -base64 %" APR_SIZE_T_FMT
                            "`", len, jwt_alg_hash_len(c->login.signing_alg),
                            jwt_alg_name(c->login.signing_alg),
                            jwt_alg_hash_len(c->login.signing_alg));
    if (!c->keyring)
        c->keyring = jwt_keyring_make(cmd->pool);
    jwt_err_clear(&err);
    if (jwt_keyring_add(c->keyring, key, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTSignatureSharedSecret: %s", err.message);
    c->keyring_set = 1;
    c->keyfile_unbound = 1;         /* bound to no issuer, like AuthJWTKeyFile without issuer= */
    c->login.signing_key = key;     /* mod_authnz_jwt signed its login tokens with it too */
    c->login.signing_secrets = NULL;
    c->login.signing_set = 1;
    return NULL;
}

static const char *set_delivery(cmd_parms *cmd, jwt_dir_conf_t *c, jwt_compat_conf_t *cc,
                                const char *arg)
{
    const char *name = cc->cookie_name_set ? cc->cookie_name : JWT_COMPAT_DEFAULT_COOKIE;

    if (!ap_cstr_casecmp(arg, "Json"))
        return jwt_cmd_delivery(cmd, c, "json", NULL, NULL);
    if (ap_cstr_casecmp(arg, "Cookie"))
        return apr_psprintf(cmd->pool, "AuthJWTDeliveryType: '%s' is neither Json nor Cookie",
                            arg);
    notice_once(cmd, "AuthJWTDeliveryType", "AuthJWTDeliveryType Cookie: the token cookie "
                "is named %s, without the __Host- prefix that stops a subdomain from "
                "setting it (as mod_authnz_jwt named it); fix: AuthJWTDelivery cookie %s "
                "and AuthJWTTokenFrom cookie=__Host-%s", name, name, name);
    return jwt_cmd_delivery(cmd, c, "cookie", name, "prefix=off");
}

/* Non-negative integer, as mod_authnz_jwt's set_jwt_int_param accepted (digits only). */
static const char *parse_count(cmd_parms *cmd, const char *arg, apr_int64_t *out)
{
    const char *msg = jwt_parse_seconds(cmd, arg, 0, APR_INT64_C(315360000), out);
    return msg ? apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, msg) : NULL;
}

const char *jwt_compat_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char *name = cmd->info;
    jwt_dir_conf_t *c = mconfig;
    jwt_compat_conf_t *cc = compat_of(cmd, c);
    const char *msg;
    apr_int64_t n;

    if (!strcmp(name, "AuthJWTSignatureAlgorithm")) {
        if ((msg = jwt_cmd_algorithms(cmd, c, arg)))
            return msg;
        return jwt_cmd_signing_alg(cmd, c, arg);
    }
    if (!strcmp(name, "AuthJWTSignatureSharedSecret"))
        return set_shared_secret(cmd, c, arg);
    if (!strcmp(name, "AuthJWTSignaturePublicKeyFile")) {
        char *argv[1];
        argv[0] = (char *)arg;
        return jwt_cmd_key_file(cmd, c, 1, argv);
    }
    if (!strcmp(name, "AuthJWTSignaturePrivateKeyFile"))
        return jwt_cmd_signing_key(cmd, c, arg, NULL);
    if (!strcmp(name, "AuthJWTIss")) {
        notice_once(cmd, name, "AuthJWTIss: a token without iss is refused here "
                    "(mod_authnz_jwt checked iss only when the token had one); fix: "
                    "issue tokens with iss, and write AuthJWTIssuer");
        return jwt_cmd_issuer(cmd, c, arg);
    }
    if (!strcmp(name, "AuthJWTAud")) {
        notice_once(cmd, name, "AuthJWTAud: a token without aud is refused here "
                    "(mod_authnz_jwt checked aud only when the token had one); fix: "
                    "issue tokens with aud, and write AuthJWTAudience");
        return jwt_cmd_audience(cmd, c, arg);
    }
    if (!strcmp(name, "AuthJWTExpDelay"))
        return jwt_cmd_token_lifetime(cmd, c, arg);
    if (!strcmp(name, "AuthJWTNbfDelay")) {
        if ((msg = parse_count(cmd, arg, &n)))
            return msg;
        cc->nbf_delay = n;
        cc->nbf_delay_set = 1;
        return NULL;
    }
    if (!strcmp(name, "AuthJWTFormUsername") || !strcmp(name, "AuthJWTFormPassword")) {
        if (!*arg || strpbrk(arg, "&= "))
            return apr_psprintf(cmd->pool, "%s: '%s' is not a form field name", name, arg);
        if (name[11] == 'U') {
            cc->form_user = arg;
            cc->form_user_set = 1;
        }
        else {
            cc->form_password = arg;
            cc->form_password_set = 1;
        }
        return NULL;
    }
    if (!strcmp(name, "AuthJWTAttributeUsername")) {
        if ((msg = jwt_cmd_user_claim(cmd, c, arg)))
            return apr_psprintf(cmd->pool, "AuthJWTAttributeUsername: %s", msg);
        cc->user_attr = arg;
        cc->user_attr_set = 1;
        return NULL;
    }
    if (!strcmp(name, "AuthJWTDeliveryType"))
        return set_delivery(cmd, c, cc, arg);
    if (!strcmp(name, "AuthJWTTokenName")) {
        if (!*arg)
            return "AuthJWTTokenName: empty";
        cc->token_name = arg;
        cc->token_name_set = 1;
        return NULL;
    }
    if (!strcmp(name, "AuthJWTCookieName")) {
        if (!jwt_is_http_token(arg))
            return apr_psprintf(cmd->pool, "AuthJWTCookieName: '%s' is not a valid cookie "
                                "name", arg);
        cc->cookie_name = arg;
        cc->cookie_name_set = 1;
        /* AuthJWTDeliveryType Cookie may have come first: rename the issued cookie too */
        if (c->login.delivery_set && c->login.delivery == JWT_DELIVER_COOKIE)
            return jwt_cmd_delivery(cmd, c, "cookie", arg, "prefix=off");
        return NULL;
    }
    if (!strcmp(name, "AuthJWTCookieAttr")) {
        notice_once(cmd, name, "AuthJWTCookieAttr is ignored: the login cookie is always "
                    "HttpOnly; Secure; SameSite=Strict; Path=/ (mod_authnz_jwt let a "
                    "configuration drop them); fix: remove the directive");
        return NULL;
    }
    if (!strcmp(name, "AuthJWTRemoveCookie")) {
        if ((msg = parse_count(cmd, arg, &n)))
            return msg;
        cc->remove_cookie = n != 0;
        cc->remove_cookie_set = 1;
        if (!n)
            notice_once(cmd, name, "AuthJWTRemoveCookie 0: the token cookie reaches the "
                        "backend, which can then replay it; fix: AuthJWTRemoveCookie 1 "
                        "(the default)");
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: not a mod_authnz_jwt directive", name);
}

/* ---------------------------------------------------------------- AuthType */

typedef enum { TYPE_NONE, TYPE_JWT, TYPE_BEARER, TYPE_COOKIE, TYPE_BOTH } auth_type_t;

static auth_type_t auth_type_of(const char *type)
{
    if (!type)
        return TYPE_NONE;
    if (!ap_cstr_casecmp(type, JWT_AUTH_TYPE))
        return TYPE_JWT;
    if (!ap_cstr_casecmp(type, "jwt-bearer"))
        return TYPE_BEARER;
    if (!ap_cstr_casecmp(type, "jwt-cookie"))
        return TYPE_COOKIE;
    if (!ap_cstr_casecmp(type, "jwt-both"))
        return TYPE_BOTH;
    return TYPE_NONE;
}

int jwt_compat_is_auth_type(const char *type)
{
    return auth_type_of(type) != TYPE_NONE;
}

static const char *cookie_name_of(const jwt_dir_conf_t *conf)
{
    return conf->compat && conf->compat->cookie_name_set ? conf->compat->cookie_name
                                                         : JWT_COMPAT_DEFAULT_COOKIE;
}

const jwt_dir_conf_t *jwt_compat_authn_conf(request_rec *r, const jwt_dir_conf_t *conf,
                                            const char *type)
{
    auth_type_t t = auth_type_of(type);
    jwt_dir_conf_t *copy;
    jwt_token_source_t *src;

    if (t == TYPE_NONE)
        return NULL;
    if (t == TYPE_JWT)
        return conf;
    /* jwt-both: "Cookie value will be ignored if Authorization header is set" (its docs),
     * where our own header+cookie sources would answer 400 to two different tokens. */
    if (t == TYPE_BOTH)
        t = apr_table_get(r->headers_in, "Authorization") ? TYPE_BEARER : TYPE_COOKIE;
    copy = apr_pmemdup(r->pool, conf, sizeof(*conf));
    copy->sources = apr_array_make(r->pool, 1, sizeof(jwt_token_source_t));
    src = apr_array_push(copy->sources);
    src->kind = t == TYPE_BEARER ? JWT_SRC_HEADER : JWT_SRC_COOKIE;
    src->name = t == TYPE_BEARER ? NULL : cookie_name_of(conf);
    return copy;
}

int jwt_compat_fixups(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    auth_type_t t;
    const char *ignored = NULL;

    if (!r->user)
        return DECLINED;
    t = auth_type_of(ap_auth_type(r));
    if (t != TYPE_COOKIE && t != TYPE_BOTH)
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    if (!conf || (conf->compat && !conf->compat->remove_cookie))
        return DECLINED;
    ap_cookie_read(r, cookie_name_of(conf), &ignored, 1);
    return DECLINED;
}

/* ---------------------------------------------------------------- login */

static const jwt_compat_conf_t *compat_of_request(request_rec *r)
{
    const jwt_dir_conf_t *conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    return conf ? conf->compat : NULL;
}

const char *jwt_compat_form_user(request_rec *r)
{
    const jwt_compat_conf_t *cc = compat_of_request(r);
    if (!cc)
        return "username";
    return cc->form_user_set ? cc->form_user : "user";
}

const char *jwt_compat_form_password(request_rec *r)
{
    const jwt_compat_conf_t *cc = compat_of_request(r);
    return cc && cc->form_password_set ? cc->form_password : "password";
}

void jwt_compat_add_claims(request_rec *r, const jwt_dir_conf_t *conf, json_object *payload,
                           const char *user)
{
    static const char *const registered[] = { "iss", "sub", "aud", "exp", "nbf", "iat",
                                               "jti", "groups", NULL };
    const char *attr;
    int i;

    if (!conf->compat)
        return;
    attr = conf->compat->user_attr_set ? conf->compat->user_attr : "user";
    for (i = 0; registered[i]; i++)
        if (!strcmp(attr, registered[i]))
            return;                 /* never overwrite a claim the handler sets itself */
    json_object_object_add(payload, attr, json_object_new_string(user));
}

apr_int64_t jwt_compat_nbf(const jwt_dir_conf_t *conf, apr_int64_t now)
{
    /* mod_authnz_jwt's AuthJWTNbfDelay: the token becomes valid that long after its iat */
    return conf->compat && conf->compat->nbf_delay > 0 ? now + conf->compat->nbf_delay : now;
}

void jwt_compat_login_body(request_rec *r, const jwt_dir_conf_t *conf, json_object *body,
                           const char *token)
{
    if (!conf->compat || conf->login.delivery == JWT_DELIVER_COOKIE)
        return;
    json_object_object_add(body, conf->compat->token_name_set ? conf->compat->token_name
                                                              : "token",
                           json_object_new_string(token));
}
