//! The bundled sample corpus, end to end: `juesuan run` → Parquet → values checked against
//! the real 新街口 report's figures and against what `synth` wrote.

use std::collections::BTreeMap;

use arrow_schema::DataType;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::common::*;

const XJK: &str = "110102-xinjiekou";

/// What synth planned for the bundled corpus (seed 2023): (unit id, year, plan), computed
/// by the generator itself, not read back from the extractor.
fn synth_plans() -> Vec<(String, i32, juesuan::synth::plan::UnitYear)> {
    let catalog = juesuan::reference::catalog::Catalog::load(&repo().join("config/classification"))
        .expect("catalogue");
    let units = juesuan::reference::units::UnitRegistry::load(&repo().join("config/units.toml"))
        .expect("units");
    let mut plans = Vec::new();
    for year in [2022, 2023] {
        for unit in units.units.iter().filter(|u| u.district_code == "110102") {
            plans.push((
                unit.id.clone(),
                year,
                juesuan::synth::generate(
                    &catalog,
                    2023,
                    &unit.id,
                    &unit.name,
                    "北京市",
                    "西城区",
                    year,
                ),
            ));
        }
    }
    plans
}

/// How many workbook files synth wrote for the bundled corpus: one per unit-year, or one per
/// table in the file-per-table layout.
fn corpus_workbooks() -> usize {
    use juesuan::synth::workbook::{Layout, Placement};
    synth_plans()
        .iter()
        .map(|(unit_id, year, _)| {
            let layout = Layout::for_unit(unit_id, *year);
            if layout.placement == Placement::FilePerTable {
                layout.tables().len()
            } else {
                1
            }
        })
        .sum()
}

fn expenditure() -> Vec<Row> {
    read_dataset(&sample_run().warehouse().join("expenditure"))
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a decimal"))
}

#[test]
fn sample_run_loads_everything_and_says_so() {
    let run = sample_run();
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "stderr: {}",
        stderr(&run.output)
    );
    let out = stdout(&run.output);
    let workbooks = corpus_workbooks();
    assert!(workbooks > 30, "some unit-years publish one file per table");
    assert!(
        out.contains(&format!(
            "(workbooks {workbooks}, reports 2, PDFs 0, other 0)"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("loaded {}, partial 0, rejected 0", workbooks + 2)),
        "{out}"
    );
    assert!(out.contains("exit 0: every input loaded"), "{out}");
    assert!(run.warehouse().join("_SUCCESS").is_file());
}

#[test]
fn xinjiekou_2023_general_public_201_is_exact_and_sourced() {
    let rows = expenditure();
    let row = one(
        &rows,
        &[
            ("year", "2023"),
            ("unit_id", XJK),
            ("fund", "general_public"),
            ("source", "table05"),
            ("code", "201"),
        ],
    );
    assert_eq!(row["actual"], "117241100.00");
    assert_eq!(row["budget_initial"], "124658000.00"); // 11724.11 + 741.69 from the report
    assert_eq!(row["source"], "table05");
    assert_eq!(row["level"], "1");
    assert_eq!(row["name"], "一般公共服务支出");
    assert_eq!(row["classification_status"], "exact");
    assert_eq!(row["cofog"], "01");
    assert_eq!(row["unit_name"], "新街口街道办事处");
    assert_eq!(row["district_code"], "110102");
    assert_eq!(row["city"], "北京市");
    let file = "2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算公开报表.xlsx";
    assert_eq!(row["source_file"], file);
    assert_eq!(row["source_sheet"], "6 一般公共预算支出");
    assert!(row["source_row"].parse::<u32>().expect("a row number") > 4);
    let bytes = std::fs::read(repo().join("data/raw").join(file)).expect("workbook");
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row["source_sha256"], sha);
}

#[test]
fn money_is_decimal128_18_2_and_year_lives_in_the_path() {
    let dir = sample_run().warehouse().join("expenditure");
    for column in [
        "actual",
        "basic",
        "project",
        "budget_initial",
        "budget_final",
    ] {
        assert_eq!(
            column_type(&dir, column),
            DataType::Decimal128(18, 2),
            "{column}"
        );
    }
    assert_eq!(column_type(&dir, "level"), DataType::Int8);
    assert_eq!(column_type(&dir, "source_row"), DataType::Int32);
    assert!(dir.join("year=2022/110102.parquet").is_file());
    assert!(dir.join("year=2023/110102.parquet").is_file());
}

/// Every figure the real report states per 类 and that the tables carry.
#[test]
fn xinjiekou_2023_categories_match_the_report() {
    let rows = expenditure();
    let report = [
        ("201", "117241100.00", "124658000.00"),
        ("203", "287400.00", "418400.00"),
        ("204", "1546900.00", "1680200.00"),
        ("205", "11845100.00", "4876900.00"),
        ("207", "653500.00", "250000.00"),
        ("208", "165701800.00", "184924400.00"),
        ("210", "15823500.00", "13125300.00"),
        ("211", "2565200.00", "0.00"),
        ("212", "77237700.00", "94012900.00"),
        ("221", "6753900.00", "6455100.00"),
    ];
    for (code, actual, budget) in report {
        let row = one(
            &rows,
            &[
                ("year", "2023"),
                ("unit_id", XJK),
                ("fund", "general_public"),
                ("source", "table05"),
                ("code", code),
            ],
        );
        assert_eq!(
            (row["actual"].as_str(), row["budget_initial"].as_str()),
            (actual, budget),
            "{code}"
        );
    }
    let sum = |fund: &str, col: &str| -> Decimal {
        find(
            &rows,
            &[
                ("year", "2023"),
                ("unit_id", XJK),
                ("fund", fund),
                ("level", "1"),
            ],
        )
        .iter()
        // The national tables: table01 repeats the 类 of table03, and Beijing's
        // 一般公共预算收入支出表 repeats table05.
        .filter(|r| r["source"].starts_with("table") && r["source"] != "table01")
        .map(|r| dec(&r[col]))
        .sum()
    };
    // The report states the same per-类 figures; its rows agree with the table's.
    for (code, actual, budget) in report {
        let from_report = one(
            &rows,
            &[
                ("year", "2023"),
                ("unit_id", XJK),
                ("source", "report"),
                ("code", code),
            ],
        );
        assert_eq!(
            (
                from_report["actual"].as_str(),
                from_report["budget_initial"].as_str()
            ),
            (actual, budget),
            "report {code}"
        );
        assert_eq!(
            from_report["classification_status"], "resolved_by_name",
            "{code}"
        );
    }
    assert_eq!(sum("general_public", "actual"), dec("399656100.00")); // 39965.61万元
    assert_eq!(sum("government_fund", "actual"), dec("22200.00")); // 229 其他支出 2.22万元
    assert_eq!(sum("state_capital", "actual"), dec("180000.00")); // 18万元
    assert_eq!(sum("all", "actual"), dec("399858300.00")); // 收支总计 39985.83万元
    assert_eq!(sum("all", "basic"), dec("107958600.00"));
    assert_eq!(sum("all", "project"), dec("291899700.00"));
    let fund = one(
        &rows,
        &[
            ("year", "2023"),
            ("unit_id", XJK),
            ("fund", "government_fund"),
            ("source", "table08"),
            ("code", "229"),
        ],
    );
    assert_eq!(
        (fund["source"].as_str(), fund["name"].as_str()),
        ("table08", "其他支出")
    );
    // 2022 total makes the report's "比上年减少1170.82万元" true.
    let total_2022: Decimal = find(
        &rows,
        &[
            ("year", "2022"),
            ("unit_id", XJK),
            ("source", "table03"),
            ("level", "1"),
        ],
    )
    .iter()
    .map(|r| dec(&r["actual"]))
    .sum();
    assert_eq!(total_2022 - sum("all", "actual"), dec("11708200.00"));
}

/// 项 sum to their 款, 款 to their 类, in every table of every unit, and 基本 + 项目 = 合计.
#[test]
fn hierarchies_and_columns_sum_exactly() {
    let rows = expenditure();
    let mut children: BTreeMap<(String, String, String, String, String), Decimal> = BTreeMap::new();
    for r in &rows {
        let code = &r["code"];
        if code.len() > 3 {
            let parent = code[..code.len() - 2].to_string();
            *children
                .entry((
                    r["year"].clone(),
                    r["unit_id"].clone(),
                    r["fund"].clone(),
                    r["source"].clone(),
                    parent,
                ))
                .or_default() += dec(&r["actual"]);
        }
        if !r["basic"].is_empty() && !r["project"].is_empty() {
            assert_eq!(
                dec(&r["basic"]) + dec(&r["project"]),
                dec(&r["actual"]),
                "{r:?}"
            );
        }
    }
    assert!(
        children.len() > 500,
        "only {} parents with children",
        children.len()
    );
    for ((year, unit, fund, source, parent), sum) in &children {
        let row = one(
            &rows,
            &[
                ("year", year),
                ("unit_id", unit),
                ("fund", fund),
                ("source", source),
                ("code", parent),
            ],
        );
        assert_eq!(dec(&row["actual"]), *sum, "{year} {unit} {source} {parent}");
    }
}

/// The extractor loads exactly the rows synth printed: one per code line of tables 03, 05,
/// 08 and 09 in every workbook, counted from the generator's plan, not from the extractor.
#[test]
fn expenditure_rows_equal_what_synth_wrote() {
    use juesuan::synth::workbook::{Layout, TableSet};
    let mut expected = 0;
    for (unit_id, year, plan) in synth_plans() {
        // table03 (all funds) + 05/08/09 per code (+ Beijing's 一般公共预算收入支出表), and
        // table01's 类 lines. A line whose 合计 is a zero printed as "-" carries nothing.
        let layout = Layout::for_unit(&unit_id, year);
        let printed = |lines: &[juesuan::synth::plan::Line]| {
            lines
                .iter()
                .filter(|l| l.actual != 0 || layout.prints_zero())
                .count()
        };
        let all = plan.all_funds();
        expected += printed(&all.lines)
            + plan
                .funds()
                .iter()
                .map(|f| printed(&f.lines))
                .sum::<usize>()
            + all.categories().count();
        if layout.set == TableSet::Beijing {
            expected += printed(&plan.general.lines);
        }
    }
    let rows: Vec<Row> = expenditure()
        .into_iter()
        .filter(|r| r["source"] != "report")
        .collect();
    assert_eq!(rows.len(), expected);
    let expected = expected + 11; // the report's 11 类 statements
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sample_run().warehouse().join("_manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["datasets"]["expenditure"]["rows"], expected);
}

/// The corpus holds the real report twice (.txt and its .docx form): the .docx is loaded,
/// the .txt is named in a `report.duplicate` finding, and nothing is counted twice.
#[test]
fn the_report_is_loaded_once_and_its_twin_is_a_finding() {
    let txt = "2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算.txt";
    let docx = "2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算.docx";
    let wh = sample_run().warehouse();
    let findings = read_dataset(&wh.join("findings"));
    let f = one(&findings, &[("rule_id", "report.duplicate")]);
    assert_eq!(
        (
            f["severity"].as_str(),
            f["unit_id"].as_str(),
            f["year"].as_str()
        ),
        ("info", XJK, "2023")
    );
    assert_eq!(f["references"], format!("{txt};{docx}"));
    let rows = expenditure();
    let report_rows = find(&rows, &[("source", "report")]);
    assert_eq!(report_rows.len(), 11);
    assert!(report_rows.iter().all(|r| r["source_file"] == docx));
    assert_eq!(read_dataset(&wh.join("performance_projects")).len(), 1);
    assert!(read_dataset(&wh.join("rejects")).is_empty());
    // The 国有资产占用 section's figures (seed ¶301–302): "资产总计17415.16万元，其中：现金2.88万元…
    // 固定资产合计年初数原值151652295.39元，累计折旧51720761.69元，净值99931533.7元".
    let units = read_dataset(&wh.join("units"));
    let u = one(&units, &[("unit_id", "110102-xinjiekou"), ("year", "2023")]);
    for (column, value) in [
        ("assets_total", "174151600.00"),
        ("assets_cash", "28800.00"),
        ("assets_bank_deposits", "974700.00"),
        ("assets_other_receivables", "6172400.00"),
        ("fixed_assets_original", "156562900.00"),
        ("fixed_assets_depreciation", "60130800.00"),
        ("fixed_assets_net", "96432100.00"),
        ("construction_in_progress", "0.00"),
        ("fixed_assets_original_start", "151652295.39"),
        ("fixed_assets_depreciation_start", "51720761.69"),
        ("fixed_assets_net_start", "99931533.70"),
        ("basic_general_public", "107958600.00"),
        ("basic_government_fund", "0.00"),
        ("budget_full_year_other", "0.00"),
    ] {
        assert_eq!(u[column], value, "{column}");
    }

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wh.join("_manifest.json")).expect("manifest"))
            .expect("json");
    let inputs = manifest["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), corpus_workbooks() + 2);
    for path in [txt, docx] {
        let entry = inputs
            .iter()
            .find(|i| i["path"] == path)
            .expect("report in manifest");
        assert_eq!(
            (entry["status"].as_str(), entry["kind"].as_str()),
            (Some("loaded"), Some("report"))
        );
        assert_eq!(entry["report"]["amount_mentions"], 121);
        assert_eq!(entry["report"]["amount_mentions_used"], 112); // 93%: the coverage #15 asks of a real report
        assert_eq!(entry["report"]["facts"], 70);
    }
    let mut loaded_ids: BTreeMap<String, usize> = BTreeMap::new();
    for input in inputs.iter().filter(|i| i["kind"] == "workbook") {
        assert_eq!(input["status"], "loaded", "{input}");
        assert_eq!(input["sha256"].as_str().map(str::len), Some(64));
        let tables = input["tables"].as_array().expect("tables");
        for t in tables {
            assert!(
                t["status"] == "loaded" || t["status"] == "empty",
                "every table of the synthetic workbooks is read: {t}"
            );
        }
        for t in tables.iter().filter(|t| t["status"] == "loaded") {
            let id = t["table"].as_str().expect("table id").to_string();
            *loaded_ids.entry(id).or_insert(0) += 1;
        }
    }
    // Every table kind is read somewhere in the corpus, Beijing's four included.
    for id in [
        "table01",
        "table02",
        "table03",
        "table04",
        "table05",
        "table06",
        "table07",
        "table08",
        "table09",
        "bj_general_public_income_expenditure",
        "bj_government_fund_basic",
        "bj_procurement",
        "bj_purchased_services",
    ] {
        assert!(
            loaded_ids.contains_key(id),
            "no {id} loaded: {loaded_ids:?}"
        );
    }
}

#[test]
fn the_bundled_corpus_is_what_synth_writes() {
    let dir = tempfile::tempdir().expect("temp");
    let out = juesuan(&[
        "synth",
        "--units",
        "15",
        "--years",
        "2022,2023",
        "--seed",
        "2023",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut compared = 0;
    for year in ["2022", "2023"] {
        let base = dir.path().join(year).join("西城区");
        for unit in std::fs::read_dir(&base).expect("units") {
            let unit = unit.expect("entry").path();
            for file in std::fs::read_dir(&unit).expect("files") {
                let file = file.expect("entry").path();
                let relative = file.strip_prefix(dir.path()).expect("relative");
                let committed = std::fs::read(repo().join("data/raw").join(relative))
                    .expect("committed workbook");
                assert!(
                    committed == std::fs::read(&file).expect("generated"),
                    "{} differs from synth output",
                    relative.display()
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, corpus_workbooks());
}

#[test]
fn same_inputs_give_identical_data_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("temp");
    let mut dumps = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("wh{jobs}"));
        let o = juesuan(&[
            "run",
            "--jobs",
            jobs,
            "--output",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        dumps.push(read_dataset(&out.join("expenditure")));
    }
    assert_eq!(dumps[0], dumps[1]);
    assert_eq!(dumps[0], expenditure());
}

/// A text dump of every 新街口 2023 row, compared with tests/golden/. Regenerate with
/// `JUESUAN_BLESS=1 cargo test golden` and review the diff.
#[test]
fn golden_xinjiekou_2023_expenditure() {
    let rows = expenditure();
    let columns = [
        "fund",
        "source",
        "code",
        "level",
        "category_code",
        "section_code",
        "item_code",
        "name",
        "name_printed",
        "classification_status",
        "cofog",
        "actual",
        "basic",
        "project",
        "budget_initial",
        "budget_final",
        "source_sheet",
        "source_row",
    ];
    let mut dump = columns.join("\t") + "\n";
    for row in find(&rows, &[("year", "2023"), ("unit_id", XJK)]) {
        dump += &columns
            .iter()
            .map(|c| row[*c].as_str())
            .collect::<Vec<_>>()
            .join("\t");
        dump.push('\n');
    }
    let path = repo().join("tests/golden/xinjiekou_2023_expenditure.tsv");
    if std::env::var_os("JUESUAN_BLESS").is_some() {
        std::fs::write(&path, &dump).expect("write golden");
    }
    let golden = std::fs::read_to_string(&path).expect("golden file (JUESUAN_BLESS=1 to create)");
    assert!(
        golden == dump,
        "expenditure dump differs from {}; rerun with JUESUAN_BLESS=1 and review the diff",
        path.display()
    );
}

#[test]
fn xinjiekou_2023_units_and_economic_rows_carry_the_reports_figures() {
    let wh = sample_run().warehouse();
    let units = read_dataset(&wh.join("units"));
    let u = one(&units, &[("year", "2023"), ("unit_id", XJK)]);
    let expect = [
        ("income_total", "399858300.00"),
        ("income_fiscal", "399858300.00"),
        ("income_superior", "0.00"),
        ("income_other", "0.00"),
        ("expenditure_total", "399858300.00"),
        ("basic", "107958600.00"),
        ("project", "291899700.00"),
        ("three_public_budget", "51700.00"),
        ("three_public_actual", "5300.00"),
        ("overseas_budget", "0.00"),
        ("overseas_actual", "0.00"),
        ("vehicles_actual", "5300.00"),
        ("vehicle_operation_actual", "5300.00"),
        ("vehicle_purchase_actual", "0.00"),
        ("reception_budget", "51700.00"),
        ("reception_actual", "0.00"),
        ("operating_costs", "7719100.00"), // stated only in the report: 771.91万元
        ("income_general_public", "399656100.00"), // table01, left side
        ("income_government_fund", "22200.00"),
        ("income_state_capital", "180000.00"),
        ("carryover_start", "0.00"),
        ("carryover_end", "0.00"),
        ("expenditure_general_public", "399656100.00"), // table04, 本年支出合计 line
        // Beijing's 政府采购情况表 and 政府购买服务表, equal to the report's figures (which a
        // finding would name if they were not): 7914.96, 5157.94, 4080.3, 5973.31万元.
        ("procurement_total", "79149600.00"),
        ("procurement_goods", "611600.00"),
        ("procurement_works", "17078100.00"),
        ("procurement_services", "61459900.00"),
        ("procurement_sme", "51579400.00"),
        ("procurement_small_micro", "40803000.00"),
        ("purchased_services", "59733100.00"),
    ];
    for (column, value) in expect {
        assert_eq!(u[column], value, "{column}");
    }
    assert!(u["sources"].contains("three_public_actual=2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算公开报表.xlsx#11 三公经费!6"), "{}", u["sources"]);

    let economic = read_dataset(&wh.join("economic_expenditure"));
    let rows = find(
        &economic,
        &[("year", "2023"), ("unit_id", XJK), ("level", "1")],
    );
    let sum = |codes: &[&str]| -> Decimal {
        rows.iter()
            .filter(|r| codes.contains(&r["code"].as_str()))
            .map(|r| dec(&r["actual"]))
            .sum()
    };
    assert_eq!(
        sum(&["302", "310"]),
        dec("7719100.00"),
        "公用经费 = the report's 机关运行经费 771.91万元"
    );
    for r in &rows {
        let want = match r["code"].as_str() {
            "301" | "303" => "personnel",
            _ => "public",
        };
        assert_eq!(r["cost_type"], want, "{r:?}");
    }
    assert_eq!(
        sum(&["301", "302", "303", "310"]),
        dec("107958600.00"),
        "基本支出"
    );
    assert!(economic
        .iter()
        .all(|r| r["classification_status"] == "exact"));

    let execution = read_dataset(&wh.join("execution"));
    let r201 = one(
        &execution,
        &[
            ("year", "2023"),
            ("unit_id", XJK),
            ("fund", "general_public"),
            ("code", "201"),
        ],
    );
    let rate: f64 = r201["rate_initial"].parse().expect("rate");
    assert!(
        (rate - 117_241_100.0 / 124_658_000.0).abs() < 1e-12
            && format!("{:.2}", rate * 100.0) == "94.05",
        "{rate}"
    );
    assert_eq!(
        r201["basis"],
        "actual=table05 budget_initial=table05 budget_final=table05"
    );
    let r211 = one(
        &execution,
        &[
            ("year", "2023"),
            ("unit_id", XJK),
            ("fund", "general_public"),
            ("code", "211"),
        ],
    );
    assert_eq!(
        (
            r211["budget_initial"].as_str(),
            r211["rate_initial"].as_str()
        ),
        ("0.00", ""),
        "a zero budget has no rate"
    );
    let total = one(
        &execution,
        &[
            ("year", "2023"),
            ("unit_id", XJK),
            ("fund", "general_public"),
            ("code", "total"),
        ],
    );
    assert_eq!(
        (total["actual"].as_str(), total["budget_initial"].as_str()),
        ("399656100.00", "430401200.00")
    );
}

/// Recall and precision on the corpus: every figure synth planned comes back exactly once,
/// whatever the layout of its workbook (and every layout knob is used somewhere). A zero
/// printed as "-", "—", "/" or a blank cell comes back as null, never as 0.
#[test]
fn every_planned_figure_comes_back_exactly_once() {
    use juesuan::synth::workbook::{Layout, TableSet};
    type Key = (String, String, String, String);
    let yuan = |v: i64| format!("{}.00", v * 100);
    let mut expected: BTreeMap<Key, [String; 5]> = BTreeMap::new();
    let mut economic: BTreeMap<Key, String> = BTreeMap::new();
    let mut units: BTreeMap<(String, String, &str), String> = BTreeMap::new();
    let mut knobs = std::collections::BTreeSet::new();
    for (unit_id, year, plan) in synth_plans() {
        let layout = Layout::for_unit(&unit_id, year);
        knobs.extend(layout.describe());
        let z = |v: i64| {
            if v == 0 && !layout.prints_zero() {
                String::new()
            } else {
                yuan(v)
            }
        };
        let key = |source: &str, code: &str| {
            (
                unit_id.clone(),
                year.to_string(),
                source.to_string(),
                code.to_string(),
            )
        };
        let mut table = |source: &str, lines: &[juesuan::synth::plan::Line], budgets: bool| {
            for l in lines {
                // A line whose 合计 reads as null carries nothing to load.
                if l.actual == 0 && !layout.prints_zero() {
                    continue;
                }
                let (bi, bf) = if budgets {
                    (z(l.budget_initial), z(l.budget_final))
                } else {
                    (String::new(), String::new())
                };
                expected.insert(
                    key(source, &l.code),
                    [yuan(l.actual), z(l.basic), z(l.project), bi, bf],
                );
            }
        };
        let all = plan.all_funds();
        table("table03", &all.lines, false);
        table("table05", &plan.general.lines, true);
        table("table08", &plan.government_fund.lines, false);
        table("table09", &plan.state_capital.lines, false);
        if layout.set == TableSet::Beijing {
            table(
                "bj_general_public_income_expenditure",
                &plan.general.lines,
                false,
            );
        }
        for l in all.categories() {
            expected.insert(
                key("table01", &l.code),
                [
                    yuan(l.actual),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            );
        }
        let mut economic_table = |source: &str, rows: &[(String, String, i64)]| {
            for (code, _, amount) in rows {
                if *amount != 0 || layout.prints_zero() {
                    economic.insert(key(source, code), yuan(*amount));
                }
            }
        };
        economic_table("table06", &plan.basic_by_economic);
        if layout.set == TableSet::Beijing {
            economic_table("bj_government_fund_basic", &plan.fund_basic_by_economic);
        }
        let mut unit = |metric: &'static str, v: i64| {
            units.insert((unit_id.clone(), year.to_string(), metric), z(v));
        };
        let [general, fund, state] = plan.funds().map(|f| f.total(|l| l.actual));
        let total = all.total(|l| l.actual);
        unit("income_total", total);
        unit("income_fiscal", total);
        unit("income_superior", 0);
        unit("income_other", 0);
        unit("income_general_public", general);
        unit("income_government_fund", fund);
        unit("income_state_capital", state);
        unit("carryover_end", 0);
        unit("expenditure_total", total);
        unit("basic", all.total(|l| l.basic));
        unit("project", all.total(|l| l.project));
        unit("expenditure_general_public", general);
        unit("expenditure_government_fund", fund);
        unit("expenditure_state_capital", state);
        let t = plan.three_public;
        for (item, (budget, actual)) in [
            ("three_public", t.total()),
            ("overseas", t.overseas),
            ("vehicles", t.vehicles()),
            ("vehicle_purchase", t.vehicle_purchase),
            ("vehicle_operation", t.vehicle_operation),
            ("reception", t.reception),
        ] {
            let name = |side: &str| -> &'static str {
                Box::leak(format!("{item}_{side}").into_boxed_str())
            };
            unit(name("budget"), budget);
            unit(name("actual"), actual);
        }
        if layout.set == TableSet::Beijing {
            let p = plan.procurement;
            unit("procurement_total", p.total());
            unit("procurement_goods", p.actual[0]);
            unit("procurement_works", p.actual[1]);
            unit("procurement_services", p.actual[2]);
            unit("procurement_sme", p.sme);
            unit("procurement_small_micro", p.small_micro);
            unit(
                "purchased_services",
                plan.purchased_services.iter().map(|s| s.amount).sum(),
            );
        }
    }
    assert_eq!(
        knobs.len(),
        Layout::KNOB_VALUES,
        "the corpus uses every value of every layout knob: {knobs:?}"
    );

    let mut got: BTreeMap<Key, [String; 5]> = BTreeMap::new();
    for r in expenditure()
        .into_iter()
        .filter(|r| r["source"] != "report")
    {
        let key = (
            r["unit_id"].clone(),
            r["year"].clone(),
            r["source"].clone(),
            r["code"].clone(),
        );
        let value = [
            r["actual"].clone(),
            r["basic"].clone(),
            r["project"].clone(),
            r["budget_initial"].clone(),
            r["budget_final"].clone(),
        ];
        assert!(
            got.insert(key.clone(), value).is_none(),
            "{key:?} came back twice"
        );
    }
    assert_same(&expected, &got, "expenditure");

    let mut got_economic: BTreeMap<Key, String> = BTreeMap::new();
    for r in read_dataset(&sample_run().warehouse().join("economic_expenditure")) {
        let key = (
            r["unit_id"].clone(),
            r["year"].clone(),
            r["source"].clone(),
            r["code"].clone(),
        );
        assert!(
            got_economic
                .insert(key.clone(), r["actual"].clone())
                .is_none(),
            "{key:?} came back twice"
        );
    }
    assert_same(&economic, &got_economic, "economic_expenditure");

    let unit_rows = read_dataset(&sample_run().warehouse().join("units"));
    let mut got_units = BTreeMap::new();
    for (unit_id, year, metric) in units.keys() {
        let row = one(&unit_rows, &[("unit_id", unit_id), ("year", year)]);
        got_units.insert(
            (unit_id.clone(), year.clone(), *metric),
            row[*metric].clone(),
        );
    }
    assert_same(&units, &got_units, "units");
}

/// Both maps hold the same keys (recall and precision) and the same values.
fn assert_same<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    expected: &BTreeMap<K, V>,
    got: &BTreeMap<K, V>,
    what: &str,
) {
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(3)
        .collect();
    let extra: Vec<_> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: recall: missing {missing:?}; precision: extra {extra:?}"
    );
    let wrong: Vec<_> = expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(*v))
        .map(|(k, v)| (k, v, got.get(k)))
        .take(5)
        .collect();
    assert!(wrong.is_empty(), "{what}: (key, expected, got): {wrong:?}");
    assert!(expected.len() > 100, "{what}: {} figures", expected.len());
}

/// Every code of the sample warehouse is in the catalogue: no `unknown` row in
/// `expenditure` or `economic_expenditure`, and no `classify.unknown_code` finding.
#[test]
fn the_sample_warehouse_has_no_unknown_codes() {
    let wh = sample_run().warehouse();
    for dataset in ["expenditure", "economic_expenditure"] {
        let rows = read_dataset(&wh.join(dataset));
        assert!(rows.len() > 500, "{dataset}: {} rows", rows.len());
        let statuses: std::collections::BTreeSet<&str> = rows
            .iter()
            .map(|r| r["classification_status"].as_str())
            .collect();
        assert!(!statuses.contains("unknown"), "{dataset}: {statuses:?}");
        assert!(statuses.contains("exact"), "{dataset}: {statuses:?}");
    }
    let findings = read_dataset(&wh.join("findings"));
    assert!(findings
        .iter()
        .all(|f| f["rule_id"] != "classify.unknown_code"));
}

/// Every dataset of the sample warehouse as text, compared with `tests/golden/sample/`
/// (one file per dataset): the data a refactor must leave byte-identical. Regenerate with
/// `JUESUAN_BLESS=1 cargo test golden` and review the diff.
#[test]
fn golden_every_dataset_of_the_sample_warehouse() {
    let wh = sample_run().warehouse();
    let dir = repo().join("tests/golden/sample");
    let bless = std::env::var_os("JUESUAN_BLESS").is_some();
    let mut datasets: Vec<String> = std::fs::read_dir(&wh)
        .expect("warehouse")
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    datasets.sort();
    assert_eq!(
        datasets,
        [
            "economic_expenditure",
            "execution",
            "expenditure",
            "findings",
            "performance_projects",
            "rejects",
            "units"
        ]
    );
    let mut differ = Vec::new();
    for dataset in &datasets {
        let dump = dump_dataset(&wh.join(dataset));
        assert!(dump.lines().count() > 2, "{dataset} has no file");
        let path = dir.join(format!("{dataset}.tsv"));
        if bless {
            std::fs::create_dir_all(&dir).expect("golden dir");
            std::fs::write(&path, &dump).expect("write golden");
        }
        let golden = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (JUESUAN_BLESS=1 to create)", path.display()));
        if golden != dump {
            differ.push(dataset.clone());
        }
    }
    assert!(
        differ.is_empty(),
        "{differ:?} differ from tests/golden/sample/; rerun with JUESUAN_BLESS=1 and review the diff"
    );
}
