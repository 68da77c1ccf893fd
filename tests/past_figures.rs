//! The land figures of a past date come from each parcel's steps (its
//! part in the figures in each of its states, kept by the in-memory view
//! and its checkpoint), not from folding its events. They must be exactly
//! the figures of every parcel folded as of that date — read here as
//! known now, which folds the stored events — on every date a parcel
//! changed, the day before it and a day a month: in the handle that wrote
//! them, loaded from a checkpoint, with units of work folded on top of
//! one, and folded from the events without one; with history entered
//! late, voids, idle land, reclamations and splits.

mod common;

use chrono::{Datelike, Months, NaiveDate};
use common::{d, each_byte_flipped_from_the_end, firm, mu, parcel, terms};
use parkdb::Db;

/// Every date a parcel's events are valid on and the day before it, and
/// the first of every month from the first of them to three years after
/// the last (idle land turns idle and reclaimable on no event's date).
fn dates(db: &Db) -> Vec<NaiveDate> {
    let mut dates = std::collections::BTreeSet::new();
    for p in db.now().all_parcels().unwrap() {
        for entry in db.history(p.id).unwrap() {
            let valid = entry.event.valid;
            dates.insert(valid);
            dates.insert(valid.pred_opt().unwrap());
        }
    }
    let first = *dates.first().unwrap();
    let last = *dates.last().unwrap() + Months::new(36);
    let mut month = first.with_day(1).unwrap();
    while month <= last {
        dates.insert(month);
        month = month + Months::new(1);
    }
    dates.into_iter().collect()
}

/// The figures of every date agree with the folds of every parcel.
fn agree(db: &Db, why: &str) {
    let folded = db.as_known_at(common::tick());
    for date in dates(db) {
        assert_eq!(
            db.land_summary(date).unwrap(),
            folded.as_of(date).land_summary().unwrap(),
            "{why}: the land figures of {date}"
        );
    }
}

/// History of every kind the figures see, some of it entered late.
fn more_history(db: &Db, round: u32) {
    let code = |s: &str| format!("{s}-{round}");
    let firm_a = firm(db, &code("晚录企业"));
    let pa = parcel(db, &code("LATE-A"), "30", "2003-01-01");
    db.allocate(
        pa,
        terms(firm_a, "2004-01-01", "2000000", Some("2004-06-01")),
    )
    .unwrap();
    db.develop(pa, d("2004-12-01")).unwrap();
    // Found in a drawer: the certificate of 2003, entered after 2004.
    db.certify(pa, d("2003-06-01"), &code("国用(2003)"))
        .unwrap();
    // Idle past two years, reclaimed and supplied again.
    db.reclaim(pa, d("2007-01-01"), "闲置满两年").unwrap();
    let firm_b = firm(db, &code("再供企业"));
    db.allocate(
        pa,
        terms(firm_b, "2007-06-01", "2500000", Some("2008-01-01")),
    )
    .unwrap();
    db.start_construction(pa, d("2007-09-01")).unwrap();
    // Declared idle, and a development voided.
    let pb = parcel(db, &code("LATE-B"), "12.5", "2002-03-01");
    db.allocate(
        pb,
        terms(firm_a, "2003-01-01", "900000", Some("2009-01-01")),
    )
    .unwrap();
    db.write(|tx| tx.declare_idle(pb, d("2004-06-01"), None).map(|_| ()))
        .unwrap();
    let wrong = db.develop(pb, d("2004-09-01")).unwrap();
    db.void(wrong, "developed in error").unwrap();
    // A split, and one of its parts supplied.
    let pc = parcel(db, &code("LATE-C"), "40", "2002-01-01");
    db.develop(pc, d("2004-11-01")).unwrap();
    db.write(|tx| {
        tx.split(
            pc,
            d("2006-01-01"),
            &[(code("LATE-C1"), mu("15")), (code("LATE-C2"), mu("25"))],
        )
        .map(|_| ())
    })
    .unwrap();
    let c1 = db.parcel_by_code(&code("LATE-C1")).unwrap().id;
    db.allocate(
        c1,
        terms(firm_a, "2006-03-01", "500000", Some("2006-09-01")),
    )
    .unwrap();
    // A parcel of the round before, in the checkpoint now, gains a late
    // certificate.
    if round > 1 {
        let earlier = db.parcel_by_code(&format!("LATE-B-{}", round - 1)).unwrap();
        db.certify(earlier.id, d("2002-06-01"), &code("补证"))
            .unwrap();
    }
}

#[test]
fn past_figures_from_steps_are_the_folds_of_every_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    {
        let db = Db::open(&path).unwrap();
        parkdb::example::build_seed(&db).unwrap();
        agree(&db, "the example zone, in the handle that wrote it");
        more_history(&db, 1);
        agree(&db, "history entered late, in the handle that wrote it");
    }
    {
        // Closing wrote the checkpoint; this handle loads it.
        let db = Db::open(&path).unwrap();
        agree(&db, "loaded from the checkpoint");
        assert_eq!(parcels_loaded(&db), Some(true));
        more_history(&db, 2);
        agree(&db, "units of work after the checkpoint");
    }
    {
        // A few units of work since the checkpoint: folded on top of it.
        let db = Db::open(&path).unwrap();
        agree(&db, "units of work folded on top of the checkpoint");
        assert!(db.check().unwrap().is_clean());
        db.checkpoint().unwrap();
        assert!(db.check().unwrap().is_clean());
    }
    std::fs::remove_dir_all(path.join("checkpoint")).unwrap();
    let db = Db::open(&path).unwrap();
    agree(&db, "folded from the events, without a checkpoint");
    assert!(db.check().unwrap().is_clean());
}

/// A parcel counts idle in the figures from `idle_since` on: exactly the
/// days `idle_as_of` says it is idle, in every state of every parcel.
#[test]
fn idle_since_is_the_first_day_idle_as_of_is_idle() {
    let db = Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    more_history(&db, 1);
    let days = dates(&db);
    let mut idle_days = 0;
    for &state_date in &days {
        for p in db.as_of(state_date).all_parcels().unwrap() {
            let since = p.idle_since();
            for &day in days.iter().filter(|&&day| day >= state_date) {
                let idle = p.idle_as_of(day).is_idle();
                idle_days += usize::from(idle);
                assert_eq!(
                    idle,
                    since.is_some_and(|s| s <= day),
                    "{} as of {state_date}, on {day}",
                    p.code
                );
            }
        }
    }
    assert!(idle_days > 0, "no parcel was ever idle");
}

/// The example zone with history entered late, in a database at `path`
/// (closing it writes its checkpoints).
fn zone_with_late_history(path: &std::path::Path) -> Db {
    let db = Db::open(path).unwrap();
    parkdb::example::build_seed(&db).unwrap();
    more_history(&db, 1);
    db
}

/// Whether the parcels' records are loaded, and if so from the checkpoint.
fn parcels_loaded(db: &Db) -> Option<bool> {
    db.checkpoints()
        .unwrap()
        .into_iter()
        .find(|c| c.ledger == "parcel")
        .unwrap()
        .loaded_from_checkpoint
}

/// What a fresh process's first reads of the land figures show: the
/// present, every date of `dates`, and the land of each firm evaluated.
fn figures(db: &Db, dates: &[NaiveDate]) -> Vec<String> {
    let mut seen = vec![format!("{:?}", db.now().land_summary().unwrap())];
    for date in dates {
        seen.push(format!("{:?}", db.land_summary(*date).unwrap()));
    }
    let scheme = parkdb::scheme::huangyan_2022();
    let rows = db.now().evaluate(&scheme, 2022).unwrap().rows;
    seen.push(format!("{rows:?}"));
    seen
}

#[test]
fn a_fresh_process_reads_the_land_figures_from_the_steps_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let (dates, want) = {
        let db = zone_with_late_history(&path);
        let dates = dates(&db);
        (dates.clone(), figures(&db, &dates))
    };
    let checkpoint = path.join("checkpoint/parcel.ckpt");
    let kept = std::fs::read(&checkpoint).unwrap();

    // A new process: the figures of the present, of past dates and the
    // evaluation's land come from the steps; no parcel record is decoded.
    let db = Db::open(&path).unwrap();
    assert_eq!(figures(&db, &dates), want);
    assert_eq!(parcels_loaded(&db), None, "the records were not needed");
    // A unit of work: the records load and serve the figures after it.
    more_history(&db, 2);
    let dates = self::dates(&db);
    assert_eq!(parcels_loaded(&db), Some(true));
    agree(
        &db,
        "after a unit of work, in a handle that read the steps alone",
    );
    let want = figures(&db, &dates);
    drop(db);

    // Units of work stored after the checkpoint (an older parkdb's, say):
    // folded on top of its steps, entity by entity.
    std::fs::write(&checkpoint, &kept).unwrap();
    let db = Db::open(&path).unwrap();
    assert_eq!(figures(&db, &dates), want);
    assert_eq!(parcels_loaded(&db), None);
    assert!(db.check().unwrap().is_clean());
    drop(db);

    // A byte flipped near the end of the file, in the steps part or the
    // codes after it: the figures say the same. Damage in the steps is
    // found by their checksum, and the records are folded instead.
    let mut folded = 0;
    each_byte_flipped_from_the_end(&checkpoint, 4000, 37, 0x40, |back| {
        let db = Db::open(&path).unwrap();
        assert_eq!(
            figures(&db, &dates),
            want,
            "a byte flipped {back} from the end"
        );
        folded += usize::from(parcels_loaded(&db) == Some(false));
    });
    assert!(folded > 0, "no flip fell in the steps");

    // A parcel whose land is requisitioned after today: the present holds
    // it, today's steps do not, so the present's figures come from the
    // records; a past date's still from the steps.
    let db = Db::open(&path).unwrap();
    let later = chrono::Utc::now().date_naive() + chrono::Days::new(400);
    parcel(&db, "LATER", "7", &later.to_string());
    let present = db.now().land_summary().unwrap();
    let past = db.land_summary(d("2006-06-30")).unwrap();
    db.checkpoint().unwrap();
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(db.land_summary(d("2006-06-30")).unwrap(), past);
    assert_eq!(parcels_loaded(&db), None);
    let now = db.now().land_summary().unwrap();
    assert_eq!(now, present);
    assert_eq!(parcels_loaded(&db), Some(true));
    assert!(now.total.parcel_count > past.total.parcel_count);
    assert_eq!(
        now.total.requisitioned_mu,
        db.as_of(later)
            .land_summary()
            .unwrap()
            .total
            .requisitioned_mu
    );
}

/// What filters of the present find: every status, land use and holder,
/// and a holder's parcels of one status.
fn filtered(db: &Db, holders: &[parkdb::EnterpriseId]) -> Vec<String> {
    use parkdb::{LandUse, ParcelFilter, ParcelStatus};
    let mut filters: Vec<ParcelFilter> = Vec::new();
    for &status in ParcelStatus::ALL {
        filters.push(ParcelFilter {
            status: Some(status),
            ..ParcelFilter::default()
        });
    }
    for &land_use in LandUse::ALL {
        filters.push(ParcelFilter {
            land_use: Some(land_use),
            ..ParcelFilter::default()
        });
    }
    for &holder in holders {
        filters.push(ParcelFilter {
            holder: Some(holder),
            ..ParcelFilter::default()
        });
        filters.push(ParcelFilter {
            holder: Some(holder),
            status: Some(ParcelStatus::Allocated),
            land_use: Some(LandUse::Industrial),
        });
    }
    filters
        .iter()
        .map(|f| format!("{f:?}: {:?}", db.now().parcels(f).unwrap()))
        .collect()
}

#[test]
fn a_fresh_process_filters_the_parcels_through_their_steps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let (holders, want) = {
        let db = zone_with_late_history(&path);
        let mut holders: Vec<_> = db
            .now()
            .all_parcels()
            .unwrap()
            .iter()
            .filter_map(|p| p.holder)
            .collect();
        holders.sort_unstable();
        holders.dedup();
        assert!(holders.len() > 3);
        let want = filtered(&db, &holders);
        (holders, want)
    };
    let checkpoint = path.join("checkpoint/parcel.ckpt");
    let kept = std::fs::read(&checkpoint).unwrap();

    // A new process: the candidates come from the steps, each parcel
    // found is read alone, and the records never load.
    let db = Db::open(&path).unwrap();
    assert_eq!(filtered(&db, &holders), want);
    assert_eq!(parcels_loaded(&db), None);
    // Changes since: a holder's parcels, new and old, after a unit of work
    // (the records load for it, as before).
    more_history(&db, 2);
    let holder = holders[0];
    let many = firm(&db, "大户企业");
    db.write(|w| {
        for i in 0..2_100 {
            let p = common::parcel_in(w, &format!("MANY-{i}"), "1", "2010-01-01")?;
            w.allocate(p, terms(many, "2010-02-01", "1000", None))?;
        }
        Ok(())
    })
    .unwrap();
    let mut holders = holders;
    holders.push(many);
    let want = filtered(&db, &holders);
    drop(db);

    // The old checkpoint, with those units of work folded on top of its
    // steps: the same parcels; a holder of more parcels than are worth
    // reading one by one loads the records.
    std::fs::write(&checkpoint, &kept).unwrap();
    let db = Db::open(&path).unwrap();
    let f = |holder| parkdb::ParcelFilter {
        holder: Some(holder),
        ..parkdb::ParcelFilter::default()
    };
    assert_eq!(
        format!(
            "{:?}: {:?}",
            f(holder),
            db.now().parcels(&f(holder)).unwrap()
        ),
        want[want.len() - 2 * holders.len()]
    );
    assert_eq!(parcels_loaded(&db), None);
    assert_eq!(db.now().parcels(&f(many)).unwrap().len(), 2_100);
    assert_eq!(parcels_loaded(&db), Some(true));
    assert_eq!(filtered(&db, &holders), want);
}

/// Each firm's parcels now, by holder alone and with each status and
/// land use beside it, as codes.
fn held(db: &Db) -> Vec<(u64, String, Vec<String>)> {
    use parkdb::{LandUse, ParcelFilter, ParcelStatus};
    let mut seen = Vec::new();
    let now = db.now();
    for firm in now.enterprises().unwrap() {
        let holder = Some(firm.id);
        let mut filters = vec![ParcelFilter {
            holder,
            ..ParcelFilter::default()
        }];
        for status in ParcelStatus::ALL {
            filters.push(ParcelFilter {
                holder,
                status: Some(*status),
                ..ParcelFilter::default()
            });
        }
        for land_use in LandUse::ALL {
            filters.push(ParcelFilter {
                holder,
                land_use: Some(*land_use),
                ..ParcelFilter::default()
            });
        }
        for filter in filters {
            let codes = now
                .parcels(&filter)
                .unwrap()
                .into_iter()
                .map(|p| p.code)
                .collect();
            seen.push((firm.id.0, format!("{filter:?}"), codes));
        }
    }
    seen
}

#[test]
fn a_fresh_process_finds_a_holders_parcels_from_the_steps_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let want = {
        let db = zone_with_late_history(&path);
        held(&db)
    };
    assert!(
        want.iter().filter(|w| !w.2.is_empty()).count() > 10,
        "firms hold parcels"
    );
    let checkpoint = path.join("checkpoint/parcel.ckpt");
    let kept = std::fs::read(&checkpoint).unwrap();

    // A new process: each holder's parcels come from the steps' index by
    // holder; no parcel's record is loaded.
    let db = Db::open(&path).unwrap();
    assert_eq!(held(&db), want);
    assert_eq!(parcels_loaded(&db), None, "the records were not needed");
    // A unit of work gives a parcel another holder.
    more_history(&db, 2);
    let want = held(&db);
    drop(db);

    // The units of work stored after the checkpoint are folded on top of
    // its steps, the new holders with them.
    std::fs::write(&checkpoint, &kept).unwrap();
    let db = Db::open(&path).unwrap();
    assert_eq!(held(&db), want);
    assert_eq!(parcels_loaded(&db), None);
}
