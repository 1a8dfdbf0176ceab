/* jwt_json.c -- JSON parsing with limits: json-c builds the objects, after the strict
 * pre-scan of jwt_json_scan.c has passed the input (duplicate names, NaN, \u0000 and
 * anything else outside RFC 8259 never reach json-c); pool ownership of json-c objects,
 * per-thread tokener reuse and serialisation.
 */
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "jwt_json.h"
#include "jwt_json_int.h"


static apr_status_t json_put_cleanup(void *data)
{
    json_object_put(data);
    return APR_SUCCESS;
}

json_object *jwt_json_pool_own(apr_pool_t *p, json_object *obj)
{
    if (obj != NULL)
        apr_pool_cleanup_register(p, obj, json_put_cleanup, apr_pool_cleanup_null);
    return obj;
}

/* A json-c tokener is two allocations (a state record per allowed level, and a buffer)
 * and every token needs two parses, so each thread keeps the last tokener it used and
 * resets it for the next parse. Only tokeners of small inputs are kept: the buffer grows
 * to the longest string parsed, and a thread should not pin a JWKS-sized one. */
#define TOKENER_KEEP_MAX_INPUT 16384

typedef struct {
    json_tokener *tok;
    int depth;
} tokener_slot_t;

static pthread_key_t tokener_key;
static pthread_once_t tokener_once = PTHREAD_ONCE_INIT;
static int tokener_key_ok;

static void tokener_slot_free(void *data)
{
    tokener_slot_t *slot = data;
    if (slot->tok != NULL)          /* json_tokener_free(NULL) is not a no-op */
        json_tokener_free(slot->tok);
    free(slot);
}

static void tokener_key_make(void)
{
    tokener_key_ok = pthread_key_create(&tokener_key, tokener_slot_free) == 0;
}

static json_tokener *tokener_take(int depth)
{
    pthread_once(&tokener_once, tokener_key_make);
    tokener_slot_t *slot = tokener_key_ok ? pthread_getspecific(tokener_key) : NULL;
    if (slot != NULL && slot->tok != NULL && slot->depth == depth) {
        json_tokener *tok = slot->tok;
        slot->tok = NULL;
        json_tokener_reset(tok);
        return tok;
    }
    return json_tokener_new_ex(depth);
}

static void tokener_give_back(json_tokener *tok, int depth, size_t input_len)
{
    tokener_slot_t *slot = tokener_key_ok ? pthread_getspecific(tokener_key) : NULL;
    if (input_len <= TOKENER_KEEP_MAX_INPUT && tokener_key_ok && slot == NULL) {
        slot = calloc(1, sizeof(*slot));
        if (slot != NULL && pthread_setspecific(tokener_key, slot) != 0) {
            free(slot);
            slot = NULL;
        }
    }
    if (input_len > TOKENER_KEEP_MAX_INPUT || slot == NULL) {
        json_tokener_free(tok);
        return;
    }
    if (slot->tok != NULL)
        json_tokener_free(slot->tok);
    slot->tok = tok;
    slot->depth = depth;
}

/* json-c switches the thread to the "C" numeric locale around every parse: duplocale,
 * newlocale, uselocale, freelocale. With the thread still on the global locale,
 * glibc's duplocale takes the process-wide locale lock for writing, so under load every
 * worker thread queues on it twice per token. When the thread is already on the "C" locale
 * object, the same calls return that static object and take no lock. So the parse runs
 * with the thread switched to "C" (which json-c wants anyway) and back. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* json-c with the input already validated: it must agree, consume all of it and give an
 * object. Any disagreement is an error rather than trusting either side. */
static jwt_code_t parse_with_json_c(const char *buf, size_t len, int max_depth,
                                    json_object **out, jwt_err_t *err)
{
    if (len > INT_MAX)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "JSON: %zu bytes is too large", len);
    json_tokener *tok = tokener_take(max_depth + 1);
    if (tok == NULL)
        return JWT_ERR(err, JWT_ERR_TOO_LARGE, "JSON: out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    pthread_once(&c_locale_once, c_locale_make);
    locale_t caller_locale = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
    if (caller_locale != (locale_t)0)
        uselocale(caller_locale);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    tokener_give_back(tok, max_depth + 1, len);

    /* Trailing whitespace may be left unread; the pre-scan proved it is only whitespace. */
    for (; end < len && (buf[end] == ' ' || buf[end] == '\t' || buf[end] == '\n' ||
                         buf[end] == '\r'); end++)
        ;
    if (obj == NULL || jerr != json_tokener_success || end != len ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return JWT_ERR(err, JWT_ERR_JSON, "JSON: json-c refused the input (%s)",
                       json_tokener_error_desc(jerr));
    }
    *out = obj;
    return JWT_OK;
}

jwt_code_t jwt_json_parse_object(apr_pool_t *p, const char *buf, size_t len,
                                 const jwt_json_limits_t *lim, json_object **out,
                                 jwt_err_t *err)
{
    if (p == NULL || out == NULL)
        return JWT_ERR(err, JWT_ERR_ARG, "JSON: missing argument");
    jwt_code_t rc = jwt_json_validate(buf, len, lim, 1, err);
    if (rc != JWT_OK)
        return rc;
    json_object *obj = NULL;
    rc = parse_with_json_c(buf, len, jsoni_max_depth(lim), &obj, err);
    if (rc != JWT_OK)
        return rc;
    *out = jwt_json_pool_own(p, obj);
    return JWT_OK;
}


const char *jwt_json_to_string(apr_pool_t *p, json_object *obj)
{
    /* json-c keeps the text in obj's own buffer: copy it out to the pool at once. */
    const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    return apr_pstrdup(p, s != NULL ? s : "null");
}
