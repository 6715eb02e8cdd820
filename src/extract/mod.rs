//! Sources: finding input files and turning each into records. One module per format or
//! table family. [`parse`] reads a file into a [`Document`] (what it says); [`interpret`]
//! turns a document into records.

pub mod guard;
mod merges;
pub mod pdf;
pub mod report;
pub mod sheet;
pub mod workbook;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};

use crate::model::SourceFile;
use crate::reference::catalog::hex;

/// What kind of input a file is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// .xlsx / .xlsm / .xls: the standard tables.
    Workbook,
    /// .txt / .docx: the narrative 部门决算 report.
    Report,
    /// .pdf: a disclosure as published, the narrative and the standard tables in one file
    /// (either may be absent).
    Pdf,
    /// .doc and anything else.
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
            Some("pdf") => InputKind::Pdf,
            _ => InputKind::Unsupported,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Workbook => "workbook",
            InputKind::Report => "report",
            InputKind::Pdf => "pdf",
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
    /// Why this path is not read at all (a symlink leaving the input roots, a loop, a FIFO
    /// or device): it becomes a reject without being opened.
    pub refused: Option<String>,
}

/// A path under an input root that is not an input (hidden files, Office lock files): the
/// manifest lists it with the reason.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Everything found under the input roots.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub skipped: Vec<Skipped>,
}

/// Walks the input roots, sorted. The roots are a boundary: a symlink is followed only to a
/// path inside a root (once: loops are refused), special files (FIFOs, sockets, devices)
/// are never opened. Hidden files and Office lock files (~$…) are skipped. Every path found
/// is an input, a refused input (a reject) or a skipped path (in the manifest).
pub fn discover(roots: &[PathBuf]) -> crate::Result<Discovery> {
    let canonical_roots: Vec<PathBuf> = roots
        .iter()
        .map(|r| std::fs::canonicalize(r).map_err(|e| crate::Error::io(r, e)))
        .collect::<crate::Result<_>>()?;
    let mut found = Discovery::default();
    for (root, canonical_root) in roots.iter().zip(&canonical_roots) {
        let mut visited = std::collections::HashSet::new();
        visited.insert(canonical_root.clone());
        let mut stack = vec![root.clone()];
        let relative_of = |path: &Path| {
            path.strip_prefix(root)
                .unwrap_or(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        };
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| crate::Error::io(&dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| crate::Error::io(&dir, e))?;
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                let relative = relative_of(&path);
                let skip = |reason: &str| Skipped {
                    path: relative.clone(),
                    reason: reason.to_string(),
                };
                if name.starts_with("~$") {
                    found.skipped.push(skip("Office lock file"));
                    continue;
                }
                if name.starts_with('.') {
                    found.skipped.push(skip("hidden"));
                    continue;
                }
                let file_type = entry.file_type().map_err(|e| crate::Error::io(&path, e))?;
                let mut refused = None;
                if file_type.is_symlink() {
                    match std::fs::canonicalize(&path) {
                        Err(e) if e.raw_os_error() == Some(40) => {
                            refused = Some("a symlink loop: not followed".to_string())
                        }
                        Err(e) => refused = Some(format!("a broken symlink: {e}")),
                        Ok(target) if !canonical_roots.iter().any(|r| target.starts_with(r)) => {
                            refused = Some(format!(
                                "a symlink to {} outside the input roots: not followed",
                                target.display()
                            ))
                        }
                        Ok(target) if target.is_dir() => {
                            if visited.insert(target) {
                                stack.push(path.clone());
                                continue;
                            } else {
                                refused = Some(
                                    "a symlink to a folder already walked (a loop): not followed"
                                        .to_string(),
                                );
                            }
                        }
                        Ok(target) if target.is_file() => {}
                        Ok(_) => {
                            refused = Some("a symlink to a special file: not opened".to_string())
                        }
                    }
                } else if file_type.is_dir() {
                    if let Ok(canonical) = std::fs::canonicalize(&path) {
                        if visited.insert(canonical) {
                            stack.push(path);
                        }
                    }
                    continue;
                } else if !file_type.is_file() {
                    refused = Some(format!("{}: not opened", special_kind(&file_type)));
                }
                found.inputs.push(Input {
                    kind: InputKind::of(&path),
                    relative,
                    refused,
                    path,
                });
            }
        }
    }
    found.inputs.sort_by(|a, b| {
        a.relative
            .cmp(&b.relative)
            .then_with(|| a.path.cmp(&b.path))
    });
    found.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    let _ = file_type;
    "a special file"
}

/// Hashes one input. A file that cannot be read gets an empty hash; its extraction says why.
pub fn source_file(input: &Input) -> Arc<SourceFile> {
    let (sha256, bytes) = if input.refused.is_some() {
        (String::new(), 0)
    } else {
        hash_file(&input.path).unwrap_or_default()
    };
    Arc::new(SourceFile {
        display_path: Arc::from(input.relative.as_str()),
        sha256: Arc::from(sha256),
        bytes,
    })
}

/// What a file says, before anything is interpreted: the parse that the extraction cache
/// keeps (by the input's sha256 and the parser's version), so that a change of catalogue,
/// units or checks re-derives every record without opening an input again.
#[derive(Clone, Serialize, Deserialize)]
// One document per input in flight, passed by reference: the size of a variant is no cost.
#[allow(clippy::large_enum_variant)]
pub enum Document {
    /// Not opened, or not readable at all (a refused path, an empty file, one over the size
    /// limit, an unsupported kind): why. Never cached.
    Refused(String),
    /// Opened, but its reader could not read it: why.
    Unreadable(String),
    Workbook(workbook::Workbook),
    Narrative(report::Narrative),
}

impl Document {
    /// Whether the extraction cache keeps it: everything the file's bytes decided.
    pub fn cacheable(&self) -> bool {
        !matches!(self, Document::Refused(_))
    }
}

/// Why an input is not opened at all, from what discovery and hashing saw.
fn refusal(input: &Input, file: &SourceFile, limits: &crate::config::Limits) -> Option<String> {
    let max_bytes = limits.max_file_bytes;
    if let Some(reason) = &input.refused {
        return Some(reason.clone());
    }
    if file.sha256.is_empty() {
        return Some(match std::fs::File::open(&input.path) {
            Err(e) => format!("cannot read file: {e}"),
            Ok(_) => "cannot read file".to_string(),
        });
    }
    if file.bytes == 0 {
        return Some("empty file (0 bytes)".to_string());
    }
    if file.bytes > max_bytes {
        return Some(format!(
            "file is {} bytes, over the limit of {max_bytes} (limits.max_file_bytes)",
            file.bytes
        ));
    }
    if input.kind == InputKind::Unsupported {
        let ext = input
            .path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        return Some(match ext.to_ascii_lowercase().as_str() {
            "doc" => "legacy Word .doc is not supported; save it as .docx".to_string(),
            _ => format!(
                "unsupported file type {:?}",
                if ext.is_empty() { "(none)" } else { ext }
            ),
        });
    }
    None
}

/// Reads one hashed input into what it says. Never panics on bad input: a reader that
/// panics on hostile bytes (a dependency's bug) makes the document unreadable.
pub fn parse(input: &Input, file: &SourceFile, limits: &crate::config::Limits) -> Document {
    if let Some(reason) = refusal(input, file, limits) {
        return Document::Refused(reason);
    }
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match input.kind {
        InputKind::Workbook => workbook::parse(&input.path, limits).map(Document::Workbook),
        _ => report::parse(&input.path, limits).map(Document::Narrative),
    }));
    match read {
        Ok(Ok(document)) => document,
        Ok(Err(reason)) => Document::Unreadable(reason),
        Err(panic) => Document::Unreadable(format!(
            "the reader failed on this file ({}); the file is malformed or hostile",
            panic_message(panic.as_ref())
        )),
    }
}

/// The text of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
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
