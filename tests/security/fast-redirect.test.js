'use strict';
// Forwarded-claim headers across mod_dir's fast redirect (security review, this session):
// GET /app/ in a section with Require all granted finds its DirectoryIndex, /app/env.cgi, in a
// section that authenticates and forwards claims. mod_dir runs that lookup as a subrequest
// (which strips and forwards in its own copy of the headers) and then copies the
// subrequest's configuration, not its headers, into the main request: the client's
// X-JWT-Email reached the CGI untouched while the token proved nothing about it. Every
// spelling must be gone there too.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHttpd, request, parseEnv } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const T = require('../integration/lib/tokens');

const SPELLINGS = ['X-JWT-Email', 'X_JWT_Email', 'x-jwt_EMAIL'];

describe('forwarded-claim headers through a DirectoryIndex fast redirect', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['ec256'] });
    srv = await startHttpd({
      name: 'fast-redirect',
      modules: ['dir'],
      conf: [
        '<Location /app/>',
        '  DirectoryIndex env.cgi',
        '  Require all granted',
        '</Location>',
        '<LocationMatch "^/app/env\\.cgi$">',
        '  AuthType jwt',
        '  AuthName "app"',
        `  AuthJWTKeyFile "${keys.ec256.pubPath}"`,
        '  AuthJWTForwardClaim email X-JWT-Email',
        '  Require valid-user',
        '</LocationMatch>',
      ].join('\n'),
    });
    fs.mkdirSync(path.join(srv.dir, 'htdocs', 'app'), { recursive: true, mode: 0o755 });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const spoofed = (token) => {
    const headers = ['Authorization', `Bearer ${token}`];
    for (const s of SPELLINGS) headers.push(s, 'admin@evil.example');
    return headers;
  };

  test('direct: the CGI sees the token\'s email only', async () => {
    const token = await T.jwtSign({ alg: 'ES256', key: keys.ec256.privateKey, payload: T.claims({ email: 'alice@x.example' }) });
    const res = await request(srv.base, '/app/env.cgi', { headers: spoofed(token) });
    assert.equal(res.status, 200, res.body);
    const env = parseEnv(res.body);
    assert.equal(env.HTTP_X_JWT_EMAIL, 'alice@x.example');
    assert.ok(!res.body.includes('evil'), res.body);
  });

  test('through the DirectoryIndex: no client spelling of the header reaches the CGI', async () => {
    for (const email of ['alice@x.example', undefined]) {
      const token = await T.jwtSign({ alg: 'ES256', key: keys.ec256.privateKey,
        payload: T.claims(email ? { email } : {}) });
      const res = await request(srv.base, '/app/', { headers: spoofed(token) });
      assert.equal(res.status, 200, res.body);
      assert.match(res.body, /GATEWAY_INTERFACE=/, 'not the CGI: the fast redirect did not happen');
      assert.ok(!res.body.includes('evil'), `the client's header reached the CGI:\n${res.body}`);
    }
  });
});
