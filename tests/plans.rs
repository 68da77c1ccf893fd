//! A year's plan against the ledgers: targets on the annual report's
//! figures for the year so far (or by their deadline) and milestones,
//! checked on the example zone against its figures worked out by hand.

mod common;

use common::d;
use parkdb::plan::{Milestone, Plan, Target};
use parkdb::{Db, Error};

fn plan() -> Plan {
    let target = |name: &str, figure: &str, goal: f64, by: Option<&str>| Target {
        name: name.into(),
        figure: figure.into(),
        goal,
        by: by.map(d),
    };
    Plan {
        name: "2005年工作计划".into(),
        year: 2005,
        targets: vec![
            target("预计征地500亩", "requisitioned_in_year_mu", 500.0, None),
            target(
                "第一批项目9月底前下达",
                "approved_in_batch:第一批",
                13.0,
                Some("2005-09-30"),
            ),
            target("引进工业项目15个", "projects_signed", 15.0, None),
        ],
        milestones: vec![Milestone {
            name: "ISO14001认证".into(),
            by: Some(d("2005-07-31")),
            done: Some(d("2005-08-15")),
        }],
    }
}

#[test]
fn a_plan_is_measured_by_the_ledgers_as_of_a_date() {
    let db = Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    let plan = plan();
    // The year's end: 1070亩 requisitioned in 2005 (two parcels of 535亩,
    // February and August), 13 projects in the first batch by September
    // 15, 11 projects signed; ISO14001 done, but after its deadline.
    let end = db.now().plan_progress(&plan, d("2005-12-31")).unwrap();
    let got: Vec<(Option<f64>, bool)> = end.rows.iter().map(|r| (r.value, r.met)).collect();
    assert_eq!(
        got,
        vec![
            (Some(1070.0), true),
            (Some(13.0), true),
            (Some(11.0), false),
            (None, false)
        ]
    );
    assert!((end.rows[2].share.unwrap() - 11.0 / 15.0).abs() < 1e-12);
    // Mid-year: one parcel requisitioned, no batch yet, the milestone not done.
    let mid = db.now().plan_progress(&plan, d("2005-06-30")).unwrap();
    let got: Vec<Option<f64>> = mid.rows.iter().map(|r| r.value).collect();
    assert_eq!(got[..2], [Some(535.0), Some(0.0)]);
    assert_eq!(mid.rows[3].done, None);
    let text = end.text();
    assert!(
        text.contains("预计征地500亩:已完成(完成1070/500)"),
        "{text}"
    );
    assert!(text.contains("ISO14001认证:逾期完成(2005-08-15)"), "{text}");
}

#[test]
fn a_target_on_an_unknown_figure_is_refused() {
    let db = Db::temporary().unwrap();
    let mut bad = plan();
    bad.targets[0].figure = "land_grabbed_mu".into();
    let err = db.now().plan_progress(&bad, d("2005-12-31")).unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(err.to_string().contains("land_grabbed_mu"), "{err}");
    let mut bad = plan();
    bad.targets[1].goal = 0.0;
    assert!(matches!(
        db.now().plan_progress(&bad, d("2005-12-31")),
        Err(Error::Validation { .. })
    ));
}

#[test]
fn the_seeds_plans_as_the_ledgers_say_at_the_years_end() {
    let db = Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    let [bureau, zone] = <[Plan; 2]>::try_from(parkdb::example::seed_plans()).unwrap();
    // The second batch's three projects wait (拟在12月中旬前完成): none approved.
    let p = db.now().plan_progress(&bureau, d("2005-12-31")).unwrap();
    assert_eq!((p.rows[0].value, p.rows[0].met), (Some(0.0), false));
    // Next year's plan at this year's end: nothing yet.
    let p = db.now().plan_progress(&zone, d("2005-12-31")).unwrap();
    let values: Vec<Option<f64>> = p.rows.iter().map(|r| r.value).collect();
    assert_eq!(values, vec![Some(0.0), Some(0.0), None]);
    // Measured before its year, it has not begun: not 未完成.
    assert_eq!(
        p.text(),
        "2006年工业区工作计划:2006年的计划,截至2005年12月31日尚未开始。"
    );
    // Within its year it is measured item by item.
    let p = db.now().plan_progress(&zone, d("2006-06-30")).unwrap();
    assert!(
        p.text().starts_with(
            "2006年工业区工作计划完成情况(截至2006年6月30日):预计征地500亩:未完成(完成0/500)"
        ),
        "{}",
        p.text()
    );
}
