//! Every refusal: a typed error naming the parcel and the rule, and the
//! database exactly as it was before.

mod common;

use common::{d, fingerprint, firm, mu, parcel, terms, yuan};
use parkdb::{Db, Entity, Error, EventId, LandUse, Mu, NewParcel, ParcelId};

/// Runs `f`, expects an error for which `want` holds, and checks that the
/// database did not change.
fn refused(
    db: &Db,
    want: impl Fn(&Error) -> bool,
    f: impl FnOnce(&Db) -> parkdb::Result<()>,
) -> Error {
    let before = fingerprint(db);
    let err = f(db).expect_err("the write must be refused");
    assert!(want(&err), "unexpected error: {err:?}");
    assert_eq!(
        fingerprint(db),
        before,
        "a refused write changed the database: {err}"
    );
    err
}

fn lifecycle(e: &Error) -> bool {
    matches!(
        e,
        Error::Lifecycle {
            entity: Entity::Parcel,
            ..
        }
    )
}

fn validation(e: &Error) -> bool {
    matches!(e, Error::Validation { .. })
}

fn setup() -> (Db, ParcelId, parkdb::EnterpriseId) {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "科华电子");
    let p = parcel(&db, "GP-001", "52.7272", "2004-05-01");
    (db, p, e)
}

#[test]
fn areas_must_be_positive_and_exact() {
    let (db, _, _) = setup();
    for text in ["0", "-1", "52.7272101", "abc", "", "1.2.3", "1_000"] {
        let err = Mu::parse_mu(text);
        if let Ok(area) = err {
            refused(&db, validation, |db| {
                db.add_parcel(NewParcel::new(
                    "GP-X",
                    area,
                    LandUse::Industrial,
                    d("2004-01-01"),
                ))
                .map(|_| ())
            });
        } else {
            assert!(matches!(err, Err(Error::Validation { .. })), "{text:?}");
        }
    }
    let e = refused(&db, validation, |db| {
        db.add_parcel(NewParcel::new(
            "GP-X",
            Mu::from_millionths(-5),
            LandUse::Industrial,
            d("2004-01-01"),
        ))
        .map(|_| ())
    });
    assert!(e.to_string().contains("GP-X"), "{e}");
    // Trailing zeros past six decimals are still exact.
    assert_eq!(Mu::parse_mu("52.72720000").unwrap(), mu("52.7272"));
}

#[test]
fn codes_must_be_present_and_unique() {
    let (db, _, _) = setup();
    let err = refused(
        &db,
        |e| matches!(e, Error::Conflict { .. }),
        |db| {
            db.add_parcel(NewParcel::new(
                "GP-001",
                mu("1"),
                LandUse::Industrial,
                d("2004-01-01"),
            ))
            .map(|_| ())
        },
    );
    assert!(err.to_string().contains("GP-001"));
    refused(&db, validation, |db| {
        db.add_parcel(NewParcel::new(
            "  ",
            mu("1"),
            LandUse::Industrial,
            d("2004-01-01"),
        ))
        .map(|_| ())
    });
}

#[test]
fn unknown_ids_are_not_found() {
    let (db, _, e) = setup();
    let ghost = ParcelId(999);
    let nf = |e: &Error| {
        matches!(
            e,
            Error::NotFound {
                entity: Entity::Parcel,
                ..
            }
        )
    };
    refused(&db, nf, |db| db.develop(ghost, d("2005-01-01")).map(|_| ()));
    refused(&db, nf, |db| {
        db.allocate(ghost, terms(e, "2005-01-01", "1", None))
            .map(|_| ())
    });
    refused(&db, nf, |db| {
        db.reclaim(ghost, d("2005-01-01"), "x").map(|_| ())
    });
    refused(
        &db,
        |e| {
            matches!(
                e,
                Error::NotFound {
                    entity: Entity::Enterprise,
                    ..
                }
            )
        },
        |db| {
            db.allocate(
                ParcelId(1),
                terms(parkdb::EnterpriseId(77), "2005-01-01", "1", None),
            )
            .map(|_| ())
        },
    );
    refused(
        &db,
        |e| {
            matches!(
                e,
                Error::NotFound {
                    entity: Entity::Event,
                    ..
                }
            )
        },
        |db| db.void(EventId(12345), "typo").map(|_| ()),
    );
    assert!(matches!(
        db.parcel_by_code("nope"),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn history_entered_late_that_breaks_a_rule_is_refused() {
    let (db, p, _) = setup();
    db.develop(p, d("2005-01-01")).unwrap();
    let err = refused(&db, lifecycle, |db| {
        db.develop(p, d("2004-12-31")).map(|_| ())
    });
    let text = err.to_string();
    assert!(
        text.contains("GP-001") && text.contains("already developed"),
        "{text}"
    );
    // Before the requisition, too.
    let q = parcel(&db, "GP-002", "1", "2004-05-01");
    let err = refused(&db, lifecycle, |db| {
        db.develop(q, d("2004-04-30")).map(|_| ())
    });
    assert!(
        err.to_string().contains("before its history begins"),
        "{err}"
    );
}

#[test]
fn every_illegal_lifecycle_step_is_refused() {
    let (db, p, e) = setup();
    let other = firm(&db, "启程");
    // In the reserve: nothing that needs a holder.
    refused(&db, lifecycle, |db| {
        db.start_construction(p, d("2005-01-01")).map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.complete_construction(p, d("2005-01-01")).map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.declare_idle(p, d("2005-01-01"), None).map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.reclaim(p, d("2005-01-01"), "x").map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.transfer(p, other, d("2005-01-01"), yuan("1"))
            .map(|_| ())
    });

    db.develop(p, d("2005-01-01")).unwrap();
    refused(&db, lifecycle, |db| {
        db.develop(p, d("2005-02-01")).map(|_| ())
    });
    db.certify(p, d("2005-02-01"), "证1").unwrap();
    refused(&db, lifecycle, |db| {
        db.certify(p, d("2005-03-01"), "证2").map(|_| ())
    });
    refused(&db, validation, |db| {
        db.certify(p, d("2005-03-01"), " ").map(|_| ())
    });

    db.allocate(p, terms(e, "2005-03-01", "100", Some("2005-09-01")))
        .unwrap();
    let err = refused(&db, lifecycle, |db| {
        db.allocate(p, terms(other, "2005-04-01", "1", None))
            .map(|_| ())
    });
    assert!(err.to_string().contains("already has a holder"), "{err}");
    refused(&db, lifecycle, |db| {
        db.transfer(p, e, d("2005-04-01"), yuan("1")).map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.complete_construction(p, d("2005-04-01")).map(|_| ())
    });
    refused(&db, validation, |db| {
        db.transfer(p, other, d("2005-04-01"), yuan("-1"))
            .map(|_| ())
    });
    refused(&db, validation, |db| {
        db.declare_idle(p, d("2005-04-01"), Some(yuan("-1")))
            .map(|_| ())
    });

    db.start_construction(p, d("2005-05-01")).unwrap();
    refused(&db, lifecycle, |db| {
        db.start_construction(p, d("2005-06-01")).map(|_| ())
    });
    refused(&db, lifecycle, |db| {
        db.declare_idle(p, d("2005-06-01"), None).map(|_| ())
    });
    db.complete_construction(p, d("2006-05-01")).unwrap();
    refused(&db, lifecycle, |db| {
        db.complete_construction(p, d("2006-06-01")).map(|_| ())
    });

    let q = parcel(&db, "GP-003", "10", "2004-05-01");
    let bad_terms = parkdb::Allocation {
        complete_by: Some(d("2004-12-01")),
        start_by: Some(d("2005-01-01")),
        ..terms(e, "2004-06-01", "1", None)
    };
    refused(&db, validation, |db| db.allocate(q, bad_terms).map(|_| ()));
    refused(&db, validation, |db| {
        db.allocate(q, terms(e, "2004-06-01", "-5", None))
            .map(|_| ())
    });
}

#[test]
fn a_split_must_sum_to_the_parent_and_use_new_codes() {
    let (db, p, _) = setup();
    let err = refused(&db, lifecycle, |db| {
        db.split(p, d("2005-01-01"), &[("A", mu("20")), ("B", mu("32.7271"))])
            .map(|_| ())
    });
    assert!(err.to_string().contains("sum"), "{err}");
    refused(&db, lifecycle, |db| {
        db.split(p, d("2005-01-01"), &[("A", mu("52.7272"))])
            .map(|_| ())
    });
    refused(
        &db,
        |e| matches!(e, Error::Conflict { .. }),
        |db| {
            db.split(
                p,
                d("2005-01-01"),
                &[("GP-001", mu("20")), ("B", mu("32.7272"))],
            )
            .map(|_| ())
        },
    );
    refused(&db, validation, |db| {
        db.split(p, d("2005-01-01"), &[("A", mu("20")), ("A", mu("32.7272"))])
            .map(|_| ())
    });
    refused(&db, validation, |db| {
        db.split(p, d("2005-01-01"), &[("A", mu("0")), ("B", mu("52.7272"))])
            .map(|_| ())
    });
}

#[test]
fn a_failed_unit_of_work_writes_nothing() {
    let (db, p, e) = setup();
    let before = fingerprint(&db);
    let err = db
        .write(|w| {
            w.develop(p, d("2005-01-01"))?;
            w.add_parcel(NewParcel::new(
                "GP-NEW",
                mu("3"),
                LandUse::Commercial,
                d("2005-01-01"),
            ))?;
            w.allocate(p, terms(e, "2005-02-01", "1", None))?;
            w.start_construction(p, d("2005-01-15")) // out of order: refused
        })
        .unwrap_err();
    assert!(lifecycle(&err));
    assert_eq!(fingerprint(&db), before);
    assert!(db.parcel_by_code("GP-NEW").is_err());
    // Codes freed by the failed unit can be used.
    db.add_parcel(NewParcel::new(
        "GP-NEW",
        mu("3"),
        LandUse::Commercial,
        d("2005-01-01"),
    ))
    .unwrap();
}

#[test]
fn voids_that_would_break_history_are_refused() {
    let (db, p, e) = setup();
    let alloc = db.allocate(p, terms(e, "2005-01-01", "1", None)).unwrap();
    db.start_construction(p, d("2005-02-01")).unwrap();
    let err = refused(&db, lifecycle, |db| {
        db.void(alloc, "entered by mistake").map(|_| ())
    });
    assert!(err.to_string().contains("illegal history"), "{err}");
    let creation = db.history(p).unwrap()[0].event.id;
    refused(&db, lifecycle, |db| db.void(creation, "typo").map(|_| ()));
    refused(&db, validation, |db| db.void(alloc, "  ").map(|_| ()));
}

#[test]
fn a_failed_step_inside_a_unit_is_undone_and_the_unit_goes_on() {
    let (db, p, e) = setup();
    let (kept, failed) = db
        .write(|w| {
            w.develop(p, d("2005-01-01"))?;
            // A step that writes a parcel, then fails: all of it is undone.
            let failed = w.attempt(|w| {
                w.add_parcel(NewParcel::new(
                    "GP-HALF",
                    mu("3"),
                    LandUse::Commercial,
                    d("2005-01-01"),
                ))?;
                w.start_construction(p, d("2005-02-01"))
            });
            let kept = w.attempt(|w| w.allocate(p, terms(e, "2005-03-01", "1", None)))?;
            Ok((kept, failed))
        })
        .unwrap();
    assert!(matches!(failed, Err(Error::Lifecycle { .. })));
    // The kept step's event is the parcel's latest.
    assert_eq!(db.history(p).unwrap().last().unwrap().event.id, kept);
    assert!(db.parcel_by_code("GP-HALF").is_err());
    let parcel = db.parcel(p).unwrap();
    assert!(parcel.developed.is_some() && parcel.holder == Some(e));
    // The code the undone step used is free.
    db.add_parcel(NewParcel::new(
        "GP-HALF",
        mu("3"),
        LandUse::Commercial,
        d("2005-01-01"),
    ))
    .unwrap();
    assert!(db.check().unwrap().is_clean());
}

/// A step that changes a record and then fails leaves the unit seeing the
/// record as it was before the step — the unit keeps changed records
/// decoded until commit, and those must roll back with the step too.
#[test]
fn a_failed_step_undoes_its_changes_to_records_the_unit_holds() {
    let (db, p, e) = setup();
    // Loaded into memory first, so the unit reads committed state from there.
    assert_eq!(
        db.parcels(&parkdb::ParcelFilter::default()).unwrap().len(),
        1
    );
    let other = parcel(&db, "GP-002", "10", "2004-05-01");
    db.write(|w| {
        w.develop(p, d("2005-01-01"))?;
        let failed = w.attempt(|w| {
            w.allocate(p, terms(e, "2005-02-01", "1", None))?;
            // Refused: the other parcel has no holder.
            w.start_construction(other, d("2005-03-01"))
        });
        assert!(matches!(failed, Err(Error::Lifecycle { .. })));
        // Within the unit, the parcel is developed but not allocated again.
        let seen = w.parcel_by_code("GP-001")?;
        assert!(seen.developed.is_some() && seen.holder.is_none());
        w.allocate(p, terms(e, "2005-04-01", "2", None))?;
        Ok(())
    })
    .unwrap();
    let stored = db.parcel(p).unwrap();
    assert_eq!(stored.supply.as_ref().unwrap().date, d("2005-04-01"));
    assert_eq!(
        db.parcels(&parkdb::ParcelFilter {
            holder: Some(e),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );
    assert_eq!(db.history(p).unwrap().len(), 3);
    assert!(db.check().unwrap().is_clean(), "{:?}", db.check().unwrap());
}

/// Dates outside 1900–2200 are refused at the door: far dates broke every
/// reader later (Python's `datetime` stops at year 9999).
#[test]
fn dates_outside_the_range_every_reader_takes_are_refused() {
    let db = parkdb::Db::temporary().unwrap();
    for far in [
        chrono::NaiveDate::from_ymd_opt(-44, 3, 15).unwrap(),
        chrono::NaiveDate::from_ymd_opt(0, 6, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(1899, 12, 31).unwrap(),
    ] {
        let r = db.add_parcel(parkdb::NewParcel::new(
            "GP-1",
            "1".parse().unwrap(),
            parkdb::LandUse::Industrial,
            far,
        ));
        match r {
            Err(parkdb::Error::Validation { reason, .. }) => {
                assert!(reason.contains("1900-01-01"), "{reason}");
            }
            other => panic!("{far}: expected a validation error, got {other:?}"),
        }
    }
    assert!(db.now().all_parcels().unwrap().is_empty());
    db.add_parcel(parkdb::NewParcel::new(
        "GP-1",
        "1".parse().unwrap(),
        parkdb::LandUse::Industrial,
        chrono::NaiveDate::from_ymd_opt(2200, 12, 31).unwrap(),
    ))
    .unwrap();
}

#[test]
fn codes_are_one_code_however_typed_and_control_characters_are_refused() {
    let (db, _, _) = setup();
    parcel(&db, "GP-RES", "1", "2005-01-01");
    for twin in ["GP\u{200B}-RES", "\u{FEFF}GP-RES", "ＧＰ-ＲＥＳ"] {
        let e = refused(
            &db,
            |e| matches!(e, Error::Conflict { .. }),
            |db| {
                db.add_parcel(NewParcel::new(
                    twin,
                    mu("1"),
                    LandUse::Industrial,
                    d("2005-01-01"),
                ))
                .map(drop)
            },
        );
        assert!(e.to_string().contains("GP-RES"), "{e}");
    }
    assert_eq!(db.parcel_by_code("ＧＰ-ＲＥＳ").unwrap().code, "GP-RES");
    for bad in ["GP\u{0}1", "GP\n1", "\u{1b}[31mGP", "GP\u{202E}1"] {
        refused(&db, validation, |db| {
            db.add_parcel(NewParcel::new(
                bad,
                mu("1"),
                LandUse::Industrial,
                d("2005-01-01"),
            ))
            .map(drop)
        });
    }
    let huge = "G".repeat(1_000_000);
    let e = refused(&db, validation, |db| {
        db.add_parcel(NewParcel::new(
            huge.as_str(),
            mu("1"),
            LandUse::Industrial,
            d("2005-01-01"),
        ))
        .map(drop)
    });
    assert!(e.to_string().len() < 300, "{}", e.to_string().len());
}

#[test]
fn impossible_years_and_founding_dates_are_refused() {
    let (db, _, _) = setup();
    for year in [0, -1, 10_000] {
        refused(&db, validation, |db| {
            db.write(|w| w.add_programme("科技计划", year, yuan("100"), d("2005-01-01")))
                .map(drop)
        });
    }
    refused(&db, validation, |db| {
        let mut e = parkdb::NewEnterprise::named("东岸");
        e.founded = Some(d("2010-01-01"));
        e.registered = Some(d("2005-01-01"));
        db.add_enterprise(e).map(drop)
    });
    let p = parcel(&db, "GP-V", "1", "2005-01-01");
    db.write(|w| w.develop(p, d("2005-02-01"))).unwrap();
    let event = db.history(p).unwrap()[1].event.id;
    refused(&db, validation, |db| {
        db.write(|w| w.void(event, "\u{200B}")).map(drop)
    });
}

/// A date out of range is `Validation` on every write, also on an existing
/// entity whose history it would come before (`Lifecycle` before).
#[test]
fn a_date_out_of_range_is_validation_on_an_existing_parcel_too() {
    let db = Db::temporary().unwrap();
    let p = parcel(&db, "GP-1", "10", "2001-01-01");
    for out_of_range in ["1800-01-01", "2300-01-01"] {
        let refused = db.develop(p, d(out_of_range));
        assert!(
            matches!(&refused, Err(Error::Validation { field, .. }) if field == "date"),
            "{out_of_range}: {refused:?}"
        );
        let refused = db.certify(p, d(out_of_range), "证");
        assert!(
            matches!(&refused, Err(Error::Validation { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(db.history(p).unwrap().len(), 1);
}
