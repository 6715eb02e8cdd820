//! Reconciliation: every figure checked against every other source of it. A statement is
//! consistent when some values within the rounding of its printed digits make it true
//! (interval arithmetic, not a fixed tolerance). How far off an inconsistent one is, in
//! units of its last printed digit, decides its severity: a one-digit slip (truncating
//! instead of rounding) is `info`, a few digits `warning`, anything larger `error`.
//!
//! Rules (ids are what `findings.rule_id` holds; README documents each with an example):
//! - `hierarchy.sum`: 项 sum to their 款, 款 to their 类, 类 to the 合计 row, in every table.
//! - `columns.basic_project`: 基本支出 + 项目支出 = 合计 on every row.
//! - `columns.income_sources`: income sources sum to 本年收入合计.
//! - `tables.funds_vs_all`: 支出决算表 = 一般公共预算 + 政府性基金 + 国有资本经营 tables, per code.
//! - `tables.basic_economic`: 基本支出决算表 (经济分类) = 基本支出 of 一般公共预算.
//! - `tables.customary`: 30108/30109/30110+30111/30113 of the basic table = 基本支出 of
//!   2080505/2080506/21011/2210201 (a warning: custom, not law).
//! - `tables.cost_totals`: 人员经费合计 / 公用经费合计 of an economic table = its 类 lines.
//! - `report.vs_tables`: every figure the report and a table both state agrees.
//! - `report.share`: stated shares recomputed from stated amounts.
//! - `report.change`: stated differences and growth rates recomputed.
//! - `report.wrong_budget`: items listed under a budget whose stated total excludes them.
//! - `classify.name`: a code printed with a former or variant name (info).
//! - `plausibility.rate`, `plausibility.negative`, `plausibility.yoy`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{Adds, ExecutionRow, Metric, UnitRow};
use crate::model::{
    ExpenditureRow, FactValue, Finding, Fund, Printed, RuleId, Severity, Source, SourceFile,
    Statement, UnitIdentity, Yuan,
};
use crate::reference::tables::TableKind;
use crate::transform::Extraction;

mod direction;
mod hierarchy;
mod magnitude;
mod names;
mod plausibility;
mod report;
mod sections;
mod sums;
mod tables;
use direction::*;
use hierarchy::*;
use magnitude::*;
use names::*;
pub use plausibility::year_total;
use plausibility::*;
use report::*;
use sections::*;
use sums::*;
use tables::*;

/// Severity policy (`[reconcile]` in juesuan.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Off by at most this many units of the last printed digit beyond rounding: `info`.
    #[serde(default = "default_slip")]
    pub slip_units: f64,
    /// Up to this many units: `warning`; beyond: `error`.
    #[serde(default = "default_warning")]
    pub warning_units: f64,
    /// Per-rule severity: `error`, `warning`, `info` or `off`, replacing the computed one.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

fn default_slip() -> f64 {
    0.5
}

fn default_warning() -> f64 {
    2.0
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            slip_units: default_slip(),
            warning_units: default_warning(),
            severity: BTreeMap::new(),
        }
    }
}

impl Policy {
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(0.0..=self.warning_units).contains(&self.slip_units) {
            problems.push(format!(
                "reconcile: slip_units {} must be between 0 and warning_units {}",
                self.slip_units, self.warning_units
            ));
        }
        for (rule, level) in &self.severity {
            if !matches!(level.as_str(), "error" | "warning" | "info" | "off") {
                problems.push(format!(
                    "reconcile.severity.{rule}: {level:?} is not error, warning, info or off"
                ));
            }
            if RuleId::from_id(rule).is_none() {
                problems.push(format!(
                    "reconcile.severity.{rule}: no such rule (rules: {})",
                    RuleId::ALL.map(RuleId::id).join(", ")
                ));
            }
        }
        problems
    }

    /// The severity a finding of `rule` gets: the one `[reconcile.severity]` sets, else the
    /// one its distance grades (`units` of the last printed digit), else `default`; `None`
    /// when the rule is off.
    pub fn govern(&self, rule: RuleId, units: Option<f64>, default: Severity) -> Option<Severity> {
        Some(match self.severity.get(rule.id()).map(String::as_str) {
            Some("off") => return None,
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("info") => Severity::Info,
            _ => units.map_or(default, |u| self.grade(u)),
        })
    }

    fn grade(&self, units: f64) -> Severity {
        if units <= self.slip_units {
            Severity::Info
        } else if units <= self.warning_units {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

/// An interval of values a printed figure allows.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: Decimal,
    hi: Decimal,
}

impl Range {
    fn of(p: &Printed) -> Range {
        let (lo, hi) = p.interval();
        Range { lo, hi }
    }

    /// A table cell or fact in 元 printed at `resolution` (one unit of its last digit).
    fn cell(v: Yuan, resolution: Decimal) -> Range {
        let half = resolution / Decimal::TWO;
        Range {
            lo: v - half,
            hi: v + half,
        }
    }

    /// The sum of table cells, each printed at the resolution its value shows.
    fn sum_of(values: impl IntoIterator<Item = Yuan>) -> Range {
        values.into_iter().fold(
            Range {
                lo: Decimal::ZERO,
                hi: Decimal::ZERO,
            },
            |acc, v| acc.add(Range::cell(v, resolution(v))),
        )
    }

    /// The sum of printed figures, each within its rounding.
    fn sum_printed<'a>(values: impl IntoIterator<Item = &'a Printed>) -> Range {
        values.into_iter().fold(
            Range {
                lo: Decimal::ZERO,
                hi: Decimal::ZERO,
            },
            |acc, p| acc.add(Range::of(p)),
        )
    }

    fn add(self, o: Range) -> Range {
        Range {
            lo: self.lo + o.lo,
            hi: self.hi + o.hi,
        }
    }

    fn sub(self, o: Range) -> Range {
        Range {
            lo: self.lo - o.hi,
            hi: self.hi - o.lo,
        }
    }

    /// self / o × 100, for positive ranges.
    fn percent_of(self, o: Range) -> Option<Range> {
        if o.lo <= Decimal::ZERO {
            return None;
        }
        let h = Decimal::ONE_HUNDRED;
        let candidates = [
            self.lo / o.lo * h,
            self.lo / o.hi * h,
            self.hi / o.lo * h,
            self.hi / o.hi * h,
        ];
        Some(Range {
            lo: candidates.iter().copied().min()?,
            hi: candidates.iter().copied().max()?,
        })
    }

    /// Distance between two ranges; zero when they overlap.
    fn gap(self, o: Range) -> Decimal {
        if self.hi < o.lo {
            o.lo - self.hi
        } else if o.hi < self.lo {
            self.lo - o.hi
        } else {
            Decimal::ZERO
        }
    }
}

/// A value printed in 万元 with two decimals is a whole number of 100 元; anything finer
/// was printed in 元 (or with more decimals).
fn resolution(v: Yuan) -> Decimal {
    if (v % Decimal::ONE_HUNDRED).is_zero() {
        Decimal::ONE_HUNDRED
    } else if v.fract().is_zero() {
        Decimal::ONE
    } else {
        Decimal::new(1, 2)
    }
}

fn fmt(d: Decimal) -> String {
    d.normalize().to_string()
}

struct Ctx<'a> {
    policy: &'a Policy,
    findings: Vec<Finding>,
    checks: usize,
}

impl Ctx<'_> {
    /// One check that `parts` add up to `stated` within the rounding of every printed
    /// term: the distance beyond it and the resolution of `stated`, when they do not.
    fn sum_off(&mut self, stated: Yuan, parts: &[Yuan]) -> Option<(Decimal, Decimal)> {
        self.checks += 1;
        let res = resolution(stated);
        let gap = Range::cell(stated, res).gap(Range::sum_of(parts.iter().copied()));
        (!gap.is_zero()).then_some((gap, res))
    }

    /// Records a failed check; `units` is how far off it is in units of the last printed
    /// digit (None: a structural problem, graded by `default`).
    #[allow(clippy::too_many_arguments)]
    fn fail(
        &mut self,
        rule: RuleId,
        unit: &Arc<UnitIdentity>,
        file: &Arc<SourceFile>,
        units: Option<f64>,
        default: Severity,
        message: String,
        expected: String,
        actual: String,
        tolerance: String,
        references: Vec<String>,
    ) {
        let Some(severity) = self.policy.govern(rule, units, default) else {
            return;
        };
        self.findings.push(Finding {
            unit: Some(unit.clone()),
            file: file.clone(),
            rule,
            severity,
            message,
            expected: Some(expected),
            actual: Some(actual),
            tolerance: Some(tolerance),
            references,
        });
    }
}

/// Everything reconcile looks at, for the partitions being written (and the year before
/// them, for year-over-year checks).
pub struct Input<'a> {
    /// The catalogue, for the names of codes (`code.name`); none in checks that need none.
    pub catalog: Option<&'a crate::reference::catalog::Catalog>,
    pub extractions: Vec<&'a Extraction>,
    pub expenditure: &'a [&'a ExpenditureRow],
    pub units: &'a [UnitRow],
    pub execution: &'a [ExecutionRow],
    /// Totals of unit-years checked before (unit id, year), for the year-over-year check of
    /// a unit whose previous year is not among `units` (a run streams one unit-year at a time).
    pub last_year: Option<&'a crate::FastMap<(String, i32), Yuan>>,
}

/// Runs every rule; returns the findings and how many checks ran.
pub fn reconcile(input: &Input, policy: &Policy) -> (Vec<Finding>, usize) {
    let mut ctx = Ctx {
        policy,
        findings: Vec::new(),
        checks: 0,
    };
    // Time per family of rules, for `RUST_LOG=juesuan=debug`.
    let timed = |name: &str, ctx: &mut Ctx, f: &mut dyn FnMut(&mut Ctx)| {
        let start = std::time::Instant::now();
        f(ctx);
        tracing::debug!(rules = name, elapsed = ?start.elapsed(), "checks");
    };
    timed("hierarchy", &mut ctx, &mut |ctx| {
        hierarchy(ctx, input.expenditure)
    });
    timed("names", &mut ctx, &mut |ctx| {
        names(ctx, input.catalog, input.expenditure)
    });
    timed("columns", &mut ctx, &mut |ctx| {
        columns(ctx, input.expenditure)
    });
    timed("funds_vs_all", &mut ctx, &mut |ctx| {
        funds_vs_all(ctx, input.expenditure)
    });
    // Rows per unit-year, so that per-file rules do not scan every row of the run.
    let mut by_unit: crate::FastMap<(&str, i32), Vec<&ExpenditureRow>> = crate::FastMap::default();
    for r in input.expenditure {
        by_unit
            .entry((r.unit.unit_id.as_str(), r.unit.year))
            .or_default()
            .push(r);
    }
    timed("per file", &mut ctx, &mut |ctx| {
        for x in &input.extractions {
            totals(ctx, x);
            income_sources(ctx, x);
            list_totals(ctx, x);
            let rows = x
                .identity
                .as_ref()
                .and_then(|u| by_unit.get(&(u.unit_id.as_str(), u.year)))
                .map_or(&[][..], Vec::as_slice);
            basic_economic(ctx, x, rows);
            customary(ctx, x, rows);
            cost_totals(ctx, x);
            table_units(ctx, x);
            code_tables(ctx, x);
            balances(ctx, x);
            sections(ctx, x);
            statements(ctx, x, input.units);
        }
    });
    timed("report_vs_tables", &mut ctx, &mut |ctx| {
        report_vs_tables(ctx, input)
    });
    timed("unit sums", &mut ctx, &mut |ctx| {
        unit_sums(ctx, input.units)
    });
    timed("plausibility", &mut ctx, &mut |ctx| {
        plausibility(ctx, input)
    });
    timed("missing_tables", &mut ctx, &mut |ctx| {
        missing_tables(ctx, input)
    });
    (ctx.findings, ctx.checks)
}

/// The file an extraction was read from, from any of its records.
fn file_of(x: &Extraction) -> Option<Arc<SourceFile>> {
    if let Some(file) = &x.file {
        return Some(file.clone());
    }
    x.expenditure
        .first()
        .map(|r| &r.provenance.file)
        .or_else(|| x.economic.first().map(|r| &r.provenance.file))
        .or_else(|| x.facts.first().map(|r| &r.provenance.file))
        .or_else(|| x.totals.first().map(|r| &r.provenance.file))
        .or_else(|| x.rejects.first().map(|r| &r.file))
        .or_else(|| x.findings.first().map(|r| &r.file))
        .cloned()
}

fn money(x: &Extraction, metric: Metric, from_table: bool) -> Option<(Yuan, String)> {
    x.facts
        .iter()
        .filter(|f| f.provenance.origin.is_table() == from_table)
        .find(|f| f.metric == metric)
        .and_then(|f| match f.value {
            FactValue::Money(v) => Some((v, f.provenance.reference())),
            _ => None,
        })
}

#[cfg(test)]
mod tests;
