'use strict';
// Every algorithm accepted with tokens from npm jsonwebtoken and jose, keys in every file
// format the contract names (PEM public key, certificate, JWK, JWKS, HMAC secrets file),
// key selection without kid, and the AuthJWTAlgorithms allow-list.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('algorithms and key formats', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys();
    const secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, F.hmacEntries(keys));
    const jwk = keys.write('rsa-jwk.json', JSON.stringify({ ...keys.rsa.jwk, kid: 'rsa-jwk', use: 'sig' }));
    const jwks = keys.write('set.jwks', JSON.stringify({ keys: [
      { ...keys.ec256.jwk, kid: 'jwks-ec256' }, { ...keys.ed25519.jwk, kid: 'jwks-ed25519' },
      { ...keys.ec384.jwk, kid: 'jwks-ec384', alg: 'ES384' }] }));
    // PKCS#1 "RSA PUBLIC KEY", a traditional "EC PRIVATE KEY", and a JWKS with a key type
    // the module does not implement next to one it does (the unknown one is skipped).
    const pkcs1 = `${keys.dir}/rsa.pkcs1.pem`;
    execFileSync('openssl', ['rsa', '-pubin', '-in', keys.rsa.pubPath, '-RSAPublicKey_out', '-out', pkcs1], { stdio: 'ignore' });
    const ecTrad = `${keys.dir}/ec256.trad.pem`;
    execFileSync('openssl', ['ec', '-in', keys.ec256.privPath, '-out', ecTrad], { stdio: 'ignore' });
    execFileSync('chmod', ['0644', pkcs1, ecTrad]);
    const mixed = keys.write('mixed.jwks', JSON.stringify({ keys: [
      { kty: 'XYZ', kid: 'future', x: 'AAAA' }, { ...keys.ed448.jwk, kid: 'mixed-ed448' }] }));
    srv = await startHttpd({
      name: 'algorithms',
      conf: [
        F.location('/api', 'test-api', `${F.keyFileLines(keys)}\n  AuthJWTSecretsFile "${secrets}"\n  Require valid-user`),
        F.location('/formats', 'formats', `  AuthJWTKeyFile "${jwk}"\n  AuthJWTKeyFile "${jwks}"\n  AuthJWTKeyFile "${keys.rsaAttacker.privPath}" kid=from-private\n  Require valid-user`),
        F.location('/pem', 'pem', `  AuthJWTKeyFile "${pkcs1}" kid=pkcs1\n  AuthJWTKeyFile "${ecTrad}" kid=ectrad\n  AuthJWTKeyFile "${mixed}"\n  Require valid-user`),
        F.location('/nokid', 'nokid', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTKeyFile "${keys.ed448.pubPath}"\n  Require valid-user`),
        F.location('/es-only', 'es-only', `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec256\n  AuthJWTAlgorithms ES256\n  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const get = (p, token) => request(srv.base, p, { headers: F.bearer(token) });

  const ASYM = [
    ['RS256', 'rsa'], ['RS384', 'rsa'], ['RS512', 'rsa'],
    ['PS256', 'rsa'], ['PS384', 'rsa'], ['PS512', 'rsa'],
    ['ES256', 'ec256'], ['ES384', 'ec384'], ['ES512', 'ec521'],
  ];
  for (const [alg, kid] of ASYM) {
    test(`${alg} from jsonwebtoken and from jose is accepted`, async () => {
      const key = keys[kid].privateKey;
      A.expectOk(await get('/api/ok.txt', T.jwtSign({ alg, key, header: { kid } })));
      A.expectOk(await get('/api/ok.txt', await T.joseSign({ alg, key, header: { kid } })));
    });
  }
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    test(`${alg} from jsonwebtoken and jose with a secret from the secrets file is accepted`, async () => {
      const kid = alg.toLowerCase();
      const key = keys.hmac[kid];
      A.expectOk(await get('/api/ok.txt', T.jwtSign({ alg, key, header: { kid } })));
      A.expectOk(await get('/api/ok.txt', await T.joseSign({ alg, key, header: { kid } })));
    });
  }
  for (const kid of ['ed25519', 'ed448']) {
    test(`EdDSA (${kid}) from jose is accepted`, async () => {
      A.expectOk(await get('/api/ok.txt', await T.joseSign({ alg: 'EdDSA', key: keys[kid].privateKey, header: { kid } })));
    });
  }
  test('fully-specified Ed25519 and Ed448 alg names (RFC 9864) are accepted', async () => {
    A.expectOk(await get('/api/ok.txt', T.rawSign({ alg: 'Ed25519', key: keys.ed25519.privateKey, header: { alg: 'Ed25519', kid: 'ed25519' } })));
    A.expectOk(await get('/api/ok.txt', T.rawSign({ alg: 'Ed448', key: keys.ed448.privateKey, header: { alg: 'Ed448', kid: 'ed448' } })));
  });
  test('Ed25519 name with an Ed448 key is refused', async () => {
    const tok = T.rawSign({ alg: 'Ed25519', signAs: 'Ed448', key: keys.ed448.privateKey, header: { alg: 'Ed25519', kid: 'ed448' } });
    A.expectInvalidToken(await get('/api/ok.txt', tok), 'test-api', tok);
  });
  test('a key from a certificate verifies RS256 and PS256', async () => {
    const key = keys.cert.privateKey;
    A.expectOk(await get('/api/ok.txt', T.jwtSign({ alg: 'RS256', key, header: { kid: 'cert' } })));
    A.expectOk(await get('/api/ok.txt', await T.joseSign({ alg: 'PS256', key, header: { kid: 'cert' } })));
  });
  test('a key used under another kid is refused (kid pins the key)', async () => {
    const tok = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'cert' } });
    A.expectInvalidToken(await get('/api/ok.txt', tok), 'test-api', tok);
  });
  test('keys from a JWK file, a JWKS file and a private-key PEM (its public half) are used by kid', async () => {
    A.expectOk(await get('/formats/ok.txt', T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa-jwk' } })));
    A.expectOk(await get('/formats/ok.txt', await T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'jwks-ec256' } })));
    A.expectOk(await get('/formats/ok.txt', await T.joseSign({ alg: 'EdDSA', key: keys.ed25519.privateKey, header: { kid: 'jwks-ed25519' } })));
    A.expectOk(await get('/formats/ok.txt', await T.joseSign({ alg: 'ES384', key: keys.ec384.privateKey, header: { kid: 'jwks-ec384' } })));
    A.expectOk(await get('/formats/ok.txt', T.jwtSign({ alg: 'PS512', key: keys.rsaAttacker.privateKey, header: { kid: 'from-private' } })));
  });
  test('PKCS#1 RSA public key, traditional EC private key, JWKS with an unknown kty skipped', async () => {
    A.expectOk(await get('/pem/ok.txt', T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'pkcs1' } })));
    A.expectOk(await get('/pem/ok.txt', T.jwtSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'ectrad' } })));
    A.expectOk(await get('/pem/ok.txt', await T.joseSign({ alg: 'EdDSA', key: keys.ed448.privateKey, header: { kid: 'mixed-ed448' } })));
    const t = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'future' } });
    A.expectInvalidToken(await get('/pem/ok.txt', t), 'pem', t, 'unknown_kid');
  });

  test('JWK "alg" member narrows the key: ES384-only key refuses a P-384 signature labelled otherwise', async () => {
    // An ES512 label with the P-384 key: wrong alg for the key.
    const tok = T.rawSign({ alg: 'ES512', signAs: 'ES384', key: keys.ec384.privateKey, header: { alg: 'ES512', kid: 'jwks-ec384' } });
    A.expectInvalidToken(await get('/formats/ok.txt', tok), 'formats', tok);
  });
  test('without kid a key is chosen by algorithm', async () => {
    A.expectOk(await get('/nokid/ok.txt', T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey })));
    A.expectOk(await get('/nokid/ok.txt', await T.joseSign({ alg: 'EdDSA', key: keys.ed448.privateKey })));
    const other = T.jwtSign({ alg: 'RS256', key: keys.rsaAttacker.privateKey });
    A.expectInvalidToken(await get('/nokid/ok.txt', other), 'nokid', other);
  });
  test('AuthJWTAlgorithms ES256: ES256 passes, a valid RS256 token is refused', async () => {
    A.expectOk(await get('/es-only/ok.txt', await T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'ec256' } })));
    const rs = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' } });
    A.expectInvalidToken(await get('/es-only/ok.txt', rs), 'es-only', rs, 'alg_not_allowed');
  });
  test('the error log holds no token and no secret', async () => {
    const log = srv.errorLog();
    for (const s of Object.values(keys.hmac)) {
      assert.ok(!log.includes(s.toString('base64url')) && !log.includes(s.toString('hex')), 'secret in error log');
    }
    const rs = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'nope' } });
    await get('/api/ok.txt', rs);
    assert.ok(!srv.errorLog().includes(T.split(rs)[2]), 'token signature in error log');
    assert.doesNotMatch(srv.errorLog(), /exit signal|Segmentation/);
  });
});
