//! Valid time and recorded time: as-of reads, as-known-at reads, voids.

mod common;

use common::{d, firm, mu, parcel, parcel_in, terms};
use parkdb::{Body, Db, Error, ParcelEvent, ParcelFilter, ParcelStatus};

#[test]
fn as_known_at_reproduces_what_was_reported_then() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "励精");
    let p = parcel(&db, "GP-017", "52.7272", "2001-05-01");
    db.allocate(p, terms(e, "2002-03-01", "100", Some("2002-09-01")))
        .unwrap();
    let report_day = common::tick();
    // Learned later: certification had happened in 2003, construction in 2004.
    db.certify(p, d("2003-01-01"), "佛府(顺)国用(2003)第1号")
        .unwrap();
    db.start_construction(p, d("2004-02-01")).unwrap();

    let then = db.as_known_at(report_day).as_of(d("2004-12-31"));
    let reported = then.parcel(p).unwrap();
    assert!(reported.certificate.is_none());
    assert_eq!(reported.status(), ParcelStatus::Allocated);
    assert!(reported.idle_as_of(d("2004-12-31")).is_idle());
    let summary_then = then.land_summary().unwrap().total;
    assert_eq!(summary_then.certified_mu, mu("0"));
    assert_eq!(summary_then.idle_mu, mu("52.7272"));

    let now = db.as_of(d("2004-12-31")).land_summary().unwrap().total;
    assert_eq!(now.certified_mu, mu("52.7272"));
    assert_eq!(now.idle_mu, mu("0"));
    assert_eq!(now.under_construction_mu, mu("52.7272"));

    // A parcel recorded after the moment did not exist then.
    let late = parcel(&db, "GP-099", "1", "2001-01-01");
    assert!(matches!(
        db.as_known_at(report_day).parcel(late),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(db.as_known_at(report_day).all_parcels().unwrap().len(), 1);
    // History as known then has only the events recorded by then.
    assert_eq!(
        db.as_known_at(report_day).parcel_history(p).unwrap().len(),
        2
    );
    assert_eq!(db.history(p).unwrap().len(), 4);
}

#[test]
fn a_void_supersedes_an_event_and_keeps_it_in_history() {
    let db = Db::temporary().unwrap();
    let a = firm(&db, "A");
    let b = firm(&db, "B");
    let p = parcel(&db, "GP-1", "40", "2004-01-01");
    let wrong = db.allocate(p, terms(a, "2005-01-01", "100", None)).unwrap();
    let before_void = common::tick();
    let void = db.void(wrong, "allocated to the wrong firm").unwrap();
    assert_eq!(db.parcel(p).unwrap().status(), ParcelStatus::Reserve);
    db.allocate(p, terms(b, "2005-01-01", "100", None)).unwrap();
    assert_eq!(db.parcel(p).unwrap().holder, Some(b));

    // History in valid-date order: the void on the day it was made.
    let history = db.history(p).unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[1].event.id, wrong);
    assert_eq!(history[1].voided_by, Some(void));
    assert!(
        matches!(&history[2].event.body, Body::Domain(ParcelEvent::Allocated { holder, .. }) if *holder == b)
    );
    assert!(
        matches!(&history[3].event.body, Body::Void { target, reason } if *target == wrong && reason.contains("wrong"))
    );

    // Before the void was recorded, the wrong allocation counted.
    let then = db.as_known_at(before_void);
    assert_eq!(then.parcel(p).unwrap().holder, Some(a));
    assert_eq!(then.parcel_history(p).unwrap()[1].voided_by, None);
    assert_eq!(
        then.parcels(&ParcelFilter {
            holder: Some(a),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );
    assert!(db
        .parcels(&ParcelFilter {
            holder: Some(a),
            ..Default::default()
        })
        .unwrap()
        .is_empty());

    // Voiding twice, or voiding a void, is refused.
    assert!(matches!(
        db.void(wrong, "again"),
        Err(Error::Lifecycle { .. })
    ));
    assert!(matches!(
        db.void(void, "undo"),
        Err(Error::Lifecycle { .. })
    ));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_void_lets_an_earlier_date_in_again() {
    let db = Db::temporary().unwrap();
    let p = parcel(&db, "GP-1", "40", "2004-01-01");
    let typo = db.develop(p, d("2014-06-01")).unwrap(); // should have been 2004
    assert!(db.develop(p, d("2004-06-01")).is_err(), "already developed");
    db.void(typo, "year mistyped").unwrap();
    db.develop(p, d("2004-06-01")).unwrap();
    db.certify(p, d("2005-01-01"), "证").unwrap();
    assert_eq!(db.parcel(p).unwrap().developed, Some(d("2004-06-01")));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn as_of_reads_fold_only_events_valid_by_then() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "E");
    let p = parcel(&db, "GP-1", "10", "2001-01-01");
    let q = parcel(&db, "GP-2", "20", "2003-01-01");
    db.develop(p, d("2002-01-01")).unwrap();
    db.allocate(q, terms(e, "2004-01-01", "1", None)).unwrap();
    let s = |date: &str| db.land_summary(d(date)).unwrap().total;
    assert_eq!(s("2000-12-31").parcel_count, 0);
    assert_eq!(s("2001-12-31").requisitioned_mu, mu("10"));
    assert_eq!(s("2001-12-31").developed_mu, mu("0"));
    assert_eq!(s("2002-01-01").developed_mu, mu("10"));
    assert_eq!(s("2003-06-30").requisitioned_mu, mu("30"));
    assert_eq!(s("2003-06-30").supplied_mu, mu("0"));
    assert_eq!(s("2004-01-01").supplied_mu, mu("20"));
    assert_eq!(s("2004-01-01").reserve_mu, mu("10"));
}

/// Reads of the past over many records fold from event runs held in memory
/// (loaded once, then kept up to date at each commit): they must agree with
/// a fresh open of the same files, which loads them again from disk.
#[test]
fn many_records_as_of_a_past_date_agree_after_later_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("db");
    let e = {
        let db = Db::open(&path).unwrap();
        let e = firm(&db, "励精");
        db.write(|tx| {
            for i in 0..400 {
                let p = parcel_in(tx, &format!("P{i}"), "10", "2001-01-01")?;
                tx.develop(p, d("2002-01-01"))?;
                if i % 2 == 0 {
                    tx.allocate(p, terms(e, "2003-06-01", "100", None))?;
                }
            }
            Ok(())
        })
        .unwrap();
        let mid = db.land_summary(d("2002-06-30")).unwrap().total;
        assert_eq!(mid.developed_mu, mu("4000"));
        assert_eq!(mid.supplied_mu, mu("0"));
        // Later writes, some dated before the day read, after the runs loaded.
        let late = parcel(&db, "LATE", "5", "2001-03-01");
        db.develop(late, d("2002-02-01")).unwrap();
        let first = db.parcel_by_code("P1").unwrap().id;
        db.allocate(first, terms(e, "2002-03-01", "7", None))
            .unwrap();
        let wrong = db.history(first).unwrap().last().unwrap().event.id;
        db.void(wrong, "allocated to the wrong parcel").unwrap();
        db.allocate(first, terms(e, "2002-04-01", "8", None))
            .unwrap();
        let after = db.land_summary(d("2002-06-30")).unwrap();
        assert_eq!(after.total.developed_mu, mu("4005"));
        assert_eq!(after.total.supplied_mu, mu("10"));
        assert_eq!(
            db.as_of(d("2002-06-30"))
                .parcel(first)
                .unwrap()
                .supply
                .unwrap()
                .price,
            common::yuan("8")
        );
        db.flush().unwrap();
        (e, after)
    };
    let db = Db::open(&path).unwrap();
    assert_eq!(db.land_summary(d("2002-06-30")).unwrap(), e.1);
    let held = db
        .as_of(d("2002-06-30"))
        .parcels(&ParcelFilter {
            holder: Some(e.0),
            ..ParcelFilter::default()
        })
        .unwrap();
    assert_eq!(held.len(), 1);
}

/// Thousands of records to fold as of a past date are folded on two
/// threads, a chunk at a time: the figures must be those of each parcel
/// read as of that date on its own.
#[test]
fn a_read_of_the_past_over_thousands_of_records_agrees_with_each_record() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "励精");
    db.write(|tx| {
        for i in 0..5000 {
            let p = tx.add_parcel(parkdb::NewParcel::new(
                format!("P{i}"),
                mu(&format!("{}", 1 + i % 7)),
                parkdb::LandUse::Industrial,
                d("2001-01-01"),
            ))?;
            tx.develop(
                p,
                d(if i % 3 == 0 {
                    "2002-01-01"
                } else {
                    "2003-01-01"
                }),
            )?;
            if i % 2 == 0 {
                tx.allocate(p, terms(e, "2003-06-01", "100", None))?;
            }
        }
        Ok(())
    })
    .unwrap();
    let at = d("2002-06-30");
    let summary = db.land_summary(at).unwrap().total;
    let view = db.as_of(at);
    let mut developed = parkdb::Mu::ZERO;
    let mut total = parkdb::Mu::ZERO;
    for p in db.parcels(&ParcelFilter::default()).unwrap() {
        let then = view.parcel(p.id).unwrap();
        total = total.checked_add(then.area).unwrap();
        if then.developed.is_some() {
            developed = developed.checked_add(then.area).unwrap();
        }
        assert!(then.holder.is_none());
    }
    assert_eq!(summary.parcel_count, 5000);
    assert_eq!(summary.requisitioned_mu, total);
    assert_eq!(summary.developed_mu, developed);
    assert_eq!(summary.supplied_mu, parkdb::Mu::ZERO);
    let all_then = view.all_parcels().unwrap();
    assert_eq!(all_then.len(), 5000);
    assert!(all_then.windows(2).all(|w| w[0].id < w[1].id));
}

/// Who held a parcel at a past date, or as known at a past moment, is
/// answered from every holder its events ever named — a voided allocation
/// and a transfer's seller included — both in the session that wrote them
/// and in a later one that derives them from the stored events.
#[test]
fn holders_of_the_past_include_voided_and_transferred_ones_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (seller, buyer, wrong, p, q, before_void) = {
        let db = Db::open(&path).unwrap();
        let seller = firm(&db, "卖方");
        let buyer = firm(&db, "买方");
        let wrong = firm(&db, "错录");
        let p = parcel(&db, "GP-1", "10", "2001-01-01");
        let q = parcel(&db, "GP-2", "20", "2001-01-01");
        // The in-memory view is loaded now, and kept up to date by each write.
        assert_eq!(db.parcels(&ParcelFilter::default()).unwrap().len(), 2);
        db.allocate(p, terms(seller, "2002-01-01", "100", None))
            .unwrap();
        db.transfer(p, buyer, d("2004-01-01"), "150".parse().unwrap())
            .unwrap();
        let mistaken = db
            .allocate(q, terms(wrong, "2002-06-01", "200", None))
            .unwrap();
        let before_void = common::tick();
        db.void(mistaken, "entered under the wrong firm").unwrap();
        let then = db
            .as_known_at(before_void)
            .as_of(d("2003-01-01"))
            .parcels(&ParcelFilter {
                holder: Some(wrong),
                ..ParcelFilter::default()
            })
            .unwrap();
        assert_eq!(then.len(), 1);
        assert_eq!(then[0].id, q);
        db.flush().unwrap();
        (seller, buyer, wrong, p, q, before_void)
    };
    for _session in 0..2 {
        let db = Db::open(&path).unwrap();
        let held = |view: parkdb::View<'_>, holder| -> Vec<parkdb::ParcelId> {
            view.parcels(&ParcelFilter {
                holder: Some(holder),
                ..ParcelFilter::default()
            })
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect()
        };
        assert_eq!(held(db.as_of(d("2003-01-01")), seller), vec![p]);
        assert_eq!(held(db.as_of(d("2003-01-01")), buyer), vec![]);
        assert_eq!(held(db.as_of(d("2005-01-01")), buyer), vec![p]);
        assert_eq!(held(db.as_of(d("2005-01-01")), seller), vec![]);
        assert_eq!(held(db.as_of(d("2003-01-01")), wrong), vec![]);
        assert_eq!(
            held(db.as_known_at(before_void).as_of(d("2003-01-01")), wrong),
            vec![q]
        );
        drop(db);
    }
}

/// As of a date before a parcel's requisition the parcel does not exist,
/// whether it is read alone, among a few changed since or among hundreds
/// (a split's children inherit their parent's requisition date but exist
/// only from the split).
#[test]
fn parcels_requisitioned_later_do_not_exist_as_of_earlier_dates() {
    let db = Db::temporary().unwrap();
    let early = parcel(&db, "A", "10", "2001-01-01");
    db.develop(early, d("2005-01-01")).unwrap();
    let whole = parcel(&db, "C", "30", "2001-01-01");
    let kids = db
        .split(
            whole,
            d("2004-06-01"),
            &[("C-1", mu("10")), ("C-2", mu("20"))],
        )
        .unwrap();
    let late = parcel(&db, "B", "5", "2004-01-01");
    db.develop(late, d("2004-06-01")).unwrap();
    let at = d("2003-12-31");
    {
        let s = db.land_summary(at).unwrap().total;
        assert_eq!(s.parcel_count, 2, "A and C, not yet split");
        assert_eq!(s.requisitioned_mu, mu("40"));
        assert!(matches!(
            db.parcel_as_of(late, at),
            Err(Error::NotFound { .. })
        ));
        for kid in &kids {
            assert!(matches!(
                db.parcel_as_of(*kid, at),
                Err(Error::NotFound { .. })
            ));
        }
        assert_eq!(db.parcel_as_of(whole, at).unwrap().area, mu("30"));
        let listed = db.as_of(at).parcels(&ParcelFilter::default()).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(db.parcels(&ParcelFilter::default()).unwrap().len(), 5);
    }
    // Hundreds more changed since the date: the read folds from the
    // events in memory.
    db.write(|tx| {
        for i in 0..400 {
            let p = parcel_in(
                tx,
                &format!("L{i}"),
                "1",
                if i % 2 == 0 {
                    "2002-01-01"
                } else {
                    "2006-01-01"
                },
            )?;
            tx.develop(p, d("2007-01-01"))?;
        }
        Ok(())
    })
    .unwrap();
    let s = db.land_summary(at).unwrap().total;
    assert_eq!(s.parcel_count, 2 + 200);
    assert_eq!(s.requisitioned_mu, mu("240"));
    assert!(matches!(
        db.parcel_as_of(late, at),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        db.as_of(at)
            .parcels(&ParcelFilter::default())
            .unwrap()
            .len(),
        202
    );
}

/// A ledger loads in two halves of its ids, indexed apart and joined: the
/// lookups of both halves (codes, holders, statuses, the holder history)
/// answer as one.
#[test]
fn a_ledger_loaded_in_halves_answers_every_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (a, b, ids) = {
        let db = Db::open(&path).unwrap();
        let a = firm(&db, "甲");
        let b = firm(&db, "乙");
        let ids = db
            .write(|tx| {
                let mut ids = Vec::new();
                for i in 0..300 {
                    let p = parcel_in(tx, &format!("H{i}"), "1", "2001-01-01")?;
                    let holder = if i % 2 == 0 { a } else { b };
                    tx.allocate(p, terms(holder, "2002-01-01", "1", None))?;
                    if i % 3 == 0 {
                        tx.transfer(
                            p,
                            if i % 2 == 0 { b } else { a },
                            d("2003-01-01"),
                            "1".parse()?,
                        )?;
                    }
                    ids.push(p);
                }
                Ok(ids)
            })
            .unwrap();
        db.flush().unwrap();
        (a, b, ids)
    };
    let db = Db::open(&path).unwrap();
    let of = |holder, date: Option<&str>| {
        let filter = ParcelFilter {
            holder: Some(holder),
            ..ParcelFilter::default()
        };
        match date {
            Some(date) => db.as_of(d(date)).parcels(&filter).unwrap().len(),
            None => db.parcels(&filter).unwrap().len(),
        }
    };
    // Every third parcel changed hands in 2003.
    assert_eq!(of(a, Some("2002-06-30")), 150);
    assert_eq!(of(b, Some("2002-06-30")), 150);
    assert_eq!(of(a, None), 100 + 50);
    assert_eq!(of(b, None), 100 + 50);
    let allocated = db
        .parcels(&ParcelFilter {
            status: Some(ParcelStatus::Allocated),
            ..ParcelFilter::default()
        })
        .unwrap();
    assert_eq!(allocated.len(), 300);
    assert_eq!(db.parcel_by_code("H0").unwrap().id, ids[0]);
    assert_eq!(db.parcel_by_code("H299").unwrap().id, ids[299]);
}

/// The promise the README makes: a unit of work is recorded when it
/// commits, the moment readers see it, so `as_known_at(t)` reads what a
/// reader saw at `t`, even of a unit that was open across that read.
#[test]
fn a_unit_open_across_a_read_is_known_from_its_commit_not_its_begin() {
    use std::sync::mpsc;
    let db = Db::temporary().unwrap();
    for i in 0..3 {
        parcel(&db, &format!("GP-{i}"), "1", "2001-01-01");
    }
    let (began, began_rx) = mpsc::channel();
    let (go, go_rx) = mpsc::channel::<()>();
    let writer = {
        let db = db.clone();
        std::thread::spawn(move || {
            let mut tx = db.begin().unwrap();
            let a = parcel_in(&mut tx, "GP-LATE-1", "2", "2001-01-01").unwrap();
            tx.develop(a, d("2001-02-01")).unwrap();
            parcel_in(&mut tx, "GP-LATE-2", "3", "2001-01-01").unwrap();
            began.send(tx.began()).unwrap();
            go_rx.recv().unwrap();
            tx.commit().unwrap();
            a
        })
    };
    let unit_began = began_rx.recv().unwrap();
    // A reader sees three parcels while the unit is open, and notes when.
    let seen = db.now().all_parcels().unwrap().len();
    let published = chrono::Utc::now();
    assert_eq!(seen, 3);
    assert!(unit_began < published);
    go.send(()).unwrap();
    let late = writer.join().unwrap();

    assert_eq!(db.now().all_parcels().unwrap().len(), 5);
    assert_eq!(db.as_known_at(published).all_parcels().unwrap().len(), seen);
    assert_eq!(
        db.as_known_at(published)
            .as_of(d("2001-12-31"))
            .land_summary()
            .unwrap()
            .total
            .parcel_count,
        3
    );
    // Every event of the unit has one recorded time: its commit's, after
    // the read, and the database's clock says so.
    let history = db.history(late).unwrap();
    assert_eq!(history.len(), 2);
    let stamp = history[0].event.recorded;
    assert!(history.iter().all(|h| h.event.recorded == stamp));
    assert!(stamp.to_datetime() > published);
    assert_eq!(db.last_recorded().unwrap(), Some(stamp.to_datetime()));
    assert_eq!(
        db.as_known_at(stamp.to_datetime())
            .all_parcels()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn units_are_recorded_in_strictly_increasing_order_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let mut stamps = Vec::new();
    for round in 0..3 {
        let db = Db::open(&path).unwrap();
        for i in 0..20 {
            parcel(&db, &format!("GP-{round}-{i}"), "1", "2001-01-01");
            stamps.push(db.last_recorded().unwrap().unwrap());
        }
        db.close().unwrap();
    }
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
}

/// A `View` is a snapshot: reads through one agree with each other, by
/// count and by content, while other threads commit units of work.
#[test]
fn reads_through_one_view_agree_while_others_write() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let db = Db::temporary().unwrap();
    for i in 0..50 {
        parcel(&db, &format!("GP-{i}"), "1", "2001-01-01");
    }
    let writing = AtomicUsize::new(4);
    std::thread::scope(|s| {
        for w in 0..4 {
            let (db, writing) = (&db, &writing);
            s.spawn(move || {
                for i in 0..40 {
                    let mut tx = db.begin().unwrap();
                    parcel_in(&mut tx, &format!("W{w}-{i}"), "2", "2001-01-01").unwrap();
                    parcel_in(&mut tx, &format!("W{w}-{i}b"), "3", "2001-01-01").unwrap();
                    tx.commit().unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                writing.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let (mut views, mut moved_on) = (0, 0);
        while writing.load(Ordering::SeqCst) > 0 || views < 20 {
            views += 1;
            let v = db.now();
            let first: Vec<String> = v
                .all_parcels()
                .unwrap()
                .into_iter()
                .map(|p| p.code)
                .collect();
            let summary = v.land_summary().unwrap().total;
            let table = v.parcels_table(&ParcelFilter::default()).unwrap();
            let again: Vec<String> = v
                .all_parcels()
                .unwrap()
                .into_iter()
                .map(|p| p.code)
                .collect();
            assert_eq!(first, again, "two reads of the parcels through one view");
            assert_eq!(summary.parcel_count, first.len() as u64);
            assert_eq!(table.num_rows(), first.len());
            let area: i64 = v
                .all_parcels()
                .unwrap()
                .iter()
                .map(|p| p.area.millionths())
                .sum();
            assert_eq!(summary.requisitioned_mu.millionths(), area);
            // Units of work go in whole: a writer's two parcels, or neither.
            assert_eq!(
                first.iter().filter(|c| c.ends_with('b')).count() * 2,
                first.len() - 50
            );
            if db.now().all_parcels().unwrap().len() != first.len() {
                moved_on += 1;
            }
        }
        assert!(
            moved_on > 0,
            "the writers committed while views were read ({views} views)"
        );
    });
    assert_eq!(db.now().all_parcels().unwrap().len(), 50 + 4 * 40 * 2);
}

/// The events table names each entity by its code, also as known at a
/// past moment (where the code comes from the events folded then) and
/// for a parcel the database has not loaded.
#[test]
fn the_events_table_names_each_entity_by_its_code_as_known_then() {
    use arrow_array::{Array, StringArray};
    let db = Db::temporary().unwrap();
    let first = parcel(&db, "GP-101", "10", "2001-05-01");
    db.develop(first, d("2001-06-01")).unwrap();
    let then = common::tick();
    parcel(&db, "GP-102", "12", "2001-05-01");
    let codes = |t: &arrow_array::RecordBatch| -> Vec<String> {
        let c = t
            .column_by_name("code")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        (0..c.len()).map(|i| c.value(i).to_owned()).collect()
    };
    let filter = parkdb::tables::EventFilter::default();
    let past = db.as_known_at(then).events_table(&filter).unwrap();
    assert_eq!(codes(&past), ["GP-101", "GP-101"]);
    let now = db.now().events_table(&filter).unwrap();
    assert_eq!(codes(&now), ["GP-101", "GP-101", "GP-102"]);
}
