//! The checks between columns and tables of one document: 基本 + 项目 = 合计
//! (`columns.basic_project`), income by source (`columns.income_sources`), the fund tables
//! against 支出决算表 (`tables.funds_vs_all`), 经济分类 against 功能分类 (`tables.basic_economic`,
//! `tables.cost_totals`), a list against its 合计 (`table.purchased_services_sum`), and the
//! nine standard tables present (`tables.missing`).

use super::*;

/// The nine standard tables (公开01–09) every 部门决算 discloses: a unit-year with tables that
/// lacks one is told which, by its national title. A table is present under any of its
/// titles (财政拨款收支决算总表 is 财政拨款收入支出决算总表), printed empty (本表无数据) or not
/// readable; Beijing's 一般公共预算财政拨款收入支出决算表 carries 公开05's rows.
pub(super) fn missing_tables(ctx: &mut Ctx, input: &Input) {
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

pub(super) fn columns(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
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

pub(super) fn funds_vs_all(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
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

pub(super) fn income_sources(ctx: &mut Ctx, x: &Extraction) {
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
pub(super) fn list_totals(ctx: &mut Ctx, x: &Extraction) {
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

pub(super) fn basic_economic(ctx: &mut Ctx, x: &Extraction, rows: &[&ExpenditureRow]) {
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

/// The contributions the 基本支出决算表 itemises by 经济分类 that are, by custom, paid from
/// the 功能分类 项 named for them: the economic line equals that 项's 基本支出 in
/// 一般公共预算财政拨款支出决算表. (住房公积金 is the 项 2210201, not all of 22102: 购房补贴
/// 2210203 is paid as 303 对个人和家庭的补助.) Custom, not law: a unit may pay a part from
/// another 项, so a difference is a warning.
const CUSTOMARY: [(&[&str], &[&str], &str); 4] = [
    (&["30108"], &["2080505"], "机关事业单位基本养老保险缴费"),
    (&["30109"], &["2080506"], "职业年金缴费"),
    (
        &["30110", "30111"],
        &["21011"],
        "职工基本医疗保险缴费 and 公务员医疗补助缴费",
    ),
    (&["30113"], &["2210201"], "住房公积金"),
];

pub(super) fn customary(ctx: &mut Ctx, x: &Extraction, rows: &[&ExpenditureRow]) {
    let Some(unit) = &x.identity else { return };
    let economic = Source::Table(TableKind::GeneralPublicBasic);
    let functional = Source::Table(TableKind::GeneralPublicExpenditure);
    for (codes, items, what) in CUSTOMARY {
        let lines: Vec<&crate::model::EconomicRow> = x
            .economic
            .iter()
            .filter(|e| e.source == economic && codes.contains(&e.code.as_str()))
            .collect();
        let basic: Vec<(&&ExpenditureRow, Yuan)> = rows
            .iter()
            .filter(|r| {
                r.unit.unit_id == unit.unit_id
                    && r.unit.year == unit.year
                    && r.source == functional
                    && items.contains(&r.code.code.as_str())
            })
            .filter_map(|r| r.basic.map(|b| (r, b)))
            .collect();
        // Both sides printed, or nothing to compare.
        if lines.is_empty() || basic.is_empty() {
            continue;
        }
        ctx.checks += 1;
        let stated = Range::sum_of(lines.iter().map(|e| e.actual));
        let expected = Range::sum_of(basic.iter().map(|(_, b)| *b));
        let gap = stated.gap(expected);
        if gap.is_zero() {
            continue;
        }
        ctx.fail(
            RuleId::TablesCustomary,
            unit,
            &lines[0].provenance.file,
            None,
            Severity::Warning,
            format!(
                "{what}: {} of the 基本支出决算表 is not the 基本支出 of {} in 一般公共预算财政拨款支出决算表, as it customarily is",
                codes.join(" + "),
                items.join(" + ")
            ),
            fmt(basic.iter().map(|(_, b)| *b).sum()),
            fmt(lines.iter().map(|e| e.actual).sum()),
            "rounding of every cell".into(),
            lines
                .iter()
                .map(|e| e.provenance.reference())
                .chain(basic.iter().map(|(r, _)| r.provenance.reference()))
                .collect(),
        );
    }
}

/// 人员经费合计 and 公用经费合计 of an economic table against its own 类 lines. Localities draw
/// 公用经费 differently (302 alone, or with 310 and 309): any of those readings will do.
pub(super) fn cost_totals(ctx: &mut Ctx, x: &Extraction) {
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
