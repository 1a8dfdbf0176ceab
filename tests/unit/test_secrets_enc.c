/* Unit tests of encryption keys in the secrets file (issue 24, jwt_secrets_enc.c): an "oct"
 * entry with "use":"enc" or a JWE "alg" is not an HMAC secret (never in the signature
 * keyring, never the signer), becomes a decryption key for dir / AES key wrap, is checked
 * as one when the file loads (a bad one refuses the file, naming it), and every rewrite by
 * the admin keeps it byte for byte. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "jwt_secrets.h"
#include "jwt_jwe.h"
#include "test_suites.h"
#include "test_util.h"

/* 32 and 16 bytes 00 01 02 ... in base64url; 15 bytes */
#define K32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K16 "AAECAwQFBgcICQoLDA0ODw"
#define K15 "AAECAwQFBgcICQoLDA0O"

static void setup(void) { tu_scratch_setup("jwt-secrets-enc"); }
static void teardown(void) { tu_scratch_teardown(); }

static const char *spath(void) { return tu_scratch_path("secrets.jwks"); }

/* the whole secrets file */
static void write_text(const char *text) { tu_write_text(spath(), text); }

static jwt_secrets_t *load_ok(void)
{
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    jwt_code_t rc = jwt_secrets_load(tp, spath(), &s, &err);
    ck_assert_msg(rc == JWT_OK, "load: %s", err.message);
    return s;
}

#define FILE3 "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"hs\",\"alg\":\"HS256\",\"k\":\"" K32 "\"}," \
    "{\"kty\":\"oct\",\"kid\":\"wrap\",\"alg\":\"A128KW\",\"k\":\"" K16 "\"}," \
    "{\"kty\":\"oct\",\"kid\":\"direct\",\"use\":\"enc\",\"k\":\"" K32 "\",\"x-note\":\"kept\"}]}"

START_TEST(enc_entries_are_not_hmac_secrets)
{
    jwt_err_t err;
    write_text(FILE3);
    jwt_secrets_t *s = load_ok();
    ck_assert_int_eq(s->secrets->nelts, 1);           /* only "hs" is an HMAC secret */
    ck_assert_ptr_nonnull(s->enc_keys);
    ck_assert_int_eq(s->enc_keys->nelts, 2);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    ck_assert_code(jwt_secrets_add_to_keyring(s, spath(), ring, &err), JWT_OK);
    ck_assert_int_eq(ring->keys->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *)->kid, "hs");
    /* the only HMAC secret signs (an enc key is never the default signer) */
    jwt_key_t *signer = NULL;
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &signer, &err), JWT_OK);
    ck_assert_str_eq(signer->kid, "hs");
}
END_TEST

START_TEST(enc_entries_become_decryption_keys)
{
    jwt_err_t err;
    int n = -1;
    write_text(FILE3);
    jwt_secrets_t *s = load_ok();
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(tp);
    ck_assert_code(jwt_secrets_add_to_jwe_keyring(s, spath(), ring, &n, &err), JWT_OK);
    ck_assert_int_eq(n, 2);
    const jwt_jwe_key_t *wrap = APR_ARRAY_IDX(ring->keys, 0, jwt_jwe_key_t *);
    const jwt_jwe_key_t *direct = APR_ARRAY_IDX(ring->keys, 1, jwt_jwe_key_t *);
    ck_assert_str_eq(wrap->kid, "wrap");
    ck_assert_uint_eq(wrap->algs, JWT_JWE_SET(JWT_JWE_A128KW));   /* narrowed to its alg */
    ck_assert_str_eq(direct->kid, "direct");
    ck_assert(direct->algs & JWT_JWE_SET(JWT_JWE_DIR));
    ck_assert_str_eq(direct->source, apr_pstrcat(tp, "secrets:", spath(), NULL));

    /* and they decrypt: dir + A256GCM and A128KW round trips through the core */
    const char *msg = "{\"sub\":\"alice\"}";
    char *jwe = NULL;
    jwt_jwe_t *out = NULL;
    ck_assert_code(jwt_jwe_encrypt(tp, (const unsigned char *)msg, strlen(msg), direct, JWT_JWE_DIR,
                                   JWT_JWE_A256GCM, NULL, &jwe, &err), JWT_OK);
    ck_assert_code(jwt_jwe_decrypt(tp, jwe, strlen(jwe), ring, JWT_JWE_ALGSET_ALL,
                                   JWT_JWE_ENCSET_ALL, NULL, &out, &err), JWT_OK);
    ck_assert_str_eq((const char *)out->plaintext, msg);
    ck_assert_int_eq(out->symmetric, 1);
    ck_assert_code(jwt_jwe_encrypt(tp, (const unsigned char *)msg, strlen(msg), wrap, JWT_JWE_A128KW,
                                   JWT_JWE_A128CBC_HS256, NULL, &jwe, &err), JWT_OK);
    ck_assert_code(jwt_jwe_decrypt(tp, jwe, strlen(jwe), ring, JWT_JWE_ALGSET_ALL,
                                   JWT_JWE_ENCSET_ALL, NULL, &out, &err), JWT_OK);
}
END_TEST

static const struct { const char *entry; const char *want; } bad[] = {
    { "{\"kty\":\"oct\",\"kid\":\"short\",\"use\":\"enc\",\"k\":\"" K15 "\"}", "key #1 (encryption)" },
    { "{\"kty\":\"oct\",\"kid\":\"misfit\",\"alg\":\"A256KW\",\"k\":\"" K16 "\"}", "A256KW does not fit" },
    { "{\"kty\":\"oct\",\"kid\":\"ops\",\"use\":\"enc\",\"key_ops\":[\"sign\"],\"k\":\"" K32 "\"}",
      "grants no encryption operation" },
};

START_TEST(bad_enc_entry_refuses_the_file)
{
    jwt_err_t err;
    jwt_secrets_t *s = NULL;
    write_text(apr_pstrcat(tp, "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"hs\",\"k\":\"" K32 "\"},",
                           bad[_i].entry, "]}", NULL));
    ck_assert_int_ne(jwt_secrets_load(tp, spath(), &s, &err), JWT_OK);
    ck_assert_msg(strstr(err.message, spath()) != NULL, "no path in: %s", err.message);
    ck_assert_msg(strstr(err.message, bad[_i].want) != NULL, "want '%s' in: %s", bad[_i].want,
                  err.message);
}
END_TEST

static jwt_code_t edit_add(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    (void)baton;
    return jwt_secrets_generate(p, s, "new", JWT_ALG_HS256, JWT_SECRET_VERIFY, 1764331200, NULL, err);
}

START_TEST(rewrite_keeps_enc_entries)
{
    jwt_err_t err;
    write_text(FILE3);
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add, NULL, NULL, &err), JWT_OK);
    jwt_secrets_t *s = load_ok();
    ck_assert_int_eq(s->secrets->nelts, 2);           /* hs and new */
    ck_assert_int_eq(s->enc_keys->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(s->enc_keys, 0, const char *),
                     "{\"kty\":\"oct\",\"kid\":\"wrap\",\"alg\":\"A128KW\",\"k\":\"" K16 "\"}");
    ck_assert_str_eq(APR_ARRAY_IDX(s->enc_keys, 1, const char *),
                     "{\"kty\":\"oct\",\"kid\":\"direct\",\"use\":\"enc\",\"k\":\"" K32 "\","
                     "\"x-note\":\"kept\"}");
}
END_TEST

START_TEST(file_of_enc_keys_only)
{
    jwt_err_t err;
    jwt_key_t *signer = NULL;
    write_text("{\"keys\":[{\"kty\":\"oct\",\"alg\":\"A256GCM\",\"k\":\"" K32 "\"}]}");
    jwt_secrets_t *s = load_ok();
    ck_assert_int_eq(s->secrets->nelts, 0);
    ck_assert_int_eq(s->enc_keys->nelts, 1);
    ck_assert_code(jwt_secrets_active_key(tp, s, spath(), &signer, &err), JWT_ERR_NO_KEY);
    /* a rewrite of a file with no HMAC secret keeps the encryption key */
    ck_assert_code(jwt_secrets_update(tp, spath(), NULL, 0640, edit_add, NULL, NULL, &err), JWT_OK);
    s = load_ok();
    ck_assert_int_eq(s->secrets->nelts, 1);
    ck_assert_int_eq(s->enc_keys->nelts, 1);
}
END_TEST

Suite *suite_secrets_enc(void)
{
    Suite *s = suite_create("secrets-enc");
    TCase *tc = tcase_create("enc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, enc_entries_are_not_hmac_secrets);
    tcase_add_test(tc, enc_entries_become_decryption_keys);
    tcase_add_loop_test(tc, bad_enc_entry_refuses_the_file, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, rewrite_keeps_enc_entries);
    tcase_add_test(tc, file_of_enc_keys_only);
    suite_add_tcase(s, tc);
    return s;
}
