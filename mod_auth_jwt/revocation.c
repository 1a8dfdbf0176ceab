/* revocation.c -- the revocation stage (see revocation.h), over revocation_store.c. */
#include "revocation.h"
#include "revocation_conf.h"
#include "revocation_store.h"
#include "shared_store.h"
#include "store_canary.h"
#include "explain.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_thread_mutex.h>

/* ---------------------------------------------------------------- the claims */

static const char *string_claim(json_object *claims, const char *name)
{
    json_object *v;

    if (!json_object_object_get_ex(claims, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    /* an embedded NUL would make two different claims one key */
    if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
        return NULL;
    return json_object_get_string(v);
}

static apr_int64_t time_claim(json_object *claims, const char *name)
{
    json_object *v;

    if (!json_object_object_get_ex(claims, name, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double))
        return (apr_int64_t)json_object_get_double(v);
    return -1;
}

void jwt_revocation_claims(json_object *claims, jwt_rev_claims_t *out)
{
    out->iss = string_claim(claims, "iss");
    out->jti = string_claim(claims, "jti");
    out->sub = string_claim(claims, "sub");
    out->iat = out->issued = time_claim(claims, "iat");
    if (out->issued < 0)
        out->issued = time_claim(claims, "nbf");
    out->exp = time_claim(claims, "exp");
}

/* ---------------------------------------------------------------- "not revoked" memo */

/* Per process: a direct-mapped table of recent "not revoked" answers, for
 * AuthJWTRevocationCheckInterval. A collision overwrites (a miss costs a store lookup). */
#define MEMO_SLOTS 4096
typedef struct {
    unsigned char key[JWT_SHARED_STORE_ID_LEN];
    apr_int64_t at;                 /* seconds; 0 = empty */
} memo_slot_t;

static struct {
    memo_slot_t *slots;
    apr_thread_mutex_t *lock;
} memo_g;

static volatile apr_uint32_t failing;   /* this process is in a streak of store failures */

static int memo_key(const jwt_rev_claims_t *c, apr_pool_t *p, unsigned char key[32])
{
    const char *parts[4];

    parts[0] = c->iss;
    parts[1] = c->jti;
    parts[2] = c->sub;
    parts[3] = apr_psprintf(p, "%" APR_INT64_T_FMT, c->issued);
    return jwt_shared_store_id("revocation-memo", parts, 4, key);
}

static int memo_fresh(const unsigned char key[32], apr_int64_t now, apr_int64_t interval)
{
    memo_slot_t *s;
    int fresh;

    if (!memo_g.slots || !memo_g.lock)
        return 0;
    s = &memo_g.slots[((unsigned)key[0] << 8 | key[1]) % MEMO_SLOTS];
    apr_thread_mutex_lock(memo_g.lock);
    fresh = s->at && !memcmp(s->key, key, sizeof(s->key)) && now >= s->at
            && now - s->at < interval;
    apr_thread_mutex_unlock(memo_g.lock);
    return fresh;
}

static void memo_put(const unsigned char key[32], apr_int64_t now)
{
    memo_slot_t *s;

    if (!memo_g.slots || !memo_g.lock)
        return;
    s = &memo_g.slots[((unsigned)key[0] << 8 | key[1]) % MEMO_SLOTS];
    apr_thread_mutex_lock(memo_g.lock);
    memcpy(s->key, key, sizeof(s->key));
    s->at = now;
    apr_thread_mutex_unlock(memo_g.lock);
}

/* ---------------------------------------------------------------- the stage */

#define NOTE_DESCRIPTION "auth_jwt-revocation-description"

const char *jwt_revocation_description(const request_rec *r)
{
    const char *d = apr_table_get(r->notes, NOTE_DESCRIPTION);
    return d ? d : JWT_REVOCATION_DESCRIPTION;
}

/* Could this token be accepted after every entry that revokes it is gone? Entries last
 * AuthJWTRevocationHorizon (revoke.c); a token accepted up to exp + leeway must end within
 * the horizon from now and from its issue time (so one issued before a revocation ends
 * before the entry). NULL when it cannot; else why. */
static const char *beyond_horizon(const jwt_rev_claims_t *c, apr_int64_t now, apr_int64_t leeway)
{
    apr_int64_t horizon = jwt_revocation_horizon(), end = c->exp + leeway;

    if (c->exp < 0)
        return "it has no exp, and a revocation location needs every token to end";
    if (end > now + horizon)
        return "its exp lies beyond now + AuthJWTRevocationHorizon";
    if (c->issued >= 0 && end - c->issued > horizon)
        return "it lives longer than AuthJWTRevocationHorizon from its iat/nbf";
    return NULL;
}

static int refuse_revoked(request_rec *r, const jwt_rev_claims_t *c, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1110)
                  "token refused: %s (iss '%s', jti '%s', sub '%s')", why,
                  c->iss ? c->iss : "", c->jti ? c->jti : "", c->sub ? c->sub : "");
    jwt_explain_stage(r, "revocation", "fail", why);
    return HTTP_UNAUTHORIZED;          /* authn.c writes the challenge */
}

/* The store lost its entries at T (store_canary.h): a token issued before T may have been
 * revoked in what was lost. Only iat counts: an nbf may lie after the issue (and after a
 * revocation). Until T + the horizon, since a token issued before T and accepted here ends
 * by then (beyond_horizon). OK, or the 401. */
static int lost_refusal(request_rec *r, const jwt_rev_claims_t *c, apr_int64_t now)
{
    apr_int64_t t = jwt_shared_store_lost_at(), until = t + jwt_revocation_horizon();

    if (!t || now >= until || (c->iat >= 0 && c->iat >= t))
        return OK;
    apr_table_setn(r->notes, NOTE_DESCRIPTION, JWT_REVOCATION_STATE_LOST);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1119)
                  "token refused: %s before the revocation store lost its entries at %"
                  APR_INT64_T_FMT " (refused until %" APR_INT64_T_FMT ")",
                  c->iat < 0 ? "it has no iat, so it may be issued" : "issued", t, until);
    jwt_explain_stage(r, "revocation", "fail", "issued before the revocation store lost its "
                      "entries");
    return HTTP_UNAUTHORIZED;
}

static int store_failed(request_rec *r, const jwt_revocation_conf_t *rc, const char *why)
{
    /* once per streak per process: a dead store must not flood the log */
    if (apr_atomic_cas32(&failing, 1, 0) == 0)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, JWT_LOGNO(1111)
                      "revocation store unavailable (%s): %s until it answers again "
                      "(AuthJWTRevocationOnError)", why,
                      rc->allow_on_error ? "tokens are ACCEPTED unchecked"
                                         : "requests get 503");
    if (rc->allow_on_error) {
        jwt_explain_stage(r, "revocation", "pass", "store unavailable; allowed unchecked");
        return OK;
    }
    jwt_explain_stage(r, "revocation", "fail", "store unavailable");
    apr_table_setn(r->err_headers_out, "Retry-After", JWT_REVOCATION_RETRY_AFTER);
    return HTTP_SERVICE_UNAVAILABLE;
}

int jwt_revocation_stage(request_rec *r, const jwt_dir_conf_t *conf,
                         const jwt_request_state_t *st)
{
    const jwt_revocation_conf_t *rc = conf->revocation;
    jwt_rev_claims_t c;
    unsigned char key[32];
    int use_memo, lost = 0, rv;
    apr_int64_t now;
    const char *why = NULL;
    jwt_rev_verdict_t v;

    if (!jwt_revocation_on(rc))
        return OK;
    jwt_revocation_claims(st->claims, &c);
    now = apr_time_sec(apr_time_now());
    if ((why = beyond_horizon(&c, now, conf->leeway))) {
        apr_table_setn(r->notes, NOTE_DESCRIPTION, JWT_REVOCATION_BEYOND_HORIZON);
        return refuse_revoked(r, &c, apr_psprintf(r->pool, "it could outlive its revocation "
                              "(%" APR_INT64_T_FMT " s kept): %s", jwt_revocation_horizon(),
                              why));
    }
    /* before a reused answer too: it may predate the loss */
    if ((rv = lost_refusal(r, &c, now)) != OK)
        return rv;
    use_memo = rc->interval > 0 && memo_key(&c, r->pool, key) == 0;
    if (use_memo && memo_fresh(key, now, rc->interval)) {
        jwt_explain_stage(r, "revocation", "pass", "not revoked (answer reused)");
        return OK;
    }
    v = jwt_revocation_lookup(r->server, r->pool, c.iss, c.jti, c.sub, c.issued, &why, &lost);
    (void)lost;                         /* logged where it was found (AH-JWT-1112) */
    if (v != JWT_REV_ERROR && apr_atomic_cas32(&failing, 0, 1) == 1)
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, JWT_LOGNO(1113)
                      "revocation store %s answers again", jwt_shared_store_describe());
    switch (v) {
    case JWT_REV_REVOKED:
        return refuse_revoked(r, &c, "token revoked");
    case JWT_REV_UNDATED:
        return refuse_revoked(r, &c, "its subject has a revocation cut-off and the token "
                              "has neither iat nor nbf");
    case JWT_REV_ERROR:
        return store_failed(r, rc, why);
    default:
        break;
    }
    /* the lookup read the canary (and the marker) if it was due: a loss it found now */
    if ((rv = lost_refusal(r, &c, now)) != OK)
        return rv;
    if (use_memo)
        memo_put(key, now);
    jwt_explain_stage(r, "revocation", "pass", "not revoked");
    return OK;
}

/* ---------------------------------------------------------------- hooks */

static apr_status_t memo_free(void *data)
{
    (void)data;
    free(memo_g.slots);
    memo_g.slots = NULL;
    memo_g.lock = NULL;
    return APR_SUCCESS;
}

static void revocation_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    apr_atomic_set32(&failing, 0);
    if (!jwt_shared_store_configured())
        return;
    /* calloc: pages become resident only once used (most servers set no interval) */
    memo_g.slots = calloc(MEMO_SLOTS, sizeof(memo_slot_t));
    if (memo_g.slots && apr_thread_mutex_create(&memo_g.lock, APR_THREAD_MUTEX_DEFAULT,
                                                pchild) != APR_SUCCESS)
        memo_g.lock = NULL;
    apr_pool_cleanup_register(pchild, NULL, memo_free, apr_pool_cleanup_null);
}

void jwt_revocation_register_hooks(apr_pool_t *p)
{
    (void)p;
    jwt_revocation_conf_register_hooks(p);
    ap_hook_child_init(revocation_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(jwt_revocation_check_config, NULL, NULL, APR_HOOK_MIDDLE);
}
