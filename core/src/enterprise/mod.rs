//! The enterprise register (企业).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::compliance::{
    Complaint, FirmRecord, Held, Honour, Incident, Inspection, Item, Qualification,
    QualificationKind,
};
use crate::error::{Entity, Error, Refusal, Result, Rule};
use crate::ids::code_enum;
use crate::money::{Collection, Entry, FeeAccount, Payment, Refund, WriteOff};
use crate::units::{Mu, Quantity, Yuan};

pub use crate::ids::EnterpriseId;
pub use yearly::Yearly;

pub(crate) mod digest;
pub mod yearly;

/// The characters of a unified social credit code, in value order.
const CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^(i-1) mod 31` for the first 17 characters.
const CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Checks a unified social credit code (统一社会信用代码, GB 32100-2015):
/// 18 characters from `0-9A-Y` without I, O, S, V, Z, the last being the
/// check character `(31 − Σ vᵢ·wᵢ mod 31) mod 31`.
///
/// # Errors
/// [`Error::Validation`] saying which part is wrong.
pub fn check_credit_code(code: &str) -> Result<()> {
    let values = check_credit_code_shape(code)?;
    let bytes = code.as_bytes();
    let sum: u32 = values[..17]
        .iter()
        .zip(CODE_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let expected = (31 - sum % 31) % 31;
    if values[17] != expected {
        return Err(Error::validation(
            "credit_code",
            format!(
                "{code:?}: check character is {:?}, the code's own digits give {:?}",
                char::from(bytes[17]),
                char::from(CODE_CHARS[expected as usize])
            ),
        ));
    }
    Ok(())
}

/// Checks a credit code's length and alphabet, not its check character;
/// returns the character values.
///
/// # Errors
/// [`Error::Validation`] saying which character is wrong.
pub fn check_credit_code_shape(code: &str) -> Result<[u32; 18]> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(Error::validation(
            "credit_code",
            format!(
                "{code:?} has {} characters; a credit code has 18",
                code.chars().count()
            ),
        ));
    }
    let mut values = [0u32; 18];
    for (i, b) in bytes.iter().enumerate() {
        values[i] = CODE_CHARS
            .iter()
            .position(|c| c == b)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| {
                Error::validation(
                    "credit_code",
                    format!(
                        "{code:?}: character {} ({:?}) is not one of 0-9 and A-Y without I, O, S, V, Z",
                        i + 1,
                        char::from(*b)
                    ),
                )
            })?;
    }
    Ok(values)
}

/// True when `code` is a well-formed credit code with the right check character.
#[must_use]
pub fn validate_credit_code(code: &str) -> bool {
    check_credit_code(code).is_ok()
}

code_enum!(
    /// Where an enterprise's investment project stands.
    EnterpriseStatus, "status", {
        /// In the register, no project signed yet.
        Registered = "registered" / "已登记",
        /// 签约/引进: the project is signed.
        Signed = "signed" / "签约",
        UnderConstruction = "under_construction" / "在建",
        InProduction = "in_production" / "投产",
        Suspended = "suspended" / "停产",
        Closed = "closed" / "关闭",
    }
);

code_enum!(
    /// A firm's identifier other than its 统一社会信用代码: the ids firms
    /// were registered under before 2015 (三证合一), which tax and land
    /// records still carry.
    IdKind, "id_kind", {
        /// 纳税人识别号: 15, 17, 18 or 20 letters and digits.
        TaxId = "tax_id" / "纳税人识别号" | "税号" | "税务登记号",
        /// 组织机构代码 (GB 11714): 8 characters and a check character.
        OrgCode = "org_code" / "组织机构代码" | "机构代码",
        /// 工商注册号 (营业执照注册号): 15 digits.
        Licence = "licence" / "工商注册号" | "营业执照注册号" | "注册号",
    }
);

/// `3, 7, 9, 10, 5, 8, 4, 2`: the weights of an organisation code's eight
/// characters (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Checks a firm's id of `kind` and returns it as kept (trimmed, letters
/// upper-cased, a `-` before an organisation code's check character
/// dropped): a 纳税人识别号 is 15, 17, 18 or 20 letters and digits; an
/// 组织机构代码 is 8 digits or capitals and its check character
/// (`11 − Σ cᵢ·wᵢ mod 11`, 10 written `X`, 11 `0`); a 工商注册号 is 15
/// digits.
///
/// # Errors
/// [`Error::Validation`] saying what is wrong.
pub fn check_other_id(kind: IdKind, text: &str) -> Result<String> {
    let id: String = text
        .trim()
        .chars()
        .filter(|c| !(kind == IdKind::OrgCode && *c == '-'))
        .collect::<String>()
        .to_uppercase();
    let bad = |why: String| {
        Error::validation(kind.code(), format!("{}: {why}", crate::text::shown(text)))
    };
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad(format!(
            "a {} is letters and digits only",
            kind.chinese()
        )));
    }
    let n = id.len();
    match kind {
        IdKind::TaxId if ![15, 17, 18, 20].contains(&n) => Err(bad(format!(
            "has {n} characters; a 纳税人识别号 has 15, 17, 18 or 20"
        ))),
        IdKind::Licence if n != 15 || !id.chars().all(|c| c.is_ascii_digit()) => {
            Err(bad("a 工商注册号 is 15 digits".into()))
        }
        IdKind::OrgCode => {
            if n != 9 {
                return Err(bad(format!(
                    "has {n} characters; a 组织机构代码 has 9 (8 and a check character)"
                )));
            }
            let value = |c: char| c.to_digit(36);
            let sum: u32 = id
                .chars()
                .take(8)
                .zip(ORG_WEIGHTS)
                .map(|(c, w)| value(c).unwrap_or(0) * w)
                .sum();
            let expected = match 11 - sum % 11 {
                10 => 'X',
                11 => '0',
                d => char::from_digit(d, 10).unwrap_or('0'),
            };
            let given = id.chars().nth(8).unwrap_or(' ');
            if given == expected {
                Ok(id)
            } else {
                Err(bad(format!(
                    "check character is {given:?}, the code's own characters give {expected:?}"
                )))
            }
        }
        _ => Ok(id),
    }
}

/// The firm among `all` that `key` names by another id (纳税人识别号,
/// 组织机构代码, 工商注册号), else by its exact registered name: the end
/// of a lookup by key, after its id and credit code (see
/// [`crate::View::enterprise_by_key`]).
///
/// # Errors
/// [`Error::NotFound`] saying which kinds of key were tried;
/// [`Error::Conflict`] for a name two firms are registered under, listing
/// them.
pub(crate) fn by_other_id_or_name<'a>(
    key: &str,
    all: impl Iterator<Item = &'a Enterprise> + Clone,
) -> Result<Enterprise> {
    let upper = key.to_uppercase();
    if let Some(e) = all
        .clone()
        .find(|e| e.other_ids.iter().any(|(_, id)| *id == upper))
    {
        return Ok(e.clone());
    }
    let named: Vec<&Enterprise> = all.filter(|e| e.name == key).collect();
    if named.len() > 1 {
        let listed: Vec<String> = named
            .iter()
            .map(|e| match &e.credit_code {
                Some(c) => format!("{} ({c})", e.id),
                None => e.id.to_string(),
            })
            .collect();
        return Err(Error::Conflict {
            entity: Entity::Enterprise,
            key: key.to_owned(),
            reason: format!(
                "{} firms are registered under this name: {}; give an id or a credit code",
                named.len(),
                listed.join(", ")
            ),
        });
    }
    named.first().map(|e| (*e).clone()).ok_or_else(|| {
        Error::not_found(
            Entity::Enterprise,
            format!(
                "{} (tried as an id, a credit code, another id (纳税人识别号, 组织机构代码, 工商注册号) and a registered name)",
                crate::text::shown(key)
            ),
        )
    })
}

/// A year's economic figures of an enterprise; a field left `None` was not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearlyFigures {
    /// 产值.
    pub output_value: Option<Yuan>,
    /// 营业收入.
    pub revenue: Option<Yuan>,
    /// 税收 (tax paid).
    pub tax: Option<Yuan>,
    /// 增加值.
    pub value_added: Option<Yuan>,
    /// Average employees over the year (年平均职工人数).
    pub employees: Option<u32>,
    /// R&D expense (研发经费).
    pub rd: Option<Yuan>,
    /// Energy use in tonnes of standard coal (吨标煤).
    pub energy_tce: Option<Quantity>,
    /// Electricity use in kWh.
    pub electricity_kwh: Option<Quantity>,
    /// Main pollutant emissions in tonnes (主要污染物排放量).
    pub emissions_t: Option<Quantity>,
    /// 规模以上 (above designated size).
    pub above_scale: Option<bool>,
    /// Water use in m³ (用水量); kept since format 7.
    pub water_m3: Option<Quantity>,
}

impl YearlyFigures {
    /// The reported figures in words (产值 40000000.00元, 职工 120人…), as a
    /// history shows them.
    #[must_use]
    pub fn describe(&self) -> String {
        let money = [
            ("产值", self.output_value),
            ("营业收入", self.revenue),
            ("税收", self.tax),
            ("增加值", self.value_added),
            ("研发经费", self.rd),
        ];
        let quantities = [
            ("能耗", self.energy_tce, "吨标煤"),
            ("用电", self.electricity_kwh, "kWh"),
            ("排放", self.emissions_t, "吨"),
            ("用水", self.water_m3, "m³"),
        ];
        // Written into one string: a province's histories describe
        // millions of reports.
        let mut out = String::with_capacity(96);
        let mut part = |text: &[&str]| {
            if !out.is_empty() {
                out.push_str(", ");
            }
            for t in text {
                out.push_str(t);
            }
        };
        for (name, v) in money {
            if let Some(v) = v {
                part(&[name, " ", &v.to_decimal_string(), "元"]);
            }
        }
        if let Some(n) = self.employees {
            part(&["职工 ", &n.to_string(), "人"]);
        }
        for (name, v, unit) in quantities {
            if let Some(v) = v {
                part(&[name, " ", &v.to_decimal_string(), unit]);
            }
        }
        match self.above_scale {
            Some(true) => part(&["规模以上"]),
            Some(false) => part(&["规模以下"]),
            None => {}
        }
        if out.is_empty() {
            "no figures".to_owned()
        } else {
            out
        }
    }

    /// `self` revised by `newer`: every field `newer` reports replaces this one.
    #[must_use]
    pub fn revised(&self, newer: &YearlyFigures) -> YearlyFigures {
        YearlyFigures {
            output_value: newer.output_value.or(self.output_value),
            revenue: newer.revenue.or(self.revenue),
            tax: newer.tax.or(self.tax),
            value_added: newer.value_added.or(self.value_added),
            employees: newer.employees.or(self.employees),
            rd: newer.rd.or(self.rd),
            energy_tce: newer.energy_tce.or(self.energy_tce),
            electricity_kwh: newer.electricity_kwh.or(self.electricity_kwh),
            emissions_t: newer.emissions_t.or(self.emissions_t),
            above_scale: newer.above_scale.or(self.above_scale),
            water_m3: newer.water_m3.or(self.water_m3),
        }
    }

    fn check(&self) -> Result<()> {
        let money = [
            ("output_yuan", self.output_value),
            ("revenue_yuan", self.revenue),
            ("tax_yuan", self.tax),
            ("rd_yuan", self.rd),
        ];
        for (field, v) in money {
            if v.is_some_and(|v| v < Yuan::ZERO) {
                return Err(Error::validation(field, "must not be negative"));
            }
        }
        let quantities = [
            ("energy_tce", self.energy_tce),
            ("electricity_kwh", self.electricity_kwh),
            ("emissions_t", self.emissions_t),
            ("water_m3", self.water_m3),
        ];
        for (field, v) in quantities {
            if v.is_some_and(|v| v < Quantity::ZERO) {
                return Err(Error::validation(field, "must not be negative"));
            }
        }
        Ok(())
    }
}

/// A tenancy in the incubator (科创中心).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The building (e.g. 科创中心A座).
    pub building: String,
    /// The unit (室), if named.
    pub unit: Option<String>,
    /// The area leased, m².
    pub area_m2: Quantity,
    /// The first day of the lease.
    #[serde(with = "crate::days::day")]
    pub start: NaiveDate,
    /// The last day of the lease, if it has ended or has an end.
    #[serde(with = "crate::days::opt")]
    pub end: Option<NaiveDate>,
}

impl Lease {
    /// Whether the lease occupies its space on `date` (start and end inclusive).
    #[must_use]
    pub fn occupies(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|e| date <= e)
    }
}

/// A firm in the register: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Its number in this database.
    pub id: EnterpriseId,
    /// Its registered name.
    pub name: String,
    /// 统一社会信用代码; `None` for firms registered without one.
    pub credit_code: Option<String>,
    /// GB/T 4754 industry code, e.g. `C39`.
    pub industry: Option<String>,
    /// 成立日期, if known.
    #[serde(with = "crate::days::opt")]
    pub founded: Option<NaiveDate>,
    /// A high-tech enterprise (高新技术企业) by its registration.
    pub high_tech: bool,
    /// When it entered the register; `None` when not known (then it counts
    /// as registered at every date).
    #[serde(with = "crate::days::opt")]
    pub registered: Option<NaiveDate>,
    /// Where it stands (registered, signed, in production…).
    pub status: EnterpriseStatus,
    /// The status before a suspension, to resume to.
    pub resume_to: Option<EnterpriseStatus>,
    /// 签约: when its project was signed.
    #[serde(with = "crate::days::opt")]
    pub signed: Option<NaiveDate>,
    /// 在建: when construction started.
    #[serde(with = "crate::days::opt")]
    pub construction_started: Option<NaiveDate>,
    /// 投产: when production began.
    #[serde(with = "crate::days::opt")]
    pub in_production: Option<NaiveDate>,
    /// 关闭/注销: when it closed.
    #[serde(with = "crate::days::opt")]
    pub closed: Option<NaiveDate>,
    /// Planned investment and land at signing (签约).
    pub planned_investment: Yuan,
    /// Planned land at signing.
    pub planned_land: Mu,
    /// Capital increases (增资): (date, added investment, added land).
    #[serde(with = "crate::days::dated3")]
    pub capital_increases: Vec<(NaiveDate, Yuan, Mu)>,
    /// Yearly figures by year, as revised.
    pub yearly: Yearly,
    /// Its tenancies in the incubator, in order of leasing.
    pub leases: Vec<Lease>,
    /// The note (备注) in force, if any.
    #[serde(skip)]
    pub note: Option<String>,
    /// Management fees paid, refunded and written off, and the steps taken
    /// to collect them; set by their own events, never part of a stored
    /// state. What is billed derives from the fee rates ([`crate::money::bill_fees`]).
    #[serde(skip)]
    pub fees: Option<Box<FeeAccount>>,
    /// Qualifications, honours and compliance (inspections, incidents,
    /// complaints); set by their own events, never part of a stored state.
    #[serde(skip)]
    pub record: Option<Box<FirmRecord>>,
    /// The latest project-lifecycle date: lifecycle events may not be earlier.
    #[serde(with = "crate::days::day")]
    pub last_lifecycle: NaiveDate,
    /// The latest date of any event in force.
    #[serde(with = "crate::days::day")]
    pub last_event: NaiveDate,
    /// Its other ids (纳税人识别号, 组织机构代码, 工商注册号), in the order
    /// recorded: any number, of any kind (a firm's records may carry its
    /// 15-character 纳税人识别号 and, after 三证合一, its 18-character one).
    pub other_ids: Vec<(IdKind, String)>,
}

/// The fields of a firm its own events set and a stored state skips, as a
/// checkpoint keeps them beside the state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Extras {
    note: Option<String>,
    fees: Option<Box<FeeAccount>>,
    record: Option<Box<FirmRecord>>,
}

impl Extras {
    pub(crate) fn of(e: &Enterprise) -> Extras {
        Extras {
            note: e.note.clone(),
            fees: e.fees.clone(),
            record: e.record.clone(),
        }
    }

    pub(crate) fn into(self, e: Enterprise) -> Enterprise {
        Enterprise {
            note: self.note,
            fees: self.fees,
            record: self.record,
            ..e
        }
    }
}

impl Enterprise {
    /// A firm just entered in the register: no code, project or figures yet.
    #[must_use]
    pub fn new(id: EnterpriseId, name: &str, registered: Option<NaiveDate>) -> Enterprise {
        let since = registered.unwrap_or(NaiveDate::MIN);
        Enterprise {
            id,
            name: name.to_owned(),
            credit_code: None,
            industry: None,
            founded: None,
            high_tech: false,
            registered,
            status: EnterpriseStatus::Registered,
            resume_to: None,
            signed: None,
            construction_started: None,
            in_production: None,
            closed: None,
            planned_investment: Yuan::ZERO,
            planned_land: Mu::ZERO,
            capital_increases: Vec::new(),
            yearly: Yearly::default(),
            leases: Vec::new(),
            note: None,
            fees: None,
            record: None,
            last_lifecycle: since,
            last_event: since,
            other_ids: Vec::new(),
        }
    }

    /// The vouchers (凭证号) of the management fees it paid.
    pub(crate) fn vouchers(&self) -> impl Iterator<Item = &str> {
        crate::money::vouchers(self.fees.iter().flat_map(|f| f.entries.iter()))
    }

    /// Its first id of `kind`, if any is recorded.
    #[must_use]
    pub fn other_id(&self, kind: IdKind) -> Option<&str> {
        self.ids_of(kind).next()
    }

    /// Its ids of `kind`, in the order recorded.
    pub fn ids_of(&self, kind: IdKind) -> impl Iterator<Item = &str> {
        self.other_ids
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, v)| v.as_str())
    }

    /// Planned plus added investment (for 投资强度).
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn total_investment(&self) -> Result<Yuan> {
        Yuan::sum(
            std::iter::once(self.planned_investment)
                .chain(self.capital_increases.iter().map(|c| c.1)),
        )
    }

    /// The leases that occupy space on `date`.
    pub fn leases_on(&self, date: NaiveDate) -> impl Iterator<Item = &Lease> {
        self.leases.iter().filter(move |l| l.occupies(date))
    }

    /// The leases, as things a management fee is charged on.
    #[must_use]
    pub fn leased_spans(&self) -> Vec<crate::money::Chargeable> {
        self.leases
            .iter()
            .map(|l| crate::money::Chargeable::space(l.area_m2, l.start, l.end))
            .collect()
    }

    /// Whether the firm is a high-tech enterprise on `date`: by its
    /// 高新技术企业 qualifications when it has any (three years each unless
    /// given), else by the flag it was registered with.
    #[must_use]
    pub fn high_tech_on(&self, date: NaiveDate) -> bool {
        match &self.record {
            Some(r)
                if r.qualifications
                    .iter()
                    .any(|q| q.qualification.kind == QualificationKind::HighTech) =>
            {
                r.qualified(QualificationKind::HighTech, date)
            }
            _ => self.high_tech,
        }
    }

    fn firm_record(&mut self) -> &mut FirmRecord {
        self.record.get_or_insert_with(Box::default)
    }

    fn subject_text(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    fn fee_account(&mut self) -> &mut FeeAccount {
        self.fees.get_or_insert_with(Box::default)
    }

    fn refuse(&self, kind: Rule, rule: impl Into<String>) -> Error {
        Error::lifecycle(
            Entity::Enterprise,
            format!("{} ({})", self.name, self.id),
            kind,
            rule,
        )
    }
}

/// What happened to an enterprise.
///
/// Stored through `stored::EnterpriseEvent`, which keeps the layouts
/// earlier formats wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "stored::EnterpriseEvent", into = "stored::EnterpriseEvent")]
#[non_exhaustive]
pub enum EnterpriseEvent {
    /// Entered in the register.
    Registered {
        /// Its registered name.
        name: String,
        /// 统一社会信用代码, if it has one.
        credit_code: Option<String>,
        /// GB/T 4754 industry code.
        industry: Option<String>,
        /// 成立日期.
        #[serde(with = "crate::days::opt")]
        founded: Option<NaiveDate>,
        /// A high-tech enterprise (高新技术企业).
        high_tech: bool,
    },
    /// 签约/引进: the investment project is signed.
    Signed {
        /// Planned investment.
        investment: Yuan,
        /// Planned land.
        land: Mu,
    },
    /// 在建.
    ConstructionStarted,
    /// 投产.
    InProduction,
    /// 增资: more investment and/or land.
    CapitalIncreased {
        /// Investment added.
        investment: Yuan,
        /// Land added.
        land: Mu,
    },
    /// 停产.
    Suspended {
        /// Why.
        reason: String,
    },
    /// Back from a suspension.
    Resumed,
    /// 关闭/注销.
    Closed {
        /// Why.
        reason: String,
    },
    /// The year's figures; a second report for a year revises the first.
    YearReported {
        /// The year reported.
        year: i32,
        /// The year's figures.
        figures: YearlyFigures,
    },
    /// A tenancy in the incubator begins.
    Leased(Lease),
    /// The tenancy at `index` (in order of leasing) ends on the event's date.
    LeaseEnded {
        /// The lease's place in order of leasing.
        index: u32,
    },
    /// A note (备注) on the firm from this date; `None` removes it.
    Noted {
        /// The note, or `None` to remove it.
        note: Option<String>,
    },
    /// 收款: management fees received.
    FeePaid(Payment),
    /// Management fees given back.
    FeeRefunded(Refund),
    /// Management fees written off (核销), with a reason.
    FeeWrittenOff(WriteOff),
    /// 追缴 of management fees.
    FeeCollection(Collection),
    /// A qualification awarded (认定: 高新技术企业, 骨干企业, 新药证书…).
    Qualified(Qualification),
    /// A qualification revoked (撤销) before its end.
    QualificationRevoked {
        /// The qualification's kind.
        kind: QualificationKind,
        /// Its number, when the firm holds more than one of the kind.
        number: Option<String>,
        /// Why.
        reason: String,
    },
    /// An honour (科学技术奖).
    Honoured(Honour),
    /// An inspection (环保, 安全; planned or 突击).
    Inspected(Inspection),
    /// The inspection at `index` (in order of recording) rectified.
    Rectified {
        /// The inspection's place in order of recording.
        index: u32,
        /// What was done.
        note: Option<String>,
    },
    /// An incident (事故).
    IncidentReported(Incident),
    /// A complaint (投诉).
    ComplaintReceived(Complaint),
    /// The complaint at `index` resolved.
    ComplaintResolved {
        /// The complaint's place in order of recording.
        index: u32,
        /// How it was resolved.
        resolution: String,
    },
    /// An id other than the credit code recorded (纳税人识别号, 组织机构代码,
    /// 工商注册号).
    IdRecorded {
        /// The id's kind.
        kind: IdKind,
        /// The id, as cleaned.
        value: String,
    },
}

impl EnterpriseEvent {
    /// A short English name, as in history tables.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            EnterpriseEvent::Registered { .. } => "registered",
            EnterpriseEvent::Signed { .. } => "signed",
            EnterpriseEvent::ConstructionStarted => "construction_started",
            EnterpriseEvent::InProduction => "in_production",
            EnterpriseEvent::CapitalIncreased { .. } => "capital_increased",
            EnterpriseEvent::Suspended { .. } => "suspended",
            EnterpriseEvent::Resumed => "resumed",
            EnterpriseEvent::Closed { .. } => "closed",
            EnterpriseEvent::YearReported { .. } => "year_reported",
            EnterpriseEvent::Leased(_) => "leased",
            EnterpriseEvent::LeaseEnded { .. } => "lease_ended",
            EnterpriseEvent::Noted { .. } => "noted",
            EnterpriseEvent::IdRecorded { .. } => "id_recorded",
            EnterpriseEvent::FeePaid(_) => "fee_paid",
            EnterpriseEvent::FeeRefunded(_) => "fee_refunded",
            EnterpriseEvent::FeeWrittenOff(_) => "fee_written_off",
            EnterpriseEvent::FeeCollection(_) => "fee_collection",
            EnterpriseEvent::Qualified(_) => "qualified",
            EnterpriseEvent::QualificationRevoked { .. } => "qualification_revoked",
            EnterpriseEvent::Honoured(_) => "honoured",
            EnterpriseEvent::Inspected(_) => "inspected",
            EnterpriseEvent::Rectified { .. } => "rectified",
            EnterpriseEvent::IncidentReported(_) => "incident_reported",
            EnterpriseEvent::ComplaintReceived(_) => "complaint_received",
            EnterpriseEvent::ComplaintResolved { .. } => "complaint_resolved",
        }
    }

    /// What the event says, in a line (for history tables).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            EnterpriseEvent::Registered {
                name, credit_code, ..
            } => match credit_code {
                Some(c) => format!("{name} registered, {c}"),
                None => format!("{name} registered"),
            },
            EnterpriseEvent::Signed { investment, land } => format!("signed: {investment}, {land}"),
            EnterpriseEvent::CapitalIncreased { investment, land } => {
                format!("capital increased: {investment}, {land}")
            }
            EnterpriseEvent::Suspended { reason } => format!("suspended: {reason}"),
            EnterpriseEvent::Closed { reason } => format!("closed: {reason}"),
            EnterpriseEvent::YearReported { year, figures } => {
                let mut text = year.to_string();
                text.push_str(": ");
                text.push_str(&figures.describe());
                text
            }
            EnterpriseEvent::Leased(l) => format!(
                "leased {}{} {}m² from {}",
                l.building,
                l.unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default(),
                l.area_m2,
                l.start
            ),
            EnterpriseEvent::LeaseEnded { index } => format!("lease #{index} ended"),
            EnterpriseEvent::Noted { note: Some(n) } => format!("note: {n}"),
            EnterpriseEvent::Noted { note: None } => "note removed".into(),
            EnterpriseEvent::FeePaid(p) => crate::money::describe_payment(p),
            EnterpriseEvent::FeeRefunded(r) => crate::money::describe_refund(r),
            EnterpriseEvent::FeeWrittenOff(w) => crate::money::describe_write_off(w),
            EnterpriseEvent::FeeCollection(c) => crate::money::describe_collection(c),
            EnterpriseEvent::Qualified(q) => format!(
                "qualified: {}{}{}",
                q.kind.chinese(),
                q.programme
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default(),
                q.valid_until
                    .map(|u| format!(", until {u}"))
                    .unwrap_or_default()
            ),
            EnterpriseEvent::QualificationRevoked { kind, reason, .. } => {
                format!("{} revoked: {reason}", kind.chinese())
            }
            EnterpriseEvent::Honoured(h) => format!(
                "{}{}{} ({}){}",
                h.level.chinese(),
                h.award,
                h.class,
                h.year,
                h.project
                    .as_deref()
                    .map(|p| format!(": {p}"))
                    .unwrap_or_default()
            ),
            EnterpriseEvent::Inspected(i) => format!(
                "{} inspection{}{}",
                i.domain.chinese(),
                if i.surprise { " (突击)" } else { "" },
                i.findings
                    .as_deref()
                    .map(|f| format!(": {f}"))
                    .unwrap_or_default()
            ),
            EnterpriseEvent::Rectified { index, .. } => format!("inspection #{index} rectified"),
            EnterpriseEvent::IncidentReported(i) => format!(
                "{} incident: {}{}, {} casualties",
                i.domain.chinese(),
                i.kind,
                i.quantity_t.map(|q| format!(" {q} t")).unwrap_or_default(),
                i.casualties
            ),
            EnterpriseEvent::ComplaintReceived(c) => {
                format!("{} complaint: {}", c.domain.chinese(), c.subject)
            }
            EnterpriseEvent::ComplaintResolved { index, resolution } => {
                format!("complaint #{index} resolved: {resolution}")
            }
            EnterpriseEvent::IdRecorded { kind, value } => format!("{} {value}", kind.chinese()),
            other => other.name().replace('_', " "),
        }
    }

    /// Events of the project lifecycle, which must come in date order.
    pub(crate) fn is_lifecycle(&self) -> bool {
        !matches!(
            self,
            EnterpriseEvent::YearReported { .. }
                | EnterpriseEvent::Leased(_)
                | EnterpriseEvent::LeaseEnded { .. }
                | EnterpriseEvent::Noted { .. }
                | EnterpriseEvent::FeePaid(_)
                | EnterpriseEvent::FeeRefunded(_)
                | EnterpriseEvent::FeeWrittenOff(_)
                | EnterpriseEvent::FeeCollection(_)
                | EnterpriseEvent::Qualified(_)
                | EnterpriseEvent::QualificationRevoked { .. }
                | EnterpriseEvent::Honoured(_)
                | EnterpriseEvent::Inspected(_)
                | EnterpriseEvent::Rectified { .. }
                | EnterpriseEvent::IncidentReported(_)
                | EnterpriseEvent::ComplaintReceived(_)
                | EnterpriseEvent::ComplaintResolved { .. }
                | EnterpriseEvent::IdRecorded { .. }
        )
    }
}

/// A new enterprise for [`crate::Writer::add_enterprise`].
#[derive(Debug, Clone, Default)]
pub struct NewEnterprise {
    /// The registered name.
    pub name: String,
    /// 统一社会信用代码, if it has one.
    pub credit_code: Option<String>,
    /// GB/T 4754 code (`C39`, or `39`); checked against the standard.
    pub industry: Option<String>,
    /// 成立日期, if known.
    pub founded: Option<NaiveDate>,
    /// A high-tech enterprise (高新技术企业).
    pub high_tech: bool,
    /// Accept a credit code whose check character fails (a few in circulation do).
    pub allow_invalid_code: bool,
    /// When it entered the register; default `founded`, else unknown (then
    /// the firm counts as registered at every date, so its history loads).
    pub registered: Option<NaiveDate>,
}

impl NewEnterprise {
    /// A new enterprise with just a name.
    #[must_use]
    pub fn named(name: impl Into<String>) -> NewEnterprise {
        NewEnterprise {
            name: name.into(),
            ..NewEnterprise::default()
        }
    }
}

pub(crate) fn apply(
    state: Option<Enterprise>,
    id: EnterpriseId,
    date: NaiveDate,
    event: &EnterpriseEvent,
) -> Result<Enterprise> {
    use EnterpriseStatus as S;
    let mut e = match (state, event) {
        (
            None,
            EnterpriseEvent::Registered {
                name,
                credit_code,
                industry,
                founded,
                high_tech,
            },
        ) => {
            return Ok(Enterprise {
                credit_code: credit_code.clone(),
                industry: industry.clone(),
                founded: *founded,
                high_tech: *high_tech,
                ..Enterprise::new(id, name, (date != NaiveDate::MIN).then_some(date))
            })
        }
        (None, _) => {
            return Err(Error::lifecycle(
                Entity::Enterprise,
                id.to_string(),
                Rule::NotCreated,
                "the first event must register the enterprise",
            ))
        }
        (Some(e), EnterpriseEvent::Registered { .. }) => {
            return Err(e.refuse(Rule::AlreadyExists, "the enterprise is already registered"))
        }
        (Some(e), _) => e,
    };
    if event.is_lifecycle() {
        // Folds and writes keep dated events in date order (history entered
        // late is folded again in its place: `Writer::entered_late`): a guard.
        if date < e.last_lifecycle {
            return Err(e.refuse(
                Rule::OutOfOrder,
                format!(
                "events out of date order: {date} is before the enterprise's latest event on {}",
                e.last_lifecycle
            ),
            ));
        }
        if e.status == S::Closed {
            return Err(e.refuse(
                Rule::Ended,
                format!("the enterprise closed on {}", e.closed.unwrap_or(date)),
            ));
        }
    } else if let Some(registered) = e.registered.filter(|r| date < *r) {
        return Err(e.refuse(
            Rule::OutOfOrder,
            format!("{date} is before the enterprise was registered on {registered}"),
        ));
    }
    match event {
        EnterpriseEvent::Registered { .. } => unreachable!("handled above"),
        EnterpriseEvent::Signed { investment, land } => {
            if e.status != S::Registered {
                return Err(e.refuse(
                    Rule::AlreadyDone,
                    format!("a project is already signed (status {})", e.status),
                ));
            }
            e.status = S::Signed;
            e.signed = Some(date);
            e.planned_investment = *investment;
            e.planned_land = *land;
        }
        EnterpriseEvent::ConstructionStarted => {
            if e.status != S::Signed {
                return Err(e.refuse(
                    Rule::NotAllowedNow,
                    format!(
                        "construction starts on a signed project, not one that is {}",
                        e.status
                    ),
                ));
            }
            e.status = S::UnderConstruction;
            e.construction_started = Some(date);
        }
        EnterpriseEvent::InProduction => {
            if !matches!(e.status, S::Signed | S::UnderConstruction) {
                return Err(e.refuse(Rule::NotAllowedNow, format!("production starts on a signed project or one under construction, not one that is {}", e.status)));
            }
            e.status = S::InProduction;
            e.in_production = Some(date);
        }
        EnterpriseEvent::CapitalIncreased { investment, land } => {
            if !matches!(e.status, S::UnderConstruction | S::InProduction | S::Signed) {
                return Err(e.refuse(Rule::NotAllowedNow, format!("capital can be increased on a signed, building or producing project, not one that is {}", e.status)));
            }
            e.capital_increases.push((date, *investment, *land));
        }
        EnterpriseEvent::Suspended { .. } => {
            if matches!(e.status, S::Suspended | S::Registered) {
                return Err(e.refuse(
                    Rule::NotAllowedNow,
                    format!("cannot suspend an enterprise that is {}", e.status),
                ));
            }
            e.resume_to = Some(e.status);
            e.status = S::Suspended;
        }
        EnterpriseEvent::Resumed => {
            let Some(back) = e.resume_to.take() else {
                return Err(e.refuse(
                    Rule::NotAllowedNow,
                    "only a suspended enterprise can resume",
                ));
            };
            e.status = back;
        }
        EnterpriseEvent::Closed { .. } => {
            e.status = S::Closed;
            e.closed = Some(date);
        }
        EnterpriseEvent::YearReported { year, figures } => {
            figures.check()?;
            let revised = e
                .yearly
                .get(*year)
                .map_or_else(|| figures.clone(), |old| old.revised(figures));
            e.yearly.insert(*year, &revised);
        }
        EnterpriseEvent::Leased(lease) => {
            if !lease.area_m2.is_positive() {
                return Err(Error::validation(
                    "area_m2",
                    format!("a lease needs a positive area, got {}", lease.area_m2),
                ));
            }
            if lease.end.is_some_and(|end| end < lease.start) {
                return Err(Error::validation(
                    "end",
                    "a lease cannot end before it starts",
                ));
            }
            e.leases.push(lease.clone());
        }
        EnterpriseEvent::LeaseEnded { index } => {
            let name = e.name.clone();
            let lease = e.leases.get_mut(*index as usize).ok_or_else(|| {
                Error::lifecycle(
                    Entity::Enterprise,
                    name.clone(),
                    Rule::NoSuchItem,
                    format!("has no lease #{index}"),
                )
            })?;
            if lease.end.is_some_and(|end| end < date) {
                return Err(Error::lifecycle(
                    Entity::Enterprise,
                    name,
                    Rule::AlreadyDone,
                    format!("lease #{index} already ended"),
                ));
            }
            if date < lease.start {
                return Err(Error::lifecycle(
                    Entity::Enterprise,
                    name,
                    Rule::OutOfOrder,
                    format!("lease #{index} starts on {}, after {date}", lease.start),
                ));
            }
            lease.end = Some(date);
        }
        EnterpriseEvent::Noted { note } => e.note.clone_from(note),
        EnterpriseEvent::IdRecorded { kind, value } => {
            if e.other_ids.iter().any(|(k, v)| k == kind && v == value) {
                return Err(e.refuse(
                    Rule::AlreadyDone,
                    format!("{} {value} is recorded already", kind.chinese()),
                ));
            }
            e.other_ids.push((*kind, value.clone()));
        }
        EnterpriseEvent::FeePaid(p) => e.fee_account().entries.push(Entry::paid(date, p)),
        EnterpriseEvent::FeeRefunded(r) => {
            let paid = e.fees.as_ref().map_or(Yuan::ZERO, |f| f.paid());
            if r.amount > paid {
                return Err(e.refuse(
                    Rule::Amount,
                    format!(
                        "a refund of {} is more than the {paid} of management fees paid",
                        r.amount
                    ),
                ));
            }
            e.fee_account().entries.push(Entry::refunded(date, r));
        }
        EnterpriseEvent::FeeWrittenOff(w) => {
            e.fee_account().entries.push(Entry::written_off(date, w));
        }
        EnterpriseEvent::FeeCollection(c) => e.fee_account().collections.push((date, c.clone())),
        EnterpriseEvent::Qualified(q) => {
            if let Some(until) = q.valid_until.filter(|u| *u < date) {
                return Err(e.refuse(
                    Rule::OutOfOrder,
                    format!(
                        "a {} awarded on {date} cannot end before it, on {until}",
                        q.kind.chinese()
                    ),
                ));
            }
            let twice = e.record.as_ref().is_some_and(|r| {
                r.qualifications.iter().any(|h| {
                    h.qualification.kind == q.kind
                        && q.number.is_some()
                        && h.qualification.number == q.number
                })
            });
            if twice {
                return Err(e.refuse(
                    Rule::AlreadyDone,
                    format!(
                        "{} {} is recorded already",
                        q.kind.chinese(),
                        q.number.as_deref().unwrap_or_default()
                    ),
                ));
            }
            e.firm_record().qualifications.push(Held {
                qualification: q.clone(),
                awarded: date,
                revoked: None,
            });
        }
        EnterpriseEvent::QualificationRevoked {
            kind,
            number,
            reason,
        } => {
            let held = e.record.as_mut().and_then(|r| {
                r.qualifications.iter_mut().rev().find(|h| {
                    h.qualification.kind == *kind
                        && h.holds_on(date)
                        && (number.is_none() || h.qualification.number == *number)
                })
            });
            let Some(held) = held else {
                return Err(e.refuse(
                    Rule::NoSuchItem,
                    format!("holds no {} on {date} to revoke", kind.chinese()),
                ));
            };
            held.revoked = Some((date, reason.clone()));
        }
        EnterpriseEvent::Honoured(h) => e.firm_record().honours.push((date, h.clone())),
        EnterpriseEvent::Inspected(i) => {
            if let Some(by) = i.rectify_by.filter(|by| *by < date) {
                return Err(e.refuse(
                    Rule::OutOfOrder,
                    format!("a rectification deadline of {by} is before the inspection on {date}"),
                ));
            }
            e.firm_record().inspections.push(Item {
                date,
                item: i.clone(),
                closed: None,
            });
        }
        EnterpriseEvent::Rectified { index, note } => {
            let name = e.subject_text();
            let inspection = e
                .record
                .as_mut()
                .and_then(|r| r.inspections.get_mut(*index as usize))
                .ok_or_else(|| {
                    Error::lifecycle(
                        Entity::Enterprise,
                        name.clone(),
                        Rule::NoSuchItem,
                        format!("has no inspection #{index}"),
                    )
                })?;
            let why = if inspection.item.rectify_by.is_none() {
                Some(Refusal::new(
                    Rule::NotAllowedNow,
                    format!("inspection #{index} asked for no rectification"),
                ))
            } else if let Some((d, _)) = &inspection.closed {
                Some(Refusal::new(
                    Rule::AlreadyDone,
                    format!("inspection #{index} was rectified on {d}"),
                ))
            } else if date < inspection.date {
                Some(Refusal::new(
                    Rule::OutOfOrder,
                    format!(
                        "inspection #{index} was on {}, after {date}",
                        inspection.date
                    ),
                ))
            } else {
                None
            };
            if let Some(why) = why {
                return Err(why.of(Entity::Enterprise, name));
            }
            inspection.closed = Some((date, note.clone()));
        }
        EnterpriseEvent::IncidentReported(i) => e.firm_record().incidents.push((date, i.clone())),
        EnterpriseEvent::ComplaintReceived(c) => e.firm_record().complaints.push(Item {
            date,
            item: c.clone(),
            closed: None,
        }),
        EnterpriseEvent::ComplaintResolved { index, resolution } => {
            let name = e.subject_text();
            let complaint = e
                .record
                .as_mut()
                .and_then(|r| r.complaints.get_mut(*index as usize))
                .ok_or_else(|| {
                    Error::lifecycle(
                        Entity::Enterprise,
                        name.clone(),
                        Rule::NoSuchItem,
                        format!("has no complaint #{index}"),
                    )
                })?;
            let why = if let Some((d, _)) = &complaint.closed {
                Some(Refusal::new(
                    Rule::AlreadyDone,
                    format!("complaint #{index} was resolved on {d}"),
                ))
            } else if date < complaint.date {
                Some(Refusal::new(
                    Rule::OutOfOrder,
                    format!(
                        "complaint #{index} came on {}, after {date}",
                        complaint.date
                    ),
                ))
            } else {
                None
            };
            if let Some(why) = why {
                return Err(why.of(Entity::Enterprise, name));
            }
            complaint.closed = Some((date, Some(resolution.clone())));
        }
    }
    if event.is_lifecycle() {
        e.last_lifecycle = date;
    }
    e.last_event = e.last_event.max(date);
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_and_altered_ones_fail() {
        // Codes of well-known firms, as published in their business licences.
        for code in [
            "914403001922038216", // 华为技术有限公司
            "91440300708461136T", // 深圳市腾讯计算机系统有限公司
            "91330100716105852F", // 阿里巴巴(中国)有限公司
            "91110108551385082Q", // 小米科技有限责任公司
            "91440300192317458F", // 比亚迪股份有限公司
        ] {
            assert!(validate_credit_code(code), "{code}");
        }
        // One character changed, one dropped, letters the alphabet lacks.
        assert!(!validate_credit_code("914403001922038217"));
        assert!(!validate_credit_code("91440300708461136"));
        assert!(!validate_credit_code("91440300708461136I"));
        assert!(!validate_credit_code("91440300708461I36T"));
        let err = check_credit_code("914403001922038217").unwrap_err();
        assert!(err.to_string().contains("'6'"), "{err}");
    }
}

/// The stored layout of enterprise events. Bincode names a variant by its
/// place, so a variant's fields never change: format 7 added water use to
/// the yearly figures as a new variant, and year reports of formats up to
/// 6 read as figures without it.
mod stored {
    use chrono::NaiveDate;
    use serde::{Deserialize, Serialize};

    use super::{Lease, YearlyFigures};
    use crate::compliance::{
        Complaint, Honour, Incident, Inspection, Qualification, QualificationKind,
    };
    use crate::money::{Collection, Payment, Refund, WriteOff};
    use crate::units::{Mu, Quantity, Yuan};

    /// The yearly figures as formats up to 6 wrote them.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub(crate) struct FiguresUpTo6 {
        output_value: Option<Yuan>,
        revenue: Option<Yuan>,
        tax: Option<Yuan>,
        value_added: Option<Yuan>,
        employees: Option<u32>,
        rd: Option<Yuan>,
        energy_tce: Option<Quantity>,
        electricity_kwh: Option<Quantity>,
        emissions_t: Option<Quantity>,
        above_scale: Option<bool>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub(crate) enum EnterpriseEvent {
        Registered {
            name: String,
            credit_code: Option<String>,
            industry: Option<String>,
            #[serde(with = "crate::days::opt")]
            founded: Option<NaiveDate>,
            high_tech: bool,
        },
        Signed {
            investment: Yuan,
            land: Mu,
        },
        ConstructionStarted,
        InProduction,
        CapitalIncreased {
            investment: Yuan,
            land: Mu,
        },
        Suspended {
            reason: String,
        },
        Resumed,
        Closed {
            reason: String,
        },
        /// Formats up to 6: read, never written.
        YearReported {
            year: i32,
            figures: FiguresUpTo6,
        },
        Leased(Lease),
        LeaseEnded {
            index: u32,
        },
        Noted {
            note: Option<String>,
        },
        /// Format 7: the figures with water use.
        YearFiguresReported {
            year: i32,
            figures: YearlyFigures,
        },
        /// Format 8: management fees.
        FeePaid(Payment),
        FeeRefunded(Refund),
        FeeWrittenOff(WriteOff),
        FeeCollection(Collection),
        /// Format 9: qualifications, honours and compliance.
        Qualified(Qualification),
        QualificationRevoked {
            kind: QualificationKind,
            number: Option<String>,
            reason: String,
        },
        Honoured(Honour),
        Inspected(Inspection),
        Rectified {
            index: u32,
            note: Option<String>,
        },
        IncidentReported(Incident),
        ComplaintReceived(Complaint),
        ComplaintResolved {
            index: u32,
            resolution: String,
        },
        IdRecorded {
            kind: super::IdKind,
            value: String,
        },
    }

    impl From<EnterpriseEvent> for super::EnterpriseEvent {
        fn from(e: EnterpriseEvent) -> Self {
            use super::EnterpriseEvent as E;
            match e {
                EnterpriseEvent::Registered {
                    name,
                    credit_code,
                    industry,
                    founded,
                    high_tech,
                } => E::Registered {
                    name,
                    credit_code,
                    industry,
                    founded,
                    high_tech,
                },
                EnterpriseEvent::Signed { investment, land } => E::Signed { investment, land },
                EnterpriseEvent::ConstructionStarted => E::ConstructionStarted,
                EnterpriseEvent::InProduction => E::InProduction,
                EnterpriseEvent::CapitalIncreased { investment, land } => {
                    E::CapitalIncreased { investment, land }
                }
                EnterpriseEvent::Suspended { reason } => E::Suspended { reason },
                EnterpriseEvent::Resumed => E::Resumed,
                EnterpriseEvent::Closed { reason } => E::Closed { reason },
                EnterpriseEvent::YearReported { year, figures: f } => E::YearReported {
                    year,
                    figures: YearlyFigures {
                        output_value: f.output_value,
                        revenue: f.revenue,
                        tax: f.tax,
                        value_added: f.value_added,
                        employees: f.employees,
                        rd: f.rd,
                        energy_tce: f.energy_tce,
                        electricity_kwh: f.electricity_kwh,
                        emissions_t: f.emissions_t,
                        above_scale: f.above_scale,
                        water_m3: None,
                    },
                },
                EnterpriseEvent::YearFiguresReported { year, figures } => {
                    E::YearReported { year, figures }
                }
                EnterpriseEvent::Leased(l) => E::Leased(l),
                EnterpriseEvent::LeaseEnded { index } => E::LeaseEnded { index },
                EnterpriseEvent::Noted { note } => E::Noted { note },
                EnterpriseEvent::FeePaid(p) => E::FeePaid(p),
                EnterpriseEvent::FeeRefunded(r) => E::FeeRefunded(r),
                EnterpriseEvent::FeeWrittenOff(w) => E::FeeWrittenOff(w),
                EnterpriseEvent::FeeCollection(c) => E::FeeCollection(c),
                EnterpriseEvent::Qualified(q) => E::Qualified(q),
                EnterpriseEvent::QualificationRevoked {
                    kind,
                    number,
                    reason,
                } => E::QualificationRevoked {
                    kind,
                    number,
                    reason,
                },
                EnterpriseEvent::Honoured(h) => E::Honoured(h),
                EnterpriseEvent::Inspected(i) => E::Inspected(i),
                EnterpriseEvent::Rectified { index, note } => E::Rectified { index, note },
                EnterpriseEvent::IncidentReported(i) => E::IncidentReported(i),
                EnterpriseEvent::ComplaintReceived(c) => E::ComplaintReceived(c),
                EnterpriseEvent::ComplaintResolved { index, resolution } => {
                    E::ComplaintResolved { index, resolution }
                }
                EnterpriseEvent::IdRecorded { kind, value } => E::IdRecorded { kind, value },
            }
        }
    }

    impl From<super::EnterpriseEvent> for EnterpriseEvent {
        fn from(e: super::EnterpriseEvent) -> Self {
            use super::EnterpriseEvent as E;
            match e {
                E::Registered {
                    name,
                    credit_code,
                    industry,
                    founded,
                    high_tech,
                } => EnterpriseEvent::Registered {
                    name,
                    credit_code,
                    industry,
                    founded,
                    high_tech,
                },
                E::Signed { investment, land } => EnterpriseEvent::Signed { investment, land },
                E::ConstructionStarted => EnterpriseEvent::ConstructionStarted,
                E::InProduction => EnterpriseEvent::InProduction,
                E::CapitalIncreased { investment, land } => {
                    EnterpriseEvent::CapitalIncreased { investment, land }
                }
                E::Suspended { reason } => EnterpriseEvent::Suspended { reason },
                E::Resumed => EnterpriseEvent::Resumed,
                E::Closed { reason } => EnterpriseEvent::Closed { reason },
                E::YearReported { year, figures } => {
                    EnterpriseEvent::YearFiguresReported { year, figures }
                }
                E::Leased(l) => EnterpriseEvent::Leased(l),
                E::LeaseEnded { index } => EnterpriseEvent::LeaseEnded { index },
                E::Noted { note } => EnterpriseEvent::Noted { note },
                E::FeePaid(p) => EnterpriseEvent::FeePaid(p),
                E::FeeRefunded(r) => EnterpriseEvent::FeeRefunded(r),
                E::FeeWrittenOff(w) => EnterpriseEvent::FeeWrittenOff(w),
                E::FeeCollection(c) => EnterpriseEvent::FeeCollection(c),
                E::Qualified(q) => EnterpriseEvent::Qualified(q),
                E::QualificationRevoked {
                    kind,
                    number,
                    reason,
                } => EnterpriseEvent::QualificationRevoked {
                    kind,
                    number,
                    reason,
                },
                E::Honoured(h) => EnterpriseEvent::Honoured(h),
                E::Inspected(i) => EnterpriseEvent::Inspected(i),
                E::Rectified { index, note } => EnterpriseEvent::Rectified { index, note },
                E::IncidentReported(i) => EnterpriseEvent::IncidentReported(i),
                E::ComplaintReceived(c) => EnterpriseEvent::ComplaintReceived(c),
                E::ComplaintResolved { index, resolution } => {
                    EnterpriseEvent::ComplaintResolved { index, resolution }
                }
                E::IdRecorded { kind, value } => EnterpriseEvent::IdRecorded { kind, value },
            }
        }
    }
}
