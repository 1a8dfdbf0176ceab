'use strict';
/*
 * interop.js -- shared pieces of the interop tests (CommonJS).
 *
 *   const { cli, makeKeys, ALGS, claimsFor } = require('./lib/interop');
 *   const keys = makeKeys();   // real keys from the openssl CLI in a temp dir
 *   keys.forAlg('ES384')       // { alg, kind, privPath, pubPath, privPem, pubPem, keyArg }
 *   cli(['verify', '--key', k.keyArg, token])  -> { status, stdout, stderr }
 *
 * jwt-cli is $JWT_BUILD_DIR/tests/tools/jwt-cli. Nothing is mocked: the keys come from
 * `openssl genpkey` / `openssl rand`, the tokens from the npm packages, the checks from
 * the built core.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

function cliPath() {
  const dir = process.env.JWT_BUILD_DIR;
  if (!dir) throw new Error('JWT_BUILD_DIR is not set (absolute path of a configured, built tree)');
  const p = path.join(dir, 'tests', 'tools', 'jwt-cli');
  if (!fs.existsSync(p)) throw new Error(`${p} not found: build first (make)`);
  return p;
}

/* Run jwt-cli; input (optional) goes to stdin. Never throws on a non-zero exit. */
function cli(args, input) {
  const r = spawnSync(cliPath(), args, {
    input: input === undefined ? '' : input,
    encoding: 'utf8',
    timeout: 20000,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/* Every JWS algorithm the core implements, with the key each needs. jsonwebtoken has no
 * EdDSA, so the EdDSA rows are signed by jose only. */
const ALGS = [
  { alg: 'HS256', kind: 'hs256' }, { alg: 'HS384', kind: 'hs384' }, { alg: 'HS512', kind: 'hs512' },
  { alg: 'RS256', kind: 'rsa' }, { alg: 'RS384', kind: 'rsa' }, { alg: 'RS512', kind: 'rsa' },
  { alg: 'PS256', kind: 'rsa' }, { alg: 'PS384', kind: 'rsa' }, { alg: 'PS512', kind: 'rsa' },
  { alg: 'ES256', kind: 'ec256' }, { alg: 'ES384', kind: 'ec384' }, { alg: 'ES512', kind: 'ec521' },
  { alg: 'EdDSA', kind: 'ed25519', label: 'EdDSA (Ed25519)' },
  { alg: 'EdDSA', kind: 'ed448', label: 'EdDSA (Ed448)' },
];
for (const a of ALGS) {
  a.label = a.label || a.alg;
  a.jsonwebtoken = a.alg !== 'EdDSA';
  a.hmac = a.alg.startsWith('HS');
}

const GENPKEY = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsaOther: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ec256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec256Other: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ec521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-algorithm', 'ED25519'],
  ed25519Other: ['-algorithm', 'ED25519'],
  ed448: ['-algorithm', 'ED448'],
};
const SECRETS = { hs256: 32, hs384: 48, hs512: 64, hs256Other: 32 };

function openssl(args) {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function makeKeys() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-interop-'));
  const keys = {
    dir,
    write(name, text) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
    forAlg(a) { return keys[a.kind]; },
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
  for (const [name, args] of Object.entries(GENPKEY)) {
    const privPath = path.join(dir, `${name}.key.pem`);
    const pubPath = path.join(dir, `${name}.pub.pem`);
    openssl(['genpkey', ...args, '-out', privPath]);
    openssl(['pkey', '-in', privPath, '-pubout', '-out', pubPath]);
    keys[name] = {
      name, privPath, pubPath,
      privPem: fs.readFileSync(privPath, 'utf8'),
      pubPem: fs.readFileSync(pubPath, 'utf8'),
      signArg: privPath, verifyArg: pubPath,
    };
  }
  for (const [name, size] of Object.entries(SECRETS)) {
    const p = path.join(dir, `${name}.bin`);
    openssl(['rand', '-out', p, String(size)]);
    const secret = fs.readFileSync(p);
    if (secret.length !== size) throw new Error(`openssl rand gave ${secret.length} bytes`);
    keys[name] = { name, secret, path: p, signArg: `secret:${p}`, verifyArg: `secret:${p}` };
  }
  return keys;
}

const ISS = 'https://idp.interop.test/';
const AUD = 'orders-api';

/* Claims that exercise more than the registered names: nested object, array, unicode,
 * a number that is not an integer. exp/nbf/iat around the real clock. */
function claimsFor(label) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISS, aud: AUD, sub: `user-${label}`,
    iat: now - 10, nbf: now - 10, exp: now + 600,
    name: 'Zoë Ñandú \u263a', admin: false, score: 12.5,
    realm_access: { roles: ['admin', 'ops'] },
    groups: ['a', 'b/c'],
  };
}

/* Split stderr "<code>: <message>" as jwt-cli prints a refusal. */
function refusal(r) {
  const m = /^([a-z0-9_]+): (.*)$/s.exec(r.stderr.trim());
  return m ? { code: m[1], message: m[2] } : { code: null, message: r.stderr };
}

function b64urlJson(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

module.exports = { cli, cliPath, makeKeys, ALGS, ISS, AUD, claimsFor, refusal, b64urlJson };
