/* jwt_secrets_enc.c -- encryption keys in the secrets file (issue 24): "oct" entries with
 * "use":"enc", or an "alg" naming a JWE key management (A256KW, dir, ...) or content
 * (A256GCM: a dir key, as RFC 7520 5.6 writes it) algorithm. They are not HMAC secrets:
 * they never verify or sign a JWS (one key, one job, RFC 8725 3.9), the admin's edits do
 * not see them, and every rewrite keeps them byte for byte. The module decrypts dir / AES
 * key wrap JWEs with them (jwt_secrets_add_to_jwe_keyring). */
#include <string.h>
#include <apr_strings.h>
#include "jwt_secrets_int.h"
#include "jwt_json.h"

static const char *str_member(json_object *jk, const char *name)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(jk, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int jwt_secrets_is_enc_entry(json_object *jk)
{
    const char *kty, *use, *alg;
    jwt_jwe_alg_t a;
    jwt_jwe_enc_t e;
    jwt_err_t ignored;

    if (!json_object_is_type(jk, json_type_object))
        return 0;
    kty = str_member(jk, "kty");
    if (!kty || strcmp(kty, "oct") != 0)
        return 0;
    use = str_member(jk, "use");
    if (use && strcmp(use, "enc") == 0)
        return 1;
    alg = str_member(jk, "alg");
    return alg && (jwt_jwe_alg_from_name(alg, &a, &ignored) == JWT_OK
                   || jwt_jwe_enc_from_name(alg, &e, &ignored) == JWT_OK);
}

/* Check the entry as the decrypter will take it (length, alg fit, key_ops), then keep
 * its JSON: a file the module would refuse to decrypt with is refused whole, as a bad
 * HMAC secret is. */
jwt_code_t jwt_secrets_keep_enc_entry(apr_pool_t *p, jwt_secrets_t *s, json_object *jk,
                                      const char *path, size_t idx, jwt_err_t *err)
{
    jwt_jwe_key_t *k = NULL;
    jwt_err_t why;
    const char *text;
    size_t n;

    const char *alg = str_member(jk, "alg");
    jwt_alg_t jws_alg;

    jwt_err_clear(&why);
    /* "use":"enc" with a JWS alg says two jobs at once: which one was meant is unknown */
    if (alg && jwt_alg_from_name(alg, &jws_alg, &why) == JWT_OK)
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "secrets file %s: key #%zu: \"use\":\"enc\" "
                       "with the JWS alg %s (a key is for one job)", path, idx,
                       jwt_alg_name(jws_alg));
    jwt_err_clear(&why);
    if (jwt_jwe_key_from_jwk(p, jk, "secrets", &k, &why) != JWT_OK)
        return JWT_ERR(err, why.code == JWT_ERR_KEY_WEAK ? JWT_ERR_KEY_WEAK : JWT_ERR_KEY_INVALID,
                       "secrets file %s: key #%zu (encryption): %s", path, idx, why.message);
    if (!s->enc_keys)
        s->enc_keys = apr_array_make(p, 1, sizeof(const char *));
    text = json_object_to_json_string_ext(jk, JSON_C_TO_STRING_PLAIN
                                          | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (text == NULL)
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: out of memory", path);
    n = strlen(text);
    text = apr_pstrmemdup(p, text, n);
    jwt_wipe_at_end(p, (void *)text, n);
    APR_ARRAY_PUSH(s->enc_keys, const char *) = text;
    return JWT_OK;
}

jwt_code_t jwt_secrets_add_to_jwe_keyring(const jwt_secrets_t *s, const char *path,
                                          jwt_jwe_keyring_t *ring, int *count, jwt_err_t *err)
{
    const char *source;
    int i;

    if (s == NULL || path == NULL || ring == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_add_to_jwe_keyring: missing argument");
    if (count)
        *count = 0;
    if (!s->enc_keys)
        return JWT_OK;
    source = apr_pstrcat(ring->pool, "secrets:", path, NULL);
    for (i = 0; i < s->enc_keys->nelts; i++) {
        const char *text = APR_ARRAY_IDX(s->enc_keys, i, const char *);
        json_object *jk = NULL;
        jwt_jwe_key_t *k = NULL;
        jwt_code_t rc;

        if ((rc = jwt_json_parse_object(ring->pool, text, strlen(text), NULL, &jk, err)) != JWT_OK
            || (rc = jwt_jwe_key_from_jwk(ring->pool, jk, source, &k, err)) != JWT_OK
            || (rc = jwt_jwe_keyring_add(ring, k, err)) != JWT_OK)
            return rc;
        if (count)
            (*count)++;
    }
    return JWT_OK;
}
