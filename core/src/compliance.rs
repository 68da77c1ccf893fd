//! A firm's record beside its project: qualifications (资质: 高新技术企业,
//! 科技型中小企业, 专精特新, a programme's 骨干企业, 新药证书) with their
//! validity, honours (科学技术奖), and compliance — inspections (环保, 安全;
//! planned or 突击) with their rectification, incidents, complaints and
//! their resolution. Pure values and rules; the events that carry them
//! belong to the enterprise.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::code_enum;
use crate::units::Quantity;

code_enum!(
    /// A qualification a firm holds (认定).
    QualificationKind, "kind", {
        /// 高新技术企业认定: three years.
        HighTech = "high_tech" / "高新技术企业" | "高新技术企业认定" | "高企",
        /// 科技型中小企业 (evaluated each year).
        TechSme = "tech_sme" / "科技型中小企业",
        /// 专精特新 (three years).
        Specialised = "specialised" / "专精特新" | "专精特新企业",
        /// A programme's backbone firm (骨干企业), named in `programme`.
        Backbone = "backbone" / "骨干企业",
        /// 新药证书 (with its production approval).
        NewDrug = "new_drug" / "新药证书",
        /// Another certificate (ISO14001, …), named in `programme`.
        Other = "other" / "其他" | "其他资质",
    }
);

impl QualificationKind {
    /// How long the qualification holds when no end is given, in months.
    #[must_use]
    pub fn default_months(self) -> Option<u32> {
        match self {
            QualificationKind::HighTech | QualificationKind::Specialised => Some(36),
            QualificationKind::TechSme => Some(12),
            QualificationKind::Backbone | QualificationKind::NewDrug | QualificationKind::Other => {
                None
            }
        }
    }
}

code_enum!(
    /// The level of an honour.
    HonourLevel, "level", {
        National = "national" / "国家级" | "国家",
        Provincial = "provincial" / "省级" | "省",
        Municipal = "municipal" / "市级" | "市",
        District = "district" / "区级" | "区",
    }
);

code_enum!(
    /// What compliance is about.
    Domain, "domain", {
        /// 环保.
        Environment = "environment" / "环保" | "环境保护" | "环境",
        /// 安全 (安全生产).
        Safety = "safety" / "安全" | "安全生产",
    }
);

/// A qualification (资质) as awarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    /// Which (高新技术企业, 骨干企业…).
    pub kind: QualificationKind,
    /// The certificate's number, if it has one.
    pub number: Option<String>,
    /// The programme or standard: `厦门国家半导体照明工程产业化基地` for a
    /// backbone firm, `ISO14001`, a drug's name for a new-drug certificate.
    pub programme: Option<String>,
    /// The last day it holds; `None` with a kind's default (three years
    /// for 高新技术企业) is filled in when recorded.
    #[serde(with = "crate::days::opt")]
    pub valid_until: Option<NaiveDate>,
}

/// A qualification held, with its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// What was awarded.
    pub qualification: Qualification,
    /// The day it was awarded.
    #[serde(with = "crate::days::day")]
    pub awarded: NaiveDate,
    /// Revoked (撤销) on a date, with the reason.
    pub revoked: Option<(NaiveDate, String)>,
}

impl Held {
    /// Whether it holds on `date`: awarded by then, not expired, not revoked.
    #[must_use]
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        self.awarded <= date
            && self.qualification.valid_until.is_none_or(|u| date <= u)
            && self.revoked.as_ref().is_none_or(|(r, _)| date < *r)
    }
}

/// An honour (科学技术奖 and the like).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Honour {
    /// The award: `科学技术奖`.
    pub award: String,
    /// Who gave it (national, provincial, municipal, district).
    pub level: HonourLevel,
    /// The class: `一等奖`, `二等奖`, `三等奖`.
    pub class: String,
    /// The year it is for (the award's year, which may precede its date).
    pub year: i32,
    /// The project honoured, if named.
    pub project: Option<String>,
    /// Others who won it with the firm.
    pub co_winners: Vec<String>,
}

/// An inspection (检查).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    /// What it is about (environment, safety…).
    pub domain: Domain,
    /// 突击: unannounced (a night check, say); otherwise planned.
    pub surprise: bool,
    /// What it found, if anything.
    pub findings: Option<String>,
    /// The rectification deadline (整改期限), when findings need one.
    #[serde(with = "crate::days::opt")]
    pub rectify_by: Option<NaiveDate>,
}

/// An incident (事故): a spill, a fire, an injury.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// What it is about (environment, safety…).
    pub domain: Domain,
    /// What happened: `浓硫酸外泄`.
    pub kind: String,
    /// How much was released, in tonnes.
    pub quantity_t: Option<Quantity>,
    /// How many were hurt.
    pub casualties: u32,
    /// How long the response took, in hours.
    pub response_hours: Option<Quantity>,
    /// How it ended, if said.
    pub outcome: Option<String>,
}

/// A complaint (投诉) about a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// What it is about (environment, safety…).
    pub domain: Domain,
    /// What it is about.
    pub subject: String,
    /// Who complained.
    pub source: Option<String>,
}

/// A dated item of compliance, and when it was closed (rectified,
/// resolved) with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item<T> {
    /// The day of the item.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// The item.
    pub item: T,
    /// When it was closed, and with what, if it was.
    pub closed: Option<(NaiveDate, Option<String>)>,
}

/// A firm's qualifications, honours and compliance, as folded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FirmRecord {
    /// Qualifications, in order of award.
    pub qualifications: Vec<Held>,
    /// Honours, by date.
    #[serde(with = "crate::days::dated")]
    pub honours: Vec<(NaiveDate, Honour)>,
    /// Inspections, in order of recording.
    pub inspections: Vec<Item<Inspection>>,
    /// Incidents, by date.
    #[serde(with = "crate::days::dated")]
    pub incidents: Vec<(NaiveDate, Incident)>,
    /// Complaints, in order of recording.
    pub complaints: Vec<Item<Complaint>>,
}

impl FirmRecord {
    /// Whether a qualification of `kind` holds on `date`.
    #[must_use]
    pub fn qualified(&self, kind: QualificationKind, date: NaiveDate) -> bool {
        self.qualifications
            .iter()
            .any(|q| q.qualification.kind == kind && q.holds_on(date))
    }

    /// Open items on `date`: inspections awaiting rectification and
    /// complaints not resolved by then.
    #[must_use]
    pub fn open_items(&self, date: NaiveDate) -> usize {
        let open = |closed: &Option<(NaiveDate, Option<String>)>| {
            closed.as_ref().is_none_or(|(c, _)| *c > date)
        };
        self.inspections
            .iter()
            .filter(|i| i.date <= date && i.item.rectify_by.is_some() && open(&i.closed))
            .count()
            + self
                .complaints
                .iter()
                .filter(|c| c.date <= date && open(&c.closed))
                .count()
    }
}

/// The last day of a qualification awarded on `date` with no end given.
#[must_use]
pub fn default_end(kind: QualificationKind, date: NaiveDate) -> Option<NaiveDate> {
    kind.default_months()
        .and_then(|m| date.checked_add_months(Months::new(m)))
        .and_then(|d| d.pred_opt())
}
