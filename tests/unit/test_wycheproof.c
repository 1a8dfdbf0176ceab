/* Wycheproof (C2SP) test vectors through the core: the JWS and JWK files through the token
 * parser, key importer and verifier; the ECDSA P1363, EdDSA, RSA PKCS#1, RSA-PSS and HMAC
 * primitive files through jwt_verify_raw with keys imported from their JWK (or PEM).
 *
 * "valid" must verify and "invalid" must be refused. Where we deliberately disagree, the
 * case is counted as skipped-by-policy (never as passed) and the reason is written down
 * next to the rule below; a policy-skipped case must still be refused, so the policy itself
 * is tested. Each file is one test asserting zero mismatches; it prints
 *   wycheproof FILE: N valid ok, N invalid refused, N skipped (reason)
 * to stderr and appends the same line to $WYCHEPROOF_REPORT when that is set.
 * The vectors live outside the project (tu_testvectors_dir()/wycheproof); when absent, each
 * test prints "SKIP wycheproof: folder absent" (also to $WYCHEPROOF_REPORT) and passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <apr_strings.h>
#include <openssl/err.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jws.h"
#include "jwt_key.h"
#include "jwt_json.h"

typedef struct {
    const char *file;
    int valid_ok, invalid_refused, acceptable_accepted, acceptable_refused;
    int skipped, mismatches;
    const char *reason[8];        /* distinct skip reasons and how often each applied */
    int reason_count[8];
    char detail[1500];            /* first mismatches, for the failure message */
} wp_t;

/* ---- bookkeeping ------------------------------------------------------------------ */

static void wp_mismatch(wp_t *w, int tc, const char *comment, const char *result, jwt_code_t got,
                        const char *msg)
{
    size_t used = strlen(w->detail);
    w->mismatches++;
    if (used + 200 < sizeof(w->detail))
        snprintf(w->detail + used, sizeof(w->detail) - used, "[tc %d %s: want %s, got %s: %.80s] ", tc,
                 comment ? comment : "", result, jwt_code_name(got), msg ? msg : "");
}

static void wp_skip(wp_t *w, const char *reason)
{
    w->skipped++;
    for (int i = 0; i < 8; i++) {
        if (w->reason[i] == NULL)
            w->reason[i] = reason;
        if (strcmp(w->reason[i], reason) == 0) {
            w->reason_count[i]++;
            return;
        }
    }
}

/* "84 truncated HMAC tag; 6 HMAC key shorter than the hash output" */
static const char *skip_reasons(const wp_t *w)
{
    const char *s = "";
    for (int i = 0; i < 8 && w->reason[i]; i++)
        s = apr_psprintf(tp, "%s%s%d %s", s, i ? "; " : "", w->reason_count[i], w->reason[i]);
    return s;
}

/* Record one case. rc is what the core said (JWT_OK = accepted). */
static void wp_record(wp_t *w, int tc, const char *comment, const char *result, jwt_code_t rc,
                      const char *msg)
{
    if (strcmp(result, "valid") == 0) {
        if (rc == JWT_OK) w->valid_ok++;
        else wp_mismatch(w, tc, comment, result, rc, msg);
    } else if (strcmp(result, "invalid") == 0) {
        if (rc != JWT_OK) w->invalid_refused++;
        else wp_mismatch(w, tc, comment, result, rc, msg);
    } else {
        /* "acceptable": either outcome is allowed; we report which one we take. The only
         * ones in these files are RSA PKCS#1 "MissingNull" (a DigestInfo without the NULL
         * algorithm parameter): we refuse them, as OpenSSL's strict encoding check does. */
        if (rc == JWT_OK) w->acceptable_accepted++;
        else w->acceptable_refused++;
    }
}

/* A case our policy refuses although Wycheproof may call it valid: it must be refused. */
static void wp_policy(wp_t *w, int tc, const char *comment, jwt_code_t rc, const char *reason)
{
    if (rc == JWT_OK)
        wp_mismatch(w, tc, comment, "refused by policy", rc, reason);
    else
        wp_skip(w, reason);
}

static void wp_report(const wp_t *w)
{
    char line[1024];
    snprintf(line, sizeof(line), "wycheproof %s: %d valid ok, %d invalid refused, %d skipped%s%s%s",
             w->file, w->valid_ok, w->invalid_refused, w->skipped, w->skipped ? " (" : "",
             w->skipped ? skip_reasons(w) : "", w->skipped ? ")" : "");
    if (w->acceptable_accepted + w->acceptable_refused > 0) {
        size_t n = strlen(line);
        snprintf(line + n, sizeof(line) - n, ", acceptable: %d accepted, %d refused",
                 w->acceptable_accepted, w->acceptable_refused);
    }
    if (w->mismatches) {
        size_t n = strlen(line);
        snprintf(line + n, sizeof(line) - n, ", %d MISMATCHES", w->mismatches);
    }
    fprintf(stderr, "%s\n", line);
    const char *rep = getenv("WYCHEPROOF_REPORT");
    if (rep && *rep) {
        FILE *f = fopen(rep, "a");
        if (f) {
            fprintf(f, "%s\n", line);
            fclose(f);
        }
    }
}

/* ---- helpers ------------------------------------------------------------------------ */

static json_object *wp_load(const char *file)
{
    const char *dir = tu_testvectors_dir();
    if (dir == NULL)
        return NULL;
    const char *path = apr_pstrcat(tp, dir, "/wycheproof/", file, NULL);
    json_object *o = json_object_from_file(path);
    ck_assert_msg(o != NULL, "cannot read %s", path);
    return jwt_json_pool_own(tp, o);
}

static const char *str_member(json_object *o, const char *name)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int int_member(json_object *o, const char *name)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, name, &v) ? json_object_get_int(v) : -1;
}

static json_object *member(json_object *o, const char *name)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, name, &v) ? v : NULL;
}

static unsigned char *hex(const char *s, size_t *len)
{
    size_t n = strlen(s) / 2;
    unsigned char *out = apr_palloc(tp, n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &b), 1);
        out[i] = (unsigned char)b;
    }
    *len = n;
    return out;
}

/* Import the group's key: its JWK when there is one, else its PEM. */
static jwt_code_t group_key(json_object *g, const char *jwk_member, jwt_key_t **out, jwt_err_t *e)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    json_object *jwk = member(g, jwk_member);
    const char *buf = jwk ? json_object_to_json_string_ext(jwk, JSON_C_TO_STRING_PLAIN)
                          : str_member(g, "publicKeyPem");
    ck_assert_msg(buf != NULL, "group has neither %s nor publicKeyPem", jwk_member);
    jwt_code_t rc = jwt_keys_from_buffer(ring, buf, strlen(buf), "wycheproof", NULL, NULL, e);
    if (rc == JWT_OK)
        *out = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    return rc;
}

typedef void (*wp_group_fn)(wp_t *w, json_object *group, jwt_alg_t alg);

/* Run fn over every group of a file. */
static void wp_run(wp_t *w, json_object *doc, jwt_alg_t alg, wp_group_fn fn)
{
    json_object *groups = member(doc, "testGroups");
    ck_assert_ptr_nonnull(groups);
    for (size_t i = 0; i < json_object_array_length(groups); i++)
        fn(w, json_object_array_get_idx(groups, i), alg);
}

/* ---- signature primitives: ECDSA P1363, EdDSA, RSA PKCS#1 v1.5, RSA-PSS --------------- */

static int alg_is_eddsa_named(jwt_alg_t alg)
{
    return alg == JWT_ALG_EDDSA;
}

static void sig_group(wp_t *w, json_object *g, jwt_alg_t alg, const char *jwk_member)
{
    jwt_key_t *key = NULL;
    jwt_err_t e;
    jwt_code_t krc = group_key(g, jwk_member, &key, &e);
    json_object *tests = member(g, "tests");
    /* RSA-PSS: JWA fixes the salt length to the hash length and MGF1 to the same hash */
    int pss_other = alg >= JWT_ALG_PS256 && alg <= JWT_ALG_PS512
                    && (int_member(g, "sLen") != (int)jwt_alg_hash_len(alg)
                        || strcmp(str_member(g, "mgfSha") ? str_member(g, "mgfSha") : "", str_member(g, "sha")) != 0);
    for (size_t i = 0; i < json_object_array_length(tests); i++) {
        json_object *t = json_object_array_get_idx(tests, i);
        int tc = int_member(t, "tcId");
        const char *result = str_member(t, "result"), *comment = str_member(t, "comment");
        if (krc != JWT_OK) {
            wp_record(w, tc, comment, result, krc, e.message);
            continue;
        }
        size_t mlen, slen;
        unsigned char *msg = hex(str_member(t, "msg"), &mlen), *sig = hex(str_member(t, "sig"), &slen);
        jwt_err_clear(&e);
        jwt_code_t rc = jwt_verify_raw(alg, key, msg, mlen, sig, slen, &e);
        if (pss_other)
            wp_policy(w, tc, comment, rc, "PSS parameters other than salt = hash length, MGF1 same hash");
        else
            wp_record(w, tc, comment, result, rc, e.message);
        if (alg_is_eddsa_named(alg) && key->crv) {
            /* the RFC 9864 name for the key's curve must give the same answer as EdDSA */
            jwt_alg_t named = strcmp(key->crv, "Ed25519") == 0 ? JWT_ALG_ED25519 : JWT_ALG_ED448;
            jwt_code_t rc2 = jwt_verify_raw(named, key, msg, mlen, sig, slen, &e);
            if ((rc2 == JWT_OK) != (rc == JWT_OK))
                wp_mismatch(w, tc, comment, "same result for EdDSA and its RFC 9864 name", rc2, e.message);
        }
    }
    ck_assert_int_eq(ERR_peek_error(), 0);
}

static void ecdsa_group(wp_t *w, json_object *g, jwt_alg_t alg) { sig_group(w, g, alg, "publicKeyJwk"); }
static void eddsa_group(wp_t *w, json_object *g, jwt_alg_t alg) { sig_group(w, g, alg, "publicKeyJwk"); }
static void pss_group(wp_t *w, json_object *g, jwt_alg_t alg) { sig_group(w, g, alg, "publicKeyJwk"); }
static void pkcs1_group(wp_t *w, json_object *g, jwt_alg_t alg) { sig_group(w, g, alg, "keyJwk"); }

/* ---- HMAC ------------------------------------------------------------------------------ */

/* Our policy (RFC 7518 3.2, RFC 8725 3.5): an HMAC key is at least as long as the hash
 * output, and tags are full length. Groups with shorter keys or truncated tags are refused
 * by policy: we check that they are refused, and count them as skipped. */
static void hmac_group(wp_t *w, json_object *g, jwt_alg_t alg)
{
    size_t hash_len = jwt_alg_hash_len(alg);
    int short_key = int_member(g, "keySize") / 8 < (int)hash_len;
    int short_tag = int_member(g, "tagSize") / 8 < (int)hash_len;
    json_object *tests = member(g, "tests");
    for (size_t i = 0; i < json_object_array_length(tests); i++) {
        json_object *t = json_object_array_get_idx(tests, i);
        int tc = int_member(t, "tcId");
        const char *result = str_member(t, "result"), *comment = str_member(t, "comment");
        size_t klen, mlen, tlen;
        unsigned char *k = hex(str_member(t, "key"), &klen), *msg = hex(str_member(t, "msg"), &mlen),
                      *tag = hex(str_member(t, "tag"), &tlen);
        jwt_key_t *key = NULL;
        jwt_err_t e;
        jwt_err_clear(&e);
        jwt_code_t rc = jwt_key_from_secret(tp, k, klen, NULL, "wycheproof", &key, &e);
        if (rc == JWT_OK)
            rc = jwt_verify_raw(alg, key, msg, mlen, tag, tlen, &e);
        if (short_key)
            wp_policy(w, tc, comment, rc, "HMAC key shorter than the hash output");
        else if (short_tag)
            wp_policy(w, tc, comment, rc, "truncated HMAC tag");
        else
            wp_record(w, tc, comment, result, rc, e.message);
    }
}

/* ---- JWS and JWK files --------------------------------------------------------------- */

/* The token's header alg as written ("" when the token does not parse). */
static const char *token_alg(json_object *t)
{
    json_object *jws = member(t, "jws");
    if (!json_object_is_type(jws, json_type_string))
        return "";
    const char *s = json_object_get_string(jws);
    jwt_parse_opts_t o = { 0 };
    o.payload_any = 1;
    jwt_token_t *tok = NULL;
    return jwt_token_parse(tp, s, strlen(s), &o, &tok, NULL) == JWT_OK ? tok->alg_name : "";
}

/* Cases of json_web_signature_test.json we refuse although Wycheproof calls them valid. */
static const char *jws_policy(json_object *t, json_object *key)
{
    const char *comment = str_member(t, "comment");
    /* A '?' inserted into a segment: Wycheproof expects decoders that drop characters
     * outside the alphabet. Strict base64url refuses them (RFC 7515 2: one token, one
     * encoding; nothing an attacker can add without changing what is verified). */
    if (comment && strncmp(comment, "InvalidCharacterInserted", 24) == 0)
        return "strict base64url refuses characters outside the alphabet";
    /* RFC 7520 figures re-used with a key whose "alg" member names another algorithm
     * (a PS256 key for the PS384 token) or no registered one ("ES521" for ES512): a JWK's
     * alg pins the key to exactly that algorithm (RFC 7517 4.4, RFC 8725 3.1), and a key
     * with an alg we do not know is not used at all. */
    const char *kalg = key ? str_member(key, "alg") : NULL;
    if (kalg && strcmp(kalg, token_alg(t)) != 0) {
        jwt_alg_t a;
        if (jwt_alg_from_name(kalg, &a, NULL) != JWT_OK)
            return "JWK alg is not a registered JWS algorithm (ES521)";
        return "JWK alg pins the key to another algorithm";
    }
    return NULL;
}

/* Wycheproof's invalidBase64Padding cases (tc 367, 370) carry exactly the bytes of the
 * valid tc 357: the padding they describe is not in the data. The same input cannot be
 * both; we follow the valid case and count these as skipped (a defect of the vector). */
static int same_as_a_valid_case(json_object *tests, json_object *t)
{
    json_object *jws = member(t, "jws");
    if (!json_object_is_type(jws, json_type_string))
        return 0;
    for (size_t i = 0; i < json_object_array_length(tests); i++) {
        json_object *o = json_object_array_get_idx(tests, i);
        json_object *ojws = member(o, "jws");
        if (o != t && json_object_is_type(ojws, json_type_string)
            && strcmp(str_member(o, "result"), "valid") == 0
            && strcmp(json_object_get_string(ojws), json_object_get_string(jws)) == 0)
            return 1;
    }
    return 0;
}

static jwt_code_t verify_jws_with(json_object *t, jwt_keyring_t *ring, jwt_err_t *e)
{
    json_object *jws = member(t, "jws");
    /* JSON serialization (an object) is not accepted: it goes to the parser as text and
     * must be refused there */
    const char *s = json_object_is_type(jws, json_type_string)
                    ? json_object_get_string(jws) : json_object_to_json_string(jws);
    jwt_parse_opts_t o = { 0 };
    o.payload_any = 1;             /* Wycheproof payloads are strings like "foo", not claims */
    jwt_token_t *tok = NULL;
    jwt_code_t rc = jwt_token_parse(tp, s, strlen(s), &o, &tok, e);
    if (rc != JWT_OK)
        return rc;
    return jwt_token_verify(tok, ring, JWT_ALGSET_ALL, NULL, e);
}

static void jose_group(wp_t *w, json_object *g, int is_jws_file)
{
    json_object *key = member(g, "public") ? member(g, "public") : member(g, "private");
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t ke;
    jwt_err_clear(&ke);
    const char *kjson = json_object_to_json_string_ext(key, JSON_C_TO_STRING_PLAIN);
    jwt_code_t krc = jwt_keys_from_buffer(ring, kjson, strlen(kjson), "wycheproof", NULL, NULL, &ke);
    json_object *tests = member(g, "tests");
    for (size_t i = 0; i < json_object_array_length(tests); i++) {
        json_object *t = json_object_array_get_idx(tests, i);
        int tc = int_member(t, "tcId");
        const char *result = str_member(t, "result"), *comment = str_member(t, "comment");
        jwt_err_t e;
        jwt_err_clear(&e);
        jwt_code_t rc = krc != JWT_OK ? krc : verify_jws_with(t, ring, &e);
        const char *policy = is_jws_file && strcmp(result, "valid") == 0 ? jws_policy(t, key) : NULL;
        if (policy)
            wp_policy(w, tc, comment, rc, policy);
        else if (strcmp(result, "invalid") == 0 && same_as_a_valid_case(tests, t))
            wp_skip(w, "invalid case byte-identical to a valid one (vector defect)");
        else
            wp_record(w, tc, comment, result, rc, krc != JWT_OK ? ke.message : e.message);
    }
    ck_assert_int_eq(ERR_peek_error(), 0);
}

static void jws_group(wp_t *w, json_object *g, jwt_alg_t alg) { (void)alg; jose_group(w, g, 1); }
static void jwk_group(wp_t *w, json_object *g, jwt_alg_t alg) { (void)alg; jose_group(w, g, 0); }

/* ---- the files -------------------------------------------------------------------------- */

static const struct {
    const char *file;
    jwt_alg_t alg;
    wp_group_fn fn;
} wp_files[] = {
    { "ecdsa_secp256r1_sha256_p1363_test.json", JWT_ALG_ES256, ecdsa_group },
    { "ecdsa_secp384r1_sha384_p1363_test.json", JWT_ALG_ES384, ecdsa_group },
    { "ecdsa_secp521r1_sha512_p1363_test.json", JWT_ALG_ES512, ecdsa_group },
    { "ed25519_test.json", JWT_ALG_EDDSA, eddsa_group },
    { "ed448_test.json", JWT_ALG_EDDSA, eddsa_group },
    { "hmac_sha256_test.json", JWT_ALG_HS256, hmac_group },
    { "hmac_sha384_test.json", JWT_ALG_HS384, hmac_group },
    { "hmac_sha512_test.json", JWT_ALG_HS512, hmac_group },
    { "rsa_pss_2048_sha256_mgf1_32_test.json", JWT_ALG_PS256, pss_group },
    { "rsa_pss_4096_sha384_mgf1_48_test.json", JWT_ALG_PS384, pss_group },
    { "rsa_pss_4096_sha512_mgf1_64_test.json", JWT_ALG_PS512, pss_group },
    { "rsa_signature_2048_sha256_test.json", JWT_ALG_RS256, pkcs1_group },
    { "rsa_signature_3072_sha384_test.json", JWT_ALG_RS384, pkcs1_group },
    { "rsa_signature_4096_sha512_test.json", JWT_ALG_RS512, pkcs1_group },
    { "json_web_signature_test.json", JWT_ALG_HS256, jws_group },
    { "json_web_key_test.json", JWT_ALG_HS256, jwk_group },
};

START_TEST(test_wycheproof_file)
{
    wp_t *w = apr_pcalloc(tp, sizeof(*w));
    w->file = wp_files[_i].file;
    json_object *doc = wp_load(w->file);
    if (doc == NULL) {
        fprintf(stderr, "SKIP wycheproof: folder absent (%s not run)\n", w->file);
        const char *rep = getenv("WYCHEPROOF_REPORT");
        FILE *f = rep && *rep ? fopen(rep, "a") : NULL;
        if (f) {
            fprintf(f, "SKIP wycheproof: folder absent (%s not run)\n", w->file);
            fclose(f);
        }
        return;
    }
    wp_run(w, doc, wp_files[_i].alg, wp_files[_i].fn);
    wp_report(w);
    int total = w->valid_ok + w->invalid_refused + w->skipped + w->acceptable_accepted
              + w->acceptable_refused + w->mismatches;
    ck_assert_int_eq(total, int_member(doc, "numberOfTests"));
    ck_assert_msg(w->mismatches == 0, "%s: %d mismatches: %s", w->file, w->mismatches, w->detail);
}
END_TEST

Suite *suite_wycheproof(void)
{
    Suite *s = suite_create("wycheproof");
    TCase *tc = tcase_create("wycheproof");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_wycheproof_file, 0, (int)(sizeof(wp_files) / sizeof(wp_files[0])));
    suite_add_tcase(s, tc);
    return s;
}
