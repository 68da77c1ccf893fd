//! Every figure explained: the parts of each figure of the example zone's
//! 2005 report and land summary add up to it exactly, now and as known at
//! a past moment, and each part names the event that put it in.

mod common;

use common::{d, mu};
use parkdb::example::build_seed;
use parkdb::explain::{Amount, Explanation};
use parkdb::{Db, Mu, SourceKind};

fn sums(e: &Explanation) {
    match e.value {
        Some(v) => assert_eq!(
            e.total().unwrap(),
            Some(v),
            "{}: the parts {:#?}",
            e.figure,
            e.parts
        ),
        None => assert!(e.derived.is_some() && e.parts.is_empty(), "{e:?}"),
    }
}

fn seed() -> Db {
    let db = Db::temporary().unwrap();
    build_seed(&db).unwrap();
    db
}

#[test]
fn every_figure_of_the_2005_report_is_the_sum_of_its_parts() {
    let db = seed();
    let v = db.now();
    let report = v.annual_report(2005).unwrap();
    let mut explained_with_parts = 0;
    let fields: Vec<&str> = report
        .areas()
        .map(|a| a.0)
        .into_iter()
        .chain(report.amounts().map(|a| a.0))
        .chain(report.counts().map(|c| c.0))
        .collect();
    for field in &fields {
        let e = v.explain_report(2005, field).unwrap();
        sums(&e);
        // The value is the report's own.
        let shown = e.value.unwrap().to_decimal_string();
        let own = report
            .areas()
            .iter()
            .find(|a| a.0 == *field)
            .map(|a| a.1.to_decimal_string())
            .or_else(|| {
                report
                    .amounts()
                    .iter()
                    .find(|a| a.0 == *field)
                    .map(|a| a.1.to_decimal_string())
            })
            .or_else(|| {
                report
                    .counts()
                    .iter()
                    .find(|a| a.0 == *field)
                    .map(|a| a.1.to_string())
            })
            .unwrap();
        assert_eq!(shown, own, "{field}");
        if !e.parts.is_empty() {
            explained_with_parts += 1;
            // Each part names the event that put it in, dated by the year's end.
            for p in &e.parts {
                assert!(p.event_id.is_some(), "{field}: {p:?}");
                assert!(p.date.is_none_or(|d| d <= common::d("2005-12-31")), "{p:?}");
                assert_eq!(p.origin.kind, SourceKind::Api, "{p:?}");
            }
        }
    }
    // The seed's year has land, firms, grants and money in it.
    assert!(explained_with_parts >= 20, "{explained_with_parts}");
    for rate in ["supply_rate", "built_rate"] {
        let e = v.explain_report(2005, rate).unwrap();
        sums(&e);
        assert!(e.derived.unwrap().contains("supplied_mu"));
    }
    let err = v.explain_report(2005, "certfied_mu").unwrap_err();
    assert!(err.to_string().contains("certified_mu"), "{err}");
}

#[test]
fn the_certified_land_of_2005_is_its_certified_parcels() {
    let db = seed();
    let v = db.now();
    let e = v.explain_report(2005, "certified_mu").unwrap();
    assert_eq!(
        e.value,
        Some(Amount::Area(v.annual_report(2005).unwrap().certified_mu))
    );
    assert!(e.parts.iter().all(|p| p.kind == "parcel"));
    assert!(e.parts.iter().all(|p| p.event == Some("certified")));
    let codes: Vec<&str> = e.parts.iter().filter_map(|p| p.code.as_deref()).collect();
    for code in &codes {
        let parcel = db.parcel_by_code(code).unwrap();
        assert!(parcel.certificate.is_some(), "{code}");
    }
    let table = e.to_table().unwrap();
    assert_eq!(table.num_rows(), e.parts.len());
    let meta = table.schema().metadata().clone();
    assert_eq!(meta["figure"], "certified_mu");
    assert_eq!(meta["as_of"], "2005-12-31");
    assert!(table.column_by_name("source_by").is_some());
}

#[test]
fn every_figure_of_the_land_summary_is_the_sum_of_its_parts() {
    let db = seed();
    for date in ["2003-12-31", "2005-12-31"] {
        let v = db.as_of(d(date));
        let summary = v.land_summary().unwrap();
        let mut fields: Vec<&str> = parkdb::land::LandFigures::AREAS
            .iter()
            .map(|a| a.field)
            .collect();
        fields.extend([
            "parcel_count",
            "idle_count",
            "reclaimed_count",
            "land_cost_yuan",
        ]);
        for field in fields {
            let e = v.explain_land(field).unwrap();
            sums(&e);
            let area = summary
                .total
                .areas()
                .into_iter()
                .find(|a| a.0.field == field);
            if let Some((_, area)) = area {
                assert_eq!(e.value, Some(Amount::Area(area)), "{field} {date}");
            }
        }
        let e = v.explain_land("land_cost_per_mu_yuan").unwrap();
        assert!(e.derived.is_some());
    }
}

/// A figure as known at a past moment explains as it was known then:
/// a parcel certified later is not among the parts of then.
#[test]
fn a_figure_known_at_a_past_moment_explains_as_it_was_known() {
    let db = seed();
    let before = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let p = common::parcel(&db, "LATE-1", "7.5", "2005-02-01");
    db.certify(p, d("2005-06-01"), "国用(2005)第99号").unwrap();
    let now = db.now().explain_report(2005, "certified_mu").unwrap();
    let then = db
        .as_known_at(before)
        .explain_report(2005, "certified_mu")
        .unwrap();
    sums(&now);
    sums(&then);
    let (Some(Amount::Area(n)), Some(Amount::Area(t))) = (now.value, then.value) else {
        panic!("areas");
    };
    assert_eq!(n, t.checked_add(mu("7.5")).unwrap());
    assert!(now
        .parts
        .iter()
        .any(|p| p.code.as_deref() == Some("LATE-1")));
    assert!(!then
        .parts
        .iter()
        .any(|p| p.code.as_deref() == Some("LATE-1")));
    let land_then = db
        .as_known_at(before)
        .as_of(d("2005-12-31"))
        .explain_land("requisitioned_mu")
        .unwrap();
    sums(&land_then);
    assert!(!land_then
        .parts
        .iter()
        .any(|p| p.code.as_deref() == Some("LATE-1")));
}

/// Each total of the receivables is the sum of its debts, each with the
/// event that put it in.
#[test]
fn the_receivables_totals_are_the_sum_of_their_debts() {
    let db = seed();
    let v = db.as_of(d("2005-12-31"));
    let rows = v.receivables().unwrap();
    assert!(!rows.is_empty());
    for charge in [
        None,
        Some(parkdb::money::Charge::LandPrice),
        Some(parkdb::money::Charge::ManagementFee),
    ] {
        let outstanding = v.explain_receivables("outstanding_yuan", charge).unwrap();
        sums(&outstanding);
        let total = parkdb::Yuan::sum(
            rows.iter()
                .filter(|r| charge.is_none_or(|c| c == r.charge))
                .map(|r| r.position.outstanding),
        )
        .unwrap();
        assert_eq!(outstanding.value, Some(Amount::Money(total)), "{charge:?}");
        assert!(outstanding.parts.iter().all(|p| p.event_id.is_some()));
        let overdue = v.explain_receivables("overdue_yuan", charge).unwrap();
        sums(&overdue);
    }
    assert!(v.explain_receivables("owed", None).is_err());
}

/// A firm's value in the evaluation is a rate: the explanation names the
/// figure it reported (with the event) and its land, made of its parcels.
#[test]
fn a_firms_tax_per_mu_names_its_tax_and_the_parcels_of_its_land() {
    let db = seed();
    let v = db.now();
    let candidates = v.enterprise_years(2005, false).unwrap();
    let c = candidates
        .iter()
        .find(|c| {
            c.land.is_positive()
                && c.values
                    .get(&parkdb::indicators::Metric::TaxPerMu)
                    .is_some_and(Result::is_ok)
        })
        .expect("a firm with land and tax");
    let e = v
        .explain_evaluation(
            2005,
            c.enterprise,
            parkdb::indicators::Metric::TaxPerMu,
            false,
        )
        .unwrap();
    assert_eq!(e.value, None);
    assert!(e
        .derived
        .as_deref()
        .unwrap()
        .starts_with("tax / land_mu = "));
    assert_eq!(e.parts_of.as_deref(), Some("land_mu"));
    assert_eq!(e.inputs[0].name, "tax");
    assert!(e.inputs[0].event_id.is_some());
    let land = Mu::sum(e.parts.iter().map(|p| match p.amount {
        Amount::Area(m) => m,
        _ => panic!("land in 亩"),
    }))
    .unwrap();
    assert_eq!(land, c.land);
    assert!(e.to_table().unwrap().schema().metadata()["inputs"].contains("tax="));
}

/// A year not over is reported as of today, and its figures explain as of
/// the same day: a step dated later this year is in neither.
#[test]
fn a_year_not_over_explains_as_of_the_day_it_reports() {
    let db = seed();
    let today = chrono::Utc::now().date_naive();
    let year = chrono::Datelike::year(&today);
    let p = common::parcel(&db, "NOW-1", "5", &today.to_string());
    let later = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    if later > today {
        db.certify(p, later, "国用(未来)第1号").unwrap();
    }
    let v = db.now();
    let report = v.annual_report(year).unwrap();
    for figure in [
        "requisitioned_in_year_mu",
        "certified_in_year_mu",
        "certified_mu",
    ] {
        let e = v.explain_report(year, figure).unwrap();
        assert_eq!(e.as_of, report.as_of, "{figure}");
        let own = report.areas().iter().find(|a| a.0 == figure).unwrap().1;
        assert_eq!(e.value, Some(Amount::Area(own)), "{figure}");
        sums(&e);
    }
}
