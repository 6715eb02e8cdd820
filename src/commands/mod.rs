//! The commands other than `run`: `validate` (everything checked, nothing written),
//! `catalog lookup|export|check` and `config init`. Command code prints; the library returns.

pub mod run;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use rayon::prelude::*;

use serde_json::json;

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::extract::{discover, source_file};
use crate::model::SourceFile;
use crate::pipeline::records::Records;
use crate::pipeline::setup::{setup, thread_pool};
use crate::reference::catalog::Catalog;
use crate::reference::text::split_code;
use crate::transform::tables::Context;

/// `juesuan validate`: every problem with config, catalogue and inputs, nothing written.
/// Exit 0 clean, 1 inputs with problems, 2 config or catalogue unusable.
/// `juesuan commit`: publishes a sharded run's shards as one version.
pub fn commit(args: &crate::cli::CommitArgs) -> Result<u8> {
    let said = crate::pipeline::commit(args)?;
    crate::say!("{said}");
    Ok(0)
}

pub fn validate(args: &ConfigArgs) -> Result<u8> {
    let setup = setup(args, Some(Path::new("(not written by validate)")))?;
    let inputs = discover(&setup.config.inputs)?.inputs;
    let pool = thread_pool(&setup.config)?;
    let files: Vec<Arc<SourceFile>> = pool.install(|| inputs.par_iter().map(source_file).collect());
    let ctx = Context {
        catalog: &setup.catalog,
        units: &setup.units,
        limits: &setup.config.limits,
    };
    let all: Vec<usize> = (0..inputs.len()).collect();
    let opened: Vec<AtomicBool> = inputs.iter().map(|_| AtomicBool::new(true)).collect();
    let keys = vec![String::new(); inputs.len()];
    let live = crate::pipeline::records::Live::default();
    let records = Records::uncached(&pool, &ctx, &inputs, &files, &keys, &opened, &live);
    // Each input's rejects and findings, its records dropped as soon as they are counted.
    let checked = records.map(&all, |_, held| {
        let x = &held.result.extraction;
        let problems: Vec<String> = x.rejects.iter().map(|j| j.to_string()).collect();
        (problems, x.findings.len())
    });
    let problems: Vec<String> = checked
        .iter()
        .flat_map(|(_, (p, _))| p.iter().cloned())
        .collect();
    let warnings: usize = checked.iter().map(|(_, (_, w))| w).sum();
    crate::say!("config {}: ok", setup.config.origin);
    crate::say!(
        "catalogue {} ({}): ok",
        setup.catalog.files.describe(),
        setup.catalog.version
    );
    let [provinces, cities, counties, townships] = setup.units.divisions.counts();
    crate::say!(
        "divisions {} ({}): ok ({provinces} provinces, {cities} cities, {counties} counties, {townships} townships)",
        setup.config.division_files().describe(),
        setup.units.divisions.version
    );
    crate::say!(
        "units {}: ok ({} overrides, {} added districts)",
        setup
            .config
            .units
            .as_ref()
            .map_or("embedded units.toml".to_string(), |p| p
                .display()
                .to_string()),
        setup.units.units.len(),
        setup.units.districts.len()
    );
    crate::say!(
        "inputs: {} files, {} problems, {} warnings",
        inputs.len(),
        problems.len(),
        warnings
    );
    for p in &problems {
        crate::say!("  - {p}");
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

fn load_catalog(config: Option<&Path>) -> Result<Catalog> {
    let config = Config::locate(config)?;
    Catalog::from_files(&config.catalog_files())
}

/// `juesuan catalog lookup`: a code in any printed form, or a name fragment.
pub fn catalog_lookup(config: Option<&Path>, query: &str, year: i32) -> Result<u8> {
    let catalog = load_catalog(config)?;
    if let Some((code, _)) = split_code(query) {
        let code = match catalog.crosswalk(&code, year) {
            Some(moved) => {
                crate::say!(
                    "{code} was {} into {} in {} ({}, {}): showing {}",
                    moved.kind,
                    moved.to_code,
                    moved.year,
                    moved.evidence,
                    moved.source,
                    moved.to_code
                );
                moved.to_code.clone()
            }
            None => code,
        };
        let Some(row) = catalog.function(&code, year) else {
            crate::say!("{code}: not in the catalogue for {year}");
            return Ok(1);
        };
        for len in [3, 5, 7].into_iter().filter(|&l| l < code.len()) {
            if let Some(parent) = catalog.function(&code[..len], year) {
                crate::say!(
                    "{}{} {}",
                    "  ".repeat(len / 2 - 1),
                    parent.code,
                    parent.name
                );
            }
        }
        crate::say!(
            "{}{} {}  [{}]",
            "  ".repeat(code.len() / 2 - 1),
            row.code,
            row.name,
            row.level
        );
        crate::say!("  evidence: {} — {}", row.evidence, row.source);
        for alias in catalog.aliases(&code, year) {
            crate::say!(
                "  also printed as {:?} ({}, {})",
                alias.alias,
                alias.kind,
                alias.source
            );
        }
        for other in catalog.other_periods(&code, year) {
            crate::say!(
                "  in {}–{}: {:?}",
                other.valid_from.map_or("…".into(), |y| y.to_string()),
                other.valid_to.map_or("…".into(), |y| y.to_string()),
                other.name
            );
        }
        if let Some(cofog) = catalog.cofog(&code[..3]) {
            crate::say!("  COFOG {cofog} (proposed mapping)");
        }
        return Ok(0);
    }
    let key = crate::reference::text::name_key(query);
    let like = |name: &str| crate::reference::text::name_key(name).contains(&key);
    let mut hits = 0;
    for row in catalog.functions_in(year) {
        let alias = catalog.aliases(&row.code, year).find(|a| like(&a.alias));
        if like(&row.name) || alias.is_some() {
            hits += 1;
            match alias.filter(|_| !like(&row.name)) {
                Some(a) => crate::say!(
                    "{} {}  [{}]  (printed as {:?}: {})",
                    row.code,
                    row.name,
                    row.level,
                    a.alias,
                    a.kind
                ),
                None => crate::say!("{} {}  [{}]", row.code, row.name, row.level),
            }
        }
    }
    // 经济分类 codes too: matched by code in the tables, but a name finds them here.
    for row in catalog.economic_in(year) {
        let alias = catalog.aliases(&row.code, year).find(|a| like(&a.alias));
        if like(&row.name) || alias.is_some() {
            hits += 1;
            crate::say!(
                "{} {}  [经济分类 {}]{}",
                row.code,
                row.name,
                row.level,
                alias
                    .filter(|_| !like(&row.name))
                    .map_or(String::new(), |a| format!(
                        "  (printed as {:?}: {})",
                        a.alias, a.kind
                    ))
            );
        }
    }
    if hits == 0 {
        crate::say!("no code named like {query:?} in {year}");
        return Ok(1);
    }
    Ok(0)
}

/// `juesuan catalog export`: the function codes valid in `year`, one per line (CSV) or as a
/// JSON array, with level, parent, the 类's COFOG division and the evidence of each row.
pub fn catalog_export(
    config: Option<&Path>,
    format: crate::cli::ExportFormat,
    year: i32,
) -> Result<u8> {
    let catalog = load_catalog(config)?;
    let rows: Vec<serde_json::Value> = catalog
        .functions_in(year)
        .into_iter()
        .map(|r| {
            json!({
                "code": r.code, "level": r.level, "parent": r.parent, "name": r.name,
                "cofog": catalog.cofog(&r.code[..3.min(r.code.len())]),
                "evidence": r.evidence, "source": r.source,
            })
        })
        .collect();
    match format {
        crate::cli::ExportFormat::Json => {
            crate::say!(
                "{}",
                serde_json::to_string_pretty(&rows).map_err(|e| Error::Catalog {
                    path: catalog.files.path_of(""),
                    line: 0,
                    reason: e.to_string()
                })?
            );
        }
        crate::cli::ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let io = |e: csv::Error| Error::Catalog {
                path: catalog.files.path_of(""),
                line: 0,
                reason: e.to_string(),
            };
            w.write_record([
                "code", "level", "parent", "name", "cofog", "evidence", "source",
            ])
            .map_err(io)?;
            for r in &rows {
                let field = |k: &str| r[k].as_str().unwrap_or("").to_string();
                w.write_record([
                    field("code"),
                    field("level"),
                    field("parent"),
                    field("name"),
                    field("cofog"),
                    field("evidence"),
                    field("source"),
                ])
                .map_err(io)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Catalog {
                path: catalog.files.path_of(""),
                line: 0,
                reason: e.to_string(),
            })?;
            crate::say!("{}", String::from_utf8_lossy(&bytes).trim_end());
        }
    }
    Ok(0)
}

/// `juesuan catalog check`: every problem in the catalogue CSVs.
pub fn catalog_check(config: Option<&Path>) -> Result<u8> {
    let catalog = load_catalog(config)?;
    let problems = catalog.check();
    for p in &problems {
        crate::say!("{p}");
    }
    crate::say!(
        "catalogue {} ({}): {} problems",
        catalog.files.describe(),
        catalog.version,
        problems.len()
    );
    Ok(if problems.is_empty() { 0 } else { 1 })
}

/// `juesuan config init DIR`: the embedded defaults as files to edit.
pub fn config_init(dir: &Path) -> Result<u8> {
    let (written, kept) = crate::reference::bundled::write_defaults(dir)?;
    for path in &written {
        crate::say!("wrote {}", path.display());
    }
    for path in &kept {
        crate::say!("kept  {} (exists)", path.display());
    }
    crate::say!(
        "put the inputs under {} and run: juesuan run --config {}",
        dir.join("raw").display(),
        dir.join("juesuan.toml").display()
    );
    Ok(0)
}
