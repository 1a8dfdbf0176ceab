/* jwe_stage.c -- stage 2 of the pipeline: decrypt a compact JWE (jwe_stage.h). */
#include "jwe_stage.h"
#include "jwe_conf.h"
#include "explain.h"
#include "secrets_watch.h"

#include <string.h>
#include <apr_strings.h>
#include "jwt_jwe.h"

/* The one description every JWE failure gets (the same status, body and headers). */
#define JWE_REFUSAL "token could not be decrypted"

typedef struct {
    jwt_unwrap_t unwrap;
    const jwt_dir_conf_t *conf;
    const jwt_jwe_conf_t *jc;
    const char *where;
} opening_t;

int jwt_jwe_is_compact_jwe(const char *token, size_t len)
{
    const char *p = token, *end = token + len;
    int dots = 0;

    while (p < end && (p = memchr(p, '.', (size_t)(end - p))) != NULL) {
        if (++dots > 4)
            return 0;
        p++;
    }
    return dots == 4;
}

/* The client sees one answer; the log and an explanation get the reason. */
static jwt_code_t refuse(request_rec *r, const opening_t *o, const jwt_err_t *why,
                         jwt_err_t *err)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1003)
                  "encrypted token from %s refused (%s): %s", o->where,
                  jwt_code_name(why->code), why->message);
    jwt_explain_stage(r, "decrypt", "fail", apr_psprintf(r->pool, "%s: %s",
                      jwt_code_name(why->code), why->message));
    return JWT_ERR(err, JWT_ERR_DECRYPT, "the encrypted token was refused (the reason is "
                   "logged as AH-JWT-1003)");
}

/* Bare claims under a shared secret: the token to validate, without a signature. Its
 * "typ" is the JWE header's (AuthJWTType applies to it). */
static jwt_code_t claims_token(request_rec *r, const char *compact, size_t len,
                               const jwt_jwe_t *jwe, jwt_token_t **out, jwt_err_t *err)
{
    jwt_token_t *t = apr_pcalloc(r->pool, sizeof(*t));
    jwt_code_t rc;

    rc = jwt_json_parse_object(r->pool, (const char *)jwe->plaintext, jwe->plaintext_len,
                               NULL, &t->payload, err);
    if (rc != JWT_OK)
        return rc;
    t->compact = apr_pstrmemdup(r->pool, compact, len);
    t->signing_input_len = len;
    t->header = jwe->header;
    t->header_json = jwe->header_json;
    t->payload_json = (const char *)jwe->plaintext;
    t->alg = JWT_ALG__COUNT;           /* no signature: named "unknown" in logs */
    t->alg_name = jwt_jwe_alg_name(jwe->alg);
    t->kid = jwe->kid;
    t->typ = jwe->typ;
    *out = t;
    return JWT_OK;
}

/* The location's decryption keys: AuthJWTDecryptionKey's, and the encryption keys of its
 * AuthJWTSecretsFile as they are now (pinned for the request, like its HMAC secrets). */
static const jwt_jwe_keyring_t *decryption_keys(request_rec *r, const jwt_dir_conf_t *conf,
                                                const jwt_jwe_conf_t *jc)
{
    const jwt_secrets_view_t *v;
    jwt_jwe_keyring_t *both;

    if (!conf->secrets)
        return jc->ring;
    v = jwt_secrets_watch_acquire(conf->secrets, r);
    if (jwt_jwe_keyring_count(v->jwe_ring) == 0)
        return jc->ring;
    if (jwt_jwe_keyring_count(jc->ring) == 0)
        return v->jwe_ring;
    both = jwt_jwe_keyring_make(r->pool);
    apr_array_cat(both->keys, jc->ring->keys);
    apr_array_cat(both->keys, v->jwe_ring->keys);
    return both;
}

/* verify_cache.c calls this on a miss: decrypt, then the inner JWS or the claims. */
static jwt_code_t open_jwe(request_rec *r, jwt_unwrap_t *u, const char **inner,
                           size_t *inner_len, jwt_token_t **opened, jwt_err_t *err)
{
    opening_t *o = u->baton;
    const char *compact = *inner;
    size_t len = *inner_len;
    const jwt_jwe_keyring_t *ring = decryption_keys(r, o->conf, o->jc);
    jwt_jwe_t *jwe = NULL;
    jwt_err_t why;

    jwt_err_clear(&why);
    if (jwt_jwe_keyring_count(ring) == 0) {
        JWT_ERR(&why, JWT_ERR_NO_KEY, "the location has no decryption key (AuthJWTDecryptionKey, "
                "or an encryption key in its AuthJWTSecretsFile)");
        return refuse(r, o, &why, err);
    }
    if (jwt_jwe_decrypt(r->pool, compact, len, ring, jwt_jwe_conf_algs(o->jc),
                        jwt_jwe_conf_encs(o->jc), NULL, &jwe, &why) != JWT_OK)
        return refuse(r, o, &why, err);
    if (jwt_explaining(r))
        jwt_explain_stage(r, "decrypt", "pass", apr_psprintf(r->pool, "JWE header %s, "
                          "decrypted with %s", jwe->header_json,
                          jwt_jwe_key_describe(r->pool, jwe->key)));
    if (jwt_jwe_is_nested(jwe)) {
        /* the inner JWS is verified with the location's signing keys and rules */
        *inner = (const char *)jwe->plaintext;
        *inner_len = jwe->plaintext_len;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(1004)
                      "nested JWT decrypted (%s, %s) with %s", jwt_jwe_alg_name(jwe->alg),
                      jwt_jwe_enc_name(jwe->enc), jwt_jwe_key_describe(r->pool, jwe->key));
        return JWT_OK;
    }
    if (!jwe->symmetric) {
        JWT_ERR(&why, JWT_ERR_HEADER, "claims encrypted with %s carry no signature: anyone "
                "holding the public key could have made them (a nested JWT, cty \"JWT\", is "
                "needed)", jwt_jwe_alg_name(jwe->alg));
        return refuse(r, o, &why, err);
    }
    if (claims_token(r, compact, len, jwe, opened, &why) != JWT_OK)
        return refuse(r, o, &why, err);
    *inner = NULL;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(1005)
                  "encrypted claims decrypted (%s, %s) with the shared secret %s",
                  jwt_jwe_alg_name(jwe->alg), jwt_jwe_enc_name(jwe->enc),
                  jwt_jwe_key_describe(r->pool, jwe->key));
    return JWT_OK;
}

int jwt_jwe_stage(request_rec *r, const jwt_dir_conf_t *conf, const token_hunt_t *hunt,
                  jwt_unwrap_t **u, const char **refusal)
{
    const jwt_jwe_conf_t *jc = conf->jwe;
    jwt_jwe_mode_t mode = jwt_jwe_conf_mode(jc);
    int is_jwe = jwt_jwe_is_compact_jwe(hunt->token, hunt->len);
    opening_t *o;

    *u = NULL;
    if (!is_jwe) {
        if (mode != JWT_JWE_MODE_REQUIRED)
            return OK;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1002)
                      "token from %s refused: AuthJWTEncryption required, and it is not a "
                      "compact JWE (five segments)", hunt->where);
        jwt_explain_stage(r, "decrypt", "fail", "AuthJWTEncryption required: the token is "
                          "not encrypted");
        *refusal = "an encrypted token is required";
        return HTTP_UNAUTHORIZED;
    }
    if (mode == JWT_JWE_MODE_OFF) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1001)
                      "encrypted token from %s refused: AuthJWTEncryption is off here",
                      hunt->where);
        jwt_explain_stage(r, "decrypt", "fail", "AuthJWTEncryption off: encrypted tokens "
                          "are not accepted here");
        *refusal = JWE_REFUSAL;
        return HTTP_UNAUTHORIZED;
    }
    o = apr_pcalloc(r->pool, sizeof(*o));
    o->conf = conf;
    o->jc = jc;
    o->where = hunt->where;
    o->unwrap.open = open_jwe;
    o->unwrap.baton = o;
    o->unwrap.identity = jc->ring;     /* a config-time object */
    o->unwrap.rules[0] = (unsigned int)mode;
    o->unwrap.rules[1] = jwt_jwe_conf_algs(jc);
    o->unwrap.rules[2] = jwt_jwe_conf_encs(jc);
    *u = &o->unwrap;
    return OK;
}
