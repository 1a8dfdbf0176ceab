/* logout.c -- jwt-logout-handler: revokes the presented token when the section has
 * AuthJWTRevocation On (revoke.c), clears the token cookie (POST only). */
#include "logout.h"
#include "dir_conf.h"
#include "login_answer.h"
#include "revoke.h"
#include "jwt_json.h"

#include <string.h>
#include <apr_strings.h>
#include "http_core.h"
#include "http_protocol.h"

#define LOGOUT_HANDLER "jwt-logout-handler"

static void clear_cookie(request_rec *r, const char *name)
{
    apr_table_addn(r->headers_out, "Set-Cookie", apr_pstrcat(r->pool, name,
                   "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; "
                   "Expires=Thu, 01 Jan 1970 00:00:00 GMT", NULL));
}

/* Clears the cookie of this section's AuthJWTDelivery, or else every token cookie the
 * server issues. Logging out is idempotent: 200 whether or not a cookie came. */
int jwt_logout_handler(request_rec *r)
{
    const jwt_dir_conf_t *conf;
    const jwt_server_conf_t *sc;
    json_object *body;
    int i;

    if (!r->handler || strcmp(r->handler, LOGOUT_HANDLER))
        return DECLINED;
    if (r->method_number != M_POST)      /* a GET can be made cross-site by an <img> */
        return jwt_login_method_not_allowed(r, "POST");
    conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    sc = ap_get_module_config(r->server->module_config, &auth_jwt_module);
    jwt_revoke_presented(r, conf);       /* AuthJWTRevocation On: its jti, before the cookie */
    if (conf->login.delivery == JWT_DELIVER_COOKIE && conf->login.cookie_name) {
        clear_cookie(r, conf->login.cookie_name);
    }
    else {
        for (i = 0; i < sc->cookie_names->nelts; i++) {
            const char *name = APR_ARRAY_IDX(sc->cookie_names, i, const char *);
            int j, seen = 0;
            for (j = 0; j < i; j++)
                seen |= !strcmp(name, APR_ARRAY_IDX(sc->cookie_names, j, const char *));
            if (!seen)
                clear_cookie(r, name);
        }
    }
    body = jwt_json_pool_own(r->pool, json_object_new_object());
    json_object_object_add(body, "logged_out", json_object_new_boolean(1));
    return jwt_login_send_json(r, HTTP_OK, body);
}
