//! The example of the seed document: an industrial zone and a district
//! science & technology bureau, as a database of events whose derived
//! figures equal the ones their annual work reports give.
//!
//! The zone: 征地10100亩, 开发用地近8000亩 (7960), 已办证4509亩; 11 industrial
//! projects signed in the year, 3 of them on reclaimed idle land; 3 capital
//! increases (科华增资40亩、启程增资10亩、工业水厂增资10亩); 52 firms in
//! production and 17 under construction at year end with an output value of
//! 38亿元; three idle parcels reclaimed (52.7272, 35.6180 and 63亩); 100亩 of
//! commercial-residential land tendered.
//!
//! The bureau: a programme of 1314万元; 18 applications received; a first
//! batch of 13 projects, 891.5万元 (无偿资助411.5万 + 贷款贴息480万); 110万元
//! of overdue loans recovered, the rest before the court; 7 firms in the
//! incubator (科创中心) on about 21587㎡, two more signed to enter.
//!
//! The report year is 2005. Figures the reports give are reproduced
//! exactly; the rest (individual areas, dates, names beyond those the
//! reports name) are made up, deterministically.

// Counters here are small constants of the example: casts cannot truncate.
#![allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]

use chrono::{Months, NaiveDate};

use crate::compliance::{
    Complaint, Domain, Honour, HonourLevel, Incident, Inspection, Qualification, QualificationKind,
};
use crate::db::{Db, Policy};
use crate::enterprise::{EnterpriseId, NewEnterprise, YearlyFigures};
use crate::error::{Error, Result};
use crate::fund::{ApplicationId, AwardKind, ProgrammeId, RecoveryVia};
use crate::geometry::Outline;
use crate::land::{BuildingSpec, BuildingStage, BuildingUse, LandUse, ParcelId, SupplyMethod};
use crate::money::{
    Charge, Collection, CollectionAction, Compensation, CompensationKind, FeeBasis, FeePeriod,
    FeeRate, Instalment, Payment,
};
use crate::units::{Mu, Quantity, Yuan};
use crate::writer::Account;
use crate::writer::{Allocation, Award, NewParcel, Writer};

/// The cost of a certificate (办证), in fen per ten-thousandth of a 亩:
/// 6,800元 a 亩.
const CERTIFICATION_FEN_PER_UNIT: i64 = 68;

/// Ten-thousandths of a 亩 in one 亩.
const E4_PER_MU: i64 = 10_000;

/// The example zone's areas are written to 0.0001 亩 (the seed's
/// precision): an area from its ten-thousandths of a 亩.
fn mu_e4(ten_thousandths: i64) -> Mu {
    Mu::from_millionths(ten_thousandths * 100)
}

/// The ten-thousandths of a 亩 of an area of the example zone (all of them
/// whole ten-thousandths, so the division is exact).
fn e4(area: Mu) -> i64 {
    area.millionths() / 100
}

/// The zone's management fee (管理费), 元 per 亩 held a year.
pub const MANAGEMENT_FEE_PER_MU_YUAN: i64 = 600;

/// The year the example's reports cover.
pub const REPORT_YEAR: i32 = 2005;
/// 征地10100亩.
pub const REQUISITIONED_MU: &str = "10100";
/// 开发用地近8000亩.
pub const DEVELOPED_MU: &str = "7960";
/// 已办国有土地使用证4509亩.
pub const CERTIFIED_MU: &str = "4509";
/// 生产总值达到38个亿.
pub const OUTPUT_VALUE_YUAN: i64 = 3_800_000_000;
/// 区财政拨款1314万元.
pub const PROGRAMME_BUDGET_YUAN: i64 = 13_140_000;
/// 共完成厂房租赁面积约21587㎡.
pub const LEASED_M2: i64 = 21_587;

/// Handles into the example, for tests and tours.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Firms in production at the end of the report year, with their parcels.
    pub in_production: Vec<(EnterpriseId, ParcelId)>,
    /// Firms under construction at the end of the report year.
    pub under_construction: Vec<(EnterpriseId, ParcelId)>,
    /// Industrial projects signed in the report year (11, three on reclaimed land).
    pub new_projects: Vec<(EnterpriseId, ParcelId)>,
    /// The reclaimed parcels and their former holders.
    pub reclaimed: Vec<(ParcelId, EnterpriseId)>,
    /// Capital increases with land: (firm, new parcel).
    pub capital_increases: Vec<(EnterpriseId, ParcelId)>,
    /// The commercial-residential land tendered in the report year.
    pub tendered: Option<ParcelId>,
    /// The report year's programme of the fund.
    pub programme: Option<ProgrammeId>,
    /// The 18 applications received in the report year.
    pub applications: Vec<ApplicationId>,
    /// The 13 approved in the first batch.
    pub first_batch: Vec<ApplicationId>,
    /// Loans of an earlier programme, overdue and under recovery.
    pub overdue_loans: Vec<ApplicationId>,
    /// The parcel the incubator's buildings (1#–6#厂房) stand on.
    pub incubator: Option<ParcelId>,
    /// The incubator's tenants at year end (7) and those signed to enter (2).
    pub tenants: Vec<EnterpriseId>,
    /// Firms signed to enter the incubator after the year.
    pub future_tenants: Vec<EnterpriseId>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("example dates are valid")
}

fn wan(w: i64) -> Yuan {
    Yuan::from_fen(w * 1_000_000)
}

struct Builder<'w> {
    w: &'w mut Writer,
    next_code: u32,
    next_cert: u32,
    /// Where the next parcel's boundary goes, and the height of the row.
    layout: Layout,
}

/// A plausible layout of the zone's parcels: rectangles of their
/// registered areas laid out in rows along the zone's roads (兴隆路,
/// 广进路, …), in CGCS2000's Gauss-Krüger zone 38 (顺德, about 113.2°E).
#[derive(Default)]
struct Layout {
    x: f64,
    y: f64,
    row_height: f64,
}

impl Layout {
    /// The zone's coordinate system (EPSG:4526, zone 38).
    const CRS: u32 = 4526;
    const ORIGIN: (f64, f64) = (38_418_000.0, 2_523_000.0);
    const ROW_WIDTH: f64 = 2_400.0;
    /// The road between two rows of parcels.
    const ROAD: f64 = 40.0;

    /// The next parcel's outline: a rectangle of `area`, at most 300 m deep.
    fn next(&mut self, area: Mu) -> Outline {
        let m2 = e4(area) as f64 / 15.0;
        let depth = m2.sqrt().min(300.0);
        let width = m2 / depth;
        if self.x > 0.0 && self.x + width > Self::ROW_WIDTH {
            self.y -= self.row_height + Self::ROAD;
            self.x = 0.0;
            self.row_height = 0.0;
        }
        let (x0, y0) = (Self::ORIGIN.0 + self.x, Self::ORIGIN.1 + self.y);
        self.x += width;
        self.row_height = self.row_height.max(depth);
        Outline::points(&[
            (x0, y0),
            (x0 + width, y0),
            (x0 + width, y0 - depth),
            (x0, y0 - depth),
        ])
    }
}

impl Builder<'_> {
    fn firm(&mut self, name: &str, registered: NaiveDate, industry: &str) -> Result<EnterpriseId> {
        self.w.add_enterprise(NewEnterprise {
            registered: Some(registered),
            industry: Some(industry.to_owned()),
            ..NewEnterprise::named(name)
        })
    }

    fn parcel(
        &mut self,
        area: Mu,
        land_use: LandUse,
        requisitioned: NaiveDate,
    ) -> Result<ParcelId> {
        self.next_code += 1;
        let code = format!("GP-{:03}", self.next_code);
        self.w.add_parcel(NewParcel {
            boundary: Some(self.layout.next(area)),
            ..NewParcel::new(code, area, land_use, requisitioned)
        })
    }

    fn certify(&mut self, p: ParcelId, on: NaiveDate) -> Result<()> {
        self.next_cert += 1;
        let number = format!(
            "佛府(顺)国用({})第04{:05}号",
            on.format("%Y"),
            self.next_cert
        );
        self.w.certify(p, on, &number)?;
        // 办证 cost 6,800元 a 亩: 4509亩, "3000多万元".
        let area = self.w.parcel(p)?.area;
        self.w.pay_compensation(
            p,
            on,
            Compensation {
                kind: CompensationKind::Certification,
                payee: "顺德市国土资源局".into(),
                amount: Yuan::from_fen(e4(area) * CERTIFICATION_FEN_PER_UNIT),
                area: None,
                reference: Some(number),
            },
        )?;
        Ok(())
    }

    /// Supplies at 6万元/亩, agreed start six months on, completion two years on.
    fn supply(
        &mut self,
        p: ParcelId,
        holder: EnterpriseId,
        on: NaiveDate,
        area: Mu,
        method: SupplyMethod,
    ) -> Result<()> {
        let price = Yuan::from_fen(e4(area) * 60_000 * Yuan::SCALE / E4_PER_MU);
        self.w.allocate(
            p,
            Allocation {
                holder,
                date: on,
                method,
                price,
                start_by: on.checked_add_months(Months::new(6)),
                complete_by: on.checked_add_months(Months::new(24)),
            },
        )?;
        Ok(())
    }

    /// A signed project: 投资强度 about 150万元/亩.
    fn signed(&mut self, e: EnterpriseId, on: NaiveDate, area: Mu) -> Result<()> {
        let investment = Yuan::from_fen(e4(area) * 1_500_000 * Yuan::SCALE / E4_PER_MU);
        self.w
            .enterprise_signed(e, on, investment, area)
            .map(|_| ())
    }
}

/// Builds the seed's zone and bureau into `db`, which must be new (no
/// unit of work ever committed), in one unit of work.
///
/// # Errors
/// [`crate::Error::Validation`] for a database that holds data; any error
/// of the writes.
pub fn build_seed(db: &Db) -> Result<Seed> {
    if db.last_recorded()?.is_some() {
        return Err(crate::Error::validation(
            "path",
            "the example zone is built into a new, empty database; this one holds data",
        ));
    }
    db.write(|w| {
        let mut b = Builder {
            w,
            next_code: 0,
            next_cert: 0,
            layout: Layout::default(),
        };
        b.w.set_default_crs(Some(crate::geometry::Crs::epsg(Layout::CRS)?))?;
        let mut seed = Seed::default();
        build_zone(&mut b, &mut seed)?;
        build_finance(&mut b, seed.clone())?;
        build_bureau(&mut b, &mut seed)?;
        Ok(seed)
    })
}

fn build_zone(b: &mut Builder<'_>, seed: &mut Seed) -> Result<()> {
    let mut certified = Vec::new();

    // 52 firms in production: requisitioned 2000–2002, supplied and built by 2004.
    let named = [
        "科华电子",
        "启程五金",
        "高平工业水厂",
        "荣辉电子厂",
        "新大禹环保",
    ];
    let trades = [
        ("电子", "C39"),
        ("电镀", "C33"),
        ("纺织", "C17"),
        ("印染", "C17"),
    ];
    for i in 0..52u32 {
        let (trade, industry) = trades[i as usize % 4];
        let name = named
            .get(i as usize)
            .map_or_else(|| format!("高平{trade}厂{i:02}"), |n| (*n).to_string());
        let y = [2000, 2001, 2002][i as usize % 3];
        let e = b.firm(&name, date(y, 1, 10), if i == 2 { "D46" } else { industry })?;
        let area = mu_e4(300_000 + i64::from(i % 7) * 52_500);
        let p = b.parcel(area, LandUse::Industrial, date(y, 2, 1))?;
        b.w.develop(p, date(y, 4, 1))?;
        b.signed(e, date(y, 5, 1), area)?;
        b.supply(p, e, date(y, 6, 1), area, SupplyMethod::Agreement)?;
        b.w.start_construction(p, date(y, 10, 1))?;
        b.w.enterprise_construction_started(e, date(y, 10, 1))?;
        b.w.complete_construction(p, date(y + 2, 3, 1))?;
        b.w.enterprise_in_production(e, date(y + 2, 4, 1))?;
        certified.push((p, area));
        seed.in_production.push((e, p));
    }

    // The three idle parcels: supplied in 2001–2002, never built on.
    let mut idle = Vec::new();
    for (holder, area, y) in [
        ("顺德市励精纺织贸易有限公司", "52.7272", 2001),
        ("林健、林嘉敏", "35.6180", 2002),
        ("黄奋强", "63", 2002),
    ] {
        let e = b.firm(holder, date(y, 1, 5), "C17")?;
        let area: Mu = area.parse()?;
        let p = b.parcel(area, LandUse::Industrial, date(y, 1, 20))?;
        b.w.develop(p, date(y, 3, 1))?;
        b.signed(e, date(y, 4, 1), area)?;
        b.supply(p, e, date(y, 5, 1), area, SupplyMethod::Agreement)?;
        certified.push((p, area));
        idle.push((p, e, area));
    }

    // 8 firms under construction since 2004.
    for i in 0..8u32 {
        let trade = [("五金", "C33"), ("皮革", "C19"), ("汽配", "C36")][i as usize % 3];
        let e = b.firm(
            &format!("高平{}有限公司{i:02}", trade.0),
            date(2004, 2, 1),
            trade.1,
        )?;
        let area = mu_e4(350_000 + i64::from(i) * 25_000);
        let p = b.parcel(area, LandUse::Industrial, date(2003, 6, 1))?;
        b.w.develop(p, date(2003, 9, 1))?;
        b.signed(e, date(2004, 2, 15), area)?;
        b.supply(p, e, date(2004, 3, 1), area, SupplyMethod::Listing)?;
        b.w.start_construction(p, date(2004, 8, 1))?;
        b.w.enterprise_construction_started(e, date(2004, 8, 1))?;
        certified.push((p, area));
        seed.under_construction.push((e, p));
    }

    // From 2005, uncertified land is not developed (一律不填土).
    b.w.set_policy(Policy {
        no_development_without_certificate_from: Some(date(2005, 1, 1)),
        ..b.w.policy()
    })?;

    // 去年年底到现在共办证4509亩: the built and supplied land first.
    for (k, (p, _)) in certified.iter().enumerate() {
        b.certify(*p, date(2005, 1, 10 + (k % 10) as u32))?;
    }

    // Reclaimed in 2005 and resupplied to three of the year's new projects (利用闲置用地招商).
    let newcomers = [
        ("金联化工物流", "G59"),
        ("高平皮革制品", "C19"),
        ("高平汽车零部件", "C36"),
    ];
    for ((p, former, area), (day, (name, industry))) in idle.iter().zip((1..).zip(newcomers)) {
        b.w.reclaim(*p, date(2005, 3, day), "闲置满两年,依法收回")?;
        b.w.enterprise_closed(*former, date(2005, 3, day), "土地被收回")?;
        seed.reclaimed.push((*p, *former));
        let e = b.firm(name, date(2005, 4, 1), industry)?;
        b.signed(e, date(2005, 4, 15), *area)?;
        b.supply(*p, e, date(2005, 5, 1), *area, SupplyMethod::Listing)?;
        b.w.start_construction(*p, date(2005, 10, 1))?;
        b.w.enterprise_construction_started(e, date(2005, 10, 1))?;
        seed.new_projects.push((e, *p));
        seed.under_construction.push((e, *p));
    }

    // Eight new projects on fresh land: certified before development; six started.
    for i in 0..8u32 {
        let e = b.firm(&format!("高平新材料{i:02}"), date(2005, 3, 1), "C30")?;
        let area = mu_e4(300_000 + i64::from(i) * 20_000);
        let p = b.parcel(area, LandUse::Industrial, date(2004, 11, 1))?;
        b.certify(p, date(2005, 2, 1))?;
        b.w.develop(p, date(2005, 3, 1))?;
        b.signed(e, date(2005, 3, 15), area)?;
        b.supply(p, e, date(2005, 4, 1 + i), area, SupplyMethod::Listing)?;
        if i < 6 {
            b.w.start_construction(p, date(2005, 8, 1))?;
            b.w.enterprise_construction_started(e, date(2005, 8, 1))?;
            seed.under_construction.push((e, p));
        }
        certified.push((p, area));
        seed.new_projects.push((e, p));
    }

    // 科华增资40亩、启程增资10亩、工业水厂增资10亩.
    for (k, area) in ["40", "10", "10"].into_iter().enumerate() {
        let area: Mu = area.parse()?;
        let (e, _) = seed.in_production[k];
        let p = b.parcel(area, LandUse::Industrial, date(2004, 12, 1))?;
        b.certify(p, date(2005, 3, 1))?;
        b.w.develop(p, date(2005, 4, 1))?;
        b.supply(p, e, date(2005, 6, 1), area, SupplyMethod::Agreement)?;
        let investment = Yuan::from_fen(e4(area) * 1_500_000 * Yuan::SCALE / E4_PER_MU);
        b.w.capital_increased(e, date(2005, 6, 1), investment, area)?;
        certified.push((p, area));
        seed.capital_increases.push((e, p));
    }

    // 100亩 of commercial-residential land tendered (公开投标).
    let developer = b.firm("高雅商住楼开发", date(2005, 6, 1), "K70")?;
    let area = Mu::from_mu(100)?;
    let p = b.parcel(area, LandUse::CommercialResidential, date(2003, 1, 1))?;
    b.w.develop(p, date(2003, 5, 1))?;
    b.certify(p, date(2005, 5, 1))?;
    b.supply(p, developer, date(2005, 7, 1), area, SupplyMethod::Tender)?;
    certified.push((p, area));
    seed.tendered = Some(p);

    // The reserve: certified land ready for supply, land developed before
    // 2005 without a certificate, and land not yet developed.
    let total_certified = Mu::sum(certified.iter().map(|c| c.1))?;
    let ready = CERTIFIED_MU.parse::<Mu>()?.checked_sub(total_certified)?;
    if !ready.is_positive() {
        return Err(Error::validation(
            "example",
            "certified parcels exceed the seed's 4509亩",
        ));
    }
    let p = b.parcel(ready, LandUse::Industrial, date(2002, 3, 1))?;
    b.w.develop(p, date(2004, 6, 1))?;
    b.certify(p, date(2005, 6, 1))?;
    seed.incubator = Some(p);
    let mut developed = CERTIFIED_MU.parse::<Mu>()?;
    for area in ["900", "800", "750"] {
        let area: Mu = area.parse()?;
        let p = b.parcel(area, LandUse::Industrial, date(2003, 3, 1))?;
        b.w.develop(p, date(2004, 9, 1))?;
        developed = developed.checked_add(area)?;
    }
    let rest = DEVELOPED_MU.parse::<Mu>()?.checked_sub(developed)?;
    let p = b.parcel(rest, LandUse::Logistics, date(2003, 3, 1))?;
    b.w.develop(p, date(2004, 10, 1))?;
    let undeveloped = REQUISITIONED_MU
        .parse::<Mu>()?
        .checked_sub(DEVELOPED_MU.parse::<Mu>()?)?;
    let part = mu_e4(e4(undeveloped) / 4);
    for (k, when) in [
        date(2004, 6, 1),
        date(2004, 9, 1),
        date(2005, 2, 1),
        date(2005, 8, 1),
    ]
    .into_iter()
    .enumerate()
    {
        let area = if k == 3 {
            undeveloped.checked_sub(mu_e4(e4(part) * 3))?
        } else {
            part
        };
        b.parcel(area, LandUse::Industrial, when)?;
    }

    // The year's figures of the firms in production: 生产总值38亿元 in 2005.
    let n = seed.in_production.len() as i64;
    let mut output_left = Yuan::from_yuan(OUTPUT_VALUE_YUAN)?;
    for (k, (e, _)) in seed.in_production.clone().into_iter().enumerate() {
        let k = k as i64;
        let output = if k == n - 1 {
            output_left
        } else {
            Yuan::from_yuan(40_000_000 + (k % 9) * 7_500_000)?
        };
        output_left = output_left.checked_sub(output)?;
        let value_added = output.ratio(25, 100)?;
        b.w.report_year(
            e,
            REPORT_YEAR,
            YearlyFigures {
                output_value: Some(output),
                revenue: Some(output.ratio(95, 100)?),
                tax: Some(output.ratio(4, 100)?),
                value_added: Some(value_added),
                employees: Some(120 + u32::try_from(k % 11).unwrap_or(0) * 35),
                rd: Some(output.ratio(2 + k % 3, 100)?),
                energy_tce: Some(Quantity::from_units(
                    (800 + (k % 5) * 350) * Quantity::SCALE,
                )),
                electricity_kwh: Some(Quantity::from_units(
                    (3_000_000 + (k % 7) * 400_000) * Quantity::SCALE,
                )),
                emissions_t: if k % 10 == 9 {
                    None
                } else {
                    Some(Quantity::from_units((20 + (k % 4) * 6) * Quantity::SCALE))
                },
                above_scale: Some(k % 13 != 12),
                water_m3: Some(Quantity::from_units(
                    (40_000 + (k % 6) * 9_000) * Quantity::SCALE,
                )),
            },
        )?;
    }
    if output_left != Yuan::ZERO {
        return Err(Error::validation(
            "example",
            "output values do not sum to 38亿",
        ));
    }
    Ok(())
}

/// The plans the seed's reports set: the bureau's for the report year
/// (第二批计划项目拟在12月中旬前完成) and the zone's for the next
/// (预计征地500亩,物业建设40000平方; ISO14001 by July).
#[must_use]
pub fn seed_plans() -> Vec<crate::plan::Plan> {
    use crate::plan::{Milestone, Plan, Target};
    vec![
        Plan {
            name: format!("{REPORT_YEAR}年科技工作计划"),
            year: REPORT_YEAR,
            targets: vec![Target {
                name: "第二批计划项目12月中旬前下达".into(),
                figure: "approved_in_batch:第二批".into(),
                goal: 3.0,
                by: Some(date(REPORT_YEAR, 12, 15)),
            }],
            milestones: Vec::new(),
        },
        Plan {
            name: format!("{}年工业区工作计划", REPORT_YEAR + 1),
            year: REPORT_YEAR + 1,
            targets: vec![
                Target {
                    name: "预计征地500亩".into(),
                    figure: "requisitioned_in_year_mu".into(),
                    goal: 500.0,
                    by: None,
                },
                Target {
                    name: "物业建设40000平方".into(),
                    figure: "floor_area_completed_m2".into(),
                    goal: 40_000.0,
                    by: None,
                },
            ],
            milestones: vec![Milestone {
                name: "ISO14001环境管理体系认证".into(),
                by: Some(date(REPORT_YEAR + 1, 7, 31)),
                done: None,
            }],
        },
    ]
}

/// The finance office's receipts, numbered as they are written (收2005-0001).
#[derive(Default)]
struct Vouchers(u32);

impl Vouchers {
    /// Receives `amount` of `charge` on `on`, with the next voucher number.
    fn receive(
        &mut self,
        w: &mut Writer,
        account: Account,
        on: NaiveDate,
        charge: Charge,
        amount: Yuan,
        payer: Option<EnterpriseId>,
    ) -> Result<()> {
        self.0 += 1;
        let payment = Payment {
            charge,
            amount,
            reference: Some(format!("收{}-{:04}", on.format("%Y"), self.0)),
            payer,
            advance: false,
        };
        w.receive_payment(account, on, payment).map(drop)
    }
}

/// The zone's money (财务部加紧了对地款、管理费的追缴工作): land paid for as
/// supplied, six firms' balances and two years of their fees outstanding
/// at the start of 2005 and part collected after notices; the new
/// projects' land in two instalments; idle fees on the three idle parcels;
/// compensation on the land requisitioned in 2005 and four households'
/// land swaps (调地); certificates paid as they were issued (`certify`).
fn build_finance(b: &mut Builder<'_>, seed: Seed) -> Result<()> {
    b.w.set_fee_rate(FeeRate {
        from: date(2002, 1, 1),
        basis: FeeBasis::HeldMu,
        period: FeePeriod::Year,
        amount: Yuan::from_yuan(MANAGEMENT_FEE_PER_MU_YUAN)?,
    })?;
    let mut vouchers = Vouchers::default();
    let price = |b: &Builder<'_>, p: ParcelId| -> Result<(Yuan, NaiveDate)> {
        let parcel = b.w.parcel(p)?;
        let supply = parcel
            .supply
            .ok_or_else(|| Error::validation("example", "a supplied parcel"))?;
        Ok((supply.price, supply.date))
    };
    let notice = |note: &str| Collection {
        charge: Charge::LandPrice,
        action: CollectionAction::Notice,
        note: Some(note.to_owned()),
    };
    // The firms in production: six of them (every ninth) paid 70% of
    // their land and their fees of 2002 only; the others paid in full.
    for (k, (e, p)) in seed.in_production.iter().enumerate() {
        let (full, supplied) = price(b, *p)?;
        let on = supplied + chrono::Days::new(15);
        let laggard = k % 9 == 4;
        let first = if laggard { full.ratio(70, 100)? } else { full };
        vouchers.receive(b.w, Account::Parcel(*p), on, Charge::LandPrice, first, None)?;
        for year in 2003..=2005 {
            let on = date(year, 1, 20);
            let owed = b.w.fees_outstanding(*e, on)?;
            if owed.is_positive() && (!laggard || year == 2003) {
                vouchers.receive(
                    b.w,
                    Account::Enterprise(*e),
                    on,
                    Charge::ManagementFee,
                    owed,
                    None,
                )?;
            }
        }
        if laggard {
            // 追缴 in 2005: a notice, then two thirds of the land balance
            // and half the fees in arrears.
            let on = date(2005, 4, 10);
            b.w.record_collection(Account::Parcel(*p), on, notice("催缴地款"))?;
            b.w.record_collection(
                Account::Enterprise(*e),
                on,
                Collection {
                    charge: Charge::ManagementFee,
                    ..notice("催缴管理费")
                },
            )?;
            let on = date(2005, 6, 15);
            vouchers.receive(
                b.w,
                Account::Parcel(*p),
                on,
                Charge::LandPrice,
                full.ratio(20, 100)?,
                None,
            )?;
            let owed = b.w.fees_outstanding(*e, on)?;
            vouchers.receive(
                b.w,
                Account::Enterprise(*e),
                on,
                Charge::ManagementFee,
                owed.ratio(1, 2)?,
                None,
            )?;
        }
    }
    // The firms building since 2004: half on supply, the rest (or part of
    // it) in 2005; their 2004 fees in January.
    for (i, (e, p)) in seed.under_construction.iter().take(8).enumerate() {
        let (full, supplied) = price(b, *p)?;
        let on = supplied + chrono::Days::new(20);
        vouchers.receive(
            b.w,
            Account::Parcel(*p),
            on,
            Charge::LandPrice,
            full.ratio(50, 100)?,
            None,
        )?;
        let on = date(2005, 3, 20);
        let rest = full.ratio(if i % 2 == 0 { 50 } else { 30 }, 100)?;
        vouchers.receive(b.w, Account::Parcel(*p), on, Charge::LandPrice, rest, None)?;
        let on = date(2005, 1, 20);
        let owed = b.w.fees_outstanding(*e, on)?;
        vouchers.receive(
            b.w,
            Account::Enterprise(*e),
            on,
            Charge::ManagementFee,
            owed,
            None,
        )?;
    }
    // The idle parcels' first holders paid 60%; the reclaim cancelled the
    // rest. Declared idle in 2004 (fee 20% of the price): 励精 paid it, 林健
    // has not, 黄奋强's was waived when the land was taken back.
    for (k, (p, _)) in seed.reclaimed.iter().enumerate() {
        let parcel = b.w.parcel(*p)?;
        let first = parcel
            .debts()
            .first()
            .cloned()
            .ok_or_else(|| Error::validation("example", "an idle parcel was supplied"))?;
        let on = first.created + chrono::Days::new(30);
        vouchers.receive(
            b.w,
            Account::Parcel(*p),
            on,
            Charge::LandPrice,
            first.amount.ratio(60, 100)?,
            Some(first.debtor),
        )?;
        b.w.declare_idle(*p, date(2004, 6, 1), None)?;
        let fee = first.amount.ratio(20, 100)?;
        match k {
            0 => {
                let on = date(2004, 9, 1);
                vouchers.receive(
                    b.w,
                    Account::Parcel(*p),
                    on,
                    Charge::IdleFee,
                    fee,
                    Some(first.debtor),
                )?;
            }
            2 => {
                b.w.write_off_debt(
                    Account::Parcel(*p),
                    date(2005, 3, 3),
                    Charge::IdleFee,
                    None,
                    "土地依法收回,免收闲置费",
                    Some(first.debtor),
                )?;
            }
            _ => {}
        }
    }
    // The year's new projects: half on supply (a schedule of two
    // instalments), the rest due after the year.
    for (e, p) in &seed.new_projects {
        let _ = e;
        let (full, supplied) = price(b, *p)?;
        let half = full.ratio(50, 100)?;
        b.w.schedule_land_payments(
            *p,
            supplied,
            &[
                Instalment {
                    due: supplied,
                    amount: half,
                },
                Instalment {
                    due: date(2006, 4, 30),
                    amount: full.checked_sub(half)?,
                },
            ],
        )?;
        let on = supplied + chrono::Days::new(10);
        vouchers.receive(b.w, Account::Parcel(*p), on, Charge::LandPrice, half, None)?;
    }
    // Capital increases and the tendered land: paid in full.
    let mut paid_in_full: Vec<ParcelId> = seed.capital_increases.iter().map(|c| c.1).collect();
    paid_in_full.extend(seed.tendered);
    for p in paid_in_full {
        let (full, supplied) = price(b, p)?;
        let on = supplied + chrono::Days::new(19);
        vouchers.receive(b.w, Account::Parcel(p), on, Charge::LandPrice, full, None)?;
    }
    // Land requisitioned in 2005: 土地补偿费 and 安置补助费 to the village;
    // four households' plots swapped (调地) with their attachments paid for.
    let all = b.w.records::<crate::land::Parcel>()?;
    for parcel in all
        .iter()
        .filter(|p| p.requisitioned.format("%Y").to_string() == "2005")
    {
        for (kind, per_mu) in [
            (CompensationKind::Land, 15_000),
            (CompensationKind::Resettlement, 8_000),
        ] {
            b.w.pay_compensation(
                parcel.id,
                parcel.requisitioned,
                Compensation {
                    kind,
                    payee: "高平村民委员会".into(),
                    amount: Yuan::from_fen(e4(parcel.area) * per_mu * Yuan::SCALE / E4_PER_MU),
                    area: None,
                    reference: None,
                },
            )?;
        }
    }
    let swapped = all
        .iter()
        .find(|p| p.requisitioned == date(2005, 2, 1) && p.holder.is_none())
        .map(|p| p.id)
        .ok_or_else(|| Error::validation("example", "land requisitioned in 2005"))?;
    for (k, (household, area, yuan)) in [
        ("林某户", "1.2", 36_000),
        ("黄某户", "2.5", 80_000),
        ("陈某户", "0.8", 24_000),
        ("梁某户", "1.6", 52_000),
    ]
    .into_iter()
    .enumerate()
    {
        b.w.pay_compensation(
            swapped,
            date(2005, 5, 10 + k as u32),
            Compensation {
                kind: CompensationKind::Swap,
                payee: household.into(),
                amount: Yuan::from_yuan(yuan)?,
                area: Some(area.parse()?),
                reference: Some(format!("调地协议{}", k + 1)),
            },
        )?;
    }
    Ok(())
}

fn build_bureau(b: &mut Builder<'_>, seed: &mut Seed) -> Result<()> {
    // Loans of an earlier programme, fallen due in 2004 and unpaid.
    let old =
        b.w.add_programme("2002年度科技三项费用", 2002, wan(800), date(2002, 1, 5))?;
    for (name, loan, due) in [
        ("海沧精细化工", 150, date(2004, 6, 30)),
        ("海沧生物饲料", 100, date(2004, 12, 31)),
    ] {
        let e = b.firm(name, date(2001, 6, 1), "C26")?;
        let a = b.w.apply(
            old,
            e,
            &format!("{name}技术改造"),
            date(2002, 3, 1),
            wan(loan),
            Some("医药化工"),
        )?;
        b.w.approve(
            a,
            date(2002, 6, 1),
            Award {
                batch: "第一批".into(),
                loan: wan(loan),
                repay_by: Some(due),
                ..Award::default()
            },
        )?;
        b.w.disburse(a, date(2002, 7, 1), wan(loan), AwardKind::Loan)?;
        seed.overdue_loans.push(a);
    }
    // 经过积极追讨,今年共回收科技三项费用110万元; the rest is before the court.
    b.w.recover(
        seed.overdue_loans[0],
        date(2005, 5, 20),
        wan(80),
        RecoveryVia::Demand,
    )?;
    b.w.recover(
        seed.overdue_loans[1],
        date(2005, 11, 8),
        wan(30),
        RecoveryVia::Court,
    )?;

    // 今年区财政拨款1314万元作为科技三项费用经费.
    let programme = b.w.add_programme(
        "2005年度科技三项费用",
        REPORT_YEAR,
        Yuan::from_yuan(PROGRAMME_BUDGET_YUAN)?,
        date(2005, 1, 5),
    )?;
    seed.programme = Some(programme);

    // 上半年共受理了18项科技计划项目.
    let applicants = [
        ("海投科技创业中心", "M75", "科创中心建设", "科创中心"),
        ("迈克制药", "C27", "新型抗抑郁药物产业化", "医药化工"),
        ("通士达照明", "C38", "半导体照明灯具开发", "电子信息"),
        ("尚明达机电", "C38", "机电一体化控制系统", "机械电子"),
        ("英科新创", "C27", "SARS病毒核酸检测试剂盒", "医药化工"),
        ("海沧观光农业", "A01", "观光农业示范", "农业生态"),
        ("海沧港口物流", "G59", "港口物流信息平台", "港口物流"),
        ("海沧新材料", "C30", "新型建材研发", "新材料"),
        ("海沧精密模具", "C35", "精密模具数控加工", "机械电子"),
        ("海沧环保科技", "N77", "工业废水处理", "社会发展"),
        ("海沧生物医药", "C27", "生物制药中试", "医药化工"),
        ("海沧电子信息", "C39", "电子元器件自动化", "电子信息"),
        ("海沧化工助剂", "C26", "化工助剂清洁生产", "医药化工"),
        ("海沧水产养殖", "A04", "水产健康养殖", "农业生态"),
        ("海沧软件", "I65", "企业管理软件", "电子信息"),
        ("海沧汽车电子", "C36", "车载电子控制器", "机械电子"),
        ("海沧食品", "C14", "食品保鲜技术", "农业生态"),
        ("海沧医疗器械", "C35", "医疗器械研发", "医药化工"),
    ];
    for (k, (name, industry, title, field)) in applicants.iter().enumerate() {
        let e = b.w.add_enterprise(NewEnterprise {
            registered: Some(date(2003, 1, 1)),
            industry: Some((*industry).to_owned()),
            high_tech: k % 3 != 2,
            ..NewEnterprise::named(*name)
        })?;
        let requested = if k == 0 {
            wan(450)
        } else {
            wan(20 + (k as i64 % 6) * 15)
        };
        let received = date(2005, 1 + (k as u32 % 6), 5 + k as u32);
        let a =
            b.w.apply(programme, e, title, received, requested, Some(field))?;
        b.w.review(
            a,
            date(2005, 7, 20),
            &[
                70 + (k as u32 * 7) % 25,
                75 + (k as u32 * 3) % 20,
                68 + (k as u32 * 5) % 30,
            ],
        )?;
        seed.applications.push(a);
    }

    // 9月份下达了今年第一批13个项目,共计891.5万元,其中无偿资助411.5万元,贷款贴息480万元.
    let approved_on = date(2005, 9, 15);
    let grants: [(usize, Yuan); 5] = [
        (0, wan(400)),
        (1, wan(3)),
        (2, wan(3)),
        (3, wan(3)),
        (4, Yuan::from_fen(2_500_000)),
    ];
    for (k, grant) in grants {
        let a = seed.applications[k];
        b.w.approve(
            a,
            approved_on,
            Award {
                batch: "第一批".into(),
                grant,
                ..Award::default()
            },
        )?;
        b.w.disburse(a, date(2005, 10, 10), grant, AwardKind::Grant)?;
        seed.first_batch.push(a);
    }
    for k in 5..13 {
        let a = seed.applications[k];
        b.w.approve(
            a,
            approved_on,
            Award {
                batch: "第一批".into(),
                interest_subsidy: wan(60),
                ..Award::default()
            },
        )?;
        b.w.disburse(a, date(2005, 12, 1), wan(30), AwardKind::InterestSubsidy)?;
        seed.first_batch.push(a);
    }
    // Two rejected; three wait for the second batch (拟在12月中旬前完成).
    b.w.reject(seed.applications[13], date(2005, 9, 15), "评审未通过")?;
    b.w.reject(seed.applications[14], date(2005, 9, 15), "不符合申报条件")?;

    // 1#、2#厂房6月份已投入使用,3#、4#厂房已全面封顶,5#、6#厂房正进行前期
    // 准备工作,预计12月投入使用.
    let site = seed
        .incubator
        .ok_or_else(|| Error::validation("example", "the incubator's parcel"))?;
    for (code, floor, lettable) in [
        ("1#", 16_000, 15_000),
        ("2#", 10_000, 9_000),
        ("3#", 8_000, 7_500),
        ("4#", 8_000, 7_500),
        ("5#", 6_000, 5_500),
        ("6#", 6_000, 5_500),
    ] {
        let m2 = |n: i64| Quantity::from_units(n * Quantity::SCALE);
        b.w.register_building(
            site,
            date(2004, 5, 1),
            BuildingSpec {
                code: code.into(),
                name: Some(format!("科创中心{code}厂房")),
                use_: BuildingUse::Factory,
                floor_area_m2: m2(floor),
                lettable_m2: m2(lettable),
                footprint_m2: Some(m2(floor / 4)),
            },
        )?;
        let stages: &[(BuildingStage, NaiveDate)] = match code {
            "1#" | "2#" => &[
                (BuildingStage::UnderConstruction, date(2004, 6, 1)),
                (BuildingStage::ToppedOut, date(2004, 12, 1)),
                (BuildingStage::Completed, date(2005, 5, 15)),
                (BuildingStage::InUse, date(2005, 6, 1)),
            ],
            "3#" | "4#" => &[
                (BuildingStage::UnderConstruction, date(2005, 3, 1)),
                (BuildingStage::ToppedOut, date(2005, 10, 15)),
            ],
            _ => &[(BuildingStage::Preparation, date(2005, 9, 1))],
        };
        for (stage, on) in stages {
            b.w.reach_building_stage(code, *on, *stage)?;
        }
        let planned = match code {
            "3#" | "4#" => Some(date(2006, 3, 31)),
            "5#" | "6#" => Some(date(2005, 12, 31)),
            _ => None,
        };
        if let Some(by) = planned {
            b.w.plan_building_stage(code, date(2005, 9, 1), BuildingStage::InUse, by)?;
        }
    }

    // 凯弗隆、迪尔康等7家企业进驻,另有两家签订入驻协议,共完成厂房租赁面积约21587㎡.
    let tenants = [
        "凯弗隆(厦门)科技有限公司",
        "迪尔康科技有限公司",
        "科创中心光电",
        "科创中心软件",
        "科创中心生物",
        "科创中心精密",
        "科创中心新能源",
    ];
    let areas = [4200, 3800, 3100, 2900, 2700, 2600];
    let last = LEASED_M2 - areas.iter().sum::<i64>();
    for (k, name) in tenants.iter().enumerate() {
        let e = b.firm(name, date(2005, 5, 1), "M73")?;
        let m2 = areas.get(k).copied().unwrap_or(last);
        let building = if k < 4 { "1#" } else { "2#" };
        b.w.lease(
            e,
            building,
            Some(&format!("{}0{}", k % 4 + 1, k)),
            Quantity::from_units(m2 * Quantity::SCALE),
            date(2005, 6, 15 + k as u32),
            None,
        )?;
        seed.tenants.push(e);
    }
    for name in ["科创中心微电子", "科创中心医药研发"] {
        let e = b.firm(name, date(2005, 11, 1), "M73")?;
        b.w.lease(
            e,
            "3#",
            None,
            Quantity::from_units(1500 * Quantity::SCALE),
            date(2006, 1, 15),
            None,
        )?;
        seed.future_tenants.push(e);
    }
    build_records(b, seed)
}

/// The firms' records the reports name: the two 骨干企业 of the semiconductor
/// lighting base, 迈克制药's new-drug certificate, the two 科学技术奖, the
/// zone's acid spill (荣辉电子厂, 6吨浓硫酸, 5 hours, no one hurt), the
/// villagers' complaint about the rivers and the 18 night checks
/// (突击检查) that found its source.
fn build_records(b: &mut Builder<'_>, seed: &Seed) -> Result<()> {
    let bureau = |k: usize| -> Result<EnterpriseId> {
        seed.applications
            .get(k)
            .map(|a| {
                b.w.load::<crate::fund::Application>(a.0)?
                    .map(|a| a.applicant)
                    .ok_or_else(|| Error::validation("example", "the bureau's applicants"))
            })
            .ok_or_else(|| Error::validation("example", "the bureau's applicants"))?
    };
    let (maike, tongshida, shangmingda, yingke) = (bureau(1)?, bureau(2)?, bureau(3)?, bureau(4)?);
    for (firm, number) in [(tongshida, "骨干-01"), (shangmingda, "骨干-02")] {
        b.w.qualify(
            firm,
            date(2005, 6, 20),
            Qualification {
                kind: QualificationKind::Backbone,
                number: Some(number.into()),
                programme: Some("厦门国家半导体照明工程产业化基地".into()),
                valid_until: None,
            },
        )?;
    }
    b.w.qualify(
        maike,
        date(2005, 2, 18),
        Qualification {
            kind: QualificationKind::NewDrug,
            number: None,
            programme: Some("迈克伟(西酞普兰片)".into()),
            valid_until: None,
        },
    )?;
    let haitou = b.firm("海投房地产", date(2003, 1, 1), "K70")?;
    for (firm, class, project, co_winners) in [
        (
            yingke,
            "二等奖",
            "SARS病毒荧光PCR核酸检测试剂盒",
            vec!["合作单位甲".to_owned(), "合作单位乙".to_owned()],
        ),
        (haitou, "三等奖", "高品质健康住宅浪琴湾工程开发", Vec::new()),
    ] {
        b.w.honour(
            firm,
            date(2005, 4, 20),
            Honour {
                award: "科学技术奖".into(),
                level: HonourLevel::Municipal,
                class: class.into(),
                year: 2004,
                project: Some(project.into()),
                co_winners,
            },
        )?;
    }
    let (ronghui, _) = seed.in_production[3];
    b.w.record_incident(
        ronghui,
        date(2005, 3, 12),
        Incident {
            domain: Domain::Environment,
            kind: "浓硫酸外泄".into(),
            quantity_t: Some(Quantity::from_units(6 * Quantity::SCALE)),
            casualties: 0,
            response_hours: Some(Quantity::from_units(5 * Quantity::SCALE)),
            outcome: Some("应急小组处置,未伤一人,未污染周边环境".into()),
        },
    )?;
    // The dyeing works upstream (印染: every fourth firm from the fourth).
    let dyers: Vec<EnterpriseId> = seed
        .in_production
        .iter()
        .skip(3)
        .step_by(4)
        .take(6)
        .map(|x| x.0)
        .collect();
    let source = dyers[0];
    b.w.record_complaint(
        source,
        date(2005, 2, 3),
        Complaint {
            domain: Domain::Environment,
            subject: "高沙河、石基河上游河水水质".into(),
            source: Some("上游养殖户".into()),
        },
    )?;
    for k in 0..18u32 {
        let firm = dyers[k as usize % dyers.len()];
        let found = firm == source && k == 0;
        b.w.record_inspection(
            firm,
            date(2005, 2 + k / 10, 5 + (k % 10) * 2),
            Inspection {
                domain: Domain::Environment,
                surprise: true,
                findings: found.then(|| "夜间偷排印染废水".to_owned()),
                rectify_by: found.then(|| date(2005, 3, 31)),
            },
        )?;
    }
    b.w.rectify(source, date(2005, 3, 25), 0, Some("加装在线监测"))?;
    b.w.resolve_complaint(source, date(2005, 3, 31), 0, "查清污染源头,矛盾基本解决")?;
    Ok(())
}
