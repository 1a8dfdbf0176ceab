/* binding.c -- AuthJWTBinding: the binding stage (binding.h).
 *
 * mtls (RFC 8705 3): the token's cnf["x5t#S256"] must be the SHA-256 thumbprint of the
 * certificate the client presented on this TLS connection (mod_ssl's SSL_CLIENT_CERT), or,
 * behind a TLS-terminating proxy, of the RFC 9440 Client-Cert header NAME
 * (AuthJWTClientCertHeader) when the connection comes from an address of
 * AuthJWTClientCertTrustedProxies; from anywhere else the header is not looked at. The
 * comparison is core/jwt_cnf.c's, in constant time. Runs on every request, cache hit or
 * not: the verified-token cache knows the token, not the connection.
 */
#include "binding.h"
#include "binding_conf.h"
#include "explain.h"
#include "jwt_cnf.h"
#include "jwt_dpop.h"
#include "dpop_replay.h"
#include "dpop_nonce.h"
#include "conn_state.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_network_io.h>
#include <apr_optional.h>
#include "ap_mmn.h"
#include "http_core.h"
#if AP_MODULE_MAGIC_AT_LEAST(20120211, 102)
#include "http_ssl.h"
#else
APR_DECLARE_OPTIONAL_FN(char *, ssl_var_lookup, (apr_pool_t *, server_rec *, conn_rec *,
                                                  request_rec *, char *));
#endif

static int refuse(request_rec *r, jwt_binding_refusal_t *no, int status, const char *error,
                  const char *description, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JWT_LOGNO(1310)
                  "token refused at %s: %s", r->uri, why);
    jwt_explain_stage(r, "binding", "fail", why);
    no->error = error;
    no->description = description;
    return status;
}

/* mod_ssl's PEM of the connection's client certificate, NULL without TLS or certificate. */
static const char *tls_client_cert(request_rec *r)
{
    const char *pem;
#if AP_MODULE_MAGIC_AT_LEAST(20120211, 102)
    if (!ap_ssl_conn_is_ssl(r->connection))
        return NULL;
    pem = ap_ssl_var_lookup(r->pool, r->server, r->connection, r, "SSL_CLIENT_CERT");
#else
    APR_OPTIONAL_FN_TYPE(ssl_var_lookup) *lookup = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
    if (!lookup)
        return NULL;
    pem = lookup(r->pool, r->server, r->connection, r, (char *)"SSL_CLIENT_CERT");
#endif
    return pem && *pem ? pem : NULL;
}

static int from_trusted_proxy(const request_rec *r, const jwt_binding_conf_t *b)
{
    int i;
    if (!b->trusted)
        return 0;
    /* the peer of the TCP connection, not r->useragent_addr (which mod_remoteip may have
     * set from a header): the proxy itself must be the one we trust */
    for (i = 0; i < b->trusted->nelts; i++) {
        if (apr_ipsubnet_test(APR_ARRAY_IDX(b->trusted, i, apr_ipsubnet_t *),
                              r->connection->client_addr))
            return 1;
    }
    return 0;
}

/* The last certificate seen on this connection and its thumbprint. Parsing a certificate
 * costs OpenSSL some hundred microseconds; a keep-alive connection presents the same one
 * request after request (TLS: always, barring renegotiation; a proxy: usually), so it is
 * parsed again only when its text differs. Kept in the connection's pool, grown only to
 * the largest certificate seen. */
typedef struct {
    char *text;
    size_t cap, len;
    char thumb[64];
} cert_memo_t;

#define CERT_MEMO "auth_jwt_cert_memo"

static const char *memo_thumb(conn_rec *c, const char *text, size_t len)
{
    cert_memo_t *m = NULL;
    apr_pool_userdata_get((void **)&m, CERT_MEMO, c->pool);
    return m && m->len == len && memcmp(m->text, text, len) == 0 ? m->thumb : NULL;
}

static void memo_keep(conn_rec *c, const char *text, size_t len, const char *thumb)
{
    cert_memo_t *m = NULL;
    size_t tl = strlen(thumb);

    if (tl >= sizeof(m->thumb))
        return;
    apr_pool_userdata_get((void **)&m, CERT_MEMO, c->pool);
    if (!m) {
        m = apr_pcalloc(c->pool, sizeof(*m));
        apr_pool_userdata_setn(m, CERT_MEMO, NULL, c->pool);
    }
    if (m->cap < len) {
        m->text = apr_palloc(c->pool, len);
        m->cap = len;
    }
    memcpy(m->text, text, len);
    m->len = len;
    memcpy(m->thumb, thumb, tl + 1);
}

typedef jwt_code_t (*thumb_fn)(apr_pool_t *, const char *, size_t, const char **, jwt_err_t *);

static jwt_code_t field_thumb(apr_pool_t *p, const char *text, size_t len, const char **out,
                              jwt_err_t *err)
{
    (void)len;
    return jwt_cert_thumbprint_field(p, text, out, err);
}

static jwt_code_t memo_or_parse(request_rec *r, const char *text, thumb_fn parse,
                                const char **thumb, jwt_err_t *err)
{
    size_t len = strlen(text);
    const char *t = memo_thumb(r->connection, text, len);
    jwt_code_t rc;

    if (t) {
        *thumb = apr_pstrdup(r->pool, t);
        return JWT_OK;
    }
    if ((rc = parse(r->pool, text, len, thumb, err)) == JWT_OK)
        memo_keep(r->connection, text, len, *thumb);
    return rc;
}

/* The client certificate's thumbprint: JWT_OK with *thumb (NULL: no certificate), or an
 * error for a certificate that cannot be read (*from says which source). */
static jwt_code_t client_thumbprint(request_rec *r, const jwt_binding_conf_t *b,
                                    const char **thumb, const char **from, jwt_err_t *err)
{
    const char *field, *pem;

    *thumb = NULL;
    if (b->cert_header && from_trusted_proxy(r, b)
        && (field = apr_table_get(r->headers_in, b->cert_header))) {
        *from = b->cert_header;
        return memo_or_parse(r, field, field_thumb, thumb, err);
    }
    *from = "the TLS connection";
    if (!(pem = tls_client_cert(r)))
        return JWT_OK;
    return memo_or_parse(r, pem, jwt_cert_thumbprint_pem, thumb, err);
}

static int check_mtls(request_rec *r, const jwt_binding_conf_t *b,
                      const jwt_request_state_t *st, jwt_binding_refusal_t *no)
{
    const char *thumb = NULL, *from = NULL;
    jwt_cnf_result_t res = jwt_cnf_x5t_check(st->claims, NULL);
    jwt_err_t err;

    if (res == JWT_CNF_NONE && b->optional) {
        jwt_explain_stage(r, "binding", "pass", "no cnf: a bearer token (mtls optional)");
        return OK;
    }
    if (res == JWT_CNF_NONE || res == JWT_CNF_OTHER)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token",
                      "the token is not bound to a client certificate",
                      res == JWT_CNF_NONE ? "no cnf claim (AuthJWTBinding mtls)"
                                          : "cnf has no x5t#S256 (AuthJWTBinding mtls)");
    if (res == JWT_CNF_BAD)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token", "malformed cnf claim",
                      "cnf is not an object or cnf x5t#S256 not a string");
    jwt_err_clear(&err);
    if (client_thumbprint(r, b, &thumb, &from, &err) != JWT_OK)
        return refuse(r, no, HTTP_BAD_REQUEST, "invalid_request", "unreadable client certificate",
                      apr_pstrcat(r->pool, "client certificate from ", from, ": ",
                                  err.message, NULL));
    if (!thumb)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token",
                      "a client certificate is required for this token",
                      "certificate-bound token without a client certificate");
    if (jwt_cnf_x5t_check(st->claims, thumb) != JWT_CNF_MATCH)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token",
                      "the token is bound to another client certificate",
                      apr_pstrcat(r->pool, "cnf x5t#S256 is not the thumbprint of the "
                                  "certificate from ", from, " (", thumb, ")", NULL));
    jwt_explain_stage(r, "binding", "pass", apr_pstrcat(r->pool, "x5t#S256 matches the "
                                                        "certificate from ", from, NULL));
    return OK;
}

/* ---------------------------------------------------------------- DPoP */

const char *jwt_binding_dpop_algs(apr_pool_t *p, const jwt_dir_conf_t *conf)
{
    return jwt_algset_format(p, jwt_dpop_algs(conf->algs_set ? conf->algs : JWT_ALGSET_ALL));
}

typedef struct {
    int count;
    const char *value;
} proof_count_t;

static int count_proof(void *data, const char *key, const char *value)
{
    proof_count_t *c = data;
    (void)key;
    c->count++;
    c->value = value;
    return 1;
}

/* The one DPoP header's value, or NULL (none, or more than one: httpd joins repeated
 * headers with ", ", and a compact JWS holds neither ',' nor ' '). */
static const char *the_proof(request_rec *r, int *count)
{
    proof_count_t c = { 0, NULL };
    apr_table_do(count_proof, &c, r->headers_in, "DPoP", NULL);
    if (c.count == 1 && c.value && strpbrk(c.value, ", \t"))
        c.count = 2;
    *count = c.count;
    return c.count == 1 ? c.value : NULL;
}

/* The request the client sent: a subrequest's or internal redirect's proof is the one
 * that came with it, for its method and URL. */
static request_rec *client_request(request_rec *r)
{
    while (r->main || r->prev)
        r = r->main ? r->main : r->prev;
    return r;
}

/* The request's URL as the client addressed it (RFC 9449 4.3: htu): this server's scheme,
 * the name and port the client used (UseCanonicalName decides, as for every URL httpd
 * makes about itself) and the path as sent, not decoded. */
static const char *request_url(request_rec *r, const jwt_binding_conf_t *b)
{
    const char *path = r->parsed_uri.path && *r->parsed_uri.path ? r->parsed_uri.path : "/";
    if (b->dpop_url)                   /* AuthJWTDPoPURL: the public origin, set by config */
        return apr_pstrcat(r->pool, b->dpop_url, path, NULL);
    return ap_construct_url(r->pool, path, r);
}

/* Is the host of the URL we expect in htu a name of this server (ServerName, ServerAlias,
 * wildcard aliases as httpd's vhost matching, case-insensitive)? With UseCanonicalName Off
 * (the default) ap_construct_url takes the client's Host header, and a request whose Host
 * names another server lands in the default vhost: a proof and token captured at
 * rs-b.example would then verify here, with Host: rs-b.example, and this server's replay
 * store has never seen that jti. Only a name we answer for may be in htu. */
static int host_is_ours(request_rec *r)
{
    const server_rec *s = r->server;
    const char *host = ap_get_server_name(r);
    int i;

    if (!host || !*host)
        return 0;
    if (s->server_hostname && !strcasecmp(host, s->server_hostname))
        return 1;
    for (i = 0; s->names && i < s->names->nelts; i++) {
        if (!strcasecmp(host, APR_ARRAY_IDX(s->names, i, const char *)))
            return 1;
    }
    for (i = 0; s->wild_names && i < s->wild_names->nelts; i++) {
        if (!ap_strcasecmp_match(host, APR_ARRAY_IDX(s->wild_names, i, const char *)))
            return 1;
    }
    return 0;
}

#define DPOP_NOTE "auth_jwt_dpop_proof"

/* A proof is used once per client request: the first section that checks it records it
 * in the store and in the client request's notes, so that a subrequest or internal
 * redirect into another DPoP section (an ErrorDocument) may check it again without
 * counting as a replay. */
static jwt_dpop_use_t use_proof(request_rec *r, const jwt_dpop_proof_t *got, apr_time_t expiry)
{
    request_rec *top = client_request(r);
    const char *mark = apr_pstrcat(top->pool, got->jkt, " ", got->jti, NULL);
    const char *seen = apr_table_get(top->notes, DPOP_NOTE);
    jwt_dpop_use_t use;

    if (seen && strcmp(seen, mark) == 0)
        return JWT_DPOP_FIRST_USE;
    use = jwt_dpop_replay_first_use(r, got->jkt, got->jti, expiry);
    if (use == JWT_DPOP_FIRST_USE)
        apr_table_setn(top->notes, DPOP_NOTE, mark);
    return use;
}

/* The connection's proof-key memo (core/jwt_dpop.h), made on its first proof. HTTP/1
 * connections only, as the token cache's memo: an HTTP/2 stream is a connection of its
 * own that lives for one request. */
static jwt_dpop_memo_t *dpop_memo(conn_rec *c)
{
    jwt_conn_parts_t *parts;

    if (c->master || !(parts = jwt_conn_parts(c)))
        return NULL;
    if (!parts->dpop)
        parts->dpop = jwt_dpop_memo_make(c->pool);
    return parts->dpop;
}

static int check_dpop(request_rec *r, const jwt_dir_conf_t *conf, const jwt_binding_conf_t *b,
                      const jwt_request_state_t *st, const token_hunt_t *hunt,
                      jwt_binding_refusal_t *no)
{
    const char *jkt = jwt_dpop_token_jkt(st->claims), *proof;
    jwt_dpop_req_t req;
    jwt_dpop_proof_t got;
    jwt_err_t err;
    json_object *cnf;
    int count;
    apr_int64_t window = b->dpop_window_set ? b->dpop_window : JWT_DPOP_DEFAULT_WINDOW;

    if (!hunt->dpop_scheme) {
        int has_cnf = json_object_object_get_ex(st->claims, "cnf", &cnf);
        /* RFC 9449 7.2: a DPoP-bound token is never accepted as a bearer token */
        if (jkt || has_cnf || !b->optional)
            return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token",
                          jkt ? "a DPoP-bound token must come with the DPoP scheme"
                              : "this resource takes DPoP-bound tokens",
                          jkt ? "DPoP-bound token sent with the Bearer scheme"
                              : "a bearer token where AuthJWTBinding dpop wants DPoP");
        jwt_explain_stage(r, "binding", "pass", "no cnf: a bearer token (dpop optional)");
        return OK;
    }
    if (!jkt)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token", "the token is not DPoP-bound",
                      "DPoP scheme with a token that has no cnf.jkt");
    if (!(proof = the_proof(r, &count)))
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_dpop_proof",
                      count ? "more than one DPoP proof" : "no DPoP proof",
                      count ? "more than one DPoP header" : "no DPoP header");
    if (!b->dpop_url && !host_is_ours(client_request(r)))
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_dpop_proof", "invalid DPoP proof",
                      apr_pstrcat(r->pool, "the request's host '",
                                  ap_get_server_name(client_request(r)), "' is not this "
                                  "server's ServerName or a ServerAlias: no htu can match",
                                  NULL));
    memset(&req, 0, sizeof(req));
    req.method = client_request(r)->method;
    req.url = request_url(client_request(r), b);
    req.access_token = hunt->token;
    req.token_len = hunt->len;
    req.jkt = jkt;
    req.algs = conf->algs_set ? conf->algs : JWT_ALGSET_ALL;
    req.now = (int64_t)apr_time_sec(r->request_time);
    req.max_age = window;
    req.leeway = JWT_DPOP_FUTURE_LEEWAY;
    req.memo = dpop_memo(r->connection);
    jwt_err_clear(&err);
    if (jwt_dpop_verify(r->pool, proof, strlen(proof), &req, &got, &err) != JWT_OK)
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_dpop_proof", "invalid DPoP proof",
                      err.message);
    if (b->dpop_nonce > 0) {
        /* RFC 9449 8 / 9: every answer carries the nonce to use next */
        const char *fresh = jwt_dpop_nonce_now(client_request(r), b->dpop_nonce);
        if (fresh)
            apr_table_setn(r->err_headers_out, "DPoP-Nonce", fresh);
        if (!jwt_dpop_nonce_valid(client_request(r), b->dpop_nonce, got.nonce))
            return refuse(r, no, HTTP_UNAUTHORIZED, "use_dpop_nonce",
                          "Resource server requires nonce in DPoP proof",
                          got.nonce ? "the DPoP proof's nonce is not a current one"
                                    : "the DPoP proof has no nonce (AuthJWTDPoPNonce)");
    }
    switch (use_proof(r, &got, apr_time_from_sec(got.iat + window + req.leeway + 1))) {
    case JWT_DPOP_FIRST_USE:
        break;
    case JWT_DPOP_REPLAYED:
        return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_dpop_proof", "DPoP proof replayed",
                      apr_pstrcat(r->pool, "DPoP proof jti '", got.jti, "' used before", NULL));
    default:
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return refuse(r, no, HTTP_SERVICE_UNAVAILABLE, NULL, NULL,
                      "the DPoP replay store is unavailable");
    }
    jwt_explain_stage(r, "binding", "pass", "DPoP proof good, jwk thumbprint = cnf.jkt");
    return OK;
}

/* No AuthJWTBinding for the section: a token with a cnf claim is sender-constrained (RFC
 * 7800 / 8705 / 9449), and accepting it as a plain bearer token would make its binding
 * worthless (RFC 9449 7.2, RFC 8705 3: it MUST NOT be). The section checks no binding, so
 * the token is refused; the Bearer challenge (the only scheme taken here) says
 * invalid_token. AuthJWTBinding none is the explicit opt-out. */
static int unbound(request_rec *r, const jwt_request_state_t *st, jwt_binding_refusal_t *no)
{
    if (!st->has_cnf)                  /* verify_cache's answer: no json-c lookup on a hit */
        return OK;
    return refuse(r, no, HTTP_UNAUTHORIZED, "invalid_token",
                  "a sender-constrained token is not accepted here",
                  jwt_dpop_token_jkt(st->claims)
                      ? "a DPoP-bound token (cnf.jkt) where no AuthJWTBinding is set"
                      : "a token with a cnf claim where no AuthJWTBinding is set "
                        "(AuthJWTBinding none accepts it as a bearer token)");
}

int jwt_stage_binding(request_rec *r, const jwt_dir_conf_t *conf,
                      const jwt_request_state_t *st, const token_hunt_t *hunt,
                      jwt_binding_refusal_t *no)
{
    const jwt_binding_conf_t *b = conf->binding;

    if (!b || !b->modes_set)
        return unbound(r, st, no);
    if (!b->modes)
        return OK;                     /* AuthJWTBinding none: cnf or not, a bearer token */
    if (b->modes & JWT_BIND_MTLS)
        return check_mtls(r, b, st, no);
    if (b->modes & JWT_BIND_DPOP)
        return check_dpop(r, conf, b, st, hunt, no);
    return OK;
}
