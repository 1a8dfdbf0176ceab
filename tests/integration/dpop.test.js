'use strict';
// DPoP-bound tokens (RFC 9449; mod_auth_jwt/binding.c, core/jwt_dpop.c, dpop_replay.c)
// through a real httpd. Good proofs come from npm `dpop` (panva, an independent client
// library); hostile ones are built by hand with npm `jose`. Tokens from npm jsonwebtoken,
// bound with cnf.jkt = dpop's calculateThumbprint of the client's public key.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { startHttpd, request, parseEnv } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');
const { connection, hitsOf } = require('./lib/keepalive');

const ALGS = 'RS256 ES256 EdDSA';

describe('AuthJWTBinding dpop', () => {
  let keys; let srv; let dpop; let alice; let bob;
  before(async () => {
    dpop = await import('dpop');
    alice = await dpop.generateKeyPair('ES256');
    bob = await dpop.generateKeyPair('ES256');
    keys = generateKeys({ only: ['rsa'] });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthJWTAlgorithms RS256 ES256 EdDSA HS256\n`;
    srv = await startHttpd({
      name: 'dpop',
      modules: ['socache_shmcb'],
      conf: [
        F.location('/dpop', 'dpop', `${key}  AuthJWTBinding dpop\n  AuthJWTForwardClaim sub X-JWT-Sub\n  Require valid-user`),
        F.location('/dpop-opt', 'dpop-opt', `${key}  AuthJWTBinding dpop optional\n  Require valid-user`),
        F.location('/short', 'short', `${key}  AuthJWTBinding dpop\n  AuthJWTDPoPWindow 2\n  Require valid-user`),
        // an internal redirect into another DPoP section: the client's one proof is checked
        // there again, against the client's request, and is no replay
        F.location('/redir', 'redir', `${key}  AuthJWTBinding dpop\n  Require valid-user\n  ErrorDocument 404 /inner/env.cgi`),
        F.location('/inner', 'inner', `${key}  AuthJWTBinding dpop\n  AuthJWTUserClaim email\n  Require valid-user`),
        '<Directory "/tmp/jwt-it-dpop-*/htdocs/ht">\n  AllowOverride AuthConfig\n</Directory>\n',
        F.location('/nonce', 'nonce', `${key}  AuthJWTBinding dpop\n  AuthJWTDPoPNonce 300\n  Require valid-user`),
        F.location('/pub', 'pub', `${key}  AuthJWTBinding dpop\n  AuthJWTDPoPURL HTTPS://API.example:443/\n  Require valid-user`),
        F.location('/pub6', 'pub6', `${key}  AuthJWTBinding dpop\n  AuthJWTDPoPURL https://[2001:db8::1]:8443\n  Require valid-user`),
        F.location('/plain', 'plain', `${key}  Require valid-user`),
        F.location('/unbound', 'unbound', `${key}  AuthJWTBinding none\n  Require valid-user`),
        // every request lands here (the only vhost): a Host naming another server is
        // answered by this default vhost, as in a real deployment
        '<VirtualHost *:*>\n  ServerName 127.0.0.1\n  ServerAlias api.example *.wild.example\n</VirtualHost>\n',
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const url = (p) => `${srv.base}${p}`;
  const tok = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  const boundTo = async (kp, extra = {}) => tok({ cnf: { jkt: await dpop.calculateThumbprint(kp.publicKey) }, ...extra });
  const proof = (kp, p, token, method = 'GET') => dpop.generateProof(kp, url(p), method, undefined, token);
  const send = (p, token, proofs, { scheme = 'DPoP', method = 'GET', headers = [] } = {}) => {
    const h = ['Authorization', `${scheme} ${token}`];
    for (const pr of [].concat(proofs ?? [])) h.push('DPoP', pr);
    return request(srv.base, p, { method, headers: [...h, ...headers] });
  };
  const ath = (token) => crypto.createHash('sha256').update(token).digest('base64url');
  /* a proof by hand: any header and claims, signed with key (jose) */
  async function handProof({ kp = alice, alg = 'ES256', header = {}, claims = {}, signKey }) {
    const jwk = await jose.exportJWK(kp.publicKey);
    return new jose.SignJWT({ jti: crypto.randomUUID(), htm: 'GET', htu: url('/dpop/ok.txt'), iat: T.now(), ...claims })
      .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header })
      .sign(signKey || kp.privateKey);
  }
  function expectDpopError(res, realm, error, description) {
    assert.equal(res.status, 401, `expected 401, got ${res.status}: ${res.body.slice(0, 200)}`);
    const all = res.header('WWW-Authenticate');
    assert.equal(all.length, 1, JSON.stringify(all));
    const c = A.parseChallenge(all[0]);
    assert.equal(c.scheme, 'DPoP', all[0]);
    assert.equal(c.params.realm, realm);
    assert.equal(c.params.error, error, all[0]);
    assert.equal(c.params.algs, ALGS, 'algs: the asymmetric algorithms of AuthJWTAlgorithms');
    if (description) assert.equal(c.params.error_description, description, all[0]);
    return c;
  }

  test('a proof from npm dpop with its bound token: 200, REMOTE_USER, forwarded claim replaces a spoofed one', async () => {
    const t = await boundTo(alice);
    A.expectOk(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', t)));
    const res = await send('/dpop/env.cgi', t, await proof(alice, '/dpop/env.cgi', t), { headers: ['X-JWT-Sub', 'mallory', 'x-jwt-SUB', 'eve'] });
    assert.equal(res.status, 200, res.body.slice(0, 300));
    const env = parseEnv(res.body);
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.HTTP_X_JWT_SUB, 'alice');
    // the query is not part of htu (RFC 9449 4.3)
    A.expectOk(await send('/dpop/ok.txt?a=1', t, await proof(alice, '/dpop/ok.txt', t)));
    // each request needs a fresh proof; a new one is fine many times
    for (let i = 0; i < 3; i++) A.expectOk(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', t)));
  });

  test('a replayed proof: 401 invalid_dpop_proof', async () => {
    const t = await boundTo(alice);
    const p = await proof(alice, '/dpop/ok.txt', t);
    A.expectOk(await send('/dpop/ok.txt', t, p));
    expectDpopError(await send('/dpop/ok.txt', t, p), 'dpop', 'invalid_dpop_proof', 'DPoP proof replayed');
  });

  test('replay is refused across children: one proof sent 20 times at once succeeds exactly once', async () => {
    const t = await boundTo(alice);
    const pids = new Set();
    for (let round = 0; round < 5 && pids.size < 2; round++) {
      const p = await proof(alice, '/dpop/ok.txt', t);
      const jti = JSON.parse(Buffer.from(p.split('.')[1], 'base64url')).jti;
      const all = await Promise.all(Array.from({ length: 20 }, () => send('/dpop/ok.txt', t, p)));
      assert.equal(all.filter((r) => r.status === 200).length, 1, `round ${round}: ${all.map((r) => r.status)}`);
      for (const r of all.filter((x) => x.status !== 200)) expectDpopError(r, 'dpop', 'invalid_dpop_proof', 'DPoP proof replayed');
      for (const line of srv.errorLog().split('\n').filter((l) => l.includes(`jti '${jti}' used before`))) {
        pids.add(/\[pid (\d+)/.exec(line)[1]);
      }
    }
    assert.ok(pids.size >= 2, `replays were refused in ${pids.size} child process(es) only: not shown across children`);
  });

  test('wrong htm, wrong htu, another host or scheme: 401 invalid_dpop_proof', async () => {
    const t = await boundTo(alice);
    expectDpopError(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', t, 'POST')), 'dpop', 'invalid_dpop_proof');
    expectDpopError(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/other.txt', t)), 'dpop', 'invalid_dpop_proof');
    for (const htu of [url('/dpop/ok.txt').replace('http:', 'https:'), url('/dpop/ok.txt').replace('127.0.0.1', 'localhost'),
      url('/dpop/ok.txt/'), `${srv.base}/dpop/ok.txt`.replace(`:${srv.port}`, '')]) {
      expectDpopError(await send('/dpop/ok.txt', t, await handProof({ claims: { htu, ath: ath(t) } })), 'dpop', 'invalid_dpop_proof');
    }
    // htu normalised: upper-case scheme and host, a default-less explicit port, fragment
    A.expectOk(await send('/dpop/ok.txt', t, await handProof({ claims: { htu: `HTTP://127.0.0.1:${srv.port}/dpop/ok.txt#frag`, ath: ath(t) } })));
  });

  test('stale and future iat: 401; within the window: 200', async () => {
    const t = await boundTo(alice);
    expectDpopError(await send('/dpop/ok.txt', t, await handProof({ claims: { iat: T.now() - 120, ath: ath(t) } })), 'dpop', 'invalid_dpop_proof');
    expectDpopError(await send('/dpop/ok.txt', t, await handProof({ claims: { iat: T.now() + 60, ath: ath(t) } })), 'dpop', 'invalid_dpop_proof');
    A.expectOk(await send('/dpop/ok.txt', t, await handProof({ claims: { iat: T.now() - 30, ath: ath(t) } })));
    // AuthJWTDPoPWindow 2: a proof 10 s old is stale there
    expectDpopError(await send('/short/ok.txt', t, await handProof({ claims: { htu: url('/short/ok.txt'), iat: T.now() - 10, ath: ath(t) } })), 'short', 'invalid_dpop_proof');
  });

  test('wrong ath, no ath, wrong cnf.jkt: 401 invalid_dpop_proof', async () => {
    const t = await boundTo(alice);
    const other = await boundTo(alice, { n: 2 });
    expectDpopError(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', other)), 'dpop', 'invalid_dpop_proof');
    expectDpopError(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', undefined)), 'dpop', 'invalid_dpop_proof');
    // bob's token, alice's proof (and the other way round)
    const tb = await boundTo(bob);
    expectDpopError(await send('/dpop/ok.txt', tb, await proof(alice, '/dpop/ok.txt', tb)), 'dpop', 'invalid_dpop_proof');
    A.expectOk(await send('/dpop/ok.txt', tb, await proof(bob, '/dpop/ok.txt', tb)));
  });

  test('an HS256 proof, a private jwk, typ JWT, alg none, a signature by another key: 401 invalid_dpop_proof', async () => {
    const t = await boundTo(alice);
    const secret = crypto.randomBytes(32);
    const hs = await new jose.SignJWT({ jti: 'h', htm: 'GET', htu: url('/dpop/ok.txt'), iat: T.now(), ath: ath(t) })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: secret.toString('base64url') } }).sign(secret);
    expectDpopError(await send('/dpop/ok.txt', t, hs), 'dpop', 'invalid_dpop_proof');
    const ext = await dpop.generateKeyPair('ES256', { extractable: true });
    const priv = await jose.exportJWK(ext.privateKey);
    assert.ok(priv.d, 'the private jwk has d');
    const tx = await boundTo(ext);
    const withD = await handProof({ kp: ext, header: { jwk: priv }, claims: { ath: ath(tx) } });
    expectDpopError(await send('/dpop/ok.txt', tx, withD), 'dpop', 'invalid_dpop_proof');
    A.expectOk(await send('/dpop/ok.txt', tx, await handProof({ kp: ext, claims: { ath: ath(tx) } })));   // the same key without d
    expectDpopError(await send('/dpop/ok.txt', t, await handProof({ header: { typ: 'JWT' }, claims: { ath: ath(t) } })), 'dpop', 'invalid_dpop_proof');
    const none = `${T.seg({ alg: 'none', typ: 'dpop+jwt', jwk: await jose.exportJWK(alice.publicKey) })}.${T.seg({ jti: 'n', htm: 'GET', htu: url('/dpop/ok.txt'), iat: T.now(), ath: ath(t) })}.`;
    expectDpopError(await send('/dpop/ok.txt', t, none), 'dpop', 'invalid_dpop_proof');
    // alice's jwk in the header, signed by bob
    expectDpopError(await send('/dpop/ok.txt', t, await handProof({ claims: { ath: ath(t) }, signKey: bob.privateKey })), 'dpop', 'invalid_dpop_proof');
  });

  test('two proofs, no proof: 401 invalid_dpop_proof', async () => {
    const t = await boundTo(alice);
    const two = [await proof(alice, '/dpop/ok.txt', t), await proof(alice, '/dpop/ok.txt', t)];
    expectDpopError(await send('/dpop/ok.txt', t, two), 'dpop', 'invalid_dpop_proof', 'more than one DPoP proof');
    expectDpopError(await send('/dpop/ok.txt', t, `${two[0]}, ${two[1]}`), 'dpop', 'invalid_dpop_proof', 'more than one DPoP proof');
    expectDpopError(await send('/dpop/ok.txt', t, []), 'dpop', 'invalid_dpop_proof', 'no DPoP proof');
  });

  test('the Bearer scheme for a DPoP-bound token, an unbound token with DPoP, no token: 401 with the DPoP challenge', async () => {
    const t = await boundTo(alice);
    expectDpopError(await send('/dpop/ok.txt', t, await proof(alice, '/dpop/ok.txt', t), { scheme: 'Bearer' }), 'dpop', 'invalid_token',
      'a DPoP-bound token must come with the DPoP scheme');
    const plain = tok({});
    expectDpopError(await send('/dpop/ok.txt', plain, await proof(alice, '/dpop/ok.txt', plain)), 'dpop', 'invalid_token', 'the token is not DPoP-bound');
    expectDpopError(await send('/dpop/ok.txt', plain, [], { scheme: 'Bearer' }), 'dpop', 'invalid_token');
    const none = await request(srv.base, '/dpop/ok.txt');
    assert.equal(none.status, 401);
    assert.equal(none.header('WWW-Authenticate')[0], `DPoP realm="dpop", algs="${ALGS}"`);
    // a bad token is still a bad token, with the DPoP scheme's challenge
    const bad = T.tamperSignature(t);
    expectDpopError(await send('/dpop/ok.txt', bad, await proof(alice, '/dpop/ok.txt', bad)), 'dpop', 'invalid_token', 'invalid signature');
  });

  test('dpop optional: an unbound Bearer token passes; a DPoP-bound one still needs its proof and scheme', async () => {
    A.expectOk(await send('/dpop-opt/ok.txt', tok({}), [], { scheme: 'Bearer' }));
    const t = await boundTo(alice);
    expectDpopError(await send('/dpop-opt/ok.txt', t, [], { scheme: 'Bearer' }), 'dpop-opt', 'invalid_token');
    A.expectOk(await send('/dpop-opt/ok.txt', t, await proof(alice, '/dpop-opt/ok.txt', t)));
  });

  test('an internal redirect into another DPoP section checks the client\'s proof again, as no replay', async () => {
    const t = await boundTo(alice, { email: 'alice@example.com' });
    const p = await proof(alice, '/redir/missing', t);
    const res = await send('/redir/missing', t, p);
    assert.equal(res.status, 404, res.body.slice(0, 300));
    const env = parseEnv(res.body);
    assert.equal(env.REDIRECT_URL, '/redir/missing');
    assert.equal(env.REMOTE_USER, 'alice@example.com', 'the redirect target authenticated with its own user claim');
    expectDpopError(await send('/redir/missing', t, p), 'redir', 'invalid_dpop_proof', 'DPoP proof replayed');
    // a proof made for the redirect target's URL is not the client's request
    expectDpopError(await send('/redir/missing', t, await proof(alice, '/inner/env.cgi', t)), 'redir', 'invalid_dpop_proof');
  });

  test('configtest: AuthJWTBinding dpop without mod_socache_shmcb, a bad window', async () => {
    const { configtest } = require('./lib/httpd');
    const conf = F.location('/x', 'x', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTBinding dpop\n  Require valid-user`);
    const r = await configtest(conf, { name: 'dpop-noshm' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /AH-JWT-1322: AuthJWTBinding dpop needs mod_socache_shmcb/);
    for (const w of ['0', '3601', 'soon']) {
      const bad = await configtest(F.location('/x', 'x', `  AuthJWTDPoPWindow ${w}\n  Require valid-user`), { name: 'dpop-window' });
      assert.notEqual(bad.code, 0, w);
      assert.match(bad.output, new RegExp(`line ${bad.lineOf('AuthJWTDPoPWindow')} of`), bad.output);
    }
  });

  test('binding directives and AuthJWTOptional in .htaccess are refused (500, the file named in the error log): an .htaccess may not weaken its section', async () => {
    const fs = require('node:fs');
    const path = require('node:path');
    const dir = path.join(srv.dir, 'htdocs', 'ht');
    const file = path.join(dir, '.htaccess');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'x.txt'), 'x\n', { mode: 0o644 });
    const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const line of ['AuthJWTBinding dpop', 'AuthJWTBinding none', 'AuthJWTBinding mtls optional', 'AuthJWTDPoPNonce off',
      'AuthJWTDPoPWindow 3600', 'AuthJWTOptional anonymous']) {
      fs.writeFileSync(file, `AuthType jwt\nAuthName ht\n${line}\nRequire valid-user\n`, { mode: 0o644 });
      const before = srv.errorLog().length;
      const res = await request(srv.base, '/ht/x.txt');
      assert.equal(res.status, 500, `${line}: ${res.status}`);
      assert.match(srv.errorLog().slice(before), new RegExp(`${esc(file)}: ${line.split(' ')[0]} not allowed here`), line);
    }
  });

  test('the host of htu must be this server\'s ServerName or a ServerAlias: a proof for another server, replayed with its Host, is refused', async () => {
    const t = await boundTo(alice);
    const at = (host) => `http://${host}:${srv.port}/dpop/ok.txt`;
    for (const host of ['rs-b.example', 'localhost', 'wild.example']) {
      const p = await dpop.generateProof(alice, at(host), 'GET', undefined, t);
      expectDpopError(await send('/dpop/ok.txt', t, p, { headers: ['Host', `${host}:${srv.port}`] }), 'dpop', 'invalid_dpop_proof');
      assert.match(srv.errorLog(), new RegExp(`the request's host '${host.replace(/\./g, '\\.')}' is not this server's ServerName`));
    }
    for (const host of ['api.example', 'API.Example', 'eu.wild.example', '127.0.0.1']) {
      const p = await dpop.generateProof(alice, at(host), 'GET', undefined, t);
      A.expectOk(await send('/dpop/ok.txt', t, p, { headers: ['Host', `${host}:${srv.port}`] }));
    }
  });

  test('AuthJWTDPoPURL: htu must name the configured public origin, whatever the Host; a bad URL is a config error', async () => {
    const t = await boundTo(alice);
    const pub = (host) => dpop.generateProof(alice, `https://${host}/pub/ok.txt`, 'GET', undefined, t);
    A.expectOk(await send('/pub/ok.txt', t, await pub('api.example')));
    A.expectOk(await send('/pub/ok.txt', t, await pub('api.example:443')));
    A.expectOk(await send('/pub/ok.txt', t, await pub('api.example'), { headers: ['Host', 'rs-b.example'] }));
    expectDpopError(await send('/pub/ok.txt', t, await proof(alice, '/pub/ok.txt', t)), 'pub', 'invalid_dpop_proof');
    expectDpopError(await send('/pub/ok.txt', t, await pub('rs-b.example'), { headers: ['Host', 'rs-b.example'] }), 'pub', 'invalid_dpop_proof');
    expectDpopError(await send('/pub/ok.txt', t, await dpop.generateProof(alice, 'http://api.example/pub/ok.txt', 'GET', undefined, t)), 'pub', 'invalid_dpop_proof');
    // an IPv6 literal keeps its brackets, and a port that is not the default
    A.expectOk(await send('/pub6/ok.txt', t, await dpop.generateProof(alice, 'https://[2001:db8::1]:8443/pub6/ok.txt', 'GET', undefined, t)));
    expectDpopError(await send('/pub6/ok.txt', t, await dpop.generateProof(alice, 'https://[2001:db8::1]/pub6/ok.txt', 'GET', undefined, t)), 'pub6', 'invalid_dpop_proof');
    const { configtest } = require('./lib/httpd');
    for (const u of ['ftp://api.example', 'https://api.example/base', 'https://api.example/?q=1', 'api.example', 'https://u@api.example', 'https://api.example:x']) {
      const bad = await configtest(F.location('/x', 'x', `  AuthJWTDPoPURL ${u}\n  Require valid-user`), { name: 'dpop-url' });
      assert.notEqual(bad.code, 0, u);
      assert.match(bad.output, /AuthJWTDPoPURL: .* is not http\[s\]:\/\/HOST\[:PORT\]|has a bad port/, `${u}: ${bad.output}`);
      assert.match(bad.output, new RegExp(`line ${bad.lineOf('AuthJWTDPoPURL')} of`), bad.output);
    }
  });

  test('without AuthJWTBinding a DPoP-bound token is refused as a bearer token (RFC 9449 7.2); AuthJWTBinding none takes it', async () => {
    const t = await boundTo(alice);
    const res = await send('/plain/ok.txt', t, [], { scheme: 'Bearer' });
    A.expectInvalidToken(res, 'plain', t);
    assert.equal(A.parseChallenge(res.header('WWW-Authenticate')[0]).params.error_description,
      'a sender-constrained token is not accepted here');
    assert.match(srv.errorLog(), /a DPoP-bound token \(cnf\.jkt\) where no AuthJWTBinding is set/);
    // a proof alongside changes nothing: this section checks none
    A.expectInvalidToken(await send('/plain/ok.txt', t, await proof(alice, '/plain/ok.txt', t), { scheme: 'Bearer' }), 'plain', t);
    A.expectOk(await send('/plain/ok.txt', tok({}), [], { scheme: 'Bearer' }));
    A.expectOk(await send('/unbound/ok.txt', t, [], { scheme: 'Bearer' }));
  });

  test('a DPoP-bound token stays refused where no AuthJWTBinding is set when it is a cache hit (the cnf note is kept in the cache entry)', async () => {
    const t = await boundTo(alice);
    const c = connection(srv.base);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await c.get('/plain/ok.txt', t);
        A.expectInvalidToken(res, 'plain', t);
        assert.equal(A.parseChallenge(res.header('WWW-Authenticate')[0]).params.error_description,
          'a sender-constrained token is not accepted here', `request ${i + 1}`);
      }
      // the first request verified and cached it; the next two were hits, refused all the same
      assert.ok(hitsOf(srv, c.port()) >= 2, `expected cache hits, saw ${hitsOf(srv, c.port())}`);
    } finally { c.close(); }
  });

  test('one keep-alive connection, two clients taking turns: each proof is checked with its own jwk (the connection remembers the last proof key), a forged signature under a remembered header is refused', async () => {
    const ta = await boundTo(alice); const tb = await boundTo(bob);
    const c = connection(srv.base);
    const at = (token, pr) => c.get('/dpop/ok.txt', null, { Authorization: `DPoP ${token}`, DPoP: pr });
    const fresh = (kp, token) => dpop.generateProof(kp, url('/dpop/ok.txt'), 'GET', undefined, token);
    try {
      for (let round = 0; round < 2; round++) {
        A.expectOk(await at(ta, await fresh(alice, ta)));
        A.expectOk(await at(tb, await fresh(bob, tb)));
        A.expectOk(await at(ta, await fresh(alice, ta)));
        // alice's exact header (the one just remembered) and a fresh payload, signed by bob
        const genuine = await fresh(alice, ta);
        const input = genuine.slice(0, genuine.lastIndexOf('.'));
        const sig = crypto.sign('sha256', Buffer.from(input),
          { key: crypto.KeyObject.from(bob.privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64url');
        expectDpopError(await at(ta, `${input}.${sig}`), 'dpop', 'invalid_dpop_proof');
        A.expectOk(await at(ta, genuine));          // refused before it was remembered as used
        expectDpopError(await at(ta, await fresh(bob, ta)), 'dpop', 'invalid_dpop_proof');
        expectDpopError(await at(tb, await fresh(alice, tb)), 'dpop', 'invalid_dpop_proof');
      }
      c.port();                                     // all of it over one connection
    } finally { c.close(); }
  });

  test('AuthJWTDPoPNonce: no nonce or a wrong one is 401 use_dpop_nonce with a DPoP-Nonce; npm dpop with that nonce is 200', async () => {
    const t = await boundTo(alice);
    const first = await send('/nonce/ok.txt', t, await proof(alice, '/nonce/ok.txt', t));
    const c = expectDpopError(first, 'nonce', 'use_dpop_nonce', 'Resource server requires nonce in DPoP proof');
    assert.ok(c);
    const nonce = first.headers['dpop-nonce'];
    assert.match(nonce || '', /^[A-Za-z0-9_-]{22}$/, `DPoP-Nonce: ${nonce}`);
    const ok = await send('/nonce/ok.txt', t, await dpop.generateProof(alice, url('/nonce/ok.txt'), 'GET', nonce, t));
    A.expectOk(ok);
    assert.equal(ok.headers['dpop-nonce'], nonce, 'the next nonce is announced on success too');
    expectDpopError(await send('/nonce/ok.txt', t, await dpop.generateProof(alice, url('/nonce/ok.txt'), 'GET', `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`, t)),
      'nonce', 'use_dpop_nonce');
    // the nonce does not replace the other checks: a replay with a good nonce is still one
    const p = await dpop.generateProof(alice, url('/nonce/ok.txt'), 'GET', nonce, t);
    A.expectOk(await send('/nonce/ok.txt', t, p));
    expectDpopError(await send('/nonce/ok.txt', t, p), 'nonce', 'invalid_dpop_proof', 'DPoP proof replayed');
    // without the directive a nonce is ignored
    A.expectOk(await send('/dpop/ok.txt', t, await dpop.generateProof(alice, url('/dpop/ok.txt'), 'GET', 'anything', t)));
  });
});
