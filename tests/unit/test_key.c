/* Unit tests: keys and keyrings (jwt_key.c). Every refusal asserts its exact code. */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_key.h"
#include "jwt_jws.h"
#include "jwt_b64.h"
#include "jwt_json.h"

#define K(name) "fixtures/keys/" name

/* ---- helpers ---------------------------------------------------------------------- */

static jwt_code_t load_file(jwt_keyring_t *ring, const char *rel, const char *kid, int *count,
                            jwt_err_t *e)
{
    return jwt_keys_from_file(ring, tu_path(rel), kid, count, e);
}

static jwt_key_t *only_key(const char *rel)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    int n = 0;
    jwt_code_t rc = load_file(ring, rel, NULL, &n, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", rel, e.message);
    ck_assert_int_eq(n, 1);
    return APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
}

static jwt_code_t load_json(const char *json, jwt_keyring_t **ring_out, jwt_err_t *e)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    if (ring_out)
        *ring_out = ring;
    return jwt_keys_from_buffer(ring, json, strlen(json), "test", NULL, NULL, e);
}

static jwt_code_t load_obj(json_object *o, jwt_keyring_t **ring_out, jwt_err_t *e)
{
    return load_json(jwt_json_to_string(tp, o), ring_out, e);
}

/* The public JWK of a fixture, as a fresh mutable json-c object. */
static json_object *public_jwk(const char *rel)
{
    json_object *o = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_key_public_jwk(tp, only_key(rel), &o, &e), JWT_OK);
    const char *s = jwt_json_to_string(tp, o);
    json_object *copy = NULL;
    ck_assert_code(jwt_json_parse_object(tp, s, strlen(s), NULL, &copy, &e), JWT_OK);
    return copy;
}

static void set_str(json_object *o, const char *name, const char *v)
{
    json_object_object_add(o, name, json_object_new_string(v));
}

static const char *bn_b64(const EVP_PKEY *pkey, const char *param, size_t pad)
{
    BIGNUM *bn = NULL;
    ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
    size_t len = pad ? pad : (size_t)BN_num_bytes(bn);
    unsigned char *buf = apr_palloc(tp, len);
    ck_assert_int_eq(BN_bn2binpad(bn, buf, (int)len), (int)len);
    BN_free(bn);
    return jwt_b64url_encode(tp, buf, len);
}

/* Private RSA JWK of rsa2048.pem (with all CRT members). */
static json_object *rsa_private_jwk(void)
{
    jwt_key_t *k = only_key(K("rsa2048.pem"));
    json_object *o = public_jwk(K("rsa2048.pem"));
    set_str(o, "d", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_D, 0));
    set_str(o, "p", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, 0));
    set_str(o, "q", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, 0));
    set_str(o, "dp", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0));
    set_str(o, "dq", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0));
    set_str(o, "qi", bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0));
    return o;
}

/* An oct JWK with a secret of len bytes. */
static const char *oct_jwk(size_t len, const char *extra)
{
    unsigned char *k = apr_palloc(tp, len + 1);
    for (size_t i = 0; i < len; i++)
        k[i] = (unsigned char)(0x41 + i % 26);
    return apr_psprintf(tp, "{\"kty\":\"oct\",\"k\":\"%s\"%s%s}", jwt_b64url_encode(tp, k, len),
                        extra ? "," : "", extra ? extra : "");
}

/* ---- PEM ------------------------------------------------------------------------------ */

START_TEST(test_pem_rsa)
{
    static const char *const files[] = { K("rsa2048.pub.pem"), K("rsa2048.pkcs1.pub.pem"),
                                         K("rsa2048.pem"), K("rsa2048.trad.pem"), K("cert-rsa2048.pem") };
    const jwt_algset_t rsa = JWT_ALGSET(JWT_ALG_RS256) | JWT_ALGSET(JWT_ALG_RS384) | JWT_ALGSET(JWT_ALG_RS512)
                           | JWT_ALGSET(JWT_ALG_PS256) | JWT_ALGSET(JWT_ALG_PS384) | JWT_ALGSET(JWT_ALG_PS512);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        jwt_key_t *k = only_key(files[i]);
        ck_assert_int_eq(k->kty, JWT_KTY_RSA);
        ck_assert_uint_eq(k->algs, rsa);
        ck_assert_int_eq(k->bits, 2048);
        ck_assert_int_eq(k->can_verify, 1);
        ck_assert_int_eq(k->can_sign, strstr(files[i], "pub") == NULL && strstr(files[i], "cert") == NULL);
        ck_assert_str_eq(k->source, tu_path(files[i]));
        ck_assert_ptr_null(k->kid);
    }
}
END_TEST

START_TEST(test_pem_ec_okp)
{
    static const struct { const char *file; jwt_kty_t kty; const char *crv; jwt_algset_t algs; int sign; } c[] = {
        { K("ec256.pub.pem"), JWT_KTY_EC, "P-256", JWT_ALGSET(JWT_ALG_ES256), 0 },
        { K("ec256.pem"), JWT_KTY_EC, "P-256", JWT_ALGSET(JWT_ALG_ES256), 1 },
        { K("ec256.sec1.pem"), JWT_KTY_EC, "P-256", JWT_ALGSET(JWT_ALG_ES256), 1 },
        { K("cert-ec256.pem"), JWT_KTY_EC, "P-256", JWT_ALGSET(JWT_ALG_ES256), 0 },
        { K("ec384.pub.pem"), JWT_KTY_EC, "P-384", JWT_ALGSET(JWT_ALG_ES384), 0 },
        { K("ec521.pem"), JWT_KTY_EC, "P-521", JWT_ALGSET(JWT_ALG_ES512), 1 },
        { K("ed25519.pub.pem"), JWT_KTY_OKP, "Ed25519", JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(JWT_ALG_ED25519), 0 },
        { K("ed25519.pem"), JWT_KTY_OKP, "Ed25519", JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(JWT_ALG_ED25519), 1 },
        { K("ed448.pub.pem"), JWT_KTY_OKP, "Ed448", JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(JWT_ALG_ED448), 0 },
        { K("ed448.pem"), JWT_KTY_OKP, "Ed448", JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(JWT_ALG_ED448), 1 },
    };
    jwt_key_t *k = only_key(c[_i].file);
    ck_assert_int_eq(k->kty, c[_i].kty);
    ck_assert_str_eq(k->crv, c[_i].crv);
    ck_assert_uint_eq(k->algs, c[_i].algs);
    ck_assert_int_eq(k->can_sign, c[_i].sign);
}
END_TEST

START_TEST(test_pem_refusals)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(load_file(ring, K("rsa1024.pub.pem"), NULL, NULL, &e), JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "1024") != NULL, "%s", e.message);
    ck_assert_code(load_file(ring, K("secp256k1.pub.pem"), NULL, NULL, &e), JWT_ERR_KEY_UNSUPPORTED);
    ck_assert_code(load_file(ring, K("notakey.txt"), NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "not a PEM key, certificate, JWK or JWKS") != NULL, "%s", e.message);
    ck_assert_code(load_file(ring, K("secret32.bin"), NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_file(ring, K("does-not-exist.pem"), NULL, NULL, &e), JWT_ERR_IO);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);

    const char *broken = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    ck_assert_code(jwt_keys_from_buffer(ring, broken, strlen(broken), "t", NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    const char *noend = "-----BEGIN PUBLIC KEY-----\nMFkw\n";
    ck_assert_code(jwt_keys_from_buffer(ring, noend, strlen(noend), "t", NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    const char *enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMFkw\n-----END ENCRYPTED PRIVATE KEY-----\n";
    ck_assert_code(jwt_keys_from_buffer(ring, enc, strlen(enc), "t", NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "encrypted") != NULL, "%s", e.message);
    const char *csr = "-----BEGIN CERTIFICATE REQUEST-----\nMFkw\n-----END CERTIFICATE REQUEST-----\n";
    ck_assert_code(jwt_keys_from_buffer(ring, csr, strlen(csr), "t", NULL, NULL, &e), JWT_ERR_KEY_UNSUPPORTED);
    ck_assert_code(jwt_keys_from_buffer(ring, "", 0, "t", NULL, NULL, &e), JWT_ERR_KEY_INVALID);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(test_pem_several_and_kid)
{
    size_t a_len, b_len;
    char *a = tu_slurp(tu_path(K("ec256.pub.pem")), &a_len);
    char *b = tu_slurp(tu_path(K("ed25519.pub.pem")), &b_len);
    char *both = apr_pstrcat(tp, "comment line\n", a, b, NULL);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    int n = 0;
    jwt_err_t e;
    ck_assert_code(jwt_keys_from_buffer(ring, both, strlen(both), "both", NULL, &n, &e), JWT_OK);
    ck_assert_int_eq(n, 2);
    /* kid= names one key: refused for a file of two, and nothing is added */
    ck_assert_code(jwt_keys_from_buffer(ring, both, strlen(both), "both", "x", &n, &e), JWT_ERR_ARG);
    ck_assert_int_eq(jwt_keyring_count(ring), 2);
    ck_assert_code(load_file(ring, K("ec256.pub.pem"), "ec", &n, &e), JWT_OK);
    ck_assert_str_eq(jwt_keyring_find_kid(ring, "ec")->crv, "P-256");
    ck_assert_code(load_file(ring, K("ed448.pub.pem"), "ec", &n, &e), JWT_ERR_KEY_DUPLICATE_KID);
    ck_assert_int_eq(jwt_keyring_count(ring), 3);
    /* a certificate chain: only the first certificate's key is used */
    size_t c1, c2;
    char *chain = apr_pstrcat(tp, tu_slurp(tu_path(K("cert-ec256.pem")), &c1),
                              tu_slurp(tu_path(K("cert-rsa2048.pem")), &c2), NULL);
    jwt_keyring_t *r2 = jwt_keyring_make(tp);
    ck_assert_code(jwt_keys_from_buffer(r2, chain, strlen(chain), "chain", NULL, &n, &e), JWT_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(r2->keys, 0, jwt_key_t *)->kty, JWT_KTY_EC);
}
END_TEST

START_TEST(test_file_size_cap)
{
    char path[] = "/tmp/jwt-key-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 1024 * 1024 + 1; i++)
        fputc(' ', f);
    fclose(f);
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    jwt_code_t rc = jwt_keys_from_file(ring, path, NULL, NULL, &e);
    unlink(path);
    ck_assert_code(rc, JWT_ERR_TOO_LARGE);
}
END_TEST

/* ---- secrets ---------------------------------------------------------------------------- */

START_TEST(test_secret_lengths)
{
    size_t len6, len32;
    char *s6 = tu_slurp(tu_path(K("secret6.bin")), &len6);
    char *s32 = tu_slurp(tu_path(K("secret32.bin")), &len32);
    jwt_key_t *k = NULL;
    jwt_err_t e;
    ck_assert_uint_eq(len6, 6);
    ck_assert_code(jwt_key_from_secret(tp, (unsigned char *)s6, len6, "s", "f", &k, &e), JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "6 bytes") && !strstr(e.message, "secret\""), "%s", e.message);
    ck_assert_code(jwt_key_from_secret(tp, (unsigned char *)s32, 31, "s", "f", &k, &e), JWT_ERR_KEY_WEAK);
    ck_assert_code(jwt_key_from_secret(tp, (unsigned char *)s32, len32, "s", "f", &k, &e), JWT_OK);
    ck_assert_uint_eq(k->algs, JWT_ALGSET(JWT_ALG_HS256));
    ck_assert_int_eq(k->can_sign, 1);
    ck_assert_int_eq(k->bits, 256);
    unsigned char big[64] = { 1 };
    ck_assert_code(jwt_key_from_secret(tp, big, 47, NULL, "f", &k, &e), JWT_OK);
    ck_assert_uint_eq(k->algs, JWT_ALGSET(JWT_ALG_HS256));
    ck_assert_code(jwt_key_from_secret(tp, big, 48, NULL, "f", &k, &e), JWT_OK);
    ck_assert_uint_eq(k->algs, JWT_ALGSET(JWT_ALG_HS256) | JWT_ALGSET(JWT_ALG_HS384));
    ck_assert_code(jwt_key_from_secret(tp, big, 64, NULL, "f", &k, &e), JWT_OK);
    ck_assert_uint_eq(k->algs, JWT_ALGSET_HMAC);
    /* the secret is copied: changing the caller's buffer changes nothing */
    big[0] = 9;
    ck_assert_int_eq(k->secret[0], 1);
}
END_TEST

START_TEST(test_oct_jwk)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    ck_assert_code(load_json(oct_jwk(31, NULL), &ring, &e), JWT_ERR_KEY_WEAK);
    ck_assert_code(load_json(oct_jwk(0, NULL), &ring, &e), JWT_ERR_KEY_WEAK);
    ck_assert_code(load_json(oct_jwk(64, "\"alg\":\"HS384\",\"kid\":\"h\""), &ring, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_uint_eq(k->algs, JWT_ALGSET(JWT_ALG_HS384));       /* narrowed to its alg */
    ck_assert_str_eq(k->kid, "h");
    ck_assert_code(load_json(oct_jwk(40, "\"alg\":\"HS512\""), &ring, &e), JWT_ERR_KEY_WEAK);
    ck_assert_code(load_json(oct_jwk(40, "\"alg\":\"RS256\""), &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"kty\":\"oct\"}", &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"kty\":\"oct\",\"k\":\"QUJD=\"}", &ring, &e), JWT_ERR_KEY_INVALID);
    /* public export of a secret is refused */
    json_object *o;
    ck_assert_code(jwt_key_public_jwk(tp, k, &o, &e), JWT_ERR_ARG);
}
END_TEST

/* ---- JWK: RSA / EC / OKP ---------------------------------------------------------------- */

START_TEST(test_jwk_roundtrip_public)
{
    static const char *const files[] = { K("rsa2048.pub.pem"), K("ec256.pub.pem"), K("ec384.pub.pem"),
                                         K("ec521.pub.pem"), K("ed25519.pub.pem"), K("ed448.pub.pem") };
    jwt_key_t *orig = only_key(files[_i]);
    json_object *jwk = public_jwk(files[_i]);
    json_object *use = NULL;
    ck_assert(json_object_object_get_ex(jwk, "use", &use));
    ck_assert_str_eq(json_object_get_string(use), "sig");
    ck_assert(!json_object_object_get_ex(jwk, "d", NULL));
    jwt_keyring_t *ring;
    jwt_err_t e;
    ck_assert_code(load_obj(jwk, &ring, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_int_eq(k->kty, orig->kty);
    ck_assert_uint_eq(k->algs, orig->algs);
    ck_assert_int_eq(k->bits, orig->bits);
    ck_assert_int_eq(EVP_PKEY_eq(k->pkey, orig->pkey), 1);
}
END_TEST

START_TEST(test_jwk_export_alg_and_kid)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(load_file(ring, K("ec256.pub.pem"), "ec1", NULL, &e), JWT_OK);
    json_object *o;
    ck_assert_code(jwt_key_public_jwk(tp, APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *), &o, &e), JWT_OK);
    const char *s = jwt_json_to_string(tp, o);
    ck_assert_msg(strstr(s, "\"kid\":\"ec1\"") && strstr(s, "\"alg\":\"ES256\"") && strstr(s, "\"crv\":\"P-256\""),
                  "%s", s);
    /* RSA keys are bound to six algs: no single alg to export */
    ck_assert_code(jwt_key_public_jwk(tp, only_key(K("rsa2048.pem")), &o, &e), JWT_OK);
    ck_assert(!json_object_object_get_ex(o, "alg", NULL));
    ck_assert(!json_object_object_get_ex(o, "d", NULL));
    ck_assert(!json_object_object_get_ex(o, "p", NULL));
}
END_TEST

START_TEST(test_jwk_rsa_private)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    json_object *full = rsa_private_jwk();
    ck_assert_code(load_obj(full, &ring, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_int_eq(k->can_sign, 1);
    /* it signs what the PEM public key verifies */
    unsigned char *sig;
    size_t sig_len;
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_RS256, k, (const unsigned char *)"abc", 3, &sig, &sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_RS256, only_key(K("rsa2048.pub.pem")), (const unsigned char *)"abc", 3,
                                  sig, sig_len, &e), JWT_OK);
    /* d alone is a usable private key too */
    json_object *donly = rsa_private_jwk();
    static const char *const crt[] = { "p", "q", "dp", "dq", "qi" };
    for (int i = 0; i < 5; i++)
        json_object_object_del(donly, crt[i]);
    ck_assert_code(load_obj(donly, &ring, &e), JWT_OK);
    /* some but not all CRT members */
    json_object *partial = rsa_private_jwk();
    json_object_object_del(partial, "qi");
    ck_assert_code(load_obj(partial, &ring, &e), JWT_ERR_KEY_INVALID);
    /* CRT members without d */
    json_object *nod = rsa_private_jwk();
    json_object_object_del(nod, "d");
    ck_assert_code(load_obj(nod, &ring, &e), JWT_ERR_KEY_INVALID);
    /* a p that does not belong to n */
    json_object *wrong = rsa_private_jwk();
    json_object *q = NULL;
    json_object_object_get_ex(wrong, "q", &q);
    set_str(wrong, "p", json_object_get_string(q));
    ck_assert_code(load_obj(wrong, &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(test_jwk_rsa_refusals)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    json_object *o;
    /* bad base64 in n: standard alphabet, padding, whitespace */
    o = public_jwk(K("rsa2048.pub.pem"));
    json_object *n = NULL;
    json_object_object_get_ex(o, "n", &n);
    const char *n_orig = apr_pstrdup(tp, json_object_get_string(n));
    char *nv = apr_pstrdup(tp, n_orig);
    nv[5] = '+';
    set_str(o, "n", nv);
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "\"n\"") && strstr(e.message, "base64url"), "%s", e.message);
    set_str(o, "n", apr_pstrcat(tp, n_orig, "=", NULL));
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    /* e = 1, e even, n missing, e missing, n not a string */
    o = public_jwk(K("rsa2048.pub.pem"));
    set_str(o, "e", "AQ");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "e", "AQAC");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    json_object_object_del(o, "e");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    o = public_jwk(K("rsa2048.pub.pem"));
    json_object_object_add(o, "n", json_object_new_int(5));
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    /* the 1024-bit fixture as a JWK */
    ck_assert_code(jwt_keys_from_file(jwt_keyring_make(tp), tu_path(K("rsa1024.pub.pem")), NULL, NULL, &e),
                   JWT_ERR_KEY_WEAK);
    unsigned char n1024[128];
    memset(n1024, 0xc5, sizeof(n1024));
    ck_assert_code(load_json(apr_psprintf(tp, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}",
                                          jwt_b64url_encode(tp, n1024, sizeof(n1024))), &ring, &e),
                   JWT_ERR_KEY_WEAK);
}
END_TEST

/* CVE-2017-15361: a modulus of Infineon's weak generator is refused as weak. */
START_TEST(test_jwk_rsa_roca)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(load_file(ring, K("roca.jwks.json"), NULL, NULL, &e), JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "ROCA") != NULL, "%s", e.message);
    /* while ordinary moduli (all the fixtures, and the RFC 7515 A.2 key) pass */
    ck_assert_code(load_file(ring, "fixtures/rfc/rfc7515-a2.jwk.json", NULL, NULL, &e), JWT_OK);
}
END_TEST

START_TEST(test_jwk_usage_members)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    json_object *o = public_jwk(K("ec256.pub.pem"));
    set_str(o, "use", "enc");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_USAGE);
    json_object_object_add(o, "use", json_object_new_int(1));
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "use", "sig");
    ck_assert_code(load_obj(o, &ring, &e), JWT_OK);

    o = public_jwk(K("ec256.pub.pem"));
    json_object_object_del(o, "use");
    json_object *ops = json_object_new_array();
    json_object_array_add(ops, json_object_new_string("encrypt"));
    json_object_object_add(o, "key_ops", ops);
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_USAGE);
    /* key_ops ["sign"] on a public key: nothing left that it may do */
    ops = json_object_new_array();
    json_object_array_add(ops, json_object_new_string("sign"));
    json_object_object_add(o, "key_ops", ops);
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_USAGE);
    /* "sign, verify" as one string is not "verify" */
    ops = json_object_new_array();
    json_object_array_add(ops, json_object_new_string("sign, verify"));
    json_object_object_add(o, "key_ops", ops);
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_USAGE);
    ops = json_object_new_array();
    json_object_array_add(ops, json_object_new_string("verify"));
    json_object_array_add(ops, json_object_new_string("verify"));
    json_object_object_add(o, "key_ops", ops);
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "key_ops", "verify");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    ops = json_object_new_array();
    json_object_array_add(ops, json_object_new_string("verify"));
    json_object_array_add(ops, json_object_new_string("encrypt"));
    json_object_object_add(o, "key_ops", ops);
    ck_assert_code(load_obj(o, &ring, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_int_eq(k->can_verify, 1);
    ck_assert_int_eq(k->can_sign, 0);
}
END_TEST

START_TEST(test_jwk_alg_member)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    json_object *o = public_jwk(K("rsa2048.pub.pem"));
    set_str(o, "alg", "PS384");
    ck_assert_code(load_obj(o, &ring, &e), JWT_OK);
    ck_assert_uint_eq(APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *)->algs, JWT_ALGSET(JWT_ALG_PS384));
    set_str(o, "alg", "ES256");                     /* alg of another key type */
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "alg", "HS256");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "alg", "none");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "alg", "RSA-OAEP");                  /* an encryption alg: not ours */
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_UNSUPPORTED);

    o = public_jwk(K("ec256.pub.pem"));
    set_str(o, "alg", "ES384");                     /* alg does not match the curve */
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "alg", "ES521");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_UNSUPPORTED);

    o = public_jwk(K("ed25519.pub.pem"));
    set_str(o, "alg", "Ed448");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(o, "alg", "EdDSA");
    ck_assert_code(load_obj(o, &ring, &e), JWT_OK);
    ck_assert_uint_eq(APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *)->algs, JWT_ALGSET(JWT_ALG_EDDSA));
}
END_TEST

START_TEST(test_jwk_ec_refusals)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    json_object *o = public_jwk(K("ec256.pub.pem"));
    json_object *y = NULL;
    json_object_object_get_ex(o, "y", &y);
    unsigned char *yb;
    size_t ylen;
    ck_assert_code(jwt_b64url_decode(tp, json_object_get_string(y), strlen(json_object_get_string(y)), &yb,
                                     &ylen, &e), JWT_OK);
    /* point not on the curve: y + 1 */
    yb[ylen - 1] ^= 1;
    const char *ybad = jwt_b64url_encode(tp, yb, ylen);
    yb[ylen - 1] ^= 1;
    json_object *bad = public_jwk(K("ec256.pub.pem"));
    set_str(bad, "y", ybad);
    ck_assert_code(load_obj(bad, &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "not a point on P-256") != NULL, "%s", e.message);
    /* x, y of the wrong length (a leading zero added, or a byte dropped) */
    unsigned char longer[33] = { 0 };
    memcpy(longer + 1, yb, 32);
    json_object *l = public_jwk(K("ec256.pub.pem"));
    set_str(l, "y", jwt_b64url_encode(tp, longer, 33));
    ck_assert_code(load_obj(l, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(l, "y", jwt_b64url_encode(tp, yb + 1, 31));
    ck_assert_code(load_obj(l, &ring, &e), JWT_ERR_KEY_INVALID);
    /* a P-256 point labelled P-384 */
    json_object *c = public_jwk(K("ec256.pub.pem"));
    set_str(c, "crv", "P-384");
    ck_assert_code(load_obj(c, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(c, "crv", "secp256k1");
    ck_assert_code(load_obj(c, &ring, &e), JWT_ERR_KEY_UNSUPPORTED);
    json_object_object_del(c, "crv");
    ck_assert_code(load_obj(c, &ring, &e), JWT_ERR_KEY_INVALID);
    /* the point at infinity is not a valid encoding either: all-zero x, y */
    unsigned char zero[32] = { 0 };
    json_object *z = public_jwk(K("ec256.pub.pem"));
    set_str(z, "x", jwt_b64url_encode(tp, zero, 32));
    set_str(z, "y", jwt_b64url_encode(tp, zero, 32));
    ck_assert_code(load_obj(z, &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(test_jwk_ec_okp_private)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    jwt_key_t *ec = only_key(K("ec256.pem"));
    json_object *o = public_jwk(K("ec256.pem"));
    set_str(o, "d", bn_b64(ec->pkey, OSSL_PKEY_PARAM_PRIV_KEY, 32));
    ck_assert_code(load_obj(o, &ring, &e), JWT_OK);
    ck_assert_int_eq(APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *)->can_sign, 1);
    /* d of another key */
    jwt_key_t *ec_other = only_key(K("ec256.sec1.pem"));
    set_str(o, "d", bn_b64(ec_other->pkey, OSSL_PKEY_PARAM_PRIV_KEY, 32));
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);

    jwt_key_t *ed = only_key(K("ed25519.pem"));
    unsigned char d[32];
    size_t dlen = sizeof(d);
    ck_assert_int_eq(EVP_PKEY_get_raw_private_key(ed->pkey, d, &dlen), 1);
    json_object *okp = public_jwk(K("ed25519.pem"));
    set_str(okp, "d", jwt_b64url_encode(tp, d, dlen));
    ck_assert_code(load_obj(okp, &ring, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_int_eq(k->can_sign, 1);
    d[0] ^= 1;
    set_str(okp, "d", jwt_b64url_encode(tp, d, dlen));
    ck_assert_code(load_obj(okp, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(okp, "d", jwt_b64url_encode(tp, d, dlen - 1));
    ck_assert_code(load_obj(okp, &ring, &e), JWT_ERR_KEY_INVALID);
    set_str(okp, "crv", "X25519");
    ck_assert_code(load_obj(okp, &ring, &e), JWT_ERR_KEY_UNSUPPORTED);
    set_str(okp, "crv", "Ed448");                  /* 32-byte x for a 57-byte curve */
    json_object_object_del(okp, "d");
    ck_assert_code(load_obj(okp, &ring, &e), JWT_ERR_KEY_INVALID);
}
END_TEST

START_TEST(test_jwk_kty)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    ck_assert_code(load_json("{\"kty\":\"foo\",\"x\":\"AA\"}", &ring, &e), JWT_ERR_KEY_UNSUPPORTED);
    ck_assert_code(load_json("{\"x\":\"AA\"}", &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"kty\":7}", &ring, &e), JWT_ERR_KEY_INVALID);
    /* an EC key labelled RSA */
    json_object *o = public_jwk(K("ec256.pub.pem"));
    set_str(o, "kty", "RSA");
    ck_assert_code(load_obj(o, &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"kty\":\"oct\",\"k\":\"AAAA\",\"k\":\"BBBB\"}", &ring, &e), JWT_ERR_JSON_DUPLICATE);
    ck_assert_code(load_json("{\"kty\":\"oct\"", &ring, &e), JWT_ERR_JSON);
    /* kid must be a string */
    ck_assert_code(load_json(oct_jwk(32, "\"kid\":5"), &ring, &e), JWT_ERR_KEY_INVALID);
}
END_TEST

/* ---- JWKS ----------------------------------------------------------------------------- */

static const char *jwks_of(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    const char *s = "{\"keys\":[";
    for (int i = 0; i < n; i++)
        s = apr_pstrcat(tp, s, i ? "," : "", va_arg(ap, const char *), NULL);
    va_end(ap);
    return apr_pstrcat(tp, s, "]}", NULL);
}

static const char *pub_with_kid(const char *rel, const char *kid)
{
    json_object *o = public_jwk(rel);
    set_str(o, "kid", kid);
    return jwt_json_to_string(tp, o);
}

START_TEST(test_jwks)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    int n = 0, skipped = 0;
    const char *set = jwks_of(4, pub_with_kid(K("rsa2048.pub.pem"), "r"), pub_with_kid(K("ec256.pub.pem"), "e"),
                              "{\"kty\":\"PQC\",\"kid\":\"future\"}",
                              "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"x\",\"x\":\"AAAA\"}");
    ck_assert_code(jwt_keys_from_buffer_ex(ring, set, strlen(set), "jwks", NULL, &n, &skipped, &e), JWT_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(skipped, 2);
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "r"));
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "e"));
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "future"));
    /* keys for encryption are skipped as well */
    json_object *enc = public_jwk(K("ed25519.pub.pem"));
    set_str(enc, "use", "enc");
    set_str(enc, "kid", "enc");
    set = jwks_of(2, jwt_json_to_string(tp, enc), pub_with_kid(K("ed448.pub.pem"), "ed"));
    ck_assert_code(jwt_keys_from_buffer_ex(ring, set, strlen(set), "jwks2", NULL, &n, &skipped, &e), JWT_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(skipped, 1);
    ck_assert_int_eq(jwt_keyring_count(ring), 3);
    /* kid= on a JWKS */
    ck_assert_code(jwt_keys_from_buffer(ring, set, strlen(set), "jwks", "k", NULL, &e), JWT_ERR_ARG);
    /* kid= on a single JWK replaces its own kid */
    const char *one = pub_with_kid(K("ec384.pub.pem"), "own");
    ck_assert_code(jwt_keys_from_buffer(ring, one, strlen(one), "jwk", "renamed", &n, &e), JWT_OK);
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "renamed"));
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "own"));
}
END_TEST

START_TEST(test_jwks_refusals)
{
    jwt_keyring_t *ring;
    jwt_err_t e;
    ck_assert_code(load_json("{\"keys\":[]}", &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"keys\":{}}", &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"keys\":[\"x\"]}", &ring, &e), JWT_ERR_KEY_INVALID);
    ck_assert_code(load_json("{\"keys\":[{\"kty\":\"PQC\"},{\"kty\":\"OKP\",\"crv\":\"X448\",\"x\":\"AA\"}]}", &ring, &e),
                   JWT_ERR_KEY_UNSUPPORTED);
    /* duplicate kids within the set */
    ck_assert_code(load_json(jwks_of(2, pub_with_kid(K("ec256.pub.pem"), "a"), pub_with_kid(K("ec384.pub.pem"), "a")),
                             &ring, &e), JWT_ERR_KEY_DUPLICATE_KID);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    /* one weak key fails the whole set, naming which */
    ck_assert_code(load_json(jwks_of(2, pub_with_kid(K("ec256.pub.pem"), "a"), oct_jwk(16, NULL)), &ring, &e),
                   JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "key #1") != NULL, "%s", e.message);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    /* secrets and public keys in one set */
    ck_assert_code(load_json(jwks_of(2, pub_with_kid(K("ec256.pub.pem"), "a"), oct_jwk(32, "\"kid\":\"b\"")), &ring, &e),
                   JWT_ERR_KEY_INVALID);
    ck_assert_msg(strstr(e.message, "mixes") != NULL, "%s", e.message);
    /* a kid already in the ring: nothing of the new set is added */
    ring = jwt_keyring_make(tp);
    const char *one = jwks_of(1, pub_with_kid(K("ec256.pub.pem"), "a"));
    ck_assert_code(jwt_keys_from_buffer(ring, one, strlen(one), "one", NULL, NULL, &e), JWT_OK);
    const char *two = jwks_of(2, pub_with_kid(K("ed25519.pub.pem"), "b"), pub_with_kid(K("ec384.pub.pem"), "a"));
    ck_assert_code(jwt_keys_from_buffer(ring, two, strlen(two), "two", NULL, NULL, &e), JWT_ERR_KEY_DUPLICATE_KID);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "b"));
}
END_TEST

/* ---- keyrings and descriptions ----------------------------------------------------------- */

START_TEST(test_keyring)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    unsigned char s[32] = { 0 };
    jwt_key_t *a, *b, *c, *d;
    ck_assert_code(jwt_key_from_secret(tp, s, 32, "a", "x", &a, &e), JWT_OK);
    ck_assert_code(jwt_key_from_secret(tp, s, 32, "a", "y", &b, &e), JWT_OK);
    ck_assert_code(jwt_key_from_secret(tp, s, 32, NULL, "z", &c, &e), JWT_OK);
    ck_assert_code(jwt_key_from_secret(tp, s, 32, NULL, "z", &d, &e), JWT_OK);
    ck_assert_int_eq(jwt_keyring_count(ring), 0);
    ck_assert_code(jwt_keyring_add(ring, a, &e), JWT_OK);
    ck_assert_code(jwt_keyring_add(ring, b, &e), JWT_ERR_KEY_DUPLICATE_KID);
    ck_assert_code(jwt_keyring_add(ring, c, &e), JWT_OK);
    ck_assert_code(jwt_keyring_add(ring, d, &e), JWT_OK);      /* keys without kid may repeat */
    ck_assert_int_eq(jwt_keyring_count(ring), 3);
    ck_assert_ptr_eq(jwt_keyring_find_kid(ring, "a"), a);
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, "b"));
    ck_assert_ptr_null(jwt_keyring_find_kid(ring, NULL));
}
END_TEST

START_TEST(test_describe)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(load_file(ring, K("rsa2048.pub.pem"), "rs", NULL, &e), JWT_OK);
    const char *d = jwt_key_describe(tp, jwt_keyring_find_kid(ring, "rs"));
    ck_assert_msg(strstr(d, "kid=rs (RSA 2048, RS256 RS384 RS512 PS256 PS384 PS512)") != NULL, "%s", d);
    ck_assert_msg(strstr(d, tu_path(K("rsa2048.pub.pem"))) != NULL, "%s", d);
    d = jwt_key_describe(tp, only_key(K("ed448.pem")));
    ck_assert_msg(strstr(d, "key without kid (OKP Ed448, EdDSA Ed448, can sign)") != NULL, "%s", d);
    jwt_key_t *k;
    unsigned char s[48] = { 0 };
    ck_assert_code(jwt_key_from_secret(tp, s, 48, "h\n\"x", "secrets", &k, &e), JWT_OK);
    d = jwt_key_describe(tp, k);
    /* hostile kids are neutralised, the secret never appears */
    ck_assert_msg(strstr(d, "kid=h??x (oct 384, HS256 HS384, can sign)") != NULL, "%s", d);
}
END_TEST

/* RFC 7638 section 3.1: the thumbprint of the RFC 7517 A.1 RSA key. The module and the admin
 * page name kid-less keys this way, and the login handler's tokens rely on it. */
START_TEST(test_thumbprint_rfc7638)
{
    static const char jwk[] =
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\","
        "\"e\":\"AQAB\",\"alg\":\"RS256\"}";
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t err;
    const jwt_key_t *key;
    ck_assert_code(jwt_keys_from_buffer(ring, jwk, strlen(jwk), "rfc7638", NULL, NULL, &err), JWT_OK);
    key = APR_ARRAY_IDX(ring->keys, 0, const jwt_key_t *);
    ck_assert_ptr_null(key->kid);
    ck_assert_str_eq(jwt_key_thumbprint(tp, key, &err), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    jwt_keyring_name_by_thumbprint(ring, 0);
    ck_assert_str_eq(key->kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    ck_assert_ptr_eq(jwt_keyring_find_kid(ring, key->kid), key);
}
END_TEST

START_TEST(test_thumbprint_refuses_secret)
{
    static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";
    jwt_key_t *key;
    jwt_err_t err;
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    ck_assert_code(jwt_key_from_secret(tp, secret, sizeof(secret), NULL, "test", &key, &err), JWT_OK);
    ck_assert_ptr_null(jwt_key_thumbprint(tp, key, &err));
    ck_assert_int_eq(err.code, JWT_ERR_ARG);
    /* secrets keep no kid: naming never touches them */
    ck_assert_code(jwt_keyring_add(ring, key, &err), JWT_OK);
    jwt_keyring_name_by_thumbprint(ring, 0);
    ck_assert_ptr_null(key->kid);
}
END_TEST

Suite *suite_key(void)
{
    Suite *s = suite_create("key");
    TCase *tc = tcase_create("key");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pem_rsa);
    tcase_add_loop_test(tc, test_pem_ec_okp, 0, 10);
    tcase_add_test(tc, test_pem_refusals);
    tcase_add_test(tc, test_pem_several_and_kid);
    tcase_add_test(tc, test_file_size_cap);
    tcase_add_test(tc, test_secret_lengths);
    tcase_add_test(tc, test_oct_jwk);
    tcase_add_loop_test(tc, test_jwk_roundtrip_public, 0, 6);
    tcase_add_test(tc, test_jwk_export_alg_and_kid);
    tcase_add_test(tc, test_jwk_rsa_private);
    tcase_add_test(tc, test_jwk_rsa_refusals);
    tcase_add_test(tc, test_jwk_rsa_roca);
    tcase_add_test(tc, test_jwk_usage_members);
    tcase_add_test(tc, test_jwk_alg_member);
    tcase_add_test(tc, test_jwk_ec_refusals);
    tcase_add_test(tc, test_jwk_ec_okp_private);
    tcase_add_test(tc, test_jwk_kty);
    tcase_add_test(tc, test_jwks);
    tcase_add_test(tc, test_jwks_refusals);
    tcase_add_test(tc, test_keyring);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_thumbprint_rfc7638);
    tcase_add_test(tc, test_thumbprint_refuses_secret);
    suite_add_tcase(s, tc);
    return s;
}
