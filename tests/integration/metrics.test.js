'use strict';
// Metrics (issue 26): counters shared by every httpd child, read through
// `SetHandler jwt-metrics-handler` and mod_status. A scripted mix of requests, each on its
// own connection, to a server whose children are recycled every few connections
// (MaxConnectionsPerChild), so the requests are served by several processes; the counters
// must then move by exactly the expected amounts. The exposition is parsed by Prometheus'
// own tools: `promtool check metrics` and the Python client's text parser (Debian
// packages prometheus and python3-prometheus-client, installed by ./dev.sh deps); the
// values asserted below are the Python parser's reading, not a regex over our own text.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const jose = require('jose');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const { connection } = require('./lib/keepalive');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

/* The Python client's parser: every sample as [name, labels, value]. Throws on text the
 * parser refuses. */
const PARSE_PY = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append([s.name, s.labels, s.value, fam.type])
print(json.dumps(out))
`;

// Debian's python3, where python3-prometheus-client lives (a pyenv shim earlier in PATH
// would not see it).
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function parseExposition(text) {
  const r = spawnSync(PYTHON, ['-c', PARSE_PY], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `prometheus_client refused the exposition:\n${r.stderr}\n${text}`);
  return JSON.parse(r.stdout);
}

function promtoolCheck(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.ok(!r.error, `promtool not found (apt package prometheus; ./dev.sh deps): ${r.error}`);
  assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
}

/* The value of one sample (0 when absent: a counter that never moved). */
function value(samples, name, labels = {}) {
  const hit = samples.filter(([n, l]) => n === name
    && Object.entries(labels).every(([k, v]) => l[k] === v));
  return hit.reduce((s, [, , v]) => s + v, 0);
}

// A request is counted in log_transaction, after its response has reached the client, so
// a scrape sent at once can be served (by another thread) before the last request is
// counted; under ASan that gap is long enough to see. Scrape until two scrapes 150 ms apart
// agree on every counter (ages and timestamps move with the clock, not with requests).
async function settledScrape(scrapeOnce) {
  const counters = (body) => body.split('\n').filter((l) => !/^#|_seconds|_timestamp/.test(l)).join('\n');
  let last = await scrapeOnce();
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const next = await scrapeOnce();
    if (counters(next) === counters(last)) return next;
    last = next;
  }
  throw new Error('the counters did not settle in 6 s');
}

describe('metrics: shared counters, jwt-metrics-handler, mod_status', () => {
  let keys; let srv; let jwks; let ecJwk;
  const ISS = 'https://issuer.example/';
  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    ecJwk = { ...(await jose.exportJWK(keys.ec256.publicKey)), kid: 'remote-1', alg: 'ES256', use: 'sig' };
    jwks = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [ecJwk] }));
    });
    const keyLine = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa`;
    const conf = [
      'MaxConnectionsPerChild 8',
      'ExtendedStatus On',
      'LogFormat "%P %>s %U" pids',
      'CustomLog "pids.log" pids',
      F.location('/api', 'api', `${keyLine}\n  AuthJWTIssuer ${ISS}\n  AuthJWTAudience orders\n  Require valid-user`),
      F.location('/admin', 'admin', `${keyLine}\n  AuthzSendForbiddenOnFailure On\n  Require jwt-claim role=admin`),
      F.location('/scoped', 'scoped', `${keyLine}\n  AuthzSendForbiddenOnFailure On\n  Require jwt-scope write`),
      F.location('/remote', 'remote', `  AuthJWTJWKSURL ${jwks.url}/jwks.json\n  Require valid-user`),
      // a section path with a double quote and a backslash: escaped in the label
      `<Location "/odd\\"q\\\\b/">\n  AuthType jwt\n${keyLine}\n  Require valid-user\n</Location>`,
      F.location('/quiet', 'quiet', `${keyLine}\n  AuthJWTMetrics Off\n  Require valid-user`),
      '<Location /metrics>\n  SetHandler jwt-metrics-handler\n  Require ip 127.0.0.1\n</Location>',
      '<Location /server-status>\n  SetHandler server-status\n  Require ip 127.0.0.1\n</Location>',
    ].join('\n');
    srv = await startHttpd({ name: 'metrics', conf, modules: ['status', 'socache_shmcb'] });
  });
  after(async () => { await srv?.stop(); await jwks?.close(); keys?.cleanup(); });

  let n = 0;   // every token distinct (a jti each): no cache hit but the keep-alive ones below
  const rs = (extra = {}, header = { kid: 'rsa' }) => T.jwtSign({
    alg: 'RS256', key: keys.rsa.privateKey, header,
    payload: T.claims({ iss: ISS, aud: 'orders', jti: `t${++n}`, ...extra }),
  });
  const es = () => new jose.SignJWT(T.claims({ jti: `e${++n}` }))
    .setProtectedHeader({ alg: 'ES256', kid: 'remote-1' }).sign(keys.ec256.privateKey);
  const get = (p, t) => request(srv.base, p, { headers: t ? F.bearer(t) : {} });
  const scrape = () => settledScrape(async () => {
    const res = await request(srv.base, '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    return res.body;
  });

  let samples; let text; let oneConnection;
  test('a scripted mix of requests, served by several children', async () => {
    const now = T.now();
    // first, before children near MaxConnectionsPerChild (the event MPM closes the
    // keep-alive connections of a child on its way out): one connection, one token three
    // times, so one miss and then two hits when the connection lasted
    const c = connection(srv.base);
    const same = rs();
    for (let i = 0; i < 3; i++) A.expectOk(await c.get('/api/ok.txt', same));
    try { c.port(); oneConnection = true; } catch (_) { oneConnection = false; }
    c.close();
    // /api: 3 allowed, 2 without a token, one of each refusal
    for (let i = 0; i < 3; i++) A.expectOk(await get('/api/ok.txt', rs()));
    for (let i = 0; i < 2; i++) A.expectNoToken(await get('/api/ok.txt'), 'api');
    const refusals = [
      rs({ iat: now - 1000, exp: now - 500 }),                        // expired
      rs({ nbf: now + 3600 }),                                          // not yet valid
      rs({ iss: 'https://other.example/' }),                            // issuer
      rs({ aud: 'billing' }),                                           // audience
      T.tamperSignature(rs()),                                          // bad signature
      rs({}, { kid: 'nope' }),                                          // unknown kid
      'not.a.jwt',                                                      // malformed
    ];
    for (const t of refusals) assert.equal((await get('/api/ok.txt', t)).status, 401);
    // /admin: 2 allowed, 1 refused by the claim rule (authz, after authn passed it)
    for (let i = 0; i < 2; i++) A.expectOk(await get('/admin/ok.txt', rs({ role: 'admin' })));
    A.expectForbidden(await get('/admin/ok.txt', rs({ role: 'user' })));
    // /scoped: 1 refused for its scope
    A.expectInsufficientScope(await get('/scoped/ok.txt', rs({ scope: 'read' })), 'scoped', ['write']);
    // /remote: 2 allowed with a key from the JWKS
    for (let i = 0; i < 2; i++) A.expectOk(await get('/remote/ok.txt', await es()));
    // a location whose label needs escaping
    A.expectOk(await get('/odd%22q%5Cb/ok.txt', rs()));
    // /quiet: AuthJWTMetrics Off, never counted
    for (let i = 0; i < 3; i++) A.expectOk(await get('/quiet/ok.txt', rs()));

    const pids = new Set(fs.readFileSync(path.join(srv.dir, 'pids.log'), 'utf8')
      .split('\n').filter((l) => / \/(api|admin|scoped|remote)\//.test(l)).map((l) => l.split(' ')[0]));
    assert.ok(pids.size >= 3, `expected several children, saw pids ${[...pids].join(' ')}`);

    text = await scrape();
    promtoolCheck(text);
    samples = parseExposition(text);
  });

  test('requests_total moved by exactly the expected amounts, per location, outcome and reason', () => {
    const req = (location, outcome, reason) => value(samples, 'mod_auth_jwt_requests_total',
      { location, outcome, reason });
    assert.equal(req('/api', 'allowed', 'none'), 6);          // 3 + the 3 keep-alive ones
    assert.equal(req('/api', 'refused', 'no_token'), 2);
    for (const r of ['expired', 'not_yet_valid', 'issuer', 'audience', 'bad_signature',
      'unknown_kid', 'malformed']) assert.equal(req('/api', 'refused', r), 1, r);
    assert.equal(value(samples, 'mod_auth_jwt_requests_total', { location: '/api' }), 15);
    assert.equal(req('/admin', 'allowed', 'none'), 2);
    assert.equal(req('/admin', 'refused', 'claim_rule'), 1);
    assert.equal(value(samples, 'mod_auth_jwt_requests_total', { location: '/admin' }), 3);
    assert.equal(req('/scoped', 'refused', 'scope'), 1);
    assert.equal(value(samples, 'mod_auth_jwt_requests_total', { location: '/scoped' }), 1);
    assert.equal(req('/remote', 'allowed', 'none'), 2);
    assert.equal(value(samples, 'mod_auth_jwt_requests_total', { location: '/remote' }), 2);
    assert.equal(value(samples, 'mod_auth_jwt_requests_total', { location: '/quiet' }), 0);
    // the parser unescaped the label; the text had it escaped
    assert.equal(req('/odd"q\\b/', 'allowed', 'none'), 1);
    assert.ok(text.includes('location="/odd\\"q\\\\b/",outcome="allowed"'));
    // the revocation stage's reason exists already (issue 25), at 0
    assert.ok(samples.some(([nm, l]) => nm === 'mod_auth_jwt_requests_total' && l.reason === 'revoked'));
  });

  test('cache lookups and the verification histogram count every verified token once', () => {
    // tokens that reached verification at counted locations: /api 10 + 3 keep-alive,
    // /admin 3, /scoped 1, /remote 2, the odd one 1 (no-token requests never get there)
    const verified = 20;
    // every hit is one AH-JWT-0208 debug line in the error log (independent evidence)
    const logged = (srv.errorLog().match(/AH-JWT-0208: cache hit/g) || []).length;
    const hits = value(samples, 'mod_auth_jwt_cache_lookups_total', { result: 'hit' });
    assert.equal(hits, logged);
    if (oneConnection) assert.equal(hits, 2);
    else assert.ok(hits <= 2);
    assert.equal(value(samples, 'mod_auth_jwt_cache_lookups_total', { result: 'miss' }), verified - hits);
    assert.equal(value(samples, 'mod_auth_jwt_verify_duration_seconds_count'), verified);
    assert.equal(value(samples, 'mod_auth_jwt_verify_duration_seconds_bucket', { le: '+Inf' }), verified);
    assert.ok(value(samples, 'mod_auth_jwt_verify_duration_seconds_sum') > 0);
    const les = samples.filter(([nm]) => nm === 'mod_auth_jwt_verify_duration_seconds_bucket');
    assert.deepEqual(les.map(([, l]) => l.le), ['2.5e-05', '5e-05', '0.0001', '0.00025', '0.0005',
      '0.001', '0.005', '0.025', '0.1', '1', '+Inf']);
    les.forEach(([, , v], i) => assert.ok(i === 0 || v >= les[i - 1][2], 'cumulative'));
    const fam = samples.find(([nm]) => nm === 'mod_auth_jwt_verify_duration_seconds_count');
    assert.equal(fam[3], 'histogram');
  });

  test('the JWKS source: fetches by result, last success, keys, document age', () => {
    const src = `${jwks.url}/jwks.json`;
    assert.ok(value(samples, 'mod_auth_jwt_jwks_fetches_total', { source: src, result: 'ok' }) >= 1);
    for (const r of ['timeout', 'http_error', 'parse_error', 'network_error']) {
      assert.equal(value(samples, 'mod_auth_jwt_jwks_fetches_total', { source: src, result: r }), 0, r);
    }
    assert.equal(value(samples, 'mod_auth_jwt_keys', { source: src }), 1);
    const last = value(samples, 'mod_auth_jwt_jwks_last_success_timestamp_seconds', { source: src });
    assert.ok(Math.abs(last - Date.now() / 1000) < 120, `last success ${last}`);
    assert.ok(value(samples, 'mod_auth_jwt_jwks_document_age_seconds', { source: src }) < 120);
  });

  test('HELP and TYPE for every family, counters named _total', () => {
    for (const name of ['mod_auth_jwt_requests_total', 'mod_auth_jwt_cache_lookups_total',
      'mod_auth_jwt_jwks_fetches_total', 'mod_auth_jwt_secrets_reloads_total',
      'mod_auth_jwt_logins_total']) {
      assert.match(text, new RegExp(`^# HELP ${name} .+\n# TYPE ${name} counter$`, 'm'), name);
    }
    assert.match(text, /^# TYPE mod_auth_jwt_verify_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE mod_auth_jwt_keys gauge$/m);
    assert.match(text, /^# TYPE mod_auth_jwt_jwks_last_success_timestamp_seconds gauge$/m);
  });

  test('mod_status (ExtendedStatus On) shows the section, in HTML and ?auto', async () => {
    const auto = await request(srv.base, '/server-status?auto');
    assert.equal(auto.status, 200);
    // the scrape above was not an AuthType jwt request: the totals are the mix's
    assert.match(auto.body, /^AuthJWTAllowed: 11$/m);
    assert.match(auto.body, /^AuthJWTRefused: 11$/m);
    assert.match(auto.body, /^AuthJWTUnavailable: 0$/m);
    const hits = value(samples, 'mod_auth_jwt_cache_lookups_total', { result: 'hit' });
    assert.match(auto.body, new RegExp(`^AuthJWTCacheHits: ${hits}$`, 'm'));
    assert.match(auto.body, new RegExp(`^AuthJWTJWKS0: ${jwks.url}/jwks\\.json state=ok keys=1 age=\\d+$`, 'm'));
    const html = await request(srv.base, '/server-status');
    assert.match(html.body, /<h2>mod_auth_jwt<\/h2>/);
    assert.match(html.body, /requests allowed 11, refused 11, unavailable 0/);
    assert.ok(html.body.includes(`<td>${jwks.url}/jwks.json</td><td>ok</td><td>1</td>`));
  });

  test('only GET: other methods get 405 with Allow', async () => {
    const r = await request(srv.base, '/metrics', { method: 'POST', body: '' });
    assert.equal(r.status, 405);
    assert.match(r.headers.allow || '', /GET/);
  });

  test('a graceful restart starts the counters again from 0 (documented), and they count again', async () => {
    const started = value(samples, 'mod_auth_jwt_metrics_start_time_seconds');
    await srv.restart();
    let s = parseExposition(await scrape());
    assert.ok(value(s, 'mod_auth_jwt_metrics_start_time_seconds') > started);
    assert.equal(value(s, 'mod_auth_jwt_requests_total'), 0);
    assert.equal(value(s, 'mod_auth_jwt_verify_duration_seconds_count'), 0);
    A.expectOk(await get('/api/ok.txt', rs()));
    A.expectNoToken(await get('/api/ok.txt'), 'api');
    s = parseExposition(await scrape());
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/api', outcome: 'allowed' }), 1);
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/api', reason: 'no_token' }), 1);
    assert.doesNotMatch(srv.errorLog(), /exit signal|Segmentation fault/);
  });
});

// One process (-X): the secrets file is watched by each child on its own, so only with one
// child is the number of reloads exact. Also the logins, the JWKS fetch failures by kind
// and the 503s they cause.
describe('metrics: secrets reloads, logins, JWKS failures, unavailable', () => {
  let keys; let srv; let secrets; let e500; let garbage; let hung; let users;
  const L = require('../login/lib/login');
  const s1 = { kid: 's1', alg: 'HS256', k: require('node:crypto').randomBytes(32) };
  before(async () => {
    keys = generateKeys({ only: ['rsa'] });
    const { writeSecretsFile } = require('./lib/keys');
    secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, [s1]);
    users = L.makeUsers(keys.dir, [{ user: 'pat', password: 'Pat-Pw-1234', hash: 'B' }]);
    e500 = await F.countingServer((req, res) => { res.writeHead(500); res.end('no'); });
    garbage = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"keys": "not a list"');
    });
    hung = await F.countingServer(() => { /* never answers */ });
    const conf = [
      F.location('/hs', 'hs', `  AuthJWTSecretsFile "${secrets}"\n  Require valid-user`),
      F.location('/e500', 'e500', `  AuthJWTJWKSURL ${e500.url}/jwks.json\n  AuthJWTJWKSTimeout 2\n  Require valid-user`),
      F.location('/garbage', 'garbage', `  AuthJWTJWKSURL ${garbage.url}/jwks.json\n  AuthJWTJWKSTimeout 2\n  Require valid-user`),
      F.location('/hung', 'hung', `  AuthJWTJWKSURL ${hung.url}/jwks.json\n  AuthJWTJWKSTimeout 1\n  Require valid-user`),
      F.location('/dead', 'dead', '  AuthJWTJWKSURL http://127.0.0.1:1/jwks.json\n  AuthJWTJWKSTimeout 2\n  Require valid-user'),
      L.loginLocation('/auth/login', { keyLine: keys.rsa.privPath, userFile: users }),
      'AuthJWTRevocationCache shmcb',
      F.location('/bound', 'bound', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTBinding dpop\n  Require valid-user`),
      F.location('/rev', 'rev', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTRevocation On\n  Require valid-user`),
      F.location('/guest', 'guest', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTOptional guest\n  Require valid-user`),
      F.location('/guest-admin', 'guest-admin', `  AuthJWTKeyFile "${keys.rsa.pubPath}"\n  AuthJWTOptional guest\n  Require jwt-claim role=admin`),
      `<Location /auth/revoke>\n  SetHandler jwt-revoke-handler\n  AuthJWTKeyFile "${keys.rsa.pubPath}"\n</Location>`,
      '<Location /metrics>\n  SetHandler jwt-metrics-handler\n  Require ip 127.0.0.1\n</Location>',
    ].join('\n');
    srv = await startHttpd({ name: 'metrics-one', conf, args: ['-X'],
      modules: ['socache_shmcb', 'authn_file'] });
  });
  after(async () => {
    await srv?.stop();
    for (const s of [e500, garbage, hung]) await s?.close();
    keys?.cleanup();
  });

  const scrape = async () => parseExposition(await settledScrape(async () => (await request(srv.base, '/metrics')).body));
  const hs = (s) => T.jwtSign({ alg: 'HS256', key: s.k, header: { kid: s.kid }, payload: T.claims() });

  test('secrets file: a good change and a broken one are one reload each, ok and failed', async () => {
    const { writeSecretsFile } = require('./lib/keys');
    A.expectOk(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(hs(s1)) }));
    let s = await scrape();
    const ok0 = value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'ok' });
    const failed0 = value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'failed' });
    const s2 = { kid: 's2', alg: 'HS256', k: require('node:crypto').randomBytes(32) };
    await new Promise((r) => setTimeout(r, 1100));
    writeSecretsFile(secrets, [s1, { ...s2, status: 'verify' }]);
    await new Promise((r) => setTimeout(r, 1600));
    A.expectOk(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(hs(s2)) }));
    s = await scrape();
    assert.equal(value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'ok' }), ok0 + 1);
    assert.equal(value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'failed' }), failed0);
    fs.writeFileSync(secrets, '{"keys": [');        // broken: the last good keys stay
    await new Promise((r) => setTimeout(r, 1600));
    A.expectOk(await request(srv.base, '/hs/ok.txt', { headers: F.bearer(hs(s2)) }));
    s = await scrape();
    assert.equal(value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'ok' }), ok0 + 1);
    assert.equal(value(s, 'mod_auth_jwt_secrets_reloads_total', { result: 'failed' }), failed0 + 1);
  });

  test('logins: successes and failures', async () => {
    L.expectLoginOk(await L.postJson(srv.base, '/auth/login', { username: 'pat', password: 'Pat-Pw-1234' }), 900);
    for (const password of ['wrong', 'also-wrong']) {
      assert.equal((await L.postJson(srv.base, '/auth/login', { username: 'pat', password })).status, 401);
    }
    assert.equal((await L.postJson(srv.base, '/auth/login', { username: 'nobody', password: 'x' })).status, 401);
    const s = await scrape();
    assert.equal(value(s, 'mod_auth_jwt_logins_total', { result: 'success' }), 1);
    assert.equal(value(s, 'mod_auth_jwt_logins_total', { result: 'failure' }), 3);
  });

  test('a bearer token where a DPoP proof is required (issue 28) is counted as refused/binding', async () => {
    const t = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims() });
    const r = await request(srv.base, '/bound/ok.txt', { headers: F.bearer(t) });
    assert.ok(r.status === 401 || r.status === 400, `status ${r.status}`);
    const s = await scrape();
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/bound', outcome: 'refused', reason: 'binding' }), 1);
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/bound' }), 1);
  });

  test('AuthJWTOptional: the anonymous user is counted as allowed/anonymous, and as refused/no_token where a rule wants a token', async () => {
    const t = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims({ role: 'admin' }) });
    for (let i = 0; i < 2; i++) A.expectOk(await request(srv.base, '/guest/ok.txt'));
    A.expectOk(await request(srv.base, '/guest/ok.txt', { headers: F.bearer(t) }));
    for (let i = 0; i < 3; i++) assert.equal((await request(srv.base, '/guest-admin/ok.txt')).status, 401);
    A.expectOk(await request(srv.base, '/guest-admin/ok.txt', { headers: F.bearer(t) }));
    const s = await scrape();
    const req = (location, labels) => value(s, 'mod_auth_jwt_requests_total', { location, ...labels });
    assert.equal(req('/guest', { outcome: 'allowed', reason: 'anonymous' }), 2);
    assert.equal(req('/guest', { outcome: 'allowed', reason: 'none' }), 1);
    assert.equal(req('/guest', {}), 3);
    assert.equal(req('/guest-admin', { outcome: 'refused', reason: 'no_token' }), 3);
    assert.equal(req('/guest-admin', { outcome: 'allowed', reason: 'none' }), 1);
    assert.equal(req('/guest-admin', {}), 4);
  });

  test('a revoked token (issue 25) is counted as refused/revoked', async () => {
    const t = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, payload: T.claims({ jti: 'rev-1' }) });
    A.expectOk(await request(srv.base, '/rev/ok.txt', { headers: F.bearer(t) }));
    const r = await request(srv.base, '/auth/revoke', { method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t }).toString() });
    assert.equal(r.status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await request(srv.base, '/rev/ok.txt', { headers: F.bearer(t) })).status, 401);
    const s = await scrape();
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/rev', outcome: 'refused', reason: 'revoked' }), 2);
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/rev', outcome: 'allowed' }), 1);
    assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: '/rev' }), 3);
  });

  test('JWKS fetch failures by kind, and the 503s they cause counted as unavailable', async () => {
    const tok = T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'x' }, payload: T.claims() });
    for (const p of ['/e500', '/garbage', '/hung', '/dead']) {
      const r = await request(srv.base, `${p}/ok.txt`, { headers: F.bearer(tok) });
      assert.equal(r.status, 503, p);
      assert.ok(r.headers['retry-after'], p);
    }
    const s = await scrape();
    const fetches = (url, result) => value(s, 'mod_auth_jwt_jwks_fetches_total', { source: url, result });
    const want = { [`${e500.url}/jwks.json`]: 'http_error', [`${garbage.url}/jwks.json`]: 'parse_error',
      [`${hung.url}/jwks.json`]: 'timeout', 'http://127.0.0.1:1/jwks.json': 'network_error' };
    for (const [url, result] of Object.entries(want)) {
      assert.ok(fetches(url, result) >= 1, `${url}: ${result}`);
      for (const other of ['ok', 'not_modified', 'timeout', 'http_error', 'parse_error', 'network_error']) {
        if (other !== result) assert.equal(fetches(url, other), 0, `${url}: ${other}`);
      }
      assert.ok(!s.some(([nm, l]) => nm === 'mod_auth_jwt_keys' && l.source === url), `${url}: no keys`);
      assert.ok(!s.some(([nm, l]) => nm === 'mod_auth_jwt_jwks_last_success_timestamp_seconds' && l.source === url));
    }
    for (const p of ['/e500', '/garbage', '/hung', '/dead']) {
      assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: p, outcome: 'unavailable', reason: 'keys_unavailable' }), 1, p);
      assert.equal(value(s, 'mod_auth_jwt_requests_total', { location: p }), 1, p);
    }
  });
});
