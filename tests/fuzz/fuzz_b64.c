/* libFuzzer target: strict base64url.
 * Invariants: a decoded input re-encodes to exactly the input (one encoding per byte
 * string), and encode-then-decode returns the original bytes. */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    unsigned char *out;
    size_t outlen;
    jwt_err_t e;

    fuzz_apr_init();
    apr_pool_create(&p, NULL);

    if (jwt_b64url_decode(p, (const char *)data, size, &out, &outlen, &e) == JWT_OK) {
        char *again = jwt_b64url_encode(p, out, outlen);
        FUZZ_ASSERT(strlen(again) == size && memcmp(again, data, size) == 0);
    } else {
        FUZZ_ASSERT(e.code == JWT_ERR_BASE64);
    }

    char *enc = jwt_b64url_encode(p, data, size);
    FUZZ_ASSERT(jwt_b64url_decode(p, enc, strlen(enc), &out, &outlen, &e) == JWT_OK);
    FUZZ_ASSERT(outlen == size && (size == 0 || memcmp(out, data, size) == 0));

    apr_pool_destroy(p);
    return 0;
}
