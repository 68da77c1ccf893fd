//! Firms' other identifiers: the 纳税人识别号 (15, 17, 18 or 20
//! characters), 组织机构代码 (checked) and 工商注册号 that tax and land
//! records still carry, kept beside the credit code, each naming one firm
//! and finding it.

mod common;
#[cfg(feature = "ledgers")]
#[path = "common/sheet.rs"]
mod sheets;

use common::d;
use parkdb::enterprise::check_other_id;
use parkdb::{Db, Error, IdKind, NewEnterprise};

#[test]
fn ids_are_checked_by_their_kind() {
    for id in [
        "370613705812957",
        "37061370581295701",
        "91370600728605053T",
        "37068219800101123401",
    ] {
        assert_eq!(check_other_id(IdKind::TaxId, id).unwrap(), id);
    }
    assert_eq!(
        check_other_id(IdKind::TaxId, " 91370600728605053t ").unwrap(),
        "91370600728605053T"
    );
    let short = check_other_id(IdKind::TaxId, "3706137058129").unwrap_err();
    assert!(short.to_string().contains("has 13 characters"), "{short}");
    assert!(check_other_id(IdKind::TaxId, "370613-05812957").is_err());
    // GB 11714's check character: 70581295 gives 7, D2143569 gives X.
    assert_eq!(
        check_other_id(IdKind::OrgCode, "70581295-7").unwrap(),
        "705812957"
    );
    assert_eq!(
        check_other_id(IdKind::OrgCode, "d2143569x").unwrap(),
        "D2143569X"
    );
    let wrong = check_other_id(IdKind::OrgCode, "705812958").unwrap_err();
    assert!(wrong.to_string().contains("give '7'"), "{wrong}");
    assert!(check_other_id(IdKind::Licence, "370600228012345").is_ok());
    assert!(check_other_id(IdKind::Licence, "37060022801234A").is_err());
}

#[test]
fn an_id_finds_its_firm_and_names_only_one() {
    let db = Db::temporary().unwrap();
    let longgang = db
        .add_enterprise(NewEnterprise::named("烟台龙港泵业股份有限公司"))
        .unwrap();
    let other = db
        .add_enterprise(NewEnterprise {
            name: "烟台某某机械有限公司".into(),
            credit_code: Some("91370600728605053T".into()),
            registered: Some(d("2010-05-01")),
            allow_invalid_code: true,
            ..NewEnterprise::default()
        })
        .unwrap();
    db.record_enterprise_id(longgang, IdKind::TaxId, "370613705812957")
        .unwrap();
    db.record_enterprise_id(longgang, IdKind::OrgCode, "70581295-7")
        .unwrap();
    let e = db.enterprise(longgang).unwrap();
    assert_eq!(e.other_id(IdKind::TaxId), Some("370613705812957"));
    assert_eq!(e.other_id(IdKind::OrgCode), Some("705812957"));
    for key in ["370613705812957", "705812957", "烟台龙港泵业股份有限公司"] {
        assert_eq!(
            db.now().enterprise_by_key(key).unwrap().id,
            longgang,
            "{key}"
        );
    }
    let unknown = db.now().enterprise_by_key("370613000000000").unwrap_err();
    assert!(unknown.to_string().contains("纳税人识别号"), "{unknown}");
    // One id, one firm: another's id, or another's credit code, is refused.
    assert!(matches!(
        db.record_enterprise_id(other, IdKind::TaxId, "370613705812957"),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        db.record_enterprise_id(longgang, IdKind::Licence, "370600228012345")
            .and_then(|_| db.record_enterprise_id(other, IdKind::Licence, "370600228012345")),
        Err(Error::Conflict { .. })
    ));
    // An id it holds, again; a second of a kind is kept beside the first.
    assert!(matches!(
        db.record_enterprise_id(longgang, IdKind::TaxId, "370613705812957"),
        Err(Error::Lifecycle { .. })
    ));
    db.record_enterprise_id(longgang, IdKind::TaxId, "91370600MA3C000000")
        .unwrap();
    let e = db.enterprise(longgang).unwrap();
    assert_eq!(
        e.ids_of(IdKind::TaxId).collect::<Vec<_>>(),
        ["370613705812957", "91370600MA3C000000"]
    );
    assert_eq!(
        db.now().enterprise_by_key("91370600MA3C000000").unwrap().id,
        longgang
    );
    assert!(matches!(
        db.record_enterprise_id(longgang, IdKind::OrgCode, "91370600728605053T"),
        Err(Error::Validation { .. })
    ));
    // A firm's 18-character tax id is its credit code: its own, not a conflict.
    db.record_enterprise_id(other, IdKind::TaxId, "91370600728605053T")
        .unwrap();
    let table = db
        .now()
        .enterprises_table(&parkdb::EnterpriseFilter::default())
        .unwrap();
    let tax = table
        .column_by_name("tax_id")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap()
        .clone();
    let ids: Vec<Option<&str>> = (0..arrow_array::Array::len(&tax))
        .map(|i| (!arrow_array::Array::is_null(&tax, i)).then(|| tax.value(i)))
        .collect();
    assert_eq!(
        ids,
        [
            Some("370613705812957; 91370600MA3C000000"),
            Some("91370600728605053T")
        ]
    );
}

#[cfg(feature = "ledgers")]
#[test]
fn a_register_with_the_tax_bureaus_ids_imports_them_all() {
    use parkdb::ledger::{self, ImportOptions};
    // As the tax bureau's table names them (纳税人名称, 纳税人识别号): 18-,
    // 15- and 20-character ids in one column.
    let register = sheets::sheet(
        "企业名录",
        "NSRMC,NSRSBH\n\
         烟台龙港泵业股份有限公司,91370600728605053T\n\
         烟台开发区某五金厂,370613705812957\n\
         个体户王某,37068219800101123401",
    );
    let db = Db::temporary().unwrap();
    let report = ledger::import(
        &db,
        std::slice::from_ref(&register),
        ImportOptions::default(),
    )
    .unwrap();
    assert!(report.is_clean(), "{:?}", report.errors);
    let v = db.now();
    for (key, name) in [
        ("91370600728605053T", "烟台龙港泵业股份有限公司"),
        ("370613705812957", "烟台开发区某五金厂"),
        ("37068219800101123401", "个体户王某"),
    ] {
        assert_eq!(v.enterprise_by_key(key).unwrap().name, name);
    }
    // Again: nothing new.
    let again = ledger::import(&db, &[register], ImportOptions::default()).unwrap();
    assert!(again.is_clean() && !again.written, "{again:?}");
    // A parcel's holder named by a tax id.
    let parcels = sheets::sheet(
        "地块台账",
        "地块编号,面积(亩),用途,征地日期,用地单位,供地日期,供地方式,成交价(万元)\n\
         YT-1,23.1277,工业,2008-01-01,370613705812957,2008-06-01,挂牌,500",
    );
    let report = ledger::import(&db, &[parcels], ImportOptions::default()).unwrap();
    assert!(report.is_clean(), "{:?}", report.errors);
    let p = db.parcel_by_code("YT-1").unwrap();
    assert_eq!(
        db.enterprise(p.holder.unwrap()).unwrap().name,
        "烟台开发区某五金厂"
    );
    // A firm's records carry its 15-character id and, after 三证合一, its
    // 18-character one: the second is kept beside the first.
    let later = sheets::sheet(
        "企业名录",
        "企业名称,纳税人识别号\n烟台开发区某五金厂,91370600705812957X",
    );
    let report = ledger::import(&db, &[later], ImportOptions::default()).unwrap();
    assert!(report.is_clean() && report.written, "{report:?}");
    let firm = db.now().enterprise_by_key("91370600705812957X").unwrap();
    assert_eq!(firm.other_ids.len(), 2);
    // A row naming another firm's id under its own name contradicts the
    // register: the firm that id names keeps its name.
    let taken = sheets::sheet(
        "企业名录",
        "企业名称,纳税人识别号\n个体户王某,370613705812957",
    );
    let refused = ledger::import(&db, &[taken], ImportOptions::default()).unwrap();
    assert_eq!(refused.errors.len(), 1, "{:?}", refused.errors);
    assert_eq!(refused.errors[0].column, "企业名称");
    assert!(refused.errors[0].reason.contains("烟台开发区某五金厂"));
    // A malformed id names its column.
    let bad = sheets::sheet("企业名录", "企业名称,组织机构代码\n新企业,705812958");
    let refused = ledger::import(&db, &[bad], ImportOptions::default()).unwrap();
    assert_eq!(refused.errors[0].column, "组织机构代码");
}
