'use strict';
/*
 * Tokens signed by the core (jwt-cli sign) verify in `jose` -- with the public key as
 * PEM and as the JWK the core exports (jwt-cli jwk) -- and, for the algorithms it
 * implements, in `jsonwebtoken`.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const jose = require('jose');
const { cli, makeKeys, ALGS, ISS, AUD, claimsFor, refusal } = require('./lib/interop');

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function coreSign(a, k, claims, kid) {
  const args = ['sign', '--key', k.signArg, '--alg', a.alg, '--typ', 'JWT', '--claims', JSON.stringify(claims)];
  if (kid) args.push('--kid', kid);
  const r = cli(args);
  assert.equal(r.status, 0, `jwt-cli sign refused: ${r.stderr}`);
  const token = r.stdout.trim();
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  return token;
}

function coreJwk(keyArg) {
  const r = cli(['jwk', '--key', keyArg]);
  assert.equal(r.status, 0, `jwt-cli jwk refused: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('core -> jose', async (t) => {
  for (const a of ALGS) {
    await t.test(a.label, async () => {
      const k = keys.forAlg(a);
      const kid = `core-${k.name}`;
      const claims = claimsFor(`core-${a.label}`);
      const token = coreSign(a, k, claims, kid);
      const opts = { issuer: ISS, audience: AUD, algorithms: [a.alg], typ: 'JWT' };

      const pemKey = a.hmac ? new Uint8Array(k.secret) : await jose.importSPKI(k.pubPem, a.alg);
      const v1 = await jose.jwtVerify(token, pemKey, opts);
      assert.deepEqual(v1.payload, claims);
      assert.deepEqual(v1.protectedHeader, { alg: a.alg, kid, typ: 'JWT' });

      if (a.hmac) {
        /* an HMAC secret has no public half to export */
        const r = cli(['jwk', '--key', k.verifyArg]);
        assert.equal(r.status, 1);
        assert.equal(refusal(r).code, 'arg', r.stderr);
        return;
      }
      /* the public JWK the core exports, from the public PEM and from the private PEM */
      const jwk = coreJwk(k.pubPath);
      assert.deepEqual(coreJwk(k.privPath), jwk, 'private key file exports the same public JWK');
      for (const m of PRIVATE_JWK_MEMBERS) assert.equal(jwk[m], undefined, `JWK carries private member ${m}`);
      const v2 = await jose.jwtVerify(token, await jose.importJWK(jwk, a.alg), opts);
      assert.deepEqual(v2.payload, claims);
      /* and it is the same key jose derives from the PEM */
      const expected = await jose.exportJWK(await jose.importSPKI(k.pubPem, a.alg, { extractable: true }));
      for (const m of Object.keys(expected)) assert.equal(jwk[m], expected[m], `JWK member ${m}`);
    });
  }
});

test('core -> jsonwebtoken', async (t) => {
  for (const a of ALGS) {
    await t.test(a.label, { skip: a.jsonwebtoken ? false : 'jsonwebtoken does not implement EdDSA' }, () => {
      const k = keys.forAlg(a);
      const claims = claimsFor(`core-jsonwebtoken-${a.label}`);
      const token = coreSign(a, k, claims);
      const payload = jwt.verify(token, a.hmac ? k.secret : k.pubPem,
        { algorithms: [a.alg], issuer: ISS, audience: AUD });
      assert.deepEqual(payload, claims);
      assert.deepEqual(jwt.decode(token, { complete: true }).header, { alg: a.alg, typ: 'JWT' });
    });
  }
});

/* The core's ECDSA output is raw R||S of the curve's exact size (RFC 7518 3.4), which is
 * why jose accepts it; pin the lengths so a DER regression is named, not just "fails". */
test('core ECDSA signatures are raw R||S of exact length', () => {
  for (const [alg, kind, len] of [['ES256', 'ec256', 64], ['ES384', 'ec384', 96], ['ES512', 'ec521', 132]]) {
    const a = ALGS.find((x) => x.alg === alg);
    const token = coreSign(a, keys[kind], claimsFor(alg));
    assert.equal(Buffer.from(token.split('.')[2], 'base64url').length, len, alg);
  }
});
