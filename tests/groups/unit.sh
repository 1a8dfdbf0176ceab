#!/usr/bin/env bash
# Group "unit": the Check unit tests of the core (tests/unit/test_core).
# Builds the test program in $JWT_BUILD_DIR, runs it, and turns Check's
# "N%: Checks: N, Failures: N, Errors: N" into "N passed, N failed, N skipped".
# Wycheproof files that could not be run (shared test-vector folder absent) are
# listed by the test as "SKIP ..." lines in $WYCHEPROOF_REPORT (one per file, each
# one Check loop iteration) and counted as skipped instead of passed.
# With JWT_UNIT_SANITIZER=1 (set by unit-asan.sh) every sanitizer report is a failure.
set -uo pipefail

: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"

result() { echo "$1 passed, $2 failed, $3 skipped"; [ "$2" -eq 0 ]; exit $?; }

if ! make -C "$JWT_BUILD_DIR" -j2 tests/unit/test_core; then
    echo "unit: building tests/unit/test_core failed"
    result 0 1 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WYCHEPROOF_REPORT="$work/wycheproof-report.txt"

"$JWT_BUILD_DIR/tests/unit/test_core" > "$work/out.txt" 2>&1
rc=$?
cat "$work/out.txt"

summary="$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$work/out.txt" | tail -n 1)"
if [ -z "$summary" ]; then
    echo "unit: test_core exited with status $rc without Check's summary line"
    result 0 1 0
fi
read -r checks failures errors < <(sed -E 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/' <<<"$summary")
failed=$((failures + errors))
passed=$((checks - failed))

skipped=0
if [ -f "$WYCHEPROOF_REPORT" ]; then
    skipped="$(grep -c '^SKIP' "$WYCHEPROOF_REPORT" || true)"
    echo "unit: Wycheproof report:"
    sed 's/^/  /' "$WYCHEPROOF_REPORT"
fi
# Each SKIP line is one Wycheproof file, run as one Check loop iteration that passes
# when the folder is absent: count it as skipped, not also as passed.
if [ "$skipped" -gt "$passed" ]; then
    echo "unit: $skipped SKIP lines but only $passed passing checks"
    failed=$((failed + 1))
    skipped=$passed
fi
passed=$((passed - skipped))

if [ "${JWT_UNIT_SANITIZER:-0}" = 1 ]; then
    reports="$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$work/out.txt" || true)"
    if [ "$reports" -gt 0 ]; then
        echo "unit: $reports sanitizer report line(s) above"
        failed=$((failed + reports))
    else
        echo "unit: no sanitizer reports"
    fi
fi

if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "unit: test_core exited with status $rc"
    failed=1
fi
result "$passed" "$failed" "$skipped"
