/* jwt_jws_memo.c -- the memo of the last JWS header that passed every header check.
 *
 * Every token one issuer signs with one key has the same protected header, byte for byte:
 * a gateway that relays many users' tokens over one connection decodes, parses and checks
 * the same header again and again (base64url, json-c, the alg name, crit, b64, kid, typ:
 * ~2,300 instructions of a cache miss by callgrind). The header checks are a function of
 * the encoded segment and the JSON limits alone, so a memo keyed on exactly those bytes
 * under exactly those limits may hand out the result of the last check: the checked
 * header object (another reference: parsed objects are only ever read) and the fields
 * jwt_token_parse takes from it. Only a header that passed is remembered; any other
 * header is judged as written, and replaces nothing. The signature still covers the
 * header as sent: the memo saves parsing, never verification. */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include "jwt_jws.h"
#include "jwt_jws_int.h"
#include "jwt_json_int.h"

/* Encoded headers up to this size are remembered (a typical one is ~40-120 bytes). */
#define MEMO_MAX_B64 512
/* The decoded JSON (at most 3/4 of the encoding) plus the alg, kid and typ strings,
 * each a part of it, each with its NUL. */
#define MEMO_MAX_TEXT (2 * MEMO_MAX_B64)

struct jwt_header_memo_s {
    json_object *header;               /* one reference held; NULL: empty */
    size_t max_bytes;                  /* the limits it was checked under */
    int max_depth;
    jwt_alg_t alg;
    size_t b64_len;
    size_t text_len;                   /* bytes of text in use: the decoded header and its
                                          NUL first, then the strings */
    long alg_off, kid_off, typ_off;    /* where each string starts in text; -1: absent */
    char b64[MEMO_MAX_B64];            /* the encoded header as sent */
    char text[MEMO_MAX_TEXT];
};

jwt_header_memo_t *jwt_header_memo_new(void)
{
    return calloc(1, sizeof(jwt_header_memo_t));
}

void jwt_header_memo_free(jwt_header_memo_t *memo)
{
    if (memo == NULL)
        return;
    json_object_put(memo->header);
    free(memo);
}

int jwsi_memo_answer(apr_pool_t *p, const jwt_header_memo_t *memo, const char *b64,
                     size_t b64_len, const jwt_json_limits_t *lim, jwt_token_t *t)
{
    if (memo == NULL || memo->header == NULL || b64_len != memo->b64_len
        || memo->max_bytes != jsoni_max_bytes(lim) || memo->max_depth != jsoni_max_depth(lim)
        || memcmp(b64, memo->b64, b64_len) != 0)
        return 0;
    /* one allocation for the request's copies of the header text and the three strings */
    char *text = apr_pmemdup(p, memo->text, memo->text_len);
    t->header = jwt_json_pool_own(p, json_object_get(memo->header));
    t->header_json = text;
    t->alg = memo->alg;
    t->alg_name = text + memo->alg_off;
    t->kid = memo->kid_off < 0 ? NULL : text + memo->kid_off;
    t->typ = memo->typ_off < 0 ? NULL : text + memo->typ_off;
    return 1;
}

/* Appends s and its NUL to the memo's text; its offset, or -1 (absent, or no room). */
static long keep_string(jwt_header_memo_t *memo, const char *s, int *room)
{
    if (s == NULL)
        return -1;
    size_t n = strlen(s) + 1;
    if (n > sizeof(memo->text) - memo->text_len) {
        *room = 0;
        return -1;
    }
    long off = (long)memo->text_len;
    memcpy(memo->text + memo->text_len, s, n);
    memo->text_len += n;
    return off;
}

void jwsi_memo_keep(jwt_header_memo_t *memo, const char *b64, size_t b64_len,
                    const jwt_json_limits_t *lim, const jwt_token_t *t, size_t json_len)
{
    int room = 1;

    if (memo == NULL || b64_len > sizeof(memo->b64) || json_len + 1 > sizeof(memo->text))
        return;
    json_object_put(memo->header);    /* the old entry goes whatever follows */
    memo->header = NULL;
    memcpy(memo->text, t->header_json, json_len);
    memo->text[json_len] = '\0';
    memo->text_len = json_len + 1;
    memo->alg_off = keep_string(memo, t->alg_name, &room);
    memo->kid_off = keep_string(memo, t->kid, &room);
    memo->typ_off = keep_string(memo, t->typ, &room);
    if (!room || memo->alg_off < 0)
        return;                        /* too long to remember: stays empty */
    memcpy(memo->b64, b64, b64_len);
    memo->b64_len = b64_len;
    memo->max_bytes = jsoni_max_bytes(lim);
    memo->max_depth = jsoni_max_depth(lim);
    memo->alg = t->alg;
    memo->header = json_object_get(t->header);
}
