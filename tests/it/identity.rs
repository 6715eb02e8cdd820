//! Any 街道 of any district, with nothing registered: reports and workbooks of unlisted units
//! in Shanghai, Guangdong and Jiangsu identified from their titles, file names and folders
//! against the official divisions; a shared name decided by its city or rejected with its
//! candidates; juesuan run from an empty directory on its embedded defaults.

use std::path::Path;

use rust_xlsxwriter::Workbook;

use crate::common::*;

/// The real 新街口 2023 report with its two title lines replaced by `title`.
fn report_titled(title: &[&str]) -> String {
    let seed = std::fs::read_to_string(
        repo().join("data/raw/2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算.txt"),
    )
    .expect("the seed report");
    let body: Vec<&str> = seed.lines().skip(2).collect();
    format!("{}\n{}\n", title.join("\n"), body.join("\n"))
}

/// A 支出决算表 of two 类 under `heading` rows, amounts in 万元.
fn workbook(path: &Path, heading: &[&str]) {
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let mut row = 0;
    for line in heading {
        ws.write_string(row, 0, *line).expect("write");
        row += 1;
    }
    ws.write_string(row, 0, "支出决算表").expect("write");
    ws.write_string(row + 1, 0, "单位：万元").expect("write");
    for (c, h) in ["科目编码", "科目名称", "本年支出合计"].iter().enumerate() {
        ws.write_string(row + 2, c as u16, *h).expect("write");
    }
    ws.write_string(row + 3, 0, "201").expect("write");
    ws.write_string(row + 3, 1, "一般公共服务支出")
        .expect("write");
    ws.write_number(row + 3, 2, 1560.05).expect("write");
    ws.write_string(row + 4, 0, "208").expect("write");
    ws.write_string(row + 4, 1, "社会保障和就业支出")
        .expect("write");
    ws.write_number(row + 4, 2, 12.5).expect("write");
    wb.save(path).expect("save");
}

fn run(input: &Path, wh: &Path) -> std::process::Output {
    juesuan(&[
        "run",
        "--input",
        input.to_str().expect("utf-8"),
        "--output",
        wh.to_str().expect("utf-8"),
    ])
}

/// (year, district_code, district, city, unit_id, unit_code, unit_name) of a row.
fn identity(r: &Row) -> [&str; 7] {
    [
        r["year"].as_str(),
        r["district_code"].as_str(),
        r["district"].as_str(),
        r["city"].as_str(),
        r["unit_id"].as_str(),
        r["unit_code"].as_str(),
        r["unit_name"].as_str(),
    ]
}

#[test]
fn unlisted_units_of_three_provinces_load_under_their_official_codes() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in");
    // Shanghai, laid out as `2025/普陀区/<街道>办事处/…`: 普陀区 is also 舟山市's; the 街道 decides.
    let sh = input.join("2025/普陀区/长风新村街道办事处");
    std::fs::create_dir_all(&sh).expect("mkdir");
    std::fs::write(
        sh.join("2025年度部门决算.txt"),
        report_titled(&[
            "上海市普陀区人民政府长风新村街道办事处 2025",
            "年度部门决算",
        ]),
    )
    .expect("write");
    workbook(
        &sh.join("附件1.xlsx"),
        &["编制单位：长风新村街道办事处", "2025年度"],
    );
    // Guangdong: the title wrapped inside the 街道's name; no folders at all.
    std::fs::create_dir_all(input.join("inbox")).expect("mkdir");
    std::fs::write(
        input.join("inbox/wushan.txt"),
        report_titled(&["广州市天河区五山", "街道办事处2023年度部门决算"]),
    )
    .expect("write");
    workbook(
        &input.join("inbox/五山街道2023年度部门决算公开表.xlsx"),
        &["2023年度广州市天河区五山街道办事处部门决算公开表"],
    );
    // Jiangsu: 新街口街道 is Beijing's too; the report's title and the workbook's folders decide.
    std::fs::create_dir_all(input.join("南京")).expect("mkdir");
    std::fs::write(
        input.join("南京/xjk.txt"),
        report_titled(&["2023年度南京市玄武区新街口街道办事处", "部门决算"]),
    )
    .expect("write");
    workbook(
        &input.join("2023/南京市/玄武区/新街口街道/公开表.xlsx"),
        &["编制单位：新街口街道"],
    );
    let wh = dir.path().join("wh");
    let o = run(&input, &wh);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(read_dataset(&wh.join("rejects")).is_empty());
    let rows = read_dataset(&wh.join("expenditure"));
    let expected = [
        [
            "2025",
            "310107",
            "普陀区",
            "上海市",
            "310107014",
            "310107014",
            "长风新村街道办事处",
        ],
        [
            "2023",
            "440106",
            "天河区",
            "广州市",
            "440106001",
            "440106001",
            "五山街道办事处",
        ],
        [
            "2023",
            "320102",
            "玄武区",
            "南京市",
            "320102003",
            "320102003",
            "新街口街道办事处",
        ],
    ];
    for want in expected {
        let of_unit: Vec<&Row> = rows.iter().filter(|r| r["unit_code"] == want[5]).collect();
        // The report's per-类 statements and the workbook's rows: one unit, one identity.
        let sources: std::collections::BTreeSet<&str> =
            of_unit.iter().map(|r| r["source"].as_str()).collect();
        assert!(
            sources.contains("report") && sources.contains("table03"),
            "{want:?}: {sources:?}"
        );
        for r in &of_unit {
            assert_eq!(identity(r), want, "{r:?}");
        }
    }
    let wushan_201 = one(
        &rows,
        &[
            ("unit_code", "440106001"),
            ("source", "table03"),
            ("code", "201"),
        ],
    );
    assert_eq!(wushan_201["actual"], "15600500.00");
    // One units row per unit-year, report and workbook merged.
    let units = read_dataset(&wh.join("units"));
    assert_eq!(units.len(), 3, "{units:?}");
}

#[test]
fn a_department_loads_without_a_unit_code_and_an_ambiguous_name_is_rejected_with_its_candidates() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in");
    workbook(
        &input.join("2024/上海市/普陀区/财政局/附件.xlsx"),
        &["上海市普陀区财政局2024年度部门决算"],
    );
    // Nothing says which 新街口街道 this is.
    workbook(&input.join("misc/x.xlsx"), &["新街口街道2023年度部门决算"]);
    let wh = dir.path().join("wh");
    let o = run(&input, &wh);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = read_dataset(&wh.join("expenditure"));
    let r = one(&rows, &[("code", "201")]);
    assert_eq!(
        (
            r["district_code"].as_str(),
            r["unit_code"].as_str(),
            r["unit_name"].as_str()
        ),
        ("310107", "", "上海市普陀区财政局")
    );
    assert!(r["unit_id"].starts_with("310107-x"), "{r:?}");
    let rejects = read_dataset(&wh.join("rejects"));
    let j = one(&rejects, &[("stage", "identify")]);
    assert_eq!(j["source_file"], "misc/x.xlsx");
    assert!(
        j["reason"].contains("北京市西城区新街口街道 (110102003)")
            && j["reason"].contains("江苏省南京市玄武区新街口街道 (320102003)"),
        "{j:?}"
    );
}

#[test]
fn validate_names_unidentifiable_inputs_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in");
    workbook(&input.join("misc/x.xlsx"), &["新街口街道2023年度部门决算"]);
    workbook(&input.join("misc/y.xlsx"), &["2023年度部门决算"]);
    let o = juesuan(&["validate", "--input", input.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("misc/x.xlsx") && out.contains("320102003"),
        "{out}"
    );
    assert!(
        out.contains("misc/y.xlsx") && out.contains("no district"),
        "{out}"
    );
    assert!(out.contains("41352 townships"), "{out}");
    // Nothing but the inputs exists.
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries, ["in"]);
}

/// The binary, run from an empty directory: no config/ beside it.
fn juesuan_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args(args)
        .current_dir(cwd)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the juesuan binary runs")
}

#[test]
fn from_an_empty_directory_the_embedded_defaults_load_the_sample_corpus() {
    let empty = tempfile::tempdir().expect("temp");
    let raw = repo().join("data/raw");
    let wh = empty.path().join("wh");
    let o = juesuan_in(
        empty.path(),
        &[
            "run",
            "--input",
            raw.to_str().expect("utf-8"),
            "--output",
            wh.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    // The same warehouse as the repository's own configuration gives.
    let here = read_dataset(&wh.join("expenditure"));
    let there = read_dataset(&sample_run().warehouse().join("expenditure"));
    assert_eq!(here.len(), there.len());
    assert!(here == there, "embedded defaults and config/ disagree");
    let xjk = find(&here, &[("unit_id", "110102-xinjiekou")]);
    assert!(!xjk.is_empty() && xjk.iter().all(|r| r["unit_code"] == "110102003"));

    // Without --input or --output it says what is missing, and writes nothing.
    let o = juesuan_in(empty.path(), &["run"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("give --input DIR") && err.contains("give --output DIR"),
        "{err}"
    );

    // `config init` writes an editable copy that runs as it stands.
    let conf = empty.path().join("conf");
    let o = juesuan_in(
        empty.path(),
        &["config", "init", conf.to_str().expect("utf-8")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "juesuan.toml",
        "units.toml",
        "classification/functions.csv",
        "divisions/townships.csv",
    ] {
        assert!(conf.join(f).is_file(), "{f}");
    }
    let o = juesuan_in(
        empty.path(),
        &[
            "run",
            "--config",
            conf.join("juesuan.toml").to_str().expect("utf-8"),
            "--input",
            raw.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        read_dataset(&conf.join("warehouse/expenditure")).len(),
        there.len()
    );
    let o = juesuan_in(
        empty.path(),
        &[
            "catalog",
            "check",
            "--config",
            conf.join("juesuan.toml").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_procurement_table_with_unmerged_group_headers_loads() {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("in/2023/西城区/月坛街道办事处/采购.xlsx");
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let cells: &[(u32, u16, &str)] = &[
        (0, 0, "2023年度政府采购情况表"),
        (1, 0, "编制单位：北京市西城区月坛街道办事处"),
        (1, 8, "单位：万元"),
        (2, 0, "采购单位"),
        // Group labels followed by blank cells, no merged region.
        (2, 1, "采购计划金额"),
        (2, 5, "实际采购金额"),
        (3, 1, "合计"),
        (3, 2, "货物"),
        (3, 3, "工程"),
        (3, 4, "服务"),
        (3, 5, "合计"),
        (3, 6, "货物"),
        (3, 7, "工程"),
        (3, 8, "服务"),
        (4, 0, "合计"),
    ];
    for (r, c, t) in cells {
        ws.write_string(*r, *c, *t).expect("write");
    }
    for (c, v) in [100.0, 40.0, 30.0, 30.0, 90.5, 35.25, 30.0, 25.25]
        .iter()
        .enumerate()
    {
        ws.write_number(4, c as u16 + 1, *v).expect("write");
    }
    wb.save(&path).expect("save");
    let wh = dir.path().join("wh");
    let o = run(&dir.path().join("in"), &wh);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let units = read_dataset(&wh.join("units"));
    let u = one(&units, &[("unit_id", "110102-yuetan")]);
    assert_eq!(
        [
            u["procurement_total"].as_str(),
            u["procurement_goods"].as_str(),
            u["procurement_works"].as_str(),
            u["procurement_services"].as_str(),
        ],
        ["905000.00", "352500.00", "300000.00", "252500.00"],
        "the 实际 figures, not the 计划 ones"
    );
}

/// The real Shanghai disclosures of `../shared/reference/pdf/`, as text (`pdftotext -layout`),
/// in a folder that says nothing: the title alone identifies each department.
#[test]
fn the_real_shanghai_departments_are_identified_from_their_titles() {
    let reference = repo().join("../shared/reference/pdf");
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in/inbox");
    std::fs::create_dir_all(&input).expect("mkdir");
    for (i, name) in ["putuo_caizhengju_2024", "putuo_shehuigongzuobu_2024"]
        .iter()
        .enumerate()
    {
        let text = std::fs::read(reference.join(format!("{name}.layout.txt")))
            .expect("../shared/reference/pdf beside the repository");
        std::fs::write(input.join(format!("{i}.txt")), text).expect("write");
    }
    let wh = dir.path().join("wh");
    let o = run(&dir.path().join("in"), &wh);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let units = read_dataset(&wh.join("units"));
    let mut got: Vec<[&str; 7]> = units.iter().map(identity).collect();
    got.sort_by_key(|g| g[6]);
    assert_eq!(got.len(), 2);
    for (g, name) in got
        .iter()
        .zip(["上海市普陀区财政局", "中共上海市普陀区委社会工作部"])
    {
        assert_eq!(g[..4], ["2024", "310107", "普陀区", "上海市"], "{g:?}");
        assert_eq!((g[5], g[6]), ("", name), "{g:?}");
        assert!(g[4].starts_with("310107-x"), "{g:?}");
    }
}

/// Each title form, as the rows of a workbook's cover above its first table, in a folder and
/// under a file name that say nothing: the cells alone identify the unit.
#[test]
fn every_title_form_in_workbook_cells_identifies_its_unit() {
    let forms: [(&[&str], &str, &str); 7] = [
        (
            &["2023年度北京市西城区新街口街道办事处", "部门决算"],
            "110102003",
            "110102",
        ),
        (
            &[
                "上海市普陀区人民政府长风新村街道办事处 2025",
                "年度部门决算",
            ],
            "310107014",
            "310107",
        ),
        (
            &["丰台区卢沟桥街道办事处 2023年部门决算报表"],
            "110106017",
            "110106",
        ),
        (
            &["附件：北京市丰台区卢沟桥街道办事处2022年部门决算公开表"],
            "110106017",
            "110106",
        ),
        (
            &["月坛街道2023年度收入支出决算总表（金额单位：元）"],
            "110102007",
            "110102",
        ),
        (
            &["2023年度广州市天河区五山", "街道办事处部门决算"],
            "440106001",
            "440106",
        ),
        (&["上海市普陀区财政局", "2024年度部门决算"], "", "310107"),
    ];
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("in");
    for (i, (lines, _, _)) in forms.iter().enumerate() {
        let path = input.join(format!("inbox/{i}.xlsx"));
        if lines[0].contains("决算总表") {
            // A table's own title naming the unit: it is the title of the table below it.
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            let title = lines[0].replace("收入支出决算总表", "支出决算表");
            ws.write_string(0, 0, &title).expect("write");
            for (c, h) in ["科目编码", "科目名称", "本年支出合计"].iter().enumerate()
            {
                ws.write_string(1, c as u16, *h).expect("write");
            }
            ws.write_string(2, 0, "201").expect("write");
            ws.write_number(2, 2, 15600500.0).expect("write");
            std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
            wb.save(&path).expect("save");
        } else {
            workbook(&path, lines);
        }
    }
    let wh = dir.path().join("wh");
    let o = run(&input, &wh);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let rows = read_dataset(&wh.join("expenditure"));
    for (i, (lines, code, district)) in forms.iter().enumerate() {
        let r = one(
            &rows,
            &[("source_file", &format!("inbox/{i}.xlsx")), ("code", "201")],
        );
        assert_eq!(
            (r["unit_code"].as_str(), r["district_code"].as_str()),
            (*code, *district),
            "{lines:?}: {r:?}"
        );
    }
}
