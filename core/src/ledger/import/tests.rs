//! An import's work per row, counted: the same at any size.

use chrono::NaiveDate;

use super::{import, ImportOptions};
use crate::ledger::read::Sheet;
use crate::units::Mu;
use crate::writer::work;
use crate::{Db, LandUse, NewParcel};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// A sheet of `rows` under `headers`, as a file would give it.
fn sheet(name: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Sheet {
    Sheet {
        name: name.into(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r))
            .collect(),
        ..Sheet::default()
    }
}

/// The runs and records the import of `n` rows visits, per row: `n`
/// parcels requisitioned in 2005 and certified in 2010 are stored, then a
/// 地块事件 sheet enters each one's development in 2008, before its
/// certificate (history entered late: each row folds its parcel's history
/// again, with the unit's own events for it).
fn work_per_row(n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a directory");
    let db = Db::open(dir.path().join("db")).expect("a database");
    db.write(|w| {
        for i in 0..n {
            let p = w.add_parcel(NewParcel::new(
                format!("GP-{i}"),
                Mu::from_mu(10)?,
                LandUse::Industrial,
                day(2005, 1, 1),
            ))?;
            w.certify(p, day(2010, 1, 1), &format!("C-{i}"))?;
        }
        Ok(())
    })
    .expect("parcels");
    let late = sheet(
        "地块事件",
        &["地块编号", "事件", "日期"],
        (0..n)
            .map(|i| vec![format!("GP-{i}"), "开发".into(), "2008-01-01".into()])
            .collect(),
    );
    let before = work::so_far();
    let report = import(&db, &[late], ImportOptions::default()).expect("an import");
    assert!(report.is_clean(), "{:?}", report.errors);
    assert_eq!(report.events, n as u64);
    (work::so_far() - before) as f64 / n as f64
}

#[test]
fn rows_entered_late_cost_the_same_per_row_at_any_size() {
    let small = work_per_row(200);
    let large = work_per_row(3_200);
    // Each row indexes the run the row before it wrote and visits its own
    // parcel's runs, not the unit's: scanning every run would make the
    // large import's work per row sixteen times the small one's.
    assert!(small >= 0.9, "each row's run is indexed once: {small}");
    assert!(
        large <= small * 1.05,
        "work per row grew with the rows: {small} at 200, {large} at 3,200"
    );
}
