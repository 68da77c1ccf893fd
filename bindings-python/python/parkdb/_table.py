"""parkdb.Table: a read result as Arrow, for pyarrow, pandas, polars and DuckDB."""

from __future__ import annotations

import html
from typing import Any, Literal

_PREVIEW_ROWS = 10


def _require(module: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{module} is needed for this; install it with `pip install parkdb[{extra}]` "
            f"or `pip install {module}`"
        ) from e


class Table:
    """A table of rows from parkdb, held as Arrow record batches.

    It speaks the Arrow PyCapsule interface (``__arrow_c_stream__``), so
    ``pyarrow.table(t)``, ``polars.DataFrame(t)`` and ``duckdb.sql("select … from t")``
    read it without a copy. Area columns are exact decimals in 亩 (``*_mu``),
    money exact decimals in 元 (``*_yuan``), dates ``date32``.
    """

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._native.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self) -> Any:
        return self._native.__arrow_c_schema__()

    def __len__(self) -> int:
        return len(self._native)

    @property
    def columns(self) -> list[str]:
        """The column names."""
        return list(self._native.column_names)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` (requires pyarrow)."""
        pa = _require("pyarrow", "pyarrow")
        return pa.table(self)

    def to_pandas(
        self,
        dtype_backend: Literal["numpy_nullable", "pyarrow"] | None = None,
        *,
        exact: bool = False,
    ) -> Any:
        """A ``pandas.DataFrame`` (requires pandas and pyarrow) to compute on.

        By default, as ``pandas.read_sql`` does (``coerce_float=True``):
        money and area as ``float64`` (they are exact in parkdb and in Arrow;
        the float is a convenience for computing, with the usual rounding
        of binary floats), dates as ``datetime64``, ids and counts as
        nullable ``Int64``, flags as nullable ``boolean``. ``exact=True``
        keeps money and area as ``decimal.Decimal`` and dates as
        ``datetime.date``, as stored.

        ``dtype_backend`` is pandas' own choice of column types:
        ``"pyarrow"`` gives ``pd.ArrowDtype`` columns (much faster on large
        tables; ``double`` and ``timestamp`` for money and dates unless
        ``exact``), ``"numpy_nullable"`` pandas' nullable types.
        """
        pd = _require("pandas", "pandas")
        table = self.to_arrow() if exact else self._for_computing()
        if dtype_backend is None:
            # Ids and flags as nullable pandas types either way: a missing
            # id does not make a column of floats.
            return _objects_to_pandas(table, _analyst_types(pd).get)
        if dtype_backend == "pyarrow":
            return table.to_pandas(types_mapper=pd.ArrowDtype)
        if dtype_backend == "numpy_nullable":
            return table.to_pandas(types_mapper=_nullable_types(pd).get)
        raise ValueError(
            f"dtype_backend must be None, 'numpy_nullable' or 'pyarrow', not {dtype_backend!r}"
        )

    def to_geopandas(self, geometry: str = "boundary", *, exact: bool = False) -> Any:
        """A ``geopandas.GeoDataFrame`` (requires geopandas ≥ 1.0) whose
        geometry is the ``boundary`` column, in its coordinate system
        (the database's default, else the one most boundaries are in).
        Rows without a boundary have no geometry. Other columns as
        ``to_pandas`` gives them (``exact=True`` keeps decimals and dates).
        """
        gpd = _require("geopandas", "geo")
        pd = _require("pandas", "pandas")
        if geometry not in self.columns:
            raise ValueError(f"the table has no {geometry!r} column; its columns: {', '.join(self.columns)}")
        table = self.to_arrow() if exact else self._for_computing()
        # The shapes through geopandas' Arrow reader (it reads their
        # coordinate system), the other columns as to_pandas gives them.
        shapes = gpd.GeoDataFrame.from_arrow(table.select([geometry]), geometry=geometry)
        frame = _objects_to_pandas(table.drop_columns([geometry]), _analyst_types(pd).get)
        frame.insert(table.column_names.index(geometry), geometry, shapes.geometry.values)
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=shapes.crs)

    def _for_computing(self) -> Any:
        """A ``pyarrow.Table`` with money and area as ``float64`` and dates
        as timestamps: columns pandas and its plotting compute on. Other
        columns keep their fields, with their metadata (the boundary's
        GeoArrow type and coordinate system)."""
        pa = _require("pyarrow", "pyarrow")
        return pa.table(self._native.computing())

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` (requires polars; from polars 2.0 the
        ``boundary`` column keeps its GeoArrow type)."""
        pl = _require("polars", "polars")
        if int(pl.__version__.split(".")[0]) < 2:
            # polars before 2.0 cannot take an Arrow extension type (the
            # boundary's GeoArrow type): the column goes as plain WKB.
            pa = _require("pyarrow", "pyarrow")
            table = pa.table(self)
            schema = pa.schema([f.remove_metadata() for f in table.schema])
            return pl.from_arrow(table.cast(schema))
        return pl.DataFrame(self)

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as dicts of Python values (``Decimal``, ``datetime.date``, …)."""
        return _rows(self)

    def __repr__(self) -> str:
        return f"<parkdb.Table {len(self)} rows × {len(self.columns)} columns: {', '.join(self.columns)}>"

    def _repr_html_(self) -> str:
        rows = _rows(self, limit=_PREVIEW_ROWS)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r[c]))}</td>" for c in self.columns) + "</tr>"
            for r in rows
        )
        more = len(self) - len(rows)
        note = f"<p>… {more} more rows</p>" if more > 0 else ""
        return (
            f"<div><p><b>parkdb.Table</b>: {len(self)} rows × {len(self.columns)} columns</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>"
        )


_SAMPLE = 4096


def _all_distinct(column: Any) -> bool:
    """Whether a text or binary column's first values (up to ``_SAMPLE``
    of them, nulls aside) are all distinct, as a code's or a shape's are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    if not any(is_kind(column.type) for is_kind in kinds):
        return False
    head = pc.drop_null(column.slice(0, _SAMPLE))
    return len(head) > 1 and pc.count_distinct(head).as_py() == len(head)


def _text_is_objects() -> bool:
    """Whether pandas makes Python objects of text (pandas 2's default), not
    its Arrow-backed ``str`` columns (pandas 3's default, and pandas 2's with
    ``future.infer_string``): pyarrow's own test, for the conversion it does."""
    import pandas as pd

    if int(pd.__version__.split(".")[0]) >= 3:
        return False
    try:
        return not pd.get_option("future.infer_string")
    except (KeyError, ValueError):  # pragma: no cover - pandas before 2.1
        return True


def _objects_to_pandas(table: Any, types_mapper: Any) -> Any:
    """``table.to_pandas`` with Python objects for text (under pandas 2) and
    bytes, made faster for columns of distinct values (codes, shapes):
    pyarrow makes one object per distinct value by default (interning),
    which saves memory where values repeat and is a hash per value where
    they do not (half the conversion of a million parcels). Where no column
    of objects repeats its values (under pandas 3, whose text columns are
    not objects, a parcels table's only one is its shapes), the table is
    converted without interning; else the distinct columns are converted
    without it and put back in their places. The frame is the same."""
    import pyarrow as pa

    names = table.column_names
    kinds = [pa.types.is_binary, pa.types.is_large_binary]
    if _text_is_objects():
        kinds += [pa.types.is_string, pa.types.is_large_string]
    objects = [n for n, f in zip(names, table.schema) if any(is_kind(f.type) for is_kind in kinds)]
    distinct = [n for n in objects if _all_distinct(table.column(n))]
    if len(distinct) == len(objects):
        return table.to_pandas(types_mapper=types_mapper, deduplicate_objects=False)
    if not distinct or len(set(names)) != len(names):
        return table.to_pandas(types_mapper=types_mapper)
    frame = table.drop_columns(distinct).to_pandas(types_mapper=types_mapper)
    for name in distinct:  # in the table's order: each goes back to its place
        values = table.column(name).to_pandas(deduplicate_objects=False)
        frame.insert(names.index(name), name, values)
    return frame


def _analyst_types(pd: Any) -> dict[Any, Any]:
    import pyarrow as pa

    return {
        pa.int64(): pd.Int64Dtype(),
        pa.uint64(): pd.Int64Dtype(),
        pa.int32(): pd.Int64Dtype(),
        pa.uint32(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }


def _nullable_types(pd: Any) -> dict[Any, Any]:
    import pyarrow as pa

    return {
        pa.int64(): pd.Int64Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
    }


def _cell(v: Any) -> str:
    if isinstance(v, bytes):
        return f"<shape, {len(v)} bytes of WKB>"
    return "" if v is None else str(v)


def _rows(table: Table, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows without pyarrow: through the native module's own decoding."""
    from . import _native

    return _native.table_rows(table._native, limit)
