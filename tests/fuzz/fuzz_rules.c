/* libFuzzer target: the Require jwt-* rules (mod_auth_jwt/core/jwt_rules.c), whose text comes
 * from the configuration and, on the admin page's inspect form, from the browser. The input:
 * byte 0 picks jwt-claim / jwt-claim-array / jwt-scope; the bytes up to the first NUL are
 * the rule's arguments; the rest is a claims JSON object.
 * Invariants: compiling gives an error message or a rule set, never both; the word splitter
 * always makes progress and never returns more bytes than it read; matching answers 0 or 1
 * with a reason, and the same answer twice. */
#include <string.h>
#include "fuzz_common.h"
#include <apr_strings.h>
#include "jwt_json.h"
#include "jwt_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    jwt_rule_set_t *set = NULL;
    json_object *claims = NULL;
    const char *msg, *why = NULL, *why2 = NULL, *line;
    size_t alen;
    char *args;

    if (size < 1)
        return 0;
    fuzz_apr_init();
    apr_pool_create(&p, NULL);
    alen = strnlen((const char *)data + 1, size - 1);
    args = apr_pstrmemdup(p, (const char *)data + 1, alen);

    /* the splitter alone */
    line = args;
    for (;;) {
        const char *before = line;
        char *w = jwt_rules_word(p, &line);
        FUZZ_ASSERT(line >= before && line <= args + alen);
        FUZZ_ASSERT(strlen(w) <= (size_t)(line - before));
        if (!*w && !*line)
            break;
        FUZZ_ASSERT(line > before);
    }

    msg = jwt_rules_compile(p, (jwt_rule_kind_t)(data[0] % 3), args, &set);
    FUZZ_ASSERT((msg == NULL) == (set != NULL));
    if (msg == NULL && 1 + alen + 1 <= size) {
        const char *js = (const char *)data + 1 + alen + 1;
        size_t jlen = size - (1 + alen + 1);
        if (jwt_json_parse_object(p, js, jlen, NULL, &claims, NULL) == JWT_OK) {
            int a = jwt_rules_match(p, set, claims, &why);
            int b = jwt_rules_match(p, set, claims, &why2);
            FUZZ_ASSERT(a == 0 || a == 1);
            FUZZ_ASSERT(a == b && why != NULL && why2 != NULL && !strcmp(why, why2));
        }
    }
    apr_pool_destroy(p);
    return 0;
}
