/* libFuzzer target: the strict JSON pre-scan and the json-c parse behind it.
 * Invariants checked (not only "no crash"):
 *  - jwt_json_parse_object accepts exactly what jwt_json_validate(object_only) accepts;
 *  - an object-only accept implies an any-value accept;
 *  - a parsed object serialises to JSON the validator accepts again (json-c never emits
 *    duplicates, NaN or bad UTF-8 from input we let through). */
#include <string.h>
#include "fuzz_common.h"
#include "jwt_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    jwt_err_t e1, e2, e3;
    apr_pool_t *p;

    fuzz_apr_init();
    apr_pool_create(&p, NULL);

    jwt_code_t any = jwt_json_validate(buf, size, NULL, 0, &e1);
    jwt_code_t obj = jwt_json_validate(buf, size, NULL, 1, &e2);
    if (obj == JWT_OK)
        FUZZ_ASSERT(any == JWT_OK);

    json_object *o = NULL;
    jwt_code_t parsed = jwt_json_parse_object(p, buf, size, NULL, &o, &e3);
    FUZZ_ASSERT(parsed == obj);
    if (parsed == JWT_OK) {
        FUZZ_ASSERT(o != NULL && json_object_is_type(o, json_type_object));
        const char *again = jwt_json_to_string(p, o);
        /* Escaping can grow the text (raw DEL -> \u007f), so allow more room. */
        jwt_json_limits_t lim = { 8 * size + 64, 0 };
        jwt_code_t rc = jwt_json_validate(again, strlen(again), &lim, 1, &e1);
        if (rc != JWT_OK)
            fprintf(stderr, "re-validate failed: %s\n", e1.message);
        FUZZ_ASSERT(rc == JWT_OK);
    }
    apr_pool_destroy(p);
    return 0;
}
