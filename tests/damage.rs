//! Damaged files and a second process: typed errors, never a panic.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{d, firm, parcel, terms};
use parkdb::{Db, Error};

fn write_some(path: &Path) {
    let db = Db::open(path).unwrap();
    let e = firm(&db, "科华电子");
    for i in 0..200 {
        let p = parcel(&db, &format!("GP-{i:04}"), "52.7272", "2001-05-01");
        if i % 2 == 0 {
            db.allocate(p, terms(e, "2002-01-01", "100", Some("2002-06-01")))
                .unwrap();
        }
    }
    db.flush().unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Opens a damaged copy and reads everything: the outcome must be a typed
/// result (an error, or a database whose check reports what it finds).
fn survive(path: &Path) -> &'static str {
    let outcome = std::panic::catch_unwind(|| match Db::open(path) {
        Err(Error::Corrupt(_) | Error::Storage(_) | Error::IncompatibleFormat { .. }) => "refused",
        Err(other) => panic!("unexpected error kind: {other:?}"),
        Ok(db) => {
            let _ = db.land_summary(d("2005-12-31"));
            let parcels = db.now().all_parcels();
            match db.check() {
                // Opened and clean: then nothing flushed may be missing.
                Ok(r) if r.is_clean() => {
                    assert_eq!(
                        parcels.map(|p| p.len()).ok(),
                        Some(200),
                        "a damaged database lost flushed parcels silently"
                    );
                    "opened clean"
                }
                Ok(_) => "opened with problems",
                Err(_) => "refused",
            }
        }
    });
    outcome.unwrap_or_else(|_| panic!("a damaged database at {} made parkdb panic", path.display()))
}

#[test]
fn truncated_and_bit_flipped_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    write_some(&original);
    let file = original.join("db");
    let len = std::fs::metadata(&file).unwrap().len();
    let mut outcomes = std::collections::BTreeMap::new();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..40 {
        let copy = dir.path().join(format!("copy{round}"));
        copy_dir(&original, &copy);
        let target = copy.join("db");
        let mut bytes = std::fs::read(&target).unwrap();
        if round % 2 == 0 {
            bytes.truncate((next() % len) as usize);
        } else {
            for _ in 0..=(round % 8) {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] ^= 1 << (next() % 8);
            }
        }
        std::fs::write(&target, &bytes).unwrap();
        *outcomes.entry(survive(&copy)).or_insert(0) += 1;
    }
    // A file cut to nothing is a new, empty database, not a crash.
    let empty = dir.path().join("empty");
    copy_dir(&original, &empty);
    std::fs::write(empty.join("db"), b"").unwrap();
    survive(&empty);
    eprintln!("damaged copies: {outcomes:?}");
    assert_eq!(outcomes.values().sum::<i32>(), 40, "{outcomes:?}");
}

/// A process killed while sled wrote a snapshot leaves `snap.<lsn>.generating`;
/// sled 0.34.7 then takes it for the latest snapshot and reports corruption.
/// parkdb removes the unfinished file and opens.
#[test]
fn an_unfinished_snapshot_left_by_a_crash_does_not_block_opening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    write_some(&path);
    std::fs::write(
        path.join("snap.FFFFFFFFFFFFFFFF.generating"),
        b"half a snapshot, then the kill",
    )
    .unwrap();
    let db = Db::open(&path).unwrap();
    assert_eq!(db.now().all_parcels().unwrap().len(), 200);
    assert!(db.check().unwrap().is_clean());
    assert!(!path.join("snap.FFFFFFFFFFFFFFFF.generating").exists());
}

const HOLDER_ENV: &str = "PARKDB_TEST_HOLD_DB";

/// The child: holds the database open until killed.
#[test]
#[ignore = "run as a child by a_second_process_gets_a_clear_error"]
fn hold_database_open() {
    let Some(path) = std::env::var_os(HOLDER_ENV) else {
        return;
    };
    let _db = Db::open(&path).unwrap();
    println!("open");
    std::thread::sleep(Duration::from_secs(30));
}

#[test]
fn a_second_process_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.parkdb");
    write_some(&path);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "hold_database_open",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLDER_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("open") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0,
            "the child did not open the database"
        );
    }
    let err = Db::open(&path).unwrap_err();
    child.kill().unwrap();
    child.wait().unwrap();
    match err {
        Error::Storage(message) => {
            assert!(message.contains("in use by another process"), "{message}")
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
    // Once the other process is gone, it opens.
    let db = Db::open(&path).unwrap();
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn temporary_databases_made_at_once_are_distinct() {
    let dbs: Vec<Db> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| Db::temporary().unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, db) in dbs.iter().enumerate() {
        parcel(db, &format!("T-{i}"), "1", "2005-01-01");
    }
    for (i, db) in dbs.iter().enumerate() {
        let codes: Vec<String> = db
            .now()
            .all_parcels()
            .unwrap()
            .into_iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(codes, vec![format!("T-{i}")]);
    }
}

#[test]
fn writers_on_several_threads_lose_nothing() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "E");
    std::thread::scope(|s| {
        for t in 0..4 {
            let db = db.clone();
            s.spawn(move || {
                for i in 0..100 {
                    let p = parcel(&db, &format!("T{t}-{i:03}"), "1.5", "2005-01-01");
                    if i % 3 == 0 {
                        db.allocate(p, terms(e, "2005-02-01", "1", None)).unwrap();
                    }
                    // Readers run alongside the writers.
                    let s = db.land_summary(d("2005-12-31")).unwrap().total;
                    assert!(s.supplied_mu <= s.requisitioned_mu);
                }
            });
        }
    });
    let s = db.land_summary(d("2005-12-31")).unwrap().total;
    assert_eq!(s.parcel_count, 400);
    assert_eq!(s.supplied_mu, "204".parse().unwrap()); // 4 × 34 parcels × 1.5亩
    assert!(db.check().unwrap().is_clean());
}
