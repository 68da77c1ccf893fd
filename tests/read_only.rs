//! Read-only snapshots (#14, point 5): a copy of the database opened aside,
//! so any number of readers work while one writer holds the database.

mod common;

use common::{d, mu};
use parkdb::{Db, Error, LandUse, NewParcel};

fn add(db: &Db, code: &str) {
    db.add_parcel(NewParcel::new(
        code,
        mu("1"),
        LandUse::Industrial,
        d("2005-01-01"),
    ))
    .unwrap();
}

fn count(db: &Db) -> usize {
    db.now().all_parcels().unwrap().len()
}

#[test]
fn a_snapshot_reads_while_the_writer_holds_the_database_and_refuses_writes() {
    let base = tempfile::tempdir().unwrap();
    let path = base.path().join("zone");
    let writer = Db::open(&path).unwrap();
    for i in 0..10 {
        add(&writer, &format!("P{i}"));
    }
    let reader = Db::open_read_only(&path).unwrap();
    assert!(reader.is_read_only() && !writer.is_read_only());
    assert_eq!(count(&reader), 10);
    let refused = reader.add_parcel(NewParcel::new(
        "X",
        mu("1"),
        LandUse::Industrial,
        d("2005-01-01"),
    ));
    assert!(matches!(refused, Err(Error::ReadOnly(_))), "{refused:?}");
    for i in 10..15 {
        add(&writer, &format!("P{i}"));
    }
    assert_eq!(count(&reader), 10, "a snapshot does not change");
    let fresh = reader.refreshed().unwrap();
    assert_eq!(count(&fresh), 15);
    assert!(fresh.check().unwrap().is_clean());
    // A second snapshot at once, and the writer still writes.
    let another = Db::open_read_only(&path).unwrap();
    add(&writer, "P15");
    assert_eq!(count(&another), 15);
    assert_eq!(count(&writer), 16);
}

#[test]
fn snapshots_taken_while_a_writer_flushes_are_whole() {
    let base = tempfile::tempdir().unwrap();
    let path = base.path().join("zone");
    let writer = Db::open(&path).unwrap();
    add(&writer, "FIRST");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = {
        let writer = writer.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                add(&writer, &format!("W{i}"));
                i += 1;
            }
            i
        })
    };
    let mut last = 0;
    for _ in 0..15 {
        let snapshot =
            Db::open_read_only_waiting(&path, std::time::Duration::from_secs(10)).unwrap();
        let seen = count(&snapshot);
        assert!(
            seen >= last,
            "a later snapshot saw fewer parcels: {seen} < {last}"
        );
        assert!(snapshot.check().unwrap().is_clean());
        last = seen;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writing.join().unwrap();
    assert!(last <= written + 1);
    assert!(last > 1, "the writer wrote while the snapshots were taken");
}

#[test]
fn no_database_no_snapshot() {
    let base = tempfile::tempdir().unwrap();
    let e = Db::open_read_only(base.path().join("none")).unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
}
