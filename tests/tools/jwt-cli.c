/* jwt-cli.c -- a small command line over the JOSE core, for tests and the demo.
 *
 *   jwt-cli sign   --key FILE --alg ALG [--kid KID] [--typ TYP] --claims JSON
 *   jwt-cli verify --key FILE [--key FILE2 ...] [--algs "RS256 ES256"] [--iss X]...
 *                  [--aud Y]... [--typ T] [--require "exp,sub"] [--leeway N]
 *                  [--now EPOCH] [--no-claims] TOKEN
 *   jwt-cli jwk    --key FILE [--key FILE2 ...]
 *   jwt-cli decode TOKEN
 *   jwt-cli encrypt / decrypt ...   (JWE: see jwt-cli-jwe.c)
 *
 * --key takes anything jwt_keys_from_file accepts (PEM public/private key, certificate,
 * JWK, JWKS) or "secret:FILE" for an HMAC secret made of the raw bytes of FILE (no
 * trimming: a trailing newline is part of the secret). TOKEN and --claims may be "-"
 * for stdin. Every input is bounded before it is used.
 *
 * Exit status: 0 success; 1 the core refused (stderr: "<code_name>: <message>");
 * 2 usage or local I/O error (stderr: "jwt-cli: ...").
 *
 * The CLI deliberately does nothing the core does not: it only wires files and flags
 * to the public API, so what the tests observe is the core's behaviour.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <json-c/json.h>

#include "jwt_alg.h"
#include "jwt_claims.h"
#include "jwt_err.h"
#include "jwt_json.h"
#include "jwt_jws.h"
#include "jwt_key.h"
#include "jwt-cli-jwe.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* Caps for what we read ourselves (key files are capped by the core). A token over
 * the core's own cap is still read whole so the core reports too_large itself. */
#define MAX_TOKEN_INPUT (256 * 1024)
#define MAX_CLAIMS_INPUT (JWT_JSON_DEFAULT_MAX_BYTES)
#define MAX_SECRET_INPUT 4096

#define SECRET_PREFIX "secret:"

typedef struct {
    apr_array_header_t *keys;      /* const char *: --key arguments, in order */
    const char *alg;
    const char *kid;
    const char *typ;
    const char *claims;
    const char *algs;
    apr_array_header_t *issuers;   /* const char * */
    apr_array_header_t *audiences; /* const char * */
    const char *require;
    const char *leeway;
    const char *now;
    int no_claims;
    const char *token;             /* the one positional argument */
} cli_opts_t;

static int usage(void)
{
    fputs("usage:\n"
          "  jwt-cli sign   --key FILE --alg ALG [--kid KID] [--typ TYP] --claims JSON|-\n"
          "  jwt-cli verify --key FILE [--key FILE...] [--algs \"RS256 ES256\"] [--iss X]...\n"
          "                 [--aud Y]... [--typ T] [--require \"exp,sub\"] [--leeway N]\n"
          "                 [--now EPOCH] [--no-claims] TOKEN|-\n"
          "  jwt-cli jwk    --key FILE [--key FILE...]\n"
          "  jwt-cli decode TOKEN|-\n"
          "  jwt-cli encrypt --key FILE|secret:FILE --alg ALG --enc ENC [--cty CTY] [--kid KID] TEXT|-\n"
          "  jwt-cli decrypt --key FILE|secret:FILE [--key ...] [--algs L] [--encs L] TOKEN|-\n"
          "--key FILE: PEM key or certificate, JWK or JWKS; secret:FILE = raw HMAC secret bytes\n",
          stderr);
    return EXIT_USAGE;
}

static int fail_usage(const char *what, const char *arg)
{
    fprintf(stderr, "jwt-cli: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

/* The one way the core's refusals are reported: tests match "<code_name>: ". */
static int fail_core(const jwt_err_t *err)
{
    fprintf(stderr, "%s: %s\n", jwt_code_name(err->code), err->message);
    return EXIT_REFUSED;
}

/* --- input ------------------------------------------------------------------ */

/* Read a whole stream into pool memory, refusing more than cap bytes. */
static int read_stream(apr_pool_t *p, FILE *f, size_t cap, const char *what,
                       char **out, size_t *outlen)
{
    char *buf = apr_palloc(p, cap + 2);
    size_t n = fread(buf, 1, cap + 1, f);
    if (ferror(f))
        return fail_usage("cannot read", what);
    if (n > cap) {
        fprintf(stderr, "jwt-cli: %s is larger than %zu bytes\n", what, cap);
        return EXIT_USAGE;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return 0;
}

static int read_file(apr_pool_t *p, const char *path, size_t cap, char **out, size_t *outlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "jwt-cli: cannot open %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    int rc = read_stream(p, f, cap, path, out, outlen);
    fclose(f);
    return rc;
}

/* "-" reads stdin, where a trailing newline (from echo or a file) is not part of the
 * value; anything else is the value itself. */
static int read_arg_or_stdin(apr_pool_t *p, const char *arg, size_t cap, const char *what,
                             const char **out, size_t *outlen)
{
    if (strcmp(arg, "-") != 0) {
        size_t len = strlen(arg);
        if (len > cap) {
            fprintf(stderr, "jwt-cli: %s is larger than %zu bytes\n", what, cap);
            return EXIT_USAGE;
        }
        *out = arg;
        *outlen = len;
        return 0;
    }
    char *buf;
    size_t len;
    int rc = read_stream(p, stdin, cap, what, &buf, &len);
    if (rc != 0)
        return rc;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

static int parse_int64(const char *s, const char *flag, int64_t min, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min)
        return fail_usage("bad number for", flag);
    *out = (int64_t)v;
    return 0;
}

/* --- keys -------------------------------------------------------------------- */

/* Load one --key argument into ring; *added gets how many keys it contributed. */
static int load_key_arg(apr_pool_t *p, jwt_keyring_t *ring, const char *arg,
                        const char *kid, int *added)
{
    jwt_err_t err;
    jwt_err_clear(&err);
    if (strncmp(arg, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0) {
        const char *path = arg + strlen(SECRET_PREFIX);
        char *bytes;
        size_t len;
        int rc = read_file(p, path, MAX_SECRET_INPUT, &bytes, &len);
        if (rc != 0)
            return rc;
        jwt_key_t *key = NULL;
        if (jwt_key_from_secret(p, (const unsigned char *)bytes, len, kid,
                                apr_pstrcat(p, SECRET_PREFIX, path, NULL), &key, &err) != JWT_OK)
            return fail_core(&err);
        if (jwt_keyring_add(ring, key, &err) != JWT_OK)
            return fail_core(&err);
        *added = 1;
        return 0;
    }
    if (jwt_keys_from_file(ring, arg, kid, added, &err) != JWT_OK)
        return fail_core(&err);
    return 0;
}

static int load_all_keys(apr_pool_t *p, const cli_opts_t *o, jwt_keyring_t **out)
{
    if (o->keys->nelts == 0)
        return fail_usage("at least one --key is required", NULL);
    jwt_keyring_t *ring = jwt_keyring_make(p);
    for (int i = 0; i < o->keys->nelts; i++) {
        int added = 0;
        int rc = load_key_arg(p, ring, APR_ARRAY_IDX(o->keys, i, const char *), NULL, &added);
        if (rc != 0)
            return rc;
    }
    *out = ring;
    return 0;
}

/* The signing key: with --kid and a single-key file, the kid is given to that key
 * (jwt_keys_from_file's kid_override); with a set, --kid selects a key from it. */
static int load_signing_key(apr_pool_t *p, const cli_opts_t *o, jwt_alg_t alg,
                            const jwt_key_t **out)
{
    if (o->keys->nelts != 1)
        return fail_usage("sign takes exactly one --key", NULL);
    const char *arg = APR_ARRAY_IDX(o->keys, 0, const char *);
    jwt_keyring_t *ring = jwt_keyring_make(p);
    int added = 0;
    int rc = load_key_arg(p, ring, arg, NULL, &added);
    if (rc != 0)
        return rc;
    int n = jwt_keyring_count(ring);
    jwt_key_t *key = NULL;
    if (n == 1) {
        key = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
        if (o->kid != NULL)
            key->kid = apr_pstrdup(p, o->kid);   /* our own pool copy of the key */
    } else if (o->kid != NULL) {
        key = (jwt_key_t *)jwt_keyring_find_kid(ring, o->kid);
        if (key == NULL)
            return fail_usage("no key with that kid in", arg);
    } else {
        for (int i = 0; i < n && key == NULL; i++) {
            jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, jwt_key_t *);
            if (k->can_sign && (k->algs & JWT_ALGSET(alg)))
                key = k;
        }
        if (key == NULL)
            return fail_usage("no private key for that alg in", arg);
    }
    *out = key;
    return 0;
}

/* --- subcommands ------------------------------------------------------------- */

static int cmd_sign(apr_pool_t *p, const cli_opts_t *o)
{
    if (o->alg == NULL || o->claims == NULL)
        return fail_usage("sign needs --alg and --claims", NULL);
    jwt_err_t err;
    jwt_err_clear(&err);
    jwt_alg_t alg;
    if (jwt_alg_from_name(o->alg, &alg, &err) != JWT_OK)
        return fail_core(&err);

    const char *claims;
    size_t claims_len;
    int rc = read_arg_or_stdin(p, o->claims, MAX_CLAIMS_INPUT, "claims", &claims, &claims_len);
    if (rc != 0)
        return rc;
    json_object *payload = NULL;
    if (jwt_json_parse_object(p, claims, claims_len, NULL, &payload, &err) != JWT_OK)
        return fail_core(&err);

    const jwt_key_t *key = NULL;
    rc = load_signing_key(p, o, alg, &key);
    if (rc != 0)
        return rc;
    char *token = NULL;
    if (jwt_sign_compact(p, alg, key, o->typ, payload, &token, &err) != JWT_OK)
        return fail_core(&err);
    printf("%s\n", token);
    return 0;
}

static int read_token(apr_pool_t *p, const cli_opts_t *o, jwt_token_t **out)
{
    if (o->token == NULL)
        return fail_usage("missing TOKEN", NULL);
    const char *token;
    size_t len;
    int rc = read_arg_or_stdin(p, o->token, MAX_TOKEN_INPUT, "token", &token, &len);
    if (rc != 0)
        return rc;
    jwt_err_t err;
    jwt_err_clear(&err);
    if (jwt_token_parse(p, token, len, NULL, out, &err) != JWT_OK)
        return fail_core(&err);
    return 0;
}

/* Claims policy from the flags; the core's defaults (leeway 60, required exp) unless
 * overridden. */
static int build_policy(apr_pool_t *p, const cli_opts_t *o, jwt_claims_policy_t *pol)
{
    jwt_claims_policy_init(p, pol);
    int rc;
    if (o->now != NULL && (rc = parse_int64(o->now, "--now", 0, &pol->now)) != 0)
        return rc;
    if (o->leeway != NULL && (rc = parse_int64(o->leeway, "--leeway", 0, &pol->leeway)) != 0)
        return rc;
    pol->issuers = o->issuers;
    pol->audiences = o->audiences;
    pol->typ = o->typ;
    if (o->require != NULL) {
        /* "" means nothing required; otherwise a comma/space separated list */
        apr_array_header_t *req = apr_array_make(p, 4, sizeof(const char *));
        char *list = apr_pstrdup(p, o->require);
        char *state = NULL;
        for (char *w = apr_strtok(list, ", ", &state); w != NULL;
             w = apr_strtok(NULL, ", ", &state))
            APR_ARRAY_PUSH(req, const char *) = w;
        pol->required = req;
    }
    return 0;
}

static int cmd_verify(apr_pool_t *p, const cli_opts_t *o)
{
    jwt_err_t err;
    jwt_err_clear(&err);
    jwt_algset_t allowed = JWT_ALGSET_ALL;
    if (o->algs != NULL && jwt_algset_parse(o->algs, &allowed, &err) != JWT_OK)
        return fail_core(&err);
    jwt_claims_policy_t pol;
    int rc = build_policy(p, o, &pol);
    if (rc != 0)
        return rc;
    jwt_keyring_t *ring = NULL;
    if ((rc = load_all_keys(p, o, &ring)) != 0)
        return rc;
    jwt_token_t *t = NULL;
    if ((rc = read_token(p, o, &t)) != 0)
        return rc;
    const jwt_key_t *used = NULL;
    if (jwt_token_verify(t, ring, allowed, &used, &err) != JWT_OK)
        return fail_core(&err);
    if (!o->no_claims && jwt_claims_validate(t, &pol, &err) != JWT_OK)
        return fail_core(&err);
    printf("%s\n", t->payload_json);
    return 0;
}

static int cmd_jwk(apr_pool_t *p, const cli_opts_t *o)
{
    jwt_keyring_t *ring = NULL;
    int rc = load_all_keys(p, o, &ring);
    if (rc != 0)
        return rc;
    jwt_err_t err;
    jwt_err_clear(&err);
    int n = jwt_keyring_count(ring);
    if (n == 0)
        return fail_usage("no usable key found", NULL);
    json_object *jwks = jwt_json_pool_own(p, json_object_new_object());
    json_object *arr = json_object_new_array();
    json_object_object_add(jwks, "keys", arr);
    json_object *single = NULL;
    for (int i = 0; i < n; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        json_object *jwk = NULL;
        if (jwt_key_public_jwk(p, k, &jwk, &err) != JWT_OK)
            return fail_core(&err);
        /* jwk belongs to p; the array takes its own reference. */
        json_object_array_add(arr, json_object_get(jwk));
        single = jwk;
    }
    /* One key prints as a JWK (what jose's importJWK takes), several as a JWKS. */
    printf("%s\n", jwt_json_to_string(p, n == 1 ? single : jwks));
    return 0;
}

/* Header and payload, unverified, as one JSON object {"header":...,"payload":...}.
 * The parser has already checked both are JSON objects, so splicing them is valid. */
static int cmd_decode(apr_pool_t *p, const cli_opts_t *o)
{
    jwt_token_t *t = NULL;
    int rc = read_token(p, o, &t);
    if (rc != 0)
        return rc;
    printf("{\"header\":%s,\"payload\":%s}\n", t->header_json, t->payload_json);
    return 0;
}

/* --- arguments --------------------------------------------------------------- */

static int take_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc)
        return fail_usage("missing value for", argv[*i]);
    *out = argv[++*i];
    return 0;
}

static int parse_args(apr_pool_t *p, int argc, char **argv, cli_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->keys = apr_array_make(p, 4, sizeof(const char *));
    o->issuers = apr_array_make(p, 2, sizeof(const char *));
    o->audiences = apr_array_make(p, 2, sizeof(const char *));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int rc = 0;
        if (strcmp(a, "--no-claims") == 0) {
            o->no_claims = 1;
            continue;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->token != NULL)
                return fail_usage("unexpected argument", a);
            o->token = a;
            continue;
        }
        if ((rc = take_value(argc, argv, &i, &v)) != 0)
            return rc;
        if (strcmp(a, "--key") == 0)
            APR_ARRAY_PUSH(o->keys, const char *) = v;
        else if (strcmp(a, "--iss") == 0)
            APR_ARRAY_PUSH(o->issuers, const char *) = v;
        else if (strcmp(a, "--aud") == 0)
            APR_ARRAY_PUSH(o->audiences, const char *) = v;
        else if (strcmp(a, "--alg") == 0)
            o->alg = v;
        else if (strcmp(a, "--kid") == 0)
            o->kid = v;
        else if (strcmp(a, "--typ") == 0)
            o->typ = v;
        else if (strcmp(a, "--claims") == 0)
            o->claims = v;
        else if (strcmp(a, "--algs") == 0)
            o->algs = v;
        else if (strcmp(a, "--require") == 0)
            o->require = v;
        else if (strcmp(a, "--leeway") == 0)
            o->leeway = v;
        else if (strcmp(a, "--now") == 0)
            o->now = v;
        else
            return fail_usage("unknown option", a);
    }
    return 0;
}

static int run(apr_pool_t *p, int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        (void)usage();
        return 0;
    }
    if (strcmp(cmd, "encrypt") == 0 || strcmp(cmd, "decrypt") == 0)
        return jwt_cli_jwe(p, argc, argv);
    cli_opts_t o;
    int rc = parse_args(p, argc, argv, &o);
    if (rc != 0)
        return rc;
    if (strcmp(cmd, "sign") == 0)
        return cmd_sign(p, &o);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(p, &o);
    if (strcmp(cmd, "jwk") == 0)
        return cmd_jwk(p, &o);
    if (strcmp(cmd, "decode") == 0)
        return cmd_decode(p, &o);
    fprintf(stderr, "jwt-cli: unknown command %s\n", cmd);
    return usage();
}

int main(int argc, char **argv)
{
    if (apr_initialize() != APR_SUCCESS) {
        fputs("jwt-cli: apr_initialize failed\n", stderr);
        return EXIT_USAGE;
    }
    apr_pool_t *p = NULL;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fputs("jwt-cli: cannot create a memory pool\n", stderr);
        apr_terminate();
        return EXIT_USAGE;
    }
    int rc = run(p, argc, argv);
    if (fflush(stdout) != 0 && rc == 0) {
        fputs("jwt-cli: cannot write output\n", stderr);
        rc = EXIT_USAGE;
    }
    /* Destroying the pool runs the core's cleanups (EVP_PKEY_free, json_object_put). */
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
