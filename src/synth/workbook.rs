//! Writes a [`UnitYear`] as a Beijing-style 决算公开报表 workbook: one sheet per table, each
//! with its title, a 编制单位 / year / 单位：万元 line, merged multi-row headers and footnotes.

use std::path::Path;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Result};
use crate::synth::plan::{FundPlan, Line, UnitYear};

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    money: Format,
    layout: Layout,
}

/// How a unit's workbook is laid out: offices differ, and the corpus should too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Amounts in 元 (金额单位：元) instead of 万元.
    pub yuan: bool,
    /// Titles with the year and a 公开0N表 suffix.
    pub decorated_titles: bool,
    /// Code and name in one cell ("2010301 行政运行") and a wrapped "功能分类\n科目编码" header.
    pub code_with_name: bool,
}

impl Layout {
    /// 新街口 keeps the plain layout its tests name rows of; other units get one of three.
    pub fn for_unit(unit_id: &str) -> Layout {
        let h = unit_id
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
        match (unit_id == "110102-xinjiekou", h % 3) {
            (true, _) | (false, 0) => Layout {
                yuan: false,
                decorated_titles: false,
                code_with_name: false,
            },
            (false, 1) => Layout {
                yuan: true,
                decorated_titles: true,
                code_with_name: false,
            },
            _ => Layout {
                yuan: false,
                decorated_titles: false,
                code_with_name: true,
            },
        }
    }
}

impl Formats {
    /// A figure in 0.01 万元 as the cell holds it: 万元 with 2 decimals, or 元.
    fn amount(&self, v: i64) -> f64 {
        if self.layout.yuan {
            v as f64 * 100.0
        } else {
            v as f64 / 100.0
        }
    }

    fn unit_label(&self) -> &'static str {
        if self.layout.yuan {
            "金额单位：元"
        } else {
            "单位：万元"
        }
    }

    fn new(layout: Layout) -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            header: border(
                Format::new()
                    .set_bold()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_text_wrap(),
            ),
            text: border(Format::new()),
            money: border(Format::new().set_num_format("#,##0.00")),
            layout,
        }
    }
}

const CHINESE_ORDINALS: [&str; 24] = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
    "二十二",
    "二十三",
    "二十四",
];

/// A value column: its header (group, leaf) and how to read a line.
struct Column {
    group: Option<&'static str>,
    leaf: &'static str,
    value: fn(&Line) -> i64,
}

pub fn write(unit: &UnitYear, path: &Path) -> Result<()> {
    let err = |e: XlsxError| Error::Synth {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut wb = Workbook::new();
    // A fixed creation time keeps the bytes (and so the sha256) stable across regenerations.
    let created = ExcelDateTime::from_ymd(unit.year as u16 + 1, 3, 31).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("juesuan synth"),
    );
    let f = Formats::new(Layout::for_unit(&unit.unit_id));
    let all = unit.all_funds();

    summary_sheet(wb.add_worksheet(), unit, &all, &f).map_err(err)?;
    code_sheet(
        wb.add_worksheet(),
        unit,
        "2 收入决算表",
        "收入决算表",
        &all,
        &[
            Column {
                group: None,
                leaf: "本年收入合计",
                value: |l| l.actual,
            },
            Column {
                group: None,
                leaf: "财政拨款收入",
                value: |l| l.actual,
            },
            Column {
                group: None,
                leaf: "上级补助收入",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "事业收入",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "经营收入",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "附属单位上缴收入",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "其他收入",
                value: |_| 0,
            },
        ],
        true,
        "注：本表反映部门本年度取得的各项收入情况。",
        &f,
    )
    .map_err(err)?;
    code_sheet(
        wb.add_worksheet(),
        unit,
        "3 支出决算表",
        "支出决算表",
        &all,
        &[
            Column {
                group: None,
                leaf: "本年支出合计",
                value: |l| l.actual,
            },
            Column {
                group: None,
                leaf: "基本支出",
                value: |l| l.basic,
            },
            Column {
                group: None,
                leaf: "项目支出",
                value: |l| l.project,
            },
            Column {
                group: None,
                leaf: "上缴上级支出",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "经营支出",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "对附属单位补助支出",
                value: |_| 0,
            },
        ],
        true,
        "注：本表反映部门本年度各项支出情况。",
        &f,
    )
    .map_err(err)?;
    fiscal_summary_sheet(wb.add_worksheet(), unit, &f).map_err(err)?;
    code_sheet(
        wb.add_worksheet(),
        unit,
        "5 一般公共预算支出",
        "一般公共预算财政拨款支出决算表",
        &unit.general,
        &[
            Column {
                group: None,
                leaf: "年初预算数",
                value: |l| l.budget_initial,
            },
            Column {
                group: None,
                leaf: "全年预算数",
                value: |l| l.budget_final,
            },
            Column {
                group: Some("决算数"),
                leaf: "合计",
                value: |l| l.actual,
            },
            Column {
                group: Some("决算数"),
                leaf: "基本支出",
                value: |l| l.basic,
            },
            Column {
                group: Some("决算数"),
                leaf: "项目支出",
                value: |l| l.project,
            },
        ],
        false,
        "注：本表反映部门本年度一般公共预算财政拨款实际支出情况。",
        &f,
    )
    .map_err(err)?;
    economic_sheet(wb.add_worksheet(), unit, &f).map_err(err)?;
    fund_sheet(
        wb.add_worksheet(),
        unit,
        "7 政府性基金",
        "政府性基金预算财政拨款收入支出决算表",
        &unit.government_fund,
        &[
            Column {
                group: None,
                leaf: "年初结转和结余",
                value: |_| 0,
            },
            Column {
                group: None,
                leaf: "本年收入",
                value: |l| l.actual,
            },
            Column {
                group: Some("本年支出"),
                leaf: "合计",
                value: |l| l.actual,
            },
            Column {
                group: Some("本年支出"),
                leaf: "基本支出",
                value: |l| l.basic,
            },
            Column {
                group: Some("本年支出"),
                leaf: "项目支出",
                value: |l| l.project,
            },
            Column {
                group: None,
                leaf: "年末结转和结余",
                value: |_| 0,
            },
        ],
        "政府性基金预算财政拨款收入和支出",
        &f,
    )
    .map_err(err)?;
    fund_sheet(
        wb.add_worksheet(),
        unit,
        "8 国有资本经营",
        "国有资本经营预算财政拨款支出决算表",
        &unit.state_capital,
        &[
            Column {
                group: None,
                leaf: "合计",
                value: |l| l.actual,
            },
            Column {
                group: None,
                leaf: "基本支出",
                value: |l| l.basic,
            },
            Column {
                group: None,
                leaf: "项目支出",
                value: |l| l.project,
            },
        ],
        "国有资本经营预算财政拨款支出",
        &f,
    )
    .map_err(err)?;
    three_public_sheet(wb.add_worksheet(), unit, &f).map_err(err)?;
    wb.save(path).map_err(err)?;
    Ok(())
}

/// Title (merged over the table's width) and the 编制单位 / year / unit line.
fn heading(
    ws: &mut Worksheet,
    sheet: &str,
    unit: &UnitYear,
    title: &str,
    width: u16,
    f: &Formats,
) -> Result<u32, XlsxError> {
    ws.set_name(sheet)?;
    let number = [
        "收入支出决算总表",
        "收入决算表",
        "支出决算表",
        "财政拨款收入支出决算总表",
        "一般公共预算财政拨款支出决算表",
        "一般公共预算财政拨款基本支出决算表",
        "财政拨款“三公”经费支出决算表",
        "政府性基金预算财政拨款收入支出决算表",
        "国有资本经营预算财政拨款支出决算表",
    ]
    .iter()
    .position(|t| title.starts_with(t))
    .map_or(0, |i| i + 1);
    let title = if f.layout.decorated_titles {
        format!("{}年度{title}（公开{number:02}表）", unit.year)
    } else {
        title.to_string()
    };
    ws.merge_range(0, 0, 0, width - 1, &title, &f.title)?;
    ws.write_string(
        1,
        0,
        format!("编制单位：{}{}{}", unit.city, unit.district, unit.unit_name),
    )?;
    ws.write_string(1, (width / 2).max(1), format!("{}年度", unit.year))?;
    ws.write_string(1, width - 1, f.unit_label())?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 36)?;
    for c in 2..width {
        ws.set_column_width(c, 14)?;
    }
    Ok(2)
}

/// A function-code table: 科目编码 | 科目名称 | value columns (one or two header rows),
/// 合计 first or last, then a footnote.
#[allow(clippy::too_many_arguments)]
fn code_sheet(
    ws: &mut Worksheet,
    unit: &UnitYear,
    sheet: &str,
    title: &str,
    plan: &FundPlan,
    columns: &[Column],
    total_first: bool,
    note: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    let width = 2 + columns.len() as u16;
    let mut row = heading(ws, sheet, unit, title, width, f)?;
    row = header(ws, row, columns, f)?;
    let total = |ws: &mut Worksheet, row: u32| -> Result<(), XlsxError> {
        ws.merge_range(row, 0, row, 1, "合计", &f.header)?;
        for (i, c) in columns.iter().enumerate() {
            ws.write_number_with_format(
                row,
                2 + i as u16,
                f.amount(plan.total(c.value)),
                &f.money,
            )?;
        }
        Ok(())
    };
    if total_first {
        total(ws, row)?;
        row += 1;
    }
    for line in &plan.lines {
        let indent = "\u{3000}".repeat(line.code.len() / 2 - 1);
        if f.layout.code_with_name {
            ws.write_string_with_format(row, 0, format!("{} {}", line.code, line.name), &f.text)?;
            ws.write_string_with_format(row, 1, "", &f.text)?;
        } else {
            ws.write_string_with_format(row, 0, &line.code, &f.text)?;
            ws.write_string_with_format(row, 1, format!("{indent}{}", line.name), &f.text)?;
        }
        for (i, c) in columns.iter().enumerate() {
            ws.write_number_with_format(row, 2 + i as u16, f.amount((c.value)(line)), &f.money)?;
        }
        row += 1;
    }
    if !total_first {
        total(ws, row)?;
        row += 1;
    }
    ws.write_string(row, 0, note)?;
    Ok(())
}

/// Writes the header rows; grouped columns get a merged group cell above their leaves.
fn header(ws: &mut Worksheet, row: u32, columns: &[Column], f: &Formats) -> Result<u32, XlsxError> {
    let two_rows = columns.iter().any(|c| c.group.is_some());
    let last = if two_rows { row + 1 } else { row };
    let vertical = |ws: &mut Worksheet, col: u16, text: &str| -> Result<(), XlsxError> {
        if two_rows {
            ws.merge_range(row, col, last, col, text, &f.header)
                .map(|_| ())
        } else {
            ws.write_string_with_format(row, col, text, &f.header)
                .map(|_| ())
        }
    };
    vertical(
        ws,
        0,
        if f.layout.code_with_name {
            "功能分类\n科目编码"
        } else {
            "科目编码"
        },
    )?;
    vertical(ws, 1, "科目名称")?;
    let mut i = 0;
    while i < columns.len() {
        let col = 2 + i as u16;
        match columns[i].group {
            None => {
                vertical(ws, col, columns[i].leaf)?;
                i += 1;
            }
            Some(group) => {
                let n = columns[i..]
                    .iter()
                    .take_while(|c| c.group == Some(group))
                    .count();
                if n > 1 {
                    ws.merge_range(row, col, row, col + n as u16 - 1, group, &f.header)?;
                } else {
                    ws.write_string_with_format(row, col, group, &f.header)?;
                }
                for (k, c) in columns[i..i + n].iter().enumerate() {
                    ws.write_string_with_format(last, col + k as u16, c.leaf, &f.header)?;
                }
                i += n;
            }
        }
    }
    Ok(last + 1)
}

/// Tables 08/09: the function-code table, or the 空表 form with its 本表无数据 note.
#[allow(clippy::too_many_arguments)]
fn fund_sheet(
    ws: &mut Worksheet,
    unit: &UnitYear,
    sheet: &str,
    title: &str,
    plan: &FundPlan,
    columns: &[Column],
    what: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    if !plan.lines.is_empty() {
        return code_sheet(
            ws,
            unit,
            sheet,
            title,
            plan,
            columns,
            false,
            &format!("注：本表反映部门本年度{what}情况。"),
            f,
        );
    }
    let width = 2 + columns.len() as u16;
    let mut row = heading(ws, sheet, unit, &format!("{title}(空表)"), width, f)?;
    row = header(ws, row, columns, f)?;
    ws.write_string(
        row,
        0,
        format!("说明：{}本年度没有{what}，故本表无数据。", unit.unit_name),
    )?;
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    unit: &UnitYear,
    all: &FundPlan,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut row = heading(ws, "1 收入支出决算总表", unit, "收入支出决算总表", 4, f)?;
    ws.merge_range(row, 0, row, 1, "收入", &f.header)?;
    ws.merge_range(row, 2, row, 3, "支出", &f.header)?;
    for (c, t) in ["项目", "决算数", "项目", "决算数"].iter().enumerate() {
        ws.write_string_with_format(row + 1, c as u16, *t, &f.header)?;
    }
    row += 2;
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
    for i in 0..n {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            ws.write_number_with_format(row, 1, f.amount(*v), &f.money)?;
        }
        if let Some(line) = categories.get(i) {
            ws.write_string_with_format(
                row,
                2,
                format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name),
                &f.text,
            )?;
            ws.write_number_with_format(row, 3, f.amount(line.actual), &f.money)?;
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    for (left, right, v) in [
        ("本年收入合计", "本年支出合计", total),
        ("年初结转和结余", "年末结转和结余", 0),
        ("总计", "总计", total),
    ] {
        ws.write_string_with_format(row, 0, left, &f.header)?;
        ws.write_number_with_format(row, 1, f.amount(v), &f.money)?;
        ws.write_string_with_format(row, 2, right, &f.header)?;
        ws.write_number_with_format(row, 3, f.amount(v), &f.money)?;
        row += 1;
    }
    ws.write_string(row, 0, "注：本表反映部门本年度的总收支和年末结转结余情况。")?;
    Ok(())
}

fn fiscal_summary_sheet(ws: &mut Worksheet, unit: &UnitYear, f: &Formats) -> Result<(), XlsxError> {
    let mut row = heading(
        ws,
        "4 财政拨款收支总表",
        unit,
        "财政拨款收入支出决算总表",
        6,
        f,
    )?;
    for (c, t) in [
        "收入项目",
        "决算数",
        "支出项目",
        "合计",
        "一般公共预算财政拨款",
        "政府性基金预算财政拨款",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *t, &f.header)?;
    }
    ws.write_string_with_format(row, 6, "国有资本经营预算财政拨款", &f.header)?;
    row += 1;
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
    for i in 0..income.len().max(categories.len()) {
        if let Some((label, v)) = income.get(i) {
            ws.write_string_with_format(row, 0, *label, &f.text)?;
            ws.write_number_with_format(row, 1, f.amount(*v), &f.money)?;
        }
        if let Some(line) = categories.get(i) {
            ws.write_string_with_format(
                row,
                2,
                format!("{}、{}", CHINESE_ORDINALS[i.min(23)], line.name),
                &f.text,
            )?;
            ws.write_number_with_format(row, 3, f.amount(line.actual), &f.money)?;
            for (k, plan) in [general, fund, state].iter().enumerate() {
                ws.write_number_with_format(
                    row,
                    4 + k as u16,
                    f.amount(amount_in(plan, &line.code)),
                    &f.money,
                )?;
            }
        }
        row += 1;
    }
    let total = all.total(|l| l.actual);
    ws.write_string_with_format(row, 0, "本年收入合计", &f.header)?;
    ws.write_number_with_format(row, 1, f.amount(total), &f.money)?;
    ws.write_string_with_format(row, 2, "本年支出合计", &f.header)?;
    ws.write_number_with_format(row, 3, f.amount(total), &f.money)?;
    for (k, plan) in [general, fund, state].iter().enumerate() {
        ws.write_number_with_format(
            row,
            4 + k as u16,
            f.amount(plan.total(|l| l.actual)),
            &f.money,
        )?;
    }
    ws.write_string(row + 1, 0, "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支情况。")?;
    Ok(())
}

fn economic_sheet(ws: &mut Worksheet, unit: &UnitYear, f: &Formats) -> Result<(), XlsxError> {
    let mut row = heading(
        ws,
        "6 基本支出",
        unit,
        "一般公共预算财政拨款基本支出决算表",
        3,
        f,
    )?;
    for (c, t) in ["经济分类科目编码", "科目名称", "决算数"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *t, &f.header)?;
    }
    row += 1;
    for (code, name, amount) in &unit.basic_by_economic {
        ws.write_string_with_format(row, 0, code, &f.text)?;
        ws.write_string_with_format(row, 1, name, &f.text)?;
        ws.write_number_with_format(row, 2, f.amount(*amount), &f.money)?;
        row += 1;
    }
    let sum = |cats: &[&str]| {
        unit.basic_by_economic
            .iter()
            .filter(|(c, _, _)| cats.contains(&c.as_str()))
            .map(|r| r.2)
            .sum::<i64>()
    };
    for (label, cats) in [
        ("人员经费合计", ["301", "303"]),
        ("公用经费合计", ["302", "310"]),
    ] {
        ws.merge_range(row, 0, row, 1, label, &f.header)?;
        ws.write_number_with_format(row, 2, f.amount(sum(&cats)), &f.money)?;
        row += 1;
    }
    ws.write_string(
        row,
        0,
        "注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。",
    )?;
    Ok(())
}

fn three_public_sheet(ws: &mut Worksheet, unit: &UnitYear, f: &Formats) -> Result<(), XlsxError> {
    let mut row = heading(
        ws,
        "9 三公经费",
        unit,
        "财政拨款“三公”经费支出决算表",
        12,
        f,
    )?;
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
    let t = unit.three_public;
    let pairs = [
        t.total(),
        t.overseas,
        t.vehicles(),
        t.vehicle_purchase,
        t.vehicle_operation,
        t.reception,
    ];
    for (i, (budget, actual)) in pairs.iter().enumerate() {
        ws.write_number_with_format(row, 2 * i as u16, f.amount(*budget), &f.money)?;
        ws.write_number_with_format(row, 2 * i as u16 + 1, f.amount(*actual), &f.money)?;
    }
    ws.write_string(
        row + 1,
        0,
        "注：本表反映部门本年度“三公”经费支出预决算情况。",
    )?;
    Ok(())
}
