'use strict';
/* AuthJWTDelivery cookie NAME encrypt (issue 24): the login handler wraps its signed token in
 * a JWE for the login location's own decryption key (defaults: ECDH-ES+A256KW / A256GCM for
 * an EC key, RSA-OAEP-256 / A256GCM for RSA, dir / A256GCM for a 32-byte oct key), npm jose
 * decrypts it and verifies the inner token, and a protected location reading that cookie
 * with the same decryption key (AuthJWTEncryption required) lets the user in. */
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { startHttpd, configtest, request, parseEnv } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const A = require('./lib/assertions');
const L = require('../login/lib/login');

const PW = 'Dora-Jwe-Pw-4412';

describe('encrypted login cookie', () => {
  let keys; let srv; let enc; let oct; let userFile;

  before(async () => {
    keys = generateKeys({ only: ['ec256'] });
    userFile = L.makeUsers(keys.dir, [{ user: 'dora', password: PW, hash: 'B' }]);
    const pem = (k) => k.export({ type: 'pkcs8', format: 'pem' });
    enc = { ec: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), rsa: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) };
    const ecPath = keys.write('cookie-ec.pem', pem(enc.ec.privateKey));
    const rsaPath = keys.write('cookie-rsa.pem', pem(enc.rsa.privateKey));
    oct = crypto.randomBytes(32);
    const octPath = keys.write('cookie-oct.jwk', JSON.stringify({ kty: 'oct', kid: 'cookie-oct', k: oct.toString('base64url') }));
    const login = (where, cookie, decLine) => L.loginLocation(where, {
      keyLine: keys.ec256.privPath, alg: 'ES256', userFile, lifetime: 600,
      delivery: `cookie ${cookie} encrypt`, extra: decLine ? [`AuthJWTDecryptionKey "${decLine}" kid=cookie-key`] : [],
    });
    const app = (where, cookie, decPath) => [`<Location ${where}>`, '  AuthType jwt', '  AuthName "app"',
      `  AuthJWTKeyFile "${keys.ec256.pubPath}"`, `  AuthJWTDecryptionKey "${decPath}" kid=cookie-key`,
      '  AuthJWTEncryption required', `  AuthJWTTokenFrom cookie=${cookie}`, '  Require valid-user', '</Location>'].join('\n');
    srv = await startHttpd({
      name: 'jwe-login', modules: ['authn_file'],
      conf: [
        login('/ec/login', 'ec_tok', ecPath), app('/ec-app', 'ec_tok', ecPath),
        login('/rsa/login', 'rsa_tok', rsaPath), app('/rsa-app', 'rsa_tok', rsaPath),
        L.loginLocation('/oct/login', { keyLine: keys.ec256.privPath, alg: 'ES256', userFile, lifetime: 600,
          delivery: 'cookie oct_tok encrypt', extra: [`AuthJWTDecryptionKey "${octPath}"`] }),
        login('/nokey/login', 'nokey_tok', null),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  async function loginCookie(where, name) {
    const res = await L.postJson(srv.base, where, { username: 'dora', password: PW });
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body);
    assert.equal(body.access_token, undefined, 'the token is in the cookie only');
    const sc = res.header('Set-Cookie');
    assert.equal(sc.length, 1);
    const m = new RegExp(`^__Host-${name}=([A-Za-z0-9_.-]+); HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600$`).exec(sc[0]);
    assert.ok(m, sc[0]);
    assert.equal(m[1].split('.').length, 5, 'the cookie is a compact JWE');
    return m[1];
  }

  // Decrypt with jose, verify the inner JWS with jose: the claims are the login's.
  async function openWithJose(jwe, key, want) {
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, key);
    assert.deepEqual({ alg: protectedHeader.alg, enc: protectedHeader.enc, cty: protectedHeader.cty }, want);
    const inner = new TextDecoder().decode(plaintext);
    assert.equal(inner.split('.').length, 3);
    const { payload, protectedHeader: h } = await jose.jwtVerify(inner, keys.ec256.publicKey, { algorithms: ['ES256'] });
    assert.equal(h.alg, 'ES256');
    assert.equal(payload.sub, 'dora');
    assert.equal(payload.exp - payload.iat, 600);
    return protectedHeader;
  }

  test('EC decryption key: ECDH-ES+A256KW / A256GCM; jose opens it; the app location reading the cookie lets dora in', async () => {
    const jwe = await loginCookie('/ec/login', 'ec_tok');
    const h = await openWithJose(jwe, enc.ec.privateKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' });
    assert.equal(h.kid, 'cookie-key');
    assert.ok(!Buffer.from(jwe.split('.')[0], 'base64url').toString().includes('dora'), 'no claim in the clear');
    const res = await request(srv.base, '/ec-app/env.cgi', { headers: { Cookie: `__Host-ec_tok=${jwe}` } });
    assert.equal(res.status, 200, res.body);
    assert.equal(parseEnv(res.body).REMOTE_USER, 'dora');
    // the app insists on encryption: the inner token alone in the cookie is refused
    const { plaintext } = await jose.compactDecrypt(jwe, enc.ec.privateKey);
    const plain = await request(srv.base, '/ec-app/ok.txt', { headers: { Cookie: `__Host-ec_tok=${new TextDecoder().decode(plaintext)}` } });
    A.expectInvalidToken(plain, 'app');
  });

  test('RSA decryption key: RSA-OAEP-256 / A256GCM, end to end', async () => {
    const jwe = await loginCookie('/rsa/login', 'rsa_tok');
    await openWithJose(jwe, enc.rsa.privateKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' });
    A.expectOk(await request(srv.base, '/rsa-app/ok.txt', { headers: { Cookie: `__Host-rsa_tok=${jwe}` } }));
    // the EC app cannot open an RSA cookie (its key is another)
    A.expectInvalidToken(await request(srv.base, '/ec-app/ok.txt', { headers: { Cookie: `__Host-ec_tok=${jwe}` } }), 'app');
  });

  test('32-byte oct key: dir / A256GCM', async () => {
    const jwe = await loginCookie('/oct/login', 'oct_tok');
    await openWithJose(jwe, new Uint8Array(oct), { alg: 'dir', enc: 'A256GCM', cty: 'JWT' });
  });

  test('encrypt without a decryption key at the login location: 500, the reason logged', async () => {
    const mark = srv.errorLog().length;
    const res = await L.postJson(srv.base, '/nokey/login', { username: 'dora', password: PW });
    assert.equal(res.status, 500);
    assert.equal(res.header('Set-Cookie').length, 0);
    assert.match(srv.errorLog().slice(mark), /AH-JWT-1010: login at \/nokey\/login: cannot encrypt the token: .*AuthJWTDecryptionKey/);
  });

  test('configtest: encrypt only with cookie delivery', async () => {
    for (const line of ['AuthJWTDelivery json encrypt', 'AuthJWTDelivery cookie t encrypt encrypt']) {
      const r = await configtest(`<Location /x>\n  SetHandler jwt-login-handler\n  ${line}\n</Location>`, { name: 'jwe-login-configtest' });
      assert.notEqual(r.code, 0);
      assert.match(r.output, /AuthJWTDelivery: expected 'json' or 'cookie NAME \[prefix=off\] \[encrypt\]'/);
      assert.match(r.output, new RegExp(`line ${r.lineOf('AuthJWTDelivery')} of`));
    }
  });
});
