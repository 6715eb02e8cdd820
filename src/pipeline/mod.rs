//! The batch, top to bottom: plan (what changed since the last commit) → records (parse
//! or cache, then interpret) → build (choose, derive, check, encode) → commit → summary.
//! Each step is a call into its own module; nothing here prints (the `run` command does).

pub mod build;
pub mod cache;
pub mod plan;
pub mod records;
pub mod setup;
pub mod state;
pub mod summary;

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::extract::{discover, Discovery};
use crate::load::sink::LocalFs;
use crate::load::warehouse::{pause_point, Commit, Warehouse};
use crate::transform::tables::Context;
use crate::transform::FileResult;
use plan::Plan;
use records::Records;
use setup::{fingerprint, setup, thread_pool, Setup};
use state::{Manifest, State};
use summary::Summary;

pub fn run(args: &RunArgs) -> Result<Summary> {
    let (started_at, clock) = (SystemTime::now(), Instant::now());
    let Setup {
        mut config,
        catalog,
        units,
    } = setup(&args.config, args.output.as_deref())?;
    config.jobs = args.jobs.unwrap_or(config.jobs);
    let run_id = setup::run_id(started_at);
    let (warehouse, cache, previous) = open_warehouse(&config.warehouse)?;
    tracing::info!(run_id, warehouse = %warehouse.describe(), catalog = catalog.version, "run started");
    let fingerprint = fingerprint(&config, &catalog, &units);
    let full = args.full || previous.fingerprint != fingerprint;

    let pool = thread_pool(&config)?;
    let Discovery { inputs, skipped } = discover(&config.inputs)?;
    let parser = cache::ParserId::new(&config.limits);
    let plan = Plan::new(
        &pool, inputs, &previous, &parser, full, args.full, started_at,
    );
    tracing::info!(files = plan.inputs.len(), "inputs discovered and hashed");
    if plan.nothing_changed() {
        return Ok(Summary::unchanged(
            run_id,
            clock,
            &plan,
            &previous,
            args.strict,
        ));
    }

    let ctx = Context {
        catalog: &catalog,
        units: &units,
        limits: &config.limits,
    };
    let records = Records::new(&pool, &ctx, Some(&cache), &plan);
    let phase = Instant::now();
    let mut results: BTreeMap<usize, FileResult> = records.of(&plan.changed);
    tracing::info!(files = plan.changed.len(), elapsed = ?phase.elapsed(), "extracted");
    pause_point("extracted");
    let (touched, context) = plan.partitions(&previous, &results);
    results.extend(records.of(&plan.needed(&previous, &context)));

    let phase = Instant::now();
    // Building the batches and encoding them run on the run's pool (--jobs), as extraction.
    let built =
        pool.install(|| build::build_partitions(&results, &touched, &config.reconcile, &catalog))?;
    tracing::info!(partitions = touched.len(), elapsed = ?phase.elapsed(), "derived, checked and encoded");
    let mut state = plan.next_state(&previous, &fingerprint, &results, &built, &touched);
    state.previous_version = warehouse.current();
    let manifest = Manifest::new(
        &run_id,
        started_at,
        &catalog.version,
        &state,
        &touched,
        &skipped,
    );
    let removed = touched
        .iter()
        .filter(|p| !built.counts.contains_key(*p))
        .cloned()
        .collect();
    pool.install(|| {
        warehouse.commit(Commit {
            run_id: &run_id,
            catalog_version: &catalog.version,
            files: built.files,
            removed,
            manifest: json_bytes(&manifest, "_manifest.json")?,
            state: json_bytes(&state, "state.json")?,
        })
    })?;
    cache.retain(
        &state
            .inputs
            .values()
            .map(|i| i.cache_key.as_str())
            .collect(),
    );

    Ok(Summary {
        warehouse: config.warehouse.display().to_string(),
        rewritten: touched.len(),
        checks: built.checks,
        by_unit: built.by_unit,
        ..Summary::committed(run_id, clock, &plan, &state, args.strict)
    })
}

/// Locks the warehouse (a held lock or an unwritable output fails here, in a second, before
/// anything is read) and reads what the last commit left: its state, and the cache.
fn open_warehouse(root: &std::path::Path) -> Result<(Warehouse, cache::Cache, State)> {
    let sink = LocalFs::open(root)?;
    let cache = cache::Cache::new(sink.cache_dir());
    let previous: State = sink_state(&sink);
    let warehouse = Warehouse::new(Box::new(sink), previous.previous_version.clone());
    Ok((warehouse, cache, previous))
}

/// The state the last commit left in the sink (none: a first run, or a state of an older
/// layout, which makes this run derive everything).
fn sink_state(sink: &LocalFs) -> State {
    use crate::load::sink::Sink;
    sink.read_state()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn json_bytes<T: serde::Serialize>(value: &T, what: &str) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| Error::Json {
        what: what.into(),
        reason: e.to_string(),
    })
}
