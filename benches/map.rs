//! The map of a park at a real density: 100,000 parcels with surveyed
//! boundaries (squares of 20 m in a 400-wide grid, in a Gauss-Krüger zone),
//! drawn as SVG by `View::map`: the first map (which loads the parcels'
//! records) and the median of the next RUNS, with the SVG's size. A benchmark, not a test
//! (the size is held by a test of `map`; the time is measured here). No
//! SQLite row: SQLite draws no maps.
//!
//!   cargo bench -p parkdb-bench --bench map -- [PARCELS] [RUNS]
//!

use std::time::Instant;

use parkdb::{Crs, Db, LandUse, MapColor, NewParcel, Outline};

fn median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let spread = (v[v.len() - 1] - v[0]) / 2.0;
    (v[v.len() / 2], spread)
}

fn main() -> parkdb::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let db = Db::temporary()?;
    let zone = Crs::epsg(4527)?;
    let day = chrono::NaiveDate::from_ymd_opt(2005, 1, 1).expect("a date");
    let built = Instant::now();
    let mut tx = db.begin()?;
    for i in 0..n {
        let (x, y) = (
            39_500_000.0 + (i % 400) as f64 * 20.0,
            3_400_000.0 + (i / 400) as f64 * 20.0,
        );
        let mut p = NewParcel::new(
            format!("GP-{i:06}"),
            "0.6".parse()?,
            LandUse::Industrial,
            day,
        );
        p.boundary = Some(
            Outline::points(&[(x, y), (x + 20.0, y), (x + 20.0, y + 20.0), (x, y + 20.0)])
                .in_crs(zone),
        );
        tx.add_parcel(p)?;
    }
    tx.commit()?;
    println!(
        "{n} parcels with boundaries stored in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    // The first map loads the parcels' records; the rest draw from memory.
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..=runs {
        let t = Instant::now();
        let map = db.now().map(MapColor::Status)?;
        times.push(t.elapsed().as_secs_f64());
        bytes = map.svg().len();
    }
    let first = times.remove(0);
    let (m, spread) = median(times);
    println!("| map of {n} parcels | first (loads records) | median of {runs} (± spread) | SVG |");
    println!("|---|---:|---:|---:|");
    println!(
        "| status colours | {first:.3} s | {m:.3} s ± {spread:.3} | {:.2} MB |",
        bytes as f64 / 1e6
    );
    Ok(())
}
