//! Parcel boundaries: areas measured on the plane, coordinate systems,
//! invalid shapes refused, splits with shapes, queries by shape.

mod common;

use common::{d, mu};
use parkdb::{
    Crs, Db, Error, LandUse, NewParcel, Outline, ParcelFilter, ParcelId, Region, Spatial, SplitPart,
};

const X0: f64 = 39_512_000.0;
const Y0: f64 = 3_400_000.0;

fn z39() -> Crs {
    Crs::epsg(4527).unwrap()
}

/// A rectangle in zone 39 (EPSG:4527), from (x, y) metres off the origin.
fn rect(x: f64, y: f64, w: f64, h: f64) -> Outline {
    let (x, y) = (X0 + x, Y0 + y);
    Outline::points(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]).in_crs(z39())
}

fn shaped(db: &Db, code: &str, area: &str, outline: Outline) -> parkdb::Result<ParcelId> {
    let mut new = NewParcel::new(code, mu(area), LandUse::Industrial, d("2010-01-01"));
    new.boundary = Some(outline);
    db.add_parcel(new)
}

/// A 3 × 3 grid of 100 m squares (15 亩 each), codes G00..G22 (column, row).
fn grid(db: &Db) -> Vec<ParcelId> {
    let mut ids = Vec::new();
    for i in 0..3 {
        for j in 0..3 {
            let code = format!("G{i}{j}");
            ids.push(
                shaped(
                    db,
                    &code,
                    "15",
                    rect(f64::from(i) * 100.0, f64::from(j) * 100.0, 100.0, 100.0),
                )
                .unwrap(),
            );
        }
    }
    ids
}

fn codes(parcels: &[parkdb::Parcel]) -> Vec<String> {
    let mut c: Vec<String> = parcels.iter().map(|p| p.code.clone()).collect();
    c.sort();
    c
}

/// A boundary that encloses nothing (its points on a line, or a sliver
/// below a millionth of a 亩) is refused, not stored as a zero area.
#[test]
fn a_boundary_without_area_is_refused() {
    let db = Db::temporary().unwrap();
    let line = Outline::points(&[(X0, Y0), (X0 + 50.0, Y0), (X0 + 100.0, Y0)]).in_crs(z39());
    let sliver = rect(0.0, 0.0, 0.0001, 0.0001);
    for outline in [line, sliver] {
        match shaped(&db, "GP-0", "1", outline) {
            Err(Error::Validation { reason, .. }) => {
                assert!(reason.contains("no area"), "{reason}");
            }
            other => panic!("a boundary without area: {other:?}"),
        }
    }
    assert!(db.parcel_by_code("GP-0").is_err(), "nothing is written");
}

#[test]
fn a_rectangle_in_a_zone_gives_its_area_in_mu() {
    let db = Db::temporary().unwrap();
    // 200 m × 100 m = 20,000 m² = 30 亩 exactly.
    let p = shaped(&db, "GP-1", "30", rect(0.0, 0.0, 200.0, 100.0)).unwrap();
    let b = db.parcel(p).unwrap().boundary.unwrap();
    assert_eq!(b.area(), mu("30"));
    assert_eq!(b.crs(), z39());
    // An odd shape: a right triangle of legs 123.45 m and 67.8 m.
    let tri = Outline::points(&[(X0, Y0), (X0 + 123.45, Y0), (X0, Y0 + 67.8)]).in_crs(z39());
    let t = shaped(&db, "GP-2", "6.2776", tri).unwrap();
    // 123.45 × 67.8 / 2 = 4184.955 m² = 6.2774325 亩 (×0.0015), measured
    // to the millionth.
    assert_eq!(
        db.parcel(t).unwrap().boundary.unwrap().area(),
        mu("6.277433")
    );
}

#[test]
fn the_same_parcel_in_longitude_and_latitude_measures_the_same() {
    let db = Db::temporary().unwrap();
    let mut corners = vec![
        (X0, Y0),
        (X0 + 200.0, Y0),
        (X0 + 200.0, Y0 + 100.0),
        (X0, Y0 + 100.0),
    ];
    parkdb::geometry::reproject(z39(), Crs::CGCS2000, &mut corners).unwrap();
    assert!((116.0..118.0).contains(&corners[0].0), "{corners:?}");
    let p = shaped(
        &db,
        "GP-1",
        "30",
        Outline::points(&corners).in_crs(Crs::CGCS2000),
    )
    .unwrap();
    let b = db.parcel(p).unwrap().boundary.unwrap();
    assert_eq!(b.crs(), Crs::CGCS2000);
    let diff = (b.area().to_f64() - 30.0).abs() / 30.0;
    assert!(diff < 1e-4, "{} 亩 in EPSG:4490", b.area());
}

#[test]
fn a_mismatch_beyond_the_tolerance_is_flagged() {
    let db = Db::temporary().unwrap();
    // Registered 30 亩, surveyed 31.5 (5% more).
    let p = shaped(&db, "GP-1", "30", rect(0.0, 0.0, 210.0, 100.0)).unwrap();
    let ok = shaped(&db, "GP-2", "30", rect(500.0, 0.0, 200.5, 100.0)).unwrap();
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    let mismatched: Vec<ParcelId> = report
        .findings
        .iter()
        .filter(|f| f.kind == "area_mismatch")
        .flat_map(|f| f.parcels.clone())
        .collect();
    assert_eq!(mismatched, vec![p]);
    let table = db.now().parcels_table(&ParcelFilter::default()).unwrap();
    let flags = table
        .column_by_name("area_mismatch")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::BooleanArray>()
        .unwrap()
        .clone();
    assert!(flags.value(0) && !flags.value(1), "{ok}");
    // A wider tolerance (6%) clears it.
    db.set_area_tolerance_ppm(Some(60_000)).unwrap();
    assert!(db.check().unwrap().findings.is_empty());
}

#[test]
fn overlapping_parcels_are_found() {
    let db = Db::temporary().unwrap();
    let a = shaped(&db, "A", "15", rect(0.0, 0.0, 100.0, 100.0)).unwrap();
    let b = shaped(&db, "B", "15", rect(90.0, 0.0, 100.0, 100.0)).unwrap();
    shaped(&db, "C", "15", rect(190.0, 0.0, 100.0, 100.0)).unwrap(); // touches B only
    let overlaps: Vec<Vec<ParcelId>> = db
        .check()
        .unwrap()
        .findings
        .into_iter()
        .filter(|f| f.kind == "overlap")
        .map(|f| f.parcels)
        .collect();
    assert_eq!(overlaps, vec![vec![a, b]]);
}

#[test]
fn invalid_boundaries_are_refused_and_nothing_is_written() {
    let db = Db::temporary().unwrap();
    let p = shaped(&db, "GP-1", "15", rect(0.0, 0.0, 100.0, 100.0)).unwrap();
    let events = db.check().unwrap().events;
    let bow = Outline::points(&[
        (X0, Y0),
        (X0 + 100.0, Y0 + 100.0),
        (X0 + 100.0, Y0),
        (X0, Y0 + 100.0),
    ])
    .in_crs(z39());
    let unclosed = Outline::polygons(vec![vec![vec![
        (X0, Y0),
        (X0 + 100.0, Y0),
        (X0 + 100.0, Y0 + 100.0),
        (X0, Y0 + 100.0),
    ]]])
    .in_crs(z39());
    let two = Outline::points(&[(X0, Y0), (X0 + 100.0, Y0)]).in_crs(z39());
    let nan = Outline::points(&[(X0, Y0), (f64::NAN, Y0), (X0, Y0 + 100.0)]).in_crs(z39());
    let zone40 = Outline::points(&[
        (X0 + 1e6, Y0),
        (X0 + 1e6 + 100.0, Y0),
        (X0 + 1e6, Y0 + 100.0),
    ])
    .in_crs(z39());
    let no_crs = Outline::points(&[(X0, Y0), (X0 + 100.0, Y0), (X0, Y0 + 100.0)]);
    let cases: Vec<(Outline, &str)> = vec![
        (bow, "self-intersection"),
        (unclosed, "not closed"),
        (two, "at least 3"),
        (nan, "point 2"),
        (zone40, "EPSG:4528"),
        (no_crs, "no coordinate system"),
    ];
    for (outline, says) in cases {
        let err = db
            .set_boundary(p, d("2011-01-01"), Some(&outline))
            .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");
        assert!(err.to_string().contains(says), "{says}: {err}");
        let err = shaped(&db, "GP-X", "15", outline).unwrap_err();
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    assert!(Crs::parse("EPSG:3857").is_err());
    assert_eq!(
        db.check().unwrap().events,
        events,
        "a refused boundary wrote nothing"
    );
    assert!(db.parcel_by_code("GP-X").is_err());
}

#[test]
fn the_default_crs_serves_boundaries_given_without_one() {
    let db = Db::temporary().unwrap();
    db.set_default_crs(Some(z39())).unwrap();
    let plain = Outline::parse("POLYGON ((39512000 3400000, 39512100 3400000, 39512100 3400100, 39512000 3400100, 39512000 3400000))").unwrap();
    let p = shaped(&db, "GP-1", "15", plain).unwrap();
    assert_eq!(db.parcel(p).unwrap().boundary.unwrap().crs(), z39());
    assert_eq!(db.policy().unwrap().default_crs, Some(z39()));
}

#[test]
fn boundaries_are_dated_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let p;
    {
        let db = Db::open(&path).unwrap();
        p = shaped(&db, "GP-1", "15", rect(0.0, 0.0, 100.0, 100.0)).unwrap();
        db.set_boundary(p, d("2012-06-01"), Some(&rect(0.0, 0.0, 100.0, 101.0)))
            .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let now = db.parcel(p).unwrap().boundary.unwrap();
    assert_eq!(now.area(), mu("15.15"));
    let then = db
        .as_of(d("2011-01-01"))
        .parcel(p)
        .unwrap()
        .boundary
        .unwrap();
    assert_eq!(then.area(), mu("15"));
    let history = db.now().parcel_history(p).unwrap();
    let names: Vec<&str> = history
        .iter()
        .filter_map(|h| match &h.event.body {
            parkdb::Body::Domain(e) => Some(e.name()),
            parkdb::Body::Void { .. } => None,
        })
        .collect();
    assert_eq!(names, ["requisitioned", "boundary_set", "boundary_set"]);
    // Removing it is an event too.
    db.set_boundary(p, d("2013-01-01"), None).unwrap();
    assert!(db.parcel(p).unwrap().boundary.is_none());
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_split_with_shapes() {
    let db = Db::temporary().unwrap();
    let p = shaped(&db, "P", "30", rect(0.0, 0.0, 200.0, 100.0)).unwrap();
    let part = |code: &str, area: &str, outline: Outline| SplitPart {
        code: code.into(),
        area: mu(area),
        boundary: Some(outline),
    };
    let events = db.check().unwrap().events;
    // A part outside the parent.
    let err = db
        .split_parts(
            p,
            d("2011-01-01"),
            &[
                part("P-1", "15", rect(0.0, 0.0, 100.0, 100.0)),
                part("P-2", "15", rect(100.0, 0.0, 100.0, 110.0)),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("outside parcel P"), "{err}");
    // Parts that overlap.
    let err = db
        .split_parts(
            p,
            d("2011-01-01"),
            &[
                part("P-1", "15", rect(0.0, 0.0, 110.0, 100.0)),
                part("P-2", "15", rect(100.0, 0.0, 100.0, 100.0)),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("overlap"), "{err}");
    // Parts that leave a strip of the parent uncovered.
    let err = db
        .split_parts(
            p,
            d("2011-01-01"),
            &[
                part("P-1", "15", rect(0.0, 0.0, 90.0, 100.0)),
                part("P-2", "15", rect(100.0, 0.0, 100.0, 100.0)),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("uncovered"), "{err}");
    assert_eq!(db.check().unwrap().events, events);
    // Registered areas still sum exactly; shapes within the tolerance.
    let kids = db
        .split_parts(
            p,
            d("2011-01-01"),
            &[
                part("P-1", "14.5", rect(0.0, 0.0, 100.0, 100.0)),
                part("P-2", "15.5", rect(100.0, 0.0, 100.0, 100.0)),
            ],
        )
        .unwrap();
    assert_eq!(
        db.parcel(kids[0]).unwrap().boundary.unwrap().area(),
        mu("15")
    );
    assert!(
        db.parcel(p).unwrap().boundary.is_some(),
        "the parent keeps its shape in history"
    );
    // Queries by shape find the parts, not the retired parent.
    let all = Region::from(&*db.parcel(p).unwrap().boundary.unwrap());
    assert_eq!(
        codes(
            &db.now()
                .parcels_in(&ParcelFilter::default(), Spatial::Within(&all))
                .unwrap()
        ),
        ["P-1", "P-2"]
    );
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn within_intersects_and_neighbours_on_a_grid() {
    let db = Db::temporary().unwrap();
    let ids = grid(&db);
    db.set_default_crs(Some(z39())).unwrap();
    let now = db.now();
    let any = ParcelFilter::default();
    // The left two columns, drawn a little wider than they are.
    let left = Region::parse("POLYGON ((39511999 3399999, 39512201 3399999, 39512201 3400301, 39511999 3400301, 39511999 3399999))").unwrap();
    assert_eq!(
        codes(&now.parcels_in(&any, Spatial::Within(&left)).unwrap()),
        ["G00", "G01", "G02", "G10", "G11", "G12"]
    );
    // A triangle: boxes inside its box are not enough, the shapes are tested.
    let triangle = Region::parse(
        "POLYGON ((39511999 3399999, 39512201 3399999, 39511999 3400201, 39511999 3399999))",
    )
    .unwrap();
    assert_eq!(
        codes(&now.parcels_in(&any, Spatial::Within(&triangle)).unwrap()),
        ["G00"]
    );
    assert_eq!(
        codes(
            &now.parcels_in(&any, Spatial::Intersects(&triangle))
                .unwrap()
        ),
        ["G00", "G01", "G02", "G10", "G11", "G20"]
    );
    // A point in the middle square; a line across the bottom row.
    let point = Region::parse("POINT (39512150 3400150)").unwrap();
    assert_eq!(
        codes(&now.parcels_in(&any, Spatial::Intersects(&point)).unwrap()),
        ["G11"]
    );
    let line = Region::parse("LINESTRING (39512050 3400050, 39512250 3400050)").unwrap();
    assert_eq!(
        codes(&now.parcels_in(&any, Spatial::Intersects(&line)).unwrap()),
        ["G00", "G10", "G20"]
    );
    // Neighbours share an edge; corners do not count.
    assert_eq!(
        codes(&now.neighbours(ids[4]).unwrap()),
        ["G01", "G10", "G12", "G21"]
    );
    assert_eq!(codes(&now.neighbours(ids[0]).unwrap()), ["G01", "G10"]);
    // The same query in longitude and latitude.
    let mut corners = vec![(X0 + 150.0, Y0 + 150.0)];
    parkdb::geometry::reproject(z39(), Crs::CGCS2000, &mut corners).unwrap();
    let lonlat = Region::parse(&format!("POINT ({} {})", corners[0].0, corners[0].1))
        .unwrap()
        .in_crs(Crs::CGCS2000);
    assert_eq!(
        codes(&now.parcels_in(&any, Spatial::Intersects(&lonlat)).unwrap()),
        ["G11"]
    );
    // A write updates the index: G11 moves away.
    db.set_boundary(
        ids[4],
        d("2012-01-01"),
        Some(&rect(1000.0, 1000.0, 100.0, 100.0)),
    )
    .unwrap();
    assert!(db
        .now()
        .parcels_in(&any, Spatial::Intersects(&point))
        .unwrap()
        .is_empty());
    // As of before the move it was still there.
    let before = db.as_of(d("2011-12-31"));
    assert_eq!(
        codes(
            &before
                .parcels_in(&any, Spatial::Intersects(&point))
                .unwrap()
        ),
        ["G11"]
    );
    assert_eq!(
        codes(&before.neighbours(ids[4]).unwrap()),
        ["G01", "G10", "G12", "G21"]
    );
    assert!(db.now().neighbours(ids[4]).unwrap().is_empty());
}

#[test]
fn the_map_draws_one_polygon_per_parcel_with_a_boundary() {
    let db = Db::temporary().unwrap();
    grid(&db);
    common::parcel(&db, "NO-SHAPE", "10", "2010-01-01");
    let map = db.now().map(parkdb::MapColor::Status).unwrap();
    assert_eq!(map.parcels_drawn(), 9);
    let svg = map.svg();
    assert_eq!(svg.matches("<path class=\"parcel\"").count(), 9);
    assert!(svg.contains("data-code=\"G11\""));
    assert!(!svg.contains("NO-SHAPE"));
    for text in ["图例", "储备", "北", "50 m"] {
        assert!(svg.contains(text), "{text} missing from the map");
    }
    // Fonts Chinese text has on Windows, macOS and Linux, so titles never
    // show as boxes.
    for font in ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC"] {
        assert!(svg.contains(font), "{font} missing from the map's fonts");
    }
    let idle = db.now().map(parkdb::MapColor::Idle).unwrap();
    assert!(idle.svg().contains("闲置满两年"));
}

#[cfg(feature = "ledgers")]
fn import_options(code_field: &str) -> parkdb::ledger::BoundaryOptions {
    parkdb::ledger::BoundaryOptions {
        code_field: code_field.into(),
        on: Some(d("2011-01-01")),
        ..parkdb::ledger::BoundaryOptions::default()
    }
}

#[cfg(feature = "ledgers")]
#[test]
fn boundaries_import_from_a_geojson_file_all_or_nothing() {
    let db = Db::temporary().unwrap();
    common::parcel(&db, "GP-1", "15", "2010-01-01");
    common::parcel(&db, "GP-2", "20", "2010-01-01");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("界址.geojson");
    let feature = |code: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"地块编号":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3400000],[{},3400000],[{},3400100],[{x},3400100],[{x},3400000]]]}}}}"#,
            x + 100.0,
            x + 100.0
        )
    };
    let write = |features: &[String]| {
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4527"}}}},"features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
    };
    // An unknown code: reported with its feature number, nothing written.
    write(&[feature("GP-1", X0), feature("GP-9", X0 + 200.0)]);
    let r = parkdb::ledger::import_boundaries(&db, &path, &import_options("地块编号")).unwrap();
    assert!(!r.written);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].row, 2);
    assert!(r.errors[0].reason.contains("GP-9"), "{}", r.errors[0]);
    assert!(db.parcel_by_code("GP-1").unwrap().boundary.is_none());
    // Both known: written; GP-2's 15 亩 surveyed against 20 registered is reported.
    write(&[feature("GP-1", X0), feature("GP-2", X0 + 200.0)]);
    let r = parkdb::ledger::import_boundaries(&db, &path, &import_options("地块编号")).unwrap();
    assert!(r.written && r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.matched, 2);
    assert_eq!(r.mismatches.len(), 1);
    assert!(r.mismatches[0].reason.contains("GP-2"));
    let b = db.parcel_by_code("GP-2").unwrap().boundary.unwrap();
    assert_eq!((b.crs(), b.area()), (z39(), mu("15")));
}

#[cfg(feature = "ledgers")]
/// A survey file as tools write it: GeoJSON without a `crs` member is WGS
/// 84 longitude/latitude (RFC 7946); a parcel named by two features is
/// refused; a code field no feature has is named, with the fields there are.
#[test]
fn geojson_without_crs_is_lon_lat_and_doubled_or_missing_codes_are_refused() {
    let db = Db::temporary().unwrap();
    common::parcel(&db, "YT-1", "15", "2010-01-01");
    common::parcel(&db, "YT-2", "15", "2010-01-01");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yantai.geojson");
    // About 100 m × 100 m at 37.5°N, 121.4°E.
    let square = |code: &str, lon: f64| {
        let (dx, dy) = (
            100.0 / (111_320.0 * 37.5f64.to_radians().cos()),
            100.0 / 110_950.0,
        );
        format!(
            r#"{{"type":"Feature","properties":{{"DKBH":"{code}","QLR":"烟台某公司"}},"geometry":{{"type":"Polygon","coordinates":[[[{lon},37.5],[{},37.5],[{},{}],[{lon},{}],[{lon},37.5]]]}}}}"#,
            lon + dx,
            lon + dx,
            37.5 + dy,
            37.5 + dy
        )
    };
    let write = |features: &[String]| {
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
    };
    // The same parcel twice: refused, naming the first feature.
    write(&[square("YT-1", 121.4), square("YT-1", 121.41)]);
    let r = parkdb::ledger::import_boundaries(&db, &path, &import_options("DKBH")).unwrap();
    assert!(!r.written);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].row, 2);
    assert!(r.errors[0].reason.contains("feature 1"), "{}", r.errors[0]);
    // A code field no feature has: named, with the fields there are.
    match parkdb::ledger::import_boundaries(&db, &path, &import_options("地块编号")) {
        Err(Error::Validation { reason, .. }) => {
            assert!(
                reason.contains("地块编号") && reason.contains("DKBH, QLR"),
                "{reason}"
            );
        }
        other => panic!("a missing code field: {other:?}"),
    }
    // Without a crs member, longitude/latitude: measured as about 15 亩.
    write(&[square("YT-1", 121.4), square("YT-2", 121.41)]);
    let r = parkdb::ledger::import_boundaries(&db, &path, &import_options("DKBH")).unwrap();
    assert!(r.written && r.errors.is_empty(), "{:?}", r.errors);
    let b = db.parcel_by_code("YT-1").unwrap().boundary.unwrap();
    assert_eq!(b.crs(), parkdb::Crs::WGS84);
    let area = b.area().to_f64();
    assert!((area - 15.0).abs() < 0.15, "{area} 亩");
}

#[cfg(feature = "ledgers")]
#[test]
fn boundaries_import_from_a_shapefile() {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    let db = Db::temporary().unwrap();
    common::parcel(&db, "GP-1", "15", "2010-01-01");
    common::parcel(&db, "GP-2", "30", "2010-01-01");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.shp");
    {
        let table =
            TableWriterBuilder::new().add_character_field(FieldName::try_from("DKBH").unwrap(), 20);
        let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
        let square = |x: f64, w: f64| {
            // Outer rings clockwise, as shapefiles keep them.
            shapefile::Polygon::new(shapefile::PolygonRing::Outer(vec![
                shapefile::Point::new(x, Y0),
                shapefile::Point::new(x, Y0 + 100.0),
                shapefile::Point::new(x + w, Y0 + 100.0),
                shapefile::Point::new(x + w, Y0),
                shapefile::Point::new(x, Y0),
            ]))
        };
        for (code, x, w) in [("GP-1", X0, 100.0), ("GP-2", X0 + 100.0, 200.0)] {
            let mut record = Record::default();
            record.insert("DKBH".into(), FieldValue::Character(Some(code.into())));
            writer
                .write_shape_and_record(&square(x, w), &record)
                .unwrap();
        }
    }
    std::fs::write(
        path.with_extension("prj"),
        r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]"#,
    )
    .unwrap();
    let r = parkdb::ledger::import_boundaries(&db, &path, &import_options("DKBH")).unwrap();
    assert!(r.written, "{:?}", r.errors);
    assert_eq!((r.features, r.matched), (2, 2));
    assert!(r.mismatches.is_empty());
    let p2 = db.parcel_by_code("GP-2").unwrap();
    assert_eq!(p2.boundary.unwrap().area(), mu("30"));
    assert_eq!(
        codes(
            &db.now()
                .neighbours(db.parcel_by_code("GP-1").unwrap().id)
                .unwrap()
        ),
        ["GP-2"]
    );

    // The same survey as Chinese tools leave it: the .dbf in GBK with a
    // Chinese field name, and a .cpg that says so.
    std::fs::write(path.with_extension("dbf"), gbk_dbf(&["GP-1", "GP-2"])).unwrap();
    std::fs::write(path.with_extension("cpg"), "GBK").unwrap();
    let options = parkdb::ledger::BoundaryOptions {
        on: Some(d("2012-01-01")),
        ..import_options("地块编号")
    };
    let r = parkdb::ledger::import_boundaries(&db, &path, &options).unwrap();
    assert!(r.written && r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.matched, 2);

    // Without its .cpg the GBK text is not read as UTF-8 in silence: the
    // import is refused and says how to name the encoding.
    std::fs::remove_file(path.with_extension("cpg")).unwrap();
    match parkdb::ledger::import_boundaries(&db, &path, &options) {
        Err(parkdb::Error::Validation { field, reason }) => {
            assert_eq!(field, "encoding");
            assert!(
                reason.contains("GBK") && reason.contains(".cpg"),
                "{reason}"
            );
        }
        other => panic!("expected the encoding refused, got {other:?}"),
    }
    // The encoding given reads it, and wins over a .cpg that is wrong.
    let gbk = parkdb::ledger::BoundaryOptions {
        encoding: Some("GBK".into()),
        ..options.clone()
    };
    let r = parkdb::ledger::import_boundaries(&db, &path, &gbk).unwrap();
    assert!(
        r.written && r.errors.is_empty() && r.matched == 2,
        "{:?}",
        r.errors
    );
    std::fs::write(path.with_extension("cpg"), "UTF-8").unwrap();
    let r = parkdb::ledger::import_boundaries(&db, &path, &gbk).unwrap();
    assert!(r.written && r.matched == 2, "{:?}", r.errors);
    // A field name in ASCII and a later feature's code in GBK (东区-2):
    // the code is not matched as replacement characters.
    std::fs::remove_file(path.with_extension("cpg")).unwrap();
    std::fs::write(
        path.with_extension("dbf"),
        dbf(b"DKBH", &[b"GP-1", &[0xB6, 0xAB, 0xC7, 0xF8, b'-', b'2']]),
    )
    .unwrap();
    let ascii = parkdb::ledger::BoundaryOptions {
        on: Some(d("2012-01-01")),
        ..import_options("DKBH")
    };
    match parkdb::ledger::import_boundaries(&db, &path, &ascii) {
        Err(parkdb::Error::Validation { field, reason }) => {
            assert_eq!(field, "encoding");
            assert!(reason.contains("feature 2's DKBH"), "{reason}");
        }
        other => panic!("expected the encoding refused, got {other:?}"),
    }
    // An encoding no one knows is refused by name.
    let unknown = parkdb::ledger::BoundaryOptions {
        encoding: Some("klingon".into()),
        ..options
    };
    assert!(matches!(
        parkdb::ledger::import_boundaries(&db, &path, &unknown),
        Err(parkdb::Error::Validation { field, .. }) if field == "encoding"
    ));
}

#[cfg(feature = "ledgers")]
/// A dBase III table of one character field named 地块编号 in GBK (8 bytes,
/// as GDAL writes it within the 10 a name may hold), a record per code.
fn gbk_dbf(codes: &[&str]) -> Vec<u8> {
    // 地块编号 in GBK.
    let name = [0xB5, 0xD8, 0xBF, 0xE9, 0xB1, 0xE0, 0xBA, 0xC5];
    let codes: Vec<&[u8]> = codes.iter().map(|c| c.as_bytes()).collect();
    dbf(&name, &codes)
}

#[cfg(feature = "ledgers")]
/// A dBase III table of one character field named `name` (as bytes), a
/// record per code (as bytes).
fn dbf(name: &[u8], codes: &[&[u8]]) -> Vec<u8> {
    const WIDTH: u8 = 20;
    let mut out = vec![0x03, 124, 1, 1];
    out.extend_from_slice(&u32::try_from(codes.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&(32u16 + 32 + 1).to_le_bytes());
    out.extend_from_slice(&(1 + u16::from(WIDTH)).to_le_bytes());
    out.extend_from_slice(&[0; 20]);
    let mut field = [0u8; 32];
    field[..name.len()].copy_from_slice(name);
    field[11] = b'C';
    field[16] = WIDTH;
    out.extend_from_slice(&field);
    out.push(0x0D);
    for code in codes {
        out.push(b' ');
        let mut cell = code.to_vec();
        cell.resize(usize::from(WIDTH), b' ');
        out.extend_from_slice(&cell);
    }
    out.push(0x1A);
    out
}

#[test]
fn the_example_zone_is_laid_out_without_overlaps_or_mismatches() {
    let db = Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let now = db.now();
    let parcels = now.all_parcels().unwrap();
    let shaped = parcels.iter().filter(|p| p.boundary.is_some()).count();
    assert_eq!(
        shaped,
        parcels.len(),
        "every parcel of the example has a boundary"
    );
    // Parcels along a road share edges with the ones beside them.
    let first = parcels.iter().find(|p| p.retired.is_none()).unwrap();
    assert!(!now.neighbours(first.id).unwrap().is_empty());
    let map = now.map(parkdb::MapColor::Status).unwrap();
    assert_eq!(
        map.parcels_drawn(),
        parcels.iter().filter(|p| p.retired.is_none()).count()
    );
}

/// A parcels table of more rows than one block is built in: its batches,
/// as the readers of a stream take them, are the table's rows in order.
#[test]
fn a_large_parcels_table_in_batches_is_the_table_in_one() {
    let db = Db::temporary().unwrap();
    let holder = common::firm(&db, "大户");
    let n = 33_000_usize;
    db.write(|w| {
        for i in 0..n {
            let mut new = NewParcel::new(
                format!("B-{i:05}").as_str(),
                mu("15"),
                LandUse::Industrial,
                d("2010-01-01"),
            );
            if i % 3 == 0 {
                let (x, y) = ((i % 100) as f64 * 200.0, (i / 100) as f64 * 200.0);
                new.boundary = Some(rect(x, y, 100.0, 100.0));
            }
            let p = w.add_parcel(new)?;
            if i % 10 == 0 {
                w.allocate(p, common::terms(holder, "2011-01-01", "100000", None))?;
            }
        }
        Ok(())
    })
    .unwrap();
    let now = db.now();
    let table = now.parcels_table(&ParcelFilter::default()).unwrap();
    let batches = now
        .parcels_batches_in(&ParcelFilter::default(), None)
        .unwrap();
    assert_eq!(table.num_rows(), n);
    assert!(batches.len() > 2, "{} batches", batches.len());
    let mut at = 0;
    for batch in &batches {
        assert_eq!(batch.schema(), table.schema());
        assert_eq!(*batch, table.slice(at, batch.num_rows()), "rows from {at}");
        at += batch.num_rows();
    }
    assert_eq!(at, n);
    let ids = table
        .column_by_name("parcel_id")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::UInt64Array>()
        .unwrap();
    assert!(ids.values().windows(2).all(|w| w[0] < w[1]), "in id order");
    let names = table
        .column_by_name("holder_name")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    assert_eq!(names.iter().filter(|n| *n == Some("大户")).count(), n / 10);
    // Fewer rows than a block (4,096): one batch.
    let few = now
        .parcels_batches_in(
            &ParcelFilter {
                holder: Some(holder),
                ..ParcelFilter::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(few.len(), 1);
    assert_eq!(few[0].num_rows(), n / 10);
}

#[cfg(feature = "ledgers")]
/// Surveys in longitude and latitude are measured in the zone the park
/// registers in: named by `zone` in an import, or the database's default
/// CRS when that is a zone; otherwise in the zone each shape falls in,
/// which gives another area for land past 121.5°E.
#[test]
fn longitude_and_latitude_are_measured_in_the_parks_zone() {
    let close = |a: parkdb::Mu, b: &str| (a.millionths() - mu(b).millionths()).abs() <= 2;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("烟台.geojson");
    let ring: Vec<String> = common::yantai_lonlat()
        .iter()
        .chain(common::yantai_lonlat().first())
        .map(|(x, y)| format!("[{x},{y}]"))
        .collect();
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4490"}}}},"features":[{{"type":"Feature","properties":{{"地块编号":"YT-1"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}]}}"#,
            ring.join(",")
        ),
    )
    .unwrap();
    let area = |zone: Option<u32>, default: Option<u32>| {
        let db = Db::temporary().unwrap();
        common::parcel(&db, "YT-1", "30", "2010-01-01");
        if let Some(d) = default {
            db.set_default_crs(Some(Crs::epsg(d).unwrap())).unwrap();
        }
        let options = parkdb::ledger::BoundaryOptions {
            zone: zone.map(|z| Crs::epsg(z).unwrap()),
            ..import_options("地块编号")
        };
        let r = parkdb::ledger::import_boundaries(&db, &path, &options).unwrap();
        assert!(r.written, "{:?}", r.errors);
        let b = db.parcel_by_code("YT-1").unwrap().boundary.unwrap();
        // Read again from its events, it is measured the same.
        let stored = b.stored();
        // The zone named, else the park's when the shape is within its reach.
        let reached = default.filter(|d| matches!(d, 4528 | 4549));
        assert_eq!(stored.plane.map(u32::from), zone.or(reached));
        b.area()
    };
    // Named by the import, or the park's zone by default: the survey's 30 亩.
    assert!(
        close(area(Some(4528), None), "30"),
        "{}",
        area(Some(4528), None)
    );
    assert!(
        close(area(None, Some(4528)), "30"),
        "{}",
        area(None, Some(4528))
    );
    // The plain zone 40 (EPSG:4549) is the same plane.
    assert!(close(area(Some(4549), None), "30"));
    // Neither: measured in zone 41, where it falls; not the registered area.
    let own = area(None, None);
    assert!(
        !close(own, "30") && (own.to_f64() - 30.0).abs() < 0.02,
        "{own}"
    );
    // A default CRS in longitude and latitude measures as before.
    assert_eq!(area(None, Some(4490)), own);
    // A zone out of reach named by the import is refused, naming it.
    let db = Db::temporary().unwrap();
    common::parcel(&db, "YT-1", "30", "2010-01-01");
    let options = parkdb::ledger::BoundaryOptions {
        zone: Some(Crs::epsg(4521).unwrap()),
        ..import_options("地块编号")
    };
    let r = parkdb::ledger::import_boundaries(&db, &path, &options).unwrap();
    assert!(!r.written && r.errors.len() == 1, "{:?}", r.errors);
    assert!(r.errors[0].reason.contains("EPSG:4521"), "{}", r.errors[0]);
    assert!(db.parcel_by_code("YT-1").unwrap().boundary.is_none());
    // A park's default zone out of reach of a shape measures it where it lies.
    assert_eq!(area(None, Some(4521)), own);
}

/// The zone a boundary is measured in survives reopening (from its
/// events, and from a checkpoint).
#[test]
fn the_zone_chosen_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let first = {
        let db = Db::open(&path).unwrap();
        let outline = Outline::points(&common::yantai_lonlat())
            .in_crs(Crs::CGCS2000)
            .measured_in(Crs::epsg(4528).unwrap());
        let p = shaped(&db, "YT-1", "30", outline).unwrap();
        let b = db.parcel(p).unwrap().boundary.unwrap();
        db.close().unwrap();
        b
    };
    for _ in 0..2 {
        let db = Db::open(&path).unwrap();
        let b = db.parcel_by_code("YT-1").unwrap().boundary.unwrap();
        assert_eq!(*b, *first);
        assert_eq!(b.area(), first.area());
        assert_eq!(b.plane().unwrap(), Crs::epsg(4528).unwrap());
        assert!(db.check().unwrap().is_clean());
        db.close().unwrap();
    }
}
