#!/bin/bash
# Login tests (issue 5): jwt-login-handler, logout and JWKS handlers on a real httpd, once per MPM.
# Env: JWT_BUILD_DIR (required), LOGIN_MPMS (default "event prefork"),
#      LOGIN_FILES (default tests/login/*.test.js).
# Last line: "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/node-mpm-group.sh"
run_node_mpm_group login "$here/login" "${LOGIN_MPMS:-event prefork}" "${LOGIN_FILES:-}"
