//! The science & technology fund: rules, refusals, derived figures, and the
//! seed bureau's figures from events.

mod common;

use common::{d, fingerprint, firm};
use parkdb::example::build_seed;
use parkdb::{
    ApplicationFilter, ApplicationStatus, Award, AwardKind, Db, Entity, Error, RecoveryVia, Yuan,
};

fn wan(s: &str) -> Yuan {
    Yuan::parse_wan(s).unwrap()
}

/// True for a lifecycle refusal of an application; anything else fails
/// the test, showing what came instead.
#[track_caller]
fn lifecycle<T: std::fmt::Debug>(r: parkdb::Result<T>) -> bool {
    match r {
        Err(Error::Lifecycle {
            entity: Entity::Application,
            ..
        }) => true,
        other => panic!("expected a lifecycle refusal of an application, got {other:?}"),
    }
}

/// True for a validation refusal; anything else fails the test, showing
/// what came instead.
#[track_caller]
fn validation<T: std::fmt::Debug>(r: parkdb::Result<T>) -> bool {
    match r {
        Err(Error::Validation { .. }) => true,
        other => panic!("expected a validation refusal, got {other:?}"),
    }
}

#[test]
fn an_application_from_receipt_to_closing() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "迈克制药");
    let g = db
        .add_programme("2005年度科技三项费用", 2005, wan("1314"), d("2005-01-05"))
        .unwrap();
    let a = db
        .apply(
            g,
            e,
            "新型抗抑郁药物产业化",
            d("2005-03-10"),
            wan("100"),
            Some("医药化工"),
        )
        .unwrap();
    db.review(a, d("2005-07-20"), &[82, 90, 77]).unwrap();
    let app = db.application(a).unwrap();
    assert_eq!(app.status, ApplicationStatus::Received);
    assert!((app.score_mean().unwrap() - 83.0).abs() < 1e-9);
    assert_eq!(app.score_spread(), Some(13));

    db.approve(
        a,
        d("2005-09-15"),
        Award {
            batch: "第一批".into(),
            grant: wan("30"),
            loan: wan("50"),
            repay_by: Some(d("2007-09-15")),
            ..Award::default()
        },
    )
    .unwrap();
    db.disburse(a, d("2005-10-01"), wan("20"), AwardKind::Grant)
        .unwrap();
    db.disburse(a, d("2005-11-01"), wan("10"), AwardKind::Grant)
        .unwrap();
    db.disburse(a, d("2005-11-01"), wan("50"), AwardKind::Loan)
        .unwrap();
    assert!(
        lifecycle(db.close_application(a, d("2006-01-01"))),
        "a loan is outstanding"
    );
    db.repay(a, d("2007-09-01"), wan("50")).unwrap();
    db.close_application(a, d("2007-10-01")).unwrap();
    let app = db.application(a).unwrap();
    assert_eq!(app.status, ApplicationStatus::Closed);
    assert_eq!(app.disbursed.grant, wan("30"));
    assert_eq!(app.outstanding().unwrap(), Yuan::ZERO);

    let budget = db.now().programme_budget(g).unwrap();
    assert_eq!(budget.committed, wan("80"));
    assert_eq!(budget.disbursed, wan("80"));
    assert_eq!(budget.remaining, wan("1234"));
    assert!(db.check().unwrap().is_clean());
}

/// A refusal case: what it does, the error it must get, and why.
type Case = (
    &'static str,
    Box<dyn Fn(&Db) -> parkdb::Result<()>>,
    fn(&Error) -> bool,
);

#[test]
// A scenario's names: e(nterprise), g (programme), a and b (applications).
#[allow(clippy::many_single_char_names)]
fn the_rules_refuse_and_write_nothing() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "E");
    let g = db
        .add_programme("P", 2005, wan("100"), d("2005-01-01"))
        .unwrap();
    let a = db
        .apply(g, e, "T", d("2005-03-01"), wan("50"), None)
        .unwrap();
    let b = db
        .apply(g, e, "U", d("2005-03-01"), wan("80"), None)
        .unwrap();
    let before = fingerprint_fund(&db);

    let is_lifecycle: fn(&Error) -> bool = |e| {
        matches!(
            e,
            Error::Lifecycle {
                entity: Entity::Application,
                ..
            }
        )
    };
    let is_validation: fn(&Error) -> bool = |e| matches!(e, Error::Validation { .. });
    let is_not_found: fn(&Error) -> bool = |e| matches!(e, Error::NotFound { .. });
    let award = |f: fn(&mut Award)| {
        let mut award = Award {
            batch: "第一批".into(),
            ..Award::default()
        };
        f(&mut award);
        award
    };
    let cases: Vec<Case> = vec![
        (
            "no disbursement before approval",
            Box::new(move |db| {
                db.disburse(a, d("2005-04-01"), wan("1"), AwardKind::Grant)
                    .map(drop)
            }),
            is_lifecycle,
        ),
        (
            "no repayment before approval",
            Box::new(move |db| db.repay(a, d("2005-04-01"), wan("1")).map(drop)),
            is_lifecycle,
        ),
        (
            "a review needs scores",
            Box::new(move |db| db.review(a, d("2005-04-01"), &[]).map(drop)),
            is_validation,
        ),
        (
            "scores are at most 100",
            Box::new(move |db| db.review(a, d("2005-04-01"), &[101]).map(drop)),
            is_validation,
        ),
        (
            "nothing awarded",
            Box::new(move |db| db.approve(a, d("2005-04-01"), award(|_| {})).map(drop)),
            is_validation,
        ),
        (
            "a batch needs a name",
            Box::new(move |db| {
                let mut x = award(|w| w.grant = wan("1"));
                x.batch = " ".into();
                db.approve(a, d("2005-04-01"), x).map(drop)
            }),
            is_validation,
        ),
        (
            "a loan needs repayment terms",
            Box::new(move |db| {
                db.approve(a, d("2005-04-01"), award(|w| w.loan = wan("1")))
                    .map(drop)
            }),
            is_validation,
        ),
        (
            "no negative award",
            Box::new(move |db| {
                db.approve(a, d("2005-04-01"), award(|w| w.grant = wan("-1")))
                    .map(drop)
            }),
            is_validation,
        ),
        (
            "the schedule must sum to the loan",
            Box::new(move |db| {
                let x = award(|w| {
                    w.loan = wan("10");
                    w.schedule = vec![(d("2006-01-01"), wan("4"))];
                });
                db.approve(a, d("2005-04-01"), x).map(drop)
            }),
            is_validation,
        ),
        (
            "due before approval",
            Box::new(move |db| {
                let x = award(|w| {
                    w.loan = wan("10");
                    w.repay_by = Some(d("2005-03-01"));
                });
                db.approve(a, d("2005-04-01"), x).map(drop)
            }),
            is_validation,
        ),
        (
            "a request must be positive",
            Box::new(move |db| {
                db.apply(g, e, "V", d("2005-03-01"), wan("0"), None)
                    .map(drop)
            }),
            is_validation,
        ),
        (
            "an unknown programme",
            Box::new(move |db| {
                db.apply(
                    parkdb::ProgrammeId(9),
                    e,
                    "V",
                    d("2005-03-01"),
                    wan("1"),
                    None,
                )
                .map(drop)
            }),
            is_not_found,
        ),
        (
            "an unknown applicant",
            Box::new(move |db| {
                db.apply(
                    g,
                    parkdb::EnterpriseId(99),
                    "V",
                    d("2005-03-01"),
                    wan("1"),
                    None,
                )
                .map(drop)
            }),
            is_not_found,
        ),
    ];
    for (why, case, expected) in &cases {
        match case(&db) {
            Err(e) if expected(&e) => {}
            other => panic!("{why}: got {other:?}"),
        }
        assert_eq!(
            fingerprint_fund(&db),
            before,
            "{why}: something was written"
        );
    }
    assert_eq!(fingerprint_fund(&db), before);

    db.approve(
        a,
        d("2005-04-01"),
        Award {
            batch: "第一批".into(),
            grant: wan("40"),
            interest_subsidy: wan("10"),
            ..Award::default()
        },
    )
    .unwrap();
    // Beyond the budget (50 + 80 > 100): refused unless overridden.
    let before = fingerprint_fund(&db);
    let over = Award {
        batch: "第一批".into(),
        grant: wan("80"),
        ..Award::default()
    };
    assert!(matches!(
        db.approve(b, d("2005-04-01"), over.clone()),
        Err(Error::Conflict {
            entity: Entity::Programme,
            ..
        })
    ));
    assert!(
        lifecycle(db.disburse(a, d("2005-05-01"), wan("40.01"), AwardKind::Grant)),
        "disbursed ≤ awarded"
    );
    assert!(
        lifecycle(db.disburse(a, d("2005-05-01"), wan("1"), AwardKind::Loan)),
        "nothing awarded as loan"
    );
    assert!(validation(db.disburse(
        a,
        d("2005-05-01"),
        wan("0"),
        AwardKind::Grant
    )));
    assert!(
        lifecycle(db.approve(
            a,
            d("2005-05-01"),
            Award {
                batch: "第二批".into(),
                grant: wan("1"),
                ..Award::default()
            }
        )),
        "approved once"
    );
    assert!(lifecycle(db.reject(a, d("2005-05-01"), "late")));
    assert_eq!(fingerprint_fund(&db), before);
    db.approve(
        b,
        d("2005-04-01"),
        Award {
            override_budget: true,
            ..over
        },
    )
    .unwrap();
    let budget = db.now().programme_budget(g).unwrap();
    assert_eq!(budget.remaining, wan("-30"));
    assert!(db.application(b).unwrap().approval.unwrap().over_budget);
}

/// The refusal fingerprint extended with the fund's records.
fn fingerprint_fund(db: &Db) -> String {
    let mut out = fingerprint(db);
    for a in db
        .now()
        .applications(&ApplicationFilter::default())
        .unwrap()
    {
        std::fmt::Write::write_fmt(&mut out, format_args!("{a:?}\n")).unwrap();
    }
    out
}

#[test]
fn repayments_recoveries_write_offs_and_overdue_as_of_dates() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "海沧精细化工");
    let g = db
        .add_programme("2002年度科技三项费用", 2002, wan("800"), d("2002-01-01"))
        .unwrap();
    let a = db
        .apply(g, e, "技术改造", d("2002-03-01"), wan("150"), None)
        .unwrap();
    db.approve(
        a,
        d("2002-06-01"),
        Award {
            batch: "第一批".into(),
            loan: wan("150"),
            schedule: vec![(d("2004-12-31"), wan("50")), (d("2003-12-31"), wan("100"))],
            ..Award::default()
        },
    )
    .unwrap();
    // Nothing is overdue on money never lent.
    assert!(db.overdue(d("2005-01-01")).unwrap().is_empty());
    db.disburse(a, d("2002-07-01"), wan("150"), AwardKind::Loan)
        .unwrap();
    db.repay(a, d("2003-12-20"), wan("60")).unwrap();

    assert!(
        db.overdue(d("2003-12-31")).unwrap().is_empty(),
        "due on the 31st is not overdue that day"
    );
    let o = db.overdue(d("2004-01-31")).unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].amount, wan("40"));
    assert_eq!(o[0].due_since, d("2003-12-31"));
    assert_eq!(o[0].days, 31);
    assert_eq!(o[0].outstanding, wan("90"));
    let o = db.overdue(d("2005-01-10")).unwrap();
    assert_eq!((o[0].amount, o[0].days), (wan("90"), 376));

    assert!(
        lifecycle(db.repay(a, d("2005-02-01"), wan("90.01"))),
        "repaid ≤ outstanding"
    );
    db.recover(a, d("2005-05-20"), wan("80"), RecoveryVia::Demand)
        .unwrap();
    db.recover(a, d("2006-01-10"), wan("5"), RecoveryVia::Court)
        .unwrap();
    assert_eq!(
        db.now()
            .recovered_between(d("2005-01-01"), d("2005-12-31"))
            .unwrap(),
        wan("80")
    );
    let o = db.overdue(d("2005-12-31")).unwrap();
    assert_eq!(o[0].amount, wan("10"));
    // The overdue figure as it stood before the recovery is still there.
    assert_eq!(
        db.as_of(d("2005-05-19")).overdue().unwrap()[0].amount,
        wan("90")
    );

    db.write_off(a, d("2006-06-30"), "债务人破产").unwrap();
    let app = db.application(a).unwrap();
    assert_eq!(app.status, ApplicationStatus::WrittenOff);
    assert_eq!(app.written_off.unwrap().1, wan("5"));
    assert!(db.overdue(d("2007-01-01")).unwrap().is_empty());
    assert!(lifecycle(db.recover(
        a,
        d("2006-07-01"),
        wan("1"),
        RecoveryVia::Court
    )));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn voiding_a_disbursement_refolds_the_application() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "E");
    let g = db
        .add_programme("P", 2005, wan("100"), d("2005-01-01"))
        .unwrap();
    let a = db
        .apply(g, e, "T", d("2005-03-01"), wan("50"), None)
        .unwrap();
    let approval = db
        .approve(
            a,
            d("2005-04-01"),
            Award {
                batch: "第一批".into(),
                grant: wan("40"),
                ..Award::default()
            },
        )
        .unwrap();
    let wrong = db
        .disburse(a, d("2005-05-01"), wan("40"), AwardKind::Grant)
        .unwrap();
    db.void(wrong, "paid to the wrong account").unwrap();
    assert_eq!(db.application(a).unwrap().disbursed.grant, Yuan::ZERO);
    db.disburse(a, d("2005-05-02"), wan("40"), AwardKind::Grant)
        .unwrap();
    // The approval cannot go while money paid under it stands.
    assert!(matches!(
        db.void(approval, "mistake"),
        Err(Error::Lifecycle { .. })
    ));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn the_seed_bureau_figures_come_from_events() {
    let db = Db::temporary().unwrap();
    let seed = build_seed(&db).unwrap();
    let programme = seed.programme.unwrap();
    let now = db.now();

    let received_2005 = now
        .applications(&ApplicationFilter {
            programme: Some(programme),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|a| a.received >= d("2005-01-01") && a.received <= d("2005-06-30"))
        .count();
    assert_eq!(received_2005, 18, "上半年共受理了18项");

    let batches = now.batch_totals().unwrap();
    let first = batches
        .iter()
        .find(|b| b.programme == Some(programme) && b.batch == "第一批")
        .unwrap();
    assert_eq!(first.count, 13);
    assert_eq!(first.total().unwrap(), wan("891.5"));
    assert_eq!(first.awarded.grant, wan("411.5"));
    assert_eq!(first.awarded.interest_subsidy, wan("480"));
    assert_eq!(first.awarded.loan, Yuan::ZERO);

    assert_eq!(
        now.recovered_between(d("2005-01-01"), d("2005-12-31"))
            .unwrap(),
        wan("110")
    );
    let overdue = db.overdue(d("2005-12-31")).unwrap();
    assert_eq!(overdue.len(), 2);
    assert_eq!(
        Yuan::sum(overdue.iter().map(|o| o.amount)).unwrap(),
        wan("140")
    );

    let budget = now.programme_budget(programme).unwrap();
    assert_eq!(budget.budget, wan("1314"));
    assert_eq!(budget.committed, wan("891.5"));
    assert_eq!(budget.remaining, wan("422.5"));
    assert_eq!(
        now.applications(&ApplicationFilter {
            status: Some(ApplicationStatus::Rejected),
            ..Default::default()
        })
        .unwrap()
        .len(),
        2
    );
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_programme_of_the_same_name_and_year_is_refused() {
    let db = Db::temporary().unwrap();
    db.add_programme("科技三项费用", 2005, wan("100"), d("2005-01-05"))
        .unwrap();
    let twin = db.add_programme(" 科技三项费用", 2005, wan("5"), d("2005-02-01"));
    assert!(
        matches!(&twin, Err(Error::Conflict { entity: Entity::Programme, key, .. }) if key.contains("2005")),
        "{twin:?}"
    );
    // Another year's is another programme, also within one unit of work.
    db.write(|w| {
        w.add_programme("科技三项费用", 2006, wan("100"), d("2006-01-05"))?;
        let again = w.add_programme("科技三项费用", 2006, wan("1"), d("2006-01-06"));
        assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");
        Ok(())
    })
    .unwrap();
    assert_eq!(db.now().programmes().unwrap().len(), 2);
}
