//! Evaluations, assessments and the annual report: the reads that gather
//! several ledgers.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::compliance::{HonourLevel, QualificationKind};
use crate::enterprise::{Enterprise, EnterpriseId, EnterpriseStatus};
use crate::error::{Error, Result};
use crate::fund::{Application, AwardKind, ByKind};
use crate::indicators::{with_leased, zone_rates, EnterpriseYear, Indicator, Metric, ZoneRates};
use crate::inefficient::{InefficientKind, InefficientParcel, Rules};
use crate::land::{LandUse, Parcel, SupplyMethod};
use crate::money::{Charge, FinanceFigures};
use crate::scheme::{
    Assessment, Candidate, Candidates, Evaluation, Scheme, Scores, TargetFramework, Unfit,
};
use crate::storage::keys;
use crate::units::{Mu, Quantity, Yuan};
use crate::view::{ApplicationFilter, RegisterYear, View};

pub(crate) fn year_end(year: i32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| Error::validation("year", format!("{year} is not a year")))
}

/// Adds what the evaluation needs of a firm in a year to `to`: its
/// indicators among the candidates' metrics, or why it cannot be evaluated
/// (closed, on `closed_on` if known, or without figures). Evaluations of
/// one database and of a dataset of parks both make their candidates here.
pub(crate) fn push_candidate(
    to: &mut Candidates,
    id: EnterpriseId,
    name: &str,
    closed: bool,
    closed_on: Option<NaiveDate>,
    ey: &EnterpriseYear<'_>,
) {
    let unfit = if closed {
        Some(Unfit::Closed(closed_on))
    } else if ey.figures.is_none() {
        Some(Unfit::NoFigures(ey.year))
    } else {
        None
    };
    to.push(
        id,
        name,
        ey.land,
        ey.figures.and_then(|f| f.above_scale),
        unfit,
        |m| ey.derive(m),
    );
}

/// The land each firm holds, summed by holder id.
enum Held {
    /// By id, for ids up to a few times the number of firms.
    Dense(Vec<Mu>),
    Sparse(HashMap<u64, Mu, foldhash::fast::RandomState>),
}

impl Held {
    fn new(top: u64, firms: usize) -> Held {
        match usize::try_from(top) {
            Ok(top) if top <= firms.saturating_mul(4).saturating_add(1 << 16) => {
                Held::Dense(vec![Mu::ZERO; top + 1])
            }
            _ => Held::Sparse(HashMap::default()),
        }
    }

    /// Adds `area` to `holder`'s (ids beyond the dense range are no firm's).
    fn add(&mut self, holder: u64, area: Mu) -> Result<()> {
        let sum = match self {
            Held::Dense(v) => match usize::try_from(holder).ok().and_then(|h| v.get_mut(h)) {
                Some(sum) => sum,
                None => return Ok(()),
            },
            Held::Sparse(m) => m.entry(holder).or_insert(Mu::ZERO),
        };
        *sum = sum.checked_add(area)?;
        Ok(())
    }

    fn get(&self, holder: u64) -> Mu {
        match self {
            Held::Dense(v) => usize::try_from(holder).ok().and_then(|h| v.get(h)).copied(),
            Held::Sparse(m) => m.get(&holder).copied(),
        }
        .unwrap_or(Mu::ZERO)
    }
}

/// A reclaimed parcel, as the annual report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReclaimedParcel {
    /// 地块编号.
    pub code: String,
    /// Its area.
    pub area: Mu,
    /// Who held it until then.
    pub former_holder: String,
    /// The day it was reclaimed.
    pub date: NaiveDate,
}

/// The totals of one approval batch in the report year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchFigures {
    /// How many applications the batch approved.
    pub count: u64,
    /// What it awarded, all kinds together.
    pub total: Yuan,
    /// What it awarded, by kind.
    pub awarded: ByKind,
}

/// Every figure of the two work reports, derived from the ledgers.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualReport {
    /// The year reported.
    pub year: i32,
    /// The day the figures are of: the year's last, or for a year not over
    /// (or a view of an earlier date) the view's date. The text says it.
    pub as_of: NaiveDate,
    // land at year end
    /// 累计征地: land requisitioned by the year's end.
    pub requisitioned_mu: Mu,
    /// 累计开发: land developed by the year's end.
    pub developed_mu: Mu,
    /// 累计办证: land certified by the year's end.
    pub certified_mu: Mu,
    /// 累计供地: land supplied by the year's end.
    pub supplied_mu: Mu,
    /// 闲置: land idle at the year's end.
    pub idle_mu: Mu,
    // land in the year
    /// Land requisitioned in the year.
    pub requisitioned_in_year_mu: Mu,
    /// Land developed in the year.
    pub developed_in_year_mu: Mu,
    /// Land certified in the year.
    pub certified_in_year_mu: Mu,
    /// The parcels reclaimed in the year.
    pub reclaimed: Vec<ReclaimedParcel>,
    /// Land reclaimed in the year.
    pub reclaimed_in_year_mu: Mu,
    /// Commercial and commercial-residential land supplied by tender, auction or listing in the year.
    pub commercial_tendered_mu: Mu,
    /// How many such parcels.
    pub commercial_tendered_count: u64,
    /// 供地率: land supplied over land requisitioned, if any was.
    pub supply_rate: Option<f64>,
    /// 建成率: land built on over land supplied, if any was.
    pub built_rate: Option<f64>,
    // enterprises
    /// Projects signed (签约) in the year.
    pub projects_signed: u64,
    /// Signed in the year and supplied with a parcel that had been reclaimed.
    pub projects_on_reclaimed_land: u64,
    /// Capital increases (增资) in the year.
    pub capital_increases: u64,
    /// Land they added.
    pub capital_increase_land_mu: Mu,
    /// Investment they added.
    pub capital_increase_yuan: Yuan,
    /// Firms in production at the year's end.
    pub in_production: u64,
    /// Firms under construction at the year's end.
    pub under_construction: u64,
    /// Output value (产值) reported for the year.
    pub output_value_yuan: Yuan,
    /// Tax (税收) reported for the year.
    pub tax_yuan: Yuan,
    // fund
    /// Applications received (受理) in the year.
    pub applications_received: u64,
    /// Batch → totals, for approvals dated in the year.
    pub approved_by_batch: BTreeMap<String, BatchFigures>,
    /// Paid out (拨付) in the year.
    pub disbursed_yuan: Yuan,
    /// Paid out in the year, by kind.
    pub disbursed_by_kind: ByKind,
    /// Loans repaid in the year.
    pub repaid_yuan: Yuan,
    /// Recovered (追讨) in the year.
    pub recovered_yuan: Yuan,
    /// Loans overdue at the year's end.
    pub overdue_yuan: Yuan,
    /// How many loans are overdue at the year's end.
    pub overdue_count: u64,
    // incubator
    /// Tenants in the incubator at the year's end.
    pub tenants: u64,
    /// Space they lease, m².
    pub leased_m2: Quantity,
    /// Firms whose tenancy starts after the year: signed to enter.
    pub tenants_signed: u64,
    /// Inefficient land (低效用地) at year end by kind, under the default
    /// [`Rules`] and without an evaluation (so no 投而未达标): the kinds
    /// found, in the province's order.
    pub inefficient: Vec<InefficientFigures>,
    // finance
    /// The year's money (财务): 地款, 闲置费 and 管理费 collected in the year
    /// and outstanding at its end, and what the zone paid for land.
    pub finance: FinanceFigures,
    /// What the zone paid for its land up to the year's end (征地补偿, 调地,
    /// 办证费).
    pub land_cost_yuan: Yuan,
    // qualifications, honours, compliance
    /// Firms that are high-tech enterprises at the year's end.
    pub high_tech_firms: u64,
    /// Qualifications awarded in the year, by kind (the kinds awarded).
    pub qualified_in_year: Vec<(QualificationKind, u64)>,
    /// Honours given in the year: (level, award, class, count).
    pub honours_in_year: Vec<(HonourLevel, String, String, u64)>,
    /// Inspections in the year.
    pub inspections_in_year: u64,
    /// Of which surprise (突击) inspections.
    pub surprise_inspections_in_year: u64,
    /// Incidents (事故) in the year.
    pub incidents_in_year: u64,
    /// Casualties in them.
    pub casualties_in_year: u64,
    /// Complaints (投诉) in the year.
    pub complaints_in_year: u64,
    /// Inspections awaiting rectification and complaints unresolved at
    /// the year's end.
    pub open_compliance_items: u64,
    // buildings
    /// Floor area of the buildings completed in the year (物业建设), m².
    pub floor_area_completed_m2: Quantity,
    /// The buildings register at the year's end: stage, leased area,
    /// tenants.
    pub buildings: Vec<crate::view::BuildingRow>,
}

/// Inefficient land of one kind: how many parcels, how much land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InefficientFigures {
    /// The kind (批而未供, 供而未用…).
    pub kind: InefficientKind,
    /// How many parcels.
    pub parcels: u64,
    /// Their area.
    pub area: Mu,
}

/// Parcels of inefficient land summed per kind, in the kinds' order.
///
/// # Errors
/// [`Error::Validation`] on an overflowing area.
pub fn inefficient_figures(found: &[InefficientParcel]) -> Result<Vec<InefficientFigures>> {
    let mut out: Vec<InefficientFigures> = Vec::new();
    for kind in InefficientKind::ALL {
        let of_kind: Vec<&InefficientParcel> = found.iter().filter(|p| p.kind == *kind).collect();
        if !of_kind.is_empty() {
            out.push(InefficientFigures {
                kind: *kind,
                parcels: of_kind.len() as u64,
                area: Mu::sum(of_kind.iter().map(|p| p.area))?,
            });
        }
    }
    Ok(out)
}

/// Money as the report prints it: 万元 to at most four places.
fn wan(y: Yuan) -> String {
    y.report_wan()
}

impl AnnualReport {
    /// The report's areas by field name (亩), in order: the one list the
    /// bindings publish (Python's `AnnualReport` attributes).
    #[must_use]
    pub fn areas(&self) -> [(&'static str, Mu); 11] {
        [
            ("requisitioned_mu", self.requisitioned_mu),
            ("developed_mu", self.developed_mu),
            ("certified_mu", self.certified_mu),
            ("supplied_mu", self.supplied_mu),
            ("idle_mu", self.idle_mu),
            ("requisitioned_in_year_mu", self.requisitioned_in_year_mu),
            ("developed_in_year_mu", self.developed_in_year_mu),
            ("certified_in_year_mu", self.certified_in_year_mu),
            ("reclaimed_in_year_mu", self.reclaimed_in_year_mu),
            ("commercial_tendered_mu", self.commercial_tendered_mu),
            ("capital_increase_land_mu", self.capital_increase_land_mu),
        ]
    }

    /// The report's amounts of money by field name (元), in order.
    #[must_use]
    pub fn amounts(&self) -> [(&'static str, Yuan); 15] {
        let f = &self.finance;
        let land = f.charge(Charge::LandPrice);
        let idle = f.charge(Charge::IdleFee);
        let fee = f.charge(Charge::ManagementFee);
        [
            ("output_value_yuan", self.output_value_yuan),
            ("tax_yuan", self.tax_yuan),
            ("capital_increase_yuan", self.capital_increase_yuan),
            ("disbursed_yuan", self.disbursed_yuan),
            ("repaid_yuan", self.repaid_yuan),
            ("recovered_yuan", self.recovered_yuan),
            ("overdue_yuan", self.overdue_yuan),
            ("land_price_collected_yuan", land.collected),
            ("land_price_outstanding_yuan", land.outstanding),
            ("idle_fee_collected_yuan", idle.collected),
            ("idle_fee_outstanding_yuan", idle.outstanding),
            ("management_fee_collected_yuan", fee.collected),
            ("management_fee_outstanding_yuan", fee.outstanding),
            ("compensation_paid_yuan", f.compensation_total()),
            ("land_cost_yuan", self.land_cost_yuan),
        ]
    }

    /// The report's counts by field name, in order.
    #[must_use]
    pub fn counts(&self) -> [(&'static str, u64); 19] {
        [
            ("commercial_tendered_count", self.commercial_tendered_count),
            ("projects_signed", self.projects_signed),
            (
                "projects_on_reclaimed_land",
                self.projects_on_reclaimed_land,
            ),
            ("capital_increases", self.capital_increases),
            ("in_production", self.in_production),
            ("under_construction", self.under_construction),
            ("applications_received", self.applications_received),
            ("overdue_count", self.overdue_count),
            ("tenants", self.tenants),
            ("tenants_signed", self.tenants_signed),
            ("high_tech_firms", self.high_tech_firms),
            (
                "qualifications_in_year",
                self.qualified_in_year.iter().map(|q| q.1).sum(),
            ),
            (
                "honours_in_year",
                self.honours_in_year.iter().map(|h| h.3).sum(),
            ),
            ("inspections_in_year", self.inspections_in_year),
            (
                "surprise_inspections_in_year",
                self.surprise_inspections_in_year,
            ),
            ("incidents_in_year", self.incidents_in_year),
            ("casualties_in_year", self.casualties_in_year),
            ("complaints_in_year", self.complaints_in_year),
            ("open_compliance_items", self.open_compliance_items),
        ]
    }

    /// How the text names the report's last day: `年末`, or for a year not
    /// over `截至12月7日`.
    fn at_end(&self) -> String {
        if Some(self.as_of) == year_end(self.year).ok() {
            "年末".to_owned()
        } else {
            format!("截至{}", self.as_of.format("%-m月%-d日"))
        }
    }

    /// The report as Chinese paragraphs in the style of the work reports.
    #[must_use]
    pub fn text(&self) -> String {
        let mut t = String::new();
        let y = self.year;
        let until = if self.as_of == year_end(y).unwrap_or(self.as_of) {
            format!("{y}年末")
        } else {
            self.as_of.format("%Y年%-m月%-d日").to_string()
        };
        let _ = writeln!(
            t,
            "一、土地。截至{until},全区征地{}亩,开发用地{}亩,已办国有土地使用证{}亩(其中本年办证{}亩);已供应土地{}亩,闲置土地{}亩。",
            self.requisitioned_mu.to_decimal_string(),
            self.developed_mu.to_decimal_string(),
            self.certified_mu.to_decimal_string(),
            self.certified_in_year_mu.to_decimal_string(),
            self.supplied_mu.to_decimal_string(),
            self.idle_mu.to_decimal_string(),
        );
        if !self.reclaimed.is_empty() {
            let list: Vec<String> = self
                .reclaimed
                .iter()
                .map(|r| format!("{}{}亩", r.former_holder, r.area.to_decimal_string()))
                .collect();
            let _ = writeln!(
                t,
                "本年依法收回闲置土地{}宗{}亩:{}。",
                self.reclaimed.len(),
                self.reclaimed_in_year_mu.to_decimal_string(),
                list.join("、")
            );
        }
        if !self.inefficient.is_empty() {
            let kinds: Vec<String> = self
                .inefficient
                .iter()
                .map(|f| {
                    format!(
                        "{}{}宗{}亩",
                        f.kind.chinese(),
                        f.parcels,
                        f.area.to_decimal_string()
                    )
                })
                .collect();
            let _ = writeln!(t, "{}低效用地:{}。", self.at_end(), kinds.join("、"));
        }
        if self.commercial_tendered_count > 0 {
            let _ = writeln!(
                t,
                "对区内{}亩商住用地进行了公开出让。",
                self.commercial_tendered_mu.to_decimal_string()
            );
        }
        let _ = writeln!(
            t,
            "二、招商与企业。本年共引进工业项目{}个,其中{}个项目利用闲置用地招商;增资项目{}个,增加用地{}亩。{}已有企业{}家投产,{}家在建,全年生产总值{}。",
            self.projects_signed,
            self.projects_on_reclaimed_land,
            self.capital_increases,
            self.capital_increase_land_mu.to_decimal_string(),
            self.at_end(),
            self.in_production,
            self.under_construction,
            self.output_value_yuan.report_large(),
        );
        self.record_text(&mut t);
        let _ = write!(
            t,
            "三、科技经费。本年共受理科技计划项目{}项",
            self.applications_received
        );
        for (batch, b) in &self.approved_by_batch {
            let mut kinds = Vec::new();
            for kind in AwardKind::ALL {
                let v = b.awarded.get(*kind);
                if v > Yuan::ZERO {
                    kinds.push(format!("{}{}", kind.chinese(), wan(v)));
                }
            }
            let _ = write!(
                t,
                ";下达{batch}{}个项目,共计{},其中{}",
                b.count,
                wan(b.total),
                kinds.join(",")
            );
        }
        let _ = writeln!(
            t,
            "。全年拨付{},回收逾期经费{};{}逾期未还{}项{}。",
            wan(self.disbursed_yuan),
            wan(self.recovered_yuan),
            self.at_end(),
            self.overdue_count,
            wan(self.overdue_yuan)
        );
        let _ = writeln!(
            t,
            "四、科创中心。{}已有{}家企业进驻,另有{}家签订入驻协议,租赁面积{}㎡。",
            self.at_end(),
            self.tenants,
            self.tenants_signed,
            self.leased_m2.to_decimal_string()
        );
        self.buildings_text(&mut t);
        self.finance_text(&mut t);
        t
    }

    /// The incubator's buildings (物业) at the year's end: stages, 出租率 and
    /// what is planned; written when the register holds any.
    fn buildings_text(&self, t: &mut String) {
        if self.buildings.is_empty() {
            return;
        }
        let parts: Vec<String> = self
            .buildings
            .iter()
            .map(|b| {
                let code = &b.building.spec.code;
                let mut s = match b.stage {
                    Some(stage) => format!("{code}{}", stage.chinese()),
                    None => format!("{code}已登记"),
                };
                if b.leased.is_positive() {
                    if let Some(o) = b.occupancy() {
                        let _ = write!(s, "(出租率{:.0}%)", o * 100.0);
                    }
                }
                let end = NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX);
                if let Some((stage, by)) = b.building.next_planned(end) {
                    let _ = write!(s, ",预计{}{}", by.format("%Y年%-m月"), stage.chinese());
                }
                s
            })
            .collect();
        let _ = write!(t, "物业:{}", parts.join(";"));
        if self.floor_area_completed_m2.is_positive() {
            let _ = write!(
                t,
                ";本年竣工建筑面积{}㎡",
                self.floor_area_completed_m2.to_decimal_string()
            );
        }
        let _ = writeln!(t, "。");
    }

    /// Qualifications, honours and compliance, in the enterprise section:
    /// written when the register keeps any for the year.
    fn record_text(&self, t: &mut String) {
        let mut parts = Vec::new();
        if !self.qualified_in_year.is_empty() {
            let kinds: Vec<String> = self
                .qualified_in_year
                .iter()
                .map(|(k, n)| format!("{}{n}项", k.chinese()))
                .collect();
            parts.push(format!("新认定{}", kinds.join("、")));
        }
        if !self.honours_in_year.is_empty() {
            let honours: Vec<String> = self
                .honours_in_year
                .iter()
                .map(|(level, award, class, n)| format!("{}{award}{class}{n}项", level.chinese()))
                .collect();
            parts.push(format!("获{}", honours.join("、")));
        }
        if self.inspections_in_year > 0 {
            parts.push(format!(
                "开展安全环保检查{}次(其中突击检查{}次)",
                self.inspections_in_year, self.surprise_inspections_in_year
            ));
        }
        if self.incidents_in_year > 0 {
            parts.push(format!(
                "发生事故{}起,伤亡{}人",
                self.incidents_in_year, self.casualties_in_year
            ));
        }
        if self.complaints_in_year > 0 {
            parts.push(format!("受理投诉{}件", self.complaints_in_year));
        }
        if parts.is_empty() && self.open_compliance_items == 0 {
            return;
        }
        if self.open_compliance_items > 0 {
            parts.push(format!(
                "{}未整改或未办结{}项",
                self.at_end(),
                self.open_compliance_items
            ));
        }
        let _ = writeln!(t, "本年{}。", parts.join(";"));
    }

    /// 五、财务: written when the ledgers keep any money for the year.
    fn finance_text(&self, t: &mut String) {
        let f = &self.finance;
        let any = f.charges.iter().any(|c| {
            c.collected != Yuan::ZERO || c.outstanding != Yuan::ZERO || c.written_off != Yuan::ZERO
        }) || !f.compensation.is_empty();
        if !any {
            return;
        }
        let mut parts = Vec::new();
        for c in &f.charges {
            let name = c.charge.chinese();
            let mut line = Vec::new();
            if c.collected != Yuan::ZERO {
                line.push(format!("收回{name}{}", wan(c.collected)));
            }
            if c.outstanding.is_positive() {
                let mut owed = format!(
                    "{}尚欠{name}{}({}户",
                    self.at_end(),
                    wan(c.outstanding),
                    c.debtors
                );
                if c.overdue.is_positive() {
                    let _ = write!(owed, ",其中逾期{}", wan(c.overdue));
                }
                owed.push(')');
                line.push(owed);
            }
            if c.written_off.is_positive() {
                line.push(format!("核销{name}{}", wan(c.written_off)));
            }
            if !line.is_empty() {
                parts.push(line.join(","));
            }
        }
        if !f.compensation.is_empty() {
            let kinds: Vec<String> = f
                .compensation
                .iter()
                .map(|(k, v)| format!("{}{}", k.chinese(), wan(*v)))
                .collect();
            parts.push(format!(
                "支付征地补偿及办证费用{}({})",
                wan(f.compensation_total()),
                kinds.join(",")
            ));
        }
        let _ = write!(t, "五、财务。本年");
        let _ = write!(t, "{}", parts.join(";"));
        if f.collection_steps > 0 {
            let _ = write!(t, ";追缴{}次", f.collection_steps);
        }
        let _ = writeln!(t, "。");
    }
}

impl View<'_> {
    /// An indicator by code, as defined and observed under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code.
    pub fn indicator(&self, code: &str) -> Result<Indicator> {
        self.consistently(|v| {
            let id = v
                .unique_id::<Indicator>(keys::index::INDICATOR_CODE, code)?
                .ok_or_else(|| Error::not_found(crate::Entity::Indicator, code))?;
            v.indicator_by_id(id)?
                .ok_or_else(|| Error::not_found(crate::Entity::Indicator, code))
        })
    }

    /// Every indicator under this horizon.
    ///
    /// # Errors
    /// Storage errors.
    pub fn indicators(&self) -> Result<Vec<Indicator>> {
        self.consistently(View::all_indicators)
    }

    /// The derived indicators of every enterprise for `year`, with land
    /// taken as the parcels held at the year's end plus, if `include_leased`,
    /// leased floor space at the year's end. Reads as of the year's end.
    ///
    /// # Errors
    /// Storage errors.
    pub fn enterprise_years(&self, year: i32, include_leased: bool) -> Result<Vec<Candidate>> {
        self.consistently(|v| Ok(v.candidates(year, include_leased, Metric::ALL)?.to_rows()))
    }

    /// [`View::enterprise_years`] with only `metrics` computed, in columns.
    fn candidates(
        &self,
        year: i32,
        include_leased: bool,
        metrics: &[Metric],
    ) -> Result<Candidates> {
        let end = year_end(year)?;
        let at = self.as_of(end);
        // The land each firm holds, in an array by id where the ids are
        // about as many as the firms (a hash map's probe per firm and step
        // missed the cache), else in a map.
        // Ids are given in turn: the last one given is about how many firms.
        let top = self.last_enterprise_id()?;
        let firms = usize::try_from(top).unwrap_or(0).min(1 << 24);
        let mut held = Held::new(top, firms);
        at.visit_steps(&mut |s| match s.held() {
            Some((holder, area)) => held.add(holder.0, area),
            None => Ok(()),
        })?;
        // Leased floor space is in the records only.
        let register = if include_leased {
            RegisterYear::Records(at.all_shared::<Enterprise>()?)
        } else {
            at.register_for_year(year)?
        };
        let mut out = Candidates::with_capacity(metrics, firms);
        let push = |out: &mut Candidates, e: &Enterprise| -> Result<()> {
            let leased = include_leased
                .then(|| Quantity::sum(e.leases_on(end).map(|l| l.area_m2)))
                .transpose()?;
            let figures = e.yearly.get(year);
            push_candidate(
                out,
                e.id,
                &e.name,
                e.status == EnterpriseStatus::Closed,
                e.closed,
                &EnterpriseYear {
                    investment: e
                        .total_investment()
                        .map_err(|e| crate::indicators::Missing::Other(e.to_string().into())),
                    year,
                    figures: figures.as_ref(),
                    land: with_leased(held.get(e.id.0), leased)?,
                },
            );
            Ok(())
        };
        match register {
            RegisterYear::Records(firms) => {
                for e in &firms {
                    push(&mut out, e)?;
                }
            }
            RegisterYear::Alone {
                read,
                stale,
                folded,
            } => {
                // The checkpoint's firms and the folded ones, merged by id.
                let unlisted = || {
                    Error::Corrupt(
                        "a checkpoint's figures by year name a firm it does not list".into(),
                    )
                };
                let mut folded = folded.iter().peekable();
                let mut stale = stale.iter().peekable();
                let mut figures = crate::enterprise::digest::year(&read.figures, year).peekable();
                crate::enterprise::digest::firms(&read.firms, &mut |f| {
                    while let Some(e) = folded.next_if(|e| e.id.0 < f.id) {
                        push(&mut out, e)?;
                    }
                    let mut reported = None;
                    while let Some(entry) =
                        figures.next_if(|x| x.as_ref().map_or(true, |x| x.0 <= f.id))
                    {
                        let (id, fig) = entry?;
                        if id != f.id {
                            return Err(unlisted());
                        }
                        reported = Some(fig);
                    }
                    if stale.next_if_eq(&&f.id).is_some() {
                        return Ok(());
                    }
                    push_candidate(
                        &mut out,
                        EnterpriseId(f.id),
                        f.name,
                        f.closed,
                        f.closed_on,
                        &EnterpriseYear {
                            investment: f
                                .investment
                                .map_err(|why| crate::indicators::Missing::Other(why.into())),
                            year,
                            figures: reported.as_ref(),
                            land: held.get(f.id),
                        },
                    );
                    Ok(())
                })?;
                for e in folded {
                    push(&mut out, e)?;
                }
                if let Some(left) = figures.next() {
                    left?;
                    return Err(unlisted());
                }
            }
        }
        Ok(out)
    }

    /// Evaluates every enterprise with `scheme` on `year`'s figures.
    ///
    /// # Errors
    /// [`Error::Validation`] for an invalid scheme; storage errors.
    pub fn evaluate(&self, scheme: &Scheme, year: i32) -> Result<Evaluation> {
        self.consistently(|v| Ok(v.scores(scheme, year)?.into_evaluation()))
    }

    /// [`View::evaluate`] in columns: the same evaluation without a row of
    /// maps and texts per firm (what the Python package, the command line
    /// and tables read).
    ///
    /// # Errors
    /// [`Error::Validation`] for an invalid scheme; storage errors.
    pub fn scores(&self, scheme: &Scheme, year: i32) -> Result<Scores> {
        self.consistently(|v| {
            scheme.validate()?;
            let metrics = scheme.metrics();
            let candidates = v.candidates(year, scheme.scope.include_leased, &metrics)?;
            scheme.score_columns(year, candidates)
        })
    }

    /// Scores the zone's observations for `period` against a target framework.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad targets; storage errors.
    pub fn assess(&self, framework: &TargetFramework, period: &str) -> Result<Assessment> {
        self.consistently(|v| {
            let mut values = BTreeMap::new();
            for i in v.indicators()? {
                if let Some(o) = i.observations.get(&("zone".to_owned(), period.to_owned())) {
                    values.insert(i.code.clone(), o.value.to_f64());
                }
            }
            // What the register knows need not be typed in: counts derived
            // from firms' qualifications, honours and incidents for a year.
            let wanted: Vec<&str> = framework
                .targets
                .iter()
                .map(|t| t.0.as_str())
                .filter(|c| DERIVED_INDICATORS.contains(c) && !values.contains_key(*c))
                .collect();
            if let (false, Ok(year)) = (wanted.is_empty(), period.trim().parse::<i32>()) {
                let end = year_end(year)?;
                let firms = v.as_of(end).enterprises()?;
                let counts = RecordCounts::of(&firms, year);
                for code in wanted {
                    let n = match code {
                        "high_tech_firms" => {
                            firms.iter().filter(|e| e.high_tech_on(end)).count() as u64
                        }
                        "qualifications" => counts.qualified.iter().map(|q| q.1).sum(),
                        "science_awards" => counts.honours.iter().map(|h| h.3).sum(),
                        _ => counts.incidents,
                    };
                    #[allow(clippy::cast_precision_loss)]
                    values.insert(code.to_owned(), n as f64);
                }
            }
            framework.score(period, &values)
        })
    }

    /// 土地供应率 and 建成率 as of [`View::date`].
    ///
    /// # Errors
    /// Storage errors.
    pub fn zone_rates(&self) -> Result<ZoneRates> {
        self.consistently(|v| {
            let parcels = v.all_parcels()?;
            let summary = crate::land::LandSummary::from_parcels(v.date(), &parcels)?;
            Ok(zone_rates(&summary, &parcels))
        })
    }

    /// Every figure of the annual work reports for `year`, derived from the
    /// ledgers as of the year's end (under this view's known-at time); for
    /// a year not over, as of this view's date (today, for a view of the
    /// present), which [`AnnualReport::as_of`] and its text say.
    ///
    /// # Errors
    /// Storage errors; overflow.
    pub fn annual_report(&self, year: i32) -> Result<AnnualReport> {
        self.consistently(|v| v.report_until(year, v.report_day(year)?))
    }

    /// The day the report of `year` is of: the year's last, or this view's
    /// date when earlier (a year not over). The report and the explanation
    /// of its figures read the same day.
    pub(crate) fn report_day(&self, year: i32) -> Result<NaiveDate> {
        Ok(year_end(year)?.min(self.date()))
    }

    /// The year's figures so far: as [`View::annual_report`], from the
    /// ledgers as of `until` (a day of the year; later days are the year's
    /// end).
    pub(crate) fn report_until(&self, year: i32, until: NaiveDate) -> Result<AnnualReport> {
        let inputs = self.report_inputs(year, until)?;
        figures(&inputs.of_all())
    }

    /// What the report of `year` reads from the ledgers, as of `until` (a
    /// day of the year; later days are the year's end).
    pub(crate) fn report_inputs(&self, year: i32, until: NaiveDate) -> Result<ReportInputs> {
        let end = until.min(year_end(year)?);
        let at = self.as_of(end);
        Ok(ReportInputs {
            year,
            end,
            parcels: at.all_parcels()?,
            firms: at.enterprises()?,
            apps: at.applications(&ApplicationFilter::default())?,
            later: self.enterprises()?,
            fee_rates: at.policy()?.fee_rates,
            inefficient: inefficient_figures(&at.inefficient_land(&Rules::default(), None)?)?,
        })
    }
}

/// What a year's report reads from the ledgers ([`View::report_inputs`]):
/// the records as of the report's last day, and the firms as they stand
/// under the view (for tenancies signed by then that begin later).
pub(crate) struct ReportInputs {
    pub(crate) year: i32,
    pub(crate) end: NaiveDate,
    pub(crate) parcels: Vec<Parcel>,
    pub(crate) firms: Vec<Enterprise>,
    pub(crate) apps: Vec<Application>,
    pub(crate) later: Vec<Enterprise>,
    pub(crate) fee_rates: Vec<crate::money::FeeRate>,
    pub(crate) inefficient: Vec<InefficientFigures>,
}

impl ReportInputs {
    /// Every record.
    pub(crate) fn of_all(&self) -> Inputs<'_> {
        Inputs {
            year: self.year,
            end: self.end,
            parcels: &self.parcels,
            firms: &self.firms,
            apps: &self.apps,
            later: &self.later,
            fee_rates: &self.fee_rates,
            inefficient: &self.inefficient,
        }
    }
}

/// Records a report's figures are made of: all of them for the report,
/// one entity's (with what it needs beside it) for its part in a figure
/// (`crate::explain`).
pub(crate) struct Inputs<'a> {
    pub(crate) year: i32,
    pub(crate) end: NaiveDate,
    pub(crate) parcels: &'a [Parcel],
    pub(crate) firms: &'a [Enterprise],
    pub(crate) apps: &'a [Application],
    pub(crate) later: &'a [Enterprise],
    pub(crate) fee_rates: &'a [crate::money::FeeRate],
    pub(crate) inefficient: &'a [InefficientFigures],
}

/// Every figure of a year's report, made of `inputs`: the one function
/// the report and the explanation of each of its figures run.
pub(crate) fn figures(inputs: &Inputs<'_>) -> Result<AnnualReport> {
    let Inputs {
        year,
        end,
        parcels,
        firms,
        apps,
        later,
        fee_rates,
        inefficient,
    } = *inputs;
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Error::validation("year", "no such year"))?;
    let in_year = |d: NaiveDate| d.year() == year;
    let summary = crate::land::LandSummary::from_parcels(end, parcels)?;
    let rates = zone_rates(&summary, parcels);
    let names: HashMap<u64, &str> = firms.iter().map(|e| (e.id.0, e.name.as_str())).collect();
    let live = || parcels.iter().filter(|p| p.retired.is_none());
    let area_where = |f: &dyn Fn(&Parcel) -> bool| Mu::sum(live().filter(|p| f(p)).map(|p| p.area));

    let record = RecordCounts::of(firms, year);
    let buildings = crate::view::buildings_of(parcels, firms, end)?;
    let mut reclaimed = Vec::new();
    for p in parcels {
        for r in p.reclamations.iter().filter(|r| in_year(r.date)) {
            reclaimed.push(ReclaimedParcel {
                code: p.code.clone(),
                area: p.area,
                former_holder: names
                    .get(&r.former_holder.0)
                    .map_or_else(|| r.former_holder.to_string(), |n| (*n).to_owned()),
                date: r.date,
            });
        }
    }
    reclaimed.sort_by(|a, b| (a.date, &a.code).cmp(&(b.date, &b.code)));
    let commercial_tendered: Vec<&Parcel> = live()
        .filter(|p| {
            matches!(
                p.land_use,
                LandUse::Commercial | LandUse::CommercialResidential
            )
        })
        .filter(|p| {
            p.supply.as_ref().is_some_and(|s| {
                in_year(s.date)
                    && matches!(
                        s.method,
                        SupplyMethod::Tender | SupplyMethod::Auction | SupplyMethod::Listing
                    )
            })
        })
        .collect();

    let signed: Vec<&Enterprise> = firms
        .iter()
        .filter(|e| e.signed.is_some_and(in_year))
        .collect();
    let on_reclaimed = signed
        .iter()
        .filter(|e| {
            live().any(|p| {
                p.holder == Some(e.id)
                    && p.ever_reclaimed
                    && p.supply.as_ref().is_some_and(|s| in_year(s.date))
            })
        })
        .count() as u64;
    let increases: Vec<&(NaiveDate, Yuan, Mu)> = firms
        .iter()
        .flat_map(|e| e.capital_increases.iter())
        .filter(|c| in_year(c.0))
        .collect();
    let count_status = |s: EnterpriseStatus| firms.iter().filter(|e| e.status == s).count() as u64;
    let output = Yuan::sum(
        firms
            .iter()
            .filter_map(|e| e.yearly.get(year).and_then(|f| f.output_value)),
    )?;
    let tax = Yuan::sum(
        firms
            .iter()
            .filter_map(|e| e.yearly.get(year).and_then(|f| f.tax)),
    )?;

    let mut batches: BTreeMap<String, BatchFigures> = BTreeMap::new();
    let mut disbursed = ByKind::default();
    let mut repaid = Yuan::ZERO;
    let mut recovered = Yuan::ZERO;
    for a in apps {
        if let Some(approval) = a.approval.as_ref().filter(|ap| in_year(ap.date)) {
            let b = batches.entry(approval.batch.clone()).or_default();
            b.count += 1;
            b.awarded.add(&approval.awarded)?;
            b.total = b.awarded.total()?;
        }
        for (d, kind, amount) in &a.disbursements {
            if in_year(*d) {
                disbursed.add(&match kind {
                    AwardKind::Grant => ByKind {
                        grant: *amount,
                        ..ByKind::default()
                    },
                    AwardKind::InterestSubsidy => ByKind {
                        interest_subsidy: *amount,
                        ..ByKind::default()
                    },
                    AwardKind::Loan => ByKind {
                        loan: *amount,
                        ..ByKind::default()
                    },
                })?;
            }
        }
        repaid = repaid.checked_add(Yuan::sum(
            a.repayments.iter().filter(|r| in_year(r.0)).map(|r| r.1),
        )?)?;
        recovered = recovered.checked_add(Yuan::sum(
            a.recoveries.iter().filter(|r| in_year(r.0)).map(|r| r.1),
        )?)?;
    }
    let overdue: Vec<_> = apps
        .iter()
        .filter_map(|a| a.overdue_as_of(end).transpose())
        .collect::<Result<_>>()?;

    // Tenancies: occupied at year end; those starting later were signed
    // by then if they were recorded as leases of firms already registered.
    let tenants: Vec<&Enterprise> = firms
        .iter()
        .filter(|e| e.leases_on(end).next().is_some())
        .collect();
    let leased = Quantity::sum(
        tenants
            .iter()
            .flat_map(|e| e.leases_on(end).map(|l| l.area_m2)),
    )?;
    let tenants_signed = later
        .iter()
        .filter(|e| {
            e.registered.is_none_or(|r| r <= end)
                && e.leases.iter().any(|l| l.start > end)
                && e.leases_on(end).next().is_none()
        })
        .count() as u64;

    Ok(AnnualReport {
        year,
        as_of: end,
        requisitioned_mu: summary.total.requisitioned_mu,
        developed_mu: summary.total.developed_mu,
        certified_mu: summary.total.certified_mu,
        supplied_mu: summary.total.supplied_mu,
        idle_mu: summary.total.idle_mu,
        // Land entered without its requisition was not requisitioned in
        // any year parkdb knows.
        requisitioned_in_year_mu: area_where(&|p| {
            !p.requisition_unknown && in_year(p.requisitioned)
        })?,
        developed_in_year_mu: area_where(&|p| p.developed.is_some_and(in_year))?,
        certified_in_year_mu: area_where(&|p| {
            p.certificate.as_ref().is_some_and(|c| in_year(c.date))
        })?,
        reclaimed_in_year_mu: Mu::sum(reclaimed.iter().map(|r| r.area))?,
        reclaimed,
        commercial_tendered_mu: Mu::sum(commercial_tendered.iter().map(|p| p.area))?,
        commercial_tendered_count: commercial_tendered.len() as u64,
        supply_rate: rates.supply_rate,
        built_rate: rates.built_rate,
        projects_signed: signed.len() as u64,
        projects_on_reclaimed_land: on_reclaimed,
        capital_increases: increases.len() as u64,
        capital_increase_land_mu: Mu::sum(increases.iter().map(|c| c.2))?,
        capital_increase_yuan: Yuan::sum(increases.iter().map(|c| c.1))?,
        in_production: count_status(EnterpriseStatus::InProduction),
        under_construction: count_status(EnterpriseStatus::UnderConstruction),
        output_value_yuan: output,
        tax_yuan: tax,
        applications_received: apps
            .iter()
            .filter(|a| (start..=end).contains(&a.received))
            .count() as u64,
        approved_by_batch: batches,
        disbursed_yuan: disbursed.total()?,
        disbursed_by_kind: disbursed,
        repaid_yuan: repaid,
        recovered_yuan: recovered,
        overdue_yuan: Yuan::sum(overdue.iter().map(|o| o.amount))?,
        overdue_count: overdue.len() as u64,
        tenants: tenants.len() as u64,
        leased_m2: leased,
        tenants_signed,
        inefficient: inefficient.to_vec(),
        finance: crate::view::finance_of(parcels, firms, fee_rates, end, year),
        land_cost_yuan: summary.total.land_cost,
        high_tech_firms: firms.iter().filter(|e| e.high_tech_on(end)).count() as u64,
        qualified_in_year: record.qualified,
        honours_in_year: record.honours,
        inspections_in_year: record.inspections,
        surprise_inspections_in_year: record.surprise,
        incidents_in_year: record.incidents,
        casualties_in_year: record.casualties,
        complaints_in_year: record.complaints,
        open_compliance_items: firms
            .iter()
            .filter_map(|e| e.record.as_ref())
            .map(|r| r.open_items(end) as u64)
            .sum(),
        floor_area_completed_m2: Quantity::sum(
            buildings
                .iter()
                .filter(|b| b.building.completed().is_some_and(in_year))
                .map(|b| b.building.spec.floor_area_m2),
        )?,
        buildings,
    })
}

/// Indicators `assess` derives from the register when a framework names
/// them and no observation gives them: firms high-tech at the year's end,
/// qualifications awarded, honours (科学技术奖…) given and incidents in it.
pub const DERIVED_INDICATORS: [&str; 4] = [
    "high_tech_firms",
    "qualifications",
    "science_awards",
    "incidents",
];

/// The year's qualifications, honours and compliance over the register.
#[derive(Default)]
struct RecordCounts {
    qualified: Vec<(QualificationKind, u64)>,
    honours: Vec<(HonourLevel, String, String, u64)>,
    inspections: u64,
    surprise: u64,
    incidents: u64,
    casualties: u64,
    complaints: u64,
}

impl RecordCounts {
    fn of(firms: &[Enterprise], year: i32) -> RecordCounts {
        let in_year = |d: NaiveDate| d.year() == year;
        let mut counts = RecordCounts::default();
        let mut qualified: BTreeMap<QualificationKind, u64> = BTreeMap::new();
        let mut honours: BTreeMap<(HonourLevel, String, String), u64> = BTreeMap::new();
        for r in firms.iter().filter_map(|e| e.record.as_ref()) {
            for q in r.qualifications.iter().filter(|q| in_year(q.awarded)) {
                *qualified.entry(q.qualification.kind).or_default() += 1;
            }
            for (_, h) in r.honours.iter().filter(|h| in_year(h.0)) {
                *honours
                    .entry((h.level, h.award.clone(), h.class.clone()))
                    .or_default() += 1;
            }
            for i in r.inspections.iter().filter(|i| in_year(i.date)) {
                counts.inspections += 1;
                counts.surprise += u64::from(i.item.surprise);
            }
            for (_, i) in r.incidents.iter().filter(|i| in_year(i.0)) {
                counts.incidents += 1;
                counts.casualties += u64::from(i.casualties);
            }
            counts.complaints += r.complaints.iter().filter(|c| in_year(c.date)).count() as u64;
        }
        counts.qualified = qualified.into_iter().collect();
        counts.honours = honours
            .into_iter()
            .map(|((l, a, c), n)| (l, a, c, n))
            .collect();
        // By level, then award, then class as the awards rank them
        // (特等奖, 一等奖, 二等奖…), not as the characters sort.
        let rank = |class: &str| {
            ["特等", "一等", "二等", "三等", "优秀"]
                .iter()
                .position(|r| class.starts_with(r))
                .unwrap_or(usize::MAX)
        };
        counts
            .honours
            .sort_by(|a, b| (a.0, &a.1, rank(&a.2), &a.2).cmp(&(b.0, &b.1, rank(&b.2), &b.2)));
        counts
    }
}

// Indicator reads use the view's private machinery through these helpers.
impl View<'_> {
    fn indicator_by_id(&self, id: u64) -> Result<Option<Indicator>> {
        self.one_record::<Indicator>(id)
    }

    fn all_indicators(&self) -> Result<Vec<Indicator>> {
        self.all_records::<Indicator>()
    }
}
