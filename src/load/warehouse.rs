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

use crate::error::{Error, Result};
use crate::load::dataset::{Dataset, PartitionKey};
use crate::load::sink::Sink;

pub const MANIFEST: &str = "_manifest.json";
pub const SUCCESS: &str = "_SUCCESS";

pub struct Warehouse {
    sink: Box<dyn Sink>,
}

/// Where a version records the version it was built on: an unpublished version built on the
/// published one may belong to a live run (or be staged shards); one built on an older
/// version can never be published and is garbage.
pub const BASE: &str = "_juesuan/base";
/// Where the shards of a sharded run leave their manifests inside the run's version.
pub const SHARDS: &str = "_juesuan/shards/";

impl Warehouse {
    /// A warehouse in `sink`, with the versions that can never be published removed: all but
    /// the current one, `previous` (kept for its readers) and those that may belong to a live
    /// run or hold staged shards.
    pub fn new(sink: Box<dyn Sink>, previous: Option<String>) -> Result<Warehouse> {
        let warehouse = Warehouse { sink };
        let keep: Vec<String> = [warehouse.sink.current(), previous]
            .into_iter()
            .flatten()
            .collect();
        warehouse.collect_garbage(warehouse.sink.current().as_deref(), &keep)?;
        Ok(warehouse)
    }

    /// The published version.
    pub fn current(&self) -> Option<String> {
        self.sink.current()
    }

    pub fn describe(&self) -> String {
        self.sink.describe()
    }

    pub fn sink(&self) -> &dyn Sink {
        self.sink.as_ref()
    }

    /// The version an unpublished version was built on ("" for an empty warehouse; None:
    /// unknown, a version of an exclusive run killed before its first file).
    fn base_of(&self, version: &str) -> Option<String> {
        let bytes = self.sink.read(version, BASE).ok().flatten()?;
        Some(String::from_utf8_lossy(&bytes).trim().to_string())
    }

    /// Removes every version but `keep` that no live run can publish once `current` is
    /// published: with a lock held, every
    /// other version but staged shards built on the current one; without (object stores,
    /// shards), every version not built on the current one.
    fn collect_garbage(&self, current: Option<&str>, keep: &[String]) -> Result<()> {
        let current = current.unwrap_or_default();
        for version in self.sink.versions()? {
            if keep.contains(&version) {
                continue;
            }
            let on_current = self.base_of(&version).is_some_and(|b| b == current);
            let live = on_current
                && (!self.sink.exclusive()
                    || self
                        .sink
                        .files(&version)
                        .is_ok_and(|f| f.iter().any(|f| f.starts_with(SHARDS))));
            if !live {
                self.sink.remove(&version);
            }
        }
        Ok(())
    }

    /// Starts writing `version` (not published): marks the version it is built on.
    pub fn begin(&self, version: &str) -> Result<()> {
        // With a lock held no other run can be live: no mark needed (a local warehouse keeps
        // its layout). Without one, the mark tells live runs from garbage.
        if !self.sink.exclusive() {
            let base = self.sink.current().unwrap_or_default();
            self.sink.write(version, BASE, base.as_bytes())?;
        }
        Ok(())
    }

    /// Puts a finished file of this machine into `version` (moved where the sink can).
    pub fn put_file(&self, version: &str, relative: &str, file: &std::path::Path) -> Result<()> {
        self.sink.write_file(version, relative, file)
    }

    /// Completes `version` (files of the partitions not in `rewritten` shared with the
    /// current version, the manifest, `_SUCCESS`) and publishes it with `state`. A publish
    /// refused because another run published meanwhile removes the version.
    pub fn publish(
        &self,
        version: &str,
        rewritten: &BTreeSet<PartitionKey>,
        manifest: &[u8],
        state: &[u8],
    ) -> Result<()> {
        // The version published now: after this commit, the previous one.
        let previous = self.sink.current();
        if let Some(current) = &previous {
            for relative in self.sink.files(current)? {
                match Dataset::parse_partition_path(&relative) {
                    Some((_, key)) if !rewritten.contains(&key) => {
                        self.sink.share(current, version, &relative)?
                    }
                    _ => {}
                }
            }
        }
        for dataset in Dataset::ALL {
            self.sink.create_dir(version, dataset.name())?;
        }
        pause_point("staged");
        self.sink.write(version, MANIFEST, manifest)?;
        self.sink.write(version, SUCCESS, version.as_bytes())?;
        self.sink.seal(version)?;
        pause_point("before-swap");

        if let Err(e) = self.sink.publish(version, state) {
            if matches!(e, Error::Locked(_)) {
                self.sink.remove(version);
            }
            return Err(e);
        }
        pause_point("published");
        // Garbage: every version but this one and the one before, unless built on this one.
        let keep: Vec<String> = [Some(version.to_string()), previous]
            .into_iter()
            .flatten()
            .collect();
        if let Err(e) = self.collect_garbage(Some(version), &keep) {
            tracing::warn!(error = %e, "could not remove old versions; the next run will");
        }
        Ok(())
    }
}

/// Test hook for the kill tests, in debug builds only (a release binary has none): with
/// `JUESUAN_TEST_PAUSE_AT=<point>` the run stops at that point, says so on stderr and waits
/// to be killed (or for `JUESUAN_TEST_RESUME_FILE`).
#[cfg(debug_assertions)]
pub fn pause_point(point: &str) {
    if std::env::var("JUESUAN_TEST_PAUSE_AT").is_ok_and(|p| p == point) {
        eprintln!("juesuan: paused at {point}");
        // With JUESUAN_TEST_RESUME_FILE the run goes on once that file exists (the
        // concurrent-commit test); without, it waits to be killed.
        let resume = std::env::var_os("JUESUAN_TEST_RESUME_FILE").map(std::path::PathBuf::from);
        for _ in 0..12_000 {
            if resume.as_ref().is_some_and(|f| f.exists()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn pause_point(_point: &str) {}
