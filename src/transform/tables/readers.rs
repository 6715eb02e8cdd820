//! Readers of the table families, each from a block found by title: function-code
//! expenditure tables (03/05/08/09), the income table's totals (02), the 三公 table (07) and
//! basic expenditure by economic code (06).

use std::collections::HashMap;
use std::sync::Arc;

use crate::extract::sheet::Sheet;
use crate::model::{
    ClassificationStatus, EconomicRow, ExpenditureRow, Fact, FactValue, Finding, Fund, Metric,
    Origin, Provenance, Severity, Source, SourceFile, Stage, TotalRow, UnitIdentity, Yuan,
};
use crate::reference::catalog::Catalog;
use crate::reference::tables::{is_total_label, TableKind};
use crate::reference::text::{clean_name, name_key};
use crate::transform::classify::{best_fuzzy, classify, FUZZY_MARGIN, FUZZY_THRESHOLD};
use crate::transform::tables::header::{code_table_row, numeric_row, read_header, Block, Header};
use crate::transform::{Extraction, ListTotal};

/// Where a row of a sheet is, as a reject names it: the sheet and its 1-based row, or for
/// a PDF's tables the page (`p12`) and the row on that page.
pub fn location(sheet: &Sheet, r: u32) -> (String, u32) {
    match sheet.origin(r) {
        Some((page, row)) => (format!("p{page}"), row),
        None => (sheet.name.clone(), r + 1),
    }
}

/// What every reader needs besides its block.
pub struct TableContext<'a> {
    pub catalog: &'a Catalog,
    pub sheet: &'a Sheet,
    pub sheet_name: Arc<str>,
    pub block: &'a Block,
    pub unit: &'a Arc<UnitIdentity>,
    pub file: &'a Arc<SourceFile>,
}

impl TableContext<'_> {
    /// Where row `r` is: sheet and 1-based row, or for a PDF's table its page and row on it.
    fn provenance(&self, r: u32) -> Provenance {
        let origin = match self.sheet.origin(r) {
            Some((page, row)) => Origin::PdfTable { page, row },
            None => Origin::Cell {
                sheet: self.sheet_name.clone(),
                row: r + 1,
            },
        };
        Provenance {
            file: self.file.clone(),
            origin,
        }
    }

    fn reject_row(&self, out: &mut Extraction, r: u32, reason: String) {
        let (sheet, row) = location(self.sheet, r);
        out.reject(
            self.file,
            Some(&sheet),
            Some(row),
            Stage::Extract,
            reason,
            Some(self.sheet.row_text(r)),
        );
    }

    fn fact(&self, out: &mut Extraction, metric: Metric, value: Option<Yuan>, r: u32) {
        if let Some(v) = value {
            out.facts.push(Fact {
                metric,
                value: FactValue::Money(v),
                provenance: self.provenance(r),
            });
        }
    }

    /// Data rows: from `start` to the end of the block, skipping blank rows, stopping at
    /// footnotes (注：, 说明：, 备注).
    fn data_rows(&self, start: u32) -> impl Iterator<Item = u32> + '_ {
        (start..self.block.end)
            .filter(|&r| self.sheet.filled(r) > 0)
            .take_while(|&r| {
                let key = name_key(&self.sheet.row_text(r));
                !(key.starts_with("注") || key.starts_with("说明") || key.starts_with("备注"))
            })
    }

    fn amount(
        &self,
        r: u32,
        col: Option<u32>,
        header: &Header,
        label: &str,
    ) -> Result<Option<Yuan>, String> {
        match col {
            None => Ok(None),
            Some(c) => self
                .sheet
                .amount(r, c, header.unit)
                .map_err(|e| format!("{label} column: {e}")),
        }
    }
}

/// How a name-only row was resolved.
enum ByName {
    /// The catalogue has exactly this name (after width folding and 支出 suffixes).
    Exact(String),
    /// The closest catalogue name, above the threshold and clear of the runner-up.
    Fuzzy {
        code: String,
        name: String,
        score: f64,
    },
}

/// The code a name-only row denotes: a 类 by name anywhere; a 款 or 项 by exact name among
/// the children of `context` (the last 类 or 款 above the row) and of its 类. Failing that, the
/// closest name among the same candidates when it scores at least
/// [`FUZZY_THRESHOLD`] and leads the runner-up by [`FUZZY_MARGIN`] (a name cut or misspelt
/// in print); otherwise the row stays unresolved.
fn resolve_by_name(
    catalog: &Catalog,
    name: &str,
    year: i32,
    context: Option<&str>,
) -> Option<ByName> {
    if let Some((code, _)) = catalog.category_by_name(name, year) {
        return Some(ByName::Exact(code));
    }
    let key = name_key(name);
    let scopes: Vec<&str> = context
        .map(|c| {
            let mut s = vec![c];
            if c.len() > 3 {
                s.push(&c[..3]);
            }
            s
        })
        .unwrap_or_default();
    let exact = scopes.iter().find_map(|scope| {
        let matches: Vec<String> = catalog
            .children(scope, year)
            .into_iter()
            .filter(|c| name_key(&c.name) == key)
            .map(|c| c.code.clone())
            .collect();
        // 行政运行 is a child of many 款: only a single match within the scope counts.
        (matches.len() == 1).then(|| matches[0].clone())
    });
    if let Some(code) = exact {
        return Some(ByName::Exact(code));
    }
    // Nearest scope first, as for exact names: a 款 and its only 项 often share a name.
    let categories: Vec<&crate::reference::catalog::CodeRow> = catalog
        .functions_in(year)
        .into_iter()
        .filter(|r| r.code.len() == 3)
        .collect();
    let (row, score) = scopes
        .iter()
        .map(|scope| catalog.children(scope, year))
        .chain(std::iter::once(categories))
        .find_map(|candidates| best_fuzzy(name, candidates))?;
    Some(ByName::Fuzzy {
        code: row.code.clone(),
        name: row.name.clone(),
        score,
    })
}

/// The 类 and 款 above the current row of a three-column code layout, for rows that leave
/// their parents blank.
#[derive(Debug, Default)]
struct Carry {
    lei: Option<String>,
    kuan: Option<String>,
}

/// The digits of a split-code cell: "201", "01", a number cell 1.0 → "01" (`width` digits).
fn code_part(sheet: &Sheet, r: u32, c: u32, width: usize) -> Option<String> {
    let digits = match sheet.get(r, c) {
        calamine::Data::String(s) => crate::reference::text::fold_width(s.trim()).into_owned(),
        calamine::Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 => format!("{}", *f as u64),
        calamine::Data::Int(i) if *i >= 0 => i.to_string(),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > width || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{digits:0>width$}"))
}

/// A code from 类 | 款 | 项 columns; blank or merged parent cells take the parent above.
fn split_code(sheet: &Sheet, r: u32, cols: [u32; 3], carry: &mut Carry) -> Option<String> {
    let lei = code_part(sheet, r, cols[0], 3).filter(|l| l.len() == 3);
    let kuan = code_part(sheet, r, cols[1], 2);
    let xiang = code_part(sheet, r, cols[2], 2);
    if let Some(l) = &lei {
        if carry.lei.as_ref() != Some(l) {
            carry.kuan = None;
        }
        carry.lei = Some(l.clone());
    }
    if let Some(k) = &kuan {
        carry.kuan = Some(k.clone());
    }
    match (xiang, kuan) {
        (Some(x), _) => Some(format!(
            "{}{}{x}",
            carry.lei.as_ref()?,
            carry.kuan.as_ref()?
        )),
        (None, Some(k)) => Some(format!("{}{k}", carry.lei.as_ref()?)),
        (None, None) => lei,
    }
}

/// Expenditure columns of a function-code table, found by header text.
#[derive(Debug, Default)]
struct ExpenditureColumns {
    code: Option<u32>,
    /// 类 | 款 | 项 in three columns (款/项 as two digits).
    split: [Option<u32>; 3],
    name: Option<u32>,
    actual: Option<u32>,
    basic: Option<u32>,
    project: Option<u32>,
    budget_initial: Option<u32>,
    budget_final: Option<u32>,
}

fn expenditure_columns(header: &Header) -> ExpenditureColumns {
    let mut c = ExpenditureColumns::default();
    for (col, parts) in &header.columns {
        let full: String = parts.concat();
        let leaf = parts.last().map(String::as_str).unwrap_or("");
        let slot = |s: &mut Option<u32>| {
            s.get_or_insert(*col);
        };
        let total_or_single = !leaf.contains("基本") && !leaf.contains("项目");
        if let Some(i) = ["类", "款", "项"].iter().position(|l| leaf == *l) {
            c.split[i].get_or_insert(*col);
        } else if full.contains("编码") || full.contains("代码") {
            slot(&mut c.code);
        } else if leaf.contains("名称") || leaf == "项目" {
            slot(&mut c.name);
        } else if full.contains("年初预算") {
            if total_or_single {
                slot(&mut c.budget_initial);
            }
        } else if full.contains("全年预算")
            || full.contains("调整预算")
            || full.contains("调整后预算")
        {
            if total_or_single {
                slot(&mut c.budget_final);
            }
        } else if leaf == "预算数" || leaf == "预算" {
            // A bare 预算数 (older MOF tables: 预算数 | 决算数) is the budget set at the start
            // of the year; a table with both names them 年初/全年.
            if total_or_single {
                slot(&mut c.budget_initial);
            }
        } else if full.contains("收入") || full.contains("结转") || full.contains("结余") {
            // income and carry-over columns of tables 08/09: not expenditure
        } else if leaf.contains("基本支出") {
            slot(&mut c.basic);
        } else if leaf.contains("项目支出") {
            slot(&mut c.project);
        } else if leaf.contains("合计")
            || matches!(leaf, "决算数" | "本年支出" | "支出决算" | "金额")
        {
            slot(&mut c.actual);
        }
    }
    c
}

/// Tables 03/05/08/09: one row per function code with 合计/基本/项目 (and budgets).
pub fn expenditure_table(
    t: &TableContext,
    fund: Fund,
    out: &mut Extraction,
) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let columns = expenditure_columns(&header);
    if columns.actual.is_none() {
        return Err("no 合计 / 决算数 / 本年支出 column in the header".into());
    }
    let code_col = columns.code.unwrap_or(t.sheet.first_col);
    let name_col = columns.name.unwrap_or(code_col + 1);
    let source = Source::Table(t.block.kind);

    let mut carry = Carry::default();
    // The 类 or 款 of the last row with a code, for name-only rows below it.
    let mut context: Option<String> = None;
    let mut printed: HashMap<String, String> = HashMap::new();
    let mut first_seen: HashMap<String, u32> = HashMap::new();
    let mut pending = Vec::new();
    for r in t.data_rows(header.data_start) {
        let read = |col, label| t.amount(r, col, &header, label);
        let amounts = (|| {
            Ok::<_, String>([
                read(columns.actual, "合计")?,
                read(columns.basic, "基本支出")?,
                read(columns.project, "项目支出")?,
                read(columns.budget_initial, "年初预算数")?,
                read(columns.budget_final, "全年预算数")?,
            ])
        })();
        let [actual, basic, project, budget_initial, budget_final] = match amounts {
            Ok(a) => a,
            Err(reason) => {
                t.reject_row(out, r, reason);
                continue;
            }
        };
        let code = if let [Some(lei), Some(kuan), Some(xiang)] = columns.split {
            split_code(t.sheet, r, [lei, kuan, xiang], &mut carry).map(|c| (c, String::new()))
        } else {
            t.sheet
                .code(r, code_col)
                .or_else(|| t.sheet.code(r, name_col))
        };
        // A row without a code ("七、文化旅游体育与传媒支出"): a total, or a name resolved in
        // the catalogue: a 类 by its name, a 款 or 项 by name among the children of the
        // 类/款 above it.
        let (code, rest, by_name) = match code {
            Some((code, rest)) => (code, rest, false),
            None => {
                // The total label may stand in the name column with 类 | 款 | 项 beside it,
                // or (printed without rules) under any of the code columns.
                let label = (t.sheet.first_col..=name_col.max(code_col))
                    .filter_map(|c| t.sheet.text(r, c))
                    .find(|l| is_total_label(l))
                    .or_else(|| t.sheet.text(r, code_col))
                    .or_else(|| t.sheet.text(r, name_col))
                    .unwrap_or("");
                if is_total_label(label) {
                    out.totals.push(TotalRow {
                        fund,
                        source,
                        label: clean_name(label),
                        actual,
                        basic,
                        project,
                        provenance: t.provenance(r),
                    });
                    continue;
                }
                let name = crate::reference::text::strip_ordinal(&clean_name(label)).to_string();
                // Digits that are no code ("2０1x", "20101x"): a broken code, not a name.
                let folded = crate::reference::text::fold_width(&name);
                if folded.starts_with(|c: char| c.is_ascii_digit()) {
                    t.reject_row(
                        out,
                        r,
                        format!("code cell {label:?} is not a function code (3, 5 or 7 digits)"),
                    );
                    continue;
                }
                match resolve_by_name(t.catalog, &name, t.unit.year, context.as_deref()) {
                    Some(ByName::Exact(code)) => (code, name, true),
                    Some(ByName::Fuzzy {
                        code,
                        name: matched,
                        score,
                    }) => {
                        out.findings.push(Finding {
                            unit: Some(t.unit.clone()),
                            file: t.file.clone(),
                            rule: crate::model::RuleId::ClassifyFuzzyName,
                            severity: Severity::Info,
                            message: format!(
                                "no code printed, and no catalogue name is {name:?}; taken as {code} {matched:?} (similarity {score:.2} ≥ {FUZZY_THRESHOLD}, ahead of the next by ≥ {FUZZY_MARGIN})"
                            ),
                            expected: Some(matched),
                            actual: Some(name.clone()),
                            tolerance: Some(format!("{FUZZY_THRESHOLD}")),
                            references: vec![t.provenance(r).reference()],
                        });
                        (code, name, true)
                    }
                    None => {
                        t.reject_row(out, r, format!("no function code in this row, and no code of the catalogue is named {name:?} here"));
                        continue;
                    }
                }
            }
        };
        if code.len() < 7 {
            context = Some(code.clone());
        }
        let name_cell = t
            .sheet
            .text(r, name_col)
            .map(clean_name)
            .unwrap_or_default();
        let name_printed = if by_name || name_cell.is_empty() || t.sheet.code(r, name_col).is_some()
        {
            clean_name(&rest)
        } else {
            name_cell
        };
        if let Some(first) = first_seen.get(&code) {
            t.reject_row(
                out,
                r,
                format!("code {code} appears twice in this table (first at row {first})"),
            );
            continue;
        }
        first_seen.insert(code.clone(), r + 1);
        printed.insert(code.clone(), name_printed.clone());
        let Some(actual) = actual else {
            if basic.is_some() || project.is_some() {
                t.reject_row(
                    out,
                    r,
                    "合计 is blank while 基本支出/项目支出 are filled".into(),
                );
            }
            // A template row printed without figures carries nothing to load.
            continue;
        };
        pending.push((
            code,
            name_printed,
            actual,
            basic,
            project,
            budget_initial,
            budget_final,
            r,
            by_name,
        ));
    }

    let year = t.unit.year;
    let mut loaded = 0;
    for (code, name_printed, actual, basic, project, budget_initial, budget_final, r, by_name) in
        pending
    {
        let parent_name = |c: &str| printed.get(c).cloned();
        let Some(mut classified) = classify(t.catalog, &code, &name_printed, year, &parent_name)
        else {
            continue;
        };
        if by_name {
            classified.status = ClassificationStatus::ResolvedByName;
        }
        let provenance = t.provenance(r);
        if classified.status == ClassificationStatus::Unknown {
            out.findings.push(Finding {
                unit: Some(t.unit.clone()),
                file: t.file.clone(),
                rule: crate::model::RuleId::ClassifyUnknownCode,
                severity: Severity::Warning,
                message: format!("code {code} {name_printed:?} is not in the catalogue for {year}; kept as printed"),
                expected: None,
                actual: Some(code.clone()),
                tolerance: None,
                references: vec![provenance.reference()],
            });
        }
        out.expenditure.push(ExpenditureRow {
            unit: t.unit.clone(),
            fund,
            source,
            code: classified,
            name_printed,
            actual,
            basic,
            project,
            budget_initial,
            budget_final,
            provenance,
        });
        loaded += 1;
    }
    if fund == Fund::All {
        // The 合计 row of 支出决算表 is the department's expenditure (units).
        let totals: Vec<(u32, [Option<Yuan>; 3])> = out
            .totals
            .iter()
            .filter(|tr| tr.source == source && name_key(&tr.label) == "合计")
            .map(|tr| {
                (
                    tr.provenance.origin.row() - 1,
                    [tr.actual, tr.basic, tr.project],
                )
            })
            .collect();
        if let Some((r, [actual, basic, project])) = totals.first().copied() {
            t.fact(out, Metric::ExpenditureTotal, actual, r);
            t.fact(out, Metric::Basic, basic, r);
            t.fact(out, Metric::Project, project, r);
        }
    }
    Ok(loaded)
}

/// Table 02: the 合计 row gives income in total and by source (units).
pub fn income_totals(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let metrics = [
        ("本年收入合计", Metric::IncomeTotal),
        ("财政拨款收入", Metric::IncomeFiscal),
        ("上级补助收入", Metric::IncomeSuperior),
        ("事业收入", Metric::IncomeBusiness),
        ("经营收入", Metric::IncomeOperating),
        ("附属单位上缴收入", Metric::IncomeAffiliated),
        ("其他收入", Metric::IncomeOther),
    ];
    // The 合计 label stands left of the row's amounts: in the code column, or in the name
    // column with 类 | 款 | 项 before it.
    let Some(r) = t.data_rows(header.data_start).find(|&r| {
        (t.sheet.first_col..t.sheet.end_col)
            .take_while(|&c| !t.sheet.is_number(r, c))
            .any(|c| t.sheet.text(r, c).is_some_and(|s| name_key(s) == "合计"))
    }) else {
        return Err("no 合计 row in 收入决算表".into());
    };
    let mut found = 0;
    for (label, metric) in metrics {
        let col = header.find(|full, parts| {
            parts.last().is_some_and(|l| l.contains(label))
                || (label == "本年收入合计" && full == "合计")
        });
        match t.amount(r, col, &header, label) {
            Ok(value) => {
                found += usize::from(value.is_some());
                t.fact(out, metric, value, r);
            }
            Err(reason) => t.reject_row(out, r, reason),
        }
    }
    Ok(found)
}

/// Table 07: one data row of (预算数, 决算数) pairs per item (units).
pub fn three_public(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, numeric_row)?;
    let r = header.data_start;
    let mut found = 0;
    for (col, parts) in &header.columns {
        let full: String = parts.concat();
        // (budget, actual) of the item the column names.
        let item = if full.contains("公务用车运行维护费")
            || (full.contains("运行维护费") && !full.contains("购置及"))
        {
            (
                Metric::VehicleOperationBudget,
                Metric::VehicleOperationActual,
            )
        } else if full.contains("公务用车购置费") {
            (Metric::VehiclePurchaseBudget, Metric::VehiclePurchaseActual)
        } else if full.contains("公务用车") {
            (Metric::VehiclesBudget, Metric::VehiclesActual)
        } else if full.contains("出国") {
            (Metric::OverseasBudget, Metric::OverseasActual)
        } else if full.contains("接待") {
            (Metric::ReceptionBudget, Metric::ReceptionActual)
        } else if full.contains("合计") {
            (Metric::ThreePublicBudget, Metric::ThreePublicActual)
        } else {
            continue;
        };
        let metric = if full.contains("预算") {
            item.0
        } else if full.contains("决算") {
            item.1
        } else {
            continue;
        };
        match t.sheet.amount(r, *col, header.unit) {
            Ok(value) => {
                found += usize::from(value.is_some());
                t.fact(out, metric, value, r);
            }
            Err(reason) => t.reject_row(out, r, format!("{full}: {reason}")),
        }
    }
    Ok(found)
}

/// Table 06 and Beijing's 政府性基金预算财政拨款基本支出决算表: side-by-side blocks of
/// (经济分类科目编码, 科目名称, 决算数), matched by code only.
pub fn economic_table(t: &TableContext, fund: Fund, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let code_cols: Vec<u32> = header
        .columns
        .iter()
        .filter(|(_, p)| p.concat().contains("编码"))
        .map(|(c, _)| *c)
        .collect();
    if code_cols.is_empty() {
        return Err("no 经济分类科目编码 column".into());
    }
    // 类 | 款 printed in two columns (301 | 01) are one code column.
    let leaf = |col: u32| {
        header
            .columns
            .iter()
            .find(|(c, _)| *c == col)
            .and_then(|(_, p)| p.last())
            .map(String::as_str)
    };
    let mut groups: Vec<(u32, Option<u32>)> = Vec::new();
    let mut i = 0;
    while i < code_cols.len() {
        let col = code_cols[i];
        match code_cols.get(i + 1) {
            Some(&next)
                if next == col + 1 && leaf(col) == Some("类") && leaf(next) == Some("款") =>
            {
                groups.push((col, Some(next)));
                i += 2;
            }
            _ => {
                groups.push((col, None));
                i += 1;
            }
        }
    }
    let mut loaded = 0;
    let year = t.unit.year;
    let source = Source::Table(t.block.kind);
    for (i, &(code_col, kuan_col)) in groups.iter().enumerate() {
        let next = groups.get(i + 1).map(|g| g.0).unwrap_or(u32::MAX);
        let last_code_col = kuan_col.unwrap_or(code_col);
        let value_col = header
            .columns
            .iter()
            .find(|(c, p)| {
                *c > last_code_col && *c < next && {
                    let f = p.concat();
                    f.contains("决算") || f.contains("金额") || f.contains("合计")
                }
            })
            .map(|(c, _)| *c);
        let Some(value_col) = value_col else {
            return Err(format!(
                "no 决算数 column after the code column {}",
                code_col + 1
            ));
        };
        let name_col = last_code_col + 1;
        for r in t.data_rows(header.data_start) {
            let code = match kuan_col {
                Some(kuan) => split_economic_code(t.sheet, r, code_col, kuan),
                None => t.sheet.code(r, code_col).filter(|(c, _)| c.len() <= 5),
            };
            let Some((code, rest)) = code else {
                if let Some(label) = t.sheet.text(r, code_col).filter(|l| is_total_label(l)) {
                    let actual = t.sheet.amount(r, value_col, header.unit).ok().flatten();
                    // 人员经费合计 / 公用经费合计 of the general-public table: `units` facts
                    // the report states too.
                    if fund == Fund::GeneralPublic {
                        match name_key(label).as_str() {
                            "人员经费合计" => t.fact(out, Metric::PersonnelCosts, actual, r),
                            "公用经费合计" => t.fact(out, Metric::PublicCosts, actual, r),
                            _ => {}
                        }
                    }
                    out.totals.push(TotalRow {
                        fund,
                        source,
                        label: clean_name(label),
                        actual,
                        basic: actual,
                        project: None,
                        provenance: t.provenance(r),
                    });
                }
                continue;
            };
            let actual = match t.sheet.amount(r, value_col, header.unit) {
                Ok(Some(v)) => v,
                Ok(None) => continue, // template row printed empty
                Err(reason) => {
                    t.reject_row(out, r, format!("决算数 column: {reason}"));
                    continue;
                }
            };
            let name_printed = t
                .sheet
                .text(r, name_col)
                .map(clean_name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| clean_name(&rest));
            let (name, status) = match t.catalog.economic(&code, year) {
                Some(row)
                    if name_key(&row.name) == name_key(&name_printed)
                        || name_printed.is_empty() =>
                {
                    (row.name.clone(), ClassificationStatus::Exact)
                }
                Some(row) => (row.name.clone(), ClassificationStatus::NameVariant),
                None => (name_printed.clone(), ClassificationStatus::Unknown),
            };
            out.economic.push(EconomicRow {
                unit: t.unit.clone(),
                fund,
                source,
                code,
                name,
                name_printed,
                status,
                actual,
                provenance: t.provenance(r),
            });
            loaded += 1;
        }
    }
    Ok(loaded)
}

/// An economic code printed as 类 | 款 in two cells (`301` | `01`, or `301` | blank for
/// the 类 itself).
fn split_economic_code(sheet: &Sheet, r: u32, lei: u32, kuan: u32) -> Option<(String, String)> {
    let digits = |col: u32, len: usize| {
        sheet
            .text(r, col)
            .map(|t| crate::reference::text::fold_width(t).into_owned())
            .filter(|t| t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
    };
    let lei = digits(lei, 3)?;
    match sheet.text(r, kuan) {
        None => Some((lei, String::new())),
        Some(_) => Some((format!("{lei}{}", digits(kuan, 2)?), String::new())),
    }
}

/// An amount cell as read: blank, a value, or why it is no amount.
type AmountRead = Result<Option<Yuan>, String>;

/// What a label of a two-sided summary table (01, 04) means for `units`.
fn summary_metric(label: &str) -> Option<Metric> {
    let key = name_key(crate::reference::text::strip_ordinal(label));
    let key = key.trim_end_matches("收入");
    Some(match key {
        "一般公共预算财政拨款" => Metric::IncomeGeneralPublic,
        "政府性基金预算财政拨款" => Metric::IncomeGovernmentFund,
        "国有资本经营预算财政拨款" => Metric::IncomeStateCapital,
        "上级补助" => Metric::IncomeSuperior,
        "事业" => Metric::IncomeBusiness,
        "经营" => Metric::IncomeOperating,
        "附属单位上缴" => Metric::IncomeAffiliated,
        "其他" => Metric::IncomeOther,
        _ => match name_key(label).as_str() {
            "本年收入合计" => Metric::IncomeTotal,
            "本年支出合计" => Metric::ExpenditureTotal,
            "年初结转和结余" => Metric::CarryoverStart,
            "年末结转和结余" => Metric::CarryoverEnd,
            _ => return None,
        },
    })
}

/// Tables 01 and 04: two independent (项目, 决算数…) blocks side by side. The left block's
/// income lines and the totals go to `units`; the right block's 类 lines (printed by name
/// with an ordinal, no code) become `expenditure` rows of the table, resolved by name. In
/// table 04 the 本年支出合计 line gives each fund's expenditure.
pub fn summary_table(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, numeric_row)?;
    let labels: Vec<u32> = header
        .columns
        .iter()
        .filter(|(_, p)| p.last().is_some_and(|l| l.contains("项目")))
        .map(|(c, _)| *c)
        .collect();
    if labels.len() < 2 {
        return Err("no 项目 columns for the two sides of the table".into());
    }
    // 行次 columns number the lines (1, 2, 3 …): not amounts.
    let row_number = |c: u32| {
        header
            .columns
            .iter()
            .any(|(col, p)| *col == c && p.last().is_some_and(|l| l == "行次"))
    };
    let value_cols = |label: u32, next: u32| -> Vec<(u32, String)> {
        header
            .columns
            .iter()
            .filter(|(c, _)| *c > label && *c < next && !row_number(*c))
            .map(|(c, p)| (*c, p.concat()))
            .collect()
    };
    let (left, right) = (labels[0], labels[1]);
    let left_values = value_cols(left, right);
    let right_values = value_cols(right, u32::MAX);
    let source = Source::Table(t.block.kind);
    let fund_of = |h: &str| {
        if h.contains("一般公共预算") {
            Some(Fund::GeneralPublic)
        } else if h.contains("政府性基金") {
            Some(Fund::GovernmentFund)
        } else if h.contains("国有资本经营") {
            Some(Fund::StateCapital)
        } else {
            None
        }
    };
    let mut loaded = 0;
    for r in t.data_rows(header.data_start) {
        // Left: income by source, totals.
        if let (Some(label), Some((col, _))) = (t.sheet.text(r, left), left_values.first()) {
            // 总计 (income plus carry-over) is the table's 收支总计: of all funds in 01, of
            // fiscal funds in 04.
            let grand_total = (name_key(label) == "总计").then(|| match t.block.kind {
                TableKind::FiscalSummary => Metric::FiscalTotal,
                _ => Metric::TotalIncomeExpenditure,
            });
            if let Some(metric) = grand_total.or_else(|| summary_metric(label)) {
                match t.sheet.amount(r, *col, header.unit) {
                    Ok(v) => t.fact(out, metric, v, r),
                    Err(reason) => t.reject_row(out, r, format!("{label}: {reason}")),
                }
            }
        }
        let Some(label) = t.sheet.text(r, right).map(str::to_string) else {
            continue;
        };
        let amounts: Vec<(Option<Fund>, AmountRead)> = right_values
            .iter()
            .map(|(c, h)| (fund_of(h), t.sheet.amount(r, *c, header.unit)))
            .collect();
        if let Some((_, Err(reason))) = amounts.iter().find(|(_, a)| a.is_err()) {
            t.reject_row(out, r, format!("{label}: {reason}"));
            continue;
        }
        let total = amounts
            .iter()
            .find(|(f, _)| f.is_none())
            .and_then(|(_, a)| a.clone().ok().flatten());
        if let Some(metric) = summary_metric(&label).filter(|m| *m != Metric::ExpenditureTotal) {
            t.fact(out, metric, total, r);
            continue;
        }
        if name_key(&label) == "本年支出合计" {
            t.fact(out, Metric::ExpenditureTotal, total, r);
            for (fund, amount) in &amounts {
                let metric = match fund {
                    Some(Fund::GeneralPublic) => Metric::ExpenditureGeneralPublic,
                    Some(Fund::GovernmentFund) => Metric::ExpenditureGovernmentFund,
                    Some(Fund::StateCapital) => Metric::ExpenditureStateCapital,
                    _ => continue,
                };
                t.fact(out, metric, amount.clone().ok().flatten(), r);
            }
            continue;
        }
        // A 类 by name ("七、文化旅游体育与传媒支出"): only table 01's all-fund line is loaded;
        // table 04 repeats the fund tables.
        if t.block.kind != crate::reference::tables::TableKind::IncomeExpenditureSummary {
            continue;
        }
        let Some(actual) = total else { continue };
        let Some((code, status)) = t.catalog.category_by_name(&label, t.unit.year) else {
            if summary_metric(&label).is_none()
                && !is_total_label(&label)
                && !name_key(&label).contains("结转")
                && !name_key(&label).contains("结余")
            {
                t.reject_row(out, r, format!("no 类 in the catalogue is named {label:?}"));
            }
            continue;
        };
        let name_printed = clean_name(crate::reference::text::strip_ordinal(&label));
        let Some(mut classified) =
            classify(t.catalog, &code, &name_printed, t.unit.year, &|_| None)
        else {
            continue;
        };
        classified.status = status;
        out.expenditure.push(ExpenditureRow {
            unit: t.unit.clone(),
            fund: Fund::All,
            source,
            code: classified,
            name_printed,
            actual,
            basic: None,
            project: None,
            budget_initial: None,
            budget_final: None,
            provenance: t.provenance(r),
        });
        loaded += 1;
    }
    Ok(loaded)
}

/// The row of a one-line table that gives the unit's figures: its 合计/总计 row, or its only
/// data row. Several unit rows without a total are summed by the caller.
fn label_is_total(t: &TableContext, r: u32) -> bool {
    (t.sheet.first_col..t.sheet.end_col.min(t.sheet.first_col + 3))
        .any(|c| t.sheet.text(r, c).is_some_and(is_total_label))
}

/// A data row of a list table: any number in it, or a total label in its leading columns
/// with no other words beside it (`合计 | 货物 | 工程 | 服务` under a group label is a header).
fn list_row(sheet: &Sheet, r: u32) -> bool {
    if name_key(&sheet.row_text(r)).starts_with("栏次") {
        return false;
    }
    let cols = sheet.first_col..sheet.end_col;
    let numbers = cols.clone().any(|c| {
        matches!(
            sheet.get(r, c),
            calamine::Data::Float(_) | calamine::Data::Int(_)
        ) || sheet.is_number(r, c)
    });
    let worded = |c: u32| {
        !sheet.is_merged_tail(r, c)
            && sheet
                .text(r, c)
                .is_some_and(|t| t.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)))
    };
    numbers
        || (cols.clone().filter(|&c| worded(c)).count() == 1
            && cols.take(2).any(|c| {
                !sheet.is_merged_tail(r, c) && sheet.text(r, c).is_some_and(is_total_label)
            }))
}

/// Beijing's 政府采购情况表: procurement by kind (货物, 工程, 服务) and the contracts awarded to
/// small and medium firms, per purchasing unit, with a 合计 row. Planned amounts (采购计划) are
/// not in `units`; actual ones are. Read from the 合计 row, or the only unit's row.
pub fn procurement(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, list_row)?;
    let rows: Vec<u32> = t.data_rows(header.data_start).collect();
    let r = match rows.iter().copied().find(|&r| label_is_total(t, r)) {
        Some(r) => r,
        None if rows.len() == 1 => rows[0],
        None => {
            return Err(format!(
                "{} purchasing units and no 合计 row: the department's figures are not printed",
                rows.len()
            ))
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut found = 0;
    for (col, parts) in &header.columns {
        let full = parts.concat();
        if full.contains("计划") || full.contains("预算") || full.contains("序号") {
            continue;
        }
        let leaf = parts.last().map(String::as_str).unwrap_or("");
        let metric = if full.contains("小微企业") {
            Metric::ProcurementSmallMicro
        } else if full.contains("中小企业") {
            Metric::ProcurementSme
        } else if leaf.contains("货物") {
            Metric::ProcurementGoods
        } else if leaf.contains("工程") {
            Metric::ProcurementWorks
        } else if leaf.contains("服务") {
            Metric::ProcurementServices
        } else if leaf.contains("合计") || leaf.contains("总计") || leaf.contains("总额") {
            Metric::ProcurementTotal
        } else {
            continue;
        };
        if !seen.insert(metric) {
            continue;
        }
        match t.sheet.amount(r, *col, header.unit) {
            Ok(value) => {
                found += usize::from(value.is_some());
                t.fact(out, metric, value, r);
            }
            Err(reason) => t.reject_row(out, r, format!("{full}: {reason}")),
        }
    }
    if found == 0 {
        return Err("no 实际采购金额 column (合计 / 货物 / 工程 / 服务) in the header".into());
    }
    Ok(found)
}

/// Beijing's 政府购买服务决算公开情况表: one row per purchased service with its amount. The
/// total goes to `units` (`purchased_services`): the 合计 row when printed, checked against
/// the sum of the items; otherwise the exact sum of the items.
pub fn purchased_services(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, list_row)?;
    let col = header
        .find(|full, parts| {
            let leaf = parts.last().map(String::as_str).unwrap_or("");
            !full.contains("预算")
                && (leaf.contains("金额") || leaf.contains("决算") || leaf.contains("支出"))
        })
        .ok_or("no 金额 / 决算数 column in the header")?;
    let mut total: Option<(u32, Yuan)> = None;
    let mut sum = Yuan::ZERO;
    let mut items = 0;
    let mut listed = Vec::new();
    let mut first_item = None;
    for r in t.data_rows(header.data_start) {
        let value = match t.sheet.amount(r, col, header.unit) {
            Ok(v) => v,
            Err(reason) => {
                t.reject_row(out, r, format!("金额 column: {reason}"));
                continue;
            }
        };
        if label_is_total(t, r) {
            if let (None, Some(v)) = (total, value) {
                total = Some((r, v));
            }
            continue;
        }
        if let Some(v) = value {
            sum += v;
            items += 1;
            listed.push(v);
            first_item.get_or_insert(r);
        }
    }
    match total {
        Some((r, v)) => {
            t.fact(out, Metric::PurchasedServices, Some(v), r);
            if items > 0 {
                // Checked by reconcile, within the rounding of every cell.
                out.lists.push(ListTotal {
                    what: "政府购买服务",
                    total: v,
                    items: listed,
                    at: t.provenance(r),
                });
            }
        }
        None => {
            if let Some(r) = first_item {
                t.fact(out, Metric::PurchasedServices, Some(sum), r);
            }
        }
    }
    Ok(items)
}
