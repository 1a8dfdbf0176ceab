'use strict';
/* JWKS over http and https: first fetch, User-Agent, CA file (right and wrong), config
 * refusals (http to a non-loopback host, unknown options, bad numbers, no shmcb). */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startJwksServer, makeTestCa, makeSigner } = require('./lib/jwks-server');
const { start, check, location, get } = require('./lib/common');

const ca = makeTestCa();
const k1 = makeSigner('k1');
test.after(() => ca.cleanup());

test('http on loopback: first request fetches, token passes, one fetch', async () => {
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`]));
  try {
    const r = await get(httpd, '/api/ok.txt', k1.sign({}));
    assert.equal(r.status, 200);
    assert.equal(r.res.body, 'ok\n');
    const r2 = await get(httpd, '/api/ok.txt', k1.sign({ sub: 'bob' }));
    assert.equal(r2.status, 200);
    assert.equal(js.count('/jwks.json'), 1);
    assert.match(js.requests[0].userAgent, /^mod_auth_jwt\/\d+\.\d+\.\d+$/);
    // a token signed by a key the JWKS does not hold, same kid: signature failure, 401
    const other = makeSigner('k1');
    const bad = await get(httpd, '/api/ok.txt', other.sign({}));
    assert.equal(bad.status, 401);
    assert.match(bad.res.headers['www-authenticate'], /error="invalid_token"/);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('https with AuthJWTJWKSCAFile = the test CA passes', async () => {
  const js = await startJwksServer({ tls: ca });
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [
    `AuthJWTJWKSURL ${js.url('/jwks.json')}`, `AuthJWTJWKSCAFile ${ca.caPath}`]));
  try {
    const r = await get(httpd, '/api/ok.txt', k1.sign({}));
    assert.equal(r.status, 200);
    assert.equal(js.count('/jwks.json'), 1);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('https with the wrong CA: no keys, 503 + Retry-After, failure logged once', async () => {
  const js = await startJwksServer({ tls: ca });
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [
    `AuthJWTJWKSURL ${js.url('/jwks.json')}`, `AuthJWTJWKSCAFile ${ca.wrongCaPath}`,
    'AuthJWTJWKSRefetchInterval 30']));
  try {
    const r = await get(httpd, '/api/ok.txt', k1.sign({}));
    assert.equal(r.status, 503);
    const ra = Number(r.res.headers['retry-after']);
    assert.ok(ra >= 1 && ra <= 30, `Retry-After ${r.res.headers['retry-after']}`);
    assert.equal(r.res.headers['www-authenticate'], undefined);
    // the TLS handshake failed, so the server never answered a request
    assert.equal(js.count('/jwks.json'), 0);
    for (let i = 0; i < 5; i++) assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 503);
    const log = httpd.errorLog();
    const failures = log.split('\n').filter((l) => /\[auth_jwt:error\].*jwks_fetch_failed/.test(l));
    assert.equal(failures.length, 1, log);
    assert.match(failures[0], /SSL|certificate/i);
    assert.match(log, /AH-JWT-0207: 503 for \/api\/ok\.txt/);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('https without a CA file uses the system store: the test CA is not trusted', async () => {
  const js = await startJwksServer({ tls: ca });
  js.publish('/jwks.json', [k1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 503);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('configtest refusals name the problem', async () => {
  const cases = [
    ['AuthJWTJWKSURL http://idp.example/jwks.json', /plain http is only allowed to a loopback host/],
    ['AuthJWTJWKSURL ftp://127.0.0.1/jwks.json', /URL scheme must be https/],
    ['AuthJWTJWKSURL https://127.0.0.1/j issuer=', /issuer= needs a value/],
    ['AuthJWTJWKSURL https://127.0.0.1/j bogus', /unknown option 'bogus'/],
    ['AuthJWTJWKSURL https://user:pw@127.0.0.1/j', /must not contain user information/],
    ['AuthJWTJWKSRefresh 0', /AuthJWTJWKSRefresh: '0' is not a number of seconds/],
    ['AuthJWTJWKSTimeout 5s', /AuthJWTJWKSTimeout: '5s' is not a number of seconds/],
    ['AuthJWTJWKSCAFile /nonexistent/ca.pem', /AuthJWTJWKSCAFile: '\/nonexistent\/ca.pem' is not a readable file/],
    ['AuthJWTIssuerDiscovery ftp://idp.example', /issuer must be an http\(s\) URL/],
  ];
  for (const [line, re] of cases) {
    const r = await check(location('/api', [line]));
    assert.notEqual(r.code, 0, line);
    assert.match(r.output, re, line);
    assert.match(r.output, /Syntax error on line \d+/, line);
  }
  const ok = await check(location('/api', ['AuthJWTJWKSURL http://idp.example/jwks.json allow-http issuer=https://idp.example/']));
  assert.equal(ok.code, 0, ok.output);
});

test('AuthJWTJWKSStoreSize: a size in [64K, 1024M], main server config only', async () => {
  const src = location('/api', ['AuthJWTJWKSURL https://127.0.0.1/jwks.json']);
  for (const [line, re] of [
    ['AuthJWTJWKSStoreSize 1000', /AuthJWTJWKSStoreSize: '1000' is not a size in bytes/],
    ['AuthJWTJWKSStoreSize 2G', /AuthJWTJWKSStoreSize: '2G' is not a size/],
    ['AuthJWTJWKSStoreSize 8MB', /AuthJWTJWKSStoreSize: '8MB' is not a size/],
  ]) {
    const r = await check(`${line}\n${src}`);
    assert.notEqual(r.code, 0, line);
    assert.match(r.output, re, line);
  }
  const inside = await check(location('/api', ['AuthJWTJWKSURL https://127.0.0.1/jwks.json', 'AuthJWTJWKSStoreSize 8M']));
  assert.notEqual(inside.code, 0, inside.output);
  assert.match(inside.output, /AuthJWTJWKSStoreSize (not allowed in <Location> context|cannot occur within)/);
  for (const size of ['65536', '64K', '8M', '1024M']) {
    const ok = await check(`AuthJWTJWKSStoreSize ${size}\n${src}`);
    assert.equal(ok.code, 0, `${size}: ${ok.output}`);
  }
});

test('without mod_socache_shmcb the server refuses to start and says why', async () => {
  const { configtest } = require('../integration/lib/httpd');
  const r = await configtest(location('/api', ['AuthJWTJWKSURL https://127.0.0.1/jwks.json']), { name: 'jwks-noshm' });
  assert.notEqual(r.code, 0);
  assert.match(r.output, /need mod_socache_shmcb/);
});

test('redirects: followed on the same host, refused to another host', async () => {
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  js.redirect('/same', '/jwks.json');
  js.redirect('/other', `http://localhost:${js.port}/jwks.json`);
  js.redirect('/loop', '/loop');
  const httpd = await start([
    location('/same', [`AuthJWTJWKSURL ${js.url('/same')}`]),
    location('/other', [`AuthJWTJWKSURL ${js.url('/other')}`]),
    location('/loop', [`AuthJWTJWKSURL ${js.url('/loop')}`]),
  ].join('\n'));
  try {
    assert.equal((await get(httpd, '/same/ok.txt', k1.sign({}))).status, 200);
    assert.equal((await get(httpd, '/other/ok.txt', k1.sign({}))).status, 503);
    assert.equal((await get(httpd, '/loop/ok.txt', k1.sign({}))).status, 503);
    const log = httpd.errorLog();
    assert.match(log, /redirect from host 127\.0\.0\.1 to another host \(localhost\) refused/);
    assert.match(log, /more than 3 redirects/);
    assert.equal(js.count('/loop'), 4, 'the first answer plus at most 3 redirects');
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('nested Location inherits the JWKS source; graceful restart keeps serving', async () => {
  const js = await startJwksServer();
  js.publish('/jwks.json', [k1.jwk]);
  const conf = [
    location('/api', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`, 'AuthJWTJWKSRefresh 600']),
    '<Location /api/inner>', '  AuthJWTJWKSTimeout 2', '</Location>',
    location('/other', [`AuthJWTJWKSURL ${js.url('/jwks.json')}`]),
  ].join('\n');
  const httpd = await start(conf);
  try {
    assert.equal((await get(httpd, '/api/ok.txt', k1.sign({}))).status, 200);
    assert.equal((await get(httpd, '/api/inner/ok.txt', k1.sign({}))).status, 200);
    assert.equal((await get(httpd, '/api/inner/ok.txt')).status, 401, 'still protected');
    assert.equal((await get(httpd, '/other/ok.txt', k1.sign({}))).status, 200);
    assert.equal(js.count('/jwks.json'), 1, 'one shared document for every section naming the URL');
    await httpd.restart();
    assert.equal((await get(httpd, '/api/inner/ok.txt', k1.sign({}))).status, 200);
    assert.ok(js.count('/jwks.json') <= 2, 'a restart refetches at most once');
  } finally {
    await httpd.stop();
    await js.close();
  }
});
