//! The ledgers a park keeps: one row per parcel and per enterprise with the
//! lifecycle as columns, laid out for people (titles, unit lines, headers
//! of two levels, totals), updated every month and imported again. Made in
//! the tests with `rust_xlsxwriter`, read back as a park's workbook would be.

#![cfg(feature = "ledgers")]

mod common;

use std::path::{Path, PathBuf};

use common::{d, fingerprint, mu, yuan};
use parkdb::ledger::{self, ImportOptions, ImportReport};
use parkdb::{Db, ParcelStatus, SupplyMethod};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// Writes rows of text from `first` down, a cell per string ("" leaves it empty).
fn rows(sheet: &mut Worksheet, first: u32, rows: &[&[&str]]) {
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write(
                        first + u32::try_from(r).unwrap(),
                        u16::try_from(c).unwrap(),
                        *v,
                    )
                    .unwrap();
            }
        }
    }
}

const FIRMS: &[&str] = &[
    "序号",
    "企业名称",
    "统一社会信用代码",
    "签约日期",
    "投资额",
    "用地面积",
    "动工日期",
    "投产日期",
];

const PARCELS: &[&str] = &[
    "序号",
    "地块编号",
    "面积",
    "用途",
    "坐落",
    "征地日期",
    "土地证号",
    "办证日期",
    "用地单位",
    "供地方式",
    "成交价",
    "供地日期",
    "约定动工日期",
    "实际动工日期",
    "竣工日期",
    "备注",
];

/// The park's workbook as of one month: the register and the parcel ledger.
fn workbook(path: &Path, parcels: &[&[&str]]) {
    let mut book = Workbook::new();
    let firms = book.add_worksheet().set_name("企业名录").unwrap();
    firms
        .merge_range(0, 0, 0, 7, "东岸工业园企业名录", &Format::new())
        .unwrap();
    firms.write(1, 0, "单位：万元、亩").unwrap();
    rows(
        firms,
        2,
        &[
            FIRMS,
            &[
                "1",
                "东岸精密机械有限公司 ",
                "91440606MA4UJ0001L",
                "2004.3.1",
                "5,000",
                "30",
                "2004年8月1日",
                "",
            ],
            &["2", "科华电子有限公司", "", "", "", "", "", ""],
        ],
    );
    let land = book.add_worksheet().set_name("2014年地块台账").unwrap();
    land.merge_range(
        0,
        0,
        0,
        15,
        "东岸工业园地块台账（截至2014年12月31日）",
        &Format::new(),
    )
    .unwrap();
    land.write(1, 0, "填报单位：东岸工业园管委会").unwrap();
    land.write(2, 0, "单位：亩、万元").unwrap();
    let mut all: Vec<&[&str]> = vec![PARCELS];
    all.extend_from_slice(parcels);
    rows(land, 3, &all);
    let below = 3 + u32::try_from(all.len()).unwrap();
    land.write(below, 0, "合计").unwrap();
    land.write(below + 2, 0, "填表人：张三").unwrap();
    land.write(below + 2, 4, "审核人：李四").unwrap();
    book.save(path).unwrap();
}

const GP1: &[&str] = &[
    "1",
    "GP-001",
    "30",
    "工业",
    "兴隆路北",
    "2003/5/1",
    "佛府国用(2004)第17号",
    "2004-06-01",
    "东岸精密机械有限公司",
    "挂牌",
    "1,200",
    "2004-03-01",
    "2004-09-01",
    "2004-08-01",
    "",
    "一期",
];
const GP2: &[&str] = &[
    "2",
    "GP-002",
    "12.5",
    "工业",
    "",
    "2003-05-01",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
];

/// A parcel the December ledger adds.
const GP3: &[&str] = &[
    "3",
    "GP-003",
    "8",
    "物流",
    "",
    "2014-07-01",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
];

fn import(db: &Db, path: &Path) -> ImportReport {
    ledger::import(
        db,
        &ledger::read_file(path).unwrap(),
        ImportOptions::default(),
    )
    .unwrap()
}

fn history(db: &Db, code: &str) -> Vec<(String, String)> {
    common::history_names(db, db.now().parcel_by_code(code).unwrap().id)
}

fn path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn a_snapshot_ledger_becomes_events_and_imports_again_safely() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();

    // June: the workbook as the data officer keeps it.
    let june = path(&dir, "6月台账.xlsx");
    workbook(&june, &[GP1, GP2]);
    let report = import(&db, &june);
    assert!(report.written && report.is_clean(), "{:?}", report.errors);
    // Title, 填报单位 and unit lines, the 合计 row and the signatures set aside.
    assert!(report.skipped.iter().any(|s| s.reason.contains("合计")));
    assert!(report
        .skipped
        .iter()
        .any(|s| s.reason.contains("signature")));
    let p = db.now().parcel_by_code("GP-001").unwrap();
    assert_eq!(p.area, mu("30"));
    assert_eq!(p.status(), ParcelStatus::UnderConstruction);
    let terms = p.supply.clone().unwrap();
    assert_eq!(terms.date, d("2004-03-01"));
    assert_eq!(terms.method, SupplyMethod::Listing);
    assert_eq!(
        terms.price,
        yuan("12000000"),
        "成交价 in 万元 by the unit line"
    );
    assert_eq!(terms.start_by, Some(d("2004-09-01")));
    assert_eq!(p.certificate.unwrap().date, d("2004-06-01"));
    // The row's dates as events, in date order.
    assert_eq!(
        history(&db, "GP-001"),
        [
            ("2003-05-01", "requisitioned"),
            ("2004-03-01", "allocated"),
            ("2004-06-01", "certified"),
            ("2004-08-01", "construction_started"),
            // 备注, kept as the parcel's note from the row's latest date.
            ("2004-08-01", "noted"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let p = db.now().parcel_by_code("GP-001").unwrap();
    assert_eq!(p.note.as_deref(), Some("一期"));
    let before_note = db.as_of(d("2004-07-31")).parcel_by_code("GP-001").unwrap();
    assert_eq!(before_note.note, None);
    let firm = db.now().enterprise(terms_holder(&db)).unwrap();
    assert_eq!(firm.name, "东岸精密机械有限公司");
    assert_eq!(firm.signed, Some(d("2004-03-01")));
    assert_eq!(firm.planned_investment, yuan("50000000"));
    assert_eq!(firm.planned_land, mu("30"));
    assert_eq!(firm.construction_started, Some(d("2004-08-01")));
    // 5 + 1 parcel events, 3 + 1 enterprise events.
    assert_eq!(report.events, 10);

    // The same workbook again: nothing written.
    let before = fingerprint(&db);
    let again = import(&db, &june);
    assert!(again.is_clean(), "{:?}", again.errors);
    assert_eq!(again.events, 0);
    assert!(
        again.changed.iter().all(|(_, n)| *n == 0),
        "{:?}",
        again.changed
    );
    assert_eq!(fingerprint(&db), before);

    // December: a completion filled in, a certificate found for GP-002
    // dated before anything but its requisition, a new parcel.
    let published = common::tick();
    let december = path(&dir, "12月台账.xlsx");
    let mut gp1 = GP1.to_vec();
    gp1[14] = "2005-10-01";
    let mut gp2 = GP2.to_vec();
    gp2[6] = "佛府国用(2003)第9号";
    gp2[7] = "2003-12-01";
    workbook(&december, &[&gp1, &gp2, GP3]);
    let dry = ledger::import(
        &db,
        &ledger::read_file(&december).unwrap(),
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        (dry.written, dry.events),
        (false, 3),
        "{:#?} {:?}",
        dry.errors,
        dry.changed
    );
    let report = import(&db, &december);
    assert!(report.written, "{:?}", report.errors);
    assert_eq!(report.events, 3);
    assert!(
        report.changed.contains(&("parcels", 3)),
        "{:?}",
        report.changed
    );
    assert!(
        report.changed.contains(&("enterprises", 0)),
        "{:?}",
        report.changed
    );
    let p = db.now().parcel_by_code("GP-001").unwrap();
    assert_eq!(p.completed, Some(d("2005-10-01")));
    assert_eq!(p.status(), ParcelStatus::Completed);
    // As known in June, not completed.
    let then = db.as_known_at(published);
    assert!(then.parcel(p.id).unwrap().completed.is_none());
    let q = db.as_of(d("2004-01-01")).parcel_by_code("GP-002").unwrap();
    assert_eq!(q.certificate.unwrap().date, d("2003-12-01"));
    assert!(db.check().unwrap().is_clean());
}

fn terms_holder(db: &Db) -> parkdb::EnterpriseId {
    db.now().parcel_by_code("GP-001").unwrap().holder.unwrap()
}

#[test]
fn a_ledger_that_contradicts_the_database_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();
    let june = path(&dir, "6月台账.xlsx");
    workbook(&june, &[GP1, GP2]);
    assert!(import(&db, &june).written);
    let before = fingerprint(&db);

    // Another area, another holder without a transfer, another start date;
    // and a new parcel that alone would be fine.
    let mut gp1 = GP1.to_vec();
    gp1[2] = "31";
    gp1[8] = "科华电子有限公司";
    gp1[13] = "2004-08-15";
    let wrong = path(&dir, "改错的台账.xlsx");
    workbook(&wrong, &[&gp1, GP2, GP3]);
    let report = import(&db, &wrong);
    assert!(!report.written);
    let at = |column: &str| {
        report
            .errors
            .iter()
            .find(|e| e.column == column)
            .unwrap_or_else(|| panic!("no error at {column}: {:#?}", report.errors))
    };
    let area = at("面积(亩)");
    assert_eq!((area.sheet.as_str(), area.row), ("2014年地块台账", 5));
    assert!(
        area.reason.contains("30") && area.reason.contains("31"),
        "{}",
        area.reason
    );
    assert!(at("用地单位").reason.contains("transfer"));
    let start = at("实际动工日期");
    assert!(
        start.reason.contains("2004-08-01") && start.reason.contains("2004-08-15"),
        "{}",
        start.reason
    );
    assert_eq!(report.errors.len(), 3, "{:#?}", report.errors);
    assert_eq!(fingerprint(&db), before, "nothing is written");

    // A correction is explicit: void the start, and the ledger's date goes in.
    let p = db.now().parcel_by_code("GP-001").unwrap();
    let start = db
        .history(p.id)
        .unwrap()
        .into_iter()
        .find(|h| h.event.valid == d("2004-08-01"))
        .unwrap()
        .event
        .id;
    db.void(start, "实际动工日期 recorded wrongly").unwrap();
    let mut fixed = GP1.to_vec();
    fixed[13] = "2004-08-15";
    let corrected = path(&dir, "更正.xlsx");
    workbook(&corrected, &[&fixed, GP2]);
    let report = import(&db, &corrected);
    assert!(report.written, "{:#?}", report.errors);
    assert_eq!(report.events, 1);
    assert_eq!(
        db.now()
            .parcel_by_code("GP-001")
            .unwrap()
            .construction_started,
        Some(d("2004-08-15"))
    );
}

/// A register of one firm, a ledger of one parcel (GP-001) and the parcel
/// events given, as CSV files, read back.
fn csv_ledgers(dir: &tempfile::TempDir, firm: &str, events: &str) -> Vec<ledger::Sheet> {
    std::fs::write(path(dir, "企业名录.csv"), format!("企业名称\n{firm}\n")).unwrap();
    std::fs::write(
        path(dir, "地块台账.csv"),
        "地块编号,面积(亩),用途,征地日期\nGP-001,30,工业,2003-05-01\n",
    )
    .unwrap();
    std::fs::write(path(dir, "地块事件.csv"), events).unwrap();
    ["企业名录.csv", "地块台账.csv", "地块事件.csv"]
        .iter()
        .flat_map(|f| ledger::read_file(&path(dir, f)).unwrap())
        .collect()
}

#[test]
fn an_event_the_database_voided_is_not_written_back_by_an_old_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();
    let sheets = csv_ledgers(
        &dir,
        "东岸精密机械有限公司",
        "地块编号,事件,日期\nGP-001,开发,2003-09-01\n",
    );
    assert!(
        ledger::import(&db, &sheets, ImportOptions::default())
            .unwrap()
            .written
    );
    let p = db.now().parcel_by_code("GP-001").unwrap();
    let developed = db.history(p.id).unwrap()[1].event.id;
    db.void(developed, "不是这块地").unwrap();
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(!report.written);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    assert!(
        report.errors[0].reason.contains("voided"),
        "{:?}",
        report.errors
    );
    assert_eq!(
        (report.errors[0].sheet.as_str(), report.errors[0].row),
        ("地块事件", 2)
    );
}

/// Event rows need no order: a construction row above its supply row.
#[test]
fn event_rows_apply_in_date_order_whatever_the_sheet_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();
    let sheets = csv_ledgers(
        &dir,
        "东岸精密",
        "地块编号,事件,日期,企业名称,供地方式,价格(万元)\nGP-001,动工,2005-03-01,,,\nGP-001,竣工,2006-03-01,,,\nGP-001,供地,2004-03-01,东岸精密,挂牌,100\n",
    );
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(report.written, "{:#?}", report.errors);
    assert_eq!(
        db.now().parcel_by_code("GP-001").unwrap().status(),
        ParcelStatus::Completed
    );
}

/// A header of two levels: a merged group cell over its columns (its unit
/// theirs), and columns merged down over both rows.
#[test]
fn headers_of_two_levels_are_read_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = path(&dir, "2014年经济指标.xlsx");
    let mut book = Workbook::new();
    let firms = book.add_worksheet().set_name("企业名录").unwrap();
    rows(firms, 0, &[&["企业名称"], &["东岸精密"], &["科华电子"]]);
    let merged = Format::new();
    let sheet = book.add_worksheet().set_name("年度经济指标").unwrap();
    sheet
        .merge_range(0, 0, 0, 6, "2014年主要经济指标", &merged)
        .unwrap();
    // Upper level: 序号, 企业名称 and 年份 merged down; two groups.
    sheet.merge_range(1, 0, 2, 0, "序号", &merged).unwrap();
    sheet.merge_range(1, 1, 2, 1, "企业名称", &merged).unwrap();
    sheet.merge_range(1, 2, 2, 2, "年份", &merged).unwrap();
    sheet
        .merge_range(1, 3, 1, 5, "主要经济指标（万元）", &merged)
        .unwrap();
    sheet.write(1, 6, "能耗情况").unwrap();
    rows(
        sheet,
        2,
        &[&["", "", "", "产值", "税收（元）", "增加值", "综合能耗"]],
    );
    rows(
        sheet,
        3,
        &[
            &["1", "东岸精密", "2014", "1,205", "52,000", "300", "12.5"],
            &["2", "科华电子", "2014", "800", "10,000", "", ""],
            &["合计", "", "", "2,005", "62,000", "", ""],
        ],
    );
    // The same with the group row holding just one known column: the
    // header is found on the lower row and joined with the upper.
    let other = book.add_worksheet().set_name("经济指标").unwrap();
    rows(
        other,
        0,
        &[
            &["企业名称", "主要经济指标（万元）", ""],
            &["", "产值", "税收"],
            &["科华电子", "900", "20"],
        ],
    );
    other.write(3, 0, "").unwrap();
    book.save(&file).unwrap();

    let sheets = ledger::read_file(&file).unwrap();
    let yearly = sheets.iter().find(|s| s.name == "年度经济指标").unwrap();
    assert_eq!(
        yearly.headers,
        [
            "序号",
            "企业名称",
            "年份",
            "产值(万元)",
            "税收（元）",
            "增加值(万元)",
            "综合能耗"
        ]
    );
    let lower_found = sheets.iter().find(|s| s.name == "经济指标").unwrap();
    assert_eq!(
        lower_found.headers,
        ["企业名称", "产值(万元)", "税收(万元)"]
    );
    assert_eq!(lower_found.rows.len(), 1);

    let db = Db::temporary().unwrap();
    let only: Vec<_> = sheets
        .iter()
        .filter(|s| s.name != "经济指标")
        .cloned()
        .collect();
    let report = ledger::import(&db, &only, ImportOptions::default()).unwrap();
    assert!(report.written, "{:#?}", report.errors);
    assert!(report.skipped.iter().any(|s| s.reason.contains("合计")));
    let firms = db.now().enterprises().unwrap();
    let dongan = firms.iter().find(|e| e.name == "东岸精密").unwrap();
    let f = dongan.yearly.get(2014).unwrap();
    assert_eq!(f.output_value, Some(yuan("12050000")));
    assert_eq!(f.tax, Some(yuan("52000")));
    assert_eq!(f.value_added, Some(yuan("3000000")));
    assert_eq!(
        f.energy_tce,
        Some(parkdb::Quantity::parse("12.5", "energy").unwrap())
    );
}

/// `examples/ledgers/东岸工业园台账.xlsx`: a park's workbook as its data
/// officer lays it out (the README's tour imports it). Written again with
/// `PARKDB_WRITE_EXAMPLES=1`; otherwise the committed file is checked.
fn write_park_example(path: &Path) {
    let mut book = Workbook::new();
    let merged = Format::new();
    let firms = book.add_worksheet().set_name("企业名录").unwrap();
    firms
        .merge_range(0, 0, 0, 8, "东岸工业园入园企业名录", &merged)
        .unwrap();
    firms.write(1, 0, "单位：万元、亩").unwrap();
    rows(
        firms,
        2,
        &[
            &[
                "序号",
                "企业名称",
                "统一社会信用代码",
                "行业代码",
                "签约日期",
                "投资额",
                "用地面积",
                "动工日期",
                "投产日期",
            ],
            &[
                "1",
                "东岸精密机械有限公司",
                "91440606MA4UJ0001L",
                "C34",
                "2004.3.1",
                "5,000",
                "30",
                "2004年8月1日",
                "2005/10/15",
            ],
            &[
                "2",
                "华南光电科技有限公司",
                "91440606MA4UJ0002P",
                "C39",
                "2004-06-18",
                "12,000",
                "45.5",
                "2005-01-10",
                "",
            ],
            &[
                "3",
                "顺达物流有限公司",
                "",
                "G59",
                "2005-02-01",
                "3,000",
                "20",
                "",
                "",
            ],
            &["4", "东岸工业园自来水厂", "", "D46", "", "", "", "", ""],
        ],
    );
    firms.write(8, 0, "填表人：张三").unwrap();
    firms.write(8, 4, "审核人：李四").unwrap();

    let land = book.add_worksheet().set_name("2005年地块台账").unwrap();
    land.merge_range(
        0,
        0,
        0,
        15,
        "东岸工业园地块台账（截至2005年12月31日）",
        &merged,
    )
    .unwrap();
    land.write(1, 0, "填报单位：东岸工业园管委会").unwrap();
    land.write(2, 0, "单位：亩、万元").unwrap();
    let mut all: Vec<&[&str]> = vec![PARCELS];
    all.extend_from_slice(&[
        &[
            "1",
            "DA-01",
            "30",
            "工业",
            "东岸大道北",
            "2003/5/1",
            "佛府国用(2004)第17号",
            "2004-06-01",
            "东岸精密机械有限公司",
            "挂牌",
            "1,200",
            "2004-03-01",
            "2004-09-01",
            "2004-08-01",
            "2005-09-30",
            "一期",
        ],
        &[
            "2",
            "DA-02",
            "45.5",
            "工业",
            "东岸大道南",
            "2003/5/1",
            "佛府国用(2004)第21号",
            "2004-09-01",
            "91440606MA4UJ0002P",
            "挂牌",
            "1,820",
            "2004-07-01",
            "2005-01-01",
            "2005-01-10",
            "",
            "",
        ],
        &[
            "3",
            "DA-03",
            "20",
            "物流",
            "港口路",
            "2003/5/1",
            "",
            "",
            "顺达物流有限公司",
            "协议",
            "600",
            "2005-02-20",
            "2005-08-20",
            "",
            "",
            "未按期动工",
        ],
        &[
            "4",
            "DA-04",
            "12.5",
            "公共设施",
            "水厂路",
            "2004-01-15",
            "",
            "",
            "东岸工业园自来水厂",
            "划拨",
            "0",
            "2004-02-01",
            "",
            "2004-03-01",
            "2004-12-01",
            "",
        ],
        &[
            "5",
            "DA-05",
            "１８．２",
            "工业用地",
            "东岸大道北",
            "2005年3月1日",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "储备",
        ],
    ]);
    rows(land, 3, &all);
    rows(land, 9, &[&["合计", "", "126.2"]]);
    rows(
        land,
        11,
        &[&[
            "填表人：张三",
            "",
            "",
            "",
            "审核人：李四",
            "",
            "",
            "",
            "填报日期：2006年1月5日",
        ]],
    );

    let yearly = book.add_worksheet().set_name("2005年经济指标").unwrap();
    yearly
        .merge_range(0, 0, 0, 7, "2005年入园企业主要经济指标", &merged)
        .unwrap();
    for (c, h) in ["序号", "企业名称", "年份"].iter().enumerate() {
        let c = u16::try_from(c).unwrap();
        yearly.merge_range(1, c, 2, c, h, &merged).unwrap();
    }
    yearly
        .merge_range(1, 3, 1, 6, "主要经济指标（万元）", &merged)
        .unwrap();
    yearly.merge_range(1, 7, 2, 7, "职工人数", &merged).unwrap();
    rows(
        yearly,
        2,
        &[&["", "", "", "产值", "营业收入", "税收", "增加值"]],
    );
    rows(
        yearly,
        3,
        &[
            &[
                "1",
                "东岸精密机械有限公司",
                "2005",
                "3,600",
                "3,450",
                "210",
                "900",
                "180",
            ],
            &[
                "2",
                "东岸工业园自来水厂",
                "2005",
                "450",
                "450",
                "12.5",
                "150",
                "25",
            ],
            &["合计", "", "", "4,050", "3,900", "222.5", "1,050", "205"],
        ],
    );
    book.save(path).unwrap();
}

#[test]
fn the_example_park_workbook_imports_as_the_readme_says() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ledgers/东岸工业园台账.xlsx");
    if std::env::var_os("PARKDB_WRITE_EXAMPLES").is_some() {
        write_park_example(&example);
    }
    let db = Db::temporary().unwrap();
    let report = import(&db, &example);
    assert!(report.written, "{:#?}", report.errors);
    assert_eq!(
        report.rows,
        [("enterprises", 4), ("parcels", 5), ("yearly", 2)]
    );
    let summary = db.as_of(d("2005-12-31")).land_summary().unwrap().total;
    assert_eq!(summary.requisitioned_mu, mu("126.2"));
    assert_eq!(summary.supplied_mu, mu("108"));
    assert_eq!(summary.completed_mu, mu("42.5"));
    assert_eq!(summary.under_construction_mu, mu("45.5"));
    // DA-03: agreed start 2005-08-20, not started: idle a year after it.
    let later = db.as_of(d("2006-09-01")).parcel_by_code("DA-03").unwrap();
    assert!(later.idle_as_of(d("2006-09-01")).is_idle());
    let jingmi = db
        .now()
        .enterprises()
        .unwrap()
        .into_iter()
        .find(|e| e.name == "东岸精密机械有限公司")
        .unwrap();
    assert_eq!(jingmi.yearly.get(2005).unwrap().tax, Some(yuan("2100000")));
    assert_eq!(jingmi.in_production, Some(d("2005-10-15")));
    // The same workbook again: nothing new, and it says it wrote nothing.
    let again = import(&db, &example);
    assert!(again.is_clean());
    assert_eq!(
        (again.written, again.events),
        (false, 0),
        "{:#?}",
        again.errors
    );
}

/// A register row giving a credit code to a firm registered without one:
/// no event adds a code, so it is a contradiction, not a second firm.
#[test]
fn a_code_for_a_firm_registered_without_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();
    let register = path(&dir, "企业名录.csv");
    std::fs::write(&register, "企业名称\n科华电子有限公司\n").unwrap();
    assert!(import(&db, &register).written);
    let before = fingerprint(&db);
    std::fs::write(
        &register,
        "企业名称,统一社会信用代码\n科华电子有限公司,91440606MA4UJ0002P\n",
    )
    .unwrap();
    let report = import(&db, &register);
    assert!(!report.written);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    let e = &report.errors[0];
    assert_eq!((e.row, e.column.as_str()), (2, "统一社会信用代码"));
    assert!(e.reason.contains("without a credit code"), "{}", e.reason);
    assert_eq!(fingerprint(&db), before);
    assert_eq!(db.now().enterprises().unwrap().len(), 1);
}

/// A 地块台账 with its buildings: they become a dated report, and a
/// ledger with only one of the two figures is refused.
#[test]
fn buildings_in_a_parcel_ledger_are_reported_and_feed_not_fully_used() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temporary().unwrap();
    std::fs::write(path(&dir, "企业名录.csv"), "企业名称\n东岸精密\n").unwrap();
    let ledger = |floor: &str, footprint: &str| {
        std::fs::write(
            path(&dir, "地块台账.csv"),
            format!(
                "地块编号,面积(亩),用途,征地日期,用地单位,供地方式,成交价(万元),供地日期,实际动工日期,竣工日期,总建筑面积,建筑基底面积\n\
                 GP-001,30,工业,2003-05-01,东岸精密,挂牌,100,2004-03-01,2005-03-01,2006-03-01,{floor},{footprint}\n"
            ),
        )
        .unwrap();
        ["企业名录.csv", "地块台账.csv"]
            .iter()
            .flat_map(|f| ledger::read_file(&path(&dir, f)).unwrap())
            .collect::<Vec<_>>()
    };
    let half = ledger("12000", "");
    let report = ledger::import(&db, &half, ImportOptions::default()).unwrap();
    assert!(!report.written);
    assert!(
        report.errors[0].reason.contains("footprint_m2 is empty"),
        "{:?}",
        report.errors
    );
    let report = ledger::import(&db, &ledger("12000", "8000"), ImportOptions::default()).unwrap();
    assert!(report.written, "{:#?}", report.errors);
    let p = db.now().parcel_by_code("GP-001").unwrap();
    let b = p.buildings.unwrap();
    assert_eq!(
        (b.date, b.floor_area_m2),
        (d("2006-03-01"), common::q("12000"))
    );
    let found = db
        .as_of(d("2006-12-31"))
        .inefficient_land(&parkdb::inefficient::Rules::default(), None)
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].kind,
        parkdb::inefficient::InefficientKind::NotFullyUsed
    );
    // The same ledger again writes nothing; new figures a new report.
    let again = ledger::import(&db, &ledger("12000", "8000"), ImportOptions::default()).unwrap();
    assert_eq!(again.events, 0, "{again:?}");
    let more = ledger::import(&db, &ledger("24000", "8000"), ImportOptions::default()).unwrap();
    assert_eq!(more.events, 1, "{more:?}");
    assert_eq!(
        db.now()
            .parcel_by_code("GP-001")
            .unwrap()
            .buildings
            .unwrap()
            .floor_area_m2,
        common::q("24000")
    );
}

/// A CSV saved by Excel on Chinese Windows is GBK: refused with the line
/// and column (counted from 1) and the encoding it reads in, never read
/// as garbled text.
#[test]
fn a_csv_in_gbk_is_refused_naming_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("地块台账.csv");
    // "地块编号,面积(亩),用途,征地日期\nGP-1,10,工业,2005-01-01\n" in GBK.
    let gbk: &[u8] = &[
        181, 216, 191, 233, 177, 224, 186, 197, 44, 195, 230, 187, 253, 40, 196, 182, 41, 44, 211,
        195, 205, 190, 44, 213, 247, 181, 216, 200, 213, 198, 218, 10, 71, 80, 45, 49, 44, 49, 48,
        44, 185, 164, 210, 181, 44, 50, 48, 48, 53, 45, 48, 49, 45, 48, 49, 10,
    ];
    std::fs::write(&path, gbk).unwrap();
    match ledger::read_file(&path) {
        Err(parkdb::Error::Validation { reason, .. }) => {
            assert!(
                reason.contains("line 1, column 1") && reason.contains("GBK"),
                "{reason}"
            );
        }
        other => panic!("a GBK file: {other:?}"),
    }
}
