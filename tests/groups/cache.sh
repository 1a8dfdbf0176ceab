#!/bin/bash
# Group "cache": the verified-token cache (issue 7, AuthJWTCacheSize) against a real httpd,
# once per MPM (tests/cache/*.test.js, reusing tests/integration/lib and tests/jwks/lib).
# Env: JWT_BUILD_DIR (required), CACHE_MPMS (default "event prefork").
# Last line: "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/node-mpm-group.sh"
run_node_mpm_group cache "$here/cache" "${CACHE_MPMS:-event prefork}" ""
