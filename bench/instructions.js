'use strict';
/* bench/instructions.js -- instructions the module executes per request, counted by
 * callgrind: a figure that does not drift with the machine, unlike req/s and CPU time on a
 * shared VM. One httpd (-X: a single process) under `valgrind --tool=callgrind`, counting
 * only inside jwt_check_authn (the whole authentication: token search, cache, parse,
 * verification, claims, REMOTE_USER and JWT_CLAIM_* export). wrk sends, over one keep-alive
 * connection for 8 s, first the same HS256 token again and again (the hit path), then, in a
 * second server, the distinct HS256 tokens of bench/run.sh (every request a miss).
 *   node bench/instructions.js [STATE]    (STATE: bench/run.sh's BENCH_STATE, for its keys
 *                                          and tokens; run bench/run.sh once first)
 * A second table counts the whole request instead (ap_process_async_request: everything
 * after the request head is read -- location walk and per-directory config merge, auth,
 * handler, output filters, logging), for /open/ sent the same header and for the same-token
 * hits: the module's share of a request's user-space instructions, the drift-free side of the
 * same-token target (the kernel's part of a request, most of its CPU on a loopback benchmark,
 * is not counted by callgrind).
 * Env: JWT_BUILD_DIR (default build/); INSTR_DECRYPTION_KEY=PEM adds AuthJWTDecryptionKey PEM
 * to the location (encryption optional: the decrypt stage then looks at every plain JWS, to
 * show what it costs one, issue 24); INSTR_KEEP=DIR keeps each case's callgrind file in
 * DIR (callgrind_annotate --inclusive=yes DIR/same-token-hits-.out). Under valgrind OpenSSL
 * does not use the CPU's SHA instructions, so SHA-256 and HMAC count several times what they
 * cost natively; the non-crypto parts count as they run. */
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const top = path.resolve(__dirname, '..');
process.env.JWT_BUILD_DIR = process.env.JWT_BUILD_DIR || path.join(top, 'build');
const { startHttpd } = require(path.join(top, 'tests/integration/lib/httpd'));

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
`;

/* Total Ir of the callgrind output (collected inside jwt_check_authn only). */
function totalInstructions(file) {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

async function measure(label, wrkArgs, { toggle = 'jwt_check_authn', loc = '/hs/' } = {}) {
  const out = fs.mkdtempSync('/tmp/jwt-instr-');
  fs.chmodSync(out, 0o777);                     // the child runs as www-data
  const srv = await startHttpd({
    conf, mpm: 'event', name: `instr-${label}`, args: ['-X'],
    startTimeoutMs: 60000, stopTimeoutMs: 120000,
    wrapper: ['valgrind', '--tool=callgrind', `--toggle-collect=${toggle}`,
      `--callgrind-out-file=${out}/cg.%p.out`],
  });
  // valgrind made its file as root at start; apache2 writes it at exit as www-data
  for (const f of fs.readdirSync(out)) fs.chmodSync(path.join(out, f), 0o666);
  const url = `${srv.base}${loc}ok.txt`;      // the test server's small static file (any path)
  const r = spawnSync('wrk', ['-t1', '-c1', '-d8s', ...wrkArgs(url)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  if (/Non-2xx/.test(r.stdout)) throw new Error(`${label}: some answers were not 200:\n${r.stdout}`);
  const requests = srv.accessLog().trim().split('\n').filter((l) => / 200 /.test(l)).length;
  await srv.stop();
  // valgrind writes its file after apache2 has exited, which may be after stop() returns
  const done = (f) => /^totals:/m.test(fs.readFileSync(f, 'utf8'));
  let files = [];
  for (let i = 0; i < 600; i++) {
    files = fs.readdirSync(out).map((f) => path.join(out, f));
    if (files.length && files.every(done)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const instr = Math.max(...files.map(totalInstructions));   // the -X process's file
  if (process.env.INSTR_KEEP) {               // for callgrind_annotate: where they go
    const keep = path.join(process.env.INSTR_KEEP, label.replace(/\W+/g, '-') + '.out');
    fs.mkdirSync(process.env.INSTR_KEEP, { recursive: true });
    fs.copyFileSync(files.find((f) => totalInstructions(f) === instr), keep);
  }
  fs.rmSync(out, { recursive: true, force: true });
  return { label, requests, perRequest: instr / requests };
}

(async () => {
  const single = fs.readFileSync(path.join(state, 'single-HS256.txt'), 'utf8').trim();
  const rows = [
    await measure('same token (hits)', (url) => ['-H', `Authorization: Bearer ${single}`, url]),
    await measure('distinct tokens (misses)', (url) => ['-s', path.join(__dirname, 'rotate.lua'), url, '--',
      path.join(state, 'tokens-HS256.txt')]),
  ];
  console.log('| HS256, one keep-alive connection | requests | instructions per request in jwt_check_authn |');
  console.log('|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.label} | ${r.requests} | ${Math.round(r.perRequest)} |`);

  // /open/ has no <Location>: no auth, and no section to merge (which any auth module's
  // location pays: authz_core's and authn_core's merges as well as ours)
  const whole = { toggle: 'ap_process_async_request' };
  const bearer = (url) => ['-H', `Authorization: Bearer ${single}`, url];
  const open = await measure('whole request, /open/ (same header)', bearer, { ...whole, loc: '/open/' });
  const hits = await measure('whole request, same token (hits)', bearer, whole);
  console.log('');
  console.log('| whole request (ap_process_async_request), same HS256 header | requests | instructions per request |');
  console.log('|---|---:|---:|');
  for (const r of [open, hits]) console.log(`| ${r.label} | ${r.requests} | ${Math.round(r.perRequest)} |`);
  const d = hits.perRequest - open.perRequest;
  console.log(`| module's hit over /open/ | | +${Math.round(d)} (+${(100 * d / open.perRequest).toFixed(0)} %) |`);
})().catch((e) => { console.error(e); process.exit(1); });
