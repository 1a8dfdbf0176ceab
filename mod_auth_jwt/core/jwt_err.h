/* jwt_err.h -- the one error type of the JOSE core.
 *
 * Every core function that can fail takes a jwt_err_t * and returns a jwt_code_t.
 * The message is written for an operator's log: precise, and never containing a
 * token, a signature or a secret (callers pass only names, kids, algs, times).
 */
#ifndef JWT_ERR_H
#define JWT_ERR_H

#include <stddef.h>

typedef enum {
    JWT_OK = 0,
    /* token shape */
    JWT_ERR_MALFORMED,        /* not three segments, empty segment, bad characters */
    JWT_ERR_TOO_LARGE,        /* token or JSON over its size cap */
    JWT_ERR_BASE64,           /* not strict base64url */
    JWT_ERR_JSON,             /* not valid JSON / not an object / trailing data */
    JWT_ERR_JSON_DEPTH,       /* nesting deeper than the cap */
    JWT_ERR_JSON_DUPLICATE,   /* duplicate member name */
    JWT_ERR_UTF8,             /* invalid UTF-8 in JSON */
    /* header */
    JWT_ERR_HEADER,           /* header member of wrong type, b64:false, embedded jwk/jku/x5u refused */
    JWT_ERR_CRIT,             /* crit names something we do not understand */
    JWT_ERR_ALG_NONE,         /* "none" in any spelling */
    JWT_ERR_ALG_UNSUPPORTED,  /* alg we do not implement */
    JWT_ERR_ALG_NOT_ALLOWED,  /* alg not in the allow-list */
    /* keys */
    JWT_ERR_UNKNOWN_KID,      /* token names a kid no key has */
    JWT_ERR_NO_KEY,           /* no key usable with this alg (and issuer) */
    JWT_ERR_KEY_INVALID,      /* key material broken / not a key / not on curve */
    JWT_ERR_KEY_WEAK,         /* RSA < 2048, HMAC shorter than hash output */
    JWT_ERR_KEY_UNSUPPORTED,  /* kty/crv we do not implement (skipped in a JWKS) */
    JWT_ERR_KEY_DUPLICATE_KID,
    JWT_ERR_KEY_USAGE,        /* use / key_ops / alg member forbids this use */
    /* signature */
    JWT_ERR_SIGNATURE,        /* signature does not verify */
    /* claims */
    JWT_ERR_CLAIM_TYPE,       /* exp/nbf/iat not a number, iss not string, aud bad type ... */
    JWT_ERR_CLAIM_MISSING,    /* a required claim is absent */
    JWT_ERR_EXPIRED,
    JWT_ERR_NOT_YET_VALID,    /* nbf in the future */
    JWT_ERR_IAT_FUTURE,       /* iat in the future */
    JWT_ERR_LIFETIME,         /* exp - iat (or exp - now) over max lifetime */
    JWT_ERR_ISSUER,
    JWT_ERR_AUDIENCE,
    JWT_ERR_TYPE,             /* typ header does not match the expected type */
    /* everything else */
    JWT_ERR_IO,               /* file read/write/lock */
    JWT_ERR_CONFLICT,         /* secrets file changed since the caller read it */
    JWT_ERR_FETCH,            /* remote fetch failed */
    JWT_ERR_CRYPTO,           /* OpenSSL failed internally (not a bad signature) */
    JWT_ERR_ARG,              /* caller error / bad argument */
    /* encryption (JWE, jwt_jwe.h) */
    JWT_ERR_DECRYPT,          /* key unwrap or authentication tag failed (one code: no oracle) */
    JWT_ERR_ENC_UNSUPPORTED,  /* "enc" we do not implement */
    JWT_ERR_ENC_NOT_ALLOWED,  /* "enc" not in the allow-list */
    JWT_ERR_ALG_REFUSED,      /* known and never accepted: RSA1_5, PBES2-* */
    JWT_ERR_ZIP,              /* "zip" (compressed plaintext) refused */
    JWT_ERR_LENGTH,           /* IV, tag, encrypted key or CEK of the wrong length */
    JWT_ERR__COUNT
} jwt_code_t;

typedef struct {
    jwt_code_t code;
    const char *file;         /* where in the core it was raised */
    int line;
    char message[320];
} jwt_err_t;

/* Fill *err (may be NULL) and return code. printf-style message. */
jwt_code_t jwt_err_set(jwt_err_t *err, jwt_code_t code, const char *file, int line,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#define JWT_ERR(err, code, ...) jwt_err_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Append the queued OpenSSL error text (thread-safe ERR_error_string_n) to err->message
 * and clear the OpenSSL error queue. Safe to call when the queue is empty. */
void jwt_err_append_openssl(jwt_err_t *err);

/* Clear the OpenSSL error queue of this thread (after an expected failure). */
void jwt_err_clear_openssl(void);

/* Stable short name of a code, e.g. "expired", for tests and log tags. */
const char *jwt_code_name(jwt_code_t code);

/* Short, client-safe description for RFC 6750 error_description, e.g. "token expired".
 * Never more detailed than the code: the details go to the log. */
const char *jwt_code_description(jwt_code_t code);

void jwt_err_clear(jwt_err_t *err);

#endif
