//! The example zone of the seed document: an industrial zone's land ledger
//! as events, whose derived figures equal the ones its annual work report
//! gives (征地10100亩, 开发用地近8000亩, 已办证4509亩, three idle parcels
//! reclaimed — 52.7272, 35.6180 and 63亩 — and resupplied, 100亩 of
//! commercial-residential land tendered, 科华增资40亩 …).
//!
//! The report year is 2005. Figures the report gives are reproduced
//! exactly; the rest (individual parcel areas, dates, names beyond those the
//! report names) are made up, deterministically.

use chrono::NaiveDate;

use crate::db::{Db, Policy};
use crate::enterprise::{EnterpriseId, NewEnterprise};
use crate::error::{Error, Result};
use crate::land::{LandUse, ParcelId, SupplyMethod};
use crate::units::{Mu, Yuan};
use crate::writer::{Allocation, NewParcel, Writer};

/// The year the example's annual report covers.
pub const REPORT_YEAR: i32 = 2005;

/// The land ledger's totals the seed reports, in 亩.
pub const REQUISITIONED_MU: &str = "10100";
/// 开发用地近8000亩.
pub const DEVELOPED_MU: &str = "7960";
/// 已办国有土地使用证4509亩.
pub const CERTIFIED_MU: &str = "4509";

/// Handles into the example, for tests and tours.
#[derive(Debug, Clone, Default)]
pub struct SeedZone {
    /// Firms in production at the end of the report year, with their parcels.
    pub in_production: Vec<(EnterpriseId, ParcelId)>,
    /// Firms under construction at the end of the report year.
    pub under_construction: Vec<(EnterpriseId, ParcelId)>,
    /// Industrial projects signed in the report year (11, three on reclaimed land).
    pub new_projects: Vec<(EnterpriseId, ParcelId)>,
    /// The reclaimed parcels: (code, former holder).
    pub reclaimed: Vec<(ParcelId, EnterpriseId)>,
    /// Capital increases with land: (firm, new parcel).
    pub capital_increases: Vec<(EnterpriseId, ParcelId)>,
    /// The commercial-residential land tendered in the report year.
    pub tendered: Option<ParcelId>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("example dates are valid")
}

fn units(mu_e4: i64) -> Mu {
    Mu::from_units(mu_e4)
}

struct Builder<'w> {
    w: &'w mut Writer,
    next_code: u32,
}

impl Builder<'_> {
    fn firm(&mut self, name: &str, registered: NaiveDate) -> Result<EnterpriseId> {
        self.w.add_enterprise(NewEnterprise {
            registered: Some(registered),
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
        self.w
            .add_parcel(NewParcel::new(code, area, land_use, requisitioned))
    }

    fn supply(
        &mut self,
        p: ParcelId,
        holder: EnterpriseId,
        on: NaiveDate,
        area: Mu,
        method: SupplyMethod,
    ) -> Result<()> {
        // 6万元/亩, agreed start six months after supply.
        let price = Yuan::from_fen(area.units() * 60_000 * Yuan::SCALE / Mu::SCALE);
        self.w.allocate(
            p,
            Allocation {
                holder,
                date: on,
                method,
                price,
                start_by: on.checked_add_months(chrono::Months::new(6)),
                complete_by: on.checked_add_months(chrono::Months::new(24)),
            },
        )?;
        Ok(())
    }
}

/// Builds the seed's zone into `db` (which should be empty) in one unit of work.
///
/// # Errors
/// Any error of the writes (for instance, codes already taken).
pub fn build_seed_zone(db: &Db) -> Result<SeedZone> {
    db.write(|w| {
        let mut b = Builder { w, next_code: 0 };
        let mut zone = SeedZone::default();
        let mut certified = Vec::new();
        let mut developed_only = Vec::new();
        let cert_no = |n: u32, y: i32| format!("佛府(顺)国用({y})第04{n:05}号");

        // 52 firms in production: requisitioned 2000–2002, supplied and built by 2004.
        let named = [
            "科华电子",
            "启程五金",
            "高平工业水厂",
            "荣辉电子厂",
            "新大禹环保",
        ];
        for i in 0..52u32 {
            let name = named.get(i as usize).map_or_else(
                || {
                    format!(
                        "高平{}厂{:02}",
                        ["电子", "电镀", "纺织", "印染"][i as usize % 4],
                        i
                    )
                },
                |n| (*n).to_string(),
            );
            let y = [2000, 2001, 2002][i as usize % 3];
            let e = b.firm(&name, date(y, 1, 10))?;
            let area = units(300_000 + i64::from(i % 7) * 52_500);
            let p = b.parcel(area, LandUse::Industrial, date(y, 2, 1))?;
            b.w.develop(p, date(y, 4, 1))?;
            b.supply(p, e, date(y, 6, 1), area, SupplyMethod::Agreement)?;
            b.w.start_construction(p, date(y, 10, 1))?;
            b.w.complete_construction(p, date(y + 2, 3, 1))?;
            certified.push((p, area));
            zone.in_production.push((e, p));
        }

        // The three idle parcels, supplied in 2001–2002 and never built on.
        let mut reclaimed = Vec::new();
        for (holder, area, y) in [
            ("顺德市励精纺织贸易有限公司", "52.7272", 2001),
            ("林健、林嘉敏", "35.6180", 2002),
            ("黄奋强", "63", 2002),
        ] {
            let e = b.firm(holder, date(y, 1, 5))?;
            let area: Mu = area.parse()?;
            let p = b.parcel(area, LandUse::Industrial, date(y, 1, 20))?;
            b.w.develop(p, date(y, 3, 1))?;
            b.supply(p, e, date(y, 5, 1), area, SupplyMethod::Agreement)?;
            certified.push((p, area));
            reclaimed.push((p, e, area));
        }

        // 8 firms under construction since 2004, supplied in 2004.
        for i in 0..8u32 {
            let e = b.firm(
                &format!(
                    "高平{}有限公司{:02}",
                    ["五金", "皮革", "汽配"][i as usize % 3],
                    i
                ),
                date(2004, 2, 1),
            )?;
            let area = units(350_000 + i64::from(i) * 25_000);
            let p = b.parcel(area, LandUse::Industrial, date(2003, 6, 1))?;
            b.w.develop(p, date(2003, 9, 1))?;
            b.supply(p, e, date(2004, 3, 1), area, SupplyMethod::Listing)?;
            b.w.start_construction(p, date(2004, 8, 1))?;
            certified.push((p, area));
            zone.under_construction.push((e, p));
        }

        // From 2005, uncertified land is not developed (一律不填土).
        b.w.set_policy(Policy {
            no_development_without_certificate_from: Some(date(2005, 1, 1)),
        })?;

        // Certification of 2005 (去年年底到现在共办证4509亩).
        let mut n = 0;
        for (p, _) in &certified {
            n += 1;
            b.w.certify(*p, date(2005, 1, 15 + n % 10), &cert_no(n, 2005))?;
        }

        // Reclaimed in 2005 and resupplied to three of the year's new projects.
        for ((p, former, area), day) in reclaimed.iter().zip(1..) {
            let k = day as usize - 1;
            b.w.reclaim(*p, date(2005, 3, day), "闲置满两年,依法收回")?;
            zone.reclaimed.push((*p, *former));
            let e = b.firm(
                ["金联化工物流", "高平皮革制品", "高平汽车零部件"][k],
                date(2005, 4, 1),
            )?;
            b.supply(*p, e, date(2005, 5, 1), *area, SupplyMethod::Listing)?;
            b.w.start_construction(*p, date(2005, 10, 1))?;
            zone.new_projects.push((e, *p));
            zone.under_construction.push((e, *p));
        }

        // Eight new projects on fresh land: certified before development, six started.
        for i in 0..8u32 {
            let e = b.firm(&format!("高平新材料{i:02}"), date(2005, 3, 1))?;
            let area = units(300_000 + i64::from(i) * 20_000);
            let p = b.parcel(area, LandUse::Industrial, date(2004, 11, 1))?;
            n += 1;
            b.w.certify(p, date(2005, 2, 1), &cert_no(n, 2005))?;
            b.w.develop(p, date(2005, 3, 1))?;
            b.supply(p, e, date(2005, 4, 1 + i), area, SupplyMethod::Listing)?;
            if i < 6 {
                b.w.start_construction(p, date(2005, 8, 1))?;
                zone.under_construction.push((e, p));
            }
            certified.push((p, area));
            zone.new_projects.push((e, p));
        }

        // Capital increases with land: 科华增资40亩、启程增资10亩、工业水厂增资10亩.
        for (k, area) in ["40", "10", "10"].into_iter().enumerate() {
            let area: Mu = area.parse()?;
            let (e, _) = zone.in_production[k];
            let p = b.parcel(area, LandUse::Industrial, date(2004, 12, 1))?;
            n += 1;
            b.w.certify(p, date(2005, 3, 1), &cert_no(n, 2005))?;
            b.w.develop(p, date(2005, 4, 1))?;
            b.supply(p, e, date(2005, 6, 1), area, SupplyMethod::Agreement)?;
            certified.push((p, area));
            zone.capital_increases.push((e, p));
        }

        // 100亩 of commercial-residential land tendered (公开投标).
        let developer = b.firm("高雅商住楼开发", date(2005, 6, 1))?;
        let area = Mu::from_mu(100)?;
        let p = b.parcel(area, LandUse::CommercialResidential, date(2003, 1, 1))?;
        b.w.develop(p, date(2003, 5, 1))?;
        n += 1;
        b.w.certify(p, date(2005, 5, 1), &cert_no(n, 2005))?;
        b.supply(p, developer, date(2005, 7, 1), area, SupplyMethod::Tender)?;
        certified.push((p, area));
        zone.tendered = Some(p);

        // The reserve: certified land ready for supply, then land developed
        // before 2005 without a certificate, then land not yet developed.
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
        n += 1;
        b.w.certify(p, date(2005, 6, 1), &cert_no(n, 2005))?;
        let mut developed = CERTIFIED_MU.parse::<Mu>()?;
        for area in ["900", "800", "750"] {
            let area: Mu = area.parse()?;
            let p = b.parcel(area, LandUse::Industrial, date(2003, 3, 1))?;
            b.w.develop(p, date(2004, 9, 1))?;
            developed = developed.checked_add(area)?;
            developed_only.push(p);
        }
        let rest = DEVELOPED_MU.parse::<Mu>()?.checked_sub(developed)?;
        let p = b.parcel(rest, LandUse::Logistics, date(2003, 3, 1))?;
        b.w.develop(p, date(2004, 10, 1))?;
        let undeveloped = REQUISITIONED_MU
            .parse::<Mu>()?
            .checked_sub(DEVELOPED_MU.parse::<Mu>()?)?;
        let part = Mu::from_units(undeveloped.units() / 4);
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
                undeveloped.checked_sub(Mu::from_units(part.units() * 3))?
            } else {
                part
            };
            b.parcel(area, LandUse::Industrial, when)?;
        }
        Ok(zone)
    })
}
