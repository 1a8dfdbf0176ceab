'use strict';
// AuthJWTOptional NAME (mod_auth_jwt/binding_conf.c, authn.c's let_anonymous_in): a request
// with no token is the user NAME, as mod_authn_anon does it, with no JWT_CLAIM_* variables,
// no forwarded claim and every client spelling of a forwarded header removed; a token that
// is present but bad is still refused; a good one is the token's user. Tokens: npm
// jsonwebtoken.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request, parseEnv, configtest } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

/* httpd writes the access log line after the response has gone: wait for it a little. */
async function accessLogMatch(srv, re) {
  for (let i = 0; i < 100 && !re.test(srv.accessLog()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(srv.accessLog(), re);
}

describe('AuthJWTOptional', () => {
  let keys; let srv; let backend;
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    backend = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ rawHeaders: req.rawHeaders }));
    });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n  AuthzSendForbiddenOnFailure On\n`;
    const fwd = '  AuthJWTForwardClaim sub X-JWT-Sub\n  AuthJWTForwardClaim email X-JWT-Email\n';
    srv = await startHttpd({
      name: 'optional',
      modules: ['proxy', 'proxy_http'],
      conf: [
        F.location('/opt', 'opt', `${key}${fwd}  AuthJWTOptional anonymous\n  Require valid-user`),
        F.location('/opt-rule', 'opt-rule', `${key}  AuthJWTOptional anonymous\n  Require jwt-claim role=admin`),
        F.location('/opt-expr', 'opt-expr', `${key}  AuthJWTOptional guest\n` +
          '  Require valid-user\n  Header always set X-Sub "expr=[%{jwt_claim:sub}]"'),
        F.location('/required', 'required', `${key}  Require valid-user`),
        `ProxyPass /backend/ ${backend.url}/\n`,
        F.location('/backend', 'backend', `${key}${fwd}  AuthJWTOptional anonymous\n  Require valid-user`),
        // a nested section inherits it
        F.location('/opt/inner', 'inner', `${key}  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); await backend?.close(); keys?.cleanup(); });

  const tok = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  const get = (url, headers = {}) => request(srv.base, url, { headers });

  test('no token: 200 as the anonymous user, AUTH_TYPE jwt, no JWT_CLAIM_* variable', async () => {
    const res = await get('/opt/env.cgi');
    assert.equal(res.status, 200, res.body.slice(0, 200));
    const env = parseEnv(res.body);
    assert.equal(env.REMOTE_USER, 'anonymous');
    assert.equal(env.AUTH_TYPE.toLowerCase(), 'jwt');
    assert.deepEqual(Object.keys(env).filter((k) => /^JWT_CLAIM_/i.test(k)), []);
    await accessLogMatch(srv, /^127\.0\.0\.1 anonymous 200 "GET \/opt\/env\.cgi /m);
    // the nested section (no AuthJWTOptional of its own) inherits it
    assert.equal(parseEnv((await get('/opt/inner/env.cgi')).body).REMOTE_USER, 'anonymous');
    // and without the directive a token is still required
    A.expectNoToken(await get('/required/ok.txt'), 'required');
  });

  test('no token: every spelling of a forwarded header is removed before the backend', async () => {
    const res = await request(srv.base, '/backend/x', {
      headers: ['X-JWT-Sub', 'mallory', 'x_jwt_sub', 'eve', 'X-Jwt_Email', 'm@evil.test', 'X-Other', 'kept'],
    });
    assert.equal(res.status, 200, res.body.slice(0, 200));
    const raw = JSON.parse(res.body).rawHeaders;
    const names = []; for (let i = 0; i < raw.length; i += 2) names.push(raw[i].toLowerCase().replace(/_/g, '-'));
    assert.ok(!names.includes('x-jwt-sub'), `a client X-JWT-Sub reached the backend: ${raw}`);
    assert.ok(!names.includes('x-jwt-email'), `a client X-JWT-Email reached the backend: ${raw}`);
    assert.ok(names.includes('x-other'));
    // in a CGI's environment as well
    const env = parseEnv((await get('/opt/env.cgi', { 'X-JWT-Sub': 'mallory', 'X-JWT-EMAIL': 'm@evil.test' })).body);
    assert.equal(env.HTTP_X_JWT_SUB, undefined);
    assert.equal(env.HTTP_X_JWT_EMAIL, undefined);
  });

  test('a good token: the token\'s user, its claims exported and forwarded', async () => {
    const env = parseEnv((await get('/opt/env.cgi', { ...F.bearer(tok({ sub: 'alice', email: 'a@example.com' })), 'X-JWT-Sub': 'mallory' })).body);
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.JWT_CLAIM_SUB, 'alice');
    assert.equal(env.HTTP_X_JWT_SUB, 'alice');
    assert.equal(env.HTTP_X_JWT_EMAIL, 'a@example.com');
  });

  test('a present but bad token is still refused: tampered, expired, wrong key 401; two tokens 400', async () => {
    const tampered = T.tamperSignature(tok({}));
    A.expectInvalidToken(await get('/opt/ok.txt', F.bearer(tampered)), 'opt', tampered, 'signature');
    const t = T.now();
    const expired = tok({ iat: t - 7200, exp: t - 3600 });
    A.expectInvalidToken(await get('/opt/ok.txt', F.bearer(expired)), 'opt', expired, 'expired');
    A.expectInvalidToken(await get('/opt/ok.txt', F.bearer('garbage')), 'opt', 'garbage');
    const res = await get('/opt/ok.txt', ['Authorization', `Bearer ${tok({})}`, 'Authorization', `Bearer ${tok({ sub: 'bob' })}`]);
    assert.equal(res.status, 400);
  });

  test('the anonymous user meets claim rules as a user without a token: 401 with the Bearer challenge', async () => {
    A.expectNoToken(await get('/opt-rule/ok.txt'), 'opt-rule');
    A.expectOk(await get('/opt-rule/ok.txt', F.bearer(tok({ role: 'admin' }))));
    A.expectForbidden(await get('/opt-rule/ok.txt', F.bearer(tok({ role: 'user' }))));
  });

  test('jwt_claim() is empty for the anonymous user', async () => {
    const res = await get('/opt-expr/ok.txt');
    A.expectOk(res);
    assert.equal(res.headers['x-sub'], '[]');
    assert.equal((await get('/opt-expr/ok.txt', F.bearer(tok({ sub: 'alice' })))).headers['x-sub'], '[alice]');
  });

  test('configtest: an unusable name is refused with file and line', async () => {
    for (const bad of ['"two words"', '"a\\"b"', '""']) {
      const conf = F.location('/x', 'x', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTOptional ${bad}\n  Require valid-user`);
      const r = await configtest(conf, { name: 'optional-bad' });
      assert.notEqual(r.code, 0, `${bad} accepted`);
      assert.match(r.output, new RegExp(`line ${r.lineOf('AuthJWTOptional')} of .*httpd\\.conf`), r.output);
      assert.match(r.output, /AuthJWTOptional(: | takes one argument)/, r.output);
    }
  });
});
