//! The buildings register: stages in order, leases refused beyond a
//! building's lettable area on any day, occupancy across lease ends, the
//! floor area completed in a year — worked out by hand.

mod common;

#[cfg(feature = "ledgers")]
#[path = "common/sheet.rs"]
mod sheets;
use common::{d, fingerprint, firm, parcel, q};
use parkdb::land::{BuildingSpec, BuildingStage, BuildingUse};
use parkdb::{Db, Error};
#[cfg(feature = "ledgers")]
use sheets::sheet;

fn spec(code: &str, floor: &str, lettable: &str) -> BuildingSpec {
    BuildingSpec {
        code: code.into(),
        name: None,
        use_: BuildingUse::Factory,
        floor_area_m2: q(floor),
        lettable_m2: q(lettable),
        footprint_m2: None,
    }
}

#[test]
fn leases_fit_the_lettable_area_on_every_day() {
    let db = Db::temporary().unwrap();
    let site = parcel(&db, "KC-1", "30", "2004-01-01");
    db.register_building(site, d("2004-05-01"), spec("1#", "12000", "10000"))
        .unwrap();
    let (a, b, c) = (firm(&db, "A"), firm(&db, "B"), firm(&db, "C"));
    db.lease(
        a,
        "1#",
        None,
        q("6000"),
        d("2005-01-01"),
        Some(d("2005-06-30")),
    )
    .unwrap();
    db.lease(b, "1#", None, q("3000"), d("2005-03-01"), None)
        .unwrap();
    // 6000 + 3000 + 2000 > 10000 from March to June: refused.
    let before = fingerprint(&db);
    let err = db
        .lease(c, "1#", None, q("2000"), d("2005-05-01"), None)
        .unwrap_err();
    assert!(matches!(err, Error::Lifecycle { .. }), "{err:?}");
    assert!(err.to_string().contains("11000"), "{err}");
    assert_eq!(fingerprint(&db), before);
    // From July A's space is free: it fits.
    db.lease(c, "1#", None, q("2000"), d("2005-07-01"), None)
        .unwrap();
    // A building nobody registered is free text, as before.
    db.lease(c, "临时仓库", None, q("99999"), d("2005-07-01"), None)
        .unwrap();

    let row = |date: &str| {
        db.as_of(d(date))
            .buildings()
            .unwrap()
            .into_iter()
            .find(|r| r.building.spec.code == "1#")
            .unwrap()
    };
    // May: A and B (9000 of 10000); August: B and C (5000).
    let may = row("2005-05-15");
    assert_eq!((may.leased, may.tenants), (q("9000"), 2));
    assert!((may.occupancy().unwrap() - 0.9).abs() < 1e-12);
    let august = row("2005-08-15");
    assert_eq!((august.leased, august.tenants), (q("5000"), 2));
}

#[test]
fn stages_come_in_order_and_the_report_counts_floor_area_completed() {
    let db = Db::temporary().unwrap();
    let site = parcel(&db, "KC-1", "30", "2004-01-01");
    db.register_building(site, d("2004-05-01"), spec("1#", "16000", "15000"))
        .unwrap();
    db.register_building(site, d("2004-05-01"), spec("3#", "8000", "7500"))
        .unwrap();
    db.reach_building_stage("1#", d("2004-06-01"), BuildingStage::UnderConstruction)
        .unwrap();
    db.reach_building_stage("1#", d("2005-05-15"), BuildingStage::Completed)
        .unwrap();
    db.reach_building_stage("3#", d("2005-10-15"), BuildingStage::ToppedOut)
        .unwrap();
    db.plan_building_stage("3#", d("2005-10-15"), BuildingStage::InUse, d("2006-03-31"))
        .unwrap();
    let before = fingerprint(&db);
    for (what, result) in [
        (
            "a stage back",
            db.reach_building_stage("1#", d("2005-06-01"), BuildingStage::ToppedOut),
        ),
        (
            "a date back",
            db.reach_building_stage("1#", d("2005-05-01"), BuildingStage::InUse),
        ),
        (
            "an unknown building",
            db.reach_building_stage("9#", d("2005-06-01"), BuildingStage::InUse),
        ),
        (
            "a code twice",
            db.register_building(site, d("2005-01-01"), spec("3#", "1", "1")),
        ),
        (
            "lettable above the floor area",
            db.register_building(site, d("2005-01-01"), spec("7#", "100", "101")),
        ),
        (
            "no floor area",
            db.register_building(site, d("2005-01-01"), spec("8#", "0", "0")),
        ),
        (
            "before the parcel",
            db.register_building(site, d("2003-01-01"), spec("9#", "10", "10")),
        ),
    ] {
        let err = result.expect_err(what);
        assert!(
            matches!(
                err,
                Error::Validation { .. } | Error::Lifecycle { .. } | Error::Conflict { .. }
            ),
            "{what}: {err:?}"
        );
    }
    assert_eq!(fingerprint(&db), before);
    let r = db.now().annual_report(2005).unwrap();
    assert_eq!(r.floor_area_completed_m2, q("16000"));
    let text = r.text();
    assert!(
        text.contains("物业:1#竣工;3#封顶,预计2006年3月投入使用;本年竣工建筑面积16000㎡。"),
        "{text}"
    );
    let mid = db.as_of(d("2005-01-01")).buildings().unwrap();
    assert_eq!(mid[0].stage, Some(BuildingStage::UnderConstruction));
    assert_eq!(mid[1].stage, None);
}

#[cfg(feature = "ledgers")]
#[test]
fn the_buildings_ledger_imports_once() {
    use parkdb::ledger::{self, ImportOptions};
    let db = Db::temporary().unwrap();
    parcel(&db, "KC-1", "30", "2004-01-01");
    let csv = "楼宇编号,楼宇名称,地块编号,用途,建筑面积,可出租面积,登记日期,开工日期,封顶日期,竣工日期,投入使用日期,预计投入使用日期\n\
               1#,科创中心1#厂房,KC-1,厂房,16000,15000,2004-05-01,2004-06-01,2004-12-01,2005-05-15,2005-06-01,\n\
               5#,科创中心5#厂房,KC-1,厂房,6000,5500,2004-05-01,,,,,2005-12-31\n\
               9#,,GP-404,厂房,1,1,2004-05-01,,,,,";
    let sheet = sheet("楼宇台账", csv);
    let bad = ledger::import(&db, std::slice::from_ref(&sheet), ImportOptions::default()).unwrap();
    assert_eq!(
        bad.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![4]
    );
    let mut good = sheet.clone();
    good.rows.pop();
    let report = ledger::import(&db, &[good.clone()], ImportOptions::default()).unwrap();
    assert!(report.is_clean(), "{:#?}", report.errors);
    let rows = db.as_of(d("2005-12-31")).buildings().unwrap();
    assert_eq!(rows[0].stage, Some(BuildingStage::InUse));
    assert_eq!(
        rows[1].building.next_planned(d("2005-12-31")),
        Some((BuildingStage::InUse, d("2005-12-31")))
    );
    let again = ledger::import(&db, &[good], ImportOptions::default()).unwrap();
    assert!(again.is_clean(), "{:#?}", again.errors);
    assert_eq!(again.events, 0);
}

#[test]
fn the_register_gives_a_plot_ratio_where_no_buildings_were_reported() {
    use parkdb::inefficient::{InefficientKind, Rules};
    let db = Db::temporary().unwrap();
    let holder = firm(&db, "A");
    let p = parcel(&db, "GP-1", "10", "2003-01-01");
    db.allocate(p, common::terms(holder, "2003-03-01", "1", None))
        .unwrap();
    db.start_construction(p, d("2003-06-01")).unwrap();
    db.complete_construction(p, d("2004-06-01")).unwrap();
    db.register_building(
        p,
        d("2003-06-01"),
        BuildingSpec {
            footprint_m2: Some(q("1000")),
            ..spec("A1", "5000", "5000")
        },
    )
    .unwrap();
    db.reach_building_stage("A1", d("2004-06-01"), BuildingStage::Completed)
        .unwrap();
    // 5000 m² on 10 亩 (6666.67 m²): 0.75, below 1.0.
    let parcel = db.parcel(p).unwrap();
    assert!((parcel.register_plot_ratio(d("2005-01-01")).unwrap() - 0.75).abs() < 1e-9);
    assert_eq!(parcel.register_plot_ratio(d("2004-05-31")), None);
    // 1000 m² of footprint: a coverage of 15%, below 30%.
    assert!((parcel.register_coverage(d("2005-01-01")).unwrap() - 0.15).abs() < 1e-9);
    let found = db
        .as_of(d("2005-12-31"))
        .inefficient_land(&Rules::default(), None)
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, InefficientKind::NotFullyUsed);
    assert!(
        found[0].rule.contains("plot ratio 0.75"),
        "{}",
        found[0].rule
    );
}
