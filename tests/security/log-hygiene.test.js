'use strict';
// Log hygiene (issue 8): one httpd with the module, the login handler and the admin CGI, every
// module at LogLevel trace8 except httpd's own "http" module, which at trace4 and above dumps
// every request header (http_request.c: "Headers received from client"), Authorization and
// Cookie included -- httpd's behaviour, not the module's; SECURITY.md warns operators, and the
// last test here proves that dump is the only way a token reaches the log at trace8. Also
// an access log in the "combined" format. an access log in the "combined" format plus one with the
// Authorization and Cookie *names* only. A representative mix of traffic is sent: valid,
// expired, tampered, bad-signature, unknown-kid, alg-none and log-injection tokens from the
// header and from a cookie; tokens signed with secrets-file secrets; logins with right and wrong
// passwords (JSON and form bodies); the admin page inspecting a token, creating a secret and
// minting a token with it. Then every log the server wrote (error log, access logs, the admin
// audit log) is searched for every token, every token segment of 16+ characters, every secret
// (raw bytes, base64url, base64, hex) and every password: none may appear.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { startHttpd, request, adminCgi } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');
const A = require('../integration/lib/assertions');
const F = require('../integration/lib/fixture');

const CGI = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const IS_ROOT = process.getuid() === 0;

describe('security: log hygiene', () => {
  let keys; let srv; let dir; let secretsFile; let adminSecrets; let audit;
  const tokens = new Set();      // every token sent or received
  const secrets = [];            // Buffers
  const passwords = [];          // strings

  const pw = (label) => { const p = `pw-${label}-${crypto.randomBytes(9).toString('base64url')}`; passwords.push(p); return p; };

  before(async () => {
    assert.ok(fs.existsSync(CGI), `${CGI} not built`);
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    dir = keys.dir;
    secretsFile = writeSecretsFile(`${dir}/secrets.jwks`, F.hmacEntries(keys));
    secrets.push(keys.hmac.hs256, keys.hmac.hs384, keys.hmac.hs512);
    // the admin page's own secrets file, in a folder www-data can write
    const adminDir = path.join(dir, 'admin');
    fs.mkdirSync(adminDir, { mode: 0o770 });
    adminSecrets = path.join(adminDir, 'secrets.jwks');
    fs.writeFileSync(adminSecrets, '{"keys":[]}\n', { mode: 0o640 });
    audit = path.join(adminDir, 'audit.log');
    if (IS_ROOT) { fs.chownSync(adminDir, 33, 33); fs.chownSync(adminSecrets, 33, 33); }
    const users = path.join(dir, 'users.htpasswd');
    execFileSync('htpasswd', ['-c', '-B', '-C', '5', '-b', users, 'alice', pw('alice')], { stdio: 'ignore' });
    execFileSync('htpasswd', ['-B', '-C', '5', '-b', users, 'root', pw('root')], { stdio: 'ignore' });
    fs.chmodSync(users, 0o644);
    const groups = path.join(dir, 'groups');
    fs.writeFileSync(groups, 'admin: root\n', { mode: 0o644 });
    // the login signing key must never be logged either (its PEM body and JWK d)
    secrets.push(Buffer.from(keys.rsa.privateKey.export({ format: 'jwk' }).d, 'base64url'));
    secrets.push(Buffer.from(keys.ec256.privateKey.export({ format: 'jwk' }).d, 'base64url'));

    srv = await startHttpd({
      name: 'security-logs',
      modules: ['authn_file'],
      conf: `
LogLevel trace8 http:trace3
LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
CustomLog "logs-combined.log" combined
${F.location('/api', 'logs-api', `${F.keyFileLines(keys)}
  AuthJWTSecretsFile "${secretsFile}"
  AuthJWTTokenFrom header cookie=access_token
  Require valid-user`)}
<Location /auth/login>
  SetHandler jwt-login-handler
  AuthJWTProvider file
  AuthUserFile "${users}"
  AuthJWTGroupFile "${groups}"
  AuthJWTSigningKey "${keys.ec256.privPath}"
</Location>
ScriptAlias /admin "${adminCgi()}"
<Location /admin>
  AuthType jwt
  AuthName "jwt-admin"
  AuthJWTKeyFile "${keys.ec256.pubPath}"
  Require jwt-claim-array groups=admin
  AuthzSendForbiddenOnFailure On
  SetEnv JWT_ADMIN_SECRETS_FILE "${adminSecrets}"
  SetEnv JWT_ADMIN_AUDIT_LOG "${audit}"
</Location>
${F.location('/minted', 'minted', `  AuthJWTSecretsFile "${adminSecrets}"\n  Require valid-user`)}
`,
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const get = (p, headers = {}) => request(srv.base, p, { headers });
  const bearer = (t) => { tokens.add(t); return F.bearer(t); };
  const cookie = (t) => { tokens.add(t); return { Cookie: `access_token=${t}` }; };
  const rs = (payload = T.claims(), header = { alg: 'RS256', kid: 'rsa' }) =>
    T.rawSign({ alg: header.alg, signAs: 'RS256', key: keys.rsa.privateKey, header, payload });
  const hs = (kid, alg, payload = T.claims()) => T.jwtSign({ alg, key: keys.hmac[kid], header: { kid }, payload });

  test('tokens from the header and a cookie: valid, expired, tampered, bad signature, unknown kid, none, log injection', async () => {
    const good = rs();
    A.expectOk(await get('/api/ok.txt', bearer(good)));
    A.expectOk(await get('/api/ok.txt', cookie(rs(T.claims({ sub: 'cookie-user' })))));
    for (const [kid, alg] of [['hs256', 'HS256'], ['hs384', 'HS384'], ['hs512', 'HS512']]) {
      A.expectOk(await get('/api/ok.txt', bearer(hs(kid, alg))));
      A.expectInvalidToken(await get('/api/ok.txt', bearer(T.tamperSignature(hs(kid, alg)))), 'logs-api', null, 'signature');
    }
    const past = T.now() - 7200;
    A.expectInvalidToken(await get('/api/ok.txt', bearer(rs({ sub: 'alice', iat: past, exp: past + 60 }))), 'logs-api', null, 'expired');
    A.expectInvalidToken(await get('/api/ok.txt', cookie(rs({ sub: 'alice', iat: past, exp: past + 60 }))), 'logs-api', null, 'expired');
    A.expectInvalidToken(await get('/api/ok.txt', bearer(T.tamperSignature(good))), 'logs-api', null, 'signature');
    A.expectInvalidToken(await get('/api/ok.txt', bearer(T.tamperPayload(good, { sub: 'admin' }))), 'logs-api', null, 'signature');
    A.expectInvalidToken(await get('/api/ok.txt', bearer(rs(T.claims(), { alg: 'RS256', kid: 'nope' }))), 'logs-api', null, 'unknown_kid');
    const none = `${T.seg({ alg: 'none' })}.${T.seg(T.claims())}.`;
    A.expectInvalidToken(await get('/api/ok.txt', bearer(none)), 'logs-api', null, 'alg_none');
    A.expectInvalidToken(await get('/api/ok.txt', bearer(rs(T.claims(), { alg: 'RS256', kid: 'x\n[error] forged' }))), 'logs-api', null, 'unknown_kid');
    // an HS256 token signed with a secret the server does not know, under a known kid
    const stranger = crypto.randomBytes(32); secrets.push(stranger);
    A.expectInvalidToken(await get('/api/ok.txt', bearer(T.jwtSign({ alg: 'HS256', key: stranger, header: { kid: 'hs256' } }))), 'logs-api', null, 'signature');
    // garbage that is not a JWT at all
    A.expectInvalidToken(await get('/api/ok.txt', bearer(`not-a-jwt-${crypto.randomBytes(12).toString('hex')}`)), 'logs-api', null, 'malformed');
  });

  async function login(user, password, asForm) {
    const body = asForm ? new URLSearchParams({ username: user, password }).toString()
      : JSON.stringify({ username: user, password });
    return request(srv.base, '/auth/login', {
      method: 'POST', body,
      headers: { 'Content-Type': asForm ? 'application/x-www-form-urlencoded' : 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
  }

  test('logins: right and wrong passwords, unknown user, JSON and form; the issued token is used', async () => {
    for (const asForm of [false, true]) {
      const ok = await login('alice', passwords[0], asForm);
      assert.equal(ok.status, 200, ok.body);
      const t = JSON.parse(ok.body).access_token;
      tokens.add(t);
      assert.equal((await login('alice', pw('wrong'), asForm)).status, 401);
      assert.equal((await login('mallory', pw('unknown'), asForm)).status, 401);
    }
  });

  test('admin page: inspect a token, create a secret, mint a token with it, use it', async () => {
    const r = await login('root', passwords[1], false);
    assert.equal(r.status, 200, r.body);
    const adminToken = JSON.parse(r.body).access_token;
    tokens.add(adminToken);
    const origin = srv.base;
    const field = (html, name) => (html.match(new RegExp(`name="${name}" value="([^"]*)"`)) || [])[1];
    const post = (q, obj) => {
      const body = new URLSearchParams(obj).toString();
      return request(srv.base, `/admin?${q}`, {
        method: 'POST', body,
        headers: { ...F.bearer(adminToken), Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      });
    };
    const page = await get('/admin?page=secrets', F.bearer(adminToken));
    assert.equal(page.status, 200, page.body.slice(0, 500));
    const csrf = field(page.body, 'csrf');
    assert.ok(csrf, 'csrf field');
    // inspect (the token travels in the POST body)
    const inspected = await post('page=inspect', { csrf, action: 'inspect', token: rs(), rules: '', iss: '', aud: '' });
    assert.equal(inspected.status, 200);
    // create: the secret is shown once in the page
    const made = await post('page=secrets', { csrf, action: 'create', version: field(page.body, 'version') ?? '', kid: 'm1', alg: 'HS256', status: 'active' });
    assert.equal(made.status, 200, made.body.slice(0, 800));
    const secret = made.body.match(/<code id="new-secret">([A-Za-z0-9_-]+)<\/code>/)[1];
    secrets.push(Buffer.from(secret, 'base64url'));
    // mint with it, then use the minted token on a location reading the admin's secrets file
    const minted = await post('page=mint', { csrf, action: 'mint', kid: 'm1', claims: '{"sub":"minted-user"}', lifetime: '300', typ: '' });
    assert.equal(minted.status, 200, minted.body.slice(0, 800));
    const m = minted.body.match(/(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/);
    assert.ok(m, 'a minted token in the page');
    tokens.add(m[1]);
    let res;
    for (let i = 0; i < 30; i++) {    // the module re-reads the file at most once a second
      res = await get('/minted/ok.txt', F.bearer(m[1]));
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    A.expectOk(res);
    assert.ok(fs.readFileSync(audit, 'utf8').includes('action=create kid=m1 result=ok'));
  });

  test('no log holds a token, a token segment, a secret or a password', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const logs = {
      'error.log': srv.errorLog(),
      'access.log': srv.accessLog(),
      'logs-combined.log': fs.readFileSync(path.join(srv.dir, 'logs-combined.log'), 'utf8'),
      'audit.log': fs.readFileSync(audit, 'utf8'),
    };
    // the run was logged at all, at trace level (a test that reads empty logs proves nothing)
    assert.match(logs['error.log'], /\[auth_jwt:(debug|info)\]/);
    assert.match(logs['error.log'], /:trace\d\]/);
    assert.match(logs['error.log'], /token from the Authorization header refused \(signature\)/);
    assert.match(logs['error.log'], /token from a cookie refused|cookie/);
    assert.ok(logs['logs-combined.log'].split('\n').length >= 30);
    assert.ok(tokens.size >= 20, `${tokens.size} tokens`);
    const needles = [];
    for (const t of tokens) {
      needles.push(['token', t]);
      for (const s of t.split('.')) if (s.length >= 16) needles.push(['token segment', s]);
    }
    for (const s of secrets) {
      needles.push(['secret b64url', s.toString('base64url')], ['secret b64', s.toString('base64')],
        ['secret hex', s.toString('hex')], ['secret HEX', s.toString('hex').toUpperCase()]);
    }
    for (const p of passwords) needles.push(['password', p], ['password urlencoded', encodeURIComponent(p)]);
    const found = [];
    for (const [name, text] of Object.entries(logs)) {
      const raw = Buffer.from(text, 'latin1');
      for (const [what, n] of needles) if (text.includes(n)) found.push(`${what} in ${name}`);
      for (const s of secrets) if (raw.includes(s)) found.push(`raw secret bytes in ${name}`);
    }
    assert.deepEqual(found, []);
  });

  test('control: httpd itself (http:trace4) would log the Authorization header; nothing else does', async () => {
    const canary = rs(T.claims({ sub: 'canary' }));
    tokens.add(canary);
    await srv.restart(srv.confText.split('# ---- caller conf ----\n')[1].replace('LogLevel trace8 http:trace3', 'LogLevel trace8'));
    A.expectOk(await get('/api/ok.txt', F.bearer(canary)));
    await new Promise((r) => setTimeout(r, 300));
    const lines = srv.errorLog().split('\n').filter((l) => l.includes(canary.split('.')[2]));
    assert.ok(lines.length >= 1, 'http:trace4 did not dump the header: the control proves nothing');
    for (const l of lines) assert.match(l, /\[http:trace4\] \[pid [^\]]+\] http_request\.c\(\d+\): \[client [^\]]+\]   Authorization: Bearer /);
  });
});
