//! The typed records passed between stages: amounts, codes, provenance, identities and
//! the rows of each warehouse dataset. Nothing here does I/O.

use std::fmt;
use std::sync::Arc;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Money in 元 with exactly two decimals (fen). Built only through [`MoneyUnit`], so the
/// scale is always 2 and the value is exact.
pub type Yuan = Decimal;

/// The unit a table or sentence prints its amounts in ("单位：万元").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    Yuan,
    Qianyuan,
    Wanyuan,
    Yiyuan,
}

impl MoneyUnit {
    /// Finds the unit named in a label such as "单位：万元" or "金额单位:元".
    pub fn from_label(text: &str) -> Option<MoneyUnit> {
        // "编制单位：某街道 单位：万元": every occurrence of 单位 is tried, the first one
        // followed by a unit name wins.
        text.match_indices("单位").find_map(|(pos, _)| {
            let rest = text[pos + "单位".len()..]
                .trim_start_matches([':', '：', ' ', '\u{3000}', '(', '（']);
            [
                ("亿元", MoneyUnit::Yiyuan),
                ("万元", MoneyUnit::Wanyuan),
                ("千元", MoneyUnit::Qianyuan),
                ("元", MoneyUnit::Yuan),
            ]
            .into_iter()
            .find(|(label, _)| rest.starts_with(label))
            .map(|(_, unit)| unit)
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Qianyuan => "千元",
            MoneyUnit::Wanyuan => "万元",
            MoneyUnit::Yiyuan => "亿元",
        }
    }

    /// Power of ten from this unit to 元.
    fn exponent(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 0,
            MoneyUnit::Qianyuan => 3,
            MoneyUnit::Wanyuan => 4,
            MoneyUnit::Yiyuan => 8,
        }
    }

    /// Converts an exact decimal printed in this unit to 元 with two decimals.
    /// Multiplying by a power of ten is exact; the only rounding is to the fen. `None` when
    /// the amount does not fit the warehouse's decimal(18,2) (|元| < 10^16).
    pub fn to_yuan(self, printed: Decimal) -> Option<Yuan> {
        let factor = Decimal::from(10u64.pow(self.exponent()));
        let mut value = printed
            .checked_mul(factor)?
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if value.abs() >= max_yuan() {
            return None;
        }
        value.rescale(2);
        Some(value)
    }

    /// Converts to 元 without rounding (interval bounds keep every digit).
    pub fn scale_exact(self, printed: Decimal) -> Decimal {
        let factor = Decimal::from(10u64.pow(self.exponent()));
        printed
            .checked_mul(factor)
            .unwrap_or(if printed.is_sign_negative() {
                Decimal::MIN
            } else {
                Decimal::MAX
            })
    }

    /// Converts a spreadsheet number (f64) printed in this unit to 元.
    ///
    /// The f64 is first read as the shortest decimal that round-trips (what the writer
    /// typed: 11724.11, not 11724.110000000000582), then scaled exactly. This is the one
    /// place where a float becomes money.
    pub fn f64_to_yuan(self, value: f64) -> Option<Yuan> {
        if !value.is_finite() {
            return None;
        }
        let mut buf = ryu::Buffer::new();
        let text = buf.format_finite(value);
        let printed = parse_decimal_text(text)?;
        self.to_yuan(printed)
    }
}

/// 10^16 元: the first amount decimal(18,2) cannot hold.
pub fn max_yuan() -> Decimal {
    Decimal::from(10_000_000_000_000_000u64)
}

/// Why an amount was refused, for rejects.
pub fn out_of_range(printed: &str, unit: MoneyUnit) -> String {
    format!(
        "{printed} {} does not fit the warehouse's decimal(18,2) (less than 10^16 元)",
        unit.label()
    )
}

/// Decimal text with thousands separators: "-1234567.5" → "-1,234,567.5".
pub fn with_thousands(text: &str) -> String {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::with_capacity(text.len() + digits.len() / 3);
    out.push_str(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Parses decimal text as printed ("1,234.56", "1e-7" from ryu, "−3.5", "40775.5299").
pub fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let cleaned: String;
    let s = if text.contains([',', '，', ' ', '−']) {
        cleaned = text
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' '))
            .map(|c| if c == '−' { '-' } else { c })
            .collect();
        cleaned.as_str()
    } else {
        text
    };
    let value = if s.contains(['e', 'E']) {
        Decimal::from_scientific(s).ok()?
    } else {
        s.parse::<Decimal>().ok()?
    };
    // No figure of a 部门决算 comes near 10^16 (in 元 or 万元); refusing larger ones keeps every
    // later multiplication (万元 → 元, intervals) far from Decimal's range.
    (value.abs() < Decimal::from(10_000_000_000_000_000i64)).then_some(value)
}

/// Which budget a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fund {
    /// 支出决算表: all funds together.
    All,
    /// 一般公共预算.
    GeneralPublic,
    /// 政府性基金预算.
    GovernmentFund,
    /// 国有资本经营预算.
    StateCapital,
}

impl Fund {
    pub fn as_str(self) -> &'static str {
        match self {
            Fund::All => "all",
            Fund::GeneralPublic => "general_public",
            Fund::GovernmentFund => "government_fund",
            Fund::StateCapital => "state_capital",
        }
    }
}

/// Level of a function code: 类 (3 digits), 款 (5) or 项 (7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Category = 1,
    Section = 2,
    Item = 3,
}

impl Level {
    pub fn from_len(len: usize) -> Option<Level> {
        match len {
            3 => Some(Level::Category),
            5 => Some(Level::Section),
            7 => Some(Level::Item),
            _ => None,
        }
    }

    pub fn as_i8(self) -> i8 {
        self as i8
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Level::Category => "类",
            Level::Section => "款",
            Level::Item => "项",
        }
    }
}

/// Where one input file lives and what it is. Shared by every record read from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path as discovered, relative to its input root when possible (stable across machines).
    pub display_path: Arc<str>,
    pub sha256: Arc<str>,
    pub bytes: u64,
}

/// Where in its file a figure was printed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A row of a workbook's sheet (1-based).
    Cell { sheet: Arc<str>, row: u32 },
    /// A row of a table printed on a PDF page (page and row on the page, 1-based).
    PdfTable { page: u32, row: u32 },
    /// A paragraph of a report (1-based line of a .txt, paragraph of a .docx).
    Paragraph(u32),
    /// A line of a PDF's narrative (page and line on the page, 1-based).
    PdfLine { page: u32, line: u32 },
}

/// The name a PDF's table pages go by where a sheet would be named (`source_sheet`).
pub const PDF_TABLES: &str = "pdf";

impl Origin {
    /// True for a figure printed in a table (a sheet's or a PDF page's), false for one
    /// stated in the narrative.
    pub fn is_table(&self) -> bool {
        matches!(self, Origin::Cell { .. } | Origin::PdfTable { .. })
    }

    /// The sheet of a table row (`pdf` for a PDF's table pages).
    pub fn sheet(&self) -> Option<&str> {
        match self {
            Origin::Cell { sheet, .. } => Some(sheet),
            Origin::PdfTable { .. } => Some(PDF_TABLES),
            _ => None,
        }
    }

    /// The row of a sheet, the row on a PDF page, the paragraph or the line on the page.
    pub fn row(&self) -> u32 {
        match self {
            Origin::Cell { row, .. } | Origin::PdfTable { row, .. } => *row,
            Origin::Paragraph(n) => *n,
            Origin::PdfLine { line, .. } => *line,
        }
    }

    /// The page of a PDF.
    pub fn page(&self) -> Option<u32> {
        match self {
            Origin::PdfTable { page, .. } | Origin::PdfLine { page, .. } => Some(*page),
            _ => None,
        }
    }
}

/// Where one figure came from: the file, and where in it.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub file: Arc<SourceFile>,
    pub origin: Origin,
}

/// Which part of a document a record was read from: one of the standard tables, or the
/// narrative report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Table(crate::reference::tables::TableKind),
    Report,
}

impl Source {
    /// `table05` …, or `report`: the `source` column.
    pub fn id(self) -> &'static str {
        match self {
            Source::Table(kind) => kind.id(),
            Source::Report => "report",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Who published a document, for which year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitIdentity {
    pub year: i32,
    pub city: String,
    pub district: String,
    pub district_code: String,
    pub unit_id: String,
    /// The 9-digit 统计用区划代码 of a township-level unit; `None` for departments.
    #[serde(default)]
    pub unit_code: Option<String>,
    pub unit_name: String,
}

/// A function-classification code after normalisation against the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifiedCode {
    /// Canonical digits (3, 5 or 7), or the code as printed when `status` is unknown.
    pub code: String,
    pub level: Level,
    pub category_code: String,
    pub category_name: String,
    pub section_code: Option<String>,
    pub section_name: Option<String>,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    /// Canonical name for `code` in the report's year (the printed name when unknown).
    pub name: String,
    pub status: ClassificationStatus,
    pub cofog: Option<String>,
    /// The code as read when the catalogue's crosswalk replaced it (a renumbered code).
    pub code_printed: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassificationStatus {
    Exact,
    NameVariant,
    Crosswalked,
    ResolvedByName,
    Unknown,
}

impl ClassificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClassificationStatus::Exact => "exact",
            ClassificationStatus::NameVariant => "name_variant",
            ClassificationStatus::Crosswalked => "crosswalked",
            ClassificationStatus::ResolvedByName => "resolved_by_name",
            ClassificationStatus::Unknown => "unknown",
        }
    }
}

/// One row of the `expenditure` dataset.
#[derive(Debug, Clone)]
pub struct ExpenditureRow {
    pub unit: Arc<UnitIdentity>,
    pub fund: Fund,
    /// The table (`table03`, `table05` …) or the report.
    pub source: Source,
    pub code: ClassifiedCode,
    pub name_printed: String,
    pub actual: Yuan,
    pub basic: Option<Yuan>,
    pub project: Option<Yuan>,
    pub budget_initial: Option<Yuan>,
    pub budget_final: Option<Yuan>,
    pub provenance: Provenance,
}

/// A 合计/总计/小计 row: kept for validation, never loaded as a code.
#[derive(Debug, Clone)]
pub struct TotalRow {
    pub fund: Fund,
    pub source: Source,
    pub label: String,
    pub actual: Option<Yuan>,
    pub basic: Option<Yuan>,
    pub project: Option<Yuan>,
    pub provenance: Provenance,
}

/// The pipeline stage at which something was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Discover,
    Identify,
    Extract,
    Classify,
    /// Writing the warehouse (a partition that could not be encoded).
    Load,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Discover => "discover",
            Stage::Identify => "identify",
            Stage::Extract => "extract",
            Stage::Load => "load",
            Stage::Classify => "classify",
        }
    }
}

/// One row of the `rejects` dataset: an input file, table or row that could not be used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    /// Whose input it was, when that could be told (from the document or its path).
    pub unit: Option<Arc<UnitIdentity>>,
    pub file: Arc<SourceFile>,
    pub sheet: Option<Arc<str>>,
    pub row: Option<u32>,
    pub stage: Stage,
    pub reason: String,
    pub raw_text: Option<String>,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display_path)?;
        if let Some(sheet) = &self.sheet {
            write!(f, " [sheet {sheet}]")?;
        }
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        write!(f, " ({}): {}", self.stage.as_str(), self.reason)
    }
}

/// How sure a check is that something is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One row of the `findings` dataset: a check that failed, with every source involved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub unit: Option<Arc<UnitIdentity>>,
    pub file: Arc<SourceFile>,
    /// A dotted id naming the check, e.g. `classify.unknown_code`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub tolerance: Option<String>,
    /// `file#sheet!row` or `file¶paragraph` of every source involved.
    pub references: Vec<String>,
}

impl Provenance {
    /// `file#sheet!row`, `file#p12:4` (a PDF's page and row or line) or `file¶paragraph`.
    pub fn reference(&self) -> String {
        let path = &self.file.display_path;
        match &self.origin {
            Origin::Cell { sheet, row } => format!("{path}#{sheet}!{row}"),
            Origin::PdfTable { page, row } => format!("{path}#p{page}:{row}"),
            Origin::PdfLine { page, line } => format!("{path}#p{page}:{line}"),
            Origin::Paragraph(n) => format!("{path}¶{n}"),
        }
    }
}

/// A value of a headline figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FactValue {
    Money(Yuan),
    Count(i32),
    /// A ratio as printed (98.06% → 0.9806) or a score.
    Ratio(f64),
}

/// One headline figure of a unit-year (a column of `units`), with where it came from.
#[derive(Debug, Clone)]
pub struct Fact {
    /// The `units` column it fills, e.g. `expenditure_total`.
    pub metric: String,
    pub value: FactValue,
    pub provenance: Provenance,
}

/// A number as a document printed it: its value in the printed unit and its decimals, so
/// that checks know what the printed digits can and cannot say (interval arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Printed {
    pub value: Decimal,
    pub decimals: u32,
    /// `None` for a percentage.
    pub unit: Option<MoneyUnit>,
}

impl Printed {
    pub fn new(text_value: Decimal, unit: Option<MoneyUnit>) -> Printed {
        Printed {
            value: text_value,
            decimals: text_value.scale(),
            unit,
        }
    }

    /// Half a unit of the last printed digit, in the printed unit.
    pub fn half_unit(&self) -> Decimal {
        Decimal::new(5, self.decimals + 1)
    }

    /// Every value the printed digits allow, in 元 (money) or in percent (rates).
    pub fn interval(&self) -> (Decimal, Decimal) {
        let (lo, hi) = (self.value - self.half_unit(), self.value + self.half_unit());
        match self.unit {
            Some(u) => (u.scale_exact(lo), u.scale_exact(hi)),
            None => (lo, hi),
        }
    }

    /// One unit of the last printed digit, in 元 or percent.
    pub fn unit_size(&self) -> Decimal {
        let one = Decimal::new(1, self.decimals);
        self.unit.map_or(one, |u| u.scale_exact(one))
    }
}

/// A statement of a report that other figures can check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Statement {
    /// "X 本年 NUM 万元，比 BASE 减少/增加 DIFF 万元，下降/增长 PCT%": current, signed diff
    /// (current − base) and signed percentage of the base.
    Change {
        subject: String,
        current: Printed,
        base: Option<Printed>,
        diff: Printed,
        pct: Option<Printed>,
        paragraph: u32,
    },
    /// "年初预算为 B 万元，支出决算为 A 万元，完成年初预算的 R%": the stated rate against the
    /// stated figures (`budget` is the one the rate names; none when that budget is not
    /// stated).
    Rate {
        subject: String,
        actual: Printed,
        budget: Option<Printed>,
        /// 年初 or 全年: which budget the rate says it is of.
        of: String,
        rate: Printed,
        paragraph: u32,
    },
    /// One figure stated twice in one statement (a 项 heading's amount and its 支出决算为):
    /// both printed values must agree within their rounding.
    Same {
        subject: String,
        first: Printed,
        second: Printed,
        what: String,
        paragraph: u32,
    },
    /// "一般公共预算财政拨款支出 TOTAL 万元，主要用于：A NUM 万元，占本年财政拨款支出 P%；…":
    /// the items, their shares of `denominator` and the list's own total.
    ShareList {
        fund: Fund,
        total: Printed,
        items: Vec<ShareItem>,
        denominator: String,
        paragraph: u32,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareItem {
    pub name: String,
    pub amount: Printed,
    pub share: Option<Printed>,
}

/// One row of `economic_expenditure`: basic expenditure by 经济分类 code.
#[derive(Debug, Clone)]
pub struct EconomicRow {
    pub unit: Arc<UnitIdentity>,
    pub fund: Fund,
    pub source: Source,
    pub code: String,
    pub name: String,
    pub name_printed: String,
    pub status: ClassificationStatus,
    pub actual: Yuan,
    pub provenance: Provenance,
}

impl EconomicRow {
    /// 人员经费 (301 工资福利支出, 303 对个人和家庭的补助) or 公用经费 (302 商品和服务支出, 309
    /// and 310 资本性支出): how 决算 tables split basic expenditure. Other 类 are neither.
    pub fn cost_type(&self) -> Option<&'static str> {
        match self.code.get(..3)? {
            "301" | "303" => Some("personnel"),
            "302" | "309" | "310" => Some("public"),
            _ => None,
        }
    }
}

/// One row of `performance_projects`.
#[derive(Debug, Clone)]
pub struct PerformanceProject {
    pub unit: Arc<UnitIdentity>,
    pub project: String,
    pub budget_initial: Option<Yuan>,
    pub budget_final: Option<Yuan>,
    pub actual: Option<Yuan>,
    pub execution_rate_reported: Option<f64>,
    pub score: Option<f64>,
    pub indicators: Option<String>,
    pub provenance: Provenance,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn wanyuan_cell_becomes_exact_yuan() {
        let y = MoneyUnit::Wanyuan.f64_to_yuan(11724.11).unwrap();
        assert_eq!(y.to_string(), "117241100.00");
        assert_eq!(
            MoneyUnit::Wanyuan
                .to_yuan(d("40775.5299"))
                .unwrap()
                .to_string(),
            "407755299.00"
        );
        assert_eq!(MoneyUnit::Yuan.f64_to_yuan(0.1 + 0.2).unwrap(), d("0.30"));
        assert_eq!(
            MoneyUnit::Yiyuan.to_yuan(d("1.5")).unwrap().to_string(),
            "150000000.00"
        );
    }

    #[test]
    fn every_two_decimal_wanyuan_value_round_trips_through_f64() {
        // Exhaustive over 0.00 ..= 99999.99 万元 in steps of 0.01 would be 10^7 values;
        // a stride keeps the unit test quick while crossing every fractional pattern.
        for fen in (0u64..10_000_000).step_by(7) {
            let printed = Decimal::new(fen as i64, 2);
            let as_f64 = fen as f64 / 100.0;
            let yuan = MoneyUnit::Wanyuan.f64_to_yuan(as_f64).unwrap();
            assert_eq!(Some(yuan), MoneyUnit::Wanyuan.to_yuan(printed), "{printed}");
        }
    }

    #[test]
    fn unit_labels() {
        assert_eq!(
            MoneyUnit::from_label("单位：万元"),
            Some(MoneyUnit::Wanyuan)
        );
        assert_eq!(MoneyUnit::from_label("金额单位:元"), Some(MoneyUnit::Yuan));
        assert_eq!(
            MoneyUnit::from_label("单位： 千元"),
            Some(MoneyUnit::Qianyuan)
        );
        assert_eq!(MoneyUnit::from_label("编制单位：某街道"), None);
        assert_eq!(
            MoneyUnit::from_label("编制单位：新街口街道办事处　　单位：万元"),
            Some(MoneyUnit::Wanyuan)
        );
    }

    #[test]
    fn decimal_text() {
        assert_eq!(parse_decimal_text("19,044.27"), Some(d("19044.27")));
        assert_eq!(parse_decimal_text("−3.5"), Some(d("-3.5")));
        assert_eq!(parse_decimal_text("1e-7"), Some(d("0.0000001")));
        assert_eq!(parse_decimal_text("abc"), None);
        // regression: 79228162514264337593543950335 万元 would overflow Decimal when scaled
        assert_eq!(parse_decimal_text("79228162514264337593543950335"), None);
        assert_eq!(MoneyUnit::Wanyuan.f64_to_yuan(1e300), None);
        // The warehouse holds less than 10^16 元: 1234567890123.45 万元 does not fit.
        assert_eq!(MoneyUnit::Wanyuan.to_yuan(d("1234567890123.45")), None);
        assert_eq!(MoneyUnit::Wanyuan.f64_to_yuan(1234567890123.45), None);
        assert_eq!(
            MoneyUnit::Yuan
                .to_yuan(d("9999999999999999.99"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("9999999999999999.99")
        );
        // Overflow of the decimal itself is a None, not a panic.
        assert_eq!(MoneyUnit::Yiyuan.to_yuan(Decimal::MAX), None);
    }
}
