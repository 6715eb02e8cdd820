//! Writes a [`UnitYear`] as a 决算公开报表 workbook, in one of many layouts: offices differ,
//! and the corpus must too. Every layout knob below is a variant the extractors support; the
//! corpus spreads them over its units (see [`Layout::for_unit`]) and a corpus-wide test checks
//! that every planned figure comes back exactly once whatever the layout.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_xlsxwriter::utility::row_col_to_cell;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};

use crate::error::{Error, Result};
use crate::reference::tables::TableKind;
use crate::synth::plan::{FundPlan, Line, Rng, UnitYear};

mod layout;
mod tables;
pub use layout::*;
use tables::*;

/// Descriptive sheet names.
fn sheet_name(kind: TableKind, number: usize) -> String {
    let short = match kind {
        TableKind::IncomeExpenditureSummary => "收入支出决算总表",
        TableKind::Income => "收入决算表",
        TableKind::Expenditure => "支出决算表",
        TableKind::FiscalSummary => "财政拨款收支总表",
        TableKind::GeneralPublicIncomeExpenditure => "一般公共预算收支",
        TableKind::GeneralPublicExpenditure => "一般公共预算支出",
        TableKind::GeneralPublicBasic => "基本支出",
        TableKind::GovernmentFund => "政府性基金",
        TableKind::GovernmentFundBasic => "政府性基金基本支出",
        TableKind::StateCapital => "国有资本经营",
        TableKind::ThreePublic => "三公经费",
        TableKind::Procurement => "政府采购",
        TableKind::PurchasedServices => "政府购买服务",
    };
    format!("{number} {short}")
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    money: Format,
    layout: Layout,
}

impl Formats {
    fn new(layout: Layout) -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            header: border(
                Format::new()
                    .set_bold()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_text_wrap(),
            ),
            text: border(Format::new().set_text_wrap()),
            money: border(Format::new().set_num_format(match layout.money {
                Money::Yiyuan => "#,##0.000000",
                _ => "#,##0.00",
            })),
            layout,
        }
    }

    /// A figure in 0.01 万元 in the printed unit, exactly.
    fn printed(&self, v: i64) -> Decimal {
        match self.layout.money {
            Money::Wanyuan => Decimal::new(v, 2),
            Money::Yuan => Decimal::new(v * 10_000, 2),
            Money::Qianyuan => Decimal::new(v * 10, 2),
            Money::Yiyuan => Decimal::new(v, 6),
        }
    }

    /// The same as the number a cell holds: the nearest double to the printed decimal.
    fn number(&self, v: i64) -> f64 {
        match self.layout.money {
            Money::Wanyuan => v as f64 / 100.0,
            Money::Yuan => v as f64 * 100.0,
            Money::Qianyuan => v as f64 / 10.0,
            Money::Yiyuan => v as f64 / 1e6,
        }
    }

    /// "11,724.11": the printed figure with thousands separators.
    fn text(&self, v: i64) -> String {
        let decimals = if self.layout.money == Money::Yiyuan {
            6
        } else {
            2
        };
        crate::model::with_thousands(&format!("{:.decimals$}", self.printed(v)))
    }

    fn unit_label(&self) -> &'static str {
        match self.layout.money {
            Money::Wanyuan => "单位：万元",
            Money::Yuan => "金额单位：元",
            Money::Qianyuan => "单位：千元",
            Money::Yiyuan => "单位：亿元",
        }
    }

    /// An amount cell, as this layout prints it.
    fn money_cell(&self, ws: &mut Worksheet, r: u32, c: u16, v: i64) -> Result<(), XlsxError> {
        if v == 0 {
            let marker = match self.layout.zeros {
                Zeros::Zero => None,
                Zeros::Dash => Some("-"),
                Zeros::EmDash => Some("—"),
                Zeros::Slash => Some("/"),
                Zeros::Blank => Some(""),
            };
            match marker {
                Some("") => return ws.write_blank(r, c, &self.text).map(|_| ()),
                Some(m) => return ws.write_string_with_format(r, c, m, &self.text).map(|_| ()),
                None => {}
            }
        }
        match self.layout.cells {
            Cells::Text => ws
                .write_string_with_format(r, c, self.text(v), &self.text)
                .map(|_| ()),
            Cells::Numbers | Cells::Formulas => ws
                .write_number_with_format(r, c, self.number(v), &self.money)
                .map(|_| ()),
        }
    }

    /// A total cell: a formula over `rows` of the same column (with its cached value) in the
    /// formula layout, an amount cell otherwise.
    fn total_cell(
        &self,
        ws: &mut Worksheet,
        r: u32,
        c: u16,
        v: i64,
        rows: &[u32],
    ) -> Result<(), XlsxError> {
        if self.layout.cells != Cells::Formulas
            || rows.is_empty()
            || (v == 0 && self.layout.zeros != Zeros::Zero)
        {
            return self.money_cell(ws, r, c, v);
        }
        let terms: Vec<String> = rows.iter().map(|&row| row_col_to_cell(row, c)).collect();
        let formula =
            Formula::new(format!("={}", terms.join("+"))).set_result(self.number(v).to_string());
        ws.write_formula_with_format(r, c, formula, &self.money)
            .map(|_| ())
    }

    /// Writes a name as [`Formats::name`] prints it; a wrapped name gets a row two lines
    /// high, so that a printout (a PDF) shows both lines.
    fn name_cell(
        &self,
        ws: &mut Worksheet,
        r: u32,
        c: u16,
        name: &str,
        level: usize,
    ) -> Result<(), XlsxError> {
        let text = self.name(name, level);
        fit_lines(ws, r, &text)?;
        ws.write_string_with_format(r, c, text, &self.text)
            .map(|_| ())
    }

    /// A name as printed: indented by level, wrapped after seven characters when long.
    fn name(&self, name: &str, level: usize) -> String {
        let indent = "\u{3000}".repeat(level.saturating_sub(1));
        if self.layout.wrapped_names && name.chars().count() > 8 {
            let head: String = name.chars().take(7).collect();
            let tail: String = name.chars().skip(7).collect();
            format!("{indent}{head}\n{tail}")
        } else {
            format!("{indent}{name}")
        }
    }

    /// A code as printed in one cell (function or economic code).
    fn code_cell(&self, ws: &mut Worksheet, r: u32, c: u16, code: &str) -> Result<(), XlsxError> {
        let text = match self.layout.codes {
            Codes::Number => {
                let n: f64 = code.parse().unwrap_or(0.0);
                return ws.write_number_with_format(r, c, n, &self.text).map(|_| ());
            }
            Codes::FullWidth => code
                .chars()
                .map(|d| char::from_u32(d as u32 - '0' as u32 + 0xFF10).unwrap_or(d))
                .collect(),
            Codes::Dashed => {
                let mut parts = vec![&code[..3]];
                let mut i = 3;
                while i + 2 <= code.len() {
                    parts.push(&code[i..i + 2]);
                    i += 2;
                }
                parts.join("-")
            }
            _ => code.to_string(),
        };
        ws.write_string_with_format(r, c, text, &self.text)
            .map(|_| ())
    }
}

const CHINESE_ORDINALS: [&str; 24] = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
    "二十二",
    "二十三",
    "二十四",
];

/// A value column: its header (group, leaf) and how to read a line.
struct Column {
    group: Option<&'static str>,
    leaf: &'static str,
    value: fn(&Line) -> i64,
}

const fn col(group: Option<&'static str>, leaf: &'static str, value: fn(&Line) -> i64) -> Column {
    Column { group, leaf, value }
}

/// Writes the unit-year's workbook as `path`, or, in the file-per-table layout, one file per
/// table beside it (附件1.xlsx …). Returns the files written.
pub fn write(unit: &UnitYear, path: &Path) -> Result<Vec<PathBuf>> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: XlsxError| Error::Synth {
            path: path.clone(),
            reason: e.to_string(),
        }
    };
    let new_workbook = |path: &Path| -> Result<Workbook> {
        let mut wb = Workbook::new();
        // A fixed creation time keeps the bytes (and so the sha256) stable.
        let created = ExcelDateTime::from_ymd(unit.year as u16 + 1, 3, 31).map_err(err(path))?;
        wb.set_properties(
            &DocProperties::new()
                .set_creation_datetime(&created)
                .set_author("juesuan synth"),
        );
        Ok(wb)
    };
    let layout = Layout::for_unit(&unit.unit_id, unit.year);
    let f = Formats::new(layout);
    let tables = layout.tables();
    match layout.placement {
        Placement::FilePerTable => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let mut written = Vec::with_capacity(tables.len());
            for (i, &kind) in tables.iter().enumerate() {
                let file = dir.join(format!("附件{}.xlsx", i + 1));
                let mut wb = new_workbook(&file)?;
                let mut ws = Worksheet::new();
                ws.set_name("Sheet1").map_err(err(&file))?;
                table(&mut ws, 0, i + 1, kind, unit, &f).map_err(err(&file))?;
                wb.push_worksheet(ws);
                wb.save(&file).map_err(err(&file))?;
                written.push(file);
            }
            Ok(written)
        }
        Placement::OneSheet => {
            let mut wb = new_workbook(path)?;
            let mut ws = Worksheet::new();
            ws.set_name("Sheet1").map_err(err(path))?;
            let mut top = 0;
            for (i, &kind) in tables.iter().enumerate() {
                top = table(&mut ws, top, i + 1, kind, unit, &f).map_err(err(path))? + 2;
            }
            wb.push_worksheet(ws);
            wb.save(path).map_err(err(path))?;
            Ok(vec![path.to_path_buf()])
        }
        Placement::SheetPerTable | Placement::GenericSheets => {
            let mut wb = new_workbook(path)?;
            for (i, &kind) in tables.iter().enumerate() {
                let mut ws = Worksheet::new();
                let name = match layout.placement {
                    Placement::GenericSheets => format!("Sheet{}", i + 1),
                    _ => sheet_name(kind, i + 1),
                };
                ws.set_name(name).map_err(err(path))?;
                table(&mut ws, 0, i + 1, kind, unit, &f).map_err(err(path))?;
                wb.push_worksheet(ws);
            }
            wb.save(path).map_err(err(path))?;
            Ok(vec![path.to_path_buf()])
        }
    }
}

/// Writes one table from row `top`; returns the row after its last line.
fn table(
    ws: &mut Worksheet,
    top: u32,
    number: usize,
    kind: TableKind,
    unit: &UnitYear,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let t = Table {
        top,
        number,
        title: kind.title(),
        unit,
        f,
    };
    match kind {
        TableKind::IncomeExpenditureSummary => summary(ws, &t),
        TableKind::Income => code_table(
            ws,
            &t,
            &unit.all_funds(),
            &[
                col(None, "本年收入合计", |l| l.actual),
                col(None, "财政拨款收入", |l| l.actual),
                col(None, "上级补助收入", |_| 0),
                col(None, "事业收入", |_| 0),
                col(None, "经营收入", |_| 0),
                col(None, "附属单位上缴收入", |_| 0),
                col(None, "其他收入", |_| 0),
            ],
            true,
            "注：本表反映部门本年度取得的各项收入情况。",
        ),
        TableKind::Expenditure => code_table(
            ws,
            &t,
            &unit.all_funds(),
            &[
                col(None, "本年支出合计", |l| l.actual),
                col(None, "基本支出", |l| l.basic),
                col(None, "项目支出", |l| l.project),
                col(None, "上缴上级支出", |_| 0),
                col(None, "经营支出", |_| 0),
                col(None, "对附属单位补助支出", |_| 0),
            ],
            true,
            "注：本表反映部门本年度各项支出情况。",
        ),
        TableKind::FiscalSummary => fiscal_summary(ws, &t),
        TableKind::GeneralPublicIncomeExpenditure => fund_table(
            ws,
            &t,
            &unit.general,
            &income_expenditure_columns(),
            "一般公共预算财政拨款收入和支出",
        ),
        TableKind::GeneralPublicExpenditure => code_table(
            ws,
            &t,
            &unit.general,
            &[
                col(None, "年初预算数", |l| l.budget_initial),
                col(None, "全年预算数", |l| l.budget_final),
                col(Some("决算数"), "合计", |l| l.actual),
                col(Some("决算数"), "基本支出", |l| l.basic),
                col(Some("决算数"), "项目支出", |l| l.project),
            ],
            false,
            "注：本表反映部门本年度一般公共预算财政拨款实际支出情况。",
        ),
        TableKind::GeneralPublicBasic => economic(
            ws,
            &t,
            &unit.basic_by_economic,
            "一般公共预算财政拨款基本支出",
        ),
        TableKind::GovernmentFund => fund_table(
            ws,
            &t,
            &unit.government_fund,
            &income_expenditure_columns(),
            "政府性基金预算财政拨款收入和支出",
        ),
        TableKind::GovernmentFundBasic => economic(
            ws,
            &t,
            &unit.fund_basic_by_economic,
            "政府性基金预算财政拨款基本支出",
        ),
        TableKind::StateCapital => fund_table(
            ws,
            &t,
            &unit.state_capital,
            &[
                col(None, "合计", |l| l.actual),
                col(None, "基本支出", |l| l.basic),
                col(None, "项目支出", |l| l.project),
            ],
            "国有资本经营预算财政拨款支出",
        ),
        TableKind::ThreePublic => three_public(ws, &t),
        TableKind::Procurement => procurement(ws, &t),
        TableKind::PurchasedServices => purchased_services(ws, &t),
    }
}

/// Tables 08 and Beijing's 一般公共预算财政拨款收入支出决算表: carry-overs, income, expenditure.
fn income_expenditure_columns() -> [Column; 6] {
    [
        col(None, "年初结转和结余", |_| 0),
        col(None, "本年收入", |l| l.actual),
        col(Some("本年支出"), "合计", |l| l.actual),
        col(Some("本年支出"), "基本支出", |l| l.basic),
        col(Some("本年支出"), "项目支出", |l| l.project),
        col(None, "年末结转和结余", |_| 0),
    ]
}

/// A row high enough for a text cell's lines: its `\n` breaks and the wrapping of lines
/// longer than a column of width 36 holds (17 CJK characters), so that a printout shows
/// the whole name.
fn fit_lines(ws: &mut Worksheet, r: u32, text: &str) -> Result<(), XlsxError> {
    let lines: usize = text
        .split('\n')
        .map(|l| l.chars().count().div_ceil(17).max(1))
        .sum();
    if lines > 1 {
        ws.set_row_height(r, 15.0 * lines as f64)?;
    }
    Ok(())
}

/// What every table writer needs.
struct Table<'a> {
    top: u32,
    number: usize,
    title: &'static str,
    unit: &'a UnitYear,
    f: &'a Formats,
}

impl Table<'_> {
    /// Title (merged over the table's width) and the 编制单位 / year / unit line; returns the
    /// first row under them.
    fn heading(&self, ws: &mut Worksheet, width: u16, suffix: &str) -> Result<u32, XlsxError> {
        let (f, unit, top) = (self.f, self.unit, self.top);
        let title = if f.layout.decorated_titles {
            format!(
                "{}年度{}{suffix}（公开{:02}表）",
                unit.year, self.title, self.number
            )
        } else {
            format!("{}{suffix}", self.title)
        };
        ws.merge_range(top, 0, top, width - 1, &title, &f.title)?;
        ws.write_string(
            top + 1,
            0,
            format!("编制单位：{}{}{}", unit.city, unit.district, unit.unit_name),
        )?;
        ws.write_string(top + 1, (width / 2).max(1), format!("{}年度", unit.year))?;
        ws.write_string(top + 1, width - 1, f.unit_label())?;
        // Print-ready, as offices set a sheet up before exporting its PDF: every label fits
        // its column on one line (the longest, 三、国有资本经营预算财政拨款收入, is 34 wide),
        // landscape, the table scaled to the page's width.
        for c in 0..width.max(3) {
            ws.set_column_width(c, 36)?;
        }
        ws.set_landscape();
        ws.set_paper_size(9); // A4
                              // Scaled to the page's width (one page wide, as many pages long as it takes: a
                              // height of 0 pages would mean one page to LibreOffice); long tables continue on the
                              // next pages.
        ws.set_print_fit_to_pages(1, 99);
        Ok(top + 2)
    }
}

/// Writes header rows from each column's path of texts (top to bottom): a leaf is merged down
/// to the last header row, a group is merged across the neighbours that share it.
fn header_grid(
    ws: &mut Worksheet,
    row: u32,
    paths: &[Vec<&str>],
    f: &Formats,
) -> Result<u32, XlsxError> {
    let height = paths.iter().map(Vec::len).max().unwrap_or(1) as u32;
    for level in 0..height as usize {
        let mut c = 0;
        while c < paths.len() {
            let path = &paths[c];
            let r = row + level as u32;
            if level + 1 == path.len() {
                let last = row + height - 1;
                if last > r {
                    ws.merge_range(r, c as u16, last, c as u16, path[level], &f.header)?;
                } else {
                    if path[level].contains('\n') {
                        // Two lines in one row: the row is two lines high, as printed.
                        ws.set_row_height(r, 30)?;
                    }
                    ws.write_string_with_format(r, c as u16, path[level], &f.header)?;
                }
                c += 1;
            } else if level + 1 < path.len() {
                let n = paths[c..]
                    .iter()
                    .take_while(|p| p.len() > level + 1 && p[..=level] == path[..=level])
                    .count();
                if n > 1 {
                    let end = (c + n - 1) as u16;
                    ws.merge_range(r, c as u16, r, end, path[level], &f.header)?;
                } else {
                    ws.write_string_with_format(r, c as u16, path[level], &f.header)?;
                }
                c += n;
            } else {
                c += 1;
            }
        }
    }
    Ok(row + height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_text_is_exact_with_separators() {
        let mut layout = Layout::PLAIN;
        let f = Formats::new(layout);
        assert_eq!(f.text(1_172_411), "11,724.11");
        assert_eq!(f.text(5), "0.05");
        layout.money = Money::Yuan;
        assert_eq!(Formats::new(layout).text(1_172_411), "117,241,100.00");
        layout.money = Money::Qianyuan;
        assert_eq!(Formats::new(layout).text(1_172_411), "117,241.10");
        layout.money = Money::Yiyuan;
        assert_eq!(Formats::new(layout).text(1_172_411), "1.172411");
    }
}
