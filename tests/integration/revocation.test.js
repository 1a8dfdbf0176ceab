'use strict';
/* Revocation on one server (issue 25), shmcb: AuthJWTRevocationCache shmcb, a location with
 * AuthJWTRevocation On, jwt-revoke-handler (RFC 7009) for token holders and, behind Basic
 * auth, for operators (jti, subject cut-off), jwt-logout-handler revoking the presented
 * token. Tokens from npm jsonwebtoken / jose; ECDSA malleability made by hand (n - s). */
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const crypto = require('node:crypto');
const jsonwebtoken = require('jsonwebtoken');
const { startHttpd, configtest, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');
const L = require('../login/lib/login');

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ISS = 'https://idp.example/';
const form = (o) => new URLSearchParams(o).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const basic = (u, p) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

/* P-256 order: (r, n - s) verifies as well as (r, s): the same token in another byte form */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
function otherEcdsaForm(token) {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s, 'base64url');
  const r = sig.subarray(0, 32);
  const sv = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const s2 = Buffer.from((P256_N - sv).toString(16).padStart(64, '0'), 'hex');
  return `${h}.${p}.${Buffer.concat([r, s2]).toString('base64url')}`;
}

describe('revocation, one server (shmcb)', () => {
  let keys; let srv; let users;
  const sign = (extra = {}, alg = 'ES256') => {
    const payload = T.claims({ iss: ISS, jti: crypto.randomUUID(), ...extra });
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    // jsonwebtoken keeps a given iat; noTimestamp (T.jwtSign) would delete it
    return jsonwebtoken.sign(payload, alg === 'ES256' ? keys.ec256.privateKey : keys.rsa.privateKey,
      { algorithm: alg, noTimestamp: payload.iat === undefined });
  };
  const api = (token, p = '/api/ok.txt') => request(srv.base, p, { headers: F.bearer(token) });
  const revoke = (body, headers = {}, p = '/auth/revoke') =>
    request(srv.base, p, { method: 'POST', headers: { ...FORM, ...headers }, body: form(body) });

  before(async () => {
    keys = generateKeys({ only: ['ec256', 'rsa'] });
    users = L.makeUsers(keys.dir, [{ user: 'ops', password: 'ops-pass', hash: 'B' }, { user: 'viewer', password: 'viewer-pass', hash: 'B' }]);
    const k = `  AuthJWTKeyFile "${keys.ec256.pubPath}"\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTIssuer ${ISS}\n`;
    srv = await startHttpd({
      name: 'revocation',
      modules: ['socache_shmcb', 'auth_basic', 'authn_file'],
      conf: `AuthJWTRevocationCache shmcb
AuthJWTRevocationAuditLog "${keys.dir}/revocations.log"
AuthJWTRevocationOperators ops anonymous
${F.location('/api', 'api', `${k}  AuthJWTRevocation On\n  Require valid-user`)}
${F.location('/norev', 'norev', `${k}  Require valid-user`)}
${F.location('/interval', 'interval', `${k}  AuthJWTRevocation On\n  AuthJWTRevocationCheckInterval 2\n  Require valid-user`)}
<Location /auth/revoke>
  SetHandler jwt-revoke-handler
${k}  AuthJWTRevocation On
  AuthJWTLeeway 0
</Location>
<Location /ops/revoke>
  SetHandler jwt-revoke-handler
${k}  AuthJWTLeeway 0
  AuthType Basic
  AuthName ops
  AuthBasicProvider file
  AuthUserFile "${users}"
  Require valid-user
</Location>
<Location /jwt/revoke>
  SetHandler jwt-revoke-handler
  AuthType jwt
  AuthName jwtrev
${k}  Require valid-user
</Location>
<Location /anon/revoke>
  SetHandler jwt-revoke-handler
  AuthType jwt
  AuthName anonrev
${k}  AuthJWTOptional anonymous
  Require valid-user
</Location>
<Location /auth/logout>
  SetHandler jwt-logout-handler
${k}  AuthJWTRevocation On
</Location>
`,
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  test('a token is accepted until revoked through RFC 7009, then refused at once: 401 token revoked', async () => {
    const t = sign();
    const other = sign();                        // same subject, another jti
    A.expectOk(await api(t));
    const res = await revoke({ token: t, token_type_hint: 'access_token' });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { revoked: 'jti' });
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');   // the token cache does not skip it
    A.expectOk(await api(other));
    A.expectOk(await api(t, '/norev/ok.txt'));   // a location without AuthJWTRevocation
    assert.match(srv.errorLog(), /AH-JWT-1120: revocation: by token holder alice from 127\.0\.0\.1: iss 'https:\/\/idp\.example\/' jti '[0-9a-f-]{36}' revoked until \d+/);
    assert.ok(!srv.errorLog().includes(t.split('.')[2]), 'the token reached the log');
  });

  test('keyed by claims, not bytes: the other ECDSA form of a revoked token is refused too', async () => {
    const t = sign();
    const t2 = otherEcdsaForm(t);
    assert.notEqual(t2, t);
    A.expectOk(await api(t2));                   // both forms verify
    assert.equal((await revoke({ token: t })).status, 200);
    A.expectInvalidToken(await api(t2), 'api', t2, 'revoked');
  });

  test('a form body over 16 KiB: 413 and the connection closed; a Content-Length over it is answered before the body comes', async () => {
    // chunked, the limit met while reading
    const big = await request(srv.base, '/auth/revoke', { method: 'POST',
      headers: { ...FORM, 'Transfer-Encoding': 'chunked' }, body: form({ token: 'x'.repeat(17000) }) });
    assert.equal(big.status, 413);
    assert.match(big.body, /"error":"invalid_request"/);
    // announced 1 MiB, 7 bytes sent and the socket left open: answered at once (it used to
    // wait for the rest until httpd's Timeout)
    const { port } = new URL(srv.base);
    const out = await new Promise((resolve, reject) => {
      const sock = require('node:net').connect(Number(port), '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer in 10 s: ${text}`)); }, 10000);
      sock.on('data', (d) => { text += d; });
      sock.on('end', () => { clearTimeout(timer); resolve(text); });
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
      sock.write('POST /auth/revoke HTTP/1.1\r\nHost: 127.0.0.1\r\n'
        + 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n\r\ntoken=x');
    });
    assert.match(out, /^HTTP\/1\.1 413 /, out.slice(0, 300));
    assert.match(out, /^Connection: close\r$/mi);
  });

  test('RFC 7009 2.2: an invalid or unknown token gets 200 and revokes nothing', async () => {
    const good = sign();
    for (const bad of [T.tamperSignature(good), 'not-a-jwt', sign({ iss: 'https://evil/' })]) {
      const res = await revoke({ token: bad });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(JSON.parse(res.body), { revoked: null });
    }
    A.expectOk(await api(good));
    assert.equal((await request(srv.base, '/auth/revoke', {})).status, 405);
    assert.equal((await revoke({ jti: 'x', iss: ISS })).status, 403);   // operators only
    const json = await request(srv.base, '/auth/revoke', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 415);
    assert.equal((await revoke({})).status, 403);
  });

  test('an operator (Basic auth) revokes a jti it names; a bad password revokes nothing', async () => {
    const jti = crypto.randomUUID();
    const t = sign({ jti });
    A.expectOk(await api(t));
    assert.equal((await revoke({ jti, iss: ISS }, basic('ops', 'wrong'), '/ops/revoke')).status, 401);
    A.expectOk(await api(t));
    const res = await revoke({ jti, iss: ISS }, basic('ops', 'ops-pass'), '/ops/revoke');
    assert.equal(res.status, 200, res.body);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
    // the same jti from another issuer is another token
    const log = srv.errorLog();
    assert.match(log, new RegExp(`AH-JWT-1120: revocation: by operator ops from 127\\.0\\.0\\.1: iss 'https://idp\\.example/' jti '${jti}'`));
  });

  test('AuthJWTRevocationAuditLog: one line per revocation (who, from, iss, jti or sub, until), 0640 for httpd\'s Group, never the token', async () => {
    const t = sign({ sub: 'frank smith' });
    assert.equal((await revoke({ token: t })).status, 200);
    const jti = crypto.randomUUID();
    assert.equal((await revoke({ jti, iss: ISS }, basic('ops', 'ops-pass'), '/ops/revoke')).status, 200);
    assert.equal((await revoke({ sub: 'grace', iss: ISS }, basic('ops', 'ops-pass'), '/ops/revoke')).status, 200);
    const file = `${keys.dir}/revocations.log`;
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    const { jti: tjti } = JSON.parse(Buffer.from(t.split('.')[1], 'base64url'));
    assert.ok(lines.some((l) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ revoke by=token\\\\x20holder\\\\x20frank\\\\x20smith from=127\\.0\\.0\\.1 iss=https://idp\\.example/ jti=${tjti} until=\\d+$`).test(l)), text);
    assert.ok(lines.some((l) => new RegExp(` revoke by=operator\\\\x20ops from=127\\.0\\.0\\.1 iss=https://idp\\.example/ jti=${jti} until=\\d+$`).test(l)), text);
    assert.ok(lines.some((l) => / revoke by=operator\\x20ops from=127\.0\.0\.1 iss=https:\/\/idp\.example\/ sub=grace until=\d+$/.test(l)), text);
    for (const l of lines) assert.equal(l.split(' ').length, 7, l);
    assert.ok(!text.includes(t.split('.')[2]) && !text.includes(t.split('.')[1]), 'the token is in the audit file');
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o640);
    if (process.getuid() === 0) {
      const wwwGid = Number(require('node:child_process').execFileSync('id', ['-g', 'www-data']).toString().trim());
      assert.equal(st.gid, wwwGid);
    }
  });

  test('a hostile jti (spaces, newlines, 1000 bytes) is revoked and looked up like any other', async () => {
    for (const jti of ['a b\r\nset x 0 0 1', 'x'.repeat(1000), 'ü\u0001\u007f"\'']) {
      const t = sign({ jti });
      A.expectOk(await api(t));
      assert.equal((await revoke({ token: t })).status, 200);
      A.expectInvalidToken(await api(t), 'api', t, 'revoked');
      A.expectOk(await api(sign({ jti: `${jti}.` })));
    }
  });

  test('subject cut-off: tokens issued at or before T refused, later ones and other subjects accepted; no iat -> nbf, neither -> refused', async () => {
    const sub = `carol-${crypto.randomUUID()}`;
    const t0 = now();
    const early = sign({ sub, iat: t0 - 5 });
    const atT = sign({ sub, iat: t0 });
    const later = sign({ sub, iat: t0 + 1 });
    const nbfEarly = sign({ sub, iat: undefined, nbf: t0 - 5 });
    const undated = sign({ sub, iat: undefined });
    const otherSub = sign({ sub: `${sub}x`, iat: t0 - 5 });
    for (const t of [early, atT, later, nbfEarly, undated]) A.expectOk(await api(t));
    const res = await revoke({ sub, iss: ISS, before: String(t0) }, basic('ops', 'ops-pass'), '/ops/revoke');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { revoked: 'subject' });
    for (const t of [early, atT, nbfEarly, undated]) A.expectInvalidToken(await api(t), 'api', t, 'revoked');
    A.expectOk(await api(later));
    A.expectOk(await api(otherSub));
    A.expectOk(await api(undated, '/norev/ok.txt'));
  });

  test('an operator cuts a subject off by name (the entry lasts the server-wide horizon)', async () => {
    const sub = `dave-${crypto.randomUUID()}`;
    const t = sign({ sub, iat: now() - 1 });
    assert.equal((await revoke({ sub, iss: ISS }, basic('ops', 'ops-pass'), '/ops/revoke')).status, 200);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
  });

  test('operators are the users AuthJWTRevocationOperators names: another Basic user, a token holder, the AuthJWTOptional user get 403', async () => {
    const jti = crypto.randomUUID();
    const t = sign({ jti });
    const refused = async (res, what) => {
      assert.equal(res.status, 403, `${what}: ${res.body}`);
      assert.match(JSON.parse(res.body).error_description, /AuthJWTRevocationOperators/, what);
    };
    await refused(await revoke({ jti, iss: ISS }, basic('viewer', 'viewer-pass'), '/ops/revoke'), 'viewer');
    await refused(await revoke({ sub: 'alice', iss: ISS }, basic('viewer', 'viewer-pass'), '/ops/revoke'), 'viewer by sub');
    // AuthType jwt: r->user is every token holder's sub
    await refused(await revoke({ jti, iss: ISS }, F.bearer(sign()), '/jwt/revoke'), 'token holder');
    // the anonymous user of a tokenless request, even though the list names it
    await refused(await revoke({ jti, iss: ISS }, {}, '/anon/revoke'), 'anonymous');
    A.expectOk(await api(t));
    // RFC 7009: a token holder revokes its own token there
    const own = sign();
    const res = await revoke({ token: own }, F.bearer(own), '/jwt/revoke');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { revoked: 'jti' });
    A.expectInvalidToken(await api(own), 'api', own, 'revoked');
  });

  test('CSRF: a cross-origin Origin, or Sec-Fetch-Site cross-site without Origin, gets 403 and revokes nothing', async () => {
    const jti = crypto.randomUUID();
    const t = sign({ jti });
    for (const h of [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
      const res = await revoke({ jti, iss: ISS }, { ...basic('ops', 'ops-pass'), ...h }, '/ops/revoke');
      assert.equal(res.status, 403, `${JSON.stringify(h)}: ${res.body}`);
      assert.match(JSON.parse(res.body).error_description, /cross-origin/);
      const byToken = await revoke({ token: t }, h);
      assert.equal(byToken.status, 403, JSON.stringify(h));
    }
    A.expectOk(await api(t));
    assert.match(srv.errorLog(), /AH-JWT-1151: jwt-revoke-handler: cross-origin form refused \(Origin https:\/\/evil\.example is not this server's\)/);
    assert.match(srv.errorLog(), /AH-JWT-1151: .*Sec-Fetch-Site is cross-site/);
    // the page's own origin, or a same-origin fetch, passes
    const res = await revoke({ jti, iss: ISS }, { ...basic('ops', 'ops-pass'), Origin: srv.base, 'Sec-Fetch-Site': 'same-origin' }, '/ops/revoke');
    assert.equal(res.status, 200, res.body);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
  });

  test('by jti or sub an operator must name the issuer: 400 invalid_request, nothing stored', async () => {
    const jti = crypto.randomUUID();
    const t = sign({ jti, sub: 'ivan' });
    for (const body of [{ jti }, { jti, iss: '' }, { sub: 'ivan' }, { sub: 'ivan', iss: '' }]) {
      const res = await revoke(body, basic('ops', 'ops-pass'), '/ops/revoke');
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.body}`);
      const b = JSON.parse(res.body);
      assert.equal(b.error, 'invalid_request');
      assert.match(b.error_description, /iss is required/);
    }
    A.expectOk(await api(t));
    assert.doesNotMatch(srv.errorLog(), new RegExp(`jti '${jti}'`));
  });

  test('a jti entry outlives the token at every location: past exp, /api (leeway 60) still refuses what /auth/revoke (leeway 0) revoked', async () => {
    // entries last the server-wide horizon, not exp + the revoking location's leeway
    const t = sign({ exp: now() + 2 });
    assert.equal((await revoke({ token: t })).status, 200);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
    await sleep(4000);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
  });

  test('jwt-logout-handler revokes the presented token before clearing the cookie', async () => {
    const t = sign();
    A.expectOk(await api(t));
    const res = await request(srv.base, '/auth/logout', { method: 'POST', headers: F.bearer(t) });
    assert.equal(res.status, 200, res.body);
    A.expectInvalidToken(await api(t), 'api', t, 'revoked');
    assert.match(srv.errorLog(), /AH-JWT-1120: revocation: by logout from 127\.0\.0\.1/);
    // without a token logging out still works
    assert.equal((await request(srv.base, '/auth/logout', { method: 'POST' })).status, 200);
  });

  test('AuthJWTRevocationCheckInterval 2: a revocation reaches every child within the interval', async () => {
    const t = sign();
    for (let i = 0; i < 10; i++) A.expectOk(await api(t, '/interval/ok.txt'));
    const at = Date.now();
    assert.equal((await revoke({ token: t })).status, 200);
    let res;
    do {
      res = await api(t, '/interval/ok.txt');
    } while (res.status === 200 && Date.now() - at < 5000);
    const took = Date.now() - at;
    A.expectInvalidToken(res, 'interval', t, 'revoked');
    assert.ok(took <= 2500, `refused after ${took} ms`);
    await sleep(2100);
    for (let i = 0; i < 10; i++) A.expectInvalidToken(await api(t, '/interval/ok.txt'), 'interval', t, 'revoked');
  });
});

describe('DPoP replay marks beside a small shmcb revocation cache', () => {
  let keys; let srv; let dpop; let kp;
  const HTU = () => `${srv.base}/dpop/ok.txt`;
  before(async () => {
    dpop = await import('dpop');
    kp = await dpop.generateKeyPair('ES256');
    keys = generateKeys({ only: ['rsa'] });
    const k = `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n`;
    srv = await startHttpd({
      name: 'revocation-dpop',
      modules: ['socache_shmcb'],
      // 8192 bytes: shmcb's smallest, a few dozen entries; full, it drops the oldest
      conf: `AuthJWTRevocationCache "shmcb:rev-small.shmcb(8192)"
${F.location('/api', 'api', `${k}  AuthJWTRevocation On\n  Require valid-user`)}
${F.location('/dpop', 'dpop', `${k}  AuthJWTBinding dpop\n  Require valid-user`)}
<Location /auth/revoke>
  SetHandler jwt-revoke-handler
${k}</Location>
`,
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });
  const send = (token, proof) => request(srv.base, '/dpop/ok.txt', { headers: { Authorization: `DPoP ${token}`, DPoP: proof } });

  test('a flood of fresh DPoP proofs does not push a revocation out', async () => {
    const revoked = jsonwebtoken.sign({ sub: 'rita', iat: now(), exp: now() + 600, jti: crypto.randomUUID() },
      keys.rsa.privateKey, { algorithm: 'RS256' });
    const r = await request(srv.base, '/auth/revoke', { method: 'POST', headers: FORM, body: form({ token: revoked }) });
    assert.equal(r.status, 200, r.body);
    A.expectInvalidToken(await request(srv.base, '/api/ok.txt', { headers: F.bearer(revoked) }), 'api', revoked, 'revoked');
    const bound = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims({ cnf: { jkt: await dpop.calculateThumbprint(kp.publicKey) } }) });
    for (let i = 0; i < 400; i++) {
      const res = await send(bound, await dpop.generateProof(kp, HTU(), 'GET', undefined, bound));
      assert.equal(res.status, 200, `proof ${i}: ${res.status}`);
    }
    A.expectInvalidToken(await request(srv.base, '/api/ok.txt', { headers: F.bearer(revoked) }), 'api', revoked, 'revoked');
  });

  test('one proof in 20 parallel requests: exactly one 200, the others refused as replays', async () => {
    const bound = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims({ cnf: { jkt: await dpop.calculateThumbprint(kp.publicKey) } }) });
    for (let round = 0; round < 3; round++) {
      const p = await dpop.generateProof(kp, HTU(), 'GET', undefined, bound);
      const all = await Promise.all(Array.from({ length: 20 }, () => send(bound, p)));
      const codes = all.map((x) => x.status);
      assert.equal(codes.filter((c) => c === 200).length, 1, `round ${round}: ${codes.join(' ')}`);
      for (const x of all.filter((y) => y.status !== 200)) {
        assert.equal(x.status, 401);
        assert.equal(A.parseChallenge(x.header('WWW-Authenticate')[0]).params.error_description, 'DPoP proof replayed');
      }
    }
  });
});

describe('AuthJWTRevocationHorizon: revocation locations refuse tokens that could outlive their revocation', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    srv = await startHttpd({
      name: 'revocation-horizon',
      modules: ['socache_shmcb'],
      conf: `AuthJWTRevocationCache shmcb
AuthJWTRevocationHorizon 600
${F.location('/api', 'api', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRequireClaims sub\n  AuthJWTRevocation On\n  Require valid-user`)}
${F.location('/norev', 'norev', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRequireClaims sub\n  Require valid-user`)}
`,
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });
  const mk = (claims) => jsonwebtoken.sign({ sub: 'hana', jti: crypto.randomUUID(), ...claims }, keys.rsa.privateKey, { algorithm: 'RS256', noTimestamp: claims.iat === undefined });
  const get = (t, p = '/api/ok.txt') => request(srv.base, p, { headers: F.bearer(t) });
  const beyond = (res, t) => {
    A.expectInvalidToken(res, 'api', t);
    assert.equal(A.parseChallenge(res.header('WWW-Authenticate')[0]).params.error_description, 'token lives longer than revocations are kept');
  };

  test('within the horizon: 200; no exp, exp beyond now + horizon, or exp more than the horizon after iat: 401', async () => {
    A.expectOk(await get(mk({ iat: now(), exp: now() + 300 })));
    A.expectOk(await get(mk({ exp: now() + 300 })));
    for (const claims of [{ iat: now() }, {}, { iat: now(), exp: now() + 3600 }, { exp: now() + 3600 }, { iat: now() - 500, exp: now() + 200 }]) {
      const t = mk(claims);
      beyond(await get(t), t);
      A.expectOk(await get(t, '/norev/ok.txt'));   // the rule belongs to revocation locations
    }
    assert.match(srv.errorLog(), /AH-JWT-1110: token refused: it could outlive its revocation \(600 s kept\): it has no exp/);
  });
});

describe('revocation across a graceful restart (shmcb)', () => {
  test('shmcb is made anew by a restart: the revocation is gone, and the log says so (AH-JWT-1106)', async () => {
    const keys = generateKeys({ only: ['rsa'] });
    const k = `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n`;
    const conf = `AuthJWTRevocationCache shmcb
${F.location('/api', 'api', `${k}  AuthJWTRevocation On\n  Require valid-user`)}
<Location /auth/revoke>
  SetHandler jwt-revoke-handler
${k}</Location>
`;
    const srv = await startHttpd({ name: 'revocation-restart', modules: ['socache_shmcb'], conf });
    try {
      const t = jsonwebtoken.sign({ sub: 'erin', iat: now(), exp: now() + 600, jti: crypto.randomUUID() },
        keys.rsa.privateKey, { algorithm: 'RS256' });
      const r = await request(srv.base, '/auth/revoke', { method: 'POST', headers: FORM, body: form({ token: t }) });
      assert.equal(r.status, 200);
      A.expectInvalidToken(await request(srv.base, '/api/ok.txt', { headers: F.bearer(t) }), 'api', t, 'revoked');
      assert.doesNotMatch(srv.errorLog(), /AH-JWT-1106/);
      await srv.restart();
      A.expectOk(await request(srv.base, '/api/ok.txt', { headers: F.bearer(t) }));
      assert.match(srv.errorLog(), /AH-JWT-1106: AuthJWTRevocationCache shmcb: made anew, empty, by this restart/);
    } finally {
      await srv.stop();
      keys.cleanup();
    }
  });
});

describe('revocation configuration', () => {
  let keys;
  before(() => { keys = generateKeys({ only: ['rsa'] }); });
  after(() => keys?.cleanup());
  test('an unknown provider, a missing module, bad values: config errors naming file and line', async () => {
    for (const [conf, re] of [
      ['AuthJWTRevocationCache nosuch', /no socache provider 'nosuch'/],
      ['AuthJWTRevocationCache redis:127.0.0.1:1', /no socache provider 'redis'.*socache_redis_module/],
      ['<Location /x>\n  AuthJWTRevocationOnError maybe\n</Location>', /neither deny nor allow/],
      ['<Location /x>\n  AuthJWTRevocationCheckInterval -1\n</Location>', /not a whole number/],
      ['<Location /x>\n  AuthJWTRevocationCache shmcb\n</Location>', /AuthJWTRevocationCache/],
      // a dead server's entries would read as absent from the next one: one address only
      ['AuthJWTRevocationCache memcache:127.0.0.1:11211,127.0.0.1:11212', /more than one memcache server; give one store address/],
      ['AuthJWTRevocationCache redis:127.0.0.1:6379,127.0.0.1:6380', /more than one redis server; give one store address/],
      ['<Location /x>\n  AuthJWTRevocationHorizon 600\n</Location>', /AuthJWTRevocationHorizon not allowed in <Location> context/],
    ]) {
      const r = await configtest(conf, { modules: ['socache_shmcb'] });
      assert.notEqual(r.code, 0, conf);
      assert.match(r.output, re, r.output);
      assert.match(r.output, /line \d+/, r.output);
    }
  });

  test('AuthJWTMaxLifetime beyond AuthJWTRevocationHorizon at a revocation location, and a horizon over 30 days with memcache: configtest fails', async () => {
    const loc = (life) => `<Location /x>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRevocation On\n  AuthJWTRequireClaims exp jti\n  AuthJWTMaxLifetime ${life}\n</Location>`;
    const bad = await configtest(`AuthJWTRevocationCache shmcb\nAuthJWTRevocationHorizon 3600\n${loc(7200)}`, { modules: ['socache_shmcb'] });
    assert.notEqual(bad.code, 0, bad.output);
    assert.match(bad.output, new RegExp(`AH-JWT-1152: AuthJWTMaxLifetime 7200 \\(line ${bad.lineOf('AuthJWTMaxLifetime')} of .*\\) exceeds AuthJWTRevocationHorizon 3600`), bad.output);
    const ok = await configtest(`AuthJWTRevocationCache shmcb\nAuthJWTRevocationHorizon 3600\n${loc(3600)}`, { modules: ['socache_shmcb'] });
    assert.equal(ok.code, 0, ok.output);
    const mc = await configtest(`AuthJWTRevocationCache memcache:127.0.0.1:11211\nAuthJWTRevocationHorizon ${31 * 86400}`, { modules: ['socache_memcache'] });
    assert.notEqual(mc.code, 0, mc.output);
    assert.match(mc.output, /AH-JWT-1153: AuthJWTRevocationHorizon 2678400 with AuthJWTRevocationCache memcache:127\.0\.0\.1:11211: memcached reads an expiry over 30 days/, mc.output);
    const mcOk = await configtest(`AuthJWTRevocationCache memcache:127.0.0.1:11211\nAuthJWTRevocationHorizon ${29 * 86400}`, { modules: ['socache_memcache'] });
    assert.equal(mcOk.code, 0, mcOk.output);
  });

  test('AuthJWTRevocation On without AuthJWTRevocationCache: configtest fails naming the line', async () => {
    const r = await configtest(`<Location /x>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRevocation On\n</Location>`);
    assert.notEqual(r.code, 0);
    assert.match(r.output, new RegExp(`AH-JWT-1104: AuthJWTRevocation On \\(line ${r.lineOf('AuthJWTRevocation On')} of ${r.confPath.replace(/[.]/g, '\\.')}\\) needs AuthJWTRevocationCache`), r.output);
  });

  test('AuthJWTRequireClaims without jti in a revocation section warns at configtest; with jti it does not', async () => {
    const conf = (claims) => `AuthJWTRevocationCache shmcb\n<Location /x>\n  AuthType jwt\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRevocation On\n  AuthJWTRequireClaims ${claims}\n</Location>`;
    const warned = await configtest(conf('exp sub'), { modules: ['socache_shmcb'] });
    assert.equal(warned.code, 0, warned.output);
    assert.match(warned.output, new RegExp(`AH-JWT-1105: AuthJWTRequireClaims \\(line ${warned.lineOf('AuthJWTRequireClaims')} of .*\\) lacks jti`), warned.output);
    const quiet = await configtest(conf('exp jti'), { modules: ['socache_shmcb'] });
    assert.equal(quiet.code, 0, quiet.output);
    assert.doesNotMatch(quiet.output, /AH-JWT-1105/);
  });
});
