#!/usr/bin/env bash
# Group "admin": the admin CGI without httpd.
#  1. tests/cgi/test_cgi (Check): form parsing, escaping, CSRF, rules, pages from a context.
#  2. tests/cgi/*.test.js (node --test): the built jwt-admin.cgi run as httpd runs a CGI:
#     refusals with exact status/message, conflicts, audit log, 20 concurrent writers,
#     a writer SIGKILLed mid-write.
# (The secrets-store unit tests themselves run in the "unit" group: tests/unit/test_secrets.c.)
# Env: JWT_BUILD_DIR. Last line: "N passed, N failed, N skipped".
set -uo pipefail
: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
pass=0 fail=0 skip=0
result() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

if ! make -C "$JWT_BUILD_DIR" -j2 admin-cgi/jwt-admin.cgi tests/cgi/test_cgi; then
    echo "admin: building jwt-admin.cgi / tests/cgi/test_cgi failed"
    fail=1; result
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "=== admin: Check unit tests (tests/cgi/test_cgi) ==="
"$JWT_BUILD_DIR/tests/cgi/test_cgi" > "$work/check.txt" 2>&1
rc=$?
cat "$work/check.txt"
summary="$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$work/check.txt" | tail -n 1)"
if [ -z "$summary" ]; then
    echo "admin: test_cgi exited with status $rc without Check's summary line"
    fail=$((fail + 1))
else
    read -r checks failures errors < <(sed -E 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/' <<<"$summary")
    pass=$((pass + checks - failures - errors)); fail=$((fail + failures + errors))
    if [ "$rc" -ne 0 ] && [ $((failures + errors)) -eq 0 ]; then fail=$((fail + 1)); fi
fi

echo "=== admin: the CGI binary (tests/cgi/*.test.js) ==="
cd "$here/cgi" || { fail=$((fail + 1)); result; }
node --test --test-reporter=tap ./*.test.js > "$work/node.txt" 2>&1
cat "$work/node.txt"
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/node.txt" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$work/node.txt" | tail -1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$work/node.txt" | tail -1)
c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$work/node.txt" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
    echo "admin: no TAP summary from node --test"
    fail=$((fail + 1))
else
    pass=$((pass + p)); fail=$((fail + f + ${c:-0})); skip=$((skip + ${s:-0}))
fi
result
