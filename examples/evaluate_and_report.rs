//! Evaluate the firms per mu (亩均效益评价) and write the year's report:
//! the seed's example zone, the Huangyan 2022 preset, the annual report's
//! text and a workbook of it.
//!
//! `cargo run --example evaluate_and_report [-- REPORT.xlsx]`

use parkdb::example::{build_seed, REPORT_YEAR};
use parkdb::scheme::huangyan_2022;
use parkdb::Db;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(std::env::args().nth(1))
}

fn run(argument: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::temporary()?;
    build_seed(&db)?;
    let evaluation = db.now().evaluate(&huangyan_2022(), REPORT_YEAR)?;
    let mut graded: Vec<_> = evaluation.rows.iter().filter(|r| r.in_scope).collect();
    graded.sort_by_key(|r| r.rank);
    println!(
        "{} firms evaluated, {} out of scope",
        graded.len(),
        evaluation.rows.len() - graded.len()
    );
    for row in graded.iter().take(5) {
        println!(
            "  {:>3}. {} {:.1} {}",
            row.rank.unwrap_or_default(),
            row.name,
            row.score.unwrap_or_default(),
            row.grade.as_deref().unwrap_or("-")
        );
    }
    let report = db.now().annual_report(REPORT_YEAR)?;
    print!("{}", report.text());
    if let Some(out) = argument {
        parkdb::ledger::write_report_xlsx(&report, std::path::Path::new(&out))?;
        println!("written to {out}");
    }
    assert!(!graded.is_empty());
    Ok(())
}

#[test]
fn the_example_runs() {
    run(None).unwrap();
}
