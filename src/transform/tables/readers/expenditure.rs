//! Tables 03/05/08/09 (and Beijing's fund tables): one row per function code, with
//! 合计/基本/项目 and budgets; codes in one column, split 类 | 款 | 项, or only names.

use super::*;

/// The 类 and 款 above the current row of a three-column code layout, for rows that leave
/// their parents blank.
#[derive(Debug, Default)]
pub(super) struct Carry {
    lei: Option<String>,
    kuan: Option<String>,
}

/// The digits of a split-code cell: "201", "01", a number cell 1.0 → "01" (`width` digits).
pub(super) fn code_part(sheet: &Sheet, r: u32, c: u32, width: usize) -> Option<String> {
    let digits = match sheet.get(r, c) {
        calamine::Data::String(s) => crate::reference::text::fold_width(s.trim()).into_owned(),
        calamine::Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 => format!("{}", *f as u64),
        calamine::Data::Int(i) if *i >= 0 => i.to_string(),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > width || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{digits:0>width$}"))
}

/// A code from 类 | 款 | 项 columns; blank or merged parent cells take the parent above.
pub(super) fn split_code(
    sheet: &Sheet,
    r: u32,
    cols: [u32; 3],
    carry: &mut Carry,
) -> Option<String> {
    let lei = code_part(sheet, r, cols[0], 3).filter(|l| l.len() == 3);
    let kuan = code_part(sheet, r, cols[1], 2);
    let xiang = code_part(sheet, r, cols[2], 2);
    if let Some(l) = &lei {
        if carry.lei.as_ref() != Some(l) {
            carry.kuan = None;
        }
        carry.lei = Some(l.clone());
    }
    if let Some(k) = &kuan {
        carry.kuan = Some(k.clone());
    }
    match (xiang, kuan) {
        (Some(x), _) => Some(format!(
            "{}{}{x}",
            carry.lei.as_ref()?,
            carry.kuan.as_ref()?
        )),
        (None, Some(k)) => Some(format!("{}{k}", carry.lei.as_ref()?)),
        (None, None) => lei,
    }
}

/// Expenditure columns of a function-code table, found by header text.
#[derive(Debug, Default)]
pub(super) struct ExpenditureColumns {
    code: Option<u32>,
    /// 类 | 款 | 项 in three columns (款/项 as two digits).
    split: [Option<u32>; 3],
    name: Option<u32>,
    actual: Option<u32>,
    basic: Option<u32>,
    project: Option<u32>,
    budget_initial: Option<u32>,
    budget_final: Option<u32>,
}

pub(super) fn expenditure_columns(header: &Header) -> ExpenditureColumns {
    let mut c = ExpenditureColumns::default();
    for (col, parts) in &header.columns {
        let full: String = parts.concat();
        let leaf = parts.last().map(String::as_str).unwrap_or("");
        let slot = |s: &mut Option<u32>| {
            s.get_or_insert(*col);
        };
        let total_or_single = !leaf.contains("基本") && !leaf.contains("项目");
        if let Some(i) = ["类", "款", "项"].iter().position(|l| leaf == *l) {
            c.split[i].get_or_insert(*col);
        } else if full.contains("编码") || full.contains("代码") {
            slot(&mut c.code);
        } else if leaf.contains("名称") || leaf == "项目" {
            slot(&mut c.name);
        } else if full.contains("年初预算") {
            if total_or_single {
                slot(&mut c.budget_initial);
            }
        } else if full.contains("全年预算")
            || full.contains("调整预算")
            || full.contains("调整后预算")
        {
            if total_or_single {
                slot(&mut c.budget_final);
            }
        } else if leaf == "预算数" || leaf == "预算" {
            // A bare 预算数 (older MOF tables: 预算数 | 决算数) is the budget set at the start
            // of the year; a table with both names them 年初/全年.
            if total_or_single {
                slot(&mut c.budget_initial);
            }
        } else if full.contains("收入") || full.contains("结转") || full.contains("结余") {
            // income and carry-over columns of tables 08/09: not expenditure
        } else if leaf.contains("基本支出") {
            slot(&mut c.basic);
        } else if leaf.contains("项目支出") {
            slot(&mut c.project);
        } else if leaf.contains("合计")
            || matches!(leaf, "决算数" | "本年支出" | "支出决算" | "金额")
        {
            slot(&mut c.actual);
        }
    }
    c
}

/// Tables 03/05/08/09: one row per function code with 合计/基本/项目 (and budgets).
pub fn expenditure_table(
    t: &TableContext,
    fund: Fund,
    out: &mut Extraction,
) -> Result<usize, String> {
    let header = read_header(t.sheet, t.block, code_table_row)?;
    let columns = expenditure_columns(&header);
    if columns.actual.is_none() {
        return Err("no 合计 / 决算数 / 本年支出 column in the header".into());
    }
    let code_col = columns.code.unwrap_or(t.sheet.first_col);
    let name_col = columns.name.unwrap_or(code_col + 1);
    let source = Source::Table(t.block.kind);

    let mut carry = Carry::default();
    // The 类 or 款 of the last row with a code, for name-only rows below it.
    let mut context: Option<String> = None;
    let mut printed: crate::FastMap<String, String> = crate::FastMap::default();
    let mut first_seen: crate::FastMap<String, u32> = crate::FastMap::default();
    let mut pending = Vec::new();
    // The table's 合计 row: (sheet row, 合计 / 基本 / 项目).
    let mut first_total: Option<(u32, [Option<Yuan>; 3])> = None;
    for r in t.data_rows(header.data_start) {
        let read = |col, label| t.amount(r, col, &header, label);
        let amounts = (|| {
            Ok::<_, String>([
                read(columns.actual, "合计")?,
                read(columns.basic, "基本支出")?,
                read(columns.project, "项目支出")?,
                read(columns.budget_initial, "年初预算数")?,
                read(columns.budget_final, "全年预算数")?,
            ])
        })();
        let [actual, basic, project, budget_initial, budget_final] = match amounts {
            Ok(a) => a,
            Err(reason) => {
                t.reject_row(out, r, reason);
                continue;
            }
        };
        let code = if let [Some(lei), Some(kuan), Some(xiang)] = columns.split {
            split_code(t.sheet, r, [lei, kuan, xiang], &mut carry).map(|c| (c, String::new()))
        } else {
            t.sheet
                .code(r, code_col)
                .or_else(|| t.sheet.code(r, name_col))
        };
        // A row without a code ("七、文化旅游体育与传媒支出"): a total, or a name resolved in
        // the catalogue: a 类 by its name, a 款 or 项 by name among the children of the
        // 类/款 above it.
        let (code, rest, by_name) = match code {
            Some((code, rest)) => (code, rest, false),
            None => {
                // The total label may stand in the name column with 类 | 款 | 项 beside it,
                // or (printed without rules) under any of the code columns.
                let label = (t.sheet.first_col..=name_col.max(code_col))
                    .filter_map(|c| t.sheet.text(r, c))
                    .find(|l| is_total_label(l))
                    .or_else(|| t.sheet.text(r, code_col))
                    .or_else(|| t.sheet.text(r, name_col))
                    .unwrap_or("");
                if is_total_label(label) {
                    if first_total.is_none() && name_key(&clean_name(label)) == "合计" {
                        first_total = Some((r, [actual, basic, project]));
                    }
                    out.totals.push(TotalRow {
                        fund,
                        source,
                        label: clean_name(label),
                        actual,
                        basic,
                        project,
                        provenance: t.provenance(r),
                    });
                    continue;
                }
                let name = crate::reference::text::strip_ordinal(&clean_name(label)).to_string();
                // Digits that are no code ("2０1x", "20101x"): a broken code, not a name.
                let folded = crate::reference::text::fold_width(&name);
                if folded.starts_with(|c: char| c.is_ascii_digit()) {
                    t.reject_row(
                        out,
                        r,
                        format!("code cell {label:?} is not a function code (3, 5 or 7 digits)"),
                    );
                    continue;
                }
                match resolve_by_name(t.catalog, &name, t.unit.year, context.as_deref()) {
                    Some(ByName::Exact(code)) => (code, name, true),
                    Some(ByName::Fuzzy {
                        code,
                        name: matched,
                        score,
                    }) => {
                        out.findings.push(Finding {
                            unit: Some(t.unit.clone()),
                            file: t.file.clone(),
                            rule: crate::model::RuleId::ClassifyFuzzyName,
                            severity: Severity::Info,
                            message: format!(
                                "no code printed, and no catalogue name is {name:?}; taken as {code} {matched:?} (similarity {score:.2} ≥ {FUZZY_THRESHOLD}, ahead of the next by ≥ {FUZZY_MARGIN})"
                            ),
                            expected: Some(matched),
                            actual: Some(name.clone()),
                            tolerance: Some(format!("{FUZZY_THRESHOLD}")),
                            references: vec![t.provenance(r).reference()],
                        });
                        (code, name, true)
                    }
                    None => {
                        t.reject_row(out, r, format!("no function code in this row, and no code of the catalogue is named {name:?} here"));
                        continue;
                    }
                }
            }
        };
        if code.len() < 7 {
            context = Some(code.clone());
        }
        let name_cell = t
            .sheet
            .text(r, name_col)
            .map(clean_name)
            .unwrap_or_default();
        let name_printed = if by_name || name_cell.is_empty() || t.sheet.code(r, name_col).is_some()
        {
            clean_name(&rest)
        } else {
            name_cell
        };
        if let Some(first) = first_seen.get(&code) {
            t.reject_row(
                out,
                r,
                format!("code {code} appears twice in this table (first at row {first})"),
            );
            continue;
        }
        first_seen.insert(code.clone(), r + 1);
        printed.insert(code.clone(), name_printed.clone());
        let Some(actual) = actual else {
            if basic.is_some() || project.is_some() {
                t.reject_row(
                    out,
                    r,
                    "合计 is blank while 基本支出/项目支出 are filled".into(),
                );
            }
            // A template row printed without figures carries nothing to load.
            continue;
        };
        pending.push((
            code,
            name_printed,
            actual,
            basic,
            project,
            budget_initial,
            budget_final,
            r,
            by_name,
        ));
    }

    let year = t.unit.year;
    let mut loaded = 0;
    for (code, name_printed, actual, basic, project, budget_initial, budget_final, r, by_name) in
        pending
    {
        let parent_name = |c: &str| printed.get(c).cloned();
        let status = match by_name {
            true => Status::Set(ClassificationStatus::ResolvedByName),
            false => Status::Classified,
        };
        let Some(classified) =
            classify_shared(t.catalog, &code, &name_printed, year, &parent_name, status)
        else {
            continue;
        };
        let provenance = t.provenance(r);
        if classified.status == ClassificationStatus::Unknown {
            out.findings.push(Finding {
                unit: Some(t.unit.clone()),
                file: t.file.clone(),
                rule: crate::model::RuleId::ClassifyUnknownCode,
                severity: Severity::Warning,
                message: format!("code {code} {name_printed:?} is not in the catalogue for {year}; kept as printed"),
                expected: None,
                actual: Some(code.clone()),
                tolerance: None,
                references: vec![provenance.reference()],
            });
        }
        out.expenditure.push(ExpenditureRow {
            unit: t.unit.clone(),
            fund,
            source,
            code: classified,
            name_printed,
            actual,
            basic,
            project,
            budget_initial,
            budget_final,
            provenance,
        });
        loaded += 1;
    }
    if fund == Fund::All {
        // The 合计 row of 支出决算表 is the department's expenditure (units).
        if let Some((r, [actual, basic, project])) = first_total {
            t.fact(out, Metric::ExpenditureTotal, actual, r);
            t.fact(out, Metric::Basic, basic, r);
            t.fact(out, Metric::Project, project, r);
        }
    }
    Ok(loaded)
}
