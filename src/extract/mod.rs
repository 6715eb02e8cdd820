//! Sources: finding input files and turning each into records. One module per format or
//! table family; [`extract_file`] dispatches on the file's kind.

pub mod sheet;
pub mod tables;
pub mod workbook;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::catalog::hex;
use crate::model::{ExpenditureRow, Reject, SourceFile, Stage, TotalRow, UnitIdentity};
use crate::transform::identify::PathHints;
use tables::TableKind;

/// What kind of input a file is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// .xlsx / .xlsm / .xls: the standard tables.
    Workbook,
    /// .txt / .docx: the narrative 部门决算 report.
    Report,
    /// .doc / .pdf and anything else.
    Unsupported,
}

impl InputKind {
    pub fn of(path: &Path) -> InputKind {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx" | "xlsm" | "xls") => InputKind::Workbook,
            Some("txt" | "docx") => InputKind::Report,
            _ => InputKind::Unsupported,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Workbook => "workbook",
            InputKind::Report => "report",
            InputKind::Unsupported => "unsupported",
        }
    }
}

/// One discovered input.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// Path relative to its input root, with `/` separators: stable across machines.
    pub relative: String,
    pub kind: InputKind,
    pub hints: PathHints,
}

/// Walks the input roots, sorted, skipping hidden files and Office lock files (~$…).
pub fn discover(roots: &[PathBuf]) -> crate::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for root in roots {
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| crate::Error::io(&dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| crate::Error::io(&dir, e))?;
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || name.starts_with("~$") {
                    continue;
                }
                let file_type = entry.file_type().map_err(|e| crate::Error::io(&path, e))?;
                if file_type.is_dir() {
                    stack.push(path);
                } else if file_type.is_file() || path.is_file() {
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    let relative = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    inputs.push(Input {
                        kind: InputKind::of(&path),
                        hints: PathHints::from_relative(rel),
                        relative,
                        path,
                    });
                }
            }
        }
    }
    inputs.sort_by(|a, b| {
        a.relative
            .cmp(&b.relative)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(inputs)
}

/// How a table found in a workbook was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Loaded,
    /// The table says it has no data (本表无数据, 空表).
    Empty,
    /// Recognised, but this version does not extract it yet.
    Deferred,
    /// Recognised, but its layout could not be read; see rejects.
    Rejected,
    /// A sheet with content but no known title.
    Unrecognised,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TableReport {
    pub sheet: String,
    pub title: String,
    #[serde(serialize_with = "ser_table")]
    pub table: Option<TableKind>,
    pub status: TableStatus,
    pub rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn ser_table<S: serde::Serializer>(t: &Option<TableKind>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(t.id()),
        None => s.serialize_none(),
    }
}

/// Everything read from one input file.
#[derive(Debug, Default)]
pub struct Extraction {
    pub identity: Option<Arc<UnitIdentity>>,
    pub expenditure: Vec<ExpenditureRow>,
    pub totals: Vec<TotalRow>,
    pub rejects: Vec<Reject>,
    pub tables: Vec<TableReport>,
    pub warnings: Vec<String>,
}

impl Extraction {
    pub fn reject(
        &mut self,
        file: &Arc<SourceFile>,
        sheet: Option<&str>,
        row: Option<u32>,
        stage: Stage,
        reason: String,
        raw_text: Option<String>,
    ) {
        self.rejects.push(Reject {
            file: file.clone(),
            sheet: sheet.map(Arc::from),
            row,
            stage,
            reason,
            raw_text,
        });
    }
}

/// The file plus what was read from it.
#[derive(Debug)]
pub struct FileResult {
    pub input: Input,
    pub file: Arc<SourceFile>,
    pub extraction: Extraction,
}

/// Hashes and extracts one file. Never panics on bad input: every problem is a reject.
pub fn extract_file(ctx: &workbook::Context, input: &Input, max_bytes: u64) -> FileResult {
    let (sha256, bytes, read_error) = match hash_file(&input.path) {
        Ok((sha, bytes)) => (sha, bytes, None),
        Err(e) => (String::new(), 0, Some(format!("cannot read file: {e}"))),
    };
    let file = Arc::new(SourceFile {
        display_path: Arc::from(input.relative.as_str()),
        sha256: Arc::from(sha256),
        bytes,
    });
    let mut extraction = Extraction::default();
    let reject_file = |extraction: &mut Extraction, stage, reason: String| {
        extraction.reject(&file, None, None, stage, reason, None)
    };
    if let Some(reason) = read_error {
        reject_file(&mut extraction, Stage::Discover, reason);
    } else if bytes > max_bytes {
        reject_file(
            &mut extraction,
            Stage::Discover,
            format!("file is {bytes} bytes, over the limit of {max_bytes} (limits.max_file_bytes)"),
        );
    } else {
        match input.kind {
            InputKind::Workbook => extraction = workbook::extract(ctx, &input.path, &file, &input.hints),
            InputKind::Report => reject_file(
                &mut extraction,
                Stage::Extract,
                "narrative report (.txt/.docx): the report extractor is not implemented yet; the file is kept for a later run".into(),
            ),
            InputKind::Unsupported => {
                let ext = input.path.extension().and_then(|e| e.to_str()).unwrap_or("");
                let reason = match ext.to_ascii_lowercase().as_str() {
                    "doc" => "legacy Word .doc is not supported; save it as .docx".to_string(),
                    "pdf" => "PDF is not supported; a text or Word version of the report is needed".to_string(),
                    _ => format!("unsupported file type {:?}", if ext.is_empty() { "(none)" } else { ext }),
                };
                reject_file(&mut extraction, Stage::Discover, reason);
            }
        }
    }
    FileResult {
        input: input.clone(),
        file,
        extraction,
    }
}

/// sha256 of a file, streamed in 64 KiB chunks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex(&hasher.finalize()), total))
}
