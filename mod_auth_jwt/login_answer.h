/* login_answer.h -- JSON answers shared by login.c, logout.c and jwks_publish.c. */
#ifndef JWT_LOGIN_ANSWER_H
#define JWT_LOGIN_ANSWER_H

#include "httpd.h"
#include <json-c/json.h>

/* body as the response, Cache-Control: no-store; returns OK. */
int jwt_login_send_json(request_rec *r, int status, json_object *body);
/* {"error": error, "error_description": description} (RFC 6749 5.2). */
int jwt_login_send_error(request_rec *r, int status, const char *error,
                         const char *description);
/* 405 with Allow: allow. */
int jwt_login_method_not_allowed(request_rec *r, const char *allow);

#endif
