/* cgi_mint.c -- the Test token page: mint a token with given claims and lifetime, signed by
 * a chosen secret from the secrets file, to try a protected location. iat and exp are added
 * unless the claims give them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "jwt_json.h"
#include "jwt_jws.h"
#include "jwt_secrets.h"
#include "admin.h"
#include "cgi_mint_defaults.h"

#define MINT_MAX_LIFETIME (30 * 86400)

static void render_form(admin_ctx_t *c, const jwt_secrets_t *s, const char *claims,
                        const char *lifetime, const char *chosen, const char *typ)
{
    page_t *b = c->resp->body;
    layout_form_open(c, "mint", "mint-form");
    layout_hidden(c, "action", "mint");
    page_markup(b, "<label for=\"mint-kid\">Signed by</label><select id=\"mint-kid\" name=\"kid\">");
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        /* a kid-less key cannot be chosen by name; one without alg signs HS256, as login does */
        if (all[i].status == JWT_SECRET_RETIRED || all[i].kid == NULL) continue;
        page_markup(b, "<option value=\"");
        page_text(b, all[i].kid);
        page_markup(b, chosen && strcmp(chosen, all[i].kid) == 0 ? "\" selected>" : "\">");
        page_text(b, all[i].kid);
        page_markupf(b, " (%s, %s)</option>",
                     jwt_alg_name(all[i].has_alg ? all[i].alg : JWT_ALG_HS256),
                     all[i].status == JWT_SECRET_ACTIVE ? "active" : "verify-only");
    }
    page_markup(b, "</select><label for=\"claims\">Claims (JSON object)</label>"
                   "<textarea id=\"claims\" name=\"claims\" rows=\"6\" spellcheck=\"false\">");
    page_text(b, claims);
    page_markup(b, "</textarea><div class=\"row\"><label for=\"lifetime\">Lifetime (seconds)</label>"
                   "<input id=\"lifetime\" name=\"lifetime\" inputmode=\"numeric\" value=\"");
    page_text(b, lifetime);
    page_markup(b, "\"><label for=\"typ\">typ header (optional)</label><input id=\"typ\" name=\"typ\" value=\"");
    page_text(b, typ);
    page_markup(b, "\"></div><button type=\"submit\" id=\"mint-submit\">Mint token</button></form>\n");
}

static int parse_lifetime(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return 0;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > MINT_MAX_LIFETIME)
        return 0;
    *out = v;
    return 1;
}

/* Sign with the chosen (non-retired) secret; a key bound to exactly its alg. */
static const char *mint(admin_ctx_t *c, const jwt_secrets_t *s, const char *kid, const char *claims,
                        int64_t lifetime, const char *typ, const char **error)
{
    jwt_err_t err;
    jwt_secret_t *sec = jwt_secrets_find((jwt_secrets_t *)s, kid);
    if (sec == NULL || sec->status == JWT_SECRET_RETIRED) {
        *error = "choose a secret that is active or verify-only";
        return NULL;
    }
    json_object *payload = NULL;
    if (jwt_json_parse_object(c->p, claims, strlen(claims), NULL, &payload, &err) != JWT_OK) {
        *error = apr_pstrcat(c->p, "claims: ", err.message, NULL);
        return NULL;
    }
    if (!json_object_object_get_ex(payload, "iat", NULL))
        json_object_object_add(payload, "iat", json_object_new_int64(c->now));
    if (!json_object_object_get_ex(payload, "exp", NULL))
        json_object_object_add(payload, "exp", json_object_new_int64(c->now + lifetime));
    jwt_key_t *key = NULL;
    if (jwt_key_from_secret(c->p, sec->k, sec->k_len, sec->kid, "secrets", &key, &err) != JWT_OK) {
        *error = apr_pstrdup(c->p, err.message);   /* err goes with this frame */
        return NULL;
    }
    jwt_alg_t alg = sec->has_alg ? sec->alg : JWT_ALG_HS256;
    key->algs = JWT_ALGSET(alg);
    key->can_sign = 1;
    char *token = NULL;
    if (jwt_sign_compact(c->p, alg, key, (typ && *typ) ? typ : NULL, payload, &token,
                         &err) != JWT_OK) {
        *error = apr_pstrdup(c->p, err.message);   /* err goes with this frame */
        return NULL;
    }
    return token;
}

/* A minted token is a credential: log who minted one with which kid, for whom (sub, aud)
 * and until when (exp), never the token. */
static const char *mint_logged(admin_ctx_t *c, const jwt_secrets_t *s, const char *kid,
                               const char *claims, int64_t lifetime, const char *typ,
                               const char **error)
{
    const char *why = NULL;
    audit_t *audit = audit_open(c, &why);
    if (audit == NULL) {
        *error = apr_pstrcat(c->p, "no token minted: ", why, NULL);
        return NULL;
    }
    const char *token = mint(c, s, kid, claims, lifetime, typ, error);
    audit_write_mint(audit, c, kid, token);
    return token;
}

static void render_token(admin_ctx_t *c, const char *token)
{
    page_t *b = c->resp->body;
    page_markup(b, "<section class=\"minted\" id=\"minted-box\"><h3>Token</h3>"
                   "<textarea id=\"minted\" readonly rows=\"4\" spellcheck=\"false\">");
    page_text(b, token);
    page_markup(b, "</textarea><button type=\"button\" class=\"copy\" data-copy=\"minted\">Copy</button>"
                   "<p>Try it:</p><pre class=\"try\" id=\"try-curl\">curl -i -H \"Authorization: Bearer ");
    page_text(b, token);
    page_markup(b, "\" ");
    page_text(b, mint_try_url(c));
    page_markup(b, "</pre><button type=\"button\" class=\"copy\" data-copy=\"try-curl\">Copy</button>"
                   "</section>\n");
}

void page_mint(admin_ctx_t *c)
{
    page_t *b = c->resp->body;
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    const char *default_claims = mint_default_claims(c);
    const char *claims = c->is_post ? apr_table_get(c->form, "claims") : NULL;
    const char *lifetime = c->is_post ? apr_table_get(c->form, "lifetime") : NULL;
    const char *kid = c->is_post ? apr_table_get(c->form, "kid") : NULL;
    const char *typ = c->is_post ? apr_table_get(c->form, "typ") : NULL;
    if (c->secrets_path == NULL) {
        layout_error(c, 500, "Test token", "JWT_ADMIN_SECRETS_FILE is not set: there is no secret "
                     "to sign with.");
        return;
    }
    if (jwt_secrets_load(c->p, c->secrets_path, &s, &err) != JWT_OK) {
        layout_error(c, 500, "Test token", apr_pstrcat(c->p, "The secrets file cannot be used: ",
                                                       err.message, NULL));
        return;
    }
    const char *token = NULL, *error = NULL;
    if (c->is_post) {
        int64_t secs = 0;
        if (claims == NULL || kid == NULL || lifetime == NULL)
            error = "form fields kid, claims and lifetime are required";
        else if (!parse_lifetime(lifetime, &secs))
            error = apr_psprintf(c->p, "lifetime must be a whole number of seconds, 1..%d",
                                 MINT_MAX_LIFETIME);
        else
            token = mint_logged(c, s, kid, claims, secs, typ, &error);
        if (error) c->resp->status = 400;
    }
    layout_begin(c, "Test token", "mint");
    if (error) {
        page_markup(b, "<p class=\"notice error\" id=\"notice\">");
        page_text(b, error);
        page_markup(b, "</p>");
    }
    if (token) render_token(c, token);
    render_form(c, s, claims ? claims : default_claims, lifetime ? lifetime : "3600",
                kid ? kid : mint_default_kid(s), typ ? typ : "");
    layout_end(c);
}
