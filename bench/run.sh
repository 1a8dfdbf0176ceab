#!/usr/bin/env bash
# Side-by-side benchmark of mod_auth_jwt (issue 7). Run by hand, not part of the tests:
#   ./bench/run.sh            (env: ROUNDS=3 DURATION=10 CONNS=32 THREADS=2 DISTINCT=100000
#                              CACHE_SIZE=<AuthJWTCacheSize, default: the module's 10000>
#                              MEMORY=1: afterwards, child RSS after 100k and 1M requests
#                              CASES="open HS256-distinct": only these rows, e.g. to profile)
#                              REVOCATION=shmcb|redis|none: the store of the HS256-rev-<store>
#                              rows (default shmcb; redis starts a local redis-server on a
#                              free port with its own dir, stopped at the end)
#                              DPOP_PROOFS=<proofs per round for RS256-dpop, default DURATION x 20000>
# One httpd (mpm_event) serves the same 64-byte file at /open/ (no auth: the ceiling; sent the
# same request bytes as the row it is the ceiling of: see open-bearer, open-bearer-<alg>,
# open-distinct) and at
# locations protected with HS256, RS256, ES256 and EdDSA keys; when Debian's
# libapache2-mod-auth-openidc is installed, the same keys also sit behind AuthType oauth20 as the
# peer rows. Two floors from bench/mod_bench_floor.c: floor-auth (any bearer token accepted
# unchecked: httpd's own authentication of a protected location, the same-token rows' floor)
# and floor-<alg>-distinct (the signature check alone: the -distinct rows'). wrk drives every
# case in interleaved rounds (each case once per round, in an order shuffled per round:
# A C B ... B A C ...); the table gives the median req/s, the ratio
# to /open/, and the server CPU per request read from /proc for every httpd process, with the
# difference to /open/, and the range of the per-round ratios. JWE rows (issue 24): JWE-RS
# (RS256 inside RSA-OAEP-256 + A256GCM) and JWE-ES (ES256 inside ECDH-ES + A256GCM), tokens
# from bench/mint-jwe.js (jose), same token and distinct, with bench/jwe-cost (the core
# against the bare OpenSSL decrypt floor) after verify-cost
# (bench/table.awk; rerun it on $BENCH_STATE/results.tsv). `openssl speed` verify costs close it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${JWT_BUILD_DIR:-$top/build}
module="$build/.libs/mod_auth_jwt.so"
floor="$build/bench/.libs/mod_bench_floor.so"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DISTINCT=${DISTINCT:-100000}
CACHE_SIZE=${CACHE_SIZE:-}
MEMORY=${MEMORY:-1}
REVOCATION=${REVOCATION:-shmcb}
state=${BENCH_STATE:-$top/.state/bench}
openidc=/usr/lib/apache2/modules/mod_auth_openidc.so

for so in "$module" "$floor"; do
  [ -f "$so" ] || { echo "bench: $so not built (run ./dev.sh build)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "bench: wrk missing (apt-get install wrk)" >&2; exit 2; }
mkdir -p "$state"
# One run per state directory at a time: a second would rewrite the first's server directory
# (config, pid file) under it, and the first's exit would stop the second's httpd.
exec 9>"$state/.lock"
flock -n 9 || { echo "bench: another bench/run.sh is using $state" >&2; exit 2; }

# --- keys (generated once) and tokens (minted once per DISTINCT) ---
keys() {
  cd "$state"
  [ -f hs256.key ] || head -c 32 /dev/urandom > hs256.key
  [ -f rs256.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rs256.pem 2>/dev/null
  [ -f es256.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out es256.pem 2>/dev/null
  [ -f ed25519.pem ] || openssl genpkey -algorithm ED25519 -out ed25519.pem 2>/dev/null
  [ -f jwe-rsa.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwe-rsa.pem 2>/dev/null
  [ -f jwe-ec.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwe-ec.pem 2>/dev/null
  for k in rs256 es256 ed25519; do
    openssl pkey -in $k.pem -pubout -out $k.pub.pem 2>/dev/null
  done
  for k in rs256 es256; do
    [ -f $k.crt ] || openssl req -new -x509 -key $k.pem -subj "/CN=bench-$k" -days 3650 -out $k.crt 2>/dev/null
  done
  local k64
  k64=$(base64 -w0 < hs256.key | tr '+/' '-_' | tr -d '=')
  printf '{"kty":"oct","kid":"bench-hs","alg":"HS256","k":"%s"}\n' "$k64" > hs256.jwk
  cd - >/dev/null
}
keys
# mint.js gives the tokens 6 hours: mint again when they are older than 5 (a run takes ~20 min)
if [ ! -f "$state/tokens-EdDSA.txt" ] || [ "$(wc -l < "$state/tokens-EdDSA.txt")" -ne "$DISTINCT" ] \
   || [ -n "$(find "$state/tokens-EdDSA.txt" -mmin +300)" ]; then
  echo "minting $DISTINCT distinct tokens per algorithm with jose (once)..." >&2
  node "$here/mint.js" "$state" "$DISTINCT"
fi
# the JWE rows wrap those RS256 / ES256 tokens: again whenever they were minted again
if [ ! -f "$state/tokens-JWE-ES.txt" ] || [ "$state/tokens-ES256.txt" -nt "$state/tokens-JWE-ES.txt" ]; then
  echo "wrapping the RS256 and ES256 tokens in JWEs with jose (once)..." >&2
  node "$here/mint-jwe.js" "$state"
fi

# --- one httpd ---
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
# mod_auth_openidc takes its verification keys per server (OIDCOAuthVerify* are not allowed
# in <Location>), so each peer row gets a virtual host of this same httpd on its own port.
ohs=$(free_port); ors=$(free_port); oes=$(free_port); jks=$(free_port)
url_of() {
  case "$1" in
    /oidc-hs/*) echo "http://127.0.0.1:$ohs$1" ;;
    /oidc-rs/*) echo "http://127.0.0.1:$ors$1" ;;
    /oidc-es/*) echo "http://127.0.0.1:$oes$1" ;;
    *) echo "http://127.0.0.1:$port$1" ;;
  esac
}
run="$state/run"; rm -rf "$run"; mkdir -p "$run/htdocs/open" "$run/htdocs/jwks"
for loc in open hs hs-rev hs-nometrics rs es ed rs-mtls rs-dpop jwe-rs jwe-es floor-auth floor-hs floor-rs floor-es floor-ed oidc-hs oidc-rs oidc-es; do
  mkdir -p "$run/htdocs/$loc"
  head -c 63 /dev/zero | tr '\0' 'x' > "$run/htdocs/$loc/file.txt"; echo >> "$run/htdocs/$loc/file.txt"
done
have_openidc=0; [ -f "$openidc" ] && have_openidc=1
# the revocation rows' store (issue 25): the same HS256 location with AuthJWTRevocation On
revcache= redis_pid=
case "$REVOCATION" in
  shmcb) revcache=shmcb ;;
  redis)
    command -v redis-server >/dev/null || { echo "bench: redis-server missing (./dev.sh deps)" >&2; exit 2; }
    rport=$(free_port); mkdir -p "$run/redis"
    redis-server --save "" --appendonly no --dir "$run/redis" --port "$rport" --bind 127.0.0.1 \
      --daemonize no --logfile "$run/redis/redis.log" 9>&- & redis_pid=$!
    trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done
    revcache="redis:127.0.0.1:$rport" ;;
  none) ;;
  *) echo "bench: REVOCATION=$REVOCATION: shmcb, redis or none" >&2; exit 2 ;;
esac
mods=/usr/lib/apache2/modules
{
  cat <<CONF
ServerRoot "$run"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$run/httpd.pid"
ErrorLog "$run/error.log"
LogLevel warn
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule mime_module $mods/mod_mime.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule auth_jwt_module $module
LoadModule bench_floor_module $floor
${CACHE_SIZE:+AuthJWTCacheSize $CACHE_SIZE}
${revcache:+LoadModule socache_${revcache%%:*}_module $mods/mod_socache_${revcache%%:*}.so}
${revcache:+AuthJWTRevocationCache $revcache}
User www-data
Group www-data
StartServers 2
ServerLimit 2
ThreadsPerChild 32
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
DocumentRoot "$run/htdocs"
TypesConfig /etc/mime.types
# as Debian's apache2.conf: no .htaccess lookups (six failed openat per request otherwise)
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "$run/htdocs">
  Require all granted
</Directory>
CONF
  # alg location keyfile kid
  while read -r alg loc keyfile kid; do
    cat <<CONF
<Location /$loc/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "$state/$keyfile" ${kid:+kid=$kid}
  AuthJWTAlgorithms $alg
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  Require valid-user
</Location>
CONF
  done <<LOCS
HS256 hs hs256.jwk
RS256 rs rs256.pub.pem bench-rs
ES256 es es256.pub.pem bench-es
EdDSA ed ed25519.pub.pem bench-ed
LOCS
  # the HS256 location again with revocation on: the store lookups per request
  if [ -n "$revcache" ]; then
    cat <<CONF
<Location /hs-rev/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "$state/hs256.jwk"
  AuthJWTAlgorithms HS256
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  AuthJWTRevocation On
  Require valid-user
</Location>
CONF
  fi
  # sender-constrained tokens (issue 28) behind the RS256 key: certificate-bound (the
  # certificate as an RFC 9440 Client-Cert header from this trusted address: the binding's
  # work without a TLS handshake, which wrk cannot do with a client certificate) and
  # DPoP-bound (one fresh ES256 proof per request, checked and remembered)
  for b in mtls dpop; do
    cat <<CONF
<Location /rs-$b/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "$state/rs256.pub.pem" kid=bench-rs
  AuthJWTAlgorithms RS256 ES256
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  AuthJWTBinding $b
  Require valid-user
</Location>
CONF
  done
  cat <<CONF
<Location /rs-mtls/>
  AuthJWTClientCertHeader Client-Cert
  AuthJWTClientCertTrustedProxies 127.0.0.1
</Location>
<Location /rs-dpop/>
  AuthJWTDPoPWindow 3600
</Location>
CONF
  # the HS256 location again without its metrics (AuthJWTMetrics Off): the metrics' cost is
  # the difference between the HS256 rows and the -nometrics rows of the same run
  cat <<CONF
<Location /hs-nometrics/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "$state/hs256.jwk"
  AuthJWTAlgorithms HS256
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  AuthJWTMetrics Off
  Require valid-user
</Location>
CONF
  # the JWE rows: the same signing keys, each behind its decryption key (encryption required)
  while read -r alg loc keyfile kid deckey deckid km; do
    cat <<CONF
<Location /$loc/>
  AuthType jwt
  AuthName bench
  AuthJWTKeyFile "$state/$keyfile" kid=$kid
  AuthJWTAlgorithms $alg
  AuthJWTDecryptionKey "$state/$deckey" kid=$deckid
  AuthJWTEncryption required
  AuthJWTKeyManagementAlgorithms $km
  AuthJWTContentEncryptionAlgorithms A256GCM
  AuthJWTIssuer https://bench.example/
  AuthJWTAudience bench
  Require valid-user
</Location>
CONF
  done <<LOCS
RS256 jwe-rs rs256.pub.pem bench-rs jwe-rsa.pem bench-jwe-rs RSA-OAEP-256
ES256 jwe-es es256.pub.pem bench-es jwe-ec.pem bench-jwe-es ECDH-ES
LOCS
  # the authentication floor (bench/mod_bench_floor.c): any bearer token accepted unchecked,
  # so what is left is httpd's own authentication and authorization of a protected location
  cat <<CONF
<Location /floor-auth/>
  AuthType floor
  BenchFloorTrustAny On
  Require valid-user
</Location>
CONF
  # the crypto floor (bench/mod_bench_floor.c): the same keys, the signature check alone
  while read -r alg loc keyfile; do
    cat <<CONF
<Location /$loc/>
  AuthType floor
  BenchFloorKey $alg "$state/$keyfile"
  Require valid-user
</Location>
CONF
  done <<LOCS
HS256 floor-hs hs256.key
RS256 floor-rs rs256.pub.pem
ES256 floor-es es256.pub.pem
EdDSA floor-ed ed25519.pub.pem
LOCS
  if [ $have_openidc = 1 ]; then
    hexkey=$(od -An -tx1 -v < "$state/hs256.key" | tr -d ' \n')
    # the EC key as a JWKS that mod_auth_openidc fetches from this same server
    node -e '
      const c=require("crypto"),fs=require("fs");
      const k=c.createPublicKey(fs.readFileSync(process.argv[1])).export({format:"jwk"});
      fs.writeFileSync(process.argv[2], JSON.stringify({keys:[{...k,kid:"bench-es",use:"sig",alg:"ES256"}]}));
    ' "$state/es256.pub.pem" "$run/htdocs/jwks/es.json"
    cat <<CONF
LoadModule auth_openidc_module $openidc
OIDCCryptoPassphrase bench-passphrase-not-secret
OIDCRedirectURI http://127.0.0.1:$port/oidc-redirect
OIDCOAuthSSLValidateServer Off
LoadModule ssl_module $mods/mod_ssl.so
Listen 127.0.0.1:$jks
<VirtualHost 127.0.0.1:$jks>
  SSLEngine on
  SSLCertificateFile "$state/rs256.crt"
  SSLCertificateKeyFile "$state/rs256.pem"
</VirtualHost>
Listen 127.0.0.1:$ohs
<VirtualHost 127.0.0.1:$ohs>
  OIDCOAuthVerifySharedKeys hex#bench-hs#$hexkey
  <Location /oidc-hs/>
    AuthType oauth20
    Require valid-user
  </Location>
</VirtualHost>
Listen 127.0.0.1:$ors
<VirtualHost 127.0.0.1:$ors>
  OIDCOAuthVerifyCertFiles bench-rs#$state/rs256.crt
  <Location /oidc-rs/>
    AuthType oauth20
    Require valid-user
  </Location>
</VirtualHost>
Listen 127.0.0.1:$oes
<VirtualHost 127.0.0.1:$oes>
  # OIDCOAuthVerifyJwksUri insists on https, and mod_auth_openidc (2.4.12) crashes on an EC
  # certificate in OIDCOAuthVerifyCertFiles: the JWKS is served over TLS by this same httpd
  OIDCOAuthVerifyJwksUri https://127.0.0.1:$jks/jwks/es.json
  <Location /oidc-es/>
    AuthType oauth20
    Require valid-user
  </Location>
</VirtualHost>
CONF
  fi
} > "$run/httpd.conf"
chown -R www-data:www-data "$run" 2>/dev/null || true
chmod 0755 "$state"
/usr/sbin/apache2 -f "$run/httpd.conf" -k start
trap '/usr/sbin/apache2 -f "$run/httpd.conf" -k stop 2>/dev/null || true; [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/open/file.txt" && break; sleep 0.1; done

# the sender-constrained rows' credentials: minted for this run's port (htu names it)
[ -f "$state/client.crt" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$state/client.key" -out "$state/client.crt" -days 3650 -subj /CN=bench-client 2>/dev/null
DPOP_PROOFS=${DPOP_PROOFS:-$((DURATION * 20000))}
if [ -z "${CASES:-}" ] || [[ " $CASES " == *" RS256-dpop "* ]] || [[ " $CASES " == *" RS256-mtls "* ]]; then
  echo "minting $((DPOP_PROOFS * ROUNDS + 1)) DPoP proofs for this run (npm dpop)..." >&2
  node "$here/mint_binding.js" "$state" "$port" $((DPOP_PROOFS * ROUNDS + 1))
fi

# --- cases: name path algfile(or -) mode(single|rotate|mtls|dpop) ---
cases=("open /open/file.txt - single")
# The same-token rows' ceiling: /open/ with the same Authorization header (the HS256 token,
# the shortest: the other rows' requests carry more bytes than their ceiling), so that
# reading a longer request, which every row pays whoever checks the token, is not counted
# as the module's work. Its ratio to the bare "open" row is that header's own cost.
cases+=("open-bearer /open/file.txt HS256 single")
# and each other algorithm's exact ceiling: /open/ with that row's own header (RS256, ES256 and
# EdDSA tokens are 40-300 bytes longer than the HS256 one), so that a row can be set against
# the request it sends, byte for byte, as well as against the strictest ceiling above
for a in RS256 ES256 EdDSA JWE-RS JWE-ES; do
  cases+=("open-bearer-$a /open/file.txt $a single")
done
for a in HS256:hs RS256:rs ES256:es EdDSA:ed JWE-RS:jwe-rs JWE-ES:jwe-es; do
  cases+=("${a%%:*} /${a##*:}/file.txt ${a%%:*} single")
done
# against RS256 (the same key, one token, a cache hit): the binding's cost per request
cases+=("RS256-mtls /rs-mtls/file.txt RS256-mtls mtls")
cases+=("RS256-dpop /rs-dpop/file.txt RS256-dpop dpop")
cases+=("HS256-nometrics /hs-nometrics/file.txt HS256 single")
# the same-token rows' floor: the HS256 header, accepted unchecked (httpd's own auth hooks)
cases+=("floor-auth /floor-auth/file.txt HS256 single")
# the HS256 location with AuthJWTRevocation On over $REVOCATION: against the HS256 row
[ -n "$revcache" ] && cases+=("HS256-rev-$REVOCATION /hs-rev/file.txt HS256 single")
if [ $have_openidc = 1 ]; then
  for a in HS256:hs RS256:rs ES256:es; do
    cases+=("openidc-${a%%:*} /oidc-${a##*:}/file.txt ${a%%:*} single")
  done
fi
# The distinct rows' ceiling: /open/ driven by the same rotating client (same request bytes,
# same wrk Lua cost on these two shared cores), so their difference is the module's work.
cases+=("open-distinct /open/file.txt HS256 rotate")
for a in HS256:hs RS256:rs ES256:es EdDSA:ed JWE-RS:jwe-rs JWE-ES:jwe-es; do
  cases+=("${a%%:*}-distinct /${a##*:}/file.txt ${a%%:*} rotate")
done
[ -n "$revcache" ] && cases+=("HS256-rev-$REVOCATION-distinct /hs-rev/file.txt HS256 rotate")
cases+=("HS256-nometrics-distinct /hs-nometrics/file.txt HS256 rotate")
# the in-httpd crypto floor under the same rotating tokens (bench/mod_bench_floor.c)
for a in HS256:hs RS256:rs ES256:es EdDSA:ed; do
  cases+=("floor-${a%%:*}-distinct /floor-${a##*:}/file.txt ${a%%:*} rotate")
done
if [ $have_openidc = 1 ]; then
  for a in HS256:hs RS256:rs ES256:es; do
    cases+=("openidc-${a%%:*}-distinct /oidc-${a##*:}/file.txt ${a%%:*} rotate")
  done
fi

if [ -n "${CASES:-}" ]; then
  keep=()
  for c in "${cases[@]}"; do [[ " $CASES " == *" ${c%% *} "* ]] && keep+=("$c"); done
  cases=("${keep[@]}")
fi

# Check every location first: a good token 200, a tampered one 401; never benchmark an error path.
for c in "${cases[@]}"; do
  read -r name path alg mode <<<"$c"
  [ "$alg" = - ] && continue
  [ "${path#/open/}" != "$path" ] && continue    # no auth there: nothing to check
  if [ "$mode" = mtls ] || [ "$mode" = dpop ]; then  # bound tokens: 200 with the binding, 401 without
    tok=$(head -1 "$state/single-$alg.txt")
    if [ "$mode" = mtls ]; then
      good=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" -H "Client-Cert: $(head -1 "$state/client-cert-field.txt")" "$(url_of "$path")")
      bad=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url_of "$path")")
    else   # the last proof of the file: the rounds use the ones before it
      last=$(tail -1 "$state/proofs-$alg.txt")
      good=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $tok" -H "DPoP: $last" "$(url_of "$path")")
      bad=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $tok" -H "DPoP: $last" "$(url_of "$path")")
    fi
    [ "$good" = 200 ] && [ "$bad" = 401 ] && continue
    echo "bench: $name ($path): bound $good, unbound/replayed $bad; expected 200/401" >&2
    tail -5 "$run/error.log" >&2
    exit 1
  fi
  if [ "$path" = /floor-auth/file.txt ]; then     # accepts any bearer token: 200, none 401
    good=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(head -1 "$state/single-$alg.txt")" "$(url_of "$path")")
    none=$(curl -s -o /dev/null -w '%{http_code}' "$(url_of "$path")")
    [ "$good" = 200 ] && [ "$none" = 401 ] && continue
    echo "bench: $name ($path): token $good, no token $none; expected 200/401" >&2
    exit 1
  fi
  tok=$(head -1 "$state/single-$alg.txt")
  good=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url_of "$path")")
  # tamper inside the signature (a full 6-bit character, never the last one: its low bits
  # may be padding, and a token ending in "AA" would be unchanged by a naive edit)
  i=$(( ${#tok} - 10 )); ch=${tok:i:1}; [ "$ch" = A ] && ch=B || ch=A
  bad=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${tok:0:i}$ch${tok:i+1}" "$(url_of "$path")")
  dtok=$(sed -n 2p "$state/tokens-$alg.txt")
  distinct=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $dtok" "$(url_of "$path")")
  if [ "$good" != 200 ] || [ "$bad" != 401 ] || [ "$distinct" != 200 ]; then
    echo "bench: $name ($path): good token $good, tampered $bad, distinct $distinct; expected 200/401/200" >&2
    tail -5 "$run/error.log" >&2
    exit 1
  fi
done
echo "locations checked: good token 200, tampered 401" >&2

cpu_ticks() {  # "utime stime" summed over every httpd process of this server, in clock ticks
  local parent pids u=0 k=0 p a b
  parent=$(cat "$run/httpd.pid")
  pids="$parent $(pgrep -P "$parent" | tr '\n' ' ')"
  for p in $pids; do
    [ -r /proc/$p/stat ] || continue
    read -r a b < <(awk '{print $14, $15}' /proc/$p/stat)
    u=$((u + a)); k=$((k + b))
  done
  echo "$u $k"
}
hz=$(getconf CLK_TCK)
results="$state/results.tsv"; : > "$results"
line=()
# Each round runs the rows in its own shuffled order (seeded: SEED=... reproduces it; ORDER=fixed
# runs them as listed, as the runs before 2026-11-29 13:00 did): in a fixed order a row always
# follows the same neighbour, and whatever that one leaves behind (a heavier load's scheduling
# and cache state, a burst of the host's other guests at the same point of every round) would
# bias that row's every round the same way instead of spreading over the rows.
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
ORDER=${ORDER:-shuffle}
round_order() {  # round -> the case indices in this round's order
  if [ "$ORDER" = fixed ]; then seq 0 $(( ${#cases[@]} - 1 )); return; fi
  seq 0 $(( ${#cases[@]} - 1 )) | shuf --random-source=<(openssl enc -aes-128-ctr -nosalt \
    -pass "pass:$SEED-$1" -pbkdf2 < /dev/zero 2>/dev/null)
}
[ "$ORDER" = fixed ] && echo "row order: fixed" >&2 || echo "row order: shuffled per round (SEED=$SEED)" >&2
for round in $(seq "$ROUNDS"); do
  for ci in $(round_order "$round"); do
    c=${cases[$ci]}
    read -r name path alg mode <<<"$c"
    args=(-t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency)
    if [ "$mode" = rotate ]; then
      args+=(-s "$here/rotate.lua" "$(url_of "$path")" -- "$state/tokens-$alg.txt")
    elif [ "$mode" = mtls ]; then
      args+=(-H "Authorization: Bearer $(head -1 "$state/single-$alg.txt")"
             -H "Client-Cert: $(head -1 "$state/client-cert-field.txt")" "$(url_of "$path")")
    elif [ "$mode" = dpop ]; then   # this round's own proofs: none is sent twice
      args+=(-s "$here/dpop.lua" "$(url_of "$path")" -- "$state/single-$alg.txt"
             "$state/proofs-$alg.txt" $(( (round - 1) * DPOP_PROOFS + 1 )) "$DPOP_PROOFS" "$THREADS")
    elif [ "$alg" != - ]; then
      args+=(-H "Authorization: Bearer $(head -1 "$state/single-$alg.txt")" "$(url_of "$path")")
    else
      args+=("$(url_of "$path")")
    fi
    read -r u0 k0 < <(cpu_ticks)
    out=$(wrk "${args[@]}")
    read -r u1 k1 < <(cpu_ticks)
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
    # total CPU (the issue's figure) and its user-space part: the module makes no system call
    # of its own, so its work is user time, while the kernel's share (network stack, epoll,
    # scheduling) is where most of this VM's run-to-run spread lives
    us=$(awk -v t=$((u1 - u0 + k1 - k0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    uus=$(awk -v t=$((u1 - u0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    line[$ci]=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$round" "$name" "$rps" "$us" "$non2xx" "$uus")
    printf 'round %s %-28s %10s req/s %8s us/req (user %s) non-2xx %s\n' "$round" "$name" "$rps" "$us" "$uus" "$non2xx" >&2
  done
  # in the listed order, whatever order the round ran in: table.awk lists rows as it meets them
  printf '%s\n' "${line[@]}" >> "$results"
done

rss_kb() { local t=0; for p in $(pgrep -P "$(cat "$run/httpd.pid")"); do t=$((t + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }

echo
echo "# mod_auth_jwt benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(/usr/sbin/apache2 -v | head -1 | cut -d: -f2 | sed 's/^ //'), mpm_event"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, $ROUNDS interleaved rounds ($([ "$ORDER" = fixed ] && echo "fixed order" || echo "shuffled per round, SEED=$SEED")), median; distinct = $DISTINCT tokens rotated; AuthJWTCacheSize ${CACHE_SIZE:-10000 (default)}; child RSS now $(rss_kb) kB"
echo
awk -F'\t' -f "$here/table.awk" "$results"
echo
echo "(-distinct rows are compared with open-distinct: /open/ driven by the same token-rotating wrk script)"
echo
# Once with one core busy, once with both (-multi 2): httpd runs verifications on both cores
# while wrk shares them, and a core verifies more slowly when the other is busy too (the two
# vCPUs share the host's core resources); the µs of the -multi row is per verify and core.
echo "openssl speed (verify/s; µs per verify on one core, and per verify and core with both busy):"
speed() {  # speed MULTI -> "alg verify/s" lines
  local multi=()
  [ "$1" -gt 1 ] && multi=(-multi "$1")
  openssl speed "${multi[@]}" -seconds 2 rsa2048 ecdsap256 ed25519 2>/dev/null | awk '
    /^rsa 2048/ {print "RS256", $NF} /ecdsa \(nistp256\)/ {print "ES256", $NF} /EdDSA \(Ed25519\)/ {print "EdDSA", $NF}'
  # (OpenSSL 3.0 labels the -multi HMAC line "hmac(md5)" although it ran sha256)
  openssl speed "${multi[@]}" -seconds 1 -bytes 256 -hmac sha256 2>/dev/null | awk '/^hmac\(/ {k = $2; sub("k", "", k); print "HS256", k * 1000 / 256}'
}
one=$(speed 1); two=$(speed 2)
printf '  %-6s %12s %9s %16s %11s\n' alg "1 core /s" "µs" "2 cores /s" "µs per core"
for alg in HS256 RS256 ES256 EdDSA; do
  a=$(awk -v a=$alg '$1 == a {print $2}' <<<"$one"); b=$(awk -v a=$alg '$1 == a {print $2}' <<<"$two")
  [ -n "$a" ] && [ -n "$b" ] && awk -v alg=$alg -v a="$a" -v b="$b" 'BEGIN {
    printf "  %-6s %12.0f %9.2f %16.0f %11.2f\n", alg, a, 1e6 / a, b, 2e6 / b }'
done

# The same verification without httpd or wrk: the core's own cost on top of the crypto,
# on one thread and on two (both cores busy, as in the -distinct rows).
if [ -x "$build/bench/verify-cost" ]; then
  echo
  "$build/bench/verify-cost" "$state" 2 1 || echo "bench: verify-cost failed" >&2
  echo
  "$build/bench/verify-cost" "$state" 2 2 || echo "bench: verify-cost failed" >&2
fi
# The JWE rows' floor: the bare OpenSSL decryption (and inner signature check) against the
# core's whole miss path, without httpd (bench/jwe-cost.c).
if [ -x "$build/bench/jwe-cost" ]; then
  echo
  "$build/bench/jwe-cost" "$state" 2 1 || echo "bench: jwe-cost failed" >&2
  echo
  "$build/bench/jwe-cost" "$state" 2 2 || echo "bench: jwe-cost failed" >&2
fi

# --- memory: fresh children, child RSS after 100k and after 1M requests of distinct HS256
# tokens (every request a cache miss and an insertion: the cache at full churn) ---
if [ "$MEMORY" = 1 ]; then
  /usr/sbin/apache2 -f "$run/httpd.conf" -k graceful
  sleep 2
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/open/file.txt" && break; sleep 0.1; done
  total=0 rss100k= 
  while [ "$total" -lt 1000000 ]; do
    out=$(wrk -t"$THREADS" -c"$CONNS" -d5s -s "$here/rotate.lua" "http://127.0.0.1:$port/hs/file.txt" -- "$state/tokens-HS256.txt")
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    [ -z "$bad" ] || { echo "bench: memory run got $bad non-2xx answers" >&2; exit 1; }
    total=$((total + n))
    if [ -z "$rss100k" ] && [ "$total" -ge 100000 ]; then rss100k=$(rss_kb); n100k=$total; fi
  done
  rss1m=$(rss_kb)
  echo
  echo "memory (HS256, $DISTINCT distinct tokens, fresh children): child RSS $rss100k kB after $n100k requests, $rss1m kB after $total requests ($(awk -v a="$rss100k" -v b="$rss1m" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}'))"
fi
