#!/usr/bin/env bash
# The full soak of issue 8, by hand (about 6 minutes): builds if needed, then runs
# tests/soak/soak.js for SOAK_SECONDS (default 300) against the build in JWT_BUILD_DIR
# (default ./build). Output ends with "N passed, N failed, 0 skipped".
#   ./tests/soak/run.sh                 SOAK_SECONDS=600 SOAK_MPM=prefork ./tests/soak/run.sh
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
export JWT_BUILD_DIR="${JWT_BUILD_DIR:-$top/build}"
[ -f "$JWT_BUILD_DIR/.libs/mod_auth_jwt.so" ] || "$top/dev.sh" build
make -C "$JWT_BUILD_DIR" -j2 admin-cgi/jwt-admin.cgi >/dev/null
export SOAK_SECONDS="${SOAK_SECONDS:-300}"
cd "$top/tests/soak" && exec node soak.js
