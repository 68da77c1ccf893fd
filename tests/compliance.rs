//! Firms' qualifications, honours and compliance: a 高新技术企业 that holds
//! three years and then expires (the derived high-tech flag with it), a
//! revocation, inspections rectified or overdue, complaints resolved,
//! indicators derived for `assess`, and the report's counts — each against
//! figures worked out by hand. Every rule has its refusal, which writes
//! nothing.

mod common;

#[cfg(feature = "ledgers")]
#[path = "common/sheet.rs"]
mod sheets;
use common::{d, fingerprint, firm, q};
use parkdb::compliance::{
    Complaint, Domain, Honour, HonourLevel, Incident, Inspection, Qualification, QualificationKind,
};
use parkdb::scheme::TargetFramework;
use parkdb::{Db, EnterpriseFilter, Error};
#[cfg(feature = "ledgers")]
use sheets::sheet;

fn high_tech(number: &str) -> Qualification {
    Qualification {
        kind: QualificationKind::HighTech,
        number: Some(number.into()),
        programme: None,
        valid_until: None,
    }
}

fn inspection(rectify_by: Option<&str>) -> Inspection {
    Inspection {
        domain: Domain::Environment,
        surprise: true,
        findings: rectify_by.map(|_| "偷排废水".into()),
        rectify_by: rectify_by.map(d),
    }
}

#[test]
fn a_high_tech_qualification_holds_three_years() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "英科新创");
    db.qualify(e, d("2005-03-01"), high_tech("GR200535000123"))
        .unwrap();
    let held = db.enterprise(e).unwrap().record.unwrap().qualifications[0].clone();
    // Three years from March 1, 2005: the last day is February 29, 2008.
    assert_eq!(held.qualification.valid_until, Some(d("2008-02-29")));
    let on = |date: &str| {
        db.as_of(d(date))
            .enterprise(e)
            .unwrap()
            .high_tech_on(d(date))
    };
    assert!(!on("2005-02-28"));
    assert!(on("2005-03-01") && on("2008-02-29"));
    assert!(!on("2008-03-01"), "expired");
    // The enterprises table derives the flag as of its date.
    let flag = |date: &str| {
        let t = db
            .as_of(d(date))
            .enterprises_table(&EnterpriseFilter::default())
            .unwrap();
        let i = t.schema().index_of("high_tech").unwrap();
        let col = t
            .column(i)
            .as_any()
            .downcast_ref::<arrow_array::BooleanArray>()
            .unwrap()
            .clone();
        col.value(0)
    };
    assert!(flag("2006-06-30"));
    assert!(!flag("2008-06-30"));

    // Renewed, then revoked before its end.
    db.qualify(e, d("2008-03-01"), high_tech("GR200835000456"))
        .unwrap();
    db.revoke_qualification(
        e,
        d("2009-05-01"),
        QualificationKind::HighTech,
        None,
        "年报造假",
    )
    .unwrap();
    assert!(on("2009-04-30"));
    assert!(!on("2009-05-01"));
    let t = db.as_of(d("2009-12-31")).qualifications_table().unwrap();
    assert_eq!(t.num_rows(), 2);
}

#[test]
fn inspections_and_complaints_stay_open_until_closed() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "高平印染厂");
    db.record_complaint(
        e,
        d("2005-02-03"),
        Complaint {
            domain: Domain::Environment,
            subject: "河水水质".into(),
            source: Some("养殖户".into()),
        },
    )
    .unwrap();
    db.record_inspection(e, d("2005-02-10"), inspection(Some("2005-03-31")))
        .unwrap();
    db.record_inspection(e, d("2005-02-12"), inspection(None))
        .unwrap();
    db.record_inspection(e, d("2005-06-01"), inspection(Some("2005-06-30")))
        .unwrap();
    db.rectify(e, d("2005-03-25"), 0, Some("加装在线监测"))
        .unwrap();
    db.resolve_complaint(e, d("2005-03-31"), 0, "查清源头")
        .unwrap();
    let record = |date: &str| db.as_of(d(date)).enterprise(e).unwrap().record.unwrap();
    // Mid-March: the complaint and the first inspection are open.
    assert_eq!(record("2005-03-15").open_items(d("2005-03-15")), 2);
    assert_eq!(record("2005-04-01").open_items(d("2005-04-01")), 0);
    // The June inspection is past its deadline at the year's end.
    let r = db.now().annual_report(2005).unwrap();
    assert_eq!(r.open_compliance_items, 1);
    assert_eq!(
        (
            r.inspections_in_year,
            r.surprise_inspections_in_year,
            r.complaints_in_year
        ),
        (3, 3, 1)
    );
    let t = db.as_of(d("2005-12-31")).compliance_table().unwrap();
    assert_eq!(t.num_rows(), 4);
    let overdue = t
        .column(t.schema().index_of("overdue").unwrap())
        .as_any()
        .downcast_ref::<arrow_array::BooleanArray>()
        .unwrap()
        .clone();
    let overdue: Vec<Option<bool>> = overdue.iter().collect();
    // By date: the complaint, the two February checks, the June one.
    assert_eq!(overdue, vec![Some(false), Some(false), None, Some(true)]);
}

#[test]
fn the_report_counts_the_years_records_and_assess_derives_them() {
    let db = Db::temporary().unwrap();
    let (a, b, c) = (
        firm(&db, "通士达照明"),
        firm(&db, "尚明达机电"),
        firm(&db, "荣辉电子厂"),
    );
    for e in [a, b] {
        db.qualify(
            e,
            d("2005-06-20"),
            Qualification {
                kind: QualificationKind::Backbone,
                number: None,
                programme: Some("厦门国家半导体照明工程产业化基地".into()),
                valid_until: None,
            },
        )
        .unwrap();
    }
    db.qualify(a, d("2004-01-10"), high_tech("GR1")).unwrap();
    db.honour(
        b,
        d("2005-04-20"),
        Honour {
            award: "科学技术奖".into(),
            level: HonourLevel::Municipal,
            class: "二等奖".into(),
            year: 2004,
            project: Some("半导体照明".into()),
            co_winners: vec!["合作单位甲".into()],
        },
    )
    .unwrap();
    db.record_incident(
        c,
        d("2005-03-12"),
        Incident {
            domain: Domain::Environment,
            kind: "浓硫酸外泄".into(),
            quantity_t: Some(q("6")),
            casualties: 0,
            response_hours: Some(q("5")),
            outcome: None,
        },
    )
    .unwrap();
    db.honour(
        a,
        d("2005-05-20"),
        Honour {
            award: "科学技术奖".into(),
            level: HonourLevel::Municipal,
            class: "三等奖".into(),
            year: 2004,
            project: None,
            co_winners: Vec::new(),
        },
    )
    .unwrap();
    let r = db.now().annual_report(2005).unwrap();
    assert_eq!(r.qualified_in_year, vec![(QualificationKind::Backbone, 2)]);
    // 二等奖 before 三等奖, as the awards rank them.
    let classes: Vec<&str> = r.honours_in_year.iter().map(|h| h.2.as_str()).collect();
    assert_eq!(classes, ["二等奖", "三等奖"]);
    assert_eq!(r.honours_in_year.len(), 2);
    assert_eq!(
        (r.incidents_in_year, r.casualties_in_year, r.high_tech_firms),
        (1, 0, 1)
    );
    let text = r.text();
    assert!(
        text.contains(
            "本年新认定骨干企业2项;获市级科学技术奖二等奖1项、市级科学技术奖三等奖1项;发生事故1起,伤亡0人。"
        ),
        "{text}"
    );
    // A framework naming what the register knows: no observation typed in.
    let framework = TargetFramework {
        name: "科技进步考核".into(),
        targets: vec![
            ("high_tech_firms".into(), 2.0, 10.0),
            ("science_awards".into(), 2.0, 5.0),
            ("incidents".into(), 1.0, 1.0),
        ],
    };
    let assessed = db.now().assess(&framework, "2005").unwrap();
    let values: Vec<Option<f64>> = assessed.items.iter().map(|i| i.1).collect();
    assert_eq!(values, vec![Some(1.0), Some(2.0), Some(1.0)]);
    assert!((assessed.score - 11.0).abs() < 1e-9, "{assessed:?}");
}

#[test]
fn bad_records_are_refused_and_nothing_is_written() {
    let db = Db::temporary().unwrap();
    let e = firm(&db, "X");
    db.qualify(e, d("2005-01-01"), high_tech("GR1")).unwrap();
    db.record_inspection(e, d("2005-02-01"), inspection(None))
        .unwrap();
    let before = fingerprint(&db);
    let refusals: Vec<(&str, parkdb::Result<parkdb::EventId>)> = vec![
        (
            "an end before the award",
            db.qualify(
                e,
                d("2005-06-01"),
                Qualification {
                    valid_until: Some(d("2005-05-31")),
                    ..high_tech("GR2")
                },
            ),
        ),
        (
            "a number twice",
            db.qualify(e, d("2006-01-01"), high_tech("GR1")),
        ),
        (
            "revoke what is not held",
            db.revoke_qualification(
                e,
                d("2005-06-01"),
                QualificationKind::Specialised,
                None,
                "x",
            ),
        ),
        (
            "revoke without a reason",
            db.revoke_qualification(e, d("2005-06-01"), QualificationKind::HighTech, None, " "),
        ),
        (
            "an honour for a later year",
            db.honour(
                e,
                d("2005-04-20"),
                Honour {
                    award: "科学技术奖".into(),
                    level: HonourLevel::Municipal,
                    class: "二等奖".into(),
                    year: 2006,
                    project: None,
                    co_winners: Vec::new(),
                },
            ),
        ),
        (
            "a deadline before the inspection",
            db.record_inspection(e, d("2005-03-01"), inspection(Some("2005-02-01"))),
        ),
        (
            "rectify what asked for nothing",
            db.rectify(e, d("2005-03-01"), 0, None),
        ),
        (
            "rectify an unknown inspection",
            db.rectify(e, d("2005-03-01"), 7, None),
        ),
        (
            "a negative spill",
            db.record_incident(
                e,
                d("2005-03-01"),
                Incident {
                    domain: Domain::Safety,
                    kind: "泄漏".into(),
                    quantity_t: Some(q("-1")),
                    casualties: 0,
                    response_hours: None,
                    outcome: None,
                },
            ),
        ),
        (
            "a complaint about nothing",
            db.record_complaint(
                e,
                d("2005-03-01"),
                Complaint {
                    domain: Domain::Safety,
                    subject: String::new(),
                    source: None,
                },
            ),
        ),
        (
            "resolve an unknown complaint",
            db.resolve_complaint(e, d("2005-03-01"), 0, "ok"),
        ),
        (
            "an unknown firm",
            db.qualify(parkdb::EnterpriseId(99), d("2005-03-01"), high_tech("GR9")),
        ),
    ];
    for (what, result) in refusals {
        let err = result.expect_err(what);
        assert!(
            matches!(
                err,
                Error::Validation { .. } | Error::Lifecycle { .. } | Error::NotFound { .. }
            ),
            "{what}: {err:?}"
        );
    }
    assert_eq!(fingerprint(&db), before);
}

#[cfg(feature = "ledgers")]
#[test]
fn the_record_ledgers_import_once_and_bad_rows_are_reported() {
    use parkdb::ledger::{self, ImportOptions};
    let db = Db::temporary().unwrap();
    let (maike, ronghui) = (firm(&db, "迈克制药"), firm(&db, "荣辉电子厂"));
    let sheets = vec![
        sheet(
            "资质台账",
            "企业名称,类别,日期,证书编号,认定项目,级别,等级,年度,获奖项目,合作单位\n\
             迈克制药,新药证书,2005-02-18,,迈克伟(西酞普兰片),,,,,\n\
             迈克制药,高新技术企业,2004-11-01,GR2004-88,,,,,,\n\
             迈克制药,科学技术奖,2005-04-20,,,市级,二等奖,2004,抗抑郁药物,合作单位甲、合作单位乙",
        ),
        sheet(
            "环保安全台账",
            "企业名称,类型,日期,领域,内容,投诉人,整改期限,数量,伤亡人数,处置时长,处理结果\n\
             荣辉电子厂,投诉,2005-02-03,环保,河水水质,养殖户,,,,,\n\
             荣辉电子厂,突击检查,2005-02-10,环保,夜间偷排,,2005-03-31,,,,\n\
             荣辉电子厂,事故,2005-03-12,环保,浓硫酸外泄,,,6,0,5,未伤一人\n\
             荣辉电子厂,整改完成,2005-03-25,环保,加装在线监测,,,,,,\n\
             荣辉电子厂,办结,2005-03-31,环保,查清源头,,,,,,",
        ),
    ];
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(report.is_clean(), "{:#?}", report.errors);
    let m = db.enterprise(maike).unwrap();
    assert!(m.high_tech_on(d("2006-01-01")));
    let record = m.record.unwrap();
    assert_eq!(record.qualifications.len(), 2);
    assert_eq!(
        record.honours[0].1.co_winners,
        vec!["合作单位甲", "合作单位乙"]
    );
    let r = db.enterprise(ronghui).unwrap().record.unwrap();
    assert_eq!(r.incidents[0].1.quantity_t, Some(q("6")));
    assert_eq!(r.open_items(d("2005-12-31")), 0);
    // Again: nothing new.
    let again = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(again.is_clean(), "{:#?}", again.errors);
    assert_eq!(again.events, 0);

    let before = fingerprint(&db);
    let bad = vec![sheet(
        "环保安全台账",
        "企业名称,类型,日期,领域,内容\n\
         荣辉电子厂,整改完成,2005-06-01,环保,x\n\
         荣辉电子厂,巡查,2005-06-01,环保,x\n\
         荣辉电子厂,投诉,2005-06-01,噪音,x\n\
         无名厂,投诉,2005-06-01,环保,x",
    )];
    let report = ledger::import(&db, &bad, ImportOptions::default()).unwrap();
    let rows: Vec<usize> = report.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![2, 3, 4, 5], "{:#?}", report.errors);
    assert_eq!(fingerprint(&db), before);
}
