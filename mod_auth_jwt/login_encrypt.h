/* login_encrypt.h -- AuthJWTDelivery cookie NAME encrypt: the login handler's signed token
 * wrapped in a JWE (a nested JWT, cty "JWT") for the login location's own decryption key,
 * so the cookie's claims are private. Protected locations reading that cookie decrypt it
 * with the same AuthJWTDecryptionKey (jwe_stage.c) and verify the inner token as usual. */
#ifndef JWT_LOGIN_ENCRYPT_H
#define JWT_LOGIN_ENCRYPT_H

#include "dir_conf.h"
#include "jwt_jwe_key.h"

/* The default algorithms for a recipient key (README "Encrypted tokens"):
 *   EC / X25519 / X448   ECDH-ES+A256KW with A256GCM
 *   RSA                  RSA-OAEP-256 with A256GCM
 *   oct 32 bytes         dir with A256GCM (48 / 64 bytes: dir with A192CBC-HS384 /
 *                        A256CBC-HS512; 16 / 24: A128KW / A192KW with A256GCM)
 * narrowed to what the key's JWK "alg" and the location's allow-lists permit (then the
 * first pair they allow). 0 when nothing fits. */
int jwt_login_encryption_algs(const jwt_jwe_key_t *key, jwt_jwe_algset_t algs,
                              jwt_jwe_encset_t encs, jwt_jwe_alg_t *alg, jwt_jwe_enc_t *enc);

/* Wrap token (a signed JWT) in a compact JWE for the location's first decryption key.
 * JWT_OK with *out, or an error whose message says why (no key, no algorithm fits). */
jwt_code_t jwt_login_encrypt(request_rec *r, const jwt_dir_conf_t *conf, const char *token,
                             const char **out, jwt_err_t *err);

#endif
