//! The warehouse's data dictionary: every dataset and column of CONTRACT.md, with its type
//! and meaning. The Arrow schemas and `juesuan schema` are both built from these tables, so
//! the documentation cannot drift from the files.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

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
    let money = |name, meaning| col(name, Money, true, meaning);
    columns.extend([
        money("total_income_expenditure", "收支总计 (report)"),
        money(
            "total_change",
            "收支总计 change against the previous year, signed (report)",
        ),
        col(
            "total_change_rate_reported",
            Float64,
            true,
            "收支总计 change rate as printed, signed (−2.84% → −0.0284)",
        ),
        money("fiscal_total", "财政拨款收支总计 (report)"),
        money("income_total", "本年收入合计"),
        money("income_fiscal", "财政拨款收入"),
        money("income_superior", "上级补助收入"),
        money("income_business", "事业收入"),
        money("income_operating", "经营收入"),
        money("income_affiliated", "附属单位上缴收入"),
        money("income_other", "其他收入"),
        money("income_general_public", "一般公共预算财政拨款收入"),
        money("income_government_fund", "政府性基金预算财政拨款收入"),
        money("income_state_capital", "国有资本经营预算财政拨款收入"),
        money("carryover_start", "年初结转和结余"),
        money("carryover_end", "年末结转和结余"),
        money("expenditure_total", "本年支出合计"),
        money("basic", "基本支出"),
        money("project", "项目支出"),
        money("expenditure_to_superior", "上缴上级支出"),
        money("expenditure_operating", "经营支出"),
        money("expenditure_affiliated", "对附属单位补助支出"),
        money("expenditure_general_public", "一般公共预算财政拨款支出"),
        money("expenditure_government_fund", "政府性基金预算财政拨款支出"),
        money("expenditure_state_capital", "国有资本经营预算财政拨款支出"),
        money("three_public_budget", "三公经费 年初预算 (合计)"),
        money("three_public_actual", "三公经费 决算 (合计)"),
        money("overseas_budget", "因公出国（境）费 预算"),
        money("overseas_actual", "因公出国（境）费 决算"),
        money("vehicles_budget", "公务用车购置及运行维护费 预算"),
        money("vehicles_actual", "公务用车购置及运行维护费 决算"),
        money("vehicle_purchase_budget", "公务用车购置费 预算"),
        money("vehicle_purchase_actual", "公务用车购置费 决算"),
        money("vehicle_operation_budget", "公务用车运行维护费 预算"),
        money("vehicle_operation_actual", "公务用车运行维护费 决算"),
        money("reception_budget", "公务接待费 预算"),
        money("reception_actual", "公务接待费 决算"),
        money("operating_costs", "机关运行经费"),
        money("assets_total", "资产总计 at year end (国有资产占用情况)"),
        money("assets_cash", "现金 at year end"),
        money("assets_bank_deposits", "银行存款 at year end"),
        money("assets_other_receivables", "其他应收款 at year end"),
        money("fixed_assets_original", "固定资产原值 at year end"),
        money(
            "fixed_assets_depreciation",
            "累计折旧 of fixed assets at year end",
        ),
        money("fixed_assets_net", "固定资产净值 at year end"),
        money("construction_in_progress", "在建工程 at year end"),
        money(
            "fixed_assets_original_start",
            "固定资产原值 at the start of the year",
        ),
        money(
            "fixed_assets_depreciation_start",
            "累计折旧 at the start of the year",
        ),
        money(
            "fixed_assets_net_start",
            "固定资产净值 at the start of the year",
        ),
        money(
            "basic_government_fund",
            "政府性基金预算财政拨款基本支出 (the report)",
        ),
        money(
            "basic_general_public",
            "一般公共预算财政拨款基本支出 (table06 or the report)",
        ),
        money("personnel_costs", "人员经费 of 基本支出 (人员经费合计)"),
        money("public_costs", "公用经费 of 基本支出 (公用经费合计)"),
        money(
            "budget_initial_general_public",
            "一般公共预算财政拨款支出 年初预算 (the report)",
        ),
        money(
            "budget_final_general_public",
            "一般公共预算财政拨款支出 全年预算 (the report)",
        ),
        money("procurement_total", "政府采购支出总额"),
        money("procurement_goods", "政府采购货物支出"),
        money("procurement_works", "政府采购工程支出"),
        money("procurement_services", "政府采购服务支出"),
        money("procurement_sme", "授予中小企业合同金额"),
        money("procurement_small_micro", "授予小微企业合同金额"),
        money(
            "procurement_sme_reserved",
            "面向中小企业预留政府采购项目预算金额",
        ),
        money(
            "procurement_small_micro_reserved",
            "面向小微企业预留政府采购项目预算金额",
        ),
        money("purchased_services", "政府购买服务决算"),
        money("fixed_assets", "固定资产总额"),
        col("vehicle_count", Int32, true, "车辆数"),
        money("vehicle_value", "车辆价值"),
        col(
            "equipment_over_1m_count",
            Int32,
            true,
            "单价100万元以上的设备 (台)",
        ),
        money("budget_full_year", "部门全年预算数"),
        money("budget_full_year_basic", "全年预算数 of 基本支出"),
        money("budget_full_year_project", "全年预算数 of 项目支出"),
        money("budget_full_year_other", "全年预算数 of 其他支出"),
        money("execution_full_year_other", "全年预算执行数 of 其他支出"),
        money("execution_full_year", "部门全年预算执行数"),
        col(
            "execution_rate_reported",
            Float64,
            true,
            "预算执行率 as printed (0.9806 for 98.06%)",
        ),
        col("performance_score", Float64, true, "部门整体绩效评价得分"),
        col(
            "carryover_rate_reported",
            Float64,
            true,
            "结转结余率 as printed",
        ),
        col(
            "budget_variance_rate_reported",
            Float64,
            true,
            "预决算差异率 as printed",
        ),
        col(
            "projects_evaluated",
            Int32,
            true,
            "项目支出绩效评价: projects evaluated",
        ),
        money(
            "projects_evaluated_amount",
            "项目支出绩效评价: amount covered",
        ),
        col(
            "projects_score_100",
            Int32,
            true,
            "projects self-scored 100",
        ),
        col(
            "projects_score_90_100",
            Int32,
            true,
            "projects self-scored 90-100",
        ),
        col(
            "projects_score_80_90",
            Int32,
            true,
            "projects self-scored 80-90",
        ),
        col(
            "projects_score_below_80",
            Int32,
            true,
            "projects self-scored below 80",
        ),
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
