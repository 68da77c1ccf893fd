//! A fresh open of the province benchmark's database: what 20,000 point
//! reads by id, the first wide read of the parcels (a land summary of the
//! present) and the first evaluation cost a new handle, loading each
//! ledger from its checkpoint against folding every event
//! (`PARKDB_CHECKPOINTS=off`); and the same point reads on a new SQLite
//! connection to the benchmark's SQLite file. A benchmark,
//! not a test. (Resident memory is measured per process, by `/usr/bin/time
//! -f %M parkdb summary`: within one, freed memory is not returned.)
//!
//!   cargo bench -p parkdb-bench --bench province -- --keep DIR
//!   cargo bench -p parkdb-bench --bench fresh_open -- DIR [RUNS]
//!
//! Each row is the median of RUNS (default 5) opens, with the spread; the
//! two ways alternate, run by run, so the machine's moods fall on both.

use std::time::Instant;

use parkdb::scheme::Scheme;
use parkdb::Db;
use parkdb_bench::status_mib;

fn median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let spread = (v[v.len() - 1] - v[0]) / 2.0;
    (v[v.len() / 2], spread)
}

struct Run {
    open: f64,
    point_reads: f64,
    first_read: f64,
    evaluate: f64,
}

/// 20,000 parcel ids out of `n`, the same each run.
fn probes(n: u64) -> Vec<u64> {
    let mut x: u64 = 42;
    (0..20_000)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            1 + (x >> 33) % n
        })
        .collect()
}

fn run(path: &str, scheme: &Scheme, year: i32, ids: &[u64]) -> Run {
    let t = Instant::now();
    let db = Db::open(path).unwrap();
    let open = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let area: i64 = ids
        .iter()
        .map(|id| db.parcel(parkdb::ParcelId(*id)).unwrap().area.millionths() / 100)
        .sum();
    let point_reads = t.elapsed().as_secs_f64();
    assert!(area > 0);
    let t = Instant::now();
    let summary = db.now().land_summary().unwrap();
    let first_read = t.elapsed().as_secs_f64();
    assert!(summary.total.parcel_count > 0);
    let t = Instant::now();
    let e = db.now().scores(scheme, year).unwrap();
    let evaluate = t.elapsed().as_secs_f64();
    assert!(!e.is_empty());
    drop(db);
    // The view is freed on a thread of its own: let it go before the next.
    std::thread::sleep(std::time::Duration::from_secs(2));
    Run {
        open,
        point_reads,
        first_read,
        evaluate,
    }
}

/// The same point reads on a new connection to the SQLite file: every
/// column of each row, as parkdb reads each parcel whole.
fn sqlite_point_reads(file: &str, ids: &[u64]) -> f64 {
    let t = Instant::now();
    let conn = rusqlite::Connection::open(file).unwrap();
    let mut statement = conn.prepare("select * from parcel where id = ?").unwrap();
    let columns = statement.column_count();
    let mut read = 0usize;
    for id in ids {
        let id = i64::try_from(*id).unwrap();
        statement
            .query_row([id], |row| {
                for i in 0..columns {
                    let _: rusqlite::types::Value = row.get(i)?;
                }
                Ok(())
            })
            .unwrap();
        read += 1;
    }
    assert_eq!(read, ids.len());
    t.elapsed().as_secs_f64()
}

/// The child of `--resident`: one open, its resident sizes on one line.
fn resident_child(path: &str, scheme: &Scheme, year: i32) {
    let base = status_mib("VmRSS:");
    let db = Db::open(path).unwrap();
    let opened = status_mib("VmRSS:") - base;
    assert!(db.now().land_summary().unwrap().total.parcel_count > 0);
    let parcels = status_mib("VmRSS:") - base;
    assert!(!db.now().scores(scheme, year).unwrap().is_empty());
    let both = status_mib("VmRSS:") - base;
    let peak = status_mib("VmHWM:") - base;
    println!("{opened:.0} {parcels:.0} {both:.0} {peak:.0}");
}

/// `--resident`: each way in a child process, a table of MiB.
fn resident(dir: &str) {
    let me = std::env::current_exe().unwrap();
    let way = |off: bool| -> Vec<f64> {
        let mut child = std::process::Command::new(&me);
        child.args([dir, "--resident-child"]);
        if off {
            child.env("PARKDB_CHECKPOINTS", "off");
        } else {
            child.env_remove("PARKDB_CHECKPOINTS");
        }
        let out = child.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let with = way(false);
    let without = way(true);
    println!(
        "| resident size, MiB above the process's start | from checkpoints | folding every event |"
    );
    println!("|---|---:|---:|");
    let rows = [
        "after the open",
        "with the parcels' view (after the land summary)",
        "and the register's (after the evaluation)",
        "the process's peak",
    ];
    for (i, name) in rows.iter().enumerate() {
        println!("| {name} | {:.0} | {:.0} |", with[i], without[i]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = args
        .first()
        .expect("usage: fresh_open DIR [RUNS | --resident]");
    let path = format!("{dir}/province.parkdb");
    let scheme = parkdb::scheme::huangyan_2022();
    let year = 2022;
    let mode = args.get(1).map(String::as_str);
    if mode == Some("--resident-child") {
        resident_child(&path, &scheme, year);
        return;
    }
    // Checkpoints written afresh from the events, untimed.
    Db::open(&path).unwrap().checkpoint().unwrap();
    if mode == Some("--resident") {
        resident(dir);
        return;
    }
    let runs: usize = mode.and_then(|r| r.parse().ok()).unwrap_or(5);
    let sqlite = format!("{dir}/province.sqlite");
    let count: i64 = rusqlite::Connection::open(&sqlite)
        .unwrap()
        .query_row("select count(*) from parcel", [], |r| r.get(0))
        .unwrap();
    let ids = probes(u64::try_from(count).unwrap());
    let mut with = Vec::new();
    let mut without = Vec::new();
    let mut sqlite_reads = Vec::new();
    for _ in 0..runs {
        std::env::remove_var("PARKDB_CHECKPOINTS");
        with.push(run(&path, &scheme, year, &ids));
        std::env::set_var("PARKDB_CHECKPOINTS", "off");
        without.push(run(&path, &scheme, year, &ids));
        sqlite_reads.push(sqlite_point_reads(&sqlite, &ids));
    }
    std::env::remove_var("PARKDB_CHECKPOINTS");
    let parcels = Db::open(&path)
        .unwrap()
        .now()
        .land_summary()
        .unwrap()
        .total
        .parcel_count;
    println!("| row ({parcels} parcels, median of {runs}) | from checkpoints | folding every event | ratio |");
    println!("|---|---:|---:|---:|");
    type Field = fn(&Run) -> f64;
    let rows: [(&str, Field, &str); 4] = [
        ("open", |r| r.open, "s"),
        ("20,000 point reads by id", |r| r.point_reads, "s"),
        (
            "first wide read (land summary of the present)",
            |r| r.first_read,
            "s",
        ),
        ("then evaluate(huangyan_2022, 2022)", |r| r.evaluate, "s"),
    ];
    for (name, field, unit) in rows {
        let (a, sa) = median(with.iter().map(field).collect());
        let (b, sb) = median(without.iter().map(field).collect());
        println!(
            "| {name} | {a:.3} {unit} (±{sa:.3}) | {b:.3} {unit} (±{sb:.3}) | {:.2}× |",
            a / b
        );
    }
    let (a, sa) = median(with.iter().map(|r| r.point_reads).collect());
    let (q, sq) = median(sqlite_reads);
    println!();
    println!(
        "| row (median of {runs}) | parkdb, from checkpoints | SQLite, a new connection | ratio |"
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| 20,000 point reads by id, right after the open | {a:.3} s (±{sa:.3}) | {q:.3} s (±{sq:.3}) | {:.2}× |",
        a / q
    );
}
