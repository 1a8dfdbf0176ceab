/* libFuzzer target: the secrets file reader (jwt_secrets_load), which the module re-reads
 * whenever the file changes and the admin CGI reads on every page. The input is written to
 * a file in a private temporary folder, loaded, and on success turned into verification
 * keys and the signing key.
 * Invariants: a loaded set has a version (64 hex chars), at most one active secret, every
 * secret has key bytes and at least one HS alg; the keyring holds exactly the non-retired
 * secrets whose key_ops permit verify. */
#include <string.h>
#include <unistd.h>
#include "fuzz_common.h"
#include <apr_strings.h>
#include "jwt_secrets.h"

static char fuzz_dir[] = "/tmp/fuzz-secrets-XXXXXX";
static char fuzz_path[sizeof(fuzz_dir) + 16];

static void remove_dir(void)
{
    unlink(fuzz_path);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_apr_init();
    if (mkdtemp(fuzz_dir) == NULL) {
        perror("fuzz_secrets: mkdtemp");
        abort();
    }
    snprintf(fuzz_path, sizeof(fuzz_path), "%s/s.jwks", fuzz_dir);
    atexit(remove_dir);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(size == 0 || fwrite(data, 1, size, f) == size);
    FUZZ_ASSERT(fclose(f) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_err_t e;
    jwt_secrets_t *s = NULL;

    apr_pool_create(&p, NULL);
    write_input(data, size);
    if (jwt_secrets_load(p, fuzz_path, &s, &e) == JWT_OK) {
        int active = 0, usable = 0;
        FUZZ_ASSERT(s != NULL && s->version != NULL && strlen(s->version) == 64);
        for (int i = 0; i < s->secrets->nelts; i++) {
            const jwt_secret_t *sec = &APR_ARRAY_IDX(s->secrets, i, jwt_secret_t);
            FUZZ_ASSERT(sec->k != NULL && sec->k_len >= 32 && sec->algs != 0);
            FUZZ_ASSERT((sec->algs & ~JWT_ALGSET_HMAC) == 0);
            active += sec->status == JWT_SECRET_ACTIVE;
            usable += sec->status != JWT_SECRET_RETIRED && sec->can_verify;
            (void)jwt_secret_fingerprint(p, sec);
        }
        FUZZ_ASSERT(active <= 1);
        jwt_keyring_t *ring = jwt_keyring_make(p);
        if (jwt_secrets_add_to_keyring(s, fuzz_path, ring, &e) == JWT_OK)
            FUZZ_ASSERT(jwt_keyring_count(ring) == usable);
        jwt_key_t *k = NULL;
        jwt_code_t rc = jwt_secrets_active_key(p, s, fuzz_path, &k, &e);
        FUZZ_ASSERT((rc == JWT_OK) == (active == 1));
    }
    jwt_err_clear_openssl();
    apr_pool_destroy(p);
    return 0;
}
