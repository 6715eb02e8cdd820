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
//! - `tables.cost_totals`: 人员经费合计 / 公用经费合计 of an economic table = its 类 lines.
//! - `report.vs_tables`: every figure the report and a table both state agrees.
//! - `report.share`: stated shares recomputed from stated amounts.
//! - `report.change`: stated differences and growth rates recomputed.
//! - `report.wrong_budget`: items listed under a budget whose stated total excludes them.
//! - `plausibility.rate`, `plausibility.negative`, `plausibility.yoy`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{ExecutionRow, Metric, UnitRow};
use crate::model::{
    ExpenditureRow, FactValue, Finding, Fund, Printed, RuleId, Severity, Source, SourceFile,
    Statement, UnitIdentity, Yuan,
};
use crate::reference::tables::TableKind;
use crate::transform::Extraction;

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
    /// Records a failed check; `units` is how far off it is in units of the last printed
    /// digit (None: a structural problem, graded by `default`).
    #[allow(clippy::too_many_arguments)]
    /// One check that `parts` add up to `stated` within the rounding of every printed
    /// term: the distance beyond it and the resolution of `stated`, when they do not.
    fn sum_off(&mut self, stated: Yuan, parts: &[Yuan]) -> Option<(Decimal, Decimal)> {
        self.checks += 1;
        let res = resolution(stated);
        let gap = Range::cell(stated, res).gap(Range::sum_of(parts.iter().copied()));
        (!gap.is_zero()).then_some((gap, res))
    }

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
    pub extractions: Vec<&'a Extraction>,
    pub expenditure: &'a [&'a ExpenditureRow],
    pub units: &'a [UnitRow],
    pub execution: &'a [ExecutionRow],
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
    timed("columns", &mut ctx, &mut |ctx| {
        columns(ctx, input.expenditure)
    });
    timed("funds_vs_all", &mut ctx, &mut |ctx| {
        funds_vs_all(ctx, input.expenditure)
    });
    // Rows per unit-year, so that per-file rules do not scan every row of the run.
    let mut by_unit: HashMap<(&str, i32), Vec<&ExpenditureRow>> = HashMap::new();
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
            cost_totals(ctx, x);
            statements(ctx, x, input.units);
        }
    });
    timed("report_vs_tables", &mut ctx, &mut |ctx| {
        report_vs_tables(ctx, input)
    });
    timed("plausibility", &mut ctx, &mut |ctx| {
        plausibility(ctx, input)
    });
    timed("missing_tables", &mut ctx, &mut |ctx| {
        missing_tables(ctx, input)
    });
    (ctx.findings, ctx.checks)
}

/// The nine standard tables (公开01–09) every 部门决算 discloses: a unit-year with tables that
/// lacks one is told which, by its national title. A table is present under any of its
/// titles (财政拨款收支决算总表 is 财政拨款收入支出决算总表), printed empty (本表无数据) or not
/// readable; Beijing's 一般公共预算财政拨款收入支出决算表 carries 公开05's rows.
fn missing_tables(ctx: &mut Ctx, input: &Input) {
    use crate::reference::tables::TableKind;
    use std::collections::BTreeSet;
    let mut found: BTreeMap<
        (&str, i32),
        (
            &Arc<UnitIdentity>,
            BTreeSet<TableKind>,
            Vec<Arc<SourceFile>>,
        ),
    > = BTreeMap::new();
    for x in &input.extractions {
        let Some(unit) = &x.identity else { continue };
        let kinds: BTreeSet<TableKind> = x
            .tables
            .iter()
            .filter(|t| t.status != crate::transform::TableStatus::Unrecognised)
            .filter_map(|t| t.table.as_deref().and_then(TableKind::from_id))
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let entry = found
            .entry((unit.unit_id.as_str(), unit.year))
            .or_insert_with(|| (unit, BTreeSet::new(), Vec::new()));
        entry.1.extend(kinds);
        // A file of empty tables has no record that names it: the others do.
        if let Some(file) = file_of(x) {
            if !entry.2.iter().any(|f| f.display_path == file.display_path) {
                entry.2.push(file);
            }
        }
    }
    for (_, (unit, kinds, files)) in found {
        ctx.checks += 1;
        let covers = |k: TableKind| {
            kinds.contains(&k)
                || (k == TableKind::GeneralPublicExpenditure
                    && kinds.contains(&TableKind::GeneralPublicIncomeExpenditure))
        };
        for (i, kind) in TableKind::national().iter().enumerate() {
            if covers(*kind) {
                continue;
            }
            let Some(file) = files.first() else { continue };
            ctx.fail(
                RuleId::TablesMissing,
                unit,
                file,
                None,
                Severity::Warning,
                format!(
                    "公开{:02} {} is not among the tables of {} {} (none of its titles was found)",
                    i + 1,
                    kind.title(),
                    unit.unit_name,
                    unit.year
                ),
                kind.title().to_string(),
                "missing".into(),
                "none".into(),
                files.iter().map(|f| f.display_path.to_string()).collect(),
            );
        }
    }
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

type TableKey<'a> = (&'a str, i32, Fund, &'a str);

fn tables<'a>(rows: &[&'a ExpenditureRow]) -> BTreeMap<TableKey<'a>, Vec<&'a ExpenditureRow>> {
    let mut by: BTreeMap<TableKey, Vec<&ExpenditureRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.source != Source::Report) {
        by.entry((&r.unit.unit_id, r.unit.year, r.fund, r.source.id()))
            .or_default()
            .push(r);
    }
    by
}

fn hierarchy(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
    for ((_, _, _, source), table) in tables(rows) {
        // Children grouped by parent in one pass: no scan of the table per row.
        let mut children_of: BTreeMap<&str, Vec<&ExpenditureRow>> = BTreeMap::new();
        for r in &table {
            let code = r.code.code.as_str();
            if code.len() > 3 {
                children_of
                    .entry(&code[..code.len() - 2])
                    .or_default()
                    .push(r);
            }
        }
        // Every amount column: 合计 (决算), 基本支出, 项目支出 and the budgets. A blank cell
        // in a family that prints the column counts as nothing spent there; a column the
        // family leaves blank throughout is not checked.
        type Column = (&'static str, fn(&ExpenditureRow) -> Option<Yuan>);
        const COLUMNS: [Column; 5] = [
            ("", |r| Some(r.actual)),
            (" 基本支出", |r| r.basic),
            (" 项目支出", |r| r.project),
            (" 年初预算", |r| r.budget_initial),
            (" 全年预算", |r| r.budget_final),
        ];
        for parent in &table {
            let Some(children) = children_of.get(parent.code.code.as_str()) else {
                continue;
            };
            for (label, value) in COLUMNS {
                if value(parent).is_none() && children.iter().all(|c| value(c).is_none()) {
                    continue;
                }
                let stated = value(parent).unwrap_or(Decimal::ZERO);
                let parts: Vec<Yuan> = children
                    .iter()
                    .map(|c| value(c).unwrap_or(Decimal::ZERO))
                    .collect();
                let Some((gap, res)) = ctx.sum_off(stated, &parts) else {
                    continue;
                };
                let tolerance = res / Decimal::TWO * Decimal::from(children.len() + 1);
                ctx.fail(
                    RuleId::HierarchySum,
                    &parent.unit,
                    &parent.provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "{} {} {}{label} is not the sum of its {} children in {source}",
                        parent.code.level.chinese(),
                        parent.code.code,
                        parent.code.name,
                        children.len()
                    ),
                    fmt(parts.iter().copied().sum()),
                    fmt(stated),
                    fmt(tolerance),
                    std::iter::once(parent.provenance.reference())
                        .chain(children.iter().map(|c| c.provenance.reference()))
                        .collect(),
                );
            }
        }
    }
}

/// 类 add up to the 合计 row of their table (the rest of `hierarchy.sum`).
fn totals(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    type Columns = (
        &'static str,
        fn(&crate::model::TotalRow) -> Option<Yuan>,
        fn(&ExpenditureRow) -> Option<Yuan>,
    );
    // In every amount column the 合计 row prints: 决算, 基本支出, 项目支出.
    const COLUMNS: [Columns; 3] = [
        ("", |t| t.actual, |r| Some(r.actual)),
        (" (基本支出)", |t| t.basic, |r| r.basic),
        (" (项目支出)", |t| t.project, |r| r.project),
    ];
    for total in x
        .totals
        .iter()
        .filter(|t| t.label == "合计" && t.source != Source::Table(TableKind::GeneralPublicBasic))
    {
        let categories: Vec<&ExpenditureRow> = x
            .expenditure
            .iter()
            .filter(|r| r.source == total.source && r.fund == total.fund && r.code.code.len() == 3)
            .collect();
        if categories.is_empty() {
            continue;
        }
        for (label, of_total, of_row) in COLUMNS {
            let Some(value) = of_total(total) else {
                continue;
            };
            let parts: Vec<Yuan> = categories
                .iter()
                .map(|c| of_row(c).unwrap_or(Decimal::ZERO))
                .collect();
            let Some((gap, res)) = ctx.sum_off(value, &parts) else {
                continue;
            };
            ctx.fail(
                RuleId::HierarchySum,
                unit,
                &total.provenance.file,
                (gap / res).to_f64(),
                Severity::Error,
                format!(
                    "the 合计 row of {}{label} is not the sum of its {} 类",
                    total.source,
                    categories.len()
                ),
                fmt(parts.iter().copied().sum()),
                fmt(value),
                fmt(res / Decimal::TWO * Decimal::from(categories.len() + 1)),
                std::iter::once(total.provenance.reference())
                    .chain(categories.iter().map(|c| c.provenance.reference()))
                    .collect(),
            );
        }
    }
}

fn columns(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
    for r in rows.iter().filter(|r| r.source != Source::Report) {
        let (Some(b), Some(p)) = (r.basic, r.project) else {
            continue;
        };
        ctx.checks += 1;
        let res = resolution(r.actual).max(resolution(b)).max(resolution(p));
        let gap = Range::cell(r.actual, res).gap(Range::cell(b, res).add(Range::cell(p, res)));
        if !gap.is_zero() {
            ctx.fail(
                RuleId::ColumnsBasicProject,
                &r.unit,
                &r.provenance.file,
                (gap / res).to_f64(),
                Severity::Error,
                format!(
                    "{} {}: 基本支出 + 项目支出 ≠ 合计",
                    r.code.code, r.code.name
                ),
                fmt(b + p),
                fmt(r.actual),
                fmt(res * Decimal::from(3) / Decimal::TWO),
                vec![r.provenance.reference()],
            );
        }
    }
}

fn funds_vs_all(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
    let tables = tables(rows);
    for ((unit_id, year, fund, _), all) in tables.iter().filter(|((_, _, f, _), _)| *f == Fund::All)
    {
        let _ = fund;
        // One table per fund: the national one where Beijing's addition repeats it.
        let mut best: BTreeMap<Fund, (u8, &Vec<&ExpenditureRow>)> = BTreeMap::new();
        for ((_, _, f, source), t) in tables
            .iter()
            .filter(|((u, y, f, _), _)| u == unit_id && y == year && *f != Fund::All)
        {
            let rank = crate::transform::derive::source_rank(source);
            if best.get(f).is_none_or(|(r, _)| rank < *r) {
                best.insert(*f, (rank, t));
            }
        }
        let parts: Vec<&Vec<&ExpenditureRow>> = best.into_values().map(|(_, t)| t).collect();
        if parts.is_empty() {
            continue;
        }
        for row in all.iter().filter(|r| r.code.code.len() == 3) {
            let pieces: Vec<&&ExpenditureRow> = parts
                .iter()
                .flat_map(|t| t.iter())
                .filter(|r| r.code.code == row.code.code)
                .collect();
            ctx.checks += 1;
            let sum = Range::sum_of(pieces.iter().map(|c| c.actual));
            let res = resolution(row.actual);
            let gap = Range::cell(row.actual, res).gap(sum);
            if !gap.is_zero() {
                ctx.fail(
                    RuleId::TablesFundsVsAll,
                    &row.unit,
                    &row.provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "支出决算表 {} {} ≠ the sum of the fund tables",
                        row.code.code, row.code.name
                    ),
                    fmt(pieces.iter().map(|c| c.actual).sum()),
                    fmt(row.actual),
                    fmt(res / Decimal::TWO * Decimal::from(pieces.len() + 1)),
                    std::iter::once(row.provenance.reference())
                        .chain(pieces.iter().map(|c| c.provenance.reference()))
                        .collect(),
                );
            }
        }
    }
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

fn income_sources(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    let Some(file) = x.facts.first().map(|f| f.provenance.file.clone()) else {
        return;
    };
    for from_table in [true, false] {
        let Some((total, reference)) = money(x, Metric::IncomeTotal, from_table) else {
            continue;
        };
        // 财政拨款收入 as one figure (收入决算表), or by fund (收入支出决算总表 prints the three
        // fund lines instead, and a workbook may hold that table alone).
        let fiscal: Vec<(Yuan, String)> = match money(x, Metric::IncomeFiscal, from_table) {
            Some(f) => vec![f],
            None => [
                Metric::IncomeGeneralPublic,
                Metric::IncomeGovernmentFund,
                Metric::IncomeStateCapital,
            ]
            .iter()
            .filter_map(|m| money(x, *m, from_table))
            .collect(),
        };
        let others = [
            Metric::IncomeSuperior,
            Metric::IncomeBusiness,
            Metric::IncomeOperating,
            Metric::IncomeAffiliated,
            Metric::IncomeOther,
        ];
        let parts: Vec<(Yuan, String)> = fiscal
            .into_iter()
            .chain(others.iter().filter_map(|m| money(x, *m, from_table)))
            .collect();
        if parts.len() < 2 {
            continue;
        }
        ctx.checks += 1;
        let sum = Range::sum_of(parts.iter().map(|(v, _)| *v));
        let res = resolution(total);
        let gap = Range::cell(total, res).gap(sum);
        if !gap.is_zero() {
            ctx.fail(
                RuleId::ColumnsIncomeSources,
                unit,
                &file,
                (gap / res).to_f64(),
                Severity::Error,
                "income by source does not add up to 本年收入合计".into(),
                fmt(parts.iter().map(|p| p.0).sum()),
                fmt(total),
                fmt(res / Decimal::TWO * Decimal::from(parts.len() + 1)),
                std::iter::once(reference)
                    .chain(parts.into_iter().map(|p| p.1))
                    .collect(),
            );
        }
    }
}

/// A list's printed 合计 (政府购买服务) against the sum of its items, within the rounding of
/// every cell.
fn list_totals(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    for list in &x.lists {
        let Some((gap, res)) = ctx.sum_off(list.total, &list.items) else {
            continue;
        };
        let sum: Yuan = list.items.iter().copied().sum();
        ctx.fail(
            RuleId::TablesListTotal,
            unit,
            &list.at.file,
            (gap / res).to_f64(),
            Severity::Warning,
            format!(
                "{} 合计 {} 元 is not the sum of its {} items ({sum} 元)",
                list.what,
                list.total,
                list.items.len()
            ),
            sum.to_string(),
            list.total.to_string(),
            fmt(res / Decimal::TWO * Decimal::from(list.items.len() + 1)),
            vec![list.at.reference()],
        );
    }
}

fn basic_economic(ctx: &mut Ctx, x: &Extraction, rows: &[&ExpenditureRow]) {
    // (economic table, function-code table whose 基本支出 it details, its title)
    const PAIRS: [(TableKind, TableKind, &str); 2] = [
        (
            TableKind::GeneralPublicBasic,
            TableKind::GeneralPublicExpenditure,
            "一般公共预算财政拨款支出决算表",
        ),
        (
            TableKind::GovernmentFundBasic,
            TableKind::GovernmentFund,
            "政府性基金预算财政拨款收入支出决算表",
        ),
    ];
    let Some(unit) = &x.identity else { return };
    for (economic, functional, title) in PAIRS {
        let categories: Vec<_> = x
            .economic
            .iter()
            .filter(|e| e.code.len() == 3 && e.source == Source::Table(economic))
            .collect();
        if categories.is_empty() {
            continue;
        }
        let basic: Vec<&&ExpenditureRow> = rows
            .iter()
            .filter(|r| {
                r.unit.unit_id == unit.unit_id
                    && r.unit.year == unit.year
                    && r.source == Source::Table(functional)
                    && r.code.code.len() == 3
            })
            .collect();
        // A 基本支出 printed as "-" or left blank is no spending: nothing to compare only
        // when no 类 states one at all.
        if basic.iter().all(|r| r.basic.is_none()) {
            continue;
        }
        let total_basic: Yuan = basic.iter().filter_map(|r| r.basic).sum();
        ctx.checks += 1;
        let sum = Range::sum_of(categories.iter().map(|e| e.actual));
        let expected = Range::sum_of(basic.iter().map(|r| r.basic.unwrap_or_default()));
        let gap = sum.gap(expected);
        if !gap.is_zero() {
            ctx.fail(
                RuleId::TablesBasicEconomic,
                unit,
                &categories[0].provenance.file,
                (gap / Decimal::ONE_HUNDRED).to_f64(),
                Severity::Error,
                format!(
                    "基本支出 by 经济分类 ({}) does not add up to the 基本支出 of {title}",
                    economic.id()
                ),
                fmt(total_basic),
                fmt(categories.iter().map(|e| e.actual).sum()),
                "rounding of every cell".into(),
                categories
                    .iter()
                    .map(|e| e.provenance.reference())
                    .collect(),
            );
        }
    }
}

/// 人员经费合计 and 公用经费合计 of an economic table against its own 类 lines. Localities draw
/// 公用经费 differently (302 alone, or with 310 and 309): any of those readings will do.
fn cost_totals(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    for total in x.totals.iter().filter(|t| {
        matches!(t.label.as_str(), "人员经费合计" | "公用经费合计")
            && x.economic.iter().any(|e| e.source == t.source)
    }) {
        let Some(value) = total.actual else { continue };
        let readings: &[&[&str]] = if total.label == "人员经费合计" {
            &[&["301", "303"]]
        } else {
            &[&["302"], &["302", "310"], &["302", "309", "310"]]
        };
        let line = |code: &str| {
            x.economic
                .iter()
                .find(|e| e.source == total.source && e.fund == total.fund && e.code == code)
        };
        ctx.checks += 1;
        let res = resolution(value);
        let gaps: Vec<(Decimal, Vec<&crate::model::EconomicRow>)> = readings
            .iter()
            .map(|codes| {
                let lines: Vec<_> = codes.iter().filter_map(|c| line(c)).collect();
                let sum = Range::sum_of(lines.iter().map(|e| e.actual));
                (Range::cell(value, res).gap(sum), lines)
            })
            .collect();
        if gaps.iter().any(|(gap, _)| gap.is_zero()) {
            continue;
        }
        let Some((gap, lines)) = gaps.into_iter().min_by_key(|(gap, _)| gap.abs()) else {
            continue;
        };
        ctx.fail(
            RuleId::TablesCostTotals,
            unit,
            &total.provenance.file,
            (gap / res).to_f64(),
            Severity::Error,
            format!(
                "{} of {} is not the sum of its 类 lines ({})",
                total.label,
                total.source,
                lines
                    .iter()
                    .map(|e| e.code.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            fmt(lines.iter().map(|e| e.actual).sum()),
            fmt(value),
            "rounding of every cell".into(),
            std::iter::once(total.provenance.reference())
                .chain(lines.iter().map(|e| e.provenance.reference()))
                .collect(),
        );
    }
}

/// The report's own statements: shares, differences and growth rates, list totals.
fn statements(ctx: &mut Ctx, x: &Extraction, units: &[UnitRow]) {
    let Some(unit) = &x.identity else { return };
    let Some(file) = x
        .facts
        .first()
        .map(|f| f.provenance.file.clone())
        .or_else(|| x.expenditure.first().map(|r| r.provenance.file.clone()))
    else {
        return;
    };
    let at = |p: u32| x.paragraph_reference(&file, p);
    for statement in &x.statements {
        match statement {
            Statement::Change {
                subject,
                current,
                base,
                diff,
                pct,
                paragraph,
            } => {
                let (c, d) = (Range::of(current), Range::of(diff));
                if let Some(base) = base {
                    ctx.checks += 1;
                    let computed = c.sub(Range::of(base));
                    let gap = computed.gap(d);
                    if !gap.is_zero() {
                        ctx.fail(
                            RuleId::ReportChange,
                            unit,
                            &file,
                            (gap / diff.unit_size()).to_f64(),
                            Severity::Warning,
                            format!("{subject}: the stated difference is not current − base"),
                            fmt(current.value - base.value),
                            fmt(diff.value),
                            "rounding of the three printed numbers".into(),
                            vec![at(*paragraph)],
                        );
                    }
                }
                let Some(pct) = pct else { continue };
                ctx.checks += 1;
                let base = base.map(|b| Range::of(&b)).unwrap_or_else(|| c.sub(d));
                let magnitude = |r: Range| {
                    if r.lo < Decimal::ZERO && r.hi <= Decimal::ZERO {
                        Range {
                            lo: -r.hi,
                            hi: -r.lo,
                        }
                    } else {
                        r
                    }
                };
                let Some(computed) = magnitude(d).percent_of(base) else {
                    continue;
                };
                let stated = magnitude(Range::of(pct));
                let gap = computed.gap(stated);
                if !gap.is_zero() {
                    ctx.fail(
                        RuleId::ReportChange,
                        unit,
                        &file,
                        (gap / pct.unit_size()).to_f64(),
                        Severity::Warning,
                        format!("{subject}: the stated rate {}% is not the stated difference over the base", pct.value),
                        format!("{}%", fmt(((computed.lo + computed.hi) / Decimal::TWO).round_dp(pct.decimals + 2))),
                        format!("{}%", pct.value),
                        format!("±{}% (rounding)", fmt(pct.half_unit())),
                        vec![at(*paragraph)],
                    );
                }
            }
            Statement::Same {
                subject,
                first,
                second,
                what,
                paragraph,
            } => {
                ctx.checks += 1;
                let gap = Range::of(first).gap(Range::of(second));
                if !gap.is_zero() {
                    let unit_size = first.unit_size().max(second.unit_size());
                    ctx.fail(
                        RuleId::ReportItem,
                        unit,
                        &file,
                        (gap / unit_size).to_f64(),
                        Severity::Error,
                        format!("{subject}: {what} differ"),
                        fmt(second
                            .unit
                            .map_or(second.value, |u| u.scale_exact(second.value))),
                        fmt(first
                            .unit
                            .map_or(first.value, |u| u.scale_exact(first.value))),
                        "rounding of both printed numbers".into(),
                        vec![at(*paragraph)],
                    );
                }
            }
            Statement::Rate {
                subject,
                actual,
                budget,
                of,
                rate,
                paragraph,
            } => {
                ctx.checks += 1;
                let subject = if subject.is_empty() {
                    "a statement"
                } else {
                    subject.as_str()
                };
                // A rate of a budget the sentence does not state: nothing to check it by.
                let Some(budget) = budget else { continue };
                let (b_lo, b_hi) = budget.interval();
                if budget.value.is_zero() {
                    ctx.fail(
                        RuleId::ReportRate,
                        unit,
                        &file,
                        None,
                        Severity::Error,
                        format!("{subject}: {of}预算为0, yet 完成{of}预算的{}%", rate.value),
                        "no rate of a zero budget".into(),
                        format!("{}%", rate.value),
                        "none".into(),
                        vec![at(*paragraph)],
                    );
                    continue;
                }
                let (a_lo, a_hi) = actual.interval();
                if b_lo <= Decimal::ZERO {
                    continue;
                }
                let hundred = Decimal::from(100);
                let computed = Range {
                    lo: a_lo.max(Decimal::ZERO) * hundred / b_hi,
                    hi: a_hi * hundred / b_lo,
                };
                let gap = Range::of(rate).gap(computed);
                if !gap.is_zero() {
                    ctx.fail(
                        RuleId::ReportRate,
                        unit,
                        &file,
                        (gap / rate.unit_size()).to_f64(),
                        Severity::Error,
                        format!(
                            "{subject}: 决算 {} over {of}预算 {} is not the stated {}%",
                            actual.value, budget.value, rate.value
                        ),
                        format!(
                            "{:.prec$}%",
                            ((computed.lo + computed.hi) / Decimal::TWO).round_dp(rate.decimals),
                            prec = rate.decimals as usize
                        ),
                        format!("{}%", rate.value),
                        format!("±{}% (rounding)", fmt(rate.half_unit())),
                        vec![at(*paragraph)],
                    );
                }
            }
            Statement::ShareList {
                fund,
                total,
                items,
                denominator,
                paragraph,
            } => {
                // "本年财政拨款支出" means the fiscal total in one list and the list's own total
                // in another (新街口: 一般公共预算 shares of 39985.83, 政府性基金 "100%"): a share
                // holds when it fits either.
                let fiscal = units
                    .iter()
                    .find(|u| u.unit.unit_id == unit.unit_id && u.unit.year == unit.year)
                    .and_then(|u| {
                        u.money(Metric::FiscalTotal)
                            .or_else(|| u.money(Metric::ExpenditureTotal))
                    });
                let mut denominators: Vec<(Range, String)> = Vec::new();
                if let Some(v) = fiscal {
                    denominators.push((
                        Range::cell(v, resolution(v)),
                        fmt(v / Decimal::from(10_000)),
                    ));
                }
                denominators.push((Range::of(total), fmt(total.value)));
                for item in items {
                    let Some(share) = &item.share else { continue };
                    ctx.checks += 1;
                    let fits: Vec<(Decimal, Range, &String)> = denominators
                        .iter()
                        .filter_map(|(den, label)| {
                            Range::of(&item.amount)
                                .percent_of(*den)
                                .map(|c| (c.gap(Range::of(share)), c, label))
                        })
                        .collect();
                    let Some((gap, computed, label)) =
                        fits.into_iter().min_by(|a, b| a.0.cmp(&b.0))
                    else {
                        continue;
                    };
                    if gap.is_zero() {
                        continue;
                    }
                    let mid = (computed.lo + computed.hi) / Decimal::TWO;
                    let units_off = (gap / share.unit_size()).to_f64().unwrap_or(f64::MAX);
                    let relative = ((share.value - mid).abs() / mid.max(Decimal::new(1, 28)))
                        .to_f64()
                        .unwrap_or(f64::MAX);
                    // A share off by a factor is an error whatever its digits say.
                    let units_off = if relative > 0.5 {
                        units_off.max(FACTOR_UNITS)
                    } else {
                        units_off
                    };
                    ctx.fail(
                        RuleId::ReportShare,
                        unit,
                        &file,
                        Some(units_off),
                        Severity::Warning,
                        format!(
                            "{} {}万元 is {}% of {denominator} {label}万元, not {}%",
                            item.name,
                            item.amount.value,
                            fmt(mid.round_dp(share.decimals + 2)),
                            share.value
                        ),
                        format!("{}%", fmt(mid.round_dp(share.decimals))),
                        format!("{}%", share.value),
                        format!("±{}% (rounding)", fmt(share.half_unit())),
                        vec![at(*paragraph)],
                    );
                }
                wrong_budget(ctx, unit, &file, *fund, total, items, at(*paragraph));
            }
        }
    }
}

/// Beyond this many units a discrepancy is an error whatever the policy's other thresholds.
const FACTOR_UNITS: f64 = 1e6;

/// Items whose removal makes a list add up to its stated total were listed under the wrong
/// budget (新街口 2023: 国有资本经营预算支出 18万元 and 其他支出 2.22万元 under 一般公共预算).
fn wrong_budget(
    ctx: &mut Ctx,
    unit: &Arc<UnitIdentity>,
    file: &Arc<SourceFile>,
    fund: Fund,
    total: &Printed,
    items: &[crate::model::ShareItem],
    reference: String,
) {
    ctx.checks += 1;
    let sum = |skip: &[usize]| {
        items
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .fold(
                Range {
                    lo: Decimal::ZERO,
                    hi: Decimal::ZERO,
                },
                |acc, (_, it)| acc.add(Range::of(&it.amount)),
            )
    };
    let target = Range::of(total);
    if sum(&[]).gap(target).is_zero() {
        return;
    }
    // The smallest set of items (up to three) whose removal reconciles the list.
    let n = items.len();
    let mut found: Option<Vec<usize>> = None;
    'search: for k in 1..=3.min(n) {
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            if sum(&idx).gap(target).is_zero() {
                found = Some(idx.clone());
                break 'search;
            }
            // next combination
            let mut i = k;
            while i > 0 && idx[i - 1] == n - k + i - 1 {
                i -= 1;
            }
            if i == 0 {
                break;
            }
            idx[i - 1] += 1;
            for j in i..k {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
    let budget = match fund {
        Fund::GeneralPublic => "一般公共预算",
        Fund::GovernmentFund => "政府性基金预算",
        Fund::StateCapital => "国有资本经营预算",
        Fund::All => "all funds",
    };
    let listed: String = items
        .iter()
        .map(|i| i.amount.value)
        .sum::<Decimal>()
        .to_string();
    match found {
        Some(extra) => {
            let names: Vec<String> = extra
                .iter()
                .map(|&i| format!("{} {}万元", items[i].name, items[i].amount.value))
                .collect();
            ctx.fail(
                RuleId::ReportWrongBudget,
                unit,
                file,
                None,
                Severity::Error,
                format!(
                    "listed under {budget} although its stated total {}万元 excludes them: {}",
                    total.value,
                    names.join(", ")
                ),
                format!("{}万元", total.value),
                format!("{listed}万元"),
                "rounding of every listed amount".into(),
                vec![reference],
            );
        }
        None => ctx.fail(
            RuleId::ReportWrongBudget,
            unit,
            file,
            None,
            Severity::Warning,
            format!(
                "the items listed under {budget} add up to {listed}万元, not the stated {}万元",
                total.value
            ),
            format!("{}万元", total.value),
            format!("{listed}万元"),
            "rounding of every listed amount".into(),
            vec![reference],
        ),
    }
}

/// Figures that a report and a table of the same unit and year both state must agree.
fn report_vs_tables(ctx: &mut Ctx, input: &Input) {
    // Units metrics: each table fact against the report fact of the same metric.
    for x in input.extractions.iter().filter(|x| x.has_narrative()) {
        let Some(unit) = &x.identity else { continue };
        let tables: Vec<&&Extraction> = input
            .extractions
            .iter()
            .filter(|t| {
                t.identity
                    .as_ref()
                    .is_some_and(|u| u.unit_id == unit.unit_id && u.year == unit.year)
            })
            .collect();
        // The report's facts against the tables' (a PDF carries both).
        for fact in x.facts.iter().filter(|f| !f.provenance.origin.is_table()) {
            let FactValue::Money(stated) = fact.value else {
                continue;
            };
            let Some(table_fact) = tables
                .iter()
                .flat_map(|t| &t.facts)
                .find(|f| f.metric == fact.metric && f.provenance.origin.is_table())
            else {
                continue;
            };
            let FactValue::Money(table_value) = table_fact.value else {
                continue;
            };
            ctx.checks += 1;
            let res = resolution(stated);
            let gap =
                Range::cell(stated, res).gap(Range::cell(table_value, resolution(table_value)));
            if !gap.is_zero() {
                ctx.fail(
                    RuleId::ReportVsTables,
                    unit,
                    &fact.provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "{}: the report says {} 元, the table {} 元",
                        fact.metric,
                        fmt(stated),
                        fmt(table_value)
                    ),
                    fmt(table_value),
                    fmt(stated),
                    fmt(res / Decimal::TWO),
                    vec![
                        fact.provenance.reference(),
                        table_fact.provenance.reference(),
                    ],
                );
            }
        }
    }
    // Per-类 statements against the table rows of the same fund and code (the first table
    // row of each, found through one index rather than a scan per statement).
    let mut table_rows: HashMap<(&str, i32, Fund, &str), &ExpenditureRow> = HashMap::new();
    for t in input
        .expenditure
        .iter()
        .filter(|t| t.source != Source::Report)
    {
        table_rows
            .entry((&t.unit.unit_id, t.unit.year, t.fund, &t.code.code))
            .or_insert(t);
    }
    for r in input
        .expenditure
        .iter()
        .filter(|r| r.source == Source::Report)
    {
        let Some(t) = table_rows
            .get(&(
                r.unit.unit_id.as_str(),
                r.unit.year,
                r.fund,
                r.code.code.as_str(),
            ))
            .copied()
        else {
            continue;
        };
        for (what, stated, table) in [
            ("决算", Some(r.actual), Some(t.actual)),
            ("年初预算", r.budget_initial, t.budget_initial),
        ] {
            let (Some(stated), Some(table)) = (stated, table) else {
                continue;
            };
            ctx.checks += 1;
            // A derived budget (actual ± difference) carries two roundings.
            let res = resolution(stated);
            let width = if what == "年初预算" {
                res * Decimal::TWO
            } else {
                res
            };
            let gap = Range::cell(stated, width).gap(Range::cell(table, resolution(table)));
            if !gap.is_zero() {
                ctx.fail(
                    RuleId::ReportVsTables,
                    &r.unit,
                    &r.provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "{} {} {what}: the report says {} 元, {} says {} 元",
                        r.code.code,
                        r.code.name,
                        fmt(stated),
                        t.source,
                        fmt(table)
                    ),
                    fmt(table),
                    fmt(stated),
                    fmt(width / Decimal::TWO),
                    vec![r.provenance.reference(), t.provenance.reference()],
                );
            }
        }
    }
}

fn plausibility(ctx: &mut Ctx, input: &Input) {
    for e in input.execution {
        for rate in [
            ExecutionRow::rate(e.budget_initial, e.actual),
            ExecutionRow::rate(e.budget_final, e.actual),
        ]
        .into_iter()
        .flatten()
        {
            ctx.checks += 1;
            if !(0.0..=3.0).contains(&rate) {
                let file = Arc::new(SourceFile {
                    display_path: e.source_file.clone(),
                    sha256: e.source_sha256.clone(),
                    bytes: 0,
                });
                ctx.fail(
                    RuleId::PlausibilityRate,
                    &e.unit,
                    &file,
                    None,
                    Severity::Warning,
                    format!(
                        "{} {}: execution rate {:.2}% is outside 0–300%",
                        e.code,
                        e.name,
                        rate * 100.0
                    ),
                    "0–300%".into(),
                    format!("{:.2}%", rate * 100.0),
                    "none".into(),
                    vec![e.source_file.to_string()],
                );
            }
        }
    }
    for r in input.expenditure {
        ctx.checks += 1;
        if r.actual < Decimal::ZERO {
            ctx.fail(
                RuleId::PlausibilityNegative,
                &r.unit,
                &r.provenance.file,
                None,
                Severity::Warning,
                format!("{} {}: negative expenditure", r.code.code, r.code.name),
                "≥ 0".into(),
                fmt(r.actual),
                "none".into(),
                vec![r.provenance.reference()],
            );
        }
    }
    // Year over year: the base a report states ("比上年减少 X") against last year's total.
    for x in input.extractions.iter().filter(|x| x.has_narrative()) {
        let Some(unit) = &x.identity else { continue };
        let Some(previous) = input
            .units
            .iter()
            .find(|u| u.unit.unit_id == unit.unit_id && u.unit.year == unit.year - 1)
        else {
            continue;
        };
        for s in &x.statements {
            let Statement::Change {
                subject,
                current,
                diff,
                paragraph,
                ..
            } = s
            else {
                continue;
            };
            if subject != "收支总计 vs 上年" {
                continue;
            }
            let Some(last) = previous
                .money(Metric::TotalIncomeExpenditure)
                .or_else(|| previous.money(Metric::ExpenditureTotal))
            else {
                continue;
            };
            ctx.checks += 1;
            let base = Range::of(current).sub(Range::of(diff));
            let gap = base.gap(Range::cell(last, resolution(last)));
            if !gap.is_zero() {
                let file = x
                    .facts
                    .first()
                    .map(|f| f.provenance.file.clone())
                    .unwrap_or_else(|| {
                        Arc::new(SourceFile {
                            display_path: "".into(),
                            sha256: "".into(),
                            bytes: 0,
                        })
                    });
                ctx.fail(
                    RuleId::PlausibilityYoy,
                    unit,
                    &file,
                    (gap / current.unit_size()).to_f64(),
                    Severity::Warning,
                    format!("the report's change against {} implies a {} total of {} 元; {} loaded says {} 元", unit.year - 1, unit.year - 1, fmt((base.lo + base.hi) / Decimal::TWO), unit.year - 1, fmt(last)),
                    fmt(last),
                    fmt((base.lo + base.hi) / Decimal::TWO),
                    "rounding of both printed numbers".into(),
                    vec![x.paragraph_reference(&file, *paragraph)],
                );
            }
        }
    }
}
