#!/usr/bin/env bash
# Group "fuzz": builds each libFuzzer target in tests/fuzz/ straight from the core sources
# (clang, -fsanitize=fuzzer,address,undefined; no autotools involved) and runs it for
# FUZZ_SECONDS (default 20; 10 targets) from its seed corpus in tests/fuzz/corpus/<target>/.
# Each target counts as one test: it passes when it builds and runs the whole time with no
# crash, sanitizer report, leak or broken invariant. Crash inputs are kept in the output
# folder ($JWT_BUILD_DIR/fuzz/, or a temporary folder) and named in the log.
# Last line: "N passed, N failed, N skipped".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
core="$src/mod_auth_jwt/core"
fuzzdir="$src/tests/fuzz"
seconds="${FUZZ_SECONDS:-20}"
targets=(fuzz_json fuzz_b64 fuzz_token fuzz_jwks fuzz_fetch fuzz_form fuzz_secrets fuzz_login fuzz_rules fuzz_jwe)
# Only one target at a time: FUZZ_TARGETS="fuzz_form fuzz_fetch" tests/groups/fuzz.sh
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<<"$FUZZ_TARGETS"; fi

passed=0 failed=0 skipped=0
result() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

if [ -n "${JWT_BUILD_DIR:-}" ]; then
    out="$JWT_BUILD_DIR/fuzz"
    mkdir -p "$out"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

cc="${FUZZ_CC:-clang}"
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: $cc not found (Debian package: clang); all targets skipped"
    skipped=${#targets[@]}
    result
fi
# libFuzzer ships with clang on Debian; check that this clang can link it.
probe="$out/.probe"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' > "$probe.c"
if ! "$cc" -fsanitize=fuzzer "$probe.c" -o "$probe" >/dev/null 2>&1; then
    echo "fuzz: $cc cannot link libFuzzer (-fsanitize=fuzzer); all targets skipped"
    skipped=${#targets[@]}
    result
fi
rm -f "$probe" "$probe.c"

# Core sources every target links, and what some targets need on top (the fetcher needs
# libcurl, the form target the admin CGI's parser).
core_srcs=(jwt_err.c jwt_b64.c jwt_alg.c jwt_json.c jwt_json_scan.c jwt_key.c jwt_key_jwk.c jwt_key_pem.c jwt_jws.c jwt_jws_raw.c jwt_jws_memo.c jwt_claims.c jwt_wipe.c)
srcs=()
for f in "${core_srcs[@]}"; do srcs+=("$core/$f"); done
extra_srcs() {
    case "$1" in
        fuzz_fetch) echo "$core/jwt_fetch.c $core/jwt_fetch_rules.c $core/jwt_discovery.c" ;;
        fuzz_jwks) echo "$core/jwt_keyset.c" ;;
        fuzz_secrets) echo "$core/jwt_secrets.c $core/jwt_secrets_keys.c $core/jwt_secrets_write.c $core/jwt_secrets_enc.c $core/jwt_jwe_alg.c $core/jwt_jwe_key.c $core/jwt_jwe_keyring.c" ;;
        fuzz_form) echo "$src/admin-cgi/cgi_form.c" ;;
        fuzz_rules) echo "$core/jwt_rules.c" ;;
        fuzz_jwe) echo "$core/jwt_jwe_alg.c $core/jwt_jwe_key.c $core/jwt_jwe_keyring.c $core/jwt_jwe_content.c $core/jwt_jwe_keymgmt.c $core/jwt_jwe.c" ;;
    esac
}

read -r -a cflags <<<"$(apr-1-config --includes --cppflags) $(apu-1-config --includes) $(pkg-config --cflags json-c libcrypto libcurl)"
read -r -a libs <<<"$(apr-1-config --link-ld --libs) $(apu-1-config --link-ld) $(pkg-config --libs json-c libcrypto libcurl)"
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for t in "${targets[@]}"; do
    bin="$out/$t"
    log="$out/$t.log"
    echo "fuzz: building $t"
    read -r -a extra <<<"$(extra_srcs "$t")"
    if ! "$cc" -g -O1 -std=c11 -Werror=implicit-function-declaration -D_GNU_SOURCE "${san[@]}" -I"$core" -I"$src/admin-cgi" -I"$fuzzdir" "${cflags[@]}" \
            "$fuzzdir/$t.c" "${srcs[@]}" "${extra[@]}" "${libs[@]}" -o "$bin" >"$log" 2>&1; then
        cat "$log"
        echo "FAIL $t: build failed"
        failed=$((failed + 1))
        continue
    fi
    seeds="$fuzzdir/corpus/${t#fuzz_}"
    work="$out/$t.corpus"            # new inputs go here; the committed seeds stay untouched
    mkdir -p "$work"
    echo "fuzz: running $t for ${seconds}s (seeds: ${seeds#$src/})"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
           -artifact_prefix="$out/$t-" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    stats="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
    if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz invariant failed' "$log"; then
        echo "PASS $t (${stats:-?} executions)"
        passed=$((passed + 1))
    else
        tail -n 60 "$log"
        echo "FAIL $t (exit $rc); crash inputs: $(ls "$out/$t-"* 2>/dev/null | tr '\n' ' ')"
        failed=$((failed + 1))
    fi
done
result
