/* cgi_keys.c -- load the keys named by JWT_ADMIN_KEYS and the secrets file. */
#include <string.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include "jwt_b64.h"
#include "jwt_fetch.h"
#include "jwt_secrets.h"
#include "cgi_keys.h"

#define ADMIN_FETCH_TIMEOUT_MS 3000   /* the page must answer promptly even if an IdP hangs */

/* detail is kept until the page is rendered: pool memory, never a jwt_err_t's message. */
static void report(apr_array_header_t *sources, const char *source, int ok, const char *detail)
{
    key_source_t *ks = apr_array_push(sources);
    ks->source = source;
    ks->ok = ok;
    ks->detail = detail;
}

static int is_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static void load_url(admin_ctx_t *c, jwt_keyring_t *ring, const char *url,
                     apr_array_header_t *sources)
{
    jwt_fetch_opts_t opts = { ADMIN_FETCH_TIMEOUT_MS, 0, 0, NULL, 0 };
    jwt_fetch_result_t *res = NULL;
    jwt_err_t err;
    int count = 0;
    if (jwt_fetch_url(c->p, url, &opts, &res, &err) != JWT_OK) {
        report(sources, url, 0, apr_pstrcat(c->p, "not checked here: ", err.message, NULL));
        return;
    }
    if (res->status != 200) {
        report(sources, url, 0, apr_psprintf(c->p, "not checked here: HTTP %ld", res->status));
        return;
    }
    if (jwt_keys_from_buffer(ring, res->body, res->len, url, NULL, &count, &err) != JWT_OK) {
        report(sources, url, 0, apr_pstrdup(c->p, err.message));
        return;
    }
    report(sources, url, 1, apr_psprintf(c->p, "%d key%s (fetched now)", count,
                                         count == 1 ? "" : "s"));
}

static void load_file(admin_ctx_t *c, jwt_keyring_t *ring, const char *path, const char *kid,
                      apr_array_header_t *sources)
{
    jwt_err_t err;
    int count = 0, before = ring->keys->nelts;
    if (jwt_keys_from_file(ring, path, kid, &count, &err) != JWT_OK) {
        report(sources, path, 0, apr_pstrdup(c->p, err.message));
        return;
    }
    jwt_keyring_name_by_thumbprint(ring, before);
    report(sources, path, 1, apr_psprintf(c->p, "%d key%s", count, count == 1 ? "" : "s"));
}

static void load_secrets(admin_ctx_t *c, jwt_keyring_t *ring, apr_array_header_t *sources)
{
    jwt_secrets_t *s = NULL;
    jwt_err_t err;
    const char *label = apr_pstrcat(c->p, "secrets:", c->secrets_path, NULL);
    if (jwt_secrets_load(c->p, c->secrets_path, &s, &err) != JWT_OK ||
        jwt_secrets_add_to_keyring(s, c->secrets_path, ring, &err) != JWT_OK) {
        report(sources, label, 0, apr_pstrdup(c->p, err.message));
        return;
    }
    int usable = 0;
    const jwt_secret_t *all = (const jwt_secret_t *)s->secrets->elts;
    for (int i = 0; i < s->secrets->nelts; i++)
        usable += all[i].status != JWT_SECRET_RETIRED && all[i].can_verify;
    report(sources, label, 1, apr_psprintf(c->p, "%d secret%s (retired and key_ops without verify excluded)", usable,
                                           usable == 1 ? "" : "s"));
}

void admin_key_list_start(apr_pool_t *p, const char *list, key_list_t *it)
{
    it->state = NULL;
    it->next = apr_strtok(apr_pstrdup(p, list), " \t", &it->state);
}

int admin_key_list_next(key_list_t *it, const char **word, const char **kid)
{
    char *w = it->next;

    if (!w)
        return 0;
    it->next = apr_strtok(NULL, " \t", &it->state);
    *kid = NULL;
    if (it->next && strncmp(it->next, "kid=", 4) == 0 && it->next[4] != '\0') {
        *kid = it->next + 4;
        it->next = apr_strtok(NULL, " \t", &it->state);
    }
    *word = w;
    return 1;
}

jwt_keyring_t *admin_keyring(admin_ctx_t *c, apr_array_header_t **sources)
{
    jwt_keyring_t *ring = jwt_keyring_make(c->p);
    *sources = apr_array_make(c->p, 4, sizeof(key_source_t));
    if (c->keys) {
        /* "PATH [kid=ID] URL PATH ...": kid= names the key of the word before it, as in
         * AuthJWTKeyFile PATH kid=ID */
        key_list_t it;
        const char *w, *kid;
        admin_key_list_start(c->p, c->keys, &it);
        while (admin_key_list_next(&it, &w, &kid)) {
            if (strncmp(w, "kid=", 4) == 0)
                report(*sources, w, 0, "kid= must follow a key file");
            else if (is_url(w))
                load_url(c, ring, w, *sources);
            else
                load_file(c, ring, w, kid, *sources);
        }
    }
    if (c->secrets_path)
        load_secrets(c, ring, *sources);
    return ring;
}
