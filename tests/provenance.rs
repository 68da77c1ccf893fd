//! Where every event came from: each path that writes records its source
//! (the API and who, a ledger import's file, sheet and row, a boundary
//! file's feature), and events stored before sources were kept read as
//! unknown.

mod common;

#[cfg(feature = "ledgers")]
use std::path::Path;

use arrow_array::{Array, StringArray, UInt64Array};
use common::{d, mu};
#[cfg(feature = "ledgers")]
use parkdb::ledger::{self, ImportOptions};
use parkdb::{Db, LandUse, NewParcel, SourceKind};

fn strings(batch: &arrow_array::RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let col = arrow_cast::cast(col, &arrow_schema::DataType::Utf8).unwrap();
    let a = col.as_any().downcast_ref::<StringArray>().unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_owned()))
        .collect()
}

fn ids(batch: &arrow_array::RecordBatch, name: &str) -> Vec<Option<u64>> {
    let a = batch
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<UInt64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

#[test]
fn api_writes_record_who_wrote_them_by_handle_or_unit() {
    let mut db = Db::temporary().unwrap();
    db.set_by(Some("王芳")).unwrap();
    let p = db
        .add_parcel(NewParcel::new(
            "GP-1",
            mu("10"),
            LandUse::Industrial,
            d("2004-01-01"),
        ))
        .unwrap();
    let first = db.history(p).unwrap()[0].event.id;
    let o = db.origin(first).unwrap();
    assert_eq!(o.kind, SourceKind::Api);
    assert_eq!(o.by.as_deref(), Some("王芳"));
    assert_eq!(o.host.as_deref(), host().as_deref());
    assert_eq!((o.file, o.row, o.import_id), (None, None, None));

    // A unit of work names its own writer.
    let mut tx = db.begin().unwrap();
    tx.set_by("李强").unwrap();
    tx.develop(p, d("2004-06-01")).unwrap();
    tx.commit().unwrap();
    let developed = db.history(p).unwrap()[1].event.id;
    assert_eq!(db.origin(developed).unwrap().by.as_deref(), Some("李强"));

    // Without a `by`, the system's user.
    db.set_by(None).unwrap();
    db.certify(p, d("2004-09-01"), "国用(2004)第1号").unwrap();
    let certified = db.history(p).unwrap()[2].event.id;
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    assert_eq!(db.origin(certified).unwrap().by, user);

    // The events table says the same, row by row.
    let events = db
        .now()
        .events_table(&parkdb::tables::EventFilter::default())
        .unwrap();
    assert_eq!(strings(&events, "source"), vec![Some("api".into()); 3]);
    assert_eq!(
        strings(&events, "source_by"),
        vec![Some("王芳".into()), Some("李强".into()), user]
    );
    assert_eq!(ids(&events, "import_id"), vec![None; 3]);
    // A name the rules refuse is a typed error, and nothing changes.
    assert!(matches!(
        db.set_by(Some("王\u{0}芳")),
        Err(parkdb::Error::Validation { .. })
    ));
    assert_eq!(db.by(), None);
    let mut tx = db.begin().unwrap();
    assert!(tx.set_by("").is_err());
    drop(tx);
    // An id no event has is unknown.
    assert_eq!(
        db.origin(parkdb::EventId(999)).unwrap().kind,
        SourceKind::Unknown
    );
}

fn host() -> Option<String> {
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

#[cfg(feature = "ledgers")]
fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[cfg(feature = "ledgers")]
#[test]
fn an_imports_events_name_its_file_checksum_sheet_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::temporary().unwrap();
    db.set_by(Some("数据专员")).unwrap();
    let register = write(dir.path(), "企业名录.csv", "企业名称\n东岸精密\n");
    let parcels = write(
        dir.path(),
        "地块台账.csv",
        "地块编号,面积(亩),用途,征地日期\nGP-001,30,工业,2003-05-01\nGP-002,12.5,工业,2003-06-01\n",
    );
    // Rows out of date order apply in date order: each event still names
    // its own row.
    let events = write(
        dir.path(),
        "地块事件.csv",
        "地块编号,事件,日期\nGP-002,开发,2004-09-01\nGP-001,开发,2003-09-01\n",
    );
    let sheets: Vec<_> = [&register, &parcels, &events]
        .iter()
        .flat_map(|p| ledger::read_file(p).unwrap())
        .collect();
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(report.written, "{:#?}", report.errors);

    let table = db
        .now()
        .events_table(&parkdb::tables::EventFilter::default())
        .unwrap();
    let codes = strings(&table, "code");
    let names = strings(&table, "event");
    let files = strings(&table, "source_file");
    let sheets_of = strings(&table, "source_sheet");
    let rows = ids(&table, "source_row");
    let at = |code: &str, event: &str| {
        let i = (0..table.num_rows())
            .find(|&i| codes[i].as_deref() == Some(code) && names[i].as_deref() == Some(event))
            .unwrap_or_else(|| panic!("no {event} of {code}"));
        (
            files[i].clone().unwrap(),
            sheets_of[i].clone().unwrap(),
            rows[i].unwrap(),
        )
    };
    assert_eq!(
        at("GP-001", "requisitioned"),
        ("地块台账.csv".into(), "地块台账".into(), 2)
    );
    assert_eq!(
        at("GP-002", "requisitioned"),
        ("地块台账.csv".into(), "地块台账".into(), 3)
    );
    assert_eq!(
        at("GP-002", "developed"),
        ("地块事件.csv".into(), "地块事件".into(), 2)
    );
    assert_eq!(
        at("GP-001", "developed"),
        ("地块事件.csv".into(), "地块事件".into(), 3)
    );
    assert!(strings(&table, "source")
        .iter()
        .all(|s| s.as_deref() == Some("import")));
    assert!(strings(&table, "source_by")
        .iter()
        .all(|s| s.as_deref() == Some("数据专员")));

    // The import is listed with its files and checksums, and its events
    // are found by its number.
    let imports = db.imports().unwrap();
    assert_eq!(imports.len(), 1, "{imports:?}");
    let import = &imports[0];
    assert_eq!(import.kind, SourceKind::Import);
    assert_eq!(import.by.as_deref(), Some("数据专员"));
    assert_eq!(import.events, report.events);
    assert_eq!(import.events, table.num_rows() as u64);
    let names: Vec<&str> = import.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["企业名录.csv", "地块台账.csv", "地块事件.csv"]);
    // `printf '企业名称\n东岸精密\n' | sha256sum`
    assert_eq!(
        import.files[0].sha256,
        "3107aa8e32fb5f089a4f3c4e437c75c1ff85206b27ec6394bfd755065d099f66"
    );
    assert!(ids(&table, "import_id")
        .iter()
        .all(|i| *i == Some(import.id)));
    // As text (the command's `parkdb imports`): its time in UTC shown, not
    // a renderer's error.
    let shown =
        parkdb::tables::Pretty::new(&parkdb::tables::imports_batch(&imports).unwrap()).to_string();
    let when = import
        .recorded
        .to_datetime()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    assert!(
        shown.contains("数据专员") && shown.contains(&when),
        "{shown}"
    );
    let o = db.origin(parkdb::EventId(import.first_event)).unwrap();
    assert_eq!(o.sha256.as_deref(), Some(import.files[0].sha256.as_str()));

    // The same ledgers again write nothing, so list no second import;
    // a dry run neither.
    let again = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(!again.written);
    let dry = ledger::import(
        &db,
        &sheets,
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert!(!dry.written);
    assert_eq!(db.imports().unwrap().len(), 1);
}

#[cfg(feature = "ledgers")]
#[test]
fn a_boundary_files_events_name_the_file_and_feature() {
    let db = Db::temporary().unwrap();
    common::parcel(&db, "GP-1", "15", "2010-01-01");
    common::parcel(&db, "GP-2", "15", "2010-01-01");
    let dir = tempfile::tempdir().unwrap();
    let feature = |code: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"地块编号":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3400000],[{},3400000],[{},3400100],[{x},3400100],[{x},3400000]]]}}}}"#,
            x + 100.0,
            x + 100.0
        )
    };
    let path = write(
        dir.path(),
        "界址.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4527"}}}},"features":[{},{}]}}"#,
            feature("GP-2", 39_512_000.0),
            feature("GP-1", 39_512_200.0)
        ),
    );
    let options = parkdb::ledger::BoundaryOptions {
        code_field: "地块编号".into(),
        ..Default::default()
    };
    let r = parkdb::ledger::import_boundaries(&db, &path, &options).unwrap();
    assert!(r.written, "{:?}", r.errors);
    for (code, feature) in [("GP-2", 1), ("GP-1", 2)] {
        let p = db.parcel_by_code(code).unwrap();
        let set = db.history(p.id).unwrap().last().unwrap().event.id;
        let o = db.origin(set).unwrap();
        assert_eq!(o.kind, SourceKind::Boundaries);
        assert_eq!(o.file.as_deref(), Some("界址.geojson"));
        assert_eq!((o.sheet, o.row), (None, Some(feature)));
        // The parcel's registration was an API call.
        let first = db.history(p.id).unwrap()[0].event.id;
        assert_eq!(db.origin(first).unwrap().kind, SourceKind::Api);
    }
    let imports = db.imports().unwrap();
    assert_eq!(imports.len(), 1);
    assert_eq!(
        (imports[0].kind, imports[0].events),
        (SourceKind::Boundaries, 2)
    );
}

/// An entity's history as a table carries the events table's source columns.
#[test]
fn a_history_carries_each_events_source() {
    let mut db = Db::temporary().unwrap();
    db.set_by(Some("王芳")).unwrap();
    let p = common::parcel(&db, "GP-1", "15", "2010-01-01");
    db.develop(p, d("2010-03-01")).unwrap();
    let v = db.now();
    let h = v.parcel_history(p).unwrap();
    let origins = v.origins(&h).unwrap();
    let batch = parkdb::tables::history_with_origins_batch(
        &h,
        &origins,
        parkdb::ParcelEvent::name,
        parkdb::ParcelEvent::describe,
    )
    .unwrap();
    assert_eq!(
        strings(&batch, "source_by"),
        vec![Some("王芳".into()), Some("王芳".into())]
    );
    assert_eq!(
        strings(&batch, "source"),
        vec![Some("api".into()), Some("api".into())]
    );
    // Origins that do not match the history are refused.
    assert!(parkdb::tables::history_with_origins_batch(
        &h,
        &origins[..1],
        parkdb::ParcelEvent::name,
        parkdb::ParcelEvent::describe,
    )
    .is_err());
}
