'use strict';
/*
 * soak.js -- a bounded load test of the real httpd + mod_auth_jwt under faults (issue 8).
 *
 *   JWT_BUILD_DIR=build node tests/soak/soak.js      (env: SOAK_SECONDS=300, SOAK_MPM=event,
 *                                                      SOAK_CONNS=32, SOAK_THREADS=2)
 *
 * wrk (tests/soak/soak.lua) sends a shuffled mix of tokens for SOAK_SECONDS: valid ones from
 * PEM keys (signed by the npm package jose), from the secrets file and from a remote JWKS;
 * expired, tampered, random-kid, garbage, wrong-alg, missing ones; a claim rule that refuses
 * (403); a JWKS URL that never answers (the documented 503); tokens that expire, and tokens
 * whose nbf arrives, during the run. Meanwhile:
 *   - the JWKS server fails in windows (500, dropped connection, 3 s stall, garbage, 5 MiB),
 *     and once, away from those windows, rotates: key rot-a leaves, rot-b arrives;
 *   - the admin page (jwt-admin.cgi through httpd) rotates, retires and deletes secrets every
 *     ~2 s, and deletes the secret "doomed" at a set time;
 *   - the secrets file is read and parsed every 20 ms;
 *   - at T_REVOKE, the tokens of class "ends" at /r/ (AuthJWTRevocation On over shmcb) are
 *     revoked through jwt-revoke-handler (RFC 7009) while wrk keeps sending them (issue 25);
 *   - every httpd child's RSS is read at minute 1 (or 20 % of a shorter run) and at the end.
 * wrk's script judges every answer (see soak.lua). The checks below print one line each and
 * the run ends with "N passed, N failed, 0 skipped"; exit status 1 when any check failed.
 * The RSS check (growth under 5 %) is only judged on runs of 300 s or more: a shorter run is
 * still filling its caches.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const { startHttpd, request, freePort, sleep, IS_ROOT, adminCgi } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile } = require('../integration/lib/keys');
const t = require('../integration/lib/tokens');
const { startJwksServer, makeSigner } = require('../jwks/lib/jwks-server');

const D = Number(process.env.SOAK_SECONDS || 300);
const MPM = process.env.SOAK_MPM || 'event';
const CONNS = Number(process.env.SOAK_CONNS || 32);
const THREADS = Number(process.env.SOAK_THREADS || 2);
const MARGIN = 8;          // seconds either answer is right around a scheduled change
const LEEWAY = 5;
const JWKS_REFRESH = 5;
const JWKS_REFETCH = 2;
const JWKS_TIMEOUT = 2;
const CGI = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const LUA = path.join(__dirname, 'soak.lua');

const results = [];
function check(name, ok, detail) {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` -- ${detail}` : ''}`);
}
const nowS = () => Math.floor(Date.now() / 1000);

/* ---------- schedule (seconds after wrk starts) ---------- */
const T_EXPIRE = Math.round(0.3 * D);   // "ends" tokens at /k/: exp + leeway
const T_ROTATE = Math.round(0.45 * D);  // JWKS: rot-a leaves, rot-b arrives
const T_DOOMED = Math.round(0.6 * D);   // admin page deletes secret "doomed"
const T_NBF = Math.round(0.75 * D);     // "starts" tokens at /k/: nbf - leeway
const T_REVOKE = Math.round(0.5 * D);   // "ends" tokens at /r/: revoked through /revoke/
/* Fault windows of the JWKS server, kept clear of the rotation so that the rotation is
 * seen on time (a failing refresh keeps the old keys, by design). */
function faultWindows() {
  const len = Math.max(2, Math.round(0.05 * D));
  const every = Math.max(len + 3, Math.round(0.1 * D));
  const modes = [['status', 500], ['drop'], ['slow', 3000], ['garbage'], ['huge', { bytes: 5 * 1024 * 1024 }]];
  const out = [];
  for (let s = Math.max(3, Math.round(0.05 * D)), k = 0; s + len < D - 3; s += every) {
    if (s + len > T_ROTATE - MARGIN - JWKS_REFRESH && s < T_ROTATE + 2 * MARGIN + JWKS_REFRESH) continue;
    out.push({ start: s, end: s + len, mode: modes[k % modes.length] });
    k++;
  }
  return out;
}

/* ---------- keys and tokens ---------- */
function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

async function makeRequests(st, t0) {
  const { keys } = st;
  const lines = [];
  const add = (loc, cls, tm, token, weight = 1) => {
    for (let i = 0; i < weight; i++) lines.push(`/${loc}/${cls}/${tm}/ok.txt\t${token || ''}`);
  };
  const now = nowS();
  const pem = [['RS256', keys.rsa.privateKey, 'k-rsa'], ['ES256', keys.ec256.privateKey, 'k-ec'],
    ['EdDSA', keys.ed25519.privateKey, 'k-ed']];
  // Valid tokens from PEM keys, signed by jose: 3000 distinct ones (more than the 2000-entry
  // cache: hits, misses and evictions all happen), each sent a few times.
  for (let i = 0; i < 3000; i++) {
    const [alg, key, kid] = pem[i % 3];
    const tok = await t.joseSign({ alg, key, header: { kid }, payload: { sub: `u${i}`, iat: now, exp: now + D + 3600 } });
    add('k', 'valid', 0, tok, 2);
    if (i % 10 === 0) add('k', 'tampered', 0, t.tamperSignature(tok));
    if (i % 10 === 1) add('kc', 'forbidden', 0, tok);     // no role=admin claim
  }
  for (const [alg, key, kid] of pem) {
    for (let i = 0; i < 50; i++) {
      add('kc', 'valid', 0, await t.joseSign({ alg, key, header: { kid }, payload: { sub: `a${i}`, role: 'admin', iat: now, exp: now + D + 3600 } }), 4);
      add('k', 'expired', 0, await t.joseSign({ alg, key, header: { kid }, payload: { sub: 'x', iat: now - 7200, exp: now - 3600 - i } }), 2);
      add('k', 'randkid', 0, t.rawSign({ alg: 'RS256', key: keys.rsaAttacker.privateKey,
        header: { alg: 'RS256', kid: crypto.randomUUID() }, payload: { sub: 'x', exp: now + 3600 } }), 2);
      // ends: exp + leeway = T_EXPIRE; starts: nbf - leeway = T_NBF (checked again on cache hits)
      add('k', 'ends', t0 + T_EXPIRE, await t.joseSign({ alg, key, header: { kid }, payload: { sub: `e${i}`, iat: now, exp: t0 + T_EXPIRE - LEEWAY } }), 4);
      add('k', 'starts', t0 + T_NBF, await t.joseSign({ alg, key, header: { kid }, payload: { sub: `n${i}`, iat: now, nbf: t0 + T_NBF + LEEWAY, exp: now + D + 3600 } }), 4);
    }
  }
  // HS256 with the RSA public key as the secret (key confusion), and alg none
  for (let i = 0; i < 20; i++) {
    add('k', 'wrongalg', 0, t.rawSign({ alg: 'HS256', key: fs.readFileSync(keys.rsa.pubPath), header: { alg: 'HS256', kid: 'k-rsa' }, payload: { sub: `c${i}`, exp: now + 3600 } }), 2);
    add('k', 'wrongalg', 0, `${t.seg({ alg: 'none' })}.${t.seg({ sub: `n${i}`, exp: now + 3600 })}.`, 2);
  }
  // garbage and missing tokens
  for (let i = 0; i < 100; i++) {
    add('k', 'garbage', 0, [crypto.randomBytes(12).toString('base64url'), crypto.randomBytes(40).toString('base64url'),
      crypto.randomBytes(20).toString('base64url')].slice(0, 1 + (i % 3)).join('.'));
  }
  add('k', 'notoken', 0, null, 100);

  // Secrets file: stable and active0 are never touched; doomed is deleted at T_DOOMED.
  const hs = (kid, k, i, extra = {}) => t.rawSign({ alg: 'HS256', key: k, header: { alg: 'HS256', typ: 'JWT', kid },
    payload: { sub: `s${i}`, iat: now, exp: now + D + 3600, ...extra } });
  for (let i = 0; i < 1000; i++) {
    add('s', 'valid', 0, hs(i % 2 ? 'stable' : 'active0', i % 2 ? st.secrets.stable : st.secrets.active0, i), 2);
    if (i % 4 === 0) add('s', 'ends', t0 + T_DOOMED, hs('doomed', st.secrets.doomed, i), 2);
    if (i % 10 === 0) add('s', 'tampered', 0, t.tamperSignature(hs('stable', st.secrets.stable, i)));
    if (i % 10 === 1) add('s', 'randkid', 0, hs(crypto.randomUUID(), crypto.randomBytes(32), i));
    if (i % 10 === 2) add('s', 'expired', 0, hs('stable', st.secrets.stable, i, { iat: now - 7200, exp: now - 3600 }));
  }

  // Remote JWKS: stable always published; rot-a until T_ROTATE, rot-b from T_ROTATE;
  // random kids (each may trigger a rate-limited refetch).
  for (let i = 0; i < 1000; i++) {
    const p = { sub: `j${i}`, exp: now + D + 3600 };
    add('j', 'valid', 0, st.jwks.stable.sign(p), 2);
    if (i % 4 === 0) add('j', 'ends', t0 + T_ROTATE, st.jwks.rotA.sign(p), 2);
    if (i % 4 === 1) add('j', 'starts', t0 + T_ROTATE, st.jwks.rotB.sign(p), 2);
    if (i % 4 === 2) add('j', 'randkid', 0, st.jwks.stable.sign(p, { kid: crypto.randomUUID() }));
    if (i % 10 === 3) add('j', 'tampered', 0, t.tamperSignature(st.jwks.stable.sign(p)));
    if (i % 10 === 4) add('j', 'expired', 0, st.jwks.stable.sign({ sub: 'x', iat: now - 7200, exp: now - 3600 }));
    if (i % 20 === 5) add('d', 'down', 0, st.jwks.stable.sign(p));
  }
  // Revocation (issue 25): /r/ refuses revoked tokens; the "ends" ones are revoked at T_REVOKE
  st.toRevoke = [];
  for (let i = 0; i < 300; i++) {
    const [alg, key, kid] = pem[i % 3];
    const tok = await t.joseSign({ alg, key, header: { kid }, payload: { sub: `r${i}`, jti: `r-${i}-${crypto.randomUUID()}`, iat: now, exp: now + D + 3600 } });
    if (i % 3 === 0) { add('r', 'ends', t0 + T_REVOKE, tok, 2); st.toRevoke.push(tok); } else add('r', 'valid', 0, tok, 2);
  }
  return shuffle(lines);
}

/* ---------- the server ---------- */
function conf(st) {
  const keyLines = `AuthJWTKeyFile "${st.keys.rsa.pubPath}" kid=k-rsa
  AuthJWTKeyFile "${st.keys.ec256.pubPath}" kid=k-ec
  AuthJWTKeyFile "${st.keys.ed25519.pubPath}" kid=k-ed
  AuthJWTLeeway ${LEEWAY}`;
  const jwks = (url) => `AuthJWTJWKSURL ${url}
  AuthJWTJWKSRefresh ${JWKS_REFRESH}
  AuthJWTJWKSRefetchInterval ${JWKS_REFETCH}
  AuthJWTJWKSTimeout ${JWKS_TIMEOUT}
  AuthJWTJWKSMaxStale 3600`;
  return `
# Every child lives for the whole run (RSS is compared per process), and each child has more
# workers than wrk has connections: a child of mpm_event whose workers are all busy closes
# its idle keep-alive connections (wrk would count read errors that are not ours).
ServerLimit 2
StartServers 2
ThreadLimit 48
ThreadsPerChild 48
MaxRequestWorkers 96
MinSpareThreads 8
MaxSpareThreads 192
MaxConnectionsPerChild 0
${process.env.SOAK_EXTRA_CONF || ''}
AuthJWTCacheSize 2000
AuthJWTRevocationCache shmcb
Header always set X-Case "expr=%{REQUEST_URI}"
<Location /k/>
  AuthType jwt
  AuthName soak
  ${keyLines}
  Require valid-user
</Location>
<Location /kc/>
  AuthType jwt
  AuthName soak
  ${keyLines}
  Require jwt-claim role=admin
  AuthzSendForbiddenOnFailure On
</Location>
<Location /s/>
  AuthType jwt
  AuthName soak
  AuthJWTSecretsFile "${st.secretsFile}"
  Require valid-user
</Location>
<Location /j/>
  AuthType jwt
  AuthName soak
  ${jwks(st.jwksServer.url('/jwks.json'))}
  Require valid-user
</Location>
<Location /d/>
  AuthType jwt
  AuthName soak
  ${jwks(`http://127.0.0.1:${st.deadPort}/jwks.json`)}
  Require valid-user
</Location>
<Location /r/>
  AuthType jwt
  AuthName soak
  ${keyLines}
  AuthJWTRevocation On
  Require valid-user
</Location>
<Location /revoke/>
  SetHandler jwt-revoke-handler
  ${keyLines}
</Location>
ScriptAlias /admin "${adminCgi()}"
<Location /admin>
  AuthType jwt
  AuthName soak-admin
  AuthJWTKeyFile "${st.keys.rsa.pubPath}" kid=k-rsa
  Require jwt-claim sub=operator
  SetEnv JWT_ADMIN_SECRETS_FILE "${st.secretsFile}"
  SetEnv JWT_ADMIN_AUDIT_LOG "${st.secretsDir}/audit.log"
</Location>
`;
}

/* ---------- the admin page, driven over HTTP like a browser would ---------- */
function adminClient(srv, token) {
  const auth = { Authorization: `Bearer ${token}` };
  const field = (html, name) => (html.match(new RegExp(`name="${name}" value="([^"]*)"`)) || [])[1];
  async function form() {
    const r = await request(srv.base, '/admin?page=secrets', { headers: auth });
    if (r.status !== 200) throw new Error(`admin GET: ${r.status}`);
    return { csrf: field(r.body, 'csrf'), version: field(r.body, 'version') };
  }
  async function post(fields) {
    const { csrf, version } = await form();
    const body = new URLSearchParams({ csrf, version, ...fields }).toString();
    const r = await request(srv.base, '/admin?page=secrets', {
      method: 'POST', body,
      headers: { ...auth, Origin: srv.base, 'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': Buffer.byteLength(body) },
    });
    return r.status;
  }
  return { post };
}

/* ---------- samplers ---------- */
function childPids(parent) {
  const r = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => {
    try { return /apache2/.test(fs.readFileSync(`/proc/${pid}/comm`, 'utf8')); } catch (_) { return false; }
  });
}
function rssOf(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : null;
  } catch (_) { return null; }
}

/* Keys, the secrets file (writable by the CGI, which runs as www-data), the JWKS server with
 * its three signers, a port where nothing listens. cleanup() removes it all. */
async function makeState() {
  if (!fs.existsSync(CGI)) throw new Error(`${CGI} not built (make admin-cgi/jwt-admin.cgi)`);
  const keys = generateKeys({ only: ['rsa', 'rsaAttacker', 'ec256', 'ed25519'] });
  const secretsDir = path.join(keys.dir, 'secrets');
  fs.mkdirSync(secretsDir, { mode: 0o750 });
  const secretsFile = path.join(secretsDir, 'secrets.jwks');
  const secrets = { stable: crypto.randomBytes(32), active0: crypto.randomBytes(32), doomed: crypto.randomBytes(32) };
  writeSecretsFile(secretsFile, [
    { kid: 'active0', alg: 'HS256', k: secrets.active0, status: 'active' },
    { kid: 'stable', alg: 'HS256', k: secrets.stable, status: 'verify' },
    { kid: 'doomed', alg: 'HS256', k: secrets.doomed, status: 'verify' },
  ]);
  if (IS_ROOT) spawnSync('chown', ['-R', 'www-data:www-data', secretsDir]);
  const jwksServer = await startJwksServer({});
  const jwks = { stable: makeSigner('stable'), rotA: makeSigner('rot-a', 'rsa'), rotB: makeSigner('rot-b', 'ed25519') };
  jwksServer.publish('/jwks.json', [jwks.stable.jwk, jwks.rotA.jwk]);
  const deadPort = await freePort();   // nothing listens there: the JWKS is never reachable
  return {
    keys, secretsDir, secretsFile, secrets, jwksServer, jwks, deadPort,
    async cleanup() { await jwksServer.close(); keys.cleanup(); },
  };
}

async function main() {
  const st = await makeState();
  const { keys, secretsFile, jwksServer, jwks } = st;
  const srv = await startHttpd({ conf: conf(st), mpm: MPM, name: 'soak', modules: ['socache_shmcb'] });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-soak-'));
  let failedEarly = null;
  try {
    // The time-dependent tokens name absolute times: wrk starts at a time fixed beforehand.
    const start = nowS() + 30;
    const lines = await makeRequests(st, start);
    const reqFile = path.join(work, 'requests.txt');
    fs.writeFileSync(reqFile, `${lines.join('\n')}\n`);
    console.log(`soak: ${D} s, MPM ${MPM}, wrk -t${THREADS} -c${CONNS}, ${lines.length} requests in the mix; `
      + `expiry at +${T_EXPIRE} s, JWKS rotation at +${T_ROTATE} s, secret deletion at +${T_DOOMED} s, nbf at +${T_NBF} s, revocations at +${T_REVOKE} s`);

    // sanity before load: each location answers as the script expects
    const probe = async (p, tok) => (await request(srv.base, p, { headers: tok ? { Authorization: `Bearer ${tok}` } : {} })).status;
    const pick = (prefix) => lines.find((l) => l.startsWith(prefix)).split('\t')[1];
    const pre = [await probe('/k/valid/0/ok.txt', pick('/k/valid/')), await probe('/s/valid/0/ok.txt', pick('/s/valid/')),
      await probe('/j/valid/0/ok.txt', pick('/j/valid/')), await probe('/k/tampered/0/ok.txt', pick('/k/tampered/'))];
    check('each location answers before the load (200 200 200 401)', pre.join(' ') === '200 200 200 401', pre.join(' '));

    if (nowS() >= start) throw new Error('minting the tokens took longer than the 30 s planned for it');
    await sleep(start * 1000 - Date.now());
    const wrk = spawn('wrk', [`-t${THREADS}`, `-c${CONNS}`, `-d${D}s`, '--timeout', '10s', '-s', LUA, srv.base, '--', reqFile, String(MARGIN)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let wrkOut = '';
    wrk.stdout.on('data', (d) => { wrkOut += d; });
    wrk.stderr.on('data', (d) => { wrkOut += d; });
    const wrkDone = new Promise((resolve) => wrk.once('exit', resolve));
    const at = (s) => (start + s) * 1000 - Date.now();
    const timers = [];
    const later = (s, fn) => timers.push(setTimeout(fn, Math.max(0, at(s))));

    // JWKS faults and rotation
    const windows = faultWindows();
    for (const w of windows) {
      later(w.start, () => jwksServer.setMode('/jwks.json', ...w.mode));
      later(w.end, () => jwksServer.setMode('/jwks.json', 'ok'));
    }
    later(T_ROTATE, () => jwksServer.publish('/jwks.json', [jwks.stable.jwk, jwks.rotB.jwk]));
    // revocations during the load: every "ends" token of /r/, through the RFC 7009 endpoint
    const revoked = {};
    let revokedAt = null;
    later(T_REVOKE, async () => {
      // ten at a time: all of them well within MARGIN of T_REVOKE on a loaded machine
      for (let i = 0; i < st.toRevoke.length; i += 10) {
        await Promise.all(st.toRevoke.slice(i, i + 10).map(async (tok) => {
          const r = await request(srv.base, '/revoke/', { method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${tok}` });
          revoked[r.status] = (revoked[r.status] || 0) + 1;
        }));
      }
      revokedAt = nowS() - start;
    });

    // admin page: rotate / retire / delete its own secrets; delete "doomed" at T_DOOMED - 1
    const admin = adminClient(srv, await t.joseSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'k-rsa' },
      payload: { sub: 'operator', exp: nowS() + D + 3600 } }));
    const adminStatus = {};
    const note = (what, s) => { const k = `${what} ${s}`; adminStatus[k] = (adminStatus[k] || 0) + 1; };
    let doomedAt = null;
    let stop = false;
    const adminLoop = (async () => {
      for (let n = 0; !stop; n++) {
        try {
          if (doomedAt === null && nowS() >= start + T_DOOMED - 1) {
            note('delete-doomed', await admin.post({ action: 'delete', kid: 'doomed', confirm: 'yes' }));
            doomedAt = nowS() - start;
          }
          note('rotate', await admin.post({ action: 'rotate', alg: 'HS256', kid: `soak-r${n}` }));
          if (n >= 2) note('retire', await admin.post({ action: 'retire', kid: `soak-r${n - 2}` }));
          if (n >= 3) note('delete', await admin.post({ action: 'delete', kid: `soak-r${n - 3}`, confirm: 'yes' }));
        } catch (e) { note(`error ${e.message}`, 0); }
        await sleep(2000);
      }
    })();

    // secrets file: always whole, valid JSON
    const json = { reads: 0, bad: 0, versions: new Set(), firstBad: null };
    const sampler = setInterval(() => {
      try {
        const text = fs.readFileSync(secretsFile, 'utf8');
        json.reads++;
        const doc = JSON.parse(text);
        if (!Array.isArray(doc.keys)) throw new Error('no keys array');
        json.versions.add(crypto.createHash('sha256').update(text).digest('hex'));
      } catch (e) { json.bad++; json.firstBad = json.firstBad || e.message; }
    }, 20);

    // child RSS at minute 1 (20 % of shorter runs) and just before the end
    const rss = {};
    const sampleRss = (label) => {
      rss[label] = {};
      for (const pid of childPids(srv.pid)) rss[label][pid] = rssOf(pid);
    };
    later(Math.min(60, Math.round(0.2 * D)), () => sampleRss('early'));
    later(D - 2, () => sampleRss('late'));
    // the series in between (every 10 % of the run), printed for the record
    const series = [];
    for (let k = 1; k <= 9; k++) {
      later(Math.round((k * D) / 10), () => {
        series.push(`+${Math.round((k * D) / 10)}s ${childPids(srv.pid).map(rssOf).join('/')}`);
      });
    }

    const code = await wrkDone;
    stop = true;
    clearInterval(sampler);
    for (const tm of timers) clearTimeout(tm);
    await adminLoop;
    jwksServer.setMode('/jwks.json', 'ok');

    // ---------- judging ----------
    check('wrk ran to the end', code === 0, `exit ${code}`);
    const counts = [...wrkOut.matchAll(/^SOAK-COUNT (\S+) (\d+) (\d+) wrong (\d+)$/gm)]
      .map((m) => ({ cls: m[1], status: Number(m[2]), n: Number(m[3]), wrong: Number(m[4]) }));
    const errs = wrkOut.match(/^SOAK-ERRORS connect (\d+) read (\d+) write (\d+) timeout (\d+) status \d+ requests (\d+)$/m);
    const total = counts.reduce((a, c) => a + c.n, 0);
    console.log(`answers by case and status (${total} requests, ${Math.round(total / D)} req/s):`);
    for (const c of counts.sort((a, b) => a.cls.localeCompare(b.cls) || a.status - b.status)) {
      console.log(`  ${c.cls.padEnd(12)} ${c.status}  ${String(c.n).padStart(9)}${c.wrong ? `   WRONG ${c.wrong}` : ''}`);
    }
    const wrong = counts.reduce((a, c) => a + c.wrong, 0);
    check('every answer was the right decision', total > 0 && wrong === 0, `${wrong} wrong of ${total}`);
    const fivexx = counts.filter((c) => c.status >= 500 && c.cls !== 'd/down').reduce((a, c) => a + c.n, 0);
    const down = counts.filter((c) => c.cls === 'd/down' && c.status === 503).reduce((a, c) => a + c.n, 0);
    check('no 5xx except the documented 503 (JWKS never reachable)', fivexx === 0 && down > 0, `${fivexx} other 5xx, ${down} documented 503`);
    check('no socket errors or timeouts in wrk', !!errs && errs.slice(1, 5).every((x) => x === '0'),
      errs ? `connect ${errs[1]} read ${errs[2]} write ${errs[3]} timeout ${errs[4]}` : 'no SOAK-ERRORS line');
    const seen = (cls, status) => counts.filter((c) => c.cls === cls && c.status === status).reduce((a, c) => a + c.n, 0);
    check('every revocation during the load was stored (200)', revokedAt !== null && revoked[200] === st.toRevoke.length,
      `${JSON.stringify(revoked)} of ${st.toRevoke.length}, done at +${revokedAt} s`);
    for (const [cls, a, b] of [['k/ends', 200, 401], ['k/starts', 401, 200], ['j/ends', 200, 401], ['j/starts', 401, 200], ['s/ends', 200, 401], ['r/ends', 200, 401]]) {
      check(`${cls}: both sides of the change were seen`, seen(cls, a) > 0 && seen(cls, b) > 0, `${a}: ${seen(cls, a)}, ${b}: ${seen(cls, b)}`);
    }
    const adminOk = Object.entries(adminStatus).every(([k]) => / 200$/.test(k));
    check('every admin page change succeeded', adminOk && (adminStatus['rotate 200'] || 0) >= 2 && doomedAt !== null,
      `${JSON.stringify(adminStatus)}, doomed deleted at +${doomedAt} s`);
    check('the secrets file was valid JSON at every read', json.reads > 0 && json.bad === 0,
      `${json.reads} reads, ${json.bad} bad${json.firstBad ? ` (${json.firstBad})` : ''}, ${json.versions.size} versions`);
    const fetches = jwksServer.count('/jwks.json');
    const bound = Math.ceil(D / JWKS_REFETCH) + Math.ceil(D / JWKS_REFRESH) + 4;
    check('JWKS fetches stayed rate-limited under random kids and faults', fetches > 0 && fetches <= bound,
      `${fetches} fetches (bound ${bound}); fault windows ${windows.map((w) => `${w.start}-${w.end}s ${w.mode[0]}`).join(', ')}`);
    const log = srv.errorLog();
    const crashes = log.split('\n').filter((l) => /exit signal|AddressSanitizer|child pid \d+ exit/i.test(l));
    check('no child crashed', crashes.length === 0, crashes.slice(0, 3).join(' | ') || 'error log clean');
    const pids = Object.keys(rss.early || {}).filter((p) => rss.late && rss.late[p]);
    const growth = pids.map((p) => (rss.late[p] - rss.early[p]) / rss.early[p]);
    const sum = (o) => pids.reduce((a, p) => a + o[p], 0);
    const detail = pids.length ? `children ${pids.length}, RSS ${sum(rss.early)} kB -> ${sum(rss.late)} kB, `
      + `largest growth ${(100 * Math.max(...growth)).toFixed(2)} %` : `no child sampled at both times: ${JSON.stringify(rss)}`;
    console.log(`info child RSS kB over the run (per child): ${series.join(', ')}`);
    if (D >= 300) check('child RSS grew under 5 % between minute 1 and the end', pids.length > 0 && Math.max(...growth) < 0.05, detail);
    else console.log(`info child RSS (not judged, run shorter than 300 s): ${detail}`);
  } catch (e) {
    failedEarly = e;
  } finally {
    await srv.stop();
    fs.rmSync(work, { recursive: true, force: true });
    await st.cleanup();
  }
  if (failedEarly) {
    console.log(`FAIL soak stopped early: ${failedEarly.stack || failedEarly}`);
    results.push(false);
  }
  const pass = results.filter(Boolean).length;
  console.log(`${pass} passed, ${results.length - pass} failed, 0 skipped`);
  process.exitCode = pass === results.length ? 0 : 1;
}

if (require.main === module) main();
module.exports = { makeState, conf, makeRequests, childPids, rssOf };
