/* cgi_app.h -- handle one CGI request from the environment, stdin and stdout. */
#ifndef CGI_APP_H
#define CGI_APP_H
#include <stdio.h>
#include <apr_pools.h>
#include "admin.h"
int admin_handle(apr_pool_t *p, FILE *in, FILE *out);
#endif
