/* cgi_csrf.c -- CSRF token and same-origin check. The token is "ISSUED.MAC": it expires
 * (JWT_ADMIN_CSRF_LIFETIME, hours) and is bound to the user and to the session's token, so a
 * token leaked from one login is worthless after a new one and after a few hours. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "jwt_b64.h"
#include "cgi_csrf.h"

static int read_key(const char *path, unsigned char key[CSRF_KEY_LEN], const char **why,
                    apr_pool_t *p)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *why = apr_psprintf(p, "cannot open CSRF key %s: %s", path, strerror(errno));
        return 0;
    }
    size_t got = 0;
    while (got < CSRF_KEY_LEN) {
        ssize_t n = read(fd, key + got, CSRF_KEY_LEN - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (got != CSRF_KEY_LEN) {
        *why = apr_psprintf(p, "CSRF key %s is shorter than %d bytes", path, CSRF_KEY_LEN);
        return 0;
    }
    return 1;
}

/* First use: write a fresh key to a temp file, then link() it into place. link fails with
 * EEXIST when another request won the race; then both use the winner's key. */
static int create_key(apr_pool_t *p, const char *path, const char **why)
{
    unsigned char fresh[CSRF_KEY_LEN];
    if (RAND_bytes(fresh, sizeof(fresh)) != 1) {
        *why = "RAND_bytes failed for the CSRF key";
        return 0;
    }
    char *tmp = apr_pstrcat(p, path, ".tmp.XXXXXX", NULL);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        OPENSSL_cleanse(fresh, sizeof(fresh));
        *why = apr_psprintf(p, "cannot create CSRF key beside %s: %s", path, strerror(errno));
        return 0;
    }
    int ok = write(fd, fresh, sizeof(fresh)) == (ssize_t)sizeof(fresh) && fsync(fd) == 0;
    OPENSSL_cleanse(fresh, sizeof(fresh));
    ok = (close(fd) == 0) && ok;
    if (ok && link(tmp, path) != 0 && errno != EEXIST) {
        *why = apr_psprintf(p, "cannot install CSRF key %s: %s", path, strerror(errno));
        ok = 0;
    } else if (!ok) {
        *why = apr_psprintf(p, "cannot write CSRF key beside %s", path);
    }
    unlink(tmp);
    return ok;
}

int csrf_key_load(apr_pool_t *p, const char *path, unsigned char key[CSRF_KEY_LEN],
                  const char **why)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            *why = apr_psprintf(p, "cannot stat CSRF key %s: %s", path, strerror(errno));
            return 0;
        }
        if (!create_key(p, path, why))
            return 0;
    }
    return read_key(path, key, why, p);
}

/* base64url(HMAC-SHA256(key, label NUL user NUL session NUL issued)): the label keeps this
 * MAC from meaning anything elsewhere, the NULs keep the fields apart. */
static const char *csrf_mac(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN],
                            const char *user, const char *session, const char *issued)
{
    static const char label[] = "jwt-admin-csrf-v2";
    unsigned char mac[32];
    unsigned int maclen = 0;
    size_t ul = strlen(user), sl = strlen(session), il = strlen(issued);
    size_t n = sizeof(label) + ul + 1 + sl + 1 + il;
    unsigned char *msg = apr_palloc(p, n), *m = msg;

    memcpy(m, label, sizeof(label));
    m += sizeof(label);
    memcpy(m, user, ul + 1);
    m += ul + 1;
    memcpy(m, session, sl + 1);
    m += sl + 1;
    memcpy(m, issued, il);
    if (HMAC(EVP_sha256(), key, CSRF_KEY_LEN, msg, n, mac, &maclen) == NULL ||
        maclen != sizeof(mac))
        return NULL;
    return jwt_b64url_encode(p, mac, sizeof(mac));
}

const char *csrf_session(apr_pool_t *p, const char *const claims[], size_t n)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t i, any = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

    for (i = 0; ok && i < n; i++) {
        const char *v = claims[i] ? claims[i] : "";
        any |= *v != '\0';
        /* each value with its NUL: ("ab", "c") and ("a", "bc") differ */
        ok = EVP_DigestUpdate(ctx, v, strlen(v) + 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == sizeof(md);
    EVP_MD_CTX_free(ctx);
    if (!ok || !any)
        return "";
    return jwt_b64url_encode(p, md, sizeof(md));
}

const char *csrf_token(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                       const char *session, int64_t now)
{
    const char *issued = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)now);
    const char *mac = csrf_mac(p, key, user, session ? session : "", issued);
    return mac ? apr_pstrcat(p, issued, ".", mac, NULL) : NULL;
}

int csrf_token_valid(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                     const char *session, const char *given, int64_t now, int64_t lifetime)
{
    const char *dot, *want;
    char *issued;
    size_t digits, n;
    int64_t t;

    if (given == NULL || (dot = strchr(given, '.')) == NULL)
        return CSRF_INVALID;
    digits = (size_t)(dot - given);
    if (digits == 0 || digits > 12 || strspn(given, "0123456789") != digits)
        return CSRF_INVALID;
    issued = apr_pstrmemdup(p, given, digits);
    want = csrf_mac(p, key, user, session ? session : "", issued);
    n = want ? strlen(want) : 0;
    if (want == NULL || strlen(dot + 1) != n || CRYPTO_memcmp(want, dot + 1, n) != 0)
        return CSRF_INVALID;
    t = (int64_t)apr_atoi64(issued);
    /* a minute of clock difference between the CGI's runs, and no older than lifetime */
    if (t > now + 60 || now - t > lifetime)
        return CSRF_EXPIRED;
    return CSRF_VALID;
}

const char *csrf_expected_origin(apr_pool_t *p, const char *configured, const char *host,
                                 int https)
{
    if (configured != NULL && *configured != '\0')
        return configured;
    if (host == NULL || *host == '\0')
        return NULL;
    return apr_pstrcat(p, https ? "https://" : "http://", host, NULL);
}

const char *csrf_origin_problem(const char *origin, const char *referer, const char *expected)
{
    if (expected == NULL)
        return "no Host header to compare the origin with";
    if (origin != NULL && *origin != '\0') {
        if (strcasecmp(origin, expected) != 0)
            return "Origin header is not this site";
        return NULL;
    }
    if (referer != NULL && *referer != '\0') {
        size_t n = strlen(expected);
        if (strncasecmp(referer, expected, n) != 0 || (referer[n] != '/' && referer[n] != '\0'))
            return "Referer header is not this site";
        return NULL;
    }
    return "neither Origin nor Referer header present";
}
