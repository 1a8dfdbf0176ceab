#!/bin/bash
# Integration tests: a real httpd on 127.0.0.1 with the built mod_auth_jwt, run once per MPM.
# Env: JWT_BUILD_DIR (required), INTEGRATION_MPMS (default "event prefork"),
#      INTEGRATION_FILES (default tests/integration/*.test.js).
# Last line: "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/node-mpm-group.sh"
run_node_mpm_group integration "$here/integration" "${INTEGRATION_MPMS:-event prefork}" "${INTEGRATION_FILES:-}"
