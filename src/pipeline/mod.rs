//! The batch, top to bottom: plan (what changed since the last commit) → records (parse
//! or cache, then interpret) → build (choose, derive, check, encode) → commit → summary.
//! Each step is a call into its own module; nothing here prints (the `run` command does).

pub mod build;
pub mod cache;
pub mod plan;
pub mod records;
pub mod setup;
pub mod shard;
pub mod state;
pub mod summary;

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use crate::cli::{CommitArgs, RunArgs};
use crate::error::{Error, Result};
use crate::extract::{discover, Discovery};
use crate::load::sink::{LocalFs, Sink};
use crate::load::store::{is_store_url, ObjectSink};
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
    let (warehouse, cache, previous) = open_warehouse(&config.warehouse, args.shard.is_some())?;
    tracing::info!(run_id, warehouse = %warehouse.describe(), catalog = catalog.version, "run started");
    let fingerprint = fingerprint(&config, &catalog, &units);
    let full = args.full || previous.fingerprint != fingerprint;

    let pool = thread_pool(&config)?;
    let Discovery { inputs, skipped } = discover(&config.inputs)?;
    let (inputs, previous) = match args.shard {
        Some(s) => shard::select(inputs, previous, &units, s),
        None => (inputs, previous),
    };
    let parser = cache::ParserId::new(&config.limits);
    let plan = Plan::new(
        &pool, inputs, &previous, &parser, full, args.full, started_at,
    );
    tracing::info!(files = plan.inputs.len(), "inputs discovered and hashed");
    if plan.nothing_changed() && args.shard.is_none() {
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
    let removed: Vec<_> = touched
        .iter()
        .filter(|p| !built.counts.contains_key(*p))
        .cloned()
        .collect();
    let staged_as = match args.shard {
        None => {
            let manifest = Manifest::new(
                &run_id,
                started_at,
                &catalog.version,
                &state,
                &touched,
                &skipped,
            );
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
            None
        }
        Some(s) => {
            let base = warehouse.current();
            let version = shard::version(base.as_deref(), s.count, &fingerprint);
            let files = pool
                .install(|| warehouse.stage(&version, &run_id, &catalog.version, &built.files))?;
            shard::remove_earlier_attempt(&warehouse, &version, s, &files)?;
            let manifest = shard::ShardManifest {
                shard: s.index,
                of: s.count,
                base,
                fingerprint: fingerprint.clone(),
                catalog_version: catalog.version.clone(),
                started: humantime::format_rfc3339_seconds(started_at).to_string(),
                touched: touched.iter().cloned().collect(),
                removed,
                files,
                state: state.clone(),
                skipped: skipped.clone(),
            };
            shard::stage_manifest(&warehouse, &version, &manifest)?;
            Some(format!("shard {s} staged in version {version}, not published: `juesuan commit` publishes the {} shards", s.count))
        }
    };
    // A shard knows only its own inputs: the cache (shared by the shards of one machine) is
    // pruned by unsharded runs.
    if args.shard.is_none() {
        cache.retain(
            &state
                .inputs
                .values()
                .map(|i| i.cache_key.as_str())
                .collect(),
        );
    }

    Ok(Summary {
        warehouse: warehouse.describe(),
        rewritten: touched.len(),
        checks: built.checks,
        by_unit: built.by_unit,
        staged: staged_as,
        ..Summary::committed(run_id, clock, &plan, &state, args.strict)
    })
}

/// `juesuan commit`: publishes the complete set of shards staged from the published version
/// as one version (exit 2, nothing published, when a shard is missing or another run
/// published first).
pub fn commit(args: &CommitArgs) -> Result<String> {
    let Setup { config, .. } = setup(&args.config, args.output.as_deref())?;
    let (warehouse, _cache, _previous) = open_warehouse(&config.warehouse, false)?;
    let (version, shards) = shard::staged(&warehouse)?;
    let mut state = shard::merged_state(&shards);
    state.previous_version = warehouse.current();
    let rewritten: std::collections::BTreeSet<_> = shards
        .iter()
        .flat_map(|s| s.touched.iter().chain(&s.removed).cloned())
        .collect();
    let skipped: Vec<_> = shards
        .iter()
        .flat_map(|s| s.skipped.iter().cloned())
        .collect();
    let started = shards
        .iter()
        .filter_map(|s| humantime::parse_rfc3339(&s.started).ok())
        .min()
        .unwrap_or_else(SystemTime::now);
    let manifest = Manifest::new(
        &version,
        started,
        &shards[0].catalog_version,
        &state,
        &rewritten,
        &skipped,
    );
    warehouse.publish(
        &version,
        &rewritten,
        &json_bytes(&manifest, "_manifest.json")?,
        &json_bytes(&state, "state.json")?,
    )?;
    Ok(format!(
        "committed {} shards as version {version} of {} ({} partitions rewritten, {} inputs)",
        shards.len(),
        warehouse.describe(),
        rewritten.len(),
        state.inputs.len()
    ))
}

/// Opens the warehouse (a local one is locked unless `shared`: a held lock or an unwritable
/// output fails here, in a second, before anything is read) and reads what the last commit
/// left: its state, and the cache.
fn open_warehouse(
    root: &std::path::Path,
    shared: bool,
) -> Result<(Warehouse, cache::Cache, State)> {
    let output = root.to_string_lossy();
    let sink: Box<dyn Sink> = if is_store_url(&output) {
        Box::new(ObjectSink::open(&output)?)
    } else {
        let local = output
            .strip_prefix("file://")
            .map_or_else(|| root.to_path_buf(), std::path::PathBuf::from);
        Box::new(LocalFs::open(&local, shared)?)
    };
    let cache = cache::Cache::new(sink.cache_dir());
    // The state the last commit left (none: a first run, or a state of an older layout,
    // which makes this run derive everything).
    let previous: State = sink
        .read_state()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let warehouse = Warehouse::new(sink, previous.previous_version.clone())?;
    Ok((warehouse, cache, previous))
}

fn json_bytes<T: serde::Serialize>(value: &T, what: &str) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| Error::Json {
        what: what.into(),
        reason: e.to_string(),
    })
}
