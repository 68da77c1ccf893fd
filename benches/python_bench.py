"""parkdb's parcels table into pandas, against pandas.read_sql on the SQLite
file of the same workload, in the same run: each cell the median of RUNS
calls (default 5) with half their spread, under the pandas installed (its
version is printed: pandas 2 makes Python objects of text, pandas 3
Arrow-backed `str` columns, for both sides alike).

    cargo bench -p parkdb-bench --bench province -- --keep /tmp/province
    .venv/bin/python benches/python_bench.py /tmp/province [RUNS]
"""

import sqlite3
import statistics
import sys
import time

import pandas as pd

import parkdb


def median_of(n, f):
    """The median time of `n` calls, half the spread, and the last result."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), (max(times) - min(times)) / 2, out


def main(directory: str, runs: int) -> None:
    db = parkdb.open(f"{directory}/province.parkdb")
    db.parcels()  # warm: the first read loads the in-memory view
    conn = sqlite3.connect(f"{directory}/province.sqlite")
    # Every stored parcel column with the holder's name: the facts parkdb's
    # parcels table holds (it also derives status, idleness and fees).
    query = (
        "select p.id as parcel_id, p.code, p.area_units, p.land_use, p.holder as holder_id, "
        "e.name as holder_name, p.certificate, p.price_fen, p.requisitioned, p.developed, "
        "p.certified, p.supplied, p.construction, p.completed "
        "from parcel p left join enterprise e on e.id = p.holder"
    )
    print(f"pandas {pd.__version__}, median of {runs} with half the spread")
    print()
    print("| row | parkdb | pandas.read_sql | parkdb / read_sql |")
    print("|---|---:|---:|---:|")
    for backend in (None, "pyarrow"):
        t_parkdb, s_parkdb, df1 = median_of(runs, lambda: db.parcels().to_pandas(dtype_backend=backend))
        if backend is None:
            t_sqlite, s_sqlite, df2 = median_of(runs, lambda: pd.read_sql(query, conn))
        else:
            t_sqlite, s_sqlite, df2 = median_of(runs, lambda: pd.read_sql(query, conn, dtype_backend=backend))
        assert len(df1) == len(df2), (len(df1), len(df2))
        label = "default dtypes" if backend is None else f'dtype_backend="{backend}"'
        print(
            f"| parcels ({len(df1):,} rows) to pandas, {label} | {t_parkdb:.3f} s (±{s_parkdb:.3f}) "
            f"| {t_sqlite:.3f} s (±{s_sqlite:.3f}) | {t_parkdb / t_sqlite:.2f}× |"
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
