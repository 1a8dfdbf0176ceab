#!/usr/bin/env bash
# Group "layers": the include rules of docs/ARCHITECTURE.md (tests/tools/layers.py), one
# test per rule, each failure naming the offending files:
#   cycles     no include cycle among the glue units of mod_auth_jwt/ (depend only downward)
#   core       no mod_auth_jwt/core/ file includes an httpd header or a glue header
#   admin-cgi  no admin-cgi/ file includes a glue header
#   kinds      authn.c, token_find.c, signature.c, verify_cache.c name no key source kind
#   size       no C file of mod_auth_jwt/, mod_auth_jwt/core/ or admin-cgi/ over 600 lines
# A fifth test plants one violation of each rule in a scratch copy of the tree and
# checks that the script reports each of them (the checker itself can fail).
# Needs python3 (standard library only); no build.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
script="$top/tests/tools/layers.py"
passed=0 failed=0 skipped=0
result() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

if ! command -v python3 >/dev/null; then
    echo "layers: python3 missing (apt-get install python3)"
    failed=1; result
fi

for rule in cycles core admin-cgi kinds size; do
    out="$(python3 "$script" --root "$top" "$rule" 2>&1)"; rc=$?
    echo "$out"
    if [ "$rc" -eq 0 ] && grep -q "^ok $rule" <<<"$out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

# The checker catches what it is for: a scratch tree with a two-unit cycle, a core file
# including http_log.h and one including a glue header, a CGI file including glue, and a
# verifier calling the remote JWKS by name.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mod_auth_jwt/core" "$work/admin-cgi"
printf '#include "b.h"\n' > "$work/mod_auth_jwt/a.h"
printf '#include "a.h"\n' > "$work/mod_auth_jwt/b.c"
printf '\n' > "$work/mod_auth_jwt/b.h"
printf '#include "http_log.h"\n' > "$work/mod_auth_jwt/core/c1.c"
printf '#include "a.h"\n' > "$work/mod_auth_jwt/core/c2.c"
printf '#include "b.h"\n' > "$work/admin-cgi/page.c"
printf 'int f(void) { return jwks_verify(0); }\n' > "$work/mod_auth_jwt/signature.c"
for i in $(seq 601); do echo "/* line $i */"; done > "$work/admin-cgi/long.c"
out="$(python3 "$script" --root "$work" 2>&1)"; rc=$?
echo "$out" | sed 's/^/  planted: /'
if [ "$rc" -ne 0 ] && grep -q '^FAIL cycles' <<<"$out" && grep -q 'a -> b -> a' <<<"$out" \
   && grep -q 'core/c1.c includes "http_log.h"' <<<"$out" \
   && grep -q 'core/c2.c includes "a.h" (a glue header)' <<<"$out" \
   && grep -q 'admin-cgi/page.c includes "b.h"' <<<"$out" \
   && grep -q 'signature.c:1 names a key source kind (jwks_verify(' <<<"$out" \
   && grep -q 'admin-cgi/long.c: 601 lines' <<<"$out"; then
    echo "ok the checker reports each planted violation"
    passed=$((passed + 1))
else
    echo "FAIL the checker missed a planted violation (exit $rc)"
    failed=$((failed + 1))
fi
result
