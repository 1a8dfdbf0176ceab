/* jwt_json_scan.c -- the strict JSON pre-scan (jwt_json_validate): the RFC 8259 grammar
 * exactly, with size and depth limits and no duplicate member names.
 *
 * json-c alone is not strict enough for security decisions: it silently keeps the last
 * of duplicate member names (so two parties can read different "sub"s from one token),
 * and even with JSON_TOKENER_STRICT it accepts NaN. So this scan runs first; json-c
 * (jwt_json.c) then only builds objects from input already known to be well-formed,
 * bounded and unambiguous.
 *
 * One deliberate restriction beyond RFC 8259: the escape \u0000 is refused inside strings.
 * Every consumer of claims (REMOTE_USER, env vars, string comparisons) sees C strings, and
 * an embedded NUL would make "admin\u0000x" look like "admin".
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "jwt_json.h"
#include "jwt_json_int.h"

/* One member name of an object being scanned, unescaped (UTF-8, may contain any byte
 * except NUL since \u0000 is refused). */
typedef struct {
    const unsigned char *name;
    size_t len;
} member_name_t;

typedef struct {
    const unsigned char *s;
    size_t len;
    size_t pos;
    int max_depth;
    jwt_err_t *err;
    /* Stack-disciplined scratch space for duplicate detection: an object pushes its
     * member names and pops them when it closes, so nested objects never mix. */
    unsigned char *arena;
    size_t arena_used;
    member_name_t *names;
    size_t names_used;
    size_t names_cap;
    /* the caller's stack buffers, used instead of malloc for inputs of SCRATCH_SMALL bytes
     * or less (sized by the same bounds as ensure_scratch's) */
    unsigned char *small_arena;
    member_name_t *small_names;
} scanner_t;

#define SCRATCH_SMALL 2048

static jwt_code_t scan_value(scanner_t *sc, int depth);

static int at_end(const scanner_t *sc)
{
    return sc->pos >= sc->len;
}

static int peek(const scanner_t *sc)
{
    return at_end(sc) ? -1 : sc->s[sc->pos];
}

static void skip_ws(scanner_t *sc)
{
    while (!at_end(sc)) {
        unsigned char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        sc->pos++;
    }
}

static jwt_code_t syntax_error(scanner_t *sc, const char *what)
{
    if (at_end(sc))
        return JWT_ERR(sc->err, JWT_ERR_JSON, "JSON: %s at offset %zu (end of input)",
                       what, sc->pos);
    return JWT_ERR(sc->err, JWT_ERR_JSON, "JSON: %s at offset %zu (byte 0x%02x)", what,
                   sc->pos, (unsigned)sc->s[sc->pos]);
}

/* Length of the valid UTF-8 sequence starting at p (1 for ASCII, 2..4), 0 when invalid:
 * refuses overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and anything > U+10FFFF
 * (RFC 3629 section 4 table). */
size_t jwt_utf8_char_len(const unsigned char *p, size_t avail)
{
    unsigned char c;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (avail == 0)
        return 0;
    c = p[0];
    if (c < 0x80)                     return 1;
    if (c >= 0xC2 && c <= 0xDF)       n = 2;
    else if (c == 0xE0)             { n = 3; lo = 0xA0; }
    else if (c == 0xED)             { n = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF)  n = 3;
    else if (c == 0xF0)             { n = 4; lo = 0x90; }
    else if (c == 0xF4)             { n = 4; hi = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3)  n = 4;
    else
        return 0;
    if (avail < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u" at sc->pos. */
static jwt_code_t read_hex4(scanner_t *sc, unsigned *out)
{
    unsigned v = 0;
    if (sc->len - sc->pos < 4)
        return syntax_error(sc, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        int h = hex_value(sc->s[sc->pos]);
        if (h < 0)
            return syntax_error(sc, "invalid hex digit in \\u escape");
        v = (v << 4) | (unsigned)h;
        sc->pos++;
    }
    *out = v;
    return JWT_OK;
}

static size_t utf8_encode(unsigned cp, unsigned char *dst)
{
    if (cp < 0x80) {
        dst[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (unsigned char)(0xC0 | (cp >> 6));
        dst[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (unsigned char)(0xE0 | (cp >> 12));
        dst[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (unsigned char)(0xF0 | (cp >> 18));
    dst[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX (sc->pos just after "\u"), including a surrogate pair. Lone surrogates have no
 * UTF-8 form, so they are refused as invalid Unicode. */
static jwt_code_t scan_unicode_escape(scanner_t *sc, unsigned char *dst, size_t *dlen)
{
    size_t start = sc->pos - 2;
    unsigned cp, lo;
    jwt_code_t rc = read_hex4(sc, &cp);
    if (rc != JWT_OK)
        return rc;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return JWT_ERR(sc->err, JWT_ERR_UTF8,
                       "JSON: lone low surrogate \\u%04X at offset %zu", cp, start);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (sc->len - sc->pos < 2 || sc->s[sc->pos] != '\\' || sc->s[sc->pos + 1] != 'u')
            return JWT_ERR(sc->err, JWT_ERR_UTF8,
                           "JSON: lone high surrogate \\u%04X at offset %zu", cp, start);
        sc->pos += 2;
        rc = read_hex4(sc, &lo);
        if (rc != JWT_OK)
            return rc;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return JWT_ERR(sc->err, JWT_ERR_UTF8,
                           "JSON: high surrogate \\u%04X not followed by a low surrogate "
                           "at offset %zu", cp, start);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0)
        return JWT_ERR(sc->err, JWT_ERR_JSON, "JSON: \\u0000 in a string at offset %zu "
                       "is refused", start);
    if (dst != NULL)
        *dlen += utf8_encode(cp, dst + *dlen);
    return JWT_OK;
}

static jwt_code_t scan_escape(scanner_t *sc, unsigned char *dst, size_t *dlen)
{
    unsigned char out;
    sc->pos++;                      /* the backslash */
    if (at_end(sc))
        return syntax_error(sc, "unterminated escape");
    switch (sc->s[sc->pos]) {
    case '"':  out = '"';  break;
    case '\\': out = '\\'; break;
    case '/':  out = '/';  break;
    case 'b':  out = '\b'; break;
    case 'f':  out = '\f'; break;
    case 'n':  out = '\n'; break;
    case 'r':  out = '\r'; break;
    case 't':  out = '\t'; break;
    case 'u':
        sc->pos++;
        return scan_unicode_escape(sc, dst, dlen);
    default:
        return syntax_error(sc, "invalid escape");
    }
    sc->pos++;
    if (dst != NULL)
        dst[(*dlen)++] = out;
    return JWT_OK;
}

/* A string starting at the opening quote. When dst is non-NULL the unescaped bytes are
 * written there (never more than the escaped length) and *dlen receives their count. */
static jwt_code_t scan_string(scanner_t *sc, unsigned char *dst, size_t *dlen)
{
    size_t n = 0;
    jwt_code_t rc;
    sc->pos++;                      /* opening quote */
    for (;;) {
        if (at_end(sc))
            return syntax_error(sc, "unterminated string");
        unsigned char c = sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            break;
        }
        if (c == '\\') {
            if ((rc = scan_escape(sc, dst, &n)) != JWT_OK)
                return rc;
        } else if (c < 0x20) {
            return syntax_error(sc, "unescaped control character in string");
        } else if (c < 0x80) {
            if (dst != NULL)
                dst[n] = c;
            n++;
            sc->pos++;
        } else {
            size_t sl = jwt_utf8_char_len(sc->s + sc->pos, sc->len - sc->pos);
            if (sl == 0)
                return JWT_ERR(sc->err, JWT_ERR_UTF8, "JSON: invalid UTF-8 at offset %zu",
                               sc->pos);
            if (dst != NULL)
                memcpy(dst + n, sc->s + sc->pos, sl);
            n += sl;
            sc->pos += sl;
        }
    }
    if (dlen != NULL)
        *dlen = n;
    return JWT_OK;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ) */
static jwt_code_t scan_number(scanner_t *sc)
{
    if (peek(sc) == '-')
        sc->pos++;
    if (peek(sc) == '0') {
        sc->pos++;
        if (is_digit(peek(sc)))
            return syntax_error(sc, "leading zero in number");
    } else if (is_digit(peek(sc))) {
        while (is_digit(peek(sc)))
            sc->pos++;
    } else {
        return syntax_error(sc, "digit expected");
    }
    if (peek(sc) == '.') {
        sc->pos++;
        if (!is_digit(peek(sc)))
            return syntax_error(sc, "digit expected after decimal point");
        while (is_digit(peek(sc)))
            sc->pos++;
    }
    if (peek(sc) == 'e' || peek(sc) == 'E') {
        sc->pos++;
        if (peek(sc) == '+' || peek(sc) == '-')
            sc->pos++;
        if (!is_digit(peek(sc)))
            return syntax_error(sc, "digit expected in exponent");
        while (is_digit(peek(sc)))
            sc->pos++;
    }
    return JWT_OK;
}

static jwt_code_t scan_literal(scanner_t *sc, const char *word)
{
    size_t n = strlen(word);
    if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, word, n) != 0)
        return syntax_error(sc, "invalid literal");
    sc->pos += n;
    return JWT_OK;
}

static int compare_names(const void *a, const void *b)
{
    const member_name_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n > 0 ? memcmp(x->name, y->name, n) : 0;
    if (c != 0)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Printable, bounded rendering of a member name for the log. */
static void shown_name(const member_name_t *m, char *buf, size_t buflen)
{
    size_t o = 0;
    for (size_t i = 0; i < m->len && i < 40 && o + 1 < buflen; i++) {
        unsigned char c = m->name[i];
        buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    buf[o] = '\0';
}

static jwt_code_t duplicate_error(scanner_t *sc, const member_name_t *m, size_t obj_start)
{
    char shown[48];
    shown_name(m, shown, sizeof(shown));
    return JWT_ERR(sc->err, JWT_ERR_JSON_DUPLICATE,
                   "JSON: duplicate member name \"%s\" in the object at offset %zu",
                   shown, obj_start);
}

static int same_name(const member_name_t *x, const member_name_t *y)
{
    return x->len == y->len && memcmp(x->name, y->name, x->len) == 0;
}

/* Objects of up to this many members compare every pair: a token's header and payload
 * have a handful, where sorting costs more than the comparisons it saves. */
#define DUPLICATES_PAIRWISE_MAX 16

/* Small objects: compare every pair. Larger ones: sort the names (O(n log n), so many
 * members cannot make this quadratic) and look for equal neighbours. */
static jwt_code_t check_duplicates(scanner_t *sc, size_t first, size_t obj_start)
{
    size_t count = sc->names_used - first;
    member_name_t *v = sc->names + first;
    if (count < 2)
        return JWT_OK;
    if (count <= DUPLICATES_PAIRWISE_MAX) {
        for (size_t i = 1; i < count; i++)
            for (size_t j = 0; j < i; j++)
                if (same_name(&v[j], &v[i]))
                    return duplicate_error(sc, &v[i], obj_start);
        return JWT_OK;
    }
    qsort(v, count, sizeof(*v), compare_names);
    for (size_t i = 1; i < count; i++) {
        if (compare_names(&v[i - 1], &v[i]) == 0)
            return duplicate_error(sc, &v[i], obj_start);
    }
    return JWT_OK;
}

static jwt_code_t ensure_scratch(scanner_t *sc)
{
    if (sc->arena != NULL)
        return JWT_OK;
    /* An unescaped name is never longer than its escaped form, and every member takes at
     * least 4 input bytes ("":0), so these bounds hold for any input of this length. */
    sc->names_cap = sc->len / 4 + 1;
    if (sc->len <= SCRATCH_SMALL) {     /* token headers and payloads: no malloc */
        sc->arena = sc->small_arena;
        sc->names = sc->small_names;
        return JWT_OK;
    }
    sc->arena = malloc(sc->len + 1);
    sc->names = malloc(sc->names_cap * sizeof(*sc->names));
    if (sc->arena == NULL || sc->names == NULL)
        return JWT_ERR(sc->err, JWT_ERR_TOO_LARGE, "JSON: out of memory for %zu bytes",
                       sc->len);
    return JWT_OK;
}

static jwt_code_t scan_member_name(scanner_t *sc)
{
    size_t nlen = 0;
    unsigned char *dst = sc->arena + sc->arena_used;
    jwt_code_t rc = scan_string(sc, dst, &nlen);
    if (rc != JWT_OK)
        return rc;
    if (sc->names_used >= sc->names_cap)    /* cannot happen, see ensure_scratch */
        return JWT_ERR(sc->err, JWT_ERR_JSON, "JSON: too many members");
    sc->names[sc->names_used].name = dst;
    sc->names[sc->names_used].len = nlen;
    sc->names_used++;
    sc->arena_used += nlen;
    return JWT_OK;
}

/* After a member or an element: 1 on ',' (another must follow), 0 on the container's
 * closing byte (consumed), else -1 with *rc the syntax error `expected`. */
static int after_item(scanner_t *sc, char close, const char *expected, jwt_code_t *rc)
{
    skip_ws(sc);
    if (peek(sc) == ',') {
        sc->pos++;
        return 1;
    }
    if (peek(sc) == close) {
        sc->pos++;
        return 0;
    }
    *rc = syntax_error(sc, expected);
    return -1;
}

static jwt_code_t scan_object(scanner_t *sc, int depth)
{
    size_t obj_start = sc->pos;
    size_t first = sc->names_used, arena_mark = sc->arena_used;
    jwt_code_t rc = ensure_scratch(sc);
    int more;
    if (rc != JWT_OK)
        return rc;
    sc->pos++;                      /* '{' */
    skip_ws(sc);
    if (peek(sc) == '}') {
        sc->pos++;
        return JWT_OK;
    }
    for (;;) {
        skip_ws(sc);
        if (peek(sc) != '"')
            return syntax_error(sc, "member name expected");
        if ((rc = scan_member_name(sc)) != JWT_OK)
            return rc;
        skip_ws(sc);
        if (peek(sc) != ':')
            return syntax_error(sc, "':' expected");
        sc->pos++;
        if ((rc = scan_value(sc, depth)) != JWT_OK)
            return rc;
        if ((more = after_item(sc, '}', "',' or '}' expected", &rc)) < 0)
            return rc;
        if (!more)
            break;
    }
    rc = check_duplicates(sc, first, obj_start);
    sc->names_used = first;
    sc->arena_used = arena_mark;
    return rc;
}

static jwt_code_t scan_array(scanner_t *sc, int depth)
{
    jwt_code_t rc;
    int more;
    sc->pos++;                      /* '[' */
    skip_ws(sc);
    if (peek(sc) == ']') {
        sc->pos++;
        return JWT_OK;
    }
    for (;;) {
        if ((rc = scan_value(sc, depth)) != JWT_OK)
            return rc;
        if ((more = after_item(sc, ']', "',' or ']' expected", &rc)) <= 0)
            return more < 0 ? rc : JWT_OK;
    }
}

/* depth: nesting level of the container holding this value (0 at top level). */
static jwt_code_t scan_value(scanner_t *sc, int depth)
{
    skip_ws(sc);
    int c = peek(sc);
    if (c == '{' || c == '[') {
        if (depth + 1 > sc->max_depth)
            return JWT_ERR(sc->err, JWT_ERR_JSON_DEPTH,
                           "JSON: nesting deeper than %d at offset %zu", sc->max_depth,
                           sc->pos);
        return c == '{' ? scan_object(sc, depth + 1) : scan_array(sc, depth + 1);
    }
    if (c == '"')
        return scan_string(sc, NULL, NULL);
    if (c == '-' || is_digit(c))
        return scan_number(sc);
    if (c == 't')
        return scan_literal(sc, "true");
    if (c == 'f')
        return scan_literal(sc, "false");
    if (c == 'n')
        return scan_literal(sc, "null");
    return syntax_error(sc, "value expected");
}

size_t jsoni_max_bytes(const jwt_json_limits_t *lim)
{
    return (lim != NULL && lim->max_bytes > 0) ? lim->max_bytes : JWT_JSON_DEFAULT_MAX_BYTES;
}

int jsoni_max_depth(const jwt_json_limits_t *lim)
{
    int d = (lim != NULL && lim->max_depth > 0) ? lim->max_depth : JWT_JSON_DEFAULT_MAX_DEPTH;
    return d > JSON_HARD_MAX_DEPTH ? JSON_HARD_MAX_DEPTH : d;
}

jwt_code_t jwt_json_validate(const char *buf, size_t len, const jwt_json_limits_t *lim,
                             int object_only, jwt_err_t *err)
{
    if (buf == NULL && len > 0)
        return JWT_ERR(err, JWT_ERR_ARG, "JSON: no input");
    size_t max_bytes = jsoni_max_bytes(lim);
    if (len > max_bytes)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "JSON: %zu bytes, over the limit of %zu",
                       len, max_bytes);

    unsigned char small_arena[SCRATCH_SMALL + 1];
    member_name_t small_names[SCRATCH_SMALL / 4 + 1];
    scanner_t sc = { .s = (const unsigned char *)buf, .len = len,
                     .max_depth = jsoni_max_depth(lim), .err = err,
                     .small_arena = small_arena, .small_names = small_names };
    jwt_code_t rc;
    skip_ws(&sc);
    if (object_only && peek(&sc) != '{')
        rc = at_end(&sc) ? JWT_ERR(err, JWT_ERR_JSON, "JSON: empty input")
                         : JWT_ERR(err, JWT_ERR_JSON, "JSON: not an object");
    else
        rc = scan_value(&sc, 0);
    if (rc == JWT_OK) {
        skip_ws(&sc);
        if (!at_end(&sc))
            rc = syntax_error(&sc, "trailing data after the JSON value");
    }
    if (sc.arena != sc.small_arena) {
        free(sc.arena);
        free(sc.names);
    }
    return rc;
}
