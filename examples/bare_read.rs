//! The floor juesuan's speed is measured against: calamine opens every workbook under a
//! folder, reads every sheet and touches every cell, in parallel (rayon), nothing else.
//!
//! `cargo run --release --example bare_read -- DIR [--jobs N]` prints the workbooks, sheets
//! and non-empty cells it read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use calamine::{open_workbook_auto, Data, Reader};
use rayon::prelude::*;

fn workbooks(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            workbooks(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "xls"))
        {
            out.push(path);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bare_read DIR [--jobs N]");
        std::process::exit(2);
    };
    let jobs = args
        .iter()
        .position(|a| a == "--jobs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .expect("thread pool");
    let mut files = Vec::new();
    workbooks(Path::new(dir), &mut files);
    files.sort();
    let (sheets, cells) = (AtomicUsize::new(0), AtomicUsize::new(0));
    files.par_iter().for_each(|path| {
        let Ok(mut workbook) = open_workbook_auto(path) else {
            return;
        };
        for name in workbook.sheet_names().to_vec() {
            if let Ok(range) = workbook.worksheet_range(&name) {
                sheets.fetch_add(1, Ordering::Relaxed);
                let filled = range
                    .used_cells()
                    .filter(|(_, _, d)| **d != Data::Empty)
                    .count();
                cells.fetch_add(filled, Ordering::Relaxed);
            }
        }
    });
    println!(
        "{} workbooks, {} sheets, {} cells",
        files.len(),
        sheets.into_inner(),
        cells.into_inner()
    );
}
