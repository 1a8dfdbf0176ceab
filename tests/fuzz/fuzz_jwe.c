/* libFuzzer target: the JWE parser and decrypter against a small fixed keyring (a 16-byte
 * shared key, kid "kw": A128KW, A128GCMKW and dir with A128GCM; an EC P-256 key, kid "ec";
 * an X25519 key, kid "x"), and the encrypter.
 * Input: the whole input is tried as a compact JWE. Then its first byte picks a key, an alg
 * and an enc, and the rest is encrypted with them.
 * Invariants: a decrypted token used a key bound to its alg; "symmetric" is set exactly for
 * shared-key algorithms; what we encrypt decrypts to the same bytes; and changing any one
 * character of a token we made makes it fail (everything in a JWE is authenticated). */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_jwe.h"

static const char fuzz_keys[] =
    "{\"keys\":["
    "{\"kty\":\"oct\",\"kid\":\"kw\",\"k\":\"ZnV6ei1qd2Uta2V5LTAxMg\"},"
    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\","
    "\"x\":\"VXCinp0woOfg6KJ4YdEfE4kUuCgswGq-YIwyY3K7JVs\","
    "\"y\":\"lxcIFxRvG0e0c8g14zHx0JTSMDUPFutlKqulfTATA0I\","
    "\"d\":\"ojn6pz8889dtHvjx2AN-iJERVUBcc0GhrOt6Eooctg8\"},"
    "{\"kty\":\"OKP\",\"kid\":\"x\",\"crv\":\"X25519\","
    "\"x\":\"81pyzksTTD73jZyiOodcajCVYfQ8noOMMjpAOL7gCC0\","
    "\"d\":\"SFSdLONr3cyRBIVzzhulgvgb_xlyXRPN7uavAyZzTEs\"}]}";

static apr_pool_t *ring_pool;
static jwt_jwe_keyring_t *ring;

static void destroy_ring(void)
{
    apr_pool_destroy(ring_pool);
}

static void init_ring(void)
{
    jwt_err_t e;
    int n = 0;
    fuzz_apr_init();
    apr_pool_create(&ring_pool, NULL);
    ring = jwt_jwe_keyring_make(ring_pool);
    if (jwt_jwe_keys_from_buffer(ring, fuzz_keys, sizeof(fuzz_keys) - 1, "fuzz", NULL, 0, &n, &e)
        != JWT_OK || n != 3) {
        fprintf(stderr, "fuzz_jwe: cannot build the keyring: %s\n", e.message);
        abort();
    }
    atexit(destroy_ring);
}

/* The keyring is made before the first input, not inside it: libFuzzer's leak check counts
 * what an input allocates and does not free, and the keyring lives on until exit. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    init_ring();
    return 0;
}

static void check_ok(const jwt_jwe_t *j)
{
    FUZZ_ASSERT(j->key != NULL && (j->key->algs & JWT_JWE_SET(j->alg)) != 0);
    FUZZ_ASSERT(j->symmetric == jwt_jwe_alg_is_symmetric(j->alg));
    FUZZ_ASSERT(j->plaintext[j->plaintext_len] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_jwe_t *j = NULL;
    jwt_err_t e;
    apr_pool_create(&p, NULL);

    jwt_code_t rc = jwt_jwe_decrypt(p, (const char *)data, size, ring, JWT_JWE_ALGSET_ALL,
                                    JWT_JWE_ENCSET_ALL, NULL, &j, &e);
    if (rc == JWT_OK)
        check_ok(j);
    else
        FUZZ_ASSERT(e.code == rc && rc > JWT_OK && rc < JWT_ERR__COUNT);

    if (size >= 1) {
        /* key: 0 oct (A128KW, A128GCMKW, dir), 1 EC, 2 X25519 */
        unsigned sel = data[0];
        int ki = (int)(sel % 3);
        jwt_jwe_key_t *key = APR_ARRAY_IDX(ring->keys, ki, jwt_jwe_key_t *);
        static const jwt_jwe_alg_t oct_algs[] = { JWT_JWE_A128KW, JWT_JWE_A128GCMKW, JWT_JWE_DIR };
        jwt_jwe_alg_t alg = ki == 0 ? oct_algs[(sel / 3) % 3] : (jwt_jwe_alg_t)(JWT_JWE_ECDH_ES + (sel / 3) % 4);
        jwt_jwe_enc_t enc = alg == JWT_JWE_DIR ? JWT_JWE_A128GCM : (jwt_jwe_enc_t)((sel / 12) % JWT_JWE_ENC__COUNT);
        char *tok;
        FUZZ_ASSERT(jwt_jwe_encrypt(p, data + 1, size - 1, key, alg, enc, NULL, &tok, &e) == JWT_OK);
        size_t tl = strlen(tok);
        FUZZ_ASSERT(jwt_jwe_decrypt(p, tok, tl, ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL, NULL,
                                    &j, &e) == JWT_OK);
        check_ok(j);
        FUZZ_ASSERT(j->plaintext_len == size - 1 && memcmp(j->plaintext, data + 1, size - 1) == 0);
        /* one character changed anywhere (position and value from the input) */
        size_t pos = (size > 2 ? ((size_t)data[1] << 8 | data[size - 1]) : sel) % tl;
        char was = tok[pos];
        tok[pos] = was == 'A' ? 'B' : 'A';
        FUZZ_ASSERT(jwt_jwe_decrypt(p, tok, tl, ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL, NULL,
                                    &j, &e) != JWT_OK);
    }
    apr_pool_destroy(p);
    return 0;
}
