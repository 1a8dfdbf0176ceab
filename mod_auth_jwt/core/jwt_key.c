/* jwt_key.c -- keys and keyrings: JWK / JWKS / PEM import, binding to algorithms.
 *
 * Every key is checked once, here, so the request path never has to wonder whether a
 * key is usable: RSA >= 2048 bits (and not a ROCA key), HMAC secrets at least as long as
 * the hash of each HS alg they are bound to, EC points on their curve, private halves
 * consistent with public halves. Keys are bound to the algorithms their type permits and
 * narrowed to their JWK "alg"; the verifier later only uses (key->algs & allowed).
 *
 * OpenSSL 3 EVP / OSSL_PARAM only: no deprecated RSA_* / EC_KEY_* calls. EVP_PKEYs are
 * released by a cleanup on the pool the key lives in.
 */
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
#include "jwt_b64.h"
#include "jwt_json.h"

#define KEY_FILE_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_DEPTH 8
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384     /* verification cost grows with n: refuse absurd moduli */
#define HMAC_MIN_BYTES 32      /* HS256's hash output (RFC 7518 3.2) */
#define PEM_LABEL_MAX 64

/* ------------------------------------------------------------------------------------ */
/* curves                                                                               */

typedef struct {
    const char *crv;          /* JWK name */
    const char *group;        /* OpenSSL group name */
    const char *nist;         /* alternative name OpenSSL may report */
    size_t field_len;         /* bytes of x, y and d */
    jwt_alg_t alg;
} ec_curve_t;

static const ec_curve_t ec_curves[] = {
    { "P-256", "prime256v1", "secp256r1", 32, JWT_ALG_ES256 },
    { "P-384", "secp384r1",  "secp384r1", 48, JWT_ALG_ES384 },
    { "P-521", "secp521r1",  "secp521r1", 66, JWT_ALG_ES512 },
};

typedef struct {
    const char *crv;
    const char *ossl_name;    /* EVP_PKEY type name */
    size_t key_len;           /* bytes of x and d */
    jwt_alg_t alg;            /* RFC 9864 fully-specified name */
} okp_curve_t;

static const okp_curve_t okp_curves[] = {
    { "Ed25519", "ED25519", 32, JWT_ALG_ED25519 },
    { "Ed448",   "ED448",   57, JWT_ALG_ED448 },
};

static const ec_curve_t *ec_curve_by_crv(const char *crv)
{
    for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
        if (strcmp(ec_curves[i].crv, crv) == 0)
            return &ec_curves[i];
    return NULL;
}

static const ec_curve_t *ec_curve_by_group(const char *group)
{
    for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
        if (strcasecmp(ec_curves[i].group, group) == 0 || strcasecmp(ec_curves[i].nist, group) == 0
            || strcmp(ec_curves[i].crv, group) == 0)
            return &ec_curves[i];
    return NULL;
}

static const okp_curve_t *okp_curve_by_crv(const char *crv)
{
    for (size_t i = 0; i < sizeof(okp_curves) / sizeof(okp_curves[0]); i++)
        if (strcmp(okp_curves[i].crv, crv) == 0)
            return &okp_curves[i];
    return NULL;
}

static jwt_algset_t rsa_algs(void)
{
    return JWT_ALGSET(JWT_ALG_RS256) | JWT_ALGSET(JWT_ALG_RS384) | JWT_ALGSET(JWT_ALG_RS512)
         | JWT_ALGSET(JWT_ALG_PS256) | JWT_ALGSET(JWT_ALG_PS384) | JWT_ALGSET(JWT_ALG_PS512);
}

static jwt_algset_t okp_algs(const okp_curve_t *c)
{
    return JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(c->alg);
}

/* HMAC: every HS alg whose hash output fits in the secret (RFC 7518 3.2). */
static jwt_algset_t hmac_algs_for_len(size_t len)
{
    jwt_algset_t set = 0;
    if (len >= 32) set |= JWT_ALGSET(JWT_ALG_HS256);
    if (len >= 48) set |= JWT_ALGSET(JWT_ALG_HS384);
    if (len >= 64) set |= JWT_ALGSET(JWT_ALG_HS512);
    return set;
}

static const char *kty_name(jwt_kty_t kty)
{
    switch (kty) {
    case JWT_KTY_OCT: return "oct";
    case JWT_KTY_RSA: return "RSA";
    case JWT_KTY_EC:  return "EC";
    case JWT_KTY_OKP: return "OKP";
    }
    return "?";
}

/* ------------------------------------------------------------------------------------ */
/* small helpers                                                                        */

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static jwt_pkey_type_t pkey_type_of(const EVP_PKEY *pkey)
{
    if (pkey == NULL)
        return JWT_PKEY_NONE;
    if (EVP_PKEY_is_a(pkey, "RSA"))
        return JWT_PKEY_RSA;
    if (EVP_PKEY_is_a(pkey, "EC"))
        return JWT_PKEY_EC;
    if (EVP_PKEY_is_a(pkey, "ED25519"))
        return JWT_PKEY_ED25519;
    if (EVP_PKEY_is_a(pkey, "ED448"))
        return JWT_PKEY_ED448;
    return JWT_PKEY_OTHER;
}

/* Hand pkey to the pool: freed when p is cleared or destroyed. */
static void key_own_pkey(apr_pool_t *p, jwt_key_t *key, EVP_PKEY *pkey)
{
    key->pkey = pkey;
    key->pkey_type = pkey_type_of(pkey);
    apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
}

/* Names from files and the network go into log lines: printable ASCII, bounded. */
static const char *printable(apr_pool_t *p, const char *s, size_t len)
{
    size_t n = len < 64 ? len : 64;
    char *o = apr_palloc(p, n + 4);
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        o[i] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    if (len > n) {
        memcpy(o + i, "...", 3);
        i += 3;
    }
    o[i] = '\0';
    return o;
}

/* Free a key's EVP_PKEY now instead of when p dies: a refused key (or a refused batch)
 * must not pin OpenSSL memory for the life of a long-lived pool. */
static void key_release(apr_pool_t *p, jwt_key_t *key)
{
    if (key != NULL && key->pkey != NULL) {
        apr_pool_cleanup_run(p, key->pkey, pkey_cleanup);
        key->pkey = NULL;
        key->pkey_type = JWT_PKEY_NONE;
    }
}

/* The verification contexts jwt_jws.c keeps in key->ready hold their own reference to
 * the EVP_PKEY, so the order of this and pkey_cleanup does not matter. */
static apr_status_t ready_cleanup(void *data)
{
    jwt_key_t *key = data;
    for (int a = 0; a < JWT_ALG__COUNT; a++) {
        if (key->ready[a] == NULL)
            continue;
        if (JWT_ALGSET(a) & JWT_ALGSET_HMAC)
            EVP_MAC_CTX_free(key->ready[a]);
        else
            EVP_MD_CTX_free(key->ready[a]);
        key->ready[a] = NULL;
    }
    return APR_SUCCESS;
}

static jwt_key_t *key_new(apr_pool_t *p, jwt_kty_t kty, const char *source)
{
    jwt_key_t *key = apr_pcalloc(p, sizeof(*key));
    apr_pool_cleanup_register(p, key, ready_cleanup, apr_pool_cleanup_null);
    key->kty = kty;
    key->can_verify = 1;
    key->source = apr_pstrdup(p, source ? source : "(buffer)");
    return key;
}

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
                       printable(p, use, strlen(use)));
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
                       jwt_alg_name(alg), kty_name(key->kty), key->crv ? " " : "",
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
/* checks on asymmetric keys                                                            */

/* ROCA (CVE-2017-15361): Infineon's generator made moduli n with n mod p in the subgroup
 * generated by 65537 for every small prime p below. A random modulus passes that test for
 * all 38 primes with negligible probability; a ROCA modulus always does, and its factors
 * can be recovered, so such a key is as good as public. */
static int rsa_modulus_is_roca(const BIGNUM *n)
{
    static const unsigned short primes[] = {
        3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79,
        83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167
    };
    for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
        unsigned long prime = primes[i];
        BN_ULONG r = BN_mod_word(n, prime);
        if (r == (BN_ULONG)-1)
            return 0;
        unsigned long g = 65537ul % prime, x = 1;
        int in_subgroup = 0;
        do {                                   /* walk the cyclic subgroup <65537> mod p */
            if (x == (unsigned long)r) {
                in_subgroup = 1;
                break;
            }
            x = (x * g) % prime;
        } while (x != 1);
        if (!in_subgroup)
            return 0;
    }
    return 1;
}

static jwt_code_t check_rsa_public(const BIGNUM *n, const BIGNUM *e, jwt_err_t *err)
{
    int bits = BN_num_bits(n);
    if (bits < RSA_MIN_BITS)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK, "RSA key of %d bits is below the %d-bit minimum",
                       bits, RSA_MIN_BITS);
    if (bits > RSA_MAX_BITS)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA key of %d bits is above the %d-bit maximum",
                       bits, RSA_MAX_BITS);
    if (!BN_is_odd(n))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA modulus is even");
    /* e = 1 makes "signatures" equal to the padded message; even e is not RSA. */
    if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > 256)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA public exponent is not an odd number in [3, 2^256)");
    if (BN_cmp(e, n) >= 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "RSA public exponent is not below the modulus");
    if (rsa_modulus_is_roca(n))
        return JWT_ERR(err, JWT_ERR_KEY_WEAK,
                       "RSA modulus has the ROCA structure (CVE-2017-15361): its factors can be recovered");
    return JWT_OK;
}

static jwt_code_t check_with_ctx(EVP_PKEY *pkey, int pairwise, const char *what, jwt_err_t *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "cannot check %s: ", what);
        jwt_err_append_openssl(err);
        return JWT_ERR_CRYPTO;
    }
    int ok = pairwise ? EVP_PKEY_pairwise_check(ctx) : EVP_PKEY_public_check(ctx);
    EVP_PKEY_CTX_free(ctx);
    if (ok != 1) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s", what);
    }
    return JWT_OK;
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

/* ------------------------------------------------------------------------------------ */
/* JWK: oct                                                                             */

jwt_code_t jwt_key_from_secret(apr_pool_t *p, const unsigned char *secret, size_t len,
                               const char *kid, const char *source, jwt_key_t **out,
                               jwt_err_t *err)
{
    if (p == NULL || out == NULL || (secret == NULL && len > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "secret key: missing argument");
    if (len < HMAC_MIN_BYTES)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK,
                       "HMAC secret%s%s of %zu bytes is shorter than the %d bytes HS256 requires",
                       kid ? " kid=" : "", kid ? printable(p, kid, strlen(kid)) : "", len,
                       HMAC_MIN_BYTES);
    jwt_key_t *key = key_new(p, JWT_KTY_OCT, source);
    unsigned char *copy = apr_pmemdup(p, secret, len);
    key->secret = copy;
    key->secret_len = len;
    key->bits = (int)(len * 8);
    key->algs = hmac_algs_for_len(len);
    key->can_sign = 1;
    key->kid = kid ? apr_pstrdup(p, kid) : NULL;
    *out = key;
    return JWT_OK;
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
        rc = check_rsa_public(bn[RSA_N], bn[RSA_E], err);
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
        rc = check_with_ctx(pkey, 1, "RSA private key does not match its public key", err);
    OSSL_PARAM_BLD_free(bld);
    free_bns(bn, RSA__COUNT);
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    key_own_pkey(p, key, pkey);
    key->can_sign = has_private;
    key->algs = rsa_algs();
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
    const ec_curve_t *c = ec_curve_by_crv(crv);
    if (c == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "EC curve \"%s\" is not supported",
                       printable(p, crv, strlen(crv)));

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
            rc = check_with_ctx(pkey, 0, msg, err);
        if (rc == JWT_OK && priv != NULL)
            rc = check_with_ctx(pkey, 1, "EC private key \"d\" does not match x, y", err);
    }
    BN_clear_free(priv);
    OSSL_PARAM_BLD_free(bld);
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    key_own_pkey(p, key, pkey);
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
    const okp_curve_t *c = okp_curve_by_crv(crv);
    if (c == NULL)   /* X25519 / X448 are key agreement curves: not for signatures */
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "OKP curve \"%s\" is not a signature curve we support",
                       printable(p, crv, strlen(crv)));
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
    key_own_pkey(p, key, pkey);
    key->can_sign = d != NULL;
    key->crv = c->crv;
    key->algs = okp_algs(c);
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
        key = key_new(p, JWT_KTY_RSA, source);
        rc = rsa_from_jwk(p, jwk, key, err);
    } else if (strcmp(kty, "EC") == 0) {
        key = key_new(p, JWT_KTY_EC, source);
        rc = ec_from_jwk(p, jwk, key, err);
    } else if (strcmp(kty, "OKP") == 0) {
        key = key_new(p, JWT_KTY_OKP, source);
        rc = okp_from_jwk(p, jwk, key, err);
    } else {
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "JWK kty \"%s\" is not supported",
                       printable(p, kty, strlen(kty)));
    }
    if (rc != JWT_OK)
        return rc;
    if ((rc = apply_jwk_metadata(p, jwk, key, err)) != JWT_OK) {
        key_release(p, key);
        return rc;
    }
    *out = key;
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* EVP_PKEY (from PEM) -> key                                                            */

static jwt_code_t key_from_pkey(apr_pool_t *p, EVP_PKEY *pkey, int has_private,
                                const char *source, jwt_key_t **out, jwt_err_t *err)
{
    jwt_key_t *key = NULL;
    jwt_code_t rc = JWT_OK;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        BIGNUM *n = NULL, *e = NULL;
        if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1
            || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
            rc = JWT_ERR(err, JWT_ERR_CRYPTO, "cannot read the RSA key: ");
            jwt_err_append_openssl(err);
        } else {
            rc = check_rsa_public(n, e, err);
        }
        BN_free(n);
        BN_free(e);
        if (rc == JWT_OK) {
            key = key_new(p, JWT_KTY_RSA, source);
            key->algs = rsa_algs();
        }
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64];
        const ec_curve_t *c = NULL;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof(group), NULL) == 1)
            c = ec_curve_by_group(group);
        if (c == NULL) {
            jwt_err_clear_openssl();
            rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED,
                         "EC key is not on P-256, P-384 or P-521 (named curves only)");
        } else if ((rc = check_with_ctx(pkey, 0, "EC public key is not a valid point", err)) == JWT_OK) {
            key = key_new(p, JWT_KTY_EC, source);
            key->crv = c->crv;
            key->algs = JWT_ALGSET(c->alg);
        }
    } else if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448")) {
        const okp_curve_t *c = okp_curve_by_crv(EVP_PKEY_is_a(pkey, "ED25519") ? "Ed25519" : "Ed448");
        key = key_new(p, JWT_KTY_OKP, source);
        key->crv = c->crv;
        key->algs = okp_algs(c);
    } else {
        rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "PEM key type %s is not supported",
                     EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "(unknown)");
    }
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    key_own_pkey(p, key, pkey);
    key->can_sign = has_private;
    key->bits = EVP_PKEY_get_bits(pkey);
    *out = key;
    return JWT_OK;
}

/* Never prompt on a terminal for a passphrase (httpd may run attached to one). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

static EVP_PKEY *read_rsa_public_pkcs1(BIO *bio)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", "type-specific", "RSA",
                                                           EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    if (dctx != NULL && OSSL_DECODER_from_bio(dctx, bio) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

static EVP_PKEY *read_cert_public(BIO *bio)
{
    X509 *cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
    EVP_PKEY *pkey = cert ? X509_get_pubkey(cert) : NULL;   /* new reference */
    X509_free(cert);
    return pkey;
}

typedef enum { PEM_PUBLIC, PEM_RSA_PUBLIC, PEM_CERT, PEM_PRIVATE, PEM_ENCRYPTED, PEM_IGNORED,
               PEM_OTHER } pem_kind_t;

static pem_kind_t pem_kind(const char *label)
{
    if (strcmp(label, "PUBLIC KEY") == 0) return PEM_PUBLIC;
    if (strcmp(label, "RSA PUBLIC KEY") == 0) return PEM_RSA_PUBLIC;
    if (strcmp(label, "CERTIFICATE") == 0) return PEM_CERT;
    if (strcmp(label, "PRIVATE KEY") == 0 || strcmp(label, "RSA PRIVATE KEY") == 0
        || strcmp(label, "EC PRIVATE KEY") == 0)
        return PEM_PRIVATE;
    if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) return PEM_ENCRYPTED;
    /* `openssl ecparam -genkey` writes the curve parameters before the key. */
    if (strcmp(label, "EC PARAMETERS") == 0) return PEM_IGNORED;
    return PEM_OTHER;
}

/* One PEM block -> key (appended to keys). */
static jwt_code_t pem_block_to_key(apr_pool_t *p, pem_kind_t kind, const char *label,
                                   const char *block, size_t len, const char *source,
                                   apr_array_header_t *keys, jwt_err_t *err)
{
    if (kind == PEM_ENCRYPTED)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                       "%s: encrypted private keys are not supported (decrypt it and protect "
                       "the file by its permissions)", source);
    if (kind == PEM_OTHER)
        return JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "%s: PEM block \"%s\" is not a key or "
                       "certificate", source, label);
    if (len > INT_MAX)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "%s: PEM block too large", source);
    BIO *bio = BIO_new_mem_buf(block, (int)len);
    if (bio == NULL) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "%s: cannot read PEM: ", source);
        jwt_err_append_openssl(err);
        return JWT_ERR_CRYPTO;
    }
    EVP_PKEY *pkey = NULL;
    switch (kind) {
    case PEM_PUBLIC:     pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL); break;
    case PEM_RSA_PUBLIC: pkey = read_rsa_public_pkcs1(bio); break;
    case PEM_CERT:       pkey = read_cert_public(bio); break;
    case PEM_PRIVATE:    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL); break;
    default: break;
    }
    BIO_free(bio);
    if (pkey == NULL) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: PEM block \"%s\" does not decode", source, label);
    }
    jwt_key_t *key;
    jwt_code_t rc = key_from_pkey(p, pkey, kind == PEM_PRIVATE, source, &key, err);
    if (rc != JWT_OK)
        return rc;
    APR_ARRAY_PUSH(keys, jwt_key_t *) = key;
    return JWT_OK;
}

/* Walk "-----BEGIN X-----" ... "-----END X-----" blocks. Only the first certificate of a
 * file counts: the rest is its chain, and a CA's key must never verify tokens. */
static jwt_code_t pem_to_keys(apr_pool_t *p, const char *buf, size_t len, const char *source,
                              apr_array_header_t *keys, jwt_err_t *err)
{
    static const char begin[] = "-----BEGIN ", dashes[] = "-----";
    const char *cur = buf, *end = buf + len;
    int certs = 0;

    for (;;) {
        const char *b = memmem(cur, (size_t)(end - cur), begin, sizeof(begin) - 1);
        if (b == NULL)
            break;
        const char *lstart = b + sizeof(begin) - 1;
        const char *lend = memmem(lstart, (size_t)(end - lstart), dashes, sizeof(dashes) - 1);
        if (lend == NULL || lend - lstart > PEM_LABEL_MAX || lend == lstart)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: malformed PEM header", source);
        char *label = apr_pstrmemdup(p, lstart, (apr_size_t)(lend - lstart));
        const char *endmark = apr_pstrcat(p, "-----END ", label, "-----", NULL);
        const char *e = memmem(lend, (size_t)(end - lend), endmark, strlen(endmark));
        if (e == NULL)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: PEM block \"%s\" has no END line",
                           source, printable(p, label, strlen(label)));
        const char *bend = e + strlen(endmark);
        pem_kind_t kind = pem_kind(label);
        if (kind == PEM_CERT && certs++ > 0)
            kind = PEM_IGNORED;
        if (kind != PEM_IGNORED) {
            jwt_code_t rc = pem_block_to_key(p, kind, printable(p, label, strlen(label)), b,
                                             (size_t)(bend - b), source, keys, err);
            if (rc != JWT_OK)
                return rc;
        }
        cur = bend;
    }
    if (keys->nelts == 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: PEM file holds no key or certificate", source);
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
                              ? printable(p, json_object_get_string(kv),
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

static jwt_code_t json_to_keys(apr_pool_t *keypool, apr_pool_t *tmp, const char *buf, size_t len,
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

/* ------------------------------------------------------------------------------------ */
/* buffers and files                                                                    */

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    return s;
}

/* All or nothing: the keys are checked against the ring (and each other) before any is
 * added, so a bad file never leaves half its keys behind. */
static jwt_code_t add_all(jwt_keyring_t *ring, apr_array_header_t *keys, const char *source,
                          jwt_err_t *err)
{
    for (int i = 0; i < keys->nelts; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(keys, i, jwt_key_t *);
        if (k->kid == NULL)
            continue;
        int dup = jwt_keyring_find_kid(ring, k->kid) != NULL;
        for (int j = 0; j < i && !dup; j++) {
            const jwt_key_t *o = APR_ARRAY_IDX(keys, j, jwt_key_t *);
            dup = o->kid != NULL && strcmp(o->kid, k->kid) == 0;
        }
        if (dup)
            return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "%s: duplicate kid \"%s\"", source,
                           printable(ring->pool, k->kid, strlen(k->kid)));
    }
    for (int i = 0; i < keys->nelts; i++)
        APR_ARRAY_PUSH(ring->keys, jwt_key_t *) = APR_ARRAY_IDX(keys, i, jwt_key_t *);
    return JWT_OK;
}

jwt_code_t jwt_keys_from_buffer_ex(jwt_keyring_t *ring, const char *buf, size_t len,
                                   const char *source, const char *kid_override,
                                   int *count, int *skipped, jwt_err_t *err)
{
    if (count) *count = 0;
    if (skipped) *skipped = 0;
    if (ring == NULL || (buf == NULL && len > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "key import: missing argument");
    if (source == NULL)
        source = "(buffer)";
    if (len > KEY_FILE_MAX_BYTES)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "%s: key data is larger than %d bytes", source,
                       KEY_FILE_MAX_BYTES);

    apr_pool_t *tmp;
    if (apr_pool_create(&tmp, ring->pool) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_ARG, "%s: cannot create a pool", source);
    apr_array_header_t *keys = apr_array_make(tmp, 4, sizeof(jwt_key_t *));
    const char *end = buf + len, *first = skip_space(buf, end);
    jwt_code_t rc;

    if (first < end && *first == '{')
        rc = json_to_keys(ring->pool, tmp, first, (size_t)(end - first), source, kid_override,
                          keys, skipped, err);
    else if (len > 0 && memmem(buf, len, "-----BEGIN ", 11) != NULL)
        rc = pem_to_keys(ring->pool, buf, len, source, keys, err);
    else
        rc = JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: not a PEM key, certificate, JWK or JWKS", source);

    if (rc == JWT_OK && kid_override != NULL) {
        if (keys->nelts != 1)
            rc = JWT_ERR(err, JWT_ERR_ARG, "%s: kid= names one key but the file holds %d", source,
                         keys->nelts);
        else
            APR_ARRAY_IDX(keys, 0, jwt_key_t *)->kid = apr_pstrdup(ring->pool, kid_override);
    }
    if (rc == JWT_OK)
        rc = add_all(ring, keys, source, err);
    if (rc == JWT_OK && count)
        *count = keys->nelts;
    for (int i = 0; rc != JWT_OK && i < keys->nelts; i++)
        key_release(ring->pool, APR_ARRAY_IDX(keys, i, jwt_key_t *));
    apr_pool_destroy(tmp);
    return rc;
}

jwt_code_t jwt_keys_from_buffer(jwt_keyring_t *ring, const char *buf, size_t len,
                                const char *source, const char *kid_override,
                                int *count, jwt_err_t *err)
{
    return jwt_keys_from_buffer_ex(ring, buf, len, source, kid_override, count, NULL, err);
}

/* Read at most KEY_FILE_MAX_BYTES (+1 to notice a bigger file) into pool memory. */
static jwt_code_t read_capped_file(apr_pool_t *p, const char *path, char **out, size_t *len,
                                   jwt_err_t *err)
{
    apr_file_t *f;
    char ebuf[120];
    apr_status_t st = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (st != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_IO, "cannot open key file %s: %s", path,
                       apr_strerror(st, ebuf, sizeof(ebuf)));
    char *buf = apr_palloc(p, KEY_FILE_MAX_BYTES + 1);
    apr_size_t got = 0;
    st = apr_file_read_full(f, buf, KEY_FILE_MAX_BYTES + 1, &got);
    apr_file_close(f);
    if (st != APR_SUCCESS && st != APR_EOF)
        return JWT_ERR(err, JWT_ERR_IO, "cannot read key file %s: %s", path,
                       apr_strerror(st, ebuf, sizeof(ebuf)));
    if (got > KEY_FILE_MAX_BYTES)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "key file %s is larger than %d bytes", path,
                       KEY_FILE_MAX_BYTES);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return JWT_OK;
}

jwt_code_t jwt_keys_from_file(jwt_keyring_t *ring, const char *path,
                              const char *kid_override, int *count, jwt_err_t *err)
{
    if (count) *count = 0;
    if (ring == NULL || path == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "key file: missing argument");
    apr_pool_t *tmp;
    if (apr_pool_create(&tmp, ring->pool) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_ARG, "cannot create a pool");
    char *buf = NULL;
    size_t len = 0;
    jwt_code_t rc = read_capped_file(tmp, path, &buf, &len, err);
    if (rc == JWT_OK)
        rc = jwt_keys_from_buffer(ring, buf, len, apr_pstrdup(ring->pool, path), kid_override,
                                  count, err);
    if (buf != NULL && len > 0)
        OPENSSL_cleanse(buf, len);           /* may have held private keys or secrets */
    apr_pool_destroy(tmp);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* export                                                                               */

static void add_b64(apr_pool_t *p, json_object *o, const char *name, const unsigned char *b,
                    size_t len)
{
    json_object_object_add(o, name, json_object_new_string(jwt_b64url_encode(p, b, len)));
}

static jwt_code_t add_bn_param(apr_pool_t *p, json_object *o, const EVP_PKEY *pkey,
                               const char *param, const char *name, size_t pad, jwt_err_t *err)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "cannot read key parameter %s: ", name);
        jwt_err_append_openssl(err);
        return JWT_ERR_CRYPTO;
    }
    size_t len = pad ? pad : (size_t)BN_num_bytes(bn);
    unsigned char *buf = apr_palloc(p, len ? len : 1);
    int ok = BN_bn2binpad(bn, buf, (int)len) == (int)len;
    BN_free(bn);
    if (!ok)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "key parameter %s does not fit", name);
    add_b64(p, o, name, buf, len);
    return JWT_OK;
}

static jwt_code_t add_public_members(apr_pool_t *p, json_object *o, const jwt_key_t *key,
                                     jwt_err_t *err)
{
    jwt_code_t rc;
    switch (key->kty) {
    case JWT_KTY_RSA:
        json_object_object_add(o, "kty", json_object_new_string("RSA"));
        if ((rc = add_bn_param(p, o, key->pkey, OSSL_PKEY_PARAM_RSA_N, "n", 0, err)) != JWT_OK)
            return rc;
        return add_bn_param(p, o, key->pkey, OSSL_PKEY_PARAM_RSA_E, "e", 0, err);
    case JWT_KTY_EC: {
        const ec_curve_t *c = ec_curve_by_crv(key->crv);
        json_object_object_add(o, "kty", json_object_new_string("EC"));
        json_object_object_add(o, "crv", json_object_new_string(c->crv));
        if ((rc = add_bn_param(p, o, key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, "x", c->field_len, err)) != JWT_OK)
            return rc;
        return add_bn_param(p, o, key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, "y", c->field_len, err);
    }
    case JWT_KTY_OKP: {
        unsigned char pub[57];
        size_t len = sizeof(pub);
        if (EVP_PKEY_get_raw_public_key(key->pkey, pub, &len) != 1) {
            JWT_ERR(err, JWT_ERR_CRYPTO, "cannot read the public key: ");
            jwt_err_append_openssl(err);
            return JWT_ERR_CRYPTO;
        }
        json_object_object_add(o, "kty", json_object_new_string("OKP"));
        json_object_object_add(o, "crv", json_object_new_string(key->crv));
        add_b64(p, o, "x", pub, len);
        return JWT_OK;
    }
    case JWT_KTY_OCT:
        break;
    }
    return JWT_ERR(err, JWT_ERR_ARG, "a secret (oct) key has no public half to export");
}

static int single_alg(jwt_algset_t set, jwt_alg_t *alg)
{
    if (set == 0 || (set & (set - 1)) != 0)
        return 0;
    for (int i = 0; i < JWT_ALG__COUNT; i++)
        if (set == JWT_ALGSET(i)) {
            *alg = (jwt_alg_t)i;
            return 1;
        }
    return 0;
}

jwt_code_t jwt_key_public_jwk(apr_pool_t *p, const jwt_key_t *key, json_object **out,
                              jwt_err_t *err)
{
    if (p == NULL || key == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "public JWK: missing argument");
    if (key->kty == JWT_KTY_OCT || key->pkey == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "a secret (oct) key has no public half to export");
    json_object *o = jwt_json_pool_own(p, json_object_new_object());
    jwt_code_t rc = add_public_members(p, o, key, err);
    if (rc != JWT_OK)
        return rc;
    if (key->kid)
        json_object_object_add(o, "kid", json_object_new_string(key->kid));
    jwt_alg_t alg;
    if (single_alg(key->algs, &alg))
        json_object_object_add(o, "alg", json_object_new_string(jwt_alg_name(alg)));
    json_object_object_add(o, "use", json_object_new_string("sig"));
    *out = o;
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* keyrings                                                                             */

jwt_keyring_t *jwt_keyring_make(apr_pool_t *p)
{
    jwt_keyring_t *ring = apr_pcalloc(p, sizeof(*ring));
    ring->pool = p;
    ring->keys = apr_array_make(p, 4, sizeof(jwt_key_t *));
    return ring;
}

jwt_code_t jwt_keyring_add(jwt_keyring_t *ring, jwt_key_t *key, jwt_err_t *err)
{
    if (ring == NULL || key == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "keyring add: missing argument");
    if (key->kid != NULL && jwt_keyring_find_kid(ring, key->kid) != NULL)
        return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "duplicate kid \"%s\" (%s)",
                       printable(ring->pool, key->kid, strlen(key->kid)),
                       key->source ? key->source : "?");
    APR_ARRAY_PUSH(ring->keys, jwt_key_t *) = key;
    return JWT_OK;
}

const jwt_key_t *jwt_keyring_find_kid(const jwt_keyring_t *ring, const char *kid)
{
    if (ring == NULL || kid == NULL)
        return NULL;
    for (int i = 0; i < ring->keys->nelts; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        if (k->kid != NULL && strcmp(k->kid, kid) == 0)
            return k;
    }
    return NULL;
}

int jwt_keyring_count(const jwt_keyring_t *ring)
{
    return ring ? ring->keys->nelts : 0;
}

const char *jwt_key_describe(apr_pool_t *p, const jwt_key_t *key)
{
    if (key == NULL)
        return "(no key)";
    const char *who = key->kid ? apr_psprintf(p, "kid=%s", printable(p, key->kid, strlen(key->kid)))
                               : "key without kid";
    const char *type = key->crv ? apr_psprintf(p, "%s %s", kty_name(key->kty), key->crv)
                                : apr_psprintf(p, "%s %d", kty_name(key->kty), key->bits);
    return apr_psprintf(p, "%s (%s, %s%s%s)%s%s%s%s", who, type, jwt_algset_format(p, key->algs),
                        key->can_sign ? ", can sign" : "", key->can_verify ? "" : ", no verify",
                        key->source ? " from " : "", key->source ? key->source : "",
                        key->issuer ? " for issuer " : "", key->issuer ? key->issuer : "");
}

/* RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order.
 * The kid of an asymmetric key that came without one: it names exactly that key, so a token
 * issued with it (jwt-login-handler, or any issuer using RFC 7638 kids) finds the key, and a
 * key that names itself this way can never be mistaken for another. */
const char *jwt_key_thumbprint(apr_pool_t *p, const jwt_key_t *key, jwt_err_t *err)
{
    static const char *const rsa[] = { "e", "kty", "n", NULL };
    static const char *const ec[] = { "crv", "kty", "x", "y", NULL };
    static const char *const okp[] = { "crv", "kty", "x", NULL };
    const char *const *names = key->kty == JWT_KTY_RSA ? rsa : key->kty == JWT_KTY_EC ? ec : okp;
    json_object *jwk = NULL, *v;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *text = "{";

    if (key->kty == JWT_KTY_OCT) {
        JWT_ERR(err, JWT_ERR_ARG, "no thumbprint for an HMAC secret");
        return NULL;
    }
    if (jwt_key_public_jwk(p, key, &jwk, err) != JWT_OK)
        return NULL;
    for (int i = 0; names[i]; i++) {
        if (!json_object_object_get_ex(jwk, names[i], &v)) {
            JWT_ERR(err, JWT_ERR_KEY_INVALID, "public JWK has no \"%s\"", names[i]);
            return NULL;
        }
        /* members are base64url or curve names: no JSON escaping needed */
        text = apr_pstrcat(p, text, i ? "," : "", "\"", names[i], "\":\"",
                           json_object_get_string(v), "\"", NULL);
    }
    text = apr_pstrcat(p, text, "}", NULL);
    if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "SHA-256 failed");
        jwt_err_append_openssl(err);
        return NULL;
    }
    return jwt_b64url_encode(p, md, mdlen);
}

void jwt_keyring_name_by_thumbprint(jwt_keyring_t *ring, int from)
{
    for (int i = from; i < ring->keys->nelts; i++) {
        jwt_key_t *key = APR_ARRAY_IDX(ring->keys, i, jwt_key_t *);
        const char *kid;
        if (key->kid || key->kty == JWT_KTY_OCT)
            continue;
        kid = jwt_key_thumbprint(ring->pool, key, NULL);
        if (kid && !jwt_keyring_find_kid(ring, kid))
            key->kid = kid;
    }
}
