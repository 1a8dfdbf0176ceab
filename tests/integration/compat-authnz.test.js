'use strict';
// Drop-in for mod_authnz_jwt (issue 27): the configurations of its README
// (github.com/AnthonyDeroche/mod_authnz_jwt, README.md "Configuration examples" and
// "Authorization") run on this module and give the answers its documentation promises,
// for tokens minted by jsonwebtoken; then the same configurations after tools/jwt-migrate
// give the same answers. Only what cannot work on a test machine is substituted: paths
// (DocumentRoot, Directory, AuthUserFile, key files), `*:80` (we listen on a free port),
// the ErrorLog / CustomLog lines (${APACHE_LOG_DIR} is not defined outside Debian's
// apache2ctl), and the README's example secret Q0hBTkdFTUU= ("CHANGEME", 8 bytes), which
// this module refuses on purpose (a test below shows that refusal and its message).
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const jwt = require('jsonwebtoken');
const { startHttpd, configtest, request } = require('./lib/httpd');
const A = require('./lib/assertions');
const L = require('../login/lib/login');

const ROOT = path.resolve(__dirname, '../..');
const MIGRATE = path.join(ROOT, 'tools', 'jwt-migrate');
const KEYS = path.join(ROOT, 'tests', 'fixtures', 'keys');
const README_SECRET = 'Q0hBTkdFTUU=';
const SECRET_B64 = crypto.randomBytes(32).toString('base64');
const SECRET = Buffer.from(SECRET_B64, 'base64');

// ---- mod_authnz_jwt's README configurations, as printed there ---------------------
const README_HMAC = `<VirtualHost *:80>
	ServerName example.com
	DocumentRoot /var/www/html/

	# default values
	AuthJWTFormUsername user
	AuthJWTFormPassword password
	AuthJWTAttributeUsername user
	
	AuthJWTSignatureAlgorithm HS256
	AuthJWTSignatureSharedSecret Q0hBTkdFTUU=
	AuthJWTExpDelay 1800
	AuthJWTNbfDelay 0
	AuthJWTIss example.com
	AuthJWTAud demo
	AuthJWTLeeway 10

	<Directory /var/www/html/demo/secured/>
		AllowOverride None
		AuthType jwt
		AuthName "private area"
		Require valid-user
	</Directory>
	
	
	<Location /demo/login>
		SetHandler jwt-login-handler
		AuthJWTProvider file
		AuthUserFile /var/www/jwt.htpasswd
	</Location>

	ErrorLog \${APACHE_LOG_DIR}/error.log
	CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>`;

const README_EC = `<VirtualHost *:80>
	ServerName example.com
	DocumentRoot /var/www/html/

	# default values
	AuthJWTFormUsername user
	AuthJWTFormPassword password
	AuthJWTAttributeUsername user
	
	AuthJWTSignatureAlgorithm ES256
	AuthJWTSignaturePublicKeyFile /etc/pki/auth_pub.pem
	AuthJWTSignaturePrivateKeyFile /etc/pki/auth_priv.pem
	AuthJWTExpDelay 1800
	AuthJWTNbfDelay 0
	AuthJWTIss example.com
	AuthJWTAud demo
	AuthJWTLeeway 10

	<Directory /var/www/html/demo/secured/>
		AllowOverride None
		AuthType jwt
		AuthName "private area"
		Require valid-user
	</Directory>
	
	
	<Location /demo/login>
		SetHandler jwt-login-handler
		AuthJWTProvider file
		AuthUserFile /var/www/jwt.htpasswd
	</Location>

	ErrorLog \${APACHE_LOG_DIR}/error.log
	CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>`;

const README_COOKIE = `<VirtualHost *:80>
	ServerName example.com
	DocumentRoot /var/www/html/

	# default values
	AuthJWTFormUsername user
	AuthJWTFormPassword password
	AuthJWTAttributeUsername user

	AuthJWTSignatureAlgorithm HS256
	AuthJWTSignatureSharedSecret Q0hBTkdFTUU=
	AuthJWTExpDelay 1800
	AuthJWTNbfDelay 0
	AuthJWTIss example.com
	AuthJWTAud demo
	AuthJWTLeeway 10

    AuthJWTDeliveryType Cookie

	<Directory /var/www/html/demo/secured/>
		AllowOverride None
		AuthType jwt-cookie
		AuthName "private area"
		Require valid-user
	</Directory>


	<Location /demo/login>
		SetHandler jwt-login-handler
		AuthJWTProvider file
		AuthUserFile /var/www/jwt.htpasswd
	</Location>

	ErrorLog \${APACHE_LOG_DIR}/error.log
	CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>`;

// README "Authorization" (server-level secret, Require jwt-claim / jwt-claim-array).
const README_CLAIMS = `AuthJWTSignatureAlgorithm HS256
AuthJWTSignatureSharedSecret Q0hBTkdFTUU=
AuthJWTIss example.com
<Directory /var/www/html/demo/secured/>
	AllowOverride None
	AuthType jwt
	AuthName "private area"
	Require jwt-claim user=toto
    Require jwt-claim-array groups=group1
</Directory>`;

// README "AuthType": jwt-both takes the header, else the cookie (not a README block of
// its own: its documented AuthType values on the README's minimal configuration).
const README_BOTH = `AuthJWTSignatureAlgorithm HS256
AuthJWTSignatureSharedSecret Q0hBTkdFTUU=
AuthJWTIss example.com
<Directory /var/www/html/demo/secured/>
	AllowOverride None
	AuthType jwt-both
	AuthName "private area"
	Require valid-user
</Directory>
<Location /hidden>
	AuthType jwt-cookie
	AuthName "private area"
	Require valid-user
</Location>`;

let tmp; let users;
function substitute(text) {
  return text
    .replace('<VirtualHost *:80>', '<VirtualHost *>')
    .replace(/^\s*(ErrorLog|CustomLog) .*\n/mg, '')
    .replaceAll('/var/www/html/', `${tmp}/html/`)
    .replaceAll('/var/www/jwt.htpasswd', users)
    .replaceAll('/etc/pki/auth_pub.pem', path.join(KEYS, 'ec256.pub.pem'))
    .replaceAll('/etc/pki/auth_priv.pem', path.join(KEYS, 'ec256.pem'))
    .replaceAll(README_SECRET, SECRET_B64);
}

function migrate(text) {
  const r = spawnSync('python3', [MIGRATE, '-'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `jwt-migrate exit ${r.status}: ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /^\s*AuthJWT(SignatureAlgorithm|SignaturePublicKeyFile|SignaturePrivateKeyFile|Iss|Aud|ExpDelay|NbfDelay 0|DeliveryType|CookieAttr)\s/m,
    'a translatable mod_authnz_jwt directive is left');
  return r.stdout;
}

const now = () => Math.floor(Date.now() / 1000);
const hs = (payload, opts = {}) => jwt.sign(payload, SECRET, { algorithm: 'HS256', ...opts });
const ecPriv = () => fs.readFileSync(path.join(KEYS, 'ec256.pem'));
const good = (extra = {}) => ({ user: 'toto', iss: 'example.com', aud: 'demo', exp: now() + 300, ...extra });
// The README's login locations use mod_authn_file (AuthJWTProvider file); its snippets
// without a VirtualHost assume DocumentRoot /var/www/html (given here, outside them).
const MODS = ['authn_file'];
const docroot = () => `DocumentRoot "${tmp}/html"`;
const SECURED = '/demo/secured/index.txt';
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-compat-'));
  fs.chmodSync(tmp, 0o755);
  fs.mkdirSync(path.join(tmp, 'html', 'demo', 'secured'), { recursive: true, mode: 0o755 });
  L.writeFile(path.join(tmp, 'html', 'demo', 'secured'), 'index.txt', 'secret\n');
  users = L.makeUsers(tmp, [{ user: 'toto', password: 'pa55word', hash: 'B' }], 'jwt.htpasswd');
});
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

// Each README configuration, as written and after jwt-migrate: the same answers.
for (const variant of ['as written', 'migrated']) {
  const conf = (text) => (variant === 'migrated' ? migrate(substitute(text)) : substitute(text));

  describe(`mod_authnz_jwt README, HMAC (${variant})`, () => {
    let srv;
    before(async () => { srv = await startHttpd({ name: 'compat-hmac', conf: conf(README_HMAC), modules: MODS }); });
    after(async () => { await srv?.stop(); });

    test('a valid token gets in; REMOTE_USER comes from its "user" claim', async () => {
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(hs(good())) }), 'secret\n');
      // the access log line is written after the response: wait for it
      const re = / toto 200 "GET \/demo\/secured\/index\.txt/;
      for (let i = 0; i < 50 && !re.test(srv.accessLog()); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(srv.accessLog(), re);
    });
    test('no token: 401 with a Bearer challenge', async () => {
      A.expectNoToken(await request(srv.base, SECURED), 'private area');
    });
    test('"Bearer " in any case is accepted (mod_authnz_jwt wanted it exact)', async () => {
      A.expectOk(await request(srv.base, SECURED, { headers: { Authorization: `bearer ${hs(good())}` } }), 'secret\n');
    });
    test('expired beyond AuthJWTLeeway 10: 401; within it: 200', async () => {
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(good({ exp: now() - 30 }))) }), 'private area', null, 'expired');
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(hs(good({ exp: now() - 3 }))) }), 'secret\n');
    });
    test('nbf in the future: 401', async () => {
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(good({ nbf: now() + 120 }))) }), 'private area', null, 'not_yet_valid');
    });
    test('wrong iss, wrong aud: 401', async () => {
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(good({ iss: 'evil.example' }))) }), 'private area', null, 'issuer');
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(good({ aud: 'other' }))) }), 'private area', null, 'audience');
    });
    test('another algorithm than AuthJWTSignatureAlgorithm: 401', async () => {
      const t = jwt.sign(good(), SECRET, { algorithm: 'HS384' });
      assert.equal((await request(srv.base, SECURED, { headers: bearer(t) })).status, 401);
      const es = jwt.sign(good(), ecPriv(), { algorithm: 'ES256' });
      assert.equal((await request(srv.base, SECURED, { headers: bearer(es) })).status, 401);
    });
    test('ours wins: no exp, no iss, no user claim are refused (mod_authnz_jwt let them in)', async () => {
      const { exp, ...noExp } = good();
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(noExp)) }), 'private area', null, 'claim_missing');
      const { iss, ...noIss } = good();
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(hs(noIss)) }), 'private area', null, 'claim_missing');
      const { user, ...noUser } = good();
      assert.equal((await request(srv.base, SECURED, { headers: bearer(hs({ ...noUser, sub: 'x' })) })).status, 401);
    });
    test('login: form fields user / password, answer {"token": ...} signed with the secret, 1800 s, "user" claim', async () => {
      const res = await L.postForm(srv.base, '/demo/login', { user: 'toto', password: 'pa55word' });
      assert.equal(res.status, 200, res.body);
      const body = JSON.parse(res.body);
      assert.equal(typeof body.token, 'string');
      const claims = jwt.verify(body.token, SECRET, { algorithms: ['HS256'], issuer: 'example.com', audience: 'demo' });
      assert.equal(claims.user, 'toto');
      assert.equal(claims.exp - claims.iat, 1800);
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(body.token) }), 'secret\n');
    });
    test('login: a wrong password or our own field names get no token', async () => {
      const bad = await L.postForm(srv.base, '/demo/login', { user: 'toto', password: 'nope' });
      assert.equal(bad.status, 401);
      assert.ok(!('token' in JSON.parse(bad.body)));
      const ours = await L.postForm(srv.base, '/demo/login', { username: 'toto', password: 'pa55word' });
      assert.notEqual(ours.status, 200);
    });
  });

  describe(`mod_authnz_jwt README, EC keys (${variant})`, () => {
    let srv;
    before(async () => { srv = await startHttpd({ name: 'compat-ec', conf: conf(README_EC), modules: MODS }); });
    after(async () => { await srv?.stop(); });

    test('an ES256 token from jsonwebtoken gets in; HS256 does not', async () => {
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(jwt.sign(good(), ecPriv(), { algorithm: 'ES256' })) }), 'secret\n');
      assert.equal((await request(srv.base, SECURED, { headers: bearer(hs(good())) })).status, 401);
    });
    test('login signs with AuthJWTSignaturePrivateKeyFile; the public key verifies it', async () => {
      const res = await L.postForm(srv.base, '/demo/login', { user: 'toto', password: 'pa55word' });
      assert.equal(res.status, 200, res.body);
      const { token } = JSON.parse(res.body);
      const claims = jwt.verify(token, fs.readFileSync(path.join(KEYS, 'ec256.pub.pem')), { algorithms: ['ES256'] });
      assert.equal(claims.user, 'toto');
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(token) }), 'secret\n');
    });
  });

  describe(`mod_authnz_jwt README, cookie delivery and AuthType jwt-cookie (${variant})`, () => {
    let srv;
    before(async () => { srv = await startHttpd({ name: 'compat-cookie', conf: conf(README_COOKIE), modules: MODS }); });
    after(async () => { await srv?.stop(); });

    test('login sets the AuthToken cookie; it opens the secured area; the header alone does not', async () => {
      const res = await L.postForm(srv.base, '/demo/login', { user: 'toto', password: 'pa55word' });
      assert.equal(res.status, 200, res.body);
      const set = res.header('Set-Cookie');
      assert.equal(set.length, 1, JSON.stringify(set));
      const m = /^AuthToken=([^;]+);/.exec(set[0]);
      assert.ok(m, set[0]);
      assert.match(set[0], /HttpOnly/);
      assert.match(set[0], /Secure/);
      assert.equal(jwt.verify(m[1], SECRET, { algorithms: ['HS256'] }).user, 'toto');
      A.expectOk(await request(srv.base, SECURED, { headers: { Cookie: `AuthToken=${m[1]}` } }), 'secret\n');
      A.expectNoToken(await request(srv.base, SECURED, { headers: bearer(m[1]) }), 'private area');
      A.expectNoToken(await request(srv.base, SECURED), 'private area');
    });
  });

  describe(`mod_authnz_jwt README, Require jwt-claim / jwt-claim-array (${variant})`, () => {
    let srv;
    before(async () => { srv = await startHttpd({ name: 'compat-claims', conf: conf(README_CLAIMS), preamble: docroot() }); });
    after(async () => { await srv?.stop(); });
    const claims = (c) => ({ iss: 'example.com', exp: now() + 300, ...c });

    test('user=toto gets in; so does groups containing group1 (several Require: any)', async () => {
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(hs(claims({ user: 'toto' }))) }), 'secret\n');
      A.expectOk(await request(srv.base, SECURED, { headers: bearer(hs(claims({ user: 'bob', groups: ['x', 'group1'] }))) }), 'secret\n');
    });
    test('neither: refused (401, as httpd answers a failed Require without AuthzSendForbiddenOnFailure)', async () => {
      const res = await request(srv.base, SECURED, { headers: bearer(hs(claims({ user: 'bob', groups: ['group2'] }))) });
      assert.equal(res.status, 401);
    });
  });

  describe(`mod_authnz_jwt AuthType jwt-both / jwt-cookie (${variant})`, () => {
    let srv;
    before(async () => {
      srv = await startHttpd({
        name: 'compat-both',
        conf: conf(README_BOTH),
        preamble: docroot(),
      });
    });
    after(async () => { await srv?.stop(); });
    const t = () => hs(good());

    test('the header wins over the cookie; the cookie counts when there is no header', async () => {
      A.expectOk(await request(srv.base, SECURED, { headers: { ...bearer(t()), Cookie: 'AuthToken=garbage' } }), 'secret\n');
      A.expectOk(await request(srv.base, SECURED, { headers: { Cookie: `AuthToken=${t()}` } }), 'secret\n');
      const res = await request(srv.base, SECURED, { headers: { Authorization: 'Bearer garbage', Cookie: `AuthToken=${t()}` } });
      assert.equal(res.status, 401);
    });
    test('AuthJWTRemoveCookie (default 1): the backend does not see the token cookie', async () => {
      const res = await request(srv.base, '/hidden/env.cgi', { headers: { Cookie: `theme=dark; AuthToken=${t()}` } });
      assert.equal(res.status, 200, res.body);
      assert.match(res.body, /^HTTP_COOKIE=.*theme=dark/m);
      assert.doesNotMatch(res.body, /AuthToken/);
    });
  });
}

describe('mod_authnz_jwt configurations: where ours wins, configtest says so', () => {
  test("the README's own secret Q0hBTkdFTUU= (8 bytes) is refused, naming the minimum, file and line", async () => {
    const r = await configtest(README_CLAIMS.replace('/var/www/html/', `${tmp}/html/`), { name: 'compat-short' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /AuthJWTSignatureSharedSecret: HMAC secret of 8 bytes is shorter than the 32 bytes HS256 requires/);
    assert.match(r.output, /openssl rand -base64 32/);
    assert.match(r.output, new RegExp(`line ${r.lineOf('AuthJWTSignatureSharedSecret')} of `));
  });
  test('a 32-byte secret with AuthJWTSignatureAlgorithm HS512 is refused, naming its 64 bytes', async () => {
    const r = await configtest(substitute(README_CLAIMS).replace('HS256', 'HS512'), { name: 'compat-hs512' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /AuthJWTSignatureSharedSecret: a secret of 32 bytes is shorter than the 64 bytes HS512 requires/);
  });
  test('not in .htaccess (it allowed its secret there): 500, and the token is not let in', async () => {
    const dir = path.join(tmp, 'ht');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    L.writeFile(dir, 'index.txt', 'secret\n');
    L.writeFile(dir, '.htaccess', `AuthType jwt\nAuthName "ht"\nAuthJWTSignatureSharedSecret ${SECRET_B64}\nRequire valid-user\n`);
    const srv = await startHttpd({
      name: 'compat-htaccess',
      conf: `Alias /ht "${dir}"\n<Directory "${dir}">\n  AllowOverride AuthConfig\n</Directory>`,
    });
    try {
      const res = await request(srv.base, '/ht/index.txt', { headers: bearer(hs(good())) });
      assert.equal(res.status, 500);
      assert.match(srv.errorLog(), /AuthJWTSignatureSharedSecret not allowed here/);
    } finally { await srv.stop(); }
  });
  test('a secret that is not base64 is refused', async () => {
    const r = await configtest(substitute(README_CLAIMS).replace(SECRET_B64, `${SECRET_B64.slice(0, -2)}!!`), { name: 'compat-b64' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /AuthJWTSignatureSharedSecret: not base64/);
  });
  test('one notice per directive, with the fix, even when the directive is used twice', async () => {
    const text = `${substitute(README_HMAC)}\n<Location /again>\n  AuthJWTIss example.com\n  AuthJWTAud demo\n</Location>`;
    const r = await configtest(text, { name: 'compat-notice', modules: MODS });
    assert.equal(r.code, 0, r.output);
    const count = (re) => (r.output.match(re) || []).length;
    assert.equal(count(/AH-JWT-0901: .*AuthJWTIss: a token without iss is refused here.*fix: /g), 1, r.output);
    assert.equal(count(/AH-JWT-0901: .*AuthJWTAud: a token without aud is refused here.*fix: /g), 1, r.output);
    assert.equal(count(/AH-JWT-0901: .*tokens without exp are refused here/g), 1, r.output);
    assert.match(r.output, new RegExp(`AH-JWT-0901: [^\\n]*httpd\\.conf:${r.lineOf('AuthJWTIss')}: AuthJWTIss`));
  });
  test('a server-level directive says which defaults every AuthType jwt section of the server takes, once', async () => {
    const r = await configtest(substitute(README_CLAIMS), { name: 'compat-server-defaults', modules: MODS });
    assert.equal(r.code, 0, r.output);
    const said = r.output.match(/AH-JWT-0901: [^\n]*at server \(or virtual host\) level: every AuthType jwt section[^\n]*/g) || [];
    assert.equal(said.length, 1, r.output);
    assert.match(said[0], new RegExp(`httpd\\.conf:${r.lineOf('AuthJWTSignatureAlgorithm')}: AuthJWTSignatureAlgorithm at server \\(or virtual host\\) level`));
    assert.match(said[0], /"user" claim \(not "sub"\).*fix: /);
    // inside a section: no such notice
    const inner = await configtest(['<Location /only>', '  AuthType jwt', '  AuthName "only"',
      '  AuthJWTSignatureAlgorithm HS256', `  AuthJWTSignatureSharedSecret ${SECRET_B64}`,
      '  Require valid-user', '</Location>'].join('\n'), { name: 'compat-section-defaults', modules: MODS });
    assert.equal(inner.code, 0, inner.output);
    assert.match(inner.output, /tokens without exp are refused here/);
    assert.doesNotMatch(inner.output, /level: every AuthType jwt section/);
  });
  test('AuthJWTCookieAttr is ignored with a notice', async () => {
    const a = await configtest(`${substitute(README_COOKIE)}\nAuthJWTCookieAttr "Path=/"`, { name: 'compat-attr', modules: MODS });
    assert.equal(a.code, 0, a.output);
    assert.match(a.output, /AuthJWTCookieAttr is ignored: the login cookie is always HttpOnly; Secure/);
  });
});

// AuthJWTNbfDelay N: login tokens are valid from iat + N (its README's meaning), as written
// and migrated.
for (const variant of ['as written', 'migrated']) {
  describe(`mod_authnz_jwt AuthJWTNbfDelay 60 (${variant})`, () => {
    let srv;
    before(async () => {
      const text = substitute(README_HMAC).replace('AuthJWTNbfDelay 0', 'AuthJWTNbfDelay 60');
      srv = await startHttpd({ name: 'compat-nbf', conf: variant === 'migrated' ? migrate(text) : text, modules: MODS });
    });
    after(async () => { await srv?.stop(); });
    test('the issued token has nbf = iat + 60 and is refused until then (leeway 10)', async () => {
      const res = await L.postForm(srv.base, '/demo/login', { user: 'toto', password: 'pa55word' });
      assert.equal(res.status, 200, res.body);
      const { token } = JSON.parse(res.body);
      const claims = jwt.decode(token);
      assert.equal(claims.nbf - claims.iat, 60);
      assert.throws(() => jwt.verify(token, SECRET, { algorithms: ['HS256'] }), /jwt not active/);
      A.expectInvalidToken(await request(srv.base, SECURED, { headers: bearer(token) }), 'private area', null, 'not_yet_valid');
    });
  });
}

describe('jwt-migrate', () => {
  test('prints our names with a comment per change', () => {
    const out = migrate(substitute(README_HMAC));
    assert.match(out, /# jwt-migrate: AuthJWTIss: .*\n\s*AuthJWTIssuer example\.com\n/);
    assert.match(out, /# jwt-migrate: AuthJWTAud: .*\n\s*AuthJWTAudience demo\n/);
    assert.match(out, /# jwt-migrate: AuthJWTSignatureAlgorithm: .*\n\s*AuthJWTAlgorithms HS256\n\s*AuthJWTSigningAlgorithm HS256\n/);
    assert.match(out, /# jwt-migrate: AuthJWTExpDelay: .*\n\s*AuthJWTTokenLifetime 1800\n/);
  });
  test('exits non-zero naming the lines it cannot translate', () => {
    const text = 'AuthJWTIss a\n<Location /x>\n  AuthJWTNbfDelay 30\n  AuthJWTDeliveryType Xml\n  AuthJWTBogus 1\n</Location>\n';
    const r = spawnSync('python3', [MIGRATE, '-'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.split(':')[1]), ['4', '5'], r.stderr);
    assert.match(r.stdout, /^\s*AuthJWTNbfDelay 30$/m);
    assert.match(r.stdout, /^AuthJWTIssuer a$/m);
  });
});
