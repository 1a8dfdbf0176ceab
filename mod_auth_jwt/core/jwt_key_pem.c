/* jwt_key_pem.c -- PEM and X.509 import (a walker over the file's blocks), and loading
 * key files and buffers (PEM, a JWK or a JWK Set, sniffed). */
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
            rc = jwtk_check_rsa_public(n, e, err);
        }
        BN_free(n);
        BN_free(e);
        if (rc == JWT_OK) {
            key = jwtk_key_new(p, JWT_KTY_RSA, source);
            key->algs = jwtk_rsa_algs();
        }
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64];
        const ec_curve_t *c = NULL;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof(group), NULL) == 1)
            c = jwtk_ec_curve_by_group(group);
        if (c == NULL) {
            jwt_err_clear_openssl();
            rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED,
                         "EC key is not on P-256, P-384 or P-521 (named curves only)");
        } else if ((rc = jwtk_check_with_ctx(pkey, 0, "EC public key is not a valid point", err)) == JWT_OK) {
            key = jwtk_key_new(p, JWT_KTY_EC, source);
            key->crv = c->crv;
            key->algs = JWT_ALGSET(c->alg);
        }
    } else if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448")) {
        const okp_curve_t *c = jwtk_okp_curve_by_crv(EVP_PKEY_is_a(pkey, "ED25519") ? "Ed25519" : "Ed448");
        key = jwtk_key_new(p, JWT_KTY_OKP, source);
        key->crv = c->crv;
        key->algs = jwtk_okp_algs(c);
    } else {
        rc = JWT_ERR(err, JWT_ERR_KEY_UNSUPPORTED, "PEM key type %s is not supported",
                     EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "(unknown)");
    }
    if (rc != JWT_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    jwtk_key_own_pkey(p, key, pkey);
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
                           source, jwtk_printable(p, label, strlen(label)));
        const char *bend = e + strlen(endmark);
        pem_kind_t kind = pem_kind(label);
        if (kind == PEM_CERT && certs++ > 0)
            kind = PEM_IGNORED;
        if (kind != PEM_IGNORED) {
            jwt_code_t rc = pem_block_to_key(p, kind, jwtk_printable(p, label, strlen(label)), b,
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
                           jwtk_printable(ring->pool, k->kid, strlen(k->kid)));
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
        rc = jwtk_json_to_keys(ring->pool, tmp, first, (size_t)(end - first), source, kid_override,
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
        jwtk_key_release(ring->pool, APR_ARRAY_IDX(keys, i, jwt_key_t *));
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
