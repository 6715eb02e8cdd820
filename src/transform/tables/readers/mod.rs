//! Readers of the table families, each from a block found by title: function-code
//! expenditure tables (03/05/08/09), the income table's totals (02), the 三公 table (07) and
//! basic expenditure by economic code (06).

use std::sync::Arc;

use crate::extract::sheet::Sheet;
use crate::model::{
    ClassificationStatus, EconomicRow, ExpenditureRow, Fact, FactValue, Finding, Fund, Metric,
    MoneyUnit, Provenance, Severity, Source, SourceFile, Stage, TotalRow, UnitIdentity, Yuan,
};
use crate::reference::catalog::Catalog;
use crate::reference::tables::{is_total_label, TableKind};
use crate::reference::text::{clean_name, name_key};
use crate::transform::classify::{
    best_fuzzy, classify_shared, Status, FUZZY_MARGIN, FUZZY_THRESHOLD,
};
use crate::transform::tables::header::{code_table_row, numeric_row, read_header, Block, Header};
use crate::transform::{Extraction, ListTotal};

mod economic;
mod expenditure;
mod lists;
mod summary;
pub use economic::*;
pub use expenditure::*;
pub use lists::*;
pub use summary::*;

/// What every reader needs besides its block.
pub struct TableContext<'a> {
    pub catalog: &'a Catalog,
    pub sheet: &'a Sheet,
    pub block: &'a Block,
    pub unit: &'a Arc<UnitIdentity>,
    pub file: &'a Arc<SourceFile>,
}

impl TableContext<'_> {
    /// Where row `r` is: sheet and 1-based row, or for a PDF's table its page and row on it.
    fn provenance(&self, r: u32) -> Provenance {
        Provenance {
            file: self.file.clone(),
            origin: self.sheet.row_origin(r),
        }
    }

    fn reject_row(&self, out: &mut Extraction, r: u32, reason: String) {
        out.reject(
            self.file,
            Some(self.sheet.row_origin(r)),
            Stage::Extract,
            reason,
            Some(self.sheet.row_text(r)),
        );
    }

    /// The amount in (`r`, `col`) as the fact `metric`: true when the cell holds one; a
    /// cell that is no amount is a row reject naming the column (`label`).
    fn amount_fact(
        &self,
        out: &mut Extraction,
        r: u32,
        col: u32,
        unit: MoneyUnit,
        metric: Metric,
        label: &str,
    ) -> bool {
        match self.sheet.amount(r, col, unit) {
            Ok(value) => {
                self.fact(out, metric, value, r);
                value.is_some()
            }
            Err(reason) => {
                self.reject_row(out, r, format!("{label}: {reason}"));
                false
            }
        }
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
            .take_while(|&r| !self.sheet.row_key_starts_with(r, &["注", "说明", "备注"]))
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
