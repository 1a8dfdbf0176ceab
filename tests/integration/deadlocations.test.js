'use strict';
// configtest catches a location that can never work (issue 23): AuthType jwt without any key
// source; key sources with no key for any allowed algorithm; a secrets file that httpd's User
// (www-data, the children that re-read it) cannot read. Each fails `apache2 -t` naming the
// file, the line and the fix; where a later change could bring a usable key (a secrets file
// the admin page may add an HMAC secret to, a JWKS URL) it is a warning and configtest passes.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { configtest, IS_ROOT } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');

describe('configtest: dead locations', () => {
  let keys;
  before(() => { keys = generateKeys({ only: ['rsa', 'ec256'] }); });
  after(() => keys?.cleanup());

  function namesLine(r, needle) {
    const line = r.lineOf(needle);
    assert.ok(r.output.includes(`line ${line} of ${r.confPath}`), `line ${line} of the config not named:\n${r.output}`);
  }

  test('AuthType jwt with no key source fails, naming the section, its line and the JWKS options', async () => {
    const r = await configtest('<Location /nokeys>\n  AuthType jwt\n  AuthName nokeys\n  Require valid-user\n</Location>', { name: 'dead' });
    assert.notEqual(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /Syntax OK/);
    assert.match(r.output, /AH-JWT-0151: <Location \/nokeys> .*AuthType jwt without a key source/);
    assert.match(r.output, /AuthJWTKeyFile, AuthJWTSecretsFile, AuthJWTJWKSURL or AuthJWTIssuerDiscovery/);
    namesLine(r, '<Location /nokeys>');
  });

  test('keys inherited from an enclosing location count; a sibling without them does not', async () => {
    const ok = await configtest(`<Location /api>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  Require valid-user\n</Location>\n`
      + '<Location /api/admin>\n  AuthzSendForbiddenOnFailure On\n  Require jwt-claim role=admin\n</Location>', { name: 'dead-nest' });
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /Syntax OK/);
    const bad = await configtest(`<Location /api>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  Require valid-user\n</Location>\n`
      + '<Location /apiary>\n  AuthType jwt\n  Require valid-user\n</Location>', { name: 'dead-sibling' });
    assert.notEqual(bad.code, 0, bad.output);
    assert.match(bad.output, /<Location \/apiary> .*without a key source/);
  });

  // review of issue 22: every section kind is walked, not only <Location> and <Directory>
  for (const [label, open, close] of [
    ['<Files>', '<Files "api.json">', '</Files>'],
    ['<FilesMatch>', '<FilesMatch "\\.api$">', '</FilesMatch>'],
    ['<LocationMatch>', '<LocationMatch "^/re/">', '</LocationMatch>'],
    ['<DirectoryMatch>', '<DirectoryMatch "^/srv/re">', '</DirectoryMatch>'],
    ['<If>', '<If "%{REQUEST_URI} =~ m#^/cond/#">', '</If>'],
  ]) {
    test(`AuthType jwt with no key source in a ${label} section fails, naming it and its line`, async () => {
      const conf = `${open}\n  AuthType jwt\n  AuthName dead\n  Require valid-user\n${close}`;
      const r = await configtest(conf, { name: 'dead-kind' });
      assert.notEqual(r.code, 0, r.output);
      assert.match(r.output, /AH-JWT-0151: <(Files|FilesMatch|LocationMatch|DirectoryMatch|If)\b.*AuthType jwt without a key source/);
      namesLine(r, open);
      const withKeys = await configtest(`${open}\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  Require valid-user\n${close}`,
        { name: 'dead-kind-ok' });
      assert.equal(withKeys.code, 0, withKeys.output);
    });
  }

  test('a <Files> section inside a <Directory> with keys inherits them; without, it fails', async () => {
    const ok = await configtest(`<Directory "/srv/api">\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  <Files "x.json">\n    AuthType jwt\n    Require valid-user\n  </Files>\n</Directory>`, { name: 'dead-files-in' });
    assert.equal(ok.code, 0, ok.output);
    const bad = await configtest('<Directory "/srv/api">\n  <Files "x.json">\n    AuthType jwt\n    Require valid-user\n  </Files>\n</Directory>', { name: 'dead-files-bare' });
    assert.notEqual(bad.code, 0, bad.output);
    assert.match(bad.output, /AH-JWT-0151: <Files x\.json> \(line \d+ of .*\).*without a key source/);
  });

  test('an EC key with AuthJWTAlgorithms HS256 fails: no key can verify an allowed algorithm', async () => {
    const r = await configtest(`<Location /ec>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec\n  AuthJWTAlgorithms HS256\n  Require valid-user\n</Location>`, { name: 'dead-alg' });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /AH-JWT-0153: <Location \/ec> .*no key of this location can verify any algorithm of AuthJWTAlgorithms HS256 \(keys: kid ec \(ES256\)\)/);
    assert.match(r.output, /Fix: allow the keys' algorithms in AuthJWTAlgorithms/);
    namesLine(r, '<Location /ec>');
  });

  test('control: the same EC key with ES256 allowed passes', async () => {
    const r = await configtest(`<Location /ec>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec\n  AuthJWTAlgorithms ES256 HS256\n  Require valid-user\n</Location>`, { name: 'dead-alg-ok' });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /AH-JWT-015/);
  });

  test('an empty secrets file (HMAC allowed) only warns: the admin page may add a secret', async () => {
    const f = writeSecretsFile(path.join(keys.dir, 'empty.jwks'), []);
    const r = await configtest(`<Location /hs>\n  AuthType jwt\n  AuthJWTSecretsFile "${f}"\n  AuthJWTAlgorithms HS256\n  Require valid-user\n</Location>`, { name: 'dead-empty' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /AH-JWT-0152: <Location \/hs> .*no key yet verifies AuthJWTAlgorithms HS256/);
  });

  test('a secrets file with only RS256 allowed fails: HMAC secrets can never verify RS256', async () => {
    const f = writeSecretsFile(path.join(keys.dir, 'hs.jwks'), [{ kid: 'h', alg: 'HS256', k: keys.hmac.hs256 }]);
    const r = await configtest(`<Location /rs>\n  AuthType jwt\n  AuthJWTSecretsFile "${f}"\n  AuthJWTAlgorithms RS256\n  Require valid-user\n</Location>`, { name: 'dead-rs' });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /AH-JWT-0153: <Location \/rs> .*AuthJWTAlgorithms RS256 \(keys: kid h \(HS256\)\)/);
  });

  test('a JWKS-only location passes (its keys are known once fetched)', async () => {
    const r = await configtest('<Location /remote>\n  AuthType jwt\n  AuthJWTJWKSURL https://idp.invalid/jwks.json\n  AuthJWTAlgorithms ES256\n  Require valid-user\n</Location>',
      { name: 'dead-jwks', modules: ['socache_shmcb'] });
    assert.equal(r.code, 0, r.output);
  });

  test('a secrets file www-data cannot read (root 0600) fails, naming it, its line and the fix', { skip: !IS_ROOT && 'needs root (User www-data)' }, async () => {
    const f = writeSecretsFile(path.join(keys.dir, 'private.jwks'), [{ kid: 'h', alg: 'HS256', k: keys.hmac.hs256 }]);
    fs.chownSync(f, 0, 0);
    fs.chmodSync(f, 0o600);
    const r = await configtest(`<Location /priv>\n  AuthType jwt\n  AuthJWTSecretsFile "${f}"\n  Require valid-user\n</Location>`, { name: 'dead-perm' });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`AH-JWT-0154: AuthJWTSecretsFile ${f.replace(/[.]/g, '\\.')} \\(line ${r.lineOf('private.jwks')} of ${r.confPath.replace(/[.]/g, '\\.')}\\): httpd's User www-data cannot read it \\(the file ${f.replace(/[.]/g, '\\.')} is owned by uid 0 gid 0, mode 0600\\)`));
    assert.match(r.output, /Fix: chgrp www-data .*private\.jwks; chmod 0640/);
    // control: group www-data, 0640 passes
    fs.chownSync(f, 0, 33);
    fs.chmodSync(f, 0o640);
    const ok = await configtest(`<Location /priv>\n  AuthType jwt\n  AuthJWTSecretsFile "${f}"\n  Require valid-user\n</Location>`, { name: 'dead-perm-ok' });
    assert.equal(ok.code, 0, ok.output);
  });
});
