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

/// The money unit printed above each table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    /// 单位：万元, 2 decimals.
    Wanyuan,
    /// 金额单位：元, 2 decimals.
    Yuan,
    /// 单位：千元, 2 decimals.
    Qianyuan,
    /// 单位：亿元, 6 decimals (one fen of a 万元 figure is 10^-6 亿元).
    Yiyuan,
}

/// How function (and economic) codes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    /// "2010101" as text in its own column.
    Column,
    /// 2010101 as a number cell (calamine reads 2010101.0).
    Number,
    /// "２０１０１０１" in full-width digits.
    FullWidth,
    /// "201-01-01".
    Dashed,
    /// "2010101 行政运行": code and name in one cell, under a wrapped "功能分类\n科目编码".
    WithName,
    /// Three columns 类 | 款 | 项 with 2-digit 款/项; parents left blank below their first row.
    SplitBlank,
    /// Three columns 类 | 款 | 项; a parent cell merged down over all its children.
    SplitMerged,
}

/// Where the tables go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// One sheet per table, named after it ("5 一般公共预算支出").
    SheetPerTable,
    /// One sheet per table, with meaningless names ("Sheet1", "Sheet2" …).
    GenericSheets,
    /// Every table on one sheet, one under the other.
    OneSheet,
    /// One file per table (附件1.xlsx, 附件2.xlsx …), each with a single sheet "Sheet1".
    FilePerTable,
}

/// Which standard tables are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSet {
    /// The national nine (公开01–09).
    National,
    /// Beijing's thirteen (2023): the nine plus 一般公共预算财政拨款收入支出决算表,
    /// 政府性基金预算财政拨款基本支出决算表, 政府采购情况表, 政府购买服务决算公开情况表.
    Beijing,
}

/// How amount cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Number cells with a "#,##0.00" format.
    Numbers,
    /// Text with thousands separators ("11,724.11").
    Text,
    /// Number cells, and every total row a formula (=C7+C15…) saved with its cached value.
    Formulas,
}

/// How a zero is printed. Anything but `Zero` is read back as null (no figure), not 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zeros {
    Zero,
    Dash,
    EmDash,
    Slash,
    Blank,
}

/// How a unit's workbook is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub money: Money,
    pub codes: Codes,
    pub placement: Placement,
    pub set: TableSet,
    pub cells: Cells,
    pub zeros: Zeros,
    /// Titles with the year and a 公开0N表 suffix.
    pub decorated_titles: bool,
    /// 行次 columns in the two-sided tables and a 栏次 row (1, 2, 3 …) under code-table headers.
    pub row_numbers: bool,
    /// A 项目 row above the code and name headers (two or three header rows).
    pub deep_header: bool,
    /// Long names wrapped inside their cell ("一般公共服务支\n出").
    pub wrapped_names: bool,
    /// Side-by-side blocks of the economic tables (1, 2: 301+303 | 302+310, or 3).
    pub economic_blocks: u8,
}

const XINJIEKOU_ID: &str = "110102-xinjiekou";

impl Layout {
    /// 新街口's layout: the one its tests name sheets and rows of.
    pub const PLAIN: Layout = Layout {
        money: Money::Wanyuan,
        codes: Codes::Column,
        placement: Placement::SheetPerTable,
        set: TableSet::Beijing,
        cells: Cells::Numbers,
        zeros: Zeros::Zero,
        decorated_titles: false,
        row_numbers: false,
        deep_header: false,
        wrapped_names: false,
        economic_blocks: 1,
    };

    /// Each unit-year draws every knob from its own deterministic stream.
    pub fn for_unit(unit_id: &str, year: i32) -> Layout {
        if unit_id == XINJIEKOU_ID {
            return Layout::PLAIN;
        }
        let h = unit_id
            .bytes()
            .chain(year.to_le_bytes())
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
            });
        let mut rng = Rng::new(h);
        let mut pick = |n: usize| rng.below(n);
        Layout {
            money: [Money::Wanyuan, Money::Yuan, Money::Qianyuan, Money::Yiyuan][pick(4)],
            codes: [
                Codes::Column,
                Codes::Number,
                Codes::FullWidth,
                Codes::Dashed,
                Codes::WithName,
                Codes::SplitBlank,
                Codes::SplitMerged,
            ][pick(7)],
            placement: [
                Placement::SheetPerTable,
                Placement::GenericSheets,
                Placement::OneSheet,
                Placement::FilePerTable,
            ][pick(4)],
            set: [TableSet::National, TableSet::Beijing][pick(2)],
            cells: [Cells::Numbers, Cells::Text, Cells::Formulas][pick(3)],
            zeros: [
                Zeros::Zero,
                Zeros::Dash,
                Zeros::EmDash,
                Zeros::Slash,
                Zeros::Blank,
            ][pick(5)],
            decorated_titles: pick(2) == 1,
            row_numbers: pick(2) == 1,
            deep_header: pick(2) == 1,
            wrapped_names: pick(2) == 1,
            economic_blocks: 1 + pick(3) as u8,
        }
    }

    /// The knob settings as `knob=value` strings, for coverage checks and logs.
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!("money={:?}", self.money),
            format!("codes={:?}", self.codes),
            format!("placement={:?}", self.placement),
            format!("set={:?}", self.set),
            format!("cells={:?}", self.cells),
            format!("zeros={:?}", self.zeros),
            format!("decorated_titles={}", self.decorated_titles),
            format!("row_numbers={}", self.row_numbers),
            format!("deep_header={}", self.deep_header),
            format!("wrapped_names={}", self.wrapped_names),
            format!("economic_blocks={}", self.economic_blocks),
        ]
    }

    /// How many values each knob can take (the corpus should show all of them).
    pub const KNOB_VALUES: usize = 4 + 7 + 4 + 2 + 3 + 5 + 2 + 2 + 2 + 2 + 3;

    /// True when a zero is printed as a number (otherwise it reads back as null).
    pub fn prints_zero(&self) -> bool {
        self.zeros == Zeros::Zero
    }

    /// The tables this layout publishes, in print order.
    pub fn tables(&self) -> &'static [TableKind] {
        use TableKind::*;
        match self.set {
            TableSet::National => &[
                IncomeExpenditureSummary,
                Income,
                Expenditure,
                FiscalSummary,
                GeneralPublicExpenditure,
                GeneralPublicBasic,
                GovernmentFund,
                StateCapital,
                ThreePublic,
            ],
            TableSet::Beijing => &[
                IncomeExpenditureSummary,
                Income,
                Expenditure,
                FiscalSummary,
                GeneralPublicIncomeExpenditure,
                GeneralPublicExpenditure,
                GeneralPublicBasic,
                GovernmentFund,
                GovernmentFundBasic,
                StateCapital,
                ThreePublic,
                Procurement,
                PurchasedServices,
            ],
        }
    }

    fn split(&self) -> bool {
        matches!(self.codes, Codes::SplitBlank | Codes::SplitMerged)
    }
}

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

/// A function-code table: code (one cell, or 类 | 款 | 项) | 科目名称 | value columns, under one
/// to three header rows, 合计 first or last, then a footnote.
fn code_table(
    ws: &mut Worksheet,
    t: &Table,
    plan: &FundPlan,
    columns: &[Column],
    total_first: bool,
    note: &str,
) -> Result<u32, XlsxError> {
    let f = t.f;
    let split = f.layout.split();
    let labels: u16 = if split { 4 } else { 2 };
    let width = labels + columns.len() as u16;
    let mut row = t.heading(ws, width, "")?;

    let mut paths: Vec<Vec<&str>> = Vec::new();
    let top: &[&str] = if f.layout.deep_header {
        &["项目"]
    } else {
        &[]
    };
    if split {
        for leaf in ["类", "款", "项"] {
            paths.push([top, &["科目编码", leaf]].concat());
        }
    } else if f.layout.codes == Codes::WithName {
        paths.push([top, &["功能分类\n科目编码"]].concat());
    } else {
        paths.push([top, &["科目编码"]].concat());
    }
    paths.push([top, &["科目名称"]].concat());
    for c in columns {
        paths.push(c.group.into_iter().chain([c.leaf]).collect());
    }
    row = header_grid(ws, row, &paths, f)?;
    if f.layout.row_numbers {
        ws.merge_range(row, 0, row, labels - 1, "栏次", &f.header)?;
        for i in 0..columns.len() as u16 {
            ws.write_number_with_format(row, labels + i, f64::from(i + 1), &f.header)?;
        }
        row += 1;
    }

    let first_line = row + u32::from(total_first);
    let category_rows: Vec<u32> = plan
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.code.len() == 3)
        .map(|(i, _)| first_line + i as u32)
        .collect();
    let total = |ws: &mut Worksheet, row: u32| -> Result<(), XlsxError> {
        ws.merge_range(row, 0, row, labels - 1, "合计", &f.header)?;
        for (i, c) in columns.iter().enumerate() {
            f.total_cell(
                ws,
                row,
                labels + i as u16,
                plan.total(c.value),
                &category_rows,
            )?;
        }
        Ok(())
    };
    if total_first {
        total(ws, row)?;
        row += 1;
    }
    for (i, line) in plan.lines.iter().enumerate() {
        let level = line.code.len() / 2;
        match f.layout.codes {
            Codes::WithName => {
                let name = f.name(&line.name, 1);
                fit_lines(ws, row, &name)?;
                ws.write_string_with_format(row, 0, format!("{} {name}", line.code), &f.text)?;
                ws.write_string_with_format(row, 1, "", &f.text)?;
            }
            Codes::SplitBlank | Codes::SplitMerged => {
                split_code_cells(ws, row, plan, i, f)?;
                f.name_cell(ws, row, 3, &line.name, level)?;
            }
            _ => {
                f.code_cell(ws, row, 0, &line.code)?;
                f.name_cell(ws, row, 1, &line.name, level)?;
            }
        }
        for (k, c) in columns.iter().enumerate() {
            f.money_cell(ws, row, labels + k as u16, (c.value)(line))?;
        }
        row += 1;
    }
    if !total_first {
        total(ws, row)?;
        row += 1;
    }
    ws.write_string(row, 0, note)?;
    Ok(row + 1)
}

/// The 类 | 款 | 项 cells of line `i`: each part printed on the line that introduces it; the
/// parents of later lines left blank, or merged down over the lines they cover.
fn split_code_cells(
    ws: &mut Worksheet,
    row: u32,
    plan: &FundPlan,
    i: usize,
    f: &Formats,
) -> Result<(), XlsxError> {
    let code = &plan.lines[i].code;
    let part = code.len() / 2 - 1; // 0 类, 1 款, 2 项
    let text = match part {
        0 => code.clone(),
        _ => code[code.len() - 2..].to_string(),
    };
    let merged = f.layout.codes == Codes::SplitMerged;
    // Lines below this one that this code is a parent of.
    let covered = plan.lines[i + 1..]
        .iter()
        .take_while(|l| l.code.len() > code.len() && l.code.starts_with(code.as_str()))
        .count() as u32;
    if merged && covered > 0 {
        ws.merge_range(row, part as u16, row + covered, part as u16, &text, &f.text)?;
    } else {
        ws.write_string_with_format(row, part as u16, &text, &f.text)?;
    }
    // The columns right of this part are empty on this line; the ones left of it are blank
    // (or inside a parent's merged range).
    for c in part + 1..3 {
        ws.write_string_with_format(row, c as u16, "", &f.text)?;
    }
    if !merged {
        for c in 0..part {
            ws.write_string_with_format(row, c as u16, "", &f.text)?;
        }
    }
    Ok(())
}

/// Tables 08/09 and Beijing's fund tables: the code table, or the 空表 form with its note.
fn fund_table(
    ws: &mut Worksheet,
    t: &Table,
    plan: &FundPlan,
    columns: &[Column],
    what: &str,
) -> Result<u32, XlsxError> {
    if !plan.lines.is_empty() {
        return code_table(
            ws,
            t,
            plan,
            columns,
            false,
            &format!("注：本表反映部门本年度{what}情况。"),
        );
    }
    let f = t.f;
    let width = 2 + columns.len() as u16;
    let mut row = t.heading(ws, width, "(空表)")?;
    let mut paths: Vec<Vec<&str>> = vec![vec!["科目编码"], vec!["科目名称"]];
    for c in columns {
        paths.push(c.group.into_iter().chain([c.leaf]).collect());
    }
    row = header_grid(ws, row, &paths, f)?;
    ws.write_string(
        row,
        0,
        format!("说明：{}本年度没有{what}，故本表无数据。", t.unit.unit_name),
    )?;
    Ok(row + 1)
}

/// Table 01: income by source on the left, expenditure by 类 (name with an ordinal, no code)
/// on the right; 行次 columns in the row-numbered layout.
fn summary(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let numbered = f.layout.row_numbers;
    let side = if numbered { 3 } else { 2 };
    let mut row = t.heading(ws, 2 * side, "")?;
    ws.merge_range(row, 0, row, side - 1, "收入", &f.header)?;
    ws.merge_range(row, side, row, 2 * side - 1, "支出", &f.header)?;
    let leaves: &[&str] = if numbered {
        &["项目", "行次", "决算数"]
    } else {
        &["项目", "决算数"]
    };
    for (c, text) in leaves.iter().chain(leaves).enumerate() {
        ws.write_string_with_format(row + 1, c as u16, *text, &f.header)?;
    }
    row += 2;
    if numbered {
        for (c, text) in ["栏次", "", "1", "栏次", "", "2"].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *text, &f.header)?;
        }
        row += 1;
    }
    let all = unit.all_funds();
    let [general, fund, state] = unit.funds().map(|p| p.total(|l| l.actual));
    let income = [
        ("一、一般公共预算财政拨款收入", general),
        ("二、政府性基金预算财政拨款收入", fund),
        ("三、国有资本经营预算财政拨款收入", state),
        ("四、上级补助收入", 0),
        ("五、事业收入", 0),
        ("六、经营收入", 0),
        ("七、附属单位上缴收入", 0),
        ("八、其他收入", 0),
    ];
    let categories: Vec<&Line> = all.categories().collect();
    let n = income.len().max(categories.len());
    let value_col = side - 1;
    let first = row;
    for i in 0..n {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            if numbered {
                ws.write_number_with_format(row, 1, (i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, value_col, *v)?;
        }
        if let Some(line) = categories.get(i) {
            let label = format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name);
            f.name_cell(ws, row, side, &label, 1)?;
            if numbered {
                ws.write_number_with_format(row, side + 1, (n + i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, 2 * side - 1, line.actual)?;
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    let left_rows: Vec<u32> = (first..first + income.len() as u32).collect();
    let right_rows: Vec<u32> = (first..first + categories.len() as u32).collect();
    for (k, (left, right, v)) in [
        ("本年收入合计", "本年支出合计", total),
        ("年初结转和结余", "年末结转和结余", 0),
        ("总计", "总计", total),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(row, 0, left, &f.header)?;
        ws.write_string_with_format(row, side, right, &f.header)?;
        if k == 0 {
            f.total_cell(ws, row, value_col, v, &left_rows)?;
            f.total_cell(ws, row, 2 * side - 1, v, &right_rows)?;
        } else {
            f.money_cell(ws, row, value_col, v)?;
            f.money_cell(ws, row, 2 * side - 1, v)?;
        }
        row += 1;
    }
    ws.write_string(row, 0, "注：本表反映部门本年度的总收支和年末结转结余情况。")?;
    Ok(row + 1)
}

/// Table 04: fiscal income by fund on the left; expenditure by 类 and fund on the right.
fn fiscal_summary(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let numbered = f.layout.row_numbers;
    let mut headers = vec!["收入项目"];
    if numbered {
        headers.push("行次");
    }
    headers.extend(["决算数", "支出项目"]);
    if numbered {
        headers.push("行次");
    }
    headers.extend([
        "合计",
        "一般公共预算财政拨款",
        "政府性基金预算财政拨款",
        "国有资本经营预算财政拨款",
    ]);
    let width = headers.len() as u16;
    let mut row = t.heading(ws, width, "")?;
    for (c, text) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *text, &f.header)?;
    }
    row += 1;
    let income_value = if numbered { 2 } else { 1 };
    let right = income_value + 1;
    let right_values = right + if numbered { 2 } else { 1 };
    let [general, fund, state] = unit.funds();
    let income = [
        ("一、一般公共预算财政拨款", general.total(|l| l.actual)),
        ("二、政府性基金预算财政拨款", fund.total(|l| l.actual)),
        ("三、国有资本经营预算财政拨款", state.total(|l| l.actual)),
    ];
    let all = unit.all_funds();
    let categories: Vec<&Line> = all.categories().collect();
    let amount_in = |plan: &FundPlan, code: &str| {
        plan.lines
            .iter()
            .find(|l| l.code == code)
            .map_or(0, |l| l.actual)
    };
    let n = income.len().max(categories.len());
    for i in 0..n {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            if numbered {
                ws.write_number_with_format(row, 1, (i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, income_value, *v)?;
        }
        if let Some(line) = categories.get(i) {
            let label = format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name);
            f.name_cell(ws, row, right, &label, 1)?;
            if numbered {
                ws.write_number_with_format(row, right + 1, (n + i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, right_values, line.actual)?;
            for (k, plan) in [general, fund, state].iter().enumerate() {
                f.money_cell(
                    ws,
                    row,
                    right_values + 1 + k as u16,
                    amount_in(plan, &line.code),
                )?;
            }
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    ws.write_string_with_format(row, 0, "本年收入合计", &f.header)?;
    f.money_cell(ws, row, income_value, total)?;
    ws.write_string_with_format(row, right, "本年支出合计", &f.header)?;
    f.money_cell(ws, row, right_values, total)?;
    for (k, plan) in [general, fund, state].iter().enumerate() {
        f.money_cell(
            ws,
            row,
            right_values + 1 + k as u16,
            plan.total(|l| l.actual),
        )?;
    }
    ws.write_string(row + 1, 0, "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支情况。")?;
    Ok(row + 2)
}

/// Tables of basic expenditure by economic code (06, and Beijing's fund basic table), or the
/// 空表 form when there is none.
fn economic(
    ws: &mut Worksheet,
    t: &Table,
    rows: &[(String, String, i64)],
    what: &str,
) -> Result<u32, XlsxError> {
    let f = t.f;
    let empty = rows.is_empty();
    // Which 类 go to which side-by-side block: the national template prints 301 and 303 on
    // the left, 302 and 310 on the right.
    let groups: &[&[&str]] = match f.layout.economic_blocks {
        1 => &[&["301", "302", "303", "310"]],
        2 => &[&["301", "303"], &["302", "310"]],
        _ => &[&["301"], &["302"], &["303", "310"]],
    };
    let groups = if empty { &groups[..1] } else { groups };
    let width = 3 * groups.len() as u16;
    let mut row = t.heading(ws, width, if empty { "(空表)" } else { "" })?;
    for b in 0..groups.len() as u16 {
        for (c, text) in ["经济分类科目编码", "科目名称", "决算数"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, 3 * b + c as u16, *text, &f.header)?;
        }
    }
    row += 1;
    if empty {
        ws.write_string(row, 0, "注：本表无数据。")?;
        return Ok(row + 1);
    }
    let first = row;
    let mut height = 0;
    // (category, row, value column, amount) of every printed 类 line, for the totals.
    let mut printed: Vec<(&str, u32, u16, i64)> = Vec::new();
    for (b, group) in groups.iter().enumerate() {
        let col = 3 * b as u16;
        let mut r = first;
        for (code, name, amount) in rows.iter().filter(|x| group.contains(&&x.0[..3])) {
            if f.layout.codes == Codes::WithName {
                ws.write_string_with_format(r, col, format!("{code} {name}"), &f.text)?;
                ws.write_string_with_format(r, col + 1, "", &f.text)?;
            } else {
                // Split layouts print economic codes whole.
                if f.layout.split() {
                    ws.write_string_with_format(r, col, code, &f.text)?;
                } else {
                    f.code_cell(ws, r, col, code)?;
                }
                f.name_cell(ws, r, col + 1, name, code.len() / 2)?;
            }
            f.money_cell(ws, r, col + 2, *amount)?;
            if code.len() == 3 {
                printed.push((&code[..], r, col + 2, *amount));
            }
            r += 1;
        }
        height = height.max(r - first);
    }
    row = first + height;
    // 人员经费合计 and 公用经费合计: on one line across the first two blocks, or one under the
    // other in a single block.
    let totals = [
        ("人员经费合计", ["301", "303"]),
        ("公用经费合计", ["302", "310"]),
    ];
    for (k, (label, cats)) in totals.iter().enumerate() {
        let members: Vec<&(&str, u32, u16, i64)> =
            printed.iter().filter(|p| cats.contains(&p.0)).collect();
        let sum = members.iter().map(|m| m.3).sum();
        let (r, col) = if groups.len() == 1 {
            (row + k as u32, 0)
        } else {
            (row, 3 * k as u16)
        };
        // A formula adds cells of its own column only; otherwise the total is a number.
        let at: Vec<u32> = if members.iter().all(|m| m.2 == col + 2) {
            members.iter().map(|m| m.1).collect()
        } else {
            Vec::new()
        };
        ws.merge_range(r, col, r, col + 1, label, &f.header)?;
        f.total_cell(ws, r, col + 2, sum, &at)?;
    }
    row += if groups.len() == 1 { 2 } else { 1 };
    ws.write_string(row, 0, format!("注：本表反映部门本年度{what}明细情况。"))?;
    Ok(row + 1)
}

/// Table 07: (预算数, 决算数) for 合计, 因公出国（境）, 公务用车 (小计, 购置, 运行维护), 接待,
/// under a three-row header.
fn three_public(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 12, "")?;
    ws.merge_range(row, 0, row + 1, 1, "合计", &f.header)?;
    ws.merge_range(row, 2, row + 1, 3, "因公出国（境）费", &f.header)?;
    ws.merge_range(row, 4, row, 9, "公务用车购置及运行维护费", &f.header)?;
    ws.merge_range(row + 1, 4, row + 1, 5, "小计", &f.header)?;
    ws.merge_range(row + 1, 6, row + 1, 7, "公务用车购置费", &f.header)?;
    ws.merge_range(row + 1, 8, row + 1, 9, "公务用车运行维护费", &f.header)?;
    ws.merge_range(row, 10, row + 1, 11, "公务接待费", &f.header)?;
    for c in 0..12u16 {
        ws.write_string_with_format(
            row + 2,
            c,
            if c % 2 == 0 { "预算数" } else { "决算数" },
            &f.header,
        )?;
    }
    row += 3;
    let p = unit.three_public;
    let pairs = [
        p.total(),
        p.overseas,
        p.vehicles(),
        p.vehicle_purchase,
        p.vehicle_operation,
        p.reception,
    ];
    for (i, (budget, actual)) in pairs.iter().enumerate() {
        f.money_cell(ws, row, 2 * i as u16, *budget)?;
        f.money_cell(ws, row, 2 * i as u16 + 1, *actual)?;
    }
    ws.write_string(
        row + 1,
        0,
        "注：本表反映部门本年度“三公”经费支出预决算情况。",
    )?;
    Ok(row + 2)
}

/// Beijing's 政府采购情况表: 合计 and the unit's own row; planned and actual amounts by kind,
/// and contracts awarded to small and medium firms.
fn procurement(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 12, "")?;
    let paths: Vec<Vec<&str>> = vec![
        vec!["序号"],
        vec!["采购单位"],
        vec!["政府采购计划金额", "合计"],
        vec!["政府采购计划金额", "货物"],
        vec!["政府采购计划金额", "工程"],
        vec!["政府采购计划金额", "服务"],
        vec!["实际采购金额", "合计"],
        vec!["实际采购金额", "货物"],
        vec!["实际采购金额", "工程"],
        vec!["实际采购金额", "服务"],
        vec!["授予中小企业合同金额"],
        vec!["其中：授予小微企业合同金额"],
    ];
    row = header_grid(ws, row, &paths, f)?;
    let p = unit.procurement;
    let values = [
        p.planned.iter().sum(),
        p.planned[0],
        p.planned[1],
        p.planned[2],
        p.total(),
        p.actual[0],
        p.actual[1],
        p.actual[2],
        p.sme,
        p.small_micro,
    ];
    ws.merge_range(row, 0, row, 1, "合计", &f.header)?;
    for (i, v) in values.iter().enumerate() {
        f.total_cell(ws, row, 2 + i as u16, *v, &[row + 1])?;
    }
    ws.write_number_with_format(row + 1, 0, 1.0, &f.text)?;
    ws.write_string_with_format(row + 1, 1, &unit.unit_name, &f.text)?;
    for (i, v) in values.iter().enumerate() {
        f.money_cell(ws, row + 1, 2 + i as u16, *v)?;
    }
    ws.write_string(
        row + 2,
        0,
        "注：本表反映部门本年度政府采购计划及实际采购情况。",
    )?;
    Ok(row + 3)
}

/// Beijing's 政府购买服务决算公开情况表: 合计, then one line per purchased service.
fn purchased_services(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 4, "")?;
    for (c, text) in ["序号", "购买服务项目", "服务内容", "金额"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *text, &f.header)?;
    }
    row += 1;
    let items = &unit.purchased_services;
    let total: i64 = items.iter().map(|s| s.amount).sum();
    let item_rows: Vec<u32> = (row + 1..row + 1 + items.len() as u32).collect();
    ws.merge_range(row, 0, row, 2, "合计", &f.header)?;
    f.total_cell(ws, row, 3, total, &item_rows)?;
    row += 1;
    for (i, s) in items.iter().enumerate() {
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.text)?;
        ws.write_string_with_format(row, 1, &s.project, &f.text)?;
        ws.write_string_with_format(row, 2, &s.content, &f.text)?;
        f.money_cell(ws, row, 3, s.amount)?;
        row += 1;
    }
    ws.write_string(row, 0, "注：本表反映部门本年度政府购买服务支出情况。")?;
    Ok(row + 1)
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
