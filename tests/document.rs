//! The annual work report as a Word document: the report's text, its
//! tables and pictures, and the appendix of where its figures come from
//! are in the file; a year not over says as of which day it reports, and
//! a plan of a later year is not marked unfinished.

mod common;

use std::io::Read;

use parkdb::document::{write_report_docx, DocumentOptions};
use parkdb::example::build_seed;
use parkdb::Db;

/// The parts of a .docx (a zip): its main text as XML, and the names of
/// its images.
fn parts(path: &std::path::Path) -> (String, Vec<String>) {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let media = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with("word/media/") && !n.ends_with('/'))
        .collect();
    (xml, media)
}

/// The document's text, runs joined (Word splits a paragraph's text into runs).
fn text(xml: &str) -> String {
    xml.split("<w:t")
        .skip(1)
        .filter_map(|t| t.split_once('>'))
        .filter_map(|(_, rest)| rest.split_once("</w:t>"))
        .map(|(t, _)| t)
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn the_2005_report_as_a_document_holds_its_sections_tables_charts_and_sources() {
    let db = Db::temporary().unwrap();
    build_seed(&db).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2005年工作总结.docx");
    let options = DocumentOptions {
        zone: Some("高平工业区".into()),
        plans: parkdb::example::seed_plans(),
        ..DocumentOptions::default()
    };
    write_report_docx(&db.now(), 2005, &options, &path).unwrap();
    let (xml, media) = parts(&path);
    let words = text(&xml);
    assert!(words.contains("高平工业区2005年度工作总结"), "{words}");
    assert!(words.contains("截至2005年12月31日"));
    let report = db.now().annual_report(2005).unwrap();
    for (i, section) in [
        "一、土地",
        "二、招商与企业",
        "三、科技经费",
        "四、科创中心",
        "五、财务",
        "六、亩均效益评价",
    ]
    .iter()
    .enumerate()
    {
        assert!(words.contains(section), "{section} (#{i}) missing: {words}");
    }
    // The report's figures, as its text writes them.
    assert!(words.contains(&format!(
        "征地{}亩",
        report.requisitioned_mu.to_decimal_string()
    )));
    assert!(words.contains(&report.certified_mu.to_decimal_string()));
    // Tables: the land, the batches, the receivables, the grades, the appendix.
    assert!(
        xml.matches("<w:tbl>").count() >= 5,
        "{}",
        xml.matches("<w:tbl>").count()
    );
    assert!(words.contains("表1 土地情况") && words.contains("表2 科技计划项目下达情况"));
    for (batch, b) in &report.approved_by_batch {
        assert!(words.contains(batch.as_str()) && words.contains(&b.total.report_wan()));
    }
    // Charts and the year-end map, as PNG pictures.
    assert!(media.len() >= 3, "{media:?}");
    assert!(
        media.iter().all(|m| std::path::Path::new(m)
            .extension()
            .is_some_and(|e| e == "png")),
        "{media:?}"
    );
    // The appendix explains the headline figures, with their sources.
    assert!(words.contains("附录:主要数据来源"));
    let certified = db.now().explain_report(2005, "certified_mu").unwrap();
    assert!(words.contains(&format!(
        "已办证土地(certified_mu):{}亩,{}项",
        report.certified_mu.to_decimal_string(),
        certified.parts.len()
    )));
    assert!(words.contains("接口调用"));
    // More parts than the appendix prints are counted, not dropped.
    if certified.parts.len() > 40 {
        assert!(words.contains(&format!("另有{}项未列出", certified.parts.len() - 40)));
    }
    // The seed's plans: its 2005 plan is reported, a later one is not.
    assert!(words.contains("七、计划完成情况"));
}

#[test]
fn a_year_not_over_says_as_of_which_day_and_a_later_plan_has_not_begun() {
    let db = Db::temporary().unwrap();
    build_seed(&db).unwrap();
    let today = chrono::Utc::now().date_naive();
    let year = chrono::Datelike::year(&today) + 4;
    let report = db.now().annual_report(year).unwrap();
    assert_eq!(report.as_of, today);
    let day = today.format("%Y年%-m月%-d日").to_string();
    assert!(
        report.text().contains(&format!("截至{day}")),
        "{}",
        report.text()
    );
    assert!(!report.text().contains(&format!("截至{year}年末")));
    // No sentence of a year not over speaks of its end.
    assert!(!report.text().contains("年末"), "{}", report.text());
    assert!(
        report
            .text()
            .contains(&format!("截至{}已有", today.format("%-m月%-d日"))),
        "{}",
        report.text()
    );
    // A past year's report is of its last day.
    let past = db.now().annual_report(2005).unwrap();
    assert_eq!(past.as_of, common::d("2005-12-31"));
    assert!(past.text().contains("截至2005年末"));
    // A plan for 2006 read as of 2005's end has not begun: not 未完成.
    let plan = parkdb::example::seed_plans()
        .into_iter()
        .find(|p| p.year == 2006)
        .expect("the seed plans 2006");
    let progress = db
        .now()
        .plan_progress(&plan, common::d("2005-12-31"))
        .unwrap();
    let text = progress.text();
    assert!(
        text.contains("尚未开始") && !text.contains("未完成"),
        "{text}"
    );
}

#[test]
fn a_map_saves_as_png() {
    let db = Db::temporary().unwrap();
    build_seed(&db).unwrap();
    let map = db
        .now()
        .as_of(common::d("2005-12-31"))
        .map(parkdb::MapColor::Status)
        .unwrap();
    assert!(map.parcels_drawn() > 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("地块图.png");
    map.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    // Twice the SVG's width, in the PNG's header.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let svg_width: f64 = map
        .svg()
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap();
    assert!((f64::from(width) - (svg_width * 2.0).round()).abs() < 0.5);
}
