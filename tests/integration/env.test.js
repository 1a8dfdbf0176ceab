'use strict';
// What the handler and the backend see: REMOTE_USER (AuthJWTUserClaim), JWT_CLAIM_* in a
// CGI's environment (AuthJWTClaimsEnv), and AuthJWTForwardClaim headers at a CGI and at a
// proxied node backend, with client-sent copies of those headers removed.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request, parseEnv } = require('./lib/httpd');
const { connection, hitsOf } = require('./lib/keepalive');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

/* JWT_CLAIM_<NAME>: the module's choice is upper case with anything outside [A-Za-z0-9_]
 * turned into '_' (mod_auth_jwt/env.c). */
function claimVar(env, name) {
  return env[`JWT_CLAIM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`];
}

describe('environment and forwarded claims', () => {
  let keys; let srv; let backend;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    backend = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ rawHeaders: req.rawHeaders }));
    });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n`;
    const fwd = '  AuthJWTForwardClaim sub X-JWT-Sub\n  AuthJWTForwardClaim email X-JWT-Email\n  AuthJWTForwardClaim groups X-JWT-Groups\n';
    srv = await startHttpd({
      name: 'env',
      modules: ['proxy', 'proxy_http', 'setenvif'],
      conf: [
        F.location('/cgi', 'cgi', `${key}  AuthJWTClaimsEnv On\n${fwd}  Require valid-user`),
        // set before authentication (mod_setenvif's header_parser): the module must keep it
        F.location('/preset', 'preset', `${key}  SetEnvIf Request_URI "." JWT_CLAIM_ROLE=from-config\n  Require valid-user`),
        F.location('/quiet', 'quiet', `${key}  AuthJWTClaimsEnv Off\n  Require valid-user`),
        F.location('/byemail', 'byemail', `${key}  AuthJWTUserClaim email\n  Require valid-user`),
        `ProxyPass /backend/ ${backend.url}/\n`,
        F.location('/backend', 'backend', `${key}${fwd}  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); await backend?.close(); keys?.cleanup(); });

  const tok = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  async function cgiEnv(loc, token, headers = {}) {
    const res = await request(srv.base, `${loc}/env.cgi`, { headers: { ...F.bearer(token), ...headers } });
    assert.equal(res.status, 200, res.body.slice(0, 300));
    return parseEnv(res.body);
  }

  test('REMOTE_USER is the sub claim and AUTH_TYPE is jwt', async () => {
    const env = await cgiEnv('/cgi', tok({ sub: 'alice' }));
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.AUTH_TYPE.toLowerCase(), 'jwt');
  });

  test('AuthJWTUserClaim email: REMOTE_USER is the email; a token without it is refused', async () => {
    const env = await cgiEnv('/byemail', tok({ sub: 'alice', email: 'alice@example.com' }));
    assert.equal(env.REMOTE_USER, 'alice@example.com');
    assert.equal(env.JWT_CLAIM_SUB, 'alice', 'AuthJWTClaimsEnv defaults to On');
    const t = tok({ sub: 'alice' });
    A.expectInvalidToken(await request(srv.base, '/byemail/ok.txt', { headers: F.bearer(t) }), 'byemail', t);
  });

  test('JWT_CLAIM_*: strings as is, numbers as digits, arrays and objects as JSON, names sanitised', async () => {
    const t = T.now();
    const env = await cgiEnv('/cgi', tok({
      sub: 'alice', iat: t, exp: t + 600, email: 'alice@example.com', groups: ['eng', 'admin'],
      org: { name: 'acme', id: 7 }, admin: true, 'https://example.com/tenant': 'blue', 'a-b.c': 'dots',
    }));
    assert.equal(claimVar(env, 'sub'), 'alice');
    assert.equal(claimVar(env, 'email'), 'alice@example.com');
    assert.equal(claimVar(env, 'exp'), String(t + 600));
    assert.deepEqual(JSON.parse(claimVar(env, 'groups')), ['eng', 'admin']);
    assert.deepEqual(JSON.parse(claimVar(env, 'org')), { name: 'acme', id: 7 });
    assert.equal(claimVar(env, 'admin'), 'true');
    const names = Object.keys(env).filter((k) => k.toUpperCase().startsWith('JWT_CLAIM_'));
    for (const n of names) assert.match(n, /^[A-Za-z0-9_]+$/, `unsanitised variable name ${n}`);
    assert.equal(env.JWT_CLAIM_HTTPS___EXAMPLE_COM_TENANT, 'blue');
    assert.equal(env.JWT_CLAIM_A_B_C, 'dots');
  });

  // The module prints integers itself (not through json-c's printer): these are the edges
  // of that code, checked against the exact text a JSON reader would give.
  test('JWT_CLAIM_*: integer edges print exactly (0, negatives, int64 limits, above int64, fractions)', async () => {
    const t = T.now();
    const payload = `{"sub":"alice","iat":${t},"exp":${t + 600},"zero":0,"neg":-42,` +
      '"imax":9223372036854775807,"imin":-9223372036854775808,"umax":18446744073709551615,' +
      '"big":9223372036854775808,"frac":1.5,"no":false,"nil":null}';
    const token = T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa' }, payload });
    const env = await cgiEnv('/cgi', token);
    assert.equal(claimVar(env, 'iat'), String(t));
    assert.equal(claimVar(env, 'zero'), '0');
    assert.equal(claimVar(env, 'neg'), '-42');
    assert.equal(claimVar(env, 'imax'), '9223372036854775807');
    assert.equal(claimVar(env, 'imin'), '-9223372036854775808');
    assert.equal(claimVar(env, 'umax'), '18446744073709551615');
    assert.equal(claimVar(env, 'big'), '9223372036854775808');
    assert.equal(Number(claimVar(env, 'frac')), 1.5);
    assert.equal(claimVar(env, 'no'), 'false');
    assert.equal(claimVar(env, 'nil'), undefined, 'null claims are not exported');
  });

  // A clash is found two ways (env.c): among the names exported so far while there are
  // at most 32 and nothing set JWT_CLAIM_ before, else by asking the request's table. Each
  // way is hit here: A_B clashes early, X3 and X39 after the 32nd name, ROLE with a
  // variable SetEnvIf made. A missed clash shows as a second line in the CGI's `env`.
  test('JWT_CLAIM_*: of claims that sanitise alike the first is exported, once; a variable set before stays', async () => {
    const extra = { 'a-b': 'first', 'a.b': 'second', A_B: 'third', role: 'admin' };
    for (let i = 0; i < 40; i++) extra[`x${i}`] = `v${i}`;
    Object.assign(extra, { X3: 'late-3', X39: 'late-39' });
    for (const loc of ['/cgi', '/preset']) {
      const res = await request(srv.base, `${loc}/env.cgi`, { headers: F.bearer(tok({ sub: 'alice', ...extra })) });
      assert.equal(res.status, 200, res.body.slice(0, 300));
      const lines = (v) => res.body.split('\n').filter((l) => l.startsWith(`${v}=`));
      assert.deepEqual(lines('JWT_CLAIM_A_B'), ['JWT_CLAIM_A_B=first'], loc);
      assert.deepEqual(lines('JWT_CLAIM_X0'), ['JWT_CLAIM_X0=v0'], loc);
      assert.deepEqual(lines('JWT_CLAIM_X3'), ['JWT_CLAIM_X3=v3'], loc);
      assert.deepEqual(lines('JWT_CLAIM_X39'), ['JWT_CLAIM_X39=v39'], loc);
      assert.deepEqual(lines('JWT_CLAIM_ROLE'), [loc === '/preset' ? 'JWT_CLAIM_ROLE=from-config' : 'JWT_CLAIM_ROLE=admin'], loc);
    }
  });

  // A repeat of a token on one keep-alive connection is a cache hit from the connection's
  // memo, and takes its JWT_CLAIM_* variables from what the memo kept of the first request
  // (env.c, cache.c): they must be that request's, exactly, every time; another token on
  // the connection must get its own, and the first one back its own again.
  test('JWT_CLAIM_* on repeats over one connection (cache hits): exactly the first request\'s', async () => {
    const many = { sub: 'alice', 'a-b': 'first', 'a.b': 'second', A_B: 'third', role: 'admin', groups: ['eng', 'ops'] };
    for (let i = 0; i < 40; i++) many[`x${i}`] = `v${i}`;
    Object.assign(many, { X3: 'late-3', X39: 'late-39' });
    const first = tok(many);
    const second = tok({ sub: 'bob', role: 'ops', email: 'bob@example.com' });
    const c = connection(srv.base);
    const claimLines = async (loc, token) => {
      const res = await c.get(`${loc}/env.cgi`, token);
      assert.equal(res.status, 200, res.body.slice(0, 300));
      return res.body.split('\n').filter((l) => /^JWT_CLAIM_/i.test(l)).sort();
    };
    for (const loc of ['/cgi', '/preset']) {
      const fresh = await claimLines(loc, first);
      const role = loc === '/preset' ? 'JWT_CLAIM_ROLE=from-config' : 'JWT_CLAIM_ROLE=admin';
      assert.deepEqual(fresh.filter((l) => /^JWT_CLAIM_(A_B|X3|X39|ROLE|SUB)=/.test(l)),
        ['JWT_CLAIM_A_B=first', role, 'JWT_CLAIM_SUB=alice', 'JWT_CLAIM_X39=v39', 'JWT_CLAIM_X3=v3'], loc);
      // (no iat: lib/tokens' jwtSign signs with jsonwebtoken's noTimestamp, which drops it)
      assert.equal(fresh.length, 5 + 40, `${loc}: sub, exp, a-b, role, groups and x0..x39`);
      for (let i = 0; i < 3; i++) assert.deepEqual(await claimLines(loc, first), fresh, `${loc}, repeat ${i}`);
      const other = await claimLines(loc, second);
      assert.deepEqual(other.filter((l) => !/^JWT_CLAIM_(IAT|EXP)=/.test(l)), ['JWT_CLAIM_EMAIL=bob@example.com',
        loc === '/preset' ? 'JWT_CLAIM_ROLE=from-config' : 'JWT_CLAIM_ROLE=ops', 'JWT_CLAIM_SUB=bob'], loc);
      assert.deepEqual(await claimLines(loc, second), other, loc);
      for (let i = 0; i < 3; i++) assert.deepEqual(await claimLines(loc, first), fresh, `${loc}: the first token again`);
      // a token too big for the cache (payload over 1 KiB) leaves the memo (and what it
      // kept of the first token) as it was: its variables are its own, not the memo's
      const big = await claimLines(loc, tok({ sub: 'carol', pad: 'p'.repeat(1100) }));
      assert.deepEqual(big.filter((l) => /^JWT_CLAIM_(SUB|X0|PAD)=/.test(l)).map((l) => l.slice(0, 20)),
        ['JWT_CLAIM_PAD=pppppp', 'JWT_CLAIM_SUB=carol'], loc);
      assert.deepEqual(await claimLines(loc, first), fresh, `${loc}: and the memo's token after it`);
    }
    // per location: 3 repeats of the first token, 1 of the second, the first 3 times again
    // (a hit from the shared table that makes it the memo again, then 2 from the memo), and
    // once more after the big token
    assert.equal(hitsOf(srv, c.port()), 2 * 8);
    c.close();
  });

  test('a client cannot inject JWT_CLAIM_ variables through request headers or claims it lacks', async () => {
    const env = await cgiEnv('/cgi', tok({ sub: 'alice' }), { 'JWT-CLAIM-role': 'admin', 'X-JWT-Role': 'admin' });
    assert.equal(claimVar(env, 'role'), undefined);
  });

  test('AuthJWTClaimsEnv Off: no JWT_CLAIM_ variables, REMOTE_USER still set', async () => {
    const env = await cgiEnv('/quiet', tok({ sub: 'alice', email: 'a@example.com' }));
    assert.equal(env.REMOTE_USER, 'alice');
    assert.deepEqual(Object.keys(env).filter((k) => k.toUpperCase().startsWith('JWT_CLAIM_')), []);
  });

  test('forwarded claims reach a CGI; spoofed copies are removed', async () => {
    const env = await cgiEnv('/cgi', tok({ sub: 'alice', groups: ['eng'] }), {
      'X-JWT-Sub': 'mallory', 'x-jwt-email': 'mallory@evil.test', 'X-JWT-GROUPS': 'admin',
    });
    assert.equal(env.HTTP_X_JWT_SUB, 'alice');
    assert.equal(env.HTTP_X_JWT_EMAIL, undefined, 'a spoofed header for a claim the token lacks survived');
    assert.deepEqual(JSON.parse(env.HTTP_X_JWT_GROUPS), ['eng']);
  });

  test('forwarded claims reach a proxied backend exactly once; spoofed and repeated copies are removed', async () => {
    const t = tok({ sub: 'alice', email: 'alice@example.com' });
    const res = await request(srv.base, '/backend/thing', {
      headers: ['Authorization', `Bearer ${t}`, 'X-JWT-Sub', 'mallory', 'x-jwt-sub', 'eve',
        'X-JWT-Groups', '["admin"]', 'X-Other', 'kept'],
    });
    assert.equal(res.status, 200, res.body.slice(0, 200));
    const raw = JSON.parse(res.body).rawHeaders;
    const all = (name) => { const out = []; for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) out.push(raw[i + 1]); return out; };
    assert.deepEqual(all('x-jwt-sub'), ['alice']);
    assert.deepEqual(all('x-jwt-email'), ['alice@example.com']);
    assert.deepEqual(all('x-jwt-groups'), [], 'spoofed header for an absent claim reached the backend');
    assert.deepEqual(all('x-other'), ['kept']);
  });

  test('a claim with CR/LF is not forwarded (no header injection); a user claim with CR/LF is refused', async () => {
    const t = tok({ sub: 'alice', email: 'alice@example.com\r\nX-Injected: 1' });
    const res = await request(srv.base, '/backend/inj', { headers: F.bearer(t) });
    assert.equal(res.status, 200, res.body.slice(0, 200));
    const raw = JSON.parse(res.body).rawHeaders.map((x, i) => (i % 2 === 0 ? x.toLowerCase() : x));
    assert.equal(raw.includes('x-injected'), false);
    assert.equal(raw.includes('x-jwt-email'), false);
    assert.equal(raw[raw.indexOf('x-jwt-sub') + 1], 'alice');
    const u = tok({ sub: 'alice\nroot' });
    A.expectInvalidToken(await request(srv.base, '/cgi/ok.txt', { headers: F.bearer(u) }), 'cgi', u, 'claim_missing');
  });

  test('an unauthenticated request never reaches the backend', async () => {
    const before = backend.requests.length;
    A.expectNoToken(await request(srv.base, '/backend/thing', { headers: { 'X-JWT-Sub': 'alice' } }), 'backend');
    const bad = T.tamperSignature(tok({ sub: 'alice' }));
    A.expectInvalidToken(await request(srv.base, '/backend/thing', { headers: F.bearer(bad) }), 'backend', bad);
    assert.equal(backend.requests.length, before);
  });
});
