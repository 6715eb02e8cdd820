//! A worksheet as the table parsers see it: calamine's cell range plus its merged regions,
//! filled on read (calamine reports merges, it does not fill them).

use std::collections::{HashMap, HashSet};

use calamine::{Data, Range};

use crate::model::{MoneyUnit, Yuan};
use crate::transform::text::split_code;

pub struct Sheet {
    pub name: String,
    range: Range<Data>,
    /// Every cell inside a merged region (but its top-left) → the top-left cell.
    merged: HashMap<(u32, u32), (u32, u32)>,
    /// Cells holding a formula (absolute positions).
    formulas: HashSet<(u32, u32)>,
    pub first_row: u32,
    pub end_row: u32,
    pub first_col: u32,
    pub end_col: u32,
    /// For a sheet rebuilt from a PDF's table pages: (page, row on the page) of each row.
    origins: Vec<(u32, u32)>,
}

static EMPTY: Data = Data::Empty;

impl Sheet {
    pub fn new(
        name: String,
        range: Range<Data>,
        merges: &[calamine::Dimensions],
        formulas: Option<Range<String>>,
    ) -> Sheet {
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let (end_row, end_col) = range.end().map(|(r, c)| (r + 1, c + 1)).unwrap_or((0, 0));
        let mut merged = HashMap::new();
        for m in merges {
            for r in m.start.0..=m.end.0 {
                for c in m.start.1..=m.end.1 {
                    if (r, c) != m.start {
                        merged.insert((r, c), m.start);
                    }
                }
            }
        }
        let mut formula_cells = HashSet::new();
        if let Some(f) = formulas {
            let (r0, c0) = f.start().unwrap_or((0, 0));
            for (r, c, text) in f.cells() {
                if !text.is_empty() {
                    formula_cells.insert((r0 + r as u32, c0 + c as u32));
                }
            }
        }
        Sheet {
            name,
            range,
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

    /// Every text cell of the sheet.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.range.used_cells().filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The value at an absolute (row, col), with merged regions filled from their top-left.
    pub fn get(&self, row: u32, col: u32) -> &Data {
        let at = self.merged.get(&(row, col)).copied().unwrap_or((row, col));
        self.range.get_value(at).unwrap_or(&EMPTY)
    }

    /// True when (row, col) is inside a merged region but not its top-left cell.
    pub fn is_merged_tail(&self, row: u32, col: u32) -> bool {
        self.merged.contains_key(&(row, col))
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
        let mut out = String::new();
        for col in self.first_col..self.end_col {
            if self.is_merged_tail(row, col) {
                continue;
            }
            let piece = match self.get(row, col) {
                Data::String(s) => s.trim().to_string(),
                Data::Float(f) => f.to_string(),
                Data::Int(i) => i.to_string(),
                _ => continue,
            };
            if piece.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&piece);
        }
        out
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
                    && crate::model::parse_decimal_text(&crate::transform::text::fold_width(t))
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
                let d = crate::model::parse_decimal_text(&crate::transform::text::fold_width(t))
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
mod tests {
    #[test]
    fn cell_names() {
        use super::cell_ref;
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(10, 7), "H11");
        assert_eq!(cell_ref(0, 25), "Z1");
        assert_eq!(cell_ref(0, 26), "AA1");
        assert_eq!(cell_ref(4, 701), "ZZ5");
        assert_eq!(cell_ref(4, 702), "AAA5");
    }
}
