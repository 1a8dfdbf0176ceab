/* jwt_dpop.c -- DPoP proof verification (RFC 9449 4.3, 11). The checks, in the RFC's
 * order where it gives one: one well-formed JWS; typ dpop+jwt; an asymmetric alg of the
 * allow-list; a public jwk (no private member: a proof carrying its private key proves
 * nothing and must not teach us to accept one) that verifies the signature; jti, htm, htu,
 * iat present and of the right type; htm and htu those of the request; iat in the window;
 * ath the hash of the token; the jwk's thumbprint the token's cnf.jkt. Replay of the jti
 * is the caller's (it needs shared state). The key and thumbprint may come from the
 * connection's memo (jwt_dpop.h); nothing else does. */
#include "jwt_dpop.h"
#include "jwt_b64.h"
#include "jwt_jws.h"
#include "jwt_key.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

jwt_algset_t jwt_dpop_algs(jwt_algset_t set)
{
    return set & ~JWT_ALGSET_HMAC;
}

const char *jwt_dpop_token_jkt(json_object *claims)
{
    json_object *cnf, *jkt;
    if (!claims || !json_object_object_get_ex(claims, "cnf", &cnf)
        || !json_object_is_type(cnf, json_type_object)
        || !json_object_object_get_ex(cnf, "jkt", &jkt)
        || !json_object_is_type(jkt, json_type_string) || json_object_get_string_len(jkt) == 0)
        return NULL;
    return json_object_get_string(jkt);
}

/* ---------------------------------------------------------------- htu */

static int is_unreserved(int c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = apr_tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

const char *jwt_dpop_htu(apr_pool_t *p, const char *url)
{
    const char *s, *auth, *host_end, *path, *end;
    char *out, *o;
    int https;
    size_t i, n;

    if (!url)
        return NULL;
    if (!strncasecmp(url, "https://", 8))
        https = 1, s = url + 8;
    else if (!strncasecmp(url, "http://", 7))
        https = 0, s = url + 7;
    else
        return NULL;
    auth = s;
    path = s + strcspn(s, "/?#");
    end = path + strcspn(path, "?#");
    if (path == auth || memchr(auth, '@', (size_t)(path - auth)))
        return NULL;                   /* no host, or userinfo (never in a request URL) */
    /* the port: after the last ':' outside an IPv6 literal */
    host_end = path;
    for (s = path; s > auth; s--) {
        if (s[-1] == ']')
            break;
        if (s[-1] == ':') {
            host_end = s - 1;
            break;
        }
    }
    if (host_end == auth)
        return NULL;
    n = (size_t)(end - url) + 8;
    out = o = apr_palloc(p, n + 1);
    o = apr_cpystrn(o, https ? "https://" : "http://", 9);
    for (s = auth; s < host_end; s++)
        *o++ = (char)apr_tolower(*s);
    if (host_end < path) {             /* ":port": digits only; the default one dropped */
        const char *d = host_end + 1;
        size_t plen = (size_t)(path - d);
        if (plen > 5)
            return NULL;
        for (i = 0; i < plen; i++) {
            if (!apr_isdigit(d[i]))
                return NULL;
        }
        while (plen > 1 && *d == '0')  /* "080" is 80 */
            d++, plen--;
        if (plen && !((https && plen == 3 && !memcmp(d, "443", 3))
                      || (!https && plen == 2 && !memcmp(d, "80", 2)))) {
            *o++ = ':';
            memcpy(o, d, plen);
            o += plen;
        }
    }
    if (path == end)
        *o++ = '/';
    for (s = path; s < end; s++) {
        int hi, lo;
        if (*s == '%' && s + 2 < end && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0) {
            int c = hi * 16 + lo;
            if (is_unreserved(c))
                *o++ = (char)c;
            else {
                *o++ = '%';
                *o++ = (char)apr_toupper(s[1]);
                *o++ = (char)apr_toupper(s[2]);
            }
            s += 2;
        }
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* ---------------------------------------------------------------- the key memo */

struct jwt_dpop_memo_s {
    apr_pool_t *pool;                  /* the key, its thumbprint and b64; cleared on a change */
    jwt_header_memo_t *header;         /* the proof header's checks (jwt_jws_memo.c) */
    const char *b64;                   /* the encoded header the key came from; NULL: empty */
    size_t b64_len;
    const jwt_key_t *key;
    const char *jkt;                   /* its RFC 7638 thumbprint */
};

static apr_status_t memo_cleanup(void *data)
{
    jwt_dpop_memo_t *m = data;
    jwt_header_memo_free(m->header);
    m->header = NULL;
    return APR_SUCCESS;
}

jwt_dpop_memo_t *jwt_dpop_memo_make(apr_pool_t *parent)
{
    jwt_dpop_memo_t *m = apr_pcalloc(parent, sizeof(*m));
    if (m == NULL || apr_pool_create(&m->pool, parent) != APR_SUCCESS)
        return NULL;
    if ((m->header = jwt_header_memo_new()) == NULL)
        return NULL;
    apr_pool_cleanup_register(parent, m, memo_cleanup, apr_pool_cleanup_null);
    return m;
}

/* The memo's key when it came from exactly this encoded header, else NULL. */
static const jwt_key_t *memo_key(const jwt_dpop_memo_t *m, const char *proof, size_t b64_len,
                                 const char **jkt)
{
    if (m == NULL || m->b64 == NULL || b64_len != m->b64_len || memcmp(proof, m->b64, b64_len))
        return NULL;
    *jkt = m->jkt;
    return m->key;
}

/* ---------------------------------------------------------------- the proof */

static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL };

static jwt_code_t proof_key(apr_pool_t *p, const jwt_token_t *t, const jwt_key_t **key,
                            jwt_err_t *err)
{
    json_object *jwk;
    jwt_key_t *k;
    int i;

    if (!json_object_object_get_ex(t->header, "jwk", &jwk)
        || !json_object_is_type(jwk, json_type_object))
        return JWT_ERR(err, JWT_ERR_HEADER, "DPoP proof: no jwk object in the header");
    for (i = 0; private_members[i]; i++) {
        if (json_object_object_get_ex(jwk, private_members[i], NULL))
            return JWT_ERR(err, JWT_ERR_HEADER, "DPoP proof: the jwk holds the private "
                           "member \"%s\"", private_members[i]);
    }
    if (jwt_key_from_jwk(p, jwk, "DPoP proof", &k, err) != JWT_OK)
        return err ? err->code : JWT_ERR_KEY_INVALID;
    if (k->kty == JWT_KTY_OCT || !k->pkey)
        return JWT_ERR(err, JWT_ERR_HEADER, "DPoP proof: the jwk is not an asymmetric key");
    *key = k;
    return JWT_OK;
}

/* The proof's key and its thumbprint: the memo's when it holds this header's, else
 * imported (into the memo, replacing what it held, when there is one). */
static jwt_code_t proof_key_memo(apr_pool_t *p, const char *proof, const jwt_token_t *t,
                                 jwt_dpop_memo_t *m, const jwt_key_t **key, const char **jkt,
                                 jwt_err_t *err)
{
    size_t b64_len = (size_t)((const char *)memchr(proof, '.', t->signing_input_len) - proof);
    const jwt_key_t *k = memo_key(m, proof, b64_len, jkt);
    jwt_code_t rc;

    if (k == NULL) {
        apr_pool_t *kp = p;
        if (m != NULL) {
            apr_pool_clear(m->pool);   /* the old key goes; the memo is empty until the end */
            m->b64 = NULL;
            kp = m->pool;
        }
        if ((rc = proof_key(kp, t, &k, err)) != JWT_OK)
            return rc;
        if (!(*jkt = jwt_key_thumbprint(kp, k, err)))
            return err ? err->code : JWT_ERR_CRYPTO;
        if (m != NULL) {
            m->key = k;
            m->jkt = *jkt;
            m->b64 = apr_pstrmemdup(m->pool, proof, b64_len);
            m->b64_len = b64_len;
        }
    }
    if (!(k->algs & JWT_ALGSET(t->alg)))
        return JWT_ERR(err, JWT_ERR_KEY_USAGE, "DPoP proof: a %s jwk cannot verify %s",
                       jwt_key_describe(p, k), t->alg_name);
    *key = k;
    return JWT_OK;
}

static const char *string_claim(json_object *payload, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(payload, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    /* a JSON "\u0000" would cut the C string: such a value is no value */
    if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
        return NULL;
    return json_object_get_string(v);
}

/* equal strings, in time that depends on the lengths only */
static int same_secretless(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

static jwt_code_t check_claims(apr_pool_t *p, const jwt_token_t *t, const jwt_dpop_req_t *req,
                               jwt_dpop_proof_t *out, jwt_err_t *err)
{
    json_object *v;
    const char *jti, *htm, *htu, *ath, *want_htu, *got_htu, *want_ath;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int64_t iat;

    if (!(jti = string_claim(t->payload, "jti")) || !*jti)
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "DPoP proof: no jti");
    if (strlen(jti) > JWT_DPOP_MAX_JTI)
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "DPoP proof: jti over %d bytes", JWT_DPOP_MAX_JTI);
    if (!(htm = string_claim(t->payload, "htm")))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "DPoP proof: no htm");
    if (!(htu = string_claim(t->payload, "htu")))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "DPoP proof: no htu");
    if (!json_object_object_get_ex(t->payload, "iat", &v) || !json_object_is_type(v, json_type_int))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "DPoP proof: no integer iat");
    iat = json_object_get_int64(v);
    if (strcmp(htm, req->method) != 0)
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "DPoP proof: htm %s is not the request's "
                       "method %s", htm, req->method);
    want_htu = jwt_dpop_htu(p, req->url);
    got_htu = jwt_dpop_htu(p, htu);
    if (!want_htu || !got_htu || strcmp(want_htu, got_htu) != 0)
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "DPoP proof: htu %s is not the request's "
                       "URL %s", got_htu ? got_htu : "(not an http(s) URL)",
                       want_htu ? want_htu : "(none)");
    if (iat > req->now + req->leeway)
        return JWT_ERR(err, JWT_ERR_IAT_FUTURE, "DPoP proof: iat %" APR_INT64_T_FMT
                       " is in the future", iat);
    if (iat < req->now - req->max_age - req->leeway)
        return JWT_ERR(err, JWT_ERR_EXPIRED, "DPoP proof: iat %" APR_INT64_T_FMT " is older "
                       "than %" APR_INT64_T_FMT " s", iat, req->max_age);
    if (!(ath = string_claim(t->payload, "ath")))
        return JWT_ERR(err, JWT_ERR_CLAIM_MISSING, "DPoP proof: no ath");
    if (!EVP_Digest(req->access_token, req->token_len, md, &mdlen, EVP_sha256(), NULL)) {
        JWT_ERR(err, JWT_ERR_CRYPTO, "DPoP proof: SHA-256 failed");
        jwt_err_append_openssl(err);
        return JWT_ERR_CRYPTO;
    }
    want_ath = jwt_b64url_encode(p, md, mdlen);
    if (!same_secretless(ath, want_ath))
        return JWT_ERR(err, JWT_ERR_CLAIM_TYPE, "DPoP proof: ath is not the hash of the "
                       "access token");
    out->jti = jti;
    out->iat = iat;
    out->nonce = string_claim(t->payload, "nonce");
    return JWT_OK;
}

jwt_code_t jwt_dpop_verify(apr_pool_t *p, const char *proof, size_t len,
                           const jwt_dpop_req_t *req, jwt_dpop_proof_t *out, jwt_err_t *err)
{
    jwt_parse_opts_t opts;
    jwt_token_t *t = NULL;
    const jwt_key_t *key = NULL;
    const char *jkt;
    jwt_code_t rc;

    memset(out, 0, sizeof(*out));
    memset(&opts, 0, sizeof(opts));
    opts.max_token_len = JWT_DPOP_MAX_PROOF;
    opts.header_memo = req->memo ? req->memo->header : NULL;
    if ((rc = jwt_token_parse(p, proof, len, &opts, &t, err)) != JWT_OK)
        return rc;
    if (!t->typ || strcasecmp(t->typ, "dpop+jwt") != 0)
        return JWT_ERR(err, JWT_ERR_TYPE, "DPoP proof: typ is %s, not dpop+jwt",
                       t->typ ? t->typ : "absent");
    if (!(jwt_dpop_algs(req->algs) & JWT_ALGSET(t->alg)))
        return JWT_ERR(err, JWT_ERR_ALG_NOT_ALLOWED, "DPoP proof: alg %s is not an allowed "
                       "asymmetric algorithm", t->alg_name);
    if ((rc = proof_key_memo(p, proof, t, req->memo, &key, &jkt, err)) != JWT_OK)
        return rc;
    if ((rc = jwt_verify_raw(t->alg, key, (const unsigned char *)t->compact,
                             t->signing_input_len, t->sig, t->sig_len, err)) != JWT_OK)
        return rc;
    if ((rc = check_claims(p, t, req, out, err)) != JWT_OK)
        return rc;
    if (!req->jkt || !same_secretless(jkt, req->jkt))
        return JWT_ERR(err, JWT_ERR_SIGNATURE, "DPoP proof: the jwk's thumbprint %s is not "
                       "the token's cnf.jkt", jkt);
    out->jkt = apr_pstrdup(p, jkt);   /* the memo's copy goes with the next key */
    return JWT_OK;
}

/* ---------------------------------------------------------------- nonces */

const char *jwt_dpop_nonce(apr_pool_t *p, const unsigned char *key, size_t keylen,
                           int64_t period)
{
    unsigned char msg[10 + 8], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    int i;

    memcpy(msg, "dpop-nonce", 10);
    for (i = 0; i < 8; i++)            /* big-endian: the same bytes on every platform */
        msg[10 + i] = (unsigned char)((uint64_t)period >> (56 - 8 * i));
    if (!HMAC(EVP_sha256(), key, (int)keylen, msg, sizeof(msg), mac, &maclen) || maclen < 16)
        return NULL;
    return jwt_b64url_encode(p, mac, 16);
}

int jwt_dpop_nonce_ok(apr_pool_t *p, const unsigned char *key, size_t keylen, int64_t period,
                      const char *nonce)
{
    const char *now, *before;
    int ok = 0;

    if (!nonce || !(now = jwt_dpop_nonce(p, key, keylen, period))
        || !(before = jwt_dpop_nonce(p, key, keylen, period - 1)))
        return 0;
    ok |= same_secretless(nonce, now);
    ok |= same_secretless(nonce, before);
    return ok;
}
