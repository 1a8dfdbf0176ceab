#!/bin/bash
# Group "security" (issue 8): attacks not covered elsewhere (kid injection watched with strace,
# JWS JSON serialization, multi-signature tricks, HMAC tag edges, psychic ECDSA signatures)
# httpoxy for the admin CGI's key fetches, and log hygiene (every token, secret and password
# a run used is absent from every log).
# Real httpd on 127.0.0.1 with the built module, once per MPM in SECURITY_MPMS (default event).
# Env: JWT_BUILD_DIR (required). Last line: "N passed, N failed, N skipped".
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
if [ -z "${JWT_BUILD_DIR:-}" ] || [ ! -f "$JWT_BUILD_DIR/.libs/mod_auth_jwt.so" ]; then
    echo "security: JWT_BUILD_DIR is not set or holds no built module" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 2
fi
export JWT_BUILD_DIR
cd "$here/security" || exit 2
files=(*.test.js)

pass=0 fail=0 skip=0
for mpm in ${SECURITY_MPMS:-event}; do
    echo "=== security tests, MPM=$mpm ==="
    log="$(mktemp)"
    MPM="$mpm" node --test --test-reporter=tap "${files[@]}" 2>&1 | tee "$log"
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
    s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -1)
    c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$log" | tail -1)
    t=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$log" | tail -1)
    rm -f "$log"
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "security: no TAP summary from node --test (MPM=$mpm)" >&2
        fail=$((fail + 1))
        continue
    fi
    pass=$((pass + p)); fail=$((fail + f + ${c:-0})); skip=$((skip + ${s:-0} + ${t:-0}))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
