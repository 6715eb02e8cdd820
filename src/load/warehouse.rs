//! The warehouse directory and its commit protocol.
//!
//! ```text
//! <root>/<dataset>/year=<year>/<district_code>.parquet   what analysts read
//! <root>/_manifest.json, <root>/_SUCCESS                  written last by a committed run
//! <root>/_state/lock                                      one run at a time (flock)
//! <root>/_state/state.json                                inputs (sha256, partitions) of the last commit
//! <root>/_state/cache/<key>.json                          extraction of each input, for incremental runs
//! <root>/_state/journal.json                              present only while a commit is being applied
//! <root>/.staging-<run_id>/                               files of a commit before they are renamed in
//! ```
//!
//! A commit writes every new file to staging, then a journal naming each rename and
//! deletion, removes `_SUCCESS`, applies the journal (each file replaced whole by a rename,
//! so a reader sees the old file or the new one), writes state and manifest, writes
//! `_SUCCESS`, and drops the journal. A run killed before the journal is written leaves the
//! previous warehouse untouched; one killed after it leaves `_SUCCESS` absent, and the next
//! run rolls the journal forward before doing anything else.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::extract::Extraction;
use crate::load::parquet::{write_file, FileMeta};

pub const MANIFEST: &str = "_manifest.json";
pub const SUCCESS: &str = "_SUCCESS";
const STATE_DIR: &str = "_state";

/// A partition key: fiscal year and GB/T 2260 district code.
pub type PartitionKey = (i32, String);

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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputState {
    pub sha256: String,
    pub cache_key: String,
    pub partitions: Vec<PartitionKey>,
    pub rejects: usize,
    /// The input's manifest entry, reused while the input is unchanged.
    pub manifest: serde_json::Value,
}

pub fn partition_label((year, district): &PartitionKey) -> String {
    format!("{year}/{district}")
}

/// One file to write: dataset, partition and its rows (possibly none: every touched
/// partition gets a file in every dataset, so each dataset always has a schema to read).
pub struct PartitionFile {
    pub dataset: &'static str,
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
    pub datasets: &'a [&'static str],
    pub state: State,
    pub manifest: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    run_id: String,
    /// (staged path, live path), relative to the root.
    renames: Vec<(String, String)>,
    deletes: Vec<String>,
    state: State,
    manifest: serde_json::Value,
}

pub struct Warehouse {
    pub root: PathBuf,
    /// Held for the life of the run; the OS releases it if the process dies.
    _lock: File,
}

impl Warehouse {
    /// Creates the root if needed, takes the lock (a second run fails with [`Error::Locked`]
    /// and touches nothing), and repairs what a killed run left behind.
    pub fn open(root: &Path) -> Result<Warehouse> {
        let state_dir = root.join(STATE_DIR);
        std::fs::create_dir_all(state_dir.join("cache")).map_err(|e| Error::io(&state_dir, e))?;
        let lock_path = state_dir.join("lock");
        let mut lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        let previous = std::fs::read_to_string(&lock_path).unwrap_or_default();
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked(format!(
                    "another juesuan run holds the lock on {} ({}); nothing was changed",
                    root.display(),
                    previous.trim()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        if !previous.trim().is_empty() {
            tracing::warn!(lock = %lock_path.display(), previous = previous.trim(), "taking over the lock of a run that did not finish");
        }
        lock.set_len(0)
            .and_then(|_| {
                use std::io::Seek;
                lock.seek(std::io::SeekFrom::Start(0))?;
                write!(
                    lock,
                    "pid {} started {}",
                    std::process::id(),
                    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                )?;
                lock.sync_all()
            })
            .map_err(|e| Error::io(&lock_path, e))?;
        let warehouse = Warehouse {
            root: root.to_path_buf(),
            _lock: lock,
        };
        warehouse.recover()?;
        Ok(warehouse)
    }

    /// Rolls a journaled commit forward, then removes staging leftovers.
    fn recover(&self) -> Result<()> {
        let journal_path = self.root.join(STATE_DIR).join("journal.json");
        if journal_path.exists() {
            let text = std::fs::read(&journal_path).map_err(|e| Error::io(&journal_path, e))?;
            match serde_json::from_slice::<Journal>(&text) {
                Ok(journal) => {
                    tracing::warn!(
                        run_id = journal.run_id,
                        "completing the commit of a run that was interrupted"
                    );
                    self.apply(&journal)?;
                }
                Err(e) => {
                    // Written atomically, so a broken journal was never complete: the
                    // interrupted run had not started renaming.
                    tracing::warn!(error = %e, "discarding an unreadable journal");
                    std::fs::remove_file(&journal_path).map_err(|e| Error::io(&journal_path, e))?;
                }
            }
        }
        for entry in std::fs::read_dir(&self.root).map_err(|e| Error::io(&self.root, e))? {
            let entry = entry.map_err(|e| Error::io(&self.root, e))?;
            if entry.file_name().to_string_lossy().starts_with(".staging-") {
                tracing::warn!(path = %entry.path().display(), "removing the staging area of an interrupted run");
                std::fs::remove_dir_all(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            }
        }
        Ok(())
    }

    pub fn load_state(&self) -> State {
        let path = self.root.join(STATE_DIR).join("state.json");
        std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn cache_path(&self, key: &str) -> PathBuf {
        self.root
            .join(STATE_DIR)
            .join("cache")
            .join(format!("{key}.json"))
    }

    /// The cached extraction of an unchanged input, if it is there and readable.
    pub fn cached(&self, key: &str) -> Option<Extraction> {
        let bytes = std::fs::read(self.cache_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn store(&self, key: &str, extraction: &Extraction) -> Result<()> {
        let path = self.cache_path(key);
        let bytes = serde_json::to_vec(extraction).map_err(|e| Error::Parquet {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&path, &bytes)
    }

    pub fn commit(&self, commit: Commit) -> Result<()> {
        let staging_name = format!(".staging-{}", commit.run_id);
        let staging = self.root.join(&staging_name);
        let mut renames = Vec::new();
        for file in &commit.files {
            let relative = format!(
                "{}/year={}/{}.parquet",
                file.dataset, file.key.0, file.key.1
            );
            let staged = staging.join(&relative);
            if let Some(parent) = staged.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let meta = FileMeta {
                dataset: file.dataset,
                run_id: commit.run_id,
                catalog_version: commit.catalog_version,
            };
            write_file(&staged, &file.batch, &meta)?;
            renames.push((format!("{staging_name}/{relative}"), relative));
        }
        let deletes: Vec<String> = commit
            .removed
            .iter()
            .flat_map(|(year, district)| {
                commit
                    .datasets
                    .iter()
                    .map(move |d| format!("{d}/year={year}/{district}.parquet"))
            })
            .collect();
        pause_point("staged");

        let journal = Journal {
            run_id: commit.run_id.to_string(),
            renames,
            deletes,
            state: commit.state,
            manifest: commit.manifest,
        };
        let bytes = serde_json::to_vec(&journal).map_err(|e| Error::Parquet {
            path: self.root.join(STATE_DIR),
            reason: e.to_string(),
        })?;
        write_atomically(&self.root.join(STATE_DIR).join("journal.json"), &bytes)?;
        pause_point("journaled");
        self.apply(&journal)
    }

    /// Applies a journal; safe to repeat (a rename already done is skipped).
    fn apply(&self, journal: &Journal) -> Result<()> {
        let success = self.root.join(SUCCESS);
        if success.exists() {
            std::fs::remove_file(&success).map_err(|e| Error::io(&success, e))?;
        }
        for (i, (staged, live)) in journal.renames.iter().enumerate() {
            let (from, to) = (self.root.join(staged), self.root.join(live));
            if !from.exists() {
                continue; // applied before an interruption
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
            if i == 0 {
                pause_point("renaming");
            }
        }
        for live in &journal.deletes {
            let path = self.root.join(live);
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    if let Some(parent) = path.parent() {
                        let _ = std::fs::remove_dir(parent); // only if now empty
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        let state_dir = self.root.join(STATE_DIR);
        let state = serde_json::to_vec_pretty(&journal.state).map_err(|e| Error::Parquet {
            path: state_dir.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&state_dir.join("state.json"), &state)?;
        let manifest =
            serde_json::to_string_pretty(&journal.manifest).map_err(|e| Error::Parquet {
                path: self.root.join(MANIFEST),
                reason: e.to_string(),
            })?;
        write_atomically(&self.root.join(MANIFEST), manifest.as_bytes())?;
        pause_point("before-success");
        write_atomically(&success, journal.run_id.as_bytes())?;
        std::fs::remove_file(state_dir.join("journal.json"))
            .map_err(|e| Error::io(&state_dir, e))?;
        let staging = self.root.join(format!(".staging-{}", journal.run_id));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        self.collect_garbage(&journal.state);
        Ok(())
    }

    /// Removes cache entries no input refers to any more.
    fn collect_garbage(&self, state: &State) {
        let live: BTreeSet<&str> = state
            .inputs
            .values()
            .map(|i| i.cache_key.as_str())
            .collect();
        let Ok(entries) = std::fs::read_dir(self.root.join(STATE_DIR).join("cache")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live.contains(name.trim_end_matches(".json")) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Test hook for the kill tests: with `JUESUAN_TEST_PAUSE_AT=<point>` the run stops at that
/// point of the commit, says so on stderr and waits to be killed.
pub fn pause_point(point: &str) {
    if std::env::var("JUESUAN_TEST_PAUSE_AT").is_ok_and(|p| p == point) {
        eprintln!("juesuan: paused at {point}");
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
