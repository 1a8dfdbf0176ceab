'use strict';
/* AuthJWTGroupFile: the user's groups from an Apache group file become the "groups" claim,
 * which `Require jwt-claim-array groups=admin` checks (AuthzSendForbiddenOnFailure On). */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('../integration/lib/httpd');
const { generateKeys } = require('../integration/lib/keys');
const A = require('../integration/lib/assertions');
const L = require('./lib/login');

const PW = { alice: 'Alice-Group-Pw-118', bob: 'Bob-Group-Pw-229', dave: 'Dave-Group-Pw-330' };
const REALM = 'admin-area';

let keys; let srv;

test.before(async () => {
  keys = generateKeys({ only: ['ec384'] });
  const userFile = L.makeUsers(keys.dir, [
    { user: 'alice', password: PW.alice, hash: 'B' }, { user: 'bob', password: PW.bob, hash: 's' },
    { user: 'dave', password: PW.dave, hash: 'm' }]);
  // Apache group-file format: "group: member member ...", comments, a member list that
  // mentions "alice" only as a prefix of another name, a group continued on a second line
  const groupFile = L.writeFile(keys.dir, 'groups',
    '# test groups\nadmin: alice\nstaff:   alice   bob\n\nalices: alice2 malice\nops: bob\nadmin: carol alice\n');
  const login = { keyLine: keys.ec384.privPath, alg: 'ES384', userFile, lifetime: 300 };
  const conf = [
    L.loginLocation('/auth/login', { ...login, groupFile }),
    L.loginLocation('/auth/nogroups', login),
    '<Location /admin>', '  AuthType jwt', `  AuthName "${REALM}"`, `  AuthJWTKeyFile ${keys.ec384.pubPath}`,
    '  AuthzSendForbiddenOnFailure On', '  Require jwt-claim-array groups=admin', '</Location>',
    '<Location /staff>', '  AuthType jwt', `  AuthName "${REALM}"`, `  AuthJWTKeyFile ${keys.ec384.pubPath}`,
    '  AuthzSendForbiddenOnFailure On', '  Require jwt-claim-array groups=staff', '</Location>',
  ].join('\n');
  srv = await startHttpd({ conf, modules: ['authn_file'], name: 'login-groups' });
});

test.after(async () => {
  if (srv) await srv.stop();
  if (keys) keys.cleanup();
});

async function tokenOf(user, where = '/auth/login') {
  return L.expectLoginOk(await L.postForm(srv.base, where, { username: user, password: PW[user] }), 300);
}

const get = (p, token) => request(srv.base, p, { headers: { Authorization: `Bearer ${token}` } });

test('the groups claim lists exactly the groups that name the user, each once', async () => {
  assert.deepEqual((await tokenOf('alice')).payload.groups, ['admin', 'staff']);
  assert.deepEqual((await tokenOf('bob')).payload.groups, ['staff', 'ops']);
  assert.deepEqual((await tokenOf('dave')).payload.groups, []);
});

test('without AuthJWTGroupFile there is no groups claim', async () => {
  const { payload } = await tokenOf('alice', '/auth/nogroups');
  assert.ok(!('groups' in payload), JSON.stringify(payload));
});

test('Require jwt-claim-array groups=admin: alice 200, bob 403, dave 403, no token 401', async () => {
  const alice = (await tokenOf('alice')).token;
  const bob = (await tokenOf('bob')).token;
  const dave = (await tokenOf('dave')).token;
  A.expectOk(await get('/admin/ok.txt', alice));
  A.expectForbidden(await get('/admin/ok.txt', bob));
  A.expectForbidden(await get('/admin/ok.txt', dave));
  A.expectNoToken(await request(srv.base, '/admin/ok.txt'), REALM);
  A.expectOk(await get('/staff/ok.txt', alice));
  A.expectOk(await get('/staff/ok.txt', bob));
  A.expectForbidden(await get('/staff/ok.txt', dave));
  // alice's token from the location without a group file has no groups: 403
  A.expectForbidden(await get('/admin/ok.txt', (await tokenOf('alice', '/auth/nogroups')).token));
});
