#!/bin/bash
# Group "cache": the verified-token cache (issue 7, AuthJWTCacheSize) against a real httpd,
# once per MPM (tests/cache/*.test.js, reusing tests/integration/lib and tests/jwks/lib).
# Env: JWT_BUILD_DIR (required), CACHE_MPMS (default "event prefork").
# Last line: "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
if [ -z "${JWT_BUILD_DIR:-}" ]; then
    echo "cache: JWT_BUILD_DIR is not set (absolute path of a configured, built tree)" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 2
fi
if [ ! -f "$JWT_BUILD_DIR/.libs/mod_auth_jwt.so" ]; then
    echo "cache: $JWT_BUILD_DIR/.libs/mod_auth_jwt.so not found: build first" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 2
fi
export JWT_BUILD_DIR
cd "$here/cache" || exit 2
files=(*.test.js)
if [ ! -e "${files[0]}" ]; then
    echo "cache: no test files" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 2
fi

pass=0 fail=0 skip=0
for mpm in ${CACHE_MPMS:-event prefork}; do
    echo "=== cache tests, MPM=$mpm ==="
    log="$(mktemp)"
    MPM="$mpm" node --test --test-reporter=tap "${files[@]}" 2>&1 | tee "$log"
    # node's TAP summary: "# pass N", "# fail N", "# skipped N", "# cancelled N", "# todo N"
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
    s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -1)
    c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$log" | tail -1)
    t=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$log" | tail -1)
    rm -f "$log"
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "cache: no TAP summary from node --test (MPM=$mpm)" >&2
        fail=$((fail + 1))
        continue
    fi
    pass=$((pass + p)); fail=$((fail + f + ${c:-0})); skip=$((skip + ${s:-0} + ${t:-0}))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
