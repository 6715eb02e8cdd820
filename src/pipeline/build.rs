//! The records of every input needed into the files of the partitions a run rewrites: one
//! copy of each report and table per unit-year, the grain, the derived datasets, the checks,
//! sorted so that files are identical whatever the thread count, then encoded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::RecordBatch;

use crate::error::{Error, Result};
use crate::load::batch::{self, Record};
use crate::load::dataset::{partition_label, Dataset, PartitionKey};
use crate::load::warehouse::PartitionFile;
use crate::model::{
    EconomicRow, ExecutionRow, ExpenditureRow, Fact, Finding, Fund, PerformanceProject, Reject,
    Severity, Source, UnitIdentity, UnitRow,
};
use crate::transform::choose::{choose_reports, choose_tables};
use crate::transform::{derive, grain, reconcile, Extraction, FileResult};

/// Rows per dataset for every touched partition, sorted so that files are identical
/// whatever the thread count; plus the row counts of each.
#[allow(clippy::type_complexity)]
pub(crate) fn build_partitions(
    results: &BTreeMap<usize, FileResult>,
    touched: &BTreeSet<PartitionKey>,
    policy: &reconcile::Policy,
    catalog: &crate::reference::catalog::Catalog,
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
    expenditure_all.sort_by(|a, b| order(a).cmp(&order(b)));
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
            catalog: Some(catalog),
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
    // A report published twice (.docx and .txt) says the same words twice: the document
    // checks of the copy not loaded are the loaded one's.
    let copy_of_report = |e: &Extraction| {
        e.has_narrative()
            && e.identity.as_ref().is_some_and(|u| {
                e.file.as_ref().is_some_and(|f| {
                    !chosen_reports.contains(&(
                        u.unit_id.clone(),
                        u.year,
                        f.display_path.to_string(),
                    ))
                })
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
        (&a.file.display_path, a.place(), &a.reason).cmp(&(
            &b.file.display_path,
            b.place(),
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
                    at: None,
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

/// The order of `expenditure` rows: unit, fund, source, code, then where they were read
/// (borrowed: no allocation per comparison).
fn order(r: &ExpenditureRow) -> (&str, Fund, &str, &str, &str, Option<u32>) {
    (
        &r.unit.unit_id,
        r.fund,
        r.source.id(),
        &r.code.code,
        &r.provenance.file.display_path,
        r.provenance.origin.row(),
    )
}

/// What [`build_partitions`] produced.
pub(crate) struct Built {
    pub files: Vec<PartitionFile>,
    pub counts: BTreeMap<PartitionKey, BTreeMap<Dataset, usize>>,
    /// Reconciliation checks run, error findings per partition, findings per unit-year
    /// (info, warning, error).
    pub checks: usize,
    pub errors: BTreeMap<PartitionKey, usize>,
    pub by_unit: BTreeMap<(String, i32), [usize; 3]>,
    /// Partitions that could not be encoded, and why: their inputs are rejected.
    pub failed: BTreeMap<PartitionKey, String>,
}

/// One batch per live partition (empty where the dataset has no rows there).
/// One batch per partition of `live` (empty ones included), or why a partition's rows
/// cannot be encoded.
fn group<R: Record + Sync>(
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
    use rayon::prelude::*;
    by_key
        .into_par_iter()
        .map(|(key, rows)| {
            let batch = batch::build(&spec, &rows)
                .map_err(|reason| format!("{}: {reason}", dataset.partition_path(&key)));
            (key, batch)
        })
        .collect()
}
