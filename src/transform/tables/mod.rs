//! The standard tables (决算公开报表) on a sheet: found by their titles wherever they sit
//! (one sheet per table, several tables on a sheet, a PDF's table pages), and read by the
//! reader of their family into exact, sourced rows. One file per family of layout.

pub mod header;
pub mod readers;

use std::sync::Arc;

use crate::config::Limits;
use crate::extract::sheet::Sheet;
use crate::extract::workbook::Workbook;
use crate::model::{Origin, SourceFile, Stage};
use crate::reference::catalog::Catalog;
use crate::reference::tables::TableKind;
use crate::reference::text::{clean_name, name_key};
use crate::reference::units::UnitRegistry;
use crate::transform::document::{keep, Place};
use crate::transform::identify::{ContentHints, PathHints};
use crate::transform::{Extraction, TableReport, TableStatus};
use header::Block;
use readers::{
    economic_table, expenditure_table, income_totals, procurement, purchased_services,
    summary_table, three_public, TableContext,
};

/// What interpreting a document needs besides the document.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub units: &'a UnitRegistry,
    pub limits: &'a Limits,
}

/// Finds every standard table of a parsed workbook, decides whose it is and reads the tables.
pub fn interpret(
    ctx: &Context,
    workbook: &Workbook,
    file: &Arc<SourceFile>,
    path_hints: &PathHints,
) -> Extraction {
    let mut out = Extraction::default();
    let sheets = &workbook.sheets;
    let any_refused = !workbook.refused.is_empty();
    for (sheet, reason) in workbook.refused.iter().cloned() {
        out.tables.push(TableReport {
            sheet: sheet.clone(),
            title: String::new(),
            table: None,
            status: TableStatus::Rejected,
            rows: 0,
            reason: Some(reason.clone()),
        });
        let at = Origin::Sheet(sheet.as_str().into());
        out.reject(file, Some(at), Stage::Extract, reason, None);
    }

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
                Some(Origin::Sheet(sheet.name.as_str().into())),
                Stage::Identify,
                "no standard table title found on this sheet".into(),
                Some(preview),
            );
        }
        blocks.extend(found);
    }
    if blocks.is_empty() {
        if !any_refused
            && sheets
                .iter()
                .all(|s| (s.first_row..s.end_row).all(|r| s.filled(r) == 0))
        {
            out.reject(
                file,
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
    out.findings.extend(crate::transform::document::check(
        ctx.units,
        &identity,
        file,
        &hints.said,
        std::iter::empty(),
    ));
    read_blocks(ctx, sheets, &blocks, &identity, file, &mut out);
    out
}

/// Reads every table found (`blocks`) into `out`, with a [`TableReport`] each: the
/// workbook's sheets, or the sheet rebuilt from a PDF's table pages.
pub(crate) fn read_blocks(
    ctx: &Context,
    sheets: &[Sheet],
    blocks: &[Block],
    identity: &Arc<crate::model::UnitIdentity>,
    file: &Arc<SourceFile>,
    out: &mut Extraction,
) {
    for block in blocks {
        let sheet = &sheets[block.sheet];
        let title_at = sheet.row_origin(block.start);
        let mut report = TableReport {
            sheet: title_at.place_name().unwrap_or_default(),
            title: block.title.clone(),
            table: Some(block.kind.id().into()),
            status: TableStatus::Loaded,
            rows: 0,
            reason: None,
        };
        let t = TableContext {
            catalog: ctx.catalog,
            sheet,
            block,
            unit: identity,
            file,
        };
        let result = if is_empty_table(sheet, block) {
            report.status = TableStatus::Empty;
            Ok(0)
        } else if let Some(fund) = block.kind.expenditure_fund() {
            expenditure_table(&t, fund, out)
        } else if let Some(fund) = block.kind.economic_fund() {
            economic_table(&t, fund, out)
        } else {
            match block.kind {
                TableKind::Income => income_totals(&t, out),
                TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary => {
                    summary_table(&t, out)
                }
                TableKind::ThreePublic => three_public(&t, out),
                TableKind::Procurement => procurement(&t, out),
                TableKind::PurchasedServices => purchased_services(&t, out),
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
                    Some(title_at.clone()),
                    Stage::Extract,
                    reason.clone(),
                    Some(block.title.clone()),
                );
                report.reason = Some(reason);
            }
        }
        out.tables.push(report);
    }
}

/// Title rows start tables; a table runs to the next title or the end of the sheet.
/// Rows that may name the unit and year are offered to `hints` on the way.
pub(crate) fn find_blocks(
    sheet_index: usize,
    sheet: &Sheet,
    hints: &mut ContentHints,
) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // The rows above the first table (a cover: "上海市普陀区人民政府长风新村街道办事处 2025" /
    // "年度部门决算"), offered joined as one title, as a report's opening lines are.
    let mut cover: Vec<String> = Vec::new();
    for row in sheet.first_row..sheet.end_row {
        let filled = sheet.filled(row);
        if filled == 0 || filled > 4 {
            continue;
        }
        let text = sheet.row_text(row);
        let title = TableKind::from_title(&text);
        if blocks.is_empty() && cover.len() < 6 && title.is_none() {
            cover.push(text.clone());
            if filled <= 2 {
                keep(&mut hints.said, Place::Cover, sheet.row_origin(row), &text);
            }
        }
        if ["编制单位", "年度", "决算", "单位名称"]
            .iter()
            .any(|w| text.contains(w))
        {
            hints.offer(&text);
            if !blocks.is_empty() || title.is_some() {
                keep(&mut hints.said, Place::Header, sheet.row_origin(row), &text);
            }
        }
        if let Some(kind) = title {
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
    hints.offer_title(cover.iter().map(String::as_str));
    blocks
}

pub(crate) fn is_empty_table(sheet: &Sheet, block: &Block) -> bool {
    if name_key(&block.title).contains("空表") {
        return true;
    }
    // Every marker holds 本, which neither width folding nor removing spaces makes.
    (block.start..block.end).any(|r| {
        if !sheet.row_has_char(r, '本') {
            return false;
        }
        let text = name_key(&sheet.row_text(r));
        text.contains("本表无数据") || text.contains("故本表无数据") || text.contains("本表为空")
    })
}

#[cfg(test)]
mod tests;
