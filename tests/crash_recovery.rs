//! Crash consistency: the test re-runs its own binary as a child that
//! writes, kills it at a random moment, reopens the database, and checks
//! that it is sound and that every write the child saw flushed is there.
//! The child also writes the checkpoints every few units of work, so kills
//! land while one is written: the next open must read the same either way
//! (and `check()` compares whatever checkpoint is left with the events).

mod common;

use std::io::Write;
use std::time::Duration;

use common::{d, mu};
use parkdb::{Allocation, Db, LandUse, NewEnterprise, NewParcel, SupplyMethod, Yuan};

const CHILD_ENV: &str = "PARKDB_CRASH_CHILD_DB";

/// The child: writes units of work forever, printing the number of each
/// one after it returned (and so, with immediate durability, was flushed).
#[test]
#[ignore = "run as a child by crash_recovery_keeps_every_flushed_write"]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut db = Db::open(&path).unwrap();
    let start = db.now().all_parcels().unwrap().len();
    let firm = db
        .add_enterprise(NewEnterprise::named(format!("firm-{start}")))
        .unwrap();
    let mut out = std::io::stdout().lock();
    for i in start.. {
        let code = format!("C-{i}");
        db.write(|w| {
            let p = w.add_parcel(NewParcel::new(
                code.as_str(),
                mu("1.5"),
                LandUse::Industrial,
                d("2005-01-01"),
            ))?;
            w.develop(p, d("2005-02-01"))?;
            if i % 3 == 0 {
                w.allocate(
                    p,
                    Allocation {
                        holder: firm,
                        date: d("2005-03-01"),
                        method: SupplyMethod::Listing,
                        price: Yuan::from_fen(100),
                        start_by: None,
                        complete_by: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
        writeln!(out, "{i}").unwrap();
        out.flush().unwrap();
        // Closing writes the checkpoints of the ledgers read; reopening
        // loads them.
        if i % 10 == 0 {
            db.checkpoint().unwrap();
        } else if i % 2 == 0 {
            drop(db);
            db = Db::open(&path).unwrap();
            db.now().all_parcels().unwrap();
        }
    }
}

#[test]
fn crash_recovery_keeps_every_flushed_write() {
    let kills: usize = std::env::var("PARKDB_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.parkdb");
    // A fixed seed: each run kills at the same spread of moments.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut confirmed: Vec<usize> = Vec::new();
    let checkpoints = path.join("checkpoint");
    let torn = || {
        std::fs::read_dir(&checkpoints).is_ok_and(|files| {
            files
                .flatten()
                .any(|f| f.file_name().to_string_lossy().ends_with(".partial"))
        })
    };
    let mut torn_checkpoints = 0;
    for round in 0..kills {
        let wait = Duration::from_millis(50 + common::xorshift(&mut seed) % 250);
        confirmed.extend(common::numbers_printed_until_killed(
            "crash_child",
            CHILD_ENV,
            &path,
            wait,
        ));

        torn_checkpoints += usize::from(torn());
        let db = Db::open(&path).unwrap();
        let report = db.check().unwrap();
        assert!(report.is_clean(), "round {round}: {:?}", report.problems);
        // Every parcel read whole (from a checkpoint if one was left and
        // matches, the rest folded on top) is the fold of its events.
        let all = db.now().all_parcels().unwrap();
        assert!(all.len() >= confirmed.len(), "round {round}");
        for i in &confirmed {
            let p = db
                .parcel_by_code(&format!("C-{i}"))
                .unwrap_or_else(|e| panic!("round {round}: flushed write C-{i} lost: {e}"));
            assert!(
                p.developed.is_some(),
                "round {round}: C-{i} lost half its unit of work"
            );
            assert_eq!(p.holder.is_some(), i % 3 == 0, "round {round}: C-{i}");
        }
    }
    assert!(
        confirmed.len() >= kills,
        "the children got only {} writes through in {kills} rounds",
        confirmed.len()
    );
    eprintln!(
        "{} flushed writes survived {kills} kills, {torn_checkpoints} of them while a checkpoint was written",
        confirmed.len()
    );
}

const CHECKPOINT_CHILD_ENV: &str = "PARKDB_CHECKPOINT_CHILD_DB";

/// The child of the checkpoint test: lands parcels, then closes and
/// reopens forever, printing `closing` just before each close (which
/// writes the parcels' checkpoint) and a number after each write.
#[test]
#[ignore = "run as a child by a_kill_while_a_checkpoint_is_written_leaves_the_old_one_or_the_new"]
fn checkpoint_child() {
    let Some(path) = std::env::var_os(CHECKPOINT_CHILD_ENV) else {
        return;
    };
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let db = Db::open(&path).unwrap();
        let start = db.now().all_parcels().unwrap().len();
        db.write(|w| {
            for j in 0..2_000 {
                let p = w.add_parcel(NewParcel::new(
                    format!("K-{i}-{j}-{start}").as_str(),
                    mu("1.5"),
                    LandUse::Industrial,
                    d("2005-01-01"),
                ))?;
                w.develop(p, d("2005-02-01"))?;
            }
            Ok(())
        })
        .unwrap();
        writeln!(out, "{}", start + 2_000).unwrap();
        writeln!(out, "closing").unwrap();
        out.flush().unwrap();
        drop(db);
    }
}

#[test]
fn a_kill_while_a_checkpoint_is_written_leaves_the_old_one_or_the_new() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoints.parkdb");
    let checkpoints = path.join("checkpoint");
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut torn = 0;
    let mut landed = 0;
    // Ten rounds: each adds a tenth or more of what the checkpoint covers,
    // so each close writes it again.
    for round in 0..10 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "checkpoint_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHECKPOINT_CHILD_ENV, &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill just after the child starts closing, a little later each time.
        for line in lines.map_while(Result::ok) {
            if let Ok(n) = line.trim().parse::<usize>() {
                landed = landed.max(n);
            } else if line.trim() == "closing" {
                std::thread::sleep(Duration::from_micros(common::xorshift(&mut seed) % 6_000));
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let partial = std::fs::read_dir(&checkpoints).is_ok_and(|files| {
            files
                .flatten()
                .any(|f| f.file_name().to_string_lossy().ends_with(".partial"))
        });
        torn += usize::from(partial);

        let db = Db::open(&path).unwrap();
        let report = db.check().unwrap();
        assert!(report.is_clean(), "round {round}: {:?}", report.problems);
        let all = db.now().all_parcels().unwrap();
        assert!(
            all.len() >= landed,
            "round {round}: {} of {landed}",
            all.len()
        );
        assert!(all.iter().all(|p| p.developed.is_some()), "round {round}");
    }
    eprintln!("{torn} of 10 kills left a checkpoint half written");
    assert!(torn > 0, "no kill landed while a checkpoint was written");
}
