/* jwt-cli-jwe.c -- the JWE subcommands of jwt-cli, over jwt_jwe.h:
 *
 *   jwt-cli encrypt --key FILE|secret:FILE --alg ALG --enc ENC [--cty CTY] [--kid KID]
 *                   PLAINTEXT|-
 *   jwt-cli decrypt --key FILE|secret:FILE [--key ...] [--algs "RSA-OAEP ..."]
 *                   [--encs "A256GCM ..."] TOKEN|-
 *
 * encrypt prints the compact JWE. --key may be a public key (a recipient) or, with
 * secret:FILE, the raw bytes of FILE as a shared key. decrypt prints one JSON object:
 * {"alg","enc","kid","cty","symmetric","plaintext"}. Exit status as jwt-cli: 0 success,
 * 1 the core refused ("<code_name>: <message>" on stderr), 2 usage / local I/O.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "jwt_jwe.h"
#include "jwt_json.h"
#include "jwt-cli-jwe.h"

#define JWE_CLI_MAX_INPUT (256 * 1024)
#define SECRET_PREFIX "secret:"

typedef struct {
    apr_array_header_t *keys;
    const char *alg, *enc, *cty, *kid, *algs, *encs, *input;
} jwe_opts_t;

static int usage_err(const char *what, const char *arg)
{
    fprintf(stderr, "jwt-cli: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int core_err(const jwt_err_t *e)
{
    fprintf(stderr, "%s: %s\n", jwt_code_name(e->code), e->message);
    return 1;
}

static int slurp(apr_pool_t *p, FILE *f, const char *what, char **out, size_t *len)
{
    char *buf = apr_palloc(p, JWE_CLI_MAX_INPUT + 2);
    size_t n = fread(buf, 1, JWE_CLI_MAX_INPUT + 1, f);
    if (ferror(f) || n > JWE_CLI_MAX_INPUT)
        return usage_err("cannot read (or too large)", what);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int input_of(apr_pool_t *p, const char *arg, int trim, const char **out, size_t *len)
{
    if (arg == NULL)
        return usage_err("missing input argument", NULL);
    if (strcmp(arg, "-") != 0) {
        *out = arg;
        *len = strlen(arg);
        return 0;
    }
    char *buf;
    int rc = slurp(p, stdin, "stdin", &buf, len);
    while (rc == 0 && trim && *len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
        buf[--*len] = '\0';
    *out = buf;
    return rc;
}

static int load_keys(apr_pool_t *p, const jwe_opts_t *o, int allow_public, jwt_jwe_keyring_t **out)
{
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(p);
    jwt_err_t e;
    jwt_err_clear(&e);
    if (o->keys->nelts == 0)
        return usage_err("at least one --key is required", NULL);
    for (int i = 0; i < o->keys->nelts; i++) {
        const char *arg = APR_ARRAY_IDX(o->keys, i, const char *);
        if (strncmp(arg, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0) {
            const char *path = arg + strlen(SECRET_PREFIX);
            FILE *f = fopen(path, "rb");
            char *bytes;
            size_t n;
            jwt_jwe_key_t *k;
            if (f == NULL)
                return usage_err("cannot open", path);
            int rc = slurp(p, f, path, &bytes, &n);
            fclose(f);
            if (rc != 0)
                return rc;
            if (jwt_jwe_key_from_secret(p, (unsigned char *)bytes, n, o->kid, arg, &k, &e) != JWT_OK
                || jwt_jwe_keyring_add(ring, k, &e) != JWT_OK)
                return core_err(&e);
        } else if (jwt_jwe_keys_from_file(ring, arg, o->keys->nelts == 1 ? o->kid : NULL,
                                          allow_public, NULL, &e) != JWT_OK) {
            return core_err(&e);
        }
    }
    *out = ring;
    return 0;
}

static int cmd_encrypt(apr_pool_t *p, const jwe_opts_t *o)
{
    jwt_jwe_alg_t alg;
    jwt_jwe_enc_t enc;
    jwt_err_t e;
    jwt_jwe_keyring_t *ring;
    const char *pt;
    size_t len;
    char *tok;
    int rc;
    if (o->alg == NULL || o->enc == NULL)
        return usage_err("encrypt needs --alg and --enc", NULL);
    if (jwt_jwe_alg_from_name(o->alg, &alg, &e) != JWT_OK || jwt_jwe_enc_from_name(o->enc, &enc, &e) != JWT_OK)
        return core_err(&e);
    if ((rc = load_keys(p, o, 1, &ring)) != 0 || (rc = input_of(p, o->input, 0, &pt, &len)) != 0)
        return rc;
    if (jwt_jwe_encrypt(p, (const unsigned char *)pt, len, APR_ARRAY_IDX(ring->keys, 0, jwt_jwe_key_t *),
                        alg, enc, o->cty, &tok, &e) != JWT_OK)
        return core_err(&e);
    printf("%s\n", tok);
    return 0;
}

static int cmd_decrypt(apr_pool_t *p, const jwe_opts_t *o)
{
    jwt_jwe_algset_t algs = JWT_JWE_ALGSET_ALL;
    jwt_jwe_encset_t encs = JWT_JWE_ENCSET_ALL;
    jwt_jwe_keyring_t *ring;
    jwt_jwe_t *j;
    jwt_err_t e;
    const char *tok;
    size_t len;
    int rc;
    if ((o->algs && jwt_jwe_algset_parse(o->algs, &algs, &e) != JWT_OK)
        || (o->encs && jwt_jwe_encset_parse(o->encs, &encs, &e) != JWT_OK))
        return core_err(&e);
    if ((rc = load_keys(p, o, 0, &ring)) != 0 || (rc = input_of(p, o->input, 1, &tok, &len)) != 0)
        return rc;
    if (jwt_jwe_decrypt(p, tok, len, ring, algs, encs, NULL, &j, &e) != JWT_OK)
        return core_err(&e);
    json_object *out = jwt_json_pool_own(p, json_object_new_object());
    json_object_object_add(out, "alg", json_object_new_string(jwt_jwe_alg_name(j->alg)));
    json_object_object_add(out, "enc", json_object_new_string(jwt_jwe_enc_name(j->enc)));
    if (j->kid)
        json_object_object_add(out, "kid", json_object_new_string(j->kid));
    if (j->cty)
        json_object_object_add(out, "cty", json_object_new_string(j->cty));
    json_object_object_add(out, "symmetric", json_object_new_boolean(j->symmetric));
    json_object_object_add(out, "nested", json_object_new_boolean(jwt_jwe_is_nested(j)));
    json_object_object_add(out, "plaintext",
                           json_object_new_string_len((const char *)j->plaintext, (int)j->plaintext_len));
    printf("%s\n", jwt_json_to_string(p, out));
    return 0;
}

int jwt_cli_jwe(apr_pool_t *p, int argc, char **argv)
{
    jwe_opts_t o;
    memset(&o, 0, sizeof(o));
    o.keys = apr_array_make(p, 2, sizeof(const char *));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], **slot = NULL;
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o.input != NULL)
                return usage_err("unexpected argument", a);
            o.input = a;
            continue;
        }
        if (i + 1 >= argc)
            return usage_err("missing value for", a);
        if (strcmp(a, "--key") == 0) {
            APR_ARRAY_PUSH(o.keys, const char *) = argv[++i];
            continue;
        }
        slot = strcmp(a, "--alg") == 0 ? &o.alg : strcmp(a, "--enc") == 0 ? &o.enc
             : strcmp(a, "--cty") == 0 ? &o.cty : strcmp(a, "--kid") == 0 ? &o.kid
             : strcmp(a, "--algs") == 0 ? &o.algs : strcmp(a, "--encs") == 0 ? &o.encs : NULL;
        if (slot == NULL)
            return usage_err("unknown option", a);
        *slot = argv[++i];
    }
    return strcmp(argv[1], "encrypt") == 0 ? cmd_encrypt(p, &o) : cmd_decrypt(p, &o);
}
