/* main.c -- jwt-admin.cgi: the admin page for mod_auth_jwt (a CGI program). */
#include <stdio.h>
#include <apr_general.h>
#include "jwt_fetch.h"
#include "cgi_app.h"

int main(void)
{
    apr_pool_t *p = NULL;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fputs("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
              "APR initialisation failed\n", stdout);
        return 1;
    }
    jwt_fetch_global_init(NULL);
    int rc = admin_handle(p, stdin, stdout);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
