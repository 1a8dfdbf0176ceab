'use strict';
// The admin-managed secrets file is re-read when it changes, without a restart (at most one
// check per second per process): a key added is usable on the next request after that
// second, a key deleted or retired stops verifying.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
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
      conf: F.location('/hs', 'hs', `  AuthJWTSecretsFile "${file}"\n  Require valid-user`),
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

  test('a secret re-used under the same kid with new bytes: old bytes refused, new accepted', async () => {
    const k3b = { ...k3, k: crypto.randomBytes(64) };
    const old = tok(k3);
    writeSecretsFile(file, [k3b]);
    await sleep(CHECK_WAIT_MS);
    A.expectInvalidToken(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(old) }), 'hs', old);
    await expectAll(k3b, true);
  });

  test('no restart happened, no child crashed, no secret logged', () => {
    assert.equal(srv.pid, startPid);
    const log = srv.errorLog();
    assert.equal((log.match(/resuming normal operations/g) || []).length, 1, 'httpd restarted');
    assert.doesNotMatch(log, /exit signal|Segmentation fault/);
    for (const s of [k1, k2, k3]) {
      assert.ok(!log.includes(s.k.toString('base64url')) && !log.includes(s.k.toString('hex')), `secret ${s.kid} in the log`);
    }
  });
});
