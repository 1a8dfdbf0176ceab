'use strict';
/* Remote sets with some bad keys (issue 20): each unusable member is skipped and logged
 * once per document version, the good keys verify; a set with no usable key is a failed
 * fetch that keeps the last good keys; kty "oct" is never taken from a URL. Tokens are
 * signed with npm jose. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { startJwksServer } = require('./lib/jwks-server');
const { start, location, get, sleep } = require('./lib/common');

function pair(kind, opts) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(kind, opts);
  return { privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

async function sign(key, alg, kid, claims = {}) {
  const header = { alg, typ: 'JWT' };
  if (kid) header.kid = kid;
  if (key === weak.privateKey) {
    // jose refuses to sign with RSA under 2048 bits: node crypto does it by hand
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b64(header)}.${b64({ sub: 'alice', iat: now, exp: now + 600, ...claims })}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  }
  return new jose.SignJWT({ sub: 'alice', ...claims }).setProtectedHeader(header)
    .setIssuedAt().setExpirationTime('10m').sign(key);
}

const ec = pair('ec', { namedCurve: 'P-256' });
const rsa = pair('rsa', { modulusLength: 2048 });
const ed = pair('ed25519');
const weak = pair('rsa', { modulusLength: 1024 });
const dup = pair('ec', { namedCurve: 'P-256' });
const misfit = pair('ec', { namedCurve: 'P-256' });
const priv = pair('rsa', { modulusLength: 2048 });
const secret = crypto.randomBytes(32);

const good = [
  { ...ec.jwk, kid: 'good-ec', alg: 'ES256', use: 'sig' },
  { ...rsa.jwk, kid: 'good-rsa', alg: 'RS256' },
  { ...ed.jwk, kid: 'good-ed' },
];
const bad = {
  'bad-rsa1024': { ...weak.jwk, kid: 'bad-rsa1024', alg: 'RS256' },
  'good-ec': { ...dup.jwk, kid: 'good-ec', alg: 'ES256' },            // a second key, same kid
  'bad-alg': { ...misfit.jwk, kid: 'bad-alg', alg: 'RS256' },         // EC key, RSA alg
  'bad-kty': { kty: 'XYZ', kid: 'bad-kty', x: 'AAAA' },
  'bad-crv': { ...ec.jwk, kid: 'bad-crv', crv: 'secp256k1' },
  'bad-private': { ...priv.privateKey.export({ format: 'jwk' }), kid: 'bad-private', alg: 'RS256' },
  'bad-oct': { kty: 'oct', kid: 'bad-oct', alg: 'HS256', k: secret.toString('base64url') },
};
const reasons = {
  'bad-rsa1024': /2048/,
  'good-ec': /duplicate kid/,
  'bad-alg': /does not fit/,
  'bad-kty': /kty/,
  'bad-crv': /secp256k1/,
  'bad-private': /private key members/,
  'bad-oct': /"oct" \(a shared secret\) is never taken from a URL/,
};
const mixed = [good[0], bad['bad-rsa1024'], bad['good-ec'], good[1], bad['bad-alg'], bad['bad-kty'],
  bad['bad-crv'], bad['bad-private'], bad['bad-oct'], good[2]];

function skippedLines(log, url, kid) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return log.split('\n').filter((l) => new RegExp(`jwks_key_skipped: ${esc(url)}: key #\\d+ \\(kid ${esc(kid)}\\): `).test(l));
}

test('mixed set: the good keys verify, each bad one is refused and logged once per document version', async () => {
  const js = await startJwksServer();
  js.publish('/mixed.json', mixed);
  const url = js.url('/mixed.json');
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${url}`, 'AuthJWTJWKSRefetchInterval 10ms']),
    { name: 'jwks-mixed' });
  try {
    // the good keys, with and without kid (a kid-less token tries every key of its alg)
    for (const [key, alg, kid] of [[ec.privateKey, 'ES256', 'good-ec'], [rsa.privateKey, 'RS256', 'good-rsa'],
      [ed.privateKey, 'EdDSA', 'good-ed'], [rsa.privateKey, 'RS256', null], [ed.privateKey, 'EdDSA', null]]) {
      const r = await get(httpd, '/api/ok.txt', await sign(key, alg, kid));
      assert.equal(r.status, 200, `${alg} kid=${kid}: ${httpd.errorLog().slice(-2000)}`);
    }
    // the bad ones never verify, whatever the token says
    for (const [key, alg, kid] of [[weak.privateKey, 'RS256', 'bad-rsa1024'], [dup.privateKey, 'ES256', 'good-ec'],
      [misfit.privateKey, 'ES256', 'bad-alg'], [priv.privateKey, 'RS256', 'bad-private'],
      [secret, 'HS256', 'bad-oct'], [secret, 'HS256', null], [weak.privateKey, 'RS256', null]]) {
      const r = await get(httpd, '/api/ok.txt', await sign(key, alg, kid));
      assert.equal(r.status, 401, `${alg} kid=${kid} must not verify`);
    }
    // the unknown-kid tokens above refetched the same document: still logged once each
    await sleep(50);
    await get(httpd, '/api/ok.txt', await sign(ec.privateKey, 'ES256', 'nope'));
    assert.ok(js.count('/mixed.json') >= 3, `fetches: ${js.count('/mixed.json')}`);
    let log = httpd.errorLog();
    for (const kid of Object.keys(bad)) {
      const lines = skippedLines(log, url, kid);
      assert.equal(lines.length, 1, `${kid}: ${lines.join('\n') || 'not logged'}`);
      assert.match(lines[0], reasons[kid], kid);
    }
    assert.equal(skippedLines(log, url, 'good-rsa').length, 0);
    // a new version of the document: each bad key is logged again, once
    const extra = pair('ec', { namedCurve: 'P-256' });
    js.publish('/mixed.json', [...mixed, { ...extra.jwk, kid: 'new-ec', alg: 'ES256' }]);
    await sleep(50);                   // past the 10 ms refetch limit
    const r = await get(httpd, '/api/ok.txt', await sign(extra.privateKey, 'ES256', 'new-ec'));
    assert.equal(r.status, 200);
    await sleep(50);
    await get(httpd, '/api/ok.txt', await sign(ec.privateKey, 'ES256', 'nope-again'));
    log = httpd.errorLog();
    for (const kid of Object.keys(bad))
      assert.equal(skippedLines(log, url, kid).length, 2, kid);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('a set with no usable key is a failed fetch: last good keys stay; an oct-only URL gives no keys', async () => {
  const js = await startJwksServer();
  js.publish('/a.json', good);
  js.publish('/oct.json', [bad['bad-oct']]);
  const httpd = await start([
    location('/api', [`AuthJWTJWKSURL ${js.url('/a.json')}`, 'AuthJWTJWKSRefetchInterval 10ms']),
    location('/oct', [`AuthJWTJWKSURL ${js.url('/oct.json')}`, 'AuthJWTJWKSRefetchInterval 30']),
  ].join('\n'), { name: 'jwks-nousable' });
  try {
    const ok = await sign(ec.privateKey, 'ES256', 'good-ec');
    assert.equal((await get(httpd, '/api/ok.txt', ok)).status, 200);
    js.publish('/a.json', [bad['bad-kty'], bad['bad-oct'], bad['bad-rsa1024']]);
    await sleep(20);
    assert.equal((await get(httpd, '/api/ok.txt', await sign(ec.privateKey, 'ES256', 'other'))).status, 401);
    assert.match(httpd.errorLog(), /jwks_fetch_failed: http:\S+\/a\.json: \S+\/a\.json: the JWKS holds no usable key \(3 skipped/);
    assert.equal((await get(httpd, '/api/ok.txt', await sign(ec.privateKey, 'ES256', 'good-ec'))).status, 200,
      'the last good keys keep serving');
    // a key server that publishes its HMAC secret: never a key, so no keys at all
    const r = await get(httpd, '/oct/ok.txt', await sign(secret, 'HS256', 'bad-oct'));
    assert.equal(r.status, 503);
    assert.match(httpd.errorLog(), /jwks_fetch_failed: \S+\/oct\.json: .*no usable key.*never taken from a URL/);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
