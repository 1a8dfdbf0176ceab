/* login_encrypt.c -- the login cookie as a nested JWE (login_encrypt.h). */
#include "login_encrypt.h"
#include "jwe_conf.h"

#include <string.h>
#include "jwt_jwe.h"

/* Does the pair fit the key (its algs, and for dir its length) and the allow-lists? */
static int fits(const jwt_jwe_key_t *key, jwt_jwe_algset_t algs, jwt_jwe_encset_t encs,
                jwt_jwe_alg_t a, jwt_jwe_enc_t e)
{
    if (!(key->algs & algs & JWT_JWE_SET(a)) || !(encs & JWT_JWE_SET(e)))
        return 0;
    return a != JWT_JWE_DIR || key->secret_len == jwt_jwe_enc_cek_len(e);
}

int jwt_login_encryption_algs(const jwt_jwe_key_t *key, jwt_jwe_algset_t algs,
                              jwt_jwe_encset_t encs, jwt_jwe_alg_t *alg, jwt_jwe_enc_t *enc)
{
    jwt_jwe_alg_t a = JWT_JWE_ECDH_ES_A256KW;
    jwt_jwe_enc_t e = JWT_JWE_A256GCM;
    int i, j;

    switch (key->type) {
    case JWT_JWEK_RSA:
        a = JWT_JWE_RSA_OAEP_256;
        break;
    case JWT_JWEK_OCT:
        switch (key->secret_len) {
        case 16: a = JWT_JWE_A128KW; break;
        case 24: a = JWT_JWE_A192KW; break;
        case 48: a = JWT_JWE_DIR; e = JWT_JWE_A192CBC_HS384; break;
        case 64: a = JWT_JWE_DIR; e = JWT_JWE_A256CBC_HS512; break;
        default: a = JWT_JWE_DIR; break;
        }
        break;
    default:                           /* EC, X25519, X448 */
        break;
    }
    if (!fits(key, algs, encs, a, e)) {
        /* the key's JWK "alg" or the allow-lists narrowed it: the first pair they allow */
        for (i = 0; i < JWT_JWE_ALG__COUNT; i++) {
            for (j = 0; j < JWT_JWE_ENC__COUNT; j++) {
                if (fits(key, algs, encs, (jwt_jwe_alg_t)i, (jwt_jwe_enc_t)j)) {
                    *alg = (jwt_jwe_alg_t)i;
                    *enc = (jwt_jwe_enc_t)j;
                    return 1;
                }
            }
        }
        return 0;
    }
    *alg = a;
    *enc = e;
    return 1;
}

jwt_code_t jwt_login_encrypt(request_rec *r, const jwt_dir_conf_t *conf, const char *token,
                             const char **out, jwt_err_t *err)
{
    const jwt_jwe_conf_t *jc = conf->jwe;
    const jwt_jwe_key_t *key;
    jwt_jwe_alg_t alg;
    jwt_jwe_enc_t enc;
    char *jwe = NULL;
    jwt_code_t rc;

    if (!jc || jwt_jwe_keyring_count(jc->ring) == 0)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "AuthJWTDelivery ... encrypt needs an "
                       "AuthJWTDecryptionKey at the login location");
    key = APR_ARRAY_IDX(jc->ring->keys, 0, const jwt_jwe_key_t *);
    if (!jwt_login_encryption_algs(key, jwt_jwe_conf_algs(jc), jwt_jwe_conf_encs(jc), &alg, &enc))
        return JWT_ERR(err, JWT_ERR_ALG_NOT_ALLOWED, "no key management / content encryption "
                       "pair allowed here fits the decryption key %s",
                       jwt_jwe_key_describe(r->pool, key));
    rc = jwt_jwe_encrypt(r->pool, (const unsigned char *)token, strlen(token), key, alg, enc,
                         "JWT", &jwe, err);
    if (rc != JWT_OK)
        return rc;
    *out = jwe;
    return JWT_OK;
}
