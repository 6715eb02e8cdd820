//! Table headers: where the header rows are, what each column is called (its header texts
//! top to bottom, merged cells filled), where data starts, and the money unit printed above.

use crate::extract::sheet::Sheet;
use crate::model::MoneyUnit;
use crate::reference::tables::is_total_label;
use crate::reference::text::name_key;

/// A table found on a sheet: rows `start..end` (absolute; `start` is the title row).
#[derive(Debug, Clone)]
pub struct Block {
    pub sheet: usize,
    pub kind: crate::reference::tables::TableKind,
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
    let has_number = || (sheet.first_col..sheet.end_col).any(|c| sheet.is_number(r, c));
    if first_leaf.as_deref().is_some_and(|k| k.starts_with("栏次")) {
        return false;
    }
    // 类 | 款 | 项 labels the split code columns; with amounts beside it (the national
    // template prints 合计 on the same row) the row is the total row too.
    if first_leaf.as_deref() == Some("类") {
        return has_number();
    }
    // A row with a number (a number cell or numeric text) is data too: tables that print
    // names without codes, and side-by-side blocks whose first block is empty.
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
    let mut header_rows: Vec<u32> = (header_start..data_start)
        .filter(|&r| !name_key(&sheet.row_text(r)).starts_with("栏次"))
        .collect();
    // A first data row that starts 类 | 款 | 项 (and holds the 合计 amounts) labels the
    // code columns too: its labels, not its total or amounts, are header text.
    let labels_codes = sheet
        .text(data_start, sheet.first_col)
        .map(name_key)
        .as_deref()
        == Some("类");
    if labels_codes {
        header_rows.push(data_start);
    }
    let spans = group_spans(sheet, &header_rows);
    let mut columns = Vec::new();
    for col in sheet.first_col..sheet.end_col {
        let mut parts: Vec<String> = Vec::new();
        for (i, &r) in header_rows.iter().enumerate() {
            if r == data_start
                && labels_codes
                && (sheet.is_number(r, col) || sheet.text(r, col).is_some_and(is_total_label))
            {
                continue;
            }
            let text = sheet.text(r, col).or_else(|| {
                spans[i]
                    .get((col - sheet.first_col) as usize)
                    .copied()
                    .flatten()
            });
            if let Some(t) = text {
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

/// Group labels written without a merged region: `实际采购金额 | | |` over
/// `合计 | 货物 | 工程 | 服务`, as many exports write them. Per header row but the last, the
/// label each blank cell inherits from the nearest label to its left, provided that label
/// has sub-labels under it (it is a group, not a leaf that spans rows) and the blank cell
/// has a sub-label under it too. A cell that is neither starts no span.
fn group_spans<'s>(sheet: &'s Sheet, header_rows: &[u32]) -> Vec<Vec<Option<&'s str>>> {
    let width = (sheet.end_col - sheet.first_col) as usize;
    let below = |i: usize, col: u32| {
        header_rows[i + 1..]
            .iter()
            .any(|&r| sheet.text(r, col).is_some())
    };
    let mut spans = Vec::with_capacity(header_rows.len());
    for (i, &r) in header_rows.iter().enumerate() {
        let mut row = vec![None; width];
        if i + 1 < header_rows.len() {
            let mut current: Option<&str> = None;
            for (slot, col) in row.iter_mut().zip(sheet.first_col..sheet.end_col) {
                match sheet.text(r, col) {
                    Some(text) => current = below(i, col).then_some(text),
                    None if below(i, col) => *slot = current,
                    None => current = None,
                }
            }
        }
        spans.push(row);
    }
    spans
}
