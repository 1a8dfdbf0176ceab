/* metrics_export.c -- the shared counters (metrics.c) read out for operators:
 *
 *   <Location /metrics>
 *     SetHandler jwt-metrics-handler     Prometheus text format 0.0.4
 *     Require ip 127.0.0.1               protected like any location
 *   </Location>
 *
 * and, with mod_status loaded, a mod_auth_jwt section in /server-status (HTML and ?auto).
 * Reading takes no lock: each value is one atomic load, so a scrape during traffic sees
 * every counter at some moment of the scrape (a histogram's _count is the sum of the
 * buckets it printed, so it always agrees with them).
 */
#include "metrics_export.h"
#include "metrics.h"

#include <string.h>
#include <apr_strings.h>
#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_status.h"

/* Prometheus label values escape backslash, double quote and newline. */
static const char *label_value(apr_pool_t *p, const char *s)
{
    size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s; *c; c++)
        n += (*c == '\\' || *c == '"' || *c == '\n') ? 2 : 1;
    if (n == (size_t)(c - s))
        return s;
    o = out = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        if (*c == '\\' || *c == '"' || *c == '\n') {
            *o++ = '\\';
            *o++ = *c == '\n' ? 'n' : *c;
        }
        else
            *o++ = *c;
    }
    *o = '\0';
    return out;
}

static void family(request_rec *r, const char *name, const char *type, const char *help)
{
    ap_rvputs(r, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", NULL);
}

/* A location is shown once any of its requests was counted: every section of the
 * configuration has a slot, most of them never see an AuthType jwt request. */
static int location_active(int slot)
{
    int o;

    for (o = 0; o < JWT_OUT__COUNT; o++) {
        if (jwt_metrics_location_value(slot, (jwt_outcome_t)o))
            return 1;
    }
    return 0;
}

static void requests(request_rec *r)
{
    int slot, o;

    family(r, "mod_auth_jwt_requests_total", "counter",
           "Requests to AuthType jwt locations by outcome (allowed, refused, unavailable) "
           "and reason.");
    for (slot = 0; slot < jwt_metrics_locations(); slot++) {
        const char *loc;
        if (!location_active(slot))
            continue;
        loc = label_value(r->pool, jwt_metrics_location_label(slot));
        for (o = 0; o < JWT_OUT__COUNT; o++)
            ap_rprintf(r, "mod_auth_jwt_requests_total{location=\"%s\",outcome=\"%s\","
                       "reason=\"%s\"} %" APR_UINT64_T_FMT "\n", loc,
                       jwt_outcome_class((jwt_outcome_t)o), jwt_outcome_reason((jwt_outcome_t)o),
                       jwt_metrics_location_value(slot, (jwt_outcome_t)o));
    }
}

static void pair(request_rec *r, const char *name, const char *type, const char *help,
                 const char *label, const char *v1, jwt_metrics_global_t g1,
                 const char *v2, jwt_metrics_global_t g2)
{
    family(r, name, type, help);
    ap_rprintf(r, "%s{%s=\"%s\"} %" APR_UINT64_T_FMT "\n", name, label, v1,
               jwt_metrics_global(g1));
    ap_rprintf(r, "%s{%s=\"%s\"} %" APR_UINT64_T_FMT "\n", name, label, v2,
               jwt_metrics_global(g2));
}

static void sources(request_rec *r)
{
    int i, f, n = jwt_metrics_sources();
    apr_time_t now = apr_time_now();
    const char **labels = apr_pcalloc(r->pool, sizeof(*labels) * (apr_size_t)(n + 1));

    for (i = 0; i < n; i++)
        labels[i] = label_value(r->pool, jwt_metrics_source_label(i));
    family(r, "mod_auth_jwt_jwks_fetches_total", "counter",
           "Remote JWKS fetches by source and result.");
    for (i = 0; i < n; i++) {
        for (f = 0; f < JWT_FETCH__COUNT; f++)
            ap_rprintf(r, "mod_auth_jwt_jwks_fetches_total{source=\"%s\",result=\"%s\"} %"
                       APR_UINT64_T_FMT "\n", labels[i],
                       jwt_fetch_outcome_name((jwt_fetch_outcome_t)f),
                       jwt_metrics_source_fetches(i, (jwt_fetch_outcome_t)f));
    }
    family(r, "mod_auth_jwt_jwks_last_success_timestamp_seconds", "gauge",
           "Unix time of the last fetch of the source that answered with a usable document "
           "(absent: none since the counters started).");
    for (i = 0; i < n; i++) {
        apr_time_t t = jwt_metrics_source_last_success(i);
        if (t)
            ap_rprintf(r, "mod_auth_jwt_jwks_last_success_timestamp_seconds{source=\"%s\"} "
                       "%.3f\n", labels[i], (double)t / APR_USEC_PER_SEC);
    }
    family(r, "mod_auth_jwt_jwks_document_age_seconds", "gauge",
           "Seconds since the source's keys were last confirmed by a fetch.");
    for (i = 0; i < n; i++) {
        apr_time_t t = jwt_metrics_source_last_success(i);
        if (t)
            ap_rprintf(r, "mod_auth_jwt_jwks_document_age_seconds{source=\"%s\"} %.3f\n",
                       labels[i], (double)(now > t ? now - t : 0) / APR_USEC_PER_SEC);
    }
    family(r, "mod_auth_jwt_keys", "gauge", "Usable keys in the source's current document.");
    for (i = 0; i < n; i++) {
        int k = jwt_metrics_source_keys(i);
        if (k >= 0)
            ap_rprintf(r, "mod_auth_jwt_keys{source=\"%s\"} %d\n", labels[i], k);
    }
}

static void histogram(request_rec *r)
{
    apr_uint64_t cum = 0;
    int b;

    family(r, "mod_auth_jwt_verify_duration_seconds", "histogram",
           "Time to verify a token at a location (cache lookup, signature, claims).");
    for (b = 0; b < JWT_METRICS_BUCKETS; b++) {
        cum += jwt_metrics_bucket(b);
        ap_rprintf(r, "mod_auth_jwt_verify_duration_seconds_bucket{le=\"%s\"} %"
                   APR_UINT64_T_FMT "\n", jwt_metrics_bucket_le(b), cum);
    }
    cum += jwt_metrics_bucket(JWT_METRICS_BUCKETS);
    ap_rprintf(r, "mod_auth_jwt_verify_duration_seconds_bucket{le=\"+Inf\"} %"
               APR_UINT64_T_FMT "\n", cum);
    ap_rprintf(r, "mod_auth_jwt_verify_duration_seconds_sum %.6f\n",
               (double)jwt_metrics_verify_sum_us() / APR_USEC_PER_SEC);
    ap_rprintf(r, "mod_auth_jwt_verify_duration_seconds_count %" APR_UINT64_T_FMT "\n", cum);
}

int jwt_metrics_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, JWT_METRICS_HANDLER))
        return DECLINED;
    if (r->method_number != M_GET) {   /* HEAD is a GET with header_only */
        ap_allow_methods(r, REPLACE_ALLOW, "GET", "HEAD", NULL);   /* httpd writes Allow */
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!jwt_metrics_ready())
        return HTTP_SERVICE_UNAVAILABLE;   /* cannot happen once post_config made it */
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only)
        return OK;
    family(r, "mod_auth_jwt_metrics_start_time_seconds", "gauge",
           "Unix time the counters started from 0 (each restart, graceful or not).");
    ap_rprintf(r, "mod_auth_jwt_metrics_start_time_seconds %.3f\n",
               (double)jwt_metrics_started() / APR_USEC_PER_SEC);
    requests(r);
    pair(r, "mod_auth_jwt_cache_lookups_total", "counter", "Token cache lookups by result.",
         "result", "hit", JWT_G_CACHE_HIT, "miss", JWT_G_CACHE_MISS);
    sources(r);
    pair(r, "mod_auth_jwt_secrets_reloads_total", "counter",
         "AuthJWTSecretsFile changes read: ok, or failed (the last good keys kept serving).",
         "result", "ok", JWT_G_SECRETS_OK, "failed", JWT_G_SECRETS_FAILED);
    pair(r, "mod_auth_jwt_logins_total", "counter", "jwt-login-handler credential checks.",
         "result", "success", JWT_G_LOGIN_OK, "failure", JWT_G_LOGIN_FAILED);
    histogram(r);
    return OK;
}

/* ---------------------------------------------------------------- mod_status */

static const char *source_state(int i)
{
    int last = jwt_metrics_source_last_result(i);

    if (last < 0)
        return "not fetched yet";
    return (last == JWT_FETCH_OK || last == JWT_FETCH_NOT_MODIFIED) ? "ok" : "failing";
}

static void status_totals(request_rec *r, apr_uint64_t *out)
{
    int slot, o;

    memset(out, 0, sizeof(*out) * 3);
    for (slot = 0; slot < jwt_metrics_locations(); slot++) {
        for (o = 0; o < JWT_OUT__COUNT; o++) {
            const char *cls = jwt_outcome_class((jwt_outcome_t)o);
            out[cls[0] == 'a' ? 0 : cls[0] == 'r' ? 1 : 2] +=
                jwt_metrics_location_value(slot, (jwt_outcome_t)o);
        }
    }
}

static long source_age(int i, apr_time_t now)
{
    apr_time_t t = jwt_metrics_source_last_success(i);
    return t ? (long)apr_time_sec(now - t) : -1;
}

static void status_short(request_rec *r)
{
    apr_uint64_t tot[3];
    apr_time_t now = apr_time_now();
    int i;

    status_totals(r, tot);
    ap_rprintf(r, "AuthJWTAllowed: %" APR_UINT64_T_FMT "\nAuthJWTRefused: %" APR_UINT64_T_FMT
               "\nAuthJWTUnavailable: %" APR_UINT64_T_FMT "\n", tot[0], tot[1], tot[2]);
    ap_rprintf(r, "AuthJWTCacheHits: %" APR_UINT64_T_FMT "\nAuthJWTCacheMisses: %"
               APR_UINT64_T_FMT "\n", jwt_metrics_global(JWT_G_CACHE_HIT),
               jwt_metrics_global(JWT_G_CACHE_MISS));
    ap_rprintf(r, "AuthJWTJWKSSources: %d\n", jwt_metrics_sources());
    for (i = 0; i < jwt_metrics_sources(); i++)
        ap_rprintf(r, "AuthJWTJWKS%d: %s state=%s keys=%d age=%ld\n", i,
                   jwt_metrics_source_label(i), source_state(i), jwt_metrics_source_keys(i),
                   source_age(i, now));
}

static void status_html(request_rec *r)
{
    apr_uint64_t tot[3];
    apr_time_t now = apr_time_now();
    int i;

    status_totals(r, tot);
    ap_rputs("<hr />\n<h2>mod_auth_jwt</h2>\n", r);
    ap_rprintf(r, "<p>requests allowed %" APR_UINT64_T_FMT ", refused %" APR_UINT64_T_FMT
               ", unavailable %" APR_UINT64_T_FMT "; token cache hits %" APR_UINT64_T_FMT
               ", misses %" APR_UINT64_T_FMT "; secrets reloads %" APR_UINT64_T_FMT
               " (failed %" APR_UINT64_T_FMT "); logins %" APR_UINT64_T_FMT " (failed %"
               APR_UINT64_T_FMT ")</p>\n", tot[0], tot[1], tot[2],
               jwt_metrics_global(JWT_G_CACHE_HIT), jwt_metrics_global(JWT_G_CACHE_MISS),
               jwt_metrics_global(JWT_G_SECRETS_OK), jwt_metrics_global(JWT_G_SECRETS_FAILED),
               jwt_metrics_global(JWT_G_LOGIN_OK), jwt_metrics_global(JWT_G_LOGIN_FAILED));
    if (!jwt_metrics_sources())
        return;
    ap_rputs("<table border=\"0\"><tr><th>JWKS source</th><th>state</th><th>keys</th>"
             "<th>age (s)</th><th>fetches ok</th><th>failed</th></tr>\n", r);
    for (i = 0; i < jwt_metrics_sources(); i++) {
        apr_uint64_t failed = 0;
        int f;
        for (f = JWT_FETCH_TIMEOUT; f < JWT_FETCH__COUNT; f++)
            failed += jwt_metrics_source_fetches(i, (jwt_fetch_outcome_t)f);
        ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%ld</td><td>%"
                   APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   ap_escape_html(r->pool, jwt_metrics_source_label(i)), source_state(i),
                   jwt_metrics_source_keys(i), source_age(i, now),
                   jwt_metrics_source_fetches(i, JWT_FETCH_OK)
                   + jwt_metrics_source_fetches(i, JWT_FETCH_NOT_MODIFIED), failed);
    }
    ap_rputs("</table>\n", r);
}

static int jwt_status_hook(request_rec *r, int flags)
{
    if (!jwt_metrics_ready())
        return OK;
    if (flags & AP_STATUS_SHORT)
        status_short(r);
    else
        status_html(r);
    return OK;
}

void jwt_metrics_export_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(jwt_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, jwt_status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
