//! The pipeline configuration (`config/juesuan.toml`). Relative paths are resolved against
//! the directory of the config file, so a run does not depend on the working directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::reference::bundled::Files;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Input directories, scanned recursively.
    #[serde(default)]
    pub inputs: Vec<PathBuf>,
    /// The warehouse directory.
    #[serde(default)]
    pub warehouse: PathBuf,
    /// Directory of the classification catalogue CSVs; the embedded catalogue when absent.
    #[serde(default)]
    pub catalog: Option<PathBuf>,
    /// The unit overrides (TOML); the embedded ones when absent.
    #[serde(default)]
    pub units: Option<PathBuf>,
    /// Directory of the official divisions' CSVs; the embedded 2023 edition when absent.
    #[serde(default)]
    pub divisions: Option<PathBuf>,
    /// Worker threads for extraction; 0 = one per core.
    #[serde(default)]
    pub jobs: usize,
    /// Records (rows, facts, findings, rejects) a run holds in memory at most, about: inputs
    /// kept between reading and building, and the unit-years being built (at least one).
    /// What bounds a run's memory whatever the corpus; more only saves reading inputs twice.
    #[serde(default = "default_records_in_memory")]
    pub records_in_memory: usize,
    #[serde(default)]
    pub limits: Limits,
    /// Severity policy of the reconciliation checks.
    #[serde(default)]
    pub reconcile: crate::transform::reconcile::Policy,
    /// Where this configuration came from, for messages.
    #[serde(skip)]
    pub origin: String,
}

fn default_records_in_memory() -> usize {
    50_000
}

/// The configuration used when no `--config` is given.
pub const DEFAULT_PATH: &str = "config/juesuan.toml";

/// What one input may cost. Every limit is named in the reject of an input that exceeds it;
/// the defaults are far above any real 部门决算 (a workbook of 13 tables is ≈ 30 KB and a
/// few thousand cells; a report ≈ 100,000 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Inputs larger than this are rejected without being read.
    pub max_file_bytes: u64,
    /// Entries in a zip-based input (.xlsx, .docx).
    pub max_zip_entries: u64,
    /// Bytes one zip entry may inflate to (counted while inflating: declared sizes lie).
    pub max_entry_bytes: u64,
    /// Bytes all entries of one input may inflate to.
    pub max_inflated_bytes: u64,
    /// Sheets per workbook.
    pub max_sheets: u64,
    /// Filled cells per sheet.
    pub max_sheet_cells: u64,
    /// Cells of the rectangle a sheet's filled cells span (rows × columns): what the reader
    /// allocates. A lone cell far away (XFD1048576) is refused here, not allocated.
    pub max_sheet_area: u64,
    /// Cells covered by merged regions per sheet.
    pub max_merged_cells: u64,
    /// Characters of a report's text after decoding.
    pub max_report_chars: u64,
    /// Paragraphs of a report.
    pub max_paragraphs: u64,
    /// Pages of a PDF.
    pub max_pdf_pages: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_entry_bytes: 64 * 1024 * 1024,
            max_inflated_bytes: 256 * 1024 * 1024,
            max_sheets: 256,
            max_sheet_cells: 1_000_000,
            max_sheet_area: 4_000_000,
            max_merged_cells: 1_000_000,
            max_report_chars: 8 * 1024 * 1024,
            max_paragraphs: 200_000,
            max_pdf_pages: 2_000,
        }
    }
}

impl Config {
    /// `--config FILE` when given; else `config/juesuan.toml` when the current directory
    /// has one (the repository); else the embedded defaults, which need `--input` and
    /// `--output`.
    pub fn locate(path: Option<&Path>) -> Result<Config> {
        match path {
            Some(path) => Config::load(path),
            None if Path::new(DEFAULT_PATH).is_file() => Config::load(Path::new(DEFAULT_PATH)),
            None => Ok(Config::embedded()),
        }
    }

    /// The embedded defaults: the repository's settings (limits, checks, threads) with the
    /// embedded catalogue, units and divisions, and no inputs or warehouse of their own.
    pub fn embedded() -> Config {
        let text = crate::reference::bundled::embedded("juesuan.toml").unwrap_or_default();
        let mut config: Config = std::str::from_utf8(text)
            .ok()
            .and_then(|t| toml::from_str(t).ok())
            .unwrap_or_else(|| Config {
                inputs: Vec::new(),
                warehouse: PathBuf::new(),
                catalog: None,
                units: None,
                divisions: None,
                jobs: 0,
                records_in_memory: default_records_in_memory(),
                limits: Limits::default(),
                reconcile: Default::default(),
                origin: String::new(),
            });
        config.inputs.clear();
        config.warehouse = PathBuf::new();
        config.catalog = None;
        config.units = None;
        config.divisions = None;
        config.origin = "embedded defaults".to_string();
        config
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| Error::Config {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() && !p.as_os_str().is_empty() && !p.to_string_lossy().contains("://")
            {
                *p = normalize(&base.join(&*p));
            }
        };
        config.inputs.iter_mut().for_each(resolve);
        resolve(&mut config.warehouse);
        config.catalog.iter_mut().for_each(resolve);
        config.units.iter_mut().for_each(resolve);
        config.divisions.iter_mut().for_each(resolve);
        config.origin = path.display().to_string();
        Ok(config)
    }

    /// Where the catalogue CSVs are read from.
    pub fn catalog_files(&self) -> Files {
        match &self.catalog {
            Some(dir) => Files::Dir(dir.clone()),
            None => Files::Embedded("classification"),
        }
    }

    /// Where the division CSVs are read from.
    pub fn division_files(&self) -> Files {
        match &self.divisions {
            Some(dir) => Files::Dir(dir.clone()),
            None => Files::Embedded("divisions"),
        }
    }

    /// Every problem with this configuration, not just the first.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.inputs.is_empty() {
            problems.push(format!(
                "inputs: no input directory ({}; give --input DIR)",
                self.origin
            ));
        }
        for input in &self.inputs {
            if !input.is_dir() {
                problems.push(format!("inputs: {} is not a directory", input.display()));
            }
        }
        if let Some(catalog) = &self.catalog {
            if !catalog.join("functions.csv").is_file() {
                problems.push(format!(
                    "catalog: {} has no functions.csv",
                    catalog.display()
                ));
            }
        }
        if let Some(units) = &self.units {
            if !units.is_file() {
                problems.push(format!("units: {} does not exist", units.display()));
            }
        }
        if let Some(divisions) = &self.divisions {
            if !divisions.join("townships.csv").is_file() {
                problems.push(format!(
                    "divisions: {} has no townships.csv",
                    divisions.display()
                ));
            }
        }
        if self.jobs > 1024 {
            problems.push(format!(
                "jobs: {} is more threads than makes sense",
                self.jobs
            ));
        }
        problems.extend(self.reconcile.validate());
        let warehouse = self.warehouse.to_string_lossy();
        if let Some((scheme, rest)) = warehouse.split_once("://") {
            if !crate::load::store::is_store_url(&warehouse) && scheme != "file" {
                problems.push(format!(
                    "warehouse: {warehouse}: {scheme}:// is not supported (a directory, file://DIR, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix), and it is not taken for a folder named {scheme}:"
                ));
            } else if scheme != "file" && rest.split('/').next().is_none_or(str::is_empty) {
                problems.push(format!("warehouse: {warehouse}: no bucket"));
            }
        }
        for input in &self.inputs {
            let input = input.to_string_lossy();
            if let Some((scheme, _)) = input.split_once("://") {
                problems.push(format!(
                    "inputs: {input}: juesuan reads local directories only; {scheme}:// is not supported"
                ));
            }
        }
        if self.warehouse.as_os_str().is_empty() {
            problems.push(format!(
                "warehouse: no warehouse directory ({}; give --output DIR)",
                self.origin
            ));
        }
        problems
    }
}

/// Folds `a/b/../c` into `a/c` without touching the file system, so that paths in logs and
/// summaries read as the user would write them.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_folded() {
        assert_eq!(
            normalize(Path::new("config/../data/raw")),
            PathBuf::from("data/raw")
        );
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(normalize(Path::new("/a/b/../c")), PathBuf::from("/a/c"));
    }
}
