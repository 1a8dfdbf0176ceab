'use strict';
/* One keep-alive connection to a test httpd, and the cache hits httpd logged for it.
 *   const c = connection(srv.base)      every request of c goes over one socket, so to one
 *   await c.get(path, token, headers)   httpd child and one connection memo (cache.c):
 *   c.port()  c.close()                 { status, headers, body, header(name) }
 *   hitsOf(srv, c.port())               AH-JWT-0208 lines of that client port
 */
const assert = require('node:assert/strict');
const http = require('node:http');
const { request } = require('./httpd');

/* One keep-alive connection: every request reaches the same httpd child. */
function connection(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ports = new Set();
  const onSocket = (s) => {
    const note = () => ports.add(s.localPort);
    if (s.localPort) note(); else s.once('connect', note);
  };
  function get(pathname, token, extra = {}) {
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
    return request(base, pathname, { headers, agent, onSocket });
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
