/* cgi_jwe.c -- the Inspect page's encrypted-token section (cgi_jwe.h). */
#include <string.h>
#include <apr_strings.h>
#include "jwt_b64.h"
#include "jwt_json.h"
#include "jwt_secrets.h"
#include "cgi_jwe.h"
#include "cgi_keys.h"

int admin_is_jwe(const char *tok, size_t len)
{
    int dots = 0;
    for (size_t i = 0; i < len; i++)
        dots += tok[i] == '.';
    return dots == 4;
}

static void source_row(admin_ctx_t *c, const char *source, int ok, const char *detail)
{
    page_t *b = c->resp->body;
    page_markupf(b, "<li class=\"%s\">", ok ? "pass" : "fail");
    page_text(b, source);
    page_markup(b, ": ");
    page_text(b, detail);
    page_markup(b, "</li>");
}

/* The decryption keyring: JWT_ADMIN_DECRYPTION_KEYS ("PATH [kid=ID] PATH ...") and the
 * secrets file's encryption keys. Each source gets a line in the list. */
static jwt_jwe_keyring_t *decryption_keys(admin_ctx_t *c)
{
    jwt_jwe_keyring_t *ring = jwt_jwe_keyring_make(c->p);
    page_t *b = c->resp->body;
    jwt_err_t err;
    int n;

    page_markup(b, "<ul class=\"sources\" id=\"jwe-keys\">");
    if (c->decryption_keys) {
        key_list_t it;
        const char *w, *kid;
        admin_key_list_start(c->p, c->decryption_keys, &it);
        while (admin_key_list_next(&it, &w, &kid)) {
            n = 0;
            jwt_err_clear(&err);
            if (strncmp(w, "kid=", 4) == 0)
                source_row(c, w, 0, "kid= must follow a key file");
            else if (jwt_jwe_keys_from_file(ring, w, kid, 0, &n, &err) != JWT_OK)
                source_row(c, w, 0, err.message);
            else
                source_row(c, w, 1, apr_psprintf(c->p, "%d decryption key%s", n, n == 1 ? "" : "s"));
        }
    }
    if (c->secrets_path) {
        jwt_secrets_t *s = NULL;
        const char *label = apr_pstrcat(c->p, "secrets:", c->secrets_path, NULL);
        n = 0;
        jwt_err_clear(&err);
        if (jwt_secrets_load(c->p, c->secrets_path, &s, &err) != JWT_OK
            || jwt_secrets_add_to_jwe_keyring(s, c->secrets_path, ring, &n, &err) != JWT_OK)
            source_row(c, label, 0, err.message);
        else
            source_row(c, label, 1, apr_psprintf(c->p, "%d encryption key%s (\"use\":\"enc\")",
                                                 n, n == 1 ? "" : "s"));
    }
    if (!c->decryption_keys && !c->secrets_path)
        page_markup(b, "<li class=\"skip\">none configured (JWT_ADMIN_DECRYPTION_KEYS and "
                       "JWT_ADMIN_SECRETS_FILE are unset)</li>");
    page_markup(b, "</ul>");
    return ring;
}

/* The protected header, decoded for display (the decrypter parses it strictly itself). */
static void render_header(admin_ctx_t *c, const char *tok, size_t len)
{
    page_t *b = c->resp->body;
    const char *dot = memchr(tok, '.', len);
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    json_object *obj = NULL;
    jwt_err_t err;

    page_markup(b, "<div class=\"decoded\"><h4>Protected header</h4>");
    if (jwt_b64url_decode(c->p, tok, dot ? (size_t)(dot - tok) : len, &raw, &rawlen, &err) != JWT_OK
        || jwt_json_parse_object(c->p, (const char *)raw, rawlen, NULL, &obj, &err) != JWT_OK) {
        page_markup(b, "<p class=\"fail\">Not a JSON object in strict base64url: ");
        page_text(b, err.message);
        page_markup(b, "</p></div>");
        return;
    }
    page_markup(b, "<pre class=\"json\" id=\"jwe-header-json\">");
    page_text(b, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    page_markup(b, "</pre></div>");
}

void admin_jwe_render(admin_ctx_t *c, const char *tok, size_t len, admin_jwe_t *out)
{
    page_t *b = c->resp->body;
    jwt_jwe_keyring_t *ring;
    jwt_err_t err;
    jwt_jwe_t *jwe = NULL;

    memset(out, 0, sizeof(*out));
    page_markup(b, "<section class=\"jwe\" id=\"jwe\"><h3>Encrypted token (JWE)</h3>");
    render_header(c, tok, len);
    page_markup(b, "<h4>Decryption keys</h4>");
    ring = decryption_keys(c);
    jwt_err_clear(&err);
    if (jwt_jwe_keyring_count(ring) == 0) {
        out->why = "no decryption key is configured for this page (JWT_ADMIN_DECRYPTION_KEYS, "
                   "or \"use\":\"enc\" keys in JWT_ADMIN_SECRETS_FILE)";
    }
    else if (jwt_jwe_decrypt(c->p, tok, len, ring, JWT_JWE_ALGSET_ALL, JWT_JWE_ENCSET_ALL, NULL,
                             &jwe, &err) != JWT_OK) {
        out->why = apr_psprintf(c->p, "%s: %s", jwt_code_name(err.code), err.message);
    }
    if (out->why) {
        page_markup(b, "<p class=\"verdict fail\" id=\"jwe-verdict\">Cannot decrypt: ");
        page_text(b, out->why);
        page_markup(b, "</p></section>\n");
        return;
    }
    out->jwe = jwe;
    page_markupf(b, "<p class=\"verdict pass\" id=\"jwe-verdict\">Decrypted (%s, %s) with ",
                 jwt_jwe_alg_name(jwe->alg), jwt_jwe_enc_name(jwe->enc));
    page_text(b, jwt_jwe_key_describe(c->p, jwe->key));
    page_markup(b, ". ");
    if (jwt_jwe_is_nested(jwe)) {
        out->inner = (const char *)jwe->plaintext;
        out->inner_len = jwe->plaintext_len;
        page_markup(b, "A nested JWT (cty \"JWT\"): the inner token and its checks follow.</p>");
    }
    else if (jwe->symmetric) {
        page_markup(b, "Claims without a signature: a shared secret authenticates the sender, "
                       "so the module accepts them.</p>");
    }
    else {
        page_markup(b, "Claims without a signature under a public-key algorithm: anyone "
                       "holding the public key could have made them, so the module refuses "
                       "them.</p>");
    }
    page_markup(b, "</section>\n");
}
