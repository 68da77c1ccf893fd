//! Crash consistency: the test re-runs its own binary as a child that
//! writes, kills it at a random moment, reopens the database, and checks
//! that it is sound and that every write the child saw flushed is there.

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
    let db = Db::open(&path).unwrap();
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
    for round in 0..kills {
        let wait = Duration::from_millis(50 + common::xorshift(&mut seed) % 250);
        confirmed.extend(common::numbers_printed_until_killed(
            "crash_child",
            CHILD_ENV,
            &path,
            wait,
        ));

        let db = Db::open(&path).unwrap();
        let report = db.check().unwrap();
        assert!(report.is_clean(), "round {round}: {:?}", report.problems);
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
    eprintln!("{} flushed writes survived {kills} kills", confirmed.len());
}
