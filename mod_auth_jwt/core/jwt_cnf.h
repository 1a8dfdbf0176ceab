/* jwt_cnf.h -- certificate-bound tokens (RFC 8705 section 3): the SHA-256 thumbprint of
 * a client certificate, from mod_ssl's PEM or from an RFC 9440 Client-Cert field, and its
 * comparison with the token's cnf["x5t#S256"]. No httpd headers: the glue (binding.c)
 * finds the certificate, this decides. */
#ifndef JWT_CNF_H
#define JWT_CNF_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "jwt_err.h"

/* Longest Client-Cert field accepted: a certificate is a few KiB; the field is checked
 * before any decoding. */
#define JWT_CLIENT_CERT_MAX 16384

/* x5t#S256 of DER bytes: base64url(SHA-256(der)), 43 characters, in pool memory. The
 * bytes must be exactly one X.509 certificate (nothing after it). */
jwt_code_t jwt_cert_thumbprint_der(apr_pool_t *p, const unsigned char *der, size_t len,
                                   const char **out, jwt_err_t *err);

/* The same from PEM text holding one certificate (mod_ssl's SSL_CLIENT_CERT). */
jwt_code_t jwt_cert_thumbprint_pem(apr_pool_t *p, const char *pem, size_t len,
                                   const char **out, jwt_err_t *err);

/* RFC 9440 Client-Cert: an RFC 8941 byte sequence, ":" standard base64 (padded) ":", with
 * optional surrounding blanks; its content the DER certificate. Strict: any other
 * character, bad padding, non-zero unused bits or trailing data is refused. */
jwt_code_t jwt_cert_thumbprint_field(apr_pool_t *p, const char *value, const char **out,
                                     jwt_err_t *err);

typedef enum {
    JWT_CNF_NONE,          /* no cnf claim at all: an unbound (bearer) token */
    JWT_CNF_OTHER,         /* a cnf without x5t#S256 (bound to something else, e.g. jkt) */
    JWT_CNF_MATCH,         /* x5t#S256 equals the thumbprint */
    JWT_CNF_MISMATCH,      /* x5t#S256 differs, or no thumbprint was given */
    JWT_CNF_BAD            /* cnf not an object, or x5t#S256 not a string */
} jwt_cnf_result_t;

/* Compare the claims' cnf["x5t#S256"] with thumb (NULL: no certificate), in constant time
 * over the thumbprint's length. */
jwt_cnf_result_t jwt_cnf_x5t_check(json_object *claims, const char *thumb);

#endif
