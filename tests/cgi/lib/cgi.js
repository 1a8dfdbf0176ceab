'use strict';
// Shared by the tests that run the built jwt-admin.cgi as httpd runs a CGI (environment +
// stdin, no httpd): where the binary is, the Host they send, and reading its answer.
// Env: JWT_BUILD_DIR.
const assert = require('node:assert/strict');
const path = require('node:path');

const CGI = path.join(process.env.JWT_BUILD_DIR || '', 'admin-cgi', 'jwt-admin.cgi');
const HOST = '127.0.0.1:8080';

/* Parse a CGI answer into { status, headers (lower-cased), body }. */
function parseCgi(out) {
  const text = out.toString('utf8');
  const sep = text.indexOf('\r\n\r\n');
  assert.ok(sep > 0, `no header/body separator in: ${text.slice(0, 200)}`);
  const headers = {};
  for (const line of text.slice(0, sep).split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(headers.status.split(' ')[0]), headers, body: text.slice(sep + 4) };
}

/* The value of the page's hidden or text input `name` (undefined when absent). */
const field = (html, name) => (html.match(new RegExp(`name="${name}" value="([^"]*)"`)) || [])[1];
/* The text of the page's notice (the answer to a POST). */
const noticeText = (html) => (html.match(/id="notice">([^<]*)</) || [])[1];

module.exports = { CGI, HOST, parseCgi, field, noticeText };
