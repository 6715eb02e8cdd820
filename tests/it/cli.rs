//! Exit codes and the read-only commands.

use crate::common::*;

#[test]
fn a_missing_config_is_fatal_and_leaves_the_warehouse_alone() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("wh");
    let o = juesuan(&[
        "run",
        "--config",
        "/nonexistent/juesuan.toml",
        "--output",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/juesuan.toml"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn an_unknown_config_key_is_reported() {
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("juesuan.toml");
    let repo = repo();
    std::fs::write(
        &config,
        format!(
            "inputs = [\"{}\"]\nwarehouse = \"wh\"\ncatalog = \"{}\"\nunits = \"{}\"\nthreads = 4\n",
            repo.join("data/raw").display(),
            repo.join("config/classification").display(),
            repo.join("config/units.toml").display()
        ),
    )
    .expect("write");
    let o = juesuan(&["validate", "--config", config.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown field `threads`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn validate_lists_the_inputs_it_cannot_use_and_writes_nothing() {
    let o = juesuan(&["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let n = corpus_inputs();
    assert!(n > 32, "{n}");
    assert!(
        out.contains(&format!("inputs: {n} files, 0 problems")),
        "{out}"
    );
}

#[test]
fn catalog_lookup_and_check() {
    let o = juesuan(&["catalog", "lookup", "204-06-01", "--year", "2024"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("204 公共安全支出")
            && out.contains("20406 司法")
            && out.contains("2040601 行政运行"),
        "{out}"
    );
    let old = stdout(&juesuan(&["catalog", "lookup", "207", "--year", "2018"]));
    assert!(
        old.contains("207 文化体育与传媒支出") && old.contains("文化旅游体育与传媒支出"),
        "{old}"
    );
    assert_eq!(
        juesuan(&["catalog", "lookup", "2999999"]).status.code(),
        Some(1)
    );
    // By a printed name: an economic code through its alias, a 款 through its former name.
    let repair = stdout(&juesuan(&["catalog", "lookup", "维修费"]));
    assert!(
        repair.contains("30213 维修（护）费  [经济分类 款]  (printed as \"维修费\": variant)"),
        "{repair}"
    );
    let former = stdout(&juesuan(&["catalog", "lookup", "行政事业单位离退休"]));
    assert!(
        former.contains(
            "20805 行政事业单位养老支出  [款]  (printed as \"行政事业单位离退休\": former)"
        ),
        "{former}"
    );
    // A renumbered code shows the code that replaced it.
    let moved = stdout(&juesuan(&[
        "catalog", "lookup", "2100501", "--year", "2023",
    ]));
    assert!(
        moved.contains("2100501 was renumbered into 2101101 in 2019")
            && moved.contains("2101101 行政单位医疗"),
        "{moved}"
    );
    let check = juesuan(&["catalog", "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(stdout(&check).contains(": 0 problems"));
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("wh");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args([
            "run",
            "--log-format",
            "json",
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .current_dir(repo())
        .env("RUST_LOG", "info")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<&str> = std::str::from_utf8(&o.stderr)
        .expect("utf-8")
        .lines()
        .collect();
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    assert!(lines
        .iter()
        .any(|l| l.contains("run started") && l.contains("run_id")));
}

/// A broken copy of the catalogue: `catalog check` lists every problem, not just the first.
#[test]
fn catalog_check_lists_every_problem_of_a_broken_copy() {
    let dir = tempfile::tempdir().expect("temp");
    let cat = dir.path().join("classification");
    std::fs::create_dir_all(&cat).expect("mkdir");
    for f in [
        "functions.csv",
        "aliases.csv",
        "crosswalk.csv",
        "cofog.csv",
        "economic.csv",
    ] {
        std::fs::copy(repo().join("config/classification").join(f), cat.join(f)).expect("copy");
    }
    let append = |file: &str, text: &str| {
        let mut body = std::fs::read_to_string(cat.join(file)).expect("read");
        body.push_str(text);
        std::fs::write(cat.join(file), body).expect("write");
    };
    append("functions.csv", "2089801,项,20898,孤儿项,,,observed,test\n201,类,,一般公共服务,,,observed,test\n20598,款,205,某款,,,rumour,test\n");
    append("aliases.csv", "20999,没有的科目,variant,,,observed,test\n");
    append("cofog.csv", "299,03,proposed,test\n");
    append("economic.csv", "30298,款,399,错挂的款,,,observed,test\n");
    append(
        "crosswalk.csv",
        "2101101,2999999,2019,renamed,observed,test\n",
    );
    let config = dir.path().join("juesuan.toml");
    std::fs::write(
        &config,
        format!(
            "inputs = [\"{}\"]\nwarehouse = \"wh\"\ncatalog = \"classification\"\nunits = \"{}\"\n",
            repo().join("data/raw").display(),
            repo().join("config/units.toml").display()
        ),
    )
    .expect("config");
    let o = juesuan(&[
        "catalog",
        "check",
        "--config",
        config.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for problem in [
        "2089801: parent 20898 is not in the catalogue",
        "201: periods of \"一般公共服务支出\" and \"一般公共服务\" overlap",
        "20598: evidence \"rumour\"",
        "aliases.csv: alias of 20999, which is not in functions.csv",
        "cofog.csv: 299 is not a 类 of functions.csv",
        "crosswalk.csv: 2101101 → 2999999 (2019): kind \"renamed\" is not one of",
        "crosswalk.csv: 2101101 → 2999999 (2019): 2101101 is still valid in 2019",
        "crosswalk.csv: 2101101 → 2999999 (2019): 2999999 is not in functions.csv for 2019",
        "economic.csv: 30298: parent \"399\", expected \"302\"",
    ] {
        assert!(out.contains(problem), "missing {problem:?} in:\n{out}");
    }
    assert!(out.contains(": 9 problems"), "{out}");
    // The broken catalogue also stops a run before anything is written.
    let run = juesuan(&["run", "--config", config.to_str().expect("utf-8")]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!dir.path().join("wh").exists());
}

#[test]
fn catalog_export_as_csv_and_json() {
    let csv = stdout(&juesuan(&["catalog", "export", "--year", "2023"]));
    assert!(csv.starts_with("code,level,parent,name,cofog,evidence,source\n"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2010301,项,20103,行政运行,01,observed,")),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_slice(
        &juesuan(&["catalog", "export", "--format", "json", "--year", "2018"]).stdout,
    )
    .expect("json");
    let r207 = json
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["code"] == "207")
        .expect("207");
    assert_eq!(
        (r207["name"].as_str(), r207["cofog"].as_str()),
        (Some("文化体育与传媒支出"), Some("08"))
    );
}
