/* Unit tests: certificate thumbprints and cnf["x5t#S256"] (jwt_cnf.c, RFC 8705 3.1).
 * The expected thumbprints were computed with the openssl CLI, not with this code:
 *   openssl x509 -in tests/fixtures/keys/cert-rsa2048.pem -outform der \
 *     | openssl dgst -sha256 -binary | basenc --base64url | tr -d =
 */
#include <string.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_cnf.h"
#include "jwt_json.h"

#define RSA_X5T "5GooPGbEVNkmUlFolA5sjMlwQt7XE6guSIyfiR34lJw"
#define EC_X5T  "sTAiDcxfFotS8jtQhtetQST1CMkv0MYauw-eO5GqxXA"
/* cert-rsa2048.pem as DER, standard base64 (openssl x509 -outform der | base64 -w0) */
static const char RSA_B64[] = "MIIDIzCCAgugAwIBAgIUJrD3q1rO5A6r+XIcY1coyKox0TYwDQYJKoZIhvcNAQELBQAwIDEeMBwGA1UEAwwVbW9kX2F1dGhfand0LXRlc3QtcnNhMCAXDTI2MTEyODE0MDM0OFoYDzIxMjYxMTA0MTQwMzQ4WjAgMR4wHAYDVQQDDBVtb2RfYXV0aF9qd3QtdGVzdC1yc2EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDekav/u1rAGxzjMzjz8OLVcHTWTK0Rz3oCllZY6yTcSelRwu1ScYJbfAHqn1N0dctNBb7xB7twe/VnwS+KUGYuBdoBKX4cBsQJW4CmNfKeaFu66wmGXUD2R49WeHxddu9v10lnPKpNTlesejG95HaYYz0veFgTJj5gKCNsjMNyxjPLewXD+puDGv4StuPMW3mwSuM6SsF93rKcvywWbFrT2VeZT9axz9LbdjEYGdf0ylGX9KqgYOjh7bZ8ZI4749l/U0558bQs7JKW8RfbIxUrH7SP/A+ax8F/LO+SKGU0Vr3KXDseFQ7JE53eRetPsEE3YOtcsxFLH+BuZYdubaxTAgMBAAGjUzBRMB0GA1UdDgQWBBR5muoYVSoeh8sw51QqYpw0ezLXDzAfBgNVHSMEGDAWgBR5muoYVSoeh8sw51QqYpw0ezLXDzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQBjuC49Kv0p6+Gry+pZOwNMobnc7o4lsoSKq8NPSE6KmAad8Mk69VP2wYW5tHDxFgNJEj1lRCzjChmaVf5Merj5lKPVrnaBN3TCXJTx+ohIuolB5NTvHO3XbONalDQnfY3x8sHuSD8jCUhETww3APoei8urMZInWfpBewtpWx7BmmPS/mTR6F6QCS7p5qYFgx/dUYZQaBs90hzDP03foChtIkiCjtl3n9TIVCZSG568+YejJm3403JDMj/vK6FkPg1MMTAJndYqvq6gCZoDUO3PBpMTm4jx4lydm/4HFPd//mKzYs4ut98agT8uamxjqlSp6s6dE3Yy8z8M4KGuckFl";

static json_object *claims(const char *text)
{
    json_object *o = NULL;
    jwt_err_t e;
    ck_assert_msg(jwt_json_parse_object(tp, text, strlen(text), NULL, &o, &e) == JWT_OK,
                  "%s", e.message);
    return o;
}

START_TEST(pem_thumbprints)
{
    size_t n;
    const char *pem = tu_slurp(tu_path("fixtures/keys/cert-rsa2048.pem"), &n), *t;
    jwt_err_t e;
    ck_assert_code(jwt_cert_thumbprint_pem(tp, pem, n, &t, &e), JWT_OK);
    ck_assert_str_eq(t, RSA_X5T);
    pem = tu_slurp(tu_path("fixtures/keys/cert-ec256.pem"), &n);
    ck_assert_code(jwt_cert_thumbprint_pem(tp, pem, n, &t, &e), JWT_OK);
    ck_assert_str_eq(t, EC_X5T);
}
END_TEST

START_TEST(pem_refused)
{
    const char *t = "x";
    jwt_err_t e;
    ck_assert_code(jwt_cert_thumbprint_pem(tp, "", 0, &t, &e), JWT_ERR_MALFORMED);
    ck_assert_ptr_null(t);
    ck_assert_code(jwt_cert_thumbprint_pem(tp, "garbage", 7, &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(jwt_cert_thumbprint_pem(tp, "-----BEGIN CERTIFICATE-----\nAAAA\n"
                   "-----END CERTIFICATE-----\n", 60, &t, &e), JWT_ERR_MALFORMED);
}
END_TEST

/* RFC 9440 2.1: Client-Cert is an sf-binary of the DER certificate */
START_TEST(field_thumbprint)
{
    const char *t;
    jwt_err_t e;
    ck_assert_code(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, ":", RSA_B64, ":", NULL), &t, &e),
                   JWT_OK);
    ck_assert_str_eq(t, RSA_X5T);
    ck_assert_code(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, "  :", RSA_B64, ":\t", NULL), &t,
                   &e), JWT_OK);
    ck_assert_str_eq(t, RSA_X5T);
}
END_TEST

START_TEST(field_refused)
{
    const char *t;
    jwt_err_t e;
    size_t n = strlen(RSA_B64);
    char *mut;
    /* no colons, one colon, base64url alphabet, missing padding, bad padding, empty */
    ck_assert_code(jwt_cert_thumbprint_field(tp, RSA_B64, &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, ":", RSA_B64, NULL), &t, &e),
                   JWT_ERR_MALFORMED);
    ck_assert_code(jwt_cert_thumbprint_field(tp, "::", &t, &e), JWT_ERR_BASE64);
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":", &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":TWFu-_==:", &t, &e), JWT_ERR_BASE64);
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":TWE:", &t, &e), JWT_ERR_BASE64);
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":TQ=A:", &t, &e), JWT_ERR_BASE64);
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":TR==:", &t, &e), JWT_ERR_BASE64);  /* unused bits */
    ck_assert_code(jwt_cert_thumbprint_field(tp, ":TWFu:", &t, &e), JWT_ERR_MALFORMED); /* "Man" */
    /* the certificate with one more byte after it, and cut short */
    ck_assert_code(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, ":", apr_pstrndup(tp, RSA_B64, n - 4),
                   ":", NULL), &t, &e), JWT_ERR_MALFORMED);
    mut = apr_pstrdup(tp, RSA_B64);
    mut[n / 2] = mut[n / 2] == 'A' ? '*' : 'A';
    ck_assert_int_ne(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, ":", mut, ":", NULL), &t, &e) == JWT_OK
                     && strcmp(t, RSA_X5T) == 0, 1);
    ck_assert_code(jwt_cert_thumbprint_field(tp, apr_pstrcat(tp, ":", RSA_B64, "AAAA:", NULL), &t, &e),
                   JWT_ERR_MALFORMED);
}
END_TEST

START_TEST(cnf_check)
{
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":\"" RSA_X5T "\"}}"), RSA_X5T),
                     JWT_CNF_MATCH);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":\"" RSA_X5T "\"}}"), EC_X5T),
                     JWT_CNF_MISMATCH);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":\"" RSA_X5T "\"}}"), NULL),
                     JWT_CNF_MISMATCH);
    /* a prefix is no match (the JSON parser refuses \u0000: no NUL-cut value arrives) */
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":\"5GooPGbE\"}}"), RSA_X5T),
                     JWT_CNF_MISMATCH);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":\"\"}}"), ""), JWT_CNF_MISMATCH);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"sub\":\"a\"}"), RSA_X5T), JWT_CNF_NONE);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"jkt\":\"abc\"}}"), RSA_X5T), JWT_CNF_OTHER);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":\"" RSA_X5T "\"}"), RSA_X5T), JWT_CNF_BAD);
    ck_assert_int_eq(jwt_cnf_x5t_check(claims("{\"cnf\":{\"x5t#S256\":[\"" RSA_X5T "\"]}}"), RSA_X5T),
                     JWT_CNF_BAD);
}
END_TEST

Suite *suite_cnf(void)
{
    Suite *s = suite_create("cnf");
    TCase *tc = tcase_create("x5t#S256");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, pem_thumbprints);
    tcase_add_test(tc, pem_refused);
    tcase_add_test(tc, field_thumbprint);
    tcase_add_test(tc, field_refused);
    tcase_add_test(tc, cnf_check);
    suite_add_tcase(s, tc);
    return s;
}
