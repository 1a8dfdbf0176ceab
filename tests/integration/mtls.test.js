'use strict';
// Certificate-bound tokens (RFC 8705 section 3; mod_auth_jwt/binding.c, core/jwt_cnf.c):
// mod_ssl on 127.0.0.1 with a CA and client certificates made here by the openssl CLI;
// node presents them. The expected x5t#S256 is node crypto's SHA-256 of the DER. Tokens
// come from npm jsonwebtoken. RFC 9440 Client-Cert from a trusted and an untrusted peer.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, parseEnv } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const { makePki, sslConf, httpsRequest, https } = require('./lib/tls');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('AuthJWTBinding mtls', () => {
  let keys; let pki; let srv;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    pki = makePki(['alice', 'bob']);
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n`;
    const hdr = '  AuthJWTClientCertHeader Client-Cert\n';
    srv = await startHttpd({
      name: 'mtls',
      modules: ['ssl'],
      conf: [
        sslConf(pki),
        F.location('/mtls', 'mtls', `${key}  AuthJWTBinding mtls\n  AuthJWTForwardClaim sub X-JWT-Sub\n  Require valid-user`),
        F.location('/mtls-opt', 'mtls-opt', `${key}  AuthJWTBinding mtls optional\n  Require valid-user`),
        F.location('/plain', 'plain', `${key}  Require valid-user`),
        F.location('/mtls/off', 'off', '  AuthJWTBinding none\n  Require valid-user'),
        F.location('/trusted', 'trusted', `${key}  AuthJWTBinding mtls\n${hdr}  AuthJWTClientCertTrustedProxies 10.0.0.0/8 127.0.0.1/32\n  Require valid-user`),
        F.location('/untrusted', 'untrusted', `${key}  AuthJWTBinding mtls\n${hdr}  AuthJWTClientCertTrustedProxies 192.0.2.0/24 ::1\n  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); pki?.cleanup(); keys?.cleanup(); });

  const tok = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  const bound = (who, extra = {}) => tok({ cnf: { 'x5t#S256': pki.clients[who].x5t }, ...extra });
  const get = (url, token, client, headers = {}) => httpsRequest(srv.port, url, {
    ca: pki.ca, client, headers: { ...(token ? F.bearer(token) : {}), ...headers },
  });

  test('the right certificate: 200; another certificate of the same CA: 401; none: 401', async () => {
    const t = bound('alice');
    A.expectOk(await get('/mtls/ok.txt', t, pki.clients.alice));
    A.expectInvalidToken(await get('/mtls/ok.txt', t, pki.clients.bob), 'mtls', t);
    A.expectInvalidToken(await get('/mtls/ok.txt', t, undefined), 'mtls', t);
    // bob's own token with bob's certificate
    A.expectOk(await get('/mtls/ok.txt', bound('bob'), pki.clients.bob));
  });

  test('the token cache does not carry a binding over: same token, new connection, other certificate', async () => {
    const t = bound('alice', { n: 1 });
    for (let i = 0; i < 3; i++) A.expectOk(await get('/mtls/ok.txt', t, pki.clients.alice));
    A.expectInvalidToken(await get('/mtls/ok.txt', t, pki.clients.bob), 'mtls', t);
    A.expectInvalidToken(await get('/mtls/ok.txt', t, undefined), 'mtls', t);
  });

  test('a token without cnf: 401 under mtls, 200 under mtls optional; a bound one is still checked there', async () => {
    const plain = tok({});
    A.expectInvalidToken(await get('/mtls/ok.txt', plain, pki.clients.alice), 'mtls', plain);
    A.expectOk(await get('/mtls-opt/ok.txt', plain, pki.clients.alice));
    A.expectOk(await get('/mtls-opt/ok.txt', plain, undefined));
    A.expectOk(await get('/mtls-opt/ok.txt', bound('alice'), pki.clients.alice));
    const t = bound('alice');
    A.expectInvalidToken(await get('/mtls-opt/ok.txt', t, pki.clients.bob), 'mtls-opt', t);
    A.expectInvalidToken(await get('/mtls-opt/ok.txt', t, undefined), 'mtls-opt', t);
  });

  test('a cnf of another kind or shape is refused: jkt only, cnf not an object, x5t#S256 not a string, a prefix', async () => {
    for (const cnf of [{ jkt: 'abc' }, pki.clients.alice.x5t, { 'x5t#S256': [pki.clients.alice.x5t] },
      { 'x5t#S256': pki.clients.alice.x5t.slice(0, 20) }, { 'x5t#S256': pki.clients.alice.x5t.toLowerCase() }]) {
      const t = tok({ cnf });
      A.expectInvalidToken(await get('/mtls/ok.txt', t, pki.clients.alice), 'mtls', t);
      if (typeof cnf === 'object' && cnf.jkt) A.expectInvalidToken(await get('/mtls-opt/ok.txt', t, pki.clients.alice), 'mtls-opt', t);
    }
  });

  test('without AuthJWTBinding a certificate-bound token is refused (its binding would go unchecked); AuthJWTBinding none takes it as a bearer token', async () => {
    const t = bound('alice');
    for (const cert of [undefined, pki.clients.alice]) {
      const res = await get('/plain/ok.txt', t, cert);
      A.expectInvalidToken(res, 'plain', t);
      assert.equal(A.parseChallenge(res.header('WWW-Authenticate')[0]).params.error_description,
        'a sender-constrained token is not accepted here');
    }
    assert.match(srv.errorLog(), /a token with a cnf claim where no AuthJWTBinding is set/);
    A.expectOk(await get('/plain/ok.txt', tok({}), undefined));
    // the explicit opt-out
    A.expectOk(await get('/mtls/off/ok.txt', t, undefined));
    A.expectOk(await get('/mtls/off/ok.txt', tok({}), undefined));
  });

  test('the refusal is a Bearer invalid_token challenge with a short description', async () => {
    const res = await get('/mtls/ok.txt', bound('alice'), pki.clients.bob);
    const c = A.parseChallenge(res.header('WWW-Authenticate')[0]);
    assert.equal(c.params.error, 'invalid_token');
    assert.equal(c.params.error_description, 'the token is bound to another client certificate');
    const none = A.parseChallenge((await get('/mtls/ok.txt', tok({}), pki.clients.alice)).header('WWW-Authenticate')[0]);
    assert.equal(none.params.error_description, 'the token is not bound to a client certificate');
  });

  test('RFC 9440 Client-Cert from a trusted address is the certificate; from an untrusted one it is ignored', async () => {
    const field = `:${pki.clients.alice.der.toString('base64')}:`;
    const t = bound('alice');
    A.expectOk(await get('/trusted/ok.txt', t, undefined, { 'Client-Cert': field }));
    // the header wins over the TLS certificate of the proxy's own connection
    A.expectOk(await get('/trusted/ok.txt', t, pki.clients.bob, { 'Client-Cert': field }));
    A.expectInvalidToken(await get('/trusted/ok.txt', bound('bob'), undefined, { 'Client-Cert': field }), 'trusted', bound('bob'));
    // 127.0.0.1 is not in the list: the header is not looked at, there is no certificate
    A.expectInvalidToken(await get('/untrusted/ok.txt', t, undefined, { 'Client-Cert': field }), 'untrusted', t);
    // ... but the connection's own certificate still counts
    A.expectOk(await get('/untrusted/ok.txt', t, pki.clients.alice, { 'Client-Cert': `:${pki.clients.bob.der.toString('base64')}:` }));
  });

  test('one keep-alive connection from a proxy, a different Client-Cert per request: each request its own certificate', async () => {
    // the module remembers the last certificate of a connection (binding.c): it must be
    // the one of this request, never the one before it
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: pki.ca });
    const sockets = new Set();
    const field = (who) => `:${pki.clients[who].der.toString('base64')}:`;
    const t = bound('alice');
    try {
      for (const [who, want] of [['alice', 200], ['bob', 401], ['alice', 200], ['alice', 200], ['bob', 401]]) {
        const res = await httpsRequest(srv.port, '/trusted/ok.txt', { ca: pki.ca, agent, headers: { ...F.bearer(t), 'Client-Cert': field(who) } });
        assert.equal(res.status, want, `${who}: ${res.status}`);
      }
      const none = await httpsRequest(srv.port, '/trusted/ok.txt', { ca: pki.ca, agent, headers: F.bearer(t) });
      A.expectInvalidToken(none, 'trusted', t);
      agent.on('free', (s) => sockets.add(s));
      await httpsRequest(srv.port, '/trusted/ok.txt', { ca: pki.ca, agent, headers: { ...F.bearer(t), 'Client-Cert': field('alice') } });
      assert.equal(sockets.size, 1, 'not one connection');
    } finally { agent.destroy(); }
  });

  test('a malformed Client-Cert from a trusted proxy is a 400, never a pass', async () => {
    const t = bound('alice');
    const b64 = pki.clients.alice.der.toString('base64');
    for (const bad of [b64, `:${pki.clients.alice.der.toString('base64url')}:`, `:${b64.slice(0, -4)}:`, ':Zm9v:', '::']) {
      const res = await get('/trusted/ok.txt', t, undefined, { 'Client-Cert': bad });
      assert.equal(res.status, 400, `${bad.slice(0, 20)}: ${res.status}`);
      assert.equal(A.parseChallenge(res.header('WWW-Authenticate')[0]).params.error, 'invalid_request');
    }
  });

  test('forwarded-claim headers: client copies replaced on success (every spelling), absent on refusal', async () => {
    const ok = parseEnv((await get('/mtls/env.cgi', bound('alice'), pki.clients.alice, { 'X-JWT-Sub': 'mallory', 'x-jwt-SUB': 'eve' })).body);
    assert.equal(ok.HTTP_X_JWT_SUB, 'alice');
    assert.equal(ok.REMOTE_USER, 'alice');
    assert.equal(ok.SSL_CLIENT_S_DN_CN, undefined, 'not needed: StdEnvVars is off');
  });

  test('configtest: bad AuthJWTBinding, header and proxy addresses name the line', async () => {
    const { configtest } = require('./lib/httpd');
    for (const line of ['AuthJWTBinding mtls sometimes', 'AuthJWTBinding tls', 'AuthJWTClientCertHeader "Client Cert"',
      'AuthJWTClientCertTrustedProxies 10.0.0.0/33', 'AuthJWTClientCertTrustedProxies proxy.example']) {
      const r = await configtest(F.location('/x', 'x', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  ${line}\n  Require valid-user`), { name: 'mtls-bad' });
      assert.notEqual(r.code, 0, `${line} accepted`);
      assert.match(r.output, new RegExp(`line ${r.lineOf(line.split(' ')[0])} of`), r.output);
    }
  });
});
