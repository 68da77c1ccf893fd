//! The land ledger: parcels (地块) from requisition to production, and the
//! idle-land path (闲置 → 收回 → 转让).

mod building;
mod summary;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::error::{Entity, Error, Refusal, Result, Rule};
use crate::geometry::{Boundary, StoredBoundary};
use crate::ids::EnterpriseId;
use crate::money::{
    Charge, Collection, Compensation, Debt, Instalment, LandAccount, Payment, Refund, WriteOff,
};
use crate::units::{Mu, Quantity, Yuan};

pub use building::{peak_let, Building, BuildingSpec, BuildingStage, BuildingUse};
pub use summary::{AreaLabel, LandFigures, LandSummary};
pub(crate) use summary::{Step, STEP_BYTES};

use crate::ids::code_enum;
pub use crate::ids::ParcelId;

code_enum!(
    /// What a parcel may be used for (用途). The classes of 土地利用现状分类
    /// (GB/T 21010) that 中国土地市场网 publishes are taken as the use they
    /// belong to: 工矿仓储用地 as industrial; 商务金融, 批发零售, 住宿餐饮
    /// and 其他商服用地 as commercial; 城镇住宅, 经济适用住房 and 普通商品
    /// 住房用地 as residential; 公共管理与公共服务用地, 机关团体, 科教, 医卫
    /// 慈善, 文体娱乐, 公园与绿地 and 风景名胜设施用地 as public; 街巷, 公路
    /// and 宗教用地 as other.
    LandUse, "land_use", {
        Industrial = "industrial" / "工业" | "工业用地" | "其他工业用地" | "工矿仓储用地",
        CommercialResidential = "commercial_residential" / "商住" | "商住用地",
        Commercial = "commercial" / "商业" | "商业用地" | "商服用地" | "其他商服用地"
            | "商务金融用地" | "批发零售用地" | "住宿餐饮用地",
        Logistics = "logistics" / "仓储物流" | "物流" | "仓储" | "仓储用地" | "物流仓储用地",
        Public = "public" / "公共设施" | "公共设施用地" | "公用设施用地"
            | "公共管理与公共服务用地" | "机关团体用地" | "科教用地" | "医卫慈善用地"
            | "文体娱乐用地" | "公园与绿地" | "风景名胜设施用地",
        Other = "other" / "其他" | "其他用地" | "街巷用地" | "公路用地" | "宗教用地",
        Residential = "residential" / "住宅" | "住宅用地" | "城镇住宅用地" | "经济适用住房用地"
            | "中低价位、中小套型普通商品住房用地" | "普通商品住房用地",
    }
);

code_enum!(
    /// How land is supplied (供地方式).
    SupplyMethod, "method", {
        Tender = "tender" / "招标" | "招标出让",
        Auction = "auction" / "拍卖" | "拍卖出让",
        Listing = "listing" / "挂牌" | "挂牌出让",
        Agreement = "agreement" / "协议" | "协议出让",
        Allocation = "allocation" / "划拨",
    }
);

code_enum!(
    /// Where a parcel stands in its lifecycle.
    ParcelStatus, "status", {
        /// No holder: the zone's reserve (储备).
        Reserve = "reserve" / "储备",
        /// Held, construction not started.
        Allocated = "allocated" / "已供应",
        UnderConstruction = "under_construction" / "在建",
        Completed = "completed" / "竣工",
        /// Split into children (分宗); no longer a parcel of its own.
        Retired = "retired" / "已分宗",
    }
);

/// How long past its agreed start a held parcel not started is idle, and
/// reclaimable without compensation, in months, from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdlePeriods {
    /// The periods apply to supplies whose agreed start is on or after it.
    #[serde(with = "crate::days::day")]
    pub from: NaiveDate,
    /// Idle (闲置) this many months past the agreed start.
    pub idle_after_months: u32,
    /// Reclaimable without compensation (无偿收回) this many months past it.
    pub reclaimable_after_months: u32,
}

impl IdlePeriods {
    /// 闲置土地处置办法 (国土资源部令第53号, 2012): a year, and two.
    pub const DEFAULT: IdlePeriods = IdlePeriods {
        from: NaiveDate::MIN,
        idle_after_months: 12,
        reclaimable_after_months: 24,
    };

    /// Whether `other` sets the same months (whatever its date).
    #[must_use]
    pub fn same_months(&self, other: &IdlePeriods) -> bool {
        (self.idle_after_months, self.reclaimable_after_months)
            == (other.idle_after_months, other.reclaimable_after_months)
    }
}

/// The terms on which a parcel was supplied (出让/划拨).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplyTerms {
    /// The day of the supply (the contract's, 合同签订日期).
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// How it was supplied (出让 by 招标, 拍卖, 挂牌 or agreement, 划拨).
    pub method: SupplyMethod,
    /// The land price (成交价款).
    pub price: Yuan,
    /// The agreed date to start construction (约定动工日期).
    #[serde(with = "crate::days::opt")]
    pub start_by: Option<NaiveDate>,
    /// The agreed date to complete construction (约定竣工日期).
    #[serde(with = "crate::days::opt")]
    pub complete_by: Option<NaiveDate>,
    /// The contract's other agreed terms, when recorded
    /// ([`crate::Writer::agree_contract`]).
    #[serde(default, deserialize_with = "crate::units::added_in_10")]
    pub contract: Option<Box<Contract>>,
    /// The idle periods of the policy in force on the agreed start when the
    /// supply was recorded; `None` (supplies recorded before the policy kept
    /// them) is [`IdlePeriods::DEFAULT`].
    #[serde(default, deserialize_with = "crate::units::added_in_10")]
    pub idle_periods: Option<IdlePeriods>,
}

impl SupplyTerms {
    /// The idle periods the supply is held to.
    #[must_use]
    pub fn periods(&self) -> IdlePeriods {
        self.idle_periods.unwrap_or(IdlePeriods::DEFAULT)
    }
}

/// The agreed terms of a supply contract (出让合同) beyond its price and
/// construction dates, as 中国土地市场网's 供地结果 publish them. Every
/// field is kept as published: a check ([`crate::Db::check`]) finds the
/// terms a land officer would query (swapped plot-ratio bounds, an agreed
/// start before the contract).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// 约定交地时间: the agreed date of handing the land over.
    #[serde(with = "crate::days::opt")]
    pub deliver_by: Option<NaiveDate>,
    /// 土地使用年限: the term of use in years, per use where the contract
    /// names several (`其他工业用地50年; 其他商服用地40`).
    pub terms: Vec<UseTerm>,
    /// 约定容积率(下限): the agreed lowest plot ratio, as published.
    pub plot_ratio_min: Option<Quantity>,
    /// 约定容积率(上限): the agreed highest plot ratio, as published.
    pub plot_ratio_max: Option<Quantity>,
    /// 分期支付: the instalments' amounts, kept when they sum to the price
    /// (the published results give no due dates; a schedule with dates is
    /// [`crate::Writer::schedule_land_payments`]).
    pub instalments: Vec<Yuan>,
    /// 行业分类: the industry the contract names.
    pub industry: Option<String>,
    /// 土地级别: the land's grade.
    pub grade: Option<String>,
    /// 批准单位: who approved the supply.
    pub approved_by: Option<String>,
    /// 项目名称: the project the land is supplied for.
    pub project: Option<String>,
    /// The published notice (its address), if any.
    pub notice: Option<String>,
}

impl Contract {
    /// Terms with nothing agreed.
    #[must_use]
    pub fn new() -> Contract {
        Contract::default()
    }

    /// Whether the plot-ratio bounds are swapped: a highest below the lowest.
    #[must_use]
    pub fn plot_ratio_swapped(&self) -> bool {
        matches!((self.plot_ratio_min, self.plot_ratio_max), (Some(lo), Some(hi)) if hi < lo)
    }
}

/// A term of use (土地使用年限) for one use of a parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseTerm {
    /// The use as the contract names it (`其他工业用地`); `None` for the
    /// parcel's own use.
    pub use_: Option<String>,
    /// Years of use (土地使用年限).
    pub years: u16,
}

/// A mortgage (土地抵押) on a parcel, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mortgage {
    /// 抵押起始时间.
    #[serde(with = "crate::days::day")]
    pub from: NaiveDate,
    /// 抵押结束时间, if registered.
    #[serde(with = "crate::days::opt")]
    pub until: Option<NaiveDate>,
    /// 土地抵押权人: the lender.
    pub mortgagee: String,
    /// 抵押金额.
    pub amount: Yuan,
    /// 评估金额, if published.
    pub appraised: Option<Yuan>,
    /// 抵押面积, if published.
    pub area: Option<Mu>,
    /// 土地他项权利人证号: the mortgage's certificate (他项权证, or
    /// 不动产证明 in the new form).
    pub right_certificate: Option<String>,
    /// 土地使用权证号: the land's certificate, in the old 国用 form or the
    /// new 不动产权 form.
    pub use_certificate: Option<String>,
    /// The published notice (its address), if any.
    pub notice: Option<String>,
}

impl Mortgage {
    /// A mortgage from `from` to `until` for `amount`, lent by `mortgagee`.
    #[must_use]
    pub fn new(
        mortgagee: impl Into<String>,
        amount: Yuan,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Mortgage {
        Mortgage {
            from,
            until,
            mortgagee: mortgagee.into(),
            amount,
            appraised: None,
            area: None,
            right_certificate: None,
            use_certificate: None,
            notice: None,
        }
    }

    /// Whether `other` records the same mortgage: the same mortgage
    /// certificate (他项权证) where both name one, else the same lender,
    /// amount and days.
    #[must_use]
    pub fn same_as(&self, other: &Mortgage) -> bool {
        match (&self.right_certificate, &other.right_certificate) {
            (Some(a), Some(b)) => a == b,
            _ => {
                (&self.mortgagee, self.amount, self.from, self.until)
                    == (&other.mortgagee, other.amount, other.from, other.until)
            }
        }
    }

    /// Whether the mortgage is in force on `date`: registered by then and
    /// not yet ended.
    #[must_use]
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date < u)
    }
}

/// A land-use certificate (国有土地使用证 / 不动产权证).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The day it was issued.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// The certificate's number as written on it, e.g.
    /// `佛府(顺)国用(2012)第0401285号`.
    pub number: String,
}

/// The buildings on a parcel as reported on a date: what its plot ratio
/// (容积率) and building coverage (建筑系数) are measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buildings {
    /// The day of the report.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// 总建筑面积, m².
    pub floor_area_m2: Quantity,
    /// 建筑基底面积 (footprint of buildings, structures and yards), m².
    pub footprint_m2: Quantity,
}

impl Buildings {
    fn per_area(m2: Quantity, area: Mu) -> Option<f64> {
        area.is_positive().then(|| m2.to_f64() / area.to_m2_f64())
    }

    /// 容积率: floor area over the parcel's area.
    #[must_use]
    pub fn plot_ratio(&self, area: Mu) -> Option<f64> {
        Self::per_area(self.floor_area_m2, area)
    }

    /// 建筑系数: footprint over the parcel's area.
    #[must_use]
    pub fn coverage(&self, area: Mu) -> Option<f64> {
        Self::per_area(self.footprint_m2, area)
    }

    /// Whether a footprint of `m2` fits on `area` exactly (no rounding).
    fn fits(m2: Quantity, area: Mu) -> bool {
        // m²·10⁴ × 1500 millionths per m² against 亩·10⁶ × 10⁴.
        i128::from(m2.units()) * i128::from(Mu::UNITS_PER_M2)
            <= i128::from(area.millionths()) * i128::from(Quantity::SCALE)
    }
}

/// A declaration that a parcel is idle (认定闲置).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleDeclaration {
    /// The day of the declaration.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// The idle fee (闲置费) due.
    pub fee: Yuan,
}

/// A reclamation (收回): the zone took the parcel back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reclamation {
    /// The day it was reclaimed.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// Who held it until then.
    pub former_holder: EnterpriseId,
    /// Why (e.g. 闲置满两年).
    pub reason: String,
}

/// The state of a parcel: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// Its number in this database.
    pub id: ParcelId,
    /// 地块编号, unique in the database.
    pub code: String,
    /// Its registered area, exact.
    pub area: Mu,
    /// Its land use (用途).
    pub land_use: LandUse,
    /// Where it is (坐落), as the ledger says.
    pub location: Option<String>,
    /// The boundary (界址) in force, if surveyed: set by its own events,
    /// never part of a stored state.
    #[serde(skip)]
    pub boundary: Option<Arc<Boundary>>,
    /// The note (备注) in force: set by its own events, never part of a
    /// stored state (a split's parts begin without one).
    #[serde(skip)]
    pub note: Option<String>,
    /// The buildings on the parcel as last reported (floor area and
    /// footprint): set by their own events, never part of a stored state.
    #[serde(skip)]
    pub buildings: Option<Buildings>,
    /// Who held the parcel from when (`None`: the reserve, or split),
    /// oldest first, from the day it entered the ledger: set by its own
    /// events, never part of a stored state.
    #[serde(skip)]
    pub tenure: Vec<(NaiveDate, Option<EnterpriseId>)>,
    /// The money on the parcel (地款, 闲置费, compensation), if any: set by
    /// its own events, never part of a stored state (a split's parts begin
    /// without one; the parent keeps its debts).
    #[serde(skip)]
    pub account: Option<Box<LandAccount>>,
    /// The buildings registered on the parcel (物业), with their stages:
    /// set by their own events, never part of a stored state.
    #[serde(skip)]
    pub register: Vec<Building>,
    /// 征地: when the zone acquired it.
    #[serde(with = "crate::days::day")]
    pub requisitioned: NaiveDate,
    /// 前期开发 (三通一平, 填土).
    #[serde(with = "crate::days::opt")]
    pub developed: Option<NaiveDate>,
    /// Its certificate (办证), if issued.
    pub certificate: Option<Certificate>,
    /// The firm that holds it; `None` in the reserve.
    pub holder: Option<EnterpriseId>,
    /// The terms of its supply in force, if held.
    pub supply: Option<SupplyTerms>,
    /// 动工: when construction started.
    #[serde(with = "crate::days::opt")]
    pub construction_started: Option<NaiveDate>,
    /// 竣工: when construction was complete.
    #[serde(with = "crate::days::opt")]
    pub completed: Option<NaiveDate>,
    /// Its declaration as idle in force, if any.
    pub idle_declared: Option<IdleDeclaration>,
    /// This parcel's own reclamations, oldest first.
    pub reclamations: Vec<Reclamation>,
    /// Whether this land was ever reclaimed (here or before a split).
    pub ever_reclaimed: bool,
    /// The parcel this one was split from.
    pub parent: Option<ParcelId>,
    /// The parcels this one was split into.
    pub children: Vec<ParcelId>,
    /// When it stopped existing as a parcel of its own (split into parts).
    #[serde(with = "crate::days::opt")]
    pub retired: Option<NaiveDate>,
    /// The date of the latest event in force: later events may not be earlier.
    #[serde(with = "crate::days::day")]
    pub last_event: NaiveDate,
    /// Whether the parcel entered the ledger without its requisition
    /// (登记, from published supply, transfer or mortgage results): then
    /// `requisitioned` is the day it entered, not a requisition, and the
    /// parcels table leaves `requisitioned` empty.
    #[serde(default, deserialize_with = "crate::units::added_in_10")]
    pub requisition_unknown: bool,
    /// The mortgages registered on the parcel, oldest first (those ended
    /// included: [`Mortgage::in_force`]).
    #[serde(default, deserialize_with = "crate::units::added_in_10")]
    pub mortgages: Vec<Mortgage>,
}

/// The fields of a parcel its own events set and a stored state skips,
/// as a checkpoint keeps them beside the state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Extras {
    #[serde(with = "crate::geometry::saved")]
    boundary: Option<Arc<Boundary>>,
    note: Option<String>,
    buildings: Option<Buildings>,
    #[serde(with = "crate::days::dated")]
    tenure: Vec<(NaiveDate, Option<EnterpriseId>)>,
    account: Option<Box<LandAccount>>,
    register: Vec<Building>,
}

impl Extras {
    pub(crate) fn of(p: &Parcel) -> Extras {
        Extras {
            boundary: p.boundary.clone(),
            note: p.note.clone(),
            buildings: p.buildings,
            tenure: p.tenure.clone(),
            account: p.account.clone(),
            register: p.register.clone(),
        }
    }

    pub(crate) fn into(self, p: Parcel) -> Parcel {
        Parcel {
            boundary: self.boundary,
            note: self.note,
            buildings: self.buildings,
            tenure: self.tenure,
            account: self.account,
            register: self.register,
            ..p
        }
    }
}

/// Whether a parcel is idle as of a date (闲置土地处置办法, 国土资源部令第53号, 2012).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdleState {
    /// Not idle.
    NotIdle,
    /// Idle: a fee (20% of the price unless declared otherwise) is due.
    Idle {
        /// The idle fee due.
        fee: Yuan,
    },
    /// Idle more than two years past the agreed start: reclaimable without compensation.
    Reclaimable {
        /// The idle fee due.
        fee: Yuan,
    },
}

impl IdleState {
    /// True when idle or reclaimable.
    #[must_use]
    pub fn is_idle(self) -> bool {
        !matches!(self, IdleState::NotIdle)
    }

    /// The fee due, if idle.
    #[must_use]
    pub fn fee(self) -> Option<Yuan> {
        match self {
            IdleState::NotIdle => None,
            IdleState::Idle { fee } | IdleState::Reclaimable { fee } => Some(fee),
        }
    }
}

impl Parcel {
    /// The vouchers (凭证号) of the payments received on the parcel.
    pub(crate) fn vouchers(&self) -> impl Iterator<Item = &str> {
        crate::money::vouchers(
            self.account
                .iter()
                .flat_map(|a| a.debts.iter().flat_map(|d| d.entries.iter())),
        )
    }

    /// The lifecycle status.
    #[must_use]
    pub fn status(&self) -> ParcelStatus {
        if self.retired.is_some() {
            ParcelStatus::Retired
        } else if self.holder.is_none() {
            ParcelStatus::Reserve
        } else if self.completed.is_some() {
            ParcelStatus::Completed
        } else if self.construction_started.is_some() {
            ParcelStatus::UnderConstruction
        } else {
            ParcelStatus::Allocated
        }
    }

    /// Idle status and fee as of `date`: held, construction not started,
    /// and declared idle or more than one year past the agreed start date;
    /// more than two years past it, reclaimable.
    #[must_use]
    pub fn idle_as_of(&self, date: NaiveDate) -> IdleState {
        if self.retired.is_some() || self.holder.is_none() || self.construction_started.is_some() {
            return IdleState::NotIdle;
        }
        let price = self.supply.as_ref().map_or(Yuan::ZERO, |s| s.price);
        let default_fee = price.ratio(20, 100).unwrap_or(Yuan::ZERO);
        let start_by = self.supply.as_ref().and_then(|s| s.start_by);
        let periods = self
            .supply
            .as_ref()
            .map_or(IdlePeriods::DEFAULT, SupplyTerms::periods);
        let past = |months: u32| {
            start_by
                .and_then(|s| s.checked_add_months(Months::new(months)))
                .is_some_and(|limit| date > limit)
        };
        let declared = self.idle_declared.as_ref().filter(|d| d.date <= date);
        let fee = declared.map_or(default_fee, |d| d.fee);
        if past(periods.reclaimable_after_months) {
            IdleState::Reclaimable { fee }
        } else if past(periods.idle_after_months) || declared.is_some() {
            IdleState::Idle { fee }
        } else {
            IdleState::NotIdle
        }
    }

    /// 逾期未动工, the early warning a park acts on: held, construction not
    /// started, past its agreed start (`start_by`) on `date`, and not yet
    /// idle (neither declared nor a year past it). The days past the agreed
    /// start, if so.
    #[must_use]
    pub fn start_overdue_days(&self, date: NaiveDate) -> Option<i64> {
        let start_by = self.supply.as_ref().and_then(|s| s.start_by)?;
        let waiting = self.retired.is_none()
            && self.holder.is_some()
            && self.construction_started.is_none()
            && date > start_by;
        (waiting && !self.idle_as_of(date).is_idle()).then(|| (date - start_by).num_days())
    }

    /// The idle fee owed on `date`: only under a declaration of idleness
    /// (认定闲置) made by then, as the declaration set it. A parcel idle by
    /// time alone owes nothing until declared: see
    /// [`Parcel::potential_idle_fee`].
    #[must_use]
    pub fn idle_fee_owed(&self, date: NaiveDate) -> Option<Yuan> {
        let idle = self.idle_as_of(date);
        let declared = self.idle_declared.as_ref().filter(|d| d.date <= date);
        declared.and(idle.fee())
    }

    /// What would be owed if the parcel, idle on `date` by time alone (a
    /// year past its agreed start, not declared), were declared idle: 20%
    /// of its price.
    #[must_use]
    pub fn potential_idle_fee(&self, date: NaiveDate) -> Option<Yuan> {
        let idle = self.idle_as_of(date);
        let declared = self.idle_declared.as_ref().filter(|d| d.date <= date);
        if declared.is_some() {
            None
        } else {
            idle.fee()
        }
    }

    /// The first day the parcel counts idle in its present state, if it
    /// does: [`Parcel::idle_as_of`] is idle from that day on (until an
    /// event changes the parcel) and not before.
    #[must_use]
    pub fn idle_since(&self) -> Option<NaiveDate> {
        if self.retired.is_some() || self.holder.is_none() || self.construction_started.is_some() {
            return None;
        }
        let past_the_period = self.supply.as_ref().and_then(|s| {
            s.start_by
                .and_then(|start| {
                    start.checked_add_months(Months::new(s.periods().idle_after_months))
                })
                .and_then(|limit| limit.succ_opt())
        });
        let declared = self.idle_declared.as_ref().map(|d| d.date);
        past_the_period.into_iter().chain(declared).min()
    }

    fn subject_text(&self) -> String {
        format!("{} ({})", self.code, self.id)
    }

    fn refuse(&self, kind: Rule, rule: impl Into<String>) -> Error {
        Error::lifecycle(Entity::Parcel, self.subject_text(), kind, rule)
    }

    /// The day the parcel entered the ledger (requisitioned, or split from
    /// its parent).
    #[must_use]
    pub fn entered(&self) -> NaiveDate {
        self.tenure.first().map_or(self.requisitioned, |t| t.0)
    }

    /// The floor area of the registered buildings completed by `date`
    /// (`None` when none is): what its plot ratio is measured by when no
    /// buildings were reported.
    #[must_use]
    pub fn register_floor_area(&self, date: NaiveDate) -> Option<Quantity> {
        let done: Vec<Quantity> = self
            .register
            .iter()
            .filter(|b| b.completed().is_some_and(|c| c <= date))
            .map(|b| b.spec.floor_area_m2)
            .collect();
        if done.is_empty() {
            return None;
        }
        Quantity::sum(done).ok()
    }

    /// 建筑系数 from the buildings register: the footprints of the buildings
    /// completed by `date`, when each of them gives one.
    #[must_use]
    pub fn register_coverage(&self, date: NaiveDate) -> Option<f64> {
        let done: Vec<Option<Quantity>> = self
            .register
            .iter()
            .filter(|b| b.completed().is_some_and(|c| c <= date))
            .map(|b| b.spec.footprint_m2)
            .collect();
        if done.is_empty() || done.iter().any(Option::is_none) {
            return None;
        }
        let total = Quantity::sum(done.into_iter().flatten()).ok()?;
        self.area
            .is_positive()
            .then(|| total.to_f64() / self.area.to_m2_f64())
    }

    /// 容积率 from the buildings register (completed by `date`).
    #[must_use]
    pub fn register_plot_ratio(&self, date: NaiveDate) -> Option<f64> {
        let floor = self.register_floor_area(date)?;
        self.area
            .is_positive()
            .then(|| floor.to_f64() / self.area.to_m2_f64())
    }

    /// The date of the parcel's latest event in force, money included.
    #[must_use]
    pub fn latest_any(&self) -> NaiveDate {
        self.account
            .as_ref()
            .map_or(self.last_event, |a| a.latest.max(self.last_event))
    }

    /// The land-price and idle-fee debts on the parcel.
    #[must_use]
    pub fn debts(&self) -> &[Debt] {
        self.account.as_ref().map_or(&[], |a| &a.debts)
    }

    /// The holder on `date`, by the tenure.
    #[must_use]
    pub fn holder_on(&self, date: NaiveDate) -> Option<EnterpriseId> {
        self.tenure
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .and_then(|(_, h)| *h)
    }

    /// The spans `holder` held the parcel, as things a management fee is
    /// charged on.
    #[must_use]
    pub fn held_spans(&self, holder: EnterpriseId) -> Vec<crate::money::Chargeable> {
        self.tenure
            .iter()
            .enumerate()
            .filter(|(_, (_, h))| *h == Some(holder))
            .map(|(i, (from, _))| {
                let to = self.tenure.get(i + 1).and_then(|next| next.0.pred_opt());
                crate::money::Chargeable::land(self.area, *from, to)
            })
            .collect()
    }

    fn account_mut(&mut self) -> &mut LandAccount {
        self.account.get_or_insert_with(Box::default)
    }

    fn held_from(&mut self, date: NaiveDate, holder: Option<EnterpriseId>) {
        self.tenure.push((date, holder));
    }

    fn owe(&mut self, charge: Charge, debtor: EnterpriseId, date: NaiveDate, amount: Yuan) {
        if amount.is_positive() {
            self.account_mut()
                .debts
                .push(Debt::new(charge, debtor, date, amount));
        }
    }
}

/// What happened to a parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ParcelEvent {
    /// 征地: the parcel enters the zone's reserve.
    Requisitioned {
        /// 地块编号.
        code: String,
        /// The registered area.
        area: Mu,
        /// The land use.
        land_use: LandUse,
        /// Where it is (坐落).
        location: Option<String>,
    },
    /// Created by splitting `parent`: the child's first state.
    SplitFrom {
        /// The parcel split.
        parent: ParcelId,
        /// The child's state as the split made it.
        state: Box<Parcel>,
    },
    /// 前期开发: 三通一平, 填土.
    Developed,
    /// 办证.
    Certified {
        /// The certificate's number.
        number: String,
    },
    /// 出让/划拨 to an enterprise.
    Allocated {
        /// The firm it is supplied to.
        holder: EnterpriseId,
        /// How it is supplied.
        method: SupplyMethod,
        /// The land price.
        price: Yuan,
        /// 约定动工日期.
        #[serde(with = "crate::days::opt")]
        start_by: Option<NaiveDate>,
        /// 约定竣工日期.
        #[serde(with = "crate::days::opt")]
        complete_by: Option<NaiveDate>,
        /// The idle periods of the policy in force on `start_by` (format
        /// 10 on; before, the default).
        #[serde(default, deserialize_with = "crate::units::added_in_10")]
        idle_periods: Option<IdlePeriods>,
    },
    /// 动工.
    ConstructionStarted,
    /// 竣工.
    Completed,
    /// 认定闲置, with the fee due.
    IdleDeclared {
        /// The idle fee due.
        fee: Yuan,
    },
    /// 收回: back to the reserve.
    Reclaimed {
        /// Why.
        reason: String,
    },
    /// 转让 from the holder to another enterprise.
    Transferred {
        /// The firm it passes to.
        to: EnterpriseId,
        /// The price the new holder owes the park.
        price: Yuan,
    },
    /// 分宗 into children whose areas sum exactly to this parcel's.
    Split {
        /// The children: id, code and area.
        children: Vec<(ParcelId, String, Mu)>,
    },
    /// The boundary (界址) surveyed or changed; `None` removes it.
    BoundarySet {
        /// The boundary, or `None` to remove it.
        boundary: Option<StoredBoundary>,
    },
    /// A note (备注) on the parcel from this date; `None` removes it.
    Noted {
        /// The note, or `None` to remove it.
        note: Option<String>,
    },
    /// The buildings on the parcel as of this date (a reported fact, as
    /// measured or from the completion survey), in m².
    BuildingsReported {
        /// 总建筑面积, m².
        floor_area_m2: Quantity,
        /// 建筑基底面积, m².
        footprint_m2: Quantity,
    },
    /// The land price's schedule (分期付款), replacing any before: on the
    /// latest land-price debt arisen by the event's date.
    PaymentsScheduled {
        /// The instalments, in order.
        instalments: Vec<Instalment>,
    },
    /// 收款: a payment of the land price or an idle fee.
    PaymentReceived(Payment),
    /// 退款.
    PaymentRefunded(Refund),
    /// 核销 (or, for an idle fee, 减免) with a reason.
    WrittenOff(WriteOff),
    /// 追缴: a step taken to collect.
    CollectionTaken(Collection),
    /// 征地补偿, 调地 or 办证费 the zone paid for the land.
    CompensationPaid(Compensation),
    /// A building registered on the parcel (物业).
    BuildingRegistered(BuildingSpec),
    /// A building reached a stage (在建, 封顶, 竣工, 投入使用).
    BuildingStageReached {
        /// The building's code.
        code: String,
        /// The stage reached.
        stage: BuildingStage,
    },
    /// A stage planned for a building, by a date.
    BuildingStagePlanned {
        /// The building's code.
        code: String,
        /// The stage planned.
        stage: BuildingStage,
        /// The day it is planned by.
        #[serde(with = "crate::days::day")]
        by: NaiveDate,
    },
    // Variants are stored by their place: new ones go last.
    /// 登记: the parcel enters the ledger on this date, its requisition not
    /// known (a parcel from published supply, transfer or mortgage
    /// results), in the reserve or already held by `holder`.
    Registered {
        /// 地块编号.
        code: String,
        /// The registered area.
        area: Mu,
        /// The land use.
        land_use: LandUse,
        /// Where it is (坐落).
        location: Option<String>,
        /// The holder, if the parcel enters held.
        holder: Option<EnterpriseId>,
    },
    /// The supply contract's other agreed terms (约定交地时间, 土地使用年限,
    /// 约定容积率…), on the day of the supply.
    ContractAgreed(Box<Contract>),
    /// 土地抵押: a mortgage registered on the held parcel from its date.
    Mortgaged(Box<Mortgage>),
    /// 二级市场转让: the holder passes the parcel to another (买卖, 赠与,
    /// 继承…); the price passes between them, nothing is owed to the park
    /// (a transfer the park makes is [`ParcelEvent::Transferred`]).
    Conveyed {
        /// The firm it passes to.
        to: EnterpriseId,
        /// The price, when the record gives one.
        price: Option<Yuan>,
        /// How it passes (买卖, 赠与, 继承…), as the record says.
        how: Option<String>,
    },
}

impl ParcelEvent {
    /// A short English name, as in history tables.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ParcelEvent::Requisitioned { .. } => "requisitioned",
            ParcelEvent::Registered { .. } => "registered",
            ParcelEvent::ContractAgreed(_) => "contract_agreed",
            ParcelEvent::Mortgaged(_) => "mortgaged",
            ParcelEvent::Conveyed { .. } => "conveyed",
            ParcelEvent::SplitFrom { .. } => "split_from",
            ParcelEvent::Developed => "developed",
            ParcelEvent::Certified { .. } => "certified",
            ParcelEvent::Allocated { .. } => "allocated",
            ParcelEvent::ConstructionStarted => "construction_started",
            ParcelEvent::Completed => "completed",
            ParcelEvent::IdleDeclared { .. } => "idle_declared",
            ParcelEvent::Reclaimed { .. } => "reclaimed",
            ParcelEvent::Transferred { .. } => "transferred",
            ParcelEvent::Split { .. } => "split",
            ParcelEvent::Noted { .. } => "noted",
            ParcelEvent::BoundarySet { .. } => "boundary_set",
            ParcelEvent::BuildingsReported { .. } => "buildings_reported",
            ParcelEvent::PaymentsScheduled { .. } => "payments_scheduled",
            ParcelEvent::PaymentReceived(_) => "payment_received",
            ParcelEvent::PaymentRefunded(_) => "payment_refunded",
            ParcelEvent::WrittenOff(_) => "written_off",
            ParcelEvent::CollectionTaken(_) => "collection_taken",
            ParcelEvent::CompensationPaid(_) => "compensation_paid",
            ParcelEvent::BuildingRegistered(_) => "building_registered",
            ParcelEvent::BuildingStageReached { .. } => "building_stage_reached",
            ParcelEvent::BuildingStagePlanned { .. } => "building_stage_planned",
        }
    }

    /// What the event says, in a line (for history tables).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ParcelEvent::Requisitioned {
                code,
                area,
                land_use,
                location,
            } => format!(
                "{code}, {area}, {}{}",
                land_use.code(),
                location
                    .as_ref()
                    .map(|l| format!(", {l}"))
                    .unwrap_or_default()
            ),
            ParcelEvent::Registered {
                code,
                area,
                land_use,
                location,
                holder,
            } => format!(
                "{code}, {area}, {}{}, requisition unknown{}",
                land_use.code(),
                location
                    .as_ref()
                    .map(|l| format!(", {l}"))
                    .unwrap_or_default(),
                holder.map(|h| format!(", held by {h}")).unwrap_or_default()
            ),
            ParcelEvent::ContractAgreed(c) => describe_contract(c),
            ParcelEvent::Conveyed { to, price, how } => format!(
                "conveyed to {to}{}{}",
                price.map(|p| format!(" for {p}")).unwrap_or_default(),
                how.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
            ),
            ParcelEvent::Mortgaged(m) => format!(
                "mortgaged to {} for {}{}",
                m.mortgagee,
                m.amount,
                m.until.map(|u| format!(" until {u}")).unwrap_or_default()
            ),
            ParcelEvent::SplitFrom { parent, state } => {
                format!("{} split from {parent}, {}", state.code, state.area)
            }
            ParcelEvent::Developed => "developed".into(),
            ParcelEvent::Certified { number } => format!("certificate {number}"),
            ParcelEvent::Allocated {
                holder,
                method,
                price,
                start_by,
                complete_by,
                ..
            } => format!(
                "to {holder} by {}, {price}{}{}",
                method.code(),
                start_by
                    .map(|d| format!(", start by {d}"))
                    .unwrap_or_default(),
                complete_by
                    .map(|d| format!(", complete by {d}"))
                    .unwrap_or_default()
            ),
            ParcelEvent::ConstructionStarted => "construction started".into(),
            ParcelEvent::Completed => "construction completed".into(),
            ParcelEvent::IdleDeclared { fee } => format!("declared idle, fee {fee}"),
            ParcelEvent::Reclaimed { reason } => format!("reclaimed: {reason}"),
            ParcelEvent::Transferred { to, price } => format!("transferred to {to} for {price}"),
            ParcelEvent::Split { children } => {
                let parts: Vec<String> = children
                    .iter()
                    .map(|(id, code, area)| format!("{code} ({id}) {area}"))
                    .collect();
                format!("split into {}", parts.join(", "))
            }
            ParcelEvent::Noted { note: Some(n) } => format!("note: {n}"),
            ParcelEvent::Noted { note: None } => "note removed".into(),
            ParcelEvent::BuildingsReported {
                floor_area_m2,
                footprint_m2,
            } => format!("buildings: floor area {floor_area_m2} m², footprint {footprint_m2} m²"),
            ParcelEvent::PaymentsScheduled { instalments } => {
                let parts: Vec<String> = instalments
                    .iter()
                    .map(|i| format!("{} on {}", i.amount, i.due))
                    .collect();
                format!("payments scheduled: {}", parts.join(", "))
            }
            ParcelEvent::PaymentReceived(p) => crate::money::describe_payment(p),
            ParcelEvent::PaymentRefunded(r) => crate::money::describe_refund(r),
            ParcelEvent::WrittenOff(w) => crate::money::describe_write_off(w),
            ParcelEvent::CollectionTaken(c) => crate::money::describe_collection(c),
            ParcelEvent::CompensationPaid(c) => format!(
                "{} {} paid to {}{}",
                c.kind.chinese(),
                c.amount,
                c.payee,
                c.area.map(|a| format!(" for {a}")).unwrap_or_default()
            ),
            ParcelEvent::BuildingRegistered(b) => format!(
                "building {} ({}), {} m², {} m² lettable",
                b.code,
                b.use_.chinese(),
                b.floor_area_m2,
                b.lettable_m2
            ),
            ParcelEvent::BuildingStageReached { code, stage } => {
                format!("building {code}: {}", stage.chinese())
            }
            ParcelEvent::BuildingStagePlanned { code, stage, by } => {
                format!("building {code}: {} planned by {by}", stage.chinese())
            }
            ParcelEvent::BoundarySet { boundary: None } => "boundary removed".into(),
            ParcelEvent::BoundarySet { boundary: Some(b) } => match Boundary::from_stored(b) {
                Ok(b) => format!("boundary in {}, {} surveyed", b.crs(), b.area()),
                Err(_) => format!("boundary in EPSG:{}", b.crs),
            },
        }
    }

    /// Whether the event is money (a payment, schedule, write-off,
    /// collection or compensation): it does not take its place in the
    /// lifecycle, so it may be entered at any time, on a split parcel too.
    #[must_use]
    pub fn is_money(&self) -> bool {
        matches!(
            self,
            ParcelEvent::PaymentsScheduled { .. }
                | ParcelEvent::PaymentReceived(_)
                | ParcelEvent::PaymentRefunded(_)
                | ParcelEvent::WrittenOff(_)
                | ParcelEvent::CollectionTaken(_)
                | ParcelEvent::CompensationPaid(_)
        )
    }

    /// Whether the event is about the buildings register: like money, it
    /// does not take its place in the lifecycle.
    #[must_use]
    pub fn is_register(&self) -> bool {
        matches!(
            self,
            ParcelEvent::BuildingRegistered(_)
                | ParcelEvent::BuildingStageReached { .. }
                | ParcelEvent::BuildingStagePlanned { .. }
        )
    }

    /// Whether the event creates the parcel (and so cannot be voided alone).
    #[must_use]
    pub fn creates(&self) -> bool {
        matches!(
            self,
            ParcelEvent::Requisitioned { .. }
                | ParcelEvent::Registered { .. }
                | ParcelEvent::SplitFrom { .. }
        )
    }
}

/// A contract's terms in a line.
fn describe_contract(c: &Contract) -> String {
    let mut parts = Vec::new();
    if let Some(d) = c.deliver_by {
        parts.push(format!("deliver by {d}"));
    }
    for t in &c.terms {
        parts.push(match &t.use_ {
            Some(u) => format!("{u} {} years", t.years),
            None => format!("{} years", t.years),
        });
    }
    match (c.plot_ratio_min, c.plot_ratio_max) {
        (None, None) => {}
        (lo, hi) => parts.push(format!(
            "plot ratio {}–{}",
            lo.map(|q| q.to_string()).unwrap_or_default(),
            hi.map(|q| q.to_string()).unwrap_or_default()
        )),
    }
    if !c.instalments.is_empty() {
        let each: Vec<String> = c.instalments.iter().map(ToString::to_string).collect();
        parts.push(format!("instalments {}", each.join("; ")));
    }
    for v in [&c.project, &c.industry, &c.grade, &c.approved_by]
        .into_iter()
        .flatten()
    {
        parts.push(v.clone());
    }
    format!("contract: {}", parts.join(", "))
}

/// Applies one event to a parcel's state: the hard rules of the ledger.
/// The same function serves writes (to refuse) and reads (to fold).
pub(crate) fn apply(
    state: Option<Parcel>,
    id: ParcelId,
    date: NaiveDate,
    event: &ParcelEvent,
) -> Result<Parcel> {
    let mut p = match (state, event) {
        (
            None,
            ParcelEvent::Requisitioned {
                code,
                area,
                land_use,
                location,
            },
        ) => {
            return Ok(Parcel {
                id,
                code: code.clone(),
                area: *area,
                land_use: *land_use,
                location: location.clone(),
                boundary: None,
                note: None,
                buildings: None,
                tenure: vec![(date, None)],
                account: None,
                register: Vec::new(),
                requisitioned: date,
                developed: None,
                certificate: None,
                holder: None,
                supply: None,
                construction_started: None,
                completed: None,
                idle_declared: None,
                reclamations: Vec::new(),
                ever_reclaimed: false,
                parent: None,
                children: Vec::new(),
                retired: None,
                last_event: date,
                requisition_unknown: false,
                mortgages: Vec::new(),
            })
        }
        (
            None,
            ParcelEvent::Registered {
                code,
                area,
                land_use,
                location,
                holder,
            },
        ) => {
            let created = ParcelEvent::Requisitioned {
                code: code.clone(),
                area: *area,
                land_use: *land_use,
                location: location.clone(),
            };
            let mut p = apply(None, id, date, &created)?;
            p.requisition_unknown = true;
            p.holder = *holder;
            p.tenure = vec![(date, *holder)];
            return Ok(p);
        }
        (None, ParcelEvent::SplitFrom { state, .. }) => {
            let mut child = (**state).clone();
            child.tenure = vec![(date, state.holder)];
            return Ok(child);
        }
        (None, other) => {
            return Err(Error::lifecycle(
                Entity::Parcel,
                id.to_string(),
                Rule::NotCreated,
                format!(
                    "the first event must create the parcel, not {:?}",
                    other.name()
                ),
            ))
        }
        (Some(p), e) if e.creates() => {
            return Err(p.refuse(Rule::AlreadyExists, "the parcel already exists"))
        }
        (Some(p), _) => p,
    };
    if event.is_money() {
        return apply_money(p, date, event);
    }
    if event.is_register() {
        return apply_register(p, date, event);
    }
    // Folds and writes keep dated events in date order (history entered
    // late is folded again in its place: `Writer::entered_late`); only a
    // split, applied to the state directly, can meet this guard.
    if date < p.last_event {
        return Err(p.refuse(
            Rule::OutOfOrder,
            format!(
                "{date} is before the parcel's latest event on {}: a split is not entered late",
                p.last_event
            ),
        ));
    }
    if p.retired.is_some() {
        return Err(p.refuse(
            Rule::Split,
            format!(
                "the parcel was split on {}; write to its children",
                p.last_event
            ),
        ));
    }
    match event {
        ParcelEvent::Requisitioned { .. }
        | ParcelEvent::Registered { .. }
        | ParcelEvent::SplitFrom { .. } => unreachable!(),
        ParcelEvent::PaymentsScheduled { .. }
        | ParcelEvent::PaymentReceived(_)
        | ParcelEvent::PaymentRefunded(_)
        | ParcelEvent::WrittenOff(_)
        | ParcelEvent::CollectionTaken(_)
        | ParcelEvent::CompensationPaid(_) => unreachable!("money is applied by apply_money"),
        ParcelEvent::BuildingRegistered(_)
        | ParcelEvent::BuildingStageReached { .. }
        | ParcelEvent::BuildingStagePlanned { .. } => {
            unreachable!("the register is applied by apply_register")
        }
        ParcelEvent::Developed => {
            if let Some(d) = p.developed {
                return Err(p.refuse(Rule::AlreadyDone, format!("already developed on {d}")));
            }
            p.developed = Some(date);
        }
        ParcelEvent::Certified { number } => {
            if let Some(c) = &p.certificate {
                return Err(p.refuse(
                    Rule::AlreadyDone,
                    format!("already certified on {} ({})", c.date, c.number),
                ));
            }
            p.certificate = Some(Certificate {
                date,
                number: number.clone(),
            });
        }
        ParcelEvent::Allocated {
            holder,
            method,
            price,
            start_by,
            complete_by,
            idle_periods,
        } => {
            if let Some(h) = p.holder {
                return Err(p.refuse(
                    Rule::AlreadyHeld,
                    format!("cannot allocate a parcel that already has a holder ({h})"),
                ));
            }
            p.holder = Some(*holder);
            p.held_from(date, Some(*holder));
            p.owe(Charge::LandPrice, *holder, date, *price);
            p.supply = Some(SupplyTerms {
                date,
                method: *method,
                price: *price,
                start_by: *start_by,
                complete_by: *complete_by,
                contract: None,
                idle_periods: *idle_periods,
            });
        }
        ParcelEvent::ContractAgreed(contract) => {
            let Some(terms) = p.supply.as_mut() else {
                return Err(p.refuse(
                    Rule::InReserve,
                    "a contract's terms belong to a supply; the parcel has none in force",
                ));
            };
            if terms.date != date {
                let on = terms.date;
                return Err(p.refuse(
                    Rule::NotAllowedNow,
                    format!("a contract's terms are dated on its supply ({on}), not {date}"),
                ));
            }
            if terms.contract.is_some() {
                return Err(p.refuse(
                    Rule::AlreadyDone,
                    "the supply's contract terms are recorded already",
                ));
            }
            terms.contract = Some(contract.clone());
        }
        ParcelEvent::Mortgaged(m) => {
            if p.holder.is_none() {
                return Err(p.refuse(
                    Rule::InReserve,
                    "only a held parcel can be mortgaged; it is in the reserve",
                ));
            }
            p.mortgages.push((**m).clone());
        }
        ParcelEvent::ConstructionStarted => {
            if p.holder.is_none() {
                return Err(p.refuse(
                    Rule::InReserve,
                    "construction needs a holder; the parcel is in the reserve",
                ));
            }
            if let Some(d) = p.construction_started {
                return Err(p.refuse(
                    Rule::AlreadyDone,
                    format!("construction already started on {d}"),
                ));
            }
            p.construction_started = Some(date);
        }
        ParcelEvent::Completed => {
            if p.construction_started.is_none() {
                return Err(p.refuse(
                    Rule::NotAllowedNow,
                    "cannot complete construction that has not started",
                ));
            }
            if let Some(d) = p.completed {
                return Err(p.refuse(Rule::AlreadyDone, format!("already completed on {d}")));
            }
            p.completed = Some(date);
        }
        ParcelEvent::IdleDeclared { fee } => {
            if p.holder.is_none() {
                return Err(p.refuse(Rule::InReserve, "only a held parcel can be declared idle"));
            }
            if let Some(d) = p.construction_started {
                return Err(p.refuse(
                    Rule::NotAllowedNow,
                    format!("construction started on {d}; the parcel is not idle"),
                ));
            }
            if let Some(d) = &p.idle_declared {
                return Err(p.refuse(
                    Rule::AlreadyDone,
                    format!("already declared idle on {}", d.date),
                ));
            }
            p.idle_declared = Some(IdleDeclaration { date, fee: *fee });
            if let Some(h) = p.holder {
                p.owe(Charge::IdleFee, h, date, *fee);
            }
        }
        ParcelEvent::Reclaimed { reason } => {
            let Some(former) = p.holder else {
                return Err(p.refuse(
                    Rule::InReserve,
                    "only a held parcel can be reclaimed; it is in the reserve",
                ));
            };
            let subject = p.subject_text();
            if let Some(account) = p.account.as_mut() {
                for debt in account
                    .debts
                    .iter_mut()
                    .filter(|d| d.charge == Charge::LandPrice && d.closed.is_none())
                {
                    debt.close(date)
                        .map_err(|why| why.of(Entity::Parcel, subject.clone()))?;
                }
            }
            p.held_from(date, None);
            p.reclamations.push(Reclamation {
                date,
                former_holder: former,
                reason: reason.clone(),
            });
            p.ever_reclaimed = true;
            p.holder = None;
            p.supply = None;
            p.construction_started = None;
            p.completed = None;
            p.idle_declared = None;
        }
        // The park's transfer owes its price to the park; a conveyance
        // between holders owes nothing.
        ParcelEvent::Transferred { to, .. } | ParcelEvent::Conveyed { to, .. } => {
            let Some(from) = p.holder else {
                return Err(p.refuse(
                    Rule::InReserve,
                    "only a held parcel can be transferred; it is in the reserve",
                ));
            };
            if from == *to {
                return Err(p.refuse(
                    Rule::AlreadyHeld,
                    format!("the parcel is already held by {to}"),
                ));
            }
            p.holder = Some(*to);
            p.held_from(date, Some(*to));
            if let ParcelEvent::Transferred { price, .. } = event {
                p.owe(Charge::LandPrice, *to, date, *price);
            }
            p.idle_declared = None;
        }
        ParcelEvent::Split { children } => {
            if children.len() < 2 {
                return Err(p.refuse(Rule::Amount, "a split needs at least two parts"));
            }
            let total = Mu::sum(children.iter().map(|c| c.2))?;
            if total != p.area {
                return Err(p.refuse(
                    Rule::Amount,
                    format!(
                        "the parts of a split must sum to the parcel's area: {} ≠ {}",
                        total, p.area
                    ),
                ));
            }
            p.children = children.iter().map(|c| c.0).collect();
            p.retired = Some(date);
            p.held_from(date, None);
        }
        ParcelEvent::BoundarySet { boundary } => {
            p.boundary = boundary
                .as_ref()
                .map(|b| Boundary::from_stored(b).map(Arc::new))
                .transpose()?;
        }
        ParcelEvent::Noted { note } => p.note.clone_from(note),
        ParcelEvent::BuildingsReported {
            floor_area_m2,
            footprint_m2,
        } => {
            if p.construction_started.is_none() && p.completed.is_none() {
                return Err(p.refuse(
                    Rule::NotAllowedNow,
                    "buildings are reported once construction has started on the parcel",
                ));
            }
            if *footprint_m2 > *floor_area_m2 {
                return Err(p.refuse(Rule::Amount, format!(
                    "a footprint of {footprint_m2} m² is more than the floor area of {floor_area_m2} m²"
                )));
            }
            if !Buildings::fits(*footprint_m2, p.area) {
                return Err(p.refuse(
                    Rule::Amount,
                    format!(
                        "a footprint of {footprint_m2} m² does not fit on {} of land",
                        p.area
                    ),
                ));
            }
            p.buildings = Some(Buildings {
                date,
                floor_area_m2: *floor_area_m2,
                footprint_m2: *footprint_m2,
            });
        }
    }
    p.last_event = date;
    Ok(p)
}

/// Applies a money event: it needs the parcel to exist on its date and,
/// for a payment, refund, write-off or schedule, a debt arisen by then.
fn apply_money(mut p: Parcel, date: NaiveDate, event: &ParcelEvent) -> Result<Parcel> {
    if date < p.entered() {
        return Err(p.refuse(
            Rule::OutOfOrder,
            format!(
                "{date} is before the parcel entered the ledger on {}",
                p.entered()
            ),
        ));
    }
    let subject = p.subject_text();
    let refuse = |why: Refusal| why.of(Entity::Parcel, subject.clone());
    let account = p.account_mut();
    account.latest = account.latest.max(date);
    match event {
        ParcelEvent::PaymentsScheduled { instalments } => account
            .debt_for(Charge::LandPrice, date, None)
            .and_then(|d| d.reschedule(instalments))
            .map_err(refuse)?,
        ParcelEvent::PaymentReceived(pay) => account
            .debt_for(pay.charge, date, pay.payer)
            .and_then(|d| d.pay(date, pay))
            .map_err(refuse)?,
        ParcelEvent::PaymentRefunded(r) => account
            .debt_for(r.charge, date, r.payer)
            .and_then(|d| d.refund(date, r))
            .map_err(refuse)?,
        ParcelEvent::WrittenOff(w) => account
            .debt_for(w.charge, date, w.debtor)
            .and_then(|d| d.write_off(date, w))
            .map_err(refuse)?,
        ParcelEvent::CollectionTaken(c) => {
            account.collections.push((date, c.clone()));
        }
        ParcelEvent::CompensationPaid(c) => {
            account.compensation.push((date, c.clone()));
        }
        _ => unreachable!("only money events"),
    }
    Ok(p)
}

/// Applies an event of the buildings register: on a parcel that stands
/// (not split) and exists on the date.
fn apply_register(mut p: Parcel, date: NaiveDate, event: &ParcelEvent) -> Result<Parcel> {
    if date < p.entered() {
        return Err(p.refuse(
            Rule::OutOfOrder,
            format!(
                "{date} is before the parcel entered the ledger on {}",
                p.entered()
            ),
        ));
    }
    if let Some(split) = p.retired {
        return Err(p.refuse(
            Rule::Split,
            format!("the parcel was split on {split}; register buildings on its parts"),
        ));
    }
    let subject = p.subject_text();
    let find = |p: &mut Parcel, code: &str| -> Result<usize> {
        p.register
            .iter()
            .position(|b| b.spec.code == code)
            .ok_or_else(|| {
                Error::lifecycle(
                    Entity::Parcel,
                    subject.clone(),
                    Rule::NoSuchItem,
                    format!("has no building {code} in its register"),
                )
            })
    };
    match event {
        ParcelEvent::BuildingRegistered(spec) => {
            if p.register.iter().any(|b| b.spec.code == spec.code) {
                return Err(p.refuse(
                    Rule::AlreadyExists,
                    format!("building {} is registered already", spec.code),
                ));
            }
            p.register.push(Building {
                spec: spec.clone(),
                registered: date,
                stages: Vec::new(),
                planned: Vec::new(),
            });
        }
        ParcelEvent::BuildingStageReached { code, stage } => {
            let i = find(&mut p, code)?;
            p.register[i]
                .reach(*stage, date)
                .map_err(|why| why.of(Entity::Parcel, subject.clone()))?;
        }
        ParcelEvent::BuildingStagePlanned { code, stage, by } => {
            let i = find(&mut p, code)?;
            let b = &mut p.register[i];
            b.planned.retain(|(s, _)| s != stage);
            b.planned.push((*stage, *by));
        }
        _ => unreachable!("only register events"),
    }
    Ok(p)
}

/// The first state of a child of a split: the parent's state, with the
/// child's own id, code and area.
pub(crate) fn child_state(
    parent: &Parcel,
    id: ParcelId,
    code: &str,
    area: Mu,
    date: NaiveDate,
) -> Parcel {
    Parcel {
        id,
        code: code.to_owned(),
        area,
        boundary: None,
        note: None,
        buildings: None,
        tenure: vec![(date, parent.holder)],
        account: None,
        register: Vec::new(),
        reclamations: Vec::new(),
        parent: Some(parent.id),
        children: Vec::new(),
        retired: None,
        last_event: date,
        ..parent.clone()
    }
}
