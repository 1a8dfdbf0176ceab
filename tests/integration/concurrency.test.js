'use strict';
// Many parallel requests, good and bad tokens of every key type mixed, while the secrets file
// is rewritten: every answer is the right one (no cross-talk between threads or children),
// and no child crashes. Runs under whichever MPM the group script selects.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('concurrency', () => {
  let keys; let srv; let file;
  const hs = { kid: 'hs', alg: 'HS256', k: crypto.randomBytes(32) };
  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256', 'ed25519'] });
    file = writeSecretsFile(`${keys.dir}/secrets.jwks`, [hs]);
    srv = await startHttpd({
      name: 'concurrency',
      conf: F.location('/api', 'api', `${F.keyFileLines(keys)}\n  AuthJWTSecretsFile "${file}"\n  AuthzSendForbiddenOnFailure On\n  Require jwt-claim role=admin`),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  test('400 parallel requests, 8 kinds of token, each answered correctly', async () => {
    const kinds = [
      ['ok-rs', () => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims({ role: 'admin' }) }), 200],
      ['ok-es', () => T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec256' }, payload: T.claims({ role: 'admin' }) }), 200],
      ['ok-ed', () => T.rawSign({ alg: 'EdDSA', key: keys.ed25519.privateKey, header: { alg: 'EdDSA', kid: 'ed25519' }, payload: T.claims({ role: 'admin' }) }), 200],
      ['ok-hs', () => T.jwtSign({ alg: 'HS256', key: hs.k, header: { kid: 'hs' }, payload: T.claims({ role: 'admin' }) }), 200],
      ['forbidden', () => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims({ role: 'user' }) }), 403],
      ['tampered', () => T.tamperSignature(T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims({ role: 'admin' }) })), 401],
      ['expired', () => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims({ role: 'admin', exp: T.now() - 3600 }) }), 401],
      ['none', null, 401],
    ];
    const jobs = [];
    for (let i = 0; i < 400; i++) {
      const [kind, make, status] = kinds[i % kinds.length];
      const token = make ? make() : null;
      jobs.push({ kind, token, status });
    }
    // rewrite the secrets file (same key) while requests run: reloads must not disturb them
    const rewriter = setInterval(() => writeSecretsFile(file, [hs]), 300);
    let results;
    try {
      results = [];
      for (let i = 0; i < jobs.length; i += 40) {
        const batch = jobs.slice(i, i + 40);
        results.push(...await Promise.all(batch.map((j) => request(srv.base, `/api/ok.txt?${j.kind}`,
          { headers: j.token ? F.bearer(j.token) : {} }))));
      }
    } finally { clearInterval(rewriter); }
    const wrong = [];
    results.forEach((res, i) => { if (res.status !== jobs[i].status) wrong.push(`${jobs[i].kind}: ${res.status}`); });
    assert.deepEqual(wrong, []);
    results.forEach((res, i) => {
      if (jobs[i].kind === 'tampered' || jobs[i].kind === 'expired') A.expectInvalidToken(res, 'api', jobs[i].token);
      if (jobs[i].kind === 'none') A.expectNoToken(res, 'api');
    });
    assert.doesNotMatch(srv.errorLog(), /exit signal|Segmentation fault/);
  });
});
