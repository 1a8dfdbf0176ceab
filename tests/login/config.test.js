'use strict';
/* Configuration of the login feature: `apache2 -t` refuses each wrong setting with its exact
 * message and line; settings that can only fail at request time answer 500 server_error. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { configtest, startHttpd } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile } = require('../integration/lib/keys');
const L = require('./lib/login');

let keys; let userFile; let secrets;

test.before(() => {
  keys = generateKeys({ only: ['rsa', 'ec256'] });
  userFile = L.makeUsers(keys.dir, [{ user: 'ada', password: 'Ada-Config-Pw-1', hash: 'B' }]);
  secrets = writeSecretsFile(`${keys.dir}/s.jwks`, [{ kid: 'h1', alg: 'HS256', k: keys.hmac.hs256 }]);
});
test.after(() => keys && keys.cleanup());

/* Fails with `message` reported for the line holding `needle`. */
async function refused(conf, needle, message, modules = ['authn_file']) {
  const r = await configtest(conf, { modules, name: 'login-ct' });
  assert.equal(r.code, 1, r.output);
  assert.ok(r.output.includes(`Syntax error on line ${r.lineOf(needle)} of`), r.output);
  assert.ok(r.output.includes(message), `expected "${message}" in:\n${r.output}`);
}

const loc = (...lines) => ['<Location /auth/login>', ...lines.map((l) => `  ${l}`), '</Location>'].join('\n');

test('AuthJWTProvider: unknown provider, or its module not loaded before the line', async () => {
  await refused(loc('AuthJWTProvider nosuch'), 'AuthJWTProvider nosuch',
    "AuthJWTProvider: unknown authn provider 'nosuch' (is mod_authn_nosuch loaded before this line?)");
  await refused(loc('AuthJWTProvider file'), 'AuthJWTProvider file',
    "AuthJWTProvider: unknown authn provider 'file' (is mod_authn_file loaded before this line?)", []);
});

test('AuthJWTSigningKey: public key, HMAC raw file, unknown option, secrets= with an option', async () => {
  await refused(loc(`AuthJWTSigningKey ${keys.rsa.pubPath}`), 'AuthJWTSigningKey',
    `AuthJWTSigningKey ${keys.rsa.pubPath}: not a private key`);
  await refused(loc(`AuthJWTSigningKey ${keys.rsa.privPath} foo=x`), 'AuthJWTSigningKey',
    `AuthJWTSigningKey ${keys.rsa.privPath}: unknown option 'foo=x' (expected kid=ID)`);
  await refused(loc(`AuthJWTSigningKey secrets=${secrets} kid=x`), 'AuthJWTSigningKey',
    'AuthJWTSigningKey secrets=PATH takes no further option');
});

test('AuthJWTSigningKey secrets=: a file with no key to sign with is refused, saying to mark one active', async () => {
  const fs = require('node:fs');
  const plain = (name, keysOf) => {
    const p = `${keys.dir}/${name}`;
    fs.writeFileSync(p, JSON.stringify({ keys: keysOf }), { mode: 0o644 });
    return p;
  };
  const k = (kid, extra = {}) => ({ kty: 'oct', kid, k: keys.hmac.hs256.toString('base64url'), ...extra });
  const two = plain('two-plain.jwks', [k('a'), k('b')]);
  await refused(loc(`AuthJWTSigningKey secrets=${two}`), 'AuthJWTSigningKey',
    `AuthJWTSigningKey ${two}: no key to sign with: 2 keys and none marked "status":"active" (mark one "active")`);
  const verifyOnly = plain('verify-only.jwks', [k('v', { status: 'verify' })]);
  await refused(loc(`AuthJWTSigningKey secrets=${verifyOnly}`), 'AuthJWTSigningKey',
    `AuthJWTSigningKey ${verifyOnly}: no key to sign with: 1 key and none marked "status":"active" (mark one "active")`);
  const empty = plain('empty.jwks', []);
  await refused(loc(`AuthJWTSigningKey secrets=${empty}`), 'AuthJWTSigningKey',
    `AuthJWTSigningKey ${empty}: no key to sign with (the file holds no key)`);
  // the signer must be able to sign AuthJWTSigningAlgorithm, in either directive order
  const short = plain('short-signer.jwks', [k('s32')]);
  await refused(loc(`AuthJWTSigningKey secrets=${short}`, 'AuthJWTSigningAlgorithm HS512'), 'AuthJWTSigningAlgorithm',
    `AuthJWTSigningAlgorithm HS512: the signing key of the secrets file ${short} (kid s32) cannot sign HS512`);
  await refused(loc('AuthJWTSigningAlgorithm HS384', `AuthJWTSigningKey secrets=${short}`), 'AuthJWTSigningKey',
    `AuthJWTSigningAlgorithm HS384: the signing key of the secrets file ${short} (kid s32) cannot sign HS384`);
  const bound = plain('bound-signer.jwks', [{ ...k('b'), k: keys.hmac.hs512.toString('base64url'), alg: 'HS256' }]);
  await refused(loc(`AuthJWTSigningKey secrets=${bound}`, 'AuthJWTSigningAlgorithm HS512'), 'AuthJWTSigningAlgorithm',
    `AuthJWTSigningAlgorithm HS512: the signing key of the secrets file ${bound} (kid b) cannot sign HS512`);
  // the only key, or the one marked active: accepted
  for (const ok of [plain('one-plain.jwks', [k('a')]), plain('two-one-active.jwks', [k('a'), k('b', { status: 'active' })])]) {
    const r = await configtest(loc('AuthJWTProvider file', `AuthUserFile "${userFile}"`, `AuthJWTSigningKey secrets=${ok}`),
      { modules: ['authn_file'], name: 'login-ct' });
    assert.equal(r.code, 0, r.output);
  }
});

test('AuthJWTSigningAlgorithm must suit the key of the section, in either order', async () => {
  await refused(loc(`AuthJWTSigningKey ${keys.rsa.privPath}`, 'AuthJWTSigningAlgorithm ES256'),
    'AuthJWTSigningAlgorithm', 'AuthJWTSigningAlgorithm ES256: the signing key of this section cannot sign ES256');
  await refused(loc('AuthJWTSigningAlgorithm ES256', `AuthJWTSigningKey ${keys.rsa.privPath}`),
    'AuthJWTSigningKey', `AuthJWTSigningKey ${keys.rsa.privPath}: the key cannot sign ES256`);
  await refused(loc('AuthJWTSigningAlgorithm none'), 'AuthJWTSigningAlgorithm',
    'AuthJWTSigningAlgorithm: algorithm "none" is never accepted');
  // a secrets file holds HMAC secrets only
  await refused(loc(`AuthJWTSigningKey secrets=${secrets}`, 'AuthJWTSigningAlgorithm RS256'),
    'AuthJWTSigningAlgorithm', 'AuthJWTSigningAlgorithm RS256: the signing key of this section is a secrets file: use HS256, HS384 or HS512');
  await refused(loc('AuthJWTSigningAlgorithm ES256', `AuthJWTSigningKey secrets=${secrets}`),
    'AuthJWTSigningKey', `AuthJWTSigningKey secrets=${secrets}: a secrets file signs with HS256, HS384 or HS512, not ES256`);
});

test('AuthJWTTokenLifetime, AuthJWTGroupFile, AuthJWTDelivery refusals', async () => {
  await refused(loc('AuthJWTTokenLifetime 0'), 'AuthJWTTokenLifetime',
    'AuthJWTTokenLifetime: 0 is out of range [1, 2592000] seconds');
  await refused(loc('AuthJWTTokenLifetime 2592001'), 'AuthJWTTokenLifetime',
    'AuthJWTTokenLifetime: 2592001 is out of range [1, 2592000] seconds');
  await refused(loc('AuthJWTGroupFile /nonexistent/groups'), 'AuthJWTGroupFile',
    'AuthJWTGroupFile /nonexistent/groups: not a readable file');
  await refused(loc('AuthJWTDelivery cookie "a b"'), 'AuthJWTDelivery', "AuthJWTDelivery: 'a b' is not a valid cookie name");
  await refused(loc('AuthJWTDelivery cookie'), 'AuthJWTDelivery', "AuthJWTDelivery: expected 'json' or 'cookie NAME [prefix=off] [encrypt]'");
  await refused(loc('AuthJWTDelivery json x'), 'AuthJWTDelivery', "AuthJWTDelivery: expected 'json' or 'cookie NAME [prefix=off] [encrypt]'");
  await refused(loc('AuthJWTDelivery cookie tok prefix=on'), 'AuthJWTDelivery', "AuthJWTDelivery: expected 'json' or 'cookie NAME [prefix=off] [encrypt]'");
  await refused(loc('AuthJWTDelivery json prefix=off'), 'AuthJWTDelivery', "AuthJWTDelivery: expected 'json' or 'cookie NAME [prefix=off] [encrypt]'");
});

test('a good configuration passes apache2 -t', async () => {
  const conf = L.loginLocation('/auth/login', { keyLine: `${keys.ec256.privPath} kid=signer-1`, alg: 'ES256',
    userFile, lifetime: 60, delivery: 'cookie tok' });
  const r = await configtest(conf, { modules: ['authn_file'], name: 'login-ct' });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Syntax OK/);
});

test('request-time failures: no signing key, alg from a parent section the key cannot sign -> 500', async () => {
  const conf = [
    loc('SetHandler jwt-login-handler', 'AuthJWTProvider file', `AuthUserFile "${userFile}"`),
    // the parent's alg and the child's key are only combined per request
    '<Location /p>', '  AuthJWTSigningAlgorithm ES256', '</Location>',
    L.loginLocation('/p/login', { keyLine: keys.rsa.privPath, userFile }),
  ].join('\n');
  const srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-rt' });
  try {
    const cred = { username: 'ada', password: 'Ada-Config-Pw-1' };
    L.expectLoginRefused(await L.postJson(srv.base, '/auth/login', cred), 500, 'server_error', 'login is not configured');
    assert.match(srv.errorLog(), /AH-JWT-0601: jwt-login-handler at \/auth\/login needs AuthJWTProvider and AuthJWTSigningKey/);
    L.expectLoginRefused(await L.postJson(srv.base, '/p/login', cred), 500, 'server_error', 'cannot issue a token');
    assert.match(srv.errorLog(), /AH-JWT-0604: login at \/p\/login: cannot issue a token: the signing key cannot sign ES256/);
  } finally {
    await srv.stop();
  }
});
