'use strict';
// Security group (issue 8): attacks that the other suites do not already cover, each against
// a real httpd with the real module. Every refusal is the exact RFC 6750 answer with the exact
// reason; kid injection is also watched with strace so that a kid can be shown never to reach
// the filesystem.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');
const A = require('../integration/lib/assertions');
const F = require('../integration/lib/fixture');

const REALM = 'sec-api';
const HAVE_STRACE = spawnSync('strace', ['-V']).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Orders of the NIST curves: r = s = n is the other "psychic" value besides zero. */
const ORDER = {
  ES256: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
  ES384: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
  ES512: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
};
const HALF = { ES256: 32, ES384: 48, ES512: 66 };

describe('security: attacks', () => {
  let keys; let srv;

  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256', 'ec384', 'ec521'] });
    const secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, F.hmacEntries(keys));
    srv = await startHttpd({
      name: 'security-attacks',
      conf: F.location('/api', REALM, `${F.keyFileLines(keys)}\n  AuthJWTSecretsFile "${secrets}"\n  Require valid-user`),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const send = (token) => request(srv.base, '/api/ok.txt', { headers: F.bearer(token) });
  const rs = (header = { alg: 'RS256', kid: 'rsa' }, payload = T.claims()) =>
    T.rawSign({ alg: header.alg || 'RS256', signAs: 'RS256', key: keys.rsa.privateKey, header, payload });
  async function refused(token, reason) {
    A.expectInvalidToken(await send(token), REALM, token, reason);
  }
  /* A credential with a comma looks like two merged Authorization headers to the module:
   * 400 invalid_request (RFC 6750 3.1), never a verification attempt. */
  async function badRequest(token) {
    const res = await send(token);
    assert.equal(res.status, 400, `expected 400, got ${res.status}`);
    assert.deepEqual(res.header('WWW-Authenticate'), [
      `Bearer realm="${REALM}", error="invalid_request", error_description="more than one token, or a malformed request"`]);
  }

  /* Runs fn while strace follows every process of the server (parent, children, threads)
   * and returns the file-related system calls they made. */
  async function traceFiles(fn) {
    const ps = spawnSync('ps', ['-o', 'pid=', '-g', String(srv.pid)], { encoding: 'utf8' });
    const pids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    assert.ok(pids.length >= 2, `server processes: ${ps.stdout}`);
    const out = path.join(srv.dir, 'strace.out');
    const args = ['-f', '-qq', '-e', 'trace=%file', '-o', out];
    for (const p of pids) args.push('-p', p);
    const st = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    st.stderr.on('data', (d) => { err += d; });
    await sleep(1500);                       // attach to every thread
    try { await fn(); } finally {
      await sleep(300);
      st.kill('SIGINT');
      await new Promise((r) => st.once('exit', r));
    }
    return `${fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : ''}\n${err}`;
  }

  test('control: RS256, HS256 from the secrets file and ES256 tokens pass', async () => {
    A.expectOk(await send(rs()));
    A.expectOk(await send(T.jwtSign({ alg: 'HS256', key: keys.hmac.hs256, header: { kid: 'hs256' } })));
    A.expectOk(await send(T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec256' } })));
  });

  const KID_STRINGS = [
    '../../../../../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', '..%2f..%2fetc%2fpasswd',
    "' OR '1'='1' --", '"; DROP TABLE keys; --', '$(cat /etc/passwd)', '`id`', '%s%s%s%n',
    'rsa ', ' rsa', 'RSA', 'rsa/', 'rsa\\u0000',
  ];

  test('kid injection: traversal, SQL, shell, format strings, near-miss names are unknown kids', async () => {
    for (const kid of KID_STRINGS) await refused(rs({ alg: 'RS256', kid }), 'unknown_kid');
    // a kid naming the secrets file itself, or a key file, is just an unknown name
    await refused(rs({ alg: 'RS256', kid: `${keys.dir}/secrets.jwks` }), 'unknown_kid');
    await refused(rs({ alg: 'RS256', kid: keys.rsa.pubPath }), 'unknown_kid');
    // a very long kid (4000 bytes, token still under the module cap)
    await refused(rs({ alg: 'RS256', kid: 'k'.repeat(4000) }), 'unknown_kid');
  });

  test('kid injection: NUL (escaped) and non-string kids are refused before any key lookup', async () => {
    const header = (kidJson) => `{"alg":"RS256","kid":${kidJson}}`;
    await refused(rs(header('"rsa\\u0000"')), 'json');
    await refused(rs(header('"rsa\\u0000/../../etc/passwd"')), 'json');
    for (const kid of ['17', 'null', 'true', '["rsa"]', '{"$ne":null}', '{"path":"/etc/passwd"}']) {
      await refused(rs(header(kid)), 'header');
    }
  });

  test('kid injection never reaches the filesystem (strace of every server process)', { skip: !HAVE_STRACE && 'strace not installed' }, async () => {
    const trace = await traceFiles(async () => {
      A.expectOk(await send(rs()));     // control: serving ok.txt must show up in the trace
      for (const kid of KID_STRINGS) await refused(rs({ alg: 'RS256', kid }), 'unknown_kid');
      await refused(rs({ alg: 'RS256', kid: 'k'.repeat(4000) }), 'unknown_kid');
    });
    assert.match(trace, /ok\.txt/, `strace saw nothing: ${trace.slice(0, 2000)}`);
    const bad = trace.split('\n').filter((l) => /passwd|DROP|\$\(|`id`|%n|kkkkkkkk/.test(l));
    assert.deepEqual(bad, [], 'a kid reached a file system call');
    assert.equal(srv.errorLog().match(/AH00052|exit signal/g), null, 'a child crashed');
  });

  test('JWS JSON serialization (general and flattened) as the bearer value is refused', async () => {
    const good = rs();
    A.expectOk(await send(good));
    const [h, p, s] = T.split(good);
    const general = JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] });
    const flattened = JSON.stringify({ payload: p, protected: h, header: { kid: 'rsa' }, signature: s });
    await badRequest(general);
    await badRequest(flattened);
    // without commas (one member) the JSON is just a malformed compact token
    await refused(JSON.stringify({ payload: p }), 'malformed');
    // the same objects base64url-encoded, and a compact token wrapped in JSON quotes
    await refused(Buffer.from(general).toString('base64url'), 'malformed');
    await refused(Buffer.from(flattened).toString('base64url'), 'malformed');
    await refused(JSON.stringify(good), 'base64');
  });

  test('multi-signature tricks: a second signature appended or prepended is refused', async () => {
    const good = rs();
    const other = T.jwtSign({ alg: 'HS256', key: keys.hmac.hs256, header: { kid: 'hs256' } });
    const [h, p, s] = T.split(good);
    const s2 = T.split(other)[2];
    await refused(`${h}.${p}.${s}.${s2}`, 'malformed');
    await refused(`${h}.${p}.${s2}.${s}`, 'malformed');
    await refused(`${h}.${p}.${s}${s2}`, 'base64');
    await badRequest(`${h}.${p}.${s},${s2}`);
    await refused(`${h}.${p}.${s}~${s2}`, 'base64');
  });

  test('HMAC: a tag wrong in its first byte and one wrong in its last byte are both refused', async () => {
    for (const [kid, alg] of [['hs256', 'HS256'], ['hs384', 'HS384'], ['hs512', 'HS512']]) {
      const good = T.jwtSign({ alg, key: keys.hmac[kid], header: { kid } });
      A.expectOk(await send(good));
      const [h, p, s] = T.split(good);
      const tag = Buffer.from(s, 'base64url');
      const flip = (i) => { const t = Buffer.from(tag); t[i] ^= 0x01; return `${h}.${p}.${t.toString('base64url')}`; };
      await refused(flip(0), 'signature');
      await refused(flip(tag.length - 1), 'signature');
      // truncated and extended tags, and the empty one, never verify
      await refused(`${h}.${p}.${tag.subarray(0, tag.length - 1).toString('base64url')}`, 'signature');
      await refused(`${h}.${p}.${tag.subarray(0, 16).toString('base64url')}`, 'signature');
      await refused(`${h}.${p}.${Buffer.concat([tag, Buffer.alloc(1)]).toString('base64url')}`, 'signature');
      await refused(`${h}.${p}.`, 'malformed');
    }
  });

  test('psychic signatures: r = s = 0 and r = s = n for ES256, ES384 and ES512', async () => {
    for (const [alg, name] of [['ES256', 'ec256'], ['ES384', 'ec384'], ['ES512', 'ec521']]) {
      const good = T.rawSign({ alg, key: keys[name].privateKey, header: { alg, kid: name } });
      A.expectOk(await send(good));
      const [h, p] = T.split(good);
      const n = Buffer.from(ORDER[alg].padStart(HALF[alg] * 2, '0'), 'hex');
      assert.equal(n.length, HALF[alg]);
      await refused(`${h}.${p}.${Buffer.alloc(2 * HALF[alg]).toString('base64url')}`, 'signature');
      await refused(`${h}.${p}.${Buffer.concat([n, n]).toString('base64url')}`, 'signature');
      const one = Buffer.alloc(HALF[alg]); one[HALF[alg] - 1] = 1;
      await refused(`${h}.${p}.${Buffer.concat([n, one]).toString('base64url')}`, 'signature');
      await refused(`${h}.${p}.${Buffer.concat([one, Buffer.alloc(HALF[alg])]).toString('base64url')}`, 'signature');
    }
  });

  test('nested JWT (RFC 8725 3.3): cty "JWT" with a token as payload is refused, whatever the inner token', async () => {
    const inner = rs();
    const innerNone = `${T.seg({ alg: 'none' })}.${T.seg(T.claims({ sub: 'admin' }))}.`;
    for (const payload of [inner, innerNone]) {
      const outer = T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa', cty: 'JWT' }, payload });
      await refused(outer, 'json');
    }
    // a JSON object payload is verified and used as claims; cty does not change that
    A.expectOk(await send(T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa', cty: 'JWT' }, payload: T.claims() })));
  });

  test('the server still answers and no child crashed', async () => {
    A.expectOk(await send(rs()));
    assert.equal(srv.errorLog().match(/AH00052|exit signal|AddressSanitizer/g), null);
  });
});
