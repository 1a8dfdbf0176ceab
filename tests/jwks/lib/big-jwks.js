'use strict';
/* big-jwks.js -- a large JWKS as IdPs that publish certificate chains serve it (Entra ID,
 * Keycloak): N RSA-2048 keys, each with a two-certificate x5c (its leaf, issued by an RSA-4096 test
 * CA, then the CA). Made with node crypto (keys) and the openssl CLI (certificates), once,
 * then cached in the OS temp dir (never in git: ~450 KB plus the private keys).
 *
 *   const big = bigJwks(100)  ->  { jwks: {keys:[...]}, bytes, privatePem(i), kid(i) }
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const VERSION = 3;

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function derBase64(pemText) {
  return pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

function generate(dir, n) {
  openssl(['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', '30', '-subj', '/C=DE/ST=Berlin/L=Berlin/O=mod_auth_jwt tests/OU=Identity Platform/CN=Test Token Signing CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const ca = derBase64(fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'));
  const keys = [];
  for (let i = 0; i < n; i++) {
    const kid = `big-${String(i).padStart(3, '0')}`;
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPath = path.join(dir, `${kid}.key`);
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    openssl(['req', '-new', '-x509', '-key', keyPath, '-out', `${kid}.pem`, '-days', '30',
      '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-subj', `/C=DE/ST=Berlin/L=Berlin/O=mod_auth_jwt tests/OU=Identity Platform/CN=token signing key ${kid}`,
      '-addext', `subjectAltName=DNS:login.idp.example,DNS:sts.idp.example,DNS:${kid}.keys.idp.example,URI:https://idp.example/keys/${kid}`,
      '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=codeSigning',
      '-addext', 'basicConstraints=critical,CA:FALSE'], dir);
    const leafPem = fs.readFileSync(path.join(dir, `${kid}.pem`), 'utf8');
    const leaf = derBase64(leafPem);
    const der = Buffer.from(leaf, 'base64');
    const jwk = publicKey.export({ format: 'jwk' });
    keys.push({
      kty: 'RSA', use: 'sig', kid, alg: 'RS256',
      x5t: crypto.createHash('sha1').update(der).digest('base64url'),
      'x5t#S256': crypto.createHash('sha256').update(der).digest('base64url'),
      n: jwk.n, e: jwk.e, x5c: [leaf, ca],
      issuer: 'https://login.idp.example/tenant-0000/v2.0',
    });
  }
  fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys }));
}

function bigJwks(n = 100) {
  const dir = path.join(os.tmpdir(), `mod_auth_jwt-big-jwks-v${VERSION}-${n}`);
  if (!fs.existsSync(path.join(dir, 'jwks.json'))) {
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    generate(tmp, n);
    try { fs.renameSync(tmp, dir); } catch (_) { fs.rmSync(tmp, { recursive: true, force: true }); }
  }
  const text = fs.readFileSync(path.join(dir, 'jwks.json'), 'utf8');
  const jwks = JSON.parse(text);
  return {
    jwks,
    bytes: Buffer.byteLength(text),
    kid: (i) => jwks.keys[i].kid,
    privatePem: (i) => fs.readFileSync(path.join(dir, `${jwks.keys[i].kid}.key`), 'utf8'),
  };
}

module.exports = { bigJwks };
