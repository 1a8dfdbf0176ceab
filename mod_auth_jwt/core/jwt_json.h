/* jwt_json.h -- JSON parsing with limits.
 * A strict validating pre-scan (RFC 8259 grammar, UTF-8, depth, size, duplicate member
 * names compared after unescaping) runs before json-c, because json-c silently keeps the
 * last of duplicate members. The whole input must be one JSON object, no trailing data. */
#ifndef JWT_JSON_H
#define JWT_JSON_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "jwt_err.h"

typedef struct {
    size_t max_bytes;   /* 0 = JWT_JSON_DEFAULT_MAX_BYTES */
    int max_depth;      /* 0 = JWT_JSON_DEFAULT_MAX_DEPTH; top-level object is depth 1 */
} jwt_json_limits_t;

#define JWT_JSON_DEFAULT_MAX_BYTES (64 * 1024)
#define JWT_JSON_DEFAULT_MAX_DEPTH 16

/* Parse buf[0..len) (need not be NUL-terminated) into a JSON object. lim may be NULL.
 * The returned object is released by a cleanup on p (json_object_put). */
jwt_code_t jwt_json_parse_object(apr_pool_t *p, const char *buf, size_t len,
                                 const jwt_json_limits_t *lim, json_object **out,
                                 jwt_err_t *err);

/* Validate only (no json-c objects made). Accepts any JSON value at top level when
 * object_only is 0. Used by the parser above and by fuzz targets. */
jwt_code_t jwt_json_validate(const char *buf, size_t len, const jwt_json_limits_t *lim,
                             int object_only, jwt_err_t *err);

/* Tie a json-c object's lifetime to a pool (json_object_put on cleanup). Returns obj. */
json_object *jwt_json_pool_own(apr_pool_t *p, json_object *obj);

/* Length of the valid UTF-8 character at p[0..avail): 1 for ASCII, 2..4 for a multibyte
 * sequence, 0 when invalid (overlong forms, surrogates, > U+10FFFF, truncated). Shared by
 * the JSON scanner and the admin CGI's form and HTML code, so all agree on what is valid. */
size_t jwt_utf8_char_len(const unsigned char *p, size_t avail);

/* Compact serialisation copied into pool memory (slashes not escaped). */
const char *jwt_json_to_string(apr_pool_t *p, json_object *obj);

#endif
