//! The warehouse directory: hive partitions `<dataset>/year=Y/<district_code>.parquet`,
//! written to a staging area and swapped in whole, then `_manifest.json`, then `_SUCCESS`.
//!
//! A reader sees either the previous dataset directory or the new one. Leftovers of a run
//! that was killed (`.staging-*`, `.old-*`) are removed by the next run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;

use crate::error::{Error, Result};
use crate::load::parquet::{write_file, FileMeta};

pub const MANIFEST: &str = "_manifest.json";
pub const SUCCESS: &str = "_SUCCESS";

/// A partition key: fiscal year and GB/T 2260 district code.
pub type PartitionKey = (i32, String);

/// One dataset, its batches per partition.
pub struct Dataset {
    pub name: &'static str,
    pub partitions: BTreeMap<PartitionKey, RecordBatch>,
}

impl Dataset {
    pub fn rows(&self) -> usize {
        self.partitions.values().map(RecordBatch::num_rows).sum()
    }
}

pub struct Warehouse {
    pub root: PathBuf,
}

impl Warehouse {
    /// Creates the root if needed and removes what a killed run left behind.
    pub fn open(root: &Path) -> Result<Warehouse> {
        std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
            let entry = entry.map_err(|e| Error::io(root, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".staging-") || name.starts_with(".old-") {
                tracing::warn!(path = %entry.path().display(), "removing leftovers of an interrupted run");
                std::fs::remove_dir_all(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            }
        }
        Ok(Warehouse {
            root: root.to_path_buf(),
        })
    }

    /// Writes every dataset to staging, swaps each dataset directory in, then writes the
    /// manifest and `_SUCCESS`. Returns the files written, relative to the root.
    pub fn commit(
        &self,
        run_id: &str,
        catalog_version: &str,
        datasets: &[Dataset],
        manifest: &serde_json::Value,
    ) -> Result<Vec<String>> {
        let staging = self.root.join(format!(".staging-{run_id}"));
        let mut written = Vec::new();
        for dataset in datasets {
            let dir = staging.join(dataset.name);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            for ((year, district), batch) in &dataset.partitions {
                let part = dir.join(format!("year={year}"));
                std::fs::create_dir_all(&part).map_err(|e| Error::io(&part, e))?;
                let path = part.join(format!("{district}.parquet"));
                write_file(
                    &path,
                    batch,
                    &FileMeta {
                        dataset: dataset.name,
                        run_id,
                        catalog_version,
                    },
                )?;
                written.push(format!("{}/year={year}/{district}.parquet", dataset.name));
            }
        }

        let success = self.root.join(SUCCESS);
        if success.exists() {
            std::fs::remove_file(&success).map_err(|e| Error::io(&success, e))?;
        }
        for dataset in datasets {
            let live = self.root.join(dataset.name);
            let old = self.root.join(format!(".old-{run_id}-{}", dataset.name));
            if live.exists() {
                std::fs::rename(&live, &old).map_err(|e| Error::io(&live, e))?;
            }
            let staged = staging.join(dataset.name);
            std::fs::rename(&staged, &live).map_err(|e| Error::io(&staged, e))?;
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
            }
        }
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;

        let text = serde_json::to_string_pretty(manifest).map_err(|e| Error::Parquet {
            path: self.root.join(MANIFEST),
            reason: e.to_string(),
        })?;
        write_atomically(&self.root.join(MANIFEST), text.as_bytes())?;
        write_atomically(&success, run_id.as_bytes())?;
        Ok(written)
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
