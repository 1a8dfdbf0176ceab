// Mints the benchmark's tokens with node's crypto (via jose), independently of our signer.
// usage: node mint.js STATE_DIR COUNT
// Writes STATE_DIR/tokens-<alg>.txt (COUNT distinct tokens, one per line) and
// STATE_DIR/single-<alg>.txt (one token), for HS256, RS256, ES256 and EdDSA.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { SignJWT } = require(path.join(__dirname, '..', 'tests', 'node_modules', 'jose'));

const [dir, countArg] = process.argv.slice(2);
const count = Number(countArg || 100000);
const now = Math.floor(Date.now() / 1000);

const keys = {
  HS256: { key: fs.readFileSync(path.join(dir, 'hs256.key')), kid: 'bench-hs' },
  RS256: { key: crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'rs256.pem'))), kid: 'bench-rs' },
  ES256: { key: crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'es256.pem'))), kid: 'bench-es' },
  EdDSA: { key: crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'ed25519.pem'))), kid: 'bench-ed' },
};

async function mint(alg, i) {
  const { key, kid } = keys[alg];
  return new SignJWT({ scope: 'read', n: i })
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setSubject(`user${i}`).setIssuer('https://bench.example/').setAudience('bench')
    .setIssuedAt(now).setExpirationTime(now + 6 * 3600).setJti(`j${i}`)
    .sign(key);
}

(async () => {
  for (const alg of Object.keys(keys)) {
    const file = path.join(dir, `tokens-${alg}.txt`);
    fs.writeFileSync(path.join(dir, `single-${alg}.txt`), (await mint(alg, 0)) + '\n');
    const out = fs.openSync(file, 'w');
    for (let i = 1; i <= count; i++) fs.writeSync(out, (await mint(alg, i)) + '\n');
    fs.closeSync(out);
    process.stderr.write(`minted ${count} ${alg} tokens\n`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
