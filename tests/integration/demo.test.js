'use strict';
// The demo (issue 23): demo/demo.sh start in a state folder of its own and on a free port.
// It must pass its checks from any checkout (its pages and the CGI are copied where www-data
// can reach them), print the guide only after the checks pass, leave no token file empty, and
// on a failed check say which one failed and why and stop its httpd. dev.sh checks its
// inputs before it stops anything. The demo always runs the event MPM: one run is enough.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { freePort, request, jwtBuildDir } = require('./lib/httpd');

const REPO = path.resolve(__dirname, '..', '..');
// The demo starts apache2 itself, without the sanitizer runtime that integration-asan
// preloads (HTTPD_LD_PRELOAD): it is not one of that group's targets.
const SKIP = ((process.env.MPM || 'event') !== 'event' && 'the demo runs the event MPM only')
  || (process.env.HTTPD_LD_PRELOAD && 'the demo runs apache2 without the sanitizer runtime');

function demo(args, env) {
  return spawnSync(path.join(REPO, 'demo', 'demo.sh'), args, {
    encoding: 'utf8', timeout: 120000,
    env: { ...process.env, JWT_BUILD_DIR: jwtBuildDir(), ...env },
  });
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (_) { return false; }
}

describe('demo/demo.sh', { skip: SKIP }, () => {
  let state; let port; let env;
  before(async () => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-demo-'));
    fs.chmodSync(state, 0o755);
    port = await freePort();
    env = { DEMO_STATE: state };
  });
  after(() => {
    demo(['stop'], env);
    fs.rmSync(state, { recursive: true, force: true });
  });

  test('start: every check passes, then the guide; token files are not empty', async () => {
    const r = demo(['start', '--port', String(port)], env);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = r.stdout;
    const lastCheck = out.lastIndexOf('check: ');
    const guide = out.indexOf('mod_auth_jwt demo running on');
    assert.ok(lastCheck >= 0 && guide > lastCheck, `the guide must come after the checks:\n${out}`);
    assert.doesNotMatch(out, /FAILED/);
    assert.match(out, new RegExp(`running on http://127\\.0\\.0\\.1:${port} `));
    for (const f of ['alice.jwt', 'bob.jwt', 'tampered.jwt', 'good.jwt', 'expired.jwt']) {
      assert.match(fs.readFileSync(path.join(state, f), 'utf8'), /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/, f);
    }
    // what httpd serves comes from the state folder, not the checkout
    const conf = fs.readFileSync(path.join(state, 'httpd.conf'), 'utf8');
    assert.ok(!conf.includes(`"${REPO}/htdocs`) && !conf.includes(`${jwtBuildDir()}/admin-cgi`), conf);
    assert.equal((await request(`http://127.0.0.1:${port}`, '/jwt-admin/admin.css')).status, 200);
  });

  test('dev.sh: a bad port, a misspelt command or argument stops nothing and says what was wrong', async () => {
    const pid = Number(fs.readFileSync(path.join(state, 'run', 'httpd.pid'), 'utf8'));
    assert.ok(pidAlive(pid));
    const dev = (args, e = {}) => spawnSync(path.join(REPO, 'dev.sh'), args,
      { encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env, ...e } });
    let r = dev(['demo'], { DEMO_PORT: 'abc' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /port must be a number from 1 to 65535, got 'abc'/);
    r = dev(['demo', '--port', '70000']);
    assert.match(r.stderr, /got '70000'/);
    r = dev(['demo', '--prot', '9000']);
    assert.match(r.stderr, /unknown argument '--prot'/);
    r = dev(['demoo']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'demoo'/);
    assert.ok(pidAlive(pid), 'the running demo was stopped by a refused command');
    assert.equal((await request(`http://127.0.0.1:${port}`, '/index.html')).status, 200);
  });

  test('a failing check is named with its reason, no guide is printed, httpd is stopped', async () => {
    // break the users file: every login fails (the file exists, so it is not remade)
    fs.writeFileSync(path.join(state, 'users.htpasswd'), 'alice:not-a-hash\nbob:not-a-hash\n');
    const r = demo(['start', '--port', String(port)], env);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /mod_auth_jwt demo running on/);
    assert.match(r.stderr, /these checks failed:\n\s+log in alice \(JSON\)\s+POST \/auth\/login: got '401', expected '200'/);
    assert.match(r.stderr, /httpd stopped/);
    assert.ok(!fs.existsSync(path.join(state, 'run', 'httpd.pid'))
      || !pidAlive(Number(fs.readFileSync(path.join(state, 'run', 'httpd.pid'), 'utf8'))));
    await assert.rejects(request(`http://127.0.0.1:${port}`, '/index.html', { timeout: 2000 }));
  });
});
