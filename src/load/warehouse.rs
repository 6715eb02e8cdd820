//! The commit protocol: every commit is a new, complete version of the warehouse, and one
//! atomic step of the [`Sink`] publishes it.
//!
//! A commit builds the new version beside the current one: files of partitions it does not
//! touch are shared with the current version's (no copy), rewritten partitions are new
//! files, then the manifest and `_SUCCESS`. Only then is the new version published. A
//! reader, or a run killed at any moment, sees the old version or the new one, never a mix.
//! The previous version is kept for readers still inside it; versions of killed runs are
//! removed by the next run.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::load::dataset::{Dataset, PartitionKey};
use crate::load::parquet::{encode, FileMeta};
use crate::load::sink::Sink;

pub const MANIFEST: &str = "_manifest.json";
pub const SUCCESS: &str = "_SUCCESS";

/// What the last committed run knew about each input.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Fingerprint of juesuan version, catalogue, units and limits: a change forces a full rebuild.
    pub fingerprint: String,
    pub inputs: BTreeMap<String, InputState>,
    /// dataset → partition ("2023/110102") → rows.
    pub rows: BTreeMap<String, BTreeMap<String, usize>>,
    /// partition → error findings in it (for `--strict`).
    #[serde(default)]
    pub errors: BTreeMap<String, usize>,
    /// The version published before the current one, kept for readers still inside it.
    #[serde(default)]
    pub previous_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputState {
    pub sha256: String,
    /// Size and modification time (ns since the epoch) when it was hashed: an input that
    /// still has both is not read again to learn its sha256.
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub modified_ns: Option<u64>,
    /// When it was hashed (ns since the epoch): a file modified within 2 s of it is hashed
    /// again (a change within the timestamp granularity).
    #[serde(default)]
    pub hashed_ns: Option<u64>,
    /// The key of its parse in the extraction cache (sha256, kind, parser version).
    pub cache_key: String,
    pub partitions: Vec<PartitionKey>,
    pub rejects: usize,
    /// The input's manifest entry, reused while the input is unchanged.
    pub manifest: serde_json::Value,
}

/// One file to write: dataset, partition and its rows (possibly none: every touched
/// partition gets a file in every dataset, so each dataset always has a schema to read).
pub struct PartitionFile {
    pub dataset: Dataset,
    pub key: PartitionKey,
    pub batch: RecordBatch,
}

/// Everything a commit changes.
pub struct Commit<'a> {
    pub run_id: &'a str,
    pub catalog_version: &'a str,
    pub files: Vec<PartitionFile>,
    /// Partitions whose files are removed from every dataset (no input lands there any more).
    pub removed: Vec<PartitionKey>,
    pub state: State,
    pub manifest: serde_json::Value,
}

pub struct Warehouse {
    sink: Box<dyn Sink>,
}

impl Warehouse {
    /// A warehouse in `sink` (which holds the lock), with the versions a killed run left
    /// behind removed.
    pub fn new(sink: Box<dyn Sink>) -> Warehouse {
        let warehouse = Warehouse { sink };
        let keep: Vec<String> = [
            warehouse.sink.current(),
            warehouse.load_state().previous_version,
        ]
        .into_iter()
        .flatten()
        .collect();
        warehouse.remove_versions_except(&keep);
        warehouse
    }

    pub fn describe(&self) -> String {
        self.sink.describe()
    }

    /// Removes every version but `keep` (those of killed runs, and older ones).
    fn remove_versions_except(&self, keep: &[String]) {
        for version in self.sink.versions() {
            if !keep.contains(&version) {
                self.sink.remove(&version);
            }
        }
    }

    pub fn load_state(&self) -> State {
        self.sink
            .read_state()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Builds the new version and publishes it.
    pub fn commit(&self, commit: Commit) -> Result<()> {
        let version = commit.run_id;
        let rewritten: BTreeSet<&PartitionKey> = commit
            .files
            .iter()
            .map(|f| &f.key)
            .chain(&commit.removed)
            .collect();

        // Untouched partitions: shared with the current version.
        if let Some(current) = self.sink.current() {
            for relative in self.sink.files(&current) {
                match Dataset::parse_partition_path(&relative) {
                    Some((_, key)) if !rewritten.contains(&key) => {
                        self.sink.share(&current, version, &relative)?
                    }
                    _ => {}
                }
            }
        }
        for file in &commit.files {
            let relative = file.dataset.partition_path(&file.key);
            let meta = FileMeta {
                dataset: file.dataset.name(),
                run_id: commit.run_id,
                catalog_version: commit.catalog_version,
            };
            let bytes = encode(&file.batch, &meta).map_err(|reason| Error::Parquet {
                path: relative.clone().into(),
                reason,
            })?;
            self.sink.write(version, &relative, &bytes)?;
        }
        for dataset in Dataset::ALL {
            self.sink.create_dir(version, dataset.name())?;
        }
        pause_point("staged");
        let manifest = serde_json::to_string_pretty(&commit.manifest).map_err(|e| Error::Json {
            what: MANIFEST.into(),
            reason: e.to_string(),
        })?;
        self.sink.write(version, MANIFEST, manifest.as_bytes())?;
        self.sink
            .write(version, SUCCESS, commit.run_id.as_bytes())?;
        self.sink.seal(version)?;
        pause_point("before-swap");

        self.sink.publish(version)?;
        pause_point("swapped");

        let mut state = commit.state;
        state.previous_version = self.sink.current();
        let bytes = serde_json::to_vec_pretty(&state).map_err(|e| Error::Json {
            what: "state.json".into(),
            reason: e.to_string(),
        })?;
        self.sink.write_state(&bytes)?;
        self.remove_versions_except(
            &[Some(version.to_string()), self.sink.current()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        );
        Ok(())
    }
}

/// Test hook for the kill tests, in debug builds only (a release binary has none): with
/// `JUESUAN_TEST_PAUSE_AT=<point>` the run stops at that point, says so on stderr and waits
/// to be killed.
#[cfg(debug_assertions)]
pub fn pause_point(point: &str) {
    if std::env::var("JUESUAN_TEST_PAUSE_AT").is_ok_and(|p| p == point) {
        eprintln!("juesuan: paused at {point}");
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn pause_point(_point: &str) {}
