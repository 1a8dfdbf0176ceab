/* jwt_cnf.c -- certificate thumbprints and the cnf["x5t#S256"] check (RFC 8705 3.1). */
#include "jwt_cnf.h"
#include "jwt_b64.h"

#include <string.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static jwt_code_t sha256_b64url(apr_pool_t *p, const unsigned char *der, size_t len,
                                const char **out, jwt_err_t *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "SHA-256 of the certificate failed");
        jwt_err_append_openssl(err);
        return JWT_ERR_CRYPTO;
    }
    *out = jwt_b64url_encode(p, md, mdlen);
    return JWT_OK;
}

jwt_code_t jwt_cert_thumbprint_der(apr_pool_t *p, const unsigned char *der, size_t len,
                                   const char **out, jwt_err_t *err)
{
    const unsigned char *q = der;
    X509 *x;

    *out = NULL;
    if (!der || len == 0 || len > JWT_CLIENT_CERT_MAX)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "client certificate: empty or over %d bytes",
                       JWT_CLIENT_CERT_MAX);
    /* parsed only to know these bytes are one certificate: the thumbprint is of the
     * bytes as sent (RFC 8705 3.1: the DER encoding), so a re-encoding cannot differ */
    x = d2i_X509(NULL, &q, (long)len);
    if (!x || q != der + len) {
        X509_free(x);
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_MALFORMED, "client certificate: not one DER X.509 "
                       "certificate");
    }
    X509_free(x);
    return sha256_b64url(p, der, len, out, err);
}

jwt_code_t jwt_cert_thumbprint_pem(apr_pool_t *p, const char *pem, size_t len,
                                   const char **out, jwt_err_t *err)
{
    BIO *bio;
    X509 *x;
    unsigned char *der = NULL;
    int dlen;
    jwt_code_t rc;

    *out = NULL;
    if (!pem || len == 0 || len > 2 * JWT_CLIENT_CERT_MAX)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "client certificate: empty or too large");
    if (!(bio = BIO_new_mem_buf(pem, (int)len)))
        return JWT_ERR(err, JWT_ERR_CRYPTO, "client certificate: out of memory");
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!x) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_MALFORMED, "client certificate: not a PEM certificate");
    }
    dlen = i2d_X509(x, &der);
    X509_free(x);
    if (dlen <= 0) {
        jwt_err_clear_openssl();
        return JWT_ERR(err, JWT_ERR_CRYPTO, "client certificate: cannot encode it");
    }
    rc = sha256_b64url(p, der, (size_t)dlen, out, err);
    OPENSSL_free(der);
    return rc;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Strict standard base64 with padding (RFC 8941 4.2.7 allows parsers to be lenient; a
 * credential is not the place for it): length a multiple of 4, '=' only as the last one
 * or two characters, unused bits zero. */
static jwt_code_t b64_strict(apr_pool_t *p, const char *s, size_t n, unsigned char **out,
                             size_t *outlen, jwt_err_t *err)
{
    unsigned char *o;
    size_t i, pad = 0, k = 0;

    if (n == 0 || n % 4)
        return JWT_ERR(err, JWT_ERR_BASE64, "Client-Cert: base64 length not a multiple of 4");
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    o = apr_palloc(p, n / 4 * 3);
    for (i = 0; i < n; i += 4) {
        int v[4], j, last = i + 4 == n;
        for (j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)s[i + j];
            if (last && c == '=' && j >= 4 - (int)pad)
                v[j] = 0;
            else if ((v[j] = b64_value(c)) < 0)
                return JWT_ERR(err, JWT_ERR_BASE64, "Client-Cert: not base64");
        }
        o[k++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (!(last && pad == 2))
            o[k++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        else if (v[1] & 15)
            return JWT_ERR(err, JWT_ERR_BASE64, "Client-Cert: non-zero unused bits");
        if (!(last && pad >= 1))
            o[k++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
        else if (pad == 1 && (v[2] & 3))
            return JWT_ERR(err, JWT_ERR_BASE64, "Client-Cert: non-zero unused bits");
    }
    *out = o;
    *outlen = k;
    return JWT_OK;
}

jwt_code_t jwt_cert_thumbprint_field(apr_pool_t *p, const char *value, const char **out,
                                     jwt_err_t *err)
{
    const char *s = value, *e;
    unsigned char *der = NULL;
    size_t len = 0, n;
    jwt_code_t rc;

    *out = NULL;
    if (!value)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "Client-Cert: absent");
    n = strlen(value);
    if (n > JWT_CLIENT_CERT_MAX * 4 / 3 + 8)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "Client-Cert: over %d bytes",
                       JWT_CLIENT_CERT_MAX * 4 / 3 + 8);
    while (*s == ' ' || *s == '\t')
        s++;
    e = value + n;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (e - s < 2 || s[0] != ':' || e[-1] != ':')
        return JWT_ERR(err, JWT_ERR_MALFORMED, "Client-Cert: not a byte sequence (:base64:)");
    if ((rc = b64_strict(p, s + 1, (size_t)(e - s - 2), &der, &len, err)) != JWT_OK)
        return rc;
    return jwt_cert_thumbprint_der(p, der, len, out, err);
}

jwt_cnf_result_t jwt_cnf_x5t_check(json_object *claims, const char *thumb)
{
    json_object *cnf, *x5t;
    const char *want;
    size_t n;

    if (!claims || !json_object_object_get_ex(claims, "cnf", &cnf))
        return JWT_CNF_NONE;
    if (!json_object_is_type(cnf, json_type_object))
        return JWT_CNF_BAD;
    if (!json_object_object_get_ex(cnf, "x5t#S256", &x5t))
        return JWT_CNF_OTHER;
    if (!json_object_is_type(x5t, json_type_string))
        return JWT_CNF_BAD;
    if (!thumb)
        return JWT_CNF_MISMATCH;
    want = json_object_get_string(x5t);
    n = strlen(thumb);
    /* the lengths are public (43 for every SHA-256 thumbprint); the bytes are compared
     * without an early exit */
    if ((size_t)json_object_get_string_len(x5t) != n || n == 0)
        return JWT_CNF_MISMATCH;
    return CRYPTO_memcmp(want, thumb, n) == 0 ? JWT_CNF_MATCH : JWT_CNF_MISMATCH;
}
