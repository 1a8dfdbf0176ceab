/* authn.c -- AuthType jwt: find the bearer token, verify it through the one verify path,
 * set r->user, and answer failures the RFC 6750 way.
 *
 * Hooked like mod_auth_basic: check_authn with AP_AUTH_INTERNAL_PER_CONF, declining unless
 * the AuthType is "jwt" (case-insensitive), plus a note_auth_failure hook that writes the
 * Bearer challenge when mod_authz_core turns a denied user into a 401.
 */
#include "authn.h"
#include "quote.h"
#include "request_state.h"
#include "env.h"
#include "jwks.h"
#include "compat_authnz.h"
#include "secrets_watch.h"
#include "cache.h"
#include "login_guard.h"
#include "explain.h"
#include "error_body.h"
#include "login_redirect.h"

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
    const char *parts[4];
    int n = 0, i;
    char *value = "Bearer";

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
    for (i = 0; i < n; i++)
        value = apr_pstrcat(r->pool, value, i ? ", " : " ", parts[i], NULL);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", value);
    jwt_error_note(r, error, description);   /* the same words in a JSON body */
}

/* ---------------------------------------------------------------- token sources */

typedef enum { TOKEN_NONE, TOKEN_FOUND, TOKEN_CONFLICT, TOKEN_BAD_REQUEST } token_find_t;

typedef struct {
    const char *token;       /* the token found so far (lives as long as the request) */
    size_t len;              /* its length */
    const char *where;       /* its source, for the log */
    const char *why;         /* conflict / bad request reason, for the log */
} token_hunt_t;

/* Record a candidate. Two candidates that differ are refused (RFC 6750 3.1: a request
 * must not use more than one method to carry a token). */
static token_find_t offer(apr_pool_t *p, token_hunt_t *h, const char *tok, size_t len,
                          const char *where)
{
    if (!h->token) {
        h->token = tok;
        h->len = len;
        h->where = where;
        return TOKEN_FOUND;
    }
    if (h->len != len || memcmp(h->token, tok, len) != 0) {
        h->why = apr_psprintf(p, "different tokens in %s and %s", h->where, where);
        return TOKEN_CONFLICT;
    }
    return TOKEN_FOUND;
}

static int starts_with_bearer(const char *s)
{
    return ap_cstr_casecmpn(s, "Bearer", 6) == 0 && (s[6] == ' ' || s[6] == '\t' || s[6] == '\0');
}

/* httpd folds repeated request headers into one value joined by ", ", so a second
 * "Bearer ..." after a comma means the client sent several Authorization headers. */
static int has_folded_bearer(const char *v)
{
    const char *c;
    for (c = strchr(v, ','); c; c = strchr(c + 1, ',')) {
        const char *w = c + 1;
        while (*w == ' ' || *w == '\t')
            w++;
        if (starts_with_bearer(w))
            return 1;
    }
    return 0;
}

static token_find_t from_header(request_rec *r, token_hunt_t *h)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *value = NULL, *tok;
    size_t len;
    int i, count = 0, has_comma;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && !ap_cstr_casecmp(e[i].key, "Authorization")) {
            count++;
            value = e[i].val;
        }
    }
    if (count == 0)
        return TOKEN_NONE;
    has_comma = strchr(value, ',') != NULL;
    if (count > 1 || (has_comma && has_folded_bearer(value))) {
        h->why = "more than one Authorization header";
        return TOKEN_CONFLICT;
    }
    while (*value == ' ' || *value == '\t')
        value++;
    if (!starts_with_bearer(value))
        return TOKEN_NONE;             /* another scheme: not ours, no bearer token */
    tok = value + 6;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    if (has_comma) {                   /* nothing before the token can hold the comma */
        h->why = "more than one Authorization header";
        return TOKEN_CONFLICT;
    }
    len = strlen(tok);
    while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
        len--;
    if (tok[len] != '\0')             /* trailing blanks: the token alone, in a copy */
        tok = apr_pstrmemdup(r->pool, tok, len);
    /* An empty "Bearer" still counts as a (malformed) token: the verifier says why. */
    return offer(r->pool, h, tok, len, "the Authorization header");
}

typedef struct {
    request_rec *r;
    const char *name;
    token_hunt_t *h;
    token_find_t result;
} cookie_scan_t;

static void scan_cookie_line(cookie_scan_t *cs, const char *line)
{
    char *copy = apr_pstrdup(cs->r->pool, line), *last = NULL, *pair;
    size_t nlen = strlen(cs->name);

    for (pair = apr_strtok(copy, ";,", &last); pair; pair = apr_strtok(NULL, ";,", &last)) {
        char *v;
        size_t vlen;
        while (*pair == ' ' || *pair == '\t')
            pair++;
        if (strncmp(pair, cs->name, nlen) != 0 || pair[nlen] != '=')
            continue;
        v = pair + nlen + 1;
        vlen = strlen(v);
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            v[--vlen] = '\0';
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {   /* RFC 6265 quoted value */
            v[vlen - 1] = '\0';
            v++;
            vlen -= 2;
        }
        if (offer(cs->r->pool, cs->h, v, vlen,
                  apr_pstrcat(cs->r->pool, "cookie ", cs->name, NULL)) == TOKEN_CONFLICT) {
            cs->result = TOKEN_CONFLICT;
            return;
        }
        cs->result = TOKEN_FOUND;
    }
}

static token_find_t from_cookie(request_rec *r, const char *name, token_hunt_t *h)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    cookie_scan_t cs = { r, jwt_token_cookie_name(r, name), h, TOKEN_NONE };
    int i;

    for (i = 0; i < arr->nelts && cs.result != TOKEN_CONFLICT; i++) {
        if (e[i].key && !ap_cstr_casecmp(e[i].key, "Cookie"))
            scan_cookie_line(&cs, e[i].val);
    }
    return cs.result;
}

static token_find_t from_query(request_rec *r, const char *name, token_hunt_t *h)
{
    char *copy, *last = NULL, *pair;
    token_find_t result = TOKEN_NONE;
    const char *where;

    if (!r->args || !*r->args)
        return TOKEN_NONE;
    where = apr_pstrcat(r->pool, "query parameter ", name, NULL);
    copy = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(copy, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ap_unescape_urlencoded(pair) != OK || strcmp(pair, name) != 0)
            continue;
        if (ap_unescape_urlencoded(eq + 1) != OK) {
            h->why = apr_psprintf(r->pool, "bad percent-encoding in %s", where);
            return TOKEN_BAD_REQUEST;
        }
        if (offer(r->pool, h, eq + 1, strlen(eq + 1), where) == TOKEN_CONFLICT)
            return TOKEN_CONFLICT;
        result = TOKEN_FOUND;
    }
    return result;
}

/* Look in every configured source; the first found is the token, any different one
 * found elsewhere is a conflict. */
static token_find_t find_token(request_rec *r, const jwt_dir_conf_t *conf, token_hunt_t *h)
{
    token_find_t overall = TOKEN_NONE;
    int i;

    for (i = 0; i < conf->sources->nelts; i++) {
        const jwt_token_source_t *s = &APR_ARRAY_IDX(conf->sources, i, jwt_token_source_t);
        token_find_t got;
        switch (s->kind) {
        case JWT_SRC_HEADER: got = from_header(r, h); break;
        case JWT_SRC_COOKIE: got = from_cookie(r, s->name, h); break;
        default:             got = from_query(r, s->name, h); break;
        }
        if (got == TOKEN_CONFLICT || got == TOKEN_BAD_REQUEST)
            return got;
        if (got == TOKEN_FOUND)
            overall = TOKEN_FOUND;
    }
    return overall;
}

/* ---------------------------------------------------------------- the verify path */

/* Every keyring that may verify a token at this location, in order. Today: the key files
 * of the section and the secrets file. Issue 4 adds the JWKS cache's keyrings here.
 * Keyrings are built elsewhere (config time, reloads); this only picks them up. */
static int jwt_location_keyrings(request_rec *r, const jwt_dir_conf_t *conf,
                                 const jwt_keyring_t **rings, int max)
{
    int n = 0;
    if (conf->keyring && n < max)
        rings[n++] = conf->keyring;
    if (conf->secrets && n < max)
        rings[n++] = jwt_secrets_watch_acquire(conf->secrets, r)->ring;
    return n;
}

static int location_has_key_source(const jwt_dir_conf_t *conf)
{
    return conf->keyring != NULL || conf->secrets != NULL || jwks_configured(conf->jwks);
}

/* When no keyring verifies, report the most telling failure: a key that was found but
 * refused the signature beats "no key for this alg", which beats "unknown kid". */
static int failure_rank(jwt_code_t code)
{
    switch (code) {
    case JWT_ERR_UNKNOWN_KID: return 1;
    case JWT_ERR_NO_KEY:      return 2;
    default:                  return 3;
    }
}

static jwt_code_t verify_signature(request_rec *r, const jwt_dir_conf_t *conf,
                                   const jwt_token_t *t, const jwt_key_t **used,
                                   jwt_err_t *err)
{
    const jwt_keyring_t *rings[8];
    int n = jwt_location_keyrings(r, conf, rings, 8), i;
    jwt_err_t best, e;

    jwt_err_clear(&best);
    if (n == 0 && !jwks_configured(conf->jwks))
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no key is configured for this location");
    for (i = 0; i < n; i++) {
        jwt_err_clear(&e);
        if (jwt_token_verify(t, rings[i], conf->algs, used, &e) == JWT_OK)
            return JWT_OK;
        if (best.code == JWT_OK || failure_rank(e.code) > failure_rank(best.code))
            best = e;
    }
    /* Remote keys (issue 4) last: they may fetch. A static key that knew the token's kid
     * but refused the signature is the answer. A kid-less token names no key, so a static
     * key of its alg that refused it says nothing about the remote ones: they are tried
     * too. Otherwise the JWKS cache's verdict is the answer, and JWT_ERR_FETCH (no usable
     * remote keys) becomes a 503 in jwt_check_authn. */
    if (jwks_configured(conf->jwks)
        && (best.code == JWT_OK || failure_rank(best.code) < 3 || t->kid == NULL)) {
        int retry_after = 0;
        jwt_err_clear(&e);
        if (jwks_verify(r, conf->jwks, t, conf->algs, used, &retry_after, &e) == JWT_OK)
            return JWT_OK;
        if (e.code == JWT_ERR_FETCH)
            apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, retry_after));
        if (e.code == JWT_ERR_FETCH || best.code == JWT_OK
            || failure_rank(e.code) >= failure_rank(best.code))
            best = e;
    }
    if (err)
        *err = best;
    return best.code;
}

static void claims_policy(request_rec *r, const jwt_dir_conf_t *conf, jwt_claims_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->now = (int64_t)apr_time_sec(r->request_time);
    pol->leeway = conf->leeway;
    pol->issuers = conf->issuers;
    pol->audiences = conf->audiences;
    pol->required = conf->required;
    pol->typ = conf->typ;
    pol->max_lifetime = conf->max_lifetime;
}

/* ---------------------------------------------------------------- the token cache */

static void hash_list(jwt_hash_t *h, const apr_array_header_t *list)
{
    int i, n = list ? list->nelts : -1;

    jwt_cache_hash_add(h, &n, sizeof(n));
    for (i = 0; i < n; i++)
        jwt_cache_hash_str(h, APR_ARRAY_IDX(list, i, const char *));
}

/* Lookup key: the whole token and the identity of the location's keys and rules. A
 * section made while the configuration was read is never written again, so its number
 * (conf->identity, config.c) stands for all of them. A section made at request time
 * (.htaccess, a merge of two sections that both set something) has none: its key sources
 * are config-time objects (pointers are stable and never in .htaccess) and its rules are
 * hashed by value. The token goes first with its length and a tag says which of the two
 * follows, so no input of one form equals one of the other. So an entry is only ever
 * found with the same token bytes under the same rules, and every claim check but the
 * time checks has the same verdict it had when the token was verified: a hit makes only
 * the time checks again (verify_cached). */
static int cache_key(request_rec *r, const jwt_dir_conf_t *conf, const char *compact,
                     size_t len, unsigned char key[32])
{
    jwt_hash_t *h = jwt_cache_key_begin(r);
    const void *keys[3];
    apr_int64_t nums[2];

    if (!h)
        return 0;
    jwt_cache_hash_add(h, &len, sizeof(len));
    jwt_cache_hash_add(h, compact, len);
    if (conf->identity) {
        jwt_cache_hash_add(h, "I", 1);
        jwt_cache_hash_add(h, &conf->identity, sizeof(conf->identity));
        return jwt_cache_key_end(r, h, key);
    }
    jwt_cache_hash_add(h, "V", 1);
    keys[0] = conf->keyring;
    keys[1] = conf->secrets;
    keys[2] = jwks_identity(conf->jwks);
    jwt_cache_hash_add(h, keys, sizeof(keys));
    jwt_cache_hash_add(h, &conf->algs, sizeof(conf->algs));
    nums[0] = conf->leeway;
    nums[1] = conf->max_lifetime;
    jwt_cache_hash_add(h, nums, sizeof(nums));
    hash_list(h, conf->issuers);
    hash_list(h, conf->audiences);
    hash_list(h, conf->required);
    jwt_cache_hash_str(h, conf->typ);
    jwt_cache_hash_str(h, conf->user_claim);
    return jwt_cache_key_end(r, h, key);
}

static const char *payload_issuer(json_object *payload)
{
    json_object *v;
    if (payload && json_object_object_get_ex(payload, "iss", &v)
        && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* The versions of the keys that could verify a token with these claims here right now:
 * the secrets file's content hash and each JWKS document's (those of the token's issuer).
 * Static key files change only with a restart (a new configuration, so a new cache).
 * Returns 0 when there is no usable answer (then the token is verified and not cached). */
static int key_versions(request_rec *r, const jwt_dir_conf_t *conf, json_object *payload,
                        unsigned char out[32])
{
    const unsigned char *docs[16];
    int n = 0, i;
    jwt_hash_t *h;

    if (!conf->secrets && !jwks_configured(conf->jwks)) {
        memset(out, 0, 32);            /* key files only: nothing can change them */
        return 1;
    }
    if (jwks_configured(conf->jwks)
        && (n = jwks_key_versions(r, conf->jwks, payload_issuer(payload), docs, 16)) < 0)
        return 0;
    if (!(h = jwt_cache_hash_begin(r)))
        return 0;
    if (conf->secrets)
        jwt_cache_hash_str(h, jwt_secrets_watch_acquire(conf->secrets, r)->version);
    jwt_cache_hash_add(h, &n, sizeof(n));
    for (i = 0; i < n; i++)
        jwt_cache_hash_add(h, docs[i], 32);
    return jwt_cache_hash_end(h, out);
}

typedef enum { CACHED_OK, CACHED_REFUSED, CACHED_STALE } cached_t;

/* A hit: rebuild the token from the cached payload (no signature check), make sure the
 * keys it was verified with are still the location's keys, and make the time checks again
 * at this request's time: the entry's window from jwt_claims_window, whose end the table
 * has already checked. The other claim checks depend only on the token's bytes and the
 * location's rules, both in the lookup key, so their verdict has not changed. A time
 * before the window (the clock went back) runs every check again, for its precise error. */
static cached_t verify_cached(request_rec *r, const jwt_dir_conf_t *conf, const char *compact,
                              size_t len, const jwt_cache_hit_t *hit, jwt_token_t **token,
                              jwt_err_t *err)
{
    jwt_claims_policy_t pol;
    jwt_token_t *t = apr_pcalloc(r->pool, sizeof(*t));
    unsigned char now_versions[32];
    const char *dot;

    if (hit->payload_obj)              /* this connection's memo: already parsed */
        t->payload = hit->payload_obj;
    else if (jwt_json_parse_object(r->pool, hit->payload_json, hit->payload_len, NULL,
                                   &t->payload, NULL) != JWT_OK)
        return CACHED_STALE;           /* cannot happen: it parsed when it was stored */
    if (!key_versions(r, conf, t->payload, now_versions)
        || memcmp(now_versions, hit->versions, 32) != 0)
        return CACHED_STALE;
    t->compact = apr_pstrmemdup(r->pool, compact, len);
    dot = strrchr(t->compact, '.');
    t->signing_input_len = dot ? (size_t)(dot - t->compact) : len;
    t->payload_json = hit->payload_json;
    t->alg = hit->alg;
    t->alg_name = jwt_alg_name(hit->alg);
    t->kid = hit->kid;
    t->typ = hit->typ;
    if ((apr_int64_t)apr_time_sec(r->request_time) < hit->valid_from) {
        claims_policy(r, conf, &pol);
        if (jwt_claims_validate(t, &pol, err) != JWT_OK)
            return CACHED_REFUSED;
    }
    *token = t;
    return CACHED_OK;
}

/* The single verification path for a location: the token cache first; then parse, pick a
 * key from the location's keyrings, verify the signature, validate the claims, and
 * remember the verified token. Nothing else in the module verifies tokens. */
jwt_code_t jwt_location_verify(request_rec *r, const jwt_dir_conf_t *conf,
                               const char *compact, size_t len, jwt_token_t **token,
                               const jwt_key_t **used, jwt_err_t *err)
{
    jwt_claims_policy_t pol;
    jwt_parse_opts_t opts;
    jwt_token_t *t = NULL;
    jwt_cache_hit_t hit;
    jwt_err_t cached_err;
    int64_t valid_from, valid_until;
    unsigned char key[32], before[32], after[32];
    int cacheable = 0, versioned;
    jwt_code_t rc;

    /* an explanation (explain.c) runs every stage: no cached verdict */
    if (jwt_cache_enabled() && len <= JWT_DEFAULT_MAX_TOKEN_LEN && !jwt_explaining(r)
        && cache_key(r, conf, compact, len, key)) {
        cacheable = 1;
        if (jwt_cache_get(r, key, (apr_int64_t)apr_time_sec(r->request_time), &hit)) {
            jwt_err_clear(&cached_err);
            switch (verify_cached(r, conf, compact, len, &hit, token, &cached_err)) {
            case CACHED_OK:
                jwt_cache_memo(r, key, *token, hit.versions, hit.valid_from, hit.expires);
                *used = NULL;
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0208)
                              "cache hit: %s token verified earlier at this location with "
                              "the same keys", jwt_alg_name(hit.alg));
                return JWT_OK;
            case CACHED_REFUSED:       /* same payload, same rules: the verdict stands */
                if (err)
                    *err = cached_err;
                return cached_err.code;
            default:
                jwt_cache_drop(r, key);   /* its keys changed: verify it afresh */
                break;
            }
        }
    }

    memset(&opts, 0, sizeof(opts));
    opts.header_memo = jwt_cache_header_memo(r);
    rc = jwt_token_parse(r->pool, compact, len, &opts, &t, err);
    if (rc != JWT_OK)
        return rc;
    /* key versions before and after: a token is only cached when one set of keys was in
     * force for the whole verification */
    versioned = cacheable && key_versions(r, conf, t->payload, before);
    rc = verify_signature(r, conf, t, used, err);
    if (rc != JWT_OK)
        return rc;
    claims_policy(r, conf, &pol);
    rc = jwt_claims_validate_window(t, &pol, &valid_from, &valid_until, err);
    if (rc != JWT_OK)
        return rc;
    if (versioned && key_versions(r, conf, t->payload, after)
        && memcmp(before, after, 32) == 0)
        jwt_cache_put(r, key, t, after, valid_from, valid_until);
    *token = t;
    return JWT_OK;
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
    jwt_set_challenge(r, "invalid_request", "more than one token, or a malformed request",
                      NULL);
    return HTTP_BAD_REQUEST;
}

static int refuse_invalid_token(request_rec *r, const jwt_err_t *err, const char *where)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0204)
                  "token from %s refused (%s): %s", where, jwt_code_name(err->code),
                  err->message);
    jwt_set_challenge(r, "invalid_token", jwt_code_description(err->code), NULL);
    return HTTP_UNAUTHORIZED;
}

int jwt_check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r), *user;
    jwt_dir_conf_t *conf;
    jwt_request_state_t *st;
    token_hunt_t hunt = { NULL, 0, NULL, NULL };
    jwt_token_t *t = NULL;
    const jwt_key_t *key = NULL;
    jwt_err_t err;

    if (!jwt_compat_is_auth_type(type))
        return DECLINED;
    conf = (jwt_dir_conf_t *)jwt_compat_authn_conf(r, ap_get_module_config(r->per_dir_config,
                                                   &auth_jwt_module), type);
    r->ap_auth_type = (char *)type;
    jwt_strip_forwarded_headers(r, conf);   /* also done in header_parser; cheap, certain */

    switch (find_token(r, conf, &hunt)) {
    case TOKEN_NONE:
        return refuse_no_token(r, conf);
    case TOKEN_CONFLICT:
    case TOKEN_BAD_REQUEST:
        return refuse_bad_request(r, &hunt);
    default:
        jwt_explain_stage(r, "token", "pass", hunt.where);
        break;
    }
    if (!location_has_key_source(conf)) {
        jwt_explain_stage(r, "keys", "fail", "no AuthJWTKeyFile, AuthJWTSecretsFile or JWKS");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0203)
                      "AuthType jwt at %s has no keys: set AuthJWTKeyFile, "
                      "AuthJWTSecretsFile, AuthJWTJWKSURL or AuthJWTIssuerDiscovery", r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    jwt_err_clear(&err);
    if (jwt_location_verify(r, conf, hunt.token, hunt.len, &t, &key, &err) != JWT_OK) {
        jwt_explain_refused(r, &err);
        if (err.code == JWT_ERR_FETCH) {      /* remote keys unavailable: not the token's fault */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0207)
                          "503 for %s: %s", r->uri, err.message);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        return refuse_invalid_token(r, &err, hunt.where);
    }

    user = user_from_claims(t->payload, conf->user_claim);
    if (!user) {
        jwt_err_clear(&err);
        JWT_ERR(&err, JWT_ERR_CLAIM_MISSING, "user claim '%s' is missing, empty or not a "
                "plain string", conf->user_claim);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(0205)
                      "token from %s refused: %s", hunt.where, err.message);
        jwt_explain_stage(r, "user", "fail", err.message);
        jwt_set_challenge(r, "invalid_token", jwt_code_description(err.code), NULL);
        return HTTP_UNAUTHORIZED;
    }
    r->user = (char *)user;
    jwt_explain_verified(r, t, key);
    jwt_explain_stage(r, "user", "pass", apr_pstrcat(r->pool, conf->user_claim, " = ", user,
                                                     NULL));

    st = apr_pcalloc(r->pool, sizeof(*st));
    st->token = t;
    st->claims = t->payload;
    st->key = key;
    ap_set_module_config(r->request_config, &auth_jwt_module, st);

    if (conf->claims_env)
        jwt_export_claims_env(r, conf, t->payload);
    jwt_forward_claims(r, conf, t->payload);
    if (APLOGrdebug(r))                /* describing the key costs four apr_psprintf */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0206)
                      "user '%s' authenticated by a %s token from %s, key %s",
                      user, jwt_alg_name(t->alg), hunt.where,
                      key ? jwt_key_describe(r->pool, key) : "(from the token cache)");
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
