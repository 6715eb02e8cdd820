//! Running at scale: sharded runs and `commit` (on disk and on S3), the warehouse on object
//! storage against a real S3 server (moto, started here on 127.0.0.1), read back by pyarrow,
//! and the local warehouse read by Spark. CI installs moto, pyarrow and pyspark; locally the
//! tests that need them are skipped with a message, and fail when CI=true.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::common::*;
use crate::warehouse::{change_one_input, copy_dir, corpus_copy, dump};

/// The sample corpus plus the two real 普陀区 PDFs: two districts (110102 and 310107), which
/// land on different shards of three (and leave one shard with nothing to do).
fn two_district_corpus(dir: &Path) -> PathBuf {
    let input = corpus_copy(dir);
    let pdfs = input.join("上海市普陀区");
    std::fs::create_dir_all(&pdfs).expect("mkdir");
    for name in [
        "putuo_caizhengju_2024.pdf",
        "putuo_shehuigongzuobu_2024.pdf",
    ] {
        std::fs::copy(
            repo().join("../shared/reference/pdf").join(name),
            pdfs.join(name),
        )
        .expect("copy pdf");
    }
    input
}

fn juesuan_env(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juesuan"));
    cmd.args(args).env("RUST_LOG", "error");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("juesuan runs")
}

fn run_to(input: &Path, output: &str, extra: &[&str], env: &[(&str, String)]) -> Output {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().expect("utf-8"),
        "--output",
        output,
    ];
    args.extend_from_slice(extra);
    juesuan_env(&args, env)
}

fn ok(o: &Output, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}:\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Shards 0, 1 and 2 of 3 and `commit` give exactly the data (rows and their order) of one
/// unsharded run; a commit with a shard missing is refused and publishes nothing; a second
/// sharded run with nothing changed commits the same data again.
#[test]
fn three_shards_and_commit_equal_one_unsharded_run_on_disk() {
    let dir = tempfile::tempdir().expect("temp");
    let input = two_district_corpus(dir.path());
    let one = dir.path().join("one");
    ok(
        &run_to(&input, one.to_str().expect("utf-8"), &[], &[]),
        "unsharded",
    );
    let reference = dump(&one);
    assert!(reference["expenditure"]
        .iter()
        .any(|r| r["district_code"] == "310107"));
    assert!(reference["expenditure"]
        .iter()
        .any(|r| r["district_code"] == "110102"));

    let sharded = dir.path().join("sharded");
    let out = sharded.to_str().expect("utf-8");
    let mut rewritten = Vec::new();
    for shard in ["0/3", "2/3"] {
        let o = run_to(&input, out, &["--shard", shard], &[]);
        ok(&o, shard);
        assert!(stdout(&o).contains("not published"), "{}", stdout(&o));
        rewritten.push(stdout(&o));
    }
    // Nothing is published before the commit.
    assert!(!sharded.join("expenditure").exists());
    let o = juesuan(&[
        "commit",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("missing 1/3"), "{}", stderr(&o));
    assert!(!sharded.join("expenditure").exists());

    let o = run_to(&input, out, &["--shard", "1/3"], &[]);
    ok(&o, "1/3");
    assert!(
        stdout(&o).contains("0 partitions rewritten"),
        "{}",
        stdout(&o)
    );
    // Each district's shard did its partitions: 310107 (2024) on shard 0, 110102 on shard 2.
    assert!(
        rewritten[0].contains("1 partitions rewritten"),
        "{}",
        rewritten[0]
    );
    assert!(
        rewritten[1].contains("2 partitions rewritten"),
        "{}",
        rewritten[1]
    );
    let o = juesuan(&[
        "commit",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out,
    ]);
    ok(&o, "commit");
    assert!(stdout(&o).contains("committed 3 shards"), "{}", stdout(&o));
    assert!(
        dump(&sharded) == reference,
        "sharded data differs from the unsharded run"
    );

    // The sharded warehouse's state is whole: an unsharded run over it changes nothing.
    let o = run_to(&input, out, &[], &[]);
    ok(&o, "unsharded rerun");
    assert!(stdout(&o).contains("nothing changed"), "{}", stdout(&o));

    // Next night, one input changed: the shards redo only their own, commit publishes.
    change_one_input(&input, dir.path());
    ok(
        &run_to(&input, one.to_str().unwrap(), &[], &[]),
        "unsharded 2",
    );
    for shard in ["0/3", "1/3", "2/3"] {
        ok(&run_to(&input, out, &["--shard", shard], &[]), shard);
    }
    ok(
        &juesuan(&[
            "commit",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out,
        ]),
        "commit 2",
    );
    assert!(dump(&sharded) == dump(&one));
}

#[test]
fn a_shard_argument_must_be_i_of_n() {
    for bad in ["3/3", "1", "a/2", "0/0"] {
        let o = juesuan(&["run", "--shard", bad, "--output", "/nonexistent/x"]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("--shard"), "{bad}: {}", stderr(&o));
    }
}

/// A moto S3 server on 127.0.0.1, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python_has(modules: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn require(modules: &str) -> bool {
    if python_has(modules) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install {modules} (.ci/run)"
    );
    eprintln!("skipped: python3 with {modules} is not installed");
    false
}

fn start_moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto starts");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

impl Moto {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// S3's CreateBucket (moto does not check signatures).
    fn create_bucket(&self, bucket: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            s,
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("send");
        let mut reply = String::new();
        let _ = s.read_to_string(&mut reply);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }

    fn env(&self, cache: &Path) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("JUESUAN_CACHE_DIR", cache.display().to_string()),
        ]
    }

    fn store(&self, bucket: &str) -> impl ObjectStore {
        AmazonS3Builder::new()
            .with_endpoint(self.endpoint())
            .with_bucket_name(bucket)
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .with_region("us-east-1")
            .with_allow_http(true)
            .build()
            .expect("store")
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every object under `prefix`: key → ETag.
fn objects(store: &impl ObjectStore, prefix: &str) -> BTreeMap<String, String> {
    runtime().block_on(async {
        store
            .list(Some(&prefix.into()))
            .try_collect::<Vec<_>>()
            .await
            .expect("list")
            .into_iter()
            .map(|m| (m.location.to_string(), m.e_tag.unwrap_or_default()))
            .collect()
    })
}

/// The published version, from the pointer.
fn published(store: &impl ObjectStore, prefix: &str) -> String {
    let bytes = runtime().block_on(async {
        store
            .get(&format!("{prefix}/_juesuan/current.json").as_str().into())
            .await
            .expect("pointer")
            .bytes()
            .await
            .expect("bytes")
    });
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    v["version"].as_str().expect("version").to_string()
}

/// The versions under `prefix`.
fn versions(store: &impl ObjectStore, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = objects(store, &format!("{prefix}/versions"))
        .keys()
        .filter_map(|k| k.split('/').nth(2).map(str::to_string))
        .collect();
    out.dedup();
    out
}

/// Copies the published version to `local` and returns its data.
fn published_dump(
    store: &impl ObjectStore,
    prefix: &str,
    local: &Path,
) -> BTreeMap<&'static str, Vec<Row>> {
    let version = published(store, prefix);
    let root = format!("{prefix}/versions/{version}/");
    let _ = std::fs::remove_dir_all(local);
    for key in objects(store, &root).keys() {
        let relative = key.strip_prefix(&root).expect("under the version");
        let path = local.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let bytes = runtime().block_on(async {
            store
                .get(&key.as_str().into())
                .await
                .expect("get")
                .bytes()
                .await
                .expect("bytes")
        });
        std::fs::write(path, bytes).expect("write");
    }
    dump(local)
}

fn start_paused(input: &Path, output: &str, point: &str, env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juesuan"));
    cmd.args([
        "run",
        "--input",
        input.to_str().expect("utf-8"),
        "--output",
        output,
    ])
    .env("JUESUAN_TEST_PAUSE_AT", point)
    .env("RUST_LOG", "error")
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let marker = format!("juesuan: paused at {point}");
    loop {
        match lines.next() {
            Some(Ok(line)) if line == marker => break,
            Some(Ok(_)) => continue,
            _ => panic!("the run ended before reaching {point}"),
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}

/// The warehouse on S3 (moto on 127.0.0.1): a full run, a no-change rerun that writes
/// nothing, a run killed before publishing (the old version stays readable; the next run
/// cleans up), a second concurrent committer refused, three shards + commit equal to the
/// unsharded run, and pyarrow reading the published version with exact decimals.
#[test]
fn the_warehouse_on_s3_commits_atomically_incrementally_and_sharded() {
    if !require("moto, pyarrow") {
        return;
    }
    let moto = start_moto();
    moto.create_bucket("juesuan-test");
    let store = moto.store("juesuan-test");
    let dir = tempfile::tempdir().expect("temp");
    let env = moto.env(&dir.path().join("cache"));
    let url = "s3://juesuan-test/warehouse";
    let prefix = "warehouse";

    // 1. A full run: the same data as the local sample warehouse.
    let input = corpus_copy(dir.path());
    let o = run_to(&input, url, &[], &env);
    ok(&o, "full run to s3");
    let old = published_dump(&store, prefix, &dir.path().join("mirror"));
    assert!(
        old == dump(&sample_run().warehouse()),
        "s3 data differs from the local run"
    );
    let first = published(&store, prefix);
    for needed in ["_manifest.json", "_SUCCESS", "_juesuan/state.json"] {
        assert!(
            objects(&store, prefix).contains_key(&format!("{prefix}/versions/{first}/{needed}")),
            "{needed}"
        );
    }

    // 2. Nothing changed: nothing written (every object and ETag as before), from another
    //    machine's point of view too (an empty cache).
    let before = objects(&store, prefix);
    let other_machine = moto.env(&dir.path().join("cache-2"));
    let o = run_to(&input, url, &[], &other_machine);
    ok(&o, "no-change rerun");
    assert!(stdout(&o).contains("nothing changed"), "{}", stdout(&o));
    assert_eq!(objects(&store, prefix), before);

    // 3. Killed between writing its files and publishing: the old version is what readers
    //    get; the next run publishes the new data and removes the dead version.
    let new_input = dir.path().join("raw-new");
    copy_dir(&input, &new_input);
    change_one_input(&new_input, dir.path());
    let local_new = dir.path().join("local-new");
    ok(
        &run_to(&new_input, local_new.to_str().unwrap(), &[], &[]),
        "local new",
    );
    let new = dump(&local_new);
    assert!(new != old);
    let mut child = start_paused(&new_input, url, "before-swap", &env);
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    assert_eq!(published(&store, prefix), first);
    assert_eq!(
        versions(&store, prefix).len(),
        2,
        "the dead version is there"
    );
    assert!(published_dump(&store, prefix, &dir.path().join("mirror")) == old);
    ok(&run_to(&new_input, url, &[], &env), "run after the kill");
    assert!(published_dump(&store, prefix, &dir.path().join("mirror")) == new);
    let second = published(&store, prefix);
    assert_eq!(
        versions(&store, prefix),
        vec![first.clone(), second.clone()],
        "the killed run's version is removed; the previous one is kept for its readers"
    );

    // 4. Two runs from the same version: the first to publish wins, the other is refused
    //    (exit 2) and leaves no files.
    let resume = dir.path().join("resume");
    let mut env_a = env.clone();
    env_a.push(("JUESUAN_TEST_RESUME_FILE", resume.display().to_string()));
    let mut a = start_paused(&input, url, "before-swap", &env_a);
    ok(&run_to(&input, url, &[], &env), "the concurrent run");
    let winner = published(&store, prefix);
    std::fs::write(&resume, "go").expect("resume");
    let status = a.wait().expect("wait");
    assert_eq!(status.code(), Some(2), "the second committer is refused");
    assert_eq!(published(&store, prefix), winner);
    assert!(published_dump(&store, prefix, &dir.path().join("mirror")) == old);
    assert_eq!(versions(&store, prefix), vec![second, winner.clone()]);

    // 5. Three shards + commit on S3 = one unsharded run.
    let corpus = two_district_corpus(&dir.path().join("two"));
    let local_two = dir.path().join("local-two");
    ok(
        &run_to(&corpus, local_two.to_str().unwrap(), &[], &[]),
        "local two",
    );
    let sharded = "s3://juesuan-test/sharded";
    for shard in ["0/3", "1/3", "2/3"] {
        ok(&run_to(&corpus, sharded, &["--shard", shard], &env), shard);
    }
    assert!(!objects(&store, "sharded").contains_key("sharded/_juesuan/current.json"));
    let o = juesuan_env(
        &[
            "commit",
            "--input",
            corpus.to_str().unwrap(),
            "--output",
            sharded,
        ],
        &env,
    );
    ok(&o, "commit on s3");
    assert!(published_dump(&store, "sharded", &dir.path().join("mirror-2")) == dump(&local_two));

    // 6. pyarrow reads the published version with its S3FileSystem: decimals exact.
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/read_s3.py"))
        .args([&moto.endpoint(), "juesuan-test", prefix])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let rows = old["expenditure"].len();
    let total: rust_decimal::Decimal = old["expenditure"]
        .iter()
        .map(|r| {
            r["actual"]
                .parse::<rust_decimal::Decimal>()
                .expect("decimal")
        })
        .sum();
    assert!(
        stdout(&o).contains(&format!("expenditure rows {rows} actual {total}")),
        "pyarrow: {}\nexpected rows {rows} actual {total}",
        stdout(&o)
    );
}

/// Spark (local mode) reads every dataset of the local warehouse with `spark.read.parquet`:
/// money as decimal(18,2), `year` as the partition column.
#[test]
fn spark_reads_every_dataset_of_the_warehouse() {
    if !require("pyspark") {
        return;
    }
    let java = Command::new("java").arg("-version").output();
    if !java.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Java 17 (.ci/run)"
        );
        eprintln!("skipped: no java");
        return;
    }
    let warehouse = sample_run().warehouse();
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/spark_read.py"))
        .arg(&warehouse)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(warehouse.join("_manifest.json")).expect("manifest"))
            .expect("json");
    for (dataset, entry) in manifest["datasets"].as_object().expect("datasets") {
        let line = format!("{dataset} rows {}", entry["rows"]);
        assert!(stdout(&o).contains(&line), "{line} in:\n{}", stdout(&o));
    }
    assert!(stdout(&o).contains("spark agrees"), "{}", stdout(&o));
}

/// An input filed under another district's folder than the one its content names lands in a
/// partition that another shard also wrote: `commit` refuses the set, names the input and
/// publishes nothing; after one unsharded run its district is known and shards agree again.
#[test]
fn a_partition_written_by_two_shards_is_refused_by_commit() {
    let dir = tempfile::tempdir().expect("temp");
    let input = two_district_corpus(dir.path());
    // The 社会工作部 PDF (普陀区, shard 0 of 3) filed under 西城区 (shard 2 of 3).
    let misfiled = input.join("西城区");
    std::fs::create_dir_all(&misfiled).expect("mkdir");
    std::fs::rename(
        input.join("上海市普陀区/putuo_shehuigongzuobu_2024.pdf"),
        misfiled.join("putuo_shehuigongzuobu_2024.pdf"),
    )
    .expect("move");
    let wh = dir.path().join("wh");
    let out = wh.to_str().expect("utf-8");
    for shard in ["0/3", "1/3", "2/3"] {
        ok(&run_to(&input, out, &["--shard", shard], &[]), shard);
    }
    let o = juesuan(&[
        "commit",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("2024/310107")
            && stderr(&o).contains("西城区/putuo_shehuigongzuobu_2024.pdf"),
        "{}",
        stderr(&o)
    );
    assert!(!wh.join("expenditure").exists(), "nothing published");

    ok(&run_to(&input, out, &[], &[]), "one unsharded run");
    let reference = dump(&wh);
    change_one_input(&input, dir.path());
    let one = dir.path().join("one");
    ok(
        &run_to(&input, one.to_str().unwrap(), &[], &[]),
        "reference",
    );
    for shard in ["0/3", "1/3", "2/3"] {
        ok(&run_to(&input, out, &["--shard", shard], &[]), shard);
    }
    ok(
        &juesuan(&[
            "commit",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out,
        ]),
        "commit",
    );
    assert!(dump(&wh) == dump(&one));
    assert!(dump(&wh) != reference);
}

/// The records a run says it held at most ("at most N records held at once").
fn peak_records(o: &Output) -> usize {
    let out = stdout(o);
    out.split("at most ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak of records in:\n{out}"))
}

/// What an input's manifest entry says it gave: rows, facts, rejects and findings.
fn records_by_partition(warehouse: &Path) -> BTreeMap<String, usize> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(warehouse.join("_manifest.json")).expect("manifest"))
            .expect("json");
    let mut by_year = BTreeMap::new();
    for input in manifest["inputs"].as_array().expect("inputs") {
        let rows = &input["rows"];
        let n: u64 = [
            "expenditure",
            "economic_expenditure",
            "facts",
            "performance_projects",
        ]
        .iter()
        .map(|k| rows[k].as_u64().unwrap_or(0))
        .sum::<u64>()
            + input["rejects"].as_array().map_or(0, |a| a.len() as u64)
            + input["findings"].as_array().map_or(0, |a| a.len() as u64);
        let year = input["year"].to_string();
        *by_year.entry(year).or_insert(0) += n as usize;
    }
    by_year
}

/// The streaming, pinned by the run's own count of the records it holds: over six
/// partitions (one district, six years), with a budget of 1,500 records, a run never holds
/// more than one partition's records (nor much more than its budget), and writes exactly
/// what a run holding everything writes.
#[test]
fn a_run_over_many_partitions_holds_less_than_one_partition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = synth(dir.path(), 8, "2018,2019,2020,2021,2022,2023");
    let config = dir.path().join("small.toml");
    std::fs::write(&config, "records_in_memory = 1500\n").expect("config");
    let streamed = dir.path().join("streamed");
    let o = run_to(
        &input,
        streamed.to_str().expect("utf-8"),
        &["--config", config.to_str().expect("utf-8"), "--jobs", "2"],
        &[],
    );
    ok(&o, "run with a small budget");
    let peak = peak_records(&o);
    let partitions = records_by_partition(&streamed);
    assert_eq!(partitions.len(), 6, "{partitions:?}");
    let smallest = partitions.values().copied().min().unwrap_or(0);
    let corpus: usize = partitions.values().sum();
    // One workbook's records: what the run must hold at least (it reads whole inputs).
    let per_input = corpus / (6 * 8);
    assert!(
        peak >= per_input / 2,
        "a count of {peak} records held cannot be right: one workbook holds ≈ {per_input}"
    );
    assert!(
        peak < smallest,
        "held {peak} records at once, more than a partition's {smallest} (corpus {corpus})"
    );
    assert!(
        peak <= 1500 + 3 * per_input,
        "held {peak} records at once with a budget of 1,500"
    );
    // What the budget did not keep was spilled and read back, never interpreted again.
    let (spilled_inputs, again) = spilled(&o);
    assert!(spilled_inputs >= 6 * 8, "{spilled_inputs} inputs spilled");
    assert_eq!(again, 0, "inputs interpreted twice");
    // A run that keeps everything writes the same warehouse.
    let held = dir.path().join("held");
    let o = run_to(&input, held.to_str().expect("utf-8"), &["--jobs", "2"], &[]);
    ok(&o, "run with the default budget");
    assert!(
        peak_records(&o) >= corpus / 2,
        "the default budget keeps this corpus: {} of {corpus}",
        peak_records(&o)
    );
    assert_eq!(spilled(&o), (0, 0));
    assert_eq!(dump(&streamed), dump(&held));
}

/// With no budget at all, every input with records is spilled and read back: the
/// warehouse is the one a run keeping everything writes, and each input's warnings are
/// logged once, not again when the build reads it (two units beyond the listed ones of
/// 西城区 warn that they are not official townships).
#[test]
fn a_spilled_input_is_read_back_and_warns_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = synth(dir.path(), 17, "2023");
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "records_in_memory = 1\n").expect("config");
    let warnings = |o: &Output| {
        stderr(o)
            .lines()
            .filter(|l| l.contains(" WARN ") && l.contains("is not a township"))
            .count()
    };
    let warn = [("RUST_LOG", "warn".to_string())];
    let spilled_run = dir.path().join("spilled");
    let o = run_to(
        &input,
        spilled_run.to_str().expect("utf-8"),
        &["--config", config.to_str().expect("utf-8")],
        &warn,
    );
    ok(&o, "run with no budget");
    let (spilled_inputs, again) = spilled(&o);
    assert!(spilled_inputs >= 17 * 2, "{spilled_inputs} inputs spilled");
    assert_eq!(again, 0);
    let spilled_warnings = warnings(&o);
    let held = dir.path().join("held");
    let o = run_to(&input, held.to_str().expect("utf-8"), &[], &warn);
    ok(&o, "run with the default budget");
    assert_eq!(spilled(&o), (0, 0));
    // 合成第16 and 合成第17: one summary workbook each.
    assert_eq!(warnings(&o), 2, "{}", stderr(&o));
    assert_eq!(spilled_warnings, warnings(&o));
    assert_eq!(dump(&spilled_run), dump(&held));
}

/// `juesuan synth` of `units` units and `years` (seed 5) into `dir/raw`.
fn synth(dir: &Path, units: usize, years: &str) -> PathBuf {
    let input = dir.join("raw");
    let units = units.to_string();
    let o = juesuan(&[
        "synth",
        "--units",
        &units,
        "--years",
        years,
        "--seed",
        "5",
        "--out",
        input.to_str().expect("utf-8"),
    ]);
    ok(&o, "synth");
    input
}

/// The summary's inputs spilled and inputs interpreted again.
fn spilled(o: &Output) -> (usize, usize) {
    let out = stdout(o);
    let number = |before: &str| -> usize {
        out.split(before)
            .next()
            .and_then(|head| head.rsplit([' ', ';']).find(|w| !w.is_empty()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before {before:?} in:\n{out}"))
    };
    (
        number(" inputs' records spilled"),
        number(" interpreted again"),
    )
}
