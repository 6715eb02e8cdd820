//! The warehouse's data dictionary: every dataset and column of CONTRACT.md, with its type
//! and meaning. The Arrow schemas and `juesuan schema` are both built from these tables, so
//! the documentation cannot drift from the files.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::model::{Metric, MetricKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Str,
    Int8,
    Int32,
    /// Decimal128(18,2) in 元.
    Money,
    Float64,
}

impl ColType {
    pub fn arrow(self) -> DataType {
        match self {
            ColType::Str => DataType::Utf8,
            ColType::Int8 => DataType::Int8,
            ColType::Int32 => DataType::Int32,
            ColType::Money => DataType::Decimal128(18, 2),
            ColType::Float64 => DataType::Float64,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ColType::Str => "string",
            ColType::Int8 => "int8",
            ColType::Int32 => "int32",
            ColType::Money => "decimal(18,2)",
            ColType::Float64 => "float64",
        }
    }
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
    pub meaning: &'static str,
}

#[derive(Debug)]
pub struct DatasetSpec {
    pub name: &'static str,
    pub meaning: &'static str,
    pub columns: Vec<Column>,
}

impl DatasetSpec {
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.ty.arrow(), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

const fn col(name: &'static str, ty: ColType, nullable: bool, meaning: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable,
        meaning,
    }
}

use ColType::*;

/// The identity columns every dataset starts with, in order.
pub const IDENTITY_COLUMNS: [&str; 6] = [
    "city",
    "district",
    "district_code",
    "unit_id",
    "unit_code",
    "unit_name",
];

fn identity(nullable: bool) -> Vec<Column> {
    vec![
        col("city", Str, nullable, "city, e.g. 北京市"),
        col("district", Str, nullable, "district, e.g. 西城区"),
        col(
            "district_code",
            Str,
            nullable,
            "GB/T 2260 code of the district, e.g. 110102 (also the file name)",
        ),
        col(
            "unit_id",
            Str,
            nullable,
            "stable id of the unit, the same across years, file names and formats: the 9-digit unit_code of a township-level unit, an override from config/units.toml, or the district code and a hash of the name (departments)",
        ),
        col(
            "unit_code",
            Str,
            true,
            "the unit's 9-digit 统计用区划代码 (National Bureau of Statistics, 2023 edition), e.g. 110102003; null for units that are not township-level (departments)",
        ),
        col(
            "unit_name",
            Str,
            nullable,
            "canonical name, e.g. 新街口街道办事处",
        ),
    ]
}

fn provenance() -> Vec<Column> {
    vec![
        col(
            "source_file",
            Str,
            false,
            "input file, relative to its input root",
        ),
        col("source_sheet", Str, true, "sheet name (null for reports)"),
        col(
            "source_row",
            Int32,
            true,
            "1-based row in the sheet, paragraph number in a report, or line on the page of a PDF",
        ),
        col(
            "source_page",
            Int32,
            true,
            "1-based page of a PDF (null for workbooks and text)",
        ),
        col("source_sha256", Str, false, "sha256 of the input file"),
    ]
}

fn code_columns() -> Vec<Column> {
    vec![
        col(
            "code",
            Str,
            false,
            "canonical function code: 3 digits (类), 5 (款) or 7 (项)",
        ),
        col("level", Int8, false, "1 类 / 2 款 / 3 项"),
        col("category_code", Str, false, "the 类 of this row"),
        col("category_name", Str, false, "name of the 类 in this year"),
        col("section_code", Str, true, "the 款 (null on 类 rows)"),
        col("section_name", Str, true, "name of the 款"),
        col("item_code", Str, true, "the 项 (null above 项)"),
        col("item_name", Str, true, "name of the 项"),
        col(
            "name",
            Str,
            false,
            "canonical catalogue name of `code` in `year`",
        ),
        col(
            "name_printed",
            Str,
            false,
            "the name as printed in the source",
        ),
        col(
            "code_printed",
            Str,
            true,
            "the code as printed when the catalogue's crosswalk replaced it (a renumbered code); null otherwise",
        ),
        col(
            "classification_status",
            Str,
            false,
            "exact, name_variant, crosswalked, resolved_by_name or unknown",
        ),
        col(
            "cofog",
            Str,
            true,
            "COFOG division 01..10 of the 类 (proposed mapping)",
        ),
    ]
}

pub fn expenditure() -> DatasetSpec {
    let mut columns = identity(false);
    columns.extend([
        col(
            "fund",
            Str,
            false,
            "all (支出决算表), general_public, government_fund, state_capital",
        ),
        col(
            "source",
            Str,
            false,
            "table id (table03, table05, table08, table09) or report",
        ),
    ]);
    columns.extend(code_columns());
    columns.extend([
        col("actual", Money, false, "决算数 / 本年支出合计, 元"),
        col("basic", Money, true, "基本支出, 元"),
        col("project", Money, true, "项目支出, 元"),
        col("budget_initial", Money, true, "年初预算数, 元"),
        col("budget_final", Money, true, "全年预算数 / 调整预算数, 元"),
    ]);
    columns.extend(provenance());
    DatasetSpec {
        name: "expenditure",
        meaning: "one row per unit, year, source table, fund and function code",
        columns,
    }
}

pub fn execution() -> DatasetSpec {
    let mut columns = identity(false);
    columns.extend([
        col(
            "fund",
            Str,
            false,
            "fund of the figures (see expenditure.fund)",
        ),
        col(
            "code",
            Str,
            false,
            "function code, or `total` for the whole department",
        ),
        col("level", Int8, true, "1 类 / 2 款 / 3 项; null for `total`"),
        col("name", Str, false, "canonical name (部门合计 for `total`)"),
        col("actual", Money, false, "决算数, 元"),
        col("budget_initial", Money, true, "年初预算数, 元"),
        col("budget_final", Money, true, "全年预算数, 元"),
        col(
            "rate_initial",
            Float64,
            true,
            "actual / budget_initial; null when the budget is null or 0",
        ),
        col(
            "rate_final",
            Float64,
            true,
            "actual / budget_final; null when the budget is null or 0",
        ),
        col(
            "basis",
            Str,
            false,
            "which sources gave actual and budgets, e.g. actual=table05 budget_initial=table05",
        ),
        col("source_file", Str, false, "the input that gave `actual`"),
        col(
            "source_sha256",
            Str,
            false,
            "sha256 of the input that gave `actual`",
        ),
    ]);
    DatasetSpec { name: "execution", meaning: "budget execution: one row per unit, year, fund and code with an actual and a budget, plus code `total`", columns }
}

pub fn units() -> DatasetSpec {
    let mut columns = identity(false);
    columns.extend(Metric::ALL.iter().map(|m| {
        let ty = match m.kind() {
            MetricKind::Money => Money,
            MetricKind::Count => Int32,
            MetricKind::Ratio => Float64,
        };
        col(m.column(), ty, true, m.meaning())
    }));
    columns.extend([
        col(
            "sources",
            Str,
            false,
            "column=file#sheet!row for every figure, `;`-separated",
        ),
        col(
            "source_sha256",
            Str,
            false,
            "sha256 of the inputs that gave figures, `;`-separated",
        ),
    ]);
    DatasetSpec {
        name: "units",
        meaning: "one row per unit and year: the headline figures of its tables and report",
        columns,
    }
}

pub fn economic_expenditure() -> DatasetSpec {
    let mut columns = identity(false);
    columns.extend([
        col(
            "fund",
            Str,
            false,
            "general_public (一般公共预算财政拨款基本支出决算表)",
        ),
        col("source", Str, false, "table id, e.g. table06"),
        col("code", Str, false, "经济分类 code: 3 digits (类) or 5 (款)"),
        col("level", Int8, false, "1 类 / 2 款"),
        col("category_code", Str, false, "the 类 of this row"),
        col(
            "name",
            Str,
            false,
            "catalogue name of the code (the printed name when unknown)",
        ),
        col("name_printed", Str, false, "the name as printed"),
        col(
            "classification_status",
            Str,
            false,
            "exact, name_variant or unknown (matched by code only)",
        ),
        col(
            "cost_type",
            Str,
            true,
            "personnel (人员经费: 301, 303) or public (公用经费: 302, 309, 310); null for other 类",
        ),
        col("actual", Money, false, "决算数, 元"),
    ]);
    columns.extend(provenance());
    DatasetSpec {
        name: "economic_expenditure",
        meaning:
            "basic expenditure by 部门预算支出经济分类: one row per unit, year and economic code",
        columns,
    }
}

pub fn performance_projects() -> DatasetSpec {
    let mut columns = identity(false);
    columns.extend([
        col("project", Str, false, "project name"),
        col("budget_initial", Money, true, "年初预算数"),
        col("budget_final", Money, true, "全年预算数"),
        col("actual", Money, true, "全年执行数"),
        col(
            "execution_rate_reported",
            Float64,
            true,
            "执行率 as printed",
        ),
        col("score", Float64, true, "self-evaluation score"),
        col(
            "indicators",
            Str,
            true,
            "indicators as JSON: name, target, actual, weight, score",
        ),
    ]);
    columns.extend(provenance());
    DatasetSpec {
        name: "performance_projects",
        meaning: "one row per project performance self-evaluation in a report",
        columns,
    }
}

pub fn findings() -> DatasetSpec {
    let mut columns = identity(true);
    columns.extend([
        col(
            "rule_id",
            Str,
            false,
            "the check, e.g. classify.unknown_code",
        ),
        col("severity", Str, false, "error, warning or info"),
        col("message", Str, false, "what is wrong, in words"),
        col("expected", Str, true, "the value the check expected"),
        col("actual", Str, true, "the value found"),
        col(
            "expected_yuan",
            Money,
            true,
            "expected as an amount in 元, for the checks of amounts",
        ),
        col(
            "actual_yuan",
            Money,
            true,
            "actual as an amount in 元, for the checks of amounts",
        ),
        col("tolerance", Str, true, "the tolerance applied"),
        col(
            "references",
            Str,
            false,
            "every source involved: file#sheet!row, `;`-separated",
        ),
        col(
            "source_sha256",
            Str,
            false,
            "sha256 of the input the finding is about",
        ),
    ]);
    DatasetSpec {
        name: "findings",
        meaning: "one row per failed check",
        columns,
    }
}

pub fn rejects() -> DatasetSpec {
    let mut columns = identity(true);
    columns.extend([
        col(
            "source_file",
            Str,
            false,
            "input file, relative to its input root",
        ),
        col(
            "source_sheet",
            Str,
            true,
            "sheet, when the reject is about a sheet or row",
        ),
        col(
            "source_row",
            Int32,
            true,
            "1-based row, when the reject is about a row",
        ),
        col(
            "stage",
            Str,
            false,
            "discover, identify, extract or classify",
        ),
        col("reason", Str, false, "why it could not be used"),
        col(
            "raw_text",
            Str,
            true,
            "the text of the row or sheet, as read",
        ),
        col("source_sha256", Str, false, "sha256 of the input file"),
    ]);
    DatasetSpec {
        name: "rejects",
        meaning: "one row per input file, table or row that could not be used",
        columns,
    }
}

/// The data dictionary as Markdown (`juesuan schema`).
pub fn dictionary() -> String {
    let mut out = String::from("# juesuan warehouse: data dictionary\n\nEvery dataset is partitioned as `<dataset>/year=<year>/<district_code>.parquet`; `year` lives only in the path.\nMoney is decimal(18,2) in 元.\n");
    for spec in crate::load::dataset::Dataset::ALL.map(|d| d.spec()) {
        out += &format!("\n## `{}`\n\n{}\n\n| column | type | null | meaning |\n|---|---|---|---|\n| year | partition key | no | fiscal year (path only) |\n", spec.name, spec.meaning);
        for c in &spec.columns {
            out += &format!(
                "| {} | {} | {} | {} |\n",
                c.name,
                c.ty.label(),
                if c.nullable { "yes" } else { "no" },
                c.meaning
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_columns_are_named_once() {
        let names: Vec<&str> = identity(false).iter().map(|c| c.name).collect();
        assert_eq!(names, IDENTITY_COLUMNS);
        let units = units();
        let first: Vec<&str> = units.columns[..IDENTITY_COLUMNS.len()]
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(first, IDENTITY_COLUMNS);
    }
}
