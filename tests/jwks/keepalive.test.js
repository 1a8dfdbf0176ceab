'use strict';
/* Stale-while-revalidate on a keep-alive connection: the request that notices stale keys
 * starts the refresh, and neither it nor the next request on the same connection waits for
 * a slow key server. */
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, sleep, report } = require('./lib/common');

const MPM = process.env.MPM || 'event';

function timedGet(agent, base, path, token) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.get(`${base}${path}`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0, socket: req.socket }));
    });
    req.on('error', reject);
  });
}

test('a scheduled refresh against a slow server delays no request, not even on the same connection', async () => {
  const k1 = makeSigner('k1');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`,
    'AuthJWTJWKSRefresh 1', 'AuthJWTJWKSTimeout 3']));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await timedGet(agent, httpd.base, '/api/ok.txt', k1.sign({}));
    assert.equal(first.status, 200);
    js.setMode('*', 'slow', 2500);
    await sleep(1300);                       // keys are now stale
    const times = [];
    let sockets = new Set();
    for (let i = 0; i < 5; i++) {
      const r = await timedGet(agent, httpd.base, '/api/ok.txt', k1.sign({}));
      assert.equal(r.status, 200);
      times.push(r.ms);
      sockets.add(r.socket);
    }
    assert.equal(sockets.size, 1, 'all on one keep-alive connection');
    report(`MPM=${MPM} keep-alive during a slow scheduled refresh: ${times.join(', ')} ms`);
    for (const ms of times) assert.ok(ms < 500, `a request waited ${ms} ms for the refresh`);
    assert.ok(js.count('/jwks.json') >= 2, 'the refresh was attempted');
  } finally {
    agent.destroy();
    await httpd.stop();
    await js.close();
  }
});
