/* jwt_secrets_int.h -- what jwt_secrets.c (load), jwt_secrets_keys.c (keys, editing),
 * jwt_secrets_enc.c (encryption entries) and jwt_secrets_write.c (update) share. Not part of
 * the core's API: include only from those. */
#ifndef JWT_SECRETS_INT_H
#define JWT_SECRETS_INT_H

#include "jwt_secrets.h"
#include "jwt_wipe.h"

#define SECRETS_MAX_CREATED ((int64_t)1 << 53)  /* same range as a JSON NumericDate */

/* Parse buf (NULL and missing=1 when the file does not exist) into a fresh set whose
 * version is the hex SHA-256 of buf. */
jwt_code_t jwt_secrets_from_bytes(apr_pool_t *p, const char *buf, size_t len, int missing,
                                  const char *path, jwt_secrets_t **out, jwt_err_t *err);

/* The first hex_chars (at most 64) hex digits of SHA-256(data); NULL on a digest failure. */
const char *jwt_secrets_hex_sha256(apr_pool_t *p, const void *data, size_t len, size_t hex_chars);

/* HS256, HS384 or HS512? */
int jwt_secrets_is_hmac_alg(jwt_alg_t alg);

/* jwt_secrets_enc.c: is jk an encryption key entry (kty oct with "use":"enc" or a JWE
 * "alg")? Then keep it (checked as a decryption key) in s->enc_keys. */
int jwt_secrets_is_enc_entry(json_object *jk);
jwt_code_t jwt_secrets_keep_enc_entry(apr_pool_t *p, jwt_secrets_t *s, json_object *jk,
                                      const char *path, size_t idx, jwt_err_t *err);

#endif
