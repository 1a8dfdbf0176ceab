'use strict';
// Errors an API client can read, and browsers sent to the login (issue 23).
//   - AuthType jwt answers 400/401/403/503 with a JSON body {"error", "error_description"}
//     (the same words as WWW-Authenticate, which stays as it was) and application/json;
//     a client that prefers HTML gets httpd's page; an operator's ErrorDocument wins.
//   - AuthJWTLoginURL: a GET without a token whose Accept prefers text/html gets 303 to the
//     login URL with ?return=<path and query>; never an absolute URL from the request; API
//     clients (curl's */*, application/json, no Accept) keep their 401; a bad token is a 401.
// Tokens from jose (lib/tokens.js jwtSign) and node's crypto.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startHttpd, configtest, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const F = require('./lib/fixture');

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/* One raw request line (absolute-form targets, which node's client does not send). */
function rawGet(port, target, headers = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data));
    s.on('error', reject);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);
  });
}

describe('JSON error bodies and the login redirect', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    const k = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthJWTAlgorithms RS256`;
    srv = await startHttpd({
      name: 'apierrors',
      conf: `${F.location('/api', 'orders-api', `${k}\n  Require valid-user`)}
${F.location('/api/admin', 'orders-api', `  AuthzSendForbiddenOnFailure On\n  Require jwt-claim role=admin`)}
${F.location('/app', 'app', `${k}\n  AuthJWTLoginURL /login.html\n  Require valid-user`)}
${F.location('/app/admin', 'app', '  AuthzSendForbiddenOnFailure On\n  Require jwt-claim role=admin')}
${F.location('/app2', 'app2', `${k}\n  AuthJWTLoginURL "https://login.example/start?client=app2"\n  Require valid-user`)}
${F.location('/own', 'own', `${k}\n  ErrorDocument 401 "custom page"\n  Require valid-user`)}
${F.location('/gone', 'gone', '  AuthJWTJWKSURL http://127.0.0.1:1/jwks.json\n  AuthJWTJWKSTimeout 1\n  Require valid-user')}
`,
      modules: ['socache_shmcb'],
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const rs = (payload) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload });
  const get = (p, headers = {}) => request(srv.base, p, { headers });
  const json = (res) => {
    assert.match(res.headers['content-type'], /^application\/json\b/, `content-type ${res.headers['content-type']}`);
    return JSON.parse(res.body);
  };

  test('an expired token: 401, the challenge as before, {"error":"invalid_token","error_description":"token expired"}', async () => {
    const res = await get('/api/ok.txt', F.bearer(rs(T.claims({ exp: T.now() - 600, iat: T.now() - 1200 }))));
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="orders-api", error="invalid_token", error_description="token expired"');
    assert.deepEqual(json(res), { error: 'invalid_token', error_description: 'token expired' });
    assert.match(res.headers.vary || '', /Accept/);
  });

  test('no token: 401 with a JSON body; a tampered token: invalid_token with its reason', async () => {
    let res = await get('/api/ok.txt');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="orders-api"');
    assert.deepEqual(json(res), { error: 'unauthorized', error_description: 'a bearer token is required' });
    res = await get('/api/ok.txt', F.bearer(T.tamperSignature(rs(T.claims()))));
    assert.equal(res.status, 401);
    const body = json(res);
    assert.equal(body.error, 'invalid_token');
    assert.match(res.headers['www-authenticate'], new RegExp(`error_description="${body.error_description}"`));
  });

  test('a valid token failing Require: 403 {"error":"insufficient_scope"}; two tokens: 400 invalid_request', async () => {
    let res = await get('/api/admin/ok.txt', F.bearer(rs(T.claims({ role: 'user' }))));
    assert.equal(res.status, 403);
    assert.deepEqual(json(res), { error: 'insufficient_scope', error_description: 'the token does not grant access to this resource' });
    res = await get('/api/ok.txt', { Authorization: [`Bearer ${rs(T.claims())}`, `Bearer ${rs(T.claims({ sub: 'x' }))}`] });
    assert.equal(res.status, 400);
    assert.equal(json(res).error, 'invalid_request');
    A200(await get('/api/ok.txt', F.bearer(rs(T.claims()))));
  });

  test('remote keys unavailable: 503 with Retry-After and {"error":"temporarily_unavailable"}', async () => {
    const res = await get('/gone/ok.txt', F.bearer(rs(T.claims())));
    assert.equal(res.status, 503);
    assert.ok(res.headers['retry-after']);
    assert.equal(json(res).error, 'temporarily_unavailable');
  });

  test('a client that prefers HTML gets httpd\'s HTML page; an ErrorDocument wins over JSON', async () => {
    let res = await get('/api/ok.txt', { Accept: BROWSER });
    assert.equal(res.status, 401);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.match(res.body, /<html/i);
    // JSON listed above HTML: JSON
    res = await get('/api/ok.txt', { Accept: 'application/json, text/html;q=0.5' });
    assert.equal(json(res).error, 'unauthorized');
    res = await get('/own/ok.txt');
    assert.equal(res.status, 401);
    assert.equal(res.body, 'custom page');
    assert.doesNotMatch(res.headers['content-type'], /json/);
  });

  test('AuthJWTLoginURL: a browser without a token gets 303 to the login with the return path', async () => {
    const res = await get('/app/ok.txt?tab=keys&x=1', { Accept: BROWSER });
    assert.equal(res.status, 303);
    assert.match(res.headers.location, /^\/login\.html\?return=[^&]+$/);
    assert.equal(returnOf(res.headers.location), '/app/ok.txt?tab=keys&x=1');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.headers.vary || '', /Accept/);
    assert.equal(res.headers['www-authenticate'], undefined);
    const other = await get('/app2/ok.txt', { Accept: BROWSER });
    assert.equal(other.status, 303);
    assert.match(other.headers.location, /^https:\/\/login\.example\/start\?client=app2&return=[^&]+$/);
    assert.equal(returnOf(other.headers.location), '/app2/ok.txt');
  });

  test('AuthJWTLoginURL: API clients keep their 401; a bad token is a 401 even for a browser; POST is not redirected', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html']) {
      const res = await get('/app/ok.txt', accept ? { Accept: accept } : {});
      assert.equal(res.status, 401, `Accept: ${accept}`);
      assert.equal(json(res).error, 'unauthorized');
    }
    const bad = await get('/app/ok.txt', { Accept: BROWSER, ...F.bearer(T.tamperSignature(rs(T.claims()))) });
    assert.equal(bad.status, 401);
    const post = await request(srv.base, '/app/ok.txt', { method: 'POST', headers: { Accept: BROWSER }, body: '' });
    assert.equal(post.status, 401);
    A200(await get('/app/ok.txt', { Accept: BROWSER, ...F.bearer(rs(T.claims())) }));
  });

  test('AuthJWTLoginURL: a browser refused with 403 gets a page with a link back to the login', async () => {
    const tok = F.bearer(rs(T.claims({ role: 'user' })));
    const res = await get('/app/admin/ok.txt?q=1', { Accept: BROWSER, ...tok });
    assert.equal(res.status, 403);
    assert.match(res.headers['content-type'], /^text\/html/);
    const href = /<a id="login-link" href="([^"]+)">Log in as another user<\/a>/.exec(res.body);
    assert.ok(href, res.body);
    const link = href[1].replace(/&amp;/g, '&');
    assert.match(link, /^\/login\.html\?return=/);
    assert.equal(returnOf(link), '/app/admin/ok.txt?q=1');
    // an API client at the same place: JSON
    assert.equal(json(await get('/app/admin/ok.txt', tok)).error, 'insufficient_scope');
  });

  test('AuthJWTLoginURL: no open redirect from an absolute-form request line or a "//host" path', async () => {
    let raw = await rawGet(srv.port, 'http://evil.example/app/ok.txt?next=1', { Accept: BROWSER });
    assert.match(raw, /^HTTP\/1\.1 303/);
    let loc = /\r\nLocation: ([^\r\n]+)/i.exec(raw)[1];
    assert.match(loc, /^\/login\.html\?return=/);
    assert.equal(returnOf(loc), '/app/ok.txt?next=1');
    raw = await rawGet(srv.port, '//evil.example/app/ok.txt', { Accept: BROWSER });
    const m = /\r\nLocation: ([^\r\n]+)/i.exec(raw);
    if (m) {
      const back = returnOf(m[1]);
      assert.ok(back.startsWith('/') && !back.startsWith('//'), `return=${back}`);
    }
  });

  test('AuthJWTLoginURL refuses values that are not a local path or an http(s) URL', async () => {
    for (const bad of ['login.html', '//evil.example/login', 'javascript:alert(1)', '/login#x', '/a\\b']) {
      const r = await configtest(F.location('/x', 'x', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTLoginURL "${bad}"`), { name: 'loginurl' });
      assert.notEqual(r.code, 0, `${bad}: ${r.output}`);
      assert.match(r.output, /AuthJWTLoginURL: .* is not a path starting with one '\/'/);
      assert.match(r.output, new RegExp(`line ${r.lineOf('AuthJWTLoginURL')}\\b`));
    }
  });
});

function returnOf(location) { return new URL(location, 'http://127.0.0.1/').searchParams.get('return'); }
function A200(res) { assert.equal(res.status, 200, res.body); }
