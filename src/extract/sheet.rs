//! A worksheet as the table parsers see it: calamine's cell range plus its merged regions,
//! filled on read (calamine reports merges, it does not fill them).

use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType, Range};
use serde::{Deserialize, Serialize};

use crate::model::{MoneyUnit, Yuan};
use crate::reference::text::split_code;

#[derive(Clone, Deserialize)]
#[serde(try_from = "SheetData")]
pub struct Sheet {
    pub name: String,
    range: Range<Data>,
    /// Every cell inside a merged region (but its top-left) → the top-left cell.
    merged: crate::FastMap<(u32, u32), (u32, u32)>,
    /// The rows that hold a merged cell's tail: most rows hold none, and their cells are
    /// read without a lookup in `merged`.
    merged_rows: MergedRows,
    /// Cells holding a formula (absolute positions).
    formulas: crate::FastSet<(u32, u32)>,
    pub first_row: u32,
    pub end_row: u32,
    pub first_col: u32,
    pub end_col: u32,
    /// For a sheet rebuilt from a PDF's table pages: (page, row on the page) of each row.
    origins: Vec<(u32, u32)>,
}

static EMPTY: Data = Data::Empty;

/// The absolute positions of the cells of a formula range that hold a formula.
pub fn formula_cells(formulas: &Range<String>) -> crate::FastSet<(u32, u32)> {
    let (r0, c0) = formulas.start().unwrap_or((0, 0));
    formulas
        .cells()
        .filter(|(_, _, text)| !text.is_empty())
        .map(|(r, c, _)| (r0 + r as u32, c0 + c as u32))
        .collect()
}

impl Sheet {
    /// `formulas`: the absolute positions of the cells that hold a formula.
    pub fn new(
        name: String,
        range: Range<Data>,
        merges: &[calamine::Dimensions],
        formulas: crate::FastSet<(u32, u32)>,
    ) -> Sheet {
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let (end_row, end_col) = range.end().map(|(r, c)| (r + 1, c + 1)).unwrap_or((0, 0));
        let mut merged = crate::FastMap::default();
        for m in merges {
            for r in m.start.0..=m.end.0 {
                for c in m.start.1..=m.end.1 {
                    if (r, c) != m.start {
                        merged.insert((r, c), m.start);
                    }
                }
            }
        }
        let formula_cells = formulas;
        Sheet {
            name,
            range,
            merged_rows: MergedRows::of(&merged),
            merged,
            formulas: formula_cells,
            first_row,
            end_row,
            first_col,
            end_col,
            origins: Vec::new(),
        }
    }

    /// The page and row on the page each row comes from (a sheet rebuilt from a PDF).
    pub fn with_origins(mut self, origins: Vec<(u32, u32)>) -> Sheet {
        self.origins = origins;
        self
    }

    /// (page, row on the page) of an absolute row of a sheet rebuilt from a PDF.
    pub fn origin(&self, row: u32) -> Option<(u32, u32)> {
        self.origins
            .get(row.checked_sub(self.first_row)? as usize)
            .copied()
    }

    /// Where an absolute row is in its file: the sheet and its 1-based row, or for a sheet
    /// rebuilt from a PDF the page and the row on it.
    pub fn row_origin(&self, row: u32) -> crate::model::Origin {
        match self.origin(row) {
            Some((page, row)) => crate::model::Origin::PdfTable { page, row },
            None => crate::model::Origin::Cell {
                sheet: self.name.as_str().into(),
                row: row + 1,
            },
        }
    }

    /// Every text cell of the sheet.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.range.used_cells().filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The value at an absolute (row, col), with merged regions filled from their top-left.
    pub fn get(&self, row: u32, col: u32) -> &Data {
        let at = if self.merged_rows.may_hold(row) {
            self.merged.get(&(row, col)).copied().unwrap_or((row, col))
        } else {
            (row, col)
        };
        self.range.get_value(at).unwrap_or(&EMPTY)
    }

    /// True when (row, col) is inside a merged region but not its top-left cell.
    pub fn is_merged_tail(&self, row: u32, col: u32) -> bool {
        self.merged_rows.may_hold(row) && self.merged.contains_key(&(row, col))
    }

    pub fn text(&self, row: u32, col: u32) -> Option<&str> {
        match self.get(row, col) {
            Data::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then_some(t)
            }
            _ => None,
        }
    }

    /// The row's non-empty texts joined by a space (for titles and unit lines).
    pub fn row_text(&self, row: u32) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for col in self.first_col..self.end_col {
            if self.is_merged_tail(row, col) {
                continue;
            }
            let sep = if out.is_empty() { "" } else { " " };
            match self.get(row, col) {
                Data::String(s) => {
                    let t = s.trim();
                    if !t.is_empty() {
                        out.push_str(sep);
                        out.push_str(t);
                    }
                }
                Data::Float(f) => {
                    let _ = write!(out, "{sep}{f}");
                }
                Data::Int(i) => {
                    let _ = write!(out, "{sep}{i}");
                }
                _ => {}
            }
        }
        out
    }

    /// Whether `name_key(&self.row_text(row))` starts with one of `prefixes`, without
    /// building the row's text: the key's first characters are read from the cells.
    pub fn row_key_starts_with(&self, row: u32, prefixes: &[&str]) -> bool {
        const HEAD: usize = 4;
        let mut head = ['\0'; HEAD];
        let mut n = 0;
        'cells: for col in self.first_col..self.end_col {
            if self.is_merged_tail(row, col) {
                continue;
            }
            match self.get(row, col) {
                Data::String(s) => {
                    for c in s.chars().map(crate::reference::text::fold_char) {
                        if !c.is_whitespace() {
                            head[n] = c;
                            n += 1;
                            if n == HEAD {
                                break 'cells;
                            }
                        }
                    }
                }
                // A number's text is digits, a sign or a point: never a word's start, and
                // it ends what the prefixes can match.
                Data::Float(_) | Data::Int(_) => {
                    head[n] = '0';
                    n += 1;
                    break;
                }
                _ => {}
            }
        }
        let head = &head[..n];
        prefixes.iter().any(|p| {
            let mut chars = p.chars();
            let len = p.chars().count();
            debug_assert!(len <= HEAD, "prefix {p} is longer than the head read");
            len <= head.len() && head.iter().take(len).all(|&c| chars.next() == Some(c))
        })
    }

    /// Whether a text cell of the row holds `c` (a cheap test before a row's key is built).
    pub fn row_has_char(&self, row: u32, c: char) -> bool {
        (self.first_col..self.end_col).any(|col| {
            !self.is_merged_tail(row, col)
                && matches!(self.get(row, col), Data::String(s) if s.contains(c))
        })
    }

    /// Number of non-empty cells in a row, counting a merged region once.
    pub fn filled(&self, row: u32) -> usize {
        (self.first_col..self.end_col)
            .filter(|&c| !self.is_merged_tail(row, c) && !is_blank(self.get(row, c)))
            .count()
    }

    /// A function or economic code in a cell: text in any printed form, or a number cell.
    pub fn code(&self, row: u32, col: u32) -> Option<(String, String)> {
        match self.get(row, col) {
            Data::String(s) => split_code(s).map(|(code, rest)| (code, rest.to_string())),
            Data::Float(f) if f.fract() == 0.0 && *f > 0.0 && *f < 1e8 => {
                let digits = (*f as u64).to_string();
                matches!(digits.len(), 3 | 5 | 7).then(|| (digits, String::new()))
            }
            Data::Int(i) if *i > 0 => {
                let digits = i.to_string();
                matches!(digits.len(), 3 | 5 | 7).then(|| (digits, String::new()))
            }
            _ => None,
        }
    }

    /// True for a number cell, or text that reads as a number ("11,724.11", "１２.５").
    pub fn is_number(&self, row: u32, col: u32) -> bool {
        match self.get(row, col) {
            Data::Float(_) | Data::Int(_) => true,
            Data::String(s) => {
                let t = s.trim();
                t.bytes().any(|b| b.is_ascii_digit())
                    && crate::model::parse_decimal_text(&crate::reference::text::fold_width(t))
                        .is_some()
            }
            _ => false,
        }
    }

    /// Reads an amount cell printed in `unit`. `Ok(None)` is a blank ("", "-", "—", "/"),
    /// distinct from zero; `Err` names the cell ("H11") and says why it is not an amount.
    pub fn amount(&self, row: u32, col: u32, unit: MoneyUnit) -> Result<Option<Yuan>, String> {
        self.read_amount(row, col, unit)
            .map_err(|e| format!("cell {}: {e}", cell_ref(row, col)))
    }

    fn read_amount(&self, row: u32, col: u32, unit: MoneyUnit) -> Result<Option<Yuan>, String> {
        match self.get(row, col) {
            Data::Empty if self.formulas.contains(&(row, col)) => Err(
                "a formula with no cached value (the workbook was saved without calculating)"
                    .into(),
            ),
            Data::String(s) if s.is_empty() && self.formulas.contains(&(row, col)) => Err(
                "a formula with no cached value (the workbook was saved without calculating)"
                    .into(),
            ),
            Data::Empty => Ok(None),
            Data::Float(f) if !f.is_finite() => Err(format!("{f} is not a finite number")),
            Data::Float(f) => unit
                .f64_to_yuan(*f)
                .map(Some)
                .ok_or_else(|| crate::model::out_of_range(&f.to_string(), unit)),
            Data::Int(i) => unit
                .to_yuan((*i).into())
                .map(Some)
                .ok_or_else(|| crate::model::out_of_range(&i.to_string(), unit)),
            Data::String(s) => {
                let t = s.trim();
                if is_blank_text(t) {
                    return Ok(None);
                }
                let d = crate::model::parse_decimal_text(&crate::reference::text::fold_width(t))
                    .ok_or_else(|| format!("{t:?} is not an amount"))?;
                unit.to_yuan(d)
                    .map(Some)
                    .ok_or_else(|| crate::model::out_of_range(t, unit))
            }
            Data::Error(e) => Err(format!("error cell {e:?}")),
            Data::Bool(b) => Err(format!("boolean {b} where an amount belongs")),
            other => Err(format!("{other:?} where an amount belongs")),
        }
    }
}

/// A sheet as the extraction cache stores it: the range's corners and its filled cells
/// (absolute positions), the merged cells, the formula cells and the origins. Every cell
/// value comes back exactly as calamine gave it.
#[derive(Deserialize)]
struct SheetData {
    name: String,
    corners: Option<((u32, u32), (u32, u32))>,
    cells: Vec<(u32, u32, CellValue)>,
    merged: Vec<((u32, u32), (u32, u32))>,
    formulas: Vec<(u32, u32)>,
    origins: Vec<(u32, u32)>,
}

/// [`calamine::Data`] in a serializable form (empty cells are not stored).
#[derive(Deserialize)]
enum CellValue {
    Int(i64),
    Float(f64),
    String(String),
    Bool(bool),
    DateTime {
        value: f64,
        duration: bool,
        is_1904: bool,
    },
    DateTimeIso(String),
    DurationIso(String),
    Error(u8),
}

const CELL_ERRORS: [CellErrorType; 8] = [
    CellErrorType::Div0,
    CellErrorType::NA,
    CellErrorType::Name,
    CellErrorType::Null,
    CellErrorType::Num,
    CellErrorType::Ref,
    CellErrorType::Value,
    CellErrorType::GettingData,
];

impl CellValue {
    fn into_data(self) -> Data {
        match self {
            CellValue::Int(i) => Data::Int(i),
            CellValue::Float(f) => Data::Float(f),
            CellValue::String(s) => Data::String(s),
            CellValue::Bool(b) => Data::Bool(b),
            CellValue::DateTime {
                value,
                duration,
                is_1904,
            } => Data::DateTime(ExcelDateTime::new(
                value,
                if duration {
                    ExcelDateTimeType::TimeDelta
                } else {
                    ExcelDateTimeType::DateTime
                },
                is_1904,
            )),
            CellValue::DateTimeIso(s) => Data::DateTimeIso(s),
            CellValue::DurationIso(s) => Data::DurationIso(s),
            CellValue::Error(i) => Data::Error(
                CELL_ERRORS
                    .get(i as usize)
                    .cloned()
                    .unwrap_or(CellErrorType::Value),
            ),
        }
    }
}

/// [`SheetData`] borrowed from a sheet: the same encoding, without copying a cell's text.
#[derive(Serialize)]
struct SheetDataRef<'a> {
    name: &'a str,
    corners: Option<((u32, u32), (u32, u32))>,
    cells: Vec<(u32, u32, CellValueRef<'a>)>,
    merged: Vec<((u32, u32), (u32, u32))>,
    formulas: Vec<(u32, u32)>,
    origins: &'a [(u32, u32)],
}

/// [`CellValue`] borrowed: the same variants in the same order, so the same encoding.
#[derive(Serialize)]
enum CellValueRef<'a> {
    Int(i64),
    Float(f64),
    String(&'a str),
    Bool(bool),
    DateTime {
        value: f64,
        duration: bool,
        is_1904: bool,
    },
    DateTimeIso(&'a str),
    DurationIso(&'a str),
    Error(u8),
}

impl<'a> CellValueRef<'a> {
    fn of(data: &'a Data) -> Option<CellValueRef<'a>> {
        Some(match data {
            Data::Empty => return None,
            Data::Int(i) => CellValueRef::Int(*i),
            Data::Float(f) => CellValueRef::Float(*f),
            Data::String(s) => CellValueRef::String(s),
            Data::Bool(b) => CellValueRef::Bool(*b),
            Data::DateTime(d) => CellValueRef::DateTime {
                value: d.as_f64(),
                duration: d.is_duration(),
                // calamine has no getter for the 1904 flag; its Debug form names it.
                is_1904: format!("{d:?}").contains("is_1904: true"),
            },
            Data::DateTimeIso(s) => CellValueRef::DateTimeIso(s),
            Data::DurationIso(s) => CellValueRef::DurationIso(s),
            Data::Error(e) => {
                CellValueRef::Error(CELL_ERRORS.iter().position(|x| x == e).unwrap_or(0) as u8)
            }
        })
    }
}

impl Serialize for Sheet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let corners = self.range.start().zip(self.range.end());
        let (r0, c0) = self.range.start().unwrap_or((0, 0));
        let cells = self
            .range
            .used_cells()
            .filter_map(|(r, c, d)| Some((r0 + r as u32, c0 + c as u32, CellValueRef::of(d)?)))
            .collect();
        let mut merged: Vec<_> = self.merged.iter().map(|(&k, &v)| (k, v)).collect();
        merged.sort_unstable();
        let mut formulas: Vec<_> = self.formulas.iter().copied().collect();
        formulas.sort_unstable();
        SheetDataRef {
            name: &self.name,
            corners,
            cells,
            merged,
            formulas,
            origins: &self.origins,
        }
        .serialize(serializer)
    }
}

/// The most cells a cached sheet may span: a damaged cache entry is refused (and the input
/// read again), never allocated.
const MAX_CACHED_AREA: u64 = 64 << 20;

impl TryFrom<SheetData> for Sheet {
    type Error = String;

    fn try_from(data: SheetData) -> Result<Sheet, String> {
        let mut range = match data.corners {
            Some((start, end)) => {
                let rows = u64::from(end.0.saturating_sub(start.0)) + 1;
                let cols = u64::from(end.1.saturating_sub(start.1)) + 1;
                if end.0 < start.0 || end.1 < start.1 || rows * cols > MAX_CACHED_AREA {
                    return Err(format!("a cached sheet spans {rows} × {cols} cells"));
                }
                Range::new(start, end)
            }
            None => Range::empty(),
        };
        for (r, c, value) in data.cells {
            let inside = data
                .corners
                .is_some_and(|(s, e)| (s.0..=e.0).contains(&r) && (s.1..=e.1).contains(&c));
            if !inside {
                return Err(format!("a cached cell ({r}, {c}) outside its sheet"));
            }
            range.set_value((r, c), value.into_data());
        }
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let (end_row, end_col) = range.end().map(|(r, c)| (r + 1, c + 1)).unwrap_or((0, 0));
        let merged = data.merged.into_iter().collect();
        Ok(Sheet {
            name: data.name,
            range,
            merged_rows: MergedRows::of(&merged),
            merged,
            formulas: data.formulas.into_iter().collect(),
            first_row,
            end_row,
            first_col,
            end_col,
            origins: data.origins,
        })
    }
}

/// Which rows hold a merged cell's tail, as one flag per row of their span; a span far
/// larger than the cells it holds (two regions a million rows apart) keeps no flags, and
/// every row may hold one.
#[derive(Clone, Default)]
struct MergedRows {
    first: u32,
    flags: Option<Vec<bool>>,
}

impl MergedRows {
    fn of(merged: &crate::FastMap<(u32, u32), (u32, u32)>) -> MergedRows {
        let Some(first) = merged.keys().map(|&(r, _)| r).min() else {
            return MergedRows {
                first: 0,
                flags: Some(Vec::new()),
            };
        };
        let last = merged.keys().map(|&(r, _)| r).max().unwrap_or(first);
        let span = (last - first) as usize + 1;
        if span > 4 * merged.len() + 1024 {
            return MergedRows { first, flags: None };
        }
        let mut flags = vec![false; span];
        for &(r, _) in merged.keys() {
            flags[(r - first) as usize] = true;
        }
        MergedRows {
            first,
            flags: Some(flags),
        }
    }

    fn may_hold(&self, row: u32) -> bool {
        match &self.flags {
            None => true,
            Some(flags) => row
                .checked_sub(self.first)
                .and_then(|i| flags.get(i as usize))
                .copied()
                .unwrap_or(false),
        }
    }
}

/// The A1 name of a 0-based (row, col): (10, 7) → "H11".
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(b'A' + rem as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

fn is_blank_text(t: &str) -> bool {
    matches!(t, "" | "-" | "—" | "－" | "/" | "——" | "--")
}

fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
