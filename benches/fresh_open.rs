//! A fresh open of the province benchmark's database: what the first
//! wide read of the parcels (a land summary of the present) and the first
//! evaluation cost a new handle, loading each ledger from its checkpoint
//! against folding every event (`PARKDB_CHECKPOINTS=off`). A benchmark,
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
    first_read: f64,
    evaluate: f64,
}

fn run(path: &str, scheme: &Scheme, year: i32) -> Run {
    let t = Instant::now();
    let db = Db::open(path).unwrap();
    let open = t.elapsed().as_secs_f64();
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
        first_read,
        evaluate,
    }
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
    let mut with = Vec::new();
    let mut without = Vec::new();
    for _ in 0..runs {
        std::env::remove_var("PARKDB_CHECKPOINTS");
        with.push(run(&path, &scheme, year));
        std::env::set_var("PARKDB_CHECKPOINTS", "off");
        without.push(run(&path, &scheme, year));
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
    let rows: [(&str, Field, &str); 3] = [
        ("open", |r| r.open, "s"),
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
}
