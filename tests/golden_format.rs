//! Storage formats are pinned: a database written by each format's first
//! version is committed under `tests/golden/format<N>.parkdb`, and every
//! later version must open it and read the same. Format 1 (a sled tree per
//! key space, a key per event), format 2 (current states stored beside
//! the events) and format 3 (no checksums, no counts of events) are
//! migrated to the current format at open.
//!
//! Write the current format's golden database (only when deliberately
//! starting a new format, with a migration from the last):
//! `PARKDB_WRITE_GOLDEN=1 cargo test --test golden_format`.

mod common;

use std::path::{Path, PathBuf};

use common::{d, mu, raw_open, yuan};
use parkdb::compliance::{Domain, Inspection, Qualification, QualificationKind};
use parkdb::indicators::{Direction, SubjectKind};
use parkdb::land::{BuildingSpec, BuildingStage, BuildingUse};
use parkdb::money::{
    Charge, Collection, CollectionAction, Compensation, CompensationKind, FeeBasis, FeePeriod,
    FeeRate, Instalment, Payment,
};
use parkdb::{
    Account, Allocation, ApplicationFilter, Award, AwardKind, Crs, Db, EnterpriseStatus, Error,
    LandUse, NewEnterprise, NewParcel, Outline, ParcelFilter, ParcelStatus, Quantity, SupplyMethod,
    YearlyFigures,
};
use parkdb::{Contract, IdKind, Mortgage, UseTerm};

fn golden_dir(format: u8) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/golden/format{format}.parkdb"))
}

/// The copy [`golden_copy`] made in `tmp`.
fn golden_copy_of(tmp: &tempfile::TempDir) -> PathBuf {
    tmp.path().join("db")
}

/// A copy of a golden database in a temporary directory.
fn golden_copy(format: u8, tmp: &tempfile::TempDir) -> PathBuf {
    let golden = golden_dir(format);
    assert!(
        golden.exists(),
        "the golden database is missing at {}",
        golden.display()
    );
    let copy = tmp.path().join("db");
    copy_dir(&golden, &copy);
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The database's sled files, opened below parkdb. A handle closed a moment
/// ago (parkdb's, or one that refused to open) may still hold the lock
/// while sled's threads wind down: wait for it, as parkdb's own open does.
fn write_golden(path: &Path) {
    let db = Db::open(path).unwrap();
    let lijing = db
        .add_enterprise(NewEnterprise {
            credit_code: Some("91440300708461136T".into()),
            industry: Some("C17".into()),
            registered: Some(d("2001-01-01")),
            ..NewEnterprise::named("顺德市励精纺织贸易有限公司")
        })
        .unwrap();
    let other = db
        .add_enterprise(NewEnterprise {
            registered: Some(d("2001-01-01")),
            ..NewEnterprise::named("金联化工物流")
        })
        .unwrap();
    let p = db
        .add_parcel(NewParcel {
            location: Some("高平工业区兴隆路".into()),
            ..NewParcel::new(
                "GP-017",
                mu("52.7272"),
                LandUse::Industrial,
                d("2001-05-01"),
            )
        })
        .unwrap();
    db.develop(p, d("2001-09-01")).unwrap();
    db.certify(p, d("2002-01-10"), "佛府(顺)国用(2002)第0401285号")
        .unwrap();
    db.allocate(
        p,
        Allocation {
            holder: lijing,
            date: d("2002-03-01"),
            method: SupplyMethod::Agreement,
            price: yuan("3163632"),
            start_by: Some(d("2002-09-01")),
            complete_by: Some(d("2004-09-01")),
        },
    )
    .unwrap();
    let wrong = db.declare_idle(p, d("2003-01-01"), None).unwrap();
    db.void(wrong, "declared before the year had passed")
        .unwrap();
    db.reclaim(p, d("2005-03-15"), "闲置满两年").unwrap();
    let q = db
        .add_parcel(NewParcel::new(
            "SZ-100",
            mu("100"),
            LandUse::CommercialResidential,
            d("2002-01-01"),
        ))
        .unwrap();
    db.split(
        q,
        d("2005-06-01"),
        &[("SZ-100-1", mu("40")), ("SZ-100-2", mu("60"))],
    )
    .unwrap();
    let kid = db.parcel_by_code("SZ-100-1").unwrap().id;
    db.allocate(
        kid,
        Allocation {
            holder: other,
            date: d("2005-07-01"),
            method: SupplyMethod::Tender,
            price: yuan("12000000.50"),
            start_by: None,
            complete_by: None,
        },
    )
    .unwrap();
    // The enterprise register, the fund and the indicators: one of each record kind.
    db.enterprise_signed(other, d("2005-04-01"), yuan("30000000"), mu("40"))
        .unwrap();
    db.enterprise_construction_started(other, d("2005-08-01"))
        .unwrap();
    db.report_year(
        other,
        2005,
        YearlyFigures {
            output_value: Some(yuan("88000000")),
            employees: Some(120),
            energy_tce: Some(Quantity::parse("530.25", "energy").unwrap()),
            above_scale: Some(true),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    db.lease(
        other,
        "1#",
        Some("301"),
        Quantity::parse("4200", "area").unwrap(),
        d("2005-06-15"),
        None,
    )
    .unwrap();
    let g = db
        .add_programme(
            "2005年度科技三项费用",
            2005,
            yuan("13140000"),
            d("2005-01-05"),
        )
        .unwrap();
    let a = db
        .apply(
            g,
            other,
            "危化品物流信息平台",
            d("2005-03-10"),
            yuan("1000000"),
            Some("港口物流"),
        )
        .unwrap();
    db.review(a, d("2005-07-20"), &[82, 90, 77]).unwrap();
    db.approve(
        a,
        d("2005-09-15"),
        Award {
            batch: "第一批".into(),
            grant: yuan("300000"),
            loan: yuan("500000"),
            repay_by: Some(d("2007-09-15")),
            ..Award::default()
        },
    )
    .unwrap();
    db.disburse(a, d("2005-10-01"), yuan("500000"), AwardKind::Loan)
        .unwrap();
    db.write(|w| {
        w.define_indicator(
            "R&D_GDP",
            "R&D经费占GDP比重",
            Some("%"),
            Direction::Higher,
            SubjectKind::Zone,
        )?;
        w.observe(
            "R&D_GDP",
            "zone",
            "2005",
            Quantity::parse("1.8", "v")?,
            Some("统计年鉴"),
        )
    })
    .unwrap();
    // Format 5: boundaries and their policies.
    db.set_default_crs(Some(Crs::epsg(4527).unwrap())).unwrap();
    db.set_area_tolerance_ppm(Some(5_000)).unwrap();
    let corners = [
        (39_512_000.0, 3_400_000.0),
        (39_512_200.0, 3_400_000.0),
        (39_512_200.0, 3_400_175.0),
        (39_512_000.0, 3_400_175.0),
    ];
    db.set_boundary(
        db.parcel_by_code("SZ-100-2").unwrap().id,
        d("2005-08-01"),
        Some(&Outline::points(&corners)),
    )
    .unwrap();
    // Format 6: notes (备注).
    db.set_parcel_note(
        db.parcel_by_code("SZ-100-2").unwrap().id,
        d("2005-08-01"),
        Some("二期"),
    )
    .unwrap();
    db.set_enterprise_note(lijing, d("2005-12-31"), Some("纺织"))
        .unwrap();
    // Format 7: buildings on a parcel, water use in a year's figures.
    let kid = db.parcel_by_code("SZ-100-1").unwrap().id;
    db.start_construction(kid, d("2005-09-01")).unwrap();
    db.report_buildings(
        kid,
        d("2005-12-01"),
        Quantity::parse("21000.5", "floor").unwrap(),
        Quantity::parse("9000", "footprint").unwrap(),
    )
    .unwrap();
    db.report_year(
        other,
        2005,
        YearlyFigures {
            water_m3: Some(Quantity::parse("61000", "water").unwrap()),
            ..YearlyFigures::default()
        },
    )
    .unwrap();
    // Format 8: money.
    db.set_fee_rate(FeeRate {
        from: d("2005-01-01"),
        basis: FeeBasis::HeldMu,
        period: FeePeriod::Year,
        amount: yuan("600"),
    })
    .unwrap();
    db.schedule_land_payments(
        kid,
        d("2005-07-01"),
        &[
            Instalment {
                due: d("2005-07-01"),
                amount: yuan("6000000.50"),
            },
            Instalment {
                due: d("2006-07-01"),
                amount: yuan("6000000"),
            },
        ],
    )
    .unwrap();
    db.receive_payment(
        Account::Parcel(kid),
        d("2005-07-20"),
        Payment {
            charge: Charge::LandPrice,
            amount: yuan("6000000.50"),
            reference: Some("收2005-017".into()),
            payer: None,
            advance: false,
        },
    )
    .unwrap();
    db.record_collection(
        Account::Parcel(kid),
        d("2006-08-01"),
        Collection {
            charge: Charge::LandPrice,
            action: CollectionAction::Notice,
            note: None,
        },
    )
    .unwrap();
    db.pay_compensation(
        db.parcel_by_code("SZ-100-2").unwrap().id,
        d("2005-06-01"),
        Compensation {
            kind: CompensationKind::Land,
            payee: "高平村委会".into(),
            amount: yuan("1200000"),
            area: None,
            reference: None,
        },
    )
    .unwrap();
    db.receive_payment(
        Account::Enterprise(other),
        d("2006-01-10"),
        Payment {
            charge: Charge::ManagementFee,
            amount: yuan("12098.63"),
            reference: None,
            payer: None,
            advance: false,
        },
    )
    .unwrap();
    // Format 8 too: a firm's record.
    db.qualify(
        other,
        d("2005-09-01"),
        Qualification {
            kind: QualificationKind::HighTech,
            number: Some("GR200544000017".into()),
            programme: None,
            valid_until: None,
        },
    )
    .unwrap();
    db.record_inspection(
        other,
        d("2005-09-10"),
        Inspection {
            domain: Domain::Safety,
            surprise: true,
            findings: Some("危化品仓库通道堵塞".into()),
            rectify_by: Some(d("2005-10-10")),
        },
    )
    .unwrap();
    db.rectify(other, d("2005-10-01"), 0, None).unwrap();
    db.register_building(
        kid,
        d("2005-09-01"),
        BuildingSpec {
            code: "1#".into(),
            name: Some("1#仓库".into()),
            use_: BuildingUse::Factory,
            floor_area_m2: Quantity::parse("9000", "floor").unwrap(),
            lettable_m2: Quantity::parse("8000", "lettable").unwrap(),
            footprint_m2: Some(Quantity::parse("3000", "footprint").unwrap()),
        },
    )
    .unwrap();
    db.reach_building_stage("1#", d("2005-12-01"), BuildingStage::ToppedOut)
        .unwrap();
    add_exact_area(&db);
    add_published_records(&db);
    add_zone_measured(&db);
    db.flush().unwrap();
}

/// What format 10 added: a parcel entered without its requisition, its
/// supply's contract terms, a mortgage, and a conveyance between holders.
fn add_published_records(db: &Db) -> parkdb::ParcelId {
    let holder = db
        .add_enterprise(NewEnterprise::named("浙江辰龙玩具有限公司"))
        .unwrap();
    let buyer = db
        .add_enterprise(NewEnterprise::named("云和县木玩有限公司"))
        .unwrap();
    db.record_enterprise_id(buyer, IdKind::TaxId, "370613705812957")
        .unwrap();
    // Idle periods as dated policy: the supply below keeps them.
    let mut policy = db.policy().unwrap();
    policy.idle_periods = vec![parkdb::land::IdlePeriods {
        from: d("2017-01-01"),
        idle_after_months: 6,
        reclaimable_after_months: 18,
    }];
    db.set_policy(policy).unwrap();
    let p = db
        .register_parcel(
            NewParcel::new(
                "f293ae2b-70d9-4de1-ae82-b5df9a38095f",
                "1.867291公顷".parse().unwrap(),
                LandUse::Industrial,
                d("2017-01-08"),
            ),
            None,
        )
        .unwrap();
    db.allocate(
        p,
        Allocation {
            holder,
            date: d("2017-01-08"),
            method: SupplyMethod::Listing,
            price: "337.03万元".parse().unwrap(),
            start_by: Some(d("2017-12-28")),
            complete_by: Some(d("2019-12-28")),
        },
    )
    .unwrap();
    let mut contract = Contract::new();
    contract.deliver_by = Some(d("2017-03-28"));
    contract.terms = vec![UseTerm {
        use_: Some("其他工业用地".into()),
        years: 50,
    }];
    contract.plot_ratio_min = Some(Quantity::parse("2.00", "min").unwrap());
    contract.plot_ratio_max = Some(Quantity::parse("1.60", "max").unwrap());
    contract.instalments = vec!["337.03万元".parse().unwrap()];
    contract.project = Some("杨柳河三期区块3-B-1地块".into());
    db.agree_contract(p, d("2017-01-08"), contract).unwrap();
    let mut m = Mortgage::new(
        "中国工商银行云和支行",
        "200万元".parse().unwrap(),
        d("2018-01-14"),
        Some(d("2019-01-13")),
    );
    m.use_certificate = Some("浙(2017)云和县不动产权第0000123号".into());
    db.mortgage(p, m).unwrap();
    db.convey(
        p,
        buyer,
        d("2019-06-01"),
        Some("400万元".parse().unwrap()),
        Some("买卖"),
    )
    .unwrap();
    p
}

/// What format 10 added reads back, as of each of its dates.
fn reads_the_published_records(db: &Db) {
    let p = db
        .parcel_by_code("f293ae2b-70d9-4de1-ae82-b5df9a38095f")
        .unwrap();
    assert!(p.requisition_unknown);
    let terms = p.supply.as_ref().unwrap();
    assert_eq!(terms.price, yuan("3370300"));
    assert_eq!(terms.periods().idle_after_months, 6);
    assert_eq!(db.policy().unwrap().idle_periods.len(), 1);
    let contract = terms.contract.as_ref().unwrap();
    assert_eq!(contract.deliver_by, Some(d("2017-03-28")));
    assert_eq!(contract.terms[0].years, 50);
    assert!(contract.plot_ratio_swapped());
    assert_eq!(p.mortgages.len(), 1);
    assert_eq!(p.mortgages[0].amount, yuan("2000000"));
    assert!(p.mortgages[0].in_force(d("2018-06-30")));
    assert!(!p.mortgages[0].in_force(d("2019-01-13")));
    let holder = db.enterprise(p.holder.unwrap()).unwrap();
    assert_eq!(holder.name, "云和县木玩有限公司");
    assert_eq!(holder.other_id(IdKind::TaxId), Some("370613705812957"));
    assert_eq!(
        db.now().enterprise_by_key("370613705812957").unwrap().id,
        holder.id
    );
    let s = db.land_summary(d("2018-12-31")).unwrap();
    assert_eq!(s.total.requisition_unknown_mu, mu("28.009365"));
    let before = db.as_of(d("2017-01-07"));
    assert!(before
        .parcel_by_code("f293ae2b-70d9-4de1-ae82-b5df9a38095f")
        .is_err());
    // Conveyed between holders: nothing is owed to the park but the
    // supply's price, by the first holder.
    let debts = &p.account.as_ref().unwrap().debts;
    assert_eq!(debts.len(), 1);
    assert_eq!(
        (debts[0].amount, debts[0].debtor),
        (yuan("3370300"), p.tenure[1].1.unwrap())
    );
}

/// What format 9 added: an area to the millionth of a 亩 (1.867291 公顷),
/// after the summaries the older formats are read at.
/// What format 11 added: a boundary in longitude and latitude measured in
/// the zone the park registers in (zone 40, EPSG:4528), not the one it
/// falls in.
fn add_zone_measured(db: &Db) -> parkdb::ParcelId {
    let corners = common::yantai_lonlat();
    let mut new = NewParcel::new("YT-11", mu("30"), LandUse::Industrial, d("2019-06-01"));
    new.boundary = Some(
        parkdb::Outline::points(&corners)
            .in_crs(Crs::CGCS2000)
            .measured_in(Crs::epsg(4528).unwrap()),
    );
    db.add_parcel(new).unwrap()
}

fn reads_the_zone_measured(db: &Db) {
    let b = db.parcel_by_code("YT-11").unwrap().boundary.unwrap();
    assert_eq!(b.plane().unwrap(), Crs::epsg(4528).unwrap());
    assert_eq!(b.stored().plane, Some(4528));
    assert!(
        (b.area().millionths() - mu("30").millionths()).abs() <= 2,
        "{}",
        b.area()
    );
}

fn add_exact_area(db: &Db) -> parkdb::ParcelId {
    db.add_parcel(NewParcel::new(
        "HA-1",
        "1.867291公顷".parse().unwrap(),
        LandUse::Industrial,
        d("2006-03-01"),
    ))
    .unwrap()
}

/// What format 9 added reads back: an area to the millionth of a 亩, in
/// the parcel, its table and the summary.
fn reads_the_exact_areas(db: &Db) {
    let p = db.parcel_by_code("HA-1").unwrap();
    assert_eq!(p.area.to_decimal_string(), "28.009365");
    let s = db.land_summary(d("2006-12-31")).unwrap();
    assert_eq!(s.total.requisitioned_mu, mu("180.736565"));
}

/// What format 8 added reads back: a schedule, payments, a collection
/// step, compensation, a fee rate and a fee paid; a qualification and an
/// inspection rectified.
fn reads_the_money(db: &Db) {
    let policy = db.policy().unwrap();
    assert_eq!(policy.fee_rates.len(), 1);
    assert_eq!(policy.fee_rates[0].amount, yuan("600"));
    let kid = db.parcel_by_code("SZ-100-1").unwrap();
    let owed = db.as_of(d("2006-12-31")).receivables().unwrap();
    let land = owed.iter().find(|r| r.charge == Charge::LandPrice).unwrap();
    assert_eq!(land.position.outstanding, yuan("6000000"));
    assert_eq!(land.position.oldest_due, Some(d("2006-07-01")));
    assert_eq!(land.last_step.map(|s| s.0), Some(d("2006-08-01")));
    // 40 亩 × 600 for 184 of 2005's days, paid; 2006's 24,000 owed.
    let fees = db
        .as_of(d("2006-12-31"))
        .management_fees(kid.holder.unwrap())
        .unwrap();
    assert_eq!(fees.amount, yuan("36098.63"));
    assert_eq!(fees.position(d("2006-12-31")).outstanding, yuan("24000"));
    let part = db.parcel_by_code("SZ-100-2").unwrap();
    assert_eq!(part.account.unwrap().cost(), yuan("1200000"));
    let firm = db.enterprise(kid.holder.unwrap()).unwrap();
    assert!(firm.high_tech_on(d("2008-08-31")) && !firm.high_tech_on(d("2008-09-01")));
    let record = firm.record.unwrap();
    assert_eq!(
        record.inspections[0].closed.as_ref().map(|c| c.0),
        Some(d("2005-10-01"))
    );
}

/// What format 7 added reads back: buildings, dated, and water use beside
/// the figures reported before it.
fn reads_the_buildings_and_water(db: &Db) {
    let kid = db.parcel_by_code("SZ-100-1").unwrap();
    let b = kid.buildings.unwrap();
    assert_eq!(
        b.floor_area_m2,
        Quantity::parse("21000.5", "floor").unwrap()
    );
    assert_eq!(
        b.footprint_m2,
        Quantity::parse("9000", "footprint").unwrap()
    );
    // 9000 m² on 40 亩 (26,666.67 m²): 0.3375.
    assert!((b.coverage(kid.area).unwrap() - 0.3375).abs() < 1e-12);
    assert!(db
        .as_of(d("2005-11-30"))
        .parcel_by_code("SZ-100-1")
        .unwrap()
        .buildings
        .is_none());
    let other = db.enterprise(kid.holder.unwrap()).unwrap();
    let year = other.yearly.get(2005).unwrap();
    assert_eq!(
        year.water_m3,
        Some(Quantity::parse("61000", "water").unwrap())
    );
    assert_eq!(year.output_value, Some(yuan("88000000")));
}

/// What format 6 added reads back: notes, dated.
fn reads_the_notes(db: &Db) {
    let p = db.parcel_by_code("SZ-100-2").unwrap();
    assert_eq!(p.note.as_deref(), Some("二期"));
    assert_eq!(
        db.as_of(d("2005-07-31"))
            .parcel_by_code("SZ-100-2")
            .unwrap()
            .note,
        None
    );
    let firm = db
        .now()
        .enterprises()
        .unwrap()
        .into_iter()
        .find(|e| e.name == "顺德市励精纺织贸易有限公司")
        .unwrap();
    assert_eq!(firm.note.as_deref(), Some("纺织"));
}

/// What format 5 added reads back: the boundary and its policies.
fn reads_the_boundaries(db: &Db) {
    let policy = db.policy().unwrap();
    assert_eq!(policy.default_crs, Some(Crs::epsg(4527).unwrap()));
    assert_eq!(policy.tolerance_ppm(), 5_000);
    let b = db.parcel_by_code("SZ-100-2").unwrap().boundary.unwrap();
    assert_eq!(b.area(), mu("52.5"));
    assert_eq!(
        db.as_of(d("2005-07-31"))
            .parcel_by_code("SZ-100-2")
            .unwrap()
            .boundary,
        None
    );
}

#[test]
fn the_current_format_opens_and_reads_the_same() {
    let golden = golden_dir(parkdb::FORMAT_VERSION);
    if std::env::var_os("PARKDB_WRITE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        write_golden(&golden);
        // Only the store is pinned: checkpoints are rebuilt from it.
        for derived in ["checkpoint", "blobs"] {
            let _ = std::fs::remove_dir_all(golden.join(derived));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(parkdb::FORMAT_VERSION, &tmp)).unwrap();
    reads_the_golden_facts(&db);
    reads_the_boundaries(&db);
    reads_the_notes(&db);
    reads_the_buildings_and_water(&db);
    reads_the_money(&db);
    reads_the_exact_areas(&db);
    reads_the_published_records(&db);
    reads_the_zone_measured(&db);
}

/// Events stored before parkdb kept sources read as "source unknown" in
/// every way they are shown; those written after name theirs.
#[test]
fn events_stored_before_sources_were_kept_read_as_unknown() {
    use arrow_array::Array;
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(golden_copy(8, &tmp)).unwrap();
    let table = db
        .now()
        .events_table(&parkdb::tables::EventFilter::default())
        .unwrap();
    assert!(table.num_rows() > 10);
    let source = table.column_by_name("source").unwrap();
    let source = source
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    assert!((0..source.len()).all(|i| source.value(i) == "unknown"));
    assert_eq!(
        table.column_by_name("source_by").unwrap().null_count(),
        table.num_rows()
    );
    assert!(db.imports().unwrap().is_empty());
    db.set_by(Some("王芳")).unwrap();
    let p = add_exact_area(&db);
    let h = db.history(p).unwrap();
    let o = db.origin(h[0].event.id).unwrap();
    assert_eq!(
        (o.kind, o.by.as_deref()),
        (parkdb::SourceKind::Api, Some("王芳"))
    );
    let old = db
        .now()
        .events_table(&parkdb::tables::EventFilter::default())
        .unwrap();
    let ids = old
        .column_by_name("event_id")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::UInt64Array>()
        .unwrap()
        .clone();
    let first_old = (0..ids.len()).map(|i| ids.value(i)).min().unwrap();
    assert_eq!(
        db.origin(parkdb::EventId(first_old)).unwrap(),
        parkdb::Origin::UNKNOWN
    );
}

/// Format 8 kept ten-thousandths of a 亩: its values read as the same
/// areas (times 100 in millionths), the database is marked 11, and areas
/// written after hold their six places beside the old.
#[test]
fn format_8_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(8);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(8, &tmp)).unwrap();
    reads_the_boundaries(&db);
    reads_the_notes(&db);
    reads_the_buildings_and_water(&db);
    reads_the_money(&db);
    let p = add_exact_area(&db);
    drop(db);
    let db = Db::open(golden_copy_of(&tmp)).unwrap();
    assert_eq!(db.parcel(p).unwrap().area, mu("28.009365"));
    reads_the_exact_areas(&db);
    reads_the_golden_facts(&db);
}

/// Format 9 had no parcels entered without a requisition, no contracts,
/// mortgages or conveyances: its parcels read with none (the fields format
/// 10 added read as absent), and such records written after read back
/// beside the old.
#[test]
fn format_9_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(9);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(9, &tmp)).unwrap();
    reads_the_exact_areas(&db);
    let old = db.parcel_by_code("HA-1").unwrap();
    assert!(!old.requisition_unknown && old.mortgages.is_empty());
    let kid = db.parcel_by_code("SZ-100-1").unwrap();
    assert!(kid.supply.as_ref().unwrap().contract.is_none());
    add_published_records(&db);
    drop(db);
    let db = Db::open(golden_copy_of(&tmp)).unwrap();
    reads_the_published_records(&db);
    reads_the_exact_areas(&db);
    reads_the_golden_facts(&db);
}

/// Format 10 measured a boundary in longitude and latitude in the zone it
/// falls in: its boundaries read with no zone chosen and the areas they
/// had, and one measured in a chosen zone, written after, reads back beside
/// them.
#[test]
fn format_10_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(10);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(10, &tmp)).unwrap();
    reads_the_boundaries(&db);
    reads_the_published_records(&db);
    let old = db.parcel_by_code("SZ-100-2").unwrap().boundary.unwrap();
    assert_eq!(old.stored().plane, None);
    add_zone_measured(&db);
    drop(db);
    let db = Db::open(golden_copy_of(&tmp)).unwrap();
    reads_the_zone_measured(&db);
    reads_the_boundaries(&db);
    reads_the_golden_facts(&db);
}

/// Opens an older golden database (migrated on the way), reads it the same,
/// and, opened again, takes new writes beside the old, including a void of
/// an event written in the old format.
fn migrates_and_reads_the_same(format: u8) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(format, &tmp);
    {
        let db = Db::open(&copy).unwrap();
        reads_the_golden_facts(&db);
    }
    let db = Db::open(&copy).unwrap();
    reads_the_golden_facts(&db);
    let p = db.parcel_by_code("SZ-100-1").unwrap();
    let history = db.history(p.id).unwrap();
    let last = history.last().unwrap().event.id;
    db.void(last, "entered in the wrong parcel").unwrap();
    assert!(db.check().unwrap().is_clean(), "{:?}", db.check().unwrap());
    let q = db
        .add_parcel(NewParcel::new(
            "NEW-1",
            mu("5"),
            LandUse::Industrial,
            d("2006-01-01"),
        ))
        .unwrap();
    db.develop(q, d("2006-02-01")).unwrap();
    assert!(db.check().unwrap().is_clean(), "{:?}", db.check().unwrap());
    drop(db);
    // What is left on disk is the current format: one tree, no stored states.
    let raw = raw_open(&copy);
    let names: Vec<_> = raw.tree_names().into_iter().map(|n| n.to_vec()).collect();
    for old in ["meta", "records", "events", "index"] {
        assert!(
            !names.contains(&old.as_bytes().to_vec()),
            "format 1's tree {old} is left after the migration"
        );
    }
    let tree = raw.open_tree("parkdb").unwrap();
    assert_eq!(
        tree.get(b"mformat").unwrap().as_deref(),
        Some(&[parkdb::FORMAT_VERSION][..])
    );
    assert_eq!(tree.scan_prefix(b"r").count(), 0, "stored states are left");
}

#[test]
fn format_7_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(7);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(7, &tmp)).unwrap();
    // Format 7's policy (no fee rates) reads through its own layout.
    reads_the_boundaries(&db);
    assert!(db.policy().unwrap().fee_rates.is_empty());
    reads_the_notes(&db);
    reads_the_buildings_and_water(&db);
}

#[test]
fn format_4_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(4);
}

#[test]
fn format_6_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(6);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(6, &tmp)).unwrap();
    reads_the_boundaries(&db);
    reads_the_notes(&db);
}

#[test]
fn format_5_is_marked_11_and_reads_the_same() {
    migrates_and_reads_the_same(5);
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(golden_copy(5, &tmp)).unwrap();
    reads_the_boundaries(&db);
}

#[test]
fn format_1_is_migrated_and_reads_the_same() {
    migrates_and_reads_the_same(1);
}

#[test]
fn format_2_is_migrated_and_reads_the_same() {
    migrates_and_reads_the_same(2);
}

#[test]
fn format_3_is_migrated_and_reads_the_same() {
    migrates_and_reads_the_same(3);
}

/// Format 4 counts the events of each kind and sums each block value:
/// format 3's are counted and summed when it is migrated.
#[test]
fn format_3_gets_counts_and_checksums_when_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(3, &tmp);
    drop(Db::open(&copy).unwrap());
    let raw = raw_open(&copy);
    let tree = raw.open_tree("parkdb").unwrap();
    let mut blocks = 0;
    for item in tree.scan_prefix(b"e") {
        let (_, v) = item.unwrap();
        assert_eq!(v[0], parkdb::FORMAT_VERSION);
        blocks += 1;
    }
    assert!(blocks > 0);
    let next = u64::from_be_bytes(
        tree.get(b"mnext/event")
            .unwrap()
            .unwrap()
            .as_ref()
            .try_into()
            .unwrap(),
    );
    let counted: u64 = tree
        .scan_prefix(b"mcount/")
        .map(|item| {
            let (_, v) = item.unwrap();
            u64::from_be_bytes(v.as_ref().try_into().unwrap())
        })
        .sum();
    assert_eq!(counted, next - 1);
}

/// Format 2 kept each run of events under a key of its own; migrated, the
/// runs one unit of work wrote for a block share a value, as format 3
/// writes them (the golden split wrote three parcels' runs in one unit).
#[test]
fn format_2_runs_are_grouped_by_unit_and_block_when_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(2, &tmp);
    let event_keys = |path: &Path| {
        let raw = raw_open(path);
        raw.open_tree("parkdb").unwrap().scan_prefix(b"e").count()
    };
    let before = event_keys(&copy);
    {
        let db = Db::open(&copy).unwrap();
        assert!(db.check().unwrap().is_clean(), "{:?}", db.check().unwrap());
        reads_the_golden_facts(&db);
    }
    let after = event_keys(&copy);
    assert!(after < before, "{after} values for {before} runs");
}

fn reads_the_golden_facts(db: &Db) {
    assert!(db.check().unwrap().is_clean(), "{:?}", db.check().unwrap());

    let p = db.parcel_by_code("GP-017").unwrap();
    assert_eq!(p.area, mu("52.7272"));
    assert_eq!(p.location.as_deref(), Some("高平工业区兴隆路"));
    assert_eq!(p.status(), ParcelStatus::Reserve);
    assert_eq!(
        p.certificate.as_ref().unwrap().number,
        "佛府(顺)国用(2002)第0401285号"
    );
    assert_eq!(p.reclamations.len(), 1);
    let lijing = p.reclamations[0].former_holder;
    let firm = db.enterprise(lijing).unwrap();
    assert_eq!(firm.name, "顺德市励精纺织贸易有限公司");
    assert_eq!(firm.credit_code.as_deref(), Some("91440300708461136T"));
    assert_eq!(
        db.now()
            .enterprise_by_code("91440300708461136T")
            .unwrap()
            .id,
        lijing
    );

    let before = db.parcel_as_of(p.id, d("2005-01-01")).unwrap();
    assert_eq!(before.holder, Some(lijing));
    let terms = before.supply.unwrap();
    assert_eq!(terms.price, yuan("3163632"));
    assert_eq!(terms.method, SupplyMethod::Agreement);
    assert!(
        before.idle_declared.is_none(),
        "the voided declaration must stay void"
    );

    let history = db.history(p.id).unwrap();
    assert_eq!(history.len(), 7);
    assert!(history[4].voided_by.is_some());
    // The time the golden database learned of the allocation is kept.
    let recorded = history[3].event.recorded.to_datetime();
    assert!(db
        .as_known_at(recorded)
        .parcel(p.id)
        .unwrap()
        .holder
        .is_some());

    let s = db.land_summary(d("2005-12-31")).unwrap();
    assert_eq!(s.total.requisitioned_mu, mu("152.7272"));
    assert_eq!(s.total.parcel_count, 3);
    assert_eq!(s.total.reclaimed_mu, mu("52.7272"));
    assert_eq!(s.total.supplied_mu, mu("40"));
    assert_eq!(
        s.by_land_use[&LandUse::CommercialResidential].reserve_mu,
        mu("60")
    );
    let kid = db.parcel_by_code("SZ-100-1").unwrap();
    assert_eq!(kid.supply.as_ref().unwrap().price, yuan("12000000.50"));
    assert_eq!(
        db.parcels(&ParcelFilter {
            status: Some(ParcelStatus::Retired),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );

    let firm = db.now().enterprise_by_code("91440300708461136T").unwrap();
    assert_eq!(firm.industry.as_deref(), Some("C17"));
    let other = db.enterprise(kid.holder.unwrap()).unwrap();
    assert_eq!(other.status, EnterpriseStatus::UnderConstruction);
    assert_eq!(other.planned_land, mu("40"));
    assert_eq!(
        other.yearly.get(2005).unwrap().energy_tce,
        Some(Quantity::parse("530.25", "energy").unwrap())
    );
    assert_eq!(other.leases[0].unit.as_deref(), Some("301"));
    let app = db
        .now()
        .applications(&ApplicationFilter::default())
        .unwrap()
        .remove(0);
    assert_eq!(app.scores, vec![82, 90, 77]);
    assert_eq!(app.approval.as_ref().unwrap().awarded.loan, yuan("500000"));
    assert_eq!(app.outstanding().unwrap(), yuan("500000"));
    assert_eq!(
        db.overdue(d("2007-12-31")).unwrap()[0].amount,
        yuan("500000")
    );
    let r = db.now().indicator("R&D_GDP").unwrap();
    assert_eq!(
        r.observations[&("zone".to_string(), "2005".to_string())].value,
        Quantity::parse("1.8", "v").unwrap()
    );
}

fn expect_future_format(copy: &Path) {
    match Db::open(copy) {
        Err(Error::IncompatibleFormat { found, supported }) => {
            assert_eq!(found, parkdb::FORMAT_VERSION + 1);
            assert_eq!(supported, parkdb::FORMAT_VERSION);
        }
        other => panic!("expected IncompatibleFormat, got {other:?}"),
    }
}

#[test]
fn a_format_from_the_future_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(parkdb::FORMAT_VERSION, &tmp);
    {
        let raw = raw_open(&copy);
        raw.open_tree("parkdb")
            .unwrap()
            .insert(b"mformat", &[parkdb::FORMAT_VERSION + 1])
            .unwrap();
        raw.flush().unwrap();
    }
    expect_future_format(&copy);
}

#[test]
fn a_future_format_in_the_old_layout_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(1, &tmp);
    {
        let raw = raw_open(&copy);
        raw.open_tree("meta")
            .unwrap()
            .insert("format", &[parkdb::FORMAT_VERSION + 1])
            .unwrap();
        raw.flush().unwrap();
    }
    expect_future_format(&copy);
    let raw = raw_open(&copy);
    assert!(raw.tree_names().iter().any(|n| n.as_ref() == b"records"));
    assert!(raw.open_tree("parkdb").unwrap().is_empty());
}

#[test]
fn an_event_run_from_the_future_is_refused_when_read() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(parkdb::FORMAT_VERSION, &tmp);
    {
        let raw = raw_open(&copy);
        let tree = raw.open_tree("parkdb").unwrap();
        // The first run of parcel P1.
        let (k, v) = tree.scan_prefix([b'e', 1]).next().unwrap().unwrap();
        let mut v = v.to_vec();
        v[0] = parkdb::FORMAT_VERSION + 1;
        tree.insert(k, v).unwrap();
        raw.flush().unwrap();
    }
    let db = Db::open(&copy).unwrap();
    assert!(matches!(
        db.parcel(parkdb::ParcelId(1)),
        Err(Error::IncompatibleFormat { .. })
    ));
    assert!(!db.check().unwrap().is_clean());
}

/// Edits a copy of the current golden database below parkdb, then opens
/// it: `check` must report a problem that says `expected`.
fn check_reports_after(edit: impl FnOnce(&sled::Tree), expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = golden_copy(parkdb::FORMAT_VERSION, &tmp);
    {
        let raw = raw_open(&copy);
        edit(&raw.open_tree("parkdb").unwrap());
        raw.flush().unwrap();
    }
    let db = Db::open(&copy).unwrap();
    let report = db.check().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains(expected)),
        "{:?}",
        report.problems
    );
}

#[test]
fn check_finds_two_records_sharing_a_code() {
    check_reports_after(
        |tree| {
            // Parcel P1's first run (its requisition, code GP-017) stored
            // again as the first run of a parcel P9, in a value of its own:
            // the format byte, then per run its entity, first event id,
            // length and bytes.
            // (Written as format 3 wrote blocks, without a checksum: they
            // still read.)
            let (k, v) = tree.scan_prefix([b'e', 1]).next().unwrap().unwrap();
            assert_eq!(&v[5..13], &1u64.to_be_bytes(), "the block starts with P1");
            let len = u32::from_be_bytes(v[21..25].try_into().unwrap()) as usize;
            let mut block = vec![3];
            block.extend_from_slice(&9u64.to_be_bytes());
            block.extend_from_slice(&v[13..25 + len]);
            let mut key = k.to_vec();
            key[10..].copy_from_slice(&0u64.to_be_bytes());
            tree.insert(key, block).unwrap();
        },
        "share the code",
    );
}

#[test]
fn check_finds_a_stored_state() {
    check_reports_after(
        |tree| {
            // A parcel's state as format 2 stored it beside its events.
            let mut key = vec![b'r', 1];
            key.extend_from_slice(&1u64.to_be_bytes());
            tree.insert(key, vec![2, 0]).unwrap();
        },
        "parkdb stores only events",
    );
}

#[test]
fn check_finds_a_stray_stored_lookup() {
    check_reports_after(
        |tree| {
            // A status lookup (family 0x02) as format 1 stored it: lookups
            // live in memory only since format 2.
            let mut key = vec![b'i', 0x02, 1];
            key.extend_from_slice(&1u64.to_be_bytes());
            tree.insert(key, Vec::<u8>::new()).unwrap();
        },
        "is not one parkdb stores",
    );
}

#[test]
fn check_finds_a_committed_total_that_disagrees_with_the_applications() {
    check_reports_after(
        |tree| {
            let (k, v) = tree.scan_prefix(b"mcommitted/").next().unwrap().unwrap();
            // The golden programme's approval committed ¥800,000 (grant and loan).
            assert_eq!(
                i64::from_be_bytes(v.as_ref().try_into().unwrap()),
                80_000_000
            );
            tree.insert(k, &1i64.to_be_bytes()).unwrap();
        },
        "disagrees with its applications",
    );
}

#[test]
fn check_finds_runs_stored_in_another_block() {
    check_reports_after(
        |tree| {
            // The first parcels' block (entities 0–63) stored again under
            // block 5, as if its runs were of entities 320–383.
            let (k, v) = tree.scan_prefix([b'e', 1]).next().unwrap().unwrap();
            let mut key = k.to_vec();
            key[2..10].copy_from_slice(&5u64.to_be_bytes());
            tree.insert(key, v).unwrap();
        },
        "stored out of place",
    );
}
