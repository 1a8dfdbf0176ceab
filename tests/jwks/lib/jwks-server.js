'use strict';
/*
 * jwks-server.js -- a JWKS / discovery server the tests control, on 127.0.0.1. CommonJS.
 *
 *   const { startJwksServer, makeTestCa, makeSigner } = require('./lib/jwks-server');
 *   const ca = makeTestCa();                 // openssl CLI: CA + server cert (127.0.0.1, localhost)
 *   const srv = await startJwksServer({ tls: ca });   // or {} for plain http
 *   srv.base                                  "http://127.0.0.1:PORT" / "https://..."
 *   srv.publish('/a/jwks.json', [signer.jwk, ...])     the keys a path serves
 *   srv.json('/idp/.well-known/openid-configuration', { issuer, jwks_uri })  any JSON doc
 *   srv.redirect('/r', '/a/jwks.json' | 'http://localhost:PORT/...')       302
 *   srv.dynamic('/c.json', (n) => [jwk, ...])   keys computed per fetch (n = 1, 2, ...):
 *                            a document that changes on every fetch
 *   srv.raw('/x.json', bodyString)   serve these exact bytes (a JWKS with odd members)
 *   srv.setMode(path, mode, arg)   mode for one path (or '*' for all):
 *       'ok'                 serve it
 *       'slow', ms           answer after ms
 *       'status', code       answer with that status ("error")
 *       'drop'               destroy the connection without an answer
 *       'hang'               accept the request and never answer (until close/down)
 *       'garbage'            200 with a body that is not JSON
 *       'huge', {bytes, chunked}  200 with a body of that many bytes (default 5 MiB);
 *                            chunked: without Content-Length
 *   srv.headers(path, { 'Cache-Control': 'max-age=120' })   extra response headers
 *   srv.count(path)  fetches answered (or dropped) for a path;  srv.total()
 *   srv.requests     [{ path, userAgent, at }]
 *   await srv.down() / await srv.up()   stop / restart listening on the SAME port
 *   await srv.close()
 *
 *   makeSigner(kid, kind='ec256') -> { kid, alg, jwk (public, with kid/alg/use), sign(payload) }
 *   ca.caPath (trust this), ca.wrongCaPath (a different CA), ca.cleanup()
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/* A CA, a server certificate for 127.0.0.1 / localhost signed by it, and an unrelated CA
 * (the wrong-CA case). Files are 0644 in a 0755 dir: httpd children (www-data) read them. */
function makeTestCa() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-jwks-ca-'));
  fs.chmodSync(dir, 0o755);
  const ext = path.join(dir, 'san.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n'
    + 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n'
    + 'extendedKeyUsage=serverAuth\n');
  for (const name of ['ca', 'wrongca']) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2',
      '-subj', `/CN=mod_auth_jwt test ${name}`], dir);
  }
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', ext], dir);
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  return {
    dir,
    caPath: path.join(dir, 'ca.pem'),
    wrongCaPath: path.join(dir, 'wrongca.pem'),
    key: fs.readFileSync(path.join(dir, 'server.key')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

const KINDS = {
  ec256: { alg: 'ES256', hash: 'sha256', gen: () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  rsa: { alg: 'RS256', hash: 'sha256', gen: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  ed25519: { alg: 'EdDSA', hash: null, gen: () => crypto.generateKeyPairSync('ed25519') },
};

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

/* A compact JWS made with node's crypto (OpenSSL): ECDSA as raw R||S (JOSE form). */
function signCompact(kind, privateKey, header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = crypto.sign(kind.hash, Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

function makeSigner(kid, kind = 'ec256') {
  const k = KINDS[kind];
  const { privateKey, publicKey } = k.gen();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: k.alg, use: 'sig' };
  return {
    kid, alg: k.alg, jwk, privateKey,
    /* payload gets exp/iat unless given; header kid = this kid unless opts.kid */
    sign(payload, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const body = { sub: 'alice', iat: now, exp: now + 600, ...payload };
      const header = { alg: k.alg, typ: 'JWT' };
      const kidHeader = opts.kid === undefined ? kid : opts.kid;
      if (kidHeader !== null) header.kid = kidHeader;
      return signCompact(k, privateKey, header, body);
    },
  };
}

async function startJwksServer({ tls } = {}) {
  const routes = new Map();      // path -> { kind: 'jwks'|'json'|'redirect', value }
  const modes = new Map();       // path|'*' -> { mode, arg }
  const extraHeaders = new Map();
  const counts = new Map();
  const requests = [];
  const sockets = new Set();
  let port = 0;
  let server = null;

  function modeFor(p) { return modes.get(p) || modes.get('*') || { mode: 'ok' }; }

  function handler(req, res) {
    const p = new URL(req.url, 'http://x').pathname;
    counts.set(p, (counts.get(p) || 0) + 1);
    requests.push({ path: p, userAgent: req.headers['user-agent'], at: Date.now() });
    const route = routes.get(p);
    const { mode, arg } = modeFor(p);
    const send = () => {
      if (mode === 'drop') { req.socket.destroy(); return; }
      if (mode === 'hang') return;       // the socket stays open until close()/down()
      if (mode === 'status') { res.writeHead(arg || 500, { 'Content-Type': 'text/plain' }); res.end('error\n'); return; }
      if (mode === 'garbage') { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"keys": [ this is not json'); return; }
      if (mode === 'huge') {
        const n = (arg && arg.bytes) || 5 * 1024 * 1024;
        const hdrs = { 'Content-Type': 'application/json' };
        if (!(arg && arg.chunked)) hdrs['Content-Length'] = n;   // chunked: no early size hint
        res.writeHead(200, hdrs);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = n;
        const pump = () => {
          while (left > 0) {
            const c = chunk.subarray(0, Math.min(left, chunk.length));
            left -= c.length;
            if (!res.write(c)) { res.once('drain', pump); return; }
          }
          res.end();
        };
        res.on('error', () => {});
        pump();
        return;
      }
      if (!route) { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('not found\n'); return; }
      if (route.kind === 'redirect') { res.writeHead(302, { Location: route.value }); res.end(); return; }
      let body;
      if (route.kind === 'jwks') body = JSON.stringify({ keys: route.value });
      else if (route.kind === 'fn') body = JSON.stringify({ keys: route.value(counts.get(p)) });
      else if (route.kind === 'raw') body = route.value;
      else body = JSON.stringify(route.value);
      res.writeHead(200, { 'Content-Type': 'application/json', ...(extraHeaders.get(p) || {}) });
      res.end(body);
    };
    if (mode === 'slow') setTimeout(send, arg || 3000);
    else send();
  }

  function listen() {
    server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
    server.keepAliveTimeout = 1000;
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('tlsClientError', () => {});
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); });
    });
  }

  function stop() {
    return new Promise((resolve) => {
      if (!server) { resolve(); return; }
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server = null;
    });
  }

  await listen();
  const scheme = tls ? 'https' : 'http';
  return {
    get port() { return port; },
    get base() { return `${scheme}://127.0.0.1:${port}`; },
    url(p) { return `${scheme}://127.0.0.1:${port}${p}`; },
    publish(p, jwks) { routes.set(p, { kind: 'jwks', value: jwks }); },
    json(p, doc) { routes.set(p, { kind: 'json', value: doc }); },
    redirect(p, to) { routes.set(p, { kind: 'redirect', value: to }); },
    dynamic(p, fn) { routes.set(p, { kind: 'fn', value: fn }); },
    raw(p, body) { routes.set(p, { kind: 'raw', value: body }); },
    headers(p, h) { extraHeaders.set(p, h); },
    setMode(p, mode, arg) { modes.set(p, { mode, arg }); },
    clearModes() { modes.clear(); },
    count(p) { return counts.get(p) || 0; },
    total() { let n = 0; for (const v of counts.values()) n += v; return n; },
    requests,
    async down() { await stop(); },
    async up() { await listen(); },
    async close() { await stop(); },
  };
}

module.exports = { startJwksServer, makeTestCa, makeSigner };
