//! The results 中国土地市场网 publishes (供地结果, 土地转让, 土地抵押),
//! imported as published: recognised by their headers, areas in 公顷 and
//! prices in 万元 kept exactly, holders added by name, no requisition date
//! invented, every column parkdb keeps nowhere listed, imported again
//! without writing. The fixtures are the project's own rows in the
//! published layouts (same columns, same value forms: quoted cells with
//! commas, `2017年03月09日`, `129.8900;`, a lone NBSP for an empty cell).
#![cfg(feature = "ledgers")]

mod common;

use std::path::{Path, PathBuf};

use arrow_array::{Array, Date32Array, Decimal128Array, StringArray};
use common::{d, fingerprint, mu, yuan};
use parkdb::ledger::{self, ImportOptions, ImportReport, Layout};
use parkdb::{Db, LandUse, ParcelFilter, SupplyMethod};

const SUPPLY_HEADER: &str = "序号,地区,行政区,土地坐落,链接,总面积,土地用途,供应方式,签订日期,项目名称,项目位置,面积(公顷),土地来源,土地用途,供地方式,土地使用年限,行业分类,土地级别,成交价格,分期支付,土地使用权人,约定容积率(上限),约定容积率(下限),约定交地时间,约定开工时间,约定竣工时间,批准单位,合同签订日期";

fn link(guid: &str) -> String {
    format!("http://www.landchina.com/default.aspx?tabid=386&comname=default&wmguid=00000000-0000-0000-0000-000000000000&recorderguid={guid}")
}

/// One row of 供地结果, in the published column order.
#[allow(clippy::too_many_arguments)]
fn supply_row(
    n: u32,
    guid: &str,
    hectares: &str,
    method: &str,
    price: &str,
    instalments: &str,
    holder: &str,
    ratio: (&str, &str),
    dates: (&str, &str, &str, &str),
    terms: &str,
) -> String {
    let (deliver, start, complete, signed) = dates;
    [
        format!("{n}."),
        "\"浙江省,丽水市\"".into(),
        "青田县".into(),
        "\"青田县油竹新区, 江滨路北侧\"".into(),
        link(guid),
        hectares.into(),
        "工业用地".into(),
        method.into(),
        "2017/1/9".into(),
        format!("青田县油竹新区{n}号地块挂牌出让项目"),
        "青田县油竹新区".into(),
        hectares.into(),
        "0.000000".into(),
        "工业用地".into(),
        method.into(),
        terms.into(),
        "金属制品业".into(),
        "十四等级".into(),
        price.into(),
        instalments.into(),
        holder.into(),
        ratio.0.into(),
        ratio.1.into(),
        deliver.into(),
        start.into(),
        complete.into(),
        "青田县".into(),
        signed.into(),
    ]
    .join(",")
}

/// The project's own 供地结果: four parcels, three holders (one holds
/// two), the published forms of every column.
fn supply_csv() -> String {
    [
        SUPPLY_HEADER.to_owned(),
        supply_row(
            1,
            "0a1b2c3d-0000-4000-8000-000000000001",
            "1.867291",
            "挂牌出让",
            "337.0300",
            "337.0300;",
            "青田县甲五金有限公司",
            ("1.60", ""),
            (
                "2017年03月28日",
                "2017年12月28日",
                "2019年12月28日",
                "2017年01月08日",
            ),
            "50",
        ),
        // Instalments that do not sum to the price; bounds swapped; terms
        // per use.
        supply_row(
            2,
            "0a1b2c3d-0000-4000-8000-000000000002",
            "0.681600",
            "拍卖出让",
            "132.9100",
            "66.4550;",
            "青田县乙阀门有限公司",
            ("1.00", "2.00"),
            (
                "2017年03月10日",
                "2017年07月09日",
                "2019年07月09日",
                "2017年01月09日",
            ),
            "其他工业用地50年; 其他商服用地40",
        ),
        // An agreed start before the contract.
        supply_row(
            3,
            "0a1b2c3d-0000-4000-8000-000000000003",
            "0.577300",
            "协议出让",
            "129.8900",
            "129.8900;",
            "青田县甲五金有限公司",
            ("0.80", "0.00"),
            (
                "2017年02月01日",
                "2016年12月23日",
                "2018年12月23日",
                "2017年01月06日",
            ),
            "其他工业用地50年;",
        ),
        supply_row(
            4,
            "0a1b2c3d-0000-4000-8000-000000000004",
            "2.000000",
            "挂牌出让",
            "800.0000",
            "400.0000;400.0000;",
            "青田县丙泵业有限公司",
            ("2.00", "1.20"),
            (
                "2017年04月01日",
                "2017年09月30日",
                "2019年09月30日",
                "2017年01月10日",
            ),
            "50",
        ),
    ]
    .join("\n")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(db: &Db, files: &[PathBuf]) -> ImportReport {
    import_with(db, files, ImportOptions::default())
}

fn import_with(db: &Db, files: &[PathBuf], options: ImportOptions<'_>) -> ImportReport {
    let sheets: Vec<_> = files
        .iter()
        .flat_map(|f| ledger::read_file(f).unwrap())
        .collect();
    ledger::import(db, &sheets, options).unwrap()
}

fn column<'a, T: 'static>(batch: &'a arrow_array::RecordBatch, name: &str) -> &'a T {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

#[test]
fn supply_results_import_as_published() {
    let tmp = tempfile::tempdir().unwrap();
    // A file named as a user saves it: recognised by its headers.
    let file = write(tmp.path(), "丽水2017年1月供地结果.csv", &supply_csv());
    let db = Db::open(tmp.path().join("db")).unwrap();
    // A holder the register has already is matched by name, not added again.
    let known = db
        .add_enterprise(parkdb::NewEnterprise::named("青田县丙泵业有限公司"))
        .unwrap();
    let report = import(&db, std::slice::from_ref(&file));
    assert!(report.is_clean(), "{:?}", report.errors);
    assert!(report.written);
    assert_eq!(report.rows, vec![("supply_results", 4)]);

    // Each published column parkdb keeps nowhere is listed, once; so are
    // instalments that do not make the price.
    let set_aside: Vec<&str> = report
        .skipped
        .iter()
        .filter(|s| s.row == 1)
        .map(|s| s.column.as_str())
        .collect();
    assert_eq!(
        set_aside,
        ["地区", "行政区", "项目位置", "土地来源", "土地用途"]
    );
    let again = report
        .skipped
        .iter()
        .find(|s| s.column == "土地用途")
        .unwrap();
    assert!(
        again.reason.contains("the first 土地用途 is read"),
        "{again}"
    );
    let instalments: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.column == "分期支付")
        .collect();
    assert_eq!(instalments.len(), 1, "{:?}", report.skipped);
    assert_eq!(instalments[0].row, 3);
    assert!(instalments[0].reason.contains("not the price 132.91万元"));

    // Areas exact from 公顷, prices exact from 万元.
    let s = db.land_summary(d("2017-12-31")).unwrap();
    let total = parkdb::Mu::sum([mu("28.009365"), mu("10.224"), mu("8.6595"), mu("30")]).unwrap();
    assert_eq!(s.total.requisitioned_mu, total);
    assert_eq!(s.total.supplied_mu, total);
    assert_eq!(s.total.requisition_unknown_mu, total);
    assert_eq!(s.total.parcel_count, 4);
    // Not in the ledger before its contract: no invented requisition.
    assert_eq!(
        db.land_summary(d("2017-01-05")).unwrap().total.parcel_count,
        0
    );

    let parcels = db.parcels(&ParcelFilter::default()).unwrap();
    let price =
        parkdb::Yuan::sum(parcels.iter().map(|p| p.supply.as_ref().unwrap().price)).unwrap();
    assert_eq!(price, yuan("13998300"));
    let firms = db.now().enterprises().unwrap();
    assert_eq!(firms.len(), 3, "{firms:?}");
    let methods: Vec<SupplyMethod> = {
        let mut m: Vec<_> = parcels
            .iter()
            .map(|p| p.supply.as_ref().unwrap().method)
            .collect();
        m.sort();
        m
    };
    assert_eq!(
        methods,
        [
            SupplyMethod::Auction,
            SupplyMethod::Listing,
            SupplyMethod::Listing,
            SupplyMethod::Agreement
        ]
    );

    // The code is the notice's recorderguid; the contract as published.
    let first = db
        .parcel_by_code("0a1b2c3d-0000-4000-8000-000000000001")
        .unwrap();
    assert_eq!(first.area, mu("28.009365"));
    assert_eq!(first.land_use, LandUse::Industrial);
    assert!(first.requisition_unknown);
    assert_eq!(first.requisitioned, d("2017-01-08"));
    assert_eq!(
        first.location.as_deref(),
        Some("青田县油竹新区, 江滨路北侧")
    );
    let terms = first.supply.as_ref().unwrap();
    assert_eq!(terms.date, d("2017-01-08"));
    assert_eq!(terms.start_by, Some(d("2017-12-28")));
    assert_eq!(terms.complete_by, Some(d("2019-12-28")));
    let contract = terms.contract.as_ref().unwrap();
    assert_eq!(contract.deliver_by, Some(d("2017-03-28")));
    assert_eq!(contract.instalments, vec![yuan("3370300")]);
    assert_eq!(contract.plot_ratio_max.unwrap().to_string(), "1.6");
    assert_eq!(contract.plot_ratio_min, None);
    assert_eq!(contract.industry.as_deref(), Some("金属制品业"));
    assert!(contract
        .notice
        .as_deref()
        .unwrap()
        .contains("recorderguid="));
    let second = db
        .parcel_by_code("0a1b2c3d-0000-4000-8000-000000000002")
        .unwrap();
    let contract = second.supply.as_ref().unwrap().contract.clone().unwrap();
    assert!(contract.instalments.is_empty());
    let terms: Vec<_> = contract
        .terms
        .iter()
        .map(|t| (t.use_.as_deref(), t.years))
        .collect();
    assert_eq!(
        terms,
        [(Some("其他工业用地"), 50), (Some("其他商服用地"), 40)]
    );
    let fourth = db
        .parcel_by_code("0a1b2c3d-0000-4000-8000-000000000004")
        .unwrap();
    assert_eq!(fourth.holder, Some(known));
    let instalments = &fourth
        .supply
        .as_ref()
        .unwrap()
        .contract
        .as_ref()
        .unwrap()
        .instalments;
    assert_eq!(instalments, &vec![yuan("4000000"), yuan("4000000")]);

    // What a land officer queries: the start before the contract, the
    // swapped bounds (the fourth's 2.00/1.20 are in order).
    let check = db.check().unwrap();
    let kinds: Vec<(&str, String)> = check
        .findings
        .iter()
        .map(|f| {
            let code = db.parcel(f.parcels[0]).unwrap().code;
            (f.kind, code)
        })
        .collect();
    assert!(kinds.contains(&(
        "start_before_supply",
        "0a1b2c3d-0000-4000-8000-000000000003".into()
    )));
    assert!(kinds.contains(&(
        "plot_ratio_swapped",
        "0a1b2c3d-0000-4000-8000-000000000002".into()
    )));
    assert_eq!(kinds.len(), 2, "{kinds:?}");

    // The table: no requisition date, the day it entered, the terms.
    let table = db
        .as_of(d("2018-06-30"))
        .parcels_table(&ParcelFilter::default())
        .unwrap();
    let codes = column::<StringArray>(&table, "code");
    let row = (0..table.num_rows())
        .find(|&i| codes.value(i) == "0a1b2c3d-0000-4000-8000-000000000002")
        .unwrap();
    assert!(column::<Date32Array>(&table, "requisitioned").is_null(row));
    assert_eq!(
        column::<Date32Array>(&table, "entered_unrequisitioned_on").value_as_date(row),
        Some(d("2017-01-09"))
    );
    assert_eq!(
        column::<StringArray>(&table, "use_terms").value(row),
        "其他工业用地50年; 其他商服用地40年"
    );
    assert_eq!(
        column::<Decimal128Array>(&table, "plot_ratio_min").value(row),
        20_000
    );
    // Past its agreed start (2017-07-09), not yet idle: the early warning.
    let overdue = column::<arrow_array::BooleanArray>(&table, "start_overdue");
    assert!(overdue.value(row));

    // Imported again: nothing written, and said so.
    let before = fingerprint(&db);
    let again = import(&db, std::slice::from_ref(&file));
    assert!(again.is_clean(), "{:?}", again.errors);
    assert!(!again.written);
    assert_eq!(again.events, 0);
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn a_supply_result_that_contradicts_the_database_is_refused_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "供地结果.csv", &supply_csv());
    let db = Db::open(tmp.path().join("db")).unwrap();
    assert!(import(&db, std::slice::from_ref(&file)).written);
    let before = fingerprint(&db);
    let changed = supply_csv().replace("337.0300,337.0300;", "338.0300,338.0300;");
    let file = write(tmp.path(), "供地结果.csv", &changed);
    let report = import(&db, &[file]);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert_eq!((e.row, e.column.as_str()), (2, "成交价格"));
    assert!(e.reason.contains("3370300"), "{e}");
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn supply_results_read_the_same_from_a_workbook() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = write(tmp.path(), "供地结果.csv", &supply_csv());
    let by_csv = Db::open(tmp.path().join("a")).unwrap();
    import(&by_csv, &[csv]);
    // The same cells as text in a sheet named as the site's export names it.
    let xlsx = tmp.path().join("results.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Sheet1").unwrap();
    let text = supply_csv();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            sheet
                .write(u32::try_from(r).unwrap(), u16::try_from(c).unwrap(), cell)
                .unwrap();
        }
    }
    book.save(&xlsx).unwrap();
    let by_xlsx = Db::open(tmp.path().join("b")).unwrap();
    let report = import(&by_xlsx, &[xlsx]);
    assert!(report.is_clean(), "{:?}", report.errors);
    assert_eq!(report.rows, vec![("supply_results", 4)]);
    assert_eq!(
        by_xlsx.land_summary(d("2018-12-31")).unwrap(),
        by_csv.land_summary(d("2018-12-31")).unwrap()
    );
    let codes = |db: &Db| {
        let mut c: Vec<_> = db
            .parcels(&ParcelFilter::default())
            .unwrap()
            .into_iter()
            .map(|p| (p.code, p.area, p.supply.unwrap()))
            .collect();
        c.sort_by(|a, b| a.0.cmp(&b.0));
        c
    };
    assert_eq!(codes(&by_xlsx), codes(&by_csv));
}

#[test]
fn a_layout_named_explicitly_needs_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "x.csv",
        "宗地编号,面积(公顷),成交价格\nA-1,1.000000,100.0000",
    );
    let db = Db::open(tmp.path().join("db")).unwrap();
    let report = import_with(
        &db,
        &[file],
        ImportOptions {
            layout: Some(Layout::SupplyResults),
            ..ImportOptions::default()
        },
    );
    assert_eq!(report.errors.len(), 1);
    let reason = &report.errors[0].reason;
    assert!(
        reason.contains("土地使用权人") && reason.contains("合同签订日期"),
        "{reason}"
    );
    // Neither a ledger nor a published layout: both kinds are named.
    let file = write(tmp.path(), "y.csv", "甲,乙\n1,2");
    let report = import(&db, &[file]);
    assert!(report.errors[0]
        .reason
        .contains("供地结果 (supply_results)"));
    assert!(Layout::parse("土地抵押").is_ok());
    let refused = Layout::parse("拍卖").unwrap_err().to_string();
    assert!(refused.contains("transfers (土地转让)"), "{refused}");
}

#[test]
fn every_official_method_is_taken_and_a_refusal_lists_the_chinese() {
    for (text, method) in [
        ("挂牌出让", SupplyMethod::Listing),
        ("拍卖出让", SupplyMethod::Auction),
        ("协议出让", SupplyMethod::Agreement),
        ("招标出让", SupplyMethod::Tender),
        ("划拨", SupplyMethod::Allocation),
    ] {
        assert_eq!(SupplyMethod::parse(text).unwrap(), method);
    }
    let refused = SupplyMethod::parse("租赁").unwrap_err().to_string();
    assert!(
        refused.contains("listing (挂牌)") && refused.contains("allocation (划拨)"),
        "{refused}"
    );
}

const TRANSFER_HEADER: &str = "序号,地区,行政区,土地坐落,超链接,原土地使用权人,现土地使用权人,宗地标识,宗地编号,宗地座落,土地面积,土地用途,土地使用权类型,土地年限,土地利用状况,土地级别,转让方式,转让价格,成交时间";

#[test]
fn transfers_pass_parcels_between_holders_without_a_debt_to_the_park() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = [
        TRANSFER_HEADER.to_owned(),
        format!("1.,天津市,宁河县,宁河区经济开发区,{},天津市甲塑料厂,天津市乙装备有限公司,\u{a0},津宁(挂)G2011-47,宁河区经济开发区,4.6778,工业用地,国有,50,\u{a0},一级,买卖,1403.3490,2016/1/12 10:59:31", link("1a000000-0000-4000-8000-000000000001")),
        // The former holder left empty: the parcel enters held by the new
        // one and the transfer is set aside, said so.
        format!("2.,山西省,沁水县,沁水县嘉峰镇,{},,山西丙煤层气有限公司,\u{a0},21142400503,沁水县嘉峰镇,3.1811,工业用地,出让,41,已开发,未评估地区,买卖,862.0781,2016/3/10 11:11:14", link("1a000000-0000-4000-8000-000000000002")),
    ];
    let mut rows = rows.to_vec();
    // No price published: the conveyance keeps none, never 0.
    rows.push(format!("3.,河北省,清河县,永定街北,{},河北丁绒毛厂,河北戊纺织有限公司,\u{a0},030,永定街北,0.0200,工业用地,转让,33,已建设,二级,赠与,,2016/3/30 10:44:50", link("1a000000-0000-4000-8000-000000000003")));
    let file = write(tmp.path(), "土地转让.csv", &rows.join("\n"));
    let db = Db::open(tmp.path().join("db")).unwrap();
    let report = import(&db, std::slice::from_ref(&file));
    assert!(report.is_clean(), "{:?}", report.errors);
    assert_eq!(report.rows, vec![("transfers", 3)]);
    let gift = db.parcel_by_code("030").unwrap();
    let last = db.history(gift.id).unwrap().pop().unwrap();
    assert!(
        matches!(
            &last.event.body,
            parkdb::Body::Domain(parkdb::ParcelEvent::Conveyed { price: None, how: Some(how), .. }) if how == "赠与"
        ),
        "{last:?}"
    );
    let p = db.parcel_by_code("津宁(挂)G2011-47").unwrap();
    assert_eq!(p.area, mu("70.167"));
    assert!(p.requisition_unknown);
    let to = db.enterprise(p.holder.unwrap()).unwrap();
    assert_eq!(to.name, "天津市乙装备有限公司");
    let history = db.history(p.id).unwrap();
    let names: Vec<&str> = history
        .iter()
        .filter_map(|h| match &h.event.body {
            parkdb::Body::Domain(e) => Some(e.name()),
            parkdb::Body::Void { .. } => None,
        })
        .collect();
    assert_eq!(names, ["registered", "conveyed"]);
    // The price passed between the firms: the park is owed nothing.
    assert!(db.now().receivables().unwrap().is_empty());
    let set_aside: Vec<_> = report.skipped.iter().filter(|s| s.row == 3).collect();
    assert_eq!(set_aside.len(), 1);
    assert_eq!(set_aside[0].column, "原土地使用权人");
    assert!(set_aside[0].reason.contains("862.0781万元"));
    let held = db.parcel_by_code("21142400503").unwrap();
    assert_eq!(
        db.enterprise(held.holder.unwrap()).unwrap().name,
        "山西丙煤层气有限公司"
    );
    let again = import(&db, &[file]);
    assert!(again.is_clean() && !again.written, "{again:?}");
}

const MORTGAGE_HEADER: &str = "序号,地区,行政区,土地坐落,超链接,抵押面积,抵押土地用途,宗地标识,宗地编号,宗地座落,土地面积,土地他项权利人证号,土地使用权证号,土地抵押人名称,土地抵押人性质,土地抵押权人,抵押土地用途,抵押土地权性质与使用权类型,抵押面积,评估金额,抵押金额,抵押起始时间,抵押结束时间";

#[test]
fn mortgages_are_dated_encumbrances_shown_as_of_a_date() {
    let tmp = tempfile::tempdir().unwrap();
    let row = |n: u32, guid: &str, number: &str, start: &str, end: &str| {
        format!(
            "{n}.,\"北京市,北京市所辖县\",延庆县,延庆区珍珠泉乡,{},2.1400,工业用地,\u{a0},{number},延庆区珍珠泉乡,2.1400,京（2016）延庆区不动产证明第0010177号,京延国用（2014出）第00061号,北京甲投资有限公司,股份制,北京乙小额贷款有限公司,工业用地,国有建设用地使用权、出让,2.1400,1500.0000,1500.0000,{start},{end}",
            link(guid)
        )
    };
    let rows = [
        MORTGAGE_HEADER.to_owned(),
        row(
            1,
            "2b000000-0000-4000-8000-000000000001",
            "110229001001GB00001",
            "2016/1/14 9:25:05",
            "2017/1/13 9:25:05",
        ),
        // The same mortgage published a second time (another notice, the
        // same 他项权证): listed, not counted twice.
        row(
            2,
            "2b000000-0000-4000-8000-000000000002",
            "110229001001GB00001",
            "2016/1/14 11:25:05",
            "2017/1/13 11:25:05",
        ),
        // 宗地编号 "0" is no number: the notice's guid is the code.
        row(
            3,
            "2b000000-0000-4000-8000-000000000003",
            "0",
            "2016/2/1 9:00:00",
            "2016/12/31 9:00:00",
        )
        .replace("第0010177号", "第0010999号"),
    ];
    let file = write(tmp.path(), "土地抵押.csv", &rows.join("\n"));
    let db = Db::open(tmp.path().join("db")).unwrap();
    let report = import(&db, std::slice::from_ref(&file));
    assert!(report.is_clean(), "{:?}", report.errors);
    assert!(db
        .parcel_by_code("2b000000-0000-4000-8000-000000000003")
        .is_ok());
    let p = db.parcel_by_code("110229001001GB00001").unwrap();
    assert_eq!(p.mortgages.len(), 1);
    let m = &p.mortgages[0];
    assert_eq!(m.amount, yuan("15000000"));
    assert_eq!(m.appraised, Some(yuan("15000000")));
    assert_eq!(
        m.right_certificate.as_deref(),
        Some("京(2016)延庆区不动产证明第0010177号")
    );
    assert_eq!(
        m.use_certificate.as_deref(),
        Some("京延国用(2014出)第00061号")
    );
    let twice: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.reason.contains("not recorded twice"))
        .collect();
    assert_eq!(twice.len(), 1, "{:?}", report.skipped);
    let in_force = |on: &str| {
        let t = db
            .as_of(d(on))
            .parcels_table(&ParcelFilter::default())
            .unwrap();
        let codes = column::<StringArray>(&t, "code");
        let i = (0..t.num_rows())
            .find(|&i| codes.value(i) == "110229001001GB00001")
            .unwrap();
        let flag = column::<arrow_array::BooleanArray>(&t, "mortgaged").value(i);
        let amount = column::<Decimal128Array>(&t, "mortgage_yuan");
        (flag, (!amount.is_null(i)).then(|| amount.value(i)))
    };
    assert_eq!(in_force("2016-06-30"), (true, Some(1_500_000_000)));
    assert_eq!(in_force("2017-01-13"), (false, None));
    let again = import(&db, &[file]);
    assert!(again.is_clean() && !again.written, "{again:?}");
}

#[test]
fn a_supply_result_without_a_holder_enters_the_parcel_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut row = supply_row(
        1,
        "3c000000-0000-4000-8000-000000000001",
        "0.008100",
        "划拨",
        "",
        "",
        "",
        ("1.00", "3.58"),
        (
            "2017年02月03日",
            "2018年02月03日",
            "2020年02月03日",
            "2017年01月03日",
        ),
        "",
    );
    row = row.replace("工业用地", "经济适用住房用地");
    let file = write(tmp.path(), "划拨.csv", &format!("{SUPPLY_HEADER}\n{row}"));
    let db = Db::open(tmp.path().join("db")).unwrap();
    let report = import(&db, &[file]);
    assert!(report.is_clean(), "{:?}", report.errors);
    let p = db
        .parcel_by_code("3c000000-0000-4000-8000-000000000001")
        .unwrap();
    assert_eq!(p.land_use, LandUse::Residential);
    assert_eq!(p.area, mu("0.1215"));
    assert!(p.holder.is_none() && p.supply.is_none());
    let said: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.column == "土地使用权人")
        .collect();
    assert_eq!(said.len(), 1);
    assert!(said[0].reason.contains("划拨"), "{}", said[0].reason);
}

/// Supply results imported again after the land changed hands: the supply
/// is compared with the holder it gave, not the holder since.
#[test]
fn supply_results_import_again_after_a_transfer() {
    let tmp = tempfile::tempdir().unwrap();
    let supply = write(tmp.path(), "供地结果.csv", &supply_csv());
    let db = Db::open(tmp.path().join("db")).unwrap();
    assert!(import(&db, std::slice::from_ref(&supply)).written);
    let transfer = [
        TRANSFER_HEADER.to_owned(),
        format!("1.,浙江省,青田县,青田县油竹新区,{},青田县甲五金有限公司,青田县丁模具有限公司,\u{a0},0a1b2c3d-0000-4000-8000-000000000001,青田县油竹新区,1.867291,工业用地,出让,50,已建设,一级,买卖,400.0000,2019/5/6 10:00:00", link("1a000000-0000-4000-8000-000000000009")),
    ];
    let transfer = write(tmp.path(), "土地转让.csv", &transfer.join("\n"));
    let report = import(&db, std::slice::from_ref(&transfer));
    assert!(report.is_clean() && report.written, "{report:?}");
    let p = db
        .parcel_by_code("0a1b2c3d-0000-4000-8000-000000000001")
        .unwrap();
    assert_eq!(
        db.enterprise(p.holder.unwrap()).unwrap().name,
        "青田县丁模具有限公司"
    );
    let again = import(&db, &[supply, transfer]);
    assert!(again.is_clean() && !again.written, "{again:?}");
}
