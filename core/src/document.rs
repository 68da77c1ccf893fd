//! The annual work report as a Word document (`.docx`) people edit and
//! hand in: its title, the report's sections in its own sentences (一、土地
//! … 五、财务, then 六、亩均效益评价), tables (the land, the fund's
//! batches, the buildings, the receivables by kind and age, the grades),
//! charts (land and money per year, firms by grade), the year-end map, the
//! plans' progress, and an appendix explaining its headline figures.
//!
//! Set as government documents are (GB/T 9704): A4, 仿宋 for the text, 黑体
//! for headings, 宋体 for tables and the title; Word substitutes what a
//! machine lacks. Charts and the map are drawn as SVG and rendered to PNG
//! (resvg): their Chinese words are in the document's own captions, so a
//! machine without Chinese fonts still renders every figure's number.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Pic, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use crate::chart::BarChart;
use crate::error::{Error, Result};
use crate::money::AgingBucket;
use crate::plan::Plan;
use crate::report::AnnualReport;
use crate::scheme::Scheme;
use crate::units::{Mu, Yuan};
use crate::view::View;

/// What goes into a report's document besides the ledgers' figures.
#[derive(Debug, Clone, Default)]
pub struct DocumentOptions {
    /// The title's first words (the zone's name): `高平工业区` gives
    /// `高平工业区2005年度工作总结`.
    pub zone: Option<String>,
    /// Plans whose progress the document reports: those of the report's
    /// year (a plan of another year is measured only when asked for in
    /// its own year).
    pub plans: Vec<Plan>,
    /// The scheme of 六、亩均效益评价 (default: `huangyan_2022`).
    pub scheme: Option<Scheme>,
}

/// The headline figures the appendix explains, with their Chinese names.
const EXPLAINED: [(&str, &str); 5] = [
    ("certified_mu", "已办证土地"),
    ("supplied_mu", "已供应土地"),
    ("output_value_yuan", "全年生产总值"),
    ("tax_yuan", "全年税收"),
    ("disbursed_yuan", "全年拨付科技经费"),
];

/// Rows of an explanation the appendix prints of each figure; the rest
/// are counted, never dropped in silence.
const APPENDIX_ROWS: usize = 40;

const BODY: &str = "仿宋";
const HEADING: &str = "黑体";
const TABLE: &str = "宋体";
const LATIN: &str = "Times New Roman";
/// 三号 (16 pt) for text and headings, 小四 (12 pt) for tables, 二号 for the title.
const BODY_SIZE: usize = 32;
const TABLE_SIZE: usize = 21;
const TITLE_SIZE: usize = 44;
/// The text block's width, 15.6 cm, in EMU.
const TEXT_WIDTH_EMU: u32 = 5_616_000;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// A paragraph of text, its first line indented two characters, lines at 28 pt.
fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY, BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(LineSpacing::new().line(560))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING, BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(LineSpacing::new().line(560).before(120))
}

fn caption(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, TABLE, TABLE_SIZE).bold())
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(120).after(60))
}

fn note(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, TABLE, TABLE_SIZE))
        .line_spacing(LineSpacing::new().after(120))
}

/// A table of text: a bold header row, then the rows.
fn table(headers: &[&str], rows: &[Vec<String>]) -> Table {
    let cell = |text: &str, bold: bool| {
        let r = run(text, TABLE, TABLE_SIZE);
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold { r.bold() } else { r }))
    };
    let mut all = vec![TableRow::new(
        headers.iter().map(|h| cell(h, true)).collect(),
    )];
    for row in rows {
        all.push(TableRow::new(row.iter().map(|t| cell(t, false)).collect()));
    }
    Table::new(all).width(5000, WidthType::Pct)
}

/// A picture the width of the text block, centred.
fn picture(svg: &str) -> Result<Paragraph> {
    let (png, w, h) = crate::png::svg_to_png(svg, 2.0)?;
    let height = u64::from(TEXT_WIDTH_EMU) * u64::from(h) / u64::from(w.max(1));
    let pic = Pic::new_with_dimensions(png, w, h)
        .size(TEXT_WIDTH_EMU, u32::try_from(height).unwrap_or(u32::MAX));
    Ok(Paragraph::new()
        .add_run(Run::new().add_image(pic))
        .align(AlignmentType::Center))
}

fn wan(y: Yuan) -> f64 {
    y.fen() as f64 / 1_000_000.0
}

fn mu(m: Mu) -> f64 {
    m.millionths() as f64 / 1_000_000.0
}

/// The report's text split at its sections: (heading, its sentences).
fn sections(text: &str) -> Vec<(Option<String>, String)> {
    let numbered = ["一、", "二、", "三、", "四、", "五、", "六、"];
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            if numbered.iter().any(|n| line.starts_with(n)) {
                if let Some((head, rest)) = line.split_once('。') {
                    return (Some(head.to_owned()), rest.to_owned());
                }
            }
            (None, line.to_owned())
        })
        .collect()
}

impl View<'_> {
    /// The annual work report of `year` as a Word document ([`crate::document`]):
    /// the bytes of a `.docx`.
    ///
    /// # Errors
    /// Storage errors; [`Error::Validation`] for a scheme or plan that
    /// cannot be read.
    pub fn report_document(&self, year: i32, options: &DocumentOptions) -> Result<Vec<u8>> {
        self.consistently(|v| v.document(year, options))
    }

    fn document(&self, year: i32, options: &DocumentOptions) -> Result<Vec<u8>> {
        let report = self.annual_report(year)?;
        let mut doc = Docx::new()
            .page_size(11_906, 16_838)
            .page_margin(PageMargin {
                top: 2098,
                left: 1588,
                bottom: 1985,
                right: 1474,
                header: 851,
                footer: 992,
                gutter: 0,
            })
            .default_fonts(fonts(BODY))
            .default_size(BODY_SIZE);
        let title = format!(
            "{}{year}年度工作总结",
            options.zone.as_deref().unwrap_or("")
        );
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(&title, TABLE, TITLE_SIZE).bold())
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(240)),
        );
        let end = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| Error::validation("year", format!("{year} is not a year")))?;
        let as_of = if report.as_of < end {
            format!(
                "(截至{},本年尚未结束)",
                report.as_of.format("%Y年%-m月%-d日")
            )
        } else {
            format!("(截至{year}年12月31日)")
        };
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(&as_of, BODY, BODY_SIZE))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(240)),
        );
        let series = self.yearly_series(year)?;
        for (head, text) in sections(&report.text()) {
            let number = head.as_deref().and_then(|h| h.chars().next());
            if let Some(h) = &head {
                doc = doc.add_paragraph(heading(h));
            }
            doc = doc.add_paragraph(body(&text));
            doc = match number {
                Some('一') => self.land_parts(doc, &report, &series)?,
                Some('二') => economy_parts(doc, &series)?,
                Some('三') => fund_parts(doc, &report),
                Some('四') => buildings_parts(doc, &report),
                Some('五') => self.money_parts(doc, &report)?,
                _ => doc,
            };
        }
        doc = self.grades_parts(doc, &report, options)?;
        doc = self.plans_parts(doc, year, &report, options)?;
        doc = self.appendix(doc, year)?;
        let mut out = std::io::Cursor::new(Vec::new());
        doc.build()
            .pack(&mut out)
            .map_err(|e| Error::Internal(format!("writing the document: {e}")))?;
        Ok(out.into_inner())
    }

    /// The report's figures of each year up to `year` (ten at most), from
    /// the first with land or firms' figures.
    fn yearly_series(&self, year: i32) -> Result<Vec<AnnualReport>> {
        let mut out = Vec::new();
        for y in (year - 9)..=year {
            let r = self.annual_report(y)?;
            let any = r.requisitioned_mu.is_positive()
                || r.output_value_yuan.is_positive()
                || r.tax_yuan.is_positive();
            if any || !out.is_empty() {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn land_parts(
        &self,
        mut doc: Docx,
        report: &AnnualReport,
        series: &[AnnualReport],
    ) -> Result<Docx> {
        // A figure the report does not keep is a dash, never a 0.
        let shown = |m: Option<Mu>| m.map_or_else(|| "—".to_owned(), Mu::to_decimal_string);
        let rows: Vec<Vec<String>> = [
            (
                "征地",
                Some(report.requisitioned_mu),
                Some(report.requisitioned_in_year_mu),
            ),
            (
                "开发用地",
                Some(report.developed_mu),
                Some(report.developed_in_year_mu),
            ),
            (
                "已办证",
                Some(report.certified_mu),
                Some(report.certified_in_year_mu),
            ),
            ("已供应", Some(report.supplied_mu), None),
            ("闲置", Some(report.idle_mu), None),
            ("收回", None, Some(report.reclaimed_in_year_mu)),
        ]
        .iter()
        .map(|(name, total, year)| vec![(*name).to_owned(), shown(*total), shown(*year)])
        .collect();
        doc = doc
            .add_paragraph(caption("表1 土地情况(亩)"))
            .add_table(table(&["项目", "年末累计", "本年"], &rows));
        if !series.is_empty() {
            let chart = BarChart {
                categories: series.iter().map(|r| r.year.to_string()).collect(),
                series: vec![
                    (
                        "征地".into(),
                        series
                            .iter()
                            .map(|r| mu(r.requisitioned_in_year_mu))
                            .collect(),
                    ),
                    (
                        "年末已供应".into(),
                        series.iter().map(|r| mu(r.supplied_mu)).collect(),
                    ),
                    (
                        "收回".into(),
                        series.iter().map(|r| mu(r.reclaimed_in_year_mu)).collect(),
                    ),
                ],
                unit: "亩".into(),
            };
            doc = doc
                .add_paragraph(picture(&chart.svg())?)
                .add_paragraph(caption(
                    "图1 历年土地(亩):本年征地(蓝)、年末已供应(橙)、本年收回(绿)",
                ));
        }
        let map = self.as_of(report.as_of).map(crate::map::MapColor::Status)?;
        if map.parcels_drawn() > 0 {
            doc = doc
                .add_paragraph(picture(map.svg())?)
                .add_paragraph(caption(&format!(
                    "图2 {}地块现状图({}宗有界址的地块)",
                    report.as_of.format("%Y年%-m月%-d日"),
                    map.parcels_drawn()
                )));
        }
        Ok(doc)
    }

    fn money_parts(&self, doc: Docx, report: &AnnualReport) -> Result<Docx> {
        let receivables = self.as_of(report.as_of).receivables()?;
        let mut by: BTreeMap<(String, AgingBucket), Yuan> = BTreeMap::new();
        for r in &receivables {
            let at = by
                .entry((r.charge.chinese().to_owned(), r.position.bucket()))
                .or_insert(Yuan::ZERO);
            *at = at.checked_add(r.position.outstanding)?;
        }
        if by.is_empty() {
            return Ok(doc);
        }
        let rows: Vec<Vec<String>> = by
            .iter()
            .map(|((charge, bucket), amount)| {
                vec![
                    charge.clone(),
                    bucket.chinese().to_owned(),
                    amount.report_wan(),
                ]
            })
            .collect();
        Ok(doc
            .add_paragraph(caption("表4 年末应收款项(按款项与账龄)"))
            .add_table(table(&["款项", "账龄", "尚欠"], &rows)))
    }

    fn grades_parts(
        &self,
        mut doc: Docx,
        report: &AnnualReport,
        options: &DocumentOptions,
    ) -> Result<Docx> {
        let scheme = options
            .scheme
            .clone()
            .unwrap_or_else(crate::scheme::huangyan_2022);
        let evaluation = self.evaluate(&scheme, report.year)?;
        doc = doc.add_paragraph(heading("六、亩均效益评价"));
        let counts = evaluation.grade_counts();
        let graded: u32 = counts.values().sum();
        if graded == 0 {
            return Ok(doc.add_paragraph(body(&format!(
                "本年无企业参评:登记的{}家企业中没有报送{}年度经济指标的企业。",
                evaluation.rows.len(),
                report.year
            ))));
        }
        let parts: Vec<String> = counts.iter().map(|(g, n)| format!("{g}类{n}家")).collect();
        doc = doc.add_paragraph(body(&format!(
            "按{}办法,本年参评企业{graded}家,其中{}。",
            evaluation.scheme,
            parts.join("、")
        )));
        let rows: Vec<Vec<String>> = counts
            .iter()
            .map(|(g, n)| vec![g.clone(), n.to_string()])
            .collect();
        let chart = BarChart {
            categories: counts.keys().cloned().collect(),
            series: vec![(
                "企业数".into(),
                counts.values().map(|n| f64::from(*n)).collect(),
            )],
            unit: "家".into(),
        };
        Ok(doc
            .add_paragraph(caption("表5 亩均效益评价分类"))
            .add_table(table(&["类别", "企业数"], &rows))
            .add_paragraph(picture(&chart.svg())?)
            .add_paragraph(caption("图4 各类企业数(家)")))
    }

    fn plans_parts(
        &self,
        mut doc: Docx,
        year: i32,
        report: &AnnualReport,
        options: &DocumentOptions,
    ) -> Result<Docx> {
        let mine: Vec<&Plan> = options.plans.iter().filter(|p| p.year == year).collect();
        if mine.is_empty() {
            return Ok(doc);
        }
        doc = doc.add_paragraph(heading("七、计划完成情况"));
        for plan in mine {
            let progress = self.plan_progress(plan, report.as_of)?;
            doc = doc.add_paragraph(body(&progress.text()));
        }
        Ok(doc)
    }

    /// 附录: what makes each headline figure, row by row.
    fn appendix(&self, mut doc: Docx, year: i32) -> Result<Docx> {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_break(BreakType::Page))
                .add_run(run("附录:主要数据来源", HEADING, BODY_SIZE)),
        );
        doc = doc.add_paragraph(body(
            "下列各表逐项列出主要数据的构成:每一行是一宗地块、一家企业或一个项目,及其计入该数据的事件和记录来源(录入人、台账文件与行号);各行合计即为报告中的数据。",
        ));
        for (figure, name) in EXPLAINED {
            let e = self.explain_report(year, figure)?;
            let Some(value) = e.value else { continue };
            let shown = match value {
                crate::explain::Amount::Money(y) => y.report_wan(),
                other => format!("{}{}", other.to_decimal_string(), other.unit()),
            };
            doc = doc.add_paragraph(caption(&format!(
                "{name}({figure}):{shown},{}项",
                e.parts.len()
            )));
            if e.parts.is_empty() {
                continue;
            }
            let rows: Vec<Vec<String>> = e
                .parts
                .iter()
                .take(APPENDIX_ROWS)
                .map(|p| {
                    let mut source = p.origin.describe();
                    if let Some(id) = p.event_id {
                        let _ = write!(source, " #{}", id.0);
                    }
                    vec![
                        p.code.clone().unwrap_or_default(),
                        p.name.clone().unwrap_or_default(),
                        p.amount.to_decimal_string(),
                        p.event.unwrap_or("").to_owned(),
                        p.date.map(|d| d.to_string()).unwrap_or_default(),
                        source,
                    ]
                })
                .collect();
            doc = doc.add_table(table(
                &["编号", "名称", "数额", "事件", "日期", "来源"],
                &rows,
            ));
            if e.parts.len() > APPENDIX_ROWS {
                doc = doc.add_paragraph(note(&format!(
                    "另有{}项未列出;全部构成见 parkdb explain {year} {figure}。",
                    e.parts.len() - APPENDIX_ROWS
                )));
            }
        }
        Ok(doc)
    }
}

fn economy_parts(doc: Docx, series: &[AnnualReport]) -> Result<Docx> {
    if series.is_empty() {
        return Ok(doc);
    }
    let chart = BarChart {
        categories: series.iter().map(|r| r.year.to_string()).collect(),
        series: vec![
            (
                "生产总值".into(),
                series.iter().map(|r| wan(r.output_value_yuan)).collect(),
            ),
            (
                "税收".into(),
                series.iter().map(|r| wan(r.tax_yuan)).collect(),
            ),
        ],
        unit: "万元".into(),
    };
    Ok(doc
        .add_paragraph(picture(&chart.svg())?)
        .add_paragraph(caption("图3 历年生产总值(蓝)与税收(橙)(万元)")))
}

fn fund_parts(doc: Docx, report: &AnnualReport) -> Docx {
    if report.approved_by_batch.is_empty() {
        return doc;
    }
    let rows: Vec<Vec<String>> = report
        .approved_by_batch
        .iter()
        .map(|(batch, b)| {
            vec![
                batch.clone(),
                b.count.to_string(),
                b.total.report_wan(),
                b.awarded.grant.report_wan(),
                b.awarded.interest_subsidy.report_wan(),
                b.awarded.loan.report_wan(),
            ]
        })
        .collect();
    doc.add_paragraph(caption("表2 科技计划项目下达情况"))
        .add_table(table(
            &["批次", "项目数", "合计", "无偿资助", "贷款贴息", "有偿资助"],
            &rows,
        ))
}

fn buildings_parts(doc: Docx, report: &AnnualReport) -> Docx {
    if report.buildings.is_empty() {
        return doc;
    }
    let rows: Vec<Vec<String>> = report
        .buildings
        .iter()
        .map(|b| {
            vec![
                b.building.spec.code.clone(),
                b.stage
                    .map_or_else(|| "已登记".to_owned(), |s| s.chinese().to_owned()),
                b.building.spec.lettable_m2.to_decimal_string(),
                b.leased.to_decimal_string(),
                b.occupancy()
                    .map_or_else(String::new, |o| format!("{:.0}%", o * 100.0)),
                b.tenants.to_string(),
            ]
        })
        .collect();
    doc.add_paragraph(caption("表3 物业情况(㎡)"))
        .add_table(table(
            &["楼宇", "阶段", "可租面积", "已租面积", "出租率", "租户"],
            &rows,
        ))
}

/// Writes the annual work report of `year`, as `view` reads it, to `path`
/// as a Word document.
///
/// # Errors
/// As [`View::report_document`]; [`Error::Io`] writing the file.
pub fn write_report_docx(
    view: &View<'_>,
    year: i32,
    options: &DocumentOptions,
    path: &Path,
) -> Result<()> {
    let bytes = view.report_document(year, options)?;
    std::fs::write(path, bytes)
        .map_err(|e| Error::io(format!("writing the report to {}", path.display()), e))
}
