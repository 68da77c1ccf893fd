//! Files are private whatever the umask: the database's directory 0700,
//! every file in it (the seal, sled's log, snapshots, blobs) 0600. Alone
//! in its test binary: it sets the process's umask to 000.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use parkdb::Db;

/// Every file and folder under `dir` whose mode is not private.
fn exposed(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        let is_dir = entry.file_type().unwrap().is_dir();
        if mode != if is_dir { 0o700 } else { 0o600 } {
            out.push(format!("{} {mode:o}", path.display()));
        }
        if is_dir {
            exposed(&path, out);
        }
    }
}

#[test]
fn every_file_is_private_whatever_the_umask() {
    // SAFETY: umask only sets the process's file-creation mask; this test
    // binary runs this one test.
    unsafe { libc::umask(0) };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let db = Db::open(&path).unwrap();
    for unit in 0..20 {
        db.write(|w| {
            for i in 0..150 {
                common::parcel_in(w, &format!("GP-{unit}-{i}"), "1", "2001-01-01")?;
            }
            Ok(())
        })
        .unwrap();
    }
    db.close().unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let mut found = Vec::new();
    exposed(&path, &mut found);
    assert!(found.is_empty(), "{found:?}");
    assert!(path.join("parkdb.seal").exists());
    // Reopened and written again, still private.
    let db = Db::open(&path).unwrap();
    common::parcel(&db, "GP-again", "1", "2001-01-01");
    db.close().unwrap();
    exposed(&path, &mut found);
    assert!(found.is_empty(), "{found:?}");
}
