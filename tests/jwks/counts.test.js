'use strict';
/* Fetch counts across all children: known kids cause at most one fetch per URL per refresh
 * period; random kids at most one per refetch interval; a server max-age is honoured within
 * [60, 86400]. The measured numbers are printed as "# JWKS-MEASURED ..." lines. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, get, burst, tally, sleep, report } = require('./lib/common');

const MPM = process.env.MPM || 'event';

test('1000 requests with known kids: at most one fetch per URL per refresh period', async () => {
  const k1 = makeSigner('k1');
  const k2 = makeSigner('k2');
  const js = await startJwksServer();
  js.publish('/a.json', [k1.jwk]);
  js.publish('/b.json', [k2.jwk]);
  const refresh = 2;
  const httpd = await start([
    location('/a', [`AuthJWTJWKSURL ${js.url('/a.json')}`, `AuthJWTJWKSRefresh ${refresh}`]),
    location('/b', [`AuthJWTJWKSURL ${js.url('/b.json')}`, `AuthJWTJWKSRefresh ${refresh}`]),
  ].join('\n'));
  try {
    const tokA = [k1.sign({}), k1.sign({ sub: 'bob' })];
    const tokB = [k2.sign({}), k2.sign({ sub: 'carol' })];
    const t0 = Date.now();
    const results = [];
    for (let round = 0; round < 10; round++) {   // spread over about 3 refresh periods
      results.push(...await burst(httpd, '/a/ok.txt', Array.from({ length: 50 }, (_, i) => tokA[i % 2])));
      results.push(...await burst(httpd, '/b/ok.txt', Array.from({ length: 50 }, (_, i) => tokB[i % 2])));
      await sleep(500);
    }
    const elapsed = (Date.now() - t0) / 1000;
    assert.deepEqual(tally(results), { 200: 1000 });
    // a fetch at the first request, then one per elapsed period at most
    const periods = Math.floor(elapsed / refresh);
    const a = js.count('/a.json');
    const b = js.count('/b.json');
    report(`MPM=${MPM} known kids: 1000 requests over ${elapsed.toFixed(1)} s, refresh ${refresh} s `
      + `(${periods} periods): fetches /a=${a} /b=${b} (bound: 1 + ${periods} each)`);
    for (const n of [a, b]) {
      assert.ok(n >= 2, `the refresh ran (${n} fetches)`);
      assert.ok(n <= 1 + periods, `${n} fetches in ${elapsed} s is more than one per period`);
    }
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('500 requests with random kids: at most one fetch per refetch interval', async () => {
  const k1 = makeSigner('k1');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const interval = 2;
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
    `AuthJWTJWKSRefetchInterval ${interval}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200);
    const t0 = Date.now();
    const tokens = Array.from({ length: 500 }, () => k1.sign({}, { kid: crypto.randomBytes(8).toString('hex') }));
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(...await burst(httpd, '/api/ok.txt', tokens.slice(i * 100, i * 100 + 100)));
      await sleep(500);
    }
    const elapsed = (Date.now() - t0) / 1000;
    assert.deepEqual(tally(results), { 401: 500 });
    const kidFetches = js.count('/jwks.json') - 1;
    const bound = 1 + Math.floor(elapsed / interval);
    report(`MPM=${MPM} random kids: 500 requests over ${elapsed.toFixed(1)} s, refetch interval ${interval} s: `
      + `${kidFetches} kid-triggered fetches (bound ${bound}), max request ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms`);
    assert.ok(kidFetches >= 1, 'an unknown kid does trigger a refetch');
    assert.ok(kidFetches <= bound, `${kidFetches} fetches > ${bound}`);
    // known kids still pass after the flood
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('Cache-Control max-age is honoured (and clamped to at least 60 s)', async () => {
  const k1 = makeSigner('k1');
  const js = await startJwksServer();
  js.publish('/long.json', [k1.jwk]);
  js.headers('/long.json', { 'Cache-Control': 'public, max-age=120' });
  js.publish('/short.json', [k1.jwk]);
  js.headers('/short.json', { 'Cache-Control': 'max-age=5' });
  js.publish('/none.json', [k1.jwk]);
  const httpd = await start([
    location('/long', [`AuthJWTJWKSURL ${js.url('/long.json')}`, 'AuthJWTJWKSRefresh 1']),
    location('/short', [`AuthJWTJWKSURL ${js.url('/short.json')}`, 'AuthJWTJWKSRefresh 1']),
    location('/none', [`AuthJWTJWKSURL ${js.url('/none.json')}`, 'AuthJWTJWKSRefresh 1']),
  ].join('\n'));
  try {
    for (let i = 0; i < 12; i++) {
      for (const p of ['/long', '/short', '/none']) assert.equal((await get(httpd, `${p}/ok.txt`, k1.sign({}))).status, 200);
      await sleep(250);
    }
    assert.equal(js.count('/long.json'), 1, 'max-age=120 overrides AuthJWTJWKSRefresh 1');
    assert.equal(js.count('/short.json'), 1, 'max-age=5 is clamped to 60');
    assert.ok(js.count('/none.json') >= 2, 'without max-age the 1 s refresh applies');
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('a large JWKS (300 keys, many cache chunks) reaches every child from one fetch', async () => {
  const signers = Array.from({ length: 300 }, (_, i) => makeSigner(`key-${i}`));
  const js = await startJwksServer();
  js.publish('/big.json', signers.map((s) => s.jwk));
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/big.json')}`]));
  try {
    const picks = Array.from({ length: 200 }, (_, i) => signers[(i * 7) % 300].sign({}));
    const results = await burst(httpd, '/api/ok.txt', picks, 16);
    assert.deepEqual(tally(results), { 200: 200 });
    const size = JSON.stringify({ keys: signers.map((s) => s.jwk) }).length;
    report(`MPM=${MPM} large JWKS: ${size} bytes, 300 keys, 200 requests: ${js.count('/big.json')} fetch`);
    assert.equal(js.count('/big.json'), 1);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
