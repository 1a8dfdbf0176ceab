'use strict';
/* Faults of the key server: down, slow, 500, dropped connection, garbage, 5 MiB (with and
 * without Content-Length). Tokens with cached kids keep passing, no request takes longer
 * than AuthJWTJWKSTimeout plus a small margin, the failure is logged once per streak, and
 * after AuthJWTJWKSMaxStale the location answers 503 with Retry-After. Then the server
 * recovers and so does the location. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, get, sleep, report } = require('./lib/common');

const MPM = process.env.MPM || 'event';
const TIMEOUT_S = 1;
const MAX_STALE_S = 3;
const REFRESH_S = 1;
const MARGIN_MS = 750;

/* [name, break, repair, what the one error-level log line must say] */
const FAULTS = [
  ['down', async (js) => js.down(), async (js) => js.up(), /Couldn't connect to server/],
  ['slow', async (js) => js.setMode('*', 'slow', 3000), null, /Timeout was reached/],
  ['500', async (js) => js.setMode('*', 'status', 500), null, /HTTP status 500/],
  ['drop', async (js) => js.setMode('*', 'drop'), null, /Server returned nothing|Empty reply/],
  ['garbage', async (js) => js.setMode('*', 'garbage'), null, /JSON|json/],
  ['5 MiB', async (js) => js.setMode('*', 'huge', { bytes: 5 * 1024 * 1024 }), null,
    /response larger than 1048576 bytes/],
  ['5 MiB chunked', async (js) => js.setMode('*', 'huge', { bytes: 5 * 1024 * 1024, chunked: true }),
    null, /response larger than 1048576 bytes/],
];

function errorLines(log) {
  return log.split('\n').filter((l) => /\[auth_jwt:error\].*jwks_fetch_failed/.test(l));
}

for (const [name, breakIt, repair, why] of FAULTS) {
  test(`fault "${name}": cached keys serve, bounded latency, 503 after max-stale, recovery`, async () => {
    const k1 = makeSigner('k1');
    const js = await startJwksServer();
    js.publish('/jwks.json', [k1.jwk]);
    const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
      `AuthJWTJWKSRefresh ${REFRESH_S}`, 'AuthJWTJWKSRefetchInterval 1',
      `AuthJWTJWKSTimeout ${TIMEOUT_S}`, `AuthJWTJWKSMaxStale ${MAX_STALE_S}`]), { name: 'jwks-fault' });
    try {
      const warm = await get(httpd, '/api/ok.txt', k1.sign({}));
      assert.equal(warm.status, 200);
      const fetchedAt = Date.now();
      await breakIt(js);

      // inside refresh + max-stale: every cached-kid request passes, none waits on a fetch
      let worst = 0, n = 0;
      while (Date.now() - fetchedAt < (REFRESH_S + MAX_STALE_S) * 1000 - 1200) {
        const r = await get(httpd, '/api/ok.txt', k1.sign({}));
        assert.equal(r.status, 200, `cached kid refused after ${Date.now() - fetchedAt} ms`);
        worst = Math.max(worst, r.ms);
        n++;
        await sleep(50);
      }
      // an unknown kid triggers a (failing) refetch at most: bounded by the timeout
      const unk = await get(httpd, '/api/ok.txt', k1.sign({}, { kid: 'new-kid' }));
      assert.equal(unk.status, 401);
      assert.ok(unk.ms < TIMEOUT_S * 1000 + MARGIN_MS, `unknown-kid request took ${unk.ms} ms`);
      assert.ok(worst < TIMEOUT_S * 1000 + MARGIN_MS, `a cached-kid request took ${worst} ms`);

      // past refresh + max-stale: fail closed with 503 + Retry-After, still bounded
      const wait = fetchedAt + (REFRESH_S + MAX_STALE_S) * 1000 + 300 - Date.now();
      if (wait > 0) await sleep(wait);
      const closed = await get(httpd, '/api/ok.txt', k1.sign({}));
      assert.equal(closed.status, 503);
      assert.match(closed.res.headers['retry-after'], /^[1-9][0-9]*$/);
      assert.ok(closed.ms < TIMEOUT_S * 1000 + MARGIN_MS, `503 took ${closed.ms} ms`);

      const log = httpd.errorLog();
      const lines = errorLines(log);
      assert.equal(lines.length, 1, `logged once per failure streak:\n${log}`);
      assert.match(lines[0], why);
      assert.match(lines[0], /the last good keys keep serving/);
      assert.match(log, /AH-JWT-0207: 503 for \/api\/ok\.txt/);
      report(`MPM=${MPM} fault ${name}: ${n} cached-kid requests all 200, slowest ${worst.toFixed(0)} ms, `
        + `unknown kid ${unk.ms.toFixed(0)} ms, 503 after max-stale in ${closed.ms.toFixed(0)} ms`);

      // repair: the next fetch attempt (no sooner than the refetch interval) restores keys
      js.clearModes();
      if (repair) await repair(js);
      let status = 503;
      for (let i = 0; i < 40 && status !== 200; i++) {
        await sleep(100);
        status = (await get(httpd, '/api/ok.txt', k1.sign({}))).status;
      }
      assert.equal(status, 200, 'keys come back once the server answers again');
      assert.match(httpd.errorLog(), /jwks_recovered: .* fetch succeeded again after \d+ failed attempts/);
    } finally {
      await httpd.stop();
      await js.close();
    }
  });
}

test('no keys ever (server down at startup): httpd starts, 503 + Retry-After, then keys arrive', async () => {
  const k1 = makeSigner('k1');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  await js.down();
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
    'AuthJWTJWKSRefetchInterval 2', `AuthJWTJWKSTimeout ${TIMEOUT_S}`]));
  try {
    const r = await get(httpd, '/api/ok.txt', k1.sign({}));
    assert.equal(r.status, 503);
    assert.match(r.res.headers['retry-after'], /^[12]$/);
    // a token that does not even parse needs no key: still 401, not 503
    assert.equal((await get(httpd, '/api/ok.txt', 'x.y.z')).status, 401, 'a malformed token is refused before any key is needed');
    await js.up();
    await sleep(2100);
    const ok = await get(httpd, '/api/ok.txt', k1.sign({}));
    assert.equal(ok.status, 200);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('unknown kid while the key server is slow: the refetching request waits at most the timeout', async () => {
  const k1 = makeSigner('k1');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
    `AuthJWTJWKSTimeout ${TIMEOUT_S}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200);
    js.setMode('*', 'slow', 4000);
    const before = js.count('/jwks.json');
    const [unk, known] = await Promise.all([
      get(httpd, '/api/ok.txt', k1.sign({}, { kid: 'rotated-in' })),
      (async () => { await sleep(200); return get(httpd, '/api/ok.txt', k1.sign({})); })(),
    ]);
    assert.equal(unk.status, 401);
    assert.ok(unk.ms >= TIMEOUT_S * 1000 - 100, `the refetch was attempted (${unk.ms} ms)`);
    assert.ok(unk.ms < TIMEOUT_S * 1000 + MARGIN_MS, `unknown-kid request took ${unk.ms} ms`);
    assert.equal(js.count('/jwks.json'), before + 1, 'the refetch reached the server');
    assert.equal(known.status, 200, 'other requests are not held up by the refetch');
    assert.ok(known.ms < 500, `a cached-kid request during the refetch took ${known.ms} ms`);
    report(`MPM=${MPM} unknown kid with a slow server: ${unk.ms.toFixed(0)} ms (timeout ${TIMEOUT_S} s); `
      + `concurrent cached-kid request ${known.ms.toFixed(0)} ms`);
  } finally {
    await httpd.stop();
    await js.close();
  }
});
