'use strict';
/*
 * The encrypted login cookie end to end in a real browser (issue 24): Debian's chromium
 * driven by playwright-core, against a real httpd with the built mod_auth_jwt. The login
 * location (jwt-login-handler behind the demo's login form) has
 * `AuthJWTDelivery cookie enc_token encrypt` and an EC P-256 AuthJWTDecryptionKey made here;
 * /app/ reads that cookie with the same key and AuthJWTEncryption required.
 *
 * Scenario: the browser asks for /app/secret.html, goes to the login page, logs in with the
 * form and comes back to the page (200, its content). The cookie it holds is a compact JWE
 * (ECDH-ES+A256KW / A256GCM, cty JWT) with no readable claims; npm jose opens it with the
 * private key to a signed JWS naming the user. The same cookie with one byte of its
 * ciphertext changed is refused: 401 invalid_token "token could not be decrypted" (a bad
 * token is not "no token": no redirect to the login page).
 *
 * Env: JWT_BUILD_DIR (required), KEEP_HTTPD_DIRS=1 keeps the server's temp dir.
 */
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const jose = require('jose');
const { launch, finish } = require('./lib/chromium');
const { startHttpd, stage } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const L = require('../login/lib/login');

const REPO = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(REPO, 'tests', 'out', 'screenshots');
const USER = 'erin';
const PASSWORD = 'Erin-Jwe-Browser-7731';
const COOKIE = '__Host-enc_token';
const PAGE_TEXT = 'Encrypted-cookie app page';
const STEP_MS = 15000;   // every playwright wait is bounded by this

function conf(st) {
  const demo = stage(path.join(REPO, 'demo', 'htdocs'));   // the demo's login page and its script
  return `
AliasMatch "^/(login\\.html|login\\.js|demo\\.css)$" "${demo}/$1"
<Directory "${demo}">
  Require all granted
</Directory>
Alias /app/secret.html "${st.appPage}"

${L.loginLocation('/auth/cookie-login', {
    keyLine: `"${st.keys.ec256.privPath}"`, alg: 'ES256', userFile: st.users, lifetime: 600,
    delivery: 'cookie enc_token encrypt', extra: [`AuthJWTDecryptionKey "${st.decPath}" kid=browser-enc`],
  })}

<Location /app>
  AuthType jwt
  AuthName "jwe-app"
  AuthJWTKeyFile "${st.keys.ec256.pubPath}"
  AuthJWTDecryptionKey "${st.decPath}" kid=browser-enc
  AuthJWTEncryption required
  AuthJWTTokenFrom cookie=enc_token
  AuthJWTLoginURL /login.html
  Require valid-user
</Location>
`;
}

describe('encrypted login cookie in chromium', () => {
  let st; let srv; let context; let page; let profileDir; let jwe;

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const keys = generateKeys({ only: ['ec256'] });
    const dec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    st = {
      keys, dec,
      users: L.makeUsers(keys.dir, [{ user: USER, password: PASSWORD, hash: 'B' }]),
      decPath: keys.write('cookie-enc-ec.pem', dec.privateKey.export({ type: 'pkcs8', format: 'pem' })),
      appPage: keys.write('secret.html', `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">
<title>app</title><link rel="icon" href="data:,"></head>
<body><h1 id="app">${PAGE_TEXT}</h1></body></html>\n`),
    };
    srv = await startHttpd({ name: 'browser-jwe', conf: conf(st), modules: ['authn_file'] });
    ({ context, profileDir } = await launch({ timeout: STEP_MS * 2 }));
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    page = context.pages()[0] || await context.newPage();
  }, { timeout: 90000 });

  after(() => finish({ context, srv, profileDir, keys: st?.keys }));

  const url = (p) => `${srv.base}${p}`;
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const tokenCookie = async () => (await context.cookies(srv.base)).find((c) => c.name === COOKIE);

  test('log in with the form, come back to the protected page: 200 with its content', { timeout: 60000 }, async () => {
    await page.goto(url('/app/secret.html'));
    assert.equal(new URL(page.url()).pathname, '/login.html');
    assert.equal(new URL(page.url()).searchParams.get('return'), '/app/secret.html');
    await page.fill('#username', USER);
    await page.fill('#password', PASSWORD);
    const [back] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/app/secret.html'),
      page.waitForURL((u) => u.pathname === '/app/secret.html'),
      page.click('#login'),
    ]);
    const cookie = await tokenCookie();
    assert.ok(cookie, `no ${COOKIE} cookie: ${JSON.stringify((await context.cookies(srv.base)).map((c) => c.name))}`);
    jwe = cookie.value;   // for the next tests, whatever this one finds below
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(back.status(), 200, `${back.headers()['www-authenticate']}`);
    assert.equal(await page.textContent('#app'), PAGE_TEXT);
    await shot('jwe-cookie-app');
    // a fresh load with the cookie alone: 200, the page's content
    const resp = await page.goto(url('/app/secret.html'));
    assert.equal(resp.status(), 200);
    assert.equal(await page.textContent('#app'), PAGE_TEXT);
  });

  test('the cookie is a compact JWE with no readable claims; jose opens it to the user\'s signed token', { timeout: 30000 }, async () => {
    assert.ok(jwe, 'no cookie from the login test');
    const parts = jwe.split('.');
    assert.equal(parts.length, 5, `not a compact JWE: ${parts.length} segments`);
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    assert.deepEqual({ alg: header.alg, enc: header.enc, cty: header.cty },
      { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' });
    assert.equal(header.kid, 'browser-enc');
    for (const [i, seg] of parts.entries()) {
      const text = Buffer.from(seg, 'base64url').toString('latin1');
      assert.ok(!text.includes('"sub"'), `segment ${i} shows a "sub" claim`);
      assert.ok(!text.includes(USER), `segment ${i} shows the user name`);
    }
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, st.dec.privateKey);
    assert.equal(protectedHeader.alg, 'ECDH-ES+A256KW');
    const inner = new TextDecoder().decode(plaintext);
    assert.equal(inner.split('.').length, 3, 'the plaintext is a JWS');
    const { payload, protectedHeader: h } = await jose.jwtVerify(inner, st.keys.ec256.publicKey, { algorithms: ['ES256'] });
    assert.equal(h.alg, 'ES256');
    assert.equal(payload.sub, USER);
    assert.equal(payload.exp - payload.iat, 600);
  });

  test('one byte of the ciphertext changed: 401 "token could not be decrypted", not the page', { timeout: 30000 }, async () => {
    assert.ok(jwe, 'no cookie from the login test');
    const parts = jwe.split('.');
    assert.equal(parts.length, 5, 'not a compact JWE: no ciphertext to change');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[Math.floor(ct.length / 2)] ^= 0x01;
    parts[3] = ct.toString('base64url');
    const tampered = parts.join('.');
    assert.notEqual(tampered, jwe);
    const cookie = await tokenCookie();
    await context.clearCookies();
    await context.addCookies([{ ...cookie, value: tampered }]);
    assert.equal((await tokenCookie())?.value, tampered, 'the browser holds the tampered cookie');
    const sent = [];
    const onRequest = (r) => sent.push(r.headers().cookie || '(no cookie)');
    page.on('request', onRequest);
    const resp = await page.goto(url('/app/secret.html'));
    page.off('request', onRequest);
    // seen once in CI (run 9) and once in a local group run, never alone: a 200 here. What
    // the browser sent and what httpd logged go with the failure, for whoever meets it next
    assert.equal(resp.status(), 401, `the tampered cookie was answered ${resp.status()}; `
      + `cookies sent: ${JSON.stringify(sent).slice(0, 1500)}; tampered: ${tampered.slice(0, 120)}; `
      + `httpd error log: ${srv.errorLog().slice(-4000)}; access log: ${srv.accessLog().slice(-1500)}`);
    assert.equal(new URL(page.url()).pathname, '/app/secret.html', 'a bad token is not sent to the login page');
    assert.equal(resp.headers()['www-authenticate'],
      'Bearer realm="jwe-app", error="invalid_token", error_description="token could not be decrypted"');
    assert.ok(!(await page.content()).includes(PAGE_TEXT));
    await shot('jwe-cookie-tampered');
    // the untouched cookie still opens the page (the refusal was the tampering)
    await context.clearCookies();
    await context.addCookies([{ ...cookie, value: jwe }]);
    const ok = await page.goto(url('/app/secret.html'));
    assert.equal(ok.status(), 200);
    assert.equal(await page.textContent('#app'), PAGE_TEXT);
  });
});
