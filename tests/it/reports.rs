//! The real 新街口 2023 report read end to end from every form it comes in: the .txt as
//! published, its .docx (python-docx, real Word table), a GBK copy, a UTF-16 copy and a
//! PDF-converter copy with hard line breaks and spaced numbers. Every value of the report
//! that the warehouse holds is checked, for each form, through the real binary.

use std::path::Path;

use crate::common::*;

const UNIT_DIR: &str = "2023/西城区/新街口街道办事处";
const TXT: &str = "2023年度新街口街道办事处部门决算.txt";
const DOCX: &str = "2023年度新街口街道办事处部门决算.docx";

fn seed_text() -> String {
    std::fs::read_to_string(repo().join("data/raw").join(UNIT_DIR).join(TXT))
        .expect("the seed report")
}

/// Runs juesuan on a directory holding only `bytes` as `name`; returns the warehouse.
fn run_report(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let folder = dir.join("in").join(UNIT_DIR);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join(name), bytes).expect("write report");
    let wh = dir.join("wh");
    let o = juesuan(&[
        "run",
        "--input",
        dir.join("in").to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{name}: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    wh
}

/// Every figure issue #4 lists, as the warehouse holds it.
fn assert_seed_values(wh: &Path, form: &str) {
    let units = read_dataset(&wh.join("units"));
    let u = one(&units, &[("year", "2023"), ("unit_id", "110102-xinjiekou")]);
    let expect = [
        ("total_income_expenditure", "399858300.00"),
        ("total_change", "-11708200.00"),
        ("total_change_rate_reported", "-0.0284"),
        ("income_total", "399858300.00"),
        ("income_fiscal", "399858300.00"),
        ("income_superior", "0.00"),
        ("income_business", "0.00"),
        ("income_operating", "0.00"),
        ("income_affiliated", "0.00"),
        ("income_other", "0.00"),
        ("expenditure_total", "399858300.00"),
        ("basic", "107958600.00"),
        ("project", "291899700.00"),
        ("expenditure_to_superior", "0.00"),
        ("expenditure_operating", "0.00"),
        ("expenditure_affiliated", "0.00"),
        ("expenditure_general_public", "399656100.00"),
        ("expenditure_government_fund", "22200.00"),
        ("expenditure_state_capital", "180000.00"),
        ("three_public_actual", "5300.00"),
        ("three_public_budget", "51700.00"),
        ("overseas_actual", "0.00"),
        ("overseas_budget", "0.00"),
        ("reception_actual", "0.00"),
        ("reception_budget", "51700.00"),
        ("vehicles_actual", "5300.00"),
        ("vehicles_budget", "0.00"),
        ("operating_costs", "7719100.00"),
        ("procurement_total", "79149600.00"),
        ("procurement_goods", "611600.00"),
        ("procurement_works", "17078100.00"),
        ("procurement_services", "61459900.00"),
        ("procurement_sme", "51579400.00"),
        ("procurement_small_micro", "40803000.00"),
        ("fixed_assets", "156562900.00"),
        ("vehicle_count", "1"),
        ("vehicle_value", "164200.00"),
        ("equipment_over_1m_count", "0"),
        ("purchased_services", "59733100.00"),
        ("budget_full_year", "407755299.00"),
        ("execution_full_year", "399858300.00"),
        ("execution_rate_reported", "0.9806"),
        ("carryover_rate_reported", "0.0"),
        ("budget_variance_rate_reported", "-0.0194"),
        ("performance_score", "89.02"),
        ("projects_evaluated", "233"),
        ("projects_evaluated_amount", "307439500.00"),
        ("projects_score_100", "167"),
        ("projects_score_90_100", "57"),
        ("projects_score_80_90", "7"),
        ("projects_score_below_80", "2"),
    ];
    for (column, value) in expect {
        assert_eq!(u[column], value, "{form}: {column}");
    }

    let rows = read_dataset(&wh.join("expenditure"));
    let lines = [
        ("general_public", "201", "117241100.00", "124658000.00"),
        ("general_public", "203", "287400.00", "418400.00"),
        ("general_public", "204", "1546900.00", "1680200.00"),
        ("general_public", "205", "11845100.00", "4876900.00"),
        ("general_public", "207", "653500.00", "250000.00"),
        ("general_public", "208", "165701800.00", "184924400.00"),
        ("general_public", "210", "15823500.00", "13125300.00"),
        ("general_public", "211", "2565200.00", "0.00"),
        ("general_public", "212", "77237700.00", "94012900.00"),
        ("general_public", "221", "6753900.00", "6455100.00"),
        ("government_fund", "229", "22200.00", "30400.00"),
    ];
    assert_eq!(rows.len(), lines.len(), "{form}: one row per 类 statement");
    for (fund, code, actual, budget) in lines {
        let r = one(&rows, &[("fund", fund), ("code", code)]);
        assert_eq!(
            (r["actual"].as_str(), r["budget_initial"].as_str()),
            (actual, budget),
            "{form}: {fund} {code}"
        );
        assert_eq!(
            (r["source"].as_str(), r["classification_status"].as_str()),
            ("report", "resolved_by_name"),
            "{form}: {code}"
        );
        assert_eq!(
            r["source_sheet"], "",
            "{form}: reports have paragraphs, not sheets"
        );
        assert!(
            r["source_row"].parse::<u32>().is_ok_and(|p| p > 10),
            "{form}: paragraph number {:?}",
            r["source_row"]
        );
    }
    assert_eq!(
        one(&rows, &[("code", "201")])["name_printed"],
        "一般公共服务"
    );

    let projects = read_dataset(&wh.join("performance_projects"));
    let p = one(&projects, &[("project", "社区党组织服务群众经费")]);
    assert_eq!(
        (
            p["budget_initial"].as_str(),
            p["budget_final"].as_str(),
            p["actual"].as_str(),
            p["execution_rate_reported"].as_str(),
            p["score"].as_str()
        ),
        ("4200000.00", "4200000.00", "3891800.00", "0.9266", "100.0"),
        "{form}"
    );
    let indicators: serde_json::Value =
        serde_json::from_str(&p["indicators"]).expect("indicators are JSON");
    let list = indicators.as_array().expect("array");
    assert_eq!(list.len(), 6, "{form}: {indicators}");
    let cost = list
        .iter()
        .find(|i| i["name"] == "总支出不超过总预算（元）")
        .expect("cost indicator");
    assert_eq!(
        (
            cost["target"].as_str(),
            cost["actual"].as_str(),
            cost["weight"].as_f64(),
            cost["score"].as_f64()
        ),
        (Some("4200000"), Some("3891817.18"), Some(10.0), Some(10.0))
    );
    let count = list
        .iter()
        .find(|i| i["name"] == "社区数量（个）")
        .expect("count indicator");
    assert_eq!(
        (
            count["level1"].as_str(),
            count["level2"].as_str(),
            count["target"].as_str()
        ),
        (Some("产出指标"), Some("数量指标"), Some("21"))
    );
    let satisfaction = list
        .iter()
        .find(|i| i["name"] == "社区群众满意率")
        .expect("satisfaction");
    assert_eq!(satisfaction["level1"], "满意度指标");

    let execution = read_dataset(&wh.join("execution"));
    let total = one(&execution, &[("fund", "all"), ("code", "total")]);
    assert_eq!(
        (total["actual"].as_str(), total["budget_final"].as_str()),
        ("399858300.00", "407755299.00"),
        "{form}"
    );
    let r201 = one(&execution, &[("fund", "general_public"), ("code", "201")]);
    assert_eq!(
        r201["basis"], "actual=report budget_initial=report",
        "{form}"
    );
}

#[test]
fn the_txt_report_as_published() {
    let dir = tempfile::tempdir().expect("temp");
    let wh = run_report(dir.path(), TXT, seed_text().as_bytes());
    assert_seed_values(&wh, "txt");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wh.join("_manifest.json")).expect("m"))
            .expect("json");
    let report = &manifest["inputs"][0]["report"];
    assert_eq!(
        (
            report["encoding"].as_str(),
            report["amount_mentions"].as_u64(),
            report["amount_mentions_used"].as_u64()
        ),
        (Some("utf-8"), Some(121), Some(112))
    );
}

#[test]
fn the_docx_form_with_a_real_word_table() {
    let dir = tempfile::tempdir().expect("temp");
    let bytes = std::fs::read(repo().join("data/raw").join(UNIT_DIR).join(DOCX)).expect("the docx");
    let wh = run_report(dir.path(), DOCX, &bytes);
    assert_seed_values(&wh, "docx");
}

#[test]
fn a_gbk_copy_and_a_utf16_copy() {
    let text = seed_text();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the seed is GBK-encodable");
    let dir = tempfile::tempdir().expect("temp");
    let wh = run_report(dir.path(), TXT, &gbk);
    assert_seed_values(&wh, "gbk");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wh.join("_manifest.json")).expect("m"))
            .expect("json");
    assert_eq!(manifest["inputs"][0]["report"]["encoding"], "gb18030");

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let dir = tempfile::tempdir().expect("temp");
    assert_seed_values(&run_report(dir.path(), TXT, &utf16), "utf-16");
}

/// What a PDF converter makes of the report: every long line hard-wrapped at 31 characters
/// (inside sentences, names and numbers), spaces between numbers and units.
#[test]
fn a_pdf_converter_copy_reads_as_well() {
    let mut out = String::new();
    for line in seed_text().split('\n') {
        if line.starts_with('\t') || line.chars().count() <= 31 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let spaced = line.replace("万元", " 万元").replace('%', " %");
        let chars: Vec<char> = spaced.chars().collect();
        for chunk in chars.chunks(31) {
            out.extend(chunk);
            out.push('\n');
        }
    }
    assert!(
        out.contains("比2023年年初预算减少741\n.69") || out.contains(" 万元"),
        "the copy really is broken up"
    );
    let dir = tempfile::tempdir().expect("temp");
    assert_seed_values(&run_report(dir.path(), TXT, out.as_bytes()), "pdf-text");
}

/// Wording seen in other offices' reports, each statement checked for its exact values.
#[test]
fn wording_variants_of_other_offices() {
    let report = "2024年度北京市西城区月坛街道办事处部门决算
第一部分 2024年度部门决算说明
二、收入支出决算总体情况说明
2024 年度收、支总计 1.5 亿元，比上年增加 200 万元，增长 1.35%。
四、一般公共预算财政拨款支出决算情况说明
（二）一般公共预算财政拨款支出决算具体情况
“社会保障和就业支出（208类）行政事业单位养老支出（05款）机关事业单位基本养老保险缴费支出（05项）”：年初预算为77.59万元，支出决算为20.04万元，完成年初预算的25.83%。
2．教育支出(类)
2024年度决算100.46万元，比2024年年初预算持平。
3．节能环保支出（类）2024年度决算1,256.52万元，比年初预算增加256.52万元，增长25.65%。
4、文化体育与传媒支出（类）
2024年度决算3000元，比2024年年初预算减少0.05万元。
（此处插入图表，用上述支出金额制作饼状图，示例如下，无金额类型不必制图）
第二部分 2024年度其他重要事项的情况说明
12.各单位需根据自身业务职能，补充当年使用的所有支出功能分类项级科目名词解释，例如：
一般公共服务支出（类）人大事务（款）行政运行（项）：反映行政单位的基本支出。
";
    let dir = tempfile::tempdir().expect("temp");
    let wh = run_report(
        dir.path(),
        "2024年度月坛街道办事处部门决算.txt",
        report.as_bytes(),
    );
    let rows = read_dataset(&wh.join("expenditure"));
    let got: Vec<(String, String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["code"].clone(),
                r["name_printed"].clone(),
                r["actual"].clone(),
                r["budget_initial"].clone(),
                r["classification_status"].clone(),
            )
        })
        .collect();
    let want = [
        (
            "205",
            "教育支出",
            "1004600.00",
            "1004600.00",
            "resolved_by_name",
        ),
        (
            "207",
            "文化体育与传媒支出",
            "3000.00",
            "3500.00",
            "crosswalked",
        ),
        // A 项's statement ("…（208类）…（05款）…（05项）") is the 项's row, not its 类's.
        (
            "2080505",
            "机关事业单位基本养老保险缴费支出",
            "200400.00",
            "775900.00",
            "exact",
        ),
        (
            "211",
            "节能环保支出",
            "12565200.00",
            "10000000.00",
            "resolved_by_name",
        ),
    ];
    let want: Vec<(String, String, String, String, String)> = want
        .iter()
        .map(|w| (w.0.into(), w.1.into(), w.2.into(), w.3.into(), w.4.into()))
        .collect();
    assert_eq!(got, want);
    assert!(rows.iter().all(|r| r["unit_id"] == "110102-yuetan"
        && r["year"] == "2024"
        && r["fund"] == "general_public"));
    let units = read_dataset(&wh.join("units"));
    let u = one(&units, &[("unit_id", "110102-yuetan")]);
    assert_eq!(
        (
            u["total_income_expenditure"].as_str(),
            u["total_change"].as_str(),
            u["total_change_rate_reported"].as_str()
        ),
        ("150000000.00", "2000000.00", "0.0135")
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wh.join("_manifest.json")).expect("m"))
            .expect("json");
    let stats = &manifest["inputs"][0]["report"];
    assert_eq!(
        stats["category_lines"], 4,
        "the glossary's 人大事务（款） example is no statement: {stats}"
    );
    assert_eq!(
        (
            stats["amount_mentions"].as_u64(),
            stats["amount_mentions_used"].as_u64()
        ),
        (Some(9), Some(9))
    );
}
