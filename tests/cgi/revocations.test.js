'use strict';
/*
 * The admin page's revocations page (issue 25): the built jwt-admin.cgi, run as httpd runs a
 * CGI, posts to a REAL httpd's jwt-revoke-handler (JWT_ADMIN_REVOKE_URL) with the operator's
 * credentials, and lists the module's AuthJWTRevocationAuditLog file
 * (JWT_ADMIN_REVOCATION_LOG). The API location of that httpd then refuses the tokens.
 * Tokens from npm jsonwebtoken. Env: JWT_BUILD_DIR.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const jsonwebtoken = require('jsonwebtoken');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const F = require('../integration/lib/fixture');
const L = require('../login/lib/login');

const { CGI, HOST, parseCgi, field, noticeText } = require('./lib/cgi');
const ISS = 'https://idp.example/';
const now = () => Math.floor(Date.now() / 1000);
const OPS = `Basic ${Buffer.from('ops:ops-pass').toString('base64')}`;


let keys; let srv; let dir; let env; let logFile;
const sign = (extra = {}) => jsonwebtoken.sign({ sub: 'alice', iss: ISS, iat: now(), exp: now() + 600,
  jti: crypto.randomUUID(), ...extra }, keys.rsa.privateKey, { algorithm: 'RS256' });
const api = (t) => request(srv.base, '/api/ok.txt', { headers: F.bearer(t) });

function cgi(method, query, body = '', extra = {}) {
  const e = { ...env, REQUEST_METHOD: method, QUERY_STRING: query, ...extra };
  if (method === 'POST') {
    Object.assign(e, { CONTENT_TYPE: 'application/x-www-form-urlencoded',
      CONTENT_LENGTH: String(Buffer.byteLength(body)), HTTP_ORIGIN: `http://${HOST}` });
  }
  const r = spawnSync(CGI, [], { env: e, input: body });
  assert.equal(r.status, 0, r.stderr.toString());
  return parseCgi(r.stdout);
}
function revoke(fields, extra = {}) {
  const page = cgi('GET', 'page=revocations', '', extra);
  assert.equal(page.status, 200, page.body);
  return cgi('POST', 'page=revocations', new URLSearchParams({ csrf: field(page.body, 'csrf'), ...fields }).toString(), extra);
}

test.before(async () => {
  keys = generateKeys({ only: ['rsa'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-cgi-rev-'));
  logFile = path.join(keys.dir, 'revocations.log');
  const users = L.makeUsers(keys.dir, [{ user: 'ops', password: 'ops-pass', hash: 'B' }]);
  const k = `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTIssuer ${ISS}\n`;
  srv = await startHttpd({
    name: 'cgi-revocations', modules: ['socache_shmcb', 'auth_basic', 'authn_file'],
    conf: `AuthJWTRevocationCache shmcb
AuthJWTRevocationOperators ops
AuthJWTRevocationAuditLog "${logFile}"
${F.location('/api', 'api', `${k}  AuthJWTRevocation On\n  Require valid-user`)}
<Location /ops/revoke>
  SetHandler jwt-revoke-handler
${k}  AuthType Basic
  AuthName ops
  AuthBasicProvider file
  AuthUserFile "${users}"
  Require valid-user
</Location>
`,
  });
  env = {
    PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1', SCRIPT_NAME: '/cgi-bin/jwt-admin.cgi',
    REMOTE_USER: 'ops', HTTP_HOST: HOST,
    JWT_ADMIN_SECRETS_FILE: path.join(dir, 'secrets.jwks'), JWT_ADMIN_AUDIT_LOG: path.join(dir, 'audit.log'),
    JWT_ADMIN_REVOKE_URL: `${srv.base}/ops/revoke`, JWT_ADMIN_REVOCATION_LOG: logFile,
    HTTP_AUTHORIZATION: OPS,
  };
});
test.after(async () => {
  await srv?.stop();
  keys?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('revoke a pasted token, a jti and a subject from the page: the API refuses them at once', async () => {
  const t1 = sign();
  const jti = `<b>${crypto.randomUUID()}</b>`;
  const t2 = sign({ jti });
  const t3 = sign({ sub: 'mallory' });
  const keep = sign();
  for (const t of [t1, t2, t3, keep]) A.expectOk(await api(t));

  let r = revoke({ do: 'token', token: t1 });
  assert.equal(r.status, 200, r.body);
  assert.match(noticeText(r.body), /^Revoked: the token(&#39;|')s jti\.$/);
  A.expectInvalidToken(await api(t1), 'api', t1, 'revoked');

  r = revoke({ do: 'jti', jti, iss: ISS });
  assert.equal(r.status, 200, r.body);
  A.expectInvalidToken(await api(t2), 'api', t2, 'revoked');

  r = revoke({ do: 'sub', sub: 'mallory', iss: ISS });
  assert.equal(r.status, 200, r.body);
  assert.match(noticeText(r.body), /every token of the subject/);
  A.expectInvalidToken(await api(t3), 'api', t3, 'revoked');
  A.expectOk(await api(keep));

  // the list: newest first, from the module's audit file, escaped for HTML, never the token
  const page = cgi('GET', 'page=revocations');
  const count = Number((page.body.match(/id="revocations" data-count="(\d+)"/) || [])[1]);
  assert.equal(count, 3, page.body);
  const rows = [...page.body.matchAll(/<tr><td><code>([^<]*)<\/code><\/td><\/tr>/g)].map((m) => m[1]);
  assert.match(rows[0], /revoke by=operator\\x20ops from=127\.0\.0\.1 iss=https:\/\/idp\.example\/ sub=mallory until=\d+$/);
  assert.ok(rows[1].includes('jti=&lt;b&gt;'), rows[1]);
  assert.match(rows[2], / jti=[0-9a-f-]{36} until=/);
  assert.doesNotMatch(page.body, /<b>/);
  for (const t of [t1, t2, t3]) assert.ok(!page.body.includes(t.split('.')[2]));
  assert.match(page.body, /href="[^"]*\?page=revocations" class="current"/);
});

test('refusals: no CSRF token, no operator credentials, an invalid token, nothing given', async () => {
  const t = sign();
  const noCsrf = cgi('POST', 'page=revocations', new URLSearchParams({ do: 'token', token: t }).toString());
  assert.equal(noCsrf.status, 403);
  const noCreds = revoke({ do: 'token', token: t }, { HTTP_AUTHORIZATION: '' });
  assert.equal(noCreds.status, 502, noCreds.body);
  assert.match(noticeText(noCreds.body), /answered 401.*Nothing was revoked\.$/);
  A.expectOk(await api(t));
  const bad = revoke({ do: 'token', token: `${t.slice(0, -4)}AAAA` });
  assert.equal(bad.status, 200);
  assert.match(noticeText(bad.body), /not valid here/);
  A.expectOk(await api(t));
  const none = revoke({ do: 'jti', jti: '' });
  assert.equal(none.status, 400);
  // without the issuer nothing would match (entries are keyed by iss): refused before asking
  for (const f of [{ do: 'jti', jti: JSON.parse(Buffer.from(t.split('.')[1], 'base64url')).jti }, { do: 'sub', sub: 'alice', iss: '' }]) {
    const noIss = revoke(f);
    assert.equal(noIss.status, 400, JSON.stringify(f));
    assert.match(noticeText(noIss.body), /Give the issuer \(iss\)/);
  }
  A.expectOk(await api(t));
  const unset = revoke({ do: 'token', token: t }, { JWT_ADMIN_REVOKE_URL: '' });
  assert.equal(unset.status, 500);
  assert.match(noticeText(unset.body), /Set JWT_ADMIN_REVOKE_URL/);
  A.expectOk(await api(t));
});
