/* error_body.c -- JSON bodies for the error answers of AuthType jwt (see error_body.h).
 *
 * httpd builds an error answer in ap_send_error_response: it runs the insert_error_filter
 * hook, then sets Content-Type text/html and sends the custom response of the status if
 * there is one (ErrorDocument, or ap_custom_response from a module), else its stock page.
 * So at insert_error_filter time this unit registers the JSON text as the request's custom
 * response (an ErrorDocument, which ap_response_code_string would return, wins) and adds a
 * small output filter that turns the Content-Type into application/json before the header
 * filter sends it.
 */
#include "dir_conf.h"
#include "error_body.h"
#include "accept.h"
#include "quote.h"
#include "login_redirect.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "mod_core.h"
#include <json-c/json.h>

#define NOTE_ERROR "jwt-error"
#define NOTE_DESCRIPTION "jwt-error-description"
#define JSON_FILTER "JWT_ERROR_JSON"

void jwt_error_note(request_rec *r, const char *error, const char *description)
{
    if (error)
        apr_table_setn(r->notes, NOTE_ERROR, error);
    else
        apr_table_unset(r->notes, NOTE_ERROR);
    if (description)
        apr_table_setn(r->notes, NOTE_DESCRIPTION, description);
    else
        apr_table_unset(r->notes, NOTE_DESCRIPTION);
}

/* ---------------------------------------------------------------- the body */

static apr_status_t json_type_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    /* runs before the header filter: the answer goes out as JSON */
    ap_set_content_type(f->r, "application/json");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void defaults_for(const request_rec *r, int status, const char **error,
                         const char **description)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        *error = "invalid_request";
        *description = "malformed request";
        break;
    case HTTP_FORBIDDEN:
        *error = "insufficient_scope";
        *description = "the token does not grant access to this resource";
        break;
    case HTTP_SERVICE_UNAVAILABLE:
        *error = "temporarily_unavailable";
        *description = "the keys that verify tokens here are not available; retry later";
        break;
    default:                           /* 401 */
        *error = "unauthorized";
        *description = r->user ? "the token does not satisfy this location's rules"
                               : "a bearer token is required";
        break;
    }
}

/* A browser refused at a location with AuthJWTLoginURL (a token that is expired, or lacks
 * the rights): httpd's page plus the way back to the login, as another user if need be. */
static void html_with_login_link(request_rec *r, int status)
{
    const jwt_dir_conf_t *conf = ap_get_module_config(r->per_dir_config, &auth_jwt_module);
    const char *login, *why;

    if ((status != HTTP_UNAUTHORIZED && status != HTTP_FORBIDDEN) || !conf
        || !(login = jwt_login_location(r, conf)))
        return;
    why = status == HTTP_FORBIDDEN
        ? "You are logged in, but your token does not grant access to this page."
        : "Your login is not valid here (it may have expired).";
    ap_custom_response(r, status, apr_pstrcat(r->pool,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
        status == HTTP_FORBIDDEN ? "403 Forbidden" : "401 Unauthorized",
        "</title></head><body>\n<h1>", status == HTTP_FORBIDDEN ? "Forbidden" : "Unauthorized",
        "</h1>\n<p>", why, "</p>\n<p><a id=\"login-link\" href=\"",
        ap_escape_html2(r->pool, login, 1), "\">Log in",
        status == HTTP_FORBIDDEN ? " as another user" : " again", "</a></p>\n</body></html>\n",
        NULL));
}

void jwt_error_body_insert(request_rec *r)
{
    const char *type = ap_auth_type(r), *error, *description, *text;
    int status = r->status;
    json_object *o;

    if (status != HTTP_BAD_REQUEST && status != HTTP_UNAUTHORIZED && status != HTTP_FORBIDDEN
        && status != HTTP_SERVICE_UNAVAILABLE)
        return;
    if (!type || ap_cstr_casecmp(type, JWT_AUTH_TYPE))
        return;
    if (ap_response_code_string(r, ap_index_of_response(status)))
        return;                        /* the operator's ErrorDocument */
    if (jwt_prefers_html(r)) {
        html_with_login_link(r, status);
        return;
    }
    defaults_for(r, status, &error, &description);
    if (apr_table_get(r->notes, NOTE_ERROR)) {
        error = apr_table_get(r->notes, NOTE_ERROR);
        description = apr_table_get(r->notes, NOTE_DESCRIPTION);
    }
    o = json_object_new_object();
    if (!o)
        return;
    json_object_object_add(o, "error", json_object_new_string(error));
    if (description)
        json_object_object_add(o, "error_description", json_object_new_string(description));
    text = apr_pstrcat(r->pool, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE),
                       "\n", NULL);
    json_object_put(o);
    ap_custom_response(r, status, text);
    ap_add_output_filter(JSON_FILTER, NULL, r, r->connection);
    apr_table_mergen(r->err_headers_out, "Vary", "Accept");
}

/* ---------------------------------------------------------------- the login's 401 */

void jwt_login_challenge(request_rec *r)
{
    const char *realm = ap_auth_name(r);

    if (!realm || !*realm)
        realm = jwt_quote(r->pool, r->server->server_hostname ? r->server->server_hostname
                                                               : "login");
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_pstrcat(r->pool, "Bearer realm=\"", realm, "\"", NULL));
}

void jwt_error_body_register(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(JSON_FILTER, json_type_filter, NULL, AP_FTYPE_CONTENT_SET);
}
