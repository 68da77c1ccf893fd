//! parkdb's main job: build the seed's example zone and bureau as a
//! database of events and print their annual report for 2005.
//!
//! `cargo run --release --example zone_report [-- PATH]`: with a path the
//! database is kept there (replacing what was there); without one it is
//! temporary.

use parkdb::example::{build_seed, seed_plans, REPORT_YEAR};
use parkdb::scheme::huangyan_2022;
use parkdb::Db;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = match std::env::args().nth(1) {
        Some(path) => {
            if std::path::Path::new(&path).exists() {
                std::fs::remove_dir_all(&path)?;
            }
            Db::open(&path)?
        }
        None => Db::temporary()?,
    };
    build_seed(&db)?;
    let report = db.now().annual_report(REPORT_YEAR)?;
    println!("{REPORT_YEAR}年度工作报告(由台账事件生成)\n");
    print!("{}", report.text());

    let evaluation = db.now().evaluate(&huangyan_2022(), REPORT_YEAR)?;
    let counts: Vec<String> = evaluation
        .grade_counts()
        .iter()
        .map(|(g, n)| format!("{g}类{n}家"))
        .collect();
    let out = evaluation.rows.iter().filter(|r| !r.in_scope).count();
    println!(
        "六、亩均效益评价(黄岩2022方法):{},不在评价范围{}家。",
        counts.join("、"),
        out
    );

    // The plans the reports set, as far as the ledgers say at the year's end.
    let end = chrono::NaiveDate::from_ymd_opt(REPORT_YEAR, 12, 31).ok_or("a year's end")?;
    for plan in seed_plans() {
        println!("{}", db.now().plan_progress(&plan, end)?.text());
    }

    let check = db.check()?;
    println!(
        "\n完整性检查:{}条记录,{}个事件,{}。",
        check.records,
        check.events,
        if check.is_clean() {
            "无问题"
        } else {
            "发现问题"
        }
    );
    if !check.is_clean() {
        return Err(format!("integrity check failed: {:?}", check.problems).into());
    }
    Ok(())
}
