"""Parcel boundaries from Python: shapes in, areas, coordinate systems
checked against pyproj, queries by shape, GeoArrow out to geopandas and
DuckDB, the map."""

from decimal import Decimal

import duckdb
import pyarrow as pa
import pyproj
import pytest
import shapely

import parkdb

X0, Y0 = 39_512_000.0, 3_400_000.0


def square(x, y, side=100.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + side, Y0 + y + side)


@pytest.fixture
def grid(db):
    db.set_default_crs("EPSG:4527")
    for i in range(3):
        for j in range(3):
            db.add_parcel(f"G{i}{j}", 15, requisitioned="2010-01-01", boundary=square(i * 100, j * 100))
    return db


def codes(table):
    return sorted(r["code"] for r in table.to_pylist())


def test_every_form_of_shape_gives_the_same_boundary(db):
    corners = [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0, Y0 + 100)]
    wkt = shapely.Polygon(corners).wkt
    geojson = shapely.geometry.mapping(shapely.Polygon(corners))
    for k, shape in enumerate([corners, wkt, geojson, shapely.Polygon(corners), shapely.to_geojson(shapely.Polygon(corners))]):
        db.add_parcel(f"P{k}", 30, requisitioned="2010-01-01", boundary=shape, crs=4527)
    rows = db.parcels().to_pylist()
    assert {r["boundary_area_mu"] for r in rows} == {Decimal("30.0000")}
    assert len({r["boundary"] for r in rows}) == 1
    assert not any(r["area_mismatch"] for r in rows)


def test_projjson_and_reprojection_agree_with_pyproj(db):
    for code in (4490, 4326, 4513, 4527, 4533, 4534, 4554):
        db.set_default_crs(code)
        field = db.parcels().to_arrow().schema.field("boundary")
        import json
        meta = json.loads(field.metadata[b"ARROW:extension:metadata"])
        assert field.metadata[b"ARROW:extension:name"] == b"geoarrow.wkb"
        assert pyproj.CRS.from_json_dict(meta["crs"]).equals(pyproj.CRS.from_epsg(code), ignore_axis_order=False), code
    # The same rectangle given in longitude and latitude (converted by pyproj)
    # measures the same, within 0.01%.
    to_lonlat = pyproj.Transformer.from_crs(4527, 4490, always_xy=True)
    corners = [to_lonlat.transform(x, y) for x, y in [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0, Y0 + 100)]]
    db.add_parcel("LL", 30, requisitioned="2010-01-01", boundary=corners, crs="EPSG:4490")
    area = db.parcel("LL")["boundary_area_mu"]
    assert abs(area - Decimal(30)) / 30 < Decimal("0.0001"), area


def test_to_geopandas_keeps_the_crs_and_the_shapes(grid):
    gdf = grid.parcels().to_geopandas()
    assert gdf.crs.to_epsg() == 4527
    assert len(gdf) == 9
    assert gdf.geometry.area.round(6).tolist() == [10_000.0] * 9
    assert gdf.geometry.name == "boundary"
    assert gdf[gdf.code == "G11"].geometry.iloc[0].equals(square(100, 100))
    # Other columns as to_pandas gives them, in the table's order.
    assert str(gdf["area_mu"].dtype) == "float64"
    assert str(gdf["holder_id"].dtype) == "Int64"
    assert list(gdf.columns) == grid.parcels().columns
    assert gdf.dtypes.drop("boundary").equals(grid.parcels().to_pandas().dtypes.drop("boundary"))


def test_duckdb_reads_the_boundary_as_geometry(grid):
    t = grid.parcels().to_arrow()
    kinds = duckdb.sql("select distinct typeof(boundary) like 'GEOMETRY%' from t").fetchall()
    assert kinds == [(True,)]
    wkb = duckdb.sql("select code, boundary::BLOB as b from t order by code").fetchall()
    assert shapely.from_wkb(wkb[4][1]).equals(square(100, 100))


def test_within_intersects_and_neighbours(grid):
    left = shapely.box(X0 - 1, Y0 - 1, X0 + 201, Y0 + 301)
    assert codes(grid.parcels(within=left)) == ["G00", "G01", "G02", "G10", "G11", "G12"]
    assert codes(grid.parcels(intersects=(X0 + 150, Y0 + 150))) == ["G11"]
    assert codes(grid.parcels(intersects="LINESTRING (39512050 3400050, 39512250 3400050)")) == ["G00", "G10", "G20"]
    assert codes(grid.neighbours("G11")) == ["G01", "G10", "G12", "G21"]
    to_lonlat = pyproj.Transformer.from_crs(4527, 4490, always_xy=True)
    lon, lat = to_lonlat.transform(X0 + 150, Y0 + 150)
    assert codes(grid.parcels(intersects=shapely.Point(lon, lat), crs=4490)) == ["G11"]
    with pytest.raises(parkdb.ValidationError, match="not both"):
        grid.parcels(within=left, intersects=left)


def test_invalid_shapes_are_validation_errors_and_write_nothing(grid):
    before = grid.check().events
    bow = [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]
    cases = [
        (bow, "self-intersection"),
        ("POLYGON ((39512000 3400000, 39512100 3400000, 39512100 3400100))", "at least 3|not closed|WKT"),
        ([(X0, Y0), (X0 + 1, Y0)], "at least 3"),
        ([(X0, Y0), (float("nan"), Y0), (X0, Y0 + 1)], "point 2"),
        ([(Y0, X0), (Y0 + 100, X0), (Y0, X0 + 100)], "swapped"),
        ("POINT (1 2)", "POLYGON"),
        (42, "a boundary is"),
    ]
    for shape, says in cases:
        with pytest.raises(parkdb.ValidationError, match=says):
            grid.set_boundary("G00", shape, on="2011-01-01")
    with pytest.raises(parkdb.ValidationError, match="EPSG:3857"):
        grid.set_boundary("G00", bow, crs=3857)
    assert grid.check().events == before


def test_a_split_with_shapes_and_a_mismatch_found(grid):
    grid.add_parcel("BIG", 30, requisitioned="2010-01-01", boundary=shapely.box(X0 + 1000, Y0, X0 + 1200, Y0 + 100))
    kids = grid.split("BIG", "2011-01-01", [
        ("BIG-1", 15, shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)),
        {"code": "BIG-2", "area_mu": 15, "boundary": shapely.box(X0 + 1100, Y0, X0 + 1200, Y0 + 100)},
    ])
    assert len(kids) == 2
    assert grid.parcel("BIG-2")["boundary_area_mu"] == Decimal("15.0000")
    with pytest.raises(parkdb.ValidationError, match="overlap"):
        grid.split("BIG-1", "2012-01-01", [
            ("BIG-1-1", 7, shapely.box(X0 + 1000, Y0, X0 + 1060, Y0 + 100)),
            ("BIG-1-2", 8, shapely.box(X0 + 1050, Y0, X0 + 1100, Y0 + 100)),
        ])
    # A surveyed area 5% over the registered one is flagged.
    grid.set_boundary("G00", square(0, 0, side=102.5), on="2012-01-01")
    report = grid.check()
    assert report.clean
    g00 = grid.parcel("G00")["parcel_id"]
    mismatched = [f["parcels"] for f in report.findings if f["kind"] == "area_mismatch"]
    assert mismatched == [[g00]]
    # Grown by 2.5 m, it now overlaps its two neighbours.
    overlaps = [f["parcels"] for f in report.findings if f["kind"] == "overlap"]
    assert len(overlaps) == 2 and all(g00 in o for o in overlaps)
    assert grid.parcel("G00")["area_mismatch"] is True
    grid.set_area_tolerance(0.06)
    assert grid.parcel("G00")["area_mismatch"] is False
    assert grid.policy()["area_tolerance"] == 0.06


def test_the_boundary_is_dated(grid):
    grid.set_boundary("G00", square(0, 0, side=50), on="2012-01-01")
    assert grid.parcel("G00", as_of="2011-06-30")["boundary_area_mu"] == Decimal("15.0000")
    assert grid.parcel("G00")["boundary_area_mu"] == Decimal("3.7500")
    events = grid.events("parcel").to_pylist()
    sets = [e for e in events if e["event"] == "boundary_set"]
    assert len(sets) == 10
    moved = [e for e in sets if e["area_mu"] == Decimal("3.7500")]
    assert len(moved) == 1 and moved[0]["crs"] == "EPSG:4527"
    assert shapely.from_wkt(moved[0]["boundary_wkt"]).equals(square(0, 0, side=50))


def test_the_map(grid, tmp_path):
    grid.add_parcel("NO-SHAPE", 5, requisitioned="2010-01-01")
    m = grid.map(color="land_use")
    assert m.parcels_drawn == 9
    assert m._repr_svg_().count('<path class="parcel"') == 9
    assert "图例" in m.svg and "工业" in m.svg
    path = tmp_path / "地块图.svg"
    m.save(path)
    assert path.read_text(encoding="utf-8") == m.svg
    with pytest.raises(parkdb.ValidationError, match="scheme= and year="):
        grid.map(color="grade")
    with pytest.raises(parkdb.ValidationError, match="coloured by"):
        grid.map(color="rainbow")


def test_import_boundaries_from_a_geojson_file_made_by_geopandas(db, tmp_path):
    import geopandas

    db.add_parcel("GP-1", 15, requisitioned="2010-01-01")
    db.add_parcel("GP-2", 20, requisitioned="2010-01-01")
    frame = geopandas.GeoDataFrame(
        {"地块编号": ["GP-1", "GP-2"]},
        geometry=[square(0, 0), square(100, 0)],
        crs="EPSG:4527",
    )
    path = tmp_path / "界址.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    # geopandas writes coordinates without naming the CRS: give it.
    report = db.import_boundaries(path, crs=4527, on="2011-01-01")
    assert report["written"] and report["matched"] == 2 and report["errors"] == []
    assert [m["feature"] for m in report["mismatches"]] == [2]
    assert codes(db.neighbours("GP-1")) == ["GP-2"]
    # An unknown code refuses the whole file, raising as a ledger import does.
    frame.loc[1, "地块编号"] = "GP-9"
    path.write_text(frame.to_json(), encoding="utf-8")
    with pytest.raises(parkdb.LedgerError, match="GP-9") as refused:
        db.import_boundaries(path, crs=4527, on="2012-01-01", dry_run=False)
    [problem] = refused.value.problems
    assert problem["feature"] == 2 and "GP-9" in problem["reason"]
    assert problem["sheet"] == "界址.geojson"
    assert db.parcel("GP-1", as_of="2012-06-01")["boundary"] == db.parcel("GP-1", as_of="2011-06-01")["boundary"]


def test_a_shapefiles_encoding_is_taken_by_name(tmp_path):
    """``encoding=`` reaches the import: a name no encoding goes by is
    refused before the file is read, naming the argument."""
    db = parkdb.open()
    shp = tmp_path / "survey.shp"
    shp.write_bytes(b"\0" * 100)
    with pytest.raises(parkdb.ValidationError) as refused:
        db.import_boundaries(shp, code_field="DKBH", encoding="klingon")
    assert refused.value.field == "encoding" and "klingon" in str(refused.value)
    db.close()


def test_a_survey_in_longitude_and_latitude_is_measured_in_the_parks_zone(tmp_path):
    """A 30 亩 rectangle surveyed in zone 40 (EPSG:4528, 120°E, Yantai's),
    lying past 121.5°E, written out by geopandas in longitude and latitude:
    measured in the zone the park names (zone=, or its default CRS) it is
    the survey's 30 亩; in the zone it falls in, it is not."""
    import geopandas

    x, y = 40_641_000.0, 4_150_000.0
    rect = shapely.box(x, y, x + 200, y + 100)
    frame = geopandas.GeoDataFrame({"地块编号": ["YT-1"]}, geometry=[rect], crs="EPSG:4528").to_crs(4490)
    assert frame.geometry.iloc[0].centroid.x > 121.5
    path = tmp_path / "烟台.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")

    def surveyed(**how):
        db = parkdb.open()
        db.add_parcel("YT-1", 30, requisitioned="2010-01-01")
        default = how.pop("default", None)
        if default:
            db.set_default_crs(default)
        db.import_boundaries(path, crs=4490, on="2011-01-01", **how)
        area = db.parcels().to_pylist()[0]["boundary_area_mu"]
        db.close()
        return area

    exact = Decimal("30")
    assert abs(surveyed(zone=4528) - exact) <= Decimal("0.000002")
    assert abs(surveyed(zone="EPSG:4528") - exact) <= Decimal("0.000002")
    assert abs(surveyed(default=4528) - exact) <= Decimal("0.000002")
    own = surveyed()
    assert abs(own - exact) > Decimal("0.001"), own
    with pytest.raises(parkdb.LedgerError, match="EPSG:4521"):
        surveyed(zone=4521)
