#!/usr/bin/env bash
# Runs every test group (tests/groups/NAME.sh) and sums their results.
# Each group prints as its LAST line "N passed, N failed, N skipped"; a group that
# crashes or prints no such line counts as 1 failed. Output of each group is streamed
# and kept in tests/out/NAME.log. The last line of this script is the total, in the
# same form; the exit status is non-zero when anything failed.
#
# Env: JWT_BUILD_DIR  configured build dir (default: ./build next to tests/)
#      GROUP_TIMEOUT  seconds one group may run before it is killed (default 1800)
#      TEST_GROUPS    (or GROUPS) space-separated group names to run, e.g. "unit integration".
#                     Note: bash ignores `GROUPS=...` typed in front of a command in a bash
#                     shell (GROUPS is a bash built-in variable); TEST_GROUPS always works.
set -uo pipefail

TESTS_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$TESTS_DIR/.." && pwd)"
OUT_DIR="$TESTS_DIR/out"
JWT_BUILD_DIR="${JWT_BUILD_DIR:-$ROOT/build}"
JWT_BUILD_DIR="$(cd "$JWT_BUILD_DIR" 2>/dev/null && pwd)" || {
    echo "run-all: JWT_BUILD_DIR ${JWT_BUILD_DIR} does not exist (run ./dev.sh build)" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
export JWT_BUILD_DIR

# Fast, fundamental groups first; any other group runs after these, alphabetically.
PREFERRED_ORDER=(layers unit unit-asan interop integration fuzz browser)

# The user's group selection. $GROUPS in bash is the gid list unless it came in the
# environment, so read the environment as the process received it.
selection="${TEST_GROUPS:-}"
if [ -z "$selection" ] && [ -r "/proc/$$/environ" ]; then
    selection="$(tr '\0' '\n' < "/proc/$$/environ" | sed -n 's/^GROUPS=//p' | head -n 1)"
fi

# The preferred ones keep their order, the rest are sorted: do the two parts separately.
ordered_groups() {
    local name seen=" "
    for name in "${PREFERRED_ORDER[@]}"; do
        [ -f "$TESTS_DIR/groups/$name.sh" ] && { echo "$name"; seen+="$name "; }
    done
    local f
    for f in "$TESTS_DIR"/groups/*.sh; do
        [ -f "$f" ] || continue
        name="$(basename "$f" .sh)"
        case "$seen" in *" $name "*) ;; *) echo "$name" ;; esac
    done | LC_ALL=C sort
}

mapfile -t all_groups < <(ordered_groups)
groups=()
if [ -n "$selection" ]; then
    for want in $selection; do
        if [ ! -f "$TESTS_DIR/groups/$want.sh" ]; then
            echo "run-all: no such group '$want' (have: ${all_groups[*]:-none})" >&2
            echo "0 passed, 1 failed, 0 skipped"
            exit 1
        fi
    done
    # Keep the canonical order whatever order the user typed.
    for name in "${all_groups[@]}"; do
        case " $selection " in *" $name "*) groups+=("$name") ;; esac
    done
else
    groups=("${all_groups[@]}")
fi

if [ "${#groups[@]}" -eq 0 ]; then
    echo "run-all: no test groups found in $TESTS_DIR/groups" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

mkdir -p "$OUT_DIR"
RESULT_RE='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
total_pass=0 total_fail=0 total_skip=0
summary=()

for name in "${groups[@]}"; do
    log="$OUT_DIR/$name.log"
    printf '\n===== group %s =====\n' "$name"
    start=$SECONDS
    # A hung group must not hang CI: it is killed and counted as failed.
    timeout -k 10 "${GROUP_TIMEOUT:-1800}" bash "$TESTS_DIR/groups/$name.sh" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    secs=$((SECONDS - start))
    last="$(tail -n 1 "$log" | tr -d '\r')"
    note=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        last=""   # killed by the timeout: whatever it printed last is not its result
        rc_text="timed out after ${GROUP_TIMEOUT:-1800} s"
    else
        rc_text="exit status $rc"
    fi
    if [[ "$last" =~ $RESULT_RE ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1
            note="$rc_text with 0 failed reported: counted as 1 failed"
        elif [ "$rc" -eq 0 ] && [ "$f" -ne 0 ]; then
            note="reported failures but exited 0"
        fi
    else
        p=0 f=1 s=0
        note="no 'N passed, N failed, N skipped' last line ($rc_text): counted as 1 failed"
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + s))
    status=ok
    [ "$f" -eq 0 ] || status=FAIL
    summary+=("$(printf '%-14s %-5s %7s %7s %8s %6ss  %s' "$name" "$status" "$p" "$f" "$s" "$secs" "$note")")
done

printf '\n===== summary (logs in %s) =====\n' "$OUT_DIR"
printf '%-14s %-5s %7s %7s %8s %7s\n' group status passed failed skipped time
for line in "${summary[@]}"; do
    printf '%s\n' "$line"
done
printf '%s passed, %s failed, %s skipped\n' "$total_pass" "$total_fail" "$total_skip"
[ "$total_fail" -eq 0 ]
