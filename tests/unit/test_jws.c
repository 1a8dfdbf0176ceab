/* Unit tests: JWS compact parse, verify and sign (jwt_jws.c), with the attacks of
 * RFC 8725 each asserted by its exact error code. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jws.h"
#include "jwt_b64.h"
#include "jwt_json.h"

/* ---- helpers ---------------------------------------------------------------------- */

static jwt_keyring_t *ring_from(const char *rel, const char *kid)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    jwt_code_t rc = jwt_keys_from_file(ring, tu_path(rel), kid, NULL, &e);
    ck_assert_msg(rc == JWT_OK, "%s: %s", rel, e.message);
    return ring;
}

static jwt_key_t *key_from(const char *rel, const char *kid)
{
    jwt_keyring_t *ring = ring_from(rel, kid);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    return APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
}

static jwt_key_t *secret_key(size_t len, const char *kid)
{
    unsigned char *s = apr_palloc(tp, len);
    for (size_t i = 0; i < len; i++)
        s[i] = (unsigned char)(i * 7 + 1);
    jwt_key_t *k = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_key_from_secret(tp, s, len, kid, "test", &k, &e), JWT_OK);
    return k;
}

static jwt_keyring_t *ring_of(jwt_key_t *k)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(jwt_keyring_add(ring, k, &e), JWT_OK);
    return ring;
}

static json_object *payload_of(const char *json)
{
    json_object *o = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_json_parse_object(tp, json, strlen(json), NULL, &o, &e), JWT_OK);
    return o;
}

static char *sign_token(jwt_alg_t alg, const jwt_key_t *k, const char *payload)
{
    char *tok = NULL;
    jwt_err_t e;
    jwt_code_t rc = jwt_sign_compact(tp, alg, k, "JWT", payload_of(payload), &tok, &e);
    ck_assert_msg(rc == JWT_OK, "sign %s: %s", jwt_alg_name(alg), e.message);
    return tok;
}

static jwt_code_t parse(const char *tok, jwt_token_t **t, jwt_err_t *e)
{
    return jwt_token_parse(tp, tok, strlen(tok), NULL, t, e);
}

static jwt_token_t *parse_ok(const char *tok)
{
    jwt_token_t *t = NULL;
    jwt_err_t e;
    jwt_code_t rc = parse(tok, &t, &e);
    ck_assert_msg(rc == JWT_OK, "parse: %s", e.message);
    return t;
}

static jwt_code_t verify_tok(const char *tok, const jwt_keyring_t *ring, jwt_algset_t allowed,
                             jwt_err_t *e)
{
    jwt_token_t *t = NULL;
    jwt_code_t rc = parse(tok, &t, e);
    if (rc != JWT_OK)
        return rc;
    return jwt_token_verify(t, ring, allowed, NULL, e);
}

static const char *b64(const char *s)
{
    return jwt_b64url_encode(tp, (const unsigned char *)s, strlen(s));
}

/* A token from literal header and payload JSON and a literal (already encoded) signature. */
static char *raw_token(const char *header, const char *payload, const char *sig_b64)
{
    return apr_pstrcat(tp, b64(header), ".", b64(payload), ".", sig_b64, NULL);
}

/* header.payload signed by key with alg, signature given as raw bytes. */
static char *token_with_sig(const char *header, const char *payload, const unsigned char *sig,
                            size_t sig_len)
{
    return raw_token(header, payload, jwt_b64url_encode(tp, sig, sig_len));
}

static char *flip_last_sig_char(const char *tok)
{
    char *c = apr_pstrdup(tp, tok);
    size_t n = strlen(c);
    /* change a character in the middle of the signature (keeps it canonical base64url) */
    size_t i = n - 10;
    c[i] = c[i] == 'A' ? 'B' : 'A';
    return c;
}

/* ---- sign / verify round trips for every algorithm --------------------------------- */

static const struct {
    jwt_alg_t alg;
    const char *priv, *pub;
} asym_cases[] = {
    { JWT_ALG_RS256, "fixtures/keys/rsa2048.pem", "fixtures/keys/rsa2048.pub.pem" },
    { JWT_ALG_RS384, "fixtures/keys/rsa2048.pem", "fixtures/keys/rsa2048.pub.pem" },
    { JWT_ALG_RS512, "fixtures/keys/rsa2048.trad.pem", "fixtures/keys/rsa2048.pkcs1.pub.pem" },
    { JWT_ALG_PS256, "fixtures/keys/rsa2048.pem", "fixtures/keys/rsa2048.pub.pem" },
    { JWT_ALG_PS384, "fixtures/keys/rsa2048.pem", "fixtures/keys/cert-rsa2048.pem" },
    { JWT_ALG_PS512, "fixtures/keys/rsa2048.pem", "fixtures/keys/rsa2048.pub.pem" },
    { JWT_ALG_ES256, "fixtures/keys/ec256.pem", "fixtures/keys/ec256.pub.pem" },
    { JWT_ALG_ES256, "fixtures/keys/ec256.pem", "fixtures/keys/cert-ec256.pem" },
    { JWT_ALG_ES384, "fixtures/keys/ec384.pem", "fixtures/keys/ec384.pub.pem" },
    { JWT_ALG_ES512, "fixtures/keys/ec521.pem", "fixtures/keys/ec521.pub.pem" },
    { JWT_ALG_EDDSA, "fixtures/keys/ed25519.pem", "fixtures/keys/ed25519.pub.pem" },
    { JWT_ALG_ED25519, "fixtures/keys/ed25519.pem", "fixtures/keys/ed25519.pub.pem" },
    { JWT_ALG_EDDSA, "fixtures/keys/ed448.pem", "fixtures/keys/ed448.pub.pem" },
    { JWT_ALG_ED448, "fixtures/keys/ed448.pem", "fixtures/keys/ed448.pub.pem" },
};

START_TEST(test_roundtrip_asymmetric)
{
    const char *pl = "{\"sub\":\"alice\",\"iss\":\"https://idp.example/\"}";
    jwt_key_t *priv = key_from(asym_cases[_i].priv, "k1");
    jwt_keyring_t *pub = ring_from(asym_cases[_i].pub, "k1");
    jwt_alg_t alg = asym_cases[_i].alg;
    char *tok = sign_token(alg, priv, pl);
    jwt_token_t *t = parse_ok(tok);
    const jwt_key_t *used = NULL;
    jwt_err_t e;

    ck_assert_int_eq(t->alg, alg);
    ck_assert_str_eq(t->kid, "k1");
    ck_assert_str_eq(t->typ, "JWT");
    ck_assert_str_eq(t->payload_json, pl);
    ck_assert_code(jwt_token_verify(t, pub, JWT_ALGSET_ALL, &used, &e), JWT_OK);
    ck_assert_ptr_eq(used, APR_ARRAY_IDX(pub->keys, 0, jwt_key_t *));
    /* the private key verifies its own signatures too */
    ck_assert_code(jwt_token_verify(t, ring_of(priv), JWT_ALGSET_ALL, NULL, &e), JWT_OK);
    /* one changed signature character: refused, and the message names key and alg */
    ck_assert_code(verify_tok(flip_last_sig_char(tok), pub, JWT_ALGSET_ALL, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "kid=k1") && strstr(e.message, jwt_alg_name(alg)), "%s", e.message);
    /* the message never quotes the signature */
    ck_assert_ptr_null(strstr(e.message, strrchr(tok, '.') + 1));
    /* a changed payload: refused */
    char *other = sign_token(alg, priv, "{\"sub\":\"mallory\"}");
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    const char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    char *spliced = apr_pstrcat(tp, apr_pstrndup(tp, tok, (apr_size_t)(d1 - tok)), ".",
                                apr_pstrndup(tp, o1 + 1, (apr_size_t)(o2 - o1 - 1)), d2, NULL);
    ck_assert_code(verify_tok(spliced, pub, JWT_ALGSET_ALL, &e), JWT_ERR_SIGNATURE);
    ck_assert_int_eq(ERR_peek_error(), 0);      /* expected failures leave no OpenSSL errors */
}
END_TEST

START_TEST(test_roundtrip_hmac)
{
    static const jwt_alg_t algs[] = { JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512 };
    jwt_key_t *k = secret_key(64, "hs");
    jwt_keyring_t *ring = ring_of(k);
    jwt_err_t e;
    for (size_t i = 0; i < 3; i++) {
        char *tok = sign_token(algs[i], k, "{\"sub\":\"bob\"}");
        ck_assert_code(verify_tok(tok, ring, JWT_ALGSET_ALL, &e), JWT_OK);
        ck_assert_code(verify_tok(flip_last_sig_char(tok), ring, JWT_ALGSET_ALL, &e), JWT_ERR_SIGNATURE);
    }
}
END_TEST

/* Ed25519 signatures are deterministic (RFC 8032): the same input signs the same. */
START_TEST(test_ed25519_deterministic)
{
    jwt_key_t *k = key_from("fixtures/keys/ed25519.pem", NULL);
    ck_assert_str_eq(sign_token(JWT_ALG_EDDSA, k, "{\"a\":1}"), sign_token(JWT_ALG_EDDSA, k, "{\"a\":1}"));
}
END_TEST

START_TEST(test_sign_header_shape)
{
    jwt_key_t *k = secret_key(32, NULL);
    char *tok = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_sign_compact(tp, JWT_ALG_HS256, k, NULL, payload_of("{\"x\":\"a/b\"}"), &tok, &e), JWT_OK);
    jwt_token_t *t = parse_ok(tok);
    ck_assert_str_eq(t->header_json, "{\"alg\":\"HS256\"}");
    ck_assert_str_eq(t->payload_json, "{\"x\":\"a/b\"}");
    ck_assert_ptr_null(t->kid);
    ck_assert_ptr_null(t->typ);
}
END_TEST

/* ---- parse refusals ------------------------------------------------------------------ */

START_TEST(test_parse_shape)
{
    jwt_token_t *t;
    jwt_err_t e;
    const char *h = b64("{\"alg\":\"HS256\"}"), *p = b64("{}");
    ck_assert_code(parse("", &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, NULL), &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(h, &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".AAAA.AAAA", NULL), &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(apr_pstrcat(tp, ".", p, ".AAAA", NULL), &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".", NULL), &t, &e), JWT_ERR_MALFORMED);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".AAAA", NULL), &t, &e), JWT_OK);
    /* strict base64url in each segment */
    ck_assert_code(parse(apr_pstrcat(tp, h, "=.", p, ".AAAA", NULL), &t, &e), JWT_ERR_BASE64);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".AA+A", NULL), &t, &e), JWT_ERR_BASE64);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, " .AAAA", NULL), &t, &e), JWT_ERR_BASE64);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".AAAB", NULL), &t, &e), JWT_OK);
    ck_assert_code(parse(apr_pstrcat(tp, h, ".", p, ".AB", NULL), &t, &e), JWT_ERR_BASE64);  /* trailing bits */
}
END_TEST

/* A header memo (one per connection in the module) changes nothing in what a token means:
 * each token's header is checked as written, memo or not. */
START_TEST(test_parse_header_memo)
{
    jwt_parse_opts_t o = { 0 };
    jwt_token_t *t1 = NULL, *t2 = NULL, *t;
    jwt_err_t e;
    const char *h = "{\"alg\":\"HS256\",\"kid\":\"a\",\"typ\":\"JWT\"}";
    char *tok1 = raw_token(h, "{\"sub\":\"one\"}", "AAAA");
    char *tok2 = raw_token(h, "{\"sub\":\"two\"}", "AAAB");

    o.header_memo = jwt_header_memo_new();
    ck_assert_ptr_nonnull(o.header_memo);
    ck_assert_code(jwt_token_parse(tp, tok1, strlen(tok1), &o, &t1, &e), JWT_OK);
    ck_assert_code(jwt_token_parse(tp, tok2, strlen(tok2), &o, &t2, &e), JWT_OK);
    ck_assert_ptr_eq(t1->header, t2->header);        /* parsed once */
    ck_assert_int_eq(t2->alg, JWT_ALG_HS256);
    ck_assert_str_eq(t2->kid, "a");
    ck_assert_str_eq(t2->typ, "JWT");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(t2->payload, "sub")), "two");
    /* after a remembered header, other headers are judged on their own */
    char *none = raw_token("{\"alg\":\"none\",\"kid\":\"a\",\"typ\":\"JWT\"}", "{}", "AAAA");
    ck_assert_code(jwt_token_parse(tp, none, strlen(none), &o, &t, &e), JWT_ERR_ALG_NONE);
    char *crit = raw_token("{\"alg\":\"HS256\",\"kid\":\"a\",\"crit\":[\"exp\"],\"exp\":1}", "{}", "AAAA");
    ck_assert_code(jwt_token_parse(tp, crit, strlen(crit), &o, &t, &e), JWT_ERR_CRIT);
    ck_assert_code(jwt_token_parse(tp, crit, strlen(crit), &o, &t, &e), JWT_ERR_CRIT);
    char *rs = raw_token("{\"alg\":\"RS256\",\"kid\":\"b\"}", "{}", "AAAA");
    ck_assert_code(jwt_token_parse(tp, rs, strlen(rs), &o, &t, &e), JWT_OK);
    ck_assert_int_eq(t->alg, JWT_ALG_RS256);
    ck_assert_str_eq(t->kid, "b");
    ck_assert_ptr_null(t->typ);
    ck_assert_code(jwt_token_parse(tp, tok1, strlen(tok1), &o, &t, &e), JWT_OK);
    ck_assert_int_eq(t->alg, JWT_ALG_HS256);
    ck_assert_str_eq(t->kid, "a");
    /* signatures are still checked per token: a memo hit verifies only what is signed */
    jwt_key_t *k = secret_key(32, "a");
    jwt_keyring_t *ring = ring_of(k);
    char *good = NULL;
    ck_assert_code(jwt_sign_compact(tp, JWT_ALG_HS256, k, "JWT", payload_of("{\"sub\":\"s\"}"),
                                    &good, &e), JWT_OK);
    for (int i = 0; i < 2; i++) {
        ck_assert_code(jwt_token_parse(tp, good, strlen(good), &o, &t, &e), JWT_OK);
        ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET(JWT_ALG_HS256), NULL, &e), JWT_OK);
    }
    ck_assert_code(jwt_token_parse(tp, tok2, strlen(tok2), &o, &t, &e), JWT_OK);
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET(JWT_ALG_HS256), NULL, &e), JWT_ERR_SIGNATURE);
    jwt_header_memo_free(o.header_memo);
}
END_TEST

/* The memo answers only for the same encoded header under the same limits, and checks
 * anything else: other limits, a refused header, a header too long to remember. What it
 * hands out outlives the pool of the token that filled it and the memo itself. */
START_TEST(test_header_memo_limits)
{
    jwt_parse_opts_t o = { 0 };
    jwt_token_t *a = NULL, *b = NULL, *t = NULL;
    jwt_err_t e;
    apr_pool_t *p1;
    const char *h = "{\"alg\":\"ES256\",\"kid\":\"k1\",\"n\":{\"x\":[1]}}";
    char *tok = raw_token(h, "{}", "AAAA");

    o.header_memo = jwt_header_memo_new();
    ck_assert_ptr_nonnull(o.header_memo);
    apr_pool_create(&p1, tp);
    ck_assert_code(jwt_token_parse(p1, tok, strlen(tok), &o, &a, &e), JWT_OK);
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &b, &e), JWT_OK);
    ck_assert_ptr_eq(a->header, b->header);          /* served from the memo */
    ck_assert_str_eq(b->header_json, h);
    ck_assert_str_eq(b->alg_name, "ES256");
    apr_pool_destroy(p1);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(b->header, "kid")), "k1");
    ck_assert_str_eq(b->kid, "k1");
    /* the same header under stricter limits: the limits decide, not the memo */
    o.json.max_depth = 1;
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_ERR_JSON_DEPTH);
    o.json.max_depth = 0;
    o.json.max_bytes = 8;
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_ERR_TOO_LARGE);
    o.json.max_bytes = 0;
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_OK);
    ck_assert_ptr_eq(t->header, b->header);
    /* a refused header is refused every time and leaves the memo as it was */
    char *dup = raw_token("{\"alg\":\"ES256\",\"alg\":\"none\"}", "{}", "AAAA");
    for (int i = 0; i < 2; i++)
        ck_assert_code(jwt_token_parse(tp, dup, strlen(dup), &o, &t, &e), JWT_ERR_JSON_DUPLICATE);
    char *num = raw_token("{\"alg\":\"ES256\",\"kid\":5}", "{}", "AAAA");
    for (int i = 0; i < 2; i++)
        ck_assert_code(jwt_token_parse(tp, num, strlen(num), &o, &t, &e), JWT_ERR_HEADER);
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_OK);
    ck_assert_ptr_eq(t->header, b->header);
    /* a header too long to remember: checked every time, never remembered */
    char kid[700];
    memset(kid, 'k', sizeof(kid) - 1);
    kid[sizeof(kid) - 1] = '\0';
    char *big = raw_token(apr_psprintf(tp, "{\"alg\":\"HS256\",\"kid\":\"%s\"}", kid), "{}", "AAAA");
    ck_assert_code(jwt_token_parse(tp, big, strlen(big), &o, &a, &e), JWT_OK);
    ck_assert_code(jwt_token_parse(tp, big, strlen(big), &o, &t, &e), JWT_OK);
    ck_assert_ptr_ne(a->header, t->header);
    ck_assert_str_eq(t->kid, kid);
    ck_assert_int_eq(t->alg, JWT_ALG_HS256);
    /* the memo still holds the first header; freed with tokens still out, they stay valid */
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_OK);
    ck_assert_ptr_eq(t->header, b->header);
    jwt_header_memo_free(o.header_memo);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(t->header, "alg")), "ES256");
    ck_assert_str_eq(t->typ == NULL ? "none" : t->typ, "none");
    jwt_header_memo_free(NULL);
}
END_TEST

START_TEST(test_parse_length_cap)
{
    jwt_parse_opts_t o = { 0 };
    jwt_token_t *t;
    jwt_err_t e;
    char *tok = raw_token("{\"alg\":\"HS256\"}", "{\"a\":1}", "AAAA");
    o.max_token_len = strlen(tok);
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_OK);
    o.max_token_len = strlen(tok) - 1;
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_ERR_TOO_LARGE);
    /* the default cap applies before the segments are even looked at */
    size_t big = JWT_DEFAULT_MAX_TOKEN_LEN + 1;
    char *junk = apr_palloc(tp, big + 1);
    memset(junk, '!', big);
    junk[big] = '\0';
    ck_assert_code(parse(junk, &t, &e), JWT_ERR_TOO_LARGE);
}
END_TEST

START_TEST(test_parse_json)
{
    jwt_token_t *t;
    jwt_err_t e;
    ck_assert_code(parse(raw_token("not json", "{}", "AAAA"), &t, &e), JWT_ERR_JSON);
    ck_assert_code(parse(raw_token("[\"HS256\"]", "{}", "AAAA"), &t, &e), JWT_ERR_JSON);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\"} x", "{}", "AAAA"), &t, &e), JWT_ERR_JSON);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"alg\":\"none\"}", "{}", "AAAA"), &t, &e),
                   JWT_ERR_JSON_DUPLICATE);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\"}", "{\"sub\":\"a\",\"sub\":\"b\"}", "AAAA"), &t, &e),
                   JWT_ERR_JSON_DUPLICATE);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\"}", "\"just a string\"", "AAAA"), &t, &e), JWT_ERR_JSON);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\"}", "", "AAAA"), &t, &e), JWT_ERR_JSON);
}
END_TEST

START_TEST(test_parse_payload_any)
{
    jwt_parse_opts_t o = { 0 };
    jwt_token_t *t = NULL;
    jwt_err_t e;
    char *tok = raw_token("{\"alg\":\"HS256\"}", "foo", "AAAA");
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_ERR_JSON);
    o.payload_any = 1;
    ck_assert_code(jwt_token_parse(tp, tok, strlen(tok), &o, &t, &e), JWT_OK);
    ck_assert_ptr_null(t->payload);
    ck_assert_str_eq(t->payload_json, "foo");
}
END_TEST

START_TEST(test_alg_none_spellings)
{
    static const char *const spellings[] = { "none", "None", "NONE", "nOnE", "noNe" };
    jwt_key_t *k = secret_key(32, NULL);
    jwt_keyring_t *ring = ring_of(k);
    jwt_token_t *t;
    jwt_err_t e;
    for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
        const char *h = apr_psprintf(tp, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", spellings[i]);
        /* the classic: empty signature */
        ck_assert_code(parse(apr_pstrcat(tp, b64(h), ".", b64("{\"sub\":\"admin\"}"), ".", NULL), &t, &e),
                       JWT_ERR_ALG_NONE);
        /* with some signature bytes as well */
        ck_assert_code(verify_tok(raw_token(h, "{\"sub\":\"admin\"}", "AAAA"), ring, JWT_ALGSET_ALL, &e),
                       JWT_ERR_ALG_NONE);
    }
    ck_assert_code(parse(raw_token("{\"alg\":\"none \"}", "{}", "AAAA"), &t, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS257\"}", "{}", "AAAA"), &t, &e), JWT_ERR_ALG_UNSUPPORTED);
    ck_assert_code(parse(raw_token("{\"alg\":\"hs256\"}", "{}", "AAAA"), &t, &e), JWT_ERR_ALG_UNSUPPORTED);
    /* "none" followed by an escaped NUL: the JSON layer refuses \u0000 before alg is read */
    ck_assert_code(parse(raw_token("{\"alg\":\"none\\u0000\"}", "{}", "AAAA"), &t, &e), JWT_ERR_JSON);
}
END_TEST

START_TEST(test_header_members)
{
    jwt_token_t *t;
    jwt_err_t e;
    ck_assert_code(parse(raw_token("{\"typ\":\"JWT\"}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":256}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":null}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"kid\":1}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"kid\":[\"a\"]}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"typ\":true}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"cty\":{}}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    /* jwk / jku / x5u / x5c are ignored (never used to find a key), not refused */
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"jku\":\"https://evil/\",\"x5u\":\"x\"}", "{}", "AAAA"),
                         &t, &e), JWT_OK);
}
END_TEST

START_TEST(test_crit_and_b64)
{
    jwt_token_t *t;
    jwt_err_t e;
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", "{}", "AAAA"), &t, &e),
                   JWT_ERR_CRIT);
    ck_assert_msg(strstr(e.message, "exp") != NULL, "%s", e.message);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"crit\":[]}", "{}", "AAAA"), &t, &e), JWT_ERR_CRIT);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"crit\":\"b64\"}", "{}", "AAAA"), &t, &e), JWT_ERR_CRIT);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"crit\":null}", "{}", "AAAA"), &t, &e), JWT_ERR_CRIT);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}", "{}", "AAAA"), &t, &e),
                   JWT_ERR_CRIT);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"b64\":false}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"b64\":\"false\"}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"b64\":0}", "{}", "AAAA"), &t, &e), JWT_ERR_HEADER);
    ck_assert_code(parse(raw_token("{\"alg\":\"HS256\",\"b64\":true}", "{}", "AAAA"), &t, &e), JWT_OK);
}
END_TEST

/* ---- key selection ------------------------------------------------------------------- */

START_TEST(test_alg_not_allowed)
{
    jwt_key_t *k = secret_key(32, NULL);
    char *tok = sign_token(JWT_ALG_HS256, k, "{}");
    jwt_err_t e;
    ck_assert_code(verify_tok(tok, ring_of(k), JWT_ALGSET(JWT_ALG_RS256) | JWT_ALGSET(JWT_ALG_ES256), &e),
                   JWT_ERR_ALG_NOT_ALLOWED);
    ck_assert_msg(strstr(e.message, "HS256") && strstr(e.message, "RS256 ES256"), "%s", e.message);
    ck_assert_code(verify_tok(tok, ring_of(k), JWT_ALGSET(JWT_ALG_HS256), &e), JWT_OK);
}
END_TEST

START_TEST(test_unknown_kid_vs_no_key)
{
    jwt_key_t *hs = secret_key(32, "hs");
    jwt_keyring_t *ring = ring_of(hs);
    jwt_err_t e;
    /* kid that no key has */
    jwt_key_t *other = secret_key(32, "nope");
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, other, "{}"), ring, JWT_ALGSET_ALL, &e),
                   JWT_ERR_UNKNOWN_KID);
    ck_assert_msg(strstr(e.message, "nope") != NULL, "%s", e.message);
    /* no kid, and no key for the alg */
    jwt_key_t *ec = key_from("fixtures/keys/ec256.pem", NULL);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_ES256, ec, "{}"), ring, JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
    /* kid known, but its key is not bound to the token's alg */
    jwt_key_t *hs_as_other = secret_key(32, "hs");
    hs_as_other->algs = JWT_ALGSET_HMAC;
    jwt_keyring_t *ecring = ring_from("fixtures/keys/ec256.pub.pem", "hs");
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, hs_as_other, "{}"), ecring, JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
    /* an empty ring */
    ck_assert_code(verify_tok(sign_token(JWT_ALG_ES256, ec, "{}"), jwt_keyring_make(tp), JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
}
END_TEST

/* Without a kid every key bound to the alg is tried; the one that verifies is reported. */
START_TEST(test_no_kid_tries_each_key)
{
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    jwt_key_t *a = secret_key(32, NULL), *b = secret_key(40, NULL);
    ck_assert_code(jwt_keyring_add(ring, a, &e), JWT_OK);
    ck_assert_code(jwt_keyring_add(ring, b, &e), JWT_OK);
    jwt_token_t *t = parse_ok(sign_token(JWT_ALG_HS256, b, "{}"));
    const jwt_key_t *used = NULL;
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET_ALL, &used, &e), JWT_OK);
    ck_assert_ptr_eq(used, b);
    t = parse_ok(flip_last_sig_char(sign_token(JWT_ALG_HS256, b, "{}")));
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET_ALL, &used, &e), JWT_ERR_SIGNATURE);
    ck_assert_ptr_null(used);
    ck_assert_msg(strstr(e.message, "any of 2 keys") != NULL, "%s", e.message);
}
END_TEST

START_TEST(test_verify_only_keys)
{
    /* key_ops ["sign"] on a private key: it signs but is never used to verify */
    const char *jwk = "{\"kty\":\"oct\",\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"key_ops\":[\"sign\"]}";
    jwt_keyring_t *ring = jwt_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(jwt_keys_from_buffer(ring, jwk, strlen(jwk), "t", NULL, NULL, &e), JWT_OK);
    jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, jwt_key_t *);
    ck_assert_int_eq(k->can_verify, 0);
    char *tok = sign_token(JWT_ALG_HS256, k, "{}");
    ck_assert_code(verify_tok(tok, ring, JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
    jwt_token_t *t = parse_ok(tok);
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS256, k, (const unsigned char *)t->compact, t->signing_input_len,
                                  t->sig, t->sig_len, &e), JWT_ERR_KEY_USAGE);
}
END_TEST

START_TEST(test_issuer_bound_keys)
{
    jwt_key_t *k = secret_key(32, NULL);
    k->issuer = "https://a.example/";
    jwt_keyring_t *ring = ring_of(k);
    jwt_err_t e;
    const jwt_key_t *used;
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, k, "{\"iss\":\"https://a.example/\"}"), ring,
                              JWT_ALGSET_ALL, &e), JWT_OK);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, k, "{\"iss\":\"https://b.example/\"}"), ring,
                              JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
    ck_assert_msg(strstr(e.message, "issuer") != NULL, "%s", e.message);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, k, "{\"iss\":\"https://a.example\"}"), ring,
                              JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, k, "{\"sub\":\"x\"}"), ring, JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, k, "{\"iss\":[\"https://a.example/\"]}"), ring,
                              JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
    /* an unbound key next to it still verifies other issuers' tokens */
    jwt_key_t *any = secret_key(33, NULL);
    ck_assert_code(jwt_keyring_add(ring, any, &e), JWT_OK);
    jwt_token_t *t = parse_ok(sign_token(JWT_ALG_HS256, any, "{\"iss\":\"https://b.example/\"}"));
    ck_assert_code(jwt_token_verify(t, ring, JWT_ALGSET_ALL, &used, &e), JWT_OK);
    ck_assert_ptr_eq(used, any);
}
END_TEST

/* ---- key confusion -------------------------------------------------------------------- */

/* CVE-2015-9235 style: sign HS256 with the RSA public key's PEM text as the HMAC secret. */
START_TEST(test_key_confusion_rsa_pem_as_hmac_secret)
{
    size_t pem_len;
    char *pem = tu_slurp(tu_path("fixtures/keys/rsa2048.pub.pem"), &pem_len);
    jwt_keyring_t *rsa_ring = ring_from("fixtures/keys/rsa2048.pub.pem", NULL);
    jwt_key_t *rsa = APR_ARRAY_IDX(rsa_ring->keys, 0, jwt_key_t *);
    jwt_key_t *forged_key = NULL;
    jwt_err_t e;
    /* the attacker's HMAC key: the public PEM bytes (long enough for every HS alg) */
    ck_assert_code(jwt_key_from_secret(tp, (const unsigned char *)pem, pem_len, NULL, "attacker",
                                       &forged_key, &e), JWT_OK);
    static const jwt_alg_t hs[] = { JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512 };
    for (size_t i = 0; i < 3; i++) {
        char *forged = sign_token(hs[i], forged_key, "{\"sub\":\"admin\"}");
        /* the forged token does verify with the oct key made from those bytes ... */
        ck_assert_code(verify_tok(forged, ring_of(forged_key), JWT_ALGSET_ALL, &e), JWT_OK);
        /* ... but a ring holding the RSA key never treats it as an HMAC secret */
        ck_assert_code(verify_tok(forged, rsa_ring, JWT_ALGSET_ALL, &e), JWT_ERR_NO_KEY);
        jwt_token_t *t = parse_ok(forged);
        ck_assert_code(jwt_verify_raw(hs[i], rsa, (const unsigned char *)t->compact, t->signing_input_len,
                                      t->sig, t->sig_len, &e), JWT_ERR_KEY_USAGE);
    }
    /* same with a kid naming the RSA key */
    jwt_keyring_t *kid_ring = ring_from("fixtures/keys/rsa2048.pub.pem", "rsa");
    forged_key->kid = "rsa";
    ck_assert_code(verify_tok(sign_token(JWT_ALG_HS256, forged_key, "{}"), kid_ring, JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
    /* even a key whose algs were wrongly widened by hand is not used as an HMAC secret */
    rsa->algs |= JWT_ALGSET(JWT_ALG_HS256);
    jwt_token_t *t = parse_ok(sign_token(JWT_ALG_HS256, forged_key, "{}"));
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS256, rsa, (const unsigned char *)t->compact, t->signing_input_len,
                                  t->sig, t->sig_len, &e), JWT_ERR_KEY_USAGE);
}
END_TEST

START_TEST(test_wrong_key_type_for_alg)
{
    jwt_key_t *ec256 = key_from("fixtures/keys/ec256.pem", NULL);
    jwt_key_t *ec384 = key_from("fixtures/keys/ec384.pem", NULL);
    jwt_key_t *ed25519 = key_from("fixtures/keys/ed25519.pem", NULL);
    jwt_key_t *ed448 = key_from("fixtures/keys/ed448.pem", NULL);
    jwt_key_t *rsa = key_from("fixtures/keys/rsa2048.pem", NULL);
    const unsigned char data[] = "abc";
    unsigned char *sig;
    size_t sig_len;
    jwt_err_t e;
    /* wrong curve: ES384 with a P-256 key, either way round */
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_ES384, ec256, data, 3, &sig, &sig_len, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_ES384, ec384, data, 3, &sig, &sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_ES384, ec256, data, 3, sig, sig_len, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_ES384, ec384, "{}"), ring_of(ec256), JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
    /* Ed25519 alg with an Ed448 key, and the reverse */
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_ED448, ed448, data, 3, &sig, &sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_ED25519, ed448, data, 3, sig, sig_len, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(jwt_verify_raw(JWT_ALG_ED448, ed448, data, 3, sig, sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_EDDSA, ed448, data, 3, sig, sig_len, &e), JWT_OK);
    ck_assert_code(verify_tok(sign_token(JWT_ALG_ED448, ed448, "{}"), ring_of(ed25519), JWT_ALGSET_ALL, &e),
                   JWT_ERR_NO_KEY);
    /* RSA key with ECDSA / EdDSA algs */
    ck_assert_code(jwt_verify_raw(JWT_ALG_ES256, rsa, data, 3, sig, sig_len, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(jwt_verify_raw(JWT_ALG_EDDSA, rsa, data, 3, sig, sig_len, &e), JWT_ERR_KEY_USAGE);
    /* a public key cannot sign */
    jwt_key_t *pub = key_from("fixtures/keys/ec256.pub.pem", NULL);
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_ES256, pub, data, 3, &sig, &sig_len, &e), JWT_ERR_KEY_USAGE);
}
END_TEST

/* ---- ECDSA signature format ------------------------------------------------------------ */

static unsigned char *ecdsa_sign_der(EVP_PKEY *pkey, const EVP_MD *md, const char *data, size_t *len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, md, NULL, pkey), 1);
    ck_assert_int_eq(EVP_DigestSign(ctx, NULL, len, (const unsigned char *)data, strlen(data)), 1);
    unsigned char *der = apr_palloc(tp, *len);
    ck_assert_int_eq(EVP_DigestSign(ctx, der, len, (const unsigned char *)data, strlen(data)), 1);
    EVP_MD_CTX_free(ctx);
    return der;
}

/* An ES256 signature in DER (as OpenSSL produces it natively) is not a JWS signature. */
START_TEST(test_ecdsa_der_refused)
{
    jwt_key_t *k = key_from("fixtures/keys/ec256.pem", NULL);
    jwt_keyring_t *ring = ring_of(k);
    const char *h = "{\"alg\":\"ES256\"}", *pl = "{\"sub\":\"x\"}";
    const char *input = apr_pstrcat(tp, b64(h), ".", b64(pl), NULL);
    size_t der_len;
    unsigned char *der = ecdsa_sign_der(k->pkey, EVP_sha256(), input, &der_len);
    jwt_err_t e;
    ck_assert_code(verify_tok(token_with_sig(h, pl, der, der_len), ring, JWT_ALGSET_ALL, &e),
                   JWT_ERR_SIGNATURE);
    /* the same signature converted to R||S verifies: the refusal was about the format */
    const unsigned char *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)der_len);
    unsigned char raw[64];
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, raw, 32);
    BN_bn2binpad(s, raw + 32, 32);
    ECDSA_SIG_free(es);
    ck_assert_code(verify_tok(token_with_sig(h, pl, raw, 64), ring, JWT_ALGSET_ALL, &e), JWT_OK);
    /* one byte short or long */
    ck_assert_code(verify_tok(token_with_sig(h, pl, raw, 63), ring, JWT_ALGSET_ALL, &e), JWT_ERR_SIGNATURE);
}
END_TEST

static void order_bytes(const char *curve, unsigned char *out, size_t len)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_sn2nid(curve));
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(BN_bn2binpad(EC_GROUP_get0_order(g), out, (int)len), (int)len);
    EC_GROUP_free(g);
}

static void dec_be(unsigned char *v, size_t len)
{
    for (size_t i = len; i-- > 0;) {
        if (v[i]-- != 0)
            break;
    }
}

/* r and s must lie in [1, n-1]; checked before OpenSSL sees them (CVE-2022-21449). */
START_TEST(test_ecdsa_range)
{
    static const struct { jwt_alg_t alg; const char *priv, *curve; size_t fl; } c[] = {
        { JWT_ALG_ES256, "fixtures/keys/ec256.pem", "prime256v1", 32 },
        { JWT_ALG_ES384, "fixtures/keys/ec384.pem", "secp384r1", 48 },
        { JWT_ALG_ES512, "fixtures/keys/ec521.pem", "secp521r1", 66 },
    };
    jwt_key_t *k = key_from(c[_i].priv, NULL);
    size_t fl = c[_i].fl;
    unsigned char sig[132], n[66], one[66];
    const unsigned char data[] = "header.payload";
    jwt_err_t e;
    order_bytes(c[_i].curve, n, fl);
    memset(one, 0, fl);
    one[fl - 1] = 1;

    /* the psychic signature: r = s = 0 */
    memset(sig, 0, 2 * fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "outside") != NULL, "%s", e.message);
    /* r = n, s = 1 and r = 1, s = n */
    memcpy(sig, n, fl);
    memcpy(sig + fl, one, fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "outside") != NULL, "%s", e.message);
    memcpy(sig, one, fl);
    memcpy(sig + fl, n, fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "outside") != NULL, "%s", e.message);
    /* r = 0, s = 1 */
    memset(sig, 0, fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "outside") != NULL, "%s", e.message);
    /* r = n - 1, s = n - 1: in range, so it reaches OpenSSL, which refuses it */
    dec_be(n, fl);
    memcpy(sig, n, fl);
    memcpy(sig + fl, n, fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_msg(strstr(e.message, "outside") == NULL, "%s", e.message);
    /* all ones (above n for every curve) */
    memset(sig, 0xff, 2 * fl);
    ck_assert_code(jwt_verify_raw(c[_i].alg, k, data, 14, sig, 2 * fl, &e), JWT_ERR_SIGNATURE);
    ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

/* Every shape of r and s reaches OpenSSL intact: the verifier re-encodes R||S as DER by
 * hand, where a scalar with its top bit set needs a 0x00 in front and one with leading zero
 * bytes must lose them (P-521's sequence also needs the long length form). Signs until each
 * shape was seen for r and for s; each signature verifies, and fails on a changed input. */
START_TEST(test_ecdsa_der_shapes)
{
    static const struct { jwt_alg_t alg; const char *priv; size_t fl; int top_bit; } c[] = {
        { JWT_ALG_ES256, "fixtures/keys/ec256.pem", 32, 1 },
        { JWT_ALG_ES384, "fixtures/keys/ec384.pem", 48, 1 },
        { JWT_ALG_ES512, "fixtures/keys/ec521.pem", 66, 0 },   /* n < 2^521: top byte <= 1 */
    };
    jwt_key_t *k = key_from(c[_i].priv, NULL);
    size_t fl = c[_i].fl;
    int seen[2][3] = { { 0 } };    /* [r|s][top bit set, leading zero byte, neither] */
    int need = c[_i].top_bit ? 3 : 2, done = 0;
    jwt_err_t e;
    for (int i = 0; i < 20000 && !done; i++) {
        char data[32];
        unsigned char *sig;
        size_t sig_len;
        int len = snprintf(data, sizeof(data), "header.payload-%d", i);
        ck_assert_code(jwt_sign_raw(tp, c[_i].alg, k, (unsigned char *)data, (size_t)len, &sig,
                                    &sig_len, &e), JWT_OK);
        ck_assert_uint_eq(sig_len, 2 * fl);
        ck_assert_code(jwt_verify_raw(c[_i].alg, k, (unsigned char *)data, (size_t)len, sig,
                                      sig_len, &e), JWT_OK);
        data[len - 1] ^= 1;
        ck_assert_code(jwt_verify_raw(c[_i].alg, k, (unsigned char *)data, (size_t)len, sig,
                                      sig_len, &e), JWT_ERR_SIGNATURE);
        done = 1;
        for (int h = 0; h < 2; h++) {
            const unsigned char *v = sig + h * fl;
            seen[h][(v[0] & 0x80) ? 0 : v[0] == 0 ? 1 : 2] = 1;
            for (int shape = c[_i].top_bit ? 0 : 1; shape < 3; shape++)
                done &= seen[h][shape];
        }
    }
    ck_assert_msg(done, "not every shape of r and s was seen (need %d)", need);
}
END_TEST

/* ---- RSA ------------------------------------------------------------------------------- */

START_TEST(test_rsa_pss_params)
{
    jwt_key_t *k = key_from("fixtures/keys/rsa2048.pem", NULL);
    const unsigned char data[] = "header.payload";
    unsigned char *sig;
    size_t sig_len;
    jwt_err_t e;
    /* a PS256 signature is not an RS256 one, nor PS384 */
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_PS256, k, data, 14, &sig, &sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_PS256, k, data, 14, sig, sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_RS256, k, data, 14, sig, sig_len, &e), JWT_ERR_SIGNATURE);
    ck_assert_code(jwt_verify_raw(JWT_ALG_PS384, k, data, 14, sig, sig_len, &e), JWT_ERR_SIGNATURE);
    /* PSS with salt length 0 (valid PSS, but not the JWA salt = hash length) is refused */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    ck_assert_int_eq(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, k->pkey), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 0), 1);
    unsigned char other[256];
    size_t other_len = sizeof(other);
    ck_assert_int_eq(EVP_DigestSign(ctx, other, &other_len, data, 14), 1);
    EVP_MD_CTX_free(ctx);
    ck_assert_code(jwt_verify_raw(JWT_ALG_PS256, k, data, 14, other, other_len, &e), JWT_ERR_SIGNATURE);
    /* RS256: wrong length (a leading byte dropped / added) */
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_RS256, k, data, 14, &sig, &sig_len, &e), JWT_OK);
    ck_assert_uint_eq(sig_len, 256);
    ck_assert_code(jwt_verify_raw(JWT_ALG_RS256, k, data, 14, sig, sig_len, &e), JWT_OK);
    ck_assert_code(jwt_verify_raw(JWT_ALG_RS256, k, data, 14, sig, sig_len - 1, &e), JWT_ERR_SIGNATURE);
    unsigned char longer[257] = { 0 };
    memcpy(longer + 1, sig, 256);
    ck_assert_code(jwt_verify_raw(JWT_ALG_RS256, k, data, 14, longer, 257, &e), JWT_ERR_SIGNATURE);
    ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

/* ---- HMAC ------------------------------------------------------------------------------ */

START_TEST(test_hmac_lengths)
{
    jwt_key_t *k = secret_key(32, NULL);
    const unsigned char data[] = "x";
    unsigned char *sig;
    size_t sig_len;
    jwt_err_t e;
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_HS256, k, data, 1, &sig, &sig_len, &e), JWT_OK);
    ck_assert_uint_eq(sig_len, 32);
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS256, k, data, 1, sig, 32, &e), JWT_OK);
    /* truncated tags are not accepted (a 16-byte prefix would be a 2^128 forgery target) */
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS256, k, data, 1, sig, 16, &e), JWT_ERR_SIGNATURE);
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS256, k, data, 1, sig, 0, &e), JWT_ERR_SIGNATURE);
    /* a 32-byte secret is bound to HS256 only */
    ck_assert_code(jwt_sign_raw(tp, JWT_ALG_HS384, k, data, 1, &sig, &sig_len, &e), JWT_ERR_KEY_USAGE);
    ck_assert_code(jwt_verify_raw(JWT_ALG_HS512, k, data, 1, sig, 32, &e), JWT_ERR_KEY_USAGE);
}
END_TEST

/* The seed article's example token: it decodes, its signature is a genuine HMAC-SHA256
 * with the key "secret", and it is still refused, because a 6-byte key is below the
 * 32 bytes HS256 requires (RFC 7518 3.2) -- and the refusal says so. */
START_TEST(test_seed_article_token)
{
    const char *tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpva"
                      "G4gRG9lIiwiYWRtaW4iOnRydWV9.TJVA95OrM7E2cBab30RMHrHDcEfxjoYZgeFONFh7HgQ";
    jwt_token_t *t = parse_ok(tok);
    ck_assert_int_eq(t->alg, JWT_ALG_HS256);
    ck_assert_str_eq(t->typ, "JWT");
    ck_assert_str_eq(t->payload_json, "{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"admin\":true}");
    unsigned char mac[32];
    unsigned int maclen = 0;
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), "secret", 6, (const unsigned char *)t->compact, t->signing_input_len,
                               mac, &maclen));
    ck_assert_uint_eq(maclen, t->sig_len);
    ck_assert_mem_eq(mac, t->sig, 32);
    jwt_key_t *k = NULL;
    jwt_err_t e;
    ck_assert_code(jwt_key_from_secret(tp, (const unsigned char *)"secret", 6, NULL, "seed", &k, &e),
                   JWT_ERR_KEY_WEAK);
    ck_assert_msg(strstr(e.message, "6 bytes") && strstr(e.message, "32 bytes"), "%s", e.message);
    ck_assert_ptr_null(strstr(e.message, "secret\""));
}
END_TEST

Suite *suite_jws(void)
{
    Suite *s = suite_create("jws");
    TCase *tc = tcase_create("jws");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_roundtrip_asymmetric, 0, (int)(sizeof(asym_cases) / sizeof(asym_cases[0])));
    tcase_add_test(tc, test_roundtrip_hmac);
    tcase_add_test(tc, test_ed25519_deterministic);
    tcase_add_test(tc, test_sign_header_shape);
    tcase_add_test(tc, test_parse_shape);
    tcase_add_test(tc, test_parse_length_cap);
    tcase_add_test(tc, test_parse_header_memo);
    tcase_add_test(tc, test_header_memo_limits);
    tcase_add_test(tc, test_parse_json);
    tcase_add_test(tc, test_parse_payload_any);
    tcase_add_test(tc, test_alg_none_spellings);
    tcase_add_test(tc, test_header_members);
    tcase_add_test(tc, test_crit_and_b64);
    tcase_add_test(tc, test_alg_not_allowed);
    tcase_add_test(tc, test_unknown_kid_vs_no_key);
    tcase_add_test(tc, test_no_kid_tries_each_key);
    tcase_add_test(tc, test_verify_only_keys);
    tcase_add_test(tc, test_issuer_bound_keys);
    tcase_add_test(tc, test_key_confusion_rsa_pem_as_hmac_secret);
    tcase_add_test(tc, test_wrong_key_type_for_alg);
    tcase_add_test(tc, test_ecdsa_der_refused);
    tcase_add_loop_test(tc, test_ecdsa_der_shapes, 0, 3);
    tcase_add_loop_test(tc, test_ecdsa_range, 0, 3);
    tcase_add_test(tc, test_rsa_pss_params);
    tcase_add_test(tc, test_hmac_lengths);
    tcase_add_test(tc, test_seed_article_token);
    suite_add_tcase(s, tc);
    return s;
}
