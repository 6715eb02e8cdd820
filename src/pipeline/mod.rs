//! The batch in one readable function: discover → extract (rayon) → normalise → load.
//! Also the read-only commands that share its setup: `validate` and `catalog`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub mod cache;

use arrow::array::RecordBatch;
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cli::{ConfigArgs, RunArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::extract::{discover, source_file, Discovery, Input, Skipped};
use crate::load::batch::{self, Record};
use crate::load::dataset::{parse_partition_label, partition_label, Dataset, PartitionKey};
use crate::load::sink::LocalFs;
use crate::load::warehouse::{pause_point, Commit, InputState, PartitionFile, State, Warehouse};
use crate::model::{
    EconomicRow, ExpenditureRow, Fact, Finding, PerformanceProject, Reject, Severity, Source,
    SourceFile, UnitIdentity, Yuan,
};
use crate::model::{ExecutionRow, UnitRow};
use crate::reference::catalog::{hex, Catalog};
use crate::reference::text::split_code;
use crate::reference::units::UnitRegistry;
use crate::transform::derive;
use crate::transform::tables::Context;
use crate::transform::{grain, reconcile};
use crate::transform::{Extraction, FileResult, TableStatus};

/// What a finished run reports.
#[derive(Debug)]
pub struct RunOutcome {
    pub run_id: String,
    pub inputs: usize,
    /// Inputs read this run (the others were unchanged and came from the cache).
    pub extracted: usize,
    /// Inputs opened this run (to hash or to parse them); the others were known by their
    /// size and modification time, and their parse came from the cache.
    pub opened: usize,
    pub expenditure_rows: usize,
    /// Rejects of all current inputs, read this run or not.
    pub rejects: usize,
    /// Partitions rewritten.
    pub rewritten: usize,
    /// Error findings in the warehouse, and whether they fail the run (`--strict`).
    pub errors: usize,
    pub strict: bool,
}

impl RunOutcome {
    pub fn exit_code(&self) -> u8 {
        if self.rejects > 0 || (self.strict && self.errors > 0) {
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

fn setup(args: &ConfigArgs, output: Option<&Path>) -> Result<Setup> {
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

pub fn run(args: &RunArgs) -> Result<RunOutcome> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let Setup {
        mut config,
        catalog,
        units,
    } = setup(&args.config, args.output.as_deref())?;
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
    // Lock and repair the warehouse before reading anything: a held lock or an unwritable
    // output is fatal, and should fail in a second, not after the extraction.
    let sink = LocalFs::open(&config.warehouse)?;
    let cache = cache::Cache::new(sink.cache_dir());
    let warehouse = Warehouse::new(Box::new(sink));
    tracing::info!(run_id, warehouse = %config.warehouse.display(), catalog = catalog.version, "run started");
    let previous = warehouse.load_state();
    let fingerprint = fingerprint(&config, &catalog, &units);
    let full = args.full || previous.fingerprint != fingerprint;
    if full && !args.full && !previous.inputs.is_empty() {
        tracing::info!(
            "juesuan, catalogue, units or limits changed since the last run: rebuilding everything"
        );
    }

    let pool = thread_pool(&config)?;
    let Discovery { inputs, skipped } = discover(&config.inputs)?;
    // An input whose path, size and modification time are those the last run recorded keeps
    // its sha256 without being read (as git's index does); `--full` hashes every input.
    let hashed_ns = started_at
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok());
    let hashed: Vec<Hashed> = pool.install(|| {
        inputs
            .par_iter()
            .map(|i| {
                hash_unless_unchanged(i, previous.inputs.get(&i.relative).filter(|_| !args.full))
            })
            .collect()
    });
    let files: Vec<Arc<SourceFile>> = hashed.iter().map(|h| h.file.clone()).collect();
    let opened: Vec<AtomicBool> = hashed.iter().map(|h| AtomicBool::new(h.opened)).collect();
    let count_opened =
        |opened: &[AtomicBool]| opened.iter().filter(|o| o.load(Ordering::Relaxed)).count();
    tracing::info!(files = inputs.len(), "inputs discovered and hashed");

    // Unchanged inputs (same path, same parse key, same fingerprint) keep their records.
    let parser = cache::ParserId::new(&config.limits);
    let keys: Vec<String> = inputs
        .iter()
        .zip(&files)
        .map(|(i, f)| {
            if f.sha256.is_empty() {
                String::new()
            } else {
                parser.key(&f.sha256, i.kind, &i.path)
            }
        })
        .collect();
    let unchanged: Vec<bool> = inputs
        .iter()
        .zip(&keys)
        .map(|(i, key)| {
            !full
                && !key.is_empty()
                && previous
                    .inputs
                    .get(&i.relative)
                    .is_some_and(|s| &s.cache_key == key)
        })
        .collect();
    let deleted: Vec<&String> = previous
        .inputs
        .keys()
        .filter(|p| !inputs.iter().any(|i| &i.relative == *p))
        .collect();
    let changed: Vec<usize> = (0..inputs.len()).filter(|&i| !unchanged[i]).collect();
    if changed.is_empty() && deleted.is_empty() && !full {
        let rejects: usize = previous.inputs.values().map(|s| s.rejects).sum();
        let outcome = RunOutcome {
            run_id,
            inputs: inputs.len(),
            extracted: 0,
            opened: count_opened(&opened),
            expenditure_rows: previous
                .rows
                .get("expenditure")
                .map_or(0, |r| r.values().sum()),
            rejects,
            rewritten: 0,
            errors: previous.errors.values().sum(),
            strict: args.strict,
        };
        crate::say!("juesuan run {}: nothing changed since the last run; the warehouse was not touched ({:.2} s)", outcome.run_id, clock.elapsed().as_secs_f64());
        crate::say!(
            "  inputs {} unchanged ({} opened), rows expenditure {}, rejects {}",
            inputs.len(),
            outcome.opened,
            outcome.expenditure_rows,
            rejects
        );
        return Ok(outcome);
    }

    let ctx = Context {
        catalog: &catalog,
        units: &units,
        limits: &config.limits,
    };
    let records = Records {
        pool: &pool,
        ctx: &ctx,
        cache: Some(&cache),
        inputs: &inputs,
        files: &files,
        keys: &keys,
        opened: &opened,
    };
    let phase = Instant::now();
    let fresh = records.of(&changed);
    tracing::info!(files = changed.len(), elapsed = ?phase.elapsed(), "extracted");
    pause_point("extracted");

    // Partitions to rewrite: those of changed inputs (new and old) and of deleted ones.
    let mut touched: BTreeSet<PartitionKey> = BTreeSet::new();
    for (i, result) in &fresh {
        touched.extend(result.extraction.partitions());
        if let Some(old) = previous.inputs.get(&inputs[*i].relative) {
            touched.extend(old.partitions.iter().cloned());
        }
    }
    for path in &deleted {
        touched.extend(previous.inputs[*path].partitions.iter().cloned());
    }
    if full {
        touched.extend(
            previous
                .inputs
                .values()
                .flat_map(|s| s.partitions.iter().cloned()),
        );
    }

    // A year's checks compare it with the year before: a touched year touches the next one,
    // and the year before each touched one is read (not written).
    let known: BTreeSet<PartitionKey> = previous
        .inputs
        .values()
        .flat_map(|s| s.partitions.iter().cloned())
        .chain(fresh.values().flat_map(|r| r.extraction.partitions()))
        .collect();
    let next_years: Vec<PartitionKey> = touched
        .iter()
        .map(|(y, d)| (y + 1, d.clone()))
        .filter(|k| known.contains(k))
        .collect();
    touched.extend(next_years);
    let context: BTreeSet<PartitionKey> = touched
        .iter()
        .flat_map(|(y, d)| [(*y, d.clone()), (y - 1, d.clone())])
        .collect();

    // Every unchanged input with rows in a touched partition (or the year before) is
    // interpreted again, from its cached parse.
    let again: Vec<usize> = (0..inputs.len())
        .filter(|&i| unchanged[i])
        .filter(|&i| {
            previous.inputs[&inputs[i].relative]
                .partitions
                .iter()
                .any(|p| context.contains(p))
        })
        .collect();
    let mut results: BTreeMap<usize, FileResult> = fresh;
    results.extend(records.of(&again));

    let phase = Instant::now();
    let built = build_partitions(&results, &touched, &config.reconcile)?;
    tracing::info!(partitions = touched.len(), elapsed = ?phase.elapsed(), "derived, checked and encoded");
    let (partition_files, rows) = (built.files, built.counts);
    let (checks, by_unit) = (built.checks, built.by_unit);
    let live: BTreeSet<PartitionKey> = rows.keys().cloned().collect();
    let removed: Vec<PartitionKey> = touched
        .iter()
        .filter(|p| !live.contains(*p))
        .cloned()
        .collect();

    // The new state: unchanged inputs keep their entry, the others get a new one.
    let mut state = State {
        fingerprint: fingerprint.clone(),
        inputs: BTreeMap::new(),
        rows: if full {
            BTreeMap::new()
        } else {
            previous.rows.clone()
        },
        errors: if full {
            BTreeMap::new()
        } else {
            previous.errors.clone()
        },
        previous_version: None, // the commit records it
    };
    for (i, input) in inputs.iter().enumerate() {
        let mut entry = match results.get(&i).filter(|_| !unchanged[i]) {
            Some(result) => InputState {
                sha256: files[i].sha256.to_string(),
                bytes: files[i].bytes,
                modified_ns: None,
                hashed_ns: None,
                cache_key: keys[i].clone(),
                partitions: result.extraction.partitions().into_iter().collect(),
                rejects: result.extraction.rejects.len(),
                manifest: input_manifest(result),
            },
            None => previous.inputs[&input.relative].clone(),
        };
        // What the hash was taken of: the next run trusts the same size and time.
        if hashed[i].opened {
            entry.bytes = files[i].bytes;
            entry.modified_ns = hashed[i].modified_ns;
            entry.hashed_ns = hashed_ns;
        } else if let Some(known) = previous.inputs.get(&input.relative) {
            entry.modified_ns = known.modified_ns;
            entry.hashed_ns = known.hashed_ns;
        }
        // An input of a partition that could not be written is rejected, and read again
        // next run (no cache key).
        if let Some(reason) = entry.partitions.iter().find_map(|p| built.failed.get(p)) {
            entry.rejects += 1;
            entry.cache_key.clear();
            entry.manifest["status"] = json!("rejected");
            entry.manifest["write_error"] = json!(reason);
        }
        state.inputs.insert(input.relative.clone(), entry);
    }
    for dataset in Dataset::ALL {
        let counts = state.rows.entry(dataset.name().to_string()).or_default();
        for p in &touched {
            counts.remove(&partition_label(p));
        }
        for (p, per_dataset) in &rows {
            counts.insert(partition_label(p), per_dataset[&dataset]);
        }
    }
    for p in &touched {
        state.errors.remove(&partition_label(p));
    }
    for (p, n) in &built.errors {
        if *n > 0 && live.contains(p) {
            state.errors.insert(partition_label(p), *n);
        }
    }
    let manifest = manifest(&run_id, started_at, &catalog, &state, &touched, &skipped);
    let rejects: usize = state.inputs.values().map(|s| s.rejects).sum();
    let expenditure_rows = state
        .rows
        .get("expenditure")
        .map_or(0, |r| r.values().sum());
    let summary_state = state.clone();
    let live_parses: BTreeSet<&str> = summary_state
        .inputs
        .values()
        .map(|i| i.cache_key.as_str())
        .collect();
    warehouse.commit(Commit {
        run_id: &run_id,
        catalog_version: &catalog.version,
        files: partition_files,
        removed,
        state,
        manifest,
    })?;
    // Parses no input refers to any more are removed.
    cache.retain(&live_parses);

    let outcome = RunOutcome {
        run_id,
        inputs: inputs.len(),
        extracted: changed.len(),
        opened: count_opened(&opened),
        expenditure_rows,
        rejects,
        rewritten: touched.len(),
        errors: summary_state.errors.values().sum(),
        strict: args.strict,
    };
    print_summary(
        &outcome,
        &summary_state,
        &deleted,
        &config,
        clock.elapsed().as_secs_f64(),
        checks,
        &by_unit,
    );
    Ok(outcome)
}

/// Changes when anything that shapes the extracted rows changes: juesuan itself (version,
/// build, warehouse schema), the catalogue, the units registry or the limits.
fn fingerprint(config: &Config, catalog: &Catalog, units: &UnitRegistry) -> String {
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

fn thread_pool(config: &Config) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .thread_name(|i| format!("juesuan-{i}"))
        .build()
        .map_err(|e| Error::Config {
            problems: vec![format!("jobs: cannot start {} threads: {e}", config.jobs)],
        })
}

/// How an input's sha256 was learnt.
struct Hashed {
    file: Arc<SourceFile>,
    /// Its modification time as seen before it was hashed.
    modified_ns: Option<u64>,
    /// True when it was read to hash it (false: known from the last run).
    opened: bool,
}

/// Files modified this close to the moment they were hashed are hashed again next time: a
/// change within the file system's timestamp granularity could otherwise go unseen.
const RACY_NS: u64 = 2_000_000_000;

/// The input's identity: its sha256 as the last run recorded it when its size and
/// modification time are unchanged (and were not racy then), else hashed now.
fn hash_unless_unchanged(input: &Input, known: Option<&InputState>) -> Hashed {
    let meta = std::fs::metadata(&input.path).ok();
    let modified_ns = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok());
    if input.refused.is_some() {
        return Hashed {
            file: source_file(input),
            modified_ns: None,
            opened: false,
        };
    }
    if let (Some(known), Some(meta), Some(modified)) = (known, &meta, modified_ns) {
        let settled = known
            .hashed_ns
            .is_some_and(|h| modified.saturating_add(RACY_NS) < h);
        if !known.sha256.is_empty()
            && meta.len() == known.bytes
            && known.modified_ns == Some(modified)
            && settled
        {
            let file = SourceFile {
                display_path: Arc::from(input.relative.as_str()),
                sha256: Arc::from(known.sha256.as_str()),
                bytes: known.bytes,
            };
            return Hashed {
                file: Arc::new(file),
                modified_ns,
                opened: false,
            };
        }
    }
    Hashed {
        file: source_file(input),
        modified_ns,
        opened: true,
    }
}

/// Turns inputs into records: each one's parse from the cache, or parsed now (and cached);
/// then interpreted. In parallel; results keyed by input index.
struct Records<'a> {
    pool: &'a rayon::ThreadPool,
    ctx: &'a Context<'a>,
    /// None for `validate`, which writes nothing.
    cache: Option<&'a cache::Cache>,
    inputs: &'a [Input],
    files: &'a [Arc<SourceFile>],
    keys: &'a [String],
    /// Which inputs were opened (to hash or to parse them).
    opened: &'a [AtomicBool],
}

impl Records<'_> {
    fn of(&self, which: &[usize]) -> BTreeMap<usize, FileResult> {
        let progress = (std::io::stderr().is_terminal() && which.len() > 1).then(|| {
            let bar = indicatif::ProgressBar::new(which.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} extracting [{bar:30}] {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let results: Vec<(usize, FileResult)> = self.pool.install(|| {
            which
                .par_iter()
                .map(|&i| {
                    let result = self.one(i);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                        bar.set_message(self.inputs[i].relative.clone());
                    }
                    (i, result)
                })
                .collect()
        });
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        results.into_iter().collect()
    }

    fn one(&self, i: usize) -> FileResult {
        let (input, file, key) = (&self.inputs[i], &self.files[i], &self.keys[i]);
        let span = tracing::info_span!("extract", file = %input.relative);
        let _entered = span.enter();
        let cache = self.cache.filter(|_| !key.is_empty());
        let cached = cache.and_then(|c| c.get(key));
        let document = cached.unwrap_or_else(|| {
            let document = crate::extract::parse(input, file, self.ctx.limits);
            if document.cacheable() {
                self.opened[i].store(true, Ordering::Relaxed);
                if let Some(Err(e)) = cache.map(|c| c.put(key, &document)) {
                    tracing::warn!("cannot write the extraction cache: {e}");
                }
            }
            document
        });
        // Interpretation that panics (a bug of juesuan's) costs its file, never the batch.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::transform::interpret(self.ctx, input, file.clone(), &document)
        }))
        .unwrap_or_else(|panic| {
            let message = crate::extract::panic_message(panic.as_ref());
            crate::transform::panicked(self.ctx, input, file.clone(), &message)
        });
        let x = &result.extraction;
        for finding in &x.findings {
            tracing::warn!("{}", finding.message);
        }
        for reject in &x.rejects {
            tracing::warn!("rejected: {reject}");
        }
        tracing::debug!(
            rows = x.expenditure.len(),
            rejects = x.rejects.len(),
            "extracted"
        );
        result
    }
}

/// Rows per dataset for every touched partition, sorted so that files are identical
/// whatever the thread count; plus the row counts of each.
#[allow(clippy::type_complexity)]
fn build_partitions(
    results: &BTreeMap<usize, FileResult>,
    touched: &BTreeSet<PartitionKey>,
    policy: &reconcile::Policy,
) -> Result<Built> {
    let x = || results.values().map(|r| &r.extraction);
    let inside = |key: (i32, String)| touched.contains(&key);
    // One narrative report per unit-year: when an office published the same report twice
    // (.docx and .txt), the first by path is loaded and the others are named in findings.
    let everything: BTreeSet<PartitionKey> = x().flat_map(|e| e.partitions()).collect();
    let (chosen_reports, mut duplicate_findings) = choose_reports(results, &everything);
    // One copy of each table per unit-year, likewise.
    let (chosen_tables, table_findings) = choose_tables(results);
    duplicate_findings.extend(table_findings);
    let table_chosen = |unit: &UnitIdentity, source: &str, at: &crate::model::Provenance| {
        chosen_tables.contains(&(
            unit.unit_id.clone(),
            unit.year,
            source.to_string(),
            at.file.display_path.to_string(),
            at.origin.sheet().unwrap_or("").to_string(),
        ))
    };
    let chosen = |r: &ExpenditureRow| {
        if r.source == Source::Report {
            chosen_reports.contains(&(
                r.unit.unit_id.clone(),
                r.unit.year,
                r.provenance.file.display_path.to_string(),
            ))
        } else {
            table_chosen(&r.unit, r.source.id(), &r.provenance)
        }
    };
    // Rows of every loaded partition feed the derived datasets and the checks (the year
    // before a touched one is loaded for year-over-year checks); only touched ones are written.
    let mut expenditure_all: Vec<&ExpenditureRow> = x()
        .flat_map(|e| &e.expenditure)
        .filter(|r| chosen(r))
        .collect();
    expenditure_all.sort_by(|a, b| {
        (
            &a.unit.unit_id,
            a.fund,
            a.source.id(),
            &a.code.code,
            &a.provenance.file.display_path,
            a.provenance.origin.row(),
        )
            .cmp(&(
                &b.unit.unit_id,
                b.fund,
                b.source.id(),
                &b.code.code,
                &b.provenance.file.display_path,
                b.provenance.origin.row(),
            ))
    });
    // The grain: one row per (unit, year, source, fund, code); copies become findings.
    let (expenditure_all, grain_findings) = grain::unique(expenditure_all);
    duplicate_findings.extend(grain_findings);
    // Tables first, then reports: a metric both state is taken from the table.
    let mut facts: Vec<(&Arc<UnitIdentity>, &Fact)> = x()
        .filter_map(|e| e.identity.as_ref().map(|u| (u, &e.facts)))
        .flat_map(|(u, facts)| facts.iter().map(move |f| (u, f)))
        .collect();
    facts.sort_by_key(|(_, f)| !f.provenance.origin.is_table());
    let units_all: Vec<UnitRow> = derive::units(facts);
    let execution_all = derive::execution(&expenditure_all, &units_all);
    let chosen_extractions: Vec<&Extraction> = results
        .values()
        .filter(|r| {
            !r.extraction.has_narrative()
                || r.extraction.identity.as_ref().is_some_and(|u| {
                    chosen_reports.contains(&(u.unit_id.clone(), u.year, r.input.relative.clone()))
                })
        })
        .map(|r| &r.extraction)
        .collect();
    let phase = Instant::now();
    let (reconciled, checks) = reconcile::reconcile(
        &reconcile::Input {
            extractions: chosen_extractions,
            expenditure: &expenditure_all,
            units: &units_all,
            execution: &execution_all,
        },
        policy,
    );
    tracing::info!(checks, elapsed = ?phase.elapsed(), "checks run");
    let expenditure: Vec<&ExpenditureRow> = expenditure_all
        .iter()
        .copied()
        .filter(|r| inside(r.partition()))
        .collect();
    let units: Vec<UnitRow> = units_all
        .into_iter()
        .filter(|u| inside(u.partition()))
        .collect();
    let execution: Vec<ExecutionRow> = execution_all
        .into_iter()
        .filter(|e| inside(e.partition()))
        .collect();
    let mut economic: Vec<&EconomicRow> = x()
        .flat_map(|e| &e.economic)
        .filter(|r| inside(r.partition()))
        .filter(|r| table_chosen(&r.unit, r.source.id(), &r.provenance))
        .collect();
    economic.sort_by(|a, b| {
        (
            &a.unit.unit_id,
            a.source.id(),
            &a.code,
            a.provenance.origin.row(),
        )
            .cmp(&(
                &b.unit.unit_id,
                b.source.id(),
                &b.code,
                b.provenance.origin.row(),
            ))
    });
    let (economic, economic_copies) = grain::unique(economic);
    let projects: Vec<&PerformanceProject> = x()
        .flat_map(|e| &e.projects)
        .filter(|r| inside(r.partition()))
        .filter(|r| {
            chosen_reports.contains(&(
                r.unit.unit_id.clone(),
                r.unit.year,
                r.provenance.file.display_path.to_string(),
            ))
        })
        .collect();
    let (projects, project_copies) = grain::unique(projects);
    // The findings of the readers, the identification and the grain, governed by the
    // severity policy as the checks' own are (off drops them).
    let governed: Vec<Finding> = x()
        .flat_map(|e| &e.findings)
        .chain(&duplicate_findings)
        .chain(&economic_copies)
        .chain(&project_copies)
        .filter(|r| inside(r.partition()))
        .filter_map(|f| {
            let severity = policy.govern(f.rule, None, f.severity)?;
            Some(Finding {
                severity,
                ..f.clone()
            })
        })
        .collect();
    let mut findings: Vec<&Finding> = governed
        .iter()
        .chain(reconciled.iter().filter(|r| inside(r.partition())))
        .collect();
    findings.sort_by(|a, b| {
        (&a.file.display_path, a.rule.id(), &a.references, &a.message).cmp(&(
            &b.file.display_path,
            b.rule.id(),
            &b.references,
            &b.message,
        ))
    });
    // A statement repeated word for word fails its check once.
    findings.dedup_by(|a, b| {
        (
            &a.file.display_path,
            &a.rule,
            &a.references,
            &a.message,
            &a.unit,
        ) == (
            &b.file.display_path,
            &b.rule,
            &b.references,
            &b.message,
            &b.unit,
        )
    });
    // What the checks found, per partition (for --strict) and per unit (for the summary).
    let mut errors: BTreeMap<PartitionKey, usize> =
        touched.iter().map(|k| (k.clone(), 0)).collect();
    let mut by_unit: BTreeMap<(String, i32), [usize; 3]> = BTreeMap::new();
    for f in &findings {
        if f.severity == Severity::Error {
            *errors.entry(f.partition()).or_default() += 1;
        }
        if let Some(u) = &f.unit {
            by_unit.entry((u.unit_name.clone(), u.year)).or_default()[f.severity as usize] += 1;
        }
    }
    let mut rejects: Vec<&Reject> = x()
        .flat_map(|e| &e.rejects)
        .filter(|r| inside(r.partition()))
        .collect();
    rejects.sort_by(|a, b| {
        (&a.file.display_path, &a.sheet, a.row, &a.reason).cmp(&(
            &b.file.display_path,
            &b.sheet,
            b.row,
            &b.reason,
        ))
    });

    // Partitions that still have rows (of any dataset) get a file in every dataset.
    let live: BTreeSet<PartitionKey> = x()
        .flat_map(|e| e.partitions())
        .filter(|p| touched.contains(p))
        .collect();
    let mut files = Vec::new();
    let mut counts: BTreeMap<PartitionKey, BTreeMap<Dataset, usize>> = BTreeMap::new();
    let mut failed: BTreeMap<PartitionKey, String> = BTreeMap::new();
    for dataset in Dataset::ALL {
        let batches = match dataset {
            Dataset::Expenditure => group(dataset, &expenditure, &live),
            Dataset::Execution => group(dataset, &execution.iter().collect::<Vec<_>>(), &live),
            Dataset::Units => group(dataset, &units.iter().collect::<Vec<_>>(), &live),
            Dataset::EconomicExpenditure => group(dataset, &economic, &live),
            Dataset::PerformanceProjects => group(dataset, &projects, &live),
            Dataset::Findings => group(dataset, &findings, &live),
            Dataset::Rejects => group(dataset, &rejects, &live),
        };
        for (key, batch) in batches {
            match batch {
                Ok(batch) => files.push(PartitionFile {
                    dataset,
                    key,
                    batch,
                }),
                Err(reason) => {
                    failed.entry(key).or_insert(reason);
                }
            }
        }
    }
    // A partition that cannot be encoded (a derived total beyond decimal(18,2)) costs its own
    // inputs, never the night: its datasets are written empty, its rejects say why, and the
    // other partitions commit.
    if !failed.is_empty() {
        files.retain(|f| !failed.contains_key(&f.key));
        let mut load_rejects: Vec<Reject> = Vec::new();
        for (key, reason) in &failed {
            tracing::error!(
                partition = partition_label(key),
                "{reason}; its inputs are rejected"
            );
            for r in results
                .values()
                .filter(|r| r.extraction.partitions().contains(key))
            {
                load_rejects.push(Reject {
                    unit: r.extraction.identity.clone(),
                    file: r.file.clone(),
                    sheet: None,
                    row: None,
                    stage: crate::model::Stage::Load,
                    reason: format!(
                        "not loaded: partition {} could not be written ({reason}); the other partitions were committed",
                        partition_label(key)
                    ),
                    raw_text: None,
                });
            }
        }
        let failed_keys: BTreeSet<PartitionKey> = failed.keys().cloned().collect();
        for dataset in Dataset::ALL {
            let batches = if dataset == Dataset::Rejects {
                let of_failed: Vec<&Reject> = rejects
                    .iter()
                    .copied()
                    .chain(&load_rejects)
                    .filter(|r| failed_keys.contains(&r.partition()))
                    .collect();
                group(dataset, &of_failed, &failed_keys)
            } else {
                group::<Reject>(dataset, &[], &failed_keys)
            };
            for (key, batch) in batches {
                let batch = batch.map_err(|reason| Error::Parquet {
                    path: dataset.partition_path(&key).into(),
                    reason,
                })?;
                files.push(PartitionFile {
                    dataset,
                    key,
                    batch,
                });
            }
        }
    }
    for f in &files {
        counts
            .entry(f.key.clone())
            .or_default()
            .insert(f.dataset, f.batch.num_rows());
    }
    Ok(Built {
        files,
        counts,
        checks,
        errors,
        by_unit,
        failed,
    })
}

/// What [`build_partitions`] produced.
struct Built {
    files: Vec<PartitionFile>,
    counts: BTreeMap<PartitionKey, BTreeMap<Dataset, usize>>,
    /// Reconciliation checks run, error findings per partition, findings per unit-year
    /// (info, warning, error).
    checks: usize,
    errors: BTreeMap<PartitionKey, usize>,
    by_unit: BTreeMap<(String, i32), [usize; 3]>,
    /// Partitions that could not be encoded, and why: their inputs are rejected.
    failed: BTreeMap<PartitionKey, String>,
}

/// The report file loaded for each unit-year (the first by path), and a finding for each
/// other report of the same unit-year.
fn choose_reports(
    results: &BTreeMap<usize, FileResult>,
    touched: &BTreeSet<PartitionKey>,
) -> (BTreeSet<(String, i32, String)>, Vec<Finding>) {
    let mut by_unit: BTreeMap<(String, i32), Vec<&FileResult>> = BTreeMap::new();
    for r in results.values().filter(|r| r.extraction.has_narrative()) {
        if let Some(u) = &r.extraction.identity {
            if touched.contains(&(u.year, u.district_code.clone())) {
                by_unit
                    .entry((u.unit_id.clone(), u.year))
                    .or_default()
                    .push(r);
            }
        }
    }
    let mut chosen = BTreeSet::new();
    let mut findings = Vec::new();
    for ((unit_id, year), mut files) in by_unit {
        files.sort_by(|a, b| a.input.relative.cmp(&b.input.relative));
        let first = files[0];
        chosen.insert((unit_id.clone(), year, first.input.relative.clone()));
        for other in &files[1..] {
            findings.push(Finding {
                unit: other.extraction.identity.clone(),
                file: other.file.clone(),
                rule: crate::model::RuleId::ReportDuplicate,
                severity: Severity::Info,
                message: format!(
                    "{unit_id} {year} has another report, {}; its figures are loaded from that one",
                    first.input.relative
                ),
                expected: None,
                actual: None,
                tolerance: None,
                references: vec![other.input.relative.clone(), first.input.relative.clone()],
            });
        }
    }
    (chosen, findings)
}

/// (unit id, year, table id).
type TableOfUnit = (String, i32, String);
/// (unit id, year, table id, file): one copy of a table.
/// (unit id, year, table id, file, sheet): one copy of a table.
type TableCopy = (String, i32, String, String, String);

/// One copy of each workbook table per unit-year. When two workbooks carry the same table (an
/// `.xls` beside its `.xlsx`, a re-publication), the first by path is loaded and each other
/// copy is named in a finding: `info` when its figures are the same, `warning` when they
/// differ (a correction, or another document). Returns (unit, year, table, file) of the
/// copies to load.
fn choose_tables(results: &BTreeMap<usize, FileResult>) -> (BTreeSet<TableCopy>, Vec<Finding>) {
    // (unit, year, table) → the copies that carry it (file and sheet), in path order. Two
    // sheets of one workbook carrying the same table (名 and 名 in full width) are two copies.
    let mut copies: BTreeMap<TableOfUnit, Vec<(&FileResult, &str)>> = BTreeMap::new();
    // Every file with table rows: workbooks, and PDFs whose tables were read.
    let mut ordered: Vec<&FileResult> = results.values().collect();
    ordered.sort_by(|a, b| a.input.relative.cmp(&b.input.relative));
    for r in ordered {
        let x = &r.extraction;
        let keys = x
            .expenditure
            .iter()
            .filter(|e| e.source != Source::Report)
            .map(|e| (&e.unit, e.source.id(), &e.provenance))
            .chain(
                x.economic
                    .iter()
                    .map(|e| (&e.unit, e.source.id(), &e.provenance)),
            );
        for (unit, source, at) in keys {
            let sheet = at.origin.sheet().unwrap_or("");
            let files = copies
                .entry((unit.unit_id.clone(), unit.year, source.to_string()))
                .or_default();
            if !files
                .iter()
                .any(|(f, s)| std::ptr::eq(*f, r) && *s == sheet)
            {
                files.push((r, sheet));
            }
        }
    }
    // A copy's figures, compared only where a table has more than one copy.
    let figures = |(r, sheet): (&FileResult, &str), (unit_id, year, table): &TableOfUnit| {
        let x = &r.extraction;
        let mine = |unit: &UnitIdentity, source: &str, at: &crate::model::Provenance| {
            unit.unit_id == *unit_id
                && unit.year == *year
                && source == table
                && at.origin.sheet().unwrap_or("") == sheet
        };
        let mut f: Vec<(String, Yuan)> = x
            .expenditure
            .iter()
            .filter(|e| mine(&e.unit, e.source.id(), &e.provenance))
            .map(|e| (format!("{}:{}", e.fund.as_str(), e.code.code), e.actual))
            .chain(
                x.economic
                    .iter()
                    .filter(|e| mine(&e.unit, e.source.id(), &e.provenance))
                    .map(|e| (e.code.clone(), e.actual)),
            )
            .collect();
        f.sort();
        f
    };
    let place = |(r, sheet): (&FileResult, &str)| {
        if sheet.is_empty() {
            r.input.relative.clone()
        } else {
            format!("{}#{sheet}", r.input.relative)
        }
    };
    let mut chosen = BTreeSet::new();
    let mut findings = Vec::new();
    for (key, files) in copies {
        let first = files[0];
        let (unit_id, year, table) = &key;
        chosen.insert((
            unit_id.clone(),
            *year,
            table.clone(),
            first.0.input.relative.clone(),
            first.1.to_string(),
        ));
        if files.len() == 1 {
            continue;
        }
        let first_figures = figures(first, &key);
        for &other in &files[1..] {
            let theirs = figures(other, &key);
            // A copy sharing no code with the first is the table's continuation (a sheet
            // "(续)"), not a copy: both are loaded.
            if !theirs
                .iter()
                .any(|(code, _)| first_figures.iter().any(|(c, _)| c == code))
            {
                chosen.insert((
                    unit_id.clone(),
                    *year,
                    table.clone(),
                    other.0.input.relative.clone(),
                    other.1.to_string(),
                ));
                continue;
            }
            let same = theirs == first_figures;
            findings.push(Finding {
                unit: other.0.extraction.identity.clone(),
                file: other.0.file.clone(),
                rule: crate::model::RuleId::WorkbookDuplicateTable,
                severity: if same {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                message: format!(
                    "{table} of {unit_id} {year} is also in {}, which is loaded; this copy {}",
                    place(first),
                    if same {
                        "has the same figures and is not loaded"
                    } else {
                        "has other figures and is not loaded: check which is right"
                    }
                ),
                expected: None,
                actual: None,
                tolerance: None,
                references: vec![place(other), place(first)],
            });
        }
    }
    (chosen, findings)
}

/// One batch per live partition (empty where the dataset has no rows there).
/// One batch per partition of `live` (empty ones included), or why a partition's rows
/// cannot be encoded.
fn group<R: Record>(
    dataset: Dataset,
    rows: &[&R],
    live: &BTreeSet<PartitionKey>,
) -> BTreeMap<PartitionKey, std::result::Result<RecordBatch, String>> {
    let mut by_key: BTreeMap<PartitionKey, Vec<&R>> =
        live.iter().map(|k| (k.clone(), Vec::new())).collect();
    for row in rows {
        by_key.entry(row.partition()).or_default().push(row);
    }
    let spec = dataset.spec();
    by_key
        .into_iter()
        .map(|(key, rows)| {
            let batch = batch::build(&spec, &rows)
                .map_err(|reason| format!("{}: {reason}", dataset.partition_path(&key)));
            (key, batch)
        })
        .collect()
}

fn input_status(x: &Extraction) -> &'static str {
    let used = !x.expenditure.is_empty()
        || !x.facts.is_empty()
        || x.tables
            .iter()
            .any(|t| matches!(t.status, TableStatus::Loaded | TableStatus::Empty));
    match (x.rejects.is_empty(), used) {
        (true, _) => "loaded",
        (false, false) => "rejected",
        (false, true) => "partial",
    }
}

fn input_manifest(r: &FileResult) -> serde_json::Value {
    let x = &r.extraction;
    json!({
        "path": r.input.relative,
        "sha256": r.file.sha256,
        "bytes": r.file.bytes,
        "kind": r.input.kind.as_str(),
        "status": input_status(x),
        "unit_id": x.identity.as_ref().map(|u| u.unit_id.clone()),
        "year": x.identity.as_ref().map(|u| u.year),
        "rows": {
            "expenditure": x.expenditure.len(),
            "economic_expenditure": x.economic.len(),
            "facts": x.facts.len(),
            "performance_projects": x.projects.len(),
        },
        "rejects": x.rejects.iter().map(|j| j.to_string()).collect::<Vec<_>>(),
        "findings": x.findings.iter().map(|f| format!("{} ({}): {}", f.rule, f.severity.as_str(), f.message)).collect::<Vec<_>>(),
        "tables": x.tables,
        "report": x.report,
    })
}

fn manifest(
    run_id: &str,
    started_at: SystemTime,
    catalog: &Catalog,
    state: &State,
    rewritten: &BTreeSet<PartitionKey>,
    skipped: &[Skipped],
) -> serde_json::Value {
    let datasets: serde_json::Map<String, serde_json::Value> = Dataset::ALL
        .iter()
        .map(|d| {
            let parts = state.rows.get(d.name()).cloned().unwrap_or_default();
            let files: Vec<String> = parts
                .keys()
                .filter_map(|p| parse_partition_label(p))
                .map(|key| d.partition_path(&key))
                .collect();
            (
                d.name().to_string(),
                json!({"rows": parts.values().sum::<usize>(), "files": files}),
            )
        })
        .collect();
    json!({
        "run_id": run_id,
        "started": humantime::format_rfc3339_seconds(started_at).to_string(),
        "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "juesuan_version": crate::VERSION,
        "catalog_version": catalog.version,
        "fingerprint": state.fingerprint,
        // The process's peak resident memory so far (Linux; null elsewhere).
        "peak_rss_bytes": peak_rss_bytes(),
        "partitions_rewritten": rewritten.iter().map(partition_label).collect::<Vec<_>>(),
        "datasets": datasets,
        "inputs": state.inputs.values().map(|s| s.manifest.clone()).collect::<Vec<_>>(),
        "skipped": skipped,
    })
}

fn print_summary(
    outcome: &RunOutcome,
    state: &State,
    deleted: &[&String],
    config: &Config,
    seconds: f64,
    checks: usize,
    by_unit: &BTreeMap<(String, i32), [usize; 3]>,
) {
    let entries: Vec<&serde_json::Value> = state.inputs.values().map(|s| &s.manifest).collect();
    let count = |field: &str, value: &str| entries.iter().filter(|e| e[field] == value).count();
    let tables = |status: &str| {
        entries
            .iter()
            .flat_map(|e| e["tables"].as_array().into_iter().flatten())
            .filter(|t| t["status"] == status)
            .count()
    };
    let rows = |d: &str| state.rows.get(d).map_or(0, |r| r.values().sum::<usize>());
    match peak_rss_bytes() {
        Some(bytes) => crate::say!(
            "juesuan run {} finished in {seconds:.2} s, peak memory {} MB",
            outcome.run_id,
            bytes / 1_000_000
        ),
        None => crate::say!("juesuan run {} finished in {seconds:.2} s", outcome.run_id),
    }
    crate::say!(
        "  inputs    {:>6}  (workbooks {}, reports {}, PDFs {}, other {}); read {}, unchanged {}, deleted {}",
        outcome.inputs,
        count("kind", "workbook"),
        count("kind", "report"),
        count("kind", "pdf"),
        count("kind", "unsupported"),
        outcome.extracted,
        outcome.inputs - outcome.extracted,
        deleted.len()
    );
    crate::say!(
        "            opened {} (to hash or parse them; the others' parse came from the cache)",
        outcome.opened
    );
    crate::say!(
        "            loaded {}, partial {}, rejected {}",
        count("status", "loaded"),
        count("status", "partial"),
        count("status", "rejected")
    );
    crate::say!(
        "  tables    loaded {}, empty {}, rejected {}, unrecognised {}",
        tables("loaded"),
        tables("empty"),
        tables("rejected"),
        tables("unrecognised")
    );
    crate::say!(
        "  rows      expenditure {}, execution {}, units {}, economic_expenditure {}, performance_projects {}, findings {}, rejects {}",
        rows("expenditure"),
        rows("execution"),
        rows("units"),
        rows("economic_expenditure"),
        rows("performance_projects"),
        rows("findings"),
        rows("rejects")
    );
    let reports: Vec<&serde_json::Value> = entries
        .iter()
        .map(|e| &e["report"])
        .filter(|r| r.is_object())
        .collect();
    if !reports.is_empty() {
        let total = |k: &str| reports.iter().filter_map(|r| r[k].as_u64()).sum::<u64>();
        crate::say!(
            "  reports   {} read: {} facts, {} 类/款/项 statements, {} projects; {} of {} amount mentions became facts",
            reports.len(),
            total("facts"),
            total("category_lines"),
            total("projects"),
            total("amount_mentions_used"),
            total("amount_mentions")
        );
        // Per report, the least covered first: a wording juesuan does not read yet shows
        // as a low number here (its unread mentions are logged at debug level).
        let mut coverage: Vec<(f64, &str, u64, u64)> = entries
            .iter()
            .filter(|e| e["report"].is_object())
            .filter_map(|e| {
                let used = e["report"]["amount_mentions_used"].as_u64()?;
                let all = e["report"]["amount_mentions"].as_u64()?;
                (all > 0).then(|| {
                    (
                        used as f64 / all as f64,
                        e["path"].as_str().unwrap_or(""),
                        used,
                        all,
                    )
                })
            })
            .collect();
        coverage.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        for (ratio, path, used, all) in coverage.iter().take(5) {
            crate::say!(
                "            {path}: {used} of {all} amount mentions ({:.0}%)",
                ratio * 100.0
            );
        }
    }
    crate::say!(
        "  warehouse {} ({} partitions rewritten)",
        config.warehouse.display(),
        outcome.rewritten
    );
    let rejected: Vec<&str> = entries
        .iter()
        .flat_map(|e| e["rejects"].as_array().into_iter().flatten())
        .filter_map(|r| r.as_str())
        .collect();
    if !rejected.is_empty() {
        crate::say!(
            "  rejects (first {} of {}):",
            rejected.len().min(10),
            outcome.rejects
        );
        for reject in rejected.iter().take(10) {
            crate::say!("    {reject}");
        }
    }
    let totals = by_unit.values().fold([0usize; 3], |acc, c| {
        [acc[0] + c[0], acc[1] + c[1], acc[2] + c[2]]
    });
    crate::say!(
        "  checks    {checks} run on the partitions written: {} errors, {} warnings, {} info (findings/)",
        totals[2],
        totals[1],
        totals[0]
    );
    for ((unit, year), c) in by_unit.iter().filter(|(_, c)| c[1] + c[2] > 0) {
        crate::say!(
            "            {unit} {year}: {} errors, {} warnings, {} info",
            c[2],
            c[1],
            c[0]
        );
    }
    match outcome.exit_code() {
        0 if outcome.errors > 0 => crate::say!("exit 0: every input loaded; the checks found {} errors (--strict makes that exit 1)", outcome.errors),
        0 => crate::say!("exit 0: every input loaded"),
        _ if outcome.rejects == 0 => crate::say!("exit 1: --strict, and the checks found {} errors (see findings/)", outcome.errors),
        _ => crate::say!("exit 1: the run finished, but some inputs or rows were rejected (see rejects/ and _manifest.json)"),
    }
}

/// `juesuan validate`: every problem with config, catalogue and inputs, nothing written.
/// Exit 0 clean, 1 inputs with problems, 2 config or catalogue unusable.
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
    let records = Records {
        pool: &pool,
        ctx: &ctx,
        cache: None,
        inputs: &inputs,
        files: &files,
        keys: &keys,
        opened: &opened,
    };
    let results = records.of(&all);
    let problems: Vec<String> = results
        .values()
        .flat_map(|r| r.extraction.rejects.iter().map(|j| j.to_string()))
        .collect();
    let warnings: usize = results.values().map(|r| r.extraction.findings.len()).sum();
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

/// Peak resident memory of this process (VmHWM), where the OS says it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
