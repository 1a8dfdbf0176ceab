'use strict';
// Self-test of the shared harness (lib/httpd.js, lib/keys.js, lib/tokens.js): other suites
// rely on it, so it must start and stop exactly its own server and report config errors.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHttpd, configtest, request, parseEnv, stage, IS_ROOT } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');

test('httpd starts with mod_auth_jwt loaded, serves ok.txt and env.cgi, and stops', async () => {
  const srv = await startHttpd({ name: 'harness', conf: '' });
  try {
    A.expectOk(await request(srv.base, '/anything/ok.txt'));
    const res = await request(srv.base, '/x/env.cgi', { headers: { 'X-Probe': 'p1' } });
    assert.equal(res.status, 200);
    const env = parseEnv(res.body);
    assert.equal(env.HTTP_X_PROBE, 'p1');
    assert.equal(env.SERVER_PORT, String(srv.port));
    assert.match(srv.confText, /LoadModule auth_jwt_module .*mod_auth_jwt\.so/);
    assert.match(srv.confText, new RegExp(`LoadModule mpm_${process.env.MPM || 'event'}_module`));
    assert.match(srv.errorLog(), /resuming normal operations/);
    await srv.restart();
    A.expectOk(await request(srv.base, '/ok.txt'));
  } finally {
    await srv.stop();
  }
  assert.equal(fs.existsSync(srv.dir), false);
  const refused = await new Promise((resolve) => {
    const s = net.connect({ port: srv.port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
  assert.equal(refused, true, 'port still answers after stop()');
});

test('configtest reports the file and line of a bad directive', async () => {
  const r = await configtest('NoSuchDirective here', { name: 'harness-ct' });
  assert.notEqual(r.code, 0);
  assert.ok(r.output.includes(`line ${r.lineOf('NoSuchDirective')} of ${r.confPath}`), r.output);
  const ok = await configtest('');
  assert.equal(ok.code, 0, ok.output);
  assert.match(ok.output, /Syntax OK/);
});

test('keys and tokens: jose and jsonwebtoken tokens verify with the generated keys', async () => {
  const keys = generateKeys({ only: ['rsa', 'ec256', 'ed25519'] });
  try {
    assert.equal(keys.rsa.bits, 2048);
    assert.equal(keys.hmac.hs256.length, 32);
    assert.equal(keys.hmac.short6.length, 6);
    for (const [alg, k] of [['RS256', keys.rsa], ['ES256', keys.ec256], ['EdDSA', keys.ed25519]]) {
      const tok = await T.joseSign({ alg, key: k.privateKey });
      await T.jose.jwtVerify(tok, k.publicKey);
      const raw = T.rawSign({ alg, key: k.privateKey });
      await T.jose.jwtVerify(raw, k.publicKey);
      await assert.rejects(T.jose.jwtVerify(T.tamperSignature(raw), k.publicKey));
    }
    const hs = T.jwtSign({ alg: 'HS256', key: keys.hmac.hs256 });
    await T.jose.jwtVerify(hs, keys.hmac.hs256);
    const f = writeSecretsFile(`${keys.dir}/secrets.jwks`, [{ kid: 'k1', alg: 'HS256', k: keys.hmac.hs256 }]);
    const jwks = JSON.parse(fs.readFileSync(f, 'utf8'));
    assert.equal(jwks.keys[0].kty, 'oct');
    assert.equal(Buffer.from(jwks.keys[0].k, 'base64url').equals(keys.hmac.hs256), true);
  } finally {
    keys.cleanup();
  }
});

test('parseChallenge reads RFC 6750 challenges', () => {
  const c = A.parseChallenge('Bearer realm="a \\"b\\"", error="invalid_token", error_description="token expired"');
  assert.deepEqual(c, { scheme: 'Bearer', params: { realm: 'a "b"', error: 'invalid_token', error_description: 'token expired' } });
  assert.throws(() => A.parseChallenge('Bearer realm="x", realm="y"'));
});

// Any checkout (issue 23): a clone under a 0700 folder. The preflight names a path www-data
// cannot reach and the fix; stage() makes a copy that httpd's children can serve.
test('preflight refuses a path under a 0700 folder; a stage() copy of it is served', { skip: !IS_ROOT && 'needs root (User www-data)' }, async () => {
  const priv = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-private-'));   // mkdtemp: 0700
  try {
    fs.mkdirSync(path.join(priv, 'site'));
    fs.writeFileSync(path.join(priv, 'site', 'hello.txt'), 'hello\n');
    fs.chmodSync(path.join(priv, 'site'), 0o755);
    const at = (dir) => `Alias /hello "${dir}"\n<Directory "${dir}">\n  Require all granted\n</Directory>`;
    await assert.rejects(startHttpd({ name: 'preflight', conf: at(path.join(priv, 'site')) }), (e) => {
      assert.match(e.message, /preflight/);
      assert.ok(e.message.includes(`cannot enter ${priv} (mode 0700`), e.message);
      assert.match(e.message, /fix: pass stage\(path\)/);
      return true;
    });
    // control: the same config without the preflight really gets 403 from httpd
    const raw = await startHttpd({ name: 'preflight-off', conf: at(path.join(priv, 'site')), preflight: false });
    try {
      assert.equal((await request(raw.base, '/hello/hello.txt')).status, 403);
    } finally { await raw.stop(); }
    const copy = stage(path.join(priv, 'site'));
    assert.equal(spawnSync('runuser', ['-u', 'www-data', '--', 'cat', path.join(copy, 'hello.txt')]).status, 0);
    const srv = await startHttpd({ name: 'staged', conf: at(copy) });
    try {
      const res = await request(srv.base, '/hello/hello.txt');
      assert.equal(res.status, 200);
      assert.equal(res.body, 'hello\n');
    } finally { await srv.stop(); }
  } finally {
    fs.rmSync(priv, { recursive: true, force: true });
  }
});
