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
    assert!(out.contains("inputs: 32 files, 0 problems"), "{out}");
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
