//! PDF disclosures, their narrative: the three real Shanghai PDFs of
//! `../shared/reference/pdf/` (ONLYOFFICE, WPS, the national template) read from their text
//! layer, identified from their titles, and their headline figures loaded with page and line;
//! bad PDFs (encrypted, no text layer, truncated, random bytes) rejected with the reason.
//! The tables inside the PDFs are not read yet.

use std::path::PathBuf;

use crate::common::*;

fn reference(name: &str) -> PathBuf {
    repo().join("../shared/reference/pdf").join(name)
}

/// The headline figures each document states in its narrative, in 元, as its own tables
/// print them (收入支出决算总表 and 支出决算表 of the same PDF; `pdftotext -layout` lines cited).
struct Truth {
    file: &'static str,
    unit_name: &'static str,
    sha256: &'static str,
    income_total: i64,
    income_fiscal: i64,
    income_other: i64,
    expenditure_total: i64,
    basic: i64,
    project: i64,
    operating_costs: i64,
}

const TRUTH: [Truth; 2] = [
    // 收入支出决算总表 line 161: 本年收入合计 2,946.25, 本年支出合计 2,940.05; line 142: 其他收入
    // 6.20; 支出决算表 line 213: 基本支出 2,336.91, 项目支出 603.14; 机关运行经费 184.65 (line 681).
    Truth {
        file: "putuo_caizhengju_2024.pdf",
        unit_name: "上海市普陀区财政局",
        sha256: "d45e923176f9fe4b6533829d3a2fe67f8cbcd55d07099dabf73aca62701f8eb5",
        income_total: 29_462_500,
        income_fiscal: 29_400_500,
        income_other: 62_000,
        expenditure_total: 29_400_500,
        basic: 23_369_100,
        project: 6_031_400,
        operating_costs: 1_846_500,
    },
    // line 114: 本年收入合计 307.82 = 本年支出合计 307.82; line 170: 合计 307.82 = 105.58 + 202.24.
    Truth {
        file: "putuo_shehuigongzuobu_2024.pdf",
        unit_name: "中共上海市普陀区委社会工作部",
        sha256: "44874c062a89c26ea6d94e4e6e7dccdaa136642c2c9bbb560ed21b33039b0597",
        income_total: 3_078_200,
        income_fiscal: 3_078_200,
        income_other: 0,
        expenditure_total: 3_078_200,
        basic: 1_055_800,
        project: 2_022_400,
        operating_costs: 102_300,
    },
];

fn yuan(v: i64) -> String {
    format!("{v}.00")
}

#[test]
fn the_truth_holds_by_the_documents_own_identities() {
    for t in &TRUTH {
        assert_eq!(
            t.basic + t.project,
            t.expenditure_total,
            "{}: 基本 + 项目 = 合计",
            t.file
        );
        assert_eq!(
            t.income_fiscal + t.income_other,
            t.income_total,
            "{}: 收入",
            t.file
        );
    }
}

#[test]
fn the_real_pdfs_narratives_load_with_page_and_line() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in/inbox");
    std::fs::create_dir_all(&input).expect("mkdir");
    for name in [
        "putuo_caizhengju_2024.pdf",
        "putuo_shehuigongzuobu_2024.pdf",
        "mof_template_2024.pdf",
    ] {
        std::fs::copy(reference(name), input.join(name)).expect("../shared/reference/pdf");
    }
    let wh = dir.path().join("wh");
    let o = juesuan(&[
        "run",
        "--input",
        dir.path().join("in").to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ]);
    // The template states no figure: its reject is the run's only one.
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let rejects = read_dataset(&wh.join("rejects"));
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["source_file"], "inbox/mof_template_2024.pdf");
    assert!(
        rejects[0]["reason"].contains("no figure read"),
        "{:?}",
        rejects[0]
    );

    let units = read_dataset(&wh.join("units"));
    assert_eq!(units.len(), 2);
    for t in &TRUTH {
        let u = one(&units, &[("unit_name", t.unit_name)]);
        assert_eq!(
            [
                u["year"].as_str(),
                u["district_code"].as_str(),
                u["city"].as_str(),
                u["unit_code"].as_str()
            ],
            ["2024", "310107", "上海市", ""],
            "{}",
            t.file
        );
        assert_eq!(u["source_sha256"], t.sha256);
        for (column, value) in [
            ("income_total", t.income_total),
            ("income_fiscal", t.income_fiscal),
            ("expenditure_total", t.expenditure_total),
            ("basic", t.basic),
            ("project", t.project),
            ("operating_costs", t.operating_costs),
        ] {
            assert_eq!(u[column], yuan(value), "{} {column}", t.file);
        }
        if t.income_other > 0 {
            assert_eq!(u["income_other"], yuan(t.income_other), "{}", t.file);
        }
        // Every figure names its page and line: file#p<page>:<line>.
        let sources = &u["sources"];
        assert!(
            sources.contains(&format!("inbox/{}#p", t.file)),
            "{}: {sources}",
            t.file
        );
    }
    // A 项's statement ("…（类）…（款）…（项）…") is not taken for its 类's.
    let expenditure = read_dataset(&wh.join("expenditure"));
    assert!(
        expenditure
            .iter()
            .all(|r| r["source"] != "report" || r["code"] != "201"),
        "{expenditure:?}"
    );
}

#[test]
fn bad_pdfs_are_rejected_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("in/2023/西城区/月坛街道办事处");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for name in ["pdf_encrypted.pdf", "pdf_no_text_layer.pdf"] {
        std::fs::copy(repo().join("tests/fixtures").join(name), folder.join(name))
            .expect("fixture");
    }
    let real = std::fs::read(reference("putuo_caizhengju_2024.pdf")).expect("reference pdf");
    std::fs::write(folder.join("truncated.pdf"), &real[..real.len() / 3]).expect("write");
    let noise: Vec<u8> = (0u32..20_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(folder.join("random.pdf"), noise).expect("write");
    let wh = dir.path().join("wh");
    let o = juesuan(&[
        "run",
        "--input",
        dir.path().join("in").to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rejects = read_dataset(&wh.join("rejects"));
    for (file, reason) in [
        ("pdf_encrypted.pdf", "encrypted PDF that needs a password"),
        (
            "pdf_no_text_layer.pdf",
            "no text layer (OCR is not supported)",
        ),
        // The pages before the cut are read; the reject says from where on they are not.
        ("truncated.pdf", "could not be read"),
        ("random.pdf", "not a PDF"),
    ] {
        let r = one(
            &rejects,
            &[("source_file", &format!("2023/西城区/月坛街道办事处/{file}"))],
        );
        assert!(r["reason"].contains(reason), "{file}: {r:?}");
    }
}

/// Lines in reading order where `pdftotext -layout` gets them wrong: in the 财政局 PDF it puts
/// "449.52万元。决算数…" before the sentence that it ends (layout.txt lines 588–592); lines
/// rebuilt from positions, top to bottom, keep the sentence whole. Page numbers are gone.
#[test]
fn pdf_lines_come_in_reading_order() {
    let text = juesuan::extract::pdf::read(
        &reference("putuo_caizhengju_2024.pdf"),
        &juesuan::config::Limits::default(),
    )
    .expect("the reference PDF")
    .narrative;
    assert_eq!(text.pages, 25);
    let t = &text.text;
    let heading = t
        .find("4、一般公共服务支出（类）财政事务（款）财政委托业务支出（项）")
        .expect("heading");
    let budget = t.find("年初预算为450.52万元，支出决算为").expect("budget");
    let actual = t.find("449.52万元。决算数小于预算数").expect("actual");
    assert!(
        heading < budget && budget < actual,
        "{heading} {budget} {actual}"
    );
    // Every line knows its page; the narrative's section on page 22 is where the PDF has it.
    let line = t[..heading].matches('\n').count() as u32 + 1;
    assert_eq!(text.place(line).map(|(page, _)| page), Some(22));
    assert!(
        !t.lines().any(|l| l.trim() == "22" || l.trim() == "- 22 -"),
        "page numbers removed"
    );
}
