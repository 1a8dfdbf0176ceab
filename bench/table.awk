# bench/table.awk -- the benchmark's tables from its results file (bench/run.sh writes it to
# $BENCH_STATE/results.tsv: round, case, req/s, server CPU µs per request, non-2xx, and the
# user-space part of that CPU).
#   awk -F'\t' -f bench/table.awk "$BENCH_STATE/results.tsv"
# Medians over the rounds, and each row against its ceiling: /open/ sent the same request
# bytes, that is open-bearer (the same Authorization header) for the same-token rows and
# open-distinct (the same token-rotating client) for the -distinct rows; "open" (no header)
# is compared with itself, open-bearer with "open". The "per-round ratio" column pairs each
# round's row with the ceiling measured in that same round (min–max of the per-round ratios):
# on this shared VM the machine's speed drifts between rounds, and the range shows how much
# of a difference is drift. The user-CPU column is the part of the difference spent outside
# the kernel: the module makes no system call of its own, so its work shows there, without
# the network stack's and scheduler's spread.
# When open-bearer-<alg> rows are there (/open/ sent each algorithm's own token header), a
# table sets each same-token row against the request it sends byte for byte (HS256's is
# open-bearer itself): what is left is the module's work alone.
# When the authentication floor is there (floor-auth: the HS256 header accepted unchecked,
# bench/mod_bench_floor.c), a table sets each same-token row against it, per round: what the
# module's hit adds over httpd's own authentication and authorization of a protected location.
# (RS256, ES256 and EdDSA rows send longer headers than floor-auth; HS256's is the same.)
# When revocation rows are there (HS256-rev-<store>[-distinct]: the HS256 location with
# AuthJWTRevocation On, bench/run.sh REVOCATION=), a table sets each against the same location
# without revocation (HS256, HS256-distinct), per round: what the store lookups cost.
# When JWE rows are there (JWE-RS: RS256 inside RSA-OAEP-256 + A256GCM, JWE-ES: ES256 inside
# ECDH-ES + A256GCM; issue 24), a table sets each against its plain JWS row (RS256, ES256,
# same token and -distinct): what the decryption adds, per round.
# When the crypto-floor rows are there (floor-<alg>-distinct, bench/mod_bench_floor.c), a second
# table sets each algorithm's -distinct row against its floor: the server CPU per request the
# module adds over the bare signature check inside the same httpd, per round, median and range.
{ v[$2] = v[$2] " " $3; u[$2] = u[$2] " " $4; e[$2] += $5; rps[$2, $1] = $3; us[$2, $1] = $4
  if (NF >= 6) { uu[$2] = uu[$2] " " $6; uus[$2, $1] = $6 }
  if (!($1 in seenr)) { seenr[$1] = 1; rounds[++nr] = $1 }
  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
function median(s,   a, k, i, j, t) {
  k = split(s, a, " ")
  for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
function range(c, b,   i, k, x, lo, hi) {
  lo = ""; hi = ""
  for (i = 1; i <= nr; i++) { k = rounds[i]
    if (!((c, k) in rps) || !((b, k) in rps) || rps[b, k] == 0) continue
    x = rps[c, k] / rps[b, k]
    if (lo == "" || x < lo) lo = x
    if (hi == "" || x > hi) hi = x }
  return lo == "" ? "-" : sprintf("%.2f–%.2f", lo, hi) }
# median and range over the rounds of row m minus row c in the per-round table t ("us" / "uus")
function diff(m, c, t,   j, k, x, d, lo, hi) {
  d = ""; lo = ""; hi = ""
  for (j = 1; j <= nr; j++) { k = rounds[j]
    if (t == "us") { if (!((c, k) in us) || !((m, k) in us)) continue; x = us[m, k] - us[c, k] }
    else { if (!((c, k) in uus) || !((m, k) in uus)) continue; x = uus[m, k] - uus[c, k] }
    d = d " " x
    if (lo == "" || x < lo) lo = x
    if (hi == "" || x > hi) hi = x }
  return d == "" ? "- | -" : sprintf("%+.1f | %+.1f – %+.1f", median(d), lo, hi) }
function row_vs(c, b) {
  printf "| %s | %.3f | %+.1f | %s | %s |\n", c, median(v[c]) / median(v[b]), median(u[c]) - median(u[b]),
    ((c in uu) && (b in uu)) ? sprintf("%+.1f", median(uu[c]) - median(uu[b])) : "-", range(c, b) }
END {
  user = ("open" in uu) || ("open-distinct" in uu)
  printf "| case | req/s (median) | ratio to /open/ | server CPU µs/req | Δ µs vs /open/ |%s non-2xx | per-round ratio |\n", user ? " of which user µs |" : ""
  printf "|---|---:|---:|---:|---:|%s---:|---:|\n", user ? "---:|" : ""
  for (i = 1; i <= n; i++) { c = order[i]; r = median(v[c]); m = median(u[c])
    b = "open"
    if (c ~ /-distinct$/ && ("open-distinct" in v)) b = "open-distinct"
    else if (c != "open" && c != "open-bearer" && ("open-bearer" in v)) b = "open-bearer"
    base = median(v[b]); baseu = median(u[b]); if (base == 0) base = r   # CASES without /open/
    du = (user && (c in uu) && (b in uu)) ? sprintf(" %+.1f |", median(uu[c]) - median(uu[b])) : (user ? " - |" : "")
    printf "| %s | %.0f | %.3f | %.1f | %+.1f |%s %d | %s |\n", c, r, r / base, m, m - baseu, du, e[c], range(c, b) }
  nb = 0
  for (i = 1; i <= n; i++) { c = order[i]
    if (c !~ /^open-bearer-/) continue
    m = substr(c, 13); if (!(m in v)) continue
    if (!nb++) {
      printf "\n| same token | ratio to /open/ with its own header | Δ µs | of which user µs | per-round ratio |\n"
      printf "|---|---:|---:|---:|---:|\n"
      if ("HS256" in v && "open-bearer" in v) row_vs("HS256", "open-bearer") }
    row_vs(m, c) }
  if ("floor-auth" in v) {
    na = 0
    for (i = 1; i <= n; i++) { c = order[i]
      if (c !~ /^(HS256|RS256|ES256|EdDSA)$/) continue
      if (!na++) {
        printf "\n| same token | module − floor-auth µs (median) | per round |%s\n", user ? " of which user µs (median) | per round |" : ""
        printf "|---|---:|---:|%s\n", user ? "---:|---:|" : "" }
      printf "| %s | %s |%s\n", c, diff(c, "floor-auth", "us"), user ? " " diff(c, "floor-auth", "uus") " |" : "" } }
  nj = 0
  for (i = 1; i <= n; i++) { c = order[i]
    if (c !~ /^JWE-(RS|ES)(-distinct)?$/) continue
    m = c; sub(/^JWE-RS/, "RS256", m); sub(/^JWE-ES/, "ES256", m); if (!(m in v)) continue
    if (!nj++) {
      printf "\n| JWE row | its JWS row | req/s ratio JWE / JWS (median) | Δ µs/req | per-round ratio |\n"
      printf "|---|---|---:|---:|---:|\n" }
    printf "| %s | %s | %.3f | %+.1f | %s |\n", c, m, median(v[c]) / median(v[m]), median(u[c]) - median(u[m]), range(c, m) }
  nf = 0
  for (i = 1; i <= n; i++) { c = order[i]
    if (c !~ /^floor-.*-distinct$/) continue
    m = substr(c, 7); if (!(m in v)) continue
    if (!nf++) {
      printf "\n| alg | floor Δ µs vs open-distinct | module Δ µs vs open-distinct | module − floor µs (median) | per round |%s\n", user ? " module − floor, user µs (median) | per round |" : ""
      printf "|---|---:|---:|---:|---:|%s\n", user ? "---:|---:|" : "" }
    baseu = median(u["open-distinct"])
    printf "| %s | %+.1f | %+.1f | %s |%s\n", substr(m, 1, length(m) - 9), median(u[c]) - baseu, median(u[m]) - baseu, diff(m, c, "us"), user ? " " diff(m, c, "uus") " |" : "" }
  nr2 = 0
  for (i = 1; i <= n; i++) { c = order[i]
    if (c !~ /^HS256-rev-/) continue
    b = (c ~ /-distinct$/) ? "HS256-distinct" : "HS256"; if (!(b in v)) continue
    if (!nr2++) {
      printf "\n| revocation | against | req/s ratio | Δ µs/req (median) | per round |%s per-round ratio |\n", user ? " of which user µs (median) | per round |" : ""
      printf "|---|---|---:|---:|---:|%s---:|\n", user ? "---:|---:|" : "" }
    printf "| %s | %s | %.3f | %s |%s %s |\n", c, b, median(v[c]) / median(v[b]), diff(c, b, "us"), user ? " " diff(c, b, "uus") " |" : "", range(c, b) }
}
