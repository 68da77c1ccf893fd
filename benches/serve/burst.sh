#!/usr/bin/env bash
# The dashboard's memory under a burst (a benchmark, not a test): CLIENTS
# requests at once (default 50) that differ only in `as_of`, each a table
# of its own to build, as image links on any page the officer visits could
# fire them. Prints the server's resident size before, at its peak during
# the burst (sampled every 20 ms from /proc) and a few seconds after, beside
# the budget it keeps (`--budget-mib`, default 2048), and how many requests
# were built (200) and told to retry (503).
#
#   bash benches/serve/burst.sh DATABASE [CLIENTS] [BUDGET_MIB]
#
# DATABASE: a park's database; the issue's figure is on one of 100,000
# parcels, e.g. the province benchmark's import at a tenth of its scale
# (`cargo bench -p parkdb-bench --bench province -- --scale 0.1
# --import-only parkdb --keep DIR`, then DIR/province.parkdb).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?usage: burst.sh DATABASE [CLIENTS] [BUDGET_MIB]}
clients=${2:-50}
budget=${3:-2048}
[ -d "$db" ] || { echo "no database at $db" >&2; exit 1; }
cargo build --release -q -p parkdb-cli --bin parkdb
port=${PARKDB_BURST_PORT:-8098}
log=$(mktemp)
target/release/parkdb --db "$db" serve --port "$port" --budget-mib "$budget" ${PARKDB_BURST_ARGS:-} >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 600); do grep -q serving "$log" && break; sleep 0.5; done
base="http://127.0.0.1:$port"
rss() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$server/status"; }
curl -s -o /dev/null "$base/api/summary?as_of=2020-12-31"
before=$(rss)
peak=$before
codes=$(mktemp)
for i in $(seq "$clients"); do
    day=$(date -d "2000-01-01 + $i days" +%Y-%m-%d)
    curl -s -o /dev/null -w "%{http_code}\n" "$base/api/events?as_of=$day&limit=1" >>"$codes" &
done
while [ "$(jobs -r | wc -l)" -gt 1 ]; do
    now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.02
done
wait_for=5
sleep "$wait_for"
after=$(rss)
built=$(grep -c '^200$' "$codes" || true)
busy=$(grep -c '^503$' "$codes" || true)
rm -f "$codes"
echo "| clients | budget | resident before | peak during | ${wait_for} s after | 200 | 503 |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
echo "| $clients | $budget MiB | $before MiB | $peak MiB | $after MiB | $built | $busy |"
echo
echo "(measured $(date +%Y-%m-%d) on $(nproc) cores)"
