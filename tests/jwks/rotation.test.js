'use strict';
/* Key rotation: a new kid passes right after the server publishes it (unknown-kid refetch);
 * the old key keeps working while published; once unpublished it stops after a refresh. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, get, sleep, report } = require('./lib/common');

test('rotation: new kid at once, old kid while published, gone after refresh', async () => {
  const k1 = makeSigner('k1');
  const k2 = makeSigner('k2', 'rsa');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
    'AuthJWTJWKSRefresh 2']));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200);
    assert.equal(js.count('/jwks.json'), 1);

    // the IdP publishes k2, then issues tokens with it: the first one must pass at once
    js.publish('/jwks.json', [k1.jwk, k2.jwk]);
    const r2 = await get(httpd, '/api/ok.txt', k2.sign({}));
    assert.equal(r2.status, 200, 'new kid passes right after publication');
    assert.equal(js.count('/jwks.json'), 2, 'exactly one refetch for the new kid');
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200, 'old kid still works');

    // an unknown kid right after: rate-limited (default interval 60 s), no fetch, 401
    const r9 = await get(httpd, '/api/ok.txt', k1.sign({}, { kid: 'k9' }));
    assert.equal(r9.status, 401);
    assert.match(r9.res.headers['www-authenticate'], /error="invalid_token"/);
    assert.equal(js.count('/jwks.json'), 2);

    // unpublish k1; after the refresh period a request triggers the background refresh,
    // and once children have looked at the new document, k1 is refused
    js.publish('/jwks.json', [k2.jwk]);
    await sleep(2200);
    assert.equal((await get(httpd, '/api/ok.txt', k2.sign({}))).status, 200);
    let k1status = 200;
    for (let i = 0; i < 30 && k1status === 200; i++) {
      await sleep(200);
      k1status = (await get(httpd, '/api/ok.txt', k1.sign({}))).status;
    }
    assert.equal(k1status, 401, 'a key removed from the JWKS stops verifying after a refresh');
    assert.equal((await get(httpd, '/api/ok.txt', k2.sign({}))).status, 200);
    report(`MPM=${process.env.MPM || 'event'} rotation: ${js.count('/jwks.json')} fetches (initial, new kid, scheduled refresh)`);
    assert.equal(js.count('/jwks.json'), 3);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
