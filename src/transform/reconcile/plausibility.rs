//! Figures that cannot be right whatever else the documents say: rates outside 0–300%,
//! negative expenditure, and a base year that contradicts last year's loaded total.

use super::*;

pub(super) fn plausibility(ctx: &mut Ctx, input: &Input) {
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
        // Last year's total: among the units checked here, else as the run kept it.
        let last = input
            .units
            .iter()
            .find(|u| u.unit.unit_id == unit.unit_id && u.unit.year == unit.year - 1)
            .and_then(year_total)
            .or_else(|| {
                input
                    .last_year
                    .and_then(|m| m.get(&(unit.unit_id.clone(), unit.year - 1)).copied())
            });
        let Some(last) = last else {
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

/// A unit-year's total, as next year's report states its change against it (收支总计, else
/// 支出合计).
pub fn year_total(unit: &UnitRow) -> Option<Yuan> {
    unit.money(Metric::TotalIncomeExpenditure)
        .or_else(|| unit.money(Metric::ExpenditureTotal))
}
