//! Where a warehouse's files go. The commit protocol (`warehouse`) is written against
//! [`Sink`]: versions of files, one of them published at a time by one atomic step, and the
//! small state of the last run beside them. The local file system ([`LocalFs`]) is the one
//! implementation today; an object store is another (a version prefix, and a pointer object
//! published by a conditional put).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A place holding versions of the warehouse, one of them published.
pub trait Sink: Send + Sync {
    /// What readers open (for messages).
    fn describe(&self) -> String;
    /// The published version, if any (as the sink found it when opened).
    fn current(&self) -> Option<String>;
    /// Every version present, published or not.
    fn versions(&self) -> Result<Vec<String>>;
    /// Every file of a version (paths relative to it, `/`-separated).
    fn files(&self, version: &str) -> Result<Vec<String>>;
    /// Writes a new file into a version that is not published yet.
    fn write(&self, version: &str, relative: &str, bytes: &[u8]) -> Result<()>;
    /// A file of a version (None: there is none).
    fn read(&self, version: &str, relative: &str) -> Result<Option<Vec<u8>>>;
    /// Removes a file of a version that is not published.
    fn delete(&self, version: &str, relative: &str) -> Result<()>;
    /// Makes a file of version `from` part of version `to` as well, without copying where
    /// the store can (a hard link; a server-side copy).
    fn share(&self, from: &str, to: &str, relative: &str) -> Result<()>;
    /// A folder of a version, for a dataset without files yet (stores without folders
    /// ignore it).
    fn create_dir(&self, version: &str, relative: &str) -> Result<()>;
    /// Makes everything written to `version` durable.
    fn seal(&self, version: &str) -> Result<()>;
    /// Publishes `version` with the state the next run reads: readers see the old version
    /// or the new one, never a mix. Refused with [`Error::Locked`] when another run
    /// published since this sink was opened (nothing is changed then).
    fn publish(&self, version: &str, state: &[u8]) -> Result<()>;
    /// Removes a version that is not published.
    fn remove(&self, version: &str);
    /// The state the published version was committed with (what it knew about the inputs).
    fn read_state(&self) -> Option<Vec<u8>>;
    /// True when this sink holds a lock no other run can take (then no unpublished
    /// version can belong to a live run, but for staged shards).
    fn exclusive(&self) -> bool;
    /// Where this machine keeps the extraction cache for this warehouse.
    fn cache_dir(&self) -> PathBuf;
    /// Writes a new file into a version from a finished file of this machine, which is
    /// consumed (moved where the sink can, else read and written).
    fn write_file(&self, version: &str, relative: &str, from: &Path) -> Result<()> {
        let bytes = std::fs::read(from).map_err(|e| Error::io(from, e))?;
        self.write(version, relative, &bytes)?;
        let _ = std::fs::remove_file(from);
        Ok(())
    }
    /// Where this machine builds the files of `version` before they are written to it.
    fn scratch_dir(&self, version: &str) -> PathBuf {
        self.cache_dir()
            .with_file_name("scratch")
            .join(format!("{version}-{}", std::process::id()))
    }
}

/// A warehouse on the local file system:
///
/// ```text
/// <parent>/<name>  →  .<name>.juesuan/versions/<run_id>      what analysts read (a symlink)
/// <parent>/.<name>.juesuan/_state/lock                        one run at a time (flock)
/// <parent>/.<name>.juesuan/_state/state.json                  the last commit's state
/// <parent>/.<name>.juesuan/_state/cache/                      the extraction cache
/// ```
///
/// Publishing renames a fresh symlink over `<name>`; files shared between versions are hard
/// links.
pub struct LocalFs {
    root: PathBuf,
    home: PathBuf,
    current: Option<String>,
    /// Held while the sink lives; the OS releases it if the process dies. None for a shard
    /// of a sharded run, which writes only its own unpublished files.
    lock: Option<File>,
}

const STATE_DIR: &str = "_state";

impl LocalFs {
    /// Takes the lock (a second run fails with [`Error::Locked`] and touches nothing) unless
    /// `shared` (a shard), and finds the published version. An output that exists and is not
    /// ours is refused.
    pub fn open(root: &Path, shared: bool) -> Result<LocalFs> {
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
            Ok(meta)
                if meta.is_dir()
                    && std::fs::read_dir(root).is_ok_and(|mut d| d.next().is_none()) =>
            {
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
        let lock = if shared {
            None
        } else {
            Some(take_lock(&state_dir.join("lock"), root)?)
        };
        // Read under the lock: a run that finished meanwhile may have moved the link.
        let current = std::fs::read_link(root)
            .ok()
            .and_then(|target| target.file_name().map(|v| v.to_string_lossy().into_owned()));
        Ok(LocalFs {
            root: root.to_path_buf(),
            home,
            current,
            lock,
        })
    }

    fn version(&self, version: &str) -> PathBuf {
        self.home.join("versions").join(version)
    }
}

impl Sink for LocalFs {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn current(&self) -> Option<String> {
        self.current.clone()
    }

    fn versions(&self) -> Result<Vec<String>> {
        let dir = self.home.join("versions");
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut out: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        Ok(out)
    }

    fn files(&self, version: &str) -> Result<Vec<String>> {
        fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let relative = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&entry.path(), &relative, out);
                } else {
                    out.push(relative);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.version(version), "", &mut out);
        out.sort();
        Ok(out)
    }

    fn read(&self, version: &str, relative: &str) -> Result<Option<Vec<u8>>> {
        let path = self.version(version).join(relative);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    fn delete(&self, version: &str, relative: &str) -> Result<()> {
        let path = self.version(version).join(relative);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
            _ => Ok(()),
        }
    }

    fn write(&self, version: &str, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.version(version).join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        write_atomically(&path, bytes)
    }

    fn share(&self, from: &str, to: &str, relative: &str) -> Result<()> {
        let (from, to) = (
            self.version(from).join(relative),
            self.version(to).join(relative),
        );
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
        Ok(())
    }

    fn create_dir(&self, version: &str, relative: &str) -> Result<()> {
        let dir = self.version(version).join(relative);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))
    }

    fn seal(&self, version: &str) -> Result<()> {
        let dir = self.version(version);
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&dir, e))
    }

    /// Points the root at `version` with one rename of a fresh symlink over the old one, then
    /// keeps the state beside the versions (a run killed between the two derives more next
    /// time, never less).
    fn publish(&self, version: &str, state: &[u8]) -> Result<()> {
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
        std::fs::rename(&link, &self.root).map_err(|e| Error::io(&self.root, e))?;
        crate::load::warehouse::pause_point("swapped");
        write_atomically(&self.home.join(STATE_DIR).join("state.json"), state)
    }

    fn remove(&self, version: &str) {
        tracing::debug!(version, "removing an old or unfinished version");
        let _ = std::fs::remove_dir_all(self.version(version));
    }

    fn read_state(&self) -> Option<Vec<u8>> {
        std::fs::read(self.home.join(STATE_DIR).join("state.json")).ok()
    }

    fn exclusive(&self) -> bool {
        self.lock.is_some()
    }

    /// Beside the state, on this machine.
    fn cache_dir(&self) -> PathBuf {
        self.home.join(STATE_DIR).join("cache")
    }

    /// A rename: the scratch directory is beside the versions, on the same file system.
    fn write_file(&self, version: &str, relative: &str, from: &Path) -> Result<()> {
        let path = self.version(version).join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if std::fs::rename(from, &path).is_err() {
            std::fs::copy(from, &path).map_err(|e| Error::io(from, e))?;
            let _ = std::fs::remove_file(from);
        }
        Ok(())
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

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
