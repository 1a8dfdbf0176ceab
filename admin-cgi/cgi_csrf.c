/* cgi_csrf.c -- CSRF token and same-origin check. */
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

const char *csrf_token(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user)
{
    static const char label[] = "jwt-admin-csrf-v1";
    unsigned char mac[32];
    unsigned int maclen = 0;
    /* label NUL user: the label keeps this MAC from meaning anything elsewhere */
    size_t ulen = strlen(user);
    unsigned char *msg = apr_palloc(p, sizeof(label) + ulen);
    memcpy(msg, label, sizeof(label));
    memcpy(msg + sizeof(label), user, ulen);
    if (HMAC(EVP_sha256(), key, CSRF_KEY_LEN, msg, sizeof(label) + ulen, mac, &maclen) == NULL ||
        maclen != sizeof(mac))
        return NULL;
    return jwt_b64url_encode(p, mac, sizeof(mac));
}

int csrf_token_valid(apr_pool_t *p, const unsigned char key[CSRF_KEY_LEN], const char *user,
                     const char *given)
{
    const char *want = csrf_token(p, key, user);
    if (want == NULL || given == NULL)
        return 0;
    size_t n = strlen(want);
    if (strlen(given) != n)
        return 0;
    return CRYPTO_memcmp(want, given, n) == 0;
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
