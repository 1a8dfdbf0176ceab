'use strict';
// Per-directory merging: a nested Location inherits every setting and can override each one;
// key directives are refused in .htaccess.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHttpd, request, parseEnv } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('nested Location merge and .htaccess', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    // .htaccess files that try to set keys (refused: key directives are server-config only)
    for (const [sub, directive] of [['ht', `AuthJWTKeyFile "${keys.rsa.pubPath}"`], ['ht2', `AuthJWTSecretsFile "${keys.dir}/x.jwks"`]]) {
      fs.mkdirSync(path.join(keys.dir, sub), { mode: 0o755 });
      fs.writeFileSync(path.join(keys.dir, sub, 'page.html'), 'page\n', { mode: 0o644 });
      fs.writeFileSync(path.join(keys.dir, sub, '.htaccess'), `AuthType jwt\nAuthName "${sub}"\n${directive}\nRequire valid-user\n`, { mode: 0o644 });
    }
    srv = await startHttpd({
      name: 'merge',
      conf: [
        F.location('/outer', 'outer', [
          `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa`,
          `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec`,
          '  AuthJWTIssuer https://a.test/',
          '  AuthJWTAudience aud-a',
          '  AuthJWTLeeway 0',
          '  AuthJWTAlgorithms RS256 ES256',
          '  AuthJWTRequireClaims exp',
          '  AuthzSendForbiddenOnFailure On',
          '  Require jwt-claim role=admin'].join('\n')),
        '<Location /outer/inner>',
        '  AuthName "inner"',
        '  AuthJWTIssuer https://b.test/',
        '  AuthJWTLeeway 3600',
        '  AuthJWTAlgorithms ES256',
        '  AuthJWTUserClaim email',
        '</Location>',
        '<Location /outer/inherit>',
        '  AuthName "inherit"',
        '</Location>',
        '<Location /outer/rules>',
        '  Require jwt-claim role=ops',
        '</Location>',
        '<Location /outer/required>',
        '  AuthJWTRequireClaims exp jti',
        '</Location>',
        `Alias /ht "${keys.dir}/ht"`,
        `Alias /ht2 "${keys.dir}/ht2"`,
        `<Directory "${keys.dir}">`,
        '  AllowOverride AuthConfig',
        '</Directory>',
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const rs = (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) });
  const es = (extra) => T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec' }, payload: T.claims(extra) });
  const get = (p, token) => request(srv.base, p, { headers: token ? F.bearer(token) : {} });
  const A_OK = { iss: 'https://a.test/', aud: 'aud-a', role: 'admin' };
  const B_OK = { iss: 'https://b.test/', aud: 'aud-a', role: 'admin', email: 'alice@example.com' };

  test('outer location: its own settings', async () => {
    A.expectOk(await get('/outer/ok.txt', rs(A_OK)));
    A.expectOk(await get('/outer/ok.txt', es(A_OK)));
    const t = rs({ ...A_OK, iss: 'https://b.test/' });
    A.expectInvalidToken(await get('/outer/ok.txt', t), 'outer', t);
    const late = rs({ ...A_OK, exp: T.now() - 30, iat: T.now() - 600 });
    A.expectInvalidToken(await get('/outer/ok.txt', late), 'outer', late);
    A.expectNoToken(await get('/outer/ok.txt'), 'outer');
  });

  test('a nested location with only AuthName inherits keys, issuer, audience, leeway, rule', async () => {
    A.expectOk(await get('/outer/inherit/ok.txt', rs(A_OK)));
    A.expectNoToken(await get('/outer/inherit/ok.txt'), 'inherit');
    const wrongIss = rs({ ...A_OK, iss: 'https://b.test/' });
    A.expectInvalidToken(await get('/outer/inherit/ok.txt', wrongIss), 'inherit', wrongIss);
    const wrongAud = rs({ ...A_OK, aud: 'aud-b' });
    A.expectInvalidToken(await get('/outer/inherit/ok.txt', wrongAud), 'inherit', wrongAud);
    const late = rs({ ...A_OK, exp: T.now() - 30, iat: T.now() - 600 });
    A.expectInvalidToken(await get('/outer/inherit/ok.txt', late), 'inherit', late);
    A.expectForbidden(await get('/outer/inherit/ok.txt', rs({ ...A_OK, role: 'user' })));
  });

  test('a nested location overrides issuer, leeway, algorithms and user claim; keeps audience', async () => {
    A.expectOk(await get('/outer/inner/ok.txt', es(B_OK)));
    const aIss = es({ ...B_OK, iss: 'https://a.test/' });
    A.expectInvalidToken(await get('/outer/inner/ok.txt', aIss), 'inner', aIss);
    const rsTok = rs(B_OK);
    A.expectInvalidToken(await get('/outer/inner/ok.txt', rsTok), 'inner', rsTok);
    A.expectOk(await get('/outer/inner/ok.txt', es({ ...B_OK, exp: T.now() - 1800, iat: T.now() - 3600 })));
    const wrongAud = es({ ...B_OK, aud: 'aud-b' });
    A.expectInvalidToken(await get('/outer/inner/ok.txt', wrongAud), 'inner', wrongAud);
    const res = await get('/outer/inner/env.cgi', es(B_OK));
    assert.equal(res.status, 200);
    assert.equal(parseEnv(res.body).REMOTE_USER, 'alice@example.com');
    const outerEnv = parseEnv((await get('/outer/env.cgi', es(A_OK))).body);
    assert.equal(outerEnv.REMOTE_USER, 'alice');
  });

  test('a nested location can replace the Require rule and the required claims', async () => {
    A.expectOk(await get('/outer/rules/ok.txt', rs({ ...A_OK, role: 'ops' })));
    A.expectForbidden(await get('/outer/rules/ok.txt', rs(A_OK)));
    const noJti = rs(A_OK);
    A.expectInvalidToken(await get('/outer/required/ok.txt', noJti), 'outer', noJti);
    A.expectOk(await get('/outer/required/ok.txt', rs({ ...A_OK, jti: 'j-1' })));
  });

  test('AuthJWTKeyFile and AuthJWTSecretsFile in .htaccess are refused (500, "not allowed here")', async () => {
    const t = rs({});
    const r1 = await get('/ht/page.html', t);
    assert.equal(r1.status, 500);
    const r2 = await get('/ht2/page.html', t);
    assert.equal(r2.status, 500);
    const log = srv.errorLog();
    assert.match(log, /AuthJWTKeyFile not allowed here/);
    assert.match(log, /AuthJWTSecretsFile not allowed here/);
  });
});

/* Every per-directory directive alone in a section, on either side of a merge: alone in a
 * section nested in one that holds the keys (/m/<name>), and alone in an outer section
 * around one that holds the keys (/o-<name>/k). At both it must be in force, and the keys
 * too. (The merge hands back a section's own configuration when the other side of the
 * merge sets nothing: config.c's sets_nothing must know every setting.) */
describe('each directive alone on either side of a merge', () => {
  let keys; let srv;
  // [name, the directive, probe(get, loc): asserts that the directive is in force at loc]
  const PROBES = [
    ['algs', 'AuthJWTAlgorithms ES256', async (t, loc) => {
      const rsTok = t.rs({});
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, rsTok), 'm', rsTok, 'alg_not_allowed');
      A.expectOk(await t.get(`${loc}/ok.txt`, t.es({})));
    }],
    ['iss', 'AuthJWTIssuer https://a.test/', async (t, loc) => {
      const tok = t.rs({});
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, tok), 'm', tok, 'claim_missing');
      A.expectOk(await t.get(`${loc}/ok.txt`, t.rs({ iss: 'https://a.test/' })));
    }],
    ['aud', 'AuthJWTAudience api', async (t, loc) => {
      const tok = t.rs({ aud: 'other' });
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, tok), 'm', tok, 'audience');
      A.expectOk(await t.get(`${loc}/ok.txt`, t.rs({ aud: 'api' })));
    }],
    ['leeway', 'AuthJWTLeeway 0', async (t, loc) => {
      const late = t.rs({ exp: T.now() - 20, iat: T.now() - 600 });   // within the default 60 s
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, late), 'm', late, 'expired');
    }],
    ['required', 'AuthJWTRequireClaims exp jti', async (t, loc) => {
      const tok = t.rs({});
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, tok), 'm', tok, 'claim_missing');
      A.expectOk(await t.get(`${loc}/ok.txt`, t.rs({ jti: 'j' })));
    }],
    ['user', 'AuthJWTUserClaim email', async (t, loc) => {
      const res = await t.get(`${loc}/env.cgi`, t.rs({ email: 'a@example.com' }));
      assert.equal(parseEnv(res.body).REMOTE_USER, 'a@example.com');
    }],
    ['typ', 'AuthJWTType at+jwt', async (t, loc) => {
      const tok = t.rs({});
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, tok), 'm', tok, 'type');
    }],
    ['lifetime', 'AuthJWTMaxLifetime 60', async (t, loc) => {
      const tok = t.rs({});                                            // exp - iat = 600
      A.expectInvalidToken(await t.get(`${loc}/ok.txt`, tok), 'm', tok, 'lifetime');
    }],
    ['from', 'AuthJWTTokenFrom cookie=tk', async (t, loc) => {
      A.expectNoToken(await t.get(`${loc}/ok.txt`, t.rs({})), 'm');     // the header is not read
      A.expectOk(await request(t.base, `${loc}/ok.txt`, { headers: { Cookie: `tk=${t.rs({})}` } }));
    }],
    ['env', 'AuthJWTClaimsEnv Off', async (t, loc) => {
      const env = parseEnv((await t.get(`${loc}/env.cgi`, t.rs({}))).body);
      assert.equal(env.REMOTE_USER, 'alice');
      assert.equal(env.JWT_CLAIM_SUB, undefined);
    }],
    ['fwd', 'AuthJWTForwardClaim sub X-Merged-Sub', async (t, loc) => {
      const res = await t.get(`${loc}/env.cgi`, t.rs({}), { 'X-Merged-Sub': 'mallory' });
      assert.equal(parseEnv(res.body).HTTP_X_MERGED_SUB, 'alice');
    }],
  ];

  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    const keyLines = [`  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa`, `  AuthJWTKeyFile "${keys.ec256.pubPath}" kid=ec`];
    const conf = [F.location('/m', 'm', `${keyLines.join('\n')}\n  Require valid-user`)];
    for (const [name, directive] of PROBES) {
      conf.push(`<Location /m/${name}>\n  ${directive}\n</Location>`);
      conf.push(F.location(`/o-${name}`, 'm', `  ${directive}\n  Require valid-user`));
      conf.push(`<Location /o-${name}/k>\n${keyLines.join('\n')}\n</Location>`);
    }
    srv = await startHttpd({ name: 'merge1', conf: conf.join('\n') });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const t = {
    rs: (extra) => T.jwtSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { kid: 'rsa' }, payload: T.claims(extra) }),
    es: (extra) => T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec' }, payload: T.claims(extra) }),
    get: (p, token, headers = {}) => request(srv.base, p, { headers: { ...(token ? F.bearer(token) : {}), ...headers } }),
    get base() { return srv.base; },
  };

  for (const [name, directive, probe] of PROBES) {
    test(`${directive}: in force alone inside the keys' section, and alone around it`, async () => {
      A.expectOk(await t.get('/m/ok.txt', t.rs({ iss: 'https://a.test/', aud: 'api', jti: 'j' })));
      await probe(t, `/m/${name}`);
      await probe(t, `/o-${name}/k`);
      await assert.rejects(probe(t, '/m'), 'the probe tells the directive from its absence');
    });
  }
});
