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

use std::collections::{BTreeMap, BTreeSet};
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
    // Lock the warehouse before reading anything: a held lock or an unwritable output is
    // fatal, and fails in a second, not after the extraction.
    let sink = LocalFs::open(&config.warehouse)?;
    let cache = cache::Cache::new(sink.cache_dir());
    let previous: State = sink_state(&sink);
    let warehouse = Warehouse::new(Box::new(sink), previous.previous_version.clone());
    tracing::info!(run_id, warehouse = %warehouse.describe(), catalog = catalog.version, "run started");
    let fingerprint = fingerprint(&config, &catalog, &units);
    let full = args.full || previous.fingerprint != fingerprint;
    if full && !args.full && !previous.inputs.is_empty() {
        tracing::info!("juesuan, catalogue, units, limits or checks changed since the last run: deriving everything again");
    }

    let pool = thread_pool(&config)?;
    let Discovery { inputs, skipped } = discover(&config.inputs)?;
    let parser = cache::ParserId::new(&config.limits);
    let plan = Plan::new(
        &pool, inputs, &previous, &parser, full, args.full, started_at,
    );
    tracing::info!(files = plan.inputs.len(), "inputs discovered and hashed");
    if plan.nothing_changed() {
        return Ok(Summary {
            run_id,
            seconds: clock.elapsed().as_secs_f64(),
            nothing_changed: true,
            inputs: plan.inputs.len(),
            opened: plan.opened(),
            strict: args.strict,
            ..Summary::of_state(&previous)
        });
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
        inputs: &plan.inputs,
        files: &plan.files,
        keys: &plan.keys,
        opened: &plan.opened,
    };
    let phase = Instant::now();
    let mut results: BTreeMap<usize, FileResult> = records.of(&plan.changed);
    tracing::info!(files = plan.changed.len(), elapsed = ?phase.elapsed(), "extracted");
    pause_point("extracted");
    let (touched, context) = plan.partitions(&previous, &results);
    results.extend(records.of(&plan.needed(&previous, &context)));

    let phase = Instant::now();
    let built = build::build_partitions(&results, &touched, &config.reconcile)?;
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
    let manifest = json_bytes(&manifest, "_manifest.json")?;
    let state_bytes = json_bytes(&state, "state.json")?;
    let removed = touched
        .iter()
        .filter(|p| !built.counts.contains_key(*p))
        .cloned()
        .collect();
    warehouse.commit(Commit {
        run_id: &run_id,
        catalog_version: &catalog.version,
        files: built.files,
        removed,
        manifest,
        state: state_bytes,
    })?;
    // Parses no input refers to any more are removed.
    cache.retain(
        &state
            .inputs
            .values()
            .map(|i| i.cache_key.as_str())
            .collect::<BTreeSet<_>>(),
    );

    Ok(Summary {
        run_id,
        seconds: clock.elapsed().as_secs_f64(),
        peak_rss_bytes: setup::peak_rss_bytes(),
        extracted: plan.changed.len(),
        deleted: plan.deleted.len(),
        opened: plan.opened(),
        warehouse: config.warehouse.display().to_string(),
        rewritten: touched.len(),
        checks: built.checks,
        by_unit: built.by_unit,
        strict: args.strict,
        ..Summary::of_state(&state)
    })
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
