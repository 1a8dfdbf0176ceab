'use strict';
// Forwarded-claim headers cannot be spoofed by another spelling (issue 21). Backends that
// fold '_' and '-' (WSGI/Rack-style CGI variables, PHP-FPM behind some proxies) read
// X_JWT_Email and X-JWT-Email as one variable, so every client header equal to a forwarded
// name after case folding and '_'/'-' folding must be gone before the backend sees the
// request: with a token that has the claim, with one that lacks it, and on every path that
// skips authentication (OPTIONS allowed by an <If>, an inner section with Require all
// granted, an error document, a subrequest). The backend is a real node server behind
// mod_proxy_http that records its raw header lines (req.rawHeaders).
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');
const F = require('../integration/lib/fixture');

const SPELLINGS = ['X-JWT-Email', 'x-jwt-email', 'X_JWT_Email', 'x_jwt_email', 'X-JWT_EMAIL',
  'X_JWT-Email', 'x-Jwt_eMaIl'];
const SUB_SPELLINGS = ['X_JWT_Sub', 'x-jwt-sub', 'X-JWT_SUB'];
const folded = (n) => n.toLowerCase().replace(/_/g, '-');

describe('forwarded-claim headers under every spelling', () => {
  let keys; let srv; let backend; let n = 0;
  before(async () => {
    keys = generateKeys({ only: ['ec256'] });
    backend = await F.countingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`backend saw ${req.url}\n`);
    });
    srv = await startHttpd({
      name: 'spelling',
      modules: ['proxy', 'proxy_http', 'include'],
      conf: [
        `ProxyPass /fwd/ ${backend.url}/fwd/`,
        '<Location /fwd>',
        '  AuthType jwt',
        '  AuthName "fwd"',
        `  AuthJWTKeyFile "${keys.ec256.pubPath}"`,
        '  AuthJWTForwardClaim email X-JWT-Email',
        '  AuthJWTForwardClaim sub X-JWT-Sub',
        '  ErrorDocument 401 /fwd/public/error401',
        '  Require valid-user',
        // CORS preflights pass without a token
        '  <If "%{REQUEST_METHOD} == \'OPTIONS\'">',
        '    Require all granted',
        '  </If>',
        '</Location>',
        '<Location /fwd/public>',
        '  Require all granted',
        '</Location>',
        // a page outside the forwarding location that includes one inside it
        '<Location /ssi>',
        '  Options +Includes',
        '  SetOutputFilter INCLUDES',
        '  Require all granted',
        '</Location>',
      ].join('\n'),
    });
    fs.mkdirSync(path.join(srv.dir, 'htdocs', 'ssi'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(srv.dir, 'htdocs', 'ssi', 'page.html'),
      'before\n<!--#include virtual="/fwd/public/sub" -->\nafter\n', { mode: 0o644 });
  });
  after(async () => { await srv?.stop(); await backend?.close(); keys?.cleanup(); });

  const tok = (extra) => T.jwtSign({ alg: 'ES256', key: keys.ec256.privateKey, payload: T.claims(extra) });

  /* Send the request with one spoofed header per spelling (each value names its spelling),
   * then return the email- and sub-like header lines the backend received for that URL. */
  async function sent(method, urlPath, spellings, token) {
    const url = `${urlPath}?n=${++n}`;
    const headers = [];
    if (token) headers.push('Authorization', `Bearer ${token}`);
    for (const s of spellings) headers.push(s, `spoof-${s}`);
    const res = await request(srv.base, url, { method, headers });
    return { res, lines: backendLines(url) };
  }
  function backendLines(url) {
    const got = backend.requests.filter((q) => q.url.endsWith(url.slice(url.indexOf('?'))));
    assert.equal(got.length, 1, `the backend saw ${got.length} requests for ${url}`);
    const raw = got[0].rawHeaders; const out = [];
    for (let i = 0; i < raw.length; i += 2) {
      const f = folded(raw[i]);
      if (f === 'x-jwt-email' || f === 'x-jwt-sub') out.push([raw[i], raw[i + 1]]);
    }
    return out;
  }

  test('a token WITH the claim: the backend sees only the module\'s header, once', async () => {
    const { res, lines } = await sent('GET', '/fwd/api', [...SPELLINGS, ...SUB_SPELLINGS],
      tok({ sub: 'alice', email: 'alice@example.com' }));
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(lines.map(([k, v]) => [folded(k), v]).sort(),
      [['x-jwt-email', 'alice@example.com'], ['x-jwt-sub', 'alice']]);
  });

  test('a token WITHOUT the claim: no spelling of the header reaches the backend', async () => {
    const { res, lines } = await sent('GET', '/fwd/api', SPELLINGS, tok({ sub: 'bob' }));
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(lines, [['X-JWT-Sub', 'bob']]);
  });

  for (const s of SPELLINGS) {
    test(`a single ${s} header alone is removed (token without email)`, async () => {
      const { res, lines } = await sent('GET', '/fwd/one', [s], tok({ sub: 'carol' }));
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(lines, [['X-JWT-Sub', 'carol']]);
    });
  }

  test('OPTIONS let through without a token: every spelling removed', async () => {
    const { res, lines } = await sent('OPTIONS', '/fwd/api', [...SPELLINGS, ...SUB_SPELLINGS]);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(lines, []);
  });

  test('an inner section with Require all granted: every spelling removed', async () => {
    const { res, lines } = await sent('GET', '/fwd/public/page', [...SPELLINGS, ...SUB_SPELLINGS]);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(lines, []);
  });

  test('an error document (401 without a token, proxied): every spelling removed', async () => {
    const url = `/fwd/api?n=${++n}`;
    const headers = [];
    for (const s of [...SPELLINGS, ...SUB_SPELLINGS]) headers.push(s, `spoof-${s}`);
    const before = backend.requests.length;
    const res = await request(srv.base, url, { headers });
    // a proxied error document answers with the backend's status (httpd's rule)
    assert.ok([200, 401].includes(res.status), String(res.status));
    const got = backend.requests.slice(before);
    assert.equal(got.length, 1, 'the error document reached the backend once');
    assert.match(got[0].url, /^\/fwd\/public\/error401/);
    assert.match(res.body, /backend saw \/fwd\/public\/error401/);
    const raw = got[0].rawHeaders; const bad = [];
    for (let i = 0; i < raw.length; i += 2) if (/^x-jwt-(email|sub)$/.test(folded(raw[i]))) bad.push(raw[i]);
    assert.deepEqual(bad, []);
  });

  test('an error document after a bad token: every spelling removed', async () => {
    const before = backend.requests.length;
    const headers = ['Authorization', `Bearer ${T.tamperSignature(tok({ sub: 'alice', email: 'a@x' }))}`];
    for (const s of SPELLINGS) headers.push(s, `spoof-${s}`);
    const res = await request(srv.base, `/fwd/api?n=${++n}`, { headers });
    // a proxied error document answers with the backend's status (httpd's rule)
    assert.ok([200, 401].includes(res.status), String(res.status));
    const got = backend.requests.slice(before);
    assert.equal(got.length, 1);
    const raw = got[0].rawHeaders;
    assert.deepEqual(raw.filter((x, i) => i % 2 === 0 && /^x-jwt-/.test(folded(x))), []);
  });

  test('a subrequest (mod_include virtual) into the location: every spelling removed', async () => {
    const before = backend.requests.length;
    const headers = [];
    for (const s of [...SPELLINGS, ...SUB_SPELLINGS]) headers.push(s, `spoof-${s}`);
    const res = await request(srv.base, '/ssi/page.html', { headers });
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /before\nbackend saw \/fwd\/public\/sub\n/);
    const got = backend.requests.slice(before);
    assert.equal(got.length, 1, 'the subrequest reached the backend once');
    const raw = got[0].rawHeaders;
    assert.deepEqual(raw.filter((x, i) => i % 2 === 0 && /^x-jwt-/.test(folded(x))), []);
  });

  test('headers that only look alike are kept (X-JWT-Emails, X-JWTEmail)', async () => {
    const url = `/fwd/api?n=${++n}`;
    const res = await request(srv.base, url, {
      headers: ['Authorization', `Bearer ${tok({ sub: 'dave' })}`, 'X-JWT-Emails', 'a', 'X-JWTEmail', 'b'],
    });
    assert.equal(res.status, 200);
    const got = backend.requests.filter((q) => q.url.endsWith(url.slice(url.indexOf('?'))));
    const raw = got[0].rawHeaders.map((x, i) => (i % 2 === 0 ? x.toLowerCase() : x));
    assert.equal(raw[raw.indexOf('x-jwt-emails') + 1], 'a');
    assert.equal(raw[raw.indexOf('x-jwtemail') + 1], 'b');
  });
});
