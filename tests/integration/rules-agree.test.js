'use strict';
// Inspector drift (issue 21): one table of cases (tests/fixtures/rules/cases.json) runs
//   1. against httpd: a location per Require line, a token signed by npm `jose` -> 200 or 403;
//   2. against the admin page's inspector at that location: jwt-admin.cgi under httpd, the
//      page posted with path=/rule/N/ok.txt, which asks jwt-explain-handler for the module's
//      own verdict and renders it;
//   3. against the inspector's standalone mode (no path): the rule typed into the page.
// All three must give the case's `expect`. Also: the explain answer's stages for a bad
// signature, an expired token, a cookie location; no key material and no token in it; the
// handler refuses unauthenticated use and GET.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const jose = require('jose');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const { startJwksServer, makeSigner } = require('../jwks/lib/jwks-server');

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'rules', 'cases.json'), 'utf8')).cases;
const CGI_BUILT = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const IS_ROOT = process.getuid() === 0;

describe('the inspector and httpd agree on every rule case', () => {
  let keys; let srv; let adminCookie; let csrf; let idp; let signer;
  const lines = [...new Set(CASES.map((c) => c.require))];
  const where = (line) => `/rule/${lines.indexOf(line)}`;

  before(async () => {
    assert.ok(fs.existsSync(CGI_BUILT), `${CGI_BUILT} not built`);
    keys = generateKeys({ only: ['ec256', 'rsa'] });
    idp = await startJwksServer({});
    signer = makeSigner('idp-1');
    idp.publish('/jwks.json', [signer.jwk]);
    // the CGI runs as www-data: a copy outside the checkout, and a folder it may write
    const cgi = path.join(keys.dir, 'jwt-admin.cgi');
    fs.copyFileSync(CGI_BUILT, cgi);
    fs.chmodSync(cgi, 0o755);
    const state = path.join(keys.dir, 'state');
    fs.mkdirSync(state, { mode: 0o750 });
    if (IS_ROOT) spawnSync('chown', ['-R', 'www-data:www-data', state]);
    const auth = (realm, extra = []) => ['  AuthType jwt', `  AuthName "${realm}"`,
      `  AuthJWTKeyFile "${keys.ec256.pubPath}"`, ...extra].join('\n');
    const admin = [`  AuthJWTTokenFrom cookie=admin_tok`, '  Require jwt-claim-array groups=admin',
      '  AuthzSendForbiddenOnFailure On'];
    const conf = [
      `ScriptAlias /admin "${cgi}"`,
      '<Location /admin>', auth('jwt-admin', admin),
      `  SetEnv JWT_ADMIN_CSRF_KEY_FILE "${state}/csrf.key"`,
      `  SetEnv JWT_ADMIN_KEYS "${keys.ec256.pubPath}"`,
      '  SetEnv JWT_ADMIN_EXPLAIN_URL /jwt-explain',
      // SERVER_PORT from the connection, not from the client's Host header (README)
      '  UseCanonicalName On', '  UseCanonicalPhysicalPort On',
      '</Location>',
      '<Location /jwt-explain>', '  SetHandler jwt-explain-handler', auth('jwt-admin', admin), '</Location>',
      '<Location /open-explain>', '  SetHandler jwt-explain-handler', '</Location>',
      ...lines.map((line, i) => [`<Location /rule/${i}>`, auth(`rule${i}`, ['  AuthzSendForbiddenOnFailure On',
        `  Require ${line}`]), '</Location>'].join('\n')),
      '<Location /remote>', '  AuthType jwt', '  AuthName "remote"', `  AuthJWTJWKSURL ${idp.base}/jwks.json allow-http`,
      '  Require valid-user', '</Location>',
      '<Location /bycookie>', auth('bycookie', ['  AuthJWTTokenFrom cookie=tok', '  AuthJWTMaxLifetime 3600',
        '  Require valid-user']), '</Location>',
    ].join('\n');
    srv = await startHttpd({ name: 'rules-agree', conf, modules: ['socache_shmcb'] });
    const t = T.now();
    const adminToken = await T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey,
      payload: { sub: 'opsadmin', iat: t, exp: t + 600, jti: 'admin-session-1', groups: ['admin'] } });
    adminCookie = `admin_tok=${adminToken}`;
    const page = await request(srv.base, '/admin?page=inspect', { headers: { Cookie: adminCookie } });
    assert.equal(page.status, 200, page.body.slice(0, 500));
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
  });
  after(async () => { await srv?.stop(); await idp?.close(); keys?.cleanup(); });

  const tokenFor = (claims) => {
    const t = T.now();
    return T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, payload: { sub: 'alice', iat: t, exp: t + 600, ...claims } });
  };

  async function inspector(fields) {
    const body = new URLSearchParams({ action: 'inspect', csrf, ...fields }).toString();
    const res = await request(srv.base, '/admin?page=inspect', {
      method: 'POST', body,
      headers: { Cookie: adminCookie, Origin: srv.base, 'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': Buffer.byteLength(body) },
    });
    assert.equal(res.status, 200, res.body.slice(0, 800));
    return res.body;
  }
  const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  for (const c of CASES) {
    test(`${c.name}: Require ${c.require} -> ${c.expect}`, async () => {
      const token = await tokenFor(c.claims);
      const direct = await request(srv.base, `${where(c.require)}/ok.txt`, { headers: { Authorization: `Bearer ${token}` } });
      assert.ok([200, 403].includes(direct.status), `httpd: ${direct.status}`);
      const httpd = direct.status === 200 ? 'granted' : 'denied';

      const located = await inspector({ token, path: `${where(c.require)}/ok.txt` });
      const m = /id="module-verdict" data-verdict="([a-z]+)" data-status="(\d+)"/.exec(located);
      assert.ok(m, `no module verdict on the page: ${located.slice(located.indexOf('<main'), located.indexOf('<main') + 1500)}`);
      assert.equal(Number(m[2]), direct.status, 'the explained status is httpd\'s');
      const atPath = m[1] === 'granted' ? 'granted' : 'denied';
      // the page shows the location's own Require line, as the module evaluated it
      const rule = /<tr class="(granted|denied)" data-rule="([^"]*)"/.exec(located);
      assert.ok(rule, 'the module\'s rule row is missing');
      assert.equal(decode(rule[2]).replace(/^(jwt-[a-z-]+) /, '$1 '), c.require.replace(/^(jwt-[a-z-]+) /, '$1 '));
      assert.equal(rule[1], httpd);

      const alone = await inspector({ token, rules: c.require });
      const r = /<table class="rules" id="rules-result"><tr class="([a-z]+)">/.exec(alone);
      assert.ok(r, 'no rule row in standalone mode');

      assert.deepEqual({ httpd, atPath, standalone: r[1] }, { httpd: c.expect, atPath: c.expect, standalone: c.expect });
    });
  }

  async function explain(fields, headers = { Cookie: adminCookie }, where = '/jwt-explain') {
    const body = new URLSearchParams(fields).toString();
    return request(srv.base, where, {
      method: 'POST', body,
      headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    });
  }
  const stages = (ans) => Object.fromEntries(ans.stages.map((s) => [s.stage, s.result]));

  test('inspector at a path: the CGI calls the port this request came in on, never the Host header\'s', async () => {
    // a port on this machine where nothing of ours listens: before, the CGI aimed the
    // operator's cookie at it and the page showed no verdict
    const closed = await new Promise((resolve) => {
      const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    const token = await tokenFor({});
    const body = new URLSearchParams({ action: 'inspect', csrf, token, path: '/bycookie/ok.txt' }).toString();
    const res = await request(srv.base, '/admin?page=inspect', {
      method: 'POST', body,
      headers: { Host: `127.0.0.1:${closed}`, Cookie: adminCookie, Origin: `http://127.0.0.1:${closed}`,
        'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    });
    assert.equal(res.status, 200, res.body.slice(0, 800));
    const m = /id="module-verdict" data-verdict="([a-z]+)" data-status="(\d+)"/.exec(res.body);
    assert.ok(m, 'no module verdict: the CGI did not reach this server');
    assert.notEqual(m[1], 'unavailable', /id="module-verdict"[^>]*>([^<]*)/.exec(res.body)?.[1]);
    assert.equal(m[1], 'granted');
  });

  test('explain: a good token at a cookie location, stage by stage, without the token or a key', async () => {
    const token = await tokenFor({});
    const res = await explain({ path: '/bycookie/ok.txt', token });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const ans = JSON.parse(res.body);
    assert.equal(ans.status, 200);
    assert.equal(ans.verdict, 'granted');
    assert.equal(ans.user, 'alice');
    assert.equal(ans.token_from, 'cookie tok');
    assert.deepEqual(stages(ans), { token: 'pass', parse: 'pass', signature: 'pass', claims: 'pass', user: 'pass' });
    assert.ok(!res.body.includes(token.split('.')[2]), 'the answer holds the token');
    const pub = keys.ec256.jwk;
    assert.ok(!res.body.includes(pub.x) && !res.body.includes(pub.y), 'the answer holds key material');
    // the same as a real request there
    assert.equal((await request(srv.base, '/bycookie/ok.txt', { headers: { Cookie: `tok=${token}` } })).status, 200);
  });

  test('explain: a bad signature and an over-long lifetime fail at their stage, as httpd refuses', async () => {
    const bad = T.tamperSignature(await tokenFor({}));
    let ans = JSON.parse((await explain({ path: '/bycookie/ok.txt', token: bad })).body);
    assert.equal(ans.status, 401);
    assert.deepEqual(stages(ans), { token: 'pass', parse: 'pass', signature: 'fail' });
    assert.match(ans.www_authenticate, /error="invalid_token"/);
    const t = T.now();
    const long = await T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, payload: { sub: 'a', iat: t, exp: t + 7200 } });
    ans = JSON.parse((await explain({ path: '/bycookie/ok.txt', token: long })).body);
    assert.equal(ans.status, 401);
    assert.equal(stages(ans).claims, 'fail');
    assert.match(ans.stages.find((s) => s.stage === 'claims').detail, /lifetime/i);
    assert.equal((await request(srv.base, '/bycookie/ok.txt', { headers: { Cookie: `tok=${long}` } })).status, 401);
    const rsa = await T.joseSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims() });
    ans = JSON.parse((await explain({ path: '/bycookie/ok.txt', token: rsa })).body);
    assert.equal(ans.status, 401);
    assert.equal(stages(ans).signature, 'fail');
  });

  test('explain: a location with a remote JWKS uses its cache as it is, no extra fetch', async () => {
    const t = T.now();
    const token = await signer.sign({ sub: 'remote-user', iat: t, exp: t + 600 });
    assert.equal((await request(srv.base, '/remote/ok.txt', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    const fetched = idp.count('/jwks.json');
    assert.ok(fetched >= 1);
    const ans = JSON.parse((await explain({ path: '/remote/ok.txt', token })).body);
    assert.equal(ans.status, 200);
    assert.deepEqual(stages(ans), { token: 'pass', parse: 'pass', signature: 'pass', claims: 'pass', user: 'pass' });
    assert.match(ans.stages.find((s) => s.stage === 'signature').detail, /idp-1/);
    assert.equal(ans.token_from, 'the Authorization header');
    // a token of a key the cached JWKS lacks fails at its signature, as a real request does
    const other = await makeSigner('idp-2').sign({ sub: 'x', iat: t, exp: t + 600 });
    const miss = JSON.parse((await explain({ path: '/remote/ok.txt', token: other })).body);
    assert.equal(miss.status, (await request(srv.base, '/remote/ok.txt', { headers: { Authorization: `Bearer ${other}` } })).status);
    assert.equal(stages(miss).signature, 'fail');
    assert.ok(idp.count('/jwks.json') <= fetched + 1, 'the explanation fetched more than a real request would');
  });

  test('explain refuses: no path, a path that is not one, GET, no authentication, not an admin', async () => {
    const token = await tokenFor({});
    assert.equal((await explain({ token })).status, 400);
    assert.equal((await explain({ token, path: 'http://evil.example/' })).status, 400);
    assert.equal((await explain({ path: '/bycookie/ok.txt' })).status, 400);
    const get = await request(srv.base, '/jwt-explain?path=/bycookie/ok.txt', { headers: { Cookie: adminCookie } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const open = await explain({ path: '/bycookie/ok.txt', token }, {}, '/open-explain');
    assert.equal(open.status, 403);
    assert.ok(!open.body.includes('"stages"'));
    assert.equal((await explain({ path: '/bycookie/ok.txt', token }, {})).status, 401);
    const user = await tokenFor({ groups: ['dev'] });
    assert.equal((await explain({ path: '/bycookie/ok.txt', token }, { Cookie: `admin_tok=${user}` })).status, 403);
  });
});
