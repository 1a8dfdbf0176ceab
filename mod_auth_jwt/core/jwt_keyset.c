/* jwt_keyset.c -- the remote key-set policy: skip and report each unusable member. See
 * jwt_keyset.h. */
#include <string.h>
#include <apr_strings.h>
#include "jwt_keyset.h"
#include "jwt_json.h"

#define REMOTE_DEFAULT_MAX (1024 * 1024)
#define REMOTE_MAX_DEPTH 8
#define KID_SHOWN_MAX 80

/* Members that only a private key or a secret has (RFC 7518 6.2.2, 6.3.2, 6.4.1). */
static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };

/* The kid as it may appear in a log line: control bytes become '?', cut at 80 bytes. */
static const char *shown_kid(apr_pool_t *p, json_object *jwk)
{
    json_object *v;
    const char *s;
    size_t n, i;
    char *out;

    if (!json_object_is_type(jwk, json_type_object) || !json_object_object_get_ex(jwk, "kid", &v)
        || !json_object_is_type(v, json_type_string))
        return "(none)";
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (n > KID_SHOWN_MAX)
        n = KID_SHOWN_MAX;
    out = apr_pstrndup(p, s, n);
    for (i = 0; out[i]; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    }
    return out;
}

static const char *string_member(json_object *jwk, const char *name)
{
    json_object *v;
    if (json_object_object_get_ex(jwk, name, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Why this member must not be taken before it is even imported, or NULL. */
static const char *refused_outright(json_object *jwk)
{
    const char *kty;
    size_t i;

    if (!json_object_is_type(jwk, json_type_object))
        return "not a JSON object";
    kty = string_member(jwk, "kty");
    if (kty && strcmp(kty, "oct") == 0)
        return "kty \"oct\" (a shared secret) is never taken from a URL";
    for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++) {
        if (json_object_object_get_ex(jwk, private_members[i], NULL))
            return "holds private key members (a key set from a URL is public)";
    }
    return NULL;
}

static int kid_taken(const jwt_keyring_t *ring, const apr_array_header_t *fresh, const char *kid)
{
    int i;
    if (jwt_keyring_find_kid(ring, kid))
        return 1;
    for (i = 0; i < fresh->nelts; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(fresh, i, jwt_key_t *);
        if (k->kid && strcmp(k->kid, kid) == 0)
            return 1;
    }
    return 0;
}

static void note_skip(apr_pool_t *p, apr_array_header_t *skips, int index, const char *kid,
                      const char *reason)
{
    jwt_key_skip_t *s = apr_array_push(skips);
    s->index = index;
    s->kid = kid;
    s->reason = apr_pstrdup(p, reason);
}

jwt_code_t jwt_keys_from_remote_jwks(jwt_keyring_t *ring, const char *buf, size_t len,
                                     size_t max_bytes, const char *source,
                                     apr_array_header_t **skips, int *count, jwt_err_t *err)
{
    jwt_json_limits_t lim = { max_bytes ? max_bytes : REMOTE_DEFAULT_MAX, REMOTE_MAX_DEPTH };
    apr_array_header_t *skipped, *fresh;
    json_object *root = NULL, *arr = NULL;
    apr_pool_t *tmp;
    jwt_err_t jerr;
    jwt_code_t rc;
    size_t i, n;

    if (count)
        *count = 0;
    if (skips)
        *skips = NULL;
    if (ring == NULL || buf == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "remote key set: missing argument");
    if (source == NULL)
        source = "(remote)";
    if (apr_pool_create(&tmp, ring->pool) != APR_SUCCESS)
        return JWT_ERR(err, JWT_ERR_ARG, "%s: cannot create a pool", source);
    jwt_err_clear(&jerr);
    rc = jwt_json_parse_object(tmp, buf, len, &lim, &root, &jerr);
    if (rc != JWT_OK) {
        apr_pool_destroy(tmp);
        return JWT_ERR(err, rc, "%s: %s", source, jerr.message);
    }
    if (!json_object_object_get_ex(root, "keys", &arr) || !json_object_is_type(arr, json_type_array)) {
        apr_pool_destroy(tmp);
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: not a JWKS (no \"keys\" array)", source);
    }
    skipped = apr_array_make(ring->pool, 2, sizeof(jwt_key_skip_t));
    fresh = apr_array_make(tmp, 8, sizeof(jwt_key_t *));
    n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        json_object *jwk = json_object_array_get_idx(arr, i);
        const char *kid = shown_kid(ring->pool, jwk), *why = refused_outright(jwk);
        jwt_key_t *key = NULL;
        jwt_err_t kerr;

        if (why) {
            note_skip(ring->pool, skipped, (int)i, kid, why);
            continue;
        }
        jwt_err_clear(&kerr);
        /* keys live in the ring's pool: a key skipped after import (a duplicate kid) goes
         * with the ring */
        if (jwt_key_from_jwk(ring->pool, jwk, source, &key, &kerr) != JWT_OK) {
            note_skip(ring->pool, skipped, (int)i, kid, kerr.message);
            continue;
        }
        if (!key->can_verify) {
            note_skip(ring->pool, skipped, (int)i, kid, "use/key_ops do not allow verification");
            continue;
        }
        if (key->kid && kid_taken(ring, fresh, key->kid)) {
            note_skip(ring->pool, skipped, (int)i, kid,
                      "duplicate kid (the first key with it is used)");
            continue;
        }
        APR_ARRAY_PUSH(fresh, jwt_key_t *) = key;
    }
    if (skips)
        *skips = skipped;
    if (fresh->nelts == 0) {
        apr_pool_destroy(tmp);
        if (n == 0)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "%s: the JWKS holds no keys", source);
        return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                       "%s: the JWKS holds no usable key (%d skipped; first: kid %s: %s)",
                       source, skipped->nelts, APR_ARRAY_IDX(skipped, 0, jwt_key_skip_t).kid,
                       APR_ARRAY_IDX(skipped, 0, jwt_key_skip_t).reason);
    }
    for (i = 0; i < (size_t)fresh->nelts; i++)
        APR_ARRAY_PUSH(ring->keys, jwt_key_t *) = APR_ARRAY_IDX(fresh, i, jwt_key_t *);
    if (count)
        *count = fresh->nelts;
    apr_pool_destroy(tmp);
    return JWT_OK;
}
