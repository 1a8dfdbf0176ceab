/* Unit tests of jwt_secrets.c: strict load with exact error codes, keyring building,
 * round trips through jwt_secrets_update, version conflicts, atomicity (failing edits,
 * leftover temp files, a writer SIGKILLed mid-write, 20 concurrent writers). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include "jwt_secrets.h"
#include "test_suites.h"
#include "test_util.h"

/* 32, 48 and 64 bytes 00 01 02 ... in base64url */
#define K32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K48 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"
#define K64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define K31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"

/* A per-test scratch folder; removed (with everything in it) at teardown. */
static const char *dir;

static void setup(void) { dir = tu_scratch_setup("jwt-secrets-test"); }
static void teardown(void) { tu_scratch_teardown(); }

static const char *spath(void) { return tu_scratch_path("secrets.jwks"); }

static char *read_text(const char *path, size_t *len)
{
    return tu_slurp(path, len);
}

static int count_entries_with_prefix(const char *prefix)
{
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(dh);
    return n;
}

static const char *key_json(const char *kid, const char *alg, const char *k, const char *status)
{
    return apr_psprintf(tp, "{\"kty\":\"oct\",\"kid\":\"%s\",\"alg\":\"%s\",\"k\":\"%s\","
                        "\"use\":\"sig\",\"status\":\"%s\",\"created\":1764331200}",
                        kid, alg, k, status);
}

/* ---------- load ---------- */

START_TEST(missing_file_is_empty_set)
{
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, 0);
    ck_assert_str_eq(s->version, "");
}
END_TEST

START_TEST(load_valid_file)
{
    const char *text = apr_pstrcat(tp, "{\"keys\":[", key_json("a", "HS256", K32, "active"), ",",
                                   key_json("b", "HS384", K48, "verify"), ",",
                                   "{\"kty\":\"oct\",\"kid\":\"c\",\"alg\":\"HS512\",\"k\":\"" K64
                                   "\",\"status\":\"retired\",\"created\":0}]}", NULL);
    tu_write_text(spath(), text);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, 3);
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    ck_assert_str_eq(all[0].kid, "a");
    ck_assert_int_eq(all[0].alg, JWT_ALG_HS256);
    ck_assert_int_eq(all[0].status, JWT_SECRET_ACTIVE);
    ck_assert_int_eq(all[0].created, 1764331200);
    ck_assert_uint_eq(all[0].k_len, 32);
    for (unsigned i = 0; i < 32; i++) ck_assert_uint_eq(all[0].k[i], i);
    ck_assert_int_eq(all[1].alg, JWT_ALG_HS384);
    ck_assert_int_eq(all[1].status, JWT_SECRET_VERIFY);
    ck_assert_uint_eq(all[1].k_len, 48);
    ck_assert_int_eq(all[2].status, JWT_SECRET_RETIRED);
    ck_assert_int_eq(all[2].created, 0);
    ck_assert_uint_eq(all[2].k_len, 64);

    /* version = hex SHA-256 of exactly the file's bytes */
    unsigned char md[32];
    unsigned int mdlen = 0;
    ck_assert_int_eq(EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL), 1);
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    ck_assert_str_eq(s->version, hex);
}
END_TEST

/* Each bad file and the exact code it must produce. (What a plain JWKS may leave out, kid,
 * alg, status, created, and members of its own, is accepted: test_secrets_jwks.c.) */
static const struct { const char *name; const char *text; jwt_code_t want; } bad_files[] = {
    { "not json", "keys: []", JWT_ERR_JSON },
    { "trailing data", "{\"keys\":[]} x", JWT_ERR_JSON },
    { "top-level array", "[]", JWT_ERR_JSON },
    { "duplicate member", "{\"keys\":[],\"keys\":[]}", JWT_ERR_JSON_DUPLICATE },
    { "no keys", "{}", JWT_ERR_JSON },
    { "keys not array", "{\"keys\":{}}", JWT_ERR_JSON },
    { "key not object", "{\"keys\":[1]}", JWT_ERR_KEY_INVALID },
    { "empty kid", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "kid not string", "{\"keys\":[{\"kty\":\"oct\",\"kid\":7,\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "kid with newline", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\\nb\",\"alg\":\"HS256\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "duplicate kid", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1},{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\","
      "\"k\":\"" K32 "\",\"status\":\"verify\",\"created\":1}]}", JWT_ERR_KEY_DUPLICATE_KID },
    { "kty RSA", "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "no kty", "{\"keys\":[{\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "use enc with a JWS alg", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"use\":\"enc\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_USAGE },
    { "alg RS256", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"RS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_ALG_UNSUPPORTED },
    { "alg none", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"none\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_ALG_NONE },
    { "alg lowercase", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"hs256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_ALG_UNSUPPORTED },
    { "k missing", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\","
      "\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "k padded", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "=\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_BASE64 },
    { "k standard base64", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS512\",\"k\":\""
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw"
      "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_BASE64 },
    { "k 31 bytes HS256", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
      K31 "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_WEAK },
    { "k 32 bytes HS512", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS512\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_WEAK },
    { "k 48 bytes HS512", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS512\",\"k\":\""
      K48 "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_WEAK },
    { "status bogus", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"enabled\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "two active", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"" K32
      "\",\"status\":\"active\",\"created\":1},{\"kty\":\"oct\",\"kid\":\"b\",\"alg\":\"HS256\","
      "\"k\":\"" K32 "\",\"status\":\"active\",\"created\":1}]}", JWT_ERR_KEY_INVALID },
    { "created negative", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":-1}]}", JWT_ERR_KEY_INVALID },
    { "created fraction", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":1.5}]}", JWT_ERR_KEY_INVALID },
    { "created string", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":\"1\"}]}", JWT_ERR_KEY_INVALID },
    { "created 2^53", "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\""
      K32 "\",\"status\":\"active\",\"created\":9007199254740992}]}", JWT_ERR_KEY_INVALID },
};

START_TEST(load_refuses_bad_file)
{
    tu_write_text(spath(), bad_files[_i].text);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    jwt_code_t rc = jwt_secrets_load(tp, spath(), &s, &err);
    ck_assert_msg(rc == bad_files[_i].want, "%s: got %s, want %s (%s)", bad_files[_i].name,
                  jwt_code_name(rc), jwt_code_name(bad_files[_i].want), err.message);
    ck_assert_ptr_null(s);
    /* the message must never carry the secret material */
    ck_assert_ptr_null(strstr(err.message, "AAECAwQFBgcICQoLDA0"));
}
END_TEST

START_TEST(load_refuses_oversized_file)
{
    /* valid JSON just over the 1 MiB cap: the size check must fire before parsing */
    size_t n = 1024 * 1024 + 16;
    char *text = apr_palloc(tp, n + 1);
    memset(text, ' ', n);
    memcpy(text, "{\"keys\":[]}", 11);
    text[n] = '\0';
    tu_write_text(spath(), text);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_ERR_TOO_LARGE);
}
END_TEST

START_TEST(load_refuses_directory)
{
    const char *p = apr_pstrcat(tp, dir, "/sub", NULL);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, p, &s, &err), JWT_ERR_IO);
    rmdir(p);
}
END_TEST

/* ---------- keys ---------- */

static jwt_secrets_t *load_three(void)
{
    tu_write_text(spath(), apr_pstrcat(tp, "{\"keys\":[", key_json("act", "HS256", K64, "active"),
                                    ",", key_json("ver", "HS384", K48, "verify"), ",",
                                    key_json("ret", "HS256", K32, "retired"), "]}", NULL));
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    return s;
}

START_TEST(keyring_has_active_and_verify_only)
{
    jwt_secrets_t *s = load_three();
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 2);
    const jwt_key_t *act = jwt_keyring_find_kid(ring, "act");
    const jwt_key_t *ver = jwt_keyring_find_kid(ring, "ver");
    ck_assert_ptr_nonnull(act);
    ck_assert_ptr_nonnull(ver);
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "ret"));
    /* a 64-byte secret declared HS256 verifies HS256 only */
    ck_assert_uint_eq(act->algs, JWT_ALGSET(JWT_ALG_HS256));
    ck_assert_uint_eq(ver->algs, JWT_ALGSET(JWT_ALG_HS384));
    ck_assert_int_eq(act->can_sign, 1);
    ck_assert_int_eq(ver->can_sign, 0);
    ck_assert_str_eq(act->source, apr_pstrcat(tp, "secrets:", spath(), NULL));
    ck_assert_uint_eq(act->secret_len, 64);
}
END_TEST

START_TEST(active_key_found_or_no_key)
{
    jwt_secrets_t *s = load_three();
    jwt_key_t *key = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &key, &err), JWT_OK);
    ck_assert_str_eq(key->kid, "act");
    ck_assert_uint_eq(key->algs, JWT_ALGSET(JWT_ALG_HS256));
    jwt_secrets_find(s, "act")->status = JWT_SECRET_VERIFY;
    key = NULL;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &key, &err), JWT_ERR_NO_KEY);
    ck_assert_ptr_null(key);
}
END_TEST

START_TEST(fingerprint_is_short_sha256)
{
    jwt_secrets_t *s = load_three();
    const jwt_secret_t *ret = jwt_secrets_find(s, "ret");
    ck_assert_ptr_nonnull(ret);
    /* sha256(00 01 .. 1f) = 630dcd2966c43366... (computed independently with Python) */
    ck_assert_str_eq(jwt_secret_fingerprint(tp, ret), "630dcd2966c43366");
    ck_assert_ptr_null(jwt_secrets_find(s, "nope"));
    ck_assert_str_eq(jwt_secret_status_name(JWT_SECRET_VERIFY), "verify");
}
END_TEST

/* ---------- generate ---------- */

START_TEST(generate_lengths_and_randomness)
{
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    const jwt_secret_t *a = NULL, *b = NULL, *c = NULL;
    ck_assert_code(jwt_secrets_generate(tp, s, "a", JWT_ALG_HS256, JWT_SECRET_ACTIVE, 5, &a, &err),
                   JWT_OK);
    ck_assert_uint_eq(a->k_len, 32);
    ck_assert_int_eq(a->created, 5);
    ck_assert_code(jwt_secrets_generate(tp, s, "b", JWT_ALG_HS384, JWT_SECRET_VERIFY, 5, &b, &err),
                   JWT_OK);
    ck_assert_uint_eq(b->k_len, 48);
    ck_assert_code(jwt_secrets_generate(tp, s, "c", JWT_ALG_HS512, JWT_SECRET_VERIFY, 5, &c, &err),
                   JWT_OK);
    ck_assert_uint_eq(c->k_len, 64);
    a = jwt_secrets_find(s, "a");
    b = jwt_secrets_find(s, "b");
    ck_assert_int_ne(memcmp(a->k, b->k, 32), 0);
}
END_TEST

START_TEST(generate_refusals)
{
    jwt_secrets_t *s = load_three();
    jwt_err_t err;
    const jwt_secret_t *c = NULL;
    ck_assert_code(jwt_secrets_generate(tp, s, "act", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1, &c, &err),
                   JWT_ERR_KEY_DUPLICATE_KID);
    ck_assert_code(jwt_secrets_generate(tp, s, "new", JWT_ALG_HS256, JWT_SECRET_ACTIVE, 1, &c, &err),
                   JWT_ERR_ARG);
    ck_assert_code(jwt_secrets_generate(tp, s, "new", JWT_ALG_RS256, JWT_SECRET_VERIFY, 1, &c, &err),
                   JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_code(jwt_secrets_generate(tp, s, "", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1, &c, &err),
                   JWT_ERR_ARG);
    ck_assert_code(jwt_secrets_generate(tp, s, "a b", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1, &c, &err),
                   JWT_ERR_ARG);
    ck_assert_code(jwt_secrets_generate(tp, s, "<x>", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1, &c, &err),
                   JWT_ERR_ARG);
    ck_assert_code(jwt_secrets_generate(tp, s, "new", JWT_ALG_HS256, JWT_SECRET_VERIFY, -1, &c, &err),
                   JWT_ERR_ARG);
    ck_assert_int_eq(s->secrets->nelts, 3);
}
END_TEST

/* ---------- update ---------- */

typedef struct { const char *kid; jwt_alg_t alg; jwt_secret_status_t status; } gen_baton_t;

static jwt_code_t edit_generate(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    gen_baton_t *b = baton;
    return jwt_secrets_generate(p, s, b->kid, b->alg, b->status, 1764331200, NULL, err);
}

static jwt_code_t edit_fail(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    /* change the set, then refuse: nothing of the change may reach the file */
    jwt_secrets_generate(p, s, "zzz", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1, NULL, err);
    return JWT_ERR(err, JWT_ERR_ARG, "edit refused on purpose");
}

static jwt_code_t edit_two_active(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    jwt_secrets_find(s, "ver")->status = JWT_SECRET_ACTIVE;
    return JWT_OK;
}

static jwt_code_t edit_delete_first(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    memmove(&all[0], &all[1], sizeof(*all) * (size_t)(s->secrets->nelts - 1));
    s->secrets->nelts--;
    return JWT_OK;
}

START_TEST(update_round_trip)
{
    jwt_err_t err;
    const char *v1 = NULL, *v2 = NULL;
    gen_baton_t b1 = { "first", JWT_ALG_HS256, JWT_SECRET_ACTIVE };
    gen_baton_t b2 = { "second", JWT_ALG_HS512, JWT_SECRET_VERIFY };
    ck_assert_code(jwt_secrets_update(tp, spath(), "", 0640, edit_generate, &b1, &v1, &err), JWT_OK);
    ck_assert_code(jwt_secrets_update(tp, spath(), v1, 0600, edit_generate, &b2, &v2, &err), JWT_OK);
    ck_assert_str_ne(v1, v2);

    /* the mode argument applies to a new file; a rewrite keeps the file's own */
    struct stat st;
    ck_assert_int_eq(stat(spath(), &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0640);

    jwt_secrets_t *s = NULL;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_str_eq(s->version, v2);
    ck_assert_int_eq(s->secrets->nelts, 2);
    const jwt_secret_t *f = jwt_secrets_find(s, "first"), *sec = jwt_secrets_find(s, "second");
    ck_assert_int_eq(f->status, JWT_SECRET_ACTIVE);
    ck_assert_int_eq(f->alg, JWT_ALG_HS256);
    ck_assert_uint_eq(f->k_len, 32);
    ck_assert_int_eq(f->created, 1764331200);
    ck_assert_int_eq(sec->alg, JWT_ALG_HS512);
    ck_assert_uint_eq(sec->k_len, 64);

    /* deleting keeps the other key's bytes exactly */
    unsigned char keep[64];
    memcpy(keep, sec->k, 64);
    const char *v3 = NULL;
    ck_assert_code(jwt_secrets_update(tp, spath(), v2, 0640, edit_delete_first, NULL, &v3, &err),
                   JWT_OK);
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, 1);
    ck_assert_int_eq(memcmp(jwt_secrets_find(s, "second")->k, keep, 64), 0);
    ck_assert_int_eq(count_entries_with_prefix("secrets.jwks.tmp."), 0);
}
END_TEST

START_TEST(update_conflict_leaves_file)
{
    jwt_secrets_t *s = load_three();
    size_t len0 = 0, len1 = 0;
    char *before = read_text(spath(), &len0);
    jwt_err_t err;
    const char *stale = "0000000000000000000000000000000000000000000000000000000000000000";
    gen_baton_t b = { "n", JWT_ALG_HS256, JWT_SECRET_VERIFY };
    ck_assert_code(jwt_secrets_update(tp, spath(), stale, 0640, edit_generate, &b, NULL, &err),
                   JWT_ERR_CONFLICT);
    /* "" means "I saw no file": also a conflict once the file exists */
    ck_assert_code(jwt_secrets_update(tp, spath(), "", 0640, edit_generate, &b, NULL, &err),
                   JWT_ERR_CONFLICT);
    char *after = read_text(spath(), &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert_int_eq(memcmp(before, after, len0), 0);
    /* with the current version it goes through; NULL skips the check */
    ck_assert_code(jwt_secrets_update(tp, spath(), s->version, 0640, edit_generate, &b, NULL, &err),
                   JWT_OK);
    gen_baton_t b2 = { "m", JWT_ALG_HS256, JWT_SECRET_VERIFY };
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_generate, &b2, NULL, &err),
                   JWT_OK);
}
END_TEST

START_TEST(failing_edit_leaves_file_identical)
{
    load_three();
    size_t len0 = 0, len1 = 0;
    char *before = read_text(spath(), &len0);
    jwt_err_t err;
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_fail, NULL, NULL, &err),
                   JWT_ERR_ARG);
    ck_assert_str_eq(err.message, "edit refused on purpose");
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_two_active, NULL, NULL, &err),
                   JWT_ERR_KEY_INVALID);
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0644, edit_delete_first, NULL, NULL, &err),
                   JWT_ERR_ARG);
    char *after = read_text(spath(), &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert_int_eq(memcmp(before, after, len0), 0);
    ck_assert_int_eq(count_entries_with_prefix("secrets.jwks.tmp."), 0);
}
END_TEST

START_TEST(leftover_temp_file_is_harmless)
{
    load_three();
    tu_write_text(apr_pstrcat(tp, spath(), ".tmp.AbC123", NULL), "{\"keys\":[{garbage");
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    gen_baton_t b = { "n", JWT_ALG_HS256, JWT_SECRET_VERIFY };
    ck_assert_code(jwt_secrets_update(tp, spath(), s->version, 0640, edit_generate, &b, NULL, &err),
                   JWT_OK);
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, 4);
}
END_TEST

START_TEST(writer_killed_mid_write_leaves_old_file)
{
    load_three();
    size_t len0 = 0, len1 = 0;
    char *before = read_text(spath(), &len0);
    const char *path = spath();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* the writer pauses after half of the temp file, so the kill lands mid-write */
        setenv("JWT_SECRETS_TEST_PAUSE_MS", "5000", 1);
        apr_pool_t *cp;
        apr_pool_create(&cp, NULL);
        gen_baton_t b = { "doomed", JWT_ALG_HS256, JWT_SECRET_VERIFY };
        jwt_secrets_update(cp, path, NULL, 0640, edit_generate, &b, NULL, NULL);
        _exit(0);
    }
    /* wait (up to 5 s) for the half-written temp file to appear, then SIGKILL */
    int seen = 0;
    for (int i = 0; i < 500 && !seen; i++) {
        seen = count_entries_with_prefix("secrets.jwks.tmp.") > 0;
        if (!seen) usleep(10000);
    }
    ck_assert_msg(seen, "writer never created its temp file");
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    char *after = read_text(spath(), &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert_int_eq(memcmp(before, after, len0), 0);
    /* the lock died with the writer: the next update proceeds and ignores the leftover */
    jwt_err_t err;
    gen_baton_t b = { "next", JWT_ALG_HS256, JWT_SECRET_VERIFY };
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_generate, &b, NULL, &err),
                   JWT_OK);
    jwt_secrets_t *s = NULL;
    ck_assert_code(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_ptr_nonnull(jwt_secrets_find(s, "next"));
    ck_assert_ptr_null(jwt_secrets_find(s, "doomed"));
}
END_TEST

START_TEST(twenty_concurrent_creates)
{
    enum { WRITERS = 20 };
    const char *path = spath();
    pid_t pids[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            apr_pool_t *cp;
            apr_pool_create(&cp, NULL);
            gen_baton_t b = { apr_psprintf(cp, "w%02d", i), JWT_ALG_HS256, JWT_SECRET_VERIFY };
            jwt_err_t e;
            /* exit status 0 = the writer reported the key as saved */
            _exit(jwt_secrets_update(cp, path, NULL, 0640, edit_generate, &b, NULL, &e) == JWT_OK
                  ? 0 : 1);
        }
    }
    int saved[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        saved[i] = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        ck_assert_msg(saved[i], "writer %d failed", i);
    }
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    ck_assert_code(jwt_secrets_load(tp, path, &s, &err), JWT_OK);
    ck_assert_int_eq(s->secrets->nelts, WRITERS);
    for (int i = 0; i < WRITERS; i++)
        ck_assert_ptr_nonnull(jwt_secrets_find(s, apr_psprintf(tp, "w%02d", i)));
    ck_assert_int_eq(count_entries_with_prefix("secrets.jwks.tmp."), 0);
}
END_TEST

Suite *suite_secrets(void)
{
    Suite *s = suite_create("secrets");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, missing_file_is_empty_set);
    tcase_add_test(tc, load_valid_file);
    tcase_add_loop_test(tc, load_refuses_bad_file, 0, (int)(sizeof(bad_files) / sizeof(bad_files[0])));
    tcase_add_test(tc, load_refuses_oversized_file);
    tcase_add_test(tc, load_refuses_directory);
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, keyring_has_active_and_verify_only);
    tcase_add_test(tc, active_key_found_or_no_key);
    tcase_add_test(tc, fingerprint_is_short_sha256);
    tcase_add_test(tc, generate_lengths_and_randomness);
    tcase_add_test(tc, generate_refusals);
    suite_add_tcase(s, tc);

    tc = tcase_create("update");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, update_round_trip);
    tcase_add_test(tc, update_conflict_leaves_file);
    tcase_add_test(tc, failing_edit_leaves_file_identical);
    tcase_add_test(tc, leftover_temp_file_is_harmless);
    tcase_add_test(tc, writer_killed_mid_write_leaves_old_file);
    tcase_add_test(tc, twenty_concurrent_creates);
    suite_add_tcase(s, tc);
    return s;
}
