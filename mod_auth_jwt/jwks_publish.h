/* jwks_publish.h -- jwt-jwks-handler (jwks_publish.c). */
#ifndef JWT_JWKS_PUBLISH_H
#define JWT_JWKS_PUBLISH_H

#include "httpd.h"

int jwt_jwks_handler(request_rec *r);

#endif
