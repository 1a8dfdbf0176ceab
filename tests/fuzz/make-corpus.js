#!/usr/bin/env node
// Regenerates the libFuzzer seed corpora in tests/fuzz/corpus/<target>/.
// Run from anywhere: node tests/fuzz/make-corpus.js. Uses only node's crypto, so the
// output does not depend on npm packages. The keys below are fuzzing-only test keys; the
// public halves are compiled into fuzz_token.c (keep them in sync).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const HS_SECRET = 'fuzz-secret-0123456789abcdefghij';           // 32 bytes, HS256
const EC_JWK = {
  kty: 'EC', crv: 'P-256',
  x: 'AYbgVbnntlYyNMvWKAF_kxnbUzjXp_bhSmpoYMVcMZg',
  y: 'hRcH7KdiL-ypJZ653_whpiviEjlGIKd1H3xjuIK3SHI',
  d: 'gcXCJjeCiJB38CQAuM1f7fYg0t576Y99Jm9MKiEyoNk',
};
const fixtures = path.join(__dirname, '..', 'fixtures', 'keys');
const root = path.join(__dirname, 'corpus');

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const enc = (obj) => b64u(typeof obj === 'string' ? obj : JSON.stringify(obj));

function hs256(header, payload, secret = HS_SECRET) {
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${b64u(crypto.createHmac('sha256', secret).update(input).digest())}`;
}

function es256(header, payload) {
  const input = `${enc(header)}.${enc(payload)}`;
  const key = crypto.createPrivateKey({ key: EC_JWK, format: 'jwk' });
  const sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

function write(target, name, content) {
  const dir = path.join(root, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
}

const claims = {
  iss: 'https://idp.example/', aud: ['orders-api', 'billing'], sub: 'alice',
  iat: 1795860000, nbf: 1795860000, exp: 1795863600, scope: 'read write',
  realm_access: { roles: ['admin', 'ops'] },
};

// ---- token ----
write('token', 'hs256_kid', hs256({ alg: 'HS256', typ: 'JWT', kid: 'hs' }, claims));
write('token', 'hs256_nokid', hs256({ alg: 'HS256' }, { sub: 'bob', exp: 1795863600 }));
write('token', 'hs256_at_jwt', hs256({ alg: 'HS256', typ: 'at+jwt', kid: 'hs' }, claims));
write('token', 'es256_kid', es256({ alg: 'ES256', kid: 'ec' }, claims));
write('token', 'es256_nokid', es256({ alg: 'ES256', typ: 'JWT' }, { sub: 'carol' }));
write('token', 'hs256_wrong_key', hs256({ alg: 'HS256', kid: 'hs' }, claims, 'another-secret-of-32-bytes-long!'));
write('token', 'alg_none', `${enc({ alg: 'none' })}.${enc(claims)}.`);
write('token', 'alg_NoNe', `${enc({ alg: 'NoNe' })}.${enc(claims)}.`);
write('token', 'crit', hs256({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims));
write('token', 'b64_false', hs256({ alg: 'HS256', b64: false, crit: ['b64'] }, claims));
write('token', 'dup_header', hs256('{"alg":"HS256","alg":"none"}', claims));
write('token', 'dup_escaped_payload', hs256({ alg: 'HS256' }, '{"sub":"a","\\u0073ub":"admin"}'));
write('token', 'jwk_header', hs256({ alg: 'HS256', jwk: { kty: 'oct', k: b64u(HS_SECRET) } }, claims));
write('token', 'kid_unknown', hs256({ alg: 'HS256', kid: 'nope' }, claims));
write('token', 'es256_as_hs256', hs256({ alg: 'HS256', kid: 'ec' }, claims));
write('token', 'two_segments', `${enc({ alg: 'HS256' })}.${enc(claims)}`);
write('token', 'four_segments', `${hs256({ alg: 'HS256' }, claims)}.x`);
write('token', 'padded', hs256({ alg: 'HS256' }, { a: 1 }).replace(/\./, '=.'));
write('token', 'payload_array', hs256({ alg: 'HS256' }, '[1,2]'));
write('token', 'typ_number', hs256({ alg: 'HS256', typ: 5 }, claims));
write('token', 'exp_string', hs256({ alg: 'HS256', kid: 'hs' }, { exp: '1795863600' }));
write('token', 'exp_huge', hs256({ alg: 'HS256', kid: 'hs' }, '{"exp":1e400,"nbf":99999999999999999999}'));
// RFC 7515 A.1 (HMAC key not in our ring) and the seed article's token (short key).
write('token', 'rfc7515_a1',
  'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
write('token', 'seed_article',
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWV9.TJVA95OrM7E2cBab30RMHrHDcEfxjoYZgeFONFh7HgQ');

// ---- json ----
write('json', 'header.json', '{"alg":"HS256","typ":"JWT","kid":"hs"}');
write('json', 'payload.json', JSON.stringify(claims));
write('json', 'escapes.json', '{"s":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\ud83d\\ude00"}');
write('json', 'utf8.json', '{"s":"\u00e9 \u20ac \ud83d\ude00"}');
write('json', 'numbers.json', '{"a":[0,-0,1.5e-7,1E+2,9007199254740991,1e400,-1,0.0e0]}');
write('json', 'nested16.json', '{"a":'.repeat(15) + '{}' + '}'.repeat(15));
write('json', 'dup_escaped.json', '{"a":1,"\\u0061":2}');
write('json', 'dup_nested.json', '{"x":{"b":1,"c":{"b":2},"b":3}}');
write('json', 'array_top.json', '[1,"x",true,false,null,{"k":[]}]');
write('json', 'lone_surrogate.json', '{"s":"\\ud800"}');
write('json', 'overlong.bin', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]));
write('json', 'nan.json', '{"a":NaN}');
write('json', 'trailing.json', '{"a":1} {}');

// ---- b64 ----
for (const [name, s] of Object.entries({
  foobar: 'Zm9vYmFy', fooba: 'Zm9vYmE', url: '-_-_', header: 'eyJhbGciOiJIUzI1NiJ9',
  trailing_bits: 'Zh', padded: 'Zg==', len_mod4_1: 'Zm9vY', std_alphabet: '+/+/',
})) write('b64', name, s);

// ---- jwks ----
const pub = (file) => crypto.createPublicKey(fs.readFileSync(path.join(fixtures, file)));
const jwk = (file, extra) => ({ ...pub(file).export({ format: 'jwk' }), ...extra });
const ecPub = { kty: EC_JWK.kty, crv: EC_JWK.crv, x: EC_JWK.x, y: EC_JWK.y };
write('jwks', 'mixed_oct_public.json', JSON.stringify({ keys: [
  { kty: 'oct', kid: 'hs', alg: 'HS256', k: b64u(HS_SECRET) }, { ...ecPub, kid: 'ec', use: 'sig' }] }));
write('jwks', 'all_types.json', JSON.stringify({ keys: [
  jwk('rsa2048.pub.pem', { kid: 'rs', alg: 'RS256', use: 'sig' }),
  jwk('ec256.pub.pem', { kid: 'e256' }), jwk('ec384.pub.pem', { kid: 'e384' }),
  jwk('ec521.pub.pem', { kid: 'e521', key_ops: ['verify'] }),
  jwk('ed25519.pub.pem', { kid: 'ed1' }), jwk('ed448.pub.pem', { kid: 'ed4', alg: 'EdDSA' })] }));
write('jwks', 'secrets.json', JSON.stringify({ keys: [
  { kty: 'oct', kid: 'h5', k: b64u(crypto.createHash('sha512').update('x').digest()) },
  { kty: 'oct', kid: 'h2', alg: 'HS256', use: 'sig', k: b64u(HS_SECRET) }] }));
write('jwks', 'fuzz_hs.json', JSON.stringify({ kty: 'oct', kid: 'hs', alg: 'HS256', k: b64u(HS_SECRET) }));
write('jwks', 'fuzz_ec.json', JSON.stringify({ ...ecPub, kid: 'ec', use: 'sig' }));
write('jwks', 'dup_kid.json', JSON.stringify({ keys: [{ ...ecPub, kid: 'a' }, { ...ecPub, kid: 'a' }] }));
write('jwks', 'unknown_kty.json', JSON.stringify({ keys: [{ kty: 'XYZ', kid: 'u' }, { ...ecPub, kid: 'ok' }] }));
write('jwks', 'ec_private.json', JSON.stringify({ ...EC_JWK, kid: 'ecpriv' }));
write('jwks', 'ec_off_curve.json', JSON.stringify({ ...ecPub, y: b64u(Buffer.alloc(32, 1)) }));
write('jwks', 'short_hmac.json', JSON.stringify({ kty: 'oct', k: b64u('secret') }));
write('jwks', 'rfc8037_ed25519.json', JSON.stringify({ kty: 'OKP', crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }));
for (const f of ['ec256.pub.pem', 'cert-ec256.pem', 'rsa2048.pkcs1.pub.pem', 'ed25519.pem', 'ec256.sec1.pem'])
  write('jwks', f, fs.readFileSync(path.join(fixtures, f)));
