//! What a run has to do: which inputs changed since the last commit (by size and
//! modification time first, by sha256 when those changed), and so which partitions are
//! rewritten and which are read for context.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::extract::{source_file, Input};
use crate::load::dataset::{partition_label, Dataset, PartitionKey};
use crate::model::SourceFile;
use crate::pipeline::build::Built;
use crate::pipeline::cache::ParserId;
use crate::pipeline::state::{InputEntry, InputState, InputStatus, State};
use crate::transform::FileResult;

/// How an input's sha256 was learnt.
pub(crate) struct Hashed {
    pub file: Arc<SourceFile>,
    /// Its modification time as seen before it was hashed.
    pub modified_ns: Option<u64>,
    /// True when it was read to hash it (false: known from the last run).
    pub opened: bool,
}

/// Files modified this close to the moment they were hashed are hashed again next time: a
/// change within the file system's timestamp granularity could otherwise go unseen.
pub(crate) const RACY_NS: u64 = 2_000_000_000;

/// The input's identity: its sha256 as the last run recorded it when its size and
/// modification time are unchanged (and were not racy then), else hashed now.
pub(crate) fn hash_unless_unchanged(input: &Input, known: Option<&InputState>) -> Hashed {
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

/// What this run does: every input with its identity and parse key, which of them changed
/// since the last commit, which were deleted, and which were opened.
pub(crate) struct Plan {
    pub inputs: Vec<Input>,
    pub files: Vec<Arc<SourceFile>>,
    pub hashed: Vec<Hashed>,
    /// Which inputs were opened (to hash or to parse them).
    pub opened: Vec<AtomicBool>,
    /// Each input's parse key in the extraction cache (empty: not readable).
    pub keys: Vec<String>,
    pub unchanged: Vec<bool>,
    pub changed: Vec<usize>,
    pub deleted: Vec<String>,
    /// Everything is derived again (`--full`, or juesuan, catalogue, units, limits or the
    /// check policy changed).
    pub full: bool,
    /// When the inputs were hashed (ns since the epoch).
    pub hashed_ns: Option<u64>,
    /// `--full`: every input hashed and parsed again, the cache only written.
    pub reread: bool,
}

impl Plan {
    /// Hashes what must be hashed and compares with the last commit's state.
    pub fn new(
        pool: &rayon::ThreadPool,
        inputs: Vec<Input>,
        previous: &State,
        parser: &ParserId,
        full: bool,
        rehash: bool,
        started_at: SystemTime,
    ) -> Plan {
        let hashed: Vec<Hashed> = pool.install(|| {
            inputs
                .par_iter()
                .map(|i| {
                    let known = previous.inputs.get(&i.relative).filter(|_| !rehash);
                    hash_unless_unchanged(i, known)
                })
                .collect()
        });
        let files: Vec<Arc<SourceFile>> = hashed.iter().map(|h| h.file.clone()).collect();
        let opened = hashed.iter().map(|h| AtomicBool::new(h.opened)).collect();
        let keys: Vec<String> = inputs
            .iter()
            .zip(&files)
            .map(|(i, f)| {
                if f.sha256.is_empty() {
                    String::new()
                } else {
                    parser.key(&f.sha256, &i.path)
                }
            })
            .collect();
        // Unchanged: same path, same parse key, same fingerprint.
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
        let present: BTreeSet<&str> = inputs.iter().map(|i| i.relative.as_str()).collect();
        let deleted = previous
            .inputs
            .keys()
            .filter(|p| !present.contains(p.as_str()))
            .cloned()
            .collect();
        let changed = (0..inputs.len()).filter(|&i| !unchanged[i]).collect();
        if full && !rehash && !previous.inputs.is_empty() {
            tracing::info!("juesuan, catalogue, units, limits or checks changed since the last run: deriving everything again");
        }
        Plan {
            inputs,
            files,
            hashed,
            opened,
            keys,
            unchanged,
            changed,
            deleted,
            full,
            reread: rehash,
            hashed_ns: started_at
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| u64::try_from(d.as_nanos()).ok()),
        }
    }

    pub fn nothing_changed(&self) -> bool {
        self.changed.is_empty() && self.deleted.is_empty() && !self.full
    }

    pub fn opened(&self) -> usize {
        self.opened
            .iter()
            .filter(|o| o.load(Ordering::Relaxed))
            .count()
    }

    /// The partitions to rewrite (those of changed inputs, new and old, of deleted ones,
    /// and the year after each, whose checks compare with it) and those to read for context
    /// (each of them and the year before).
    pub fn partitions(
        &self,
        previous: &State,
        fresh: &BTreeMap<usize, InputState>,
    ) -> (BTreeSet<PartitionKey>, BTreeSet<PartitionKey>) {
        let mut touched: BTreeSet<PartitionKey> = BTreeSet::new();
        for (i, entry) in fresh {
            touched.extend(entry.partitions.iter().cloned());
            if let Some(old) = previous.inputs.get(&self.inputs[*i].relative) {
                touched.extend(old.partitions.iter().cloned());
            }
        }
        for path in &self.deleted {
            touched.extend(previous.inputs[path].partitions.iter().cloned());
        }
        let known: BTreeSet<PartitionKey> = previous
            .inputs
            .values()
            .flat_map(|s| s.partitions.iter().cloned())
            .chain(fresh.values().flat_map(|e| e.partitions.iter().cloned()))
            .collect();
        if self.full {
            touched.extend(known.iter().cloned());
        }
        let next_years: Vec<PartitionKey> = touched
            .iter()
            .map(|(y, d)| (y + 1, d.clone()))
            .filter(|k| known.contains(k))
            .collect();
        touched.extend(next_years);
        let context = touched
            .iter()
            .flat_map(|(y, d)| [(*y, d.clone()), (y - 1, d.clone())])
            .collect();
        (touched, context)
    }

    /// The unchanged inputs with rows in a partition of `context`: interpreted again, from
    /// their cached parse.
    pub fn needed(&self, previous: &State, context: &BTreeSet<PartitionKey>) -> Vec<usize> {
        (0..self.inputs.len())
            .filter(|&i| self.unchanged[i])
            .filter(|&i| {
                previous.inputs[&self.inputs[i].relative]
                    .partitions
                    .iter()
                    .any(|p| context.contains(p))
            })
            .collect()
    }

    /// The state entry of input `i` read this run (its size and times are the commit's).
    pub fn entry(&self, i: usize, result: &FileResult) -> InputState {
        let file = &self.files[i];
        InputState {
            sha256: file.sha256.to_string(),
            bytes: file.bytes,
            modified_ns: None,
            hashed_ns: None,
            cache_key: self.keys[i].clone(),
            partitions: result.extraction.partitions().into_iter().collect(),
            groups: result.extraction.groups().into_iter().collect(),
            rejects: result.extraction.rejects.len(),
            manifest: InputEntry::of(result),
        }
    }

    /// The state the commit leaves: unchanged inputs keep their entry, the others get a new
    /// one; rows and error findings of the rewritten partitions replaced.
    pub fn next_state(
        &self,
        previous: &State,
        fingerprint: &str,
        fresh: &BTreeMap<usize, InputState>,
        built: &Built,
        touched: &BTreeSet<PartitionKey>,
    ) -> State {
        let mut state = State {
            fingerprint: fingerprint.to_string(),
            inputs: BTreeMap::new(),
            rows: if self.full {
                BTreeMap::new()
            } else {
                previous.rows.clone()
            },
            errors: if self.full {
                BTreeMap::new()
            } else {
                previous.errors.clone()
            },
            previous_version: None,
        };
        for (i, input) in self.inputs.iter().enumerate() {
            let file = &self.files[i];
            let mut entry = match fresh.get(&i).filter(|_| !self.unchanged[i]) {
                Some(entry) => entry.clone(),
                None => previous.inputs[&input.relative].clone(),
            };
            // What the hash was taken of: the next run trusts the same size and time.
            if self.hashed[i].opened {
                entry.bytes = file.bytes;
                entry.modified_ns = self.hashed[i].modified_ns;
                entry.hashed_ns = self.hashed_ns;
            } else if let Some(known) = previous.inputs.get(&input.relative) {
                entry.modified_ns = known.modified_ns;
                entry.hashed_ns = known.hashed_ns;
            }
            // An input of a partition that could not be written is rejected, and read again
            // next run (no cache key).
            if let Some(reason) = entry.partitions.iter().find_map(|p| built.failed.get(p)) {
                entry.rejects += 1;
                entry.cache_key.clear();
                entry.manifest.status = InputStatus::Rejected;
                entry.manifest.write_error = Some(reason.clone());
            }
            state.inputs.insert(input.relative.clone(), entry);
        }
        let live: BTreeSet<&PartitionKey> = built.counts.keys().collect();
        for dataset in Dataset::ALL {
            let counts = state.rows.entry(dataset.name().to_string()).or_default();
            for p in touched {
                counts.remove(&partition_label(p));
            }
            for (p, per_dataset) in &built.counts {
                counts.insert(partition_label(p), per_dataset[&dataset]);
            }
        }
        for p in touched {
            state.errors.remove(&partition_label(p));
        }
        for (p, n) in &built.errors {
            if *n > 0 && live.contains(p) {
                state.errors.insert(partition_label(p), *n);
            }
        }
        state
    }
}
