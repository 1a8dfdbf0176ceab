'use strict';
/*
 * keys.js -- real keys made with the openssl CLI, for integration tests. CommonJS.
 *
 *   const { generateKeys, writeSecretsFile, secretsJwks } = require('./lib/keys');
 *   const keys = generateKeys();            // or generateKeys({ dir, only: ['rsa', 'ec256'] })
 *   keys.dir                                // temp dir (0755), files 0644: readable by www-data
 *   keys.rsa  = { name, type: 'RSA', bits: 2048, privPath, pubPath, privateKey, publicKey,
 *                 pubPem, jwk (public JWK, no kid) }
 *   names: rsa (2048), rsa1024, rsaAttacker (2048, never configured on a server),
 *          ec256 (P-256), ec384 (P-384), ec521 (P-521), ed25519, ed448,
 *          cert: { certPath, keyPath, privateKey, publicKey }  (self-signed, RSA 2048)
 *   keys.hmac = { hs256: Buffer(32), hs384: Buffer(48), hs512: Buffer(64), short6: Buffer(6) }
 *               from `openssl rand`; each also written as <dir>/<name>.bin
 *   keys.write(name, text, mode=0o644) -> path   (e.g. a JWK / JWKS / junk file)
 *   keys.cleanup()
 *
 *   writeSecretsFile(path, [{ kid, alg, k: Buffer, status='active', created }], mode=0o640)
 *     writes the JWKS format of mod_auth_jwt/core/jwt_secrets.h atomically (temp + rename),
 *     owned root:www-data when run as root so httpd children can read it. An entry
 *     { raw: {...} } is written as that JWK, as is (e.g. an encryption key, "use":"enc").
 *   secretsJwks(entries) -> the JSON text.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

function openssl(args) {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

const ASYM = {
  rsa: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsaAttacker: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa1024: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  ec256: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ec521: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['genpkey', '-algorithm', 'ED25519'],
  ed448: ['genpkey', '-algorithm', 'ED448'],
};
const HMAC_SIZES = { hs256: 32, hs384: 48, hs512: 64, short6: 6 };

function generateKeys({ dir, only } = {}) {
  const d = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-it-keys-'));
  fs.chmodSync(d, 0o755);
  const keys = {
    dir: d,
    hmac: {},
    write(name, text, mode = 0o644) {
      const p = path.join(d, name);
      fs.writeFileSync(p, text, { mode });
      fs.chmodSync(p, mode);
      return p;
    },
    cleanup() { fs.rmSync(d, { recursive: true, force: true }); },
  };
  const want = (n) => !only || only.includes(n);
  for (const [name, args] of Object.entries(ASYM)) {
    if (!want(name)) continue;
    const privPath = path.join(d, `${name}.key.pem`);
    const pubPath = path.join(d, `${name}.pub.pem`);
    openssl([...args, '-out', privPath]);
    openssl(['pkey', '-in', privPath, '-pubout', '-out', pubPath]);
    fs.chmodSync(privPath, 0o644);
    fs.chmodSync(pubPath, 0o644);
    const privateKey = crypto.createPrivateKey(fs.readFileSync(privPath));
    const publicKey = crypto.createPublicKey(fs.readFileSync(pubPath));
    keys[name] = {
      name, type: privateKey.asymmetricKeyType, privPath, pubPath, privateKey, publicKey,
      pubPem: fs.readFileSync(pubPath, 'utf8'),
      bits: privateKey.asymmetricKeyDetails.modulusLength,
      jwk: publicKey.export({ format: 'jwk' }),
    };
  }
  if (want('cert')) {
    const keyPath = path.join(d, 'cert.key.pem');
    const certPath = path.join(d, 'cert.pem');
    // a year: a shorter life made every suite using it print the 30-day expiry warning
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
      '-days', '365', '-subj', '/CN=mod_auth_jwt test signer']);
    fs.chmodSync(keyPath, 0o644);
    fs.chmodSync(certPath, 0o644);
    const privateKey = crypto.createPrivateKey(fs.readFileSync(keyPath));
    keys.cert = { name: 'cert', certPath, keyPath, privateKey,
      publicKey: crypto.createPublicKey(privateKey) };
  }
  for (const [name, size] of Object.entries(HMAC_SIZES)) {
    const p = path.join(d, `${name}.bin`);
    openssl(['rand', '-out', p, String(size)]);
    fs.chmodSync(p, 0o644);
    keys.hmac[name] = fs.readFileSync(p);
  }
  return keys;
}

function b64url(buf) { return Buffer.from(buf).toString('base64url'); }

function secretsJwks(entries) {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    keys: entries.map((e) => (e.raw ? e.raw : {
      kty: 'oct', kid: e.kid, alg: e.alg, k: b64url(e.k), use: 'sig',
      status: e.status || 'active', created: e.created ?? now,
    })),
  }, null, 1);
}

/* Atomic like the admin page: temp file in the same folder, fsync, rename. */
function writeSecretsFile(file, entries, mode = 0o640) {
  const tmp = `${file}.tmp.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, secretsJwks(entries));
    fs.fsyncSync(fd);
  } finally { fs.closeSync(fd); }
  fs.chmodSync(tmp, mode);
  if (IS_ROOT) fs.chownSync(tmp, 0, 33 /* www-data */);
  fs.renameSync(tmp, file);
  return file;
}

module.exports = { generateKeys, writeSecretsFile, secretsJwks, b64url };
