//! The commit protocol: every commit is a new, complete version of the warehouse, and one
//! atomic step of the [`Sink`] publishes it.
//!
//! A commit builds the new version beside the current one: files of partitions it does not
//! touch are shared with the current version's (no copy), rewritten partitions are new
//! files, then the manifest and `_SUCCESS`. Only then is the new version published. A
//! reader, or a run killed at any moment, sees the old version or the new one, never a mix.
//! The previous version is kept for readers still inside it; versions of killed runs are
//! removed by the next run.

use std::collections::BTreeSet;

use arrow::array::RecordBatch;

use crate::error::{Error, Result};
use crate::load::dataset::{Dataset, PartitionKey};
use crate::load::parquet::{encode, FileMeta};
use crate::load::sink::Sink;

pub const MANIFEST: &str = "_manifest.json";
pub const SUCCESS: &str = "_SUCCESS";

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
    /// `_manifest.json` of the new version.
    pub manifest: Vec<u8>,
    /// What the next run needs to know (kept by the sink beside the versions).
    pub state: Vec<u8>,
}

pub struct Warehouse {
    sink: Box<dyn Sink>,
}

impl Warehouse {
    /// A warehouse in `sink` (which holds the lock), with the versions a killed run left
    /// behind removed: all but the current one and `previous` (kept for its readers).
    pub fn new(sink: Box<dyn Sink>, previous: Option<String>) -> Warehouse {
        let warehouse = Warehouse { sink };
        let keep: Vec<String> = [warehouse.sink.current(), previous]
            .into_iter()
            .flatten()
            .collect();
        warehouse.remove_versions_except(&keep);
        warehouse
    }

    /// The published version.
    pub fn current(&self) -> Option<String> {
        self.sink.current()
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

    /// Builds the new version and publishes it.
    pub fn commit(&self, commit: Commit) -> Result<()> {
        let version = commit.run_id;
        // The version published now: after this commit, the previous one.
        let previous = self.sink.current();
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
        // Encoding is the costly part and each file is its own: in parallel (on the pool the
        // caller runs in), in chunks so that the encoded bytes in memory stay a few files'.
        use rayon::prelude::*;
        let chunk = rayon::current_num_threads().max(1) * 2;
        for files in commit.files.chunks(chunk) {
            let encoded: Vec<(String, Result<Vec<u8>>)> = files
                .par_iter()
                .map(|file| {
                    let relative = file.dataset.partition_path(&file.key);
                    let meta = FileMeta {
                        dataset: file.dataset.name(),
                        run_id: commit.run_id,
                        catalog_version: commit.catalog_version,
                    };
                    let bytes = encode(&file.batch, &meta).map_err(|reason| Error::Parquet {
                        path: relative.clone().into(),
                        reason,
                    });
                    (relative, bytes)
                })
                .collect();
            for (relative, bytes) in encoded {
                self.sink.write(version, &relative, &bytes?)?;
            }
        }
        for dataset in Dataset::ALL {
            self.sink.create_dir(version, dataset.name())?;
        }
        pause_point("staged");
        self.sink.write(version, MANIFEST, &commit.manifest)?;
        self.sink
            .write(version, SUCCESS, commit.run_id.as_bytes())?;
        self.sink.seal(version)?;
        pause_point("before-swap");

        self.sink.publish(version)?;
        pause_point("swapped");

        self.sink.write_state(&commit.state)?;
        self.remove_versions_except(
            &[Some(version.to_string()), previous]
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
