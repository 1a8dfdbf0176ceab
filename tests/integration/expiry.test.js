'use strict';
// Expiry warnings (issue 26): configtest, each start and the parent's daily check warn
// about a configured certificate that expires within 30 days (X.509 notAfter of a PEM key
// file, or the x5c of a JWK Set) and about a secret older than AuthJWTSecretsRotationAge.
// The certificates are made by the openssl CLI, the expected dates by node's X509Certificate.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startHttpd, configtest } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const F = require('./lib/fixture');

function makeCert(dir, name, days) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`],
  { stdio: 'ignore' });
  fs.chmodSync(cert, 0o644);
  return { cert, x509: new crypto.X509Certificate(fs.readFileSync(cert)) };
}

const day = (d) => d.toISOString().slice(0, 10);

describe('expiry warnings: certificates and secrets', () => {
  let keys; let soon; let later; let x5cFile; let secrets; let srv;
  const now = Math.floor(Date.now() / 1000);
  before(async () => {
    keys = generateKeys({ only: [] });
    soon = makeCert(keys.dir, 'soon', 10);
    later = makeCert(keys.dir, 'later', 365);
    const x5cCert = makeCert(keys.dir, 'x5c-soon', 20);
    const jwk = x5cCert.x509.publicKey.export({ format: 'jwk' });
    x5cFile = keys.write('x5c.jwks', JSON.stringify({
      keys: [{ ...jwk, kid: 'x5c', alg: 'ES256', x5c: [x5cCert.x509.raw.toString('base64')] }],
    }));
    secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, [
      { kid: 'old', alg: 'HS256', k: crypto.randomBytes(32), status: 'active', created: now - 100 * 86400 },
      { kid: 'new', alg: 'HS256', k: crypto.randomBytes(32), status: 'verify', created: now - 5 * 86400 },
    ]);
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const loc = (lines) => F.location('/api', 'api', `${lines}\n  Require valid-user`);

  test('configtest: a certificate expiring in 10 days is named with its file and date; it is a warning, not an error', async () => {
    const r = await configtest(loc(`  AuthJWTKeyFile "${soon.cert}" kid=soon\n  AuthJWTKeyFile "${later.cert}" kid=later`));
    assert.equal(r.code, 0, r.output);
    const want = day(new Date(soon.x509.validTo));
    assert.match(r.output, new RegExp(`AH-JWT-1210: AuthJWTKeyFile ${soon.cert}: certificate CN=soon expires on ${want} \\d\\d:\\d\\d UTC \\(in (9|10) days\\); renew it`));
    assert.doesNotMatch(r.output, /CN=later/);          // 365 days: no warning
    assert.match(r.output, /Syntax OK/);
  });

  test('configtest: the x5c of a JWK Set key file is checked too', async () => {
    const r = await configtest(loc(`  AuthJWTKeyFile "${x5cFile}"`));
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`AH-JWT-1210: AuthJWTKeyFile ${x5cFile}: certificate CN=x5c-soon expires on .* \\(in (19|20) days\\)`));
  });

  test('configtest: a secret older than AuthJWTSecretsRotationAge, only with the directive, only the old one', async () => {
    let r = await configtest(`AuthJWTSecretsRotationAge 90\n${loc(`  AuthJWTSecretsFile "${secrets}"`)}`);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`AH-JWT-1212: AuthJWTSecretsFile ${secrets}: secret kid old was created 100 days ago .*over AuthJWTSecretsRotationAge 90; rotate it`));
    assert.doesNotMatch(r.output, /kid "?new"?/);
    r = await configtest(`AuthJWTSecretsRotationAge 120\n${loc(`  AuthJWTSecretsFile "${secrets}"`)}`);
    assert.doesNotMatch(r.output, /AH-JWT-1212/);
    r = await configtest(loc(`  AuthJWTSecretsFile "${secrets}"`));
    assert.doesNotMatch(r.output, /AH-JWT-1212/);       // no rotation age: no opinion
  });

  test('AuthJWTSecretsRotationAge refuses a bad value, naming the line', async () => {
    const r = await configtest('AuthJWTSecretsRotationAge soon\n');
    assert.notEqual(r.code, 0);
    assert.match(r.output, new RegExp(`line ${r.lineOf('AuthJWTSecretsRotationAge soon')} of [\\s\\S]*AuthJWTSecretsRotationAge: 'soon' is not a number of days`));
  });

  test('the running server: the parent\'s first daily check writes the warnings into the error log', async () => {
    srv = await startHttpd({ name: 'expiry', conf: `AuthJWTSecretsRotationAge 90\n${loc(`  AuthJWTKeyFile "${soon.cert}" kid=soon\n  AuthJWTSecretsFile "${secrets}"`)}` });
    // the MPM runs its monitor hook about every ten seconds
    for (let i = 0; i < 250 && !/AH-JWT-1212/.test(srv.errorLog()); i++) await new Promise((r) => setTimeout(r, 100));
    const log = srv.errorLog();
    assert.match(log, /\[auth_jwt:warn\].*AH-JWT-1210: AuthJWTKeyFile .*soon\.pem: certificate CN=soon expires on/);
    assert.match(log, /\[auth_jwt:warn\].*AH-JWT-1212: AuthJWTSecretsFile .*secrets\.jwks: secret kid old/);
    assert.equal((log.match(/AH-JWT-1210/g) || []).length, 1, 'once, not every second');
  });
});
