/* revocation_audit.h -- AuthJWTRevocationAuditLog FILE (main server): one line per
 * revocation, for operators and for the admin page's list of recent revocations
 * (revocation_audit.c). The file is opened by the parent (root) at startup, O_APPEND, mode
 * 0640, group httpd's Group, so the children append to it and the admin CGI (running as
 * httpd's User) can read it; it may be the admin page's own JWT_ADMIN_AUDIT_LOG. A line:
 *   2026-12-01T11:42:07Z revoke by=<who> from=<client address> iss=<iss> jti=<jti> until=<T>
 *   2026-12-01T11:42:07Z revoke by=<who> from=<client address> iss=<iss> sub=<sub> until=<T>
 * Values are escaped (ap_escape_logitem, then spaces as \x20) so one line stays one record;
 * never the token.
 */
#ifndef JWT_REVOCATION_AUDIT_H
#define JWT_REVOCATION_AUDIT_H

#include "httpd.h"
#include "http_config.h"

const char *jwt_cmd_revocation_audit_log(cmd_parms *cmd, void *mconfig, const char *arg);

#define JWT_REVOCATION_AUDIT_CMDS \
    AP_INIT_TAKE1("AuthJWTRevocationAuditLog", jwt_cmd_revocation_audit_log, NULL, RSRC_CONF, \
        "FILE: one line per revocation (who, iss, jti or sub, until); main server only")

/* Append one revocation (kind "jti" or "sub"). A failed write is logged, never fatal. */
void jwt_revocation_audit(request_rec *r, const char *who, const char *iss, const char *kind,
                          const char *value, apr_int64_t until);

void jwt_revocation_audit_register_hooks(apr_pool_t *p);

#endif
