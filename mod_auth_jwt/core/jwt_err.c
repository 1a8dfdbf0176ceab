/* jwt_err.c -- the one error type of the JOSE core: fill, name, describe. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include "jwt_err.h"

/* Indexed by jwt_code_t. Names are stable: tests, log tags and the admin page use them.
 * Descriptions go to clients in WWW-Authenticate error_description, so they are short,
 * never more detailed than the code, and contain no '"' or '\\' (quoted-string safe). */
static const struct {
    const char *name;
    const char *description;
} code_table[JWT_ERR__COUNT] = {
    [JWT_OK]                    = { "ok",                  "ok" },
    [JWT_ERR_MALFORMED]         = { "malformed",           "malformed token" },
    [JWT_ERR_TOO_LARGE]         = { "too_large",           "token too large" },
    [JWT_ERR_BASE64]            = { "base64",              "malformed token encoding" },
    [JWT_ERR_JSON]              = { "json",                "malformed token JSON" },
    [JWT_ERR_JSON_DEPTH]        = { "json_depth",          "token JSON nested too deeply" },
    [JWT_ERR_JSON_DUPLICATE]    = { "json_duplicate",      "duplicate member in token JSON" },
    [JWT_ERR_UTF8]              = { "utf8",                "invalid UTF-8 in token" },
    [JWT_ERR_HEADER]            = { "header",              "invalid token header" },
    [JWT_ERR_CRIT]              = { "crit",                "unsupported critical header" },
    [JWT_ERR_ALG_NONE]          = { "alg_none",            "unsigned tokens are not accepted" },
    [JWT_ERR_ALG_UNSUPPORTED]   = { "alg_unsupported",     "unsupported algorithm" },
    [JWT_ERR_ALG_NOT_ALLOWED]   = { "alg_not_allowed",     "algorithm not allowed" },
    [JWT_ERR_UNKNOWN_KID]       = { "unknown_kid",         "unknown key id" },
    [JWT_ERR_NO_KEY]            = { "no_key",              "no key to verify the token" },
    [JWT_ERR_KEY_INVALID]       = { "key_invalid",         "invalid key" },
    [JWT_ERR_KEY_WEAK]          = { "key_weak",            "key too weak" },
    [JWT_ERR_KEY_UNSUPPORTED]   = { "key_unsupported",     "unsupported key type" },
    [JWT_ERR_KEY_DUPLICATE_KID] = { "key_duplicate_kid",   "duplicate key id" },
    [JWT_ERR_KEY_USAGE]         = { "key_usage",           "key not usable for this purpose" },
    [JWT_ERR_SIGNATURE]         = { "signature",           "invalid signature" },
    [JWT_ERR_CLAIM_TYPE]        = { "claim_type",          "claim has the wrong type" },
    [JWT_ERR_CLAIM_MISSING]     = { "claim_missing",       "required claim missing" },
    [JWT_ERR_EXPIRED]           = { "expired",             "token expired" },
    [JWT_ERR_NOT_YET_VALID]     = { "not_yet_valid",       "token not yet valid" },
    [JWT_ERR_IAT_FUTURE]        = { "iat_future",          "token issued in the future" },
    [JWT_ERR_LIFETIME]          = { "lifetime",            "token lifetime too long" },
    [JWT_ERR_ISSUER]            = { "issuer",              "issuer not accepted" },
    [JWT_ERR_AUDIENCE]          = { "audience",            "audience not accepted" },
    [JWT_ERR_TYPE]              = { "type",                "token type not accepted" },
    [JWT_ERR_IO]                = { "io",                  "internal error" },
    [JWT_ERR_CONFLICT]          = { "conflict",            "conflict" },
    [JWT_ERR_FETCH]             = { "fetch",               "key fetch failed" },
    [JWT_ERR_CRYPTO]            = { "crypto",              "internal error" },
    [JWT_ERR_ARG]               = { "arg",                 "internal error" },
    [JWT_ERR_DECRYPT]           = { "decrypt",             "token could not be decrypted" },
    [JWT_ERR_ENC_UNSUPPORTED]   = { "enc_unsupported",     "unsupported encryption" },
    [JWT_ERR_ENC_NOT_ALLOWED]   = { "enc_not_allowed",     "encryption not allowed" },
    [JWT_ERR_ALG_REFUSED]       = { "alg_refused",         "algorithm not accepted" },
    [JWT_ERR_ZIP]               = { "zip",                 "compressed tokens are not accepted" },
    [JWT_ERR_LENGTH]            = { "length",              "malformed token" },
};

static int code_valid(jwt_code_t code)
{
    return (int)code >= 0 && (int)code < (int)JWT_ERR__COUNT && code_table[code].name != NULL;
}

jwt_code_t jwt_err_set(jwt_err_t *err, jwt_code_t code, const char *file, int line,
                       const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->file = file;
    err->line = line;
    err->message[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        /* Truncation is acceptable: the message is for a log line. */
        (void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

void jwt_err_append_openssl(jwt_err_t *err)
{
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        if (err == NULL)
            continue;               /* still drain the queue */
        size_t used = strnlen(err->message, sizeof(err->message));
        if (used + 3 >= sizeof(err->message))
            continue;
        char buf[256];
        /* ERR_error_string_n writes into our buffer: safe under threaded MPMs. */
        ERR_error_string_n(e, buf, sizeof(buf));
        (void)snprintf(err->message + used, sizeof(err->message) - used, "%s%s",
                       used > 0 ? "; " : "", buf);
    }
}

void jwt_err_clear_openssl(void)
{
    ERR_clear_error();
}

const char *jwt_code_name(jwt_code_t code)
{
    return code_valid(code) ? code_table[code].name : "unknown";
}

const char *jwt_code_description(jwt_code_t code)
{
    return code_valid(code) ? code_table[code].description : "internal error";
}

void jwt_err_clear(jwt_err_t *err)
{
    if (err == NULL)
        return;
    err->code = JWT_OK;
    err->file = NULL;
    err->line = 0;
    err->message[0] = '\0';
}
