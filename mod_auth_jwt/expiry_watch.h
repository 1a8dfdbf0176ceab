/* expiry_watch.h -- warnings about configured keys that will need renewing
 * (expiry_watch.c): X.509 certificates in AuthJWTKeyFile files (PEM, or x5c of a JWK /
 * JWK Set) that expire within 30 days, and secrets of an AuthJWTSecretsFile (or a
 * signing secrets= file) created longer ago than AuthJWTSecretsRotationAge. Checked by
 * `apachectl configtest` and at every start (stderr), and by the parent once a day (the
 * error log; the first time a few seconds after the start).
 */
#ifndef JWT_EXPIRY_WATCH_H
#define JWT_EXPIRY_WATCH_H

#include "httpd.h"
#include "http_config.h"

#define JWT_EXPIRY_WARN_DAYS 30

/* A setter read this file (config time): it is checked from now on. */
void jwt_expiry_note_key_file(cmd_parms *cmd, const char *path);
void jwt_expiry_note_secrets_file(cmd_parms *cmd, const char *path);

const char *jwt_cmd_secrets_rotation_age(cmd_parms *cmd, void *dummy, const char *arg);

#define JWT_EXPIRY_CMDS \
    AP_INIT_TAKE1("AuthJWTSecretsRotationAge", jwt_cmd_secrets_rotation_age, NULL, RSRC_CONF, \
        "DAYS: warn (configtest, daily in the error log) about a secret created longer ago " \
        "(default 0: no warning)")

void jwt_expiry_register_hooks(apr_pool_t *p);

#endif
