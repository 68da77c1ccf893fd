//! Statement atomicity: a write refused inside a unit of work leaves the
//! unit exactly as it was, even when the caller catches the error and
//! commits the rest (as `try: tx.void(...) except LifecycleError: pass`
//! does in Python).

mod common;

use common::{d, firm, mu, parcel, q, terms, yuan};
use parkdb::compliance::{
    Complaint, Domain, Honour, HonourLevel, Incident, Inspection, Qualification, QualificationKind,
};
use parkdb::land::{BuildingSpec, BuildingStage, BuildingUse};
use parkdb::money::{
    Charge, Collection, CollectionAction, Compensation, CompensationKind, FeeBasis, FeePeriod,
    FeeRate, Instalment, Payment, Refund,
};
use parkdb::Account;
use parkdb::{
    ApplicationId, Award, AwardKind, Db, EnterpriseId, EventId, LandUse, NewEnterprise, NewParcel,
    ParcelId, Policy, ProgrammeId, Quantity, RecoveryVia, Writer, YearlyFigures,
};

/// A database with a parcel under construction on an allocation, an
/// enterprise building a signed project, and an approved application.
struct Fixture {
    db: Db,
    p: ParcelId,
    e: EnterpriseId,
    allocation: EventId,
    signed: EventId,
    programme: ProgrammeId,
    app: ApplicationId,
    approval: EventId,
}

fn fixture() -> Fixture {
    fixture_in(Db::temporary().unwrap())
}

/// The fixture's writes into `db`, which is empty.
fn fixture_in(db: Db) -> Fixture {
    let e = firm(&db, "东岸精密机械有限公司");
    let p = parcel(&db, "GP-001", "52.7272", "2004-01-01");
    let allocation = db
        .allocate(p, terms(e, "2004-03-01", "1000", None))
        .unwrap();
    let signed = db
        .enterprise_signed(e, d("2004-02-01"), yuan("5000000"), mu("52.7272"))
        .unwrap();
    let programme = db
        .add_programme(
            "2005年度科技三项费用",
            2005,
            yuan("1000000"),
            d("2005-01-05"),
        )
        .unwrap();
    let app = db
        .apply(
            programme,
            e,
            "数控机床",
            d("2005-03-01"),
            yuan("100000"),
            None,
        )
        .unwrap();
    let approval = db
        .approve(
            app,
            d("2005-04-01"),
            Award {
                batch: "第一批".into(),
                grant: yuan("50000"),
                ..Award::default()
            },
        )
        .unwrap();
    Fixture {
        db,
        p,
        e,
        allocation,
        signed,
        programme,
        app,
        approval,
    }
}

type Step = fn(&mut Writer, &Fixture) -> parkdb::Result<()>;

/// For each case: a write that succeeds and extends a run of the entity
/// the refused write touches, then the refused write.
/// A square in zone 39 (EPSG:4527), `side` metres, from easting `x`.
fn square(x: f64, side: f64) -> parkdb::Outline {
    parkdb::Outline::points(&[
        (x, 3_400_000.0),
        (x + side, 3_400_000.0),
        (x + side, 3_400_000.0 + side),
        (x, 3_400_000.0 + side),
    ])
    .in_crs(parkdb::Crs::epsg(4527).expect("zone 39"))
}

/// A building of 1,000 m², 900 lettable.
fn building(code: &str) -> BuildingSpec {
    BuildingSpec {
        code: code.into(),
        name: None,
        use_: BuildingUse::Factory,
        floor_area_m2: Quantity::parse("1000", "floor").unwrap(),
        lettable_m2: Quantity::parse("900", "lettable").unwrap(),
        footprint_m2: None,
    }
}

/// A 高新技术企业 qualification with its number.
fn high_tech(number: &str) -> Qualification {
    Qualification {
        kind: QualificationKind::HighTech,
        number: Some(number.into()),
        programme: None,
        valid_until: None,
    }
}

/// A payment of the land price.
fn land(amount: &str) -> Payment {
    Payment {
        charge: Charge::LandPrice,
        amount: yuan(amount),
        reference: None,
        payer: None,
        advance: false,
    }
}

fn cases() -> Vec<(&'static str, Step, Step)> {
    // A step that writes nothing: a `Step`, so it returns a `Result`.
    #[allow(clippy::unnecessary_wraps)]
    fn ok(_: &mut Writer, _: &Fixture) -> parkdb::Result<()> {
        Ok(())
    }
    vec![
        (
            "void an allocation under a started construction",
            |w, f| w.start_construction(f.p, d("2004-06-01")).map(drop),
            |w, f| w.void(f.allocation, "entered by mistake").map(drop),
        ),
        (
            "void a signing under a started construction",
            |w, f| {
                w.enterprise_construction_started(f.e, d("2004-05-01"))
                    .map(drop)
            },
            |w, f| w.void(f.signed, "entered by mistake").map(drop),
        ),
        (
            "void an approval with money paid under it",
            |w, f| {
                w.disburse(f.app, d("2005-05-01"), yuan("50000"), AwardKind::Grant)
                    .map(drop)
            },
            |w, f| w.void(f.approval, "mistake").map(drop),
        ),
        ("void an unknown event", ok, |w, _| {
            w.void(EventId(999_999), "typo").map(drop)
        }),
        ("void without a reason", ok, |w, f| {
            w.void(f.allocation, " ").map(drop)
        }),
        (
            "add a parcel with a taken code",
            |w, _| {
                w.add_parcel(NewParcel::new(
                    "GP-002",
                    mu("1"),
                    LandUse::Industrial,
                    d("2004-01-01"),
                ))
                .map(drop)
            },
            |w, _| {
                w.add_parcel(NewParcel::new(
                    "GP-002",
                    mu("1"),
                    LandUse::Industrial,
                    d("2004-01-01"),
                ))
                .map(drop)
            },
        ),
        (
            "split into parts that do not sum",
            |w, f| {
                w.certify(f.p, d("2004-04-01"), "佛府国用(2004)第1号")
                    .map(drop)
            },
            |w, f| {
                w.split(
                    f.p,
                    d("2004-07-01"),
                    &[("GP-001-1", mu("2")), ("GP-001-2", mu("3"))],
                )
                .map(drop)
            },
        ),
        ("a note with an escape sequence", ok, |w, f| {
            w.set_parcel_note(f.p, d("2004-06-01"), Some("一期\u{1b}[31m"))
                .map(drop)
        }),
        ("buildings on a parcel not yet built on", ok, |w, f| {
            w.report_buildings(f.p, d("2004-06-01"), q("4000"), q("2000"))
                .map(drop)
        }),
        ("a negative floor area", ok, |w, f| {
            w.report_buildings(f.p, d("2004-06-01"), q("-1"), q("0"))
                .map(drop)
        }),
        ("a note before the requisition", ok, |w, f| {
            w.set_parcel_note(f.p, d("1999-01-01"), Some("一期"))
                .map(drop)
        }),
        ("a firm's note of 4,001 characters", ok, |w, f| {
            w.set_enterprise_note(f.e, d("2005-01-01"), Some(&"注".repeat(4001)))
                .map(drop)
        }),
        ("set a boundary that crosses itself", ok, |w, f| {
            let bow = parkdb::Outline::points(&[
                (39_512_000.0, 3_400_000.0),
                (39_512_100.0, 3_400_100.0),
                (39_512_100.0, 3_400_000.0),
                (39_512_000.0, 3_400_100.0),
            ])
            .in_crs(parkdb::Crs::epsg(4527)?);
            w.set_boundary(f.p, d("2004-06-01"), Some(&bow)).map(drop)
        }),
        (
            "a boundary in the default coordinate system, outside its zone",
            |w, _| w.set_default_crs(Some(parkdb::Crs::epsg(4527)?)),
            |w, f| {
                w.set_boundary(
                    f.p,
                    d("2004-06-01"),
                    Some(&parkdb::Outline::points(&[
                        (1.0, 2.0),
                        (3.0, 4.0),
                        (5.0, 1.0),
                    ])),
                )
                .map(drop)
            },
        ),
        (
            "split with a part outside the parent's shape",
            |w, f| {
                w.set_boundary(f.p, d("2004-06-01"), Some(&square(39_512_000.0, 200.0)))
                    .map(drop)
            },
            |w, f| {
                w.split_parts(
                    f.p,
                    d("2004-07-01"),
                    &[
                        parkdb::SplitPart {
                            boundary: Some(square(39_512_000.0, 100.0)),
                            ..parkdb::SplitPart::new("GP-001-1", mu("20"))
                        },
                        parkdb::SplitPart {
                            boundary: Some(square(39_513_000.0, 100.0)),
                            ..parkdb::SplitPart::new("GP-001-2", mu("32.7272"))
                        },
                    ],
                )
                .map(drop)
            },
        ),
        ("develop an unknown parcel", ok, |w, _| {
            w.develop(ParcelId(77), d("2004-01-01")).map(drop)
        }),
        ("certify without a number", ok, |w, f| {
            w.certify(f.p, d("2004-04-01"), "  ").map(drop)
        }),
        ("allocate a held parcel", ok, |w, f| {
            w.allocate(f.p, terms(f.e, "2004-05-01", "1", None))
                .map(drop)
        }),
        ("complete before starting", ok, |w, f| {
            w.complete_construction(f.p, d("2004-05-01")).map(drop)
        }),
        ("declare idle with a negative fee", ok, |w, f| {
            w.declare_idle(f.p, d("2006-05-01"), Some(yuan("-1")))
                .map(drop)
        }),
        ("transfer at a negative price", ok, |w, f| {
            w.transfer(f.p, f.e, d("2005-01-01"), yuan("-1")).map(drop)
        }),
        (
            "reclaim land in the reserve",
            |w, f| w.reclaim(f.p, d("2006-01-01"), "闲置").map(drop),
            |w, f| w.reclaim(f.p, d("2006-02-01"), "again").map(drop),
        ),
        (
            "add an enterprise with a bad credit code",
            |w, _| w.add_enterprise(NewEnterprise::named("甲")).map(drop),
            |w, _| {
                let mut new = NewEnterprise::named("乙");
                new.credit_code = Some("914403001922038217".into());
                w.add_enterprise(new).map(drop)
            },
        ),
        ("sign twice", ok, |w, f| {
            w.enterprise_signed(f.e, d("2004-03-01"), yuan("1"), mu("1"))
                .map(drop)
        }),
        (
            "start production on a registered firm",
            |w, _| w.add_enterprise(NewEnterprise::named("丙")).map(drop),
            |w, _| {
                w.enterprise_in_production(EnterpriseId(2), d("2005-01-01"))
                    .map(drop)
            },
        ),
        ("increase capital by a negative amount", ok, |w, f| {
            w.capital_increased(f.e, d("2005-01-01"), yuan("-1"), mu("0"))
                .map(drop)
        }),
        ("resume a firm that is not suspended", ok, |w, f| {
            w.enterprise_resumed(f.e, d("2005-01-01")).map(drop)
        }),
        (
            "suspend twice",
            |w, f| {
                w.enterprise_suspended(f.e, d("2005-01-01"), "停电")
                    .map(drop)
            },
            |w, f| {
                w.enterprise_suspended(f.e, d("2005-02-01"), "停电")
                    .map(drop)
            },
        ),
        (
            "close out of date order",
            |w, f| {
                w.enterprise_construction_started(f.e, d("2005-01-01"))
                    .map(drop)
            },
            |w, f| w.enterprise_closed(f.e, d("2004-12-01"), "倒闭").map(drop),
        ),
        ("report a year with negative figures", ok, |w, f| {
            let figures = YearlyFigures {
                output_value: Some(yuan("-1")),
                ..YearlyFigures::default()
            };
            w.report_year(f.e, 2005, figures).map(drop)
        }),
        ("lease no area", ok, |w, f| {
            w.lease(f.e, "1#厂房", None, Quantity::ZERO, d("2005-01-01"), None)
                .map(drop)
        }),
        ("end a lease that does not exist", ok, |w, f| {
            w.end_lease(f.e, 3, d("2005-01-01")).map(drop)
        }),
        ("a programme without a name", ok, |w, _| {
            w.add_programme(" ", 2005, yuan("1"), d("2005-01-01"))
                .map(drop)
        }),
        ("apply for a negative amount", ok, |w, f| {
            w.apply(f.programme, f.e, "T", d("2005-03-01"), yuan("-1"), None)
                .map(drop)
        }),
        ("review without scores", ok, |w, f| {
            w.review(f.app, d("2005-03-05"), &[]).map(drop)
        }),
        ("approve twice", ok, |w, f| {
            w.approve(
                f.app,
                d("2005-04-02"),
                Award {
                    batch: "第二批".into(),
                    grant: yuan("1"),
                    ..Award::default()
                },
            )
            .map(drop)
        }),
        ("reject an approved application", ok, |w, f| {
            w.reject(f.app, d("2005-04-02"), "no").map(drop)
        }),
        ("disburse more than awarded", ok, |w, f| {
            w.disburse(f.app, d("2005-05-01"), yuan("60000"), AwardKind::Grant)
                .map(drop)
        }),
        ("repay a grant", ok, |w, f| {
            w.repay(f.app, d("2005-06-01"), yuan("1")).map(drop)
        }),
        ("recover nothing owed", ok, |w, f| {
            w.recover(f.app, d("2005-06-01"), yuan("1"), RecoveryVia::Court)
                .map(drop)
        }),
        ("write off nothing owed", ok, |w, f| {
            w.write_off(f.app, d("2005-06-01"), "无法收回").map(drop)
        }),
        ("close an unknown application", ok, |w, _| {
            w.close_application(ApplicationId(99), d("2005-06-01"))
                .map(drop)
        }),
        ("a negative budget", ok, |w, f| {
            w.set_budget(f.programme, d("2005-02-01"), yuan("-1"))
                .map(drop)
        }),
        ("an indicator without a code", ok, |w, _| {
            w.define_indicator(
                " ",
                "亩均税收",
                Some("万元/亩"),
                parkdb::indicators::Direction::Higher,
                parkdb::indicators::SubjectKind::Enterprise,
            )
            .map(drop)
        }),
        (
            "pay more than the price",
            |w, f| {
                w.receive_payment(Account::Parcel(f.p), d("2004-03-10"), land("500"))
                    .map(drop)
            },
            |w, f| {
                w.receive_payment(Account::Parcel(f.p), d("2004-03-11"), land("500.01"))
                    .map(drop)
            },
        ),
        (
            "refund more than was paid",
            |w, f| {
                w.receive_payment(Account::Parcel(f.p), d("2004-03-10"), land("100"))
                    .map(drop)
            },
            |w, f| {
                w.refund_payment(
                    Account::Parcel(f.p),
                    d("2004-03-11"),
                    Refund {
                        charge: Charge::LandPrice,
                        amount: yuan("100.01"),
                        reference: None,
                        payer: None,
                    },
                )
                .map(drop)
            },
        ),
        ("a schedule that is not the price", ok, |w, f| {
            w.schedule_land_payments(
                f.p,
                d("2004-03-01"),
                &[Instalment {
                    due: d("2004-06-01"),
                    amount: yuan("999"),
                }],
            )
            .map(drop)
        }),
        ("write off more than is owed", ok, |w, f| {
            w.write_off_debt(
                Account::Parcel(f.p),
                d("2004-04-01"),
                Charge::LandPrice,
                Some(yuan("1000.01")),
                "坏账",
                None,
            )
            .map(drop)
        }),
        ("collect an idle fee never charged", ok, |w, f| {
            w.record_collection(
                Account::Parcel(f.p),
                d("2004-04-01"),
                Collection {
                    charge: Charge::IdleFee,
                    action: CollectionAction::Legal,
                    note: None,
                },
            )
            .map(drop)
        }),
        ("compensation before the requisition", ok, |w, f| {
            w.pay_compensation(
                f.p,
                d("2003-12-31"),
                Compensation {
                    kind: CompensationKind::Land,
                    payee: "村委会".into(),
                    amount: yuan("1"),
                    area: None,
                    reference: None,
                },
            )
            .map(drop)
        }),
        (
            "a fee paid before any was billed",
            |w, _| {
                w.set_fee_rate(FeeRate {
                    from: d("2004-01-01"),
                    basis: FeeBasis::HeldMu,
                    period: FeePeriod::Year,
                    amount: yuan("600"),
                })
            },
            |w, f| {
                w.receive_payment(
                    Account::Enterprise(f.e),
                    d("2004-06-01"),
                    Payment {
                        charge: Charge::ManagementFee,
                        ..land("1")
                    },
                )
                .map(drop)
            },
        ),
        ("a negative fee rate", ok, |w, _| {
            w.set_fee_rate(FeeRate {
                from: d("2004-01-01"),
                basis: FeeBasis::LeasedM2,
                period: FeePeriod::Month,
                amount: yuan("-1"),
            })
        }),
        (
            "a qualification's number twice",
            |w, f| w.qualify(f.e, d("2005-01-01"), high_tech("GR1")).map(drop),
            |w, f| w.qualify(f.e, d("2006-01-01"), high_tech("GR1")).map(drop),
        ),
        ("revoke a qualification never held", ok, |w, f| {
            w.revoke_qualification(f.e, d("2005-01-01"), QualificationKind::Backbone, None, "x")
                .map(drop)
        }),
        ("an honour for a year to come", ok, |w, f| {
            w.honour(
                f.e,
                d("2005-01-01"),
                Honour {
                    award: "科学技术奖".into(),
                    level: HonourLevel::Municipal,
                    class: "二等奖".into(),
                    year: 2006,
                    project: None,
                    co_winners: Vec::new(),
                },
            )
            .map(drop)
        }),
        (
            "rectify an inspection that asked for nothing",
            |w, f| {
                w.record_inspection(
                    f.e,
                    d("2005-01-01"),
                    Inspection {
                        domain: Domain::Safety,
                        surprise: false,
                        findings: None,
                        rectify_by: None,
                    },
                )
                .map(drop)
            },
            |w, f| w.rectify(f.e, d("2005-02-01"), 0, None).map(drop),
        ),
        ("an incident without a kind", ok, |w, f| {
            w.record_incident(
                f.e,
                d("2005-01-01"),
                Incident {
                    domain: Domain::Safety,
                    kind: " ".into(),
                    quantity_t: None,
                    casualties: 0,
                    response_hours: None,
                    outcome: None,
                },
            )
            .map(drop)
        }),
        ("a complaint without a subject", ok, |w, f| {
            w.record_complaint(
                f.e,
                d("2005-01-01"),
                Complaint {
                    domain: Domain::Environment,
                    subject: String::new(),
                    source: None,
                },
            )
            .map(drop)
        }),
        ("resolve a complaint never made", ok, |w, f| {
            w.resolve_complaint(f.e, d("2005-01-01"), 0, "ok").map(drop)
        }),
        (
            "a building code twice",
            |w, f| {
                w.register_building(f.p, d("2004-05-01"), building("1#"))
                    .map(drop)
            },
            |w, f| {
                w.register_building(f.p, d("2004-06-01"), building("1#"))
                    .map(drop)
            },
        ),
        (
            "a building stage back",
            |w, f| {
                w.register_building(f.p, d("2004-05-01"), building("1#"))?;
                w.reach_building_stage("1#", d("2004-06-01"), BuildingStage::ToppedOut)
                    .map(drop)
            },
            |w, _| {
                w.reach_building_stage("1#", d("2004-07-01"), BuildingStage::UnderConstruction)
                    .map(drop)
            },
        ),
        ("plan a stage of an unknown building", ok, |w, _| {
            w.plan_building_stage("9#", d("2004-06-01"), BuildingStage::InUse, d("2005-01-01"))
                .map(drop)
        }),
        (
            "let more than a building's lettable area",
            |w, f| {
                w.register_building(f.p, d("2004-05-01"), building("1#"))
                    .map(drop)
            },
            |w, f| {
                w.lease(
                    f.e,
                    "1#",
                    None,
                    Quantity::parse("900.5", "area").unwrap(),
                    d("2005-01-01"),
                    None,
                )
                .map(drop)
            },
        ),
        ("observe an unknown indicator", ok, |w, _| {
            w.observe(
                "NO-SUCH",
                "E1",
                "2005",
                Quantity::parse("1", "value").unwrap(),
                None,
            )
            .map(drop)
        }),
    ]
}

#[test]
fn a_refused_write_inside_a_unit_leaves_its_pending_state_as_it_was() {
    for (name, before, refused) in cases() {
        let f = fixture();
        let stored = f.db.check().unwrap().events;
        let mut tx = f.db.begin().unwrap();
        before(&mut tx, &f).unwrap_or_else(|e| panic!("{name}: the step before failed: {e}"));
        let digest = tx.pending_digest();
        let written = tx.events_written();
        let err = refused(&mut tx, &f);
        assert!(err.is_err(), "{name}: expected a refusal");
        assert_eq!(
            tx.pending_digest(),
            digest,
            "{name}: the refused write left something behind ({err:?})"
        );
        // The count of events written (kept as they are appended, so an
        // import asks it after every row at no cost) is rolled back too,
        // and is what the commit stores.
        assert_eq!(tx.events_written(), written, "{name}");
        tx.commit().unwrap();
        let report = f.db.check().unwrap();
        assert!(report.is_clean(), "{name}: {report:?}");
        assert_eq!(report.events, stored + written, "{name}");
    }
}

/// The finding as reported: a void refused inside a transaction and
/// caught, then the transaction committed, made the ledger unreadable
/// after a reopen. Each ledger, on a database on disk.
#[test]
fn a_caught_refused_void_commits_nothing_and_the_ledgers_reopen() {
    for (name, before, refused) in cases().into_iter().take(3) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("park.parkdb");
        {
            let f = fixture_in(Db::open(&path).unwrap());
            let mut tx = f.db.begin().unwrap();
            before(&mut tx, &f).unwrap();
            assert!(refused(&mut tx, &f).is_err(), "{name}");
            tx.commit().unwrap();
            assert!(f.db.check().unwrap().is_clean(), "{name}");
        }
        let db = Db::open(&path).unwrap();
        assert!(db.check().unwrap().is_clean(), "{name}");
        assert_eq!(db.now().all_parcels().unwrap().len(), 1, "{name}");
        db.land_summary(d("2006-12-31")).unwrap();
        db.now().annual_report(2005).unwrap();
        assert_eq!(db.now().enterprises().unwrap().len(), 1, "{name}");
        db.add_parcel(NewParcel::new(
            "GP-009",
            mu("3"),
            LandUse::Industrial,
            d("2006-01-01"),
        ))
        .unwrap();
    }
}

#[test]
fn steps_nest_and_an_inner_refusal_keeps_the_outer_step() {
    let f = fixture();
    let mut tx = f.db.begin().unwrap();
    let kept = tx
        .attempt(|w| {
            let q = w.add_parcel(NewParcel::new(
                "GP-100",
                mu("5"),
                LandUse::Industrial,
                d("2005-01-01"),
            ))?;
            let inner = w.attempt(|w| {
                w.develop(q, d("2005-02-01"))?;
                w.certify(q, d("2005-03-01"), " ")
            });
            assert!(inner.is_err());
            Ok(q)
        })
        .unwrap();
    tx.set_policy(Policy::default()).unwrap();
    tx.commit().unwrap();
    let q = f.db.parcel(kept).unwrap();
    assert_eq!(q.code, "GP-100");
    // The inner step's development was undone with it.
    assert_eq!(f.db.history(kept).unwrap().len(), 1);
    assert!(f.db.check().unwrap().is_clean());
}

#[test]
fn savepoints_undo_a_group_of_writes_and_end_innermost_first() {
    let db = Db::temporary().unwrap();
    db.write(|w| {
        common::parcel_in(w, "KEEP", "1", "2005-01-01")?;
        let outer = w.savepoint();
        common::parcel_in(w, "OUTER", "1", "2005-01-01")?;
        let inner = w.savepoint();
        common::parcel_in(w, "INNER", "1", "2005-01-01")?;
        // The outer one cannot end while the inner one is open.
        let wrong = w.release(outer);
        assert!(
            matches!(wrong, Err(parkdb::Error::Conflict { .. })),
            "{wrong:?}"
        );
        w.rollback_to(inner)?;
        assert!(w.parcel_by_code("INNER").is_err());
        assert!(w.parcel_by_code("OUTER").is_ok());
        let again = w.savepoint();
        common::parcel_in(w, "LATER", "1", "2005-01-01")?;
        w.release(again)
    })
    .unwrap();
    let codes = common::codes(&db);
    assert_eq!(codes, ["KEEP", "OUTER", "LATER"]);
    assert!(db.check().unwrap().is_clean());
}
