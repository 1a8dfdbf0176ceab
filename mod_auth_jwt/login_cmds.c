/* login_cmds.c -- the login feature's directives and merge (login_cmds.h). */
#include "login_cmds.h"
#include "secrets_watch.h"
#include "login_guard.h"
#include "jwt_b64.h"

#include <string.h>
#include <apr_strings.h>
#include "ap_provider.h"
#include "http_core.h"

#define LOGIN_MERGE(f) do { \
        out->f = add->f##_set ? add->f : base->f; \
        out->f##_set = add->f##_set || base->f##_set; \
    } while (0)

void jwt_login_conf_merge(jwt_login_conf_t *out, const jwt_login_conf_t *base,
                          const jwt_login_conf_t *add)
{
    const jwt_login_conf_t *signer = add->signing_set ? add : base;

    out->provider_name = add->provider_set ? add->provider_name : base->provider_name;
    LOGIN_MERGE(provider);
    /* a key FILE and secrets=PATH are one setting: both come from the same section */
    out->signing_key = signer->signing_key;
    out->signing_secrets = signer->signing_secrets;
    out->signing_set = signer->signing_set;
    LOGIN_MERGE(signing_alg);
    LOGIN_MERGE(lifetime);
    LOGIN_MERGE(group_file);
    out->cookie_name = add->delivery_set ? add->cookie_name : base->cookie_name;
    out->encrypt = add->delivery_set ? add->encrypt : base->encrypt;
    LOGIN_MERGE(delivery);
}

const char *jwt_cmd_login_provider(cmd_parms *cmd, void *mconfig, const char *name)
{
    jwt_dir_conf_t *c = mconfig;
    const authn_provider *prov = ap_lookup_provider(AUTHN_PROVIDER_GROUP, name,
                                                    AUTHN_PROVIDER_VERSION);
    if (!prov)
        return apr_psprintf(cmd->pool, "AuthJWTProvider: unknown authn provider '%s' "
                            "(is mod_authn_%s loaded before this line?)", name, name);
    if (!prov->check_password)
        return apr_psprintf(cmd->pool, "AuthJWTProvider: authn provider '%s' cannot check "
                            "passwords", name);
    c->login.provider_name = name;
    c->login.provider = prov;
    c->login.provider_set = 1;
    return NULL;
}

static const char *signing_key_from_file(cmd_parms *cmd, jwt_dir_conf_t *c, const char *arg,
                                         const char *opt)
{
    jwt_server_conf_t *sc = ap_get_module_config(cmd->server->module_config, &auth_jwt_module);
    jwt_keyring_t *ring = jwt_keyring_make(cmd->pool);
    const char *path, *msg, *kid = NULL;
    jwt_key_t *key;
    jwt_err_t err;
    int count = 0;

    if ((msg = jwt_resolve_path(cmd, arg, &path)))
        return msg;
    if (opt) {
        if (strncmp(opt, "kid=", 4) != 0 || opt[4] == '\0')
            return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: unknown option '%s' "
                                "(expected kid=ID)", path, opt);
        kid = opt + 4;
    }
    jwt_err_clear(&err);
    if (jwt_keys_from_file(ring, path, kid, &count, &err) != JWT_OK)
        return jwt_config_error(cmd, path, err.message);
    if (count != 1)
        return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: the file must hold exactly one "
                            "key, it holds %d", path, count);
    key = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    if (!key->can_sign)
        return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: not a private key", path);
    if (key->kty != JWT_KTY_OCT) {
        if (!key->kid && !(key->kid = jwt_key_thumbprint(cmd->pool, key, &err)))
            return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: cannot compute a kid: %s",
                                path, err.message);
        APR_ARRAY_PUSH(sc->signing_keys, const jwt_key_t *) = key;   /* for the JWKS */
    }
    c->login.signing_key = key;
    c->login.signing_secrets = NULL;
    return NULL;
}

/* The secrets file's signer as loaded now must be able to sign AuthJWTSigningAlgorithm (a
 * 32-byte key cannot sign HS512, a key with "alg":"HS256" signs only that): checked at
 * config time in either directive order; a later change of the file is logged per login. */
static const char *secrets_signer_fits(cmd_parms *cmd, const jwt_dir_conf_t *c)
{
    const jwt_key_t *signer;
    if (!c->login.signing_alg_set || !c->login.signing_secrets)
        return NULL;
    signer = jwt_secrets_watch_signing_key(c->login.signing_secrets);
    if (!signer || (signer->algs & JWT_ALGSET(c->login.signing_alg)))
        return NULL;
    return apr_psprintf(cmd->pool, "AuthJWTSigningAlgorithm %s: the signing key of the secrets "
                        "file %s (%s%s) cannot sign %s", jwt_alg_name(c->login.signing_alg),
                        jwt_secrets_watch_path(c->login.signing_secrets),
                        signer->kid ? "kid " : "no kid", signer->kid ? signer->kid : "",
                        jwt_alg_name(c->login.signing_alg));
}

const char *jwt_cmd_signing_key(cmd_parms *cmd, void *mconfig, const char *arg,
                                const char *opt)
{
    jwt_dir_conf_t *c = mconfig;
    const char *msg, *path;

    if (!strncmp(arg, "secrets=", 8)) {
        if (opt)
            return "AuthJWTSigningKey secrets=PATH takes no further option";
        if ((msg = jwt_resolve_path(cmd, arg + 8, &path)))
            return msg;
        if ((msg = jwt_secrets_watch_get(cmd, path, &c->login.signing_secrets)))
            return msg;
        /* a login location needs one key to sign with: the "active" one or the only one */
        if ((msg = jwt_secrets_watch_signing_problem(c->login.signing_secrets)))
            return jwt_config_error(cmd, path, msg);
        c->login.signing_key = NULL;
    }
    else if ((msg = signing_key_from_file(cmd, c, arg, opt))) {
        return msg;
    }
    c->login.signing_set = 1;
    if (c->login.signing_alg_set && c->login.signing_key &&
        !(c->login.signing_key->algs & JWT_ALGSET(c->login.signing_alg)))
        return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: the key cannot sign %s", arg,
                            jwt_alg_name(c->login.signing_alg));
    /* a secrets file only ever holds HMAC secrets: any other alg fails every login */
    if (c->login.signing_alg_set && c->login.signing_secrets &&
        !(JWT_ALGSET(c->login.signing_alg) & JWT_ALGSET_HMAC))
        return apr_psprintf(cmd->pool, "AuthJWTSigningKey %s: a secrets file signs with "
                            "HS256, HS384 or HS512, not %s", arg,
                            jwt_alg_name(c->login.signing_alg));
    if ((msg = secrets_signer_fits(cmd, c)))
        return msg;
    return NULL;
}

const char *jwt_cmd_signing_alg(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    jwt_err_t err;

    jwt_err_clear(&err);
    if (jwt_alg_from_name(arg, &c->login.signing_alg, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTSigningAlgorithm: %s", err.message);
    c->login.signing_alg_set = 1;
    if (c->login.signing_key && !(c->login.signing_key->algs & JWT_ALGSET(c->login.signing_alg)))
        return apr_psprintf(cmd->pool, "AuthJWTSigningAlgorithm %s: the signing key of this "
                            "section cannot sign %s", arg, arg);
    if (c->login.signing_secrets && !(JWT_ALGSET(c->login.signing_alg) & JWT_ALGSET_HMAC))
        return apr_psprintf(cmd->pool, "AuthJWTSigningAlgorithm %s: the signing key of this "
                            "section is a secrets file: use HS256, HS384 or HS512", arg);
    return secrets_signer_fits(cmd, c);
}

const char *jwt_cmd_token_lifetime(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    const char *msg = jwt_parse_seconds(cmd, arg, 1, 30 * 86400, &c->login.lifetime);
    if (msg)
        return msg;
    c->login.lifetime_set = 1;
    return NULL;
}

const char *jwt_cmd_group_file(cmd_parms *cmd, void *mconfig, const char *arg)
{
    jwt_dir_conf_t *c = mconfig;
    const char *path, *msg;
    apr_finfo_t fi;

    if ((msg = jwt_resolve_path(cmd, arg, &path)))
        return msg;
    if (apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
        fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "AuthJWTGroupFile %s: not a readable file", path);
    c->login.group_file = path;
    c->login.group_file_set = 1;
    return NULL;
}

#define DELIVERY_USAGE "AuthJWTDelivery: expected 'json' or 'cookie NAME [prefix=off] [encrypt]'"

/* AuthJWTDelivery json | cookie NAME [prefix=off] [encrypt] */
const char *jwt_cmd_delivery_argv(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    jwt_dir_conf_t *c = mconfig;
    jwt_server_conf_t *sc = ap_get_module_config(cmd->server->module_config, &auth_jwt_module);
    const char *mode = argc > 0 ? argv[0] : "", *name = argc > 1 ? argv[1] : NULL;
    const char *opt = NULL;
    int encrypt = 0, i;

    if (argc < 1 || argc > 4)
        return DELIVERY_USAGE;
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "prefix=off") && !opt)
            opt = argv[i];
        else if (!strcmp(argv[i], "encrypt") && !encrypt)
            encrypt = 1;
        else
            return DELIVERY_USAGE;
    }
    if ((opt || encrypt) && ap_cstr_casecmp(mode, "cookie"))
        return DELIVERY_USAGE;
    c->login.encrypt = encrypt;
    if (!ap_cstr_casecmp(mode, "json") && !name) {
        c->login.delivery = JWT_DELIVER_JSON;
        c->login.cookie_name = NULL;
    }
    else if (!ap_cstr_casecmp(mode, "cookie") && name) {
        if (!jwt_is_http_token(name))
            return apr_psprintf(cmd->pool, "AuthJWTDelivery: '%s' is not a valid cookie name",
                                name);
        c->login.delivery = JWT_DELIVER_COOKIE;
        /* Secure, Path=/, no Domain: the __Host- prefix makes browsers refuse the same
         * name from a sibling host or over plain HTTP (login_guard.h) */
        c->login.cookie_name = jwt_login_cookie_name(cmd->pool, name, opt != NULL);
        /* for logout, and for AuthJWTTokenFrom cookie=NAME (jwt_token_cookie_name) */
        APR_ARRAY_PUSH(sc->cookie_names, const char *) = c->login.cookie_name;
    }
    else {
        return DELIVERY_USAGE;
    }
    c->login.delivery_set = 1;
    return NULL;
}

const char *jwt_cmd_delivery(cmd_parms *cmd, void *mconfig, const char *mode, const char *name,
                             const char *opt)
{
    char *argv[3];
    int argc = 0;

    argv[argc++] = (char *)mode;
    if (name)
        argv[argc++] = (char *)name;
    if (opt)
        argv[argc++] = (char *)opt;
    return jwt_cmd_delivery_argv(cmd, mconfig, argc, argv);
}
