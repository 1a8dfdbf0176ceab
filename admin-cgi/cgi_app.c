/* cgi_app.c -- one CGI request: read the environment, refuse what must be refused
 * (no REMOTE_USER, bad method, malformed form, failed CSRF or origin check), then hand the
 * request to a page. Everything a page needs is put in admin_ctx_t here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <apr_strings.h>
#include "jwt_claims.h"
#include "cgi_csrf.h"
#include "cgi_form.h"
#include "cgi_app.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static int64_t env_int(const char *name, int64_t dflt, int64_t max)
{
    const char *v = env(name);
    if (v == NULL || strspn(v, "0123456789") != strlen(v) || strlen(v) > 12)
        return dflt;
    long long n = strtoll(v, NULL, 10);
    return n > max ? max : n;
}

static mode_t env_mode(const char *name, mode_t dflt)
{
    const char *v = env(name);
    if (v == NULL || strspn(v, "01234567") != strlen(v) || strlen(v) > 4)
        return dflt;
    return (mode_t)strtol(v, NULL, 8);
}

static void ctx_from_env(admin_ctx_t *c)
{
    c->script = env("SCRIPT_NAME") ? env("SCRIPT_NAME") : "";
    c->assets = env("JWT_ADMIN_ASSETS_URL") ? env("JWT_ADMIN_ASSETS_URL") : "/jwt-admin";
    c->secrets_path = env("JWT_ADMIN_SECRETS_FILE");
    c->secrets_mode = env_mode("JWT_ADMIN_SECRETS_MODE", 0640);
    c->audit_log = env("JWT_ADMIN_AUDIT_LOG");
    c->keys = env("JWT_ADMIN_KEYS");
    c->decryption_keys = env("JWT_ADMIN_DECRYPTION_KEYS");
    c->algorithms = env("JWT_ADMIN_ALGORITHMS");
    c->issuers = env("JWT_ADMIN_ISSUER");
    c->audiences = env("JWT_ADMIN_AUDIENCE");
    c->typ = env("JWT_ADMIN_TYPE");
    c->required = env("JWT_ADMIN_REQUIRE_CLAIMS");
    c->leeway = env_int("JWT_ADMIN_LEEWAY", 60, 86400);
    c->max_lifetime = env_int("JWT_ADMIN_MAX_LIFETIME", 0, (int64_t)1 << 40);
    c->now = (int64_t)time(NULL);
}

/* The CSRF key: JWT_ADMIN_CSRF_KEY_FILE, else beside the secrets file. */
static const char *csrf_key_path(admin_ctx_t *c)
{
    if (env("JWT_ADMIN_CSRF_KEY_FILE"))
        return env("JWT_ADMIN_CSRF_KEY_FILE");
    if (c->secrets_path)
        return apr_pstrcat(c->p, c->secrets_path, ".csrf-key", NULL);
    return NULL;
}

static int read_form(admin_ctx_t *c, FILE *in)
{
    form_error_t fe;
    const char *method = env("REQUEST_METHOD") ? env("REQUEST_METHOD") : "GET";
    const char *qs = env("QUERY_STRING") ? env("QUERY_STRING") : "";
    apr_table_t *query = form_parse(c->p, qs, strlen(qs), &fe);
    if (query == NULL) {
        layout_error(c, fe.status, "Bad request", fe.message);
        return 0;
    }
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        c->form = query;
        return 1;
    }
    if (strcmp(method, "POST") != 0) {
        apr_table_setn(c->resp->headers, "Allow", "GET, HEAD, POST");
        layout_error(c, 405, "Method not allowed", "Only GET and POST are used here.");
        return 0;
    }
    c->is_post = 1;
    c->form = form_read_post(c->p, env("CONTENT_TYPE"), env("CONTENT_LENGTH"), in, &fe);
    if (c->form == NULL) {
        layout_error(c, fe.status, "Bad request", fe.message);
        return 0;
    }
    /* the page comes from the URL; the body decides the action */
    const char *page = apr_table_get(query, "page");
    if (page) apr_table_setn(c->form, "page", page);
    return 1;
}

/* The session's token, as the module exported it (JWT_CLAIM_*): see csrf_session. */
static const char *session_of(admin_ctx_t *c)
{
    const char *claims[] = { env("JWT_CLAIM_JTI"), env("JWT_CLAIM_IAT"), env("JWT_CLAIM_EXP"),
                             env("JWT_CLAIM_ISS") };
    return csrf_session(c->p, claims, sizeof(claims) / sizeof(claims[0]));
}

/* Every POST: the same-origin check and this user's CSRF token, or 403 and nothing done. */
static int post_allowed(admin_ctx_t *c, const unsigned char key[CSRF_KEY_LEN])
{
    const char *https = env("HTTPS"), *scheme = env("REQUEST_SCHEME");
    int is_https = (https && strcasecmp(https, "on") == 0) ||
                   (scheme && strcasecmp(scheme, "https") == 0);
    const char *expected = csrf_expected_origin(c->p, env("JWT_ADMIN_ORIGIN"), env("HTTP_HOST"),
                                                is_https);
    const char *problem = csrf_origin_problem(env("HTTP_ORIGIN"), env("HTTP_REFERER"), expected);
    if (problem) {
        layout_error(c, 403, "Forbidden", apr_pstrcat(c->p, "Cross-site request refused: ",
                                                      problem, ". Nothing was changed.", NULL));
        return 0;
    }
    int valid = csrf_token_valid(c->p, key, c->user, session_of(c), apr_table_get(c->form, "csrf"),
                                 c->now, env_int("JWT_ADMIN_CSRF_LIFETIME", CSRF_LIFETIME_DEFAULT,
                                                 CSRF_LIFETIME_MAX));
    if (valid == CSRF_EXPIRED) {
        layout_error(c, 403, "Forbidden", "The CSRF token of this form has expired (reload the page and "
                     "try again). Nothing was changed.");
        return 0;
    }
    if (valid != CSRF_VALID) {
        layout_error(c, 403, "Forbidden", "Missing or invalid CSRF token (reload the page and try "
                     "again). Nothing was changed.");
        return 0;
    }
    return 1;
}

static void dispatch(admin_ctx_t *c)
{
    const char *page = apr_table_get(c->form, "page");
    if (page == NULL || strcmp(page, "inspect") == 0)
        page_inspect(c);
    else if (strcmp(page, "secrets") == 0)
        page_secrets(c);
    else if (strcmp(page, "mint") == 0)
        page_mint(c);
    else if (strcmp(page, "revocations") == 0)
        page_revocations(c);
    else
        layout_error(c, 404, "Not found", "No such page.");
}

int admin_handle(apr_pool_t *p, FILE *in, FILE *out)
{
    admin_ctx_t *c = apr_pcalloc(p, sizeof(*c));
    c->p = p;
    c->resp = response_make(p);
    ctx_from_env(c);
    c->user = env("REMOTE_USER");
    if (c->user == NULL) {
        const char *allow = env("JWT_ADMIN_ALLOW_UNAUTHENTICATED");
        c->unauthenticated = allow && strcmp(allow, "1") == 0;
        c->user = "anonymous";
        if (!c->unauthenticated) {
            layout_error(c, 403, "Forbidden", "This page must sit behind authentication: "
                         "REMOTE_USER is empty. (JWT_ADMIN_ALLOW_UNAUTHENTICATED=1 allows local "
                         "testing without it.)");
            response_write(c->resp, out);
            return 0;
        }
    }
    unsigned char key[CSRF_KEY_LEN];
    const char *key_path = csrf_key_path(c), *why = NULL;
    if (key_path == NULL)
        layout_error(c, 500, "Configuration", "Set JWT_ADMIN_SECRETS_FILE (the CSRF key is kept "
                     "beside it) or JWT_ADMIN_CSRF_KEY_FILE.");
    else if (!csrf_key_load(p, key_path, key, &why))
        layout_error(c, 500, "Configuration", why);
    else if (read_form(c, in) && (!c->is_post || post_allowed(c, key))) {
        c->csrf = csrf_token(p, key, c->user, session_of(c), c->now);
        dispatch(c);
    }
    response_write(c->resp, out);
    return 0;
}
