//! A process made by `fork` after a database was opened shares the
//! parent's handle in memory, but not its engine's threads: the child is
//! refused, by the handle it inherited and by a fresh open, with an error
//! that says what to do; the parent's data is untouched (#19, finding 5).

mod common;

use common::parcel;
use parkdb::{Db, Error};

/// What the child found, as its exit code.
fn child(db: &Db, dir: &std::path::Path) -> i32 {
    let inherited = match db.write(|w| common::parcel_in(w, "CHILD", "1", "2005-01-01")) {
        Err(Error::Storage(m)) if m.contains("fork") => 0,
        Err(_) => 10,
        Ok(_) => 11,
    };
    let reopened = match Db::open(dir) {
        Err(Error::InUse { .. }) => 0,
        Err(_) => 20,
        Ok(_) => 21,
    };
    let flushed = match db.flush() {
        Err(Error::Storage(m)) if m.contains("fork") => 0,
        _ => 30,
    };
    inherited + reopened + flushed
}

#[test]
fn a_child_made_by_fork_is_refused_and_the_parent_keeps_its_data() {
    let base = tempfile::tempdir().expect("tempdir");
    let dir = base.path().join("zone");
    let db = Db::open(&dir).expect("open");
    parcel(&db, "PARENT-1", "1", "2005-01-01");
    // SAFETY: the child only calls parkdb and leaves by `_exit`, running no
    // destructor and returning into no test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = child(&db, &dir);
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for the child made above.
    assert_eq!(unsafe { libc::waitpid(pid, &raw mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "the child did not exit: {status}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "what the child found");
    parcel(&db, "PARENT-2", "1", "2005-01-01");
    let codes = common::codes(&db);
    assert_eq!(codes, ["PARENT-1", "PARENT-2"]);
    drop(db);
    let db = Db::open(&dir).expect("reopen");
    assert_eq!(db.now().all_parcels().unwrap().len(), 2);
    assert!(db.check().unwrap().is_clean());
}
