//! History entered late: an event dated before an entity's latest is
//! accepted when the whole history, folded again with it in its place,
//! stays legal, and refused with the rule it breaks when not. Reads of any
//! date, history, idle status and a reopened database see it in its place;
//! a read as known before it was entered does not.

mod common;

use common::{d, fingerprint, firm, mu, parcel, terms, yuan};
use parkdb::{Award, Body, Db, EnterpriseStatus, Entity, Error, ParcelEvent, ParcelStatus, Yuan};

/// Expects a lifecycle refusal of `entity` whose rule contains every one of
/// `words`, and the database unchanged.
fn refused(db: &Db, entity: Entity, words: &[&str], f: impl FnOnce(&Db) -> parkdb::Result<()>) {
    let before = fingerprint(db);
    let err = f(db).expect_err("the write must be refused");
    match &err {
        Error::Lifecycle {
            entity: e, rule, ..
        } if *e == entity => {
            for w in words {
                assert!(rule.contains(w), "{w:?} not in {rule:?}");
            }
        }
        other => panic!("expected a lifecycle refusal of {entity}, got {other:?}"),
    }
    assert_eq!(
        fingerprint(db),
        before,
        "a refused write changed the database"
    );
}

#[test]
fn a_certificate_entered_after_the_allocation_takes_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let before_entry;
    let p;
    {
        let db = Db::open(&path).unwrap();
        let e = firm(&db, "励精");
        p = parcel(&db, "GP-017", "52.7272", "2003-05-01");
        db.allocate(p, terms(e, "2005-03-01", "1000000", Some("2005-09-01")))
            .unwrap();
        db.start_construction(p, d("2005-08-01")).unwrap();
        before_entry = common::tick();
        // The certificate of 2004, found in a drawer after the 2005 allocation.
        db.certify(p, d("2004-06-01"), "佛府国用(2004)第17号")
            .unwrap();

        let cert = db.as_of(d("2004-12-31")).parcel(p).unwrap().certificate;
        assert_eq!(cert.map(|c| c.date), Some(d("2004-06-01")));
        assert!(db
            .as_of(d("2004-05-31"))
            .parcel(p)
            .unwrap()
            .certificate
            .is_none());
        let summary = db.as_of(d("2004-12-31")).land_summary().unwrap().total;
        assert_eq!(summary.certified_mu, mu("52.7272"));
        // The state now keeps its latest date; the certificate its own.
        let now = db.now().parcel(p).unwrap();
        assert_eq!(now.last_event, d("2005-08-01"));
        assert_eq!(now.status(), ParcelStatus::UnderConstruction);
        // As known before it was entered: no certificate at any date.
        let then = db.as_known_at(before_entry);
        assert!(then.parcel(p).unwrap().certificate.is_none());
        assert_eq!(then.parcel_history(p).unwrap().len(), 3);
        assert_eq!(
            then.as_of(d("2004-12-31"))
                .land_summary()
                .unwrap()
                .total
                .certified_mu,
            mu("0")
        );
        assert!(db.check().unwrap().is_clean());
    }
    // History in valid-date order, the same after reopening (the fold of
    // the stored events, not the state the write kept).
    let db = Db::open(&path).unwrap();
    let want = [
        ("2003-05-01", "requisitioned"),
        ("2004-06-01", "certified"),
        ("2005-03-01", "allocated"),
        ("2005-08-01", "construction_started"),
    ];
    let got = common::history_names(&db, p);
    assert_eq!(
        got,
        want.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    );
    let cert = db.now().parcel(p).unwrap().certificate.unwrap();
    assert_eq!(cert.date, d("2004-06-01"));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_late_construction_start_ends_idleness_in_the_past() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "东岸精密机械");
    let p = parcel(&db, "GP-020", "30", "2003-01-01");
    db.allocate(p, terms(e, "2004-01-01", "2000000", Some("2004-06-01")))
        .unwrap();
    db.complete_construction(p, d("2007-01-01"))
        .expect_err("completion needs a start");
    // Idle as the ledger stood: two years past the agreed start.
    assert!(db
        .as_of(d("2006-12-31"))
        .parcel(p)
        .unwrap()
        .idle_as_of(d("2006-12-31"))
        .is_idle());
    db.develop(p, d("2007-02-01")).unwrap();
    // The start of 2004 entered now, after the 2007 development.
    db.start_construction(p, d("2004-05-01")).unwrap();
    let then = db.as_of(d("2006-12-31"));
    assert!(!then
        .parcel(p)
        .unwrap()
        .idle_as_of(d("2006-12-31"))
        .is_idle());
    assert_eq!(then.land_summary().unwrap().total.idle_mu, mu("0"));
    assert_eq!(
        then.parcel(p).unwrap().status(),
        ParcelStatus::UnderConstruction
    );
    // Completion after it is now legal, dated between the two.
    db.complete_construction(p, d("2006-01-01")).unwrap();
    assert_eq!(
        db.now().parcel(p).unwrap().status(),
        ParcelStatus::Completed
    );
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn illegal_history_entered_late_is_refused_with_the_rule() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "科华电子");
    let p = parcel(&db, "GP-001", "52.7272", "2004-05-01");
    db.develop(p, d("2005-01-01")).unwrap();
    db.allocate(p, terms(e, "2005-03-01", "100", Some("2005-09-01")))
        .unwrap();
    db.declare_idle(p, d("2007-01-01"), None).unwrap();

    // Construction before supply: the event itself breaks the rule.
    refused(
        &db,
        Entity::Parcel,
        &["2005-02-01", "needs a holder"],
        |db| db.start_construction(p, d("2005-02-01")).map(drop),
    );
    // Legal in its place, but the later idle declaration would then break one.
    refused(
        &db,
        Entity::Parcel,
        &["idle_declared", "2007-01-01", "not idle"],
        |db| db.start_construction(p, d("2006-01-01")).map(drop),
    );
    // Before the parcel existed.
    refused(
        &db,
        Entity::Parcel,
        &["2004-04-30", "before its history begins", "requisitioned"],
        |db| db.develop(p, d("2004-04-30")).map(drop),
    );
    // A second development before the first.
    refused(&db, Entity::Parcel, &["already developed"], |db| {
        db.develop(p, d("2004-12-01")).map(drop)
    });
    // A certificate before the development is fine.
    db.certify(p, d("2004-12-31"), "证").unwrap();

    // A split closes the parent's history before it.
    let q = parcel(&db, "GP-002", "10", "2004-01-01");
    db.write(|w| {
        w.split(
            q,
            d("2006-01-01"),
            &[
                ("GP-002-1".to_owned(), mu("4")),
                ("GP-002-2".to_owned(), mu("6")),
            ],
        )
        .map(drop)
    })
    .unwrap();
    refused(&db, Entity::Parcel, &["split on 2006-01-01"], |db| {
        db.develop(q, d("2005-01-01")).map(drop)
    });
    // Nor can a split be entered late.
    let r = parcel(&db, "GP-003", "10", "2004-01-01");
    db.develop(r, d("2006-01-01")).unwrap();
    let err = db
        .write(|w| {
            w.split(
                r,
                d("2005-01-01"),
                &[
                    ("GP-003-1".to_owned(), mu("4")),
                    ("GP-003-2".to_owned(), mu("6")),
                ],
            )
            .map(drop)
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("a split is not entered late"),
        "{err}"
    );
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_void_of_history_entered_late_folds_without_it() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "E");
    let p = parcel(&db, "GP-005", "5", "2003-01-01");
    db.allocate(p, terms(e, "2005-01-01", "100", None)).unwrap();
    let late = db.certify(p, d("2004-01-01"), "证1").unwrap();
    db.void(late, "wrong number").unwrap();
    assert!(db.now().parcel(p).unwrap().certificate.is_none());
    db.certify(p, d("2004-02-01"), "证2").unwrap();
    let cert = db.as_of(d("2004-12-31")).parcel(p).unwrap().certificate;
    assert_eq!(cert.map(|c| c.number), Some("证2".to_owned()));
    assert!(db.check().unwrap().is_clean());
}

// A scenario's names: e and f (enterprises), g (programme), a (application).
#[test]
#[allow(clippy::many_single_char_names)]
fn enterprises_and_applications_take_history_entered_late() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "迈克制药");
    db.enterprise_signed(e, d("2004-03-01"), yuan("1000"), mu("10"))
        .unwrap();
    db.enterprise_in_production(e, d("2006-01-01")).unwrap();
    // The construction start of 2005, entered after production began.
    db.enterprise_construction_started(e, d("2005-04-01"))
        .unwrap();
    let then = db.as_of(d("2005-12-31")).enterprise(e).unwrap();
    assert_eq!(then.status, EnterpriseStatus::UnderConstruction);
    assert_eq!(then.construction_started, Some(d("2005-04-01")));
    assert_eq!(
        db.now().enterprise(e).unwrap().status,
        EnterpriseStatus::InProduction
    );
    // Production before the signing: refused, naming the rule.
    let f = firm(&db, "科华");
    db.enterprise_signed(f, d("2004-03-01"), yuan("1"), mu("1"))
        .unwrap();
    db.enterprise_construction_started(f, d("2005-01-01"))
        .unwrap();
    refused(
        &db,
        Entity::Enterprise,
        &["2004-01-01", "signed project"],
        |db| db.enterprise_in_production(f, d("2004-01-01")).map(drop),
    );
    // A closure entered before construction: the construction then breaks a rule.
    refused(
        &db,
        Entity::Enterprise,
        &["construction_started", "2005-01-01", "closed"],
        |db| db.enterprise_closed(f, d("2004-12-01"), "倒闭").map(drop),
    );

    let g = db
        .add_programme(
            "2005年度科技三项费用",
            2005,
            yuan("10000000"),
            d("2005-01-05"),
        )
        .unwrap();
    let a = db
        .apply(g, e, "新药", d("2005-03-10"), yuan("1000000"), None)
        .unwrap();
    db.approve(
        a,
        d("2005-09-15"),
        Award {
            batch: "第一批".into(),
            grant: yuan("300000"),
            ..Award::default()
        },
    )
    .unwrap();
    // The review of July, entered after the approval.
    db.review(a, d("2005-07-20"), &[82, 90]).unwrap();
    let h = db.now().application_history(a).unwrap();
    let order: Vec<_> = h.iter().map(|h| h.event.valid.to_string()).collect();
    assert_eq!(order, ["2005-03-10", "2005-07-20", "2005-09-15"]);
    let reviewed = db.as_of(d("2005-08-01")).application(a).unwrap();
    assert_eq!(reviewed.scores, vec![82, 90]);
    // A disbursement before the approval: refused.
    refused(&db, Entity::Application, &["2005-08-01"], |db| {
        db.disburse(a, d("2005-08-01"), yuan("1"), parkdb::AwardKind::Grant)
            .map(drop)
    });
    assert_eq!(
        db.now().programme_budget(g).unwrap().committed,
        yuan("300000")
    );
    assert_ne!(db.now().programme_budget(g).unwrap().committed, Yuan::ZERO);
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn the_events_table_and_history_agree_on_the_order() {
    let db = Db::temporary().unwrap();
    let p = parcel(&db, "GP-030", "5", "2003-01-01");
    db.develop(p, d("2006-01-01")).unwrap();
    db.certify(p, d("2004-01-01"), "证").unwrap();
    let h = db.history(p).unwrap();
    assert!(matches!(
        h[1].event.body,
        Body::Domain(ParcelEvent::Certified { .. })
    ));
    assert!(h.windows(2).all(|w| w[0].event.valid <= w[1].event.valid));
}
