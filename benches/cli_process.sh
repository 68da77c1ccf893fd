#!/usr/bin/env bash
# The `parkdb` command as a new process at province scale, against the
# `sqlite3` command on the same data: what an officer's script pays per
# call (open, fold what the read needs, answer). A benchmark, not a test.
#
#   cargo bench -p parkdb-bench --bench province -- --keep DIR
#   bash benches/cli_process.sh DIR [RUNS]
#
# Each row is the median of RUNS (default 5) fresh processes, by hyperfine
# (Debian's, installed when absent), with sqlite3 likewise.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: cli_process.sh DIR [RUNS] (DIR from the province benchmark with --keep)}
runs=${2:-5}
pk="$dir/province.parkdb"
sq="$dir/province.sqlite"
[ -d "$pk" ] && [ -f "$sq" ] || { echo "no $pk and $sq: run the province benchmark with --keep $dir" >&2; exit 1; }
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release -q -p parkdb-cli --bin parkdb
parkdb="$PWD/target/release/parkdb --db $pk"
as_of=2020-12-31
day=$(( $(date -d "$as_of" +%s) / 86400 ))
year=2022
end=$(( $(date -d "$year-12-31" +%s) / 86400 ))
# The land figures as of a date (as the benchmark's summary_sqlite).
summary_sql="select coalesce(sum(area_units), 0),
  coalesce(sum(case when developed <= $day then area_units end), 0),
  coalesce(sum(case when certified <= $day then area_units end), 0),
  coalesce(sum(case when supplied <= $day then area_units end), 0),
  coalesce(sum(case when construction <= $day and (completed is null or completed > $day) then area_units end), 0),
  coalesce(sum(case when completed <= $day then area_units end), 0)
  from parcel where requisitioned <= $day;"
# Two of the scheme's items (亩均税收, 亩均增加值) scored and ranked, as the
# dataset benchmark's SQL: SQL has no evaluation engine to run the rest.
evaluate_sql="with land as (select holder as firm, sum(area_units / 10000.0) as mu from parcel
    where holder is not null and supplied <= $end group by 1)
  select y.enterprise, min(((tax_fen / 100.0) / 10000.0) / land.mu / 24.097, 2.0) * 30
       + min(((value_added_fen / 100.0) / 10000.0) / land.mu / 136.16, 2.0) * 20 as score
  from yearly y join land on land.firm = y.enterprise
  where y.year = $year and land.mu > 0 order by score desc, y.enterprise;"
json=$(mktemp)
trap 'rm -f "$json"' EXIT
row() {
    local label=$1 ours=$2 theirs=$3
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" \
        -n parkdb "$ours > /dev/null" -n sqlite3 "sqlite3 $sq \"$theirs\" > /dev/null" >/dev/null
    python3 - "$label" "$json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = {x["command"]: x for x in json.load(open(path))["results"]}
p, s = r["parkdb"], r["sqlite3"]
spread = lambda x: max(x["times"]) - min(x["times"])
print(f"| {label} | {p['median']:.3f} s (±{spread(p) / 2:.3f}) | {s['median']:.3f} s (±{spread(s) / 2:.3f}) | {p['median'] / s['median']:.2f}× |")
PY
}
echo "| row (a new process each, median of $runs) | parkdb | sqlite3 | parkdb / sqlite3 |"
echo "|---|---:|---:|---:|"
row "\`parkdb summary --as-of $as_of\` / the land figures' aggregate" "$parkdb summary --as-of $as_of" "$summary_sql"
row "\`parkdb evaluate huangyan_2022 $year\` (the whole scheme) / two items scored in SQL" "$parkdb evaluate huangyan_2022 $year" "$evaluate_sql"
row "\`parkdb report $year\` (every figure) / the land figures' aggregate" "$parkdb report $year" "$summary_sql"
echo
echo "(measured $(date +%Y-%m-%d) on $(nproc) cores)"
