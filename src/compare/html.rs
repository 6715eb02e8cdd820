//! A self-contained HTML page of a [`Comparison`]: an inline-SVG heatmap of 街道 × code rates,
//! a ranked bar chart of department rates with the district median, the tables behind both,
//! the source of every figure on hover and in footnotes, and a data-quality section. No
//! script, no stylesheet or font from the network. Every text from inputs is escaped.

use std::fmt::Write;

use super::render::{percent, points, wan};
use super::{Cell, Comparison, HIGH, LOW};

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fill colour of a rate: red below 80%, amber 80–90%, green 90–100%, blue above 100%,
/// grey without a budget.
fn colour(rate: Option<f64>) -> &'static str {
    match rate {
        None => "#d0d0d0",
        Some(r) if r < LOW => "#e4572e",
        Some(r) if r < 0.9 => "#ffd166",
        Some(r) if r <= HIGH => "#57b36a",
        Some(_) => "#6f9fe8",
    }
}

fn hover(unit: &str, what: &str, cell: &Cell, budget_label: &str) -> String {
    format!(
        "{unit} · {what}: 决算 {} 万元 / {budget_label} {} 万元 = {} — 来源 {} ({})",
        wan(cell.actual),
        cell.budget.map(wan).unwrap_or_else(|| "—".into()),
        percent(cell.rate),
        cell.source_file,
        cell.basis
    )
}

pub fn page(c: &Comparison) -> String {
    let budget_label = if c.basis == "initial" {
        "年初预算"
    } else {
        "全年预算"
    };
    let district = c
        .units
        .first()
        .map(|u| u.district.clone())
        .unwrap_or_default();
    let title = format!("{} 年 {} 各街道预算执行率", c.year, district);
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}}
table{{border-collapse:collapse;margin:8px 0 24px}} td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
th{{background:#f4f4f4}} td.name,th.name{{text-align:left;white-space:nowrap}} .low{{color:#c62828}} .high{{color:#1e5bb8}} .note{{color:#666;font-size:13px}}
svg text{{font-size:12px}}
</style></head><body>
<h1>{title}</h1>
<p>执行率 = {basis}；资金：<code>{fund}</code>；层级：<code>{level}</code>。颜色：低于 80% 红，80%–90% 黄，90%–100% 绿，高于 100% 蓝，无预算灰。数据读自 juesuan 仓库的 <code>execution</code> 数据集。</p>
"#,
        title = escape(&title),
        basis = escape(c.basis_label),
        fund = escape(&c.fund),
        level = escape(c.level),
    );

    // Heatmap.
    if !c.codes.is_empty() {
        let (left, top, cw, ch) = (170.0, 110.0, 62.0, 24.0);
        let width = left + cw * c.codes.len() as f64 + 20.0;
        let height = top + ch * c.units.len() as f64 + 20.0;
        let _ = write!(
            h,
            r#"<h2>各街道 × 科目执行率</h2><svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="heatmap">"#
        );
        for (j, col) in c.codes.iter().enumerate() {
            let x = left + cw * j as f64 + cw / 2.0;
            let _ = write!(
                h,
                r#"<text x="{x}" y="{y}" transform="rotate(-40 {x} {y})" text-anchor="start">{}</text>"#,
                escape(&format!(
                    "{} {}",
                    col.code,
                    col.name.trim_end_matches("支出")
                )),
                y = top - 8.0
            );
        }
        for (i, u) in c.units.iter().enumerate() {
            let y = top + ch * i as f64;
            let _ = write!(
                h,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                left - 6.0,
                y + ch * 0.68,
                escape(&u.unit_name)
            );
            for (j, col) in c.codes.iter().enumerate() {
                let x = left + cw * j as f64;
                let Some(cell) = u.cells.get(&col.code) else {
                    continue;
                };
                let _ = write!(
                    h,
                    r#"<g><rect class="cell" data-unit="{}" data-code="{}" data-rate="{}" x="{x}" y="{y}" width="{}" height="{}" fill="{}"><title>{}</title></rect><text x="{}" y="{}" text-anchor="middle">{}</text></g>"#,
                    escape(&u.unit_id),
                    escape(&col.code),
                    cell.rate.map(|r| format!("{r:.6}")).unwrap_or_default(),
                    cw - 2.0,
                    ch - 2.0,
                    colour(cell.rate),
                    escape(&hover(
                        &u.unit_name,
                        &format!("{} {}", col.code, col.name),
                        cell,
                        budget_label
                    )),
                    x + cw / 2.0 - 1.0,
                    y + ch * 0.68,
                    escape(&percent(cell.rate)),
                );
            }
        }
        h.push_str("</svg>\n");
    }

    // Ranked bars of the department rate.
    let mut ranked: Vec<(&super::UnitLine, &Cell)> = c
        .units
        .iter()
        .filter_map(|u| u.total.as_ref().map(|t| (u, t)))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.rate
            .unwrap_or(f64::MIN)
            .total_cmp(&a.1.rate.unwrap_or(f64::MIN))
            .then(a.0.unit_id.cmp(&b.0.unit_id))
    });
    if !ranked.is_empty() {
        let max = ranked
            .iter()
            .filter_map(|(_, t)| t.rate)
            .fold(1.2_f64, f64::max);
        let (left, bar_h, scale) = (170.0, 22.0, 520.0 / max);
        let height = 30.0 + bar_h * ranked.len() as f64;
        let _ = write!(
            h,
            r#"<h2>部门整体执行率排名</h2><svg class="ranking" xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" role="img" aria-label="ranking">"#,
            left + 620.0
        );
        for (i, (u, t)) in ranked.iter().enumerate() {
            let y = 10.0 + bar_h * i as f64;
            let w = t.rate.unwrap_or(0.0) * scale;
            let _ = write!(
                h,
                r#"<text x="{}" y="{}" text-anchor="end">{}. {}</text><rect class="bar" data-unit="{}" data-rate="{}" x="{left}" y="{y}" width="{w:.1}" height="{}" fill="{}"><title>{}</title></rect><text x="{}" y="{}">{}</text>"#,
                left - 6.0,
                y + bar_h * 0.65,
                i + 1,
                escape(&u.unit_name),
                escape(&u.unit_id),
                t.rate.map(|r| format!("{r:.6}")).unwrap_or_default(),
                bar_h - 4.0,
                colour(t.rate),
                escape(&hover(&u.unit_name, "部门合计", t, budget_label)),
                left + w + 4.0,
                y + bar_h * 0.65,
                escape(&percent(t.rate)),
            );
        }
        for (d, m) in &c.total_median {
            let x = left + m * scale;
            let _ = write!(
                h,
                r##"<line class="median" x1="{x:.1}" y1="4" x2="{x:.1}" y2="{}" stroke="#333" stroke-dasharray="4 3"><title>{} 中位数 {}</title></line>"##,
                height - 4.0,
                escape(d),
                escape(&percent(Some(*m)))
            );
        }
        h.push_str("</svg>\n");
    }

    // The tables behind the charts.
    h.push_str("<h2>数据表</h2><table class=\"data\"><tr><th class=\"name\">街道</th>");
    for col in &c.codes {
        let _ = write!(h, "<th>{}<br>{}</th>", escape(&col.code), escape(&col.name));
    }
    let _ = write!(h, "<th>部门执行率</th><th>排名</th><th>与中位数差（百分点）</th><th>决算（万元）</th><th>{budget_label}（万元）</th></tr>");
    let mut notes: Vec<String> = Vec::new();
    for u in &c.units {
        let _ = write!(h, "<tr><td class=\"name\">{}</td>", escape(&u.unit_name));
        for col in &c.codes {
            match u.cells.get(&col.code) {
                Some(cell) => {
                    let class = match cell.flag {
                        Some("low") => " class=\"low\"",
                        Some("high") => " class=\"high\"",
                        _ => "",
                    };
                    let _ = write!(
                        h,
                        "<td{class} title=\"{}\">{}</td>",
                        escape(&hover(&u.unit_name, &col.code, cell, budget_label)),
                        escape(&percent(cell.rate))
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        match &u.total {
            Some(t) => {
                notes.push(format!("{}：{}（{}）", u.unit_name, t.source_file, t.basis));
                let _ = write!(
                    h,
                    "<td>{}<sup>{}</sup></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&percent(t.rate)),
                    notes.len(),
                    t.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                    escape(&points(t.gap_to_median)),
                    escape(&wan(t.actual)),
                    escape(&t.budget.map(wan).unwrap_or_else(|| "—".into())),
                );
            }
            None => h.push_str("<td>—</td><td>—</td><td>—</td><td></td><td></td></tr>"),
        }
    }
    for (d, m) in &c.total_median {
        let name = c
            .units
            .iter()
            .find(|u| &u.district_code == d)
            .map(|u| u.district.as_str())
            .unwrap_or(d);
        let _ = write!(h, "<tr><th class=\"name\">{} 中位数</th>", escape(name));
        for col in &c.codes {
            let _ = write!(
                h,
                "<th>{}</th>",
                escape(&percent(col.median.get(d).copied()))
            );
        }
        let _ = write!(
            h,
            "<th>{}</th><th></th><th></th><th></th><th></th></tr>",
            escape(&percent(Some(*m)))
        );
    }
    h.push_str("</table>\n<h2>来源</h2><ol class=\"note\">");
    for n in &notes {
        let _ = write!(h, "<li>{}</li>", escape(n));
    }
    h.push_str("</ol>\n<h2>数据质量</h2><table class=\"quality\"><tr><th class=\"name\">街道</th><th>检查发现（findings）</th><th>拒收（rejects）</th></tr>");
    for u in &c.units {
        let _ = write!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&u.unit_name),
            u.findings,
            u.rejects
        );
    }
    h.push_str("</table>\n<p class=\"note\">由 juesuan 生成。金额单位：万元（两位小数）；执行率按所选口径计算。</p>\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_from_inputs() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
