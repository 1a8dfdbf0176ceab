/* form_body.c -- a POST body of at most N bytes, and a form body into a table (see
 * form_body.h). */
#include "form_body.h"
#include "jwt_wipe.h"

#include <string.h>
#include <apr_strings.h>
#include "http_protocol.h"

/* Over the limit: the rest of the body stays unread, so the connection cannot carry
 * another request (its next bytes would be read as one). */
static int too_large(request_rec *r)
{
    r->connection->keepalive = AP_CONN_CLOSE;
    return HTTP_REQUEST_ENTITY_TOO_LARGE;
}

int jwt_form_read_body(request_rec *r, apr_size_t max, char **out, apr_size_t *outlen)
{
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t len = 0;
    long got;
    int rc;

    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return rc;
    /* a Content-Length over the limit: refused before any of it is read (a client that
     * announces 1 GB and sends nothing is answered at once, not waited for); a chunked
     * body has none (0 here) and meets the limit while it is read */
    if (r->remaining > (apr_off_t)max)
        return too_large(r);
    /* registered before the first byte comes, so a refused (too large, broken) body is
     * wiped too */
    jwt_wipe_at_end(r->pool, buf, max + 1);
    if (ap_should_client_block(r)) {
        while ((got = ap_get_client_block(r, buf + len, max + 1 - len)) > 0) {
            len += (apr_size_t)got;
            if (len > max)
                return too_large(r);
        }
        if (got < 0)
            return HTTP_BAD_REQUEST;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return OK;
}

int jwt_form_read(request_rec *r, apr_size_t max, apr_table_t *form)
{
    char *buf = NULL, *last = NULL, *pair;
    apr_size_t len = 0;
    int rc;

    if ((rc = jwt_form_read_body(r, max, &buf, &len)) != OK)
        return rc;
    if (strlen(buf) != len)
        return HTTP_BAD_REQUEST;
    for (pair = apr_strtok(buf, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ap_unescape_urlencoded(pair) != OK || ap_unescape_urlencoded(eq + 1) != OK)
            return HTTP_BAD_REQUEST;
        if (apr_table_get(form, pair))
            return HTTP_BAD_REQUEST;     /* one of each: no ambiguity */
        apr_table_setn(form, pair, eq + 1);
    }
    return OK;
}
