//! The enterprise register: codes, industries, the project lifecycle,
//! yearly figures with revisions, incubator leases, and queries.

mod common;

use std::thread::sleep;
use std::time::Duration;

use chrono::Utc;
use common::{d, fingerprint, mu, parcel, terms, yuan};
use parkdb::{
    Db, EnterpriseFilter, EnterpriseStatus, Entity, Error, NewEnterprise, Quantity, YearlyFigures,
};

fn firm(
    db: &Db,
    name: &str,
    code: Option<&str>,
    industry: Option<&str>,
) -> parkdb::Result<parkdb::EnterpriseId> {
    db.add_enterprise(NewEnterprise {
        credit_code: code.map(str::to_owned),
        industry: industry.map(str::to_owned),
        registered: Some(d("2003-01-01")),
        ..NewEnterprise::named(name)
    })
}

#[test]
fn credit_codes_are_checked_unique_and_overridable() {
    let db = Db::temporary().unwrap();
    let huawei = firm(
        &db,
        "华为技术有限公司",
        Some("914403001922038216"),
        Some("C39"),
    )
    .unwrap();
    assert_eq!(
        db.now()
            .enterprise_by_code("914403001922038216")
            .unwrap()
            .id,
        huawei
    );

    let before = fingerprint(&db);
    // A wrong check character, a wrong length, a letter outside the alphabet.
    for bad in [
        "914403001922038217",
        "9144030019220382",
        "91440300192203821O",
    ] {
        assert!(
            matches!(
                firm(&db, "X", Some(bad), None),
                Err(Error::Validation { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        firm(&db, "Y", Some("914403001922038216"), None),
        Err(Error::Conflict {
            entity: Entity::Enterprise,
            ..
        })
    ));
    assert_eq!(fingerprint(&db), before);

    // A code in circulation that fails its own check, accepted on request.
    let odd = db
        .add_enterprise(NewEnterprise {
            credit_code: Some("914403001922038217".into()),
            allow_invalid_code: true,
            ..NewEnterprise::named("旧证企业")
        })
        .unwrap();
    assert_eq!(
        db.enterprise(odd).unwrap().credit_code.as_deref(),
        Some("914403001922038217")
    );
    // …but never a malformed one.
    assert!(db
        .add_enterprise(NewEnterprise {
            credit_code: Some("91440300".into()),
            allow_invalid_code: true,
            ..NewEnterprise::named("Z")
        })
        .is_err());
    // Lower case is the same code.
    assert!(firm(&db, "W", Some("91440300708461136t"), None).is_ok());
    assert!(db.now().enterprise_by_code("91440300708461136T").is_ok());
}

#[test]
fn industries_follow_gbt_4754_and_are_queryable() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A", None, Some("c39")).unwrap();
    // A class number alone gets its section letter.
    let b = firm(&db, "B", None, Some("3911")).unwrap();
    assert_eq!(db.enterprise(b).unwrap().industry.as_deref(), Some("C3911"));
    let c = firm(&db, "C", None, Some("17")).unwrap();
    assert!(matches!(
        firm(&db, "D", None, Some("C98")),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        firm(&db, "D", None, Some("A39")),
        Err(Error::Validation { .. })
    ));
    assert_eq!(db.enterprise(c).unwrap().industry.as_deref(), Some("C17"));
    let by = |code: &str| {
        db.now()
            .enterprises_where(&EnterpriseFilter {
                industry: Some(code.into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by("C39"), vec![a, b]);
    assert_eq!(by("C"), vec![a, b, c]);
    assert_eq!(by("C3911"), vec![b]);
    assert!(by("A").is_empty());
}

#[test]
fn the_project_lifecycle_and_status_as_of() {
    let db = Db::temporary().unwrap();
    let kehua = firm(&db, "科华电子", None, Some("C39")).unwrap();
    db.enterprise_signed(kehua, d("2003-03-01"), yuan("60000000"), mu("40"))
        .unwrap();
    db.enterprise_construction_started(kehua, d("2003-09-01"))
        .unwrap();
    db.enterprise_in_production(kehua, d("2004-10-01")).unwrap();
    db.capital_increased(kehua, d("2005-06-01"), yuan("20000000"), mu("40"))
        .unwrap();
    db.enterprise_suspended(kehua, d("2006-01-01"), "停电")
        .unwrap();
    let status = |date: &str| db.as_of(d(date)).enterprise(kehua).unwrap().status;
    assert_eq!(status("2003-02-28"), EnterpriseStatus::Registered);
    assert_eq!(status("2003-06-30"), EnterpriseStatus::Signed);
    assert_eq!(status("2004-01-01"), EnterpriseStatus::UnderConstruction);
    assert_eq!(status("2005-12-31"), EnterpriseStatus::InProduction);
    assert_eq!(status("2006-02-01"), EnterpriseStatus::Suspended);
    db.enterprise_resumed(kehua, d("2006-03-01")).unwrap();
    assert_eq!(
        db.enterprise(kehua).unwrap().status,
        EnterpriseStatus::InProduction
    );
    let e = db.enterprise(kehua).unwrap();
    assert_eq!(e.total_investment().unwrap(), yuan("80000000"));
    assert_eq!(e.capital_increases.len(), 1);

    let at = |date: &str, s: EnterpriseStatus| {
        db.as_of(d(date))
            .enterprises_where(&EnterpriseFilter {
                status: Some(s),
                ..Default::default()
            })
            .unwrap()
            .len()
    };
    assert_eq!(at("2004-06-30", EnterpriseStatus::UnderConstruction), 1);
    assert_eq!(at("2004-06-30", EnterpriseStatus::InProduction), 0);
    assert_eq!(
        db.now()
            .enterprises_where(&EnterpriseFilter {
                status: Some(EnterpriseStatus::InProduction),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );

    // Refusals: each typed, nothing written.
    let before = fingerprint(&db);
    let lifecycle = |r: parkdb::Result<parkdb::EventId>| {
        matches!(
            r,
            Err(Error::Lifecycle {
                entity: Entity::Enterprise,
                ..
            })
        )
    };
    assert!(lifecycle(db.enterprise_signed(
        kehua,
        d("2007-01-01"),
        yuan("1"),
        mu("1")
    )));
    assert!(lifecycle(
        db.enterprise_construction_started(kehua, d("2007-01-01"))
    ));
    assert!(lifecycle(db.enterprise_resumed(kehua, d("2007-01-01"))));
    assert!(
        lifecycle(db.enterprise_in_production(kehua, d("2002-01-01"))),
        "out of date order"
    );
    assert!(matches!(
        db.capital_increased(kehua, d("2007-01-01"), yuan("0"), mu("0")),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.capital_increased(kehua, d("2007-01-01"), yuan("-1"), mu("0")),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.enterprise_signed(
            parkdb::EnterpriseId(99),
            d("2007-01-01"),
            yuan("1"),
            mu("1")
        ),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(fingerprint(&db), before);

    let other = firm(&db, "启程", None, None).unwrap();
    assert!(
        lifecycle(db.enterprise_in_production(other, d("2004-01-01"))),
        "production needs a signed project"
    );
    db.enterprise_closed(other, d("2005-01-01"), "注销")
        .unwrap();
    assert!(lifecycle(db.enterprise_signed(
        other,
        d("2005-02-01"),
        yuan("1"),
        mu("1")
    )));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn yearly_figures_revise_and_as_known_at_returns_the_first_report() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "科华电子", None, None).unwrap();
    let first = YearlyFigures {
        output_value: Some(yuan("100000000")),
        tax: Some(yuan("4000000")),
        employees: Some(300),
        energy_tce: Some(Quantity::parse("1200.5", "energy_tce").unwrap()),
        above_scale: Some(true),
        ..YearlyFigures::default()
    };
    db.report_year(e, 2005, first.clone()).unwrap();
    sleep(Duration::from_millis(3));
    let published = Utc::now();
    sleep(Duration::from_millis(3));
    db.report_year(
        e,
        2005,
        YearlyFigures {
            tax: Some(yuan("4500000")),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    let now = db.enterprise(e).unwrap().yearly.get(2005).unwrap();
    assert_eq!(now.tax, Some(yuan("4500000")));
    assert_eq!(
        now.output_value,
        Some(yuan("100000000")),
        "fields the revision does not give are kept"
    );
    assert_eq!(
        db.as_known_at(published)
            .enterprise(e)
            .unwrap()
            .yearly
            .get(2005)
            .unwrap(),
        first
    );
    // Both reports stay in history.
    let history = db.now().enterprise_history(e).unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|h| h.event.valid == d("2005-12-31"))
            .count(),
        2
    );
    // A year's figures are valid at the year's end.
    assert!(db
        .as_of(d("2005-12-30"))
        .enterprise(e)
        .unwrap()
        .yearly
        .is_empty());

    let before = fingerprint(&db);
    assert!(matches!(
        db.report_year(e, 2005, YearlyFigures::default()),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.report_year(
            e,
            2005,
            YearlyFigures {
                tax: Some(yuan("-1")),
                ..Default::default()
            }
        ),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.report_year(
            e,
            1900,
            YearlyFigures {
                tax: Some(yuan("1")),
                ..Default::default()
            }
        ),
        Err(Error::Validation { .. })
    ));
    assert!(
        matches!(
            db.report_year(
                e,
                2001,
                YearlyFigures {
                    tax: Some(yuan("1")),
                    ..Default::default()
                }
            ),
            Err(Error::Lifecycle { .. })
        ),
        "before registration"
    );
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn leases_occupy_space_between_their_dates() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "凯弗隆(厦门)科技有限公司", None, None).unwrap();
    let m2 = |s: &str| Quantity::parse(s, "area_m2").unwrap();
    db.lease(a, "1#", Some("301"), m2("4200"), d("2005-06-15"), None)
        .unwrap();
    db.lease(
        a,
        "2#",
        None,
        m2("800.5"),
        d("2005-07-01"),
        Some(d("2005-12-31")),
    )
    .unwrap();
    let e = db.enterprise(a).unwrap();
    let area = |date: &str| Quantity::sum(e.leases_on(d(date)).map(|l| l.area_m2)).unwrap();
    assert_eq!(area("2005-06-14"), m2("0"));
    assert_eq!(area("2005-06-15"), m2("4200"));
    assert_eq!(area("2005-12-31"), m2("5000.5"));
    assert_eq!(area("2006-01-01"), m2("4200"));
    db.end_lease(a, 0, d("2006-06-30")).unwrap();
    assert_eq!(
        Quantity::sum(
            db.enterprise(a)
                .unwrap()
                .leases_on(d("2006-07-01"))
                .map(|l| l.area_m2)
        )
        .unwrap(),
        m2("0")
    );

    let before = fingerprint(&db);
    assert!(matches!(
        db.lease(a, "1#", None, m2("0"), d("2006-01-01"), None),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.lease(a, " ", None, m2("1"), d("2006-01-01"), None),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.lease(
            a,
            "1#",
            None,
            m2("1"),
            d("2006-01-01"),
            Some(d("2005-01-01"))
        ),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        db.end_lease(a, 7, d("2006-07-01")),
        Err(Error::Lifecycle { .. })
    ));
    assert!(
        matches!(
            db.end_lease(a, 0, d("2006-08-01")),
            Err(Error::Lifecycle { .. })
        ),
        "already ended"
    );
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn an_enterprise_holds_parcels_as_of_a_date() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "启程", None, None).unwrap();
    let p = parcel(&db, "GP-1", "10", "2003-01-01");
    let q = parcel(&db, "GP-2", "10", "2003-01-01");
    db.allocate(p, terms(e, "2004-01-01", "1", None)).unwrap();
    db.allocate(q, terms(e, "2005-06-01", "1", None)).unwrap();
    let held = |date: &str| db.as_of(d(date)).holdings(e).unwrap().len();
    assert_eq!(
        (held("2003-12-31"), held("2004-12-31"), held("2005-12-31")),
        (0, 1, 2)
    );
}

#[test]
fn a_year_report_reads_in_words_in_the_history() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "科华电子", None, None).unwrap();
    db.report_year(
        e,
        2005,
        YearlyFigures {
            output_value: Some(yuan("40000000")),
            tax: Some(yuan("1600000")),
            employees: Some(120),
            above_scale: Some(true),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    let history = db.now().enterprise_history(e).unwrap();
    let detail = history
        .iter()
        .find_map(|h| match &h.event.body {
            parkdb::Body::Domain(b @ parkdb::enterprise::EnterpriseEvent::YearReported { .. }) => {
                Some(b.describe())
            }
            _ => None,
        })
        .expect("the report");
    assert_eq!(
        detail,
        "2005: 产值 40000000.00元, 税收 1600000.00元, 职工 120人, 规模以上"
    );
}

/// A firm is found by any key a person has for it; a name two firms are
/// registered under is a conflict that lists them, never the first found.
#[test]
fn a_firm_is_found_by_id_code_or_unique_name() {
    let db = parkdb::Db::temporary().unwrap();
    let a = db
        .add_enterprise(parkdb::NewEnterprise {
            credit_code: Some("91440300708461136T".into()),
            ..parkdb::NewEnterprise::named("顺德市励精纺织贸易有限公司")
        })
        .unwrap();
    let twin1 = db
        .add_enterprise(parkdb::NewEnterprise::named("金联化工物流"))
        .unwrap();
    let twin2 = db
        .add_enterprise(parkdb::NewEnterprise::named("金联化工物流"))
        .unwrap();
    let v = db.now();
    for key in [
        a.0.to_string(),
        "91440300708461136T".to_owned(),
        " 顺德市励精纺织贸易有限公司 ".to_owned(),
    ] {
        assert_eq!(v.enterprise_by_key(&key).unwrap().id, a, "{key}");
    }
    match v.enterprise_by_key("金联化工物流") {
        Err(parkdb::Error::Conflict { reason, .. }) => {
            assert!(
                reason.contains(&twin1.to_string()) && reason.contains(&twin2.to_string()),
                "{reason}"
            );
        }
        other => panic!("an ambiguous name: {other:?}"),
    }
    match v.enterprise_by_key("无此企业") {
        Err(parkdb::Error::NotFound { key, .. }) => {
            assert!(key.contains("registered name"), "{key}");
        }
        other => panic!("an unknown key: {other:?}"),
    }
}
