//! `report.direction`: comparison words against the sign of the difference of the figures
//! they are about. "决算数小于预算数" where the actual is larger is an error; so is a change
//! whose words (增加/减少) give the difference the wrong sign. Where the printed figures are
//! equal, 大于/小于/增加/减少 can only hold within rounding: `info` ("持平" is the word).
//! 持平/等于 hold within the rounding of both figures; 基本持平 within
//! [`ROUGHLY_EQUAL`] of the budget (a warning beyond it).

use super::*;
use crate::model::{Claim, Printed};

/// How far 基本持平 may stray: 1% of the budget.
pub const ROUGHLY_EQUAL: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// How the claim fares against one budget: None when it holds, else (severity, why).
fn verdict(claim: Claim, actual: &Printed, budget: &Printed) -> Option<(Severity, String)> {
    let (a, b) = (Range::of(actual), Range::of(budget));
    let value = |p: &Printed| p.unit.map_or(p.value, |u| u.scale_exact(p.value));
    let diff = value(actual) - value(budget);
    match claim {
        Claim::Greater | Claim::Less => {
            let wanted = if claim == Claim::Greater {
                diff > Decimal::ZERO
            } else {
                diff < Decimal::ZERO
            };
            if wanted {
                None
            } else if diff.is_zero() {
                Some((
                    Severity::Info,
                    "the figures are equal as printed (持平)".into(),
                ))
            } else {
                Some((
                    Severity::Error,
                    format!(
                        "the actual is {} the budget",
                        if diff > Decimal::ZERO {
                            "more than"
                        } else {
                            "less than"
                        }
                    ),
                ))
            }
        }
        Claim::Equal => (!a.gap(b).is_zero())
            .then(|| (Severity::Error, format!("they differ by {} 元", fmt(diff)))),
        Claim::RoughlyEqual => {
            let allowed = value(budget).abs() * ROUGHLY_EQUAL;
            (a.gap(b) > allowed).then(|| {
                (
                    Severity::Warning,
                    format!(
                        "they differ by {} 元, more than {}% of the budget",
                        fmt(diff),
                        fmt(ROUGHLY_EQUAL * Decimal::ONE_HUNDRED)
                    ),
                )
            })
        }
    }
}

/// A [`Statement::Direction`]: the words hold when they hold of the budget they name, or,
/// naming none, of one of the budgets stated.
#[allow(clippy::too_many_arguments)]
pub(super) fn direction(
    ctx: &mut Ctx,
    (unit, file): (&Arc<UnitIdentity>, &Arc<SourceFile>),
    subject: &str,
    actual: &Printed,
    budgets: &[(String, Printed)],
    named: Option<&str>,
    claim: Claim,
    words: &str,
    reference: String,
) {
    let against: Vec<&(String, Printed)> = budgets
        .iter()
        .filter(|(kind, _)| named.is_none_or(|n| n == kind))
        .collect();
    if against.is_empty() {
        return;
    }
    ctx.checks += 1;
    let verdicts: Vec<(Severity, String, &(String, Printed))> = against
        .iter()
        .map(|b| verdict(claim, actual, &b.1).map(|(s, why)| (s, why, *b)))
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    // Held against one of them: nothing to say.
    let Some((severity, why, (kind, budget))) = verdicts.into_iter().min_by_key(|v| v.0) else {
        return;
    };
    ctx.fail(
        RuleId::ReportDirection,
        unit,
        file,
        None,
        severity,
        format!(
            "{subject}: \"{words}\", but 决算 {} against {kind}预算 {}: {why}",
            actual.value, budget.value
        ),
        format!("{} vs {}", budget.value, actual.value),
        words.to_string(),
        "rounding of both printed numbers".into(),
        vec![reference],
    );
}

/// A change whose stated difference has the wrong sign (its words say 减少 where the
/// figures rose), or says 增加/减少 of 0: a finding here, and true when the caller's
/// `report.change` has nothing more to say.
pub(super) fn change_words(
    ctx: &mut Ctx,
    (unit, file): (&Arc<UnitIdentity>, &Arc<SourceFile>),
    subject: &str,
    (current, base, diff): (&Printed, &Printed, &Printed),
    reference: &str,
) -> bool {
    let computed = Range::of(current).sub(Range::of(base));
    let says = if diff.value.is_sign_negative() {
        "减少"
    } else {
        "增加"
    };
    if diff.value.is_zero() {
        if !computed.gap(Range::of(diff)).is_zero() {
            return false;
        }
        ctx.fail(
            RuleId::ReportDirection,
            unit,
            file,
            None,
            Severity::Info,
            format!(
                "{subject}: \"{says}0\" where the figures are equal ({} and {}): 持平",
                current.value, base.value
            ),
            "持平".into(),
            format!("{says}{}", diff.value.abs()),
            "none".into(),
            vec![reference.to_string()],
        );
        return true;
    }
    let flipped = Printed {
        value: -diff.value,
        ..*diff
    };
    if !computed.gap(Range::of(diff)).is_zero() && computed.gap(Range::of(&flipped)).is_zero() {
        let right = if says == "增加" { "减少" } else { "增加" };
        ctx.fail(
            RuleId::ReportDirection,
            unit,
            file,
            None,
            Severity::Error,
            format!(
                "{subject}: \"{says}{}\", but {} against {} is a change of {}: {right}",
                diff.value.abs(),
                current.value,
                base.value,
                fmt(current.value - base.value)
            ),
            format!("{right}{}", diff.value.abs()),
            format!("{says}{}", diff.value.abs()),
            "rounding of the three printed numbers".into(),
            vec![reference.to_string()],
        );
        return true;
    }
    false
}

/// "减少 5 万元，增长 3%": the amount's word against the rate's; true when they contradict
/// each other (a finding here, nothing more for `report.change` to say).
pub(super) fn rate_words(
    ctx: &mut Ctx,
    (unit, file): (&Arc<UnitIdentity>, &Arc<SourceFile>),
    subject: &str,
    diff: &Printed,
    pct: &Printed,
    reference: &str,
) -> bool {
    if pct.value.is_zero()
        || diff.value.is_zero()
        || pct.value.is_sign_negative() == diff.value.is_sign_negative()
    {
        return false;
    }
    let (amount, rate, right) = if diff.value.is_sign_negative() {
        ("减少", "增长", "下降")
    } else {
        ("增加", "下降", "增长")
    };
    ctx.fail(
        RuleId::ReportDirection,
        unit,
        file,
        None,
        Severity::Error,
        format!(
            "{subject}: \"{amount}{}\" but \"{rate}{}%\"",
            diff.value.abs(),
            pct.value.abs()
        ),
        format!("{right}{}%", pct.value.abs()),
        format!("{rate}{}%", pct.value.abs()),
        "none".into(),
        vec![reference.to_string()],
    );
    true
}
