'use strict';
// DPoP replay across a fleet (RFC 9449 11.1; mod_auth_jwt/dpop_replay.c over shared_store.h):
// two servers with AuthJWTRevocationCache on one redis or memcached (Debian packages, started
// here); a proof from npm dpop accepted by server 1 is refused by server 2. Both servers
// call themselves https://api.example (UseCanonicalName On), so the proof's htu fits both,
// as behind one load balancer. Tokens from npm jsonwebtoken.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');
const A = require('../integration/lib/assertions');
const F = require('../integration/lib/fixture');
const { startStore } = require('./lib/stores');

const HTU = 'https://api.example/dpop/ok.txt';

for (const kind of ['redis', 'memcache']) {
  describe(`DPoP replay across two servers over ${kind}`, () => {
    let keys; let store; let dpop; let kp; const servers = [];
    before(async () => {
      dpop = await import('dpop');
      kp = await dpop.generateKeyPair('ES256');
      keys = generateKeys({ only: ['rsa'] });
      store = await startStore(kind);
      const conf = `AuthJWTRevocationCache ${store.spec}
ServerName https://api.example:443
UseCanonicalName On
${F.location('/dpop', 'dpop', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTBinding dpop\n  Require valid-user`)}`;
      for (let i = 0; i < 2; i++) {
        servers.push(await startHttpd({ name: `dpop-fleet-${kind}-${i + 1}`, modules: [`socache_${kind}`], conf }));
      }
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await store?.kill();
      keys?.cleanup();
    });

    const send = (s, token, proof) => request(s.base, '/dpop/ok.txt', { headers: { Authorization: `DPoP ${token}`, DPoP: proof }, timeout: 10000 });

    test('a proof used on server 1 is refused on server 2 (and on server 1); fresh proofs pass on both', async () => {
      const token = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims({ cnf: { jkt: await dpop.calculateThumbprint(kp.publicKey) } }) });
      for (let i = 0; i < 5; i++) {
        const p = await dpop.generateProof(kp, HTU, 'GET', undefined, token);
        const [first, second] = i % 2 ? [servers[1], servers[0]] : [servers[0], servers[1]];
        A.expectOk(await send(first, token, p));
        for (const s of [second, first]) {
          const res = await send(s, token, p);
          assert.equal(res.status, 401, `round ${i}: ${res.status}`);
          const c = A.parseChallenge(res.header('WWW-Authenticate')[0]);
          assert.equal(c.params.error, 'invalid_dpop_proof');
          assert.equal(c.params.error_description, 'DPoP proof replayed');
        }
      }
      assert.ok(await store.count() >= 5, 'the proofs are in the shared store');
    });
  });
}
