/* conn_state.c -- the module's one c->conn_config slot, shared out by part (conn_state.h). */
#include "jwt_module.h"
#include "conn_state.h"

jwt_conn_parts_t *jwt_conn_parts(conn_rec *c)
{
    jwt_conn_parts_t *parts = ap_get_module_config(c->conn_config, &auth_jwt_module);
    if (parts == NULL && (parts = apr_pcalloc(c->pool, sizeof(*parts))) != NULL)
        ap_set_module_config(c->conn_config, &auth_jwt_module, parts);
    return parts;
}

jwt_conn_parts_t *jwt_conn_parts_get(const conn_rec *c)
{
    return ap_get_module_config(c->conn_config, &auth_jwt_module);
}
