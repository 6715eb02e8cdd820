//! The release profile builds the code the batch never runs for compiling speed
//! (Cargo.toml, `[profile.release.package.*]`). These tests hold that list away from what
//! the batch runs: a crate that reads, hashes, checks or writes must stay at opt-level 3.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::repo;

fn toml_file(name: &str) -> toml::Table {
    let text = std::fs::read_to_string(repo().join(name)).expect(name);
    text.parse().expect(name)
}

/// Package → opt-level of `[profile.release.package.*]`.
fn lowered() -> BTreeMap<String, i64> {
    let manifest = toml_file("Cargo.toml");
    let packages = manifest["profile"]["release"]["package"]
        .as_table()
        .expect("[profile.release.package]");
    packages
        .iter()
        .map(|(name, settings)| {
            let level = settings["opt-level"].as_integer().expect("opt-level");
            (name.clone(), level)
        })
        .collect()
}

/// Cargo.lock's packages: name → the names of their dependencies.
fn lock() -> BTreeMap<String, BTreeSet<String>> {
    let lock = toml_file("Cargo.lock");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in lock["package"].as_array().expect("[[package]]") {
        let name = package["name"].as_str().expect("name").to_string();
        let deps = graph.entry(name).or_default();
        for dep in package
            .get("dependencies")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
        {
            let dep = dep.as_str().expect("dependency");
            // "name" or "name version" when two versions are locked.
            deps.insert(dep.split(' ').next().unwrap_or(dep).to_string());
        }
    }
    graph
}

/// What a batch over workbooks and PDFs runs for every input: reading (zip, inflate, XML,
/// cells, PDF text and fonts), hashing, money, the checks' patterns, the cache and spill,
/// and writing (Arrow, Parquet, zstd), on the binary's allocator and thread pool.
const BATCH: &[&str] = &[
    "calamine",
    "zip",
    "zlib-rs",
    "flate2",
    "miniz_oxide",
    "quick-xml",
    "memchr",
    "encoding_rs",
    "sha2",
    "rust_decimal",
    "regex",
    "regex-automata",
    "aho-corasick",
    "foldhash",
    "hashbrown",
    "postcard",
    "serde",
    "crc32fast",
    "ryu",
    "csv",
    "pdf_oxide",
    "ttf-parser",
    "arrow-array",
    "arrow-buffer",
    "arrow-data",
    "arrow-schema",
    "arrow-select",
    "parquet",
    "zstd",
    "zstd-safe",
    "zstd-sys",
    "mimalloc",
    "libmimalloc-sys",
    "rayon",
    "rayon-core",
    "tracing",
    "tracing-subscriber",
];

#[test]
fn no_crate_the_batch_runs_is_built_below_full_optimisation() {
    let lowered = lowered();
    assert!(
        lowered.contains_key("polars-core") && lowered.contains_key("office_oxide"),
        "the release profile's list is not where this test reads it: {lowered:?}"
    );
    for (name, level) in &lowered {
        assert!(
            (0..=1).contains(level),
            "{name}: opt-level {level} (0 or 1 expected)"
        );
        assert!(
            !BATCH.contains(&name.as_str()),
            "{name} runs in every batch and is built at opt-level {level}"
        );
    }
}

#[test]
fn every_lowered_crate_is_locked_and_none_is_a_dependency_of_the_workbook_path() {
    let graph = lock();
    let lowered = lowered();
    for name in lowered.keys() {
        // A crate renamed or dropped would leave a setting that lowers nothing.
        assert!(graph.contains_key(name), "{name} is not in Cargo.lock");
    }
    // Everything the workbook path and the writer reach (pdf_oxide is left out: it depends
    // on its own office conversion and font writer, which juesuan never calls).
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = BATCH
        .iter()
        .filter(|n| **n != "pdf_oxide")
        .map(|n| n.to_string())
        .collect();
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            todo.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    for name in BATCH {
        assert!(graph.contains_key(*name), "{name} is not in Cargo.lock");
    }
    for name in lowered.keys() {
        assert!(
            !reached.contains(name),
            "{name} is built at opt-level {} and the workbook path depends on it",
            lowered[name]
        );
    }
}
