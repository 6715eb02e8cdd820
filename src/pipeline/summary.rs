//! What a run tells the person who started it: the library returns a [`Summary`], the
//! `run` command prints it.

use std::collections::BTreeMap;

use crate::load::dataset::Dataset;
use crate::pipeline::plan::Plan;
use crate::pipeline::state::{InputStatus, State};
use crate::transform::TableStatus;

/// The narrative reports of the current inputs.
#[derive(Debug, Default)]
pub struct Reports {
    pub read: usize,
    pub facts: usize,
    pub category_lines: usize,
    pub projects: usize,
    pub amount_mentions: usize,
    pub amount_mentions_used: usize,
    /// (path, mentions used, mentions), the least covered first.
    pub coverage: Vec<(String, usize, usize)>,
}

/// A finished run, in numbers.
#[derive(Debug, Default)]
pub struct Summary {
    pub run_id: String,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    /// Nothing changed since the last commit: nothing was written.
    pub nothing_changed: bool,
    pub inputs: usize,
    /// Inputs by kind: workbooks, reports, PDFs, other.
    pub kinds: [usize; 4],
    /// Inputs read this run (the others were unchanged).
    pub extracted: usize,
    pub deleted: usize,
    /// Inputs opened this run (to hash or to parse them); the others were known by their
    /// size and modification time, and their parse came from the cache.
    pub opened: usize,
    /// Inputs loaded, partial, rejected.
    pub statuses: [usize; 3],
    /// Tables loaded, empty, rejected, unrecognised.
    pub tables: [usize; 4],
    /// Rows per dataset in the warehouse.
    pub rows: Vec<(Dataset, usize)>,
    pub reports: Reports,
    pub warehouse: String,
    pub rewritten: usize,
    /// Rejects of all current inputs, read this run or not, and the first of them.
    pub rejects: usize,
    pub first_rejects: Vec<String>,
    /// Checks run, and findings per unit-year (info, warning, error).
    pub checks: usize,
    pub by_unit: BTreeMap<(String, i32), [usize; 3]>,
    /// Error findings in the warehouse, and whether they fail the run (`--strict`).
    pub errors: usize,
    pub strict: bool,
    /// A shard (`--shard I/N`): what it staged, unpublished.
    pub staged: Option<String>,
    /// The most records the run held at once, and the budget it was given
    /// (`records_in_memory`): a run streams, so the first is about the second, never the
    /// corpus.
    pub peak_records: usize,
    pub records_in_memory: usize,
    /// Inputs whose records the budget did not keep, written to the run's spill and read
    /// back by the build; and inputs interpreted a second time (a spill that could not be
    /// written or read back), which a sound run has none of.
    pub spilled: usize,
    pub interpreted_again: usize,
}

impl Summary {
    /// 0 every input loaded; 1 finished with rejects (or, with `--strict`, error findings).
    pub fn exit_code(&self) -> u8 {
        if self.rejects > 0 || (self.strict && self.errors > 0) {
            1
        } else {
            0
        }
    }

    pub fn rows_of(&self, dataset: Dataset) -> usize {
        self.rows
            .iter()
            .find(|(d, _)| *d == dataset)
            .map_or(0, |(_, n)| *n)
    }

    /// A run that found nothing changed and wrote nothing.
    pub(crate) fn unchanged(
        run_id: String,
        clock: std::time::Instant,
        plan: &Plan,
        previous: &State,
        strict: bool,
    ) -> Summary {
        Summary {
            run_id,
            seconds: clock.elapsed().as_secs_f64(),
            nothing_changed: true,
            inputs: plan.inputs.len(),
            opened: plan.opened(),
            strict,
            ..Summary::of_state(previous)
        }
    }

    /// A run that committed `state`.
    pub(crate) fn committed(
        run_id: String,
        clock: std::time::Instant,
        plan: &Plan,
        state: &State,
        strict: bool,
    ) -> Summary {
        Summary {
            run_id,
            seconds: clock.elapsed().as_secs_f64(),
            peak_rss_bytes: crate::pipeline::setup::peak_rss_bytes(),
            extracted: plan.changed.len(),
            deleted: plan.deleted.len(),
            opened: plan.opened(),
            strict,
            ..Summary::of_state(state)
        }
    }

    /// The figures of `state` (the committed one) that every summary has.
    pub fn of_state(state: &State) -> Summary {
        let entries: Vec<_> = state.inputs.values().map(|s| &s.manifest).collect();
        let kind = |k: &str| entries.iter().filter(|e| e.kind == k).count();
        let status = |s: InputStatus| entries.iter().filter(|e| e.status == s).count();
        let tables = |s: TableStatus| {
            entries
                .iter()
                .flat_map(|e| &e.tables)
                .filter(|t| t.status == s)
                .count()
        };
        let mut reports = Reports::default();
        for (path, r) in entries
            .iter()
            .filter_map(|e| e.report.as_ref().map(|r| (&e.path, r)))
        {
            reports.read += 1;
            reports.facts += r.facts;
            reports.category_lines += r.category_lines;
            reports.projects += r.projects;
            reports.amount_mentions += r.amount_mentions;
            reports.amount_mentions_used += r.amount_mentions_used;
            if r.amount_mentions > 0 {
                reports
                    .coverage
                    .push((path.clone(), r.amount_mentions_used, r.amount_mentions));
            }
        }
        let ratio = |c: &(String, usize, usize)| c.1 as f64 / c.2 as f64;
        reports
            .coverage
            .sort_by(|a, b| ratio(a).total_cmp(&ratio(b)).then(a.0.cmp(&b.0)));
        Summary {
            inputs: entries.len(),
            kinds: [
                kind("workbook"),
                kind("report"),
                kind("pdf"),
                kind("unsupported"),
            ],
            statuses: [
                status(InputStatus::Loaded),
                status(InputStatus::Partial),
                status(InputStatus::Rejected),
            ],
            tables: [
                tables(TableStatus::Loaded),
                tables(TableStatus::Empty),
                tables(TableStatus::Rejected),
                tables(TableStatus::Unrecognised),
            ],
            rows: Dataset::ALL
                .iter()
                .map(|d| {
                    let n = state.rows.get(d.name()).map_or(0, |r| r.values().sum());
                    (*d, n)
                })
                .collect(),
            reports,
            rejects: state.inputs.values().map(|s| s.rejects).sum(),
            first_rejects: entries
                .iter()
                .flat_map(|e| &e.rejects)
                .take(10)
                .cloned()
                .collect(),
            errors: state.errors.values().sum(),
            ..Summary::default()
        }
    }
}
