'use strict';
/*
 * The Inspect page with an encrypted token (issue 24), the built jwt-admin.cgi run as httpd
 * runs a CGI: tokens from npm jose (nested sign-then-encrypt, EncryptJWT) are decrypted
 * with JWT_ADMIN_DECRYPTION_KEYS and the secrets file's "use":"enc" keys; the page shows the
 * JWE header and the inner token with every check; and it says plainly when it cannot
 * decrypt and why (no keys, no key for the kid, a forged tag, a refused algorithm).
 * Env: JWT_BUILD_DIR.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const jose = require('jose');

const { CGI, HOST } = require('./lib/cgi');

let dir; let env; let csrf; let encRsa; let sig; let oct;

function run(e, method, query, body = '') {
  const r = spawnSync(CGI, [], {
    env: { ...e, REQUEST_METHOD: method, QUERY_STRING: query,
      ...(method === 'POST' ? { CONTENT_TYPE: 'application/x-www-form-urlencoded',
        CONTENT_LENGTH: String(Buffer.byteLength(body)), HTTP_ORIGIN: `http://${HOST}` } : {}) },
    input: body,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  const text = r.stdout.toString('utf8');
  const sep = text.indexOf('\r\n\r\n');
  return { status: Number(/Status: (\d+)/.exec(text.slice(0, sep))[1]), body: text.slice(sep + 4) };
}
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const inspect = (e, token) => {
  const page = run(e, 'GET', 'page=inspect');
  const c = /name="csrf" value="([^"]*)"/.exec(page.body)[1];
  const r = run(e, 'POST', 'page=inspect', new URLSearchParams({ csrf: c, action: 'inspect', token }).toString());
  assert.equal(r.status, 200, r.body.slice(0, 400));
  return decode(r.body);
};
const checkOf = (html, name) => (new RegExp(`<tr class="([a-z]+)" data-check="${name}">`).exec(html) || [])[1];

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-cgi-jwe-'));
  encRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  sig = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(path.join(dir, 'enc.pem'), encRsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'sig.pub.pem'), sig.publicKey.export({ type: 'spki', format: 'pem' }));
  oct = crypto.randomBytes(32);
  fs.writeFileSync(path.join(dir, 'secrets.jwks'), JSON.stringify({ keys: [
    { kty: 'oct', kid: 'hs', alg: 'HS256', k: crypto.randomBytes(32).toString('base64url') },
    { kty: 'oct', kid: 'shared-enc', use: 'enc', k: oct.toString('base64url') }] }));
  env = {
    PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1', SCRIPT_NAME: '/cgi-bin/jwt-admin.cgi',
    REMOTE_USER: 'alice', HTTP_HOST: HOST,
    JWT_ADMIN_SECRETS_FILE: path.join(dir, 'secrets.jwks'), JWT_ADMIN_AUDIT_LOG: path.join(dir, 'audit.log'),
    JWT_ADMIN_KEYS: `${path.join(dir, 'sig.pub.pem')} kid=sig`,
    JWT_ADMIN_DECRYPTION_KEYS: `${path.join(dir, 'enc.pem')} kid=enc-1`,
  };
});
test.after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

const now = () => Math.floor(Date.now() / 1000);
const signed = (claims) => new jose.SignJWT({ sub: 'alice', iat: now(), exp: now() + 600, ...claims })
  .setProtectedHeader({ alg: 'ES256', kid: 'sig' }).sign(sig.privateKey);
const nest = async (jws, header, key) => new jose.CompactEncrypt(Buffer.from(jws))
  .setProtectedHeader({ cty: 'JWT', ...header }).encrypt(key);

test('a nested JWT: the JWE header, the key that decrypted, then the inner token with every check', async () => {
  const html = inspect(env, await nest(await signed({ role: 'ops' }), { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1' }, encRsa.publicKey));
  assert.match(html, /id="jwe-header-json">[^<]*"alg": ?"RSA-OAEP-256"/);
  assert.match(html, /id="jwe-header-json">[^<]*"cty": ?"JWT"/);
  assert.match(html, /id="jwe-verdict">Decrypted \(RSA-OAEP-256, A256GCM\) with kid=enc-1/);
  assert.match(html, /id="inner-token">Inner token/);
  assert.match(html, /id="payload-json">[^<]*"role": ?"ops"/);
  for (const c of ['parse', 'algorithm', 'key', 'signature', 'exp']) assert.equal(checkOf(html, c), 'pass', c);
  assert.match(html, /id="verdict">The module would accept this token/);
});

test('a nested JWT with a bad inner signature: decrypted, and the signature check fails', async () => {
  const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jws = await new jose.SignJWT({ sub: 'x', exp: now() + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'sig' }).sign(other.privateKey);
  const html = inspect(env, await nest(jws, { alg: 'RSA-OAEP', enc: 'A128CBC-HS256' }, encRsa.publicKey));
  assert.match(html, /id="jwe-verdict">Decrypted/);
  assert.equal(checkOf(html, 'signature'), 'fail');
  assert.match(html, /id="verdict">The module would refuse this token/);
});

test('claims-only under the secrets file\'s shared key: accepted; under RSA-OAEP: refused, and why', async () => {
  const claims = { sub: 'bob', exp: now() + 600 };
  let html = inspect(env, await new jose.EncryptJWT(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(new Uint8Array(oct)));
  assert.match(html, /id="jwe-verdict">Decrypted \(dir, A256GCM\) with kid=shared-enc .*secrets:/);
  assert.equal(checkOf(html, 'signature'), 'skip');
  assert.match(html, /id="verdict">The module would accept this token/);
  html = inspect(env, await new jose.EncryptJWT(claims).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(encRsa.publicKey));
  assert.equal(checkOf(html, 'signature'), 'fail');
  assert.match(html, /anyone holding the public key could have made them/);
  assert.match(html, /id="verdict">The module would refuse this token/);
});

test('cannot decrypt: the page says so and why', async () => {
  const jws = await signed({});
  const good = await nest(jws, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, encRsa.publicKey);
  const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases = [
    [{ ...env, JWT_ADMIN_DECRYPTION_KEYS: undefined, JWT_ADMIN_SECRETS_FILE: undefined, JWT_ADMIN_CSRF_KEY_FILE: path.join(dir, 'csrf.key') }, good,
      /Cannot decrypt: no decryption key is configured for this page \(JWT_ADMIN_DECRYPTION_KEYS/],
    [env, await nest(jws, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'nobody' }, encRsa.publicKey), /Cannot decrypt: unknown_kid: /],
    [env, await nest(jws, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, stranger.publicKey), /Cannot decrypt: (decrypt|no_key): /],
    [env, ['eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0', ...good.split('.').slice(1)].join('.'), /Cannot decrypt: alg_refused: .*RSA1_5/],
  ];
  for (const [e, token, want] of cases) {
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    const html = inspect(e, token);
    assert.match(html, /<section class="jwe" id="jwe">/);
    assert.match(html, want);
    assert.match(html, /id="verdict">The module would refuse this token if it cannot decrypt it either/);
  }
});
