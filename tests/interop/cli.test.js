'use strict';
/*
 * jwt-cli itself: the flags the tests and the demo rely on, bounded input, exact error
 * codes for the core's refusals (exit 1) and plain usage errors (exit 2).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { cli, makeKeys, ISS, AUD, claimsFor, refusal, b64urlJson } = require('./lib/interop');

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

function sign(keyArg, alg, claims, extra = []) {
  const r = cli(['sign', '--key', keyArg, '--alg', alg, '--claims', JSON.stringify(claims), ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function assertRefused(r, code) {
  assert.equal(r.status, 1, `expected ${code}, got status ${r.status}: ${r.stderr}`);
  assert.equal(refusal(r).code, code, r.stderr);
  return refusal(r);
}

function assertUsage(r, pattern) {
  assert.equal(r.status, 2, `expected a usage error, got status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('verify reads the token from stdin ("-"), trailing newline ignored', () => {
  const claims = claimsFor('stdin');
  const token = sign(keys.ec256.signArg, 'ES256', claims);
  const r = cli(['verify', '--key', keys.ec256.verifyArg, '-'], `${token}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), claims);
});

test('sign reads the claims from stdin ("-")', () => {
  const claims = claimsFor('claims-stdin');
  const r = cli(['sign', '--key', keys.ed25519.signArg, '--alg', 'EdDSA', '--claims', '-'], JSON.stringify(claims));
  assert.equal(r.status, 0, r.stderr);
  const v = cli(['verify', '--key', keys.ed25519.verifyArg, r.stdout.trim()]);
  assert.deepEqual(JSON.parse(v.stdout), claims);
});

test('sign: --kid and --typ go into the header, decode shows them', () => {
  const token = sign(keys.rsa.signArg, 'PS384', claimsFor('kid'), ['--kid', 'rsa-2026', '--typ', 'at+jwt']);
  const r = cli(['decode', token]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).header, { alg: 'PS384', kid: 'rsa-2026', typ: 'at+jwt' });
});

test('verify: several --key, the right one is found (no kid)', () => {
  const claims = claimsFor('multi');
  const token = sign(keys.ec384.signArg, 'ES384', claims);
  const r = cli(['verify', '--key', keys.rsa.verifyArg, '--key', keys.ec256.verifyArg,
    '--key', keys.ec384.verifyArg, token]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), claims);
});

test('verify: iss / aud any-of, and the exact refusals', () => {
  const claims = claimsFor('iss-aud');
  const token = sign(keys.hs384.signArg, 'HS384', claims);
  const k = keys.hs384.verifyArg;
  assert.equal(cli(['verify', '--key', k, '--iss', 'https://other/', '--iss', ISS, '--aud', 'x', '--aud', AUD, token]).status, 0);
  assertRefused(cli(['verify', '--key', k, '--iss', 'https://other/', token]), 'issuer');
  assertRefused(cli(['verify', '--key', k, '--aud', 'billing-api', token]), 'audience');
  assertRefused(cli(['verify', '--key', k, '--typ', 'at+jwt', token]), 'type');
});

test('verify: --now and --leeway drive exp / nbf; --no-claims skips them', () => {
  const claims = { sub: 'clock', iat: 1700000000, nbf: 1700000000, exp: 1700000600 };
  const token = sign(keys.hs512.signArg, 'HS512', claims);
  const k = keys.hs512.verifyArg;
  assert.equal(cli(['verify', '--key', k, '--now', '1700000300', token]).status, 0);
  const exp = assertRefused(cli(['verify', '--key', k, '--now', '1700000700', '--leeway', '0', token]), 'expired');
  assert.match(exp.message, /2023-11-14T22:23:20Z/, 'names the exp time');
  assert.equal(cli(['verify', '--key', k, '--now', '1700000650', '--leeway', '60', token]).status, 0);
  assertRefused(cli(['verify', '--key', k, '--now', '1699999000', '--leeway', '0', token]), 'not_yet_valid');
  assert.equal(cli(['verify', '--key', k, '--now', '1800000000', '--no-claims', token]).status, 0);
});

test('verify: exp is required by default, --require "" lifts it', () => {
  const token = sign(keys.hs256.signArg, 'HS256', { sub: 'no-exp' });
  assertRefused(cli(['verify', '--key', keys.hs256.verifyArg, token]), 'claim_missing');
  assert.equal(cli(['verify', '--key', keys.hs256.verifyArg, '--require', '', token]).status, 0);
  assertRefused(cli(['verify', '--key', keys.hs256.verifyArg, '--require', 'exp,sub', token]), 'claim_missing');
});

test('verify: the core refuses what is not a JWS with the exact code', () => {
  const k = keys.hs256.verifyArg;
  assertRefused(cli(['verify', '--key', k, 'abc.def']), 'malformed');
  assertRefused(cli(['verify', '--key', k, 'a.b.c.d']), 'malformed');
  const h = b64urlJson({ alg: 'HS256' });
  const p = b64urlJson({ sub: 'x' });
  assertRefused(cli(['verify', '--key', k, `${h}=.${p}.AAAA`]), 'base64');
  assertRefused(cli(['verify', '--key', k, `${b64urlJson({ alg: 'nOnE' })}.${p}.`]), 'alg_none');
  assertRefused(cli(['verify', '--key', k, `${b64urlJson({ alg: 'HS256', crit: ['exp'], exp: 1 })}.${p}.AAAA`]), 'crit');
  assertRefused(cli(['verify', '--key', k, `${b64urlJson({ alg: 'XS256' })}.${p}.AAAA`]), 'alg_unsupported');
  const dup = Buffer.from('{"alg":"HS256","alg":"none"}').toString('base64url');
  assertRefused(cli(['verify', '--key', k, `${dup}.${p}.AAAA`]), 'json_duplicate');
});

test('bounded input: an over-long token is refused before any work', () => {
  const long = `${'A'.repeat(9000)}.${'B'.repeat(10)}.${'C'.repeat(10)}`;
  assertRefused(cli(['verify', '--key', keys.hs256.verifyArg, long]), 'too_large');
  /* stdin is capped by jwt-cli itself (256 KiB) */
  assertUsage(cli(['verify', '--key', keys.hs256.verifyArg, '-'], 'A'.repeat(300 * 1024)), /larger than/);
  assertUsage(cli(['sign', '--key', keys.hs256.signArg, '--alg', 'HS256', '--claims', '-'],
    `{"a":"${'x'.repeat(70 * 1024)}"}`), /larger than/);
});

test('jwk: a JWKS file prints as a JWKS with the kids; jose can use it', async () => {
  const a = await jose.exportJWK(await jose.importSPKI(keys.ec256.pubPem, 'ES256', { extractable: true }));
  const b = await jose.exportJWK(await jose.importSPKI(keys.ed448.pubPem, 'EdDSA', { extractable: true }));
  const file = keys.write('set.jwks', JSON.stringify({ keys: [{ ...a, kid: 'one' }, { ...b, kid: 'two' }] }));
  const r = cli(['jwk', '--key', file]);
  assert.equal(r.status, 0, r.stderr);
  const set = JSON.parse(r.stdout);
  assert.deepEqual(set.keys.map((k) => k.kid), ['one', 'two']);
  const claims = claimsFor('jwks-out');
  const token = sign(keys.ed448.signArg, 'EdDSA', claims, ['--kid', 'two']);
  const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(set), { issuer: ISS, audience: AUD });
  assert.deepEqual(payload, claims);
});

test('key files the core refuses are reported with the code', () => {
  assertRefused(cli(['verify', '--key', '/nonexistent/key.pem', 'a.b.c']), 'io');
  const junk = keys.write('junk.pem', 'not a key at all\n');
  assertRefused(cli(['jwk', '--key', junk]), 'key_invalid');
  const weak = keys.write('weak.bin', 'x'.repeat(31));
  const w = assertRefused(cli(['verify', '--key', `secret:${weak}`, 'a.b.c']), 'key_weak');
  assert.match(w.message, /\b31 bytes\b/);
});

test('HMAC secret bound to the algorithms its length allows', () => {
  /* a 32-byte secret is too short for HS384 / HS512 */
  const r = cli(['sign', '--key', keys.hs256.signArg, '--alg', 'HS512', '--claims', '{"sub":"x"}']);
  const got = assertRefused(r, 'key_usage');
  assert.match(got.message, /HS512/);
  const token = sign(keys.hs512.signArg, 'HS256', { sub: 'x' });
  assert.equal(cli(['verify', '--key', keys.hs512.verifyArg, '--require', '', token]).status, 0);
});

test('usage errors exit 2 with a message', () => {
  assertUsage(cli([]), /usage:/);
  assertUsage(cli(['frobnicate']), /unknown command frobnicate/);
  assertUsage(cli(['verify', '--key']), /missing value for: --key/);
  assertUsage(cli(['verify', '--bogus', 'x', 'a.b.c']), /unknown option: --bogus/);
  assertUsage(cli(['verify', 'a.b.c']), /at least one --key/);
  assertUsage(cli(['verify', '--key', keys.hs256.verifyArg, '--leeway', '12x', 'a.b.c']), /bad number for: --leeway/);
  assertUsage(cli(['verify', '--key', keys.hs256.verifyArg, '--now', '-5', 'a.b.c']), /bad number for: --now/);
  assertUsage(cli(['sign', '--key', keys.hs256.signArg, '--alg', 'HS256']), /needs --alg and --claims/);
  assertUsage(cli(['verify', '--key', `secret:${keys.dir}/missing.bin`, 'a.b.c']), /cannot open .*missing\.bin/);
});

test('sign with secret:FILE and --kid; an oct JWK with that kid verifies it, jose too', async () => {
  const claims = claimsFor('secret-kid');
  const token = sign(keys.hs384.signArg, 'HS384', claims, ['--kid', 'hmac-1']);
  assert.deepEqual(JSON.parse(cli(['decode', token]).stdout).header, { alg: 'HS384', kid: 'hmac-1' });
  const jwk = { kty: 'oct', kid: 'hmac-1', alg: 'HS384', k: keys.hs384.secret.toString('base64url') };
  const f = keys.write('oct.jwks', JSON.stringify({ keys: [jwk] }));
  const r = cli(['verify', '--key', f, '--iss', ISS, '--aud', AUD, token]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), claims);
  const other = { ...jwk, kid: 'hmac-2' };
  assertRefused(cli(['verify', '--key', keys.write('oct2.jwks', JSON.stringify({ keys: [other] })), token]), 'unknown_kid');
  const { payload } = await jose.jwtVerify(token, await jose.importJWK(jwk, 'HS384'), { issuer: ISS, audience: AUD });
  assert.deepEqual(payload, claims);
});
