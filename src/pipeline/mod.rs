//! The batch, top to bottom: plan (what changed since the last commit) → records (parse
//! or cache, then interpret) → build (choose, derive, check, encode) → commit → summary.
//! Each step is a call into its own module; nothing here prints (the `run` command does).

pub mod build;
pub mod cache;
mod output;
pub mod plan;
pub mod records;
pub mod setup;
pub mod shard;
mod spill;
pub mod state;
pub mod summary;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

use crate::cli::{CommitArgs, RunArgs};
use crate::error::{Error, Result};
use crate::extract::{discover, Discovery};
use crate::load::sink::{LocalFs, Sink};
use crate::load::store::{is_store_url, ObjectSink};
use crate::load::warehouse::{pause_point, Warehouse};
use crate::model::GroupKey;
use crate::transform::tables::Context;
use crate::FastMap;
use plan::Plan;
use records::Records;
use setup::{fingerprint, setup, thread_pool, Setup};
use state::{InputState, Manifest, State};
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
    let live = records::Live::default();
    let records = Records::new(&pool, &ctx, Some(&cache), &plan, &live);
    // Half the budget keeps inputs read now for the build, half is the build's work in
    // flight. What the budget does not keep is spilled, so that no input is interpreted twice.
    let half = config.records_in_memory / 2;
    let kept_records = std::sync::atomic::AtomicUsize::new(0);
    let keep = |i, held| keep_or_spill(&records, i, held, &kept_records, half);
    let phase = Instant::now();
    let mut fresh: BTreeMap<usize, InputState> = BTreeMap::new();
    let mut kept: FastMap<usize, records::Held> = FastMap::default();
    for (i, (entry, held)) in records.map(&plan.changed, |i, held| {
        (plan.entry(i, &held.result), keep(i, held))
    }) {
        fresh.insert(i, entry);
        kept.extend(held.map(|h| (i, h)));
    }
    tracing::info!(
        files = plan.changed.len(),
        kept = kept.len(),
        spilled = records.spilled(),
        elapsed = ?phase.elapsed(),
        "extracted"
    );
    pause_point("extracted");
    let (touched, context) = plan.partitions(&previous, &fresh);
    // The unchanged inputs of those partitions are known by their state, but for a state
    // of an older layout, which does not name their unit-years: those are read now.
    let mut groups_of: BTreeMap<usize, (Vec<GroupKey>, usize)> = fresh
        .iter()
        .map(|(i, e)| (*i, (e.groups.clone(), e.records())))
        .collect();
    let mut unknown = Vec::new();
    for i in plan.needed(&previous, &context) {
        let entry = &previous.inputs[&plan.inputs[i].relative];
        if entry.groups.is_empty() && !entry.partitions.is_empty() {
            unknown.push(i);
        } else {
            groups_of.insert(i, (entry.groups.clone(), entry.records()));
        }
    }
    for (i, (groups, n, held)) in records.map(&unknown, |i, held| {
        let groups: Vec<GroupKey> = held.result.extraction.groups().into_iter().collect();
        (groups, held.records, keep(i, held))
    }) {
        groups_of.insert(i, (groups, n));
        kept.extend(held.map(|h| (i, h)));
    }
    let groups = build::plan(&groups_of, &touched, &context);
    let mut uses: FastMap<usize, usize> = FastMap::default();
    for g in &groups {
        for &i in &g.inputs {
            *uses.entry(i).or_default() += 1;
        }
    }
    let kept: build::Kept = kept
        .into_iter()
        .filter_map(|(i, h)| uses.get(&i).map(|&n| (i, (std::sync::Arc::new(h), n))))
        .collect();

    let version = match args.shard {
        None => run_id.clone(),
        Some(s) => shard::version(warehouse.current().as_deref(), s.count, &fingerprint),
    };
    let target = build::Target {
        warehouse: &warehouse,
        version: &version,
        run_id: &run_id,
        catalog_version: &catalog.version,
    };
    let checks = build::Checks {
        policy: &config.reconcile,
        catalog: &catalog,
    };
    // Building and encoding run on the run's pool (--jobs), as extraction.
    let built = pool.install(|| {
        build::build(
            &records,
            groups,
            kept,
            &checks,
            &target,
            &touched,
            half.max(1),
        )
    })?;
    let mut state = plan.next_state(&previous, &fingerprint, &fresh, &built, &touched);
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
            // Both name every input (tens of MB at 10,000 inputs): written side by side.
            let (manifest, state) = pool.join(
                || json_bytes(&manifest, "_manifest.json"),
                || state_bytes(&state),
            );
            warehouse.publish(&version, &touched, &manifest?, &state?)?;
            None
        }
        Some(s) => {
            shard::remove_earlier_attempt(&warehouse, &version, s, &built.files)?;
            let manifest = shard::ShardManifest {
                shard: s.index,
                of: s.count,
                base: warehouse.current(),
                fingerprint: fingerprint.clone(),
                catalog_version: catalog.version.clone(),
                started: humantime::format_rfc3339_seconds(started_at).to_string(),
                touched: touched.iter().cloned().collect(),
                removed,
                files: built.files.clone(),
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
        peak_records: live.peak(),
        records_in_memory: config.records_in_memory,
        spilled: records.spilled(),
        interpreted_again: records.interpreted_again(),
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
        &state_bytes(&state)?,
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

/// `held`, when its records fit in what is left of `budget` (counted in `kept`); else
/// they are spilled and let go.
fn keep_or_spill<'a>(
    records: &Records<'a>,
    i: usize,
    held: records::Held<'a>,
    kept: &std::sync::atomic::AtomicUsize,
    budget: usize,
) -> Option<records::Held<'a>> {
    let n = held.records;
    let fits = kept
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |k| {
            (k + n <= budget).then_some(k + n)
        })
        .is_ok();
    if fits {
        return Some(held);
    }
    records.spill(i, held);
    None
}

/// The state, compact: only the next run reads it (a third smaller than indented, and read
/// back faster at the start of every run).
fn state_bytes(state: &State) -> Result<Vec<u8>> {
    json_result(serde_json::to_vec(state), "state.json")
}

/// Indented: `_manifest.json` is read by people.
fn json_bytes<T: serde::Serialize>(value: &T, what: &str) -> Result<Vec<u8>> {
    json_result(serde_json::to_vec_pretty(value), what)
}

fn json_result(bytes: serde_json::Result<Vec<u8>>, what: &str) -> Result<Vec<u8>> {
    bytes.map_err(|e| Error::Json {
        what: what.into(),
        reason: e.to_string(),
    })
}
