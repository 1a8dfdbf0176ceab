/* JWE core, hostile input: each attack class is refused with its exact error code.
 * Tokens are made by our encrypter (independent evidence comes from the RFC, Wycheproof and
 * interop tests) and then edited segment by segment, so each test changes one thing. */
#include <string.h>
#include <json-c/json.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_jwe.h"
#include "jwt_b64.h"
#include "jwt_json.h"

typedef struct {
    char *seg[5];
} parts_t;

static jwt_jwe_key_t *load(const char *rel, int allow_public)
{
    jwt_jwe_keyring_t *r = jwt_jwe_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(jwt_jwe_keys_from_file(r, tu_path(rel), NULL, allow_public, NULL, &e), JWT_OK);
    return APR_ARRAY_IDX(r->keys, 0, jwt_jwe_key_t *);
}

static jwt_jwe_key_t *secret(size_t len, const char *kid)
{
    unsigned char b[64];
    jwt_jwe_key_t *k;
    jwt_err_t e;
    memset(b, 0x5a, sizeof(b));
    ck_assert_code(jwt_jwe_key_from_secret(tp, b, len, kid, "test", &k, &e), JWT_OK);
    return k;
}

static jwt_jwe_keyring_t *ring1(jwt_jwe_key_t *k)
{
    jwt_jwe_keyring_t *r = jwt_jwe_keyring_make(tp);
    jwt_err_t e;
    ck_assert_code(jwt_jwe_keyring_add(r, k, &e), JWT_OK);
    return r;
}

static parts_t make(jwt_jwe_key_t *k, jwt_jwe_alg_t alg, jwt_jwe_enc_t enc)
{
    char *tok;
    jwt_err_t e;
    parts_t pt;
    ck_assert_code(jwt_jwe_encrypt(tp, (const unsigned char *)"{\"sub\":\"x\"}", 11, k, alg, enc,
                                   NULL, &tok, &e), JWT_OK);
    char *s = tok;
    for (int i = 0; i < 5; i++) {   /* by hand: the encrypted key may be empty */
        char *d = strchr(s, '.');
        if (d != NULL)
            *d = '\0';
        pt.seg[i] = s;
        s = d ? d + 1 : s + strlen(s);
    }
    return pt;
}

static const char *join(const parts_t *p)
{
    return apr_pstrcat(tp, p->seg[0], ".", p->seg[1], ".", p->seg[2], ".", p->seg[3], ".",
                       p->seg[4], NULL);
}

/* Re-encode segment i with its decoded bytes changed in length (delta > 0 appends zeros). */
static void resize(parts_t *p, int i, int delta)
{
    unsigned char *b, *nb;
    size_t n;
    jwt_err_t e;
    ck_assert_code(jwt_b64url_decode(tp, p->seg[i], strlen(p->seg[i]), &b, &n, &e), JWT_OK);
    size_t m = (size_t)((int)n + delta);
    nb = apr_pcalloc(tp, m + 1);
    memcpy(nb, b, delta < 0 ? m : n);
    p->seg[i] = jwt_b64url_encode(tp, nb, m);
}

static json_object *header_of(const parts_t *p)
{
    unsigned char *b;
    size_t n;
    jwt_err_t e;
    json_object *h;
    ck_assert_code(jwt_b64url_decode(tp, p->seg[0], strlen(p->seg[0]), &b, &n, &e), JWT_OK);
    ck_assert_code(jwt_json_parse_object(tp, (const char *)b, n, NULL, &h, &e), JWT_OK);
    return h;
}

static void set_header(parts_t *p, json_object *h)
{
    const char *s = jwt_json_to_string(tp, h);
    p->seg[0] = jwt_b64url_encode(tp, (const unsigned char *)s, strlen(s));
}

static void set_header_text(parts_t *p, const char *s)
{
    p->seg[0] = jwt_b64url_encode(tp, (const unsigned char *)s, strlen(s));
}

static jwt_code_t try(const char *tok, jwt_jwe_keyring_t *r, jwt_jwe_algset_t a,
                      jwt_jwe_encset_t en, jwt_err_t *e)
{
    jwt_jwe_t *j;
    return jwt_jwe_decrypt(tp, tok, strlen(tok), r, a, en, NULL, &j, e);
}

#define ALL JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL
#define REFUSED(tok, ring, want) do { \
        jwt_err_t e_; \
        jwt_code_t rc_ = try((tok), (ring), ALL, &e_); \
        ck_assert_msg(rc_ == (want), "got %s (%s), want %s", jwt_code_name(rc_), \
                      rc_ ? e_.message : "", jwt_code_name(want)); \
    } while (0)

START_TEST(tag_lengths)
{
    jwt_jwe_key_t *k = secret(16, NULL);
    jwt_jwe_keyring_t *r = ring1(k);
    /* the untouched token decrypts: the edits below are what is refused */
    parts_t p = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM);
    REFUSED(join(&p), r, JWT_OK);
    /* CVE-2023-37464 (cjose): a truncated GCM tag must not be checked as a prefix */
    for (int d = -15; d <= 1; d += 8) {
        parts_t q = p;
        resize(&q, 4, d == -15 ? -1 : d == -7 ? -12 : 1);
        REFUSED(join(&q), r, JWT_ERR_LENGTH);
    }
    parts_t c = make(k, JWT_JWE_A128KW, JWT_JWE_A128CBC_HS256);
    parts_t q = c;
    resize(&q, 4, -1);
    REFUSED(join(&q), r, JWT_ERR_LENGTH);
    q = c;
    resize(&q, 4, 16);      /* a full HMAC-SHA-256 output instead of its half */
    REFUSED(join(&q), r, JWT_ERR_LENGTH);
}
END_TEST

START_TEST(iv_and_cek_lengths)
{
    jwt_jwe_key_t *k = secret(16, NULL);
    jwt_jwe_keyring_t *r = ring1(k);
    parts_t p = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM), q = p;
    resize(&q, 2, 4);        /* 16-byte IV for GCM */
    REFUSED(join(&q), r, JWT_ERR_LENGTH);
    q = make(k, JWT_JWE_A128KW, JWT_JWE_A128CBC_HS256);
    resize(&q, 2, -4);       /* 12-byte IV for CBC */
    REFUSED(join(&q), r, JWT_ERR_LENGTH);
    /* A128KW-wrapped 16-byte CEK presented for A256GCM (needs 32): the wrapped length
     * says so before any unwrap */
    q = p;
    json_object *h = header_of(&q);
    json_object_object_add(h, "enc", json_object_new_string("A256GCM"));
    set_header(&q, h);
    REFUSED(join(&q), r, JWT_ERR_LENGTH);
    /* RSA-OAEP carrying a CEK of the wrong length: only visible after decryption, so it
     * continues with a random CEK and fails like a bad tag (RFC 7516 11.5) */
    jwt_jwe_key_t *rsa = load("fixtures/keys/rsa2048.pem", 0);
    q = make(rsa, JWT_JWE_RSA_OAEP_256, JWT_JWE_A128GCM);
    h = header_of(&q);
    json_object_object_add(h, "enc", json_object_new_string("A256GCM"));
    set_header(&q, h);
    jwt_err_t e;
    ck_assert_code(try(join(&q), ring1(rsa), ALL, &e), JWT_ERR_DECRYPT);
    ck_assert_ptr_nonnull(strstr(e.message, "random CEK"));
    /* a bad encrypted-key length for RSA (not the modulus size) */
    q = make(rsa, JWT_JWE_RSA_OAEP, JWT_JWE_A128GCM);
    resize(&q, 1, -1);
    REFUSED(join(&q), ring1(rsa), JWT_ERR_LENGTH);
    /* dir / ECDH-ES with a non-empty encrypted key */
    jwt_jwe_key_t *d = secret(16, NULL);
    q = make(d, JWT_JWE_DIR, JWT_JWE_A128GCM);
    REFUSED(join(&q), ring1(d), JWT_OK);
    q.seg[1] = "AAAA";
    REFUSED(join(&q), ring1(d), JWT_ERR_LENGTH);
}
END_TEST

START_TEST(tampering_fails_at_the_tag)
{
    jwt_jwe_key_t *k = secret(32, NULL);
    jwt_jwe_keyring_t *r = ring1(k);
    /* CBC-HS: the MAC is checked before any decryption, so a flipped ciphertext bit (which
     * would garble padding) is a tag failure, never a padding error */
    for (int enc = 0; enc < JWT_JWE_ENC__COUNT; enc++) {
        parts_t p = make(k, JWT_JWE_A256KW, (jwt_jwe_enc_t)enc), q = p;
        q.seg[3] = apr_pstrdup(tp, q.seg[3]);
        q.seg[3][0] = q.seg[3][0] == 'A' ? 'B' : 'A';
        REFUSED(join(&q), r, JWT_ERR_DECRYPT);
        q = p;            /* the header is authenticated too (AAD) */
        json_object *h = header_of(&q);
        json_object_object_add(h, "x", json_object_new_string("y"));
        set_header(&q, h);
        REFUSED(join(&q), r, JWT_ERR_DECRYPT);
    }
}
END_TEST

START_TEST(invalid_curve_epk)
{
    jwt_jwe_key_t *ec = load("fixtures/keys/ec256.pem", 0);
    jwt_jwe_keyring_t *r = ring1(ec);
    parts_t p = make(ec, JWT_JWE_ECDH_ES_A128KW, JWT_JWE_A128GCM), q = p;
    REFUSED(join(&p), r, JWT_OK);
    json_object *h = header_of(&q), *epk;
    ck_assert(json_object_object_get_ex(h, "epk", &epk));
    /* a point off P-256: y replaced by x */
    json_object *x;
    ck_assert(json_object_object_get_ex(epk, "x", &x));
    json_object_object_add(epk, "y", json_object_new_string(json_object_get_string(x)));
    set_header(&q, h);
    REFUSED(join(&q), r, JWT_ERR_KEY_INVALID);
    /* an epk on another curve than the key's: no key can take it */
    jwt_jwe_key_t *ec384 = load("fixtures/keys/ec384.pem", 0);
    parts_t o = make(ec384, JWT_JWE_ECDH_ES, JWT_JWE_A128GCM);
    REFUSED(join(&o), r, JWT_ERR_NO_KEY);
    /* an epk carrying a private part */
    q = p;
    h = header_of(&q);
    ck_assert(json_object_object_get_ex(h, "epk", &epk));
    json_object_object_add(epk, "d", json_object_new_string("AAAA"));
    set_header(&q, h);
    REFUSED(join(&q), r, JWT_ERR_KEY_INVALID);
    /* X25519 low-order point (all zero): the shared secret would be zero */
    jwt_jwe_key_t *xk = load("fixtures/jwe/x25519.pem", 0);
    q = make(xk, JWT_JWE_ECDH_ES, JWT_JWE_A128GCM);
    h = header_of(&q);
    ck_assert(json_object_object_get_ex(h, "epk", &epk));
    json_object_object_add(epk, "x", json_object_new_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    set_header(&q, h);
    REFUSED(join(&q), ring1(xk), JWT_ERR_KEY_INVALID);
    /* ECDH-ES without epk; epk where the alg does not use one */
    q = p;
    h = header_of(&q);
    json_object_object_del(h, "epk");
    set_header(&q, h);
    REFUSED(join(&q), r, JWT_ERR_HEADER);
    jwt_jwe_key_t *k = secret(16, NULL);
    q = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM);
    h = header_of(&q);
    json_object_object_add(h, "epk", json_object_get(epk));
    set_header(&q, h);
    REFUSED(join(&q), ring1(k), JWT_ERR_HEADER);
}
END_TEST

START_TEST(refused_algorithms_and_headers)
{
    jwt_jwe_key_t *k = secret(16, "k1");
    jwt_jwe_keyring_t *r = ring1(k);
    parts_t p = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM), q = p;
    static const struct { const char *hdr; jwt_code_t want; } cases[] = {
        { "{\"alg\":\"RSA1_5\",\"enc\":\"A128GCM\"}", JWT_ERR_ALG_REFUSED },
        { "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAA\",\"p2c\":100000000}", JWT_ERR_ALG_REFUSED },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"p2c\":1000}", JWT_ERR_HEADER },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"zip\":\"DEF\"}", JWT_ERR_ZIP },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"crit\":[\"exp\"],\"exp\":1}", JWT_ERR_CRIT },
        { "{\"alg\":\"RS256\"}", JWT_ERR_HEADER },                  /* a JWS header, five segments */
        { "{\"alg\":\"none\"}", JWT_ERR_HEADER },
        { "{\"alg\":\"none\",\"enc\":\"A128GCM\"}", JWT_ERR_ALG_NONE },
        { "{\"alg\":\"RS256\",\"enc\":\"A128GCM\"}", JWT_ERR_ALG_UNSUPPORTED },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128CBC\"}", JWT_ERR_ENC_UNSUPPORTED },
        { "{\"alg\":\"A128KW\"}", JWT_ERR_HEADER },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"kid\":7}", JWT_ERR_HEADER },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"kid\":\"other\"}", JWT_ERR_UNKNOWN_KID },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"alg\":\"dir\"}", JWT_ERR_JSON_DUPLICATE },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"iv\":\"AAAAAAAAAAAAAAAA\"}", JWT_ERR_HEADER },
        { "{\"alg\":\"A128GCMKW\",\"enc\":\"A128GCM\",\"iv\":\"AAAA\",\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA\"}", JWT_ERR_LENGTH },
        { "[1]", JWT_ERR_JSON },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        q = p;
        set_header_text(&q, cases[i].hdr);
        jwt_err_t e;
        jwt_code_t rc = try(join(&q), r, ALL, &e);
        ck_assert_msg(rc == cases[i].want, "%s: got %s (%s), want %s", cases[i].hdr,
                      jwt_code_name(rc), e.message, jwt_code_name(cases[i].want));
    }
}
END_TEST

START_TEST(allow_lists_and_keys)
{
    jwt_jwe_key_t *k = secret(16, NULL);
    jwt_jwe_keyring_t *r = ring1(k);
    parts_t p = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM);
    jwt_err_t e;
    ck_assert_code(try(join(&p), r, JWT_JWE_SET(JWT_JWE_A128KW), JWT_JWE_SET(JWT_JWE_A128GCM), &e), JWT_OK);
    ck_assert_code(try(join(&p), r, JWT_JWE_SET(JWT_JWE_A256KW), JWT_JWE_ENCSET_ALL, &e),
                   JWT_ERR_ALG_NOT_ALLOWED);
    ck_assert_code(try(join(&p), r, JWT_JWE_ALGSET_ALL, JWT_JWE_SET(JWT_JWE_A256GCM), &e),
                   JWT_ERR_ENC_NOT_ALLOWED);
    /* dir against an RSA private key, and against a public-only recipient key */
    jwt_jwe_key_t *d = secret(16, NULL);
    parts_t q = make(d, JWT_JWE_DIR, JWT_JWE_A128GCM);
    ck_assert_code(try(join(&q), ring1(load("fixtures/keys/rsa2048.pem", 0)), ALL, &e), JWT_ERR_NO_KEY);
    ck_assert_code(try(join(&q), ring1(load("fixtures/keys/rsa2048.pub.pem", 1)), ALL, &e), JWT_ERR_NO_KEY);
    /* an RSA-OAEP token where only a public key is configured: nothing can decrypt */
    jwt_jwe_key_t *pub = load("fixtures/keys/rsa2048.pub.pem", 1);
    q = make(pub, JWT_JWE_RSA_OAEP_256, JWT_JWE_A256GCM);
    ck_assert_code(try(join(&q), ring1(pub), ALL, &e), JWT_ERR_NO_KEY);
    ck_assert_code(try(join(&q), ring1(load("fixtures/keys/rsa2048.pem", 0)), ALL, &e), JWT_OK);
    /* an empty keyring */
    ck_assert_code(try(join(&p), jwt_jwe_keyring_make(tp), ALL, &e), JWT_ERR_NO_KEY);
}
END_TEST

START_TEST(shape_and_size)
{
    jwt_jwe_key_t *k = secret(16, NULL);
    jwt_jwe_keyring_t *r = ring1(k);
    parts_t p = make(k, JWT_JWE_A128KW, JWT_JWE_A128GCM);
    const char *tok = join(&p);
    jwt_err_t e;
    jwt_jwe_t *j;
    REFUSED(apr_pstrcat(tp, tok, ".x", NULL), r, JWT_ERR_MALFORMED);
    REFUSED(strrchr(tok, '.') ? apr_pstrndup(tp, tok, (size_t)(strrchr(tok, '.') - tok)) : tok, r, JWT_ERR_MALFORMED);
    REFUSED(apr_pstrcat(tp, ".", strchr(tok, '.'), NULL), r, JWT_ERR_MALFORMED);
    parts_t q = p;
    q.seg[3] = apr_pstrcat(tp, q.seg[3], "=", NULL);
    REFUSED(join(&q), r, JWT_ERR_BASE64);
    q = p;
    q.seg[2] = apr_pstrcat(tp, "+", q.seg[2] + 1, NULL);
    REFUSED(join(&q), r, JWT_ERR_BASE64);
    /* oversize: refused before any work, by the default and by a caller's cap */
    char *big = apr_palloc(tp, JWT_JWE_DEFAULT_MAX_LEN + 2);
    memset(big, 'A', JWT_JWE_DEFAULT_MAX_LEN + 1);
    big[JWT_JWE_DEFAULT_MAX_LEN + 1] = '\0';
    REFUSED(big, r, JWT_ERR_TOO_LARGE);
    jwt_jwe_opts_t o = { 100, { 0, 0 } };
    ck_assert_code(jwt_jwe_decrypt(tp, tok, strlen(tok), r, ALL, &o, &j, &e), JWT_ERR_TOO_LARGE);
}
END_TEST

Suite *suite_jwe_hostile(void)
{
    Suite *s = suite_create("jwe_hostile");
    TCase *tc = tcase_create("jwe_hostile");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tag_lengths);
    tcase_add_test(tc, iv_and_cek_lengths);
    tcase_add_test(tc, tampering_fails_at_the_tag);
    tcase_add_test(tc, invalid_curve_epk);
    tcase_add_test(tc, refused_algorithms_and_headers);
    tcase_add_test(tc, allow_lists_and_keys);
    tcase_add_test(tc, shape_and_size);
    suite_add_tcase(s, tc);
    return s;
}
