/* jwt_jwe_alg.c -- JWE "alg" and "enc" names, their sets, and their sizes. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "jwt_jwe_key.h"

static const char *const alg_names[JWT_JWE_ALG__COUNT] = {
    [JWT_JWE_RSA_OAEP] = "RSA-OAEP", [JWT_JWE_RSA_OAEP_256] = "RSA-OAEP-256",
    [JWT_JWE_ECDH_ES] = "ECDH-ES", [JWT_JWE_ECDH_ES_A128KW] = "ECDH-ES+A128KW",
    [JWT_JWE_ECDH_ES_A192KW] = "ECDH-ES+A192KW", [JWT_JWE_ECDH_ES_A256KW] = "ECDH-ES+A256KW",
    [JWT_JWE_A128KW] = "A128KW", [JWT_JWE_A192KW] = "A192KW", [JWT_JWE_A256KW] = "A256KW",
    [JWT_JWE_A128GCMKW] = "A128GCMKW", [JWT_JWE_A192GCMKW] = "A192GCMKW",
    [JWT_JWE_A256GCMKW] = "A256GCMKW", [JWT_JWE_DIR] = "dir",
};

static const struct {
    const char *name;
    size_t cek_len;
} enc_table[JWT_JWE_ENC__COUNT] = {
    [JWT_JWE_A128GCM] = { "A128GCM", 16 }, [JWT_JWE_A192GCM] = { "A192GCM", 24 },
    [JWT_JWE_A256GCM] = { "A256GCM", 32 },
    [JWT_JWE_A128CBC_HS256] = { "A128CBC-HS256", 32 },
    [JWT_JWE_A192CBC_HS384] = { "A192CBC-HS384", 48 },
    [JWT_JWE_A256CBC_HS512] = { "A256CBC-HS512", 64 },
};

/* Names are shown in logs: keep them printable and short. */
static void shown(char *dst, size_t cap, const char *s, size_t len)
{
    size_t i, n = len < cap - 1 ? len : cap - 1;
    for (i = 0; i < n; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
    dst[i] = '\0';
}

static jwt_code_t alg_span(const char *s, size_t len, jwt_jwe_alg_t *out, jwt_err_t *err)
{
    char show[40];
    for (int i = 0; i < JWT_JWE_ALG__COUNT; i++)
        if (strlen(alg_names[i]) == len && memcmp(alg_names[i], s, len) == 0) {
            *out = (jwt_jwe_alg_t)i;
            return JWT_OK;
        }
    shown(show, sizeof(show), s, len);
    if (len == 4 && strncasecmp(s, "none", 4) == 0)
        return JWT_ERR(err, JWT_ERR_ALG_NONE, "algorithm \"none\" is never accepted");
    /* RSA1_5: PKCS#1 v1.5 decryption is a padding oracle (Bleichenbacher; RFC 8725 3.3).
     * PBES2: a password-derived key, and p2c lets the sender choose our CPU cost. */
    if ((len == 6 && memcmp(s, "RSA1_5", 6) == 0) || (len > 6 && memcmp(s, "PBES2-", 6) == 0))
        return JWT_ERR(err, JWT_ERR_ALG_REFUSED, "key management algorithm \"%s\" is never "
                       "accepted", show);
    return JWT_ERR(err, JWT_ERR_ALG_UNSUPPORTED, "unsupported key management algorithm \"%s\"",
                   show);
}

static jwt_code_t enc_span(const char *s, size_t len, jwt_jwe_enc_t *out, jwt_err_t *err)
{
    char show[40];
    for (int i = 0; i < JWT_JWE_ENC__COUNT; i++)
        if (strlen(enc_table[i].name) == len && memcmp(enc_table[i].name, s, len) == 0) {
            *out = (jwt_jwe_enc_t)i;
            return JWT_OK;
        }
    shown(show, sizeof(show), s, len);
    return JWT_ERR(err, JWT_ERR_ENC_UNSUPPORTED, "unsupported content encryption \"%s\"", show);
}

jwt_code_t jwt_jwe_alg_from_name(const char *name, jwt_jwe_alg_t *out, jwt_err_t *err)
{
    if (name == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm name missing");
    return alg_span(name, strlen(name), out, err);
}

jwt_code_t jwt_jwe_enc_from_name(const char *name, jwt_jwe_enc_t *out, jwt_err_t *err)
{
    if (name == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "encryption name missing");
    return enc_span(name, strlen(name), out, err);
}

const char *jwt_jwe_alg_name(jwt_jwe_alg_t alg)
{
    return ((int)alg < 0 || alg >= JWT_JWE_ALG__COUNT) ? "unknown" : alg_names[alg];
}

const char *jwt_jwe_enc_name(jwt_jwe_enc_t enc)
{
    return ((int)enc < 0 || enc >= JWT_JWE_ENC__COUNT) ? "unknown" : enc_table[enc].name;
}

size_t jwt_jwe_enc_cek_len(jwt_jwe_enc_t enc)
{
    return ((int)enc < 0 || enc >= JWT_JWE_ENC__COUNT) ? 0 : enc_table[enc].cek_len;
}

int jwt_jwe_alg_is_symmetric(jwt_jwe_alg_t alg)
{
    return alg >= JWT_JWE_A128KW && alg <= JWT_JWE_DIR;
}

static int is_sep(char c)
{
    return c == ' ' || c == ',' || c == '\t';
}

/* One parser for both lists: `one` resolves a word to its index. */
static jwt_code_t set_parse(const char *list, unsigned *out, int is_enc, jwt_err_t *err)
{
    if (list == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm list missing");
    unsigned set = 0;
    const char *s = list;
    while (*s != '\0') {
        while (is_sep(*s))
            s++;
        const char *start = s;
        while (*s != '\0' && !is_sep(*s))
            s++;
        if (s == start)
            break;
        jwt_code_t rc;
        if (is_enc) {
            jwt_jwe_enc_t e;
            if ((rc = enc_span(start, (size_t)(s - start), &e, err)) != JWT_OK)
                return rc;
            set |= JWT_JWE_SET(e);
        } else {
            jwt_jwe_alg_t a;
            if ((rc = alg_span(start, (size_t)(s - start), &a, err)) != JWT_OK)
                return rc;
            set |= JWT_JWE_SET(a);
        }
    }
    if (set == 0)
        return JWT_ERR(err, JWT_ERR_ARG, "algorithm list is empty");
    *out = set;
    return JWT_OK;
}

jwt_code_t jwt_jwe_algset_parse(const char *list, jwt_jwe_algset_t *out, jwt_err_t *err)
{
    return set_parse(list, out, 0, err);
}

jwt_code_t jwt_jwe_encset_parse(const char *list, jwt_jwe_encset_t *out, jwt_err_t *err)
{
    return set_parse(list, out, 1, err);
}

const char *jwt_jwe_algset_format(apr_pool_t *p, jwt_jwe_algset_t set)
{
    const char *s = "";
    for (int i = 0; i < JWT_JWE_ALG__COUNT; i++)
        if (set & JWT_JWE_SET(i))
            s = (*s == '\0') ? alg_names[i] : apr_pstrcat(p, s, " ", alg_names[i], NULL);
    return apr_pstrdup(p, s);
}

const char *jwt_jwe_encset_format(apr_pool_t *p, jwt_jwe_encset_t set)
{
    const char *s = "";
    for (int i = 0; i < JWT_JWE_ENC__COUNT; i++)
        if (set & JWT_JWE_SET(i))
            s = (*s == '\0') ? enc_table[i].name : apr_pstrcat(p, s, " ", enc_table[i].name, NULL);
    return apr_pstrdup(p, s);
}
