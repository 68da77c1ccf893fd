//! Derived indicators, the Huangyan scheme on a worked example, scope,
//! grading ties, target frameworks, observations, and the annual report.

mod common;

use std::collections::BTreeMap;

use common::{d, firm, mu, parcel, q, terms, yuan};
use parkdb::example::build_seed;
use parkdb::indicators::{Direction, Metric, Missing, SubjectKind};
use parkdb::scheme::{
    huangyan_2022, huangyan_2022_small, Candidate, Candidates, Evaluation, EvaluationRow, Graded,
    Grading, MissingRule, Scheme, SchemeItem, Scope, TargetFramework, Unfit,
};
use parkdb::tables::evaluation_batch;
use parkdb::{Db, EnterpriseId, Error, Mu, YearlyFigures};

/// A firm holding `land` 亩 at the end of 2022 with the given figures.
fn firm_with(db: &Db, name: &str, land: &str, figures: YearlyFigures) -> EnterpriseId {
    let e = firm(db, name);
    let p = parcel(db, &format!("P-{name}"), land, "2020-01-01");
    db.allocate(p, terms(e, "2020-06-01", "1", None)).unwrap();
    db.report_year(e, 2022, figures).unwrap();
    e
}

fn figures(
    tax_wan: &str,
    va_wan: &str,
    energy: &str,
    emissions: Option<&str>,
    employees: u32,
    rd_wan: &str,
    revenue_wan: &str,
) -> YearlyFigures {
    let w = |s: &str| parkdb::Yuan::parse_wan(s).unwrap();
    YearlyFigures {
        output_value: Some(w(revenue_wan)),
        revenue: Some(w(revenue_wan)),
        tax: Some(w(tax_wan)),
        value_added: Some(w(va_wan)),
        employees: Some(employees),
        rd: Some(w(rd_wan)),
        energy_tce: Some(q(energy)),
        electricity_kwh: Some(q("2000000")),
        emissions_t: emissions.map(q),
        above_scale: Some(true),
        water_m3: Some(q("50000")),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn derived_indicators_equal_hand_computed_values() {
    let db = Db::temporary().unwrap();
    let e = firm_with(
        &db,
        "科华",
        "10",
        figures("120", "800", "400", Some("2"), 50, "30", "1000"),
    );
    db.enterprise_signed(e, d("2020-05-01"), yuan("15000000"), mu("10"))
        .unwrap();
    db.capital_increased(e, d("2021-05-01"), yuan("5000000"), mu("0"))
        .unwrap();
    // Land bought after the year and leased space do not count unless asked.
    let later = parcel(&db, "P-later", "5", "2020-01-01");
    db.allocate(later, terms(e, "2023-02-01", "1", None))
        .unwrap();
    db.lease(e, "1#", None, q("20000"), d("2022-03-01"), None)
        .unwrap();

    let rows = db.now().enterprise_years(2022, false).unwrap();
    let row = rows.iter().find(|r| r.enterprise == e).unwrap();
    assert_eq!(row.land, mu("10"));
    let v = |m: Metric| *row.values[&m].as_ref().unwrap();
    assert!(close(v(Metric::TaxPerMu), 120.0 / 10.0));
    assert!(close(v(Metric::ValueAddedPerMu), 800.0 / 10.0));
    assert!(close(v(Metric::ValueAddedPerEnergy), 800.0 / 400.0));
    assert!(close(v(Metric::ValueAddedPerEmission), 800.0 / 2.0));
    assert!(close(v(Metric::LabourProductivity), 800.0 / 50.0));
    assert!(close(v(Metric::RdRatio), 30.0 / 1000.0));
    assert!(close(
        v(Metric::TaxPerElectricity),
        1_200_000.0 / 2_000_000.0
    ));
    assert!(close(v(Metric::InvestmentPerMu), 2000.0 / 10.0));

    // 20000 m² = 30 亩 of leased space, when the scheme counts it.
    let with_lease = db.now().enterprise_years(2022, true).unwrap();
    let row = with_lease.iter().find(|r| r.enterprise == e).unwrap();
    assert_eq!(row.land, mu("40"));
    assert!(close(
        *row.values[&Metric::TaxPerMu].as_ref().unwrap(),
        120.0 / 40.0
    ));
}

#[test]
fn missing_inputs_give_reasons_not_divisions_by_zero() {
    let db = Db::temporary().unwrap();
    let landless = firm(&db, "无地企业");
    db.report_year(
        landless,
        2022,
        YearlyFigures {
            tax: Some(yuan("100")),
            employees: Some(0),
            value_added: Some(yuan("5")),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    let rows = db.now().enterprise_years(2022, false).unwrap();
    let row = rows.iter().find(|r| r.enterprise == landless).unwrap();
    assert_eq!(
        row.values[&Metric::TaxPerMu].as_ref().unwrap_err(),
        &Missing::NoLand(2022)
    );
    assert_eq!(
        row.values[&Metric::LabourProductivity]
            .as_ref()
            .unwrap_err(),
        &Missing::Zero("employees")
    );
    assert_eq!(
        row.values[&Metric::ValueAddedPerEnergy]
            .as_ref()
            .unwrap_err(),
        &Missing::NotReported("energy use")
    );
    assert_eq!(
        row.values[&Metric::RdRatio].as_ref().unwrap_err(),
        &Missing::NotReported("R&D expense")
    );
    let silent = firm(&db, "未报企业");
    let rows = db.now().enterprise_years(2022, false).unwrap();
    let row = rows.iter().find(|r| r.enterprise == silent).unwrap();
    assert_eq!(row.unfit.as_deref(), Some("no figures for 2022"));
}

#[test]
fn the_huangyan_formula_on_a_worked_example() {
    let db = Db::temporary().unwrap();
    // A: exactly at every benchmark but emissions, which it did not report.
    let a = firm_with(
        &db,
        "A",
        "10",
        figures("240.97", "1361.6", "505.4194", None, 75, "30.2", "1000"),
    );
    // B: three times the tax benchmark (capped at twice), half the rest.
    let b = firm_with(
        &db,
        "B",
        "10",
        figures(
            "722.91",
            "680.8",
            "505.4194",
            Some("0.2762"),
            75,
            "15.1",
            "1000",
        ),
    );
    // C: reports emissions at the benchmark, everything else at zero.
    let c = firm_with(
        &db,
        "C",
        "20",
        figures("0", "0.0001", "1", Some("0"), 1, "0", "1"),
    );
    let eval = db.now().evaluate(&huangyan_2022(), 2022).unwrap();
    let row = |e: EnterpriseId| eval.rows.iter().find(|r| r.enterprise == e).unwrap();
    // Candidates with every metric (as a caller outside parkdb builds
    // them) score as the scheme's own do: values and notes alike.
    let every = db
        .now()
        .enterprise_years(2022, huangyan_2022().scope.include_leased)
        .unwrap();
    assert!(every.iter().all(|c| c.values.len() == Metric::ALL.len()));
    assert_eq!(huangyan_2022().score(2022, every).unwrap(), eval);

    // By hand, item = min(value / benchmark, 2) × weight:
    let energy_a = (1361.6 / 10.0 * 10.0 / 505.4194) / 2.694 * 20.0; // 单位能耗增加值 ≈ 20
    let labour_a = (1361.6 / 75.0) / 18.14 * 10.0; // 全员劳动生产率 ≈ 10
    let emission_b = ((680.8_f64 / 0.2762) / 4929.81).min(2.0) * 10.0; // ≈ 5, B's only emissions score
                                                                       // Items with a value: B's emission score is the only one; C's emissions are zero, so missing.
    let scope_mean = emission_b;
    let score_a = 30.0 + 20.0 + energy_a + scope_mean + labour_a + 10.0;
    let energy_b = (680.8 / 505.4194) / 2.694 * 20.0;
    let labour_b = (680.8 / 75.0) / 18.14 * 10.0;
    let score_b = 2.0 * 30.0 + 10.0 + energy_b + emission_b + labour_b + 5.0;
    assert!(
        close(row(a).score.unwrap(), score_a),
        "{} vs {score_a}",
        row(a).score.unwrap()
    );
    assert!(
        close(row(b).score.unwrap(), score_b),
        "{} vs {score_b}",
        row(b).score.unwrap()
    );
    assert!(
        close(row(b).item_scores[&Metric::TaxPerMu], 60.0),
        "capped at twice the weight"
    );
    assert!(
        close(
            row(a).item_scores[&Metric::ValueAddedPerEmission],
            scope_mean
        ),
        "missing emissions score the scope mean"
    );
    assert!(row(a)
        .reason
        .as_deref()
        .unwrap()
        .contains("value_added_per_emission: no emissions reported, scored the scope mean"));
    // C's emissions are zero, so that value is missing and scores the scope mean;
    // its R&D ratio is zero and scores zero.
    assert!(close(
        row(c).item_scores[&Metric::ValueAddedPerEmission],
        scope_mean
    ));
    assert!(close(row(c).item_scores[&Metric::RdRatio], 0.0));
    assert!(row(c).score.unwrap() < row(b).score.unwrap());

    assert_eq!(row(a).rank, Some(1));
    assert_eq!(row(b).rank, Some(2));
    assert_eq!(row(c).rank, Some(3));
    // Three firms: shares ahead 0, 1/3, 2/3 → A, B, C.
    assert_eq!(
        (
            row(a).grade.as_deref(),
            row(b).grade.as_deref(),
            row(c).grade.as_deref()
        ),
        (Some("A"), Some("B"), Some("C"))
    );
}

#[test]
fn scope_excludes_with_reasons() {
    let db = Db::temporary().unwrap();
    let ok = firm_with(
        &db,
        "规上",
        "10",
        figures("100", "500", "100", Some("1"), 10, "1", "100"),
    );
    let small = firm_with(
        &db,
        "规下",
        "10",
        YearlyFigures {
            above_scale: Some(false),
            ..figures("100", "500", "100", Some("1"), 10, "1", "100")
        },
    );
    let tiny = firm_with(
        &db,
        "小地块",
        "2.9999",
        figures("100", "500", "100", Some("1"), 10, "1", "100"),
    );
    let exempt = firm_with(
        &db,
        "豁免",
        "10",
        figures("100", "500", "100", Some("1"), 10, "1", "100"),
    );
    let unflagged = firm_with(
        &db,
        "未标",
        "10",
        YearlyFigures {
            above_scale: None,
            ..figures("100", "500", "100", Some("1"), 10, "1", "100")
        },
    );
    let closed = firm_with(
        &db,
        "关闭",
        "10",
        figures("100", "500", "100", Some("1"), 10, "1", "100"),
    );
    db.enterprise_closed(closed, d("2022-06-30"), "注销")
        .unwrap();
    let mut scheme = huangyan_2022();
    scheme.scope.exempt.push(exempt);
    let eval = db.now().evaluate(&scheme, 2022).unwrap();
    let reason = |e: EnterpriseId| {
        let r = eval.rows.iter().find(|r| r.enterprise == e).unwrap();
        assert!(!r.in_scope && r.score.is_none() && r.grade.is_none());
        r.reason.clone().unwrap()
    };
    assert!(
        eval.rows
            .iter()
            .find(|r| r.enterprise == ok)
            .unwrap()
            .in_scope
    );
    assert!(reason(small).contains("not above scale"));
    assert!(reason(tiny).contains("less than 3亩"));
    assert_eq!(reason(exempt), "exempt");
    assert!(reason(unflagged).contains("not reported"));
    assert!(reason(closed).starts_with("closed"));
    // The small-firm scheme takes the one the large one left out.
    let small_eval = db.now().evaluate(&huangyan_2022_small(), 2022).unwrap();
    let in_small: Vec<_> = small_eval
        .rows
        .iter()
        .filter(|r| r.in_scope)
        .map(|r| r.enterprise)
        .collect();
    assert_eq!(in_small, vec![small]);
    let r = &small_eval.rows[0];
    // 亩均税收 10 / 11.5932 × 50 + 单位电耗税收 (1,000,000 / 2,000,000) / 0.2352 × 50, each capped at 2.
    let want = (10.0 / 11.5932) * 50.0 + (0.5_f64 / 0.2352).min(2.0) * 50.0;
    assert!(close(r.score.unwrap(), want));
}

fn two_item_scheme(grading: Grading) -> Scheme {
    let item = |metric, weight, benchmark| SchemeItem {
        metric,
        weight,
        benchmark,
        cap: 1.5,
        direction: Direction::Higher,
        missing: MissingRule::Zero,
    };
    Scheme {
        name: "test".into(),
        source: "a test".into(),
        items: vec![
            item(Metric::TaxPerMu, 60.0, 10.0),
            item(Metric::LabourProductivity, 40.0, 20.0),
        ],
        scope: Scope::default(),
        grading,
        surcharges: Vec::new(),
    }
}

#[test]
fn ties_share_rank_and_grade() {
    let db = Db::temporary().unwrap();
    // Tax per mu 10, 8, 8, 5, 2 (labour productivity 20 for all): scores 100, 88, 88, 70, 52.
    let firms: Vec<EnterpriseId> = [
        ("甲", "100"),
        ("乙", "80"),
        ("丙", "80"),
        ("丁", "50"),
        ("戊", "20"),
    ]
    .iter()
    .map(|(n, tax)| firm_with(&db, n, "10", figures(tax, "200", "1", None, 10, "1", "1")))
    .collect();
    let pct = Grading::Percentile(vec![
        ("A".into(), 0.2),
        ("B".into(), 0.6),
        ("C".into(), 0.95),
        ("D".into(), 1.0),
    ]);
    let eval = db.now().evaluate(&two_item_scheme(pct), 2022).unwrap();
    let got: Vec<(u32, String, f64)> = firms
        .iter()
        .map(|e| {
            let r = eval.rows.iter().find(|r| r.enterprise == *e).unwrap();
            (r.rank.unwrap(), r.grade.clone().unwrap(), r.score.unwrap())
        })
        .collect();
    let scores: Vec<f64> = got.iter().map(|g| g.2).collect();
    for (s, want) in scores.iter().zip([100.0, 88.0, 88.0, 70.0, 52.0]) {
        assert!(close(*s, want), "{scores:?}");
    }
    assert_eq!(
        got.iter().map(|g| g.0).collect::<Vec<_>>(),
        vec![1, 2, 2, 4, 5]
    );
    // Shares ahead: 0, .2, .2, .6, .8 → A, B, B, C, C.
    assert_eq!(
        got.iter().map(|g| g.1.as_str()).collect::<Vec<_>>(),
        vec!["A", "B", "B", "C", "C"]
    );
    assert_eq!(
        eval.grade_counts(),
        BTreeMap::from([
            ("A".to_string(), 1),
            ("B".to_string(), 2),
            ("C".to_string(), 2)
        ])
    );

    let abs = Grading::Absolute(vec![
        ("优".into(), 90.0),
        ("良".into(), 80.0),
        ("中".into(), 60.0),
        ("差".into(), 0.0),
    ]);
    let eval = db.now().evaluate(&two_item_scheme(abs), 2022).unwrap();
    let grades: Vec<String> = firms
        .iter()
        .map(|e| {
            eval.rows
                .iter()
                .find(|r| r.enterprise == *e)
                .unwrap()
                .grade
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(grades, vec!["优", "良", "良", "中", "差"]);

    let mut bad = two_item_scheme(Grading::Percentile(vec![
        ("A".into(), 0.6),
        ("B".into(), 0.2),
    ]));
    assert!(matches!(
        db.now().evaluate(&bad, 2022),
        Err(Error::Validation { .. })
    ));
    bad.grading = Grading::Absolute(vec![("A".into(), 1.0)]);
    bad.items[0].benchmark = 0.0;
    assert!(matches!(
        db.now().evaluate(&bad, 2022),
        Err(Error::Validation { .. })
    ));
}

#[test]
fn an_evaluation_computes_its_schemes_metrics_and_the_candidates_all() {
    let db = Db::temporary().unwrap();
    let e = firm_with(
        &db,
        "甲",
        "10",
        figures("100", "200", "1", None, 10, "1", "1"),
    );
    let scheme = two_item_scheme(Grading::Absolute(vec![("A".into(), 0.0)]));
    assert_eq!(
        scheme.metrics(),
        [Metric::TaxPerMu, Metric::LabourProductivity]
    );
    // A metric scored by two items would lose one's weight: refused.
    let mut twice = scheme.clone();
    let mut again = twice.items[0].clone();
    again.weight = 1.0;
    twice.items.push(again);
    match db.now().evaluate(&twice, 2022) {
        Err(Error::Validation { field, reason }) => {
            assert_eq!(field, "scheme");
            assert!(reason.contains(Metric::TaxPerMu.code()), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let eval = db.now().evaluate(&scheme, 2022).unwrap();
    let row = eval.rows.iter().find(|r| r.enterprise == e).unwrap();
    assert_eq!(
        row.values.keys().copied().collect::<Vec<_>>(),
        [Metric::TaxPerMu, Metric::LabourProductivity]
    );
    assert!(close(
        *row.values[&Metric::TaxPerMu].as_ref().unwrap(),
        10.0
    ));
    let all = db.now().enterprise_years(2022, false).unwrap();
    let mine = all.iter().find(|c| c.enterprise == e).unwrap();
    assert_eq!(mine.values.len(), Metric::ALL.len());
}

#[test]
fn observations_revise_and_target_frameworks_score() {
    let db = Db::temporary().unwrap();
    db.write(|w| {
        w.define_indicator(
            "R&D_GDP",
            "R&D经费占GDP比重",
            Some("%"),
            Direction::Higher,
            SubjectKind::Zone,
        )?;
        w.define_indicator(
            "HT_SHARE",
            "高新技术产业产值占比",
            Some("%"),
            Direction::Higher,
            SubjectKind::Zone,
        )?;
        w.define_indicator(
            "PATENTS",
            "每万人专利授权量",
            Some("件"),
            Direction::Higher,
            SubjectKind::Zone,
        )?;
        Ok(())
    })
    .unwrap();
    db.write(|w| w.observe("R&D_GDP", "zone", "2005", q("1.6"), Some("统计年鉴")))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3));
    let first = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(3));
    db.write(|w| {
        w.observe("R&D_GDP", "zone", "2005", q("1.8"), Some("修订"))?;
        w.observe("HT_SHARE", "zone", "2005", q("50"), None)
    })
    .unwrap();

    let framework = TargetFramework {
        name: "科技进步考核".into(),
        targets: vec![
            ("R&D_GDP".into(), 2.0, 10.0),
            ("HT_SHARE".into(), 40.0, 20.0),
            ("PATENTS".into(), 5.0, 5.0),
        ],
    };
    let a = db.now().assess(&framework, "2005").unwrap();
    // min(1.8/2, 1)·10 + min(50/40, 1)·20 + 0 (no patents observed) = 9 + 20 + 0.
    assert!(close(a.score, 29.0), "{a:?}");
    assert!(close(a.max_score, 35.0));
    assert_eq!(a.items[2], ("PATENTS".to_string(), None, 0.0));
    let then = db.as_known_at(first).assess(&framework, "2005").unwrap();
    assert!(close(then.score, 8.0), "the first observation, 1.6/2·10");
    assert_eq!(db.now().indicator("R&D_GDP").unwrap().observations.len(), 1);

    let refused = |r: parkdb::Result<parkdb::EventId>| {
        matches!(r, Err(Error::Validation { .. } | Error::NotFound { .. }))
    };
    assert!(refused(db.write(|w| w.observe(
        "NOPE",
        "zone",
        "2005",
        q("1"),
        None
    ))));
    assert!(refused(db.write(|w| w.observe(
        "R&D_GDP",
        "zone",
        "2005-13",
        q("1"),
        None
    ))));
    assert!(refused(db.write(|w| w.observe(
        "R&D_GDP",
        "7",
        "2005",
        q("1"),
        None
    ))));
    assert!(matches!(
        db.write(|w| w.define_indicator(
            "R&D_GDP",
            "again",
            None,
            Direction::Higher,
            SubjectKind::Zone
        )),
        Err(Error::Conflict { .. })
    ));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn the_annual_report_reproduces_the_seed() {
    let db = Db::temporary().unwrap();
    build_seed(&db).unwrap();
    let r = db.now().annual_report(2005).unwrap();
    let wan = |s: &str| parkdb::Yuan::parse_wan(s).unwrap();
    assert_eq!(
        (r.requisitioned_mu, r.developed_mu, r.certified_mu),
        (mu("10100"), mu("7960"), mu("4509"))
    );
    assert_eq!(r.certified_in_year_mu, mu("4509"));
    assert_eq!((r.projects_signed, r.projects_on_reclaimed_land), (11, 3));
    assert_eq!(
        (r.capital_increases, r.capital_increase_land_mu),
        (3, mu("60"))
    );
    assert_eq!((r.in_production, r.under_construction), (52, 17));
    assert_eq!(r.output_value_yuan, wan("380000"));
    let reclaimed: Vec<(String, String)> = r
        .reclaimed
        .iter()
        .map(|x| (x.area.to_decimal_string(), x.former_holder.clone()))
        .collect();
    assert_eq!(
        reclaimed,
        vec![
            ("52.7272".into(), "顺德市励精纺织贸易有限公司".into()),
            ("35.618".into(), "林健、林嘉敏".into()),
            ("63".into(), "黄奋强".into())
        ]
    );
    assert_eq!(r.reclaimed_in_year_mu, mu("151.3452"));
    assert_eq!(
        (r.commercial_tendered_mu, r.commercial_tendered_count),
        (mu("100"), 1)
    );
    assert_eq!(r.applications_received, 18);
    let first = &r.approved_by_batch["第一批"];
    assert_eq!((first.count, first.total), (13, wan("891.5")));
    assert_eq!(
        (first.awarded.grant, first.awarded.interest_subsidy),
        (wan("411.5"), wan("480"))
    );
    assert_eq!(r.recovered_yuan, wan("110"));
    assert_eq!(r.overdue_yuan, wan("140"));
    assert_eq!((r.tenants, r.tenants_signed), (7, 2));
    assert_eq!(r.leased_m2, q("21587"));
    let text = r.text();
    for phrase in [
        "征地10100亩",
        "已办国有土地使用证4509亩",
        "引进工业项目11个,其中3个项目利用闲置用地招商",
        "增资项目3个",
        "52家投产,17家在建",
        "38亿元",
        "顺德市励精纺织贸易有限公司52.7272亩",
        "受理科技计划项目18项",
        "下达第一批13个项目,共计891.5万元,其中无偿资助411.5万元,贷款贴息480万元",
        "回收逾期经费110万元",
        "7家企业进驻",
        "21587㎡",
    ] {
        assert!(text.contains(phrase), "missing {phrase:?} in\n{text}");
    }
    // A year before, the same ledgers report that year.
    let earlier = db.now().annual_report(2004).unwrap();
    assert_eq!(earlier.projects_signed, 8);
    assert_eq!(earlier.certified_mu, mu("0"));
    assert_eq!(earlier.idle_mu, mu("151.3452"));
}

/// The rows as scoring first made them, written plainly: a scope reason
/// per firm, item scores by metric, the missing-data rules, ranks and
/// grades, rows by rank then id. The reference the columns must match.
fn reference_score(s: &Scheme, year: i32, candidates: Vec<Candidate>) -> Evaluation {
    let mut rows: Vec<EvaluationRow> = candidates
        .into_iter()
        .map(|c| {
            let out = c.unfit.clone().or_else(|| {
                if s.scope.exempt.contains(&c.enterprise) {
                    Some("exempt".to_owned())
                } else if let Some(want) = s.scope.above_scale {
                    match c.above_scale {
                        None => Some("above-scale status not reported".to_owned()),
                        Some(a) if a != want => Some(if want {
                            "not above scale (规下)".to_owned()
                        } else {
                            "above scale (规上)".to_owned()
                        }),
                        Some(_) => None,
                    }
                } else {
                    None
                }
                .or_else(|| {
                    (c.land < s.scope.min_land)
                        .then(|| format!("uses {} of land, less than {}", c.land, s.scope.min_land))
                })
            });
            let values = s
                .items
                .iter()
                .map(|i| {
                    let v = c.values.get(&i.metric).cloned();
                    (i.metric, v.unwrap_or(Err(Missing::NotComputed)))
                })
                .collect();
            EvaluationRow {
                enterprise: c.enterprise,
                name: c.name,
                land: c.land,
                values,
                item_scores: BTreeMap::new(),
                score: None,
                rank: None,
                grade: None,
                in_scope: out.is_none(),
                reason: out,
            }
        })
        .collect();
    let item_score = |i: &SchemeItem, v: f64| {
        let relative = match i.direction {
            Direction::Higher => v / i.benchmark,
            Direction::Lower if v > 0.0 => i.benchmark / v,
            Direction::Lower => i.cap,
            other => panic!("the reference scores no {other:?}"),
        };
        relative.clamp(0.0, i.cap) * i.weight
    };
    for item in &s.items {
        let mut sum = 0.0;
        let mut n = 0u32;
        for row in rows.iter_mut().filter(|r| r.in_scope) {
            if let Ok(v) = row.values[&item.metric] {
                let x = item_score(item, v);
                row.item_scores.insert(item.metric, x);
                sum += x;
                n += 1;
            }
        }
        let fill = if item.missing == MissingRule::ScopeMean && n > 0 {
            sum / f64::from(n)
        } else {
            0.0
        };
        for row in rows.iter_mut().filter(|r| r.in_scope) {
            if let Err(why) = &row.values[&item.metric] {
                row.item_scores.insert(item.metric, fill);
                let rule = match item.missing {
                    MissingRule::Zero => "scored 0",
                    MissingRule::ScopeMean => "scored the scope mean",
                    other => panic!("the reference knows no {other:?}"),
                };
                let note = format!("{}: {why}, {rule}", item.metric.code());
                row.reason = Some(match row.reason.take() {
                    Some(r) => format!("{r}; {note}"),
                    None => note,
                });
            }
        }
    }
    for row in rows.iter_mut().filter(|r| r.in_scope) {
        row.score = Some(row.item_scores.values().sum());
    }
    let scored: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
    let n = scored.len();
    for row in &mut rows {
        let Some(x) = row.score else { continue };
        let ahead = scored.iter().filter(|o| **o > x + 1e-9).count();
        row.rank = Some(u32::try_from(ahead + 1).unwrap());
        let cut = |cuts: &[(String, f64)], hit: &dyn Fn(f64) -> bool| {
            cuts.iter()
                .find(|c| hit(c.1))
                .or(cuts.last())
                .unwrap()
                .0
                .clone()
        };
        row.grade = Some(match &s.grading {
            Grading::Percentile(cuts) => cut(cuts, &|c| (ahead as f64 / n as f64) < c),
            Grading::Absolute(cuts) => cut(cuts, &|min| x >= min),
            other => panic!("the reference grades no {other:?}"),
        });
    }
    rows.sort_by_key(|r| (r.rank.is_none(), r.rank, r.enterprise));
    Evaluation {
        scheme: s.name.clone(),
        year,
        rows,
    }
}

/// 3,000 firms of every kind a scheme meets: values missing for each
/// reason, zero denominators, closed and exempt firms, every scale, small
/// land, tied scores.
fn varied_candidates(metrics: &[Metric]) -> Vec<Candidate> {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    (0..3000u64)
        .map(|i| {
            let unfit = match next(20) {
                0 => Some("closed on 2021-03-04".to_owned()),
                1 => Some("no figures for 2022".to_owned()),
                _ => None,
            };
            let mut values = BTreeMap::new();
            for m in metrics {
                if next(30) == 0 {
                    continue;
                }
                let v = match next(12) {
                    0 => Err(Missing::NotReported("emissions")),
                    1 => Err(Missing::Zero("land")),
                    // Few distinct values, so scores tie.
                    2..=5 => Ok(f64::from(u32::try_from(next(4)).unwrap()) * 0.5),
                    _ => Ok(next(1_000_000) as f64 / 997.0),
                };
                values.insert(*m, v);
            }
            Candidate {
                enterprise: EnterpriseId(next(4000) * 4000 + i),
                name: format!("企业{i}"),
                land: Mu::from_millionths(i64::try_from(next(8 * Mu::SCALE as u64)).unwrap()),
                above_scale: [None, Some(true), Some(true), Some(false)]
                    [usize::try_from(next(4)).unwrap()],
                unfit,
                values,
            }
        })
        .collect()
}

#[test]
fn columns_score_as_the_rows_did() {
    let mut schemes = vec![huangyan_2022(), huangyan_2022_small()];
    let mut absolute = huangyan_2022();
    absolute.scope.above_scale = None;
    absolute.grading = Grading::Absolute(vec![
        ("优".into(), 60.0),
        ("良".into(), 30.0),
        ("差".into(), 0.0),
    ]);
    for item in &mut absolute.items {
        item.missing = MissingRule::Zero;
    }
    absolute.items[1].direction = Direction::Lower;
    schemes.push(absolute);
    for (k, scheme) in schemes.iter_mut().enumerate() {
        let candidates = varied_candidates(Metric::ALL);
        scheme.scope.exempt = candidates
            .iter()
            .step_by(97 + k)
            .map(|c| c.enterprise)
            .collect();
        let expected = reference_score(scheme, 2022, candidates.clone());
        assert!(expected.rows.iter().filter(|r| r.in_scope).count() > 300);
        assert!(expected
            .rows
            .iter()
            .any(|r| r.in_scope && r.reason.is_some()));
        let rows = scheme.score(2022, candidates.clone()).unwrap();
        assert_eq!(rows, expected, "{}", scheme.name);

        // The same firms pushed into columns: each row read from them, and
        // the table, as the rows give them.
        let metrics = scheme.metrics();
        let mut columns = Candidates::new(&metrics);
        for c in &candidates {
            columns.push(
                c.enterprise,
                &c.name,
                c.land,
                c.above_scale,
                c.unfit.as_ref().map(|u| Unfit::Other(u.as_str().into())),
                |m| match c.values.get(&m) {
                    Some(Ok(v)) => Ok(*v),
                    Some(Err(why)) => Err(why.clone()),
                    None => Err(Missing::NotComputed),
                },
            );
        }
        assert_eq!(columns.to_rows().len(), candidates.len());
        let scores = scheme.score_columns(2022, columns).unwrap();
        assert_eq!(scores.len(), expected.rows.len());
        for (i, row) in expected.rows.iter().enumerate() {
            assert_eq!(scores.row(i).as_ref(), Some(row), "row {i}");
        }
        assert_eq!(scores.grade_counts(), expected.grade_counts());
        // Beyond the last row: nothing, never a panic nor a made-up row.
        let past = scores.len() + 3;
        assert_eq!(scores.row(past), None);
        assert_eq!(
            (
                scores.enterprise(past),
                scores.name(past),
                scores.land(past)
            ),
            (None, None, None)
        );
        assert!(!scores.in_scope(past) && scores.score(past).is_none());
        assert_eq!(Graded::enterprise(&expected, past), None);
        assert_eq!(
            evaluation_batch(&scores, &metrics).unwrap(),
            evaluation_batch(&expected, &metrics).unwrap()
        );
        assert_eq!(scores.into_evaluation(), expected);
    }
}

#[test]
fn columns_for_other_metrics_are_refused() {
    let scheme = huangyan_2022();
    let mut columns = Candidates::new(&[Metric::TaxPerMu]);
    columns.push(
        EnterpriseId(1),
        "甲",
        Mu::from_millionths(10 * Mu::SCALE),
        Some(true),
        None,
        |_| Ok(1.0),
    );
    let e = scheme.score_columns(2022, columns).unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    // Reasons read as the rows' texts did.
    assert_eq!(Unfit::Closed(None).to_string(), "closed on ");
    assert_eq!(
        Unfit::Closed(Some(d("2021-03-04"))).to_string(),
        "closed on 2021-03-04"
    );
    assert_eq!(
        Missing::NoLand(2022).to_string(),
        "no land held at the end of 2022"
    );
    assert_eq!(Missing::Zero("land").to_string(), "land is zero");
}
