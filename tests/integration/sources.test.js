'use strict';
// Where the token comes from: Authorization: Bearer (scheme case-insensitive) by default;
// AuthJWTTokenFrom header cookie=NAME query=NAME in order; two Authorization headers, or
// two sources that disagree, are refused.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

/* Refused for ambiguity (RFC 6750 3.1: one method per request): 400 with
 * `Bearer realm="..", error="invalid_request", error_description=".."`. Never 200. */
function expectAmbiguityRefused(res, realm) {
  assert.equal(res.status, 400, `expected 400, got ${res.status}`);
  const all = res.header('WWW-Authenticate');
  assert.equal(all.length, 1, JSON.stringify(all));
  const c = A.parseChallenge(all[0]);
  assert.equal(c.scheme, 'Bearer');
  assert.deepEqual(Object.keys(c.params).sort(), ['error', 'error_description', 'realm'], all[0]);
  assert.equal(c.params.realm, realm);
  assert.equal(c.params.error, 'invalid_request');
  assert.ok(c.params.error_description.length > 0);
}

describe('token sources', () => {
  let keys; let srv; let good; let other;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n`;
    srv = await startHttpd({
      name: 'sources',
      conf: [
        F.location('/hdr', 'hdr', `${key}  Require valid-user`),
        F.location('/multi', 'multi', `${key}  AuthJWTTokenFrom header cookie=access_token query=access_token\n  Require valid-user`),
        F.location('/cookie', 'cookie', `${key}  AuthJWTTokenFrom cookie=at\n  Require valid-user`),
        F.location('/query', 'query', `${key}  AuthJWTTokenFrom query=token\n  Require valid-user`),
      ].join('\n'),
    });
    good = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' } });
    other = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims({ sub: 'bob' }) });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const get = (p, headers = {}) => request(srv.base, p, { headers });

  test('Bearer scheme is case-insensitive', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      A.expectOk(await get('/hdr/ok.txt', { Authorization: `${scheme} ${good}` }));
    }
  });

  test('default (header only): a token in a cookie or the query is not looked at', async () => {
    A.expectNoToken(await get('/hdr/ok.txt', { Cookie: `access_token=${good}` }), 'hdr');
    A.expectNoToken(await get(`/hdr/ok.txt?access_token=${good}`), 'hdr');
  });

  test('two Authorization headers are refused, even when both carry the same valid token', async () => {
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: [`Bearer ${good}`, `Bearer ${good}`] }), 'hdr');
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: [`Bearer ${good}`, `Bearer ${other}`] }), 'hdr');
  });

  // httpd joins repeated headers with ", ", so a comma anywhere in the value means two
  // headers or a token with junk after it: refused as ambiguous, whatever the first scheme.
  test('a comma in the Authorization value (folded headers, junk after the token) is refused', async () => {
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: `Bearer ${good}, Bearer ${good}` }), 'hdr');
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: `Basic YWxpY2U6c2VjcmV0, Bearer ${good}` }), 'hdr');
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: `Bearer ${good},x` }), 'hdr');
    expectAmbiguityRefused(await get('/hdr/ok.txt', { Authorization: `Bearer ${good.replace('.', ',')}` }), 'hdr');
    A.expectNoToken(await get('/hdr/ok.txt', { Authorization: 'Basic YWxpY2U6c2VjcmV0, Digest x' }), 'hdr');
  });

  test('header cookie=access_token query=access_token: each source alone works', async () => {
    A.expectOk(await get('/multi/ok.txt', F.bearer(good)));
    A.expectOk(await get('/multi/ok.txt', { Cookie: `a=b; access_token=${good}; c=d` }));
    A.expectOk(await get(`/multi/ok.txt?x=1&access_token=${good}`));
    A.expectNoToken(await get('/multi/ok.txt', { Cookie: `other=${good}` }), 'multi');
    A.expectNoToken(await get(`/multi/ok.txt?token=${good}`), 'multi');
  });

  test('the same token in two sources passes; different tokens in two sources are refused', async () => {
    A.expectOk(await get(`/multi/ok.txt?access_token=${good}`, { ...F.bearer(good), Cookie: `access_token=${good}` }));
    expectAmbiguityRefused(await get('/multi/ok.txt', { ...F.bearer(good), Cookie: `access_token=${other}` }), 'multi');
    expectAmbiguityRefused(await get(`/multi/ok.txt?access_token=${other}`, F.bearer(good)), 'multi');
    expectAmbiguityRefused(await get(`/multi/ok.txt?access_token=${other}`, { Cookie: `access_token=${good}` }), 'multi');
    expectAmbiguityRefused(await get(`/multi/ok.txt?access_token=${good}&access_token=${other}`), 'multi');
    expectAmbiguityRefused(await get('/multi/ok.txt', { Cookie: `access_token=${good}; access_token=${other}` }), 'multi');
    expectAmbiguityRefused(await get('/multi/ok.txt', { Cookie: [`access_token=${good}`, `access_token=${other}`] }), 'multi');
    // a quoted cookie value (RFC 6265) is compared without its quotes, and a token that is
    // a prefix of the other, or the other with one more character, differs
    A.expectOk(await get('/multi/ok.txt', { ...F.bearer(good), Cookie: `access_token="${good}"` }));
    expectAmbiguityRefused(await get('/multi/ok.txt', { ...F.bearer(good), Cookie: `access_token="${other}"` }), 'multi');
    expectAmbiguityRefused(await get(`/multi/ok.txt?access_token=${good.slice(0, -1)}`, F.bearer(good)), 'multi');
    expectAmbiguityRefused(await get(`/multi/ok.txt?access_token=${good}x`, F.bearer(good)), 'multi');
  });

  test('a bad token from a cookie or the query is invalid_token', async () => {
    const bad = T.tamperSignature(good);
    A.expectInvalidToken(await get('/cookie/ok.txt', { Cookie: `at=${bad}` }), 'cookie', bad);
    A.expectInvalidToken(await get(`/query/ok.txt?token=${bad}`), 'query', bad);
  });

  test('cookie-only and query-only locations ignore the Authorization header', async () => {
    A.expectOk(await get('/cookie/ok.txt', { Cookie: `at=${good}` }));
    A.expectNoToken(await get('/cookie/ok.txt', F.bearer(good)), 'cookie');
    A.expectOk(await get(`/query/ok.txt?token=${good}`));
    A.expectNoToken(await get('/query/ok.txt', F.bearer(good)), 'query');
  });
});
