/* jwt_jwe_key.c -- decryption (and recipient) keys from JWK members, EVP_PKEYs and shared
 * secrets (keyrings and files: jwt_jwe_keyring.c).
 *
 * Kept apart from jwt_key.c on purpose: those are signature keys and refuse "use":"enc";
 * these are encryption keys and refuse "use":"sig" (RFC 8725 3.9, one key one job). The
 * RSA/EC members are rebuilt through OSSL_PARAM_BLD + EVP_PKEY_fromdata and then checked by
 * OpenSSL (public point check, pairwise check of private keys).
 */
#include <string.h>
#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include "jwt_jwe_key.h"
#include "jwt_jwe_int.h"
#include "jwt_wipe.h"
#include "jwt_b64.h"
#include "jwt_json.h"

static const struct {
    const char *crv, *group;
    size_t len;
} ec_curves[] = {
    { "P-256", "prime256v1", 32 }, { "P-384", "secp384r1", 48 }, { "P-521", "secp521r1", 66 },
};

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* Takes ownership of pkey (freed with p). */
static jwt_jwe_key_t *key_new(apr_pool_t *p, jwt_jwek_type_t type, EVP_PKEY *pkey,
                              const char *source)
{
    jwt_jwe_key_t *k = apr_pcalloc(p, sizeof(*k));
    k->type = type;
    k->pkey = pkey;
    k->source = source ? apr_pstrdup(p, source) : "(memory)";
    if (pkey != NULL) {
        apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
        k->bits = EVP_PKEY_get_bits(pkey);
    }
    return k;
}

static jwt_code_t oct_bind(jwt_jwe_key_t *k, jwt_err_t *err)
{
    switch (k->secret_len) {
    case 16: k->algs = JWT_JWE_SET(JWT_JWE_A128KW) | JWT_JWE_SET(JWT_JWE_A128GCMKW); break;
    case 24: k->algs = JWT_JWE_SET(JWT_JWE_A192KW) | JWT_JWE_SET(JWT_JWE_A192GCMKW); break;
    case 32: k->algs = JWT_JWE_SET(JWT_JWE_A256KW) | JWT_JWE_SET(JWT_JWE_A256GCMKW); break;
    case 48: case 64: k->algs = 0; break;
    default:
        if (k->secret_len < 16)
            return JWT_ERR(err, JWT_ERR_KEY_WEAK, "encryption secret of %zu bytes is shorter "
                           "than 16", k->secret_len);
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "encryption secret of %zu bytes fits no "
                       "algorithm (16, 24, 32, 48 or 64 bytes)", k->secret_len);
    }
    k->algs |= JWT_JWE_SET(JWT_JWE_DIR);
    k->bits = (int)(k->secret_len * 8);
    k->has_private = 1;
    return JWT_OK;
}

jwt_code_t jwt_jwe_key_from_secret(apr_pool_t *p, const unsigned char *secret, size_t len,
                                   const char *kid, const char *source,
                                   jwt_jwe_key_t **out, jwt_err_t *err)
{
    if (p == NULL || secret == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "secret import: missing argument");
    jwt_jwe_key_t *k = key_new(p, JWT_JWEK_OCT, NULL, source);
    k->secret = apr_pmemdup(p, secret, len);
    k->secret_len = len;
    jwt_wipe_at_end(p, (void *)k->secret, len);   /* also when the length is refused */
    jwt_code_t rc = oct_bind(k, err);
    if (rc != JWT_OK)
        return rc;
    k->kid = kid ? apr_pstrdup(p, kid) : NULL;
    *out = k;
    return JWT_OK;
}

/* Classify and check an EVP_PKEY; takes ownership (declared in jwt_jwe_int.h). */
jwt_code_t jwt_jwe_key_from_pkey(apr_pool_t *p, EVP_PKEY *pkey, int has_private,
                                const char *source, jwt_jwe_key_t **out, jwt_err_t *err)
{
    jwt_jwek_type_t type;
    const char *crv = NULL;
    jwt_code_t rc = JWT_OK;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

    if (ctx == NULL) {
        EVP_PKEY_free(pkey);
        return JWT_ERR(err, JWT_ERR_CRYPTO, "EVP_PKEY_CTX_new_from_pkey failed");
    }
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        type = JWT_JWEK_RSA;
        if (EVP_PKEY_get_bits(pkey) < 2048)
            rc = JWT_ERR(err, JWT_ERR_KEY_WEAK, "RSA key of %d bits is below 2048",
                         EVP_PKEY_get_bits(pkey));
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64];
        type = JWT_JWEK_EC;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof(group), NULL) == 1)
            for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
                if (strcmp(group, ec_curves[i].group) == 0)
                    crv = ec_curves[i].crv;
        if (crv == NULL)
            rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED,
                         "EC key is not on P-256, P-384 or P-521 (named curves only)");
    } else if (EVP_PKEY_is_a(pkey, "X25519")) {
        type = JWT_JWEK_X25519;
        crv = "X25519";
    } else if (EVP_PKEY_is_a(pkey, "X448")) {
        type = JWT_JWEK_X448;
        crv = "X448";
    } else {
        rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "key type %s cannot decrypt (RSA, EC, "
                     "X25519 or X448)", EVP_PKEY_get0_type_name(pkey) ?
                     EVP_PKEY_get0_type_name(pkey) : "(unknown)");
        type = JWT_JWEK_OCT;
    }
    /* An invalid point is the invalid-curve attack's way in; a private key whose public
     * half does not match would decrypt nothing anyone encrypted to the published key. */
    if (rc == JWT_OK && type == JWT_JWEK_EC && EVP_PKEY_public_check(ctx) != 1)
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "EC public key is not a valid point");
    if (rc == JWT_OK && has_private && type != JWT_JWEK_X25519 && type != JWT_JWEK_X448
        && EVP_PKEY_pairwise_check(ctx) != 1)
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "private key does not match its public key");
    EVP_PKEY_CTX_free(ctx);
    jwt_err_clear_openssl();
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    jwt_jwe_key_t *k = key_new(p, type, pkey, source);
    k->crv = crv;
    k->has_private = has_private;
    k->algs = type == JWT_JWEK_RSA ? JWT_JWE_ALGSET_RSA : JWT_JWE_ALGSET_ECDH;
    *out = k;
    return JWT_OK;
}

/* ---- JWK members -------------------------------------------------------------------- */

static jwt_code_t member_str(json_object *o, const char *name, const char **out, jwt_err_t *err)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(o, name, &v))
        return JWT_OK;
    if (!json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is not a string", name);
    *out = json_object_get_string(v);
    return JWT_OK;
}

/* Base64url member; want_len 0 = any non-empty length. */
static jwt_code_t member_b64(apr_pool_t *p, json_object *o, const char *name, int required,
                             size_t want_len, unsigned char **out, size_t *len, jwt_err_t *err)
{
    const char *s;
    jwt_err_t inner;
    jwt_code_t rc = member_str(o, name, &s, err);
    *out = NULL;
    *len = 0;
    if (rc != JWT_OK)
        return rc;
    if (s == NULL)
        return required ? JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is missing member \"%s\"", name)
                        : JWT_OK;
    if (jwt_b64url_decode(p, s, strlen(s), out, len, &inner) != JWT_OK || *len == 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is not base64url", name);
    if (want_len != 0 && *len != want_len)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK member \"%s\" is %zu bytes, not %zu",
                       name, *len, want_len);
    return JWT_OK;
}

static jwt_code_t from_params(const char *type, int selection, OSSL_PARAM_BLD *bld,
                              EVP_PKEY **out, jwt_err_t *err)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    jwt_code_t rc = JWT_OK;
    *out = NULL;
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, out, selection, params) != 1) {
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is not a valid %s key: ", type);
        jwt_err_append_openssl(err);
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return rc;
}

static jwt_code_t rsa_from_jwk(apr_pool_t *p, json_object *jwk, EVP_PKEY **pkey, int *priv,
                               jwt_err_t *err)
{
    static const char *const names[8] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
    static const char *const params[8] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    BIGNUM *bn[8] = { 0 };
    int have = 0;
    jwt_code_t rc = JWT_OK;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

    for (int i = 0; i < 8 && rc == JWT_OK; i++) {
        unsigned char *b;
        size_t len;
        rc = member_b64(p, jwk, names[i], i < 2, 0, &b, &len, err);
        if (rc == JWT_OK && b != NULL) {
            bn[i] = BN_bin2bn(b, (int)len, NULL);
            OPENSSL_cleanse(b, len);
            have |= 1 << i;
        }
    }
    /* Private: d with all CRT members (a partial set is a broken key, not a choice). */
    if (rc == JWT_OK && (have & ~3) != 0 && (have & ~3) != (0xff & ~3))
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA JWK has some but not all of d, p, q, dp, "
                     "dq, qi");
    for (int i = 0; i < 8 && rc == JWT_OK; i++)
        if (bn[i] != NULL && OSSL_PARAM_BLD_push_BN(bld, params[i], bn[i]) != 1)
            rc = JWT_ERR(err, JWT_ERR_CRYPTO, "OSSL_PARAM_BLD_push_BN failed");
    *priv = (have & 4) != 0;
    if (rc == JWT_OK)
        rc = from_params("RSA", *priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld, pkey, err);
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    return rc;
}

static jwt_code_t ec_from_jwk(apr_pool_t *p, json_object *jwk, const char *crv, EVP_PKEY **pkey,
                              int *priv, jwt_err_t *err)
{
    size_t i, n = sizeof(ec_curves) / sizeof(ec_curves[0]), len;
    unsigned char *x, *y, *d;
    jwt_code_t rc;
    for (i = 0; i < n; i++)
        if (strcmp(crv, ec_curves[i].crv) == 0)
            break;
    if (i == n)
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "EC JWK curve is not P-256, P-384 or P-521");
    size_t fl = ec_curves[i].len;
    if ((rc = member_b64(p, jwk, "x", 1, fl, &x, &len, err)) != JWT_OK
        || (rc = member_b64(p, jwk, "y", 1, fl, &y, &len, err)) != JWT_OK
        || (rc = member_b64(p, jwk, "d", 0, fl, &d, &len, err)) != JWT_OK)
        return rc;
    unsigned char *pt = apr_palloc(p, 1 + 2 * fl);
    pt[0] = 0x04;
    memcpy(pt + 1, x, fl);
    memcpy(pt + 1 + fl, y, fl);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bd = d ? BN_bin2bn(d, (int)fl, NULL) : NULL;
    if (d)
        OPENSSL_cleanse(d, fl);
    *priv = d != NULL;
    if (bld == NULL
        || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ec_curves[i].group, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * fl) != 1
        || (bd != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) != 1))
        rc = JWT_ERR(err, JWT_ERR_CRYPTO, "OSSL_PARAM_BLD failed");
    else
        rc = from_params("EC", d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld, pkey, err);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(bd);
    return rc;
}

static jwt_code_t okp_from_jwk(apr_pool_t *p, json_object *jwk, const char *crv, EVP_PKEY **pkey,
                               int *priv, jwt_err_t *err)
{
    int id;
    size_t fl, len;
    unsigned char *x, *d;
    jwt_code_t rc;
    if (strcmp(crv, "X25519") == 0)
        id = EVP_PKEY_X25519, fl = 32;
    else if (strcmp(crv, "X448") == 0)
        id = EVP_PKEY_X448, fl = 56;
    else   /* Ed25519/Ed448 sign; they do not decrypt */
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "OKP JWK curve is not X25519 or X448");
    if ((rc = member_b64(p, jwk, "x", 1, fl, &x, &len, err)) != JWT_OK
        || (rc = member_b64(p, jwk, "d", 0, fl, &d, &len, err)) != JWT_OK)
        return rc;
    *priv = d != NULL;
    *pkey = d ? EVP_PKEY_new_raw_private_key(id, NULL, d, fl)
              : EVP_PKEY_new_raw_public_key(id, NULL, x, fl);
    if (d)
        OPENSSL_cleanse(d, fl);
    if (*pkey == NULL) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is not a valid %s key", crv);
    }
    if (d) {   /* the given x must be the one d implies */
        unsigned char pub[56];
        size_t pl = sizeof(pub);
        if (EVP_PKEY_get_raw_public_key(*pkey, pub, &pl) != 1 || pl != fl
            || CRYPTO_memcmp(pub, x, fl) != 0) {
            EVP_PKEY_free(*pkey);
            *pkey = NULL;
            jwt_err_clear_openssl();
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s JWK \"x\" does not match \"d\"", crv);
        }
    }
    return JWT_OK;
}

/* "use", "key_ops", "alg", "kid". */
static jwt_code_t apply_metadata(apr_pool_t *p, json_object *jwk, jwt_jwe_key_t *k, jwt_err_t *err)
{
    const char *use, *alg, *kid;
    jwt_code_t rc;
    json_object *ops;
    if ((rc = member_str(jwk, "use", &use, err)) != JWT_OK
        || (rc = member_str(jwk, "alg", &alg, err)) != JWT_OK
        || (rc = member_str(jwk, "kid", &kid, err)) != JWT_OK)
        return rc;
    if (use != NULL && strcmp(use, "enc") != 0)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "JWK \"use\" is not \"enc\"");
    if (json_object_object_get_ex(jwk, "key_ops", &ops)) {
        static const char *const grant[] = { "decrypt", "unwrapKey", "encrypt", "wrapKey" };
        int ok = 0;
        if (!json_object_is_type(ops, json_type_array))
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"key_ops\" is not an array");
        for (size_t i = 0; i < json_object_array_length(ops); i++) {
            json_object *op = json_object_array_get_idx(ops, i);
            if (!json_object_is_type(op, json_type_string))
                return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"key_ops\" member is not a string");
            for (size_t j = 0; j < 4; j++)
                ok |= strcmp(json_object_get_string(op), grant[j]) == 0;
        }
        if (!ok)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "JWK \"key_ops\" grants no encryption operation");
    }
    if (alg != NULL) {
        jwt_jwe_alg_t a;
        jwt_jwe_enc_t enc;
        jwt_err_t inner;
        if (k->type == JWT_JWEK_OCT && jwt_jwe_enc_from_name(alg, &enc, &inner) == JWT_OK) {
            /* A dir key may name its content algorithm (RFC 7520 5.6 does). */
            if (k->secret_len != jwt_jwe_enc_cek_len(enc))
                return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"alg\" %s needs a %zu-byte "
                               "key, this one has %zu", jwt_jwe_enc_name(enc),
                               jwt_jwe_enc_cek_len(enc), k->secret_len);
            k->algs = JWT_JWE_SET(JWT_JWE_DIR);
        } else {
            if (jwt_jwe_alg_from_name(alg, &a, &inner) != JWT_OK)
                return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "JWK %s", inner.message);
            if ((k->algs & JWT_JWE_SET(a)) == 0)
                return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK \"alg\" %s does not fit this key",
                               jwt_jwe_alg_name(a));
            k->algs = JWT_JWE_SET(a);
        }
    }
    k->kid = kid ? apr_pstrdup(p, kid) : NULL;
    return JWT_OK;
}

static jwt_code_t pkey_from_jwk(apr_pool_t *p, json_object *jwk, int public_only,
                                EVP_PKEY **pkey, int *priv, jwt_err_t *err)
{
    const char *kty, *crv;
    jwt_code_t rc;
    if (!json_object_is_type(jwk, json_type_object))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is not a JSON object");
    if ((rc = member_str(jwk, "kty", &kty, err)) != JWT_OK
        || (rc = member_str(jwk, "crv", &crv, err)) != JWT_OK)
        return rc;
    if (kty == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is missing member \"kty\"");
    if (public_only && json_object_object_get_ex(jwk, "d", NULL))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "ephemeral key carries a private part");
    if (strcmp(kty, "RSA") == 0 && !public_only)
        return rsa_from_jwk(p, jwk, pkey, priv, err);
    if ((strcmp(kty, "EC") == 0 || strcmp(kty, "OKP") == 0) && crv == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWK is missing member \"crv\"");
    if (strcmp(kty, "EC") == 0)
        return ec_from_jwk(p, jwk, crv, pkey, priv, err);
    if (strcmp(kty, "OKP") == 0)
        return okp_from_jwk(p, jwk, crv, pkey, priv, err);
    return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "JWK kty is not %s", public_only ?
                   "EC or OKP" : "RSA, EC, OKP or oct");
}

jwt_code_t jwt_jwe_key_from_jwk(apr_pool_t *p, json_object *jwk, const char *source,
                                jwt_jwe_key_t **out, jwt_err_t *err)
{
    const char *kty;
    jwt_code_t rc;
    jwt_jwe_key_t *k;
    if (p == NULL || jwk == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "JWK import: missing argument");
    if (json_object_is_type(jwk, json_type_object)
        && member_str(jwk, "kty", &kty, err) == JWT_OK && kty != NULL && strcmp(kty, "oct") == 0) {
        unsigned char *s;
        size_t len;
        if ((rc = member_b64(p, jwk, "k", 1, 0, &s, &len, err)) != JWT_OK
            || (rc = jwt_jwe_key_from_secret(p, s, len, NULL, source, &k, err)) != JWT_OK)
            return rc;
        OPENSSL_cleanse(s, len);
    } else {
        EVP_PKEY *pkey = NULL;
        int priv = 0;
        if ((rc = pkey_from_jwk(p, jwk, 0, &pkey, &priv, err)) != JWT_OK
            || (rc = jwt_jwe_key_from_pkey(p, pkey, priv, source, &k, err)) != JWT_OK)
            return rc;
    }
    if ((rc = apply_metadata(p, jwk, k, err)) != JWT_OK)
        return rc;
    *out = k;
    return JWT_OK;
}

jwt_code_t jwt_jwe_epk_from_jwk(apr_pool_t *p, json_object *jwk, jwt_jwe_key_t **out,
                                jwt_err_t *err)
{
    EVP_PKEY *pkey = NULL;
    int priv = 0;
    jwt_err_t e;
    jwt_err_clear(&e);
    jwt_code_t rc = pkey_from_jwk(p, jwk, 1, &pkey, &priv, &e);
    if (rc == JWT_OK)
        rc = jwt_jwe_key_from_pkey(p, pkey, 0, "epk", out, &e);
    if (rc == JWT_OK)
        return JWT_OK;
    /* Whatever is wrong with it, a bad epk is a bad key (invalid-curve attacks land here). */
    return JWT_ERR(err, rc == JWT_ERR_CRYPTO ? rc : JWT_ERR_KEY_INVALID, "header \"epk\": %s",
                   e.message);
}
