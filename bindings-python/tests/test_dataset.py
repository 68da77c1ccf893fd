"""A province's dataset (#16, first part): each park's tables as Parquet in
the hive layout, read back by DuckDB, polars and pyarrow with a park column."""

import json
import zlib
from decimal import Decimal

import duckdb
import pandas as pd
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
    assert table.schema.field("area_mu").type == pa.decimal128(18, 6)
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
    # The bounding box is that of every row (the file is written a batch
    # at a time; the box is added when the last one is in).
    assert [xmin, ymin, xmax, ymax] == pytest.approx(list(gdf.total_bounds))
    kv = pq.ParquetFile(path).metadata.metadata
    assert json.loads(kv[b"geo"])["columns"]["boundary"]["bbox"] == [xmin, ymin, xmax, ymax]
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


def _absolute():
    """Huangyan's items, absolute grades, missing items scored 0: a firm's
    score does not depend on the other firms'."""
    import dataclasses

    from parkdb import schemes

    s = schemes.huangyan_2022()
    items = [dataclasses.replace(i, missing="zero") for i in s.items]
    return dataclasses.replace(
        s, items=items, grading="absolute", grades=[("A", 120.0), ("B", 90.0), ("C", 60.0), ("D", 0.0)])


def _west():
    db = parkdb.open()
    a, b = db.add_enterprise("西岸精工"), db.add_enterprise("西岸化纤")
    for code, firm, mu in [("W-1", a, "10"), ("W-2", b, "30")]:
        p = db.add_parcel(code, mu, requisitioned="2003-01-01")
        db.allocate(p, firm, "2003-06-01", method="listing", price_yuan="1")
    for firm, tax, va in [(a, "3000000", "12000000"), (b, "1500000", "9000000")]:
        db.report_year(firm, 2005, tax_yuan=tax, value_added_yuan=va, output_yuan=va, revenue_yuan=va,
                       employees=100, rd_yuan="100000", energy_tce="500", electricity_kwh="1000000",
                       emissions_t="10", above_scale=True)
    return db


def test_one_evaluation_across_parks_and_the_province_report(tmp_path, seed):
    import openpyxl

    out = tmp_path / "province"
    west = _west()
    seed.export_parquet(out, park="east", as_of="2005-12-31")
    west.export_parquet(out, park="west", as_of="2005-12-31")
    scheme = _absolute()
    both = parkdb.evaluate_dataset(out, scheme, 2005).to_pandas()
    assert list(both.columns[:3]) == ["park", "land_as_of", "enterprise_id"]
    for park, db in [("east", seed), ("west", west)]:
        alone = db.evaluate(scheme, 2005).to_pandas().set_index("enterprise_id")
        mine = both[both["park"] == park].set_index("enterprise_id")
        assert len(mine) == len(alone)
        assert (mine["grade"].fillna("-") == alone.loc[mine.index, "grade"].fillna("-")).all()
        pd.testing.assert_series_equal(mine["score"], alone.loc[mine.index, "score"], atol=1e-9)
        assert mine["score"].notna().sum() > 0
    ranks = both["rank"].dropna()
    assert ranks.min() == 1 and ranks.is_monotonic_increasing

    report = parkdb.province_report(out, scheme, 2005, xlsx=tmp_path / "province.xlsx")
    rows = {r["park"]: r for r in report.parks.to_pylist()}
    assert rows["west"]["supplied_mu"] == Decimal("40.0000")
    assert rows["west"]["tax_yuan"] == Decimal("4500000.00")
    assert rows["west"]["tax_per_mu"] == pytest.approx(11.25)
    summary = seed.land_summary(as_of="2005-12-31")
    assert rows["east"]["requisitioned_mu"] == summary.requisitioned_mu
    assert rows["east"]["idle_mu"] == summary.idle_mu
    assert "亩均税收11.25万元" in report.text()
    sheet = openpyxl.load_workbook(tmp_path / "province.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["rank", "park"] and "grade_D" in header
    assert sheet.max_row == 3
    west.close()


def test_the_command_evaluates_a_dataset_and_reports_the_province(tmp_path, seed):
    import subprocess
    import sys

    command = __import__("pathlib").Path(sys.executable).parent / "parkdb"
    out = tmp_path / "province"
    seed.export_parquet(out, park="east", as_of="2005-12-31")
    west = _west()
    west.export_parquet(out, park="west", as_of="2005-12-31")
    west.close()
    done = subprocess.run([str(command), "evaluate", "huangyan_2022", "2005", "--dataset", str(out),
                           "--out", str(tmp_path / "eval.csv")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "west  西岸精工" in done.stdout and "east  " in done.stdout
    assert (tmp_path / "eval.csv").read_text(encoding="utf-8-sig").startswith("park,land_as_of,enterprise_id")
    done = subprocess.run([str(command), "province-report", str(out), "huangyan_2022", "2005"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "west(截至2005-12-31)" in done.stdout
    # A park exported before the year's end is refused with the reason.
    west2 = _west()
    west2.export_parquet(out, park="west", as_of="2005-06-30")
    west2.close()
    done = subprocess.run([str(command), "province-report", str(out), "huangyan_2022", "2005"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "2005-12-31" in done.stderr
    with pytest.raises(parkdb.ValidationError, match="before the end of 2005"):
        parkdb.evaluate_dataset(out, _absolute(), 2005)


def test_a_lost_manifest_is_refused_and_the_dataset_check_names_the_park(tmp_path, seed):
    import subprocess
    import sys

    out = tmp_path / "province"
    seed.export_parquet(out, park="east", as_of="2005-12-31")
    west = _west()
    west.export_parquet(out, park="west", as_of="2005-12-31")
    west.close()
    check = parkdb.check_dataset(out)
    assert check and check.problems == []
    assert [p["park"] for p in check.parks] == ["east", "west"]
    east = check.parks[0]
    assert str(east["as_of"]) == "2005-12-31"
    parcels = next(t for t in east["tables"] if t["table"] == "parcels")
    assert parcels["rows"] == len(seed.parcels(as_of="2005-12-31")) and parcels["intact"]
    assert parcels["crc32"] == zlib.crc32((out / parcels["path"]).read_bytes())

    (out / "_manifests" / "park=east.json").unlink()
    with pytest.raises(parkdb.CorruptError, match="park east.*no manifest"):
        parkdb.evaluate_dataset(out, _absolute(), 2005)
    with pytest.raises(parkdb.CorruptError, match="park east"):
        parkdb.province_report(out, _absolute(), 2005)
    check = parkdb.check_dataset(out)
    assert not check and [p["park"] for p in check.parks] == ["west"]
    assert any(p.startswith("park east:") for p in check.problems)
    command = __import__("pathlib").Path(sys.executable).parent / "parkdb"
    done = subprocess.run([str(command), "check-dataset", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "park west: as of 2005-12-31" in done.stdout and "problem: park east:" in done.stdout


def _park_with_a_boundary(x: float, crs: int):
    """A park with one 200 × 100 m parcel at easting ``x`` of zone 39,
    its boundary given in ``crs`` (4527 itself, or 4490 longitude and
    latitude, reprojected with pyproj)."""
    import pyproj

    corners = [(x, 3400000.0), (x + 200, 3400000.0), (x + 200, 3400100.0), (x, 3400100.0)]
    if crs != 4527:
        to = pyproj.Transformer.from_crs(4527, crs, always_xy=True)
        corners = [to.transform(*c) for c in corners]
    db = parkdb.open()
    db.add_parcel("P-1", "30", requisitioned="2004-01-01", boundary=corners, crs=crs)
    return db


def test_two_parks_in_two_systems_read_back_as_one_by_geopandas_duckdb_and_polars(tmp_path):
    import geopandas
    import shapely

    out = tmp_path / "province"
    east = _park_with_a_boundary(39512000.0, 4527)
    west = _park_with_a_boundary(39514000.0, 4490)
    assert east.export_parquet(out, park="east")["crs"] == "EPSG:4527"
    assert west.export_parquet(out, park="west")["crs"] == "EPSG:4527"
    with pytest.raises(parkdb.ValidationError, match="is in EPSG:4527"):
        west.export_parquet(out, park="west", crs=4490)
    frame = geopandas.read_parquet(out / "parcels")
    assert frame.crs.to_epsg() == 4527
    # Each file's own key-value metadata holds GeoParquet's `geo` key, in
    # the dataset's system, where readers other than Arrow's look.
    import pyarrow.parquet as pq

    for park in ("east", "west"):
        kv = pq.read_metadata(out / "parcels" / f"park={park}" / "part-0.parquet").metadata
        geo = json.loads(kv[b"geo"])
        assert geo["columns"][geo["primary_column"]]["crs"]["id"] == {"authority": "EPSG", "code": 4527}
    by_park = {str(p): g for p, g in zip(frame["park"], frame.geometry)}
    assert by_park["east"].bounds[0] == pytest.approx(39512000.0)
    assert by_park["west"].bounds[0] == pytest.approx(39514000.0, abs=0.01)
    assert by_park["west"].bounds[3] == pytest.approx(3400100.0, abs=0.01)
    rows = duckdb.sql(
        f"select park, boundary from read_parquet('{out}/parcels/*/*.parquet', hive_partitioning = true) order by park"
    ).fetchall()
    assert [r[0] for r in rows] == ["east", "west"]
    assert shapely.from_wkb(bytes(rows[1][1])).bounds[0] == pytest.approx(39514000.0, abs=0.01)
    scanned = pl.read_parquet(f"{out}/parcels/*/*.parquet", hive_partitioning=True).sort("park")
    assert shapely.from_wkb(scanned["boundary"][1]).bounds[1] == pytest.approx(3400000.0, abs=0.01)
    # The surveyed areas stay those measured in each park's own plane.
    assert scanned["boundary_area_mu"][1] == west.parcels().to_pylist()[0]["boundary_area_mu"]
    check = parkdb.check_dataset(out)
    assert check and {p["crs"] for p in check.parks} == {"EPSG:4527"}
    east.close()
    west.close()


def test_parks_choose_and_early_parks_are_named_together(tmp_path, seed):
    out = tmp_path / "province"
    seed.export_parquet(out, park="east", as_of="2005-12-31")
    west = _west()
    west.export_parquet(out, park="west", as_of="2005-12-31")
    west.export_parquet(out, park="early", as_of="2005-06-30")
    with pytest.raises(parkdb.ValidationError, match=r"early \(as of 2005-06-30\).*parks=\[\"east\", \"west\"\]"):
        parkdb.evaluate_dataset(out, _absolute(), 2005)
    taken = parkdb.evaluate_dataset(out, _absolute(), 2005, parks=["east", "west"])
    assert set(taken.to_pandas()["park"]) == {"east", "west"}
    report = parkdb.province_report(out, _absolute(), 2005, parks=["west"])
    assert len(report.parks) == 1
    west.close()


def test_concurrent_exports_of_one_park_and_of_two_all_land(tmp_path):
    import threading

    out = tmp_path / "province"
    west = _west()
    errors: list[BaseException] = []

    def export(park: str) -> None:
        try:
            west.export_parquet(out, park=park, as_of="2005-12-31")
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=export, args=("west" if i % 2 else "east",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = parkdb.check_dataset(out)
    assert check and [p["park"] for p in check.parks] == ["east", "west"]
    west.close()
