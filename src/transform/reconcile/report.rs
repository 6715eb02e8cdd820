//! The report's statements against themselves and against the tables: shares
//! (`report.share`), changes (`report.change`), completion rates (`report.rate`), one figure
//! stated twice (`report.item`), lists under the wrong budget (`report.wrong_budget`), and
//! every figure both state (`report.vs_tables`).

use super::*;

/// The report's own statements: shares, differences and growth rates, list totals.
pub(super) fn statements(ctx: &mut Ctx, x: &Extraction, units: &[UnitRow]) {
    let Some(unit) = &x.identity else { return };
    let Some(file) = file_of(x) else {
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
                    let worded = change_words(
                        ctx,
                        (unit, &file),
                        subject,
                        (current, base, diff),
                        &at(*paragraph),
                    );
                    if !gap.is_zero() && !worded {
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
                if rate_words(ctx, (unit, &file), subject, diff, pct, &at(*paragraph)) {
                    continue;
                }
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
                // "增加307.82万元，增长100.00%" of 307.82: the base is 0, and no rate is
                // the growth from nothing.
                if base.lo <= Decimal::ZERO && base.hi >= Decimal::ZERO && !pct.value.is_zero() {
                    ctx.fail(
                        RuleId::ReportChange,
                        unit,
                        &file,
                        None,
                        Severity::Error,
                        format!(
                            "{subject}: a growth rate of {}% from a base of 0 (the change is the whole current figure, {})",
                            pct.value, current.value
                        ),
                        "no rate of a zero base".into(),
                        format!("{}%", pct.value),
                        "rounding of the printed numbers".into(),
                        vec![at(*paragraph)],
                    );
                    continue;
                }
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
                    share_of(
                        ctx,
                        (unit, &file),
                        (&item.name, &item.amount, share),
                        &denominators,
                        denominator,
                        at(*paragraph),
                    );
                }
                wrong_budget(ctx, unit, &file, *fund, total, items, at(*paragraph));
            }
            Statement::Direction {
                subject,
                actual,
                budgets,
                named,
                claim,
                words,
                paragraph,
            } => direction(
                ctx,
                (unit, &file),
                subject,
                actual,
                budgets,
                named.as_deref(),
                *claim,
                words,
                at(*paragraph),
            ),
            Statement::Parts {
                subject,
                whole,
                parts,
                adds,
                paragraph,
            } => {
                for part in parts {
                    let (Some(share), Some((label, of))) = (&part.share, &part.of) else {
                        continue;
                    };
                    share_of(
                        ctx,
                        (unit, &file),
                        (&part.name, &part.amount, share),
                        &[(Range::of(of), fmt(of.value))],
                        label,
                        at(*paragraph),
                    );
                }
                // "其中" parts add up to their whole when they are all of it, and never
                // exceed it.
                if *adds == Adds::Unchecked || parts.len() < 2 {
                    continue;
                }
                ctx.checks += 1;
                let sum = Range::sum_printed(parts.iter().map(|p| &p.amount));
                let target = Range::of(whole);
                let gap = if *adds == Adds::Exactly {
                    sum.gap(target)
                } else {
                    (sum.lo - target.hi).max(Decimal::ZERO)
                };
                if gap.is_zero() {
                    continue;
                }
                // In 元, whatever unit each was printed in.
                let yuan = |p: &Printed| p.unit.map_or(p.value, |u| u.scale_exact(p.value));
                let total: Decimal = parts.iter().map(|p| yuan(&p.amount)).sum();
                ctx.fail(
                    RuleId::ReportParts,
                    unit,
                    &file,
                    (gap / whole.unit_size()).to_f64(),
                    Severity::Error,
                    format!(
                        "{subject} {}: its parts ({}) {}",
                        whole.value,
                        parts
                            .iter()
                            .map(|p| format!("{} {}", p.name, p.amount.value))
                            .collect::<Vec<_>>()
                            .join(" + "),
                        if *adds == Adds::Exactly {
                            "do not add up to it"
                        } else {
                            "add up to more than it"
                        }
                    ),
                    fmt(yuan(whole)),
                    fmt(total),
                    "rounding of every printed term".into(),
                    vec![at(*paragraph)],
                );
            }
        }
    }
}

/// A stated share (`name amount`, "占 … share%") recomputed against the figures it may be
/// of: the finding names the nearest one.
fn share_of(
    ctx: &mut Ctx,
    (unit, file): (&Arc<UnitIdentity>, &Arc<SourceFile>),
    (name, amount, share): (&str, &Printed, &Printed),
    denominators: &[(Range, String)],
    denominator: &str,
    reference: String,
) {
    ctx.checks += 1;
    let fits: Vec<(Decimal, Range, &String)> = denominators
        .iter()
        .filter_map(|(den, label)| {
            Range::of(amount)
                .percent_of(*den)
                .map(|c| (c.gap(Range::of(share)), c, label))
        })
        .collect();
    let Some((gap, computed, label)) = fits.into_iter().min_by(|a, b| a.0.cmp(&b.0)) else {
        return;
    };
    if gap.is_zero() {
        return;
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
        file,
        Some(units_off),
        Severity::Warning,
        format!(
            "{name} {}万元 is {}% of {denominator} {label}万元, not {}%",
            amount.value,
            fmt(mid.round_dp(share.decimals + 2)),
            share.value
        ),
        format!("{}%", fmt(mid.round_dp(share.decimals))),
        format!("{}%", share.value),
        format!("±{}% (rounding)", fmt(share.half_unit())),
        vec![reference],
    );
}

/// Beyond this many units a discrepancy is an error whatever the policy's other thresholds.
pub(super) const FACTOR_UNITS: f64 = 1e6;

/// Items whose removal makes a list add up to its stated total were listed under the wrong
/// budget (新街口 2023: 国有资本经营预算支出 18万元 and 其他支出 2.22万元 under 一般公共预算).
pub(super) fn wrong_budget(
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
        Range::sum_printed(
            items
                .iter()
                .enumerate()
                .filter(|(i, _)| !skip.contains(i))
                .map(|(_, it)| &it.amount),
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
pub(super) fn report_vs_tables(ctx: &mut Ctx, input: &Input) {
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
            let table_range = Range::cell(table_value, resolution(table_value));
            let gap = Range::cell(stated, res).gap(table_range);
            let slipped = report_slip(
                ctx,
                (unit, &fact.provenance.file),
                &fact.metric.to_string(),
                (stated, res),
                (table_value, "the table"),
                vec![
                    fact.provenance.reference(),
                    table_fact.provenance.reference(),
                ],
            );
            if !slipped && !gap.is_zero() {
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
    let mut table_rows: crate::FastMap<(&str, i32, Fund, &str), &ExpenditureRow> =
        crate::FastMap::default();
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
            let table_range = Range::cell(table, resolution(table));
            let gap = Range::cell(stated, width).gap(table_range);
            let slipped = report_slip(
                ctx,
                (&r.unit, &r.provenance.file),
                &format!("{} {} {what}", r.code.code, r.code.name),
                (stated, width),
                (table, t.source.id()),
                vec![r.provenance.reference(), t.provenance.reference()],
            );
            if !slipped && !gap.is_zero() {
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
