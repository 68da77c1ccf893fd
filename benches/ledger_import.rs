//! A 地块台账 of N rows imported from CSV and from xlsx against the same parcels written
//! through the API in one unit of work: time and peak memory of each, in a
//! process of its own (the parent runs the child per mode and run, reading
//! its peak resident size from `/proc/self/status` as the child reports
//! it), median of RUNS with the spread. A benchmark, not a test.
//!
//!   cargo bench -p parkdb-bench --bench ledger_import -- [ROWS] [RUNS]
//!

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use parkdb::ledger::{self, ImportOptions};
use parkdb::{Db, LandUse, NewParcel};

fn median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let spread = (v[v.len() - 1] - v[0]) / 2.0;
    (v[v.len() / 2], spread)
}

/// The child's peak resident size in MiB (`VmHWM`).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn row(i: usize) -> (String, String, String) {
    (
        format!("GP-{i:07}"),
        format!("{}.5", 10 + i % 50),
        format!("2005-01-{:02}", 1 + i % 28),
    )
}

/// One run in this process: `api`, `csv` or `xlsx`; prints "seconds peak_mib".
fn child(mode: &str, n: usize, dir: &std::path::Path) -> parkdb::Result<()> {
    let db = Db::open(dir.join("db"))?;
    let t = Instant::now();
    match mode {
        "api" => {
            db.write(|w| {
                for i in 0..n {
                    let (code, area, day) = row(i);
                    let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|e| parkdb::Error::validation("date", e.to_string()))?;
                    w.add_parcel(NewParcel::new(
                        code,
                        area.parse()?,
                        LandUse::Industrial,
                        day,
                    ))?;
                }
                Ok(())
            })?;
        }
        file => {
            let sheets = ledger::read_file(&dir.join(format!("地块台账.{file}")))?;
            let report = ledger::import(&db, &sheets, ImportOptions::default())?;
            assert!(report.is_clean() && report.written, "{:?}", report.errors);
        }
    }
    db.flush()?;
    println!("{} {}", t.elapsed().as_secs_f64(), peak_mib());
    Ok(())
}

fn main() -> parkdb::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if args.first().map(String::as_str) == Some("child") {
        let n = args[2].parse().expect("rows");
        return child(&args[1], n, std::path::Path::new(&args[3]));
    }
    let n: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let csv = tempfile::tempdir().map_err(|e| parkdb::Error::Storage(e.to_string()))?;
    {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(csv.path().join("地块台账.csv"))
                .map_err(|e| parkdb::Error::Storage(e.to_string()))?,
        );
        writeln!(f, "地块编号,面积(亩),用途,征地日期")
            .map_err(|e| parkdb::Error::Storage(e.to_string()))?;
        for i in 0..n {
            let (code, area, day) = row(i);
            writeln!(f, "{code},{area},工业,{day}")
                .map_err(|e| parkdb::Error::Storage(e.to_string()))?;
        }
    }
    // The same rows as a workbook, as Excel saves one.
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .set_name("地块台账")
            .map_err(|e| parkdb::Error::Storage(e.to_string()))?;
        let xl = |e: rust_xlsxwriter::XlsxError| parkdb::Error::Storage(e.to_string());
        for (c, h) in (0u16..).zip(["地块编号", "面积(亩)", "用途", "征地日期"]) {
            sheet.write_string(0, c, h).map_err(xl)?;
        }
        for (r, i) in (1u32..).zip(0..n) {
            let (code, area, day) = row(i);
            sheet.write_string(r, 0, &code).map_err(xl)?;
            sheet
                .write_number(r, 1, area.parse::<f64>().unwrap_or(0.0))
                .map_err(xl)?;
            sheet.write_string(r, 2, "工业").map_err(xl)?;
            sheet.write_string(r, 3, &day).map_err(xl)?;
        }
        book.save(csv.path().join("地块台账.xlsx")).map_err(xl)?;
    }
    let me = std::env::current_exe().map_err(|e| parkdb::Error::Storage(e.to_string()))?;
    let mut results = Vec::new();
    for mode in ["api", "csv", "xlsx"] {
        let (mut secs, mut peaks) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let dir = tempfile::tempdir().map_err(|e| parkdb::Error::Storage(e.to_string()))?;
            for file in ["地块台账.csv", "地块台账.xlsx"] {
                std::fs::copy(csv.path().join(file), dir.path().join(file))
                    .map_err(|e| parkdb::Error::Storage(e.to_string()))?;
            }
            let out = Command::new(&me)
                .args(["child", mode, &n.to_string()])
                .arg(dir.path())
                .output()
                .map_err(|e| parkdb::Error::Storage(e.to_string()))?;
            let text = String::from_utf8_lossy(&out.stdout);
            let mut parts = text
                .split_whitespace()
                .map(|p| p.parse::<f64>().unwrap_or(f64::NAN));
            secs.push(parts.next().unwrap_or(f64::NAN));
            peaks.push(parts.next().unwrap_or(f64::NAN));
        }
        results.push((mode, median(secs), median(peaks)));
    }
    println!("| {n} parcels, one unit of work | median of {runs} (± spread) | peak memory |");
    println!("|---|---:|---:|");
    for (mode, (s, ss), (m, ms)) in &results {
        let what = match *mode {
            "api" => "through the API (`Writer::add_parcel`)",
            "csv" => "地块台账 CSV (`ledger::import`)",
            _ => "地块台账 xlsx (`ledger::import`)",
        };
        println!("| {what} | {s:.2} s ± {ss:.2} | {m:.0} MiB ± {ms:.0} |");
    }
    let api = &results[0];
    for (mode, time, memory) in &results[1..] {
        println!(
            "{} / API: {:.2}× the time, {:.2}× the peak memory",
            mode.to_uppercase(),
            time.0 / (api.1).0,
            memory.0 / (api.2).0
        );
    }
    Ok(())
}
