//! What a commit leaves for the next run (`state.json`: every input by path, its sha256,
//! size and time, its parse's cache key, its partitions and its manifest entry; rows and
//! error findings per partition) and what it tells readers (`_manifest.json`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::extract::Skipped;
use crate::load::dataset::{parse_partition_label, partition_label, Dataset, PartitionKey};
use crate::transform::narrative::ReportStats;
use crate::transform::{Extraction, FileResult, TableReport, TableStatus};

/// What the last committed run knew about each input.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Fingerprint of juesuan, catalogue, units, limits and check policy: a change
    /// re-derives everything (from the cached parses).
    pub fingerprint: String,
    pub inputs: BTreeMap<String, InputState>,
    /// dataset → partition ("2023/110102") → rows.
    pub rows: BTreeMap<String, BTreeMap<String, usize>>,
    /// partition → error findings in it (for `--strict`).
    #[serde(default)]
    pub errors: BTreeMap<String, usize>,
    /// The version published before the current one, kept for readers still inside it.
    #[serde(default)]
    pub previous_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputState {
    pub sha256: String,
    /// Size and modification time (ns since the epoch) when it was hashed: an input that
    /// still has both is not read again to learn its sha256.
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub modified_ns: Option<u64>,
    /// When it was hashed (ns since the epoch): a file modified within 2 s of it is hashed
    /// again (a change within the timestamp granularity).
    #[serde(default)]
    pub hashed_ns: Option<u64>,
    /// The key of its parse in the extraction cache (sha256, extension, parser version).
    pub cache_key: String,
    pub partitions: Vec<PartitionKey>,
    /// The unit-years of its records (a state of an older layout has none: the input is
    /// read again when a run needs them).
    #[serde(default)]
    pub groups: Vec<crate::model::GroupKey>,
    pub rejects: usize,
    /// The input's manifest entry, reused while the input is unchanged.
    pub manifest: InputEntry,
}

impl InputState {
    /// About the records it holds once read (rows, facts, rejects, findings): what sizes
    /// the work in flight.
    pub fn records(&self) -> usize {
        let r = &self.manifest.rows;
        r.expenditure
            + r.economic_expenditure
            + r.facts
            + r.performance_projects
            + self.rejects
            + self.manifest.findings.len()
    }
}

/// How an input was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    Loaded,
    Partial,
    Rejected,
}

/// Rows an input gave, per dataset (and facts for `units`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRows {
    pub expenditure: usize,
    pub economic_expenditure: usize,
    pub facts: usize,
    pub performance_projects: usize,
}

/// One input in `_manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// workbook, report, pdf or unsupported.
    pub kind: String,
    pub status: InputStatus,
    pub unit_id: Option<String>,
    pub year: Option<i32>,
    pub rows: InputRows,
    pub rejects: Vec<String>,
    pub findings: Vec<String>,
    pub tables: Vec<TableReport>,
    pub report: Option<ReportStats>,
    /// Why the partition this input lands in could not be written (it is read again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_error: Option<String>,
}

impl InputStatus {
    fn of(x: &Extraction) -> InputStatus {
        let used = !x.expenditure.is_empty()
            || !x.facts.is_empty()
            || x.tables
                .iter()
                .any(|t| matches!(t.status, TableStatus::Loaded | TableStatus::Empty));
        match (x.rejects.is_empty(), used) {
            (true, _) => InputStatus::Loaded,
            (false, false) => InputStatus::Rejected,
            (false, true) => InputStatus::Partial,
        }
    }
}

impl InputEntry {
    pub fn of(r: &FileResult) -> InputEntry {
        let x = &r.extraction;
        InputEntry {
            path: r.input.relative.clone(),
            sha256: r.file.sha256.to_string(),
            bytes: r.file.bytes,
            kind: r.input.kind.as_str().to_string(),
            status: InputStatus::of(x),
            unit_id: x.identity.as_ref().map(|u| u.unit_id.clone()),
            year: x.identity.as_ref().map(|u| u.year),
            rows: InputRows {
                expenditure: x.expenditure.len(),
                economic_expenditure: x.economic.len(),
                facts: x.facts.len(),
                performance_projects: x.projects.len(),
            },
            rejects: x.rejects.iter().map(|j| j.to_string()).collect(),
            findings: x
                .findings
                .iter()
                .map(|f| format!("{} ({}): {}", f.rule, f.severity.as_str(), f.message))
                .collect(),
            tables: x.tables.clone(),
            report: x.report.clone(),
            write_error: None,
        }
    }
}

/// One dataset in `_manifest.json`.
#[derive(Debug, Serialize)]
pub struct DatasetEntry {
    pub rows: usize,
    pub files: Vec<String>,
}

/// `_manifest.json`: what a version holds and where it came from.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub run_id: &'a str,
    pub started: String,
    pub finished: String,
    pub juesuan_version: &'static str,
    pub catalog_version: &'a str,
    pub fingerprint: &'a str,
    /// The process's peak resident memory so far (Linux; null elsewhere).
    pub peak_rss_bytes: Option<u64>,
    pub partitions_rewritten: Vec<String>,
    pub datasets: BTreeMap<&'static str, DatasetEntry>,
    pub inputs: Vec<&'a InputEntry>,
    pub skipped: &'a [Skipped],
}

impl<'a> Manifest<'a> {
    pub fn new(
        run_id: &'a str,
        started_at: SystemTime,
        catalog_version: &'a str,
        state: &'a State,
        rewritten: &BTreeSet<PartitionKey>,
        skipped: &'a [Skipped],
    ) -> Manifest<'a> {
        let datasets = Dataset::ALL
            .iter()
            .map(|d| {
                let parts = state.rows.get(d.name()).cloned().unwrap_or_default();
                let files = parts
                    .keys()
                    .filter_map(|p| parse_partition_label(p))
                    .map(|key| d.partition_path(&key))
                    .collect();
                let rows = parts.values().sum();
                (d.name(), DatasetEntry { rows, files })
            })
            .collect();
        Manifest {
            run_id,
            started: humantime::format_rfc3339_seconds(started_at).to_string(),
            finished: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            juesuan_version: crate::VERSION,
            catalog_version,
            fingerprint: &state.fingerprint,
            peak_rss_bytes: crate::pipeline::setup::peak_rss_bytes(),
            partitions_rewritten: rewritten.iter().map(partition_label).collect(),
            datasets,
            inputs: state.inputs.values().map(|s| &s.manifest).collect(),
            skipped,
        }
    }
}
