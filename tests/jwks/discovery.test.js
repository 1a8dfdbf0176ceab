'use strict';
/* AuthJWTIssuerDiscovery: jwks_uri resolved from the OpenID Connect discovery document, or
 * the RFC 8414 one when that is missing; keys bound to the issuer; a document naming
 * another issuer is refused; https with the test CA. */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startJwksServer, makeTestCa, makeSigner } = require('./lib/jwks-server');
const { start, location, get } = require('./lib/common');

test('OpenID discovery resolves jwks_uri; keys verify only that issuer', async () => {
  const d1 = makeSigner('d1', 'ed25519');
  const js = await startJwksServer();
  const iss = js.url('/idp');
  js.json('/idp/.well-known/openid-configuration', { issuer: iss, jwks_uri: js.url('/idp/certs'),
    authorization_endpoint: js.url('/idp/auth') });
  js.publish('/idp/certs', [d1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTIssuerDiscovery ${iss}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', d1.sign({ iss }))).status, 200);
    assert.equal((await get(httpd, '/api/ok.txt', d1.sign({ iss: `${iss}/` }))).status, 401,
      'iss must equal the discovered issuer exactly');
    assert.equal(js.count('/idp/.well-known/openid-configuration'), 1);
    assert.equal(js.count('/idp/certs'), 1);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('RFC 8414 location is used when the OpenID one is missing', async () => {
  const d1 = makeSigner('d1');
  const js = await startJwksServer();
  const iss = js.url('/tenant/x');
  js.json('/.well-known/oauth-authorization-server/tenant/x', { issuer: iss, jwks_uri: js.url('/keys/x') });
  js.publish('/keys/x', [d1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTIssuerDiscovery ${iss}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', d1.sign({ iss }))).status, 200);
    assert.equal(js.count('/tenant/x/.well-known/openid-configuration'), 1, 'OpenID location tried first');
    assert.equal(js.count('/.well-known/oauth-authorization-server/tenant/x'), 1);
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('a discovery document naming another issuer (or a plain-http jwks_uri elsewhere) is refused', async () => {
  const d1 = makeSigner('d1');
  const js = await startJwksServer();
  const issA = js.url('/a');
  const issB = js.url('/b');
  js.json('/a/.well-known/openid-configuration', { issuer: 'https://evil.example', jwks_uri: js.url('/certs') });
  js.json('/b/.well-known/openid-configuration', { issuer: issB, jwks_uri: 'http://idp.example/certs' });
  js.publish('/certs', [d1.jwk]);
  const httpd = await start([
    location('/a', [`AuthJWTIssuerDiscovery ${issA}`, 'AuthJWTJWKSTimeout 1']),
    location('/b', [`AuthJWTIssuerDiscovery ${issB}`, 'AuthJWTJWKSTimeout 1']),
  ].join('\n'));
  try {
    assert.equal((await get(httpd, '/a/ok.txt', d1.sign({ iss: issA }))).status, 503);
    assert.equal((await get(httpd, '/b/ok.txt', d1.sign({ iss: issB }))).status, 503);
    const log = httpd.errorLog();
    assert.match(log, /discovery document names issuer "https:\/\/evil.example", expected/);
    assert.match(log, /plain http is only allowed to a loopback host/);
    assert.equal(js.count('/certs'), 0, 'no key fetched from a refused document');
  } finally {
    await httpd.stop();
    await js.close();
  }
});

test('discovery over https with the test CA', async () => {
  const ca = makeTestCa();
  const d1 = makeSigner('d1');
  const js = await startJwksServer({ tls: ca });
  const iss = js.url('/idp');
  js.json('/idp/.well-known/openid-configuration', { issuer: iss, jwks_uri: js.url('/idp/certs') });
  js.publish('/idp/certs', [d1.jwk]);
  const httpd = await start(location('/api', [`AuthJWTIssuerDiscovery ${iss}`, `AuthJWTJWKSCAFile ${ca.caPath}`]));
  try {
    assert.equal((await get(httpd, '/api/ok.txt', d1.sign({ iss }))).status, 200);
  } finally {
    await httpd.stop();
    await js.close();
    ca.cleanup();
  }
});
