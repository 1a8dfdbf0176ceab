/* metrics_request.h -- each request counted once, at its location's slot, when it is
 * logged (metrics_request.c); and the hooks that make the shared segment. */
#ifndef JWT_METRICS_REQUEST_H
#define JWT_METRICS_REQUEST_H

#include "httpd.h"

void jwt_metrics_register_hooks(apr_pool_t *p);

#endif
