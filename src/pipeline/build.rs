//! The records of the partitions a run rewrites into their files, streamed one unit-year at
//! a time. A unit-year (a [`GroupKey`]) is the grain of every check: one copy of each report
//! and table, the grain of the rows, the derived datasets and the checks all need that
//! unit-year's inputs and nothing else (the year-over-year check needs last year's total,
//! kept as a number). So groups are built in parallel, a bounded number of records at a
//! time, in the order of their partition and unit, and their rows are appended to their
//! partition's files as they come (Parquet row groups, written while the next groups are
//! built). What a run holds is the groups in flight, never a partition or the corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arrow_array::RecordBatch;

use crate::error::Result;
use crate::load::batch::{self, Record};
use crate::load::dataset::{Dataset, PartitionKey};
use crate::load::warehouse::Warehouse;
use crate::model::{
    EconomicRow, ExpenditureRow, Fact, Finding, Fund, GroupKey, PerformanceProject, Reject,
    Severity, Source, UnitIdentity, UnitRow, Yuan, UNKNOWN_PARTITION,
};
use crate::pipeline::output::Output;
use crate::pipeline::records::{Held, Records};
use crate::transform::choose::{choose_reports, choose_tables};
use crate::transform::{derive, grain, reconcile, Extraction, FileResult};
use crate::FastMap;

/// One unit-year to build.
pub(crate) struct Group {
    pub key: GroupKey,
    /// The inputs with records of it, in path order.
    pub inputs: Vec<usize>,
    /// Its partition is rewritten (else it is built only for its total, which next year's
    /// checks compare with).
    pub write: bool,
    /// The records it is expected to hold (its inputs' counts when last read): what sizes
    /// the work in flight.
    pub records: usize,
}

/// The groups a run builds, sorted: every unit-year of a rewritten partition, and the
/// unit-year before each (read only for its total) when its partition is not rewritten.
/// `inputs`: each input's unit-years and records.
pub(crate) fn plan(
    inputs: &BTreeMap<usize, (Vec<GroupKey>, usize)>,
    touched: &BTreeSet<PartitionKey>,
    context: &BTreeSet<PartitionKey>,
) -> Vec<Group> {
    let mut groups: BTreeMap<&GroupKey, (Vec<usize>, usize)> = BTreeMap::new();
    for (&i, (keys, records)) in inputs {
        for key in keys.iter().filter(|k| context.contains(&k.0)) {
            let g = groups.entry(key).or_default();
            g.0.push(i);
            g.1 += records;
        }
    }
    let written = |key: &GroupKey| touched.contains(&key.0);
    let next_year_written = |((year, district), unit): &GroupKey| {
        groups.contains_key(&((year + 1, district.clone()), unit.clone()))
            && touched.contains(&(year + 1, district.clone()))
    };
    groups
        .iter()
        .filter(|(key, _)| written(key) || next_year_written(key))
        .map(|(key, (inputs, records))| Group {
            key: (*key).clone(),
            inputs: inputs.clone(),
            write: written(key),
            records: *records,
        })
        .collect()
}

/// What the build wrote and found.
#[derive(Default)]
pub(crate) struct Built {
    /// Files written into the version (relative paths).
    pub files: Vec<String>,
    pub counts: BTreeMap<PartitionKey, BTreeMap<Dataset, usize>>,
    /// Reconciliation checks run, error findings per partition, findings per unit-year
    /// (info, warning, error).
    pub checks: usize,
    pub errors: BTreeMap<PartitionKey, usize>,
    pub by_unit: BTreeMap<(String, i32), [usize; 3]>,
    /// Partitions that could not be encoded, and why: their inputs are rejected.
    pub failed: BTreeMap<PartitionKey, String>,
}

/// Where the files go: a version of the warehouse, not published yet.
pub(crate) struct Target<'a> {
    pub warehouse: &'a Warehouse,
    pub version: &'a str,
    pub run_id: &'a str,
    pub catalog_version: &'a str,
}

/// What the checks are run with.
pub(crate) struct Checks<'a> {
    pub policy: &'a reconcile::Policy,
    pub catalog: &'a crate::reference::catalog::Catalog,
}

/// Inputs read before the build and kept (within the run's budget) so that they are not
/// interpreted again: input → its records and how many groups still need them.
pub(crate) type Kept<'a> = FastMap<usize, (Arc<Held<'a>>, usize)>;

/// Builds `groups` (sorted by key) and writes the partitions of those to be written, holding
/// about `flight` records of groups at a time (at least one group).
pub(crate) fn build<'a>(
    records: &Records<'a>,
    groups: Vec<Group>,
    kept: Kept<'a>,
    checks: &Checks,
    target: &Target,
    touched: &BTreeSet<PartitionKey>,
    flight: usize,
) -> Result<Built> {
    let phase = Instant::now();
    let kept = Mutex::new(kept);
    // The inputs of each partition written, for a partition that cannot be.
    let mut inputs_of: BTreeMap<PartitionKey, BTreeSet<usize>> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.write) {
        inputs_of
            .entry(g.key.0.clone())
            .or_default()
            .extend(&g.inputs);
    }
    let mut out = Output::new(target, touched)?;
    // Chunks of groups of one year (next year's checks need this year's totals), each about
    // `flight` records.
    let mut chunks: Vec<&[Group]> = Vec::new();
    let (mut start, mut held) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        let year_changed = groups[start].key.0 .0 != g.key.0 .0;
        if i > start && (year_changed || held + g.records > flight) {
            chunks.push(&groups[start..i]);
            (start, held) = (i, 0);
        }
        held += g.records;
    }
    if start < groups.len() {
        chunks.push(&groups[start..]);
    }
    let mut totals: FastMap<(String, i32), Yuan> = FastMap::default();
    let mut pending: Vec<GroupOut> = Vec::new();
    use rayon::prelude::*;
    for chunk in chunks {
        let year = chunk[0].key.0 .0;
        totals.retain(|(_, y), _| *y >= year - 1);
        // The previous chunk's rows are encoded and written while this one is built.
        let (written, built) = rayon::join(
            || out.accept(std::mem::take(&mut pending)),
            || {
                chunk
                    .par_iter()
                    // One group per task, as inputs are read (records.rs).
                    .with_max_len(1)
                    .map(|g| build_group(records, &kept, g, checks, &totals))
                    .collect::<Vec<_>>()
            },
        );
        written?;
        for g in &built {
            if let Some((unit, total)) = &g.total {
                totals.insert(unit.clone(), *total);
            }
        }
        pending = built;
    }
    out.accept(pending)?;
    let built = out.finish(records, &inputs_of)?;
    tracing::info!(
        groups = groups.len(),
        checks = built.checks,
        elapsed = ?phase.elapsed(),
        "derived, checked and written"
    );
    Ok(built)
}

/// What one group gave: a batch per dataset (or why its rows cannot be encoded), and what
/// its checks found.
pub(super) struct GroupOut {
    pub(super) key: GroupKey,
    pub(super) write: bool,
    pub(super) batches: Vec<(Dataset, std::result::Result<RecordBatch, String>)>,
    pub(super) checks: usize,
    pub(super) errors: usize,
    pub(super) by_unit: BTreeMap<(String, i32), [usize; 3]>,
    /// (unit id, year) and the unit-year's total, for next year's checks.
    pub(super) total: Option<((String, i32), Yuan)>,
}

/// True when a record of `unit` belongs to the group `key`.
fn in_group(key: &GroupKey, unit: Option<&UnitIdentity>) -> bool {
    let ((year, district), unit_id) = key;
    match unit {
        Some(u) => u.year == *year && u.district_code == *district && u.unit_id == *unit_id,
        None => {
            *year == UNKNOWN_PARTITION.0 && district == UNKNOWN_PARTITION.1 && unit_id.is_empty()
        }
    }
}

/// The group's inputs: kept ones taken from `kept`, the others read back from the spill (or
/// interpreted again from their cached parse).
fn members<'a>(records: &Records<'a>, kept: &Mutex<Kept<'a>>, group: &Group) -> Vec<Arc<Held<'a>>> {
    group
        .inputs
        .iter()
        .map(|&i| {
            let taken = {
                let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
                match kept.get_mut(&i) {
                    Some((held, uses)) => {
                        *uses = uses.saturating_sub(1);
                        let held = held.clone();
                        if *uses == 0 {
                            kept.remove(&i);
                        }
                        Some(held)
                    }
                    None => None,
                }
            };
            taken.unwrap_or_else(|| Arc::new(records.again(i)))
        })
        .collect()
}

/// One unit-year: one copy of each report and table, the grain, the derived datasets, the
/// checks, each dataset's rows sorted (so that files are identical whatever the thread
/// count) and made a batch.
fn build_group<'a>(
    records: &Records<'a>,
    kept: &Mutex<Kept<'a>>,
    group: &Group,
    checks: &Checks,
    totals: &FastMap<(String, i32), Yuan>,
) -> GroupOut {
    let members = members(records, kept, group);
    let results: Vec<&FileResult> = members.iter().map(|h| &h.result).collect();
    let key = &group.key;
    let inside = |u: &UnitIdentity| in_group(key, Some(u));
    let x = || results.iter().map(|r| &r.extraction);
    // One narrative report per unit-year: when an office published the same report twice
    // (.docx and .txt), the first by path is loaded and the others are named in findings.
    let (chosen_reports, mut duplicate_findings) = choose_reports(&results);
    // One copy of each table per unit-year, likewise.
    let (chosen_tables, table_findings) = choose_tables(&results);
    duplicate_findings.extend(table_findings);
    let report_chosen = |unit: &UnitIdentity, path: &str| {
        chosen_reports.contains(&(unit.unit_id.clone(), unit.year, path.to_string()))
    };
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
            report_chosen(&r.unit, &r.provenance.file.display_path)
        } else {
            table_chosen(&r.unit, r.source.id(), &r.provenance)
        }
    };
    // The files of this unit-year (others may carry a record of it, not their checks).
    let home: Vec<&FileResult> = results
        .iter()
        .copied()
        .filter(|r| r.extraction.home() == *key)
        .collect();
    // Tables first, then reports: a metric both state is taken from the table.
    let mut facts: Vec<(&Arc<UnitIdentity>, &Fact)> = home
        .iter()
        .map(|r| &r.extraction)
        .filter_map(|e| e.identity.as_ref().map(|u| (u, &e.facts)))
        .flat_map(|(u, facts)| facts.iter().map(move |f| (u, f)))
        .collect();
    facts.sort_by_key(|(_, f)| !f.provenance.origin.is_table());
    let units: Vec<UnitRow> = derive::units(facts)
        .into_iter()
        .filter(|u| inside(&u.unit))
        .collect();
    let total = units
        .first()
        .and_then(|u| reconcile::year_total(u).map(|t| ((u.unit.unit_id.clone(), u.unit.year), t)));
    if !group.write {
        return GroupOut {
            key: key.clone(),
            write: false,
            batches: Vec::new(),
            checks: 0,
            errors: 0,
            by_unit: BTreeMap::new(),
            total,
        };
    }
    let mut expenditure: Vec<&ExpenditureRow> = x()
        .flat_map(|e| &e.expenditure)
        .filter(|r| inside(&r.unit) && chosen(r))
        .collect();
    expenditure.sort_by(|a, b| order(a).cmp(&order(b)));
    // The grain: one row per (unit, year, source, fund, code); copies become findings.
    let (expenditure, grain_findings) = grain::unique(expenditure);
    duplicate_findings.extend(grain_findings);
    let execution = derive::execution(&expenditure, &units);
    let chosen_extractions: Vec<&Extraction> = home
        .iter()
        .filter(|r| {
            !r.extraction.has_narrative()
                || r.extraction
                    .identity
                    .as_ref()
                    .is_some_and(|u| report_chosen(u, &r.input.relative))
        })
        .map(|r| &r.extraction)
        .collect();
    let (reconciled, checks_run) = reconcile::reconcile(
        &reconcile::Input {
            catalog: Some(checks.catalog),
            extractions: chosen_extractions,
            expenditure: &expenditure,
            units: &units,
            execution: &execution,
            last_year: Some(totals),
        },
        checks.policy,
    );
    let mut economic: Vec<&EconomicRow> = x()
        .flat_map(|e| &e.economic)
        .filter(|r| inside(&r.unit))
        .filter(|r| table_chosen(&r.unit, r.source.id(), &r.provenance))
        .collect();
    economic.sort_by(|a, b| {
        (a.source.id(), &a.code, a.provenance.origin.row()).cmp(&(
            b.source.id(),
            &b.code,
            b.provenance.origin.row(),
        ))
    });
    let (economic, economic_copies) = grain::unique(economic);
    let projects: Vec<&PerformanceProject> = x()
        .flat_map(|e| &e.projects)
        .filter(|r| inside(&r.unit))
        .filter(|r| report_chosen(&r.unit, &r.provenance.file.display_path))
        .collect();
    let (projects, project_copies) = grain::unique(projects);
    // The findings of the readers, the identification and the grain, governed by the
    // severity policy as the checks' own are (off drops them).
    // A report published twice (.docx and .txt) says the same words twice: the document
    // checks of the copy not loaded are the loaded one's.
    let copy_of_report = |e: &Extraction| {
        e.has_narrative()
            && e.identity.as_ref().is_some_and(|u| {
                e.file
                    .as_ref()
                    .is_some_and(|f| !report_chosen(u, &f.display_path))
            })
    };
    let governed: Vec<Finding> = x()
        .flat_map(|e| {
            let copy = copy_of_report(e);
            e.findings
                .iter()
                .filter(move |f| !(copy && f.rule.of_document_text()))
        })
        .chain(&duplicate_findings)
        .chain(&economic_copies)
        .chain(&project_copies)
        .filter(|f| in_group(key, f.unit.as_deref()))
        .filter_map(|f| {
            let severity = checks.policy.govern(f.rule, None, f.severity)?;
            Some(Finding {
                severity,
                ..f.clone()
            })
        })
        .collect();
    let mut findings: Vec<&Finding> = governed
        .iter()
        .chain(
            reconciled
                .iter()
                .filter(|f| in_group(key, f.unit.as_deref())),
        )
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
    let mut by_unit: BTreeMap<(String, i32), [usize; 3]> = BTreeMap::new();
    let mut errors = 0;
    for f in &findings {
        if f.severity == Severity::Error {
            errors += 1;
        }
        if let Some(u) = &f.unit {
            by_unit.entry((u.unit_name.clone(), u.year)).or_default()[f.severity as usize] += 1;
        }
    }
    let rejects = group_rejects(&results, key);
    let partition = &key.0;
    let batches = Dataset::ALL
        .into_iter()
        .map(|dataset| {
            let batch = match dataset {
                Dataset::Expenditure => encode(dataset, &expenditure),
                Dataset::Execution => encode(dataset, &execution.iter().collect::<Vec<_>>()),
                Dataset::Units => encode(dataset, &units.iter().collect::<Vec<_>>()),
                Dataset::EconomicExpenditure => encode(dataset, &economic),
                Dataset::PerformanceProjects => encode(dataset, &projects),
                Dataset::Findings => encode(dataset, &findings),
                Dataset::Rejects => encode(dataset, &rejects),
            }
            .map_err(|reason| format!("{}: {reason}", dataset.partition_path(partition)));
            (dataset, batch)
        })
        .collect();
    GroupOut {
        key: key.clone(),
        write: true,
        batches,
        checks: checks_run,
        errors,
        by_unit,
        total,
    }
}

/// The rejects of a group's inputs that belong to it, in order.
fn group_rejects<'r>(results: &[&'r FileResult], key: &GroupKey) -> Vec<&'r Reject> {
    let mut rejects: Vec<&Reject> = results
        .iter()
        .flat_map(|r| &r.extraction.rejects)
        .filter(|r| in_group(key, r.unit.as_deref()))
        .collect();
    rejects.sort_by(|a, b| {
        (&a.file.display_path, a.place(), &a.reason).cmp(&(
            &b.file.display_path,
            b.place(),
            &b.reason,
        ))
    });
    rejects
}

pub(super) fn encode<R: Record>(
    dataset: Dataset,
    rows: &[&R],
) -> std::result::Result<RecordBatch, String> {
    batch::build(dataset, rows)
}

/// The order of `expenditure` rows within a unit-year: fund, source, code, then where they
/// were read (borrowed: no allocation per comparison).
fn order(r: &ExpenditureRow) -> (Fund, &str, &str, &str, Option<u32>) {
    (
        r.fund,
        r.source.id(),
        &r.code.code,
        &r.provenance.file.display_path,
        r.provenance.origin.row(),
    )
}
