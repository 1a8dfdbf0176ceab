#!/usr/bin/env bash
# Group "unit-asan": the same unit tests, built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer in a second out-of-tree build ($JWT_BUILD_DIR-asan).
# Any sanitizer report fails the group (leaks included).
set -uo pipefail

: "${JWT_BUILD_DIR:?JWT_BUILD_DIR must name a configured build directory}"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
ASAN_DIR="${JWT_BUILD_DIR%/}-asan"
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"

mkdir -p "$ASAN_DIR"
if [ ! -f "$ASAN_DIR/config.status" ] || [ "$SRC/configure" -nt "$ASAN_DIR/config.status" ]; then
    echo "unit-asan: configuring $ASAN_DIR (clang, ASan+UBSan)"
    if ! (cd "$ASAN_DIR" && "$SRC/configure" --enable-werror CC=clang \
            CFLAGS="$SAN_FLAGS" LDFLAGS="-fsanitize=address,undefined" > configure.out 2>&1); then
        tail -n 30 "$ASAN_DIR/configure.out"
        echo "unit-asan: configure failed"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export JWT_UNIT_SANITIZER=1
JWT_BUILD_DIR="$ASAN_DIR" exec bash "$(dirname "$0")/unit.sh"
