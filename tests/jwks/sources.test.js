'use strict';
/* One source record per distinct JWKS URL (review of issue 22): the same AuthJWTJWKSURL in
 * N sections is one source, so one fetch thread per child and one keyring, not N. Counted
 * from /proc: the threads of a single-process (-X) server with one section against the same
 * server with twelve sections naming the same URL. Tokens are signed by the test key
 * server's signer (node crypto). */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startJwksServer, makeSigner } = require('./lib/jwks-server');
const { start, location, get, sleep } = require('./lib/common');

function threads(pid) {
  const m = /^Threads:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

async function settledThreads(httpd) {
  // the fetch threads start in child_init; wait for the count to hold still
  let last = -1;
  for (let i = 0; i < 20; i++) {
    const n = threads(httpd.pid);
    if (n === last) return n;
    last = n;
    await sleep(200);
  }
  return last;
}

test('the same JWKS URL in twelve sections: one source, one fetch thread, every section verifies', async (t) => {
  if (!fs.existsSync('/proc/self/status')) return t.skip('no /proc');
  const js = await startJwksServer();
  const k = makeSigner('k-shared');
  js.publish('/shared.json', [k.jwk]);
  const url = js.url('/shared.json');
  const run = async (n) => {
    const locs = Array.from({ length: n }, (_, i) => location(`/s${i}`, [`AuthJWTJWKSURL ${url}`]));
    const httpd = await start(locs.join('\n'), { name: `jwks-dedup-${n}`, args: ['-X'] });
    try {
      const count = await settledThreads(httpd);
      for (let i = 0; i < n; i++)
        assert.equal((await get(httpd, `/s${i}/ok.txt`, k.sign({}))).status, 200, `section /s${i}`);
      return count;
    } finally {
      await httpd.stop();
    }
  };
  try {
    const one = await run(1);
    const twelve = await run(12);
    assert.equal(twelve, one, `threads with 12 sections of one URL: ${twelve}, with one: ${one}`);
  } finally {
    await js.close();
  }
});
