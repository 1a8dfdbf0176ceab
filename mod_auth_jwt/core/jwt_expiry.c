/* jwt_expiry.c -- certificate notAfter and secret ages of configured files (jwt_expiry.h).
 * Every OpenSSL object is freed on every path; the file is read whole under the same
 * 1 MiB cap as key files.
 */
#include "jwt_expiry.h"
#include "jwt_json.h"
#include "jwt_secrets.h"

#include <string.h>
#include <time.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <json-c/json.h>

#define EXPIRY_MAX_FILE (1024 * 1024)

static jwt_code_t read_file(apr_pool_t *p, const char *path, char **out, apr_size_t *len,
                            jwt_err_t *err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;

    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_IO, "%s: cannot open", path);
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size > EXPIRY_MAX_FILE) {
        apr_file_close(f);
        return JWT_ERR(err, JWT_ERR_IO, "%s: cannot read (or over 1 MiB)", path);
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    *len = (apr_size_t)fi.size;
    if (*len && apr_file_read_full(f, buf, *len, len) != APR_SUCCESS) {
        apr_file_close(f);
        return JWT_ERR(err, JWT_ERR_IO, "%s: cannot read", path);
    }
    apr_file_close(f);
    buf[*len] = '\0';
    *out = buf;
    return JWT_OK;
}

/* The certificate's subject (RFC 2253) and notAfter as an item. */
static jwt_code_t add_cert(apr_pool_t *p, const char *path, X509 *x, apr_array_header_t *items,
                           jwt_err_t *err)
{
    const ASN1_TIME *na = X509_get0_notAfter(x);
    struct tm tm;
    BIO *b;
    char *name = NULL;
    long n;
    jwt_expiry_item_t *it;

    memset(&tm, 0, sizeof(tm));
    if (!na || ASN1_TIME_to_tm(na, &tm) != 1)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: a certificate without a valid notAfter", path);
    if ((b = BIO_new(BIO_s_mem())) == NULL)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "out of memory");
    if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0
        && (n = BIO_get_mem_data(b, &name)) > 0)
        name = apr_pstrmemdup(p, name, (apr_size_t)n);
    else
        name = "(no subject)";
    BIO_free(b);
    it = apr_array_push(items);
    it->what = apr_pstrcat(p, "certificate ", name, NULL);
    it->when = (int64_t)timegm(&tm);
    return JWT_OK;
}

static jwt_code_t pem_certs(apr_pool_t *p, const char *path, const char *buf, apr_size_t len,
                            apr_array_header_t *items, jwt_err_t *err)
{
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    X509 *x;
    jwt_code_t rc = JWT_OK;

    if (!b)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "out of memory");
    /* PEM_read_bio_X509 passes over blocks of other types (keys) to the next certificate */
    while (rc == JWT_OK && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        rc = add_cert(p, path, x, items, err);
        X509_free(x);
    }
    ERR_clear_error();                 /* the end of the input is a "no start line" error */
    BIO_free(b);
    return rc;
}

/* x5c[0] of one JWK: standard base64 of a DER certificate (RFC 7517 4.7). */
static jwt_code_t jwk_cert(apr_pool_t *p, const char *path, json_object *jwk,
                           apr_array_header_t *items, jwt_err_t *err)
{
    json_object *x5c, *first;
    const char *b64;
    unsigned char *der;
    const unsigned char *q;
    int n, pad = 0, blen;
    X509 *x;
    jwt_code_t rc;

    if (!json_object_is_type(jwk, json_type_object)
        || !json_object_object_get_ex(jwk, "x5c", &x5c)
        || !json_object_is_type(x5c, json_type_array) || json_object_array_length(x5c) == 0)
        return JWT_OK;
    first = json_object_array_get_idx(x5c, 0);
    if (!json_object_is_type(first, json_type_string)
        || (blen = json_object_get_string_len(first)) == 0 || blen % 4 != 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: an x5c entry is not base64", path);
    b64 = json_object_get_string(first);
    pad = (b64[blen - 1] == '=') + (b64[blen - 2] == '=');
    der = apr_palloc(p, (apr_size_t)blen / 4 * 3 + 1);
    if ((n = EVP_DecodeBlock(der, (const unsigned char *)b64, blen)) < 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: an x5c entry is not base64", path);
    q = der;
    if ((x = d2i_X509(NULL, &q, n - pad)) == NULL) {
        ERR_clear_error();
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: an x5c entry is not a certificate", path);
    }
    rc = add_cert(p, path, x, items, err);
    X509_free(x);
    return rc;
}

jwt_code_t jwt_expiry_certificates(apr_pool_t *p, const char *path, apr_array_header_t *items,
                                   jwt_err_t *err)
{
    char *buf = NULL;
    apr_size_t len = 0, i = 0;
    json_object *doc, *keys;
    jwt_json_limits_t lim = { EXPIRY_MAX_FILE, 0 };
    jwt_code_t rc;
    size_t k;

    if ((rc = read_file(p, path, &buf, &len, err)) != JWT_OK)
        return rc;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i == len || buf[i] != '{')
        return pem_certs(p, path, buf, len, items, err);
    if ((rc = jwt_json_parse_object(p, buf, len, &lim, &doc, err)) != JWT_OK)
        return rc;
    if (!json_object_object_get_ex(doc, "keys", &keys))
        return jwk_cert(p, path, doc, items, err);
    if (!json_object_is_type(keys, json_type_array))
        return JWT_OK;                 /* the key loader has refused it already */
    for (k = 0; rc == JWT_OK && k < json_object_array_length(keys); k++)
        rc = jwk_cert(p, path, json_object_array_get_idx(keys, k), items, err);
    return rc;
}

jwt_code_t jwt_expiry_secrets(apr_pool_t *p, const char *path, apr_array_header_t *items,
                              jwt_err_t *err)
{
    jwt_secrets_t *s = NULL;
    jwt_code_t rc = jwt_secrets_load(p, path, &s, err);
    int i;

    if (rc != JWT_OK)
        return rc;
    for (i = 0; i < s->secrets->nelts; i++) {
        const jwt_secret_t *sec = &APR_ARRAY_IDX(s->secrets, i, jwt_secret_t);
        jwt_expiry_item_t *it;
        if (!sec->has_created || sec->status == JWT_SECRET_RETIRED)
            continue;
        it = apr_array_push(items);
        it->what = apr_pstrcat(p, "secret ", jwt_secret_label(p, s, sec), NULL);
        it->when = sec->created;
    }
    return JWT_OK;
}
