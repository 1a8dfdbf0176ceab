// Mints the sender-constrained rows' credentials with jose and npm dpop (independent of the
// module): usage: node mint_binding.js STATE_DIR PORT PROOFS
//   STATE_DIR/single-RS256-mtls.txt  an RS256 token whose cnf["x5t#S256"] is the SHA-256 of
//                                    STATE_DIR/client.crt (made with the openssl CLI before)
//   STATE_DIR/client-cert-field.txt  that certificate as an RFC 9440 Client-Cert value
//   STATE_DIR/single-RS256-dpop.txt  an RS256 token bound (cnf.jkt) to a fresh ES256 key
//   STATE_DIR/proofs-RS256-dpop.txt  PROOFS distinct DPoP proofs of that key (one per request,
//                                    as real clients send), for GET http://127.0.0.1:PORT/rs-dpop/file.txt
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { SignJWT } = require(path.join(__dirname, '..', 'tests', 'node_modules', 'jose'));

const [dir, port, countArg] = process.argv.slice(2);
const count = Number(countArg || 100000);
const now = Math.floor(Date.now() / 1000);
const rs = crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'rs256.pem')));

const token = (cnf) => new SignJWT({ scope: 'read', cnf })
  .setProtectedHeader({ alg: 'RS256', kid: 'bench-rs', typ: 'JWT' })
  .setSubject('user0').setIssuer('https://bench.example/').setAudience('bench')
  .setIssuedAt(now).setExpirationTime(now + 6 * 3600).sign(rs);

(async () => {
  const dpop = await import(path.join(__dirname, '..', 'tests', 'node_modules', 'dpop', 'build', 'index.js'));
  const der = new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'client.crt'))).raw;
  fs.writeFileSync(path.join(dir, 'single-RS256-mtls.txt'),
    `${await token({ 'x5t#S256': crypto.createHash('sha256').update(der).digest('base64url') })}\n`);
  fs.writeFileSync(path.join(dir, 'client-cert-field.txt'), `:${der.toString('base64')}:\n`);
  const kp = await dpop.generateKeyPair('ES256');
  const t = await token({ jkt: await dpop.calculateThumbprint(kp.publicKey) });
  fs.writeFileSync(path.join(dir, 'single-RS256-dpop.txt'), `${t}\n`);
  const out = fs.openSync(path.join(dir, 'proofs-RS256-dpop.txt'), 'w');
  const htu = `http://127.0.0.1:${port}/rs-dpop/file.txt`;
  for (let i = 0; i < count; i++) fs.writeSync(out, `${await dpop.generateProof(kp, htu, 'GET', undefined, t)}\n`);
  fs.closeSync(out);
  process.stderr.write(`minted ${count} DPoP proofs\n`);
})().catch((e) => { console.error(e); process.exit(1); });
