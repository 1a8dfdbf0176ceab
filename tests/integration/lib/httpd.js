'use strict';
/*
 * httpd.js -- start a REAL Apache httpd (/usr/sbin/apache2) on 127.0.0.1 with the REAL
 * built mod_auth_jwt, for integration tests. CommonJS. Shared by every node test suite.
 *
 *   const { startHttpd, configtest, request } = require('./lib/httpd');
 *
 *   const srv = await startHttpd({
 *     conf: `<Location /api> AuthType jwt ... </Location>`,  // appended after the base config
 *     mpm: 'event' | 'prefork' | 'worker',   // default: env MPM, else 'event'
 *     modules: ['proxy', 'proxy_http'],      // extra Apache modules by short name
 *     name: 'mytest',                        // used in the temp dir name
 *     loadJwt: true,                         // false: do not load mod_auth_jwt (baselines)
 *     preamble: '',                          // raw text placed BEFORE the caller's conf
 *     wrapper: [],                           // command run in front of apache2 (valgrind ...)
 *     args: [],                              // extra apache2 arguments (-X: one process)
 *     startTimeoutMs: 15000,                 // how long startup may take (longer under valgrind)
 *     stopTimeoutMs: 10000,                  // how long stop() waits before SIGKILL
 *   });
 *   srv.port, srv.base ("http://127.0.0.1:PORT"), srv.dir (private temp dir, mode 0755),
 *   srv.confPath, srv.confText, srv.lineOf(substring) -> 1-based line in httpd.conf,
 *   srv.errorLog() -> string, srv.accessLog() -> string,
 *   await srv.restart(newConf?)   graceful restart (SIGUSR1), optionally with a new caller conf,
 *   await srv.stop()              stops exactly this server (its process group) and waits.
 *
 *   const r = await configtest(conf, { mpm, modules, name })
 *   r.code (exit status of `apache2 -t`), r.output (stdout + stderr), r.confPath,
 *   r.confText, r.lineOf(substring).
 *
 *   const res = await request(srv.base, '/api/ok.txt', { method, headers, body })
 *   res.status, res.headers (node's lower-cased object), res.rawHeaders, res.body (string),
 *   res.header(name) -> array of every value of that header (exact, not joined).
 *   headers may be an object (a value may be an array: sent as repeated headers) or a flat
 *   array [name, value, name, value, ...].
 *
 * What the base config gives every server (the caller's conf can rely on it):
 *   - <dir>/htdocs/ok.txt holds "ok\n"; ANY path ending in /ok.txt serves it
 *     (AliasMatch), so a test can protect <Location /x> and GET /x/ok.txt.
 *   - ANY path ending in /env.cgi runs <dir>/cgi-bin/env.cgi (ScriptAliasMatch), a shell
 *     CGI printing its environment as NAME=VALUE lines; parseEnv(res.body) -> object.
 *   - LogLevel info auth_jwt:debug into <dir>/error.log; access log "%h %u %>s \"%r\"".
 *   - Loaded: mpm, authn_core authz_core authz_user authz_host mime alias headers env,
 *     cgid (ScriptSock in <dir>/run) or cgi for prefork, mod_auth_jwt from
 *     $JWT_BUILD_DIR/.libs/mod_auth_jwt.so.
 *   - As root, children run as User/Group www-data: files the module reads at request
 *     time (secrets files) must be readable by www-data. Everything under srv.dir is
 *     made world-readable; keys.js does the same for its dir.
 *
 * Any checkout: the checkout may sit under a folder www-data cannot enter (/root, a 0700
 * home). What httpd's children read or execute from it (the admin CGI, htdocs/admin) is
 * copied first into a per-process folder under os.tmpdir():
 *   stage(src) -> a world-readable copy of the file or folder src (executables stay
 *                 executable), made once per process, removed when the process exits;
 *   adminCgi() -> stage($JWT_BUILD_DIR/admin-cgi/jwt-admin.cgi).
 * Preflight: as root, startHttpd and configtest refuse (throw, naming the path, the folder
 * that blocks it and the fix) a caller conf that names an existing absolute path www-data
 * cannot reach (an ancestor folder it may not search); lines that only the root parent
 * reads (LoadModule, AuthJWTKeyFile, AuthJWTSigningKey, logs, Include) are not checked. opts.preflight: false skips it (a
 * test that wants httpd itself to meet an unreachable file).
 *
 * Env: JWT_BUILD_DIR (required unless loadJwt:false), MPM (default mpm),
 *      APACHE2_BIN (default /usr/sbin/apache2), KEEP_HTTPD_DIRS=1 keeps temp dirs,
 *      HTTPD_LD_PRELOAD: LD_PRELOAD for apache2 only (not for node or the tests' other tools):
 *      the AddressSanitizer runtime when JWT_BUILD_DIR holds a module built with ASan
 *      (tests/groups/integration-asan.sh); ASAN_OPTIONS / UBSAN_OPTIONS pass through.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const { spawn, spawnSync } = require('node:child_process');

const APACHE2 = process.env.APACHE2_BIN || '/usr/sbin/apache2';
const MODULES_DIR = '/usr/lib/apache2/modules';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
/* The environment apache2 runs with (`apache2 -t` too). */
function httpdEnv() {
  const env = { ...process.env, LANG: 'C' };
  if (process.env.HTTPD_LD_PRELOAD) env.LD_PRELOAD = process.env.HTTPD_LD_PRELOAD;
  return env;
}

/* Module short name -> [module symbol, .so file]. */
const KNOWN_MODULES = {
  authn_core: 'authn_core_module', authz_core: 'authz_core_module',
  authz_user: 'authz_user_module', authz_host: 'authz_host_module',
  authz_groupfile: 'authz_groupfile_module', authn_file: 'authn_file_module',
  authn_dbm: 'authn_dbm_module', auth_basic: 'auth_basic_module',
  mime: 'mime_module', alias: 'alias_module', headers: 'headers_module', env: 'env_module',
  cgi: 'cgi_module', cgid: 'cgid_module', rewrite: 'rewrite_module', proxy: 'proxy_module',
  proxy_http: 'proxy_http_module', ssl: 'ssl_module', socache_shmcb: 'socache_shmcb_module',
  socache_redis: 'socache_redis_module', socache_memcache: 'socache_memcache_module',
  include: 'include_module', setenvif: 'setenvif_module', dir: 'dir_module',
  status: 'status_module', unique_id: 'unique_id_module', log_debug: 'log_debug_module',
  slotmem_shm: 'slotmem_shm_module', watchdog: 'watchdog_module',
};
const BASE_MODULES = ['authn_core', 'authz_core', 'authz_user', 'authz_host', 'mime', 'alias',
  'headers', 'env'];
const MPMS = ['event', 'prefork', 'worker'];

const live = new Set();   // servers started by this process, killed if it dies

function killAllSync() {
  for (const s of live) {
    try { process.kill(-s.pid, 'SIGKILL'); } catch (_) { /* already gone */ }
  }
  live.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => { killAllSync(); process.exit(128 + (os.constants.signals[sig] || 1)); });
}

/* ---- any checkout: staging and the reachability preflight ---- */

let stageRoot = null;
const staged = new Map();   // realpath of src -> staged copy

function stageDir() {
  if (!stageRoot) {
    stageRoot = fs.mkdtempSync(path.join(os.tmpdir(), `jwt-stage-${process.pid}-`));
    fs.chmodSync(stageRoot, 0o755);
    process.on('exit', () => {
      if (!process.env.KEEP_HTTPD_DIRS) fs.rmSync(stageRoot, { recursive: true, force: true });
    });
  }
  return stageRoot;
}

function copyReadable(src, dst) {
  const st = fs.statSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dst, { mode: 0o755 });
    fs.chmodSync(dst, 0o755);
    for (const e of fs.readdirSync(src)) copyReadable(path.join(src, e), path.join(dst, e));
    return;
  }
  fs.copyFileSync(src, dst);
  fs.chmodSync(dst, (st.mode & 0o111) ? 0o755 : 0o644);
}

/* A copy of src (file or folder) that httpd's children can read (and execute, for
 * executables), whatever the mode of the folders above src. */
function stage(src) {
  const real = fs.realpathSync(src);
  if (staged.has(real)) return staged.get(real);
  const dst = path.join(stageDir(), `${staged.size}-${path.basename(real)}`);
  copyReadable(real, dst);
  staged.set(real, dst);
  return dst;
}

function adminCgi() {
  const cgi = path.join(jwtBuildDir(), 'admin-cgi', 'jwt-admin.cgi');
  if (!fs.existsSync(cgi)) throw new Error(`${cgi} not built (make admin-cgi/jwt-admin.cgi)`);
  return stage(cgi);
}

const WWW_UID = 33;
const WWW_GID = 33;

/* The first folder above p that www-data may not search (no x for it by owner, group or
 * other, computed from stat), or null when every folder lets it through. */
function blockingFolder(p) {
  let dir = path.dirname(p);
  for (;;) {
    let st;
    try { st = fs.statSync(dir); } catch (_) { return null; }
    const bits = st.uid === WWW_UID ? (st.mode >> 6) : st.gid === WWW_GID ? (st.mode >> 3) : st.mode;
    if (!(bits & 0o1)) return { dir, mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), uid: st.uid };
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/* Absolute paths named in the caller's part of the config that exist but that httpd's
 * children (www-data) cannot reach. LoadModule lines are read by root at startup only. */
function preflight(text) {
  if (!IS_ROOT) return;
  const problems = [];
  for (const line of text.split('\n')) {
    // read by the root parent only (at startup and on graceful restarts)
    if (/^\s*(#|LoadModule|AuthJWTKeyFile|AuthJWTSigningKey|AuthJWTSignaturePublicKeyFile|AuthJWTSignaturePrivateKeyFile|ErrorLog|CustomLog|PidFile|Include\w*)\b/i.test(line)) continue;
    for (const m of line.matchAll(/(?:^|[\s"=])(\/[^\s"]+)/g)) {
      const p = m[1];
      if (!fs.existsSync(p)) continue;
      const b = blockingFolder(p);
      if (b) problems.push(`${p}: www-data (httpd's User) cannot enter ${b.dir} (mode ${b.mode}, owner uid ${b.uid})`);
    }
  }
  if (problems.length) {
    throw new Error(`httpd.js preflight: httpd's children run as www-data and could not reach:\n  ${[...new Set(problems)].join('\n  ')}\n`
      + 'fix: pass stage(path) (a world-readable copy under the temp folder) or adminCgi() instead of a path '
      + 'inside the checkout, or make the folders above it searchable (chmod o+x)');
  }
}

function jwtBuildDir() {
  const d = process.env.JWT_BUILD_DIR;
  if (!d) throw new Error('JWT_BUILD_DIR is not set (absolute path of a configured, built tree)');
  return d;
}

function jwtModulePath() {
  const so = path.join(jwtBuildDir(), '.libs', 'mod_auth_jwt.so');
  if (!fs.existsSync(so)) throw new Error(`mod_auth_jwt.so not found at ${so}: build first`);
  return so;
}

function pickMpm(mpm) {
  const m = mpm || process.env.MPM || 'event';
  if (!MPMS.includes(m)) throw new Error(`unknown MPM "${m}" (want ${MPMS.join('|')})`);
  return m;
}

/* A free port: bind 0 on loopback, read it, close. httpd binds it right after; a lost
 * race shows as "Address already in use" and startHttpd retries with a new port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function makeTempDir(name) {
  const safe = String(name || 'httpd').replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jwt-it-${safe}-`));
  fs.chmodSync(dir, 0o755);
  for (const sub of ['htdocs', 'cgi-bin', 'run', 'conf']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  if (IS_ROOT) spawnSync('chown', ['www-data:www-data', path.join(dir, 'run')]);
  fs.writeFileSync(path.join(dir, 'htdocs', 'ok.txt'), 'ok\n', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'cgi-bin', 'env.cgi'),
    '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nenv\n', { mode: 0o755 });
  return dir;
}

function loadLine(short) {
  const sym = KNOWN_MODULES[short];
  if (!sym) throw new Error(`unknown module "${short}" (add it to KNOWN_MODULES)`);
  return `LoadModule ${sym} ${MODULES_DIR}/mod_${short}.so`;
}

function mpmTuning(mpm) {
  if (mpm === 'prefork') {
    return ['StartServers 2', 'MinSpareServers 2', 'MaxSpareServers 4',
      'MaxRequestWorkers 16', 'ServerLimit 16'];
  }
  return ['StartServers 2', 'ServerLimit 4', 'ThreadLimit 16', 'ThreadsPerChild 8',
    'MinSpareThreads 8', 'MaxSpareThreads 32', 'MaxRequestWorkers 32'];
}

/* The full httpd.conf text. */
function buildConf({ dir, port, mpm, modules = [], conf = '', loadJwt = true, preamble = '' }) {
  const cgiModule = mpm === 'prefork' ? 'cgi' : 'cgid';
  const mods = [...new Set([...BASE_MODULES, cgiModule, ...modules])];
  // proxy_* and rewrite may be named in any order; mod_proxy must load before proxy_http.
  mods.sort((a, b) => (a === 'proxy' ? -1 : b === 'proxy' ? 1 : 0));
  const lines = [
    '# generated by tests/integration/lib/httpd.js',
    `ServerRoot "${dir}"`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile "${dir}/run/httpd.pid"`,
    `DefaultRuntimeDir "${dir}/run"`,
    `Mutex file:${dir}/run default`,
    `ErrorLog "${dir}/error.log"`,
    'LogLevel info auth_jwt:debug',
    'LogFormat "%h %u %>s \\"%r\\"" short',
    `CustomLog "${dir}/access.log" short`,
    `LoadModule mpm_${mpm}_module ${MODULES_DIR}/mod_mpm_${mpm}.so`,
    ...mods.map(loadLine),
  ];
  if (loadJwt) lines.push(`LoadModule auth_jwt_module ${jwtModulePath()}`);
  if (IS_ROOT) lines.push('User www-data', 'Group www-data');
  lines.push(...mpmTuning(mpm));
  if (cgiModule === 'cgid') lines.push(`ScriptSock "${dir}/run/cgid.sock"`);
  lines.push(
    'Timeout 30',
    'KeepAlive On',
    'TypesConfig /etc/mime.types',
    `DocumentRoot "${dir}/htdocs"`,
    '<Directory />',
    '  AllowOverride None',
    '  Require all granted',
    '</Directory>',
    `AliasMatch "/ok\\.txt$" "${dir}/htdocs/ok.txt"`,
    `ScriptAliasMatch "/env\\.cgi$" "${dir}/cgi-bin/env.cgi"`,
    `<Directory "${dir}/cgi-bin">`,
    '  Options +ExecCGI',
    '</Directory>',
    '# ---- caller preamble ----',
    preamble,
    '# ---- caller conf ----',
    conf,
    '');
  return lines.join('\n');
}

function lineOfIn(text, needle) {
  const idx = text.split('\n').findIndex((l) => l.includes(needle));
  if (idx < 0) throw new Error(`"${needle}" not found in httpd.conf`);
  return idx + 1;
}

function readIf(p) {
  try { return fs.readFileSync(p, 'utf8'); } catch (_) { return ''; }
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/* One try at starting httpd on a given port. */
async function startOnce(opts, mpm, dir, port) {
  const confText = buildConf({ ...opts, dir, port, mpm });
  const confPath = path.join(dir, 'conf', 'httpd.conf');
  fs.writeFileSync(confPath, confText, { mode: 0o644 });
  const errPath = path.join(dir, 'error.log');
  fs.rmSync(errPath, { force: true });

  // Foreground, in its own process group: stop() and the exit hook can then kill
  // exactly this server and its children, nothing else.
  const wrapper = opts.wrapper || [];
  const argv = [...wrapper, APACHE2, '-f', confPath, '-DFOREGROUND', ...(opts.args || [])];
  const child = spawn(argv[0], argv.slice(1), {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: httpdEnv(),
  });
  let stderr = '';
  child.stdout.on('data', (d) => { stderr += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  let exited = null;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, sig) => {
    exited = { code, sig };
    live.delete(server);
    resolve(exited);
  }));
  const server = {
    pid: child.pid, port, base: `http://127.0.0.1:${port}`, dir, mpm, confPath,
    get confText() { return readIf(confPath); },
    lineOf(needle) { return lineOfIn(readIf(confPath), needle); },
    errorLog() { return readIf(errPath); },
    accessLog() { return readIf(path.join(dir, 'access.log')); },
    startupOutput() { return stderr; },
    async stop() {
      if (exited) return exited;
      try { process.kill(-child.pid, 'SIGTERM'); } catch (_) { /* gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch (_) { /* gone */ } },
        opts.stopTimeoutMs || 10000);
      const r = await exitPromise;
      clearTimeout(t);
      // children of the group may linger a moment after the parent
      for (let i = 0; i < 50; i++) {
        try { process.kill(-child.pid, 0); } catch (_) { break; }
        await sleep(100);
      }
      if (!process.env.KEEP_HTTPD_DIRS) fs.rmSync(dir, { recursive: true, force: true });
      return r;
    },
    async restart(newConf) {
      if (exited) throw new Error('httpd is not running');
      if (newConf !== undefined) {
        if (opts.preflight !== false) preflight(`${opts.preamble || ''}\n${newConf}`);
        fs.writeFileSync(confPath, buildConf({ ...opts, conf: newConf, dir, port, mpm }));
      }
      const before = (server.errorLog().match(/resuming normal operations/g) || []).length;
      process.kill(child.pid, 'SIGUSR1');
      for (let i = 0; i < 200; i++) {
        if (exited) throw new Error(`httpd exited on restart: ${stderr}\n${server.errorLog()}`);
        const n = (server.errorLog().match(/resuming normal operations/g) || []).length;
        if (n > before && await canConnect(port)) return;
        await sleep(50);
      }
      throw new Error(`httpd did not finish a graceful restart:\n${server.errorLog()}`);
    },
  };
  live.add(server);

  const oneProcess = (opts.args || []).includes('-X');
  const deadline = Date.now() + (opts.startTimeoutMs || 15000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await canConnect(port)) {
      // The listener is up; wait until the parent wrote the log line that children run
      // (with -X there is no parent: the one process logs no such line).
      if (oneProcess || /resuming normal operations/.test(server.errorLog())) return { server };
    }
    await sleep(50);
  }
  if (!exited) await server.stop();
  return { failed: true, stderr, log: readIf(errPath), confText };
}

async function startHttpd(opts = {}) {
  const mpm = pickMpm(opts.mpm);
  if (opts.preflight !== false) preflight(`${opts.preamble || ''}\n${opts.conf || ''}`);
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = makeTempDir(opts.name);
    const port = await freePort();
    const r = await startOnce(opts, mpm, dir, port);
    if (r.server) return r.server;
    last = r;
    fs.rmSync(dir, { recursive: true, force: true });
    if (!/Address already in use|could not bind/i.test(r.stderr + r.log)) break;
  }
  const err = new Error(`httpd failed to start:\n${last.stderr}\n--- error.log ---\n${last.log}`);
  err.output = `${last.stderr}\n${last.log}`;
  err.confText = last.confText;
  throw err;
}

/* `apache2 -t` on a generated config: the exit code and everything it printed. */
async function configtest(conf, opts = {}) {
  const mpm = pickMpm(opts.mpm);
  if (opts.preflight !== false) preflight(`${opts.preamble || ''}\n${conf || ''}`);
  const dir = makeTempDir(opts.name || 'configtest');
  const port = await freePort();
  const confText = buildConf({ ...opts, conf, dir, port, mpm });
  const confPath = path.join(dir, 'conf', 'httpd.conf');
  fs.writeFileSync(confPath, confText, { mode: 0o644 });
  const r = spawnSync(APACHE2, ['-t', '-f', confPath], { encoding: 'utf8', env: httpdEnv(), timeout: 30000 });
  const result = {
    code: r.status, output: `${r.stdout || ''}${r.stderr || ''}`, confPath, confText, dir,
    lineOf: (needle) => lineOfIn(confText, needle),
  };
  if (!process.env.KEEP_HTTPD_DIRS) fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

/* A plain HTTP/1.1 request with full control over headers (repeats allowed). agent: a
 * keep-alive http.Agent to reuse a connection (default: a connection of its own); onSocket:
 * called with the request's socket. */
function request(base, pathname, { method = 'GET', headers = {}, body, timeout = 20000, agent = false, onSocket } = {}) {
  const url = new URL(pathname, base);
  let hdrs = headers;
  if (!Array.isArray(headers)) {
    hdrs = [];
    for (const [k, v] of Object.entries(headers)) {
      for (const one of Array.isArray(v) ? v : [v]) hdrs.push(k, String(one));
    }
  }
  // With raw header arrays node adds no Host header by itself.
  const hasHost = hdrs.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === 'host');
  if (!hasHost) hdrs = ['Host', url.host, ...hdrs];
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, method, path: url.pathname + url.search,
      headers: hdrs, agent, timeout,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        header(name) {
          const out = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i].toLowerCase() === name.toLowerCase()) out.push(res.rawHeaders[i + 1]);
          }
          return out;
        },
      }));
      res.on('error', reject);
    });
    if (onSocket) req.on('socket', onSocket);
    req.on('timeout', () => req.destroy(new Error(`request timed out: ${method} ${pathname}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/* The env.cgi output -> { NAME: VALUE }. */
function parseEnv(body) {
  const env = {};
  for (const line of body.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

module.exports = {
  startHttpd, configtest, request, parseEnv, freePort, sleep, jwtBuildDir, jwtModulePath,
  buildConf, MPMS, IS_ROOT, stage, adminCgi, preflight,
};
