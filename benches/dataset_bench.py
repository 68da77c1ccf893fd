"""The province workload as a Parquet dataset: parkdb's export, then DuckDB
and polars over it against SQLite over the same data, in the same run, with
the same answers asserted.

    cargo bench -p parkdb-bench --bench province -- --keep /tmp/province
    .venv/bin/python benches/dataset_bench.py /tmp/province [--anchor PYTHON]

The export row runs parkdb's export in a process of its own, three times
(median, spread, the largest peak resident size); with `--anchor PYTHON`
(a Python with DuckDB and its SQLite extension, see
`benches/export_anchor.py`) DuckDB's own `COPY … TO parquet` of SQLite's
tables is measured beside it the same way.

The workload is one database: it is exported as one park, so "per park"
groups have one park; what is measured is the scan and the aggregate of a
million parcels and five million yearly rows, which a province of many
parks pays the same way.
"""

import datetime
import json
import os
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import time

import duckdb
import polars as pl

import parkdb
from parkdb import schemes

YEAR = 2022
# The benchmark's flushed-write row allocates SQLite's first 100 parcels in
# place (parkdb's go to a database of their own): both sides leave them out.
SKIP = 100


def median_of(n, f):
    times, out = [], None
    for _ in range(n):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times) - min(times), out


# One export in a process of its own: its time and peak resident size.
EXPORT = """
import json, sys, time
import parkdb
db = parkdb.open(sys.argv[1], read_only=True)
start = time.perf_counter()
m = db.export_parquet(sys.argv[2], park="province", as_of=sys.argv[3])
seconds = time.perf_counter() - start
# The process's own high-water mark (ru_maxrss would carry the forking
# parent's across the exec).
peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "rows": sum(m["rows"].values()), "tables": len(m["rows"]), "peak_bytes": peak}))
"""


def in_processes(n, argv):
    """`argv` run `n` times: the median time, the spread, the peaks (the
    least and the largest) and the last run's report."""
    runs = [json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
            for _ in range(n)]
    times = [r["seconds"] for r in runs]
    peaks = [r["peak_bytes"] for r in runs]
    return (statistics.median(times), max(times) - min(times),
            (min(peaks), max(peaks)), runs[-1])


def mib(peaks):
    low, high = peaks
    return f"{low / 2**20:,.0f}" + ("" if high == low else f"–{high / 2**20:,.0f}") + " MiB"


def size(path: pathlib.Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# The cross-park evaluation as SQL, the same in both engines: land per
# holder, 亩均税收 and 亩均增加值 against Huangyan's benchmarks (capped at
# twice their weight), every firm with land and figures, best first.
EVALUATION = """
with land as (
    select {holder} as firm, sum({area}) as mu from {parcels} where {current} group by 1
)
select y.{firm} as firm,
       {least}(({tax} / 10000.0) / land.mu / 24.097, 2.0) * 30
     + {least}(({va} / 10000.0) / land.mu / 136.16, 2.0) * 20 as score
from {yearly} y join land on land.firm = y.{firm}
where y.year = {year} and land.mu > 0
order by score desc, firm
"""


def main(directory: str, anchor: str | None) -> None:
    base = pathlib.Path(directory)
    out = base / "dataset"
    # As of the evaluated year's end, as a province collects a year; SQLite
    # reads the same date from its lifecycle columns.
    export_time, export_spread, export_peak, exported = in_processes(
        3, [sys.executable, "-c", EXPORT, str(base / "province.parkdb"), str(out), f"{YEAR}-12-31"])
    db = parkdb.open(base / "province.parkdb", read_only=True)
    conn = sqlite3.connect(base / "province.sqlite")
    manifest = json.loads((out / "_manifests" / "park=province.json").read_text())
    manifest = {"rows": {f["path"].split("/")[0]: f["rows"] for f in manifest["files"]}}
    assert sum(manifest["rows"].values()) == exported["rows"]
    end = (datetime.date(YEAR, 12, 31) - datetime.date(1970, 1, 1)).days
    parcels_glob = f"{out}/parcels/*/*.parquet"
    yearly_glob = f"{out}/yearly/*/*.parquet"
    rows = []

    # Land per park: parcels, and those supplied, with their area.
    duck_land = (
        f"select park, holder_id is not null as supplied, count(*) as n, sum(area_mu) as mu "
        f"from read_parquet('{parcels_glob}', hive_partitioning = true) "
        f"where status <> 'retired' and parcel_id > {SKIP} group by all order by all"
    )
    t_duck, s_duck, land_duck = median_of(5, lambda: duckdb.sql(duck_land).fetchall())
    t_pl, s_pl, land_pl = median_of(
        5,
        lambda: pl.scan_parquet(parcels_glob, hive_partitioning=True)
        .filter((pl.col("status") != "retired") & (pl.col("parcel_id") > SKIP))
        .group_by(["park", pl.col("holder_id").is_not_null().alias("supplied")])
        .agg(pl.len().alias("n"), pl.col("area_mu").sum().alias("mu"))
        .sort(["park", "supplied"])
        .collect(),
    )
    sqlite_land = (
        f"select holder is not null and supplied <= {end} as supplied, count(*), sum(area_units) "
        f"from parcel where requisitioned <= {end} and id > {SKIP} group by 1 order by 1"
    )
    t_sql, s_sql, land_sql = median_of(5, lambda: conn.execute(sqlite_land).fetchall())
    want = [(bool(s), n, units) for s, n, units in land_sql]
    got = [(s, n, int(mu * 10000)) for _, s, n, mu in land_duck]
    assert got == want, (got, want)
    assert [(r["supplied"], r["n"]) for r in land_pl.to_dicts()] == [(s, n) for s, n, _ in want]
    rows.append(("land per park (DuckDB on Parquet)", t_duck, s_duck, t_sql, s_sql))
    rows.append(("land per park (polars on Parquet)", t_pl, s_pl, t_sql, s_sql))

    # The cross-park evaluation in SQL.
    duck_eval = EVALUATION.format(
        holder="holder_id", area="cast(area_mu as double)", least="least",
        parcels=f"read_parquet('{parcels_glob}', hive_partitioning = true)",
        current=f"status <> 'retired' and holder_id is not null and parcel_id > {SKIP}",
        firm="enterprise_id", tax="cast(tax_yuan as double)",
        va="cast(value_added_yuan as double)",
        yearly=f"read_parquet('{yearly_glob}', hive_partitioning = true)", year=YEAR)
    sqlite_eval = EVALUATION.format(
        holder="holder", area="area_units / 10000.0", least="min", parcels="parcel",
        current=f"holder is not null and supplied <= {end} and id > {SKIP}", firm="enterprise", tax="(tax_fen / 100.0)",
        va="(value_added_fen / 100.0)", yearly="yearly", year=YEAR)
    t_duck, s_duck, eval_duck = median_of(3, lambda: duckdb.sql(duck_eval).fetchall())
    t_sql, s_sql, eval_sql = median_of(3, lambda: conn.execute(sqlite_eval).fetchall())
    assert len(eval_duck) == len(eval_sql), (len(eval_duck), len(eval_sql))
    for (a, x), (b, y) in zip(eval_duck[:1000], eval_sql[:1000]):
        assert a == b and abs(x - y) < 1e-6, (a, x, b, y)
    rows.append((f"cross-park evaluation, SQL ({len(eval_duck):,} firms, DuckDB)", t_duck, s_duck, t_sql, s_sql))

    # parkdb's own evaluation of the dataset (the whole Huangyan scheme, no
    # database opened) against the database's evaluation.
    scheme = schemes.huangyan_2022()
    t_set, s_set, from_set = median_of(3, lambda: parkdb.evaluate_dataset(out, scheme, YEAR))
    t_db, s_db, from_db = median_of(3, lambda: db.evaluate(scheme, YEAR))
    graded = lambda t: t.to_pandas()["grade"].value_counts().to_dict()  # noqa: E731
    assert graded(from_set) == graded(from_db)
    rows.append(("parkdb.evaluate_dataset vs db.evaluate (Huangyan, in memory)", t_set, s_set, t_db, s_db))

    print(f"export: {export_time:.1f} s (median of 3, spread {export_spread:.1f} s), "
          f"peak {mib(export_peak)}, {exported['rows']:,} rows in "
          f"{exported['tables']} tables; dataset {size(out) / 2**20:.1f} MiB, "
          f"SQLite file {size(base / 'province.sqlite') / 2**20:.1f} MiB, "
          f"parkdb database {size(base / 'province.parkdb') / 2**20:.1f} MiB")
    print()
    print("| row | on Parquet | spread | reference | spread | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, a, sa, b, sb in rows:
        print(f"| {label} | {a:.3f} s | {sa:.3f} | {b:.3f} s | {sb:.3f} | {a / b:.2f}× |")
    if anchor:
        # DuckDB's own COPY of SQLite's tables, each run in a process of
        # its own like parkdb's export.
        script = str(pathlib.Path(__file__).with_name("export_anchor.py"))
        a_time, a_spread, a_peak, copied = in_processes(
            3, [anchor, script, str(base / "province.sqlite"), str(base / "duckdb-copy")])
        print()
        print("| export to Parquet | rows | tables | time | spread | peak |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| parkdb `export_parquet` | {exported['rows']:,} | {exported['tables']} | "
              f"{export_time:.1f} s | {export_spread:.1f} | {mib(export_peak)} |")
        print(f"| DuckDB `COPY … TO parquet` of SQLite's tables | {copied['rows']:,} | "
              f"{copied['tables']} | {a_time:.1f} s | {a_spread:.1f} | {mib(a_peak)} |")
        print(f"| ratio per row | | | {(export_time / exported['rows']) / (a_time / copied['rows']):.2f}× | | |")
    db.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    anchor = None
    if "--anchor" in args:
        i = args.index("--anchor")
        anchor = args[i + 1]
        del args[i:i + 2]
    main(args[0] if args else os.environ.get("PARKDB_BENCH_DIR", "/tmp/province"), anchor)
