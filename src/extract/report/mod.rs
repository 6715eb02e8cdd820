//! Narrative reports as they are written: .txt (UTF-8, UTF-16, GB18030), .docx, and the
//! pages of a .pdf (narrative lines with their page, table pages rebuilt as a sheet). What
//! is read here is only what the document says, in document order; the statements and
//! facts in it are read by `transform::narrative`.

pub mod read;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::extract::pdf;
use read::Block;

/// A report's text within `max_report_chars` and `max_paragraphs`.
fn within_limits(blocks: Vec<Block>, limits: &crate::config::Limits) -> Result<Vec<Block>, String> {
    if blocks.len() as u64 > limits.max_paragraphs {
        return Err(format!(
            "{} paragraphs, over the limit of {} (limits.max_paragraphs)",
            blocks.len(),
            limits.max_paragraphs
        ));
    }
    let chars: u64 = blocks
        .iter()
        .map(|b| match b {
            Block::Para { text, .. } => text.chars().count() as u64,
            Block::Table { rows, .. } => rows
                .iter()
                .flatten()
                .map(|c| c.chars().count() as u64)
                .sum(),
        })
        .sum();
    if chars > limits.max_report_chars {
        return Err(format!(
            "{chars} characters of text, over the limit of {} (limits.max_report_chars)",
            limits.max_report_chars
        ));
    }
    Ok(blocks)
}

/// Which kind of file a narrative came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Txt,
    Docx,
    Pdf,
}

/// What a PDF holds besides its narrative's text.
#[derive(Clone, Serialize, Deserialize)]
pub struct PdfParts {
    /// (page, line on the page) of each line of the narrative's text.
    pub lines: Vec<(u32, u32)>,
    /// Why the pages from some page on could not be read.
    pub incomplete: Option<String>,
    /// Pages with glyphs that have no Unicode mapping.
    pub unmapped: Vec<pdf::Unmapped>,
    /// The table pages' rows, rebuilt as one sheet.
    pub tables: Option<crate::extract::sheet::Sheet>,
    /// Standard tables printed without ruling lines: (page, title).
    pub unruled: Vec<(u32, String)>,
}

impl PdfParts {
    /// (page, line on the page) of a 1-based line number of the narrative.
    pub fn place(&self, line: u32) -> Option<(u32, u32)> {
        self.lines.get((line as usize).checked_sub(1)?).copied()
    }
}

/// What a report says: its paragraphs and tables in document order, decoded, within the
/// limits; a PDF's table pages and page places besides.
#[derive(Clone, Serialize, Deserialize)]
pub struct Narrative {
    pub format: Format,
    pub encoding: String,
    pub blocks: Vec<Block>,
    pub pdf: Option<PdfParts>,
}

/// Reads a .txt, .docx or .pdf into its blocks; nothing is interpreted yet.
pub fn parse(path: &Path, limits: &crate::config::Limits) -> Result<Narrative, String> {
    let has_ext = |ext: &str| {
        path.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(ext))
    };
    let format = if has_ext("pdf") {
        Format::Pdf
    } else if has_ext("docx") {
        Format::Docx
    } else {
        Format::Txt
    };
    let mut pdf_parts = None;
    let read = match format {
        Format::Pdf => pdf::read(path, limits).and_then(|doc| {
            // A PDF of tables only has no narrative: nothing to mend.
            let blocks = if doc.narrative.text.trim().is_empty()
                && (doc.tables.is_some() || !doc.unruled.is_empty())
            {
                Ok(Vec::new())
            } else {
                read::read_txt(doc.narrative.text.as_bytes()).map(|(b, _)| b)
            };
            pdf_parts = Some(PdfParts {
                lines: doc.narrative.lines,
                incomplete: doc.narrative.incomplete,
                unmapped: doc.narrative.unmapped,
                tables: doc.tables,
                unruled: doc.unruled,
            });
            blocks.map(|b| (b, "pdf".to_string()))
        }),
        Format::Docx => std::fs::File::open(path)
            .map_err(|e| format!("cannot open: {e}"))
            .and_then(|f| crate::extract::guard::check_zip(std::io::BufReader::new(f), limits))
            .and_then(|()| read::read_docx(path, limits.max_entry_bytes))
            .map(|b| (b, "docx".to_string())),
        Format::Txt => std::fs::read(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| {
                // Four bytes a character at most, before anything is decoded.
                if bytes.len() as u64 > limits.max_report_chars.saturating_mul(4) {
                    return Err(format!(
                        "{} bytes of text, over the limit of {} characters (limits.max_report_chars)",
                        bytes.len(),
                        limits.max_report_chars
                    ));
                }
                read::read_txt(&bytes)
            })
            .map(|(b, enc)| (b, enc.as_str().to_string())),
    };
    let (blocks, encoding) =
        read.and_then(|(blocks, encoding)| within_limits(blocks, limits).map(|b| (b, encoding)))?;
    Ok(Narrative {
        format,
        encoding,
        blocks,
        pdf: pdf_parts,
    })
}
