//! The zone's money: land payments with schedules and aging, a reclaim
//! that settles a schedule, management fees billed pro rata across a
//! transfer and a lease's end, idle fees, compensation and the cost of
//! land, and the annual report's finance section — each figure worked out
//! by hand below. Every rule has its refusal, and a refusal writes nothing.

mod common;

use chrono::Utc;
use common::{d, fingerprint, firm, mu, parcel, q, terms, yuan};
use parkdb::money::{
    AgingBucket, Charge, Collection, CollectionAction, Compensation, CompensationKind, FeeBasis,
    FeePeriod, FeeRate, Flow, Instalment, Payment, Refund,
};
use parkdb::{Account, Db, EnterpriseId, Error, ParcelId, Yuan};

fn pay(charge: Charge, amount: &str) -> Payment {
    Payment {
        charge,
        amount: yuan(amount),
        reference: None,
        payer: None,
        advance: false,
    }
}

fn land(amount: &str) -> Payment {
    pay(Charge::LandPrice, amount)
}

fn fee(amount: &str) -> Payment {
    pay(Charge::ManagementFee, amount)
}

fn inst(due: &str, amount: &str) -> Instalment {
    Instalment {
        due: d(due),
        amount: yuan(amount),
    }
}

fn compensation(kind: CompensationKind, payee: &str, amount: &str) -> Compensation {
    Compensation {
        kind,
        payee: payee.to_owned(),
        amount: yuan(amount),
        area: None,
        reference: None,
    }
}

/// The receivable of `charge` owed by `debtor` as of `date`, if any.
fn owed(
    db: &Db,
    date: &str,
    charge: Charge,
    debtor: EnterpriseId,
) -> Option<parkdb::money::Receivable> {
    db.as_of(d(date))
        .receivables()
        .unwrap()
        .into_iter()
        .find(|r| r.charge == charge && r.debtor == debtor)
}

/// P1: 10 亩 to A for 1,000,000 in three instalments.
fn scheduled(db: &Db) -> (EnterpriseId, ParcelId) {
    let a = firm(db, "A 纺织");
    let p1 = parcel(db, "P1", "10", "2004-01-01");
    db.allocate(p1, terms(a, "2004-03-01", "1000000", None))
        .unwrap();
    db.schedule_land_payments(
        p1,
        d("2004-03-01"),
        &[
            inst("2004-03-31", "400000"),
            inst("2004-09-30", "300000"),
            inst("2005-03-31", "300000"),
        ],
    )
    .unwrap();
    db.receive_payment(
        Account::Parcel(p1),
        d("2004-04-10"),
        Payment {
            reference: Some("收2004-001".into()),
            ..land("400000")
        },
    )
    .unwrap();
    (a, p1)
}

#[test]
fn land_payments_age_by_their_schedule() {
    let db = Db::temporary().unwrap();
    let (a, p1) = scheduled(&db);

    // Year end 2004: 700,000 fell due, 400,000 paid; the September
    // instalment of 300,000 is 92 days overdue (Sept 30 → Dec 31).
    let r = owed(&db, "2004-12-31", Charge::LandPrice, a).unwrap();
    assert_eq!(r.parcel.as_ref().map(|p| p.1.as_str()), Some("P1"));
    assert_eq!(r.position.due, yuan("700000"));
    assert_eq!(r.position.paid, yuan("400000"));
    assert_eq!(r.position.outstanding, yuan("600000"));
    assert_eq!(r.position.overdue, yuan("300000"));
    assert_eq!(r.position.oldest_due, Some(d("2004-09-30")));
    assert_eq!(r.position.days_overdue, 92);
    assert_eq!(r.position.bucket(), AgingBucket::UpTo180);
    // Before the first instalment fell due: owed, nothing overdue.
    let early = owed(&db, "2004-03-15", Charge::LandPrice, a).unwrap();
    assert_eq!(early.position.outstanding, yuan("1000000"));
    assert_eq!(early.position.overdue, Yuan::ZERO);
    assert_eq!(early.position.bucket(), AgingBucket::Current);

    // A notice, then 200,000 paid after it: the oldest instalment still
    // open is September's (100,000 of it left), 273 days by June 30.
    db.record_collection(
        Account::Parcel(p1),
        d("2005-01-15"),
        Collection {
            charge: Charge::LandPrice,
            action: CollectionAction::Notice,
            note: Some("催缴通知书".into()),
        },
    )
    .unwrap();
    db.receive_payment(Account::Parcel(p1), d("2005-02-01"), land("200000"))
        .unwrap();
    let r = owed(&db, "2005-06-30", Charge::LandPrice, a).unwrap();
    assert_eq!(r.position.overdue, yuan("400000"));
    assert_eq!(r.position.oldest_due, Some(d("2004-09-30")));
    assert_eq!(r.position.days_overdue, 273);
    assert_eq!(r.position.bucket(), AgingBucket::UpTo365);
    assert_eq!(
        r.last_step,
        Some((d("2005-01-15"), CollectionAction::Notice))
    );
    assert_eq!(r.paid_since_step, yuan("200000"));
    // As of the year before, the 2005 payment is not there yet.
    assert_eq!(
        owed(&db, "2004-12-31", Charge::LandPrice, a)
            .unwrap()
            .position
            .paid,
        yuan("400000")
    );
}

#[test]
fn a_reclaim_settles_the_schedule_and_a_new_holder_owes_anew() {
    let db = Db::temporary().unwrap();
    let (a, p1) = scheduled(&db);
    db.receive_payment(Account::Parcel(p1), d("2005-02-01"), land("200000"))
        .unwrap();
    db.reclaim(p1, d("2005-08-01"), "闲置两年").unwrap();

    // The rule: paid stays settled, the unpaid 400,000 is cancelled.
    let debt = db.parcel(p1).unwrap().debts()[0].clone();
    let at = debt.position(d("2005-12-31"));
    assert_eq!(at.paid, yuan("600000"));
    assert_eq!(at.cancelled, yuan("400000"));
    assert_eq!(at.outstanding, Yuan::ZERO);
    assert!(owed(&db, "2005-12-31", Charge::LandPrice, a).is_none());
    // Before the reclaim it was still owed.
    assert_eq!(
        owed(&db, "2005-07-31", Charge::LandPrice, a)
            .unwrap()
            .position
            .outstanding,
        yuan("400000")
    );

    // A payment after the reclaim cannot go to the closed debt.
    let before = fingerprint(&db);
    let err = db
        .receive_payment(Account::Parcel(p1), d("2005-09-01"), land("1000"))
        .unwrap_err();
    assert!(matches!(err, Error::Lifecycle { .. }), "{err}");
    assert!(err.to_string().contains("closed by the reclaim"), "{err}");
    assert_eq!(fingerprint(&db), before);

    // Resupplied: B owes its own price; a refund to A is still possible.
    let b = firm(&db, "B 电子");
    db.allocate(p1, terms(b, "2005-10-01", "500000", None))
        .unwrap();
    db.receive_payment(Account::Parcel(p1), d("2005-10-15"), land("100000"))
        .unwrap();
    db.refund_payment(
        Account::Parcel(p1),
        d("2005-11-01"),
        Refund {
            charge: Charge::LandPrice,
            amount: yuan("50000"),
            reference: None,
            payer: Some(a),
        },
    )
    .unwrap();
    let r = owed(&db, "2005-12-31", Charge::LandPrice, b).unwrap();
    assert_eq!(r.position.paid, yuan("100000"));
    assert_eq!(r.position.outstanding, yuan("400000"));
    assert_eq!(r.position.days_overdue, 91);
    let moved = db.as_of(d("2005-12-31")).payments(Some(2005)).unwrap();
    let flows: Vec<(Flow, Yuan)> = moved.iter().map(|m| (m.flow, m.amount)).collect();
    assert_eq!(
        flows,
        vec![
            (Flow::Received, yuan("200000")),
            (Flow::Received, yuan("100000")),
            (Flow::Refunded, yuan("50000")),
        ]
    );
    assert_eq!(moved[2].enterprise, Some(a));
}

#[test]
fn a_reclaim_entered_before_a_payment_it_contradicts_is_refused() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A");
    let p = parcel(&db, "P5", "5", "2004-01-01");
    db.allocate(p, terms(a, "2004-01-01", "100", None)).unwrap();
    db.receive_payment(Account::Parcel(p), d("2004-06-01"), land("50"))
        .unwrap();
    let before = fingerprint(&db);
    let err = db.reclaim(p, d("2004-05-01"), "收回").unwrap_err();
    assert!(err.to_string().contains("after the reclaim"), "{err}");
    assert_eq!(fingerprint(&db), before);
}

/// Rates of 1,200 元 per 亩 a year and 10 元 per m² a month from 2004.
fn rates(db: &Db) {
    db.set_fee_rate(FeeRate {
        from: d("2004-01-01"),
        basis: FeeBasis::HeldMu,
        period: FeePeriod::Year,
        amount: yuan("1200"),
    })
    .unwrap();
    db.set_fee_rate(FeeRate {
        from: d("2004-01-01"),
        basis: FeeBasis::LeasedM2,
        period: FeePeriod::Month,
        amount: yuan("10"),
    })
    .unwrap();
}

/// P2 (20 亩) held by C for the first half of 2004, then by D; C leases
/// 100 m² from March 16 to April 10.
fn fee_zone(db: &Db) -> (EnterpriseId, EnterpriseId) {
    rates(db);
    let (c, dd) = (firm(db, "C 机械"), firm(db, "D 光电"));
    let p2 = parcel(db, "P2", "20", "2003-06-01");
    db.allocate(p2, terms(c, "2004-01-01", "0", None)).unwrap();
    db.transfer(p2, dd, d("2004-07-01"), Yuan::ZERO).unwrap();
    db.lease(c, "1#厂房", None, q("100"), d("2004-03-16"), None)
        .unwrap();
    db.end_lease(c, 0, d("2004-04-10")).unwrap();
    (c, dd)
}

#[test]
fn management_fees_are_billed_pro_rata_across_a_transfer_and_a_lease_end() {
    let db = Db::temporary().unwrap();
    let (c, dd) = fee_zone(&db);

    // 2004 has 366 days. C held 20 亩 182 days: 24,000 × 182 / 366 =
    // 11,934.43; D the other 184: 12,065.57. C's lease: 16 of March's 31
    // days (516.13) and 10 of April's 30 (333.33).
    let c_fees = db.as_of(d("2004-12-31")).management_fees(c).unwrap();
    let bills: Vec<(String, Yuan)> = c_fees
        .instalments
        .iter()
        .map(|i| (i.due.to_string(), i.amount))
        .collect();
    assert_eq!(
        bills,
        vec![
            ("2004-03-31".into(), yuan("516.13")),
            ("2004-04-30".into(), yuan("333.33")),
            ("2004-12-31".into(), yuan("11934.43")),
        ]
    );
    let d_fees = db.as_of(d("2004-12-31")).management_fees(dd).unwrap();
    assert_eq!(d_fees.amount, yuan("12065.57"));

    // By May 1 C owes the two lease months (849.46): 5,000 is more, so
    // only as an advance.
    let before = fingerprint(&db);
    let err = db
        .receive_payment(Account::Enterprise(c), d("2004-05-01"), fee("5000"))
        .unwrap_err();
    assert!(err.to_string().contains("849.46"), "{err}");
    assert_eq!(fingerprint(&db), before);
    db.receive_payment(
        Account::Enterprise(c),
        d("2004-05-01"),
        Payment {
            advance: true,
            ..fee("5000")
        },
    )
    .unwrap();
    // Nothing is billed to D before the year's end.
    let err = db
        .receive_payment(Account::Enterprise(dd), d("2004-06-01"), fee("1"))
        .unwrap_err();
    assert!(matches!(err, Error::Lifecycle { .. }), "{err}");

    // Dec 31: 12,783.89 billed, 5,000 paid; the year's bill falls due that
    // day, so nothing is overdue; a month later all 7,783.89 is, 31 days.
    let r = owed(&db, "2004-12-31", Charge::ManagementFee, c).unwrap();
    assert_eq!(r.position.amount, yuan("12783.89"));
    assert_eq!(r.position.outstanding, yuan("7783.89"));
    assert_eq!(r.position.overdue, Yuan::ZERO);
    let r = owed(&db, "2005-01-31", Charge::ManagementFee, c).unwrap();
    assert_eq!(r.position.overdue, yuan("7783.89"));
    assert_eq!(r.position.days_overdue, 31);
    assert_eq!(r.position.bucket(), AgingBucket::UpTo90);
    // C left: it owes no 2005 fees; D does, for the whole year (365 days).
    assert_eq!(
        db.as_of(d("2005-12-31")).management_fees(c).unwrap().amount,
        yuan("12783.89")
    );
    assert_eq!(
        db.as_of(d("2005-12-31"))
            .management_fees(dd)
            .unwrap()
            .amount,
        yuan("36065.57")
    );
}

#[test]
fn a_rate_change_splits_the_period_by_days() {
    let db = Db::temporary().unwrap();
    rates(&db);
    // From July 2005 (not a leap year) the land rate is 2,400.
    db.set_fee_rate(FeeRate {
        from: d("2005-07-01"),
        basis: FeeBasis::HeldMu,
        period: FeePeriod::Year,
        amount: yuan("2400"),
    })
    .unwrap();
    let e = firm(&db, "E");
    let p = parcel(&db, "P", "10", "2004-06-01");
    db.allocate(p, terms(e, "2005-01-01", "0", None)).unwrap();
    // 12,000 × 181/365 + 24,000 × 184/365 = 5,950.68 + 12,098.63.
    let fees = db.as_of(d("2005-12-31")).management_fees(e).unwrap();
    assert_eq!(fees.amount, yuan("18049.31"));
}

#[test]
fn idle_fees_compensation_and_the_finance_section() {
    let db = Db::temporary().unwrap();
    let (_, p1) = scheduled(&db);
    let (firm_c, _) = fee_zone(&db);
    db.receive_payment(
        Account::Enterprise(firm_c),
        d("2004-05-01"),
        Payment {
            advance: true,
            ..fee("5000")
        },
    )
    .unwrap();
    // P3: 10 亩 to E, declared idle with a fee of 50,000; 20,000 paid, the
    // rest waived.
    let firm_e = firm(&db, "E 建材");
    let p3 = parcel(&db, "P3", "10", "2003-01-01");
    db.allocate(p3, terms(firm_e, "2003-02-01", "0", Some("2003-06-01")))
        .unwrap();
    db.declare_idle(p3, d("2004-08-01"), Some(yuan("50000")))
        .unwrap();
    db.receive_payment(
        Account::Parcel(p3),
        d("2004-09-01"),
        pay(Charge::IdleFee, "20000"),
    )
    .unwrap();
    db.write_off_debt(
        Account::Parcel(p3),
        d("2004-10-01"),
        Charge::IdleFee,
        None,
        "困难企业减免",
        None,
    )
    .unwrap();
    // What the zone paid for P1's land.
    db.pay_compensation(
        p1,
        d("2004-01-10"),
        compensation(CompensationKind::Land, "高平村委会", "300000"),
    )
    .unwrap();
    db.pay_compensation(
        p1,
        d("2004-02-01"),
        Compensation {
            area: Some(mu("1.5")),
            ..compensation(CompensationKind::Swap, "林某户", "45000")
        },
    )
    .unwrap();
    db.pay_compensation(
        p1,
        d("2004-05-01"),
        compensation(CompensationKind::Certification, "国土分局", "12000"),
    )
    .unwrap();

    let r = db.now().annual_report(2004).unwrap();
    let f = &r.finance;
    let land = f.charge(Charge::LandPrice);
    assert_eq!(
        (land.collected, land.outstanding, land.overdue, land.debtors),
        (yuan("400000"), yuan("600000"), yuan("300000"), 1)
    );
    let idle = f.charge(Charge::IdleFee);
    assert_eq!(
        (idle.collected, idle.written_off, idle.outstanding),
        (yuan("20000"), yuan("30000"), Yuan::ZERO)
    );
    // C: 12,783.89 − 5,000; D: 12,065.57; A holds P1's 10 亩 from March 1
    // (306 days: 12,000 × 306 / 366 = 10,032.79); E holds P3's all year
    // (12,000).
    let fees = f.charge(Charge::ManagementFee);
    assert_eq!(
        (fees.collected, fees.outstanding, fees.debtors),
        (yuan("5000"), yuan("41882.25"), 4)
    );
    assert_eq!(f.compensation_total(), yuan("357000"));
    assert_eq!(f.collection_steps, 0);
    assert_eq!(r.land_cost_yuan, yuan("357000"));
    // 40 亩 requisitioned: 8,925 per 亩.
    let summary = db.as_of(d("2004-12-31")).land_summary().unwrap();
    assert_eq!(summary.total.land_cost_per_mu(), Some(yuan("8925")));
    let text = r.text();
    assert!(
        text.contains("五、财务。本年收回地款40万元,年末尚欠地款60万元(1户,其中逾期30万元)"),
        "{text}"
    );
    assert!(text.contains("支付征地补偿及办证费用35.7万元"), "{text}");
    // Before the payments were recorded, as known then: none of it.
    let early = db
        .as_known_at(Utc::now() - chrono::Duration::days(1))
        .annual_report(2004)
        .unwrap();
    assert_eq!(
        early.finance.charge(Charge::LandPrice).collected,
        Yuan::ZERO
    );
}

#[test]
fn a_voided_payment_is_owed_again() {
    let db = Db::temporary().unwrap();
    let (a, p1) = scheduled(&db);
    let paid = db
        .receive_payment(Account::Parcel(p1), d("2004-10-01"), land("300000"))
        .unwrap();
    assert_eq!(
        owed(&db, "2004-12-31", Charge::LandPrice, a)
            .unwrap()
            .position
            .outstanding,
        yuan("300000")
    );
    db.void(paid, "凭证作废").unwrap();
    assert_eq!(
        owed(&db, "2004-12-31", Charge::LandPrice, a)
            .unwrap()
            .position
            .outstanding,
        yuan("600000")
    );
    // The parcel's history and the events table carry the money events.
    let names: Vec<&str> = db
        .history(p1)
        .unwrap()
        .iter()
        .filter_map(|h| match &h.event.body {
            parkdb::Body::Domain(e) => Some(e.name()),
            parkdb::Body::Void { .. } => None,
        })
        .collect();
    assert!(
        names.contains(&"payments_scheduled") && names.contains(&"payment_received"),
        "{names:?}"
    );
}

/// Each rule's refusal, and nothing written by it.
#[test]
fn bad_money_is_refused_and_nothing_is_written() {
    let db = Db::temporary().unwrap();
    let (a, p1) = scheduled(&db);
    rates(&db);
    let reserve = parcel(&db, "P9", "3", "2004-01-01");
    let before = fingerprint(&db);
    let refusals: Vec<(&str, parkdb::Result<parkdb::EventId>)> = vec![
        (
            "more than outstanding",
            db.receive_payment(Account::Parcel(p1), d("2004-05-01"), land("600000.01")),
        ),
        (
            "never supplied",
            db.receive_payment(Account::Parcel(reserve), d("2004-05-01"), land("1")),
        ),
        (
            "zero",
            db.receive_payment(Account::Parcel(p1), d("2004-05-01"), land("0")),
        ),
        (
            "negative",
            db.receive_payment(Account::Parcel(p1), d("2004-05-01"), land("-5")),
        ),
        (
            "before the debt",
            db.receive_payment(Account::Parcel(p1), d("2004-02-01"), land("1")),
        ),
        (
            "fee on a parcel",
            db.receive_payment(Account::Parcel(p1), d("2004-05-01"), fee("1")),
        ),
        (
            "land on an enterprise",
            db.receive_payment(Account::Enterprise(a), d("2004-05-01"), land("1")),
        ),
        (
            "fee not billed",
            db.receive_payment(Account::Enterprise(a), d("2004-05-01"), fee("1")),
        ),
        (
            "schedule sum",
            db.schedule_land_payments(p1, d("2004-05-01"), &[inst("2004-06-01", "999999.99")]),
        ),
        (
            "instalment early",
            db.schedule_land_payments(p1, d("2004-05-01"), &[inst("2004-02-01", "1000000")]),
        ),
        (
            "empty schedule",
            db.schedule_land_payments(p1, d("2004-05-01"), &[]),
        ),
        (
            "refund more than paid",
            db.refund_payment(
                Account::Parcel(p1),
                d("2004-05-01"),
                Refund {
                    charge: Charge::LandPrice,
                    amount: yuan("400000.01"),
                    reference: None,
                    payer: None,
                },
            ),
        ),
        (
            "write-off more than owed",
            db.write_off_debt(
                Account::Parcel(p1),
                d("2004-05-01"),
                Charge::LandPrice,
                Some(yuan("600001")),
                "坏账",
                None,
            ),
        ),
        (
            "write-off without reason",
            db.write_off_debt(
                Account::Parcel(p1),
                d("2004-05-01"),
                Charge::LandPrice,
                None,
                " ",
                None,
            ),
        ),
        (
            "fee write-off, nothing billed",
            db.write_off_debt(
                Account::Enterprise(a),
                d("2004-05-01"),
                Charge::ManagementFee,
                None,
                "减免",
                None,
            ),
        ),
        (
            "collection, nothing owed",
            db.record_collection(
                Account::Parcel(reserve),
                d("2004-05-01"),
                Collection {
                    charge: Charge::LandPrice,
                    action: CollectionAction::Legal,
                    note: None,
                },
            ),
        ),
        (
            "area on a non-swap",
            db.pay_compensation(
                p1,
                d("2004-05-01"),
                Compensation {
                    area: Some(mu("1")),
                    ..compensation(CompensationKind::Land, "村委会", "1")
                },
            ),
        ),
        (
            "compensation before the parcel",
            db.pay_compensation(
                p1,
                d("2003-12-31"),
                compensation(CompensationKind::Land, "村委会", "1"),
            ),
        ),
        (
            "compensation zero",
            db.pay_compensation(
                p1,
                d("2004-05-01"),
                compensation(CompensationKind::Land, "村委会", "0"),
            ),
        ),
        (
            "compensation, no payee",
            db.pay_compensation(
                p1,
                d("2004-05-01"),
                compensation(CompensationKind::Land, "", "1"),
            ),
        ),
        (
            "unknown payer",
            db.receive_payment(
                Account::Parcel(p1),
                d("2004-05-01"),
                Payment {
                    payer: Some(EnterpriseId(99)),
                    ..land("1")
                },
            ),
        ),
    ];
    for (what, result) in refusals {
        let err = result.expect_err(what);
        assert!(
            matches!(
                err,
                Error::Validation { .. } | Error::Lifecycle { .. } | Error::NotFound { .. }
            ),
            "{what}: {err:?}"
        );
    }
    let err = db
        .set_fee_rate(FeeRate {
            from: d("2004-01-01"),
            basis: FeeBasis::HeldMu,
            period: FeePeriod::Year,
            amount: yuan("-1"),
        })
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(fingerprint(&db), before);
}

/// A voucher (凭证号) is used once: a second payment naming it, on the same
/// parcel, another parcel or a firm's fees, in a later unit or the same,
/// is refused and writes nothing; the same payment imported again is not a
/// second use, and a refund may name its payment's voucher.
#[test]
fn a_voucher_is_used_by_one_payment() {
    let db = Db::temporary().unwrap();
    let (a, p1) = scheduled(&db);
    let b = firm(&db, "B 机械");
    let p2 = parcel(&db, "P2", "5", "2004-01-01");
    db.allocate(p2, terms(b, "2004-03-01", "500000", None))
        .unwrap();
    let with = |v: &str, p: Payment| Payment {
        reference: Some(v.into()),
        ..p
    };
    let before = fingerprint(&db);
    for (on, payment) in [
        (Account::Parcel(p1), with("收2004-001", land("100000"))),
        (Account::Parcel(p2), with("收2004-001", land("100000"))),
        (
            Account::Enterprise(a),
            with(
                "收2004-001",
                Payment {
                    advance: true,
                    ..fee("1000")
                },
            ),
        ),
    ] {
        let refused = db
            .receive_payment(on, d("2004-05-01"), payment)
            .unwrap_err();
        assert!(
            matches!(&refused, Error::Validation { field, reason } if field == "reference" && reason.contains("P1")),
            "{refused}"
        );
    }
    assert_eq!(fingerprint(&db), before);
    // Twice in one unit of work: the second is refused, the unit too.
    let twice = db.write(|w| {
        w.receive_payment(
            Account::Parcel(p2),
            d("2004-05-01"),
            with("收2004-002", land("1")),
        )?;
        w.receive_payment(
            Account::Parcel(p2),
            d("2004-05-02"),
            with("收2004-002", land("1")),
        )
    });
    assert!(matches!(twice, Err(Error::Validation { .. })), "{twice:?}");
    assert_eq!(fingerprint(&db), before);
    // The same payment again, merged as an import merges: not a second use.
    db.write(|w| {
        w.merging();
        w.receive_payment(
            Account::Parcel(p1),
            d("2004-04-10"),
            with("收2004-001", land("400000")),
        )
    })
    .unwrap();
    assert_eq!(fingerprint(&db), before);
    // A refund names the payment it gives back.
    db.refund_payment(
        Account::Parcel(p1),
        d("2004-06-01"),
        parkdb::money::Refund {
            charge: Charge::LandPrice,
            amount: yuan("1000"),
            reference: Some("收2004-001".into()),
            payer: None,
        },
    )
    .unwrap();
    // Another voucher is free; a voided payment frees its voucher.
    let paid = db
        .receive_payment(
            Account::Parcel(p2),
            d("2004-07-01"),
            with("收2004-003", land("10")),
        )
        .unwrap();
    db.void(paid, "entered on the wrong parcel").unwrap();
    db.receive_payment(
        Account::Parcel(p1),
        d("2004-07-02"),
        with("收2004-003", land("10")),
    )
    .unwrap();
}
