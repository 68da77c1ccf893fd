//! Backups: refused targets, a copy that is whole or absent, and a
//! transaction on the same thread refused instead of a wait for itself.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{d, parcel};
use parkdb::{Db, Error};

fn validation(r: parkdb::Result<()>, says: &str) {
    match r {
        Err(Error::Validation { reason, .. }) => assert!(reason.contains(says), "{reason}"),
        other => panic!("expected a validation error saying {says:?}, got {other:?}"),
    }
}

#[test]
fn a_backup_refuses_an_empty_path_a_file_and_a_directory_with_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("park.parkdb")).unwrap();
    parcel(&db, "GP-001", "10", "2005-01-01");
    // The empty path named the current directory, and the copy was
    // written over whatever lived there.
    validation(db.backup(""), "empty");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "台账").unwrap();
    validation(db.backup(&file), "not a directory");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "台账");
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("other.txt"), "x").unwrap();
    validation(db.backup(&full), "not empty");
    // The database's own directory holds files.
    validation(db.backup(dir.path().join("park.parkdb")), "not empty");
    validation(
        db.backup(dir.path().join("no/such/place")),
        "does not exist",
    );
    // An empty directory is taken, as is a new name.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    db.backup(&empty).unwrap();
    db.backup(dir.path().join("new")).unwrap();
    for copy in [empty, dir.path().join("new")] {
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", copy.display());
        let copy = Db::open(&copy).unwrap();
        assert!(copy.check().unwrap().is_clean());
        assert_eq!(copy.now().all_parcels().unwrap().len(), 1);
    }
    // Nothing was left beside them.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");
}

#[test]
fn writes_and_backups_on_the_thread_that_holds_a_transaction_are_refused_not_hung() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("park.parkdb")).unwrap();
    let mut tx = db.begin().unwrap();
    common::parcel_in(&mut tx, "GP-001", "10", "2005-01-01").unwrap();
    for refused in [
        db.backup(dir.path().join("copy")),
        db.begin().map(drop),
        db.add_parcel(parkdb::NewParcel::new(
            "GP-002",
            common::mu("1"),
            parkdb::LandUse::Industrial,
            d("2005-01-01"),
        ))
        .map(drop),
    ] {
        match refused {
            Err(Error::Conflict { reason, .. }) => {
                assert!(reason.contains("transaction open"), "{reason}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    // Another thread waits for it instead, and goes on once it ends.
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            db.add_parcel(parkdb::NewParcel::new(
                "GP-003",
                common::mu("1"),
                parkdb::LandUse::Industrial,
                d("2005-01-01"),
            ))
        });
        std::thread::sleep(Duration::from_millis(50));
        tx.commit().unwrap();
        other.join().unwrap().unwrap();
    });
    assert_eq!(db.now().all_parcels().unwrap().len(), 2);
    db.backup(dir.path().join("copy")).unwrap();
}

const CHILD_ENV: &str = "PARKDB_BACKUP_CHILD_DB";

/// The child: backs the database up again and again, printing the number
/// of each backup after it returned.
#[test]
#[ignore = "run as a child by a_backup_killed_at_any_moment_is_whole_or_absent"]
fn backup_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let db = Db::open(&path).unwrap();
    let out_dir = std::path::Path::new(&path)
        .parent()
        .unwrap()
        .join("backups");
    for i in 0.. {
        db.backup(out_dir.join(format!("b{i}"))).unwrap();
        println!("{i}");
    }
}

#[test]
fn a_backup_killed_at_any_moment_is_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("park.parkdb");
    {
        let db = Db::open(&path).unwrap();
        db.write(|w| {
            for i in 0..3000 {
                common::parcel_in(w, &format!("GP-{i:05}"), "1.5", "2005-01-01")?;
            }
            Ok(())
        })
        .unwrap();
    }
    let backups = dir.path().join("backups");
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut returned = Vec::new();
    for round in 0..10 {
        std::fs::create_dir_all(&backups).unwrap();
        let wait = Duration::from_millis(30 + common::xorshift(&mut seed) % 150);
        let done = common::numbers_printed_until_killed("backup_child", CHILD_ENV, &path, wait);
        for entry in std::fs::read_dir(&backups).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue; // a copy still being written: not a backup
            }
            let copy = Db::open(entry.path()).unwrap();
            let report = copy.check().unwrap();
            assert!(
                report.is_clean(),
                "round {round}: {name}: {:?}",
                report.problems
            );
            assert_eq!(
                copy.now().all_parcels().unwrap().len(),
                3000,
                "round {round}: {name} is not whole"
            );
        }
        for i in &done {
            assert!(
                backups.join(format!("b{i}")).exists(),
                "round {round}: b{i} returned and is gone"
            );
        }
        returned.extend(done);
        std::fs::remove_dir_all(&backups).unwrap();
    }
    eprintln!("{} backups returned over 10 kills", returned.len());
}
