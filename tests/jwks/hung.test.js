'use strict';
/* No head-of-line blocking (issue 20): a key server that accepts and never answers, next
 * to a healthy one. Each source has its own fetch thread, and a request starts the
 * fetches it needs side by side, so the healthy source's first keys and its unknown-kid
 * refetch answer within its own timeout while the hung one runs into its full timeout. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { startJwksServer } = require('./lib/jwks-server');
const { start, location, get, report, sleep } = require('./lib/common');

const MPM = process.env.MPM || 'event';
const TIMEOUT = 6;                                   // AuthJWTJWKSTimeout, seconds

function signer(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
    token: (claims = {}) => new jose.SignJWT({ sub: 'bob', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuedAt().setExpirationTime('10m').sign(privateKey),
  };
}

test('a hung key server next to a healthy one: the healthy one\'s first keys and kid refetch come within its own timeout', async () => {
  const hung = await startJwksServer();
  const healthy = await startJwksServer();
  hung.publish('/a.json', [signer('a1').jwk]);
  hung.setMode('*', 'hang');
  const b1 = signer('b1');
  const b2 = signer('b2');
  healthy.publish('/b.json', [b1.jwk]);
  const common = [`AuthJWTJWKSTimeout ${TIMEOUT}`, 'AuthJWTJWKSRefetchInterval 1'];
  // both sources unbound in one location (a token could belong to either), and each in
  // its own location too (under the old single refresher thread, B's fetch queued behind A's)
  const httpd = await start([
    location('/ab', [`AuthJWTJWKSURL ${hung.url('/a.json')}`, `AuthJWTJWKSURL ${healthy.url('/b.json')}`, ...common]),
    location('/a', [`AuthJWTJWKSURL ${hung.url('/a.json')}`, ...common]),
    location('/b', [`AuthJWTJWKSURL ${healthy.url('/b.json')}`, ...common]),
  ].join('\n'), { name: 'jwks-hung' });
  try {
    // A's first fetch hangs in every child that asks (fire and forget: they answer 503 later)
    const aToken = await signer('a1').token();
    // prefork: each waiting request holds a child; leave one idle for B
    const aHung = (MPM === 'prefork' ? [0] : [0, 1, 2, 3]).map(() => get(httpd, '/a/ok.txt', aToken));
    await sleep(300);
    assert.equal(hung.count('/a.json') >= 1, true, 'the hung server was asked');

    const first = await get(httpd, '/ab/ok.txt', await b1.token());
    assert.equal(first.status, 200, httpd.errorLog().slice(-1500));
    const firstB = await get(httpd, '/b/ok.txt', await b1.token());
    assert.equal(firstB.status, 200);

    healthy.publish('/b.json', [b1.jwk, b2.jwk]);
    const before = healthy.count('/b.json');
    const refetch = await get(httpd, '/ab/ok.txt', await b2.token());
    assert.equal(refetch.status, 200, httpd.errorLog().slice(-1500));
    assert.ok(healthy.count('/b.json') > before, 'the new kid was refetched');
    for (const r of [first, firstB, refetch])
      assert.ok(r.ms < (TIMEOUT * 1000) / 2, `answered in ${Math.round(r.ms)} ms, far within B's ${TIMEOUT} s timeout`);

    const hungRes = await Promise.all(aHung);
    for (const r of hungRes) assert.equal(r.status, 503, 'A has no keys: a server-side fault');
    report(`MPM=${MPM} hung key server next to a healthy one: B's first keys in ${Math.round(first.ms)} ms (/ab) and `
      + `${Math.round(firstB.ms)} ms (/b), B's kid refetch in ${Math.round(refetch.ms)} ms; A's requests 503 after `
      + `${Math.round(Math.max(...hungRes.map((r) => r.ms)))} ms (timeout ${TIMEOUT} s)`);
  } finally {
    await httpd.stop();
    await hung.close();
    await healthy.close();
  }
});
