/* jwt_secrets.c -- the shared-secrets file: strict load, keyring building, atomic update.
 *
 * The file is small and written only by the admin page, so it is read whole (size-capped),
 * validated strictly (every member of every key), and rewritten whole. Unknown members are
 * refused rather than ignored: the writer regenerates the file from the parsed set, so an
 * ignored member would silently vanish on the next save.
 *
 * Secret bytes are wiped (OPENSSL_cleanse) when the pool that holds them is destroyed, and
 * no message here ever contains a secret: only paths, kids, algs and positions.
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

#define SECRETS_MAX_BYTES (1024 * 1024)   /* a file of thousands of keys; anything bigger is wrong */
#define SECRETS_MAX_KID_LEN 256
#define SECRETS_MAX_CREATED ((int64_t)1 << 53)  /* same range as a JSON NumericDate */

/* ---------- small helpers ---------- */

typedef struct {
    void *buf;
    size_t len;
} wipe_t;

static apr_status_t wipe_cleanup(void *data)
{
    wipe_t *w = data;
    OPENSSL_cleanse(w->buf, w->len);
    return APR_SUCCESS;
}

/* Wipe buf[0..len) when p is destroyed: secrets must not linger in freed pool memory. */
static void wipe_on_cleanup(apr_pool_t *p, void *buf, size_t len)
{
    wipe_t *w = apr_palloc(p, sizeof(*w));
    w->buf = buf;
    w->len = len;
    apr_pool_cleanup_register(p, w, wipe_cleanup, apr_pool_cleanup_null);
}

static const char *hex_sha256(apr_pool_t *p, const void *data, size_t len, size_t hex_chars)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md)) {
        jwt_err_clear_openssl();
        return NULL;
    }
    if (hex_chars > 64) hex_chars = 64;
    char *hex = apr_palloc(p, hex_chars + 1);
    for (size_t i = 0; i < hex_chars; i++)
        hex[i] = digits[(md[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
    hex[hex_chars] = '\0';
    return hex;
}

static int is_hmac_alg(jwt_alg_t alg)
{
    return (JWT_ALGSET(alg) & JWT_ALGSET_HMAC) != 0;
}

const char *jwt_secret_status_name(jwt_secret_status_t st)
{
    switch (st) {
    case JWT_SECRET_ACTIVE:  return "active";
    case JWT_SECRET_VERIFY:  return "verify";
    case JWT_SECRET_RETIRED: return "retired";
    }
    return "unknown";
}

static int status_from_name(const char *name, jwt_secret_status_t *out)
{
    static const jwt_secret_status_t all[] = { JWT_SECRET_ACTIVE, JWT_SECRET_VERIFY,
                                               JWT_SECRET_RETIRED };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(name, jwt_secret_status_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

/* A kid is shown on the admin page and written to the audit log: no control characters,
 * bounded length, so it can never break a log line. */
static int kid_is_printable(const char *kid, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)kid[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

/* ---------- reading ---------- */

/* Read the whole file behind fd (already open) with the size cap. */
static jwt_code_t read_fd(apr_pool_t *p, int fd, const char *path, char **out, size_t *outlen,
                          jwt_err_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: stat failed: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: not a regular file", path);
    if (st.st_size > SECRETS_MAX_BYTES)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "secrets file %s: %lld bytes, over the %d-byte cap",
                       path, (long long)st.st_size, SECRETS_MAX_BYTES);
    /* Read up to cap+1 so a file that grows after fstat is still caught. */
    size_t cap = SECRETS_MAX_BYTES + 1, len = 0;
    char *buf = apr_palloc(p, cap + 1);
    wipe_on_cleanup(p, buf, cap + 1);
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: read failed: %s", path,
                           strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap)
            return JWT_ERR(err, JWT_ERR_TOO_LARGE, "secrets file %s: over the %d-byte cap",
                           path, SECRETS_MAX_BYTES);
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return JWT_OK;
}

/* Open and read; *missing = 1 (and JWT_OK) when the file does not exist. */
static jwt_code_t read_file(apr_pool_t *p, const char *path, char **out, size_t *outlen,
                            int *missing, jwt_err_t *err)
{
    *missing = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) {
        *missing = 1;
        *out = NULL;
        *outlen = 0;
        return JWT_OK;
    }
    if (fd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: cannot open: %s", path, strerror(errno));
    jwt_code_t rc = read_fd(p, fd, path, out, outlen, err);
    close(fd);
    return rc;
}

/* ---------- parsing and validation ---------- */

static const char *const allowed_members[] = { "kty", "kid", "alg", "k", "use", "status",
                                               "created" };

static jwt_code_t check_members(json_object *jk, const char *path, size_t idx, jwt_err_t *err)
{
    json_object_object_foreach(jk, name, val) {
        (void)val;
        int known = 0;
        for (size_t i = 0; i < sizeof(allowed_members) / sizeof(allowed_members[0]); i++)
            known |= strcmp(name, allowed_members[i]) == 0;
        if (!known)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                           "secrets file %s: key #%zu: unknown member (allowed: kty kid alg k "
                           "use status created)", path, idx);
    }
    return JWT_OK;
}

/* A required string member; NULL when absent or not a string. */
static const char *string_member(json_object *jk, const char *name, size_t *len)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(jk, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    if (len) *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static jwt_code_t parse_kid(apr_pool_t *p, json_object *jk, const char *path, size_t idx,
                            jwt_secret_t *sec, jwt_err_t *err)
{
    size_t len = 0;
    const char *kid = string_member(jk, "kid", &len);
    if (kid == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu: \"kid\" missing or "
                       "not a string", path, idx);
    if (len == 0 || len > SECRETS_MAX_KID_LEN || strlen(kid) != len || !kid_is_printable(kid, len))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu: \"kid\" must be 1..%d "
                       "printable characters", path, idx, SECRETS_MAX_KID_LEN);
    sec->kid = apr_pstrmemdup(p, kid, len);
    return JWT_OK;
}

static jwt_code_t parse_alg(json_object *jk, const char *path, jwt_secret_t *sec, jwt_err_t *err)
{
    const char *alg = string_member(jk, "alg", NULL);
    if (alg == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"alg\" missing or not "
                       "a string", path, sec->kid);
    jwt_code_t rc = jwt_alg_from_name(alg, &sec->alg, err);
    if (rc != JWT_OK)
        return rc;
    if (!is_hmac_alg(sec->alg))
        return JWT_ERR(err, JWT_ERR_ALG_UNSUPPORTED, "secrets file %s: kid %s: alg %s is not "
                       "HS256, HS384 or HS512", path, sec->kid, jwt_alg_name(sec->alg));
    return JWT_OK;
}

static jwt_code_t parse_k(apr_pool_t *p, json_object *jk, const char *path, jwt_secret_t *sec,
                          jwt_err_t *err)
{
    size_t len = 0;
    const char *k = string_member(jk, "k", &len);
    if (k == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"k\" missing or not a "
                       "string", path, sec->kid);
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    if (jwt_b64url_decode(p, k, len, &raw, &rawlen, NULL) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_BASE64, "secrets file %s: kid %s: \"k\" is not strict "
                       "base64url", path, sec->kid);
    wipe_on_cleanup(p, raw, rawlen);
    size_t need = jwt_alg_hash_len(sec->alg);
    if (rawlen < need)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK, "secrets file %s: kid %s: %zu-byte secret is shorter "
                       "than the %zu bytes %s needs", path, sec->kid, rawlen, need,
                       jwt_alg_name(sec->alg));
    sec->k = raw;
    sec->k_len = rawlen;
    return JWT_OK;
}

static jwt_code_t parse_status_created(json_object *jk, const char *path, jwt_secret_t *sec,
                                       jwt_err_t *err)
{
    const char *status = string_member(jk, "status", NULL);
    if (status == NULL || !status_from_name(status, &sec->status))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"status\" must be "
                       "\"active\", \"verify\" or \"retired\"", path, sec->kid);
    json_object *c = NULL;
    /* json-c types 1.0 as a double and clamps huge integers: require an int in range. */
    if (!json_object_object_get_ex(jk, "created", &c) || !json_object_is_type(c, json_type_int))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"created\" missing or "
                       "not an integer", path, sec->kid);
    errno = 0;
    int64_t created = json_object_get_int64(c);
    if (created < 0 || created >= SECRETS_MAX_CREATED || errno == ERANGE)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"created\" must be a "
                       "non-negative integer below 2^53", path, sec->kid);
    sec->created = created;
    return JWT_OK;
}

static jwt_code_t parse_fixed_members(json_object *jk, const char *path, const jwt_secret_t *sec,
                                      jwt_err_t *err)
{
    const char *kty = string_member(jk, "kty", NULL);
    if (kty == NULL || strcmp(kty, "oct") != 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: kid %s: \"kty\" must be \"oct\"",
                       path, sec->kid);
    json_object *use = NULL;
    if (json_object_object_get_ex(jk, "use", &use)) {
        const char *u = string_member(jk, "use", NULL);
        if (u == NULL || strcmp(u, "sig") != 0)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "secrets file %s: kid %s: \"use\" must be "
                           "\"sig\"", path, sec->kid);
    }
    return JWT_OK;
}

static jwt_code_t parse_one_secret(apr_pool_t *p, json_object *jk, const char *path, size_t idx,
                                   jwt_secret_t *sec, jwt_err_t *err)
{
    jwt_code_t rc;
    if (!json_object_is_type(jk, json_type_object))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu is not an object",
                       path, idx);
    memset(sec, 0, sizeof(*sec));
    if ((rc = parse_kid(p, jk, path, idx, sec, err)) != JWT_OK) return rc;
    if ((rc = check_members(jk, path, idx, err)) != JWT_OK) return rc;
    if ((rc = parse_fixed_members(jk, path, sec, err)) != JWT_OK) return rc;
    if ((rc = parse_alg(jk, path, sec, err)) != JWT_OK) return rc;
    if ((rc = parse_k(p, jk, path, sec, err)) != JWT_OK) return rc;
    return parse_status_created(jk, path, sec, err);
}

/* Set-wide rules: kids unique, at most one active. Also used on the result of an edit. */
static jwt_code_t validate_set(const jwt_secrets_t *s, const char *path, jwt_err_t *err)
{
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    int active = 0;
    for (int i = 0; i < s->secrets->nelts; i++) {
        for (int j = 0; j < i; j++) {
            if (strcmp(all[i].kid, all[j].kid) == 0)
                return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID,
                               "secrets file %s: kid %s appears more than once", path, all[i].kid);
        }
        if (all[i].status == JWT_SECRET_ACTIVE && ++active > 1)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                           "secrets file %s: more than one active key (second: kid %s)", path,
                           all[i].kid);
    }
    return JWT_OK;
}

static jwt_code_t parse_secrets(apr_pool_t *p, const char *buf, size_t len, const char *path,
                                jwt_secrets_t *s, jwt_err_t *err)
{
    jwt_json_limits_t lim = { SECRETS_MAX_BYTES, 0 };
    json_object *root = NULL, *keys = NULL;
    jwt_code_t rc = jwt_json_parse_object(p, buf, len, &lim, &root, err);
    if (rc != JWT_OK)
        return rc;   /* the JSON layer's message names the problem, never the content */
    if (!json_object_object_get_ex(root, "keys", &keys) || !json_object_is_type(keys, json_type_array))
        return JWT_ERR(err, JWT_ERR_JSON, "secrets file %s: no \"keys\" array", path);
    if (json_object_object_length(root) != 1)
        return JWT_ERR(err, JWT_ERR_JSON, "secrets file %s: members other than \"keys\" at top "
                       "level", path);
    size_t n = json_object_array_length(keys);
    for (size_t i = 0; i < n; i++) {
        jwt_secret_t *sec = apr_array_push(s->secrets);
        rc = parse_one_secret(p, json_object_array_get_idx(keys, i), path, i, sec, err);
        if (rc != JWT_OK)
            return rc;
    }
    return validate_set(s, path, err);
}

/* Parse buf (NULL when the file is missing) into a fresh set with its version. */
static jwt_code_t secrets_from_bytes(apr_pool_t *p, const char *buf, size_t len, int missing,
                                     const char *path, jwt_secrets_t **out, jwt_err_t *err)
{
    jwt_secrets_t *s = apr_pcalloc(p, sizeof(*s));
    s->secrets = apr_array_make(p, 4, sizeof(jwt_secret_t));
    if (missing) {
        s->version = "";
        *out = s;
        return JWT_OK;
    }
    s->version = hex_sha256(p, buf, len, 64);
    if (s->version == NULL)
        return JWT_ERR(err, JWT_ERR_CRYPTO, "secrets file %s: SHA-256 failed", path);
    jwt_code_t rc = parse_secrets(p, buf, len, path, s, err);
    if (rc != JWT_OK)
        return rc;
    *out = s;
    return JWT_OK;
}

jwt_code_t jwt_secrets_load(apr_pool_t *p, const char *path, jwt_secrets_t **out, jwt_err_t *err)
{
    if (p == NULL || path == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_load: missing argument");
    char *buf = NULL;
    size_t len = 0;
    int missing = 0;
    jwt_code_t rc = read_file(p, path, &buf, &len, &missing, err);
    if (rc != JWT_OK)
        return rc;
    return secrets_from_bytes(p, buf, len, missing, path, out, err);
}

/* ---------- keys ---------- */

/* An HMAC key bound to exactly the secret's own alg (a 64-byte HS256 secret must not
 * also verify HS512 tokens). */
static jwt_code_t secret_to_key(apr_pool_t *p, const jwt_secret_t *sec, const char *source,
                                jwt_key_t **out, jwt_err_t *err)
{
    jwt_key_t *key = NULL;
    jwt_code_t rc = jwt_key_from_secret(p, sec->k, sec->k_len, sec->kid, source, &key, err);
    if (rc != JWT_OK)
        return rc;
    if ((key->algs & JWT_ALGSET(sec->alg)) == 0)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK, "%s: kid %s: secret not usable with %s", source,
                       sec->kid, jwt_alg_name(sec->alg));
    key->algs = JWT_ALGSET(sec->alg);
    key->can_sign = sec->status == JWT_SECRET_ACTIVE;
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
        if (all[i].status == JWT_SECRET_RETIRED)
            continue;
        jwt_key_t *key = NULL;
        jwt_code_t rc = secret_to_key(ring->pool, &all[i], source, &key, err);
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
        if (all[i].status == JWT_SECRET_ACTIVE)
            return secret_to_key(p, &all[i], apr_pstrcat(p, "secrets:", path, NULL), out, err);
    }
    return JWT_ERR(err, JWT_ERR_NO_KEY, "secrets file %s: no active key", path);
}

/* ---------- editing helpers ---------- */

jwt_secret_t *jwt_secrets_find(jwt_secrets_t *s, const char *kid)
{
    if (s == NULL || kid == NULL)
        return NULL;
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (strcmp(all[i].kid, kid) == 0)
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
    if (!is_hmac_alg(alg))
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
    wipe_on_cleanup(p, k, len);
    if (RAND_bytes(k, (int)len) != 1) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "RAND_bytes failed");
        if (err) jwt_err_append_openssl(err); else jwt_err_clear_openssl();
        return JWT_ERR_CRYPTO;
    }
    jwt_secret_t *sec = apr_array_push(s->secrets);
    sec->kid = apr_pstrdup(p, kid);
    sec->alg = alg;
    sec->status = status;
    sec->created = now;
    sec->k = k;
    sec->k_len = len;
    if (created) *created = sec;
    return JWT_OK;
}

const char *jwt_secret_fingerprint(apr_pool_t *p, const jwt_secret_t *sec)
{
    if (p == NULL || sec == NULL || sec->k == NULL)
        return "";
    const char *fp = hex_sha256(p, sec->k, sec->k_len, 16);
    return fp ? fp : "";
}

/* ---------- writing ---------- */

/* Serialise deterministically, one key per line, so diffs of the file stay readable. */
static jwt_code_t serialise(apr_pool_t *p, const jwt_secrets_t *s, const char **out,
                            size_t *outlen, jwt_err_t *err)
{
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    apr_array_header_t *parts = apr_array_make(p, s->secrets->nelts * 2 + 2, sizeof(char *));
    *(const char **)apr_array_push(parts) = "{\"keys\":[";
    for (int i = 0; i < s->secrets->nelts; i++) {
        json_object *kid = json_object_new_string(all[i].kid);
        if (kid == NULL)
            return JWT_ERR(err, JWT_ERR_IO, "out of memory serialising the secrets file");
        const char *kid_json = apr_pstrdup(p, json_object_to_json_string_ext(
                                               kid, JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(kid);
        char *k64 = jwt_b64url_encode(p, all[i].k, all[i].k_len);
        wipe_on_cleanup(p, k64, strlen(k64));
        char *line = apr_psprintf(p, "%s\n  {\"kty\":\"oct\",\"kid\":%s,\"alg\":\"%s\",\"k\":\"%s\","
                                  "\"use\":\"sig\",\"status\":\"%s\",\"created\":%" APR_INT64_T_FMT "}",
                                  i ? "," : "", kid_json, jwt_alg_name(all[i].alg), k64,
                                  jwt_secret_status_name(all[i].status), (apr_int64_t)all[i].created);
        wipe_on_cleanup(p, line, strlen(line));
        *(const char **)apr_array_push(parts) = line;
    }
    *(const char **)apr_array_push(parts) = s->secrets->nelts ? "\n]}\n" : "]}\n";
    char *text = apr_array_pstrcat(p, parts, '\0');
    wipe_on_cleanup(p, text, strlen(text));
    *out = text;
    *outlen = strlen(text);
    return JWT_OK;
}

static jwt_code_t write_all(int fd, const char *buf, size_t len, const char *tmp, jwt_err_t *err)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: write failed: %s", tmp,
                           n < 0 ? strerror(errno) : "no progress");
        buf += n;
        len -= (size_t)n;
    }
    return JWT_OK;
}

/* Test hook, read only by the writer: JWT_SECRETS_TEST_PAUSE_MS=N sleeps N ms after half
 * of the temp file is written, so a test can SIGKILL a writer mid-write and prove that the
 * old file survives. Capped at 10 s; ignored when malformed. */
static void test_pause(void)
{
    const char *v = getenv("JWT_SECRETS_TEST_PAUSE_MS");
    if (v == NULL || *v == '\0')
        return;
    char *end = NULL;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || ms <= 0 || ms > 10000)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *dir_of(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return ".";
    if (slash == path)
        return "/";
    return apr_pstrmemdup(p, path, (apr_size_t)(slash - path));
}

/* The directory entry is what rename changed: sync it so the new name survives a crash. */
static jwt_code_t fsync_dir(apr_pool_t *p, const char *path, jwt_err_t *err)
{
    const char *dir = dir_of(p, path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets folder %s: cannot open: %s", dir, strerror(errno));
    int rc = fsync(dfd);
    int saved = errno;
    close(dfd);
    if (rc != 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets folder %s: fsync failed: %s", dir,
                       strerror(saved));
    return JWT_OK;
}

/* Write text to a new temp file beside path and rename it over path. */
static jwt_code_t replace_file(apr_pool_t *p, const char *path, const char *text, size_t len,
                               mode_t mode, jwt_err_t *err)
{
    char *tmp = apr_pstrcat(p, path, ".tmp.XXXXXX", NULL);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: cannot create temp file: %s", path,
                       strerror(errno));
    jwt_code_t rc = write_all(fd, text, len / 2, tmp, err);
    if (rc == JWT_OK) {
        test_pause();
        rc = write_all(fd, text + len / 2, len - len / 2, tmp, err);
    }
    if (rc == JWT_OK && fsync(fd) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: fsync failed: %s", tmp, strerror(errno));
    if (rc == JWT_OK && fchmod(fd, mode) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: chmod failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == JWT_OK)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets temp file %s: close failed: %s", tmp, strerror(errno));
    if (rc == JWT_OK && rename(tmp, path) != 0)
        rc = JWT_ERR(err, JWT_ERR_IO, "secrets file %s: rename failed: %s", path, strerror(errno));
    if (rc != JWT_OK) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(p, path, err);
}

/* Exclusive lock on PATH.lock (a separate file, because the data file itself is replaced
 * by rename and a lock on the old inode would not serialise the next writer). */
static jwt_code_t lock_exclusive(const char *lockpath, int *fd_out, jwt_err_t *err)
{
    int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s: cannot open: %s", lockpath,
                       strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        int saved = errno;
        close(fd);
        return JWT_ERR(err, JWT_ERR_IO, "secrets lock %s: flock failed: %s", lockpath,
                       strerror(saved));
    }
    *fd_out = fd;
    return JWT_OK;
}

/* Everything that happens while the lock is held. */
static jwt_code_t update_locked(apr_pool_t *p, const char *path, const char *expected_version,
                                mode_t mode, jwt_secrets_edit_fn fn, void *baton,
                                const char **new_version, jwt_err_t *err)
{
    jwt_secrets_t *s = NULL;
    jwt_code_t rc = jwt_secrets_load(p, path, &s, err);
    if (rc != JWT_OK)
        return rc;
    if (expected_version != NULL && strcmp(expected_version, s->version) != 0)
        return JWT_ERR(err, JWT_ERR_CONFLICT, "secrets file %s changed since it was read "
                       "(reload and try again)", path);
    rc = fn(p, s, baton, err);
    if (rc != JWT_OK)
        return rc;
    const char *text = NULL;
    size_t len = 0;
    if ((rc = serialise(p, s, &text, &len, err)) != JWT_OK)
        return rc;
    /* Re-parse what we are about to write: an edit can never produce a file the module
     * would refuse (two active keys, a duplicate kid, a short secret). */
    jwt_secrets_t *check = NULL;
    if ((rc = secrets_from_bytes(p, text, len, 0, path, &check, err)) != JWT_OK)
        return rc;
    if ((rc = replace_file(p, path, text, len, mode, err)) != JWT_OK)
        return rc;
    if (new_version)
        *new_version = check->version;
    return JWT_OK;
}

jwt_code_t jwt_secrets_update(apr_pool_t *p, const char *path, const char *expected_version,
                              mode_t mode, jwt_secrets_edit_fn fn, void *baton,
                              const char **new_version, jwt_err_t *err)
{
    if (p == NULL || path == NULL || *path == '\0' || fn == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "jwt_secrets_update: missing argument");
    /* Secrets are never for "other": 0600 or 0640 (group = the httpd user) are the norm. */
    if ((mode & ~(mode_t)0770) != 0)
        return JWT_ERR(err, JWT_ERR_ARG, "secrets file %s: mode %o refused (bits for others or "
                       "special bits set)", path, (unsigned)mode);
    int lockfd = -1;
    jwt_code_t rc = lock_exclusive(apr_pstrcat(p, path, ".lock", NULL), &lockfd, err);
    if (rc != JWT_OK)
        return rc;
    rc = update_locked(p, path, expected_version, mode, fn, baton, new_version, err);
    close(lockfd);   /* releases the flock */
    return rc;
}
