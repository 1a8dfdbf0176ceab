'use strict';
/*
 * ECDSA raw R||S conversion, in bulk. About 1 in 128 signatures has an r or s with a
 * leading zero byte (shorter DER integer); a conversion that forgets to left-pad, or
 * that strips too much, fails only on those. Many signatures each way make such a bug
 * show up in practically every run instead of once in a while.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { cli, makeKeys, ISS, AUD, claimsFor } = require('./lib/interop');

/* core side: each signature is a jwt-cli run; P-521 has a leading zero half the time,
 * P-256/P-384 about 1 in 128, so those get more rounds (INTEROP_ECDSA_SCALE scales). */
const SCALE = Number(process.env.INTEROP_ECDSA_SCALE || 1);
const CORE_ROUNDS = { ES256: 300 * SCALE, ES384: 200 * SCALE, ES512: 60 * SCALE };

let keys;
test.before(() => { keys = makeKeys(); });
test.after(() => { if (keys) keys.cleanup(); });

const CURVES = [['ES256', 'ec256', 32], ['ES384', 'ec384', 48], ['ES512', 'ec521', 66]];

/* jose side: keep signing in-process until there are signatures with a short r and with
 * a short s (about 1 in 256 each on P-256), so the case is covered in every run. */
test('jose -> core, ECDSA signatures with leading-zero r and s (and random ones)', async (t) => {
  for (const [alg, kind, half] of CURVES) {
    await t.test(alg, async () => {
      const key = await jose.importPKCS8(keys[kind].privPem, alg);
      const picked = { shortR: [], shortS: [], other: [] };
      for (let i = 0; i < 20000 && (picked.shortR.length < 2 || picked.shortS.length < 2 || picked.other.length < 20); i++) {
        const claims = { ...claimsFor(`bulk-${alg}`), n: i };
        const token = await new jose.SignJWT(claims).setProtectedHeader({ alg }).sign(key);
        const sig = Buffer.from(token.split('.')[2], 'base64url');
        const bucket = sig[0] === 0 ? 'shortR' : sig[half] === 0 ? 'shortS' : 'other';
        if (picked[bucket].length < (bucket === 'other' ? 20 : 2)) picked[bucket].push({ token, claims });
      }
      assert.equal(picked.shortR.length, 2, 'found signatures with a leading-zero r');
      assert.equal(picked.shortS.length, 2, 'found signatures with a leading-zero s');
      for (const [bucket, list] of Object.entries(picked)) {
        for (const { token, claims } of list) {
          const r = cli(['verify', '--key', keys[kind].verifyArg, '--iss', ISS, '--aud', AUD, token]);
          assert.equal(r.status, 0, `${bucket}: ${r.stderr}`);
          assert.deepEqual(JSON.parse(r.stdout), claims);
        }
      }
    });
  }
});

test('core -> jose, many ECDSA tokens per curve', async (t) => {
  for (const [alg, kind, half] of CURVES) {
    await t.test(alg, async () => {
      const pub = await jose.importSPKI(keys[kind].pubPem, alg);
      let shortComponents = 0;
      const rounds = CORE_ROUNDS[alg];
      for (let i = 0; i < rounds; i++) {
        const claims = { ...claimsFor(`bulk-core-${alg}`), n: i };
        const r = cli(['sign', '--key', keys[kind].signArg, '--alg', alg, '--claims', JSON.stringify(claims)]);
        assert.equal(r.status, 0, r.stderr);
        const token = r.stdout.trim();
        const sig = Buffer.from(token.split('.')[2], 'base64url');
        assert.equal(sig.length, 2 * half, `token ${i}: raw signature length`);
        if (sig[0] === 0 || sig[half] === 0) shortComponents++;
        const { payload } = await jose.jwtVerify(token, pub, { issuer: ISS, audience: AUD });
        assert.deepEqual(payload, claims);
      }
      t.diagnostic(`${alg}: ${shortComponents} of ${rounds} signatures had a leading-zero r or s`);
    });
  }
});
