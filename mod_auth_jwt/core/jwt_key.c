/* jwt_key.c -- key objects and keyrings: the checks every key passes, the curve tables,
 * HMAC secrets, the public JWK export, the keyring, descriptions and RFC 7638 thumbprints.
 *
 * Every key is checked once, in this unit and its two importers (jwt_key_jwk.c: JWK and
 * JWK Sets; jwt_key_pem.c: PEM, X.509 and key files), so the request path never has to
 * wonder whether a key is usable: RSA >= 2048 bits (and not a ROCA key), HMAC secrets at
 * least as long as the hash of each HS alg they are bound to, EC points on their curve,
 * private halves consistent with public halves. Keys are bound to the algorithms their
 * type permits and narrowed to their JWK "alg"; the verifier later only uses
 * (key->algs & allowed).
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
#include "jwt_key_int.h"
#include "jwt_jws_int.h"
#include "jwt_b64.h"
#include "jwt_json.h"

/* ------------------------------------------------------------------------------------ */
/* curves                                                                               */


static const ec_curve_t ec_curves[] = {
    { "P-256", "prime256v1", "secp256r1", 32, JWT_ALG_ES256 },
    { "P-384", "secp384r1",  "secp384r1", 48, JWT_ALG_ES384 },
    { "P-521", "secp521r1",  "secp521r1", 66, JWT_ALG_ES512 },
};


static const okp_curve_t okp_curves[] = {
    { "Ed25519", "ED25519", 32, JWT_ALG_ED25519 },
    { "Ed448",   "ED448",   57, JWT_ALG_ED448 },
};

const ec_curve_t *jwtk_ec_curve_by_crv(const char *crv)
{
    for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
        if (strcmp(ec_curves[i].crv, crv) == 0)
            return &ec_curves[i];
    return NULL;
}

const ec_curve_t *jwtk_ec_curve_by_group(const char *group)
{
    for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
        if (strcasecmp(ec_curves[i].group, group) == 0 || strcasecmp(ec_curves[i].nist, group) == 0
            || strcmp(ec_curves[i].crv, group) == 0)
            return &ec_curves[i];
    return NULL;
}

const okp_curve_t *jwtk_okp_curve_by_crv(const char *crv)
{
    for (size_t i = 0; i < sizeof(okp_curves) / sizeof(okp_curves[0]); i++)
        if (strcmp(okp_curves[i].crv, crv) == 0)
            return &okp_curves[i];
    return NULL;
}

jwt_algset_t jwtk_rsa_algs(void)
{
    return JWT_ALGSET(JWT_ALG_RS256) | JWT_ALGSET(JWT_ALG_RS384) | JWT_ALGSET(JWT_ALG_RS512)
         | JWT_ALGSET(JWT_ALG_PS256) | JWT_ALGSET(JWT_ALG_PS384) | JWT_ALGSET(JWT_ALG_PS512);
}

jwt_algset_t jwtk_okp_algs(const okp_curve_t *c)
{
    return JWT_ALGSET(JWT_ALG_EDDSA) | JWT_ALGSET(c->alg);
}

const char *jwtk_kty_name(jwt_kty_t kty)
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
void jwtk_key_own_pkey(apr_pool_t *p, jwt_key_t *key, EVP_PKEY *pkey)
{
    key->pkey = pkey;
    key->pkey_type = pkey_type_of(pkey);
    apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
}

/* Names from files and the network go into log lines: printable ASCII, bounded. */
const char *jwtk_printable(apr_pool_t *p, const char *s, size_t len)
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
void jwtk_key_release(apr_pool_t *p, jwt_key_t *key)
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
        jwt_jws_ready_free((jwt_alg_t)a, key->ready[a]);
        key->ready[a] = NULL;
    }
    return APR_SUCCESS;
}

jwt_key_t *jwtk_key_new(apr_pool_t *p, jwt_kty_t kty, const char *source)
{
    jwt_key_t *key = apr_pcalloc(p, sizeof(*key));
    apr_pool_cleanup_register(p, key, ready_cleanup, apr_pool_cleanup_null);
    key->kty = kty;
    key->can_verify = 1;
    key->source = apr_pstrdup(p, source ? source : "(buffer)");
    return key;
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

jwt_code_t jwtk_check_rsa_public(const BIGNUM *n, const BIGNUM *e, jwt_err_t *err)
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

jwt_code_t jwtk_check_with_ctx(EVP_PKEY *pkey, int pairwise, const char *what, jwt_err_t *err)
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
                       kid ? " kid=" : "", kid ? jwtk_printable(p, kid, strlen(kid)) : "", len,
                       HMAC_MIN_BYTES);
    jwt_key_t *key = jwtk_key_new(p, JWT_KTY_OCT, source);
    unsigned char *copy = apr_pmemdup(p, secret, len);
    key->secret = copy;
    key->secret_len = len;
    key->bits = (int)(len * 8);
    key->algs = jwt_algset_hmac_for_len(len);
    key->can_sign = 1;
    key->kid = kid ? apr_pstrdup(p, kid) : NULL;
    *out = key;
    return JWT_OK;
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
        const ec_curve_t *c = jwtk_ec_curve_by_crv(key->crv);
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
                       jwtk_printable(ring->pool, key->kid, strlen(key->kid)),
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
    const char *who = key->kid ? apr_psprintf(p, "kid=%s", jwtk_printable(p, key->kid, strlen(key->kid)))
                               : "key without kid";
    const char *type = key->crv ? apr_psprintf(p, "%s %s", jwtk_kty_name(key->kty), key->crv)
                                : apr_psprintf(p, "%s %d", jwtk_kty_name(key->kty), key->bits);
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
