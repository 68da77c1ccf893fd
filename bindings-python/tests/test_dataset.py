"""A province's dataset (#16, first part): each park's tables as Parquet in
the hive layout, read back by DuckDB, polars and pyarrow with a park column."""

import json
import zlib
from decimal import Decimal

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import parkdb


def test_two_parks_in_one_dataset(tmp_path, seed):
    other = parkdb.open()
    e = other.add_enterprise("西岸制造")
    p = other.add_parcel("W-1", "10.5", requisitioned="2004-01-01")
    other.allocate(p, e, "2004-06-01", method="listing", price_yuan="500000")
    out = tmp_path / "province"
    east = seed.export_parquet(out, park="east")
    west = other.export_parquet(out, park="west")
    assert east["events"] > west["events"] > 0
    land = duckdb.sql(
        f"select park, count(*) as parcels, sum(area_mu) as mu from read_parquet("
        f"'{out}/parcels/*/*.parquet', hive_partitioning = true) "
        f"where status <> 'retired' group by park order by park"
    ).fetchall()
    east_mu = seed.land_summary().requisitioned_mu
    assert land[0][0] == "east" and land[0][2] == east_mu
    assert land[1] == ("west", 1, Decimal("10.5000"))
    scanned = pl.scan_parquet(f"{out}/events/*/*.parquet", hive_partitioning=True).collect()
    assert set(scanned["park"].unique()) == {"east", "west"}
    assert scanned.filter(pl.col("park") == "west").height == len(other.events())
    table = ds.dataset(out / "parcels", format="parquet", partitioning="hive").to_table()
    assert table.schema.field("area_mu").type == pa.decimal128(18, 4)
    assert table.schema.field("requisitioned").type == pa.date32()
    # A re-export replaces the park whole: no rows twice.
    seed.export_parquet(out, park="east")
    again = duckdb.sql(
        f"select count(*) from read_parquet('{out}/parcels/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    assert again == len(seed.parcels()) + 1
    manifest = json.loads((out / "_manifests" / "park=east.json").read_text())
    assert manifest["park"] == "east" and manifest["parkdb_version"] == parkdb.__version__
    for f in manifest["files"]:
        data = (out / f["path"]).read_bytes()
        assert zlib.crc32(data) == f["crc32"], f["path"]
    assert {f["path"].split("/")[0] for f in manifest["files"]} >= {"parcels", "events", "yearly"}
    other.close()


def test_as_of_and_bad_park_codes(tmp_path, seed):
    rows = seed.export_parquet(tmp_path, park="east", as_of="2003-12-31")["rows"]
    assert rows["parcels/park=east/part-0.parquet"] == len(seed.parcels(as_of="2003-12-31"))
    for bad in ["a/b", "..", "x=y", ""]:
        with pytest.raises(parkdb.ValidationError):
            seed.export_parquet(tmp_path, park=bad)


def test_the_parcels_are_geoparquet_that_geopandas_and_duckdb_read(tmp_path, seed):
    import geopandas

    out = tmp_path / "province"
    seed.export_parquet(out, park="east")
    path = out / "parcels" / "park=east" / "part-0.parquet"
    import pyarrow.parquet as pq

    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "boundary"
    column = geo["columns"]["boundary"]
    assert column["encoding"] == "WKB"
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4526}
    xmin, ymin, xmax, ymax = column["bbox"]
    assert 38_400_000 < xmin < xmax < 38_500_000 and 2_400_000 < ymin < ymax < 2_600_000
    gdf = geopandas.read_parquet(path)
    assert gdf.crs.to_epsg() == 4526
    assert gdf.geometry.name == "boundary" and gdf.geometry.notna().all()
    # The shapes measure the surveyed areas (亩 = m² × 15 / 10,000).
    surveyed = (gdf.geometry.area * 15 / 10_000).round(2)
    assert (surveyed == gdf["boundary_area_mu"].astype(float).round(2)).all()
    # DuckDB without its spatial extension reads the column as WKB, and
    # casts it to its built-in GEOMETRY.
    rows = duckdb.sql(
        f"select code, typeof(boundary::GEOMETRY) like 'GEOMETRY%' as geometry, boundary "
        f"from read_parquet('{path}') order by code"
    ).fetchall()
    assert all(r[1] for r in rows)
    import shapely

    first = gdf.sort_values("code").iloc[0]
    assert shapely.from_wkb(rows[0][2]).equals(first.boundary)
