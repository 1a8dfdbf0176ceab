/* admin.h -- what every page of the admin CGI shares: the request context and the layout.
 * The context is filled once from the CGI environment (cgi_main.c); pages read only the
 * context, so the unit tests can drive them without an httpd. */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdint.h>
#include <sys/types.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "cgi_html.h"

typedef struct {
    apr_pool_t *p;
    const char *user;           /* REMOTE_USER; "anonymous" only with ALLOW_UNAUTHENTICATED */
    int unauthenticated;        /* running without REMOTE_USER (local testing) */
    const char *script;         /* SCRIPT_NAME: where forms post to */
    const char *assets;         /* URL prefix of admin.css / admin.js */
    const char *secrets_path;   /* JWT_ADMIN_SECRETS_FILE, NULL when unset */
    mode_t secrets_mode;        /* JWT_ADMIN_SECRETS_MODE, default 0640 */
    const char *audit_log;      /* JWT_ADMIN_AUDIT_LOG, NULL when unset */
    const char *keys;           /* JWT_ADMIN_KEYS: key files, JWKS files, JWKS URLs */
    const char *decryption_keys;/* JWT_ADMIN_DECRYPTION_KEYS: JWE private key files (cgi_jwe.c) */
    const char *algorithms;     /* JWT_ADMIN_ALGORITHMS, NULL = all supported */
    const char *issuers;        /* JWT_ADMIN_ISSUER (space-separated), NULL = not checked */
    const char *audiences;      /* JWT_ADMIN_AUDIENCE (space-separated), NULL = not checked */
    const char *typ;            /* JWT_ADMIN_TYPE */
    const char *required;       /* JWT_ADMIN_REQUIRE_CLAIMS, default "exp" */
    int64_t leeway;             /* JWT_ADMIN_LEEWAY, default 60 */
    int64_t max_lifetime;       /* JWT_ADMIN_MAX_LIFETIME, default 0 = none */
    const char *csrf;           /* this user's CSRF token, put in every form */
    int64_t now;
    int is_post;
    apr_table_t *form;          /* POST fields (or query fields for GET) */
    response_t *resp;
} admin_ctx_t;

/* layout (cgi_layout.c) */
void layout_begin(admin_ctx_t *c, const char *title, const char *current);
void layout_end(admin_ctx_t *c);
/* Replace the body with an error page: status and a message (escaped). */
void layout_error(admin_ctx_t *c, int status, const char *title, const char *message);
/* <form method=post action=SCRIPT?page=PAGE> with the CSRF field; close with "</form>". */
void layout_form_open(admin_ctx_t *c, const char *page, const char *cls);
void layout_hidden(admin_ctx_t *c, const char *name, const char *value);
/* "in 14 min", "3 h ago" */
const char *relative_time(apr_pool_t *p, int64_t t, int64_t now);

/* pages */
void page_inspect(admin_ctx_t *c);
void page_secrets(admin_ctx_t *c);
void page_mint(admin_ctx_t *c);
void page_revocations(admin_ctx_t *c);   /* cgi_revoke.c */

/* audit log (cgi_audit.c): opened before a change so a change is never made unlogged. */
typedef struct audit audit_t;
audit_t *audit_open(admin_ctx_t *c, const char **why);    /* NULL path -> a no-op log */
void audit_write(audit_t *a, admin_ctx_t *c, const char *action, const char *kid,
                 const char *result);
/* action=mint with the token's sub, aud and exp (token NULL: refused). */
void audit_write_mint(audit_t *a, admin_ctx_t *c, const char *kid, const char *token);

#endif
