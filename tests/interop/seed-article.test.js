'use strict';
/*
 * The example token of the seed article (jsonwebtoken, HMAC key "secret"). It decodes,
 * its signature is genuinely HMAC-SHA256 with "secret" (checked here with node:crypto),
 * and the core still refuses it: a 6-byte secret is shorter than the 32 bytes HS256
 * requires (RFC 7518 3.2), and that -- not the signature -- is the reason given.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { cli, refusal } = require('./lib/interop');

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
  + '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWV9'
  + '.TJVA95OrM7E2cBab30RMHrHDcEfxjoYZgeFONFh7HgQ';
const HEADER = { alg: 'HS256', typ: 'JWT' };
const PAYLOAD = { sub: '1234567890', name: 'John Doe', admin: true };

let dir;
let secretFile;
test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-seed-'));
  secretFile = path.join(dir, 'secret.bin');
  fs.writeFileSync(secretFile, 'secret');   /* the 6 bytes, no newline */
});
test.after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

test('seed token: jwt-cli decode shows header and payload', () => {
  const r = cli(['decode', TOKEN]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { header: HEADER, payload: PAYLOAD });
});

test('seed token: decode reads it from stdin too', () => {
  const r = cli(['decode', '-'], `${TOKEN}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { header: HEADER, payload: PAYLOAD });
});

test('seed token: the signature really is HMAC-SHA256 with "secret"', () => {
  const [h, p, s] = TOKEN.split('.');
  const mac = crypto.createHmac('sha256', 'secret').update(`${h}.${p}`).digest('base64url');
  assert.equal(mac, s);
  /* and jsonwebtoken, which has no minimum HMAC key length, accepts it */
  assert.deepEqual(jwt.verify(TOKEN, 'secret', { algorithms: ['HS256'] }), PAYLOAD);
});

test('seed token: verification refused with key_weak, key shorter than 32 bytes', () => {
  assert.equal(fs.statSync(secretFile).size, 6);
  for (const extra of [[], ['--no-claims'], ['--algs', 'HS256']]) {
    const r = cli(['verify', '--key', `secret:${secretFile}`, ...extra, TOKEN]);
    assert.equal(r.status, 1, r.stdout);
    assert.equal(r.stdout, '');
    const got = refusal(r);
    assert.equal(got.code, 'key_weak', r.stderr);
    assert.match(got.message, /\b6 bytes\b.*shorter than (the )?32 bytes/);
  }
});

/* The word "secret" is both the key and part of the message, so check that no secret
 * is echoed with a distinctive one of the same weakness. */
test('a short secret is never echoed in the refusal', () => {
  const distinct = path.join(dir, 'distinct.bin');
  fs.writeFileSync(distinct, 'Qz7-unique');
  const r = cli(['verify', '--key', `secret:${distinct}`, TOKEN]);
  assert.equal(refusal(r).code, 'key_weak', r.stderr);
  assert.match(refusal(r).message, /\b10 bytes\b/);
  assert.doesNotMatch(r.stderr, /Qz7-unique/);
});

test('seed token: signing with the 6-byte secret is refused the same way', () => {
  const r = cli(['sign', '--key', `secret:${secretFile}`, '--alg', 'HS256', '--claims', JSON.stringify(PAYLOAD)]);
  assert.equal(r.status, 1);
  assert.equal(refusal(r).code, 'key_weak', r.stderr);
});
