'use strict';
/* The core fetcher (mod_auth_jwt/core/jwt_fetch.c) through tests/jwks/unit/fetch_driver.c,
 * against the test server: bodies, max-age, redirects, size caps, timeouts, TLS. The group
 * script builds the driver with ASan/LSan when it can, so each case is also a leak check.
 * Env JWKS_FETCH_DRIVER names the binary; without it these tests are skipped. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { execFile } = require('node:child_process');
const { startJwksServer, makeTestCa, makeSigner } = require('./lib/jwks-server');

const DRIVER = process.env.JWKS_FETCH_DRIVER;
const skip = DRIVER ? false : 'JWKS_FETCH_DRIVER not set (tests/groups/jwks.sh builds it)';

function fetch(url, { timeout = 2000, max = 0, ca = '-', allowHttp = 0, publicOnly = 0 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    execFile(DRIVER, [url, String(timeout), String(max), ca, String(allowHttp), String(publicOnly)],
      { timeout: 20000 },
      (error, stdout, stderr) => {
        const line = stdout.trim();
        const m = /^(ok|err) (.*)$/.exec(line) || [];
        const fields = {};
        for (const [, k, v] of (m[2] || '').matchAll(/(\w+)=(\S*)/g)) if (!(k in fields)) fields[k] = v;
        resolve({ kind: m[1], line, fields, ms: Date.now() - t0, stderr, exit: error ? error.code : 0 });
      });
  });
}

function sha(s) { return crypto.createHash('sha256').update(s).digest('hex'); }

function assertClean(r) {
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error/, r.stderr);
}

test('fetcher: body, status, max-age, User-Agent, same-host redirect, refusals', { skip }, async () => {
  const k = makeSigner('k');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k.jwk]);
  js.headers('/jwks.json', { 'Cache-Control': 'public, max-age=300' });
  js.redirect('/r1', '/jwks.json');
  js.redirect('/far', `http://localhost:${js.port}/jwks.json`);
  js.redirect('/loop', '/loop');
  js.setMode('/big', 'huge', { bytes: 2 * 1024 * 1024 });
  js.setMode('/bigc', 'huge', { bytes: 2 * 1024 * 1024, chunked: true });
  js.setMode('/fits', 'huge', { bytes: 1024 * 1024 });
  js.setMode('/slow', 'slow', 3000);
  js.setMode('/drop', 'drop');
  try {
    const body = JSON.stringify({ keys: [k.jwk] });
    let r = await fetch(js.url('/jwks.json'));
    assertClean(r);
    assert.equal(r.kind, 'ok', r.line);
    assert.equal(r.fields.status, '200');
    assert.equal(r.fields.len, String(Buffer.byteLength(body)));
    assert.equal(r.fields.sha256, sha(body));
    assert.equal(r.fields.max_age, '300');
    assert.match(js.requests.at(-1).userAgent, /^mod_auth_jwt\//);

    r = await fetch(js.url('/missing'));
    assert.equal(r.kind, 'ok', 'an HTTP error is a completed exchange');
    assert.equal(r.fields.status, '404');
    assert.equal(r.fields.max_age, '-1');

    r = await fetch(js.url('/r1'));
    assertClean(r);
    assert.equal(r.fields.status, '200');
    assert.equal(r.fields.url, js.url('/jwks.json'));

    r = await fetch(js.url('/far'));
    assertClean(r);
    assert.equal(r.fields.code, 'fetch');
    assert.match(r.line, /redirect from host 127\.0\.0\.1 to another host \(localhost\) refused/);

    /* issue 20: the same host on another port is another service */
    const other = await startJwksServer();
    other.publish('/jwks.json', [k.jwk]);
    try {
      js.redirect('/port', `http://127.0.0.1:${other.port}/jwks.json`);
      r = await fetch(js.url('/port'));
      assertClean(r);
      assert.equal(r.fields.code, 'fetch');
      assert.match(r.line, new RegExp(`redirect from port ${js.port} to another port \\(${other.port}\\) of 127\\.0\\.0\\.1 refused`));
      assert.equal(other.count('/jwks.json'), 0, 'the other port was never asked');
    } finally {
      await other.close();
    }

    r = await fetch(js.url('/loop'));
    assert.match(r.line, /more than 3 redirects/);

    r = await fetch(js.url('/fits'));
    assertClean(r);
    assert.equal(r.fields.len, String(1024 * 1024), 'exactly the cap is allowed');
    for (const p of ['/big', '/bigc']) {
      r = await fetch(js.url(p));
      assertClean(r);
      assert.equal(r.fields.code, 'fetch', p);
      assert.match(r.line, /response larger than 1048576 bytes/, p);
    }
    r = await fetch(js.url('/jwks.json'), { max: 10 });
    assert.match(r.line, /response larger than 10 bytes/);

    r = await fetch(js.url('/slow'), { timeout: 700 });
    assertClean(r);
    assert.equal(r.fields.code, 'fetch');
    assert.match(r.line, /Timeout was reached/);
    assert.ok(r.ms < 700 + 600, `timeout honoured (${r.ms} ms)`);

    r = await fetch(js.url('/drop'));
    assert.equal(r.fields.code, 'fetch');
    assert.match(r.line, /Server returned nothing/);

    r = await fetch(`http://idp.example:${js.port}/jwks.json`);
    assert.equal(r.fields.code, 'arg');
    assert.match(r.line, /plain http is only allowed to a loopback host/);
    r = await fetch(`http://localhost:${js.port}/jwks.json`);
    assert.equal(r.fields.status, '200', 'localhost counts as loopback');
  } finally {
    await js.close();
  }
});

test('fetcher: https verifies the peer with the CA file; wrong CA and no CA fail', { skip }, async () => {
  const ca = makeTestCa();
  const js = await startJwksServer({ tls: ca });
  js.publish('/jwks.json', [makeSigner('k').jwk]);
  try {
    let r = await fetch(js.url('/jwks.json'), { ca: ca.caPath });
    assertClean(r);
    assert.equal(r.fields.status, '200', r.line);
    r = await fetch(`https://localhost:${js.port}/jwks.json`, { ca: ca.caPath });
    assert.equal(r.fields.status, '200', 'SAN DNS:localhost matches');
    r = await fetch(js.url('/jwks.json'), { ca: ca.wrongCaPath });
    assertClean(r);
    assert.equal(r.fields.code, 'fetch');
    assert.match(r.line, /SSL certificate problem|certificate verify failed/);
    r = await fetch(js.url('/jwks.json'));
    assert.equal(r.fields.code, 'fetch', 'system store does not know the test CA');
    assert.equal(js.count('/jwks.json'), 2);
  } finally {
    await js.close();
    ca.cleanup();
  }
});

/* review of issue 22 (SSRF): public_only judges the address curl connects to, after DNS. A
 * host name passes every literal check; "localhost" resolves to 127.0.0.1 (or ::1), which
 * the connect-time check refuses, before any byte is sent. */
test('fetcher: public_only refuses the internal address a host name resolves to', { skip }, async () => {
  const k = makeSigner('k');
  const js = await startJwksServer();
  js.publish('/jwks.json', [k.jwk]);
  try {
    const byName = `http://localhost:${js.port}/jwks.json`;
    let r = await fetch(byName);
    assertClean(r);
    assert.equal(r.kind, 'ok', `without public_only the same URL is fetched: ${r.line}`);
    assert.equal(r.fields.peer_internal, '1', `the answer came from loopback: ${r.line}`);
    const before = js.requests.length;
    r = await fetch(byName, { publicOnly: 1 });
    assertClean(r);
    assert.equal(r.kind, 'err', r.line);
    assert.equal(r.fields.code, 'fetch', r.line);
    assert.match(r.line, /refused to connect to (127\.0\.0\.1|::1), an internal address/);
    r = await fetch(js.url('/jwks.json'), { publicOnly: 1 });
    assertClean(r);
    assert.equal(r.kind, 'err', `a literal loopback address is refused the same way: ${r.line}`);
    assert.match(r.line, /refused to connect to 127\.0\.0\.1/);
    assert.equal(js.requests.length, before, 'no request reached the server');
  } finally {
    await js.close();
  }
});
