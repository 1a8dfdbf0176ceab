/* source_files.c -- the key source of AuthJWTKeyFile: the section's keyring, built while
 * the configuration is read (config.c). It changes only with a restart, a new
 * configuration and so a new token cache: it has no versions. */
#include "source_files.h"

static int files_configured(const jwt_dir_conf_t *conf)
{
    return conf->keyring != NULL;
}

static const void *files_identity(const jwt_dir_conf_t *conf)
{
    return conf->keyring;
}

static jwt_code_t files_verify(request_rec *r, const jwt_dir_conf_t *conf,
                               const jwt_token_t *t, const jwt_key_t **used,
                               int *retry_after, jwt_err_t *err)
{
    return jwt_key_source_verify_ring(conf->keyring, conf, t, used, err);
}

const jwt_key_source_t jwt_source_files = {
    "AuthJWTKeyFile", 0, files_configured, files_identity, files_verify, NULL
};
