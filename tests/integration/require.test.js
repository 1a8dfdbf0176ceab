'use strict';
// Require jwt-claim / jwt-claim-array / jwt-scope, alone and inside RequireAll / RequireAny /
// RequireNone, together with Require ip and Require user. AuthzSendForbiddenOnFailure On:
// a valid token that fails a rule is 403; no token at a rule-protected location is 401.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('Require rules', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['ec256'] });
    const loc = (path, rules) => F.location(path, path.slice(1),
      `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec\n  AuthzSendForbiddenOnFailure On\n${rules}`);
    srv = await startHttpd({
      name: 'require',
      conf: [
        loc('/pairs', '  Require jwt-claim role=admin role=ops'),
        loc('/elem', '  Require jwt-claim roles=admin'),
        loc('/array', '  Require jwt-claim-array groups=admin'),
        loc('/nested', '  Require jwt-claim realm_access.roles=admin org.name=acme'),
        loc('/regex', '  Require jwt-claim "email~^[a-z]+@example\\.com$"'),
        loc('/scope', '  Require jwt-scope read:orders write:orders'),
        loc('/all', '  <RequireAll>\n    Require jwt-claim role=admin\n    Require jwt-claim-array groups=eng\n  </RequireAll>'),
        loc('/any', '  <RequireAny>\n    Require jwt-claim role=admin\n    Require jwt-scope admin\n  </RequireAny>'),
        loc('/none', '  <RequireAll>\n    Require valid-user\n    <RequireNone>\n      Require jwt-claim banned=true\n      Require jwt-claim-array groups=blocked\n    </RequireNone>\n  </RequireAll>'),
        loc('/ipall', '  <RequireAll>\n    Require ip 127.0.0.1\n    Require jwt-claim role=admin\n  </RequireAll>'),
        loc('/ipother', '  <RequireAll>\n    Require ip 192.0.2.1\n    Require jwt-claim role=admin\n  </RequireAll>'),
        loc('/ipany', '  <RequireAny>\n    Require ip 127.0.0.1\n    Require jwt-claim role=admin\n  </RequireAny>'),
        loc('/ipanyother', '  <RequireAny>\n    Require ip 192.0.2.1\n    Require jwt-claim role=admin\n  </RequireAny>'),
        loc('/user', '  Require user alice carol'),
        F.location('/off-claim', 'off-claim', `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec\n  Require jwt-claim role=admin`),
        F.location('/off-scope', 'off-scope', `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec\n  Require jwt-scope read:orders`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const tok = (extra) => T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec' }, payload: T.claims(extra) });
  const get = (loc, extra) => request(srv.base, `${loc}/ok.txt`, { headers: extra === undefined ? {} : F.bearer(tok(extra)) });
  const granted = async (loc, extra) => A.expectOk(await get(loc, extra));
  const denied = async (loc, extra) => A.expectForbidden(await get(loc, extra));
  /* A claim value with an embedded NUL must never match the C string before it. The module
   * refuses such tokens outright (401 invalid_token, "malformed token JSON"); a 403 would
   * be as safe. Never 200. */
  const neverGranted = async (loc, extra) => {
    const res = await get(loc, extra);
    assert.ok(res.status === 401 || res.status === 403, `expected 401/403, got ${res.status}`);
  };

  test('no token at a rule-protected location is 401 with the realm; a bad token is invalid_token', async () => {
    for (const loc of ['/pairs', '/array', '/scope', '/all', '/any', '/none', '/ipall']) {
      A.expectNoToken(await get(loc), loc.slice(1));
    }
    const bad = T.tamperSignature(tok({ role: 'admin' }));
    A.expectInvalidToken(await request(srv.base, '/pairs/ok.txt', { headers: F.bearer(bad) }), 'pairs', bad);
  });

  test('jwt-claim NAME=VALUE: any pair grants', async () => {
    await granted('/pairs', { role: 'admin' });
    await granted('/pairs', { role: 'ops' });
    await denied('/pairs', { role: 'user' });
    await denied('/pairs', { role: 'Admin' });
    await denied('/pairs', { role: 'admin2' });
    await denied('/pairs', {});
    await denied('/pairs', { roles: 'admin' });
    await neverGranted('/pairs', { role: 'admin\u0000evil' });
    await neverGranted('/pairs', { role: ['user', 'admin\u0000'] });
  });

  test('jwt-claim on an array claim: any element may match', async () => {
    await granted('/elem', { roles: ['user', 'admin'] });
    await granted('/elem', { roles: 'admin' });
    await denied('/elem', { roles: ['user', 'ops'] });
    await denied('/elem', { roles: [] });
    await denied('/elem', { roles: [['admin']] });
  });

  test('jwt-claim-array: NAME must be an array containing VALUE', async () => {
    await granted('/array', { groups: ['eng', 'admin'] });
    await denied('/array', { groups: 'admin' });
    await denied('/array', { groups: ['eng'] });
    await denied('/array', { groups: { admin: true } });
    await denied('/array', {});
  });

  test('dotted paths reach nested claims; a literal dotted member name does not match', async () => {
    await granted('/nested', { realm_access: { roles: ['x', 'admin'] } });
    await granted('/nested', { org: { name: 'acme' } });
    await denied('/nested', { realm_access: { roles: ['x'] }, org: { name: 'other' } });
    await denied('/nested', { 'realm_access.roles': ['admin'], 'org.name': 'acme' });
    await denied('/nested', { realm_access: 'admin', org: 'acme' });
  });

  test('NAME~REGEX matches a regular expression', async () => {
    await granted('/regex', { email: 'alice@example.com' });
    await denied('/regex', { email: 'alice@example.com.evil.test' });
    await denied('/regex', { email: 'Alice@example.com' });
    await denied('/regex', { email: 'alice@exampleXcom' });
    await denied('/regex', {});
    await neverGranted('/regex', { email: 'alice@example.com\u0000@evil.test' });
    await denied('/regex', { email: 'alice@example.com\n' });
  });

  test('jwt-scope: space-separated scope or scp array; a miss is 403 insufficient_scope with the scopes', async () => {
    await granted('/scope', { scope: 'profile read:orders' });
    await granted('/scope', { scope: 'write:orders' });
    await granted('/scope', { scp: ['profile', 'write:orders'] });
    A.expectInsufficientScope(await get('/scope', { scope: 'profile read' }), 'scope', ['read:orders', 'write:orders']);
    A.expectInsufficientScope(await get('/scope', { scope: 'read:orders:extra' }), 'scope', ['read:orders', 'write:orders']);
    A.expectInsufficientScope(await get('/scope', {}), 'scope', ['read:orders', 'write:orders']);
    A.expectInsufficientScope(await get('/scope', { scp: ['read'] }), 'scope', ['read:orders', 'write:orders']);
  });

  test('RequireAll: both rules must hold', async () => {
    await granted('/all', { role: 'admin', groups: ['eng'] });
    await denied('/all', { role: 'admin', groups: ['ops'] });
    await denied('/all', { role: 'user', groups: ['eng'] });
  });

  test('RequireAny: one rule is enough', async () => {
    await granted('/any', { role: 'admin' });
    await granted('/any', { scope: 'admin' });
    await denied('/any', { role: 'user', scope: 'read' });
  });

  test('RequireNone inside RequireAll: a matching rule denies', async () => {
    await granted('/none', {});
    await granted('/none', { banned: 'false', groups: ['eng'] });
    await denied('/none', { banned: 'true' });
    await denied('/none', { groups: ['eng', 'blocked'] });
  });

  test('with Require ip: RequireAll needs both; RequireAny from 127.0.0.1 needs no token', async () => {
    await granted('/ipall', { role: 'admin' });
    await denied('/ipall', { role: 'user' });
    A.expectForbidden(await get('/ipother', { role: 'admin' }));
    A.expectOk(await get('/ipany'));
    A.expectOk(await get('/ipany', { role: 'user' }));
    A.expectNoToken(await get('/ipanyother'), 'ipanyother');
    await granted('/ipanyother', { role: 'admin' });
    await denied('/ipanyother', { role: 'user' });
  });

  test('with Require user: REMOTE_USER from sub', async () => {
    await granted('/user', { sub: 'alice' });
    await granted('/user', { sub: 'carol' });
    await denied('/user', { sub: 'bob' });
  });

  test('AuthzSendForbiddenOnFailure Off (httpd default): a failed rule is 401; a scope miss still says insufficient_scope', async () => {
    await granted('/off-claim', { role: 'admin' });
    A.expectNoToken(await get('/off-claim', { role: 'user' }), 'off-claim');
    await granted('/off-scope', { scope: 'read:orders' });
    const res = await get('/off-scope', { scope: 'other' });
    assert.equal(res.status, 401);
    const c = A.parseChallenge(res.header('WWW-Authenticate')[0]);
    assert.equal(res.header('WWW-Authenticate').length, 1);
    assert.equal(c.params.realm, 'off-scope');
    assert.equal(c.params.error, 'insufficient_scope');
    assert.equal(c.params.scope, 'read:orders');
  });

  test('no child crashed', () => {
    assert.doesNotMatch(srv.errorLog(), /exit signal|Segmentation fault/);
  });
});
