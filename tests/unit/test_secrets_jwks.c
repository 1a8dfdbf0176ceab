/* Unit tests of the secrets file as any RFC 7517 JWK Set of oct keys (issue 20): what a
 * plain JWKS may leave out (kid, alg, status, created) and the defaults that apply, key_ops,
 * the signing key choice, the exact message of every broken form, members of other tools
 * kept through a rewrite, and the writer's file details (issue 21): owner, group and mode
 * kept, a symlinked lock refused, a failed writer leaves no temp file. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include "jwt_secrets.h"
#include "test_suites.h"
#include "test_util.h"

/* 32, 48 and 64 bytes 00 01 02 ... in base64url */
#define K32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K48 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"
#define K64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define K31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"

#define HS256 JWT_ALGSET(JWT_ALG_HS256)
#define HS384 JWT_ALGSET(JWT_ALG_HS384)
#define HS512 JWT_ALGSET(JWT_ALG_HS512)

static const char *dir;

static void setup(void) { dir = tu_scratch_setup("jwt-secrets-jwks"); }
static void teardown(void) { tu_scratch_teardown(); }

static const char *spath(void) { return tu_scratch_path("secrets.jwks"); }

static int count_temp_files(void)
{
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL)
        n += strncmp(e->d_name, "secrets.jwks.tmp.", 17) == 0;
    closedir(dh);
    return n;
}

static jwt_secrets_t *load_ok(const char *text)
{
    tu_write_text(spath(), text);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    jwt_code_t rc = jwt_secrets_load(tp, spath(), &s, &err);
    ck_assert_msg(rc == JWT_OK, "load: %s", err.message);
    return s;
}

static const jwt_secret_t *at(const jwt_secrets_t *s, int i)
{
    ck_assert_int_lt(i, s->secrets->nelts);
    return &((const jwt_secret_t *)s->secrets->elts)[i];
}

/* ---------- what a plain JWKS may leave out ---------- */

START_TEST(one_plain_key_verifies_and_signs)
{
    jwt_secrets_t *s = load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
                               K32 "\"}]}");
    const jwt_secret_t *a = at(s, 0);
    ck_assert_int_eq(a->has_status, 0);
    ck_assert_int_eq(a->has_created, 0);
    /* the only key of a file with no "active" one is the signer */
    ck_assert_int_eq(a->status, JWT_SECRET_ACTIVE);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    jwt_key_t *k = NULL;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_OK);
    ck_assert_str_eq(k->kid, "a");
    ck_assert_uint_eq(k->algs, HS256);
}
END_TEST

START_TEST(three_keys_three_algs_none_signs)
{
    jwt_secrets_t *s = load_ok("{\"keys\":["
        "{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32 "\"},"
        "{\"kty\":\"oct\",\"kid\":\"b\",\"alg\":\"HS384\",\"k\":\"" K48 "\"},"
        "{\"kty\":\"oct\",\"kid\":\"c\",\"alg\":\"HS512\",\"k\":\"" K64 "\"}]}");
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 3);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "a")->algs, HS256);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "b")->algs, HS384);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "c")->algs, HS512);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(at(s, i)->status, JWT_SECRET_VERIFY);
        ck_assert_int_eq(jwt_keyring_find_kid(ring, at(s, i)->kid)->can_sign, 0);
    }
    /* three keys and none "active": nothing signs, and the message says what to do */
    jwt_key_t *k = NULL;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_ERR_NO_KEY);
    ck_assert_str_eq(err.message, apr_psprintf(tp, "secrets file %s: no key to sign with: 3 keys "
                     "and none marked \"status\":\"active\" (mark one \"active\")", spath()));
}
END_TEST

START_TEST(active_marked_among_plain_keys_signs)
{
    jwt_secrets_t *s = load_ok("{\"keys\":["
        "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"},"
        "{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"" K48 "\",\"status\":\"active\"}]}");
    jwt_key_t *k = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_OK);
    ck_assert_str_eq(k->kid, "b");
    ck_assert_uint_eq(k->algs, HS256 | HS384);
    ck_assert_int_eq(at(s, 0)->status, JWT_SECRET_VERIFY);
}
END_TEST

START_TEST(no_alg_means_what_the_length_allows)
{
    jwt_secrets_t *s = load_ok("{\"keys\":["
        "{\"kty\":\"oct\",\"kid\":\"k32\",\"k\":\"" K32 "\"},"
        "{\"kty\":\"oct\",\"kid\":\"k48\",\"k\":\"" K48 "\"},"
        "{\"kty\":\"oct\",\"kid\":\"k64\",\"k\":\"" K64 "\"}]}");
    ck_assert_int_eq(at(s, 0)->has_alg, 0);
    ck_assert_uint_eq(at(s, 0)->algs, HS256);
    ck_assert_uint_eq(at(s, 1)->algs, HS256 | HS384);
    ck_assert_uint_eq(at(s, 2)->algs, HS256 | HS384 | HS512);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "k32")->algs, HS256);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "k48")->algs, HS256 | HS384);
    ck_assert_uint_eq(jwt_keyring_find_kid(ring, "k64")->algs, HS256 | HS384 | HS512);
}
END_TEST

START_TEST(kidless_and_createdless_keys)
{
    jwt_secrets_t *s = load_ok("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K64 "\"},"
                               "{\"kty\":\"oct\",\"k\":\"" K32 "\",\"created\":5}]}");
    ck_assert_ptr_null(at(s, 0)->kid);
    ck_assert_str_eq(jwt_secret_label(tp, s, at(s, 1)), "key #1");
    ck_assert_int_eq(at(s, 1)->has_created, 1);
    ck_assert_int_eq(at(s, 1)->created, 5);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 2);
}
END_TEST

START_TEST(key_ops_limit_verify_and_sign)
{
    jwt_secrets_t *s = load_ok("{\"keys\":["
        "{\"kty\":\"oct\",\"kid\":\"sign-only\",\"k\":\"" K32 "\",\"key_ops\":[\"sign\"],"
        "\"status\":\"active\"},"
        "{\"kty\":\"oct\",\"kid\":\"verify-only\",\"k\":\"" K32 "\",\"key_ops\":[\"verify\"]},"
        "{\"kty\":\"oct\",\"kid\":\"encrypt\",\"k\":\"" K32 "\",\"key_ops\":[\"encrypt\"]},"
        "{\"kty\":\"oct\",\"kid\":\"both\",\"k\":\"" K32 "\",\"key_ops\":[\"verify\",\"sign\"]}]}");
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    /* key_ops without "verify": never in a keyring, so no token verifies with it */
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "sign-only"));
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "encrypt"));
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "verify-only"));
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "both"));
    ck_assert_int_eq(jwt_keyring_count(ring), 2);
    jwt_key_t *k = NULL;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_OK);
    ck_assert_str_eq(k->kid, "sign-only");
    ck_assert_int_eq(k->can_sign, 1);
    ck_assert_int_eq(k->can_verify, 0);

    /* the only key, no status, but key_ops without "sign": it verifies and never signs */
    s = load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"v\",\"k\":\"" K32 "\",\"key_ops\":"
                "[\"verify\"]}]}");
    ck_assert_int_eq(at(s, 0)->status, JWT_SECRET_VERIFY);
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_ERR_NO_KEY);
}
END_TEST

START_TEST(explicit_verify_only_key_never_signs)
{
    /* one key marked "verify" is the operator's word: it does not become the signer */
    jwt_secrets_t *s = load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"v\",\"k\":\"" K32
                               "\",\"status\":\"verify\"}]}");
    jwt_key_t *k = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_ERR_NO_KEY);
    s = load_ok("{\"keys\":[]}");
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &k, &err), JWT_ERR_NO_KEY);
    ck_assert_str_eq(err.message, apr_psprintf(tp, "secrets file %s: no key to sign with (the "
                     "file holds no key)", spath()));
}
END_TEST

START_TEST(foreign_members_accepted)
{
    jwt_secrets_t *s = load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\","
                               "\"use\":\"sig\",\"x-vault-id\":\"v/1\",\"x5u\":\"https://x\","
                               "\"ext\":{\"n\":[1,2]}}],\"x-exported\":\"2026-01-01\"}");
    ck_assert_str_eq(at(s, 0)->extra, ",\"x-vault-id\":\"v/1\",\"x5u\":\"https://x\","
                     "\"ext\":{\"n\":[1,2]}");
    ck_assert_str_eq(s->extra, ",\"x-exported\":\"2026-01-01\"");
}
END_TEST

/* ---------- broken forms: each with its exact message ---------- */

static const struct { const char *name; const char *text; jwt_code_t want; const char *msg; }
broken[] = {
    { "not JSON", "keys: []", JWT_ERR_JSON, NULL },
    { "not a JWKS", "{\"kty\":\"oct\",\"k\":\"" K32 "\"}", JWT_ERR_JSON,
      "secrets file %s: not a JWK Set (no \"keys\" array)" },
    { "keys not an array", "{\"keys\":{}}", JWT_ERR_JSON,
      "secrets file %s: not a JWK Set (no \"keys\" array)" },
    { "an RSA key", "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
      JWT_ERR_KEY_INVALID, "secrets file %s: kid r: \"kty\" is \"RSA\", a secrets file holds "
      "\"oct\" keys only" },
    { "no kty", "{\"keys\":[{\"k\":\"" K32 "\"}]}", JWT_ERR_KEY_INVALID,
      "secrets file %s: key #0: \"kty\" missing or not a string (a secrets file holds \"oct\" "
      "keys only)" },
    { "k not base64url", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "=\"}]}",
      JWT_ERR_BASE64, "secrets file %s: kid a: \"k\" is not strict base64url" },
    { "k standard base64", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"ab+/cd\"}]}",
      JWT_ERR_BASE64, "secrets file %s: kid a: \"k\" is not strict base64url" },
    { "k missing", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\"}]}", JWT_ERR_KEY_INVALID,
      "secrets file %s: kid a: \"k\" missing or not a string" },
    { "31 bytes, no alg", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K31 "\"}]}",
      JWT_ERR_KEY_WEAK, "secrets file %s: kid a: 31-byte secret is shorter than the 32 bytes "
      "HS256 needs" },
    { "48 bytes, HS512", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS512\",\"k\":\""
      K48 "\"}]}", JWT_ERR_KEY_WEAK, "secrets file %s: kid a: 48-byte secret is shorter than "
      "the 64 bytes HS512 needs" },
    { "duplicate kid", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"},"
      "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K48 "\"}]}", JWT_ERR_KEY_DUPLICATE_KID,
      "secrets file %s: kid a appears more than once" },
    { "unknown status", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32
      "\",\"status\":\"enabled\"}]}", JWT_ERR_KEY_INVALID, "secrets file %s: kid a: \"status\" "
      "must be \"active\", \"verify\" or \"retired\"" },
    { "two active", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\",\"status\":"
      "\"active\"},{\"kty\":\"oct\",\"k\":\"" K32 "\",\"status\":\"active\"}]}",
      JWT_ERR_KEY_INVALID, "secrets file %s: more than one active key (second: key #1)" },
    { "active but no sign", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32
      "\",\"key_ops\":[\"verify\"],\"status\":\"active\"}]}", JWT_ERR_KEY_USAGE,
      "secrets file %s: kid a: \"status\" is \"active\" but \"key_ops\" does not permit "
      "\"sign\"" },
    { "key_ops not array", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32
      "\",\"key_ops\":\"verify\"}]}", JWT_ERR_KEY_INVALID,
      "secrets file %s: kid a: \"key_ops\" is not an array" },
    { "key_ops repeated", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32
      "\",\"key_ops\":[\"verify\",\"verify\"]}]}", JWT_ERR_KEY_INVALID,
      "secrets file %s: kid a: \"key_ops\" repeats a value" },
    { "alg RS256", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"RS256\",\"k\":\"" K32
      "\"}]}", JWT_ERR_ALG_UNSUPPORTED, "secrets file %s: kid a: alg RS256 is not HS256, HS384 "
      "or HS512" },
    /* "use":"enc" is an encryption key now (test_secrets_enc.c); another use is refused */
    { "use wrap", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\",\"use\":\"wrap\"}]}",
      JWT_ERR_KEY_USAGE, "secrets file %s: kid a: \"use\" must be \"sig\"" },
    { "kid not a string", "{\"keys\":[{\"kty\":\"oct\",\"kid\":1,\"k\":\"" K32 "\"}]}",
      JWT_ERR_KEY_INVALID, "secrets file %s: key #0: \"kid\" is not a string" },
    { "created fraction", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32
      "\",\"created\":1.5}]}", JWT_ERR_KEY_INVALID, "secrets file %s: kid a: \"created\" must be "
      "a non-negative integer below 2^53" },
};

START_TEST(broken_form_exact_message)
{
    tu_write_text(spath(), broken[_i].text);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    jwt_code_t rc = jwt_secrets_load(tp, spath(), &s, &err);
    ck_assert_msg(rc == broken[_i].want, "%s: got %s, want %s (%s)", broken[_i].name,
                  jwt_code_name(rc), jwt_code_name(broken[_i].want), err.message);
    ck_assert_ptr_null(s);
    if (broken[_i].msg != NULL)
        ck_assert_str_eq(err.message, apr_psprintf(tp, broken[_i].msg, spath()));
    else
        ck_assert_msg(strlen(err.message) > 0, "%s: empty message", broken[_i].name);
    ck_assert_ptr_null(strstr(err.message, "AAECAwQFBgcICQoLDA0"));
}
END_TEST

/* ---------- rewriting a plain JWKS ---------- */

typedef struct { const char *kid; } add_baton_t;

static jwt_code_t edit_add_verify(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    add_baton_t *b = baton;
    return jwt_secrets_generate(p, s, b->kid, JWT_ALG_HS256, JWT_SECRET_VERIFY, 1764331200, NULL,
                                err);
}

static json_object *read_json(void)
{
    size_t len = 0;
    char *text = tu_slurp(spath(), &len);
    json_object *o = json_tokener_parse(text);
    ck_assert_ptr_nonnull(o);
    return o;
}

static json_object *member(json_object *o, const char *name)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, name, &v), "member %s missing", name);
    return v;
}

START_TEST(rewrite_keeps_foreign_members_and_adds_own)
{
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K64 "\",\"use\":\"sig\","
            "\"x-vault-id\":\"secret/data/jwt#a\",\"key_ops\":[\"sign\",\"verify\"]}],"
            "\"x-exported-by\":\"vault\"}");
    add_baton_t b = { "new" };
    jwt_err_t err;
    time_t before = time(NULL);
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add_verify, &b, NULL, &err),
                   JWT_OK);
    json_object *root = read_json();
    ck_assert_str_eq(json_object_get_string(member(root, "x-exported-by")), "vault");
    json_object *keys = member(root, "keys");
    ck_assert_uint_eq(json_object_array_length(keys), 2);
    json_object *a = json_object_array_get_idx(keys, 0);
    ck_assert_str_eq(json_object_get_string(member(a, "kid")), "a");
    ck_assert_str_eq(json_object_get_string(member(a, "k")), K64);
    ck_assert_str_eq(json_object_get_string(member(a, "use")), "sig");
    ck_assert_str_eq(json_object_get_string(member(a, "x-vault-id")), "secret/data/jwt#a");
    json_object *ops = member(a, "key_ops");
    ck_assert_uint_eq(json_object_array_length(ops), 2);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(ops, 0)), "sign");
    /* the default signer is written "active" so that it keeps signing with two keys */
    ck_assert_str_eq(json_object_get_string(member(a, "status")), "active");
    int64_t created = json_object_get_int64(member(a, "created"));
    ck_assert_int_ge(created, (int64_t)before);
    ck_assert_int_le(created, (int64_t)time(NULL));
    /* no alg was given: none is added (it would narrow what the key verifies) */
    ck_assert_int_eq(json_object_object_get_ex(a, "alg", NULL), 0);
    json_object_put(root);

    /* and the rewritten file loads back to the same meaning */
    jwt_secrets_t *s = NULL;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(at(s, 0)->status, JWT_SECRET_ACTIVE);
    ck_assert_uint_eq(at(s, 0)->algs, HS256 | HS384 | HS512);
    ck_assert_int_eq(at(s, 1)->status, JWT_SECRET_VERIFY);
}
END_TEST

START_TEST(rewrite_of_plain_keys_writes_verify_and_kidless)
{
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K32 "\"},{\"kty\":\"oct\",\"kid\":\"b\","
            "\"alg\":\"HS384\",\"k\":\"" K48 "\",\"created\":7}]}");
    add_baton_t b = { "c" };
    jwt_err_t err;
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add_verify, &b, NULL, &err),
                   JWT_OK);
    json_object *root = read_json();
    json_object *keys = member(root, "keys");
    json_object *k0 = json_object_array_get_idx(keys, 0), *k1 = json_object_array_get_idx(keys, 1);
    ck_assert_int_eq(json_object_object_get_ex(k0, "kid", NULL), 0);
    ck_assert_str_eq(json_object_get_string(member(k0, "status")), "verify");
    ck_assert_str_eq(json_object_get_string(member(k1, "alg")), "HS384");
    ck_assert_int_eq(json_object_get_int64(member(k1, "created")), 7);
    json_object_put(root);
}
END_TEST

/* ---------- the writer's file details ---------- */

START_TEST(rewrite_keeps_owner_group_and_mode)
{
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"}]}");
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (geteuid() == 0) {
        /* as root (the suite's normal case): the httpd user's owner and group */
        struct passwd *pw = getpwnam("www-data");
        struct group *gr = getgrnam("www-data");
        ck_assert_msg(pw != NULL && gr != NULL, "no www-data user/group on this machine");
        uid = pw->pw_uid;
        gid = gr->gr_gid;
        ck_assert_int_eq(chown(spath(), uid, gid), 0);
    }
    ck_assert_int_eq(chmod(spath(), 0640), 0);
    add_baton_t b = { "n" };
    jwt_err_t err;
    /* mode 0600 is for a new file: the existing one keeps 0640 */
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0600, edit_add_verify, &b, NULL, &err),
                   JWT_OK);
    struct stat st;
    ck_assert_int_eq(stat(spath(), &st), 0);
    ck_assert_uint_eq(st.st_uid, uid);
    ck_assert_uint_eq(st.st_gid, gid);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    ck_assert_int_eq(chmod(spath(), 0600), 0);
    b.kid = "m";
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add_verify, &b, NULL, &err),
                   JWT_OK);
    ck_assert_int_eq(stat(spath(), &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_uint_eq(st.st_uid, uid);
}
END_TEST

/* A file left readable by others is not kept so: the rewrite holds the new key. */
START_TEST(rewrite_drops_bits_for_others)
{
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"}]}");
    ck_assert_int_eq(chmod(spath(), 0664), 0);
    add_baton_t b = { "n" };
    jwt_err_t err;
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0600, edit_add_verify, &b, NULL, &err),
                   JWT_OK);
    struct stat st;
    ck_assert_int_eq(stat(spath(), &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0660);
}
END_TEST

START_TEST(symlinked_lock_refused)
{
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"}]}");
    const char *victim = apr_pstrcat(tp, dir, "/victim", NULL);
    const char *lock = apr_pstrcat(tp, spath(), ".lock", NULL);
    ck_assert_int_eq(symlink(victim, lock), 0);
    add_baton_t b = { "n" };
    jwt_err_t err;
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add_verify, &b, NULL, &err),
                   JWT_ERR_IO);
    ck_assert_str_eq(err.message, apr_psprintf(tp, "secrets lock %s is a symbolic link: refused",
                                               lock));
    /* the link's target was not created, the file not changed */
    ck_assert_int_eq(access(victim, F_OK), -1);
    jwt_secrets_t *s = NULL;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, 1);
}
END_TEST

START_TEST(failed_writer_removes_its_temp_file)
{
    size_t len0 = 0, len1 = 0;
    load_ok("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K32 "\"}]}");
    char *before = tu_slurp(spath(), &len0);
    const char *path = spath();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* a file-size limit below the new file's size: write() fails with EFBIG mid-file */
        struct rlimit rl = { 40, 40 };
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(3);
        apr_pool_t *cp;
        apr_pool_create(&cp, NULL);
        add_baton_t b = { "n" };
        jwt_err_t e;
        jwt_code_t rc = jwt_secrets_update(cp, path, NULL, 0640, edit_add_verify, &b, NULL, &e);
        _exit(rc == JWT_ERR_IO && strstr(e.message, "write failed") != NULL ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer status %d", status);
    ck_assert_int_eq(count_temp_files(), 0);
    char *after = tu_slurp(spath(), &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert_int_eq(memcmp(before, after, len0), 0);
}
END_TEST

Suite *suite_secrets_jwks(void)
{
    Suite *s = suite_create("secrets-jwks");
    TCase *tc = tcase_create("plain");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, one_plain_key_verifies_and_signs);
    tcase_add_test(tc, three_keys_three_algs_none_signs);
    tcase_add_test(tc, active_marked_among_plain_keys_signs);
    tcase_add_test(tc, no_alg_means_what_the_length_allows);
    tcase_add_test(tc, kidless_and_createdless_keys);
    tcase_add_test(tc, key_ops_limit_verify_and_sign);
    tcase_add_test(tc, explicit_verify_only_key_never_signs);
    tcase_add_test(tc, foreign_members_accepted);
    tcase_add_loop_test(tc, broken_form_exact_message, 0, (int)(sizeof(broken) / sizeof(broken[0])));
    suite_add_tcase(s, tc);

    tc = tcase_create("rewrite");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rewrite_keeps_foreign_members_and_adds_own);
    tcase_add_test(tc, rewrite_of_plain_keys_writes_verify_and_kidless);
    tcase_add_test(tc, rewrite_keeps_owner_group_and_mode);
    tcase_add_test(tc, rewrite_drops_bits_for_others);
    tcase_add_test(tc, symlinked_lock_refused);
    tcase_add_test(tc, failed_writer_removes_its_temp_file);
    suite_add_tcase(s, tc);
    return s;
}
