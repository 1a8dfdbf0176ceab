'use strict';
/* jwt-login-handler, every signing algorithm x every htpasswd hash kind: the answer's shape,
 * the token's header and claims, verification in npm `jose` against the jwt-jwks-handler
 * output, and the token opening a protected location configured with the public key (or
 * the secrets file) and one configured with AuthJWTJWKSURL pointed at the JWKS handler. */
const test = require('node:test');
const assert = require('node:assert/strict');
const jose = require('jose');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys, writeSecretsFile, b64url } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const L = require('./lib/login');

const ISS = 'https://idp.test/';
const AUD = 'orders-api';
const LIFETIME = 900;
const ALGS = [
  { name: 'es256', alg: 'ES256', key: 'ec256' },
  { name: 'es384', alg: 'ES384', key: 'ec384' },
  { name: 'es512', alg: 'ES512', key: 'ec521' },
  { name: 'rs256', alg: 'RS256', key: 'rsa' },
  { name: 'ps256', alg: 'PS256', key: 'rsa' },
  { name: 'eddsa', alg: 'EdDSA', key: 'ed25519' },
  { name: 'hs256', alg: 'HS256', hmac: true },
];
/* hash: the htpasswd flag; prefix: what the tool writes for it; body: how the test logs in */
const USERS = [
  { user: 'ada', password: 'Ada-bcrypt-pw-41', hash: 'B', prefix: '$2y$', groups: ['admin', 'staff'], body: 'json' },
  { user: 'sam', password: 'Sam-sha1-pw-42', hash: 's', prefix: '{SHA}', groups: ['staff'], body: 'form' },
  { user: 'max', password: 'Max-md5-pw-43', hash: 'm', prefix: '$apr1$', groups: [], body: 'json' },
];
const HMAC_KID = 'login-hs';

let keys; let srv; let userFile; let secretsPath;

function protectedLocation(where, lines) {
  return [`<Location ${where}>`, '  AuthType jwt', '  AuthName "login-test"',
    `  AuthJWTIssuer ${ISS}`, `  AuthJWTAudience ${AUD}`,
    ...lines.map((l) => `  ${l}`), '  Require valid-user', '</Location>'].join('\n');
}

function conf(port) {
  const parts = ['<Location /.well-known/jwks.json>', '  SetHandler jwt-jwks-handler', '</Location>'];
  for (const a of ALGS) {
    parts.push(L.loginLocation(`/auth/${a.name}/login`, {
      keyLine: a.hmac ? `secrets=${secretsPath}` : keys[a.key].privPath, alg: a.alg, userFile,
      issuer: ISS, audience: AUD, lifetime: LIFETIME, groupFile: `${keys.dir}/groups`,
    }));
    parts.push(protectedLocation(`/api/${a.name}`,
      [a.hmac ? `AuthJWTSecretsFile ${secretsPath}` : `AuthJWTKeyFile ${keys[a.key].pubPath}`]));
    if (port && !a.hmac) {
      parts.push(protectedLocation(`/remote/${a.name}`,
        [`AuthJWTJWKSURL http://127.0.0.1:${port}/.well-known/jwks.json`]));
    }
  }
  return parts.join('\n');
}

test.before(async () => {
  keys = generateKeys({ only: ['rsa', 'ec256', 'ec384', 'ec521', 'ed25519'] });
  userFile = L.makeUsers(keys.dir, USERS);
  L.writeFile(keys.dir, 'groups', '# groups of the login tests\nadmin: ada\nstaff: ada sam\nother: bob\n');
  secretsPath = writeSecretsFile(`${keys.dir}/secrets.jwks`,
    [{ kid: HMAC_KID, alg: 'HS256', k: keys.hmac.hs256 }]);
  // The JWKS URL names the server's own port, known only once it runs: start, then
  // restart gracefully with the /remote locations added.
  srv = await startHttpd({ conf: conf(null), modules: ['authn_file', 'socache_shmcb'], name: 'login-algs' });
  await srv.restart(conf(srv.port));
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

test('htpasswd wrote the three hash kinds', () => {
  for (const u of USERS) assert.ok(L.hashOf(userFile, u.user).startsWith(u.prefix), `${u.user}: ${u.prefix}`);
});

test('JWKS handler: the public half of each asymmetric signing key, once, no private member', async () => {
  const res = await request(srv.base, '/.well-known/jwks.json');
  assert.equal(res.status, 200);
  assert.deepEqual(res.header('Content-Type'), ['application/json']);
  const cc = res.header('Cache-Control');
  assert.equal(cc.length, 1);
  const m = /(?:^|[ ,])max-age=(\d+)(?:$|[ ,])/.exec(cc[0]);
  assert.ok(m && Number(m[1]) > 0, `Cache-Control ${cc[0]}`);
  assert.ok(!/no-store/.test(cc[0]));
  const doc = JSON.parse(res.body);
  assert.deepEqual(Object.keys(doc), ['keys']);
  // RS256 and PS256 sign with the same RSA key: it is published once
  const want = ['ec256', 'ec384', 'ec521', 'rsa', 'ed25519'];
  assert.equal(doc.keys.length, want.length, res.body);
  for (const name of want) {
    const thumb = await jose.calculateJwkThumbprint(keys[name].jwk);
    const jwk = doc.keys.find((k) => k.kid === thumb);
    assert.ok(jwk, `${name}: no JWK with kid = its RFC 7638 thumbprint`);
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) assert.ok(!(priv in jwk), `${name}: member ${priv}`);
    for (const [k, v] of Object.entries(keys[name].jwk)) assert.equal(jwk[k], v, `${name}.${k}`);
    assert.equal(jwk.use, 'sig');
  }
  assert.ok(!doc.keys.some((k) => k.kty === 'oct'));
  const secret = keys.hmac.hs256;
  for (const enc of [b64url(secret), secret.toString('base64'), secret.toString('hex'), HMAC_KID]) {
    assert.ok(!res.body.includes(enc), 'the HMAC signing secret (or its kid) is in the JWKS');
  }
});

test('JWKS handler: HEAD has the headers and no body; POST is 405 with Allow', async () => {
  const head = await request(srv.base, '/.well-known/jwks.json', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.match(head.header('Cache-Control')[0], /max-age=\d+/);
  const post = await request(srv.base, '/.well-known/jwks.json', { method: 'POST', body: '{}' });
  L.expectLoginRefused(post, 405, 'invalid_request', 'use GET, HEAD');
  assert.deepEqual(post.header('Allow'), ['GET, HEAD']);
});

async function login(a, u) {
  const where = `/auth/${a.name}/login`;
  const cred = { username: u.user, password: u.password };
  const t0 = Math.floor(Date.now() / 1000);
  const res = u.body === 'json' ? await L.postJson(srv.base, where, cred) : await L.postForm(srv.base, where, cred);
  const t1 = Math.floor(Date.now() / 1000);
  return { ...L.expectLoginOk(res, LIFETIME), t0, t1 };
}

for (const a of ALGS) {
  for (const u of USERS) {
    test(`${a.alg}, ${u.hash === 'B' ? 'bcrypt' : u.hash === 's' ? 'SHA1' : 'MD5'} user (${u.body} body)`, async () => {
      const { token, header, payload, t0, t1 } = await login(a, u);
      const kid = a.hmac ? HMAC_KID : await jose.calculateJwkThumbprint(keys[a.key].jwk);
      assert.deepEqual(header, { alg: a.alg, kid, typ: 'JWT' });
      assert.deepEqual(Object.keys(payload).sort(),
        ['aud', 'exp', 'groups', 'iat', 'iss', 'jti', 'nbf', 'sub']);
      assert.equal(payload.iss, ISS);
      assert.equal(payload.aud, AUD);
      assert.equal(payload.sub, u.user);
      assert.ok(Number.isInteger(payload.iat) && payload.iat >= t0 - 1 && payload.iat <= t1 + 1,
        `iat ${payload.iat} not in [${t0}, ${t1}]`);
      assert.equal(payload.nbf, payload.iat);
      assert.equal(payload.exp, payload.iat + LIFETIME);
      assert.match(payload.jti, /^[A-Za-z0-9_-]{22}$/);   // 16 random bytes
      assert.deepEqual(payload.groups, u.groups);

      const second = await login(a, u);
      assert.notEqual(second.payload.jti, payload.jti, 'jti repeats across logins');

      // an independent verifier: jose, against the JWKS handler's document (or the secret)
      const verifyKey = a.hmac ? keys.hmac.hs256
        : jose.createRemoteJWKSet(new URL('/.well-known/jwks.json', srv.base));
      const v = await jose.jwtVerify(token, verifyKey, { algorithms: [a.alg], issuer: ISS, audience: AUD });
      assert.deepEqual(v.payload, payload);
      assert.equal(v.protectedHeader.kid, kid);

      // the token opens the protected locations of the same server
      A.expectOk(await request(srv.base, `/api/${a.name}/ok.txt`, { headers: { Authorization: `Bearer ${token}` } }));
      if (!a.hmac) {
        A.expectOk(await request(srv.base, `/remote/${a.name}/ok.txt`, { headers: { Authorization: `Bearer ${second.token}` } }));
      }
      // and the location is really protected
      A.expectNoToken(await request(srv.base, `/api/${a.name}/ok.txt`), 'login-test');
    });
  }
}

test('a token of one signing key does not open the location of another', async () => {
  const { token } = await login(ALGS[0], USERS[0]);          // ES256 key
  const res = await request(srv.base, '/api/eddsa/ok.txt', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 401);
  A.expectInvalidToken(res, 'login-test', token);
});
