/* Unit tests of mod_auth_jwt/core/jwt_fetch.c (Check): URL rules, loopback detection,
 * Cache-Control max-age parsing, discovery URLs and documents, and fetches that must fail
 * before or at the transport (no network beyond 127.0.0.1). Built and run by
 * tests/groups/jwks.sh against $JWT_BUILD_DIR/.libs/libjwtcore.a. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include "jwt_fetch.h"

static apr_pool_t *tp;

static void setup(void) { apr_pool_create(&tp, NULL); }
static void teardown(void) { apr_pool_destroy(tp); }

#define ck_assert_code(expr, want) do { \
        jwt_code_t got_ = (expr); \
        ck_assert_msg(got_ == (want), "%s: got %s, want %s", #expr, \
                      jwt_code_name(got_), jwt_code_name(want)); \
    } while (0)

START_TEST(loopback_hosts)
{
    ck_assert_int_eq(jwt_fetch_host_is_loopback("127.0.0.1"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("127.255.3.4"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("localhost"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("LocalHost"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("[::1]"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("::1"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("128.0.0.1"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("10.0.0.1"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("localhost.evil.example"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("127.0.0.1.evil.example"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback("[::2]"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback(""), 0);
    ck_assert_int_eq(jwt_fetch_host_is_loopback(NULL), 0);
}
END_TEST

START_TEST(link_local_hosts)
{
    ck_assert_int_eq(jwt_fetch_host_is_link_local("169.254.169.254"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("169.254.0.1"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("0.0.0.0"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("[fe80::1]"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("febf::1"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("::"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("[::ffff:127.0.0.1]"), 1);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("169.253.255.255"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("fec0::1"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("idp.example"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_link_local("10.0.0.1"), 0);
    ck_assert_int_eq(jwt_fetch_host_is_link_local(""), 0);
}
END_TEST

/* review of issue 22: the private ranges, ULA and the IPv4-mapped and NAT64 forms count
 * as internal, as loopback and link-local always did */
START_TEST(internal_hosts)
{
    static const char *internal[] = {
        "127.0.0.1", "localhost", "0.0.0.0", "169.254.169.254", "10.0.0.1", "10.255.255.255",
        "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1", "100.127.255.255",
        "::1", "[::1]", "::", "fe80::1", "fc00::1", "[fd12:3456::1]", "fec0::1",
        "::ffff:10.1.2.3", "[::ffff:192.168.0.1]", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
        "64:ff9b::10.0.0.1", "64:ff9b::a9fe:a9fe",
    };
    static const char *external[] = {
        "8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.63.255.255",
        "100.128.0.1", "11.0.0.1", "2001:db8::1", "[2606:4700::1111]", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "idp.example", "10.0.0.1.nip.io", "", NULL,
    };
    for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        ck_assert_msg(jwt_fetch_host_is_internal(internal[i]) == 1, "%s is internal", internal[i]);
    for (size_t i = 0; i < sizeof(external) / sizeof(external[0]); i++)
        ck_assert_msg(jwt_fetch_host_is_internal(external[i]) == 0, "%s is not internal",
                      external[i] ? external[i] : "NULL");
    ck_assert_int_eq(jwt_fetch_url_is_internal("https://10.0.0.1/idp"), 1);
    ck_assert_int_eq(jwt_fetch_url_is_internal("http://localhost:8080/"), 1);
    ck_assert_int_eq(jwt_fetch_url_is_internal("https://idp.example/"), 0);
    ck_assert_int_eq(jwt_fetch_url_is_internal("not a url"), 0);
    ck_assert_int_eq(jwt_fetch_addr_is_internal(AF_UNIX, "x"), 1);   /* unknown: not public */
}
END_TEST

START_TEST(url_rules)
{
    jwt_err_t err;
    ck_assert_code(jwt_fetch_check_url("https://idp.example/jwks", 0, &err), JWT_OK);
    ck_assert_code(jwt_fetch_check_url("http://127.0.0.1:8080/jwks", 0, &err), JWT_OK);
    ck_assert_code(jwt_fetch_check_url("http://localhost/jwks", 0, &err), JWT_OK);
    ck_assert_code(jwt_fetch_check_url("http://[::1]:81/jwks", 0, &err), JWT_OK);
    ck_assert_code(jwt_fetch_check_url("http://idp.example/jwks", 0, &err), JWT_ERR_ARG);
    ck_assert_msg(strstr(err.message, "plain http is only allowed to a loopback host") != NULL,
                  "%s", err.message);
    ck_assert_code(jwt_fetch_check_url("http://idp.example/jwks", 1, &err), JWT_OK);
    ck_assert_code(jwt_fetch_check_url("ftp://127.0.0.1/jwks", 1, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_fetch_check_url("file:///etc/passwd", 1, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_fetch_check_url("/relative/jwks", 0, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_fetch_check_url("https://u:p@idp.example/jwks", 0, &err), JWT_ERR_ARG);
    ck_assert_msg(strstr(err.message, "user information") != NULL, "%s", err.message);
    /* a host that only looks like loopback in its text */
    ck_assert_code(jwt_fetch_check_url("http://127.0.0.1.nip.io/jwks", 0, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_fetch_check_url(NULL, 0, &err), JWT_ERR_ARG);
}
END_TEST

START_TEST(max_age)
{
    ck_assert_int_eq(jwt_fetch_parse_max_age(NULL), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age(""), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=300"), 300);
    ck_assert_int_eq(jwt_fetch_parse_max_age("public, max-age=120, must-revalidate"), 120);
    ck_assert_int_eq(jwt_fetch_parse_max_age(" Max-Age = 60 "), 60);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=\"90\""), 90);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=0"), 0);
    ck_assert_int_eq(jwt_fetch_parse_max_age("s-maxage=10"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=-5"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=12abc"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age="), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=\"90"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=1 2"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=10, max-age=20"), -1);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=99999999999999999999999"), 2147483647);
    ck_assert_int_eq(jwt_fetch_parse_max_age("no-store"), 0);
    ck_assert_int_eq(jwt_fetch_parse_max_age("max-age=600, no-cache"), 0);
}
END_TEST

START_TEST(discovery_urls)
{
    const char *o, *r;
    jwt_err_t err;
    ck_assert_code(jwt_discovery_urls(tp, "https://idp.example", &o, &r, &err), JWT_OK);
    ck_assert_str_eq(o, "https://idp.example/.well-known/openid-configuration");
    ck_assert_str_eq(r, "https://idp.example/.well-known/oauth-authorization-server");
    ck_assert_code(jwt_discovery_urls(tp, "https://idp.example/", &o, &r, &err), JWT_OK);
    ck_assert_str_eq(o, "https://idp.example/.well-known/openid-configuration");
    ck_assert_str_eq(r, "https://idp.example/.well-known/oauth-authorization-server");
    ck_assert_code(jwt_discovery_urls(tp, "https://idp.example/realms/x/", &o, &r, &err), JWT_OK);
    ck_assert_str_eq(o, "https://idp.example/realms/x/.well-known/openid-configuration");
    ck_assert_str_eq(r, "https://idp.example/.well-known/oauth-authorization-server/realms/x");
    ck_assert_code(jwt_discovery_urls(tp, "https://idp.example/?a=b", &o, &r, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_discovery_urls(tp, "idp.example", &o, &r, &err), JWT_ERR_ARG);
}
END_TEST

static jwt_code_t disc(const char *doc, const char *iss, const char **uri, jwt_err_t *err)
{
    return jwt_discovery_jwks_uri(tp, doc, strlen(doc), iss, 0, uri, err);
}

START_TEST(discovery_documents)
{
    const char *uri = NULL;
    jwt_err_t err;
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://idp.example/k\"}",
                        "https://idp.example", &uri, &err), JWT_OK);
    ck_assert_str_eq(uri, "https://idp.example/k");
    /* issuer must match exactly: a trailing slash is another issuer */
    ck_assert_code(disc("{\"issuer\":\"https://idp.example/\",\"jwks_uri\":\"https://idp.example/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ISSUER);
    ck_assert_code(disc("{\"jwks_uri\":\"https://idp.example/k\"}", "https://idp.example", &uri, &err),
                   JWT_ERR_ISSUER);
    ck_assert_code(disc("{\"issuer\":7,\"jwks_uri\":\"https://idp.example/k\"}", "https://idp.example",
                        &uri, &err), JWT_ERR_ISSUER);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\"}", "https://idp.example", &uri, &err),
                   JWT_ERR_ARG);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"http://idp.example/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    /* issue 20: a jwks_uri on a loopback or link-local host only for an issuer there too */
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"http://127.0.0.1/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    ck_assert_msg(strstr(err.message, "loopback or link-local") != NULL, "%s", err.message);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://169.254.169.254/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://[fe80::1]/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://localhost/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://[::ffff:169.254.1.1]/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    /* review of issue 22: private ranges, ULA, IPv4-mapped private: refused for a public
     * issuer, allowed for an issuer in the same private network */
    static const char *private_uris[] = {
        "https://10.0.0.5/k", "https://172.20.1.1/k", "https://192.168.0.10/k",
        "https://100.64.1.1/k", "https://[fd00::5]/k", "https://[::ffff:10.1.2.3]/k",
    };
    for (size_t i = 0; i < sizeof(private_uris) / sizeof(private_uris[0]); i++) {
        char doc[200];
        snprintf(doc, sizeof(doc), "{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"%s\"}",
                 private_uris[i]);
        ck_assert_msg(disc(doc, "https://idp.example", &uri, &err) == JWT_ERR_ARG, "%s", private_uris[i]);
        ck_assert_msg(strstr(err.message, "private") != NULL, "%s", err.message);
        snprintf(doc, sizeof(doc), "{\"issuer\":\"https://10.9.9.9/idp\",\"jwks_uri\":\"%s\"}",
                 private_uris[i]);
        ck_assert_msg(disc(doc, "https://10.9.9.9/idp", &uri, &err) == JWT_OK, "%s: %s",
                      private_uris[i], err.message);
    }
    /* an intranet issuer named by a host name: internal by where its document came from */
    ck_assert_code(jwt_discovery_jwks_uri_at(tp, "{\"issuer\":\"https://idp.corp\",\"jwks_uri\":\"https://10.0.0.5/k\"}",
                                             strlen("{\"issuer\":\"https://idp.corp\",\"jwks_uri\":\"https://10.0.0.5/k\"}"),
                                             "https://idp.corp", 1, 0, &uri, &err), JWT_OK);
    ck_assert_code(jwt_discovery_jwks_uri_at(tp, "{\"issuer\":\"https://idp.corp\",\"jwks_uri\":\"https://10.0.0.5/k\"}",
                                             strlen("{\"issuer\":\"https://idp.corp\",\"jwks_uri\":\"https://10.0.0.5/k\"}"),
                                             "https://idp.corp", 0, 0, &uri, &err), JWT_ERR_ARG);
    ck_assert_code(disc("{\"issuer\":\"http://127.0.0.1:8080\",\"jwks_uri\":\"http://127.0.0.1:9/k\"}",
                        "http://127.0.0.1:8080", &uri, &err), JWT_OK);
    ck_assert_code(disc("{\"issuer\":\"http://localhost\",\"jwks_uri\":\"http://127.0.0.1/k\"}",
                        "http://localhost", &uri, &err), JWT_OK);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://169.255.0.1/k\"}",
                        "https://idp.example", &uri, &err), JWT_OK);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"issuer\":\"https://evil.example\","
                        "\"jwks_uri\":\"https://idp.example/k\"}", "https://evil.example", &uri, &err),
                   JWT_ERR_JSON_DUPLICATE);
    /* U+0000 never gets past the core's JSON scan */
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://idp.example/k\\u0000x\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_JSON);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"https://idp.example/k\\nx\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ARG);
    ck_assert_msg(strstr(err.message, "control characters") != NULL, "%s", err.message);
    ck_assert_code(disc("{\"issuer\":\"https://e\\u0007vil\",\"jwks_uri\":\"https://idp.example/k\"}",
                        "https://idp.example", &uri, &err), JWT_ERR_ISSUER);
    ck_assert_msg(strstr(err.message, "\"https://e?vil\"") != NULL, "log-safe: %s", err.message);
    ck_assert_code(disc("[1]", "https://idp.example", &uri, &err), JWT_ERR_JSON);
    ck_assert_code(disc("{\"issuer\":\"https://idp.example\"} x", "https://idp.example", &uri, &err),
                   JWT_ERR_JSON);
}
END_TEST

/* A port on 127.0.0.1 nobody listens on: bind one, close it. */
static int closed_port(void)
{
    apr_socket_t *s;
    apr_sockaddr_t *sa;
    int port;
    ck_assert_int_eq(apr_sockaddr_info_get(&sa, "127.0.0.1", APR_INET, 0, 0, tp), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_create(&s, APR_INET, SOCK_STREAM, APR_PROTO_TCP, tp), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_bind(s, sa), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_addr_get(&sa, APR_LOCAL, s), APR_SUCCESS);
    port = sa->port;
    apr_socket_close(s);
    return port;
}

START_TEST(fetch_refusals)
{
    jwt_fetch_result_t *res = NULL;
    jwt_err_t err;
    char url[64];

    ck_assert_code(jwt_fetch_url(tp, "http://idp.example/jwks", NULL, &res, &err), JWT_ERR_ARG);
    ck_assert_code(jwt_fetch_url(tp, "gopher://127.0.0.1/", NULL, &res, &err), JWT_ERR_ARG);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/jwks", closed_port());
    ck_assert_code(jwt_fetch_url(tp, url, NULL, &res, &err), JWT_ERR_FETCH);
    ck_assert_msg(strstr(err.message, url) != NULL, "names the URL: %s", err.message);
    ck_assert_ptr_null(res);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fetch");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    apr_initialize();
    if (jwt_fetch_global_init(NULL) != JWT_OK)
        return EXIT_FAILURE;
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, loopback_hosts);
    tcase_add_test(tc, link_local_hosts);
    tcase_add_test(tc, internal_hosts);
    tcase_add_test(tc, url_rules);
    tcase_add_test(tc, max_age);
    tcase_add_test(tc, discovery_urls);
    tcase_add_test(tc, discovery_documents);
    tcase_add_test(tc, fetch_refusals);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
