#!/usr/bin/env bash
# The demo: a local httpd on 127.0.0.1 with the built module: a login endpoint issuing
# ES256 tokens to demo users, /api/ and /api-jwks/ (keys from our own JWKS URL) verifying
# them, and the admin page (jwt-admin.cgi) for users in group admin.
#   demo/demo.sh start   (what `./dev.sh demo` runs after building)
#   demo/demo.sh stop    (what `./dev.sh stop` runs)
#   demo/demo.sh start --port N
# State (keys, users, passwords, secrets, config, logs, pid, and copies of the pages and the
# CGI) lives in a state folder outside the checkout, /var/tmp/mod_auth_jwt-demo-UID-HASH
# (HASH: of the checkout's path), because httpd's children run as www-data and the checkout
# may sit where www-data cannot enter (/root, a 0700 home folder). Keys, users and
# passwords are made on first run and kept, so printed commands stay valid; the pages and
# the CGI are copied afresh on every start.
# The demo runs its checks first: it prints the guide only when all pass; when one fails it
# says which and why, and stops its httpd.
# Env: JWT_BUILD_DIR (default ./build), DEMO_PORT (default 8080; the next free port is used
# when it is taken), DEMO_STATE (another state folder).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${JWT_BUILD_DIR:-$ROOT/build}"
state_default() {
    local h
    h="$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    printf '/var/tmp/mod_auth_jwt-demo-%s-%s\n' "$(id -u)" "$h"
}
STATE="${DEMO_STATE:-$(state_default)}"
KEYS="$STATE/keys"
SECRETS="$STATE/secrets"          # writable by the admin CGI (www-data when run as root)
USERS="$STATE/users.htpasswd"
PASSWORDS="$STATE/passwords"      # "user password" lines, readable by the owner only
GROUPS_FILE="$STATE/groups"
BUILT_CGI="$BUILD_DIR/admin-cgi/jwt-admin.cgi"
CGI="$STATE/bin/jwt-admin.cgi"    # a copy, where www-data can execute it
DOCROOT="$STATE/htdocs"           # a copy of demo/htdocs
ASSETS="$STATE/admin-assets"      # a copy of htdocs/admin
CONF="$STATE/httpd.conf"
PIDFILE="$STATE/run/httpd.pid"
HTTPD=/usr/sbin/apache2
MODULE="$BUILD_DIR/.libs/mod_auth_jwt.so"
ISSUER="https://demo.invalid/"
AUDIENCE="demo-api"

die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# The state folder: ours, a real folder, writable by nobody else (it is under the shared
# /var/tmp, so a folder someone else made there first must not be used).
ensure_state() {
    if [ ! -e "$STATE" ]; then
        mkdir -m 0755 "$STATE" || die "cannot create the state folder $STATE"
    fi
    [ -d "$STATE" ] && [ ! -L "$STATE" ] || die "$STATE is not a folder (remove it, or set DEMO_STATE)"
    [ "$(stat -c %u "$STATE")" = "$(id -u)" ] || die "$STATE belongs to another user (remove it, or set DEMO_STATE)"
    case "$(stat -c %A "$STATE")" in
        ?????w???? | ????????w?) die "$STATE is writable by others (chmod go-w it, or set DEMO_STATE)" ;;
    esac
    chmod 0755 "$STATE"
}

# What httpd's children read or run, copied where they can reach it.
stage_files() {
    rm -rf "$DOCROOT" "$ASSETS" "$STATE/bin"
    mkdir -p "$STATE/bin"
    cp -R "$ROOT/demo/htdocs" "$DOCROOT"
    cp -R "$ROOT/htdocs/admin" "$ASSETS"
    cp "$BUILT_CGI" "$CGI"
    chmod -R u=rwX,go=rX "$DOCROOT" "$ASSETS" "$STATE/bin"
    chmod 0755 "$CGI"
}

# As root, httpd's children run as www-data: every file they read at request time must be
# reachable by it. Checked with www-data's own permissions (runuser), before httpd starts.
preflight() {
    [ "$(id -u)" -eq 0 ] || return 0
    command -v runuser >/dev/null 2>&1 || return 0
    local p bad=0
    for p in "$DOCROOT/index.html" "$ASSETS/admin.css" "$USERS" "$GROUPS_FILE" "$SECRETS/secrets.jwks"; do
        if ! runuser -u www-data -- test -r "$p"; then
            printf 'demo: preflight: www-data (httpd'"'"'s User) cannot read %s\n' "$p" >&2
            bad=1
        fi
    done
    if ! runuser -u www-data -- test -x "$CGI"; then
        printf 'demo: preflight: www-data cannot execute %s\n' "$CGI" >&2
        bad=1
    fi
    if ! runuser -u www-data -- test -w "$SECRETS"; then
        printf 'demo: preflight: www-data cannot write the secrets folder %s\n' "$SECRETS" >&2
        bad=1
    fi
    [ "$bad" -eq 0 ] || die "fix: make every folder above $STATE searchable (chmod o+x), or set DEMO_STATE to a folder under /var/tmp or /tmp"
}

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
    mkdir -p "$SECRETS"
    # Earlier demos kept the secrets file among the keys; the admin page needs a folder
    # of its own that it may write (it replaces the file by rename).
    if [ -s "$KEYS/secrets.jwks" ] && [ ! -e "$SECRETS/secrets.jwks" ]; then
        mv "$KEYS/secrets.jwks" "$SECRETS/secrets.jwks"
    fi
    if [ ! -s "$SECRETS/secrets.jwks" ]; then
        # 32 random bytes: HS256 needs a key at least as long as its hash output.
        local k
        k="$(openssl rand 32 | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
        (umask 077 && printf '{"keys":[{"kty":"oct","kid":"demo-hs","alg":"HS256","k":"%s","use":"sig","status":"active","created":%s}]}\n' \
            "$k" "$(date +%s)" > "$SECRETS/secrets.jwks")
    fi
    chmod 750 "$SECRETS"
    chmod 640 "$SECRETS/secrets.jwks"
    # httpd's children and the CGI (www-data when started as root) re-read the secrets
    # file; the CGI also rewrites it, keeps its CSRF key and audit log beside it.
    if [ "$(id -u)" -eq 0 ]; then
        chown -R www-data:www-data "$SECRETS"
    fi
}

# A random password: 18 characters of [A-Za-z0-9], safe in JSON and shell without quoting.
random_password() {
    local pw=""
    while [ "${#pw}" -lt 18 ]; do
        pw="$pw$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9')"
    done
    printf '%s\n' "${pw:0:18}"
}

# password_of USER: from the passwords file written on first run.
password_of() {
    awk -v u="$1" '$1 == u { print $2 }' "$PASSWORDS"
}

# Demo users, made once: alice (group admin) and bob (no groups), with random passwords
# hashed by the real htpasswd tool (bcrypt) for mod_authn_file.
make_users() {
    command -v htpasswd >/dev/null 2>&1 || die "htpasswd not found: install the Debian package apache2-utils"
    if [ ! -s "$PASSWORDS" ] || [ ! -s "$USERS" ]; then
        local tmp="$PASSWORDS.tmp" user pw
        (umask 077 && : > "$tmp")
        rm -f "$USERS"
        for user in alice bob; do
            pw="$(random_password)"
            printf '%s %s\n' "$user" "$pw" >> "$tmp"
            if [ -e "$USERS" ]; then
                printf '%s\n' "$pw" | htpasswd -i -B "$USERS" "$user" 2>/dev/null
            else
                printf '%s\n' "$pw" | htpasswd -i -B -c "$USERS" "$user" 2>/dev/null
            fi
        done
        mv "$tmp" "$PASSWORDS"
    fi
    printf 'admin: alice\n' > "$GROUPS_FILE"
    # mod_authn_file and the login handler read these per request, as httpd's user.
    chmod 640 "$USERS" "$GROUPS_FILE"
    if [ "$(id -u)" -eq 0 ]; then
        chgrp www-data "$USERS" "$GROUPS_FILE"
    fi
}

# DEMO_PORT (or --port): a number in 1..65535, checked before anything is stopped.
check_port_value() {
    local port="$1"
    [[ "$port" =~ ^[0-9]{1,5}$ ]] && [ "$((10#$port))" -ge 1 ] && [ "$((10#$port))" -le 65535 ] \
        || die "the port must be a number from 1 to 65535, got '$port' (DEMO_PORT or --port)"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local port="$((10#${DEMO_PORT:-8080}))" last
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
    case "$STATE$BUILD_DIR" in *'|'* | *'&'* | *'\'*) die "paths with | & or \\ are not supported" ;; esac
    local tmp="$CONF.tmp"
    sed -e "s|@STATE@|$STATE|g" \
        -e "s|@PORT@|$port|g" \
        -e "s|@MODULE@|$MODULE|g" \
        -e "s|@KEYS@|$KEYS|g" \
        -e "s|@SECRETS@|$SECRETS|g" \
        -e "s|@ASSETS@|$ASSETS|g" \
        -e "s|@CGI@|$CGI|g" \
        -e "s|@DOCROOT@|$DOCROOT|g" \
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

# tamper TOKEN PAYLOAD_JSON: swap the payload for another, keeping the old signature.
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

# cookie_status URL TOKEN: the status with the token in the browser login's cookie.
cookie_status() {
    if [ -n "$2" ]; then
        curl -s -o /dev/null -w '%{http_code}' -b "__Host-demo_token=$2" "$1"
    else
        curl -s -o /dev/null -w '%{http_code}' "$1"
    fi
}

# login_json BASE USER PASSWORD / login_form ...: "STATUS BODY" of a POST to /auth/login.
login_json() {
    curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
        -d "{\"username\":\"$2\",\"password\":\"$3\"}" "$1/auth/login" | status_first
}

login_form() {
    curl -s -w ' %{http_code}' --data-urlencode "username=$2" --data-urlencode "password=$3" \
        "$1/auth/login" | status_first
}

# curl -w appends the status; move it to the front so "${x%% *}" is the status.
status_first() {
    local out
    out="$(cat)"
    printf '%s %s\n' "${out##* }" "${out% *}"
}

access_token_of() {
    printf '%s' "$1" | sed -n -E 's/.*"access_token":"([A-Za-z0-9_.-]+)".*/\1/p'
}

# cookie_login_status BASE USER PASSWORD: "STATUS cookie" when the answer set __Host-demo_token
# (a same-origin form post: the login refuses a form from another origin).
cookie_login_status() {
    local headers status
    headers="$(curl -s -o /dev/null -D - --data-urlencode "username=$2" --data-urlencode "password=$3" \
        -H "Origin: $1" "$1/auth/cookie-login")"
    status="$(printf '%s' "$headers" | sed -n -E '1s/^HTTP\/[0-9.]+ ([0-9]+).*/\1/p')"
    if printf '%s' "$headers" | grep -q -i '^Set-Cookie: __Host-demo_token=ey[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*; HttpOnly'; then
        echo "$status cookie"
    else
        echo "$status no-cookie"
    fi
}

b64url_decode() {
    local s="${1//-/+}"
    s="${s//_//}"
    while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done
    printf '%s' "$s" | openssl base64 -d -A
}

# tamper_claims TOKEN FROM TO: replace the text FROM by TO in the payload, keep the signature.
tamper_claims() {
    local token="$1" payload
    payload="$(b64url_decode "$(printf '%s' "$token" | cut -d. -f2)")"
    tamper "$token" "${payload/"$2"/"$3"}"
}

# Stop the httpd this run started, after a failure: no demo is left half-working.
stop_after_failure() {
    stop_demo >/dev/null 2>&1 || true
    echo "demo: httpd stopped; config $CONF, log $STATE/logs/error.log" >&2
}

start_demo() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) [ $# -ge 2 ] || die "--port needs a value"; DEMO_PORT="$2"; shift 2 ;;
            --port=*) DEMO_PORT="${1#--port=}"; shift ;;
            *) die "unknown argument '$1' (expected --port N)" ;;
        esac
    done
    # Every input is checked before anything running is touched.
    [ -z "${DEMO_PORT:-}" ] || check_port_value "$DEMO_PORT"
    [ -x "$HTTPD" ] || die "$HTTPD not found: install the Debian package apache2 (./dev.sh deps)"
    [ -f "$MODULE" ] || die "module not built: $MODULE (run ./dev.sh build)"
    [ -x "$BUILT_CGI" ] || die "admin CGI not built: $BUILT_CGI (run ./dev.sh build)"
    command -v curl >/dev/null 2>&1 || die "curl not found: install the Debian package curl"
    ensure_state
    if demo_pid >/dev/null; then
        stop_demo
    fi
    make_keys
    make_users
    stage_files
    preflight
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
    if ! port_in_use "$port"; then
        stop_after_failure
        die "httpd did not start listening on 127.0.0.1:$port; see $STATE/logs/error.log"
    fi

    local now good bad expired
    now="$(date +%s)"
    good="$(mint "$KEYS/ec256.key.pem" ES256 demo-ec \
        "{\"iss\":\"$ISSUER\",\"aud\":\"$AUDIENCE\",\"sub\":\"alice\",\"role\":\"user\",\"iat\":$now,\"exp\":$((now + 86400))}")"
    bad="$(tamper "$good" \
        "{\"iss\":\"$ISSUER\",\"aud\":\"$AUDIENCE\",\"sub\":\"alice\",\"role\":\"admin\",\"iat\":$now,\"exp\":$((now + 86400))}")"
    expired="$(mint "$KEYS/ec256.key.pem" ES256 demo-ec \
        "{\"iss\":\"$ISSUER\",\"aud\":\"$AUDIENCE\",\"sub\":\"alice\",\"iat\":$((now - 1000)),\"exp\":$((now - 100))}")"

    local base="http://127.0.0.1:$port" apw bpw
    apw="$(password_of alice)"
    bpw="$(password_of bob)"
    if [ -z "$apw" ] || [ -z "$bpw" ]; then
        stop_after_failure
        die "no passwords for alice and bob in $PASSWORDS (delete it to make new ones)"
    fi

    # The flow the printed commands show, run first: the guide is printed only when it works.
    local la lb atok btok tampered lw
    la="$(login_json "$base" alice "$apw")"
    lb="$(login_form "$base" bob "$bpw")"
    lw="$(login_json "$base" alice "wrong-$apw")"
    atok="$(access_token_of "${la#* }")"
    btok="$(access_token_of "${lb#* }")"
    # bob's token with "sub":"bob" changed to "sub":"alice", bob's signature kept
    tampered=""
    [ -n "$btok" ] && tampered="$(tamper_claims "$btok" '"sub":"bob"' '"sub":"alice"')"

    local fail=0 failed=""
    check() {   # check WHAT GOT WANT
        local mark=ok
        if [ "$2" != "$3" ]; then
            mark=FAILED; fail=1
            failed="$failed"$'\n'"  $1: got '$2', expected '$3'"
        fi
        printf 'check: %-52s -> %s (expected %s) %s\n' "$1" "$2" "$3" "$mark"
    }
    local jwks_status
    check "log in alice (JSON)          POST /auth/login" "${la%% *}" 200
    check "log in bob (form)            POST /auth/login" "${lb%% *}" 200
    check "wrong password               POST /auth/login" "${lw%% *}" 401
    check "alice's login token          /api/orders.json" "$(http_status "$base/api/orders.json" "$atok")" 200
    check "tampered login token         /api/orders.json" "$(http_status "$base/api/orders.json" "$tampered")" 401
    check "expired token                /api/orders.json" "$(http_status "$base/api/orders.json" "$expired")" 401
    check "no token                     /api/orders.json" "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/orders.json")" 401
    check "JWKS handler                 /.well-known/jwks.json" "$(curl -s -o /dev/null -w '%{http_code}' "$base/.well-known/jwks.json")" 200
    jwks_status="$(http_status "$base/api-jwks/orders.json" "$atok")"
    check "alice's login token          /api-jwks/orders.json" "$jwks_status" 200
    check "tampered login token         /api-jwks/orders.json" "$(http_status "$base/api-jwks/orders.json" "$tampered")" 401
    check "minted token, role=user      /api/orders.json" "$(http_status "$base/api/orders.json" "$good")" 200
    check "minted, payload role=admin   /api/orders.json" "$(http_status "$base/api/orders.json" "$bad")" 401
    check "minted token, role=user      /api/admin/stats.json" "$(http_status "$base/api/admin/stats.json" "$good")" 403
    check "no cookie                    /admin?page=inspect" "$(cookie_status "$base/admin?page=inspect" "")" 401
    check "browser, no cookie           /admin?page=inspect" \
        "$(curl -s -o /dev/null -w '%{http_code} %header{location}' -H 'Accept: text/html' "$base/admin?page=inspect")" \
        "303 /login.html?return=%2fadmin%3fpage%3dinspect"
    check "expired token: JSON body     /api/orders.json" \
        "$(curl -s -w ' %{content_type}' -H "Authorization: Bearer $expired" "$base/api/orders.json" | tr -d '\n')" \
        '{"error":"invalid_token","error_description":"token expired"} application/json'
    check "bob's cookie (no admin)      /admin?page=inspect" "$(cookie_status "$base/admin?page=inspect" "$btok")" 403
    check "alice's cookie (admin)       /admin?page=inspect" "$(cookie_status "$base/admin?page=inspect" "$atok")" 200
    check "admin page stylesheet        /jwt-admin/admin.css" "$(curl -s -o /dev/null -w '%{http_code}' "$base/jwt-admin/admin.css")" 200
    check "browser login (cookie)       POST /auth/cookie-login" "$(cookie_login_status "$base" alice "$apw")" "200 cookie"
    check "log out                      /auth/logout" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/auth/logout")" 200
    # the /api/orders.json refusals above, counted by reason: the expired token twice
    check "metrics: /api/ refusals      /metrics" \
        "$(curl -s "$base/metrics" | grep -E '^mod_auth_jwt_requests_total\{location="/api/",outcome="refused",reason="(expired|no_token)"\} ' | tr '\n' ' ')" \
        'mod_auth_jwt_requests_total{location="/api/",outcome="refused",reason="no_token"} 1 mod_auth_jwt_requests_total{location="/api/",outcome="refused",reason="expired"} 2 '
    if [ "$fail" -ne 0 ]; then
        {
            echo "demo: these checks failed:$failed"
            echo "demo: the last errors in $STATE/logs/error.log:"
            grep -E '\[(error|crit|alert|emerg)\]|AH-JWT-|AH0' "$STATE/logs/error.log" | tail -n 8 | sed 's/^/  /'
        } >&2
        stop_after_failure
        return 1
    fi

    printf '%s\n' "$good" > "$STATE/good.jwt"
    printf '%s\n' "$bad" > "$STATE/bad.jwt"
    printf '%s\n' "$expired" > "$STATE/expired.jwt"
    printf '%s\n' "$atok" > "$STATE/alice.jwt"
    printf '%s\n' "$btok" > "$STATE/bob.jwt"
    printf '%s\n' "$tampered" > "$STATE/tampered.jwt"
    local rel="$STATE"

    cat <<EOF

demo: all checks as expected.

mod_auth_jwt demo running on $base  (pid $(demo_pid), config $CONF, log $STATE/logs/error.log)

Demo users (made on first run, passwords kept in $PASSWORDS):
  alice  $apw  groups: admin  (may open the admin page)
  bob    $bpw  no groups

1. Log in (JSON or form body) -- expect 200 and {"access_token":"...","token_type":"Bearer","expires_in":900}:
  curl -s -H 'Content-Type: application/json' -d '{"username":"alice","password":"$apw"}' $base/auth/login

2. Keep the token (ES256, kid demo-ec, iss $ISSUER, aud $AUDIENCE) and call the API -- expect 200:
  TOKEN=\$(curl -s -d username=alice -d password=$apw $base/auth/login | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -i -H "Authorization: Bearer \$TOKEN" $base/api/orders.json

3. A tampered token (bob's, with "sub":"bob" changed to "sub":"alice") -- expect 401 invalid_token;
   an expired one (exp 100 s ago) -- expect 401; no token -- expect 401:
  curl -i -H "Authorization: Bearer \$(cat $rel/tampered.jwt)" $base/api/orders.json
  curl -i -H "Authorization: Bearer \$(cat $rel/expired.jwt)" $base/api/orders.json
  curl -i $base/api/orders.json

4. The same token on /api-jwks/, which takes its keys from the JWKS URL $base/.well-known/jwks.json -- expect 200:
  curl -i -H "Authorization: Bearer \$TOKEN" $base/api-jwks/orders.json

5. A token without role=admin on /api/admin/ (Require jwt-claim role=admin) -- expect 403:
  curl -i -H "Authorization: Bearer \$TOKEN" $base/api/admin/stats.json

6. The admin page (inspect tokens, mint test tokens, rotate HMAC secrets), for group admin:
  in a browser: $base/admin -- no cookie yet: you are sent (303) to the login page, and back after it
  curl -i -b "__Host-demo_token=\$TOKEN" '$base/admin?page=inspect'     (alice: 200, bob: 403, no cookie: 401)

7. Log out (clears the cookie of the browser login): curl -i -X POST $base/auth/logout

8. The metrics, for Prometheus (from this machine only): allowed and refused requests by
   location and reason, JWKS fetches, cache hits, verification latency:
  curl -s $base/metrics | grep -v '^#' | grep -v ' 0$'

Tokens of this run are in $rel/*.jwt (alice.jwt and bob.jwt expire in 15 minutes). Stop with: ./dev.sh stop

EOF
}

case "${1:-}" in
    start) shift; start_demo "$@" ;;
    stop) stop_demo ;;
    *) echo "usage: $0 start [--port N] | stop" >&2; exit 2 ;;
esac
