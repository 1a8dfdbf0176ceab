'use strict';
// httpoxy (CVE-2016-5385 class) for the admin CGI, which fetches the JWKS URLs named in
// JWT_ADMIN_KEYS with libcurl: a client's "Proxy:" request header reaches a CGI as the
// environment variable HTTP_PROXY, and must not route the CGI's key fetches through the
// attacker's proxy (which could then serve its own keys). libcurl ignores the upper-case
// HTTP_PROXY for this reason; this test pins that down for our fetcher. The control proves
// that the test can see a proxy being used: the lower-case http_proxy, which no client can
// set, is honoured.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const F = require('../integration/lib/fixture');

const CGI = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-sec-httpoxy-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function runCgi(env, body = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(CGI, [], { env });
    child.stdin.end(body);
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text: Buffer.concat(out).toString('utf8') }));
  });
}

test('a client "Proxy:" header (HTTP_PROXY) does not proxy the CGI\'s JWKS fetch; http_proxy would', async () => {
  assert.ok(fs.existsSync(CGI), `${CGI} not built`);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'idp-1', use: 'sig', alg: 'ES256' };
  const idp = await F.countingServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const proxy = await F.countingServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"keys":[]}');
  });
  try {
    const url = `${idp.url}/jwks.json`;
    const env = {
      PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1', SCRIPT_NAME: '/admin',
      REMOTE_USER: 'alice', HTTP_HOST: '127.0.0.1:8080', REQUEST_METHOD: 'GET', QUERY_STRING: 'page=inspect',
      JWT_ADMIN_SECRETS_FILE: path.join(dir, 'secrets.jwks'), JWT_ADMIN_AUDIT_LOG: path.join(dir, 'audit.log'),
      JWT_ADMIN_KEYS: url,
    };
    // the page's CSRF token, then an inspect POST: that is when the CGI loads (fetches) keys
    const page = await runCgi(env);
    const csrf = page.text.match(/name="csrf" value="([^"]+)"/)[1];
    const seg = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${seg({ alg: 'ES256', kid: 'idp-1' })}.${seg({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 600 })}`;
    const sig = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const body = new URLSearchParams({ csrf, action: 'inspect', token: `${input}.${sig}`, rules: '', iss: '', aud: '' }).toString();
    const postEnv = { ...env, REQUEST_METHOD: 'POST', CONTENT_TYPE: 'application/x-www-form-urlencoded',
      CONTENT_LENGTH: String(Buffer.byteLength(body)), HTTP_ORIGIN: 'http://127.0.0.1:8080' };
    const attacked = await runCgi({ ...postEnv, HTTP_PROXY: proxy.url }, body);
    assert.equal(attacked.code, 0);
    assert.match(attacked.text, /^Status: 200/m);
    assert.match(attacked.text, /1 key \(fetched now\)/);
    assert.equal(proxy.requests.length, 0, 'the CGI fetched through the client-chosen proxy');
    assert.equal(idp.requests.length, 1);

    const control = await runCgi({ ...postEnv, http_proxy: proxy.url }, body);
    assert.equal(control.code, 0);
    assert.equal(proxy.requests.length, 1, 'control: http_proxy was not used, so the test above proves nothing');
    assert.equal(proxy.requests[0].url, url, 'a proxied request names the absolute URL');
    assert.equal(idp.requests.length, 1);
  } finally {
    await idp.close();
    await proxy.close();
  }
});

test('httpd itself does not pass a client "Proxy:" header to a CGI (no HTTP_PROXY); other headers do pass', async () => {
  const { startHttpd, request, parseEnv } = require('../integration/lib/httpd');
  const srv = await startHttpd({ name: 'security-httpoxy' });
  try {
    const r = await request(srv.base, '/x/env.cgi', { headers: { Proxy: 'http://evil.example:1', 'X-Probe': 'seen' } });
    assert.equal(r.status, 200);
    const env = parseEnv(r.body);
    assert.equal(env.HTTP_X_PROBE, 'seen', 'control: request headers do reach the CGI');
    assert.equal(env.HTTP_PROXY, undefined);
  } finally {
    await srv.stop();
  }
});
