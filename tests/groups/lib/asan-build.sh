# Shared by unit-asan.sh and integration-asan.sh: the second out-of-tree build, made by clang
# with AddressSanitizer and UndefinedBehaviorSanitizer, in ${JWT_BUILD_DIR}-asan.
#   asan_configure   configures it when needed; sets ASAN_DIR; returns non-zero on failure
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"

asan_configure() {
    local src
    src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
    ASAN_DIR="${JWT_BUILD_DIR%/}-asan"
    mkdir -p "$ASAN_DIR"
    if [ ! -f "$ASAN_DIR/config.status" ] || [ "$src/configure" -nt "$ASAN_DIR/config.status" ]; then
        echo "configuring $ASAN_DIR (clang, ASan+UBSan)"
        if ! (cd "$ASAN_DIR" && "$src/configure" --enable-werror CC=clang \
                CFLAGS="$SAN_FLAGS" LDFLAGS="-fsanitize=address,undefined" > configure.out 2>&1); then
            tail -n 30 "$ASAN_DIR/configure.out"
            echo "configure of the ASan build failed"
            return 1
        fi
    fi
}
