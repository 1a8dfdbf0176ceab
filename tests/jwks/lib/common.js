'use strict';
/* Shared bits of the JWKS tests: the httpd harness of tests/integration, a timed GET with a
 * bearer token, a <Location> block, and the measured-fetch-count report line. */
const { startHttpd, configtest, request, sleep } = require('../../integration/lib/httpd');

/* Every JWKS test server needs mod_socache_shmcb (the shared key cache). */
/* env JWKS_HTTPD_PREAMBLE: extra httpd config for debugging (e.g. CoreDumpDirectory). */
function start(conf, opts = {}) {
  return startHttpd({ conf, modules: ['socache_shmcb', ...(opts.modules || [])], name: opts.name || 'jwks',
    preamble: process.env.JWKS_HTTPD_PREAMBLE || '', ...opts });
}

function check(conf, opts = {}) {
  return configtest(conf, { modules: ['socache_shmcb', ...(opts.modules || [])], name: 'jwks-ct', ...opts });
}

function location(where, lines) {
  return [`<Location ${where}>`, '  AuthType jwt', '  AuthName "jwks-test"',
    ...lines.map((l) => `  ${l}`), '  Require valid-user', '</Location>'].join('\n');
}

/* GET base+path with the token; resolves { status, ms, res } */
async function get(httpd, path, token) {
  const t0 = process.hrtime.bigint();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await request(httpd.base, path, { headers, timeout: 30000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: res.status, ms, res };
}

/* Run n GETs with at most `parallel` in flight; returns the array of results. */
async function burst(httpd, path, tokens, parallel = 16) {
  const out = new Array(tokens.length);
  let next = 0;
  async function worker() {
    while (next < tokens.length) {
      const i = next++;
      out[i] = await get(httpd, path, tokens[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, tokens.length) }, worker));
  return out;
}

function tally(results) {
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] || 0) + 1;
  return by;
}

/* Lines the lead copies into the issue note. */
function report(line) {
  console.log(`# JWKS-MEASURED ${line}`);
}

module.exports = { start, check, location, get, burst, tally, report, sleep, request };
