'use strict';
/* jwt-login-handler refusals: each with its exact status and JSON body, Cache-Control:
 * no-store, no token and no Set-Cookie (also at a cookie-delivery location); wrong user and
 * wrong password answer alike and take about the same time; failed logins are logged with
 * the client address and never with the password. Both body formats work. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const L = require('./lib/login');

const LIFETIME = 600;
const PW = { ada: 'Ada-Secret-Pw-9137', bob: 'Bob-Secret-Pw-5521' };
const WRONG = 'Wrong-Guess-Pw-7788';
const BAD_CREDS = ['invalid_grant', 'wrong username or password'];
/* The two login locations: JSON delivery and cookie delivery. */
const WHERE = ['/auth/login', '/auth/cookie-login'];

let keys; let srv;

test.before(async () => {
  keys = generateKeys({ only: ['ec256'] });
  // bcrypt with htpasswd's default cost: the same cost as the module's dummy hash
  const userFile = L.makeUsers(keys.dir, [
    { user: 'ada', password: PW.ada, hash: 'B' }, { user: 'bob', password: PW.bob, hash: 'B' }]);
  const common = { keyLine: keys.ec256.privPath, alg: 'ES256', userFile, lifetime: LIFETIME,
    issuer: 'https://idp.test/', audience: 'orders-api' };
  const conf = [
    L.loginLocation(WHERE[0], common),
    L.loginLocation(WHERE[1], { ...common, delivery: 'cookie access_token' }),
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-refusals' });
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

function badCreds(res) {
  L.expectLoginRefused(res, 401, ...BAD_CREDS);
  // the realm: the section's AuthName, else the server's name (issue 23: never bare "Bearer")
  assert.deepEqual(res.header('WWW-Authenticate'), ['Bearer realm="127.0.0.1"']);
}

for (const where of WHERE) {
  test(`${where}: wrong password and unknown user get the same 401 answer`, async () => {
    const wrong = await L.postJson(srv.base, where, { username: 'ada', password: WRONG });
    const unknown = await L.postJson(srv.base, where, { username: 'nobody', password: WRONG });
    const unknownForm = await L.postForm(srv.base, where, { username: 'nobody', password: PW.ada });
    for (const r of [wrong, unknown, unknownForm]) badCreds(r);
    assert.equal(wrong.body, unknown.body);
    assert.equal(unknownForm.body, unknown.body);
    // another user's password is a wrong password too
    badCreds(await L.postForm(srv.base, where, { username: 'ada', password: PW.bob }));
  });

  test(`${where}: missing or empty fields -> 400`, async () => {
    const req = ['invalid_request', 'username and password are required'];
    L.expectLoginRefused(await L.postJson(srv.base, where, { username: 'ada' }), 400, ...req);
    L.expectLoginRefused(await L.postJson(srv.base, where, { password: PW.ada }), 400, ...req);
    L.expectLoginRefused(await L.postJson(srv.base, where, {}), 400, ...req);
    L.expectLoginRefused(await L.postJson(srv.base, where, { username: 'ada', password: '' }), 400, ...req);
    L.expectLoginRefused(await L.postJson(srv.base, where, { username: 'ada', password: 12345 }), 400, ...req);
    L.expectLoginRefused(await L.postJson(srv.base, where, { user: 'ada', pass: PW.ada }), 400, ...req);
    L.expectLoginRefused(await L.postForm(srv.base, where, `password=${PW.ada}`), 400, ...req);
    L.expectLoginRefused(await L.postForm(srv.base, where, 'username=ada&password='), 400, ...req);
    L.expectLoginRefused(await L.postForm(srv.base, where, ''), 400, ...req);
  });

  test(`${where}: GET / PUT / HEAD -> 405 with Allow: POST`, async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await request(srv.base, where, { method });
      L.expectLoginRefused(res, 405, 'invalid_request', 'use POST');
      assert.deepEqual(res.header('Allow'), ['POST']);
    }
    const head = await request(srv.base, where, { method: 'HEAD' });
    assert.equal(head.status, 405);
    assert.deepEqual(head.header('Allow'), ['POST']);
    assert.deepEqual(head.header('Cache-Control'), ['no-store']);
    assert.equal(head.body, '');
  });

  test(`${where}: body over 8 KiB -> 413 (Content-Length and chunked); 8 KiB exactly is read`, async () => {
    const tooLarge = ['invalid_request', 'request body too large'];
    const base = `username=ada&password=${PW.ada}&pad=`;
    const big = base + 'x'.repeat(8193 - base.length);
    assert.equal(big.length, 8193);
    L.expectLoginRefused(await L.postForm(srv.base, where, big), 413, ...tooLarge);
    // chunked: no Content-Length to check up front, the cap applies while reading
    const chunked = await request(srv.base, where, {
      method: 'POST', body: big,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Transfer-Encoding': 'chunked' },
    });
    L.expectLoginRefused(chunked, 413, ...tooLarge);
    const bigJson = JSON.stringify({ username: 'ada', password: PW.ada, pad: 'y'.repeat(9000) });
    L.expectLoginRefused(await L.postJson(srv.base, where, bigJson), 413, ...tooLarge);
    // exactly the cap: accepted, and the credentials in it log in
    const exact = base + 'x'.repeat(8192 - base.length);
    assert.equal(exact.length, 8192);
    const ok = await L.postForm(srv.base, where, exact);
    assert.equal(ok.status, 200, ok.body);
  });

  test(`${where}: a field over 1 KiB -> 400; 1 KiB is checked`, async () => {
    const tooLong = ['invalid_request', 'username or password too long'];
    L.expectLoginRefused(await L.postJson(srv.base, where, { username: 'ada', password: 'p'.repeat(1025) }), 400, ...tooLong);
    L.expectLoginRefused(await L.postJson(srv.base, where, { username: 'u'.repeat(1025), password: 'x' }), 400, ...tooLong);
    badCreds(await L.postJson(srv.base, where, { username: 'ada', password: 'p'.repeat(1024) }));
    badCreds(await L.postForm(srv.base, where, { username: 'u'.repeat(1024), password: 'x' }));
  });

  test(`${where}: malformed bodies and duplicate fields -> 400`, async () => {
    const malformed = ['invalid_request', 'malformed request body'];
    for (const body of [
      '{"username":"ada","password":', '{"username":"ada" "password":"x"}', 'not json',
      '["ada","x"]', '"ada"', '{"username":"ada","password":"x"} trailing',
      `{"username":"ada","password":"${PW.ada}","username":"bob"}`,     // duplicate member
      `{"username":"ada","password":"${PW.ada}","password":"${PW.ada}"}`,
      '{"username":"a\\u0000da","password":"x"}',                      // NUL in a member
    ]) {
      L.expectLoginRefused(await L.postJson(srv.base, where, body), 400, ...malformed);
    }
    for (const body of [
      `username=ada&password=${PW.ada}&username=bob`,                   // duplicate field
      `username=ada&password=${PW.ada}&password=${PW.ada}`,
      `username=ada&password=${PW.ada}%zz`,                             // bad escape
      `username=ada&password=${PW.ada}%00x`,                            // NUL
    ]) {
      L.expectLoginRefused(await L.postForm(srv.base, where, body), 400, ...malformed);
    }
    L.expectLoginRefused(await request(srv.base, where, {
      method: 'POST', body: `username=ada\0&password=${PW.ada}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }), 400, 'invalid_request', 'NUL byte in the request body');
  });

  test(`${where}: other content types -> 415`, async () => {
    const unsupported = ['invalid_request', 'send application/x-www-form-urlencoded or application/json'];
    const body = JSON.stringify({ username: 'ada', password: PW.ada });
    for (const ct of ['text/plain', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json']) {
      L.expectLoginRefused(await request(srv.base, where, { method: 'POST', body, headers: { 'Content-Type': ct } }), 415, ...unsupported);
    }
    L.expectLoginRefused(await request(srv.base, where, { method: 'POST', body }), 415, ...unsupported);
  });
}

test('JSON and form bodies both log in (media type parameters and case allowed)', async () => {
  const cred = { username: 'ada', password: PW.ada };
  L.expectLoginOk(await L.postJson(srv.base, WHERE[0], cred), LIFETIME);
  L.expectLoginOk(await L.postForm(srv.base, WHERE[0], cred), LIFETIME);
  L.expectLoginOk(await L.postJson(srv.base, WHERE[0], cred, { 'Content-Type': 'Application/JSON; charset=utf-8' }), LIFETIME);
  L.expectLoginOk(await L.postForm(srv.base, WHERE[0], cred,
    { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' }), LIFETIME);
  // form escapes: '+' is a space, %XX is a byte; other fields are ignored
  const enc = `other=1&username=ada&password=${encodeURIComponent(PW.ada)}&x=%41`;
  const { payload } = L.expectLoginOk(await L.postForm(srv.base, WHERE[0], enc), LIFETIME);
  assert.equal(payload.sub, 'ada');
  const { payload: p2 } = L.expectLoginOk(
    await L.postJson(srv.base, WHERE[0], { username: 'bob', password: PW.bob, extra: [1, { a: 2 }] }), LIFETIME);
  assert.equal(p2.sub, 'bob');
});

test('wrong user and wrong password take about the same time (bcrypt users, medians)', async () => {
  const wrong = []; const unknown = [];
  const time = async (username) => {
    const t0 = process.hrtime.bigint();
    const res = await L.postJson(srv.base, WHERE[0], { username, password: WRONG });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    badCreds(res);
    return ms;
  };
  await time('ada'); await time('nobody');                     // warm-up
  for (let i = 0; i < 20; i++) {                               // interleaved: same load for both
    wrong.push(await time('ada'));
    unknown.push(await time(`nobody${i}`));
  }
  const mw = L.median(wrong); const mu = L.median(unknown);
  console.log(`# LOGIN-TIMING median wrong password ${mw.toFixed(2)} ms, unknown user ${mu.toFixed(2)} ms`);
  assert.ok(Math.max(mw, mu) / Math.min(mw, mu) < 3,
    `medians differ more than 3x: wrong password ${mw} ms, unknown user ${mu} ms`);
});

test('failed logins are logged with the client address, never with the password', async () => {
  badCreds(await L.postJson(srv.base, WHERE[0], { username: 'ada', password: WRONG }));
  badCreds(await L.postForm(srv.base, WHERE[0], { username: 'ghost', password: PW.bob }));
  L.expectLoginOk(await L.postJson(srv.base, WHERE[0], { username: 'ada', password: PW.ada }), LIFETIME);
  // a user name that tries to forge a log line stays on its own line, escaped
  badCreds(await L.postJson(srv.base, WHERE[0], { username: 'x\n[auth_jwt:error] forged\x1b[31m', password: WRONG }));
  const log = srv.errorLog();
  assert.ok(!/^\[auth_jwt:error\] forged/m.test(log), 'a forged log line');
  assert.ok(!log.includes('\x1b'), 'a raw control character in the log');
  assert.match(log, /failed login for user 'x\\n\[auth_jwt:error\] forged\\x1b\[31m' from 127\.0\.0\.1 \(unknown user\)/);
  assert.match(log, /AH-JWT-0607: failed login for user 'ada' from 127\.0\.0\.1 \(wrong password\)/);
  assert.match(log, /AH-JWT-0607: failed login for user 'ghost' from 127\.0\.0\.1 \(unknown user\)/);
  assert.match(log, /AH-JWT-0605: issued a ES256 token to 'ada' \(client 127\.0\.0\.1\), valid 600 s/);
  for (const pw of [WRONG, PW.ada, PW.bob, 'p'.repeat(1024)]) {
    assert.ok(!log.includes(pw), `a password is in the error log: ${pw.slice(0, 20)}`);
  }
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}/.test(log), 'a token is in the error log');
});

test('with LogLevel warn (the usual production level) failed logins are still logged', async () => {
  // the last test of this file: it reconfigures the server
  await srv.restart(`${srv.confText.split('# ---- caller conf ----\n')[1]}\nLogLevel warn\n`);
  const from = srv.errorLog().length;
  badCreds(await L.postJson(srv.base, WHERE[0], { username: 'ada', password: 'warn-level-guess' }));
  L.expectLoginOk(await L.postJson(srv.base, WHERE[0], { username: 'bob', password: PW.bob }), LIFETIME);
  const log = srv.errorLog().slice(from);
  assert.match(log, /AH-JWT-0607: failed login for user 'ada' from 127\.0\.0\.1 \(wrong password\)/);
  assert.ok(!log.includes('warn-level-guess'));
  assert.ok(!/issued a ES256 token to 'bob'/.test(log), 'info messages are logged at LogLevel warn');
});
