'use strict';
// Encrypted tokens (JWE, issue 24) through the real httpd: nested sign-then-encrypt from npm
// jose (RSA-OAEP-256 + A256GCM over RS256, ECDH-ES + A256GCM over ES256) and from
// python3-jwcrypto, claims-only JWE under a shared secret, AuthJWTEncryption off / optional /
// required, the JWE allow-lists, hostile tokens (each the same 401 with its precise reason
// in error_log only), the verified-token cache keyed by the whole JWE, and configtest
// errors naming file and line.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');
const jose = require('jose');
const { startHttpd, configtest, request, parseEnv } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const { connection, hitsOf } = require('./lib/keepalive');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const haveJwcrypto = spawnSync(PYTHON, ['-c', 'import jwcrypto'], { encoding: 'utf8' }).status === 0;

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

// A dir + A256GCM JWE made with node's own AES-GCM, for headers jose will not write (zip).
function dirA256GCM(header, plaintext, key) {
  const h = b64(header);
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(h, 'ascii'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return `${h}..${iv.toString('base64url')}.${ct.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
}

describe('encrypted tokens (JWE)', () => {
  let keys; let srv; let enc; let oct; let octPath; let secretsPath; let fileOct; let hmac;
  const GENERIC = 'token could not be decrypted';

  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    const pem = (kp) => kp.privateKey.export({ type: 'pkcs8', format: 'pem' });
    enc = {
      rsa: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
      ec: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      x25519: crypto.generateKeyPairSync('x25519'),
    };
    const rsaPath = keys.write('enc-rsa.pem', pem(enc.rsa));
    const ecPath = keys.write('enc-ec.pem', pem(enc.ec));
    const xPath = keys.write('enc-x25519.pem', pem(enc.x25519));
    oct = crypto.randomBytes(32);
    octPath = keys.write('enc-oct.jwk', JSON.stringify({ kty: 'oct', kid: 'oct-enc', use: 'enc', k: oct.toString('base64url') }));
    // the secrets file: an HMAC secret that signs, and encryption keys (use enc / a JWE alg)
    hmac = crypto.randomBytes(32);
    fileOct = { dir: crypto.randomBytes(32), kw: crypto.randomBytes(16) };
    secretsPath = writeSecretsFile(`${keys.dir}/secrets.jwks`, [
      { kid: 'hs', alg: 'HS256', k: hmac },
      { raw: { kty: 'oct', kid: 'file-dir', use: 'enc', k: fileOct.dir.toString('base64url') } },
      { raw: { kty: 'oct', kid: 'file-kw', alg: 'A128KW', k: fileOct.kw.toString('base64url') } },
    ]);
    const sig = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec256`;
    const dec = [`  AuthJWTDecryptionKey "${rsaPath}" kid=rsa-enc`, `  AuthJWTDecryptionKey "${ecPath}" kid=ec-enc`,
      `  AuthJWTDecryptionKey "${xPath}" kid=x-enc`, `  AuthJWTDecryptionKey "${octPath}"`].join('\n');
    srv = await startHttpd({
      name: 'jwe',
      conf: [
        F.location('/jwe', 'jwe', `${sig}\n${dec}\n  Require valid-user`),
        F.location('/required', 'required', `${sig}\n${dec}\n  AuthJWTEncryption required\n  Require valid-user`),
        F.location('/off', 'off', `${sig}\n${dec}\n  AuthJWTEncryption off\n  Require valid-user`),
        F.location('/plain', 'plain', `${sig}\n  Require valid-user`),
        // nested in /jwe: inherits the keys, sets only the mode
        '<Location /jwe/strict>\n  AuthJWTEncryption required\n</Location>',
        F.location('/secrets', 'secrets', `  AuthJWTSecretsFile "${secretsPath}"\n  AuthJWTEncryption optional\n  Require valid-user`),
        '<Location /explain>\n  SetHandler jwt-explain-handler\n  AuthType jwt\n  AuthName "admin"',
        `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec256\n  Require valid-user\n</Location>`,
        F.location('/narrow', 'narrow', `${sig}\n${dec}\n  AuthJWTKeyManagementAlgorithms RSA-OAEP-256 dir\n  AuthJWTContentEncryptionAlgorithms A256GCM\n  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const get = (p, token) => request(srv.base, p, { headers: F.bearer(token) });
  const signRS = (payload) => T.joseSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload });
  const signES = (payload) => T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'ec256' }, payload });
  const nest = (jws, alg, encAlg, key, extra = {}) => new jose.CompactEncrypt(Buffer.from(jws))
    .setProtectedHeader({ alg, enc: encAlg, cty: 'JWT', ...extra }).encrypt(key);
  const claimsJwe = (alg, encAlg, key, payload = T.claims()) => new jose.EncryptJWT(payload)
    .setProtectedHeader({ alg, enc: encAlg }).encrypt(key);
  const logSince = (mark) => srv.errorLog().slice(mark);

  // A refused JWE: 401 invalid_token, the one generic description, and the reason logged.
  async function expectRefused(path, token, reason) {
    const mark = srv.errorLog().length;
    const res = await get(path, token);
    const c = A.expectInvalidToken(res, path.split('/')[1], token);
    assert.equal(c.params.error_description, GENERIC);
    if (reason) assert.match(logSince(mark), reason);
    return res;
  }

  test('RSA-OAEP-256 + A256GCM around an RS256 JWT (jose) is accepted; the inner claims are the identity', async () => {
    const token = await nest(await signRS(T.claims({ sub: 'rsa-nested' })), 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey, { kid: 'rsa-enc' });
    assert.equal(token.split('.').length, 5);
    A.expectOk(await get('/jwe/ok.txt', token));
    const env = parseEnv((await get('/jwe/env.cgi', token)).body);
    assert.equal(env.REMOTE_USER, 'rsa-nested');
    assert.equal(env.JWT_CLAIM_SUB, 'rsa-nested');
  });

  test('ECDH-ES + A256GCM around an ES256 JWT (jose) is accepted, with and without kid', async () => {
    const jws = await signES(T.claims({ sub: 'ec-nested' }));
    A.expectOk(await get('/jwe/ok.txt', await nest(jws, 'ECDH-ES', 'A256GCM', enc.ec.publicKey, { kid: 'ec-enc' })));
    A.expectOk(await get('/jwe/ok.txt', await nest(jws, 'ECDH-ES', 'A256GCM', enc.ec.publicKey)));
    A.expectOk(await get('/jwe/ok.txt', await nest(jws, 'ECDH-ES+A256KW', 'A128CBC-HS256', enc.x25519.publicKey)));
  });

  test('a plain JWS is still accepted where encryption is optional (the default with a decryption key)', async () => {
    A.expectOk(await get('/jwe/ok.txt', await signRS(T.claims())));
  });

  test('claims-only JWE under a shared secret (dir + A256GCM, A256KW from jose) is accepted', async () => {
    const key = new Uint8Array(oct);
    const d = await claimsJwe('dir', 'A256GCM', key, T.claims({ sub: 'dir-claims' }));
    const env = parseEnv((await get('/jwe/env.cgi', d)).body);
    assert.equal(env.REMOTE_USER, 'dir-claims');
    A.expectOk(await get('/jwe/ok.txt', await claimsJwe('A256KW', 'A128CBC-HS256', key)));
  });

  test('encryption keys from the secrets file: dir claims-only and A128KW around HS256 are accepted, and a rewrite takes effect', async () => {
    const d = await claimsJwe('dir', 'A256GCM', new Uint8Array(fileOct.dir), T.claims({ sub: 'from-file' }));
    const env = parseEnv((await get('/secrets/env.cgi', d)).body);
    assert.equal(env.REMOTE_USER, 'from-file');
    const hs = await T.joseSign({ alg: 'HS256', key: new Uint8Array(hmac), header: { kid: 'hs' } });
    A.expectOk(await get('/secrets/ok.txt', hs));
    A.expectOk(await get('/secrets/ok.txt', await nest(hs, 'A128KW', 'A128GCM', new Uint8Array(fileOct.kw), { kid: 'file-kw' })));
    // an encryption key never verifies a signature: HS256 made with the dir key is refused
    const forged = await T.joseSign({ alg: 'HS256', key: new Uint8Array(fileOct.dir), header: { kid: 'file-dir' } });
    A.expectInvalidToken(await get('/secrets/ok.txt', forged), 'secrets', forged);
    // the file changes: the old dir key stops decrypting, the new one works (no restart)
    const fresh = crypto.randomBytes(32);
    writeSecretsFile(secretsPath, [{ kid: 'hs', alg: 'HS256', k: hmac },
      { raw: { kty: 'oct', kid: 'file-dir2', use: 'enc', k: fresh.toString('base64url') } }]);
    await new Promise((r) => setTimeout(r, 1300));   // JWT_SECRETS_CHECK_INTERVAL is 1 s
    await expectRefused('/secrets/ok.txt', await claimsJwe('dir', 'A256GCM', new Uint8Array(fileOct.dir)), /AH-JWT-1003: .*\((decrypt|no_key)\)/);
    A.expectOk(await get('/secrets/ok.txt', await claimsJwe('dir', 'A256GCM', new Uint8Array(fresh))));
  });

  test('claims-only JWE: the claim rules still apply (an expired one is refused)', async () => {
    const t = T.now();
    const d = await claimsJwe('dir', 'A256GCM', new Uint8Array(oct), { sub: 'old', iat: t - 1000, exp: t - 500 });
    A.expectInvalidToken(await get('/jwe/ok.txt', d), 'jwe', d, 'expired');
  });

  test('claims-only JWE under RSA-OAEP / ECDH-ES (a public key: anyone could make it) is refused', async () => {
    await expectRefused('/jwe/ok.txt', await claimsJwe('RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey), /AH-JWT-1003: .*carry no signature/);
    await expectRefused('/jwe/ok.txt', await claimsJwe('ECDH-ES', 'A256GCM', enc.ec.publicKey), /AH-JWT-1003: .*carry no signature/);
  });

  test('a nested JWT whose inner signature does not verify is refused like any bad JWS', async () => {
    const inner = T.tamperPayload(await signRS(T.claims()), { sub: 'mallory' });
    const token = await nest(inner, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey);
    A.expectInvalidToken(await get('/jwe/ok.txt', token), 'jwe', token, 'signature');
  });

  test('python3-jwcrypto: RSA-OAEP around an RS256 JWT, and A256KW claims, are accepted',
    { skip: haveJwcrypto ? false : 'python3-jwcrypto not installed' }, async () => {
      const py = `
import sys, json
from jwcrypto import jwk, jwe
keyfile, alg, enc, cty, data = sys.argv[1:6]
raw = open(keyfile, 'rb').read()
key = jwk.JWK.from_pem(raw) if raw.startswith(b'-----') else jwk.JWK(**json.loads(raw))
h = {'alg': alg, 'enc': enc}
if cty: h['cty'] = cty
t = jwe.JWE(data.encode(), json.dumps(h))
t.add_recipient(key)
print(t.serialize(compact=True))`;
      const pubPath = keys.write('enc-rsa.pub.pem', enc.rsa.publicKey.export({ type: 'spki', format: 'pem' }));
      const run = (...args) => {
        const r = spawnSync(PYTHON, ['-c', py, ...args], { encoding: 'utf8', timeout: 20000 });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      };
      const nested = run(pubPath, 'RSA-OAEP', 'A256GCM', 'JWT', await signRS(T.claims({ sub: 'jwcrypto' })));
      const env = parseEnv((await get('/jwe/env.cgi', nested)).body);
      assert.equal(env.REMOTE_USER, 'jwcrypto');
      A.expectOk(await get('/jwe/ok.txt', run(octPath, 'A256KW', 'A256GCM', '', JSON.stringify(T.claims()))));
    });

  test('AuthJWTEncryption required: a plain JWS is refused, a JWE accepted', async () => {
    const jws = await signRS(T.claims());
    const mark = srv.errorLog().length;
    const res = await get('/required/ok.txt', jws);
    const c = A.expectInvalidToken(res, 'required', jws);
    assert.equal(c.params.error_description, 'an encrypted token is required');
    assert.match(logSince(mark), /AH-JWT-1002: .*AuthJWTEncryption required/);
    A.expectOk(await get('/required/ok.txt', await nest(jws, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey)));
  });

  test('a nested section inherits the decryption keys and sets only AuthJWTEncryption', async () => {
    const jws = await signRS(T.claims());
    A.expectOk(await get('/jwe/strict/ok.txt', await nest(jws, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey)));
    const c = A.expectInvalidToken(await get('/jwe/strict/ok.txt', jws), 'jwe', jws);
    assert.equal(c.params.error_description, 'an encrypted token is required');
    A.expectOk(await get('/jwe/ok.txt', jws));
  });

  test('AuthJWTEncryption off refuses a JWE; a location without JWE directives refuses it too', async () => {
    const jws = await signRS(T.claims());
    const token = await nest(jws, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey);
    await expectRefused('/off/ok.txt', token, /AH-JWT-1001: .*AuthJWTEncryption is off/);
    A.expectOk(await get('/off/ok.txt', jws));
    A.expectInvalidToken(await get('/plain/ok.txt', token), 'plain', token);
    A.expectOk(await get('/plain/ok.txt', jws));
  });

  test('alg or enc outside AuthJWTKeyManagementAlgorithms / AuthJWTContentEncryptionAlgorithms is refused', async () => {
    const jws = await signRS(T.claims());
    A.expectOk(await get('/narrow/ok.txt', await nest(jws, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey)));
    await expectRefused('/narrow/ok.txt', await nest(jws, 'RSA-OAEP', 'A256GCM', enc.rsa.publicKey), /AH-JWT-1003: .*\(alg_not_allowed\): key management RSA-OAEP is not in the allowed list/);
    await expectRefused('/narrow/ok.txt', await nest(jws, 'RSA-OAEP-256', 'A128GCM', enc.rsa.publicKey), /AH-JWT-1003: .*\(enc_not_allowed\): content encryption A128GCM is not in the allowed list/);
    await expectRefused('/narrow/ok.txt', await nest(jws, 'ECDH-ES', 'A256GCM', enc.ec.publicKey), /AH-JWT-1003: .*ECDH-ES is not in the allowed list/);
  });

  test('hostile JWEs: each the same 401 (status, headers, body), each with its exact reason in error_log', async () => {
    const jws = await signRS(T.claims());
    const good = await nest(jws, 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey);
    const parts = good.split('.');
    const truncated = [...parts.slice(0, 4), Buffer.from(parts[4], 'base64url').subarray(0, 12).toString('base64url')].join('.');   // CVE-2023-37464 class
    const flipped = [...parts.slice(0, 4), Buffer.from(parts[4], 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b)).toString('base64url')].join('.');
    const rsa15 = [b64({ alg: 'RSA1_5', enc: 'A128CBC-HS256' }), ...parts.slice(1)].join('.');
    const pbes2 = await new jose.CompactEncrypt(Buffer.from(jws))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'JWT' })
      .encrypt(new TextEncoder().encode('correct horse battery staple'));
    const zip = dirA256GCM({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, zlib.deflateRawSync(JSON.stringify(T.claims())), oct);
    // ECDH-ES whose epk is not a point of P-256 (the invalid-curve attack): y changed.
    const ecdh = (await nest(jws, 'ECDH-ES', 'A256GCM', enc.ec.publicKey)).split('.');
    const hdr = JSON.parse(Buffer.from(ecdh[0], 'base64url'));
    const y = Buffer.from(hdr.epk.y, 'base64url'); y[31] ^= 1;
    hdr.epk.y = y.toString('base64url');
    const offCurve = [b64(hdr), ...ecdh.slice(1)].join('.');
    const jwsHeader = [b64({ alg: 'RS256' }), ...parts.slice(1)].join('.');
    const cases = [
      ['truncated tag', truncated, /\(length\): .*tag/i],
      ['altered tag', flipped, /\(decrypt\)/],
      ['RSA1_5', rsa15, /\(alg_refused\): .*RSA1_5/],
      ['PBES2', pbes2, /\(alg_refused\): .*PBES2/],
      ['zip', zip, /\(zip\): /],
      ['invalid-curve epk', offCurve, /\(key_invalid\): /],
      ['five segments with a JWS header', jwsHeader, /\(header\): five segments but a JWS header/],
    ];
    let first;
    for (const [name, token, reason] of cases) {
      const mark = srv.errorLog().length;
      const res = await expectRefused('/jwe/ok.txt', token);
      const log = logSince(mark);
      assert.match(log, new RegExp(`AH-JWT-1003: encrypted token from the Authorization header refused ${reason.source}`, reason.flags), `${name}: ${log}`);
      const shape = { status: res.status, www: res.headers['www-authenticate'], body: res.body, type: res.headers['content-type'] };
      if (!first) first = shape; else assert.deepEqual(shape, first, `${name} answers differently`);
    }
  });

  test('the verified-token cache is keyed by the whole JWE: a repeat skips decryption', async () => {
    const token = await nest(await signRS(T.claims({ sub: 'cached' })), 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey);
    const c = connection(srv.base);
    try {
      const mark = srv.errorLog().length;
      A.expectOk(await c.get('/jwe/ok.txt', token));
      A.expectOk(await c.get('/jwe/ok.txt', token));
      A.expectOk(await c.get('/jwe/ok.txt', token));
      const log = logSince(mark);
      assert.equal((log.match(/AH-JWT-1004: nested JWT decrypted/g) || []).length, 1, log);
      assert.ok(hitsOf(srv, c.port()) >= 2, 'expected cache hits for the repeated JWE');
      // a different JWE of the same inner JWS is its own entry (decrypted again)
      const other = await nest(await signRS(T.claims({ sub: 'cached' })), 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey);
      const mark2 = srv.errorLog().length;
      A.expectOk(await c.get('/jwe/ok.txt', other));
      assert.match(logSince(mark2), /AH-JWT-1004/);
    } finally { c.close(); }
  });

  test('jwt-explain-handler shows the JWE header, the key that decrypted, the inner token\'s checks; and why a JWE failed', async () => {
    const admin = await signES(T.claims({ sub: 'admin' }));
    const explain = async (token) => {
      const body = new URLSearchParams({ path: '/jwe/ok.txt', token }).toString();
      const res = await request(srv.base, '/explain', { method: 'POST', body, headers: { ...F.bearer(admin),
        'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } });
      assert.equal(res.status, 200, res.body);
      return JSON.parse(res.body);
    };
    const good = await explain(await nest(await signRS(T.claims()), 'RSA-OAEP-256', 'A256GCM', enc.rsa.publicKey, { kid: 'rsa-enc' }));
    assert.equal(good.status, 200);
    const stages = good.stages.map((s) => `${s.stage}:${s.result}`);
    assert.deepEqual(stages, ['token:pass', 'decrypt:pass', 'parse:pass', 'signature:pass', 'claims:pass', 'user:pass'], JSON.stringify(good.stages));
    const d = good.stages.find((s) => s.stage === 'decrypt').detail;
    assert.match(d, /"alg":"RSA-OAEP-256"/);
    assert.match(d, /"cty":"JWT"/);
    assert.match(d, /kid=rsa-enc/);
    assert.match(good.stages.find((s) => s.stage === 'parse').detail, /RS256 token, kid rsa/);
    const bad = await explain(await nest(await signRS(T.claims()), 'RSA-OAEP', 'A256GCM', enc.rsa.publicKey, { kid: 'nobody' }));
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.stages.map((s) => `${s.stage}:${s.result}`), ['token:pass', 'decrypt:fail']);
    assert.match(bad.stages[1].detail, /unknown_kid/);
  });

  test('configtest: a bad decryption key names the file, the line and the reason', async () => {
    const weak = keys.write('weak.pem', crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const cases = [
      [`AuthJWTDecryptionKey "${keys.rsa.pubPath}"`, /AuthJWTDecryptionKey .*rsa.*\.pem: /],
      [`AuthJWTDecryptionKey "${weak}"`, /AuthJWTDecryptionKey .*weak\.pem: .*(2048|weak|bits)/i],
      [`AuthJWTDecryptionKey "${octPath}" foo=bar`, /unknown or repeated option 'foo=bar'/],
      ['AuthJWTEncryption sometimes', /AuthJWTEncryption: 'sometimes' is not off, optional or required/],
      ['AuthJWTKeyManagementAlgorithms RSA1_5', /AuthJWTKeyManagementAlgorithms: .*RSA1_5/],
      ['AuthJWTContentEncryptionAlgorithms A512GCM', /AuthJWTContentEncryptionAlgorithms: .*A512GCM/],
    ];
    for (const [line, want] of cases) {
      const r = await configtest(F.location('/x', 'x', `  ${line}\n  Require valid-user`), { name: 'jwe-configtest' });
      assert.notEqual(r.code, 0, line);
      assert.match(r.output, new RegExp(`line ${r.lineOf(line.split(' ')[0])} of ${r.confPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), r.output);
      assert.match(r.output, want, r.output);
    }
  });
});
