#!/usr/bin/env bash
# The demo: a local httpd on 127.0.0.1 with the built module protecting /api/.
#   demo/demo.sh start   (what `./dev.sh demo` runs after building)
#   demo/demo.sh stop    (what `./dev.sh stop` runs)
# State (keys, config, logs, pid) lives in .state/demo/; keys are made on first run.
# Env: JWT_BUILD_DIR (default ./build), DEMO_PORT (default 8080; the next free port is used
# when it is taken).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${JWT_BUILD_DIR:-$ROOT/build}"
STATE="$ROOT/.state/demo"
KEYS="$STATE/keys"
CONF="$STATE/httpd.conf"
PIDFILE="$STATE/run/httpd.pid"
HTTPD=/usr/sbin/apache2
MODULE="$BUILD_DIR/.libs/mod_auth_jwt.so"
ISSUER="https://demo.invalid/"
AUDIENCE="demo-api"

die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

demo_pid() {
    [ -s "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

stop_demo() {
    local pid i
    if ! pid="$(demo_pid)"; then
        rm -f "$PIDFILE"
        echo "demo: not running"
        return 0
    fi
    "$HTTPD" -f "$CONF" -k stop 2>/dev/null || kill "$pid"
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { echo "demo: stopped (pid $pid)"; return 0; }
        sleep 0.1
    done
    die "httpd pid $pid did not stop within 5 s"
}

# Keys are generated once; a second run reuses them so printed tokens stay valid.
make_keys() {
    mkdir -p "$KEYS"
    chmod 755 "$KEYS"
    if [ ! -s "$KEYS/ec256.key.pem" ]; then
        (umask 077 && openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/ec256.key.pem")
        openssl pkey -in "$KEYS/ec256.key.pem" -pubout -out "$KEYS/ec256.pub.pem"
    fi
    if [ ! -s "$KEYS/rsa2048.key.pem" ]; then
        (umask 077 && openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/rsa2048.key.pem")
        openssl pkey -in "$KEYS/rsa2048.key.pem" -pubout -out "$KEYS/rsa2048.pub.pem"
    fi
    chmod 644 "$KEYS/ec256.pub.pem" "$KEYS/rsa2048.pub.pem"
    if [ ! -s "$KEYS/secrets.jwks" ]; then
        # 32 random bytes: HS256 needs a key at least as long as its hash output.
        local k
        k="$(openssl rand 32 | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
        (umask 077 && printf '{"keys":[{"kty":"oct","kid":"demo-hs","alg":"HS256","k":"%s","use":"sig","status":"active","created":%s}]}\n' \
            "$k" "$(date +%s)" > "$KEYS/secrets.jwks")
    fi
    # httpd's children (www-data when started as root) re-read the secrets file.
    if [ "$(id -u)" -eq 0 ]; then
        chgrp www-data "$KEYS/secrets.jwks"
        chmod 640 "$KEYS/secrets.jwks"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local port="${DEMO_PORT:-8080}" last
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] \
        || die "DEMO_PORT must be a port number, got '$port'"
    last=$((port + 100))
    while port_in_use "$port"; do
        port=$((port + 1))
        [ "$port" -le "$last" ] && [ "$port" -le 65535 ] || die "no free port in ${DEMO_PORT:-8080}..$last"
    done
    echo "$port"
}

write_config() {
    local port="$1" user_group=""
    if [ "$(id -u)" -eq 0 ]; then
        user_group=$'User www-data\nGroup www-data'
    fi
    mkdir -p "$STATE/run" "$STATE/logs"
    # Values are paths under the checkout and a port number: no sed metacharacters but '|'
    # and '&' could appear in a path, so refuse those rather than mis-substitute.
    case "$ROOT$BUILD_DIR" in *'|'* | *'&'* | *'\'*) die "paths with | & or \\ are not supported" ;; esac
    local tmp="$CONF.tmp"
    sed -e "s|@STATE@|$STATE|g" \
        -e "s|@PORT@|$port|g" \
        -e "s|@MODULE@|$MODULE|g" \
        -e "s|@KEYS@|$KEYS|g" \
        -e "s|@DOCROOT@|$ROOT/demo/htdocs|g" \
        "$ROOT/demo/httpd.conf.in" > "$tmp"
    # Multi-line value: replace the placeholder line with the directives (or nothing).
    awk -v ug="$user_group" '$0 == "@USER_GROUP@" { if (ug != "") print ug; next } { print }' "$tmp" > "$CONF"
    rm -f "$tmp"
}

# mint KEYFILE ALG KID CLAIMS: prefer the project's CLI, fall back to jose from tests/node_modules.
mint() {
    local key="$1" alg="$2" kid="$3" claims="$4" cli="$BUILD_DIR/tests/tools/jwt-cli"
    if [ -x "$cli" ]; then
        "$cli" sign --key "$key" --alg "$alg" --kid "$kid" --claims "$claims"
    else
        node "$ROOT/demo/mint-token.js" --key "$key" --alg "$alg" --kid "$kid" --claims "$claims"
    fi
}

# tamper TOKEN: swap the payload for one granting role=admin, keeping the old signature.
tamper() {
    local token="$1" header sig payload
    header="${token%%.*}"
    sig="${token##*.}"
    payload="$(printf '%s' "$2" | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
    printf '%s.%s.%s\n' "$header" "$payload" "$sig"
}

http_status() {
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1"
}

start_demo() {
    [ -x "$HTTPD" ] || die "$HTTPD not found: install the Debian package apache2 (./dev.sh deps)"
    [ -f "$MODULE" ] || die "module not built: $MODULE (run ./dev.sh build)"
    if demo_pid >/dev/null; then
        stop_demo
    fi
    make_keys
    local port
    port="$(pick_port)"
    write_config "$port"
    local out
    if ! out="$("$HTTPD" -f "$CONF" -t 2>&1)"; then
        printf '%s\n' "$out" | sed 's/^/httpd -t: /' >&2
        die "httpd refused the configuration $CONF (see above)"
    fi
    : > "$STATE/logs/error.log"
    if ! "$HTTPD" -f "$CONF" -k start; then
        tail -n 20 "$STATE/logs/error.log" >&2
        die "httpd did not start; see $STATE/logs/error.log"
    fi
    local i
    for i in $(seq 1 50); do
        port_in_use "$port" && break
        sleep 0.1
    done
    port_in_use "$port" || die "httpd did not start listening on 127.0.0.1:$port; see $STATE/logs/error.log"

    local now good bad
    now="$(date +%s)"
    good="$(mint "$KEYS/ec256.key.pem" ES256 demo-ec \
        "{\"iss\":\"$ISSUER\",\"aud\":\"$AUDIENCE\",\"sub\":\"alice\",\"role\":\"user\",\"iat\":$now,\"exp\":$((now + 86400))}")"
    bad="$(tamper "$good" \
        "{\"iss\":\"$ISSUER\",\"aud\":\"$AUDIENCE\",\"sub\":\"alice\",\"role\":\"admin\",\"iat\":$now,\"exp\":$((now + 86400))}")"
    printf '%s\n' "$good" > "$STATE/good.jwt"
    printf '%s\n' "$bad" > "$STATE/bad.jwt"

    local base="http://127.0.0.1:$port"
    cat <<EOF

mod_auth_jwt demo running on $base  (pid $(demo_pid), config $CONF, log $STATE/logs/error.log)

A token signed with the demo's ES256 key (sub=alice, role=user, valid 24 h) -- expect 200:
  curl -i -H "Authorization: Bearer $good" $base/api/orders.json

The same token with its payload changed to role=admin, old signature kept -- expect 401:
  curl -i -H "Authorization: Bearer $bad" $base/api/orders.json

The good token on a location that requires role=admin -- expect 403:
  curl -i -H "Authorization: Bearer $good" $base/api/admin/stats.json

Tokens are also in $STATE/good.jwt and bad.jwt. Stop with: ./dev.sh stop

EOF
    local s1 s2 s3 s4 ok=1
    s1="$(http_status "$base/api/orders.json" "$good")"
    s2="$(http_status "$base/api/orders.json" "$bad")"
    s3="$(http_status "$base/api/admin/stats.json" "$good")"
    s4="$(curl -s -o /dev/null -w '%{http_code}' "$base/api/orders.json")"
    printf 'check: good token      /api/orders.json     -> %s (expected 200)\n' "$s1"
    printf 'check: tampered token  /api/orders.json     -> %s (expected 401)\n' "$s2"
    printf 'check: good token      /api/admin/stats.json -> %s (expected 403)\n' "$s3"
    printf 'check: no token        /api/orders.json     -> %s (expected 401)\n' "$s4"
    [ "$s1" = 200 ] && [ "$s2" = 401 ] && [ "$s3" = 403 ] && [ "$s4" = 401 ] || ok=0
    if [ "$ok" -ne 1 ]; then
        echo "demo: some checks did not give the expected status; see $STATE/logs/error.log" >&2
        return 1
    fi
    echo "demo: all checks as expected"
}

case "${1:-}" in
    start) start_demo ;;
    stop) stop_demo ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
