//! Where a figure came from, whose document it is, and the rows of each dataset.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Fund, Level, Yuan};

/// Where one input file lives and what it is. Shared by every record read from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path as discovered, relative to its input root when possible (stable across machines).
    pub display_path: Arc<str>,
    pub sha256: Arc<str>,
    pub bytes: u64,
}

/// Where in its file a figure was printed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// A row of a workbook's sheet (1-based).
    Cell {
        #[serde(with = "super::shared")]
        sheet: Arc<str>,
        row: u32,
    },
    /// A row of a table printed on a PDF page (page and row on the page, 1-based).
    PdfTable { page: u32, row: u32 },
    /// A paragraph of a report (1-based line of a .txt, paragraph of a .docx).
    Paragraph(u32),
    /// A line of a PDF's narrative (page and line on the page, 1-based).
    PdfLine { page: u32, line: u32 },
    /// A whole sheet (one refused or not recognised).
    Sheet(#[serde(with = "super::shared")] Arc<str>),
    /// A whole PDF page (a table printed without rules).
    Page(u32),
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
            Origin::Cell { sheet, .. } | Origin::Sheet(sheet) => Some(sheet),
            Origin::PdfTable { .. } => Some(PDF_TABLES),
            _ => None,
        }
    }

    /// The row of a sheet, the row on a PDF page, the paragraph or the line on the page.
    pub fn row(&self) -> Option<u32> {
        match self {
            Origin::Cell { row, .. } | Origin::PdfTable { row, .. } => Some(*row),
            Origin::Paragraph(n) => Some(*n),
            Origin::PdfLine { line, .. } => Some(*line),
            Origin::Sheet(_) | Origin::Page(_) => None,
        }
    }

    /// How a reject or the manifest names the place: the sheet, or a PDF's page as `p12`.
    pub fn place_name(&self) -> Option<String> {
        match self {
            Origin::Cell { sheet, .. } | Origin::Sheet(sheet) => Some(sheet.to_string()),
            Origin::PdfTable { page, .. } | Origin::PdfLine { page, .. } | Origin::Page(page) => {
                Some(format!("p{page}"))
            }
            Origin::Paragraph(_) => None,
        }
    }

    /// The page of a PDF.
    pub fn page(&self) -> Option<u32> {
        match self {
            Origin::PdfTable { page, .. } | Origin::PdfLine { page, .. } | Origin::Page(page) => {
                Some(*page)
            }
            _ => None,
        }
    }
}

/// Where one figure came from: the file, and where in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(with = "super::shared")]
    pub file: Arc<SourceFile>,
    pub origin: Origin,
}

/// Which part of a document a record was read from: one of the standard tables, or the
/// narrative report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// A partition of the warehouse: fiscal year and GB/T 2260 district code.
pub type PartitionKey = (i32, String);

/// The partition of rows that could not be tied to any unit and year.
pub const UNKNOWN_PARTITION: (i32, &str) = (0, "000000");

/// The partition of a record of `unit` (the unknown partition without one).
pub fn partition_of(unit: Option<&UnitIdentity>) -> PartitionKey {
    unit.map(|u| (u.year, u.district_code.clone()))
        .unwrap_or((UNKNOWN_PARTITION.0, UNKNOWN_PARTITION.1.to_string()))
}

/// The grain of the checks and of streaming: a unit-year, as its partition and the unit's id
/// ("" for records of no unit). Groups sort by year, then district, then unit, which is the
/// order rows have in a partition's files.
pub type GroupKey = (PartitionKey, String);

/// The group of a record of `unit`.
pub fn group_of(unit: Option<&UnitIdentity>) -> GroupKey {
    (
        partition_of(unit),
        unit.map_or_else(String::new, |u| u.unit_id.clone()),
    )
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpenditureRow {
    #[serde(with = "super::shared")]
    pub unit: Arc<UnitIdentity>,
    pub fund: Fund,
    /// The table (`table03`, `table05` …) or the report.
    pub source: Source,
    /// Shared by the rows of the same code, name and year (see `classify_shared`).
    #[serde(with = "super::shared")]
    pub code: Arc<ClassifiedCode>,
    pub name_printed: String,
    pub actual: Yuan,
    pub basic: Option<Yuan>,
    pub project: Option<Yuan>,
    pub budget_initial: Option<Yuan>,
    pub budget_final: Option<Yuan>,
    pub provenance: Provenance,
}

/// A 合计/总计/小计 row: kept for validation, never loaded as a code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotalRow {
    pub fund: Fund,
    pub source: Source,
    pub label: String,
    pub actual: Option<Yuan>,
    pub basic: Option<Yuan>,
    pub project: Option<Yuan>,
    pub provenance: Provenance,
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
            Origin::Sheet(sheet) => format!("{path}#{sheet}"),
            Origin::Page(page) => format!("{path}#p{page}"),
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fact {
    /// The `units` column it fills.
    pub metric: super::Metric,
    pub value: FactValue,
    pub provenance: Provenance,
}

/// One row of `economic_expenditure`: basic expenditure by 经济分类 code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EconomicRow {
    #[serde(with = "super::shared")]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PerformanceProject {
    #[serde(with = "super::shared")]
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

/// The `units` row of one unit-year: every fact, the first source of each metric winning.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub unit: Arc<UnitIdentity>,
    pub facts: BTreeMap<super::Metric, Fact>,
}

impl UnitRow {
    pub fn money(&self, metric: super::Metric) -> Option<Yuan> {
        match self.facts.get(&metric)?.value {
            FactValue::Money(v) => Some(v),
            _ => None,
        }
    }
}

/// One row of `execution`.
#[derive(Debug, Clone)]
pub struct ExecutionRow {
    pub unit: Arc<UnitIdentity>,
    pub fund: Fund,
    pub code: String,
    pub level: Option<Level>,
    pub name: String,
    pub actual: Yuan,
    pub budget_initial: Option<Yuan>,
    pub budget_final: Option<Yuan>,
    pub basis: String,
    pub source_file: Arc<str>,
    pub source_sha256: Arc<str>,
}

/// A unit-year for the unit tests of every stage.
#[cfg(test)]
pub(crate) fn test_unit() -> Arc<UnitIdentity> {
    Arc::new(UnitIdentity {
        year: 2023,
        city: "北京市".into(),
        district: "西城区".into(),
        district_code: "110102".into(),
        unit_id: "110102-test".into(),
        unit_code: None,
        unit_name: "测试街道办事处".into(),
    })
}
