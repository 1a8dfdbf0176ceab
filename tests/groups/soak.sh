#!/usr/bin/env bash
# Group "soak": tests/soak/soak.js for SOAK_SECONDS (default 60 here; the full 5-minute run
# whose figures are in SECURITY.md is `SOAK_SECONDS=300 tests/soak/run.sh`): wrk against the
# real httpd with a mix of good and bad tokens while the JWKS server fails and rotates and the
# admin page rotates secrets; every answer judged. Last line: "N passed, N failed, N skipped".
set -uo pipefail
: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
if ! command -v wrk >/dev/null 2>&1; then
    echo "soak: wrk missing (Debian package wrk; ./dev.sh deps installs it)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
make -C "$JWT_BUILD_DIR" -j2 admin-cgi/jwt-admin.cgi >/dev/null || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
export SOAK_SECONDS="${SOAK_SECONDS:-60}"
cd "$here/soak" && exec node soak.js
