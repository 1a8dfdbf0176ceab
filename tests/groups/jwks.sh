#!/bin/bash
# Group "jwks": remote JWKS (issue 4).
#  1. tests/jwks/unit/test_fetch.c (Check) against $JWT_BUILD_DIR/.libs/libjwtcore.a:
#     URL rules, loopback detection, max-age parsing, discovery URLs/documents.
#  2. tests/jwks/fetch-core.test.js: the core fetcher through unit/fetch_driver.c (built
#     here with ASan/LSan when clang can) against the test server.
#  3. the other tests/jwks/*.test.js (node --test) with a real httpd and a JWKS server the
#     tests control on 127.0.0.1 (http and https with a test CA), once per MPM.
# Env: JWT_BUILD_DIR (required), JWKS_MPMS (default "event prefork").
# Prints the measured fetch counts ("JWKS-MEASURED" lines), then, last,
# "N passed, N failed, N skipped"; exit status non-zero when anything failed.
set -u
tests="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
src="$(cd "$tests/.." && pwd)"
pass=0 fail=0 skip=0
summary() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

if [ -z "${JWT_BUILD_DIR:-}" ] || [ ! -f "$JWT_BUILD_DIR/.libs/mod_auth_jwt.so" ]; then
    echo "jwks: JWT_BUILD_DIR must name a built tree (with .libs/mod_auth_jwt.so)" >&2
    fail=1
    summary
fi
export JWT_BUILD_DIR
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- 1. C unit tests of the fetcher
echo "=== jwks: unit tests of jwt_fetch ==="
read -r -a cflags <<<"$(apr-1-config --includes --cppflags) $(pkg-config --cflags json-c libcrypto libcurl check)"
read -r -a libs <<<"$(apr-1-config --link-ld --libs) $(pkg-config --libs json-c libcrypto libcurl check)"
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$src/mod_auth_jwt/core" "${cflags[@]}" \
        "$tests/jwks/unit/test_fetch.c" "$JWT_BUILD_DIR/.libs/libjwtcore.a" "${libs[@]}" \
        -o "$work/test_fetch" 2>"$work/cc.log"; then
    "$work/test_fetch" 2>&1 | tee "$work/unit.log"
    line=$(grep -E '^[0-9]+%: Checks: ' "$work/unit.log" | tail -1)
    if [ -n "$line" ]; then
        c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
        f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
        e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
        pass=$((pass + c - f - e)); fail=$((fail + f + e))
    else
        echo "jwks: test_fetch printed no Check summary" >&2
        fail=$((fail + 1))
    fi
else
    cat "$work/cc.log" >&2
    echo "jwks: test_fetch.c did not build" >&2
    fail=$((fail + 1))
fi

# --- 2. the fetch driver (ASan + LeakSanitizer when clang can link them)
driver="$work/fetch_driver"
drv_src=("$tests/jwks/unit/fetch_driver.c" "$src/mod_auth_jwt/core/jwt_fetch.c" "$src/mod_auth_jwt/core/jwt_fetch_rules.c" "$src/mod_auth_jwt/core/jwt_discovery.c"
         "$src/mod_auth_jwt/core/jwt_json.c" "$src/mod_auth_jwt/core/jwt_json_scan.c" "$src/mod_auth_jwt/core/jwt_err.c")
read -r -a dflags <<<"$(apr-1-config --includes --cppflags) $(pkg-config --cflags json-c libcrypto libcurl)"
read -r -a dlibs <<<"$(apr-1-config --link-ld --libs) $(pkg-config --libs json-c libcrypto libcurl)"
if command -v clang >/dev/null 2>&1 && clang -std=c11 -D_GNU_SOURCE -g -fsanitize=address,undefined \
        -fno-omit-frame-pointer -Wall -Wextra -Werror -I"$src/mod_auth_jwt/core" "${dflags[@]}" \
        "${drv_src[@]}" "${dlibs[@]}" -o "$driver" 2>"$work/drv.log"; then
    echo "jwks: fetch driver built with ASan/LSan"
elif ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$src/mod_auth_jwt/core" "${dflags[@]}" \
        "${drv_src[@]}" "${dlibs[@]}" -o "$driver" 2>"$work/drv.log"; then
    echo "jwks: fetch driver built without sanitizers"
else
    cat "$work/drv.log" >&2
    echo "jwks: fetch_driver.c did not build" >&2
    fail=$((fail + 1))
fi

# --- 3. node tests: the fetcher once, then the httpd tests per MPM
cd "$tests/jwks" || summary
httpd_files=()
for f in ./*.test.js; do [ "$f" = ./fetch-core.test.js ] || httpd_files+=("$f"); done
runs=("core")
for mpm in ${JWKS_MPMS:-event prefork}; do runs+=("$mpm"); done
for mpm in "${runs[@]}"; do
    log="$work/node-$mpm.log"
    if [ "$mpm" = core ]; then
        echo "=== jwks: core fetcher tests ==="
        [ -x "$driver" ] && export JWKS_FETCH_DRIVER="$driver"
        node --test --test-reporter=tap ./fetch-core.test.js 2>&1 | tee "$log"
    else
        echo "=== jwks: integration tests, MPM=$mpm ==="
        # a bound for the whole run: a node main thread stuck in a futex wait (store.test.js,
        # twice) fires none of its own timers; timeout(1) ends it and the summary says so
        MPM="$mpm" timeout -k 10 "${JWKS_NODE_TIMEOUT:-2400}" \
            node --test --test-reporter=tap "${httpd_files[@]}" 2>&1 | tee "$log"
        [ "${PIPESTATUS[0]}" = 124 ] && echo "jwks: node --test ($mpm) timed out after ${JWKS_NODE_TIMEOUT:-2400} s" >&2
    fi
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
    s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -1)
    c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$log" | tail -1)
    t=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$log" | tail -1)
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "jwks: no TAP summary from node --test ($mpm)" >&2
        fail=$((fail + 1))
        continue
    fi
    pass=$((pass + p)); fail=$((fail + f + ${c:-0})); skip=$((skip + ${s:-0} + ${t:-0}))
done

echo "=== jwks: measured fetch counts ==="
cat "$work"/node-*.log 2>/dev/null | sed -n 's/.*JWKS-MEASURED /  /p'
summary
