'use strict';
/*
 * The admin page in a real browser: Debian's chromium driven by playwright-core, against a
 * real httpd with the built mod_auth_jwt, mod_cgid and jwt-admin.cgi, the login endpoint
 * (jwt-login-handler, cookie delivery) and a /api/ location that trusts the secrets file.
 *
 * Scenario (issue 6): log in through /auth/login, open the page, inspect a valid and an
 * expired token and read the reasons; create a secret, mint a token with it and see /api/
 * accept it; rotate, retire and delete and see /api/ refuse; a token whose claims contain
 * <script> and "><img onerror> renders as text; a form posted without its CSRF token
 * changes nothing. Screenshots of each page go to tests/out/screenshots/ (gitignored);
 * docs/admin-inspect.png and docs/admin-secrets.png are copies of inspect-expired.png and
 * secrets-rotated.png; docs/admin-mobile.png is admin-mobile.png, rewritten with UPDATE_DOCS=1.
 *
 * Env: JWT_BUILD_DIR (required), KEEP_HTTPD_DIRS=1 keeps the server's temp dir.
 */
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { launch, finish } = require('./lib/chromium');
const { startHttpd, request, sleep, stage, adminCgi } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');

const REPO = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(REPO, 'tests', 'out', 'screenshots');
const CGI = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const IS_ROOT = process.getuid() === 0;
const RELOAD_WAIT_MS = 1600;   // the module re-checks the secrets file at most once a second
const ADMIN_USER = 'opsadmin';
const ADMIN_PASSWORD = 'correct horse battery staple';

function chownWww(p) {
  if (IS_ROOT) spawnSync('chown', ['-R', 'www-data:www-data', p]);
}

/* The private state of this test: keys, password and group files, the secrets folder
 * (writable by the CGI, which runs as www-data), a login form page. */
function makeState() {
  const keys = generateKeys({ only: ['rsa'] });
  const dir = keys.dir;
  const htpasswd = spawnSync('htpasswd', ['-nbB', ADMIN_USER, ADMIN_PASSWORD]);
  assert.equal(htpasswd.status, 0, String(htpasswd.stderr));
  const users = keys.write('users.htpasswd', `${htpasswd.stdout.toString().trim()}\n`);
  const groups = keys.write('groups', `admin: ${ADMIN_USER}\n`);
  const secretsDir = path.join(dir, 'secrets');
  fs.mkdirSync(secretsDir, { mode: 0o750 });
  const secrets = path.join(secretsDir, 'secrets.jwks');
  fs.writeFileSync(secrets, '{"keys":[]}\n', { mode: 0o640 });
  chownWww(secretsDir);
  return { keys, dir, users, groups, secretsDir, secrets, audit: path.join(secretsDir, 'audit.log'),
    revocations: path.join(secretsDir, 'revocations.log') };
}

function conf(st) {
  // copies under the temp folder: the checkout may sit where www-data cannot go
  const assets = stage(path.join(REPO, 'htdocs', 'admin'));
  const demo = stage(path.join(REPO, 'demo', 'htdocs'));   // the demo's login page and its script
  return `
Alias /jwt-admin "${assets}"
Alias /favicon.ico "${assets}/favicon.svg"
AddType image/svg+xml .svg
<Directory "${assets}">
  Require all granted
</Directory>
AliasMatch "^/(login\\.html|login\\.js|demo\\.css)$" "${demo}/$1"
<Directory "${demo}">
  Require all granted
</Directory>

<Location /auth/cookie-login>
  SetHandler jwt-login-handler
  AuthJWTProvider file
  AuthUserFile "${st.users}"
  AuthJWTGroupFile "${st.groups}"
  AuthJWTSigningKey "${st.keys.rsa.privPath}"
  AuthJWTDelivery cookie access_token
</Location>

<Location /auth/login>
  SetHandler jwt-login-handler
  AuthJWTProvider file
  AuthUserFile "${st.users}"
  AuthJWTGroupFile "${st.groups}"
  AuthJWTSigningKey "${st.keys.rsa.privPath}"
  AuthJWTDelivery cookie access_token
</Location>

ScriptAlias /admin "${adminCgi()}"
<Location /admin>
  AuthType jwt
  AuthName "jwt-admin"
  AuthJWTKeyFile "${st.keys.rsa.pubPath}"
  AuthJWTTokenFrom cookie=access_token
  AuthJWTLoginURL /login.html
  Require jwt-claim-array groups=admin
  AuthzSendForbiddenOnFailure On
  SetEnv JWT_ADMIN_SECRETS_FILE "${st.secrets}"
  SetEnv JWT_ADMIN_KEYS "${st.keys.rsa.pubPath}"
  SetEnv JWT_ADMIN_AUDIT_LOG "${st.audit}"
  SetEnv JWT_ADMIN_ASSETS_URL /jwt-admin
  SetEnv JWT_ADMIN_TRY_PATH /api/ok.txt
  SetEnv JWT_ADMIN_EXPLAIN_URL /admin-explain
  SetEnv JWT_ADMIN_REVOKE_URL /admin-revoke
  SetEnv JWT_ADMIN_REVOCATION_LOG "${st.revocations}"
</Location>

AuthJWTRevocationCache shmcb
AuthJWTRevocationOperators opsadmin
AuthJWTRevocationAuditLog "${st.revocations}"
<Location /admin-revoke>
  SetHandler jwt-revoke-handler
  AuthType jwt
  AuthName "jwt-admin"
  AuthJWTKeyFile "${st.keys.rsa.pubPath}"
  AuthJWTTokenFrom cookie=access_token
  Require jwt-claim-array groups=admin
  AuthzSendForbiddenOnFailure On
</Location>

<Location /rev-api>
  AuthType jwt
  AuthName "rev-api"
  AuthJWTKeyFile "${st.keys.rsa.pubPath}"
  AuthJWTRevocation On
  Require valid-user
</Location>

<Location /admin-explain>
  SetHandler jwt-explain-handler
  AuthType jwt
  AuthName "jwt-admin"
  AuthJWTKeyFile "${st.keys.rsa.pubPath}"
  AuthJWTTokenFrom cookie=access_token
  Require jwt-claim-array groups=admin
  AuthzSendForbiddenOnFailure On
</Location>

<Location /orders>
  AuthType jwt
  AuthName "orders"
  AuthJWTKeyFile "${st.keys.rsa.pubPath}"
  AuthzSendForbiddenOnFailure On
  Require jwt-claim "sub~^ops"
  Require jwt-scope orders:read
</Location>

<Location /api>
  AuthType jwt
  AuthName "api"
  AuthJWTSecretsFile "${st.secrets}"
  Require valid-user
</Location>
`;
}

describe('admin page in chromium', () => {
  let st; let srv; let context; let page; let profileDir;
  const dialogs = [];
  const consoleErrors = [];
  const failedResponses = [];

  before(async () => {
    assert.ok(fs.existsSync(CGI), `${CGI} not built`);
    fs.mkdirSync(SHOTS, { recursive: true });
    st = makeState();
    srv = await startHttpd({ name: 'browser', conf: conf(st), modules: ['authn_file', 'socache_shmcb'] });
    ({ context, profileDir } = await launch());
    page = context.pages()[0] || await context.newPage();
    page.on('dialog', async (d) => { dialogs.push(d.message()); await d.accept(); });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => { if (r.status() >= 400) failedResponses.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  });

  after(() => finish({ context, srv, profileDir, keys: st?.keys }));

  const url = (p) => `${srv.base}${p}`;
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const secretsJson = () => JSON.parse(fs.readFileSync(st.secrets, 'utf8'));
  const apiStatus = async (token) => (await request(srv.base, '/api/ok.txt',
    { headers: { Authorization: `Bearer ${token}` } })).status;

  /* The module re-reads the secrets file at most once a second per process, and requests
   * may land on different children: poll until every try gives the expected status. */
  async function expectApi(token, want) {
    await sleep(RELOAD_WAIT_MS);
    for (let i = 0; i < 6; i++) assert.equal(await apiStatus(token), want, `try ${i}`);
  }

  async function inspect(token, rules = '', at = '') {
    await page.goto(url('/admin?page=inspect'));
    await page.fill('#token', token);
    await page.fill('#rules', rules);
    await page.fill('#path', at);
    await Promise.all([page.waitForNavigation(), page.click('#inspect-submit')]);
  }
  const checkRow = async (name) => ({
    state: await page.textContent(`tr[data-check="${name}"] td.state`),
    reason: await page.textContent(`tr[data-check="${name}"] td:nth-child(3)`),
  });

  async function secretsAction(selector) {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
    assert.equal(await page.locator('#notice.ok').count(), 1, await page.textContent('main'));
  }

  async function mint(kid, claims, lifetime = '600') {
    await page.goto(url('/admin?page=mint'));
    await page.selectOption('#mint-kid', kid);
    await page.fill('#claims', claims);
    await page.fill('#lifetime', lifetime);
    await Promise.all([page.waitForNavigation(), page.click('#mint-submit')]);
    return (await page.inputValue('#minted')).trim();
  }

  test('the page refuses visitors without a token, and users outside groups=admin', async () => {
    const res = await request(srv.base, '/admin?page=inspect');
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate'], /^Bearer realm="jwt-admin"/);
    assert.equal(JSON.parse(res.body).error, 'unauthorized');
    const html = await request(srv.base, '/admin?page=inspect', { headers: { Accept: 'text/html' } });
    assert.equal(html.status, 303);
    assert.equal(new URL(html.headers.location, srv.base).searchParams.get('return'), '/admin?page=inspect');
  });

  test('a browser without a token goes to the login page, and back to the page it asked for', async () => {
    await page.goto(url('/admin?page=inspect'));
    assert.equal(new URL(page.url()).pathname, '/login.html');
    assert.match(await page.textContent('#return-note'), /go back to \/admin\?page=inspect$/);
    await shot('login-redirected');
    await page.fill('#username', ADMIN_USER);
    await page.fill('#password', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin'), page.click('#login')]);
    assert.equal(new URL(page.url()).search, '?page=inspect');
    assert.equal(await page.textContent('header .user strong'), ADMIN_USER);
    const cookies = await context.cookies(srv.base);
    const cookie = cookies.find((c) => c.name === '__Host-access_token');
    assert.ok(cookie, `no __Host-access_token cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
    assert.equal(cookie.httpOnly, true);
    const resp = await page.goto(url('/admin?page=inspect'));
    assert.equal(resp.status(), 200);
    const h = resp.headers();
    assert.match(h['content-security-policy'], /default-src 'self'/);
    assert.equal(h['x-frame-options'], 'DENY');
    assert.equal(h['cache-control'], 'no-store');
    assert.equal(await page.textContent('header .user strong'), ADMIN_USER);
    // the stylesheet and script load under the CSP (no inline code to block)
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('header')).display), 'flex');
  });

  test('inspect a valid token: every check passes, with key and times', async () => {
    const token = (await context.cookies(srv.base)).find((c) => c.name === '__Host-access_token').value;
    await inspect(token, 'jwt-claim-array groups=admin\njwt-claim sub=nobody');
    assert.equal(await page.textContent('#verdict'), 'The module would accept this token.');
    const sig = await checkRow('signature');
    assert.equal(sig.state, 'pass');
    assert.match(sig.reason, /^verified with kid=\S+ \(RSA 2048.*from .*rsa.*\.pem/);
    assert.equal((await checkRow('exp')).state, 'pass');
    assert.match(await page.textContent('tr[data-claim="exp"]'), /expires in 1[45] min/);
    assert.equal(await page.textContent('#rules-result tr.granted td.state'), 'granted');
    assert.equal(await page.textContent('#rules-result tr.denied td.state'), 'denied');
    const colours = await page.$$eval('#jwt-parts span[class^="part-"]',
      (els) => els.map((e) => [e.className, getComputedStyle(e).color]));
    assert.deepEqual(colours.map((c) => c[0]), ['part-header', 'part-payload', 'part-signature']);
    assert.equal(new Set(colours.map((c) => c[1])).size, 3, 'three distinct colours');
    await shot('inspect-valid');
  });

  test('inspect at a URL path: the module\'s own verdict there, stage by stage (issue 21)', async () => {
    const token = (await context.cookies(srv.base)).find((c) => c.name === '__Host-access_token').value;
    await inspect(token, '', '/orders/ok.txt');
    assert.equal(await page.getAttribute('#module-verdict', 'data-verdict'), 'granted');
    assert.match(await page.textContent('#module-verdict'), /httpd answers 200: the request is granted \(user opsadmin\)/);
    for (const stage of ['token', 'parse', 'signature', 'claims', 'user'])
      assert.equal(await page.textContent(`#module-stages tr[data-stage="${stage}"] td.state`), 'pass', stage);
    assert.equal(await page.textContent('#module-rules tr[data-rule="jwt-claim \\"sub~^ops\\""] td.state'), 'granted');
    assert.equal(await page.locator('#checks').count(), 0, 'the page\'s own checks are not shown in this mode');
    await shot('inspect-at-path');
    // the same token where the module refuses it: the stage that fails, with httpd's status
    await inspect(T.tamperSignature(token), '', '/orders/ok.txt');
    assert.equal(await page.getAttribute('#module-verdict', 'data-verdict'), 'refused');
    assert.equal(await page.getAttribute('#module-verdict', 'data-status'), '401');
    assert.equal(await page.textContent('#module-stages tr[data-stage="signature"] td.state'), 'fail');
    assert.equal((await request(srv.base, '/orders/ok.txt', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  });

  test('inspect an expired token: refused, with the reason', async () => {
    const t = Math.floor(Date.now() / 1000);
    const token = T.jwtSign({ alg: 'RS256', key: st.keys.rsa.privateKey,
      payload: { sub: ADMIN_USER, iat: t - 3 * 3600, exp: t - 2 * 3600 - 100 } });
    await inspect(token, 'jwt-claim sub=opsadmin');
    const exp = await checkRow('exp');
    assert.equal(exp.state, 'fail');
    assert.match(exp.reason, /^expired: /);
    assert.equal((await checkRow('signature')).state, 'pass');
    assert.match(await page.textContent('#verdict'), /^The module would refuse this token \(1 failed check\)\. First: exp: expired/);
    assert.match(await page.textContent('tr[data-claim="exp"]'), /expired 2 h ago/);
    await shot('inspect-expired');
  });

  let first; let firstSecret; let firstToken;
  test('create a secret: shown once with a copy button; mint with it; /api/ accepts', async () => {
    await page.goto(url('/admin?page=secrets'));
    await page.fill('#new-kid', 'browser-1');
    await page.selectOption('#new-status', 'active');
    await secretsAction('#create-submit');
    firstSecret = await page.textContent('#new-secret');
    assert.match(firstSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await page.locator('button.copy[data-copy="new-secret"]').count(), 1);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    await page.click('button.copy[data-copy="new-secret"]');
    await page.waitForFunction(() => document.querySelector('button.copy').textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), firstSecret);
    first = secretsJson().keys.find((k) => k.kid === 'browser-1');
    assert.equal(first.k, firstSecret);
    assert.equal(first.status, 'active');
    await shot('secrets-created');
    await page.goto(url('/admin?page=secrets'));
    assert.ok(!(await page.content()).includes(firstSecret), 'the secret is shown only once');
    assert.equal(await page.textContent('tr[data-kid="browser-1"] td.status'), 'active');
    await shot('secrets');

    firstToken = await mint('browser-1', `{"sub":"${ADMIN_USER}","scope":"orders"}`);
    assert.equal(T.decode(firstToken).header.kid, 'browser-1');
    await shot('mint');
    await expectApi(firstToken, 200);
  });

  test('Test token defaults: the active secret chosen, a sub claim, a curl line with this server\'s URL that works', async () => {
    await page.goto(url('/admin?page=mint'));
    assert.equal(await page.inputValue('#mint-kid'), 'browser-1');
    assert.equal(JSON.parse(await page.inputValue('#claims')).sub, ADMIN_USER);
    await Promise.all([page.waitForNavigation(), page.click('#mint-submit')]);
    const line = await page.textContent('#try-curl');
    const m = /^curl -i -H "Authorization: Bearer ([\w.-]+)" (\S+)$/.exec(line);
    assert.ok(m, line);
    assert.equal(m[2], `${srv.base}/api/ok.txt`);
    await expectApi(m[1], 200);
    await shot('mint-defaults');
  });

  test('rotate: the new key signs, the old one still verifies; retire: /api/ refuses it', async () => {
    await page.goto(url('/admin?page=secrets'));
    await secretsAction('#rotate-submit');
    assert.match(await page.textContent('#notice'), /now verify-only: browser-1/);
    const keys = secretsJson().keys;
    const active = keys.find((k) => k.status === 'active');
    assert.notEqual(active.kid, 'browser-1');
    assert.equal(keys.find((k) => k.kid === 'browser-1').status, 'verify');
    await expectApi(firstToken, 200);
    const second = await mint(active.kid, `{"sub":"${ADMIN_USER}"}`);
    await expectApi(second, 200);

    await page.goto(url('/admin?page=secrets'));
    await secretsAction('tr[data-kid="browser-1"] button.retire');
    assert.equal(await page.textContent('tr[data-kid="browser-1"] td.status'), 'retired');
    await expectApi(firstToken, 401);
    await expectApi(second, 200);
    await shot('secrets-rotated');
  });

  test('delete (with confirmation): /api/ refuses tokens of the deleted key', async () => {
    const active = secretsJson().keys.find((k) => k.status === 'active');
    const token = await mint(active.kid, `{"sub":"${ADMIN_USER}"}`);
    await expectApi(token, 200);
    await page.goto(url('/admin?page=secrets'));
    dialogs.length = 0;
    await secretsAction(`tr[data-kid="${active.kid}"] button.delete`);
    assert.deepEqual(dialogs, ['Delete this secret? Tokens signed with it will be refused.']);
    assert.equal(await page.locator(`tr[data-kid="${active.kid}"]`).count(), 0);
    assert.ok(!secretsJson().keys.some((k) => k.kid === active.kid));
    await expectApi(token, 401);
    await shot('secrets-after-delete');
  });

  test('hostile claims render as text: no script runs, no element is injected', async () => {
    await page.goto(url('/admin?page=secrets'));
    await page.fill('#new-kid', 'browser-x');
    await page.selectOption('#new-status', 'active');
    await secretsAction('#create-submit');
    const claims = JSON.stringify({ sub: '<script>alert("sub")</script>',
      name: '"><img src=x onerror=alert("img")>', role: "'><svg onload=alert(1)>" });
    dialogs.length = 0;
    const token = await mint('browser-x', claims);
    await inspect(token, 'jwt-claim sub=<script>alert(1)</script>');
    assert.deepEqual(dialogs, [], 'no alert() ran');
    assert.equal(await page.locator('main img, main svg, main script').count(), 0);
    const payload = await page.textContent('#payload-json');
    assert.ok(payload.includes('"sub":"<script>alert(\\"sub\\")</script>"'), payload);
    // pretty-printed JSON: the quotes inside the string stay escaped as \"
    assert.ok(payload.includes('"name":"\\"><img src=x onerror=alert(\\"img\\")>"'), payload);
    assert.ok((await page.textContent('#rules-result')).includes('<script>alert(1)</script>'));
    await shot('inspect-hostile');
  });

  test('a form posted without its CSRF token changes nothing (403)', async () => {
    await page.goto(url('/admin?page=secrets'));
    const before = fs.readFileSync(st.secrets);
    // the real create form, with its csrf field removed in the page
    await page.evaluate(() => document.querySelector('form.create-form input[name="csrf"]').remove());
    await page.fill('#new-kid', 'csrf-less');
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('#create-submit')]);
    assert.equal(resp.status(), 403);
    assert.equal(await page.textContent('#error'),
      'Missing or invalid CSRF token (reload the page and try again). Nothing was changed.');
    assert.deepEqual(fs.readFileSync(st.secrets), before);
    // and a token from another user does not work either
    await page.goto(url('/admin?page=secrets'));
    await page.evaluate(() => { document.querySelector('form.create-form input[name="csrf"]').value = 'A'.repeat(43); });
    await page.fill('#new-kid', 'csrf-forged');
    const [resp2] = await Promise.all([page.waitForNavigation(), page.click('#create-submit')]);
    assert.equal(resp2.status(), 403);
    assert.deepEqual(fs.readFileSync(st.secrets), before);
    await shot('csrf-refused');
  });

  test('Revocations (issue 25): revoke a pasted token and a subject; /rev-api/ refuses them; the list shows both, escaped', async () => {
    const t = Math.floor(Date.now() / 1000);
    const mk = (sub, jti) => T.jwtSign({ alg: 'RS256', key: st.keys.rsa.privateKey,
      payload: { iss: 'https://rev.example/', sub, jti, iat: t - 5, exp: t + 600 } });
    const a = mk('rev-alice', `j-${t}-a`);
    const b = mk('<img src=x onerror=alert(1)>', `j-${t}-b`);
    const keep = mk('rev-carol', `j-${t}-c`);
    const revApi = async (token) => (await request(srv.base, '/rev-api/ok.txt', { headers: { Authorization: `Bearer ${token}` } })).status;
    for (const tok of [a, b, keep]) assert.equal(await revApi(tok), 200);
    await page.goto(url('/admin?page=revocations'));
    await page.fill('#revoke-token', a);
    await Promise.all([page.waitForNavigation(), page.click('#revoke-token-submit')]);
    assert.equal(await page.locator('#notice.ok').count(), 1, await page.textContent('main'));
    assert.equal(await revApi(a), 401);
    await page.fill('#revoke-sub', '<img src=x onerror=alert(1)>');
    // the issuer is required (entries are keyed by it): the browser will not submit without it
    assert.equal(await page.getAttribute('#revoke-sub-iss', 'required'), '');
    assert.equal(await page.getAttribute('#revoke-jti-iss', 'required'), '');
    await page.fill('#revoke-sub-iss', 'https://rev.example/');
    await Promise.all([page.waitForNavigation(), page.click('#revoke-sub-submit')]);
    assert.match(await page.textContent('#notice.ok'), /every token of the subject/);
    assert.equal(await revApi(b), 401);
    assert.equal(await revApi(keep), 200);
    assert.equal(await page.getAttribute('#revocations', 'data-count'), '2');
    const rows = await page.locator('#revocations td code').allTextContents();
    assert.match(rows[0], /revoke by=operator\\x20opsadmin from=127\.0\.0\.1 iss=https:\/\/rev\.example\/ sub=<img\\x20src=x\\x20onerror=alert\(1\)> until=\d+$/);
    assert.match(rows[1], new RegExp(`revoke by=operator\\\\x20opsadmin .* jti=j-${t}-a until=`));
    assert.equal(await page.locator('main img').count(), 0, 'the subject became an element');
    await shot('revocations');
  });

  test('the login page sends the user back only to a same-origin relative path', async () => {
    for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      await page.goto(url(`/login.html?return=${encodeURIComponent(bad)}`));
      assert.equal(await page.isHidden('#return-note'), true, bad);
      await page.fill('#username', ADMIN_USER);
      await page.fill('#password', ADMIN_PASSWORD);
      await page.click('#login');
      await page.waitForTimeout(500);
      assert.equal(new URL(page.url()).origin, srv.base, `${bad} -> ${page.url()}`);
      assert.equal(new URL(page.url()).pathname, '/login.html', bad);
    }
  });

  test('on a 390 px wide screen: no horizontal page overflow, tables scroll in their box, sane controls', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const p of ['secrets', 'mint', 'inspect']) {
        await page.goto(url(`/admin?page=${p}`));
        const w = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
        assert.ok(w.doc <= w.view, `${p}: the page is ${w.doc} px wide in a ${w.view} px window`);
        const widest = await page.$$eval('select, input, textarea', (els) => Math.max(0, ...els.map((e) => e.getBoundingClientRect().width)));
        assert.ok(widest <= 390, `${p}: a control is ${widest} px wide`);
        if (p === 'secrets') {
          const box = await page.$eval('#secrets-box', (e) => ({ overflow: getComputedStyle(e).overflowX, sw: e.scrollWidth, cw: e.clientWidth }));
          assert.equal(box.overflow, 'auto');
          assert.ok(box.cw <= 390, JSON.stringify(box));
          // tests/out/screenshots/admin-mobile.png; UPDATE_DOCS=1 also refreshes docs/'s copy
          // (a test run must not dirty the checkout)
          if (process.env.UPDATE_DOCS === '1') await page.screenshot({ path: path.join(REPO, 'docs', 'admin-mobile.png'), fullPage: true });
          await shot('admin-mobile');
        }
      }
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
    // the favicon is served (a link in every page, and /favicon.ico for httpd's own pages)
    assert.equal(await page.$eval('link[rel="icon"]', (e) => new URL(e.href).pathname), '/jwt-admin/favicon.svg');
    assert.equal((await request(srv.base, '/jwt-admin/favicon.svg')).status, 200);
    assert.equal((await request(srv.base, '/favicon.ico')).status, 200);
  });

  test('the audit log names every change and never a secret; no console errors', () => {
    const log = fs.readFileSync(st.audit, 'utf8');
    const actions = log.trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
    assert.deepEqual(actions.filter((l) => !l.includes('action=mint')).map((l) => l.replace(/kid=k-\S+/, 'kid=K')), [
      `user=${ADMIN_USER} action=create kid=browser-1 result=ok`,
      `user=${ADMIN_USER} action=rotate kid=K result=ok`,
      `user=${ADMIN_USER} action=retire kid=browser-1 result=ok`,
      `user=${ADMIN_USER} action=delete kid=K result=ok`,
      `user=${ADMIN_USER} action=create kid=browser-x result=ok`,
    ]);
    assert.ok(!log.includes(firstSecret));
    for (const k of secretsJson().keys) assert.ok(!log.includes(k.k));
    // "Failed to load resource" lines are checked through the responses themselves: only the
    // deliberate CSRF refusals failed (no favicon 404: the pages link one, httpd serves it)
    assert.deepEqual(consoleErrors.filter((e) => !e.startsWith('Failed to load resource')), []);
    assert.deepEqual(failedResponses, ['403 /admin', '403 /admin']);
  });
});
