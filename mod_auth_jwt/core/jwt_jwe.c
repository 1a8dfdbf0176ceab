/* jwt_jwe.c -- JWE compact serialization: parse, header policy, key selection, decrypt;
 * and the compact encrypter.
 *
 * Order of work, cheap and public first: length cap, five segments, strict base64url of the
 * header, strict JSON, header policy (alg/enc known, not refused, allowed; zip, crit, PBES2
 * parameters; types of kid/cty/typ; epk/iv/tag only where the alg uses them), then the
 * other segments and their exact lengths, then keys. Only then any secret-dependent work.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include "jwt_jwe.h"
#include "jwt_jwe_int.h"
#include "jwt_b64.h"
#include "jwt_alg.h"

typedef struct {
    const char *seg[5];
    size_t seg_len[5];
} segments_t;

static jwt_code_t split5(const char *s, size_t len, segments_t *sg, jwt_err_t *err)
{
    size_t start = 0;
    int n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '\0')
            return JWT_ERR(err, JWT_ERR_MALFORMED, "token contains a NUL byte");
        if (i == len || s[i] == '.') {
            if (n == 5)
                return JWT_ERR(err, JWT_ERR_MALFORMED, "JWE has more than five segments");
            sg->seg[n] = s + start;
            sg->seg_len[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    if (n != 5)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "JWE has %d segments, not five", n);
    if (sg->seg_len[0] == 0)
        return JWT_ERR(err, JWT_ERR_MALFORMED, "JWE protected header is empty");
    return JWT_OK;
}

static jwt_code_t b64seg(apr_pool_t *p, const segments_t *sg, int i, unsigned char **out,
                         size_t *len, jwt_err_t *err)
{
    static const char *const names[5] = { "protected header", "encrypted key",
                                          "initialization vector", "ciphertext", "tag" };
    jwt_err_t inner;
    if (jwt_b64url_decode(p, sg->seg[i], sg->seg_len[i], out, len, &inner) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_BASE64, "JWE %s is not strict base64url", names[i]);
    return JWT_OK;
}

static jwt_code_t hdr_str(json_object *h, const char *name, int required, const char **out,
                          jwt_err_t *err)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(h, name, &v))
        return required ? JWT_ERR(err, JWT_ERR_HEADER, "JWE header has no \"%s\"", name) : JWT_OK;
    if (!json_object_is_type(v, json_type_string))
        return JWT_ERR(err, JWT_ERR_HEADER, "JWE header \"%s\" is not a string", name);
    *out = json_object_get_string(v);
    return JWT_OK;
}

/* Header "iv"/"tag" (A*GCMKW), "apu"/"apv" (ECDH-ES): base64url of an exact length
 * (want 0: any length up to 512 bytes). */
static jwt_code_t hdr_b64(apr_pool_t *p, json_object *h, const char *name, size_t want,
                          const unsigned char **out, size_t *len, jwt_err_t *err)
{
    const char *s;
    unsigned char *b;
    jwt_err_t inner;
    jwt_code_t rc = hdr_str(h, name, want != 0, &s, err);
    *out = NULL;
    *len = 0;
    if (rc != JWT_OK || s == NULL)
        return rc;
    if (jwt_b64url_decode(p, s, strlen(s), &b, len, &inner) != JWT_OK)
        return JWT_ERR(err, JWT_ERR_BASE64, "JWE header \"%s\" is not strict base64url", name);
    if ((want != 0 && *len != want) || (want == 0 && *len > 512))
        return JWT_ERR(err, JWT_ERR_LENGTH, "JWE header \"%s\" is %zu bytes%s", name, *len,
                       want ? ", not the exact length" : ", over 512");
    *out = b;
    return JWT_OK;
}

/* The header rules that do not depend on keys. Fills jwe->alg/enc/kid/cty/typ and r. */
static jwt_code_t header_policy(apr_pool_t *p, json_object *h, jwt_jwe_algset_t allowed_algs,
                                jwt_jwe_encset_t allowed_encs, jwt_jwe_t *jwe,
                                jwt_jwe_recipient_t *r, jwt_err_t *err)
{
    const char *alg, *enc, *zip;
    jwt_code_t rc;
    if ((rc = hdr_str(h, "alg", 1, &alg, err)) != JWT_OK)
        return rc;
    if ((rc = hdr_str(h, "enc", 0, &enc, err)) != JWT_OK)
        return rc;
    if (enc == NULL) {
        /* Five segments and a JWS header: never let a signature header pass as JWE. */
        jwt_alg_t ja;
        jwt_err_t inner;
        if (jwt_alg_from_name(alg, &ja, &inner) == JWT_OK || strcasecmp(alg, "none") == 0)
            return JWT_ERR(err, JWT_ERR_HEADER, "five segments but a JWS header (alg %s, no "
                           "\"enc\")", jwt_alg_from_name(alg, &ja, &inner) == JWT_OK ?
                           jwt_alg_name(ja) : "none");
        return JWT_ERR(err, JWT_ERR_HEADER, "JWE header has no \"enc\"");
    }
    if ((rc = jwt_jwe_alg_from_name(alg, &jwe->alg, err)) != JWT_OK
        || (rc = jwt_jwe_enc_from_name(enc, &jwe->enc, err)) != JWT_OK)
        return rc;
    if (json_object_object_get_ex(h, "p2s", NULL) || json_object_object_get_ex(h, "p2c", NULL))
        return JWT_ERR(err, JWT_ERR_HEADER, "JWE header carries PBES2 parameters p2s/p2c");
    if ((allowed_algs & JWT_JWE_SET(jwe->alg)) == 0)
        return JWT_ERR(err, JWT_ERR_ALG_NOT_ALLOWED, "key management %s is not in the "
                       "allowed list", jwt_jwe_alg_name(jwe->alg));
    if ((allowed_encs & JWT_JWE_SET(jwe->enc)) == 0)
        return JWT_ERR(err, JWT_ERR_ENC_NOT_ALLOWED, "content encryption %s is not in the "
                       "allowed list", jwt_jwe_enc_name(jwe->enc));
    if ((rc = hdr_str(h, "zip", 0, &zip, err)) != JWT_OK)
        return rc == JWT_ERR_HEADER ? JWT_ERR(err, JWT_ERR_ZIP, "JWE header \"zip\" is present") : rc;
    if (zip != NULL || json_object_object_get_ex(h, "zip", NULL))
        return JWT_ERR(err, JWT_ERR_ZIP, "compressed JWE (\"zip\") is not accepted");
    /* RFC 7516 4.1.13 as RFC 7515 4.1.11: we understand no extension, so any crit fails. */
    if (json_object_object_get_ex(h, "crit", NULL))
        return JWT_ERR(err, JWT_ERR_CRIT, "JWE header \"crit\" names extensions we do not "
                       "understand");
    if ((rc = hdr_str(h, "kid", 0, &jwe->kid, err)) != JWT_OK
        || (rc = hdr_str(h, "cty", 0, &jwe->cty, err)) != JWT_OK
        || (rc = hdr_str(h, "typ", 0, &jwe->typ, err)) != JWT_OK)
        return rc;

    int ecdh = (JWT_JWE_SET(jwe->alg) & JWT_JWE_ALGSET_ECDH) != 0;
    int gcmkw = jwe->alg >= JWT_JWE_A128GCMKW && jwe->alg <= JWT_JWE_A256GCMKW;
    json_object *epk = NULL;
    int has_epk = json_object_object_get_ex(h, "epk", &epk);
    if (has_epk != ecdh)
        return JWT_ERR(err, JWT_ERR_HEADER, ecdh ? "%s needs header \"epk\""
                       : "header \"epk\" with %s", jwt_jwe_alg_name(jwe->alg));
    if (!ecdh && (json_object_object_get_ex(h, "apu", NULL) || json_object_object_get_ex(h, "apv", NULL)))
        return JWT_ERR(err, JWT_ERR_HEADER, "header \"apu\"/\"apv\" with %s", jwt_jwe_alg_name(jwe->alg));
    if (!gcmkw && (json_object_object_get_ex(h, "iv", NULL) || json_object_object_get_ex(h, "tag", NULL)))
        return JWT_ERR(err, JWT_ERR_HEADER, "header \"iv\"/\"tag\" with %s", jwt_jwe_alg_name(jwe->alg));
    r->alg = jwe->alg;
    r->enc = jwe->enc;
    if (ecdh) {
        jwt_jwe_key_t *k;
        if ((rc = hdr_b64(p, h, "apu", 0, &r->apu, &r->apu_len, err)) != JWT_OK
            || (rc = hdr_b64(p, h, "apv", 0, &r->apv, &r->apv_len, err)) != JWT_OK
            || (rc = jwt_jwe_epk_from_jwk(p, epk, &k, err)) != JWT_OK)
            return rc;
        r->epk = k;
    }
    if (gcmkw) {
        size_t l;
        if ((rc = hdr_b64(p, h, "iv", JWT_JWE_GCM_IV_LEN, &r->kw_iv, &l, err)) != JWT_OK
            || (rc = hdr_b64(p, h, "tag", JWT_JWE_GCM_TAG_LEN, &r->kw_tag, &l, err)) != JWT_OK)
            return rc;
    }
    return JWT_OK;
}

/* Could this key decrypt this token at all? (kid matching is done by the caller.) */
static int key_fits(const jwt_jwe_key_t *k, const jwt_jwe_recipient_t *r)
{
    if (!k->has_private || (k->algs & JWT_JWE_SET(r->alg)) == 0)
        return 0;
    if (r->alg == JWT_JWE_DIR)
        return k->secret_len == jwt_jwe_enc_cek_len(r->enc);
    if (r->epk != NULL)
        return k->type == r->epk->type && strcmp(k->crv, r->epk->crv) == 0;
    return 1;
}

/* Failures worth reporting over others when several keys were tried. */
static int rank(jwt_code_t c)
{
    return c == JWT_ERR_DECRYPT ? 1 : c == JWT_ERR_CRYPTO ? 3 : 2;
}

jwt_code_t jwt_jwe_decrypt(apr_pool_t *p, const char *compact, size_t len,
                           const jwt_jwe_keyring_t *ring, jwt_jwe_algset_t allowed_algs,
                           jwt_jwe_encset_t allowed_encs, const jwt_jwe_opts_t *opts,
                           jwt_jwe_t **out, jwt_err_t *err)
{
    size_t cap = (opts && opts->max_len) ? opts->max_len : JWT_JWE_DEFAULT_MAX_LEN;
    segments_t sg;
    jwt_code_t rc;
    unsigned char *hdr, *ek, *iv, *ct, *tag;
    size_t hdr_len, ek_len, iv_len, ct_len, tag_len;
    json_object *h;

    if (p == NULL || compact == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "JWE decrypt: missing argument");
    if (len > cap)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "JWE is %zu bytes, over the %zu-byte limit",
                       len, cap);
    if ((rc = split5(compact, len, &sg, err)) != JWT_OK
        || (rc = b64seg(p, &sg, 0, &hdr, &hdr_len, err)) != JWT_OK
        || (rc = jwt_json_parse_object(p, (const char *)hdr, hdr_len, opts ? &opts->json : NULL,
                                       &h, err)) != JWT_OK)
        return rc;

    jwt_jwe_t *jwe = apr_pcalloc(p, sizeof(*jwe));
    jwt_jwe_recipient_t r;
    memset(&r, 0, sizeof(r));
    jwe->header = h;
    jwe->header_json = (const char *)hdr;
    if ((rc = header_policy(p, h, allowed_algs, allowed_encs, jwe, &r, err)) != JWT_OK)
        return rc;
    if ((rc = b64seg(p, &sg, 1, &ek, &ek_len, err)) != JWT_OK
        || (rc = b64seg(p, &sg, 2, &iv, &iv_len, err)) != JWT_OK
        || (rc = b64seg(p, &sg, 3, &ct, &ct_len, err)) != JWT_OK
        || (rc = b64seg(p, &sg, 4, &tag, &tag_len, err)) != JWT_OK)
        return rc;
    if (iv_len != jwt_jwe_enc_iv_len(jwe->enc))
        return JWT_ERR(err, JWT_ERR_LENGTH, "%s needs a %zu-byte IV, got %zu",
                       jwt_jwe_enc_name(jwe->enc), jwt_jwe_enc_iv_len(jwe->enc), iv_len);
    if (tag_len != jwt_jwe_enc_tag_len(jwe->enc))
        return JWT_ERR(err, JWT_ERR_LENGTH, "%s needs a %zu-byte tag, got %zu",
                       jwt_jwe_enc_name(jwe->enc), jwt_jwe_enc_tag_len(jwe->enc), tag_len);
    r.ek = ek;
    r.ek_len = ek_len;

    if (ring == NULL || ring->keys->nelts == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no decryption key is configured");
    int kid_seen = 0, tried = 0;
    jwt_err_t best, e;
    jwt_err_clear(&best);
    for (int i = 0; i < ring->keys->nelts; i++) {
        const jwt_jwe_key_t *k = APR_ARRAY_IDX(ring->keys, i, const jwt_jwe_key_t *);
        if (jwe->kid != NULL && (k->kid == NULL || strcmp(k->kid, jwe->kid) != 0))
            continue;
        kid_seen = 1;
        if (!key_fits(k, &r))
            continue;
        tried++;
        unsigned char *cek;
        int substituted = 0;
        jwt_err_clear(&e);
        rc = jwt_jwe_unwrap_cek(p, k, &r, &cek, &substituted, &e);
        if (rc == JWT_OK) {
            /* AAD = ASCII(BASE64URL(protected header)), exactly as received. */
            rc = jwt_jwe_content_decrypt(p, jwe->enc, cek, (const unsigned char *)sg.seg[0],
                                         sg.seg_len[0], iv, iv_len, ct, ct_len, tag, tag_len,
                                         &jwe->plaintext, &jwe->plaintext_len, &e);
            if (rc == JWT_OK) {
                jwe->key = k;
                jwe->symmetric = jwt_jwe_alg_is_symmetric(jwe->alg);
                *out = jwe;
                return JWT_OK;
            }
            if (substituted && rc == JWT_ERR_DECRYPT)
                JWT_ERR(&e, JWT_ERR_DECRYPT, "%s key unwrap failed (continued with a random "
                        "CEK; the tag then failed)", jwt_jwe_alg_name(jwe->alg));
        }
        if (best.code == JWT_OK || rank(rc) > rank(best.code))
            best = e;
    }
    if (jwe->kid != NULL && !kid_seen)
        return JWT_ERR(err, JWT_ERR_UNKNOWN_KID, "no decryption key has the token's kid");
    if (tried == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no decryption key can do %s with %s%s%s",
                       jwt_jwe_alg_name(jwe->alg), jwt_jwe_enc_name(jwe->enc),
                       r.epk ? " on " : "", r.epk ? r.epk->crv : "");
    if (err)
        *err = best;
    return best.code;
}

int jwt_jwe_is_nested(const jwt_jwe_t *jwe)
{
    return jwe != NULL && jwe->cty != NULL && strcasecmp(jwe->cty, "JWT") == 0;
}

jwt_code_t jwt_jwe_encrypt(apr_pool_t *p, const unsigned char *plaintext, size_t len,
                           const jwt_jwe_key_t *key, jwt_jwe_alg_t alg, jwt_jwe_enc_t enc,
                           const char *cty, char **out, jwt_err_t *err)
{
    if (p == NULL || (plaintext == NULL && len > 0) || key == NULL || out == NULL
        || (int)alg < 0 || alg >= JWT_JWE_ALG__COUNT || (int)enc < 0 || enc >= JWT_JWE_ENC__COUNT)
        return JWT_ERR(err, JWT_ERR_ARG, "JWE encrypt: bad argument");
    jwt_jwe_wrapped_t w;
    jwt_code_t rc = jwt_jwe_wrap_cek(p, key, alg, enc, &w, err);
    if (rc != JWT_OK)
        return rc;
    json_object *h = jwt_json_pool_own(p, json_object_new_object());
    json_object_object_add(h, "alg", json_object_new_string(jwt_jwe_alg_name(alg)));
    json_object_object_add(h, "enc", json_object_new_string(jwt_jwe_enc_name(enc)));
    if (key->kid)
        json_object_object_add(h, "kid", json_object_new_string(key->kid));
    if (cty)
        json_object_object_add(h, "cty", json_object_new_string(cty));
    if (w.epk) {
        json_object *epk;
        if ((rc = jwt_jwe_key_public_jwk(p, w.epk, &epk, err)) != JWT_OK)
            return rc;
        json_object_object_add(h, "epk", json_object_get(epk));
    }
    if (w.kw_iv) {
        json_object_object_add(h, "iv", json_object_new_string(
                                   jwt_b64url_encode(p, w.kw_iv, JWT_JWE_GCM_IV_LEN)));
        json_object_object_add(h, "tag", json_object_new_string(
                                   jwt_b64url_encode(p, w.kw_tag, JWT_JWE_GCM_TAG_LEN)));
    }
    const char *hj = jwt_json_to_string(p, h);
    char *h64 = jwt_b64url_encode(p, (const unsigned char *)hj, strlen(hj));
    unsigned char *iv, *ct, *tag;
    size_t ct_len;
    if ((rc = jwt_jwe_content_encrypt(p, enc, w.cek, (const unsigned char *)h64, strlen(h64),
                                      plaintext, len, &iv, &ct, &ct_len, &tag, err)) != JWT_OK)
        return rc;
    *out = apr_pstrcat(p, h64, ".", jwt_b64url_encode(p, w.ek, w.ek_len), ".",
                       jwt_b64url_encode(p, iv, jwt_jwe_enc_iv_len(enc)), ".",
                       jwt_b64url_encode(p, ct, ct_len), ".",
                       jwt_b64url_encode(p, tag, jwt_jwe_enc_tag_len(enc)), NULL);
    return JWT_OK;
}
