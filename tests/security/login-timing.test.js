'use strict';
// Login timing with a bcrypt cost other than htpasswd's default (KNOWN DEFECT, marked todo).
// mod_auth_jwt/login.c checks an unknown user's password against a dummy bcrypt hash of fixed
// cost 5 (DUMMY_BCRYPT_COST) so that "no such user" costs about as much as "wrong password".
// With `htpasswd -B -C 12` (a common recommendation) a wrong password costs 2^12 rounds and an
// unknown user 2^5: on the development machine 172 ms against 2.6 ms, so user names can be
// enumerated by timing. tests/login/refusals.test.js proves the equal timing for cost 5 only.
// This test asserts what should hold for any cost; it is marked todo until login.c is fixed
// (a dummy cost that follows the user file, or a directive), then the todo must be removed.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');

let keys; let srv;
before(async () => {
  keys = generateKeys({ only: ['ec256'] });
  const users = `${keys.dir}/users.htpasswd`;
  execFileSync('htpasswd', ['-c', '-B', '-C', '12', '-b', users, 'ada', 'the-right-password'], { stdio: 'ignore' });
  fs.chmodSync(users, 0o644);
  srv = await startHttpd({
    name: 'security-login-timing', modules: ['authn_file'],
    conf: `<Location /auth/login>\n  SetHandler jwt-login-handler\n  AuthJWTProvider file\n  AuthUserFile "${users}"\n  AuthJWTSigningKey "${keys.ec256.privPath}"\n</Location>`,
  });
});
after(async () => { await srv?.stop(); keys?.cleanup(); });

async function attempt(username) {
  const body = JSON.stringify({ username, password: 'a-wrong-password' });
  const t0 = process.hrtime.bigint();
  const res = await request(srv.base, '/auth/login', {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(res.status, 401);
  return ms;
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

test('bcrypt cost 12: wrong password and unknown user take about the same time', {
  todo: 'KNOWN DEFECT: login.c uses a cost-5 dummy hash for unknown users (see SECURITY.md)',
}, async () => {
  await attempt('ada'); await attempt('nobody');               // warm-up
  const wrong = []; const unknown = [];
  for (let i = 0; i < 7; i++) {
    wrong.push(await attempt('ada'));
    unknown.push(await attempt(`nobody${i}`));
  }
  const mw = median(wrong); const mu = median(unknown);
  console.log(`# LOGIN-TIMING cost 12: median wrong password ${mw.toFixed(1)} ms, unknown user ${mu.toFixed(1)} ms`);
  assert.ok(Math.max(mw, mu) / Math.min(mw, mu) < 3, `wrong password ${mw.toFixed(1)} ms, unknown user ${mu.toFixed(1)} ms`);
});
