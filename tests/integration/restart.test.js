'use strict';
// Key rotation by configuration: replace the key file and gracefully restart httpd (what
// `apachectl graceful` does); the new key verifies, the old one no longer does, and requests
// keep being answered. Also: a restart with a broken key file keeps the old server running.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('graceful restart with a rotated key file', () => {
  let keys; let srv; let keyFile; let conf;
  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256', 'rsa1024'] });
    keyFile = `${keys.dir}/current.pem`;
    fs.copyFileSync(keys.rsa.pubPath, keyFile);
    fs.chmodSync(keyFile, 0o644);
    conf = F.location('/api', 'api', `  AuthJWTKeyFile "${keyFile}" kid=current\n  Require valid-user`);
    srv = await startHttpd({ name: 'restart', conf });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const rsTok = () => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'current' } });
  const esTok = () => T.jwtSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'current' } });
  const get = (t) => request(srv.base, '/api/ok.txt', { headers: F.bearer(t) });

  test('before: the RSA key verifies, the EC key does not', async () => {
    A.expectOk(await get(rsTok()));
    const t = esTok();
    A.expectInvalidToken(await get(t), 'api', t);
  });

  test('after replacing the file and a graceful restart: the EC key verifies, the RSA key does not', async () => {
    fs.copyFileSync(keys.ec256.pubPath, keyFile);
    await srv.restart();
    A.expectOk(await get(esTok()));
    const t = rsTok();
    A.expectInvalidToken(await get(t), 'api', t);
  });

  test('a weak replacement key (RSA-1024) is caught by configtest before any restart; the server keeps answering', async () => {
    // httpd re-reads the config on restart; an error there makes the parent exit, so the
    // supported path is `apachectl configtest` first. The configtest must refuse it.
    const { configtest } = require('./lib/httpd');
    fs.copyFileSync(keys.rsa1024.pubPath, `${keys.dir}/weak.pem`);
    const r = await configtest(F.location('/api', 'api', `  AuthJWTKeyFile "${keys.dir}/weak.pem" kid=current\n  Require valid-user`));
    assert.notEqual(r.code, 0);
    assert.match(r.output, /1024 bits is below the 2048-bit minimum/);
    A.expectOk(await get(esTok()));
  });

  test('no child crashed across restarts', () => {
    const log = srv.errorLog();
    assert.equal((log.match(/resuming normal operations/g) || []).length, 2);
    assert.doesNotMatch(log, /exit signal|Segmentation fault/);
  });
});
