//! Reads a narrative report into blocks in document order: paragraphs (numbered) and tables
//! (rows of cells). `.txt` in UTF-8 (with or without BOM), UTF-16 with BOM or GB18030/GBK is
//! decoded by detection; `.docx` is read from its WordprocessingML, real tables included.
//! Text that came out of a PDF converter (hard line breaks inside sentences and numbers,
//! spaces between numbers and units) is mended into the paragraphs a Word file would have.

use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;

/// One block of a report, in document order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Block {
    /// A paragraph and its number (1-based line in a .txt, paragraph index in a .docx).
    Para { number: u32, text: String },
    /// A table: rows of cell texts; `number` is the paragraph number where it starts.
    Table { number: u32, rows: Vec<Vec<String>> },
}

/// The encoding a .txt was decoded from, for the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 (BOM)",
            Encoding::Utf16Le => "utf-16le (BOM)",
            Encoding::Utf16Be => "utf-16be (BOM)",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

/// Decodes text bytes: a BOM decides; else valid UTF-8 is UTF-8; else GB18030 (a superset of
/// GBK and GB2312), which must decode without errors.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec())
            .map(|s| (s, Encoding::Utf8Bom))
            .map_err(|e| format!("UTF-8 BOM but invalid UTF-8: {e}"));
    }
    for (bom, enc, label) in [
        (b"\xFF\xFE", encoding_rs::UTF_16LE, Encoding::Utf16Le),
        (b"\xFE\xFF", encoding_rs::UTF_16BE, Encoding::Utf16Be),
    ] {
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            return if had_errors {
                Err(format!(
                    "{} BOM but invalid {}",
                    label.as_str(),
                    label.as_str()
                ))
            } else {
                Ok((text.into_owned(), label))
            };
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), Encoding::Utf8));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err("neither UTF-8, UTF-16 with BOM nor GB18030/GBK (Big5 and other encodings are not read)".into());
    }
    Ok((text.into_owned(), Encoding::Gb18030))
}

/// The characters of 部门决算 reports and of everyday Chinese (the file's first line says so).
static COMMON: std::sync::LazyLock<std::collections::HashSet<char>> =
    std::sync::LazyLock::new(|| {
        include_str!("common_hanzi.txt")
            .lines()
            .skip(1)
            .flat_map(str::chars)
            .collect()
    });

/// Refuses a decode that does not read as a Chinese report: control characters, no Chinese
/// at all, or Chinese characters that are mostly rare (Big5 decoded as GBK: 8% common
/// characters; real reports: 87–94%).
pub fn plausible(text: &str, encoding: Encoding) -> Result<(), String> {
    let mut chars = 0usize;
    let mut control = 0usize;
    let mut cjk = 0usize;
    let mut common = 0usize;
    for c in text.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            control += 1;
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            cjk += 1;
            common += usize::from(COMMON.contains(&c));
        }
    }
    if control > 8 && control * 200 > chars {
        return Err(format!(
            "{control} control characters in {chars}: binary data, or text in an encoding juesuan does not read (read as {})",
            encoding.as_str()
        ));
    }
    if cjk == 0 {
        return Err(format!(
            "no Chinese text (read as {}): not a 部门决算 report, or an encoding juesuan does not read",
            encoding.as_str()
        ));
    }
    if cjk >= 5 && common * 2 < cjk {
        return Err(format!(
            "read as {} the text is gibberish ({}% of its Chinese characters are common ones; a real report has over 80%): probably Big5 or another encoding juesuan does not read",
            encoding.as_str(),
            common * 100 / cjk
        ));
    }
    Ok(())
}

/// Reads a .txt report: decoded, lines mended into paragraphs, flattened tables (one cell per
/// tab-indented line) rebuilt into rows.
pub fn read_txt(bytes: &[u8]) -> Result<(Vec<Block>, Encoding), String> {
    let (text, encoding) = decode(bytes)?;
    plausible(&text, encoding)?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let number = i as u32 + 1;
        if lines[i].starts_with('\t') {
            let (rows, next) = read_flat_table(&lines, i);
            blocks.push(Block::Table { number, rows });
            i = next;
            continue;
        }
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        blocks.push(Block::Para {
            number,
            text: line.to_string(),
        });
    }
    Ok((mend(blocks), encoding))
}

/// A Word table flattened to text: each cell a line starting with a tab; a cell's further
/// lines follow without a tab; a blank line followed by a tab line starts the next row. The
/// table ends at a line that is neither a cell nor a short continuation leading to one.
fn read_flat_table(lines: &[&str], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut rows: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        if let Some(cell) = line.strip_prefix('\t') {
            if let Some(r) = rows.last_mut() {
                r.push(cell.trim().to_string());
            }
            i += 1;
        } else if line.trim().is_empty() {
            // Blank: a row break if a cell follows, part of a cell if a continuation does.
            let next = (i + 1..lines.len())
                .find(|&j| lines[j].starts_with('\t') || !lines[j].trim().is_empty());
            match next {
                Some(j) if lines[j].starts_with('\t') => {
                    if rows.last().is_some_and(|r| !r.is_empty()) {
                        rows.push(Vec::new());
                    }
                    i = j;
                }
                Some(j) if is_continuation(lines, j) => i = j,
                _ => break,
            }
        } else if is_continuation(lines, i) {
            if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
                cell.push_str(line.trim());
            }
            i += 1;
        } else {
            break;
        }
    }
    rows.retain(|r| !r.is_empty());
    (rows, i)
}

/// A short line ("（万元）", "效", "指标值") inside a table cell: followed, after at most
/// a few more such lines, by a cell line.
fn is_continuation(lines: &[&str], i: usize) -> bool {
    let mut j = i;
    let mut seen = 0;
    while j < lines.len() && seen < 6 {
        let line = lines[j];
        if line.starts_with('\t') {
            return seen > 0;
        }
        let t = line.trim();
        if !t.is_empty() {
            if t.chars().count() > 12 {
                return false;
            }
            seen += 1;
        }
        j += 1;
    }
    false
}

/// [`mend`] for blocks built elsewhere (tests, other readers).
pub fn mend_blocks(blocks: Vec<Block>) -> Vec<Block> {
    mend(blocks)
}

/// Mends text that a PDF converter broke: a paragraph that stops mid-sentence continues on
/// the next line; spaces inside numbers and between a number and its unit go.
fn mend(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for mut block in blocks {
        // Each line tidied first: a letter-spaced heading ("一 、 主 要 职 能") is a heading.
        if let Block::Para { text, .. } = &mut block {
            *text = tidy_numbers(text);
        }
        match (out.last_mut(), block) {
            (Some(Block::Para { text: prev, .. }), Block::Para { text, number }) => {
                if continues(prev, &text) {
                    prev.push_str(&text);
                } else {
                    out.push(Block::Para { number, text });
                }
            }
            (_, block) => out.push(block),
        }
    }
    for block in &mut out {
        if let Block::Para { text, .. } = block {
            *text = tidy_numbers(text);
        }
    }
    out
}

/// Whether `next` continues the sentence `prev` broke off.
fn continues(prev: &str, next: &str) -> bool {
    let last = prev.chars().last().unwrap_or('。');
    // Only a sentence end ends a paragraph: a converter wraps lines after ；，： as often as
    // anywhere else. A line that ends mid-sentence before a heading still stands alone.
    let ends = "。！？!?”）)】」".contains(last);
    let heading = |s: &str| is_heading(s);
    // A broken number or unit ("11724." / "11724" + "万元") always continues.
    let numeric_break = last.is_ascii_digit() || last == '.' || last == ',';
    // A heading is a short line; a line that merely starts like one ("2.公务接待费。2023年度
    // 决算数0万元，比2023年度年初") and runs to the wrap width was cut by the converter.
    let len = prev.chars().count();
    let short_heading = heading(prev) && len < 28;
    !ends && (numeric_break || (len >= 20 && !short_heading && !heading(next)))
}

/// A heading line: "第三部分", "（一）…", "(1)…", "四、…", "1、…", "2.公务接待费" — but not
/// "2023年度…" or "5.83万元" (a number, not an ordinal), nor "（项）。主要用于…" (the rest of a
/// "…（款）行政单位离退休（项）" statement wrapped before its bracket).
fn is_heading(s: &str) -> bool {
    let s = s.trim_start();
    if s.starts_with('第') && s.contains("部分") {
        return true;
    }
    if let Some(inner) = s.strip_prefix('（').or_else(|| s.strip_prefix('(')) {
        let ordinal = inner
            .chars()
            .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
            .count();
        return (1..=3).contains(&ordinal)
            && inner
                .chars()
                .nth(ordinal)
                .is_some_and(|c| c == '）' || c == ')');
    }
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    let chinese = s
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .count();
    let n = digits.max(chinese);
    let mut rest = s.chars().skip(n);
    (1..=2).contains(&n)
        && rest.next().is_some_and(|c| "、.．)）".contains(c))
        && rest.next().is_none_or(|c| !c.is_ascii_digit())
}

/// "19,044.27 万元" → "19,044.27万元"; "决算 100.46 万元" → "决算100.46万元": a space that
/// touches a number on one side and a number, unit or Chinese text on the other goes. So
/// does a space between two Chinese characters or marks: Chinese prose has no word spaces,
/// and a letter-spaced line ("收 入 支 出 总 计", a PDF justified glyph by glyph or whose
/// font lost its widths) reads as the sentence it prints.
fn tidy_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let numeric = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    let cjk = |c: char| c >= '\u{2E80}' && c != '\u{3000}';
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' || c == '\u{3000}' {
            let prev = out.chars().last();
            let next = chars[i + 1..]
                .iter()
                .copied()
                .find(|n| *n != ' ' && *n != '\u{3000}');
            if let (Some(p), Some(n)) = (prev, next) {
                if (numeric(p) && (numeric(n) || cjk(n) || n == '%'))
                    || (cjk(p) && (numeric(n) || cjk(n)))
                {
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// Reads a .docx: body paragraphs and tables in document order.
/// Reads a .docx report; `max_bytes` bounds what word/document.xml may inflate to.
pub fn read_docx(path: &Path, max_bytes: u64) -> Result<Vec<Block>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("not a .docx (zip): {e}"))?;
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .map_err(|e| format!("not a .docx: no word/document.xml ({e})"))?
        .take(max_bytes + 1)
        .read_to_string(&mut xml)
        .map_err(|e| format!("word/document.xml: {e}"))?;
    if xml.len() as u64 > max_bytes {
        return Err(format!(
            "word/document.xml inflates to more than {max_bytes} bytes (limits.max_entry_bytes)"
        ));
    }
    parse_document_xml(&xml)
}

fn parse_document_xml(xml: &str) -> Result<Vec<Block>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut blocks = Vec::new();
    let mut number = 0u32;
    // Nesting: table depth, and the text of the paragraph / cell / row being read.
    let mut table_depth = 0usize;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut para = String::new();
    let mut in_text = false;
    let mut table_start = 0u32;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("word/document.xml at {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => match e.local_name().into_inner() {
                "tbl" => {
                    table_depth += 1;
                    if table_depth == 1 {
                        rows.clear();
                        table_start = number + 1;
                    }
                }
                "tr" if table_depth == 1 => row.clear(),
                "tc" if table_depth == 1 => cell.clear(),
                "p" => para.clear(),
                "t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().into_inner() {
                "tab" => para.push('\t'),
                "br" | "cr" => para.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => para.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    para.push(c);
                } else {
                    para.push_str(match &*r {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(e) => match e.local_name().into_inner() {
                "t" => in_text = false,
                "p" => {
                    number += 1;
                    if table_depth >= 1 {
                        // A cell's paragraphs join without a break, as the .txt form does.
                        cell.push_str(para.trim());
                    } else if !para.trim().is_empty() {
                        blocks.push(Block::Para {
                            number,
                            text: para.trim().to_string(),
                        });
                    }
                    para.clear();
                }
                "tc" if table_depth == 1 => row.push(std::mem::take(&mut cell)),
                "tr" if table_depth == 1 => rows.push(std::mem::take(&mut row)),
                "tbl" => {
                    table_depth = table_depth.saturating_sub(1);
                    if table_depth == 0 {
                        blocks.push(Block::Table {
                            number: table_start,
                            rows: std::mem::take(&mut rows),
                        });
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(mend(blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        let text = "2023年度北京市西城区新街口街道办事处";
        assert_eq!(
            decode(text.as_bytes()).unwrap(),
            (text.to_string(), Encoding::Utf8)
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap().1, Encoding::Utf8Bom);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_string(), Encoding::Gb18030));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(
            decode(&utf16).unwrap(),
            (text.to_string(), Encoding::Utf16Le)
        );
        assert!(decode(&[0xFF, 0xFF, 0xFF, 0x00, 0x81]).is_err());
    }

    #[test]
    fn headings() {
        for h in [
            "第三部分 2023年度部门绩效评价情况",
            "（一）收入决算说明",
            "四、一般公共预算",
            "1、一般公共服务（类）",
            "2.公务接待费。",
            "十一、住房",
        ] {
            assert!(is_heading(h), "{h}");
        }
        for t in [
            "2023年度本年收入合计",
            "5.83万元，占",
            "一般公共服务支出",
            "0.82万元",
        ] {
            assert!(!is_heading(t), "{t}");
        }
    }

    /// A letter-spaced text (a PDF justified glyph by glyph, or whose font lost its widths)
    /// reads as the sentences it prints; spaces beside Latin words stay.
    #[test]
    fn letter_spaced_lines_read_as_their_sentences() {
        let txt = "一 、 收 入 支 出 决 算 总 体 情 况 说 明\n2024 年 度 收 、 支 总 计 307.82 万 元 。 与 2023 年 度 相 比 ， 收 入 支 出 总\n计 增 加 307.82 万 元 。\n开 展 PPP 项 目 评 价 。";
        let (blocks, _) = read_txt(txt.as_bytes()).unwrap();
        let texts: Vec<&str> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Para { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                "一、收入支出决算总体情况说明",
                "2024年度收、支总计307.82万元。与2023年度相比，收入支出总计增加307.82万元。",
                "开展 PPP 项目评价。",
            ]
        );
    }

    #[test]
    fn pdf_breaks_are_mended() {
        let txt = "2023年度收、支总计39985.83万元，比上年减少1170.82\n万元，下降2.84%。\n（一）收入决算说明\n其他收入 19,044.27 万元。";
        let (blocks, _) = read_txt(txt.as_bytes()).unwrap();
        assert_eq!(
            blocks,
            vec![
                Block::Para {
                    number: 1,
                    text: "2023年度收、支总计39985.83万元，比上年减少1170.82万元，下降2.84%。"
                        .into()
                },
                Block::Para {
                    number: 3,
                    text: "（一）收入决算说明".into()
                },
                Block::Para {
                    number: 4,
                    text: "其他收入19,044.27万元。".into()
                },
            ]
        );
    }

    #[test]
    fn flattened_tables_become_rows() {
        let txt = "前文。\n\t项目名称\n\t某项目\n\n\t项目资金\n（万元）\n\t\n\t年初预算数\n\n\t\n\t年度资金总额\n\t420\n\t年度\n\n指标值\n\t实际\n\n后文很长很长很长很长很长很长的一段话。";
        let (blocks, _) = read_txt(txt.as_bytes()).unwrap();
        assert_eq!(
            blocks[1],
            Block::Table {
                number: 2,
                rows: vec![
                    vec!["项目名称".into(), "某项目".into()],
                    vec!["项目资金（万元）".into(), "".into(), "年初预算数".into()],
                    vec![
                        "".into(),
                        "年度资金总额".into(),
                        "420".into(),
                        "年度指标值".into(),
                        "实际".into()
                    ],
                ]
            }
        );
        assert!(matches!(&blocks[2], Block::Para { text, .. } if text.starts_with("后文")));
    }
}
