//! The warehouse directory and its commit protocol: every commit is a new, complete version
//! of the warehouse, published by one atomic rename of a symlink.
//!
//! ```text
//! <parent>/<name>  →  .<name>.juesuan/versions/<run_id>      what analysts read (a symlink)
//!     <dataset>/year=<year>/<district_code>.parquet
//!     _manifest.json, _SUCCESS
//! <parent>/.<name>.juesuan/_state/lock                        one run at a time (flock)
//! <parent>/.<name>.juesuan/_state/state.json                  inputs (sha256, partitions) of the last commit
//! <parent>/.<name>.juesuan/_state/cache/<key>.bin             what each input says (its parse), for incremental runs
//! ```
//!
//! A commit builds the new version beside the current one: files of partitions it does not
//! touch are hard links to the current version's (no copy), rewritten partitions are new
//! files, then the manifest and `_SUCCESS`. Only then does the `<name>` symlink move to the
//! new version, by a rename. A reader, or a run killed at any moment, sees the old version
//! or the new one, never a mix. The previous version is kept for readers still inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
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

pub struct Warehouse {
    /// The path analysts read (a symlink to the current version).
    pub root: PathBuf,
    /// `<parent>/.<name>.juesuan`: state, cache and versions.
    home: PathBuf,
    /// The version the root points to, if any.
    current: Option<String>,
    /// Held for the life of the run; the OS releases it if the process dies.
    _lock: File,
}

impl Warehouse {
    /// Takes the lock (a second run fails with [`Error::Locked`] and touches nothing),
    /// finds the current version, and removes versions a killed run left behind.
    pub fn open(root: &Path) -> Result<Warehouse> {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Config {
                problems: vec![format!("output {}: not a directory name", root.display())],
            })?;
        let parent = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let home = parent.join(format!(".{name}.juesuan"));
        // The root must be our symlink, or absent, or an empty directory we may replace.
        match std::fs::symlink_metadata(root) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(root, e)),
            Ok(meta) if meta.file_type().is_symlink() => {}
            Ok(meta) if meta.is_dir() && std::fs::read_dir(root).map(|mut d| d.next().is_none()).unwrap_or(false) => {
                std::fs::remove_dir(root).map_err(|e| Error::io(root, e))?;
            }
            Ok(_) => {
                return Err(Error::Config {
                    problems: vec![format!(
                        "output {} exists and is not a juesuan warehouse (juesuan makes it a link to {}); choose another --output or remove it",
                        root.display(),
                        home.join("versions").display()
                    )],
                })
            }
        };
        let state_dir = home.join(STATE_DIR);
        std::fs::create_dir_all(state_dir.join("cache")).map_err(|e| Error::io(&state_dir, e))?;
        std::fs::create_dir_all(home.join("versions")).map_err(|e| Error::io(&home, e))?;
        let lock = take_lock(&state_dir.join("lock"), root)?;
        // Read again under the lock: a run that finished meanwhile may have moved the link.
        let current = std::fs::read_link(root)
            .ok()
            .and_then(|target| target.file_name().map(|v| v.to_string_lossy().into_owned()));
        let warehouse = Warehouse {
            root: root.to_path_buf(),
            home,
            current,
            _lock: lock,
        };
        let previous = warehouse.load_state().previous_version;
        warehouse.remove_versions_except(
            &[warehouse.current.clone(), previous]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        );
        Ok(warehouse)
    }

    fn versions(&self) -> PathBuf {
        self.home.join("versions")
    }

    /// Removes every version but `keep` (those of killed runs, and older ones).
    fn remove_versions_except(&self, keep: &[String]) {
        let Ok(entries) = std::fs::read_dir(self.versions()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !keep.contains(&name) {
                tracing::debug!(version = name, "removing an old or unfinished version");
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }

    pub fn load_state(&self) -> State {
        let path = self.home.join(STATE_DIR).join("state.json");
        std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Where the extraction cache lives.
    pub fn cache_dir(&self) -> PathBuf {
        self.home.join(STATE_DIR).join("cache")
    }

    /// Builds the new version and publishes it.
    pub fn commit(&self, commit: Commit) -> Result<()> {
        let version = self.versions().join(commit.run_id);
        std::fs::create_dir_all(&version).map_err(|e| Error::io(&version, e))?;
        let rewritten: BTreeSet<&PartitionKey> = commit
            .files
            .iter()
            .map(|f| &f.key)
            .chain(&commit.removed)
            .collect();

        // Untouched partitions: hard links to the current version's files.
        if let Some(current) = self.current.as_ref().map(|c| self.versions().join(c)) {
            for dataset in commit.datasets {
                for (key, relative) in partition_files(&current, dataset) {
                    if rewritten.contains(&key) {
                        continue;
                    }
                    let (from, to) = (current.join(&relative), version.join(&relative));
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    if std::fs::hard_link(&from, &to).is_err() {
                        std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
                    }
                }
            }
        }
        for file in &commit.files {
            let path = version.join(format!(
                "{}/year={}/{}.parquet",
                file.dataset, file.key.0, file.key.1
            ));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let meta = FileMeta {
                dataset: file.dataset,
                run_id: commit.run_id,
                catalog_version: commit.catalog_version,
            };
            write_file(&path, &file.batch, &meta)?;
        }
        for dataset in commit.datasets {
            let dir = version.join(dataset);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        pause_point("staged");
        let manifest =
            serde_json::to_string_pretty(&commit.manifest).map_err(|e| Error::Parquet {
                path: version.join(MANIFEST),
                reason: e.to_string(),
            })?;
        write_atomically(&version.join(MANIFEST), manifest.as_bytes())?;
        write_atomically(&version.join(SUCCESS), commit.run_id.as_bytes())?;
        File::open(&version)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&version, e))?;
        pause_point("before-swap");

        self.publish(commit.run_id)?;
        pause_point("swapped");

        let mut state = commit.state;
        state.previous_version = self.current.clone();
        let bytes = serde_json::to_vec_pretty(&state).map_err(|e| Error::Parquet {
            path: self.home.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&self.home.join(STATE_DIR).join("state.json"), &bytes)?;
        self.remove_versions_except(
            &[Some(commit.run_id.to_string()), self.current.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        );
        self.collect_garbage(&state);
        Ok(())
    }

    /// Points the root at `version` with one rename of a fresh symlink over the old one.
    fn publish(&self, version: &str) -> Result<()> {
        let name = self
            .home
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = PathBuf::from(&name).join("versions").join(version);
        let parent = self.home.parent().unwrap_or(Path::new("."));
        let link = parent.join(format!("{name}-link-{version}"));
        let _ = std::fs::remove_file(&link);
        symlink(&target, &link).map_err(|e| Error::io(&link, e))?;
        std::fs::rename(&link, &self.root).map_err(|e| Error::io(&self.root, e))
    }

    /// Removes cache entries no input refers to any more.
    fn collect_garbage(&self, state: &State) {
        let live: BTreeSet<&str> = state
            .inputs
            .values()
            .map(|i| i.cache_key.as_str())
            .collect();
        crate::pipeline::cache::Cache::new(self.cache_dir()).retain(&live);
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("the warehouse needs symlinks (Unix)"))
}

/// The partition files of a dataset in a version: (key, path relative to the version).
fn partition_files(version: &Path, dataset: &str) -> Vec<(PartitionKey, String)> {
    let mut out = Vec::new();
    let Ok(years) = std::fs::read_dir(version.join(dataset)) else {
        return out;
    };
    for year_dir in years.flatten() {
        let year_name = year_dir.file_name().to_string_lossy().into_owned();
        let Some(year) = year_name
            .strip_prefix("year=")
            .and_then(|y| y.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(files) = std::fs::read_dir(year_dir.path()) else {
            continue;
        };
        for file in files.flatten() {
            let file_name = file.file_name().to_string_lossy().into_owned();
            if let Some(district) = file_name.strip_suffix(".parquet") {
                out.push((
                    (year, district.to_string()),
                    format!("{dataset}/{year_name}/{file_name}"),
                ));
            }
        }
    }
    out
}

/// Opens and locks `path`; a lock held by a live run is [`Error::Locked`].
fn take_lock(path: &Path, root: &Path) -> Result<File> {
    let mut lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let previous = std::fs::read_to_string(path).unwrap_or_default();
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(Error::Locked(format!(
                "another juesuan run holds the lock on {} ({}); nothing was changed",
                root.display(),
                previous.trim()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
    }
    if !previous.trim().is_empty() {
        tracing::warn!(lock = %path.display(), previous = previous.trim(), "taking over the lock of a run that did not finish");
    }
    use std::io::Seek;
    lock.set_len(0)
        .and_then(|_| lock.seek(std::io::SeekFrom::Start(0)).map(|_| ()))
        .and_then(|_| {
            write!(
                lock,
                "pid {} started {}",
                std::process::id(),
                humantime::format_rfc3339_seconds(std::time::SystemTime::now())
            )
        })
        .and_then(|_| lock.sync_all())
        .map_err(|e| Error::io(path, e))?;
    Ok(lock)
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
