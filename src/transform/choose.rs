//! One copy of each report and each table per unit-year: an office that published the same
//! report twice (.docx and .txt), or a table in two workbooks, is loaded once, and each other
//! copy is named in a finding.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Finding, Severity, Source, UnitIdentity, Yuan};
use crate::transform::FileResult;

/// The report file loaded for each unit-year (the first by path), and a finding for each
/// other report of the same unit-year.
pub fn choose_reports(results: &[&FileResult]) -> (BTreeSet<(String, i32, String)>, Vec<Finding>) {
    let mut by_unit: BTreeMap<(String, i32), Vec<&FileResult>> = BTreeMap::new();
    for r in results.iter().filter(|r| r.extraction.has_narrative()) {
        if let Some(u) = &r.extraction.identity {
            by_unit
                .entry((u.unit_id.clone(), u.year))
                .or_default()
                .push(r);
        }
    }
    let mut chosen = BTreeSet::new();
    let mut findings = Vec::new();
    for ((unit_id, year), mut files) in by_unit {
        files.sort_by(|a, b| a.input.relative.cmp(&b.input.relative));
        let first = files[0];
        chosen.insert((unit_id.clone(), year, first.input.relative.clone()));
        for other in &files[1..] {
            findings.push(Finding {
                unit: other.extraction.identity.clone(),
                file: other.file.clone(),
                rule: crate::model::RuleId::ReportDuplicate,
                severity: Severity::Info,
                message: format!(
                    "{unit_id} {year} has another report, {}; its figures are loaded from that one",
                    first.input.relative
                ),
                expected: None,
                actual: None,
                tolerance: None,
                references: vec![other.input.relative.clone(), first.input.relative.clone()],
            });
        }
    }
    (chosen, findings)
}

/// (unit id, year, table id).
pub type TableOfUnit = (String, i32, String);
/// (unit id, year, table id, file): one copy of a table.
/// (unit id, year, table id, file, sheet): one copy of a table.
pub type TableCopy = (String, i32, String, String, String);

/// One copy of each workbook table per unit-year. When two workbooks carry the same table (an
/// `.xls` beside its `.xlsx`, a re-publication), the first by path is loaded and each other
/// copy is named in a finding: `info` when its figures are the same, `warning` when they
/// differ (a correction, or another document). Returns (unit, year, table, file) of the
/// copies to load.
pub fn choose_tables(results: &[&FileResult]) -> (BTreeSet<TableCopy>, Vec<Finding>) {
    // (unit, year, table) → the copies that carry it (file and sheet), in path order. Two
    // sheets of one workbook carrying the same table (名 and 名 in full width) are two copies.
    let mut copies: BTreeMap<TableOfUnit, Vec<(&FileResult, &str)>> = BTreeMap::new();
    // Every file with table rows: workbooks, and PDFs whose tables were read.
    let mut ordered: Vec<&FileResult> = results.to_vec();
    ordered.sort_by(|a, b| a.input.relative.cmp(&b.input.relative));
    for r in ordered {
        let x = &r.extraction;
        let keys = x
            .expenditure
            .iter()
            .filter(|e| e.source != Source::Report)
            .map(|e| (&e.unit, e.source.id(), &e.provenance))
            .chain(
                x.economic
                    .iter()
                    .map(|e| (&e.unit, e.source.id(), &e.provenance)),
            );
        for (unit, source, at) in keys {
            let sheet = at.origin.sheet().unwrap_or("");
            let files = copies
                .entry((unit.unit_id.clone(), unit.year, source.to_string()))
                .or_default();
            if !files
                .iter()
                .any(|(f, s)| std::ptr::eq(*f, r) && *s == sheet)
            {
                files.push((r, sheet));
            }
        }
    }
    // A copy's figures, compared only where a table has more than one copy.
    let figures = |(r, sheet): (&FileResult, &str), (unit_id, year, table): &TableOfUnit| {
        let x = &r.extraction;
        let mine = |unit: &UnitIdentity, source: &str, at: &crate::model::Provenance| {
            unit.unit_id == *unit_id
                && unit.year == *year
                && source == table
                && at.origin.sheet().unwrap_or("") == sheet
        };
        let mut f: Vec<(String, Yuan)> = x
            .expenditure
            .iter()
            .filter(|e| mine(&e.unit, e.source.id(), &e.provenance))
            .map(|e| (format!("{}:{}", e.fund.as_str(), e.code.code), e.actual))
            .chain(
                x.economic
                    .iter()
                    .filter(|e| mine(&e.unit, e.source.id(), &e.provenance))
                    .map(|e| (e.code.clone(), e.actual)),
            )
            .collect();
        f.sort();
        f
    };
    let place = |(r, sheet): (&FileResult, &str)| {
        if sheet.is_empty() {
            r.input.relative.clone()
        } else {
            format!("{}#{sheet}", r.input.relative)
        }
    };
    let mut chosen = BTreeSet::new();
    let mut findings = Vec::new();
    for (key, files) in copies {
        let first = files[0];
        let (unit_id, year, table) = &key;
        chosen.insert((
            unit_id.clone(),
            *year,
            table.clone(),
            first.0.input.relative.clone(),
            first.1.to_string(),
        ));
        if files.len() == 1 {
            continue;
        }
        let first_figures = figures(first, &key);
        for &other in &files[1..] {
            let theirs = figures(other, &key);
            // A copy sharing no code with the first is the table's continuation (a sheet
            // "(续)"), not a copy: both are loaded.
            if !theirs
                .iter()
                .any(|(code, _)| first_figures.iter().any(|(c, _)| c == code))
            {
                chosen.insert((
                    unit_id.clone(),
                    *year,
                    table.clone(),
                    other.0.input.relative.clone(),
                    other.1.to_string(),
                ));
                continue;
            }
            let same = theirs == first_figures;
            findings.push(Finding {
                unit: other.0.extraction.identity.clone(),
                file: other.0.file.clone(),
                rule: crate::model::RuleId::WorkbookDuplicateTable,
                severity: if same {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                message: format!(
                    "{table} of {unit_id} {year} is also in {}, which is loaded; this copy {}",
                    place(first),
                    if same {
                        "has the same figures and is not loaded"
                    } else {
                        "has other figures and is not loaded: check which is right"
                    }
                ),
                expected: None,
                actual: None,
                tolerance: None,
                references: vec![place(other), place(first)],
            });
        }
    }
    (chosen, findings)
}
