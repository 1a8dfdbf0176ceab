/* cgi_secrets_page.c -- the Secrets page: list the shared secrets, create, rotate, retire,
 * delete. Every change goes through jwt_secrets_update with the version the form was built
 * from, so a save over someone else's newer change answers 409 instead of losing it.
 * A secret is shown exactly once, in the answer to the request that created it. */
#include <string.h>
#include <apr_strings.h>
#include <openssl/rand.h>
#include "jwt_b64.h"
#include "jwt_claims.h"
#include "jwt_secrets.h"
#include "admin.h"

typedef enum { ACT_CREATE, ACT_ROTATE, ACT_RETIRE, ACT_DELETE } action_t;

typedef struct {
    action_t action;
    const char *kid;               /* create: the new kid; retire/delete: the target */
    jwt_alg_t alg;
    jwt_secret_status_t status;    /* create */
    int64_t now;
    const char *new_kid;           /* out: created kid */
    const char *new_secret;        /* out: base64url of the new secret (shown once) */
    const char *demoted;           /* out: kid that went from active to verify */
} edit_t;

static const char *const action_names[] = { "create", "rotate", "retire", "delete" };

/* ---------- edits (run under the file lock) ---------- */

static void demote_active(jwt_secrets_t *s, edit_t *e)
{
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (all[i].status == JWT_SECRET_ACTIVE) {
            all[i].status = JWT_SECRET_VERIFY;
            e->demoted = all[i].kid;
        }
    }
}

static jwt_code_t add_secret(apr_pool_t *p, jwt_secrets_t *s, edit_t *e, jwt_err_t *err)
{
    const jwt_secret_t *made = NULL;
    if (e->status == JWT_SECRET_ACTIVE)
        demote_active(s, e);
    jwt_code_t rc = jwt_secrets_generate(p, s, e->kid, e->alg, e->status, e->now, &made, err);
    if (rc != JWT_OK)
        return rc;
    e->new_kid = made->kid;
    e->new_secret = jwt_b64url_encode(p, made->k, made->k_len);
    return JWT_OK;
}

static jwt_code_t remove_secret(jwt_secrets_t *s, const char *kid, jwt_err_t *err)
{
    jwt_secret_t *all = (jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        if (strcmp(all[i].kid, kid) == 0) {
            memmove(&all[i], &all[i + 1], sizeof(*all) * (size_t)(s->secrets->nelts - i - 1));
            s->secrets->nelts--;
            return JWT_OK;
        }
    }
    return JWT_ERR(err, JWT_ERR_UNKNOWN_KID, "no secret with kid %s", kid);
}

static jwt_code_t apply_edit(apr_pool_t *p, jwt_secrets_t *s, void *baton, jwt_err_t *err)
{
    edit_t *e = baton;
    jwt_secret_t *target;
    switch (e->action) {
    case ACT_CREATE:
        return add_secret(p, s, e, err);
    case ACT_ROTATE: {
        /* the new key signs from now on; the old one keeps verifying tokens already out */
        e->status = JWT_SECRET_ACTIVE;
        return add_secret(p, s, e, err);
    }
    case ACT_RETIRE:
        target = jwt_secrets_find(s, e->kid);
        if (target == NULL)
            return JWT_ERR(err, JWT_ERR_UNKNOWN_KID, "no secret with kid %s", e->kid);
        target->status = JWT_SECRET_RETIRED;
        return JWT_OK;
    case ACT_DELETE:
        return remove_secret(s, e->kid, err);
    }
    return JWT_ERR(err, JWT_ERR_ARG, "unknown action");
}

/* ---------- listing ---------- */

/* "HS256", or "HS256 HS384 (by length)" for a key the file gave no alg. */
static const char *algs_text(apr_pool_t *p, const jwt_secret_t *sec)
{
    if (sec->has_alg)
        return jwt_alg_name(sec->alg);
    static const jwt_alg_t hs[] = { JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512 };
    const char *out = "";
    for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
        if (sec->algs & JWT_ALGSET(hs[i]))
            out = apr_pstrcat(p, out, *out ? " " : "", jwt_alg_name(hs[i]), NULL);
    }
    return apr_pstrcat(p, out, " (by length)", NULL);
}

static const char *status_text(const jwt_secret_t *sec)
{
    if (sec->status == JWT_SECRET_ACTIVE && !sec->has_status)
        return "active (the only key)";
    if (sec->status == JWT_SECRET_VERIFY)
        return sec->can_verify ? "verify-only" : "unused (key_ops: no verify)";
    if (sec->status == JWT_SECRET_ACTIVE && !sec->can_verify)
        return "active (signs only, key_ops: no verify)";
    return jwt_secret_status_name(sec->status);
}

static void render_created(admin_ctx_t *c, const jwt_secret_t *sec)
{
    if (!sec->has_created) {
        page_markup(c->resp->body, "<td class=\"created\">not recorded</td>");
        return;
    }
    page_markupf(c->resp->body, "<td class=\"created\">%s<br><small>%s</small></td>",
                 jwt_time_iso(c->p, sec->created), relative_time(c->p, sec->created, c->now));
}

static void render_row_forms(admin_ctx_t *c, const jwt_secrets_t *s, const jwt_secret_t *sec)
{
    page_t *b = c->resp->body;
    if (sec->kid == NULL) {
        /* the forms name a key by its kid: a kid-less key is changed in the file itself */
        page_markup(b, "<small>no kid: edit the file to retire or delete it</small>");
        return;
    }
    if (sec->status != JWT_SECRET_RETIRED) {
        layout_form_open(c, "secrets", "inline");
        layout_hidden(c, "action", "retire");
        layout_hidden(c, "kid", sec->kid);
        layout_hidden(c, "version", s->version);
        page_markup(b, "<button type=\"submit\" class=\"retire\">Retire</button></form>");
    }
    layout_form_open(c, "secrets", "inline");
    layout_hidden(c, "action", "delete");
    layout_hidden(c, "kid", sec->kid);
    layout_hidden(c, "version", s->version);
    page_markup(b, "<input type=\"hidden\" name=\"confirm\" value=\"\" class=\"confirm-field\">"
                   "<button type=\"submit\" class=\"delete danger\" data-confirm=\"Delete this secret? "
                   "Tokens signed with it will be refused.\">Delete</button></form>");
}

static void render_list(admin_ctx_t *c, const jwt_secrets_t *s)
{
    page_t *b = c->resp->body;
    if (s->secrets->nelts == 0) {
        page_markup(b, "<p id=\"no-secrets\">No secrets yet.</p>\n");
        return;
    }
    /* the table scrolls in its own box on a narrow screen, not the whole page */
    page_markup(b, "<div class=\"scroll\" id=\"secrets-box\"><table class=\"secrets\" id=\"secrets\"><tr><th>kid</th><th>alg</th><th>created</th>"
                   "<th>status</th><th>fingerprint (SHA-256)</th><th></th></tr>\n");
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++) {
        const jwt_secret_t *sec = &all[i];
        const char *label = jwt_secret_label(c->p, s, sec);
        page_markup(b, "<tr data-kid=\"");
        page_text(b, sec->kid ? sec->kid : "");
        page_markupf(b, "\" class=\"status-%s\"><td><code>", jwt_secret_status_name(sec->status));
        page_text(b, sec->kid ? sec->kid : label);
        page_markup(b, "</code></td><td class=\"alg\">");
        page_text(b, algs_text(c->p, sec));
        page_markup(b, "</td>");
        render_created(c, sec);
        page_markupf(b, "<td class=\"status\">%s</td><td><code>%s</code></td><td class=\"actions\">",
                     status_text(sec), jwt_secret_fingerprint(c->p, sec));
        render_row_forms(c, s, sec);
        page_markup(b, "</td></tr>\n");
    }
    page_markup(b, "</table></div>\n");
}

static void alg_select(page_t *b, const char *id)
{
    page_markupf(b, "<select id=\"%s\" name=\"alg\"><option>HS256</option><option>HS384</option>"
                    "<option>HS512</option></select>", id);
}

static void render_forms(admin_ctx_t *c, const jwt_secrets_t *s)
{
    page_t *b = c->resp->body;
    page_markup(b, "<section class=\"forms\"><h3>Create</h3>");
    layout_form_open(c, "secrets", "create-form");
    layout_hidden(c, "action", "create");
    layout_hidden(c, "version", s->version);
    page_markup(b, "<label for=\"new-kid\">kid</label><input id=\"new-kid\" name=\"kid\" maxlength=\"64\" "
                   "pattern=\"[A-Za-z0-9._\\-]+\" placeholder=\"generated when empty\">"
                   "<label for=\"new-alg\">algorithm</label>");
    alg_select(b, "new-alg");
    page_markup(b, "<label for=\"new-status\">status</label><select id=\"new-status\" name=\"status\">"
                   "<option value=\"verify\">verify-only</option><option value=\"active\">active "
                   "(the current active key becomes verify-only)</option></select>"
                   "<button type=\"submit\" id=\"create-submit\">Create secret</button></form>");
    page_markup(b, "<h3>Rotate</h3><p>A new key becomes active for signing; the active one stays "
                   "verify-only so tokens already issued keep working until you retire it.</p>");
    layout_form_open(c, "secrets", "rotate-form");
    layout_hidden(c, "action", "rotate");
    layout_hidden(c, "version", s->version);
    page_markup(b, "<label for=\"rotate-alg\">algorithm</label>");
    alg_select(b, "rotate-alg");
    page_markup(b, "<button type=\"submit\" id=\"rotate-submit\">Rotate</button></form></section>\n");
}

static void render_new_secret(admin_ctx_t *c, const edit_t *e)
{
    page_t *b = c->resp->body;
    page_markup(b, "<section class=\"new-secret\" id=\"new-secret-box\"><h3>New secret <code>");
    page_text(b, e->new_kid);
    page_markup(b, "</code></h3><p>Copy it now: it is shown only this once (the page lists "
                   "fingerprints only).</p><p><code id=\"new-secret\">");
    page_text(b, e->new_secret);
    page_markup(b, "</code> <button type=\"button\" class=\"copy\" data-copy=\"new-secret\">Copy</button>"
                   "</p></section>\n");
}

static void render_page(admin_ctx_t *c, const char *notice, const edit_t *done)
{
    page_t *b = c->resp->body;
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    layout_begin(c, "Secrets", "secrets");
    page_markup(b, "<p class=\"path\">File: <code>");
    page_text(b, c->secrets_path);
    page_markup(b, "</code></p>\n");
    if (notice) {
        page_markupf(b, "<p class=\"notice %s\" id=\"notice\">", c->resp->status == 200 ? "ok" : "error");
        page_text(b, notice);
        page_markup(b, "</p>\n");
    }
    if (done && done->new_secret)
        render_new_secret(c, done);
    if (jwt_secrets_load(c->p, c->secrets_path, &s, &err) != JWT_OK) {
        page_markup(b, "<p class=\"error\" id=\"load-error\">The secrets file cannot be used: ");
        page_text(b, err.message);
        page_markup(b, "</p>");
        layout_end(c);
        return;
    }
    render_list(c, s);
    render_forms(c, s);
    layout_end(c);
}

/* ---------- actions ---------- */

static int parse_action(const char *name, action_t *out)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (strcmp(name, action_names[i]) == 0) {
            *out = (action_t)i;
            return 1;
        }
    }
    return 0;
}

/* "k-20261128-140512-3fa9": sortable by time, unique enough with 16 random bits. */
static const char *generated_kid(admin_ctx_t *c)
{
    unsigned char r[2] = { 0, 0 };
    if (RAND_bytes(r, sizeof(r)) != 1)
        r[0] = r[1] = 0;   /* the time alone still names it */
    const char *iso = jwt_time_iso(c->p, c->now);   /* 2026-11-28T14:05:12Z */
    return apr_psprintf(c->p, "k-%.4s%.2s%.2s-%.2s%.2s%.2s-%02x%02x", iso, iso + 5, iso + 8,
                        iso + 11, iso + 14, iso + 17, r[0], r[1]);
}

/* Fill e from the form; NULL or a message for a 400. */
static const char *edit_from_form(admin_ctx_t *c, edit_t *e)
{
    const char *action = apr_table_get(c->form, "action");
    if (action == NULL || !parse_action(action, &e->action))
        return "unknown or missing action";
    e->now = c->now;
    e->status = JWT_SECRET_VERIFY;
    if (e->action == ACT_CREATE || e->action == ACT_ROTATE) {
        const char *alg = apr_table_get(c->form, "alg");
        jwt_err_t err;
        if (alg == NULL || jwt_alg_from_name(alg, &e->alg, &err) != JWT_OK ||
            (JWT_ALGSET(e->alg) & JWT_ALGSET_HMAC) == 0)
            return "alg must be HS256, HS384 or HS512";
        const char *kid = apr_table_get(c->form, "kid");
        e->kid = (kid && *kid) ? kid : generated_kid(c);
        const char *status = apr_table_get(c->form, "status");
        if (e->action == ACT_CREATE && status && strcmp(status, "active") == 0)
            e->status = JWT_SECRET_ACTIVE;
        else if (e->action == ACT_CREATE && status && strcmp(status, "verify") != 0)
            return "status must be active or verify";
        return NULL;
    }
    e->kid = apr_table_get(c->form, "kid");
    if (e->kid == NULL || *e->kid == '\0')
        return "form field kid missing";
    return NULL;
}

static int status_for(jwt_code_t rc)
{
    switch (rc) {
    case JWT_ERR_CONFLICT: return 409;
    case JWT_ERR_IO: case JWT_ERR_CRYPTO: return 500;
    default: return 400;
    }
}

static void render_delete_confirmation(admin_ctx_t *c, const edit_t *e, const char *version)
{
    page_t *b = c->resp->body;
    layout_begin(c, "Delete a secret", "secrets");
    page_markup(b, "<p id=\"confirm-question\">Delete the secret <code>");
    page_text(b, e->kid);
    page_markup(b, "</code>? Tokens signed with it will be refused from the next request on. "
                   "This cannot be undone.</p>");
    layout_form_open(c, "secrets", "confirm-form");
    layout_hidden(c, "action", "delete");
    layout_hidden(c, "kid", e->kid);
    layout_hidden(c, "version", version);
    layout_hidden(c, "confirm", "yes");
    page_markup(b, "<button type=\"submit\" class=\"danger\" id=\"confirm-delete\">Delete permanently"
                   "</button> <a href=\"");
    page_text(b, c->script);
    page_markup(b, "?page=secrets\">Cancel</a></form>");
    layout_end(c);
}

static void do_action(admin_ctx_t *c)
{
    edit_t e;
    memset(&e, 0, sizeof(e));
    const char *bad = edit_from_form(c, &e);
    const char *version = apr_table_get(c->form, "version");
    if (bad == NULL && version == NULL)
        bad = "form field version missing";
    if (bad) {
        c->resp->status = 400;
        render_page(c, bad, NULL);
        return;
    }
    const char *confirm = apr_table_get(c->form, "confirm");
    if (e.action == ACT_DELETE && (confirm == NULL || strcmp(confirm, "yes") != 0)) {
        render_delete_confirmation(c, &e, version);
        return;
    }
    const char *why = NULL;
    audit_t *audit = audit_open(c, &why);
    if (audit == NULL) {
        c->resp->status = 500;
        render_page(c, apr_pstrcat(c->p, "nothing changed: ", why, NULL), NULL);
        return;
    }
    jwt_err_t err;
    jwt_code_t rc = jwt_secrets_update(c->p, c->secrets_path, version, c->secrets_mode, apply_edit,
                                       &e, NULL, &err);
    const char *name = action_names[e.action];
    audit_write(audit, c, name, e.kid, rc == JWT_OK ? "ok" : jwt_code_name(rc));
    if (rc != JWT_OK) {
        c->resp->status = status_for(rc);
        render_page(c, rc == JWT_ERR_CONFLICT
                           ? "Nothing changed: the secrets file was changed by someone else since this "
                             "page was loaded. The list below is current; try again."
                           : apr_pstrcat(c->p, "Nothing changed: ", err.message, NULL), NULL);
        return;
    }
    const char *notice = apr_psprintf(c->p, "%s: %s done%s%s.", name, e.kid,
                                      e.demoted ? "; now verify-only: " : "", e.demoted ? e.demoted : "");
    render_page(c, notice, &e);
}

void page_secrets(admin_ctx_t *c)
{
    if (c->secrets_path == NULL) {
        layout_error(c, 500, "Secrets", "JWT_ADMIN_SECRETS_FILE is not set: there is no secrets file "
                     "to manage.");
        return;
    }
    if (c->is_post)
        do_action(c);
    else
        render_page(c, NULL, NULL);
}
