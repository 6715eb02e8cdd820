//! Table 06 and Beijing's 政府性基金预算财政拨款基本支出决算表: 基本支出 by 经济分类 code, in
//! one block or side-by-side blocks.

use super::*;

/// Table 06 and Beijing's 政府性基金预算财政拨款基本支出决算表: side-by-side blocks of
/// (经济分类科目编码, 科目名称, 决算数), matched by code only.
pub fn economic_table(t: &TableContext, fund: Fund, out: &mut Extraction) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let code_cols: Vec<u32> = header
        .columns
        .iter()
        .filter(|(_, p)| p.concat().contains("编码"))
        .map(|(c, _)| *c)
        .collect();
    if code_cols.is_empty() {
        return Err("no 经济分类科目编码 column".into());
    }
    // 类 | 款 printed in two columns (301 | 01) are one code column.
    let leaf = |col: u32| {
        header
            .columns
            .iter()
            .find(|(c, _)| *c == col)
            .and_then(|(_, p)| p.last())
            .map(String::as_str)
    };
    let mut groups: Vec<(u32, Option<u32>)> = Vec::new();
    let mut i = 0;
    while i < code_cols.len() {
        let col = code_cols[i];
        match code_cols.get(i + 1) {
            Some(&next)
                if next == col + 1 && leaf(col) == Some("类") && leaf(next) == Some("款") =>
            {
                groups.push((col, Some(next)));
                i += 2;
            }
            _ => {
                groups.push((col, None));
                i += 1;
            }
        }
    }
    let mut loaded = 0;
    let year = t.unit.year;
    let source = Source::Table(t.block.kind);
    for (i, &(code_col, kuan_col)) in groups.iter().enumerate() {
        let next = groups.get(i + 1).map(|g| g.0).unwrap_or(u32::MAX);
        let last_code_col = kuan_col.unwrap_or(code_col);
        let value_col = header
            .columns
            .iter()
            .find(|(c, p)| {
                *c > last_code_col && *c < next && {
                    let f = p.concat();
                    f.contains("决算") || f.contains("金额") || f.contains("合计")
                }
            })
            .map(|(c, _)| *c);
        let Some(value_col) = value_col else {
            return Err(format!(
                "no 决算数 column after the code column {}",
                code_col + 1
            ));
        };
        let name_col = last_code_col + 1;
        for r in t.data_rows(header.data_start) {
            let code = match kuan_col {
                Some(kuan) => split_economic_code(t.sheet, r, code_col, kuan),
                None => t.sheet.code(r, code_col).filter(|(c, _)| c.len() <= 5),
            };
            let Some((code, rest)) = code else {
                if let Some(label) = t.sheet.text(r, code_col).filter(|l| is_total_label(l)) {
                    let actual = t.sheet.amount(r, value_col, header.unit).ok().flatten();
                    // 人员经费合计 / 公用经费合计 of the general-public table: `units` facts
                    // the report states too.
                    if fund == Fund::GeneralPublic {
                        match name_key(label).as_str() {
                            "人员经费合计" => t.fact(out, Metric::PersonnelCosts, actual, r),
                            "公用经费合计" => t.fact(out, Metric::PublicCosts, actual, r),
                            _ => {}
                        }
                    }
                    out.totals.push(TotalRow {
                        fund,
                        source,
                        label: clean_name(label),
                        actual,
                        basic: actual,
                        project: None,
                        provenance: t.provenance(r),
                    });
                }
                continue;
            };
            let actual = match t.sheet.amount(r, value_col, header.unit) {
                Ok(Some(v)) => v,
                Ok(None) => continue, // template row printed empty
                Err(reason) => {
                    t.reject_row(out, r, format!("决算数 column: {reason}"));
                    continue;
                }
            };
            let name_printed = t
                .sheet
                .text(r, name_col)
                .map(clean_name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| clean_name(&rest));
            let (name, status) = match t.catalog.economic(&code, year) {
                Some(row) if row.key == name_key(&name_printed) || name_printed.is_empty() => {
                    (row.name.clone(), ClassificationStatus::Exact)
                }
                Some(row) => (row.name.clone(), ClassificationStatus::NameVariant),
                None => (name_printed.clone(), ClassificationStatus::Unknown),
            };
            out.economic.push(EconomicRow {
                unit: t.unit.clone(),
                fund,
                source,
                code,
                name,
                name_printed,
                status,
                actual,
                provenance: t.provenance(r),
            });
            loaded += 1;
        }
    }
    Ok(loaded)
}

/// An economic code printed as 类 | 款 in two cells (`301` | `01`, or `301` | blank for
/// the 类 itself).
pub(super) fn split_economic_code(
    sheet: &Sheet,
    r: u32,
    lei: u32,
    kuan: u32,
) -> Option<(String, String)> {
    let digits = |col: u32, len: usize| {
        sheet
            .text(r, col)
            .map(|t| crate::reference::text::fold_width(t).into_owned())
            .filter(|t| t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
    };
    let lei = digits(lei, 3)?;
    match sheet.text(r, kuan) {
        None => Some((lei, String::new())),
        Some(_) => Some((format!("{lei}{}", digits(kuan, 2)?), String::new())),
    }
}
