'use strict';
// AuthJWTSecretsFile and AuthJWTSigningKey secrets= with plain RFC 7517 JWK Sets, as config
// management, a vault export or another gateway writes them (issue 20): no status, no
// created, sometimes no alg, key_ops, members of their own. Tokens come from npm `jose`
// (jsonwebtoken where jose refuses a short HMAC key); login tokens are checked by jose.
// Every broken form is refused by configtest with its exact message, file and line, and on
// a reload keeps the last good keys.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { startHttpd, configtest, request, sleep, IS_ROOT } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');
const L = require('../login/lib/login');

const CHECK_WAIT_MS = 1600;   // > the one-second check interval of the secrets file
const PW = 'Plain-Jwks-Pw-7731';

const b64 = (buf) => buf.toString('base64url');
const oct = (kid, k, extra = {}) => ({ kty: 'oct', ...(kid ? { kid } : {}), k: b64(k), ...extra });

/* A JWK Set written atomically, readable by httpd's children (root:www-data 0640 as root). */
function writeJwks(file, jwks) {
  const tmp = `${file}.tmp.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, typeof jwks === 'string' ? jwks : JSON.stringify(jwks), { mode: 0o640 });
  fs.chmodSync(tmp, 0o640);
  if (IS_ROOT) fs.chownSync(tmp, 0, 33 /* www-data */);
  fs.renameSync(tmp, file);
  return file;
}

const S = {
  one: crypto.randomBytes(32),
  a256: crypto.randomBytes(32), b384: crypto.randomBytes(48), c512: crypto.randomBytes(64),
  n32: crypto.randomBytes(32), n64: crypto.randomBytes(64),
  signOnly: crypto.randomBytes(32), verifyOnly: crypto.randomBytes(32),
  m1: crypto.randomBytes(32), m2: crypto.randomBytes(48), m3: crypto.randomBytes(64),
  other: crypto.randomBytes(64),
};

const jose = (alg, k, kid, extra) => T.joseSign({ alg, key: k, header: kid ? { kid } : {}, payload: T.claims(extra) });

describe('plain JWKS secrets files', () => {
  let keys; let srv; const f = {};

  before(async () => {
    keys = generateKeys({ only: [] });
    const d = keys.dir;
    f.one = writeJwks(`${d}/one.jwks`, { keys: [oct('one', S.one, { alg: 'HS256' })] });
    f.three = writeJwks(`${d}/three.jwks`, { keys: [
      oct('a', S.a256, { alg: 'HS256' }), oct('b', S.b384, { alg: 'HS384' }), oct('c', S.c512, { alg: 'HS512' })] });
    f.noalg = writeJwks(`${d}/noalg.jwks`, { keys: [oct('n32', S.n32), oct('n64', S.n64)] });
    f.keyops = writeJwks(`${d}/keyops.jwks`, { keys: [
      oct('sign-only', S.signOnly, { key_ops: ['sign'], status: 'active' }),
      oct('verify-only', S.verifyOnly, { key_ops: ['verify'], use: 'sig', 'x-vault-id': 'kv/jwt#2' })] });
    f.single = writeJwks(`${d}/single-noalg.jwks`, { keys: [oct('solo', S.n64)] });
    f.mixed = writeJwks(`${d}/mixed.jwks`, { keys: [
      oct('m1', S.m1, { alg: 'HS256' }), oct('m2', S.m2, { alg: 'HS384', status: 'active' }), oct('m3', S.m3)] });
    f.reload = writeJwks(`${d}/reload.jwks`, { keys: [oct('r1', S.one)] });
    const users = L.makeUsers(d, [{ user: 'pat', password: PW, hash: 'B' }]);
    const protect = (where, file, extra = '') => F.location(where, where.slice(1),
      `  AuthJWTSecretsFile "${file}"\n${extra}  Require valid-user`);
    srv = await startHttpd({
      name: 'secrets-jwks',
      modules: ['authn_file'],
      conf: [
        protect('/one', f.one), protect('/three', f.three), protect('/noalg', f.noalg),
        protect('/noalg384', f.noalg, '  AuthJWTAlgorithms HS384\n'),
        protect('/keyops', f.keyops), protect('/mixed', f.mixed), protect('/reload', f.reload),
        L.loginLocation('/login/one', { keyLine: `secrets=${f.one}`, userFile: users }),
        L.loginLocation('/login/solo', { keyLine: `secrets=${f.single}`, userFile: users }),
        L.loginLocation('/login/solo512', { keyLine: `secrets=${f.single}`, alg: 'HS512', userFile: users }),
        L.loginLocation('/login/mixed', { keyLine: `secrets=${f.mixed}`, userFile: users }),
        L.loginLocation('/login/keyops', { keyLine: `secrets=${f.keyops}`, userFile: users }),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const get = (where, token) => request(srv.base, `/${where}/ok.txt`, { headers: F.bearer(token) });
  async function ok(where, token) { A.expectOk(await get(where, token)); }
  async function refusedAt(where, token) { A.expectInvalidToken(await get(where, token), where, token); }

  test('one key (kid, alg, k only): its HS256 tokens pass, others are refused', async () => {
    await ok('one', await jose('HS256', S.one, 'one'));
    await ok('one', await jose('HS256', S.one));                   // no kid in the token
    await refusedAt('one', await jose('HS256', S.other, 'one'));
    await refusedAt('one', await jose('HS512', S.other, 'one'));
  });

  test('three keys of three algs: each verifies its own alg only', async () => {
    await ok('three', await jose('HS256', S.a256, 'a'));
    await ok('three', await jose('HS384', S.b384, 'b'));
    await ok('three', await jose('HS512', S.c512, 'c'));
    // b is bound to HS384 by its alg: an HS256 token made with b's bytes is refused
    await refusedAt('three', await jose('HS256', S.b384, 'b'));
    await refusedAt('three', await jose('HS256', S.c512, 'c'));
  });

  test('no alg: every HS alg the length allows, narrowed by AuthJWTAlgorithms', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) await ok('noalg', await jose(alg, S.n64, 'n64'));
    await ok('noalg', await jose('HS256', S.n32, 'n32'));
    // a 32-byte key is too short for HS384 (jose would refuse to make this token)
    const short = T.jwtSign({ alg: 'HS384', key: S.n32, header: { kid: 'n32' } });
    await refusedAt('noalg', short);
    await ok('noalg384', await jose('HS384', S.n64, 'n64'));
    await refusedAt('noalg384', await jose('HS256', S.n64, 'n64'));
    await refusedAt('noalg384', await jose('HS512', S.n64, 'n64'));
  });

  test('key_ops: a key without "verify" verifies nothing; one with it does', async () => {
    await refusedAt('keyops', await jose('HS256', S.signOnly, 'sign-only'));
    await ok('keyops', await jose('HS256', S.verifyOnly, 'verify-only'));
  });

  async function login(where) {
    const { token, header } = L.expectLoginOk(await L.postJson(srv.base, where, { username: 'pat', password: PW }), 900);   // the default lifetime
    return { token, header };
  }
  const verifiedBy = async (token, k, alg) => (await T.jose.jwtVerify(token, k, { algorithms: [alg] })).payload;

  test('login signs with the only key of a one-key file', async () => {
    const { token, header } = await login('/login/one');
    assert.deepEqual([header.alg, header.kid], ['HS256', 'one']);
    assert.equal((await verifiedBy(token, S.one, 'HS256')).sub, 'pat');
    await ok('one', token);
  });

  test('login with a no-alg key: HS256 unless AuthJWTSigningAlgorithm says otherwise', async () => {
    let r = await login('/login/solo');
    assert.deepEqual([r.header.alg, r.header.kid], ['HS256', 'solo']);
    await verifiedBy(r.token, S.n64, 'HS256');
    r = await login('/login/solo512');
    assert.deepEqual([r.header.alg, r.header.kid], ['HS512', 'solo']);
    await verifiedBy(r.token, S.n64, 'HS512');
  });

  test('login signs with the key marked active among three', async () => {
    const { token, header } = await login('/login/mixed');
    assert.deepEqual([header.alg, header.kid], ['HS384', 'm2']);
    await verifiedBy(token, S.m2, 'HS384');
    await assert.rejects(verifiedBy(token, S.m1, 'HS384'));
    await ok('mixed', token);
  });

  test('login with an active sign-only key: signs, and that token verifies nowhere here', async () => {
    const { token, header } = await login('/login/keyops');
    assert.equal(header.kid, 'sign-only');
    await verifiedBy(token, S.signOnly, 'HS256');
    await refusedAt('keyops', token);
  });

  test('a reload to a broken file keeps the last good keys and logs the exact reason', async () => {
    const good = await jose('HS256', S.one, 'r1');
    await ok('reload', good);
    writeJwks(f.reload, { keys: [oct('r1', S.one), oct('r1', S.other)] });
    await sleep(CHECK_WAIT_MS);
    for (let i = 0; i < 6; i++) await ok('reload', good);
    assert.ok(srv.errorLog().includes(`AuthJWTSecretsFile ${f.reload} changed but cannot be loaded; `
      + `keeping the last good keys: secrets file ${f.reload}: kid r1 appears more than once`), srv.errorLog());
    writeJwks(f.reload, { keys: [oct('r2', S.other)] });
    await sleep(CHECK_WAIT_MS);
    await ok('reload', await jose('HS512', S.other, 'r2'));
    await refusedAt('reload', good);
  });

  test('no child crashed, no secret logged', () => {
    const log = srv.errorLog();
    assert.doesNotMatch(log, /exit signal|Segmentation fault/);
    for (const [name, k] of Object.entries(S)) assert.ok(!log.includes(b64(k)) && !log.includes(k.toString('hex')), `${name} in the log`);
  });
});

describe('broken secrets files: configtest names file, line and reason', () => {
  let keys;
  before(() => { keys = generateKeys({ only: [] }); });
  after(() => keys?.cleanup());

  const k32 = b64(crypto.randomBytes(32));
  const cases = [
    ['not JSON', '{"keys": [ this is not JSON', null],
    ['not a JWKS', { kty: 'oct', k: k32 }, 'not a JWK Set (no "keys" array)'],
    ['a non-oct key', { keys: [{ kty: 'RSA', kid: 'r', n: 'AQAB', e: 'AQAB' }] },
      'kid r: "kty" is "RSA", a secrets file holds "oct" keys only'],
    ['bad base64url k', { keys: [{ kty: 'oct', kid: 'a', k: `${k32}=` }] }, 'kid a: "k" is not strict base64url'],
    ['a short key', { keys: [{ kty: 'oct', kid: 'a', k: b64(crypto.randomBytes(31)) }] },
      'kid a: 31-byte secret is shorter than the 32 bytes HS256 needs'],
    ['a short key for its alg', { keys: [{ kty: 'oct', kid: 'a', alg: 'HS512', k: b64(crypto.randomBytes(48)) }] },
      'kid a: 48-byte secret is shorter than the 64 bytes HS512 needs'],
    ['a duplicate kid', { keys: [{ kty: 'oct', kid: 'a', k: k32 }, { kty: 'oct', kid: 'a', k: k32 }] },
      'kid a appears more than once'],
    ['an unknown status', { keys: [{ kty: 'oct', kid: 'a', k: k32, status: 'enabled' }] },
      'kid a: "status" must be "active", "verify" or "retired"'],
    ['two active keys', { keys: [{ kty: 'oct', kid: 'a', k: k32, status: 'active' }, { kty: 'oct', kid: 'b', k: k32, status: 'active' }] },
      'more than one active key (second: kid b)'],
  ];
  for (const [name, content, reason] of cases) {
    test(name, async () => {
      const file = writeJwks(`${keys.dir}/${name.replace(/\W+/g, '-')}.jwks`, content);
      const r = await configtest(F.location('/api', 'api', `  AuthJWTSecretsFile "${file}"\n  Require valid-user`), { name: 'ct-secrets' });
      assert.equal(r.code, 1, r.output);
      assert.ok(r.output.includes(`Syntax error on line ${r.lineOf('AuthJWTSecretsFile')} of ${r.confPath}`), r.output);
      const expected = reason ? `AuthJWTSecretsFile ${file}: ${reason}` : `AuthJWTSecretsFile ${file}: `;
      assert.ok(r.output.includes(expected), `expected "${expected}" in:\n${r.output}`);
    });
  }

  test('control: the same location with a plain one-key JWKS passes', async () => {
    const file = writeJwks(`${keys.dir}/fine.jwks`, { keys: [{ kty: 'oct', k: k32 }] });
    const r = await configtest(F.location('/api', 'api', `  AuthJWTSecretsFile "${file}"\n  Require valid-user`), { name: 'ct-secrets' });
    assert.equal(r.code, 0, r.output);
  });
});
