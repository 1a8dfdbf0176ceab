/* libFuzzer target: key import (PEM, JWK, JWKS) through jwt_keys_from_buffer, then the
 * per-key helpers the admin page and the logs use; and the same bytes as a remote key set
 * (jwt_keys_from_remote_jwks): whatever it takes holds no secret, no private part and no
 * repeated kid. */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_key.h"
#include "jwt_keyset.h"

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
    {
        jwt_keyring_t *remote = jwt_keyring_make(p);
        apr_array_header_t *skips = NULL;
        int n = -1;
        rc = jwt_keys_from_remote_jwks(remote, (const char *)data, size, 0, "fuzz", &skips, &n, &e);
        FUZZ_ASSERT(rc == JWT_OK ? n >= 1 && n == jwt_keyring_count(remote)
                                 : jwt_keyring_count(remote) == 0);
        for (int i = 0; i < jwt_keyring_count(remote); i++) {
            const jwt_key_t *k = APR_ARRAY_IDX(remote->keys, i, const jwt_key_t *);
            FUZZ_ASSERT(k->kty != JWT_KTY_OCT && !k->can_sign && k->can_verify);
            for (int j = 0; k->kid && j < i; j++) {
                const jwt_key_t *o = APR_ARRAY_IDX(remote->keys, j, const jwt_key_t *);
                FUZZ_ASSERT(o->kid == NULL || strcmp(o->kid, k->kid) != 0);
            }
        }
        for (int i = 0; skips && i < skips->nelts; i++)
            FUZZ_ASSERT(APR_ARRAY_IDX(skips, i, jwt_key_skip_t).reason != NULL);
    }
    jwt_err_clear_openssl();
    apr_pool_destroy(p);
    return 0;
}
