//! Workbook layouts written with a real xlsx writer (rust_xlsxwriter), each run through the
//! binary: code spellings, units, blanks, two tables on one sheet, bad cells and bad files.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Workbook, Worksheet};

use crate::common::*;

/// An input root with one workbook at <root>/<year>/西城区/<unit>/<name>.
fn input_root(
    unit: &str,
    name: &str,
    build: impl FnOnce(&mut Workbook),
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("in/2023/西城区").join(unit);
    std::fs::create_dir_all(&folder).expect("mkdir");
    let mut wb = Workbook::new();
    build(&mut wb);
    let path = folder.join(name);
    wb.save(&path).expect("save");
    (dir, path)
}

fn run_on(dir: &Path) -> (std::process::Output, Vec<Row>, Vec<Row>) {
    let out = dir.join("wh");
    let o = juesuan(&[
        "run",
        "--input",
        dir.join("in").to_str().expect("utf-8"),
        "--output",
        out.to_str().expect("utf-8"),
    ]);
    (
        o,
        read_dataset(&out.join("expenditure")),
        read_dataset(&out.join("rejects")),
    )
}

fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str) {
    ws.write_string(row, col, s).expect("write");
}

fn num(ws: &mut Worksheet, row: u32, col: u16, v: f64) {
    ws.write_number(row, col, v).expect("write");
}

/// Two tables stacked on one sheet named "Sheet1", amounts in 元, codes in every spelling.
#[test]
fn two_tables_on_one_sheet_with_every_code_spelling() {
    let (dir, _) = input_root("新街口街道办事处", "tables.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "2023年度北京市西城区新街口街道办事处支出决算表");
        text(ws, 1, 0, "编制单位：北京市西城区新街口街道办事处");
        text(ws, 1, 3, "金额单位：元");
        for (c, h) in [
            "功能分类\n科目编码",
            "科目名称",
            "本年支出合计",
            "基本支出",
            "项目支出",
        ]
        .iter()
        .enumerate()
        {
            text(ws, 2, c as u16, h);
        }
        text(ws, 3, 0, "合计");
        num(ws, 3, 2, 3_000_000.5);
        num(ws, 4, 0, 201.0); // code stored as a number
        text(ws, 4, 1, "一般公共服务支\n出"); // wrapped name
        num(ws, 4, 2, 1_234_567.89);
        text(ws, 4, 3, "-"); // blank, not zero
        text(ws, 4, 4, "1,234,567.89"); // text with thousands separators
        text(ws, 5, 0, "２０１０３"); // full-width digits
        text(ws, 5, 1, "　政府办公厅(室)及相关机构事务");
        num(ws, 5, 2, 1_234_567.89);
        text(ws, 6, 0, "201-03-01"); // dash-joined
        text(ws, 6, 1, "行政运行");
        num(ws, 6, 2, 1_234_567.89);
        num(ws, 6, 3, 0.0);
        text(ws, 7, 0, "2999999 某个未知科目"); // code and name in one cell, unknown code
        num(ws, 7, 2, 10.0);
        text(ws, 8, 0, "204");
        text(ws, 8, 1, "公共安全支出");
        text(ws, 8, 2, "abc"); // unreadable amount → reject row
        text(ws, 9, 0, "注：本表反映部门本年度各项支出情况。");
        // The second table on the same sheet, 万元.
        text(ws, 11, 0, "一般公共预算财政拨款支出决算表");
        text(ws, 12, 4, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
            .iter()
            .enumerate()
        {
            text(ws, 13, c as u16, h);
        }
        text(ws, 14, 0, "201");
        text(ws, 14, 1, "一般公共服务支出");
        num(ws, 14, 2, 11724.11);
        num(ws, 14, 3, 0.0);
        num(ws, 14, 4, 11724.11);
        text(ws, 15, 0, "合计");
        num(ws, 15, 2, 11724.11);
    });
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    let r201 = one(&rows, &[("source", "table03"), ("code", "201")]);
    assert_eq!(r201["actual"], "1234567.89");
    assert_eq!(r201["basic"], "", "'-' is a blank, not zero");
    assert_eq!(r201["project"], "1234567.89");
    assert_eq!(r201["name_printed"], "一般公共服务支出");
    assert_eq!(r201["source_sheet"], "Sheet1");
    assert_eq!(r201["source_row"], "5");
    let r20103 = one(&rows, &[("source", "table03"), ("code", "20103")]);
    assert_eq!(
        r20103["classification_status"], "exact",
        "half-width parentheses and indentation are typography"
    );
    assert_eq!(r20103["category_name"], "一般公共服务支出");
    let item = one(&rows, &[("source", "table03"), ("code", "2010301")]);
    assert_eq!(
        (
            item["level"].as_str(),
            item["section_code"].as_str(),
            item["basic"].as_str()
        ),
        ("3", "20103", "0.00")
    );
    let unknown = one(&rows, &[("code", "2999999")]);
    assert_eq!(unknown["classification_status"], "unknown");
    assert_eq!(unknown["name"], "某个未知科目");
    assert_eq!(unknown["actual"], "10.00");
    let gp = one(&rows, &[("source", "table05"), ("code", "201")]);
    assert_eq!(
        (
            gp["fund"].as_str(),
            gp["actual"].as_str(),
            gp["source_row"].as_str()
        ),
        ("general_public", "117241100.00", "15")
    );
    assert!(find(&rows, &[("code", "204")]).is_empty());
    let bad = one(&rejects, &[("source_row", "9")]);
    assert!(
        bad["reason"].contains("\"abc\" is not an amount"),
        "{bad:?}"
    );
    assert_eq!(
        (bad["source_sheet"].as_str(), bad["stage"].as_str()),
        ("Sheet1", "extract")
    );
    assert_eq!(rows.len(), 5);
    assert_eq!(rejects.len(), 1);
}

#[test]
fn a_table_without_a_unit_line_is_rejected_not_guessed() {
    let (dir, _) = input_root("月坛街道办事处", "no-unit.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "支出决算表");
        for (c, h) in ["科目编码", "科目名称", "本年支出合计"].iter().enumerate() {
            text(ws, 1, c as u16, h);
        }
        text(ws, 2, 0, "201");
        num(ws, 2, 2, 5.0);
    });
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(rows.is_empty());
    let r = one(&rejects, &[("stage", "extract")]);
    assert!(r["reason"].contains("no 单位 line"), "{r:?}");
    assert_eq!(
        (r["unit_id"].as_str(), r["source_row"].as_str()),
        ("110102-yuetan", "1")
    );
}

#[test]
fn an_unlisted_unit_loads_with_a_derived_id() {
    let (dir, _) = input_root("某某街道办事处", "x.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "支出决算表");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "本年支出合计"].iter().enumerate() {
            text(ws, 2, c as u16, h);
        }
        text(ws, 3, 0, "201");
        num(ws, 3, 2, 1.5);
    });
    let (o, rows, _) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "\"某某街道办事处\" is not a township of 北京市西城区 in the 2023 统计用区划代码"
        ),
        "{}",
        stderr(&o)
    );
    let row = one(&rows, &[("code", "201")]);
    assert_eq!(row["actual"], "15000.00");
    assert!(row["unit_id"].starts_with("110102-x"), "{row:?}");
    // Filed as the 街道's 办事处, as the official ones are; not an official division, so no code.
    assert_eq!(row["unit_name"], "某某街道办事处");
    assert_eq!(row["unit_code"], "", "{row:?}");
    // Same name, same id, every night.
    let (_, again, _) = run_on(dir.path());
    assert_eq!(again[0]["unit_id"], row["unit_id"]);
}

#[test]
fn a_corrupt_file_and_an_unknown_sheet_are_rejected_and_the_rest_loads() {
    let (dir, path) = input_root("德胜街道办事处", "good.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "一般公共预算财政拨款支出决算表(公开05表)");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "合计"].iter().enumerate() {
            text(ws, 2, c as u16, h);
        }
        text(ws, 3, 0, "208");
        text(ws, 3, 1, "社会保障和就业支出");
        num(ws, 3, 2, 0.01);
        let other = wb.add_worksheet();
        text(other, 0, 0, "这不是一张决算表");
        num(other, 1, 0, 3.0);
    });
    std::fs::write(path.with_file_name("broken.xlsx"), b"not a zip at all").expect("write");
    std::fs::write(path.with_file_name("scan.pdf"), b"%PDF-1.4").expect("write");
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(one(&rows, &[("code", "208")])["actual"], "100.00");
    let broken = one(
        &rejects,
        &[("source_file", "2023/西城区/德胜街道办事处/broken.xlsx")],
    );
    assert!(
        broken["reason"].contains("cannot open workbook"),
        "{broken:?}"
    );
    let pdf = one(
        &rejects,
        &[("source_file", "2023/西城区/德胜街道办事处/scan.pdf")],
    );
    // PDFs are read now: an 8-byte stub is no readable PDF.
    assert!(pdf["reason"].contains("not a readable PDF"), "{pdf:?}");
    let sheet = one(&rejects, &[("stage", "identify")]);
    assert_eq!(sheet["source_sheet"], "Sheet2");
    assert!(sheet["raw_text"].contains("这不是一张决算表"));
}

#[test]
fn an_empty_table_is_recorded_as_empty_not_as_an_error() {
    let (dir, _) = input_root("天桥街道办事处", "empty.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "国有资本经营预算财政拨款支出决算表(空表)");
        text(ws, 1, 0, "单位：万元");
        text(ws, 2, 0, "科目编码");
        text(ws, 3, 0, "注：本表无数据");
    });
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(rows.is_empty() && rejects.is_empty());
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("wh/_manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["inputs"][0]["tables"][0]["status"], "empty");
    assert_eq!(manifest["inputs"][0]["tables"][0]["table"], "table09");
}

/// A BIFF8 .xls written by xlwt (tests/fixtures/make_xls.py): 类 | 款 | 项 in three columns
/// with blank parent cells, a 行次 column, a 栏次 row, 千元, a text amount with thousands
/// separators, "-" for a blank, and a formula saved without its value.
#[test]
fn an_xls_with_split_codes_and_a_formula_without_its_value() {
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("in/2023/西城区/德胜街道办事处");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(
        repo().join("tests/fixtures/split_codes_2023.xls"),
        folder.join("split.xls"),
    )
    .expect("copy");
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let got: Vec<(String, String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["code"].clone(),
                r["actual"].clone(),
                r["basic"].clone(),
                r["project"].clone(),
                r["source_row"].clone(),
            )
        })
        .collect();
    let want = [
        ("201", "20000.00", "12000.00", "8000.00", "7"),
        ("20103", "20000.00", "12000.00", "8000.00", "8"),
        ("2010301", "12000.00", "12000.00", "", "9"),
        ("2010302", "8000.00", "0.00", "8000.00", "10"),
    ];
    let want: Vec<(String, String, String, String, String)> = want
        .iter()
        .map(|w| (w.0.into(), w.1.into(), w.2.into(), w.3.into(), w.4.into()))
        .collect();
    assert_eq!(got, want);
    assert!(rows
        .iter()
        .all(|r| r["classification_status"] == "exact" && r["unit_id"] == "110102-desheng"));
    let r = one(&rejects, &[("source_row", "11")]);
    assert!(
        r["reason"].contains("项目支出 column: cell H11: a formula with no cached value"),
        "{r:?}"
    );
}

/// Rows printed without a code are resolved by name: a 类 by its name (ordinal stripped), a 款
/// or 项 among the children of the 类/款 above it; a name the catalogue lacks is a reject.
#[test]
fn name_only_rows_are_resolved_within_their_context() {
    let (dir, _) = input_root("牛街街道办事处", "names.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "一般公共预算财政拨款支出决算表");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "合计"].iter().enumerate() {
            text(ws, 2, c as u16, h);
        }
        let rows: [(&str, f64); 5] = [
            ("一、一般公共服务支出", 5.0),
            ("政府办公厅（室）及相关机构事务", 5.0),
            ("　　行政运行", 3.0),
            ("　　一般行政管理事务", 2.0),
            ("七、并不存在的支出", 1.0),
        ];
        for (i, (name, v)) in rows.iter().enumerate() {
            text(ws, 3 + i as u32, 1, name);
            num(ws, 3 + i as u32, 2, *v);
        }
    });
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["code"].clone(),
                r["classification_status"].clone(),
                r["actual"].clone(),
            )
        })
        .collect();
    let want = [
        ("201", "50000.00"),
        ("20103", "50000.00"),
        ("2010301", "30000.00"),
        ("2010302", "20000.00"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(c, v)| (c.to_string(), "resolved_by_name".to_string(), v.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        one(&rows, &[("code", "201")])["name_printed"],
        "一般公共服务支出"
    );
    let r = one(&rejects, &[("source_row", "8")]);
    assert!(
        r["reason"].contains("no code of the catalogue is named \"并不存在的支出\""),
        "{r:?}"
    );
}

/// Legacy .xls files whose texts are GBK bytes in 8-bit strings, under a CODEPAGE record that
/// claims UTF-16 (1200) or GBK (936), or under none (tests/fixtures/make_gbk_xls.py, xlwt). The
/// folder names no unit: the unit, the sheet and every name must come from repaired text.
#[test]
fn gbk_xls_with_a_wrong_codepage_record_decodes_exactly() {
    for fixture in [
        "gbk_codepage_1200_2023.xls",
        "gbk_codepage_936_2023.xls",
        "gbk_codepage_missing_2023.xls",
    ] {
        let dir = tempfile::tempdir().expect("temp");
        let folder = dir.path().join("in/2023/misc");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::copy(
            repo().join("tests/fixtures").join(fixture),
            folder.join(fixture),
        )
        .expect("copy");
        let (o, rows, rejects) = run_on(dir.path());
        assert_eq!(o.status.code(), Some(0), "{fixture}: {}", stderr(&o));
        assert!(rejects.is_empty(), "{fixture}: {rejects:?}");
        let got: Vec<[&str; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r["unit_id"].as_str(),
                    r["source_sheet"].as_str(),
                    r["code"].as_str(),
                    r["name_printed"].as_str(),
                    r["actual"].as_str(),
                    r["basic"].as_str(),
                    r["project"].as_str(),
                ]
            })
            .collect();
        let (unit, sheet) = ("110102-yuetan", "一般公共预算支出");
        assert_eq!(
            got,
            vec![
                [
                    unit,
                    sheet,
                    "201",
                    "一般公共服务支出",
                    "117241100.00",
                    "24813400.00",
                    "92427700.00"
                ],
                [
                    unit,
                    sheet,
                    "20103",
                    "政府办公厅（室）及相关机构事务",
                    "117241100.00",
                    "24813400.00",
                    "92427700.00"
                ],
                [
                    unit,
                    sheet,
                    "2010301",
                    "行政运行",
                    "24813400.00",
                    "24813400.00",
                    ""
                ],
                [
                    unit,
                    sheet,
                    "2010350",
                    "事业运行",
                    "92427700.00",
                    "0.00",
                    "92427700.00"
                ],
            ],
            "{fixture}"
        );
        assert!(rows.iter().all(|r| r["classification_status"] == "exact"
            && r["fund"] == "general_public"
            && r["unit_name"] == "月坛街道办事处"));
    }
}

/// Beijing's 政府采购情况表 and 政府购买服务表, laid out by another office: 元 with text
/// amounts, the planned columns first. Read into `units`; a 合计 that is not the sum of its
/// items is a finding; a procurement table with several units and no 合计 is a reject.
#[test]
fn procurement_and_purchased_services_tables() {
    let (dir, path) = input_root("德胜街道办事处", "bj.xlsx", |wb| {
        let ws = wb.add_worksheet();
        ws.write(0, 0, "政府采购情况表").expect("w");
        ws.write(1, 0, "编制单位：北京市西城区德胜街道办事处")
            .expect("w");
        ws.write(1, 9, "金额单位：元").expect("w");
        let top = [
            "序号",
            "单位名称",
            "采购计划金额",
            "",
            "",
            "",
            "实际采购金额",
            "",
            "",
            "",
        ];
        let leaf = [
            "", "", "总计", "货物", "工程", "服务", "总计", "货物", "工程", "服务",
        ];
        for (c, (t, l)) in top.iter().zip(leaf).enumerate() {
            ws.write(2, c as u16, *t).expect("w");
            ws.write(3, c as u16, l).expect("w");
        }
        ws.merge_range(2, 2, 2, 5, "采购计划金额", &Default::default())
            .expect("merge");
        ws.merge_range(2, 6, 2, 9, "实际采购金额", &Default::default())
            .expect("merge");
        ws.write(4, 1, "合计").expect("w");
        for (c, v) in ["1,000,000.00", "100,000.00", "0.00", "900,000.00"]
            .iter()
            .chain(&["950,000.50", "-", "0", "950,000.50"])
            .enumerate()
        {
            ws.write(4, 2 + c as u16, *v).expect("w");
        }
        ws.write(5, 0, 1).expect("w");
        ws.write(5, 1, "德胜街道办事处").expect("w");

        let ws = wb.add_worksheet();
        ws.write(0, 0, "2023年度政府购买服务决算公开情况表")
            .expect("w");
        ws.write(1, 0, "编制单位：北京市西城区德胜街道办事处 单位：万元")
            .expect("w");
        for (c, t) in ["序号", "项目名称", "服务内容", "决算金额"]
            .iter()
            .enumerate()
        {
            ws.write(2, c as u16, *t).expect("w");
        }
        ws.write(3, 0, "合计").expect("w");
        ws.write(3, 3, 30.0).expect("w");
        ws.write(4, 0, 1).expect("w");
        ws.write(4, 1, "社区服务").expect("w");
        ws.write(4, 3, 12.5).expect("w");
        ws.write(5, 0, 2).expect("w");
        ws.write(5, 1, "养老服务").expect("w");
        // 12.5 + 17.39 = 29.89 under a printed 30.00: beyond the rounding of the cells
        // (12.5 + 17.49 = 29.99 would be within it).
        ws.write(5, 3, 17.39).expect("w");

        let ws = wb.add_worksheet();
        ws.write(0, 0, "政府采购情况表").expect("w");
        ws.write(1, 0, "单位：万元").expect("w");
        for (c, t) in ["单位名称", "合计", "货物"].iter().enumerate() {
            ws.write(2, c as u16, *t).expect("w");
        }
        for r in [3u32, 4] {
            ws.write(r, 0, format!("单位{r}")).expect("w");
            ws.write(r, 1, 5.0).expect("w");
            ws.write(r, 2, 5.0).expect("w");
        }
    });
    let (o, _, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let units = read_dataset(&dir.path().join("wh/units"));
    let u = one(&units, &[("unit_id", "110102-desheng"), ("year", "2023")]);
    assert_eq!(u["procurement_total"], "950000.50");
    assert_eq!(u["procurement_goods"], "", "a dash is null, not 0");
    assert_eq!(u["procurement_works"], "0.00");
    assert_eq!(u["procurement_services"], "950000.50");
    assert_eq!(u["purchased_services"], "300000.00", "the printed 合计");
    let findings = read_dataset(&dir.path().join("wh/findings"));
    let f = one(&findings, &[("rule_id", "table.purchased_services_sum")]);
    assert_eq!(
        (f["expected"].as_str(), f["actual"].as_str()),
        ("298900.00", "300000.00")
    );
    let file = path.file_name().and_then(|n| n.to_str()).expect("name");
    let r = one(&rejects, &[("source_sheet", "Sheet3")]);
    assert!(r["source_file"].ends_with(file));
    assert!(
        r["reason"].contains("2 purchasing units and no 合计 row"),
        "{r:?}"
    );
}

/// A 2023 table printed from a pre-2019 template: 21005 医疗保障 and its items were
/// renumbered to 21011 行政事业单位医疗 (crosswalk.csv), so the rows load under the new codes,
/// `crosswalked`, with the printed code kept. A name cut in print ("城乡社区环境卫") is taken
/// for the nearest catalogue name above the threshold, and a finding says so.
#[test]
fn renumbered_codes_and_fuzzy_names() {
    let (dir, _) = input_root("牛街街道办事处", "stale.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "2023年度一般公共预算财政拨款支出决算表");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "合计"].iter().enumerate() {
            text(ws, 2, c as u16, h);
        }
        let rows: [(&str, &str, f64); 7] = [
            ("210", "卫生健康支出", 10.0),
            ("21005", "医疗保障", 10.0),
            ("2100501", "行政单位医疗", 6.0),
            ("2100502", "事业单位医疗", 4.0),
            ("212", "城乡社区支出", 3.0),
            ("21205", "城乡社区环境卫生", 3.0),
            ("", "城乡社区环境卫", 3.0),
        ];
        for (i, (code, name, v)) in rows.iter().enumerate() {
            let r = 3 + i as u32;
            if !code.is_empty() {
                text(ws, r, 0, code);
            }
            text(ws, r, 1, name);
            num(ws, r, 2, *v);
        }
    });
    let (o, rows, rejects) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(rejects.is_empty(), "{rejects:?}");
    let got: Vec<[&str; 5]> = rows
        .iter()
        .map(|r| {
            [
                r["code"].as_str(),
                r["classification_status"].as_str(),
                r["code_printed"].as_str(),
                r["name"].as_str(),
                r["actual"].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ["210", "exact", "", "卫生健康支出", "100000.00"],
            [
                "21011",
                "crosswalked",
                "21005",
                "行政事业单位医疗",
                "100000.00"
            ],
            [
                "2101101",
                "crosswalked",
                "2100501",
                "行政单位医疗",
                "60000.00"
            ],
            [
                "2101102",
                "crosswalked",
                "2100502",
                "事业单位医疗",
                "40000.00"
            ],
            ["212", "exact", "", "城乡社区支出", "30000.00"],
            ["21205", "exact", "", "城乡社区环境卫生", "30000.00"],
            [
                "2120501",
                "resolved_by_name",
                "",
                "城乡社区环境卫生",
                "30000.00"
            ],
        ]
    );
    let findings = read_dataset(&dir.path().join("wh/findings"));
    let f = one(&findings, &[("rule_id", "classify.fuzzy_name")]);
    assert_eq!(f["severity"], "info");
    assert_eq!(
        (f["actual"].as_str(), f["expected"].as_str()),
        ("城乡社区环境卫", "城乡社区环境卫生")
    );
    assert!(f["message"].contains("similarity 0.92"), "{}", f["message"]);
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "the renumbered hierarchy still adds up: {findings:?}"
    );
}

/// An older MOF layout: 预算数 | 决算数 only. The bare 预算数 is the 年初预算 (execution rates
/// need it); the 决算数 is the actual.
#[test]
fn a_bare_budget_column_is_the_initial_budget() {
    let (dir, _) = input_root("德胜街道办事处", "old.xlsx", |wb| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "一般公共预算财政拨款支出决算表");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "预算数", "决算数"]
            .iter()
            .enumerate()
        {
            text(ws, 2, c as u16, h);
        }
        text(ws, 3, 0, "201");
        text(ws, 3, 1, "一般公共服务支出");
        num(ws, 3, 2, 120.5);
        num(ws, 3, 3, 110.25);
    });
    let (o, rows, _) = run_on(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = one(&rows, &[("code", "201")]);
    assert_eq!(
        (
            r["actual"].as_str(),
            r["budget_initial"].as_str(),
            r["budget_final"].as_str()
        ),
        ("1102500.00", "1205000.00", "")
    );
    let execution = read_dataset(&dir.path().join("wh/execution"));
    let e = one(&execution, &[("code", "201"), ("fund", "general_public")]);
    assert!(e["rate_initial"].starts_with("0.9149"), "{e:?}");
}

/// The same table in two workbooks of one unit-year (a copy, then a copy with one figure
/// changed): loaded once, from the first file by path; the other copy is a finding, `info`
/// when its figures are the same and `warning` when they differ.
#[test]
fn a_table_published_twice_is_loaded_once() {
    let table = |wb: &mut Workbook, v: f64| {
        let ws = wb.add_worksheet();
        text(ws, 0, 0, "2023年度一般公共预算财政拨款支出决算表");
        text(ws, 1, 0, "单位：万元");
        for (c, h) in ["科目编码", "科目名称", "合计"].iter().enumerate() {
            text(ws, 2, c as u16, h);
        }
        text(ws, 3, 0, "201");
        text(ws, 3, 1, "一般公共服务支出");
        num(ws, 3, 2, v);
        text(ws, 4, 0, "20103");
        text(ws, 4, 1, "政府办公厅（室）及相关机构事务");
        num(ws, 4, 2, v);
    };
    for (second, severity) in [(10.0, "info"), (12.0, "warning")] {
        let (dir, path) = input_root("德胜街道办事处", "a.xlsx", |wb| table(wb, 10.0));
        let mut wb = Workbook::new();
        table(&mut wb, second);
        wb.save(path.with_file_name("b.xlsx")).expect("save");
        let (o, rows, _) = run_on(dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let got: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r["code"].as_str(),
                    r["actual"].as_str(),
                    r["source_file"].as_str(),
                )
            })
            .collect();
        let a = "2023/西城区/德胜街道办事处/a.xlsx";
        assert_eq!(
            got,
            vec![("201", "100000.00", a), ("20103", "100000.00", a)]
        );
        let findings = read_dataset(&dir.path().join("wh/findings"));
        let f = one(&findings, &[("rule_id", "workbook.duplicate_table")]);
        assert_eq!(f["severity"], severity);
        assert!(f["references"].contains("b.xlsx"), "{f:?}");
        assert!(
            findings.iter().all(|f| f["rule_id"] != "hierarchy.sum"),
            "no double count: {findings:?}"
        );
    }
}
