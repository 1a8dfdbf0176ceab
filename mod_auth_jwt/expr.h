/* expr.h -- the verified claims in httpd expressions (ap_expr): jwt_claim('path') and
 * jwt_claim_list('path'), registered through ap_hook_expr_lookup, and the authz provider
 * Require jwt-expr EXPR (expr.c). */
#ifndef JWT_EXPR_H
#define JWT_EXPR_H

#include "jwt_module.h"
#include "ap_expr.h"

/* Hooks the expr_lookup (the two functions) and registers Require jwt-expr. */
void jwt_expr_register(apr_pool_t *p);

#endif
