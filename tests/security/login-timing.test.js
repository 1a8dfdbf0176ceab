'use strict';
// Login timing with a bcrypt cost other than htpasswd's default. A fixed cost-5 dummy hash
// alone made "no such user" 2.6 ms against 172 ms for a wrong password with
// `htpasswd -B -C 12`, so user names could be enumerated by timing. mod_auth_jwt/login.c now
// holds an unknown user's answer back to the running average cost of checking a known user
// (pad_unknown_user); this test fails without that.
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

test('bcrypt cost 12: wrong password and unknown user take about the same time', async () => {
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
