//! Inefficient land (低效用地) derived as of a date, against figures worked
//! out by hand from each parcel's dates.

mod common;

use std::collections::BTreeMap;

use common::{d, firm, mu, parcel, q, terms};
use parkdb::inefficient::{InefficientKind as K, Rules};
use parkdb::scheme::{Evaluation, EvaluationRow};
use parkdb::{Db, EnterpriseId};

fn graded(enterprise: EnterpriseId, grade: &str) -> EvaluationRow {
    EvaluationRow {
        enterprise,
        name: String::new(),
        land: mu("1"),
        values: BTreeMap::new(),
        item_scores: BTreeMap::new(),
        score: Some(40.0),
        rank: Some(1),
        grade: Some(grade.to_owned()),
        in_scope: true,
        reason: None,
    }
}

#[test]
fn each_kind_from_its_dates() {
    let db = Db::temporary().unwrap();
    let (a, b, c) = (firm(&db, "A 投产"), firm(&db, "B 未投产"), firm(&db, "C"));
    db.enterprise_signed(a, d("2002-01-01"), "1".parse().unwrap(), mu("1"))
        .unwrap();
    db.enterprise_in_production(a, d("2003-06-01")).unwrap();

    // 批而未供: requisitioned 2001-01-01, two years: from 2003-01-02.
    let p1 = parcel(&db, "P1", "10", "2001-01-01");
    // Not yet: requisitioned 2003-01-01.
    parcel(&db, "P2", "10", "2003-01-01");
    // Supplied once and reclaimed: back in the reserve, not 批而未供.
    let p3 = parcel(&db, "P3", "10", "2000-01-01");
    db.allocate(p3, terms(c, "2000-06-01", "1", None)).unwrap();
    db.reclaim(p3, d("2001-06-01"), "闲置").unwrap();
    // 供而未用 past the agreed start 2003-06-01.
    let p4 = parcel(&db, "P4", "20", "2002-01-01");
    db.allocate(p4, terms(c, "2003-01-01", "1", Some("2003-06-01")))
        .unwrap();
    // 供而未用 with no agreed start: a year after supply, 2004-05-01.
    let p5 = parcel(&db, "P5", "5", "2002-01-01");
    db.allocate(p5, terms(c, "2003-05-01", "1", None)).unwrap();
    // 建而未投: completed 2003-03-01, holder not producing a year later.
    let p6 = parcel(&db, "P6", "7.5", "2001-01-01");
    db.allocate(p6, terms(b, "2001-06-01", "1", None)).unwrap();
    db.start_construction(p6, d("2002-01-01")).unwrap();
    db.complete_construction(p6, d("2003-03-01")).unwrap();
    // Completed, holder producing: 投而未达标 when graded D.
    let p7 = parcel(&db, "P7", "12", "2001-01-01");
    db.allocate(p7, terms(a, "2001-06-01", "1", None)).unwrap();
    db.start_construction(p7, d("2002-01-01")).unwrap();
    db.complete_construction(p7, d("2003-01-01")).unwrap();
    // Under construction: none of the kinds.
    let p8 = parcel(&db, "P8", "3", "2001-01-01");
    db.allocate(p8, terms(c, "2001-06-01", "1", Some("2001-09-01")))
        .unwrap();
    db.start_construction(p8, d("2001-08-01")).unwrap();

    let rules = Rules::default();
    let at = |date: &str| {
        db.as_of(d(date))
            .inefficient_land(&rules, None)
            .unwrap()
            .into_iter()
            .map(|r| (r.code, r.kind, r.since.to_string()))
            .collect::<Vec<_>>()
    };
    let row = |code: &str, kind: K, since: &str| (code.to_owned(), kind, since.to_owned());
    assert_eq!(
        at("2004-06-30"),
        [
            row("P1", K::ApprovedNotSupplied, "2003-01-02"),
            row("P4", K::SuppliedNotUsed, "2003-06-02"),
            row("P5", K::SuppliedNotUsed, "2004-05-02"),
            row("P6", K::BuiltNotProducing, "2004-03-02"),
        ]
    );
    // A year and a half earlier: only P1 and P4 were.
    assert_eq!(
        at("2003-12-31"),
        [
            row("P1", K::ApprovedNotSupplied, "2003-01-02"),
            row("P4", K::SuppliedNotUsed, "2003-06-02"),
        ]
    );

    // With an evaluation: A graded D, its completed parcel below standard.
    let evaluation = Evaluation {
        scheme: "huangyan_2022".into(),
        year: 2003,
        rows: vec![graded(a, "D"), graded(b, "D")],
    };
    let found = db
        .as_of(d("2004-06-30"))
        .inefficient_land(&rules, Some(&evaluation))
        .unwrap();
    let p7_row = found.iter().find(|r| r.parcel == p7).unwrap();
    assert_eq!(p7_row.kind, K::ProducingBelowStandard);
    assert_eq!(p7_row.since, d("2003-12-31"));
    assert!(p7_row.rule.contains("graded D"), "{}", p7_row.rule);
    // B is not producing: its parcel stays 建而未投, not below standard.
    assert_eq!(
        found.iter().find(|r| r.parcel == p6).unwrap().kind,
        K::BuiltNotProducing
    );
    // Graded C is not below the standard.
    let c_grade = Evaluation {
        rows: vec![graded(a, "C")],
        ..evaluation
    };
    assert!(!db
        .as_of(d("2004-06-30"))
        .inefficient_land(&rules, Some(&c_grade))
        .unwrap()
        .iter()
        .any(|r| r.parcel == p7));
    // Rules are the policy's: three years for 批而未供 leaves P1 out in 2003.
    let patient = Rules {
        unsupplied_years: 3,
        ..Rules::default()
    };
    assert!(!db
        .as_of(d("2003-12-31"))
        .inefficient_land(&patient, None)
        .unwrap()
        .iter()
        .any(|r| r.parcel == p1));

    // The table: kinds by code and term, areas exact.
    let table = db
        .as_of(d("2004-06-30"))
        .inefficient_table(&rules, None)
        .unwrap();
    assert_eq!(table.num_rows(), 4);
    let kinds = table
        .column_by_name("kind_zh")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap()
        .iter()
        .flatten()
        .collect::<Vec<_>>();
    assert_eq!(kinds, ["批而未供", "供而未用", "供而未用", "建而未投"]);
    let sum: parkdb::Mu = parkdb::Mu::sum(
        db.as_of(d("2004-06-30"))
            .inefficient_land(&rules, None)
            .unwrap()
            .iter()
            .map(|r| r.area),
    )
    .unwrap();
    assert_eq!(sum, mu("42.5"));

    // The annual report sums them per kind at the year's end (P2 is not
    // yet two years in the reserve on 2004-12-31).
    let report = db.now().annual_report(2004).unwrap();
    let figures: Vec<_> = report
        .inefficient
        .iter()
        .map(|f| (f.kind, f.parcels, f.area))
        .collect();
    assert_eq!(
        figures,
        [
            (K::ApprovedNotSupplied, 1, mu("10")),
            (K::SuppliedNotUsed, 2, mu("25")),
            (K::BuiltNotProducing, 1, mu("7.5")),
        ]
    );
    assert!(
        report
            .text()
            .contains("年末低效用地:批而未供1宗10亩、供而未用2宗25亩、建而未投1宗7.5亩。"),
        "{}",
        report.text()
    );
}

#[test]
fn not_fully_used_from_the_buildings_reported() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A");
    db.enterprise_signed(a, d("2002-01-01"), "1".parse().unwrap(), mu("1"))
        .unwrap();
    db.enterprise_in_production(a, d("2003-06-01")).unwrap();
    let built = |code: &str, area: &str| {
        let p = parcel(&db, code, area, "2001-01-01");
        db.allocate(p, terms(a, "2001-06-01", "1", None)).unwrap();
        db.start_construction(p, d("2002-01-01")).unwrap();
        db.complete_construction(p, d("2003-01-01")).unwrap();
        p
    };
    // 30 亩 = 20,000 m². Plot ratio 12,000 / 20,000 = 0.6 < 1.0.
    let low_ratio = built("R", "30");
    db.report_buildings(low_ratio, d("2004-03-01"), q("12000"), q("8000"))
        .unwrap();
    // 15 亩 = 10,000 m². Ratio 1.5, coverage 2,500 / 10,000 = 25% < 30%.
    let low_cover = built("C", "15");
    db.report_buildings(low_cover, d("2002-06-01"), q("15000"), q("2500"))
        .unwrap();
    // 15 亩: ratio 1.2, coverage 40%: neither.
    let fine = built("F", "15");
    db.report_buildings(fine, d("2004-03-01"), q("12000"), q("4000"))
        .unwrap();
    // Completed with nothing reported: not guessed.
    built("N", "6");

    let kinds = |date: &str, rules: &Rules| {
        db.as_of(d(date))
            .inefficient_land(rules, None)
            .unwrap()
            .into_iter()
            .map(|r| (r.code, r.kind, r.since.to_string(), r.rule))
            .collect::<Vec<_>>()
    };
    let rules = Rules::default();
    let found = kinds("2004-12-31", &rules);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2.as_str()),
        ("R", K::NotFullyUsed, "2004-03-01")
    );
    assert!(
        found[0].3.contains("plot ratio 0.60 below 1"),
        "{}",
        found[0].3
    );
    assert_eq!(
        (found[1].0.as_str(), found[1].1, found[1].2.as_str()),
        ("C", K::NotFullyUsed, "2003-01-01"),
        "since completion, reported before it"
    );
    assert!(
        found[1].3.contains("coverage 25.0% below 30%"),
        "{}",
        found[1].3
    );
    // Before the report the figures are not known: R is not listed.
    assert_eq!(kinds("2004-02-29", &rules).len(), 1);
    // A better report later takes R off the list from its date.
    db.report_buildings(low_ratio, d("2005-01-01"), q("24000"), q("8000"))
        .unwrap();
    assert_eq!(kinds("2005-06-30", &rules).len(), 1);
    assert_eq!(kinds("2004-12-31", &rules).len(), 2);
    // Floors are the caller's: at 1.6 F's ratio of 1.2 is short too.
    let strict = Rules {
        min_plot_ratio: 1.6,
        ..Rules::default()
    };
    assert_eq!(kinds("2005-06-30", &strict).len(), 3);
    let bad = Rules {
        min_building_coverage: f64::NAN,
        ..Rules::default()
    };
    assert!(matches!(
        db.now().inefficient_land(&bad, None),
        Err(parkdb::Error::Validation { .. })
    ));
}

#[test]
fn buildings_that_cannot_stand_on_the_parcel_are_refused() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A");
    let p = parcel(&db, "P", "3", "2001-01-01");
    db.allocate(p, terms(a, "2001-06-01", "1", None)).unwrap();
    db.start_construction(p, d("2002-01-01")).unwrap();
    let before = common::fingerprint(&db);
    // 3 亩 is 2,000 m² exactly: 2,000 fits, 2,000.0001 does not.
    let refused = db.report_buildings(p, d("2003-01-01"), q("5000"), q("2000.0001"));
    assert!(
        matches!(refused, Err(parkdb::Error::Lifecycle { .. })),
        "{refused:?}"
    );
    let refused = db.report_buildings(p, d("2003-01-01"), q("1000"), q("1500"));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("more than the floor area")),
        "{refused:?}"
    );
    assert_eq!(common::fingerprint(&db), before, "nothing written");
    db.report_buildings(p, d("2003-01-01"), q("5000"), q("2000"))
        .unwrap();
    let b = db.parcel(p).unwrap().buildings.unwrap();
    assert!((b.plot_ratio(mu("3")).unwrap() - 2.5).abs() < 1e-12);
    assert!((b.coverage(mu("3")).unwrap() - 1.0).abs() < 1e-12);
}
