//! Workbooks (.xlsx, .xls): finds every standard table by its title, wherever it sits (one
//! sheet per table, several tables on a sheet), decides whose document it is, and reads the
//! function-code expenditure tables into exact, sourced rows.

use std::path::Path;
use std::sync::Arc;

use calamine::{open_workbook_auto, Reader, Sheets, Xls, XlsOptions};

use crate::catalog::Catalog;
use crate::config::Limits;
use crate::extract::guard;
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
    pub limits: &'a Limits,
}

/// What a workbook says: its sheets' cells, and the sheets refused by the limits.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    /// (sheet, why it was not read).
    pub refused: Vec<(String, String)>,
}

/// Reads a workbook's cells within the limits; nothing is interpreted yet.
pub fn parse(path: &Path, limits: &Limits) -> Result<Workbook, String> {
    read_sheets(path, limits).map(|(sheets, refused)| Workbook { sheets, refused })
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
        out.reject(file, Some(&sheet), None, Stage::Extract, reason, None);
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
        if !any_refused
            && sheets
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
        let (place, title_row) = crate::extract::readers::location(sheet, block.start);
        let mut report = TableReport {
            sheet: place.clone(),
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
                    Some(&place),
                    Some(title_row),
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

/// A workbook's sheets, and the sheets refused by the limits with the reason.
type ReadSheets = (Vec<Sheet>, Vec<(String, String)>);

fn read_sheets(path: &Path, limits: &Limits) -> Result<ReadSheets, String> {
    // A zip container (.xlsx, or anything that starts like one) is inflated into a counter
    // first: calamine would inflate a bomb into memory.
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let mut magic = [0u8; 4];
    let is_zip =
        std::io::Read::read_exact(&mut file, &mut magic).is_ok() && magic == *b"PK\x03\x04";
    if is_zip {
        std::io::Seek::rewind(&mut file).map_err(|e| format!("cannot open workbook: {e}"))?;
        guard::check_zip(std::io::BufReader::new(file), limits)?;
    }
    let workbook = open_workbook_auto(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let is_xls = matches!(workbook, Sheets::Xls(_));
    let read = sheets_of(workbook, false, limits)?;
    if !is_xls || !mis_decoded(&read.0) {
        return Ok(read);
    }
    // A legacy .xls whose texts are GBK bytes under a CODEPAGE record that is missing or
    // wrong: read every 8-bit string byte for byte (code page 1200 maps byte b to U+00bb)
    // and decode those bytes as GBK.
    let mut options = XlsOptions::default();
    options.force_codepage = Some(1200);
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let xls = Xls::new_with_options(std::io::BufReader::new(file), options)
        .map_err(|e| format!("cannot open workbook: {e}"))?;
    let repaired = sheets_of(Sheets::Xls(xls), true, limits)?;
    if mis_decoded(&repaired.0) {
        // Not GBK either: keep what the workbook declared; the tables will say what is wrong.
        return Ok(read);
    }
    tracing::info!(
        file = %path.display(),
        "texts decoded as GBK (code page 936): the CODEPAGE record is missing or wrong"
    );
    Ok(repaired)
}

fn sheets_of<RS: std::io::Read + std::io::Seek>(
    mut workbook: Sheets<RS>,
    gbk: bool,
    limits: &Limits,
) -> Result<ReadSheets, String> {
    let names = workbook.sheet_names().to_vec();
    if names.len() as u64 > limits.max_sheets {
        return Err(format!(
            "the workbook has {} sheets, over the limit of {} (limits.max_sheets)",
            names.len(),
            limits.max_sheets
        ));
    }
    let mut sheets = Vec::with_capacity(names.len());
    let mut refused = Vec::new();
    for name in names {
        let read = read_one(&mut workbook, &name, limits);
        let display = if gbk {
            gbk_from_bytes(&name).unwrap_or_else(|| name.clone())
        } else {
            name.clone()
        };
        match read {
            Ok((mut range, merges, formulas)) => {
                if gbk {
                    repair_gbk(&mut range);
                }
                sheets.push(Sheet::new(display, range, &merges, formulas));
            }
            Err(reason) => refused.push((display, reason)),
        }
    }
    Ok((sheets, refused))
}

type SheetParts = (
    calamine::Range<calamine::Data>,
    Vec<calamine::Dimensions>,
    Option<calamine::Range<String>>,
);

/// One sheet's cells, merged regions and formula cells, each within the limits.
fn read_one<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Sheets<RS>,
    name: &str,
    limits: &Limits,
) -> Result<SheetParts, String> {
    let (range, merges, formulas) = match workbook {
        Sheets::Xlsx(x) => {
            let range = guard::xlsx_range(x, name, limits)?;
            let merges = x
                .merge_cells_by_sheet_name(name)
                .map_err(|e| format!("cannot read merged cells: {e}"))?;
            // Formulas only to tell "no cached value" from a blank; a workbook whose
            // formulas cannot be read is still read for its values.
            let formulas = guard::xlsx_formulas(x, name, limits);
            (range, merges, formulas)
        }
        Sheets::Xls(x) => {
            let range = x
                .worksheet_range(name)
                .map_err(|e| format!("cannot read cells: {e}"))?;
            guard::check_range(&range, limits)?;
            let merges = x
                .merge_cells_by_sheet_name(name)
                .map_err(|e| format!("cannot read merged cells: {e}"))?;
            let formulas = x.worksheet_formula(name).ok();
            (range, merges, formulas)
        }
        other => {
            let range = other
                .worksheet_range(name)
                .map_err(|e| format!("cannot read cells: {e}"))?;
            guard::check_range(&range, limits)?;
            (range, Vec::new(), None)
        }
    };
    guard::check_merges(&merges, limits)?;
    Ok((range, merges, formulas))
}

/// True when no text of the workbook holds a CJK character but some hold what GBK bytes
/// look like when read as Latin-1 (À–ÿ) or as a broken multi-byte sequence (U+FFFD).
fn mis_decoded(sheets: &[Sheet]) -> bool {
    let mut suspicious = false;
    for sheet in sheets {
        for text in std::iter::once(sheet.name.as_str()).chain(sheet.texts()) {
            for c in text.chars() {
                if is_cjk(c) {
                    return false;
                }
                suspicious |= ('\u{80}'..='\u{ff}').contains(&c) || c == '\u{fffd}';
            }
        }
    }
    suspicious
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// The GBK text whose bytes `text` holds one per character (U+0000–U+00FF), if they are
/// valid GBK.
fn gbk_from_bytes(text: &str) -> Option<String> {
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<_>>()?;
    if bytes.is_ascii() {
        return None;
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|t| t.into_owned())
}

fn repair_gbk(range: &mut calamine::Range<calamine::Data>) {
    let Some((r0, c0)) = range.start() else {
        return;
    };
    let fixes: Vec<((u32, u32), String)> = range
        .cells()
        .filter_map(|(r, c, d)| match d {
            calamine::Data::String(s) => {
                gbk_from_bytes(s).map(|t| ((r0 + r as u32, c0 + c as u32), t))
            }
            _ => None,
        })
        .collect();
    for (at, text) in fixes {
        range.set_value(at, calamine::Data::String(text));
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
        if blocks.is_empty() && cover.len() < 6 && TableKind::from_title(&text).is_none() {
            cover.push(text.clone());
        }
        if ["编制单位", "年度", "决算", "单位名称"]
            .iter()
            .any(|w| text.contains(w))
        {
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
    hints.offer_title(cover.iter().map(String::as_str));
    blocks
}

pub(crate) fn is_empty_table(sheet: &Sheet, block: &Block) -> bool {
    if name_key(&block.title).contains("空表") {
        return true;
    }
    (block.start..block.end).any(|r| {
        let text = name_key(&sheet.row_text(r));
        text.contains("本表无数据") || text.contains("故本表无数据") || text.contains("本表为空")
    })
}
