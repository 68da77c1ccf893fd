"""parkdb's parcels table into pandas, against pandas.read_sql on the SQLite
file of the same workload, in the same run.

    cargo bench -p parkdb-bench --bench province -- --keep /tmp/province
    .venv/bin/python benches/python_bench.py /tmp/province
"""

import sqlite3
import sys
import time

import pandas as pd

import parkdb


def best_of(n, f):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(directory: str) -> None:
    db = parkdb.open(f"{directory}/province.parkdb")
    db.parcels()  # warm: the first read loads the in-memory view
    conn = sqlite3.connect(f"{directory}/province.sqlite")
    query = "select id as parcel_id, code, area_units / 10000.0 as area_mu, requisitioned, holder as holder_id, price_fen / 100.0 as price_yuan from parcel"
    t_parkdb, df1 = best_of(3, lambda: db.parcels().to_pandas())
    t_sqlite, df2 = best_of(3, lambda: pd.read_sql(query, conn))
    assert len(df1) == len(df2), (len(df1), len(df2))
    print("| row | parkdb | pandas.read_sql | parkdb / read_sql |")
    print("|---|---:|---:|---:|")
    print(f"| parcels ({len(df1):,} rows) to pandas | {t_parkdb:.3f} s | {t_sqlite:.3f} s | {t_parkdb / t_sqlite:.2f}× |")


if __name__ == "__main__":
    main(sys.argv[1])
