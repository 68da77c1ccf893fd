"""Tables go to pyarrow, pandas, polars and DuckDB through the Arrow C stream."""

import datetime as dt
import threading
from decimal import Decimal

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import parkdb


def _norm(v):
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT or v is pd.NA:
        return None
    return v


def test_round_trip_through_every_engine(seed):
    t = seed.parcels(as_of="2004-12-31")
    rows = t.to_pylist()
    assert len(rows) == len(t) > 50
    assert isinstance(rows[0]["area_mu"], Decimal)
    assert isinstance(rows[0]["requisitioned"], dt.date)

    at = pa.table(t)
    assert at.schema.field("area_mu").type == pa.decimal128(18, 6)
    assert at.schema.field("price_yuan").type == pa.decimal128(18, 2)
    assert at.schema.field("requisitioned").type == pa.date32()
    assert at.to_pylist() == rows
    assert t.to_arrow().equals(at)

    assert pl.DataFrame(t).to_dicts() == rows
    assert t.to_polars().to_dicts() == rows

    df = t.to_pandas(exact=True)
    assert list(df.columns) == t.columns
    from_pandas = [{k: _norm(v) for k, v in r.items()} for r in df.to_dict("records")]
    assert from_pandas == rows

    got = duckdb.sql("select * from t order by parcel_id").fetchall()
    assert [dict(zip(t.columns, r)) for r in got] == rows
    total = duckdb.sql("select sum(area_mu) from t where status <> 'retired'").fetchall()[0][0]
    assert total == seed.land_summary(as_of="2004-12-31").requisitioned_mu


def test_empty_tables_keep_their_columns(db):
    t = db.parcels()
    assert len(t) == 0
    assert "area_mu" in t.columns
    assert pa.table(t).num_rows == 0


def test_reads_from_several_threads(seed):
    want = seed.land_summary(as_of="2005-12-31").to_dict()
    rows = len(seed.parcels())
    errors = []

    def read():
        try:
            for _ in range(20):
                assert seed.land_summary(as_of="2005-12-31").to_dict() == want
                assert len(seed.parcels(status="completed")) == 52
                assert len(seed.parcels()) == rows
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_writers_on_several_threads_lose_nothing(db):
    def write(k):
        for i in range(25):
            db.add_parcel(f"T{k}-{i}", "1.5", requisitioned="2005-01-01")

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(db.parcels()) == 100
    assert db.land_summary(as_of="2005-12-31").requisitioned_mu == Decimal("150")
    assert db.check().clean


def test_missing_optional_libraries_give_a_clear_message(seed, monkeypatch):
    import sys

    import pytest

    t = seed.parcels()
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match="pip install parkdb\\[polars\\]"):
        t.to_polars()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match="pyarrow"):
        t.to_arrow()
    # Without any of them the rows still come out.
    assert len(t.to_pylist()) == len(t)


def test_to_pandas_with_pandas_dtype_backends(seed):
    t = seed.parcels(as_of="2004-12-31")
    rows = t.to_pylist()
    arrow = t.to_pandas(dtype_backend="pyarrow", exact=True)
    assert isinstance(arrow["area_mu"].dtype, pd.ArrowDtype)
    assert arrow["area_mu"].dtype.pyarrow_dtype == pa.decimal128(18, 6)
    assert isinstance(arrow["code"].dtype, pd.ArrowDtype)
    assert [_norm(v) for v in arrow["area_mu"].tolist()] == [r["area_mu"] for r in rows]
    assert arrow["code"].tolist() == [r["code"] for r in rows]
    assert arrow["holder_id"].isna().sum() == sum(r["holder_id"] is None for r in rows)

    nullable = t.to_pandas(dtype_backend="numpy_nullable", exact=True)
    assert nullable["parcel_id"].dtype == pd.UInt64Dtype()
    assert nullable["code"].dtype == pd.StringDtype()
    assert nullable["idle"].dtype == pd.BooleanDtype()
    assert nullable["holder_id"].isna().sum() == arrow["holder_id"].isna().sum()
    assert [_norm(v) for v in nullable["area_mu"].tolist()] == [r["area_mu"] for r in rows]

    try:
        t.to_pandas(dtype_backend="numpy")
    except ValueError as e:
        assert "dtype_backend" in str(e)
    else:
        raise AssertionError("an unknown dtype_backend must be refused")


def test_default_to_pandas_is_for_computing(seed):
    """#14, point 2: the default frame computes and plots as pandas users expect."""
    t = seed.parcels(as_of="2004-12-31")
    rows = t.to_pylist()
    df = t.to_pandas()
    assert df["supplied_on"].dt.year.dropna().astype(int).min() >= 1990
    assert df["area_mu"].dtype == "float64" and df["price_yuan"].dtype == "float64"
    by_use = df.groupby("land_use").area_mu.sum()
    assert by_use.sum() == pytest.approx(float(sum(r["area_mu"] for r in rows)))
    assert (df["price_yuan"] * 0.2).notna().sum() == sum(r["price_yuan"] is not None for r in rows)
    assert df["holder_id"].dtype == pd.Int64Dtype()
    assert df["idle"].dtype == pd.BooleanDtype()
    held = df["holder_id"].dropna().iloc[0]
    assert seed.enterprise(held)["enterprise_id"] == held  # the id goes back into the API
    assert (df["requisitioned"] > pd.Timestamp("1990-01-01")).all()
    arrow = t.to_pandas(dtype_backend="pyarrow")
    assert (arrow["supplied_on"] > pd.Timestamp("2000-01-01")).any()
    assert arrow.sort_values("parcel_id")["area_mu"].pct_change(fill_method=None).notna().any()
    exact = t.to_pandas(exact=True)
    assert exact["area_mu"].map(type).eq(Decimal).all()


@pytest.mark.parametrize(
    ("backend", "exact"),
    [(None, False), (None, True), ("numpy_nullable", False), ("pyarrow", False)],
)
def test_a_frame_from_to_pandas_can_be_written_to(seed, backend, exact):
    """Analysts correct and derive columns in place: no column of the frame
    may be a read-only view of Arrow's memory (which a conversion that
    keeps a block per column gives, and which refuses assignment)."""
    df = seed.parcels(as_of="2004-12-31").to_pandas(dtype_backend=backend, exact=exact)
    assert len(df) > 2
    for column in df.columns:
        df.loc[0, column] = df.loc[1, column]
        assert repr(df.loc[0, column]) == repr(df.loc[1, column]), column
    df["area_mu"] += 1 if not exact else Decimal(1)
    df.iloc[1, list(df.columns).index("area_mu")] = df["area_mu"].iloc[2]
    assert df["area_mu"].iloc[1] == df["area_mu"].iloc[2]


def _pyarrow_for_computing(table):
    """pyarrow's own casts of the decimals to floats and the dates to
    timestamps, field by field: what parkdb's native casts must give."""
    for i, column in enumerate(table.columns):
        name = table.column_names[i]
        if pa.types.is_decimal(column.type):
            table = table.set_column(i, pa.field(name, pa.float64()), column.cast(pa.float64()))
        elif pa.types.is_date32(column.type):
            table = table.set_column(i, pa.field(name, pa.timestamp("ms")), column.cast(pa.timestamp("ms")))
    return table


def _plain_to_pandas(t, exact):
    """What pyarrow's own conversion gives, interning every text."""
    from parkdb._table import _analyst_types

    table = t.to_arrow()
    if exact:
        return table.to_pandas(types_mapper=_analyst_types(pd).get)
    return _pyarrow_for_computing(table).to_pandas(types_mapper=_analyst_types(pd).get)


def test_the_native_casts_for_computing_are_pyarrows(seed):
    """Money and area to floats, dates to timestamps: parkdb casts in Rust
    what pyarrow's casts give (its floats the nearest to the exact values,
    which pyarrow's are not always), and keeps every other
    field as it was (the boundary's GeoArrow type and coordinate system)."""
    tables = [seed.parcels(), seed.events(), seed.yearly(), seed.receivables(as_of="2003-12-31")]
    for t in tables:
        arrow, mine = t.to_arrow(), t._for_computing()
        reference = _pyarrow_for_computing(arrow)
        assert mine.schema.equals(reference.schema, check_metadata=True)
        for name in arrow.column_names:
            if pa.types.is_decimal(arrow.schema.field(name).type):
                # The float nearest each exact value, as float(Decimal)
                # gives it (pyarrow's cast is a unit off in the last place
                # for some: 19787.670000000002 for 19787.67).
                exact = arrow.column(name).to_pylist()
                assert mine.column(name).to_pylist() == [None if v is None else float(v) for v in exact]
            else:
                assert mine.column(name).equals(reference.column(name)), name
    boundary = tables[0]._for_computing().schema.field("boundary")
    assert boundary.metadata[b"ARROW:extension:name"] == b"geoarrow.wkb"
    assert tables[0]._for_computing().schema.field("area_mu").type == pa.float64()


@pytest.mark.parametrize("exact", [False, True])
def test_to_pandas_is_pyarrows_conversion_however_it_converts_distinct_columns(seed, exact):
    """Columns of distinct values (codes, shapes) are converted without
    interning and put back in their places: the frame is the same, column
    for column and in order, as pyarrow's own conversion."""
    from parkdb._table import _all_distinct

    tables = {
        "parcels": seed.parcels(),
        "enterprises": seed.enterprises(),
        "yearly": seed.yearly(),
        "events": seed.events(),
        "buildings": seed.buildings(),
    }
    split = 0
    for name, t in tables.items():
        arrow = t.to_arrow()
        split += any(_all_distinct(arrow.column(c)) for c in arrow.column_names)
        df = t.to_pandas(exact=exact)
        assert list(df.columns) == arrow.column_names, name
        pd.testing.assert_frame_equal(df, _plain_to_pandas(t, exact), obj=name)
    assert split >= 2, "the tables have columns of distinct codes"
    assert _all_distinct(tables["parcels"].to_arrow().column("code"))


def _pandas_options():
    """pandas' own default for text, and under pandas 2 its option to make
    text Arrow-backed ``str`` (pandas 3's default, its option deprecated)."""
    yield None
    if int(pd.__version__.split(".")[0]) < 3:
        yield ("future.infer_string", True)


@pytest.mark.parametrize("option", list(_pandas_options()))
def test_text_columns_take_pandas_own_text_dtype(seed, option):
    """Text is what pandas makes of text by default (objects under pandas
    2, ``str`` under pandas 3 or pandas 2's ``future.infer_string``), and
    the frame is pyarrow's own conversion whichever it is."""
    import contextlib

    with pd.option_context(*option) if option else contextlib.nullcontext():
        text = pd.Series(["工业", None]).dtype
        t = seed.parcels()
        df = t.to_pandas()
        for column in ("code", "status", "land_use", "holder_name"):
            assert df[column].dtype == text, (column, df[column].dtype, text)
        assert df["boundary"].dtype == object
        pd.testing.assert_frame_equal(df, _plain_to_pandas(t, False))
        assert (df["status"] == "allocated").sum() == len(seed.parcels(status="allocated"))


def test_distinct_columns_in_every_place_and_kind():
    from parkdb._table import _all_distinct, _objects_to_pandas

    n = 5000
    table = pa.table(
        {
            "code": [f"C{i:05d}" for i in range(n)],
            "kind": ["a", "b"] * (n // 2),
            "shape": [bytes([i % 256, i // 256]) for i in range(n)],
            "value": list(range(n)),
            "sparse": [None] * (n - 3) + ["x", "y", "z"],
            "late_repeat": [f"L{i}" for i in range(n - 1)] + ["L0"],
            "wide": pa.array([f"W{i}" for i in range(n)], pa.large_string()),
        }
    )
    picked = [c for c in table.column_names if _all_distinct(table.column(c))]
    # A repeat beyond the sample does not matter: only interning is skipped.
    assert picked == ["code", "shape", "late_repeat", "wide"]
    for t in (table, table.slice(0, 0), table.slice(n - 2), table.select(["code", "shape"])):
        pd.testing.assert_frame_equal(_objects_to_pandas(t, None), t.to_pandas())
    df = _objects_to_pandas(table, None)
    assert list(df.columns) == table.column_names
    assert df["late_repeat"].iloc[-1] == "L0" and df["shape"].iloc[300] == bytes([44, 1])
    df.loc[0, "code"] = "X"
    assert df["code"].iloc[0] == "X"


def test_a_large_parcels_table_streams_in_batches_every_reader_reads_whole(db):
    """More parcels than one block of the table: its batches go to the
    readers as they were built, and each reader has every row, in order."""
    n = 20_000
    with db.transaction() as tx:
        for i in range(n):
            tx.add_parcel(f"L-{i:05d}", "12.5", requisitioned="2010-01-01")
    t = db.parcels()
    assert len(t) == n
    arrow = t.to_arrow()
    assert arrow.num_rows == n and arrow.column("code").num_chunks > 1
    codes = [f"L-{i:05d}" for i in range(n)]
    assert arrow.column("code").to_pylist() == codes
    df = t.to_pandas()
    assert df["code"].tolist() == codes
    assert df["area_mu"].sum() == pytest.approx(12.5 * n)
    assert df["parcel_id"].is_monotonic_increasing
    assert pl.DataFrame(t)["code"].to_list() == codes
    assert duckdb.sql("select count(*), min(code), max(code) from t").fetchall() == [(n, codes[0], codes[-1])]


def test_evaluation_columns_say_their_units(seed):
    table = pa.table(seed.evaluate(parkdb.schemes.huangyan_2022(), 2005))
    assert table.schema.field("tax_per_mu").metadata == {b"unit": "万元/亩".encode()}
    assert table.schema.field("value_added_per_energy").metadata[b"unit"] == "万元/吨标煤".encode()
    assert "万元/亩" in parkdb.Database.evaluate.__doc__


def test_tables_agree_on_names_and_types(seed, db):
    """history() and events() name the same columns each its own way and
    now both ways; ids are nullable integers in to_pandas(), exact or not,
    and in to_geopandas()."""
    p = seed.parcels().to_pylist()[0]["parcel_id"]
    history = seed.history("parcel", p).to_pandas()
    events = seed.events("parcel").to_pandas()
    for frame in (history, events):
        assert {"valid", "recorded", "date", "recorded_at"} <= set(frame.columns)
        assert (frame["valid"] == frame["date"]).all()
        assert (frame["recorded"] == frame["recorded_at"]).all()
    first = events[events["entity_id"] == p].sort_values("event_id")
    assert list(first["event_id"]) == list(history.sort_values("event_id")["event_id"])
    # A split's parent: null for most parcels, an id for its children.
    a = db.add_parcel("GP-9", "30", requisitioned="2004-01-01")
    db.split(a, "2005-01-01", [("GP-9-1", "10"), ("GP-9-2", "20")])
    for exact in (False, True):
        frame = db.parcels().to_pandas(exact=exact)
        assert str(frame["parent_id"].dtype) == "Int64", exact
        assert str(frame["holder_id"].dtype) == "Int64", exact
        assert frame["parent_id"].isna().sum() == 1
