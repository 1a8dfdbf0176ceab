/* PLACEHOLDER: the module glue is being written (issue 3). */
#include "httpd.h"
#include "http_config.h"
module AP_MODULE_DECLARE_DATA auth_jwt_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, NULL
};
