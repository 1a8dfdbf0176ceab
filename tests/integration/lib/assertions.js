'use strict';
/*
 * assertions.js -- RFC 6750 answers, asserted exactly. CommonJS.
 *
 *   const A = require('./lib/assertions');
 *   A.parseChallenge('Bearer realm="x", error="invalid_token"') -> { scheme, params: {realm, error} }
 *   A.expectOk(res)                         200 and the body of ok.txt
 *   A.expectNoToken(res, realm)             401, exactly one header `Bearer realm="<realm>"`
 *   A.expectInvalidToken(res, realm, token, reason?)  401, exactly one Bearer challenge with
 *                                           exactly realm, error="invalid_token" and a short printable
 *                                           error_description that does not contain the token;
 *                                           with reason (a key of A.REASONS) the exact description
 *   A.expectInsufficientScope(res, realm, scopes)  403, error="insufficient_scope", scope="..."
 *   A.expectForbidden(res, realm)           403 for a failed claim rule
 */
const assert = require('node:assert/strict');

/* RFC 7235 challenge: scheme 1*SP auth-param *( OWS "," OWS auth-param ). */
function parseChallenge(value) {
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: +(.*))?$/.exec(value);
  assert.ok(m, `not a challenge: ${value}`);
  const params = {};
  let rest = m[2] || '';
  const re = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)=(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9!#$%&'*+.^_`|~-]+))\s*(?:,\s*|$)/;
  while (rest.length) {
    const p = re.exec(rest);
    assert.ok(p, `bad auth-param list in: ${value}`);
    const name = p[1].toLowerCase();
    assert.ok(!(name in params), `duplicate auth-param ${name} in: ${value}`);
    params[name] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    rest = rest.slice(p[0].length);
  }
  return { scheme: m[1], params };
}

function oneChallenge(res) {
  const all = res.header('WWW-Authenticate');
  assert.equal(all.length, 1, `expected exactly one WWW-Authenticate, got ${JSON.stringify(all)}`);
  return all[0];
}

function expectOk(res, body = 'ok\n') {
  assert.equal(res.status, 200, `expected 200, got ${res.status}: ${res.header('WWW-Authenticate')} ${res.body.slice(0, 200)}`);
  if (body !== null) assert.equal(res.body, body);
}

function expectNoToken(res, realm) {
  assert.equal(res.status, 401, `expected 401, got ${res.status}`);
  assert.equal(oneChallenge(res), `Bearer realm="${realm.replace(/["\\]/g, '\\$&')}"`);
}

/* error_description per reason: the module's choice (jwt_code_description in
 * mod_auth_jwt/core/jwt_err.c), asserted where a test knows the one right reason. */
const REASONS = {
  malformed: 'malformed token', too_large: 'token too large', base64: 'malformed token encoding',
  json: 'malformed token JSON', json_depth: 'token JSON nested too deeply',
  json_duplicate: 'duplicate member in token JSON', utf8: 'invalid UTF-8 in token',
  header: 'invalid token header', crit: 'unsupported critical header',
  alg_none: 'unsigned tokens are not accepted', alg_unsupported: 'unsupported algorithm',
  alg_not_allowed: 'algorithm not allowed', unknown_kid: 'unknown key id',
  no_key: 'no key to verify the token', signature: 'invalid signature',
  claim_type: 'claim has the wrong type', claim_missing: 'required claim missing',
  expired: 'token expired', not_yet_valid: 'token not yet valid',
  iat_future: 'token issued in the future', lifetime: 'token lifetime too long',
  issuer: 'issuer not accepted', audience: 'audience not accepted', type: 'token type not accepted',
  revoked: 'token revoked',
  revocation_lost: 'revocation state was lost after this token was issued; get a new token',
};

function expectInvalidToken(res, realm, token, reason) {
  assert.equal(res.status, 401, `expected 401, got ${res.status}`);
  const raw = oneChallenge(res);
  const c = parseChallenge(raw);
  assert.equal(c.scheme, 'Bearer');
  assert.deepEqual(Object.keys(c.params).sort(), ['error', 'error_description', 'realm'], raw);
  assert.equal(c.params.realm, realm);
  assert.equal(c.params.error, 'invalid_token');
  const d = c.params.error_description;
  assert.ok(d.length > 0 && d.length <= 120, `error_description length ${d.length}: ${d}`);
  // RFC 6750 3: error_description is %x20-21 / %x23-5B / %x5D-7E
  assert.match(d, /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/, `error_description has forbidden characters: ${d}`);
  if (reason) {
    assert.ok(REASONS[reason], `unknown reason ${reason}`);
    assert.equal(d, REASONS[reason], `reason: expected ${reason}`);
  }
  if (token) {
    for (const part of String(token).split('.').filter((s) => s.length >= 8)) {
      assert.ok(!raw.includes(part), 'the challenge echoes part of the token');
    }
  }
  return c;
}

function expectInsufficientScope(res, realm, scopes) {
  assert.equal(res.status, 403, `expected 403, got ${res.status}`);
  const c = parseChallenge(oneChallenge(res));
  assert.equal(c.scheme, 'Bearer');
  assert.equal(c.params.realm, realm);
  assert.equal(c.params.error, 'insufficient_scope');
  assert.deepEqual((c.params.scope || '').split(' ').filter(Boolean).sort(), [...scopes].sort());
  return c;
}

function expectForbidden(res) {
  assert.equal(res.status, 403, `expected 403, got ${res.status}: ${res.body.slice(0, 200)}`);
}

module.exports = {
  parseChallenge, expectOk, expectNoToken, expectInvalidToken, expectInsufficientScope,
  expectForbidden, REASONS,
};
