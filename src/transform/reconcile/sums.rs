//! Totals a document states beside their parts, outside the function-code tables:
//!
//! - `tables.balance`: in 收入支出决算总表 (01) and 财政拨款收入支出决算总表 (04, per fund
//!   column), 年初结转和结余 + 本年收入 (+ 使用非财政拨款结余) − 本年支出 − 结余分配 = 年末结转和
//!   结余, and each side adds up to its 总计.
//! - `facts.three_public`: 三公 合计 = 因公出国（境） + 公务用车 + 公务接待, and 公务用车 =
//!   购置 + 运行维护, for the budget and the actual.
//! - `facts.procurement`: 政府采购支出总额 = 货物 + 工程 + 服务, when stated apart (one
//!   sentence stating them all is `report.parts`'s).
//! - `facts.operating_costs`: 机关运行经费 is part of the 公用经费 of basic expenditure: above
//!   it is a warning.

use super::*;
use crate::model::TotalRow;
use crate::transform::tables::readers::balance;

pub(super) fn balances(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    // (table, fund) → line → the first row printing it.
    let mut by: BTreeMap<(Source, Fund), BTreeMap<&str, &TotalRow>> = BTreeMap::new();
    for t in x.totals.iter().filter(|t| {
        matches!(
            t.source,
            Source::Table(TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary)
        )
    }) {
        by.entry((t.source, t.fund))
            .or_default()
            .entry(t.label.as_str())
            .or_insert(t);
    }
    for ((source, fund), lines) in &by {
        let value = |line: &str| lines.get(line).and_then(|t| t.actual);
        let rows = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter_map(|n| lines.get(n))
                .map(|t| t.provenance.reference())
                .collect()
        };
        let printed = |line: &str| lines.contains_key(line);
        let fund_name = match fund {
            Fund::All => "合计".to_string(),
            f => f.as_str().to_string(),
        };
        // The identity, when the year's movements and the carry-over at its end are printed.
        let movements = [balance::INCOME, balance::EXPENDITURE];
        let any_figure = [
            balance::INCOME,
            balance::EXPENDITURE,
            balance::START,
            balance::END,
        ]
        .iter()
        .any(|l| value(l).is_some_and(|v| !v.is_zero()));
        if printed(balance::END) && movements.iter().all(|l| printed(l)) && any_figure {
            let zero = Decimal::ZERO;
            let terms = [
                value(balance::START).unwrap_or(zero),
                value(balance::INCOME).unwrap_or(zero),
                value(balance::RESERVES).unwrap_or(zero),
                -value(balance::EXPENDITURE).unwrap_or(zero),
                -value(balance::DISTRIBUTION).unwrap_or(zero),
            ];
            let end = value(balance::END).unwrap_or(zero);
            if let Some((gap, res)) = ctx.sum_off(end, &terms) {
                let computed: Decimal = terms.iter().sum();
                ctx.fail(
                    RuleId::TablesBalance,
                    unit,
                    &lines[balance::END].provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "{source} ({fund_name}): 年初结转和结余 + 本年收入 − 本年支出 − 结余分配 is {}, not the printed 年末结转和结余 {}",
                        fmt(computed),
                        fmt(end)
                    ),
                    fmt(computed),
                    fmt(end),
                    "rounding of every cell".into(),
                    rows(&[
                        balance::START,
                        balance::INCOME,
                        balance::RESERVES,
                        balance::EXPENDITURE,
                        balance::DISTRIBUTION,
                        balance::END,
                    ]),
                );
            }
        }
        // Each side against its 总计.
        for (total, parts) in [
            (
                balance::TOTAL_IN,
                [balance::INCOME, balance::RESERVES, balance::START],
            ),
            (
                balance::TOTAL_OUT,
                [balance::EXPENDITURE, balance::DISTRIBUTION, balance::END],
            ),
        ] {
            let Some(stated) = value(total) else { continue };
            if !parts.iter().any(|p| printed(p)) {
                continue;
            }
            let values: Vec<Yuan> = parts.iter().filter_map(|p| value(p)).collect();
            if let Some((gap, res)) = ctx.sum_off(stated, &values) {
                let mut names = parts.to_vec();
                names.push(total);
                ctx.fail(
                    RuleId::TablesBalance,
                    unit,
                    &lines[total].provenance.file,
                    (gap / res).to_f64(),
                    Severity::Error,
                    format!(
                        "{source} ({fund_name}): {} add up to {}, not the printed 总计 {}",
                        parts.join(" + "),
                        fmt(values.iter().sum()),
                        fmt(stated)
                    ),
                    fmt(values.iter().sum()),
                    fmt(stated),
                    "rounding of every cell".into(),
                    rows(&names),
                );
            }
        }
    }
}

/// A total of the `units` row against its parts: a finding when they do not add up.
fn parts_of(
    ctx: &mut Ctx,
    row: &UnitRow,
    rule: RuleId,
    total: Metric,
    parts: &[Metric],
    what: &str,
) {
    let Some(stated) = row.money(total) else {
        return;
    };
    let values: Vec<(Metric, Yuan)> = parts
        .iter()
        .filter_map(|m| row.money(*m).map(|v| (*m, v)))
        .collect();
    if values.is_empty() {
        return;
    }
    let sum: Vec<Yuan> = values.iter().map(|(_, v)| *v).collect();
    let Some((gap, res)) = ctx.sum_off(stated, &sum) else {
        return;
    };
    let Some(fact) = row.facts.get(&total) else {
        return;
    };
    ctx.fail(
        rule,
        &row.unit,
        &fact.provenance.file,
        (gap / res).to_f64(),
        Severity::Error,
        format!(
            "{what}: {} add up to {}, not the stated {} {}",
            values
                .iter()
                .map(|(m, v)| format!("{} {}", m.column(), fmt(*v)))
                .collect::<Vec<_>>()
                .join(" + "),
            fmt(sum.iter().sum()),
            total.column(),
            fmt(stated)
        ),
        fmt(sum.iter().sum()),
        fmt(stated),
        "rounding of every printed figure".into(),
        std::iter::once(total)
            .chain(values.iter().map(|(m, _)| *m))
            .filter_map(|m| row.facts.get(&m))
            .map(|f| f.provenance.reference())
            .collect(),
    );
}

pub(super) fn unit_sums(ctx: &mut Ctx, units: &[UnitRow]) {
    for row in units {
        use Metric::*;
        parts_of(
            ctx,
            row,
            RuleId::FactsThreePublic,
            ThreePublicActual,
            &[OverseasActual, VehiclesActual, ReceptionActual],
            "三公经费 决算",
        );
        parts_of(
            ctx,
            row,
            RuleId::FactsThreePublic,
            ThreePublicBudget,
            &[OverseasBudget, VehiclesBudget, ReceptionBudget],
            "三公经费 预算",
        );
        parts_of(
            ctx,
            row,
            RuleId::FactsThreePublic,
            VehiclesActual,
            &[VehiclePurchaseActual, VehicleOperationActual],
            "公务用车购置及运行维护费 决算",
        );
        parts_of(
            ctx,
            row,
            RuleId::FactsThreePublic,
            VehiclesBudget,
            &[VehiclePurchaseBudget, VehicleOperationBudget],
            "公务用车购置及运行维护费 预算",
        );
        // One sentence stating the total and its kinds is report.parts's.
        let procurement = [
            ProcurementTotal,
            ProcurementGoods,
            ProcurementWorks,
            ProcurementServices,
        ];
        let places: BTreeSet<String> = procurement
            .iter()
            .filter_map(|m| row.facts.get(m))
            .map(|f| f.provenance.reference())
            .collect();
        if places.len() > 1 {
            parts_of(
                ctx,
                row,
                RuleId::FactsProcurement,
                ProcurementTotal,
                &procurement[1..],
                "政府采购支出总额",
            );
        }
        operating_costs(ctx, row);
    }
}

fn operating_costs(ctx: &mut Ctx, row: &UnitRow) {
    let (Some(operating), Some(public)) = (
        row.money(Metric::OperatingCosts),
        row.money(Metric::PublicCosts),
    ) else {
        return;
    };
    ctx.checks += 1;
    let (o, p) = (
        Range::cell(operating, resolution(operating)),
        Range::cell(public, resolution(public)),
    );
    if o.lo <= p.hi {
        return;
    }
    let refs = [Metric::OperatingCosts, Metric::PublicCosts]
        .iter()
        .filter_map(|m| row.facts.get(m))
        .map(|f| f.provenance.reference())
        .collect();
    let Some(fact) = row.facts.get(&Metric::OperatingCosts) else {
        return;
    };
    ctx.fail(
        RuleId::FactsOperatingCosts,
        &row.unit,
        &fact.provenance.file,
        None,
        Severity::Warning,
        format!(
            "机关运行经费 {} 元 is more than the 公用经费 of basic expenditure, {} 元, that it is part of",
            fmt(operating),
            fmt(public)
        ),
        format!("at most {}", fmt(public)),
        fmt(operating),
        "rounding of both printed figures".into(),
        refs,
    );
}
