//! The pipeline configuration (`config/juesuan.toml`). Relative paths are resolved against
//! the directory of the config file, so a run does not depend on the working directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Input directories, scanned recursively.
    pub inputs: Vec<PathBuf>,
    /// The warehouse directory.
    pub warehouse: PathBuf,
    /// Directory of the classification catalogue CSVs.
    pub catalog: PathBuf,
    /// The units registry (TOML).
    pub units: PathBuf,
    /// Worker threads for extraction; 0 = one per core.
    #[serde(default)]
    pub jobs: usize,
    #[serde(default)]
    pub limits: Limits,
    /// Severity policy of the reconciliation checks.
    #[serde(default)]
    pub reconcile: crate::transform::reconcile::Policy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Inputs larger than this are rejected without being read.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: default_max_file_bytes(),
        }
    }
}

fn default_max_file_bytes() -> u64 {
    200 * 1024 * 1024
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| Error::Config {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = normalize(&base.join(&*p));
            }
        };
        config.inputs.iter_mut().for_each(resolve);
        resolve(&mut config.warehouse);
        resolve(&mut config.catalog);
        resolve(&mut config.units);
        Ok(config)
    }

    /// Every problem with this configuration, not just the first.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.inputs.is_empty() {
            problems.push("inputs: no input directory configured".to_string());
        }
        for input in &self.inputs {
            if !input.is_dir() {
                problems.push(format!("inputs: {} is not a directory", input.display()));
            }
        }
        if !self.catalog.join("functions.csv").is_file() {
            problems.push(format!(
                "catalog: {} has no functions.csv",
                self.catalog.display()
            ));
        }
        if !self.units.is_file() {
            problems.push(format!("units: {} does not exist", self.units.display()));
        }
        if self.jobs > 1024 {
            problems.push(format!(
                "jobs: {} is more threads than makes sense",
                self.jobs
            ));
        }
        problems.extend(self.reconcile.validate());
        if self.warehouse.as_os_str().is_empty() {
            problems.push("warehouse: empty path".to_string());
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
