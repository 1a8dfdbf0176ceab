/* jwt_jws.c -- JWS compact serialization: parse, token verify, compact sign (RFC 7515,
 * RFC 7518, RFC 8037, RFC 8725). The signature primitives are jwt_jws_raw.c's.
 *
 * The shape of the defence:
 *  - parse: cheap checks first (length cap, segment count), strict base64url, JSON with
 *    limits and no duplicate members; "none", crit and b64:false never get past here;
 *  - verify: the key decides the verifier. A key only verifies with an alg in
 *    (key->algs & allowed), so the header cannot turn an RSA public key into an HMAC
 *    secret, or an Ed448 key into an Ed25519 one;
 *  - primitives (jwt_jws_raw.c): exact signature lengths, ECDSA r and s range-checked
 *    before OpenSSL sees them, PSS with salt = hash length and MGF1 with the same hash,
 *    HMAC compared in constant time.
 */
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <apr_strings.h>
#include "jwt_jws.h"
#include "jwt_jws_int.h"
#include "jwt_b64.h"

/* ------------------------------------------------------------------------------------ */
/* log-safe text                                                                        */

/* Copy an untrusted string (kid, names) for a log line: printable ASCII, at most 48. */
const char *jwsi_safe_text(char *buf, size_t size, const char *s)
{
    size_t o = 0;
    if (s == NULL)
        s = "";
    for (size_t i = 0; s[i] != '\0' && o + 4 < size && i < 48; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    if (strlen(s) > 48 && o + 4 <= size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* "kid=rs" or "without kid", for messages (no pool on the request path's error text). */
const char *jwsi_key_label(char *buf, size_t size, const jwt_key_t *key)
{
    char kid[64];
    if (key->kid == NULL)
        snprintf(buf, size, "without kid");
    else
        snprintf(buf, size, "kid=%s", jwsi_safe_text(kid, sizeof(kid), key->kid));
    return buf;
}

static void format_algset(char *buf, size_t size, jwt_algset_t set)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < JWT_ALG__COUNT && o < size; i++) {
        if ((set & JWT_ALGSET(i)) == 0)
            continue;
        int n = snprintf(buf + o, size - o, "%s%s", o ? " " : "", jwt_alg_name((jwt_alg_t)i));
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* ------------------------------------------------------------------------------------ */
/* parse                                                                                */

static jwt_code_t decode_segment(apr_pool_t *p, const char *what, const char *s, size_t len,
                                 unsigned char **out, size_t *outlen, jwt_err_t *err)
{
    jwt_err_t inner;
    jwt_err_clear(&inner);
    jwt_code_t rc = jwt_b64url_decode(p, s, len, out, outlen, &inner);
    if (rc != JWT_OK)
        return JWT_ERR(err, rc, "token %s: %s", what, inner.message);
    return JWT_OK;
}

static jwt_code_t parse_json_segment(apr_pool_t *p, const char *what, const unsigned char *buf,
                                     size_t len, const jwt_json_limits_t *lim,
                                     json_object **out, jwt_err_t *err)
{
    jwt_err_t inner;
    jwt_err_clear(&inner);
    jwt_code_t rc = jwt_json_parse_object(p, (const char *)buf, len, lim, out, &inner);
    if (rc != JWT_OK)
        return JWT_ERR(err, rc, "token %s: %s", what, inner.message);
    return JWT_OK;
}

/* Optional header member that must be a string without NUL bytes. */
static jwt_code_t header_string(apr_pool_t *p, json_object *h, const char *name, const char **out,
                                jwt_err_t *err)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(h, name, &v))
        return JWT_OK;
    if (!json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_HEADER, "token header \"%s\" is not a string", name);
    const char *s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return JWT_ERR(err, JWT_ERR_HEADER, "token header \"%s\" contains a NUL byte", name);
    *out = apr_pstrdup(p, s);
    return JWT_OK;
}

/* RFC 7515 4.1.11: a recipient MUST reject a JWS whose crit names an extension it does
 * not understand. We implement none, so any crit (also a malformed one) is refused. */
static jwt_code_t check_crit(json_object *h, jwt_err_t *err)
{
    json_object *crit = NULL;
    if (!json_object_object_get_ex(h, "crit", &crit))
        return JWT_OK;
    char names[120] = "", one[40];
    if (json_object_is_type(crit, json_type_array)) {
        size_t n = json_object_array_length(crit), o = 0;
        for (size_t i = 0; i < n && o < sizeof(names); i++) {
            json_object *e = json_object_array_get_idx(crit, i);
            const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "?";
            int w = snprintf(names + o, sizeof(names) - o, "%s%s", o ? ", " : "",
                             jwsi_safe_text(one, sizeof(one), s));
            if (w < 0)
                break;
            o += (size_t)w;
        }
        if (n == 0)
            return JWT_ERR(err, JWT_ERR_CRIT, "token header \"crit\" is an empty list");
        return JWT_ERR(err, JWT_ERR_CRIT, "token header \"crit\" names extensions we do not "
                       "implement: %s", names);
    }
    return JWT_ERR(err, JWT_ERR_CRIT, "token header \"crit\" is not a list");
}

/* RFC 7797: b64:false changes what is signed. We only do the standard encoding; an
 * explicit b64:true is harmless, anything else is refused. */
static jwt_code_t check_b64(json_object *h, jwt_err_t *err)
{
    json_object *b64 = NULL;
    if (!json_object_object_get_ex(h, "b64", &b64))
        return JWT_OK;
    if (json_object_is_type(b64, json_type_boolean) && json_object_get_boolean(b64))
        return JWT_OK;
    return JWT_ERR(err, JWT_ERR_HEADER, "token header \"b64\" is not true (unencoded payloads "
                   "are not supported)");
}

static jwt_code_t check_header(apr_pool_t *p, jwt_token_t *t, jwt_err_t *err)
{
    json_object *h = t->header;
    const char *alg = NULL, *cty = NULL;
    jwt_code_t rc;
    if ((rc = header_string(p, h, "alg", &alg, err)) != JWT_OK)
        return rc;
    if (alg == NULL)
        return JWT_ERR(err, JWT_ERR_HEADER, "token header has no \"alg\"");
    if ((rc = jwt_alg_from_name(alg, &t->alg, err)) != JWT_OK)
        return rc;
    t->alg_name = alg;
    if ((rc = check_crit(h, err)) != JWT_OK || (rc = check_b64(h, err)) != JWT_OK)
        return rc;
    if ((rc = header_string(p, h, "kid", &t->kid, err)) != JWT_OK
        || (rc = header_string(p, h, "typ", &t->typ, err)) != JWT_OK
        || (rc = header_string(p, h, "cty", &cty, err)) != JWT_OK)
        return rc;
    return JWT_OK;
}

/* Split into exactly three segments; the header must be non-empty. */
static jwt_code_t split_compact(const char *s, size_t len, const char **d1, const char **d2,
                                jwt_err_t *err)
{
    const char *a = memchr(s, '.', len);
    const char *b = a ? memchr(a + 1, '.', len - (size_t)(a + 1 - s)) : NULL;
    if (a == NULL || b == NULL)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "token has %d segment%s, not 3", a ? 2 : 1,
                       a ? "s" : "");
    if (memchr(b + 1, '.', len - (size_t)(b + 1 - s)) != NULL)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "token has more than 3 segments (JWE or "
                       "JSON serialization are not accepted)");
    if (a == s)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "token header segment is empty");
    *d1 = a;
    *d2 = b;
    return JWT_OK;
}

jwt_code_t jwt_token_parse(apr_pool_t *p, const char *compact, size_t len,
                           const jwt_parse_opts_t *opts, jwt_token_t **out, jwt_err_t *err)
{
    if (p == NULL || out == NULL || (compact == NULL && len > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "token parse: missing argument");
    size_t cap = (opts && opts->max_token_len) ? opts->max_token_len : JWT_DEFAULT_MAX_TOKEN_LEN;
    if (len > cap)   /* before any other work: a huge token costs us nothing */
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "token of %zu bytes is over the %zu-byte limit",
                       len, cap);
    if (len == 0)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "token is empty");

    const char *d1 = NULL, *d2 = NULL, *end = compact + len;
    jwt_code_t rc = split_compact(compact, len, &d1, &d2, err);
    if (rc != JWT_OK)
        return rc;
    const jwt_json_limits_t *lim = opts ? &opts->json : NULL;
    jwt_token_t *t = apr_pcalloc(p, sizeof(*t));
    unsigned char *hbuf = NULL, *pbuf;
    size_t hlen, plen;

    jwt_header_memo_t *memo = opts ? opts->header_memo : NULL;
    size_t hb64 = (size_t)(d1 - compact);

    if (!jwsi_memo_answer(p, memo, compact, hb64, lim, t)) {
        if ((rc = decode_segment(p, "header", compact, hb64, &hbuf, &hlen, err)) != JWT_OK
            || (rc = parse_json_segment(p, "header", hbuf, hlen, lim, &t->header, err)) != JWT_OK
            || (rc = check_header(p, t, err)) != JWT_OK)
            return rc;
        t->header_json = (const char *)hbuf;
        jwsi_memo_keep(memo, compact, hb64, lim, t, hlen);
    }
    if ((rc = decode_segment(p, "payload", d1 + 1, (size_t)(d2 - d1 - 1), &pbuf, &plen, err)) != JWT_OK)
        return rc;
    if (!(opts && opts->payload_any)
        && (rc = parse_json_segment(p, "payload", pbuf, plen, lim, &t->payload, err)) != JWT_OK)
        return rc;
    if (d2 + 1 == end)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "token has an empty signature");
    if ((rc = decode_segment(p, "signature", d2 + 1, (size_t)(end - d2 - 1), &t->sig,
                             &t->sig_len, err)) != JWT_OK)
        return rc;

    t->compact = apr_pstrmemdup(p, compact, len);
    t->signing_input_len = (size_t)(d2 - compact);
    t->payload_json = (const char *)pbuf;
    *out = t;
    return JWT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* token verify                                                                         */

/* RFC 8725 3.8: a key bound to an issuer verifies only that issuer's tokens. */
static int issuer_matches(const jwt_token_t *t, const jwt_key_t *key)
{
    if (key->issuer == NULL)
        return 1;
    json_object *iss = NULL;
    if (t->payload == NULL || !json_object_object_get_ex(t->payload, "iss", &iss)
        || !json_object_is_type(iss, json_type_string))
        return 0;
    size_t len = (size_t)json_object_get_string_len(iss);
    return len == strlen(key->issuer) && memcmp(json_object_get_string(iss), key->issuer, len) == 0;
}

jwt_code_t jwt_token_verify(const jwt_token_t *t, const jwt_keyring_t *ring,
                            jwt_algset_t allowed, const jwt_key_t **used, jwt_err_t *err)
{
    char buf[160], kid[64];
    if (used)
        *used = NULL;
    if (t == NULL || ring == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "token verify: missing argument");
    if ((allowed & JWT_ALGSET(t->alg)) == 0) {
        format_algset(buf, sizeof(buf), allowed);
        return JWT_ERR(err, JWT_ERR_ALG_NOT_ALLOWED, "algorithm %s is not allowed here (allowed: %s)",
                       jwt_alg_name(t->alg), buf[0] ? buf : "none");
    }
    if (t->kid != NULL && jwt_keyring_find_kid(ring, t->kid) == NULL)
        return JWT_ERR(err, JWT_ERR_UNKNOWN_KID, "no key has kid \"%s\"",
                       jwsi_safe_text(kid, sizeof(kid), t->kid));

    int tried = 0, issuer_skipped = 0;
    const jwt_key_t *last = NULL;
    jwt_err_t first_failure;
    jwt_err_clear(&first_failure);
    for (int i = 0; i < ring->keys->nelts; i++) {
        const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *);
        if (t->kid != NULL && (k->kid == NULL || strcmp(k->kid, t->kid) != 0))
            continue;
        if (!k->can_verify || (k->algs & JWT_ALGSET(t->alg)) == 0)
            continue;
        if (!issuer_matches(t, k)) {
            issuer_skipped++;
            continue;
        }
        jwt_err_t kerr;
        jwt_err_clear(&kerr);
        jwt_code_t rc = jwt_verify_raw(t->alg, k, (const unsigned char *)t->compact,
                                       t->signing_input_len, t->sig, t->sig_len, &kerr);
        if (rc == JWT_OK) {
            if (used)
                *used = k;
            return JWT_OK;
        }
        tried++;
        last = k;
        if (first_failure.code == JWT_OK || (first_failure.code == JWT_ERR_SIGNATURE && rc != JWT_ERR_SIGNATURE))
            first_failure = kerr;
    }
    if (tried == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no key for %s%s%s%s", jwt_alg_name(t->alg),
                       t->kid ? " with kid=" : "", t->kid ? jwsi_safe_text(kid, sizeof(kid), t->kid) : "",
                       issuer_skipped ? " (keys bound to another issuer were not used)" : "");
    if (first_failure.code != JWT_ERR_SIGNATURE) {   /* an internal failure: report it as is */
        if (err)
            *err = first_failure;
        return first_failure.code;
    }
    if (tried == 1)
        return JWT_ERR(err, JWT_ERR_SIGNATURE, "signature does not verify with key %s (%s)",
                       jwsi_key_label(buf, sizeof(buf), last), jwt_alg_name(t->alg));
    return JWT_ERR(err, JWT_ERR_SIGNATURE, "signature does not verify with any of %d keys for %s",
                   tried, jwt_alg_name(t->alg));
}


jwt_code_t jwt_sign_compact(apr_pool_t *p, jwt_alg_t alg, const jwt_key_t *key,
                            const char *typ, json_object *payload, char **out,
                            jwt_err_t *err)
{
    if (p == NULL || key == NULL || payload == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "sign: missing argument");
    if ((int)alg < 0 || alg >= JWT_ALG__COUNT)
        return JWT_ERR(err, JWT_ERR_ARG, "unknown algorithm");
    json_object *h = jwt_json_pool_own(p, json_object_new_object());
    if (h == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "out of memory");
    json_object_object_add(h, "alg", json_object_new_string(jwt_alg_name(alg)));
    if (key->kid != NULL)
        json_object_object_add(h, "kid", json_object_new_string(key->kid));
    if (typ != NULL)
        json_object_object_add(h, "typ", json_object_new_string(typ));
    const char *hjson = jwt_json_to_string(p, h), *pjson = jwt_json_to_string(p, payload);
    if (hjson == NULL || pjson == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "cannot serialise the token");
    const char *input = apr_pstrcat(p, jwt_b64url_encode(p, (const unsigned char *)hjson, strlen(hjson)),
                                    ".", jwt_b64url_encode(p, (const unsigned char *)pjson, strlen(pjson)),
                                    NULL);
    unsigned char *sig;
    size_t sig_len;
    jwt_code_t rc = jwt_sign_raw(p, alg, key, (const unsigned char *)input, strlen(input), &sig,
                                 &sig_len, err);
    if (rc != JWT_OK)
        return rc;
    *out = apr_pstrcat(p, input, ".", jwt_b64url_encode(p, sig, sig_len), NULL);
    return JWT_OK;
}
