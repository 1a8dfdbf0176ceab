'use strict';
/* Login CSRF (issue 21). With AuthJWTDelivery cookie, a form-encoded POST is a request any
 * site can make a victim's browser send (an HTML form needs no CORS preflight): it would log
 * the victim into the attacker's account. Such a POST whose Origin (or, without Origin,
 * Sec-Fetch-Site) is not the server's own origin gets 403; JSON bodies are unchanged (a
 * cross-site JSON POST needs a preflight the server never grants). Logout is POST only (GET
 * 405 with Allow: POST). The cookie is named __Host-NAME (it is Secure, Path=/, no Domain),
 * so a sibling host cannot plant its own; the protected location's cookie=NAME reads that
 * name; `prefix=off` keeps the old name. */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const L = require('./lib/login');

const PW = 'Dana-Csrf-Pw-8812';
const REALM = 'csrf-api';
let keys; let srv; let own;

test.before(async () => {
  keys = generateKeys({ only: ['ec256'] });
  const userFile = L.makeUsers(keys.dir, [{ user: 'dana', password: PW, hash: 'B' }]);
  const common = { keyLine: keys.ec256.privPath, alg: 'ES256', userFile, lifetime: 600 };
  const api = (where, name) => [`<Location ${where}>`, '  AuthType jwt', `  AuthName "${REALM}"`,
    `  AuthJWTKeyFile ${keys.ec256.pubPath}`, `  AuthJWTTokenFrom cookie=${name}`, '  Require valid-user',
    '</Location>'].join('\n');
  const conf = [
    L.loginLocation('/auth/login', { ...common, delivery: 'cookie access_token' }),
    L.loginLocation('/auth/plain', { ...common, delivery: 'cookie plain_tok prefix=off' }),
    L.loginLocation('/auth/json', { ...common }),
    '<Location /auth/logout>', '  SetHandler jwt-logout-handler', '  AuthJWTDelivery cookie access_token', '</Location>',
    api('/app', 'access_token'), api('/plainapp', 'plain_tok'),
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-csrf' });
  own = srv.base;   // http://127.0.0.1:PORT
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

const creds = { username: 'dana', password: PW };
const form = (headers, where = '/auth/login') => L.postForm(srv.base, where, creds, headers);

function expectCsrfRefusal(res) {
  L.expectLoginRefused(res, 403, 'invalid_request', 'cross-site login refused');
}

function cookieOf(res, name) {
  const sc = res.header('Set-Cookie');
  assert.equal(sc.length, 1, JSON.stringify(sc));
  const m = new RegExp(`^${name}=(eyJ[^;]+); HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600$`).exec(sc[0]);
  assert.ok(m, `Set-Cookie: ${sc[0]}`);
  return m[1];
}

test('a form POST from another origin is refused with 403 and no cookie', async () => {
  for (const origin of ['https://evil.example', 'null', `${own}.evil.example`, 'http://127.0.0.2:' + new URL(own).port,
    `https://${new URL(own).host}`, `${own}0`]) {
    expectCsrfRefusal(await form({ Origin: origin }));
  }
});

test('without Origin, Sec-Fetch-Site cross-site or same-site is refused', async () => {
  expectCsrfRefusal(await form({ 'Sec-Fetch-Site': 'cross-site' }));
  expectCsrfRefusal(await form({ 'Sec-Fetch-Site': 'same-site' }));
});

test('a form POST from the server\'s own origin, or from a client that is no browser, logs in', async () => {
  for (const headers of [{ Origin: own }, { Origin: own.replace('http:', 'HTTP:') },
    { 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}]) {
    const res = await form(headers);
    assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.body}`);
    cookieOf(res, '__Host-access_token');
  }
});

test('Origin decides when both are sent', async () => {
  expectCsrfRefusal(await form({ Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-origin' }));
  assert.equal((await form({ Origin: own, 'Sec-Fetch-Site': 'cross-site' })).status, 200);
});

test('JSON bodies are unchanged: a cross-origin JSON login still answers 200', async () => {
  const res = await L.postJson(srv.base, '/auth/login', creds, { Origin: 'https://evil.example' });
  assert.equal(res.status, 200, res.body);
  cookieOf(res, '__Host-access_token');
});

test('json delivery (no cookie) does not check the origin', async () => {
  const res = await form({ Origin: 'https://evil.example' }, '/auth/json');
  L.expectLoginOk(res, 600);
});

test('the cookie is __Host-access_token; cookie=access_token reads it and ignores a planted access_token', async () => {
  const token = cookieOf(await form({ Origin: own }), '__Host-access_token');
  await jose.jwtVerify(token, keys.ec256.publicKey, { algorithms: ['ES256'] });
  A.expectOk(await request(srv.base, '/app/ok.txt', { headers: { Cookie: `__Host-access_token=${token}` } }));
  // a cookie without the prefix (one a sibling host could set) is not the login's cookie
  A.expectNoToken(await request(srv.base, '/app/ok.txt', { headers: { Cookie: `access_token=${token}` } }), REALM);
});

test('prefix=off keeps the old cookie name, and its location reads that name', async () => {
  const token = cookieOf(await form({ Origin: own }, '/auth/plain'), 'plain_tok');
  A.expectOk(await request(srv.base, '/plainapp/ok.txt', { headers: { Cookie: `plain_tok=${token}` } }));
  // the origin check does not depend on the cookie's name
  expectCsrfRefusal(await form({ Origin: 'https://evil.example' }, '/auth/plain'));
});

test('logout is POST only: GET gets 405 with Allow: POST; POST clears __Host-access_token', async () => {
  const get = await request(srv.base, '/auth/logout');
  L.expectLoginRefused(get, 405, 'invalid_request', 'use POST');
  assert.deepEqual(get.header('Allow'), ['POST']);
  const post = await request(srv.base, '/auth/logout', { method: 'POST' });
  assert.equal(post.status, 200);
  assert.deepEqual(post.header('Set-Cookie'), ['__Host-access_token=; HttpOnly; Secure; SameSite=Strict; Path=/; '
    + 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
});
