/* jwt_secrets_keys.c -- what a loaded secrets set is used for: the HMAC keys it adds to a
 * keyring, the active signing key, and the editing helpers the admin page uses before
 * jwt_secrets_write.c writes the set back (find, generate, fingerprint).
 *
 * No message here ever contains a secret: only paths, kids, algs and positions; generated
 * secret bytes are wiped when their pool goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "jwt_b64.h"
#include "jwt_json.h"
#include "jwt_secrets.h"
#include "jwt_secrets_int.h"

/* ---------- keys ---------- */

/* An HMAC key bound to exactly the secret's algs: its own "alg" when the file gives one
 * (a 64-byte HS256 secret must not also verify HS512 tokens), else those its length
 * allows. AuthJWTAlgorithms narrows further at verification. */
static jwt_code_t secret_to_key(apr_pool_t *p, const jwt_secrets_t *s, const jwt_secret_t *sec,
                                const char *source, jwt_key_t **out, jwt_err_t *err)
{
    jwt_key_t *key = NULL;
    jwt_code_t rc = jwt_key_from_secret(p, sec->k, sec->k_len, sec->kid, source, &key, err);
    if (rc != JWT_OK)
        return rc;
    if ((key->algs & sec->algs) == 0)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK, "%s: %s: secret not usable with its alg", source,
                       jwt_secret_label(p, s, sec));
    key->algs &= sec->algs;
    key->can_sign = sec->status == JWT_SECRET_ACTIVE && sec->can_sign;
    key->can_verify = sec->can_verify;
    *out = key;
    return JWT_OK;
}

jwt_code_t jwt_secrets_add_to_keyring(const jwt_secrets_t *s, const char *path,
                                      jwt_keyring_t *ring, jwt_err_t *err)
{
    if (s == NULL || path == NULL || ring == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_add_to_keyring: missing argument");
    const char *source = apr_pstrcat(ring->pool, "secrets:", path, NULL);
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        /* retired keys and keys whose key_ops forbid verify never reach a keyring */
        if (all[i].status == JWT_SECRET_RETIRED || !all[i].can_verify)
            continue;
        jwt_key_t *key = NULL;
        jwt_code_t rc = secret_to_key(ring->pool, s, &all[i], source, &key, err);
        if (rc == JWT_OK)
            rc = jwt_keyring_add(ring, key, err);
        if (rc != JWT_OK)
            return rc;
    }
    return JWT_OK;
}

jwt_code_t jwt_secrets_active_key(apr_pool_t *p, const jwt_secrets_t *s, const char *path,
                                  jwt_key_t **out, jwt_err_t *err)
{
    if (p == NULL || s == NULL || path == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_active_key: missing argument");
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        /* validate_set made the default signer (the only key, no status) "active" */
        if (all[i].status == JWT_SECRET_ACTIVE)
            return secret_to_key(p, s, &all[i], apr_pstrcat(p, "secrets:", path, NULL), out, err);
    }
    if (s->secrets->nelts == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "secrets file %s: no key to sign with (the file "
                       "holds no key)", path);
    return JWT_ERR(err, JWT_ERR_NO_KEY, "secrets file %s: no key to sign with: %d key%s and "
                   "none marked \"status\":\"active\" (mark one \"active\")", path,
                   s->secrets->nelts, s->secrets->nelts == 1 ? "" : "s");
}

/* ---------- editing helpers ---------- */

jwt_secret_t *jwt_secrets_find(jwt_secrets_t *s, const char *kid)
{
    if (s == NULL || kid == NULL)
        return NULL;
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (all[i].kid != NULL && strcmp(all[i].kid, kid) == 0)
            return &all[i];
    }
    return NULL;
}

/* New kids come from the admin form: a conservative alphabet keeps them safe in URLs,
 * HTML, log lines and file names without further thought. */
static int kid_is_simple(const char *kid)
{
    size_t len = strlen(kid);
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = kid[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int has_active(const jwt_secrets_t *s)
{
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (all[i].status == JWT_SECRET_ACTIVE)
            return 1;
    }
    return 0;
}

jwt_code_t jwt_secrets_generate(apr_pool_t *p, jwt_secrets_t *s, const char *kid,
                                jwt_alg_t alg, jwt_secret_status_t status, int64_t now,
                                const jwt_secret_t **created, jwt_err_t *err)
{
    if (p == NULL || s == NULL || kid == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_generate: missing argument");
    if (!kid_is_simple(kid))
        return JWT_ERR(err, JWT_ERR_ARG, "new kid must be 1..64 characters of A-Z a-z 0-9 . _ -");
    if (!jwt_secrets_is_hmac_alg(alg))
        return JWT_ERR(err, JWT_ERR_ALG_UNSUPPORTED, "new secret %s: alg must be HS256, HS384 or "
                       "HS512", kid);
    if (now < 0 || now >= SECRETS_MAX_CREATED)
        return JWT_ERR(err, JWT_ERR_ARG, "new secret %s: creation time out of range", kid);
    if (jwt_secrets_find(s, kid) != NULL)
        return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID, "kid %s already exists", kid);
    if (status == JWT_SECRET_ACTIVE && has_active(s))
        return JWT_ERR(err, JWT_ERR_ARG, "new secret %s: another key is already active (demote it "
                       "first)", kid);
    size_t len = jwt_alg_hash_len(alg);
    unsigned char *k = apr_palloc(p, len);
    jwt_wipe_at_end(p, k, len);
    if (RAND_bytes(k, (int)len) != 1) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "RAND_bytes failed");
        if (err) jwt_err_append_openssl(err); else jwt_err_clear_openssl();
        return JWT_ERR_CRYPTO;
    }
    jwt_secret_t *sec = apr_array_push(s->secrets);
    memset(sec, 0, sizeof(*sec));
    sec->kid = apr_pstrdup(p, kid);
    sec->alg = alg;
    sec->status = status;
    sec->has_alg = 1;
    sec->algs = JWT_ALGSET(alg);
    sec->has_status = 1;
    sec->created = now;
    sec->has_created = 1;
    sec->can_verify = sec->can_sign = 1;
    sec->k = k;
    sec->k_len = len;
    sec->extra = "";
    if (created) *created = sec;
    return JWT_OK;
}

const char *jwt_secret_fingerprint(apr_pool_t *p, const jwt_secret_t *sec)
{
    if (p == NULL || sec == NULL || sec->k == NULL)
        return "";
    const char *fp = jwt_secrets_hex_sha256(p, sec->k, sec->k_len, 16);
    return fp ? fp : "";
}
