//! Datasets derived from what was extracted: `units` (one row per unit-year, the headline
//! facts of all its inputs) and `execution` (actual against budget per code, and `total`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::model::{
    ExecutionRow, ExpenditureRow, Fact, Fund, Level, Metric, UnitIdentity, UnitRow, Yuan,
};

/// Groups facts by unit-year. `facts` must come in priority order (tables before the
/// report, inputs sorted): the first fact of a metric is kept; a later one that disagrees is
/// for the reconciliation to report, not for this merge to pick.
pub fn units<'a>(
    facts: impl IntoIterator<Item = (&'a Arc<UnitIdentity>, &'a Fact)>,
) -> Vec<UnitRow> {
    let mut rows: BTreeMap<(String, i32), UnitRow> = BTreeMap::new();
    for (unit, fact) in facts {
        let row = rows
            .entry((unit.unit_id.clone(), unit.year))
            .or_insert_with(|| UnitRow {
                unit: unit.clone(),
                facts: BTreeMap::new(),
            });
        row.facts.entry(fact.metric).or_insert_with(|| fact.clone());
    }
    rows.into_values().collect()
}

/// Which source gives a figure when several state it: the national tables, then Beijing's
/// additional tables, then the narrative report.
pub fn source_rank(source: &str) -> u8 {
    if source == "report" {
        2
    } else if source.starts_with("table") {
        0
    } else {
        1
    }
}

impl ExecutionRow {
    pub fn rate(budget: Option<Yuan>, actual: Yuan) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        let budget = budget.filter(|b| !b.is_zero())?;
        // A ratio, not money: computed exactly, then handed to analysts as float64.
        (actual / budget).to_f64()
    }
}

/// Execution per code: for each unit, year, fund and code, the actual of the first source
/// that gives one (tables before the report) and each budget from the first source that
/// gives it; rows without any budget are left out. Per unit, year and fund, a `total` row
/// sums every 类 (its budgets only when every 类 has one). A department `total` of fund
/// `all` comes from the unit's reported 全年预算数 and 执行数 when the report states them.
pub fn execution(expenditure: &[&ExpenditureRow], units: &[UnitRow]) -> Vec<ExecutionRow> {
    #[derive(Default)]
    struct Acc<'a> {
        actual: Option<&'a ExpenditureRow>,
        initial: Option<&'a ExpenditureRow>,
        last: Option<&'a ExpenditureRow>,
    }
    let mut ordered: Vec<&ExpenditureRow> = expenditure.to_vec();
    // Stable: the national tables first, then Beijing's additions (which repeat them), then
    // the report.
    ordered.sort_by_key(|r| source_rank(r.source.id()));
    let mut by_code: BTreeMap<(&str, i32, Fund, &str), Acc> = BTreeMap::new();
    for row in ordered {
        let acc = by_code
            .entry((
                row.unit.unit_id.as_str(),
                row.unit.year,
                row.fund,
                row.code.code.as_str(),
            ))
            .or_default();
        acc.actual.get_or_insert(row);
        if row.budget_initial.is_some() {
            acc.initial.get_or_insert(row);
        }
        if row.budget_final.is_some() {
            acc.last.get_or_insert(row);
        }
    }

    let mut out = Vec::new();
    let mut categories: BTreeMap<(&str, i32, Fund), Vec<ExecutionRow>> = BTreeMap::new();
    for ((unit_id, year, fund, _), acc) in &by_code {
        let Some(actual) = acc.actual else { continue };
        let mut basis = format!("actual={}", actual.source);
        if let Some(r) = acc.initial {
            basis += &format!(" budget_initial={}", r.source);
        }
        if let Some(r) = acc.last {
            basis += &format!(" budget_final={}", r.source);
        }
        let row = ExecutionRow {
            unit: actual.unit.clone(),
            fund: actual.fund,
            code: actual.code.code.clone(),
            level: Some(actual.code.level),
            name: actual.code.name.clone(),
            actual: actual.actual,
            budget_initial: acc.initial.and_then(|r| r.budget_initial),
            budget_final: acc.last.and_then(|r| r.budget_final),
            basis,
            source_file: actual.provenance.file.display_path.clone(),
            source_sha256: actual.provenance.file.sha256.clone(),
        };
        if actual.code.level == Level::Category {
            categories
                .entry((unit_id, *year, *fund))
                .or_default()
                .push(row.clone());
        }
        if acc.initial.is_some() || acc.last.is_some() {
            out.push(row);
        }
    }

    for ((_, _, fund), rows) in categories {
        let budget =
            |f: fn(&ExecutionRow) -> Option<Yuan>| rows.iter().map(f).sum::<Option<Yuan>>();
        let (budget_initial, budget_final) =
            (budget(|r| r.budget_initial), budget(|r| r.budget_final));
        if budget_initial.is_none() && budget_final.is_none() {
            continue;
        }
        let sources: BTreeSet<&str> = rows
            .iter()
            .flat_map(|r| r.basis.split(' '))
            .filter_map(|b| b.split('=').nth(1))
            .collect();
        out.push(ExecutionRow {
            unit: rows[0].unit.clone(),
            fund,
            code: "total".into(),
            level: None,
            name: "部门合计".into(),
            actual: rows.iter().map(|r| r.actual).sum(),
            budget_initial,
            budget_final,
            basis: format!(
                "sum of {} 类 ({})",
                rows.len(),
                sources.into_iter().collect::<Vec<_>>().join(", ")
            ),
            source_file: rows[0].source_file.clone(),
            source_sha256: rows[0].source_sha256.clone(),
        });
    }

    for unit in units {
        let (Some(actual), Some(budget)) = (
            unit.money(Metric::ExecutionFullYear),
            unit.money(Metric::BudgetFullYear),
        ) else {
            continue;
        };
        let fact = &unit.facts[&Metric::ExecutionFullYear];
        out.push(ExecutionRow {
            unit: unit.unit.clone(),
            fund: Fund::All,
            code: "total".into(),
            level: None,
            name: "部门合计".into(),
            actual,
            budget_initial: None,
            budget_final: Some(budget),
            basis: format!(
                "actual=report budget_final=report ({})",
                fact.provenance.reference()
            ),
            source_file: fact.provenance.file.display_path.clone(),
            source_sha256: fact.provenance.file.sha256.clone(),
        });
    }
    out.sort_by(|a, b| {
        (
            &a.unit.unit_id,
            a.unit.year,
            a.fund,
            a.code == "total",
            &a.code,
        )
            .cmp(&(
                &b.unit.unit_id,
                b.unit.year,
                b.fund,
                b.code == "total",
                &b.code,
            ))
    });
    out
}
