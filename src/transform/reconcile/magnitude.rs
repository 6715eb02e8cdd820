//! `amount.unit`: 元 and 万元 mixed. A figure that disagrees with another source of it but
//! agrees once multiplied or divided by 10,000 was printed in the other unit; so is a table
//! whose every figure is 10,000 times the same codes' figures in the document's other tables
//! (its `单位：` line contradicts its magnitudes). The finding gives the corrected reading.

use super::*;

const TEN_THOUSAND: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// How `stated` relates to `other` when it agrees only after scaling: `Some(true)` when it
/// is 10,000 times `other` (元 read as 万元), `Some(false)` when it is a 10,000th of it.
pub(super) fn slip(stated: Range, other: Range) -> Option<bool> {
    let zero = |r: Range| r.lo <= Decimal::ZERO && r.hi >= Decimal::ZERO;
    // Three significant digits at least on both sides: "0.3万元" agrees with 2961.68 元 ×
    // 10,000 only by the poverty of its one digit, which is no evidence of a slip.
    let precise =
        |r: Range| (r.hi - r.lo) * Decimal::ONE_HUNDRED <= ((r.lo + r.hi) / Decimal::TWO).abs();
    if zero(stated) || zero(other) || stated.gap(other).is_zero() {
        return None;
    }
    if !precise(stated) || !precise(other) {
        return None;
    }
    let scaled = |r: Range, up: bool| {
        let f = |v: Decimal| {
            if up {
                v.checked_mul(TEN_THOUSAND).unwrap_or(Decimal::MAX)
            } else {
                v / TEN_THOUSAND
            }
        };
        Range {
            lo: f(r.lo),
            hi: f(r.hi),
        }
    };
    if scaled(stated, false).gap(other).is_zero() {
        Some(true)
    } else if scaled(stated, true).gap(other).is_zero() {
        Some(false)
    } else {
        None
    }
}

/// The message and corrected reading of a slipped figure.
pub(super) fn reading(stated: Yuan, larger: bool) -> (String, String) {
    if larger {
        (
            "10,000 times the other source: printed in 元 and read as 万元 (or labelled 万元 and printed in 元)".into(),
            fmt(stated / TEN_THOUSAND),
        )
    } else {
        (
            "a 10,000th of the other source: printed in 万元 and read as 元 (or labelled 元 and printed in 万元)".into(),
            fmt(stated * TEN_THOUSAND),
        )
    }
}

/// `amount.unit` for a report's figure (printed at `width`) against a table's: true when it
/// agrees only scaled (the finding is made; `report.vs_tables` has nothing to add).
pub(super) fn report_slip(
    ctx: &mut Ctx,
    (unit, file): (&Arc<UnitIdentity>, &Arc<SourceFile>),
    what: &str,
    (stated, width): (Yuan, Decimal),
    (table, source): (Yuan, &str),
    references: Vec<String>,
) -> bool {
    let Some(larger) = slip(
        Range::cell(stated, width),
        Range::cell(table, resolution(table)),
    ) else {
        return false;
    };
    let (why, corrected) = reading(stated, larger);
    ctx.fail(
        RuleId::AmountUnit,
        unit,
        file,
        None,
        Severity::Error,
        format!(
            "{what}: the report's {} 元 is {why}; {source} says {} 元",
            fmt(stated),
            fmt(table)
        ),
        corrected,
        fmt(stated),
        fmt(width / Decimal::TWO),
        references,
    );
    true
}

/// Tables of one document against each other: a table whose figures are all 10,000 times
/// (or a 10,000th of) the same codes' figures in another table.
pub(super) fn table_units(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    // (source, fund) → code → row; the same code in two tables of one fund family.
    let mut by: BTreeMap<Source, BTreeMap<&str, &ExpenditureRow>> = BTreeMap::new();
    for r in x.expenditure.iter().filter(|r| r.source != Source::Report) {
        by.entry(r.source)
            .or_default()
            .entry(r.code.code.as_str())
            .or_insert(r);
    }
    let sources: Vec<Source> = by.keys().copied().collect();
    // Per source: the other sources it shares figures with, and those it is scaled against.
    let mut slipped: BTreeMap<Source, Vec<(Source, bool, &ExpenditureRow, &ExpenditureRow)>> =
        BTreeMap::new();
    let mut agrees: BTreeMap<Source, usize> = BTreeMap::new();
    for (i, a) in sources.iter().enumerate() {
        for b in &sources[i + 1..] {
            let (rows_a, rows_b) = (&by[a], &by[b]);
            let (mut same, mut up, mut down) = (0usize, Vec::new(), Vec::new());
            for (code, ra) in rows_a {
                let Some(rb) = rows_b.get(code) else { continue };
                let (va, vb) = (
                    Range::cell(ra.actual, resolution(ra.actual)),
                    Range::cell(rb.actual, resolution(rb.actual)),
                );
                match slip(va, vb) {
                    Some(true) => up.push((*ra, *rb)),
                    Some(false) => down.push((*ra, *rb)),
                    None if va.gap(vb).is_zero() && !ra.actual.is_zero() => same += 1,
                    None => {}
                }
            }
            ctx.checks += 1;
            // Every shared nonzero figure scaled one way, none equal: the tables disagree by
            // their units. (A few equal zeros say nothing.)
            let scaled = if same == 0 && down.is_empty() && !up.is_empty() {
                Some((true, up))
            } else if same == 0 && up.is_empty() && !down.is_empty() {
                Some((false, down))
            } else {
                if same > 0 {
                    *agrees.entry(*a).or_default() += 1;
                    *agrees.entry(*b).or_default() += 1;
                }
                None
            };
            if let Some((larger, pairs)) = scaled {
                let (ra, rb) = pairs[0];
                slipped.entry(*a).or_default().push((*b, larger, ra, rb));
                slipped.entry(*b).or_default().push((*a, !larger, rb, ra));
            }
        }
    }
    // The table scaled against the others while they agree among themselves is the one;
    // between two tables alone, the pair is named once.
    let mut named: Vec<(Source, Source)> = Vec::new();
    for (source, against) in &slipped {
        let culprit = against.len() >= 2 || agrees.get(source).copied().unwrap_or(0) == 0;
        if !culprit {
            continue;
        }
        // Against the tables that are not themselves the odd one out, not named yet.
        let others: Vec<&(Source, bool, &ExpenditureRow, &ExpenditureRow)> = against
            .iter()
            .filter(|(other, ..)| {
                slipped.get(other).is_none_or(|o| o.len() < 2)
                    && !named.contains(&(*other, *source))
            })
            .collect();
        let Some((_, larger, row, _)) = others.first().copied() else {
            continue;
        };
        named.extend(others.iter().map(|(other, ..)| (*source, *other)));
        let (why, corrected) = reading(row.actual, *larger);
        ctx.fail(
            RuleId::AmountUnit,
            unit,
            &row.provenance.file,
            None,
            Severity::Error,
            format!(
                "{source}'s figures are {why} — {} {}: {} 元 in {source}; {}",
                row.code.code,
                row.code.name,
                fmt(row.actual),
                others
                    .iter()
                    .map(|(other, _, _, o)| format!("{} 元 in {other}", fmt(o.actual)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            corrected,
            fmt(row.actual),
            "rounding of both printed numbers".into(),
            std::iter::once(row.provenance.reference())
                .chain(others.iter().map(|(_, _, _, o)| o.provenance.reference()))
                .collect(),
        );
    }
}
