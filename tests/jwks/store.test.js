'use strict';
/* The shared JWKS store never loses a document (issue 20):
 *  - a ~450 KB key set (100 RSA-2048 keys, each with a two-certificate x5c chain, as Entra ID
 *    and Keycloak publish them): tokens of its first, middle and last keys pass on 30 fresh
 *    connections each, again after a graceful restart; children are replaced all along
 *    (MaxConnectionsPerChild 1 under prefork), so each new child reads the document back
 *    from the store;
 *  - two sources, one changing its document 500 times: the other's tokens keep passing in
 *    new children.
 * Tokens are signed with npm jose. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { bigJwks } = require('./lib/big-jwks');
const { start, location, get, report, request, sleep } = require('./lib/common');

const MPM = process.env.MPM || 'event';
/* new children all the time: prefork one per connection (the case), event every
 * few connections */
const CHILD_CHURN = `MaxConnectionsPerChild ${MPM === 'prefork' ? 1 : 3}`;
/* Each test gets a deadline (twice this file hung, node's main thread in a futex wait with
 * its own key server silent): a hang fails that test, named, instead of the whole group
 * waiting. The jwks group also runs node under timeout(1), for a main thread so stuck that
 * no timer of its own can fire. */
const TIMEOUT = { timeout: Number(process.env.JWKS_STORE_TEST_TIMEOUT_MS || 240000) };

async function joseToken(pem, kid, claims = {}) {
  const key = crypto.createPrivateKey(pem);
  return new jose.SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuedAt().setExpirationTime('10m').sign(key);
}

/* n GETs, each on its own connection (agent: false), one after the other */
async function freshConnections(httpd, path, token, n) {
  const statuses = {};
  for (let i = 0; i < n; i++) {
    const r = await get(httpd, path, token);
    statuses[r.status] = (statuses[r.status] || 0) + 1;
  }
  return statuses;
}

test('a 450 KB JWKS with x5c chains: first, middle and last keys on fresh connections, and after a graceful restart', TIMEOUT, async () => {
  const big = bigJwks(100);
  assert.ok(big.bytes > 440 * 1024, `fixture is ${big.bytes} bytes`);
  const js = await startJwksServer();
  js.publish('/big.json', big.jwks.keys);
  const conf = [CHILD_CHURN,
    location('/api', [`AuthJWTJWKSURL ${js.url('/big.json')}`, 'AuthJWTJWKSTimeout 10'])].join('\n');
  const httpd = await start(conf, { name: 'jwks-big' });
  try {
    const picks = [0, 50, 99];
    const tokens = [];
    for (const i of picks) tokens.push(await joseToken(big.privatePem(i), big.kid(i)));
    for (const [round, label] of [[0, 'before'], [1, 'after graceful']]) {
      if (round === 1) await httpd.restart();
      for (let j = 0; j < picks.length; j++) {
        const got = await freshConnections(httpd, '/api/ok.txt', tokens[j], 30);
        assert.deepEqual(got, { 200: 30 }, `${label}: key #${picks[j]} (${big.kid(picks[j])}): ${JSON.stringify(got)}\n`
          + httpd.errorLog().split('\n').filter((l) => /jwks/.test(l)).slice(-10).join('\n'));
      }
    }
    assert.doesNotMatch(httpd.errorLog(), /jwks_key_skipped|does not read back/);
    // a restart makes a new store: one fetch per store life, plus none per child
    assert.ok(js.count('/big.json') <= 4, `fetches: ${js.count('/big.json')}`);
    report(`MPM=${MPM} largest key set: ${big.bytes} bytes, ${big.jwks.keys.length} RSA-2048 keys with 2-cert x5c; `
      + `${js.count('/big.json')} fetches for 180 requests on fresh connections across a graceful restart (${CHILD_CHURN})`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('two sources, one changing its document 500 times: the other keeps verifying in new children', TIMEOUT, async () => {
  const js = await startJwksServer();
  const b = makeSigner('kb');
  js.publish('/b.json', [b.jwk]);
  // A: a few fixed keys (~4 KB) plus one that changes on every fetch
  const fixed = Array.from({ length: 8 }, (_, i) => makeSigner(`a-fixed-${i}`, 'rsa').jwk);
  // the changing key comes from a pool made up front under a new kid each fetch (no key
  // generation inside the server's handler: twice this test's node process stopped dead in
  // a futex wait in the middle of the churn, its key server silent, under OpenSSL 3)
  const pool = Array.from({ length: 8 }, (_, i) => makeSigner(`pool-${i}`).jwk);
  js.dynamic('/a.json', (n) => [...fixed, { ...pool[n % pool.length], kid: `a-${n}` }]);
  const a = makeSigner('a-never-published');
  const conf = [CHILD_CHURN,
    location('/a', [`AuthJWTJWKSURL ${js.url('/a.json')}`, 'AuthJWTJWKSRefetchInterval 10ms']),
    location('/b', [`AuthJWTJWKSURL ${js.url('/b.json')}`])].join('\n');
  const httpd = await start(conf, { name: 'jwks-churn' });
  try {
    assert.deepEqual(await freshConnections(httpd, '/b/ok.txt', b.sign({}), 5), { 200: 5 });
    const bFetches = js.count('/b.json');
    const t0 = Date.now();
    let requests = 0;
    // every request names a kid A does not have: each may refetch A (10 ms rate limit)
    while (js.count('/a.json') < 501 && requests < 20000 && Date.now() - t0 < 120000) {
      // a connection of its own each time (no keep-alive agent: a request queued behind an
      // agent's one socket has no socket timeout and once waited forever under prefork)
      const r = await request(httpd.base, '/a/ok.txt', { headers: { Authorization: `Bearer ${a.sign({})}` } });
      assert.equal(r.status, 401);
      requests++;
      await sleep(10);                 // past the 10 ms refetch limit: most requests fetch
      if (requests % 100 === 0) {
        const got = await freshConnections(httpd, '/b/ok.txt', b.sign({}), 3);
        assert.deepEqual(got, { 200: 3 }, `during the churn (${js.count('/a.json')} A documents)`);
      }
    }
    assert.ok(js.count('/a.json') >= 501, `A changed ${js.count('/a.json') - 1} times in ${requests} requests`);
    const got = await freshConnections(httpd, '/b/ok.txt', b.sign({}), 30);
    assert.deepEqual(got, { 200: 30 }, `after the churn: ${JSON.stringify(got)}`);
    const restored = (httpd.errorLog().match(/jwks_store_restored/g) || []).length;
    report(`MPM=${MPM} churn: A changed ${js.count('/a.json') - 1} times in ${(Date.now() - t0) / 1000} s; `
      + `B fetched ${js.count('/b.json') - bFetches} more times, stored again ${restored} times; B's tokens passed throughout`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('a document evicted from the store is stored again from a process that holds it, and logged', TIMEOUT, async () => {
  // one process (-X), so the process that holds B is the one that finds it gone
  const big = bigJwks(100);
  const js = await startJwksServer();
  const b = makeSigner('kb');
  js.publish('/b.json', [b.jwk]);
  // A: the 450 KB set plus one key that changes on every fetch: each change rewrites ~113
  // chunks spread over every sub-cache, so B's small entries are soon pushed out
  const pool = Array.from({ length: 8 }, (_, i) => makeSigner(`pool-${i}`).jwk);
  js.dynamic('/a.json', (n) => [...big.jwks.keys, { ...pool[n % pool.length], kid: `a-${n}` }]);
  const a = makeSigner('a-never-published');
  const httpd = await start([
    location('/a', [`AuthJWTJWKSURL ${js.url('/a.json')}`, 'AuthJWTJWKSRefetchInterval 10ms', 'AuthJWTJWKSTimeout 20']),
    location('/b', [`AuthJWTJWKSURL ${js.url('/b.json')}`])].join('\n'), { name: 'jwks-heal', args: ['-X'] });
  try {
    assert.equal((await get(httpd, '/b/ok.txt', b.sign({}))).status, 200);
    const t0 = Date.now();
    while (js.count('/a.json') < 60 && Date.now() - t0 < 90000) {
      assert.equal((await get(httpd, '/a/ok.txt', a.sign({}))).status, 401);
      await sleep(10);
    }
    await sleep(1100);                 // past the 1 s between looks at the shared entry
    let restored = false;
    for (let i = 0; i < 8 && !restored; i++) {
      assert.equal((await get(httpd, '/b/ok.txt', b.sign({}))).status, 200);
      restored = /jwks_store_restored: \S+\/b\.json: the shared store had lost the document/.test(httpd.errorLog());
      if (!restored) await sleep(1000);
    }
    assert.ok(restored, `no restore logged after ${js.count('/a.json')} A documents:\n`
      + httpd.errorLog().split('\n').filter((l) => /b\.json/.test(l)).slice(-5).join('\n'));
    assert.equal(js.count('/b.json'), 1, 'B came back from this process\'s copy, not from its key server');
    report(`MPM=${MPM} eviction: B's entry lost after ${js.count('/a.json')} changes of a 450 KB A; stored again from memory, B fetched once`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

/* review of issue 22: storing a new document that the store cannot keep (here a 450 KB set
 * in a 64 KiB store) must leave the old document readable: chunk ids carry the body's
 * generation, so the new chunks do not overwrite the old ones, and the old document is put
 * back when the new one pushed it out. New children (CHILD_CHURN) read the store, so they
 * keep verifying the old key instead of answering 503. */
test('a new document the store cannot keep leaves the old one whole: new children keep verifying', TIMEOUT, async () => {
  const big = bigJwks(100);
  const js = await startJwksServer();
  const k = makeSigner('small');
  js.publish('/a.json', [k.jwk]);
  const httpd = await start([CHILD_CHURN, 'AuthJWTJWKSStoreSize 64K',
    location('/a', [`AuthJWTJWKSURL ${js.url('/a.json')}`, 'AuthJWTJWKSRefetchInterval 10ms',
      'AuthJWTJWKSTimeout 20'])].join('\n'), { name: 'jwks-store-fail' });
  try {
    assert.deepEqual(await freshConnections(httpd, '/a/ok.txt', k.sign({}), 3), { 200: 3 });
    js.publish('/a.json', [k.jwk, ...big.jwks.keys]);
    const stranger = makeSigner('not-published');
    const t0 = Date.now();
    // a kid the store's document lacks: each such request may refetch (10 ms limit)
    while (!/did not keep the document/.test(httpd.errorLog()) && Date.now() - t0 < 30000) {
      const r = await get(httpd, '/a/ok.txt', stranger.sign({}));
      assert.ok(r.status === 401 || r.status === 503, `unknown kid: ${r.status}`);
      await sleep(50);
    }
    assert.match(httpd.errorLog(), /did not keep the document/, 'the big document was refused by the store');
    await sleep(1100);                 // past the 1 s between looks at the shared entry
    const got = await freshConnections(httpd, '/a/ok.txt', k.sign({}), 20);
    assert.deepEqual(got, { 200: 20 }, `after the failed store: ${JSON.stringify(got)}\n`
      + httpd.errorLog().split('\n').filter((l) => /jwks/.test(l)).slice(-6).join('\n'));
    report(`MPM=${MPM} failed store: a 450 KB document refused by a 64 KiB store; the old one kept serving new children`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
