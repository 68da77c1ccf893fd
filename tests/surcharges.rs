//! Grade-driven surcharges (差别化价格) against amounts worked out by hand:
//! rates by grade, the higher rate after straight years in a grade, and
//! earlier grades as known when they were published.

mod common;

use std::collections::BTreeMap;

use common::{firm, parcel, q, terms, tick, yuan};
use parkdb::indicators::{Direction, Metric};
use parkdb::scheme::{Grading, MissingRule, Resource, Scheme, SchemeItem, Scope, Surcharge};
use parkdb::{Db, EnterpriseId, YearlyFigures};

/// One item, 亩均税收 against 10 万元/亩: a firm on 10 亩 paying 100 万元
/// scores 100 and is A; one paying 10 万元 scores 10 and is D.
fn scheme() -> Scheme {
    Scheme {
        name: "surcharge test".into(),
        source: "a test".into(),
        items: vec![SchemeItem {
            metric: Metric::TaxPerMu,
            weight: 100.0,
            benchmark: 10.0,
            cap: 1.0,
            direction: Direction::Higher,
            missing: MissingRule::Zero,
        }],
        scope: Scope::default(),
        grading: Grading::Absolute(vec![("A".into(), 50.0), ("D".into(), 0.0)]),
        // 海宁's draft: class D +0.3 元/kWh, +0.4 after three straight years.
        surcharges: vec![
            Surcharge {
                resource: Resource::Electricity,
                grade: "D".into(),
                rate: q("0.3"),
                escalation: Some((3, q("0.4"))),
            },
            Surcharge {
                resource: Resource::Water,
                grade: "D".into(),
                rate: q("0.5"),
                escalation: None,
            },
        ],
    }
}

fn year(db: &Db, e: EnterpriseId, year: i32, tax_wan: &str, kwh: &str, water: Option<&str>) {
    db.report_year(
        e,
        year,
        YearlyFigures {
            tax: Some(parkdb::Yuan::parse_wan(tax_wan).unwrap()),
            electricity_kwh: Some(q(kwh)),
            water_m3: water.map(q),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
}

#[test]
fn surcharges_by_grade_and_straight_years() {
    let db = Db::temporary().unwrap();
    let firm_on = |name: &str| {
        let e = firm(&db, name);
        let p = parcel(&db, &format!("P-{name}"), "10", "2019-01-01");
        db.allocate(p, terms(e, "2019-06-01", "1", None)).unwrap();
        e
    };
    let (x, y, z) = (firm_on("X"), firm_on("Y"), firm_on("Z"));
    // X: D in 2020, 2021, 2022. Y: A in 2020, D since. Z: A throughout.
    for (e, taxes) in [
        (x, ["10", "10", "10"]),
        (y, ["100", "10", "10"]),
        (z, ["100", "100", "100"]),
    ] {
        for (y, tax) in (2020..).zip(taxes) {
            let water = (e == x).then_some("10000");
            year(&db, e, y, tax, "2000000", water);
        }
    }
    db.report_year(
        x,
        2022,
        YearlyFigures {
            electricity_kwh: Some(q("1234567.5")),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    let published_2020 = tick();
    // X's 2020 tax corrected after its grade was published: as known now,
    // X was A in 2020.
    year(&db, x, 2020, "100", "2000000", Some("10000"));

    let rows = |graded_at: &BTreeMap<i32, chrono::DateTime<chrono::Utc>>| {
        db.now()
            .surcharges(&scheme(), 2022, graded_at)
            .unwrap()
            .into_iter()
            .map(|r| (r.name, r.resource, r.years_in_grade, r.rate, r.amount))
            .collect::<Vec<_>>()
    };
    let published = BTreeMap::from([(2020, published_2020)]);
    assert_eq!(
        rows(&published),
        [
            // 1,234,567.5 kWh × 0.4 = 493,827.00; 10,000 m³ × 0.5 = 5,000.
            (
                "X".into(),
                Resource::Electricity,
                3,
                q("0.4"),
                Some(yuan("493827"))
            ),
            ("X".into(), Resource::Water, 3, q("0.5"), Some(yuan("5000"))),
            // 2,000,000 kWh × 0.3 = 600,000; no water reported.
            (
                "Y".into(),
                Resource::Electricity,
                2,
                q("0.3"),
                Some(yuan("600000"))
            ),
            ("Y".into(), Resource::Water, 2, q("0.5"), None),
        ]
    );
    // As known now, X's streak is two years: the lower rate, 370,370.25.
    let now = rows(&BTreeMap::new());
    assert_eq!(
        now[0],
        (
            "X".into(),
            Resource::Electricity,
            2,
            q("0.3"),
            Some(yuan("370370.25"))
        )
    );
    // Z is graded A: no surcharge.
    assert!(now.iter().all(|r| r.0 != "Z"));
}

#[test]
fn surcharges_that_are_not_rates_are_refused() {
    let db = Db::temporary().unwrap();
    for bad in [
        Surcharge {
            resource: Resource::Emissions,
            grade: "D".into(),
            rate: q("0"),
            escalation: None,
        },
        Surcharge {
            resource: Resource::Emissions,
            grade: "D".into(),
            rate: q("100"),
            escalation: Some((1, q("200"))),
        },
    ] {
        let s = Scheme {
            surcharges: vec![bad],
            ..scheme()
        };
        let refused = db.now().surcharges(&s, 2022, &BTreeMap::new());
        assert!(
            matches!(refused, Err(parkdb::Error::Validation { .. })),
            "{refused:?}"
        );
    }
}
