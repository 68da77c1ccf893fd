//! The layouts 中国土地市场网 (landchina.com) publishes, taken as they are:
//! 供地结果 (supply results), 土地转让 (transfers) and 土地抵押
//! (mortgages). A sheet is recognised by its headers (or named by
//! `layout=`); each column is read where the published header puts it,
//! in the published units (面积 in 公顷, prices in 万元), and the columns
//! parkdb keeps nowhere are listed as set aside.
//!
//! A published record names no requisition: its parcel enters the ledger
//! on the day of the record ([`crate::Writer::register_parcel`]), marked
//! as such, never with an invented requisition date. A record with no
//! parcel number takes the notice's `recorderguid` as its code, so a
//! re-import finds it and writes nothing.

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use super::super::columns::Unit;
use super::lookups::Lookups;
use super::row::{blame, Refused, Row, RowError};
use super::snapshot::Contradictions;
use crate::enterprise::{EnterpriseId, NewEnterprise};
use crate::ids::code_enum;
use crate::land::{Contract, LandUse, Mortgage, SupplyMethod, UseTerm};
use crate::units::{Quantity, Yuan};
use crate::writer::{Allocation, NewParcel, Writer};

code_enum!(
    /// A layout 中国土地市场网 publishes (`layout=` in an import).
    Layout, "layout", {
        /// 供地结果: a parcel supplied, its holder and contract terms.
        SupplyResults = "supply_results" / "供地结果",
        /// 土地转让: a parcel passed from one holder to another.
        Transfers = "transfers" / "土地转让" | "转让结果",
        /// 土地抵押: a mortgage registered on a parcel.
        Mortgages = "mortgages" / "土地抵押" | "抵押结果",
    }
);

/// One column of a layout: its published header, the field a row reads
/// it by, and its unit.
struct Column {
    header: &'static str,
    field: &'static str,
    unit: Unit,
}

const fn col(header: &'static str, field: &'static str, unit: Unit) -> Column {
    Column {
        header,
        field,
        unit,
    }
}

/// The columns of 供地结果 parkdb reads (28 are published; the others are
/// set aside and listed).
const SUPPLY: &[Column] = &[
    col("链接", "notice", Unit::Base),
    col("土地坐落", "location", Unit::Base),
    col("项目名称", "project", Unit::Base),
    col("面积(公顷)", "area", Unit::Hectares),
    col("总面积", "area_again", Unit::Hectares),
    col("土地用途", "land_use", Unit::Base),
    col("供应方式", "method", Unit::Base),
    col("供地方式", "method_again", Unit::Base),
    col("合同签订日期", "date", Unit::Base),
    col("签订日期", "date_again", Unit::Base),
    col("土地使用年限", "terms", Unit::Base),
    col("行业分类", "industry", Unit::Base),
    col("土地级别", "grade", Unit::Base),
    col("成交价格", "price", Unit::Wan),
    col("分期支付", "instalments", Unit::Wan),
    col("土地使用权人", "holder", Unit::Base),
    col("约定容积率(上限)", "plot_ratio_max", Unit::Base),
    col("约定容积率(下限)", "plot_ratio_min", Unit::Base),
    col("约定交地时间", "deliver_by", Unit::Base),
    col("约定开工时间", "start_by", Unit::Base),
    col("约定竣工时间", "complete_by", Unit::Base),
    col("批准单位", "approved_by", Unit::Base),
];

/// The columns of 土地转让 parkdb reads.
const TRANSFERS: &[Column] = &[
    col("超链接", "notice", Unit::Base),
    col("链接", "notice", Unit::Base),
    col("宗地编号", "parcel_number", Unit::Base),
    col("宗地座落", "location", Unit::Base),
    col("土地坐落", "location_again", Unit::Base),
    col("土地面积", "area", Unit::Hectares),
    col("土地用途", "land_use", Unit::Base),
    col("原土地使用权人", "from", Unit::Base),
    col("现土地使用权人", "holder", Unit::Base),
    col("转让价格", "price", Unit::Wan),
    col("转让方式", "how", Unit::Base),
    col("成交时间", "date", Unit::Base),
];

/// The columns of 土地抵押 parkdb reads.
const MORTGAGES: &[Column] = &[
    col("超链接", "notice", Unit::Base),
    col("链接", "notice", Unit::Base),
    col("宗地编号", "parcel_number", Unit::Base),
    col("宗地座落", "location", Unit::Base),
    col("土地坐落", "location_again", Unit::Base),
    col("土地面积", "area", Unit::Hectares),
    col("抵押面积", "mortgaged_area", Unit::Hectares),
    col("抵押土地用途", "land_use", Unit::Base),
    col("土地他项权利人证号", "right_certificate", Unit::Base),
    col("土地使用权证号", "use_certificate", Unit::Base),
    col("土地抵押人名称", "holder", Unit::Base),
    col("土地抵押权人", "mortgagee", Unit::Base),
    col("评估金额", "appraised", Unit::Wan),
    col("抵押金额", "amount", Unit::Wan),
    col("抵押起始时间", "date", Unit::Base),
    col("抵押结束时间", "until", Unit::Base),
];

impl Layout {
    /// The columns parkdb reads from the layout.
    fn columns(self) -> &'static [Column] {
        match self {
            Layout::SupplyResults => SUPPLY,
            Layout::Transfers => TRANSFERS,
            Layout::Mortgages => MORTGAGES,
        }
    }

    /// The headers that together mark the layout (and that an explicit
    /// `layout=` needs).
    fn marks(self) -> &'static [&'static str] {
        match self {
            Layout::SupplyResults => &["面积(公顷)", "成交价格", "土地使用权人", "合同签订日期"],
            Layout::Transfers => &["原土地使用权人", "现土地使用权人", "转让价格", "成交时间"],
            Layout::Mortgages => &["土地抵押人名称", "土地抵押权人", "抵押金额", "抵押起始时间"],
        }
    }

    /// The published layout a sheet's headers are, if any.
    #[must_use]
    pub fn recognise(headers: &[String]) -> Option<Layout> {
        let have: Vec<String> = headers.iter().map(|h| normal(h)).collect();
        Layout::ALL
            .iter()
            .copied()
            .find(|l| l.marks().iter().all(|m| have.iter().any(|h| h == m)))
    }

    /// The marking headers a sheet lacks for this layout.
    fn missing(self, headers: &[String]) -> Vec<&'static str> {
        let have: Vec<String> = headers.iter().map(|h| normal(h)).collect();
        self.marks()
            .iter()
            .copied()
            .filter(|m| !have.iter().any(|h| h == m))
            .collect()
    }
}

/// A header as compared: trimmed, full-width brackets as ASCII.
fn normal(h: &str) -> String {
    h.trim().replace('（', "(").replace('）', ")")
}

/// A sheet in a published layout, ready to apply.
pub(super) struct PublishedSheet<'s> {
    pub(super) layout: Layout,
    pub(super) rows: Vec<Row<'s>>,
}

/// Lays a sheet out as `layout`: each row's cells by field (a header
/// given twice is read where it first appears), and the columns set
/// aside listed in `skipped`. A sheet lacking the layout's marking
/// headers is an error at its header.
pub(super) fn prepare<'s>(
    sheet: &'s super::Sheet,
    layout: Layout,
    skipped: &mut Vec<RowError>,
) -> Result<PublishedSheet<'s>, RowError> {
    let missing = layout.missing(&sheet.headers);
    if !missing.is_empty() {
        return Err(RowError {
            sheet: sheet.name.clone(),
            row: 1,
            column: String::new(),
            reason: format!(
                "is not a {} ({}) sheet: it lacks the columns {}",
                layout.chinese(),
                layout.code(),
                missing.join(", ")
            ),
        });
    }
    let mut at: Vec<Option<&'static Column>> = Vec::with_capacity(sheet.headers.len());
    let mut taken: Vec<&'static str> = Vec::new();
    for h in &sheet.headers {
        let n = normal(h);
        let column = layout
            .columns()
            .iter()
            .find(|c| c.header == n && !taken.contains(&c.field));
        match column {
            Some(c) => {
                taken.push(c.field);
                at.push(Some(c));
            }
            None => {
                if !n.is_empty() && !super::super::columns::is_ignored_column(h) {
                    let again = layout.columns().iter().any(|c| c.header == n);
                    skipped.push(RowError {
                        sheet: sheet.name.clone(),
                        row: 1,
                        column: h.clone(),
                        reason: if again {
                            format!("given again: the first {n} is read, this one set aside")
                        } else {
                            format!(
                                "a column of {} parkdb keeps nowhere: set aside, not imported",
                                layout.chinese()
                            )
                        },
                    });
                }
                at.push(None);
            }
        }
    }
    let columns: Vec<_> = at.iter().map(|c| c.map(|c| (c.field, c.unit))).collect();
    Ok(PublishedSheet {
        layout,
        rows: Row::all_of(sheet, &columns),
    })
}

/// Applies one row of a published layout; what it sets aside (instalments
/// that do not sum to the price) goes to `skipped`.
pub(super) fn apply_row(
    w: &mut Writer,
    lookups: &mut Lookups,
    layout: Layout,
    row: &Row<'_>,
    skipped: &mut Vec<RowError>,
) -> Result<(), Refused> {
    match layout {
        Layout::SupplyResults => supply_result(w, lookups, row, skipped),
        Layout::Transfers => transfer(w, lookups, row, skipped),
        Layout::Mortgages => mortgage(w, lookups, row, skipped),
    }
}

/// The parcel's code: its number where the record gives one, else the
/// notice's `recorderguid`.
fn parcel_code(row: &Row<'_>) -> Result<String, RowError> {
    if let Some(n) = row.text("parcel_number").filter(|n| n.trim() != "0") {
        return Ok(n);
    }
    let link = row.raw("notice").unwrap_or_default();
    recorder_guid(link).map(str::to_owned).ok_or_else(|| {
        row.err(
            "notice",
            format!(
                "{}: no parcel number and no recorderguid in the notice's link to make a code from",
                crate::text::shown(link)
            ),
        )
    })
}

/// The `recorderguid` a notice's link carries.
fn recorder_guid(link: &str) -> Option<&str> {
    let (_, rest) = link.split_once("recorderguid=")?;
    let guid = rest.split(['&', '#']).next()?.trim();
    (!guid.is_empty()).then_some(guid)
}

/// The first of two fields a record may give a value in.
fn either<'s>(row: &Row<'s>, first: &str, second: &str) -> Option<&'s str> {
    row.raw(first).or_else(|| row.raw(second))
}

/// The holder a record names, created (by name alone) if the register
/// has no such firm.
fn holder(
    w: &mut Writer,
    lookups: &mut Lookups,
    row: &Row<'_>,
    field: &str,
) -> Result<EnterpriseId, RowError> {
    let name = row.need(field, Ok(row.text(field)))?;
    if let Some((id, _)) = lookups.one_named(row, field, &name)? {
        return Ok(id);
    }
    let code = name.trim().to_uppercase();
    if code.len() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return lookups.coded(row, field, &code);
    }
    let id = w
        .attempt(|w| w.add_enterprise(NewEnterprise::named(name.clone())))
        .map_err(|e| row.err(field, super::row::reason(&e)))?;
    lookups.add_firm(&name, None, id);
    Ok(id)
}

/// The parcel a record is about: the one the database holds by its code
/// (checked against the record), or a new one entered on `on`.
fn registered_parcel(
    w: &mut Writer,
    row: &Row<'_>,
    on: NaiveDate,
    held_by: Option<EnterpriseId>,
) -> Result<(crate::ParcelId, bool), Refused> {
    let code = parcel_code(row)?;
    let area = match row.area("area")? {
        Some(a) => a,
        None => row.need("area", row.area("area_again"))?,
    };
    let land_use = row.need("land_use", row.code("land_use", LandUse::parse))?;
    if let Ok(p) = w.parcel_by_code(&code) {
        let mut found = Contradictions::new(row);
        if p.area != area {
            found.differ(
                "area",
                p.area,
                "an area changes by a split, not in the ledger",
            );
        }
        if p.land_use != land_use {
            found.differ(
                "land_use",
                p.land_use.chinese(),
                "a parcel's use does not change",
            );
        }
        found.done()?;
        return Ok((p.id, false));
    }
    let new = NewParcel {
        code,
        area,
        land_use,
        requisitioned: on,
        location: either(row, "location", "location_again").map(str::to_owned),
        boundary: None,
    };
    let id = w
        .attempt(|w| w.register_parcel(new, held_by))
        .map_err(|e| blame(row, &e))?;
    Ok((id, true))
}

/// A row of 供地结果: the parcel (entered on the contract's date if new),
/// its holder, the allocation and the contract's other terms.
fn supply_result(
    w: &mut Writer,
    lookups: &mut Lookups,
    row: &Row<'_>,
    skipped: &mut Vec<RowError>,
) -> Result<(), Refused> {
    let date = match row.date("date")? {
        Some(d) => d,
        None => row.need("date_again", row.date("date_again"))?,
    };
    let method = match (row.raw("method"), row.raw("method_again")) {
        (Some(a), Some(b)) if SupplyMethod::parse(a).ok() != SupplyMethod::parse(b).ok() => {
            return Err(row
                .err(
                    "method",
                    format!("供应方式 says {a} and 供地方式 says {b}: which one is meant?"),
                )
                .into())
        }
        (Some(_), _) => row.need("method", row.code("method", SupplyMethod::parse))?,
        (None, _) => row.need("method", row.code("method_again", SupplyMethod::parse))?,
    };
    let price = match row.money("price")? {
        Some(p) => p,
        // 划拨 has no price; any other method publishes one.
        None if method == SupplyMethod::Allocation => Yuan::ZERO,
        None => {
            return Err(row
                .err("price", "is empty; a supply by sale has its price")
                .into())
        }
    };
    let start_by = row.date("start_by")?;
    let complete_by = row.date("complete_by")?;
    let mut contract = Contract::new();
    contract.deliver_by = row.date("deliver_by")?;
    contract.terms = use_terms(row)?;
    contract.plot_ratio_min = ratio(row, "plot_ratio_min")?;
    contract.plot_ratio_max = ratio(row, "plot_ratio_max")?;
    contract.instalments = instalments(row, price, skipped)?;
    contract.industry = row.text("industry");
    contract.grade = row.text("grade");
    contract.approved_by = row.text("approved_by");
    contract.project = row.text("project");
    contract.notice = row.text("notice");
    if row.raw("holder").is_none() {
        // Supplied to a holder the record does not name (as many 划拨
        // results are): the parcel enters, its supply is set aside.
        let (_, new) = registered_parcel(w, row, date, None)?;
        if new {
            skipped.push(row.err(
                "holder",
                format!(
                    "is empty: the parcel enters the ledger on {date}, its supply ({}, {}) \
                     is not recorded without a holder",
                    method.chinese(),
                    price.display_wan()
                ),
            ));
        }
        return Ok(());
    }
    let firm = holder(w, lookups, row, "holder")?;
    let (parcel, new) = registered_parcel(w, row, date, None)?;
    let p = w.parcel(parcel).map_err(|e| blame(row, &e))?;
    if !new {
        // Imported again: the same supply, or a contradiction.
        let mut found = Contradictions::new(row);
        // The holder the supply gave, whoever holds the parcel since.
        let supplied_to = p
            .tenure
            .iter()
            .rev()
            .find(|(on, _)| *on == date)
            .and_then(|(_, h)| *h);
        match &p.supply {
            Some(s) if s.date == date => {
                if supplied_to != Some(firm) {
                    let h = supplied_to.map_or_else(|| "no holder".to_owned(), |h| h.to_string());
                    found.differ(
                        "holder",
                        h,
                        "a new holder comes by a transfer, not by a supply result",
                    );
                }
                if s.method != method {
                    found.differ("method", s.method.chinese(), super::snapshot::VOID_FIRST);
                }
                if s.price != price {
                    found.differ("price", s.price, super::snapshot::VOID_FIRST);
                }
                if s.start_by != start_by {
                    found.differ("start_by", show(s.start_by), super::snapshot::VOID_FIRST);
                }
                if s.complete_by != complete_by {
                    found.differ(
                        "complete_by",
                        show(s.complete_by),
                        super::snapshot::VOID_FIRST,
                    );
                }
                found.done()?;
                if s.contract.is_some() {
                    return Ok(());
                }
            }
            Some(s) => {
                found.differ("date", s.date, "the parcel is held under another supply");
                return found.done();
            }
            None => {}
        }
    }
    if p.holder.is_none() {
        let terms = Allocation {
            holder: firm,
            date,
            method,
            price,
            start_by,
            complete_by,
        };
        w.attempt(|w| w.allocate(parcel, terms))
            .map_err(|e| blame(row, &e))?;
    }
    w.attempt(|w| w.agree_contract(parcel, date, contract))
        .map_err(|e| blame(row, &e))?;
    Ok(())
}

fn show(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// 土地使用年限: `50`, `50年`, or per use (`其他工业用地50年; 其他商服用地40`).
fn use_terms(row: &Row<'_>) -> Result<Vec<UseTerm>, RowError> {
    let Some(text) = row.raw("terms") else {
        return Ok(Vec::new());
    };
    let mut terms = Vec::new();
    for part in text.split([';', '；', ',', '，']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let part = part.trim_end_matches('年').trim();
        let digits = part
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit())
            .last()
            .map(|(i, _)| i);
        let bad = || {
            row.err(
                "terms",
                format!(
                    "{} is not a term of use in years (50, 50年, or 工业用地50年; 商服用地40)",
                    crate::text::shown(text)
                ),
            )
        };
        let at = digits.ok_or_else(bad)?;
        let years: u16 = part[at..].parse().map_err(|_| bad())?;
        let use_ = part[..at].trim();
        terms.push(UseTerm {
            use_: (!use_.is_empty()).then(|| use_.to_owned()),
            years,
        });
    }
    Ok(terms)
}

/// A plot ratio as published (to at most four places).
fn ratio(row: &Row<'_>, field: &str) -> Result<Option<Quantity>, RowError> {
    let Some(t) = row.number_text(field) else {
        return Ok(None);
    };
    Quantity::parse(&t, field)
        .map(Some)
        .map_err(|e| row.err(field, super::row::reason(&e)))
}

/// 分期支付 (`129.8900;`, amounts in 万元): kept when they sum to the
/// price; else set aside, and said so.
fn instalments(
    row: &Row<'_>,
    price: Yuan,
    skipped: &mut Vec<RowError>,
) -> Result<Vec<Yuan>, RowError> {
    let Some(text) = row.number_text("instalments") else {
        return Ok(Vec::new());
    };
    let mut amounts = Vec::new();
    for part in text
        .split([';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let amount = Yuan::parse_or(part, Yuan::parse_wan)
            .map_err(|e| row.err("instalments", super::row::reason(&e)))?;
        amounts.push(amount);
    }
    let sum = Yuan::sum(amounts.iter().copied())
        .map_err(|e| row.err("instalments", super::row::reason(&e)))?;
    if sum == price {
        return Ok(amounts);
    }
    skipped.push(row.err(
        "instalments",
        format!(
            "{} sums to {}, not the price {}: set aside, not imported",
            crate::text::shown(&text),
            sum.display_wan(),
            price.display_wan()
        ),
    ));
    Ok(Vec::new())
}

/// A row of 土地转让: the parcel (entered on the transfer's date, held by
/// the former holder, if new) passed to the new holder. A record that
/// leaves one holder empty enters the parcel held by the one it names and
/// sets the transfer aside, saying so.
fn transfer(
    w: &mut Writer,
    lookups: &mut Lookups,
    row: &Row<'_>,
    skipped: &mut Vec<RowError>,
) -> Result<(), Refused> {
    let date = row.need("date", row.date("date"))?;
    // Unpublished, the price stays unknown (never 0).
    let price = row.money("price")?;
    let (from, to) = match (row.raw("from"), row.raw("holder")) {
        (None, None) => return Err(row
            .whole(
                "names neither the former holder (原土地使用权人) nor the new one (现土地使用权人)",
            )
            .into()),
        (Some(_), Some(_)) => (
            holder(w, lookups, row, "from")?,
            holder(w, lookups, row, "holder")?,
        ),
        (named, _) => {
            let (field, empty, whom) = if named.is_some() {
                ("from", "holder", "former")
            } else {
                ("holder", "from", "new")
            };
            let firm = holder(w, lookups, row, field)?;
            let (_, new) = registered_parcel(w, row, date, Some(firm))?;
            if new {
                skipped.push(row.err(
                    empty,
                    format!(
                        "is empty: the parcel enters held by its {whom} holder on {date}; \
                         the transfer ({}) is not recorded",
                        price.map_or_else(|| "price not published".to_owned(), Yuan::display_wan)
                    ),
                ));
            }
            return Ok(());
        }
    };
    let (parcel, _) = registered_parcel(w, row, date, Some(from))?;
    let p = w.parcel(parcel).map_err(|e| blame(row, &e))?;
    // Imported again: the transfer the database holds.
    let done = p.tenure.iter().any(|(on, h)| *on == date && *h == Some(to)) && p.holder == Some(to);
    if done {
        return Ok(());
    }
    if p.holder != Some(from) {
        return Err(row
            .err(
                "from",
                format!(
                    "the database has the parcel {} on {date}, not with {}",
                    p.holder
                        .map_or_else(|| "in the reserve".to_owned(), |h| format!("held by {h}")),
                    row.raw("from").unwrap_or_default()
                ),
            )
            .into());
    }
    let how = row.raw("how");
    w.attempt(|w| w.convey(parcel, to, date, price, how))
        .map_err(|e| blame(row, &e))?;
    Ok(())
}

/// A row of 土地抵押: the parcel (entered on the mortgage's start, held by
/// the mortgagor, if new) and the mortgage on it. A second notice of a
/// mortgage the database holds (the same 他项权证) is listed as set aside,
/// not recorded twice.
fn mortgage(
    w: &mut Writer,
    lookups: &mut Lookups,
    row: &Row<'_>,
    skipped: &mut Vec<RowError>,
) -> Result<(), Refused> {
    let from = row.need("date", row.date("date"))?;
    let until = row.date("until")?;
    let amount = row.need("amount", row.money("amount"))?;
    let mortgagee = row.need("mortgagee", Ok(row.text("mortgagee")))?;
    let mortgagor = holder(w, lookups, row, "holder")?;
    let (parcel, _) = registered_parcel(w, row, from, Some(mortgagor))?;
    let mut m = Mortgage::new(mortgagee, amount, from, until);
    m.appraised = row.money("appraised")?;
    m.area = row.area("mortgaged_area")?;
    // As the database keeps them, so that a second notice compares.
    m.right_certificate = certificate(row, "right_certificate")?;
    m.use_certificate = certificate(row, "use_certificate")?;
    m.notice = row.text("notice");
    let p = w.parcel(parcel).map_err(|e| blame(row, &e))?;
    if let Some(held) = p.mortgages.iter().find(|held| held.same_as(&m)) {
        // Imported again, or published twice.
        if held.notice != m.notice {
            skipped.push(row.whole(format!(
                "the same mortgage as one recorded on {} ({}, {}): not recorded twice",
                held.from,
                held.right_certificate.as_deref().unwrap_or(&held.mortgagee),
                held.amount.display_wan()
            )));
        }
        return Ok(());
    }
    if p.holder != Some(mortgagor) {
        return Err(row
            .err(
                "holder",
                format!(
                    "the database has the parcel {}, not with {}",
                    p.holder
                        .map_or_else(|| "in the reserve".to_owned(), |h| format!("held by {h}")),
                    row.raw("holder").unwrap_or_default()
                ),
            )
            .into());
    }
    w.attempt(|w| w.mortgage(parcel, m))
        .map_err(|e| blame(row, &e))?;
    Ok(())
}

/// A certificate's number as the database keeps it (see [`crate::text`]).
fn certificate(row: &Row<'_>, field: &str) -> Result<Option<String>, RowError> {
    row.raw(field)
        .map(|t| crate::text::code(field, t).map_err(|e| row.err(field, super::row::reason(&e))))
        .transpose()
}
