//! Inefficient land (低效用地) derived as of a date, against figures worked
//! out by hand from each parcel's dates.

mod common;

use std::collections::BTreeMap;

use common::{d, firm, mu, parcel, terms};
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
}
