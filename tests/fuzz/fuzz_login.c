/* libFuzzer target: the JSON form of the login request body (mod_auth_jwt/login.c,
 * parse_json + json_string_member). The parse itself is the core's jwt_json_parse_object
 * with the login handler's limits (JWT_LOGIN_MAX_BODY bytes, depth 4); the member
 * extraction below repeats login.c's json_string_member, which is static there.
 * The form-encoded body is parsed by httpd's ap_unescape_urlencoded inside a request and
 * cannot be driven without httpd: the integration tests exercise it over HTTP.
 * Invariants: over-deep or over-long bodies are refused; extracted strings have no NUL. */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_json.h"

#define LOGIN_MAX_BODY 8192      /* JWT_LOGIN_MAX_BODY in mod_auth_jwt/login.h (httpd header) */
#define LOGIN_MAX_DEPTH 4

static const char *string_member(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
        return NULL;
    return json_object_get_string(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_err_t e;
    json_object *o = NULL;
    jwt_json_limits_t lim = { LOGIN_MAX_BODY, LOGIN_MAX_DEPTH };

    fuzz_apr_init();
    apr_pool_create(&p, NULL);
    if (jwt_json_parse_object(p, (const char *)data, size, &lim, &o, &e) == JWT_OK) {
        FUZZ_ASSERT(size <= LOGIN_MAX_BODY);
        FUZZ_ASSERT(json_object_is_type(o, json_type_object));
        const char *u = string_member(o, "username");
        const char *pw = string_member(o, "password");
        if (u != NULL)
            FUZZ_ASSERT(strlen(u) <= size);
        if (pw != NULL)
            FUZZ_ASSERT(strlen(pw) <= size);
    }
    apr_pool_destroy(p);
    return 0;
}
