//! The columns of each ledger, in Chinese and English — the one place that
//! says what an imported sheet may hold.
//!
//! A header is a name with an optional unit in brackets (half- or
//! full-width): `面积(亩)`, `面积（㎡）`, `price_yuan`, `价格(万元)`. Money
//! columns take 元 or 万元; area columns 亩, ㎡/m2/平方米 or 公顷/ha.
//! Unknown columns are refused, so a typo is not silently ignored.
//!
//! | ledger | sheet or file names |
//! |---|---|
//! | enterprises | 企业名录, 企业, enterprises |
//! | parcels | 地块台账, 地块, parcels |
//! | parcel events | 地块事件, 土地事件, parcel_events |
//! | land payment schedules | 应收台账, 分期付款, schedules |
//! | payments | 收款台账, 收款, payments |
//! | buildings | 楼宇台账, 物业台账, buildings |
//! | qualifications and honours | 资质台账, 资质荣誉, qualifications |
//! | inspections, incidents, complaints | 环保安全台账, 安全环保台账, compliance |
//! | yearly figures | 年度经济指标, 经济指标, yearly |
//! | programmes | 科技计划, 计划, programmes |
//! | applications | 项目申报, 申报, applications |
//! | application steps | 项目流程, 流程, application_steps |

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// Text, cleaned as every code and name is.
    Text,
    /// A date, in the forms the ledgers write (`2005-03-01`, `2005年3月1日`, Excel's serial days).
    Date,
    /// 元 by default; 万元 when the header says so.
    Money,
    /// 亩 by default; ㎡ or 公顷 when the header says so.
    Area,
    /// An exact decimal (energy, electricity, emissions, m²).
    Quantity,
    /// A whole number.
    Integer,
    /// 是/否, yes/no, true/false, 1/0, Y/N.
    Flag,
    /// A code or its Chinese term, checked by the importer.
    Code,
}

/// One column a ledger may have.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The English name, used in exports and as a header.
    pub name: &'static str,
    /// Chinese headers that mean this column.
    pub chinese: &'static [&'static str],
    /// What it holds.
    pub kind: FieldKind,
    /// Whether a row needs it.
    pub required: bool,
}

const fn f(
    name: &'static str,
    chinese: &'static [&'static str],
    kind: FieldKind,
    required: bool,
) -> Field {
    Field {
        name,
        chinese,
        kind,
        required,
    }
}

use FieldKind::{Area, Code, Date, Flag, Integer, Money, Quantity, Text};

const ENTERPRISE_FIELDS: &[Field] = &[
    // NSRMC and NSRSBH: the tax bureau's field names (纳税人名称, 纳税人识别号).
    f(
        "name",
        &["企业名称", "名称", "纳税人名称", "NSRMC"],
        Text,
        true,
    ),
    f(
        "credit_code",
        &["统一社会信用代码", "信用代码"],
        Text,
        false,
    ),
    f(
        "tax_id",
        &["纳税人识别号", "税号", "税务登记号", "NSRSBH"],
        Text,
        false,
    ),
    f("org_code", &["组织机构代码", "机构代码"], Text, false),
    f("licence", &["工商注册号", "营业执照注册号"], Text, false),
    f("industry", &["行业代码", "行业"], Text, false),
    f("founded", &["成立日期"], Date, false),
    f("high_tech", &["高新技术企业", "高新"], Flag, false),
    f("registered", &["登记日期", "入驻日期"], Date, false),
    f("allow_invalid_code", &["允许无效代码"], Flag, false),
    // A register kept as a snapshot: the project's dates as columns.
    f("signed", &["签约日期"], Date, false),
    f(
        "investment",
        &["投资额", "计划投资", "总投资"],
        Money,
        false,
    ),
    f("land", &["用地面积", "计划用地"], Area, false),
    f(
        "construction_started",
        &["动工日期", "开工日期"],
        Date,
        false,
    ),
    f("in_production", &["投产日期"], Date, false),
    f("note", &["备注", "说明"], Text, false),
];

const PARCEL_FIELDS: &[Field] = &[
    f("code", &["地块编号", "编号"], Text, true),
    f("area", &["面积"], Area, true),
    f("land_use", &["用途", "土地用途"], Code, true),
    f("location", &["位置", "坐落"], Text, false),
    f("requisitioned", &["征地日期"], Date, true),
    f("boundary", &["边界", "界址", "边界WKT"], Text, false),
    f("boundary_points", &["界址点坐标", "界址点"], Text, false),
    f("crs", &["坐标系", "坐标系统"], Text, false),
    // A ledger kept as a snapshot: each step of the lifecycle as a column.
    f("developed", &["开发日期", "前期开发日期"], Date, false),
    f(
        "certificate",
        &["土地证号", "证书编号", "土地使用证号"],
        Text,
        false,
    ),
    f("certified", &["办证日期", "发证日期"], Date, false),
    f("holder", &["用地单位", "受让单位", "用地企业"], Text, false),
    f("method", &["供地方式", "出让方式"], Code, false),
    f(
        "price",
        &["成交价", "出让价", "成交价格", "出让价格"],
        Money,
        false,
    ),
    f("supplied", &["供地日期", "出让日期"], Date, false),
    f("start_by", &["约定动工日期"], Date, false),
    f("complete_by", &["约定竣工日期"], Date, false),
    f(
        "construction_started",
        &["实际动工日期", "动工日期"],
        Date,
        false,
    ),
    f("completed", &["竣工日期", "实际竣工日期"], Date, false),
    f(
        "floor_area_m2",
        &["总建筑面积", "建筑面积"],
        Quantity,
        false,
    ),
    f(
        "footprint_m2",
        &["建筑基底面积", "建筑占地面积", "基底面积"],
        Quantity,
        false,
    ),
    f("note", &["备注", "说明"], Text, false),
];

const PARCEL_EVENT_FIELDS: &[Field] = &[
    f("code", &["地块编号", "编号"], Text, true),
    f("event", &["事件", "事项"], Code, true),
    f("date", &["日期"], Date, true),
    f(
        "enterprise",
        &["企业名称", "受让企业", "用地企业"],
        Text,
        false,
    ),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("method", &["供地方式", "出让方式"], Code, false),
    f("price", &["价格", "出让价格", "成交价"], Money, false),
    f("start_by", &["约定动工日期"], Date, false),
    f("complete_by", &["约定竣工日期"], Date, false),
    f("certificate", &["证书编号", "土地证号"], Text, false),
    f("fee", &["闲置费"], Money, false),
    f("reason", &["原因", "备注"], Text, false),
];

const SCHEDULE_FIELDS: &[Field] = &[
    f("code", &["地块编号", "编号"], Text, true),
    f("due", &["应收日期", "到期日期", "应付日期"], Date, true),
    f("amount", &["应收金额", "金额", "分期金额"], Money, true),
    f("date", &["合同日期", "约定日期"], Date, false),
];

const PAYMENT_FIELDS: &[Field] = &[
    f("date", &["日期", "收款日期", "支付日期"], Date, true),
    f("kind", &["款项", "款项类别", "收费项目"], Code, true),
    f("amount", &["金额", "收款金额"], Money, true),
    f("flow", &["收支", "类型", "业务类型"], Code, false),
    f("code", &["地块编号", "编号"], Text, false),
    f(
        "enterprise",
        &["企业名称", "缴款单位", "付款单位"],
        Text,
        false,
    ),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("reference", &["凭证号", "票据号", "收据号"], Text, false),
    f("payee", &["收款人", "领款人", "收款单位"], Text, false),
    f("area", &["调地面积"], Area, false),
    f("advance", &["预收", "预缴"], Flag, false),
    f("action", &["追缴方式", "催缴方式"], Code, false),
    f("reason", &["原因", "备注"], Text, false),
];

const BUILDING_FIELDS: &[Field] = &[
    f("building", &["楼宇编号", "楼号", "编号"], Text, true),
    f("name", &["楼宇名称", "名称"], Text, false),
    f("code", &["地块编号"], Text, true),
    f("use", &["用途"], Code, false),
    f("floor_area_m2", &["建筑面积"], Quantity, true),
    f("lettable_m2", &["可出租面积", "可租面积"], Quantity, false),
    f(
        "footprint_m2",
        &["基底面积", "建筑基底面积"],
        Quantity,
        false,
    ),
    f("date", &["登记日期"], Date, true),
    f("preparation", &["前期日期", "前期"], Date, false),
    f("under_construction", &["开工日期", "在建"], Date, false),
    f("topped_out", &["封顶日期", "封顶"], Date, false),
    f("completed", &["竣工日期", "竣工"], Date, false),
    f("in_use", &["投入使用日期", "投入使用"], Date, false),
    f(
        "planned_in_use",
        &["预计投入使用日期", "预计投入使用"],
        Date,
        false,
    ),
];

const QUALIFICATION_FIELDS: &[Field] = &[
    f("enterprise", &["企业名称"], Text, false),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("kind", &["资质类别", "类别", "名称", "奖项"], Text, true),
    f("date", &["认定日期", "获奖日期", "日期"], Date, true),
    f("number", &["证书编号", "证书号"], Text, false),
    f(
        "programme",
        &["认定项目", "所属基地", "认定范围"],
        Text,
        false,
    ),
    f("valid_until", &["有效期至", "有效期"], Date, false),
    f("level", &["级别"], Code, false),
    f("class", &["奖项等级", "等级"], Text, false),
    f("year", &["年度", "获奖年度"], Integer, false),
    f("project", &["获奖项目", "项目名称"], Text, false),
    f("co_winners", &["合作单位", "联合单位"], Text, false),
];

const COMPLIANCE_FIELDS: &[Field] = &[
    f("enterprise", &["企业名称"], Text, false),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("category", &["类型", "事项类别"], Code, true),
    f("date", &["日期"], Date, true),
    f("domain", &["领域", "环保安全"], Code, true),
    f(
        "detail",
        &["内容", "检查发现", "事故类型", "投诉内容", "处理情况"],
        Text,
        false,
    ),
    f("source", &["投诉人", "来源"], Text, false),
    f("rectify_by", &["整改期限"], Date, false),
    f("quantity_t", &["数量", "泄漏量"], Quantity, false),
    f("casualties", &["伤亡人数", "伤亡"], Integer, false),
    f("response_hours", &["处置时长", "处置小时"], Quantity, false),
    f("outcome", &["处理结果", "结果"], Text, false),
];

const YEARLY_FIELDS: &[Field] = &[
    f("enterprise", &["企业名称"], Text, false),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("year", &["年份", "年度"], Integer, true),
    f("output", &["产值", "工业总产值"], Money, false),
    f("revenue", &["营业收入"], Money, false),
    f("tax", &["税收", "实缴税金"], Money, false),
    f("value_added", &["增加值"], Money, false),
    f("employees", &["年平均职工人数", "职工人数"], Integer, false),
    f("rd", &["研发经费", "R&D经费"], Money, false),
    f("energy_tce", &["能耗", "综合能耗"], Quantity, false),
    f("electricity_kwh", &["用电量"], Quantity, false),
    f(
        "emissions_t",
        &["排放量", "主要污染物排放量"],
        Quantity,
        false,
    ),
    f("above_scale", &["规上", "规模以上"], Flag, false),
    f("water_m3", &["用水量"], Quantity, false),
];

const PROGRAMME_FIELDS: &[Field] = &[
    f("programme", &["计划名称"], Text, true),
    f("year", &["年度", "年份"], Integer, true),
    f("budget", &["预算", "财政拨款"], Money, true),
    f("created", &["下达日期"], Date, false),
];

const APPLICATION_FIELDS: &[Field] = &[
    f("ref", &["项目编号"], Text, true),
    f("programme", &["计划名称"], Text, true),
    f("enterprise", &["申报单位", "企业名称"], Text, false),
    f("credit_code", &["统一社会信用代码"], Text, false),
    f("title", &["项目名称"], Text, true),
    f("field", &["领域"], Text, false),
    f("requested", &["申请金额"], Money, true),
    f("received", &["受理日期"], Date, true),
];

const STEP_FIELDS: &[Field] = &[
    f("ref", &["项目编号"], Text, true),
    f("step", &["步骤", "环节"], Code, true),
    f("date", &["日期"], Date, true),
    f("scores", &["评分"], Text, false),
    f("batch", &["批次"], Text, false),
    f("grant", &["无偿资助"], Money, false),
    f("interest_subsidy", &["贷款贴息"], Money, false),
    f("loan", &["有偿资助", "贷款"], Money, false),
    f("repay_by", &["还款期限"], Date, false),
    f("amount", &["金额"], Money, false),
    f("kind", &["类别"], Code, false),
    f("via", &["方式"], Code, false),
    f("reason", &["原因", "备注"], Text, false),
];

/// The ledgers parkdb imports, in the order they are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Ledger {
    /// 企业名录: the register.
    Enterprises,
    /// 地块台账: parcels, as of their latest step.
    Parcels,
    /// 地块流水: parcels' steps, one row each.
    ParcelEvents,
    /// 分期付款: land-price schedules.
    Schedules,
    /// 收款: payments received.
    Payments,
    /// 物业: buildings and their stages.
    Buildings,
    /// 资质: qualifications awarded.
    Qualifications,
    /// 检查、事故、投诉: compliance.
    Compliance,
    /// 年报: firms' yearly figures.
    Yearly,
    /// 专项: the fund's programmes.
    Programmes,
    /// 项目申报: applications to the fund.
    Applications,
    /// 项目流程: applications' steps.
    ApplicationSteps,
}

impl Ledger {
    /// Every ledger, in the order they are applied.
    pub const ALL: [Ledger; 12] = [
        Ledger::Enterprises,
        Ledger::Parcels,
        Ledger::ParcelEvents,
        Ledger::Schedules,
        Ledger::Payments,
        Ledger::Buildings,
        Ledger::Qualifications,
        Ledger::Compliance,
        Ledger::Yearly,
        Ledger::Programmes,
        Ledger::Applications,
        Ledger::ApplicationSteps,
    ];

    /// The English name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Ledger::Enterprises => "enterprises",
            Ledger::Parcels => "parcels",
            Ledger::ParcelEvents => "parcel_events",
            Ledger::Schedules => "schedules",
            Ledger::Payments => "payments",
            Ledger::Buildings => "buildings",
            Ledger::Qualifications => "qualifications",
            Ledger::Compliance => "compliance",
            Ledger::Yearly => "yearly",
            Ledger::Programmes => "programmes",
            Ledger::Applications => "applications",
            Ledger::ApplicationSteps => "application_steps",
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Ledger::Enterprises => &["企业名录", "企业", "enterprises"],
            Ledger::Parcels => &["地块台账", "地块", "parcels"],
            Ledger::ParcelEvents => &["地块事件", "土地事件", "parcel_events"],
            Ledger::Schedules => &["应收台账", "分期付款", "schedules"],
            Ledger::Payments => &["收款台账", "收款", "payments"],
            Ledger::Buildings => &["楼宇台账", "物业台账", "buildings"],
            Ledger::Qualifications => &["资质台账", "资质荣誉", "qualifications"],
            Ledger::Compliance => &["环保安全台账", "安全环保台账", "compliance"],
            Ledger::Yearly => &["年度经济指标", "经济指标", "yearly"],
            Ledger::Programmes => &["科技计划", "计划", "programmes"],
            Ledger::Applications => &["项目申报", "申报", "applications"],
            Ledger::ApplicationSteps => &["项目流程", "流程", "application_steps"],
        }
    }

    /// The ledger a sheet or file name means (`地块台账`, `parcels.csv`, `2005年地块台账`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Ledger> {
        let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = stem.split('.').next().unwrap_or(stem).trim().to_lowercase();
        // Longest names first, so that 地块事件 is not taken for 地块.
        let mut all: Vec<(Ledger, &str)> = Ledger::ALL
            .iter()
            .flat_map(|l| l.names().iter().map(move |n| (*l, *n)))
            .collect();
        all.sort_by_key(|(_, n)| std::cmp::Reverse(n.chars().count()));
        all.into_iter()
            .find(|(_, n)| stem == *n || stem.ends_with(n))
            .map(|(l, _)| l)
    }

    /// The columns of the ledger.
    #[must_use]
    pub fn fields(self) -> &'static [Field] {
        match self {
            Ledger::Enterprises => ENTERPRISE_FIELDS,
            Ledger::Parcels => PARCEL_FIELDS,
            Ledger::ParcelEvents => PARCEL_EVENT_FIELDS,
            Ledger::Schedules => SCHEDULE_FIELDS,
            Ledger::Payments => PAYMENT_FIELDS,
            Ledger::Buildings => BUILDING_FIELDS,
            Ledger::Qualifications => QUALIFICATION_FIELDS,
            Ledger::Compliance => COMPLIANCE_FIELDS,
            Ledger::Yearly => YEARLY_FIELDS,
            Ledger::Programmes => PROGRAMME_FIELDS,
            Ledger::Applications => APPLICATION_FIELDS,
            Ledger::ApplicationSteps => STEP_FIELDS,
        }
    }
}

/// Columns of the tables that no ledger imports (derived or read back),
/// in Chinese.
const DERIVED_COLUMNS: &[(&str, &str)] = &[
    ("parcel_id", "地块序号"),
    ("enterprise_id", "企业序号"),
    ("application_id", "项目序号"),
    ("programme_id", "计划序号"),
    ("code", "编号"),
    ("status", "状态"),
    ("idle", "闲置"),
    ("reclaimable", "可收回"),
    ("year", "年度"),
    ("name", "名称"),
    ("kind", "类别"),
    ("event", "事件"),
    ("date", "日期"),
    ("detail", "说明"),
    ("grade", "等级"),
    ("score", "得分"),
    ("rank", "排名"),
    ("entity_id", "序号"),
    ("event_id", "事件编号"),
    ("amount", "数额"),
    // Where an event came from (the events table, histories, explanations).
    ("source", "来源"),
    ("source_by", "录入人"),
    ("source_host", "主机"),
    ("import_id", "导入批次"),
    ("source_file", "文件"),
    ("source_sheet", "工作表"),
    ("source_row", "行号"),
];

/// A table column's name in Chinese, as the ledgers' headers say it: the
/// column itself, or with its unit or `_id`/`_name`/`_on` taken off
/// (`area_mu` → 面积, `holder_name` → 用地单位, `certified_on` → 办证日期);
/// `None` where no ledger names it.
#[must_use]
pub fn chinese_of(column: &str) -> Option<&'static str> {
    if let Some((_, zh)) = DERIVED_COLUMNS.iter().find(|(c, _)| *c == column) {
        return Some(zh);
    }
    let stem = ["_mu", "_yuan", "_m2", "_id", "_name", "_on"]
        .iter()
        .find_map(|suffix| column.strip_suffix(suffix))
        .unwrap_or(column);
    Ledger::ALL.iter().find_map(|ledger| {
        ledger
            .fields()
            .iter()
            .find(|f| f.name == column || f.name == stem)
            .and_then(|f| f.chinese.first().copied())
    })
}

/// A unit named in a header, as a multiple of the column's base unit
/// (元 for money, 亩 for area).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// The column's base unit (元, 亩).
    Base,
    /// 万元.
    Wan,
    /// ㎡.
    SquareMetres,
    /// 公顷.
    Hectares,
}

/// Splits a header into its name and unit: `面积（㎡）` → ("面积", "㎡").
#[must_use]
pub fn split_header(header: &str) -> (String, Option<String>) {
    let h = header.trim().replace('（', "(").replace('）', ")");
    match (h.find('('), h.rfind(')')) {
        (Some(open), Some(close)) if close > open => (
            h[..open].trim().to_owned(),
            Some(h[open + 1..close].trim().to_owned()),
        ),
        _ => (h, None),
    }
}

/// Why a header names no column of a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// No field of the ledger goes by this name: an import sets the
    /// column aside (or, strict, refuses it).
    Unknown {
        /// The ledger's name.
        ledger: &'static str,
        /// Its fields, `中文/english`.
        known: Vec<String>,
    },
    /// The header names a unit the column's values cannot be in.
    Unit {
        /// The field.
        field: &'static str,
        /// The unit named.
        unit: String,
        /// The units the field takes.
        fits: &'static str,
    },
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Unknown { ledger, known } => write!(
                f,
                "unknown column for the {ledger} ledger; known: {}",
                known.join(", ")
            ),
            HeaderError::Unit { field, unit, fits } => {
                write!(f, "unit {unit:?} does not fit the {field} column ({fits})")
            }
        }
    }
}

/// Finds the field a header means, and the unit its values are in: the
/// name [`resolve_header`] had before its error was typed.
///
/// # Errors
/// As [`resolve_header`].
#[deprecated(since = "0.1.0", note = "use resolve_header")]
pub fn resolve(ledger: Ledger, header: &str) -> Result<(&'static Field, Unit), HeaderError> {
    resolve_header(ledger, header)
}

/// Finds the field a header means, and the unit its values are in.
///
/// # Errors
/// [`HeaderError::Unknown`] for a header no field goes by,
/// [`HeaderError::Unit`] for a unit that does not fit the column.
pub fn resolve_header(ledger: Ledger, header: &str) -> Result<(&'static Field, Unit), HeaderError> {
    let (name, unit) = split_header(header);
    // English headers may carry the unit as a suffix: price_yuan, area_mu, area_m2.
    let lower = name.to_lowercase();
    let (base, suffix_unit) = ["_wan_yuan", "_yuan", "_mu", "_m2", "_ha"]
        .iter()
        .find_map(|s| {
            lower
                .strip_suffix(s)
                .map(|b| (b.to_owned(), Some(s.trim_start_matches('_').to_owned())))
        })
        .unwrap_or((lower.clone(), None));
    let field = ledger
        .fields()
        .iter()
        .find(|f| f.name == lower || f.name == base || f.chinese.contains(&name.as_str()))
        .ok_or_else(|| HeaderError::Unknown {
            ledger: ledger.name(),
            known: ledger
                .fields()
                .iter()
                .map(|f| format!("{}/{}", f.chinese[0], f.name))
                .collect(),
        })?;
    let unit_text = unit.or(if field.name == lower {
        None
    } else {
        suffix_unit
    });
    let unit = match (field.kind, unit_text.as_deref()) {
        (FieldKind::Money, Some("万元" | "wan_yuan" | "万")) => Unit::Wan,
        (FieldKind::Area, Some("㎡" | "m2" | "m²" | "平方米")) => Unit::SquareMetres,
        (FieldKind::Area, Some("公顷" | "ha")) => Unit::Hectares,
        (FieldKind::Money, Some(u)) if !matches!(u, "元" | "yuan") => {
            return Err(HeaderError::Unit {
                field: field.name,
                unit: u.to_owned(),
                fits: "元 or 万元",
            })
        }
        (FieldKind::Area, Some(u)) if !matches!(u, "亩" | "mu") => {
            return Err(HeaderError::Unit {
                field: field.name,
                unit: u.to_owned(),
                fits: "亩, ㎡ or 公顷",
            })
        }
        _ => Unit::Base,
    };
    Ok((field, unit))
}

/// Columns kept for a sheet's readers: 序号 (a running number), and 备注
/// in a ledger that keeps no notes.
pub(crate) fn is_ignored_column(header: &str) -> bool {
    let (name, _) = split_header(header);
    matches!(
        name.to_lowercase().as_str(),
        "序号" | "no" | "no." | "备注" | "说明" | "note" | "notes" | "remarks"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_chinese_and_english_resolve_with_units() {
        let p = Ledger::Parcels;
        assert_eq!(resolve_header(p, "面积(亩)").unwrap().1, Unit::Base);
        assert_eq!(
            resolve_header(p, "面积（㎡）").unwrap().1,
            Unit::SquareMetres
        );
        assert_eq!(resolve_header(p, "area_ha").unwrap().1, Unit::Hectares);
        assert_eq!(resolve_header(p, "地块编号").unwrap().0.name, "code");
        assert!(resolve_header(p, "面积(元)").is_err());
        assert!(resolve_header(p, "面基")
            .unwrap_err()
            .to_string()
            .contains("地块编号/code"));
        let e = Ledger::ParcelEvents;
        assert_eq!(resolve_header(e, "价格(万元)").unwrap().1, Unit::Wan);
        assert_eq!(resolve_header(e, "price_yuan").unwrap().0.name, "price");
        assert_eq!(
            Ledger::from_name("2005年地块台账.csv"),
            Some(Ledger::Parcels)
        );
        assert_eq!(Ledger::from_name("地块事件"), Some(Ledger::ParcelEvents));
        assert_eq!(
            Ledger::from_name("ledgers/parcel_events.csv"),
            Some(Ledger::ParcelEvents)
        );
        assert_eq!(Ledger::from_name("budget"), None);
    }

    #[test]
    fn table_columns_read_in_chinese_where_a_ledger_names_them() {
        assert_eq!(super::chinese_of("area_mu"), Some("面积"));
        assert_eq!(super::chinese_of("holder_name"), Some("用地单位"));
        assert_eq!(super::chinese_of("code"), Some("编号"));
        assert_eq!(super::chinese_of("status"), Some("状态"));
        // An explanation's and the events table's columns.
        assert_eq!(super::chinese_of("amount"), Some("数额"));
        assert_eq!(super::chinese_of("source"), Some("来源"));
        assert_eq!(super::chinese_of("source_row"), Some("行号"));
        assert_eq!(super::chinese_of("boundary_area_mu"), None);
    }
}
