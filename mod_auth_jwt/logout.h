/* logout.h -- jwt-logout-handler (logout.c). */
#ifndef JWT_LOGOUT_H
#define JWT_LOGOUT_H

#include "httpd.h"

int jwt_logout_handler(request_rec *r);

#endif
