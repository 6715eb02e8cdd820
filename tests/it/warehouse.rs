//! The warehouse under a scheduler: every dataset written, incremental and idempotent runs,
//! one run at a time, and kill -9 at each step of the commit.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::*;

use juesuan::load::dataset::Dataset;

/// Every dataset's folder name.
const DATASETS: [&str; 7] = [
    "expenditure",
    "execution",
    "units",
    "economic_expenditure",
    "performance_projects",
    "findings",
    "rejects",
];

#[test]
fn the_datasets_registry_is_what_the_warehouse_holds() {
    assert_eq!(Dataset::ALL.map(Dataset::name), DATASETS);
}

/// Every dataset of a warehouse as rows.
pub(crate) fn dump(warehouse: &Path) -> BTreeMap<&'static str, Vec<Row>> {
    DATASETS
        .iter()
        .map(|d| (*d, read_dataset(&warehouse.join(d))))
        .collect()
}

/// A private copy of the sample corpus that tests may change.
pub(crate) fn corpus_copy(dir: &Path) -> PathBuf {
    let input = dir.join("raw");
    copy_dir(&repo().join("data/raw"), &input);
    input
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub(crate) fn run(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().expect("utf-8"),
        "--output",
        output.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    juesuan(&args)
}

/// Replaces 西长安街 2023 with the workbook a different seed writes: same path, new figures.
pub(crate) fn change_one_input(input: &Path, dir: &Path) -> PathBuf {
    let other = dir.join("other-seed");
    let o = juesuan(&[
        "synth",
        "--units",
        "1",
        "--years",
        "2023",
        "--seed",
        "99",
        "--out",
        other.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let relative = "2023/西城区/西长安街街道办事处/2023年度西长安街街道办事处部门决算公开报表.xlsx";
    std::fs::copy(other.join(relative), input.join(relative)).expect("replace input");
    input.join(relative)
}

fn files_with_bytes(warehouse: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for d in DATASETS {
        for year in ["2022", "2023"] {
            let p = warehouse
                .join(d)
                .join(format!("year={year}/110102.parquet"));
            if let Ok(bytes) = std::fs::read(&p) {
                out.insert(format!("{d}/{year}"), bytes);
            }
        }
    }
    out
}

#[test]
fn every_dataset_has_a_file_with_its_schema_in_every_partition() {
    let wh = sample_run().warehouse();
    for d in DATASETS {
        for year in ["2022", "2023"] {
            assert!(
                wh.join(d)
                    .join(format!("year={year}/110102.parquet"))
                    .is_file(),
                "{d} {year}"
            );
        }
    }
    let all = dump(&wh);
    assert_eq!(all["units"].len(), 30, "one units row per unit and year");
    assert_eq!(
        all["performance_projects"].len(),
        1,
        "the report's project table"
    );
    let schema = stdout(&juesuan(&["schema"]));
    let committed = std::fs::read_to_string(repo().join("data/SCHEMA.md")).expect("data/SCHEMA.md");
    assert_eq!(
        schema.trim_end(),
        committed.trim_end(),
        "data/SCHEMA.md is `juesuan schema` output; regenerate it"
    );
    for d in DATASETS {
        assert!(schema.contains(&format!("## `{d}`")), "{d} documented");
    }
}

#[test]
fn a_no_change_run_writes_nothing_and_a_changed_input_rewrites_only_its_partition() {
    let dir = tempfile::tempdir().expect("temp");
    let input = corpus_copy(dir.path());
    let wh = dir.path().join("wh");
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    let before = files_with_bytes(&wh);
    let manifest_before = std::fs::read(wh.join("_manifest.json")).expect("manifest");
    let full = dump(&wh);

    let again = run(&input, &wh, &[]);
    assert_eq!(again.status.code(), Some(0), "the report is still rejected");
    assert!(
        stdout(&again).contains("nothing changed"),
        "{}",
        stdout(&again)
    );
    assert_eq!(files_with_bytes(&wh), before);
    assert_eq!(
        std::fs::read(wh.join("_manifest.json")).expect("manifest"),
        manifest_before
    );

    change_one_input(&input, dir.path());
    let o = run(&input, &wh, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "read 1, unchanged {}, deleted 0",
            corpus_inputs() - 1
        )),
        "{}",
        stdout(&o)
    );
    let after = files_with_bytes(&wh);
    for d in DATASETS {
        assert_eq!(
            after[&format!("{d}/2022")],
            before[&format!("{d}/2022")],
            "{d} 2022 must not be rewritten"
        );
    }
    assert_ne!(after["expenditure/2023"], before["expenditure/2023"]);
    let incremental = dump(&wh);
    let changed = |rows: &[Row]| {
        rows.iter()
            .filter(|r| {
                r.get("unit_id").map(String::as_str) == Some("110102-xichanganjie")
                    && r["year"] == "2023"
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_ne!(
        changed(&incremental["expenditure"]),
        changed(&full["expenditure"])
    );
    let others = |rows: &[Row]| {
        rows.iter()
            .filter(|r| r.get("unit_id").map(String::as_str) != Some("110102-xichanganjie"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        others(&incremental["expenditure"]),
        others(&full["expenditure"])
    );

    // The incremental result equals a full rebuild of the same inputs.
    let rebuilt = dir.path().join("rebuilt");
    assert_eq!(run(&input, &rebuilt, &["--full"]).status.code(), Some(0));
    assert_eq!(dump(&rebuilt), incremental);
}

#[test]
fn a_deleted_input_takes_its_rows_and_empty_partitions_with_it() {
    let dir = tempfile::tempdir().expect("temp");
    let input = corpus_copy(dir.path());
    let wh = dir.path().join("wh");
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    // Every workbook of 月坛 2023 (one file, or one per table in some layouts).
    let folder = input.join("2023/西城区/月坛街道办事处");
    let mut deleted = 0;
    for entry in std::fs::read_dir(&folder).expect("folder").flatten() {
        if entry.path().extension().is_some_and(|e| e == "xlsx") {
            std::fs::remove_file(entry.path()).expect("rm");
            deleted += 1;
        }
    }
    assert!(deleted >= 1);
    let o = run(&input, &wh, &[]);
    assert!(
        stdout(&o).contains(&format!("deleted {deleted}")),
        "{}",
        stdout(&o)
    );
    let rows = read_dataset(&wh.join("expenditure"));
    assert!(find(&rows, &[("unit_id", "110102-yuetan"), ("year", "2023")]).is_empty());
    assert!(!find(&rows, &[("unit_id", "110102-yuetan"), ("year", "2022")]).is_empty());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wh.join("_manifest.json")).expect("m"))
            .expect("json");
    assert_eq!(
        manifest["inputs"].as_array().expect("inputs").len(),
        corpus_inputs() - deleted
    );
    assert_eq!(manifest["datasets"]["expenditure"]["rows"], rows.len());

    std::fs::remove_dir_all(input.join("2022")).expect("rm 2022");
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    for d in DATASETS {
        assert!(
            !wh.join(d).join("year=2022/110102.parquet").exists(),
            "{d} 2022 removed"
        );
        assert!(
            wh.join(d).join("year=2023/110102.parquet").exists(),
            "{d} 2023 kept"
        );
    }
}

#[test]
fn the_data_is_the_same_whatever_the_number_of_threads() {
    let dir = tempfile::tempdir().expect("temp");
    let raw = repo().join("data/raw");
    let (one, four) = (dir.path().join("j1"), dir.path().join("j4"));
    assert_eq!(run(&raw, &one, &["--jobs", "1"]).status.code(), Some(0));
    assert_eq!(run(&raw, &four, &["--jobs", "4"]).status.code(), Some(0));
    assert_eq!(dump(&one), dump(&four));
    assert_eq!(dump(&one), dump(&sample_run().warehouse()));
}

/// Starts a run that stops at `point`, and returns it once it says so.
fn start_paused(input: &Path, wh: &Path, point: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args([
            "run",
            "--input",
            input.to_str().expect("utf-8"),
            "--output",
            wh.to_str().expect("utf-8"),
        ])
        .env("JUESUAN_TEST_PAUSE_AT", point)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let marker = format!("juesuan: paused at {point}");
    loop {
        match lines.next() {
            Some(Ok(line)) if line == marker => break,
            Some(Ok(_)) => continue,
            _ => {
                let status = child.wait().expect("wait");
                panic!("the run ended ({status}) before reaching {point}");
            }
        }
    }
    child
}

/// kill -9 at every step of a run. Before the new version is published the warehouse is
/// exactly the old one; after, exactly the new one; never a mix, and `_SUCCESS` is always
/// there. The next run succeeds and gives the new warehouse.
#[test]
fn kill_9_at_any_point_leaves_the_old_or_the_new_warehouse_and_the_next_run_completes() {
    let dir = tempfile::tempdir().expect("temp");
    let old_input = corpus_copy(dir.path());
    let new_input = dir.path().join("raw-new");
    copy_dir(&old_input, &new_input);
    change_one_input(&new_input, dir.path());
    let reference = |name: &str, input: &Path| {
        let wh = dir.path().join(name);
        assert_eq!(run(input, &wh, &[]).status.code(), Some(0));
        dump(&wh)
    };
    let (old, new) = (reference("old", &old_input), reference("new", &new_input));
    assert_ne!(old, new);

    for point in ["extracted", "staged", "before-swap", "swapped"] {
        let wh = dir.path().join(format!("wh-{point}"));
        assert_eq!(run(&old_input, &wh, &[]).status.code(), Some(0));
        let mut child = start_paused(&new_input, &wh, point);
        child.kill().expect("kill -9");
        child.wait().expect("reap");

        let now = dump(&wh);
        let expected = if point == "swapped" { &new } else { &old };
        assert!(
            now == *expected,
            "{point}: the warehouse must be exactly the {} one",
            if point == "swapped" { "new" } else { "old" }
        );
        assert!(
            wh.join("_SUCCESS").is_file() && wh.join("_manifest.json").is_file(),
            "{point}: the visible version is complete"
        );

        let o = run(&new_input, &wh, &[]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{point}: next run: {}",
            stderr(&o)
        );
        assert_eq!(
            dump(&wh),
            new,
            "{point}: the next run gives the new warehouse"
        );
        let versions = std::fs::read_dir(dir.path().join(format!(".wh-{point}.juesuan/versions")))
            .expect("versions")
            .count();
        assert!(
            versions <= 2,
            "{point}: unfinished versions are cleaned up ({versions} left)"
        );
    }
}

#[test]
fn a_reader_inside_the_previous_version_keeps_it_and_files_are_shared_not_copied() {
    let dir = tempfile::tempdir().expect("temp");
    let input = corpus_copy(dir.path());
    let wh = dir.path().join("wh");
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    let first = std::fs::canonicalize(&wh).expect("version");
    change_one_input(&input, dir.path());
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    let second = std::fs::canonicalize(&wh).expect("version");
    assert_ne!(first, second, "a commit publishes a new version");
    assert!(
        first.join("_SUCCESS").is_file(),
        "the previous version stays for readers still in it"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let a = std::fs::metadata(first.join("expenditure/year=2022/110102.parquet"))
            .expect("old 2022");
        let b = std::fs::metadata(second.join("expenditure/year=2022/110102.parquet"))
            .expect("new 2022");
        assert_eq!(
            a.ino(),
            b.ino(),
            "an untouched partition is a hard link, not a copy"
        );
    }
    // An output that exists and is not a warehouse is refused, untouched.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("notes.txt"), "mine").expect("write");
    let o = run(&input, &foreign, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a juesuan warehouse"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn a_second_run_is_refused_while_one_holds_the_lock_and_a_dead_runs_lock_is_taken_over() {
    let dir = tempfile::tempdir().expect("temp");
    let input = corpus_copy(dir.path());
    let wh = dir.path().join("wh");
    assert_eq!(run(&input, &wh, &[]).status.code(), Some(0));
    change_one_input(&input, dir.path());
    let before = dump(&wh);

    let mut first = start_paused(&input, &wh, "extracted");
    let second = run(&input, &wh, &[]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("holds the lock"),
        "{}",
        stderr(&second)
    );
    assert_eq!(dump(&wh), before, "the refused run touched nothing");

    first.kill().expect("kill -9");
    first.wait().expect("reap");
    let third = run(&input, &wh, &[]);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert!(
        stderr(&third).contains("taking over the lock"),
        "{}",
        stderr(&third)
    );
}

/// Sets every file under `dir` to have been modified an hour ago: settled files, whose size
/// and time a later run may trust instead of reading them again.
fn settle(dir: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            settle(&path);
        } else {
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open for times");
            file.set_modified(past).expect("set mtime");
        }
    }
}

/// The parse is what the cache keeps; everything after it is derived again. Editing the
/// check policy or the catalogue re-derives every record from the cache and opens no
/// input, and the result is what a fresh run with the edited configuration gives.
#[test]
fn editing_a_severity_or_an_alias_re_derives_without_opening_an_input() {
    let dir = tempfile::tempdir().expect("temp");
    let input = corpus_copy(dir.path());
    settle(&input);
    let conf = dir.path().join("conf");
    let o = juesuan(&["config", "init", conf.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let toml = conf.join("juesuan.toml");
    let with_config = ["--config", toml.to_str().expect("utf-8")];
    let wh = dir.path().join("wh");
    let first = run(&input, &wh, &with_config);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let n = corpus_inputs();
    assert!(
        stdout(&first).contains(&format!("opened {n} ")),
        "{}",
        stdout(&first)
    );
    let before = dump(&wh);
    let shares = |d: &BTreeMap<&str, Vec<Row>>| {
        d["findings"]
            .iter()
            .filter(|f| f["rule_id"] == "report.share")
            .count()
    };
    assert!(shares(&before) >= 5, "the sample's share findings");

    // A severity: report.share off.
    let mut text = std::fs::read_to_string(&toml).expect("toml");
    assert!(text.contains("[reconcile.severity]"));
    text.push_str("\n\"report.share\" = \"off\"\n");
    std::fs::write(&toml, text).expect("write toml");
    let o = run(&input, &wh, &with_config);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("opened 0 "), "{}", stdout(&o));
    let after = dump(&wh);
    assert_eq!(shares(&after), 0);
    assert_eq!(
        after["findings"].len(),
        before["findings"].len() - shares(&before)
    );
    for d in DATASETS.iter().filter(|d| **d != "findings") {
        assert_eq!(after[d], before[d], "{d} is unchanged by a severity");
    }

    // An alias: 221 gets a new name, and the name the documents print becomes a variant
    // of it. Every 221 row is re-derived: the new name, classified as a name variant.
    let functions = conf.join("classification/functions.csv");
    let csv = std::fs::read_to_string(&functions).expect("functions.csv");
    let renamed = csv.replace("221,类,,住房保障支出,", "221,类,,住房保障与安居工程支出,");
    assert_ne!(csv, renamed);
    std::fs::write(&functions, renamed).expect("write functions.csv");
    let aliases = conf.join("classification/aliases.csv");
    let mut a = std::fs::read_to_string(&aliases).expect("aliases.csv");
    a.push_str("221,住房保障支出,variant,,,observed,a test of re-derivation\n");
    std::fs::write(&aliases, a).expect("write aliases.csv");
    let o = run(&input, &wh, &with_config);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("opened 0 "), "{}", stdout(&o));
    let derived = dump(&wh);
    let rows_221: Vec<&Row> = derived["expenditure"]
        .iter()
        .filter(|r| r["code"] == "221")
        .collect();
    assert!(rows_221.len() > 50, "{}", rows_221.len());
    for r in &rows_221 {
        assert_eq!(r["name"], "住房保障与安居工程支出");
        assert_eq!(r["name_printed"], "住房保障支出");
        // The printed name is no longer the catalogue's: a row printing the code is a
        // name variant now (rows resolved by name or crosswalked stay so).
        assert_ne!(r["classification_status"], "exact");
    }
    assert!(
        rows_221
            .iter()
            .filter(|r| r["classification_status"] == "name_variant")
            .count()
            > 50,
        "{:?}",
        rows_221
            .iter()
            .map(|r| r["classification_status"].as_str())
            .collect::<std::collections::BTreeSet<_>>()
    );
    assert_eq!(derived["expenditure"].len(), before["expenditure"].len());

    // What a fresh run with the edited configuration gives, reading every input.
    let fresh = dir.path().join("fresh");
    let o = run(&input, &fresh, &with_config);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("opened {n} ")),
        "{}",
        stdout(&o)
    );
    assert_eq!(dump(&fresh), derived);
}
