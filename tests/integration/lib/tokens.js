'use strict';
/*
 * tokens.js -- JWTs for integration tests. CommonJS.
 *
 *   const t = require('./lib/tokens');
 *   t.now()                               seconds since the epoch
 *   t.claims({ role: 'admin' })           { sub: 'alice', iat: now, exp: now + 600, ...extra }
 *   await t.joseSign({ alg, key, payload, header })     npm `jose` (SignJWT), any alg jose has
 *   t.jwtSign({ alg, key, payload, header })            npm `jsonwebtoken` (no automatic iat)
 *   t.rawSign({ alg, key, header, payload, hash, dsaEncoding, saltLength })
 *       node crypto, full control: header/payload may be objects or raw JSON TEXT (for
 *       duplicate members, odd spellings), alg is written as given (e.g. "none", "Ed25519"),
 *       signing is chosen by `signAs` (default alg): HS*, RS*, PS*, ES*, EdDSA/Ed25519/Ed448.
 *       hash overrides the digest (e.g. sign ES256 with a P-384 key); dsaEncoding 'der'
 *       makes a DER ECDSA signature instead of JOSE's raw R||S.
 *   t.compact(headerSeg, payloadSeg, sigSeg)     join raw segments
 *   t.seg(objOrText)                             base64url of JSON / text / Buffer
 *   t.split(token) -> [h, p, s];  t.decode(token) -> { header, payload }
 *   t.stripSignature(token)  "h.p."   t.tamperSignature(token)  one bit flipped
 *   t.tamperPayload(token, changes)   payload edited, old signature kept
 */
const crypto = require('node:crypto');
// Resolved from tests/node_modules (tests/package.json).
const jsonwebtoken = require('jsonwebtoken');
const jose = require('jose');

const now = () => Math.floor(Date.now() / 1000);

function claims(extra = {}) {
  const t = now();
  return { sub: 'alice', iat: t, exp: t + 600, ...extra };
}

function seg(x) {
  if (Buffer.isBuffer(x)) return x.toString('base64url');
  if (typeof x === 'string') return Buffer.from(x, 'utf8').toString('base64url');
  return Buffer.from(JSON.stringify(x), 'utf8').toString('base64url');
}

function compact(h, p, s) { return `${h}.${p}.${s}`; }

async function joseSign({ alg, key, payload = claims(), header = {} }) {
  return new jose.SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(key);
}

function jwtSign({ alg, key, payload = claims(), header = {} }) {
  const opts = { algorithm: alg, noTimestamp: true };
  if (Object.keys(header).length) opts.header = { ...header, alg };
  if (header.kid) opts.keyid = header.kid;
  return jsonwebtoken.sign(payload, key, opts);
}

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

function signBytes(signAs, key, data, { hash, dsaEncoding, saltLength } = {}) {
  const fam = signAs.slice(0, 2);
  const h = hash || HASH[signAs.slice(2)];
  if (fam === 'HS') return crypto.createHmac(h, key).update(data).digest();
  if (fam === 'RS') return crypto.sign(h, data, key);
  if (fam === 'PS') {
    return crypto.sign(h, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: saltLength ?? crypto.constants.RSA_PSS_SALTLEN_DIGEST });
  }
  if (fam === 'ES') return crypto.sign(h, data, { key, dsaEncoding: dsaEncoding || 'ieee-p1363' });
  if (['EdDSA', 'Ed25519', 'Ed448'].includes(signAs)) return crypto.sign(null, data, key);
  throw new Error(`rawSign: cannot sign as ${signAs}`);
}

function rawSign({ alg, signAs, key, header, payload = claims(), ...opts }) {
  const h = seg(header === undefined ? { alg, typ: 'JWT' } : header);
  const p = seg(payload);
  const input = Buffer.from(`${h}.${p}`, 'ascii');
  const sig = signBytes(signAs || alg, key, input, opts);
  return compact(h, p, sig.toString('base64url'));
}

function split(token) { return token.split('.'); }

function decode(token) {
  const [h, p] = split(token);
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

function stripSignature(token) { const [h, p] = split(token); return `${h}.${p}.`; }

function tamperSignature(token) {
  const [h, p, s] = split(token);
  const sig = Buffer.from(s, 'base64url');
  sig[Math.floor(sig.length / 2)] ^= 0x01;
  return compact(h, p, sig.toString('base64url'));
}

function tamperPayload(token, changes) {
  const [h, , s] = split(token);
  const { payload } = decode(token);
  return compact(h, seg({ ...payload, ...changes }), s);
}

module.exports = {
  now, claims, seg, compact, joseSign, jwtSign, rawSign, signBytes, split, decode,
  stripSignature, tamperSignature, tamperPayload, jose, jsonwebtoken,
};
