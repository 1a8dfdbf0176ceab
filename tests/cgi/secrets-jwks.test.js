'use strict';
/*
 * The built jwt-admin.cgi (run as httpd runs a CGI) with a secrets file it did not write:
 * a plain RFC 7517 JWK Set with members of other tools (issue 20). The page shows every key
 * with the defaults that apply; its first write adds its own members (status, created) and
 * keeps everyone else's; a rewrite keeps the file's owner, group and mode; a symlinked
 * audit log or lock file is refused with nothing changed (issue 21).
 * Env: JWT_BUILD_DIR.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { CGI, HOST, parseCgi, field, noticeText } = require('./lib/cgi');
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

const made = [];
test.after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

function setupDir(jwks) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-cgi-jwks-'));
  made.push(dir);
  const file = path.join(dir, 'secrets.jwks');
  if (jwks) fs.writeFileSync(file, JSON.stringify(jwks, null, 2), { mode: 0o640 });
  const env = {
    PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1', SCRIPT_NAME: '/cgi-bin/jwt-admin.cgi',
    REMOTE_USER: 'alice', HTTP_HOST: HOST, JWT_ADMIN_SECRETS_FILE: file,
    JWT_ADMIN_AUDIT_LOG: path.join(dir, 'audit.log'),
  };
  return { dir, file, env };
}

function get(env) {
  const r = spawnSync(CGI, [], { env: { ...env, REQUEST_METHOD: 'GET', QUERY_STRING: 'page=secrets' } });
  assert.equal(r.status, 0, r.stderr.toString());
  return parseCgi(r.stdout);
}

function post(env, fields) {
  const body = new URLSearchParams(fields).toString();
  const r = spawnSync(CGI, [], {
    env: { ...env, REQUEST_METHOD: 'POST', QUERY_STRING: 'page=secrets', CONTENT_TYPE: 'application/x-www-form-urlencoded',
      CONTENT_LENGTH: String(Buffer.byteLength(body)), HTTP_ORIGIN: `http://${HOST}` },
    input: body,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  return parseCgi(r.stdout);
}

const row = (html, kid) => (html.match(new RegExp(`<tr data-kid="${kid}"[^]*?</tr>`)) || [])[0];
const k = (n) => crypto.randomBytes(n).toString('base64url');

/* What another tool wrote: no status, no created, alg on one key only, its own members. */
const plain = () => ({
  keys: [
    { kty: 'oct', kid: 'vault-1', k: k(64), use: 'sig', 'x-vault-id': 'secret/data/jwt#1', key_ops: ['sign', 'verify'] },
    { kty: 'oct', kid: 'gw-2', alg: 'HS384', k: k(48), 'x-gateway': { zone: 'eu', weight: 2 } },
    { kty: 'oct', k: k(32), key_ops: ['verify'] },
  ],
  'x-exported-by': 'vault 1.15',
});

function createVerify(env, kid) {
  const page = get(env);
  return post(env, { csrf: field(page.body, 'csrf'), version: field(page.body, 'version'), action: 'create',
    kid, alg: 'HS256', status: 'verify' });
}

test('the page shows every key of a plain JWKS with the defaults that apply', () => {
  const { env } = setupDir(plain());
  const r = get(env);
  assert.equal(r.status, 200, r.body.slice(0, 400));
  assert.doesNotMatch(r.body, /id="load-error"/);
  const v = row(r.body, 'vault-1');
  assert.ok(v, 'vault-1 not listed');
  assert.match(v, /<td class="alg">HS256 HS384 HS512 \(by length\)<\/td>/);
  assert.match(v, /<td class="created">not recorded<\/td>/);
  assert.match(v, /<td class="status">verify-only<\/td>/);
  const g = row(r.body, 'gw-2');
  assert.match(g, /<td class="alg">HS384<\/td>/);
  const nokid = row(r.body, '');
  assert.ok(nokid, 'the kid-less key is not listed');
  assert.match(nokid, /<code>key #2<\/code>/);
  assert.match(nokid, /no kid: edit the file to retire or delete it/);
  assert.equal((r.body.match(/<tr data-kid=/g) || []).length, 3);
});

test('a one-key plain JWKS: that key is shown as the signer', () => {
  const { env } = setupDir({ keys: [{ kty: 'oct', kid: 'only', k: k(32) }] });
  assert.match(row(get(env).body, 'only'), /<td class="status">active \(the only key\)<\/td>/);
});

test('the first write adds status and created, and keeps every member of every key', () => {
  const before = plain();
  const { env, file } = setupDir(before);
  const t0 = Math.floor(Date.now() / 1000);
  const r = createVerify(env, 'admin-1');
  assert.equal(r.status, 200, noticeText(r.body));
  const after = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(after['x-exported-by'], 'vault 1.15');
  assert.equal(after.keys.length, 4);
  for (let i = 0; i < 3; i++) {
    const was = before.keys[i]; const now = after.keys[i];
    for (const [name, value] of Object.entries(was)) assert.deepEqual(now[name], value, `key ${i}: member ${name}`);
    assert.equal(now.status, 'verify', `key ${i}: status`);
    assert.ok(now.created >= t0 && now.created <= Math.floor(Date.now() / 1000) + 1, `key ${i}: created`);
    assert.equal('alg' in now, 'alg' in was, `key ${i}: alg added or dropped`);
  }
  assert.equal(after.keys[3].kid, 'admin-1');
  // a second write changes none of that (created is not re-stamped)
  const again = createVerify(env, 'admin-2');
  assert.equal(again.status, 200, noticeText(again.body));
  const later = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (let i = 0; i < 4; i++) assert.deepEqual(later.keys[i], after.keys[i]);
});

test('retiring and deleting a plain key keep the other keys\' members', () => {
  const before = plain();
  const { env, file } = setupDir(before);
  let page = get(env);
  let r = post(env, { csrf: field(page.body, 'csrf'), version: field(page.body, 'version'), action: 'retire', kid: 'gw-2' });
  assert.equal(r.status, 200, noticeText(r.body));
  let after = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(after.keys[1].status, 'retired');
  assert.deepEqual(after.keys[1]['x-gateway'], { zone: 'eu', weight: 2 });
  page = get(env);
  r = post(env, { csrf: field(page.body, 'csrf'), version: field(page.body, 'version'), action: 'delete', kid: 'vault-1', confirm: 'yes' });
  assert.equal(r.status, 200, noticeText(r.body));
  after = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(after.keys.map((x) => x.kid), ['gw-2', undefined]);
  assert.deepEqual(after.keys[1].key_ops, ['verify']);
  assert.equal(after.keys[1].k, before.keys[2].k);
});

test('a one-key plain JWKS keeps signing after the page adds a verify-only key', () => {
  const { env, file } = setupDir({ keys: [{ kty: 'oct', kid: 'only', k: k(32) }] });
  assert.equal(createVerify(env, 'added').status, 200);
  const after = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(after.keys.map((x) => [x.kid, x.status]), [['only', 'active'], ['added', 'verify']]);
});

test('a rewrite keeps the file\'s owner, group and mode', (t) => {
  const { env, file } = setupDir(plain());
  // as root: the httpd user's owner/group; as anyone: our own ids, and the mode still counts
  const cases = IS_ROOT ? [[33, 33, 0o600], [0, 33, 0o640], [33, 0, 0o660]] : [[process.getuid(), process.getgid(), 0o600]];
  if (!IS_ROOT) t.diagnostic('not root: owner/group changes not exercised');
  cases.forEach(([uid, gid, mode], i) => {
    fs.chownSync(file, uid, gid);
    fs.chmodSync(file, mode);
    const r = createVerify(env, `own-${i}`);
    assert.equal(r.status, 200, noticeText(r.body));
    const st = fs.statSync(file);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [uid, gid, mode], `case ${i}`);
    assert.ok(JSON.parse(fs.readFileSync(file, 'utf8')).keys.some((x) => x.kid === `own-${i}`));
  });
});

test('a symlinked audit log is refused: 500, nothing changed, the link target not created', () => {
  const { dir, env, file } = setupDir(plain());
  const victim = path.join(dir, 'victim');
  fs.symlinkSync(victim, env.JWT_ADMIN_AUDIT_LOG);
  const before = fs.readFileSync(file);
  const r = createVerify(env, 'nope');
  assert.equal(r.status, 500);
  assert.equal(noticeText(r.body), `nothing changed: the audit log ${env.JWT_ADMIN_AUDIT_LOG} is a symbolic link: refused`);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.equal(fs.existsSync(victim), false);
});

test('a symlinked lock file is refused: 500, nothing changed, the link target not created', () => {
  const { dir, env, file } = setupDir(plain());
  const victim = path.join(dir, 'victim');
  fs.symlinkSync(victim, `${file}.lock`);
  const before = fs.readFileSync(file);
  const r = createVerify(env, 'nope');
  assert.equal(r.status, 500);
  assert.equal(noticeText(r.body), `Nothing changed: secrets lock ${file}.lock is a symbolic link: refused`);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.equal(fs.existsSync(victim), false);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp.')), []);
});
