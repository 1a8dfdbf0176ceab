'use strict';
// jwt_claim('path') and jwt_claim_list('path') in httpd expressions (mod_auth_jwt/expr.c),
// through a real httpd: Require expr inside <RequireAll> after Require valid-user, standing
// alone (httpd authenticates first only when the expression names %{REMOTE_USER}), Header
// and RequestHeader expr=, per-directory RewriteCond expr, and <If> / SetEnvIfExpr, which
// httpd evaluates before authentication: they see nothing (never an error) in the request
// that carries the token, nor in an internal redirect (an ErrorDocument here) into a
// section that authenticates otherwise (open, or AuthJWTOptional's anonymous user). Tokens are made by npm jsonwebtoken / jose.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request, parseEnv } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

/* httpd writes the access log line after the response has gone: wait for it a little. */
async function accessLogMatch(srv, re) {
  for (let i = 0; i < 100 && !re.test(srv.accessLog()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(srv.accessLog(), re);
}

describe('claims in httpd expressions', () => {
  let keys; let srv; let backend;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    backend = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ headers: req.headers }));
    });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthzSendForbiddenOnFailure On\n`;
    const all = (rule) => `  <RequireAll>\n    Require valid-user\n    Require jwt-expr "${rule}"\n  </RequireAll>`;
    srv = await startHttpd({
      name: 'expr',
      modules: ['rewrite', 'setenvif', 'proxy', 'proxy_http'],
      conf: [
        F.location('/tenant', 'tenant', `${key}${all("jwt_claim('tenant') == %{HTTP:X-Tenant}")}`),
        F.location('/orders', 'orders', `${key}${all("'orders:read' -in jwt_claim_list('scope')")}`),
        F.location('/roles', 'roles', `${key}${all("'admin' -in jwt_claim_list('realm_access.roles')")}`),
        F.location('/num', 'num', `${key}${all("jwt_claim('level') -ge 3 && jwt_claim('admin') == 'true'")}`),
        F.location('/alone', 'alone', `${key}  Require expr "jwt_claim('tenant') == 'blue'"`),
        F.location('/all-expr', 'all-expr', `${key}  <RequireAll>\n    Require valid-user\n    Require expr "jwt_claim('tenant') == 'blue'"\n  </RequireAll>`),
        F.location('/jwt-expr', 'jwt-expr', `${key}  Require jwt-expr "jwt_claim('tenant') == 'blue'"`),
        F.location('/alone-user', 'alone-user', `${key}  Require expr "%{REMOTE_USER} != '' && jwt_claim('tenant') == 'blue'"`),
        F.location('/hdr', 'hdr', `${key}  Require valid-user\n` +
          '  Header always set X-Tenant "expr=%{jwt_claim:tenant}"\n' +
          '  Header always set X-Org "expr=%{jwt_claim:org}"\n' +
          '  Header always set X-Org-Name "expr=%{jwt_claim:org.name}"\n' +
          '  Header always set X-Missing "expr=[%{jwt_claim:nosuch}]"\n' +
          '  Header always set X-Groups "expr=%{jwt_claim:groups}"'),
        `ProxyPass /backend/ ${backend.url}/\n`,
        F.location('/backend', 'backend', `${key}  Require valid-user\n` +
          '  RequestHeader set X-Tenant "expr=%{jwt_claim:tenant}"'),
        F.location('/rw', 'rw', `${key}  Require valid-user\n  RewriteEngine On\n` +
          "  RewriteCond expr \"jwt_claim('tenant') == 'blue'\"\n  RewriteRule ^ - [E=RW_TENANT:blue]"),
        // the internal redirect: a 404 under /redir (authenticated) becomes /inner/env.cgi
        // (ErrorDocument), where <If> and SetEnvIfExpr run with no authentication of their own
        F.location('/redir', 'redir', `${key}  Require valid-user\n  ErrorDocument 404 /inner/env.cgi`),
        '<Location /inner>\n' +
          "  <If \"jwt_claim('tenant') == 'blue'\">\n    SetEnv IF_TENANT blue\n  </If>\n" +
          "  SetEnvIfExpr \"'orders:read' -in jwt_claim_list('scope')\" CAN_READ=yes\n" +
          '</Location>\n',
        // a token in the query (not carried into an ErrorDocument's redirect) whose 404s go
        // to AuthJWTOptional sections: there the redirect is the anonymous user's, whose
        // expressions must not see the claims of the request it came from
        F.location('/qredir', 'qredir', `${key}  AuthJWTTokenFrom query=access_token\n  Require valid-user\n` +
          '  ErrorDocument 404 /anon/env.cgi'),
        F.location('/qredir-expr', 'qredir-expr', `${key}  AuthJWTTokenFrom query=access_token\n  Require valid-user\n` +
          '  ErrorDocument 404 /anon-expr/env.cgi'),
        // and one whose 404 stays in the same section: the redirect authenticates as its
        // origin (httpd does not authenticate it again) and keeps the claims
        F.location('/sameq', 'sameq', `${key}  AuthJWTTokenFrom query=access_token\n  Require valid-user\n` +
          '  ErrorDocument 404 /sameq/ok.txt\n  Header always set X-Tenant "expr=[%{jwt_claim:tenant}]"'),
        F.location('/anon', 'anon', `${key}  AuthJWTOptional anonymous\n  Require valid-user\n` +
          '  Header always set X-Tenant "expr=[%{jwt_claim:tenant}]"'),
        F.location('/anon-expr', 'anon-expr', `${key}  AuthJWTOptional anonymous\n  Require jwt-expr "jwt_claim('tenant') == 'blue'"`),
        // the same <If> in the request that carries the token: evaluated before authn
        F.location('/ifmain', 'ifmain', `${key}  Require valid-user\n` +
          "  <If \"jwt_claim('tenant') == 'blue'\">\n    SetEnv IF_TENANT blue\n  </If>\n" +
          "  SetEnvIfExpr \"jwt_claim('tenant') == 'blue'\" SETENVIF_TENANT=blue"),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); await backend?.close(); keys?.cleanup(); });

  const tok = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  const get = (url, token, headers = {}) => request(srv.base, url, { headers: { ...(token ? F.bearer(token) : {}), ...headers } });

  test("Require expr \"jwt_claim('tenant') == %{HTTP:X-Tenant}\": equal 200, other 403, absent claim 403, no token 401", async () => {
    A.expectOk(await get('/tenant/ok.txt', tok({ tenant: 'blue' }), { 'X-Tenant': 'blue' }));
    A.expectForbidden(await get('/tenant/ok.txt', tok({ tenant: 'blue' }), { 'X-Tenant': 'red' }));
    A.expectForbidden(await get('/tenant/ok.txt', tok({}), { 'X-Tenant': 'blue' }));
    A.expectNoToken(await get('/tenant/ok.txt', null, { 'X-Tenant': 'blue' }), 'tenant');
    // the claims are the verified token's: a forged tenant is an invalid token, not a match
    const forged = T.tamperPayload(tok({ tenant: 'red' }), { tenant: 'blue' });
    A.expectInvalidToken(await get('/tenant/ok.txt', forged, { 'X-Tenant': 'blue' }), 'tenant', forged);
  });

  test("Require expr \"'orders:read' -in jwt_claim_list('scope')\": space-separated scope and array", async () => {
    A.expectOk(await get('/orders/ok.txt', tok({ scope: 'profile orders:read  orders:write' })));
    A.expectOk(await get('/orders/ok.txt', tok({ scope: ['orders:read'] })));
    A.expectForbidden(await get('/orders/ok.txt', tok({ scope: 'orders:write orders:readx' })));
    A.expectForbidden(await get('/orders/ok.txt', tok({ scope: 'orders' })));
    A.expectForbidden(await get('/orders/ok.txt', tok({})));
    A.expectForbidden(await get('/orders/ok.txt', tok({ scope: { 'orders:read': true } })), 'an object is no list');
  });

  test('jwt_claim_list of a nested array path; jwt_claim of numbers and booleans as JSON text', async () => {
    A.expectOk(await get('/roles/ok.txt', tok({ realm_access: { roles: ['user', 'admin'] } })));
    A.expectForbidden(await get('/roles/ok.txt', tok({ realm_access: { roles: ['user'] } })));
    A.expectForbidden(await get('/roles/ok.txt', tok({ realm_access: 'admin x' })));
    A.expectOk(await get('/num/ok.txt', tok({ level: 3, admin: true })));
    A.expectForbidden(await get('/num/ok.txt', tok({ level: 2, admin: true })));
    A.expectForbidden(await get('/num/ok.txt', tok({ level: 5, admin: 'yes' })));
  });

  test('Require expr: httpd decides before authentication (403), unless it names %{REMOTE_USER} (then false is 401)', async () => {
    // The README's caveat, pinned: without %{REMOTE_USER} mod_authz_core evaluates the
    // expression with no user yet, jwt_claim is empty, and the request is refused unread,
    // standing alone or in <RequireAll> after Require valid-user (a denial wins an AND).
    assert.equal((await get('/alone/ok.txt', tok({ tenant: 'blue' }))).status, 403);
    assert.equal((await get('/all-expr/ok.txt', tok({ tenant: 'blue' }))).status, 403);
    // refused unauthenticated: the access log has no user for them
    await accessLogMatch(srv, /^127\.0\.0\.1 - 403 "GET \/alone\/ok\.txt /m);
    await accessLogMatch(srv, /^127\.0\.0\.1 - 403 "GET \/all-expr\/ok\.txt /m);
    A.expectOk(await get('/alone-user/ok.txt', tok({ tenant: 'blue' })));
    A.expectNoToken(await get('/alone-user/ok.txt', tok({ tenant: 'red' })), 'alone-user');
    A.expectNoToken(await get('/alone-user/ok.txt', null), 'alone-user');
  });

  test('Require jwt-expr: authenticates first; true 200, false 403, no token 401, bad token 401', async () => {
    A.expectOk(await get('/jwt-expr/ok.txt', tok({ tenant: 'blue' })));
    A.expectForbidden(await get('/jwt-expr/ok.txt', tok({ tenant: 'red' })));
    A.expectForbidden(await get('/jwt-expr/ok.txt', tok({})));
    A.expectNoToken(await get('/jwt-expr/ok.txt', null), 'jwt-expr');
    const bad = T.tamperSignature(tok({ tenant: 'blue' }));
    A.expectInvalidToken(await get('/jwt-expr/ok.txt', bad), 'jwt-expr', bad);
  });

  test('Header expr=%{jwt_claim:...}: strings, objects as compact JSON, dotted paths, absent claims empty', async () => {
    const res = await get('/hdr/ok.txt', tok({ tenant: 'blue', org: { name: 'acme', id: 7 }, groups: ['a', 'b'] }));
    A.expectOk(res);
    assert.equal(res.headers['x-tenant'], 'blue');
    assert.deepEqual(JSON.parse(res.headers['x-org']), { name: 'acme', id: 7 });
    assert.equal(res.headers['x-org-name'], 'acme');
    assert.equal(res.headers['x-missing'], '[]');
    assert.deepEqual(JSON.parse(res.headers['x-groups']), ['a', 'b']);
    // a refused request has no claims: the same expressions are empty, not an error
    const none = await get('/hdr/ok.txt', null);
    assert.equal(none.status, 401);
    assert.equal(none.headers['x-missing'], '[]');
    assert.equal(none.headers['x-tenant'], '');
  });

  test('RequestHeader expr=%{jwt_claim:tenant} reaches a proxied backend; a client copy is replaced', async () => {
    const res = await get('/backend/x', tok({ tenant: 'blue' }), { 'X-Tenant': 'mallory' });
    assert.equal(res.status, 200, res.body.slice(0, 200));
    assert.equal(JSON.parse(res.body).headers['x-tenant'], 'blue');
  });

  test('per-directory RewriteCond expr sees the claims (mod_rewrite runs after authentication there)', async () => {
    assert.equal(parseEnv((await get('/rw/env.cgi', tok({ tenant: 'blue' }))).body).RW_TENANT, 'blue');
    const red = await get('/rw/env.cgi', tok({ tenant: 'red' }));
    assert.equal(red.status, 200);
    assert.equal(parseEnv(red.body).RW_TENANT, undefined);
  });

  test('<If> and SetEnvIfExpr in an internal redirect into an open section see no claims (it does not authenticate as its origin)', async () => {
    const res = await get('/redir/anything', tok({ tenant: 'blue', scope: 'orders:read', sub: 'carol' }));
    assert.equal(res.status, 404, res.body.slice(0, 300));
    const env = parseEnv(res.body);
    assert.equal(env.REDIRECT_URL, '/redir/anything', 'not the internal redirect this test means');
    assert.equal(env.IF_TENANT, undefined);
    assert.equal(env.CAN_READ, undefined);
    assert.doesNotMatch(srv.errorLog(), /AH-JWT-1302/, 'an expression error was logged');
    // the same section reached directly, with no token: empty claims, no error
    const direct = await get('/inner/env.cgi', null);
    assert.equal(direct.status, 200);
    const d = parseEnv(direct.body);
    assert.equal(d.IF_TENANT, undefined);
    assert.equal(d.CAN_READ, undefined);
  });

  test('a redirect into an AuthJWTOptional section, let in as the anonymous user: jwt_claim() and Require jwt-expr see none of its origin\'s claims', async () => {
    const t = tok({ tenant: 'blue', sub: 'carol' });
    const res = await request(srv.base, `/qredir/missing?access_token=${t}`);
    assert.equal(res.status, 404, res.body.slice(0, 300));
    const env = parseEnv(res.body);
    assert.equal(env.REDIRECT_URL, '/qredir/missing', 'not the internal redirect this test means');
    assert.equal(env.REMOTE_USER, 'anonymous', 'the redirect was not let in as the anonymous user');
    assert.equal(res.header('X-Tenant')[0], '[]', 'jwt_claim() in the anonymous redirect saw its origin\'s claims');
    // Require jwt-expr there: no claims of its own, so no user of ours, and the ErrorDocument
    // is not served (httpd answers the 404 with its own page)
    const ex = await request(srv.base, `/qredir-expr/missing?access_token=${t}`);
    assert.equal(ex.status, 404);
    assert.doesNotMatch(ex.body, /REMOTE_USER=/, 'Require jwt-expr granted the anonymous redirect with its origin\'s claims');
    // the same sections with the token in the request itself still work
    A.expectOk(await request(srv.base, `/qredir/ok.txt?access_token=${t}`));
    // a redirect within the same section still sees its origin's claims
    const same = await request(srv.base, `/sameq/missing?access_token=${t}`);
    assert.equal(same.status, 404);
    assert.equal(same.body, 'ok\n', 'the ErrorDocument was not served');
    assert.equal(same.header('X-Tenant')[0], '[blue]');
  });

  test('<If> and SetEnvIfExpr in the request carrying the token: evaluated before authentication, so empty', async () => {
    const res = await get('/ifmain/env.cgi', tok({ tenant: 'blue' }));
    assert.equal(res.status, 200, res.body.slice(0, 300));
    const env = parseEnv(res.body);
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.IF_TENANT, undefined);
    assert.equal(env.SETENVIF_TENANT, undefined);
    assert.doesNotMatch(srv.errorLog(), /evaluat|AH-JWT-1302/i, 'an expression error was logged');
  });
});
