//! Workbooks (.xlsx, .xls): finds every standard table by its title, wherever it sits (one
//! sheet per table, several tables on a sheet), decides whose document it is, and reads the
//! function-code expenditure tables into exact, sourced rows.

use std::path::Path;
use std::sync::Arc;

use calamine::{open_workbook_auto, Reader, Sheets};

use crate::catalog::Catalog;
use crate::extract::header::Block;
use crate::extract::readers::{
    economic_table, expenditure_table, income_totals, procurement, purchased_services,
    summary_table, three_public, TableContext,
};
use crate::extract::sheet::Sheet;
use crate::extract::tables::TableKind;
use crate::extract::{Extraction, TableReport, TableStatus};
use crate::model::{SourceFile, Stage};
use crate::transform::identify::{ContentHints, PathHints};
use crate::transform::text::{clean_name, name_key};
use crate::units::UnitRegistry;

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

    let Some(identity) = out.identify(ctx.units, file, &hints, path_hints) else {
        return out;
    };

    for block in &blocks {
        let sheet = &sheets[block.sheet];
        let mut report = TableReport {
            sheet: sheet.name.clone(),
            title: block.title.clone(),
            table: Some(block.kind.id().into()),
            status: TableStatus::Loaded,
            rows: 0,
            reason: None,
        };
        let t = TableContext {
            catalog: ctx.catalog,
            sheet,
            sheet_name: Arc::from(sheet.name.as_str()),
            block,
            unit: &identity,
            file,
        };
        let result = if is_empty_table(sheet, block) {
            report.status = TableStatus::Empty;
            Ok(0)
        } else if let Some(fund) = block.kind.expenditure_fund() {
            expenditure_table(&t, fund, &mut out)
        } else if let Some(fund) = block.kind.economic_fund() {
            economic_table(&t, fund, &mut out)
        } else {
            match block.kind {
                TableKind::Income => income_totals(&t, &mut out),
                TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary => {
                    summary_table(&t, &mut out)
                }
                TableKind::ThreePublic => three_public(&t, &mut out),
                TableKind::Procurement => procurement(&t, &mut out),
                TableKind::PurchasedServices => purchased_services(&t, &mut out),
                // Every other kind is read by the fund dispatch above.
                _ => Err(format!(
                    "{} ({}) has no reader",
                    block.kind.title(),
                    block.kind.id()
                )),
            }
        };
        match result {
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
        // Formulas only to tell "no cached value" from a blank; a workbook whose formulas
        // cannot be read is still read for its values.
        let formulas = workbook.worksheet_formula(&name).ok();
        sheets.push(Sheet::new(name, range, &merges, formulas));
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
