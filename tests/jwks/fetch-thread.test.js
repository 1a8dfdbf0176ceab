'use strict';
/* Regression test (found by the soak, issue 8): a fetch a request must wait for (the first
 * keys, an unknown kid) runs on the process's refresher thread, never on the worker thread
 * serving the request. Run inline, each fetch warmed up the stack and malloc arena of
 * whichever worker got it, and a child's RSS crept up for minutes under a failing key server.
 * The error log's [pid:tid] tells which thread did what: every fetch attempt logs
 * "jwks_fetch_failed" (debug), every request refused for want of keys logs AH-JWT-0207. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeSigner } = require('./lib/jwks-server');
const { freePort } = require('../integration/lib/httpd');
const { start, location, burst } = require('./lib/common');

const TID = /\[pid (\d+):tid (\d+)\]/;

test('fetches that requests wait for run on the refresher thread, not on request threads', async () => {
  const k1 = makeSigner('k1');
  const dead = await freePort();                  // nothing listens: every fetch fails at once
  const httpd = await start(location('/api', [`AuthJWTJWKSURL http://127.0.0.1:${dead}/jwks.json`,
    'AuthJWTJWKSRefetchInterval 1', 'AuthJWTJWKSTimeout 2']), { name: 'jwks-thread' });
  try {
    const tokens = [];
    for (let i = 0; i < 400; i++) tokens.push(k1.sign({ sub: `u${i}` }, { kid: i % 2 ? 'k1' : `new-${i}` }));
    const t0 = Date.now();
    const results = [];
    while (Date.now() - t0 < 3500) results.push(...await burst(httpd, '/api/ok.txt', tokens.slice(0, 80), 8));
    assert.ok(results.every((r) => r.status === 503), `statuses: ${[...new Set(results.map((r) => r.status))]}`);

    const log = httpd.errorLog().split('\n');
    const fetchThreads = new Map();                  // pid -> Set(tid) of fetch attempts
    const requestThreads = new Set();                // "pid:tid" of refused requests
    for (const line of log) {
      const m = line.match(TID);
      if (!m) continue;
      if (/jwks_fetch_failed/.test(line)) {
        if (!fetchThreads.has(m[1])) fetchThreads.set(m[1], new Set());
        fetchThreads.get(m[1]).add(m[2]);
      } else if (/AH-JWT-0207/.test(line)) {
        requestThreads.add(`${m[1]}:${m[2]}`);
      }
    }
    const attempts = log.filter((l) => /jwks_fetch_failed/.test(l)).length;
    assert.ok(attempts >= 2, `expected several failed fetches in 3.5 s, saw ${attempts}`);
    assert.ok(requestThreads.size >= 2, `requests were served by ${requestThreads.size} thread(s)`);
    for (const [pid, tids] of fetchThreads) {
      assert.equal(tids.size, 1, `process ${pid} fetched on ${tids.size} threads: ${[...tids]}`);
      const [tid] = tids;
      assert.ok(!requestThreads.has(`${pid}:${tid}`), `process ${pid} fetched on request thread ${tid}`);
    }
  } finally {
    await httpd.stop();
  }
});
