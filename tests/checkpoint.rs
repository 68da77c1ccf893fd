//! Checkpoints of the in-memory view: a new process loads a ledger from
//! its checkpoint when it matches the stored events, folds on top what was
//! stored after it, and ignores (and later rewrites) one that is stale in
//! the other direction, damaged, deleted or of another history. Reads are
//! the same either way, and `check()` compares a checkpoint with the folds.

mod common;

use std::path::Path;

use common::{d, each_byte_flipped_from_the_end, firm, mu, terms};
use parkdb::{ApplicationFilter, Db, LandUse, NewParcel};

/// Everything a read of the present shows of the ledgers, in full (the
/// fields events set that stored states skip included).
fn fingerprint(db: &Db) -> String {
    let now = db.now();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        now.all_parcels().unwrap(),
        now.enterprises().unwrap(),
        now.programmes().unwrap(),
        now.applications(&ApplicationFilter::default()).unwrap()
    )
}

/// The example zone in `path`, closed (which writes checkpoints of the
/// ledgers it read).
fn example(path: &Path) -> String {
    let db = Db::open(path).unwrap();
    parkdb::example::build_seed(&db).unwrap();
    let seen = fingerprint(&db);
    db.close().unwrap();
    seen
}

fn status(db: &Db, ledger: &str) -> parkdb::CheckpointStatus {
    db.checkpoints()
        .unwrap()
        .into_iter()
        .find(|s| s.ledger == ledger)
        .unwrap()
}

/// What a fold of every event shows: the same database with its
/// checkpoints deleted, in a copy.
fn folded(path: &Path) -> String {
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path().join("backup.parkdb");
    Db::open(path).unwrap().backup(&dir).unwrap();
    let db = Db::open(&dir).unwrap();
    assert_eq!(
        status(&db, "parcel").unused.as_deref(),
        Some("there is none")
    );
    let seen = fingerprint(&db);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(false));
    seen
}

/// A parcel of the example that is not retired by a split.
fn live_parcel(db: &Db) -> parkdb::ParcelId {
    db.now()
        .all_parcels()
        .unwrap()
        .iter()
        .find(|p| p.retired.is_none())
        .unwrap()
        .id
}

fn add_parcels(db: &Db, from: usize, n: usize) {
    let holder = firm(db, &format!("late firm {from}"));
    db.write(|w| {
        for i in from..from + n {
            let p = w.add_parcel(NewParcel::new(
                format!("LATE-{i}").as_str(),
                mu("2.5"),
                LandUse::Industrial,
                d("2004-01-01"),
            ))?;
            w.develop(p, d("2004-02-01"))?;
            w.allocate(p, terms(holder, "2004-03-01", "100000", None))?;
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_new_process_loads_the_checkpoint_and_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let built = example(&path);
    {
        use std::os::unix::fs::PermissionsExt;
        let file = path.join("checkpoint/parcel.ckpt");
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a checkpoint is private: {mode:o}");
    }
    for ledger in ["parcel", "enterprise", "programme", "application"] {
        assert!(
            path.join("checkpoint")
                .join(format!("{ledger}.ckpt"))
                .exists(),
            "{ledger}"
        );
    }

    let db = Db::open(&path).unwrap();
    let parcel = status(&db, "parcel");
    assert_eq!(parcel.unused, None, "{parcel:?}");
    assert_eq!(parcel.loaded_from_checkpoint, None);
    assert_eq!(fingerprint(&db), built);
    for ledger in ["parcel", "enterprise", "programme", "application"] {
        assert_eq!(
            status(&db, ledger).loaded_from_checkpoint,
            Some(true),
            "{ledger}"
        );
    }
    // Boundaries, buildings, money and firms' records came back too.
    let parcels = db.now().all_parcels().unwrap();
    assert!(parcels.iter().all(|p| p.boundary.is_some()));
    assert!(parcels.iter().any(|p| !p.register.is_empty()));
    assert!(parcels.iter().any(|p| p.account.is_some()));
    assert!(db
        .now()
        .enterprises()
        .unwrap()
        .iter()
        .any(|e| e.fees.is_some()));
    assert!(db
        .now()
        .enterprises()
        .unwrap()
        .iter()
        .any(|e| e.record.is_some()));
    // Queries answered from the lookups the checkpoint rebuilt.
    let holder = parcels.iter().find_map(|p| p.holder).unwrap();
    assert!(!db.now().holdings(holder).unwrap().is_empty());
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    drop(db);
    assert_eq!(folded(&path), built);
}

#[test]
fn a_stale_checkpoint_folds_what_came_after_it() {
    // An older parkdb (or a process killed before it closed) adds events
    // and leaves the checkpoint as it was: the next process loads it and
    // folds the units of work stored after it on top.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    example(&path);
    let kept = std::fs::read(path.join("checkpoint/parcel.ckpt")).unwrap();
    let db = Db::open(&path).unwrap();
    let first = live_parcel(&db);
    add_parcels(&db, 0, 5);
    db.write(|w| {
        w.set_parcel_note(first, d("2006-05-01"), Some("surveyed again"))
            .map(drop)
    })
    .unwrap();
    let after = fingerprint(&db);
    db.close().unwrap();
    std::fs::write(path.join("checkpoint/parcel.ckpt"), &kept).unwrap();

    let db = Db::open(&path).unwrap();
    assert_eq!(status(&db, "parcel").unused, None);
    assert_eq!(fingerprint(&db), after);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(true));
    assert_eq!(
        db.now().parcel(first).unwrap().note.as_deref(),
        Some("surveyed again")
    );
    let late = db.now().all_parcels().unwrap();
    assert_eq!(
        late.iter().filter(|p| p.code.starts_with("LATE-")).count(),
        5
    );
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    drop(db);
    // A few units of work beyond it are folded on top at each load more
    // cheaply than a province's checkpoint is written again: closing left
    // it, and the next process reads the same.
    assert_eq!(
        std::fs::read(path.join("checkpoint/parcel.ckpt")).unwrap(),
        kept
    );
    let db = Db::open(&path).unwrap();
    assert_eq!(fingerprint(&db), after);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(true));
    drop(db);
    assert_eq!(folded(&path), after);
}

#[test]
fn a_damaged_checkpoint_is_ignored_and_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let built = example(&path);
    let file = path.join("checkpoint/parcel.ckpt");
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();
    // And one cut short.
    let enterprise = path.join("checkpoint/enterprise.ckpt");
    let whole = std::fs::read(&enterprise).unwrap();
    std::fs::write(&enterprise, &whole[..whole.len() - 10]).unwrap();

    let db = Db::open(&path).unwrap();
    let parcel = status(&db, "parcel");
    assert!(
        parcel.unused.as_deref().unwrap().contains("damaged"),
        "{parcel:?}"
    );
    assert!(status(&db, "enterprise")
        .unused
        .unwrap()
        .contains("damaged"));
    assert_eq!(fingerprint(&db), built);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(false));
    assert_eq!(status(&db, "programme").loaded_from_checkpoint, Some(true));
    // An unused checkpoint harms nothing: the check finds no problem.
    assert!(db.check().unwrap().is_clean());
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(status(&db, "parcel").unused, None);
    assert_eq!(status(&db, "enterprise").unused, None);
    assert_eq!(fingerprint(&db), built);
}

#[test]
fn a_deleted_checkpoint_is_folded_from_the_events_and_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let built = example(&path);
    std::fs::remove_dir_all(path.join("checkpoint")).unwrap();
    let db = Db::open(&path).unwrap();
    assert_eq!(
        status(&db, "parcel").unused.as_deref(),
        Some("there is none")
    );
    assert_eq!(fingerprint(&db), built);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(false));
    drop(db);
    assert!(path.join("checkpoint/parcel.ckpt").exists());
}

#[test]
fn a_checkpoint_ahead_of_the_events_or_of_another_history_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let built = example(&path);
    // A backup restored over the directory, its newer checkpoints left.
    let old = dir.path().join("old.parkdb");
    Db::open(&path).unwrap().backup(&old).unwrap();
    let db = Db::open(&path).unwrap();
    add_parcels(&db, 0, 3);
    db.checkpoint().unwrap();
    drop(db);
    copy_checkpoints(&path, &old);
    let db = Db::open(&old).unwrap();
    let parcel = status(&db, "parcel");
    assert!(
        parcel.unused.as_deref().unwrap().contains("does not match"),
        "{parcel:?}"
    );
    assert_eq!(fingerprint(&db), built);
    // Every ledger's covers events the restored database does not have.
    assert!(db.checkpoints().unwrap().iter().all(|c| c.unused.is_some()));
    drop(db);

    // Two copies that went different ways by as many events: the one's
    // checkpoint does not describe the other's.
    let other = dir.path().join("other.parkdb");
    Db::open(&old).unwrap().backup(&other).unwrap();
    let db = Db::open(&old).unwrap();
    add_parcels(&db, 100, 3);
    let old_seen = fingerprint(&db);
    drop(db);
    let db = Db::open(&other).unwrap();
    add_parcels(&db, 200, 3);
    db.checkpoint().unwrap();
    drop(db);
    copy_checkpoints(&other, &old);
    let db = Db::open(&old).unwrap();
    assert!(status(&db, "parcel")
        .unused
        .unwrap()
        .contains("does not match"));
    assert_eq!(fingerprint(&db), old_seen);
    assert!(db.check().unwrap().is_clean());
}

fn copy_checkpoints(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("checkpoint")).unwrap();
    for entry in std::fs::read_dir(from.join("checkpoint")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join("checkpoint").join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_read_only_snapshot_reads_the_checkpoint_and_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let built = example(&path);
    let before = std::fs::read(path.join("checkpoint/parcel.ckpt")).unwrap();
    let db = Db::open_read_only(&path).unwrap();
    assert_eq!(fingerprint(&db), built);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(true));
    assert!(matches!(db.checkpoint(), Err(parkdb::Error::ReadOnly(_))));
    drop(db);
    assert_eq!(
        std::fs::read(path.join("checkpoint/parcel.ckpt")).unwrap(),
        before
    );
}

#[test]
fn a_temporary_database_keeps_no_checkpoint() {
    let db = Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    assert!(db.checkpoints().unwrap().is_empty());
    db.checkpoint().unwrap();
}

/// Every evaluation a user would ask of the example: the presets, and a
/// scheme of every metric (investment included) with no scope, for the
/// years around its figures' year.
fn evaluations(db: &Db) -> Vec<parkdb::scheme::Evaluation> {
    use parkdb::indicators::{Direction, Metric};
    use parkdb::scheme::{huangyan_2022, huangyan_2022_small, Grading, MissingRule, SchemeItem};
    let mut every = huangyan_2022();
    every.scope.above_scale = None;
    every.scope.min_land = parkdb::Mu::ZERO;
    every.grading = Grading::Absolute(vec![("A".into(), 4.0), ("B".into(), 0.0)]);
    every.items = Metric::ALL
        .iter()
        .map(|m| SchemeItem {
            metric: *m,
            weight: 1.0,
            benchmark: 1.0,
            cap: 2.0,
            direction: Direction::Higher,
            missing: MissingRule::ScopeMean,
        })
        .collect();
    let mut out = Vec::new();
    for scheme in [huangyan_2022(), huangyan_2022_small(), every] {
        for year in 2004..=2007 {
            out.push(db.now().evaluate(&scheme, year).unwrap());
        }
    }
    out
}

/// Whether the register's records are loaded in `db`.
fn register_loaded(db: &Db) -> bool {
    status(db, "enterprise").loaded_from_checkpoint.is_some()
}

fn parcels_loaded(db: &Db) -> bool {
    status(db, "parcel").loaded_from_checkpoint.is_some()
}

#[test]
fn an_evaluation_reads_the_registers_figures_by_year_alone_and_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let db = Db::open(&path).unwrap();
    let seed = parkdb::example::build_seed(&db).unwrap();
    // Events after a year's end: a firm closed, another's capital raised,
    // a year's figures reported for a year after; the evaluation of the
    // earlier year folds these firms as of its end.
    let (closing, _) = seed.in_production[0];
    let (raising, _) = seed.in_production[1];
    db.write(|w| {
        w.enterprise_closed(closing, d("2006-06-30"), "moved away")?;
        w.capital_increased(
            raising,
            d("2007-02-01"),
            parkdb::Yuan::from_yuan(5_000_000)?,
            mu("1"),
        )?;
        let figures = w.enterprise(raising)?.yearly.get(2005).unwrap();
        w.report_year(raising, 2006, figures)?;
        Ok(())
    })
    .unwrap();
    let expected = evaluations(&db);
    assert!(expected.iter().any(|e| e.rows.iter().any(|r| r.in_scope)));
    db.close().unwrap();

    let db = Db::open(&path).unwrap();
    assert!(!register_loaded(&db));
    assert_eq!(evaluations(&db), expected, "from the checkpoint alone");
    assert!(!register_loaded(&db), "the evaluation loaded the register");
    // Units of work after the checkpoint: a new firm with figures, a
    // firm's figures revised, a firm closed. Too few to write it again.
    let (revised, _) = seed.in_production[2];
    let (closed_now, _) = seed.in_production[3];
    let newcomer = firm(&db, "newcomer");
    db.write(|w| {
        let mut figures = w.enterprise(revised)?.yearly.get(2005).unwrap();
        figures.tax = figures.tax.map(|t| t.ratio(3, 2)).transpose()?;
        w.report_year(revised, 2005, figures.clone())?;
        w.report_year(newcomer, 2005, figures)?;
        w.enterprise_closed(closed_now, d("2005-11-30"), "bankrupt")?;
        Ok(())
    })
    .unwrap();
    let after = evaluations(&db);
    assert_ne!(after, expected);
    db.close().unwrap();
    let db = Db::open(&path).unwrap();
    assert_eq!(
        evaluations(&db),
        after,
        "from the checkpoint, with the units after it folded"
    );
    assert!(!register_loaded(&db));
    assert!(db.check().unwrap().is_clean());
    // The records, once loaded, give the same.
    assert!(!db.now().enterprises().unwrap().is_empty());
    assert!(register_loaded(&db));
    assert_eq!(evaluations(&db), after, "from the records");
    drop(db);

    // Damage in the figures by year (the end of the file) is found by
    // their own checksums: the evaluation reads the records instead, and
    // the same.
    let file = path.join("checkpoint/enterprise.ckpt");
    each_byte_flipped_from_the_end(&file, 4000, 97, 0x21, |back| {
        let db = Db::open(&path).unwrap();
        assert_eq!(
            evaluations(&db),
            after,
            "a byte flipped {back} from the end"
        );
        // Found: the records were read, and their checkpoint refused whole.
        assert!(register_loaded(&db), "a byte flipped {back} from the end");
        let unused = status(&db, "enterprise").unused.unwrap_or_default();
        assert!(unused.contains("damaged"), "{unused}");
    });
}

/// The tables that show firms' names beside ids (and need nothing else
/// of the register), of the present and of past dates.
fn named_tables(db: &Db) -> Vec<arrow_array::RecordBatch> {
    let filter = parkdb::ParcelFilter::default();
    let mut out = Vec::new();
    for view in [
        db.now(),
        db.as_of(d("2004-06-30")),
        db.as_of(d("2002-01-01")),
    ] {
        out.push(view.parcels_table(&filter).unwrap());
        out.push(
            view.applications_table(&ApplicationFilter::default())
                .unwrap(),
        );
        out.push(view.overdue_table().unwrap());
    }
    out
}

#[test]
fn tables_name_holders_from_the_registers_checkpoint_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    example(&path);
    let db = Db::open(&path).unwrap();
    // A firm and its parcels after the checkpoint, which the next
    // process folds on top.
    add_parcels(&db, 0, 3);
    db.close().unwrap();

    let db = Db::open(&path).unwrap();
    let alone = named_tables(&db);
    assert!(!register_loaded(&db), "a table loaded the register");
    let parcels = &alone[0];
    let names = parcels
        .column_by_name("holder_name")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    assert!(names.iter().any(|n| n == Some("late firm 0")));
    assert!(names.iter().flatten().count() > 10);
    assert!(!db.now().enterprises().unwrap().is_empty());
    assert!(register_loaded(&db));
    assert_eq!(named_tables(&db), alone, "from the records");
}

#[test]
fn a_lookup_by_code_reads_the_codes_alone_and_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    example(&path);
    let db = Db::open(&path).unwrap();
    // Parcels and a firm with a code after the checkpoint.
    add_parcels(&db, 0, 4);
    let coded = db
        .add_enterprise(parkdb::NewEnterprise {
            credit_code: Some("91331003MA2K00000C".into()),
            ..parkdb::NewEnterprise::named("coded late")
        })
        .unwrap();
    db.close().unwrap();

    let db = Db::open(&path).unwrap();
    let reference = {
        let copy = tempfile::tempdir().unwrap();
        let dir = copy.path().join("copy.parkdb");
        db.backup(&dir).unwrap();
        let folded = Db::open(&dir).unwrap();
        let parcels = folded.now().all_parcels().unwrap();
        let firms = folded.now().enterprises().unwrap();
        (parcels, firms)
    };
    let (parcels, firms) = reference;
    assert!(parcels.iter().any(|p| p.code == "LATE-3"));
    for p in &parcels {
        assert_eq!(
            db.now().parcel_by_code(&p.code).unwrap().id,
            p.id,
            "{}",
            p.code
        );
    }
    let with_codes: Vec<_> = firms.iter().filter(|e| e.credit_code.is_some()).collect();
    assert!(with_codes.iter().any(|e| e.id == coded));
    for e in &with_codes {
        let code = e.credit_code.as_deref().unwrap();
        assert_eq!(
            db.now().enterprise_by_code(code).unwrap().id,
            e.id,
            "{code}"
        );
    }
    assert!(matches!(
        db.now().parcel_by_code("NO-SUCH-CODE"),
        Err(parkdb::Error::NotFound { .. })
    ));
    assert!(!parcels_loaded(&db), "the parcels loaded");
    assert!(!register_loaded(&db), "the register loaded");
    // A unit of work brings the codes read alone up to date: the next
    // lookup finds the new parcel, still without loading the parcels.
    add_parcels(&db, 10, 1);
    assert!(db.now().parcel_by_code("LATE-10").is_ok());
    assert!(!parcels_loaded(&db), "the parcels loaded");
    drop(db);

    // Damage in the codes: the lookup loads the records instead.
    let file = path.join("checkpoint/parcel.ckpt");
    each_byte_flipped_from_the_end(&file, 400, 23, 0x10, |back| {
        let db = Db::open(&path).unwrap();
        for p in parcels.iter().step_by(7) {
            assert_eq!(db.now().parcel_by_code(&p.code).unwrap().id, p.id);
        }
        let parcel = status(&db, "parcel");
        assert!(
            parcel.loaded_from_checkpoint == Some(false)
                && parcel
                    .unused
                    .as_deref()
                    .unwrap_or_default()
                    .contains("damaged"),
            "a byte flipped {back} from the end: {parcel:?}"
        );
    });
}

/// A new parcel with `code`.
fn new_parcel(code: &str) -> NewParcel {
    NewParcel::new(code, mu("1"), LandUse::Industrial, d("2004-01-01"))
}

/// A new parcel with `code`, in a unit of work of its own.
fn add_one(db: &Db, code: &str) -> parkdb::Result<parkdb::ParcelId> {
    db.write(|w| w.add_parcel(new_parcel(code)))
}

#[test]
fn units_of_work_add_parcels_without_loading_them_and_codes_stay_unique() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    example(&path);
    let db = Db::open(&path).unwrap();
    // A code of the checkpoint's, read without loading the parcels.
    let kept = db.now().parcel(parkdb::ParcelId(1)).unwrap().code;
    add_parcels(&db, 0, 300);
    add_parcels(&db, 300, 300);
    assert!(
        !parcels_loaded(&db),
        "units of work that add parcels loaded them"
    );
    let refused = |db: &Db, codes: &[&str]| {
        let before = db.checkpoints().unwrap();
        let err = db
            .write(|w| {
                for code in codes {
                    w.add_parcel(new_parcel(code))?;
                }
                Ok(())
            })
            .unwrap_err();
        assert!(
            matches!(&err, parkdb::Error::Conflict { .. })
                && err.to_string().contains("already used"),
            "{codes:?}: {err}"
        );
        assert_eq!(
            format!("{:?}", db.checkpoints().unwrap()),
            format!("{before:?}"),
            "a refused unit of work changed nothing"
        );
    };
    // Taken by the checkpoint, by an earlier unit of work, by the same one
    // (in other spellings too: codes are compared cleaned).
    refused(&db, &[kept.as_str()]);
    refused(&db, &["LATE-5"]);
    refused(&db, &["LATE-450"]);
    refused(&db, &[" LATE-450 "]);
    refused(&db, &["NEW-1", "NEW-1"]);
    assert!(!parcels_loaded(&db));
    // What was refused was not taken.
    let new = add_one(&db, "NEW-1").unwrap();
    assert!(add_one(&db, "NEW-1").is_err());
    assert!(!parcels_loaded(&db));
    // Lookups by code find every parcel, still without loading them.
    for (code, at) in [("LATE-0", 0), ("LATE-299", 299), ("LATE-599", 599)] {
        let p = db.now().parcel_by_code(code).unwrap();
        assert_eq!(p.code, code, "{at}");
    }
    assert_eq!(db.now().parcel_by_code("NEW-1").unwrap().id, new);
    assert!(!parcels_loaded(&db));
    // Once loaded, the view refuses the same codes.
    let seen = fingerprint(&db);
    assert!(parcels_loaded(&db));
    refused(&db, &["LATE-450"]);
    refused(&db, &[kept.as_str()]);
    let seen_after = fingerprint(&db);
    assert_eq!(seen, seen_after);
    drop(db);
    // The closing handle wrote what a fold of the events shows.
    assert_eq!(folded(&path), seen);
    let db = Db::open(&path).unwrap();
    assert_eq!(fingerprint(&db), seen);
    assert_eq!(status(&db, "parcel").loaded_from_checkpoint, Some(true));
}

/// Each parcel as a point read shows it, today and as of a past date.
fn point_reads(db: &Db, ids: &[parkdb::ParcelId]) -> Vec<String> {
    let show = |found: parkdb::Result<parkdb::Parcel>| match found {
        Ok(p) => format!("{p:?}"),
        Err(parkdb::Error::NotFound { .. }) => "none".to_string(),
        Err(e) => panic!("{e}"),
    };
    ids.iter()
        .flat_map(|id| {
            [
                show(db.now().parcel(*id)),
                show(db.now().as_of(d("2002-06-30")).parcel(*id)),
            ]
        })
        .collect()
}

/// The example zone in `path`, closed, and what a handle that loaded the
/// parcels says of each by id (and of an id none has): the ids, the
/// point reads, a parcel not retired.
fn example_read_by_id(path: &Path) -> (Vec<parkdb::ParcelId>, Vec<String>, parkdb::ParcelId) {
    example(path);
    let db = Db::open(path).unwrap();
    let mut ids: Vec<_> = db
        .now()
        .all_parcels()
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    ids.push(parkdb::ParcelId(1 << 40));
    let expected = point_reads(&db, &ids);
    (ids, expected, live_parcel(&db))
}

#[test]
fn point_reads_read_one_record_from_the_checkpoint_and_find_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let (ids, expected, first) = example_read_by_id(&path);
    assert!(expected.iter().any(|p| p == "none") && expected.len() > 20);

    // A new process reads each record alone, without loading the parcels.
    let db = Db::open(&path).unwrap();
    assert_eq!(point_reads(&db, &ids), expected);
    assert!(!parcels_loaded(&db), "the parcels loaded");
    // A unit of work changes one parcel and adds others: point reads show
    // them as they are now, still without loading the parcels.
    db.write(|w| {
        w.set_parcel_note(first, d("2006-05-01"), Some("surveyed again"))
            .map(drop)
    })
    .unwrap();
    add_parcels(&db, 0, 2);
    assert_eq!(
        db.now().parcel(first).unwrap().note.as_deref(),
        Some("surveyed again")
    );
    let late = db.now().parcel_by_code("LATE-1").unwrap().id;
    assert_eq!(db.now().parcel(late).unwrap().code, "LATE-1");
    assert!(!parcels_loaded(&db), "the parcels loaded");
    let changed = point_reads(&db, &ids);
    assert_eq!(
        changed
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a != b)
            .count(),
        1,
        "only the parcel changed today reads otherwise"
    );
    let after = fingerprint(&db);
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(point_reads(&db, &ids), changed);
    assert_eq!(fingerprint(&db), after);
    drop(db);
    assert_eq!(folded(&path), after);
}

#[test]
fn a_point_read_never_trusts_a_damaged_record_of_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let (ids, expected, _) = example_read_by_id(&path);
    // The records begin after the file's magic, header length and room
    // for the header; a byte flipped in one of them fails its own
    // checksum, and the point reads fold the events instead.
    let file = path.join("checkpoint/parcel.ckpt");
    let good = std::fs::read(&file).unwrap();
    let records_start = 8 + 4 + 1024;
    for at in (records_start + 3..records_start + 3000).step_by(211) {
        let mut bad = good.clone();
        bad[at] ^= 0x40;
        std::fs::write(&file, &bad).unwrap();
        let db = Db::open(&path).unwrap();
        assert_eq!(point_reads(&db, &ids), expected, "a byte flipped at {at}");
        drop(db);
    }
    std::fs::write(&file, &good).unwrap();
}

/// Closing the last handle writes the checkpoints and reports a failure to
/// (a drop would have swallowed it); after a close, nothing more is written.
#[test]
fn close_writes_the_checkpoints_and_reports_their_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    // A database read in full and never checkpointed: close writes them.
    let db = Db::open(&path).unwrap();
    parkdb::example::build_seed(&db).unwrap();
    fingerprint(&db);
    let checkpoint = status(&db, "parcel").path;
    // Where the parcels' checkpoint goes, a directory: it cannot be written.
    std::fs::create_dir_all(checkpoint.join("in-the-way")).unwrap();
    let err = db.close().unwrap_err();
    assert!(err.to_string().contains("parcel"), "{err}");
    // The drop after the close wrote nothing more there.
    assert!(checkpoint.join("in-the-way").is_dir());

    // A handle that is not the last flushes only; the last one closes.
    std::fs::remove_dir_all(&checkpoint).unwrap();
    let db = Db::open(&path).unwrap();
    let other = db.clone();
    fingerprint(&db);
    db.close().unwrap();
    assert!(!checkpoint.exists());
    other.close().unwrap();
    assert!(checkpoint.is_file());
}
