/* login_answer.c -- the JSON answers of the login, logout and JWKS handlers: no-store,
 * RFC 6749 5.2 error objects, 405 with Allow. */
#include "login_answer.h"
#include "jwt_json.h"

#include <string.h>
#include <apr_strings.h>
#include "http_core.h"
#include "http_protocol.h"

int jwt_login_send_json(request_rec *r, int status, json_object *body)
{
    const char *text = jwt_json_to_string(r->pool, body);
    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Pragma", "no-cache");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

int jwt_login_send_error(request_rec *r, int status, const char *error, const char *description)
{
    json_object *o = jwt_json_pool_own(r->pool, json_object_new_object());
    json_object_object_add(o, "error", json_object_new_string(error));
    json_object_object_add(o, "error_description", json_object_new_string(description));
    return jwt_login_send_json(r, status, o);
}

int jwt_login_method_not_allowed(request_rec *r, const char *allow)
{
    apr_table_setn(r->headers_out, "Allow", allow);
    return jwt_login_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                      apr_pstrcat(r->pool, "use ", allow, NULL));
}
