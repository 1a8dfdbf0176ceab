/* signature.c -- the verifier over the location's key sources.
 *
 * A new kind of key source is one new unit defining a const jwt_key_source_t
 * (key_source.h) and one line in the table below; nothing here knows what a kind is. */
#include "signature.h"
#include "source_files.h"
#include "secrets_watch.h"
#include "jwks.h"

#include <string.h>
#include <apr_strings.h>

/* The registration: the order is the order keys are tried in (sources that fetch go
 * after the others whatever their place here). */
static const jwt_key_source_t *const sources[] = {
    &jwt_source_files,        /* AuthJWTKeyFile */
    &jwt_source_secrets,      /* AuthJWTSecretsFile */
    &jwt_source_jwks,         /* AuthJWTJWKSURL, AuthJWTIssuerDiscovery */
};
#define N_SOURCES ((int)(sizeof(sources) / sizeof(sources[0])))

jwt_code_t jwt_key_source_verify_ring(const jwt_keyring_t *ring, const jwt_dir_conf_t *conf,
                                      const jwt_token_t *t, const jwt_key_t **used,
                                      jwt_err_t *err)
{
    return jwt_token_verify(t, ring, conf->algs, used, err);
}

int jwt_key_sources_configured(const jwt_dir_conf_t *conf)
{
    for (int i = 0; i < N_SOURCES; i++) {
        if (sources[i]->configured(conf))
            return 1;
    }
    return 0;
}

/* When no source verifies, report the most telling failure: a key that was found but
 * refused the signature beats "no key for this alg", which beats "unknown kid". */
static int failure_rank(jwt_code_t code)
{
    switch (code) {
    case JWT_ERR_UNKNOWN_KID: return 1;
    case JWT_ERR_NO_KEY:      return 2;
    default:                  return 3;
    }
}

/* One pass over the sources: local ones (pass 0), then those that fetch (pass 1). A
 * source that fetches runs only when the local keys could not decide: none was tried, or
 * none knew the kid and refused the signature, or the token has no kid (a kid-less token
 * names no key, so a local key of its alg that refused it says nothing about the remote
 * ones). Its verdict then wins ties, and JWT_ERR_FETCH (no usable remote keys) always. */
jwt_code_t jwt_verify_signature(request_rec *r, const jwt_dir_conf_t *conf,
                                const jwt_token_t *t, const jwt_key_t **used, jwt_err_t *err)
{
    jwt_err_t best, e;
    int any = 0;

    jwt_err_clear(&best);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N_SOURCES; i++) {
            const jwt_key_source_t *s = sources[i];
            int retry_after = 0;
            if (s->fetches != pass || !s->configured(conf))
                continue;
            any = 1;
            if (pass && !(best.code == JWT_OK || failure_rank(best.code) < 3 || t->kid == NULL))
                continue;
            jwt_err_clear(&e);
            if (s->verify(r, conf, t, used, &retry_after, &e) == JWT_OK)
                return JWT_OK;
            if (e.code == JWT_ERR_FETCH)
                apr_table_setn(r->err_headers_out, "Retry-After",
                               apr_itoa(r->pool, retry_after));
            if (e.code == JWT_ERR_FETCH || best.code == JWT_OK
                || failure_rank(e.code) > failure_rank(best.code)
                || (pass && failure_rank(e.code) == failure_rank(best.code)))
                best = e;
        }
    }
    if (!any)
        return JWT_ERR(err, JWT_ERR_NO_KEY, "no key is configured for this location");
    if (err)
        *err = best;
    return best.code;
}

int jwt_key_sources_identity(const jwt_dir_conf_t *conf, const void **out, int max)
{
    int n = 0;
    if (N_SOURCES > max)
        return -1;                     /* a partial identity could match another section's */
    for (int i = 0; i < N_SOURCES; i++)
        out[n++] = sources[i]->configured(conf) ? sources[i]->identity(conf) : NULL;
    return n;
}

int jwt_key_sources_versioned(const jwt_dir_conf_t *conf)
{
    for (int i = 0; i < N_SOURCES; i++) {
        if (sources[i]->versions && sources[i]->configured(conf))
            return 1;
    }
    return 0;
}

int jwt_key_sources_versions(request_rec *r, const jwt_dir_conf_t *conf, const char *iss,
                             jwt_key_version_t *out, int max)
{
    int n = 0, versioned = 0;

    for (int i = 0; i < N_SOURCES; i++) {
        const jwt_key_source_t *s = sources[i];
        int got;
        if (!s->versions || !s->configured(conf))
            continue;
        if (n + 1 >= max)
            return -1;
        versioned = 1;
        /* the count first (its slot filled below), so no two sources' items run together */
        got = s->versions(r, conf, iss, out + n + 1, max - n - 1);
        if (got < 0)
            return -1;
        out[n].data = NULL;           /* a count item */
        out[n].len = (size_t)got;
        n += 1 + got;
    }
    return versioned ? n : 0;
}
