# Shared by the group scripts whose node tests drive a real httpd with the built module:
#   run_node_mpm_group NAME DIR "MPMS" "FILES"
# runs `node --test` over DIR's test files (FILES, or every *.test.js) once per MPM (env MPM
# for the harness), sums node's TAP summaries, prints "N passed, N failed, N skipped" last and
# returns non-zero when anything failed. A run with no TAP summary counts as one failure, as
# do cancelled tests; todo tests count as skipped. Needs JWT_BUILD_DIR with a built module.
run_node_mpm_group() {
    local name=$1 dir=$2 mpms=$3 filelist=$4
    local files mpm log p f s c t pass=0 fail=0 skip=0
    if [ -z "${JWT_BUILD_DIR:-}" ] || [ ! -f "$JWT_BUILD_DIR/.libs/mod_auth_jwt.so" ]; then
        echo "$name: JWT_BUILD_DIR is not set or holds no built module (.libs/mod_auth_jwt.so): build first" >&2
        echo "0 passed, 1 failed, 0 skipped"
        return 2
    fi
    export JWT_BUILD_DIR
    cd "$dir" || return 2
    if [ -n "$filelist" ]; then read -r -a files <<< "$filelist"; else files=(*.test.js); fi
    if [ ! -e "${files[0]}" ]; then
        echo "$name: no test files in $dir" >&2
        echo "0 passed, 1 failed, 0 skipped"
        return 2
    fi
    for mpm in $mpms; do
        echo "=== $name tests, MPM=$mpm ==="
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
            echo "$name: no TAP summary from node --test (MPM=$mpm)" >&2
            fail=$((fail + 1))
            continue
        fi
        pass=$((pass + p)); fail=$((fail + f + ${c:-0})); skip=$((skip + ${s:-0} + ${t:-0}))
    done
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
}
