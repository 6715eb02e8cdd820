//! Sources: finding input files and turning each into records. One module per format or
//! table family. [`parse`] reads a file into a [`Document`] (what it says); [`interpret`]
//! turns a document into records.

pub mod guard;
pub mod header;
pub mod pdf;
pub mod readers;
pub mod report;
pub mod sheet;
pub mod tables;
pub mod workbook;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::catalog::hex;
use crate::model::{
    EconomicRow, ExpenditureRow, Fact, Finding, PerformanceProject, Reject, Severity, SourceFile,
    Stage, TotalRow, UnitIdentity,
};
use crate::transform::identify::{resolve, ContentHints, PathHints};

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
    pub hints: PathHints,
    /// Why this path is not read at all (a symlink leaving the input roots, a loop, a FIFO
    /// or device): it becomes a reject without being opened.
    pub refused: Option<String>,
}

/// A path under an input root that is not an input (hidden files, Office lock files): the
/// manifest lists it with the reason.
#[derive(Debug, Clone, Serialize)]
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
                let rel = path.strip_prefix(root).unwrap_or(&path);
                found.inputs.push(Input {
                    kind: InputKind::of(&path),
                    hints: PathHints::from_relative(rel),
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

/// How a table found in a workbook was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Loaded,
    /// The table says it has no data (本表无数据, 空表).
    Empty,
    /// Recognised, but its layout could not be read; see rejects.
    Rejected,
    /// A sheet with content but no known title.
    Unrecognised,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableReport {
    pub sheet: String,
    pub title: String,
    /// Table id (`table05` …), none for an unrecognised sheet.
    pub table: Option<Cow<'static, str>>,
    pub status: TableStatus,
    pub rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Everything read from one input file. Serializable: unchanged inputs are not re-read,
/// their extraction is loaded from the warehouse's cache.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Extraction {
    /// The file read (set for every extraction of an input).
    #[serde(default)]
    pub file: Option<Arc<SourceFile>>,
    pub identity: Option<Arc<UnitIdentity>>,
    pub expenditure: Vec<ExpenditureRow>,
    pub economic: Vec<EconomicRow>,
    pub facts: Vec<Fact>,
    pub projects: Vec<PerformanceProject>,
    pub totals: Vec<TotalRow>,
    pub rejects: Vec<Reject>,
    pub findings: Vec<Finding>,
    pub tables: Vec<TableReport>,
    /// For narrative reports: encoding, counts, amount mentions used.
    pub report: Option<report::ReportStats>,
    /// For narrative reports: statements other figures can check (reconcile).
    pub statements: Vec<crate::model::Statement>,
    /// For a PDF's narrative: (page, line on the page) of each line of its text, so that a
    /// statement's line number names its page.
    #[serde(default)]
    pub narrative_lines: Vec<(u32, u32)>,
}

impl Extraction {
    /// The reference of a narrative line or paragraph: `file#p22:4` in a PDF, `file¶34`
    /// otherwise.
    pub fn paragraph_reference(&self, file: &SourceFile, paragraph: u32) -> String {
        match (paragraph as usize)
            .checked_sub(1)
            .and_then(|i| self.narrative_lines.get(i))
        {
            Some((page, line)) => format!("{}#p{page}:{line}", file.display_path),
            None => format!("{}¶{paragraph}", file.display_path),
        }
    }

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
            unit: self.identity.clone(),
            file: file.clone(),
            sheet: sheet.map(Arc::from),
            row,
            stage,
            reason,
            raw_text,
        });
    }

    /// A warning about the whole file.
    pub fn warn(
        &mut self,
        file: &Arc<SourceFile>,
        unit: Option<&Arc<UnitIdentity>>,
        rule: &str,
        message: String,
    ) {
        self.findings.push(Finding {
            unit: unit.cloned(),
            file: file.clone(),
            rule: rule.to_string(),
            severity: Severity::Warning,
            message,
            expected: None,
            actual: None,
            tolerance: None,
            references: vec![file.display_path.to_string()],
        });
    }

    /// Decides whose document this is from what it says (`hints`) and its path; on success
    /// records the identity (and a warning for an unlisted unit), else a reject.
    pub fn identify(
        &mut self,
        units: &crate::units::UnitRegistry,
        file: &Arc<SourceFile>,
        hints: &ContentHints,
        path_hints: &PathHints,
    ) -> Option<Arc<UnitIdentity>> {
        match resolve(units, hints, path_hints) {
            Ok(resolution) => {
                let unit = Arc::new(resolution.identity);
                self.identity = Some(unit.clone());
                for warning in resolution.warnings {
                    self.warn(file, Some(&unit), "identify.unit", warning);
                }
                Some(unit)
            }
            Err(reason) => {
                self.reject(
                    file,
                    None,
                    None,
                    Stage::Identify,
                    reason,
                    hints.texts.first().cloned(),
                );
                None
            }
        }
    }

    /// Gives every reject and finding the file's identity, or `fallback` (from the path)
    /// when the document itself could not be identified.
    fn attach_identity(&mut self, fallback: Option<Arc<UnitIdentity>>) {
        let unit = self.identity.clone().or(fallback);
        for r in &mut self.rejects {
            if r.unit.is_none() {
                r.unit = unit.clone();
            }
        }
        for f in &mut self.findings {
            if f.unit.is_none() {
                f.unit = unit.clone();
            }
        }
    }

    /// The partitions (year, district) this input's rows land in.
    pub fn partitions(&self) -> std::collections::BTreeSet<(i32, String)> {
        use crate::load::batch::Record;
        let mut keys = std::collections::BTreeSet::new();
        keys.extend(
            self.identity
                .iter()
                .map(|u| (u.year, u.district_code.clone())),
        );
        keys.extend(self.rejects.iter().map(Record::partition));
        keys.extend(self.findings.iter().map(Record::partition));
        keys
    }
}

/// The file plus what was read from it.
#[derive(Debug)]
pub struct FileResult {
    pub input: Input,
    pub file: Arc<SourceFile>,
    pub extraction: Extraction,
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

/// Turns what a file says into records: whose document it is, its tables and statements.
pub fn interpret(
    ctx: &workbook::Context,
    input: &Input,
    file: Arc<SourceFile>,
    document: &Document,
) -> FileResult {
    let mut extraction = match document {
        Document::Refused(reason) => {
            let mut x = Extraction::default();
            x.reject(&file, None, None, Stage::Discover, reason.clone(), None);
            x
        }
        Document::Unreadable(reason) => {
            let mut x = Extraction::default();
            x.reject(&file, None, None, Stage::Extract, reason.clone(), None);
            x
        }
        Document::Workbook(wb) => workbook::interpret(ctx, wb, &file, &input.hints),
        Document::Narrative(n) => report::interpret(ctx, n, &file, &input.hints),
    };
    if extraction.identity.is_none() {
        extraction.attach_identity(identity_from_path(ctx, input));
    } else {
        extraction.attach_identity(None);
    }
    extraction.file = Some(file.clone());
    FileResult {
        input: input.clone(),
        file,
        extraction,
    }
}

/// [`parse`] then [`interpret`]: one input read into records, as a run does it when the
/// cache does not have its parse.
pub fn extract_file(ctx: &workbook::Context, input: &Input, file: Arc<SourceFile>) -> FileResult {
    let document = parse(input, &file, ctx.limits);
    interpret(ctx, input, file, &document)
}

/// Whose file this is by its path alone: for the rejects of a file that said nothing itself.
fn identity_from_path(ctx: &workbook::Context, input: &Input) -> Option<Arc<UnitIdentity>> {
    resolve(ctx.units, &ContentHints::default(), &input.hints)
        .ok()
        .map(|r| Arc::new(r.identity))
}

/// The text of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// The result of a file whose reader panicked: one reject saying so.
pub fn panicked(
    ctx: &workbook::Context,
    input: &Input,
    file: Arc<SourceFile>,
    message: &str,
) -> FileResult {
    let mut extraction = Extraction::default();
    extraction.reject(
        &file,
        None,
        None,
        Stage::Extract,
        format!("the reader failed on this file ({message}); the file is malformed or hostile"),
        None,
    );
    extraction.attach_identity(identity_from_path(ctx, input));
    extraction.file = Some(file.clone());
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
