//! Text renderings of a [`Comparison`]: a terminal table (街道 × code, with the department
//! rate, its rank and gap to the district median) and a long CSV safe to open in Excel.

use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use super::{Cell, Comparison};

/// "94.05%"; "—" when there is no rate.
pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.2}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Percentage points, signed: "+3.20", "−1.05".
pub fn points(gap: Option<f64>) -> String {
    match gap {
        Some(g) if g < 0.0 => format!("−{:.2}", -g * 100.0),
        Some(g) => format!("+{:.2}", g * 100.0),
        None => "—".into(),
    }
}

/// 元 → 万元 with two decimals and thousands separators: 117241100.00 → "11,724.11".
pub fn wan(yuan: Decimal) -> String {
    let v = (yuan / Decimal::from(10_000))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    crate::model::with_thousands(&format!("{v:.2}"))
}

fn marked(cell: Option<&Cell>) -> String {
    match cell {
        None => String::new(),
        Some(c) => {
            let mark = match c.flag {
                Some("low") => "↓",
                Some("high") => "↑",
                _ => "",
            };
            format!("{}{mark}", percent(c.rate))
        }
    }
}

fn pad(text: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(text);
    format!("{}{text}", " ".repeat(width.saturating_sub(w)))
}

pub fn table(c: &Comparison) -> String {
    let mut header = vec!["街道".to_string()];
    header.extend(
        c.codes
            .iter()
            .map(|col| format!("{} {}", col.code, col.name.trim_end_matches("支出"))),
    );
    header.extend(["部门".to_string(), "排名".into(), "与中位数差".into()]);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for u in &c.units {
        let mut row = vec![u.unit_name.clone()];
        row.extend(c.codes.iter().map(|col| marked(u.cells.get(&col.code))));
        row.push(marked(u.total.as_ref()));
        row.push(
            u.total
                .as_ref()
                .and_then(|t| t.rank)
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into()),
        );
        row.push(points(u.total.as_ref().and_then(|t| t.gap_to_median)));
        rows.push(row);
    }
    let districts: Vec<&String> = c.total_median.keys().collect();
    for d in districts {
        let name = c
            .units
            .iter()
            .find(|u| &u.district_code == d)
            .map(|u| u.district.clone())
            .unwrap_or_else(|| d.clone());
        let mut row = vec![format!("{name}中位数")];
        row.extend(
            c.codes
                .iter()
                .map(|col| percent(col.median.get(d).copied())),
        );
        row.push(percent(c.total_median.get(d).copied()));
        row.extend([String::new(), String::new()]);
        rows.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header[i])
                .chain(rows.iter().map(|r| &r[i]))
                .map(|s| UnicodeWidthStr::width(s.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (s, w))| {
                if i == 0 {
                    format!(
                        "{s}{}",
                        " ".repeat(w.saturating_sub(UnicodeWidthStr::width(s.as_str())))
                    )
                } else {
                    pad(s, *w)
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = format!(
        "{} 执行率 {}, fund {}, level {}\n↓ below 80%  ↑ above 100%  — no budget; rank and gap are the department's within its district\n\n",
        c.year, c.basis_label, c.fund, c.level
    );
    out += &line(&header);
    out.push('\n');
    out += &"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1));
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        if i == c.units.len() {
            out += &"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1));
            out.push('\n');
        }
        out += &line(row);
        out.push('\n');
    }
    out
}

/// A text cell that Excel must not take for a formula: = + - @ (and tab/CR) get a quote.
fn guard(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Long CSV: one row per 街道 and code (and `total`), UTF-8 with BOM so Excel shows Chinese.
pub fn csv(c: &Comparison) -> String {
    let mut out = String::from("\u{FEFF}year,fund,basis,district_code,district,unit_id,unit_name,code,name,actual_wanyuan,budget_wanyuan,rate,rank,district_median,gap_points,flag,source_file\n");
    for u in &c.units {
        let total = u.total.as_ref().map(|t| {
            (
                "total".to_string(),
                "部门合计".to_string(),
                t,
                c.total_median.get(&u.district_code).copied(),
            )
        });
        let rows = c
            .codes
            .iter()
            .filter_map(|col| {
                u.cells.get(&col.code).map(|cell| {
                    (
                        col.code.clone(),
                        col.name.clone(),
                        cell,
                        col.median.get(&u.district_code).copied(),
                    )
                })
            })
            .chain(total);
        for (code, name, cell, median) in rows {
            let fields = [
                c.year.to_string(),
                guard(&c.fund),
                c.basis.to_string(),
                guard(&u.district_code),
                guard(&u.district),
                guard(&u.unit_id),
                guard(&u.unit_name),
                guard(&code),
                guard(&name),
                format!("{:.2}", cell.actual / Decimal::from(10_000)),
                cell.budget
                    .map(|b| format!("{:.2}", b / Decimal::from(10_000)))
                    .unwrap_or_default(),
                cell.rate.map(|r| format!("{r:.6}")).unwrap_or_default(),
                cell.rank.map(|r| r.to_string()).unwrap_or_default(),
                median.map(|m| format!("{m:.6}")).unwrap_or_default(),
                cell.gap_to_median
                    .map(|g| format!("{:.4}", g * 100.0))
                    .unwrap_or_default(),
                cell.flag.unwrap_or("").to_string(),
                guard(&cell.source_file),
            ];
            out += &fields.join(",");
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(wan("117241100.00".parse().unwrap()), "11,724.11");
        assert_eq!(wan("-5300.00".parse().unwrap()), "-0.53");
        assert_eq!(wan("407755299.00".parse().unwrap()), "40,775.53");
        assert_eq!(percent(Some(117241100.0 / 124658000.0)), "94.05%");
        assert_eq!(points(Some(-0.0105)), "−1.05");
        assert_eq!(guard("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("新街口街道办事处"), "新街口街道办事处");
    }
}
