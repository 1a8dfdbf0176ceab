#!/usr/bin/env bash
# Group "interop": tokens from the npm packages jsonwebtoken and jose verified by the core
# (through tests/tools/jwt-cli), tokens from the core verified by jose / jsonwebtoken, the
# seed article's token, and jwt-cli's own behaviour. node --test over tests/interop/.
# Env: JWT_BUILD_DIR (required). Last line: "N passed, N failed, N skipped".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
summary_fail() { echo "interop: $1" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

[ -n "${JWT_BUILD_DIR:-}" ] || summary_fail "JWT_BUILD_DIR is not set (absolute path of a configured, built tree)"
[ -x "$JWT_BUILD_DIR/tests/tools/jwt-cli" ] || summary_fail "$JWT_BUILD_DIR/tests/tools/jwt-cli not found: build first (make)"
command -v node >/dev/null 2>&1 || summary_fail "node not found (Node 20 is needed)"
command -v openssl >/dev/null 2>&1 || summary_fail "the openssl command is not found"
[ -d "$here/node_modules/jose" ] && [ -d "$here/node_modules/jsonwebtoken" ] \
    || summary_fail "npm packages missing: run (cd tests && npm ci)"
export JWT_BUILD_DIR

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cd "$here" || exit 2
# Directory argument: node 20 runs every *.test.js under it (lib/ holds no tests).
node --test --test-reporter=tap interop/ 2>&1 | tee "$log"
node_rc=${PIPESTATUS[0]}

# node's TAP summary lines: "# pass N", "# fail N", "# skipped N", "# cancelled N", "# todo N"
count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$log" | tail -1; }
p=$(count pass); f=$(count fail); s=$(count skipped); c=$(count cancelled); t=$(count todo)
[ -n "$p" ] && [ -n "$f" ] || summary_fail "no TAP summary from node --test (exit $node_rc)"
fail=$((f + ${c:-0}))
# a crash of the runner itself with no failing test still counts as a failure
[ "$node_rc" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$p passed, $fail failed, $((${s:-0} + ${t:-0})) skipped"
[ "$fail" -eq 0 ]
