/* jwe_conf.h -- encrypted tokens (JWE, issue 24): the per-directory part (one pointer
 * member of jwt_dir_conf_t), its merge and its directives (jwe_conf.c).
 *
 *   AuthJWTDecryptionKey FILE [kid=ID]        repeatable, never in .htaccess
 *   AuthJWTEncryption off|optional|required   default: optional with a decryption key
 *   AuthJWTKeyManagementAlgorithms ...        allow-list of JWE "alg" (default: all)
 *   AuthJWTContentEncryptionAlgorithms ...    allow-list of JWE "enc" (default: all)
 *
 * There is no AuthJWTAllowCompression: the core has no bounded inflate, so "zip" is
 * refused always (a decompression bomb is one header away). Below dir_conf.h: httpd and
 * core headers only; the setters find their struct through cmd->info (an offset), as
 * jwks_conf.h does, so this unit needs no dir_conf.h.
 */
#ifndef JWT_JWE_CONF_H
#define JWT_JWE_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "jwt_jwe_key.h"

typedef enum {
    JWT_JWE_MODE_OFF = 0,      /* a JWE is refused */
    JWT_JWE_MODE_OPTIONAL,     /* a JWE is decrypted, a plain JWS goes on as before */
    JWT_JWE_MODE_REQUIRED      /* a plain JWS is refused */
} jwt_jwe_mode_t;

typedef struct jwt_jwe_conf {
    jwt_jwe_keyring_t *ring;   /* AuthJWTDecryptionKey, built while the section is read */
    int ring_set;
    jwt_jwe_mode_t mode;       /* AuthJWTEncryption */
    int mode_set;
    jwt_jwe_algset_t algs;     /* AuthJWTKeyManagementAlgorithms */
    int algs_set;
    jwt_jwe_encset_t encs;     /* AuthJWTContentEncryptionAlgorithms */
    int encs_set;
} jwt_jwe_conf_t;

/* base and add may be NULL (a section without any of these directives). */
jwt_jwe_conf_t *jwt_jwe_conf_merge(apr_pool_t *p, const jwt_jwe_conf_t *base,
                                   const jwt_jwe_conf_t *add);

/* The mode in effect: the directive, else optional when a decryption key is configured,
 * else off. c may be NULL (off). */
jwt_jwe_mode_t jwt_jwe_conf_mode(const jwt_jwe_conf_t *c);

/* Allow-lists in effect (all when unset). */
jwt_jwe_algset_t jwt_jwe_conf_algs(const jwt_jwe_conf_t *c);
jwt_jwe_encset_t jwt_jwe_conf_encs(const jwt_jwe_conf_t *c);

/* Setters; cmd->info is the offset of the jwt_jwe_conf_t * in the per-dir struct. */
const char *jwt_jwe_cmd_key(cmd_parms *cmd, void *dirconf, int argc, char *const argv[]);
const char *jwt_jwe_cmd_mode(cmd_parms *cmd, void *dirconf, const char *arg);
const char *jwt_jwe_cmd_algs(cmd_parms *cmd, void *dirconf, const char *args);

/* The directives, spliced into the module's command table. Keys: RSRC_CONF | ACCESS_CONF
 * only (never .htaccess: whoever writes .htaccess must not choose the server's keys). */
#define JWT_JWE_CMDS(conf_type, field) \
    AP_INIT_TAKE_ARGV("AuthJWTDecryptionKey", jwt_jwe_cmd_key, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | ACCESS_CONF, \
        "FILE [kid=ID]: private key (PEM RSA >= 2048, EC P-256/384/521, X25519, X448) or " \
        "JWK / JWKS with private members (oct for dir / AES key wrap) that decrypts JWE " \
        "tokens; repeatable"), \
    AP_INIT_TAKE1("AuthJWTEncryption", jwt_jwe_cmd_mode, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | OR_AUTHCFG, \
        "off | optional | required: whether encrypted tokens (JWE) are accepted, or demanded " \
        "(default: optional with AuthJWTDecryptionKey, off without)"), \
    AP_INIT_RAW_ARGS("AuthJWTKeyManagementAlgorithms", jwt_jwe_cmd_algs, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | OR_AUTHCFG, \
        "allowed JWE key management algorithms, e.g. RSA-OAEP-256 ECDH-ES (default: all " \
        "supported; RSA1_5 and PBES2 never)"), \
    AP_INIT_RAW_ARGS("AuthJWTContentEncryptionAlgorithms", jwt_jwe_cmd_algs, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | OR_AUTHCFG, \
        "allowed JWE content encryption algorithms, e.g. A256GCM (default: all supported)")

#endif
