/* jwt_b64.c -- strict base64url (RFC 7515 section 2, RFC 4648 section 5).
 *
 * Strict on purpose: every byte string has exactly one accepted encoding, so a token
 * cannot be altered (padding, whitespace, trailing bits) while keeping its signature
 * valid over a different-looking input. */
#include <string.h>
#include "jwt_b64.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value 0..63 of a base64url character, -1 for anything else (including '=', '+', '/',
 * whitespace and NUL). Range tests keep it table-free and obviously correct. */
static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

jwt_code_t jwt_b64url_decode(apr_pool_t *p, const char *in, size_t inlen,
                             unsigned char **out, size_t *outlen, jwt_err_t *err)
{
    if (p == NULL || out == NULL || outlen == NULL || (in == NULL && inlen > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "base64url decode: missing argument");
    if (inlen % 4 == 1)
        return JWT_ERR(err, JWT_ERR_BASE64,
                       "base64url: length %zu is impossible (length mod 4 is 1)", inlen);

    size_t full = inlen / 4, rest = inlen % 4;
    size_t n = full * 3 + (rest == 0 ? 0 : rest - 1);
    unsigned char *buf = apr_palloc(p, n + 1);
    size_t o = 0;
    unsigned long acc = 0;
    int bits = 0;

    for (size_t i = 0; i < inlen; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0)
            return JWT_ERR(err, JWT_ERR_BASE64,
                           "base64url: invalid character (0x%02x) at offset %zu",
                           (unsigned)(unsigned char)in[i], i);
        acc = ((acc << 6) | (unsigned long)v) & 0xffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)((acc >> bits) & 0xffu);
        }
    }
    /* rest 2 leaves 4 unused bits, rest 3 leaves 2: they must be zero (canonical form). */
    if (bits > 0 && (acc & ((1ul << bits) - 1ul)) != 0)
        return JWT_ERR(err, JWT_ERR_BASE64, "base64url: non-zero trailing bits");

    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return JWT_OK;
}

char *jwt_b64url_encode(apr_pool_t *p, const unsigned char *in, size_t len)
{
    size_t outlen = (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
    char *out = apr_palloc(p, outlen + 1);
    size_t o = 0, i = 0;

    for (; i + 3 <= len; i += 3) {
        unsigned long v = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (len - i == 2) {
        unsigned long v = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8);
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    return out;
}
