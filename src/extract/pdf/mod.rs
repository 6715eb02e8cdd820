//! PDF disclosures: the text layer read with pdf_oxide as positioned glyph runs and vector
//! paths, page by page. Pages that carry a standard table (its title above a ruled grid, or
//! a grid continuing the table of the page before) are rebuilt into rows and cells
//! ([`grid`]) and read by the same table readers as a workbook; every other page is
//! narrative: runs rebuilt into lines (runs on one baseline, left to right, top to bottom),
//! page numbers and running headers/footers removed, then handed to the same paragraph
//! mending and report extractor as a `.txt`. Every line and every row keeps its page.
//!
//! Refused with a reason: encrypted files that need a password, files without a text layer
//! (scans: OCR is not supported), more pages than `limits.max_pdf_pages`, and anything the
//! parser cannot open.

pub mod grid;

use std::collections::HashMap;
use std::path::Path;

use pdf_oxide::document::PdfDocument;
use pdf_oxide::elements::PathOperation;

use crate::config::Limits;

/// A PDF's narrative pages as lines, and the page (1-based) and line on its page of each.
#[derive(Debug, Default)]
pub struct PdfText {
    pub text: String,
    /// For line `i` of `text` (0-based): (page, line on the page), both 1-based.
    pub lines: Vec<(u32, u32)>,
    pub pages: usize,
    /// Why the pages from some page on could not be read (a truncated file): those read
    /// before it are kept.
    pub incomplete: Option<String>,
    /// Pages with glyphs that do not decode to text (no Unicode mapping, or a guessed one
    /// in a script no disclosure uses: a damaged font, or one without a ToUnicode map). What
    /// is drawn with them cannot be read.
    pub unmapped: Vec<Unmapped>,
}

/// Glyphs of one page that do not decode to text: they read as U+FFFD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unmapped {
    /// 1-based.
    pub page: u32,
    pub glyphs: u32,
    /// Of all the page's glyphs (whitespace aside).
    pub of: u32,
}

impl PdfText {
    /// (page, line on the page) of a 1-based line number of `text`.
    pub fn place(&self, line: u32) -> Option<(u32, u32)> {
        self.lines.get((line as usize).checked_sub(1)?).copied()
    }
}

/// What a PDF holds: its narrative, and its table pages rebuilt as one sheet.
pub struct PdfDoc {
    pub narrative: PdfText,
    /// The table pages' rows, or none when the document has no table page.
    pub tables: Option<crate::extract::sheet::Sheet>,
    /// Standard tables printed without ruling lines, not read: (page, title).
    pub unruled: Vec<(u32, String)>,
}

/// One run of glyphs on a page, in top-down coordinates.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub text: String,
    pub left: f32,
    pub right: f32,
    /// Vertical centre, measured from the top of the page.
    pub middle: f32,
    pub size: f32,
    /// Where the run is placed across table columns, when not its centre (a word: its first
    /// glyph's centre).
    pub anchor: Option<f32>,
}

/// A ruling line: horizontal (`pos` is its y from the top, `from..to` its x extent) or
/// vertical (`pos` is its x, `from..to` its y extent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rule {
    pub pos: f32,
    pub from: f32,
    pub to: f32,
}

/// A page's glyph runs and ruling lines.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub runs: Vec<Run>,
    /// One run per glyph, on pages with ruling lines: a producer may put two cells' texts
    /// into one run (`276,973,500.00` and the `/` of the next cell), so cells are filled
    /// glyph by glyph.
    pub glyphs: Vec<Run>,
    pub horizontal: Vec<Rule>,
    pub vertical: Vec<Rule>,
}

pub fn read(path: &Path, limits: &Limits) -> Result<PdfDoc, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    // PDF parsers are large and young; one that panics on a hostile file costs that file only.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(bytes, limits))).unwrap_or_else(
        |panic| {
            let message = crate::extract::panic_message(panic.as_ref());
            Err(format!("the PDF parser failed on this file ({message})"))
        },
    )
}

fn parse(bytes: Vec<u8>, limits: &Limits) -> Result<PdfDoc, String> {
    // The header may follow up to 1 KiB of junk, as readers allow.
    if !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err("not a PDF (no %PDF header)".into());
    }
    // Unmapped glyphs come out as U+FFFD rather than silently dropped: a dropped digit
    // would turn 307.82 into 37.82 (pdf_oxide drops them by default; the flag is global).
    static PRESERVE_UNMAPPED: std::sync::Once = std::sync::Once::new();
    PRESERVE_UNMAPPED.call_once(|| {
        pdf_oxide::extractors::text::set_preserve_unmapped_glyphs(true);
    });
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
    let mut read: Vec<Page> = Vec::with_capacity(pages);
    let mut unmapped = Vec::new();
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
        let top = doc
            .get_page_media_box(page)
            .map(|(_, y0, _, y1)| y0.max(y1))
            .unwrap_or(842.0);
        let runs: Vec<Run> = spans
            .into_iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| Run {
                left: s.bbox.x,
                right: s.bbox.x + s.bbox.width,
                // PDF space has y upwards; the box's y is its bottom.
                middle: top - (s.bbox.y + s.bbox.height / 2.0),
                size: s.font_size.max(1.0),
                text: decoded(s.text),
                anchor: None,
            })
            .collect();
        let (mut glyphs, mut lost) = (0u32, 0u32);
        for c in runs.iter().flat_map(|r| r.text.chars()) {
            if !c.is_whitespace() {
                glyphs = glyphs.saturating_add(1);
                lost = lost.saturating_add(u32::from(c == char::REPLACEMENT_CHARACTER));
            }
        }
        if lost > 0 {
            unmapped.push(Unmapped {
                page: page as u32 + 1,
                glyphs: lost,
                of: glyphs,
            });
        }
        chars += runs
            .iter()
            .map(|r| r.text.chars().count() as u64)
            .sum::<u64>();
        if chars > limits.max_report_chars {
            return Err(format!(
                "more than {} characters of text (limits.max_report_chars)",
                limits.max_report_chars
            ));
        }
        // A page whose paths cannot be read still has its text: it is read as narrative.
        let (horizontal, vertical) = match doc.extract_paths(page) {
            Ok(paths) => rules_of(&paths, top, limits),
            Err(_) => (Vec::new(), Vec::new()),
        };
        let glyphs = if horizontal.len() >= 2 && vertical.len() >= 2 {
            doc.extract_chars(page)
                .map(|chars| {
                    chars
                        .into_iter()
                        .filter(|c| !c.char.is_whitespace())
                        .map(|c| Run {
                            left: c.bbox.x,
                            right: c.bbox.x + c.bbox.width,
                            middle: top - (c.bbox.y + c.bbox.height / 2.0),
                            size: c.font_size.max(1.0),
                            text: decoded_char(c.char).to_string(),
                            anchor: None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        read.push(Page {
            runs,
            glyphs,
            horizontal,
            vertical,
        });
    }
    if read.iter().all(|p| p.runs.is_empty()) {
        return Err(
            "no text layer: a scanned PDF (OCR is not supported), or content that could not be decoded (pdf_oxide stops inflating a stream at 256 MB)"
                .into(),
        );
    }
    let layout = grid::layout(&read);
    let mut per_page: Vec<Vec<String>> = read
        .into_iter()
        .zip(&layout.table_pages)
        .map(|(page, is_table)| {
            if *is_table {
                Vec::new()
            } else {
                lines_of(page.runs).into_iter().map(|l| l.text).collect()
            }
        })
        .collect();
    strip_running_lines(&mut per_page);
    let mut narrative = PdfText {
        pages,
        incomplete,
        unmapped,
        ..PdfText::default()
    };
    for (p, lines) in per_page.iter().enumerate() {
        for (l, line) in lines.iter().enumerate() {
            narrative.text.push_str(line);
            narrative.text.push('\n');
            narrative.lines.push((p as u32 + 1, l as u32 + 1));
        }
        // A page break ends a line, not a sentence: the mending joins across it.
    }
    Ok(PdfDoc {
        narrative,
        tables: layout.sheet,
        unruled: layout.unruled,
    })
}

/// Whether a decoded glyph can be text of a Chinese disclosure. A font without a usable
/// ToUnicode map is decoded by guessing that its glyph ids are code points: the guess is
/// text in Syriac, Tai Le, Hangul or Yi ("᭦ޕ᭟ࠪ" for 收入支出), scripts a 部门决算 never
/// prints. Such a glyph is as unreadable as one without a mapping.
fn plausible(c: char) -> bool {
    !matches!(c as u32,
        0x0590..=0x1FFF // Hebrew … Greek Extended (Latin, Greek and Cyrillic are below)
        | 0x2C00..=0x2DFF // Glagolitic … Cyrillic Extended-A
        | 0xA000..=0xABFF // Yi … Meetei Mayek
        | 0xAC00..=0xD7FF // Hangul
        | 0x10000..=0x1FFFF // historic scripts, symbols, emoji
    )
}

fn decoded_char(c: char) -> char {
    if plausible(c) {
        c
    } else {
        char::REPLACEMENT_CHARACTER
    }
}

/// A run's text with every glyph that did not decode to text as U+FFFD.
fn decoded(text: String) -> String {
    if text.chars().all(plausible) {
        text
    } else {
        text.chars().map(decoded_char).collect()
    }
}

/// The most path segments a page may contribute as ruling lines (a hostile page can draw
/// millions): beyond it the page is read as text only.
const MAX_RULES_PER_PAGE: usize = 20_000;

/// Ruling lines from a page's vector paths, in top-down coordinates: stroked axis-aligned
/// segments (lines, and the edges of stroked rectangles) and thin filled rectangles (Word
/// draws borders as `re f`). Collinear pieces are merged: ONLYOFFICE strokes one short
/// segment per cell edge.
fn rules_of(
    paths: &[pdf_oxide::elements::PathContent],
    top: f32,
    _limits: &Limits,
) -> (Vec<Rule>, Vec<Rule>) {
    // Segments (x0, y0, x1, y1) in PDF space; classified once all are collected.
    let mut segments: Vec<(f32, f32, f32, f32)> = Vec::new();
    let mut add = |x0: f32, y0: f32, x1: f32, y1: f32| segments.push((x0, y0, x1, y1));
    const THIN: f32 = 2.5;
    for path in paths {
        let stroked = path.stroke_color.is_some();
        let filled = path.fill_color.is_some();
        if !stroked && !filled {
            continue;
        }
        if !stroked {
            // A filled shape is a rule only when thin: a bar drawn as a rectangle.
            let b = &path.bbox;
            let (w, h) = (b.width.abs(), b.height.abs());
            if h <= THIN && w > THIN {
                let y = b.y + b.height / 2.0;
                add(b.x, y, b.x + b.width, y);
            } else if w <= THIN && h > THIN {
                let x = b.x + b.width / 2.0;
                add(x, b.y, x, b.y + b.height);
            }
            continue;
        }
        let mut start = (0.0f32, 0.0f32);
        let mut at = (0.0f32, 0.0f32);
        for op in &path.operations {
            match *op {
                PathOperation::MoveTo(x, y) => {
                    start = (x, y);
                    at = (x, y);
                }
                PathOperation::LineTo(x, y) => {
                    add(at.0, at.1, x, y);
                    at = (x, y);
                }
                PathOperation::CurveTo(_, _, _, _, x, y) => at = (x, y),
                PathOperation::Rectangle(x, y, w, h) => {
                    add(x, y, x + w, y);
                    add(x, y + h, x + w, y + h);
                    add(x, y, x, y + h);
                    add(x + w, y, x + w, y + h);
                    start = (x, y);
                    at = (x, y);
                }
                PathOperation::ClosePath => {
                    add(at.0, at.1, start.0, start.1);
                    at = start;
                }
            }
        }
    }
    if segments.len() > MAX_RULES_PER_PAGE {
        return (Vec::new(), Vec::new());
    }
    let mut horizontal = Vec::new();
    let mut vertical = Vec::new();
    for (x0, y0, x1, y1) in segments {
        let (y0, y1) = (top - y0, top - y1);
        if (y0 - y1).abs() <= 0.5 && (x1 - x0).abs() >= 1.0 {
            horizontal.push(Rule {
                pos: (y0 + y1) / 2.0,
                from: x0.min(x1),
                to: x0.max(x1),
            });
        } else if (x0 - x1).abs() <= 0.5 && (y1 - y0).abs() >= 1.0 {
            vertical.push(Rule {
                pos: (x0 + x1) / 2.0,
                from: y0.min(y1),
                to: y0.max(y1),
            });
        }
    }
    (merge_rules(horizontal), merge_rules(vertical))
}

/// Collinear rules (positions within a point) that touch or overlap become one.
fn merge_rules(mut rules: Vec<Rule>) -> Vec<Rule> {
    rules.retain(|r| r.pos.is_finite() && r.from.is_finite() && r.to.is_finite());
    rules.sort_by(|a, b| a.pos.total_cmp(&b.pos).then(a.from.total_cmp(&b.from)));
    // Cluster positions first, then merge the extents within each cluster.
    let mut out: Vec<Rule> = Vec::new();
    let mut i = 0;
    while i < rules.len() {
        let mut j = i + 1;
        while j < rules.len() && rules[j].pos - rules[j - 1].pos <= 1.0 {
            j += 1;
        }
        let cluster = &mut rules[i..j];
        let pos = cluster.iter().map(|r| r.pos).sum::<f32>() / cluster.len() as f32;
        cluster.sort_by(|a, b| a.from.total_cmp(&b.from));
        let mut current: Option<Rule> = None;
        for r in cluster.iter() {
            match &mut current {
                Some(c) if r.from <= c.to + 2.0 => c.to = c.to.max(r.to),
                _ => {
                    out.extend(current.take());
                    current = Some(Rule {
                        pos,
                        from: r.from,
                        to: r.to,
                    });
                }
            }
        }
        out.extend(current);
        i = j;
    }
    out
}

/// A line of text rebuilt from runs, with its vertical centre and extent.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub text: String,
    pub middle: f32,
}

/// Runs into lines: a run joins the line whose vertical centre is within half its height
/// (baselines differ within a row by a few points); lines top to bottom, runs left to
/// right, a space where the gap is wider than a third of the glyph size.
pub(crate) fn lines_of(mut runs: Vec<Run>) -> Vec<Line> {
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
        .map(|(middle, mut members)| {
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
            Line {
                text: text.trim().to_string(),
                middle,
            }
        })
        .filter(|l| !l.text.is_empty())
        .collect()
}

/// Removes page numbers ("3", "- 3 -", "第3页", "3/25") when they are a page's first or last
/// line, and a first or last line repeated on a third of the pages or more (a running header
/// or footer).
pub(crate) fn strip_running_lines(pages: &mut [Vec<String>]) {
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

pub(crate) fn is_page_number(line: &str) -> bool {
    let t: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '—' | '–' | '第' | '页' | '/' | '共'))
        .collect();
    !t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A run of 10 pt glyphs, 10 pt wide each.
    pub(crate) fn run(text: &str, left: f32, middle: f32) -> Run {
        Run {
            text: text.into(),
            left,
            right: left + 10.0 * text.chars().count() as f32,
            middle,
            size: 10.0,
            anchor: None,
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
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["年初预算为支出决算为 1511.89", "下一行"]);
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
