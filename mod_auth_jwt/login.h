/* login.h -- issuing tokens (issue 5): jwt-login-handler (logout.h and jwks_publish.h
 * have the other two handlers). Their per-directory part and directives are in
 * login_conf.h. */
#ifndef JWT_LOGIN_H
#define JWT_LOGIN_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"
#include "jwt_alg.h"
#include "jwt_key.h"

#include "login_conf.h"

int jwt_login_handler(request_rec *r);
/* post_config: the dummy password hash used for unknown users. */
int jwt_login_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s);

#endif
