//! A province of parks read back from a dataset: one evaluation across
//! parks (the same scores as each park alone where benchmarks and missing
//! rules do not depend on the others), the province report against figures
//! worked out by hand, and exports interrupted or damaged.

#![cfg(feature = "ledgers")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{d, firm, mu, parcel, q, terms, yuan};
use parkdb::example::build_seed;
use parkdb::inefficient::{InefficientKind, Rules};
use parkdb::ledger::{evaluate_dataset, export_parquet, province_report};
use parkdb::scheme::{huangyan_2022, Grading, MissingRule, Scheme};
use parkdb::{Db, Error, YearlyFigures};

/// Huangyan's items with absolute grades and missing items scored 0: a
/// firm's score does not depend on the other firms.
fn absolute() -> Scheme {
    let mut s = huangyan_2022();
    for item in &mut s.items {
        item.missing = MissingRule::Zero;
    }
    s.grading = Grading::Absolute(vec![
        ("A".into(), 120.0),
        ("B".into(), 90.0),
        ("C".into(), 60.0),
        ("D".into(), 0.0),
    ]);
    s
}

/// A small park: two firms on 10 and 30 亩, one idle parcel reclaimed once.
fn west() -> Db {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "西岸精工");
    let b = firm(&db, "西岸化纤");
    let p1 = parcel(&db, "W-1", "10", "2003-01-01");
    db.allocate(p1, terms(a, "2003-06-01", "1", None)).unwrap();
    let p2 = parcel(&db, "W-2", "30", "2003-01-01");
    db.allocate(p2, terms(b, "2003-06-01", "1", None)).unwrap();
    let p3 = parcel(&db, "W-3", "20", "2002-01-01");
    let c = firm(&db, "西岸闲置");
    db.allocate(p3, terms(c, "2002-03-01", "1", Some("2002-09-01")))
        .unwrap();
    db.reclaim(p3, d("2005-03-01"), "闲置满两年").unwrap();
    let figures = |tax: &str, va: &str| YearlyFigures {
        output_value: Some(yuan(va)),
        revenue: Some(yuan(va)),
        tax: Some(yuan(tax)),
        value_added: Some(yuan(va)),
        employees: Some(100),
        rd: Some(yuan("100000")),
        energy_tce: Some(q("500")),
        electricity_kwh: Some(q("1000000")),
        emissions_t: Some(q("10")),
        above_scale: Some(true),
        water_m3: None,
    };
    db.report_year(a, 2005, figures("3000000", "12000000"))
        .unwrap();
    db.report_year(b, 2005, figures("1500000", "9000000"))
        .unwrap();
    db
}

fn two_parks(dir: &Path) -> (Db, Db) {
    let east = Db::temporary().unwrap();
    build_seed(&east).unwrap();
    let west = west();
    export_parquet(&east, dir, "east", Some(d("2005-12-31")), None).unwrap();
    export_parquet(&west, dir, "west", Some(d("2005-12-31")), None).unwrap();
    (east, west)
}

#[test]
fn one_evaluation_across_parks_scores_as_each_park_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (east, west) = two_parks(tmp.path());
    let mut leased = absolute();
    leased.scope.include_leased = true;
    // Leased floor space counted as land: the incubator's tenants are
    // evaluated from the leases table as their park would.
    let held = same_as_alone(tmp.path(), &absolute(), &east, &west);
    let with_leases = same_as_alone(tmp.path(), &leased, &east, &west);
    assert!(with_leases > held, "{with_leases} ≤ {held}");
}

/// Checks every firm against its park's own evaluation; the land of all.
fn same_as_alone(dir: &Path, scheme: &Scheme, east: &Db, west: &Db) -> parkdb::Mu {
    let both = evaluate_dataset(dir, scheme, 2005).unwrap();
    let mut checked = 0;
    for (park, db) in [("east", east), ("west", west)] {
        let alone = db.now().evaluate(scheme, 2005).unwrap();
        for row in &alone.rows {
            let mine = both
                .evaluation
                .rows
                .iter()
                .find(|r| {
                    let f = &both.firms[usize::try_from(r.enterprise.0).unwrap()];
                    f.0 == park && f.1 == row.enterprise
                })
                .unwrap_or_else(|| panic!("{} of {park} is missing", row.name));
            assert_eq!(mine.name, row.name);
            assert_eq!(mine.land, row.land, "{}", row.name);
            assert_eq!(
                mine.in_scope, row.in_scope,
                "{}: {:?}",
                row.name, mine.reason
            );
            assert_eq!(mine.grade, row.grade, "{}", row.name);
            match (mine.score, row.score) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{}", row.name),
                (a, b) => assert_eq!(a, b),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, both.evaluation.rows.len());
    // One ranking: ranks run over the firms of both parks.
    let ranks: Vec<u32> = both.evaluation.rows.iter().filter_map(|r| r.rank).collect();
    assert_eq!(ranks.first(), Some(&1));
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
    let table = both.table(scheme).unwrap();
    assert_eq!(table.schema().field(0).name(), "park");
    assert_eq!(table.num_rows(), both.evaluation.rows.len());
    parkdb::Mu::sum(both.evaluation.rows.iter().map(|r| r.land)).unwrap()
}

#[test]
fn the_province_report_against_figures_worked_out_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let (east, _west) = two_parks(tmp.path());
    let report = province_report(tmp.path(), &absolute(), 2005).unwrap();
    let west = report.parks.iter().find(|p| p.park == "west").unwrap();
    // W-1 10 + W-2 30 supplied, W-3 20 back in the reserve after one reclaim.
    assert_eq!(west.requisitioned_mu, mu("60"));
    assert_eq!(west.supplied_mu, mu("40"));
    assert_eq!(west.reclaimed_mu, mu("20"));
    assert_eq!(west.idle_mu, mu("0"));
    // Two firms evaluated on 40 亩: 450 万元 of tax, 2100 万元 of value added.
    assert_eq!(west.evaluated, 2);
    assert_eq!(west.tax, yuan("4500000"));
    assert!((west.tax_per_mu.unwrap() - 450.0 / 40.0).abs() < 1e-9);
    assert!((west.value_added_per_mu.unwrap() - 2100.0 / 40.0).abs() < 1e-9);
    // The east park's land is its own database's summary at the date.
    let e = report.parks.iter().find(|p| p.park == "east").unwrap();
    let summary = east.as_of(d("2005-12-31")).land_summary().unwrap().total;
    assert_eq!(
        (e.requisitioned_mu, e.supplied_mu, e.idle_mu, e.reclaimed_mu),
        (
            summary.requisitioned_mu,
            summary.supplied_mu,
            summary.idle_mu,
            summary.reclaimed_mu
        )
    );
    let alone = east.now().evaluate(&absolute(), 2005).unwrap();
    assert_eq!(e.grades, alone.grade_counts());
    // Inefficient land: W-1 and W-2 supplied 2003-06-01 with no agreed
    // start, not started a year later; the east park's as its database
    // finds it with the same grades.
    assert_eq!(
        west.inefficient,
        BTreeMap::from([(InefficientKind::SuppliedNotUsed, mu("40"))])
    );
    let mut want: BTreeMap<InefficientKind, parkdb::Mu> = BTreeMap::new();
    for p in east
        .as_of(d("2005-12-31"))
        .inefficient_land(&Rules::default(), Some(&alone))
        .unwrap()
    {
        let sum = want.entry(p.kind).or_insert(mu("0"));
        *sum = sum.checked_add(p.area).unwrap();
    }
    assert!(
        want.contains_key(&InefficientKind::ProducingBelowStandard),
        "{want:?}"
    );
    assert_eq!(e.inefficient, want);
    // Ranked by tax per mu, best first.
    assert_eq!(report.parks[0].rank, Some(1));
    assert!(report.parks[0].tax_per_mu >= report.parks[1].tax_per_mu);
    let text = report.text();
    assert!(
        text.contains(
            "west(截至2005-12-31):征地60亩,已供应40亩,闲置0亩,累计收回20亩;低效用地供而未用40亩;"
        ),
        "{text}"
    );
    assert!(text.contains("亩均税收11.25万元"), "{text}");
    let table = report.table().unwrap();
    assert!(table.schema().field_with_name("grade_D").is_ok());
}

#[test]
fn a_park_exported_before_the_year_end_or_exemptions_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let west = west();
    export_parquet(&west, tmp.path(), "west", Some(d("2005-06-30")), None).unwrap();
    let refused = evaluate_dataset(tmp.path(), &absolute(), 2005);
    assert!(
        matches!(&refused, Err(Error::Validation { reason, .. }) if reason.contains("export it as of 2005-12-31")),
        "{refused:?}"
    );
    let mut exempting = absolute();
    exempting.scope.exempt.push(parkdb::EnterpriseId(1));
    assert!(matches!(
        evaluate_dataset(tmp.path(), &exempting, 2004),
        Err(Error::Validation { .. })
    ));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        evaluate_dataset(empty.path(), &absolute(), 2005),
        Err(Error::Validation { .. })
    ));
}

#[test]
fn a_damaged_file_is_refused_and_an_interrupted_export_is_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let west = west();
    export_parquet(&west, dir, "west", Some(d("2005-12-31")), None).unwrap();
    let file = dir.join("yearly/park=west/part-0.parquet");
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(&file, &bad).unwrap();
    let refused = evaluate_dataset(dir, &absolute(), 2005);
    assert!(
        matches!(&refused, Err(Error::Corrupt(m)) if m.contains("does not match park west's manifest")),
        "{refused:?}"
    );
    std::fs::write(&file, &good).unwrap();
    // A manifest naming a file outside the park's partition is refused.
    let manifest = dir.join("_manifests/park=west.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let elsewhere = text.replace("yearly/park=west/", "yearly/park=east/");
    assert_ne!(text, elsewhere);
    std::fs::write(&manifest, elsewhere).unwrap();
    let refused = evaluate_dataset(dir, &absolute(), 2005);
    assert!(
        matches!(&refused, Err(Error::Corrupt(m)) if m.contains("is not a file of park west")),
        "{refused:?}"
    );
    std::fs::write(&manifest, &text).unwrap();

    // An export that stopped after its commit, with the parcels swapped
    // out and not yet in: the next read of the dataset finishes it.
    let before = evaluate_dataset(dir, &absolute(), 2005).unwrap();
    let staging = dir.join("_staging/park=west");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::rename(dir.join("parcels/park=west"), staging.join("parcels")).unwrap();
    let manifest = dir.join("_manifests/park=west.json");
    std::fs::rename(&manifest, staging.join("COMMIT.json")).unwrap();
    let after = evaluate_dataset(dir, &absolute(), 2005).unwrap();
    assert_eq!(after.evaluation, before.evaluation);
    assert!(manifest.exists() && dir.join("parcels/park=west/part-0.parquet").exists());
    assert!(!staging.exists());

    // One that stopped before its commit leaves the old export readable,
    // and the park's next export clears it away.
    std::fs::create_dir_all(staging.join("parcels")).unwrap();
    std::fs::write(staging.join("parcels/part-0.parquet"), b"half").unwrap();
    assert_eq!(
        evaluate_dataset(dir, &absolute(), 2005).unwrap().evaluation,
        before.evaluation
    );
    export_parquet(&west, dir, "west", Some(d("2005-12-31")), None).unwrap();
    assert!(!staging.exists());
    assert!(!dir.join("_staging/park=west.old").exists());
}

fn refused_naming(result: parkdb::Result<()>, park: &str, what: &str) {
    match result {
        Err(Error::Corrupt(m)) => assert!(
            m.contains(&format!("park {park}")) && m.contains(what),
            "{m}"
        ),
        other => panic!("expected Corrupt naming park {park} ({what}), got {other:?}"),
    }
}

/// Every read of the province: the evaluation and the report.
fn reads(dir: &Path) -> [parkdb::Result<()>; 2] {
    [
        evaluate_dataset(dir, &absolute(), 2005).map(|_| ()),
        province_report(dir, &absolute(), 2005).map(|_| ()),
    ]
}

#[test]
fn a_park_whose_manifest_is_lost_copied_or_missing_files_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let _parks = two_parks(dir);
    let whole = evaluate_dataset(dir, &absolute(), 2005).unwrap();
    let manifest = |park: &str| dir.join(format!("_manifests/park={park}.json"));
    let east = std::fs::read_to_string(manifest("east")).unwrap();
    let west = std::fs::read_to_string(manifest("west")).unwrap();

    // East's manifest deleted, its files in place: never read without it.
    std::fs::remove_file(manifest("east")).unwrap();
    for read in reads(dir) {
        refused_naming(read, "east", "no manifest");
    }
    // West's manifest copied to east's name: west would count twice.
    std::fs::write(manifest("east"), &west).unwrap();
    for read in reads(dir) {
        refused_naming(read, "east", "names park west");
    }
    std::fs::write(manifest("east"), &east).unwrap();
    assert_eq!(
        evaluate_dataset(dir, &absolute(), 2005).unwrap().evaluation,
        whole.evaluation
    );

    // A partition with files and no manifest at all.
    let ghost = dir.join("parcels/park=ghost");
    std::fs::create_dir_all(&ghost).unwrap();
    std::fs::copy(
        dir.join("parcels/park=west/part-0.parquet"),
        ghost.join("part-0.parquet"),
    )
    .unwrap();
    for read in reads(dir) {
        refused_naming(read, "ghost", "no manifest");
    }
    std::fs::remove_dir_all(&ghost).unwrap();

    // A manifest whose partition is gone, and a file its manifest does not name.
    let parcels = dir.join("parcels/park=west");
    let aside = dir.join("aside");
    std::fs::rename(&parcels, &aside).unwrap();
    for read in reads(dir) {
        refused_naming(
            read,
            "west",
            "parcels/park=west/part-0.parquet, which is missing",
        );
    }
    std::fs::rename(&aside, &parcels).unwrap();
    std::fs::write(parcels.join("part-1.parquet"), b"stray").unwrap();
    for read in reads(dir) {
        refused_naming(
            read,
            "west",
            "parcels/park=west/part-1.parquet is not in its manifest",
        );
    }
    std::fs::remove_file(parcels.join("part-1.parquet")).unwrap();
    assert_eq!(
        evaluate_dataset(dir, &absolute(), 2005).unwrap().evaluation,
        whole.evaluation
    );
}

#[test]
fn the_dataset_check_reports_every_park_its_rows_checksums_and_problems() {
    use parkdb::ledger::check_dataset;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (east, west) = two_parks(dir);
    let check = check_dataset(dir).unwrap();
    assert!(check.is_clean(), "{check:?}");
    let parks: Vec<&str> = check.parks.iter().map(|p| p.park.as_str()).collect();
    assert_eq!(parks, ["east", "west"]);
    for (p, db) in check.parks.iter().zip([&east, &west]) {
        assert_eq!(p.as_of, d("2005-12-31"));
        assert_eq!(p.events, Some(db.event_count().unwrap()));
        assert_eq!(p.tables.len(), parkdb::ledger::dataset::TABLES.len());
        assert!(p.tables.iter().all(|t| t.intact));
        let parcels = p.tables.iter().find(|t| t.table == "parcels").unwrap();
        let rows = db
            .as_of(d("2005-12-31"))
            .parcels_table(&parkdb::ParcelFilter::default())
            .unwrap()
            .num_rows();
        assert_eq!(parcels.rows, rows as u64);
        assert_eq!(
            parcels.path,
            format!("parcels/park={}/part-0.parquet", p.park)
        );
    }
    assert!(check.text().contains("park west: as of 2005-12-31"));
    assert!(check.text().ends_with("clean\n"));

    // A damaged file, a lost manifest and a stray partition: all reported
    // at once, each with its park.
    let file = dir.join("yearly/park=west/part-0.parquet");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    std::fs::remove_file(dir.join("_manifests/park=east.json")).unwrap();
    std::fs::create_dir_all(dir.join("grants/park=ghost")).unwrap();
    std::fs::write(dir.join("grants/park=ghost/part-0.parquet"), b"x").unwrap();
    let check = check_dataset(dir).unwrap();
    assert!(!check.is_clean());
    assert_eq!(check.parks.len(), 1);
    let west_check = &check.parks[0];
    let yearly = west_check
        .tables
        .iter()
        .find(|t| t.table == "yearly")
        .unwrap();
    assert!(!yearly.intact);
    assert_eq!(west_check.tables.iter().filter(|t| !t.intact).count(), 1);
    let problems = check.problems.join("\n");
    assert!(
        problems.contains("park east:") && problems.contains("no manifest"),
        "{problems}"
    );
    assert!(problems.contains("park ghost:"), "{problems}");
    assert!(
        problems.contains("park west:") && problems.contains("yearly/park=west"),
        "{problems}"
    );
    assert_eq!(check.problems.len(), 3, "{problems}");
    assert!(check.text().contains("DAMAGED"));
}

#[test]
fn parks_exported_before_the_year_end_are_named_together_and_parks_chooses() {
    use parkdb::ledger::{evaluate_dataset_of, province_report_of};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let _parks = two_parks(dir);
    let both = evaluate_dataset(dir, &absolute(), 2005).unwrap();
    let early = west();
    export_parquet(&early, dir, "early", Some(d("2005-06-30")), None).unwrap();
    export_parquet(&early, dir, "earlier", Some(d("2005-03-31")), None).unwrap();
    for refused in [
        evaluate_dataset(dir, &absolute(), 2005).map(|_| ()),
        province_report(dir, &absolute(), 2005).map(|_| ()),
    ] {
        match refused {
            Err(Error::Validation { reason, .. }) => {
                assert!(reason.contains("before the end of 2005"), "{reason}");
                assert!(reason.contains("early (as of 2005-06-30)"), "{reason}");
                assert!(reason.contains("earlier (as of 2005-03-31)"), "{reason}");
                assert!(reason.contains(r#"parks=["east", "west"]"#), "{reason}");
            }
            other => panic!("expected both early parks named, got {other:?}"),
        }
    }
    let chosen = ["east".to_owned(), "west".to_owned()];
    let taken = evaluate_dataset_of(dir, &absolute(), 2005, Some(&chosen)).unwrap();
    assert_eq!(taken.evaluation, both.evaluation);
    let report = province_report_of(dir, &absolute(), 2005, Some(&chosen[1..])).unwrap();
    assert_eq!(report.parks.len(), 1);
    assert_eq!(report.parks[0].park, "west");
    // The early parks serve the year they cover.
    let mid = province_report_of(dir, &absolute(), 2004, Some(&["early".to_owned()])).unwrap();
    assert_eq!(mid.parks[0].evaluated, 0);
    assert!(
        mid.text()
            .contains("early无企业参评:其导出数据中没有2004年度经济指标"),
        "{}",
        mid.text()
    );
    let unknown = evaluate_dataset_of(dir, &absolute(), 2005, Some(&["north".to_owned()]));
    assert!(
        matches!(&unknown, Err(Error::Validation { reason, .. }) if reason.contains("holds no north")),
        "{unknown:?}"
    );
}

#[test]
fn a_manifest_records_the_date_an_export_without_as_of_was_read_as_of() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = export_parquet(&west(), dir, "west", None, None).unwrap();
    let today = chrono::Local::now().date_naive();
    let recorded = m.as_of.expect("an as-of");
    assert!(
        (recorded - today).num_days().abs() <= 1,
        "{recorded} vs {today}"
    );
    let text = std::fs::read_to_string(dir.join("_manifests/park=west.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["as_of"], serde_json::json!(recorded.to_string()));
}

/// A park with one 200 × 100 m parcel (30 亩) at (x, y) in zone 39, its
/// boundary given in `crs` (reprojected there first).
fn park_in(crs: parkdb::Crs, x: f64) -> Db {
    use parkdb::{LandUse, NewParcel, Outline};
    let z39 = parkdb::Crs::epsg(4527).unwrap();
    let mut corners = vec![
        (x, 3_400_000.0),
        (x + 200.0, 3_400_000.0),
        (x + 200.0, 3_400_100.0),
        (x, 3_400_100.0),
    ];
    parkdb::geometry::reproject(z39, crs, &mut corners).unwrap();
    let db = Db::temporary().unwrap();
    let mut new = NewParcel::new("P-1", mu("30"), LandUse::Industrial, d("2004-01-01"));
    new.boundary = Some(Outline::points(&corners).in_crs(crs));
    db.add_parcel(new).unwrap();
    db
}

#[test]
fn a_dataset_has_one_coordinate_system_and_later_parks_are_reprojected_into_it() {
    use parkdb::ledger::{check_dataset, export_parquet_with, ExportOptions};
    use parkdb::Crs;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let z39 = Crs::epsg(4527).unwrap();
    let first = export_parquet(&park_in(z39, 39_512_000.0), dir, "east", None, None).unwrap();
    assert_eq!(first.crs, Some(z39));
    // A park surveyed in longitude and latitude goes in as the dataset's.
    let lonlat = park_in(Crs::CGCS2000, 39_514_000.0);
    let second = export_parquet(&lonlat, dir, "west", None, None).unwrap();
    assert_eq!(second.crs, Some(z39));
    let refused = export_parquet_with(
        &lonlat,
        dir,
        "west",
        &ExportOptions {
            crs: Some(Crs::CGCS2000),
            ..ExportOptions::default()
        },
    );
    assert!(
        matches!(&refused, Err(Error::Validation { reason, .. }) if reason.contains("is in EPSG:4527 (park east")),
        "{refused:?}"
    );
    // West's boundary in the file is in metres of zone 39, where it was
    // surveyed; its surveyed area is the one measured in its own plane.
    let parcels = parkdb::ledger::dataset_parks(dir).unwrap()[1]
        .table(dir, "parcels")
        .unwrap();
    let wkb = parcels
        .column_by_name("boundary")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::BinaryArray>()
        .unwrap();
    let bounds = parkdb::geometry::wkb_bounds(wkb.value(0)).unwrap();
    assert!((bounds[0] - 39_514_000.0).abs() < 0.01, "{bounds:?}");
    assert!((bounds[3] - 3_400_100.0).abs() < 0.01, "{bounds:?}");
    let area = lonlat.now().all_parcels().unwrap()[0]
        .boundary
        .as_ref()
        .unwrap()
        .area();
    let stored = parcels
        .column_by_name("boundary_area_mu")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Decimal128Array>()
        .unwrap()
        .value(0);
    assert_eq!(i128::from(area.millionths()), stored);
    let check = check_dataset(dir).unwrap();
    assert!(check.is_clean(), "{check:?}");
    assert!(check.parks.iter().all(|p| p.crs == Some(z39)));

    // A park exported into a dataset of its own (in EPSG:4490) and copied
    // in by hand: the check names it.
    let other = tempfile::tempdir().unwrap();
    export_parquet_with(
        &lonlat,
        other.path(),
        "north",
        &ExportOptions {
            crs: Some(Crs::CGCS2000),
            ..ExportOptions::default()
        },
    )
    .unwrap();
    for name in parkdb::ledger::dataset::TABLES {
        let to = dir.join(name).join("park=north");
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(
            other.path().join(name).join("park=north/part-0.parquet"),
            to.join("part-0.parquet"),
        )
        .unwrap();
    }
    std::fs::copy(
        other.path().join("_manifests/park=north.json"),
        dir.join("_manifests/park=north.json"),
    )
    .unwrap();
    let check = check_dataset(dir).unwrap();
    assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
    assert!(check.problems[0].starts_with("park north: its boundaries are in EPSG:4490"));
    // And an export into it now cannot tell which system is the dataset's.
    let refused = export_parquet(&lonlat, dir, "south", None, None);
    assert!(
        matches!(refused, Err(Error::Validation { .. })),
        "{refused:?}"
    );
    // Manifests of exports made before they recorded a system: the parcels
    // files' GeoParquet metadata says it, to the export and to the check.
    for park in ["east", "west", "north"] {
        let path = dir.join(format!("_manifests/park={park}.json"));
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        json.as_object_mut().unwrap().remove("crs");
        std::fs::write(&path, json.to_string()).unwrap();
    }
    let refused = export_parquet(&lonlat, dir, "south", None, None);
    assert!(
        matches!(&refused, Err(Error::Validation { reason, .. }) if reason.contains("EPSG:4490") && reason.contains("EPSG:4527")),
        "{refused:?}"
    );
    let check = check_dataset(dir).unwrap();
    assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
    assert!(check.problems[0].starts_with("park north: its boundaries are in EPSG:4490"));
    std::fs::remove_file(dir.join("_manifests/park=north.json")).unwrap();
    for name in parkdb::ledger::dataset::TABLES {
        std::fs::remove_dir_all(dir.join(name).join("park=north")).unwrap();
    }
    // Without north, a new park goes in as the older parks' system says.
    let south = export_parquet(&lonlat, dir, "south", None, None).unwrap();
    assert_eq!(south.crs, Some(z39));
}

#[test]
fn an_export_holds_its_park_and_a_second_waits_or_is_told() {
    use parkdb::ledger::{check_dataset, export_parquet_with, ExportOptions};
    use std::time::Duration;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let west = west();
    export_parquet(&west, dir, "west", Some(d("2005-12-31")), None).unwrap();
    // Another process's export holds the park: its lock, taken here.
    let lock = std::fs::File::options()
        .write(true)
        .open(dir.join("_staging/park=west.lock"))
        .unwrap();
    lock.lock().unwrap();
    let quick = ExportOptions {
        as_of: Some(d("2005-12-31")),
        wait: Duration::ZERO,
        ..ExportOptions::default()
    };
    let refused = export_parquet_with(&west, dir, "west", &quick);
    assert!(
        matches!(&refused, Err(Error::Conflict { reason, .. }) if reason.contains("another export of park west")),
        "{refused:?}"
    );
    // Another park is not held.
    export_parquet_with(&west, dir, "east", &quick).unwrap();
    // One that waits goes on once the lock is let go.
    let patient = ExportOptions {
        wait: Duration::from_secs(20),
        ..quick
    };
    std::thread::scope(|s| {
        let waiting = s.spawn(|| export_parquet_with(&west, dir, "west", &patient));
        std::thread::sleep(Duration::from_millis(300));
        assert!(!waiting.is_finished());
        lock.unlock().unwrap();
        waiting.join().unwrap().unwrap();
    });
    // Many at once, of one park and of two: each finishes, none undoes another.
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (west, patient) = (&west, &patient);
                s.spawn(move || {
                    export_parquet_with(
                        west,
                        dir,
                        if i % 2 == 0 { "west" } else { "east" },
                        patient,
                    )
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    let check = check_dataset(dir).unwrap();
    assert!(check.is_clean(), "{:?}", check.problems);
    assert_eq!(check.parks.len(), 2);
}

/// Rewrites column `column` of park `park`'s `table` file at decimal scale
/// `scale` (the same values, more or fewer places), the manifest taking the
/// new file's checksum.
fn rescale(dir: &Path, park: &str, table: &str, column: &str, scale: i8) {
    rewrite(dir, park, table, column, scale, |v| v);
}

/// Rewrites column `column` of park `park`'s `table` file at decimal
/// scale `scale`, each value through `edit` after the rescale, the
/// manifest taking the new file's checksum.
fn rewrite(
    dir: &Path,
    park: &str,
    table: &str,
    column: &str,
    scale: i8,
    edit: impl Fn(Option<i128>) -> Option<i128>,
) {
    use arrow_array::{Array, Decimal128Array, RecordBatch};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let path = dir.join(format!("{table}/park={park}/part-0.parquet"));
    let file = std::fs::File::open(&path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(Result::unwrap).collect();
    let schema = batches[0].schema();
    let i = schema.index_of(column).unwrap();
    let mut fields: Vec<_> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = fields[i]
        .clone()
        .with_data_type(arrow_schema::DataType::Decimal128(18, scale));
    let rescaled = std::sync::Arc::new(
        arrow_schema::Schema::new(fields).with_metadata(schema.metadata().clone()),
    );
    let mut out = Vec::new();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(&mut out, rescaled.clone(), None).unwrap();
    for b in &batches {
        let values = b
            .column(i)
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        let shift = i32::from(scale) - i32::from(values.scale());
        let factor = 10i128.pow(shift.unsigned_abs());
        let scaled: Decimal128Array = values
            .iter()
            .map(|v| {
                edit(v.map(|v| {
                    if shift >= 0 {
                        v * factor
                    } else {
                        assert_eq!(v % factor, 0, "a value of the test with more places");
                        v / factor
                    }
                }))
            })
            .collect::<Decimal128Array>()
            .with_precision_and_scale(18, scale)
            .unwrap();
        let mut columns = b.columns().to_vec();
        columns[i] = std::sync::Arc::new(scaled);
        assert_eq!(columns[i].len(), b.num_rows());
        writer
            .write(&RecordBatch::try_new(rescaled.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    std::fs::write(&path, &out).unwrap();
    edit_manifest(dir, park, |json| {
        for f in json["files"].as_array_mut().unwrap() {
            if f["path"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{table}/"))
            {
                f["crc32"] = crc32fast::hash(&out).into();
            }
        }
    });
}

fn edit_manifest(dir: &Path, park: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let manifest = dir.join(format!("_manifests/park={park}.json"));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(&manifest, serde_json::to_string(&json).unwrap()).unwrap();
}

/// Park `park` as a parkdb before storage format 9 exported it: `area_mu`
/// in 0.0001 亩 (decimal scale 4), its manifest saying format 8.
fn as_exported_by_format_8(dir: &Path, park: &str) {
    rescale(dir, park, "parcels", "area_mu", 4);
    edit_manifest(dir, park, |json| json["format_version"] = 8.into());
}

/// Money at a scale parkdb does not write (another tool's file) is refused
/// as damage, never read as ten times the amount.
#[test]
fn money_at_another_scale_in_a_dataset_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    two_parks(tmp.path());
    rescale(tmp.path(), "west", "yearly", "tax_yuan", 3);
    match province_report(tmp.path(), &absolute(), 2005) {
        Err(Error::Corrupt(m)) => assert!(m.contains("scale 3"), "{m}"),
        other => panic!("money at scale 3: {:?}", other.map(|r| r.parks.len())),
    }
}

/// An area an export never leaves null is refused as damage, never
/// counted as zero.
#[test]
fn a_null_area_in_a_dataset_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    two_parks(tmp.path());
    rewrite(tmp.path(), "west", "parcels", "area_mu", 6, |_| None);
    match province_report(tmp.path(), &absolute(), 2005) {
        Err(Error::Corrupt(m)) => assert!(m.contains("null"), "{m}"),
        other => panic!("a null area: {:?}", other.map(|r| r.parks.len())),
    }
}

/// A park exported before areas were kept to the millionth reads the same
/// (its areas at its file's own scale), but a dataset's `area_mu` is never
/// left at two scales: exporting another park beside it is refused, and
/// the check names it until it is exported again.
#[test]
fn a_park_exported_with_areas_in_ten_thousandths_reads_the_same_and_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (east, west) = two_parks(tmp.path());
    let before = province_report(tmp.path(), &absolute(), 2005).unwrap();
    as_exported_by_format_8(tmp.path(), "west");
    let after = province_report(tmp.path(), &absolute(), 2005).unwrap();
    assert_eq!(
        format!("{:?}", before.parks),
        format!("{:?}", after.parks),
        "the scale-4 file reads as other areas"
    );
    let check = parkdb::ledger::check_dataset(tmp.path()).unwrap();
    assert!(
        check
            .problems
            .iter()
            .any(|p| p.contains("park west") && p.contains("0.0001 亩")),
        "{check:?}"
    );
    let third = Db::temporary().unwrap();
    third
        .add_parcel(parkdb::NewParcel::new(
            "N-1",
            "1.867291公顷".parse().unwrap(),
            parkdb::LandUse::Industrial,
            d("2005-01-01"),
        ))
        .unwrap();
    match export_parquet(&third, tmp.path(), "north", Some(d("2005-12-31")), None) {
        Err(Error::Validation { reason, .. }) => {
            assert!(
                reason.contains("park west") && reason.contains("0.0001 亩"),
                "{reason}"
            );
        }
        other => panic!("an export beside a scale-4 park: {other:?}"),
    }
    assert!(!tmp.path().join("_manifests/park=north.json").exists());
    // West exported again: the dataset is at one scale, and north joins.
    export_parquet(&west, tmp.path(), "west", Some(d("2005-12-31")), None).unwrap();
    export_parquet(&third, tmp.path(), "north", Some(d("2005-12-31")), None).unwrap();
    assert!(parkdb::ledger::check_dataset(tmp.path())
        .unwrap()
        .is_clean());
    drop(east);
}
