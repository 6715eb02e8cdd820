//! The batch in one readable function: discover → extract (rayon) → normalise → load.
//! Also the read-only commands that share its setup: `validate` and `catalog`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Instant, SystemTime};

use rayon::prelude::*;
use serde_json::json;

use crate::catalog::Catalog;
use crate::cli::{ConfigArgs, RunArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::extract::workbook::Context;
use crate::extract::{discover, extract_file, FileResult, Input, InputKind, TableStatus};
use crate::load::parquet::{expenditure_batch, rejects_batch, RejectRow};
use crate::load::warehouse::{Dataset, PartitionKey, Warehouse};
use crate::model::{ExpenditureRow, UnitIdentity};
use crate::transform::identify::{resolve, ContentHints};
use crate::transform::text::split_code;
use crate::units::UnitRegistry;

/// What a finished run reports.
#[derive(Debug)]
pub struct RunOutcome {
    pub run_id: String,
    pub inputs: usize,
    pub expenditure_rows: usize,
    pub rejects: usize,
}

impl RunOutcome {
    pub fn exit_code(&self) -> u8 {
        if self.rejects > 0 {
            1
        } else {
            0
        }
    }
}

/// Everything a run needs besides its inputs, loaded once.
struct Setup {
    config: Config,
    catalog: Catalog,
    units: UnitRegistry,
}

fn setup(args: &ConfigArgs) -> Result<Setup> {
    let mut config = Config::load(&args.config)?;
    if !args.inputs.is_empty() {
        config.inputs = args.inputs.clone();
    }
    let mut problems = config.validate();
    if !problems.is_empty() {
        return Err(Error::Config { problems });
    }
    let catalog = Catalog::load(&config.catalog)?;
    problems.extend(catalog.check());
    let units = UnitRegistry::load(&config.units)?;
    if !problems.is_empty() {
        return Err(Error::Config { problems });
    }
    Ok(Setup {
        config,
        catalog,
        units,
    })
}

pub fn run(args: &RunArgs) -> Result<RunOutcome> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let Setup {
        mut config,
        catalog,
        units,
    } = setup(&args.config)?;
    if let Some(out) = &args.output {
        config.warehouse = out.clone();
    }
    if let Some(jobs) = args.jobs {
        config.jobs = jobs;
    }
    let run_id = format!(
        "{}-{}",
        humantime::format_rfc3339_seconds(started_at)
            .to_string()
            .replace([':', '-'], ""),
        std::process::id()
    );
    tracing::info!(run_id, warehouse = %config.warehouse.display(), catalog = catalog.version, "run started");
    // Open (and tidy) the warehouse before reading anything: an unwritable output is fatal
    // and should fail in a second, not after the extraction.
    let warehouse = Warehouse::open(&config.warehouse)?;

    let inputs = discover(&config.inputs)?;
    tracing::info!(files = inputs.len(), "inputs discovered");
    let results = extract_all(&config, &catalog, &units, &inputs)?;

    let (datasets, reject_count) = build_datasets(&units, &results)?;
    let expenditure_rows = datasets[0].rows();
    let manifest = manifest(&run_id, started_at, &catalog, &results, &datasets);
    warehouse.commit(&run_id, &catalog.version, &datasets, &manifest)?;

    let outcome = RunOutcome {
        run_id,
        inputs: inputs.len(),
        expenditure_rows,
        rejects: reject_count,
    };
    print_summary(&outcome, &results, &config, clock.elapsed().as_secs_f64());
    Ok(outcome)
}

fn extract_all(
    config: &Config,
    catalog: &Catalog,
    units: &UnitRegistry,
    inputs: &[Input],
) -> Result<Vec<FileResult>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .thread_name(|i| format!("juesuan-extract-{i}"))
        .build()
        .map_err(|e| Error::Config {
            problems: vec![format!("jobs: cannot start {} threads: {e}", config.jobs)],
        })?;
    let progress = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} extracting [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let ctx = Context { catalog, units };
    let max_bytes = config.limits.max_file_bytes;
    let results: Vec<FileResult> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                let span = tracing::info_span!("extract", file = %input.relative);
                let _entered = span.enter();
                let result = extract_file(&ctx, input, max_bytes);
                let x = &result.extraction;
                for warning in &x.warnings {
                    tracing::warn!("{warning}");
                }
                for reject in &x.rejects {
                    tracing::warn!("rejected: {reject}");
                }
                tracing::debug!(
                    rows = x.expenditure.len(),
                    rejects = x.rejects.len(),
                    "extracted"
                );
                if let Some(bar) = &progress {
                    bar.inc(1);
                    bar.set_message(input.relative.clone());
                }
                result
            })
            .collect()
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(results)
}

/// Groups rows into partitions (year, district) in a stable order, whatever the thread count.
fn build_datasets(units: &UnitRegistry, results: &[FileResult]) -> Result<(Vec<Dataset>, usize)> {
    let mut expenditure: BTreeMap<PartitionKey, Vec<&ExpenditureRow>> = BTreeMap::new();
    for row in results.iter().flat_map(|r| &r.extraction.expenditure) {
        expenditure
            .entry((row.unit.year, row.unit.district_code.clone()))
            .or_default()
            .push(row);
    }
    let mut rejects: BTreeMap<PartitionKey, Vec<RejectRow>> = BTreeMap::new();
    let mut reject_count = 0;
    let fallback: Vec<Option<UnitIdentity>> = results
        .iter()
        .map(|r| match &r.extraction.identity {
            Some(_) => None,
            None => resolve(units, &ContentHints::default(), &r.input.hints)
                .ok()
                .map(|res| res.identity),
        })
        .collect();
    for (result, fallback) in results.iter().zip(&fallback) {
        let unit = result.extraction.identity.as_deref().or(fallback.as_ref());
        let key = unit
            .map(|u| (u.year, u.district_code.clone()))
            .unwrap_or((0, "000000".to_string()));
        for reject in &result.extraction.rejects {
            rejects
                .entry(key.clone())
                .or_default()
                .push(RejectRow { unit, reject });
            reject_count += 1;
        }
    }

    let parquet_error = |dataset: &str, key: &PartitionKey, reason: String| Error::Parquet {
        path: format!("{dataset}/year={}/{}.parquet", key.0, key.1).into(),
        reason,
    };
    let mut expenditure_parts = BTreeMap::new();
    for (key, mut rows) in expenditure {
        rows.sort_by(|a, b| {
            (&a.unit.unit_id, a.fund, a.source, &a.code.code).cmp(&(
                &b.unit.unit_id,
                b.fund,
                b.source,
                &b.code.code,
            ))
        });
        let batch = expenditure_batch(&rows).map_err(|e| parquet_error("expenditure", &key, e))?;
        expenditure_parts.insert(key, batch);
    }
    let mut reject_parts = BTreeMap::new();
    for (key, rows) in rejects {
        let batch = rejects_batch(&rows).map_err(|e| parquet_error("rejects", &key, e))?;
        reject_parts.insert(key, batch);
    }
    Ok((
        vec![
            Dataset {
                name: "expenditure",
                partitions: expenditure_parts,
            },
            Dataset {
                name: "rejects",
                partitions: reject_parts,
            },
        ],
        reject_count,
    ))
}

fn input_status(result: &FileResult) -> &'static str {
    let x = &result.extraction;
    match (
        x.rejects.is_empty(),
        x.expenditure.is_empty()
            && x.tables
                .iter()
                .all(|t| t.status != TableStatus::Loaded && t.status != TableStatus::Empty),
    ) {
        (true, _) => "loaded",
        (false, true) => "rejected",
        (false, false) => "partial",
    }
}

fn manifest(
    run_id: &str,
    started_at: SystemTime,
    catalog: &Catalog,
    results: &[FileResult],
    datasets: &[Dataset],
) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let x = &r.extraction;
            json!({
                "path": r.input.relative,
                "sha256": r.file.sha256,
                "bytes": r.file.bytes,
                "kind": r.input.kind.as_str(),
                "status": input_status(r),
                "unit_id": x.identity.as_ref().map(|u| u.unit_id.clone()),
                "year": x.identity.as_ref().map(|u| u.year),
                "rows": {"expenditure": x.expenditure.len()},
                "rejects": x.rejects.iter().map(|j| j.to_string()).collect::<Vec<_>>(),
                "warnings": x.warnings,
                "tables": x.tables,
            })
        })
        .collect();
    let datasets: serde_json::Map<String, serde_json::Value> = datasets
        .iter()
        .map(|d| {
            let files: Vec<String> = d
                .partitions
                .keys()
                .map(|(y, c)| format!("{}/year={y}/{c}.parquet", d.name))
                .collect();
            (
                d.name.to_string(),
                json!({"rows": d.rows(), "files": files}),
            )
        })
        .collect();
    json!({
        "run_id": run_id,
        "started": humantime::format_rfc3339_seconds(started_at).to_string(),
        "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "juesuan_version": crate::VERSION,
        "catalog_version": catalog.version,
        "datasets": datasets,
        "inputs": inputs,
    })
}

fn print_summary(outcome: &RunOutcome, results: &[FileResult], config: &Config, seconds: f64) {
    let count = |kind: InputKind| results.iter().filter(|r| r.input.kind == kind).count();
    let status = |s: &str| results.iter().filter(|r| input_status(r) == s).count();
    let tables = |s: TableStatus| {
        results
            .iter()
            .flat_map(|r| &r.extraction.tables)
            .filter(|t| t.status == s)
            .count()
    };
    crate::say!("juesuan run {} finished in {seconds:.2} s", outcome.run_id);
    crate::say!(
        "  inputs    {:>6}  (workbooks {}, reports {}, other {})",
        outcome.inputs,
        count(InputKind::Workbook),
        count(InputKind::Report),
        count(InputKind::Unsupported)
    );
    crate::say!(
        "            loaded {}, partial {}, rejected {}",
        status("loaded"),
        status("partial"),
        status("rejected")
    );
    crate::say!(
        "  tables    loaded {}, empty {}, not extracted yet {}, rejected {}, unrecognised {}",
        tables(TableStatus::Loaded),
        tables(TableStatus::Empty),
        tables(TableStatus::Deferred),
        tables(TableStatus::Rejected),
        tables(TableStatus::Unrecognised)
    );
    crate::say!(
        "  rows      expenditure {}, rejects {}",
        outcome.expenditure_rows,
        outcome.rejects
    );
    crate::say!("  warehouse {}", config.warehouse.display());
    let rejected: Vec<_> = results
        .iter()
        .flat_map(|r| &r.extraction.rejects)
        .take(10)
        .collect();
    if !rejected.is_empty() {
        crate::say!(
            "  rejects (first {} of {}):",
            rejected.len(),
            outcome.rejects
        );
        for reject in rejected {
            crate::say!("    {reject}");
        }
    }
    match outcome.exit_code() {
        0 => crate::say!("exit 0: every input loaded"),
        _ => crate::say!("exit 1: the run finished, but some inputs or rows were rejected (see rejects/ and _manifest.json)"),
    }
}

/// `juesuan validate`: every problem with config, catalogue and inputs, nothing written.
/// Exit 0 clean, 1 inputs with problems, 2 config or catalogue unusable.
pub fn validate(args: &ConfigArgs) -> Result<u8> {
    let setup = setup(args)?;
    let inputs = discover(&setup.config.inputs)?;
    let results = extract_all(&setup.config, &setup.catalog, &setup.units, &inputs)?;
    let problems: Vec<String> = results
        .iter()
        .flat_map(|r| r.extraction.rejects.iter().map(|j| j.to_string()))
        .collect();
    let warnings: usize = results.iter().map(|r| r.extraction.warnings.len()).sum();
    crate::say!("config {}: ok", args.config.display());
    crate::say!(
        "catalogue {} ({}): ok",
        setup.catalog.dir.display(),
        setup.catalog.version
    );
    crate::say!(
        "units {}: ok ({} units, {} districts)",
        setup.config.units.display(),
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

fn load_catalog(config: &Path) -> Result<Catalog> {
    let config = Config::load(config)?;
    Catalog::load(&config.catalog)
}

/// `juesuan catalog lookup`: a code in any printed form, or a name fragment.
pub fn catalog_lookup(config: &Path, query: &str, year: i32) -> Result<u8> {
    let catalog = load_catalog(config)?;
    if let Some((code, _)) = split_code(query) {
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
    let key = crate::transform::text::name_key(query);
    let hits: Vec<_> = catalog
        .functions_in(year)
        .into_iter()
        .filter(|r| crate::transform::text::name_key(&r.name).contains(&key))
        .collect();
    for row in &hits {
        crate::say!("{} {}  [{}]", row.code, row.name, row.level);
    }
    if hits.is_empty() {
        crate::say!("no code named like {query:?} in {year}");
        return Ok(1);
    }
    Ok(0)
}

/// `juesuan catalog check`: every problem in the catalogue CSVs.
pub fn catalog_check(config: &Path) -> Result<u8> {
    let catalog = load_catalog(config)?;
    let problems = catalog.check();
    for p in &problems {
        crate::say!("{p}");
    }
    crate::say!(
        "catalogue {} ({}): {} problems",
        catalog.dir.display(),
        catalog.version,
        problems.len()
    );
    Ok(if problems.is_empty() { 0 } else { 1 })
}
