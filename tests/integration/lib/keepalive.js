'use strict';
/* One keep-alive connection to a test httpd, and the cache hits httpd logged for it.
 *   const c = connection(srv.base)      every request of c goes over one socket, so to one
 *   await c.get(path, token, headers)   httpd child and one connection memo (cache.c):
 *   c.port()  c.close()                 { status, headers, body, header(name) }
 *   hitsOf(srv, c.port())               AH-JWT-0208 lines of that client port
 */
const assert = require('node:assert/strict');
const http = require('node:http');

/* One keep-alive connection: every request reaches the same httpd child. */
function connection(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ports = new Set();
  function get(pathname, token, extra = {}) {
    const url = new URL(pathname, base);
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, agent, headers },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            header(name) {
              const out = [];
              for (let i = 0; i < res.rawHeaders.length; i += 2) {
                if (res.rawHeaders[i].toLowerCase() === name.toLowerCase()) out.push(res.rawHeaders[i + 1]);
              }
              return out;
            },
          }));
          res.on('error', reject);
        });
      req.on('socket', (s) => {
        const note = () => ports.add(s.localPort);
        if (s.localPort) note(); else s.once('connect', note);
      });
      req.setTimeout(20000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
  }
  return {
    get,
    /* the single client port this connection used (asserts it was one connection) */
    port() {
      assert.equal(ports.size, 1, `expected one connection, used ${[...ports].join(', ')}`);
      return [...ports][0];
    },
    close() { agent.destroy(); },
  };
}

function hitsOf(srv, port) {
  const re = new RegExp(`\\[client 127\\.0\\.0\\.1:${port}\\] AH-JWT-0208: cache hit`, 'g');
  return (srv.errorLog().match(re) || []).length;
}

module.exports = { connection, hitsOf };
