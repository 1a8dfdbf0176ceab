'use strict';
/*
 * fixture.js -- config snippets and small servers shared by the integration suites. CommonJS.
 *
 *   F.keyFileLines(keys)    AuthJWTKeyFile lines for every asymmetric key, kid = key name
 *                           (rsa ec256 ec384 ec521 ed25519 ed448 cert)
 *   F.hmacEntries(keys)     secrets-file entries hs256 (active), hs384, hs512 (verify-only)
 *   F.location(path, realm, body)   <Location path> AuthType jwt, AuthName realm, body </Location>
 *   F.bearer(token)         { Authorization: `Bearer ${token}` }
 *   await F.countingServer(handler?) -> { port, url, requests: [{method, url, headers}], close() }
 *       a node http server on 127.0.0.1 that records every request it gets.
 */
const http = require('node:http');

const KEYED = ['rsa', 'ec256', 'ec384', 'ec521', 'ed25519', 'ed448'];

function keyFileLines(keys) {
  const lines = KEYED.filter((n) => keys[n]).map((n) => `AuthJWTKeyFile "${keys[n].pubPath}" kid=${n}`);
  if (keys.cert) lines.push(`AuthJWTKeyFile "${keys.cert.certPath}" kid=cert`);
  return lines.join('\n');
}

function hmacEntries(keys) {
  return [
    { kid: 'hs256', alg: 'HS256', k: keys.hmac.hs256 },
    { kid: 'hs384', alg: 'HS384', k: keys.hmac.hs384, status: 'verify' },
    { kid: 'hs512', alg: 'HS512', k: keys.hmac.hs512, status: 'verify' },
  ];
}

function location(path, realm, body) {
  return `<Location ${path}>\n  AuthType jwt\n  AuthName "${realm}"\n${body}\n</Location>\n`;
}

function bearer(token) { return { Authorization: `Bearer ${token}` }; }

function countingServer(handler) {
  const requests = [];
  const srv = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders });
    if (handler) return handler(req, res);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end('backend\n');
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      resolve({
        port, url: `http://127.0.0.1:${port}`, requests,
        close: () => new Promise((r) => { srv.closeAllConnections?.(); srv.close(() => r()); }),
      });
    });
  });
}

module.exports = { keyFileLines, hmacEntries, location, bearer, countingServer, KEYED };
