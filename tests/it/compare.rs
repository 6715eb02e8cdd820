//! `juesuan compare` on the sample warehouse: rates recomputed here from `expenditure`,
//! each format's promises (table, CSV for Excel, JSON, self-contained HTML), the README's
//! analyst snippets, and the page in a real headless browser.

use std::collections::BTreeMap;
use std::process::Command;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::common::*;

fn compare(args: &[&str]) -> std::process::Output {
    let wh = sample_run().warehouse();
    let mut all = vec!["compare", "--warehouse", wh.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    juesuan(&all)
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = compare(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn category_rates_of_all_15_streets_match_an_independent_recomputation() {
    let c = json(&["--year", "2023", "--level", "category"]);
    assert_eq!(c["basis"], "initial");
    assert!(c["basis_label"]
        .as_str()
        .expect("label")
        .contains("年初预算"));
    let units = c["units"].as_array().expect("units");
    assert_eq!(units.len(), 15);

    // Recompute from expenditure: the table05 类 rows, actual / 年初预算.
    let rows = read_dataset(&sample_run().warehouse().join("expenditure"));
    let mut expected: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in find(
        &rows,
        &[("year", "2023"), ("source", "table05"), ("level", "1")],
    ) {
        // A 年初预算 printed as "-" is null: no rate.
        if r["budget_initial"].is_empty() {
            continue;
        }
        let (a, b): (Decimal, Decimal) = (
            r["actual"].parse().expect("d"),
            r["budget_initial"].parse().expect("d"),
        );
        if !b.is_zero() {
            expected.insert(
                (r["unit_id"].clone(), r["code"].clone()),
                (a / b).to_f64().expect("f64"),
            );
        }
    }
    let mut seen = 0;
    for u in units {
        for (code, cell) in u["cells"].as_object().expect("cells") {
            if let Some(rate) = cell["rate"].as_f64() {
                let want =
                    expected[&(u["unit_id"].as_str().expect("id").to_string(), code.clone())];
                assert!(
                    (rate - want).abs() < 1e-12,
                    "{} {code}: {rate} vs {want}",
                    u["unit_name"]
                );
                seen += 1;
            }
        }
    }
    assert_eq!(seen, expected.len());

    let xjk = units
        .iter()
        .find(|u| u["unit_id"] == "110102-xinjiekou")
        .expect("新街口");
    let r201 = &xjk["cells"]["201"];
    assert_eq!(
        format!("{:.2}", r201["rate"].as_f64().expect("rate") * 100.0),
        "94.05"
    ); // 11724.11 / 12465.80
    assert_eq!(
        (r201["actual"].as_str(), r201["budget"].as_str()),
        (Some("117241100.00"), Some("124658000.00"))
    );
    assert_eq!(
        xjk["cells"]["211"]["flag"], "no_budget",
        "a zero 年初预算 has no rate"
    );
    assert_eq!(xjk["cells"]["203"]["flag"], "low");
    assert_eq!(xjk["cells"]["205"]["flag"], "high");

    // Median and rank of 201 recomputed.
    let mut r201s: Vec<f64> = units
        .iter()
        .filter_map(|u| u["cells"]["201"]["rate"].as_f64())
        .collect();
    r201s.sort_by(f64::total_cmp);
    let median = r201s[r201s.len() / 2];
    let col = c["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .find(|c| c["code"] == "201")
        .expect("201");
    assert!((col["median"]["110102"].as_f64().expect("median") - median).abs() < 1e-15);
    let rank = 1 + r201s
        .iter()
        .filter(|r| **r > r201["rate"].as_f64().expect("rate"))
        .count();
    assert_eq!(r201["rank"], rank);
    assert!(
        (r201["gap_to_median"].as_f64().expect("gap")
            - (r201["rate"].as_f64().expect("rate") - median))
            .abs()
            < 1e-15
    );
}

#[test]
fn the_department_total_on_the_final_basis_is_the_reports_98_06_percent() {
    let c = json(&[
        "--year", "2023", "--fund", "all", "--level", "total", "--basis", "final",
    ]);
    let units = c["units"].as_array().expect("units");
    assert_eq!(units.len(), 1, "only 新街口 states 全年预算数 and 执行数");
    let t = &units[0]["total"];
    assert_eq!(
        format!("{:.2}", t["rate"].as_f64().expect("rate") * 100.0),
        "98.06"
    );
    assert_eq!(
        (t["actual"].as_str(), t["budget"].as_str()),
        (Some("399858300.00"), Some("407755299.00"))
    );
}

#[test]
fn table_csv_and_html_say_what_they_show() {
    let table = stdout(&compare(&["--year", "2023"]));
    assert!(
        table.contains("决算 / 年初预算数 (basis: initial)"),
        "{table}"
    );
    assert!(
        table.contains("新街口街道办事处")
            && table.contains("94.05%")
            && table.contains("西城区中位数"),
        "{table}"
    );
    assert_eq!(
        table.lines().filter(|l| l.contains("街道办事处")).count(),
        15
    );

    let csv = compare(&["--year", "2023", "--format", "csv"]).stdout;
    assert!(
        csv.starts_with("\u{FEFF}year,".as_bytes()),
        "UTF-8 BOM for Excel"
    );
    let text = String::from_utf8(csv).expect("utf-8");
    let line = text
        .lines()
        .find(|l| l.contains("110102-xinjiekou,新街口街道办事处,201,"))
        .expect("新街口 201");
    assert!(line.contains(",11724.11,12465.80,0.940502,"), "{line}");

    let dir = tempfile::tempdir().expect("temp");
    let page = dir.path().join("c.html");
    let o = compare(&[
        "--year",
        "2023",
        "--format",
        "html",
        "--out",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains(r#"<svg class="heatmap""#) && html.contains(r#"<svg class="ranking""#));
    assert!(
        !html.contains("http://")
            || html
                .matches("http://")
                .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    assert!(
        !html.contains("<script") && !html.contains("https://"),
        "self-contained: no script, nothing fetched"
    );
    assert!(
        html.contains("新街口街道办事处") && html.contains("94.05%") && html.contains("数据质量")
    );
    assert!(
        html.contains(
            "来源 2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算公开报表.xlsx"
        ),
        "sources on hover"
    );
}

#[test]
fn names_from_inputs_are_escaped_in_html_and_guarded_in_csv() {
    let dir = tempfile::tempdir().expect("temp");
    let unit = "=HYPERLINK(1)<i>x街道办事处";
    let folder = dir.path().join("in/2023/西城区").join(unit);
    std::fs::create_dir_all(&folder).expect("mkdir");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, c, t) in [
        (0, 0, "一般公共预算财政拨款支出决算表"),
        (1, 0, "单位：万元"),
        (2, 0, "科目编码"),
        (2, 1, "科目名称"),
        (2, 2, "年初预算数"),
        (2, 3, "合计"),
        (3, 0, "201"),
    ] {
        ws.write_string(r, c, t).expect("write");
    }
    ws.write_number(3, 2, 10.0).expect("write");
    ws.write_number(3, 3, 9.0).expect("write");
    wb.save(folder.join("x.xlsx")).expect("save");
    let wh = dir.path().join("wh");
    assert_eq!(
        juesuan(&[
            "run",
            "--input",
            dir.path().join("in").to_str().expect("utf-8"),
            "--output",
            wh.to_str().expect("utf-8")
        ])
        .status
        .code(),
        Some(0)
    );
    let base = [
        "compare",
        "--warehouse",
        wh.to_str().expect("utf-8"),
        "--year",
        "2023",
    ];
    let csv = stdout(&juesuan(&[&base[..], &["--format", "csv"]].concat()));
    assert!(csv.contains(",'=HYPERLINK(1)<i>x街道办事处,"), "{csv}");
    let html = stdout(&juesuan(&[&base[..], &["--format", "html"]].concat()));
    assert!(
        html.contains("=HYPERLINK(1)&lt;i&gt;x街道") && !html.contains("<i>x"),
        "escaped"
    );
}

#[test]
fn the_readme_quickstart_snippets_agree_with_compare() {
    let probe = Command::new("python3")
        .args(["-c", "import pandas, polars, duckdb"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pandas, polars and duckdb (.ci/run)"
        );
        eprintln!("skipped: python3 with pandas, polars and duckdb is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("c.json");
    assert_eq!(
        compare(&[
            "--year",
            "2023",
            "--format",
            "json",
            "--out",
            out.to_str().expect("utf-8")
        ])
        .status
        .code(),
        Some(0)
    );
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/quickstart.py"))
        .arg(repo().join("README.md"))
        .arg(sample_run().warehouse())
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("quickstart snippets agree"));
}

/// The HTML page in headless Chromium: the charts render (SVG elements in the DOM, the 街道
/// names and rates there), and a screenshot is saved as target/compare-2023.png.
#[test]
fn the_page_renders_in_a_headless_browser() {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run)"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().expect("temp");
    let page = dir.path().join("compare.html");
    assert_eq!(
        compare(&[
            "--year",
            "2023",
            "--format",
            "html",
            "--out",
            page.to_str().expect("utf-8")
        ])
        .status
        .code(),
        Some(0)
    );
    let url = format!("file://{}", page.display());
    let flags = |profile: &str| {
        vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", dir.path().join(profile).display()),
        ]
    };
    let dom = Command::new(chromium)
        .args(flags("p1"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg class=\"heatmap\""), "heatmap in the DOM");
    assert!(
        dom.matches("<rect class=\"cell\"").count() > 100,
        "heatmap cells rendered"
    );
    assert_eq!(
        dom.matches("<rect class=\"bar\"").count(),
        15,
        "one bar per 街道"
    );
    for name in ["新街口街道办事处", "月坛街道办事处", "广安门外街道办事处"]
    {
        assert!(dom.contains(name), "{name}");
    }
    assert!(dom.contains(">94.05%<"), "新街口 201 rate in the DOM");

    // Kept for a look after the run; `target/` is not there when CARGO_TARGET_DIR is elsewhere.
    let shot = repo().join("target/compare-2023.png");
    std::fs::create_dir_all(repo().join("target")).expect("target/");
    let o = Command::new(chromium)
        .args(flags("p2"))
        .args([
            "--window-size=1500,1400",
            "--hide-scrollbars",
            &format!("--screenshot={}", shot.display()),
            &url,
        ])
        .output()
        .expect("chromium runs");
    assert!(
        shot.is_file() && std::fs::metadata(&shot).expect("png").len() > 20_000,
        "screenshot: {}",
        stderr(&o)
    );
}

#[test]
fn levels_districts_and_an_empty_selection() {
    let c = json(&[
        "--year",
        "2023",
        "--level",
        "section",
        "--district",
        "西城区",
    ]);
    assert_eq!(
        (c["level"].as_str(), c["units"].as_array().map(Vec::len)),
        (Some("section"), Some(15))
    );
    assert!(c["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .all(|k| k["code"].as_str().is_some_and(|s| s.len() == 5)));
    let by_code = json(&["--year", "2023", "--level", "item", "--district", "110102"]);
    assert!(by_code["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .all(|k| k["code"].as_str().is_some_and(|s| s.len() == 7)));
    let none = compare(&["--year", "2023", "--district", "东城区"]);
    assert_eq!(none.status.code(), Some(0));
    assert!(stderr(&none).contains("no execution rows for year 2023, fund general_public, district 东城区; the warehouse has years 2022, 2023"), "{}", stderr(&none));
}

#[test]
fn each_units_findings_and_rejects_are_counted_from_the_warehouse() {
    let c = json(&["--year", "2023", "--level", "category"]);
    let wh = sample_run().warehouse();
    for (dataset, field) in [("findings", "findings"), ("rejects", "rejects")] {
        let rows = read_dataset(&wh.join(dataset));
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for r in find(&rows, &[("year", "2023")]) {
            *expected.entry(r["unit_id"].clone()).or_default() += 1;
        }
        let mut counted = 0;
        for u in c["units"].as_array().expect("units") {
            let id = u["unit_id"].as_str().expect("unit_id");
            let n = u[field].as_u64().expect("count");
            assert_eq!(
                n,
                expected.get(id).copied().unwrap_or(0),
                "{dataset} of {id}"
            );
            counted += n;
        }
        if dataset == "findings" {
            // The sample's 新街口 report has findings: the count is not vacuously zero.
            assert!(counted > 0, "no findings counted");
        }
    }
}
