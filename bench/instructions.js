'use strict';
/* bench/instructions.js -- instructions the module executes per request, counted by
 * callgrind: a figure that does not drift with the machine, unlike req/s and CPU time on a
 * shared VM. One httpd (-X: a single process) under `valgrind --tool=callgrind`, counting
 * only inside jwt_check_authn (the whole authentication: token search, cache, parse,
 * verification, claims, REMOTE_USER and JWT_CLAIM_* export). A small node client sends, over
 * one keep-alive connection, a fixed number of requests (INSTR_REQUESTS, default 2000): first
 * the same HS256 token again and again (the hit path), then, in another server, the distinct
 * HS256 tokens of bench/run.sh (every request a miss). The figure per request is a slope:
 * each case runs twice, once answering only the first request and once the first and
 * INSTR_REQUESTS more, and the difference is divided by INSTR_REQUESTS, so what only the first
 * request pays is left out and the result does not drift with the machine's load (with a
 * fixed duration, a loaded machine spread the first request over fewer requests).
 *   node bench/instructions.js [STATE]    (STATE: bench/run.sh's BENCH_STATE, for its keys
 *                                          and tokens; run bench/run.sh once first)
 * A second table counts the whole request instead (ap_process_async_request: everything
 * after the request head is read -- location walk and per-directory config merge, auth,
 * handler, output filters, logging), for /open/ sent the same header and for the same-token
 * hits: the module's share of a request's user-space instructions, the drift-free side of the
 * same-token target (the kernel's part of a request, most of its CPU on a loopback benchmark,
 * is not counted by callgrind).
 * Env: JWT_BUILD_DIR (default build/); INSTR_REQUESTS (default 2000); INSTR_RUNS (servers
 * for the longer run, default 3: the median is reported); INSTR_WHOLE=0 skips the
 * whole-request table; INSTR_DECRYPTION_KEY=PEM adds AuthJWTDecryptionKey PEM
 * to the location (encryption optional: the decrypt stage then looks at every plain JWS, to
 * show what it costs one, issue 24); INSTR_DPOP=1 adds a row for a DPoP-bound RS256 token
 * (RFC 9449, issue 28) sent with a fresh ES256 proof per request (token and proofs minted
 * here with jose and npm dpop); INSTR_KEEP=DIR keeps each case's callgrind file in
 * DIR, from the run with 1 + INSTR_REQUESTS requests (callgrind_annotate --inclusive=yes
 * DIR/same-token-hits-.out). Under valgrind OpenSSL
 * does not use the CPU's SHA instructions, so SHA-256 and HMAC count several times what they
 * cost natively; the non-crypto parts count as they run. */
const path = require('node:path');
const fs = require('node:fs');
const http = require('node:http');

const top = path.resolve(__dirname, '..');
process.env.JWT_BUILD_DIR = process.env.JWT_BUILD_DIR || path.join(top, 'build');
const { startHttpd } = require(path.join(top, 'tests/integration/lib/httpd'));

const REQUESTS = Number(process.env.INSTR_REQUESTS || 2000);
const RUNS = Number(process.env.INSTR_RUNS || 3);
if (!Number.isInteger(REQUESTS) || REQUESTS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('instructions: INSTR_REQUESTS and INSTR_RUNS must be positive integers');
  process.exit(2);
}
const state = path.resolve(process.argv[2] || process.env.BENCH_STATE || path.join(top, '.state/bench'));
for (const f of ['hs256.jwk', 'single-HS256.txt', 'tokens-HS256.txt']) {
  if (!fs.existsSync(path.join(state, f))) {
    console.error(`instructions: ${state}/${f} missing (run bench/run.sh once with BENCH_STATE=${state})`);
    process.exit(2);
  }
}

const conf = `LogLevel warn
<Location /hs/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "${state}/hs256.jwk"
  AuthJWTAlgorithms HS256
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
${process.env.INSTR_DECRYPTION_KEY ? `  AuthJWTDecryptionKey "${process.env.INSTR_DECRYPTION_KEY}"\n` : ''}  Require valid-user
</Location>
${process.env.INSTR_DPOP === '1' ? `<Location /rs-dpop/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "${state}/rs256.pub.pem" kid=bench-rs
  AuthJWTAlgorithms RS256 ES256
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  AuthJWTBinding dpop
  AuthJWTDPoPURL https://api.example
  AuthJWTDPoPWindow 3600
  Require valid-user
</Location>
` : ''}`;

/* Total Ir of the callgrind output (collected inside jwt_check_authn only). */
function totalInstructions(file) {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

/* Sends `count` GETs one after the other over one keep-alive connection (an http.Agent with
 * keepAlive and maxSockets 1: the server sees a single connection, as wrk -c1 gave); the
 * i-th request carries header(i). Any answer but 200 is an error: a 401 would measure the
 * failure path instead. */
async function send(url, count, header) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (i) => new Promise((resolve, reject) => {
    const h = header(i);
    const headers = typeof h === 'string' ? { Authorization: h } : h;
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve()
        : reject(new Error(`request ${i}: ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
  for (let i = 0; i < count; i++) await one(i);
  agent.destroy();
}

/* Ir of one callgrind run: a fresh httpd -X under callgrind answering `count` requests. */
async function run(label, count, header, { toggle, loc }) {
  const out = fs.mkdtempSync('/tmp/jwt-instr-');
  fs.chmodSync(out, 0o777);                     // the child runs as www-data
  const srv = await startHttpd({
    conf, mpm: 'event', name: `instr-${label}-${count}`, args: ['-X'],
    modules: process.env.INSTR_DPOP === '1' ? ['socache_shmcb'] : [],
    startTimeoutMs: 120000, stopTimeoutMs: 120000,
    wrapper: ['valgrind', '--tool=callgrind', `--toggle-collect=${toggle}`,
      `--callgrind-out-file=${out}/cg.%p.out`],
  });
  // valgrind made its file as root at start; apache2 writes it at exit as www-data
  for (const f of fs.readdirSync(out)) fs.chmodSync(path.join(out, f), 0o666);
  const url = `${srv.base}${loc}ok.txt`;      // the test server's small static file (any path)
  try {
    await send(url, count, header);
  } catch (e) {
    await srv.stop();
    throw new Error(`${label}: ${e.message}`);
  }
  // httpd logs a request after its answer has gone out: wait for the last line (stop()
  // removes the server's folder, the log with it)
  const answered = () => srv.accessLog().split('\n').filter((l) => / 200 /.test(l)).length;
  for (let i = 0; i < 300 && answered() < count; i++) await new Promise((res) => setTimeout(res, 100));
  const requests = answered();
  await srv.stop();
  if (requests !== count) throw new Error(`${label}: ${requests} answered of ${count}`);
  // valgrind writes its file after apache2 has exited, which may be after stop() returns
  const done = (f) => /^totals:/m.test(fs.readFileSync(f, 'utf8'));
  let files = [];
  for (let i = 0; i < 600; i++) {
    files = fs.readdirSync(out).map((f) => path.join(out, f));
    if (files.length && files.every(done)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const instr = Math.max(...files.map(totalInstructions));   // the -X process's file
  if (process.env.INSTR_KEEP && count > 1) {  // for callgrind_annotate (the last run's)
    const keep = path.join(process.env.INSTR_KEEP, label.replace(/\W+/g, '-') + '.out');
    fs.mkdirSync(process.env.INSTR_KEEP, { recursive: true });
    fs.copyFileSync(files.find((f) => totalInstructions(f) === instr), keep);
  }
  fs.rmSync(out, { recursive: true, force: true });
  return instr;
}

/* Per-request instructions as a slope: one server answers the first request alone, another
 * the first and REQUESTS more; (Ir(1 + REQUESTS) - Ir(1)) / REQUESTS leaves out what only
 * the first request pays (the connection's state, the first miss of the same-token case,
 * lazy OpenSSL fetches) and does not depend on how fast the machine is. */
/* json-c seeds its string hash per process (and the cache's sets follow a per-start
 * generation), so a process's hash collisions, and with them the distinct-token figure, move
 * by a few hundred instructions from one server to the next: the longer run is made in
 * INSTR_RUNS servers (default 3) and the median slope is the figure, the range beside it. */
async function measure(label, header, { toggle = 'jwt_check_authn', loc = '/hs/' } = {}) {
  const first = await run(label, 1, header, { toggle, loc });
  const slopes = [];
  for (let i = 0; i < RUNS; i++)
    slopes.push((await run(label, 1 + REQUESTS, header, { toggle, loc }) - first) / REQUESTS);
  slopes.sort((a, b) => a - b);
  return { label, requests: REQUESTS, first, perRequest: slopes[(RUNS - 1) >> 1],
    lo: slopes[0], hi: slopes[RUNS - 1] };
}

function spread(rows) {
  console.log(`(slope over ${REQUESTS} requests after the first, median of ${RUNS} servers; range: `
    + rows.map((r) => `${Math.round(r.lo)}..${Math.round(r.hi)}`).join(', ') + ')');
}

(async () => {
  const single = fs.readFileSync(path.join(state, 'single-HS256.txt'), 'utf8').trim();
  const tokens = fs.readFileSync(path.join(state, 'tokens-HS256.txt'), 'utf8').split('\n').filter(Boolean);
  if (tokens.length < 1 + REQUESTS) {
    console.error(`instructions: ${tokens.length} distinct tokens, ${1 + REQUESTS} needed (INSTR_REQUESTS)`);
    process.exit(2);
  }
  const same = () => `Bearer ${single}`;
  const rows = [
    await measure('same token (hits)', same),
    await measure('distinct tokens (misses)', (i) => `Bearer ${tokens[i]}`),
  ];
  console.log('| HS256, one keep-alive connection | requests | instructions per request in jwt_check_authn |');
  console.log('|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.label} | ${r.requests} | ${Math.round(r.perRequest)} |`);
  spread(rows);

  if (process.env.INSTR_DPOP === '1') {
    // one bound token, 1 + REQUESTS proofs of its key (each server is new: its replay store
    // is empty, so every server takes the same proofs)
    const crypto = require('node:crypto');
    const { SignJWT } = require(path.join(top, 'tests/node_modules/jose'));
    const dpop = await import(path.join(top, 'tests/node_modules/dpop/build/index.js'));
    const kp = await dpop.generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'read', cnf: { jkt: await dpop.calculateThumbprint(kp.publicKey) } })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench-rs', typ: 'JWT' })
      .setSubject('user0').setIssuer('https://bench.example/').setAudience('bench')
      .setIssuedAt(now).setExpirationTime(now + 6 * 3600)
      .sign(crypto.createPrivateKey(fs.readFileSync(path.join(state, 'rs256.pem'))));
    const proofs = [];
    for (let i = 0; i < 1 + REQUESTS; i++)
      proofs.push(await dpop.generateProof(kp, 'https://api.example/rs-dpop/ok.txt', 'GET', undefined, token));
    const bound = await measure('DPoP-bound RS256, a fresh proof each',
      (i) => ({ Authorization: `DPoP ${token}`, DPoP: proofs[i] }), { loc: '/rs-dpop/' });
    console.log('');
    console.log('| DPoP, one keep-alive connection | requests | instructions per request in jwt_check_authn |');
    console.log('|---|---:|---:|');
    console.log(`| ${bound.label} | ${bound.requests} | ${Math.round(bound.perRequest)} |`);
    spread([bound]);
  }

  if (process.env.INSTR_WHOLE === '0') return;
  // /open/ has no <Location>: no auth, and no section to merge (which any auth module's
  // location pays: authz_core's and authn_core's merges as well as ours)
  const whole = { toggle: 'ap_process_async_request' };
  const open = await measure('whole request, /open/ (same header)', same, { ...whole, loc: '/open/' });
  const hits = await measure('whole request, same token (hits)', same, whole);
  console.log('');
  console.log('| whole request (ap_process_async_request), same HS256 header | requests | instructions per request |');
  console.log('|---|---:|---:|');
  for (const r of [open, hits]) console.log(`| ${r.label} | ${r.requests} | ${Math.round(r.perRequest)} |`);
  const d = hits.perRequest - open.perRequest;
  console.log(`| module's hit over /open/ | | +${Math.round(d)} (+${(100 * d / open.perRequest).toFixed(0)} %) |`);
  spread([open, hits]);
})().catch((e) => { console.error(e); process.exit(1); });
