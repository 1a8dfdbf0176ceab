'use strict';
// `apache2 -t` refuses broken configurations, each with a message that names the config file,
// the line, and what is wrong (for key files: the key file too). A good config says Syntax OK.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { configtest } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const F = require('./lib/fixture');

describe('configtest refusals', () => {
  let keys;
  before(() => { keys = generateKeys({ only: ['rsa', 'rsa1024', 'ec256'] }); });
  after(() => keys?.cleanup());

  const base = () => `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n`;
  /* Run configtest on a location whose body contains `bad`; the directive line to blame is
   * the one containing `marker`. */
  async function refused(bad, marker, reason) {
    const r = await configtest(F.location('/api', 'api', `${base()}${bad}\n  Require valid-user`), { name: 'ct' });
    assert.notEqual(r.code, 0, `configtest accepted:\n${r.output}`);
    assert.doesNotMatch(r.output, /Syntax OK/);
    const line = r.lineOf(marker);
    assert.ok(r.output.includes(r.confPath), `config file not named:\n${r.output}`);
    assert.match(r.output, new RegExp(`\\bline ${line}\\b`), `line ${line} not named:\n${r.output}`);
    if (reason) assert.match(r.output, reason, `reason not given:\n${r.output}`);
    return r.output;
  }

  test('control: a good configuration passes configtest', async () => {
    const secrets = writeSecretsFile(`${keys.dir}/good.jwks`, [{ kid: 'h', alg: 'HS256', k: keys.hmac.hs256 }]);
    const r = await configtest(F.location('/api', 'api',
      `${base()}  AuthJWTKeyFile "${keys.ec256.pubPath}"\n  AuthJWTSecretsFile "${secrets}"\n  AuthJWTAlgorithms RS256 ES256 HS256\n  AuthJWTLeeway 30\n  Require jwt-claim "email~^[a-z]+@example\\.com$" role=admin`));
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  test('an RSA-1024 key', async () => {
    const out = await refused(`  AuthJWTKeyFile "${keys.rsa1024.pubPath}"`, 'rsa1024', /RSA key of 1024 bits is below the 2048-bit minimum/);
    assert.ok(out.includes(keys.rsa1024.pubPath), out);
  });

  test('a 6-byte HMAC secret in the secrets file', async () => {
    const f = writeSecretsFile(`${keys.dir}/short.jwks`, [{ kid: 'short', alg: 'HS256', k: keys.hmac.short6 }]);
    const out = await refused(`  AuthJWTSecretsFile "${f}"`, 'short.jwks', /kid short: 6-byte secret is shorter than the 32 bytes HS256 needs/);
    assert.ok(out.includes(f), out);
  });

  test('a 6-byte HMAC secret as a JWK key file', async () => {
    const f = keys.write('short-jwk.json', JSON.stringify({ kty: 'oct', kid: 's', alg: 'HS256', k: keys.hmac.short6.toString('base64url') }));
    const out = await refused(`  AuthJWTKeyFile "${f}"`, 'short-jwk.json', /HMAC secret kid=s of 6 bytes is shorter than the 32 bytes HS256 requires/);
    assert.ok(out.includes(f), out);
  });

  test('a file that is not a key', async () => {
    const f = keys.write('notakey.txt', 'hello, I am not a key\n');
    const out = await refused(`  AuthJWTKeyFile "${f}"`, 'notakey.txt', /not a PEM key, certificate, JWK or JWKS/);
    assert.ok(out.includes(f), out);
  });

  test('a broken PEM (truncated base64)', async () => {
    const pem = keys.rsa.pubPem.split('\n');
    const f = keys.write('truncated.pem', [...pem.slice(0, 3), ...pem.slice(-2)].join('\n'));
    const out = await refused(`  AuthJWTKeyFile "${f}"`, 'truncated.pem');
    assert.ok(out.includes(f), out);
  });

  test('a missing key file', async () => {
    const f = `${keys.dir}/does-not-exist.pem`;
    const out = await refused(`  AuthJWTKeyFile "${f}"`, 'does-not-exist.pem', /cannot open key file .*No such file or directory/);
    assert.ok(out.includes(f), out);
  });

  test('AuthJWTAlgorithms none (and None, and in a list)', async () => {
    await refused('  AuthJWTAlgorithms none', 'AuthJWTAlgorithms', /AuthJWTAlgorithms: algorithm "none" is never accepted/);
    await refused('  AuthJWTAlgorithms RS256 None', 'AuthJWTAlgorithms', /none/i);
    await refused('  AuthJWTAlgorithms RS256 XS999', 'AuthJWTAlgorithms', /XS999/);
  });

  test('a non-numeric or negative leeway', async () => {
    await refused('  AuthJWTLeeway abc', 'AuthJWTLeeway', /AuthJWTLeeway: 'abc' is not a whole number of seconds/);
    await refused('  AuthJWTLeeway 60s', 'AuthJWTLeeway', /60s|leeway/i);
    await refused('  AuthJWTLeeway -5', 'AuthJWTLeeway', /-5|leeway|negative/i);
  });

  test('Require jwt-claim / jwt-claim-array / jwt-scope without arguments or with a malformed pair', async () => {
    await refused('  Require jwt-claim', 'Require jwt-claim', /Require jwt-claim needs at least one NAME=VALUE or NAME~REGEX argument/);
    await refused('  Require jwt-claim-array', 'Require jwt-claim-array', /jwt-claim-array/);
    await refused('  Require jwt-scope', 'Require jwt-scope', /jwt-scope/);
    await refused('  Require jwt-claim role', 'Require jwt-claim role', /role/);
    await refused('  Require jwt-claim =admin', 'Require jwt-claim =admin', /=admin|name/i);
  });

  test('a bad regular expression', async () => {
    await refused('  Require jwt-claim "email~([a-z"', 'email~', /Require jwt-claim: bad regular expression '\(\[a-z' for claim email/);
  });

  test('a duplicate kid in one location (names the second key line)', async () => {
    // A duplicate kid inside one location is ambiguous.
    const r = await configtest(F.location('/api', 'api',
      `${base()}  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=rsa\n  Require valid-user`));
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`\\bline ${r.lineOf('ec256.pub.pem')}\\b`), r.output);
    assert.match(r.output, /rsa/);
  });
});
