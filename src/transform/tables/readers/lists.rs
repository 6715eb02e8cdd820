//! Beijing's lists: 政府采购情况表 and 政府购买服务决算公开情况表, per purchasing unit or item
//! with a 合计 row.

use super::*;

/// The row of a one-line table that gives the unit's figures: its 合计/总计 row, or its only
/// data row. Several unit rows without a total are summed by the caller.
pub(super) fn label_is_total(t: &TableContext, r: u32) -> bool {
    (t.sheet.first_col..t.sheet.end_col.min(t.sheet.first_col + 3))
        .any(|c| t.sheet.text(r, c).is_some_and(is_total_label))
}

/// A data row of a list table: any number in it, or a total label in its leading columns
/// with no other words beside it (`合计 | 货物 | 工程 | 服务` under a group label is a header).
pub(super) fn list_row(sheet: &Sheet, r: u32) -> bool {
    if name_key(&sheet.row_text(r)).starts_with("栏次") {
        return false;
    }
    let cols = sheet.first_col..sheet.end_col;
    let numbers = cols.clone().any(|c| {
        matches!(
            sheet.get(r, c),
            calamine::Data::Float(_) | calamine::Data::Int(_)
        ) || sheet.is_number(r, c)
    });
    let worded = |c: u32| {
        !sheet.is_merged_tail(r, c)
            && sheet
                .text(r, c)
                .is_some_and(|t| t.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)))
    };
    numbers
        || (cols.clone().filter(|&c| worded(c)).count() == 1
            && cols.take(2).any(|c| {
                !sheet.is_merged_tail(r, c) && sheet.text(r, c).is_some_and(is_total_label)
            }))
}

/// Beijing's 政府采购情况表: procurement by kind (货物, 工程, 服务) and the contracts awarded to
/// small and medium firms, per purchasing unit, with a 合计 row. Planned amounts (采购计划) are
/// not in `units`; actual ones are. Read from the 合计 row, or the only unit's row.
pub fn procurement(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, list_row)?;
    let rows: Vec<u32> = t.data_rows(header.data_start).collect();
    let r = match rows.iter().copied().find(|&r| label_is_total(t, r)) {
        Some(r) => r,
        None if rows.len() == 1 => rows[0],
        None => {
            return Err(format!(
                "{} purchasing units and no 合计 row: the department's figures are not printed",
                rows.len()
            ))
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut found = 0;
    for (col, parts) in &header.columns {
        let full = parts.concat();
        if full.contains("计划") || full.contains("预算") || full.contains("序号") {
            continue;
        }
        let leaf = parts.last().map(String::as_str).unwrap_or("");
        let metric = if full.contains("小微企业") {
            Metric::ProcurementSmallMicro
        } else if full.contains("中小企业") {
            Metric::ProcurementSme
        } else if leaf.contains("货物") {
            Metric::ProcurementGoods
        } else if leaf.contains("工程") {
            Metric::ProcurementWorks
        } else if leaf.contains("服务") {
            Metric::ProcurementServices
        } else if leaf.contains("合计") || leaf.contains("总计") || leaf.contains("总额") {
            Metric::ProcurementTotal
        } else {
            continue;
        };
        if !seen.insert(metric) {
            continue;
        }
        found += usize::from(t.amount_fact(out, r, *col, header.unit, metric, &full));
    }
    if found == 0 {
        return Err("no 实际采购金额 column (合计 / 货物 / 工程 / 服务) in the header".into());
    }
    Ok(found)
}

/// Beijing's 政府购买服务决算公开情况表: one row per purchased service with its amount. The
/// total goes to `units` (`purchased_services`): the 合计 row when printed, checked against
/// the sum of the items; otherwise the exact sum of the items.
pub fn purchased_services(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, list_row)?;
    let col = header
        .find(|full, parts| {
            let leaf = parts.last().map(String::as_str).unwrap_or("");
            !full.contains("预算")
                && (leaf.contains("金额") || leaf.contains("决算") || leaf.contains("支出"))
        })
        .ok_or("no 金额 / 决算数 column in the header")?;
    let mut total: Option<(u32, Yuan)> = None;
    let mut sum = Yuan::ZERO;
    let mut items = 0;
    let mut listed = Vec::new();
    let mut first_item = None;
    for r in t.data_rows(header.data_start) {
        let value = match t.sheet.amount(r, col, header.unit) {
            Ok(v) => v,
            Err(reason) => {
                t.reject_row(out, r, format!("金额 column: {reason}"));
                continue;
            }
        };
        if label_is_total(t, r) {
            if let (None, Some(v)) = (total, value) {
                total = Some((r, v));
            }
            continue;
        }
        if let Some(v) = value {
            sum += v;
            items += 1;
            listed.push(v);
            first_item.get_or_insert(r);
        }
    }
    match total {
        Some((r, v)) => {
            t.fact(out, Metric::PurchasedServices, Some(v), r);
            if items > 0 {
                // Checked by reconcile, within the rounding of every cell.
                out.lists.push(ListTotal {
                    what: "政府购买服务".into(),
                    total: v,
                    items: listed,
                    at: t.provenance(r),
                });
            }
        }
        None => {
            if let Some(r) = first_item {
                t.fact(out, Metric::PurchasedServices, Some(sum), r);
            }
        }
    }
    Ok(items)
}
