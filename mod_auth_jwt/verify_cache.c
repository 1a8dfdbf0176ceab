/* verify_cache.c -- the stage "verify through the location's cache": the token cache
 * (cache.c) as a layer around the verifier (signature.c) and the claims checks. It owns
 * the lookup key (the location's identity, fixed at config time, and the token), the key
 * versions check and the put; nothing else in the module verifies tokens.
 */
#include "verify_cache.h"
#include "signature.h"
#include "cache.h"
#include "explain.h"
#include "metrics.h"

#include <string.h>
#include <apr_strings.h>

/* Bounds of the per-request arrays: more key source kinds or remote documents than
 * these and the token is verified without the cache. */
#define JWT_MAX_KEY_SOURCES 8
#define JWT_MAX_KEY_VERSIONS 24

static void claims_policy(request_rec *r, const jwt_dir_conf_t *conf, jwt_claims_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->now = (int64_t)apr_time_sec(r->request_time);
    pol->leeway = conf->leeway;
    pol->issuers = conf->issuers;
    pol->audiences = conf->audiences;
    pol->required = conf->required;
    pol->typ = conf->typ;
    pol->max_lifetime = conf->max_lifetime;
}

/* ---------------------------------------------------------------- the token cache */

static void hash_list(jwt_hash_t *h, const apr_array_header_t *list)
{
    int i, n = list ? list->nelts : -1;

    jwt_cache_hash_add(h, &n, sizeof(n));
    for (i = 0; i < n; i++)
        jwt_cache_hash_str(h, APR_ARRAY_IDX(list, i, const char *));
}

/* Lookup key: the whole token and the identity of the location's keys and rules. A
 * section made while the configuration was read is never written again, so its number
 * (conf->identity, config.c) stands for all of them. A section made at request time
 * (.htaccess, a merge of two sections that both set something) has none: its key sources
 * are config-time objects (pointers are stable and never in .htaccess) and its rules are
 * hashed by value. The token goes first with its length and a tag says which of the two
 * follows, so no input of one form equals one of the other. So an entry is only ever
 * found with the same token bytes under the same rules, and every claim check but the
 * time checks has the same verdict it had when the token was verified: a hit makes only
 * the time checks again (verify_cached). */
static int cache_key(request_rec *r, const jwt_dir_conf_t *conf, const char *compact,
                     size_t len, const jwt_unwrap_t *u, unsigned char key[32])
{
    jwt_hash_t *h = jwt_cache_key_begin(r);
    const void *keys[JWT_MAX_KEY_SOURCES];
    apr_int64_t nums[2];
    int n;

    if (!h)
        return 0;
    jwt_cache_hash_add(h, &len, sizeof(len));
    jwt_cache_hash_add(h, compact, len);
    if (conf->identity) {
        jwt_cache_hash_add(h, "I", 1);
        jwt_cache_hash_add(h, &conf->identity, sizeof(conf->identity));
        return jwt_cache_key_end(r, h, key);
    }
    jwt_cache_hash_add(h, "V", 1);
    if ((n = jwt_key_sources_identity(conf, keys, JWT_MAX_KEY_SOURCES)) < 0)
        return 0;                      /* not cached (the next begin resets the hash) */
    jwt_cache_hash_add(h, keys, (size_t)n * sizeof(keys[0]));
    jwt_cache_hash_add(h, &conf->algs, sizeof(conf->algs));
    nums[0] = conf->leeway;
    nums[1] = conf->max_lifetime;
    jwt_cache_hash_add(h, nums, sizeof(nums));
    hash_list(h, conf->issuers);
    hash_list(h, conf->audiences);
    hash_list(h, conf->required);
    jwt_cache_hash_str(h, conf->typ);
    jwt_cache_hash_str(h, conf->user_claim);
    if (u) {                           /* the opening layer's keys and rules */
        jwt_cache_hash_add(h, "U", 1);
        jwt_cache_hash_add(h, &u->identity, sizeof(u->identity));
        jwt_cache_hash_add(h, u->rules, sizeof(u->rules));
    }
    return jwt_cache_key_end(r, h, key);
}

static const char *payload_issuer(json_object *payload)
{
    json_object *v;
    if (payload && json_object_object_get_ex(payload, "iss", &v)
        && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* The versions of the keys that could verify a token with these claims here right now,
 * from every key source that has versions (the secrets file's content hash, each JWKS
 * document of the token's issuer); key files change only with a restart (a new
 * configuration, so a new cache). Returns 0 when there is no usable answer (then the
 * token is verified and not cached). */
static int key_versions(request_rec *r, const jwt_dir_conf_t *conf, json_object *payload,
                        unsigned char out[32])
{
    jwt_key_version_t v[JWT_MAX_KEY_VERSIONS];
    int n, i;
    jwt_hash_t *h;

    if (!jwt_key_sources_versioned(conf)) {
        memset(out, 0, 32);            /* nothing can change the keys but a restart */
        return 1;
    }
    /* only now the issuer: a json-c lookup the key-files-only location never needs */
    n = jwt_key_sources_versions(r, conf, payload_issuer(payload), v, JWT_MAX_KEY_VERSIONS);
    if (n < 0)
        return 0;
    if (!(h = jwt_cache_hash_begin(r)))
        return 0;
    for (i = 0; i < n; i++) {
        if (v[i].data)
            jwt_cache_hash_add(h, v[i].data, v[i].len);
        else                           /* a count item: how many of a source's follow */
            jwt_cache_hash_add(h, &v[i].len, sizeof(v[i].len));
    }
    return jwt_cache_hash_end(h, out);
}

typedef enum { CACHED_OK, CACHED_REFUSED, CACHED_STALE, CACHED_NONE } cached_t;

/* A hit: rebuild the token from the cached payload (no signature check), make sure the
 * keys it was verified with are still the location's keys, and make the time checks again
 * at this request's time: the entry's window from jwt_claims_window, whose end the table
 * has already checked. The other claim checks depend only on the token's bytes and the
 * location's rules, both in the lookup key, so their verdict has not changed. A time
 * before the window (the clock went back) runs every check again, for its precise error. */
static cached_t verify_cached(request_rec *r, const jwt_dir_conf_t *conf, const char *compact,
                              size_t len, const jwt_cache_hit_t *hit, jwt_token_t **token,
                              jwt_err_t *err)
{
    jwt_claims_policy_t pol;
    jwt_token_t *t = apr_pcalloc(r->pool, sizeof(*t));
    unsigned char now_versions[32];
    const char *dot;

    if (hit->payload_obj)              /* this connection's memo: already parsed */
        t->payload = hit->payload_obj;
    else if (jwt_json_parse_object(r->pool, hit->payload_json, hit->payload_len, NULL,
                                   &t->payload, NULL) != JWT_OK)
        return CACHED_STALE;           /* cannot happen: it parsed when it was stored */
    if (!key_versions(r, conf, t->payload, now_versions)
        || memcmp(now_versions, hit->versions, 32) != 0)
        return CACHED_STALE;
    t->compact = apr_pstrmemdup(r->pool, compact, len);
    /* the signature is the last segment, so the last dot is near the end: memrchr looks
     * from there instead of strrchr's walk over the whole token */
    dot = memrchr(t->compact, '.', len);
    t->signing_input_len = dot ? (size_t)(dot - t->compact) : len;
    t->payload_json = hit->payload_json;
    t->alg = hit->alg;
    t->alg_name = jwt_alg_name(hit->alg);
    t->kid = hit->kid;
    t->typ = hit->typ;
    if ((apr_int64_t)apr_time_sec(r->request_time) < hit->valid_from) {
        claims_policy(r, conf, &pol);
        if (jwt_claims_validate(t, &pol, err) != JWT_OK)
            return CACHED_REFUSED;
    }
    *token = t;
    return CACHED_OK;
}

/* The token cache first; then parse, pick a key from the location's key sources
 * (signature.c), verify the signature, validate the claims, and remember the verified
 * token. */
/* With an opening layer u (or NULL) under the cache: the lookup key is the outer token (so a
 * hit saves the opening too), and what open() gives is what is verified. */
static jwt_code_t location_verify(request_rec *r, const jwt_dir_conf_t *conf,
                                  const char *compact, size_t len, jwt_unwrap_t *u,
                                  jwt_token_t **token, const jwt_key_t **used, int *has_cnf,
                                  jwt_err_t *err)
{
    const char *inner = compact;
    size_t inner_len = len;
    jwt_claims_policy_t pol;
    jwt_parse_opts_t opts;
    jwt_token_t *t = NULL;
    jwt_cache_hit_t hit;
    jwt_err_t cached_err;
    int64_t valid_from, valid_until;
    unsigned char key[32], before[32], after[32], opened_before[32];
    int cacheable = 0, versioned, opened_versioned = 1, cnf;
    cached_t found;
    jwt_code_t rc;

    /* an explanation (explain.c) runs every stage: no cached verdict */
    if (jwt_cache_enabled() && len <= JWT_DEFAULT_MAX_TOKEN_LEN && !jwt_explaining(r)
        && cache_key(r, conf, compact, len, u, key)) {
        cacheable = 1;
        jwt_err_clear(&cached_err);
        found = jwt_cache_get(r, key, (apr_int64_t)apr_time_sec(r->request_time), &hit)
                ? verify_cached(r, conf, compact, len, &hit, token, &cached_err) : CACHED_NONE;
        /* a hit is an entry whose verdict stands; one whose keys changed is a miss */
        jwt_metrics_cache_lookup(&conf->metrics, found == CACHED_OK || found == CACHED_REFUSED);
        if (found != CACHED_NONE) {
            switch (found) {
            case CACHED_OK:
                jwt_cache_memo(r, key, *token, hit.versions, hit.valid_from, hit.expires,
                               hit.has_cnf);
                *used = NULL;
                *has_cnf = hit.has_cnf;
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, JWT_LOGNO(0208)
                              "cache hit: %s token verified earlier at this location with "
                              "the same keys", jwt_alg_name(hit.alg));
                return JWT_OK;
            case CACHED_REFUSED:       /* same payload, same rules: the verdict stands */
                if (err)
                    *err = cached_err;
                return cached_err.code;
            default:
                jwt_cache_drop(r, key);   /* its keys changed: verify it afresh */
                break;
            }
        }
    }

    /* the opening may use keys with versions too (a secrets file's encryption keys): one
     * set must be in force from before it to the put, as for the signature below */
    if (u && cacheable)
        opened_versioned = key_versions(r, conf, NULL, opened_before);
    if (u && (rc = u->open(r, u, &inner, &inner_len, &t, err)) != JWT_OK)
        return rc;
    if (inner) {
        memset(&opts, 0, sizeof(opts));
        opts.header_memo = jwt_cache_header_memo(r);
        rc = jwt_token_parse(r->pool, inner, inner_len, &opts, &t, err);
        if (rc != JWT_OK)
            return rc;
    }
    /* key versions before and after: a token is only cached when one set of keys was in
     * force for the whole verification */
    versioned = cacheable && key_versions(r, conf, t->payload, before);
    if (inner) {
        rc = jwt_verify_signature(r, conf, t, used, err);
        if (rc != JWT_OK)
            return rc;
    }
    else {
        *used = NULL;                  /* a shared secret authenticated the claims */
    }
    claims_policy(r, conf, &pol);
    rc = jwt_claims_validate_window(t, &pol, &valid_from, &valid_until, err);
    if (rc != JWT_OK)
        return rc;
    cnf = json_object_object_get_ex(t->payload, "cnf", NULL);
    if (versioned && opened_versioned && key_versions(r, conf, t->payload, after)
        && memcmp(before, after, 32) == 0
        && (!u || (key_versions(r, conf, NULL, after) && memcmp(opened_before, after, 32) == 0)))
        jwt_cache_put(r, key, t, after, valid_from, valid_until, cnf);
    *token = t;
    *has_cnf = cnf;
    return JWT_OK;
}

/* The single verification path for a location, timed for the histogram (two clock reads
 * per request: the vDSO, no system call; none under AuthJWTMetrics Off, nor for an
 * explanation, whose subrequest is no request of the location's). Nothing else in the
 * module verifies tokens. */
jwt_code_t jwt_location_verify_unwrap(request_rec *r, const jwt_dir_conf_t *conf,
                                      const char *compact, size_t len, jwt_unwrap_t *u,
                                      jwt_token_t **token, const jwt_key_t **used,
                                      int *has_cnf, jwt_err_t *err)
{
    apr_time_t t0;
    jwt_code_t rc;
    int cnf_ignored;

    if (!has_cnf)
        has_cnf = &cnf_ignored;
    if (conf->metrics.off || jwt_explaining(r))
        return location_verify(r, conf, compact, len, u, token, used, has_cnf, err);
    t0 = apr_time_now();
    rc = location_verify(r, conf, compact, len, u, token, used, has_cnf, err);
    jwt_metrics_verify_time(apr_time_now() - t0);
    return rc;
}

jwt_code_t jwt_location_verify(request_rec *r, const jwt_dir_conf_t *conf,
                               const char *compact, size_t len, jwt_token_t **token,
                               const jwt_key_t **used, jwt_err_t *err)
{
    return jwt_location_verify_unwrap(r, conf, compact, len, NULL, token, used, NULL, err);
}
