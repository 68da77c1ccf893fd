"""The anchor of the export row: DuckDB's own `COPY … TO parquet` of the
province benchmark's SQLite tables, in a process of its own, printing its
time, rows and peak resident size as JSON.

DuckDB reads SQLite through its `sqlite_scanner` extension, which it
downloads on first use; where the machine reaches no download site, the
extension's PyPI package (the same version as DuckDB) is loaded from its
file. `benches/dataset_bench.py --anchor PYTHON` runs this under PYTHON:

    python3 -m venv /tmp/anchor
    /tmp/anchor/bin/pip install duckdb==1.5.5 duckdb-extension-sqlite-scanner==1.5.5
    .venv/bin/python benches/dataset_bench.py /tmp/province --anchor /tmp/anchor/bin/python
"""

import json
import pathlib
import shutil
import sqlite3
import sys
import time

import duckdb


def load_sqlite(con: duckdb.DuckDBPyConnection) -> None:
    try:
        import duckdb_extension_sqlite_scanner as ext
    except ImportError:
        con.execute("INSTALL sqlite")
        con.execute("LOAD sqlite")
        return
    found = sorted(pathlib.Path(ext.__file__).parent.glob("extensions/*/sqlite_scanner.duckdb_extension"))
    con.execute(f"LOAD '{found[-1]}'")


def main(sqlite: str, out: str) -> None:
    target = pathlib.Path(out)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    con = duckdb.connect()
    load_sqlite(con)
    # Every table (sqlite_scan reads WITHOUT ROWID tables too, which an
    # ATTACH's parallel scan refuses); the R*-tree's shadow tables are
    # SQLite's index, not data.
    db = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True)
    tables = [
        name for (name,) in db.execute(
            "select name from sqlite_master where type = 'table' and name not like 'parcel_rtree%'"
        )
    ]
    rows = sum(db.execute(f"select count(*) from {name}").fetchone()[0] for name in tables)
    db.close()
    start = time.perf_counter()
    for name in tables:
        con.execute(
            f"COPY (SELECT * FROM sqlite_scan('{sqlite}', '{name}')) "
            f"TO '{target / name}.parquet' (FORMAT parquet, COMPRESSION snappy)"
        )
    seconds = time.perf_counter() - start
    # The process's own high-water mark (ru_maxrss would carry the forking
    # parent's across the exec).
    peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))
    print(json.dumps({"seconds": seconds, "rows": rows, "tables": len(tables), "peak_bytes": peak}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
