'use strict';
/*
 * Tokens signed by the npm packages `jsonwebtoken` (the seed article's library) and
 * `jose` verify in the core (jwt-cli verify), for every algorithm, with the claims
 * checked (iss, aud, exp, nbf, iat) and the payload returned unchanged.
 * jsonwebtoken has no EdDSA: the Ed25519 / Ed448 rows are signed by jose only.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const jose = require('jose');
const { cli, makeKeys, ALGS, ISS, AUD, claimsFor, refusal } = require('./lib/interop');

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

function verifyInCore(token, keyArg, alg, claims) {
  const r = cli(['verify', '--key', keyArg, '--algs', alg, '--iss', ISS, '--aud', AUD, token]);
  assert.equal(r.status, 0, `jwt-cli verify refused: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout), claims);
  /* the claims were really read from this library's token: a wrong audience and a clock
   * past exp are refused with their exact codes */
  const aud = cli(['verify', '--key', keyArg, '--algs', alg, '--aud', 'not-this-api', token]);
  assert.equal(aud.status, 1, aud.stdout);
  assert.equal(refusal(aud).code, 'audience', aud.stderr);
  const late = cli(['verify', '--key', keyArg, '--algs', alg, '--leeway', '0', '--now', String(claims.exp + 1), token]);
  assert.equal(late.status, 1, late.stdout);
  assert.equal(refusal(late).code, 'expired', late.stderr);
}

async function joseSigningKey(a, k) {
  return a.hmac ? new Uint8Array(k.secret) : jose.importPKCS8(k.privPem, a.alg);
}

test('jsonwebtoken -> core', async (t) => {
  for (const a of ALGS) {
    await t.test(a.label, { skip: a.jsonwebtoken ? false : 'jsonwebtoken does not implement EdDSA (covered by jose)' }, () => {
      const k = keys.forAlg(a);
      const claims = claimsFor(`jsonwebtoken-${a.label}`);
      const token = jwt.sign(claims, a.hmac ? k.secret : k.privPem, { algorithm: a.alg });
      assert.equal(jose.decodeProtectedHeader(token).alg, a.alg);
      verifyInCore(token, k.verifyArg, a.alg, claims);
    });
  }
});

test('jose -> core (PEM / secret keys)', async (t) => {
  for (const a of ALGS) {
    await t.test(a.label, async () => {
      const k = keys.forAlg(a);
      const claims = claimsFor(`jose-${a.label}`);
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: a.alg, typ: 'JWT' })
        .sign(await joseSigningKey(a, k));
      verifyInCore(token, k.verifyArg, a.alg, claims);
    });
  }
});

/* The keys as jose exports them (JWK with kid and alg, in a JWKS), read by the core's
 * JWK importer; the token names its kid, so the core picks the key by kid. */
test('jose -> core (jose-exported JWKS, key chosen by kid)', async (t) => {
  for (const a of ALGS) {
    await t.test(a.label, async () => {
      const k = keys.forAlg(a);
      const kid = `jose-${k.name}-${a.alg}`;
      const pub = a.hmac ? new Uint8Array(k.secret) : await jose.importSPKI(k.pubPem, a.alg, { extractable: true });
      const jwk = { ...(await jose.exportJWK(pub)), kid, alg: a.alg, use: 'sig' };
      assert.equal(jwk.d, undefined, 'public JWK must not carry d');
      const file = keys.write(`${kid}.jwks.json`, JSON.stringify({ keys: [jwk] }));
      const claims = claimsFor(`jose-jwks-${a.label}`);
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: a.alg, kid })
        .sign(await joseSigningKey(a, k));
      verifyInCore(token, file, a.alg, claims);

      /* the same token with a kid the set does not have */
      const other = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: a.alg, kid: `${kid}-unknown` })
        .sign(await joseSigningKey(a, k));
      const r = cli(['verify', '--key', file, '--algs', a.alg, other]);
      assert.equal(r.status, 1);
      assert.equal(refusal(r).code, 'unknown_kid', r.stderr);
    });
  }
});
