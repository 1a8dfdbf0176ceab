'use strict';
/*
 * leakcheck.js -- the request path under valgrind memcheck (issue 8).
 *
 *   JWT_BUILD_DIR=build node tests/leakcheck/leakcheck.js      (env: LEAK_REQUESTS=3000)
 *
 * One httpd process (`apache2 -X`, mpm_event) with the built mod_auth_jwt runs under
 * `valgrind --leak-check=full`, with the soak's locations (PEM keys, a claim rule, the secrets
 * file, a remote JWKS, a JWKS that is never reachable) plus the login, JWKS and logout
 * handlers. It gets LEAK_REQUESTS requests from the soak's mix (valid, expired, tampered,
 * random-kid, garbage, missing tokens), logins with good and bad passwords, while the JWKS
 * document rotates and the secrets file is rewritten (keyrings rebuilt and freed). httpd is
 * then stopped with SIGTERM, so every pool is destroyed and valgrind reports what is left.
 * Checks: valgrind memcheck found no invalid read/write/jump attributed to mod_auth_jwt, and
 * no "definitely lost" block whose allocation stack passes through mod_auth_jwt.so.
 * Losses elsewhere (httpd, APR, OpenSSL, libcurl globals at exit) are printed as info.
 * Last line: "N passed, N failed, 0 skipped".
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { startHttpd, request } = require('../integration/lib/httpd');
const { writeSecretsFile } = require('../integration/lib/keys');
const { makeState, conf, makeRequests } = require('../soak/soak');

const N = Number(process.env.LEAK_REQUESTS || 3000);
const REPO = path.resolve(__dirname, '..', '..');
const results = [];
function check(name, ok, detail) {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` -- ${detail}` : ''}`);
}

/* valgrind's log -> its error and loss-record blocks (each a list of lines). */
function blocks(text) {
  const out = [];
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^==\d+== ?/, '');
    if (line === '') { if (cur) out.push(cur); cur = null; continue; }
    if (!cur) cur = [];
    cur.push(line);
  }
  if (cur) out.push(cur);
  return out;
}

async function main() {
  const st = await makeState();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-leak-'));
  fs.chmodSync(work, 0o777);   // valgrind's log is written after the switch to www-data
  const users = path.join(st.keys.dir, 'users.htpasswd');
  const pw = 'Leak-Check-Pw-1';
  fs.writeFileSync(users, `${spawnSync('htpasswd', ['-nbB', 'carol', pw]).stdout.toString().trim()}\n`, { mode: 0o644 });
  const extra = `
<Location /auth/login>
  SetHandler jwt-login-handler
  AuthJWTProvider file
  AuthUserFile "${users}"
  AuthJWTSigningKey "${st.keys.ec256.privPath}" kid=login
</Location>
<Location /auth/jwks>
  SetHandler jwt-jwks-handler
</Location>
<Location /auth/logout>
  SetHandler jwt-logout-handler
</Location>
`;
  let srv = null;
  let failedEarly = null;
  try {
    srv = await startHttpd({
      conf: conf(st) + extra, mpm: 'event', name: 'leak', modules: ['socache_shmcb', 'authn_file'],
      args: ['-X'], startTimeoutMs: Number(process.env.LEAK_START_MS || 180000), stopTimeoutMs: 300000,
      wrapper: ['valgrind', '--tool=memcheck', '--leak-check=full', '--show-leak-kinds=definite',
        '--errors-for-leak-kinds=definite', '--num-callers=40', '--track-origins=no',
        '--fullpath-after=',   // frames name full source paths: the module's are under REPO
        '--keep-debuginfo=yes',   // httpd unloads its modules before exit: keep their symbols
        `--log-file=${work}/valgrind.%p.log`],
    });
    const lines = (await makeRequests(st, Math.floor(Date.now() / 1000))).slice(0, N);
    const statuses = {};
    let next = 0;
    let sent = 0;
    const one = async (p, headers, method = 'GET', body) => {
      const r = await request(srv.base, p, { headers, method, body, timeout: 120000 });
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      sent++;
    };
    const worker = async () => {
      while (next < lines.length) {
        const i = next++;
        const [p, tok] = lines[i].split('\t');
        await one(p, tok ? { Authorization: `Bearer ${tok}` } : {});
        if (i === Math.floor(lines.length / 3)) {
          st.jwksServer.publish('/jwks.json', [st.jwks.stable.jwk, st.jwks.rotB.jwk]);
          writeSecretsFile(st.secretsFile, [{ kid: 'stable', alg: 'HS256', k: st.secrets.stable, status: 'active' },
            { kid: 'fresh', alg: 'HS256', k: crypto.randomBytes(32) }]);
          spawnSync('chown', ['-R', 'www-data:www-data', st.secretsDir]);
        }
        if (i % 100 === 0) {
          const good = i % 200 === 0;
          const body = JSON.stringify({ username: 'carol', password: good ? pw : 'wrong-password' });
          await one('/auth/login', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, 'POST', body);
          await one('/auth/jwks', {});
          await one('/auth/logout', {}, 'POST');
        }
      }
    };
    const t0 = Date.now();
    await Promise.all([worker(), worker(), worker(), worker()]);
    console.log(`leakcheck: ${sent} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s under valgrind; statuses ${JSON.stringify(statuses)}`);
    check('the requests were answered', sent >= lines.length && (statuses[200] || 0) > 0 && (statuses[401] || 0) > 0,
      JSON.stringify(statuses));
  } catch (e) {
    failedEarly = e;
  } finally {
    if (srv) await srv.stop();
    await st.cleanup();
  }
  if (failedEarly) {
    for (const f of fs.readdirSync(work)) {
      console.log(`--- ${f} (last lines)\n${fs.readFileSync(path.join(work, f), 'utf8').split('\n').slice(-40).join('\n')}`);
    }
    console.log(`FAIL leak check stopped early: ${failedEarly.stack || failedEarly}`);
    results.push(false);
  } else {
    const logs = fs.readdirSync(work).filter((f) => f.startsWith('valgrind.'));
    let moduleLeaks = [];
    let moduleErrors = [];
    let otherDefinite = 0;
    let summaries = 0;
    for (const f of logs) {
      const text = fs.readFileSync(path.join(work, f), 'utf8');
      if (/LEAK SUMMARY|All heap blocks were freed/.test(text)) summaries++;
      for (const b of blocks(text)) {
        const head = b[0] || '';
        const ours = b.some((l) => l.includes(`${REPO}/mod_auth_jwt/`) || l.includes('mod_auth_jwt.so'));
        if (/definitely lost in loss record/.test(head)) {
          if (ours) moduleLeaks.push(b.join('\n'));
          else otherDefinite += Number((head.match(/^([\d,]+) /) || [0, '0'])[1].replace(/,/g, ''));
        } else if (/^(Invalid (read|write|free)|Conditional jump|Use of uninitialised|Mismatched free|Syscall param)/.test(head) && ours) {
          moduleErrors.push(b.join('\n'));
        }
      }
    }
    check('valgrind wrote its leak summary at exit', summaries > 0, `${logs.length} log(s), ${summaries} with a summary`);
    check('no memory error in mod_auth_jwt', moduleErrors.length === 0, moduleErrors.slice(0, 2).join('\n---\n') || 'none');
    check('no definite leak attributed to mod_auth_jwt', moduleLeaks.length === 0,
      moduleLeaks.slice(0, 3).join('\n---\n') || `none (definitely lost elsewhere: ${otherDefinite} bytes)`);
  }
  if (process.env.LEAK_KEEP_LOGS) console.log(`valgrind logs kept in ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
  const pass = results.filter(Boolean).length;
  console.log(`${pass} passed, ${results.length - pass} failed, 0 skipped`);
  process.exitCode = pass === results.length ? 0 : 1;
}

main();
