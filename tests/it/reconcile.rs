//! Each reconciliation rule with a case that holds (within rounding: no finding) and one
//! that does not (a finding of the expected severity), on workbooks written by a real
//! writer and reports in real wording; and the four known problems of the 新街口 report.

use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet};

use crate::common::*;

enum V {
    T(&'static str),
    N(f64),
}

fn write_table(ws: &mut Worksheet, row: &mut u32, title: &str, headers: &[&str], rows: &[Vec<V>]) {
    ws.write_string(*row, 0, title).expect("w");
    ws.write_string(*row + 1, 0, "单位：万元").expect("w");
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(*row + 2, c as u16, *h).expect("w");
    }
    *row += 3;
    for r in rows {
        for (c, v) in r.iter().enumerate() {
            match v {
                V::T(t) => ws.write_string(*row, c as u16, *t).expect("w"),
                V::N(n) => ws.write_number(*row, c as u16, *n).expect("w"),
            };
        }
        *row += 1;
    }
    *row += 1;
}

/// One unit's 2023 inputs: a workbook of tables, optionally a report; returns the findings.
/// A table: title, header, rows.
type Table<'a> = (&'a str, &'a [&'a str], Vec<Vec<V>>);

fn findings_of(tables: &[Table], report: Option<&str>) -> Vec<Row> {
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("in/2023/西城区/德胜街道办事处");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let mut row = 0;
    for (title, headers, rows) in tables {
        write_table(ws, &mut row, title, headers, rows);
    }
    wb.save(folder.join("tables.xlsx")).expect("save");
    if let Some(text) = report {
        std::fs::write(folder.join("report.txt"), text).expect("report");
    }
    run_findings(dir.path())
}

fn run_findings(dir: &Path) -> Vec<Row> {
    let wh = dir.join("wh");
    let o = juesuan(&[
        "run",
        "--input",
        dir.join("in").to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    read_dataset(&wh.join("findings"))
}

fn rules(findings: &[Row]) -> Vec<(String, String)> {
    findings
        .iter()
        .map(|f| (f["rule_id"].clone(), f["severity"].clone()))
        .collect()
}

const GP: &str = "一般公共预算财政拨款支出决算表";
const ALL: &str = "支出决算表";
const H: &[&str] = &["科目编码", "科目名称", "合计", "基本支出", "项目支出"];

fn gp(rows: Vec<Vec<V>>) -> (&'static str, &'static [&'static str], Vec<Vec<V>>) {
    (GP, H, rows)
}

fn line(code: &'static str, total: f64, basic: f64, project: f64) -> Vec<V> {
    vec![
        V::T(code),
        V::T(""),
        V::N(total),
        V::N(basic),
        V::N(project),
    ]
}

#[test]
fn hierarchy_sum_holds_within_the_rounding_of_its_terms_and_fails_beyond() {
    // 0.33 × 3 = 0.99 against a printed 1.00: consistent (each term ±0.005).
    let ok = findings_of(
        &[gp(vec![
            line("201", 1.0, 1.0, 0.0),
            line("20101", 0.33, 0.33, 0.0),
            line("20102", 0.33, 0.33, 0.0),
            line("20103", 0.33, 0.33, 0.0),
        ])],
        None,
    );
    assert!(
        ok.iter().all(|f| f["rule_id"] != "hierarchy.sum"),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(
        &[gp(vec![
            line("201", 1.2, 1.2, 0.0),
            line("20101", 0.5, 0.5, 0.0),
            line("20102", 0.5, 0.5, 0.0),
        ])],
        None,
    );
    // The 决算 column (基本支出, printed the same, fails too: a finding of its own).
    let f = bad
        .iter()
        .find(|f| f["rule_id"] == "hierarchy.sum" && !f["message"].contains("基本支出"))
        .expect("the 决算 finding");
    assert_eq!(
        (
            f["severity"].as_str(),
            f["expected"].as_str(),
            f["actual"].as_str()
        ),
        ("error", "10000", "12000")
    );
    // The same as decimal(18,2) 元, for analysts to filter and sort.
    assert_eq!(
        (f["expected_yuan"].as_str(), f["actual_yuan"].as_str()),
        ("10000.00", "12000.00")
    );
    assert_eq!(
        bad.iter()
            .filter(|f| f["rule_id"] == "hierarchy.sum")
            .count(),
        2
    );
    assert!(
        f["references"].contains("tables.xlsx#Sheet1!4"),
        "{}",
        f["references"]
    );
    // 类 against the 合计 row: 1.00 + 2.00 under a 合计 of 3.00 holds, under 3.50 it does not.
    let total = |v: f64| vec![V::T("合计"), V::T(""), V::N(v), V::N(v), V::N(0.0)];
    let ok = findings_of(
        &[gp(vec![
            line("201", 1.0, 1.0, 0.0),
            line("205", 2.0, 2.0, 0.0),
            total(3.0),
        ])],
        None,
    );
    assert!(
        ok.iter().all(|f| f["rule_id"] != "hierarchy.sum"),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(
        &[gp(vec![
            line("201", 1.0, 1.0, 0.0),
            line("205", 2.0, 2.0, 0.0),
            total(3.5),
        ])],
        None,
    );
    // 决算 and 基本支出 (printed 3.50 both) are each off.
    let messages: Vec<&str> = bad
        .iter()
        .filter(|f| f["rule_id"] == "hierarchy.sum")
        .map(|f| f["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("合计 row of table05 is not")));
    assert!(messages
        .iter()
        .any(|m| m.contains("合计 row of table05 (基本支出)")));
}

#[test]
fn basic_plus_project_is_the_total() {
    let ok = findings_of(&[gp(vec![line("201", 1.0, 0.4, 0.6)])], None);
    assert!(ok.iter().all(|f| f["rule_id"] != "columns.basic_project"));
    let bad = findings_of(&[gp(vec![line("201", 1.0, 0.4, 0.5)])], None);
    assert_eq!(
        one(&bad, &[("rule_id", "columns.basic_project")])["severity"],
        "error"
    );
    // Rounding edge: 0.33 + 0.33 under a printed 0.67 (0.335 + 0.335 ≥ 0.665).
    let edge = findings_of(&[gp(vec![line("201", 0.67, 0.33, 0.33)])], None);
    assert!(
        edge.iter().all(|f| f["rule_id"] != "columns.basic_project"),
        "{:?}",
        rules(&edge)
    );
}

#[test]
fn the_all_funds_table_is_the_sum_of_the_fund_tables() {
    let all = |v: f64| {
        (
            ALL,
            &[
                "科目编码",
                "科目名称",
                "本年支出合计",
                "基本支出",
                "项目支出",
            ][..],
            vec![line("201", v, v, 0.0)],
        )
    };
    let ok = findings_of(&[all(2.5), gp(vec![line("201", 2.5, 2.5, 0.0)])], None);
    assert!(
        ok.iter().all(|f| f["rule_id"] != "tables.funds_vs_all"),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(&[all(3.5), gp(vec![line("201", 2.5, 2.5, 0.0)])], None);
    assert_eq!(
        one(&bad, &[("rule_id", "tables.funds_vs_all")])["severity"],
        "error"
    );
    // Rounding edge: 2.51 against 2.50 — the intervals [2.505, 2.515] and [2.495, 2.505] touch.
    let edge = findings_of(&[all(2.51), gp(vec![line("201", 2.5, 2.5, 0.0)])], None);
    assert!(
        edge.iter().all(|f| f["rule_id"] != "tables.funds_vs_all"),
        "{:?}",
        rules(&edge)
    );
}

#[test]
fn income_sources_add_up_to_the_total() {
    let income = |fiscal: f64| {
        (
            "收入决算表",
            &[
                "科目编码",
                "科目名称",
                "本年收入合计",
                "财政拨款收入",
                "其他收入",
            ][..],
            vec![
                vec![V::T("合计"), V::T(""), V::N(10.0), V::N(fiscal), V::N(2.0)],
                vec![V::T("201"), V::T(""), V::N(10.0), V::N(fiscal), V::N(2.0)],
            ],
        )
    };
    assert!(findings_of(&[income(8.0)], None)
        .iter()
        .all(|f| f["rule_id"] != "columns.income_sources"));
    assert_eq!(
        one(
            &findings_of(&[income(9.0)], None),
            &[("rule_id", "columns.income_sources")]
        )["severity"],
        "error"
    );
    // Rounding edge: 10.00 against 7.99 + 2.00 (each ±0.005): still consistent.
    assert!(findings_of(&[income(7.99)], None)
        .iter()
        .all(|f| f["rule_id"] != "columns.income_sources"));
}

/// A 收入支出决算总表 published alone (one file per table) states 财政拨款 income by fund, not
/// as one figure: the funds and the other sources must add up to 本年收入合计.
#[test]
fn income_by_fund_adds_up_in_a_summary_table_on_its_own() {
    let summary = |general: f64| {
        (
            "收入支出决算总表",
            &["项目", "决算数", "项目", "决算数"][..],
            vec![
                vec![
                    V::T("一、一般公共预算财政拨款收入"),
                    V::N(general),
                    V::T("一、一般公共服务支出"),
                    V::N(10.0),
                ],
                vec![
                    V::T("二、政府性基金预算财政拨款收入"),
                    V::N(2.0),
                    V::T(""),
                    V::T(""),
                ],
                vec![V::T("四、上级补助收入"), V::N(0.0), V::T(""), V::T("")],
                vec![V::T("八、其他收入"), V::N(0.0), V::T(""), V::T("")],
                vec![
                    V::T("本年收入合计"),
                    V::N(10.0),
                    V::T("本年支出合计"),
                    V::N(10.0),
                ],
            ],
        )
    };
    let ok = findings_of(&[summary(8.0)], None);
    assert!(
        ok.iter().all(|f| f["rule_id"] != "columns.income_sources"),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(&[summary(9.0)], None);
    let f = one(&bad, &[("rule_id", "columns.income_sources")]);
    assert_eq!(
        (f["expected"].as_str(), f["actual"].as_str()),
        ("110000", "100000")
    );
}

#[test]
fn the_economic_table_adds_up_to_basic_expenditure() {
    let economic = |v: f64| {
        (
            "一般公共预算财政拨款基本支出决算表",
            &["经济分类科目编码", "科目名称", "决算数"][..],
            vec![vec![V::T("301"), V::T("工资福利支出"), V::N(v)]],
        )
    };
    assert!(
        findings_of(&[gp(vec![line("201", 3.0, 2.0, 1.0)]), economic(2.0)], None)
            .iter()
            .all(|f| f["rule_id"] != "tables.basic_economic")
    );
    assert_eq!(
        one(
            &findings_of(&[gp(vec![line("201", 3.0, 2.0, 1.0)]), economic(2.5)], None),
            &[("rule_id", "tables.basic_economic")]
        )["severity"],
        "error"
    );
    // Rounding edge: 2.01 against 2.00.
    assert!(findings_of(
        &[gp(vec![line("201", 3.0, 2.0, 1.0)]), economic(2.01)],
        None
    )
    .iter()
    .all(|f| f["rule_id"] != "tables.basic_economic"));
}

#[test]
fn personnel_and_public_cost_totals_add_up() {
    let economic = |personnel: f64, public: f64| {
        (
            "一般公共预算财政拨款基本支出决算表",
            &["经济分类科目编码", "科目名称", "决算数"][..],
            vec![
                vec![V::T("301"), V::T("工资福利支出"), V::N(3.0)],
                vec![V::T("303"), V::T("对个人和家庭的补助"), V::N(1.0)],
                vec![V::T("302"), V::T("商品和服务支出"), V::N(2.0)],
                vec![V::T("310"), V::T("资本性支出"), V::N(0.5)],
                vec![V::T("人员经费合计"), V::T(""), V::N(personnel)],
                vec![V::T("公用经费合计"), V::T(""), V::N(public)],
            ],
        )
    };
    let cost = |f: &[Row]| -> Vec<Row> {
        f.iter()
            .filter(|f| f["rule_id"] == "tables.cost_totals")
            .cloned()
            .collect()
    };
    // 公用经费 as 302 + 310, or as 302 alone: both readings are in use.
    assert!(cost(&findings_of(&[economic(4.0, 2.5)], None)).is_empty());
    assert!(cost(&findings_of(&[economic(4.0, 2.0)], None)).is_empty());
    let bad = cost(&findings_of(&[economic(5.0, 2.5)], None));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["severity"], "error");
    assert!(bad[0]["message"].contains("人员经费合计"), "{:?}", bad[0]);
    assert_eq!(
        (bad[0]["expected"].as_str(), bad[0]["actual"].as_str()),
        ("40000", "50000")
    );
    // Rounding edge: 4.01 against 3.00 + 1.00, each ±0.005.
    assert!(cost(&findings_of(&[economic(4.01, 2.5)], None)).is_empty());
}

const REPORT_HEAD: &str = "2023年度北京市西城区德胜街道办事处部门决算\n四、一般公共预算财政拨款支出决算情况说明\n（二）一般公共预算财政拨款支出决算具体情况\n1、一般公共服务（类）\n";

#[test]
fn report_and_tables_agree_or_say_where_they_do_not() {
    let table = vec![vec![V::T("201"), V::T(""), V::N(12.0), V::N(11.0)]];
    let headers: &[&str] = &["科目编码", "科目名称", "年初预算数", "合计"];
    let report = |actual: &str| {
        format!("{REPORT_HEAD}2023年度决算{actual}万元，比2023年年初预算减少1万元，下降8.33%。\n")
    };
    let ok = findings_of(&[(GP, headers, table)], Some(&report("11")));
    assert!(
        ok.iter().all(|f| f["rule_id"] != "report.vs_tables"),
        "{:?}",
        rules(&ok)
    );
    let table = vec![vec![V::T("201"), V::T(""), V::N(12.0), V::N(11.0)]];
    let bad = findings_of(&[(GP, headers, table)], Some(&report("11.5")));
    let f = find(&bad, &[("rule_id", "report.vs_tables")]);
    assert!(
        !f.is_empty() && f.iter().all(|f| f["severity"] == "error"),
        "{:?}",
        rules(&bad)
    );
    assert!(f.iter().any(|f| f["message"].contains("201")
        && f["references"].contains("report.txt¶5")
        && f["references"].contains("tables.xlsx#Sheet1!4")));
    // Rounding edge: the report's 10.99 against the table's 11.00 (touching intervals).
    let table = vec![vec![V::T("201"), V::T(""), V::N(12.0), V::N(11.0)]];
    let edge = findings_of(
        &[(GP, headers, table)],
        Some(&format!(
            "{REPORT_HEAD}2023年度决算10.99万元，比2023年年初预算减少1.01万元，下降8.42%。\n"
        )),
    );
    assert!(
        edge.iter().all(|f| f["rule_id"] != "report.vs_tables"),
        "{:?}",
        rules(&edge)
    );
}

#[test]
fn stated_growth_rates_are_recomputed() {
    // 100.00 / 1200.00 = 8.3333…%: 8.33 holds; 8.34 is a last-digit slip; 9.33 is wrong.
    let report = |pct: &str| {
        format!(
            "{REPORT_HEAD}2023年度决算1100.00万元，比2023年年初预算减少100.00万元，下降{pct}%。\n"
        )
    };
    let ok = findings_of(&[], Some(&report("8.33")));
    assert!(
        ok.iter().all(|f| f["rule_id"] != "report.change"),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(&[], Some(&report("9.33")));
    assert_eq!(
        one(&bad, &[("rule_id", "report.change")])["severity"],
        "error"
    );
    // One digit off (8.34 for 8.333…): a slip, info.
    let slip = findings_of(&[], Some(&report("8.34")));
    assert_eq!(
        one(&slip, &[("rule_id", "report.change")])["severity"],
        "info"
    );
}

#[test]
fn a_stated_difference_that_holds_only_within_rounding_raises_nothing() {
    // DOMAIN.md: "年初预算5.17万元减少4.63万元" with 0.53 — 5.17 − 0.53 = 4.64, yet some values
    // within the rounding of the three printed numbers make it true.
    let text = "2023年度北京市西城区德胜街道办事处部门决算\n2023年度“三公”经费财政拨款决算数0.53万元，比2023年度“三公”经费财政拨款年初预算5.17万元减少4.63万元。\n";
    assert!(findings_of(&[], Some(text))
        .iter()
        .all(|f| f["rule_id"] != "report.change"));
    let off = text.replace("减少4.63", "减少4.33");
    assert!(!find(
        &findings_of(&[], Some(&off)),
        &[("rule_id", "report.change")]
    )
    .is_empty());
}

#[test]
fn execution_rates_beyond_300_percent_and_negative_amounts_are_implausible() {
    let headers: &[&str] = &["科目编码", "科目名称", "年初预算数", "合计"];
    let ok = findings_of(
        &[(
            GP,
            headers,
            vec![vec![V::T("201"), V::T(""), V::N(10.0), V::N(29.0)]],
        )],
        None,
    );
    assert!(
        ok.iter().all(|f| !f["rule_id"].starts_with("plausibility")),
        "{:?}",
        rules(&ok)
    );
    let bad = findings_of(
        &[(
            GP,
            headers,
            vec![
                vec![V::T("201"), V::T(""), V::N(1.0), V::N(4.0)],
                vec![V::T("205"), V::T(""), V::N(1.0), V::N(-0.5)],
            ],
        )],
        None,
    );
    assert_eq!(
        one(&bad, &[("rule_id", "plausibility.negative")])["severity"],
        "warning"
    );
    assert!(find(&bad, &[("rule_id", "plausibility.rate")])
        .iter()
        .any(|f| f["message"].contains("400.00%")));
    // Edge: exactly 300% is still plausible; zero expenditure is not negative.
    let edge = findings_of(
        &[(
            GP,
            headers,
            vec![
                vec![V::T("201"), V::T(""), V::N(1.0), V::N(3.0)],
                vec![V::T("205"), V::T(""), V::N(1.0), V::N(0.0)],
            ],
        )],
        None,
    );
    assert!(
        edge.iter()
            .all(|f| !f["rule_id"].starts_with("plausibility")),
        "{:?}",
        rules(&edge)
    );
}

#[test]
fn last_years_total_must_match_the_change_this_year_reports() {
    let dir = tempfile::tempdir().expect("temp");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let mut row = 0;
    write_table(
        ws,
        &mut row,
        ALL,
        &["科目编码", "科目名称", "本年支出合计"],
        &[
            vec![V::T("合计"), V::T(""), V::N(100.0)],
            vec![V::T("201"), V::T(""), V::N(100.0)],
        ],
    );
    let folder22 = dir.path().join("in/2022/西城区/德胜街道办事处");
    std::fs::create_dir_all(&folder22).expect("mkdir");
    wb.save(folder22.join("t.xlsx")).expect("save");
    let folder23 = dir.path().join("in/2023/西城区/德胜街道办事处");
    std::fs::create_dir_all(&folder23).expect("mkdir");
    let report = |diff: &str| {
        format!("2023年度北京市西城区德胜街道办事处部门决算\n2023年度收、支总计90万元，比上年减少{diff}万元，下降10%。\n")
    };
    std::fs::write(folder23.join("r.txt"), report("10")).expect("w");
    assert!(run_findings(dir.path())
        .iter()
        .all(|f| f["rule_id"] != "plausibility.yoy"));
    std::fs::write(folder23.join("r.txt"), report("20")).expect("w");
    let bad = run_findings(dir.path());
    assert!(
        find(&bad, &[("rule_id", "plausibility.yoy")]).len() == 1,
        "{:?}",
        rules(&bad)
    );
    // Rounding edge: "减少10.01万元" from 90.00 implies 100.01 against last year's 100.00.
    std::fs::write(folder23.join("r.txt"), "2023年度北京市西城区德胜街道办事处部门决算\n2023年度收、支总计90.00万元，比上年减少10.01万元，下降10.01%。\n").expect("w");
    assert!(run_findings(dir.path())
        .iter()
        .all(|f| f["rule_id"] != "plausibility.yoy"));
}

#[test]
fn the_four_known_problems_of_the_xinjiekou_report_and_no_false_alarms() {
    let findings = read_dataset(&sample_run().warehouse().join("findings"));
    let share = |name: &str| {
        find(&findings, &[("rule_id", "report.share")])
            .into_iter()
            .find(|f| f["message"].starts_with(name))
            .cloned()
    };
    let defence = share("国防支出").expect("0.71% found");
    assert_eq!(
        (
            defence["severity"].as_str(),
            defence["expected"].as_str(),
            defence["actual"].as_str()
        ),
        ("error", "0.07%", "0.71%")
    );
    let culture = share("文化旅游体育与传媒支出").expect("0.15% found");
    assert_eq!(
        (culture["expected"].as_str(), culture["actual"].as_str()),
        ("0.16%", "0.15%")
    );
    let housing = share("住房保障支出").expect("1.67% found");
    assert_eq!(
        (housing["expected"].as_str(), housing["actual"].as_str()),
        ("1.69%", "1.67%")
    );
    assert!(
        culture["severity"] != "error" && housing["severity"] != "error",
        "a digit slip is not a factor of ten"
    );
    let wrong = one(&findings, &[("rule_id", "report.wrong_budget")]);
    assert_eq!(wrong["severity"], "error");
    assert!(
        wrong["message"].contains("国有资本经营预算支出 18万元")
            && wrong["message"].contains("其他支出 2.22万元"),
        "{}",
        wrong["message"]
    );
    assert!(wrong["references"].ends_with("部门决算.docx¶34"));
    // Shares that hold within rounding raise nothing (社会保障和就业 41.44%, 城乡社区 19.32% …).
    for name in [
        "社会保障和就业支出",
        "城乡社区支出",
        "卫生健康支出",
        "节能环保支出",
        "国有资本经营预算支出",
    ] {
        assert!(share(name).is_none(), "{name}");
    }
    // The consistent synthetic units: not one finding; and the report agrees with its tables.
    assert!(
        findings.iter().all(|f| f["unit_id"] == "110102-xinjiekou"),
        "{:?}",
        rules(&findings)
    );
    assert!(
        findings.iter().all(|f| ![
            "report.vs_tables",
            "report.change",
            "hierarchy.sum",
            "plausibility.yoy"
        ]
        .contains(&f["rule_id"].as_str())),
        "{:?}",
        rules(&findings)
    );
    // The template's "2023-xxx-" left in the attachment's name, once (not again for the
    // .txt copy of the report).
    let placeholder = one(&findings, &[("rule_id", "document.placeholder")]);
    assert_eq!(placeholder["actual"], "xxx");
    assert!(
        placeholder["references"].ends_with("部门决算.docx¶378"),
        "{placeholder:?}"
    );
    assert_eq!(find(&findings, &[("severity", "error")]).len(), 3);
}

#[test]
fn strict_makes_error_findings_fail_the_run_and_policy_changes_severity() {
    let dir = tempfile::tempdir().expect("temp");
    let wh = dir.path().join("wh");
    let raw = repo().join("data/raw");
    let o = juesuan(&[
        "run",
        "--strict",
        "--input",
        raw.to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("exit 1: --strict, and the checks found 3 errors"),
        "{}",
        stdout(&o)
    );

    let config = dir.path().join("juesuan.toml");
    std::fs::write(
        &config,
        format!(
            "inputs = [\"{}\"]\nwarehouse = \"{}\"\ncatalog = \"{}\"\nunits = \"{}\"\n[reconcile.severity]\n\"report.share\" = \"off\"\n\"report.wrong_budget\" = \"warning\"\n\"document.placeholder\" = \"warning\"\n",
            raw.display(),
            dir.path().join("wh2").display(),
            repo().join("config/classification").display(),
            repo().join("config/units.toml").display()
        ),
    )
    .expect("config");
    let o = juesuan(&[
        "run",
        "--strict",
        "--config",
        config.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let findings = read_dataset(&dir.path().join("wh2/findings"));
    assert!(find(&findings, &[("rule_id", "report.share")]).is_empty());
    assert_eq!(
        one(&findings, &[("rule_id", "report.wrong_budget")])["severity"],
        "warning"
    );
}

/// A unit-year whose tables lack one of the nine standard tables is told which, by its
/// national title; a table under another of its titles (财政拨款收支决算总表) or printed empty
/// (本表无数据) is present.
#[test]
fn a_missing_standard_table_is_named_and_a_differently_titled_one_is_not() {
    let empty = || vec![vec![V::T("本表无数据")]];
    let titles = [
        "收入支出决算总表",
        "收入决算表",
        "支出决算表",
        "财政拨款收支决算总表",
        "一般公共预算财政拨款支出决算表",
        "一般公共预算财政拨款基本支出决算表",
        "财政拨款“三公”经费支出决算表",
        "政府性基金预算财政拨款收入支出决算表",
    ];
    let tables: Vec<Table> = titles.iter().map(|t| (*t, &[][..], empty())).collect();
    let findings = findings_of(&tables, None);
    let missing: Vec<&Row> = findings
        .iter()
        .filter(|f| f["rule_id"] == "tables.missing")
        .collect();
    assert_eq!(missing.len(), 1, "{:?}", rules(&findings));
    assert_eq!(missing[0]["severity"], "warning");
    assert!(
        missing[0]["message"].contains("公开09 国有资本经营预算财政拨款支出决算表"),
        "{}",
        missing[0]["message"]
    );
    assert!(
        missing[0]["references"].contains("tables.xlsx"),
        "{:?}",
        missing[0]
    );
    // With the ninth table the set is complete.
    let mut all = tables;
    all.push(("国有资本经营预算财政拨款支出决算表", &[][..], empty()));
    let findings = findings_of(&all, None);
    assert!(
        findings.iter().all(|f| f["rule_id"] != "tables.missing"),
        "{:?}",
        rules(&findings)
    );
}

/// The hierarchy holds in every amount column, not only 决算: a 款 whose 基本支出 is an order
/// of magnitude below the sum of its 项 is an error even when its 合计 adds up, and so is a
/// 合计 row whose 项目支出 is not the sum of its 类'.
#[test]
fn hierarchy_sums_hold_in_the_basic_and_project_columns_too() {
    let ok = findings_of(
        &[gp(vec![
            line("201", 3.0, 2.0, 1.0),
            line("20101", 2.0, 2.0, 0.0),
            line("20102", 1.0, 0.0, 1.0),
        ])],
        None,
    );
    assert!(
        ok.iter().all(|f| f["rule_id"] != "hierarchy.sum"),
        "{:?}",
        rules(&ok)
    );
    // 201's 合计 3.00 = 2.00 + 1.00, but its 基本支出 0.20 is not 2.00 + 0.00.
    let bad = findings_of(
        &[gp(vec![
            line("201", 3.0, 0.2, 2.8),
            line("20101", 2.0, 2.0, 0.0),
            line("20102", 1.0, 0.0, 1.0),
        ])],
        None,
    );
    let basic: Vec<&Row> = bad
        .iter()
        .filter(|f| f["rule_id"] == "hierarchy.sum" && f["message"].contains("基本支出"))
        .collect();
    assert_eq!(basic.len(), 1, "{:?}", rules(&bad));
    assert_eq!(
        (basic[0]["expected"].as_str(), basic[0]["actual"].as_str()),
        ("20000", "2000")
    );
    assert!(bad
        .iter()
        .any(|f| f["rule_id"] == "hierarchy.sum" && f["message"].contains("项目支出")));
    // The 合计 row, column by column.
    let total = |t: f64, b: f64, p: f64| vec![V::T("合计"), V::T(""), V::N(t), V::N(b), V::N(p)];
    let bad = findings_of(
        &[gp(vec![
            line("201", 1.0, 1.0, 0.0),
            line("205", 2.0, 1.0, 1.0),
            total(3.0, 2.0, 1.5),
        ])],
        None,
    );
    let f: Vec<&Row> = bad
        .iter()
        .filter(|f| f["rule_id"] == "hierarchy.sum")
        .collect();
    assert_eq!(f.len(), 1, "{:?}", rules(&bad));
    assert!(
        f[0]["message"].contains("合计 row of table05 (项目支出)"),
        "{}",
        f[0]["message"]
    );
}

/// A stated completion rate is recomputed from the figures beside it, within their rounding;
/// a rate of a budget stated as 0 is an error (社会工作部's "年初预算为 0 万元，全年预算为 321.02
/// 万元，支出决算为 307.82 万元，完成年初预算的 95.89%").
#[test]
fn a_stated_completion_rate_is_recomputed_and_a_rate_of_a_zero_budget_is_an_error() {
    let table = || {
        vec![gp(vec![
            line("201", 0.9, 0.9, 0.0),
            line("20101", 0.9, 0.9, 0.0),
        ])]
    };
    let report = |sentence: &str| {
        format!(
            "2023年度北京市西城区德胜街道办事处部门决算\n四、一般公共预算财政拨款支出决算情况说明\n{sentence}\n"
        )
    };
    let holds = findings_of(
        &table(),
        Some(&report("一般公共预算财政拨款支出年初预算为100.00万元，支出决算为90.00万元，完成年初预算的90.00%。")),
    );
    assert!(
        holds.iter().all(|f| f["rule_id"] != "report.rate"),
        "{:?}",
        rules(&holds)
    );
    let off = findings_of(
        &table(),
        Some(&report("一般公共预算财政拨款支出年初预算为100.00万元，支出决算为90.00万元，完成年初预算的95.00%。")),
    );
    let f = one(&off, &[("rule_id", "report.rate")]);
    assert_eq!(
        (
            f["severity"].as_str(),
            f["expected"].as_str(),
            f["actual"].as_str()
        ),
        ("error", "90.00%", "95.00%")
    );
    // A rate is no amount: no 元 columns.
    assert_eq!(
        (f["expected_yuan"].as_str(), f["actual_yuan"].as_str()),
        ("", "")
    );
    assert!(
        f["references"].contains("report.txt¶3"),
        "{}",
        f["references"]
    );
    let zero = findings_of(
        &table(),
        Some(&report("一般公共预算财政拨款支出年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元，完成年初预算的95.89%。")),
    );
    let f = one(&zero, &[("rule_id", "report.rate")]);
    assert_eq!(f["severity"], "error");
    assert!(f["message"].contains("年初预算为0"), "{}", f["message"]);
    // The same sentence with the rate of the budget it is of (全年) holds.
    let full = findings_of(
        &table(),
        Some(&report("一般公共预算财政拨款支出年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元，完成全年预算的95.89%。")),
    );
    assert!(
        full.iter().all(|f| f["rule_id"] != "report.rate"),
        "{:?}",
        rules(&full)
    );
}

/// A 项's heading that states an amount ("“行政运行”（项）1511.89万元") states its 支出决算 too:
/// the two must agree.
#[test]
fn a_per_item_heading_amount_is_its_actual() {
    let table = || {
        vec![gp(vec![
            line("201", 15.0, 15.0, 0.0),
            line("20101", 15.0, 15.0, 0.0),
            line("2010101", 15.0, 15.0, 0.0),
        ])]
    };
    let report = |heading: &str| {
        format!(
            "2023年度北京市西城区德胜街道办事处部门决算\n四、一般公共预算财政拨款支出决算情况说明\n1、“一般公共服务支出”（类）“人大事务”（款）“行政运行”（项）{heading}万元。主要用于：基本支出。年初预算为15.60万元，支出决算为15.00万元。\n"
        )
    };
    let holds = findings_of(&table(), Some(&report("15.00")));
    assert!(
        holds.iter().all(|f| f["rule_id"] != "report.item"),
        "{:?}",
        rules(&holds)
    );
    // The statement is the 项's row.
    let off = findings_of(&table(), Some(&report("16.00")));
    let f = one(&off, &[("rule_id", "report.item")]);
    assert_eq!(
        (
            f["severity"].as_str(),
            f["expected"].as_str(),
            f["actual"].as_str()
        ),
        ("error", "150000", "160000")
    );
    assert!(
        f["message"].contains("一般公共服务支出/人大事务/行政运行"),
        "{}",
        f["message"]
    );
}

/// The document checks through the production path, on a workbook written by a real writer:
/// a second table's 编制单位 line names another 街道 and another year, the summary table's
/// carry-over does not balance, the 三公 total is not its items. The consistent twin raises
/// none of these.
#[test]
fn a_workbooks_own_name_year_carry_over_and_three_public_total_are_checked() {
    let run = |broken: bool| {
        let dir = tempfile::tempdir().expect("temp");
        let folder = dir.path().join("in/2023/西城区/德胜街道办事处");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let w = |ws: &mut Worksheet, r: u32, c: u16, v: V| match v {
            V::T(t) => {
                ws.write_string(r, c, t).expect("w");
            }
            V::N(n) => {
                ws.write_number(r, c, n).expect("w");
            }
        };
        // 收入支出决算总表: 1 + 10 − 10 = 1 at year end (2 when broken, its 总计 12 too).
        w(ws, 0, 0, V::T("收入支出决算总表"));
        w(ws, 1, 0, V::T("编制单位：德胜街道办事处"));
        w(ws, 1, 2, V::T("2023年度"));
        w(ws, 1, 3, V::T("单位：万元"));
        for (c, h) in ["项目", "决算数", "项目", "决算数"].iter().enumerate() {
            w(ws, 2, c as u16, V::T(h));
        }
        let end = if broken { 2.0 } else { 1.0 };
        let lines = [
            (
                "一、一般公共预算财政拨款收入",
                10.0,
                "一、一般公共服务支出",
                10.0,
            ),
            ("本年收入合计", 10.0, "本年支出合计", 10.0),
            ("年初结转和结余", 1.0, "年末结转和结余", end),
            ("总计", 11.0, "总计", 10.0 + end),
        ];
        for (i, (l, lv, r, rv)) in lines.iter().enumerate() {
            let row = 3 + i as u32;
            w(ws, row, 0, V::T(l));
            w(ws, row, 1, V::N(*lv));
            w(ws, row, 2, V::T(r));
            w(ws, row, 3, V::N(*rv));
        }
        // 三公: 0.53 = 0 + 0.53 + 0 (0.63 when broken).
        w(ws, 9, 0, V::T("财政拨款“三公”经费支出决算表"));
        let (name, year) = if broken {
            ("编制单位：展览路街道办事处", "2022年度")
        } else {
            ("编制单位：德胜街道办事处", "2023年度")
        };
        w(ws, 10, 0, V::T(name));
        w(ws, 10, 4, V::T(year));
        w(ws, 10, 8, V::T("单位：万元"));
        let heads = [
            "合计预算数",
            "合计决算数",
            "因公出国（境）费预算数",
            "因公出国（境）费决算数",
            "公务用车购置及运行维护费预算数",
            "公务用车购置及运行维护费决算数",
            "公务接待费预算数",
            "公务接待费决算数",
        ];
        let values = [
            5.17,
            if broken { 0.63 } else { 0.53 },
            0.0,
            0.0,
            0.0,
            0.53,
            5.17,
            0.0,
        ];
        for (c, (h, v)) in heads.iter().zip(values).enumerate() {
            w(ws, 11, c as u16, V::T(h));
            w(ws, 12, c as u16, V::N(v));
        }
        wb.save(folder.join("tables.xlsx")).expect("save");
        run_findings(dir.path())
    };
    let document_rules = [
        "identity.name",
        "identity.year",
        "tables.balance",
        "facts.three_public",
    ];
    let ok = run(false);
    assert!(
        ok.iter()
            .all(|f| !document_rules.contains(&f["rule_id"].as_str())),
        "{:?}",
        rules(&ok)
    );
    let bad = run(true);
    let name = one(&bad, &[("rule_id", "identity.name")]);
    assert_eq!(
        (name["actual"].as_str(), name["expected"].as_str()),
        ("展览路街道办事处", "德胜街道办事处")
    );
    assert!(
        name["references"].ends_with("tables.xlsx#Sheet1!11"),
        "{name:?}"
    );
    assert_eq!(one(&bad, &[("rule_id", "identity.year")])["actual"], "2022");
    let balance = one(&bad, &[("rule_id", "tables.balance")]);
    assert_eq!(
        (balance["expected"].as_str(), balance["actual"].as_str()),
        ("10000", "20000")
    );
    let three = one(&bad, &[("rule_id", "facts.three_public")]);
    assert_eq!(
        (three["expected"].as_str(), three["actual"].as_str()),
        ("5300", "6300")
    );
}
