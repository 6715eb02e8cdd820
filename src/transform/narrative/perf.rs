//! The project performance self-evaluation table (项目支出绩效自评表), from a real Word table
//! or its flattened text form: the project, its 年初预算数 / 全年预算数 / 全年执行数 / 执行率 /
//! 得分, and every indicator with its target, actual, weight and score.

use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use std::sync::Arc;

use crate::model::{parse_decimal_text, MoneyUnit, PerformanceProject, Provenance, UnitIdentity};
use crate::reference::text::{fold_width, name_key};

fn cell_key(cell: &str) -> String {
    name_key(cell)
}

fn ratio(cell: &str) -> Option<f64> {
    let folded = fold_width(cell);
    let t = folded.trim().trim_end_matches('%');
    let v = parse_decimal_text(t)?;
    (v / rust_decimal::Decimal::from(100)).to_f64()
}

fn decimal(cell: &str) -> Option<rust_decimal::Decimal> {
    parse_decimal_text(fold_width(cell).trim())
}

/// Reads a table whose rows include "项目名称" into a `performance_projects` row of
/// `owner`; `None` for any other table.
pub fn read(
    rows: &[Vec<String>],
    owner: &Arc<UnitIdentity>,
    provenance: Provenance,
) -> Option<PerformanceProject> {
    let project = rows.iter().find_map(|r| {
        let i = r.iter().position(|c| cell_key(c) == "项目名称")?;
        r.get(i + 1)
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
    })?;
    // Money is printed in the unit the 项目资金 header names (万元 by default).
    let unit = if rows
        .iter()
        .flatten()
        .any(|c| cell_key(c).contains("项目资金(元)") || cell_key(c).contains("项目资金（元）"))
    {
        MoneyUnit::Yuan
    } else {
        MoneyUnit::Wanyuan
    };
    let header = rows.iter().position(|r| {
        r.iter().any(|c| cell_key(c) == "年初预算数") && r.iter().any(|c| cell_key(c) == "执行率")
    });
    let mut table = PerformanceProject {
        unit: owner.clone(),
        project,
        budget_initial: None,
        budget_final: None,
        actual: None,
        execution_rate_reported: None,
        score: None,
        indicators: Some("[]".into()),
        provenance,
    };
    if let Some(h) = header {
        let col = |label: &str| rows[h].iter().position(|c| cell_key(c) == label);
        if let Some(values) = rows[h + 1..]
            .iter()
            .find(|r| r.iter().any(|c| cell_key(c).contains("年度资金总额")))
        {
            let at = |label: &str| col(label).and_then(|i| values.get(i));
            let money = |label: &str| {
                at(label)
                    .and_then(|c| decimal(c))
                    .and_then(|d| unit.to_yuan(d))
            };
            table.budget_initial = money("年初预算数");
            table.budget_final = money("全年预算数");
            table.actual = money("全年执行数");
            table.execution_rate_reported = at("执行率").and_then(|c| ratio(c));
        }
    }
    // Indicators: the rows under the header naming 三级指标 … 得分.
    if let Some(h) = rows
        .iter()
        .position(|r| r.iter().any(|c| cell_key(c) == "三级指标"))
    {
        let head = &rows[h];
        let col = |label: &str| head.iter().position(|c| cell_key(c).contains(label));
        let (l1, l2, l3) = (col("一级指标"), col("二级指标"), col("三级指标"));
        let (target, actual, weight, score) = (
            col("年度指标值"),
            col("实际完成值"),
            col("分值"),
            col("得分"),
        );
        let mut last = (String::new(), String::new());
        let mut indicators = Vec::new();
        for row in &rows[h + 1..] {
            if row.len() != head.len() {
                continue; // 总分 and other summary rows
            }
            let get = |i: Option<usize>| {
                i.and_then(|i| row.get(i))
                    .map(|c| c.trim().to_string())
                    .unwrap_or_default()
            };
            let name = get(l3);
            if name.is_empty() {
                continue;
            }
            let (a, b) = (get(l1), get(l2));
            if !a.is_empty() {
                last.0 = a;
            }
            if !b.is_empty() {
                last.1 = b;
            }
            indicators.push(json!({
                "level1": last.0, "level2": last.1, "name": name,
                "target": get(target), "actual": get(actual),
                "weight": decimal(&get(weight)).and_then(|d| d.to_f64()),
                "score": decimal(&get(score)).and_then(|d| d.to_f64()),
            }));
        }
        table.indicators = Some(serde_json::Value::Array(indicators).to_string());
    }
    // 总分: the last number of the row that starts with it.
    table.score = rows
        .iter()
        .find(|r| r.first().is_some_and(|c| cell_key(c) == "总分"))
        .and_then(|r| r.iter().skip(1).rev().find_map(|c| decimal(c)))
        .and_then(|d| d.to_f64());
    Some(table)
}
