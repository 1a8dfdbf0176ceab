/* conn_state.c -- the module's one c->conn_config slot, shared out by part (conn_state.h). */
#include "conn_state.h"

jwt_conn_parts_t *jwt_conn_parts_make(conn_rec *c)
{
    jwt_conn_parts_t *parts = apr_pcalloc(c->pool, sizeof(*parts));
    if (parts != NULL)
        ap_set_module_config(c->conn_config, &auth_jwt_module, parts);
    return parts;
}
