'use strict';
/* A fleet on one machine (issue 25): a real redis-server, then a real memcached, on
 * 127.0.0.1 with a free port and their own temp dir; three httpd instances with
 * AuthJWTRevocationCache pointing at it. A token every server accepts is revoked on
 * server 1 (RFC 7009 endpoint); all three must refuse it within 1 s (the worst delay over
 * 20 trials is printed). Faults: the store stopped (deny: 503 + Retry-After; allow: 200 and
 * one log line per process), back again (normal within apr_redis / apr_memcache's 5 s
 * dead-server retry), and a restart that lost every entry: detected (AH-JWT-1112) and marked
 * in the store, so every server (one that joins later too) refuses the tokens issued
 * before the loss until the horizon has passed, and judges later ones normally; the marker
 * expires with the horizon (a short one). Tokens from npm jsonwebtoken. */
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jsonwebtoken = require('jsonwebtoken');
const { startHttpd, request, sleep } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const F = require('../integration/lib/fixture');
const { startStore } = require('./lib/stores');

const ISS = 'https://idp.example/';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const now = () => Math.floor(Date.now() / 1000);

for (const kind of ['redis', 'memcache']) {
  describe(`fleet of three servers over ${kind}`, () => {
    let keys; let store; const servers = [];
    const sign = (extra = {}) => jsonwebtoken.sign(
      { sub: 'alice', iss: ISS, iat: now(), exp: now() + 600, jti: crypto.randomUUID(), ...extra },
      keys.rsa.privateKey, { algorithm: 'RS256' });
    const api = (s, token, p = '/api/ok.txt') => request(s.base, p, { headers: F.bearer(token), timeout: 10000 });
    const revoke = (s, token) => request(s.base, '/auth/revoke', {
      method: 'POST', headers: FORM, body: new URLSearchParams({ token }).toString() });
    const revokedCount = async (s) => {
      const r = await request(s.base, '/metrics');
      assert.equal(r.status, 200);
      const m = /^mod_auth_jwt_requests_total\{location="\/api",outcome="refused",reason="revoked"\} (\d+)$/m.exec(r.body);
      return m ? Number(m[1]) : 0;
    };
    let conf;

    before(async () => {
      keys = generateKeys({ only: ['rsa'] });
      store = await startStore(kind);
      const k = `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTIssuer ${ISS}\n`;
      conf = `AuthJWTRevocationCache ${store.spec}
${F.location('/api', 'api', `${k}  AuthJWTRevocation On\n  Require valid-user`)}
${F.location('/allow', 'allow', `${k}  AuthJWTRevocation On\n  AuthJWTRevocationOnError allow\n  Require valid-user`)}
<Location /auth/revoke>
  SetHandler jwt-revoke-handler
${k}</Location>
<Location /metrics>
  SetHandler jwt-metrics-handler
  Require all granted
</Location>
`;
      for (let i = 0; i < 3; i++) {
        servers.push(await startHttpd({ name: `fleet-${kind}-${i + 1}`, modules: [`socache_${kind}`], conf }));
      }
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await store?.kill();
      keys?.cleanup();
    });

    test('a token revoked on server 1 is refused by all three within 1 s (worst of 20 trials)', async (t) => {
      let worst = 0;
      const delays = [];
      for (let trial = 0; trial < 20; trial++) {
        const token = sign();
        for (const s of servers) A.expectOk(await api(s, token));
        const t0 = Date.now();
        const res = await revoke(servers[0], token);
        assert.equal(res.status, 200, res.body);
        const took = await Promise.all(servers.map(async (s) => {
          for (;;) {
            const r = await api(s, token);
            if (r.status === 401) {
              A.expectInvalidToken(r, 'api', token, 'revoked');
              return Date.now() - t0;
            }
            A.expectOk(r);
            if (Date.now() - t0 > 5000) return Infinity;
          }
        }));
        const m = Math.max(...took);
        delays.push(m);
        worst = Math.max(worst, m);
      }
      t.diagnostic(`${kind}: revoke on server 1 -> refused by all three: worst ${worst} ms over 20 trials (median ${delays.sort((a, b) => a - b)[10]} ms)`);
      assert.ok(worst <= 1000, `worst delay ${worst} ms`);
    });

    test('the store holds what was written (read back from the store itself), hashed keys', async () => {
      const before = await store.count();
      const token = sign();
      assert.equal((await revoke(servers[1], token)).status, 200);
      assert.equal(await store.count(), before + 1);
      for (const s of servers) A.expectInvalidToken(await api(s, token), 'api', token, 'revoked');
    });

    test('a hostile jti (protocol words, CRLF, spaces, 1000 bytes) cannot break the protocol', async () => {
      const innocent = sign();
      for (const jti of ['x\r\nflush_all\r\n', 'a b\r\nset k 0 0 1\r\n1', '*1\r\n$8\r\nFLUSHALL\r\n', 'k'.repeat(1000)]) {
        const token = sign({ jti });
        A.expectOk(await api(servers[2], token));
        assert.equal((await revoke(servers[0], token)).status, 200);
        for (const s of servers) A.expectInvalidToken(await api(s, token), 'api', token, 'revoked');
      }
      const earlier = sign();
      assert.equal((await revoke(servers[0], earlier)).status, 200);
      // nothing was flushed: an earlier revocation is still there, a clean token still passes
      for (const s of servers) A.expectInvalidToken(await api(s, earlier), 'api', earlier, 'revoked');
      for (const s of servers) A.expectOk(await api(s, innocent));
    });

    test('store stopped: deny -> 503 + Retry-After, allow -> 200 with one log line per process; store back: normal again, lost entries detected', async (t) => {
      const revokedBefore = sign();
      assert.equal((await revoke(servers[0], revokedBefore)).status, 200);
      const good = sign();
      const logBefore = servers.map((s) => (s.errorLog().match(/AH-JWT-1111/g) || []).length);
      await store.stop();
      let slowest = 0;
      for (let i = 0; i < 10; i++) {
        for (const s of servers) {
          const t0 = Date.now();
          const r = await api(s, good);
          const r2 = await api(s, good, '/allow/ok.txt');
          slowest = Math.max(slowest, Date.now() - t0);
          assert.equal(r.status, 503, r.body);
          assert.equal(r.headers['retry-after'], '5');
          A.expectOk(r2);
        }
      }
      t.diagnostic(`${kind} stopped: slowest pair of requests ${slowest} ms`);
      assert.ok(slowest < 2000, `a request took ${slowest} ms with the store down`);
      const rv = await revoke(servers[0], sign());
      assert.equal(rv.status, 503, 'a revocation that cannot be stored is not claimed');
      servers.forEach((s, i) => {
        const n = (s.errorLog().match(/AH-JWT-1111/g) || []).length - logBefore[i];
        assert.ok(n >= 1 && n <= 4, `server ${i + 1}: ${n} AH-JWT-1111 lines for 20 failed checks`);
      });

      await store.start();                       // empty: --save "" --appendonly no
      const restartedAt = now();
      const t0 = Date.now();
      // a 503 (Retry-After) while a client still holds a connection from before the restart:
      // it fails once, the client counts the server dead for 5 s; asked again within a deadline
      const answered = async (s, token) => {
        const started = Date.now();
        for (;;) {
          const r = await api(s, token);
          if (r.status !== 503) return r;
          assert.equal(r.headers['retry-after'], '5');
          assert.ok(Date.now() - started < 15000, `still 503 ${Date.now() - started} ms after the store came back`);
          await sleep(100);
        }
      };
      // the restart lost the revocation: every server answers again, and refuses what was
      // issued before the loss -- `good` (never revoked, but nobody can know) included
      for (const s of servers) A.expectInvalidToken(await answered(s, good), 'api', good, 'revocation_lost');
      const back = Date.now() - t0;
      t.diagnostic(`${kind} back: every server answers after ${back} ms`);
      assert.ok(back < 8000, `${back} ms`);
      const metricBefore = await revokedCount(servers[1]);
      for (const s of servers) A.expectInvalidToken(await answered(s, revokedBefore), 'api', revokedBefore, 'revocation_lost');
      // counted as a revocation refusal (the existing reason label)
      for (const deadline = Date.now() + 5000; await revokedCount(servers[1]) !== metricBefore + 1;) {
        assert.ok(Date.now() < deadline, 'the refusal was not counted under reason="revoked"');
        await sleep(50);
      }
      // every server saw the old canary, so each knows it lost its entries, and says until when
      servers.forEach((s, i) => assert.match(s.errorLog(),
        /AH-JWT-1112: the revocation store .* had lost its entries .*tokens issued before \d+ \(or without iat\) are refused until \d+/,
        `server ${i + 1} did not log the loss`));
      assert.ok(servers.some((s) => /AH-JWT-1113: revocation store .* answers again/.test(s.errorLog())));
      // the marker in the store itself: T between the restart and now, kept for the horizon
      const marks = (await store.entries()).filter((e) => /^mod_auth_jwt shared store lost its entries at \d+$/.test(e.value));
      assert.equal(marks.length, 1, JSON.stringify(marks));
      const lostAt = Number(/(\d+)$/.exec(marks[0].value)[1]);
      assert.ok(lostAt > restartedAt && lostAt <= now() + 1, `marker T ${lostAt}, restarted at ${restartedAt}`);
      assert.ok(Math.abs(marks[0].expiresAt - (lostAt + 86400) * 1000) < 5000, `marker expires at ${marks[0].expiresAt}`);
      // tokens issued from T on are judged normally: a fresh one passes, and a revocation of it holds
      while (now() < lostAt) await sleep(50);
      const fresh = sign();
      for (const s of servers) A.expectOk(await answered(s, fresh));
      const after = sign();
      for (const deadline = Date.now() + 15000; ;) {
        const rv = await revoke(servers[2], after);
        if (rv.status === 200) break;
        assert.equal(rv.status, 503, rv.body);
        assert.ok(Date.now() < deadline, 'the revocation after the loss still gets 503');
        await sleep(100);
      }
      for (const s of servers) A.expectInvalidToken(await answered(s, after), 'api', after, 'revoked');
      // a server that joins now never saw the store before: the marker alone tells it
      const late = await startHttpd({ name: `fleet-${kind}-4`, modules: [`socache_${kind}`], conf });
      servers.push(late);
      A.expectInvalidToken(await api(late, revokedBefore), 'api', revokedBefore, 'revocation_lost');
      A.expectInvalidToken(await api(late, good), 'api', good, 'revocation_lost');
      A.expectOk(await api(late, fresh));
      A.expectInvalidToken(await api(late, after), 'api', after, 'revoked');
      assert.match(late.errorLog(), new RegExp(`AH-JWT-1118: the shared store .* is marked as having lost its entries at ${lostAt} `));
      assert.doesNotMatch(late.errorLog(), /AH-JWT-1112/);
      for (const s of servers) assert.doesNotMatch(s.errorLog(), /exit signal|Segmentation/, 'a child crashed');
    });
  });

  describe(`a ${kind} store that lost its entries: the marker lasts AuthJWTRevocationHorizon (10 s)`, () => {
    const H = 10;
    let keys; let store; let server;
    // lifetimes within the horizon: exp - iat <= H, exp <= now + H (AuthJWTLeeway 0)
    const sign = (claims, opts = {}) => jsonwebtoken.sign({ sub: 'bob', iss: ISS, jti: crypto.randomUUID(), ...claims },
      keys.rsa.privateKey, { algorithm: 'RS256', ...opts });
    const noIat = () => sign({ exp: now() + H - 1 }, { noTimestamp: true });
    const api = (token) => request(server.base, '/api/ok.txt', { headers: F.bearer(token), timeout: 10000 });
    // after the store's restart: a client connection from before fails once and the client
    // counts the server dead for 5 s (503 + Retry-After); asked again (a fresh token each time)
    const answered = async (mk) => {
      const started = Date.now();
      for (;;) {
        const r = await api(typeof mk === 'function' ? mk() : mk);
        if (r.status !== 503) return r;
        assert.equal(r.headers['retry-after'], '5');
        assert.ok(Date.now() - started < 15000, `still 503 ${Date.now() - started} ms after the store came back`);
        await sleep(100);
      }
    };

    before(async () => {
      keys = generateKeys({ only: ['rsa'] });
      store = await startStore(kind);
      server = await startHttpd({ name: `fleet-${kind}-horizon`, modules: [`socache_${kind}`], conf: `AuthJWTRevocationCache ${store.spec}
AuthJWTRevocationHorizon ${H}
${F.location('/api', 'api', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTIssuer ${ISS}\n  AuthJWTLeeway 0\n  AuthJWTRevocation On\n  Require valid-user`)}` });
    });
    after(async () => {
      await server?.stop();
      await store?.kill();
      keys?.cleanup();
    });

    test('a new store refuses nothing; after a loss at T: iat before T or no iat refused, later iat accepted; from T + horizon on the marker is gone and the refusal ends', async () => {
      // a brand-new deployment on an empty store: a token issued before the server started passes
      const early = sign({ iat: now() - 2, exp: now() + H - 2 });
      A.expectOk(await api(early));
      A.expectOk(await api(noIat()));
      assert.match(server.errorLog(), /AH-JWT-1115: the shared store .* has no canary and this server never saw one/);
      assert.doesNotMatch(server.errorLog(), /AH-JWT-1112/);
      // a canary read over a second later finds the canary this server wrote: now it has seen it
      await sleep(1100);
      A.expectOk(await api(noIat()));

      await store.stop();
      await store.start();
      const restartedAt = now();
      A.expectInvalidToken(await answered(noIat), 'api', null, 'revocation_lost');
      const marks = (await store.entries()).filter((e) => /^mod_auth_jwt shared store lost its entries at \d+$/.test(e.value));
      assert.equal(marks.length, 1, JSON.stringify(await store.entries()));
      const T = Number(/(\d+)$/.exec(marks[0].value)[1]);
      assert.ok(T > restartedAt && T <= now() + 1, `T ${T}, restarted at ${restartedAt}`);
      // the entry expires at T + horizon (redis PTTL / memcached exp, whole seconds)
      assert.ok(Math.abs(marks[0].expiresAt - (T + H) * 1000) <= 2000, `marker expires at ${marks[0].expiresAt}, T + H = ${(T + H) * 1000}`);
      assert.match(server.errorLog(), new RegExp(`AH-JWT-1112: .*tokens issued before ${T} \\(or without iat\\) are refused until ${T + H} `));

      const before = sign({ iat: T - 1, exp: T + H - 2 });     // issued before T, ends before T + H
      const since = sign({ iat: T, exp: T + H - 1 });
      while (now() < T) await sleep(50);                         // since's iat is not in the future
      if (now() < T + H - 2) {
        A.expectInvalidToken(await answered(before), 'api', before, 'revocation_lost');
      }
      if (now() < T + H - 2) A.expectOk(await answered(since));
      if (now() < T + H - 2) A.expectInvalidToken(await answered(noIat), 'api', null, 'revocation_lost');

      // T + horizon: no token issued before T can be valid any more (the horizon bounds every
      // lifetime), so the marker is gone and the refusal ends
      await sleep(Math.max(0, (T + H) * 1000 - Date.now()) + 50);
      for (const deadline = Date.now() + 5000; ;) {
        const left = (await store.entries()).filter((e) => e.value.startsWith('mod_auth_jwt shared store lost'));
        if (!left.length) break;
        assert.ok(Date.now() < deadline, `the marker is still there ${Date.now() - (T + H) * 1000} ms after T + horizon`);
        await sleep(200);
      }
      A.expectOk(await answered(noIat));
      A.expectInvalidToken(await answered(before), 'api', before, 'expired');
      assert.doesNotMatch(server.errorLog(), /exit signal|Segmentation/, 'a child crashed');
    });
  });
}
