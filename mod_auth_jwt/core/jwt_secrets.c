/* jwt_secrets.c -- the shared-secrets file: read and validate it into a jwt_secrets_t
 * (keys and editing helpers are jwt_secrets_keys.c, writing is jwt_secrets_write.c).
 *
 * The file is small, read whole (size-capped) and validated strictly where it matters:
 * JSON, the JWK Set shape, kty "oct", strict base64url "k", the length minimum, unique kids,
 * known "status" values. Members this code does not use are not refused: they are kept
 * verbatim (jwt_secret_t.extra) so the writer, which regenerates the file from the parsed
 * set, never drops what another tool put there.
 *
 * Secret bytes are wiped (jwt_wipe_at_end) when the pool that holds them is destroyed, and
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
#include "jwt_secrets_int.h"

#define SECRETS_MAX_BYTES (1024 * 1024)   /* a file of thousands of keys; anything bigger is wrong */
#define SECRETS_MAX_KID_LEN 256

/* ---------- small helpers ---------- */

const char *jwt_secrets_hex_sha256(apr_pool_t *p, const void *data, size_t len, size_t hex_chars)
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

int jwt_secrets_is_hmac_alg(jwt_alg_t alg)
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
    jwt_wipe_at_end(p, buf, cap + 1);
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

/* The members this file gives a meaning to; every other one is kept verbatim in ->extra
 * ("key_ops" too: it is read here, and written back exactly as it was). */
static const char *const own_members[] = { "kty", "kid", "alg", "k", "use", "status", "created" };

static int is_own_member(const char *name)
{
    for (size_t i = 0; i < sizeof(own_members) / sizeof(own_members[0]); i++) {
        if (strcmp(name, own_members[i]) == 0)
            return 1;
    }
    return 0;
}

/* ",\"name\":value" for every member of obj that skip() does not claim, in file order. */
static jwt_code_t collect_extra(apr_pool_t *p, json_object *obj, int (*skip)(const char *),
                                const char *path, const char **out, jwt_err_t *err)
{
    apr_array_header_t *parts = apr_array_make(p, 4, sizeof(char *));
    json_object_object_foreach(obj, name, val) {
        if (skip(name))
            continue;
        json_object *jname = json_object_new_string(name);
        if (jname == NULL)
            return JWT_ERR(err, JWT_ERR_IO, "secrets file %s: out of memory", path);
        const char *n = apr_pstrdup(p, json_object_to_json_string_ext(
                                        jname, JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(jname);
        const char *v = json_object_to_json_string_ext(val, JSON_C_TO_STRING_NOSLASHESCAPE);
        *(const char **)apr_array_push(parts) = apr_pstrcat(p, ",", n, ":", v, NULL);
    }
    *out = apr_array_pstrcat(p, parts, '\0');
    return JWT_OK;
}

/* A string member; NULL when absent or not a string. */
static const char *string_member(json_object *jk, const char *name, size_t *len)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(jk, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    if (len) *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int has_member(json_object *jk, const char *name)
{
    return json_object_object_get_ex(jk, name, NULL);
}

const char *jwt_secret_label(apr_pool_t *p, const jwt_secrets_t *s, const jwt_secret_t *sec)
{
    if (sec->kid != NULL)
        return apr_pstrcat(p, "kid ", sec->kid, NULL);
    long idx = 0;
    if (s != NULL && s->secrets->nelts > 0)
        idx = (long)(sec - (const jwt_secret_t *)s->secrets->elts);
    return apr_psprintf(p, "key #%ld", idx);
}

/* kid is optional in a JWK; when present: 1..256 printable characters. */
static jwt_code_t parse_kid(apr_pool_t *p, json_object *jk, const char *path, size_t idx,
                            jwt_secret_t *sec, const char **label, jwt_err_t *err)
{
    size_t len = 0;
    *label = apr_psprintf(p, "key #%" APR_SIZE_T_FMT, (apr_size_t)idx);
    if (!has_member(jk, "kid"))
        return JWT_OK;
    const char *kid = string_member(jk, "kid", &len);
    if (kid == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu: \"kid\" is not a "
                       "string", path, idx);
    if (len == 0 || len > SECRETS_MAX_KID_LEN || strlen(kid) != len || !kid_is_printable(kid, len))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu: \"kid\" must be 1..%d "
                       "printable characters", path, idx, SECRETS_MAX_KID_LEN);
    sec->kid = apr_pstrmemdup(p, kid, len);
    *label = apr_pstrcat(p, "kid ", sec->kid, NULL);
    return JWT_OK;
}

static jwt_code_t parse_kty_use(json_object *jk, const char *path, const char *label,
                                jwt_err_t *err)
{
    const char *kty = string_member(jk, "kty", NULL);
    if (kty == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"kty\" missing or not a "
                       "string (a secrets file holds \"oct\" keys only)", path, label);
    if (strcmp(kty, "oct") != 0)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"kty\" is \"%.16s\", a "
                       "secrets file holds \"oct\" keys only", path, label, kty);
    if (has_member(jk, "use")) {
        const char *u = string_member(jk, "use", NULL);
        if (u == NULL || strcmp(u, "sig") != 0)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "secrets file %s: %s: \"use\" must be "
                           "\"sig\"", path, label);
    }
    return JWT_OK;
}

static jwt_code_t parse_alg(json_object *jk, const char *path, const char *label,
                            jwt_secret_t *sec, jwt_err_t *err)
{
    if (!has_member(jk, "alg"))
        return JWT_OK;   /* bound by length in parse_k */
    const char *alg = string_member(jk, "alg", NULL);
    if (alg == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"alg\" is not a string",
                       path, label);
    jwt_code_t rc = jwt_alg_from_name(alg, &sec->alg, err);
    if (rc != JWT_OK)
        return rc;
    if (!jwt_secrets_is_hmac_alg(sec->alg))
        return JWT_ERR(err, JWT_ERR_ALG_UNSUPPORTED, "secrets file %s: %s: alg %s is not "
                       "HS256, HS384 or HS512", path, label, jwt_alg_name(sec->alg));
    sec->has_alg = 1;
    return JWT_OK;
}

static jwt_code_t parse_k(apr_pool_t *p, json_object *jk, const char *path, const char *label,
                          jwt_secret_t *sec, jwt_err_t *err)
{
    size_t len = 0;
    const char *k = string_member(jk, "k", &len);
    if (k == NULL)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"k\" missing or not a "
                       "string", path, label);
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    if (jwt_b64url_decode(p, k, len, &raw, &rawlen, NULL) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_BASE64, "secrets file %s: %s: \"k\" is not strict "
                       "base64url", path, label);
    jwt_wipe_at_end(p, raw, rawlen);
    jwt_alg_t weakest = sec->has_alg ? sec->alg : JWT_ALG_HS256;
    size_t need = jwt_alg_hash_len(weakest);
    if (rawlen < need)
        return JWT_ERR(err, JWT_ERR_KEY_WEAK, "secrets file %s: %s: %zu-byte secret is shorter "
                       "than the %zu bytes %s needs", path, label, rawlen, need,
                       jwt_alg_name(weakest));
    sec->k = raw;
    sec->k_len = rawlen;
    sec->algs = sec->has_alg ? JWT_ALGSET(sec->alg) : jwt_algset_hmac_for_len(rawlen);
    return JWT_OK;
}

/* RFC 7517 4.3: an array of unique strings. Values other than sign/verify (encrypt,
 * wrapKey, ...) are allowed there and simply grant nothing here. */
static jwt_code_t parse_key_ops(json_object *jk, const char *path, const char *label,
                                jwt_secret_t *sec, jwt_err_t *err)
{
    json_object *ops = NULL;
    sec->can_verify = sec->can_sign = 1;
    if (!json_object_object_get_ex(jk, "key_ops", &ops))
        return JWT_OK;
    if (!json_object_is_type(ops, json_type_array))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"key_ops\" is not an "
                       "array", path, label);
    size_t n = json_object_array_length(ops);
    sec->can_verify = sec->can_sign = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *op = json_object_array_get_idx(ops, i);
        if (!json_object_is_type(op, json_type_string))
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"key_ops\" member "
                           "is not a string", path, label);
        const char *name = json_object_get_string(op);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(name, json_object_get_string(json_object_array_get_idx(ops, j))) == 0)
                return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"key_ops\" "
                               "repeats a value", path, label);
        }
        sec->can_verify |= strcmp(name, "verify") == 0;
        sec->can_sign |= strcmp(name, "sign") == 0;
    }
    return JWT_OK;
}

static jwt_code_t parse_status_created(json_object *jk, const char *path, const char *label,
                                       jwt_secret_t *sec, jwt_err_t *err)
{
    sec->status = JWT_SECRET_VERIFY;   /* absent: the key verifies (see validate_set) */
    if (has_member(jk, "status")) {
        const char *status = string_member(jk, "status", NULL);
        if (status == NULL || !status_from_name(status, &sec->status))
            return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"status\" must be "
                           "\"active\", \"verify\" or \"retired\"", path, label);
        sec->has_status = 1;
        if (sec->status == JWT_SECRET_ACTIVE && !sec->can_sign)
            return JWT_ERR(err, JWT_ERR_KEY_USAGE, "secrets file %s: %s: \"status\" is "
                           "\"active\" but \"key_ops\" does not permit \"sign\"", path, label);
    }
    json_object *c = NULL;
    if (!json_object_object_get_ex(jk, "created", &c))
        return JWT_OK;
    /* json-c types 1.0 as a double and clamps huge integers: require an int in range. */
    errno = 0;
    int64_t created = json_object_is_type(c, json_type_int) ? json_object_get_int64(c) : -1;
    if (created < 0 || created >= SECRETS_MAX_CREATED || errno == ERANGE)
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: %s: \"created\" must be a "
                       "non-negative integer below 2^53", path, label);
    sec->created = created;
    sec->has_created = 1;
    return JWT_OK;
}

static jwt_code_t parse_one_secret(apr_pool_t *p, json_object *jk, const char *path, size_t idx,
                                   jwt_secret_t *sec, jwt_err_t *err)
{
    jwt_code_t rc;
    const char *label = NULL;
    memset(sec, 0, sizeof(*sec));
    if (!json_object_is_type(jk, json_type_object))
        return JWT_ERR(err, JWT_ERR_KEY_INVALID, "secrets file %s: key #%zu is not an object",
                       path, idx);
    if ((rc = parse_kid(p, jk, path, idx, sec, &label, err)) != JWT_OK) return rc;
    if ((rc = parse_kty_use(jk, path, label, err)) != JWT_OK) return rc;
    if ((rc = parse_alg(jk, path, label, sec, err)) != JWT_OK) return rc;
    if ((rc = parse_k(p, jk, path, label, sec, err)) != JWT_OK) return rc;
    if ((rc = parse_key_ops(jk, path, label, sec, err)) != JWT_OK) return rc;
    if ((rc = parse_status_created(jk, path, label, sec, err)) != JWT_OK) return rc;
    return collect_extra(p, jk, is_own_member, path, &sec->extra, err);
}

/* Set-wide rules: kids unique, at most one active. Then the default signer: a file with
 * no "active" key whose only key has no "status" signs with that key (a plain one-key
 * JWKS is the common case). Also used on the result of an edit. */
static jwt_code_t validate_set(apr_pool_t *p, jwt_secrets_t *s, const char *path,
                               jwt_err_t *err)
{
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    int active = 0;
    for (int i = 0; i < s->secrets->nelts; i++) {
        for (int j = 0; j < i && all[i].kid != NULL; j++) {
            if (all[j].kid != NULL && strcmp(all[i].kid, all[j].kid) == 0)
                return JWT_ERR(err, JWT_ERR_KEY_DUPLICATE_KID,
                               "secrets file %s: kid %s appears more than once", path, all[i].kid);
        }
        if (all[i].status == JWT_SECRET_ACTIVE && ++active > 1)
            return JWT_ERR(err, JWT_ERR_KEY_INVALID,
                           "secrets file %s: more than one active key (second: %s)", path,
                           jwt_secret_label(p, s, &all[i]));
    }
    if (active == 0 && s->secrets->nelts == 1 && !all[0].has_status && all[0].can_sign)
        all[0].status = JWT_SECRET_ACTIVE;
    return JWT_OK;
}

static int is_keys_member(const char *name)
{
    return strcmp(name, "keys") == 0;
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
        return JWT_ERR(err, JWT_ERR_JSON, "secrets file %s: not a JWK Set (no \"keys\" array)",
                       path);
    if ((rc = collect_extra(p, root, is_keys_member, path, &s->extra, err)) != JWT_OK)
        return rc;
    size_t n = json_object_array_length(keys);
    for (size_t i = 0; i < n; i++) {
        json_object *jk = json_object_array_get_idx(keys, i);
        if (jwt_secrets_is_enc_entry(jk)) {   /* an encryption key, not an HMAC secret */
            if ((rc = jwt_secrets_keep_enc_entry(p, s, jk, path, i, err)) != JWT_OK)
                return rc;
            continue;
        }
        jwt_secret_t *sec = apr_array_push(s->secrets);
        rc = parse_one_secret(p, jk, path, i, sec, err);
        if (rc != JWT_OK)
            return rc;
    }
    return validate_set(p, s, path, err);
}

/* Parse buf (NULL when the file is missing) into a fresh set with its version. */
jwt_code_t jwt_secrets_from_bytes(apr_pool_t *p, const char *buf, size_t len, int missing,
                                     const char *path, jwt_secrets_t **out, jwt_err_t *err)
{
    jwt_secrets_t *s = apr_pcalloc(p, sizeof(*s));
    s->secrets = apr_array_make(p, 4, sizeof(jwt_secret_t));
    if (missing) {
        s->version = "";
        *out = s;
        return JWT_OK;
    }
    s->version = jwt_secrets_hex_sha256(p, buf, len, 64);
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
    return jwt_secrets_from_bytes(p, buf, len, missing, path, out, err);
}
