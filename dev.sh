#!/usr/bin/env bash
# One entry point for developers and CI.
#   ./dev.sh demo [--port N]  install what is missing, build, start the demo httpd on 127.0.0.1
#   ./dev.sh test    install what is missing, build, run every test group
#   ./dev.sh stop    stop the demo
#   ./dev.sh deps    only install missing Debian / npm packages
#   ./dev.sh build   only (re)generate, configure and build in ./build
#   ./dev.sh package build the Debian packages (.deb) into build/packages, lint them
# Safe to run again: every step checks what is already there first.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")" && pwd)"
BUILD_DIR="$ROOT/build"
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES=(
    apache2 apache2-dev libssl-dev libjson-c-dev libcurl4-openssl-dev
    autoconf automake libtool pkg-config make gcc
    check clang libclang-rt-14-dev
    wrk curl openssl chromium valgrind
    debhelper dpkg-dev fakeroot lintian python3
    python3-jwcrypto
    redis-server memcached
    prometheus python3-prometheus-client
)

deb_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

cmd_deps() {
    local wanted=("${DEB_PACKAGES[@]}") missing=() p
    # node/npm may come from outside dpkg (nodesource, nvm): only ask apt when absent.
    command -v node >/dev/null 2>&1 || wanted+=(nodejs)
    command -v npm >/dev/null 2>&1 || wanted+=(npm)
    for p in "${wanted[@]}"; do
        deb_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        # Installing apache2, redis-server, memcached and prometheus would start each as a
        # system service (prometheus on *:9090). The tests start their own servers on
        # 127.0.0.1 with free ports and stop them; nothing should keep running. A
        # policy-rc.d answering 101 ("action forbidden") stops invoke-rc.d for this install
        # only, unless the machine has its own policy (then it is left alone).
        local policy=/usr/sbin/policy-rc.d ours=0
        if [ ! -e "$policy" ]; then
            as_root sh -c "printf '#!/bin/sh\\nexit 101\\n' > $policy && chmod 0755 $policy" && ours=1
        fi
        local rc=0
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
        [ "$ours" = 1 ] && as_root rm -f "$policy"
        [ "$rc" -eq 0 ] || die "apt-get install failed"
    fi
    # Missing, or older than the lock file (someone added a package): (re)install.
    local stamp="$ROOT/tests/node_modules/.package-lock.json"
    if [ ! -d "$ROOT/tests/node_modules" ] || { [ -f "$ROOT/tests/package-lock.json" ] && \
            { [ ! -f "$stamp" ] || [ "$ROOT/tests/package-lock.json" -nt "$stamp" ]; }; }; then
        log "installing npm packages in tests/"
        if [ -f "$ROOT/tests/package-lock.json" ]; then
            (cd "$ROOT/tests" && npm ci --no-audit --no-fund)
        else
            (cd "$ROOT/tests" && npm install --no-audit --no-fund)
        fi
    fi
}

# True when configure is missing or older than any of its inputs.
configure_stale() {
    [ -x "$ROOT/configure" ] || return 0
    local f
    for f in "$ROOT/configure.ac" "$ROOT/Makefile.am" "$ROOT"/*/Makefile.inc "$ROOT"/*/*/Makefile.inc; do
        [ -e "$f" ] || continue
        [ "$f" -nt "$ROOT/configure" ] && return 0
        [ -e "$ROOT/Makefile.in" ] && [ "$f" -nt "$ROOT/Makefile.in" ] && return 0
    done
    return 1
}

cmd_build() {
    if configure_stale; then
        log "autoreconf -fi"
        autoreconf -fi
    fi
    mkdir -p "$BUILD_DIR"
    if [ ! -f "$BUILD_DIR/config.status" ] || [ "$ROOT/configure" -nt "$BUILD_DIR/config.status" ]; then
        log "configure --enable-werror (in build/)"
        (cd "$BUILD_DIR" && "$ROOT/configure" --enable-werror)
    fi
    log "make -j2 (in build/)"
    make -C "$BUILD_DIR" -j2
}

cmd_test() {
    cmd_deps
    # A build that fails is a failed test run, reported in the same one-line form.
    # A separate process: `set -e` does not apply inside an `if` condition.
    if ! "$ROOT/dev.sh" build; then
        echo "build failed"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
    JWT_BUILD_DIR="$BUILD_DIR" exec "$ROOT/tests/run-all.sh"
}

# The demo's inputs, checked before anything is installed, built or stopped.
check_demo_args() {
    local port="${DEMO_PORT:-}"
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) [ $# -ge 2 ] || die "demo: --port needs a value"; port="$2"; shift 2 ;;
            --port=*) port="${1#--port=}"; shift ;;
            *) die "demo: unknown argument '$1' (expected --port N)" ;;
        esac
    done
    if [ -n "$port" ] && ! { [[ "$port" =~ ^[0-9]{1,5}$ ]] && [ "$((10#$port))" -ge 1 ] && [ "$((10#$port))" -le 65535 ]; }; then
        die "demo: the port must be a number from 1 to 65535, got '$port' (DEMO_PORT or --port)"
    fi
}

cmd_demo() {
    check_demo_args "$@"
    cmd_deps
    cmd_build
    JWT_BUILD_DIR="$BUILD_DIR" exec "$ROOT/demo/demo.sh" start "$@"
}

# The .debs are built by dpkg-buildpackage in a clean copy in a temp dir (the checkout's
# tracked and not-ignored files: no build/, node_modules or in-tree autotools output), then
# linted; they and lintian's report land in build/packages. Fails on any lintian error.
cmd_package() {
    local out="$BUILD_DIR/packages" tmp
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/mod-auth-jwt-package.XXXXXX")"
    # shellcheck disable=SC2064  # expand now: $tmp is local
    trap "rm -rf '$tmp'" EXIT
    mkdir -p "$tmp/src" "$out"
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard | \
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | \
        tar --null -T - -cf - | tar -C "$tmp/src" -xf -
    log "dpkg-buildpackage -us -uc -b (in $tmp/src)"
    (cd "$tmp/src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
        tail -n 40 "$tmp/build.log" >&2; die "dpkg-buildpackage failed (log above)"; }
    rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
    cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out"/
    cp "$tmp/build.log" "$out/build.log"
    log "lintian"
    local rc=0
    lintian --fail-on error --info "$out"/*.changes >"$out/lintian.txt" 2>&1 || rc=$?
    cat "$out/lintian.txt" >&2
    [ "$rc" -eq 0 ] || die "lintian reports errors (build/packages/lintian.txt)"
    ls -1 "$out"/*.deb
}

cmd_stop() {
    exec "$ROOT/demo/demo.sh" stop
}

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "$0"
}

# Only demo takes arguments; anything else after a command is a mistake worth naming.
no_args() {
    [ $# -eq 0 ] || { printf 'dev.sh: %s takes no arguments, got: %s\n' "$cmd" "$*" >&2; usage >&2; exit 2; }
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    deps)  no_args "$@"; cmd_deps ;;
    build) no_args "$@"; cmd_build ;;
    test)  no_args "$@"; cmd_test ;;
    demo)  cmd_demo "$@" ;;
    stop)  no_args "$@"; cmd_stop ;;
    package) no_args "$@"; cmd_package ;;
    -h|--help|help|"") usage ;;
    *) printf 'dev.sh: unknown command %s\n' "'$cmd'" >&2; usage >&2; exit 2 ;;
esac
