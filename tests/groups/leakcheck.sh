#!/usr/bin/env bash
# Group "leakcheck": the request path under valgrind memcheck (tests/leakcheck/leakcheck.js):
# one `apache2 -X` with the built module, a few thousand mixed requests, then a clean stop;
# no memory error and no definite leak attributed to mod_auth_jwt.
# Env: JWT_BUILD_DIR, LEAK_REQUESTS (default 3000). Last line: "N passed, N failed, N skipped".
set -uo pipefail
: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
if ! command -v valgrind >/dev/null 2>&1; then
    echo "leakcheck: valgrind missing (Debian package valgrind; ./dev.sh deps installs it)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
make -C "$JWT_BUILD_DIR" -j2 admin-cgi/jwt-admin.cgi >/dev/null || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
cd "$here/leakcheck" && exec node leakcheck.js
