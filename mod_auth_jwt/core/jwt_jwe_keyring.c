/* jwt_jwe_keyring.c -- decryption keyrings: keys from a PEM file, a JWK or a JWKS (all or
 * nothing), the public half of a key as a JWK, and a description for logs. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include "jwt_jwe_key.h"
#include "jwt_jwe_int.h"
#include "jwt_b64.h"
#include "jwt_json.h"

#define KEY_FILE_CAP (1024 * 1024)

/* ---- keyrings, buffers, files --------------------------------------------------------- */

jwt_jwe_keyring_t *jwt_jwe_keyring_make(apr_pool_t *p)
{
    jwt_jwe_keyring_t *r = apr_pcalloc(p, sizeof(*r));
    r->pool = p;
    r->keys = apr_array_make(p, 4, sizeof(jwt_jwe_key_t *));
    return r;
}

static int has_kid(const apr_array_header_t *keys, const char *kid)
{
    for (int i = 0; kid != NULL && i < keys->nelts; i++) {
        const jwt_jwe_key_t *k = APR_ARRAY_IDX(keys, i, jwt_jwe_key_t *);
        if (k->kid != NULL && strcmp(k->kid, kid) == 0)
            return 1;
    }
    return 0;
}

jwt_code_t jwt_jwe_keyring_add(jwt_jwe_keyring_t *ring, jwt_jwe_key_t *key, jwt_err_t *err)
{
    if (ring == NULL || key == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "keyring add: missing argument");
    if (has_kid(ring->keys, key->kid))
        return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "decryption key id is used twice");
    APR_ARRAY_PUSH(ring->keys, jwt_jwe_key_t *) = key;
    return JWT_OK;
}

int jwt_jwe_keyring_count(const jwt_jwe_keyring_t *ring)
{
    return ring ? ring->keys->nelts : 0;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

static jwt_code_t pem_to_key(apr_pool_t *p, const char *buf, size_t len, const char *source,
                             int allow_public, jwt_jwe_key_t **out, jwt_err_t *err)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    EVP_PKEY *pkey = NULL;
    int priv = 1;
    if (bio == NULL)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "BIO_new_mem_buf failed");
    /* The reader skips blocks with other labels ("EC PARAMETERS"). */
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (pkey == NULL && allow_public) {
        (void)BIO_reset(bio);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
        priv = 0;
    }
    BIO_free(bio);
    jwt_err_clear_openssl();
    if (pkey == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "no %s PEM key (unencrypted) in %s",
                       allow_public ? "private or public" : "private", source);
    return jwt_jwe_key_from_pkey(p, pkey, priv, source, out, err);
}

static jwt_code_t jwks_to_keys(apr_pool_t *p, json_object *set, const char *source,
                               apr_array_header_t *keys, jwt_err_t *err)
{
    json_object *arr;
    if (!json_object_object_get_ex(set, "keys", &arr) || !json_object_is_type(arr, json_type_array))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "JWKS \"keys\" is not an array in %s", source);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        jwt_jwe_key_t *k;
        jwt_err_t e;
        jwt_code_t rc = jwt_jwe_key_from_jwk(p, json_object_array_get_idx(arr, i), source, &k, &e);
        if (rc == JWT_ERR_KEY_UNSUPPORTED || rc == JWT_ERR_KEY_USAGE)
            continue;   /* signature keys and key types we do not do share the set */
        if (rc != JWT_OK) {
            if (err)
                *err = e;
            return rc;
        }
        APR_ARRAY_PUSH(keys, jwt_jwe_key_t *) = k;
    }
    if (keys->nelts == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "JWKS %s has no encryption key", source);
    return JWT_OK;
}

jwt_code_t jwt_jwe_keys_from_buffer(jwt_jwe_keyring_t *ring, const char *buf, size_t len,
                                    const char *source, const char *kid_override,
                                    int allow_public, int *count, jwt_err_t *err)
{
    if (ring == NULL || buf == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "key import: missing argument");
    if (source == NULL)
        source = "(memory)";
    apr_pool_t *p = ring->pool;
    apr_array_header_t *keys = apr_array_make(p, 2, sizeof(jwt_jwe_key_t *));
    jwt_code_t rc;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i < len && buf[i] == '{') {
        json_object *o;
        jwt_json_limits_t lim = { KEY_FILE_CAP, 8 };
        if ((rc = jwt_json_parse_object(p, buf, len, &lim, &o, err)) != JWT_OK)
            return rc;
        if (json_object_object_get_ex(o, "keys", NULL)) {
            if (kid_override != NULL)
                return JWT_ERR(err, JWT_ERR_ARG, "kid= names one key, but %s is a JWKS", source);
            rc = jwks_to_keys(p, o, source, keys, err);
        } else {
            jwt_jwe_key_t *k;
            if ((rc = jwt_jwe_key_from_jwk(p, o, source, &k, err)) == JWT_OK)
                APR_ARRAY_PUSH(keys, jwt_jwe_key_t *) = k;
        }
    } else if (len - i >= 10 && memcmp(buf + i, "-----BEGIN", 10) == 0) {
        jwt_jwe_key_t *k;
        if ((rc = pem_to_key(p, buf, len, source, allow_public, &k, err)) == JWT_OK)
            APR_ARRAY_PUSH(keys, jwt_jwe_key_t *) = k;
    } else {
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s is not a PEM key, JWK or JWKS", source);
    }
    if (rc != JWT_OK)
        return rc;
    for (int j = 0; j < keys->nelts; j++) {
        jwt_jwe_key_t *k = APR_ARRAY_IDX(keys, j, jwt_jwe_key_t *);
        if (!allow_public && !k->has_private)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "a key in %s has no private part: it "
                           "cannot decrypt", source);
        if (kid_override != NULL)
            k->kid = apr_pstrdup(p, kid_override);
        if (has_kid(ring->keys, k->kid))
            return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "decryption key id in %s is already "
                           "in use", source);
        for (int m = 0; m < j; m++)
            if (k->kid && APR_ARRAY_IDX(keys, m, jwt_jwe_key_t *)->kid
                && strcmp(k->kid, APR_ARRAY_IDX(keys, m, jwt_jwe_key_t *)->kid) == 0)
                return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "%s repeats a key id", source);
    }
    apr_array_cat(ring->keys, keys);
    if (count)
        *count = keys->nelts;
    return JWT_OK;
}

jwt_code_t jwt_jwe_keys_from_file(jwt_jwe_keyring_t *ring, const char *path,
                                  const char *kid_override, int allow_public, int *count,
                                  jwt_err_t *err)
{
    if (ring == NULL || path == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "key file: missing argument");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return JWT_ERR(err, JWT_ERR_IO, "cannot open %s", path);
    char *buf = apr_palloc(ring->pool, KEY_FILE_CAP + 1);
    size_t n = fread(buf, 1, KEY_FILE_CAP + 1, f);
    int bad = ferror(f);
    fclose(f);
    jwt_code_t rc;
    if (bad)
        rc = JWT_ERR(err, JWT_ERR_IO, "cannot read %s", path);
    else if (n > KEY_FILE_CAP)
        rc = JWT_ERR(err, JWT_ERR_TOO_LARGE, "%s is over 1 MiB", path);
    else
        rc = jwt_jwe_keys_from_buffer(ring, buf, n, path, kid_override, allow_public, count, err);
    OPENSSL_cleanse(buf, n < KEY_FILE_CAP ? n : KEY_FILE_CAP);
    return rc;
}

static void add_b64(apr_pool_t *p, json_object *o, const char *name, const unsigned char *b, size_t n)
{
    json_object_object_add(o, name, json_object_new_string(jwt_b64url_encode(p, b, n)));
}

/* Public members of an EC/OKP key: shared by the epk writer. */
jwt_code_t jwt_jwe_key_public_jwk(apr_pool_t *p, const jwt_jwe_key_t *key, json_object **out,
                                  jwt_err_t *err)
{
    if (key == NULL || out == NULL || key->type == JWT_JWEK_OCT)
        return JWT_ERR(err, JWT_ERR_ARG, "no public half to export");
    json_object *o = jwt_json_pool_own(p, json_object_new_object());
    unsigned char buf[1024];
    size_t n = 0;
    if (key->type == JWT_JWEK_RSA) {
        BIGNUM *bn = NULL;
        json_object_object_add(o, "kty", json_object_new_string("RSA"));
        const char *names[2] = { "n", "e" }, *params[2] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E };
        for (int i = 0; i < 2; i++) {
            if (EVP_PKEY_get_bn_param(key->pkey, params[i], &bn) != 1 || BN_num_bytes(bn) > (int)sizeof(buf))
                goto fail;
            n = (size_t)BN_bn2bin(bn, buf);
            BN_free(bn);
            bn = NULL;
            add_b64(p, o, names[i], buf, n);
        }
    } else if (key->type == JWT_JWEK_EC) {
        size_t fl = (size_t)(key->bits + 7) / 8;
        if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &n) != 1
            || n != 1 + 2 * fl)   /* uncompressed 04 || x || y */
            goto fail;
        json_object_object_add(o, "kty", json_object_new_string("EC"));
        json_object_object_add(o, "crv", json_object_new_string(key->crv));
        add_b64(p, o, "x", buf + 1, fl);
        add_b64(p, o, "y", buf + 1 + fl, fl);
    } else {
        n = sizeof(buf);
        if (EVP_PKEY_get_raw_public_key(key->pkey, buf, &n) != 1)
            goto fail;
        json_object_object_add(o, "kty", json_object_new_string("OKP"));
        json_object_object_add(o, "crv", json_object_new_string(key->crv));
        add_b64(p, o, "x", buf, n);
    }
    if (key->kid)
        json_object_object_add(o, "kid", json_object_new_string(key->kid));
    *out = o;
    return JWT_OK;
fail:
    jwt_err_clear_openssl();
    return JWT_ERR(err, JWT_ERR_CRYPTO, "cannot export the public key");
}

const char *jwt_jwe_key_describe(apr_pool_t *p, const jwt_jwe_key_t *key)
{
    static const char *const types[] = { "oct", "RSA", "EC", "X25519", "X448" };
    return apr_psprintf(p, "kid=%s (%s %d%s%s, %s) from %s", key->kid ? key->kid : "(none)",
                        types[key->type], key->bits, key->crv ? " " : "", key->crv ? key->crv : "",
                        jwt_jwe_algset_format(p, key->algs), key->source);
}
