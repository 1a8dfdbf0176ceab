/* jwt_alg.c -- JWS algorithm names (RFC 7518, RFC 8037, RFC 9864) and sets of them. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "jwt_alg.h"

static const struct {
    const char *name;
    size_t hash_len;
} alg_table[JWT_ALG__COUNT] = {
    [JWT_ALG_HS256]   = { "HS256", 32 },
    [JWT_ALG_HS384]   = { "HS384", 48 },
    [JWT_ALG_HS512]   = { "HS512", 64 },
    [JWT_ALG_RS256]   = { "RS256", 32 },
    [JWT_ALG_RS384]   = { "RS384", 48 },
    [JWT_ALG_RS512]   = { "RS512", 64 },
    [JWT_ALG_PS256]   = { "PS256", 32 },
    [JWT_ALG_PS384]   = { "PS384", 48 },
    [JWT_ALG_PS512]   = { "PS512", 64 },
    [JWT_ALG_ES256]   = { "ES256", 32 },
    [JWT_ALG_ES384]   = { "ES384", 48 },
    [JWT_ALG_ES512]   = { "ES512", 64 },
    [JWT_ALG_EDDSA]   = { "EdDSA", 0 },
    [JWT_ALG_ED25519] = { "Ed25519", 0 },
    [JWT_ALG_ED448]   = { "Ed448", 0 },
};

/* Names come from untrusted headers and config: log at most 32 bytes, printable ASCII
 * only, so a hostile alg cannot forge or flood log lines. */
static void printable_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    size_t o = 0;
    for (size_t i = 0; i < srclen && o + 1 < dstlen && i < 32; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    dst[o] = '\0';
}

/* Exact, case-sensitive match of name[0..len) against the table. */
static int lookup_name(const char *name, size_t len, jwt_alg_t *out)
{
    for (int i = 0; i < JWT_ALG__COUNT; i++) {
        if (strlen(alg_table[i].name) == len && memcmp(alg_table[i].name, name, len) == 0) {
            *out = (jwt_alg_t)i;
            return 1;
        }
    }
    return 0;
}

static int is_none(const char *name, size_t len)
{
    return len == 4 && strncasecmp(name, "none", 4) == 0;
}

static jwt_code_t alg_from_span(const char *name, size_t len, jwt_alg_t *out, jwt_err_t *err)
{
    char shown[40];
    if (is_none(name, len))
        return JWT_ERR(err, JWT_ERR_ALG_NONE, "algorithm \"none\" is never accepted");
    if (lookup_name(name, len, out))
        return JWT_OK;
    printable_copy(shown, sizeof(shown), name, len);
    return JWT_ERR(err, JWT_ERR_ALG_UNSUPPORTED, "unsupported algorithm \"%s\"", shown);
}

jwt_code_t jwt_alg_from_name(const char *name, jwt_alg_t *out, jwt_err_t *err)
{
    if (name == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm name missing");
    return alg_from_span(name, strlen(name), out, err);
}

const char *jwt_alg_name(jwt_alg_t alg)
{
    if ((int)alg < 0 || alg >= JWT_ALG__COUNT)
        return "unknown";
    return alg_table[alg].name;
}

size_t jwt_alg_hash_len(jwt_alg_t alg)
{
    if ((int)alg < 0 || alg >= JWT_ALG__COUNT)
        return 0;
    return alg_table[alg].hash_len;
}

jwt_algset_t jwt_algset_hmac_for_len(size_t len)
{
    jwt_algset_t set = 0;
    if (len >= 32) set |= JWT_ALGSET(JWT_ALG_HS256);
    if (len >= 48) set |= JWT_ALGSET(JWT_ALG_HS384);
    if (len >= 64) set |= JWT_ALGSET(JWT_ALG_HS512);
    return set;
}

static int is_separator(char c)
{
    return c == ' ' || c == ',' || c == '\t';
}

jwt_code_t jwt_algset_parse(const char *list, jwt_algset_t *out, jwt_err_t *err)
{
    if (list == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm list missing");
    jwt_algset_t set = 0;
    const char *s = list;
    while (*s != '\0') {
        while (is_separator(*s))
            s++;
        const char *start = s;
        while (*s != '\0' && !is_separator(*s))
            s++;
        if (s == start)
            break;
        jwt_alg_t alg;
        jwt_code_t rc = alg_from_span(start, (size_t)(s - start), &alg, err);
        if (rc != JWT_OK)
            return rc;
        set |= JWT_ALGSET(alg);
    }
    if (set == 0)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm list is empty");
    *out = set;
    return JWT_OK;
}

const char *jwt_algset_format(apr_pool_t *p, jwt_algset_t set)
{
    const char *s = "";
    for (int i = 0; i < JWT_ALG__COUNT; i++) {
        if ((set & JWT_ALGSET(i)) == 0)
            continue;
        s = (*s == '\0') ? alg_table[i].name : apr_pstrcat(p, s, " ", alg_table[i].name, NULL);
    }
    return (*s == '\0') ? "" : apr_pstrdup(p, s);
}
