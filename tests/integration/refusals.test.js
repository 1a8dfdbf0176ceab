'use strict';
// The refusals of issue 3: each bad token gets exactly 401 with
// `Bearer realm="test-api", error="invalid_token", error_description="..."`, a missing token
// exactly `Bearer realm="test-api"`; no key URL named in a token is ever fetched; the server
// keeps answering, and neither tokens nor secrets reach the error log.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHttpd, request } = require('./lib/httpd');
const { generateKeys, writeSecretsFile } = require('./lib/keys');
const T = require('./lib/tokens');
const A = require('./lib/assertions');
const F = require('./lib/fixture');

const REALM = 'test-api';

describe('refusals', () => {
  let keys; let srv; let keyServer;
  const used = [];   // every token sent, checked against the error log at the end

  before(async () => {
    keys = generateKeys();
    keyServer = await F.countingServer((req, res) => {
      // Serves the attacker's key everywhere: if the module ever fetched, it would find it.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...keys.rsaAttacker.jwk, kid: 'attacker', use: 'sig' }] }));
    });
    const secrets = writeSecretsFile(`${keys.dir}/secrets.jwks`, F.hmacEntries(keys));
    srv = await startHttpd({
      name: 'refusals',
      conf: F.location('/api', REALM, `${F.keyFileLines(keys)}\n  AuthJWTSecretsFile "${secrets}"\n  Require valid-user`),
    });
  });
  after(async () => { await srv?.stop(); await keyServer?.close(); keys?.cleanup(); });

  const rs = (payload = T.claims(), header = { alg: 'RS256', kid: 'rsa' }) =>
    T.rawSign({ alg: header.alg || 'RS256', signAs: 'RS256', key: keys.rsa.privateKey, header, payload });
  const send = (headers) => request(srv.base, '/api/ok.txt', { headers });
  /* 401 invalid_token; with `reason` also the exact error_description and an error-log
   * line with the stable tag and the reason's name. */
  async function refused(token, reason) {
    used.push(token);
    const tag = reason ? new RegExp(`AH-JWT-\\d+: token from the Authorization header refused \\(${reason}\\)`, 'g') : null;
    const before = tag ? (srv.errorLog().match(tag) || []).length : 0;
    const res = await send(F.bearer(token));
    A.expectInvalidToken(res, REALM, token, reason);
    if (tag) assert.equal((srv.errorLog().match(tag) || []).length, before + 1, `no log line tagged with ${reason}`);
    return res;
  }

  test('control: a good RS256 token passes', async () => {
    A.expectOk(await send(F.bearer(rs())));
  });

  test('no token: 401 with only the realm', async () => {
    A.expectNoToken(await send({}), REALM);
  });

  test('wrong scheme (Basic, Token, Bearer-less JWT): 401 with only the realm', async () => {
    const good = rs();
    A.expectNoToken(await send({ Authorization: 'Basic YWxpY2U6c2VjcmV0' }), REALM);
    A.expectNoToken(await send({ Authorization: `Token ${good}` }), REALM);
    A.expectNoToken(await send({ Authorization: good }), REALM);
  });

  test('an empty Bearer credential, and junk after the token, are invalid_token', async () => {
    for (const v of ['Bearer', 'Bearer ', 'Bearer    ']) {
      A.expectInvalidToken(await send({ Authorization: v }), REALM);
    }
    const good = rs();
    A.expectInvalidToken(await send({ Authorization: `Bearer ${good} extra` }), REALM, good);
    A.expectInvalidToken(await send({ Authorization: `Bearer ${good};` }), REALM, good);
    A.expectOk(await send({ Authorization: `Bearer   ${good}` }));
  });

  test('two, four and five segments', async () => {
    const [h, p, s] = T.split(rs());
    await refused(`${h}.${p}`, 'malformed');
    await refused(`${h}.${p}.${s}.${s}`, 'malformed');
    await refused(`${h}.${p}.${s}.${p}.${s}`, 'malformed');
    await refused(`${h}..${s}`, 'json');   // an empty payload is not a JSON object
    await refused(`.${p}.${s}`, 'malformed');
  });

  test('bad base64url: padding, standard-alphabet characters, invalid characters, non-zero spare bits', async () => {
    const good = rs();
    const [h, p, s] = T.split(good);
    await refused(`${h}.${p}.${s}==`, 'base64');
    await refused(`${h}=.${p}.${s}`, 'base64');
    // A signature whose bytes contain + and / in standard base64.
    let tok; let sb;
    for (let i = 0; i < 200; i++) {
      tok = rs(T.claims({ n: i }));
      sb = Buffer.from(T.split(tok)[2], 'base64url').toString('base64').replace(/=+$/, '');
      if (/[+/]/.test(sb)) break;
    }
    assert.match(sb, /[+/]/);
    await refused(`${T.split(tok)[0]}.${T.split(tok)[1]}.${sb}`, 'base64');
    await refused(`${h}.${p.slice(0, 10)}!${p.slice(11)}.${s}`, 'base64');
    await refused(`${h}.${p}.${s.slice(0, 20)} ${s.slice(21)}`);
    // 256-byte RSA signature -> 342 chars, the last one carries 4 spare bits that must be 0.
    assert.equal(s.length, 342);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(s[341]);
    assert.equal(last & 0x0f, 0);
    await refused(`${h}.${p}.${s.slice(0, 341)}${alphabet[last | 0x01]}`, 'base64');
  });

  test('header or payload that is not a JSON object', async () => {
    const sign = (hText, pText) => T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: hText, payload: pText });
    const pText = JSON.stringify(T.claims());
    await refused(sign('not json', pText), 'json');
    await refused(sign('["RS256"]', pText), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"', pText), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"} x', pText), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', 'not json'), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', '"alice"'), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', `${pText}{}`), 'json');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 'utf8');
    // module's choice: \u0000 inside any JSON string refuses the token (no C-string truncation)
    await refused(sign('{"alg":"RS256","kid":"rsa"}', `{"sub":"alice\\u0000admin","exp":${T.now() + 600}}`), 'json');
  });

  test('duplicate member names in header or payload (also when spelled with escapes)', async () => {
    const sign = (hText, pText) => T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: hText, payload: pText });
    const exp = T.now() + 600;
    const pText = `{"sub":"alice","exp":${exp}}`;
    A.expectOk(await send(F.bearer(sign('{"alg":"RS256","kid":"rsa"}', pText))));
    await refused(sign('{"alg":"RS256","kid":"rsa","kid":"rsa"}', pText), 'json_duplicate');
    await refused(sign('{"alg":"RS256","alg":"RS256","kid":"rsa"}', pText), 'json_duplicate');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', `{"sub":"alice","sub":"admin","exp":${exp}}`), 'json_duplicate');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', `{"sub":"alice","\\u0073ub":"admin","exp":${exp}}`), 'json_duplicate');
    await refused(sign('{"alg":"RS256","kid":"rsa"}', `{"sub":"alice","exp":${exp},"exp":${exp + 99999}}`), 'json_duplicate');
  });

  test('alg "none" in every spelling, with and without a signature', async () => {
    const payload = T.seg(T.claims({ sub: 'admin' }));
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe']) {
      for (const header of [{ alg }, { alg, typ: 'JWT' }, { alg, kid: 'rsa' }]) {
        const h = T.seg(header);
        await refused(`${h}.${payload}.`, 'alg_none');
        await refused(`${h}.${payload}.${T.split(rs())[2]}`, 'alg_none');
      }
    }
    // "none" signed with an HMAC secret is still "none"
    await refused(T.rawSign({ alg: 'none', signAs: 'HS256', key: keys.hmac.hs256, header: { alg: 'none', kid: 'hs256' } }), 'alg_none');
  });

  test('other alg values: unknown, wrong type, missing, empty', async () => {
    const p = T.seg(T.claims());
    const s = T.split(rs())[2];
    for (const header of [{ alg: 'RS1' }, { alg: 'HS1' }, { alg: 'rs256', kid: 'rsa' }, { alg: ['RS256'], kid: 'rsa' },
      { alg: 256, kid: 'rsa' }, { kid: 'rsa' }, { alg: '', kid: 'rsa' }, { alg: 'RS256 ', kid: 'rsa' }]) {
      await refused(`${T.seg(header)}.${p}.${s}`);
    }
  });

  test('no log injection: a kid, iss or alg with a newline cannot forge an error-log line', async () => {
    const fake = '[Mon Jan 01 00:00:00.000000 2024] [core:crit] [pid 1] FORGED';
    await refused(rs(T.claims(), { alg: 'RS256', kid: `nope\n${fake}` }), 'unknown_kid');
    await refused(rs(T.claims(), { alg: `RS256\n${fake}`, kid: 'rsa' }));
    await refused(rs(T.claims({ exp: T.now() - 3600, iss: `x\n${fake}` })), 'expired');
    const log = srv.errorLog();
    assert.ok(!log.split('\n').some((l) => l.startsWith('[Mon Jan 01') || l.startsWith('FORGED')), 'a forged log line was written');
  });

  test('stripped signature, tampered signature, tampered payload', async () => {
    const good = rs();
    A.expectOk(await send(F.bearer(good)));
    await refused(T.stripSignature(good));
    await refused(T.tamperSignature(good), 'signature');
    await refused(T.tamperPayload(good, { sub: 'admin' }), 'signature');
    const es = await T.joseSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { kid: 'ec256' } });
    await refused(T.tamperSignature(es), 'signature');
    const hs = T.jwtSign({ alg: 'HS256', key: keys.hmac.hs256, header: { kid: 'hs256' } });
    await refused(T.tamperSignature(hs), 'signature');
    await refused(T.stripSignature(hs));
  });

  test('key confusion: HS256 signed with the RSA public key PEM text', async () => {
    for (const secret of [keys.rsa.pubPem, keys.rsa.pubPem.trim(), Buffer.from(keys.rsa.pubPem)]) {
      await refused(T.rawSign({ alg: 'HS256', key: secret, header: { alg: 'HS256', kid: 'rsa' } }));
      await refused(T.rawSign({ alg: 'HS256', key: secret, header: { alg: 'HS256' } }));
    }
    // and with the DER bytes of the public key
    const der = keys.rsa.publicKey.export({ type: 'spki', format: 'der' });
    await refused(T.rawSign({ alg: 'HS256', key: der, header: { alg: 'HS256', kid: 'rsa' } }));
  });

  test('unknown kid', async () => {
    await refused(rs(T.claims(), { alg: 'RS256', kid: 'no-such-kid' }), 'unknown_kid');
    await refused(T.jwtSign({ alg: 'HS256', key: keys.hmac.hs256, header: { kid: 'no-such-secret' } }), 'unknown_kid');
    await refused(rs(T.claims(), { alg: 'RS256', kid: 17 }), 'header');
  });

  test('ES256: DER signature, all-zero signature, wrong curve, wrong length', async () => {
    const ec = (opts) => T.rawSign({ alg: 'ES256', key: keys.ec256.privateKey, header: { alg: 'ES256', kid: 'ec256' }, ...opts });
    A.expectOk(await send(F.bearer(ec({}))));
    const der = ec({ dsaEncoding: 'der' });
    assert.equal(Buffer.from(T.split(der)[2], 'base64url')[0], 0x30);
    await refused(der, 'signature');
    const [h, p, s] = T.split(ec({}));
    await refused(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`, 'signature');
    await refused(`${h}.${p}.${Buffer.alloc(1).toString('base64url')}`);
    await refused(`${h}.${p}.${Buffer.concat([Buffer.from(s, 'base64url'), Buffer.alloc(1)]).toString('base64url')}`);
    // r = 0 and s = 0 halves
    const sig = Buffer.from(s, 'base64url');
    await refused(`${h}.${p}.${Buffer.concat([Buffer.alloc(32), sig.subarray(32)]).toString('base64url')}`);
    await refused(`${h}.${p}.${Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)]).toString('base64url')}`);
    // wrong curve: "ES256" signed with the P-384 key (SHA-256), naming the P-384 key
    await refused(T.rawSign({ alg: 'ES256', signAs: 'ES256', key: keys.ec384.privateKey, header: { alg: 'ES256', kid: 'ec384' } }));
    // "ES384" signed with the P-256 key, naming the P-256 key
    await refused(T.rawSign({ alg: 'ES384', signAs: 'ES384', key: keys.ec256.privateKey, header: { alg: 'ES384', kid: 'ec256' } }));
  });

  test('jwk, jku, x5u, x5c headers pointing at the attacker key are refused and nothing is fetched', async () => {
    const attacker = keys.rsaAttacker.privateKey;
    const sign = (header) => T.rawSign({ alg: 'RS256', key: attacker, header: { alg: 'RS256', ...header } });
    await refused(sign({ jwk: { ...keys.rsaAttacker.jwk } }));
    await refused(sign({ jwk: { ...keys.rsaAttacker.jwk, kid: 'attacker' }, kid: 'attacker' }));
    await refused(sign({ jwk: { ...keys.rsaAttacker.jwk, kid: 'rsa' }, kid: 'rsa' }));
    await refused(sign({ jku: `${keyServer.url}/jwks.json`, kid: 'attacker' }));
    await refused(sign({ jku: `${keyServer.url}/jwks.json` }));
    await refused(sign({ jku: `${keyServer.url}/jwks.json`, kid: 'rsa' }));
    await refused(sign({ x5u: `${keyServer.url}/cert.pem` }));
    await refused(sign({ x5u: `${keyServer.url}/cert.pem`, kid: 'attacker' }));
    await refused(sign({ x5c: [keys.rsaAttacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')] }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(keyServer.requests.length, 0, `the module fetched: ${JSON.stringify(keyServer.requests.map((q) => q.url))}`);
  });

  test('crit naming an unknown parameter, and b64:false', async () => {
    const sign = (header) => T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa', ...header } });
    await refused(sign({ crit: ['x-custom'], 'x-custom': 1 }), 'crit');
    await refused(sign({ crit: ['exp'], exp: T.now() + 60 }), 'crit');
    await refused(sign({ crit: ['b64'], b64: false }));
    await refused(sign({ b64: false }));
    await refused(sign({ crit: [] }));
    await refused(sign({ crit: 'x-custom', 'x-custom': 1 }));
  });

  test('expired and not yet valid (beyond the 60 s default leeway)', async () => {
    const t = T.now();
    await refused(rs(T.claims({ exp: t - 3600, iat: t - 7200 })), 'expired');
    await refused(rs(T.claims({ exp: t - 120, iat: t - 7200 })), 'expired');
    await refused(rs(T.claims({ nbf: t + 3600 })), 'not_yet_valid');
    await refused(rs(T.claims({ nbf: t + 120 })), 'not_yet_valid');
    await refused(rs(T.claims({ iat: t + 3600, exp: t + 7200 })), 'iat_future');
    // inside the default leeway of 60 s
    A.expectOk(await send(F.bearer(rs(T.claims({ exp: t - 20, iat: t - 600 })))));
    A.expectOk(await send(F.bearer(rs(T.claims({ nbf: t + 20 })))));
  });

  test('exp missing (required by default) or not a NumericDate', async () => {
    const t = T.now();
    await refused(rs({ sub: 'alice', iat: t }), 'claim_missing');
    await refused(rs(T.claims({ exp: String(t + 600) })), 'claim_type');
    await refused(rs(T.claims({ exp: null })));
    await refused(rs(T.claims({ exp: true })), 'claim_type');
    await refused(rs(T.claims({ exp: [t + 600] })), 'claim_type');
    await refused(rs(T.claims({ exp: -1 })), 'claim_type');
    await refused(rs(T.claims({ exp: 2 ** 53 })), 'claim_type');
    await refused(rs(T.claims({ nbf: 'now' })), 'claim_type');
    await refused(rs(T.claims({ iat: 'yesterday' })), 'claim_type');
    A.expectOk(await send(F.bearer(rs(T.claims({ exp: t + 600.5 })))));
  });

  test('an oversized token (over the module cap, under LimitRequestFieldSize) is refused with 401', async () => {
    let big = '';
    for (let pad = 5500; big.length <= 8020; pad += 10) big = rs(T.claims({ pad: 'x'.repeat(pad) }));
    assert.ok(big.length > 8000 && big.length < 8150, `length ${big.length}`);
    await refused(big, 'too_large');
  });

  test('a token just under the module cap passes', async () => {
    let tok = '';
    for (let pad = 5000; ; pad += 10) {
      const next = rs(T.claims({ pad: 'y'.repeat(pad) }));
      if (next.length > 7990) break;
      tok = next;
    }
    assert.ok(tok.length > 7900 && tok.length <= 7990, `length ${tok.length}`);
    A.expectOk(await send(F.bearer(tok)));
  });

  test('a header over LimitRequestFieldSize is refused by httpd with 400', async () => {
    const huge = rs(T.claims({ pad: 'x'.repeat(7000) }));
    const res = await send(F.bearer(huge));
    assert.equal(res.status, 400);
  });

  test('deeply nested JSON in payload or header', async () => {
    let deepObj = 'true';
    for (let i = 0; i < 64; i++) deepObj = `{"a":${deepObj}}`;
    const deepArr = `${'['.repeat(200)}${']'.repeat(200)}`;
    const exp = T.now() + 600;
    await refused(T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa' }, payload: `{"sub":"alice","exp":${exp},"x":${deepObj}}` }), 'json_depth');
    await refused(T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa' }, payload: `{"sub":"alice","exp":${exp},"x":${deepArr}}` }), 'json_depth');
    await refused(T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: `{"alg":"RS256","kid":"rsa","x":${deepArr}}`, payload: `{"sub":"alice","exp":${exp}}` }), 'json_depth');
    // modest nesting is fine
    A.expectOk(await send(F.bearer(T.rawSign({ alg: 'RS256', key: keys.rsa.privateKey, header: { alg: 'RS256', kid: 'rsa' }, payload: `{"sub":"alice","exp":${exp},"x":{"a":{"b":[1,[2,{"c":3}]]}}}` }))));
  });

  test('the server still answers afterwards, no child crashed, no token or secret was logged', async () => {
    A.expectOk(await send(F.bearer(rs())));
    A.expectOk(await send(F.bearer(await T.joseSign({ alg: 'EdDSA', key: keys.ed25519.privateKey, header: { kid: 'ed25519' } }))));
    const log = srv.errorLog();
    assert.doesNotMatch(log, /exit signal|Segmentation fault|AH00052/);
    assert.ok(used.length > 50, `only ${used.length} refused tokens recorded`);
    for (const tok of used) {
      const parts = T.split(tok).filter((x) => x.length >= 16);
      for (const part of parts) {
        if (log.includes(part)) assert.fail(`a token segment is in the error log: ${part.slice(0, 24)}...`);
      }
    }
    for (const s of Object.values(keys.hmac)) {
      assert.ok(!log.includes(s.toString('base64url')) && !log.includes(s.toString('hex')), 'secret in error log');
    }
    // The refusals were logged with a reason (info/debug), one per refused request at least.
    assert.match(log, /auth_jwt/);
  });
});
