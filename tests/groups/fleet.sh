#!/bin/bash
# Fleet tests (issue 25): a real redis-server and a real memcached on 127.0.0.1 (Debian
# packages, installed by ./dev.sh deps), three httpd instances sharing revocations through
# mod_socache_redis / mod_socache_memcache. Prints the worst propagation delay.
# Env: JWT_BUILD_DIR (required), FLEET_MPMS (default "event"), FLEET_FILES.
# Last line: "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/node-mpm-group.sh"
run_node_mpm_group fleet "$here/fleet" "${FLEET_MPMS:-event}" "${FLEET_FILES:-}"
