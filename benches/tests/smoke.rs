//! The benchmark at a small size: every row runs and both engines agree.

#[path = "../province.rs"]
#[allow(dead_code)]
mod province;

#[test]
fn every_row_runs_and_the_engines_agree() {
    let dir = std::env::temp_dir().join(format!("parkdb-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 2,000 parcels, 1,000 enterprises, 10,000 yearly rows, 400 applications.
    let rows = province::run(0.002, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(rows.len(), 19);
    assert!(rows.iter().any(|r| r.name == "first read after import"));
    assert!(rows.iter().any(|r| r.name.starts_with("evaluate as rows")));
    assert!(rows
        .iter()
        .any(|r| r.name.starts_with("checkpoints on disk")));
    for r in &rows {
        assert!(
            r.parkdb.is_finite() && r.parkdb >= 0.0 && r.sqlite.is_finite() && r.sqlite >= 0.0,
            "{}",
            r.name
        );
    }
    province::print(&rows, 0.002);
}
