'use strict';
/*
 * Key formats as other tools write them: what `openssl` emits (X.509 certificate, PKCS#1
 * "RSA PUBLIC KEY", traditional "RSA/EC PRIVATE KEY"), private JWKs exported by jose,
 * and RSA-PSS parameters as node:crypto can vary them (RFC 7518 3.5 fixes the salt at the
 * hash length; other salt lengths must not verify).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const jwt = require('jsonwebtoken');
const jose = require('jose');
const { cli, makeKeys, ISS, AUD, claimsFor, refusal, b64urlJson } = require('./lib/interop');

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

function openssl(args) { execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }); }
function file(name) { return path.join(keys.dir, name); }

function verifyOk(keyArg, token, claims, extra = []) {
  const r = cli(['verify', '--key', keyArg, '--iss', ISS, '--aud', AUD, ...extra, token]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), claims);
}

test('openssl formats: X.509 certificate and PKCS#1 public key verify jsonwebtoken RS256', () => {
  openssl(['req', '-x509', '-key', keys.rsa.privPath, '-out', file('rsa.cert.pem'), '-days', '2', '-subj', '/CN=interop']);
  openssl(['rsa', '-in', keys.rsa.privPath, '-RSAPublicKey_out', '-out', file('rsa.pkcs1.pem')]);
  const claims = claimsFor('cert');
  const token = jwt.sign(claims, keys.rsa.privPem, { algorithm: 'RS256' });
  verifyOk(file('rsa.cert.pem'), token, claims);
  verifyOk(file('rsa.pkcs1.pem'), token, claims);
  /* and a certificate of another key refuses it */
  openssl(['req', '-x509', '-key', keys.rsaOther.privPath, '-out', file('other.cert.pem'), '-days', '2', '-subj', '/CN=other']);
  const r = cli(['verify', '--key', file('other.cert.pem'), token]);
  assert.equal(r.status, 1);
  assert.equal(refusal(r).code, 'signature', r.stderr);
});

test('openssl traditional private keys sign; jose verifies', async () => {
  openssl(['rsa', '-in', keys.rsa.privPath, '-traditional', '-out', file('rsa.trad.pem')]);
  openssl(['ec', '-in', keys.ec256.privPath, '-out', file('ec.trad.pem')]);
  for (const [keyFile, alg, pub] of [[file('rsa.trad.pem'), 'RS384', keys.rsa.pubPem], [file('ec.trad.pem'), 'ES256', keys.ec256.pubPem]]) {
    const claims = claimsFor(`trad-${alg}`);
    const r = cli(['sign', '--key', keyFile, '--alg', alg, '--claims', JSON.stringify(claims)]);
    assert.equal(r.status, 0, r.stderr);
    const { payload } = await jose.jwtVerify(r.stdout.trim(), await jose.importSPKI(pub, alg), { issuer: ISS, audience: AUD });
    assert.deepEqual(payload, claims);
  }
});

test('jose-exported private JWKs sign in the core; jose verifies; jwk prints only the public half', async (t) => {
  for (const [alg, kind] of [['RS256', 'rsa'], ['ES512', 'ec521'], ['EdDSA', 'ed448']]) {
    await t.test(alg, async () => {
      const priv = await jose.importPKCS8(keys[kind].privPem, alg, { extractable: true });
      const jwk = { ...(await jose.exportJWK(priv)), kid: `priv-${kind}` };
      assert.ok(jwk.d, 'jose exported a private JWK');
      const f = keys.write(`${kind}.priv.jwk`, JSON.stringify(jwk));
      const claims = claimsFor(`privjwk-${alg}`);
      const r = cli(['sign', '--key', f, '--alg', alg, '--claims', JSON.stringify(claims)]);
      assert.equal(r.status, 0, r.stderr);
      const token = r.stdout.trim();
      const pub = await jose.importSPKI(keys[kind].pubPem, alg);
      const v = await jose.jwtVerify(token, pub, { issuer: ISS, audience: AUD });
      assert.deepEqual(v.payload, claims);
      assert.equal(v.protectedHeader.kid, `priv-${kind}`);

      const out = cli(['jwk', '--key', f]);
      assert.equal(out.status, 0, out.stderr);
      const pubJwk = JSON.parse(out.stdout);
      assert.equal(pubJwk.d, undefined);
      assert.equal(pubJwk.kid, `priv-${kind}`);
      const expected = await jose.exportJWK(await jose.importSPKI(keys[kind].pubPem, alg, { extractable: true }));
      for (const m of Object.keys(expected)) assert.equal(pubJwk[m], expected[m], `member ${m}`);
    });
  }
});

test('aud as an array (jose): any-of match', async () => {
  const claims = { ...claimsFor('aud-array'), aud: ['billing', AUD] };
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES384' })
    .sign(await jose.importPKCS8(keys.ec384.privPem, 'ES384'));
  verifyOk(keys.ec384.verifyArg, token, claims);
  const r = cli(['verify', '--key', keys.ec384.verifyArg, '--aud', 'reports', token]);
  assert.equal(r.status, 1);
  assert.equal(refusal(r).code, 'audience', r.stderr);
});

test('RSA-PSS: salt = hash length verifies; max and zero salt are refused', () => {
  const claims = claimsFor('pss-salt');
  for (const [alg, hash, hlen] of [['PS256', 'sha256', 32], ['PS384', 'sha384', 48], ['PS512', 'sha512', 64]]) {
    const input = `${b64urlJson({ alg })}.${b64urlJson(claims)}`;
    const sign = (saltLength) => crypto.sign(hash, Buffer.from(input), {
      key: keys.rsa.privPem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength,
    }).toString('base64url');
    verifyOk(keys.rsa.verifyArg, `${input}.${sign(hlen)}`, claims);
    for (const salt of [crypto.constants.RSA_PSS_SALTLEN_MAX_SIGN, 0]) {
      const r = cli(['verify', '--key', keys.rsa.verifyArg, `${input}.${sign(salt)}`]);
      assert.equal(r.status, 1, `${alg} salt ${salt} must not verify`);
      assert.equal(refusal(r).code, 'signature', r.stderr);
    }
  }
});

/* jose-exported JWKs with the members an IdP's JWKS carries (alg, use, key_ops), and
 * broken ones: each refused with the exact code, each next to an accepted control. */
test('JWKS members honoured: alg, use, key_ops, duplicate kid, off-curve point, weak RSA', async () => {
  const rsaPub = await jose.exportJWK(await jose.importSPKI(keys.rsa.pubPem, 'PS256', { extractable: true }));
  const priv = await jose.importPKCS8(keys.rsa.privPem, 'PS256');
  const claims = claimsFor('jwks-members');
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'PS256', kid: 'r1' }).sign(priv);
  const set = (name, members) => keys.write(name, JSON.stringify({ keys: members }));
  const refused = (keyFile, code, pattern) => {
    const r = cli(['verify', '--key', keyFile, token]);
    assert.equal(r.status, 1, r.stdout);
    const got = refusal(r);
    assert.equal(got.code, code, r.stderr);
    if (pattern) assert.match(got.message, pattern);
  };

  verifyOk(set('ok.jwks', [{ ...rsaPub, kid: 'r1', alg: 'PS256', use: 'sig' }]), token, claims);
  refused(set('alg-rs.jwks', [{ ...rsaPub, kid: 'r1', alg: 'RS256' }]), 'no_key', /PS256/);
  refused(set('enc.jwks', [{ ...rsaPub, kid: 'r1', use: 'enc' }]), 'key_unsupported', /"use"/);
  verifyOk(set('enc-sig.jwks', [{ ...rsaPub, kid: 'r0', use: 'enc' }, { ...rsaPub, kid: 'r1', use: 'sig' }]), token, claims);
  refused(set('ops.jwks', [{ ...rsaPub, kid: 'r1', key_ops: ['sign'] }]), 'key_unsupported', /key_ops/);
  verifyOk(set('ops-ok.jwks', [{ ...rsaPub, kid: 'r1', key_ops: ['verify'] }]), token, claims);
  refused(set('dup.jwks', [{ ...rsaPub, kid: 'r1' }, { ...rsaPub, kid: 'r1' }]), 'key_duplicate_kid', /"r1"/);
  verifyOk(set('unknown-kty.jwks', [{ kty: 'XYZ', kid: 'z' }, { ...rsaPub, kid: 'r1' }]), token, claims);

  const ec = await jose.exportJWK(await jose.importSPKI(keys.ec256.pubPem, 'ES256', { extractable: true }));
  const y = Buffer.from(ec.y, 'base64url');
  y[31] ^= 1;
  const off = cli(['jwk', '--key', keys.write('off-curve.jwk', JSON.stringify({ ...ec, y: y.toString('base64url') }))]);
  assert.equal(off.status, 1);
  assert.equal(refusal(off).code, 'key_invalid', off.stderr);
  assert.equal(cli(['jwk', '--key', keys.write('on-curve.jwk', JSON.stringify(ec))]).status, 0);

  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', file('rsa1024.pem')]);
  const weak = cli(['jwk', '--key', file('rsa1024.pem')]);
  assert.equal(weak.status, 1);
  assert.equal(refusal(weak).code, 'key_weak', weak.stderr);
  assert.match(refusal(weak).message, /1024 bits/);
});
