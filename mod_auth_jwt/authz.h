/* authz.h -- Require jwt-claim / jwt-claim-array / jwt-scope (authz.c). */
#ifndef JWT_AUTHZ_H
#define JWT_AUTHZ_H

#include "httpd.h"

/* authz.c */
void jwt_register_authz_providers(apr_pool_t *p);

#endif
