//! The lifecycle paths of the seed's zone, each step checked against the
//! ledger's state, summaries and the integrity check.

mod common;

use common::{d, firm, mu, parcel, terms, yuan};
use parkdb::{Db, IdleState, LandUse, NewParcel, ParcelFilter, ParcelStatus, Policy, SupplyMethod};

#[test]
fn requisition_to_production() {
    let db = Db::temporary().unwrap();
    let kehua = firm(&db, "科华电子");
    let p = parcel(&db, "GP-001", "120.5", "2001-03-01");
    assert_eq!(db.parcel(p).unwrap().status(), ParcelStatus::Reserve);

    db.develop(p, d("2001-06-01")).unwrap();
    db.certify(p, d("2002-01-10"), "佛府(顺)国用(2002)第0401285号")
        .unwrap();
    db.allocate(p, terms(kehua, "2002-03-01", "3615000", Some("2002-09-01")))
        .unwrap();
    assert_eq!(db.parcel(p).unwrap().status(), ParcelStatus::Allocated);
    db.start_construction(p, d("2002-08-01")).unwrap();
    assert_eq!(
        db.parcel(p).unwrap().status(),
        ParcelStatus::UnderConstruction
    );
    db.complete_construction(p, d("2003-05-01")).unwrap();

    let now = db.parcel(p).unwrap();
    assert_eq!(now.status(), ParcelStatus::Completed);
    assert_eq!(now.holder, Some(kehua));
    assert_eq!(
        now.certificate.as_ref().unwrap().number,
        "佛府(顺)国用(2002)第0401285号"
    );
    assert_eq!(now.supply.as_ref().unwrap().method, SupplyMethod::Listing);
    assert_eq!(db.parcel_by_code("GP-001").unwrap(), now);

    let s = db.land_summary(d("2003-12-31")).unwrap().total;
    assert_eq!(s.requisitioned_mu, mu("120.5"));
    assert_eq!(s.developed_mu, mu("120.5"));
    assert_eq!(s.certified_mu, mu("120.5"));
    assert_eq!(s.supplied_mu, mu("120.5"));
    assert_eq!(s.completed_mu, mu("120.5"));
    assert_eq!(s.under_construction_mu, mu("0"));
    assert_eq!(s.reserve_mu, mu("0"));
    assert_eq!(s.parcel_count, 1);

    // Each stage as of its date.
    let at = |date: &str| db.parcel_as_of(p, d(date)).unwrap().status();
    assert_eq!(at("2001-12-31"), ParcelStatus::Reserve);
    assert_eq!(at("2002-03-01"), ParcelStatus::Allocated);
    assert_eq!(at("2002-12-31"), ParcelStatus::UnderConstruction);
    assert!(matches!(
        db.parcel_as_of(p, d("2001-02-28")),
        Err(parkdb::Error::NotFound { .. })
    ));
    assert!(db.check().unwrap().is_clean());
}

/// 收回了顺德市励精纺织贸易有限公司52.7272亩 … 并转让给其他投资者.
#[test]
fn idle_reclaim_and_resupply_of_the_lijing_parcel() {
    let db = Db::temporary().unwrap();
    let lijing = firm(&db, "顺德市励精纺织贸易有限公司");
    let newcomer = firm(&db, "金联化工物流");
    let p = parcel(&db, "GP-017", "52.7272", "2001-05-01");
    db.certify(p, d("2002-01-01"), "佛府(顺)国用(2002)第0400017号")
        .unwrap();
    db.allocate(
        p,
        terms(lijing, "2002-03-01", "3163632", Some("2002-09-01")),
    )
    .unwrap();

    let idle = |date: &str| db.parcel(p).unwrap().idle_as_of(d(date));
    assert_eq!(
        idle("2003-09-01"),
        IdleState::NotIdle,
        "exactly one year is not more than one"
    );
    // 20% of 3,163,632 元 = 632,726.40 元.
    assert_eq!(
        idle("2003-09-02"),
        IdleState::Idle {
            fee: yuan("632726.40")
        }
    );
    assert_eq!(
        idle("2004-09-02"),
        IdleState::Reclaimable {
            fee: yuan("632726.40")
        }
    );

    let s = db.land_summary(d("2004-06-30")).unwrap();
    assert_eq!(s.total.idle_mu, mu("52.7272"));
    assert_eq!(s.total.idle_count, 1);
    assert_eq!(s.by_land_use[&LandUse::Industrial].idle_mu, mu("52.7272"));

    db.declare_idle(p, d("2004-10-01"), None).unwrap();
    assert_eq!(
        db.parcel(p).unwrap().idle_declared.unwrap().fee,
        yuan("632726.40")
    );
    db.reclaim(p, d("2005-03-15"), "闲置满两年,依法无偿收回")
        .unwrap();
    let back = db.parcel(p).unwrap();
    assert_eq!(back.status(), ParcelStatus::Reserve);
    assert_eq!(back.reclamations.len(), 1);
    assert_eq!(back.reclamations[0].former_holder, lijing);
    assert!(!back.idle_as_of(d("2005-04-01")).is_idle());

    db.allocate(
        p,
        terms(newcomer, "2005-06-01", "3500000", Some("2005-12-01")),
    )
    .unwrap();
    db.start_construction(p, d("2005-11-01")).unwrap();

    let s = db.land_summary(d("2005-12-31")).unwrap().total;
    assert_eq!(s.reclaimed_mu, mu("52.7272"));
    assert_eq!(s.reclaimed_count, 1);
    assert_eq!(s.idle_mu, mu("0"));
    assert_eq!(s.under_construction_mu, mu("52.7272"));
    assert!(db.parcel(p).unwrap().ever_reclaimed);

    // The holder history: the former holder as of before the reclamation.
    let held = |date: &str| {
        db.as_of(d(date))
            .parcels(&ParcelFilter {
                holder: Some(lijing),
                ..ParcelFilter::default()
            })
            .unwrap()
            .len()
    };
    assert_eq!(held("2004-12-31"), 1);
    assert_eq!(held("2005-12-31"), 0);
    assert!(db
        .parcels(&ParcelFilter {
            holder: Some(lijing),
            ..Default::default()
        })
        .unwrap()
        .is_empty());
    assert_eq!(
        db.parcels(&ParcelFilter {
            holder: Some(newcomer),
            ..Default::default()
        })
        .unwrap()[0]
            .id,
        p
    );
    assert!(db.check().unwrap().is_clean());
}

/// Past its agreed start and not yet idle, a parcel is 逾期未动工 (the
/// early warning); idle by time alone it owes no fee until declared, and
/// what it would owe is the potential fee, in the table as in the parcel.
#[test]
fn start_overdue_warns_and_an_idle_fee_is_owed_only_once_declared() {
    let db = Db::temporary().unwrap();
    let holder = firm(&db, "金联化工物流");
    let p = parcel(&db, "GP-017", "52.7272", "2001-05-01");
    db.allocate(
        p,
        terms(holder, "2002-03-01", "3163632", Some("2002-09-01")),
    )
    .unwrap();
    let parcel = db.parcel(p).unwrap();
    assert_eq!(
        parcel.start_overdue_days(d("2002-09-01")),
        None,
        "on the day"
    );
    assert_eq!(parcel.start_overdue_days(d("2002-09-02")), Some(1));
    assert_eq!(parcel.start_overdue_days(d("2003-09-01")), Some(365));
    // A year and a day past: idle, no longer merely overdue.
    assert_eq!(parcel.start_overdue_days(d("2003-09-02")), None);
    assert_eq!(parcel.idle_fee_owed(d("2003-09-02")), None);
    assert_eq!(
        parcel.potential_idle_fee(d("2003-09-02")),
        Some(yuan("632726.40"))
    );
    let column = |at: &str, name: &str| {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Decimal128Type, Int64Type};
        use arrow_array::Array;
        let t = db
            .as_of(d(at))
            .parcels_table(&ParcelFilter::default())
            .unwrap();
        let c = t.column_by_name(name).unwrap();
        if c.is_null(0) {
            String::new()
        } else if let Some(b) = c.as_boolean_opt() {
            b.value(0).to_string()
        } else if let Some(i) = c.as_primitive_opt::<Int64Type>() {
            i.value(0).to_string()
        } else {
            c.as_primitive::<Decimal128Type>().value_as_string(0)
        }
    };
    assert_eq!(column("2003-03-01", "start_overdue"), "true");
    assert_eq!(column("2003-03-01", "start_overdue_days"), "181");
    assert_eq!(column("2003-09-02", "idle_fee_yuan"), "");
    assert_eq!(column("2003-09-02", "potential_idle_fee_yuan"), "632726.40");
    db.declare_idle(p, d("2003-10-01"), None).unwrap();
    assert_eq!(column("2003-10-01", "idle_fee_yuan"), "632726.40");
    assert_eq!(column("2003-10-01", "potential_idle_fee_yuan"), "");
    // Construction started: neither overdue nor idle.
    db.start_construction(p, d("2003-11-01")).unwrap();
    let parcel = db.parcel(p).unwrap();
    assert_eq!(parcel.start_overdue_days(d("2003-12-01")), None);
    assert_eq!(parcel.idle_fee_owed(d("2003-12-01")), None);
}

/// An agreed start before the supply is kept as given and found by
/// `check()`; an agreed completion before the agreed start is refused.
#[test]
fn check_finds_agreed_terms_out_of_order() {
    let db = Db::temporary().unwrap();
    let holder = firm(&db, "金联化工物流");
    let early = parcel(&db, "A-1", "10", "2016-01-01");
    let swapped = parcel(&db, "A-2", "10", "2016-01-01");
    let fine = parcel(&db, "A-3", "10", "2016-01-01");
    db.allocate(
        early,
        terms(holder, "2017-01-10", "100", Some("2016-12-31")),
    )
    .unwrap();
    let refused = db.allocate(
        swapped,
        parkdb::Allocation {
            complete_by: Some(d("2017-06-30")),
            ..terms(holder, "2017-01-10", "100", Some("2017-07-10"))
        },
    );
    assert!(matches!(refused, Err(parkdb::Error::Validation { .. })));
    db.allocate(
        fine,
        parkdb::Allocation {
            complete_by: Some(d("2019-07-10")),
            ..terms(holder, "2017-01-10", "100", Some("2017-07-10"))
        },
    )
    .unwrap();
    let report = db.check().unwrap();
    assert!(report.is_clean());
    let found: Vec<(&str, Vec<parkdb::ParcelId>)> = report
        .findings
        .iter()
        .map(|f| (f.kind, f.parcels.clone()))
        .collect();
    assert_eq!(found, [("start_before_supply", vec![early])]);
    assert!(report.findings[0].message.contains("2016-12-31"));
}

#[test]
fn transfer_between_holders() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "林健");
    let b = firm(&db, "启程");
    let p = parcel(&db, "GP-020", "35.6180", "2001-05-01");
    db.allocate(p, terms(a, "2002-01-01", "2000000", Some("2002-06-01")))
        .unwrap();
    db.transfer(p, b, d("2003-01-01"), yuan("2500000")).unwrap();
    assert_eq!(db.parcel(p).unwrap().holder, Some(b));
    assert_eq!(db.parcel_as_of(p, d("2002-12-31")).unwrap().holder, Some(a));
    // The agreed start travels with the land: the transferee is idle too.
    assert!(db.parcel(p).unwrap().idle_as_of(d("2003-07-01")).is_idle());
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn split_conserves_area_and_children_inherit() {
    let db = Db::temporary().unwrap();
    let huang = firm(&db, "黄奋强");
    let p = parcel(&db, "GP-030", "63", "2001-05-01");
    db.develop(p, d("2001-08-01")).unwrap();
    db.allocate(p, terms(huang, "2002-01-01", "1890000", Some("2002-06-01")))
        .unwrap();
    let kids = db
        .split(
            p,
            d("2004-01-01"),
            &[("GP-030-1", mu("20.0001")), ("GP-030-2", mu("42.9999"))],
        )
        .unwrap();
    assert_eq!(kids.len(), 2);
    let parent = db.parcel(p).unwrap();
    assert_eq!(parent.status(), ParcelStatus::Retired);
    assert_eq!(parent.children, kids);
    let child = db.parcel_by_code("GP-030-2").unwrap();
    assert_eq!(child.area, mu("42.9999"));
    assert_eq!(child.holder, Some(huang));
    assert_eq!(child.parent, Some(p));
    assert!(child.developed.is_some());

    // The parent is counted before the split, its children after: never twice.
    let before = db.land_summary(d("2003-12-31")).unwrap().total;
    let after = db.land_summary(d("2004-12-31")).unwrap().total;
    assert_eq!(before.requisitioned_mu, mu("63"));
    assert_eq!(before.parcel_count, 1);
    assert_eq!(after.requisitioned_mu, mu("63"));
    assert_eq!(after.parcel_count, 2);
    assert_eq!(after.supplied_mu, mu("63"));

    // Children carry on their own lifecycle; the retired parent refuses.
    db.reclaim(kids[0], d("2004-06-01"), "闲置").unwrap();
    assert!(matches!(
        db.develop(p, d("2004-06-01")),
        Err(parkdb::Error::Lifecycle { .. })
    ));
    assert_eq!(
        db.land_summary(d("2004-12-31")).unwrap().total.reclaimed_mu,
        mu("20.0001")
    );
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn policy_refuses_development_of_uncertified_land_from_its_date() {
    let db = Db::temporary().unwrap();
    let early = parcel(&db, "GP-040", "100", "2001-01-01");
    let late = parcel(&db, "GP-041", "100", "2001-01-01");
    let certified = parcel(&db, "GP-042", "100", "2001-01-01");
    db.set_policy(Policy {
        no_development_without_certificate_from: Some(d("2005-01-01")),
        ..Policy::default()
    })
    .unwrap();

    // History before the effective date loads as it happened.
    db.develop(early, d("2004-12-31")).unwrap();
    let err = db.develop(late, d("2005-01-01")).unwrap_err();
    match &err {
        parkdb::Error::Lifecycle { subject, rule, .. } => {
            assert!(subject.contains("GP-041"), "{subject}");
            assert!(
                rule.contains("2005-01-01") && rule.contains("certificate"),
                "{rule}"
            );
        }
        other => panic!("expected a lifecycle error, got {other:?}"),
    }
    assert!(db.parcel(late).unwrap().developed.is_none());
    db.certify(certified, d("2005-02-01"), "海门国用(2005)第0183号")
        .unwrap();
    db.develop(certified, d("2005-03-01")).unwrap();
    assert_eq!(
        db.policy().unwrap().no_development_without_certificate_from,
        Some(d("2005-01-01"))
    );

    let s = db.land_summary(d("2005-12-31")).unwrap().total;
    assert_eq!(s.developed_mu, mu("200"));
    assert_eq!(s.certified_mu, mu("100"));
}

#[test]
fn filters_go_by_status_holder_and_use() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A");
    let mut ids = Vec::new();
    for (i, use_) in [
        LandUse::Industrial,
        LandUse::CommercialResidential,
        LandUse::Industrial,
        LandUse::Logistics,
    ]
    .into_iter()
    .enumerate()
    {
        ids.push(
            db.add_parcel(NewParcel::new(
                format!("L-{i}"),
                mu("10"),
                use_,
                d("2003-01-01"),
            ))
            .unwrap(),
        );
    }
    db.allocate(ids[0], terms(a, "2003-02-01", "1", None))
        .unwrap();
    db.allocate(ids[2], terms(a, "2003-02-01", "1", None))
        .unwrap();
    db.start_construction(ids[2], d("2003-03-01")).unwrap();

    let by = |f: ParcelFilter| {
        db.parcels(&f)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by(ParcelFilter {
            status: Some(ParcelStatus::Reserve),
            ..Default::default()
        }),
        vec![ids[1], ids[3]]
    );
    assert_eq!(
        by(ParcelFilter {
            holder: Some(a),
            ..Default::default()
        }),
        vec![ids[0], ids[2]]
    );
    assert_eq!(
        by(ParcelFilter {
            land_use: Some(LandUse::Industrial),
            ..Default::default()
        }),
        vec![ids[0], ids[2]]
    );
    assert_eq!(
        by(ParcelFilter {
            land_use: Some(LandUse::Industrial),
            status: Some(ParcelStatus::UnderConstruction),
            holder: Some(a)
        }),
        vec![ids[2]]
    );
    // As of a date the same filters fold the past.
    let past = db.as_of(d("2003-02-15"));
    assert_eq!(
        past.parcels(&ParcelFilter {
            status: Some(ParcelStatus::Allocated),
            ..Default::default()
        })
        .unwrap()
        .len(),
        2
    );
    let s = db.land_summary(d("2003-12-31")).unwrap();
    assert_eq!(
        s.by_land_use[&LandUse::Industrial].requisitioned_mu,
        mu("20")
    );
    assert_eq!(
        s.by_land_use[&LandUse::CommercialResidential].reserve_mu,
        mu("10")
    );
    assert_eq!(s.total.supplied_mu, mu("20"));
}

#[test]
fn a_reopened_database_and_its_backup_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let p;
    {
        let db = Db::open(&path).unwrap();
        let a = firm(&db, "A");
        p = parcel(&db, "GP-1", "52.7272", "2003-01-01");
        db.allocate(p, terms(a, "2003-02-01", "100", None)).unwrap();
        // Same directory, same process: the same database.
        let again = Db::open(&path).unwrap();
        assert_eq!(again.parcel(p).unwrap(), db.parcel(p).unwrap());
        db.backup(dir.path().join("copy")).unwrap();
        assert!(matches!(
            db.backup(dir.path().join("copy")),
            Err(parkdb::Error::Validation { .. })
        ));
    }
    let db = Db::open(&path).unwrap();
    let copy = Db::open(dir.path().join("copy")).unwrap();
    assert_eq!(copy.parcel(p).unwrap(), db.parcel(p).unwrap());
    assert!(copy.check().unwrap().is_clean());
    assert_eq!(
        copy.land_summary(d("2004-01-01")).unwrap(),
        db.land_summary(d("2004-01-01")).unwrap()
    );
}

/// Each refusal names its rule as a kind a program matches on, beside the
/// message (no `rule.contains("reserve")`).
#[test]
fn refusals_name_their_rule_kind() {
    use parkdb::{Error, Rule};
    let db = Db::temporary().unwrap();
    let kehua = firm(&db, "科华电子");
    let other = firm(&db, "顺达机械");
    let p = parcel(&db, "GP-050", "30", "2001-03-01");
    let kind = |r: parkdb::Result<parkdb::EventId>| match r {
        Err(e @ Error::Lifecycle { .. }) => e.rule().unwrap(),
        other => panic!("expected a lifecycle refusal, got {other:?}"),
    };

    // Reclaim, transfer and construction of a reserve parcel.
    assert_eq!(
        kind(db.reclaim(p, d("2002-01-01"), "闲置")),
        Rule::InReserve
    );
    assert_eq!(
        kind(db.start_construction(p, d("2002-01-01"))),
        Rule::InReserve
    );
    // Before the parcel entered the ledger.
    assert_eq!(kind(db.develop(p, d("2000-01-01"))), Rule::OutOfOrder);
    db.develop(p, d("2001-06-01")).unwrap();
    assert_eq!(kind(db.develop(p, d("2001-07-01"))), Rule::AlreadyDone);
    db.allocate(p, terms(kehua, "2002-03-01", "300000", None))
        .unwrap();
    assert_eq!(
        kind(db.allocate(p, terms(other, "2002-04-01", "300000", None))),
        Rule::AlreadyHeld
    );
    assert_eq!(
        kind(db.complete_construction(p, d("2002-05-01"))),
        Rule::NotAllowedNow
    );
    // More than is owed, without saying it is an advance.
    let pay = db.receive_payment(
        parkdb::Account::Parcel(p),
        d("2002-05-01"),
        parkdb::money::Payment {
            charge: parkdb::money::Charge::LandPrice,
            amount: yuan("400000"),
            payer: None,
            reference: None,
            advance: false,
        },
    );
    assert_eq!(kind(pay), Rule::Amount);
    // A void of a void.
    let q = parcel(&db, "GP-051", "10", "2001-03-01");
    let developed = db.develop(q, d("2001-06-01")).unwrap();
    let void = db.void(developed, "录入有误").unwrap();
    assert_eq!(kind(db.void(void, "再撤")), Rule::Void);
    let message = db.reclaim(p, d("2001-01-01"), "闲置").unwrap_err();
    assert_eq!(message.rule(), Some(Rule::OutOfOrder));
    assert!(message.to_string().contains("2001-01-01"), "{message}");
    // Not a lifecycle refusal: no rule.
    assert_eq!(
        db.develop(parkdb::ParcelId(9_999), d("2002-01-01"))
            .unwrap_err()
            .rule(),
        None
    );
    assert_eq!(Rule::InReserve.code(), "in_reserve");
}

/// The idle periods are dated policy: a supply takes those in force on its
/// agreed start when it is recorded, and keeps them; idleness, the land
/// summary and reclamation follow them.
#[test]
fn idle_periods_are_dated_policy_a_supply_keeps() {
    use parkdb::land::IdlePeriods;
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A 纺织");
    let before = parcel(&db, "GP-1", "10", "2015-01-01");
    // Recorded before the policy: the default, a year and two.
    db.allocate(before, terms(a, "2016-01-01", "100000", Some("2017-03-01")))
        .unwrap();
    let refused = db.set_policy(Policy {
        idle_periods: vec![IdlePeriods {
            from: d("2017-01-01"),
            idle_after_months: 0,
            reclaimable_after_months: 12,
        }],
        ..Policy::default()
    });
    assert!(matches!(refused, Err(parkdb::Error::Validation { .. })));
    db.set_policy(Policy {
        idle_periods: vec![IdlePeriods {
            from: d("2017-01-01"),
            idle_after_months: 6,
            reclaimable_after_months: 18,
        }],
        ..Policy::default()
    })
    .unwrap();
    let under = parcel(&db, "GP-2", "20", "2015-01-01");
    let earlier_start = parcel(&db, "GP-3", "30", "2015-01-01");
    db.allocate(under, terms(a, "2016-06-01", "100000", Some("2017-03-01")))
        .unwrap();
    db.allocate(
        earlier_start,
        terms(a, "2016-06-01", "100000", Some("2016-12-01")),
    )
    .unwrap();
    let state = |code: &str, on: &str| {
        let p = db.as_of(d(on)).parcel_by_code(code).unwrap();
        p.idle_as_of(d(on))
    };
    // Seven months past its start: idle under the policy, not under the
    // default the earlier supply keeps.
    assert!(state("GP-2", "2017-10-02").is_idle());
    assert!(!state("GP-1", "2017-10-02").is_idle());
    // An agreed start before the policy's date: the default.
    assert!(!state("GP-3", "2017-10-02").is_idle());
    assert!(matches!(
        state("GP-2", "2018-09-02"),
        IdleState::Reclaimable { .. }
    ));
    assert!(matches!(
        state("GP-1", "2018-09-02"),
        IdleState::Idle { .. }
    ));
    // The summary counts as the parcels do.
    let s = db.land_summary(d("2017-10-02")).unwrap();
    assert_eq!(s.total.idle_mu, mu("20"));
    // Imported again, an allocation under the default merges with its
    // stored event: no idle periods are kept for the default.
    let p = db.parcel(before).unwrap();
    assert_eq!(p.supply.unwrap().idle_periods, None);
    assert_eq!(
        db.parcel(under)
            .unwrap()
            .supply
            .unwrap()
            .periods()
            .idle_after_months,
        6
    );
}
