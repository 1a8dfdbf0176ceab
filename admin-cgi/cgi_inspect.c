/* cgi_inspect.c -- the Inspect page: decode a pasted token, show its parts, then every check
 * the module would make with its pass/fail reason, the Require rules to try, and warnings.
 * With a URL path of this server the checks are the module's own, at that location
 * (cgi_explain.c asks jwt-explain-handler); without one they are made here with the page's
 * settings and the module's rule code (core/jwt_rules.c).
 * An encrypted token (JWE) is decrypted first with the locations' decryption keys
 * (cgi_jwe.c); the inner token of a nested JWT is then inspected as any token.
 * The token arrives only by POST (never in a URL, so never in an access log), is echoed
 * back only into this no-store answer, and is never written anywhere else. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "jwt_b64.h"
#include "jwt_claims.h"
#include "jwt_json.h"
#include "jwt_jws.h"
#include "cgi_keys.h"
#include "cgi_rules.h"
#include "cgi_explain.h"
#include "cgi_jwe.h"
#include "admin.h"

#define LIFETIME_WARN_SECS (24 * 3600)

typedef struct {
    admin_ctx_t *c;
    int failures;
    const char *first_failure;
} checks_t;

/* ---------- form ---------- */

static void render_form(admin_ctx_t *c, const char *token, const char *path, const char *rules,
                        const char *iss, const char *aud)
{
    page_t *b = c->resp->body;
    layout_form_open(c, "inspect", "inspect-form");
    layout_hidden(c, "action", "inspect");
    page_markup(b, "<label for=\"token\">Token</label><textarea id=\"token\" name=\"token\" rows=\"5\" "
                   "spellcheck=\"false\" autocomplete=\"off\" placeholder=\"eyJhbGciOi...\">");
    page_text(b, token);
    page_markup(b, "</textarea><label for=\"path\">URL path of this server (optional): the "
                   "module's own verdict there</label><input id=\"path\" name=\"path\" "
                   "spellcheck=\"false\" placeholder=\"/api/orders/\" value=\"");
    page_text(b, path);
    page_markup(b, "\"><label for=\"rules\">Rules to try, one per line (optional)</label>"
                   "<textarea id=\"rules\" name=\"rules\" rows=\"2\" spellcheck=\"false\" "
                   "placeholder=\"jwt-claim role=admin\">");
    page_text(b, rules);
    page_markup(b, "</textarea><div class=\"row\"><label for=\"iss\">Expected issuer</label>"
                   "<input id=\"iss\" name=\"iss\" value=\"");
    page_text(b, iss);
    page_markup(b, "\"><label for=\"aud\">Expected audience</label><input id=\"aud\" name=\"aud\" value=\"");
    page_text(b, aud);
    page_markup(b, "\"></div><button type=\"submit\" id=\"inspect-submit\">Inspect</button></form>\n");
}

/* ---------- the three parts ---------- */

static const char *const part_class[] = { "part-header", "part-payload", "part-signature" };

static void render_parts(admin_ctx_t *c, const char *tok, size_t len)
{
    page_t *b = c->resp->body;
    page_markup(b, "<section><h3>Parts</h3><p class=\"jwt-parts\" id=\"jwt-parts\">");
    size_t start = 0;
    int seg = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && tok[i] != '.') continue;
        page_markupf(b, "<span class=\"%s\">", seg < 3 ? part_class[seg] : "part-extra");
        page_text_len(b, tok + start, i - start);
        page_markup(b, "</span>");
        if (i < len) page_markup(b, "<span class=\"dot\">.</span>");
        start = i + 1;
        seg++;
    }
    page_markupf(b, "</p><p class=\"legend\"><span class=\"part-header\">header</span> "
                    "<span class=\"part-payload\">payload</span> "
                    "<span class=\"part-signature\">signature</span> &middot; %d segment%s</p>"
                    "</section>\n", seg, seg == 1 ? "" : "s");
}

/* Decode one segment for display only (the checks below use the strict parser). Returns
 * the parsed object or NULL; shows either pretty JSON or the decoded text and the reason. */
static json_object *render_segment(admin_ctx_t *c, const char *title, const char *id,
                                   const char *seg, size_t len)
{
    page_t *b = c->resp->body;
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    jwt_err_t err;
    json_object *obj = NULL;
    page_markupf(b, "<div class=\"decoded\"><h4>%s</h4>", title);
    if (jwt_b64url_decode(c->p, seg, len, &raw, &rawlen, &err) != JWT_OK) {
        page_markup(b, "<p class=\"fail\">Not strict base64url: ");
        page_text(b, err.message);
        page_markup(b, "</p></div>");
        return NULL;
    }
    if (jwt_json_parse_object(c->p, (const char *)raw, rawlen, NULL, &obj, &err) != JWT_OK) {
        page_markup(b, "<p class=\"fail\">Not a valid JSON object: ");
        page_text(b, err.message);
        page_markupf(b, "</p><pre class=\"json %s\" id=\"%s\">", id, id);
        page_text_len(b, (const char *)raw, rawlen);
        page_markup(b, "</pre></div>");
        return NULL;
    }
    page_markupf(b, "<pre class=\"json %s\" id=\"%s\">", id, id);
    page_text(b, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    page_markup(b, "</pre></div>");
    return obj;
}

/* Decrypted bytes shown as pretty JSON (the object) or as text with the reason (NULL). */
static json_object *render_segment_json(admin_ctx_t *c, const char *raw, size_t rawlen)
{
    page_t *b = c->resp->body;
    json_object *obj = NULL;
    jwt_err_t err;
    page_markup(b, "<div class=\"decoded\"><h4>Payload</h4>");
    if (jwt_json_parse_object(c->p, raw, rawlen, NULL, &obj, &err) != JWT_OK) {
        page_markup(b, "<p class=\"fail\">Not a valid JSON object: ");
        page_text(b, err.message);
        page_markup(b, "</p><pre class=\"json payload-json\" id=\"payload-json\">");
        page_text_len(b, raw, rawlen);
        page_markup(b, "</pre></div>");
        return NULL;
    }
    page_markup(b, "<pre class=\"json payload-json\" id=\"payload-json\">");
    page_text(b, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    page_markup(b, "</pre></div>");
    return obj;
}

static void render_times(admin_ctx_t *c, json_object *payload)
{
    /* words for a time in the past and in the future: "expired 3 h ago", "expires in 14 min" */
    static const struct { const char *name, *label, *past, *future; } claims[] = {
        { "iat", "issued at", "issued", "issued" },
        { "nbf", "not before", "valid since", "valid" },
        { "exp", "expiry", "expired", "expires" },
        { "auth_time", "authenticated", "authenticated", "authenticated" },
    };
    page_t *b = c->resp->body;
    int shown = 0;
    for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
        int64_t t;
        if (jwt_claim_numeric_date(payload, claims[i].name, &t, NULL) != JWT_OK)
            continue;
        if (!shown++)
            page_markup(b, "<table class=\"times\" id=\"times\"><tr><th>claim</th><th>UTC</th>"
                           "<th>relative</th></tr>");
        page_markupf(b, "<tr data-claim=\"%s\"><td>%s (%s)</td><td>%s</td><td>%s %s</td></tr>",
                     claims[i].name, claims[i].name, claims[i].label, jwt_time_iso(c->p, t),
                     t < c->now ? claims[i].past : claims[i].future, relative_time(c->p, t, c->now));
    }
    if (shown)
        page_markup(b, "</table>");
}

/* ---------- checks ---------- */

static void check_row(checks_t *k, const char *name, const char *state, const char *reason)
{
    page_t *b = k->c->resp->body;
    page_markupf(b, "<tr class=\"%s\" data-check=\"%s\"><td>%s</td><td class=\"state\">%s</td><td>",
                 state, name, name, state);
    page_text(b, reason);
    page_markup(b, "</td></tr>\n");
    if (strcmp(state, "fail") == 0 && k->failures++ == 0)
        k->first_failure = apr_pstrcat(k->c->p, name, ": ", reason, NULL);
}

/* Closes the checks table and says what the module would do: accept, or refuse with the
 * number of failed checks and the first one. */
static void render_verdict(page_t *b, const checks_t *k)
{
    page_markup(b, "</table>\n");
    if (k->failures == 0)
        page_markup(b, "<p class=\"verdict pass\" id=\"verdict\">The module would accept this token.</p>");
    else {
        page_markupf(b, "<p class=\"verdict fail\" id=\"verdict\">The module would refuse this token "
                        "(%d failed check%s). First: ", k->failures, k->failures == 1 ? "" : "s");
        page_text(b, k->first_failure);
        page_markup(b, "</p>");
    }
}

static void check_result(checks_t *k, const char *name, jwt_code_t rc, const jwt_err_t *err,
                         const char *pass_reason)
{
    if (rc == JWT_OK)
        check_row(k, name, "pass", pass_reason);
    else
        check_row(k, name, "fail", apr_psprintf(k->c->p, "%s: %s", jwt_code_name(rc), err->message));
}

static apr_array_header_t *word_list(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(const char *));
    if (s == NULL) return a;
    char *copy = apr_pstrdup(p, s), *state = NULL;
    for (char *w = apr_strtok(copy, " \t", &state); w; w = apr_strtok(NULL, " \t", &state))
        *(const char **)apr_array_push(a) = w;
    return a;
}

static void policy_from_ctx(admin_ctx_t *c, const char *iss, const char *aud,
                            jwt_claims_policy_t *pol)
{
    jwt_claims_policy_init(c->p, pol);
    pol->now = c->now;
    pol->leeway = c->leeway;
    pol->issuers = word_list(c->p, iss);
    pol->audiences = word_list(c->p, aud);
    pol->required = word_list(c->p, c->required ? c->required : "exp");
    pol->typ = (c->typ && *c->typ) ? c->typ : NULL;
    pol->max_lifetime = c->max_lifetime;
}

static void key_checks(checks_t *k, const jwt_token_t *t, const jwt_keyring_t *ring,
                       jwt_algset_t allowed, const jwt_key_t **used)
{
    admin_ctx_t *c = k->c;
    jwt_err_t err;
    if (allowed & JWT_ALGSET(t->alg))
        check_row(k, "algorithm", "pass", apr_psprintf(c->p, "%s is allowed", t->alg_name));
    else
        check_row(k, "algorithm", "fail", apr_psprintf(c->p, "%s is not in the allowed list (%s)",
                  t->alg_name, jwt_algset_format(c->p, allowed)));

    if (t->kid) {
        const jwt_key_t *key = jwt_keyring_find_kid(ring, t->kid);
        if (key)
            check_row(k, "key", "pass", apr_psprintf(c->p, "kid %s from %s", key->kid, key->source));
        else
            check_row(k, "key", "fail", apr_psprintf(c->p, "no key has kid %s", t->kid));
    } else {
        int n = 0;
        for (int i = 0; i < ring->keys->nelts; i++)
            n += (APR_ARRAY_IDX(ring->keys, i, const jwt_key_t *)->algs & JWT_ALGSET(t->alg)) != 0;
        check_row(k, "key", n ? "pass" : "fail",
                  n ? apr_psprintf(c->p, "no kid in the token; %d key%s can verify %s", n,
                                   n == 1 ? "" : "s", t->alg_name)
                    : apr_psprintf(c->p, "no kid in the token and no key can verify %s", t->alg_name));
    }
    jwt_code_t rc = jwt_token_verify(t, ring, allowed, used, &err);
    check_result(k, "signature", rc, &err,
                 (rc == JWT_OK && *used) ? apr_psprintf(c->p, "verified with %s",
                                                        jwt_key_describe(c->p, *used)) : "");
}

static void claim_checks(checks_t *k, const jwt_token_t *t, const jwt_claims_policy_t *pol)
{
    static const struct {
        const char *name;
        jwt_code_t (*fn)(const jwt_token_t *, const jwt_claims_policy_t *, jwt_err_t *);
    } checks[] = {
        { "exp", jwt_check_exp }, { "nbf", jwt_check_nbf }, { "iat", jwt_check_iat },
        { "iss", jwt_check_iss }, { "aud", jwt_check_aud }, { "typ", jwt_check_typ },
        { "required", jwt_check_required }, { "lifetime", jwt_check_lifetime },
    };
    admin_ctx_t *c = k->c;
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const char *name = checks[i].name;
        const char *skip = NULL;
        if (strcmp(name, "iss") == 0 && pol->issuers->nelts == 0) skip = "no issuer configured";
        if (strcmp(name, "aud") == 0 && pol->audiences->nelts == 0) skip = "no audience configured";
        if (strcmp(name, "typ") == 0 && pol->typ == NULL) skip = "no token type configured";
        if (strcmp(name, "lifetime") == 0 && pol->max_lifetime == 0) skip = "no maximum lifetime configured";
        if (skip) {
            check_row(k, name, "skip", skip);
            continue;
        }
        jwt_err_t err;
        jwt_code_t rc = checks[i].fn(t, pol, &err);
        const char *ok = "ok";
        if (strcmp(name, "required") == 0)
            ok = apr_pstrcat(c->p, "present: ", apr_array_pstrcat(c->p, pol->required, ' '), NULL);
        else if (strcmp(name, "exp") == 0 && json_object_object_get_ex(t->payload, "exp", NULL))
            ok = "not expired";
        else if (strcmp(name, "exp") == 0 || strcmp(name, "nbf") == 0 || strcmp(name, "iat") == 0)
            ok = json_object_object_get_ex(t->payload, name, NULL) ? "ok" : "absent (not required)";
        check_result(k, name, rc, &err, ok);
    }
}

static void render_key_sources(admin_ctx_t *c, apr_array_header_t *sources)
{
    page_t *b = c->resp->body;
    page_markup(b, "<details class=\"sources\"><summary>Key sources</summary><ul>");
    if (sources->nelts == 0)
        page_markup(b, "<li>none configured (JWT_ADMIN_KEYS and JWT_ADMIN_SECRETS_FILE are unset)</li>");
    for (int i = 0; i < sources->nelts; i++) {
        const key_source_t *ks = &APR_ARRAY_IDX(sources, i, key_source_t);
        page_markupf(b, "<li class=\"%s\">", ks->ok > 0 ? "pass" : ks->ok == 0 ? "fail" : "skip");
        page_text(b, ks->source);
        page_markup(b, ": ");
        page_text(b, ks->detail);
        page_markup(b, "</li>");
    }
    page_markup(b, "</ul></details>\n");
}

/* Runs every check (not stopping at the first failure) and a verdict. */
static void render_checks(admin_ctx_t *c, const char *tok, size_t len, const char *iss,
                          const char *aud, const jwt_key_t **used)
{
    page_t *b = c->resp->body;
    checks_t k = { c, 0, NULL };
    jwt_err_t err;
    jwt_token_t *t = NULL;
    page_markup(b, "<section><h3>Checks</h3><table class=\"checks\" id=\"checks\">"
                   "<tr><th>check</th><th>result</th><th>reason</th></tr>\n");
    jwt_code_t rc = jwt_token_parse(c->p, tok, len, NULL, &t, &err);
    check_result(&k, "parse", rc, &err, "three segments, strict base64url, JSON objects, header ok");
    apr_array_header_t *sources = NULL;
    if (rc == JWT_OK) {
        jwt_algset_t allowed = JWT_ALGSET_ALL;
        if (c->algorithms && jwt_algset_parse(c->algorithms, &allowed, &err) != JWT_OK)
            check_row(&k, "algorithm", "fail", apr_pstrcat(c->p, "JWT_ADMIN_ALGORITHMS: ", err.message, NULL));
        jwt_keyring_t *ring = admin_keyring(c, &sources);
        key_checks(&k, t, ring, allowed, used);
        jwt_claims_policy_t pol;
        policy_from_ctx(c, iss, aud, &pol);
        claim_checks(&k, t, &pol);
    } else {
        check_row(&k, "signature", "skip", "the token could not be parsed");
    }
    render_verdict(b, &k);
    if (sources)
        render_key_sources(c, sources);
    page_markup(b, "</section>\n");
}

/* ---------- rules and warnings ---------- */

static void render_rules(admin_ctx_t *c, const char *rules, json_object *payload)
{
    page_t *b = c->resp->body;
    int shown = 0;
    char *copy = apr_pstrdup(c->p, rules), *state = NULL;
    for (char *line = apr_strtok(copy, "\n", &state); line; line = apr_strtok(NULL, "\n", &state)) {
        if (strspn(line, " \t\r") == strlen(line)) continue;
        if (!shown++)
            page_markup(b, "<section><h3>Rules</h3><table class=\"rules\" id=\"rules-result\">");
        const char *why = "";
        rule_result_t r = payload ? rule_evaluate(c->p, line, payload, &why) : RULE_INVALID;
        if (payload == NULL) why = "the payload could not be decoded";
        const char *state_name = r == RULE_GRANTED ? "granted" : r == RULE_DENIED ? "denied" : "invalid";
        page_markupf(b, "<tr class=\"%s\"><td><code>", state_name);
        page_text(b, line);
        page_markupf(b, "</code></td><td class=\"state\">%s</td><td>", state_name);
        page_text(b, why);
        page_markup(b, "</td></tr>");
    }
    if (shown)
        page_markup(b, "</table></section>\n");
}

static void warn(admin_ctx_t *c, int *count, const char *text)
{
    if ((*count)++ == 0)
        page_markup(c->resp->body, "<section><h3>Warnings</h3><ul class=\"warnings\" id=\"warnings\">");
    page_markup(c->resp->body, "<li>");
    page_text(c->resp->body, text);
    page_markup(c->resp->body, "</li>");
}

static void render_warnings(admin_ctx_t *c, json_object *header, json_object *payload,
                            const jwt_key_t *used)
{
    static const char *const risky[] = { "jku", "x5u", "jwk", "x5c", "crit" };
    int n = 0;
    int64_t exp = 0, iat = 0;
    if (header) {
        for (size_t i = 0; i < sizeof(risky) / sizeof(risky[0]); i++)
            if (json_object_object_get_ex(header, risky[i], NULL))
                warn(c, &n, apr_psprintf(c->p, "header member \"%s\": never used to find a key "
                     "(RFC 8725 3.10)%s", risky[i],
                     strcmp(risky[i], "crit") == 0 ? "; any crit makes the module refuse the token" : ""));
        json_object *alg = NULL;
        if (json_object_object_get_ex(header, "alg", &alg) && json_object_is_type(alg, json_type_string) &&
            strncmp(json_object_get_string(alg), "HS", 2) == 0)
            warn(c, &n, "HMAC algorithm: every party that can verify this token can also mint one");
    }
    if (payload) {
        int has_exp = jwt_claim_numeric_date(payload, "exp", &exp, NULL) == JWT_OK;
        int has_iat = jwt_claim_numeric_date(payload, "iat", &iat, NULL) == JWT_OK;
        if (!has_exp)
            warn(c, &n, "no exp: the token never expires");
        else if (exp - (has_iat ? iat : c->now) > LIFETIME_WARN_SECS)
            warn(c, &n, apr_psprintf(c->p, "lifetime over 24 h (%s)",
                                     has_iat ? "exp - iat" : "exp - now"));
    }
    if (used && used->kty == JWT_KTY_OCT && used->secret_len < 32)
        warn(c, &n, "weak HMAC key: shorter than 32 bytes");
    if (n)
        page_markup(c->resp->body, "</ul></section>\n");
}

/* ---------- page ---------- */

/* Pasted tokens often carry whitespace or a "Bearer " prefix: strip both. */
static const char *clean_token(apr_pool_t *p, const char *in, size_t *len)
{
    while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n') in++;
    if (strncasecmp(in, "Bearer ", 7) == 0) in += 7;
    while (*in == ' ') in++;
    size_t n = strlen(in);
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r' || in[n - 1] == '\n'))
        n--;
    *len = n;
    return apr_pstrmemdup(p, in, n);
}

/* Claims that came out of a JWE with no signature: the claim checks, and a verdict that
 * follows the module's rule (accepted only under a shared secret). */
static void render_claims_checks(admin_ctx_t *c, const jwt_jwe_t *jwe, const char *rules,
                                 const char *iss, const char *aud)
{
    page_t *b = c->resp->body;
    checks_t k = { c, 0, NULL };
    jwt_token_t t;
    jwt_claims_policy_t pol;

    page_markup(b, "<section class=\"decoded-parts\"><h3>Decrypted claims</h3>");
    memset(&t, 0, sizeof(t));
    t.payload = render_segment_json(c, (const char *)jwe->plaintext, jwe->plaintext_len);
    if (t.payload)
        render_times(c, t.payload);
    page_markup(b, "</section>\n<section><h3>Checks</h3><table class=\"checks\" id=\"checks\">"
                   "<tr><th>check</th><th>result</th><th>reason</th></tr>\n");
    check_row(&k, "decrypt", "pass", apr_psprintf(c->p, "%s, %s", jwt_jwe_alg_name(jwe->alg),
                                                  jwt_jwe_enc_name(jwe->enc)));
    if (jwe->symmetric)
        check_row(&k, "signature", "skip", "none: the shared secret that decrypted the claims "
                  "authenticates the sender");
    else
        check_row(&k, "signature", "fail", "none, and the key management is public-key: a "
                  "nested JWT (cty \"JWT\") is needed");
    if (t.payload) {
        t.typ = jwe->typ;
        policy_from_ctx(c, iss, aud, &pol);
        claim_checks(&k, &t, &pol);
    }
    else {
        check_row(&k, "parse", "fail", "the decrypted payload is not a JSON object");
    }
    render_verdict(b, &k);
    page_markup(b, "</section>\n");
    render_rules(c, rules, t.payload);
}

static void inspect_jws(admin_ctx_t *c, const char *tok, size_t len, const char *path,
                        const char *rules, const char *iss, const char *aud);

/* A JWE: its section, then the module's verdict (a path), the inner token, or the claims. */
static void inspect_jwe(admin_ctx_t *c, const char *tok, size_t len, const char *path,
                        const char *rules, const char *iss, const char *aud)
{
    admin_jwe_t jw;

    render_parts(c, tok, len);
    admin_jwe_render(c, tok, len, &jw);
    if (path && *path)
        explain_render(c, path, tok);  /* the module decrypts it there itself */
    else if (jw.inner) {
        page_markup(c->resp->body, "<h2 class=\"inner\" id=\"inner-token\">Inner token</h2>\n");
        inspect_jws(c, jw.inner, jw.inner_len, NULL, rules, iss, aud);
    }
    else if (jw.jwe)
        render_claims_checks(c, jw.jwe, rules, iss, aud);
    else
        page_markup(c->resp->body, "<p class=\"verdict fail\" id=\"verdict\">The module would "
                    "refuse this token if it cannot decrypt it either (one generic "
                    "invalid_token answer; the reason goes to its error log).</p>");
}

static void inspect_token(admin_ctx_t *c, const char *raw, const char *path, const char *rules,
                          const char *iss, const char *aud)
{
    size_t len = 0;
    const char *tok = clean_token(c->p, raw, &len);
    if (admin_is_jwe(tok, len))
        inspect_jwe(c, tok, len, path, rules, iss, aud);
    else
        inspect_jws(c, tok, len, path, rules, iss, aud);
}

static void inspect_jws(admin_ctx_t *c, const char *tok, size_t len, const char *path,
                        const char *rules, const char *iss, const char *aud)
{
    render_parts(c, tok, len);
    const char *dot1 = memchr(tok, '.', len);
    json_object *header = NULL, *payload = NULL;
    page_markup(c->resp->body, "<section class=\"decoded-parts\"><h3>Decoded</h3>");
    if (dot1) {
        header = render_segment(c, "Header", "header-json", tok, (size_t)(dot1 - tok));
        const char *p2 = dot1 + 1;
        const char *dot2 = memchr(p2, '.', len - (size_t)(p2 - tok));
        payload = render_segment(c, "Payload", "payload-json", p2,
                                 dot2 ? (size_t)(dot2 - p2) : len - (size_t)(p2 - tok));
        if (payload) render_times(c, payload);
    } else {
        page_markup(c->resp->body, "<p class=\"fail\">Not a JWT: no '.' separators.</p>");
    }
    page_markup(c->resp->body, "</section>\n");
    const jwt_key_t *used = NULL;
    if (path && *path) {
        explain_render(c, path, tok);  /* the module's checks at that location, not ours */
    } else {
        render_checks(c, tok, len, iss, aud, &used);
        render_rules(c, rules, payload);
    }
    render_warnings(c, header, payload, used);
}

void page_inspect(admin_ctx_t *c)
{
    const char *token = c->is_post ? apr_table_get(c->form, "token") : NULL;
    const char *rules = c->is_post ? apr_table_get(c->form, "rules") : NULL;
    const char *iss = c->is_post ? apr_table_get(c->form, "iss") : NULL;
    const char *aud = c->is_post ? apr_table_get(c->form, "aud") : NULL;
    const char *path = c->is_post ? apr_table_get(c->form, "path") : NULL;
    if (iss == NULL) iss = c->issuers ? c->issuers : "";
    if (aud == NULL) aud = c->audiences ? c->audiences : "";
    layout_begin(c, "Inspect a token", "inspect");
    render_form(c, token ? token : "", path ? path : "", rules ? rules : "", iss, aud);
    if (token && *token)
        inspect_token(c, token, path, rules ? rules : "", iss, aud);
    layout_end(c);
}
