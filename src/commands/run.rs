//! `juesuan run`: the batch, and the summary it prints.

use crate::cli::RunArgs;
use crate::error::Result;
use crate::load::dataset::Dataset;
use crate::pipeline::summary::Summary;

/// Runs the batch and prints its summary; the exit code says how it went.
pub fn run(args: &RunArgs) -> Result<u8> {
    let summary = crate::pipeline::run(args)?;
    print(&summary);
    Ok(summary.exit_code())
}

fn print(s: &Summary) {
    let expenditure = s.rows_of(Dataset::Expenditure);
    if s.nothing_changed {
        crate::say!(
            "juesuan run {}: nothing changed since the last run; the warehouse was not touched ({:.2} s)",
            s.run_id,
            s.seconds
        );
        crate::say!(
            "  inputs {} unchanged ({} opened), rows expenditure {expenditure}, rejects {}",
            s.inputs,
            s.opened,
            s.rejects
        );
        return;
    }
    match s.peak_rss_bytes {
        Some(bytes) => crate::say!(
            "juesuan run {} finished in {:.2} s, peak memory {} MB",
            s.run_id,
            s.seconds,
            bytes / 1_000_000
        ),
        None => crate::say!("juesuan run {} finished in {:.2} s", s.run_id, s.seconds),
    }
    crate::say!(
        "  memory    at most {} records held at once (budget records_in_memory = {}); {} inputs' records spilled to disk, {} interpreted again",
        s.peak_records,
        s.records_in_memory,
        s.spilled,
        s.interpreted_again
    );
    let [workbooks, reports, pdfs, other] = s.kinds;
    crate::say!(
        "  inputs    {:>6}  (workbooks {workbooks}, reports {reports}, PDFs {pdfs}, other {other}); read {}, unchanged {}, deleted {}",
        s.inputs,
        s.extracted,
        s.inputs - s.extracted,
        s.deleted
    );
    crate::say!(
        "            opened {} (to hash or parse them; the others' parse came from the cache)",
        s.opened
    );
    let [loaded, partial, rejected] = s.statuses;
    crate::say!("            loaded {loaded}, partial {partial}, rejected {rejected}");
    let [loaded, empty, rejected, unrecognised] = s.tables;
    crate::say!(
        "  tables    loaded {loaded}, empty {empty}, rejected {rejected}, unrecognised {unrecognised}"
    );
    let rows: Vec<String> = s
        .rows
        .iter()
        .map(|(d, n)| format!("{} {n}", d.name()))
        .collect();
    crate::say!("  rows      {}", rows.join(", "));
    let r = &s.reports;
    if r.read > 0 {
        crate::say!(
            "  reports   {} read: {} facts, {} 类/款/项 statements, {} projects; {} of {} amount mentions became facts",
            r.read,
            r.facts,
            r.category_lines,
            r.projects,
            r.amount_mentions_used,
            r.amount_mentions
        );
        // Per report, the least covered first: a wording juesuan does not read yet shows
        // as a low number here (its unread mentions are logged at debug level).
        for (path, used, all) in r.coverage.iter().take(5) {
            crate::say!(
                "            {path}: {used} of {all} amount mentions ({:.0}%)",
                *used as f64 / *all as f64 * 100.0
            );
        }
    }
    crate::say!(
        "  warehouse {} ({} partitions rewritten)",
        s.warehouse,
        s.rewritten
    );
    if let Some(staged) = &s.staged {
        crate::say!("  {staged}");
    }
    if !s.first_rejects.is_empty() {
        crate::say!(
            "  rejects (first {} of {}):",
            s.first_rejects.len(),
            s.rejects
        );
        for reject in &s.first_rejects {
            crate::say!("    {reject}");
        }
    }
    let totals = s.by_unit.values().fold([0usize; 3], |acc, c| {
        [acc[0] + c[0], acc[1] + c[1], acc[2] + c[2]]
    });
    crate::say!(
        "  checks    {} run on the partitions written: {} errors, {} warnings, {} info (findings/)",
        s.checks,
        totals[2],
        totals[1],
        totals[0]
    );
    for ((unit, year), c) in s.by_unit.iter().filter(|(_, c)| c[1] + c[2] > 0) {
        crate::say!(
            "            {unit} {year}: {} errors, {} warnings, {} info",
            c[2],
            c[1],
            c[0]
        );
    }
    match s.exit_code() {
        0 if s.errors > 0 => crate::say!(
            "exit 0: every input loaded; the checks found {} errors (--strict makes that exit 1)",
            s.errors
        ),
        0 => crate::say!("exit 0: every input loaded"),
        _ if s.rejects == 0 => crate::say!(
            "exit 1: --strict, and the checks found {} errors (see findings/)",
            s.errors
        ),
        _ => crate::say!(
            "exit 1: the run finished, but some inputs or rows were rejected (see rejects/ and _manifest.json)"
        ),
    }
}
