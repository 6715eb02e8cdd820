//! PDF disclosures, narrative first: the text layer read with pdf_oxide as positioned glyph
//! runs, rebuilt into lines (runs on one baseline, left to right, top to bottom), page
//! numbers and running headers/footers removed, then handed to the same paragraph mending
//! and report extractor as a `.txt`. Every line keeps its page.
//!
//! Refused with a reason: encrypted files that need a password, files without a text layer
//! (scans: OCR is not supported), more pages than `limits.max_pdf_pages`, and anything the
//! parser cannot open.

use std::collections::HashMap;
use std::path::Path;

use pdf_oxide::document::PdfDocument;

use crate::config::Limits;

/// A PDF's text as lines, and the page (1-based) and line on its page of each.
#[derive(Debug, Default)]
pub struct PdfText {
    pub text: String,
    /// For line `i` of `text` (0-based): (page, line on the page), both 1-based.
    pub lines: Vec<(u32, u32)>,
    pub pages: usize,
    /// Why the pages from some page on could not be read (a truncated file): those read
    /// before it are kept.
    pub incomplete: Option<String>,
}

impl PdfText {
    /// (page, line on the page) of a 1-based line number of `text`.
    pub fn place(&self, line: u32) -> Option<(u32, u32)> {
        self.lines.get((line as usize).checked_sub(1)?).copied()
    }
}

/// One run of glyphs on a page, in top-down coordinates.
#[derive(Debug, Clone)]
struct Run {
    text: String,
    left: f32,
    right: f32,
    /// Vertical centre, measured from the top of the page.
    middle: f32,
    size: f32,
}

pub fn read(path: &Path, limits: &Limits) -> Result<PdfText, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    // PDF parsers are large and young; one that panics on a hostile file costs that file only.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(bytes, limits))).unwrap_or_else(
        |panic| {
            let message = crate::extract::panic_message(panic.as_ref());
            Err(format!("the PDF parser failed on this file ({message})"))
        },
    )
}

fn parse(bytes: Vec<u8>, limits: &Limits) -> Result<PdfText, String> {
    // The header may follow up to 1 KiB of junk, as readers allow.
    if !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err("not a PDF (no %PDF header)".into());
    }
    let doc = PdfDocument::from_bytes(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    if doc.is_encrypted() && !doc.authenticate(b"").unwrap_or(false) {
        return Err("an encrypted PDF that needs a password".into());
    }
    let pages = doc
        .page_count()
        .map_err(|e| format!("not a readable PDF: {e}"))?;
    if pages as u64 > limits.max_pdf_pages {
        return Err(format!(
            "{pages} pages, over the limit of {} (limits.max_pdf_pages)",
            limits.max_pdf_pages
        ));
    }
    let mut per_page: Vec<Vec<String>> = Vec::with_capacity(pages);
    let mut chars = 0u64;
    let mut incomplete = None;
    for page in 0..pages {
        let spans = match doc.extract_spans(page) {
            Ok(spans) => spans,
            Err(e) if page == 0 => return Err(format!("page 1: cannot read its text: {e}")),
            Err(e) => {
                incomplete = Some(format!(
                    "pages {} to {pages} could not be read ({e}); the pages before them were",
                    page + 1
                ));
                break;
            }
        };
        let height = doc
            .get_page_media_box(page)
            .map(|(_, y0, _, y1)| (y1 - y0).abs())
            .unwrap_or(842.0);
        let runs: Vec<Run> = spans
            .into_iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| Run {
                left: s.bbox.x,
                right: s.bbox.x + s.bbox.width,
                // PDF space has y upwards; the box's y is its bottom.
                middle: height - (s.bbox.y + s.bbox.height / 2.0),
                size: s.font_size.max(1.0),
                text: s.text,
            })
            .collect();
        let lines = lines_of(runs);
        chars += lines.iter().map(|l| l.chars().count() as u64).sum::<u64>();
        if chars > limits.max_report_chars {
            return Err(format!(
                "more than {} characters of text (limits.max_report_chars)",
                limits.max_report_chars
            ));
        }
        per_page.push(lines);
    }
    if per_page.iter().all(|p| p.is_empty()) {
        return Err("a scanned PDF: no text layer (OCR is not supported)".into());
    }
    strip_running_lines(&mut per_page);
    let mut out = PdfText {
        pages,
        incomplete,
        ..PdfText::default()
    };
    for (p, lines) in per_page.iter().enumerate() {
        for (l, line) in lines.iter().enumerate() {
            out.text.push_str(line);
            out.text.push('\n');
            out.lines.push((p as u32 + 1, l as u32 + 1));
        }
        // A page break ends a line, not a sentence: the mending joins across it.
    }
    Ok(out)
}

/// Runs into lines: a run joins the line whose vertical centre is within half its height
/// (baselines differ within a row by a few points); lines top to bottom, runs left to
/// right, a space where the gap is wider than a third of the glyph size.
fn lines_of(mut runs: Vec<Run>) -> Vec<String> {
    runs.sort_by(|a, b| {
        a.middle
            .total_cmp(&b.middle)
            .then(a.left.total_cmp(&b.left))
    });
    let mut lines: Vec<(f32, Vec<Run>)> = Vec::new();
    for run in runs {
        match lines.last_mut() {
            Some((middle, members)) if (run.middle - *middle).abs() <= run.size * 0.5 => {
                members.push(run)
            }
            _ => lines.push((run.middle, vec![run])),
        }
    }
    lines
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_by(|a, b| a.left.total_cmp(&b.left));
            let mut text = String::new();
            let mut right: Option<f32> = None;
            for m in members {
                if right.is_some_and(|r| m.left - r > m.size / 3.0) {
                    text.push(' ');
                }
                text.push_str(m.text.trim_end_matches('\n'));
                right = Some(m.right);
            }
            text.trim().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Removes page numbers ("3", "- 3 -", "第3页", "3/25") when they are a page's first or last
/// line, and a first or last line repeated on a third of the pages or more (a running header
/// or footer).
fn strip_running_lines(pages: &mut [Vec<String>]) {
    let mut repeated: HashMap<String, usize> = HashMap::new();
    for lines in pages.iter() {
        let ends: Vec<&String> = lines.first().into_iter().chain(lines.last()).collect();
        for l in ends {
            *repeated.entry(l.clone()).or_default() += 1;
        }
    }
    let many = (pages.len() / 3).max(3);
    // The first page keeps its repeated lines: the cover's title is the running header.
    for (p, lines) in pages.iter_mut().enumerate() {
        let running = |l: &String| p > 0 && repeated.get(l).is_some_and(|n| *n >= many);
        for _ in 0..2 {
            if lines
                .last()
                .is_some_and(|l| is_page_number(l) || running(l))
            {
                lines.pop();
            }
            if lines
                .first()
                .is_some_and(|l| is_page_number(l) || running(l))
            {
                lines.remove(0);
            }
        }
    }
}

fn is_page_number(line: &str) -> bool {
    let t: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '—' | '–' | '第' | '页' | '/' | '共'))
        .collect();
    !t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, left: f32, middle: f32) -> Run {
        Run {
            text: text.into(),
            left,
            right: left + 10.0 * text.chars().count() as f32,
            middle,
            size: 10.0,
        }
    }

    #[test]
    fn runs_on_one_baseline_are_one_line_in_reading_order() {
        let lines = lines_of(vec![
            run("支出决算为", 50.0, 203.0),
            run("年初预算为", 0.0, 200.0),
            run("下一行", 0.0, 215.0),
            run("1511.89", 160.0, 200.5),
        ]);
        assert_eq!(lines, ["年初预算为支出决算为 1511.89", "下一行"]);
    }

    #[test]
    fn page_numbers_and_running_footers_go() {
        let mut pages: Vec<Vec<String>> = (1..=6)
            .map(|p| {
                vec![
                    "上海市普陀区财政局".to_string(),
                    format!("正文{p}"),
                    format!("- {p} -"),
                ]
            })
            .collect();
        strip_running_lines(&mut pages);
        assert_eq!(pages[2], ["正文3"]);
        assert_eq!(
            pages[0],
            ["上海市普陀区财政局", "正文1"],
            "the cover keeps its title"
        );
        assert!(is_page_number("第 12 页") && is_page_number("3/25") && !is_page_number("2023"));
    }
}
