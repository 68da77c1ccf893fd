//! A full disk (#19, finding 7): a commit the disk refuses changes nothing
//! a reader can see, the handle works again once there is room, and
//! `close` reports a final flush that failed.
//!
//! The disk fills by a limit on file size (`RLIMIT_FSIZE`, which needs no
//! privileges): sled's writes past it fail as writes to a full disk do.
//! The limit holds for the whole process, so this binary has one test,
//! which runs its cases in turn.

mod common;

use common::{codes, d, mu};
use parkdb::{Db, Durability, LandUse, NewParcel, Options};

/// Sets the largest file this process may write (`None`: no limit).
fn limit_file_size(bytes: Option<u64>) {
    let value = bytes.unwrap_or(libc::RLIM_INFINITY);
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain system calls with a valid struct; ignoring SIGXFSZ makes
    // a write past the limit fail with EFBIG instead of killing the process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &raw const limit), 0);
    }
}

/// The size of the largest file in `dir`: no file may grow past it.
fn largest_file(dir: &std::path::Path) -> u64 {
    let mut largest = 0;
    for entry in walk(dir) {
        largest = largest.max(entry.metadata().map_or(0, |m| m.len()));
    }
    largest
}

fn walk(dir: &std::path::Path) -> Vec<std::fs::DirEntry> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry);
        }
    }
    out
}

/// A unit of work adding one parcel with a long note (so the log grows).
fn add(db: &Db, i: usize) -> parkdb::Result<()> {
    db.write(|w| {
        let mut p = NewParcel::new(
            format!("GP-{i}"),
            mu("10"),
            LandUse::Industrial,
            d("2005-01-01"),
        );
        p.location = Some("东岸".repeat(200));
        w.add_parcel(p).map(drop)
    })
}

/// Adds parcels from `stored` on until a unit of work is refused (at most
/// 5,000 more): the refusal; `stored` counts those that were stored.
fn add_until_refused(db: &Db, stored: &mut usize) -> parkdb::Error {
    let most = *stored + 5_000;
    loop {
        assert!(*stored < most, "the disk never filled");
        match add(db, *stored) {
            Ok(()) => *stored += 1,
            Err(e) => break e,
        }
    }
}

fn immediate(dir: &std::path::Path) {
    let db = Db::open(dir).expect("open");
    for i in 0..20 {
        add(&db, i).expect("write with room on disk");
    }
    limit_file_size(Some(largest_file(dir)));
    let mut stored = 20;
    let refused = add_until_refused(&db, &mut stored);
    // An I/O error that keeps its source: what a caller checks for a full disk.
    assert_eq!(
        refused.io_kind(),
        Some(std::io::ErrorKind::FileTooLarge),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("not stored"), "{refused}");
    // Still full: refused again.
    assert!(add(&db, stored).is_err());
    // The parcels were written, never read, so they are not in memory
    // (an import does not load what it adds): while the store stays
    // closed, a read of them says so rather than answer.
    let closed = db.now().all_parcels().unwrap_err();
    assert!(matches!(closed, parkdb::Error::Storage(_)), "{closed:?}");
    // Room again: the refused unit is nowhere, not in the tables, not in
    // check().
    limit_file_size(None);
    let expected: Vec<String> = (0..stored).map(|i| format!("GP-{i}")).collect();
    let mut seen = codes(&db);
    seen.sort_by_key(|c| c[3..].parse::<usize>().unwrap());
    assert_eq!(seen, expected);
    assert!(db.parcel_by_code(&format!("GP-{stored}")).is_err());
    // Full again, now that the store reopened and the parcels are loaded:
    // a refused unit shows nowhere either; a read answers from memory or
    // says the store failed (a store reopened on a full disk may fail the
    // next read too).
    limit_file_size(Some(largest_file(dir)));
    let refused = add_until_refused(&db, &mut stored);
    assert_eq!(refused.io_kind(), Some(std::io::ErrorKind::FileTooLarge));
    match db.now().all_parcels() {
        Ok(parcels) => assert_eq!(parcels.len(), stored),
        Err(e) => assert!(
            matches!(e, parkdb::Error::Storage(_)) || e.io_kind().is_some(),
            "{e:?}"
        ),
    }
    assert!(db.parcel_by_code(&format!("GP-{stored}")).is_err());
    // Room again: the same handle writes at once, without a reopen, though
    // the store reopened while the disk was full.
    limit_file_size(None);
    add(&db, stored).expect("write once the disk has room");
    stored += 1;
    assert_eq!(codes(&db).len(), stored);
    assert!(db.check().expect("check").is_clean());
    db.close().expect("close");
    let db = Db::open(dir).expect("reopen");
    assert_eq!(
        codes(&db).len(),
        stored,
        "every write that returned is on disk"
    );
    assert!(db.check().expect("check").is_clean());
}

fn eventual(dir: &std::path::Path) {
    let options = Options {
        durability: Durability::Eventual,
    };
    let db = Db::open_with(dir, options).expect("open");
    add(&db, 0).expect("write with room");
    db.flush().expect("flush with room");
    limit_file_size(Some(largest_file(dir)));
    let mut returned = 1;
    let mut refused = None;
    for i in 1..2_000 {
        match add(&db, i) {
            Ok(()) => returned += 1,
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let closed = db.clone().close();
    // Writes that returned were lost: close (or a later commit) says so.
    assert!(
        refused.is_some() || closed.is_err(),
        "{returned} writes returned and close reported nothing"
    );
    if let Err(e) = &closed {
        assert!(e.io_kind().is_some(), "{e:?}");
    }
    // Once there is room, the handle shows what the disk holds.
    limit_file_size(None);
    let shown = codes(&db);
    assert!(
        shown.len() <= returned,
        "{} shown of {returned}",
        shown.len()
    );
    eprintln!(
        "eventual: {returned} returned, {} shown, refused: {refused:?}, close: {closed:?}",
        shown.len()
    );
    drop(db);
    let db = Db::open(dir).expect("reopen");
    assert_eq!(codes(&db), shown);
    assert!(db.check().expect("check").is_clean());
}

#[test]
fn a_full_disk_refuses_a_commit_whole_and_the_handle_recovers() {
    let base = tempfile::tempdir().expect("tempdir");
    immediate(&base.path().join("immediate"));
    eventual(&base.path().join("eventual"));
}
