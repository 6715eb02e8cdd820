//! Workbooks (.xlsx, .xls): finds every standard table by its title, wherever it sits (one
//! sheet per table, several tables on a sheet), decides whose document it is, and reads the
//! function-code expenditure tables into exact, sourced rows.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use calamine::{open_workbook_auto, Reader, Sheets};

use crate::catalog::Catalog;
use crate::extract::sheet::Sheet;
use crate::extract::tables::{is_total_label, TableKind};
use crate::extract::{Extraction, TableReport, TableStatus};
use crate::model::{
    ExpenditureRow, Fund, MoneyUnit, Provenance, SourceFile, Stage, TotalRow, UnitIdentity, Yuan,
};
use crate::transform::classify::classify;
use crate::transform::identify::{resolve, ContentHints, PathHints};
use crate::transform::text::{clean_name, name_key};
use crate::units::UnitRegistry;

/// One table found on a sheet: rows `start..end` (absolute, `start` is the title row).
struct Block {
    sheet: usize,
    kind: TableKind,
    title: String,
    start: u32,
    end: u32,
}

pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub units: &'a UnitRegistry,
}

pub fn extract(
    ctx: &Context,
    path: &Path,
    file: &Arc<SourceFile>,
    path_hints: &PathHints,
) -> Extraction {
    let mut out = Extraction::default();
    let sheets = match read_sheets(path) {
        Ok(sheets) => sheets,
        Err(reason) => {
            out.reject(file, None, None, Stage::Extract, reason, None);
            return out;
        }
    };

    let mut blocks = Vec::new();
    let mut hints = ContentHints::default();
    for (i, sheet) in sheets.iter().enumerate() {
        let found = find_blocks(i, sheet, &mut hints);
        if found.is_empty()
            && sheet.end_row > sheet.first_row
            && (sheet.first_row..sheet.end_row).any(|r| sheet.filled(r) > 0)
        {
            let preview = (sheet.first_row..sheet.end_row.min(sheet.first_row + 3))
                .map(|r| sheet.row_text(r))
                .collect::<Vec<_>>()
                .join(" | ");
            out.tables.push(TableReport {
                sheet: sheet.name.clone(),
                title: String::new(),
                table: None,
                status: TableStatus::Unrecognised,
                rows: 0,
                reason: Some(
                    "no standard table title (收入支出决算总表, 支出决算表 …) found on this sheet"
                        .into(),
                ),
            });
            out.reject(
                file,
                Some(&sheet.name),
                None,
                Stage::Identify,
                "no standard table title found on this sheet".into(),
                Some(preview),
            );
        }
        blocks.extend(found);
    }
    if blocks.is_empty() {
        if sheets
            .iter()
            .all(|s| (s.first_row..s.end_row).all(|r| s.filled(r) == 0))
        {
            out.reject(
                file,
                None,
                None,
                Stage::Extract,
                "the workbook has no cells".into(),
                None,
            );
        }
        return out;
    }

    let resolution = match resolve(ctx.units, &hints, path_hints) {
        Ok(r) => r,
        Err(reason) => {
            out.reject(
                file,
                None,
                None,
                Stage::Identify,
                reason,
                hints.texts.first().cloned(),
            );
            return out;
        }
    };
    out.warnings.extend(resolution.warnings);
    let identity = Arc::new(resolution.identity);
    out.identity = Some(identity.clone());

    for block in &blocks {
        let sheet = &sheets[block.sheet];
        let mut report = TableReport {
            sheet: sheet.name.clone(),
            title: block.title.clone(),
            table: Some(block.kind),
            status: TableStatus::Loaded,
            rows: 0,
            reason: None,
        };
        if is_empty_table(sheet, block) {
            report.status = TableStatus::Empty;
        } else if let Some(fund) = block.kind.expenditure_fund() {
            match read_expenditure_table(ctx, sheet, block, fund, &identity, file, &mut out) {
                Ok(rows) => report.rows = rows,
                Err(reason) => {
                    report.status = TableStatus::Rejected;
                    out.reject(
                        file,
                        Some(&sheet.name),
                        Some(block.start + 1),
                        Stage::Extract,
                        reason.clone(),
                        Some(block.title.clone()),
                    );
                    report.reason = Some(reason);
                }
            }
        } else {
            report.status = TableStatus::Deferred;
            report.reason = Some(format!(
                "{} ({}) is recognised but not extracted yet",
                block.kind.title(),
                block.kind.id()
            ));
        }
        out.tables.push(report);
    }
    out
}

fn read_sheets(path: &Path) -> Result<Vec<Sheet>, String> {
    let mut workbook =
        open_workbook_auto(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let names = workbook.sheet_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| format!("sheet {name}: cannot read cells: {e}"))?;
        let merges = match &mut workbook {
            Sheets::Xlsx(x) => x
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| format!("sheet {name}: cannot read merged cells: {e}"))?,
            Sheets::Xls(x) => x
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| format!("sheet {name}: cannot read merged cells: {e}"))?,
            _ => Vec::new(),
        };
        sheets.push(Sheet::new(name, range, &merges));
    }
    Ok(sheets)
}

/// Title rows start tables; a table runs to the next title or the end of the sheet.
/// Rows that may name the unit and year are offered to `hints` on the way.
fn find_blocks(sheet_index: usize, sheet: &Sheet, hints: &mut ContentHints) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for row in sheet.first_row..sheet.end_row {
        let filled = sheet.filled(row);
        if filled == 0 || filled > 4 {
            continue;
        }
        let text = sheet.row_text(row);
        if text.contains("编制单位") || text.contains("年度") {
            hints.offer(&text);
        }
        if let Some(kind) = TableKind::from_title(&text) {
            hints.offer(&text);
            if let Some(last) = blocks.last_mut() {
                last.end = row;
            }
            blocks.push(Block {
                sheet: sheet_index,
                kind,
                title: clean_name(&text),
                start: row,
                end: sheet.end_row,
            });
        }
    }
    blocks
}

fn is_empty_table(sheet: &Sheet, block: &Block) -> bool {
    if name_key(&block.title).contains("空表") {
        return true;
    }
    (block.start..block.end).any(|r| {
        let text = name_key(&sheet.row_text(r));
        text.contains("本表无数据") || text.contains("故本表无数据") || text.contains("本表为空")
    })
}

/// Which column holds what, found from the header text.
#[derive(Debug, Default)]
struct Columns {
    code: Option<u32>,
    name: Option<u32>,
    actual: Option<u32>,
    basic: Option<u32>,
    project: Option<u32>,
    budget_initial: Option<u32>,
    budget_final: Option<u32>,
}

/// Header rows are those from the first row naming a code/name column down to the row
/// before the first data row. Returns the columns and the first data row.
fn read_header(sheet: &Sheet, block: &Block) -> Result<(Columns, u32, MoneyUnit), String> {
    let header_start = (block.start + 1..block.end)
        .find(|&r| {
            (sheet.first_col..sheet.end_col).any(|c| {
                sheet.text(r, c).is_some_and(|t| {
                    let k = name_key(t);
                    k.contains("科目编码")
                        || k.contains("科目代码")
                        || k.contains("科目名称")
                        || k == "项目"
                })
            })
        })
        .ok_or("no header row naming 科目编码 / 科目名称 / 项目")?;
    let unit = (block.start..=header_start)
        .find_map(|r| MoneyUnit::from_label(&sheet.row_text(r)))
        .ok_or(
            "no 单位 line (单位：万元 / 金额单位：元) above the header; amounts cannot be scaled",
        )?;

    // The header ends where data starts: a row with a code or a total label, or a 栏次 row.
    let mut data_start = None;
    for r in header_start + 1..block.end {
        let row_text = name_key(&sheet.row_text(r));
        // Only the leading (code/name) columns can hold a row label: a "合计" further right
        // is a header leaf (决算数 → 合计 | 基本支出 | 项目支出).
        let leading = sheet.first_col..sheet.end_col.min(sheet.first_col + 3);
        let has_code = leading.clone().any(|c| sheet.code(r, c).is_some());
        let has_total = leading
            .clone()
            .any(|c| sheet.text(r, c).is_some_and(is_total_label) && !sheet.is_merged_tail(r, c));
        if has_code || has_total {
            data_start = Some(r);
            break;
        }
        if row_text.starts_with("栏次") {
            data_start = Some(r + 1);
            break;
        }
    }
    let data_start = data_start.ok_or("no data rows under the header")?;
    let header_end = (header_start..data_start)
        .rev()
        .find(|&r| !name_key(&sheet.row_text(r)).starts_with("栏次"))
        .unwrap_or(header_start);

    let mut columns = Columns::default();
    for col in sheet.first_col..sheet.end_col {
        let mut parts: Vec<String> = Vec::new();
        for r in header_start..=header_end {
            if let Some(t) = sheet.text(r, col) {
                let k = name_key(t);
                if parts.last() != Some(&k) {
                    parts.push(k);
                }
            }
        }
        if parts.is_empty() {
            continue;
        }
        assign_column(&mut columns, col, &parts);
    }
    if columns.code.is_none() {
        columns.code = Some(sheet.first_col);
    }
    if columns.name.is_none() {
        columns.name = columns.code.map(|c| c + 1);
    }
    if columns.actual.is_none() {
        return Err("no 合计 / 决算数 / 本年支出 column in the header".into());
    }
    Ok((columns, data_start, unit))
}

fn assign_column(columns: &mut Columns, col: u32, parts: &[String]) {
    let full: String = parts.concat();
    let leaf = parts.last().map(String::as_str).unwrap_or("");
    let slot = |s: &mut Option<u32>| {
        if s.is_none() {
            *s = Some(col);
        }
    };
    if full.contains("编码") || full.contains("代码") {
        slot(&mut columns.code);
    } else if leaf.contains("名称") || leaf == "项目" {
        slot(&mut columns.name);
    } else if full.contains("年初预算") {
        if !leaf.contains("基本") && !leaf.contains("项目") {
            slot(&mut columns.budget_initial);
        }
    } else if full.contains("全年预算") || full.contains("调整预算") || full.contains("调整后预算")
    {
        if !leaf.contains("基本") && !leaf.contains("项目") {
            slot(&mut columns.budget_final);
        }
    } else if full.contains("收入") || full.contains("结转") || full.contains("结余") {
        // income and carry-over columns of tables 08/09: not expenditure
    } else if leaf.contains("基本支出") {
        slot(&mut columns.basic);
    } else if leaf.contains("项目支出") {
        slot(&mut columns.project);
    } else if leaf.contains("合计")
        || leaf == "决算数"
        || leaf == "本年支出"
        || leaf == "支出决算"
        || leaf == "金额"
    {
        slot(&mut columns.actual);
    }
}

fn read_expenditure_table(
    ctx: &Context,
    sheet: &Sheet,
    block: &Block,
    fund: Fund,
    identity: &Arc<UnitIdentity>,
    file: &Arc<SourceFile>,
    out: &mut Extraction,
) -> Result<usize, String> {
    let (columns, data_start, unit) = read_header(sheet, block)?;
    let sheet_name: Arc<str> = Arc::from(sheet.name.as_str());
    let source = block.kind.id();
    let code_col = columns.code.unwrap_or(sheet.first_col);
    let name_col = columns.name.unwrap_or(code_col + 1);

    // Printed names by code, so that parents unknown to the catalogue still get a name.
    let mut printed: HashMap<String, String> = HashMap::new();
    let mut first_seen: HashMap<String, u32> = HashMap::new();
    let mut pending = Vec::new();
    for r in data_start..block.end {
        if sheet.filled(r) == 0 {
            continue;
        }
        let row_text = sheet.row_text(r);
        let key = name_key(&row_text);
        if key.starts_with("注") || key.starts_with("说明") || key.starts_with("备注") {
            break;
        }
        let reject = |out: &mut Extraction, reason: String| {
            out.reject(
                file,
                Some(&sheet.name),
                Some(r + 1),
                Stage::Extract,
                reason,
                Some(row_text.clone()),
            );
        };
        let provenance = Provenance {
            file: file.clone(),
            sheet: Some(sheet_name.clone()),
            row: Some(r + 1),
        };
        let code = sheet.code(r, code_col).or_else(|| sheet.code(r, name_col));
        let name_cell = sheet.text(r, name_col).map(clean_name).unwrap_or_default();

        let read = |col: Option<u32>, label: &str| -> Result<Option<Yuan>, String> {
            match col {
                None => Ok(None),
                Some(c) => sheet
                    .amount(r, c, unit)
                    .map_err(|e| format!("{label} column: {e}")),
            }
        };
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
                reject(out, reason);
                continue;
            }
        };

        let Some((code, rest)) = code else {
            let label = sheet
                .text(r, code_col)
                .or_else(|| sheet.text(r, name_col))
                .unwrap_or("");
            if is_total_label(label) {
                out.totals.push(TotalRow {
                    fund,
                    source,
                    label: clean_name(label),
                    actual,
                    basic,
                    project,
                    provenance,
                });
            } else {
                reject(
                    out,
                    "no function code in this row (name-only rows are not resolved yet)".into(),
                );
            }
            continue;
        };
        let name_printed = if name_cell.is_empty() || sheet.code(r, name_col).is_some() {
            clean_name(&rest)
        } else {
            name_cell
        };
        if let Some(first) = first_seen.get(&code) {
            reject(
                out,
                format!("code {code} appears twice in this table (first at row {first})"),
            );
            continue;
        }
        first_seen.insert(code.clone(), r + 1);
        printed.insert(code.clone(), name_printed.clone());
        let Some(actual) = actual else {
            if basic.is_some() || project.is_some() {
                reject(
                    out,
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
            provenance,
        ));
    }

    let year = identity.year;
    let mut loaded = 0;
    for (code, name_printed, actual, basic, project, budget_initial, budget_final, provenance) in
        pending
    {
        let parent_name = |c: &str| printed.get(c).cloned();
        let Some(classified) = classify(ctx.catalog, &code, &name_printed, year, &parent_name)
        else {
            continue;
        };
        if classified.status == crate::model::ClassificationStatus::Unknown {
            out.warnings.push(format!(
                "{} [sheet {}] row {}: code {code} {name_printed:?} is not in the catalogue for {year}; kept as printed",
                file.display_path,
                sheet.name,
                provenance.row.unwrap_or(0)
            ));
        }
        out.expenditure.push(ExpenditureRow {
            unit: identity.clone(),
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
    Ok(loaded)
}
