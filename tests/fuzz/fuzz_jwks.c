/* libFuzzer target: key import (PEM, JWK, JWKS) through jwt_keys_from_buffer, then the
 * per-key helpers the admin page and the logs use. */
#include "fuzz_common.h"
#include "jwt_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_err_t e;
    int count = -1;

    fuzz_apr_init();
    apr_pool_create(&p, NULL);

    jwt_keyring_t *ring = jwt_keyring_make(p);
    jwt_code_t rc = jwt_keys_from_buffer(ring, (const char *)data, size, "fuzz", NULL,
                                         &count, &e);
    if (rc == JWT_OK)
        FUZZ_ASSERT(count >= 0 && count <= jwt_keyring_count(ring));
    for (int i = 0; i < jwt_keyring_count(ring); i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        json_object *pub = NULL;
        FUZZ_ASSERT(k != NULL);
        (void)jwt_key_describe(p, k);
        if (k->kid != NULL)
            FUZZ_ASSERT(jwt_keyring_find_kid(ring, k->kid) != NULL);
        if (jwt_key_public_jwk(p, k, &pub, &e) == JWT_OK)
            FUZZ_ASSERT(pub != NULL && !json_object_object_get_ex(pub, "d", NULL));
    }
    jwt_err_clear_openssl();
    apr_pool_destroy(p);
    return 0;
}
