/* revocation_store.c -- revoked jtis and subject cut-offs in the shared store (see
 * revocation_store.h). Values are short text, so an operator can read them with
 * redis-cli: "jwt-rev1 jti" or "jwt-rev1 cut T".
 */
#include "revocation_store.h"
#include "shared_store.h"
#include "store_canary.h"

#include <errno.h>
#include <string.h>
#include <apr_strings.h>

#define NS "jwt-revocation"
#define JTI_VALUE "jwt-rev1 jti"
#define CUT_PREFIX "jwt-rev1 cut "

static int entry_id(const char *kind, const char *iss, const char *value,
                    unsigned char id[JWT_SHARED_STORE_ID_LEN])
{
    const char *parts[3];

    parts[0] = kind;
    parts[1] = iss ? iss : "";
    parts[2] = value;
    return jwt_shared_store_id(NS, parts, 3, id);
}

/* The cut-off in a value read back, or -1 when it is not one of ours. */
static apr_int64_t parse_cut(const unsigned char *buf, unsigned int len)
{
    char text[64], *end = NULL;
    apr_int64_t t;
    size_t plen = sizeof(CUT_PREFIX) - 1;

    if (len <= plen || len >= sizeof(text) || memcmp(buf, CUT_PREFIX, plen))
        return -1;
    memcpy(text, buf, len);
    text[len] = '\0';
    errno = 0;
    t = apr_strtoi64(text + plen, &end, 10);
    if (errno || !end || *end || t < 0)
        return -1;
    return t;
}

/* APR_SUCCESS (found, *buf filled), APR_NOTFOUND, or the error. */
static apr_status_t get_entry(server_rec *s, apr_pool_t *p, const char *kind, const char *iss,
                              const char *value, unsigned char *buf, unsigned int *len)
{
    unsigned char id[JWT_SHARED_STORE_ID_LEN];

    if (entry_id(kind, iss, value, id))
        return APR_EGENERAL;
    return jwt_shared_store_get(s, id, buf, len, p);
}

jwt_rev_verdict_t jwt_revocation_lookup(server_rec *s, apr_pool_t *p, const char *iss,
                                        const char *jti, const char *sub,
                                        apr_int64_t issued, const char **why, int *lost)
{
    unsigned char buf[JWT_SHARED_STORE_MAX_VALUE];
    unsigned int len;
    apr_status_t rv;
    char err[120];

    *lost = 0;
    *why = NULL;
    if (!jwt_shared_store_configured()) {
        *why = "no AuthJWTRevocationCache is configured";
        return JWT_REV_ERROR;
    }
    if (jti) {
        len = sizeof(buf);
        rv = get_entry(s, p, "jti", iss, jti, buf, &len);
        if (rv == APR_SUCCESS)
            return JWT_REV_REVOKED;       /* any value there means revoked */
        if (rv != APR_NOTFOUND)
            goto failed;
    }
    if (sub) {
        len = sizeof(buf);
        rv = get_entry(s, p, "sub", iss, sub, buf, &len);
        if (rv == APR_SUCCESS) {
            apr_int64_t cut = parse_cut(buf, len);
            if (cut < 0) {
                *why = "a subject entry that is not one of ours";
                return JWT_REV_ERROR;
            }
            if (issued < 0)
                return JWT_REV_UNDATED;
            return issued <= cut ? JWT_REV_REVOKED : JWT_REV_CLEAR;
        }
        if (rv != APR_NOTFOUND)
            goto failed;
    }
    /* only misses: make sure they came from a live store that keeps what it is given */
    rv = jwt_shared_store_alive(s, p, lost);
    if (rv == APR_SUCCESS)
        return JWT_REV_CLEAR;
failed:
    *why = apr_pstrcat(p, jwt_shared_store_describe(), ": ",
                       apr_strerror(rv, err, sizeof(err)), NULL);
    return JWT_REV_ERROR;
}

static apr_status_t put_and_check(server_rec *s, apr_pool_t *p, const unsigned char *id,
                                  apr_int64_t expires, const char *value)
{
    unsigned char buf[JWT_SHARED_STORE_MAX_VALUE];
    unsigned int len = sizeof(buf), vlen = (unsigned int)strlen(value);
    apr_status_t rv;

    rv = jwt_shared_store_put(s, id, apr_time_from_sec(expires),
                              (const unsigned char *)value, vlen, p);
    if (rv != APR_SUCCESS)
        return rv;
    /* read back: a store that drops what it is given (full, evicting, a dead server its
     * client answers NOTFOUND for) must not let a revocation look done */
    rv = jwt_shared_store_get(s, id, buf, &len, p);
    if (rv == APR_NOTFOUND)
        return APR_EGENERAL;
    if (rv == APR_SUCCESS && (len != vlen || memcmp(buf, value, vlen)))
        return APR_EGENERAL;
    return rv;
}

apr_status_t jwt_revocation_revoke_jti(server_rec *s, apr_pool_t *p, const char *iss,
                                       const char *jti, apr_int64_t expires)
{
    unsigned char id[JWT_SHARED_STORE_ID_LEN];

    if (!jwt_shared_store_configured())
        return APR_ENOTIMPL;
    if (!jti || entry_id("jti", iss, jti, id))
        return APR_EINVAL;
    return put_and_check(s, p, id, expires, JTI_VALUE);
}

apr_status_t jwt_revocation_cut_subject(server_rec *s, apr_pool_t *p, const char *iss,
                                        const char *sub, apr_int64_t cutoff,
                                        apr_int64_t lifetime)
{
    unsigned char id[JWT_SHARED_STORE_ID_LEN], buf[JWT_SHARED_STORE_MAX_VALUE];
    unsigned int len = sizeof(buf);
    apr_status_t rv;
    apr_int64_t old;

    if (!jwt_shared_store_configured())
        return APR_ENOTIMPL;
    if (!sub || entry_id("sub", iss, sub, id))
        return APR_EINVAL;
    rv = jwt_shared_store_get(s, id, buf, &len, p);
    if (rv == APR_SUCCESS && (old = parse_cut(buf, len)) > cutoff)
        cutoff = old;                     /* never move a cut-off back */
    else if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        return rv;
    return put_and_check(s, p, id, cutoff + lifetime,
                         apr_psprintf(p, CUT_PREFIX "%" APR_INT64_T_FMT, cutoff));
}
