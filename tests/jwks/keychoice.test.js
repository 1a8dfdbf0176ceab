'use strict';
/* Key choice across a location's sources (issue 20): a kid-less token tries every key its
 * alg allows -- key files, then remote sets -- before it is refused; AuthJWTKeyFile
 * issuer=ISS binds a static key to one issuer; configtest warns when a location accepts
 * several issuers and a key source is bound to none. Tokens are signed with npm jose. */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const jose = require('jose');
const { startJwksServer } = require('./lib/jwks-server');
const { start, check, location, get } = require('./lib/common');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-keychoice-'));
fs.chmodSync(dir, 0o755);
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function ecKey(name) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = path.join(dir, `${name}.pub.pem`);
  fs.writeFileSync(file, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { privateKey, file, jwk: publicKey.export({ format: 'jwk' }) };
}

function token(key, { kid, iss } = {}) {
  const header = { alg: 'ES256', typ: 'JWT' };
  if (kid) header.kid = kid;
  const claims = { sub: 'carol' };
  if (iss) claims.iss = iss;
  return new jose.SignJWT(claims).setProtectedHeader(header).setIssuedAt().setExpirationTime('10m')
    .sign(key.privateKey);
}

const staticKey = ecKey('static');
const remoteKey = ecKey('remote');
const strangerKey = ecKey('stranger');

test('a kid-less token reaches the remote keys when a static key of its alg refuses it', async () => {
  const js = await startJwksServer();
  js.publish('/jwks.json', [{ ...remoteKey.jwk, kid: 'r1', alg: 'ES256' }]);
  const httpd = await start(location('/api', [`AuthJWTKeyFile ${staticKey.file}`,
    `AuthJWTJWKSURL ${js.url('/jwks.json')}`]), { name: 'jwks-keychoice' });
  try {
    assert.equal((await get(httpd, '/api/ok.txt', await token(remoteKey))).status, 200, 'remote key, no kid');
    assert.equal((await get(httpd, '/api/ok.txt', await token(staticKey))).status, 200, 'static key, no kid');
    assert.equal((await get(httpd, '/api/ok.txt', await token(remoteKey, { kid: 'r1' }))).status, 200);
    const r = await get(httpd, '/api/ok.txt', await token(strangerKey));
    assert.equal(r.status, 401, 'no key of any source verifies it');
    assert.match(r.res.headers['www-authenticate'], /error="invalid_token"/);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('AuthJWTKeyFile issuer=: the key verifies only that issuer\'s tokens', async () => {
  const httpd = await start(location('/api', [
    `AuthJWTKeyFile ${staticKey.file} issuer=https://a.example/`,
    `AuthJWTKeyFile ${remoteKey.file} kid=kb issuer=https://b.example/`,
    'AuthJWTIssuer https://a.example/', 'AuthJWTIssuer https://b.example/']), { name: 'jwks-keyiss' });
  try {
    assert.equal((await get(httpd, '/api/ok.txt', await token(staticKey, { iss: 'https://a.example/' }))).status, 200);
    assert.equal((await get(httpd, '/api/ok.txt', await token(remoteKey, { iss: 'https://b.example/', kid: 'kb' }))).status, 200);
    assert.equal((await get(httpd, '/api/ok.txt', await token(remoteKey, { iss: 'https://b.example/' }))).status, 200);
    // a's key signing a token that claims b: refused
    assert.equal((await get(httpd, '/api/ok.txt', await token(staticKey, { iss: 'https://b.example/' }))).status, 401);
    assert.equal((await get(httpd, '/api/ok.txt', await token(remoteKey, { iss: 'https://a.example/', kid: 'kb' }))).status, 401);
    assert.match(httpd.errorLog(), /keys bound to another issuer were not used/);
  } finally {
    await httpd.stop();
  }
});

test('configtest warns when several issuers meet a key source bound to none', async () => {
  const issuers = ['AuthJWTIssuer https://a.example/', 'AuthJWTIssuer https://b.example/'];
  let r = await check(location('/api', [`AuthJWTKeyFile ${staticKey.file}`, ...issuers]));
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /AH-JWT-0131: \/api accepts 2 issuers \(AuthJWTIssuer\) but AuthJWTKeyFile \(without issuer=\) is bound to none of them/);
  r = await check(location('/api', ['AuthJWTJWKSURL http://127.0.0.1:9/j.json', ...issuers]));
  assert.match(r.output, /AH-JWT-0131: .*AuthJWTJWKSURL \(without issuer=\)/);
  // inherited from the server: still the location's sources
  r = await check([`AuthJWTKeyFile ${staticKey.file}`, location('/api', issuers)].join('\n'));
  assert.match(r.output, /AH-JWT-0131: \/api accepts 2 issuers/);
  // every source bound, or one issuer: no warning
  r = await check(location('/api', [`AuthJWTKeyFile ${staticKey.file} issuer=https://a.example/`,
    'AuthJWTJWKSURL http://127.0.0.1:9/j.json issuer=https://b.example/', ...issuers]));
  assert.equal(r.code, 0, r.output);
  assert.doesNotMatch(r.output, /AH-JWT-0131/);
  r = await check(location('/api', [`AuthJWTKeyFile ${staticKey.file}`, issuers[0]]));
  assert.doesNotMatch(r.output, /AH-JWT-0131/);
  // options are checked
  r = await check(location('/api', [`AuthJWTKeyFile ${staticKey.file} issuer=`]));
  assert.notEqual(r.code, 0);
  assert.match(r.output, /AuthJWTKeyFile \S+: unknown or repeated option 'issuer=' \(expected kid=ID, issuer=ISS\)/);
  r = await check(location('/api', [`AuthJWTKeyFile ${staticKey.file} kid=a kid=b`]));
  assert.match(r.output, /unknown or repeated option 'kid=b'/);
});
