//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fmt::Write as _;

use chrono::NaiveDate;
use parkdb::{
    Allocation, Db, EnterpriseId, LandUse, Mu, NewEnterprise, NewParcel, ParcelId, SupplyMethod,
    Writer, Yuan,
};

/// A date from "YYYY-MM-DD".
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn mu(s: &str) -> Mu {
    s.parse().expect("test area")
}

pub fn yuan(s: &str) -> Yuan {
    s.parse().expect("test amount")
}

/// A quantity (m², kWh, t…) from decimal text.
pub fn q(s: &str) -> parkdb::Quantity {
    parkdb::Quantity::parse(s, "test quantity").expect("test quantity")
}

pub fn firm(db: &Db, name: &str) -> EnterpriseId {
    db.add_enterprise(NewEnterprise::named(name))
        .expect("add enterprise")
}

pub fn parcel(db: &Db, code: &str, area: &str, date: &str) -> ParcelId {
    db.add_parcel(NewParcel::new(code, mu(area), LandUse::Industrial, d(date)))
        .expect("add parcel")
}

/// An industrial parcel added within a unit of work.
pub fn parcel_in(tx: &mut Writer, code: &str, area: &str, date: &str) -> parkdb::Result<ParcelId> {
    tx.add_parcel(NewParcel::new(code, mu(area), LandUse::Industrial, d(date)))
}

pub fn terms(holder: EnterpriseId, date: &str, price: &str, start_by: Option<&str>) -> Allocation {
    Allocation {
        holder,
        date: d(date),
        method: SupplyMethod::Listing,
        price: yuan(price),
        start_by: start_by.map(d),
        complete_by: None,
    }
}

/// The codes of every parcel now, in id order.
pub fn codes(db: &Db) -> Vec<String> {
    db.now()
        .all_parcels()
        .expect("parcels")
        .into_iter()
        .map(|p| p.code)
        .collect()
}

/// Every ledger as read (each record with its whole history for parcels,
/// every enterprise, programme, application and indicator), the policy
/// and the check report: equal before and after a write that changed
/// nothing.
pub fn fingerprint(db: &Db) -> String {
    let mut out = String::new();
    let now = db.now();
    for p in now.all_parcels().expect("parcels") {
        let _ = writeln!(out, "{p:?}");
        for h in db.history(p.id).expect("history") {
            let _ = writeln!(out, "  {h:?}");
        }
    }
    for e in now.enterprises().expect("enterprises") {
        let _ = writeln!(out, "{e:?}");
    }
    for g in now.programmes().expect("programmes") {
        let _ = writeln!(out, "{g:?}");
    }
    for a in now
        .applications(&parkdb::ApplicationFilter::default())
        .expect("applications")
    {
        let _ = writeln!(out, "{a:?}");
    }
    for i in now.indicators().expect("indicators") {
        let _ = writeln!(out, "{i:?}");
    }
    let _ = writeln!(out, "{:?}", db.policy().expect("policy"));
    let check = db.check().expect("check");
    let _ = writeln!(out, "{check:?}");
    out
}

/// Runs the ignored test `child` of this test binary as a child process
/// (with `env` set to `value`), kills it after `wait`, and returns the
/// numbers it printed, one a line, before the kill.
pub fn numbers_printed_until_killed(
    child: &str,
    env: &str,
    value: &std::path::Path,
    wait: std::time::Duration,
) -> Vec<usize> {
    use std::io::BufRead;
    let mut process = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            child,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(env, value)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = process.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.trim().parse::<usize>().ok())
            .collect::<Vec<_>>()
    });
    let started = std::time::Instant::now();
    while started.elapsed() < wait {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    process.kill().unwrap();
    process.wait().unwrap();
    reader.join().unwrap()
}

/// The next number of a fixed xorshift sequence: kill moments that are
/// spread, and the same in every run.
pub fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// A parcel's history as (valid date, event name) pairs, in its order.
pub fn history_names(db: &Db, parcel: ParcelId) -> Vec<(String, String)> {
    db.history(parcel)
        .expect("history")
        .iter()
        .map(|h| {
            let name = match &h.event.body {
                parkdb::Body::Domain(e) => e.name().to_owned(),
                parkdb::Body::Void { .. } => "void".to_owned(),
            };
            (h.event.valid.to_string(), name)
        })
        .collect()
}

/// A moment between two writes: the clock read with a pause on each side,
/// so an as-known-at read of it sees the first and not the second.
pub fn tick() -> chrono::DateTime<chrono::Utc> {
    std::thread::sleep(std::time::Duration::from_millis(3));
    let t = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(3));
    t
}

/// The database's sled directly, for tests that damage it. sled lets go of
/// its lock file when its last thread ends, a moment after the handle that
/// closed it: wait for it (up to five seconds) rather than fail.
pub fn raw_open(path: &std::path::Path) -> sled::Db {
    let mut waited = 0;
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(sled::Error::Io(e)) if e.to_string().contains("lock") && waited < 5_000 => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                waited += 20;
            }
            Err(e) => panic!("cannot open {}: {e}", path.display()),
        }
    }
}

/// Damages `file` one byte at a time, xor `mask`, at every `step`th byte
/// from its end within its last `span` bytes: `check(back)` runs with
/// each damaged file in place (`back` bytes from the end). The file is
/// whole again afterwards.
pub fn each_byte_flipped_from_the_end(
    file: &std::path::Path,
    span: usize,
    step: usize,
    mask: u8,
    mut check: impl FnMut(usize),
) {
    let good = std::fs::read(file).expect("read the file to damage");
    for back in (1..good.len().min(span)).step_by(step) {
        let mut bad = good.clone();
        bad[good.len() - back] ^= mask;
        std::fs::write(file, &bad).expect("write the damaged file");
        check(back);
    }
    std::fs::write(file, &good).expect("put the file back");
}

/// A 200 m × 100 m rectangle (30 亩) surveyed in zone 40 (EPSG:4528,
/// central meridian 120°E, where Yantai registers its land) at about
/// 121.6°E, its corners as longitude/latitude (CGCS2000): just past the
/// line into zone 41.
pub fn yantai_lonlat() -> Vec<(f64, f64)> {
    let (x, y) = (40_641_000.0, 4_150_000.0);
    let mut corners = vec![
        (x, y),
        (x + 200.0, y),
        (x + 200.0, y + 100.0),
        (x, y + 100.0),
    ];
    parkdb::geometry::reproject(
        parkdb::Crs::epsg(4528).unwrap(),
        parkdb::Crs::CGCS2000,
        &mut corners,
    )
    .unwrap();
    assert!(corners[0].0 > 121.5, "{corners:?}");
    corners
}
