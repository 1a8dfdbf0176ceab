'use strict';
/* Two issuers on one location, each with its own JWKS URL bound by issuer=: each issuer's
 * tokens pass with its own keys; a key of issuer A never validates a token claiming issuer
 * B (RFC 8725 3.8), also when both JWKS use the same kid. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, get } = require('./lib/common');

const ISS_A = 'https://a.idp.example/';
const ISS_B = 'https://b.idp.example/';

test('two issuers on one location, keys bound to their issuer', async () => {
  const a1 = makeSigner('a1');
  const b1 = makeSigner('b1', 'rsa');
  const sharedA = makeSigner('shared');
  const sharedB = makeSigner('shared');
  const js = await startJwksServer();
  js.publish('/a.json', [a1.jwk, sharedA.jwk]);
  js.publish('/b.json', [b1.jwk, sharedB.jwk]);
  const sources = [`AuthJWTJWKSURL ${js.url('/a.json')} issuer=${ISS_A}`,
    `AuthJWTJWKSURL ${js.url('/b.json')} issuer=${ISS_B}`];
  const httpd = await start([
    // with AuthJWTIssuer (the usual setup) and without it (the binding alone must hold)
    location('/api', [...sources, `AuthJWTIssuer ${ISS_A}`, `AuthJWTIssuer ${ISS_B}`]),
    location('/bare', sources),
  ].join('\n'));
  try {
    for (const where of ['/api', '/bare']) {
      const ok = async (tok, why) => assert.equal((await get(httpd, `${where}/ok.txt`, tok)).status, 200, `${where}: ${why}`);
      const refused = async (tok, why) => {
        const r = await get(httpd, `${where}/ok.txt`, tok);
        assert.equal(r.status, 401, `${where}: ${why}`);
        assert.match(r.res.headers['www-authenticate'], /error="invalid_token"/);
      };
      await ok(a1.sign({ iss: ISS_A }), 'A token with A key');
      await ok(b1.sign({ iss: ISS_B }), 'B token with B key');
      await ok(sharedA.sign({ iss: ISS_A }), 'kid "shared" of A for A');
      await ok(sharedB.sign({ iss: ISS_B }), 'kid "shared" of B for B');
      await refused(a1.sign({ iss: ISS_B }), 'A key claiming B');
      await refused(b1.sign({ iss: ISS_A }), 'B key claiming A');
      await refused(sharedA.sign({ iss: ISS_B }), 'A\'s "shared" key claiming B');
      await refused(sharedB.sign({ iss: ISS_A }), 'B\'s "shared" key claiming A');
      await refused(a1.sign({}), 'no iss: no bound key applies');
      await refused(a1.sign({ iss: 'https://c.idp.example/' }), 'unknown issuer');
    }
    const log = httpd.errorLog();
    assert.match(log, /AH-JWT-0204: .*refused \(signature\)/, 'the same-kid cross-issuer case fails on the signature');
    // one fetch per URL (+ at most one rate-limited unknown-kid refetch each)
    assert.ok(js.count('/a.json') >= 1 && js.count('/a.json') <= 2, `a.json fetched ${js.count('/a.json')} times`);
    assert.ok(js.count('/b.json') >= 1 && js.count('/b.json') <= 2, `b.json fetched ${js.count('/b.json')} times`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('an issuer that is down does not take the other issuer down', async () => {
  const a1 = makeSigner('a1');
  const b1 = makeSigner('b1');
  const js = await startJwksServer();
  js.publish('/a.json', [a1.jwk]);
  js.setMode('/b.json', 'status', 500);
  const httpd = await start(location('/api', [
    `AuthJWTJWKSURL ${js.url('/a.json')} issuer=${ISS_A}`,
    `AuthJWTJWKSURL ${js.url('/b.json')} issuer=${ISS_B}`, 'AuthJWTJWKSTimeout 1']));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', a1.sign({ iss: ISS_A }))).status, 200);
    const r = await get(httpd, '/api/ok.txt', b1.sign({ iss: ISS_B }));
    assert.equal(r.status, 503, 'B has no keys: server-side fault');
    assert.ok(r.res.headers['retry-after']);
    assert.equal((await get(httpd, '/api/ok.txt', a1.sign({ iss: ISS_A }))).status, 200);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
