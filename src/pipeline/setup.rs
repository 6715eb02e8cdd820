//! What a run needs before it reads an input: the configuration with the command line's
//! overrides, the catalogue and units (validated), the thread pool, and the fingerprint of
//! everything that shapes the derived records.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::reference::catalog::{hex, Catalog};
use crate::reference::units::UnitRegistry;

/// Everything a run needs besides its inputs, loaded once.
pub(crate) struct Setup {
    pub config: Config,
    pub catalog: Catalog,
    pub units: UnitRegistry,
}

pub(crate) fn setup(args: &ConfigArgs, output: Option<&Path>) -> Result<Setup> {
    let mut config = Config::locate(args.config.as_deref())?;
    if !args.inputs.is_empty() {
        config.inputs = args.inputs.clone();
    }
    if let Some(out) = output {
        config.warehouse = out.to_path_buf();
    }
    let mut problems = config.validate();
    if !problems.is_empty() {
        return Err(Error::Config { problems });
    }
    let catalog = Catalog::from_files(&config.catalog_files())?;
    problems.extend(catalog.check());
    let units = UnitRegistry::from_sources(config.units.as_deref(), &config.division_files())?;
    if !problems.is_empty() {
        return Err(Error::Config { problems });
    }
    Ok(Setup {
        config,
        catalog,
        units,
    })
}

/// Changes when anything that shapes the extracted rows changes: juesuan itself (version,
/// build, warehouse schema), the catalogue, the units registry or the limits.
pub(crate) fn fingerprint(config: &Config, catalog: &Catalog, units: &UnitRegistry) -> String {
    let mut h = Sha256::new();
    h.update(crate::VERSION.as_bytes());
    h.update([0]);
    h.update(catalog.version.as_bytes());
    h.update([0]);
    h.update(units.version.as_bytes());
    h.update([0]);
    h.update(units.divisions.version.as_bytes());
    h.update([0]);
    h.update(format!("{:?}", config.limits).as_bytes());
    // The checks' policy decides the findings of every partition.
    h.update(format!("{:?}", config.reconcile).as_bytes());
    // The warehouse's columns, and the build of juesuan itself: a new build may derive
    // differently even under the same version number.
    h.update(crate::load::schema::dictionary().as_bytes());
    h.update(build_identity());
    hex(&h.finalize())[..16].to_string()
}

/// The running binary's size and modification time: what tells one build from another.
pub(crate) fn build_identity() -> Vec<u8> {
    let mut id = Vec::new();
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        id.extend(meta.len().to_le_bytes());
        if let Ok(modified) = meta
            .modified()
            .map(|m| m.duration_since(std::time::UNIX_EPOCH).unwrap_or_default())
        {
            id.extend(modified.as_nanos().to_le_bytes());
        }
    }
    id
}

pub(crate) fn thread_pool(config: &Config) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .thread_name(|i| format!("juesuan-{i}"))
        .build()
        .map_err(|e| Error::Config {
            problems: vec![format!("jobs: cannot start {} threads: {e}", config.jobs)],
        })
}

/// Peak resident memory of this process (VmHWM), where the OS says it.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A run's id: its start time and process id (`20261201T214157Z-24086`), the name of the
/// version it commits.
pub(crate) fn run_id(started_at: std::time::SystemTime) -> String {
    format!(
        "{}-{}",
        humantime::format_rfc3339_seconds(started_at)
            .to_string()
            .replace([':', '-'], ""),
        std::process::id()
    )
}
