/* libFuzzer target: the parts of the JWKS HTTP response handling that read what a key server
 * sends, other than the JWKS body itself (fuzz_jwks covers that through jwt_keys_from_buffer):
 * the Cache-Control header (jwt_fetch_parse_max_age), the discovery document
 * (jwt_discovery_jwks_uri), and the URL rules applied to the jwks_uri it names
 * (jwt_fetch_check_url). The transfer itself (libcurl) is not fuzzed here.
 * Input layout: CACHE-CONTROL '\n' DISCOVERY-DOCUMENT (no '\n': all of it is both).
 * Invariants: max-age is -1 or in [0, 2^31-1]; a jwks_uri the discovery parser returns
 * passes jwt_fetch_check_url with the same allow_http. */
#include <string.h>
#include <limits.h>
#include "fuzz_common.h"
#include <apr_strings.h>
#include "jwt_fetch.h"

static const char fuzz_issuer[] = "https://idp.example/realms/a";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_err_t e;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    const char *doc = nl ? (const char *)nl + 1 : (const char *)data;
    size_t dlen = nl ? size - hlen - 1 : size;

    fuzz_apr_init();
    apr_pool_create(&p, NULL);

    /* Header values reach the parser as C strings (curl stops at NUL). */
    char *header = apr_pstrmemdup(p, (const char *)data, hlen);
    long age = jwt_fetch_parse_max_age(header);
    FUZZ_ASSERT(age == -1 || (age >= 0 && age <= INT_MAX));

    for (int allow_http = 0; allow_http <= 1; allow_http++) {
        const char *uri = NULL;
        if (jwt_discovery_jwks_uri(p, doc, dlen, fuzz_issuer, allow_http, &uri, &e) == JWT_OK) {
            FUZZ_ASSERT(uri != NULL);
            FUZZ_ASSERT(jwt_fetch_check_url(uri, allow_http, &e) == JWT_OK);
        }
    }
    /* The header part as a URL: the transport rules must not crash on anything. */
    (void)jwt_fetch_check_url(header, 0, &e);
    (void)jwt_fetch_host_is_loopback(header);
    apr_pool_destroy(p);
    return 0;
}
