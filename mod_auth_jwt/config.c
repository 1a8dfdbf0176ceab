/* config.c -- per-directory and per-server configuration of mod_auth_jwt.
 *
 * Setters validate everything they can at config time, so `apachectl configtest` stops
 * with "Syntax error on line N of FILE: <directive> ...: <reason>" (httpd adds the file and
 * line to the string a setter returns). Keys are loaded here, once; requests only read
 * the keyrings built here.
 */
#include "dir_conf.h"
#include "login_cmds.h"
#include "binding_conf.h"
#include "jwks_conf.h"
#include "compat_authnz.h"
#include "secrets_watch.h"
#include "revocation_conf.h"
#include "expiry_watch.h"
#include "jwe_conf.h"

#include <errno.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include "jwt_b64.h"
#include "http_core.h"

/* ---------------------------------------------------------------- create / merge */

/* A section made while the configuration is read is never written once requests are
 * served, so a number given to it then stands for all its keys and rules: the token
 * cache keys its entries by it (authn.c cache_key) instead of hashing every rule on every
 * request. Sections made at request time -- .htaccess, and a merge of two sections that
 * both set something, which builds a new one in r->pool whose address the next request
 * may reuse -- get 0, and the cache hashes their rules by value. The counter only moves
 * while the configuration is read (one thread); the cache's configuration generation
 * keeps numbers of an older configuration from meeting this one's. */
static apr_uint64_t sections_made;

static apr_uint64_t section_identity(void)
{
    int state = ap_state_query(AP_SQ_MAIN_STATE);

    if (state == AP_SQ_MS_CREATE_PRE_CONFIG || state == AP_SQ_MS_CREATE_CONFIG)
        return ++sections_made;
    return 0;
}

void *jwt_create_dir_conf(apr_pool_t *p, char *dir)
{
    jwt_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    jwt_token_source_t *src;

    /* Defaults live in the struct; *_set says whether this section chose them. */
    c->algs = JWT_ALGSET_ALL;
    c->leeway = 60;
    c->required = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c->required, const char *) = "exp";
    c->user_claim = "sub";
    c->claims_env = 1;
    c->sources = apr_array_make(p, 1, sizeof(jwt_token_source_t));
    src = apr_array_push(c->sources);
    src->kind = JWT_SRC_HEADER;
    src->name = NULL;
    c->login.lifetime = JWT_LOGIN_DEFAULT_LIFETIME;
    c->login.delivery = JWT_DELIVER_JSON;
    c->identity = section_identity();
    jwt_metrics_dir_init(p, &c->metrics, dir);
    return c;
}

/* AuthJWTForwardClaim accumulates through nesting: a header forwarded by an enclosing
 * section is still stripped from client requests in nested ones, so a nested section can
 * never reopen a spoofing hole. A nested entry for the same header replaces the outer one. */
static apr_array_header_t *merge_forwards(apr_pool_t *p, const apr_array_header_t *base,
                                          const apr_array_header_t *add)
{
    apr_array_header_t *out;
    int i, j;

    if (!base || base->nelts == 0)
        return (apr_array_header_t *)add;
    if (!add || add->nelts == 0)
        return (apr_array_header_t *)base;
    out = apr_array_make(p, base->nelts + add->nelts, sizeof(jwt_forward_t));
    for (i = 0; i < base->nelts; i++) {
        const jwt_forward_t *b = &APR_ARRAY_IDX(base, i, jwt_forward_t);
        int overridden = 0;
        for (j = 0; j < add->nelts; j++) {
            if (!ap_cstr_casecmp(b->header, APR_ARRAY_IDX(add, j, jwt_forward_t).header))
                overridden = 1;
        }
        if (!overridden)
            APR_ARRAY_PUSH(out, jwt_forward_t) = *b;
    }
    apr_array_cat(out, add);
    return out;
}

#define JWT_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

/* Does section c set nothing (every field its default, as jwt_create_dir_conf made it)?
 * Then merging it with another section gives that other section, field for field: every
 * JWT_MERGE takes the other's value and flag, merge_forwards and jwks_dir_merge return the
 * other's list, and jwt_login_conf_merge the other's settings. Lists every field that
 * jwt_merge_dir_conf and jwt_login_conf_merge merge. */
static int sets_nothing(const jwt_dir_conf_t *c)
{
    const jwt_login_conf_t *l = &c->login;

    return !c->keyring_set && !c->secrets_set && !c->algs_set && !c->issuers_set
        && !c->audiences_set && !c->leeway_set && !c->required_set && !c->user_claim_set
        && !c->typ_set && !c->max_lifetime_set && !c->sources_set && !c->claims_env_set
        && (!c->forwards || c->forwards->nelts == 0) && !c->jwks && !c->compat && !c->jwe
        && !l->provider_set && !l->signing_set && !l->signing_alg_set && !l->lifetime_set
        && !l->group_file_set && !l->delivery_set && !c->login_url_set && !c->revocation
        && !c->binding
        && !c->metrics.off_set;
}

/* Runs on every request to a section with our directives (httpd merges the sections that
 * apply to it), usually with the server's default section as base: that case returns the
 * section's own configuration instead of building a copy of it (configurations are never
 * written after startup, as jwks_dir_merge also relies on). */
void *jwt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const jwt_dir_conf_t *base = basev, *add = addv;
    jwt_dir_conf_t *c;

    if (sets_nothing(base))
        return addv;
    if (sets_nothing(add))
        return basev;
    c = apr_pcalloc(p, sizeof(*c));

    JWT_MERGE(keyring);
    c->keyfile_unbound = add->keyring_set ? add->keyfile_unbound : base->keyfile_unbound;
    JWT_MERGE(secrets);
    JWT_MERGE(algs);
    JWT_MERGE(issuers);
    JWT_MERGE(audiences);
    JWT_MERGE(leeway);
    JWT_MERGE(required);
    JWT_MERGE(user_claim);
    JWT_MERGE(typ);
    JWT_MERGE(max_lifetime);
    JWT_MERGE(sources);
    JWT_MERGE(claims_env);
    JWT_MERGE(login_url);
    c->forwards = merge_forwards(p, base->forwards, add->forwards);
    jwt_login_conf_merge(&c->login, &base->login, &add->login);
    c->compat = jwt_compat_merge(p, base->compat, add->compat);
    c->jwks = jwks_dir_merge(p, base->jwks, add->jwks);
    c->revocation = jwt_revocation_merge(p, base->revocation, add->revocation);
    c->binding = jwt_binding_merge(p, base->binding, add->binding);
    jwt_metrics_dir_merge(&c->metrics, &base->metrics, &add->metrics);
    c->jwe = jwt_jwe_conf_merge(p, base->jwe, add->jwe);
    c->identity = section_identity();
    return c;
}

void *jwt_create_server_conf(apr_pool_t *p, server_rec *s)
{
    jwt_server_conf_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->signing_keys = apr_array_make(p, 2, sizeof(const jwt_key_t *));
    sc->cookie_names = apr_array_make(p, 1, sizeof(const char *));
    return sc;
}

/* A virtual host publishes its own signing keys and the main server's (Locations of the
 * main server apply inside virtual hosts too). */
void *jwt_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const jwt_server_conf_t *base = basev, *add = addv;
    jwt_server_conf_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->signing_keys = apr_array_append(p, base->signing_keys, add->signing_keys);
    sc->cookie_names = apr_array_append(p, base->cookie_names, add->cookie_names);
    return sc;
}

/* ---------------------------------------------------------------- helpers */

const char *jwt_parse_seconds(cmd_parms *cmd, const char *arg, apr_int64_t min,
                              apr_int64_t max, apr_int64_t *out)
{
    char *end = NULL;
    apr_int64_t v;

    errno = 0;
    if (!arg || !*arg || !apr_isdigit(*arg))
        goto bad;
    v = apr_strtoi64(arg, &end, 10);
    if (errno || !end || *end != '\0')
        goto bad;
    if (v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: %s is out of range [%" APR_INT64_T_FMT
                            ", %" APR_INT64_T_FMT "] seconds", cmd->cmd->name, arg, min, max);
    *out = v;
    return NULL;
bad:
    return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of seconds",
                        cmd->cmd->name, arg ? arg : "");
}

const char *jwt_resolve_path(cmd_parms *cmd, const char *arg, const char **out)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid file path '%s'", cmd->cmd->name, arg);
    *out = path;
    return NULL;
}

const char *jwt_config_error(cmd_parms *cmd, const char *path, const char *message)
{
    size_t n = strlen(path);
    /* core messages often start with the path already: say it once */
    if (!strncmp(message, "secrets file ", 13))
        message += 13;
    if (!strncmp(message, path, n) && message[n] == ':' && message[n + 1] == ' ')
        message += n + 2;
    return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, path, message);
}

int jwt_is_http_token(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr(extra, *s))
            return 0;
    }
    return 1;
}

/* Claim names and dotted paths: non-empty segments, no control characters. */
static int is_claim_path(const char *s)
{
    size_t seg = 0;
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (apr_iscntrl(*s))
            return 0;
        if (*s == '.') {
            if (seg == 0)
                return 0;
            seg = 0;
        }
        else {
            seg++;
        }
    }
    return seg > 0;
}

/* Repeatable list directives: the first occurrence in a section starts a new list, so a
 * nested section replaces (not extends) what it inherits. */
static apr_array_header_t *own_list(apr_pool_t *p, apr_array_header_t **list, int *set,
                                    int elt_size)
{
    if (!*set) {
        *list = apr_array_make(p, 2, elt_size);
        *set = 1;
    }
    return *list;
}

/* ---------------------------------------------------------------- key directives */

/* AuthJWTKeyFile FILE [kid=ID] [issuer=ISS]: issuer= binds the file's keys to one issuer
 * (RFC 8725 3.8), as AuthJWTJWKSURL's issuer= does for remote keys. */
const char *jwt_cmd_key_file(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    jwt_dir_conf_t *c = mconfig;
    const char *path, *msg, *kid = NULL, *issuer = NULL;
    jwt_err_t err;
    int count = 0, before, i;

    if (argc < 1)
        return "AuthJWTKeyFile: needs a FILE";
    if ((msg = jwt_resolve_path(cmd, argv[0], &path)))
        return msg;
    for (i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strncmp(opt, "kid=", 4) == 0 && opt[4] != '\0' && !kid)
            kid = opt + 4;
        else if (strncmp(opt, "issuer=", 7) == 0 && opt[7] != '\0' && !issuer)
            issuer = apr_pstrdup(cmd->pool, opt + 7);
        else
            return apr_psprintf(cmd->pool, "AuthJWTKeyFile %s: unknown or repeated option "
                                "'%s' (expected kid=ID, issuer=ISS)", path, opt);
    }
    if (!c->keyring)
        c->keyring = jwt_keyring_make(cmd->pool);
    before = c->keyring->keys->nelts;
    jwt_err_clear(&err);
    if (jwt_keys_from_file(c->keyring, path, kid, &count, &err) != JWT_OK)
        return jwt_config_error(cmd, path, err.message);
    if (count == 0)
        return apr_psprintf(cmd->pool, "AuthJWTKeyFile %s: the file holds no usable key", path);
    jwt_expiry_note_key_file(cmd, path);       /* certificates: configtest, daily warnings */
    jwt_keyring_name_by_thumbprint(c->keyring, before);
    for (i = before; i < c->keyring->keys->nelts; i++) {
        jwt_key_t *k = APR_ARRAY_IDX(c->keyring->keys, i, jwt_key_t *);
        k->issuer = issuer;
        if (issuer == NULL)
            c->keyfile_unbound = 1;
    }
    c->keyring_set = 1;
    return NULL;
}

const char *jwt_cmd_secrets_file(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    const char *path, *msg;

    if ((msg = jwt_resolve_path(cmd, arg, &path)))
        return msg;
    if ((msg = jwt_secrets_watch_get(cmd, path, &c->secrets)))
        return msg;
    c->secrets_set = 1;
    return NULL;
}

/* ---------------------------------------------------------------- validation directives */

const char *jwt_cmd_algorithms(cmd_parms *cmd, void *mconfig, const char *args)
{
    jwt_dir_conf_t *c = mconfig;
    jwt_err_t err;
    jwt_algset_t set = 0;

    jwt_err_clear(&err);
    if (jwt_algset_parse(args, &set, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTAlgorithms: %s", err.message);
    if (set == 0)
        return "AuthJWTAlgorithms: needs at least one algorithm name";
    c->algs = set;
    c->algs_set = 1;
    return NULL;
}

const char *jwt_cmd_issuer(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    if (!*arg)
        return "AuthJWTIssuer: the issuer must not be empty";
    APR_ARRAY_PUSH(own_list(cmd->pool, &c->issuers, &c->issuers_set, sizeof(const char *)),
                   const char *) = arg;
    return NULL;
}

const char *jwt_cmd_audience(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    if (!*arg)
        return "AuthJWTAudience: the audience must not be empty";
    APR_ARRAY_PUSH(own_list(cmd->pool, &c->audiences, &c->audiences_set,
                            sizeof(const char *)), const char *) = arg;
    return NULL;
}

const char *jwt_cmd_leeway(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    const char *msg = jwt_parse_seconds(cmd, arg, 0, 3600, &c->leeway);
    if (msg)
        return msg;
    c->leeway_set = 1;
    return NULL;
}

const char *jwt_cmd_require_claims(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    if (!is_claim_path(arg) || strchr(arg, '.'))
        return apr_psprintf(cmd->pool, "AuthJWTRequireClaims: '%s' is not a claim name", arg);
    APR_ARRAY_PUSH(own_list(cmd->pool, &c->required, &c->required_set, sizeof(const char *)),
                   const char *) = arg;
    return NULL;
}

const char *jwt_cmd_user_claim(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    if (!is_claim_path(arg))
        return apr_psprintf(cmd->pool, "AuthJWTUserClaim: '%s' is not a claim name or "
                            "dotted path", arg);
    c->user_claim = arg;
    c->user_claim_set = 1;
    return NULL;
}

const char *jwt_cmd_type(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    if (!*arg || ap_strchr_c(arg, ' '))
        return "AuthJWTType: expected one media type such as at+jwt";
    c->typ = arg;
    c->typ_set = 1;
    return NULL;
}

const char *jwt_cmd_max_lifetime(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    /* 0 = no limit; at most ten years */
    const char *msg = jwt_parse_seconds(cmd, arg, 0, APR_INT64_C(315360000), &c->max_lifetime);
    if (msg)
        return msg;
    c->max_lifetime_set = 1;
    return NULL;
}

/* ---------------------------------------------------------------- token sources */

static const char *parse_source(cmd_parms *cmd, const char *arg, jwt_token_source_t *out)
{
    const char *name = NULL;

    if (!ap_cstr_casecmp(arg, "header")) {
        out->kind = JWT_SRC_HEADER;
    }
    else if (!ap_cstr_casecmpn(arg, "cookie=", 7)) {
        out->kind = JWT_SRC_COOKIE;
        name = arg + 7;
    }
    else if (!ap_cstr_casecmpn(arg, "query=", 6)) {
        out->kind = JWT_SRC_QUERY;
        name = arg + 6;
    }
    else {
        return apr_psprintf(cmd->pool, "AuthJWTTokenFrom: unknown source '%s' (expected "
                            "header, cookie=NAME or query=NAME)", arg);
    }
    if (out->kind != JWT_SRC_HEADER && !jwt_is_http_token(name))
        return apr_psprintf(cmd->pool, "AuthJWTTokenFrom: '%s' needs a valid name after '='",
                            arg);
    out->name = name;
    return NULL;
}

const char *jwt_cmd_token_from(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    jwt_token_source_t src;
    apr_array_header_t *list;
    const char *msg;
    int i;

    if ((msg = parse_source(cmd, arg, &src)))
        return msg;
    list = own_list(cmd->pool, &c->sources, &c->sources_set, sizeof(jwt_token_source_t));
    for (i = 0; i < list->nelts; i++) {
        const jwt_token_source_t *s = &APR_ARRAY_IDX(list, i, jwt_token_source_t);
        if (s->kind == src.kind && (s->kind == JWT_SRC_HEADER || !strcmp(s->name, src.name)))
            return apr_psprintf(cmd->pool, "AuthJWTTokenFrom: '%s' is listed twice", arg);
    }
    APR_ARRAY_PUSH(list, jwt_token_source_t) = src;
    return NULL;
}

/* ---------------------------------------------------------------- what success exports */

const char *jwt_cmd_claims_env(cmd_parms *cmd, void *mconfig, int on)
{
    jwt_dir_conf_t *c = mconfig;
    c->claims_env = on;
    c->claims_env_set = 1;
    return NULL;
}

/* Headers the module must never write: they frame the message or route it. */
static int is_reserved_header(const char *h)
{
    static const char *const reserved[] = {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE",
        "Trailer", "Expect", "Keep-Alive", "Proxy-Connection", NULL
    };
    int i;
    for (i = 0; reserved[i]; i++) {
        if (!ap_cstr_casecmp(h, reserved[i]))
            return 1;
    }
    return 0;
}

const char *jwt_cmd_forward_claim(cmd_parms *cmd, void *mconfig, const char *claim,
                                  const char *header)
{
    jwt_dir_conf_t *c = mconfig;
    jwt_forward_t *f;
    int i;

    if (!is_claim_path(claim))
        return apr_psprintf(cmd->pool, "AuthJWTForwardClaim: '%s' is not a claim name or "
                            "dotted path", claim);
    if (!jwt_is_http_token(header))
        return apr_psprintf(cmd->pool, "AuthJWTForwardClaim: '%s' is not a valid header name",
                            header);
    if (is_reserved_header(header))
        return apr_psprintf(cmd->pool, "AuthJWTForwardClaim: the header %s cannot be set",
                            header);
    if (!c->forwards)
        c->forwards = apr_array_make(cmd->pool, 2, sizeof(jwt_forward_t));
    for (i = 0; i < c->forwards->nelts; i++) {
        if (!ap_cstr_casecmp(APR_ARRAY_IDX(c->forwards, i, jwt_forward_t).header, header))
            return apr_psprintf(cmd->pool, "AuthJWTForwardClaim: header %s is already "
                                "forwarded in this section", header);
    }
    f = apr_array_push(c->forwards);
    f->claim = claim;
    f->header = header;
    return NULL;
}
