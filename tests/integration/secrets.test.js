'use strict';
// The admin-managed secrets file is re-read when it changes, without a restart (at most one
// check per second per process): a key added is usable on the next request after that
// second, a key deleted or retired stops verifying.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { startHttpd, request, sleep } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

const CHECK_WAIT_MS = 1600;   // > the one-second check interval, plus a margin
const TRIES = 6;              // requests per step: they may land on different children

describe('secrets file hot reload', () => {
  let keys; let srv; let file; let startPid;
  const k1 = { kid: 'k1', alg: 'HS256', k: crypto.randomBytes(32) };
  const k2 = { kid: 'k2', alg: 'HS384', k: crypto.randomBytes(48) };
  const k3 = { kid: 'k3', alg: 'HS512', k: crypto.randomBytes(64) };

  before(async () => {
    keys = generateKeys({ only: [] });
    file = writeSecretsFile(`${keys.dir}/secrets.jwks`, [k1]);
    srv = await startHttpd({
      name: 'secrets',
      conf: F.location('/hs', 'hs', `  AuthJWTSecretsFile "${file}"\n  Require valid-user`)
        + F.location('/hs2', 'hs2', `  AuthJWTSecretsFile "${file}"\n  Require valid-user`),
    });
    startPid = srv.pid;
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const tok = (s, extra) => T.jwtSign({ alg: s.alg, key: s.k, header: { kid: s.kid }, payload: T.claims(extra) });
  async function expectAll(s, ok) {
    for (let i = 0; i < TRIES; i++) {
      const t = tok(s, { n: i });
      const res = await request(srv.base, '/hs/ok.txt', { headers: F.bearer(t) });
      if (ok) A.expectOk(res); else A.expectInvalidToken(res, 'hs', t);
    }
  }

  // Sequential requests may all land on one child; a child that served none since the last
  // change has not looked at the file yet. Parallel bursts wider than ThreadsPerChild reach
  // every child, so each has re-read the file before the next step depends on it.
  async function reachEveryChild(s) {
    for (let round = 0; round < 3; round++) {
      const res = await Promise.all(Array.from({ length: 24 }, (_, i) =>
        request(srv.base, '/hs/ok.txt', { headers: F.bearer(tok(s, { n: 100 + i })) })));
      res.forEach((r) => A.expectOk(r));
    }
  }

  test('the secret present at start verifies; an unknown one does not', async () => {
    await expectAll(k1, true);
    await expectAll(k2, false);
  });

  test('adding a key: usable after the per-second check, without restart', async () => {
    writeSecretsFile(file, [k1, { ...k2, status: 'verify' }]);
    await sleep(CHECK_WAIT_MS);
    await expectAll(k2, true);
    await expectAll(k1, true);
  });

  test('a second location reading the same file sees the same change', async () => {
    for (let i = 0; i < TRIES; i++) A.expectOk(await request(srv.base, '/hs2/ok.txt', { headers: F.bearer(tok(k2, { n: i })) }));
  });

  test('replacing the file again (new active key, k1 verify-only)', async () => {
    writeSecretsFile(file, [{ ...k1, status: 'verify' }, { ...k2, status: 'verify' }, k3]);
    await sleep(CHECK_WAIT_MS);
    await expectAll(k3, true);
    await expectAll(k1, true);
  });

  test('deleting a key: refused after the per-second check', async () => {
    writeSecretsFile(file, [{ ...k1, status: 'verify' }, k3]);
    await sleep(CHECK_WAIT_MS);
    await expectAll(k2, false);
    await expectAll(k3, true);
  });

  test('retiring a key: it verifies nothing', async () => {
    writeSecretsFile(file, [{ ...k1, status: 'retired' }, k3]);
    await sleep(CHECK_WAIT_MS);
    await expectAll(k1, false);
    await expectAll(k3, true);
  });

  const k3bRef = { ...k3, k: crypto.randomBytes(64) };
  const k3b = () => k3bRef;
  const k4Ref = { kid: 'k4', alg: 'HS256', k: crypto.randomBytes(32) };

  test('a secret re-used under the same kid with new bytes: old bytes refused, new accepted', async () => {
    const k3b = k3bRef;
    const old = tok(k3);
    writeSecretsFile(file, [k3b]);
    await sleep(CHECK_WAIT_MS);
    A.expectInvalidToken(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(old) }), 'hs', old);
    await expectAll(k3b, true);
  });

  test('a broken file keeps the last good keys (logged with the path); fixing it reloads', async () => {
    const k4 = k4Ref;
    const good = tok(k3b());
    await reachEveryChild(k3b());
    fs.writeFileSync(`${file}.tmp`, '{"keys": [ this is not JSON', { mode: 0o644 });
    fs.renameSync(`${file}.tmp`, file);
    await sleep(CHECK_WAIT_MS);
    A.expectOk(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(good) }));
    await expectAll(k3b(), true);
    const log = srv.errorLog();
    assert.match(log, new RegExp(`AH-JWT-\\d+: AuthJWTSecretsFile ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed but cannot be loaded`));
    writeSecretsFile(file, [k4]);
    await sleep(CHECK_WAIT_MS);
    await expectAll(k4, true);
    await expectAll(k3b(), false);
  });

  test('no stat storm: at most about one stat of the file per second per process', async (t) => {
    if (spawnSync('strace', ['-V']).status !== 0) return t.skip('strace not installed');
    const kids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try { return /^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))[1] === String(srv.pid); } catch (_) { return false; }
    });
    assert.ok(kids.length >= 1, 'no httpd children found');
    const out = path.join(keys.dir, 'strace.out');
    const tracer = spawn('strace', ['-f', '-e', 'trace=%%stat', '-o', out, ...kids.flatMap((k) => ['-p', k])],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`strace did not attach: ${said}`)), 10000);
      tracer.stderr.on('data', (d) => {
        said += d;
        // each pid attached, or gone (an idle child the MPM just retired)
        if (kids.every((k) => new RegExp(`Process ${k} attached|\\b${k}\\): No such process`).test(said))) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await sleep(200);
    const k4tok = tok(k4Ref);
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < 2500) {
      await Promise.all(Array.from({ length: 10 }, () => request(srv.base, '/hs/ok.txt', { headers: F.bearer(k4tok) })
        .then((res) => { A.expectOk(res); n++; })));
    }
    const secs = (Date.now() - t0) / 1000;
    tracer.kill('SIGINT');
    await new Promise((r) => tracer.once('exit', r));
    const stats = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l.includes(file)).length;
    // every process may check once per second, plus one at each end of the window
    const bound = kids.length * (Math.ceil(secs) + 2);
    t.diagnostic(`${stats} stats of the secrets file for ${n} requests in ${secs.toFixed(1)} s over ${kids.length} processes (bound ${bound})`);
    assert.ok(n >= 100, `only ${n} requests made`);
    assert.ok(stats <= bound, `${stats} stats of the secrets file for ${n} requests in ${secs}s over ${kids.length} processes (bound ${bound})`);
    assert.ok(stats >= 1, 'the file was never checked during the window (strace saw nothing)');
  });

  test('no restart happened, no child crashed, no secret logged', () => {
    assert.equal(srv.pid, startPid);
    const log = srv.errorLog();
    assert.equal((log.match(/resuming normal operations/g) || []).length, 1, 'httpd restarted');
    assert.doesNotMatch(log, /exit signal|Segmentation fault/);
    for (const s of [k1, k2, k3, k3bRef, k4Ref]) {
      assert.ok(!log.includes(s.k.toString('base64url')) && !log.includes(s.k.toString('hex')), `secret ${s.kid} in the log`);
    }
  });
});
