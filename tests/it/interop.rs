//! The warehouse opened by the readers analysts use: pyarrow, pandas, polars and DuckDB
//! (tests/interop/check_warehouse.py). CI installs them; locally the test is skipped with a
//! message when they are missing, and fails when CI=true.

use std::process::Command;

use crate::common::*;

#[test]
fn python_readers_open_every_dataset_with_exact_types() {
    let probe = Command::new("python3")
        .args(["-c", "import pyarrow, pandas, polars, duckdb"])
        .output();
    let available = probe.as_ref().is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pyarrow, pandas, polars and duckdb (.ci/run)"
        );
        eprintln!("skipped: python3 with pyarrow, pandas, polars and duckdb is not installed");
        return;
    }
    let warehouse = sample_run().warehouse();
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/check_warehouse.py"))
        .arg(&warehouse)
        .arg(repo().join("data/SCHEMA.md"))
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stdout(&o).contains("all readers agree"), "{}", stdout(&o));
}
