/* Unit tests: the remote key-set policy (jwt_keyset.c) next to the strict local one
 * (jwt_key.c). A remote set skips each unusable member with its kid and reason; a set with
 * no usable key fails; oct and private members are never taken from a URL. The same set
 * read as a local file is refused, naming the file and the key. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_key.h"
#include "jwt_keyset.h"
#include "jwt_b64.h"
#include "jwt_json.h"

#define K(name) "fixtures/keys/" name

/* The public JWK of a fixture our importer accepts, with kid (and alg when given). */
static json_object *fixture_jwk(const char *rel, const char *kid, const char *alg)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    json_object *o = NULL, *copy = NULL;
    jwt_err_t e;
    const char *s;

    ck_assert_code(jwt_keys_from_file(ring, tu_path(rel), NULL, NULL, &e), JWT_OK);
    ck_assert_code(jwt_key_public_jwk(tp, APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *), &o, &e), JWT_OK);
    s = jwt_json_to_string(tp, o);
    ck_assert_code(jwt_json_parse_object(tp, s, strlen(s), NULL, &copy, &e), JWT_OK);
    json_object_object_del(copy, "kid");
    json_object_object_del(copy, "alg");
    json_object_object_add(copy, "kid", json_object_new_string(kid));
    if (alg)
        json_object_object_add(copy, "alg", json_object_new_string(alg));
    return copy;
}

static const char *bn_b64(const EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;

    ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
    n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return jwt_b64url_encode(tp, buf, (size_t)n);
}

/* The 1024-bit fixture as a JWK, read with OpenSSL (our importer refuses it). */
static json_object *rsa1024_jwk(const char *kid)
{
    FILE *f = fopen(tu_path(K("rsa1024.pub.pem")), "r");
    EVP_PKEY *pkey;
    json_object *o = json_object_new_object();

    ck_assert_ptr_nonnull(f);
    pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(pkey);
    json_object_object_add(o, "kty", json_object_new_string("RSA"));
    json_object_object_add(o, "kid", json_object_new_string(kid));
    json_object_object_add(o, "n", json_object_new_string(bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N)));
    json_object_object_add(o, "e", json_object_new_string(bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E)));
    EVP_PKEY_free(pkey);
    return o;
}

static json_object *parse(const char *json)
{
    json_object *o = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_json_parse_object(tp, json, strlen(json), NULL, &o, &e), JWT_OK);
    return o;
}

/* Objects from fixture_jwk and parse belong to tp (a cleanup puts them): the set takes a
 * reference of its own, and is put once serialised. */
static void add(json_object *keys, json_object *pool_owned)
{
    json_object_array_add(keys, json_object_get(pool_owned));
}

/* Every kind of bad member, between three good ones. */
static const char *mixed_set(void)
{
    json_object *set = json_object_new_object(), *keys = json_object_new_array();
    json_object *priv = fixture_jwk(K("rsa2048.pub.pem"), "priv", "RS256");
    json_object *k1 = fixture_jwk(K("ec256.pub.pem"), "k1", NULL);
    json_object *enc = fixture_jwk(K("ec384.pub.pem"), "enc", NULL);
    const char *out;

    json_object_object_add(priv, "d", json_object_new_string("AQAB"));
    json_object_object_del(k1, "crv");
    json_object_object_add(k1, "crv", json_object_new_string("secp256k1"));
    json_object_object_add(enc, "use", json_object_new_string("enc"));

    add(keys, fixture_jwk(K("ec256.pub.pem"), "ec", NULL));          /* 0 good */
    add(keys, fixture_jwk(K("rsa2048.pub.pem"), "rsa", "PS256"));    /* 1 good */
    json_object_array_add(keys, rsa1024_jwk("weak"));                /* 2 */
    add(keys, fixture_jwk(K("ec384.pub.pem"), "ec", NULL));          /* 3 dup */
    add(keys, fixture_jwk(K("ec256.pub.pem"), "misfit", "RS256"));   /* 4 */
    add(keys, parse("{\"kty\":\"XYZ\",\"kid\":\"xyz\"}"));         /* 5 */
    add(keys, k1);                                                   /* 6 */
    add(keys, priv);                                                 /* 7 */
    add(keys, parse("{\"kty\":\"oct\",\"kid\":\"oct\",\"alg\":\"HS256\","
                    "\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI\"}"));
    json_object_array_add(keys, json_object_new_int(5));            /* 9 */
    add(keys, enc);                                                  /* 10 */
    add(keys, fixture_jwk(K("ed25519.pub.pem"), "ed", NULL));        /* 11 good */
    json_object_object_add(set, "keys", keys);
    out = jwt_json_to_string(tp, set);
    json_object_put(set);
    return out;
}

static const jwt_key_skip_t *skip_of(const apr_array_header_t *skips, const char *kid)
{
    int i;
    for (i = 0; i < skips->nelts; i++) {
        const jwt_key_skip_t *s = &APR_ARRAY_IDX(skips, i, jwt_key_skip_t);
        if (strcmp(s->kid, kid) == 0)
            return s;
    }
    return NULL;
}

static void assert_skip(const apr_array_header_t *skips, const char *kid, int index,
                        const char *reason_part)
{
    const jwt_key_skip_t *s = skip_of(skips, kid);
    ck_assert_msg(s != NULL, "kid %s was not reported", kid);
    ck_assert_int_eq(s->index, index);
    ck_assert_msg(strstr(s->reason, reason_part) != NULL, "kid %s: \"%s\" lacks \"%s\"", kid,
                  s->reason, reason_part);
}

START_TEST(test_remote_skips_each_bad_member)
{
    const char *doc = mixed_set();
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    apr_array_header_t *skips = NULL;
    jwt_err_t e;
    int count = -1;
    const jwt_key_t *ec;

    ck_assert_code(jwt_keys_from_remote_jwks(ring, doc, strlen(doc), 0, "https://idp.example/k",
                                             &skips, &count, &e), JWT_OK);
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(jwt_keyring_count(ring), 3);
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "rsa"));
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "ed"));
    ec = jwt_keyring_find_kid(ring, "ec");
    ck_assert_ptr_nonnull(ec);
    ck_assert_str_eq(ec->crv, "P-256");          /* the first of the two "ec" keys stays */
    ck_assert_int_eq(skips->nelts, 9);
    assert_skip(skips, "weak", 2, "2048");
    {
        const jwt_key_skip_t *dup = NULL;
        int i;
        for (i = 0; i < skips->nelts; i++)
            if (APR_ARRAY_IDX(skips, i, jwt_key_skip_t).index == 3)
                dup = &APR_ARRAY_IDX(skips, i, jwt_key_skip_t);
        ck_assert_ptr_nonnull(dup);
        ck_assert_str_eq(dup->kid, "ec");
        ck_assert_msg(strstr(dup->reason, "duplicate kid") != NULL, "%s", dup->reason);
    }
    assert_skip(skips, "misfit", 4, "does not fit");
    assert_skip(skips, "xyz", 5, "kty");
    assert_skip(skips, "k1", 6, "secp256k1");
    assert_skip(skips, "priv", 7, "private");
    assert_skip(skips, "oct", 8, "never taken from a URL");
    assert_skip(skips, "(none)", 9, "not a JSON object");
    assert_skip(skips, "enc", 10, "use");
}
END_TEST

START_TEST(test_remote_without_usable_key_fails)
{
    const char *only_bad = "{\"keys\":[{\"kty\":\"XYZ\",\"kid\":\"a\"},"
                           "{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI\"}]}";
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    apr_array_header_t *skips = NULL;
    jwt_err_t e;

    ck_assert_code(jwt_keys_from_remote_jwks(ring, only_bad, strlen(only_bad), 0, "u", &skips,
                                             NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "no usable key") && strstr(e.message, "2 skipped"), "%s", e.message);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    ck_assert_int_eq(skips->nelts, 2);
}
END_TEST

START_TEST(test_remote_oct_only_set_refused)
{
    /* a JWKS URL is public: a secret there would let anyone mint HS tokens */
    const char *octs = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h1\",\"alg\":\"HS256\","
                       "\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI\"},"
                       "{\"kty\":\"oct\",\"kid\":\"h2\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI\"}]}";
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;

    ck_assert_code(jwt_keys_from_remote_jwks(ring, octs, strlen(octs), 0, "u", NULL, NULL, &e),
                   JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "oct") != NULL, "%s", e.message);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    /* the same set as a local file is the operator's choice and loads */
    ck_assert_code(jwt_keys_from_buffer(ring, octs, strlen(octs), "local", NULL, NULL, &e), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 2);
}
END_TEST

START_TEST(test_remote_not_a_set)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    const char *docs[] = { "{\"keys\":5}", "{\"kty\":\"EC\"}" };
    size_t i;

    for (i = 0; i < 2; i++)
        ck_assert_code(jwt_keys_from_remote_jwks(ring, docs[i], strlen(docs[i]), 0, "u", NULL,
                                                 NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(jwt_keys_from_remote_jwks(ring, "{\"keys\":[]}", 11, 0, "u", NULL, NULL, &e),
                   JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "no keys") != NULL, "%s", e.message);
    ck_assert_code(jwt_keys_from_remote_jwks(ring, "{\"keys\":[]} x", 13, 0, "u", NULL, NULL, &e),
                   JWT_ERR_JSON);
    ck_assert_code(jwt_keys_from_remote_jwks(ring, "[1]", 3, 0, "u", NULL, NULL, &e), JWT_ERR_JSON);
    /* the size cap */
    ck_assert_code(jwt_keys_from_remote_jwks(ring, "{\"keys\":[]}", 11, 5, "u", NULL, NULL, &e),
                   JWT_ERR_TOO_LARGE);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
}
END_TEST

START_TEST(test_local_file_stays_strict)
{
    const char *doc = mixed_set();
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;

    /* the first bad member fails the whole file, naming the file and the key */
    ck_assert_code(jwt_keys_from_buffer(ring, doc, strlen(doc), "/etc/jwt/idp.jwks", NULL, NULL, &e),
                   JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "/etc/jwt/idp.jwks: key #2 (kid \"weak\")") != NULL, "%s", e.message);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
}
END_TEST

Suite *suite_keyset(void)
{
    Suite *s = suite_create("keyset");
    TCase *tc = tcase_create("remote");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_remote_skips_each_bad_member);
    tcase_add_test(tc, test_remote_without_usable_key_fails);
    tcase_add_test(tc, test_remote_oct_only_set_refused);
    tcase_add_test(tc, test_remote_not_a_set);
    tcase_add_test(tc, test_local_file_stays_strict);
    suite_add_tcase(s, tc);
    return s;
}
