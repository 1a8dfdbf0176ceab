'use strict';
/*
 * tls.js -- a test PKI made with the openssl CLI, and an HTTPS client that can present a
 * client certificate. CommonJS.
 *
 *   const pki = makePki(['alice', 'bob'])   CA, a server certificate for 127.0.0.1 (SAN
 *       IP) and one client certificate per name, all signed by the CA, in a world-readable
 *       temp dir: pki.dir, pki.caPath, pki.serverCert, pki.serverKey, pki.ca (PEM text),
 *       pki.clients[name] = { certPath, keyPath, cert, key, der (Buffer), x5t (the RFC 8705
 *       x5t#S256: base64url SHA-256 of the DER, by node crypto) }, pki.cleanup()
 *   sslConf(pki)        the mod_ssl lines that make the whole server TLS, asking for an
 *                       optional client certificate from the CA
 *   await httpsRequest(port, path, { headers, client, method, agent })  over a fresh
 *       connection (or agent's: an https.Agent with keepAlive reuses one);
 *       client: one of pki.clients (or undefined: no certificate). Same answer shape as
 *       httpd.js request(): status, headers, body.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

function openssl(args, cwd) {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function makePki(names) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-it-pki-'));
  fs.chmodSync(dir, 0o755);
  const p = (n) => path.join(dir, n);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=mod_auth_jwt test CA'], dir);
  const issue = (name, ext) => {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`], dir);
    fs.writeFileSync(p(`${name}.ext`), ext);
    openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
      '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`)], dir);
  };
  issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const clients = {};
  for (const n of names) {
    issue(n, 'extendedKeyUsage=clientAuth\n');
    const cert = fs.readFileSync(p(`${n}.pem`), 'utf8');
    const der = new crypto.X509Certificate(cert).raw;
    clients[n] = {
      certPath: p(`${n}.pem`), keyPath: p(`${n}.key`), cert, key: fs.readFileSync(p(`${n}.key`), 'utf8'),
      der, x5t: crypto.createHash('sha256').update(der).digest('base64url'),
    };
  }
  for (const f of fs.readdirSync(dir)) fs.chmodSync(p(f), 0o644);
  return {
    dir, caPath: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'),
    ca: fs.readFileSync(p('ca.pem'), 'utf8'), clients,
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

function sslConf(pki) {
  return [
    'SSLEngine on',
    `SSLCertificateFile "${pki.serverCert}"`,
    `SSLCertificateKeyFile "${pki.serverKey}"`,
    `SSLCACertificateFile "${pki.caPath}"`,
    'SSLVerifyClient optional',
    'SSLVerifyDepth 2',
    '',
  ].join('\n');
}

function httpsRequest(port, pathname, { headers = {}, client, method = 'GET', ca, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: pathname, method, headers, agent, ca,
      cert: client?.cert, key: client?.key, timeout: 20000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders,
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
    req.on('timeout', () => req.destroy(new Error(`request timed out: ${pathname}`)));
    req.on('error', reject);
    req.end();
  });
}

module.exports = { makePki, sslConf, httpsRequest, https };
