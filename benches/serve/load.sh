#!/usr/bin/env bash
# The load test of `parkdb serve` (a benchmark, not a test): CLIENTS
# concurrent clients (default 50) for SECONDS (default 20) on each of a few
# pages and API reads of the province-scale database, with wrk (Debian's
# `wrk`, installed when absent) on loopback. Prints requests per second and
# the 99th percentile latency per row.
#
#   cargo bench -p parkdb-bench --bench province -- --import-only parkdb --keep DIR
#   bash benches/serve/load.sh DIR/p.parkdb [SECONDS] [CLIENTS]
#
# (the province benchmark's import alone: a million parcels, half a million
# firms, five million yearly rows; `--keep DIR` on a full run leaves
# DIR/province.parkdb, which serves as well.)
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?usage: load.sh DATABASE [SECONDS] [CLIENTS] (a database of the province benchmark)}
seconds=${2:-20}
clients=${3:-50}
[ -d "$db" ] || { echo "no database at $db: see the comment at the top of $0" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p parkdb-cli --bin parkdb
port=${PARKDB_LOAD_PORT:-8097}
log=$(mktemp)
target/release/parkdb --db "$db" serve --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 600); do grep -q serving "$log" && break; sleep 0.5; done
base="http://127.0.0.1:$port"
# The first read of the snapshot folds the parcels' and the register's events.
cold=$(curl -s -o /dev/null -w "%{time_total}" "$base/api/parcels?limit=1")
code=$(curl -s "$base/api/parcels?limit=1" | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')

# Each row's first request pays the one-time costs (folding the view,
# reading the table, sorting); they are timed apart, then the load runs.
rows=(
  "parcels table page|/parcels?page=2"
  "parcels filtered by status, page 3|/parcels?status=completed&page=3"
  "enterprises sorted by name, page 10|/enterprises?sort=name&page=10"
  "API: 100 parcels as JSON|/api/parcels?offset=5000&limit=100"
  "API: 1,000 parcels as Arrow|/api/parcels?offset=20000&limit=1000&format=arrow"
  "a parcel's profile|/parcels/$code"
  "land figures as of a date (JSON)|/api/summary?as_of=2020-12-31"
)
lua=$(mktemp --suffix=.lua)
cat >"$lua" <<'LUA'
-- Random pages of the parcels table (the rows a selection keeps are kept).
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/parcels?status=completed&page=" .. math.random(1, 5000))
end
LUA
echo "first read of the snapshot (folds the parcels and, for holder names, the register): ${cold} s"
echo
echo "| row ($clients clients, ${seconds} s each) | first request | requests/s | p50 | p99 |"
echo "|---|---:|---:|---:|---:|"
run() {
    local label=$1 path=$2 script=${3:-}
    local first
    first=$(curl -s -o /dev/null -w "%{time_total}" "$base$path")
    local out
    if [ -n "$script" ]; then
        out=$(wrk -t2 -c"$clients" -d"${seconds}s" --timeout 30s --latency -s "$script" "$base")
    else
        out=$(wrk -t2 -c"$clients" -d"${seconds}s" --timeout 30s --latency "$base$path")
    fi
    local rps p50 p99 errors
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    [ -z "$errors" ] || label="$label ($errors non-2xx)"
    timeouts=$(echo "$out" | sed -n 's/.*timeout \([0-9]*\).*/\1/p')
    [ -z "$timeouts" ] || [ "$timeouts" = 0 ] || label="$label ($timeouts timed out)"
    printf "| %s | %.3f s | %s | %s | %s |\n" "$label" "$first" "$rps" "$p50" "$p99"
}
for row in "${rows[@]}"; do run "${row%%|*}" "${row#*|}"; done
run "random pages of the filtered parcels" "/parcels?status=completed&page=1" "$lua"
rm -f "$lua"
echo
echo "(measured $(date +%Y-%m-%d) on $(nproc) cores; wrk and the server share them)"
