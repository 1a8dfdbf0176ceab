'use strict';
/*
 * login.js -- shared bits of the jwt-login-handler tests (issue 5). CommonJS.
 *
 *   const L = require('./lib/login');
 *   L.makeUsers(dir, [{ user, password, hash: 'B' | 's' | 'm' }]) -> htpasswd path, made by
 *       the real `htpasswd` tool (apache2-utils): -B bcrypt, -s SHA1, -m APR MD5.
 *   L.writeFile(dir, name, text) -> path (0644, readable by www-data)
 *   L.loginLocation(path, { keyLine, alg, userFile, issuer, audience, lifetime, groupFile,
 *                           delivery, extra }) -> a <Location> with SetHandler jwt-login-handler
 *   L.postJson(base, path, obj|text, headers?)   L.postForm(base, path, obj|text, headers?)
 *   L.expectLoginOk(res, lifetime) -> { token, header, payload }   (json delivery)
 *   L.expectLoginRefused(res, status, error, description)   exact JSON error, no token, no cookie
 *   L.CookieJar: a minimal jar (set from Set-Cookie, Max-Age=0 deletes, header() for requests)
 *   L.median(numbers)
 */
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { request } = require('../../integration/lib/httpd');
const T = require('../../integration/lib/tokens');

function writeFile(dir, name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text, { mode: 0o644 });
  fs.chmodSync(p, 0o644);
  return p;
}

/* htpasswd -c (first) / -b (batch), the hash by flag; -i would read stdin, -b is simpler. */
function makeUsers(dir, users, name = 'users.htpasswd') {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  users.forEach((u, i) => {
    const args = [...(i === 0 ? ['-c'] : []), `-${u.hash}`, '-b', file, u.user, u.password];
    execFileSync('htpasswd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  });
  fs.chmodSync(file, 0o644);
  return file;
}

/* The htpasswd line of a user, to prove the hash kind the tool wrote. */
function hashOf(file, user) {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  assert.ok(line, `${user} not in ${file}`);
  return line.slice(user.length + 1);
}

function loginLocation(where, o) {
  const lines = [
    `<Location ${where}>`,
    '  SetHandler jwt-login-handler',
    '  AuthJWTProvider file',
    `  AuthUserFile "${o.userFile}"`,
    `  AuthJWTSigningKey ${o.keyLine}`,
  ];
  if (o.alg) lines.push(`  AuthJWTSigningAlgorithm ${o.alg}`);
  if (o.issuer) lines.push(`  AuthJWTIssuer ${o.issuer}`);
  if (o.audience) lines.push(`  AuthJWTAudience ${o.audience}`);
  if (o.lifetime) lines.push(`  AuthJWTTokenLifetime ${o.lifetime}`);
  if (o.groupFile) lines.push(`  AuthJWTGroupFile "${o.groupFile}"`);
  if (o.delivery) lines.push(`  AuthJWTDelivery ${o.delivery}`);
  if (o.extra) lines.push(...o.extra.map((l) => `  ${l}`));
  lines.push('</Location>');
  return lines.join('\n');
}

function postJson(base, where, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return request(base, where, {
    method: 'POST', body: text,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers },
  });
}

function postForm(base, where, body, headers = {}) {
  const text = typeof body === 'string' ? body : new URLSearchParams(body).toString();
  return request(base, where, {
    method: 'POST', body: text,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(text), ...headers,
    },
  });
}

function expectJsonAnswer(res) {
  assert.deepEqual(res.header('Cache-Control'), ['no-store'], 'Cache-Control');
  assert.deepEqual(res.header('Content-Type'), ['application/json'], 'Content-Type');
  return JSON.parse(res.body);
}

function expectLoginOk(res, lifetime) {
  assert.equal(res.status, 200, `login: ${res.status} ${res.body}`);
  const body = expectJsonAnswer(res);
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, lifetime);
  assert.deepEqual(res.header('Set-Cookie'), [], 'json delivery sets no cookie');
  assert.match(body.access_token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const { header, payload } = T.decode(body.access_token);
  return { token: body.access_token, header, payload };
}

function expectLoginRefused(res, status, error, description) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.body}`);
  const body = expectJsonAnswer(res);
  assert.deepEqual(body, { error, error_description: description });
  assert.deepEqual(res.header('Set-Cookie'), [], 'no cookie on a refusal');
  assert.ok(!/eyJ/.test(res.body), 'no token in the body');
  return body;
}

/* Just enough of RFC 6265 for the tests: name=value, Max-Age<=0 or a past Expires deletes. */
class CookieJar {
  constructor() { this.cookies = new Map(); }

  take(res) {
    for (const sc of res.header('Set-Cookie')) {
      const [pair, ...attrs] = sc.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let remove = false;
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) remove = true;
        if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) remove = true;
      }
      if (remove) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

module.exports = {
  writeFile, makeUsers, hashOf, loginLocation, postJson, postForm, expectJsonAnswer,
  expectLoginOk, expectLoginRefused, CookieJar, median,
};
