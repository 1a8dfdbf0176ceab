/* jwks_publish.c -- jwt-jwks-handler: the public half of the server's signing keys. */
#include "jwks_publish.h"
#include "dir_conf.h"
#include "login_answer.h"
#include "jwt_json.h"

#include <string.h>
#include <apr_strings.h>
#include "http_core.h"
#include "http_protocol.h"
#include <apr_hash.h>

#define JWKS_HANDLER "jwt-jwks-handler"
#define JWKS_MAX_AGE "300"

/* The public half of every asymmetric signing key of this server (HMAC secrets are never
 * published). */
int jwt_jwks_handler(request_rec *r)
{
    const jwt_server_conf_t *sc;
    json_object *doc, *keys;
    apr_hash_t *seen;
    const char *text;
    int i;

    if (!r->handler || strcmp(r->handler, JWKS_HANDLER))
        return DECLINED;
    if (r->method_number != M_GET)
        return jwt_login_method_not_allowed(r, "GET, HEAD");
    sc = ap_get_module_config(r->server->module_config, &auth_jwt_module);
    doc = jwt_json_pool_own(r->pool, json_object_new_object());
    keys = json_object_new_array();
    json_object_object_add(doc, "keys", keys);
    seen = apr_hash_make(r->pool);
    for (i = 0; i < sc->signing_keys->nelts; i++) {
        const jwt_key_t *key = APR_ARRAY_IDX(sc->signing_keys, i, const jwt_key_t *);
        json_object *jwk = NULL;
        jwt_err_t err;
        if (key->kid && apr_hash_get(seen, key->kid, APR_HASH_KEY_STRING))
            continue;
        jwt_err_clear(&err);
        if (jwt_key_public_jwk(r->pool, key, &jwk, &err) != JWT_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(0608)
                          "JWKS: cannot export %s: %s", jwt_key_describe(r->pool, key),
                          err.message);
            continue;
        }
        if (key->kid)
            apr_hash_set(seen, key->kid, APR_HASH_KEY_STRING, key);
        /* jwk is owned by r->pool: the array takes its own reference */
        json_object_array_add(keys, json_object_get(jwk));
    }
    text = jwt_json_to_string(r->pool, doc);
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=" JWKS_MAX_AGE);
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}
