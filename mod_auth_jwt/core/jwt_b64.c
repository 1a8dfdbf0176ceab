/* jwt_b64.c -- strict base64url (RFC 7515 section 2, RFC 4648 section 5).
 *
 * Strict on purpose: every byte string has exactly one accepted encoding, so a token
 * cannot be altered (padding, whitespace, trailing bits) while keeping its signature
 * valid over a different-looking input. */
#include <pthread.h>
#include <string.h>
#include "jwt_b64.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value 0..63 of each base64url character; 0xff for everything else (including '=', '+',
 * '/', whitespace and NUL). Built once from the alphabet above, so the two cannot disagree. */
static unsigned char b64url_values[256];
static pthread_once_t b64url_values_once = PTHREAD_ONCE_INIT;

static void b64url_values_make(void)
{
    memset(b64url_values, 0xff, sizeof(b64url_values));
    for (unsigned i = 0; i < 64; i++)
        b64url_values[(unsigned char)b64url_alphabet[i]] = (unsigned char)i;
}

static jwt_code_t bad_char(const char *in, size_t i, jwt_err_t *err)
{
    return JWT_ERR(err, JWT_ERR_BASE64, "base64url: invalid character (0x%02x) at offset %zu",
                   (unsigned)(unsigned char)in[i], i);
}

jwt_code_t jwt_b64url_decode(apr_pool_t *p, const char *in, size_t inlen,
                             unsigned char **out, size_t *outlen, jwt_err_t *err)
{
    if (p == NULL || out == NULL || outlen == NULL || (in == NULL && inlen > 0))
        return JWT_ERR(err, JWT_ERR_ARG, "base64url decode: missing argument");
    if (inlen % 4 == 1)
        return JWT_ERR(err, JWT_ERR_BASE64,
                       "base64url: length %zu is impossible (length mod 4 is 1)", inlen);
    pthread_once(&b64url_values_once, b64url_values_make);

    const unsigned char *u = (const unsigned char *)in;
    const unsigned char *val = b64url_values;
    size_t full = inlen / 4, rest = inlen % 4;
    size_t n = full * 3 + (rest == 0 ? 0 : rest - 1);
    unsigned char *buf = apr_palloc(p, n + 1);
    size_t o = 0, i = 0;

    /* Four characters make three bytes. A 0xff anywhere sets bit 31 of the OR of the
     * four values, so one test per group catches any invalid character. */
    for (; i + 4 <= inlen; i += 4) {
        unsigned a = val[u[i]], b = val[u[i + 1]], c = val[u[i + 2]], d = val[u[i + 3]];
        if ((a | b | c | d) & 0x80u) {
            size_t k = i;
            while (val[u[k]] != 0xff)
                k++;
            return bad_char(in, k, err);
        }
        unsigned long v = ((unsigned long)a << 18) | (b << 12) | (c << 6) | d;
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 8);
        buf[o++] = (unsigned char)v;
    }
    /* The 2 or 3 characters left make 1 or 2 bytes; the 4 or 2 bits they leave over must
     * be zero (canonical form: one encoding per byte string). */
    if (rest > 0) {
        unsigned long v = 0;
        for (size_t k = 0; k < rest; k++) {
            unsigned x = val[u[i + k]];
            if (x == 0xff)
                return bad_char(in, i + k, err);
            v = (v << 6) | x;
        }
        if (rest == 2) {
            if (v & 0xfu)
                return JWT_ERR(err, JWT_ERR_BASE64, "base64url: non-zero trailing bits");
            buf[o++] = (unsigned char)(v >> 4);
        } else {
            if (v & 0x3u)
                return JWT_ERR(err, JWT_ERR_BASE64, "base64url: non-zero trailing bits");
            buf[o++] = (unsigned char)(v >> 10);
            buf[o++] = (unsigned char)(v >> 2);
        }
    }

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
