'use strict';
/*
 * Negative interop: genuine tokens from the npm packages that the core must refuse, each
 * with the exact error code jwt-cli prints ("<code>: <message>", exit 1). Every refusal
 * has a control: the same token (or the same bytes) accepted with the right key/settings,
 * so a refusal cannot come from a broken setup.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jwt = require('jsonwebtoken');
const jose = require('jose');
const { cli, makeKeys, ALGS, ISS, AUD, claimsFor, refusal } = require('./lib/interop');

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

function alg(name) { return ALGS.find((a) => a.alg === name); }

function verify(token, keyArg, extra = []) {
  return cli(['verify', '--key', keyArg, '--iss', ISS, '--aud', AUD, ...extra, token]);
}

function assertAccepted(r, claims) {
  assert.equal(r.status, 0, `expected acceptance, got: ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), claims);
}

function assertRefused(r, code) {
  assert.equal(r.status, 1, `expected refusal ${code}, got status ${r.status}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing printed on stdout when refused');
  const got = refusal(r);
  assert.equal(got.code, code, r.stderr);
  assert.ok(got.message.length > 0, 'the refusal has a message');
  return got;
}

async function joseToken(algName, k, claims, header = {}) {
  const a = alg(algName);
  const key = a.hmac ? new Uint8Array(k.secret) : await jose.importPKCS8(k.privPem, algName);
  return new jose.SignJWT(claims).setProtectedHeader({ alg: algName, ...header }).sign(key);
}

test('jose token verified with the wrong key fails with signature', async (t) => {
  const cases = [
    ['HS256', 'hs256', 'hs256Other'],
    ['RS256', 'rsa', 'rsaOther'],
    ['PS256', 'rsa', 'rsaOther'],
    ['ES256', 'ec256', 'ec256Other'],
    ['EdDSA', 'ed25519', 'ed25519Other'],
  ];
  for (const [name, right, wrong] of cases) {
    await t.test(`${name} (${right} vs ${wrong})`, async () => {
      const claims = claimsFor(`wrong-key-${name}`);
      const token = await joseToken(name, keys[right], claims);
      assertAccepted(verify(token, keys[right].verifyArg), claims);
      const got = assertRefused(verify(token, keys[wrong].verifyArg), 'signature');
      assert.doesNotMatch(got.message, new RegExp(token.split('.')[2].slice(0, 16)), 'message never shows the signature');
    });
  }
});

test('jose token whose alg is not in --algs fails with alg_not_allowed', async (t) => {
  const cases = [
    ['RS256', 'rsa', 'ES256 PS256'],   /* same key type allowed under another alg */
    ['PS256', 'rsa', 'RS256'],
    ['ES384', 'ec384', 'ES256 ES512'],
    ['HS256', 'hs256', 'RS256 EdDSA'],
    ['EdDSA', 'ed448', 'ES256'],
  ];
  for (const [name, kind, allowed] of cases) {
    await t.test(`${name} with --algs "${allowed}"`, async () => {
      const claims = claimsFor(`not-allowed-${name}`);
      const token = await joseToken(name, keys[kind], claims);
      assertAccepted(verify(token, keys[kind].verifyArg, ['--algs', name]), claims);
      assertRefused(verify(token, keys[kind].verifyArg, ['--algs', allowed]), 'alg_not_allowed');
    });
  }
});

/* jsonwebtoken emits ECDSA signatures as raw R||S (it converts OpenSSL's DER with
 * ecdsa-sig-formatter). The same signing input signed as DER must be refused (RFC 7518
 * 3.4), while the raw form of a fresh signature over the same input is accepted. */
test('ECDSA: raw R||S from jsonwebtoken passes, DER-encoded signature fails', async (t) => {
  for (const [name, kind, hash, rawLen] of [['ES256', 'ec256', 'sha256', 64], ['ES384', 'ec384', 'sha384', 96], ['ES512', 'ec521', 'sha512', 132]]) {
    await t.test(name, () => {
      const k = keys[kind];
      const claims = claimsFor(`ecdsa-encoding-${name}`);
      const token = jwt.sign(claims, k.privPem, { algorithm: name });
      const [h, p, s] = token.split('.');
      assert.equal(Buffer.from(s, 'base64url').length, rawLen, 'jsonwebtoken signature is raw R||S');
      assertAccepted(verify(token, k.verifyArg), claims);

      const input = Buffer.from(`${h}.${p}`);
      const der = crypto.sign(hash, input, { key: k.privPem, dsaEncoding: 'der' });
      assert.equal(der[0], 0x30, 'DER SEQUENCE');
      assert.ok(crypto.verify(hash, input, { key: k.pubPem, dsaEncoding: 'der' }, der), 'DER signature is itself valid');
      assertRefused(verify(`${h}.${p}.${der.toString('base64url')}`, k.verifyArg), 'signature');

      const raw = crypto.sign(hash, input, { key: k.privPem, dsaEncoding: 'ieee-p1363' });
      assertAccepted(verify(`${h}.${p}.${raw.toString('base64url')}`, k.verifyArg), claims);
    });
  }
});

/* RFC 8725 3.1: an HS256 token "signed" with the RSA public key's PEM text as the HMAC
 * secret must never verify against that RSA key. */
test('HS256 token keyed with the RSA public key PEM is refused (alg confusion)', async () => {
  const k = keys.rsa;
  const claims = claimsFor('alg-confusion');
  const forged = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new Uint8Array(Buffer.from(k.pubPem)));
  assertRefused(verify(forged, k.verifyArg), 'no_key');
  assertRefused(verify(forged, k.verifyArg, ['--algs', 'HS256 RS256']), 'no_key');
});

/* jose signs HS512 with any secret length; the core binds a 32-byte secret to HS256
 * only (RFC 7518 3.2: key >= hash output), so the same secret cannot verify HS512. */
test('jose HS512 token made with a 32-byte secret finds no key (no_key)', async () => {
  const claims = claimsFor('short-hs512');
  const token = await joseToken('HS512', keys.hs256, claims);
  const got = assertRefused(verify(token, keys.hs256.verifyArg), 'no_key');
  assert.match(got.message, /HS512/);
  const ok = await joseToken('HS256', keys.hs256, claims);
  assertAccepted(verify(ok, keys.hs256.verifyArg), claims);
});

/* jose refuses to make an unsecured JWT with SignJWT; UnsecuredJWT is its "none". */
test('jose UnsecuredJWT (alg none) is refused with alg_none', async () => {
  const claims = claimsFor('none');
  const token = new jose.UnsecuredJWT(claims).encode();
  for (const keyArg of [keys.rsa.verifyArg, keys.hs256.verifyArg]) {
    assertRefused(verify(token, keyArg), 'alg_none');
  }
});

test('jsonwebtoken expired token fails with expired, accepted within leeway', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { ...claimsFor('expired'), iat: now - 3600, nbf: now - 3600, exp: now - 30 };
  const token = jwt.sign(claims, keys.rsa.privPem, { algorithm: 'RS256' });
  const got = assertRefused(verify(token, keys.rsa.verifyArg, ['--leeway', '0']), 'expired');
  assert.match(got.message, /expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  assertAccepted(verify(token, keys.rsa.verifyArg, ['--leeway', '60']), claims);
});

/* Deliberate divergence: "\u0000" is valid JSON, and jose signs it, but the core refuses
 * it anywhere in a token (a C string comparison would stop at the NUL, so "admin\u0000x"
 * could pass a rule written for "admin"). The refusal names the reason. */
test('jose token with U+0000 in a claim is refused (json), same claims without it pass', async () => {
  const claims = claimsFor('nul');
  const withNul = await joseToken('ES256', keys.ec256, { ...claims, role: 'admin\u0000x' });
  const got = assertRefused(verify(withNul, keys.ec256.verifyArg), 'json');
  assert.match(got.message, /\\u0000/);
  assertAccepted(verify(await joseToken('ES256', keys.ec256, claims), keys.ec256.verifyArg), claims);
});
