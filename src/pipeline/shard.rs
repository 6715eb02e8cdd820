//! Sharded runs: `run --shard I/N` does the work of the districts whose number is I modulo N
//! and stages its partition files, unpublished, in the run's version with a shard manifest;
//! `commit` publishes the N shards as one version.
//!
//! A shard owns whole districts (every year of them), so no partition is split and the
//! checks that compare a year with the one before find both in the same shard. An input's
//! district is the one its last run found (the state), else what its path names (the
//! identification rules on the folders and the file name alone), else its folder. An input
//! whose content names another district than its path, and so lands in a district another
//! shard also wrote, is found by `commit`, which then refuses the set (nothing is published)
//! and names it; that input's district is known from then on.
//!
//! All shards of one run write into the same version, named from what they share: the
//! version they start from, N and the fingerprint of juesuan, catalogue, units and checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::Shard;
use crate::error::{Error, Result};
use crate::extract::{Input, Skipped};
use crate::load::dataset::{parse_partition_label, PartitionKey};
use crate::load::warehouse::{Warehouse, SHARDS};
use crate::pipeline::state::State;
use crate::reference::units::UnitRegistry;
use crate::transform::identify::path_district;

/// What a shard leaves for `commit`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShardManifest {
    pub shard: usize,
    pub of: usize,
    /// The published version it started from (None: an empty warehouse).
    pub base: Option<String>,
    pub fingerprint: String,
    pub catalog_version: String,
    pub started: String,
    /// Partitions it rewrote (files in the version) and removed (no input left there).
    pub touched: Vec<PartitionKey>,
    pub removed: Vec<PartitionKey>,
    /// Every file it wrote into the version.
    pub files: Vec<String>,
    /// Its part of the next state: its inputs, and rows and errors of its partitions.
    pub state: State,
    pub skipped: Vec<Skipped>,
}

impl ShardManifest {
    pub fn relative(shard: usize, of: usize) -> String {
        format!("{SHARDS}{shard}-of-{of}.json")
    }
}

/// The version all shards of a run write into.
pub fn version(base: Option<&str>, count: usize, fingerprint: &str) -> String {
    let mut h = Sha256::new();
    h.update(base.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(count.to_le_bytes());
    h.update(fingerprint.as_bytes());
    let digest = h.finalize();
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("shards-{count}-{hex}")
}

/// The shard of a district (stable on every machine: sha256, not a seeded hash).
pub fn shard_of(key: &str, count: usize) -> usize {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(first) % count as u64) as usize
}

/// The district an input belongs to, before it is read: the last run's, else its path's,
/// else its folder.
fn owner(input: &Input, previous: &State, units: &UnitRegistry) -> String {
    if let Some((_, district)) = previous
        .inputs
        .get(&input.relative)
        .and_then(|s| s.partitions.first())
    {
        return district.clone();
    }
    match path_district(units, &input.path_hints()) {
        Some(code) => code,
        None => {
            let folder = input.relative.rsplit_once('/').map_or("", |(f, _)| f);
            format!("folder:{folder}")
        }
    }
}

/// Shard `shard`'s inputs, and the part of the last state that is its own.
pub fn select(
    inputs: Vec<Input>,
    previous: State,
    units: &UnitRegistry,
    shard: Shard,
) -> (Vec<Input>, State) {
    let mine = |key: &str| shard_of(key, shard.count) == shard.index;
    let inputs: Vec<Input> = inputs
        .into_iter()
        .filter(|i| mine(&owner(i, &previous, units)))
        .collect();
    let present: BTreeSet<&str> = inputs.iter().map(|i| i.relative.as_str()).collect();
    let district_of = |label: &str| parse_partition_label(label).map(|(_, d)| d);
    let own_label = |label: &String| district_of(label).is_some_and(|d| mine(&d));
    let state = State {
        fingerprint: previous.fingerprint.clone(),
        // Its inputs, and the deleted ones whose districts are its own.
        inputs: previous
            .inputs
            .iter()
            .filter(|(path, s)| {
                present.contains(path.as_str())
                    || s.partitions.first().is_some_and(|(_, d)| mine(d))
            })
            .map(|(p, s)| (p.clone(), s.clone()))
            .collect(),
        rows: previous
            .rows
            .iter()
            .map(|(dataset, parts)| {
                let own = parts
                    .iter()
                    .filter(|(label, _)| own_label(label))
                    .map(|(l, n)| (l.clone(), *n))
                    .collect();
                (dataset.clone(), own)
            })
            .collect(),
        errors: previous
            .errors
            .iter()
            .filter(|(label, _)| own_label(label))
            .map(|(l, n)| (l.clone(), *n))
            .collect(),
        previous_version: previous.previous_version.clone(),
    };
    (inputs, state)
}

/// Writes shard `manifest` into `version`, after removing what an earlier attempt of the
/// same shard left there.
pub fn stage_manifest(
    warehouse: &Warehouse,
    version: &str,
    manifest: &ShardManifest,
) -> Result<()> {
    let sink = warehouse.sink();
    let bytes = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Json {
        what: "shard manifest".into(),
        reason: e.to_string(),
    })?;
    sink.write(
        version,
        &ShardManifest::relative(manifest.shard, manifest.of),
        &bytes,
    )
}

/// The files an earlier attempt of this shard wrote into `version` and this one did not:
/// removed before the new manifest is written.
pub fn remove_earlier_attempt(
    warehouse: &Warehouse,
    version: &str,
    shard: Shard,
    written: &[String],
) -> Result<()> {
    let sink = warehouse.sink();
    let Some(bytes) = sink.read(version, &ShardManifest::relative(shard.index, shard.count))?
    else {
        return Ok(());
    };
    let Ok(earlier) = serde_json::from_slice::<ShardManifest>(&bytes) else {
        return Ok(());
    };
    let now: BTreeSet<&str> = written.iter().map(String::as_str).collect();
    for file in earlier.files.iter().filter(|f| !now.contains(f.as_str())) {
        sink.delete(version, file)?;
    }
    Ok(())
}

/// The staged shards of the run built on the published version: its version and every
/// shard's manifest, checked complete and consistent.
pub fn staged(warehouse: &Warehouse) -> Result<(String, Vec<ShardManifest>)> {
    let sink = warehouse.sink();
    let current = warehouse.current();
    let refuse = |reason: String| {
        Error::Locked(format!(
            "{}: {reason}; nothing was published",
            sink.describe()
        ))
    };
    let mut runs: BTreeMap<String, Vec<ShardManifest>> = BTreeMap::new();
    for version in sink.versions()? {
        if Some(&version) == current.as_ref() {
            continue;
        }
        let files = sink.files(&version)?;
        for file in files.iter().filter(|f| f.starts_with(SHARDS)) {
            let Some(bytes) = sink.read(&version, file)? else {
                continue;
            };
            let manifest: ShardManifest = serde_json::from_slice(&bytes)
                .map_err(|e| refuse(format!("{version}/{file}: not a shard manifest: {e}")))?;
            if manifest.base == current {
                runs.entry(version.clone()).or_default().push(manifest);
            }
        }
    }
    let mut runs = runs.into_iter();
    let (version, mut shards) = match (runs.next(), runs.next()) {
        (None, _) => {
            return Err(refuse(format!(
                "no staged shards of a run started from the published version ({})",
                current.as_deref().unwrap_or("none")
            )))
        }
        (Some(one), None) => one,
        (Some((a, _)), Some((b, _))) => {
            return Err(refuse(format!(
                "shards of more than one run started from the published version ({a}, {b}: another N or another configuration); run the shards of one again"
            )))
        }
    };
    shards.sort_by_key(|s| s.shard);
    let of = shards[0].of;
    let have: BTreeSet<usize> = shards.iter().map(|s| s.shard).collect();
    let missing: Vec<String> = (0..of)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{i}/{of}"))
        .collect();
    if !missing.is_empty() || shards.iter().any(|s| s.of != of) {
        return Err(refuse(format!(
            "incomplete set of shards in {version}: missing {}",
            missing.join(", ")
        )));
    }
    // No partition written from two shards: every input lands in its shard's districts.
    let mut landed: BTreeMap<&PartitionKey, BTreeMap<usize, Vec<&str>>> = BTreeMap::new();
    for shard in &shards {
        for (path, input) in &shard.state.inputs {
            for p in &input.partitions {
                landed
                    .entry(p)
                    .or_default()
                    .entry(shard.shard)
                    .or_default()
                    .push(path);
            }
        }
    }
    let split: Vec<String> = landed
        .iter()
        .filter(|(_, by)| by.len() > 1)
        .map(|((year, district), by)| {
            let who: Vec<String> = by
                .iter()
                .map(|(s, paths)| format!("shard {s}/{of}: {}", paths.join(", ")))
                .collect();
            format!("{year}/{district} ({})", who.join("; "))
        })
        .collect();
    if !split.is_empty() {
        return Err(refuse(format!(
            "inputs of one partition were read by different shards (an input whose content names another district than its path): {}. Run once unsharded (or place the inputs under their district's folder); their districts are known from then on",
            split.join(" | ")
        )));
    }
    Ok((version, shards))
}

/// The state of the whole run: the union of the shards' parts.
pub fn merged_state(shards: &[ShardManifest]) -> State {
    let mut state = State {
        fingerprint: shards[0].fingerprint.clone(),
        ..State::default()
    };
    for shard in shards {
        state.inputs.extend(
            shard
                .state
                .inputs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        for (dataset, parts) in &shard.state.rows {
            state
                .rows
                .entry(dataset.clone())
                .or_default()
                .extend(parts.iter().map(|(k, v)| (k.clone(), *v)));
        }
        state
            .errors
            .extend(shard.state.errors.iter().map(|(k, v)| (k.clone(), *v)));
    }
    state
}
