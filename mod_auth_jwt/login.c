/* login.c -- issuing tokens: jwt-login-handler (credentials checked by any Apache authn
 * provider). Its directives are login_cmds.c, jwt-logout-handler logout.c, and
 * jwt-jwks-handler (the public half of the signing keys) jwks_publish.c.
 *
 * The login answer follows RFC 6749 5.1/5.2: {"access_token", "token_type", "expires_in"}
 * with Cache-Control: no-store; errors are {"error", "error_description"} JSON.
 */
#include "dir_conf.h"
#include "login.h"
#include "authn.h"
#include "compat_authnz.h"
#include "error_body.h"
#include "secrets_watch.h"
#include "jwt_b64.h"
#include "jwt_json.h"
#include "login_guard.h"
#include "login_answer.h"
#include "metrics.h"
#include "login_encrypt.h"
#include "form_body.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_file_info.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "ap_provider.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"

#define LOGIN_HANDLER "jwt-login-handler"
#define LOGIN_MAX_FIELD 1024            /* username / password bytes */
#define DUMMY_BCRYPT_COST 5             /* htpasswd -B default */

static void share_known_user_cost(apr_pool_t *pconf);   /* with the timing code below */

int jwt_login_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s)
{
    unsigned char salt[16];
    char hash[64];
    server_rec *vs;
    const char *dummy;

    /* the hash an unknown user's password is checked against, so that a wrong user costs
     * about as much as a wrong password (no user enumeration by timing) */
    if (RAND_bytes(salt, sizeof(salt)) != 1 ||
        apr_bcrypt_encode("not a password", DUMMY_BCRYPT_COST, salt, sizeof(salt), hash,
                          sizeof(hash)) != APR_SUCCESS) {
        jwt_err_clear_openssl();
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, JWT_LOGNO(0610)
                     "cannot make the dummy password hash");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    dummy = apr_pstrdup(pconf, hash);
    share_known_user_cost(pconf);
    for (vs = s; vs; vs = vs->next) {
        jwt_server_conf_t *sc = ap_get_module_config(vs->module_config, &auth_jwt_module);
        sc->dummy_hash = dummy;
    }
    return OK;
}

/* ---------------------------------------------------------------- request body */

typedef struct {
    const char *username;
    const char *password;
} credentials_t;

/* Reads at most JWT_LOGIN_MAX_BODY bytes; more -> 413 before the rest is read (a
 * Content-Length over the limit: before any of it is read, form_body.c). It holds the
 * password: wiped when the request ends, on every path. */
static int read_body(request_rec *r, char **out, apr_size_t *outlen)
{
    return jwt_form_read_body(r, JWT_LOGIN_MAX_BODY, out, outlen);
}

/* Sets *field once; a second occurrence makes the request ambiguous (-> 400). */
static int set_once(const char **field, const char *value)
{
    if (*field)
        return 0;
    *field = value;
    return 1;
}

static int parse_form(request_rec *r, char *body, credentials_t *cr)
{
    char *last = NULL, *pair;

    for (pair = apr_strtok(body, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ap_unescape_urlencoded(pair) != OK || ap_unescape_urlencoded(eq + 1) != OK)
            return 0;
        if (!strcmp(pair, jwt_compat_form_user(r)) && !set_once(&cr->username, eq + 1))
            return 0;
        if (!strcmp(pair, jwt_compat_form_password(r)) && !set_once(&cr->password, eq + 1))
            return 0;
    }
    return 1;
}

static const char *json_string_member(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
        return NULL;                 /* embedded NUL */
    return json_object_get_string(v);
}

static int parse_json(request_rec *r, const char *body, apr_size_t len, credentials_t *cr)
{
    jwt_json_limits_t lim = { JWT_LOGIN_MAX_BODY, 4 };
    json_object *o = NULL;
    jwt_err_t err;

    jwt_err_clear(&err);
    if (jwt_json_parse_object(r->pool, body, len, &lim, &o, &err) != JWT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0602)
                      "login body refused: %s", err.message);
        return 0;
    }
    cr->username = json_string_member(o, jwt_compat_form_user(r));
    cr->password = json_string_member(o, jwt_compat_form_password(r));
    return 1;
}

static int media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && !ap_cstr_casecmpn(ct, type, n) &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Answers a request error; returns its status so callers can stop with it. */
static int refuse(request_rec *r, int status, const char *description)
{
    jwt_login_send_error(r, status, "invalid_request", description);
    return status;
}

/* 0 = the credentials are in *cr; else the HTTP status already answered. */
static int read_credentials(request_rec *r, credentials_t *cr)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    int is_json = media_type_is(ct, "application/json");
    char *body = NULL;
    apr_size_t len = 0;
    int rc, ok;

    memset(cr, 0, sizeof(*cr));
    if (!is_json && !media_type_is(ct, "application/x-www-form-urlencoded"))
        return refuse(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "send application/x-www-form-urlencoded or application/json");
    rc = read_body(r, &body, &len);
    if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE)       /* the connection closes (form_body.c) */
        return refuse(r, rc, "request body too large");
    if (rc != OK)
        return refuse(r, HTTP_BAD_REQUEST, "cannot read the request body");
    if (strlen(body) != len)
        return refuse(r, HTTP_BAD_REQUEST, "NUL byte in the request body");
    ok = is_json ? parse_json(r, body, len, cr) : parse_form(r, body, cr);
    if (!ok)
        return refuse(r, HTTP_BAD_REQUEST, "malformed request body");
    if (!cr->username || !*cr->username || !cr->password || !*cr->password)
        return refuse(r, HTTP_BAD_REQUEST, "username and password are required");
    if (strlen(cr->username) > LOGIN_MAX_FIELD || strlen(cr->password) > LOGIN_MAX_FIELD)
        return refuse(r, HTTP_BAD_REQUEST, "username or password too long");
    return 0;
}

/* ---------------------------------------------------------------- credentials */

/* No user enumeration by timing. A fixed-cost dummy hash alone is not enough: users hashed
 * with `htpasswd -B -C 12` cost 2^7 times more than the dummy, MD5 users less. So the server
 * keeps a running average of what checking a KNOWN user's password costs, and an unknown
 * user's answer is held back to that cost. The average is one word in an anonymous shared
 * memory segment made in post_config (before the children fork), so every child pads to the
 * same figure whichever child served the known users; it is updated with atomic operations
 * (a lost update only makes it a little less smooth). If the segment cannot be made, a
 * per-process word is used instead. */
#define LOGIN_PAD_MAX_US 2000000   /* never hold a thread longer than this */
static apr_uint32_t process_cost_word;
static apr_uint32_t *known_user_cost_us = &process_cost_word;

static void share_known_user_cost(apr_pool_t *pconf)
{
    apr_shm_t *shm = NULL;
    known_user_cost_us = &process_cost_word;
    if (apr_shm_create(&shm, sizeof(apr_uint32_t), NULL, pconf) == APR_SUCCESS) {
        known_user_cost_us = apr_shm_baseaddr_get(shm);
        apr_atomic_set32(known_user_cost_us, 0);
    }
}

static void note_known_user_cost(apr_interval_time_t us)
{
    apr_uint32_t old = apr_atomic_read32(known_user_cost_us);
    apr_int64_t sample = us < 0 ? 0 : us > LOGIN_PAD_MAX_US ? LOGIN_PAD_MAX_US : us;
    /* exponential average, weight 1/4: follows a changed user file within a few logins */
    apr_atomic_set32(known_user_cost_us, old == 0 ? (apr_uint32_t)sample
                     : (apr_uint32_t)((3 * (apr_int64_t)old + sample) / 4));
}

static void pad_unknown_user(const char *password, const char *dummy_hash, apr_time_t t0)
{
    apr_interval_time_t spent, want = apr_atomic_read32(known_user_cost_us);
    if (dummy_hash)
        (void)apr_password_validate(password, dummy_hash);
    spent = apr_time_now() - t0;
    if (want > spent)
        apr_sleep(want - spent);
}

static authn_status check_credentials(request_rec *r, const jwt_login_conf_t *lc,
                                      const jwt_server_conf_t *sc, const credentials_t *cr)
{
    authn_status st;
    apr_time_t t0;

    /* providers such as mod_authn_socache and mod_authnz_ldap read r->user */
    r->user = (char *)cr->username;
    apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, lc->provider_name);
    t0 = apr_time_now();
    st = lc->provider->check_password(r, cr->username, cr->password);
    apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    if (st == AUTH_GRANTED || st == AUTH_DENIED)
        note_known_user_cost(apr_time_now() - t0);
    else if (st == AUTH_USER_NOT_FOUND)
        pad_unknown_user(cr->password, sc->dummy_hash, t0);
    if (st != AUTH_GRANTED)
        r->user = NULL;
    return st;
}

/* ---------------------------------------------------------------- the token */

/* Groups of user in an Apache group file ("group: user1 user2 ..."). */
static jwt_code_t user_groups(request_rec *r, const char *path, const char *user,
                              json_object *out, jwt_err_t *err)
{
    ap_configfile_t *f = NULL;
    char line[MAX_STRING_LEN];
    apr_hash_t *added = apr_hash_make(r->pool);
    apr_status_t rv = ap_pcfg_openfile(&f, r->pool, path);

    if (rv != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_IO, "cannot open group file %s", path);
    while (ap_cfg_getline(line, sizeof(line), f) == APR_SUCCESS) {
        const char *ll = line, *group, *member;
        if (!line[0] || line[0] == '#')
            continue;
        group = ap_getword(r->pool, &ll, ':');
        while (*ll) {
            member = ap_getword_conf(r->pool, &ll);
            if (*member && !strcmp(member, user)) {
                /* a group may span several lines (as in mod_authz_groupfile): list it once */
                if (!apr_hash_get(added, group, APR_HASH_KEY_STRING)) {
                    apr_hash_set(added, group, APR_HASH_KEY_STRING, group);
                    json_object_array_add(out, json_object_new_string(group));
                }
                break;
            }
        }
    }
    ap_cfg_closefile(f);
    return JWT_OK;
}

static const char *random_jti(apr_pool_t *p)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        jwt_err_clear_openssl();
        return NULL;
    }
    return jwt_b64url_encode(p, b, sizeof(b));
}

static void add_audience(json_object *payload, const apr_array_header_t *auds)
{
    int i;
    json_object *arr;

    if (!auds || auds->nelts == 0)
        return;
    if (auds->nelts == 1) {
        json_object_object_add(payload, "aud",
                               json_object_new_string(APR_ARRAY_IDX(auds, 0, const char *)));
        return;
    }
    arr = json_object_new_array();
    for (i = 0; i < auds->nelts; i++)
        json_object_array_add(arr, json_object_new_string(APR_ARRAY_IDX(auds, i, const char *)));
    json_object_object_add(payload, "aud", arr);
}

static jwt_code_t build_claims(request_rec *r, const jwt_dir_conf_t *conf, const char *user,
                               json_object **out, jwt_err_t *err)
{
    json_object *payload = jwt_json_pool_own(r->pool, json_object_new_object());
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *jti = random_jti(r->pool);

    if (!jti)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "RAND_bytes failed");
    if (conf->issuers && conf->issuers->nelts > 0)
        json_object_object_add(payload, "iss", json_object_new_string(
                                   APR_ARRAY_IDX(conf->issuers, 0, const char *)));
    add_audience(payload, conf->audiences);
    json_object_object_add(payload, "sub", json_object_new_string(user));
    jwt_compat_add_claims(r, conf, payload, user);
    json_object_object_add(payload, "iat", json_object_new_int64(now));
    json_object_object_add(payload, "nbf", json_object_new_int64(jwt_compat_nbf(conf, now)));
    json_object_object_add(payload, "exp", json_object_new_int64(now + conf->login.lifetime));
    json_object_object_add(payload, "jti", json_object_new_string(jti));
    if (conf->login.group_file) {
        json_object *groups = json_object_new_array();
        json_object_object_add(payload, "groups", groups);
        if (user_groups(r, conf->login.group_file, user, groups, err) != JWT_OK)
            return err->code;
    }
    *out = payload;
    return JWT_OK;
}

/* The default algorithm for a key: what its type signs with most commonly. */
static jwt_alg_t default_alg(const jwt_key_t *key)
{
    static const jwt_alg_t order[] = {
        JWT_ALG_RS256, JWT_ALG_ES256, JWT_ALG_ES384, JWT_ALG_ES512, JWT_ALG_EDDSA,
        JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512, JWT_ALG_PS256
    };
    size_t i;
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (key->algs & JWT_ALGSET(order[i]))
            return order[i];
    }
    return JWT_ALG__COUNT;
}

static const jwt_key_t *signing_key(request_rec *r, const jwt_login_conf_t *lc)
{
    if (lc->signing_secrets)
        return jwt_secrets_watch_acquire(lc->signing_secrets, r)->active;
    return lc->signing_key;
}

static int issue_token(request_rec *r, const jwt_dir_conf_t *conf, const char *user)
{
    const jwt_login_conf_t *lc = &conf->login;
    const jwt_key_t *key = signing_key(r, lc);
    json_object *payload = NULL, *body;
    jwt_alg_t alg;
    char *token = NULL;
    jwt_err_t err;

    if (!key) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0603)
                      "login at %s: the secrets file has no active secret to sign with",
                      r->uri);
        return jwt_login_send_error(r, HTTP_SERVICE_UNAVAILABLE, "temporarily_unavailable",
                          "no signing key");
    }
    alg = lc->signing_alg_set ? lc->signing_alg : default_alg(key);
    jwt_err_clear(&err);
    if (alg == JWT_ALG__COUNT || !(key->algs & JWT_ALGSET(alg)))
        JWT_ERR(&err, JWT_ERR_KEY_USAGE, "the signing key cannot sign %s",
                alg == JWT_ALG__COUNT ? "any algorithm" : jwt_alg_name(alg));
    else if (build_claims(r, conf, user, &payload, &err) == JWT_OK)
        jwt_sign_compact(r->pool, alg, key, conf->typ ? conf->typ : "JWT", payload, &token,
                         &err);
    if (!token) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0604)
                      "login at %s: cannot issue a token: %s", r->uri, err.message);
        return jwt_login_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error", "cannot issue a token");
    }
    if (lc->delivery == JWT_DELIVER_COOKIE && lc->encrypt) {
        const char *jwe = NULL;
        if (jwt_login_encrypt(r, conf, token, &jwe, &err) != JWT_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(1010)
                          "login at %s: cannot encrypt the token: %s", r->uri, err.message);
            return jwt_login_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                                        "cannot issue a token");
        }
        token = (char *)jwe;           /* the cookie carries the JWE, its claims private */
    }
    body = jwt_json_pool_own(r->pool, json_object_new_object());
    if (lc->delivery == JWT_DELIVER_COOKIE) {
        apr_table_addn(r->headers_out, "Set-Cookie", apr_psprintf(r->pool,
                       "%s=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%"
                       APR_INT64_T_FMT, lc->cookie_name, token, lc->lifetime));
    }
    else {
        json_object_object_add(body, "access_token", json_object_new_string(token));
        jwt_compat_login_body(r, conf, body, token);
    }
    json_object_object_add(body, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(body, "expires_in", json_object_new_int64(lc->lifetime));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0605)
                  "issued a %s token to '%s' (client %s), valid %" APR_INT64_T_FMT " s",
                  jwt_alg_name(alg), user, r->useragent_ip,
                  lc->lifetime);
    return jwt_login_send_json(r, HTTP_OK, body);
}

/* ---------------------------------------------------------------- handlers */

int jwt_login_handler(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    const jwt_server_conf_t *sc;
    credentials_t cr;
    authn_status st;
    const char *why = NULL;

    if (!r->handler || strcmp(r->handler, LOGIN_HANDLER))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    sc = ap_get_module_config(r->server->module_config, &auth_jwt_module);
    if (r->method_number != M_POST)
        return jwt_login_method_not_allowed(r, "POST");
    if (!conf->login.provider || (!conf->login.signing_key && !conf->login.signing_secrets)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0601)
                      "%s at %s needs AuthJWTProvider and AuthJWTSigningKey", LOGIN_HANDLER,
                      r->uri);
        return jwt_login_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                          "login is not configured");
    }
    if (conf->login.delivery == JWT_DELIVER_COOKIE
        && !media_type_is(apr_table_get(r->headers_in, "Content-Type"), "application/json")
        && !jwt_login_same_origin(r, &why)) {
        /* a form any site can make a browser post: login CSRF (login_guard.c) */
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, JWT_LOGNO(0621)
                      "cross-site login refused at %s: %s", r->uri, why);
        return jwt_login_send_error(r, HTTP_FORBIDDEN, "invalid_request", "cross-site login refused");
    }
    if (read_credentials(r, &cr) != 0)
        return OK;                   /* already answered */
    st = check_credentials(r, &conf->login, sc, &cr);
    jwt_metrics_login(st == AUTH_GRANTED);
    /* the password is no longer needed (in the body buffer for a form, in json-c's string
     * for JSON; the body buffer is wiped again when the request ends) */
    jwt_wipe((char *)cr.password, strlen(cr.password));
    if (st == AUTH_GENERAL_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0606)
                      "login: authn provider '%s' failed", conf->login.provider_name);
        return jwt_login_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                          "cannot check credentials");
    }
    if (st != AUTH_GRANTED) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, JWT_LOGNO(0607)
                      "failed login for user '%s' from %s (%s)",
                      cr.username, r->useragent_ip,
                      st == AUTH_USER_NOT_FOUND ? "unknown user" : "wrong password");
        jwt_login_challenge(r);      /* Bearer realm=..., error_body.c */
        /* one answer for both causes: no user enumeration */
        return jwt_login_send_error(r, HTTP_UNAUTHORIZED, "invalid_grant",
                          "wrong username or password");
    }
    return issue_token(r, conf, cr.username);
}
