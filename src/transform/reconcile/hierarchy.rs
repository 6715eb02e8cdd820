//! `hierarchy.sum`: 项 add up to their 款, 款 to their 类, and 类 to the table's 合计 row, in
//! every amount column of every table, within the rounding of every printed term.

use super::*;

pub(super) type TableKey<'a> = (&'a str, i32, Fund, &'a str);

pub(super) fn tables<'a>(
    rows: &[&'a ExpenditureRow],
) -> BTreeMap<TableKey<'a>, Vec<&'a ExpenditureRow>> {
    let mut by: BTreeMap<TableKey, Vec<&ExpenditureRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.source != Source::Report) {
        by.entry((&r.unit.unit_id, r.unit.year, r.fund, r.source.id()))
            .or_default()
            .push(r);
    }
    by
}

pub(super) fn hierarchy(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
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
pub(super) fn totals(ctx: &mut Ctx, x: &Extraction) {
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
