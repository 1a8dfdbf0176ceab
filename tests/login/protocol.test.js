'use strict';
/* HTTP-level behaviour of the login handler: on a keep-alive connection a refused request's
 * body is consumed, never parsed as the next request; after a 413 the connection closes;
 * concurrent logins each get their own token (distinct jti); another authn provider (dbm,
 * users made by the real `htdbm`) works the same way as file. */
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const L = require('./lib/login');

const PW = 'Pat-Proto-Pw-6612';
let keys; let srv;

test.before(async () => {
  keys = generateKeys({ only: ['ec256'] });
  const userFile = L.makeUsers(keys.dir, [{ user: 'pat', password: PW, hash: 'B' }]);
  const dbm = `${keys.dir}/users.dbm`;
  execFileSync('htdbm', ['-cbB', dbm, 'dora', 'Dora-Dbm-Pw-77'], { stdio: 'ignore' });
  execFileSync('chmod', ['-R', 'a+r', keys.dir]);
  const conf = [
    L.loginLocation('/auth/login', { keyLine: keys.ec256.privPath, alg: 'ES256', userFile, lifetime: 120 }),
    '<Location /auth/dbm>', '  SetHandler jwt-login-handler', '  AuthJWTProvider dbm',
    `  AuthDBMUserFile "${dbm}"`, `  AuthJWTSigningKey ${keys.ec256.privPath}`, '</Location>',
    '<Location /api>', '  AuthType jwt', '  AuthName "proto"', `  AuthJWTKeyFile ${keys.ec256.pubPath}`,
    '  Require valid-user', '</Location>',
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file', 'authn_dbm'], name: 'login-proto' });
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

/* Writes raw bytes on one connection, returns everything the server sent until it closes
 * or `idleMs` pass without data. */
function raw(text, idleMs = 1500) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port });
    let out = ''; let timer;
    const done = () => { clearTimeout(timer); s.destroy(); resolve(out); };
    const arm = () => { clearTimeout(timer); timer = setTimeout(done, idleMs); };
    s.on('data', (d) => { out += d.toString('latin1'); arm(); });
    s.on('end', done);
    s.on('error', (e) => (out ? done() : reject(e)));
    s.write(text);
    arm();
  });
}

/* responses follow each other without a separator: a status line may start mid-line */
const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) [A-Z]/g)].map((m) => Number(m[1]));

function post(ct, body, extra = '') {
  return `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${ct}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

test('keep-alive: the body of a 415 / 401 is consumed, not read as the next request', async () => {
  // each refused body holds a complete request; if it were parsed, an extra status would show
  const smuggled = 'GET /api/ok.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const good = new URLSearchParams({ username: 'pat', password: PW }).toString();
  const out = await raw(
    post('text/plain', smuggled) +
    post('application/x-www-form-urlencoded', `username=pat&password=wrong&z=${encodeURIComponent(smuggled)}`) +
    post('application/json', JSON.stringify({ username: 'pat', password: 'wrong', z: smuggled })) +
    post('application/x-www-form-urlencoded', good, 'Connection: close\r\n'));
  assert.deepEqual(statuses(out), [415, 401, 401, 200], out.slice(0, 2000));
  assert.match(out, /"access_token":"eyJ/);
});

test('a 400 closes the connection (httpd drops it after 400); what followed is not served', async () => {
  const smuggled = 'GET /api/ok.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const out = await raw(post('application/json', '{"username":"pat","password":"x","password":"y"}') + smuggled);
  assert.deepEqual(statuses(out), [400], out.slice(0, 2000));
  assert.match(out, /^Connection: close\r$/mi);
});

test('after a 413 the server closes the connection (the rest of the body is unread)', async () => {
  const big = `username=pat&password=${PW}&pad=${'x'.repeat(20000)}`;
  const follow = 'GET /ok.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const out = await raw(post('application/x-www-form-urlencoded', big) + follow);
  assert.deepEqual(statuses(out), [413], out.slice(0, 1000));
  assert.match(out, /^Connection: close\r$/mi);
  assert.match(out, /"error_description":"request body too large"/);
});

test('20 concurrent logins: 20 tokens, 20 distinct jti, each opens /api', async () => {
  const results = await Promise.all(Array.from({ length: 20 },
    () => L.postJson(srv.base, '/auth/login', { username: 'pat', password: PW })));
  const tokens = results.map((r) => L.expectLoginOk(r, 120));
  assert.equal(new Set(tokens.map((t) => t.payload.jti)).size, 20);
  for (const t of tokens.slice(0, 5)) {
    A.expectOk(await request(srv.base, '/api/ok.txt', { headers: { Authorization: `Bearer ${t.token}` } }));
  }
});

test('AuthJWTProvider dbm (htdbm users): login works, wrong password is the same 401', async () => {
  const ok = L.expectLoginOk(await L.postForm(srv.base, '/auth/dbm', { username: 'dora', password: 'Dora-Dbm-Pw-77' }), 900);
  assert.equal(ok.payload.sub, 'dora');
  assert.equal(ok.header.alg, 'ES256');   // the default for a P-256 key
  A.expectOk(await request(srv.base, '/api/ok.txt', { headers: { Authorization: `Bearer ${ok.token}` } }));
  L.expectLoginRefused(await L.postForm(srv.base, '/auth/dbm', { username: 'dora', password: 'nope-nope' }),
    401, 'invalid_grant', 'wrong username or password');
  L.expectLoginRefused(await L.postForm(srv.base, '/auth/dbm', { username: 'pat', password: PW }),
    401, 'invalid_grant', 'wrong username or password');
});

test('virtual hosts: each publishes its own signing keys and the main server\'s', async () => {
  const vk = generateKeys({ only: ['ec256', 'ed25519'] });
  const userFile = L.makeUsers(vk.dir, [{ user: 'vic', password: 'Vic-Vhost-Pw-5', hash: 'B' }]);
  const conf = [
    '<Location /.well-known/jwks.json>', '  SetHandler jwt-jwks-handler', '</Location>',
    L.loginLocation('/auth/main', { keyLine: vk.ec256.privPath, userFile }),
    '<VirtualHost *>', '  ServerName main.test', '</VirtualHost>',
    '<VirtualHost *>', '  ServerName other.test',
    L.loginLocation('/auth/other', { keyLine: vk.ed25519.privPath, userFile }),
    '</VirtualHost>',
  ].join('\n');
  const vs = await startHttpd({ conf, modules: ['authn_file'], name: 'login-vhost' });
  try {
    const kids = async (host) => {
      const res = await request(vs.base, '/.well-known/jwks.json', { headers: { Host: host } });
      assert.equal(res.status, 200);
      return JSON.parse(res.body).keys.map((k) => k.kty).sort();
    };
    assert.deepEqual(await kids('main.test'), ['EC']);
    assert.deepEqual(await kids('other.test'), ['EC', 'OKP']);
    const cred = { username: 'vic', password: 'Vic-Vhost-Pw-5' };
    const other = L.expectLoginOk(await L.postJson(vs.base, '/auth/other', cred, { Host: 'other.test' }), 900);
    assert.equal(other.header.alg, 'EdDSA');
    const main = L.expectLoginOk(await L.postJson(vs.base, '/auth/main', cred, { Host: 'other.test' }), 900);
    assert.equal(main.header.alg, 'ES256');
    // the vhost's login location does not exist on the other host
    const none = await L.postJson(vs.base, '/auth/other', cred, { Host: 'main.test' });
    assert.equal(none.status, 404);
    assert.ok(!none.body.includes('access_token'));
  } finally {
    await vs.stop();
    vk.cleanup();
  }
});
