#!/usr/bin/env bash
# Group "unit-asan": the same unit tests, built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer in a second out-of-tree build ($JWT_BUILD_DIR-asan).
# Any sanitizer report fails the group (leaks included).
set -uo pipefail

: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
. "$(dirname "$0")/lib/asan-build.sh"
if ! asan_configure; then
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export JWT_UNIT_SANITIZER=1
JWT_BUILD_DIR="$ASAN_DIR" exec bash "$(dirname "$0")/unit.sh"
