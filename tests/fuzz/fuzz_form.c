/* libFuzzer target: the admin CGI's form parsing (admin-cgi/cgi_form.c), which reads the
 * query string and the POST body straight from the browser (or an attacker's page).
 * The input is used three ways: as a query string (form_parse), as one percent-encoded
 * component (form_decode), and as a POST body read through form_read_post from a FILE,
 * with CONTENT_LENGTH its real length and, for the first byte odd, a wrong length.
 * Invariants: a refusal carries a 4xx status; an accepted form has at most FORM_MAX_FIELDS
 * fields, names within FORM_MAX_NAME, values within FORM_MAX_VALUE and free of NUL. */
#include <string.h>
#include "fuzz_common.h"
#include <apr_strings.h>
#include "cgi_form.h"

static int check_field(void *rec, const char *key, const char *value)
{
    (void)rec;
    FUZZ_ASSERT(strlen(key) >= 1 && strlen(key) <= FORM_MAX_NAME);
    FUZZ_ASSERT(strlen(value) <= FORM_MAX_VALUE);
    return 1;
}

static void check_form(apr_table_t *t, const form_error_t *fe)
{
    if (t == NULL) {
        FUZZ_ASSERT(fe->status >= 400 && fe->status < 500);
        FUZZ_ASSERT(memchr(fe->message, '\0', sizeof(fe->message)) != NULL);
        return;
    }
    FUZZ_ASSERT(apr_table_elts(t)->nelts <= FORM_MAX_FIELDS);
    apr_table_do(check_field, NULL, t, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    form_error_t fe;

    fuzz_apr_init();
    apr_pool_create(&p, NULL);

    memset(&fe, 0, sizeof(fe));
    check_form(form_parse(p, (const char *)data, size, &fe), &fe);

    memset(&fe, 0, sizeof(fe));
    char *dec = form_decode(p, (const char *)data, size, "field", &fe);
    if (dec == NULL)
        FUZZ_ASSERT(fe.status >= 400 && fe.status < 500);

    FILE *in = fmemopen(size ? (void *)data : (void *)"", size, "r");
    if (in != NULL) {
        size_t claimed = (size && (data[0] & 1)) ? size + 1 : size;
        const char *cl = apr_psprintf(p, "%" APR_SIZE_T_FMT, claimed);
        memset(&fe, 0, sizeof(fe));
        check_form(form_read_post(p, "application/x-www-form-urlencoded; charset=UTF-8", cl,
                                  in, &fe), &fe);
        fclose(in);
    }
    apr_pool_destroy(p);
    return 0;
}
