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
    # Every stored parcel column with the holder's name: the facts parkdb's
    # parcels table holds (it also derives status, idleness and fees).
    query = (
        "select p.id as parcel_id, p.code, p.area_units, p.land_use, p.holder as holder_id, "
        "e.name as holder_name, p.certificate, p.price_fen, p.requisitioned, p.developed, "
        "p.certified, p.supplied, p.construction, p.completed "
        "from parcel p left join enterprise e on e.id = p.holder"
    )
    print("| row | parkdb | pandas.read_sql | parkdb / read_sql |")
    print("|---|---:|---:|---:|")
    for backend in (None, "pyarrow"):
        t_parkdb, df1 = best_of(3, lambda: db.parcels().to_pandas(dtype_backend=backend))
        if backend is None:
            t_sqlite, df2 = best_of(3, lambda: pd.read_sql(query, conn))
        else:
            t_sqlite, df2 = best_of(3, lambda: pd.read_sql(query, conn, dtype_backend=backend))
        assert len(df1) == len(df2), (len(df1), len(df2))
        label = "default dtypes" if backend is None else f'dtype_backend="{backend}"'
        print(
            f"| parcels ({len(df1):,} rows) to pandas, {label} | {t_parkdb:.3f} s | {t_sqlite:.3f} s "
            f"| {t_parkdb / t_sqlite:.2f}× |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
