#!/usr/bin/env bash
# Group "package": the Debian packages, end to end on this machine's real Apache.
#   ./dev.sh package (dpkg-buildpackage in a clean copy + lintian, no errors allowed),
#   apt-get install ./libapache2-mod-auth-jwt_*.deb ./mod-auth-jwt-admin_*.deb,
#   a2enmod auth_jwt, a2enconf jwt-admin (the package's example) and a2enconf of a test
#   site protecting /jwt-pkgtest/ with a key from tests/fixtures, apache2ctl configtest,
#   the system apache2 started on a free 127.0.0.1 port (ports.conf swapped for a
#   one-line Listen while it runs), a 200 with a jsonwebtoken-minted token, a 401
#   without one, a 403 from the admin example (no key installed yet), apache2ctl stop,
#   apt-get purge, and nothing of ours left in /etc/apache2, the module dir, /usr/bin,
#   /usr/lib/cgi-bin or /var/lib/jwt-admin.
# Needs root (it installs packages). The machine is put back as it was on every exit
# path (trap): apache2 stopped if this script started it, its confs disabled and
# removed, the packages purged, ports.conf restored byte for byte.
# Skipped (not failed) when not root, or when the packages are already installed
# (someone's real install is not ours to purge).
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
: "${JWT_BUILD_DIR:=$ROOT/build}"
PKG_DIR="$JWT_BUILD_DIR/packages"
PORTS=/etc/apache2/ports.conf
PORTS_BACKUP=/etc/apache2/ports.conf.jwt-pkgtest-backup
SITE=jwt-pkgtest
PIDFILE=/var/run/apache2/apache2.pid
export DEBIAN_FRONTEND=noninteractive

passed=0 failed=0 skipped=0
ok()   { echo "ok   - $*"; passed=$((passed + 1)); }
nok()  { echo "FAIL - $*"; failed=$((failed + 1)); }
skip() { echo "skip - $*"; skipped=$((skipped + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
result() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

if [ "$(id -u)" -ne 0 ]; then
    skip "package: needs root to install packages into the system Apache"
    result
fi
for p in libapache2-mod-auth-jwt mod-auth-jwt-admin; do
    if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
        skip "package: $p is already installed on this machine; not touching it"
        result
    fi
done
# A run killed before its trap ran left the saved ports.conf: put it back first.
if [ -f "$PORTS_BACKUP" ]; then
    mv -f "$PORTS_BACKUP" "$PORTS"
fi

work="$(mktemp -d)"
chmod 0755 "$work"          # the test site's document is read by www-data
installed=0 started=0 ports_swapped=0
cp -p "$PORTS" "$work/ports.conf.orig"

cleanup() {
    set +e
    if [ "$started" = 1 ]; then
        apache2ctl stop >/dev/null 2>&1
        for _ in $(seq 1 50); do [ -f "$PIDFILE" ] || break; sleep 0.2; done
        # Only the instance whose pid file is the default one: never other httpds.
        if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null; fi
    fi
    # -p: also forget a2disconf's own state (/var/lib/apache2/conf/disabled_by_admin)
    if [ -e "/etc/apache2/conf-available/$SITE.conf" ]; then a2disconf -q -p "$SITE" >/dev/null 2>&1; fi
    rm -f "/etc/apache2/conf-available/$SITE.conf"
    if [ "$installed" = 1 ]; then
        apt-get purge -y -q -o DPkg::Lock::Timeout=300 libapache2-mod-auth-jwt mod-auth-jwt-admin >/dev/null 2>&1
    fi
    if [ "$ports_swapped" = 1 ] || [ -f "$PORTS_BACKUP" ]; then
        cp -p "$work/ports.conf.orig" "$PORTS" && rm -f "$PORTS_BACKUP"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build + lint ---------------------------------------------------------------------
if "$ROOT/dev.sh" package > "$work/package.log" 2>&1; then
    ok "./dev.sh package builds the .debs and lintian reports no errors"
else
    cat "$work/package.log"
    nok "./dev.sh package (dpkg-buildpackage + lintian --fail-on error)"
    result
fi
grep -E '^[EW]: ' "$PKG_DIR/lintian.txt" | sed 's/^/  lintian: /'
mod_deb="$(ls "$PKG_DIR"/libapache2-mod-auth-jwt_*.deb 2>/dev/null | head -n 1)"
admin_deb="$(ls "$PKG_DIR"/mod-auth-jwt-admin_*.deb 2>/dev/null | head -n 1)"
if [ -z "$mod_deb" ] || [ -z "$admin_deb" ]; then
    nok "both binary packages exist in $PKG_DIR"
    result
fi
deps="$(dpkg-deb -f "$mod_deb" Depends)"
check "libapache2-mod-auth-jwt Depends on apache2-api-20120211 ($deps)" grep -q 'apache2-api-20120211' <<<"$deps"
check "libapache2-mod-auth-jwt Depends on libssl3, libjson-c5 and libcurl4" \
    bash -c 'grep -q libssl3 <<<"$1" && grep -q libjson-c5 <<<"$1" && grep -q libcurl4 <<<"$1"' _ "$deps"

# --- install --------------------------------------------------------------------------
# Everything they depend on is installed already: apt resolves from the local files.
if apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
        "$mod_deb" "$admin_deb" > "$work/install.log" 2>&1; then
    installed=1
    ok "apt-get install ./libapache2-mod-auth-jwt_*.deb ./mod-auth-jwt-admin_*.deb"
else
    installed=1   # partly installed is still ours to purge
    cat "$work/install.log"
    nok "apt-get install of the local .debs"
    result
fi
check "module installed in /usr/lib/apache2/modules" test -f /usr/lib/apache2/modules/mod_auth_jwt.so
check "mods-available/auth_jwt.load names the installed module" \
    grep -q '^LoadModule auth_jwt_module /usr/lib/apache2/modules/mod_auth_jwt.so' /etc/apache2/mods-available/auth_jwt.load
check "jwt-migrate installed and runs" bash -c 'printf "AuthJWTIss a\n" | /usr/bin/jwt-migrate - | grep -q "^AuthJWTIssuer a"'
check "admin CGI installed in /usr/lib/cgi-bin" test -x /usr/lib/cgi-bin/jwt-admin.cgi
check "/var/lib/jwt-admin made by postinst, owned by www-data" \
    bash -c '[ "$(stat -c %U:%G /var/lib/jwt-admin)" = www-data:www-data ]'
check "not enabled by the install itself (a2enmod is the admin's choice)" test ! -e /etc/apache2/mods-enabled/auth_jwt.load

# --- enable ---------------------------------------------------------------------------
check "a2enmod auth_jwt" a2enmod -q auth_jwt
check "a2enconf jwt-admin (the admin package's example)" a2enconf -q jwt-admin
mkdir -p "$work/htdocs"
echo "served" > "$work/htdocs/index.txt"
cp "$ROOT/tests/fixtures/keys/ec256.pub.pem" "$work/ec256.pub.pem"
cat > "/etc/apache2/conf-available/$SITE.conf" <<EOF
# written by tests/groups/package.sh; removed when it ends
Alias /$SITE "$work/htdocs"
<Directory "$work/htdocs">
    Options None
    AllowOverride None
</Directory>
<Location /$SITE>
    AuthType jwt
    AuthName "pkgtest"
    AuthJWTKeyFile "$work/ec256.pub.pem"
    AuthJWTAlgorithms ES256
    AuthJWTIssuer https://pkgtest.invalid/
    Require valid-user
</Location>
EOF
check "a2enconf $SITE (the example site)" a2enconf -q "$SITE"

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
cp -p "$PORTS" "$PORTS_BACKUP"
ports_swapped=1
printf '# tests/groups/package.sh: temporary, restored when it ends\nListen 127.0.0.1:%s\n' "$port" > "$PORTS"
if apache2ctl configtest > "$work/configtest.log" 2>&1 && grep -q 'Syntax OK' "$work/configtest.log"; then
    ok "apache2ctl configtest"
else
    cat "$work/configtest.log"; nok "apache2ctl configtest"
fi

# --- serve ----------------------------------------------------------------------------
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    nok "the system apache2 is already running (pid file $PIDFILE): not starting a second one"
    result
fi
started=1
if apache2ctl start > "$work/start.log" 2>&1; then
    up=0
    for _ in $(seq 1 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && { up=1; break; }
        sleep 0.2
    done
    check "system apache2 answers on 127.0.0.1:$port" test "$up" = 1
else
    cat "$work/start.log"; nok "apache2ctl start"
fi

token="$(cd "$ROOT/tests" && node -e '
const jwt = require("jsonwebtoken"), fs = require("fs");
process.stdout.write(jwt.sign({ sub: "pkg-user" }, fs.readFileSync(process.argv[1]),
  { algorithm: "ES256", issuer: "https://pkgtest.invalid/", expiresIn: 300 }));' \
  "$ROOT/tests/fixtures/keys/ec256.pem")"
code="$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/$SITE/index.txt")"
check "a valid token gets 200 and the document (got $code)" \
    bash -c '[ "$1" = 200 ] && grep -qx served "$2"' _ "$code" "$work/body"
code="$(curl -s -D "$work/headers" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$SITE/index.txt")"
check "no token gets 401 with WWW-Authenticate: Bearer (got $code)" \
    bash -c '[ "$1" = 401 ] && grep -qi "^WWW-Authenticate: Bearer realm=\"pkgtest\"" "$2"' _ "$code" "$work/headers"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/jwt-admin")"
check "the admin example refuses everyone (403) until its key is installed (got $code)" test "$code" = 403
# Every asset the page links (htdocs/admin/*), not just one: a new asset once left
# dh_missing failing the build.
for asset in "$ROOT"/htdocs/admin/*; do
    name="$(basename "$asset")"
    code="$(curl -s -o "$work/asset" -w '%{http_code}' "http://127.0.0.1:$port/jwt-admin-assets/$name")"
    check "the admin example serves $name as shipped (got $code)" \
        bash -c '[ "$1" = 200 ] && cmp -s "$2" "$3"' _ "$code" "$work/asset" "$asset"
done

apache2ctl stop > /dev/null 2>&1
for _ in $(seq 1 50); do [ -f "$PIDFILE" ] || break; sleep 0.2; done
check "apache2ctl stop stopped the system apache2" test ! -f "$PIDFILE"
started=0

# --- remove ---------------------------------------------------------------------------
a2disconf -q -p "$SITE" >/dev/null 2>&1
rm -f "/etc/apache2/conf-available/$SITE.conf"
cp -p "$work/ports.conf.orig" "$PORTS" && rm -f "$PORTS_BACKUP" && ports_swapped=0
if apt-get purge -y -q -o DPkg::Lock::Timeout=300 libapache2-mod-auth-jwt mod-auth-jwt-admin > "$work/purge.log" 2>&1; then
    installed=0
    ok "apt-get purge libapache2-mod-auth-jwt mod-auth-jwt-admin"
else
    cat "$work/purge.log"; nok "apt-get purge"
fi
left="$(find /etc/apache2 /var/lib/apache2 \( -name '*auth_jwt*' -o -name '*jwt-admin*' -o -name "*$SITE*" \) 2>/dev/null)"
check "nothing of ours left in /etc/apache2 or /var/lib/apache2 ${left:+(left: $left)}" test -z "$left"
check "module gone from /usr/lib/apache2/modules" test ! -e /usr/lib/apache2/modules/mod_auth_jwt.so
check "jwt-migrate, the CGI, its assets and /var/lib/jwt-admin gone" \
    bash -c '! [ -e /usr/bin/jwt-migrate ] && ! [ -e /usr/lib/cgi-bin/jwt-admin.cgi ] && ! [ -e /usr/share/mod_auth_jwt ] && ! [ -e /var/lib/jwt-admin ]'

check "ports.conf restored byte for byte" cmp -s "$work/ports.conf.orig" "$PORTS"
check "apache2ctl configtest passes again on the restored machine" bash -c 'apache2ctl configtest 2>&1 | grep -q "Syntax OK"'
result
