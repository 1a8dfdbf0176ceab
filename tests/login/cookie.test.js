'use strict';
/* AuthJWTDelivery cookie NAME: the Set-Cookie attributes exactly, a location with
 * AuthJWTTokenFrom cookie=NAME accepts the cookie (named __Host-NAME, issue 21), jwt-logout-handler clears it (its own
 * cookie, or every token cookie of the server), and without it the location answers 401. */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const T = require('../integration/lib/tokens');
const L = require('./lib/login');

const LIFETIME = 1200;
const PW = 'Carol-Cookie-Pw-3301';
const REALM = 'cookie-api';
const CLEARED = 'HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';

let keys; let srv;

test.before(async () => {
  keys = generateKeys({ only: ['ed25519'] });
  const userFile = L.makeUsers(keys.dir, [{ user: 'carol', password: PW, hash: 'B' }]);
  const common = { keyLine: keys.ed25519.privPath, alg: 'EdDSA', userFile, lifetime: LIFETIME };
  const conf = [
    L.loginLocation('/auth/login', { ...common, delivery: 'cookie access_token' }),
    L.loginLocation('/auth2/login', { ...common, delivery: 'cookie second_tok' }),
    '<Location /auth/logout>', '  SetHandler jwt-logout-handler', '  AuthJWTDelivery cookie access_token', '</Location>',
    '<Location /logout-all>', '  SetHandler jwt-logout-handler', '</Location>',
    '<Location /app>', '  AuthType jwt', `  AuthName "${REALM}"`, `  AuthJWTKeyFile ${keys.ed25519.pubPath}`,
    '  AuthJWTTokenFrom cookie=access_token', '  Require valid-user', '</Location>',
    '<Location /hdr>', '  AuthType jwt', `  AuthName "${REALM}"`, `  AuthJWTKeyFile ${keys.ed25519.pubPath}`,
    '  Require valid-user', '</Location>',
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-cookie' });
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

async function cookieLogin(where = '/auth/login', name = '__Host-access_token') {
  const res = await L.postJson(srv.base, where, { username: 'carol', password: PW });
  assert.equal(res.status, 200, res.body);
  const body = L.expectJsonAnswer(res);
  assert.deepEqual(body, { token_type: 'Bearer', expires_in: LIFETIME }, 'no token in the body');
  const sc = res.header('Set-Cookie');
  assert.equal(sc.length, 1, JSON.stringify(sc));
  const m = new RegExp(`^${name}=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+); (.*)$`).exec(sc[0]);
  assert.ok(m, `Set-Cookie: ${sc[0]}`);
  assert.equal(m[2], `HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${LIFETIME}`);
  return { res, token: m[1] };
}

test('login sets the token cookie with exact attributes and a small JSON body', async () => {
  const { token } = await cookieLogin();
  const { payload, header } = T.decode(token);
  assert.equal(payload.sub, 'carol');
  assert.equal(payload.exp - payload.iat, LIFETIME);
  assert.equal(header.alg, 'EdDSA');
  const v = await jose.jwtVerify(token, keys.ed25519.publicKey, { algorithms: ['EdDSA'] });
  assert.equal(v.payload.sub, 'carol');
});

test('AuthJWTTokenFrom cookie=access_token accepts the cookie; logout clears it; then 401', async () => {
  const jar = new L.CookieJar();
  const { res } = await cookieLogin();
  jar.take(res);
  assert.match(jar.header(), /^__Host-access_token=eyJ/);

  A.expectOk(await request(srv.base, '/app/ok.txt', { headers: { Cookie: jar.header() } }));
  // among other cookies too
  A.expectOk(await request(srv.base, '/app/ok.txt', { headers: { Cookie: `a=b; ${jar.header()}; c=d` } }));
  // the location reads the cookie only: the same token as Bearer does not count there
  A.expectNoToken(await request(srv.base, '/app/ok.txt',
    { headers: { Authorization: `Bearer ${jar.cookies.get('__Host-access_token')}` } }), REALM);

  const out = await request(srv.base, '/auth/logout', { method: 'POST', headers: { Cookie: jar.header() } });
  assert.equal(out.status, 200);
  assert.deepEqual(L.expectJsonAnswer(out), { logged_out: true });
  assert.deepEqual(out.header('Set-Cookie'), [`__Host-access_token=; ${CLEARED}`]);
  jar.take(out);
  assert.equal(jar.header(), '', 'the jar still holds the cookie after logout');

  A.expectNoToken(await request(srv.base, '/app/ok.txt', { headers: { Cookie: jar.header() } }), REALM);
  A.expectNoToken(await request(srv.base, '/app/ok.txt'), REALM);
});

test('logout is idempotent and POST only; GET and other methods 405 with Allow: POST', async () => {
  for (let i = 0; i < 2; i++) {
    const out = await request(srv.base, '/auth/logout', { method: 'POST' });
    assert.equal(out.status, 200);
    assert.deepEqual(L.expectJsonAnswer(out), { logged_out: true });
    assert.deepEqual(out.header('Set-Cookie'), [`__Host-access_token=; ${CLEARED}`]);
  }
  for (const method of ['GET', 'PUT']) {
    const no = await request(srv.base, '/auth/logout', { method });
    L.expectLoginRefused(no, 405, 'invalid_request', 'use POST');
    assert.deepEqual(no.header('Allow'), ['POST']);
  }
});

test('a logout location without AuthJWTDelivery clears every token cookie of the server', async () => {
  const jar = new L.CookieJar();
  jar.take((await cookieLogin('/auth/login', '__Host-access_token')).res);
  jar.take((await cookieLogin('/auth2/login', '__Host-second_tok')).res);
  assert.equal(jar.cookies.size, 2);
  const out = await request(srv.base, '/logout-all', { method: 'POST', headers: { Cookie: jar.header() } });
  assert.equal(out.status, 200);
  assert.deepEqual(out.header('Set-Cookie').sort(), [`__Host-access_token=; ${CLEARED}`, `__Host-second_tok=; ${CLEARED}`]);
  jar.take(out);
  assert.equal(jar.cookies.size, 0);
});

test('a tampered cookie gets 401 invalid_token', async () => {
  const { token } = await cookieLogin();
  const bad = T.tamperPayload(token, { sub: 'admin' });
  A.expectInvalidToken(await request(srv.base, '/app/ok.txt', { headers: { Cookie: `__Host-access_token=${bad}` } }),
    REALM, bad, 'signature');
});

test('failed cookie logins set no cookie', async () => {
  L.expectLoginRefused(await L.postJson(srv.base, '/auth/login', { username: 'carol', password: 'nope-nope' }),
    401, 'invalid_grant', 'wrong username or password');
  L.expectLoginRefused(await request(srv.base, '/auth/login'), 405, 'invalid_request', 'use POST');
});
