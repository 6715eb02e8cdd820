//! The summary tables: 收入决算表 (02), 收入支出决算总表 (01) and 财政拨款收入支出决算总表 (04)
//! by label, and the 三公 table (07).

use super::*;

/// Table 02: the 合计 row gives income in total and by source (units).
pub fn income_totals(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let metrics = [
        ("本年收入合计", Metric::IncomeTotal),
        ("财政拨款收入", Metric::IncomeFiscal),
        ("上级补助收入", Metric::IncomeSuperior),
        ("事业收入", Metric::IncomeBusiness),
        ("经营收入", Metric::IncomeOperating),
        ("附属单位上缴收入", Metric::IncomeAffiliated),
        ("其他收入", Metric::IncomeOther),
    ];
    // The 合计 label stands left of the row's amounts: in the code column, or in the name
    // column with 类 | 款 | 项 before it.
    let Some(r) = t.data_rows(header.data_start).find(|&r| {
        (t.sheet.first_col..t.sheet.end_col)
            .take_while(|&c| !t.sheet.is_number(r, c))
            .any(|c| t.sheet.text(r, c).is_some_and(|s| name_key(s) == "合计"))
    }) else {
        return Err("no 合计 row in 收入决算表".into());
    };
    let mut found = 0;
    for (label, metric) in metrics {
        let col = header.find(|full, parts| {
            parts.last().is_some_and(|l| l.contains(label))
                || (label == "本年收入合计" && full == "合计")
        });
        match t.amount(r, col, &header, label) {
            Ok(value) => {
                found += usize::from(value.is_some());
                t.fact(out, metric, value, r);
            }
            Err(reason) => t.reject_row(out, r, reason),
        }
    }
    Ok(found)
}

/// Table 07: one data row of (预算数, 决算数) pairs per item (units).
pub fn three_public(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, numeric_row)?;
    let r = header.data_start;
    let mut found = 0;
    for (col, parts) in &header.columns {
        let full: String = parts.concat();
        // (budget, actual) of the item the column names.
        let item = if full.contains("公务用车运行维护费")
            || (full.contains("运行维护费") && !full.contains("购置及"))
        {
            (
                Metric::VehicleOperationBudget,
                Metric::VehicleOperationActual,
            )
        } else if full.contains("公务用车购置费") {
            (Metric::VehiclePurchaseBudget, Metric::VehiclePurchaseActual)
        } else if full.contains("公务用车") {
            (Metric::VehiclesBudget, Metric::VehiclesActual)
        } else if full.contains("出国") {
            (Metric::OverseasBudget, Metric::OverseasActual)
        } else if full.contains("接待") {
            (Metric::ReceptionBudget, Metric::ReceptionActual)
        } else if full.contains("合计") {
            (Metric::ThreePublicBudget, Metric::ThreePublicActual)
        } else {
            continue;
        };
        let metric = if full.contains("预算") {
            item.0
        } else if full.contains("决算") {
            item.1
        } else {
            continue;
        };
        found += usize::from(t.amount_fact(out, r, *col, header.unit, metric, &full));
    }
    Ok(found)
}

/// An amount cell as read: blank, a value, or why it is no amount.
pub(super) type AmountRead = Result<Option<Yuan>, String>;

/// What a label of a two-sided summary table (01, 04) means for `units`.
pub(super) fn summary_metric(label: &str) -> Option<Metric> {
    let key = name_key(crate::reference::text::strip_ordinal(label));
    let key = key.trim_end_matches("收入");
    Some(match key {
        "一般公共预算财政拨款" => Metric::IncomeGeneralPublic,
        "政府性基金预算财政拨款" => Metric::IncomeGovernmentFund,
        "国有资本经营预算财政拨款" => Metric::IncomeStateCapital,
        "上级补助" => Metric::IncomeSuperior,
        "事业" => Metric::IncomeBusiness,
        "经营" => Metric::IncomeOperating,
        "附属单位上缴" => Metric::IncomeAffiliated,
        "其他" => Metric::IncomeOther,
        _ => match name_key(label).as_str() {
            "本年收入合计" => Metric::IncomeTotal,
            "本年支出合计" => Metric::ExpenditureTotal,
            "年初结转和结余" => Metric::CarryoverStart,
            "年末结转和结余" => Metric::CarryoverEnd,
            _ => return None,
        },
    })
}

/// The lines of a summary table's balance (年初结转和结余 + 收入 − 支出 − 结余分配 = 年末结转和
/// 结余), as the totals rows carry them for `tables.balance`.
pub mod balance {
    pub const INCOME: &str = "本年收入合计";
    /// 使用非财政拨款结余, 用事业基金弥补收支差额: reserves spent, beside the year's income.
    pub const RESERVES: &str = "使用结余";
    pub const START: &str = "年初结转和结余";
    pub const TOTAL_IN: &str = "总计 (收入)";
    pub const EXPENDITURE: &str = "本年支出合计";
    pub const DISTRIBUTION: &str = "结余分配";
    pub const END: &str = "年末结转和结余";
    pub const TOTAL_OUT: &str = "总计 (支出)";
}

/// The balance line a label of the left (`income`) or right side names.
fn balance_line(key: &str, income: bool) -> Option<&'static str> {
    let carry = key.contains("结转") && key.contains("结余");
    Some(match (income, key) {
        (_, "总计") => {
            if income {
                balance::TOTAL_IN
            } else {
                balance::TOTAL_OUT
            }
        }
        (true, "本年收入合计") => balance::INCOME,
        (true, k) if k.starts_with("年初") && carry => balance::START,
        (true, k) if k.contains("使用非财政拨款结余") || k.contains("用事业基金弥补") => {
            balance::RESERVES
        }
        (false, "本年支出合计") => balance::EXPENDITURE,
        (false, "结余分配") => balance::DISTRIBUTION,
        (false, k) if k.starts_with("年末") && carry => balance::END,
        _ => return None,
    })
}

/// The fund whose appropriation an income metric is.
fn fund_of_income(metric: Metric) -> Option<Fund> {
    match metric {
        Metric::IncomeGeneralPublic => Some(Fund::GeneralPublic),
        Metric::IncomeGovernmentFund => Some(Fund::GovernmentFund),
        Metric::IncomeStateCapital => Some(Fund::StateCapital),
        _ => None,
    }
}

/// Tables 01 and 04: two independent (项目, 决算数…) blocks side by side. The left block's
/// income lines and the totals go to `units`; the right block's 类 lines (printed by name
/// with an ordinal, no code) become `expenditure` rows of the table, resolved by name. In
/// table 04 the 本年支出合计 line gives each fund's expenditure.
pub fn summary_table(t: &TableContext, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, numeric_row)?;
    let labels: Vec<u32> = header
        .columns
        .iter()
        .filter(|(_, p)| p.last().is_some_and(|l| l.contains("项目")))
        .map(|(c, _)| *c)
        .collect();
    if labels.len() < 2 {
        return Err("no 项目 columns for the two sides of the table".into());
    }
    // 行次 columns number the lines (1, 2, 3 …): not amounts.
    let row_number = |c: u32| {
        header
            .columns
            .iter()
            .any(|(col, p)| *col == c && p.last().is_some_and(|l| l == "行次"))
    };
    let value_cols = |label: u32, next: u32| -> Vec<(u32, String)> {
        header
            .columns
            .iter()
            .filter(|(c, _)| *c > label && *c < next && !row_number(*c))
            .map(|(c, p)| (*c, p.concat()))
            .collect()
    };
    let (left, right) = (labels[0], labels[1]);
    let left_values = value_cols(left, right);
    let right_values = value_cols(right, u32::MAX);
    let source = Source::Table(t.block.kind);
    let fund_of = |h: &str| {
        if h.contains("一般公共预算") {
            Some(Fund::GeneralPublic)
        } else if h.contains("政府性基金") {
            Some(Fund::GovernmentFund)
        } else if h.contains("国有资本经营") {
            Some(Fund::StateCapital)
        } else {
            None
        }
    };
    let mut loaded = 0;
    // Past the 年初（财政拨款）结转和结余 line, the fund lines of the left side are each fund's
    // carry-over, not its income.
    let mut past_start = false;
    let balance =
        |out: &mut Extraction, label: &'static str, fund: Fund, v: Option<Yuan>, r: u32| {
            out.totals.push(TotalRow {
                fund,
                source,
                label: label.to_string(),
                actual: v,
                basic: None,
                project: None,
                provenance: t.provenance(r),
            });
        };
    for r in t.data_rows(header.data_start) {
        // Left: income by source, totals.
        if let (Some(label), Some((col, _))) = (t.sheet.text(r, left), left_values.first()) {
            // 总计 (income plus carry-over) is the table's 收支总计: of all funds in 01, of
            // fiscal funds in 04.
            let key = name_key(label);
            let grand_total = (key == "总计").then_some(match t.block.kind {
                TableKind::FiscalSummary => Metric::FiscalTotal,
                _ => Metric::TotalIncomeExpenditure,
            });
            let line = balance_line(&key, true);
            let fund = summary_metric(label).and_then(fund_of_income);
            if line == Some(balance::START) {
                past_start = true;
            }
            match t.sheet.amount(r, *col, header.unit) {
                Ok(v) => {
                    if let Some(line) = line {
                        balance(out, line, Fund::All, v, r);
                    } else if let Some(fund) = fund {
                        let line = if past_start {
                            balance::START
                        } else {
                            balance::INCOME
                        };
                        balance(out, line, fund, v, r);
                    }
                    if let Some(metric) = grand_total.or_else(|| summary_metric(label)) {
                        if !(past_start && fund.is_some()) {
                            t.fact(out, metric, v, r);
                        }
                    }
                }
                Err(reason) => {
                    if grand_total.or_else(|| summary_metric(label)).is_some() || line.is_some() {
                        t.reject_row(out, r, format!("{label}: {reason}"))
                    }
                }
            }
        }
        let Some(label) = t.sheet.text(r, right).map(str::to_string) else {
            continue;
        };
        let amounts: Vec<(Option<Fund>, AmountRead)> = right_values
            .iter()
            .map(|(c, h)| (fund_of(h), t.sheet.amount(r, *c, header.unit)))
            .collect();
        if let Some((_, Err(reason))) = amounts.iter().find(|(_, a)| a.is_err()) {
            t.reject_row(out, r, format!("{label}: {reason}"));
            continue;
        }
        let total = amounts
            .iter()
            .find(|(f, _)| f.is_none())
            .and_then(|(_, a)| a.clone().ok().flatten());
        if let Some(line) = balance_line(&name_key(&label), false) {
            for (fund, amount) in &amounts {
                balance(
                    out,
                    line,
                    fund.unwrap_or(Fund::All),
                    amount.clone().ok().flatten(),
                    r,
                );
            }
        }
        if let Some(metric) = summary_metric(&label).filter(|m| *m != Metric::ExpenditureTotal) {
            t.fact(out, metric, total, r);
            continue;
        }
        if name_key(&label) == "本年支出合计" {
            t.fact(out, Metric::ExpenditureTotal, total, r);
            for (fund, amount) in &amounts {
                let metric = match fund {
                    Some(Fund::GeneralPublic) => Metric::ExpenditureGeneralPublic,
                    Some(Fund::GovernmentFund) => Metric::ExpenditureGovernmentFund,
                    Some(Fund::StateCapital) => Metric::ExpenditureStateCapital,
                    _ => continue,
                };
                t.fact(out, metric, amount.clone().ok().flatten(), r);
            }
            continue;
        }
        // A 类 by name ("七、文化旅游体育与传媒支出"): only table 01's all-fund line is loaded;
        // table 04 repeats the fund tables.
        if t.block.kind != crate::reference::tables::TableKind::IncomeExpenditureSummary {
            continue;
        }
        let Some(actual) = total else { continue };
        let Some((code, status)) = t.catalog.category_by_name(&label, t.unit.year) else {
            if summary_metric(&label).is_none()
                && !is_total_label(&label)
                && !name_key(&label).contains("结转")
                && !name_key(&label).contains("结余")
            {
                t.reject_row(out, r, format!("no 类 in the catalogue is named {label:?}"));
            }
            continue;
        };
        let name_printed = clean_name(crate::reference::text::strip_ordinal(&label));
        let Some(classified) = classify_shared(
            t.catalog,
            &code,
            &name_printed,
            t.unit.year,
            &|_| None,
            Status::Set(status),
        ) else {
            continue;
        };
        out.expenditure.push(ExpenditureRow {
            unit: t.unit.clone(),
            fund: Fund::All,
            source,
            code: classified,
            name_printed,
            actual,
            basic: None,
            project: None,
            budget_initial: None,
            budget_final: None,
            provenance: t.provenance(r),
        });
        loaded += 1;
    }
    Ok(loaded)
}
