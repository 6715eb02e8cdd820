//! Table headers: where the header rows are, what each column is called (its header texts
//! top to bottom, merged cells filled), where data starts, and the money unit printed above.

use crate::extract::sheet::Sheet;
use crate::extract::tables::is_total_label;
use crate::model::MoneyUnit;
use crate::transform::text::name_key;

/// A table found on a sheet: rows `start..end` (absolute; `start` is the title row).
#[derive(Debug, Clone)]
pub struct Block {
    pub sheet: usize,
    pub kind: crate::extract::tables::TableKind,
    pub title: String,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug)]
pub struct Header {
    /// (column, header texts from the top header row down, consecutive repeats folded).
    pub columns: Vec<(u32, Vec<String>)>,
    pub data_start: u32,
    pub unit: MoneyUnit,
}

impl Header {
    /// The first column whose joined header text satisfies `pred`.
    pub fn find(&self, pred: impl Fn(&str, &[String]) -> bool) -> Option<u32> {
        self.columns
            .iter()
            .find(|(_, parts)| pred(&parts.concat(), parts))
            .map(|(c, _)| *c)
    }
}

/// Lines above a header that describe the table rather than label its columns.
fn is_meta_line(text: &str) -> bool {
    let key = name_key(text);
    key.contains("编制单位")
        || MoneyUnit::from_label(text).is_some()
        || key.starts_with("公开")
        || (key.ends_with("年度") && key.chars().count() <= 8)
        || key.is_empty()
}

/// Function- and economic-code tables: data starts at the first row with a code or a total
/// label in its leading columns.
pub fn code_table_row(sheet: &Sheet, r: u32) -> bool {
    // Only the leading (code/name) columns can hold a row label: a "合计" further right
    // is a header leaf (决算数 → 合计 | 基本支出 | 项目支出).
    let leading = sheet.first_col..sheet.end_col.min(sheet.first_col + 3);
    let first_leaf = sheet.text(r, sheet.first_col).map(name_key);
    if first_leaf
        .as_deref()
        .is_some_and(|k| k.starts_with("栏次") || k == "类")
    {
        return false;
    }
    // A row with a number (a number cell or numeric text) is data too: tables that print
    // names without codes, and side-by-side blocks whose first block is empty.
    let has_number = || (sheet.first_col..sheet.end_col).any(|c| sheet.is_number(r, c));
    has_number()
        || leading.clone().any(|c| sheet.code(r, c).is_some())
        || leading
            .into_iter()
            .any(|c| sheet.text(r, c).is_some_and(is_total_label) && !sheet.is_merged_tail(r, c))
}

/// Tables without codes (三公): data starts at the first row with two or more numbers
/// (number cells or numeric text).
pub fn numeric_row(sheet: &Sheet, r: u32) -> bool {
    !name_key(&sheet.row_text(r)).starts_with("栏次")
        && (sheet.first_col..sheet.end_col)
            .filter(|&c| !sheet.is_merged_tail(r, c) && sheet.is_number(r, c))
            .count()
            >= 2
}

pub fn read_header(
    sheet: &Sheet,
    block: &Block,
    is_data: impl Fn(&Sheet, u32) -> bool,
) -> Result<Header, String> {
    let header_start = (block.start + 1..block.end)
        .find(|&r| sheet.filled(r) > 0 && !is_meta_line(&sheet.row_text(r)))
        .ok_or("no header row under the title")?;
    // The first row that is not a meta line is a header row, whatever it holds: a header
    // cell may well read 本年支出合计 or 合计.
    let data_start = (header_start + 1..block.end)
        .find(|&r| is_data(sheet, r))
        .ok_or("no data rows under the header")?;
    let unit = (block.start..data_start)
        .find_map(|r| MoneyUnit::from_label(&sheet.row_text(r)))
        .ok_or(
            "no 单位 line (单位：万元 / 金额单位：元) above the header; amounts cannot be scaled",
        )?;
    let header_rows: Vec<u32> = (header_start..data_start)
        .filter(|&r| !name_key(&sheet.row_text(r)).starts_with("栏次"))
        .collect();
    let mut columns = Vec::new();
    for col in sheet.first_col..sheet.end_col {
        let mut parts: Vec<String> = Vec::new();
        for &r in &header_rows {
            if let Some(t) = sheet.text(r, col) {
                let k = name_key(t);
                if parts.last() != Some(&k) {
                    parts.push(k);
                }
            }
        }
        if !parts.is_empty() {
            columns.push((col, parts));
        }
    }
    Ok(Header {
        columns,
        data_start,
        unit,
    })
}
