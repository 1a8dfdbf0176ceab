/* Unit tests of the admin CGI's parsing and rendering (Check): form decoding and limits,
 * POST body reading, HTML escaping, CSRF tokens and the origin check, rule evaluation,
 * relative times, and pages rendered from a context (escaping of hostile token content). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <check.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include "jwt_b64.h"
#include "jwt_json.h"
#include "jwt_jws.h"
#include "jwt_secrets.h"
#include "cgi_csrf.h"
#include "cgi_form.h"
#include "cgi_html.h"
#include "cgi_rules.h"
#include "cgi_keys.h"
#include "jwt_fetch.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "admin.h"

static apr_pool_t *tp;
static void setup(void) { apr_pool_create(&tp, NULL); }
static void teardown(void) { apr_pool_destroy(tp); tp = NULL; }

/* ---------- form decoding ---------- */

START_TEST(decode_plain_plus_and_percent)
{
    form_error_t fe = { 0 };
    ck_assert_str_eq(form_decode(tp, "a+b%20c%2B%3D%26", 16, "x", &fe), "a b c+=&");
    ck_assert_str_eq(form_decode(tp, "%C3%A9t%C3%A9", 13, "x", &fe), "\xc3\xa9t\xc3\xa9");
    ck_assert_str_eq(form_decode(tp, "line1%0D%0Aline2%09", 19, "x", &fe), "line1\r\nline2\t");
    ck_assert_str_eq(form_decode(tp, "", 0, "x", &fe), "");
}
END_TEST

static const struct { const char *in; const char *msg; } bad_decodes[] = {
    { "%", "bad percent-encoding in field t" },
    { "%4", "bad percent-encoding in field t" },
    { "abc%", "bad percent-encoding in field t" },
    { "%zz", "bad percent-encoding in field t" },
    { "%4g", "bad percent-encoding in field t" },
    { "%%41", "bad percent-encoding in field t" },
    { "%00", "control character in field t" },
    { "%1b", "control character in field t" },
    { "%7F", "control character in field t" },
    { "a b", "unencoded control or space character in field t" },
    { "a\nb", "unencoded control or space character in field t" },
    { "%C3", "invalid UTF-8 in field t" },
    { "%C0%AF", "invalid UTF-8 in field t" },        /* overlong '/' */
    { "%ED%A0%80", "invalid UTF-8 in field t" },     /* surrogate */
    { "%F4%90%80%80", "invalid UTF-8 in field t" },  /* above U+10FFFF */
    { "%FF", "invalid UTF-8 in field t" },
};

START_TEST(decode_refuses)
{
    form_error_t fe = { 0 };
    const char *in = bad_decodes[_i].in;
    ck_assert_ptr_null(form_decode(tp, in, strlen(in), "field t", &fe));
    ck_assert_int_eq(fe.status, 400);
    ck_assert_str_eq(fe.message, bad_decodes[_i].msg);
}
END_TEST

START_TEST(parse_fields)
{
    form_error_t fe;
    const char *q = "page=secrets&kid=k%2D1&empty=&flag&token=a.b.c";
    apr_table_t *t = form_parse(tp, q, strlen(q), &fe);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(fe.status, 0);
    ck_assert_str_eq(apr_table_get(t, "page"), "secrets");
    ck_assert_str_eq(apr_table_get(t, "kid"), "k-1");
    ck_assert_str_eq(apr_table_get(t, "empty"), "");
    ck_assert_str_eq(apr_table_get(t, "flag"), "");
    ck_assert_str_eq(apr_table_get(t, "token"), "a.b.c");
    ck_assert_int_eq(apr_table_elts(t)->nelts, 5);
    t = form_parse(tp, "", 0, &fe);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
}
END_TEST

static const struct { const char *in; int status; const char *msg; } bad_forms[] = {
    { "a=1&a=2", 400, "form field a given more than once" },
    { "a=1&&b=2", 400, "empty field in form data" },
    { "a=1&", 400, "empty field in form data" },
    { "&a=1", 400, "empty field in form data" },
    { "=1", 400, "form field without a name" },
    { "A=1", 400, "form field name must be [a-z0-9_]" },
    { "a-b=1", 400, "form field name must be [a-z0-9_]" },
    { "a%3D=1", 400, "form field name must be [a-z0-9_]" },
    { "a=%zz", 400, "bad percent-encoding in field a" },
    { "abcdefghijabcdefghijabcdefghijabc=1", 400, "form field name longer than 32 bytes" },
};

START_TEST(parse_refuses)
{
    form_error_t fe;
    const char *in = bad_forms[_i].in;
    ck_assert_ptr_null(form_parse(tp, in, strlen(in), &fe));
    ck_assert_int_eq(fe.status, bad_forms[_i].status);
    ck_assert_str_eq(fe.message, bad_forms[_i].msg);
}
END_TEST

START_TEST(parse_size_caps)
{
    form_error_t fe;
    /* one value of exactly FORM_MAX_VALUE bytes is fine; one more byte is 413 */
    char *v = apr_palloc(tp, FORM_MAX_VALUE + 8);
    memcpy(v, "t=", 2);
    memset(v + 2, 'x', FORM_MAX_VALUE);
    v[FORM_MAX_VALUE + 2] = '\0';
    ck_assert_ptr_nonnull(form_parse(tp, v, strlen(v), &fe));
    memset(v + 2, 'x', FORM_MAX_VALUE + 1);
    v[FORM_MAX_VALUE + 3] = '\0';
    ck_assert_ptr_null(form_parse(tp, v, strlen(v), &fe));
    ck_assert_int_eq(fe.status, 413);
    ck_assert_str_eq(fe.message, "form field t: value over 16384 bytes");

    /* the whole body */
    size_t big = FORM_MAX_BODY + 1;
    char *body = apr_palloc(tp, big + 1);
    memset(body, 'a', big);
    body[big] = '\0';
    ck_assert_ptr_null(form_parse(tp, body, big, &fe));
    ck_assert_int_eq(fe.status, 413);
    ck_assert_str_eq(fe.message, "form data over 65536 bytes");

    /* too many fields */
    char many[512] = "";
    for (int i = 0; i <= FORM_MAX_FIELDS; i++) {
        char f[16];
        snprintf(f, sizeof(f), "%sf%d=1", i ? "&" : "", i);
        strncat(many, f, sizeof(many) - strlen(many) - 1);
    }
    ck_assert_ptr_null(form_parse(tp, many, strlen(many), &fe));
    ck_assert_int_eq(fe.status, 400);
    ck_assert_str_eq(fe.message, "more than 32 form fields");
}
END_TEST

START_TEST(require_field)
{
    form_error_t fe = { 0 };
    apr_table_t *t = form_parse(tp, "a=1", 3, &fe);
    ck_assert_str_eq(form_require(t, "a", &fe), "1");
    ck_assert_ptr_null(form_require(t, "kid", &fe));
    ck_assert_int_eq(fe.status, 400);
    ck_assert_str_eq(fe.message, "form field kid missing");
}
END_TEST

/* form_read_post reads from a FILE: feed it through a memory stream */
static apr_table_t *post(const char *ct, const char *cl, const char *body, form_error_t *fe)
{
    FILE *in = fmemopen((void *)body, strlen(body) ? strlen(body) : 1, "r");
    ck_assert_ptr_nonnull(in);
    if (!*body) { fgetc(in); }   /* an empty stream */
    apr_table_t *t = form_read_post(tp, ct, cl, in, fe);
    fclose(in);
    return t;
}

START_TEST(post_body)
{
    form_error_t fe;
    apr_table_t *t = post("application/x-www-form-urlencoded", "9", "a=1&b=x%21", &fe);
    /* only CONTENT_LENGTH bytes are read: the trailing "1" of b's value is not */
    ck_assert_ptr_null(t);
    ck_assert_int_eq(fe.status, 400);
    ck_assert_str_eq(fe.message, "bad percent-encoding in field b");
    t = post("application/x-www-form-urlencoded; charset=UTF-8", "10", "a=1&b=x%21", &fe);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(apr_table_get(t, "b"), "x!");

    static const struct { const char *ct, *cl, *body; int status; const char *msg; } bad[] = {
        { "application/x-www-form-urlencoded", NULL, "a=1", 411, "POST without Content-Length" },
        { "application/x-www-form-urlencoded", "-3", "a=1", 400, "malformed Content-Length" },
        { "application/x-www-form-urlencoded", "3 ", "a=1", 400, "malformed Content-Length" },
        { "application/x-www-form-urlencoded", "0x3", "a=1", 400, "malformed Content-Length" },
        { "application/x-www-form-urlencoded", "65537", "a=1", 413, "request body over 65536 bytes" },
        { "application/x-www-form-urlencoded", "99999999999999999999", "a=1", 400, "malformed Content-Length" },
        { "multipart/form-data; boundary=x", "3", "a=1", 415, "request body must be application/x-www-form-urlencoded" },
        { "application/x-www-form-urlencodedX", "3", "a=1", 415, "request body must be application/x-www-form-urlencoded" },
        { NULL, "3", "a=1", 415, "request body must be application/x-www-form-urlencoded" },
        { "application/x-www-form-urlencoded", "10", "a=1", 400, "request body shorter than Content-Length" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = post(bad[i].ct, bad[i].cl, bad[i].body, &fe);
        ck_assert_msg(t == NULL, "case %zu accepted", i);
        ck_assert_int_eq(fe.status, bad[i].status);
        ck_assert_str_eq(fe.message, bad[i].msg);
    }
}
END_TEST

/* ---------- HTML escaping ---------- */

START_TEST(escape_html)
{
    ck_assert_str_eq(html_escape(tp, "<script>alert('x')</script>"),
                     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    ck_assert_str_eq(html_escape(tp, "\"><img src=x onerror=alert(1)>"),
                     "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    ck_assert_str_eq(html_escape(tp, "a&b"), "a&amp;b");
    ck_assert_str_eq(html_escape(tp, NULL), "");
    ck_assert_str_eq(html_escape(tp, "caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
    ck_assert_str_eq(html_escape(tp, "tab\tnl\ncr\r"), "tab\tnl\ncr\r");
    ck_assert_str_eq(html_escape(tp, "bell\x07" "esc\x1b" "del\x7f"), "bell\\x07esc\\x1Bdel\\x7F");
    ck_assert_str_eq(html_escape(tp, "bad\xff\xc3("), "bad\\xFF\\xC3(");
    ck_assert_str_eq(html_escape_len(tp, "a\0b", 3), "a\\x00b");
}
END_TEST

START_TEST(page_buffer)
{
    page_t *pg = page_make(tp);
    page_markup(pg, "<p>");
    page_text(pg, "<b>");
    page_markupf(pg, "%d</p>", 42);
    size_t len = 0;
    ck_assert_str_eq(page_flatten(pg, &len), "<p>&lt;b&gt;42</p>");
    ck_assert_uint_eq(len, 18);
}
END_TEST

START_TEST(response_headers)
{
    response_t *r = response_make(tp);
    r->status = 409;
    page_markup(r->body, "body");
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    response_write(r, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "Status: 409 Conflict\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nContent-Security-Policy: default-src 'self'; script-src 'self';"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nX-Frame-Options: DENY\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nCache-Control: no-store\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nX-Content-Type-Options: nosniff\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nContent-Length: 4\r\n\r\nbody"));
    free(buf);
}
END_TEST

/* ---------- CSRF ---------- */

START_TEST(csrf_tokens)
{
    unsigned char k1[CSRF_KEY_LEN], k2[CSRF_KEY_LEN];
    memset(k1, 1, sizeof(k1));
    memset(k2, 2, sizeof(k2));
    const int64_t now = 1800000000, life = CSRF_LIFETIME_DEFAULT;
    const char *s1 = "session-one", *s2 = "session-two";
    const char *alice = csrf_token(tp, k1, "alice", s1, now);
    ck_assert_ptr_nonnull(alice);
    ck_assert_uint_eq(strlen(alice), 10 + 1 + 43);   /* ISSUED "." 32 bytes base64url */
    ck_assert_str_eq(alice, csrf_token(tp, k1, "alice", s1, now));
    ck_assert_str_ne(alice, csrf_token(tp, k1, "bob", s1, now));
    ck_assert_str_ne(alice, csrf_token(tp, k2, "alice", s1, now));
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, alice, now, life), CSRF_VALID);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "bob", s1, alice, now, life), CSRF_INVALID);
    ck_assert_int_eq(csrf_token_valid(tp, k2, "alice", s1, alice, now, life), CSRF_INVALID);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", NULL, alice, now, life), CSRF_INVALID);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, NULL, now, life), CSRF_INVALID);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, "", now, life), CSRF_INVALID);
    char *cut = apr_pstrndup(tp, alice, strlen(alice) - 1);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, cut, now, life), CSRF_INVALID);
    char *flip = apr_pstrdup(tp, alice);
    flip[20] = flip[20] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, flip, now, life), CSRF_INVALID);
    /* bound to the session's token: another login's page is refused */
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s2, alice, now, life), CSRF_INVALID);
    /* the issue time is under the MAC: changing it breaks the token */
    char *older = apr_pstrdup(tp, alice);
    older[9] = older[9] == '0' ? '1' : '0';
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, older, now, life), CSRF_INVALID);
    /* it expires: valid up to lifetime, then expired; not from the future */
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, alice, now + life, life), CSRF_VALID);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, alice, now + life + 1, life), CSRF_EXPIRED);
    ck_assert_int_eq(csrf_token_valid(tp, k1, "alice", s1, alice, now - 61, life), CSRF_EXPIRED);
    /* sessions: claim values kept apart, none at all is "" */
    const char *a[] = { "ab", "c" }, *b[] = { "a", "bc" }, *none[] = { NULL, "" };
    ck_assert_str_ne(csrf_session(tp, a, 2), csrf_session(tp, b, 2));
    ck_assert_str_eq(csrf_session(tp, a, 2), csrf_session(tp, a, 2));
    ck_assert_str_eq(csrf_session(tp, none, 2), "");
}
END_TEST

START_TEST(csrf_key_file)
{
    char dir[] = "/tmp/jwt-cgi-test.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *path = apr_pstrcat(tp, dir, "/key", NULL);
    unsigned char a[CSRF_KEY_LEN], b[CSRF_KEY_LEN];
    const char *why = NULL;
    ck_assert_int_eq(csrf_key_load(tp, path, a, &why), 1);   /* created */
    ck_assert_int_eq(csrf_key_load(tp, path, b, &why), 1);   /* read back */
    ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, CSRF_KEY_LEN);
    unlink(path);
    /* a truncated key file is refused, not used */
    FILE *f = fopen(path, "wb");
    fputs("short", f);
    fclose(f);
    ck_assert_int_eq(csrf_key_load(tp, path, a, &why), 0);
    ck_assert_str_eq(why, apr_psprintf(tp, "CSRF key %s is shorter than 32 bytes", path));
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(origin_check)
{
    const char *local = csrf_expected_origin(tp, NULL, "127.0.0.1:8080", 0);
    ck_assert_str_eq(local, "http://127.0.0.1:8080");
    ck_assert_str_eq(csrf_expected_origin(tp, NULL, "admin.example", 1), "https://admin.example");
    ck_assert_str_eq(csrf_expected_origin(tp, "https://proxy.example", "backend:8080", 0),
                     "https://proxy.example");
    ck_assert_ptr_null(csrf_expected_origin(tp, NULL, NULL, 0));
    ck_assert_ptr_null(csrf_expected_origin(tp, "", "", 0));

    ck_assert_ptr_null(csrf_origin_problem("http://127.0.0.1:8080", NULL, local));
    ck_assert_ptr_null(csrf_origin_problem("HTTP://127.0.0.1:8080", NULL, local));
    ck_assert_ptr_null(csrf_origin_problem(NULL, "http://127.0.0.1:8080/cgi-bin/x?page=secrets", local));
    ck_assert_ptr_null(csrf_origin_problem("", "http://127.0.0.1:8080", local));
    ck_assert_str_eq(csrf_origin_problem("http://evil.example", NULL, local),
                     "Origin header is not this site");
    ck_assert_str_eq(csrf_origin_problem("https://127.0.0.1:8080", NULL, local),
                     "Origin header is not this site");   /* scheme differs */
    ck_assert_str_eq(csrf_origin_problem("http://127.0.0.1:80800", NULL, local),
                     "Origin header is not this site");
    ck_assert_str_eq(csrf_origin_problem("null", NULL, local), "Origin header is not this site");
    ck_assert_str_eq(csrf_origin_problem(NULL, "http://127.0.0.1:8080.evil.example/", local),
                     "Referer header is not this site");
    ck_assert_str_eq(csrf_origin_problem(NULL, NULL, local),
                     "neither Origin nor Referer header present");
    ck_assert_str_eq(csrf_origin_problem("http://127.0.0.1:8080", NULL, NULL),
                     "no Host header to compare the origin with");
}
END_TEST

/* ---------- rules and times ---------- */

START_TEST(rules)
{
    json_object *pl = NULL;
    const char *js = "{\"sub\":\"alice\",\"role\":\"ops\",\"groups\":[\"dev\",\"admin\"],"
                     "\"realm\":{\"roles\":[\"x\"]},\"level\":3,\"scope\":\"read write\","
                     "\"scp\":[\"extra\"]}";
    ck_assert_int_eq(jwt_json_parse_object(tp, js, strlen(js), NULL, &pl, NULL), JWT_OK);
    const char *why = NULL;
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim role=admin role=ops", pl, &why), RULE_GRANTED);
    ck_assert_str_eq(why, "role=ops matches");
    ck_assert_int_eq(rule_evaluate(tp, "Require jwt-claim role=admin", pl, &why), RULE_DENIED);
    ck_assert_str_eq(why, "no argument matches the token's claims");
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim groups=admin", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim realm.roles=x", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim level=3", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim-array groups=admin", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim-array role=ops", pl, &why), RULE_DENIED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-scope write", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-scope extra", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-scope wri", pl, &why), RULE_DENIED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim", pl, &why), RULE_INVALID);
    ck_assert_str_eq(why, "Require jwt-claim needs at least one NAME=VALUE or NAME~REGEX argument");
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim role", pl, &why), RULE_INVALID);
    ck_assert_str_eq(why, "Require jwt-claim: 'role' is not NAME=VALUE or NAME~REGEX");
    /* regexes are evaluated (issue 21), unanchored unless written with ^ and $ */
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim role~^o", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim role~p", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim role~^p$", pl, &why), RULE_DENIED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim-array groups~^adm", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim \"role~([a-z\"", pl, &why), RULE_INVALID);
    ck_assert_int_eq(rule_evaluate(tp, "jwt-claim level~^\\d$", pl, &why), RULE_INVALID);
    /* scope: a string or an array, in scope or scp */
    ck_assert_int_eq(rule_evaluate(tp, "jwt-scope read", pl, &why), RULE_GRANTED);
    ck_assert_int_eq(rule_evaluate(tp, "valid-user", pl, &why), RULE_INVALID);
}
END_TEST

START_TEST(relative_times)
{
    ck_assert_str_eq(relative_time(tp, 1000, 1000), "now");
    ck_assert_str_eq(relative_time(tp, 1030, 1000), "in 30 s");
    ck_assert_str_eq(relative_time(tp, 1000 + 14 * 60 + 5, 1000), "in 14 min");
    ck_assert_str_eq(relative_time(tp, 1000, 1000 + 3 * 3600 + 10), "3 h ago");
    ck_assert_str_eq(relative_time(tp, 1000, 1000 + 5 * 86400), "5 days ago");
}
END_TEST

/* ---------- pages rendered from a context ---------- */

static char dir[64];

static admin_ctx_t *make_ctx(void)
{
    admin_ctx_t *c = apr_pcalloc(tp, sizeof(*c));
    c->p = tp;
    c->user = "alice<b>";
    c->script = "/cgi-bin/jwt-admin.cgi";
    c->assets = "/jwt-admin";
    c->csrf = "CSRF";
    c->now = 1800000000;
    c->leeway = 60;
    c->secrets_mode = 0640;
    c->resp = response_make(tp);
    c->form = apr_table_make(tp, 4);
    snprintf(dir, sizeof(dir), "/tmp/jwt-cgi-page.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    c->secrets_path = apr_pstrcat(tp, dir, "/secrets.jwks", NULL);
    return c;
}

static void cleanup_ctx(admin_ctx_t *c)
{
    unlink(c->secrets_path);
    unlink(apr_pstrcat(tp, c->secrets_path, ".lock", NULL));
    rmdir(dir);
}

static const char *body_of(admin_ctx_t *c) { return page_flatten(c->resp->body, NULL); }

static const char *hostile_token(void)
{
    /* header with jku, payload with markup in claims; signature bytes arbitrary */
    const char *h = "{\"alg\":\"HS256\",\"jku\":\"https://evil.example/<x>\"}";
    const char *pl = "{\"sub\":\"<script>alert(1)</script>\",\"name\":\"\\\"><img src=x onerror=alert(1)>\","
                     "\"exp\":1799996400}";
    return apr_pstrcat(tp, jwt_b64url_encode(tp, (const unsigned char *)h, strlen(h)), ".",
                       jwt_b64url_encode(tp, (const unsigned char *)pl, strlen(pl)), ".c2ln", NULL);
}

START_TEST(inspect_escapes_hostile_claims)
{
    admin_ctx_t *c = make_ctx();
    c->is_post = 1;
    apr_table_set(c->form, "token", hostile_token());
    apr_table_set(c->form, "rules", "jwt-claim sub=<script>");
    page_inspect(c);
    const char *b = body_of(c);
    ck_assert_int_eq(c->resp->status, 200);
    ck_assert_ptr_null(strstr(b, "<script>alert"));
    ck_assert_ptr_null(strstr(b, "<img"));
    ck_assert_ptr_null(strstr(b, "<x>"));
    ck_assert_ptr_null(strstr(b, "<b>"));
    ck_assert_ptr_nonnull(strstr(b, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(b, "\\&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    ck_assert_ptr_nonnull(strstr(b, "alice&lt;b&gt;"));
    /* expired one hour ago: both forms of the time, and the failing check with its reason */
    ck_assert_ptr_nonnull(strstr(b, "2027-01-15T07:00:00Z"));
    ck_assert_ptr_nonnull(strstr(b, "expired 1 h ago"));
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"fail\" data-check=\"signature\">"));
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"fail\" data-check=\"exp\">"));
    ck_assert_ptr_nonnull(strstr(b, "header member &quot;jku&quot;"));
    ck_assert_ptr_nonnull(strstr(b, "id=\"verdict\">The module would refuse this token"));
    cleanup_ctx(c);
}
END_TEST

static jwt_code_t add_k1(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    return jwt_secrets_generate(p, s, "k1", JWT_ALG_HS256, JWT_SECRET_ACTIVE, 1700000000, NULL, err);
}

/* A token signed by the secrets file's k1, valid for another 10 minutes at c->now. */
static const char *token_from_k1(admin_ctx_t *c, const char *claims_extra)
{
    jwt_err_t err;
    jwt_secrets_t *s = NULL;
    ck_assert_int_eq(jwt_secrets_update(tp, c->secrets_path, "", 0600, add_k1, NULL, NULL, &err), JWT_OK);
    ck_assert_int_eq(jwt_secrets_load(tp, c->secrets_path, &s, &err), JWT_OK);
    jwt_key_t *key = NULL;
    ck_assert_int_eq(jwt_secrets_active_key(tp, s, c->secrets_path, &key, &err), JWT_OK);
    const char *js = apr_psprintf(tp, "{\"sub\":\"alice\",\"iat\":%d,\"exp\":%d%s}",
                                  1800000000 - 60, 1800000000 + 600, claims_extra);
    json_object *pl = NULL;
    ck_assert_int_eq(jwt_json_parse_object(tp, js, strlen(js), NULL, &pl, &err), JWT_OK);
    char *tok = NULL;
    ck_assert_int_eq(jwt_sign_compact(tp, JWT_ALG_HS256, key, NULL, pl, &tok, &err), JWT_OK);
    return tok;
}

START_TEST(inspect_valid_token_passes)
{
    admin_ctx_t *c = make_ctx();
    c->is_post = 1;
    apr_table_set(c->form, "token", apr_pstrcat(tp, "  Bearer ", token_from_k1(c, ",\"role\":\"ops\""), "\n", NULL));
    apr_table_set(c->form, "rules", "jwt-claim role=admin\njwt-claim role=ops");
    page_inspect(c);
    const char *b = body_of(c);
    ck_assert_ptr_nonnull(strstr(b, "id=\"verdict\">The module would accept this token."));
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"pass\" data-check=\"signature\"><td>signature</td>"
                                    "<td class=\"state\">pass</td><td>verified with kid=k1"));
    ck_assert_ptr_nonnull(strstr(b, "expires in 10 min"));
    ck_assert_ptr_nonnull(strstr(b, "issued 1 min ago"));
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"denied\"><td><code>jwt-claim role=admin</code>"));
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"granted\"><td><code>jwt-claim role=ops</code>"));
    ck_assert_ptr_nonnull(strstr(b, "HMAC algorithm"));
    /* with an issuer expected, the same token fails only iss */
    c->resp = response_make(tp);
    apr_table_set(c->form, "iss", "https://idp.example/");
    page_inspect(c);
    b = body_of(c);
    ck_assert_ptr_nonnull(strstr(b, "<tr class=\"fail\" data-check=\"iss\"><td>iss</td><td class=\"state\">fail</td>"
                                    "<td>claim_missing:"));
    ck_assert_ptr_nonnull(strstr(b, "(1 failed check)"));
    cleanup_ctx(c);
}
END_TEST

static const char *current_version(admin_ctx_t *c)
{
    jwt_secrets_t *s = NULL;
    ck_assert_int_eq(jwt_secrets_load(tp, c->secrets_path, &s, NULL), JWT_OK);
    return s->version;
}

static void post_secrets(admin_ctx_t *c, const char *action, const char *kid, const char *version,
                         const char *confirm)
{
    c->is_post = 1;
    c->resp = response_make(tp);
    c->form = apr_table_make(tp, 4);
    apr_table_set(c->form, "action", action);
    if (kid) apr_table_set(c->form, "kid", kid);
    if (version) apr_table_set(c->form, "version", version);
    if (confirm) apr_table_set(c->form, "confirm", confirm);
    apr_table_set(c->form, "alg", "HS384");
    apr_table_set(c->form, "status", "active");
    page_secrets(c);
}

START_TEST(secrets_page_actions)
{
    admin_ctx_t *c = make_ctx();
    post_secrets(c, "create", "first", "", NULL);
    ck_assert_int_eq(c->resp->status, 200);
    const char *b = body_of(c);
    ck_assert_ptr_nonnull(strstr(b, "<code id=\"new-secret\">"));
    ck_assert_ptr_nonnull(strstr(b, "<tr data-kid=\"first\" class=\"status-active\">"));
    /* the secret appears exactly once in that answer, and never again */
    jwt_secrets_t *s = NULL;
    ck_assert_int_eq(jwt_secrets_load(tp, c->secrets_path, &s, NULL), JWT_OK);
    const jwt_secret_t *first = jwt_secrets_find(s, "first");
    ck_assert_uint_eq(first->k_len, 48);
    const char *k64 = jwt_b64url_encode(tp, first->k, first->k_len);
    const char *at = strstr(b, k64);
    ck_assert_ptr_nonnull(at);
    ck_assert_ptr_null(strstr(at + 1, k64));
    ck_assert_ptr_nonnull(strstr(b, jwt_secret_fingerprint(tp, first)));

    /* a stale version: 409, nothing changed */
    post_secrets(c, "create", "second", "", NULL);
    ck_assert_int_eq(c->resp->status, 409);
    ck_assert_ptr_null(strstr(body_of(c), "id=\"new-secret\""));
    ck_assert_ptr_nonnull(strstr(body_of(c), "changed by someone else"));

    /* rotate: a new active key, first becomes verify-only */
    post_secrets(c, "rotate", NULL, current_version(c), NULL);
    ck_assert_int_eq(c->resp->status, 200);
    ck_assert_ptr_nonnull(strstr(body_of(c), "<tr data-kid=\"first\" class=\"status-verify\">"));
    ck_assert_ptr_nonnull(strstr(body_of(c), "now verify-only: first"));

    post_secrets(c, "retire", "first", current_version(c), NULL);
    ck_assert_int_eq(c->resp->status, 200);
    ck_assert_ptr_nonnull(strstr(body_of(c), "<tr data-kid=\"first\" class=\"status-retired\">"));

    /* delete asks first, and changes nothing until confirmed */
    const char *v = current_version(c);
    post_secrets(c, "delete", "first", v, NULL);
    ck_assert_int_eq(c->resp->status, 200);
    ck_assert_ptr_nonnull(strstr(body_of(c), "id=\"confirm-question\""));
    ck_assert_str_eq(current_version(c), v);
    post_secrets(c, "delete", "first", v, "yes");
    ck_assert_int_eq(c->resp->status, 200);
    ck_assert_ptr_null(strstr(body_of(c), "data-kid=\"first\""));

    post_secrets(c, "delete", "nope", current_version(c), "yes");
    ck_assert_int_eq(c->resp->status, 400);
    ck_assert_ptr_nonnull(strstr(body_of(c), "Nothing changed: no secret with kid nope"));
    post_secrets(c, "create", "bad kid<", current_version(c), NULL);
    ck_assert_int_eq(c->resp->status, 400);
    ck_assert_ptr_null(strstr(body_of(c), "bad kid<"));
    post_secrets(c, "explode", "x", current_version(c), NULL);
    ck_assert_int_eq(c->resp->status, 400);
    ck_assert_ptr_nonnull(strstr(body_of(c), "unknown or missing action"));
    post_secrets(c, "retire", "x", NULL, NULL);
    ck_assert_int_eq(c->resp->status, 400);
    ck_assert_ptr_nonnull(strstr(body_of(c), "form field version missing"));
    cleanup_ctx(c);
}
END_TEST

START_TEST(mint_page)
{
    admin_ctx_t *c = make_ctx();
    token_from_k1(c, "");
    c->is_post = 1;
    apr_table_set(c->form, "kid", "k1");
    apr_table_set(c->form, "claims", "{\"sub\":\"<bob>\"}");
    apr_table_set(c->form, "lifetime", "600");
    page_mint(c);
    ck_assert_int_eq(c->resp->status, 200);
    const char *b = body_of(c);
    const char *start = strstr(b, "<textarea id=\"minted\" readonly rows=\"4\" spellcheck=\"false\">");
    ck_assert_ptr_nonnull(start);
    start = strchr(start, '>') + 1;
    const char *end = strstr(start, "</textarea>");
    /* the minted token verifies with k1 and carries exp = now + 600 */
    jwt_token_t *t = NULL;
    ck_assert_int_eq(jwt_token_parse(tp, start, (size_t)(end - start), NULL, &t, NULL), JWT_OK);
    ck_assert_str_eq(t->kid, "k1");
    json_object *exp = NULL;
    ck_assert(json_object_object_get_ex(t->payload, "exp", &exp));
    ck_assert_int_eq(json_object_get_int64(exp), 1800000600);

    static const struct { const char *claims, *lifetime, *kid, *msg; } bad[] = {
        { "{\"a\":1,\"a\":2}", "600", "k1", "claims: " },
        { "[1]", "600", "k1", "claims: " },
        { "{}", "0", "k1", "lifetime must be a whole number of seconds, 1..2592000" },
        { "{}", "-5", "k1", "lifetime must be a whole number of seconds, 1..2592000" },
        { "{}", "2592001", "k1", "lifetime must be a whole number of seconds, 1..2592000" },
        { "{}", "600", "zz", "choose a secret that is active or verify-only" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c->resp = response_make(tp);
        apr_table_set(c->form, "claims", bad[i].claims);
        apr_table_set(c->form, "lifetime", bad[i].lifetime);
        apr_table_set(c->form, "kid", bad[i].kid);
        page_mint(c);
        ck_assert_int_eq(c->resp->status, 400);
        ck_assert_msg(strstr(body_of(c), apr_pstrcat(tp, "id=\"notice\">", bad[i].msg, NULL)) != NULL,
                      "case %zu: message %s not found", i, bad[i].msg);
        ck_assert_ptr_null(strstr(body_of(c), "id=\"minted\""));
    }
    cleanup_ctx(c);
}
END_TEST

START_TEST(unknown_page_and_missing_secrets_file)
{
    admin_ctx_t *c = make_ctx();
    c->secrets_path = NULL;
    page_secrets(c);
    ck_assert_int_eq(c->resp->status, 500);
    ck_assert_ptr_nonnull(strstr(body_of(c), "JWT_ADMIN_SECRETS_FILE is not set"));
    rmdir(dir);
}
END_TEST

/* An EC P-256 public key written as PEM, for the key-source tests. */
static const char *write_ec_pem(const char *path)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ck_assert_ptr_nonnull(pk);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(PEM_write_PUBKEY(f, pk), 1);
    fclose(f);
    EVP_PKEY_free(pk);
    return path;
}

START_TEST(key_sources)
{
    admin_ctx_t *c = make_ctx();
    const char *pem = write_ec_pem(apr_pstrcat(tp, dir, "/ec.pem", NULL));
    apr_array_header_t *src = NULL;

    /* a kid-less key is named by its RFC 7638 thumbprint, like the module does */
    c->keys = pem;
    c->secrets_path = NULL;
    jwt_keyring_t *ring = admin_keyring(c, &src);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    const jwt_key_t *k = APR_ARRAY_IDX(ring->keys, 0, const jwt_key_t *);
    ck_assert_ptr_nonnull(k->kid);
    ck_assert_uint_eq(strlen(k->kid), 43);
    ck_assert_int_eq(APR_ARRAY_IDX(src, 0, key_source_t).ok, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(src, 0, key_source_t).detail, "1 key");

    /* kid= names the key of the word before it; failures are reported, not fatal */
    c->keys = apr_pstrcat(tp, "kid=stray ", pem, " kid=idp /nonexistent/key.pem "
                          "http://127.0.0.1:1/jwks.json", NULL);
    ring = admin_keyring(c, &src);
    ck_assert_int_eq(jwt_keyring_count(ring), 1);
    ck_assert_ptr_nonnull(jwt_keyring_find_kid(ring, "idp"));
    ck_assert_int_eq(src->nelts, 4);
    key_source_t *s0 = &APR_ARRAY_IDX(src, 0, key_source_t);
    ck_assert_int_eq(s0->ok, 0);
    ck_assert_str_eq(s0->detail, "kid= must follow a key file");
    ck_assert_int_eq(APR_ARRAY_IDX(src, 1, key_source_t).ok, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(src, 2, key_source_t).ok, 0);
    ck_assert_str_eq(APR_ARRAY_IDX(src, 2, key_source_t).source, "/nonexistent/key.pem");
    /* the reason outlives the load (it was a pointer into a jwt_err_t gone with its frame) */
    const char *why = APR_ARRAY_IDX(src, 2, key_source_t).detail;
    ck_assert_msg(strncmp(why, "cannot open key file /nonexistent/key.pem: ", 43) == 0, "%s", why);
    key_source_t *s3 = &APR_ARRAY_IDX(src, 3, key_source_t);
    ck_assert_int_eq(s3->ok, 0);
    ck_assert_msg(strncmp(s3->detail, "not checked here: ", 18) == 0, "%s", s3->detail);
    unlink(pem);
    rmdir(dir);
}
END_TEST

static Suite *cgi_suite(void)
{
    Suite *s = suite_create("cgi");
    TCase *tc = tcase_create("form");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, decode_plain_plus_and_percent);
    tcase_add_loop_test(tc, decode_refuses, 0, (int)(sizeof(bad_decodes) / sizeof(bad_decodes[0])));
    tcase_add_test(tc, parse_fields);
    tcase_add_loop_test(tc, parse_refuses, 0, (int)(sizeof(bad_forms) / sizeof(bad_forms[0])));
    tcase_add_test(tc, parse_size_caps);
    tcase_add_test(tc, require_field);
    tcase_add_test(tc, post_body);
    suite_add_tcase(s, tc);

    tc = tcase_create("html");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, escape_html);
    tcase_add_test(tc, page_buffer);
    tcase_add_test(tc, response_headers);
    suite_add_tcase(s, tc);

    tc = tcase_create("csrf");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csrf_tokens);
    tcase_add_test(tc, csrf_key_file);
    tcase_add_test(tc, origin_check);
    suite_add_tcase(s, tc);

    tc = tcase_create("pages");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rules);
    tcase_add_test(tc, relative_times);
    tcase_add_test(tc, inspect_escapes_hostile_claims);
    tcase_add_test(tc, inspect_valid_token_passes);
    tcase_add_test(tc, secrets_page_actions);
    tcase_add_test(tc, mint_page);
    tcase_add_test(tc, key_sources);
    tcase_add_test(tc, unknown_page_and_missing_secrets_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    apr_initialize();
    jwt_fetch_global_init(NULL);
    SRunner *sr = srunner_create(cgi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
