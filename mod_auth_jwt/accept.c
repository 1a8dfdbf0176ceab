/* accept.c -- what the client asked for in Accept: a browser's navigation (HTML) or an
 * API client (JSON). Used by the error bodies (error_body.c) and the login redirect
 * (login_redirect.c), below both. */
#include "accept.h"

#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>

/* ---------------------------------------------------------------- Accept */

/* q of one media range's parameters ("q=0.8"); 1 when absent, 0 when unparsable. */
static double q_of(const char *params)
{
    const char *q = params;
    while (q && (q = strchr(q, ';')) != NULL) {
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
            char *end = NULL;
            double v = strtod(q + 2, &end);
            if (end == q + 2 || v < 0 || v > 1)
                return 0;
            return v;
        }
    }
    return 1;
}

int jwt_prefers_html(const request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    char *copy, *last = NULL, *range;
    double html = -1, json = -1, any = -1;

    if (!accept)
        return 0;
    copy = apr_pstrdup(r->pool, accept);
    for (range = apr_strtok(copy, ",", &last); range; range = apr_strtok(NULL, ",", &last)) {
        char *semi = strchr(range, ';'), *end;
        double q = q_of(range);
        while (*range == ' ' || *range == '\t')
            range++;
        end = semi ? semi : range + strlen(range);
        while (end > range && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = '\0';
        if (!ap_cstr_casecmp(range, "text/html") || !ap_cstr_casecmp(range, "application/xhtml+xml"))
            html = q > html ? q : html;
        else if (!ap_cstr_casecmp(range, "application/json"))
            json = q > json ? q : json;
        else if (!strcmp(range, "*/*"))
            any = q > any ? q : any;
    }
    if (json < 0)
        json = any > 0 ? any : 0;
    return html > 0 && html > json;
}
