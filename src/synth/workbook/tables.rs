//! One writer per standard table family, laying its rows out as the layout says.

use super::*;

/// A function-code table: code (one cell, or 类 | 款 | 项) | 科目名称 | value columns, under one
/// to three header rows, 合计 first or last, then a footnote.
pub(super) fn code_table(
    ws: &mut Worksheet,
    t: &Table,
    plan: &FundPlan,
    columns: &[Column],
    total_first: bool,
    note: &str,
) -> Result<u32, XlsxError> {
    let f = t.f;
    let split = f.layout.split();
    let labels: u16 = if split { 4 } else { 2 };
    let width = labels + columns.len() as u16;
    let mut row = t.heading(ws, width, "")?;

    let mut paths: Vec<Vec<&str>> = Vec::new();
    let top: &[&str] = if f.layout.deep_header {
        &["项目"]
    } else {
        &[]
    };
    if split {
        for leaf in ["类", "款", "项"] {
            paths.push([top, &["科目编码", leaf]].concat());
        }
    } else if f.layout.codes == Codes::WithName {
        paths.push([top, &["功能分类\n科目编码"]].concat());
    } else {
        paths.push([top, &["科目编码"]].concat());
    }
    paths.push([top, &["科目名称"]].concat());
    for c in columns {
        paths.push(c.group.into_iter().chain([c.leaf]).collect());
    }
    row = header_grid(ws, row, &paths, f)?;
    if f.layout.row_numbers {
        ws.merge_range(row, 0, row, labels - 1, "栏次", &f.header)?;
        for i in 0..columns.len() as u16 {
            ws.write_number_with_format(row, labels + i, f64::from(i + 1), &f.header)?;
        }
        row += 1;
    }

    let first_line = row + u32::from(total_first);
    let category_rows: Vec<u32> = plan
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.code.len() == 3)
        .map(|(i, _)| first_line + i as u32)
        .collect();
    let total = |ws: &mut Worksheet, row: u32| -> Result<(), XlsxError> {
        ws.merge_range(row, 0, row, labels - 1, "合计", &f.header)?;
        for (i, c) in columns.iter().enumerate() {
            f.total_cell(
                ws,
                row,
                labels + i as u16,
                plan.total(c.value),
                &category_rows,
            )?;
        }
        Ok(())
    };
    if total_first {
        total(ws, row)?;
        row += 1;
    }
    for (i, line) in plan.lines.iter().enumerate() {
        let level = line.code.len() / 2;
        match f.layout.codes {
            Codes::WithName => {
                let name = f.name(&line.name, 1);
                fit_lines(ws, row, &name)?;
                ws.write_string_with_format(row, 0, format!("{} {name}", line.code), &f.text)?;
                ws.write_string_with_format(row, 1, "", &f.text)?;
            }
            Codes::SplitBlank | Codes::SplitMerged => {
                split_code_cells(ws, row, plan, i, f)?;
                f.name_cell(ws, row, 3, &line.name, level)?;
            }
            _ => {
                f.code_cell(ws, row, 0, &line.code)?;
                f.name_cell(ws, row, 1, &line.name, level)?;
            }
        }
        for (k, c) in columns.iter().enumerate() {
            f.money_cell(ws, row, labels + k as u16, (c.value)(line))?;
        }
        row += 1;
    }
    if !total_first {
        total(ws, row)?;
        row += 1;
    }
    ws.write_string(row, 0, note)?;
    Ok(row + 1)
}

/// The 类 | 款 | 项 cells of line `i`: each part printed on the line that introduces it; the
/// parents of later lines left blank, or merged down over the lines they cover.
pub(super) fn split_code_cells(
    ws: &mut Worksheet,
    row: u32,
    plan: &FundPlan,
    i: usize,
    f: &Formats,
) -> Result<(), XlsxError> {
    let code = &plan.lines[i].code;
    let part = code.len() / 2 - 1; // 0 类, 1 款, 2 项
    let text = match part {
        0 => code.clone(),
        _ => code[code.len() - 2..].to_string(),
    };
    let merged = f.layout.codes == Codes::SplitMerged;
    // Lines below this one that this code is a parent of.
    let covered = plan.lines[i + 1..]
        .iter()
        .take_while(|l| l.code.len() > code.len() && l.code.starts_with(code.as_str()))
        .count() as u32;
    if merged && covered > 0 {
        ws.merge_range(row, part as u16, row + covered, part as u16, &text, &f.text)?;
    } else {
        ws.write_string_with_format(row, part as u16, &text, &f.text)?;
    }
    // The columns right of this part are empty on this line; the ones left of it are blank
    // (or inside a parent's merged range).
    for c in part + 1..3 {
        ws.write_string_with_format(row, c as u16, "", &f.text)?;
    }
    if !merged {
        for c in 0..part {
            ws.write_string_with_format(row, c as u16, "", &f.text)?;
        }
    }
    Ok(())
}

/// Tables 08/09 and Beijing's fund tables: the code table, or the 空表 form with its note.
pub(super) fn fund_table(
    ws: &mut Worksheet,
    t: &Table,
    plan: &FundPlan,
    columns: &[Column],
    what: &str,
) -> Result<u32, XlsxError> {
    if !plan.lines.is_empty() {
        return code_table(
            ws,
            t,
            plan,
            columns,
            false,
            &format!("注：本表反映部门本年度{what}情况。"),
        );
    }
    let f = t.f;
    let width = 2 + columns.len() as u16;
    let mut row = t.heading(ws, width, "(空表)")?;
    let mut paths: Vec<Vec<&str>> = vec![vec!["科目编码"], vec!["科目名称"]];
    for c in columns {
        paths.push(c.group.into_iter().chain([c.leaf]).collect());
    }
    row = header_grid(ws, row, &paths, f)?;
    ws.write_string(
        row,
        0,
        format!("说明：{}本年度没有{what}，故本表无数据。", t.unit.unit_name),
    )?;
    Ok(row + 1)
}

/// Table 01: income by source on the left, expenditure by 类 (name with an ordinal, no code)
/// on the right; 行次 columns in the row-numbered layout.
pub(super) fn summary(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let numbered = f.layout.row_numbers;
    let side = if numbered { 3 } else { 2 };
    let mut row = t.heading(ws, 2 * side, "")?;
    ws.merge_range(row, 0, row, side - 1, "收入", &f.header)?;
    ws.merge_range(row, side, row, 2 * side - 1, "支出", &f.header)?;
    let leaves: &[&str] = if numbered {
        &["项目", "行次", "决算数"]
    } else {
        &["项目", "决算数"]
    };
    for (c, text) in leaves.iter().chain(leaves).enumerate() {
        ws.write_string_with_format(row + 1, c as u16, *text, &f.header)?;
    }
    row += 2;
    if numbered {
        for (c, text) in ["栏次", "", "1", "栏次", "", "2"].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *text, &f.header)?;
        }
        row += 1;
    }
    let all = unit.all_funds();
    let [general, fund, state] = unit.funds().map(|p| p.total(|l| l.actual));
    let income = [
        ("一、一般公共预算财政拨款收入", general),
        ("二、政府性基金预算财政拨款收入", fund),
        ("三、国有资本经营预算财政拨款收入", state),
        ("四、上级补助收入", 0),
        ("五、事业收入", 0),
        ("六、经营收入", 0),
        ("七、附属单位上缴收入", 0),
        ("八、其他收入", 0),
    ];
    let categories: Vec<&Line> = all.categories().collect();
    let n = income.len().max(categories.len());
    let value_col = side - 1;
    let first = row;
    for i in 0..n {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            if numbered {
                ws.write_number_with_format(row, 1, (i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, value_col, *v)?;
        }
        if let Some(line) = categories.get(i) {
            let label = format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name);
            f.name_cell(ws, row, side, &label, 1)?;
            if numbered {
                ws.write_number_with_format(row, side + 1, (n + i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, 2 * side - 1, line.actual)?;
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    let left_rows: Vec<u32> = (first..first + income.len() as u32).collect();
    let right_rows: Vec<u32> = (first..first + categories.len() as u32).collect();
    for (k, (left, right, v)) in [
        ("本年收入合计", "本年支出合计", total),
        ("年初结转和结余", "年末结转和结余", 0),
        ("总计", "总计", total),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(row, 0, left, &f.header)?;
        ws.write_string_with_format(row, side, right, &f.header)?;
        if k == 0 {
            f.total_cell(ws, row, value_col, v, &left_rows)?;
            f.total_cell(ws, row, 2 * side - 1, v, &right_rows)?;
        } else {
            f.money_cell(ws, row, value_col, v)?;
            f.money_cell(ws, row, 2 * side - 1, v)?;
        }
        row += 1;
    }
    ws.write_string(row, 0, "注：本表反映部门本年度的总收支和年末结转结余情况。")?;
    Ok(row + 1)
}

/// Table 04: fiscal income by fund on the left; expenditure by 类 and fund on the right.
pub(super) fn fiscal_summary(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let numbered = f.layout.row_numbers;
    let mut headers = vec!["收入项目"];
    if numbered {
        headers.push("行次");
    }
    headers.extend(["决算数", "支出项目"]);
    if numbered {
        headers.push("行次");
    }
    headers.extend([
        "合计",
        "一般公共预算财政拨款",
        "政府性基金预算财政拨款",
        "国有资本经营预算财政拨款",
    ]);
    let width = headers.len() as u16;
    let mut row = t.heading(ws, width, "")?;
    for (c, text) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *text, &f.header)?;
    }
    row += 1;
    let income_value = if numbered { 2 } else { 1 };
    let right = income_value + 1;
    let right_values = right + if numbered { 2 } else { 1 };
    let [general, fund, state] = unit.funds();
    let income = [
        ("一、一般公共预算财政拨款", general.total(|l| l.actual)),
        ("二、政府性基金预算财政拨款", fund.total(|l| l.actual)),
        ("三、国有资本经营预算财政拨款", state.total(|l| l.actual)),
    ];
    let all = unit.all_funds();
    let categories: Vec<&Line> = all.categories().collect();
    let amount_in = |plan: &FundPlan, code: &str| {
        plan.lines
            .iter()
            .find(|l| l.code == code)
            .map_or(0, |l| l.actual)
    };
    let n = income.len().max(categories.len());
    for i in 0..n {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            if numbered {
                ws.write_number_with_format(row, 1, (i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, income_value, *v)?;
        }
        if let Some(line) = categories.get(i) {
            let label = format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name);
            f.name_cell(ws, row, right, &label, 1)?;
            if numbered {
                ws.write_number_with_format(row, right + 1, (n + i + 1) as f64, &f.text)?;
            }
            f.money_cell(ws, row, right_values, line.actual)?;
            for (k, plan) in [general, fund, state].iter().enumerate() {
                f.money_cell(
                    ws,
                    row,
                    right_values + 1 + k as u16,
                    amount_in(plan, &line.code),
                )?;
            }
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    ws.write_string_with_format(row, 0, "本年收入合计", &f.header)?;
    f.money_cell(ws, row, income_value, total)?;
    ws.write_string_with_format(row, right, "本年支出合计", &f.header)?;
    f.money_cell(ws, row, right_values, total)?;
    for (k, plan) in [general, fund, state].iter().enumerate() {
        f.money_cell(
            ws,
            row,
            right_values + 1 + k as u16,
            plan.total(|l| l.actual),
        )?;
    }
    ws.write_string(row + 1, 0, "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支情况。")?;
    Ok(row + 2)
}

/// Tables of basic expenditure by economic code (06, and Beijing's fund basic table), or the
/// 空表 form when there is none.
pub(super) fn economic(
    ws: &mut Worksheet,
    t: &Table,
    rows: &[(String, String, i64)],
    what: &str,
) -> Result<u32, XlsxError> {
    let f = t.f;
    let empty = rows.is_empty();
    // Which 类 go to which side-by-side block: the national template prints 301 and 303 on
    // the left, 302 and 310 on the right.
    let groups: &[&[&str]] = match f.layout.economic_blocks {
        1 => &[&["301", "302", "303", "310"]],
        2 => &[&["301", "303"], &["302", "310"]],
        _ => &[&["301"], &["302"], &["303", "310"]],
    };
    let groups = if empty { &groups[..1] } else { groups };
    let width = 3 * groups.len() as u16;
    let mut row = t.heading(ws, width, if empty { "(空表)" } else { "" })?;
    for b in 0..groups.len() as u16 {
        for (c, text) in ["经济分类科目编码", "科目名称", "决算数"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, 3 * b + c as u16, *text, &f.header)?;
        }
    }
    row += 1;
    if empty {
        ws.write_string(row, 0, "注：本表无数据。")?;
        return Ok(row + 1);
    }
    let first = row;
    let mut height = 0;
    // (category, row, value column, amount) of every printed 类 line, for the totals.
    let mut printed: Vec<(&str, u32, u16, i64)> = Vec::new();
    for (b, group) in groups.iter().enumerate() {
        let col = 3 * b as u16;
        let mut r = first;
        for (code, name, amount) in rows.iter().filter(|x| group.contains(&&x.0[..3])) {
            if f.layout.codes == Codes::WithName {
                ws.write_string_with_format(r, col, format!("{code} {name}"), &f.text)?;
                ws.write_string_with_format(r, col + 1, "", &f.text)?;
            } else {
                // Split layouts print economic codes whole.
                if f.layout.split() {
                    ws.write_string_with_format(r, col, code, &f.text)?;
                } else {
                    f.code_cell(ws, r, col, code)?;
                }
                f.name_cell(ws, r, col + 1, name, code.len() / 2)?;
            }
            f.money_cell(ws, r, col + 2, *amount)?;
            if code.len() == 3 {
                printed.push((&code[..], r, col + 2, *amount));
            }
            r += 1;
        }
        height = height.max(r - first);
    }
    row = first + height;
    // 人员经费合计 and 公用经费合计: on one line across the first two blocks, or one under the
    // other in a single block.
    let totals = [
        ("人员经费合计", ["301", "303"]),
        ("公用经费合计", ["302", "310"]),
    ];
    for (k, (label, cats)) in totals.iter().enumerate() {
        let members: Vec<&(&str, u32, u16, i64)> =
            printed.iter().filter(|p| cats.contains(&p.0)).collect();
        let sum = members.iter().map(|m| m.3).sum();
        let (r, col) = if groups.len() == 1 {
            (row + k as u32, 0)
        } else {
            (row, 3 * k as u16)
        };
        // A formula adds cells of its own column only; otherwise the total is a number.
        let at: Vec<u32> = if members.iter().all(|m| m.2 == col + 2) {
            members.iter().map(|m| m.1).collect()
        } else {
            Vec::new()
        };
        ws.merge_range(r, col, r, col + 1, label, &f.header)?;
        f.total_cell(ws, r, col + 2, sum, &at)?;
    }
    row += if groups.len() == 1 { 2 } else { 1 };
    ws.write_string(row, 0, format!("注：本表反映部门本年度{what}明细情况。"))?;
    Ok(row + 1)
}

/// Table 07: (预算数, 决算数) for 合计, 因公出国（境）, 公务用车 (小计, 购置, 运行维护), 接待,
/// under a three-row header.
pub(super) fn three_public(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 12, "")?;
    ws.merge_range(row, 0, row + 1, 1, "合计", &f.header)?;
    ws.merge_range(row, 2, row + 1, 3, "因公出国（境）费", &f.header)?;
    ws.merge_range(row, 4, row, 9, "公务用车购置及运行维护费", &f.header)?;
    ws.merge_range(row + 1, 4, row + 1, 5, "小计", &f.header)?;
    ws.merge_range(row + 1, 6, row + 1, 7, "公务用车购置费", &f.header)?;
    ws.merge_range(row + 1, 8, row + 1, 9, "公务用车运行维护费", &f.header)?;
    ws.merge_range(row, 10, row + 1, 11, "公务接待费", &f.header)?;
    for c in 0..12u16 {
        ws.write_string_with_format(
            row + 2,
            c,
            if c % 2 == 0 { "预算数" } else { "决算数" },
            &f.header,
        )?;
    }
    row += 3;
    let p = unit.three_public;
    let pairs = [
        p.total(),
        p.overseas,
        p.vehicles(),
        p.vehicle_purchase,
        p.vehicle_operation,
        p.reception,
    ];
    for (i, (budget, actual)) in pairs.iter().enumerate() {
        f.money_cell(ws, row, 2 * i as u16, *budget)?;
        f.money_cell(ws, row, 2 * i as u16 + 1, *actual)?;
    }
    ws.write_string(
        row + 1,
        0,
        "注：本表反映部门本年度“三公”经费支出预决算情况。",
    )?;
    Ok(row + 2)
}

/// Beijing's 政府采购情况表: 合计 and the unit's own row; planned and actual amounts by kind,
/// and contracts awarded to small and medium firms.
pub(super) fn procurement(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 12, "")?;
    let paths: Vec<Vec<&str>> = vec![
        vec!["序号"],
        vec!["采购单位"],
        vec!["政府采购计划金额", "合计"],
        vec!["政府采购计划金额", "货物"],
        vec!["政府采购计划金额", "工程"],
        vec!["政府采购计划金额", "服务"],
        vec!["实际采购金额", "合计"],
        vec!["实际采购金额", "货物"],
        vec!["实际采购金额", "工程"],
        vec!["实际采购金额", "服务"],
        vec!["授予中小企业合同金额"],
        vec!["其中：授予小微企业合同金额"],
    ];
    row = header_grid(ws, row, &paths, f)?;
    let p = unit.procurement;
    let values = [
        p.planned.iter().sum(),
        p.planned[0],
        p.planned[1],
        p.planned[2],
        p.total(),
        p.actual[0],
        p.actual[1],
        p.actual[2],
        p.sme,
        p.small_micro,
    ];
    ws.merge_range(row, 0, row, 1, "合计", &f.header)?;
    for (i, v) in values.iter().enumerate() {
        f.total_cell(ws, row, 2 + i as u16, *v, &[row + 1])?;
    }
    ws.write_number_with_format(row + 1, 0, 1.0, &f.text)?;
    ws.write_string_with_format(row + 1, 1, &unit.unit_name, &f.text)?;
    for (i, v) in values.iter().enumerate() {
        f.money_cell(ws, row + 1, 2 + i as u16, *v)?;
    }
    ws.write_string(
        row + 2,
        0,
        "注：本表反映部门本年度政府采购计划及实际采购情况。",
    )?;
    Ok(row + 3)
}

/// Beijing's 政府购买服务决算公开情况表: 合计, then one line per purchased service.
pub(super) fn purchased_services(ws: &mut Worksheet, t: &Table) -> Result<u32, XlsxError> {
    let (f, unit) = (t.f, t.unit);
    let mut row = t.heading(ws, 4, "")?;
    for (c, text) in ["序号", "购买服务项目", "服务内容", "金额"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *text, &f.header)?;
    }
    row += 1;
    let items = &unit.purchased_services;
    let total: i64 = items.iter().map(|s| s.amount).sum();
    let item_rows: Vec<u32> = (row + 1..row + 1 + items.len() as u32).collect();
    ws.merge_range(row, 0, row, 2, "合计", &f.header)?;
    f.total_cell(ws, row, 3, total, &item_rows)?;
    row += 1;
    for (i, s) in items.iter().enumerate() {
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.text)?;
        ws.write_string_with_format(row, 1, &s.project, &f.text)?;
        ws.write_string_with_format(row, 2, &s.content, &f.text)?;
        f.money_cell(ws, row, 3, s.amount)?;
        row += 1;
    }
    ws.write_string(row, 0, "注：本表反映部门本年度政府购买服务支出情况。")?;
    Ok(row + 1)
}
