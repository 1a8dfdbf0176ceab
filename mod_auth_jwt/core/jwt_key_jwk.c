/* jwt_key_jwk.c -- JWK import (RFC 7517/7518: oct, RSA, EC, OKP) and JWK Sets. The
 * checks each key passes, and the public JWK export, are jwt_key.c's. */
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/decoder.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "jwt_key.h"
#include "jwt_key_int.h"
#include "jwt_b64.h"
#include "jwt_json.h"

/* Optional string member. Absent -> *out NULL. Not a string, or containing NUL -> error. */
static jwt_code_t member_string(json_object *jwk, const char *name, const char **out,
                                jwt_err_t *err)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(jwk, name, &v))
        return JWT_OK;
    if (!json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is not a string", name);
    const char *s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" contains a NUL byte", name);
    *out = s;
    return JWT_OK;
}

/* Strict base64url member (RFC 7518 6: every key parameter is base64url, unpadded).
 * Absent and required -> KEY_INVALID; absent and optional -> *out NULL. */
static jwt_code_t member_b64(apr_pool_t *p, json_object *jwk, const char *name, int required,
                             unsigned char **out, size_t *len, jwt_err_t *err)
{
    json_object *v = NULL;
    *out = NULL;
    *len = 0;
    if (!json_object_object_get_ex(jwk, name, &v)) {
        if (required)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is missing member \"%s\"", name);
        return JWT_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is not a string", name);
    jwt_err_t inner;
    jwt_err_clear(&inner);
    if (jwt_b64url_decode(p, json_object_get_string(v), (size_t)json_object_get_string_len(v),
                          out, len, &inner) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is not strict base64url (%s)",
                       name, inner.message);
    return JWT_OK;
}

static void secure_free(unsigned char *buf, size_t len)
{
    if (buf != NULL)
        OPENSSL_cleanse(buf, len);
}

/* ------------------------------------------------------------------------------------ */
/* use / key_ops / alg / kid                                                            */

static jwt_code_t apply_use(apr_pool_t *p, json_object *jwk, jwt_err_t *err)
{
    const char *use;
    jwt_code_t rc = member_string(jwk, "use", &use, err);
    if (rc != JWT_OK)
        return rc;
    if (use != NULL && strcmp(use, "sig") != 0)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "JWK \"use\" is \"%s\", not \"sig\"",
                       jwtk_printable(p, use, strlen(use)));
    return JWT_OK;
}

static jwt_code_t apply_key_ops(json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    json_object *ops = NULL;
    if (!json_object_object_get_ex(jwk, "key_ops", &ops))
        return JWT_OK;
    if (!json_object_is_type(ops, json_type_array))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"key_ops\" is not an array");
    int has_sign = 0, has_verify = 0;
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++) {
        json_object *op = json_object_array_get_idx(ops, i);
        if (!json_object_is_type(op, json_type_string))
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"key_ops\" member is not a string");
        const char *s = json_object_get_string(op);
        int *flag = strcmp(s, "sign") == 0 ? &has_sign : strcmp(s, "verify") == 0 ? &has_verify : NULL;
        if (flag == NULL)
            continue;            /* other operations (encrypt, wrapKey ...) grant nothing here */
        if (*flag)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"key_ops\" repeats \"%s\"", s);
        *flag = 1;
    }
    if (!has_sign && !has_verify)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "JWK \"key_ops\" permits neither \"verify\" nor \"sign\"");
    key->can_verify = has_verify;
    key->can_sign = key->can_sign && has_sign;
    if (!key->can_verify && !key->can_sign)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE,
                       "JWK \"key_ops\" permits only \"sign\" but the key has no private part");
    return JWT_OK;
}

static jwt_code_t apply_alg(json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    const char *name;
    jwt_code_t rc = member_string(jwk, "alg", &name, err);
    if (rc != JWT_OK || name == NULL)
        return rc;
    jwt_alg_t alg;
    jwt_err_t inner;
    jwt_err_clear(&inner);
    rc = jwt_alg_from_name(name, &alg, &inner);
    if (rc == JWT_ERR_ALG_NONE)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"alg\" is \"none\"");
    if (rc != JWT_OK)   /* RSA-OAEP, A256GCM, ES224 ...: not a signature alg we implement */
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "JWK %s", inner.message);
    if ((key->algs & JWT_ALGSET(alg)) == 0) {
        if (key->kty == JWT_KTY_OCT && (JWT_ALGSET(alg) & JWT_ALGSET_HMAC))
            return JWT_ERR(err, JWT_ERR_KEY_WEAK,
                           "JWK \"alg\" is %s but the secret (%zu bytes) is shorter than its "
                           "%zu-byte hash", jwt_alg_name(alg), key->secret_len,
                           jwt_alg_hash_len(alg));
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"alg\" %s does not fit a %s%s%s key",
                       jwt_alg_name(alg), jwtk_kty_name(key->kty), key->crv ? " " : "",
                       key->crv ? key->crv : "");
    }
    key->algs = JWT_ALGSET(alg);
    return JWT_OK;
}

static jwt_code_t apply_kid(apr_pool_t *p, json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    const char *kid;
    jwt_code_t rc = member_string(jwk, "kid", &kid, err);
    if (rc == JWT_OK && kid != NULL)
        key->kid = apr_pstrdup(p, kid);
    return rc;
}

/* The JWK members every key type shares, applied after the key material is known. */
static jwt_code_t apply_jwk_metadata(apr_pool_t *p, json_object *jwk, jwt_key_t *key,
                                     jwt_err_t *err)
{
    jwt_code_t rc;
    if ((rc = apply_kid(p, jwk, key, err)) != JWT_OK) return rc;
    if ((rc = apply_use(p, jwk, err)) != JWT_OK) return rc;
    if ((rc = apply_key_ops(jwk, key, err)) != JWT_OK) return rc;
    return apply_alg(jwk, key, err);
}

/* ------------------------------------------------------------------------------------ */
/* building EVP_PKEYs from parameters                                                   */

static jwt_code_t pkey_fromdata(const char *type, int selection, OSSL_PARAM_BLD *bld,
                                EVP_PKEY **out, const char *failure, jwt_err_t *err)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    jwt_code_t rc = JWT_OK;

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1) {
        rc = JWT_ERR(err, JWT_ERR_CRYPTO, "cannot build a %s key: ", type);
        jwt_err_append_openssl(err);
    } else if (EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1 || pkey == NULL) {
        jwt_err_clear_openssl();        /* expected for bad input, e.g. a point off the curve */
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s", failure);
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (rc == JWT_OK)
        *out = pkey;
    else
        EVP_PKEY_free(pkey);
    return rc;
}

static jwt_code_t oct_from_jwk(apr_pool_t *p, json_object *jwk, const char *source,
                               jwt_key_t **out, jwt_err_t *err)
{
    unsigned char *k;
    size_t klen;
    jwt_code_t rc = member_b64(p, jwk, "k", 1, &k, &klen, err);
    if (rc != JWT_OK)
        return rc;
    const char *kid = NULL;
    if ((rc = member_string(jwk, "kid", &kid, err)) != JWT_OK)
        return rc;
    rc = jwt_key_from_secret(p, k, klen, kid, source, out, err);
    secure_free(k, klen);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* JWK: RSA                                                                             */

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_DP, RSA_DQ, RSA_QI, RSA__COUNT };

static const char *const rsa_members[RSA__COUNT] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
static const char *const rsa_params[RSA__COUNT] = {
    OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

static void free_bns(BIGNUM **bn, int count)
{
    for (int i = 0; i < count; i++)
        BN_clear_free(bn[i]);
}

/* Decode the RSA members into BIGNUMs. Public n and e are required; the private part is
 * d alone, or d with all five CRT members (RFC 7518 6.3.2: all or none of them). */
static jwt_code_t rsa_read_members(apr_pool_t *p, json_object *jwk, BIGNUM **bn, int *has_private,
                                   jwt_err_t *err)
{
    int present = 0;
    for (int i = 0; i < RSA__COUNT; i++) {
        unsigned char *buf;
        size_t len;
        jwt_code_t rc = member_b64(p, jwk, rsa_members[i], i <= RSA_E, &buf, &len, err);
        if (rc != JWT_OK)
            return rc;
        if (buf == NULL)
            continue;
        if (len == 0)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is empty", rsa_members[i]);
        bn[i] = BN_bin2bn(buf, (int)len, NULL);
        secure_free(buf, len);
        if (bn[i] == NULL) {
            JWT_ERR(err, JWT_ERR_CRYPTO, "cannot decode RSA member: ");
            jwt_err_append_openssl(err);
            return JWT_ERR_CRYPTO;
        }
        if (i >= RSA_P)
            present++;
    }
    if (bn[RSA_D] == NULL && present > 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA JWK has CRT members but no \"d\"");
    if (present != 0 && present != RSA_QI - RSA_P + 1)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                       "RSA JWK has some but not all of \"p\", \"q\", \"dp\", \"dq\", \"qi\"");
    *has_private = bn[RSA_D] != NULL;
    return JWT_OK;
}

static jwt_code_t rsa_from_jwk(apr_pool_t *p, json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    BIGNUM *bn[RSA__COUNT] = { NULL };
    int has_private = 0;
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    jwt_code_t rc = rsa_read_members(p, jwk, bn, &has_private, err);
    if (rc == JWT_OK)
        rc = jwtk_check_rsa_public(bn[RSA_N], bn[RSA_E], err);
    if (rc == JWT_OK && (bld = OSSL_PARAM_BLD_new()) == NULL)
        rc = JWT_ERR(err, JWT_ERR_CRYPTO, "out of memory building an RSA key");
    for (int i = 0; rc == JWT_OK && i < RSA__COUNT; i++) {
        if (bn[i] != NULL && OSSL_PARAM_BLD_push_BN(bld, rsa_params[i], bn[i]) != 1)
            rc = JWT_ERR(err, JWT_ERR_CRYPTO, "cannot build RSA parameters");
    }
    if (rc == JWT_OK)
        rc = pkey_fromdata("RSA", has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld,
                           &pkey, "RSA JWK parameters do not form a key", err);
    /* With the CRT factors OpenSSL can prove d matches n and e; a d-only key signs
     * nothing we would accept if wrong, and tests catch that at sign time. */
    if (rc == JWT_OK && has_private && bn[RSA_P] != NULL)
        rc = jwtk_check_with_ctx(pkey, 1, "RSA private key does not match its public key", err);
    OSSL_PARAM_BLD_free(bld);
    free_bns(bn, RSA__COUNT);
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    jwtk_key_own_pkey(p, key, pkey);
    key->can_sign = has_private;
    key->algs = jwtk_rsa_algs();
    key->bits = EVP_PKEY_get_bits(pkey);
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* JWK: EC                                                                              */

static jwt_code_t member_fixed(apr_pool_t *p, json_object *jwk, const char *name, int required,
                               size_t want, const char *crv, unsigned char **out, jwt_err_t *err)
{
    size_t len;
    jwt_code_t rc = member_b64(p, jwk, name, required, out, &len, err);
    if (rc != JWT_OK || *out == NULL)
        return rc;
    /* RFC 7518 6.2.1.2: the full field length, no more, no less (no leading-zero games). */
    if (len != want)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is %zu bytes, %s needs %zu",
                       name, len, crv, want);
    return JWT_OK;
}

static jwt_code_t ec_from_jwk(apr_pool_t *p, json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    const char *crv;
    jwt_code_t rc = member_string(jwk, "crv", &crv, err);
    if (rc != JWT_OK)
        return rc;
    if (crv == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "EC JWK is missing member \"crv\"");
    const ec_curve_t *c = jwtk_ec_curve_by_crv(crv);
    if (c == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "EC curve \"%s\" is not supported",
                       jwtk_printable(p, crv, strlen(crv)));

    unsigned char *x = NULL, *y = NULL, *d = NULL;
    if ((rc = member_fixed(p, jwk, "x", 1, c->field_len, c->crv, &x, err)) != JWT_OK
        || (rc = member_fixed(p, jwk, "y", 1, c->field_len, c->crv, &y, err)) != JWT_OK
        || (rc = member_fixed(p, jwk, "d", 0, c->field_len, c->crv, &d, err)) != JWT_OK)
        return rc;

    unsigned char *point = apr_palloc(p, 1 + 2 * c->field_len);
    point[0] = 0x04;                                  /* uncompressed SEC1 point */
    memcpy(point + 1, x, c->field_len);
    memcpy(point + 1 + c->field_len, y, c->field_len);

    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *priv = d ? BN_bin2bn(d, (int)c->field_len, NULL) : NULL;
    EVP_PKEY *pkey = NULL;
    secure_free(d, d ? c->field_len : 0);
    if (bld == NULL || (d != NULL && priv == NULL)
        || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->group, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                            1 + 2 * c->field_len) != 1
        || (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)) {
        rc = JWT_ERR(err, JWT_ERR_CRYPTO, "cannot build EC parameters: ");
        jwt_err_append_openssl(err);
    } else {
        const char *msg = apr_psprintf(p, "EC public key is not a point on %s", c->crv);
        rc = pkey_fromdata("EC", priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld, &pkey,
                           msg, err);
        /* fromdata already decodes the point onto the curve; the public check adds the
         * point-at-infinity and subgroup checks. */
        if (rc == JWT_OK)
            rc = jwtk_check_with_ctx(pkey, 0, msg, err);
        if (rc == JWT_OK && priv != NULL)
            rc = jwtk_check_with_ctx(pkey, 1, "EC private key \"d\" does not match x, y", err);
    }
    BN_clear_free(priv);
    OSSL_PARAM_BLD_free(bld);
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    jwtk_key_own_pkey(p, key, pkey);
    key->can_sign = priv != NULL;
    key->crv = c->crv;
    key->algs = JWT_ALGSET(c->alg);
    key->bits = EVP_PKEY_get_bits(pkey);
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* JWK: OKP (Ed25519, Ed448)                                                            */

static jwt_code_t okp_from_jwk(apr_pool_t *p, json_object *jwk, jwt_key_t *key, jwt_err_t *err)
{
    const char *crv;
    jwt_code_t rc = member_string(jwk, "crv", &crv, err);
    if (rc != JWT_OK)
        return rc;
    if (crv == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "OKP JWK is missing member \"crv\"");
    const okp_curve_t *c = jwtk_okp_curve_by_crv(crv);
    if (c == NULL)   /* X25519 / X448 are key agreement curves: not for signatures */
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "OKP curve \"%s\" is not a signature curve we support",
                       jwtk_printable(p, crv, strlen(crv)));
    unsigned char *x = NULL, *d = NULL;
    if ((rc = member_fixed(p, jwk, "x", 1, c->key_len, c->crv, &x, err)) != JWT_OK
        || (rc = member_fixed(p, jwk, "d", 0, c->key_len, c->crv, &d, err)) != JWT_OK)
        return rc;

    EVP_PKEY *pkey = d
        ? EVP_PKEY_new_raw_private_key_ex(NULL, c->ossl_name, NULL, d, c->key_len)
        : EVP_PKEY_new_raw_public_key_ex(NULL, c->ossl_name, NULL, x, c->key_len);
    secure_free(d, d ? c->key_len : 0);
    if (pkey == NULL) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s JWK key material is not a key", c->crv);
    }
    if (d != NULL) {
        /* The public key derived from d must be the x we were given. */
        unsigned char pub[57];
        size_t publen = sizeof(pub);
        if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 || publen != c->key_len
            || CRYPTO_memcmp(pub, x, c->key_len) != 0) {
            jwt_err_clear_openssl();
            EVP_PKEY_free(pkey);
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s private key \"d\" does not match \"x\"", c->crv);
        }
    }
    jwtk_key_own_pkey(p, key, pkey);
    key->can_sign = d != NULL;
    key->crv = c->crv;
    key->algs = jwtk_okp_algs(c);
    key->bits = EVP_PKEY_get_bits(pkey);
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* JWK dispatch                                                                         */

jwt_code_t jwt_key_from_jwk(apr_pool_t *p, json_object *jwk, const char *source,
                            jwt_key_t **out, jwt_err_t *err)
{
    if (p == NULL || out == NULL || jwk == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "JWK import: missing argument");
    if (!json_object_is_type(jwk, json_type_object))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is not a JSON object");
    const char *kty;
    jwt_code_t rc = member_string(jwk, "kty", &kty, err);
    if (rc != JWT_OK)
        return rc;
    if (kty == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is missing member \"kty\"");

    jwt_key_t *key = NULL;
    if (strcmp(kty, "oct") == 0) {
        rc = oct_from_jwk(p, jwk, source, &key, err);
    } else if (strcmp(kty, "RSA") == 0) {
        key = jwtk_key_new(p, JWT_KTY_RSA, source);
        rc = rsa_from_jwk(p, jwk, key, err);
    } else if (strcmp(kty, "EC") == 0) {
        key = jwtk_key_new(p, JWT_KTY_EC, source);
        rc = ec_from_jwk(p, jwk, key, err);
    } else if (strcmp(kty, "OKP") == 0) {
        key = jwtk_key_new(p, JWT_KTY_OKP, source);
        rc = okp_from_jwk(p, jwk, key, err);
    } else {
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "JWK kty \"%s\" is not supported",
                       jwtk_printable(p, kty, strlen(kty)));
    }
    if (rc != JWT_OK)
        return rc;
    if ((rc = apply_jwk_metadata(p, jwk, key, err)) != JWT_OK) {
        jwtk_key_release(p, key);
        return rc;
    }
    *out = key;
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* JSON (JWK / JWKS) -> keys                                                            */

static jwt_code_t jwks_to_keys(apr_pool_t *p, json_object *set, const char *source,
                               apr_array_header_t *keys, int *skipped, jwt_err_t *err)
{
    json_object *arr = NULL;
    json_object_object_get_ex(set, "keys", &arr);
    if (!json_object_is_type(arr, json_type_array))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: JWKS \"keys\" is not an array", source);
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: JWKS has no keys", source);

    int n_oct = 0, n_asym = 0, n_skipped = 0;
    jwt_err_t skip_reason;
    jwt_err_clear(&skip_reason);
    for (size_t i = 0; i < n; i++) {
        json_object *jwk = json_object_array_get_idx(arr, i);
        jwt_key_t *key = NULL;
        jwt_err_t kerr;
        jwt_err_clear(&kerr);
        jwt_code_t rc = jwt_key_from_jwk(p, jwk, source, &key, &kerr);
        /* A JWKS legitimately carries keys for other purposes (encryption keys, curves we
         * do not implement): skip those, count them, keep the rest. */
        if (rc == JWT_ERR_KEY_UNSUPPORTED || rc == JWT_ERR_KEY_USAGE) {
            n_skipped++;
            skip_reason = kerr;
            continue;
        }
        if (rc != JWT_OK) {
            /* a local file is the operator's: name the key, so it can be found and fixed */
            json_object *kv = NULL;
            const char *kid = json_object_is_type(jwk, json_type_object)
                              && json_object_object_get_ex(jwk, "kid", &kv)
                              && json_object_is_type(kv, json_type_string)
                              ? jwtk_printable(p, json_object_get_string(kv),
                                          (size_t)json_object_get_string_len(kv)) : NULL;
            return JWT_ERR(err, rc, "%s: key #%zu%s%s%s: %s", source, i, kid ? " (kid \"" : "",
                           kid ? kid : "", kid ? "\")" : "", kerr.message);
        }
        if (key->kty == JWT_KTY_OCT) n_oct++; else n_asym++;
        APR_ARRAY_PUSH(keys, jwt_key_t *) = key;
    }
    if (skipped)
        *skipped = n_skipped;
    if (keys->nelts == 0)
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED,
                       "%s: JWKS has no usable signature key (%d skipped; last: %s)", source,
                       n_skipped, skip_reason.message);
    /* Shared secrets and public keys have different owners and lifetimes; a set that mixes
     * them is a configuration mistake that invites key confusion. */
    if (n_oct > 0 && n_asym > 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                       "%s: JWKS mixes secret (oct) keys with public keys", source);
    return JWT_OK;
}

jwt_code_t jwtk_json_to_keys(apr_pool_t *keypool, apr_pool_t *tmp, const char *buf, size_t len,
                               const char *source, const char *kid_override,
                               apr_array_header_t *keys, int *skipped, jwt_err_t *err)
{
    jwt_json_limits_t lim = { KEY_FILE_MAX_BYTES, JWKS_MAX_DEPTH };
    json_object *obj = NULL;
    jwt_err_t jerr;
    jwt_err_clear(&jerr);
    jwt_code_t rc = jwt_json_parse_object(tmp, buf, len, &lim, &obj, &jerr);
    if (rc != JWT_OK)
        return JWT_ERR(err, rc, "%s: %s", source, jerr.message);

    if (json_object_object_get_ex(obj, "keys", NULL)) {
        if (kid_override != NULL)
            return JWT_ERR(err, JWT_ERR_ARG, "%s: kid= cannot rename the keys of a JWKS", source);
        return jwks_to_keys(keypool, obj, source, keys, skipped, err);
    }
    jwt_key_t *key = NULL;
    jwt_err_t kerr;
    jwt_err_clear(&kerr);
    rc = jwt_key_from_jwk(keypool, obj, source, &key, &kerr);
    if (rc != JWT_OK)
        return JWT_ERR(err, rc, "%s: %s", source, kerr.message);
    APR_ARRAY_PUSH(keys, jwt_key_t *) = key;
    return JWT_OK;
}
