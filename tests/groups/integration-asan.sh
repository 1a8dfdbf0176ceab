#!/usr/bin/env bash
# Group "integration-asan": the node suites that drive a real httpd, run again against a
# mod_auth_jwt built by clang with AddressSanitizer + UndefinedBehaviorSanitizer
# (${JWT_BUILD_DIR}-asan, shared with unit-asan). apache2 itself is not instrumented: the
# ASan runtime is preloaded into apache2 only (HTTPD_LD_PRELOAD, see
# tests/integration/lib/httpd.js), so the parent and every child it forks run the
# sanitized module. Reports go to files (log_path); any report fails the group.
# Leaks are not judged here (httpd leaves its pools to process exit by design): the
# request path's leaks are checked with valgrind by tests/leakcheck/.
# Env: JWT_BUILD_DIR, ASAN_SUITES (default "integration jwks cache login security"),
#      ASAN_MPMS (default "event").
# Last line: "N passed, N failed, N skipped".
set -uo pipefail
: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/asan-build.sh"
. "$here/groups/lib/node-mpm-group.sh"
pass=0 fail=0 skip=0
result() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

if ! asan_configure || ! make -C "$ASAN_DIR" -j2 > "$ASAN_DIR/make-asan.out" 2>&1; then
    tail -n 30 "$ASAN_DIR/make-asan.out" 2>/dev/null
    echo "integration-asan: building the sanitized module failed"
    fail=1; result
fi
runtime="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
if [ ! -f "$runtime" ]; then
    echo "integration-asan: no ASan runtime at $runtime (Debian package libclang-rt-14-dev)"
    fail=1; result
fi

reports="$(mktemp -d)"
chmod 0777 "$reports"              # children run as www-data and write their reports here
trap 'rm -rf "$reports"' EXIT
export HTTPD_LD_PRELOAD="$runtime"
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=0:halt_on_error=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"

for suite in ${ASAN_SUITES:-integration jwks cache login security}; do
    out="$(mktemp)"
    (JWT_BUILD_DIR="$ASAN_DIR" run_node_mpm_group "asan-$suite" "$here/$suite" "${ASAN_MPMS:-event}" "") 2>&1 | tee "$out"
    last="$(tail -n 1 "$out")"
    rm -f "$out"
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2])); skip=$((skip + BASH_REMATCH[3]))
    else
        echo "integration-asan: suite $suite printed no summary"
        fail=$((fail + 1))
    fi
done

# One more test: no sanitizer report from any process of any suite.
shopt -s nullglob
found=("$reports"/asan* "$reports"/ubsan*)
if [ "${#found[@]}" -eq 0 ]; then
    echo "ok - zero AddressSanitizer / UndefinedBehaviorSanitizer reports from httpd"
    pass=$((pass + 1))
else
    echo "not ok - ${#found[@]} sanitizer report file(s):"
    for f in "${found[@]}"; do echo "--- $f"; head -n 60 "$f"; done
    fail=$((fail + 1))
fi
result
