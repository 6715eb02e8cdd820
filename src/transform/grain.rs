//! The warehouse's grain: each dataset declares the key that identifies a row (for
//! `expenditure`: unit, year, source, fund, code), and a second row for a key is never
//! loaded. The first by file, sheet and row is kept; the others become one `grain.duplicate`
//! finding per key naming every copy: `info` when their figures are equal (a table on two
//! sheets, a statement repeated), `warning` when they differ (a renumbered code printed
//! beside its successor, two different tables claiming the same key).

use std::hash::Hash;
use std::sync::Arc;

use crate::model::{
    EconomicRow, ExpenditureRow, Finding, Fund, PerformanceProject, Provenance, Severity,
    UnitIdentity,
};

/// The rule id of the findings this module writes.
pub const RULE: crate::model::RuleId = crate::model::RuleId::GrainDuplicate;

/// A row with a declared key.
pub trait Grain {
    type Key: Eq + Hash + Clone;
    fn key(&self) -> Self::Key;
    /// The key as a reader would write it in a message.
    fn describe(&self) -> String;
    fn unit(&self) -> &Arc<UnitIdentity>;
    fn provenance(&self) -> &Provenance;
    /// Whether two rows of one key say the same thing.
    fn same(&self, other: &Self) -> bool;
}

/// The rows with the first of each key kept (order unchanged), and a finding per key that
/// had more than one row.
pub fn unique<'a, R: Grain>(rows: Vec<&'a R>) -> (Vec<&'a R>, Vec<Finding>) {
    let mut first: crate::FastMap<R::Key, usize> =
        crate::FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut extra: crate::FastMap<usize, Vec<&'a R>> = crate::FastMap::default();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        match first.entry(row.key()) {
            std::collections::hash_map::Entry::Occupied(at) => {
                extra.entry(*at.get()).or_default().push(row)
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(row);
            }
        }
    }
    let mut positions: Vec<usize> = extra.keys().copied().collect();
    positions.sort_unstable();
    let findings = positions
        .into_iter()
        .map(|i| {
            let original = kept[i];
            let copies = &extra[&i];
            let differ = copies.iter().any(|c| !original.same(c));
            // Name a bounded number of copies: a hostile file may repeat one row 100,000 times.
            let mut references: Vec<String> = std::iter::once(original)
                .chain(copies.iter().copied())
                .take(20)
                .map(|r| r.provenance().reference())
                .collect();
            if copies.len() + 1 > references.len() {
                references.push(format!("… {} more", copies.len() + 1 - references.len()));
            }
            Finding {
                unit: Some(original.unit().clone()),
                file: original.provenance().file.clone(),
                rule: RULE,
                severity: if differ {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                message: format!(
                    "{} rows for {}: the first ({}) is loaded, {} not; {}",
                    copies.len() + 1,
                    original.describe(),
                    original.provenance().reference(),
                    if copies.len() == 1 {
                        "the other"
                    } else {
                        "the others"
                    },
                    if differ {
                        "their figures differ"
                    } else {
                        "their figures are equal"
                    }
                ),
                expected: Some("1 row".to_string()),
                actual: Some(format!("{} rows", copies.len() + 1)),
                tolerance: None,
                references,
            }
        })
        .collect();
    (kept, findings)
}

/// The key of a table row: unit, year, source table, fund and code.
type TableKey = (String, i32, String, &'static str, String);

fn table_key(unit: &UnitIdentity, source: &str, fund: Fund, code: &str) -> TableKey {
    (
        unit.unit_id.clone(),
        unit.year,
        source.to_string(),
        fund.as_str(),
        code.to_string(),
    )
}

impl Grain for ExpenditureRow {
    type Key = TableKey;
    fn key(&self) -> Self::Key {
        table_key(&self.unit, self.source.id(), self.fund, &self.code.code)
    }
    fn describe(&self) -> String {
        let printed = self
            .code
            .code_printed
            .as_deref()
            .map(|p| format!(" (printed {p})"))
            .unwrap_or_default();
        format!(
            "expenditure {} {} {} {} code {}{printed}",
            self.unit.unit_name,
            self.unit.year,
            self.source,
            self.fund.as_str(),
            self.code.code
        )
    }
    fn unit(&self) -> &Arc<UnitIdentity> {
        &self.unit
    }
    fn provenance(&self) -> &Provenance {
        &self.provenance
    }
    fn same(&self, o: &Self) -> bool {
        (
            self.actual,
            self.basic,
            self.project,
            self.budget_initial,
            self.budget_final,
        ) == (
            o.actual,
            o.basic,
            o.project,
            o.budget_initial,
            o.budget_final,
        )
    }
}

impl Grain for EconomicRow {
    type Key = TableKey;
    fn key(&self) -> Self::Key {
        table_key(&self.unit, self.source.id(), self.fund, &self.code)
    }
    fn describe(&self) -> String {
        format!(
            "economic_expenditure {} {} {} {} code {}",
            self.unit.unit_name,
            self.unit.year,
            self.source,
            self.fund.as_str(),
            self.code
        )
    }
    fn unit(&self) -> &Arc<UnitIdentity> {
        &self.unit
    }
    fn provenance(&self) -> &Provenance {
        &self.provenance
    }
    fn same(&self, o: &Self) -> bool {
        self.actual == o.actual
    }
}

impl Grain for PerformanceProject {
    type Key = (String, i32, String);
    fn key(&self) -> Self::Key {
        (
            self.unit.unit_id.clone(),
            self.unit.year,
            self.project.clone(),
        )
    }
    fn describe(&self) -> String {
        format!(
            "performance_projects {} {} project {}",
            self.unit.unit_name, self.unit.year, self.project
        )
    }
    fn unit(&self) -> &Arc<UnitIdentity> {
        &self.unit
    }
    fn provenance(&self) -> &Provenance {
        &self.provenance
    }
    fn same(&self, o: &Self) -> bool {
        (self.budget_initial, self.budget_final, self.actual)
            == (o.budget_initial, o.budget_final, o.actual)
    }
}
