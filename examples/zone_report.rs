//! parkdb's main job: build the seed's example zone as a database of events
//! and print its figures for the report year.
//!
//! `cargo run --release --example zone_report [-- PATH]`: with a path the
//! database is kept there; without one it is temporary.

use chrono::NaiveDate;
use parkdb::example::{build_seed, REPORT_YEAR};
use parkdb::{Db, LandUse};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = match std::env::args().nth(1) {
        Some(path) => {
            let _ = std::fs::remove_dir_all(&path);
            Db::open(&path)?
        }
        None => Db::temporary()?,
    };
    build_seed(&db)?;
    let year_end = NaiveDate::from_ymd_opt(REPORT_YEAR, 12, 31).expect("valid date");
    let s = db.land_summary(year_end)?;
    let t = &s.total;
    println!("{REPORT_YEAR}年 工业区土地台账 (截至{year_end})");
    println!(
        "  征地 {}, 开发用地 {}, 已办证 {}",
        t.requisitioned_mu, t.developed_mu, t.certified_mu
    );
    println!(
        "  已供应 {}, 储备 {}, 在建 {}, 竣工 {}",
        t.supplied_mu, t.reserve_mu, t.under_construction_mu, t.completed_mu
    );
    println!(
        "  闲置 {} ({}宗), 累计收回 {} ({}宗), 地块 {}宗",
        t.idle_mu, t.idle_count, t.reclaimed_mu, t.reclaimed_count, t.parcel_count
    );
    for (land_use, f) in &s.by_land_use {
        println!(
            "  {:<8} 征地 {}, 已供应 {}",
            land_use.chinese(),
            f.requisitioned_mu,
            f.supplied_mu
        );
    }
    let commercial = s
        .by_land_use
        .get(&LandUse::CommercialResidential)
        .map(|f| f.supplied_mu);
    if let Some(m) = commercial {
        println!("  商住用地公开投标 {m}");
    }
    let report = db.check()?;
    println!(
        "完整性检查: {} 条记录, {} 个事件, {}",
        report.records,
        report.events,
        if report.is_clean() {
            "无问题"
        } else {
            "有问题"
        }
    );
    Ok(())
}
