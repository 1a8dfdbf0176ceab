'use strict';
/*
 * The built jwt-admin.cgi run as httpd runs a CGI (environment + stdin), without httpd:
 * refusals (no REMOTE_USER, bad method, malformed or oversized forms, CSRF, origin) with
 * their exact status and message and no change to the secrets file; headers; conflicts;
 * the audit log; 20 concurrent creates; a writer SIGKILLed mid-write.
 * Env: JWT_BUILD_DIR.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const { CGI, HOST, parseCgi, noticeText } = require('./lib/cgi');

const made = [];
function tmpdir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-cgi-'));
  made.push(d);
  return d;
}
test.after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

function baseEnv(dir, extra = {}) {
  return {
    PATH: process.env.PATH,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SCRIPT_NAME: '/cgi-bin/jwt-admin.cgi',
    REMOTE_USER: 'alice',
    HTTP_HOST: HOST,
    JWT_ADMIN_SECRETS_FILE: path.join(dir, 'secrets.jwks'),
    JWT_ADMIN_AUDIT_LOG: path.join(dir, 'audit.log'),
    ...extra,
  };
}

function get(env, query = '') {
  const r = spawnSync(CGI, [], { env: { ...env, REQUEST_METHOD: 'GET', QUERY_STRING: query } });
  assert.equal(r.status, 0, r.stderr.toString());
  return parseCgi(r.stdout);
}

function postEnv(env, body, query, extra) {
  return {
    ...env, REQUEST_METHOD: 'POST', QUERY_STRING: query,
    CONTENT_TYPE: 'application/x-www-form-urlencoded',
    CONTENT_LENGTH: String(Buffer.byteLength(body)), HTTP_ORIGIN: `http://${HOST}`, ...extra,
  };
}

function post(env, body, query = 'page=secrets', extra = {}) {
  const r = spawnSync(CGI, [], { env: postEnv(env, body, query, extra), input: body });
  assert.equal(r.status, 0, r.stderr.toString());
  return parseCgi(r.stdout);
}

function postAsync(env, body, query = 'page=secrets', extra = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(CGI, [], { env: postEnv(env, body, query, extra) });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out: Buffer.concat(chunks), child }));
    child.stdin.end(body);
  });
}

const field = (html, name) => {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return m ? m[1] : null;
};
const form = (obj) => new URLSearchParams(obj).toString();
const errorText = (html) => (html.match(/id="error" data-status="\d+">([^<]*)</) || [])[1];

function setup() {
  const dir = tmpdir();
  const env = baseEnv(dir);
  const page = get(env, 'page=secrets');
  return { dir, env, csrf: field(page.body, 'csrf'), version: field(page.body, 'version'),
    file: env.JWT_ADMIN_SECRETS_FILE };
}

test('the CGI binary exists', () => {
  assert.ok(fs.existsSync(CGI), `${CGI} not built`);
});

test('security headers on every answer', () => {
  const { env } = setup();
  const r = get(env, 'page=inspect');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-security-policy'], /^default-src 'self'; script-src 'self'; style-src 'self';/);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.doesNotMatch(r.body, /<script>|style="|onclick=|javascript:/i);
  const e = get({ ...env, REMOTE_USER: '' });
  assert.equal(e.headers['x-frame-options'], 'DENY');
});

test('refuses to run without REMOTE_USER; explicit opt-in for local testing', () => {
  const { env } = setup();
  const r = get({ ...env, REMOTE_USER: '' }, 'page=secrets');
  assert.equal(r.status, 403);
  assert.match(errorText(r.body), /^This page must sit behind authentication: REMOTE_USER is empty\./);
  assert.doesNotMatch(r.body, /name="csrf"/);
  const ok = get({ ...env, REMOTE_USER: '', JWT_ADMIN_ALLOW_UNAUTHENTICATED: '1' }, 'page=secrets');
  assert.equal(ok.status, 200);
  assert.match(ok.body, /Running without authentication/);
  const no = get({ ...env, REMOTE_USER: '', JWT_ADMIN_ALLOW_UNAUTHENTICATED: 'yes' }, 'page=secrets');
  assert.equal(no.status, 403);
});

test('malformed and oversized requests: exact status and message', () => {
  const { env, csrf } = setup();
  const cases = [
    [get(env, 'page=%zz'), 400, 'bad percent-encoding in field page'],
    [get(env, 'page=a&page=b'), 400, 'form field page given more than once'],
    [post(env, `csrf=${csrf}&action=create&kid=%4`), 400, 'bad percent-encoding in field kid'],
    [post(env, `csrf=${csrf}&kid=a&kid=b`), 400, 'form field kid given more than once'],
    [post(env, `csrf=${csrf}&token=${'x'.repeat(16385)}`, 'page=inspect'), 413, 'form field token: value over 16384 bytes'],
    [post(env, 'a=1', 'page=secrets', { CONTENT_LENGTH: '70000' }), 413, 'request body over 65536 bytes'],
    [post(env, 'a=1', 'page=secrets', { CONTENT_TYPE: 'text/plain' }), 415, 'request body must be application/x-www-form-urlencoded'],
    [post(env, `csrf=${csrf}&action=retire&kid=x`), 400, null],
  ];
  for (const [r, status, msg] of cases) {
    assert.equal(r.status, status, r.body.slice(0, 300));
    if (msg) assert.equal(errorText(r.body), msg);
  }
  // the last one reached the page: a missing field is named
  assert.equal(noticeText(cases[7][0].body), 'form field version missing');
  const del = spawnSync(CGI, [], { env: { ...env, REQUEST_METHOD: 'DELETE', QUERY_STRING: '' } });
  const r = parseCgi(del.stdout);
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'GET, HEAD, POST');
});

test('CSRF and origin: 403 and the file is untouched', () => {
  const { env, csrf, file } = setup();
  const made = post(env, form({ csrf, action: 'create', version: '', kid: 'k1', alg: 'HS256', status: 'active' }));
  assert.equal(made.status, 200);
  const before = fs.readFileSync(file);
  const version = field(made.body, 'version');
  const body = (extra) => form({ action: 'create', version, kid: 'evil', alg: 'HS256', status: 'verify', ...extra });
  const cases = [
    [post(env, body({})), 'Missing or invalid CSRF token (reload the page and try again). Nothing was changed.'],
    [post(env, body({ csrf: csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A') })), 'Missing or invalid CSRF token (reload the page and try again). Nothing was changed.'],
    [post({ ...env, REMOTE_USER: 'mallory' }, body({ csrf })), 'Missing or invalid CSRF token (reload the page and try again). Nothing was changed.'],
    [post(env, body({ csrf }), 'page=secrets', { HTTP_ORIGIN: 'http://evil.example' }), 'Cross-site request refused: Origin header is not this site. Nothing was changed.'],
    [post(env, body({ csrf }), 'page=secrets', { HTTP_ORIGIN: '', HTTP_REFERER: '' }), 'Cross-site request refused: neither Origin nor Referer header present. Nothing was changed.'],
    [post(env, body({ csrf }), 'page=secrets', { HTTP_ORIGIN: '', HTTP_REFERER: 'http://evil.example/x' }), 'Cross-site request refused: Referer header is not this site. Nothing was changed.'],
  ];
  for (const [r, msg] of cases) {
    assert.equal(r.status, 403);
    assert.equal(errorText(r.body), msg);
  }
  assert.deepEqual(fs.readFileSync(file), before);
  // Referer alone (no Origin) from this site is accepted
  const ok = post(env, body({ csrf }), 'page=secrets', { HTTP_ORIGIN: '', HTTP_REFERER: `http://${HOST}/cgi-bin/jwt-admin.cgi?page=secrets` });
  assert.equal(ok.status, 200);
});

test('create shows the secret once, 409 on a stale version, audit log without secrets', () => {
  const { env, csrf, version, file, dir } = setup();
  assert.equal(version, '');
  const r = post(env, form({ csrf, action: 'create', version, kid: 'k1', alg: 'HS512', status: 'active' }));
  assert.equal(r.status, 200);
  const secret = r.body.match(/<code id="new-secret">([A-Za-z0-9_-]+)<\/code>/)[1];
  assert.equal(Buffer.from(secret, 'base64url').length, 64);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(stored.keys[0].k, secret);
  assert.equal(fs.statSync(file).mode & 0o777, 0o640);
  // the list never shows it again
  assert.ok(!get(env, 'page=secrets').body.includes(secret));
  const stale = post(env, form({ csrf, action: 'create', version, kid: 'k2', alg: 'HS256', status: 'verify' }));
  assert.equal(stale.status, 409);
  assert.match(noticeText(stale.body), /^Nothing changed: the secrets file was changed by someone else/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).keys.length, 1);
  const log = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n');
  assert.equal(log.length, 2);
  assert.match(log[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ user=alice action=create kid=k1 result=ok$/);
  assert.match(log[1], / user=alice action=create kid=k2 result=conflict$/);
  assert.ok(!log.join('\n').includes(secret));
});

test('20 concurrent creates with the same version: the file holds every key reported saved', async () => {
  const { env, csrf, file } = setup();
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    postAsync(env, form({ csrf, action: 'create', version: '', kid: `c${i}`, alg: 'HS256', status: 'verify' }))));
  const answers = runs.map((r) => parseCgi(r.out));
  const saved = answers.map((a, i) => (a.status === 200 ? `c${i}` : null)).filter(Boolean);
  assert.equal(saved.length, 1, 'exactly one create wins the same version');
  assert.ok(answers.every((a) => a.status === 200 || a.status === 409));
  const kids = JSON.parse(fs.readFileSync(file, 'utf8')).keys.map((k) => k.kid);
  assert.deepEqual(kids, saved);
});

test('20 concurrent creates, each with the version it just read, retrying on 409: all 20 kept', async () => {
  const { env, csrf, file } = setup();
  async function createWithRetry(i) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const version = field(get(env, 'page=secrets').body, 'version');
      const r = await postAsync(env, form({ csrf, action: 'create', version, kid: `r${i}`, alg: 'HS256', status: 'verify' }));
      const a = parseCgi(r.out);
      if (a.status === 200) return true;
      assert.equal(a.status, 409);
    }
    return false;
  }
  const ok = await Promise.all(Array.from({ length: 20 }, (_, i) => createWithRetry(i)));
  assert.ok(ok.every(Boolean));
  const kids = JSON.parse(fs.readFileSync(file, 'utf8')).keys.map((k) => k.kid).sort();
  assert.deepEqual(kids, Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
});

test('a CGI writer killed mid-write leaves the old file intact', async () => {
  const { env, csrf, file, dir } = setup();
  assert.equal(post(env, form({ csrf, action: 'create', version: '', kid: 'keep', alg: 'HS256', status: 'active' })).status, 200);
  const before = fs.readFileSync(file);
  const version = field(get(env, 'page=secrets').body, 'version');
  const body = form({ csrf, action: 'create', version, kid: 'doomed', alg: 'HS256', status: 'verify' });
  const child = spawn(CGI, [], { env: { ...postEnv(env, body, 'page=secrets', {}), JWT_SECRETS_TEST_PAUSE_MS: '5000' } });
  child.stdin.end(body);
  const closed = new Promise((resolve) => child.on('close', (code, signal) => resolve(signal)));
  const deadline = Date.now() + 5000;
  while (!fs.readdirSync(dir).some((n) => n.startsWith('secrets.jwks.tmp.')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('secrets.jwks.tmp.')), 'writer never started writing');
  child.kill('SIGKILL');
  assert.equal(await closed, 'SIGKILL');
  assert.deepEqual(fs.readFileSync(file), before);
  // the next writer is not blocked by the dead one's lock, and ignores its temp file
  const next = post(env, form({ csrf, action: 'create', version, kid: 'next', alg: 'HS256', status: 'verify' }));
  assert.equal(next.status, 200);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).keys.map((k) => k.kid), ['keep', 'next']);
});

/* The CSRF token (issue 21): "ISSUED.MAC", MAC = HMAC-SHA256(key, "jwt-admin-csrf-v2" NUL user
 * NUL session NUL ISSUED), session = SHA-256 of the login token's jti, iat, exp, iss values
 * each with its NUL. Computed here independently from the key file the CGI made. */
const crypto = require('node:crypto');
function csrfFor(dir, user, claims, issued) {
  const key = fs.readFileSync(path.join(dir, 'secrets.jwks.csrf-key'));
  const vals = ['JWT_CLAIM_JTI', 'JWT_CLAIM_IAT', 'JWT_CLAIM_EXP', 'JWT_CLAIM_ISS'].map((k) => claims[k] || '');
  const session = vals.some((v) => v) ? crypto.createHash('sha256').update(vals.map((v) => `${v}\0`).join('')).digest('base64url') : '';
  const mac = crypto.createHmac('sha256', key).update(`jwt-admin-csrf-v2\0${user}\0${session}\0${issued}`).digest('base64url');
  return `${issued}.${mac}`;
}

test('the CSRF token expires after JWT_ADMIN_CSRF_LIFETIME and is bound to the session\'s token', () => {
  const dir = tmpdir();
  const login = { JWT_CLAIM_JTI: 'j-1', JWT_CLAIM_IAT: '1800000000', JWT_CLAIM_EXP: '1800000900', JWT_CLAIM_ISS: 'https://idp' };
  const env = baseEnv(dir, login);
  const csrf = field(get(env, 'page=secrets').body, 'csrf');
  const now = Math.floor(Date.now() / 1000);
  assert.match(csrf, /^\d+\.[A-Za-z0-9_-]{43}$/);
  assert.ok(Math.abs(Number(csrf.split('.')[0]) - now) < 5, 'ISSUED is the time the page was made');
  assert.equal(csrf, csrfFor(dir, 'alice', login, csrf.split('.')[0]), 'the format is the documented one');
  const create = (e, token, kid) => post(e, form({ csrf: token, action: 'create',
    version: field(get(env, 'page=secrets').body, 'version'), kid, alg: 'HS256', status: 'verify' }));
  const EXPIRED = 'The CSRF token of this form has expired (reload the page and try again). Nothing was changed.';
  const INVALID = 'Missing or invalid CSRF token (reload the page and try again). Nothing was changed.';
  // hours, not forever: 4 h by default
  let r = create(env, csrfFor(dir, 'alice', login, now - 4 * 3600 - 30), 'old');
  assert.equal(r.status, 403);
  assert.equal(errorText(r.body), EXPIRED);
  assert.equal(create(env, csrfFor(dir, 'alice', login, now - 4 * 3600 + 60), 'fresh').status, 200);
  r = create({ ...env, JWT_ADMIN_CSRF_LIFETIME: '600' }, csrfFor(dir, 'alice', login, now - 700), 'short');
  assert.equal(errorText(r.body), EXPIRED);
  // another login of the same user (a new jti and iat) cannot use this page's token
  r = create({ ...env, JWT_CLAIM_JTI: 'j-2', JWT_CLAIM_IAT: '1800000100' }, csrf, 'replayed');
  assert.equal(r.status, 403);
  assert.equal(errorText(r.body), INVALID);
  assert.equal(create(env, csrf, 'same-session').status, 200);
  const kids = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.jwks'), 'utf8')).keys.map((k) => k.kid);
  assert.deepEqual(kids.sort(), ['fresh', 'same-session']);
});

test('mint records sub, aud, exp and the kid in the audit log, never the token', () => {
  const { env, csrf, dir } = setup();
  assert.equal(post(env, form({ csrf, action: 'create', version: '', kid: 'm1', alg: 'HS256', status: 'active' })).status, 200);
  const exp = Math.floor(Date.now() / 1000) + 1800;
  const r = post(env, form({ csrf, kid: 'm1', claims: JSON.stringify({ sub: 'bob smith', aud: ['orders', 'billing'], exp }), lifetime: '600', typ: '' }), 'page=mint');
  assert.equal(r.status, 200, r.body.slice(0, 400));
  const token = (r.body.match(/id="minted"[^>]*>([A-Za-z0-9_.-]+)</) || [])[1];
  assert.ok(token, 'no minted token on the page');
  const log = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n');
  const iso = new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  assert.match(log[log.length - 1], new RegExp(`^\\S+ user=alice action=mint kid=m1 sub=bob%20smith aud=orders%2Cbilling exp=${iso} result=ok$`));
  const all = log.join('\n');
  for (const seg of token.split('.')) assert.ok(!all.includes(seg), 'a token segment reached the audit log');
  // a refused mint (retired or unknown kid) is logged without claims
  const no = post(env, form({ csrf, kid: 'nope', claims: '{"sub":"x"}', lifetime: '600', typ: '' }), 'page=mint');
  assert.equal(no.status, 400);
  assert.match(fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n').pop(),
    / action=mint kid=nope sub=- aud=- exp=- result=refused$/);
});

// Test token defaults (issue 23): the active secret preselected (not a verify-only one listed
// first), claims with the configured iss and aud and a sub, and "Try it" as a curl line with
// a real URL of this server; the minted token, checked with jose, carries those claims.
test('mint page: JWT_ADMIN_TRY_URL is used when it is an http(s) URL with a host, else this server\'s URL', () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'secrets.jwks'), JSON.stringify({ keys: [
    { kty: 'oct', kid: 'current', alg: 'HS256', k: crypto.randomBytes(32).toString('base64url'), status: 'active' } ] }));
  const tryUrl = (v) => {
    const env = baseEnv(dir, { JWT_ADMIN_TRY_URL: v, JWT_ADMIN_TRY_PATH: '/api/orders.json', SERVER_PORT: '8080' });
    const page = get(env, 'page=mint');
    assert.equal(page.status, 200, page.body);
    const r = post(env, form({ csrf: field(page.body, 'csrf'), action: 'mint', kid: 'current',
      claims: '{"sub":"alice"}', lifetime: '600', typ: '' }), 'page=mint');
    assert.equal(r.status, 200, r.body);
    return r.body.match(/<pre class="try" id="try-curl">([^<]+)<\/pre>/)[1];
  };
  assert.match(tryUrl('http://h.example/api/x'), /http:\/\/h\.example\/api\/x/);
  assert.match(tryUrl('https://h.example:8443/x'), /https:\/\/h\.example:8443\/x/);
  for (const bad of ['http://', 'https://', 'http:///x', 'https:///']) {
    const body = tryUrl(bad);
    assert.ok(body.includes(`http://${HOST}/api/orders.json`), `${bad}: not replaced by this server's URL`);
  }
});

test('mint page: active secret preselected, iss/aud/sub claims, a curl line with this server\'s URL', async () => {
  const { jwtVerify } = await import('jose');
  const dir = tmpdir();
  const k1 = crypto.randomBytes(32); const k2 = crypto.randomBytes(32);
  fs.writeFileSync(path.join(dir, 'secrets.jwks'), JSON.stringify({ keys: [
    { kty: 'oct', kid: 'old', alg: 'HS256', k: k1.toString('base64url'), status: 'verify', created: 1 },
    { kty: 'oct', kid: 'current', alg: 'HS256', k: k2.toString('base64url'), status: 'active', created: 2 },
  ] }));
  const env = baseEnv(dir, { JWT_ADMIN_ISSUER: 'https://demo.invalid/ https://other.invalid/',
    JWT_ADMIN_AUDIENCE: 'demo-api', JWT_ADMIN_TRY_PATH: '/api/orders.json', SERVER_PORT: '8080' });
  const page = get(env, 'page=mint');
  assert.equal(page.status, 200);
  assert.match(page.body, /<option value="current" selected>current \(HS256, active\)<\/option>/);
  assert.doesNotMatch(page.body, /<option value="old" selected>/);
  const claims = JSON.parse(page.body.match(/<textarea id="claims"[^>]*>([^<]*)<\/textarea>/)[1].replace(/&quot;/g, '"'));
  assert.deepEqual(claims, { sub: 'alice', iss: 'https://demo.invalid/', aud: 'demo-api' });
  const csrf = field(page.body, 'csrf');
  const r = post(env, form({ csrf, action: 'mint', kid: 'current', claims: JSON.stringify(claims), lifetime: '600', typ: '' }), 'page=mint');
  assert.equal(r.status, 200, r.body);
  const token = r.body.match(/<textarea id="minted"[^>]*>([^<]+)<\/textarea>/)[1].trim();
  const { payload } = await jwtVerify(token, k2, { issuer: 'https://demo.invalid/', audience: 'demo-api' });
  assert.equal(payload.sub, 'alice');
  const curl = r.body.match(/<pre class="try" id="try-curl">([^<]+)<\/pre>/)[1].replace(/&quot;/g, '"');
  assert.equal(curl, `curl -i -H "Authorization: Bearer ${token}" http://${HOST}/api/orders.json`);
  // a Host header that is not a host name is never echoed into the page
  const odd = get({ ...env, HTTP_HOST: 'evil"><script>', SERVER_NAME: 'api.example' }, 'page=mint');
  assert.equal(odd.status, 200);
  assert.ok(!odd.body.includes('<script>'), 'raw Host header in the page');
});
