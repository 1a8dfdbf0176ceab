'use strict';
// Claim validation directives: AuthJWTIssuer / AuthJWTAudience (repeatable, any of),
// AuthJWTLeeway, AuthJWTRequireClaims, AuthJWTType (explicit typing), AuthJWTMaxLifetime.
const { describe, test, before, after } = require('node:test');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

describe('claim validation', () => {
  let keys; let srv;
  before(async () => {
    keys = generateKeys({ only: ['rsa', 'ec256'] });
    const key = `  AuthJWTKeyFile "${keys.rsa.pubPath}" kid=rsa\n`;
    srv = await startHttpd({
      name: 'validation',
      conf: [
        F.location('/strict', 'strict', `${key}  AuthJWTIssuer https://idp.test/\n  AuthJWTIssuer https://idp2.test/\n  AuthJWTAudience orders-api\n  AuthJWTAudience billing-api\n  Require valid-user`),
        F.location('/noleeway', 'noleeway', `${key}  AuthJWTLeeway 0\n  Require valid-user`),
        F.location('/bigleeway', 'bigleeway', `${key}  AuthJWTLeeway 600\n  Require valid-user`),
        F.location('/required', 'required', `${key}  AuthJWTRequireClaims exp jti sub\n  Require valid-user`),
        F.location('/typed', 'typed', `${key}  AuthJWTType at+jwt\n  Require valid-user`),
        // single-quoted so that httpd's own config parsing keeps the double quotes as they are
        `<Location /quoted>\n  AuthType jwt\n  AuthName 'say "hi" ok'\n${key}  Require valid-user\n</Location>`,
        F.location('/short', 'short', `${key}  AuthJWTMaxLifetime 3600\n  Require valid-user`),
      ].join('\n'),
    });
  });
  after(async () => { await srv?.stop(); keys?.cleanup(); });

  const tok = (payload, header = {}) => T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa', ...header }, payload });
  const get = (loc, token) => request(srv.base, `${loc}/ok.txt`, { headers: F.bearer(token) });
  const ok = async (loc, token) => A.expectOk(await get(loc, token));
  const bad = async (loc, token, reason) => A.expectInvalidToken(await get(loc, token), loc.slice(1), token, reason);

  test('issuer: either configured issuer passes; wrong, missing, differently spelled or non-string iss is refused', async () => {
    const c = (x) => T.claims({ aud: 'orders-api', ...x });
    await ok('/strict', tok(c({ iss: 'https://idp.test/' })));
    await ok('/strict', tok(c({ iss: 'https://idp2.test/' })));
    await bad('/strict', tok(c({ iss: 'https://evil.test/' })), 'issuer');
    await bad('/strict', tok(c({})), 'claim_missing');
    await bad('/strict', tok(c({ iss: 'https://idp.test' })), 'issuer');
    await bad('/strict', tok(c({ iss: 'HTTPS://IDP.TEST/' })), 'issuer');
    await bad('/strict', tok(c({ iss: ['https://idp.test/'] })), 'claim_type');
    await bad('/strict', tok(c({ iss: 'https://idp.test/\u0000x' })));
  });

  test('audience: string or array containing a configured one passes; wrong, missing or bad type is refused', async () => {
    const c = (x) => T.claims({ iss: 'https://idp.test/', ...x });
    await ok('/strict', tok(c({ aud: 'orders-api' })));
    await ok('/strict', tok(c({ aud: 'billing-api' })));
    await ok('/strict', tok(c({ aud: ['other', 'billing-api'] })));
    await bad('/strict', tok(c({ aud: 'other-api' })), 'audience');
    await bad('/strict', tok(c({ aud: ['other', 'third'] })), 'audience');
    await bad('/strict', tok(c({ aud: [] })));
    await bad('/strict', tok(c({})));
    await bad('/strict', tok(c({ aud: 42 })), 'claim_type');
    await bad('/strict', tok(c({ aud: 'orders-api ' })), 'audience');
  });

  test('AuthJWTLeeway 0 refuses what the default 60 s accepts; 600 accepts 5 minutes of skew', async () => {
    const t = T.now();
    await bad('/noleeway', tok(T.claims({ exp: t - 20, iat: t - 600 })), 'expired');
    await bad('/noleeway', tok(T.claims({ nbf: t + 20 })), 'not_yet_valid');
    await bad('/noleeway', tok(T.claims({ iat: t + 20, exp: t + 600 })), 'iat_future');
    await ok('/noleeway', tok(T.claims()));
    await ok('/bigleeway', tok(T.claims({ exp: t - 300, iat: t - 900 })));
    await ok('/bigleeway', tok(T.claims({ nbf: t + 300 })));
    await bad('/bigleeway', tok(T.claims({ exp: t - 900, iat: t - 2000 })), 'expired');
  });

  test('AuthJWTRequireClaims exp jti sub: each one missing is refused', async () => {
    await ok('/required', tok(T.claims({ jti: 'j1' })));
    await bad('/required', tok(T.claims()), 'claim_missing');
    const { sub, ...noSub } = T.claims({ jti: 'j1' });
    await bad('/required', tok(noSub), 'claim_missing');
    const { exp, ...noExp } = T.claims({ jti: 'j1' });
    await bad('/required', tok(noExp), 'claim_missing');
  });

  test('AuthJWTType at+jwt: typ at+jwt (and application/at+jwt) passes; JWT or missing typ is refused', async () => {
    await ok('/typed', tok(T.claims(), { typ: 'at+jwt' }));
    await ok('/typed', tok(T.claims(), { typ: 'application/at+jwt' }));
    await bad('/typed', tok(T.claims(), { typ: 'JWT' }), 'type');
    await bad('/typed', tok(T.claims(), { typ: 'at+jwt2' }), 'type');
    await bad('/typed', T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa' }, payload: T.claims() }), 'type');
  });

  test('AuthJWTMaxLifetime 3600: a 2 h token is refused, a 30 min one passes', async () => {
    const t = T.now();
    await ok('/short', tok(T.claims({ iat: t, exp: t + 1800 })));
    await bad('/short', tok(T.claims({ iat: t, exp: t + 7200 })), 'lifetime');
    await bad('/short', tok({ sub: 'alice', exp: t + 86400 * 365 }), 'lifetime');
  });

  test('a realm with quotes is escaped as an RFC 7230 quoted-string', async () => {
    const res = await request(srv.base, '/quoted/ok.txt');
    A.expectNoToken(res, 'say "hi" ok');
    const t = T.tamperSignature(tok(T.claims()));
    A.expectInvalidToken(await get('/quoted', t), 'say "hi" ok', t);
  });

  test('the server still answers and no child crashed', async () => {
    await ok('/strict', tok(T.claims({ iss: 'https://idp.test/', aud: 'orders-api' })));
    A.expectNoToken(await request(srv.base, '/strict/ok.txt'), 'strict');
    const { doesNotMatch } = require('node:assert/strict');
    doesNotMatch(srv.errorLog(), /exit signal|Segmentation fault/);
  });
});
