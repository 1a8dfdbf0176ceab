'use strict';
/*
 * Tokens signed by the core (jwt-cli sign) verify in `jose` -- with the public key as
 * PEM and as the JWK the core exports (jwt-cli jwk) -- and, for the algorithms it
 * implements, in `jsonwebtoken`.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
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

/* RFC 9864 fully-specified names "Ed25519" / "Ed448": jose 5 and jsonwebtoken do not
 * know them, so the signature bytes are checked with node:crypto (OpenSSL underneath,
 * but a separate code path from the core), both ways. */
test('RFC 9864 Ed25519 / Ed448 names: core <-> node:crypto', async (t) => {
  for (const [name, kind] of [['Ed25519', 'ed25519'], ['Ed448', 'ed448']]) {
    await t.test(name, () => {
      const k = keys[kind];
      const claims = claimsFor(`rfc9864-${name}`);
      const token = coreSign({ alg: name }, k, claims);
      const [h, p, s] = token.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: name, typ: 'JWT' });
      assert.ok(crypto.verify(null, Buffer.from(`${h}.${p}`), k.pubPem, Buffer.from(s, 'base64url')),
        'node:crypto verifies the core signature');
      assert.deepEqual(JSON.parse(Buffer.from(p, 'base64url')), claims);

      const h2 = Buffer.from(JSON.stringify({ alg: name })).toString('base64url');
      const p2 = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const sig = crypto.sign(null, Buffer.from(`${h2}.${p2}`), k.privPem).toString('base64url');
      const r = cli(['verify', '--key', k.verifyArg, '--algs', name, '--iss', ISS, '--aud', AUD, `${h2}.${p2}.${sig}`]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), claims);

      /* the name pins the curve: the same bytes under the other curve's name find no key */
      const otherName = name === 'Ed25519' ? 'Ed448' : 'Ed25519';
      const h3 = Buffer.from(JSON.stringify({ alg: otherName })).toString('base64url');
      const sig3 = crypto.sign(null, Buffer.from(`${h3}.${p2}`), k.privPem).toString('base64url');
      const r3 = cli(['verify', '--key', k.verifyArg, '--iss', ISS, '--aud', AUD, `${h3}.${p2}.${sig3}`]);
      assert.equal(r3.status, 1, r3.stdout);
      assert.equal(refusal(r3).code, 'no_key', r3.stderr);
    });
  }
});
