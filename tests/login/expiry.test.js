'use strict';
/* The whole flow with an HMAC signer (AuthJWTSigningKey secrets=PATH): a short-lived token
 * passes, then expires (401 invalid_token "token expired", AuthJWTLeeway 0); a tampered
 * token gets 401; the JWKS handler of an HMAC-only setup publishes nothing secret. */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { startHttpd, request, sleep } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile, b64url } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const T = require('../integration/lib/tokens');
const L = require('./lib/login');

const PW = 'Erin-Expiry-Pw-4410';
const REALM = 'orders';
const KID = 'hs-expiry-1';

let keys; let srv; let secrets;

test.before(async () => {
  keys = generateKeys({ only: [] });
  const userFile = L.makeUsers(keys.dir, [{ user: 'erin', password: PW, hash: 'B' }]);
  secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, [
    { kid: KID, alg: 'HS256', k: keys.hmac.hs256 },
    { kid: 'hs-old', alg: 'HS512', k: keys.hmac.hs512, status: 'verify' }]);
  const conf = [
    L.loginLocation('/auth/login', { keyLine: `secrets=${secrets}`, alg: 'HS256', userFile, lifetime: 2,
      issuer: 'https://idp.test/', audience: 'orders-api' }),
    // the tamper test's tokens must not expire while it runs
    L.loginLocation('/auth/login-long', { keyLine: `secrets=${secrets}`, alg: 'HS256', userFile, lifetime: 300,
      issuer: 'https://idp.test/', audience: 'orders-api' }),
    // starts with a signer (configtest refuses a login location without one); the test
    // below turns every key verify-only while httpd runs
    L.loginLocation('/auth/noactive', { keyLine: `secrets=${writeSecretsFile(`${keys.dir}/verify-only.jwks`,
      [{ kid: 'v1', alg: 'HS256', k: keys.hmac.hs384 }])}`, alg: 'HS256', userFile }),
    '<Location /.well-known/jwks.json>', '  SetHandler jwt-jwks-handler', '</Location>',
    '<Location /api>', '  AuthType jwt', `  AuthName "${REALM}"`, `  AuthJWTSecretsFile ${secrets}`,
    '  AuthJWTIssuer https://idp.test/', '  AuthJWTAudience orders-api', '  AuthJWTLeeway 0',
    '  Require valid-user', '</Location>',
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-expiry' });
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

const get = (token) => request(srv.base, '/api/ok.txt', { headers: { Authorization: `Bearer ${token}` } });

test('JWKS of an HMAC-only signer: no keys, no secret, no kid', async () => {
  const res = await request(srv.base, '/.well-known/jwks.json');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { keys: [] });
  assert.match(res.header('Cache-Control')[0], /max-age=\d+/);
  for (const s of [keys.hmac.hs256, keys.hmac.hs512]) {
    for (const enc of [b64url(s), s.toString('base64'), s.toString('hex')]) {
      assert.ok(!res.body.includes(enc), 'a secret is in the JWKS');
    }
  }
  assert.ok(!res.body.includes(KID) && !res.body.includes('hs-old'));
});

test('a 2 s token passes, then expires: 401 invalid_token "token expired"', async () => {
  const { token, header, payload } = L.expectLoginOk(
    await L.postJson(srv.base, '/auth/login', { username: 'erin', password: PW }), 2);
  assert.deepEqual(header, { alg: 'HS256', kid: KID, typ: 'JWT' });
  assert.equal(payload.exp, payload.iat + 2);
  await jose.jwtVerify(token, keys.hmac.hs256, { algorithms: ['HS256'] });
  A.expectOk(await get(token));
  // exp is iat + 2 whole seconds; wait until the clock is past it for sure
  const wait = (payload.exp + 1) * 1000 - Date.now() + 200;
  await sleep(Math.max(wait, 0));
  A.expectInvalidToken(await get(token), REALM, token, 'expired');
  // logging in again gives a working token
  const again = L.expectLoginOk(await L.postForm(srv.base, '/auth/login', { username: 'erin', password: PW }), 2);
  A.expectOk(await get(again.token));
});

test('a tampered token gets 401 invalid_token', async () => {
  const { token } = L.expectLoginOk(await L.postJson(srv.base, '/auth/login-long', { username: 'erin', password: PW }), 300);
  const forged = T.tamperPayload(token, { sub: 'root' });
  A.expectInvalidToken(await get(forged), REALM, forged, 'signature');
  const flipped = T.tamperSignature(token);
  A.expectInvalidToken(await get(flipped), REALM, flipped, 'signature');
  A.expectInvalidToken(await get(T.stripSignature(token)), REALM, token);
  A.expectOk(await get(token));
});

test('a secrets file that loses its active secret while httpd runs: 503 temporarily_unavailable, logged', async () => {
  writeSecretsFile(`${keys.dir}/verify-only.jwks`, [{ kid: 'v1', alg: 'HS256', k: keys.hmac.hs384, status: 'verify' }]);
  await sleep(1600);   // past the once-a-second check of the file
  L.expectLoginRefused(await L.postJson(srv.base, '/auth/noactive', { username: 'erin', password: PW }),
    503, 'temporarily_unavailable', 'no signing key');
  assert.match(srv.errorLog(), /AH-JWT-0603: login at \/auth\/noactive: the secrets file has no active secret to sign with/);
  // credentials are checked before the signer is looked up
  L.expectLoginRefused(await L.postJson(srv.base, '/auth/noactive', { username: 'erin', password: 'wrong-pw' }),
    401, 'invalid_grant', 'wrong username or password');
});

test('rotating the active secret: new logins sign with the new kid, old tokens still verify', async () => {
  const long = () => L.postJson(srv.base, '/auth/login-long', { username: 'erin', password: PW });
  const before = L.expectLoginOk(await long(), 300);
  assert.equal(before.header.kid, KID);
  writeSecretsFile(secrets, [
    { kid: 'hs-new', alg: 'HS256', k: keys.hmac.hs512.subarray(0, 32) },
    { kid: KID, alg: 'HS256', k: keys.hmac.hs256, status: 'verify' }]);
  await sleep(1300);          // each process stats the file at most once a second
  for (let i = 0; i < 4; i++) {   // several connections: every process (prefork) sees it
    const after = L.expectLoginOk(await long(), 300);
    assert.equal(after.header.kid, 'hs-new');
    await jose.jwtVerify(after.token, keys.hmac.hs512.subarray(0, 32), { algorithms: ['HS256'] });
    A.expectOk(await get(after.token));
  }
  A.expectOk(await get(before.token));
});
