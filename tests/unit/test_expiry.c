/* jwt_expiry.c: certificate notAfter from PEM files and JWK x5c, secrets' created times.
 * The expected notAfter (2126-11-04 14:03:48 UTC) is what `openssl x509 -enddate` says of
 * the fixture; the x5c fixture was made from the same certificate by node's X509Certificate. */
#include "test_suites.h"
#include "test_util.h"
#include "jwt_expiry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_tables.h>
#include <apr_strings.h>

#define FIXTURE_NOT_AFTER INT64_C(4949474628)

static apr_array_header_t *scan(const char *rel, jwt_code_t want)
{
    apr_array_header_t *items = apr_array_make(tp, 2, sizeof(jwt_expiry_item_t));
    jwt_err_t err;
    jwt_err_clear(&err);
    ck_assert_code(jwt_expiry_certificates(tp, rel[0] == '/' ? rel : tu_path(rel), items, &err), want);
    return items;
}

static apr_status_t unlink_tmp(void *path)
{
    unlink(path);
    return APR_SUCCESS;
}

/* A temporary file with text, removed with the test's pool. */
static const char *write_tmp(const char *text)
{
    const char *path;
    char tmpl[] = "/tmp/jwt-expiry-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    path = apr_pstrdup(tp, tmpl);
    apr_pool_cleanup_register(tp, path, unlink_tmp, apr_pool_cleanup_null);
    return path;
}

START_TEST(pem_certificate)
{
    apr_array_header_t *items = scan("fixtures/keys/cert-ec256.pem", JWT_OK);
    const jwt_expiry_item_t *it;
    ck_assert_int_eq(items->nelts, 1);
    it = &APR_ARRAY_IDX(items, 0, jwt_expiry_item_t);
    ck_assert_int_eq(it->when, FIXTURE_NOT_AFTER);
    ck_assert_str_eq(it->what, "certificate CN=mod_auth_jwt-test");
}
END_TEST

START_TEST(jwks_x5c)
{
    apr_array_header_t *items = scan("fixtures/keys/cert-ec256.x5c.jwks.json", JWT_OK);
    ck_assert_int_eq(items->nelts, 1);      /* the oct key without x5c adds nothing */
    ck_assert_int_eq(APR_ARRAY_IDX(items, 0, jwt_expiry_item_t).when, FIXTURE_NOT_AFTER);
}
END_TEST

START_TEST(public_key_has_no_certificate)
{
    apr_array_header_t *items = scan(write_tmp("{\"kty\":\"oct\",\"k\":\"AAAA\"}"), JWT_OK);
    ck_assert_int_eq(items->nelts, 0);
}
END_TEST

START_TEST(bad_x5c_refused)
{
    scan(write_tmp("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\",\"x5c\":[\"AAAA\"]}]}"), JWT_ERR_KEY_INVALID);
    scan(write_tmp("{\"kty\":\"oct\",\"k\":\"AA\",\"x5c\":[\"not base64!\"]}"), JWT_ERR_KEY_INVALID);
    scan("/nonexistent/jwt-expiry", JWT_ERR_IO);
}
END_TEST

START_TEST(secrets_created)
{
    const char *path = write_tmp(
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"old\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"status\":\"active\",\"created\":1000000000},"
        "{\"kty\":\"oct\",\"kid\":\"gone\",\"k\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"status\":\"retired\",\"created\":1000},"
        "{\"kty\":\"oct\",\"kid\":\"undated\",\"k\":\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"status\":\"verify\"}]}");
    apr_array_header_t *items = apr_array_make(tp, 2, sizeof(jwt_expiry_item_t));
    jwt_err_t err;
    jwt_err_clear(&err);
    ck_assert_code(jwt_expiry_secrets(tp, path, items, &err), JWT_OK);
    ck_assert_int_eq(items->nelts, 1);      /* retired and undated keys are not reported */
    ck_assert_int_eq(APR_ARRAY_IDX(items, 0, jwt_expiry_item_t).when, 1000000000);
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(items, 0, jwt_expiry_item_t).what, "old"));
}
END_TEST

Suite *suite_expiry(void)
{
    Suite *s = suite_create("expiry");
    TCase *tc = tcase_create("expiry");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, pem_certificate);
    tcase_add_test(tc, jwks_x5c);
    tcase_add_test(tc, public_key_has_no_certificate);
    tcase_add_test(tc, bad_x5c_refused);
    tcase_add_test(tc, secrets_created);
    suite_add_tcase(s, tc);
    return s;
}
