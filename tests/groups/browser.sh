#!/usr/bin/env bash
# Group "browser": the admin page in Debian's chromium (playwright-core), against a real
# httpd with the built module, mod_cgid, jwt-admin.cgi and the login endpoint; the encrypted
# login cookie (AuthJWTDelivery cookie NAME encrypt) end to end (jwe-cookie.test.js).
# Env: JWT_BUILD_DIR. Screenshots: tests/out/screenshots/. Last line: "N passed, N failed, N skipped".
set -uo pipefail
: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
if [ ! -x /usr/bin/chromium ]; then
    echo "browser: /usr/bin/chromium not installed (Debian package chromium): browser tests skipped"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! make -C "$JWT_BUILD_DIR" -j2 all >/dev/null; then
    echo "browser: build failed in $JWT_BUILD_DIR"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
export JWT_BUILD_DIR
cd "$here/browser" || exit 2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
node --test --test-reporter=tap ./*.test.js 2>&1 | tee "$log"
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -1)
c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$log" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
    echo "browser: no TAP summary from node --test"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
fail=$((f + ${c:-0}))
echo "$p passed, $fail failed, ${s:-0} skipped"
[ "$fail" -eq 0 ]
