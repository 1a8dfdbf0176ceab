// Wraps the benchmark's RS256 and ES256 tokens (bench/mint.js) in JWEs with npm jose, for the
// JWE rows (issue 24): nested sign-then-encrypt, cty "JWT".
// usage: node mint-jwe.js STATE_DIR
// Writes STATE_DIR/tokens-JWE-RS.txt (each tokens-RS256.txt line under RSA-OAEP-256 +
// A256GCM for jwe-rsa.pem) and tokens-JWE-ES.txt (each tokens-ES256.txt line under
// ECDH-ES + A256GCM for jwe-ec.pem), and single-JWE-RS.txt / single-JWE-ES.txt.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { CompactEncrypt } = require(path.join(__dirname, '..', 'tests', 'node_modules', 'jose'));

const [dir] = process.argv.slice(2);
const rows = [
  { name: 'JWE-RS', inner: 'RS256', key: 'jwe-rsa.pem', alg: 'RSA-OAEP-256', kid: 'bench-jwe-rs' },
  { name: 'JWE-ES', inner: 'ES256', key: 'jwe-ec.pem', alg: 'ECDH-ES', kid: 'bench-jwe-es' },
];

const wrap = (jws, key, row) => new CompactEncrypt(Buffer.from(jws))
  .setProtectedHeader({ alg: row.alg, enc: 'A256GCM', cty: 'JWT', kid: row.kid }).encrypt(key);

(async () => {
  for (const row of rows) {
    const key = crypto.createPublicKey(crypto.createPrivateKey(fs.readFileSync(path.join(dir, row.key))));
    const single = fs.readFileSync(path.join(dir, `single-${row.inner}.txt`), 'utf8').trim();
    fs.writeFileSync(path.join(dir, `single-${row.name}.txt`), (await wrap(single, key, row)) + '\n');
    const lines = fs.readFileSync(path.join(dir, `tokens-${row.inner}.txt`), 'utf8').trim().split('\n');
    const out = fs.openSync(path.join(dir, `tokens-${row.name}.txt`), 'w');
    for (const jws of lines) fs.writeSync(out, (await wrap(jws, key, row)) + '\n');
    fs.closeSync(out);
    process.stderr.write(`wrapped ${lines.length} ${row.inner} tokens as ${row.name}\n`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
