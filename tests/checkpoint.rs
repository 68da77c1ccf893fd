//! Checkpoints of the in-memory view: a new process loads a ledger from
//! its checkpoint when it matches the stored events, folds on top what was
//! stored after it, and ignores (and later rewrites) one that is stale in
//! the other direction, damaged, deleted or of another history. Reads are
//! the same either way, and `check()` compares a checkpoint with the folds.

mod common;

use std::path::Path;

use common::{d, firm, mu, terms};
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
