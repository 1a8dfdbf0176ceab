/* jwt_json_int.h -- what jwt_json.c and jwt_json_scan.c share; not part of the core's
 * interface (jwt_json.h is). */
#ifndef JWT_JSON_INT_H
#define JWT_JSON_INT_H

#include <stddef.h>
#include "jwt_json.h"

/* Recursion guard independent of the caller's limit: the scanner recurses per level. */
#define JSON_HARD_MAX_DEPTH 256

/* The limits in force: the caller's, else the defaults; depth never over the hard cap. */
size_t jsoni_max_bytes(const jwt_json_limits_t *lim);
int jsoni_max_depth(const jwt_json_limits_t *lim);

#endif
