//! Ledgers in and out: the example ledgers import (CSV and xlsx) to the same
//! database as the same facts entered through the API; bad rows are all
//! reported and nothing is written; exports round-trip and neutralise
//! formula-like text; the command-line tool works end to end.

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../tests/common/sheet.rs"]
mod sheets;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{d, fingerprint, mu};
use parkdb::ledger::{self, read_file, ImportOptions, Sheet};
use parkdb::money::{
    Charge, Collection, CollectionAction, Compensation, CompensationKind, Instalment, Payment,
};
use parkdb::Account;
use parkdb::{
    Allocation, ApplicationFilter, Award, AwardKind, Db, Error, LandUse, NewEnterprise, NewParcel,
    ParcelFilter, Quantity, SupplyMethod, YearlyFigures,
};
use sheets::sheet;

fn ledgers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ledgers")
}

fn csv_sheets() -> Vec<Sheet> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(ledgers_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| read_file(f).unwrap()).collect()
}

fn xlsx_path() -> PathBuf {
    ledgers_dir().join("高平工业区台账.xlsx")
}

fn wan(s: &str) -> parkdb::Yuan {
    parkdb::Yuan::parse_wan(s).unwrap()
}

/// The example ledgers' facts, entered through the API in the import's order.
fn build_by_api(db: &Db) {
    db.write(|w| {
        let firm = |w: &mut parkdb::Writer,
                    name: &str,
                    code: Option<&str>,
                    industry: &str,
                    founded: &str,
                    high_tech: bool,
                    registered: &str| {
            w.add_enterprise(NewEnterprise {
                name: name.into(),
                credit_code: code.map(str::to_owned),
                industry: Some(industry.into()),
                founded: Some(d(founded)),
                high_tech,
                registered: Some(d(registered)),
                allow_invalid_code: false,
            })
        };
        let kehua = firm(
            w,
            "科华电子",
            Some("91440606MA4UJ0001L"),
            "C39",
            "1998-03-12",
            true,
            "2001-01-10",
        )?;
        let qicheng = firm(
            w,
            "启程五金",
            Some("91440606MA4UJ0002P"),
            "C33",
            "1999-06-01",
            false,
            "2001-02-01",
        )?;
        let lijing = firm(
            w,
            "顺德市励精纺织贸易有限公司",
            Some("91440606MA4UJ0003T"),
            "C17",
            "2000-01-05",
            false,
            "2001-01-05",
        )?;
        let jinlian = firm(
            w,
            "金联化工物流",
            Some("91440606MA4UJ0004X"),
            "G59",
            "2003-08-18",
            false,
            "2005-04-01",
        )?;
        firm(
            w,
            "高平工业水厂",
            Some("91440606MA4UJ00051"),
            "D46",
            "1995-05-05",
            false,
            "2001-01-10",
        )?;
        let maike = firm(
            w,
            "迈克制药",
            Some("91350205MA2XN0001N"),
            "C27",
            "2001-09-09",
            true,
            "2003-01-01",
        )?;
        let gaoya = firm(
            w,
            "高雅商住楼开发",
            None,
            "K70",
            "2004-12-01",
            false,
            "2005-06-01",
        )?;
        let parcel = |w: &mut parkdb::Writer,
                      code: &str,
                      area: &str,
                      use_: LandUse,
                      loc: &str,
                      req: &str| {
            w.add_parcel(NewParcel {
                location: Some(loc.into()),
                ..NewParcel::new(code, mu(area), use_, d(req))
            })
        };
        let p1 = parcel(
            w,
            "GP-001",
            "120.5",
            LandUse::Industrial,
            "兴隆路北",
            "2001-03-01",
        )?;
        let p2 = parcel(
            w,
            "GP-002",
            "80",
            LandUse::Industrial,
            "广进路",
            "2001-03-01",
        )?;
        let p17 = parcel(
            w,
            "GP-017",
            "52.7272",
            LandUse::Industrial,
            "兴隆路南",
            "2001-05-01",
        )?;
        let p40 = parcel(
            w,
            "GP-040",
            "40",
            LandUse::Industrial,
            "高平大道",
            "2004-12-01",
        )?;
        let sz = parcel(
            w,
            "SZ-100",
            "100",
            LandUse::CommercialResidential,
            "高平中心",
            "2003-01-01",
        )?;
        let terms = |holder,
                     date: &str,
                     method,
                     price: &str,
                     start: Option<&str>,
                     complete: Option<&str>| Allocation {
            holder,
            date: d(date),
            method,
            price: wan(price),
            start_by: start.map(d),
            complete_by: complete.map(d),
        };
        w.develop(p1, d("2001-06-01"))?;
        w.allocate(
            p1,
            terms(
                kehua,
                "2002-03-01",
                SupplyMethod::Agreement,
                "723",
                Some("2002-09-01"),
                Some("2004-03-01"),
            ),
        )?;
        w.start_construction(p1, d("2002-08-01"))?;
        w.complete_construction(p1, d("2003-05-01"))?;
        w.certify(p1, d("2005-01-15"), "佛府(顺)国用(2005)第0400001号")?;
        w.develop(p2, d("2001-06-01"))?;
        w.allocate(
            p2,
            terms(
                qicheng,
                "2002-05-01",
                SupplyMethod::Listing,
                "480",
                Some("2002-11-01"),
                None,
            ),
        )?;
        w.start_construction(p2, d("2002-10-01"))?;
        w.develop(p17, d("2001-09-01"))?;
        w.certify(p17, d("2002-01-10"), "佛府(顺)国用(2002)第0401285号")?;
        w.allocate(
            p17,
            terms(
                lijing,
                "2002-03-01",
                SupplyMethod::Agreement,
                "316.3632",
                Some("2002-09-01"),
                Some("2004-09-01"),
            ),
        )?;
        w.reclaim(p17, d("2005-03-15"), "闲置满两年")?;
        w.allocate(
            p17,
            terms(
                jinlian,
                "2005-05-01",
                SupplyMethod::Listing,
                "350",
                Some("2005-11-01"),
                None,
            ),
        )?;
        w.start_construction(p17, d("2005-10-01"))?;
        w.certify(p40, d("2005-03-01"), "佛府(顺)国用(2005)第0400040号")?;
        w.develop(p40, d("2005-04-01"))?;
        w.allocate(
            p40,
            terms(
                kehua,
                "2005-06-01",
                SupplyMethod::Agreement,
                "240",
                Some("2005-12-01"),
                None,
            ),
        )?;
        w.develop(sz, d("2003-05-01"))?;
        w.certify(sz, d("2005-05-01"), "佛府(顺)国用(2005)第0400100号")?;
        w.allocate(
            sz,
            terms(
                gaoya,
                "2005-07-01",
                SupplyMethod::Tender,
                "1200",
                None,
                None,
            ),
        )?;
        let q = |s: &str| Quantity::parse(s, "q").unwrap();
        w.report_year(
            kehua,
            2005,
            YearlyFigures {
                output_value: Some(wan("52000")),
                revenue: Some(wan("49400")),
                tax: Some(wan("2080")),
                value_added: Some(wan("13000")),
                employees: Some(860),
                rd: Some(wan("1560")),
                energy_tce: Some(q("5200")),
                electricity_kwh: Some(q("12000000")),
                emissions_t: Some(q("30")),
                above_scale: Some(true),
                water_m3: None,
            },
        )?;
        w.report_year(
            qicheng,
            2005,
            YearlyFigures {
                output_value: Some(wan("18000")),
                revenue: Some(wan("17100")),
                tax: Some(wan("540")),
                value_added: Some(wan("3600")),
                employees: Some(310),
                rd: Some(wan("180")),
                energy_tce: Some(q("900")),
                electricity_kwh: Some(q("3500000")),
                emissions_t: None,
                above_scale: Some(true),
                water_m3: None,
            },
        )?;
        let g = w.add_programme("2005年度科技三项费用", 2005, wan("1314"), d("2005-01-05"))?;
        let a1 = w.apply(
            g,
            maike,
            "新型抗抑郁药物产业化",
            d("2005-03-10"),
            wan("100"),
            Some("医药化工"),
        )?;
        let a2 = w.apply(
            g,
            kehua,
            "电子元器件自动化",
            d("2005-04-02"),
            wan("60"),
            Some("电子信息"),
        )?;
        let a3 = w.apply(
            g,
            qicheng,
            "精密五金模具",
            d("2005-05-20"),
            wan("30"),
            Some("机械电子"),
        )?;
        w.review(a1, d("2005-07-20"), &[82, 90, 77])?;
        w.approve(
            a1,
            d("2005-09-15"),
            Award {
                batch: "第一批".into(),
                grant: wan("30"),
                loan: wan("50"),
                repay_by: Some(d("2007-09-15")),
                ..Award::default()
            },
        )?;
        w.disburse(a1, d("2005-10-01"), wan("30"), AwardKind::Grant)?;
        w.disburse(a1, d("2005-10-01"), wan("50"), AwardKind::Loan)?;
        w.review(a2, d("2005-07-20"), &[75, 80, 78])?;
        w.approve(
            a2,
            d("2005-09-15"),
            Award {
                batch: "第一批".into(),
                interest_subsidy: wan("60"),
                ..Award::default()
            },
        )?;
        w.disburse(a2, d("2005-12-01"), wan("30"), AwardKind::InterestSubsidy)?;
        w.review(a3, d("2005-07-20"), &[60, 58, 65])?;
        w.reject(a3, d("2005-09-15"), "评审未通过")?;
        // 应收台账 and 收款台账, in the import's order (by date).
        w.schedule_land_payments(
            p17,
            d("2005-05-01"),
            &[
                Instalment {
                    due: d("2005-05-31"),
                    amount: wan("150"),
                },
                Instalment {
                    due: d("2005-12-31"),
                    amount: wan("100"),
                },
                Instalment {
                    due: d("2006-06-30"),
                    amount: wan("100"),
                },
            ],
        )?;
        let paid = |reference: &str, amount: &str| Payment {
            charge: Charge::LandPrice,
            amount: wan(amount),
            reference: Some(reference.into()),
            payer: None,
            advance: false,
        };
        let out =
            |kind, payee: &str, amount: &str, reference: &str, area: Option<&str>| Compensation {
                kind,
                payee: payee.into(),
                amount: wan(amount),
                area: area.map(mu),
                reference: Some(reference.into()),
            };
        w.pay_compensation(
            p17,
            d("2001-05-20"),
            out(
                CompensationKind::Land,
                "高平村委会",
                "260",
                "补2001-07",
                None,
            ),
        )?;
        w.receive_payment(
            Account::Parcel(p1),
            d("2002-03-20"),
            paid("收2002-011", "723"),
        )?;
        w.receive_payment(
            Account::Parcel(p2),
            d("2002-06-01"),
            paid("收2002-015", "300"),
        )?;
        w.receive_payment(
            Account::Parcel(p17),
            d("2005-06-05"),
            paid("收2005-021", "150"),
        )?;
        w.pay_compensation(
            sz,
            d("2005-08-01"),
            out(
                CompensationKind::Swap,
                "林某户",
                "4.5",
                "补2005-03",
                Some("1.2"),
            ),
        )?;
        w.record_collection(
            Account::Parcel(p2),
            d("2005-09-01"),
            Collection {
                charge: Charge::LandPrice,
                action: CollectionAction::Notice,
                note: Some("第二次催缴".into()),
            },
        )?;
        w.receive_payment(
            Account::Parcel(p2),
            d("2005-10-20"),
            paid("收2005-033", "100"),
        )?;
        w.receive_payment(
            Account::Parcel(p17),
            d("2005-12-31"),
            paid("收2005-048", "60"),
        )?;
        Ok(())
    })
    .unwrap();
}

/// The ledgers' state, without recorded times.
fn state(db: &Db) -> String {
    let now = db.now();
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}",
        now.all_parcels().unwrap(),
        now.enterprises().unwrap(),
        now.programmes().unwrap(),
        now.applications(&ApplicationFilter::default()).unwrap(),
        db.policy().unwrap()
    )
}

#[test]
fn the_example_ledgers_import_as_the_api_would_enter_them() {
    let by_api = Db::temporary().unwrap();
    build_by_api(&by_api);

    let from_csv = Db::temporary().unwrap();
    let report = ledger::import(&from_csv, &csv_sheets(), ImportOptions::default()).unwrap();
    assert!(report.is_clean(), "{:#?}", report.errors);
    assert!(report.written);
    assert_eq!(
        report.rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        [
            "enterprises",
            "parcels",
            "parcel_events",
            "schedules",
            "payments",
            "yearly",
            "programmes",
            "applications",
            "application_steps"
        ]
    );
    assert_eq!(report.rows[2], ("parcel_events", 20));
    assert_eq!(state(&from_csv), state(&by_api));
    assert!(from_csv.check().unwrap().is_clean());

    // The workbook holds the same ledgers as sheets, with real Excel dates and numbers.
    if std::env::var_os("PARKDB_WRITE_LEDGERS").is_some() {
        write_workbook_from_csv();
    }
    let from_xlsx = Db::temporary().unwrap();
    let report = ledger::import(
        &from_xlsx,
        &read_file(&xlsx_path()).unwrap(),
        ImportOptions::default(),
    )
    .unwrap();
    assert!(report.is_clean(), "{:#?}", report.errors);
    assert_eq!(state(&from_xlsx), state(&by_api));

    let r = from_csv.now().annual_report(2005).unwrap();
    assert_eq!(r.reclaimed_in_year_mu, mu("52.7272"));
    // 地款 collected in 2005: 150 + 100 + 60 万; owed at its end: GP-002's
    // 80, GP-017's 140 (金联; 励精's balance was cancelled by the reclaim),
    // GP-040's 240 and SZ-100's 1,200.
    let land = r.finance.charge(Charge::LandPrice);
    assert_eq!(land.collected, wan("310"));
    assert_eq!(land.outstanding, wan("1660"));
    assert_eq!(r.finance.collection_steps, 1);
    assert_eq!(r.finance.compensation_total(), wan("4.5"));
    assert_eq!(r.land_cost_yuan, wan("264.5"));
    assert_eq!(r.approved_by_batch["第一批"].total, wan("140"));
}

/// Writes the workbook from the CSV files: numbers as numbers, dates as Excel dates.
fn write_workbook_from_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for sheet in csv_sheets() {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name).unwrap();
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string(0, u16::try_from(c).unwrap(), h).unwrap();
        }
        for (i, (_, cells)) in sheet.rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                let r = u32::try_from(i + 1).unwrap();
                if v.is_empty() {
                    continue;
                }
                let is_code = sheet.headers[c].contains("编号")
                    || sheet.headers[c].contains("代码")
                    || sheet.headers[c].contains("评分");
                if let (false, Some(date)) = (
                    is_code,
                    ledger::dates::parse_date(v).filter(|_| v.len() > 6),
                ) {
                    let dt = ExcelDateTime::from_ymd(
                        u16::try_from(chrono::Datelike::year(&date)).unwrap(),
                        u8::try_from(chrono::Datelike::month(&date)).unwrap(),
                        u8::try_from(chrono::Datelike::day(&date)).unwrap(),
                    )
                    .unwrap();
                    ws.write_datetime_with_format(r, u16::try_from(c).unwrap(), &dt, &date_format)
                        .unwrap();
                } else if let (false, Ok(n)) = (is_code, v.parse::<f64>()) {
                    ws.write_number(r, u16::try_from(c).unwrap(), n).unwrap();
                } else {
                    ws.write_string(r, u16::try_from(c).unwrap(), v).unwrap();
                }
            }
        }
    }
    book.save(xlsx_path()).unwrap();
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let db = Db::temporary().unwrap();
    ledger::import(&db, &csv_sheets(), ImportOptions::default()).unwrap();
    let before = fingerprint(&db);
    let sheets = vec![
        sheet("企业名录", "企业名称,统一社会信用代码,行业代码\n好企业,,C39\n坏代码,91440606MA4UJ0001X,C39\n坏行业,,C98\n科华电子有限公司,91440606MA4UJ0001L,C39"),
        sheet("地块台账", "地块编号,面积(亩),用途,征地日期\nGP-900,10,工业,2005-01-01\nGP-901,-3,工业,2005-01-01\nGP-902,10,农田,2005-01-01\nGP-903,10,工业,2005-02-30\nGP-001,10,工业,2005-01-01\nGP-904,1.2345678,工业,2005-01-01"),
        sheet("地块事件", "地块编号,事件,日期,企业名称,供地方式,价格(元)\nGP-900,开发,2005-02-01,,,\nGP-900,动工,2005-03-01,,,\nGP-999,开发,2005-03-01,,,\nGP-002,供地,2005-03-01,科华电子,挂牌,100\nGP-040,开发,2004-01-01,,,\nGP-900,飞天,2005-04-01,,,\nGP-900,供地,2005-05-01,无名公司,挂牌,1"),
        sheet("年度经济指标", "企业名称,年份,税收(万元)\n科华电子,二〇〇五,1\n科华电子,2006,-5"),
        sheet("项目流程", "项目编号,步骤,日期,金额(万元),类别\nA-77,拨付,2005-10-01,1,无偿资助"),
        sheet("地块台帐备份", "x\n1"),
        sheet("parcels", "地块编号,面基,用途,征地日期\nGP-905,1,工业,2005-01-01"),
    ];
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(!report.written);
    assert_eq!(fingerprint(&db), before, "a failed import wrote something");
    let found: Vec<(String, usize, String)> = report
        .errors
        .iter()
        .map(|e| (e.sheet.clone(), e.row, e.column.clone()))
        .collect();
    let has = |sheet: &str, row: usize, column: &str| {
        assert!(
            found
                .iter()
                .any(|(s, r, c)| s == sheet && *r == row && c == column),
            "expected an error at {sheet} row {row} column {column:?}; got {:#?}",
            report.errors
        );
    };
    has("企业名录", 3, "统一社会信用代码");
    has("企业名录", 4, "行业代码");
    has("企业名录", 5, "企业名称"); // the register holds another name for the code
    has("地块台账", 3, "面积(亩)");
    has("地块台账", 4, "用途");
    has("地块台账", 5, "征地日期");
    has("地块台账", 6, "面积(亩)"); // GP-001 is held with another area
    has("地块台账", 6, "征地日期"); // and another requisition date
    has("地块台账", 7, "面积(亩)");
    has("地块事件", 3, ""); // construction without a holder
    has("地块事件", 4, "地块编号");
    has("地块事件", 5, ""); // already held
    has("地块事件", 6, ""); // already developed, or developed before it existed
    has("地块事件", 7, "事件");
    has("地块事件", 8, "企业名称");
    has("年度经济指标", 2, "年份");
    has("年度经济指标", 3, "税收(万元)");
    has("项目流程", 2, "项目编号");
    has("地块台帐备份", 0, "");
    // A column the ledger does not keep is set aside and listed; the area
    // column it misspells is then missing.
    has("parcels", 1, "面积/area");
    assert!(report
        .skipped
        .iter()
        .any(|s| s.sheet == "parcels" && s.column == "面基" && s.reason.contains("set aside")));
    assert_eq!(report.errors.len(), 20, "{:#?}", report.errors);
    // Good rows are not errors.
    assert!(!found.iter().any(|(s, r, _)| s == "企业名录" && *r == 2));
    let text = report
        .errors
        .iter()
        .find(|e| e.sheet == "地块台账" && e.row == 4)
        .unwrap()
        .to_string();
    assert!(
        text.contains("地块台账, row 4, column 用途") && text.contains("industrial"),
        "{text}"
    );

    // Strict, the unknown column is refused itself.
    let strict = ledger::import(
        &db,
        &sheets,
        ImportOptions {
            strict: true,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert!(strict.errors.iter().any(|e| e.sheet == "parcels"
        && e.column == "面基"
        && e.reason.contains("unknown column")));
    // A column given twice (面积 and area_mu) is refused: which one a row
    // means cannot be known.
    let twice = ledger::import(
        &db,
        &[sheet(
            "地块台账",
            "地块编号,面积(亩),area_mu,用途,征地日期,项目说明\nGP-950,10,12,工业,2005-01-01,机加工",
        )],
        ImportOptions::default(),
    )
    .unwrap();
    assert!(!twice.written);
    assert_eq!(twice.errors.len(), 1, "{:#?}", twice.errors);
    assert_eq!(twice.errors[0].column, "area_mu");
    assert!(
        twice.errors[0].reason.contains("面积(亩)"),
        "{}",
        twice.errors[0]
    );
    // A header's problem does not hide the rows': one run reports both.
    let both = ledger::import(
        &db,
        &[sheet(
            "地块台账",
            "地块编号,面积(亩),area_mu,用途,征地日期\n\
             GP-951,10,12,工业,2005-01-01\n\
             GP-952,10,12,农业,2005-01-01",
        )],
        ImportOptions {
            strict: true,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    let found: Vec<(usize, &str)> = both
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(found, [(1, "area_mu"), (3, "用途")], "{:#?}", both.errors);
    assert!(!both.written);
    // An unknown column alone does not stop good rows.
    let other = Db::temporary().unwrap();
    let aside = ledger::import(
        &other,
        &[sheet(
            "地块台账",
            "地块编号,面积(亩),用途,征地日期,项目说明\nGP-951,10,工业,2005-01-01,机加工",
        )],
        ImportOptions::default(),
    )
    .unwrap();
    assert!(aside.written && aside.is_clean(), "{:#?}", aside.errors);
    assert_eq!(aside.skipped.len(), 1);
    assert_eq!(aside.skipped[0].column, "项目说明");
    assert!(other.parcel_by_code("GP-951").is_ok());
    assert_eq!(
        fingerprint(&db),
        before,
        "the refused imports wrote nothing"
    );

    // A dry run of good rows reports clean and writes nothing.
    let good = vec![sheet(
        "地块台账",
        "地块编号,面积(亩),用途,征地日期\nGP-950,10,工业,2005-01-01",
    )];
    let dry = ledger::import(
        &db,
        &good,
        ImportOptions {
            strict: false,
            dry_run: true,
            progress: None,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert!(dry.is_clean() && !dry.written);
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn exports_round_trip_and_neutralise_formulas() {
    let db = Db::temporary().unwrap();
    ledger::import(&db, &csv_sheets(), ImportOptions::default()).unwrap();
    db.add_enterprise(NewEnterprise::named("=HYPERLINK(\"http://x\",\"点我\")"))
        .unwrap();
    db.add_enterprise(NewEnterprise::named("@SUM(A1)")).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let parcels = db.now().parcels_table(&ParcelFilter::default()).unwrap();
    let csv_path = dir.path().join("parcels.csv");
    ledger::write_csv(&parcels, &csv_path).unwrap();
    let back = &read_file(&csv_path).unwrap()[0];
    assert_eq!(back.headers[..3], ["parcel_id", "code", "area_mu"]);
    let areas: Vec<&str> = back.rows.iter().map(|r| r.1[2].as_str()).collect();
    assert_eq!(
        areas,
        [
            "120.500000",
            "80.000000",
            "52.727200",
            "40.000000",
            "100.000000"
        ]
    );
    let prices: Vec<&str> = back
        .rows
        .iter()
        .map(|r| r.1[back.headers.iter().position(|h| h == "price_yuan").unwrap()].as_str())
        .collect();
    assert_eq!(prices[2], "3500000.00");

    let xlsx_path = dir.path().join("tables.xlsx");
    let firms = db
        .now()
        .enterprises_table(&parkdb::EnterpriseFilter::default())
        .unwrap();
    ledger::write_xlsx(
        &[("parcels", &parcels), ("enterprises", &firms)],
        &xlsx_path,
    )
    .unwrap();
    let book = read_file(&xlsx_path).unwrap();
    assert_eq!(
        book.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["parcels", "enterprises"]
    );
    let x = &book[0];
    assert_eq!(x.rows.len(), 5);
    assert_eq!(x.rows[2].1[1], "GP-017");
    assert_eq!(x.rows[2].1[2], "52.7272");
    let req = x.headers.iter().position(|h| h == "requisitioned").unwrap();
    assert_eq!(x.rows[0].1[req], "2001-03-01", "dates come back as dates");

    // Formula-like text gets a leading quote in both formats.
    let names: Vec<&str> = book[1].rows.iter().map(|r| r.1[1].as_str()).collect();
    assert!(
        names.contains(&"'=HYPERLINK(\"http://x\",\"点我\")"),
        "{names:?}"
    );
    assert!(names.contains(&"'@SUM(A1)"));
    let firms_csv = dir.path().join("firms.csv");
    ledger::write_csv(&firms, &firms_csv).unwrap();
    let raw = std::fs::read_to_string(&firms_csv).unwrap();
    assert!(raw.contains("'@SUM(A1)") && !raw.contains(",@SUM"));
    // Numbers are not text: a negative amount stays a number.
    assert_eq!(ledger::neutralise("-300"), "'-300");
    assert_eq!(ledger::neutralise("科华"), "科华");
    // Characters a spreadsheet skips before a formula do not hide it.
    for hidden in [
        "\n=1+1",
        " =1+1",
        "\u{a0}@SUM(A1)",
        "\u{200b}-2",
        "\u{feff}+3",
        "\n \u{a0}=x",
    ] {
        assert_eq!(
            ledger::neutralise(hidden),
            format!("'{hidden}"),
            "{hidden:?}"
        );
    }
    assert_eq!(ledger::neutralise(" 科华"), " 科华");

    let report = db.now().annual_report(2005).unwrap();
    let report_path = dir.path().join("report.xlsx");
    ledger::write_report_xlsx(&report, &report_path).unwrap();
    let sheets = read_file(&report_path).unwrap();
    assert_eq!(sheets[0].name, "2005年度报告");
    assert!(sheets[0]
        .rows
        .iter()
        .any(|r| r.1[0].starts_with("征地") && r.1[1] == "393.2272"));
    assert_eq!(sheets[1].rows[0].1[2], "顺德市励精纺织贸易有限公司");
}

fn parkdb_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parkdb"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_data_officers_session_from_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let ledgers = ledgers_dir();
    let files: Vec<String> = [
        "企业名录.csv",
        "地块台账.csv",
        "地块事件.csv",
        "年度经济指标.csv",
        "科技计划.csv",
        "项目申报.csv",
        "项目流程.csv",
    ]
    .iter()
    .map(|f| ledgers.join(f).display().to_string())
    .collect();
    let (ok, out, _) = parkdb_cli(dir.path(), &["init"]);
    assert!(ok && out.contains("created"), "{out}");
    let mut args = vec!["import", "--dry-run"];
    args.extend(files.iter().map(String::as_str));
    let (ok, out, err) = parkdb_cli(dir.path(), &args);
    assert!(ok && out.contains("dry run"), "{out}{err}");
    args.remove(1);
    let (ok, out, err) = parkdb_cli(dir.path(), &args);
    assert!(ok && out.contains("imported"), "{out}{err}");
    // Importing the same ledgers again writes nothing.
    let (ok, out, err) = parkdb_cli(dir.path(), &args);
    assert!(
        ok && out.contains("nothing new") && out.contains("parcels: 5 rows, 0 with something new"),
        "{out}{err}"
    );
    // The park's own workbook, as the README shows it: into its own database.
    let park = ledgers.join("东岸工业园台账.xlsx").display().to_string();
    let own = ["--db", "东岸.parkdb"];
    let (ok, _, err) = parkdb_cli(dir.path(), &[&own[..], &["init"]].concat());
    assert!(ok, "{err}");
    let (ok, out, err) = parkdb_cli(dir.path(), &[&own[..], &["import", &park]].concat());
    assert!(
        ok && out.contains("imported: 31 events written")
            && out.contains("row 10: a 合计 row")
            && out.contains("parcels: 5 rows\n"),
        "{out}{err}"
    );
    let (ok, out, err) = parkdb_cli(dir.path(), &[&own[..], &["import", &park]].concat());
    assert!(
        ok && out.contains("nothing new: the database holds every row already"),
        "{out}{err}"
    );
    let (ok, out, _) = parkdb_cli(dir.path(), &["report", "2005", "--xlsx", "report.xlsx"]);
    assert!(
        ok && out.contains("征地393.2272亩") && dir.path().join("report.xlsx").exists(),
        "{out}"
    );
    let (ok, out, _) = parkdb_cli(
        dir.path(),
        &[
            "export",
            "parcels",
            "--out",
            "parcels.csv",
            "--as-of",
            "2004-12-31",
        ],
    );
    assert!(ok && out.contains("wrote 5 rows"), "{out}");
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &["export-parquet", "province", "--park", "east"],
    );
    assert!(ok && out.contains("11 tables"), "{out}{err}");
    assert!(dir
        .path()
        .join("province/parcels/park=east/part-0.parquet")
        .exists());
    assert!(dir
        .path()
        .join("province/_manifests/park=east.json")
        .exists());
    // A plan against the ledgers, from a JSON file.
    std::fs::write(
        dir.path().join("plan.json"),
        r#"{"name": "2005年计划", "year": 2005, "targets": [{"name": "征地100亩", "figure": "requisitioned_in_year_mu", "goal": 100.0, "by": null}], "milestones": []}"#,
    )
    .unwrap();
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &[
            "export",
            "plan-progress",
            "--plan",
            "plan.json",
            "--out",
            "plan.csv",
            "--as-of",
            "2005-12-31",
        ],
    );
    assert!(ok && out.contains("wrote 1 rows"), "{out}{err}");
    let plan = std::fs::read_to_string(dir.path().join("plan.csv")).unwrap();
    assert!(
        plan.contains("征地100亩,requisitioned_in_year_mu,100"),
        "{plan}"
    );
    let (ok, _, err) = parkdb_cli(
        dir.path(),
        &["export", "plan-progress", "--out", "plan.csv"],
    );
    assert!(!ok && err.contains("needs --plan"), "{err}");
    let (ok, out, _) = parkdb_cli(dir.path(), &["export", "events", "--out", "events.csv"]);
    assert!(ok && out.contains("wrote"), "{out}");
    let events = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
    // The CSV starts with a byte-order mark, for Excel.
    let events = events.trim_start_matches('\u{feff}');
    assert!(
        events.starts_with("kind,entity_id,code,event_id,event,date"),
        "{events:.200}"
    );
    assert!(events
        .lines()
        .any(|l| l.starts_with("parcel,") && l.contains(",allocated,")));
    let (ok, out, _) = parkdb_cli(dir.path(), &["summary", "--as-of", "2005年12月31日"]);
    assert!(ok && out.contains("393.2272亩"), "{out}");
    let (ok, out, _) = parkdb_cli(
        dir.path(),
        &["evaluate", "huangyan_2022", "2005", "--out", "eval.xlsx"],
    );
    assert!(ok && out.contains("科华电子"), "{out}");
    let (ok, out, _) = parkdb_cli(dir.path(), &["check"]);
    assert!(ok && out.contains("clean"), "{out}");
    let (ok, _, _) = parkdb_cli(dir.path(), &["backup", "copy.parkdb"]);
    assert!(ok);
    let (ok, out, _) = parkdb_cli(
        dir.path(),
        &["--db", "copy.parkdb", "summary", "--as-of", "2005-12-31"],
    );
    assert!(ok && out.contains("393.2272亩"), "{out}");
    let (ok, _, err) = parkdb_cli(dir.path(), &["--db", "missing.parkdb", "check"]);
    assert!(
        !ok && err.contains("no database at missing.parkdb"),
        "{err}"
    );
    let (ok, _, err) = parkdb_cli(dir.path(), &["summary", "--as-of", "someday"]);
    assert!(!ok && err.contains("not a date"), "{err}");
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        "init",
        "import",
        "export",
        "report",
        "evaluate",
        "summary",
        "check",
        "backup",
        "example",
        "map",
        "import-boundaries",
    ] {
        let (ok, out, _) = parkdb_cli(dir.path(), &[cmd, "--help"]);
        assert!(ok && out.contains("Usage: parkdb"), "{cmd}: {out}");
    }
    let (_, out, _) = parkdb_cli(dir.path(), &["import", "--help"]);
    assert!(out.contains("地块台账") && out.contains("--dry-run"));
}

#[test]
fn large_imports_report_progress() {
    let db = Db::temporary().unwrap();
    let mut csv = String::from("地块编号,面积(亩),用途,征地日期");
    for i in 0..3000 {
        std::fmt::Write::write_fmt(&mut csv, format_args!("\nL-{i:05},1.5,工业,2005-01-01"))
            .unwrap();
    }
    let mut calls = 0;
    let mut last = (0, 0);
    let mut progress = |done: usize, total: usize| {
        calls += 1;
        last = (done, total);
    };
    let report = ledger::import(
        &db,
        &[sheet("地块台账", &csv)],
        ImportOptions {
            strict: false,
            dry_run: false,
            progress: Some(&mut progress),
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert!(report.written);
    assert_eq!((calls, last), (3000, (3000, 3000)));
    assert_eq!(
        db.land_summary(d("2005-12-31"))
            .unwrap()
            .total
            .requisitioned_mu,
        mu("4500")
    );
}

#[test]
fn import_steps_are_one_vocabulary_with_their_synonyms() {
    use parkdb::ledger::import::{ApplicationStep, ParcelStep};
    assert_eq!(ParcelStep::parse("填土").unwrap(), ParcelStep::Developed);
    assert_eq!(ParcelStep::parse("出让").unwrap(), ParcelStep::Allocated);
    assert_eq!(
        ParcelStep::parse("Transferred").unwrap(),
        ParcelStep::Transferred
    );
    assert_eq!(
        ApplicationStep::parse("拨款").unwrap(),
        ApplicationStep::Disbursed
    );
    let e = ParcelStep::parse("转让了").unwrap_err();
    assert!(e.to_string().contains("transferred"), "{e}");
    // Every value's code and Chinese term parse back to it.
    for step in ParcelStep::ALL {
        assert_eq!(ParcelStep::parse(step.code()).unwrap(), *step);
        assert_eq!(ParcelStep::parse(step.chinese()).unwrap(), *step);
    }
}

#[test]
fn known_at_on_the_command_line_is_local_time_without_an_offset() {
    use chrono::{FixedOffset, Utc};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.parkdb");
    let db = Db::open(&path).unwrap();
    let parcel = |code: &str| {
        db.add_parcel(parkdb::NewParcel::new(
            code,
            "1".parse().unwrap(),
            parkdb::LandUse::Industrial,
            chrono::NaiveDate::from_ymd_opt(2005, 1, 1).unwrap(),
        ))
        .unwrap()
    };
    parcel("BEFORE");
    std::thread::sleep(std::time::Duration::from_millis(50));
    let between = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(50));
    parcel("AFTER");
    drop(db);
    let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
    let local = between.with_timezone(&shanghai).naive_local();
    let export = |known_at: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_parkdb"))
            .env("TZ", "Asia/Shanghai")
            .args(["--db", path.to_str().unwrap(), "--known-at", known_at])
            .args(["export", "parcels", "--out"])
            .arg(dir.path().join("p.csv"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join("p.csv")).unwrap();
        (text.contains("BEFORE"), text.contains("AFTER"))
    };
    // Naive: local time, UTC+8 here; read as UTC it would be hours ahead.
    assert_eq!(
        export(&local.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        (true, false)
    );
    assert_eq!(export(&between.to_rfc3339()), (true, false));
    assert_eq!(
        export(&(between + chrono::Duration::hours(1)).to_rfc3339()),
        (true, true)
    );
    // A date is the start of that day: nothing was recorded before today.
    let today = Utc::now().with_timezone(&shanghai).date_naive().to_string();
    assert_eq!(export(&today), (false, false));
    let (ok, _, err) = parkdb_cli(
        dir.path(),
        &[
            "--db",
            path.to_str().unwrap(),
            "--known-at",
            "soon",
            "summary",
            "--as-of",
            "2005-12-31",
        ],
    );
    assert!(!ok && err.contains("not a moment"), "{err}");
}

#[test]
fn the_command_reads_a_snapshot_while_another_process_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.parkdb");
    let writer = Db::open(&path).unwrap();
    writer
        .add_parcel(parkdb::NewParcel::new(
            "GP-1",
            "12.5".parse().unwrap(),
            parkdb::LandUse::Industrial,
            chrono::NaiveDate::from_ymd_opt(2005, 1, 1).unwrap(),
        ))
        .unwrap();
    let db = path.to_str().unwrap();
    let (ok, _, err) = parkdb_cli(
        dir.path(),
        &["--db", db, "summary", "--as-of", "2005-12-31"],
    );
    assert!(!ok && err.contains("in use"), "{err}");
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &[
            "--db",
            db,
            "--read-only",
            "summary",
            "--as-of",
            "2005-12-31",
        ],
    );
    assert!(ok && out.contains("12.5"), "{out}{err}");
    let (ok, out, _) = parkdb_cli(dir.path(), &["--db", db, "--read-only", "check"]);
    assert!(ok && out.contains("clean"), "{out}");
    drop(writer);
}

#[test]
fn the_parcel_ledger_may_carry_boundaries() {
    let db = Db::temporary().unwrap();
    let sheets = vec![sheet(
        "地块台账",
        "地块编号,面积,用途,征地日期,坐标系,界址点坐标,边界(WKT)\n\
         GP-1,15,工业,2010-01-01,EPSG:4527,39512000 3400000; 39512100 3400000; 39512100 3400100; 39512000 3400100,\n\
         GP-2,15,工业,2010-01-01,4527,,POLYGON ((39512100 3400000 39512200 3400000 39512200 3400100 39512100 3400100 39512100 3400000))\n\
         GP-3,15,工业,2010-01-01,,,",
    )];
    // The WKT above lacks its commas: GP-2 is refused with its row, nothing written.
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(!report.written);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, 3);
    assert!(
        report.errors[0].to_string().contains("WKT"),
        "{}",
        report.errors[0]
    );
    // Boundary points, `x y` pairs separated by semicolons, fit any CSV.
    let sheets = vec![sheet(
        "地块台账",
        "地块编号,面积,用途,征地日期,坐标系,界址点坐标\n\
         GP-1,15,工业,2010-01-01,EPSG:4527,39512000 3400000; 39512100 3400000; 39512100 3400100; 39512000 3400100\n\
         GP-2,15,工业,2010-01-01,4527,39512100 3400000; 39512200 3400000; 39512200 3400100; 39512100 3400100\n\
         GP-3,15,工业,2010-01-01,,",
    )];
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(report.written, "{:?}", report.errors);
    let b = db.parcel_by_code("GP-2").unwrap().boundary.unwrap();
    assert_eq!(b.crs().code(), 4527);
    assert_eq!(b.area(), "15".parse().unwrap());
    assert!(db.parcel_by_code("GP-3").unwrap().boundary.is_none());
    let gp1 = db.parcel_by_code("GP-1").unwrap().id;
    assert_eq!(db.now().neighbours(gp1).unwrap().len(), 1);
}

#[test]
fn the_map_and_boundaries_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = parkdb_cli(dir.path(), &["example"]);
    assert!(ok, "{err}");
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &[
            "map",
            "--as-of",
            "2005-12-31",
            "--color",
            "idle",
            "--out",
            "闲置地块图.svg",
        ],
    );
    assert!(ok && out.contains("parcels"), "{out}{err}");
    let svg = std::fs::read_to_string(dir.path().join("闲置地块图.svg")).unwrap();
    assert!(svg.contains("闲置土地") && svg.contains("class=\"parcel\""));
    let (ok, _, err) = parkdb_cli(dir.path(), &["map", "--color", "grade", "--out", "g.svg"]);
    assert!(!ok && err.contains("--scheme and --year"), "{err}");
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &[
            "map",
            "--color",
            "grade",
            "--scheme",
            "huangyan_2022",
            "--year",
            "2005",
            "--out",
            "g.svg",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(std::fs::read_to_string(dir.path().join("g.svg"))
        .unwrap()
        .contains("亩均效益评价"));
    let (ok, out, err) = parkdb_cli(dir.path(), &["report", "2005", "--xlsx", "report.xlsx"]);
    assert!(ok && out.contains("地块图.svg"), "{out}{err}");
    assert!(dir.path().join("report.地块图.svg").exists());
    // A survey file naming an unknown parcel: refused, nothing written.
    std::fs::write(
        dir.path().join("界址.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"地块编号":"NOPE"},"geometry":{"type":"Polygon","coordinates":[[[38418000,2523000],[38418100,2523000],[38418100,2523100],[38418000,2523000]]]}}]}"#,
    )
    .unwrap();
    let (ok, _, err) = parkdb_cli(dir.path(), &["import-boundaries", "界址.geojson"]);
    assert!(
        !ok && err.contains("NOPE") && err.contains("nothing was written"),
        "{err}"
    );
}

/// A workbook laid out as a park keeps it: a title, a unit line, a 序号 and
/// a 备注 column, a 合计 row and the signatures below.
#[test]
fn a_workbook_laid_out_for_people_imports_and_lists_what_it_set_aside() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2005年台账.xlsx");
    let mut book = Workbook::new();
    let firms = book.add_worksheet().set_name("企业名录").unwrap();
    for (c, h) in ["企业名称", "登记日期"].iter().enumerate() {
        firms.write(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    firms.write(1, 0, "东岸精密机械有限公司 ").unwrap();
    firms.write(1, 1, "2004-05-01").unwrap();
    let yearly = book.add_worksheet().set_name("2005年年度经济指标").unwrap();
    yearly
        .merge_range(
            0,
            0,
            0,
            5,
            "东岸工业园企业主要经济指标（2005年）",
            &rust_xlsxwriter::Format::new(),
        )
        .unwrap();
    yearly.write(1, 0, "填报单位：东岸工业园管委会").unwrap();
    yearly.write(2, 0, "单位：万元").unwrap();
    for (c, h) in ["序号", "企业名称", "年份", "产值", "税收（元）", "备注"]
        .iter()
        .enumerate()
    {
        yearly.write(3, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let row = [
        "1",
        "东岸精密机械有限公司",
        "2005",
        "1,205",
        "52,000",
        "新投产",
    ];
    for (c, v) in row.iter().enumerate() {
        yearly.write(4, u16::try_from(c).unwrap(), *v).unwrap();
    }
    yearly.write(5, 0, "合计").unwrap();
    yearly.write(5, 3, "1,205").unwrap();
    yearly.write(7, 0, "填表人：张三").unwrap();
    yearly.write(7, 2, "审核人：李四").unwrap();
    book.save(&path).unwrap();

    let db = Db::temporary().unwrap();
    let sheets = ledger::read_file(&path).unwrap();
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(report.written, "{:?}", report.errors);
    let skipped: Vec<(usize, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.row, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        [1, 2, 3, 6, 8],
        "{skipped:?}"
    );
    assert!(skipped[2].1.contains("unit line"), "{skipped:?}");
    assert!(skipped[3].1.contains("合计"), "{skipped:?}");
    assert!(skipped[4].1.contains("signature"), "{skipped:?}");
    let e = db.now().enterprises().unwrap().into_iter().next().unwrap();
    assert_eq!(e.name, "东岸精密机械有限公司");
    let figures = e.yearly.get(2005).unwrap();
    // 产值 in 万元 by the unit line; 税收 names its own unit (元).
    assert_eq!(figures.output_value, Some(common::yuan("12050000")));
    assert_eq!(figures.tax, Some(common::yuan("52000")));
}

#[test]
fn bad_payment_and_schedule_rows_are_each_reported_and_nothing_is_written() {
    let db = Db::temporary().unwrap();
    ledger::import(&db, &csv_sheets(), ImportOptions::default()).unwrap();
    let before = fingerprint(&db);
    let sheets = vec![
        // GP-002's schedule sums to 470 万, not its price of 480.
        sheet("应收台账", "地块编号,应收日期,应收金额(万元)\nGP-002,2003-01-01,400\nGP-002,2004-01-01,70\nGP-999,2004-01-01,1"),
        sheet(
            "收款台账",
            "日期,款项,收支,金额(万元),地块编号,企业名称,原因\n\
             2006-01-05,地款,收款,81,GP-002,,\n\
             2006-01-05,地款,收款,1,GP-999,,\n\
             2006-01-05,房租,收款,1,GP-002,,\n\
             2006-01-05,管理费,收款,1,,,\n\
             2006-01-05,地款,核销,,GP-002,,\n\
             2006-01-05,地款,收款,-1,GP-002,,\n\
             2002-01-05,地款,收款,1,GP-002,,",
        ),
    ];
    let report = ledger::import(&db, &sheets, ImportOptions::default()).unwrap();
    assert!(!report.written);
    let at: Vec<(String, usize, String)> = report
        .errors
        .iter()
        .map(|e| (e.sheet.clone(), e.row, e.column.clone()))
        .collect();
    assert_eq!(
        at,
        vec![
            ("应收台账".into(), 2, String::new()),
            ("应收台账".into(), 4, "地块编号".into()),
            ("收款台账".into(), 2, String::new()),
            ("收款台账".into(), 3, "地块编号".into()),
            ("收款台账".into(), 4, "款项".into()),
            ("收款台账".into(), 5, "企业名称".into()),
            ("收款台账".into(), 6, "原因".into()),
            ("收款台账".into(), 7, "金额(万元)".into()),
            ("收款台账".into(), 8, String::new()),
        ],
        "{:#?}",
        report.errors
    );
    let why = |row: usize| {
        report
            .errors
            .iter()
            .find(|e| e.sheet == "收款台账" && e.row == row)
            .unwrap()
            .reason
            .clone()
    };
    // 80 万 is outstanding on GP-002 (480 less 300 and 100 paid).
    assert!(why(2).contains("800000.00元 outstanding"), "{}", why(2));
    assert!(why(8).contains("no 地款 is owed"), "{}", why(8));
    assert_eq!(fingerprint(&db), before);
}

fn too_large(result: parkdb::Result<Vec<Sheet>>, limit: parkdb::ReadLimit) -> String {
    match result {
        Err(e @ Error::TooLarge { limit: l, .. }) if l == limit => e.to_string(),
        other => panic!("expected TooLarge({limit:?}), got {other:?}"),
    }
}

/// A cell placed a million rows down and thousands of columns across made
/// the reader allocate the whole range between it and A1 (seventeen
/// billion cells): now such a sheet is refused by the bound it passes,
/// and when the bounds allow it, read cell by cell at no cost.
#[test]
fn a_cell_placed_far_out_is_refused_by_its_bound_and_read_sparsely_when_allowed() {
    use parkdb::ledger::{read_file_with, ReadLimits};
    use parkdb::ReadLimit;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("地块台账.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("地块台账").unwrap();
    sheet.write(0, 0, "地块编号").unwrap();
    sheet.write(0, 1, "面积（亩）").unwrap();
    sheet.write(1, 0, "GP-1").unwrap();
    sheet.write(1, 1, "10").unwrap();
    sheet.write(1_048_575, 16_383, "far").unwrap();
    book.save(&path).unwrap();

    let message = too_large(read_file(&path), ReadLimit::Columns);
    assert!(message.contains("16384 columns in a sheet"), "{message}");
    assert!(message.contains("limit of 1000"), "{message}");
    assert!(message.contains("(`columns`)"), "{message}");
    let columns_allowed = ReadLimits {
        columns: 16_384,
        rows: 1_000_000,
        ..ReadLimits::default()
    };
    let message = too_large(read_file_with(&path, &columns_allowed), ReadLimit::Rows);
    assert!(message.contains("1048576 rows"), "{message}");
    let all_allowed = ReadLimits {
        rows: 1_048_576,
        ..columns_allowed
    };
    let sheets = read_file_with(&path, &all_allowed).unwrap();
    assert_eq!(sheets[0].headers, ["地块编号", "面积（亩）"]);
    let rows: Vec<usize> = sheets[0].rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(rows, [2, 1_048_576]);
    assert_eq!(sheets[0].rows[1].1.len(), 16_384);
    let cells = ReadLimits {
        cells: 4,
        ..all_allowed
    };
    too_large(read_file_with(&path, &cells), ReadLimit::Cells);
}

#[test]
fn a_file_beyond_its_bytes_or_inflation_is_refused_before_it_is_read() {
    use parkdb::ledger::{read_file_with, ReadLimits};
    use parkdb::ReadLimit;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("地块台账.csv");
    std::fs::write(&csv, "地块编号,面积（亩）\nGP-1,10\nGP-2,20\n").unwrap();
    let small = |limits: ReadLimits| read_file_with(&csv, &limits);
    assert_eq!(small(ReadLimits::default()).unwrap()[0].rows.len(), 2);
    too_large(
        small(ReadLimits {
            file_bytes: 10,
            ..ReadLimits::default()
        }),
        ReadLimit::FileBytes,
    );
    too_large(
        small(ReadLimits {
            rows: 2,
            ..ReadLimits::default()
        }),
        ReadLimit::Rows,
    );
    let xlsx = dir.path().join("地块台账.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("地块台账").unwrap();
    for r in 0..2000u32 {
        sheet.write(r, 0, format!("GP-{r}")).unwrap();
    }
    book.save(&xlsx).unwrap();
    let message = too_large(
        read_file_with(
            &xlsx,
            &ReadLimits {
                inflated_bytes: 20_000,
                ..ReadLimits::default()
            },
        ),
        ReadLimit::InflatedBytes,
    );
    assert!(message.contains("bytes once inflated"), "{message}");
    assert_eq!(read_file(&xlsx).unwrap()[0].rows.len(), 1999);
}

/// A pipe named like a ledger blocked the import forever.
#[test]
fn a_path_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("地块台账.csv");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let refused = read_file(&fifo);
    assert!(
        matches!(&refused, Err(Error::Validation { reason, .. }) if reason.contains("not a regular file")),
        "{refused:?}"
    );
    let folder = dir.path().join("folder.xlsx");
    std::fs::create_dir(&folder).unwrap();
    assert!(matches!(read_file(&folder), Err(Error::Validation { .. })));
}

/// `--by` names who imported: every event keeps it with the file and row,
/// the exported events say so, `explain` lists a figure's parcels with
/// their rows, and `report --docx` writes the document.
#[test]
fn an_import_by_name_is_traced_to_its_rows_and_the_report_is_a_document() {
    let dir = tempfile::tempdir().unwrap();
    let ledgers = ledgers_dir();
    let files: Vec<String> = ["企业名录.csv", "地块台账.csv", "地块事件.csv"]
        .iter()
        .map(|f| ledgers.join(f).display().to_string())
        .collect();
    let (ok, _, err) = parkdb_cli(dir.path(), &["init"]);
    assert!(ok, "{err}");
    let mut args = vec!["--by", "王芳", "import"];
    args.extend(files.iter().map(String::as_str));
    let (ok, out, err) = parkdb_cli(dir.path(), &args);
    assert!(ok && out.contains("imported"), "{out}{err}");
    let (ok, _, err) = parkdb_cli(dir.path(), &["export", "events", "--out", "events.csv"]);
    assert!(ok, "{err}");
    // Read back as a ledger is: the header and the rows, quoted fields whole.
    let sheet = parkdb::ledger::read_file(&dir.path().join("events.csv"))
        .unwrap()
        .remove(0);
    let events = format!("{:?}", sheet.rows);
    let header = &sheet.headers;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name}: {header:?}"))
    };
    let (by, file, row) = (col("source_by"), col("source_file"), col("source_row"));
    let rows: Vec<&Vec<String>> = sheet.rows.iter().map(|(_, r)| r).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r[by] == "王芳"), "{events}");
    assert!(
        rows.iter()
            .any(|r| r[file] == "地块事件.csv" && r[row] == "3"),
        "{events}"
    );
    let (ok, out, err) = parkdb_cli(dir.path(), &["explain", "2005", "supplied_mu"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("supplied_mu as of 2005-12-31: 393.2272亩 = the sum of 5 parts"),
        "{out}"
    );
    assert!(
        out.contains("地块事件.csv") && out.contains("王芳"),
        "{out}"
    );
    // The import is listed, by whom and from which files.
    let (ok, out, err) = parkdb_cli(dir.path(), &["imports"]);
    assert!(
        ok && out.contains("1 imports") && out.contains("王芳") && out.contains("地块台账.csv"),
        "{out}{err}"
    );
    // A total of the receivables, of one charge.
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &[
            "explain",
            "2005",
            "outstanding_yuan",
            "--charge",
            "land_price",
        ],
    );
    assert!(
        ok && out.contains("outstanding_yuan (land_price) as of 2005-12-31"),
        "{out}{err}"
    );
    let (ok, out, err) = parkdb_cli(
        dir.path(),
        &["report", "2005", "--docx", "2005.docx", "--zone", "东岸"],
    );
    assert!(ok && out.contains("wrote 2005.docx"), "{out}{err}");
    let bytes = std::fs::read(dir.path().join("2005.docx")).unwrap();
    assert!(bytes.starts_with(b"PK"), "a .docx is a zip");
}

/// `parkdb import-boundaries --zone` measures a survey in longitude and
/// latitude in the zone named: the park's own is taken and gives the
/// survey's area; one out of the shape's reach is refused, naming it, and
/// nothing is written.
#[test]
fn import_boundaries_measures_in_the_zone_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("park.parkdb")).unwrap();
    db.add_parcel(parkdb::NewParcel::new(
        "YT-1",
        "30".parse().unwrap(),
        parkdb::LandUse::Industrial,
        d("2010-01-01"),
    ))
    .unwrap();
    db.close().unwrap();
    // A 200 m × 100 m rectangle surveyed in zone 40 (120°E) at 121.6°E.
    let mut corners = common::yantai_lonlat();
    corners.push(corners[0]);
    let ring: Vec<String> = corners.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    std::fs::write(
        dir.path().join("烟台.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"地块编号":"YT-1"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}]}}"#,
            ring.join(",")
        ),
    )
    .unwrap();
    let args = |zone: &'static str| {
        [
            "--db",
            "park.parkdb",
            "import-boundaries",
            "烟台.geojson",
            "--zone",
            zone,
        ]
    };
    let (ok, _, err) = parkdb_cli(dir.path(), &args("EPSG:4521"));
    assert!(
        !ok && err.contains("EPSG:4521") && err.contains("nothing was written"),
        "{err}"
    );
    let (ok, out, err) = parkdb_cli(dir.path(), &args("4528"));
    assert!(ok, "{out}{err}");
    let db = Db::open(dir.path().join("park.parkdb")).unwrap();
    let b = db.parcel_by_code("YT-1").unwrap().boundary.unwrap();
    assert_eq!(b.plane().unwrap(), parkdb::Crs::epsg(4528).unwrap());
    assert!(
        (b.area().millionths() - 30_000_000).abs() <= 2,
        "{}",
        b.area()
    );
}
