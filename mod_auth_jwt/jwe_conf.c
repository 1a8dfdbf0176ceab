/* jwe_conf.c -- the JWE directives and their merge (jwe_conf.h). Keys are loaded here,
 * once, at config time: a bad key stops `apachectl configtest` with
 * "Syntax error on line N of FILE: AuthJWTDecryptionKey PATH: <reason>". */
#include "jwe_conf.h"

#include <string.h>
#include <apr_strings.h>
#include "http_core.h"

/* The section's struct, made on first use. */
static jwt_jwe_conf_t *slot(cmd_parms *cmd, void *dirconf)
{
    jwt_jwe_conf_t **pc = (jwt_jwe_conf_t **)((char *)dirconf + (size_t)cmd->info);

    if (!*pc)
        *pc = apr_pcalloc(cmd->pool, sizeof(**pc));
    return *pc;
}

#define JWE_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set || base->f##_set; \
    } while (0)

/* A nested section inherits what it does not set. Sections are never written after the
 * configuration is read, so a side that is absent lets the other be returned as is. */
jwt_jwe_conf_t *jwt_jwe_conf_merge(apr_pool_t *p, const jwt_jwe_conf_t *base,
                                   const jwt_jwe_conf_t *add)
{
    jwt_jwe_conf_t *c;

    if (!add)
        return (jwt_jwe_conf_t *)base;
    if (!base)
        return (jwt_jwe_conf_t *)add;
    c = apr_pcalloc(p, sizeof(*c));
    JWE_MERGE(ring);
    JWE_MERGE(mode);
    JWE_MERGE(algs);
    JWE_MERGE(encs);
    return c;
}

jwt_jwe_mode_t jwt_jwe_conf_mode(const jwt_jwe_conf_t *c)
{
    if (!c)
        return JWT_JWE_MODE_OFF;
    if (c->mode_set)
        return c->mode;
    return jwt_jwe_keyring_count(c->ring) > 0 ? JWT_JWE_MODE_OPTIONAL : JWT_JWE_MODE_OFF;
}

jwt_jwe_algset_t jwt_jwe_conf_algs(const jwt_jwe_conf_t *c)
{
    return c && c->algs_set ? c->algs : JWT_JWE_ALGSET_ALL;
}

jwt_jwe_encset_t jwt_jwe_conf_encs(const jwt_jwe_conf_t *c)
{
    return c && c->encs_set ? c->encs : JWT_JWE_ENCSET_ALL;
}

/* AuthJWTDecryptionKey FILE [kid=ID]. The first line in a section starts the section's
 * own keyring (a nested section replaces, not extends, what it inherits, as
 * AuthJWTKeyFile does). Only keys with a private part: the core refuses a public key
 * here (KEY_USAGE), and a JWKS member with "use":"sig" is skipped (one key, one job). */
const char *jwt_jwe_cmd_key(cmd_parms *cmd, void *dirconf, int argc, char *const argv[])
{
    jwt_jwe_conf_t *c = slot(cmd, dirconf);
    const char *path, *kid = NULL;
    jwt_err_t err;
    int count = 0, i;

    if (argc < 1)
        return "AuthJWTDecryptionKey: needs a FILE";
    if (!(path = ap_server_root_relative(cmd->pool, argv[0])))
        return apr_psprintf(cmd->pool, "AuthJWTDecryptionKey: invalid file path '%s'", argv[0]);
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "kid=", 4) == 0 && argv[i][4] != '\0' && !kid)
            kid = argv[i] + 4;
        else
            return apr_psprintf(cmd->pool, "AuthJWTDecryptionKey %s: unknown or repeated "
                                "option '%s' (expected kid=ID)", path, argv[i]);
    }
    if (!c->ring_set) {
        c->ring = jwt_jwe_keyring_make(cmd->pool);
        c->ring_set = 1;
    }
    jwt_err_clear(&err);
    if (jwt_jwe_keys_from_file(c->ring, path, kid, 0, &count, &err) != JWT_OK)
        return apr_psprintf(cmd->pool, "AuthJWTDecryptionKey %s: %s", path, err.message);
    if (count == 0)
        return apr_psprintf(cmd->pool, "AuthJWTDecryptionKey %s: the file holds no usable "
                            "decryption key", path);
    return NULL;
}

const char *jwt_jwe_cmd_mode(cmd_parms *cmd, void *dirconf, const char *arg)
{
    jwt_jwe_conf_t *c = slot(cmd, dirconf);

    if (!ap_cstr_casecmp(arg, "off"))
        c->mode = JWT_JWE_MODE_OFF;
    else if (!ap_cstr_casecmp(arg, "optional"))
        c->mode = JWT_JWE_MODE_OPTIONAL;
    else if (!ap_cstr_casecmp(arg, "required"))
        c->mode = JWT_JWE_MODE_REQUIRED;
    else
        return apr_psprintf(cmd->pool, "AuthJWTEncryption: '%s' is not off, optional or "
                            "required", arg);
    c->mode_set = 1;
    return NULL;
}

/* Both allow-lists; which one is told by the directive's name. */
const char *jwt_jwe_cmd_algs(cmd_parms *cmd, void *dirconf, const char *args)
{
    jwt_jwe_conf_t *c = slot(cmd, dirconf);
    int is_enc = !ap_cstr_casecmp(cmd->cmd->name, "AuthJWTContentEncryptionAlgorithms");
    unsigned int set = 0;
    jwt_err_t err;
    jwt_code_t rc;

    jwt_err_clear(&err);
    rc = is_enc ? jwt_jwe_encset_parse(args, &set, &err) : jwt_jwe_algset_parse(args, &set, &err);
    if (rc != JWT_OK)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err.message);
    if (set == 0)
        return apr_psprintf(cmd->pool, "%s: needs at least one algorithm name", cmd->cmd->name);
    if (is_enc) {
        c->encs = set;
        c->encs_set = 1;
    }
    else {
        c->algs = set;
        c->algs_set = 1;
    }
    return NULL;
}
