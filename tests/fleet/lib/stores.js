'use strict';
/*
 * stores.js -- a real redis-server or memcached (Debian packages) on 127.0.0.1 with a free
 * port and its own temp dir, for the fleet tests. CommonJS.
 *
 *   const st = await startStore('redis' | 'memcache');
 *   st.spec         "redis:127.0.0.1:PORT" / "memcache:127.0.0.1:PORT" (AuthJWTRevocationCache)
 *   st.port, st.dir
 *   await st.stop()     SIGTERM, wait for the exit (the port is kept for start())
 *   await st.start()    again on the same port, empty (redis: --save "" --appendonly no)
 *   await st.count()    entries in the store (redis DBSIZE, memcached curr_items)
 *   await st.entries()  [{ key, value, expiresAt }] read from the store itself (redis-cli --scan,
 *                       GET, PTTL; memcached lru_crawler metadump + get); expiresAt in ms, or
 *                       null for an entry that never expires
 *   await st.kill()     stop and remove the temp dir
 * Every store started is killed if the test process exits.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn, spawnSync } = require('node:child_process');
const { freePort, sleep } = require('../../integration/lib/httpd');

const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch (_) { /* gone */ } } });

const BINS = { redis: '/usr/bin/redis-server', memcache: '/usr/bin/memcached' };

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/* One line-protocol exchange: send text, collect until `done(reply)` is true. */
function ask(port, text, done) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error('store did not answer')); }, 3000);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (done(buf)) { clearTimeout(timer); s.destroy(); resolve(buf); }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.write(text);
  });
}

async function startStore(kind) {
  const bin = BINS[kind];
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: run ./dev.sh deps (Debian packages redis-server, memcached)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jwt-fleet-${kind}-`));
  const port = await freePort();
  let child = null;
  const args = kind === 'redis'
    ? ['--save', '', '--appendonly', 'no', '--dir', dir, '--port', String(port), '--bind', '127.0.0.1',
      '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')]
    : ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '16',
      ...(process.getuid && process.getuid() === 0 ? ['-u', 'nobody'] : [])];
  const st = {
    kind, port, dir, spec: `${kind}:127.0.0.1:${port}`,
    async start() {
      child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      live.add(child);
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const t0 = Date.now();
      while (!(await canConnect(port))) {
        if (child.exitCode !== null || Date.now() - t0 > 10000) {
          throw new Error(`${kind} did not start on ${port}: ${err}`);
        }
        await sleep(50);
      }
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const c = child;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (c.exitCode === null) { c.kill('SIGKILL'); await gone; }
      live.delete(c);
      while (await canConnect(port)) await sleep(20);
    },
    async count() {
      if (kind === 'redis') {
        const r = await ask(port, 'DBSIZE\r\n', (b) => /\r\n$/.test(b));
        return Number(/^:(\d+)/.exec(r)[1]);
      }
      const r = await ask(port, 'stats\r\n', (b) => b.endsWith('END\r\n'));
      return Number(/STAT curr_items (\d+)/.exec(r)[1]);
    },
    async entries() {
      if (kind === 'redis') {
        const cli = (...a) => {
          const r = spawnSync('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...a],
            { encoding: 'latin1' });
          if (r.status !== 0) throw new Error(`redis-cli ${a.join(' ')}: ${r.stderr}`);
          return r.stdout.replace(/\n$/, '');
        };
        return cli('--scan').split('\n').filter(Boolean).map((key) => {
          const pttl = Number(cli('PTTL', key));
          return { key, value: cli('GET', key), expiresAt: pttl >= 0 ? Date.now() + pttl : null };
        });
      }
      const dump = await ask(port, 'lru_crawler metadump all\r\n', (b) => /(^|\n)(END|ERROR[^\n]*)\r?\n$/.test(b));
      const out = [];
      for (const m of dump.matchAll(/^key=(\S+) exp=(-?\d+)/gm)) {
        const key = decodeURIComponent(m[1]);
        const r = await ask(port, `get ${key}\r\n`, (b) => b.endsWith('END\r\n'));
        const v = /^VALUE \S+ \d+ (\d+)\r\n/.exec(r);
        if (!v) continue;                      // expired or gone in between
        const start = v[0].length;
        out.push({ key, value: r.slice(start, start + Number(v[1])),
          expiresAt: Number(m[2]) < 0 ? null : Number(m[2]) * 1000 });
      }
      return out;
    },
    async kill() {
      await st.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await st.start();
  return st;
}

function haveBinaries() {
  return Object.values(BINS).every((b) => spawnSync(b, ['--version']).status === 0);
}

module.exports = { startStore, haveBinaries };
